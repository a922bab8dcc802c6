//! The Video section of the side panel: size, frame rate and length, the camera path (still,
//! orbit, or keyframes taken from the current view), simulating while recording, a preview of
//! the path in the window, and Record with progress and Cancel.

use std::path::PathBuf;
use std::time::Instant;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::egui;

use crate::app::capture::camera_path::{Axis, CameraPath, View};
use crate::app::capture::recorder::{CameraMove, RecordRequest, Recorder, Replay, VideoSpec};
use crate::app::context::AppSet;
use crate::app::scene::camera::{MainCamera, Orbit};
use crate::io::video::Encoder;

/// The Video section's state and the preview of its camera path in the window.
pub struct VideoPanelPlugin;

impl Plugin for VideoPanelPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<RecordSettings>()
            .init_resource::<Preview>()
            .add_systems(PostUpdate, play_preview.in_set(AppSet::Draw));
    }
}

/// The Video section's settings.
#[derive(Resource)]
pub struct RecordSettings {
    pub path: String,
    /// 0 = the window's 3D view.
    pub size: (u32, u32),
    pub fps: f64,
    pub seconds: f64,
    pub camera: CameraKind,
    pub turns: f32,
    pub axis: Axis,
    pub simulate: bool,
    /// Biological ms per second of video.
    pub sim_speed: f64,
    pub scale_bar: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraKind {
    Still,
    Orbit,
    Keyframes,
}

impl Default for RecordSettings {
    fn default() -> Self {
        RecordSettings {
            path: "connectoscope.mp4".into(),
            size: (1920, 1080),
            fps: 30.0,
            seconds: 10.0,
            camera: CameraKind::Orbit,
            turns: 1.0,
            axis: Axis::Vertical,
            simulate: false,
            sim_speed: 100.0,
            scale_bar: true,
        }
    }
}

/// The camera path played in the window.
#[derive(Resource, Default)]
pub struct Preview(pub Option<(CameraPath, Instant, f64)>);

#[derive(SystemParam)]
pub struct RecordUi<'w, 's> {
    pub settings: ResMut<'w, RecordSettings>,
    pub recorder: ResMut<'w, Recorder>,
    pub preview: ResMut<'w, Preview>,
    orbit: Res<'w, Orbit>,
    main: Query<'w, 's, &'static Transform, With<MainCamera>>,
    requests: MessageWriter<'w, RecordRequest>,
}

impl RecordUi<'_, '_> {
    fn current_view(&self) -> View {
        View {
            focus: self.orbit.focus,
            rotation: self.main.single().map_or(self.orbit.rotation(), |t| t.rotation),
            distance: self.orbit.distance,
        }
    }

