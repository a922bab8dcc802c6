//! The oscillator, map and graded models through the CLI (`simulate --model NAME`) and through
//! a `Simulation` on the C. elegans connectome: JSON summary, determinism for a fixed seed,
//! parameter overrides, and the synchrony measures they feed.

use std::process::Command;

use connectoscope::io;
use connectoscope::sim::models::{self, ModelConfig};
use connectoscope::sim::synchrony::{mean_order, mean_pairwise_correlation, spike_phase_order};
use connectoscope::sim::{Protocol, RecordingSpec, Simulation};

const MODELS: [&str; 4] = ["kuramoto", "chialvo", "rulkov", "graded"];

/// Runs `simulate celegans-cook2019 --model NAME --duration 200 --json` with `extra` arguments;
/// returns the JSON and the traces and spikes files.
fn simulate(model: &str, extra: &[&str]) -> (serde_json::Value, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (traces, spikes) = (dir.path().join("traces.csv"), dir.path().join("spikes.csv"));
    let out = Command::new(env!("CARGO_BIN_EXE_connectoscope"))
        .args([
            "simulate",
            "celegans-cook2019",
            "--model",
            model,
            "--duration",
            "200",
            "--json",
        ])
        .args([
            "--traces",
            traces.to_str().unwrap(),
            "--spikes",
            spikes.to_str().unwrap(),
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{model}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = serde_json::from_slice(&out.stdout).unwrap();
    (
        json,
        std::fs::read_to_string(traces).unwrap(),
        std::fs::read_to_string(spikes).unwrap(),
    )
}

#[test]
fn every_model_runs_on_the_worm_and_reports_json() {
    for model in MODELS {
        let (json, traces, _) = simulate(model, &[]);
        assert_eq!(json["model"], model);
        assert_eq!(json["neurons"], 302);
        assert_eq!(json["steps"], 2000);
        assert_eq!(json["duration_ms"], 200.0);
        for key in ["synapses", "spikes", "mean_rate_hz", "build_s", "sim_s", "threads"] {
            assert!(json.get(key).is_some(), "{model}: --json lacks {key}: {json}");
        }
        let spikes = json["spikes"].as_u64().unwrap();
        match model {
            "graded" => assert_eq!(spikes, 0, "graded neurons do not spike"),
            // About one spike per cycle at the default 10 Hz.
            "kuramoto" => assert!((json["mean_rate_hz"].as_f64().unwrap() - 10.0).abs() < 2.0, "{json}"),
            _ => assert!(spikes > 302, "{model}: {json}"),
        }
        assert_eq!(traces.lines().count(), 2001, "{model}: a row per step");
        assert!(
            traces
                .lines()
                .skip(1)
                .all(|l| { l.split(',').skip(1).all(|v| v.parse::<f64>().unwrap().is_finite()) })
        );
    }
}

#[test]
fn a_fixed_seed_gives_the_same_run_and_another_seed_another() {
    for model in MODELS {
        let stim = ["--stim", "noise all mean=0 std=0.05"];
        let first = simulate(model, &[&["--seed", "3"][..], &stim].concat());
        let again = simulate(model, &[&["--seed", "3"][..], &stim].concat());
        let other = simulate(model, &[&["--seed", "4"][..], &stim].concat());
        assert_eq!(
            (&first.1, &first.2),
            (&again.1, &again.2),
            "{model}: same seed, same traces and spikes"
        );
        assert_eq!(first.0["spikes"], again.0["spikes"]);
        assert_ne!(first.1, other.1, "{model}: the seed matters");
    }
}

#[test]
fn parameters_are_overridden_by_name() {
    let (weak, _, _) = simulate("kuramoto", &["--param", "K=0", "--param", "f_sd=0"]);
    assert!(
        (weak["mean_rate_hz"].as_f64().unwrap() - 10.0).abs() < 0.6,
        "uncoupled 10 Hz oscillators: {weak}"
    );
    simulate(
        "kuramoto",
        &["--param", "signed=1", "--param", "alpha=0.2", "--param", "gap_weight=0"],
    );
    simulate("chialvo", &["--param", "epsilon=0.02", "--param", "threshold=0.8"]);
    simulate("rulkov", &["--param", "alpha=4.3", "--param", "sigma=-1.2"]);
    simulate(
        "graded",
        &["--param", "tau=20", "--param", "g_gap=0", "--trace-var", "activation"],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_connectoscope"))
        .args([
            "simulate",
            "celegans-cook2019",
            "--model",
            "rulkov",
            "--param",
            "tau_m=3",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown parameter 'tau_m'"));
}

fn worm() -> connectoscope::Connectome {
    io::load("celegans-cook2019", &Default::default()).unwrap()
}

/// A `Simulation` of `model` with `params` on the worm, run for `steps` steps of 1 ms.
fn run(model: &str, params: &[(&str, f64)], spec: RecordingSpec, protocol: &Protocol, steps: u64) -> Simulation {
    let c = worm();
    let config = ModelConfig {
        model: model.into(),
        dt_ms: 1.0,
        params: params.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        ..Default::default()
    };
    let (engine, _) = models::build(&c, &config).unwrap();
    let mut sim = Simulation::new(engine, &c, protocol, config.seed, spec).unwrap();
    sim.run(steps, None);
    sim
}

#[test]
fn kuramoto_coupling_raises_the_recorded_order_parameter_globally_and_per_group() {
    let c = worm();
    let group: Vec<u32> = ["AVAL", "AVAR", "AVBL", "AVBR"]
        .iter()
        .map(|n| c.neurons.find(n).unwrap() as u32)
        .collect();
    let spec = RecordingSpec {
        order_parameter: true,
        groups: vec![("command".into(), group)],
        ..Default::default()
    };
    let final_r = |k: f64| {
        let sim = run("kuramoto", &[("K", k)], spec.clone(), &Protocol::default(), 2000);
        assert_eq!(sim.recorder.order.len(), 2);
        (
            *sim.recorder.order[0].last().unwrap(),
            *sim.recorder.order[1].last().unwrap(),
        )
    };
    let (weak, _) = final_r(0.0);
    let (strong, command) = final_r(200.0);
    assert!(weak < 0.3 && strong > 0.9, "r without coupling {weak}, with {strong}");
    assert!(command > 0.9, "the command interneurons lock too: {command}");

    // Ablated oscillators have no phase and leave r(t).
    let protocol = Protocol::from_json(r#"{"items": [{"kind": "ablate", "target": "all"}]}"#).unwrap();
    let sim = run("kuramoto", &[], spec, &protocol, 10);
    assert_eq!(sim.recorder.order[0], vec![0.0; 10]);
    assert_eq!(sim.recorder.total_spikes, 0);
}

#[test]
fn map_synchrony_is_measured_from_traces_and_spikes() {
    let spec = |n: u32| RecordingSpec {
        spikes: true,
        traces: (0..n).map(|i| (i, 0)).collect(),
        trace_every: 1,
        ..Default::default()
    };
    let measure = |epsilon: f64| {
        let sim = run(
            "chialvo",
            &[("epsilon", epsilon)],
            spec(302),
            &Protocol::default(),
            4000,
        );
        let late: Vec<Vec<f64>> = sim.recorder.traces.iter().map(|s| s[2000..].to_vec()).collect();
        let r = spike_phase_order(&sim.recorder.spikes, 302, 4000);
        (
            mean_pairwise_correlation(&late).unwrap(),
            mean_order(&r[2000..]).unwrap(),
        )
    };
    let (c_none, r_none) = measure(0.0);
    let (c_strong, r_strong) = measure(0.5);
    assert!(
        c_none < 0.2 && r_none < 0.3,
        "uncoupled: correlation {c_none}, r {r_none}"
    );
    assert!(
        c_strong > 0.9 && r_strong > 0.9,
        "coupled: correlation {c_strong}, r {r_strong}"
    );
}
