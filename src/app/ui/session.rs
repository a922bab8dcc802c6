//! File > Save session / Open session and the recent-files menu: gathers what is open and how
//! it is shown into a [`Session`], and applies a saved one once its source is open again.
//! A session whose source changed opens with a warning; one whose source vanished is refused
//! with a message, and what is open stays.

use std::path::PathBuf;
use std::time::Duration;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use crate::analysis::communities::{Method, Quality};
use crate::analysis::layout::LayoutKind;
use crate::app::communities::Communities;
use crate::app::context::AppSet;
use crate::app::context::colors::ColorBy;
use crate::app::context::jobs::{Job, Poll};
use crate::app::context::session::{
    self, SavedCamera, SavedCommunities, SavedLayout, SavedView, Session, SessionSource, SourceState, recent,
};
use crate::app::context::state::{Graph, LabelMode, Positions, Request, Selection, Status, Theme, ViewSettings};
use crate::app::data::loading::Loader;
use crate::app::live::Live;
use crate::app::recordings::{self, Recordings};
use crate::app::scene::camera::Orbit;

pub struct SessionPlugin;

impl Plugin for SessionPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Sessions>().add_systems(
            Update,
            (requests, poll_jobs, apply, remember_opened)
                .chain()
                .in_set(AppSet::Restore),
        );
    }
}

/// Sessions being opened or saved, and the recent files.
#[derive(Resource)]
pub struct Sessions {
    /// A session read from disk whose source is being opened.
    pending: Option<Pending>,
    save: Option<Job<Result<String, String>>>,
    dialog: Option<Job<Option<DialogAnswer>>>,
    /// Recently opened files and sessions, newest first (loaded on first use).
    pub recent: Option<Vec<String>>,
    /// Keep the recent list in the user's config folder (not in tests).
    pub persist_recent: bool,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions {
            pending: None,
            save: None,
            dialog: None,
            recent: None,
            persist_recent: true,
        }
    }
}

struct Pending {
    session: Session,
    path: PathBuf,
    /// The graph generation when its source was asked for: the next one is it.
    generation: u64,
    /// What the user must hear about it (a changed source).
    notes: Vec<String>,
}

enum DialogAnswer {
    Open(PathBuf),
    Save(PathBuf),
}

impl Sessions {
    pub fn recent(&mut self) -> &[String] {
        self.recent.get_or_insert_with(recent::load)
    }

    fn remember(&mut self, entry: &str) {
        let persist = self.persist_recent;
        let list = self
            .recent
            .get_or_insert_with(|| if persist { recent::load() } else { Vec::new() });
        recent::push(list, entry, persist);
    }
}

/// What a session is gathered from and applied to.
#[derive(SystemParam)]
pub struct Shown<'w> {
    graph: Res<'w, Graph>,
    positions: Res<'w, Positions>,
    orbit: ResMut<'w, Orbit>,
    settings: ResMut<'w, ViewSettings>,
    selection: Res<'w, Selection>,
    live: ResMut<'w, Live>,
    communities: ResMut<'w, Communities>,
    recordings: ResMut<'w, Recordings>,
}

fn requests(
    mut requests: MessageReader<Request>,
    mut sessions: ResMut<Sessions>,
    mut status: ResMut<Status>,
    shown: Shown,
) {
    for r in requests.read() {
        match r {
            Request::Open(what) if session::is_session(what) => open(&mut sessions, &mut status, &shown, what.into()),
            Request::SaveSession(path) => save(&mut sessions, &mut status, &shown, path.clone()),
            Request::OpenSessionDialog | Request::SaveSessionDialog if sessions.dialog.is_none() => {
                let saving = matches!(r, Request::SaveSessionDialog);
                sessions.dialog = Some(Job::spawn(
                    "session dialog",
                    move |w| {
                        let dialog = rfd::FileDialog::new().add_filter("connectoscope session", &["json"]);
                        let answer = if saving {
                            dialog
                                .set_title("Save session")
                                .set_file_name("session.cscope.json")
                                .save_file()
                                .map(DialogAnswer::Save)
                        } else {
                            dialog.set_title("Open session").pick_file().map(DialogAnswer::Open)
                        };
                        w.send(answer);
                    },
                    |_| None,
                ));
            }
            _ => {}
        }
    }
}

