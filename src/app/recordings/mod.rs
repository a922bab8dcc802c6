//! Recorded activity in the app: recordings (one per animal) beside the graph, their labels
//! matched to its neurons, and one playback time (play, pause, speed, loop) that colours the
//! neurons. Opening them is [`loading`], the model-vs-recording comparison [`fit`], the panel
//! [`panel`]; the pure parts are [`colors`], [`heatmap`] and the behaviour [`strip`].

pub(crate) mod colors;
pub(crate) mod fit;
pub(crate) mod heatmap;
pub(crate) mod loading;
pub(crate) mod panel;
pub(crate) mod strip;

use std::path::PathBuf;
use std::sync::Arc;

use bevy::prelude::*;
use bevy::window::RequestRedraw;

use crate::app::context::AppSet;
use crate::app::context::colors::ColorBy;
use crate::app::context::graph::GraphData;
use crate::app::context::jobs::Job;
use crate::app::context::state::{Dirty, Graph, NeuronColorHook, Options, ViewSettings};
use crate::app::live::Live;
use crate::model::Recording;
use crate::model::recording::names::{NameReport, match_names};
pub use fit::{Fit, FitMessage};
use heatmap::RowOrder;
pub use loading::{LoadMessage, Loaded};

pub struct RecordingsPlugin;

impl Plugin for RecordingsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Recordings>()
            .init_resource::<panel::HeatmapTexture>()
            .add_systems(Startup, loading::open_from_command_line)
            .add_systems(
                Update,
                (
                    loading::handle_requests,
                    loading::poll,
                    fit::poll,
                    loading::follow_graph,
                    play,
                    show,
                )
                    .chain()
                    .in_set(AppSet::Replay),
            );
    }
}

/// One animal's recording, matched to the open graph.
pub struct Animal {
    pub recording: Arc<Recording>,
    /// The animal id, else the file name.
    pub name: String,
    pub report: NameReport,
    /// Per graph neuron, the ROI that shows it: a single-neuron match first, else a
    /// class-level ROI that may be it.
    pub roi_of: Vec<Option<u32>>,
    /// Per ROI, the graph neuron it is matched to alone.
    pub neuron_of: Vec<Option<u32>>,
    /// The colour map's range (2nd–98th percentile of every value).
    pub range: (f32, f32),
}

impl Animal {
    /// Matches a recording to the graph's neurons (hash lookups: fast enough for the main thread).
    pub fn new(loaded: &Loaded, g: &GraphData) -> Animal {
        let recording = loaded.recording.clone();
        let report = match_names(&recording, &g.c);
        let mut roi_of = vec![None; g.len()];
        let mut neuron_of = vec![None; recording.rois.len()];
        // Single-neuron matches win over class-level ones.
        for single in [true, false] {
            for (roi, m) in report.matches.iter().enumerate() {
                let Some(m) = m else { continue };
                if (m.neurons.len() == 1) != single {
                    continue;
                }
                if single {
                    neuron_of[roi] = Some(m.neurons[0]);
                }
                for &i in &m.neurons {
                    roi_of[i as usize].get_or_insert(roi as u32);
                }
            }
        }
        let path = std::path::Path::new(&recording.source.path);
        let name = recording.animal.clone().unwrap_or_else(|| {
            path.file_name()
                .map_or_else(|| recording.source.path.clone(), |f| f.to_string_lossy().into_owned())
        });
        Animal {
            recording,
            name,
            report,
            roi_of,
            neuron_of,
            range: loaded.range,
        }
    }

    /// What the values are (`z-score`, `ΔF/F`, `fluorescence`), from the series' description.
    pub fn quantity(&self) -> &'static str {
        let s = self.recording.source.series.to_ascii_lowercase();
        if s.contains("z-scor") || s.contains("trace_array") {
            "z-score"
        } else if s.contains("dfof") || s.contains("df/f") || s.contains("dff") {
            "ΔF/F"
        } else {
            "activity"
        }
    }

    /// Every graph neuron's value at `t` (`None`: not recorded).
    pub fn values_at(&self, t: f64) -> Vec<Option<f32>> {
        let mut rois = vec![0.0; self.recording.rois.len()];
        self.recording.values_at(t, &mut rois);
        self.roi_of.iter().map(|r| r.map(|r| rois[r as usize])).collect()
    }

    /// The behaviour track drawn under the scrubber: velocity if there is one.
    pub fn main_behaviour(&self) -> Option<&crate::model::recording::BehaviourTrack> {
        self.recording
            .behaviour("velocity")
            .or_else(|| self.recording.behaviour.first())
    }
}

/// What the neurons show from the recordings, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Showing {
    #[default]
    Nothing,
    /// The current animal's activity at the playback time.
    Activity,
    /// The model-vs-recording correlation per neuron.
    Fit,
}

/// The open recordings, the playback and the jobs behind them.
#[derive(Resource)]
pub struct Recordings {
    pub animals: Vec<Animal>,
    /// The animal shown.
    pub current: usize,
    /// Playback time, on the recordings' time axis (s).
    pub time_s: f64,
    pub playing: bool,
    /// Recording seconds per wall-clock second.
    pub speed: f64,
    pub looping: bool,
    pub showing: Showing,
    pub rows: RowOrder,
    /// The behaviour track under the scrubber, by name (empty: velocity or the first).
    pub track: String,
    pub load: Option<Job<LoadMessage>>,
    /// Files read of all, while loading.
    pub progress: (usize, usize, String),
    pub fit: Option<Arc<Fit>>,
    pub fit_job: Option<Job<FitMessage>>,
    pub fit_progress: f64,
    /// Open the panel.
    pub open: bool,
    /// A time to go to once the recordings are open (a session being restored, which also
    /// sets [`Recordings::showing`]).
    pub pending_time: Option<f64>,
    /// Why the last files asked for could not be opened.
    pub failed: Option<String>,
    /// Files read, waiting for the graph to match them to.
    arrived: Option<Vec<Result<Loaded, String>>>,
    dialog: Option<Job<Option<Vec<PathBuf>>>>,
    generation: u64,
    /// What the colours were made from (showing, animal, time, generation) and the legend
    /// title written, to notice when another colouring takes over.
    coloured: Option<((Showing, usize, u64, u64), String)>,
}

