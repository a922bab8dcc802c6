//! The simulation panel (model and parameters, run / pause / step / reset, speed, activity
//! colours, stimulation, silencing and ablation, the protocol timeline with undo, files) and
//! the plots under the 3D view (raster, traces, population rate, order parameter).

use std::path::PathBuf;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::egui;
use egui_plot::{Legend, Line, Plot, Points};

use super::activity::ActivityView;
use super::colors::ColorBy;
use super::graph::GraphData;
use super::jobs::{Job, Poll};
use super::live::{Live, MAX_TRACED};
use super::panels::Scene;
use super::state::PointerMode;
use crate::io;
use crate::sim::models::{self, MODELS, ModelConfig};
use crate::sim::protocol::{Action, Item};
use crate::sim::{LiveSim, Protocol};

#[derive(SystemParam)]
pub struct LiveUi<'w> {
    pub live: ResMut<'w, Live>,
    pub mode: ResMut<'w, PointerMode>,
    pub files: ResMut<'w, LiveFiles>,
    communities: Res<'w, super::communities_view::Membership>,
}

/// File fields and the spike export running in the background.
#[derive(Resource)]
pub struct LiveFiles {
    pub protocol_path: String,
    pub spikes_path: String,
    pub target: String,
    export: Option<Job<Result<String, String>>>,
    /// A parameter being dragged: committed (one undoable edit) when the drag ends.
    draft: Option<(String, f64)>,
    pub show_panel: bool,
    pub show_plots: bool,
    raster_order: RasterOrder,
}

/// How the raster's rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RasterOrder {
    Index,
    Type,
    Community,
}

impl Default for LiveFiles {
    fn default() -> Self {
        LiveFiles {
            protocol_path: "protocol.json".into(),
            spikes_path: "spikes.csv".into(),
            target: String::new(),
            export: None,
            draft: None,
            show_panel: true,
            show_plots: true,
            raster_order: RasterOrder::Type,
        }
    }
}

const RED: egui::Color32 = egui::Color32::from_rgb(0xff, 0x6b, 0x6b);

/// The right-hand panel's content.
pub fn controls(ui: &mut egui::Ui, l: &mut LiveUi, scene: &mut Scene) {
    let Some(g) = scene.graph.data.clone() else {
        ui.weak("Open a connectome to simulate it.");
        return;
    };
    poll_export(l);
    let Some(sim) = l.live.sim.as_ref().map(LiveSim::handle) else {
        return;
    };
    let s = l.live.snapshot.clone();
    let (document, can_undo, can_redo) = sim.control(|c| {
        (
            c.timeline.document().clone(),
            c.timeline.can_undo(),
            c.timeline.can_redo(),
        )
    });
    let config = document
        .simulation
        .clone()
        .unwrap_or_else(|| ModelConfig::for_model("lif"));
    ui.heading("Simulation");
    model_section(ui, l, &config);
    ui.separator();
    transport_section(ui, l, &s);
    if let Some(e) = &s.error {
        ui.colored_label(RED, e);
    }
    ui.separator();
    activity_section(ui, l, scene, &s);
    ui.separator();
    stimulate_section(ui, l, scene, &g, &config.model);
    ui.separator();
    timeline_section(ui, l, &document, can_undo, can_redo, &s.time_ms);
    ui.separator();
    files_section(ui, l, &g, &document);
    if let Some(note) = &l.live.note {
        ui.weak(note);
    }
}

/// Undoable edit of the model settings (a new engine, the run restarts at 0).
fn edit_config(live: &Live, change: impl FnOnce(&mut ModelConfig)) {
    live.edit(|p| {
        let c = p.simulation.get_or_insert_with(|| ModelConfig::for_model("lif"));
        change(c);
    });
}

