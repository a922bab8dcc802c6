//! The app's shared state: the open graph, what is selected, how things are drawn, and the
//! flags that tell the scene what to rebuild. Plugins read and write these resources.

use std::sync::Arc;

use bevy::prelude::*;

use crate::analysis::layout::LayoutKind;
use crate::app::context::colors::{ColorBy, CustomColors, Legend, Rgba};
use crate::app::context::geometry::P3;
use crate::app::context::graph::GraphData;
use crate::app::context::lod::EdgeFilter;
use crate::app::context::query::Path;

/// What the command line asked for.
#[derive(Resource, Debug, Clone, Default)]
pub struct Options {
    pub input: Option<String>,
    pub screenshot: Option<std::path::PathBuf>,
    pub bench_frames: Option<u32>,
    pub layout: Option<LayoutKind>,
    pub size: (u32, u32),
    /// A protocol to load into the simulation.
    pub protocol: Option<crate::sim::Protocol>,
    /// Run the simulation this long (biological ms) once the graph is open.
    pub run_for_ms: Option<f64>,
    /// After the run, compute and show its dynamic functional connectome.
    pub dynamic_connectome: bool,
    /// Recorded activity files to open with the graph (one per animal).
    pub recordings: Vec<std::path::PathBuf>,
    pub theme: Theme,
}

impl Options {
    /// A scripted run (`--screenshot`, `--bench-frames`): render what was asked, ignore the
    /// pointer, exit when done.
    pub fn is_batch(&self) -> bool {
        self.screenshot.is_some() || self.bench_frames.is_some()
    }
}

/// What a click in the 3D view does.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PointerMode {
    #[default]
    Select,
    /// Click: a current pulse into the neuron; hold: a current while held.
    Stimulate,
}

/// The open graph. `generation` changes whenever another graph is opened.
#[derive(Resource, Default)]
pub struct Graph {
    pub data: Option<Arc<GraphData>>,
    pub generation: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Dark,
    Light,
}

impl Theme {
    /// Background, sRGB.
    pub fn background(self) -> Rgba {
        match self {
            Theme::Dark => [0.043, 0.051, 0.071, 1.0],
            Theme::Light => [0.965, 0.965, 0.955, 1.0],
        }
    }

    /// Gap-junction colour, sRGB.
    pub fn gap_junction(self) -> Rgba {
        match self {
            Theme::Dark => [0.98, 0.84, 0.35, 1.0],
            Theme::Light => [0.72, 0.52, 0.0, 1.0],
        }
    }

    /// Colour of highlighted paths, sRGB.
    pub fn path(self) -> Rgba {
        match self {
            Theme::Dark => [1.0, 0.93, 0.7, 1.0],
            Theme::Light => [0.1, 0.1, 0.1, 1.0],
        }
    }
}

/// Which neurons get a text label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LabelMode {
    None,
    /// Hovered, selected, path and (for small selections) neighbours.
    #[default]
    Selection,
    /// As many as fit without overlapping, highest degree first.
    All,
}

/// How the graph is drawn.
#[derive(Resource, Debug, Clone)]
pub struct ViewSettings {
    pub color_by: ColorBy,
    pub size_by_degree: bool,
    pub node_scale: f32,
    pub theme: Theme,
    pub edges: EdgeFilter,
    pub edge_opacity: f32,
    pub labels: LabelMode,
    /// Neighbourhood shown around the selection (0 = none: nothing dimmed).
    pub hops: u8,
    /// Multiplies line widths (high-resolution captures).
    pub line_width_scale: f32,
}

impl Default for ViewSettings {
    fn default() -> Self {
        ViewSettings {
            color_by: ColorBy::CellType,
            size_by_degree: true,
            node_scale: 1.0,
            theme: Theme::Dark,
            edges: EdgeFilter::for_graph(0),
            edge_opacity: 0.4,
            labels: LabelMode::Selection,
            hops: 1,
            line_width_scale: 1.0,
        }
    }
}

/// The hook for community and activity colours: fill `0.colors` (one per neuron) and pick
/// [`ColorBy::Custom`].
#[derive(Resource, Debug, Clone, Default)]
pub struct NeuronColorHook(pub CustomColors);

/// Current neuron colours (sRGB) and legend, derived from [`ViewSettings::color_by`].
#[derive(Resource, Debug, Clone, Default)]
pub struct NeuronColors {
    pub colors: Vec<Rgba>,
    pub legend: Legend,
}

