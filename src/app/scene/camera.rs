//! The 3D camera: orbit (left drag, arrow keys), pan (right or middle drag, Shift + arrows),
//! zoom (wheel, +/-, Page Up/Down), focus on the selection (F), reset (R / Home). Moves ease
//! towards their targets.

use crate::app::context::AppSet;
use bevy::camera::Viewport;
use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::prelude::*;
use bevy::render::view::Msaa;
use bevy::window::PrimaryWindow;

use crate::app::scene::Pointer;

use crate::app::context::geometry::{self, SCENE_RADIUS};
use crate::app::context::state::{Dirty, Positions, Request, Selection, UiFocus, ViewSettings};

pub struct CameraPlugin;

impl Plugin for CameraPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Orbit>()
            .add_systems(Startup, spawn_camera)
            .add_systems(
                Update,
                (fit_requests, mouse_and_keys, apply_orbit, viewport)
                    .chain()
                    .in_set(AppSet::Camera),
            );
    }
}

/// Marks the 3D camera.
#[derive(Component)]
pub struct MainCamera;

pub const FOV_Y: f32 = std::f32::consts::FRAC_PI_4;

/// Where the camera looks from. `target_*` values are eased towards.
#[derive(Resource, Debug, Clone)]
pub struct Orbit {
    pub focus: Vec3,
    pub distance: f32,
    pub yaw: f32,
    pub pitch: f32,
    pub target_focus: Vec3,
    pub target_distance: f32,
    pub home_focus: Vec3,
    pub home_distance: f32,
    pub home_yaw: f32,
    pub home_pitch: f32,
    drag_origin: Option<Vec2>,
}

impl Default for Orbit {
    fn default() -> Self {
        let d = SCENE_RADIUS * 2.8;
        Orbit {
            focus: Vec3::ZERO,
            distance: d,
            yaw: 0.0,
            pitch: 0.0,
            target_focus: Vec3::ZERO,
            target_distance: d,
            home_focus: Vec3::ZERO,
            home_distance: d,
            home_yaw: 0.0,
            home_pitch: 0.0,
            drag_origin: None,
        }
    }
}

impl Orbit {
    pub fn rotation(&self) -> Quat {
        Quat::from_euler(EulerRot::YXZ, self.yaw, self.pitch, 0.0)
    }

    pub fn transform(&self) -> Transform {
        let eye = self.focus + self.rotation() * Vec3::Z * self.distance;
        Transform::from_translation(eye).with_rotation(self.rotation())
    }

    /// The camera shows the home view (not moved by the user).
    pub fn at_home(&self) -> bool {
        self.target_focus == self.home_focus
            && self.target_distance == self.home_distance
            && self.yaw == self.home_yaw
            && self.pitch == self.home_pitch
    }

    pub fn reset(&mut self) {
        self.target_focus = self.home_focus;
        self.target_distance = self.home_distance;
        self.yaw = self.home_yaw;
        self.pitch = self.home_pitch;
    }

    /// Makes `home` the home view and goes there.
    pub fn set_home(&mut self, home: Home) {
        self.home_focus = home.focus;
        self.home_distance = home.distance;
        self.home_yaw = home.yaw;
        self.home_pitch = home.pitch;
        self.reset();
    }
}

/// The first view of a layout.
#[derive(Debug, Clone, Copy)]
pub struct Home {
    pub focus: Vec3,
    pub distance: f32,
    pub yaw: f32,
    pub pitch: f32,
}

impl Home {
    pub fn rotation(&self) -> Quat {
        Quat::from_euler(EulerRot::YXZ, self.yaw, self.pitch, 0.0)
    }
}

