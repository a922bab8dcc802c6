//! The Recording panel under the 3D view: play / pause / speed / loop, the animal, what was
//! matched, a scrubber over the whole recording with the behaviour strip, the neurons × time
//! heatmap (hovering a row highlights its neuron, a click selects it and seeks), traces of the
//! selection, and the model-vs-recording table.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::egui;
use egui_plot::{Legend, Line, Plot, VLine};

use crate::app::context::colors::cell_type_key;
use crate::app::context::state::{Membership, Request};
use crate::app::live::Live;
use crate::app::recordings::heatmap::{self, RowKeys, RowOrder};
use crate::app::recordings::{Animal, Recordings, Showing, strip};
use crate::app::scene::Scene;

/// What the panel reads and changes.
#[derive(SystemParam)]
pub struct RecordingUi<'w> {
    pub rec: ResMut<'w, Recordings>,
    membership: Res<'w, Membership>,
    heatmap: ResMut<'w, HeatmapTexture>,
}

/// The heatmap's texture and what it was drawn from.
#[derive(Resource, Default)]
pub struct HeatmapTexture {
    /// Animal, order, reference ROI, graph generation, communities known, frames.
    key: Option<(usize, RowOrder, Option<usize>, u64, bool, usize)>,
    rows: Vec<usize>,
    texture: Option<egui::TextureHandle>,
}

/// Columns of the heatmap image at most.
const HEATMAP_COLUMNS: usize = 1200;
/// Selected neurons traced at most.
const MAX_TRACES: usize = 8;

/// The panel; `requests` carries what other folders do (open, close, communities).
pub fn recording_panel_ui(
    ui: &mut egui::Ui,
    r: &mut RecordingUi,
    scene: &mut Scene,
    live: &Live,
    requests: &mut MessageWriter<Request>,
) {
    // The panel is as tall as its contents say: fill the size it was given (or dragged to).
    ui.set_min_height(ui.max_rect().height());
    transport_ui(ui, r, scene, live, requests);
    if r.rec.animals.is_empty() {
        return;
    }
    scrubber_ui(ui, &mut r.rec);
    // From the panel's rectangle, not from what its contents leave: that would make the panel
    // grow every frame.
    let height = (ui.max_rect().bottom() - ui.cursor().top() - 8.0).max(60.0);
    ui.horizontal_top(|ui| {
        let width = ui.available_width();
        ui.vertical(|ui| {
            ui.set_width(width * 0.62);
            heatmap_ui(ui, r, scene, height, requests);
        });
        ui.vertical(|ui| {
            if r.rec.fit.is_some() && r.rec.showing == Showing::Fit {
                fit_ui(ui, &r.rec, scene, height, requests);
            } else {
                traces_ui(ui, &r.rec, scene, height);
            }
        });
    });
}

