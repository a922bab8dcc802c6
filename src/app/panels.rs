//! The egui side panel, menu bar and status bar: file actions, layout, colours, connections,
//! search, the inspector and screenshots. Leaves the rest of the window to the 3D view.

use bevy::camera::visibility::RenderLayers;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiGlobalSettings, EguiPrimaryContextPass, PrimaryEguiContext, egui};

use super::capture::{Background, CaptureRequest, CaptureSettings};
use super::colors::ColorBy;
use super::communities_panel::{self, ExportJob};
use super::communities_view::Communities;
use super::edges::EdgeRender;
use super::graph::{GraphData, partners};
use super::layout::LayoutJob;
use super::live_panel::{self, LiveUi};
use super::loading::Loader;
use super::overlay;
use super::record_panel::{self, RecordUi};
use super::search;
use super::state::{
    Dirty, Graph, LabelMode, NeuronColorHook, NeuronColors, Positions, Request, Selection, Status, Theme, UiFocus,
    ViewSettings,
};
use crate::analysis::layout::LayoutKind;
use crate::io::datasets;
use crate::model::EdgeKind;

pub struct PanelsPlugin;

impl Plugin for PanelsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<UiState>()
            .init_resource::<ExportJob>()
            .add_systems(Startup, setup_egui)
            .add_systems(EguiPrimaryContextPass, (ui, overlay::overlay).chain());
    }
}

/// Text fields and other UI-only state.
#[derive(Resource, Default)]
pub struct UiState {
    pub open_path: String,
    pub save_path: String,
    pub search: String,
    applied_theme: Option<Theme>,
}

fn setup_egui(mut commands: Commands, mut settings: ResMut<EguiGlobalSettings>) {
    settings.auto_create_primary_context = false;
    // egui draws with its own camera on top of the 3D view.
    commands.spawn((
        PrimaryEguiContext,
        Camera2d,
        RenderLayers::none(),
        Camera {
            order: 1,
            clear_color: ClearColorConfig::None,
            ..default()
        },
    ));
}

#[derive(SystemParam)]
pub struct Scene<'w> {
    pub graph: Res<'w, Graph>,
    pub settings: ResMut<'w, ViewSettings>,
    pub selection: ResMut<'w, Selection>,
    pub dirty: ResMut<'w, Dirty>,
    pub colors: Res<'w, NeuronColors>,
    pub hook: Res<'w, NeuronColorHook>,
    pub positions: Res<'w, Positions>,
    pub edges: Option<Res<'w, EdgeRender>>,
}

#[derive(SystemParam)]
pub struct Jobs<'w> {
    loader: Res<'w, Loader>,
    layout: Res<'w, LayoutJob>,
    status: ResMut<'w, Status>,
    capture: ResMut<'w, CaptureSettings>,
}

pub const PANEL_WIDTH: f32 = 330.0;

