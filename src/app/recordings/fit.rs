//! The model judged against the animal: the Simulation panel's protocol simulated for as long
//! as the current recording, on its own thread ([`simulated_vs_recorded`]), and its result
//! shown as a table and a colouring.

use std::sync::Arc;

use bevy::prelude::*;

use super::{Recordings, Showing};
use crate::analysis::functional::compare::{CompareOptions, NeuronFit, simulated_vs_recorded};
use crate::app::context::graph::GraphData;
use crate::app::context::jobs::{Job, Poll};
use crate::app::context::state::Status;
use crate::app::live::Live;

/// The model judged against the current animal.
pub struct Fit {
    pub animal: String,
    pub fits: Vec<NeuronFit>,
    pub seconds: f64,
}

pub enum FitMessage {
    Progress(f64),
    Done(Result<Fit, String>),
}

impl Recordings {
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
}

/// Takes the comparison's progress and result.
pub(super) fn poll(mut rec: ResMut<Recordings>, mut status: ResMut<Status>) {
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