/// The first row: playback, animal, matching, and the buttons.
fn transport_ui(
    ui: &mut egui::Ui,
    r: &mut RecordingUi,
    scene: &mut Scene,
    live: &Live,
    requests: &mut MessageWriter<Request>,
) {
    let rec = &mut r.rec;
    ui.horizontal_wrapped(|ui| {
        ui.strong("Recording");
        if let Some(job) = &rec.load {
            let (k, n, name) = &rec.progress;
            ui.spinner();
            ui.label(format!(
                "reading {} of {n}: {name} ({:.1} s)",
                k + 1,
                job.started.elapsed().as_secs_f32()
            ));
            if ui.button("Cancel").clicked() {
                job.cancel();
                rec.load = None;
            }
        }
        if rec.animals.is_empty() {
            if rec.load.is_none() {
                ui.weak("none open: File > Open recording…, or drop NWB / WormWideWeb JSON / traces CSV files here");
                if ui.button("Open recording…").clicked() {
                    requests.write(Request::OpenRecordingDialog);
                }
            }
            return;
        }
        let play = if rec.playing { "⏸ Pause" } else { "▶ Play" };
        if ui
            .button(play)
            .on_hover_text("Play the recording on the neurons")
            .clicked()
        {
            let (start, end) = rec.span();
            if !rec.playing && rec.time_s >= end {
                rec.time_s = start;
            }
            rec.playing = !rec.playing;
            if rec.showing == Showing::Nothing {
                rec.show(Showing::Activity);
            }
        }
        ui.add(
            egui::DragValue::new(&mut rec.speed)
                .speed(0.2)
                .range(0.1..=500.0)
                .suffix(" s/s"),
        )
        .on_hover_text("Speed: recording seconds per second");
        ui.toggle_value(&mut rec.looping, "🔁 loop");
        let (start, end) = rec.span();
        ui.monospace(format!("t = {:.1} s / {:.0} s", rec.time_s - start, end - start));
        if rec.animals.len() > 1 {
            let mut k = rec.current;
            egui::ComboBox::from_id_salt("animal")
                .selected_text(format!("animal {}: {}", k + 1, rec.animals[k].name))
                .show_ui(ui, |ui| {
                    for (i, a) in rec.animals.iter().enumerate() {
                        ui.selectable_value(&mut k, i, format!("{}: {}", i + 1, a.name));
                    }
                });
            if k != rec.current {
                rec.pick(k);
                rec.show(Showing::Activity);
            }
        }
        let a = &rec.animals[rec.current];
        ui.label(format!("{}/{} ROIs matched", a.report.matched, a.recording.rois.len()))
            .on_hover_text(match_report(a));
        let tracks: Vec<String> = a.recording.behaviour.iter().map(|b| b.name.clone()).collect();
        let shown = a.main_behaviour().map(|b| b.name.clone()).unwrap_or_default();
        if tracks.len() > 1 {
            let current = if rec.track.is_empty() { shown } else { rec.track.clone() };
            egui::ComboBox::from_id_salt("behaviour track")
                .selected_text(current.replace('_', " "))
                .show_ui(ui, |ui| {
                    for t in tracks {
                        let label = t.replace('_', " ");
                        ui.selectable_value(&mut rec.track, t, label);
                    }
                })
                .response
                .on_hover_text("The behaviour drawn under the scrubber");
        }
        let on = rec.showing == Showing::Activity;
        if ui
            .selectable_label(on, "show on neurons")
            .on_hover_text("Colour the neurons by the recorded activity now; unrecorded neurons grey and small")
            .clicked()
        {
            rec.show(if on { Showing::Nothing } else { Showing::Activity });
        }
        if ui
            .button("Dynamic communities")
            .on_hover_text(
                "The dynamic functional connectome of the open recordings (several animals: the recordings axis \
                 of the tensor), in the Communities window",
            )
            .clicked()
        {
            requests.write(Request::RecordedCommunities);
        }
        if let Some(job) = &rec.fit_job {
            ui.add(
                egui::ProgressBar::new(rec.fit_progress as f32)
                    .desired_width(90.0)
                    .show_percentage(),
            );
            if ui.button("Cancel").clicked() {
                job.cancel();
                rec.fit_job = None;
            }
        } else if let Some(g) = scene.graph.data.clone()
            && ui
                .button("Model vs recording")
                .on_hover_text(
                    "Simulates the Simulation panel's protocol for as long as the recording and correlates each \
                     matched neuron's calcium-like activity with its recorded trace",
                )
                .clicked()
        {
            rec.start_fit(&g, live);
        }
        if rec.fit.is_some() && ui.selectable_label(rec.showing == Showing::Fit, "show fit").clicked() {
            rec.show(Showing::Fit);
        }
        if ui.button("Close").on_hover_text("Close every recording").clicked() {
            requests.write(Request::CloseRecordings);
        }
    });
}

/// How the labels were matched, for the hover text.
fn match_report(a: &Animal) -> String {
    let r = &a.report;
    let mut text = format!(
        "{}\n{} ROIs, {} labelled, {} matched ({} only to a class such as AVA: shown on each of its neurons, \
         {} uncertain '?'), {} unlabelled",
        a.recording.source.path,
        a.recording.rois.len(),
        a.recording.labelled(),
        r.matched,
        r.class_level,
        r.uncertain,
        r.unlabelled
    );
    if !r.unmatched.is_empty() {
        text.push_str(&format!("\nnot in this connectome: {}", r.unmatched.join(", ")));
    }
    if !r.duplicates.is_empty() {
        text.push_str(&format!(
            "\nmatched by several ROIs (the first shown): {}",
            r.duplicates.join(", ")
        ));
    }
    text
}

/// The scrubber: the behaviour strip over the whole recording; click or drag to seek.
fn scrubber_ui(ui: &mut egui::Ui, rec: &mut Recordings) {
    let span = rec.span();
    let (rect, response) =
        ui.allocate_exact_size(egui::vec2(ui.available_width(), 52.0), egui::Sense::click_and_drag());
    let text = ui.visuals().text_color();
    if let Some(a) = rec.animal() {
        let fill = text.gamma_multiply(0.06);
        strip::paint(ui.painter(), rect, (fill, text), a, &rec.track, span, rec.time_s);
    }
    if (response.dragged() || response.clicked())
        && let Some(p) = response.interact_pointer_pos()
    {
        let u = ((p.x - rect.left()) / rect.width()).clamp(0.0, 1.0) as f64;
        rec.seek(span.0 + u * (span.1 - span.0));
        if rec.showing == Showing::Nothing {
            rec.show(Showing::Activity);
        }
    }
    response
        .on_hover_text("Drag to move through the recording")
        .widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Slider, true, "recording time"));
}

