//! Draws frames only when something changes: input, an animation, a running job or a pending
//! capture. On a software renderer an idle window then costs no CPU. Batch runs
//! (`--screenshot`, `--bench-frames`) keep drawing continuously.

use std::time::Duration;

use bevy::prelude::*;
use bevy::render::view::screenshot::Screenshot;
use bevy::window::RequestRedraw;
use bevy::winit::{UpdateMode, WinitSettings};
use bevy_egui::{EguiInput, EguiPreUpdateSet, egui};

use super::camera::Orbit;
use super::capture::OffscreenCamera;
use super::layout::LayoutJob;
use super::loading::Loader;
use super::state::{Options, Positions, Selection};

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

#[allow(clippy::too_many_arguments)]
fn keep_awake(
    positions: Res<Positions>,
    orbit: Res<Orbit>,
    loader: Res<Loader>,
    layout: Res<LayoutJob>,
    selection: Res<Selection>,
    communities: Res<super::communities_view::Communities>,
    captures: Query<(), CaptureInProgress>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let camera_moving = orbit.focus.distance(orbit.target_focus) > 1e-3 * orbit.distance
        || (orbit.distance - orbit.target_distance).abs() > 1e-3 * orbit.distance;
    let busy = positions.animating()
        || camera_moving
        || loader.busy()
        || communities.busy()
        || layout.running().is_some()
        || selection.path_note.as_deref() == Some("searching…")
        || !captures.is_empty();
    if busy {
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