impl Default for Recordings {
    fn default() -> Self {
        Recordings {
            animals: Vec::new(),
            current: 0,
            time_s: 0.0,
            playing: false,
            speed: 10.0,
            looping: true,
            showing: Showing::Nothing,
            rows: RowOrder::CellType,
            track: String::new(),
            load: None,
            progress: (0, 0, String::new()),
            fit: None,
            fit_job: None,
            fit_progress: 0.0,
            open: true,
            pending_time: None,
            failed: None,
            arrived: None,
            dialog: None,
            generation: 0,
            coloured: None,
        }
    }
}

impl Recordings {
    pub fn animal(&self) -> Option<&Animal> {
        self.animals.get(self.current)
    }

    /// The current animal's first and last frame times.
    pub fn span(&self) -> (f64, f64) {
        self.animal().map_or((0.0, 0.0), |a| {
            let t = &a.recording.time;
            (t.start_s(), t.start_s() + t.duration_s())
        })
    }

    /// Moves the playback to `t`, within the recording.
    pub fn seek(&mut self, t: f64) {
        let (a, b) = self.span();
        self.time_s = if t.is_finite() { t.clamp(a, b) } else { a };
    }

    /// Picks another animal, keeping the playback time where it fits.
    pub fn pick(&mut self, k: usize) {
        if k < self.animals.len() {
            self.current = k;
            self.seek(self.time_s);
            self.fit = None;
        }
    }

    /// Files are being read or wait for the graph to be matched to.
    pub fn loading(&self) -> bool {
        self.load.is_some() || self.arrived.is_some()
    }

    /// Reading files, or comparing with the model (the window keeps drawing for the progress).
    pub fn busy(&self) -> bool {
        self.load.is_some() || self.fit_job.is_some() || self.dialog.is_some()
    }

    /// Colours the neurons by `what` (again, even if shown before).
    pub fn show(&mut self, what: Showing) {
        self.showing = what;
        // Showing nothing keeps what was coloured, so that its colours are taken off.
        if what != Showing::Nothing {
            self.coloured = None;
        }
    }
}

/// Advances the playback by the wall-clock time since the last frame, times the speed.
fn play(
    mut rec: ResMut<Recordings>,
    time: Res<Time<bevy::time::Real>>,
    options: Res<Options>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    if !rec.playing || rec.animals.is_empty() {
        return;
    }
    // Batch runs (screenshots, renders) set the time themselves.
    if options.is_batch() {
        return;
    }
    let (start, end) = rec.span();
    let t = rec.time_s + time.delta_secs_f64().min(0.25) * rec.speed;
    if t >= end {
        if rec.looping {
            rec.time_s = start;
        } else {
            rec.time_s = end;
            rec.playing = false;
        }
    } else {
        rec.time_s = t;
    }
    redraw.write(RequestRedraw);
}

/// Colours the neurons by the current animal's activity at the playback time (or by the
/// model fit) when that is what they show; gives way when another colouring is picked.
fn show(
    mut rec: ResMut<Recordings>,
    mut hook: ResMut<NeuronColorHook>,
    mut settings: ResMut<ViewSettings>,
    mut dirty: ResMut<Dirty>,
    mut live: ResMut<Live>,
    graph: Res<Graph>,
) {
    if rec.showing == Showing::Nothing {
        // Our colours are still on the neurons (turned off, or the recordings closed): back
        // to the default colouring. Another colouring that took over is left alone.
        if let Some((_, title)) = rec.coloured.take()
            && settings.color_by == ColorBy::Custom
            && hook.0.legend.title == title
        {
            settings.color_by = ColorBy::CellType;
            dirty.colors = true;
            dirty.neurons = true;
        }
        return;
    }
    // Someone else coloured the neurons since we did (a colouring picked in the panel,
    // activity or communities): stop.
    if let Some((_, title)) = &rec.coloured
        && (settings.color_by != ColorBy::Custom || hook.0.legend.title != *title)
    {
        rec.showing = Showing::Nothing;
        rec.coloured = None;
        return;
    }
    let Some(g) = &graph.data else { return };
    let Some(a) = rec.animal() else { return };
    let key = (rec.showing, rec.current, rec.time_s.to_bits(), graph.generation);
    if rec.coloured.as_ref().is_some_and(|(k, _)| *k == key) {
        return;
    }
    // Sizes (unrecorded neurons small) change with the animal, not with time.
    let resize = rec
        .coloured
        .as_ref()
        .is_none_or(|((s, a, _, g), _)| (*s, *a, *g) != (key.0, key.1, key.3));
    let colours = match (rec.showing, &rec.fit) {
        (Showing::Fit, Some(fit)) => {
            let mut r = vec![None; g.len()];
            for f in &fit.fits {
                r[f.neuron as usize] = f.r;
            }
            colors::fit_colors(&r)
        }
        (Showing::Fit, None) => return,
        _ => colors::replay_colors(&a.values_at(rec.time_s), a.range, a.quantity(), rec.time_s),
    };
    rec.coloured = Some((key, colours.legend.title.clone()));
    hook.0 = colours;
    live.colour = false;
    settings.color_by = ColorBy::Custom;
    dirty.colors = true;
    dirty.neurons |= resize;
}
