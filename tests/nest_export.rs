//! `connectoscope export-nest` without NEST (CI has none; scripts/check_nest_export.sh runs the
//! scripts with NEST 3.10 and compares the spikes): the folder's files, the .npy arrays against
//! the connectome, the devices in run.py, refusals and exit codes.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use connectoscope::io::{self, npy};
use connectoscope::sim::models::ModelConfig;
use connectoscope::sim::network::{Network, NetworkParams};
use connectoscope::sim::protocol::Protocol;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connectoscope"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn read_npy(dir: &Path, name: &str) -> npy::Array {
    let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    npy::read(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

const PROTOCOL: &str = r#"{"items": [
  {"kind": "dc", "target": "all", "amplitude": 150, "start_ms": 20},
  {"kind": "pulses", "target": "class:AVA", "amplitude": 400, "width_ms": 2, "frequency_hz": 20, "start_ms": 50, "stop_ms": 600},
  {"kind": "poisson", "target": "type:sensory", "rate_hz": 300, "weight": 60},
  {"kind": "noise", "target": "AVB*", "mean": 10, "std": 80, "start_ms": 100, "stop_ms": 800},
  {"kind": "silence", "target": "AVB*", "start_ms": 300, "stop_ms": 500},
  {"kind": "ablate", "target": "RIS"},
  {"kind": "ablate", "target": "DVA", "start_ms": 400}
]}"#;

#[test]
fn export_has_the_connections_and_devices_of_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let protocol = tmp.path().join("p.json");
    std::fs::write(&protocol, PROTOCOL).unwrap();
    let out = tmp.path().join("run.nest");
    let args = [
        "export-nest",
        "celegans-cook2019",
        "--protocol",
        protocol.to_str().unwrap(),
        "--duration",
        "1000",
        "--seed",
        "7",
        "--out",
        out.to_str().unwrap(),
    ];
    let o = run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for file in [
        "run.py",
        "README.md",
        "pre.npy",
        "post.npy",
        "weight.npy",
        "delay.npy",
        "I_e.npy",
        "neurons.json",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }

    // The connections are the network's (20 pA per synapse, signed; 1.5 ms), less RIS's.
    let c = io::load("celegans-cook2019", &Default::default()).unwrap();
    let net = Network::build(
        &c,
        &NetworkParams {
            weight_scale: 20.0,
            delay_ms: 1.5,
            dt_ms: 0.1,
            ..Default::default()
        },
    );
    let ris = c.neurons.find("RIS").unwrap() as u64;
    let mut expected: BTreeMap<(u64, u64), Vec<f64>> = BTreeMap::new();
    for pre in 0..net.n {
        for k in net.out_range(pre) {
            let post = net.targets[k] as u64;
            if pre as u64 != ris && post != ris {
                expected.entry((pre as u64, post)).or_default().push(net.weights[k]);
            }
        }
    }
    let pre = read_npy(&out, "pre.npy").u64s().unwrap();
    let post = read_npy(&out, "post.npy").u64s().unwrap();
    let weight = read_npy(&out, "weight.npy").f64s().unwrap();
    let delay = read_npy(&out, "delay.npy").f64s().unwrap();
    assert_eq!(pre.len(), expected.values().map(Vec::len).sum::<usize>());
    assert_eq!(
        (post.len(), weight.len(), delay.len()),
        (pre.len(), pre.len(), pre.len())
    );
    let mut got: BTreeMap<(u64, u64), Vec<f64>> = BTreeMap::new();
    for k in 0..pre.len() {
        got.entry((pre[k], post[k])).or_default().push(weight[k]);
        assert!((delay[k] - 1.5).abs() < 1e-9, "delay {}", delay[k]);
    }
    assert_eq!(got, expected);
    assert!(weight.iter().any(|&w| w < 0.0), "inhibitory connections are negative");

    // The realised draws: Poisson events of the sensory neurons, noise of the AVBs.
    let sensory = connectoscope::sim::protocol::resolve_target(&c, "type:sensory").unwrap();
    let neurons = read_npy(&out, "item3_neuron.npy").u64s().unwrap();
    let steps = read_npy(&out, "item3_step.npy").u64s().unwrap();
    let weights = read_npy(&out, "item3_weight.npy").f64s().unwrap();
    // 85 neurons x 300 Hz x 1 s ≈ 25,500 events.
    assert!((20_000..31_000).contains(&neurons.len()), "{} events", neurons.len());
    assert!(neurons.iter().all(|n| sensory.contains(&(*n as u32))));
    assert!(steps.windows(2).all(|w| w[0] <= w[1]) && *steps.last().unwrap() < 10_000);
    assert!(weights.iter().all(|w| *w >= 60.0 && w % 60.0 == 0.0));
    let noise = read_npy(&out, "item4_noise.npy").f64s().unwrap();
    assert_eq!(noise.len(), 2 * 7000, "2 AVBs x 700 ms of 0.1 ms steps");
    let mean = noise.iter().sum::<f64>() / noise.len() as f64;
    assert!((mean - 10.0).abs() < 5.0, "noise mean {mean}");

    // The draws are the simulation's own: replaying them gives the same values.
    let protocol = Protocol::from_json(PROTOCOL).unwrap();
    let mut replay = Vec::new();
    connectoscope::sim::realised_draws(&c, &protocol, 7, 0.1, 10_000, |_, k, _, v| {
        if k == 3 {
            replay.push(v);
        }
    })
    .unwrap();
    assert_eq!(replay, noise);

    let script = std::fs::read_to_string(out.join("run.py")).unwrap();
    for needed in [
        "nest.ResetKernel()",
        "\"resolution\": DT",
        "local_num_threads",
        "\"one_to_one\"",
        "dc_generator",
        "step_current_generator",
        "spike_generator",
        "spike_recorder",
        "\"kind\": \"dc\", \"amplitude\": 150.0, \"start\": 200, \"stop\": None",
        "\"kind\": \"steps\"",
        "\"kind\": \"noise\", \"start\": 1000, \"stop\": 8000",
        "\"kind\": \"poisson\"",
        "MODEL = \"iaf_psc_exp\"",
        "DT = 0.1",
        "STEPS = 10000",
        "\"tau_m\": 10.0",
        "MPI",
        "--spikes",
    ] {
        assert!(script.contains(needed), "run.py lacks {needed}");
    }
    // Silencing AVBs from step 3000 to 5000, DVA ablated at step 4000; RIS left out.
    let avb: Vec<String> = ["AVBL", "AVBR"]
        .iter()
        .map(|n| c.neurons.find(n).unwrap().to_string())
        .collect();
    assert!(
        script.contains(&format!("(3000, \"mute\", [{}])", avb.join(", "))),
        "{script}"
    );
    assert!(script.contains(&format!("(5000, \"unmute\", [{}])", avb.join(", "))));
    assert!(script.contains(&format!("(4000, \"ablate\", [{}])", c.neurons.find("DVA").unwrap())));
    assert!(script.contains(&format!("REMOVED = [{ris}]")));
    let readme = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(readme.contains("python run.py --threads 8") && readme.contains("mpirun -np 64 python run.py"));
    assert!(readme.contains("no MPI"));

    // An existing folder is refused without --force, replaced with it.
    let o = run(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    let mut forced = args.to_vec();
    forced.push("--force");
    forced[5] = "300";
    let o = run(&forced);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::read_to_string(out.join("run.py"))
            .unwrap()
            .contains("STEPS = 3000")
    );
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary folders left: {leftovers:?}");
}