/// Selection, hover, neighbourhood and path.
#[derive(Resource, Debug, Clone, Default)]
pub struct Selection {
    pub selected: Vec<usize>,
    pub hovered: Option<usize>,
    /// Hop distance from the selection (u8::MAX beyond [`ViewSettings::hops`]); empty when
    /// nothing is selected.
    pub hops: Vec<u8>,
    /// Shortest path between the first two selected neurons.
    pub path: Option<Path>,
    /// The path search is running / found nothing.
    pub path_note: Option<String>,
}

impl Selection {
    pub fn is_selected(&self, i: usize) -> bool {
        self.selected.contains(&i)
    }

    /// Selects `i` alone, or adds / removes it with `add`.
    pub fn click(&mut self, i: usize, add: bool) {
        if add {
            if let Some(k) = self.selected.iter().position(|&s| s == i) {
                self.selected.remove(k);
            } else {
                self.selected.push(i);
            }
        } else {
            self.selected.clear();
            self.selected.push(i);
        }
    }
}

/// Neuron positions in the scene (world units) as drawn this frame, and the transition
/// between layouts.
#[derive(Resource, Debug, Clone, Default)]
pub struct Positions {
    pub current: Vec<P3>,
    pub from: Vec<P3>,
    pub to: Vec<P3>,
    /// The target layout in normalised coordinates (for saving and as a force-layout start).
    pub layout: Vec<P3>,
    pub layout_kind: Option<LayoutKind>,
    /// Transition progress 0..1 and length in seconds.
    pub t: f32,
    pub duration: f32,
    pub base_radius: f32,
    /// Per-neuron sphere radius (world units).
    pub radii: Vec<f32>,
}

impl Positions {
    pub fn animating(&self) -> bool {
        self.t < 1.0
    }
}

/// What the scene must rebuild this frame.
#[derive(Resource, Debug, Clone, Default)]
pub struct Dirty {
    pub colors: bool,
    pub neurons: bool,
    pub edges: bool,
    pub selection: bool,
    /// Re-frame the camera on the target positions.
    pub fit_camera: bool,
}

impl Dirty {
    pub fn all(&mut self) {
        *self = Dirty {
            colors: true,
            neurons: true,
            edges: true,
            selection: true,
            fit_camera: true,
        };
    }
}

/// Messages for the status line.
#[derive(Resource, Debug, Clone, Default)]
pub struct Status {
    /// A failed load, save or capture: shown in red until dismissed.
    pub error: Option<String>,
    /// The last thing that happened (opened, saved, captured ...).
    pub info: Option<String>,
    /// The path of the last screenshot.
    pub last_capture: Option<String>,
}

/// Where the 3D view is on screen and whether egui wants the input, updated by the panel
/// each frame.
#[derive(Resource, Debug, Clone, Default)]
pub struct UiFocus {
    pub pointer_over_ui: bool,
    pub keyboard_busy: bool,
    /// The 3D viewport in logical window pixels (min x, min y, max x, max y).
    pub viewport: [f32; 4],
}

/// Requests other plugins act on.
#[derive(Message, Debug, Clone)]
pub enum Request {
    /// Open a file, folder, bundled dataset or `synthetic:N:E`.
    Open(String),
    /// Show the file dialog (never in tests).
    OpenDialog,
    /// Save the graph with the current layout positions.
    SaveAs(std::path::PathBuf),
    Layout(LayoutKind),
    StopLayout,
    FocusSelection,
    ResetView,
    Select(Vec<usize>),
    /// Find Leiden communities and colour the neurons by them.
    ColourByCommunities,
    /// Put the neurons at these positions of a layout (normalised coordinates), as saved.
    PlaceLayout(LayoutKind, Vec<P3>),
    /// Save the session (what is open and how it is shown) to a `.cscope.json` file.
    SaveSession(std::path::PathBuf),
    /// Ask where to save the session / which one to open (never in tests).
    SaveSessionDialog,
    OpenSessionDialog,
    /// Open recorded activity files (one animal each) beside the graph.
    OpenRecordings(Vec<std::path::PathBuf>),
    /// Ask which recordings to open (never in tests).
    OpenRecordingDialog,
    /// Close every open recording.
    CloseRecordings,
    /// The dynamic functional connectome of the open recordings, in the Communities window.
    RecordedCommunities,
}

/// The last structural communities found (for ordering the raster), with the graph they are of.
#[derive(Resource, Default)]
pub struct Membership {
    pub generation: u64,
    pub membership: Vec<u32>,
}