/// Reads a session and asks for its source; the rest is applied when the source is open.
fn open(sessions: &mut Sessions, status: &mut Status, shown: &Shown, path: PathBuf) {
    let session = match Session::read(&path) {
        Ok(s) => s,
        Err(e) => {
            status.error = Some(e.to_string());
            return;
        }
    };
    let mut notes = Vec::new();
    match session.source_state() {
        SourceState::Missing => {
            status.error = Some(format!(
                "{}: its source {} is missing; nothing was opened",
                path.display(),
                session.source.path
            ));
            return;
        }
        SourceState::Changed => notes.push(format!(
            "{} changed since the session was saved (what no longer fits is skipped)",
            session.source.path
        )),
        SourceState::Unchanged | SourceState::NotAFile => {}
    }
    sessions.remember(&path.to_string_lossy());
    sessions.pending = Some(Pending {
        session,
        path,
        generation: shown.graph.generation,
        notes,
    });
}

fn save(sessions: &mut Sessions, status: &mut Status, shown: &Shown, path: PathBuf) {
    let Some(mut session) = gather(shown) else {
        status.error = Some("nothing is open to save".into());
        return;
    };
    let path = if session::is_session(&path.to_string_lossy()) {
        path
    } else {
        PathBuf::from(format!("{}{}", path.display(), session::EXTENSION))
    };
    sessions.remember(&path.to_string_lossy());
    // Hashing a big source and writing its positions take a moment: off the main thread.
    sessions.save = Some(Job::spawn(
        "save session",
        move |w| {
            let source = PathBuf::from(&session.source.path);
            if source.exists() {
                match session::source_hash(&source) {
                    Ok(h) => session.source.hash = Some(h),
                    Err(e) => {
                        w.send(Err(format!("{}: {e}", source.display())));
                        return;
                    }
                }
            }
            w.send(
                session
                    .write(&path)
                    .map(|()| format!("saved session {}", path.display()))
                    .map_err(|e| format!("{}: {e}", path.display())),
            );
        },
        Err,
    ));
}

/// The session of what is shown now.
pub fn gather(shown: &Shown) -> Option<Session> {
    let g = shown.graph.data.as_ref()?;
    let source = absolute(&g.source);
    let s = &*shown.settings;
    let live = &shown.live;
    let structural = shown
        .communities
        .structural
        .as_ref()
        .filter(|_| shown.communities.generation == shown.graph.generation);
    let rec = &shown.recordings;
    let color_by = match s.color_by {
        ColorBy::Custom if rec.showing == recordings::Showing::Activity => "recording",
        ColorBy::Custom if live.colour => "activity",
        ColorBy::Custom if structural.is_some() => "communities",
        ColorBy::Custom => "type",
        other => other.key(),
    };
    let c = &shown.communities.structural_settings;
    let o = &*shown.orbit;
    Some(Session {
        format: session::FORMAT.into(),
        version: session::VERSION,
        source: SessionSource {
            path: source,
            hash: None,
        },
        layout: shown.positions.layout_kind.map(|kind| SavedLayout {
            kind: kind.as_str().into(),
            positions: shown.positions.layout.clone(),
        }),
        camera: Some(SavedCamera {
            focus: o.target_focus.to_array(),
            distance: o.target_distance,
            yaw: o.yaw,
            pitch: o.pitch,
        }),
        view: SavedView {
            color_by: color_by.into(),
            size_by_degree: s.size_by_degree,
            node_scale: s.node_scale,
            theme: match s.theme {
                Theme::Dark => "dark",
                Theme::Light => "light",
            }
            .into(),
            labels: match s.labels {
                LabelMode::None => "none",
                LabelMode::Selection => "selection",
                LabelMode::All => "all",
            }
            .into(),
            hops: s.hops,
            chemical: s.edges.chemical,
            electrical: s.edges.electrical,
            min_weight: s.edges.min_weight,
            per_neuron: s.edges.per_neuron,
            cap: s.edges.cap,
            edge_opacity: s.edge_opacity,
        },
        selection: shown
            .selection
            .selected
            .iter()
            .map(|&i| g.c.neurons.name(i).to_string())
            .collect(),
        protocol: live.sim.as_ref().map(|_| live.document()),
        time_ms: live.snapshot.time_ms,
        communities: Some(SavedCommunities {
            method: c.method.as_str().into(),
            quality: c.quality.as_str().into(),
            resolution: c.resolution,
            directed: c.directed,
            seed: c.seed,
            membership: structural.map(|s| s.partition.membership.clone()).unwrap_or_default(),
        }),
        recordings: rec.animals.iter().map(|a| absolute(&a.recording.source.path)).collect(),
        recording_time_s: (!rec.animals.is_empty()).then_some(rec.time_s),
    })
}

