//! Communities in the app: structural ones (Leiden, Louvain) and the dynamic functional
//! connectome of the current simulation run (activity → sliding-window affinities → NTF →
//! communities per component), both computed off the main thread and shown on the 3D graph.
//! The window that drives this is [`window`] ([`structural_ui`], [`functional_ui`]).

pub(crate) mod functional_ui;
pub(crate) mod structural_ui;
pub(crate) mod window;

use std::path::Path;
use std::sync::Arc;

use crate::app::context::AppSet;
use bevy::prelude::*;

use crate::analysis::communities::{self, Method, Partition, Quality, summary};
use crate::analysis::functional::activity::{self, ActivityOptions};
use crate::analysis::functional::ntf::NtfOptions;
use crate::analysis::functional::{AffinityKind, DynamicConnectome, DynamicOptions, Traces, dynamic_connectome};
use crate::app::context::colors::{ColorBy, CustomColors, Legend, community_colors};
use crate::app::context::graph::GraphData;
use crate::app::context::jobs::{Job, Poll};
use crate::app::context::state::{Dirty, Graph, Membership, NeuronColorHook, Request, Selection, Status, ViewSettings};
use crate::app::live::Live;
use crate::app::recordings::{self, Recordings};
use crate::model::{Connectome, Recording};
use crate::sim::Protocol;

pub struct CommunitiesPlugin;

impl Plugin for CommunitiesPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Communities>()
            .init_resource::<window::ExportJob>()
            .add_systems(
                Update,
                (scripted, start, poll, follow_replay, recolour)
                    .chain()
                    .in_set(AppSet::Communities),
            );
    }
}

/// How structural communities are found.
#[derive(Debug, Clone, PartialEq)]
pub struct StructuralSettings {
    pub method: Method,
    pub quality: Quality,
    pub resolution: f64,
    pub directed: bool,
    pub seed: u64,
}

impl Default for StructuralSettings {
    fn default() -> Self {
        StructuralSettings {
            method: Method::Leiden,
            quality: Quality::Modularity,
            resolution: 1.0,
            directed: false,
            seed: 1,
        }
    }
}

impl StructuralSettings {
    pub fn label(&self) -> String {
        let name = match self.method {
            Method::Leiden => "Leiden",
            Method::Louvain => "Louvain",
            Method::Sbm => return "SBM (degree-corrected, weighted)".into(),
        };
        let quality = match (self.quality, self.directed) {
            (Quality::Modularity, false) => "modularity",
            (Quality::Modularity, true) => "directed modularity",
            (Quality::Cpm, _) => "CPM",
        };
        format!("{name}, {quality}, γ = {}", self.resolution)
    }
}

/// Structural communities with what the table and heatmap show.
pub struct Structural {
    pub label: String,
    pub partition: Partition,
    pub summary: Vec<summary::CommunitySummary>,
    /// Weight between communities, `k × k` row-major (see [`summary::between`]).
    pub between: Vec<f64>,
}

/// Finds structural communities of `c` (the panel's job).
pub fn find_structural(c: &Connectome, s: &StructuralSettings) -> Structural {
    let g = if s.directed && s.method != Method::Sbm {
        communities::projection_directed(c)
    } else {
        communities::projection(c)
    };
    let partition = communities::detect(
        &g,
        &communities::Options {
            method: s.method,
            quality: s.quality,
            resolution: s.resolution,
            seed: s.seed,
            max_iterations: None,
        },
    );
    Structural {
        label: s.label(),
        summary: summary::summarize(&g, &partition.membership),
        between: summary::between(&g, &partition.membership),
        partition,
    }
}

/// How the dynamic functional connectome is made from the current run.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionalSettings {
    /// Length of run to analyse when the live run is shorter than a second.
    pub duration_ms: f64,
    pub window_s: f64,
    pub step_s: f64,
    pub rank: usize,
    pub pearson: bool,
    pub seed: u64,
}

