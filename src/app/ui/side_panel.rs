//! The side panel's sections: file, search, inspector, layout, neuron colours and sizes,
//! connections, screenshot. (The Video section is the capture folder's [`video_ui`].)
//!
//! [`video_ui`]: crate::app::capture::video_ui

use bevy::prelude::MessageWriter;
use bevy_egui::egui;

use super::{Jobs, Shell, UiState};
use crate::analysis::layout::LayoutKind;
use crate::app::capture::screenshot::{Background, CaptureRequest};
use crate::app::communities::Communities;
use crate::app::context::colors::ColorBy;
use crate::app::context::graph::{GraphData, partners};
use crate::app::context::state::{LabelMode, Request, Selection, Theme};
use crate::app::scene::Scene;
use crate::app::scene::search;
use crate::model::EdgeKind;

/// The sections, top to bottom.
pub(super) fn side_panel_ui(
    ui: &mut egui::Ui,
    scene: &mut Scene,
    shell: &mut Shell,
    jobs: &mut Jobs,
    communities: &mut Communities,
) {
    file_ui(ui, scene, &mut shell.state, &mut shell.requests);
    search_ui(ui, scene, &mut shell.state, &mut shell.requests);
    inspector_ui(ui, scene, &mut shell.requests);
    layout_ui(ui, scene, jobs, &mut shell.requests);
    appearance_ui(ui, scene, &mut shell.requests, communities);
    edges_ui(ui, scene);
    capture_ui(ui, jobs, &mut shell.captures);
}

/// How the file was read (as Gephi shows after an import): interpretations, merged rows,
/// unknown types, added neurons. Open while there is something to say.
fn import_report_ui(ui: &mut egui::Ui, g: &GraphData) {
    let warnings = &g.c.import_report.warnings;
    if warnings.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(format!("Import report ({})", warnings.len()))
        .id_salt(("import report", &g.source))
        .default_open(true)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("import report")
                .max_height(160.0)
                .show(ui, |ui| {
                    for w in warnings {
                        ui.label(egui::RichText::new(format!("• {}", w.message)).small())
                            .on_hover_text(format!("{} ({})", w.code.as_str(), w.count));
                    }
                });
        });
}

fn file_ui(ui: &mut egui::Ui, scene: &mut Scene, state: &mut UiState, requests: &mut MessageWriter<Request>) {
    egui::CollapsingHeader::new("File").default_open(true).show(ui, |ui| {
        if let Some(g) = &scene.graph.data {
            ui.label(egui::RichText::new(&g.source).strong());
            import_report_ui(ui, g);
        }
        ui.horizontal(|ui| {
            let r = ui.add(
                egui::TextEdit::singleline(&mut state.open_path)
                    .hint_text("file, folder or dataset name")
                    .desired_width(170.0),
            );
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (ui.button("Open").clicked() || enter) && !state.open_path.trim().is_empty() {
                requests.write(Request::Open(state.open_path.trim().to_string()));
            }
            if ui.button("Browse…").clicked() {
                requests.write(Request::OpenDialog);
            }
        });
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut state.save_path)
                    .hint_text("out.graphml / .gexf / .csv")
                    .desired_width(170.0),
            );
            if ui
                .button("Save as")
                .on_hover_text("Saves the graph with the current layout as neuron positions")
                .clicked()
                && !state.save_path.trim().is_empty()
            {
                requests.write(Request::SaveAs(state.save_path.trim().into()));
            }
        });
    });
}

