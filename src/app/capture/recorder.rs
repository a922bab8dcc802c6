//! Recording videos and stills offscreen: a camera renders the 3D view into an image of the
//! chosen size, an egui pass draws the overlays (title, biological time, legend) into the same
//! image, and each frame is read back and handed to a [`VideoWriter`] on its own thread.
//! Frames come at a fixed step — the camera path and the simulation advance exactly one frame's
//! worth between captures — so nothing is dropped and nothing depends on how fast this machine
//! renders. Capture is pipelined: while frame N is read back, frame N+1 is set up and drawn
//! (up to [`IN_FLIGHT`] frames between the GPU and the writer), so a frame costs two updates
//! (set up, then capture on the second drawing) instead of waiting for its pixels. The app's
//! Record button and `connectoscope render` both use it.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use crate::app::context::AppSet;
use bevy::camera::RenderTarget;
use bevy::camera::visibility::RenderLayers;
use bevy::ecs::schedule::ScheduleLabel;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::RequestRedraw;
use bevy_egui::{EguiContext, EguiGlobalSettings, EguiSchedule, PrimaryEguiContext, egui};

use crate::app::capture::camera_path::{Axis, CameraPath, View};
use crate::app::capture::screenshot::spawn_offscreen_camera;
use crate::app::context::jobs::{Job, Poll};
use crate::app::context::state::{Graph, NeuronColors, ViewSettings};
use crate::app::live::Live;
use crate::app::recordings::{self, Recordings};
use crate::app::scene::camera::{MainCamera, Orbit, home_view};
use crate::app::scene::legend::{legend_area, text_color};
use crate::io::video::{Encoder, VideoWriter};

pub struct RecorderPlugin;

impl Plugin for RecorderPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Recorder>()
            .add_message::<RecordRequest>()
            // The window's egui context is made by the panels (`ui`); none in headless renders.
            .add_systems(Startup, |mut s: ResMut<EguiGlobalSettings>| {
                s.auto_create_primary_context = false
            })
            .add_systems(Update, (start_recording, record_frames).chain().in_set(AppSet::Capture))
            .add_systems(OverlayPass, draw_overlay);
    }
}

/// The egui pass that draws into recorded frames.
#[derive(ScheduleLabel, Clone, Debug, PartialEq, Eq, Hash)]
pub struct OverlayPass;

/// How the camera moves during a video.
#[derive(Debug, Clone, PartialEq)]
pub enum CameraMove {
    Still,
    Orbit {
        axis: Axis,
        turns: f32,
    },
    /// Through these views (at least two), from the first to the last.
    Keyframes(Vec<View>),
}

/// What to record.
#[derive(Message, Debug, Clone)]
pub struct RecordRequest {
    /// A `.png` still, or a video (`.mp4`, `.gif`, a folder for PNG frames).
    pub path: PathBuf,
    /// `None`: a still image.
    pub video: Option<VideoSpec>,
    pub size: UVec2,
    pub title: Option<String>,
    pub transparent: bool,
    /// Draw a scale bar (anatomical layout with a known position unit only).
    pub scale_bar: bool,
}

#[derive(Debug, Clone)]
pub struct VideoSpec {
    pub encoder: Encoder,
    pub fps: f64,
    pub frames: u32,
    pub camera: CameraMove,
    /// Biological ms the simulation advances per frame (None: it is not advanced).
    pub sim_ms_per_frame: Option<f64>,
    /// The open recording played during the video (None: its time stays).
    pub replay: Option<Replay>,
}

/// A recording played in a video: frame `k` shows time `from_s + k * s_per_frame`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Replay {
    /// On the recording's time axis (s).
    pub from_s: f64,
    pub s_per_frame: f64,
}

#[derive(Resource, Default)]
pub struct Recorder {
    job: Option<Recording>,
    /// The last recording's outcome: the file written, or why not.
    pub result: Option<Result<PathBuf, String>>,
    /// Keyframes collected in the panel.
    pub keyframes: Vec<View>,
}

impl Recorder {
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Frames handed to the writer, and in all.
    pub fn progress(&self) -> Option<(u32, u32)> {
        self.job.as_ref().map(|j| (j.sent, j.frames))
    }

    /// Frames per second of the recording so far (rendering, read-back and encoding).
    pub fn rate(&self) -> Option<f64> {
        self.job
            .as_ref()
            .map(|j| j.sent as f64 / j.started.elapsed().as_secs_f64().max(1e-9))
    }