impl Default for FunctionalSettings {
    fn default() -> Self {
        FunctionalSettings {
            duration_ms: 4000.0,
            window_s: 0.5,
            step_s: 0.25,
            rank: 4,
            pearson: false,
            seed: 1,
        }
    }
}

/// At most this many neurons go into the functional analysis (pairs grow as n²).
pub const MAX_FUNCTIONAL_NEURONS: usize = 400;

/// The dynamic functional connectome of a run or of the open recordings, on the graph's
/// neurons.
pub struct Functional {
    pub dc: DynamicConnectome,
    /// The graph index of each analysed neuron (the order of `dc.names`).
    pub neurons: Vec<u32>,
    pub duration_ms: f64,
    pub seconds: f64,
    /// Of this many recordings (their windows are on the recordings' time axis, shared with
    /// the playback); 0 for a simulated run.
    pub recordings: usize,
}

/// Neurons to analyse: all of a small graph, else the selection (3 to the maximum), else the
/// most connected ones.
pub fn functional_neurons(g: &GraphData, selected: &[usize]) -> Vec<u32> {
    let n = g.len();
    if n <= MAX_FUNCTIONAL_NEURONS {
        return (0..n as u32).collect();
    }
    if (3..=MAX_FUNCTIONAL_NEURONS).contains(&selected.len()) {
        let mut s: Vec<u32> = selected.iter().map(|&i| i as u32).collect();
        s.sort_unstable();
        return s;
    }
    let degree = |i: usize| g.in_degree[i] + g.out_degree[i] + g.gap_degree[i];
    let mut all: Vec<u32> = (0..n as u32).collect();
    all.sort_by_key(|&i| (std::cmp::Reverse(degree(i as usize)), i));
    all.truncate(MAX_FUNCTIONAL_NEURONS);
    all.sort_unstable();
    all
}

/// Simulates `protocol` for `duration_ms`, samples the neurons' activity and builds the
/// dynamic functional connectome (the panel's one-click job).
pub fn functional_of_run(
    c: &Connectome,
    protocol: &Protocol,
    neurons: Vec<u32>,
    duration_ms: f64,
    s: &FunctionalSettings,
    cancel: Option<&std::sync::atomic::AtomicBool>,
    progress: &dyn Fn(f64),
) -> Result<Functional, String> {
    let started = std::time::Instant::now();
    let traces = activity::simulate_traces(
        c,
        protocol,
        &ActivityOptions {
            duration_ms,
            neurons: Some(neurons),
            active_only: true,
            ..Default::default()
        },
        cancel,
        progress,
    )?;
    // Silent neurons were left out: the analysed ones, by name.
    let neurons = traces
        .names
        .iter()
        .map(|name| {
            c.neurons
                .find(name)
                .map(|i| i as u32)
                .ok_or(format!("{name}: not in the graph"))
        })
        .collect::<Result<Vec<u32>, String>>()?;
    // Silent neurons were left out when the traces were made.
    let active = traces.names.len();
    if active < 3 {
        return Err(format!(
            "only {active} neurons are active in the run: add stimuli (Simulation panel) so there is activity to analyse"
        ));
    }
    let dc = functional_of_traces(std::slice::from_ref(&traces), s)?;
    Ok(Functional {
        dc,
        neurons,
        duration_ms,
        seconds: started.elapsed().as_secs_f64(),
        recordings: 0,
    })
}

