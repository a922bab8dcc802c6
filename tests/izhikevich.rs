//! Izhikevich (2003) neurons reproduce the published firing patterns (Fig. 2 of the paper) for
//! a single neuron with constant input I = 10, and the first spike of a regular-spiking neuron
//! comes exactly when iterating the published equations says it does.

use connectoscope::sim::izhikevich::{Izhikevich, IzhikevichParams, Preset};
use connectoscope::sim::{Engine, Network, StepInput};

const I: f64 = 10.0;
/// Where the neurons start: the resting state of the four presets (b = 0.2: v = -70, u = b v),
/// as in the paper's figure, where the input steps up from rest.
const V_REST: f64 = -70.0;

fn one_neuron() -> Network {
    Network {
        n: 1,
        out_offsets: vec![0, 0],
        gap_offsets: vec![0, 0],
        ..Default::default()
    }
}

/// Spike times (ms, end of the spike's step) of one neuron of `preset` under constant I.
fn spike_times(preset: Preset, paper_scheme: bool, dt: f64, duration_ms: f64) -> Vec<f64> {
    let inhibitory = [preset == Preset::FastSpiking];
    let number = [
        Preset::RegularSpiking,
        Preset::IntrinsicallyBursting,
        Preset::Chattering,
        Preset::FastSpiking,
    ]
    .iter()
    .position(|&p| p == preset)
    .unwrap();
    let params = IzhikevichParams {
        preset: number as f64,
        paper_scheme,
        v_init: V_REST,
        ..Default::default()
    };
    let mut engine = Izhikevich::new(&one_neuron(), params, &inhibitory, dt, 1);
    engine.set_bias(&[I]).unwrap();
    let (zero, no) = ([0.0], [false]);
    let mut spikes = Vec::new();
    let mut times = Vec::new();
    for step in 0..(duration_ms / dt).round() as u64 {
        spikes.clear();
        engine.step(
            &StepInput {
                step,
                current: &zero,
                synaptic: &[],
                muted: &no,
                ablated: &no,
            },
            &mut spikes,
        );
        if !spikes.is_empty() {
            times.push((step + 1) as f64 * dt);
        }
    }
    times
}

fn intervals(times: &[f64]) -> Vec<f64> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Splits sorted intervals at their largest ratio gap: (short ones, long ones, ratio).
fn two_modes(isis: &[f64]) -> (Vec<f64>, Vec<f64>, f64) {
    let mut sorted = isis.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (at, ratio) = (1..sorted.len())
        .map(|k| (k, sorted[k] / sorted[k - 1]))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    (sorted[..at].to_vec(), sorted[at..].to_vec(), ratio)
}

/// The published equations iterated directly from rest: the step (end time, ms)
/// where v first reaches 30 mV.
fn first_spike_by_iteration(paper_scheme: bool, dt: f64) -> f64 {
    let [a, b, _, _] = Preset::RegularSpiking.abcd();
    let (mut v, mut u) = (V_REST, b * V_REST);
    for step in 0.. {
        if paper_scheme {
            v += 0.5 * dt * (0.04 * v * v + 5.0 * v + 140.0 - u + I);
            v += 0.5 * dt * (0.04 * v * v + 5.0 * v + 140.0 - u + I);
            u += dt * a * (b * v - u);
        } else {
            (v, u) = (
                v + dt * (0.04 * v * v + 5.0 * v + 140.0 - u + I),
                u + dt * a * (b * v - u),
            );
        }
        if v >= 30.0 {
            return (step + 1) as f64 * dt;
        }
    }
    unreachable!()
}

#[test]
fn regular_spiking_first_spike_is_the_published_equations() {
    let euler = spike_times(Preset::RegularSpiking, false, 0.1, 100.0);
    assert_eq!(euler[0], first_spike_by_iteration(false, 0.1));
    // The paper's own scheme and step (two half-steps of 0.5 ms for v).
    let paper = spike_times(Preset::RegularSpiking, true, 1.0, 100.0);
    assert_eq!(paper[0], first_spike_by_iteration(true, 1.0));
    // Both integrate the same equations: the first spikes agree within a few ms.
    assert!(
        (euler[0] - paper[0]).abs() < 5.0,
        "Euler {} vs paper {}",
        euler[0],
        paper[0]
    );
}

/// Steady interval (mean of the last five) over the first interval.
fn adaptation(isis: &[f64]) -> f64 {
    isis[isis.len() - 5..].iter().sum::<f64>() / 5.0 / isis[0]
}

#[test]
fn regular_spiking_fires_tonically_with_adaptation() {
    let isis = intervals(&spike_times(Preset::RegularSpiking, false, 0.1, 1000.0));
    assert!(isis.len() >= 10, "tonic firing: {isis:?}");
    assert!(
        isis[0] < isis[isis.len() - 1],
        "the first interval is shorter than the later ones: {isis:?}"
    );
    assert!(adaptation(&isis) > 2.0, "{isis:?}");
    // Tonic: once adapted, the intervals stay put.
    assert!(
        isis[2..].iter().all(|&x| (x / isis[isis.len() - 1] - 1.0).abs() < 0.02),
        "{isis:?}"
    );
}