    /// Stops the recording; the partial file is removed. The cameras go with [`end`] on
    /// the next frame.
    pub fn cancel(&mut self) {
        if let Some(job) = &mut self.job {
            job.cancelled = true;
        }
    }
}

/// Where the screenshot observer leaves a frame's pixels (or why it could not).
type FrameSlot = Arc<Mutex<Option<Result<Vec<u8>, String>>>>;

/// Frames captured but not yet handed to the writer, at most (bounds the memory held).
pub const IN_FLIGHT: usize = 3;

/// The egui context drawing into the recorded image.
type OverlayContext<'w, 's> =
    Single<'w, 's, &'static mut EguiContext, (With<RecordingOverlay>, Without<PrimaryEguiContext>)>;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Frames rendered before the first capture: pipelines for a new target compile first.
    WarmUp(u32),
    /// Camera and simulation are being moved to the current frame.
    Setup,
    WaitSim(f64),
    /// Frames drawn with everything in place before the capture: egui rasterises glyphs
    /// (at each subpixel offset) while drawing, and they reach its texture a frame later, so
    /// the frame is captured on its second drawing.
    Settle(u32),
}

struct Recording {
    request: RecordRequest,
    path: CameraPath,
    frames: u32,
    /// The frame being set up (frames before it have been captured or are being read back).
    frame: u32,
    /// Frames handed to the writer.
    sent: u32,
    phase: Phase,
    start_ms: f64,
    camera: Entity,
    overlay: Entity,
    image: Handle<Image>,
    /// Frames being read back, in frame order: their observers fill the slots.
    reading: VecDeque<FrameSlot>,
    /// Frames read back, in order, not yet taken by the writer (its queue was full).
    waiting: VecDeque<Vec<u8>>,
    frames_out: Option<SyncSender<Vec<u8>>>,
    writer: Job<Result<PathBuf, String>>,
    line_width_was: f32,
    cancelled: bool,
    /// Why the recording stopped early, if not cancelled.
    failure: Option<String>,
    started: std::time::Instant,
    /// The camera's distance from its focus in the current frame (for the scale bar).
    distance: f32,
}

impl Recording {
    /// Where along the camera path the current frame is. A turn ends where it started: its
    /// last frame stops one step short, so loops are smooth.
    fn progress_u(&self) -> f32 {
        match self.path {
            CameraPath::Orbit { .. } => self.frame as f32 / self.frames as f32,
            _ => self.frame as f32 / (self.frames.max(2) - 1) as f32,
        }
    }
}

/// The writer thread: takes frames until the channel closes, then completes the file unless
/// it was cancelled (dropping the writer removes the partial file).
fn spawn_writer(
    path: PathBuf,
    encoder: Option<Encoder>,
    size: UVec2,
    fps: f64,
    frames: u32,
    rx: Receiver<Vec<u8>>,
) -> Job<Result<PathBuf, String>> {
    Job::spawn(
        "video writer",
        move |w| {
            let result = (|| {
                let Some(encoder) = encoder else {
                    // A still: one frame to PNG, atomically.
                    let rgba = rx.recv().map_err(|_| "cancelled".to_string())?;
                    let tmp = path.with_extension("partial.png");
                    image::save_buffer_with_format(
                        &tmp,
                        &rgba,
                        size.x,
                        size.y,
                        image::ColorType::Rgba8,
                        image::ImageFormat::Png,
                    )
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                    std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))?;
                    return Ok(path.clone());
                };
                let mut video = VideoWriter::create(&path, encoder, size.x, size.y, fps)?;
                for rgba in rx.iter() {
                    if w.cancelled() {
                        return Err("cancelled".into());
                    }
                    video.push(&rgba)?;
                }
                if w.cancelled() || video.frames() < frames as u64 {
                    return Err("cancelled".into());
                }
                video.finish()
            })();
            w.send(result);
        },
        Err,
    )
}

/// Where the camera is now: a recording starts from there (or from the home view).
#[derive(SystemParam)]
struct CameraNow<'w, 's> {
    orbit: Res<'w, Orbit>,
    main: Query<'w, 's, &'static Transform, With<MainCamera>>,
    positions: Res<'w, crate::app::context::state::Positions>,
}