/// The dynamic functional connectome of recordings (several: the tensor's recordings axis),
/// on the ROIs matched to one neuron of the graph each (the CLI's `functional` also keeps
/// unlabelled ROIs; here only neurons that can be shown are analysed).
pub fn functional_of_recordings(
    c: &Connectome,
    recordings: &[Arc<Recording>],
    s: &FunctionalSettings,
) -> Result<Functional, String> {
    let started = std::time::Instant::now();
    let mut traces =
        crate::analysis::functional::recorded::recorded_traces(recordings, c).map_err(|e| e.to_string())?;
    // The same neurons in every recording (recorded_traces made them so); keep those in the graph.
    let keep: Vec<bool> = traces[0].names.iter().map(|n| c.neurons.find(n).is_some()).collect();
    for t in &mut traces {
        let mut k = keep.iter();
        t.values.retain(|_| *k.next().unwrap_or(&false));
        let mut k = keep.iter();
        t.names.retain(|_| *k.next().unwrap_or(&false));
    }
    let neurons: Vec<u32> = traces[0]
        .names
        .iter()
        .filter_map(|n| c.neurons.find(n).map(|i| i as u32))
        .collect();
    if neurons.len() < 3 {
        return Err(format!(
            "only {} recorded neurons are matched to this connectome: at least 3 are needed",
            neurons.len()
        ));
    }
    let dc = functional_of_traces(&traces, s)?;
    let duration_ms = recordings[0].time.duration_s() * 1000.0;
    Ok(Functional {
        dc,
        neurons,
        duration_ms,
        seconds: started.elapsed().as_secs_f64(),
        recordings: recordings.len(),
    })
}

/// Windows suited to a recording: about a dozen over its length, at least 10 frames each,
/// overlapping by three quarters.
pub fn recording_windows(r: &Recording) -> (f64, f64) {
    let rate = r.time.rate_hz().max(1e-9);
    let window = (r.time.duration_s() / 12.0).max(10.0 / rate);
    // Round numbers for the panel: to a tenth of a second, or whole seconds past 10 s.
    let round = |x: f64| {
        if x >= 10.0 {
            x.round()
        } else {
            (x * 10.0).round() / 10.0
        }
    };
    (round(window), round(window / 4.0).max(0.1))
}

fn functional_of_traces(traces: &[Traces], s: &FunctionalSettings) -> Result<DynamicConnectome, String> {
    dynamic_connectome(
        traces,
        &DynamicOptions {
            remove_baseline: true,
            window_s: s.window_s,
            step_s: s.step_s,
            affinity: if s.pearson {
                AffinityKind::Pearson
            } else {
                AffinityKind::Differential { smooth: 2 }
            },
            ntf: NtfOptions {
                rank: s.rank.max(1),
                seed: s.seed,
                restarts: 3,
                ..Default::default()
            },
        },
    )
    .map_err(String::from)
}

/// What the neurons are coloured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Showing {
    #[default]
    Nothing,
    Structural,
    /// A component of the dynamic connectome, at the scrubber's window.
    Component(usize),
}

/// What the functional job sends: how far it is, then its result.
pub enum FunctionalMessage {
    Progress(f64),
    Done(Result<Functional, String>),
}

/// Everything the communities panel shows and the jobs behind it.
#[derive(Resource, Default)]
pub struct Communities {
    pub structural_settings: StructuralSettings,
    pub structural: Option<Arc<Structural>>,
    pub structural_job: Option<Job<Result<Structural, String>>>,
    pub functional_settings: FunctionalSettings,
    pub functional: Option<Arc<Functional>>,
    pub functional_job: Option<Job<FunctionalMessage>>,
    /// Progress 0..1 of the functional job.
    pub functional_progress: f64,
    /// The scrubber: a window index of the dynamic connectome.
    pub window: usize,
    pub showing: Showing,
    /// The graph the results belong to.
    pub generation: u64,
    /// Open the panel.
    pub open: bool,
    /// What was shown last, to recolour only on change.
    shown: Option<(Showing, usize, u64)>,
    scripted_started: bool,
}

impl Communities {
    /// Colours the neurons by `what` (again, even if it was shown before).
    pub fn show(&mut self, what: Showing) {
        self.showing = what;
        self.shown = None;
    }

    /// Nothing scripted is pending (for `--screenshot`).
    pub fn scripted_done(&self, options: &crate::app::context::state::Options) -> bool {
        !options.dynamic_connectome || (self.scripted_started && self.functional_job.is_none())
    }

    pub fn busy(&self) -> bool {
        self.structural_job.is_some() || self.functional_job.is_some()
    }