#[test]
fn fast_spiking_fires_fast_and_regularly() {
    let fs = intervals(&spike_times(Preset::FastSpiking, false, 0.1, 1000.0));
    let rs = intervals(&spike_times(Preset::RegularSpiking, false, 0.1, 1000.0));
    assert!(
        fs.len() > 100 && fs.len() > 5 * rs.len(),
        "FS {} intervals vs RS {}",
        fs.len(),
        rs.len()
    );
    // Regular: after a three-spike onset, every interval within 3 % of the mean.
    let steady = &fs[3..];
    let mean = steady.iter().sum::<f64>() / steady.len() as f64;
    assert!(steady.iter().all(|&x| (x / mean - 1.0).abs() < 0.03), "{fs:?}");
    // Little slowing down compared with RS.
    assert!(
        adaptation(&fs) < 0.8 * adaptation(&rs),
        "FS {} vs RS {}",
        adaptation(&fs),
        adaptation(&rs)
    );
}

#[test]
fn chattering_and_bursting_neurons_burst() {
    for preset in [Preset::Chattering, Preset::IntrinsicallyBursting] {
        let isis = intervals(&spike_times(preset, false, 0.1, 1000.0));
        let (short, long, ratio) = two_modes(&isis);
        // Bimodal intervals: within bursts and between them, far apart.
        assert!(ratio > 3.0, "{preset:?}: {isis:?}");
        assert!(short.len() >= 2 && !long.is_empty(), "{preset:?}: {isis:?}");
        let spread =
            |x: &[f64]| x.iter().copied().fold(f64::MIN, f64::max) / x.iter().copied().fold(f64::MAX, f64::min);
        assert!(
            spread(&short) < ratio && spread(&long) < ratio,
            "{preset:?}: modes overlap: {isis:?}"
        );
    }
}

#[test]
fn bursts_have_several_spikes_for_chattering() {
    let isis = intervals(&spike_times(Preset::Chattering, false, 0.1, 1000.0));
    let (short, long, _) = two_modes(&isis);
    // Repetitive bursts: more short intervals than long ones (>= 2 spikes per burst).
    assert!(long.len() >= 3 && short.len() >= long.len(), "{isis:?}");
}

/// 0 -> 1 with weight `w` and a delay of `delay` steps; neuron 0 is made to fire in step 10.
/// Returns neuron 1's variable `var` per step.
fn drive_pair(params: IzhikevichParams, w: f64, delay: u16, var: usize, steps: u64) -> Vec<f64> {
    let net = Network {
        n: 2,
        out_offsets: vec![0, 1, 1],
        targets: vec![1],
        weights: vec![w],
        delays: vec![delay],
        gap_offsets: vec![0, 0, 0],
        ..Default::default()
    };
    let mut engine = Izhikevich::new(
        &net,
        IzhikevichParams {
            v_init: V_REST,
            ..params
        },
        &[false, false],
        0.1,
        1,
    );
    let no = [false, false];
    let (mut spikes, mut trace) = (Vec::new(), Vec::new());
    for step in 0..steps {
        // 0.1 ms x 1000 = +100 mV in one step.
        let current = if step == 10 { [1000.0, 0.0] } else { [0.0, 0.0] };
        spikes.clear();
        engine.step(
            &StepInput {
                step,
                current: &current,
                synaptic: &[],
                muted: &no,
                ablated: &no,
            },
            &mut spikes,
        );
        assert_eq!(spikes.contains(&0), step == 10, "neuron 0 fires in step 10 only");
        trace.push(engine.value(var, 1));
    }
    trace
}

#[test]
fn instantaneous_synapses_make_v_jump_after_the_delay() {
    let v = drive_pair(IzhikevichParams::default(), 2.5, 15, 0, 40);
    // Emitted in step 10, it arrives in step 25.
    let jumps: Vec<(usize, f64)> = (1..v.len())
        .map(|s| (s, v[s] - v[s - 1]))
        .filter(|&(_, d)| d.abs() > 1.0)
        .collect();
    assert_eq!(jumps.len(), 1, "{jumps:?}");
    assert_eq!(jumps[0].0, 25);
    assert!((jumps[0].1 - 2.5).abs() < 0.01, "{jumps:?}");
}

#[test]
fn exponential_synapses_decay_with_tau_syn() {
    let tau = 5.0;
    let i_syn = drive_pair(
        IzhikevichParams {
            tau_syn: tau,
            ..Default::default()
        },
        2.5,
        15,
        2,
        40,
    );
    assert!(i_syn[..25].iter().all(|&x| x == 0.0));
    assert_eq!(i_syn[25], 2.5);
    assert!((i_syn[35] - 2.5 * (-10.0 * 0.1 / tau).exp()).abs() < 1e-12);
}
