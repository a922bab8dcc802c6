//! Runs layouts off the main thread (the force layout progressively, sending snapshots, and
//! stoppable) and animates the neurons smoothly from one layout to the next.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::app::context::AppSet;
use bevy::prelude::*;

use crate::analysis::layout::{self as core_layout, ForceLayout, LayoutKind};
use crate::app::context::geometry::{self, P3};
use crate::app::context::graph::GraphData;
use crate::app::context::jobs::{Job, Poll};
use crate::app::context::state::{Dirty, Graph, Positions, Request, Status};

pub struct LayoutPlugin;

impl Plugin for LayoutPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<LayoutJob>().add_systems(
            Update,
            (reset_on_new_graph, handle_requests, poll_layout, animate)
                .chain()
                .in_set(AppSet::Layout),
        );
    }
}

enum LayoutMsg {
    /// Positions (normalised) and whether more will follow.
    Positions {
        points: Vec<P3>,
        done: bool,
        iteration: u32,
    },
    Error(String),
}

/// The running layout, if any.
#[derive(Resource, Default)]
pub struct LayoutJob {
    job: Option<Job<LayoutMsg>>,
    kind: Option<LayoutKind>,
    first_snapshot: bool,
    /// "force: iteration 120" while a progressive layout runs.
    pub progress: Option<String>,
    generation: u64,
}

impl LayoutJob {
    pub fn running(&self) -> Option<LayoutKind> {
        self.job.as_ref().and(self.kind)
    }
}

/// A new graph starts on a neutral sphere, so something is on screen at once.
fn reset_on_new_graph(
    graph: Res<Graph>,
    mut job: ResMut<LayoutJob>,
    mut positions: ResMut<Positions>,
    mut dirty: ResMut<Dirty>,
) {
    if graph.generation == job.generation {
        return;
    }
    job.generation = graph.generation;
    job.job = None;
    job.progress = None;
    let Some(g) = &graph.data else { return };
    let sphere = core_layout::fibonacci_sphere(g.len());
    let world = geometry::to_world(&sphere, false);
    let base = geometry::base_radius(&world);
    *positions = Positions {
        current: world.clone(),
        from: world.clone(),
        to: world,
        layout: sphere,
        layout_kind: None,
        t: 1.0,
        duration: 0.0,
        base_radius: base,
        radii: Vec::new(),
    };
    dirty.neurons = true;
    dirty.edges = true;
    dirty.fit_camera = true;
}

fn spawn_layout(g: Arc<GraphData>, kind: LayoutKind, initial: Vec<P3>) -> Job<LayoutMsg> {
    Job::spawn(
        format!("layout {}", kind.as_str()),
        move |w| {
            let c = &g.c;
            match kind {
                LayoutKind::Anatomical => match core_layout::anatomical(c) {
                    Some(points) => {
                        w.send(LayoutMsg::Positions {
                            points,
                            done: true,
                            iteration: 0,
                        });
                    }
                    None => {
                        w.send(LayoutMsg::Error(
                            "anatomical layout: some neurons have no position".into(),
                        ));
                    }
                },
                LayoutKind::Spectral => {
                    w.send(LayoutMsg::Positions {
                        points: core_layout::spectral(c),
                        done: true,
                        iteration: 0,
                    });
                }
                LayoutKind::SignalFlow => {
                    w.send(LayoutMsg::Positions {
                        points: core_layout::signal_flow(c),
                        done: true,
                        iteration: 0,
                    });
                }
                LayoutKind::Force => {
                    let initial = (initial.len() == c.neurons.len()).then_some(initial);
                    let mut f = ForceLayout::new(c, initial.as_deref(), 1);
                    let mut last = Instant::now();
                    let mut iteration = 0u32;
                    while !w.cancelled() && !f.is_settled() && iteration < 5000 {
                        f.step();
                        iteration += 1;
                        if last.elapsed() > Duration::from_millis(100) {
                            last = Instant::now();
                            if !w.send(LayoutMsg::Positions {
                                points: f.positions(),
                                done: false,
                                iteration,
                            }) {
                                return;
                            }
                        }
                    }
                    w.send(LayoutMsg::Positions {
                        points: f.positions(),
                        done: true,
                        iteration,
                    });
                }
            }
        },
        LayoutMsg::Error,
    )
}