    /// Starts the dynamic functional connectome of the open recordings; the window length
    /// is set for them when it was a simulation's.
    pub fn start_recorded(&mut self, g: &Arc<GraphData>, rec: &Recordings) {
        let Some(first) = rec.animals.first() else { return };
        let (window, step) = recording_windows(&first.recording);
        let f = &mut self.functional_settings;
        if f.window_s < 0.5 * window || f.window_s > 4.0 * window {
            f.window_s = window;
            f.step_s = step;
        }
        let settings = f.clone();
        let recordings: Vec<Arc<Recording>> = rec.animals.iter().map(|a| a.recording.clone()).collect();
        let c = g.c.clone();
        self.open = true;
        self.functional_progress = 0.0;
        self.functional_job = Some(Job::spawn(
            "functional",
            move |w| {
                w.send(FunctionalMessage::Progress(0.1));
                w.send(FunctionalMessage::Done(functional_of_recordings(
                    &c,
                    &recordings,
                    &settings,
                )));
            },
            |e| FunctionalMessage::Done(Err(e)),
        ));
    }

    /// Starts the one-click job: the current run's protocol, simulated again from time 0
    /// (runs are deterministic, so this is the activity the user saw, and more of it).
    pub fn start_functional(&mut self, g: &Arc<GraphData>, live: &Live, selection: &Selection) {
        let protocol = live
            .sim
            .as_ref()
            .map(|sim| sim.control(|c| c.timeline.document().clone()))
            .unwrap_or_default();
        let reached = live.snapshot.time_ms;
        let duration_ms = if reached >= 1000.0 {
            reached
        } else {
            self.functional_settings.duration_ms
        };
        let neurons = functional_neurons(g, &selection.selected);
        let settings = self.functional_settings.clone();
        let c = g.c.clone();
        self.functional_progress = 0.0;
        self.functional_job = Some(Job::spawn(
            "functional",
            move |w| {
                // Simulating is most of the work; the factorisation is the last stretch.
                let progress = |f: f64| {
                    w.send(FunctionalMessage::Progress(f * 0.8));
                };
                let r = functional_of_run(
                    &c,
                    &protocol,
                    neurons,
                    duration_ms,
                    &settings,
                    Some(w.cancel_flag()),
                    &progress,
                );
                w.send(FunctionalMessage::Done(r));
            },
            |e| FunctionalMessage::Done(Err(e)),
        ));
    }
}

/// `--dynamic-connectome`: the one click, once the scripted run is done.
fn scripted(
    options: Res<crate::app::context::state::Options>,
    graph: Res<Graph>,
    live: Res<Live>,
    selection: Res<Selection>,
    mut state: ResMut<Communities>,
) {
    if options.dynamic_connectome
        && !state.scripted_started
        && live.scripted_run_done(&options)
        && let Some(g) = &graph.data
    {
        state.scripted_started = true;
        state.open = true;
        state.start_functional(g, &live, &selection);
    }
}

fn start(
    mut requests: MessageReader<Request>,
    graph: Res<Graph>,
    mut state: ResMut<Communities>,
    mut status: ResMut<Status>,
    rec: Res<Recordings>,
) {
    for r in requests.read() {
        let Some(g) = graph.data.clone() else { continue };
        if matches!(r, Request::RecordedCommunities) {
            if rec.animals.is_empty() {
                status.error = Some("open a recording first (File > Open recording…)".into());
            } else {
                status.info = Some(match rec.animals.len() {
                    1 => "dynamic connectome of the recording…".to_string(),
                    n => format!("dynamic connectome of {n} recordings…"),
                });
                state.start_recorded(&g, &rec);
            }
            continue;
        }
        if !matches!(r, Request::ColourByCommunities) {
            continue;
        }
        let settings = state.structural_settings.clone();
        status.info = Some(format!("finding communities ({})…", settings.label()));
        state.structural_job = Some(Job::spawn(
            "communities",
            move |w| {
                w.send(Ok(find_structural(&g.c, &settings)));
            },
            Err,
        ));
    }
}

