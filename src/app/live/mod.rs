//! Live activity: one [`LiveSim`] per open graph (the engine runs on its own thread), its
//! snapshot turned into neuron colours every frame, stimulation by clicking, and the keys
//! for run/pause and undo/redo. The panel is in [`crate::app::live::panel`].

pub(crate) mod activity;
pub(crate) mod panel;
pub(crate) mod plots;

use std::sync::Arc;
use std::time::Instant;

use crate::app::context::AppSet;
use bevy::prelude::*;
use bevy::window::RequestRedraw;

use crate::app::context::colors::ColorBy;
use crate::app::context::state::{
    Dirty, Graph, NeuronColorHook, Options, PointerMode, Selection, UiFocus, ViewSettings,
};
use crate::app::live::activity::{ActivityView, activity_colors};
use crate::sim::live::Snapshot;
use crate::sim::protocol::{Action, Item, resolve_target};
use crate::sim::{LiveSim, Protocol};

pub struct LivePlugin;

impl Plugin for LivePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Live>()
            .init_resource::<panel::LiveFiles>()
            .add_systems(
                Update,
                (follow_graph, stimulate_by_clicking, keys, show_activity)
                    .chain()
                    .in_set(AppSet::Simulate),
            );
    }
}

/// How much current a click injects.
#[derive(Debug, Clone, Copy)]
pub struct Stimulus {
    /// Model input units (pA for LIF).
    pub amplitude: f64,
    pub pulse_ms: f64,
    pub poisson_rate_hz: f64,
    pub poisson_weight: f64,
}

/// A press in stimulate mode: a click becomes a pulse, holding it a current while held.
struct Hold {
    neuron: usize,
    since: Instant,
    /// The current item added once the press counted as a hold.
    current: Option<Item>,
}

/// Presses longer than this are holds.
const HOLD_SECS: f32 = 0.3;
/// Neurons traced in the plots at most (the first selected).
pub const MAX_TRACED: usize = 8;

#[derive(Resource)]
pub struct Live {
    pub sim: Option<LiveSim>,
    generation: u64,
    pub snapshot: Arc<Snapshot>,
    /// Colour the neurons by activity.
    pub colour: bool,
    pub view: ActivityView,
    pub decay_ms: f32,
    pub stimulus: Stimulus,
    hold: Option<Hold>,
    /// Frames per second of the scene (smoothed).
    pub scene_fps: f32,
    last_frame: Option<Instant>,
    /// The snapshot the colours were made from, and the view settings then.
    coloured: Option<(Arc<Snapshot>, ActivityView, u32, bool)>,
    /// A scripted run (`--run-for`) was started.
    scripted: bool,
    /// The model of the last snapshot: a new model picks its natural view.
    model: &'static str,
    /// Messages for the panel (saved, loaded, refused).
    pub note: Option<String>,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            sim: None,
            generation: 0,
            snapshot: Arc::new(Snapshot::default()),
            colour: false,
            view: ActivityView::Spikes,
            decay_ms: 25.0,
            stimulus: Stimulus {
                amplitude: 600.0,
                pulse_ms: 20.0,
                poisson_rate_hz: 200.0,
                poisson_weight: 600.0,
            },
            hold: None,
            scene_fps: 0.0,
            last_frame: None,
            coloured: None,
            scripted: false,
            model: "",
            note: None,
        }
    }
}

impl Live {
    /// Edits the protocol (undoable); false if nothing changed or no simulation is open.
    pub fn edit(&self, change: impl FnOnce(&mut Protocol)) -> bool {
        self.sim
            .as_ref()
            .is_some_and(|s| s.control(|c| c.timeline.edit(change)))
    }

    pub fn document(&self) -> Protocol {
        self.sim
            .as_ref()
            .map_or_else(Protocol::default, |s| s.control(|c| c.timeline.document().clone()))
    }