#[test]
fn what_nest_cannot_do_exits_2_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    let out = out.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["--param", "g_gap=0.5"], "g_gap"),
        (&["--param", "stdp=1", "--param", "w_max=100"], "stdp"),
        (&["--model", "kuramoto"], "kuramoto model has no NEST counterpart"),
        (
            &["--stim", "ablate AVAL start=100 stop=200"],
            "item 1 (ablate AVAL from 100 ms to 200 ms)",
        ),
        (&["--model", "izhikevich", "--param", "paper_scheme=1"], "paper_scheme"),
    ];
    for (flags, message) in cases {
        let mut args = vec!["export-nest", "celegans-cook2019", "--out", out];
        args.extend_from_slice(flags);
        let o = run(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(message), "{flags:?}: {stderr}");
        assert!(!Path::new(out).exists(), "nothing written for {flags:?}");
    }
}

#[test]
fn the_core_api_writes_the_same_as_the_cli() {
    // What the app's "Export for NEST…" calls.
    let c = io::load("celegans-cook2019", &Default::default()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let run = io::nest_export::NestRun {
        config: ModelConfig::default(),
        protocol: Protocol::from_json(PROTOCOL).unwrap(),
        i_e: Some(vec![300.0; 302]),
        duration_ms: 1000.0,
    };
    let summary = io::nest_export::write(&tmp.path().join("a"), &c, &run, false).unwrap();
    assert_eq!(summary.neurons, 302);
    assert_eq!(summary.changes, 3, "mute, ablate, unmute");
    let i_e = read_npy(&tmp.path().join("a"), "I_e.npy").f64s().unwrap();
    let ris = c.neurons.find("RIS").unwrap();
    assert!(
        i_e.iter()
            .enumerate()
            .all(|(i, &v)| v == if i == ris { 0.0 } else { 300.0 })
    );
    assert!(matches!(
        io::nest_export::write(&tmp.path().join("a"), &c, &run, false),
        Err(io::nest_export::NestExportError::Invalid(_))
    ));
}