pub(crate) fn search_ui(
    ui: &mut egui::Ui,
    scene: &mut Scene,
    state: &mut UiState,
    requests: &mut MessageWriter<Request>,
) {
    let Some(g) = scene.graph.data.clone() else { return };
    ui.separator();
    let r = ui.add(
        egui::TextEdit::singleline(&mut state.search)
            .hint_text("🔍 search name or class (e.g. AVA)")
            .desired_width(f32::INFINITY),
    );
    if state.search.trim().is_empty() {
        return;
    }
    if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
        let all = search::complete(&g, &state.search, usize::MAX);
        if !all.is_empty() {
            requests.write(Request::Select(all));
            requests.write(Request::FocusSelection);
        }
    }
    let shown = search::complete(&g, &state.search, 12);
    if shown.is_empty() {
        ui.weak("no match");
        return;
    }
    ui.horizontal_wrapped(|ui| {
        for &i in &shown {
            if ui
                .selectable_label(scene.selection.is_selected(i), g.c.neurons.name(i))
                .clicked()
            {
                requests.write(Request::Select(vec![i]));
                requests.write(Request::FocusSelection);
            }
        }
    });
    ui.weak("Enter selects all matches");
}

fn neuron_link(
    ui: &mut egui::Ui,
    g: &GraphData,
    i: usize,
    requests: &mut MessageWriter<Request>,
    selection: &Selection,
) {
    let r = ui.link(g.c.neurons.name(i));
    if r.clicked() {
        let add = ui.input(|inp| inp.modifiers.shift);
        let mut s = selection.clone();
        s.click(i, add);
        requests.write(Request::Select(s.selected));
    }
}

fn inspector_ui(ui: &mut egui::Ui, scene: &mut Scene, requests: &mut MessageWriter<Request>) {
    let Some(g) = scene.graph.data.clone() else { return };
    let sel = scene.selection.selected.clone();
    if sel.is_empty() {
        return;
    }
    ui.separator();
    egui::CollapsingHeader::new(format!("Inspector ({} selected)", sel.len())).default_open(true).show(ui, |ui| {
        if sel.len() > 1 {
            ui.horizontal_wrapped(|ui| {
                for &i in sel.iter().take(40) {
                    neuron_link(ui, &g, i, requests, &scene.selection);
                }
                if sel.len() > 40 {
                    ui.weak(format!("+{} more", sel.len() - 40));
                }
            });
        }
        if sel.len() >= 2 {
            let (a, b) = (g.c.neurons.name(sel[0]), g.c.neurons.name(sel[1]));
            ui.label(egui::RichText::new(format!("Shortest path from {a} to {b}")).strong())
                .on_hover_text("Over chemical synapses (in their direction) and gap junctions; a connection of weight w has length 1/w");
            if let Some(p) = &scene.selection.path {
                ui.horizontal_wrapped(|ui| {
                    for (k, &i) in p.neurons.iter().enumerate() {
                        if k > 0 {
                            ui.weak("›");
                        }
                        neuron_link(ui, &g, i, requests, &scene.selection);
                    }
                });
                ui.weak(format!("{} steps, length {:.3} (Σ 1/weight)", p.neurons.len() - 1, p.cost));
            } else if let Some(note) = &scene.selection.path_note {
                ui.weak(note);
            }
        }
        let i = sel[sel.len() - 1];
        ui.add_space(4.0);
        ui.label(egui::RichText::new(g.c.neurons.name(i)).heading());
        egui::Grid::new("facts").num_columns(2).show(ui, |ui| {
            for (k, v) in g.describe(i) {
                ui.weak(k);
                ui.label(v);
                ui.end_row();
            }
        });
        let (inputs, outputs) = partners(&g, i);
        for (title, list) in [("Inputs", &inputs), ("Outputs", &outputs)] {
            egui::CollapsingHeader::new(format!("{title} ({})", list.len())).id_salt(title).default_open(true).show(ui, |ui| {
                egui::ScrollArea::vertical().id_salt(title).max_height(160.0).show(ui, |ui| {
                    egui::Grid::new(title).num_columns(2).striped(true).show(ui, |ui| {
                        for p in list.iter().take(200) {
                            neuron_link(ui, &g, p.neuron, requests, &scene.selection);
                            let kind = match p.kind {
                                EdgeKind::Chemical => "",
                                EdgeKind::Electrical => " (gap)",
                                EdgeKind::Undirected => " (undirected)",
                                EdgeKind::Other => " (other)",
                            };
                            ui.label(format!("{}{kind}", fmt_weight(p.weight)));
                            ui.end_row();
                        }
                    });
                });
            });
        }
    });
}