    /// Adds an item for `target` starting now, after checking the target names neurons.
    pub fn add(&mut self, g: &crate::model::Connectome, action: Action, target: String, duration_ms: Option<f64>) {
        if let Err(e) = resolve_target(g, &target) {
            self.note = Some(e.to_string());
            return;
        }
        let start_ms = self.snapshot.time_ms;
        let item = Item {
            action,
            target,
            start_ms,
            stop_ms: duration_ms.map(|d| start_ms + d),
        };
        self.edit(|p| p.items.push(item));
    }

    /// Ends now the items that act on any of `neurons` (restores silenced or ablated ones,
    /// stops currents).
    pub fn end_items_on(&self, g: &crate::model::Connectome, neurons: &[usize], only: impl Fn(&Action) -> bool) {
        let now = self.snapshot.time_ms;
        self.edit(|p| {
            for item in &mut p.items {
                let hits =
                    resolve_target(g, &item.target).is_ok_and(|t| t.iter().any(|&i| neurons.contains(&(i as usize))));
                if hits && only(&item.action) && item.is_active(now) {
                    item.stop_ms = Some(now.max(item.start_ms));
                }
            }
        });
    }

    /// A scripted run is over (or there is none).
    pub fn scripted_run_done(&self, options: &Options) -> bool {
        match options.run_for_ms {
            None => true,
            Some(t) => {
                let s = &self.snapshot;
                self.scripted && !s.building && !s.model.is_empty() && !s.running && s.time_ms >= t - 1e-9
            }
        }
    }
}

/// A new graph gets a new simulation, with the model settings of the last one (its stimuli
/// name neurons of the old graph, so they are not kept). `--protocol` and `--run-for` apply
/// to the first graph.
fn follow_graph(graph: Res<Graph>, options: Res<Options>, mut live: ResMut<Live>, mut settings: ResMut<ViewSettings>) {
    let Some(g) = &graph.data else { return };
    if live.generation == graph.generation && live.sim.is_some() {
        return;
    }
    live.generation = graph.generation;
    let first = live.sim.is_none();
    let document = if first {
        options.protocol.clone().unwrap_or_default()
    } else {
        Protocol {
            simulation: live.document().simulation,
            items: Vec::new(),
        }
    };
    live.sim = None;
    let sim = LiveSim::start(g.c.clone(), document);
    if first && let Some(t) = options.run_for_ms {
        sim.control(|c| {
            c.speed = None;
            c.run_until_ms = Some(t);
            c.running = true;
        });
        live.scripted = true;
        live.colour = true;
        settings.color_by = ColorBy::Custom;
    }
    live.sim = Some(sim);
    live.snapshot = Arc::new(Snapshot::default());
    live.coloured = None;
}

/// In stimulate mode a click on a neuron injects a pulse; holding the button injects a
/// current until it is released.
fn stimulate_by_clicking(
    mode: Res<PointerMode>,
    buttons: Res<ButtonInput<MouseButton>>,
    selection: Res<Selection>,
    focus: Res<UiFocus>,
    graph: Res<Graph>,
    mut live: ResMut<Live>,
) {
    let Some(g) = graph.data.clone() else { return };
    if *mode != PointerMode::Stimulate {
        live.hold = None;
        return;
    }
    if buttons.just_pressed(MouseButton::Left)
        && !focus.pointer_over_ui
        && let Some(neuron) = selection.hovered
    {
        live.hold = Some(Hold {
            neuron,
            since: Instant::now(),
            current: None,
        });
    }
    let amplitude = live.stimulus.amplitude;
    let Some(hold) = &live.hold else { return };
    let name = g.c.neurons.name(hold.neuron).to_string();
    let held = hold.since.elapsed().as_secs_f32() >= HOLD_SECS;
    let holding_current = hold.current.is_some();
    if buttons.just_released(MouseButton::Left) {
        let hold = live.hold.take().expect("a hold");
        match hold.current {
            // Stop the current now.
            Some(item) => {
                let now = live.snapshot.time_ms;
                live.edit(|p| {
                    if let Some(it) = p
                        .items
                        .iter_mut()
                        .rev()
                        .find(|it| it.target == item.target && it.action == item.action && it.stop_ms.is_none())
                    {
                        it.stop_ms = Some(now.max(it.start_ms));
                    }
                });
            }
            None => {
                let pulse = live.stimulus.pulse_ms;
                live.add(&g.c, Action::Dc { amplitude }, name, Some(pulse));
            }
        }
    } else if held && !holding_current {
        let item = Item {
            action: Action::Dc { amplitude },
            target: name.clone(),
            start_ms: live.snapshot.time_ms,
            stop_ms: None,
        };
        live.add(&g.c, item.action.clone(), name, None);
        if let Some(h) = &mut live.hold {
            h.current = Some(item);
        }
    }
}