fn model_section(ui: &mut egui::Ui, l: &mut LiveUi, config: &ModelConfig) {
    ui.horizontal(|ui| {
        ui.label("Model");
        let mut model = config.model.clone();
        egui::ComboBox::from_id_salt("model")
            .selected_text(&model)
            .show_ui(ui, |ui| {
                for (name, about) in MODELS {
                    ui.selectable_value(&mut model, name.to_string(), *name)
                        .on_hover_text(*about);
                }
            });
        if model != config.model {
            let seed = config.seed;
            edit_config(&l.live, |c| {
                *c = ModelConfig {
                    seed,
                    ..ModelConfig::for_model(&model)
                }
            });
        }
    });
    egui::CollapsingHeader::new("Parameters")
        .default_open(false)
        .show(ui, |ui| {
            ui.weak("Changing the model or a parameter restarts the run.");
            egui::Grid::new("params").num_columns(2).show(ui, |ui| {
                let general = [
                    ("J", config.weight_scale, input_unit(&config.model)),
                    ("dt_ms", config.dt_ms, "ms"),
                    ("delay_ms", config.delay_ms, "ms"),
                    ("seed", config.seed as f64, ""),
                ];
                for (name, value, unit) in general {
                    ui.label(name).on_hover_text(match name {
                        "J" => "synaptic weight per unit of connection weight (per synapse)",
                        "dt_ms" => "time step",
                        "delay_ms" => "delay of connections without their own",
                        _ => "seed of every random stream",
                    });
                    if let Some(v) = number(ui, &mut l.files.draft, name, value, unit) {
                        edit_config(&l.live, |c| match name {
                            "J" => c.weight_scale = v,
                            "dt_ms" if v > 0.0 => c.dt_ms = v,
                            "delay_ms" if v >= 0.0 => c.delay_ms = v,
                            "seed" => c.seed = v.max(0.0) as u64,
                            _ => {}
                        });
                    }
                    ui.end_row();
                }
                for (name, default) in models::parameters(&config.model).unwrap_or_default() {
                    let value = config.params.get(&name).copied().unwrap_or(default);
                    ui.label(&name);
                    if is_flag(&name) {
                        let mut on = value != 0.0;
                        if ui.checkbox(&mut on, "").changed() {
                            edit_config(&l.live, |c| {
                                c.params.insert(name.clone(), on as u8 as f64);
                            });
                        }
                    } else if let Some(v) = number(ui, &mut l.files.draft, &name, value, unit(&name)) {
                        edit_config(&l.live, |c| {
                            c.params.insert(name.clone(), v);
                        });
                    }
                    ui.end_row();
                }
            });
            if !config.params.is_empty() && ui.button("Model defaults").clicked() {
                edit_config(&l.live, |c| c.params.clear());
            }
        });
}

/// A number field that edits once when the drag or typing ends. Returns the new value then.
fn number(ui: &mut egui::Ui, draft: &mut Option<(String, f64)>, name: &str, value: f64, unit: &str) -> Option<f64> {
    let mut v = match draft {
        Some((n, v)) if n == name => *v,
        _ => value,
    };
    let speed = (value.abs() * 0.01).max(0.01);
    let r = ui.add(egui::DragValue::new(&mut v).speed(speed).suffix(if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    }));
    if r.changed() {
        *draft = Some((name.to_string(), v));
    }
    let done = r.drag_stopped() || r.lost_focus() || (r.changed() && !r.dragged() && !r.has_focus());
    if done && let Some((_, v)) = draft.take_if(|(n, _)| n == name) {
        return (v.is_finite() && v != value).then_some(v);
    }
    None
}

fn is_flag(name: &str) -> bool {
    matches!(name, "stdp" | "signed" | "paper_scheme")
}

fn unit(name: &str) -> &'static str {
    match name {
        "tau_m" | "tau_syn_ex" | "tau_syn_in" | "t_ref" | "tau_plus" | "tau_minus" | "tau_syn" | "tau" => "ms",
        "c_m" => "pF",
        "e_l" | "v_th" | "v_reset" | "v_peak" | "v_init" | "v_rest" => "mV",
        "g_gap" => "nS",
        "f_mean" | "f_sd" => "Hz",
        "alpha" => "rad",
        _ => "",
    }
}

/// The unit of injected current and of J for a model.
fn input_unit(model: &str) -> &'static str {
    match model {
        "lif" => "pA",
        "izhikevich" => "mV",
        _ => "",
    }
}