fn fmt_weight(w: f64) -> String {
    if w.fract() == 0.0 {
        format!("{w:.0}")
    } else {
        format!("{w:.2}")
    }
}

fn layout_ui(ui: &mut egui::Ui, scene: &mut Scene, jobs: &Jobs, requests: &mut MessageWriter<Request>) {
    let Some(g) = scene.graph.data.clone() else { return };
    ui.separator();
    egui::CollapsingHeader::new("Layout").default_open(true).show(ui, |ui| {
        let has_positions = g.c.neurons.position.iter().all(Option::is_some);
        let current = scene.positions.layout_kind;
        ui.horizontal_wrapped(|ui| {
            for k in LayoutKind::ALL {
                let enabled = k != LayoutKind::Anatomical || has_positions;
                let r = ui.add_enabled(enabled, egui::Button::selectable(current == Some(k), k.as_str()));
                if r.clicked() {
                    requests.write(Request::Layout(k));
                }
            }
        });
        if jobs.layout.running() == Some(LayoutKind::Force) && ui.button("Stop force layout").clicked() {
            requests.write(Request::StopLayout);
        }
    });
}

fn appearance_ui(
    ui: &mut egui::Ui,
    scene: &mut Scene,
    requests: &mut MessageWriter<Request>,
    communities: &mut Communities,
) {
    ui.separator();
    egui::CollapsingHeader::new("Neurons")
        .default_open(true)
        .show(ui, |ui| {
            let s = &mut scene.settings;
            let before = s.color_by;
            egui::ComboBox::from_label("colour by")
                .selected_text(s.color_by.label())
                .show_ui(ui, |ui| {
                    for c in ColorBy::ALL {
                        if c == ColorBy::Custom && scene.hook.0.colors.is_empty() {
                            continue;
                        }
                        ui.selectable_value(&mut s.color_by, c, c.label());
                    }
                });
            if s.color_by != before {
                scene.dirty.colors = true;
            }
            ui.horizontal(|ui| {
                if ui
                    .button("Colour by communities")
                    .on_hover_text("With the Communities window's settings (Leiden, modularity, γ = 1 at first); computed in the background")
                    .clicked()
                {
                    requests.write(Request::ColourByCommunities);
                }
                if ui.button("Communities…").on_hover_text("Table, heatmap, dynamic functional connectome, export").clicked() {
                    communities.open = true;
                }
            });
            let mut changed = ui.checkbox(&mut s.size_by_degree, "size by degree").changed();
            changed |= ui
                .add(
                    egui::Slider::new(&mut s.node_scale, 0.2..=5.0)
                        .logarithmic(true)
                        .text("size"),
                )
                .changed();
            if changed {
                scene.dirty.neurons = true;
            }
            ui.horizontal(|ui| {
                ui.label("labels");
                ui.radio_value(&mut s.labels, LabelMode::None, "none");
                ui.radio_value(&mut s.labels, LabelMode::Selection, "selection");
                ui.radio_value(&mut s.labels, LabelMode::All, "all that fit");
            });
            ui.horizontal(|ui| {
                ui.label("highlight")
                    .on_hover_text("Dims neurons farther than this from the selection");
                let before = s.hops;
                ui.radio_value(&mut s.hops, 0, "off");
                ui.radio_value(&mut s.hops, 1, "1 hop");
                ui.radio_value(&mut s.hops, 2, "2 hops");
                if s.hops != before {
                    scene.dirty.selection = true;
                }
            });
            ui.horizontal(|ui| {
                ui.label("theme");
                let before = s.theme;
                ui.radio_value(&mut s.theme, Theme::Dark, "dark");
                ui.radio_value(&mut s.theme, Theme::Light, "light");
                if s.theme != before {
                    scene.dirty.neurons = true;
                    scene.dirty.edges = true;
                }
            });
        });
}

