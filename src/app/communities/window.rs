//! The Communities window: structural communities (method, table, inter-community heatmap,
//! export) and the dynamic functional connectome of the current run (one click; component
//! time curves, a scrubber over windows, structural-vs-functional NMI, export).

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::egui;

use super::functional_ui::functional_ui;
use super::structural_ui::structural_ui;
use crate::app::communities::{Communities, export};
use crate::app::context::jobs::{Job, Poll};
use crate::app::context::state::{Request, Status};
use crate::app::live::Live;
use crate::app::scene::Scene;

/// The save dialog and write of an export, off the main thread.
#[derive(Resource, Default)]
pub struct ExportJob(pub(super) Option<Job<Result<String, String>>>);

/// What the window changes besides the scene.
#[derive(SystemParam)]
pub struct CommunitiesUi<'w> {
    pub state: ResMut<'w, Communities>,
    export: ResMut<'w, ExportJob>,
}

pub fn window_ui(
    ctx: &egui::Context,
    ui_state: &mut CommunitiesUi,
    scene: &mut Scene,
    (live, rec): (&Live, &mut crate::app::recordings::Recordings),
    view: egui::Rect,
    status: &mut Status,
    requests: &mut MessageWriter<Request>,
) {
    let CommunitiesUi { state, export } = ui_state;
    let (state, export_job) = (&mut **state, &mut **export);
    poll_export(export_job, status);
    let mut open = state.open;
    egui::Window::new("Communities")
        .open(&mut open)
        .default_width(300.0)
        // Top left of the 3D view: the legend is bottom right.
        .default_pos(view.left_top() + egui::vec2(8.0, 8.0))
        .max_height(view.height() * 0.75)
        .vscroll(true)
        .show(ctx, |ui| {
            let Some(g) = scene.graph.data.clone() else {
                ui.weak("Open a connectome first.");
                return;
            };
            structural_ui(ui, state, scene, export_job, requests);
            ui.separator();
            functional_ui(ui, state, scene, live, rec, export_job, &g);
        });
    state.open = open;
}

fn poll_export(job: &mut ExportJob, status: &mut Status) {
    if let Some(j) = &job.0 {
        match j.poll() {
            Poll::Ready(Ok(msg)) => {
                if !msg.is_empty() {
                    status.info = Some(msg);
                }
                job.0 = None;
            }
            Poll::Ready(Err(e)) => {
                status.error = Some(e);
                job.0 = None;
            }
            Poll::Finished => job.0 = None,
            Poll::Pending => {}
        }
    }
}

/// Export buttons: a save dialog, then an atomic write, on a background thread.
pub(super) fn export_buttons(
    ui: &mut egui::Ui,
    job: &mut ExportJob,
    scene: &Scene,
    membership: Vec<Option<u32>>,
    stem: &str,
) {
    let Some(g) = scene.graph.data.clone() else { return };
    ui.horizontal(|ui| {
        ui.weak("Export");
        for (label, ext) in [("CSV…", "csv"), ("GraphML…", "graphml")] {
            if ui.add_enabled(job.0.is_none(), egui::Button::new(label)).clicked() {
                let (c, m, name) = (g.c.clone(), membership.clone(), format!("{stem}.{ext}"));
                job.0 = Some(Job::spawn(
                    "export",
                    move |w| {
                        let picked = rfd::FileDialog::new()
                            .set_title("Export communities")
                            .set_file_name(&name)
                            .add_filter(ext, &[ext])
                            .save_file();
                        w.send(picked.map_or(Ok(String::new()), |p| export(&c, &m, &p)));
                    },
                    Err,
                ));
            }
        }
    });
}
