//! The Communities window: structural communities (method, table, inter-community heatmap,
//! export) and the dynamic functional connectome of the current run (one click; component
//! time curves, a scrubber over windows, structural-vs-functional NMI, export).

use bevy_egui::egui;
use egui_plot::{Line, Plot, VLine};

use super::colors::{CATEGORICAL, GREY, ramp};
use super::communities_view::{Communities, MAX_FUNCTIONAL_NEURONS, Showing, export, most_active_window};
use super::jobs::{Job, Poll};
use super::live::Live;
use super::overlay::color32;
use super::panels::Scene;
use super::state::{Request, Status};
use crate::analysis::communities::{self, Method, Quality};
use bevy::prelude::MessageWriter;

/// The save dialog and write of an export, off the main thread.
#[derive(bevy::prelude::Resource, Default)]
pub struct ExportJob(Option<Job<Result<String, String>>>);

#[allow(clippy::too_many_arguments)]
pub fn window(
    ctx: &egui::Context,
    state: &mut Communities,
    scene: &mut Scene,
    live: &Live,
    export_job: &mut ExportJob,
    status: &mut Status,
    requests: &mut MessageWriter<Request>,
) {
    poll_export(export_job, status);
    let mut open = state.open;
    egui::Window::new("Communities")
        .open(&mut open)
        .default_width(300.0)
        .default_pos(egui::pos2(4.0, 330.0))
        .vscroll(true)
        .show(ctx, |ui| {
            let Some(g) = scene.graph.data.clone() else {
                ui.weak("Open a connectome first.");
                return;
            };
            structural(ui, state, scene, export_job, requests);
            ui.separator();
            functional(ui, state, scene, live, export_job, &g);
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
fn export_buttons(ui: &mut egui::Ui, job: &mut ExportJob, scene: &Scene, membership: Vec<Option<u32>>, stem: &str) {
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

fn structural(
    ui: &mut egui::Ui,
    state: &mut Communities,
    scene: &mut Scene,
    export_job: &mut ExportJob,
    requests: &mut MessageWriter<Request>,
) {
    ui.heading("Structural");
    let s = &mut state.structural_settings;
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("method")
            .selected_text(match s.method {
                Method::Leiden => "Leiden",
                Method::Louvain => "Louvain",
                Method::Sbm => "SBM",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut s.method, Method::Leiden, "Leiden");
                ui.selectable_value(&mut s.method, Method::Louvain, "Louvain");
                ui.selectable_value(&mut s.method, Method::Sbm, "SBM")
                    .on_hover_text("Weighted degree-corrected stochastic block model; chooses the number of blocks itself (minimum description length) and finds non-assortative groups too");
            });
        let modularity_based = s.method != Method::Sbm;
        ui.add_enabled_ui(modularity_based, |ui| {
        egui::ComboBox::from_id_salt("quality")
            .selected_text(s.quality.as_str())
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut s.quality, Quality::Modularity, "modularity");
                ui.selectable_value(&mut s.quality, Quality::Cpm, "CPM");
            });
        ui.add(egui::DragValue::new(&mut s.resolution).speed(0.01).range(0.0..=100.0).prefix("γ "))
            .on_hover_text("Resolution: larger gives more, smaller communities (CPM: the weight density asked for inside)");
        });
    });
    ui.horizontal(|ui| {
        ui.add_enabled(
            s.method != Method::Sbm,
            egui::Checkbox::new(&mut s.directed, "directed"),
        )
        .on_hover_text("Leicht–Newman modularity on chemical synapse direction (gap junctions both ways)");
        ui.add(egui::DragValue::new(&mut s.seed).prefix("seed "));
        let busy = state.structural_job.is_some();
        if ui.add_enabled(!busy, egui::Button::new("Find communities")).clicked() {
            requests.write(Request::ColourByCommunities);
        }
        if busy {
            ui.spinner();
        }
    });
    let Some(st) = state.structural.clone() else {
        ui.weak("Communities of the connectome's weighted graph; computed in the background.");
        return;
    };
    let Some(g) = scene.graph.data.clone() else { return };
    let k = st.summary.len();
    ui.horizontal(|ui| {
        ui.label(format!(
            "{}: {k} communities, Q = {:.3}",
            st.label, st.partition.modularity
        ));
        if ui
            .selectable_label(state.showing == Showing::Structural, "colour")
            .on_hover_text("Colour the neurons by these communities")
            .clicked()
        {
            state.show(Showing::Structural);
        }
    });
    egui::ScrollArea::vertical()
        .id_salt("community table")
        .max_height(200.0)
        .show(ui, |ui| {
            egui::Grid::new("communities")
                .num_columns(4)
                .striped(true)
                .show(ui, |ui| {
                    ui.strong("community");
                    ui.strong("size");
                    ui.strong("inside")
                        .on_hover_text("Share of the members' connection weight that stays inside");
                    ui.strong("top neurons (by degree)");
                    ui.end_row();
                    for (c, row) in st.summary.iter().enumerate() {
                        let colour = color32(CATEGORICAL.get(c).copied().unwrap_or(GREY));
                        let names: Vec<&str> = row.members.iter().map(|&i| g.c.neurons.name(i as usize)).collect();
                        let r = ui
                            .add(egui::Button::new(
                                egui::RichText::new(format!("■ {}", c + 1)).color(colour),
                            ))
                            .on_hover_text(format!(
                                "Click to select all {} members:\n{}",
                                names.len(),
                                wrap(&names, 60)
                            ));
                        if r.clicked() {
                            requests.write(Request::Select(row.members.iter().map(|&i| i as usize).collect()));
                        }
                        ui.label(row.members.len().to_string());
                        ui.label(format!("{:.0}%", row.internal_fraction * 100.0));
                        ui.label(names.iter().take(4).copied().collect::<Vec<_>>().join(", "));
                        ui.end_row();
                    }
                });
        });
    heatmap(ui, &st.between, k);
    let membership = st.partition.membership.iter().map(|&c| Some(c)).collect();
    export_buttons(ui, export_job, scene, membership, "communities");
}

