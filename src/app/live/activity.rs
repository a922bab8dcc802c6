//! Live activity as neuron colours: spikes that flash and fade, a state variable on a colour
//! map, or oscillator phase as hue with local synchrony as brightness. Silenced, ablated and
//! stimulated neurons get a halo ([`Mark`]), so their fill still shows their activity (with
//! noise into every neuron, the spikes stay visible). No bevy here.

use crate::app::context::colors::{CustomColors, Legend, Mark, Rgba, ramp};
use crate::sim::live::Snapshot;

/// What the neuron colours show while a simulation is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ActivityView {
    /// Spikes flash and fade.
    #[default]
    Spikes,
    /// The traced state variable (membrane potential, rate ...) on a colour map.
    Value,
    /// Phase as hue, local synchrony as brightness (oscillator models).
    Phase,
}

impl ActivityView {
    pub const ALL: [ActivityView; 3] = [ActivityView::Spikes, ActivityView::Value, ActivityView::Phase];

    pub fn label(self) -> &'static str {
        match self {
            ActivityView::Spikes => "spikes",
            ActivityView::Value => "state variable",
            ActivityView::Phase => "phase & synchrony",
        }
    }
}

pub const FLASH: Rgba = [1.0, 0.96, 0.62, 1.0];

fn quiet(dark: bool) -> Rgba {
    if dark {
        [0.30, 0.34, 0.42, 1.0]
    } else {
        [0.62, 0.65, 0.70, 1.0]
    }
}

fn ablated(dark: bool) -> Rgba {
    if dark {
        [0.09, 0.09, 0.10, 1.0]
    } else {
        [0.88, 0.88, 0.88, 1.0]
    }
}

/// `a` at t = 0, exactly `b` at t = 1.
fn mix(a: Rgba, b: Rgba, t: f32) -> Rgba {
    let m = |k: usize| a[k] * (1.0 - t) + b[k] * t;
    [m(0), m(1), m(2), 1.0]
}

/// HSV (all in 0..1) to sRGB.
pub fn hsv(h: f32, s: f32, v: f32) -> Rgba {
    let h = h.rem_euclid(1.0) * 6.0;
    let c = v * s;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    [r + m, g + m, b + m, 1.0]
}

/// The 2nd and 98th percentiles of `values` (NaN ignored), so one outlier does not flatten
/// the colour map; a tiny span is widened.
pub fn robust_range(values: impl Iterator<Item = f32>) -> (f32, f32) {
    let mut v: Vec<f32> = values.filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return (0.0, 1.0);
    }
    v.sort_by(f32::total_cmp);
    let at = |q: f32| v[((v.len() - 1) as f32 * q).round() as usize];
    let (lo, hi) = (at(0.02), at(0.98));
    if hi - lo < 1e-6 { (lo - 0.5, hi + 0.5) } else { (lo, hi) }
}

/// Colours, size factors, halo marks and legend for the snapshot. `decay_ms`: how long a spike's flash lasts
/// (biological time, so a paused run keeps its picture). `range`: the colour-map range of
/// [`ActivityView::Value`] (None: from the data).
pub fn activity_colors(
    s: &Snapshot,
    view: ActivityView,
    decay_ms: f32,
    range: Option<(f32, f32)>,
    dark: bool,
) -> CustomColors {
    let n = s.value.len();
    let now = s.time_ms as f32;
    let view = if view == ActivityView::Phase && s.phase.is_none() {
        ActivityView::Spikes
    } else {
        view
    };
    let flash = |i: usize| {
        let age = now - s.last_spike_ms[i];
        if age >= 0.0 {
            (-age / decay_ms.max(0.01)).exp()
        } else {
            0.0
        }
    };
    let mut legend = Legend::default();
    let mut colors: Vec<Rgba> = match view {
        ActivityView::Spikes => {
            legend.title = format!("activity · {} · {:.1} ms", s.model, s.time_ms);
            legend.entries = vec![
                (format!("spike (fades in {decay_ms:.0} ms)"), FLASH),
                ("quiet".into(), quiet(dark)),
            ];
            (0..n).map(|i| mix(quiet(dark), FLASH, flash(i))).collect()
        }
        ActivityView::Value => {
            let (lo, hi) = range.unwrap_or_else(|| robust_range((0..n).filter(|&i| !s.ablated[i]).map(|i| s.value[i])));
            legend.title = format!("{} · {:.1} ms", variable_name(s), s.time_ms);
            legend.gradient = Some((format!("{lo:.1}"), format!("{hi:.1}")));
            (0..n).map(|i| ramp((s.value[i] - lo) / (hi - lo))).collect()
        }
        ActivityView::Phase => {
            let (phase, local) = (
                s.phase.as_deref().unwrap_or(&[]),
                s.local_order.as_deref().unwrap_or(&[]),
            );
            legend.title = format!("phase (hue) · local synchrony (brightness) · {:.1} ms", s.time_ms);
            legend.gradient = Some(("0".into(), "2π".into()));
            legend.gradient_stops = (0..=12).map(|k| hsv(k as f32 / 12.0, 0.85, 1.0)).collect();
            (0..n)
                .map(|i| {
                    let r = local.get(i).copied().unwrap_or(0.0);
                    hsv(phase[i] / std::f32::consts::TAU, 0.85, 0.25 + 0.75 * r)
                })
                .collect()
        }
    };
    for (i, c) in colors.iter_mut().enumerate() {
        if s.ablated[i] {
            *c = ablated(dark);
        }
    }
    let marks: Vec<u8> = (0..n)
        .map(|i| {
            let mut m = 0;
            if s.driven[i] && !s.ablated[i] {
                m |= Mark::Stimulated as u8;
            }
            if s.muted[i] && !s.ablated[i] {
                m |= Mark::Silenced as u8;
            }
            if s.ablated[i] {
                m |= Mark::Ablated as u8;
            }
            m
        })
        .collect();
    // Spiking neurons swell so they stand out of a dense cluster.
    let scale = (0..n)
        .map(|i| if s.ablated[i] { 0.7 } else { 1.0 + 0.9 * flash(i) })
        .collect();
    for mark in Mark::ALL {
        if marks.iter().any(|&m| m & mark as u8 != 0) {
            legend.rings.push((mark.label().into(), mark.color()));
        }
    }
    CustomColors {
        colors,
        legend,
        scale,
        marks,
    }
}

