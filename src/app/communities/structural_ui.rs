//! The structural half of the Communities window: method and settings, the table (size, share
//! of weight inside, top neurons; click selects), the inter-community heatmap, export.

use bevy::prelude::MessageWriter;
use bevy_egui::egui;

use super::window::{ExportJob, export_buttons};
use crate::analysis::communities::{Method, Quality};
use crate::app::communities::{Communities, Showing};
use crate::app::context::colors::{CATEGORICAL, GREY, ramp};
use crate::app::context::state::Request;
use crate::app::scene::Scene;
use crate::app::scene::legend::color32;

pub(super) fn structural_ui(
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
