//! LIF rasters are identical to NEST 3.10's `iaf_psc_exp` (fixtures made by
//! scripts/make_lif_fixtures.sh with ../shared/peers/lif_nest.py): byte for byte through the
//! CLI's `--spikes` file, and whatever the number of threads.

use std::io::Read;
use std::process::Command;

use connectoscope::io::{self, LoadOptions};
use connectoscope::sim::lif::{Lif, LifParams};
use connectoscope::sim::models::{self, ModelConfig};
use connectoscope::sim::{Engine, Protocol, RecordingSpec, Simulation};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lif");

fn gunzip(name: &str) -> String {
    let file = std::fs::File::open(format!("{FIXTURES}/{name}")).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(file).read_to_string(&mut text).unwrap();
    text
}

/// Runs the CLI and returns the spikes file it wrote.
fn cli_spikes(input: &str, ie: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("spikes.csv");
    let status = Command::new(env!("CARGO_BIN_EXE_connectoscope"))
        .args([
            "simulate",
            input,
            "--model",
            "lif",
            "--duration",
            "1000",
            "--dt",
            "0.1",
            "--J",
            "20",
        ])
        .args([
            "--ie",
            &format!("{FIXTURES}/{ie}"),
            "--spikes",
            out.to_str().unwrap(),
            "--json",
        ])
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    for key in [
        "model",
        "neurons",
        "steps",
        "spikes",
        "mean_rate_hz",
        "build_s",
        "sim_s",
        "threads",
    ] {
        assert!(json.get(key).is_some(), "--json lacks {key}: {json}");
    }
    assert_eq!(json["steps"], 10000);
    std::fs::read_to_string(out).unwrap()
}

fn first_difference(a: &str, b: &str) -> String {
    match a.lines().zip(b.lines()).enumerate().find(|(_, (x, y))| x != y) {
        Some((k, (x, y))) => format!("line {}: ours '{x}' vs NEST '{y}'", k + 1),
        None => format!("{} vs {} lines", a.lines().count(), b.lines().count()),
    }
}

#[test]
fn generated_300_neuron_network_matches_nest_exactly() {
    let ours = cli_spikes(&format!("{FIXTURES}/h300_edges.csv.gz"), "h300_ie.csv");
    let nest = gunzip("h300_nest_spikes.csv.gz");
    assert!(nest.lines().count() > 10_000, "the fixture is a busy network");
    assert!(ours == nest, "rasters differ: {}", first_difference(&ours, &nest));
}

#[test]
fn celegans_matches_nest_exactly() {
    let ours = cli_spikes("celegans-cook2019", "celegans_ie.csv");
    let nest = gunzip("celegans_nest_spikes.csv.gz");
    assert!(ours == nest, "rasters differ: {}", first_difference(&ours, &nest));
}

#[test]
fn partitioning_across_threads_never_changes_the_raster() {
    let c = io::load(&format!("{FIXTURES}/h300_edges.csv.gz"), &LoadOptions::default()).unwrap();
    let config = ModelConfig::default();
    let (_, net) = models::build(&c, &config).unwrap();
    let ie: Vec<f64> = csv::Reader::from_path(format!("{FIXTURES}/h300_ie.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap()[1].parse().unwrap())
        .collect();
    let raster = |parts: usize| {
        let mut lif = Lif::with_parts(&net, LifParams::default(), 0.1, parts);
        lif.set_bias(&ie).unwrap();
        let spec = RecordingSpec {
            spikes: true,
            ..Default::default()
        };
        let mut sim = Simulation::new(Box::new(lif), &c, &Protocol::default(), 1, spec).unwrap();
        sim.run(3000, None);
        sim.recorder.spikes
    };
    let one = raster(1);
    assert!(one.len() > 1000);
    assert_eq!(raster(2), one);
    assert_eq!(raster(3), one);
}
