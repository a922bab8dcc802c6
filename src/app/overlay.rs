//! Drawn over the 3D view with egui: neuron labels (hovered, selected, path, neighbours; or as
//! many as fit), the hover tooltip, the colour legend and a title line.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};

use super::camera::MainCamera;
use super::colors::{Legend, Rgba};
use super::panels::Scene;
use super::state::{LabelMode, Theme, UiFocus};

/// The colour legend with the connection styles, its bottom-left corner at `at` (also drawn
/// into recorded videos).
pub fn legend_area(ctx: &egui::Context, at: egui::Pos2, legend: &Legend, text: egui::Color32, theme: Theme) {
    egui::Area::new(egui::Id::new("legend"))
        .order(egui::Order::Middle)
        .pivot(egui::Align2::LEFT_BOTTOM)
        .fixed_pos(at)
        .interactable(false)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style())
                .multiply_with_opacity(0.9)
                .show(ui, |ui| {
                    ui.label(egui::RichText::new(&legend.title).strong());
                    for (name, c) in &legend.entries {
                        ui.horizontal(|ui| {
                            let (r, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
                            ui.painter().circle_filled(r.center(), 5.5, color32(*c));
                            ui.label(name);
                        });
                    }
                    if let Some((lo, hi)) = &legend.gradient {
                        ui.horizontal(|ui| {
                            ui.label(lo);
                            let (r, _) = ui.allocate_exact_size(egui::vec2(120.0, 10.0), egui::Sense::hover());
                            let steps = 24;
                            for k in 0..steps {
                                let x = r.min.x + r.width() * k as f32 / steps as f32;
                                let cell = egui::Rect::from_min_size(
                                    egui::pos2(x, r.min.y),
                                    egui::vec2(r.width() / steps as f32 + 0.5, r.height()),
                                );
                                let c = legend.gradient_at(k as f32 / (steps - 1) as f32);
                                ui.painter().rect_filled(cell, 0.0, color32(c));
                            }
                            ui.label(hi);
                        });
                    }
                    let gap = theme.gap_junction();
                    ui.horizontal(|ui| {
                        let (r, _) = ui.allocate_exact_size(egui::vec2(22.0, 12.0), egui::Sense::hover());
                        ui.painter().line_segment(
                            [r.left_center(), r.right_center()],
                            egui::Stroke::new(2.0, text.gamma_multiply(0.7)),
                        );
                        ui.label("chemical (brightens toward target)");
                    });
                    ui.horizontal(|ui| {
                        let (r, _) = ui.allocate_exact_size(egui::vec2(22.0, 12.0), egui::Sense::hover());
                        let mut x = r.min.x;
                        while x < r.max.x {
                            let end = (x + 5.0).min(r.max.x);
                            ui.painter().line_segment(
                                [egui::pos2(x, r.center().y), egui::pos2(end, r.center().y)],
                                egui::Stroke::new(2.0, color32(gap)),
                            );
                            x += 8.0;
                        }
                        ui.label("gap junction");
                    });
                });
        });
}

/// Text colour for a theme.
pub fn text_color(theme: Theme) -> egui::Color32 {
    match theme {
        Theme::Dark => egui::Color32::from_gray(235),
        Theme::Light => egui::Color32::from_gray(20),
    }
}

pub fn color32(c: Rgba) -> egui::Color32 {
    egui::Color32::from_rgb((c[0] * 255.0) as u8, (c[1] * 255.0) as u8, (c[2] * 255.0) as u8)
}