/// The neurons × time heatmap, sorted as chosen; linked to the scene and the scrubber.
fn heatmap_ui(
    ui: &mut egui::Ui,
    r: &mut RecordingUi,
    scene: &mut Scene,
    height: f32,
    requests: &mut MessageWriter<Request>,
) {
    let Some(g) = scene.graph.data.clone() else { return };
    let rec = &mut r.rec;
    ui.horizontal(|ui| {
        ui.label("neurons × time, sorted by");
        egui::ComboBox::from_id_salt("heatmap order")
            .selected_text(rec.rows.label())
            .show_ui(ui, |ui| {
                for o in RowOrder::ALL {
                    ui.selectable_value(&mut rec.rows, o, o.label());
                }
            })
            .response
            .on_hover_text(
                "correlation: with the first selected neuron's trace, else with the behaviour under the scrubber",
            );
    });
    let Some(a) = rec.animals.get(rec.current) else { return };
    let recording = &a.recording;
    // Correlation is with the first selected neuron's trace, else with the behaviour track.
    let reference_roi = scene
        .selection
        .selected
        .first()
        .and_then(|&i| a.roi_of.get(i).copied().flatten())
        .map(|roi| roi as usize);
    let community_current = r.membership.generation == scene.graph.generation;
    let key = (
        rec.current,
        rec.rows,
        reference_roi,
        scene.graph.generation,
        community_current,
        recording.frames(),
    );
    let cache = &mut *r.heatmap;
    if cache.key != Some(key) || cache.texture.is_none() {
        let names: Vec<String> = (0..recording.rois.len()).map(|roi| row_name(a, &g.c, roi)).collect();
        let type_rank = |i: u32| match cell_type_key(g.c.neurons.cell_type.get(i as usize).unwrap_or("")).as_str() {
            "sensory" => 0,
            "interneuron" => 1,
            "motor" => 2,
            _ => 3,
        };
        let community: &[u32] = if community_current {
            &r.membership.membership
        } else {
            &[]
        };
        let keys = RowKeys {
            names: &names,
            neuron: &a.neuron_of,
            type_rank: &type_rank,
            community,
        };
        let reference = match reference_roi {
            Some(roi) => Some(recording.trace(roi).to_vec()),
            None => a.main_behaviour().map(|b| b.values.clone()),
        };
        let rows = heatmap::order_rows(recording, &keys, rec.rows, reference.as_deref());
        let columns = recording.frames().clamp(1, HEATMAP_COLUMNS);
        let pixels = heatmap::pixels(recording, &rows, columns);
        let image = egui::ColorImage::from_rgba_unmultiplied([columns, rows.len().max(1)], &pixels);
        cache.texture = Some(
            ui.ctx()
                .load_texture("recording heatmap", image, egui::TextureOptions::NEAREST),
        );
        cache.rows = rows;
        cache.key = Some(key);
    }
    let Some(texture) = &cache.texture else { return };
    let size = egui::vec2(ui.available_width(), (height - 24.0).max(40.0));
    let response = ui
        .add(egui::Image::new((texture.id(), size)).sense(egui::Sense::click()))
        .on_hover_cursor(egui::CursorIcon::Crosshair);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Other, true, "heatmap"));
    let rect = response.rect;
    let span = rec.span();
    let x_now = rect.left() + ((rec.time_s - span.0) / (span.1 - span.0).max(1e-9)) as f32 * rect.width();
    ui.painter().vline(
        x_now,
        rect.y_range(),
        egui::Stroke::new(1.5, egui::Color32::from_rgb(255, 200, 60)),
    );
    let rows = &cache.rows;
    // Selected neurons' rows are marked at the left edge.
    let row_h = rect.height() / rows.len().max(1) as f32;
    for (k, &roi) in rows.iter().enumerate() {
        if a.neuron_of[roi].is_some_and(|i| scene.selection.is_selected(i as usize)) {
            let y = rect.top() + (k as f32 + 0.5) * row_h;
            ui.painter()
                .circle_filled(egui::pos2(rect.left() - 4.0, y), 3.0, egui::Color32::WHITE);
        }
    }
    let Some(p) = response.hover_pos() else { return };
    let k = (((p.y - rect.top()) / row_h) as usize).min(rows.len().saturating_sub(1));
    let Some(&roi) = rows.get(k) else { return };
    let neuron = a.neuron_of[roi].map(|i| i as usize);
    if scene.selection.hovered != neuron && neuron.is_some() {
        scene.selection.hovered = neuron;
        scene.dirty.neurons = true;
    }
    let t = span.0 + ((p.x - rect.left()) / rect.width()).clamp(0.0, 1.0) as f64 * (span.1 - span.0);
    let value = recording
        .trace(roi)
        .get(recording.frame_at(t))
        .copied()
        .unwrap_or(f32::NAN);
    let name = row_name(a, &g.c, roi);
    let clicked = response.clicked();
    response.on_hover_text(format!(
        "{name} at {:.1} s: {value:.3}\nclick: select it and go there",
        t - span.0
    ));
    if clicked {
        rec.seek(t);
        if let Some(i) = neuron {
            requests.write(Request::Select(vec![i]));
        }
    }
}

