//! Screenshots: the whole window (with the panel) or the 3D view alone rendered offscreen at
//! 1x/2x/4x on a dark, white or transparent background. The offscreen path
//! ([`spawn_offscreen_camera`]) is what video capture builds on: a camera that follows the
//! main one and renders into an image.

use std::path::PathBuf;

use crate::app::context::AppSet;
use bevy::camera::RenderTarget;
use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::render::render_resource::{TextureFormat, TextureUsages};
use bevy::render::view::Msaa;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::PrimaryWindow;

use crate::app::context::state::{Status, UiFocus, ViewSettings};
use crate::app::scene::camera::{FOV_Y, MainCamera};

pub struct ScreenshotPlugin;

impl Plugin for ScreenshotPlugin {
    fn build(&self, app: &mut App) {
        app.add_message::<CaptureRequest>()
            .init_resource::<CaptureSettings>()
            .init_resource::<CaptureLog>()
            .add_systems(
                Update,
                (f12, start_captures, run_offscreen).chain().in_set(AppSet::Capture),
            );
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Background {
    /// The theme's background (dark by default).
    #[default]
    Theme,
    White,
    Transparent,
}

/// What F12 and the panel's button capture.
#[derive(Resource, Debug, Clone)]
pub struct CaptureSettings {
    pub scale: u32,
    pub background: Background,
    pub include_panel: bool,
    /// Where to save; empty: `connectoscope-<time>.png` in the working directory.
    pub path: String,
}

impl Default for CaptureSettings {
    fn default() -> Self {
        CaptureSettings {
            scale: 1,
            background: Background::Theme,
            include_panel: false,
            path: String::new(),
        }
    }
}

#[derive(Message, Debug, Clone)]
pub struct CaptureRequest {
    pub path: PathBuf,
    pub scale: u32,
    pub background: Background,
    /// Capture the window as it is (panel included, at window size).
    pub include_panel: bool,
}

/// Finished captures, newest last: the path and the error if saving failed.
#[derive(Resource, Debug, Clone, Default)]
pub struct CaptureLog(pub Vec<(PathBuf, Result<(), String>)>);

/// A camera rendering the 3D view into an image, following the main camera.
#[derive(Component)]
pub struct OffscreenCamera {
    pub image: Handle<Image>,
}

#[derive(Component)]
struct PendingCapture {
    frames_left: u32,
    path: PathBuf,
    keep_alpha: bool,
    requested: bool,
}

/// Default file name for a capture.
pub fn default_path() -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    PathBuf::from(format!("connectoscope-{secs}.png"))
}

fn f12(
    keys: Res<ButtonInput<KeyCode>>,
    settings: Res<CaptureSettings>,
    focus: Res<UiFocus>,
    mut out: MessageWriter<CaptureRequest>,
) {
    if keys.just_pressed(KeyCode::F12) && !focus.keyboard_busy {
        out.write(settings.request());
    }
}

impl CaptureSettings {
    pub fn request(&self) -> CaptureRequest {
        let path = if self.path.trim().is_empty() {
            default_path()
        } else {
            PathBuf::from(self.path.trim())
        };
        CaptureRequest {
            path,
            scale: self.scale.clamp(1, 8),
            background: self.background,
            include_panel: self.include_panel,
        }
    }
}

/// Saves a captured image as PNG (RGBA when `keep_alpha`, else RGB).
pub fn save_png(image: &Image, path: &std::path::Path, keep_alpha: bool) -> Result<(), String> {
    let dynamic = image
        .clone()
        .try_into_dynamic()
        .map_err(|e| format!("cannot convert the capture: {e}"))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let result = if keep_alpha {
        dynamic.to_rgba8().save_with_format(path, image::ImageFormat::Png)
    } else {
        dynamic.to_rgb8().save_with_format(path, image::ImageFormat::Png)
    };
    result.map_err(|e| format!("{}: {e}", path.display()))
}

fn record(log: &mut CaptureLog, status: &mut Status, path: PathBuf, result: Result<(), String>) {
    match &result {
        Ok(()) => {
            status.last_capture = Some(path.display().to_string());
            status.info = Some(format!("saved {}", path.display()));
        }
        Err(e) => status.error = Some(format!("screenshot: {e}")),
    }
    log.0.push((path, result));
}

/// Spawns a camera that renders the 3D view into a new `width`×`height` image (kept in sync
/// with the main camera by [`run_offscreen`]'s follower). Returns the camera and the image.
pub fn spawn_offscreen_camera(
    commands: &mut Commands,
    images: &mut Assets<Image>,
    size: UVec2,
    clear: Color,
    transform: Transform,
) -> (Entity, Handle<Image>) {
    let mut image = Image::new_target_texture(size.x.max(1), size.y.max(1), TextureFormat::Rgba8UnormSrgb, None);
    image.texture_descriptor.usage |= TextureUsages::COPY_SRC;
    let handle = images.add(image);
    let entity = commands
        .spawn((
            OffscreenCamera { image: handle.clone() },
            Camera3d::default(),
            Camera {
                order: -1,
                clear_color: ClearColorConfig::Custom(clear),
                ..default()
            },
            RenderTarget::Image(handle.clone().into()),
            Projection::Perspective(PerspectiveProjection {
                fov: FOV_Y,
                near: 0.5,
                ..default()
            }),
            Msaa::Off,
            Tonemapping::None,
            transform,
        ))
        .id();
    (entity, handle)
}

/// The cameras and window a capture is taken from, and whether one is still running.
#[derive(SystemParam)]
struct Views<'w, 's> {
    main: Query<'w, 's, (&'static Camera, &'static Transform), With<MainCamera>>,
    window: Query<'w, 's, &'static Window, With<PrimaryWindow>>,
    pending: Query<'w, 's, (), With<PendingCapture>>,
}

fn start_captures(
    mut commands: Commands,
    mut requests: MessageReader<CaptureRequest>,
    mut images: ResMut<Assets<Image>>,
    mut settings: ResMut<ViewSettings>,
    views: Views,
    mut status: ResMut<Status>,
) {
    let Views { main, window, pending } = views;
    for r in requests.read() {
        if r.include_panel {
            let path = r.path.clone();
            commands.spawn(Screenshot::primary_window()).observe(
                move |ev: On<ScreenshotCaptured>, mut log: ResMut<CaptureLog>, mut status: ResMut<Status>| {
                    let result = save_png(&ev.image, &path, false);
                    record(&mut log, &mut status, path.clone(), result);
                },
            );
            continue;
        }
        if !pending.is_empty() {
            status.error = Some("a screenshot is already being taken".into());
            continue;
        }
        let Ok((camera, transform)) = main.single() else {
            continue;
        };
        let view = camera
            .physical_viewport_size()
            .or_else(|| {
                window
                    .single()
                    .ok()
                    .map(|w| UVec2::new(w.physical_width(), w.physical_height()))
            })
            .unwrap_or(UVec2::new(1280, 720));
        let size = (view * r.scale).min(UVec2::splat(8192));
        let bg = settings.theme.background();
        let (clear, keep_alpha) = match r.background {
            Background::Theme => (Color::srgb(bg[0], bg[1], bg[2]), false),
            Background::White => (Color::WHITE, false),
            Background::Transparent => (Color::NONE, true),
        };
        let (entity, _) = spawn_offscreen_camera(&mut commands, &mut images, size, clear, *transform);
        // Lines are as many pixels wide as on screen, relative to the image size.
        settings.line_width_scale = r.scale as f32;
        commands.entity(entity).insert(PendingCapture {
            frames_left: 4,
            path: r.path.clone(),
            keep_alpha,
            requested: false,
        });
    }
}

/// Keeps offscreen cameras on the main camera's view; after a few frames (pipelines for the
/// new target compile first) captures the image, saves it and removes the camera.
fn run_offscreen(
    mut commands: Commands,
    main: Query<&Transform, (With<MainCamera>, Without<OffscreenCamera>)>,
    mut cams: Query<(Entity, &mut Transform, &OffscreenCamera, Option<&mut PendingCapture>), Without<MainCamera>>,
) {
    let Ok(main) = main.single() else { return };
    for (entity, mut tr, cam, pending) in &mut cams {
        // Only screenshots follow the main camera; recordings move their own camera.
        let Some(mut p) = pending else { continue };
        if *tr != *main {
            *tr = *main;
        }
        if p.frames_left > 0 {
            p.frames_left -= 1;
            continue;
        }
        if p.requested {
            continue;
        }
        p.requested = true;
        let path = p.path.clone();
        let keep_alpha = p.keep_alpha;
        commands.spawn(Screenshot::image(cam.image.clone())).observe(
            move |ev: On<ScreenshotCaptured>,
                  mut log: ResMut<CaptureLog>,
                  mut status: ResMut<Status>,
                  mut settings: ResMut<ViewSettings>,
                  mut commands: Commands| {
                let result = save_png(&ev.image, &path, keep_alpha);
                record(&mut log, &mut status, path.clone(), result);
                settings.line_width_scale = 1.0;
                if let Ok(mut e) = commands.get_entity(entity) {
                    e.despawn();
                }
            },
        );
    }
}
