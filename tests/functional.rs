//! End to end: activity from our own simulator with planted, time-varying groups → the
//! dynamic functional connectome recovers the groups and their epochs.
//!
//! The generator is tests/fixtures/functional/two_epochs.json: LIF on the C. elegans
//! connectome (Cook 2019), group A (the command interneurons AVA, AVB, AVD, AVE) gets shared
//! current pulses during 0–2 s, group B (the motor neurons DB1–4, VB1–4) during 2–4 s, and
//! every neuron gets noise. `connectoscope functional --simulate celegans-cook2019 --protocol
//! tests/fixtures/functional/two_epochs.json --traces-out traces.csv ...` writes the traces.

use std::collections::HashSet;

use connectoscope::analysis::functional::activity::{ActivityOptions, simulate_traces};
use connectoscope::analysis::functional::ntf::NtfOptions;
use connectoscope::analysis::functional::{AffinityKind, DynamicOptions, dynamic_connectome};

const A: [&str; 8] = ["AVAL", "AVAR", "AVBL", "AVBR", "AVDL", "AVDR", "AVEL", "AVER"];
const B: [&str; 8] = ["DB1", "DB2", "DB3", "DB4", "VB1", "VB2", "VB3", "VB4"];

fn protocol() -> connectoscope::sim::Protocol {
    connectoscope::sim::Protocol::from_json(include_str!("fixtures/functional/two_epochs.json")).unwrap()
}

#[test]
fn simulated_groups_and_epochs_are_recovered() {
    let c = connectoscope::io::load("celegans-cook2019", &Default::default()).unwrap();
    let traces = simulate_traces(
        &c,
        &protocol(),
        &ActivityOptions {
            duration_ms: 4000.0,
            active_only: true,
            ..Default::default()
        },
        None,
        &|_| {},
    )
    .unwrap();
    let names = &traces.names;
    for g in A.iter().chain(&B) {
        assert!(names.iter().any(|n| n == g), "{g} never spiked");
    }
    // Silent neurons are left out: the drive reaches the groups and their partners only.
    assert!(names.len() < 60, "{} active neurons", names.len());
    let n = names.len();
    let dc = dynamic_connectome(
        std::slice::from_ref(&traces),
        &DynamicOptions {
            remove_baseline: true,
            window_s: 0.5,
            step_s: 0.25,
            affinity: AffinityKind::Differential { smooth: 2 },
            ntf: NtfOptions {
                rank: 2,
                restarts: 3,
                ..Default::default()
            },
        },
    )
    .unwrap();
    let starts = &dc.window_start_s;
    let mut epochs_found = HashSet::new();
    for (group, other, epoch) in [(&A, &B, 0usize), (&B, &A, 1)] {
        let is = |set: &[&str; 8], i: usize| set.contains(&names[i].as_str());
        // The component whose most involved neurons are this group's...
        let (comp, top) = dc
            .components
            .iter()
            .map(|comp| {
                let p = comp.participation(n);
                let mut order: Vec<usize> = (0..n).collect();
                order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
                order.truncate(8);
                (comp, order)
            })
            .max_by_key(|(_, top)| top.iter().filter(|&&i| is(group, i)).count())
            .unwrap();
        let hits = top.iter().filter(|&&i| is(group, i)).count();
        let strays = top.iter().filter(|&&i| is(other, i)).count();
        assert!(
            hits >= 5 && strays <= 1,
            "epoch {epoch}: top {:?}",
            top.iter().map(|&i| &names[i]).collect::<Vec<_>>()
        );
        // ...is active in its epoch (windows ending by 2 s, or starting from 2 s)...
        let (mut on, mut off) = (0.0, 0.0);
        for (w, &v) in comp.time_curve.iter().enumerate() {
            let in_epoch = if epoch == 0 {
                starts[w] + 0.5 <= 2.0
            } else {
                starts[w] >= 2.0 - 1e-9
            };
            let in_other = if epoch == 0 {
                starts[w] >= 2.0 - 1e-9
            } else {
                starts[w] + 0.5 <= 2.0
            };
            if in_epoch {
                on += v;
            } else if in_other {
                off += v;
            }
        }
        assert!(on > 10.0 * off, "epoch {epoch}: on {on} off {off}");
        epochs_found.insert(epoch);
        // ...and keeps the group together in one of its communities, apart from the other.
        let mut count = std::collections::HashMap::new();
        for i in (0..n).filter(|&i| is(group, i)) {
            *count.entry(comp.communities[i]).or_insert(0) += 1;
        }
        let (&home, &together) = count.iter().max_by_key(|(_, k)| **k).unwrap();
        assert!(together >= 6, "epoch {epoch}: group split {count:?}");
        let intruders = (0..n).filter(|&i| is(other, i) && comp.communities[i] == home).count();
        assert!(
            intruders <= 1,
            "epoch {epoch}: {intruders} of the other group in its community"
        );
    }
    assert_eq!(epochs_found.len(), 2);
}

/// One command from a protocol to the dynamic connectome, with the traces written too.
#[test]
fn functional_cli_simulates_and_factorises() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fc");
    let traces = dir.path().join("traces.csv");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_connectoscope"))
        .args(["functional", "--simulate", "celegans-cook2019", "--protocol"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/functional/two_epochs.json"
        ))
        .args([
            "--duration",
            "4s",
            "--window",
            "0.5",
            "--step",
            "0.25",
            "--rank",
            "2",
            "--json",
            "--out",
        ])
        .arg(&out)
        .arg("--traces-out")
        .arg(&traces)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(v["rank"], 2);
    assert_eq!(v["windows"], 15);
    let text = std::fs::read_to_string(&traces).unwrap();
    let header = text.lines().next().unwrap();
    assert!(header.starts_with("time_s,") && header.contains("AVAL") && header.contains("DB1"));
    assert_eq!(text.lines().count(), 401);
    for f in [
        "components.csv",
        "time_curves.csv",
        "communities.csv",
        "affinity_c1.csv",
        "summary.json",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    // The traces it wrote give the same connectome through the traces route.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_connectoscope"))
        .arg("functional")
        .arg(&traces)
        .args(["--window", "0.5", "--step", "0.25", "--rank", "2", "--json", "--out"])
        .arg(dir.path().join("fc2"))
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let w: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(w["neurons"], v["neurons"]);
    let (e1, e2) = (v["rel_error"].as_f64().unwrap(), w["rel_error"].as_f64().unwrap());
    assert!((e1 - e2).abs() < 1e-6, "{e1} vs {e2}");

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_connectoscope"))
        .args([
            "functional",
            "--simulate",
            "celegans-cook2019",
            "--window",
            "0.5",
            "--step",
            "0.25",
            "--out",
        ])
        .arg(dir.path().join("x"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "--simulate without --protocol");
}