/// The home view of `points` for a view of this aspect (width / height): the neurons fill
/// it. A long thin graph (a worm: 722 µm by ~100 µm) is seen from the side at the angle (yaw
/// and pitch, within limits that keep it recognisably side-on) that makes it largest in the
/// view, so it lies along the view's diagonal rather than as a sliver across it; a round graph
/// is seen face on.
pub fn home_view(points: &[[f32; 3]], aspect: f32) -> Home {
    let (_, half) = geometry::bounds(points);
    let elongated = half[0] > 2.5 * half[1].max(half[2]);
    let frame = |points: &[[f32; 3]], yaw: f32, pitch: f32| {
        let rotation = Quat::from_euler(EulerRot::YXZ, yaw, pitch, 0.0);
        let axes = [Vec3::X, Vec3::Y, Vec3::Z].map(|a| (rotation * a).to_array());
        geometry::frame(points, axes, FOV_Y, aspect, 0.9)
    };
    let (mut yaw, mut pitch) = (0.0, 0.0);
    if elongated {
        // A sample is enough to choose the angle.
        let step = (points.len() / 2000).max(1);
        let sample: Vec<[f32; 3]> = points.iter().step_by(step).copied().collect();
        let mut best = f32::INFINITY;
        // Turned at most 40° from the side (beyond, perspective makes the near end loom and the
        // far end shrink: a smaller distance, a worse picture), tilted at most 57°.
        for y in 2..=7 {
            for p in 0..=10 {
                let (cy, cp) = (-0.1 * y as f32, -0.1 * p as f32);
                let d = frame(&sample, cy, cp).1;
                if d < best {
                    (best, yaw, pitch) = (d, cy, cp);
                }
            }
        }
    }
    let (focus, distance) = frame(points, yaw, pitch);
    Home {
        focus: Vec3::from_array(focus),
        distance,
        yaw,
        pitch,
    }
}

fn spawn_camera(mut commands: Commands, settings: Res<ViewSettings>, orbit: Res<Orbit>) {
    let bg = settings.theme.background();
    commands.spawn((
        MainCamera,
        Camera3d::default(),
        Camera {
            clear_color: ClearColorConfig::Custom(Color::srgb(bg[0], bg[1], bg[2])),
            ..default()
        },
        Projection::Perspective(PerspectiveProjection {
            fov: FOV_Y,
            near: 0.5,
            ..default()
        }),
        Msaa::Off,
        Tonemapping::None,
        orbit.transform(),
    ));
}

/// Frames the layout being moved to (new graph or layout), and handles focus / reset.
fn fit_requests(
    mut dirty: ResMut<Dirty>,
    mut orbit: ResMut<Orbit>,
    positions: Res<Positions>,
    selection: Res<Selection>,
    focus: Res<UiFocus>,
    mut requests: MessageReader<Request>,
    mut fitted_aspect: Local<f32>,
) {
    let aspect = {
        let [x0, y0, x1, y1] = focus.viewport;
        if y1 > y0 { (x1 - x0) / (y1 - y0) } else { 16.0 / 9.0 }
    };
    // Panels that open or resize change the view's shape: keep the home view framed.
    let reshaped = (aspect / *fitted_aspect - 1.0).abs() > 0.02;
    if reshaped && orbit.at_home() && !positions.to.is_empty() {
        dirty.fit_camera = true;
    }
    if dirty.fit_camera && !positions.to.is_empty() {
        *fitted_aspect = aspect;
        dirty.fit_camera = false;
        orbit.set_home(home_view(&positions.to, aspect));
    }
    for r in requests.read() {
        match r {
            Request::ResetView => orbit.reset(),
            Request::FocusSelection => {
                let chosen: Vec<[f32; 3]> = selection
                    .selected
                    .iter()
                    .filter_map(|&i| positions.to.get(i).copied())
                    .collect();
                if chosen.is_empty() {
                    continue;
                }
                let (c, h) = geometry::bounds(&chosen);
                orbit.target_focus = Vec3::from_array(c);
                let r = positions.base_radius * 30.0;
                orbit.target_distance = geometry::fit_distance([h[0] + r, h[1] + r, h[2]], FOV_Y, aspect);
            }
            _ => {}
        }
    }
}

