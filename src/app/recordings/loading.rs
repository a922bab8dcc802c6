//! Opening recordings: from the command line, File > Open recording… (rfd, on its own thread)
//! or a drop; read on a background thread (with the colour-map range, which sorts every
//! value), then matched to the graph's neurons once it is open, and again when another graph
//! opens. Errors go to the status line; what is open stays.

use std::path::PathBuf;
use std::sync::Arc;

use bevy::prelude::*;

use super::{Animal, Recordings, Showing};
use crate::app::context::graph::GraphData;
use crate::app::context::jobs::{Job, Poll};
use crate::app::context::state::{Graph, Options, Request, Status};
use crate::app::live::activity::robust_range;
use crate::model::Recording;

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

pub enum LoadMessage {
    /// Files read so far, of all, and the one being read.
    Progress(usize, usize, String),
    Done(Vec<Result<Loaded, String>>),
}

impl Recordings {
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
}

pub(super) fn open_from_command_line(options: Res<Options>, mut requests: MessageWriter<Request>) {
    if !options.recordings.is_empty() {
        requests.write(Request::OpenRecordings(options.recordings.clone()));
    }
}

pub(super) fn handle_requests(mut requests: MessageReader<Request>, mut rec: ResMut<Recordings>) {
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
                // What was coloured stays known, so that the colours go with the recordings.
                *rec = Recordings {
                    speed: rec.speed,
                    looping: rec.looping,
                    rows: rec.rows,
                    coloured: rec.coloured.take(),
                    ..Default::default()
                };
            }
            _ => {}
        }
    }
}

pub(super) fn poll(
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
pub(super) fn follow_graph(mut rec: ResMut<Recordings>, graph: Res<Graph>) {
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