fn handle_requests(
    mut requests: MessageReader<Request>,
    graph: Res<Graph>,
    mut positions: ResMut<Positions>,
    mut job: ResMut<LayoutJob>,
    mut dirty: ResMut<Dirty>,
) {
    for r in requests.read() {
        match r {
            Request::Layout(kind) => {
                let Some(g) = graph.data.clone() else { continue };
                job.job = Some(spawn_layout(g, *kind, positions.layout.clone()));
                job.kind = Some(*kind);
                job.first_snapshot = true;
                job.progress = Some(format!("{}: computing", kind.as_str()));
            }
            Request::StopLayout => {
                if let Some(j) = &job.job {
                    j.cancel();
                }
            }
            // A saved layout (a session): placed at once, replacing any layout on its way.
            Request::PlaceLayout(kind, points) if points.len() == positions.current.len() => {
                job.job = None;
                job.progress = None;
                job.kind = Some(*kind);
                let world = geometry::to_world(points, *kind == LayoutKind::Anatomical);
                start_transition(&mut positions, world, 0.0, true);
                positions.layout.clone_from(points);
                positions.layout_kind = Some(*kind);
                dirty.neurons = true;
                dirty.edges = true;
            }
            _ => {}
        }
    }
}

fn poll_layout(
    mut job: ResMut<LayoutJob>,
    mut positions: ResMut<Positions>,
    mut dirty: ResMut<Dirty>,
    mut status: ResMut<Status>,
) {
    let Some(j) = &job.job else { return };
    let kind = job.kind.unwrap_or(LayoutKind::Force);
    match j.poll() {
        Poll::Ready(LayoutMsg::Positions {
            points,
            done,
            iteration,
        }) => {
            if points.len() != positions.current.len() {
                job.job = None;
                return;
            }
            let world = geometry::to_world(&points, kind == LayoutKind::Anatomical);
            let first = job.first_snapshot;
            let duration = if first || done && iteration == 0 { 0.8 } else { 0.15 };
            start_transition(&mut positions, world, duration, first);
            positions.layout = points;
            positions.layout_kind = Some(kind);
            dirty.fit_camera |= first;
            job.first_snapshot = false;
            if done {
                job.job = None;
                job.progress = None;
            } else {
                job.progress = Some(format!("{}: iteration {iteration}", kind.as_str()));
            }
        }
        Poll::Ready(LayoutMsg::Error(e)) => {
            status.error = Some(e);
            job.job = None;
            job.progress = None;
        }
        Poll::Finished => {
            job.job = None;
            job.progress = None;
        }
        Poll::Pending => {
            if let (Some(j), Some(k)) = (&job.job, job.kind)
                && job.first_snapshot
            {
                job.progress = Some(format!(
                    "{}: computing ({:.1} s)",
                    k.as_str(),
                    j.started.elapsed().as_secs_f32()
                ));
            }
        }
    }
}

/// Starts moving from the positions drawn now to `to`.
pub fn start_transition(p: &mut Positions, to: Vec<P3>, duration: f32, new_sizes: bool) {
    p.from.clone_from(&p.current);
    if new_sizes {
        p.base_radius = geometry::base_radius(&to);
    }
    p.to = to;
    p.t = 0.0;
    p.duration = duration.max(1e-3);
}

fn animate(time: Res<Time>, mut positions: ResMut<Positions>, mut dirty: ResMut<Dirty>) {
    if !positions.animating() {
        return;
    }
    let p = &mut *positions;
    p.t = (p.t + time.delta_secs() / p.duration).min(1.0);
    geometry::interpolate(&p.from, &p.to, p.t, &mut p.current);
    dirty.neurons = true;
    dirty.edges = true;
}