fn poll(
    mut state: ResMut<Communities>,
    mut status: ResMut<Status>,
    mut membership: ResMut<Membership>,
    graph: Res<Graph>,
    mut rec: ResMut<Recordings>,
) {
    if state.generation != graph.generation {
        *state = Communities {
            structural_settings: state.structural_settings.clone(),
            functional_settings: state.functional_settings.clone(),
            open: state.open,
            scripted_started: state.scripted_started,
            generation: graph.generation,
            ..Default::default()
        };
    }
    if let Some(job) = &state.structural_job {
        match job.poll() {
            Poll::Ready(Err(e)) => {
                status.error = Some(e);
                state.structural_job = None;
            }
            Poll::Ready(Ok(s)) => {
                status.info = Some(format!(
                    "{}: {} communities, Q = {:.3}",
                    s.label,
                    s.partition.count(),
                    s.partition.modularity
                ));
                *membership = Membership {
                    generation: graph.generation,
                    membership: s.partition.membership.clone(),
                };
                state.structural = Some(Arc::new(s));
                state.show(Showing::Structural);
                state.structural_job = None;
            }
            Poll::Finished => state.structural_job = None,
            Poll::Pending => {}
        }
    }
    if let Some(job) = &state.functional_job {
        match job.poll() {
            Poll::Ready(FunctionalMessage::Progress(p)) => state.functional_progress = p,
            Poll::Ready(FunctionalMessage::Done(Err(e))) => {
                if e != "cancelled" {
                    status.error = Some(format!("dynamic connectome: {e}"));
                }
                state.functional_job = None;
            }
            Poll::Ready(FunctionalMessage::Done(Ok(f))) => {
                status.info = Some(format!(
                    "dynamic connectome: {} neurons, {} windows, {} components ({:.1} s)",
                    f.neurons.len(),
                    f.dc.shape[1],
                    f.dc.components.len(),
                    f.seconds
                ));
                state.window = most_active_window(&f.dc, 0);
                if f.recordings > 0 && !rec.animals.is_empty() {
                    // One time for both: the playback goes to the component's peak.
                    let start = f.dc.window_start_s.get(state.window).copied().unwrap_or(0.0);
                    let t = rec.span().0 + start + state.functional_settings.window_s / 2.0;
                    rec.seek(t);
                }
                state.functional = Some(Arc::new(f));
                state.show(Showing::Component(0));
                state.functional_job = None;
            }
            Poll::Finished => state.functional_job = None,
            Poll::Pending => {}
        }
    }
}

/// A dynamic connectome of recordings follows the playback: the scrubber's window is the one
/// around the playback time.
fn follow_replay(mut state: ResMut<Communities>, rec: Res<Recordings>, mut seen: Local<Option<f64>>) {
    let Some(f) = state.functional.clone() else { return };
    if f.recordings == 0 || rec.animals.is_empty() || *seen == Some(rec.time_s) {
        return;
    }
    *seen = Some(rec.time_s);
    // Window starts count from the recording's first frame.
    let t = rec.time_s - rec.span().0;
    let w = window_at(&f.dc.window_start_s, state.functional_settings.window_s, t);
    if w != state.window {
        state.window = w;
    }
}

/// The window whose middle is nearest `t`.
pub fn window_at(starts: &[f64], window_s: f64, t: f64) -> usize {
    starts
        .iter()
        .enumerate()
        .min_by(|a, b| {
            (a.1 + window_s / 2.0 - t)
                .abs()
                .total_cmp(&(b.1 + window_s / 2.0 - t).abs())
        })
        .map_or(0, |(w, _)| w)
}

/// The window where component `c` is most active.
pub fn most_active_window(dc: &DynamicConnectome, c: usize) -> usize {
    dc.components.get(c).map_or(0, |comp| {
        comp.time_curve
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(w, _)| w)
    })
}