fn transport_section(ui: &mut egui::Ui, l: &mut LiveUi, s: &crate::sim::live::Snapshot) {
    let sim = l.live.sim.as_ref().expect("a simulation").handle();
    ui.horizontal(|ui| {
        if s.running {
            if ui.button("⏸ Pause").on_hover_text("Space").clicked() {
                sim.control(|c| c.running = false);
            }
        } else if ui.button("▶ Run").on_hover_text("Space").clicked() {
            sim.control(|c| {
                c.running = true;
                c.run_until_ms = None;
            });
            if !l.live.colour {
                l.live.colour = true;
            }
        }
        let dt = if s.dt_ms > 0.0 { s.dt_ms } else { 0.1 };
        if ui
            .add_enabled(!s.running, egui::Button::new("Step 1 ms"))
            .on_hover_text(format!("{} steps of {dt} ms", (1.0 / dt).round().max(1.0)))
            .clicked()
        {
            sim.control(|c| c.step_requests += (1.0 / dt).round().max(1.0) as u64);
            l.live.colour = true;
        }
        if ui
            .button("⟲ Reset")
            .on_hover_text("Back to 0 ms; the timeline is kept")
            .clicked()
        {
            sim.control(|c| c.reset_requested = true);
        }
    });
    let (mut speed, mut max) = sim.control(|c| (c.speed.unwrap_or(100.0), c.speed.is_none()));
    ui.horizontal(|ui| {
        ui.label("Speed");
        let a = ui.add_enabled(
            !max,
            egui::Slider::new(&mut speed, 1.0..=10_000.0)
                .logarithmic(true)
                .suffix(" ms/s"),
        );
        let b = ui.checkbox(&mut max, "max").on_hover_text("As fast as the engine goes");
        if a.changed() || b.changed() {
            sim.control(|c| c.speed = (!max).then_some(speed));
        }
    });
    let state = if s.building {
        "building the network…".to_string()
    } else if s.running {
        "running".into()
    } else {
        "paused".into()
    };
    ui.label(egui::RichText::new(format!("t = {:.1} ms · {}", s.time_ms, state)).strong());
    ui.weak(format!(
        "simulation {:.0} ms/s · scene {:.0} fps · {} spikes",
        s.speed, l.live.scene_fps, s.total_spikes
    ))
    .on_hover_text(
        "Biological time simulated per second of wall time, and frames drawn per second: each runs at its own rate",
    );
}

fn activity_section(ui: &mut egui::Ui, l: &mut LiveUi, scene: &mut Scene, s: &crate::sim::live::Snapshot) {
    let mut colour = l.live.colour;
    if ui.checkbox(&mut colour, "Colour neurons by activity").changed() {
        l.live.colour = colour;
        if !colour {
            scene.settings.color_by = ColorBy::CellType;
            scene.dirty.colors = true;
        }
    }
    if !l.live.colour {
        return;
    }
    ui.horizontal(|ui| {
        for v in ActivityView::ALL {
            let enabled = v != ActivityView::Phase || s.phase.is_some();
            ui.add_enabled_ui(enabled, |ui| ui.radio_value(&mut l.live.view, v, v.label()));
        }
    });
    match l.live.view {
        ActivityView::Spikes => {
            ui.add(egui::Slider::new(&mut l.live.decay_ms, 1.0..=200.0).text("flash fades (ms)"));
        }
        ActivityView::Value if s.variables.len() > 1 => {
            let sim = l.live.sim.as_ref().expect("a simulation").handle();
            let mut var = s.variable;
            egui::ComboBox::from_id_salt("variable")
                .selected_text(s.variables[var.min(s.variables.len() - 1)])
                .show_ui(ui, |ui| {
                    for (k, name) in s.variables.iter().enumerate() {
                        ui.selectable_value(&mut var, k, *name);
                    }
                });
            if var != s.variable {
                sim.control(|c| c.variable = var);
            }
        }
        _ => {}
    }
}