    fn camera_move(&self) -> Result<CameraMove, String> {
        let s = &self.settings;
        Ok(match s.camera {
            CameraKind::Still => CameraMove::Still,
            CameraKind::Orbit => CameraMove::Orbit {
                axis: s.axis,
                turns: s.turns,
            },
            CameraKind::Keyframes if self.recorder.keyframes.len() >= 2 => {
                CameraMove::Keyframes(self.recorder.keyframes.clone())
            }
            CameraKind::Keyframes => return Err("add at least two keyframes".into()),
        })
    }
}

/// `playing`: the open recording's playback time and speed (recording s per s) when it is
/// shown on the neurons; a video then plays it from there.
pub fn video_ui(ui: &mut egui::Ui, r: &mut RecordUi, window_size: (u32, u32), playing: Option<(f64, f64)>) {
    egui::CollapsingHeader::new("Video").default_open(false).show(ui, |ui| {
        if let Some((done, all)) = r.recorder.progress() {
            ui.add(egui::ProgressBar::new(done as f32 / all.max(1) as f32).text(format!(
                "frame {done}/{all} · {:.1} frames/s",
                r.recorder.rate().unwrap_or(0.0)
            )));
            if ui.button("Cancel").clicked() {
                r.recorder.cancel();
            }
            return;
        }
        let s = &mut r.settings;
        ui.add(
            egui::TextEdit::singleline(&mut s.path)
                .hint_text(".mp4, .gif, or a folder for PNG frames")
                .desired_width(f32::INFINITY),
        );
        ui.horizontal(|ui| {
            egui::ComboBox::from_id_salt("video-size")
                .selected_text(if s.size.0 == 0 {
                    "view size".to_string()
                } else {
                    format!("{}×{}", s.size.0, s.size.1)
                })
                .show_ui(ui, |ui| {
                    for size in [(0, 0), (1280, 720), (1920, 1080), (2560, 1440), (3840, 2160)] {
                        let label = if size.0 == 0 {
                            "view size".to_string()
                        } else {
                            format!("{}×{}", size.0, size.1)
                        };
                        ui.selectable_value(&mut s.size, size, label);
                    }
                });
            if s.size.0 != 0 {
                ui.add(egui::DragValue::new(&mut s.size.0).range(2..=8192).suffix(" w"));
                ui.add(egui::DragValue::new(&mut s.size.1).range(2..=8192).suffix(" h"));
            }
        });
        ui.horizontal(|ui| {
            ui.add(egui::DragValue::new(&mut s.fps).range(1.0..=120.0).suffix(" fps"));
            ui.add(
                egui::DragValue::new(&mut s.seconds)
                    .range(0.1..=3600.0)
                    .speed(0.5)
                    .suffix(" s"),
            );
        });
        ui.horizontal(|ui| {
            ui.label("camera");
            ui.radio_value(&mut s.camera, CameraKind::Still, "still");
            ui.radio_value(&mut s.camera, CameraKind::Orbit, "orbit");
            ui.radio_value(&mut s.camera, CameraKind::Keyframes, "keyframes");
        });
        match s.camera {
            CameraKind::Orbit => {
                ui.horizontal(|ui| {
                    ui.add(
                        egui::DragValue::new(&mut s.turns)
                            .range(-10.0..=10.0)
                            .speed(0.05)
                            .suffix(" turns"),
                    );
                    ui.radio_value(&mut s.axis, Axis::Vertical, "turntable");
                    ui.radio_value(&mut s.axis, Axis::Horizontal, "head over heels");
                });
            }
            CameraKind::Keyframes => keyframes(ui, r),
            CameraKind::Still => {}
        }
        let s = &mut r.settings;
        ui.horizontal(|ui| {
            ui.checkbox(&mut s.simulate, "simulate while recording");
            ui.add_enabled(
                s.simulate,
                egui::DragValue::new(&mut s.sim_speed)
                    .range(0.1..=100_000.0)
                    .suffix(" ms per video s"),
            );
        });
        if let Some((_, speed)) = playing {
            ui.weak(format!("plays the recording from its current time at {speed} s/s"));
        }
        ui.checkbox(&mut r.settings.scale_bar, "scale bar (anatomical layout)");
        ui.horizontal(|ui| {
            let previewing = r.preview.0.is_some();
            if ui.button(if previewing { "Stop preview" } else { "Preview" }).clicked() {
                r.preview.0 = if previewing {
                    None
                } else {
                    match r.camera_move() {
                        Ok(m) => Some((to_path(m, r.current_view()), Instant::now(), r.settings.seconds)),
                        Err(e) => {
                            r.recorder.result = Some(Err(e));
                            None
                        }
                    }
                };
            }
            if ui.button("⏺ Record").clicked() {
                r.preview.0 = None;
                match request(r, window_size, playing) {
                    Ok(req) => {
                        r.requests.write(req);
                    }
                    Err(e) => r.recorder.result = Some(Err(e)),
                }
            }
        });
        match &r.recorder.result {
            Some(Ok(path)) => {
                ui.weak(format!("saved {}", path.display()));
            }
            Some(Err(e)) => {
                ui.colored_label(egui::Color32::from_rgb(0xff, 0x6b, 0x6b), e);
            }
            None => {}
        }
    });
}

fn keyframes(ui: &mut egui::Ui, r: &mut RecordUi) {
    ui.horizontal(|ui| {
        if ui.button("Add current view").clicked() {
            let v = r.current_view();
            r.recorder.keyframes.push(v);
        }
        if ui.button("Clear").clicked() {
            r.recorder.keyframes.clear();
        }
    });
    let mut remove = None;
    ui.horizontal_wrapped(|ui| {
        for k in 0..r.recorder.keyframes.len() {
            if ui
                .small_button(format!("{} ✖", k + 1))
                .on_hover_text("Remove")
                .clicked()
            {
                remove = Some(k);
            }
        }
    });
    if let Some(k) = remove {
        r.recorder.keyframes.remove(k);
    }
    if r.recorder.keyframes.len() < 2 {
        ui.weak("Move the camera and add at least two views.");
    }
}

fn to_path(m: CameraMove, start: View) -> CameraPath {
    match m {
        CameraMove::Still => CameraPath::Still(start),
        CameraMove::Orbit { axis, turns } => CameraPath::Orbit { start, axis, turns },
        CameraMove::Keyframes(keys) => CameraPath::Keyframes(keys),
    }
}

fn request(r: &RecordUi, window_size: (u32, u32), playing: Option<(f64, f64)>) -> Result<RecordRequest, String> {
    let s = &r.settings;
    let path = PathBuf::from(s.path.trim());
    if s.path.trim().is_empty() {
        return Err("choose a file name".into());
    }
    let encoder = Encoder::for_path(&path)?;
    // The view's own size is rounded down to even numbers; a size typed in must be even.
    let (w, h) = if s.size.0 == 0 {
        (window_size.0.max(2) & !1, window_size.1.max(2) & !1)
    } else {
        s.size
    };
    if w % 2 == 1 || h % 2 == 1 {
        return Err(format!("{w}×{h}: a video needs an even width and height"));
    }
    Ok(RecordRequest {
        path,
        video: Some(VideoSpec {
            encoder,
            fps: s.fps,
            frames: (s.seconds * s.fps).round().max(1.0) as u32,
            camera: r.camera_move()?,
            sim_ms_per_frame: s.simulate.then_some(s.sim_speed / s.fps),
            replay: playing.map(|(from_s, speed)| Replay {
                from_s,
                s_per_frame: speed / s.fps,
            }),
        }),
        size: UVec2::new(w.max(2), h.max(2)),
        title: None,
        transparent: false,
        scale_bar: s.scale_bar,
    })
}

/// Plays the previewed camera path in the window, in real time.
fn play_preview(
    mut preview: ResMut<Preview>,
    mut cams: Query<&mut Transform, With<MainCamera>>,
    mut redraw: MessageWriter<bevy::window::RequestRedraw>,
) {
    let Some((path, started, seconds)) = &preview.0 else {
        return;
    };
    redraw.write(bevy::window::RequestRedraw);
    let u = (started.elapsed().as_secs_f64() / seconds.max(0.01)) as f32;
    if u > 1.0 {
        preview.0 = None;
        return;
    }
    let t = path.at(u).transform();
    for mut tr in &mut cams {
        *tr = t;
    }
}