fn edges_ui(ui: &mut egui::Ui, scene: &mut Scene) {
    let Some(g) = scene.graph.data.clone() else { return };
    ui.separator();
    egui::CollapsingHeader::new("Connections")
        .default_open(true)
        .show(ui, |ui| {
            let s = &mut scene.settings;
            let before = s.edges.clone();
            let opacity = s.edge_opacity;
            ui.horizontal(|ui| {
                ui.checkbox(&mut s.edges.chemical, format!("chemical ({})", g.c.chemical.len()));
                ui.checkbox(
                    &mut s.edges.electrical,
                    format!("gap junctions ({})", g.c.electrical.len()),
                );
            });
            if !g.c.undirected.is_empty() || !g.c.other.is_empty() {
                ui.horizontal(|ui| {
                    if !g.c.undirected.is_empty() {
                        ui.checkbox(
                            &mut s.edges.undirected,
                            format!("undirected ({})", g.c.undirected.len()),
                        )
                        .on_hover_text("Connections of an undirected graph whose kind the file does not say");
                    }
                    if !g.c.other.is_empty() {
                        ui.checkbox(&mut s.edges.other, format!("other ({})", g.c.other.len()))
                            .on_hover_text("Connections of a type we do not know (see the import report)");
                    }
                });
            }
            ui.add(
                egui::Slider::new(&mut s.edges.min_weight, 0.0..=g.max_weight)
                    .logarithmic(true)
                    .max_decimals(1)
                    .text(format!("min weight ({})", g.c.weight_unit)),
            );
            ui.add(egui::Slider::new(&mut s.edge_opacity, 0.05..=1.0).text("opacity"));
            ui.horizontal(|ui| {
                let mut limit = s.edges.per_neuron.is_some();
                ui.checkbox(&mut limit, "strongest")
                    .on_hover_text("Level of detail: keep each neuron's strongest connections");
                let mut k = s.edges.per_neuron.unwrap_or(5);
                ui.add_enabled(limit, egui::DragValue::new(&mut k).range(1..=1000));
                ui.label("per neuron");
                s.edges.per_neuron = limit.then_some(k);
            });
            ui.horizontal(|ui| {
                ui.label("at most");
                ui.add(
                    egui::DragValue::new(&mut s.edges.cap)
                        .range(0..=5_000_000)
                        .speed(1000.0),
                );
                ui.label("connections");
            });
            if s.edges != before || s.edge_opacity != opacity {
                scene.dirty.edges = true;
            }
            ui.weak("Chemical synapses brighten towards the postsynaptic neuron; gap junctions are dashed.");
        });
}

fn capture_ui(ui: &mut egui::Ui, jobs: &mut Jobs, captures: &mut MessageWriter<CaptureRequest>) {
    ui.separator();
    egui::CollapsingHeader::new("Screenshot")
        .default_open(false)
        .show(ui, |ui| {
            let c = &mut jobs.capture;
            ui.checkbox(&mut c.include_panel, "include the panel (window size)");
            ui.add_enabled_ui(!c.include_panel, |ui| {
                ui.horizontal(|ui| {
                    ui.label("scale");
                    for s in [1, 2, 4] {
                        ui.radio_value(&mut c.scale, s, format!("{s}×"));
                    }
                });
                ui.horizontal(|ui| {
                    ui.label("background");
                    ui.radio_value(&mut c.background, Background::Theme, "theme");
                    ui.radio_value(&mut c.background, Background::White, "white");
                    ui.radio_value(&mut c.background, Background::Transparent, "transparent");
                });
            });
            ui.add(
                egui::TextEdit::singleline(&mut c.path)
                    .hint_text("connectoscope-<time>.png")
                    .desired_width(f32::INFINITY),
            );
            if ui.button("Save PNG (F12)").clicked() {
                captures.write(c.request());
            }
            if let Some(p) = &jobs.status.last_capture {
                ui.weak(format!("saved {p}"));
            }
        });
}