fn wrap(names: &[&str], max: usize) -> String {
    let mut s = String::new();
    for (i, n) in names.iter().take(max).enumerate() {
        s.push_str(n);
        s.push(if i % 8 == 7 { '\n' } else { ' ' });
    }
    if names.len() > max {
        s.push_str(&format!("… +{} more", names.len() - max));
    }
    s
}

/// The inter-community connectivity of the largest communities: cell (c, d) is the weight
/// between them over what a random graph with the same strengths would put there
/// (`2m · B_cd / (K_c K_d)`), on a log colour scale.
fn heatmap(ui: &mut egui::Ui, between: &[f64], k: usize) {
    const MAX: usize = 16;
    let shown = k.min(MAX);
    if shown < 2 {
        return;
    }
    ui.label("Between communities (observed / expected weight, log scale)")
        .on_hover_text("1 = as a random graph with the same degrees; the diagonal is each community's inside");
    let strength: Vec<f64> = (0..k).map(|c| between[c * k..(c + 1) * k].iter().sum()).collect();
    let total: f64 = strength.iter().sum();
    let ratio = |c: usize, d: usize| {
        let e = strength[c] * strength[d] / total.max(1e-12);
        if e > 0.0 { between[c * k + d] / e } else { 0.0 }
    };
    let cell = 14.0;
    let size = egui::vec2(cell * shown as f32 + 20.0, cell * shown as f32 + 20.0);
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let origin = rect.min + egui::vec2(20.0, 20.0);
    for c in 0..shown {
        let label_colour = color32(CATEGORICAL.get(c).copied().unwrap_or(GREY));
        let y = origin.y + c as f32 * cell;
        let x = origin.x + c as f32 * cell;
        painter.rect_filled(
            egui::Rect::from_min_size(egui::pos2(rect.min.x + 4.0, y + 2.0), egui::vec2(10.0, cell - 4.0)),
            1.0,
            label_colour,
        );
        painter.rect_filled(
            egui::Rect::from_min_size(egui::pos2(x + 2.0, rect.min.y + 4.0), egui::vec2(cell - 4.0, 10.0)),
            1.0,
            label_colour,
        );
        for d in 0..shown {
            // log10 ratio from 1/100 to 100 onto the colour ramp.
            let t = ((ratio(c, d).max(1e-2).log10() + 2.0) / 4.0).clamp(0.0, 1.0) as f32;
            let r = egui::Rect::from_min_size(
                egui::pos2(origin.x + d as f32 * cell, y),
                egui::vec2(cell - 1.0, cell - 1.0),
            );
            painter.rect_filled(r, 0.0, color32(ramp(t)));
        }
    }
    if let Some(p) = response.hover_pos() {
        let (d, c) = (((p.x - origin.x) / cell).floor(), ((p.y - origin.y) / cell).floor());
        if c >= 0.0 && d >= 0.0 && (c as usize) < shown && (d as usize) < shown {
            let (c, d) = (c as usize, d as usize);
            response.on_hover_text_at_pointer(format!(
                "communities {} – {}: weight {:.0}, {:.2}× expected",
                c + 1,
                d + 1,
                between[c * k + d],
                ratio(c, d)
            ));
        }
    }
    if k > MAX {
        ui.weak(format!("the {MAX} largest of {k} communities"));
    }
}

