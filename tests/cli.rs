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

fn recording_fixture(name: &str) -> String {
    format!("{}/tests/fixtures/recordings/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// `recording --json`: one object per file with exactly the contracted keys.
#[test]
fn recording_json_has_the_contracted_keys() {
    let files = [recording_fixture("neuropal.nwb"), recording_fixture("wormwideweb.json")];
    let out = run(&["recording", &files[0], &files[1], "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let objects: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(objects.len(), 2);
    let mut keys: Vec<&str> = objects[0].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "behaviour",
            "duration_s",
            "file",
            "frames",
            "labelled",
            "matched",
            "nan_frames",
            "rate_hz",
            "rois",
            "unmatched"
        ]
    );
    let nwb = &objects[0];
    assert_eq!(nwb["file"], files[0].as_str());
    assert_eq!(
        (nwb["rois"].as_u64(), nwb["labelled"].as_u64(), nwb["matched"].as_u64()),
        (Some(8), Some(6), Some(5))
    );
    assert_eq!(nwb["unmatched"], serde_json::json!(["XYZ1"]));
    assert_eq!(
        (nwb["frames"].as_u64(), nwb["nan_frames"].as_u64()),
        (Some(40), Some(4))
    );
    assert_eq!(
        (nwb["duration_s"].as_f64(), nwb["rate_hz"].as_f64()),
        (Some(15.6), Some(2.5))
    );
    assert_eq!(nwb["behaviour"], serde_json::json!([]));
    let www = &objects[1];
    assert_eq!(www["matched"], 3);
    assert_eq!(www["unmatched"], serde_json::json!(["FOO"]));
    assert_eq!(www["behaviour"].as_array().unwrap().len(), 6);
    assert!((www["rate_hz"].as_f64().unwrap() - 1.0 / 0.6).abs() < 1e-9);

    let text = run(&["recording", &files[0]]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("unmatched   XYZ1") && text.contains("animal      worm-7"),
        "{text}"
    );
}

/// Bad recordings: the file and the problem on stderr, exit 2; good files are still described.
#[test]
fn bad_recordings_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let nwb = std::fs::read(recording_fixture("neuropal.nwb")).unwrap();
    let truncated = dir.path().join("cut.nwb");
    std::fs::write(&truncated, &nwb[..nwb.len() * 2 / 3]).unwrap();
    let missing_key = dir.path().join("nokey.json");
    std::fs::write(&missing_key, br#"{"trace_array":[[1,2,3]],"labeled":{}}"#).unwrap();
    let numbers = dir.path().join("numbers.csv");
    std::fs::write(&numbers, "neuron,time_s,value\n12,0,1\n").unwrap();
    let lengths = dir.path().join("lengths.json");
    std::fs::write(
        &lengths,
        br#"{"trace_array":[[1,2,3]],"avg_timestep":0.01,"labeled":{},"pumping":[1,2]}"#,
    )
    .unwrap();
    for (path, wanted) in [
        (truncated.to_str().unwrap().to_string(), "truncated"),
        (recording_fixture("no_traces.nwb"), "RoiResponseSeries"),
        (missing_key.to_str().unwrap().to_string(), "missing key 'avg_timestep'"),
        (numbers.to_str().unwrap().to_string(), "not a neuron name"),
        (lengths.to_str().unwrap().to_string(), "'pumping'"),
    ] {
        let good = recording_fixture("plain.nwb");
        let out = run(&["recording", &good, &path, "--json"]);
        assert_eq!(out.status.code(), Some(2), "{path}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&path) && err.contains(wanted),
            "{path}: wanted '{wanted}' in {err}"
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(stdout.lines().count(), 1, "the good file is still described");
    }
}

/// `functional` reads every recording format; several files are the recordings axis.
#[test]
fn functional_accepts_recordings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fc");
    let files = [
        recording_fixture("neuropal.nwb"),
        recording_fixture("plain.nwb"),
        recording_fixture("wormwideweb.json"),
    ];
    for f in &files {
        let v = json(&[
            "functional",
            f,
            "--window",
            "6",
            "--step",
            "3",
            "--rank",
            "2",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(v["recordings"], 1, "{f}");
        assert!(v["neurons"].as_u64().unwrap() >= 4, "{f}: {v}");
    }
    // Two animals: the neuropal and WormWideWeb fixtures share no 3 labelled neurons...
    let both = run(&[
        "functional",
        &files[0],
        &files[2],
        "--window",
        "6",
        "--step",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(both.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&both.stderr).contains("share"),
        "{}",
        String::from_utf8_lossy(&both.stderr)
    );
    // ...the same file twice shares all of them.
    let v = json(&[
        "functional",
        &files[0],
        &files[0],
        "--window",
        "6",
        "--step",
        "3",
        "--rank",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        (v["recordings"].as_u64(), v["neurons"].as_u64()),
        (Some(2), Some(6)),
        "the 6 labelled ROIs"
    );
}
