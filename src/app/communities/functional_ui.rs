//! The functional half of the Communities window: the dynamic functional connectome of the
//! current run, or of the open recordings, in one click (component time curves, a scrubber over windows, communities on
//! the graph, structural-vs-functional NMI, export).

use bevy_egui::egui;
use egui_plot::{Line, Plot, VLine};

use super::window::{ExportJob, export_buttons};
use crate::analysis::communities;
use crate::app::communities::{Communities, MAX_FUNCTIONAL_NEURONS, Showing, most_active_window};
use crate::app::live::Live;
use crate::app::recordings::Recordings;
use crate::app::scene::Scene;

pub(super) fn functional_ui(
    ui: &mut egui::Ui,
    state: &mut Communities,
    scene: &mut Scene,
    live: &Live,
    rec: &mut Recordings,
    export_job: &mut ExportJob,
    g: &std::sync::Arc<crate::app::context::graph::GraphData>,
) {
    ui.heading("Dynamic functional connectome");
    ui.weak(
        "From this run's activity or the open recordings: affinities between neurons in sliding windows, \
         factorised (NTF) into components, each with its communities and a time curve of when it is active.",
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
    if state.functional_job.is_none() && !rec.animals.is_empty() {
        let n = rec.animals.len();
        let label = if n == 1 {
            "▶ Dynamic connectome of the recording".to_string()
        } else {
            format!("▶ Dynamic connectome of the {n} recordings")
        };
        if ui
            .button(label)
            .on_hover_text(
                "The recorded neurons matched to this connectome; several animals form the recordings axis of \
                 the tensor (the neurons all of them have). Its time scrubber follows the playback.",
            )
            .clicked()
        {
            state.start_recorded(g, rec);
        }
    }
    let Some(fc) = state.functional.clone() else { return };
    let dc = &fc.dc;
    let windows = dc.window_start_s.len();
    let of = match fc.recordings {
        0 => "run",
        1 => "recording",
        _ => "recordings",
    };
    ui.label(format!(
        "{} {} neurons, {} windows of a {:.1} s {of}{}, relative error {:.3}",
        fc.neurons.len(),
        if fc.recordings > 0 { "recorded" } else { "active" },
        windows,
        fc.duration_ms / 1000.0,
        if fc.recordings > 1 {
            format!(" ({} animals)", fc.recordings)
        } else {
            String::new()
        },
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
        if w != state.window && fc.recordings > 0 && !rec.animals.is_empty() {
            // One time for the playback and the scrubber.
            rec.seek(rec.span().0 + start(w) + state.functional_settings.window_s / 2.0);
        }
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
