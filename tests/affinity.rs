//! The differential affinity (our formalisation of Dyballa et al., ICLR 2024, §2.1; see
//! src/analysis/functional/affinity.rs) against an independent NumPy restatement of the same
//! steps on seeded synthetic traces (fixture from scripts/make_affinity_fixture.py; the
//! authors' notebook could not be run, so this pins the definition, not their numbers).

use connectoscope::analysis::functional::affinity::{differential, pair_index};

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

#[test]
fn matches_numpy_restatement() {
    let text = std::fs::read_to_string("tests/fixtures/functional/differential.json").unwrap();
    let fixture: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for case in fixture["cases"].as_array().unwrap() {
        let traces: Vec<Vec<f64>> = case["traces"].as_array().unwrap().iter().map(floats).collect();
        let window: Vec<&[f64]> = traces.iter().map(Vec::as_slice).collect();
        let n = window.len();
        for result in case["results"].as_array().unwrap() {
            let k = result["k"].as_u64().unwrap() as usize;
            let theirs = floats(&result["differential"]);
            let ours = differential(&window, k);
            assert_eq!(ours.len(), n * (n - 1) / 2);
            assert_eq!(ours.len(), theirs.len());
            for i in 0..n {
                for j in i + 1..n {
                    let p = pair_index(n, i, j);
                    let (a, b) = (ours[p], theirs[p]);
                    assert!(
                        (a - b).abs() <= 1e-9 * b.abs().max(1e-12),
                        "seed {} k {k} pair ({i},{j}): ours {a} vs NumPy {b}",
                        case["seed"]
                    );
                    assert!((0.0..=1.0).contains(&a));
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 7);
}