fn mouse_and_keys(
    mut orbit: ResMut<Orbit>,
    pointer: Pointer,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    time: Res<Time>,
    mut requests: MessageWriter<Request>,
) {
    let (buttons, keys, focus) = (&pointer.buttons, &pointer.keys, &pointer.focus);
    let over_view = pointer.over_view();
    let [_, y0, _, y1] = focus.viewport;
    let any = [MouseButton::Left, MouseButton::Right, MouseButton::Middle];
    if buttons.any_just_pressed(any) {
        orbit.drag_origin = over_view;
    }
    if !buttons.any_pressed(any) {
        orbit.drag_origin = None;
    }
    let height = (y1 - y0).max(1.0);
    if orbit.drag_origin.is_some() {
        let d = motion.delta;
        if buttons.pressed(MouseButton::Left) {
            orbit.yaw -= d.x * 0.006;
            orbit.pitch = (orbit.pitch - d.y * 0.006).clamp(-1.55, 1.55);
        } else {
            pan(&mut orbit, Vec2::new(-d.x, d.y) / height);
        }
    }
    if over_view.is_some() && scroll.delta.y != 0.0 {
        let lines = match scroll.unit {
            MouseScrollUnit::Line => scroll.delta.y,
            MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
        };
        orbit.target_distance = (orbit.target_distance * (-lines * 0.12).exp()).clamp(1.0, SCENE_RADIUS * 50.0);
    }
    if focus.keyboard_busy {
        return;
    }
    let dt = time.delta_secs().min(0.1);
    let shift = pointer.shift();
    let mut dir = Vec2::ZERO;
    for (k, v) in [
        (KeyCode::ArrowLeft, -Vec2::X),
        (KeyCode::ArrowRight, Vec2::X),
        (KeyCode::ArrowUp, Vec2::Y),
        (KeyCode::ArrowDown, -Vec2::Y),
    ] {
        if keys.pressed(k) {
            dir += v;
        }
    }
    if dir != Vec2::ZERO {
        if shift {
            pan(&mut orbit, dir * dt * 0.8);
        } else {
            orbit.yaw -= dir.x * dt * 1.5;
            orbit.pitch = (orbit.pitch + dir.y * dt * 1.5).clamp(-1.55, 1.55);
        }
    }
    let mut zoom = 0.0;
    if keys.any_pressed([KeyCode::Equal, KeyCode::NumpadAdd, KeyCode::PageUp]) {
        zoom += 1.0;
    }
    if keys.any_pressed([KeyCode::Minus, KeyCode::NumpadSubtract, KeyCode::PageDown]) {
        zoom -= 1.0;
    }
    if zoom != 0.0 {
        orbit.target_distance = (orbit.target_distance * (-zoom * dt * 1.5).exp()).clamp(1.0, SCENE_RADIUS * 50.0);
    }
    if keys.just_pressed(KeyCode::KeyF) {
        requests.write(Request::FocusSelection);
    }
    if keys.any_just_pressed([KeyCode::KeyR, KeyCode::Home]) {
        requests.write(Request::ResetView);
    }
}

/// Moves the focus across the screen by `d` (fractions of the viewport height).
fn pan(orbit: &mut Orbit, d: Vec2) {
    let scale = 2.0 * orbit.distance * (FOV_Y / 2.0).tan();
    let rot = orbit.rotation();
    let delta = (rot * Vec3::X * d.x + rot * Vec3::Y * d.y) * scale;
    orbit.target_focus += delta;
    orbit.focus += delta;
}

fn apply_orbit(mut orbit: ResMut<Orbit>, time: Res<Time>, mut cameras: Query<&mut Transform, With<MainCamera>>) {
    let k = 1.0 - (-14.0 * time.delta_secs().min(0.1)).exp();
    let o = &mut *orbit;
    o.focus = o.focus.lerp(o.target_focus, k);
    o.distance += (o.target_distance - o.distance) * k;
    let t = o.transform();
    for mut tr in &mut cameras {
        if *tr != t {
            *tr = t;
        }
    }
}

/// Keeps the 3D camera's viewport on the part of the window the panels leave free.
fn viewport(
    focus: Res<UiFocus>,
    settings: Res<ViewSettings>,
    window: Query<&Window, With<PrimaryWindow>>,
    mut cameras: Query<&mut Camera, With<MainCamera>>,
) {
    let Ok(w) = window.single() else { return };
    let s = w.scale_factor();
    let [x0, y0, x1, y1] = focus.viewport;
    let (pw, ph) = (w.physical_width(), w.physical_height());
    let pos = UVec2::new(
        ((x0 * s) as u32).min(pw.saturating_sub(1)),
        ((y0 * s) as u32).min(ph.saturating_sub(1)),
    );
    let mut size = UVec2::new(((x1 - x0) * s) as u32, ((y1 - y0) * s) as u32);
    size = size.min(UVec2::new(pw - pos.x, ph - pos.y)).max(UVec2::ONE);
    let bg = settings.theme.background();
    let clear = ClearColorConfig::Custom(Color::srgb(bg[0], bg[1], bg[2]));
    for mut cam in &mut cameras {
        let vp = (x1 > x0 && y1 > y0).then(|| Viewport {
            physical_position: pos,
            physical_size: size,
            ..default()
        });
        if cam.viewport.as_ref().map(|v| (v.physical_position, v.physical_size))
            != vp.as_ref().map(|v| (v.physical_position, v.physical_size))
        {
            cam.viewport = vp;
        }
        if !matches!((&cam.clear_color, &clear), (ClearColorConfig::Custom(a), ClearColorConfig::Custom(b)) if a == b) {
            cam.clear_color = clear;
        }
    }
}
