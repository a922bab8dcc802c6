//! Synthetic connectomes for benchmarking the viewer: `synthetic:NEURONS:EDGES[:SEED]`, e.g.
//! `synthetic:139000:3700000` (the size of the whole fly brain). Neurons sit in a few dozen
//! spatial clusters inside an ellipsoid (so the anatomical layout applies), get a cell type
//! and a transmitter, and connect mostly within their cluster with heavy-tailed weights;
//! a tenth of the connections are gap junctions.

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal};
use rand_pcg::Pcg64Mcg;

use crate::model::{Connectome, ConnectomeBuilder, EdgeKind, Sign};

/// The prefix that names a synthetic graph.
pub const PREFIX: &str = "synthetic:";

/// Parses `synthetic:N:E[:SEED]`; `None` if `what` does not start with the prefix,
/// `Some(Err)` if it does but is malformed.
pub fn parse(what: &str) -> Option<Result<(usize, usize, u64), String>> {
    let rest = what.strip_prefix(PREFIX)?;
    let parts: Vec<&str> = rest.split(':').collect();
    let num = |s: &str| {
        s.trim()
            .replace('_', "")
            .parse::<u64>()
            .map_err(|_| format!("{what}: '{s}' is not a whole number"))
    };
    Some((|| {
        if parts.len() < 2 || parts.len() > 3 {
            return Err(format!("{what}: expected synthetic:NEURONS:EDGES[:SEED]"));
        }
        let n = num(parts[0])? as usize;
        let e = num(parts[1])? as usize;
        let seed = if parts.len() == 3 { num(parts[2])? } else { 1 };
        if !(2..=5_000_000).contains(&n) || e > 100_000_000 {
            return Err(format!(
                "{what}: between 2 and 5,000,000 neurons and at most 100,000,000 connections"
            ));
        }
        Ok((n, e, seed))
    })())
}

/// Generates the graph (deterministic for a seed).
pub fn generate(n: usize, edges: usize, seed: u64) -> Result<Connectome, String> {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let clusters = ((n as f64).sqrt() / 4.0).clamp(1.0, 60.0) as usize;
    let unit = Normal::new(0.0f32, 1.0).map_err(|e| e.to_string())?;
    let centres: Vec<[f32; 3]> = (0..clusters)
        .map(|_| {
            [
                rng.random_range(-1.0..1.0) * 600.0,
                rng.random_range(-1.0..1.0) * 300.0,
                rng.random_range(-1.0..1.0) * 200.0,
            ]
        })
        .collect();
    let mut b = ConnectomeBuilder::new();
    b.weight_unit = Some("synapses".into());
    b.neurons_from_table = true;
    let types = ["sensory", "interneuron", "interneuron", "motor"];
    let transmitters = [
        "Acetylcholine",
        "Acetylcholine",
        "Glutamate",
        "GABA",
        "Dopamine",
        "Serotonin",
    ];
    let mut cluster_of = Vec::with_capacity(n);
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); clusters];
    for i in 0..n {
        let k = rng.random_range(0..clusters);
        let id = b.neurons.find_or_add(&format!("n{i}"));
        let c = centres[k];
        let spread = 60.0;
        b.neurons.position[id] = Some([
            c[0] + unit.sample(&mut rng) * spread,
            c[1] + unit.sample(&mut rng) * spread,
            c[2] + unit.sample(&mut rng) * spread,
        ]);
        b.neurons.class.set(id, &format!("C{k}"));
        b.neurons.cell_type.set(id, types[rng.random_range(0..types.len())]);
        let nt = transmitters[rng.random_range(0..transmitters.len())];
        b.neurons.neurotransmitter.set(id, nt);
        b.neurons.sign[id] = if nt == "GABA" {
            Sign::Inhibitory
        } else {
            Sign::Excitatory
        };
        cluster_of.push(k);
        members[k].push(id as u32);
    }
    b.neurons.position_unit = Some("um".into());
    let weight = LogNormal::new(1.0f64, 0.8).map_err(|e| e.to_string())?;
    // Heavy-tailed out-propensity: a few hubs send many connections.
    let hubs = LogNormal::new(0.0f64, 1.0).map_err(|e| e.to_string())?;
    let propensity: Vec<f64> = (0..n).map(|_| hubs.sample(&mut rng)).collect();
    let total: f64 = propensity.iter().sum();
    let mut line = 0u64;
    for (pre, p) in propensity.iter().enumerate() {
        let expected = p / total * edges as f64;
        let mut count = expected.floor() as usize;
        if rng.random::<f64>() < expected.fract() {
            count += 1;
        }
        let own = &members[cluster_of[pre]];
        for _ in 0..count {
            let post = if own.len() > 1 && rng.random::<f64>() < 0.7 {
                own[rng.random_range(0..own.len())] as usize
            } else {
                rng.random_range(0..n)
            };
            if post == pre {
                continue;
            }
            let w = weight.sample(&mut rng).round().max(1.0);
            let kind = if rng.random::<f64>() < 0.1 {
                EdgeKind::Electrical
            } else {
                EdgeKind::Chemical
            };
            line += 1;
            b.add_edge(kind, pre, post, w, Sign::Unknown, None, line);
        }
    }
    b.finish().map_err(|e| e.to_string())
}
