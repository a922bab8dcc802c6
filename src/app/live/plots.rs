//! The plots under the 3D view, their time axes following the run: the raster (rows by type,
//! community or index; hovering a row highlights the neuron), traces of the selection, and the
//! population rate or the order parameter r(t).

use bevy_egui::egui;
use egui_plot::{Legend, Line, Plot, Points};

use super::MAX_TRACED;
use super::panel::{LiveUi, RasterOrder};
use crate::app::scene::Scene;

/// The plots under the 3D view, their time axes following the run.
pub fn plots_ui(ui: &mut egui::Ui, l: &mut LiveUi, scene: &mut Scene) {
    let Some(g) = scene.graph.data.clone() else { return };
    let s = l.live.snapshot.clone();
    let window = l.live.sim.as_ref().map_or(1000.0, |sim| sim.control(|c| c.window_ms));
    let (x0, x1) = ((s.time_ms - window).max(0.0), s.time_ms.max(window));
    let n = g.len();
    // Raster rows: the selection if any, else every neuron (grouped by type).
    let rows: Vec<usize> = if !scene.selection.selected.is_empty() {
        scene.selection.selected.clone()
    } else {
        let mut all: Vec<usize> = (0..n).collect();
        let current = l.communities.generation == scene.graph.generation;
        let membership = &l.communities.membership;
        match l.files.raster_order {
            RasterOrder::Type => all.sort_by_key(|&i| (g.c.neurons.cell_type.get(i).unwrap_or("~"), i)),
            RasterOrder::Community if current && membership.len() == n => all.sort_by_key(|&i| (membership[i], i)),
            _ => {}
        }
        all
    };
    let mut row_of = vec![u32::MAX; n];
    for (r, &i) in rows.iter().enumerate() {
        row_of[i] = r as u32;
    }
    const MAX_POINTS: usize = 30_000;
    let spikes: Vec<[f64; 2]> = s
        .raster
        .iter()
        .rev()
        .filter(|(_, i)| row_of[*i as usize] != u32::MAX)
        .take(MAX_POINTS)
        .map(|&(t, i)| [t as f64, row_of[i as usize] as f64])
        .collect();
    // From the panel's size, not from what is left after the headers: a plot sized from the
    // space left would make the panel grow every frame.
    let height = (ui.max_rect().height() - 64.0).max(80.0);
    let width = ui.available_width();
    let dark = ui.visuals().dark_mode;
    let dot = if dark {
        egui::Color32::from_rgb(0xff, 0xf0, 0xa0)
    } else {
        egui::Color32::from_rgb(0x20, 0x20, 0x30)
    };
    let title = |ui: &mut egui::Ui, text: String| ui.label(egui::RichText::new(text).strong());
    ui.horizontal_top(|ui| {
        let raster = ui
            .vertical(|ui| {
                ui.horizontal(|ui| {
                    title(ui, "Raster".into());
                    ui.weak(if scene.selection.selected.is_empty() {
                        format!("all {n} neurons")
                    } else {
                        format!("{} selected", rows.len())
                    });
                    let have =
                        l.communities.generation == scene.graph.generation && l.communities.membership.len() == n;
                    let order = &mut l.files.raster_order;
                    egui::ComboBox::from_id_salt("raster-order")
                        .selected_text(match order {
                            RasterOrder::Type => "by type",
                            RasterOrder::Community => "by community",
                            RasterOrder::Index => "by index",
                        })
                        .show_ui(ui, |ui| {
                            ui.selectable_value(order, RasterOrder::Type, "by type");
                            ui.add_enabled_ui(have, |ui| {
                                ui.selectable_value(order, RasterOrder::Community, "by community")
                            })
                            .response
                            .on_disabled_hover_text("Colour by communities first (Neurons section)");
                            ui.selectable_value(order, RasterOrder::Index, "by index");
                        });
                });
                Plot::new("raster")
                    .width(width * 0.45)
                    .height(height)
                    .allow_zoom(false)
                    .allow_drag(false)
                    .allow_scroll(false)
                    .show_y(false)
                    .include_y(0.0)
                    .include_y(rows.len().max(1) as f64)
                    .x_axis_label("ms")
                    .show(ui, |p| {
                        p.set_plot_bounds_x(x0..=x1);
                        p.points(Points::new("spikes", spikes).radius(1.2).color(dot));
                        p.pointer_coordinate().map(|c| c.y.round())
                    })
            })
            .inner;
        // Hovering a row highlights its neuron in the scene.
        if let Some(row) = raster.inner
            && raster.response.hovered()
            && row >= 0.0
            && (row as usize) < rows.len()
        {
            let i = rows[row as usize];
            if scene.selection.hovered != Some(i) {
                scene.selection.hovered = Some(i);
                scene.dirty.neurons = true;
            }
            raster.response.on_hover_text_at_pointer(g.c.neurons.name(i));
        }
        let var = s.variables.get(s.variable).copied().unwrap_or("value");
        ui.vertical(|ui| {
            let traced = scene.selection.selected.len().min(MAX_TRACED);
            title(
                ui,
                if traced == 0 {
                    "Traces: select neurons".into()
                } else {
                    format!("Traces ({traced} selected)")
                },
            );
            Plot::new("traces")
                .width(width * 0.3)
                .height(height)
                .allow_zoom(false)
                .allow_drag(false)
                .allow_scroll(false)
                .legend(Legend::default())
                .x_axis_label("ms")
                .y_axis_label(var)
                .show(ui, |p| {
                    p.set_plot_bounds_x(x0..=x1);
                    for (i, series) in &s.traces {
                        p.line(Line::new(g.c.neurons.name(*i as usize).to_string(), series.clone()));
                    }
                });
        });
        let (name, series, label) = if s.phase.is_some() {
            ("r", s.order.clone(), "r")
        } else {
            ("rate", s.rate.clone(), "Hz / neuron")
        };
        ui.vertical(|ui| {
            title(
                ui,
                if s.phase.is_some() {
                    "Order parameter r(t)".into()
                } else {
                    "Population rate".into()
                },
            );
            Plot::new("population")
                .width(ui.available_width())
                .height(height)
                .allow_zoom(false)
                .allow_drag(false)
                .allow_scroll(false)
                .include_y(0.0)
                .x_axis_label("ms")
                .y_axis_label(label)
                .show(ui, |p| {
                    p.set_plot_bounds_x(x0..=x1);
                    p.line(Line::new(name, series));
                });
        });
    });
}
