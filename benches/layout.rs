//! Layout timings on generated graphs of 3k neurons / 65k connections and 139k / 3.7M
//! (FlyWire's size): force-layout setup and milliseconds per iteration, spectral and
//! signal-flow layouts, wall-clock and CPU time.
//!
//!     cargo bench --no-default-features --bench layout
//!
//! RAYON_NUM_THREADS=1 gives one-core figures; LAYOUT_SETTLE=N also runs the force layout
//! (up to N iterations) until it settles.

use std::time::Instant;

use connectoscope::analysis::layout::{self, Control, ForceLayout, Point, SpectralOptions, spectral_with};
use connectoscope::model::{Connectome, ConnectomeBuilder, EdgeKind, Sign};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

fn assert_normalised(points: &[Point], what: &str) {
    let r = points
        .iter()
        .map(|p| p.iter().map(|v| (*v as f64).powi(2)).sum::<f64>().sqrt())
        .fold(0.0, f64::max);
    assert!(
        points.iter().flatten().all(|v| v.is_finite()) && (r - 1.0).abs() < 1e-3,
        "{what}: radius {r}"
    );
}

/// A connectome-like random graph: `n` neurons in communities of 300, 80% of connections
/// within a community, skewed out-degrees, `m` distinct connections of 1..=20 synapses.
fn generated(n: usize, m: usize, seed: u64) -> Connectome {
    let mut rng = Pcg64::seed_from_u64(seed);
    let community = 300;
    let mut b = ConnectomeBuilder::new();
    for i in 0..n {
        b.neurons.find_or_add(&i.to_string());
    }
    let mut seen = rustc_hash::FxHashSet::default();
    while seen.len() < m {
        let pre = rng.random_range(0..n).min(rng.random_range(0..n));
        let post = if rng.random_bool(0.8) {
            let base = pre / community * community;
            (base + rng.random_range(0..community)).min(n - 1)
        } else {
            rng.random_range(0..n)
        };
        let w = (1.0 / (1.0 - rng.random::<f64>() * 0.95)).floor().min(20.0);
        if seen.insert((pre, post)) {
            b.add_edge(EdgeKind::Chemical, pre, post, w, Sign::Unknown, None, seen.len() as u64);
        }
    }
    b.finish().unwrap()
}

/// CPU seconds used by this process so far (Linux; wall-clock elsewhere would mislead on a
/// shared machine, so this returns `None` there).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = fields[11].parse::<f64>().ok()? + fields[12].parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Runs `f`, returning its result with the wall-clock and CPU seconds it took.
fn measure<T>(f: impl FnOnce() -> T) -> (T, f64, Option<f64>) {
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let out = f();
    (
        out,
        t.elapsed().as_secs_f64(),
        cpu_seconds().zip(cpu).map(|(b, a)| b - a),
    )
}

/// Timings on generated graphs of 3k neurons / 65k connections and 139k / 3.7M (FlyWire's
/// size): force-layout setup and milliseconds per iteration, spectral and signal-flow
/// layouts. CPU time is reported next to wall-clock time, which misleads on a busy machine;
/// run with RAYON_NUM_THREADS=1 for one-core figures, LAYOUT_SETTLE=N to also run the force
/// layout (up to N iterations) until it settles.
fn main() {
    println!("{} threads", rayon::current_num_threads());
    for (n, m, warmup, steps) in [(3_000, 65_000, 10, 200), (139_000, 3_700_000, 2, 10)] {
        let c = generated(n, m, 11);
        let (mut f, wall, cpu) = measure(|| ForceLayout::new(&c, None, 1));
        println!(
            "n={n} pairs={m}: force setup {wall:.2} s (cpu {cpu:.2?} s), {:.0} MB held",
            f.heap_bytes() as f64 / 1e6
        );
        for _ in 0..warmup {
            f.step();
        }
        let (_, wall, cpu) = measure(|| (0..steps).for_each(|_| _ = f.step()));
        let per = |t: f64| t * 1e3 / steps as f64;
        println!(
            "  force: {:.1} ms/iteration wall, cpu {:.1?} ms",
            per(wall),
            cpu.map(per)
        );
        assert!(f.positions().iter().flatten().all(|v| v.is_finite()));
        // LAYOUT_SETTLE=N also runs up to N more iterations to see when it settles.
        if let Some(cap) = std::env::var("LAYOUT_SETTLE").ok().and_then(|s| s.parse().ok()) {
            let (steps, wall, cpu) = measure(|| f.run(cap, &Control::default()));
            println!(
                "  force: settled {} after {} iterations ({steps} more in {wall:.1} s, cpu {cpu:.1?} s)",
                f.is_settled(),
                f.iterations()
            );
        }

        let ((points, report), wall, cpu) =
            measure(|| spectral_with(&c, &SpectralOptions::default(), &Control::default()).unwrap());
        println!("  spectral: {wall:.2} s wall, cpu {cpu:.2?} s; {report:?}");
        assert_normalised(&points, "spectral");
        let ((_, report), wall, cpu) =
            measure(|| layout::processing_depth_with(&c, &Default::default(), &Control::default()).unwrap());
        println!("  processing depth: {wall:.2} s wall, cpu {cpu:.2?} s; {report:?}");
        let (points, wall, cpu) = measure(|| layout::signal_flow(&c));
        println!("  signal flow (depth + 2 eigenvectors): {wall:.2} s wall, cpu {cpu:.2?} s");
        assert_normalised(&points, "signal flow");
    }
}
