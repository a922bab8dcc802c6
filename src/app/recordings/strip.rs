//! The behaviour strip: a behaviour track (velocity by default) as a curve around its zero
//! line, interval sets (reversals) shaded, and the playback time as a line. Drawn under the
//! Recording panel's scrubber and into recorded videos.

use bevy_egui::egui;

use crate::app::recordings::Animal;

/// Shading of interval sets (reversals first), cycled.
const SPANS: [egui::Color32; 3] = [
    egui::Color32::from_rgba_premultiplied(120, 60, 20, 90),
    egui::Color32::from_rgba_premultiplied(30, 70, 110, 90),
    egui::Color32::from_rgba_premultiplied(70, 100, 40, 90),
];

/// Paints the strip of `animal` for times `span` into `rect`, in `(fill, text)` colours;
/// `track` names the behaviour drawn (empty: velocity, else the first); `now` is the playhead.
pub fn paint(
    painter: &egui::Painter,
    rect: egui::Rect,
    (fill, text): (egui::Color32, egui::Color32),
    animal: &Animal,
    track: &str,
    span: (f64, f64),
    now: f64,
) {
    let (t0, t1) = span;
    let width = (t1 - t0).max(1e-9);
    let x_of = |t: f64| rect.left() + ((t - t0) / width) as f32 * rect.width();
    painter.rect_filled(rect, 2.0, fill);
    let r = &animal.recording;
    for (k, set) in r.intervals.iter().enumerate() {
        for &(a, b) in &set.spans {
            if b < t0 || a > t1 {
                continue;
            }
            let (xa, xb) = (x_of(a.max(t0)), x_of(b.min(t1)));
            let shade = egui::Rect::from_x_y_ranges(xa..=xb.max(xa + 1.0), rect.y_range());
            painter.rect_filled(shade, 0.0, SPANS[k % SPANS.len()]);
        }
    }
    let behaviour = if track.is_empty() {
        animal.main_behaviour()
    } else {
        r.behaviour(track).or_else(|| animal.main_behaviour())
    };
    let mut label = r
        .intervals
        .iter()
        .map(|i| format!("{} shaded", i.name.replace('_', " ")))
        .collect::<Vec<_>>();
    if let Some(b) = behaviour {
        let finite = || b.values.iter().copied().filter(|v| v.is_finite());
        let top = finite().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-9);
        let (lo, hi) = if finite().any(|v| v < 0.0) {
            (-top, top)
        } else {
            (0.0, top)
        };
        let y_of = |v: f32| rect.bottom() - 3.0 - (v - lo) / (hi - lo) * (rect.height() - 6.0);
        if lo < 0.0 {
            painter.hline(
                rect.x_range(),
                y_of(0.0),
                egui::Stroke::new(1.0, text.gamma_multiply(0.3)),
            );
        }
        let columns = (rect.width() as usize).max(2);
        let mut line = Vec::with_capacity(columns);
        let mut lines = Vec::new();
        for c in 0..columns {
            let t = t0 + width * c as f64 / (columns - 1) as f64;
            let v = b.values.get(r.frame_at(t)).copied().unwrap_or(f32::NAN);
            if v.is_finite() {
                line.push(egui::pos2(x_of(t), y_of(v)));
            } else if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
        }
        lines.push(line);
        for l in lines.into_iter().filter(|l| l.len() > 1) {
            painter.add(egui::Shape::line(l, egui::Stroke::new(1.2, text.gamma_multiply(0.85))));
        }
        label.insert(0, b.name.replace('_', " "));
    }
    painter.text(
        rect.left_top() + egui::vec2(4.0, 2.0),
        egui::Align2::LEFT_TOP,
        label.join(" · "),
        egui::FontId::proportional(11.0),
        text.gamma_multiply(0.8),
    );
    let x = x_of(now.clamp(t0, t1));
    painter.vline(
        x,
        rect.y_range(),
        egui::Stroke::new(2.0, egui::Color32::from_rgb(255, 200, 60)),
    );
}
