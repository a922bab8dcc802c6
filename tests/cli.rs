//! The `connectoscope` binary: JSON contract, conversions and exit codes.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connectoscope"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn info_json_has_the_contracted_keys() {
    let v = json(&["info", "celegans-cook2019", "--json"]);
    assert_eq!(v["neurons"], 302);
    assert_eq!(v["chemical"]["edges"], 3709);
    assert_eq!(v["chemical"]["weight"], 20965.0);
    assert_eq!(v["electrical"]["edges"], 1105);
    assert_eq!(v["electrical"]["weight"], 5779.0);
    assert_eq!(v["other"]["edges"], 0);
    assert_eq!(v["components"], 1);
    assert_eq!(v["has_positions"], true);
    // A curated dataset needs no interpretation: an empty import report.
    assert_eq!(v["warnings"], serde_json::json!([]));

    let v = json(&["info", "celegans-varshney2011", "--json"]);
    assert_eq!(
        (v["neurons"].as_u64(), v["chemical"]["edges"].as_u64()),
        (Some(279), Some(2194))
    );
    assert_eq!(
        (v["electrical"]["edges"].as_u64(), v["electrical"]["weight"].as_f64()),
        (Some(517), Some(890.0))
    );
}

/// The import report: `warnings` of `{"code", "message", "count"}` in JSON, and as text.
#[test]
fn info_reports_how_the_file_was_read() {
    let root = env!("CARGO_MANIFEST_DIR");
    let cook = format!("{root}/tests/fixtures/wild/cook2019_herm_full_edgelist.csv.gz");
    let v = json(&["info", &cook, "--json"]);
    assert_eq!(v["electrical"]["edges"], 1359);
    let warnings = v["warnings"].as_array().unwrap();
    let count = |code: &str| {
        let w = warnings
            .iter()
            .find(|w| w["code"] == code)
            .unwrap_or_else(|| panic!("{code}: {v}"));
        assert!(w["message"].as_str().is_some_and(|m| !m.is_empty()));
        w["count"].as_u64()
    };
    assert_eq!(count("asymmetric_pairs"), Some(26));
    assert_eq!(count("both_ways_listing"), Some(1339));
    assert_eq!(count("trimmed_names"), Some(14758));
    let gml = format!("{root}/tests/fixtures/gml/nx_undirected.gml");
    let out = run(&["info", &gml]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("undirected         3 pairs"), "{text}");
    assert!(
        text.contains("import report\n  [undirected_edges] 3 undirected connections"),
        "{text}"
    );
    // simulate couples an undirected graph's neurons (a synapse each way by default).
    let v = json(&["simulate", &gml, "--duration", "10", "--json"]);
    assert_eq!(v["synapses"], 6, "{v}");
    let v = json(&["simulate", &gml, "--duration", "10", "--json", "--undirected", "none"]);
    assert_eq!(v["synapses"], 0, "{v}");
    let out = run(&["simulate", &gml, "--undirected", "sideways"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn text_info_and_dataset_list() {
    let out = run(&["info", "celegans-cook2019"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("302") && text.contains("3709 connections"), "{text}");
    let out = run(&["datasets"]);
    let text = String::from_utf8(out.stdout).unwrap();
    for d in connectoscope::io::datasets::ALL {
        assert!(text.contains(d.name), "{} missing from `datasets`", d.name);
    }
}

#[test]
fn convert_round_trips_through_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("worm.csv");
    let status = run(&["convert", "celegans-cook2019", out.to_str().unwrap()]);
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    assert!(dir.path().join("worm.neurons.csv").is_file());
    let a = json(&["info", "celegans-cook2019", "--json"]);
    let b = json(&["info", out.to_str().unwrap(), "--json"]);
    for key in [
        "neurons",
        "chemical",
        "electrical",
        "other",
        "components",
        "has_positions",
        "reciprocity",
    ] {
        assert_eq!(a[key], b[key], "{key}");
    }
}

#[test]
fn bad_input_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "pre,post,weight\nA,B,1\nA,C,lots\n").unwrap();
    let out = run(&["info", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("bad.csv:3: column 'weight': 'lots' is not a number"),
        "{err}"
    );

    let out = run(&["info", "no-such-thing"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[
        "convert",
        "celegans-cook2019",
        dir.path().join("x.pdf").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown output format"));
    let out = run(&["info"]);
    assert_eq!(out.status.code(), Some(2), "a missing argument is a usage error");
}

#[test]
fn izhikevich_runs_with_its_own_default_weight_scale() {
    // With LIF's 20 (pA) as mV per synapse the worm fires ~6 kHz; the model's own default is 0.5 mV.
    let args = [
        "simulate",
        "celegans-cook2019",
        "--model",
        "izhikevich",
        "--duration",
        "200",
        "--ie-range",
        "5:15",
        "--json",
    ];
    let rate = json(&args)["mean_rate_hz"].as_f64().unwrap();
    assert!(rate > 1.0 && rate < 300.0, "mean rate {rate} Hz");
}

/// `functional` on traces of graded neurons from our own simulator: the output folder has every file, one column per component, and bad input exits 2.
#[test]
fn functional_writes_components_and_communities() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces.csv");
    let out = run(&[
        "simulate",
        "celegans-cook2019",
        "--model",
        "graded",
        "--duration",
        "2000",
        "--dt",
        "1",
        "--stim",
        "pulses AVA*,AVB* amplitude=60 width=100 freq=2 stop=1000",
        "--stim",
        "pulses DB1,DB2,VB1,VB2 amplitude=60 width=100 freq=3 start=1000",
        "--trace",
        "AVA*,AVB*,DB1,DB2,VB1,VB2,AIYL,AIYR,RIAL,RIAR",
        "--traces",
        traces.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let folder = dir.path().join("fc");
    let json = json(&[
        "functional",
        traces.to_str().unwrap(),
        "--window",
        "0.25",
        "--step",
        "0.25",
        "--rank",
        "3",
        "--out",
        folder.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        (
            json["neurons"].as_u64(),
            json["windows"].as_u64(),
            json["rank"].as_u64()
        ),
        (Some(12), Some(8), Some(3))
    );
    for key in ["pairs", "recordings", "rel_error", "time_s", "components"] {
        assert!(json.get(key).is_some(), "summary lacks {key}");
    }
    for file in [
        "components.csv",
        "time_curves.csv",
        "recordings.csv",
        "communities.csv",
        "affinity_c1.csv",
        "summary.json",
    ] {
        assert!(folder.join(file).exists(), "{file}");
    }
    let communities = std::fs::read_to_string(folder.join("communities.csv")).unwrap();
    assert_eq!(communities.lines().next(), Some("neuron,c1,c2,c3"));
    assert_eq!(communities.lines().count(), 13);
    let curves = std::fs::read_to_string(folder.join("time_curves.csv")).unwrap();
    assert_eq!(curves.lines().count(), 9);
    // Bad input: a window longer than the recording, a non-numeric cell.
    let out = run(&[
        "functional",
        traces.to_str().unwrap(),
        "--window",
        "10",
        "--step",
        "1",
        "--out",
        folder.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "time,A,B,C\n0,1,2,3\n0.1,1,x,3\n0.2,1,2,3\n").unwrap();
    let out = run(&[
        "functional",
        bad.to_str().unwrap(),
        "--window",
        "0.1",
        "--step",
        "0.1",
        "--out",
        folder.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv:3") && err.contains("'x'"), "{err}");
}
