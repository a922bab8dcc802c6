//! Recorded activity as neuron colours: each recorded neuron's value now on a colour map
//! (one range for the whole recording, so amplitudes compare across neurons), neurons the
//! recording does not cover grey and small; and the model-vs-recording fit on a diverging
//! map. No bevy here.

use crate::app::context::colors::{CustomColors, Legend, Rgba, ramp, through};

/// Neurons with no ROI in the recording.
pub const UNRECORDED: Rgba = [0.36, 0.37, 0.40, 1.0];
/// Recorded neurons without a value at this time (a NaN frame).
pub const NO_VALUE: Rgba = [0.20, 0.20, 0.22, 1.0];
/// Size of unrecorded neurons, relative to recorded ones.
pub const UNRECORDED_SCALE: f32 = 0.55;

/// Colours for the values now: `value[i]` of graph neuron `i` (`None`: unrecorded, NaN: no
/// value in this frame) on the colour map over `range`; `what` and `time` title the legend.
pub fn replay_colors(values: &[Option<f32>], range: (f32, f32), what: &str, time_s: f64) -> CustomColors {
    let (lo, hi) = range;
    let span = (hi - lo).max(1e-6);
    let colors = values
        .iter()
        .map(|v| match v {
            None => UNRECORDED,
            Some(x) if x.is_nan() => NO_VALUE,
            Some(x) => ramp((x - lo) / span),
        })
        .collect();
    CustomColors {
        colors,
        legend: Legend {
            title: format!("recorded {what} · t = {time_s:.1} s"),
            entries: vec![("not recorded".into(), UNRECORDED), ("no value now".into(), NO_VALUE)],
            gradient: Some((format!("{lo:.2}"), format!("{hi:.2}"))),
            ..Default::default()
        },
        scale: sizes(values),
        marks: Vec::new(),
    }
}

/// Neurons with a value full size, the others small.
fn sizes<T>(values: &[Option<T>]) -> Vec<f32> {
    values
        .iter()
        .map(|v| if v.is_some() { 1.0 } else { UNRECORDED_SCALE })
        .collect()
}

/// Blue (anti-correlated) through light grey to red (correlated).
pub const DIVERGING: [Rgba; 5] = [
    [0.13, 0.40, 0.67, 1.0],
    [0.57, 0.77, 0.87, 1.0],
    [0.85, 0.85, 0.85, 1.0],
    [0.96, 0.65, 0.51, 1.0],
    [0.70, 0.09, 0.17, 1.0],
];

/// Colours for the model-vs-recording fit: `r[i]` of graph neuron `i` from -1 to 1 (`None`:
/// not compared, grey and small).
pub fn fit_colors(r: &[Option<f64>]) -> CustomColors {
    let colors = r
        .iter()
        .map(|v| match v {
            Some(r) => through(&DIVERGING, ((r + 1.0) / 2.0) as f32),
            None => UNRECORDED,
        })
        .collect();
    CustomColors {
        colors,
        legend: Legend {
            title: "model vs recording: correlation per neuron".into(),
            entries: vec![("not compared".into(), UNRECORDED)],
            gradient: Some(("-1".into(), "1".into())),
            gradient_stops: DIVERGING.to_vec(),
            ..Default::default()
        },
        scale: sizes(r),
        marks: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_neurons_on_the_map_unrecorded_grey_and_small() {
        let c = replay_colors(
            &[Some(0.0), Some(2.0), None, Some(f32::NAN), Some(9.0)],
            (0.0, 2.0),
            "z-score",
            3.25,
        );
        assert_eq!(c.colors[0], ramp(0.0));
        assert_eq!(c.colors[1], ramp(1.0));
        assert_eq!(c.colors[4], ramp(1.0), "clamped");
        assert_eq!(c.colors[2], UNRECORDED);
        assert_eq!(c.colors[3], NO_VALUE);
        assert_eq!(c.scale, [1.0, 1.0, UNRECORDED_SCALE, 1.0, 1.0]);
        assert_eq!(c.legend.title, "recorded z-score · t = 3.2 s");
        assert_eq!(c.legend.gradient, Some(("0.00".into(), "2.00".into())));
    }

    #[test]
    fn fit_runs_from_blue_to_red() {
        let c = fit_colors(&[Some(-1.0), Some(0.0), Some(1.0), None]);
        let near = |a: Rgba, b: Rgba| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6);
        assert!(near(c.colors[0], DIVERGING[0]));
        assert!(near(c.colors[1], DIVERGING[2]));
        assert!(near(c.colors[2], DIVERGING[4]), "{:?}", c.colors[2]);
        assert_eq!((c.colors[3], c.scale[3]), (UNRECORDED, UNRECORDED_SCALE));
    }
}
