//! Launches the viewer under Xvfb (software Vulkan, no GPU), lets it save a screenshot of the
//! bundled C. elegans connectome and checks the picture: right size, not blank, the panel
//! there, and neurons drawn in the cell-type colours.
#![cfg(feature = "app")]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs the binary under xvfb-run; `None` (test skipped) where xvfb-run is missing outside CI.
fn run_viewer(args: &[&str]) -> Option<std::process::Output> {
    if !have("xvfb-run") {
        assert!(
            std::env::var_os("CI").is_none(),
            "xvfb-run is missing (.ci/run installs it)"
        );
        eprintln!("skipped: xvfb-run is not installed (apt-get install xvfb xauth mesa-vulkan-drivers)");
        return None;
    }
    let mut child = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1600x900x24", env!("CARGO_BIN_EXE_connectoscope")])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xvfb-run starts");
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if child.try_wait().expect("wait").is_some() {
            return Some(child.wait_with_output().expect("output"));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!("viewer timed out\n{}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

struct Stats {
    mean: [f64; 3],
    /// Pixels of each cell-type hue: sensory red, interneuron blue, motor green.
    red: usize,
    blue: usize,
    green: usize,
    bright: usize,
    distinct: usize,
}

fn stats(img: &image::RgbImage, x0: u32, y0: u32, x1: u32, y1: u32) -> Stats {
    let mut s = Stats {
        mean: [0.0; 3],
        red: 0,
        blue: 0,
        green: 0,
        bright: 0,
        distinct: 0,
    };
    let mut seen = std::collections::HashSet::new();
    let mut count = 0.0f64;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x, y).0;
            let [r, g, b] = p.map(i32::from);
            for (mean, v) in s.mean.iter_mut().zip(p) {
                *mean += v as f64;
            }
            count += 1.0;
            seen.insert(p);
            s.red += (r > g + 50 && r > b + 40) as usize;
            s.blue += (b > r + 50 && b > g + 10) as usize;
            s.green += (g > r + 50 && g > b + 30) as usize;
            s.bright += (r + g + b > 500) as usize;
        }
    }
    for m in &mut s.mean {
        *m /= count.max(1.0);
    }
    s.distinct = seen.len();
    s
}

#[test]
fn screenshot_of_the_default_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shot.png");
    let Some(result) = run_viewer(&["--screenshot", out.to_str().unwrap(), "--size", "1280x800"]) else {
        return;
    };
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "viewer failed: {:?}\n{stderr}", result.status);
    check(&out);
}

fn check(path: &Path) {
    let img = image::open(path).expect("a PNG").to_rgb8();
    assert_eq!(img.dimensions(), (1280, 800));
    let whole = stats(&img, 0, 0, 1280, 800);
    assert!(whole.distinct > 200, "blank? {} colours", whole.distinct);
    // The panel (left) and the 3D view (right) look different; the panel has text.
    let panel = stats(&img, 10, 120, 250, 600);
    let view = stats(&img, 450, 120, 1270, 700);
    let diff: f64 = (0..3).map(|a| (panel.mean[a] - view.mean[a]).abs()).sum();
    assert!(diff > 6.0, "panel {:?} vs view {:?}", panel.mean, view.mean);
    assert!(panel.bright > 300, "no panel text ({} bright pixels)", panel.bright);
    // Neurons in the cell-type colours (sensory red, interneuron blue, motor green).
    assert!(
        view.red > 40 && view.blue > 40 && view.green > 40,
        "red {} blue {} green {}",
        view.red,
        view.blue,
        view.green
    );
}

/// Yellow-white pixels: spike flashes in the 3D view (above the plots, left of the legend at
/// the bottom right: where the home view puts the worm's head) and spike dots in the raster
/// under it (a flashing neuron deep in the head may be hidden by others).
fn flashes(path: &Path) -> usize {
    let img = image::open(path).expect("a PNG").to_rgb8();
    assert_eq!(img.dimensions(), (1280, 800));
    let mut n = 0;
    for (xs, ys) in [(340..700, 60..600), (340..630, 630..710)] {
        for y in ys {
            for x in xs.clone() {
                let [r, g, b] = img.get_pixel(x, y).0.map(i32::from);
                n += (r > 200 && g > 180 && b < 190 && r - b > 50) as usize;
            }
        }
    }
    n
}

/// `--protocol P --run-for 300ms --screenshot`: a current into AVA makes it fire and flash;
/// without the current the LIF worm (E_L = 0, no input) stays dark.
#[test]
fn live_run_shows_the_stimulated_neuron_active() {
    let dir = tempfile::tempdir().unwrap();
    let mut counts = Vec::new();
    for items in [r#"[{"kind": "dc", "target": "AVAL,AVAR", "amplitude": 800}]"#, "[]"] {
        let protocol = dir.path().join("protocol.json");
        std::fs::write(&protocol, format!(r#"{{"items": {items}}}"#)).unwrap();
        let out = dir.path().join("live.png");
        let args = ["--protocol", protocol.to_str().unwrap(), "--run-for", "300ms"];
        let Some(result) = run_viewer(
            &[
                &args[..],
                &["--size", "1280x800", "--screenshot", out.to_str().unwrap()],
            ]
            .concat(),
        ) else {
            return;
        };
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(result.status.success(), "viewer failed: {:?}\n{stderr}", result.status);
        counts.push(flashes(&out));
    }
    assert!(
        counts[0] >= 10 && counts[1] <= 2,
        "flash pixels with / without the current: {counts:?}"
    );
}

#[test]
fn a_bad_protocol_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let protocol = dir.path().join("bad.json");
    std::fs::write(
        &protocol,
        r#"{"items": [{"kind": "dc", "target": "NOSUCH", "amplitude": 1}]}"#,
    )
    .unwrap();
    let out = dir.path().join("x.png");
    let args = [
        "--protocol",
        protocol.to_str().unwrap(),
        "--run-for",
        "10ms",
        "--screenshot",
        out.to_str().unwrap(),
    ];
    let Some(result) = run_viewer(&args) else { return };
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("NOSUCH"), "{stderr}");
    assert!(!out.exists());
}

/// A recording that cannot be read fails the screenshot (no picture without it).
#[test]
fn a_bad_recording_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.png");
    let bad = format!("{}/tests/fixtures/recordings/no_traces.nwb", env!("CARGO_MANIFEST_DIR"));
    let args = ["--recording", &bad, "--screenshot", out.to_str().unwrap()];
    let Some(result) = run_viewer(&args) else { return };
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no_traces.nwb"), "{stderr}");
    assert!(!out.exists());
}