#[allow(clippy::too_many_arguments)]
fn ui(
    mut contexts: EguiContexts,
    mut scene: Scene,
    mut jobs: Jobs,
    mut state: ResMut<UiState>,
    mut focus: ResMut<UiFocus>,
    mut live: LiveUi,
    mut record: RecordUi,
    mut requests: MessageWriter<Request>,
    mut captures: MessageWriter<CaptureRequest>,
    mut exit: MessageWriter<AppExit>,
    mut communities: ResMut<Communities>,
    mut export: ResMut<ExportJob>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let theme = scene.settings.theme;
    if state.applied_theme != Some(theme) {
        ctx.set_visuals(match theme {
            Theme::Dark => egui::Visuals::dark(),
            Theme::Light => egui::Visuals::light(),
        });
        state.applied_theme = Some(theme);
    }
    let mut root = egui::Ui::new(
        ctx.clone(),
        "root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    egui::Panel::top("menu").show(&mut root, |ui| {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open…").clicked() {
                    requests.write(Request::OpenDialog);
                }
                ui.menu_button("Bundled datasets", |ui| {
                    for d in datasets::ALL {
                        if d.name.contains("signs") {
                            continue;
                        }
                        if ui.button(d.name).on_hover_text(d.description).clicked() {
                            requests.write(Request::Open(d.name.to_string()));
                        }
                    }
                });
                if ui.button("Quit").clicked() {
                    exit.write(AppExit::Success);
                }
            });
            ui.menu_button("View", |ui| {
                if ui.button("Reset view (R)").clicked() {
                    requests.write(Request::ResetView);
                }
                if ui.button("Focus selection (F)").clicked() {
                    requests.write(Request::FocusSelection);
                }
                let mut t = scene.settings.theme;
                ui.radio_value(&mut t, Theme::Dark, "Dark theme");
                ui.radio_value(&mut t, Theme::Light, "Light theme");
                if t != scene.settings.theme {
                    scene.settings.theme = t;
                    scene.dirty.neurons = true;
                    scene.dirty.edges = true;
                }
                ui.separator();
                ui.checkbox(&mut live.files.show_panel, "Simulation panel");
                ui.checkbox(&mut live.files.show_plots, "Activity plots");
                ui.checkbox(&mut communities.open, "Communities");
            });
            ui.menu_button("Help", |ui| {
                ui.label(CONTROLS);
            });
        });
    });
    egui::Panel::bottom("status").show(&mut root, |ui| status_bar(ui, &scene, &mut jobs));
    egui::Panel::left("side")
        .default_size(PANEL_WIDTH)
        .resizable(true)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
                file_section(ui, &mut scene, &mut state, &mut requests);
                search_section(ui, &mut scene, &mut state, &mut requests);
                inspector_section(ui, &mut scene, &mut requests);
                layout_section(ui, &mut scene, &jobs, &mut requests);
                appearance_section(ui, &mut scene, &mut requests, &mut communities);
                edges_section(ui, &mut scene);
                capture_section(ui, &mut jobs, &mut captures);
                let [x0, y0, x1, y1] = focus.viewport;
                let view = ((x1 - x0).max(2.0) as u32, (y1 - y0).max(2.0) as u32);
                record_panel::video_section(ui, &mut record, view);
            });
        });
    if live.files.show_panel {
        egui::Panel::right("simulation")
            .default_size(310.0)
            .resizable(true)
            .show(&mut root, |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| live_panel::controls(ui, &mut live, &mut scene));
            });
    }
    if live.files.show_plots && live.live.snapshot.time_ms > 0.0 {
        egui::Panel::bottom("plots")
            .default_size(210.0)
            .min_size(160.0)
            .resizable(true)
            .show(&mut root, |ui| live_panel::plots(ui, &mut live, &mut scene));
    }
    communities_panel::window(
        &ctx,
        &mut communities,
        &mut scene,
        &live.live,
        &mut export,
        &mut jobs.status,
        &mut requests,
    );
    let rect = root.available_rect_before_wrap();
    focus.viewport = [rect.min.x, rect.min.y, rect.max.x, rect.max.y];
    let pointer = ctx.pointer_latest_pos();
    let over_layer = pointer
        .and_then(|p| ctx.layer_id_at(p))
        .is_some_and(|l| l.order != egui::Order::Background);
    focus.pointer_over_ui = pointer.is_none_or(|p| !rect.contains(p)) || over_layer || ctx.egui_is_using_pointer();
    focus.keyboard_busy = ctx.egui_wants_keyboard_input();
    Ok(())
}

pub const CONTROLS: &str = "Left drag: orbit · right/middle drag: pan · wheel: zoom\n\
Arrows: orbit · Shift+arrows: pan · +/−, PgUp/PgDn: zoom\n\
Click: select · Shift+click: add/remove · Esc: clear\n\
F: focus selection · R/Home: reset view · F12: screenshot\n\
Drop a file on the window to open it.";

fn status_bar(ui: &mut egui::Ui, scene: &Scene, jobs: &mut Jobs) {
    ui.horizontal(|ui| {
        if let Some(p) = jobs.loader.progress() {
            ui.spinner();
            ui.label(p);
        }
        if let Some(p) = &jobs.layout.progress {
            ui.spinner();
            ui.label(p);
        }
        if let Some(e) = jobs.status.error.clone() {
            ui.colored_label(egui::Color32::from_rgb(0xff, 0x6b, 0x6b), format!("Error: {e}"));
            if ui.small_button("dismiss").clicked() {
                jobs.status.error = None;
            }
        } else if let Some(i) = &jobs.status.info {
            ui.label(i);
        }
        if let (Some(g), Some(e)) = (&scene.graph.data, &scene.edges) {
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.weak(format!(
                    "{} neurons · drawing {} of {} connections",
                    g.len(),
                    e.drawn,
                    e.total
                ));
            });
        }
    });
}

fn file_section(ui: &mut egui::Ui, scene: &mut Scene, state: &mut UiState, requests: &mut MessageWriter<Request>) {
    egui::CollapsingHeader::new("File").default_open(true).show(ui, |ui| {
        if let Some(g) = &scene.graph.data {
            ui.label(egui::RichText::new(&g.source).strong());
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

fn search_section(ui: &mut egui::Ui, scene: &mut Scene, state: &mut UiState, requests: &mut MessageWriter<Request>) {
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

fn inspector_section(ui: &mut egui::Ui, scene: &mut Scene, requests: &mut MessageWriter<Request>) {
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
                            let kind = if p.kind == EdgeKind::Electrical { " (gap)" } else { "" };
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

fn layout_section(ui: &mut egui::Ui, scene: &mut Scene, jobs: &Jobs, requests: &mut MessageWriter<Request>) {
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

fn appearance_section(
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

fn edges_section(ui: &mut egui::Ui, scene: &mut Scene) {
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

fn capture_section(ui: &mut egui::Ui, jobs: &mut Jobs, captures: &mut MessageWriter<CaptureRequest>) {
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