fn stimulate_section(ui: &mut egui::Ui, l: &mut LiveUi, scene: &mut Scene, g: &GraphData, model: &str) {
    let unit = input_unit(model);
    ui.label(egui::RichText::new("Stimulate and perturb").strong());
    let mut stimulate = *l.mode == PointerMode::Stimulate;
    if ui
        .toggle_value(&mut stimulate, "⚡ Stimulate by clicking")
        .on_hover_text("Click a neuron: a current pulse. Hold: a current while held.")
        .changed()
    {
        *l.mode = if stimulate {
            PointerMode::Stimulate
        } else {
            PointerMode::Select
        };
    }
    let st = &mut l.live.stimulus;
    ui.horizontal(|ui| {
        ui.label("current");
        ui.add(
            egui::DragValue::new(&mut st.amplitude)
                .speed(10.0)
                .suffix(format!(" {unit}")),
        );
        ui.label("pulse");
        ui.add(
            egui::DragValue::new(&mut st.pulse_ms)
                .speed(1.0)
                .range(0.1..=10_000.0)
                .suffix(" ms"),
        );
    });
    ui.horizontal(|ui| {
        ui.label("Poisson");
        ui.add(
            egui::DragValue::new(&mut st.poisson_rate_hz)
                .speed(5.0)
                .range(0.0..=10_000.0)
                .suffix(" Hz"),
        );
        ui.label("×");
        ui.add(
            egui::DragValue::new(&mut st.poisson_weight)
                .speed(10.0)
                .suffix(format!(" {unit}")),
        );
    });
    ui.horizontal(|ui| {
        ui.label("Target");
        ui.add(
            egui::TextEdit::singleline(&mut l.files.target)
                .hint_text("selection, or AVA*, class:AVA, type:sensory")
                .desired_width(f32::INFINITY),
        );
    });
    let typed = l.files.target.trim().to_string();
    let target = if !typed.is_empty() {
        Some(typed)
    } else if scene.selection.selected.is_empty() {
        None
    } else {
        Some(
            scene
                .selection
                .selected
                .iter()
                .map(|&i| g.c.neurons.name(i))
                .collect::<Vec<_>>()
                .join(","),
        )
    };
    let st = l.live.stimulus;
    ui.add_enabled_ui(target.is_some(), |ui| {
        let target = target.clone().unwrap_or_default();
        ui.horizontal_wrapped(|ui| {
            if ui.button("Pulse").clicked() {
                l.live.add(
                    &g.c,
                    Action::Dc {
                        amplitude: st.amplitude,
                    },
                    target.clone(),
                    Some(st.pulse_ms),
                );
            }
            if ui
                .button("Current on")
                .on_hover_text("Until you end it in the timeline")
                .clicked()
            {
                l.live.add(
                    &g.c,
                    Action::Dc {
                        amplitude: st.amplitude,
                    },
                    target.clone(),
                    None,
                );
            }
            if ui.button("Poisson drive").clicked() {
                let action = Action::Poisson {
                    rate_hz: st.poisson_rate_hz,
                    weight: st.poisson_weight,
                };
                l.live.add(&g.c, action, target.clone(), None);
            }
        });
        ui.horizontal_wrapped(|ui| {
            if ui
                .button("Silence")
                .on_hover_text("They still fire; their output is muted")
                .clicked()
            {
                l.live.add(&g.c, Action::Silence, target.clone(), None);
            }
            if ui.button("Ablate").on_hover_text("Removed from the network").clicked() {
                l.live.add(&g.c, Action::Ablate, target.clone(), None);
            }
            if ui
                .button("Restore")
                .on_hover_text("Ends silencing, ablation and currents on these neurons now")
                .clicked()
                && let Ok(neurons) = crate::sim::protocol::resolve_target(&g.c, &target)
            {
                let neurons: Vec<usize> = neurons.into_iter().map(|i| i as usize).collect();
                l.live.end_items_on(&g.c, &neurons, |_| true);
            }
        });
    });
    if target.is_none() {
        ui.weak("Select neurons or type a target.");
    }
}

fn describe(item: &Item) -> String {
    let what = match &item.action {
        Action::Dc { amplitude } => format!("current {amplitude}"),
        Action::Pulses {
            amplitude,
            width_ms,
            frequency_hz,
        } => format!("pulses {amplitude} × {width_ms} ms at {frequency_hz} Hz"),
        Action::Poisson { rate_hz, weight } => format!("Poisson {rate_hz} Hz × {weight}"),
        Action::Noise { mean, std } => format!("noise {mean} ± {std}"),
        Action::Silence => "silence".into(),
        Action::Ablate => "ablate".into(),
    };
    let target: String = if item.target.len() > 28 {
        format!("{}…", item.target.chars().take(27).collect::<String>())
    } else {
        item.target.clone()
    };
    let when = match item.stop_ms {
        Some(stop) => format!("{:.1}-{stop:.1} ms", item.start_ms),
        None => format!("from {:.1} ms", item.start_ms),
    };
    format!("{what} on {target}, {when}")
}