fn start_recording(
    mut commands: Commands,
    mut requests: MessageReader<RecordRequest>,
    mut recorder: ResMut<Recorder>,
    mut images: ResMut<Assets<Image>>,
    mut settings: ResMut<ViewSettings>,
    camera: CameraNow,
    mut live: ResMut<Live>,
) {
    let CameraNow { orbit, main, positions } = camera;
    for r in requests.read() {
        if recorder.busy() {
            recorder.result = Some(Err("a recording is already running".into()));
            continue;
        }
        let size = r.size.max(UVec2::splat(2));
        let mut start = View {
            focus: orbit.focus,
            rotation: main.single().map_or(orbit.rotation(), |t| t.rotation),
            distance: orbit.distance,
        };
        // The home view was framed for the window's 3D view; frame it for the video's shape.
        if orbit.at_home() && !positions.to.is_empty() {
            let home = home_view(&positions.to, size.x as f32 / size.y as f32);
            start = View {
                focus: home.focus,
                rotation: home.rotation(),
                distance: home.distance,
            };
        }
        let (frames, fps, path, encoder) = match &r.video {
            None => (1, 1.0, CameraPath::Still(start), None),
            Some(v) => {
                let path = match &v.camera {
                    CameraMove::Still => CameraPath::Still(start),
                    CameraMove::Orbit { axis, turns } => CameraPath::Orbit {
                        start,
                        axis: *axis,
                        turns: *turns,
                    },
                    CameraMove::Keyframes(keys) if keys.len() >= 2 => CameraPath::Keyframes(keys.clone()),
                    CameraMove::Keyframes(_) => {
                        recorder.result = Some(Err("a keyframe path needs at least two views".into()));
                        continue;
                    }
                };
                (v.frames.max(1), v.fps, path, Some(v.encoder))
            }
        };
        let bg = settings.theme.background();
        let clear = if r.transparent {
            Color::NONE
        } else {
            Color::srgb(bg[0], bg[1], bg[2])
        };
        let (camera, image) = spawn_offscreen_camera(&mut commands, &mut images, size, clear, path.at(0.0).transform());
        let overlay = commands
            .spawn((
                Camera2d,
                RenderLayers::none(),
                Camera {
                    order: 0,
                    clear_color: ClearColorConfig::None,
                    ..default()
                },
                RenderTarget::Image(image.clone().into()),
                EguiSchedule::new(OverlayPass),
                RecordingOverlay,
            ))
            .id();
        let (tx, rx) = sync_channel(3);
        let writer = spawn_writer(r.path.clone(), encoder, size, fps, frames, rx);
        if r.video.as_ref().is_some_and(|v| v.sim_ms_per_frame.is_some()) {
            live.colour = true;
        }
        let line_width_was = settings.line_width_scale;
        // Lines as wide relative to the picture as on an 800-pixel-high window.
        settings.line_width_scale = (size.y as f32 / 800.0).max(1.0);
        recorder.result = None;
        recorder.job = Some(Recording {
            request: r.clone(),
            path,
            frames,
            frame: 0,
            sent: 0,
            phase: Phase::WarmUp(8),
            start_ms: live.snapshot.time_ms,
            camera,
            overlay,
            image,
            reading: VecDeque::new(),
            waiting: VecDeque::new(),
            frames_out: Some(tx),
            writer,
            line_width_was,
            cancelled: false,
            failure: None,
            started: std::time::Instant::now(),
            distance: start.distance,
        });
    }
}

#[derive(Component)]
struct RecordingOverlay;