/// Applies [`Communities::showing`] to the neuron colours when it changed.
fn recolour(
    mut state: ResMut<Communities>,
    mut hook: ResMut<NeuronColorHook>,
    mut settings: ResMut<ViewSettings>,
    mut dirty: ResMut<Dirty>,
    mut live: ResMut<Live>,
    mut rec: ResMut<Recordings>,
    graph: Res<Graph>,
) {
    let key = (state.showing, state.window, graph.generation);
    if state.shown == Some(key) {
        return;
    }
    // Only the scrubber moved while another colouring is chosen: leave that colouring.
    let scrubbed = state
        .shown
        .is_some_and(|(s, _, g)| s == state.showing && g == graph.generation);
    state.shown = Some(key);
    if scrubbed && (settings.color_by != ColorBy::Custom || rec.showing != recordings::Showing::Nothing) {
        return;
    }
    let Some(g) = &graph.data else { return };
    let colours = match (state.showing, &state.structural, &state.functional) {
        (Showing::Structural, Some(s), _) => {
            let mut c = community_colors(&s.partition.membership, s.partition.modularity);
            c.legend.title = format!("{} (Q = {:.3})", s.label, s.partition.modularity);
            c
        }
        (Showing::Component(k), _, Some(f)) if k < f.dc.components.len() => {
            component_colors(&f.dc, &f.neurons, k, state.window, g.len())
        }
        _ => return,
    };
    hook.0 = colours;
    live.colour = false;
    rec.showing = recordings::Showing::Nothing;
    settings.color_by = ColorBy::Custom;
    dirty.colors = true;
    dirty.neurons = true;
}

const UNANALYSED: [f32; 4] = [0.35, 0.35, 0.38, 1.0];
const OUTSIDE: [f32; 4] = [0.22, 0.22, 0.25, 1.0];

/// Colours for component `k` at window `w`: each analysed neuron gets its community's colour
/// (in the component's affinity graph), bright and large in proportion to how much the
/// neuron takes part in the component times how active the component is in that window;
/// neurons not analysed are grey.
pub fn component_colors(dc: &DynamicConnectome, neurons: &[u32], k: usize, w: usize, n_graph: usize) -> CustomColors {
    let comp = &dc.components[k];
    let n = dc.names.len();
    let participation = comp.participation(n);
    let top = participation.iter().copied().fold(0.0, f64::max).max(1e-12);
    let peak = comp.time_curve.iter().copied().fold(0.0, f64::max).max(1e-12);
    let level = comp.time_curve.get(w).copied().unwrap_or(0.0) / peak;
    let base = community_colors(&comp.communities, comp.modularity);
    let groups = comp.groups();
    let mut colors = vec![UNANALYSED; n_graph];
    let mut scale = vec![0.7f32; n_graph];
    for (t, &i) in neurons.iter().enumerate() {
        if comp.communities[t] as usize >= groups {
            colors[i as usize] = OUTSIDE;
            continue;
        }
        let strength = (participation[t] / top * level) as f32;
        let c = base.colors[t];
        let dim = 0.25 + 0.75 * strength;
        colors[i as usize] = [c[0] * dim, c[1] * dim, c[2] * dim, 1.0];
        scale[i as usize] = 0.8 + 0.9 * strength;
    }
    let start = dc.window_start_s.get(w).copied().unwrap_or(0.0);
    let mut entries = base.legend.entries;
    entries.truncate(groups.min(entries.len()));
    entries.push(("not in this component".into(), OUTSIDE));
    if neurons.len() < n_graph {
        entries.push(("not analysed".into(), UNANALYSED));
    }
    CustomColors {
        colors,
        legend: Legend {
            title: format!(
                "Component {} at {start:.2} s (activity {:.0}%) — brighter: more involved",
                k + 1,
                level * 100.0
            ),
            entries,
            ..Default::default()
        },
        scale,
        marks: Vec::new(),
    }
}

