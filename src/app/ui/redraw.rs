//! Draws frames only when something changes: input, an animation, a running job or a pending
//! capture. On a software renderer an idle window then costs no CPU. Batch runs
//! (`--screenshot`, `--bench-frames`) keep drawing continuously.

use std::time::Duration;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::render::view::screenshot::Screenshot;
use bevy::window::RequestRedraw;
use bevy::winit::{UpdateMode, WinitSettings};
use bevy_egui::{EguiInput, EguiPreUpdateSet, egui};

use crate::app::capture::screenshot::OffscreenCamera;
use crate::app::context::state::{Options, Positions, Selection};
use crate::app::data::layout::LayoutJob;
use crate::app::data::loading::Loader;
use crate::app::scene::camera::Orbit;

pub struct RedrawPlugin;

impl Plugin for RedrawPlugin {
    fn build(&self, app: &mut App) {
        let batch = app
            .world()
            .get_resource::<Options>()
            .is_some_and(|o| o.screenshot.is_some() || o.bench_frames.is_some());
        if batch {
            return;
        }
        app.insert_resource(WinitSettings {
            focused_mode: UpdateMode::reactive(Duration::from_secs(5)),
            unfocused_mode: UpdateMode::reactive_low_power(Duration::from_secs(30)),
        })
        .add_systems(Last, keep_awake)
        .add_systems(
            PreUpdate,
            drop_repeated_modifiers
                .after(EguiPreUpdateSet::ProcessInput)
                .before(EguiPreUpdateSet::BeginPass),
        );
    }
}

/// Entities that mean a capture is under way.
type CaptureInProgress = Or<(With<OffscreenCamera>, With<Screenshot>)>;

/// What moves or works in the background, so that the picture changes without input.
#[derive(SystemParam)]
struct Moving<'w, 's> {
    positions: Res<'w, Positions>,
    orbit: Res<'w, Orbit>,
    loader: Res<'w, Loader>,
    layout: Res<'w, LayoutJob>,
    selection: Res<'w, Selection>,
    communities: Res<'w, crate::app::communities::Communities>,
    recordings: Res<'w, crate::app::recordings::Recordings>,
    captures: Query<'w, 's, (), CaptureInProgress>,
}

impl Moving<'_, '_> {
    fn any(&self) -> bool {
        let o = &self.orbit;
        let camera_moving = o.focus.distance(o.target_focus) > 1e-3 * o.distance
            || (o.distance - o.target_distance).abs() > 1e-3 * o.distance;
        self.positions.animating()
            || camera_moving
            || self.loader.busy()
            || self.communities.busy()
            || self.recordings.busy()
            || self.layout.running().is_some()
            || self.selection.path_note.as_deref() == Some("searching…")
            || !self.captures.is_empty()
    }
}

fn keep_awake(moving: Moving, mut redraw: MessageWriter<RequestRedraw>) {
    if moving.any() {
        redraw.write(RequestRedraw);
    }
}

/// bevy_egui reports the keyboard modifiers to egui every frame, and egui asks for a repaint on
/// every input event, so the window would never rest. Only changes are passed on.
fn drop_repeated_modifiers(mut inputs: Query<&mut EguiInput>, mut last: Local<Option<egui::Modifiers>>) {
    for mut input in &mut inputs {
        input.0.events.retain(|e| match e {
            egui::Event::ModifiersChanged(m) => {
                let changed = *last != Some(*m);
                *last = Some(*m);
                changed
            }
            _ => true,
        });
    }
}