/// Space: run / pause. Ctrl+Z: undo, Ctrl+Shift+Z or Ctrl+Y: redo.
fn keys(keys: Res<ButtonInput<KeyCode>>, focus: Res<UiFocus>, live: Res<Live>) {
    let Some(sim) = &live.sim else { return };
    if focus.keyboard_busy {
        return;
    }
    let ctrl = keys.any_pressed([KeyCode::ControlLeft, KeyCode::ControlRight]);
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    if ctrl && keys.just_pressed(KeyCode::KeyZ) {
        sim.control(|c| if shift { c.timeline.redo() } else { c.timeline.undo() });
    } else if ctrl && keys.just_pressed(KeyCode::KeyY) {
        sim.control(|c| c.timeline.redo());
    } else if keys.just_pressed(KeyCode::Space) {
        sim.control(|c| {
            c.running = !c.running;
            c.run_until_ms = None;
        });
    }
}

/// Takes the newest snapshot, traces the selected neurons, and recolours the neurons when
/// activity colours are on. Keeps frames coming while the simulation runs.
fn show_activity(
    mut live: ResMut<Live>,
    selection: Res<Selection>,
    mut settings: ResMut<ViewSettings>,
    mut hook: ResMut<NeuronColorHook>,
    mut dirty: ResMut<Dirty>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let now = Instant::now();
    if let Some(last) = live.last_frame.replace(now) {
        let fps = 1.0 / (now - last).as_secs_f32().max(1e-4);
        live.scene_fps = if live.scene_fps == 0.0 {
            fps
        } else {
            0.9 * live.scene_fps + 0.1 * fps
        };
    }
    let Some(sim) = &live.sim else { return };
    let snapshot = sim.snapshot();
    let traced: Vec<u32> = selection.selected.iter().take(MAX_TRACED).map(|&i| i as u32).collect();
    sim.control(|c| {
        if c.traced != traced {
            c.traced = traced;
        }
    });
    if snapshot.running || snapshot.building || live.hold.is_some() {
        redraw.write(RequestRedraw);
    }
    live.snapshot = snapshot.clone();
    if !snapshot.model.is_empty() && snapshot.model != live.model {
        live.model = snapshot.model;
        live.view = if snapshot.phase.is_some() {
            ActivityView::Phase
        } else {
            ActivityView::Spikes
        };
    }
    if live.coloured.is_some() && settings.color_by != ColorBy::Custom {
        // Another colouring was picked in the panel.
        live.colour = false;
    }
    if !live.colour {
        live.coloured = None;
        return;
    }
    if snapshot.value.is_empty() {
        return;
    }
    let key = (
        live.view,
        live.decay_ms.to_bits(),
        settings.theme == crate::app::context::state::Theme::Dark,
    );
    let fresh = live
        .coloured
        .as_ref()
        .is_none_or(|(s, v, d, t)| !Arc::ptr_eq(s, &snapshot) || (*v, *d, *t) != key);
    if !fresh {
        return;
    }
    hook.0 = activity_colors(&snapshot, key.0, live.decay_ms, None, key.2);
    live.coloured = Some((snapshot, key.0, key.1, key.2));
    if settings.color_by != ColorBy::Custom {
        settings.color_by = ColorBy::Custom;
    }
    dirty.colors = true;
}