fn record_frames(
    mut commands: Commands,
    mut recorder: ResMut<Recorder>,
    mut settings: ResMut<ViewSettings>,
    live: Res<Live>,
    mut rec: ResMut<Recordings>,
    mut cams: Query<&mut Transform>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let Some(job) = recorder.job.as_mut() else { return };
    redraw.write(RequestRedraw);
    job.distance = job.path.at(job.progress_u()).distance;
    if job.cancelled {
        // Closing the channel early makes the writer drop the partial file; the recording
        // ends once it has (so an exit right after leaves nothing behind).
        if job.frames_out.take().is_some() {
            job.writer.cancel();
            job.waiting.clear();
            job.reading.clear();
        }
        if !matches!(job.writer.poll(), Poll::Pending) {
            let job = recorder.job.take().expect("a recording");
            end(&mut commands, &mut settings, &job);
            recorder.result = Some(Err(job.failure.clone().unwrap_or_else(|| "cancelled".into())));
        }
        return;
    }
    // Frames whose pixels have arrived, in order; then to the writer as far as it takes them.
    while let Some(pixels) = job
        .reading
        .front()
        .and_then(|slot| slot.lock().unwrap_or_else(|e| e.into_inner()).take())
    {
        job.reading.pop_front();
        match pixels {
            Ok(rgba) => job.waiting.push_back(rgba),
            Err(e) => {
                job.cancelled = true;
                job.failure = Some(e);
                return;
            }
        }
    }
    while let Some(rgba) = job.waiting.pop_front() {
        match job.frames_out.as_ref().map(|tx| tx.try_send(rgba)) {
            Some(Err(TrySendError::Full(rgba))) => {
                job.waiting.push_front(rgba);
                break;
            }
            Some(Ok(())) => job.sent += 1,
            Some(Err(TrySendError::Disconnected(_))) | None => {}
        }
    }
    let sim_step = job.request.video.as_ref().and_then(|v| v.sim_ms_per_frame);
    let all_captured = job.frame >= job.frames;
    // Back-pressure: no new frame while enough are between the GPU and the writer.
    let full = job.reading.len() + job.waiting.len() >= IN_FLIGHT;
    match job.phase {
        _ if all_captured => {}
        Phase::WarmUp(0) => job.phase = Phase::Setup,
        Phase::WarmUp(n) => job.phase = Phase::WarmUp(n - 1),
        Phase::Setup if full => {}
        Phase::Setup => {
            if let Ok(mut t) = cams.get_mut(job.camera) {
                *t = job.path.at(job.progress_u()).transform();
            }
            // The recording's colours for this time are made in the next update, before
            // the frame is drawn and captured.
            if let Some(r) = job.request.video.as_ref().and_then(|v| v.replay) {
                rec.playing = false;
                rec.seek(r.from_s + r.s_per_frame * job.frame as f64);
                if rec.showing == recordings::Showing::Nothing {
                    rec.show(recordings::Showing::Activity);
                }
            }
            job.phase = match (sim_step, &live.sim) {
                (Some(step), Some(sim)) => {
                    let target = job.start_ms + step * job.frame as f64;
                    sim.control(|c| {
                        c.speed = None;
                        c.run_until_ms = Some(target);
                        c.running = target > live.snapshot.time_ms + 1e-9;
                    });
                    Phase::WaitSim(target)
                }
                // This update draws the frame once (see Settle); the next one captures it.
                _ => Phase::Settle(0),
            };
        }
        Phase::WaitSim(target) => {
            let s = &live.snapshot;
            // The run stops on whole steps: the one nearest the frame's time.
            if !s.running && s.time_ms + 0.5 * s.dt_ms >= target {
                job.phase = Phase::Settle(0);
            }
        }
        Phase::Settle(n) if n > 0 => job.phase = Phase::Settle(n - 1),
        Phase::Settle(_) => {
            // This frame is read back while the next one is set up and drawn.
            let slot: FrameSlot = Arc::new(Mutex::new(None));
            let filled = slot.clone();
            commands
                .spawn(Screenshot::image(job.image.clone()))
                .observe(move |ev: On<ScreenshotCaptured>| {
                    let pixels = ev
                        .image
                        .clone()
                        .try_into_dynamic()
                        .map(|d| d.to_rgba8().into_raw())
                        .map_err(|e| format!("cannot read the frame back: {e}"));
                    *filled.lock().unwrap_or_else(|e| e.into_inner()) = Some(pixels);
                });
            job.reading.push_back(slot);
            job.frame += 1;
            job.phase = Phase::Setup;
        }
    }
    if job.frame < job.frames || !job.reading.is_empty() || !job.waiting.is_empty() {
        return;
    }
    // All frames handed over: close the channel and wait for the file.
    job.frames_out = None;
    match job.writer.poll() {
        Poll::Pending => {}
        Poll::Ready(result) => {
            let job = recorder.job.take().expect("a recording");
            end(&mut commands, &mut settings, &job);
            recorder.result = Some(result);
        }
        Poll::Finished => {
            let job = recorder.job.take().expect("a recording");
            end(&mut commands, &mut settings, &job);
            recorder.result = Some(Err("the video writer stopped".into()));
        }
    }
}

/// Removes the recording cameras and restores the line widths.
fn end(commands: &mut Commands, settings: &mut ViewSettings, job: &Recording) {
    for e in [job.camera, job.overlay] {
        if let Ok(mut e) = commands.get_entity(e) {
            e.despawn();
        }
    }
    settings.line_width_scale = job.line_width_was;
}

