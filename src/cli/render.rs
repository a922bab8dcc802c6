//! `connectoscope render`: a still (`--out shot.png`) or a video (`--video out.mp4`) of a
//! connectome rendered with no window, for figures and batch work.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::analysis::layout::LayoutKind;
use crate::app::capture::camera_path::Axis;
use crate::app::capture::recorder::{CameraMove, Replay, VideoSpec};
use crate::app::{ColorBy, RenderColors, RenderSpec, Theme};
use crate::io::video::Encoder;
use crate::sim::models::{self, ModelConfig};

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// A file, folder, bundled dataset name or `synthetic:N:E`.
    pub input: String,
    /// Write a still image (PNG).
    #[arg(
        long,
        value_name = "OUT.png",
        required_unless_present = "video",
        conflicts_with = "video"
    )]
    pub out: Option<PathBuf>,
    /// Write a video: .mp4 (ffmpeg if installed, else the built-in H.264 encoder), .gif, or a
    /// folder name for PNG frames.
    #[arg(long, value_name = "OUT.mp4")]
    pub video: Option<PathBuf>,
    #[arg(long, value_name = "WxH", default_value = "1920x1080", value_parser = super::parse_size)]
    pub size: (u32, u32),
    /// type, nt, sign, degree, community (Leiden) or activity (runs the simulation).
    #[arg(long, value_name = "WHAT")]
    pub color_by: Option<String>,
    /// anatomical, force, spectral or signal-flow.
    #[arg(long, value_name = "KIND", value_parser = super::parse_layout)]
    pub layout: Option<LayoutKind>,
    /// Video length (s).
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    #[arg(long, default_value_t = 30.0)]
    pub fps: f64,
    /// Turn the camera around the scene during the video.
    #[arg(long)]
    pub orbit: bool,
    /// Turns of the orbit.
    #[arg(long, default_value_t = 1.0)]
    pub turns: f32,
    /// Orbit axis: vertical (a turntable) or horizontal.
    #[arg(long, default_value = "vertical")]
    pub axis: String,
    /// Run this model (lif, izhikevich, kuramoto, ...) and colour by activity.
    #[arg(long, value_name = "MODEL")]
    pub simulate: Option<String>,
    /// A protocol file (stimuli, perturbations, model settings) for the simulation.
    #[arg(long, value_name = "FILE")]
    pub protocol: Option<PathBuf>,
    /// Biological time to simulate before the still or the first frame (e.g. 500ms, 1s).
    #[arg(long, value_name = "TIME", value_parser = super::parse_duration_ms)]
    pub run_for: Option<f64>,
    /// Biological ms simulated per second of video.
    #[arg(long, value_name = "MS", default_value_t = 100.0)]
    pub sim_speed: f64,
    /// Play recorded activity (NWB, WormWideWeb JSON, traces CSV) on the neurons: a video
    /// compresses --from..--to into --seconds, with the time and a behaviour strip drawn in;
    /// a still shows the time --from.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["simulate", "color_by"])]
    pub recording: Option<PathBuf>,
    /// Where in the recording to start (s from its first frame; default 0).
    #[arg(long = "from", value_name = "T0", requires = "recording")]
    pub from_s: Option<f64>,
    /// Where in the recording to stop (s from its first frame; default its end).
    #[arg(long = "to", value_name = "T1", requires = "recording")]
    pub to_s: Option<f64>,
    /// Force an encoder: ffmpeg, builtin, gif, png, or none (frames discarded: benchmarks).
    #[arg(long)]
    pub encoder: Option<String>,
    /// Title drawn top left (default: the dataset and its size).
    #[arg(long)]
    pub title: Option<String>,
    /// dark or light.
    #[arg(long, default_value = "dark")]
    pub theme: String,
    /// A transparent background (stills only).
    #[arg(long)]
    pub transparent: bool,
    /// Draw a scale bar (anatomical layout of a dataset with soma positions).
    #[arg(long)]
    pub scale_bar: bool,
    /// Print a JSON summary: out, frames, width, height, seconds, frames_per_second, encoder,
    /// neurons, edges, renderer (`--encoder none` measures the renderer alone).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: RenderArgs) -> ExitCode {
    match prepare(args) {
        Ok(spec) => crate::app::render(spec),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Checks the arguments and turns them into the app's options and the render job.
fn prepare(args: RenderArgs) -> Result<RenderSpec, String> {
    let theme = match args.theme.as_str() {
        "dark" => Theme::Dark,
        "light" => Theme::Light,
        other => return Err(format!("--theme {other}: expected dark or light")),
    };
    let colors = match args.color_by.as_deref() {
        None if args.recording.is_some() => RenderColors::Recording,
        None if args.simulate.is_some() => RenderColors::Activity,
        None | Some("type") => RenderColors::Fixed(ColorBy::CellType),
        Some("nt") => RenderColors::Fixed(ColorBy::Neurotransmitter),
        Some("sign") => RenderColors::Fixed(ColorBy::Sign),
        Some("degree") => RenderColors::Fixed(ColorBy::Degree),
        Some("community") => RenderColors::Community,
        Some("activity") => RenderColors::Activity,
        Some(other) => {
            return Err(format!(
                "--color-by {other}: expected type, nt, sign, degree, community or activity"
            ));
        }
    };
    let simulating = colors == RenderColors::Activity;
    let mut protocol = match &args.protocol {
        Some(path) => super::read_protocol(path)?,
        None => Default::default(),
    };
    if let Some(model) = &args.simulate {
        models::parameters(model)?;
        if protocol.simulation.as_ref().is_none_or(|s| &s.model != model) {
            protocol.simulation = Some(ModelConfig::for_model(model));
        }
    }
    let (w, h) = args.size;
    // The recording is read here, once, for its length and to fail early on a bad file.
    let replay = match &args.recording {
        None => None,
        Some(path) => {
            let r = crate::io::read_recording(path).map_err(|e| e.to_string())?;
            let length = r.time.duration_s();
            let from = args.from_s.unwrap_or(0.0);
            let to = args.to_s.unwrap_or(length);
            if !(from.is_finite() && from >= 0.0 && from <= length) {
                return Err(format!("--from {from}: the recording lasts {length:.1} s"));
            }
            if !(to.is_finite() && to > from && to <= length + 1e-9) {
                return Err(format!(
                    "--to {to}: use a time after --from ({from}) and at most the recording's length ({length:.1} s)"
                ));
            }
            Some((r.time.start_s() + from, r.time.start_s() + to))
        }
    };
    let video = match &args.video {
        None => None,
        Some(path) => {
            if !(args.seconds > 0.0 && args.seconds <= 3600.0) {
                return Err(format!("--seconds {}: use more than 0 and at most 3600", args.seconds));
            }
            if !(args.fps >= 1.0 && args.fps <= 240.0) {
                return Err(format!("--fps {}: use 1 to 240", args.fps));
            }
            if !w.is_multiple_of(2) || !h.is_multiple_of(2) {
                return Err(format!("--size {w}x{h}: a video needs an even width and height"));
            }
            if !(args.sim_speed > 0.0 && args.sim_speed.is_finite()) {
                return Err("--sim-speed must be a positive number of ms".into());
            }
            let encoder = match &args.encoder {
                Some(name) => Encoder::parse(name)
                    .ok_or_else(|| format!("--encoder {name}: expected ffmpeg, builtin, gif, png or none"))?,
                None => Encoder::for_path(path)?,
            };
            if encoder == Encoder::Ffmpeg && !crate::io::video::ffmpeg_available() {
                return Err("--encoder ffmpeg: ffmpeg is not installed (or use --encoder builtin)".into());
            }
            let axis = match args.axis.as_str() {
                "vertical" | "y" => Axis::Vertical,
                "horizontal" | "x" => Axis::Horizontal,
                other => return Err(format!("--axis {other}: expected vertical or horizontal")),
            };
            Some(VideoSpec {
                encoder,
                fps: args.fps,
                frames: (args.seconds * args.fps).round().max(1.0) as u32,
                camera: if args.orbit {
                    CameraMove::Orbit {
                        axis,
                        turns: args.turns,
                    }
                } else {
                    CameraMove::Still
                },
                sim_ms_per_frame: simulating.then_some(args.sim_speed / args.fps),
                replay: replay.map(|(from, to)| Replay {
                    from_s: from,
                    s_per_frame: (to - from) / (args.seconds * args.fps).round().max(1.0),
                }),
            })
        }
    };
    let path = args.video.clone().or(args.out.clone()).expect("clap requires one");
    if video.is_none() && path.extension().is_none_or(|e| !e.eq_ignore_ascii_case("png")) {
        return Err(format!("--out {}: stills are PNG files (.png)", path.display()));
    }
    if args.transparent && video.is_some() {
        return Err("--transparent is for stills".into());
    }
    let options = crate::app::Options {
        input: Some(args.input.clone()),
        layout: args.layout,
        size: args.size,
        protocol: Some(protocol),
        // The pre-run: the scripted run of the live simulation.
        run_for_ms: simulating.then(|| args.run_for.unwrap_or(0.0)),
        theme,
        recordings: args.recording.iter().cloned().collect(),
        ..Default::default()
    };
    Ok(RenderSpec {
        replay_from_s: replay.map(|(from, _)| from),
        options,
        out: path,
        video,
        size: args.size,
        title: args.title.clone(),
        transparent: args.transparent,
        scale_bar: args.scale_bar,
        colors,
        json: args.json,
    })
}