/// Writes `membership` of the graph's neurons: `.csv` as `neuron,community`, `.graphml` or
/// `.gexf` as the whole graph with a `community` attribute (neurons without one, -1).
/// Atomic, like every save.
pub fn export(c: &Connectome, membership: &[Option<u32>], path: &Path) -> Result<String, String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let label = |m: &Option<u32>| m.map_or(-1, |c| c as i64);
    let result = match ext.as_str() {
        "csv" => crate::io::write_atomically(path, |w| {
            summary::write_csv(c.neurons.names(), membership.iter().map(label), w)
        }),
        "graphml" | "gexf" => {
            let mut copy = c.clone();
            let column = copy.neurons.attribute_mut("community");
            for (i, m) in membership.iter().enumerate() {
                column.set(i, &label(m).to_string());
            }
            crate::io::save(&copy, path).map_err(|e| std::io::Error::other(e.to_string()))
        }
        _ => {
            return Err(format!(
                "{}: unknown format (use .csv, .graphml or .gexf)",
                path.display()
            ));
        }
    };
    result.map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(format!("saved {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worm() -> Arc<Connectome> {
        Arc::new(crate::io::load("celegans-cook2019", &Default::default()).unwrap())
    }

    #[test]
    fn structural_table_and_exports() {
        let c = worm();
        let s = find_structural(&c, &StructuralSettings::default());
        let k = s.partition.count();
        assert!(k >= 3);
        assert_eq!(s.summary.len(), k);
        assert_eq!(s.between.len(), k * k);
        assert_eq!(
            s.summary.iter().map(|x| x.members.len()).sum::<usize>(),
            c.neurons.len()
        );
        assert!(s.summary.iter().all(|x| (0.0..=1.0).contains(&x.internal_fraction)));

        let dir = tempfile::tempdir().unwrap();
        let m: Vec<Option<u32>> = s.partition.membership.iter().map(|&x| Some(x)).collect();
        export(&c, &m, &dir.path().join("c.csv")).unwrap();
        let text = std::fs::read_to_string(dir.path().join("c.csv")).unwrap();
        assert_eq!(text.lines().count(), c.neurons.len() + 1);
        export(&c, &m, &dir.path().join("c.graphml")).unwrap();
        let back = crate::io::load(dir.path().join("c.graphml").to_str().unwrap(), &Default::default()).unwrap();
        let col = back.neurons.attribute("community").expect("community attribute");
        for i in 0..c.neurons.len() {
            let j = back.neurons.find(c.neurons.name(i)).unwrap();
            assert_eq!(col.get(j), Some(s.partition.membership[i].to_string().as_str()));
        }
        assert!(export(&c, &m, &dir.path().join("c.txt")).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    /// Involved neurons take their community's colour, bright when the component is active;
    /// neurons alone in their community and neurons not analysed are greys.
    #[test]
    fn component_colours_follow_the_scrubber() {
        use crate::analysis::functional::Component;
        let dc = DynamicConnectome {
            names: ["a", "b", "c", "d"].map(String::from).to_vec(),
            window_start_s: vec![0.0, 0.5],
            components: vec![Component {
                weight: 1.0,
                // Pairs (0,1) (0,2) (0,3) (1,2) (1,3) (2,3).
                pairs: vec![1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                time_curve: vec![0.0, 2.0],
                recordings: vec![1.0],
                communities: vec![0, 0, 1, 2],
                modularity: 0.0,
            }],
            rel_error: 0.1,
            shape: [6, 2, 1],
        };
        assert_eq!(dc.components[0].groups(), 1);
        // Graph neurons 5, 1, 2, 3 were analysed; 0 and 4 were not.
        let neurons = [5, 1, 2, 3];
        let quiet = component_colors(&dc, &neurons, 0, 0, 6);
        let active = component_colors(&dc, &neurons, 0, 1, 6);
        let bright = |c: [f32; 4]| c[0] + c[1] + c[2];
        assert!(bright(active.colors[5]) > 3.0 * bright(quiet.colors[5]));
        assert_eq!(active.colors[5], active.colors[1]);
        assert!(active.scale[5] > quiet.scale[5]);
        assert_eq!(active.colors[2], OUTSIDE);
        assert_eq!(active.colors[3], OUTSIDE);
        assert_eq!(active.colors[0], UNANALYSED);
        assert!(active.legend.title.contains("0.50 s") && active.legend.title.contains("100%"));
        assert_eq!(most_active_window(&dc, 0), 1);
    }

    /// The one click on recordings: the matched neurons of the graph (unlabelled and unmatched
    /// ROIs left out), windows sized for the recording on its time axis, which the playback
    /// time finds again; too few matched neurons are refused with the count.
    #[test]
    fn recordings_give_a_dynamic_connectome_on_their_time_axis() {
        use crate::model::recording::{RecordingSource, RoiIdentity, TimeAxis};
        let c = worm();
        let names = ["AVAL", "AVAR", "AVBL", "AVBR", "RIML", "RIMR", "SMDVL", "SMDVR"];
        let (frames, rate, start) = (240usize, 2.0, 50.0);
        let mut rois: Vec<RoiIdentity> = names
            .iter()
            .map(|n| RoiIdentity {
                label: Some(n.to_string()),
                ..Default::default()
            })
            .collect();
        rois.push(RoiIdentity::default());
        // Pairs share a slow wave, each pair its own; a little noise so no trace is flat.
        let values: Vec<f32> = (0..rois.len())
            .flat_map(|roi| {
                (0..frames).map(move |f| {
                    let t = f as f32 / rate as f32;
                    (t / (3.0 + (roi / 2) as f32)).sin() + 0.05 * ((f * 7 + roi * 13) % 11) as f32
                })
            })
            .collect();
        let r = Recording::new(
            RecordingSource::default(),
            TimeAxis::Regular {
                start_s: start,
                rate_hz: rate,
                frames,
            },
            rois,
            values,
            vec![],
            vec![],
        )
        .unwrap();
        let (window, step) = recording_windows(&r);
        // A twelfth of the 119.5 s (more than 10 frames), overlapping by three quarters, rounded.
        assert_eq!((window, step), (10.0, 2.5));
        let settings = FunctionalSettings {
            window_s: window,
            step_s: step,
            rank: 2,
            ..Default::default()
        };
        let f = functional_of_recordings(&c, &[Arc::new(r.clone())], &settings).unwrap();
        let expected: Vec<u32> = names.iter().map(|n| c.neurons.find(n).unwrap() as u32).collect();
        assert_eq!(f.neurons, expected, "the labelled ROIs, unlabelled left out");
        assert_eq!(f.recordings, 1);
        let starts = &f.dc.window_start_s;
        // Window starts count from the recording's first frame (the playback adds its start).
        assert_eq!(starts[0], 0.0);
        // Windows are whole numbers of frames: the last ends within a frame of the end.
        assert!(*starts.last().unwrap() + window <= r.time.duration_s() + 1.0 / rate);
        let w = starts.len() / 2;
        assert_eq!(window_at(starts, window, starts[w] + window / 2.0), w);

        // Two animals: the recordings axis of the tensor, one loading each per component.
        let two = functional_of_recordings(&c, &[Arc::new(r.clone()), Arc::new(r.clone())], &settings).unwrap();
        assert_eq!((two.recordings, two.neurons.len()), (2, names.len()));
        assert!(two.dc.components.iter().all(|comp| comp.recordings.len() == 2));

        // The WormWideWeb fixture matches one ROI to a single neuron: refused, with the count.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recordings/wormwideweb.json");
        let one = Arc::new(crate::io::read_recording(&path).unwrap());
        let e = functional_of_recordings(&c, &[one], &settings).err().unwrap();
        assert!(e.contains("only 1 recorded neurons"), "{e}");
    }

    #[test]
    fn a_silent_run_is_refused_with_a_reason() {
        let c = worm();
        let err = functional_of_run(
            &c,
            &Protocol::default(),
            (0..20).collect(),
            500.0,
            &FunctionalSettings::default(),
            None,
            &|_| {},
        )
        .err()
        .unwrap();
        assert!(err.contains("add stimuli"), "{err}");
    }
}
