//! Hover and click: a CPU ray–sphere test against the neuron positions (brute force, well
//! under a millisecond for 139k neurons). Click selects, Shift-click adds or removes, a click
//! on empty space clears the selection. Also keeps the neighbourhood and shortest path of the
//! selection up to date (the path search runs on a background thread).

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use crate::app::context::AppSet;
use crate::app::context::geometry;
use crate::app::context::jobs::{Job, Poll};
use crate::app::context::query::{self, Path};
use crate::app::context::state::{Dirty, Graph, Options, PointerMode, Positions, Request, Selection, ViewSettings};
use crate::app::scene::Pointer;
use crate::app::scene::camera::{FOV_Y, MainCamera};

pub struct PickingPlugin;

impl Plugin for PickingPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<PathJob>().add_systems(
            Update,
            (hover_and_click, select_requests, derive_selection, poll_path)
                .chain()
                .in_set(AppSet::Pick),
        );
    }
}

#[derive(Resource, Default)]
struct PathJob {
    job: Option<Job<Option<Path>>>,
    press: Option<Vec2>,
}

/// What a click changes.
#[derive(SystemParam)]
struct Picked<'w> {
    selection: ResMut<'w, Selection>,
    dirty: ResMut<'w, Dirty>,
    state: ResMut<'w, PathJob>,
}

fn hover_and_click(
    pointer: Pointer,
    cameras: Query<&GlobalTransform, With<MainCamera>>,
    options: Res<Options>,
    mode: Res<PointerMode>,
    positions: Res<Positions>,
    picked: Picked,
) {
    // Scripted runs render what was asked for, not whatever lies under the (virtual) pointer.
    if options.is_batch() {
        return;
    }
    let Picked {
        mut selection,
        mut dirty,
        mut state,
    } = picked;
    let (buttons, keys, focus) = (&pointer.buttons, &pointer.keys, &pointer.focus);
    let Ok(transform) = cameras.single() else {
        return;
    };
    let [_, y0, _, y1] = focus.viewport;
    let inside = pointer.over_view();
    let hit = inside.and_then(|c| {
        let r = transform.rotation();
        let axes = [Vec3::X, Vec3::Y, Vec3::Z].map(|a| (r * a).to_array());
        let (o, d) = geometry::view_ray(
            c.to_array(),
            focus.viewport,
            transform.translation().to_array(),
            axes,
            FOV_Y,
        );
        let min_angle = FOV_Y / (y1 - y0).max(1.0) * 5.0;
        if positions.radii.len() != positions.current.len() {
            return None;
        }
        geometry::pick(o, d, &positions.current, &positions.radii, min_angle).map(|(i, _)| i)
    });
    if selection.hovered != hit {
        selection.hovered = hit;
        dirty.neurons = true;
    }
    if buttons.just_pressed(MouseButton::Left) {
        state.press = inside;
    }
    // In stimulate mode a click injects current (see `live`) instead of selecting.
    if buttons.just_released(MouseButton::Left)
        && *mode == PointerMode::Select
        && let (Some(p), Some(c)) = (state.press.take(), inside)
        && p.distance(c) < 5.0
    {
        let add = pointer.shift();
        match hit {
            Some(i) => selection.click(i, add),
            None if !add => selection.selected.clear(),
            None => {}
        }
        dirty.selection = true;
    }
    if focus.keyboard_busy {
        return;
    }
    if keys.just_pressed(KeyCode::Escape) && !selection.selected.is_empty() {
        selection.selected.clear();
        dirty.selection = true;
    }
}

fn select_requests(mut requests: MessageReader<Request>, mut selection: ResMut<Selection>, mut dirty: ResMut<Dirty>) {
    for r in requests.read() {
        if let Request::Select(v) = r {
            selection.selected = v.clone();
            dirty.selection = true;
        }
    }
}

/// Neighbourhood (hop distances) and the path between the first two selected neurons.
fn derive_selection(
    graph: Res<Graph>,
    settings: Res<ViewSettings>,
    mut selection: ResMut<Selection>,
    mut dirty: ResMut<Dirty>,
    mut state: ResMut<PathJob>,
) {
    if !dirty.selection {
        return;
    }
    dirty.selection = false;
    dirty.neurons = true;
    dirty.edges = true;
    let Some(g) = graph.data.clone() else { return };
    let sel = selection.selected.clone();
    selection.hops = if sel.is_empty() {
        Vec::new()
    } else {
        query::hop_distances(&g, &sel, settings.hops.max(1))
    };
    selection.path = None;
    selection.path_note = None;
    state.job = None;
    if let [a, b, ..] = sel[..] {
        selection.path_note = Some("searching…".into());
        state.job = Some(Job::spawn(
            "shortest path",
            move |w| {
                w.send(query::shortest_path(&g, a, b));
            },
            |_| None,
        ));
    }
}

fn poll_path(mut state: ResMut<PathJob>, mut selection: ResMut<Selection>, mut dirty: ResMut<Dirty>) {
    let Some(job) = &state.job else { return };
    match job.poll() {
        Poll::Ready(path) => {
            selection.path_note = if path.is_none() { Some("no path".into()) } else { None };
            selection.path = path;
            state.job = None;
            dirty.neurons = true;
            dirty.edges = true;
        }
        Poll::Finished => state.job = None,
        Poll::Pending => {}
    }
}
