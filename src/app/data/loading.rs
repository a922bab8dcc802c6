//! Opening graphs: from the command line, File > Open (rfd, on its own thread), the path
//! field, or a file dropped on the window. Reading runs on a background thread; a failure
//! shows the reader's error and keeps the current graph. Also Save as.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::app::context::AppSet;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::render::renderer::RenderAdapterInfo;
use bevy::window::FileDragAndDrop;

use crate::app::context::graph::GraphData;
use crate::app::context::jobs::{Job, Poll};
use crate::app::context::lod::EdgeFilter;
use crate::app::context::session;
use crate::app::context::state::{
    Dirty, Graph, LabelMode, Options, Positions, Request, Selection, Status, ViewSettings,
};
use crate::app::data::synthetic;
use crate::io::{self, LoadOptions};

pub struct LoadingPlugin;

impl Plugin for LoadingPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Loader>()
            .add_systems(Startup, open_initial)
            .add_systems(
                Update,
                (handle_requests, dropped_files, poll_jobs).chain().in_set(AppSet::Load),
            );
    }
}

/// Running file jobs.
#[derive(Resource, Default)]
pub struct Loader {
    pub load: Option<Job<Result<GraphData, String>>>,
    dialog: Option<Job<Option<PathBuf>>>,
    save: Option<Job<Result<String, String>>>,
    /// Set once a load has finished (successfully or not); used by --screenshot.
    pub failed: Option<String>,
}

impl Loader {
    /// Whether a load, file dialog or save is running.
    pub fn busy(&self) -> bool {
        self.load.is_some() || self.dialog.is_some() || self.save.is_some()
    }

    /// "Loading X (3.2 s)" while a load runs.
    pub fn progress(&self) -> Option<String> {
        self.load
            .as_ref()
            .map(|j| format!("{} ({:.1} s)", j.label, j.started.elapsed().as_secs_f32()))
    }
}

/// Reads `what` (synthetic graphs included) and prepares it for viewing.
pub fn read_graph(what: &str) -> Result<GraphData, String> {
    let c = match synthetic::parse(what) {
        Some(Ok((n, e, seed))) => synthetic::generate(n, e, seed)?,
        Some(Err(e)) => return Err(e),
        None => io::load(what, &LoadOptions::default()).map_err(|e| e.to_string())?,
    };
    if c.neurons.is_empty() {
        return Err(format!("{what}: no neurons"));
    }
    Ok(GraphData::new(what, c))
}

fn open_initial(options: Res<Options>, mut requests: MessageWriter<Request>) {
    let what = options
        .input
        .clone()
        .unwrap_or_else(|| io::datasets::DEFAULT.to_string());
    requests.write(Request::Open(what));
}

fn start_load(loader: &mut Loader, what: String) {
    let label = format!("loading {what}");
    loader.load = Some(Job::spawn(
        label,
        move |w| {
            w.send(read_graph(&what));
        },
        Err,
    ));
}

fn handle_requests(
    mut requests: MessageReader<Request>,
    mut loader: ResMut<Loader>,
    mut status: ResMut<Status>,
    graph: Res<Graph>,
    positions: Res<Positions>,
) {
    for r in requests.read() {
        match r {
            // Sessions are opened by `ui::session`, which then asks for their source.
            Request::Open(what) if !session::is_session(what) => start_load(&mut loader, what.clone()),
            Request::OpenDialog if loader.dialog.is_none() => {
                loader.dialog = Some(Job::spawn(
                    "file dialog",
                    |w| {
                        let picked = rfd::FileDialog::new()
                            .set_title("Open a connectome")
                            .add_filter("connectomes", &["csv", "tsv", "graphml", "gexf", "gz", "xml", "json"])
                            .add_filter("all files", &["*"])
                            .pick_file();
                        w.send(picked);
                    },
                    |_| None,
                ));
            }
            Request::SaveAs(path) => {
                let Some(g) = graph.data.clone() else { continue };
                if io::Format::from_extension(path).is_none() {
                    status.error = Some(format!(
                        "{}: unknown format (use .graphml, .gexf or .csv)",
                        path.display()
                    ));
                    continue;
                }
                let layout = positions.layout.clone();
                let keep_anatomy = positions.layout_kind == Some(crate::analysis::layout::LayoutKind::Anatomical);
                let path = path.clone();
                loader.save = Some(Job::spawn(
                    "saving",
                    move |w| {
                        w.send(save_with_layout(&g, &layout, keep_anatomy, &path));
                    },
                    Err,
                ));
            }
            _ => {}
        }
    }
}