/// A row's name: the neuron it is matched to, else its label, else `ROI n`.
fn row_name(a: &Animal, c: &crate::model::Connectome, roi: usize) -> String {
    match (a.neuron_of[roi], &a.recording.rois[roi].label) {
        (Some(i), _) => c.neurons.name(i as usize).to_string(),
        (None, Some(label)) => label.clone(),
        (None, None) => format!("ROI {}", roi + 1),
    }
}

/// Recorded traces of the selected neurons over the whole recording, with the playhead.
fn traces_ui(ui: &mut egui::Ui, rec: &Recordings, scene: &Scene, height: f32) {
    let (Some(a), Some(g)) = (rec.animal(), &scene.graph.data) else {
        return;
    };
    let traced: Vec<(usize, u32)> = scene
        .selection
        .selected
        .iter()
        .filter_map(|&i| a.roi_of.get(i).copied().flatten().map(|roi| (i, roi)))
        .take(MAX_TRACES)
        .collect();
    ui.label(format!("traces of the selection ({})", a.quantity()));
    if traced.is_empty() {
        ui.weak("Select recorded neurons (click them, or a heatmap row) to plot their traces.");
        return;
    }
    let times = a.recording.time.times();
    let start = rec.span().0;
    Plot::new("recorded traces")
        .height((height - 24.0).max(40.0))
        .legend(Legend::default())
        .allow_scroll(false)
        .show(ui, |p| {
            for &(i, roi) in &traced {
                let points: Vec<[f64; 2]> = times
                    .iter()
                    .zip(a.recording.trace(roi as usize))
                    .filter(|(_, v)| v.is_finite())
                    .map(|(&t, &v)| [t - start, v as f64])
                    .collect();
                p.line(Line::new(g.c.neurons.name(i).to_string(), points));
            }
            p.vline(VLine::new("now", rec.time_s - start));
        });
}

/// The model-vs-recording table: neurons by correlation, best first; a click selects.
fn fit_ui(ui: &mut egui::Ui, rec: &Recordings, scene: &Scene, height: f32, requests: &mut MessageWriter<Request>) {
    let (Some(fit), Some(g)) = (&rec.fit, scene.graph.data.clone()) else {
        return;
    };
    let mut rows: Vec<_> = fit.fits.iter().collect();
    rows.sort_by(|a, b| {
        b.r.unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.r.unwrap_or(f64::NEG_INFINITY))
    });
    let with_r: Vec<f64> = rows.iter().filter_map(|f| f.r).collect();
    if with_r.is_empty() {
        ui.label(format!(
            "model vs {}: none of the {} matched neurons is active in the model. Add stimuli or noise in \
             the Simulation panel, then compare again.",
            fit.animal,
            rows.len()
        ));
        return;
    }
    let mean = with_r.iter().sum::<f64>() / with_r.len() as f64;
    ui.label(format!(
        "model vs {}: {} neurons, mean r = {mean:.2} over the {} active in the model",
        fit.animal,
        rows.len(),
        with_r.len()
    ));
    egui::ScrollArea::vertical()
        .max_height((height - 24.0).max(40.0))
        .id_salt("fit table")
        .show(ui, |ui| {
            egui::Grid::new("fit grid").striped(true).show(ui, |ui| {
                ui.strong("neuron");
                ui.strong("r");
                ui.strong("frames");
                ui.end_row();
                for f in rows {
                    let name = g.c.neurons.name(f.neuron as usize);
                    if ui
                        .selectable_label(scene.selection.is_selected(f.neuron as usize), name)
                        .clicked()
                    {
                        requests.write(Request::Select(vec![f.neuron as usize]));
                    }
                    ui.monospace(f.r.map_or("silent".into(), |r| format!("{r:+.2}")));
                    ui.monospace(f.frames.to_string());
                    ui.end_row();
                }
            });
        });
}
