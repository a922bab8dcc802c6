//! The Kuramoto engine follows the peers' NumPy/SciPy RK4 (`kuramoto_numpy.py`) to 1e-6 in
//! r(t) when started from the same natural frequencies and phases. Fixtures made by
//! scripts/make_kuramoto_fixtures.sh, i.e. on the LIF fixtures' 300-neuron graph:
//!
//!   kuramoto_numpy.py h300.csv --n 300 --T 2000 --dt 0.5 --K 20 --seed 1 --r-every-ms 10
//!       --init-out init.csv --r-out tests/fixtures/kuramoto/h300_r.csv
//!
//! NumPy's model uses signed weights (inhibitory connections repel), our `signed = 1`.

use std::io::Read;

use connectoscope::io::{self, LoadOptions};
use connectoscope::sim::kuramoto::{Kuramoto, KuramotoParams};
use connectoscope::sim::recording::order_parameter;
use connectoscope::sim::{Engine, Network, NetworkParams, StepInput};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn csv_rows(text: &str) -> Vec<Vec<f64>> {
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(|f| f.parse().unwrap()).collect())
        .collect()
}

#[test]
fn order_parameter_matches_numpy_from_the_same_start() {
    let c = io::load(&format!("{FIXTURES}/lif/h300_edges.csv.gz"), &LoadOptions::default()).unwrap();
    let n = c.neurons.len();
    assert_eq!(n, 300);
    let mut init = String::new();
    let file = std::fs::File::open(format!("{FIXTURES}/kuramoto/h300_init.csv.gz")).unwrap();
    flate2::read::GzDecoder::new(file).read_to_string(&mut init).unwrap();
    // NumPy numbers neurons by their integer id; ours are named by it.
    let (mut omega, mut theta0) = (vec![0.0; n], vec![0.0; n]);
    for row in csv_rows(&init) {
        let i = c.neurons.find(&(row[0] as usize).to_string()).unwrap();
        (omega[i], theta0[i]) = (row[1], row[2]);
    }
    let dt = 0.5;
    let net = Network::build(
        &c,
        &NetworkParams {
            weight_scale: 1.0,
            dt_ms: dt,
            ..Default::default()
        },
    );
    let params = KuramotoParams {
        k: 20.0,
        signed: true,
        ..Default::default()
    };
    let mut engine = Kuramoto::new(&net, params, 1.0, dt, 1, 1);
    engine.set_state(&omega, &theta0).unwrap();

    let expected = csv_rows(&std::fs::read_to_string(format!("{FIXTURES}/kuramoto/h300_r.csv")).unwrap());
    assert_eq!(expected.len(), 201);
    let every = 20; // 10 ms
    let (zeros, no) = (vec![0.0; n], vec![false; n]);
    let mut spikes = Vec::new();
    let mut worst = 0.0f64;
    for (k, row) in expected.iter().enumerate() {
        if k > 0 {
            for s in 0..every {
                let step = ((k - 1) * every + s) as u64;
                let input = StepInput {
                    step,
                    current: &zeros,
                    synaptic: &[],
                    muted: &no,
                    ablated: &no,
                };
                engine.step(&input, &mut spikes);
            }
        }
        let r = order_parameter(&engine, 0..n as u32);
        // NumPy writes r with 6 decimals: beyond their rounding, the two agree to 1e-8.
        assert!(
            (r - row[1]).abs() <= 5e-7 + 1e-8,
            "t = {} ms: r = {r:.9} vs NumPy {}",
            row[0],
            row[1]
        );
        worst = worst.max((r - row[1]).abs());
    }
    assert!(
        expected[200][1] > 0.5 && expected[0][1] < 0.1,
        "the fixture synchronises"
    );
    eprintln!("largest |r - r_numpy| = {worst:.2e}");
}