/// Writes a copy of the graph whose neuron positions are the current layout (layouts are
/// normalised to radius 1 and written scaled by 100); the anatomical layout keeps the
/// original soma positions and unit.
pub fn save_with_layout(
    g: &GraphData,
    layout: &[[f32; 3]],
    keep_anatomy: bool,
    path: &std::path::Path,
) -> Result<String, String> {
    let mut c = (*g.c).clone();
    if !keep_anatomy && layout.len() == c.neurons.len() {
        for (p, q) in c.neurons.position.iter_mut().zip(layout) {
            *p = Some([q[0] * 100.0, q[1] * 100.0, q[2] * 100.0]);
        }
        c.neurons.position_unit = None;
    }
    io::save(&c, path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(format!("saved {}", path.display()))
}

/// A dropped connectome replaces the graph; dropped recordings (several at once = several
/// animals) open beside it.
fn dropped_files(mut drops: MessageReader<FileDragAndDrop>, mut requests: MessageWriter<Request>) {
    let mut recordings = Vec::new();
    for d in drops.read() {
        if let FileDragAndDrop::DroppedFile { path_buf, .. } = d {
            if io::looks_like_recording(path_buf) {
                recordings.push(path_buf.clone());
            } else {
                requests.write(Request::Open(path_buf.to_string_lossy().into_owned()));
            }
        }
    }
    if !recordings.is_empty() {
        requests.write(Request::OpenRecordings(recordings));
    }
}

/// What a newly opened graph replaces or resets.
#[derive(SystemParam)]
struct Opened<'w> {
    graph: ResMut<'w, Graph>,
    selection: ResMut<'w, Selection>,
    settings: ResMut<'w, ViewSettings>,
    dirty: ResMut<'w, Dirty>,
}

fn poll_jobs(
    mut loader: ResMut<Loader>,
    opened: Opened,
    mut status: ResMut<Status>,
    mut requests: MessageWriter<Request>,
    options: Res<Options>,
    adapter: Option<Res<RenderAdapterInfo>>,
) {
    // wgpu's DeviceType is not re-exported by bevy; its Debug name is the variant's.
    let software = adapter.is_some_and(|a| format!("{:?}", a.device_type) == "Cpu");
    let Opened {
        mut graph,
        mut selection,
        mut settings,
        mut dirty,
    } = opened;
    if let Some(job) = &loader.load {
        match job.poll() {
            Poll::Ready(Ok(data)) => {
                let secs = job.started.elapsed().as_secs_f32();
                let edges: usize = crate::model::EdgeKind::ALL.iter().map(|&k| data.c.edges(k).len()).sum();
                status.info = Some(format!(
                    "opened {} — {} neurons, {} connections ({secs:.1} s)",
                    data.source,
                    data.len(),
                    edges
                ));
                status.error = None;
                let first = graph.data.is_none();
                let anatomical = data.c.neurons.position.iter().all(Option::is_some);
                let layout = match (first, options.layout) {
                    (true, Some(k)) => k,
                    _ if anatomical => crate::analysis::layout::LayoutKind::Anatomical,
                    _ => crate::analysis::layout::LayoutKind::Force,
                };
                settings.edges = EdgeFilter::for_renderer(edges, software);
                // Small graphs: name as many neurons as fit (hubs first); big ones: the selection.
                settings.labels = if data.len() <= 500 {
                    LabelMode::All
                } else {
                    LabelMode::Selection
                };
                graph.data = Some(Arc::new(data));
                graph.generation += 1;
                *selection = Selection::default();
                dirty.all();
                requests.write(Request::Layout(layout));
                loader.load = None;
                loader.failed = None;
            }
            Poll::Ready(Err(e)) => {
                status.error = Some(e.clone());
                loader.failed = Some(e);
                loader.load = None;
            }
            Poll::Finished => loader.load = None,
            Poll::Pending => {}
        }
    }
    if let Some(job) = &loader.dialog {
        match job.poll() {
            Poll::Ready(Some(path)) => {
                requests.write(Request::Open(path.to_string_lossy().into_owned()));
                loader.dialog = None;
            }
            Poll::Ready(None) | Poll::Finished => loader.dialog = None,
            Poll::Pending => {
                // A portal that never answers must not block File > Open forever.
                if job.started.elapsed() > Duration::from_secs(600) {
                    loader.dialog = None;
                }
            }
        }
    }
    if let Some(job) = &loader.save {
        match job.poll() {
            Poll::Ready(Ok(msg)) => {
                status.info = Some(msg);
                loader.save = None;
            }
            Poll::Ready(Err(e)) => {
                status.error = Some(e);
                loader.save = None;
            }
            Poll::Finished => loader.save = None,
            Poll::Pending => {}
        }
    }
}
