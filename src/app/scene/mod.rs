//! The 3D scene: neurons (instanced sphere impostors), connections (retained line gizmos, level
//! of detail), the orbit camera, picking (hover, click, neighbourhood, shortest path), search,
//! and the colour legend drawn over the view. [`Scene`] bundles what panels read and change.

pub(crate) mod camera;
pub(crate) mod edges;
pub(crate) mod legend;
pub(crate) mod neurons;
pub(crate) mod picking;
pub(crate) mod search;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;

use crate::app::context::state::{
    Dirty, Graph, NeuronColorHook, NeuronColors, Positions, Selection, UiFocus, ViewSettings,
};
use edges::EdgeRender;

/// Neurons, connections and the camera (window and headless alike).
pub(crate) struct ScenePlugin;

impl Plugin for ScenePlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins((neurons::NeuronsPlugin, edges::EdgesPlugin, camera::CameraPlugin));
    }
}

/// The scene as panels see it: the graph, how it is drawn, the selection, and the flags that
/// say what to rebuild.
#[derive(SystemParam)]
pub struct Scene<'w> {
    pub graph: Res<'w, Graph>,
    pub settings: ResMut<'w, ViewSettings>,
    pub selection: ResMut<'w, Selection>,
    pub dirty: ResMut<'w, Dirty>,
    pub colors: Res<'w, NeuronColors>,
    pub hook: Res<'w, NeuronColorHook>,
    pub positions: Res<'w, Positions>,
    pub edges: Option<Res<'w, EdgeRender>>,
}

/// The pointer and keys over the 3D view (camera moves, picking).
#[derive(SystemParam)]
pub struct Pointer<'w, 's> {
    window: Query<'w, 's, &'static Window, With<PrimaryWindow>>,
    pub buttons: Res<'w, ButtonInput<MouseButton>>,
    pub keys: Res<'w, ButtonInput<KeyCode>>,
    pub focus: Res<'w, UiFocus>,
}

impl Pointer<'_, '_> {
    pub fn cursor(&self) -> Option<Vec2> {
        self.window.single().ok().and_then(|w| w.cursor_position())
    }

    /// The cursor, when it is over the 3D view and not over a panel or window.
    pub fn over_view(&self) -> Option<Vec2> {
        let [x0, y0, x1, y1] = self.focus.viewport;
        self.cursor()
            .filter(|c| c.x >= x0 && c.x <= x1 && c.y >= y0 && c.y <= y1 && !self.focus.pointer_over_ui)
    }

    pub fn shift(&self) -> bool {
        self.keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight])
    }
}

/// How the neurons look: what the connection lines and neuron buffer are drawn from.
#[derive(SystemParam)]
pub struct Look<'w> {
    pub graph: Res<'w, Graph>,
    pub settings: Res<'w, ViewSettings>,
    pub colors: Res<'w, NeuronColors>,
    pub hook: Res<'w, NeuronColorHook>,
    pub selection: Res<'w, Selection>,
}