fn variable_name(s: &Snapshot) -> String {
    s.variables
        .get(s.variable)
        .map_or_else(|| "value".into(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(n: usize) -> Snapshot {
        Snapshot {
            model: "lif",
            variables: &["V_m"],
            time_ms: 100.0,
            last_spike_ms: vec![f32::NEG_INFINITY; n],
            value: vec![-70.0; n],
            muted: vec![false; n],
            ablated: vec![false; n],
            driven: vec![false; n],
            ..Default::default()
        }
    }

    #[test]
    fn spikes_flash_then_fade() {
        let mut s = snapshot(4);
        s.last_spike_ms[0] = 100.0;
        s.last_spike_ms[1] = 80.0;
        s.driven[2] = true;
        s.ablated[3] = true;
        s.muted[1] = true;
        let out = activity_colors(&s, ActivityView::Spikes, 10.0, None, true);
        let (c, scale, legend) = (&out.colors, &out.scale, &out.legend);
        assert_eq!(c[0], FLASH);
        assert!(scale[0] > scale[1] && scale[1] > 1.0 && scale[3] < 1.0);
        let brightness = |c: Rgba| c[0] + c[1] + c[2];
        assert!(brightness(c[1]) < brightness(c[0]) && brightness(c[1]) > brightness(quiet(true)));
        // Stimulated and silenced neurons keep their activity fill; a halo says what is done.
        assert_eq!(c[2], quiet(true));
        assert_eq!(
            out.marks,
            [0, Mark::Silenced as u8, Mark::Stimulated as u8, Mark::Ablated as u8]
        );
        assert_eq!(c[3], ablated(true));
        let rings: Vec<&str> = legend.rings.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(rings, ["stimulated now", "silenced (output muted)", "ablated"]);
    }

    #[test]
    fn values_use_a_robust_range_and_phase_falls_back_without_oscillators() {
        let mut s = snapshot(3);
        s.value = vec![-70.0, -62.5, -55.0];
        let CustomColors { colors: c, legend, .. } =
            activity_colors(&s, ActivityView::Value, 10.0, Some((-70.0, -55.0)), true);
        assert_eq!(c[0], ramp(0.0));
        assert_eq!(c[2], ramp(1.0));
        assert_eq!(legend.gradient, Some(("-70.0".into(), "-55.0".into())));
        assert!(legend.title.starts_with("V_m"));
        let c = activity_colors(&s, ActivityView::Phase, 10.0, None, true).colors;
        assert_eq!(c[0], quiet(true), "no phases: spikes view");
        assert_eq!(robust_range([1.0, 1.0].into_iter()), (0.5, 1.5));
    }

    #[test]
    fn hue_wheel() {
        assert_eq!(hsv(0.0, 1.0, 1.0), [1.0, 0.0, 0.0, 1.0]);
        let g = hsv(1.0 / 3.0, 1.0, 1.0);
        assert!(g[1] > 0.99 && g[0] < 1e-5 && g[2] < 1e-5);
        assert_eq!(hsv(1.0, 1.0, 0.5), hsv(0.0, 1.0, 0.5));
    }
}
