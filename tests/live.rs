//! The live simulation the app drives: its run / pause / step / reset state machine, edits
//! with undo while it runs, and that a live run — edits included — gives the raster the CLI
//! gives for the saved protocol.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use connectoscope::io::{self, LoadOptions};
use connectoscope::sim::live::Snapshot;
use connectoscope::sim::models::ModelConfig;
use connectoscope::sim::protocol::{Action, Item, parse_stimulus};
use connectoscope::sim::{LiveSim, Protocol};

const WAIT: Duration = Duration::from_secs(120);

fn worm() -> Arc<connectoscope::Connectome> {
    Arc::new(io::load("celegans-cook2019", &LoadOptions::default()).unwrap())
}

/// Runs as fast as possible up to `t_ms` and waits there (paused).
fn run_to(live: &LiveSim, t_ms: f64) -> Arc<Snapshot> {
    live.control(|c| {
        c.speed = None;
        c.run_until_ms = Some(t_ms);
        c.running = true;
    });
    let s = live.wait_until(t_ms, WAIT);
    assert!(s.error.is_none(), "{:?}", s.error);
    assert!((s.time_ms - t_ms).abs() < 1e-6 && !s.running, "at {} ms", s.time_ms);
    s
}

fn cli_spikes(protocol: &Protocol) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("protocol.json");
    std::fs::write(&file, protocol.to_json()).unwrap();
    let out = dir.path().join("spikes.csv");
    let status = Command::new(env!("CARGO_BIN_EXE_connectoscope"))
        .args(["simulate", "celegans-cook2019", "--duration", "400", "--protocol"])
        .args([file.to_str().unwrap(), "--spikes", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn run_pause_step_and_reset() {
    let live = LiveSim::start(worm(), Protocol::default());
    let s = live.wait_until(0.0, WAIT);
    assert_eq!((s.model, s.time_ms, s.running), ("lif", 0.0, false));
    // Ten single steps of 0.1 ms.
    live.control(|c| c.step_requests = 10);
    let s = live.wait_until(1.0, WAIT);
    assert!((s.time_ms - 1.0).abs() < 1e-9, "{}", s.time_ms);
    // Paused: time stands still.
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(live.snapshot().time_ms, s.time_ms);
    // Run at a set speed: 200 ms of biology per second.
    live.control(|c| {
        c.speed = Some(200.0);
        c.running = true;
    });
    std::thread::sleep(Duration::from_millis(400));
    live.control(|c| c.running = false);
    std::thread::sleep(Duration::from_millis(50));
    let t = live.snapshot().time_ms;
    assert!(t > 10.0 && t < 160.0, "ran {t} ms at 200 ms/s for 0.4 s");
    // Reset: back to 0 with nothing in the plots.
    live.control(|c| c.reset_requested = true);
    std::thread::sleep(Duration::from_millis(50));
    let s = live.wait_until(0.0, WAIT);
    assert_eq!(s.time_ms, 0.0);
    assert!(s.raster.is_empty() && s.total_spikes == 0);
}

#[test]
fn a_stimulated_neuron_fires_and_shows_in_the_snapshot() {
    let c = worm();
    let aval = c.neurons.find("AVAL").unwrap() as u32;
    let live = LiveSim::start(c, Protocol::default());
    live.control(|c| {
        c.traced = vec![aval];
        c.timeline.edit(|p| {
            p.items
                .push(parse_stimulus("dc AVAL amplitude=1000 start=0 stop=100").unwrap())
        });
    });
    let s = run_to(&live, 150.0);
    assert!(s.raster.iter().any(|&(_, n)| n == aval), "AVAL never fired");
    assert!(s.last_spike_ms[aval as usize] > 0.0 && s.last_spike_ms[aval as usize] <= 100.1);
    assert!(!s.driven[aval as usize], "the stimulus ended at 100 ms");
    assert!(s.total_spikes > 0 && !s.rate.is_empty());
    let (neuron, trace) = &s.traces[0];
    assert_eq!(*neuron, aval);
    assert_eq!(trace.len(), 1500);
    let v_max = trace.iter().map(|p| p[1]).fold(f64::MIN, f64::max);
    assert!(v_max > -60.0, "V_m of AVAL peaks at {v_max}");
}

/// Edits made while the run is paused at different times, one undone, then the document as
/// the app would save it: `simulate --protocol` on it must give the same spikes.
#[test]
fn a_live_run_with_edits_matches_the_cli_replay() {
    let live = LiveSim::start(worm(), Protocol::default());
    let add = |spec: &str| {
        let item = parse_stimulus(spec).unwrap();
        live.control(|c| c.timeline.edit(|p| p.items.push(item)));
    };
    add("poisson type:sensory rate=300 weight=1000");
    run_to(&live, 50.0);
    add("dc AVAL amplitude=800 start=50");
    add("silence AVB* start=50");
    run_to(&live, 120.0);
    add("noise class:RIM mean=100 std=200 start=120");
    run_to(&live, 200.0);
    // Undo the noise (it ran from 120 to 200 ms) and stop the current at 200 ms.
    live.control(|c| assert!(c.timeline.undo()));
    live.control(|c| {
        c.timeline.edit(|p| {
            for item in &mut p.items {
                if matches!(item.action, Action::Dc { .. }) {
                    item.stop_ms = Some(200.0);
                }
            }
        })
    });
    add("ablate RIS start=200");
    let s = run_to(&live, 400.0);
    assert!(s.total_spikes > 100, "only {} spikes", s.total_spikes);
    let document = live.control(|c| c.timeline.document().clone());
    let noise: Vec<&Item> = document
        .items
        .iter()
        .filter(|i| matches!(i.action, Action::Noise { .. }))
        .collect();
    assert_eq!(noise.len(), 1);
    assert_eq!((noise[0].start_ms, noise[0].stop_ms), (120.0, Some(200.0)));
    assert_eq!(document.simulation, Some(ModelConfig::for_model("lif")));
    let live_spikes = live.spikes_csv(WAIT).unwrap();
    let saved = Protocol::from_json(&document.to_json()).unwrap();
    assert_eq!(cli_spikes(&saved), live_spikes);
}

#[test]
fn bad_edits_are_refused_and_bad_settings_reported() {
    let live = LiveSim::start(worm(), Protocol::default());
    live.wait_until(0.0, WAIT);
    live.control(|c| {
        c.timeline
            .edit(|p| p.items.push(parse_stimulus("dc NOSUCHNEURON amplitude=1").unwrap()))
    });
    std::thread::sleep(Duration::from_millis(100));
    let s = live.snapshot();
    assert!(
        s.error.as_deref().is_some_and(|e| e.contains("NOSUCHNEURON")),
        "{:?}",
        s.error
    );
    assert!(live.control(|c| c.timeline.document().items.is_empty()));
    live.control(|c| {
        c.timeline.edit(|p| {
            let sim = p.simulation.as_mut().unwrap();
            sim.params.insert("tau_m".into(), -1.0);
        })
    });
    std::thread::sleep(Duration::from_millis(100));
    let s = live.snapshot();
    assert!(s.error.as_deref().is_some_and(|e| e.contains("tau_m")), "{:?}", s.error);
    // Both edits were dropped; the model as it was still runs.
    assert!(live.control(|c| !c.timeline.can_undo() && c.timeline.document().simulation.as_ref().unwrap().params.is_empty()));
    live.control(|c| c.step_requests = 5);
    let s = live.wait_until(0.5, WAIT);
    assert!((s.time_ms - 0.5).abs() < 1e-9 && s.model == "lif");
}

#[test]
fn oscillators_publish_phases_and_synchrony() {
    let document = Protocol {
        simulation: Some(ModelConfig::for_model("kuramoto")),
        ..Default::default()
    };
    let live = LiveSim::start(worm(), document);
    let s = run_to(&live, 100.0);
    assert_eq!(s.model, "kuramoto");
    let phase = s.phase.as_ref().unwrap();
    let local = s.local_order.as_ref().unwrap();
    assert_eq!((phase.len(), local.len()), (302, 302));
    assert!(local.iter().all(|r| (0.0..=1.0).contains(r)));
    assert!(local.iter().any(|&r| r > 0.0));
    assert_eq!(s.order.len(), 200);
    assert!(s.order.iter().all(|p| (0.0..=1.0).contains(&p[1])));
}
