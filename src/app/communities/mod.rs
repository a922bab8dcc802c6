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
use crate::model::Connectome;
use crate::sim::Protocol;

pub struct CommunitiesPlugin;

impl Plugin for CommunitiesPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Communities>()
            .init_resource::<window::ExportJob>()
            .add_systems(
                Update,
                (scripted, start, poll, recolour).chain().in_set(AppSet::Communities),
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

/// The dynamic functional connectome of a run, on the graph's neurons.
pub struct Functional {
    pub dc: DynamicConnectome,
    /// The graph index of each analysed neuron (the order of `dc.names`).
    pub neurons: Vec<u32>,
    pub duration_ms: f64,
    pub seconds: f64,
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
    let dc = functional_of_traces(&traces, s)?;
    Ok(Functional {
        dc,
        neurons,
        duration_ms,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn functional_of_traces(traces: &Traces, s: &FunctionalSettings) -> Result<DynamicConnectome, String> {
    // Silent neurons were left out when the traces were made.
    let active = traces.names.len();
    if active < 3 {
        return Err(format!(
            "only {active} neurons are active in the run: add stimuli (Simulation panel) so there is activity to analyse"
        ));
    }
    dynamic_connectome(
        std::slice::from_ref(traces),
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
) {
    for r in requests.read() {
        if !matches!(r, Request::ColourByCommunities) {
            continue;
        }
        let Some(g) = graph.data.clone() else { continue };
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
                state.functional = Some(Arc::new(f));
                state.show(Showing::Component(0));
                state.functional_job = None;
            }
            Poll::Finished => state.functional_job = None,
            Poll::Pending => {}
        }
    }
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
    if scrubbed && settings.color_by != ColorBy::Custom {
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
