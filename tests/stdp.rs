//! STDP on the spiking engines: pre-before-post pairing potentiates by a_plus w_max
//! exp(-dt/tau_plus), post-before-pre depresses by a_minus w_max exp(-dt/tau_minus), and
//! weights stay within [0, w_max] (inhibitory synapses are not plastic).

use connectoscope::io::{self, LoadOptions};
use connectoscope::sim::izhikevich::{Izhikevich, IzhikevichParams};
use connectoscope::sim::lif::{Lif, LifParams};
use connectoscope::sim::models::{self, ModelConfig};
use connectoscope::sim::stdp::StdpParams;
use connectoscope::sim::{Engine, Network, StepInput};

const DT: f64 = 0.1;

fn stdp() -> StdpParams {
    StdpParams {
        stdp: true,
        w_max: 100.0,
        ..Default::default()
    }
}

/// 0 -> 1 with a weak weight (it cannot make 1 fire), delay 1.5 ms.
fn pair() -> Network {
    Network {
        n: 2,
        out_offsets: vec![0, 1, 1],
        targets: vec![1],
        weights: vec![1.0],
        delays: vec![15],
        gap_offsets: vec![0, 0, 0],
        ..Default::default()
    }
}

fn engines() -> Vec<Box<dyn Engine>> {
    vec![
        Box::new(Lif::new(
            &pair(),
            LifParams {
                stdp: stdp(),
                ..Default::default()
            },
            DT,
            1,
        )),
        Box::new(Izhikevich::new(
            &pair(),
            IzhikevichParams {
                stdp: stdp(),
                ..Default::default()
            },
            &[false, false],
            DT,
            1,
        )),
    ]
}

/// Makes neuron 0 fire in step `pre` and neuron 1 in step `post` with one-step current
/// pulses strong enough for either model; returns the weight 0 -> 1 afterwards.
fn pairing(engine: &mut dyn Engine, pre: u64, post: u64) -> f64 {
    let no = [false, false];
    let mut spikes = Vec::new();
    for step in 0..300 {
        let current = [
            if step == pre { 1e6 } else { 0.0 },
            if step == post { 1e6 } else { 0.0 },
        ];
        spikes.clear();
        engine.step(
            &StepInput {
                step,
                current: &current,
                synaptic: &[],
                muted: &no,
                ablated: &no,
            },
            &mut spikes,
        );
        let expected: Vec<u32> = [(0, pre), (1, post)]
            .iter()
            .filter(|p| p.1 == step)
            .map(|p| p.0)
            .collect();
        assert_eq!(spikes, expected, "{} step {step}", engine.name());
    }
    engine.synapse_weight(0, 1).unwrap()
}

#[test]
fn pre_before_post_potentiates_post_before_pre_depresses() {
    let p = stdp();
    for mut engine in engines() {
        let name = engine.name();
        assert_eq!(engine.synapse_weight(0, 1), Some(1.0));
        assert_eq!(engine.synapse_weight(1, 0), None);
        // Post 5 ms after pre.
        let w = pairing(engine.as_mut(), 100, 150);
        let expected = p.a_plus * p.w_max * (-5.0 / p.tau_plus).exp();
        assert!((w - 1.0 - expected).abs() < 1e-12, "{name}: {w}");
        assert!((engine.weight_change().unwrap() - expected).abs() < 1e-12);
        // Reset restores the weight; then pre 5 ms after post.
        engine.reset();
        assert_eq!(engine.synapse_weight(0, 1), Some(1.0));
        assert_eq!(engine.weight_change(), Some(0.0));
        let w = pairing(engine.as_mut(), 150, 100);
        let expected = p.a_minus * p.w_max * (-5.0 / p.tau_minus).exp();
        assert!((1.0 - w - expected).abs() < 1e-12, "{name}: {w}");
        // Simultaneous spikes do not pair.
        engine.reset();
        assert_eq!(pairing(engine.as_mut(), 100, 100), 1.0);
    }
}

#[test]
fn without_stdp_weights_are_fixed() {
    let mut lif = Lif::new(&pair(), LifParams::default(), DT, 1);
    assert_eq!(pairing(&mut lif, 100, 150), 1.0);
    assert_eq!(lif.weight_change(), None);
}

#[test]
fn weights_stay_within_bounds_in_a_busy_network() {
    let c = io::load("celegans-cook2019", &LoadOptions::default()).unwrap();
    for (model, w_max) in [("lif", 40.0), ("izhikevich", 3.0)] {
        let config = ModelConfig {
            model: model.into(),
            weight_scale: if model == "lif" { 20.0 } else { 1.0 },
            params: [("stdp", 1.0), ("w_max", w_max), ("a_plus", 0.05), ("a_minus", 0.06)]
                .map(|(k, v)| (k.to_string(), v))
                .into(),
            threads: 2,
            ..Default::default()
        };
        let (mut engine, net) = models::build(&c, &config).unwrap();
        let n = net.n;
        // Strong random drive so that many pairs form.
        let bias: Vec<f64> = (0..n)
            .map(|i| {
                if model == "lif" {
                    450.0 + (i % 7) as f64 * 30.0
                } else {
                    4.0 + (i % 5) as f64
                }
            })
            .collect();
        engine.set_bias(&bias).unwrap();
        let (zeros, no) = (vec![0.0; n], vec![false; n]);
        let mut spikes = Vec::new();
        let mut total = 0;
        for step in 0..5000 {
            spikes.clear();
            engine.step(
                &StepInput {
                    step,
                    current: &zeros,
                    synaptic: &[],
                    muted: &no,
                    ablated: &no,
                },
                &mut spikes,
            );
            total += spikes.len();
        }
        assert!(total > 10 * n, "{model}: a busy network ({total} spikes)");
        let mut changed = 0;
        for pre in 0..n {
            for k in net.out_range(pre) {
                let post = net.targets[k] as usize;
                let w = engine.synapse_weight(pre, post).unwrap();
                let initial: f64 = net
                    .out_range(pre)
                    .filter(|&j| net.targets[j] as usize == post)
                    .map(|j| net.weights[j])
                    .sum();
                if initial < 0.0 {
                    assert_eq!(w, initial, "{model}: inhibitory synapses are fixed");
                } else {
                    assert!((0.0..=w_max).contains(&w), "{model}: {pre} -> {post}: {w}");
                    changed += (w != initial.min(w_max)) as usize;
                }
            }
        }
        assert!(
            changed > net.synapses() / 4,
            "{model}: {changed} of {} weights changed",
            net.synapses()
        );
        assert!(engine.weight_change().unwrap().is_finite());
    }
}
