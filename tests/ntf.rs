//! Non-negative tensor factorisation against tensorly 0.10's `non_negative_parafac_hals` on
//! the same planted tensors (fixture from scripts/make_ntf_fixture.py): at the same rank,
//! 500 iterations and 3 seeded random starts, our relative error is at least as low.

use connectoscope::analysis::functional::ntf::{NtfOptions, ntf, planted};

#[test]
fn reaches_tensorly_reconstruction_error() {
    let text = std::fs::read_to_string("tests/fixtures/ntf/planted.json").unwrap();
    let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
    for case in fixture["cases"].as_array().unwrap() {
        let shape: Vec<usize> = case["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let rank = case["rank"].as_u64().unwrap() as usize;
        let noise = case["noise"].as_f64().unwrap();
        let theirs = case["tensorly_rel_error"].as_f64().unwrap();
        let (x, _) = planted([shape[0], shape[1], shape[2]], rank, noise);
        let cp = ntf(
            &x,
            &NtfOptions {
                rank,
                max_iterations: 500,
                tolerance: 1e-10,
                restarts: 3,
                seed: 1,
            },
        );
        assert!(
            cp.rel_error <= theirs * 1.001,
            "{shape:?} rank {rank}: ours {} vs tensorly {theirs}",
            cp.rel_error
        );
    }
}
