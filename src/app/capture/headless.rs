//! `connectoscope render`: the scene rendered with no window (no display needed: Mesa's
//! software Vulkan will do) into a PNG or a video, through the same offscreen recorder as
//! the app's Record button. Waits for the graph, its layout and any pre-run of the
//! simulation, records, prints where the file went and exits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use bevy::prelude::*;

use crate::analysis::communities;
use crate::app::capture::SceneReady;
use crate::app::capture::recorder::{RecordRequest, Recorder, VideoSpec};
use crate::app::context::colors::{ColorBy, community_colors};
use crate::app::context::state::{NeuronColorHook, Options, UiFocus, ViewSettings};
use crate::app::live::Live;
use crate::app::recordings::{self, Recordings};

/// What `connectoscope render` asks for, in plain types: the CLI knows no bevy.
pub struct RenderSpec {
    /// The graph, layout, theme, protocol and pre-run.
    pub options: Options,
    /// The PNG, video file or frames folder to write.
    pub out: std::path::PathBuf,
    /// None: a still.
    pub video: Option<VideoSpec>,
    pub size: (u32, u32),
    pub title: Option<String>,
    pub transparent: bool,
    pub scale_bar: bool,
    pub colors: RenderColors,
    /// Print a JSON summary when done.
    pub json: bool,
    /// A still of a recording: the time shown (on its time axis).
    pub replay_from_s: Option<f64>,
}

/// The app's options and the render job for a spec.
pub(crate) fn job(spec: RenderSpec) -> (Options, RenderJob) {
    let request = RecordRequest {
        path: spec.out,
        video: spec.video,
        size: UVec2::new(spec.size.0, spec.size.1),
        title: spec.title,
        transparent: spec.transparent,
        scale_bar: spec.scale_bar,
    };
    let mut job = RenderJob::new(request, spec.colors, spec.json);
    job.replay_from_s = spec.replay_from_s;
    (spec.options, job)
}

/// What `render` colours the neurons by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderColors {
    Fixed(ColorBy),
    /// Leiden communities (modularity, γ = 1, seed 1).
    Community,
    Activity,
    /// The open recording's activity (`--recording`).
    Recording,
}

#[derive(Resource)]
pub struct RenderJob {
    pub request: RecordRequest,
    pub colors: RenderColors,
    /// Print a JSON summary (frames, size, frames per second, encoder, renderer).
    pub json: bool,
    /// Raised by Ctrl+C / SIGTERM.
    pub interrupted: Arc<AtomicBool>,
    started: Option<Instant>,
    /// When the first frame was asked for.
    recording_since: Option<Instant>,
    ready_frames: u32,
    requested: bool,
    replay_from_s: Option<f64>,
}

impl RenderJob {
    pub fn new(request: RecordRequest, colors: RenderColors, json: bool) -> RenderJob {
        RenderJob {
            request,
            colors,
            json,
            interrupted: Arc::new(AtomicBool::new(false)),
            started: None,
            recording_since: None,
            ready_frames: 0,
            requested: false,
            replay_from_s: None,
        }
    }
}

pub struct RenderPlugin;

impl Plugin for RenderPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, whole_image_is_the_view)
            .add_systems(Last, drive);
    }
}

/// With no window and no panels, the 3D view is the whole image.
fn whole_image_is_the_view(job: Res<RenderJob>, mut focus: ResMut<UiFocus>) {
    let s = job.request.size.as_vec2();
    focus.viewport = [0.0, 0.0, s.x, s.y];
    focus.pointer_over_ui = true;
}

/// Give up after this long without a scene.
const TIMEOUT_SECS: f32 = 900.0;

fn drive(
    mut job: ResMut<RenderJob>,
    ready: SceneReady,
    activity: (ResMut<Live>, ResMut<Recordings>),
    mut recorder: ResMut<Recorder>,
    colours: (ResMut<ViewSettings>, ResMut<NeuronColorHook>),
    mut requests: MessageWriter<RecordRequest>,
    mut exit: MessageWriter<AppExit>,
) {
    let (mut live, mut rec) = activity;
    let failure = ready.load_failure(&rec).map(str::to_string);
    let SceneReady {
        options,
        graph,
        loader,
        positions,
        adapter,
    } = ready;
    let (mut settings, mut hook) = colours;
    let started = *job.started.get_or_insert_with(Instant::now);
    if job.interrupted.load(Ordering::Relaxed) {
        // Stop cleanly: the recorder removes the partial file before the result comes.
        if recorder.busy() {
            recorder.cancel();
            return;
        }
        eprintln!("\ninterrupted");
        exit.write(AppExit::from_code(130));
        return;
    }
    if let Some(e) = failure.as_ref().or(live.snapshot.error.as_ref()) {
        eprintln!("error: {e}");
        exit.write(AppExit::from_code(2));
        return;
    }
    if started.elapsed().as_secs_f32() > TIMEOUT_SECS {
        eprintln!("error: the scene was not ready after {TIMEOUT_SECS} s");
        exit.write(AppExit::from_code(1));
        return;
    }
    if job.requested {
        if let Some((done, all)) = recorder.progress() {
            if all > 1 {
                eprint!("\rframe {done}/{all}");
            }
            return;
        }
        if let Some(result) = recorder.result.take() {
            match result {
                Ok(path) => {
                    eprintln!("\rwrote {}", path.display());
                    if job.json {
                        let frames = job.request.video.as_ref().map_or(1, |v| v.frames);
                        let seconds = job.recording_since.map_or(0.0, |t| t.elapsed().as_secs_f64());
                        let g = graph.data.as_ref();
                        let summary = serde_json::json!({
                            "out": path.display().to_string(),
                            "frames": frames,
                            "width": job.request.size.x,
                            "height": job.request.size.y,
                            "seconds": (seconds * 1000.0).round() / 1000.0,
                            "frames_per_second": (frames as f64 / seconds.max(1e-9) * 100.0).round() / 100.0,
                            "encoder": job.request.video.as_ref().map_or("png", |v| v.encoder.as_str()),
                            "neurons": g.map_or(0, |g| g.len()),
                            "edges": g.map_or(0, |g| g.c.chemical.len() + g.c.electrical.len()),
                            "renderer": adapter.as_ref().map_or("unknown".to_string(), |a| a.name.clone()),
                        });
                        println!("{summary}");
                    }
                    exit.write(AppExit::Success);
                }
                Err(e) => {
                    eprintln!("\rerror: {e}");
                    exit.write(AppExit::from_code(1));
                }
            }
        }
        return;
    }
    let Some(g) = graph.data.clone() else { return };
    let laid_out = positions.layout_kind.is_some() && !positions.animating();
    if loader.load.is_some() || !laid_out || !live.scripted_run_done(&options) {
        return;
    }
    if job.colors == RenderColors::Recording && rec.animals.is_empty() {
        return;
    }
    // A few frames with everything in place before recording.
    job.ready_frames += 1;
    if job.ready_frames == 1 {
        match job.colors {
            RenderColors::Fixed(by) => settings.color_by = by,
            RenderColors::Activity => live.colour = true,
            RenderColors::Recording => {
                if let Some(t) = job.replay_from_s {
                    rec.seek(t);
                }
                rec.show(recordings::Showing::Activity);
            }
            RenderColors::Community => {
                let partition = communities::detect(&communities::projection(&g.c), &Default::default());
                hook.0 = community_colors(&partition.membership, partition.modularity);
                settings.color_by = ColorBy::Custom;
            }
        }
    }
    if job.ready_frames < 4 {
        return;
    }
    job.requested = true;
    job.recording_since = Some(Instant::now());
    requests.write(job.request.clone());
}