fn poll_jobs(mut sessions: ResMut<Sessions>, mut status: ResMut<Status>, mut requests: MessageWriter<Request>) {
    if let Some(job) = &sessions.save {
        match job.poll() {
            Poll::Ready(Ok(msg)) => {
                status.info = Some(msg);
                sessions.save = None;
            }
            Poll::Ready(Err(e)) => {
                status.error = Some(e);
                sessions.save = None;
            }
            Poll::Finished => sessions.save = None,
            Poll::Pending => {}
        }
    }
    if let Some(job) = &sessions.dialog {
        match job.poll() {
            Poll::Ready(Some(DialogAnswer::Open(p))) => {
                requests.write(Request::Open(p.to_string_lossy().into_owned()));
                sessions.dialog = None;
            }
            Poll::Ready(Some(DialogAnswer::Save(p))) => {
                requests.write(Request::SaveSession(p));
                sessions.dialog = None;
            }
            Poll::Ready(None) | Poll::Finished => sessions.dialog = None,
            Poll::Pending => {
                if job.started.elapsed() > Duration::from_secs(600) {
                    sessions.dialog = None;
                }
            }
        }
    }
}

/// Asks for a pending session's source, then applies the session once it is open.
fn apply(
    mut sessions: ResMut<Sessions>,
    mut status: ResMut<Status>,
    loader: Res<Loader>,
    mut shown: Shown,
    mut requests: MessageWriter<Request>,
    mut asked: Local<Option<String>>,
) {
    let Some(pending) = &sessions.pending else {
        *asked = None;
        return;
    };
    let source = pending.session.source.path.clone();
    if asked.as_deref() != Some(source.as_str()) {
        requests.write(Request::Open(source.clone()));
        *asked = Some(source);
        return;
    }
    if loader.load.is_some() {
        return;
    }
    if shown.graph.generation == pending.generation {
        // The load ended without a new graph: its error is shown; keep what is open.
        if loader.failed.is_some() {
            sessions.pending = None;
        }
        return;
    }
    let mut pending = sessions.pending.take().expect("pending");
    let mut notes = std::mem::take(&mut pending.notes);
    notes.extend(restore(&pending.session, &mut shown, &mut requests));
    let what = format!("opened session {}", pending.path.display());
    if notes.is_empty() {
        status.info = Some(what);
    } else {
        status.error = Some(format!("{what}: {}", notes.join("; ")));
    }
}

/// Files opened go to the top of the recent list (scripted runs leave it alone).
fn remember_opened(
    graph: Res<Graph>,
    options: Res<crate::app::context::state::Options>,
    mut sessions: ResMut<Sessions>,
    mut seen: Local<u64>,
) {
    if graph.generation == *seen {
        return;
    }
    *seen = graph.generation;
    if let Some(g) = &graph.data
        && !options.is_batch()
        && std::path::Path::new(&g.source).exists()
    {
        sessions.remember(&absolute(&g.source));
    }
}

/// A file's absolute path (what a session and the recent list keep); bundled and synthetic
/// names as they are.
fn absolute(source: &str) -> String {
    std::fs::canonicalize(source).map_or_else(|_| source.to_string(), |p| p.to_string_lossy().into_owned())
}