fn timeline_section(ui: &mut egui::Ui, l: &mut LiveUi, document: &Protocol, can_undo: bool, can_redo: bool, now: &f64) {
    let sim = l.live.sim.as_ref().expect("a simulation").handle();
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new(format!("Timeline ({})", document.items.len())).strong());
        if ui
            .add_enabled(can_undo, egui::Button::new("Undo"))
            .on_hover_text("Ctrl+Z")
            .clicked()
        {
            sim.control(|c| c.timeline.undo());
        }
        if ui
            .add_enabled(can_redo, egui::Button::new("Redo"))
            .on_hover_text("Ctrl+Shift+Z")
            .clicked()
        {
            sim.control(|c| c.timeline.redo());
        }
    });
    if document.items.is_empty() {
        ui.weak("No stimuli yet: stimulate, silence or ablate neurons above.");
        return;
    }
    ui.weak("Edits act from the current time on; what already happened stays. Reset replays it all.");
    egui::ScrollArea::vertical()
        .max_height(160.0)
        .id_salt("timeline")
        .show(ui, |ui| {
            for (k, item) in document.items.iter().enumerate() {
                ui.horizontal(|ui| {
                    let active = item.is_active(*now);
                    let text = egui::RichText::new(describe(item)).small();
                    ui.label(if active { text.strong() } else { text.weak() });
                    if active && item.stop_ms.is_none() && ui.small_button("end").on_hover_text("End it now").clicked()
                    {
                        let now = *now;
                        l.live.edit(|p| p.items[k].stop_ms = Some(now.max(p.items[k].start_ms)));
                    }
                    if ui
                        .small_button("x")
                        .on_hover_text("Remove (what already happened stays)")
                        .clicked()
                    {
                        l.live.edit(|p| {
                            p.items.remove(k);
                        });
                    }
                });
            }
        });
}

fn files_section(ui: &mut egui::Ui, l: &mut LiveUi, g: &GraphData, document: &Protocol) {
    ui.horizontal(|ui| {
        ui.add(egui::TextEdit::singleline(&mut l.files.protocol_path).desired_width(140.0));
        if ui
            .button("Save")
            .on_hover_text("The protocol with the model settings (JSON)")
            .clicked()
        {
            let path = PathBuf::from(l.files.protocol_path.trim());
            let json = document.to_json();
            l.live.note = Some(match io::write_atomically(&path, |w| w.write_all(json.as_bytes())) {
                Ok(()) => format!(
                    "saved {} — reproduce with: connectoscope simulate {} --protocol {} --spikes spikes.csv",
                    path.display(),
                    g.source,
                    path.display()
                ),
                Err(e) => format!("{}: {e}", path.display()),
            });
        }
        if ui.button("Load").clicked() {
            let path = PathBuf::from(l.files.protocol_path.trim());
            match crate::cli::read_protocol(&path) {
                Ok(mut loaded) => {
                    let current = document.simulation.clone();
                    loaded.simulation = loaded.simulation.or(current);
                    l.live.edit(|p| *p = loaded);
                    l.live.note = Some(format!("loaded {}", path.display()));
                }
                Err(e) => l.live.note = Some(e),
            }
        }
    });
    ui.horizontal(|ui| {
        ui.add(egui::TextEdit::singleline(&mut l.files.spikes_path).desired_width(140.0));
        let busy = l.files.export.is_some();
        if ui
            .add_enabled(!busy, egui::Button::new("Save spikes"))
            .on_hover_text("All spikes since 0 ms as CSV neuron,time_ms (as simulate --spikes)")
            .clicked()
        {
            let handle = l.live.sim.as_ref().expect("a simulation").handle();
            let path = PathBuf::from(l.files.spikes_path.trim());
            l.files.export = Some(Job::spawn(
                "export spikes",
                move |w| {
                    let result = handle.spikes_csv(std::time::Duration::from_secs(60)).and_then(|csv| {
                        io::write_atomically(&path, |out| out.write_all(csv.as_bytes()))
                            .map_err(|e| format!("{}: {e}", path.display()))?;
                        Ok(format!("saved {}", path.display()))
                    });
                    w.send(result);
                },
                Err,
            ));
        }
        if busy {
            ui.spinner();
        }
    });
}

fn poll_export(l: &mut LiveUi) {
    let Some(job) = &l.files.export else { return };
    match job.poll() {
        Poll::Ready(r) => {
            l.live.note = Some(r.unwrap_or_else(|e| e));
            l.files.export = None;
        }
        Poll::Finished => l.files.export = None,
        Poll::Pending => {}
    }
}

/// The plots under the 3D view, their time axes following the run.
pub fn plots(ui: &mut egui::Ui, l: &mut LiveUi, scene: &mut Scene) {
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
