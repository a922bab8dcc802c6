//! Recorded activity in the app: recordings (one per animal) opened beside the graph from
//! File > Open recording…, a drop on the window or `--recording`, read on a background thread;
//! their labels matched to the graph's neurons; one playback time (play, pause, speed, loop)
//! that colours the neurons; and the model-vs-recording comparison. The panel is
//! [`panel`]; the pure parts are [`colors`] and [`heatmap`].

pub(crate) mod colors;
pub(crate) mod heatmap;
pub(crate) mod panel;
pub(crate) mod strip;

use std::path::PathBuf;
use std::sync::Arc;

use bevy::prelude::*;
use bevy::window::RequestRedraw;

use crate::analysis::functional::compare::{CompareOptions, NeuronFit, simulated_vs_recorded};
use crate::app::context::AppSet;
use crate::app::context::colors::ColorBy;
use crate::app::context::graph::GraphData;
use crate::app::context::jobs::{Job, Poll};
use crate::app::context::state::{Dirty, Graph, NeuronColorHook, Options, Request, Status, ViewSettings};
use crate::app::live::Live;
use crate::app::live::activity::robust_range;
use crate::model::Recording;
use crate::model::recording::names::{NameReport, match_names};
use heatmap::RowOrder;

pub struct RecordingsPlugin;

