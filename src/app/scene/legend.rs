//! The colour legend (node colours, gradient, connection styles) drawn with egui over the 3D
//! view and into recorded videos, and the egui colour helpers it shares with the panels.

use bevy_egui::egui;

use crate::app::context::colors::{Legend, Rgba};
use crate::app::context::state::Theme;

/// The colour legend with the connection styles, its bottom-right corner at `at` (also drawn
/// into recorded videos). Bottom right: the home view lays a long graph along the other diagonal.
pub fn legend_area(ctx: &egui::Context, at: egui::Pos2, legend: &Legend, text: egui::Color32, theme: Theme) {
    egui::Area::new(egui::Id::new("legend"))
        .order(egui::Order::Middle)
        .pivot(egui::Align2::RIGHT_BOTTOM)
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
                    for (name, c) in &legend.rings {
                        ui.horizontal(|ui| {
                            let (r, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
                            ui.painter()
                                .circle_stroke(r.center(), 5.0, egui::Stroke::new(2.0, color32(*c)));
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
