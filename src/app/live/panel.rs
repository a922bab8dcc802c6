//! The simulation panel: model and parameters, run / pause / step / reset, speed, activity
//! colours, stimulation, silencing and ablation, the protocol timeline with undo, files.
//! The plots under the 3D view are in [`super::plots`].

use std::path::PathBuf;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::egui;

use crate::app::context::colors::ColorBy;
use crate::app::context::graph::GraphData;
use crate::app::context::jobs::{Job, Poll};
use crate::app::context::state::PointerMode;
use crate::app::live::Live;
use crate::app::live::activity::ActivityView;
use crate::app::scene::Scene;
use crate::io;
use crate::sim::models::{self, MODELS, ModelConfig};
use crate::sim::protocol::{Action, Item};
use crate::sim::{LiveSim, Protocol};

#[derive(SystemParam)]
pub struct LiveUi<'w> {
    pub live: ResMut<'w, Live>,
    pub mode: ResMut<'w, PointerMode>,
    pub files: ResMut<'w, LiveFiles>,
    pub(super) communities: Res<'w, crate::app::context::state::Membership>,
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
    pub(super) raster_order: RasterOrder,
}

/// How the raster's rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RasterOrder {
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
pub fn controls_ui(ui: &mut egui::Ui, l: &mut LiveUi, scene: &mut Scene) {
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
    model_ui(ui, l, &config);
    ui.separator();
    transport_ui(ui, l, &s);
    if let Some(e) = &s.error {
        ui.colored_label(RED, e);
    }
    ui.separator();
    activity_ui(ui, l, scene, &s);
    ui.separator();
    stimulate_ui(ui, l, scene, &g, &config.model);
    ui.separator();
    timeline_ui(ui, l, &document, can_undo, can_redo, &s.time_ms);
    ui.separator();
    files_ui(ui, l, &g, &document);
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

fn model_ui(ui: &mut egui::Ui, l: &mut LiveUi, config: &ModelConfig) {
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

fn transport_ui(ui: &mut egui::Ui, l: &mut LiveUi, s: &crate::sim::live::Snapshot) {
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

fn activity_ui(ui: &mut egui::Ui, l: &mut LiveUi, scene: &mut Scene, s: &crate::sim::live::Snapshot) {
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

fn stimulate_ui(ui: &mut egui::Ui, l: &mut LiveUi, scene: &mut Scene, g: &GraphData, model: &str) {
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
        let label = ui.label("Target");
        ui.add(
            egui::TextEdit::singleline(&mut l.files.target)
                .hint_text("selection, or AVA*, class:AVA, type:sensory")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
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

fn timeline_ui(ui: &mut egui::Ui, l: &mut LiveUi, document: &Protocol, can_undo: bool, can_redo: bool, now: &f64) {
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

fn files_ui(ui: &mut egui::Ui, l: &mut LiveUi, g: &GraphData, document: &Protocol) {
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
            match Protocol::read(&path) {
                Ok(mut loaded) => {
                    let current = document.simulation.clone();
                    loaded.simulation = loaded.simulation.or(current);
                    l.live.edit(|p| *p = loaded);
                    l.live.note = Some(format!("loaded {}", path.display()));
                }
                Err(e) => l.live.note = Some(e.to_string()),
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
                    let result = handle
                        .spikes_csv(std::time::Duration::from_secs(60))
                        .map_err(String::from)
                        .and_then(|csv| {
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
    if ui
        .add_enabled(l.files.export.is_none(), egui::Button::new("Export for NEST…"))
        .on_hover_text(
            "A PyNEST script and binary arrays for this protocol and model, run up to the time reached \
             (1 s if none): `python run.py` gives the same spikes, on a cluster too (MPI)",
        )
        .clicked()
    {
        let c = g.c.clone();
        let config = document
            .simulation
            .clone()
            .unwrap_or_else(|| ModelConfig::for_model("lif"));
        let now = l.live.snapshot.time_ms;
        let run = crate::io::nest_export::NestRun {
            config,
            protocol: document.clone(),
            i_e: None,
            duration_ms: if now > 0.0 { now } else { 1000.0 },
        };
        l.files.export = Some(Job::spawn(
            "export for NEST",
            move |w| {
                let picked = rfd::FileDialog::new()
                    .set_title("Export for NEST: a new folder")
                    .set_file_name("nest_run")
                    .save_file();
                let Some(dir) = picked else {
                    w.send(Ok(String::new()));
                    return;
                };
                w.send(
                    crate::io::nest_export::write(&dir, &c, &run, false)
                        .map(|s| {
                            format!(
                                "wrote {} ({} neurons, {} connections): cd there and run `python run.py`",
                                dir.display(),
                                s.neurons,
                                s.connections
                            )
                        })
                        .map_err(|e| format!("{}: {e}", dir.display())),
                );
            },
            Err,
        ));
    }
}

fn poll_export(l: &mut LiveUi) {
    let Some(job) = &l.files.export else { return };
    match job.poll() {
        Poll::Ready(r) => {
            l.live.note = Some(r.unwrap_or_else(|e| e)).filter(|n| !n.is_empty());
            l.files.export = None;
        }
        Poll::Finished => l.files.export = None,
        Poll::Pending => {}
    }
}