pub fn overlay(
    mut contexts: EguiContexts,
    scene: Scene,
    focus: Res<UiFocus>,
    cameras: Query<(&Camera, &GlobalTransform), With<MainCamera>>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let Some(g) = scene.graph.data.clone() else {
        return Ok(());
    };
    let [x0, y0, x1, y1] = focus.viewport;
    let rect = egui::Rect::from_min_max(egui::pos2(x0, y0), egui::pos2(x1, y1));
    if rect.width() < 10.0 || rect.height() < 10.0 {
        return Ok(());
    }
    let Ok((camera, transform)) = cameras.single() else {
        return Ok(());
    };
    let n = g.len();
    let pos = &scene.positions.current;
    if pos.len() != n {
        return Ok(());
    }
    let dark = scene.settings.theme == Theme::Dark;
    let text = text_color(scene.settings.theme);
    let halo = if dark {
        egui::Color32::from_black_alpha(170)
    } else {
        egui::Color32::from_white_alpha(200)
    };
    let painter = ctx
        .layer_painter(egui::LayerId::new(egui::Order::Background, egui::Id::new("labels")))
        .with_clip_rect(rect);
    let project = |i: usize| -> Option<egui::Pos2> {
        let p = camera.world_to_viewport(transform, Vec3::from_array(pos[i])).ok()?;
        let q = egui::pos2(p.x, p.y);
        rect.contains(q).then_some(q)
    };

    // Labels, most important first; a label is skipped where it would overlap one drawn already.
    let sel = &scene.selection;
    let mut order: Vec<usize> = Vec::new();
    if scene.settings.labels != LabelMode::None {
        order.extend(sel.hovered);
        order.extend(sel.selected.iter().copied());
        if let Some(p) = &sel.path {
            order.extend(p.neurons.iter().copied());
        }
        if sel.selected.len() <= 3 && sel.hops.len() == n {
            let mut near: Vec<usize> = (0..n).filter(|&i| sel.hops[i] == 1).collect();
            near.sort_by_key(|&i| std::cmp::Reverse(g.degree(i)));
            order.extend(near.into_iter().take(40));
        }
        if scene.settings.labels == LabelMode::All {
            let mut all: Vec<usize> = (0..n).collect();
            all.sort_by_key(|&i| std::cmp::Reverse(g.degree(i)));
            order.extend(all.into_iter().take(3000));
        }
    }
    let font = egui::FontId::proportional(12.0);
    let mut placed: Vec<egui::Rect> = Vec::new();
    let mut seen = rustc_hash::FxHashSet::default();
    for i in order {
        if !seen.insert(i) || placed.len() >= 400 {
            continue;
        }
        let Some(p) = project(i) else { continue };
        let r = scene.positions.radii.get(i).copied().unwrap_or(1.0);
        let offset = 4.0 + r.min(10.0);
        let galley = painter.layout_no_wrap(g.c.neurons.name(i).to_string(), font.clone(), text);
        let at = egui::pos2(p.x + offset, p.y - galley.size().y / 2.0);
        let bbox = egui::Rect::from_min_size(at, galley.size()).expand(1.0);
        let important = sel.hovered == Some(i) || sel.is_selected(i);
        // With a highlighted neighbourhood, dimmed neurons get no label.
        let dimmed = !sel.selected.is_empty()
            && scene.settings.hops > 0
            && sel.hops.get(i).is_some_and(|&h| h > scene.settings.hops)
            && !sel.path.as_ref().is_some_and(|p| p.neurons.contains(&i));
        if dimmed && !important {
            continue;
        }
        if !important && placed.iter().any(|b| b.intersects(bbox)) {
            continue;
        }
        placed.push(bbox);
        painter.rect_filled(bbox.expand(1.0), 3.0, halo);
        painter.galley(at, galley, text);
    }

    // Tooltip beside the pointer.
    if let Some(i) = sel.hovered
        && let Some(pointer) = ctx.pointer_latest_pos()
    {
        egui::Area::new(egui::Id::new("hover"))
            .order(egui::Order::Tooltip)
            .fixed_pos(pointer + egui::vec2(18.0, 14.0))
            .interactable(false)
            .show(&ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.label(egui::RichText::new(g.c.neurons.name(i)).strong());
                    egui::Grid::new("tip").num_columns(2).show(ui, |ui| {
                        for (k, v) in g.describe(i) {
                            ui.weak(k);
                            ui.label(v);
                            ui.end_row();
                        }
                    });
                });
            });
    }

    // Legend, bottom left of the 3D view.
    legend_area(
        &ctx,
        egui::pos2(rect.min.x + 10.0, rect.max.y - 10.0),
        &scene.colors.legend,
        text,
        scene.settings.theme,
    );

    // Title line, top left of the 3D view.
    let title = format!(
        "{} · {} neurons · {} chemical · {} gap junctions{}",
        g.source,
        n,
        g.c.chemical.len(),
        g.c.electrical.len(),
        scene
            .positions
            .layout_kind
            .map_or(String::new(), |k| format!(" · {} layout", k.as_str()))
    );
    ctx.layer_painter(egui::LayerId::new(egui::Order::Background, egui::Id::new("title")))
        .with_clip_rect(rect)
        .text(
            rect.min + egui::vec2(12.0, 10.0),
            egui::Align2::LEFT_TOP,
            title,
            egui::FontId::proportional(14.0),
            text.gamma_multiply(0.85),
        );
    Ok(())
}