/// Title, biological time and legend, drawn into the recorded image.
fn draw_overlay(
    ctx: Option<OverlayContext>,
    recorder: Res<Recorder>,
    graph: Res<Graph>,
    colors: Res<NeuronColors>,
    settings: Res<ViewSettings>,
    positions: Res<crate::app::context::state::Positions>,
    activity: (Res<Live>, Res<Recordings>),
) {
    let (Some(job), Some(mut ctx)) = (&recorder.job, ctx) else {
        return;
    };
    let (live, rec) = activity;
    let ctx = ctx.get_mut();
    // Text as large relative to the picture as on an 800-pixel-high window.
    let height = ctx.viewport_rect().height() * ctx.zoom_factor();
    let zoom = (height / 800.0).max(1.0);
    if (ctx.zoom_factor() - zoom).abs() > 1e-3 {
        ctx.set_zoom_factor(zoom);
    }
    let dark = settings.theme == crate::app::context::state::Theme::Dark;
    if ctx.global_style().visuals.dark_mode != dark {
        ctx.set_visuals(if dark {
            egui::Visuals::dark()
        } else {
            egui::Visuals::light()
        });
    }
    let text = text_color(settings.theme);
    let painter = ctx.layer_painter(egui::LayerId::new(egui::Order::Background, egui::Id::new("rec")));
    let title = job.request.title.clone().unwrap_or_else(|| {
        graph
            .data
            .as_ref()
            .map_or(String::new(), |g| format!("{} · {} neurons", g.source, g.len()))
    });
    let rect = ctx.viewport_rect();
    painter.text(
        rect.min + egui::vec2(14.0, 12.0),
        egui::Align2::LEFT_TOP,
        title,
        egui::FontId::proportional(16.0),
        text,
    );
    if rec.showing == recordings::Showing::Activity
        && let Some(a) = rec.animal()
    {
        let span = rec.span();
        painter.text(
            egui::pos2(rect.max.x - 14.0, rect.min.y + 12.0),
            egui::Align2::RIGHT_TOP,
            format!("t = {:.1} s", rec.time_s - span.0),
            egui::FontId::monospace(16.0),
            text,
        );
        // The behaviour strip along the bottom, left of the legend.
        let strip = egui::Rect::from_min_max(
            egui::pos2(rect.min.x + 14.0, rect.max.y - 58.0),
            // Short of the legend (about 250 points wide, bottom right).
            egui::pos2(
                (rect.min.x + rect.width() * 0.58).min(rect.max.x - 270.0),
                rect.max.y - 14.0,
            ),
        );
        // Over the graph: on the background colour, as the legend is.
        let [r, g, b, _] = settings.theme.background();
        let fill = egui::Rgba::from_rgba_unmultiplied(r, g, b, 0.85).into();
        recordings::strip::paint(&painter, strip, (fill, text), a, &rec.track, span, rec.time_s);
    } else if job.request.video.as_ref().is_some_and(|v| v.sim_ms_per_frame.is_some()) || live.colour {
        painter.text(
            egui::pos2(rect.max.x - 14.0, rect.min.y + 12.0),
            egui::Align2::RIGHT_TOP,
            format!("t = {:.1} ms", live.snapshot.time_ms),
            egui::FontId::monospace(16.0),
            text,
        );
    }
    legend_area(
        ctx,
        egui::pos2(rect.max.x - 10.0, rect.max.y - 10.0),
        &colors.legend,
        text,
        settings.theme,
    );
    if job.request.scale_bar
        && positions.layout_kind == Some(crate::analysis::layout::LayoutKind::Anatomical)
        && let Some(g) = &graph.data
        && let Some(unit) = &g.c.neurons.position_unit
        && let Some(world) = crate::app::context::geometry::world_per_data_unit(&g.c.neurons.position)
    {
        // Pixels per world unit at the focus, then per data unit.
        let per_world = rect.height() / (2.0 * job.distance * (crate::app::scene::camera::FOV_Y / 2.0).tan());
        if let Some((length, px)) = crate::app::context::geometry::scale_bar(per_world * world, rect.width() * 0.12) {
            // Bottom left: the legend is bottom right.
            let y = rect.max.y - 24.0;
            let x1 = rect.min.x + 24.0 + px;
            let stroke = egui::Stroke::new(3.0, text);
            painter.line_segment([egui::pos2(x1 - px, y), egui::pos2(x1, y)], stroke);
            for x in [x1 - px, x1] {
                painter.line_segment([egui::pos2(x, y - 5.0), egui::pos2(x, y + 5.0)], stroke);
            }
            painter.text(
                egui::pos2(x1 - px / 2.0, y - 8.0),
                egui::Align2::CENTER_BOTTOM,
                format!("{length} {}", if unit == "um" { "µm" } else { unit }),
                egui::FontId::proportional(14.0),
                text,
            );
        }
    }
}