#[allow(clippy::too_many_arguments)]
fn functional(
    ui: &mut egui::Ui,
    state: &mut Communities,
    scene: &mut Scene,
    live: &Live,
    export_job: &mut ExportJob,
    g: &std::sync::Arc<super::graph::GraphData>,
) {
    ui.heading("Dynamic functional connectome");
    ui.weak(
        "From this run's activity: affinities between neurons in sliding windows, factorised (NTF) into \
         components, each with its communities and a time curve of when it is active.",
    );
    let f = &mut state.functional_settings;
    ui.horizontal(|ui| {
        ui.add(
            egui::DragValue::new(&mut f.window_s)
                .speed(0.01)
                .range(0.05..=60.0)
                .prefix("window ")
                .suffix(" s"),
        );
        ui.add(
            egui::DragValue::new(&mut f.step_s)
                .speed(0.01)
                .range(0.01..=60.0)
                .prefix("step ")
                .suffix(" s"),
        );
        ui.add(egui::DragValue::new(&mut f.rank).range(1..=20).prefix("components "));
    });
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("affinity")
            .selected_text(if f.pearson { "Pearson" } else { "differential" })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut f.pearson, false, "differential");
                ui.selectable_value(&mut f.pearson, true, "Pearson");
            });
        let reached = live.snapshot.time_ms;
        if reached >= 1000.0 {
            ui.weak(format!("run: 0–{:.1} s", reached / 1000.0));
        } else {
            ui.add(
                egui::DragValue::new(&mut f.duration_ms)
                    .speed(10.0)
                    .range(500.0..=600_000.0)
                    .prefix("simulate ")
                    .suffix(" ms"),
            )
            .on_hover_text("The live run is shorter than 1 s: this much of its protocol is simulated");
        }
    });
    let n = g.len();
    if n > MAX_FUNCTIONAL_NEURONS {
        ui.weak(format!(
            "{n} neurons: the selection (3–{MAX_FUNCTIONAL_NEURONS}) or else the {MAX_FUNCTIONAL_NEURONS} most connected are analysed"
        ));
    }
    ui.horizontal(|ui| {
        if let Some(job) = &state.functional_job {
            ui.add(
                egui::ProgressBar::new(state.functional_progress as f32)
                    .desired_width(200.0)
                    .show_percentage(),
            );
            if ui.button("Cancel").clicked() {
                job.cancel();
                state.functional_job = None;
            }
        } else if ui
            .button("▶ Dynamic connectome of this run")
            .on_hover_text(
                "Replays the run's protocol from 0 (runs are deterministic), samples every neuron and factorises",
            )
            .clicked()
        {
            state.start_functional(g, live, &scene.selection);
        }
    });
    let Some(fc) = state.functional.clone() else { return };
    let dc = &fc.dc;
    let windows = dc.window_start_s.len();
    ui.label(format!(
        "{} active neurons, {} windows of a {:.1} s run, relative error {:.3}",
        fc.neurons.len(),
        windows,
        fc.duration_ms / 1000.0,
        dc.rel_error
    ));
    if windows > 1 {
        let mut w = state.window.min(windows - 1);
        let start = |w: usize| dc.window_start_s[w];
        ui.add(
            egui::Slider::new(&mut w, 0..=windows - 1)
                .text("time")
                .custom_formatter(|v, _| format!("{:.2} s", start(v as usize))),
        )
        .on_hover_text(
            "Scrub through the windows: the 3D view shows the chosen component's communities as active then",
        );
        state.window = w;
    }
    let structural = state.structural.clone();
    let at = state.window;
    for (c, comp) in dc.components.iter().enumerate() {
        let peak = comp.time_curve.iter().copied().fold(0.0, f64::max).max(1e-12);
        let level = comp.time_curve.get(at).copied().unwrap_or(0.0) / peak;
        let k = comp.groups();
        ui.horizontal(|ui| {
            let chosen = state.showing == Showing::Component(c);
            if ui
                .selectable_label(chosen, format!("Component {}", c + 1))
                .on_hover_text("Colour the neurons by this component's communities")
                .clicked()
            {
                state.show(Showing::Component(c));
            }
            ui.add(egui::ProgressBar::new(level as f32).desired_width(60.0))
                .on_hover_text("How active the component is at the scrubber's time");
            ui.weak(format!("{k} communities, Q {:.2}", comp.modularity));
            if let Some(s) = &structural {
                ui.weak(format!(
                    "NMI {:.2}",
                    structural_nmi(&s.partition.membership, &fc.neurons, comp)
                ))
                .on_hover_text("Agreement with the structural communities (normalised mutual information)");
            }
            if ui
                .small_button("peak")
                .on_hover_text("Scrub to where it is most active")
                .clicked()
            {
                state.window = most_active_window(dc, c);
                state.show(Showing::Component(c));
            }
        });
        let points: Vec<[f64; 2]> = dc
            .window_start_s
            .iter()
            .zip(&comp.time_curve)
            .map(|(&t, &v)| [t, v])
            .collect();
        let now = dc.window_start_s.get(at).copied().unwrap_or(0.0);
        Plot::new(("time curve", c))
            .height(46.0)
            .show_axes([c + 1 == dc.components.len(), false])
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .show(ui, |p| {
                p.line(Line::new(format!("component {}", c + 1), points));
                p.vline(VLine::new("now", now));
            });
    }
    if let Showing::Component(c) = state.showing
        && let Some(comp) = dc.components.get(c)
    {
        let mut membership = vec![None; g.len()];
        for (t, &i) in fc.neurons.iter().enumerate() {
            membership[i as usize] = Some(comp.communities[t]);
        }
        export_buttons(
            ui,
            export_job,
            scene,
            membership,
            &format!("component{}_communities", c + 1),
        );
    }
    if structural.is_none() {
        ui.weak("Find structural communities above to compare them (NMI).");
    }
}

/// NMI between the structural communities and a component's, over the neurons taking part
/// in the component.
pub fn structural_nmi(structural: &[u32], neurons: &[u32], comp: &crate::analysis::functional::Component) -> f64 {
    let groups = comp.groups() as u32;
    let (a, b): (Vec<u32>, Vec<u32>) = neurons
        .iter()
        .zip(&comp.communities)
        .filter(|&(_, &c)| c < groups)
        .map(|(&i, &c)| (structural[i as usize], c))
        .unzip();
    communities::nmi(&a, &b)
}