/// Applies a session to the graph just opened; returns what could not be restored.
fn restore(s: &Session, shown: &mut Shown, requests: &mut MessageWriter<Request>) -> Vec<String> {
    let mut notes = Vec::new();
    let Some(g) = shown.graph.data.clone() else {
        return vec!["its source did not open".into()];
    };
    let n = g.len();
    if let Some(l) = &s.layout {
        match LayoutKind::parse(&l.kind) {
            Some(kind) if l.positions.len() == n => {
                requests.write(Request::PlaceLayout(kind, l.positions.clone()));
            }
            _ => notes.push(format!(
                "the saved layout has {} positions for {n} neurons",
                l.positions.len()
            )),
        }
    }
    let v = &s.view;
    let settings = &mut *shown.settings;
    settings.size_by_degree = v.size_by_degree;
    settings.node_scale = v.node_scale;
    settings.theme = if v.theme == "light" { Theme::Light } else { Theme::Dark };
    settings.labels = match v.labels.as_str() {
        "none" => LabelMode::None,
        "all" => LabelMode::All,
        _ => LabelMode::Selection,
    };
    settings.hops = v.hops;
    settings.edges.chemical = v.chemical;
    settings.edges.electrical = v.electrical;
    settings.edges.min_weight = v.min_weight;
    settings.edges.per_neuron = v.per_neuron;
    settings.edges.cap = v.cap;
    settings.edge_opacity = v.edge_opacity;
    if let Some(c) = &s.communities {
        let st = &mut shown.communities.structural_settings;
        st.method = Method::parse(&c.method).unwrap_or(st.method);
        st.quality = Quality::parse(&c.quality).unwrap_or(st.quality);
        st.resolution = c.resolution;
        st.directed = c.directed;
        st.seed = c.seed;
    }
    if !s.recordings.is_empty() {
        let (found, missing): (Vec<PathBuf>, Vec<PathBuf>) =
            s.recordings.iter().map(PathBuf::from).partition(|p| p.is_file());
        if !missing.is_empty() {
            notes.push(format!(
                "recordings not found: {}",
                missing
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let rec = &mut *shown.recordings;
        rec.animals.clear();
        rec.pending_time = Some(s.recording_time_s.unwrap_or(f64::NEG_INFINITY));
        rec.showing = recordings::Showing::Nothing;
        rec.open(found);
    }
    match v.color_by.as_str() {
        "activity" => shown.live.colour = true,
        // Shown once the recordings are open.
        "recording" => shown.recordings.show(recordings::Showing::Activity),
        // Found again with the saved settings (deterministic for a seed).
        "communities" => {
            requests.write(Request::ColourByCommunities);
        }
        key => settings.color_by = ColorBy::from_key(key).unwrap_or_default(),
    }
    let (found, missing): (Vec<_>, Vec<_>) = s
        .selection
        .iter()
        .map(|name| (name, g.c.neurons.find(name)))
        .partition(|(_, i)| i.is_some());
    if !missing.is_empty() {
        notes.push(format!("{} selected neurons are not in the graph", missing.len()));
    }
    requests.write(Request::Select(found.into_iter().filter_map(|(_, i)| i).collect()));
    if let (Some(protocol), Some(sim)) = (&s.protocol, &shown.live.sim) {
        let (protocol, time) = (protocol.clone(), s.time_ms);
        sim.control(|c| {
            c.timeline.edit(|p| *p = protocol);
            if time > 0.0 {
                // Runs are deterministic: replay to the saved time.
                c.speed = None;
                c.run_until_ms = Some(time);
                c.running = true;
            }
        });
    }
    if let Some(camera) = &s.camera {
        let o = &mut *shown.orbit;
        o.target_focus = Vec3::from_array(camera.focus);
        o.focus = o.target_focus;
        o.target_distance = camera.distance;
        o.distance = camera.distance;
        o.yaw = camera.yaw;
        o.pitch = camera.pitch;
    }
    notes
}
