//! `connectoscope render` with no display (Mesa's software Vulkan in CI): a still of the
//! default dataset, videos through ffmpeg and through the built-in encoder with the right
//! frame count and size, a recording played into exactly seconds × fps frames, no partial file
//! after an interrupted recording, and exit code 2 for bad arguments.
#![cfg(feature = "app")]

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use connectoscope::io::video::{ffmpeg_available, mp4_info};

/// The binary with no display in its environment.
fn render(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connectoscope"))
        .arg("render")
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("the binary runs")
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "render failed: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_still_of_the_default_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("shot.png");
    let out = render(&[
        "celegans-cook2019",
        "--out",
        png.to_str().unwrap(),
        "--size",
        "640x360",
        "--json",
    ]);
    ok(&out);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (summary["width"].as_u64(), summary["frames"].as_u64()),
        (Some(640), Some(1))
    );
    let img = image::open(&png).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (640, 360));
    let (mut red, mut green, mut blue, mut text) = (0, 0, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        let [r, g, b] = p.0.map(i32::from);
        red += (r > g + 50 && r > b + 40) as usize;
        green += (g > r + 50 && g > b + 30) as usize;
        blue += (b > r + 50 && b > g + 10) as usize;
        // The title, top left.
        text += (x < 250 && y < 30 && r + g + b > 500) as usize;
    }
    assert!(
        red > 20 && green > 20 && blue > 20,
        "cell-type colours: {red} {green} {blue}"
    );
    assert!(text > 20, "no title ({text} bright pixels)");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "only the PNG");
}

/// A 2-second orbit at 10 fps: 20 frames of 320x240, with activity.
fn video(encoder: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mp4 = dir.path().join("orbit.mp4");
    let out = render(&[
        "celegans-cook2019",
        "--video",
        mp4.to_str().unwrap(),
        "--size",
        "320x240",
        "--seconds",
        "2",
        "--fps",
        "10",
        "--orbit",
        "--simulate",
        "lif",
        "--encoder",
        encoder,
    ]);
    ok(&out);
    assert_eq!(mp4_info(&mp4).unwrap(), (20, 320, 240));
    if ffmpeg_available() {
        // Decode every frame.
        let probe = Command::new("ffprobe")
            .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
            .args(["-show_entries", "stream=nb_read_frames,width,height", "-of", "csv=p=0"])
            .arg(&mp4)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "320,240,20");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}

#[test]
fn a_video_with_the_built_in_encoder() {
    video("builtin");
}

#[test]
fn a_video_with_ffmpeg() {
    if !ffmpeg_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "ffmpeg is missing (.ci/run installs it)"
        );
        eprintln!("skipped: ffmpeg is not installed");
        return;
    }
    video("ffmpeg");
}

#[test]
fn an_interrupted_recording_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let mp4 = dir.path().join("long.mp4");
    let mut child = Command::new(env!("CARGO_BIN_EXE_connectoscope"))
        .args(["render", "celegans-cook2019", "--video", mp4.to_str().unwrap()])
        .args([
            "--size",
            "320x240",
            "--seconds",
            "100",
            "--fps",
            "30",
            "--encoder",
            "builtin",
        ])
        .env_remove("DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the partial file exists: recording is under way.
    let deadline = Instant::now() + Duration::from_secs(300);
    while std::fs::read_dir(dir.path()).unwrap().count() == 0 {
        assert!(Instant::now() < deadline, "the recording never started");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "a partial file was left"
    );
    assert!(!mp4.exists());
}

fn recording_fixture(name: &str) -> String {
    format!("{}/tests/fixtures/recordings/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// 3 s to 21 s of a recording compressed into 2 s at 5 fps: exactly 10 frames, the neurons'
/// colours changing with the recorded activity, the behaviour strip along the bottom.
#[test]
fn a_recording_plays_into_exactly_seconds_times_fps_frames() {
    let dir = tempfile::tempdir().unwrap();
    let frames = dir.path().join("frames");
    let json = recording_fixture("wormwideweb.json");
    let out = render(&[
        "celegans-cook2019",
        "--recording",
        &json,
        "--video",
        frames.to_str().unwrap(),
        "--seconds",
        "2",
        "--fps",
        "5",
        "--from",
        "3",
        "--to",
        "21",
        "--size",
        "640x360",
    ]);
    ok(&out);
    let mut pngs: Vec<_> = std::fs::read_dir(&frames).unwrap().map(|e| e.unwrap().path()).collect();
    pngs.sort();
    assert_eq!(pngs.len(), 10, "{pngs:?}");
    let images: Vec<image::RgbImage> = pngs.iter().map(|p| image::open(p).unwrap().to_rgb8()).collect();
    assert_eq!(images[0].dimensions(), (640, 360));
    let changed = images[0]
        .pixels()
        .zip(images[9].pixels())
        .filter(|(a, b)| a.0.iter().zip(b.0).any(|(x, y)| x.abs_diff(y) > 40))
        .count();
    assert!(changed > 30, "first and last frames differ in {changed} pixels");
    // The playhead of the behaviour strip (an amber line down the strip, bottom left) moves
    // to the right: 1.8 s of the recording per frame, 8 pixels or so.
    let playhead = |img: &image::RgbImage| {
        let amber = |x: u32, y: u32| {
            let [r, g, b] = img.get_pixel(x, y).0.map(i32::from);
            r > 200 && (150..235).contains(&g) && b < 110
        };
        (0..640u32)
            .filter(|&x| [310, 325, 340].iter().all(|&y| amber(x, y)))
            .max()
    };
    // Frame by frame, in order (capture is pipelined: frames must not swap or repeat).
    let at: Vec<Option<u32>> = images.iter().map(playhead).collect();
    assert!(
        at[0].is_some() && at.windows(2).all(|w| w[1] > w[0]),
        "playhead at {at:?}"
    );
}

#[test]
fn a_bad_recording_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let mp4 = dir.path().join("x.mp4");
    let json = recording_fixture("wormwideweb.json");
    for args in [
        vec!["--recording", &recording_fixture("no_traces.nwb")],
        vec!["--recording", &json, "--from", "30"],
        vec!["--recording", &json, "--from", "10", "--to", "5"],
    ] {
        let mut all = vec!["celegans-cook2019", "--video", mp4.to_str().unwrap()];
        all.extend(args.iter().copied());
        let out = render(&all);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{all:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stderr).trim().is_empty());
    }
    assert!(!mp4.exists());
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    for args in [
        vec!["celegans-cook2019", "--video", &p("x.avi")],
        vec!["celegans-cook2019", "--video", &p("x.mp4"), "--size", "641x360"],
        vec!["celegans-cook2019", "--out", &p("x.png"), "--color-by", "mood"],
        vec!["celegans-cook2019", "--out", &p("x.jpg")],
        vec!["celegans-cook2019", "--video", &p("x.mp4"), "--fps", "0"],
        vec!["celegans-cook2019"],
        vec!["no-such-dataset", "--out", &p("x.png")],
    ] {
        let out = render(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stderr).trim().is_empty());
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
