//! Drawn over the 3D view with egui: neuron labels (hovered, selected, path, neighbours; or as
//! many as fit), the hover tooltip, the colour legend and a title line.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};

use crate::app::context::state::{LabelMode, Theme, UiFocus};
use crate::app::scene::Scene;
use crate::app::scene::camera::MainCamera;
use crate::app::scene::legend::{legend_area, text_color};

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

    // Legend, bottom right of the 3D view.
    legend_area(
        &ctx,
        egui::pos2(rect.max.x - 10.0, rect.max.y - 10.0),
        &scene.colors.legend,
        text,
        scene.settings.theme,
    );

    // Title line, top left of the 3D view.
    let mut kinds = format!(
        "{} chemical · {} gap junctions",
        g.c.chemical.len(),
        g.c.electrical.len()
    );
    for (e, name) in [(&g.c.undirected, "undirected"), (&g.c.other, "other")] {
        if !e.is_empty() {
            kinds += &format!(" · {} {name}", e.len());
        }
    }
    let title = format!(
        "{} · {} neurons · {kinds}{}",
        g.source,
        n,
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