impl Plugin for RecordingsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Recordings>()
            .init_resource::<panel::HeatmapTexture>()
            .add_systems(Startup, open_from_command_line)
            .add_systems(
                Update,
                (handle_requests, poll_jobs, follow_graph, play, show)
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

/// A recording read, with its colour-map range (computed on the loading thread: it sorts
/// every value).
pub struct Loaded {
    pub recording: Arc<Recording>,
    pub range: (f32, f32),
}

impl Loaded {
    pub fn new(recording: Recording) -> Loaded {
        let range = robust_range((0..recording.rois.len()).flat_map(|r| recording.trace(r).iter().copied()));
        Loaded {
            recording: Arc::new(recording),
            range,
        }
    }
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

/// The model judged against the current animal.
pub struct Fit {
    pub animal: String,
    pub fits: Vec<NeuronFit>,
    pub seconds: f64,
}

pub enum LoadMessage {
    /// Files read so far, of all, and the one being read.
    Progress(usize, usize, String),
    Done(Vec<Result<Loaded, String>>),
}

pub enum FitMessage {
    Progress(f64),
    Done(Result<Fit, String>),
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

    /// Starts reading `paths` on a background thread; they join the open recordings.
    pub fn open(&mut self, paths: Vec<PathBuf>) {
        if paths.is_empty() {
            return;
        }
        let n = paths.len();
        self.progress = (0, n, String::new());
        self.failed = None;
        self.load = Some(Job::spawn(
            "recordings",
            move |w| {
                let mut out = Vec::with_capacity(n);
                for (k, path) in paths.iter().enumerate() {
                    if w.cancelled() {
                        return;
                    }
                    w.send(LoadMessage::Progress(k, n, path.display().to_string()));
                    out.push(
                        crate::io::read_recording(path)
                            .map(Loaded::new)
                            .map_err(|e| e.to_string()),
                    );
                }
                w.send(LoadMessage::Done(out));
            },
            |e| LoadMessage::Done(vec![Err(e)]),
        ));
    }

    /// Starts the model-vs-recording comparison of the current animal with the live
    /// simulation's protocol (run again from 0 on its own thread).
    pub fn start_fit(&mut self, g: &Arc<GraphData>, live: &Live) {
        let Some(a) = self.animal() else { return };
        let recording = a.recording.clone();
        let report = a.report.clone();
        let animal = a.name.clone();
        let protocol = live.document();
        let c = g.c.clone();
        self.fit_progress = 0.0;
        self.fit_job = Some(Job::spawn(
            "model vs recording",
            move |w| {
                let started = std::time::Instant::now();
                let progress = |f: f64| {
                    w.send(FitMessage::Progress(f));
                };
                let r = simulated_vs_recorded(
                    &c,
                    &protocol,
                    &recording,
                    &report,
                    &CompareOptions::default(),
                    Some(w.cancel_flag()),
                    &progress,
                )
                .map(|fits| Fit {
                    animal,
                    fits,
                    seconds: started.elapsed().as_secs_f64(),
                })
                .map_err(String::from);
                w.send(FitMessage::Done(r));
            },
            |e| FitMessage::Done(Err(e)),
        ));
    }

    /// Colours the neurons by `what` (again, even if shown before).
    pub fn show(&mut self, what: Showing) {
        self.showing = what;
        self.coloured = None;
    }
}

fn open_from_command_line(options: Res<Options>, mut requests: MessageWriter<Request>) {
    if !options.recordings.is_empty() {
        requests.write(Request::OpenRecordings(options.recordings.clone()));
    }
}

fn handle_requests(mut requests: MessageReader<Request>, mut rec: ResMut<Recordings>) {
    for r in requests.read() {
        match r {
            Request::OpenRecordings(paths) => rec.open(paths.clone()),
            Request::OpenRecordingDialog if rec.dialog.is_none() => {
                rec.dialog = Some(Job::spawn(
                    "file dialog",
                    |w| {
                        let picked = rfd::FileDialog::new()
                            .set_title("Open recordings (one file per animal)")
                            .add_filter("recordings", &["nwb", "h5", "hdf5", "json", "csv", "tsv", "txt"])
                            .add_filter("all files", &["*"])
                            .pick_files();
                        w.send(picked);
                    },
                    |_| None,
                ));
            }
            Request::CloseRecordings => {
                *rec = Recordings {
                    speed: rec.speed,
                    looping: rec.looping,
                    rows: rec.rows,
                    ..Default::default()
                };
            }
            _ => {}
        }
    }
}

fn poll_jobs(
    mut rec: ResMut<Recordings>,
    graph: Res<Graph>,
    mut status: ResMut<Status>,
    mut requests: MessageWriter<Request>,
) {
    if let Some(job) = &rec.dialog {
        match job.poll() {
            Poll::Ready(Some(paths)) => {
                requests.write(Request::OpenRecordings(paths));
                rec.dialog = None;
            }
            Poll::Ready(None) | Poll::Finished => rec.dialog = None,
            Poll::Pending => {}
        }
    }
    if let Some(job) = &rec.load {
        match job.poll() {
            Poll::Ready(LoadMessage::Progress(k, n, name)) => rec.progress = (k, n, name),
            Poll::Ready(LoadMessage::Done(results)) => {
                rec.load = None;
                rec.arrived = Some(results);
            }
            Poll::Finished => rec.load = None,
            Poll::Pending => {}
        }
    }
    // Matched to the graph once it is open (at start-up both load at once).
    if let Some(g) = graph.data.clone()
        && let Some(results) = rec.arrived.take()
    {
        rec.generation = graph.generation;
        add_animals(&mut rec, results, &g, &mut status);
    }
    if let Some(job) = &rec.fit_job {
        match job.poll() {
            Poll::Ready(FitMessage::Progress(p)) => rec.fit_progress = p,
            Poll::Ready(FitMessage::Done(r)) => {
                rec.fit_job = None;
                match r {
                    Ok(fit) => {
                        let compared = fit.fits.iter().filter(|f| f.r.is_some()).count();
                        status.info = Some(format!(
                            "model vs {}: {} neurons compared, {} with activity in the model ({:.1} s)",
                            fit.animal,
                            fit.fits.len(),
                            compared,
                            fit.seconds
                        ));
                        rec.fit = Some(Arc::new(fit));
                        rec.show(Showing::Fit);
                    }
                    Err(e) if e == "cancelled" => {}
                    Err(e) => status.error = Some(format!("model vs recording: {e}")),
                }
            }
            Poll::Finished => rec.fit_job = None,
            Poll::Pending => {}
        }
    }
}

/// Adds the recordings read (errors go to the status line); the first ones opened start
/// showing at their start.
fn add_animals(rec: &mut Recordings, results: Vec<Result<Loaded, String>>, g: &GraphData, status: &mut Status) {
    let mut errors = Vec::new();
    let first_new = rec.animals.len();
    for r in results {
        match r {
            Ok(loaded) => rec.animals.push(Animal::new(&loaded, g)),
            Err(e) => errors.push(e),
        }
    }
    if rec.animals.len() > first_new {
        let added = &rec.animals[first_new..];
        status.info = Some(match added {
            [a] => format!(
                "recording {}: {} ROIs, {} matched to neurons, {:.0} s",
                a.name,
                a.recording.rois.len(),
                a.report.matched,
                a.recording.time.duration_s()
            ),
            _ => format!("{} recordings opened", added.len()),
        });
        if first_new == 0 {
            rec.pick(0);
            // A session being restored says where and whether to show; otherwise the
            // recording shows from its start.
            match rec.pending_time.take() {
                Some(t) => rec.seek(t),
                None => {
                    let start = rec.span().0;
                    rec.seek(start);
                    rec.show(Showing::Activity);
                }
            }
            rec.open = true;
        }
    }
    if !errors.is_empty() {
        let e = errors.join("\n");
        status.error = Some(e.clone());
        rec.failed = Some(e);
    }
}

/// Another graph: the recordings are matched to its neurons again.
fn follow_graph(mut rec: ResMut<Recordings>, graph: Res<Graph>) {
    if rec.generation == graph.generation || rec.animals.is_empty() {
        return;
    }
    let Some(g) = graph.data.clone() else { return };
    rec.generation = graph.generation;
    rec.animals = rec
        .animals
        .iter()
        .map(|a| {
            let loaded = Loaded {
                recording: a.recording.clone(),
                range: a.range,
            };
            Animal::new(&loaded, &g)
        })
        .collect();
    rec.fit = None;
    rec.coloured = None;
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
        rec.coloured = None;
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
