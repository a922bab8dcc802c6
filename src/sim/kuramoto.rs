//! Kuramoto phase oscillators on a connectome (Kuramoto 1975; with the phase lag α of
//! Sakaguchi & Kuramoto 1986), integrated with classical fourth-order Runge–Kutta at the fixed
//! step dt:
//!
//!   dθ_i/dt = ω_i + b_i + 2π/1000 · I_i + (K / s_i) Σ_j w_ij sin(θ_j − θ_i − α)
//!
//! - Time is in ms, phases in radians, so ω_i, b_i and K/1000 are in rad/ms.
//! - w_ij: the incoming connections of i (chemical and `Other` synapses with their network
//!   weights, i.e. `--J` × connection weight; gap junctions in both directions weighing
//!   `gap_weight` × `--J` × junction weight, so a junction counts like a synapse of the same
//!   weight). By default |w_ij|: a sign means nothing to a phase coupling. With `signed = 1`
//!   inhibitory connections repel (w_ij < 0), as in the peers' `kuramoto_numpy.py`.
//! - s_i = Σ_j |w_ij| (in-strength normalisation, which makes `--J` cancel); neurons without
//!   inputs (s_i = 0) rotate freely. s_i is that of the intact network: muting or ablating an
//!   input removes its term without renormalising, as cutting its synapses would.
//! - ω_i ~ Normal(2π f_mean, 2π f_sd) rad/s (f in Hz), θ_i(0) ~ Uniform[0, 2π), both drawn
//!   from the run's seed (all ω first, then all θ). [`Kuramoto::set_state`] sets them instead.
//! - Inputs: the external current I_i (protocol `dc`, `pulses`, `noise`) is a frequency push
//!   in Hz held over the step; the bias b_i ([`Engine::set_bias`], `--ie`) likewise, in Hz. A
//!   synaptic event (protocol `poisson`) of weight w advances the phase by w radians at the end
//!   of the step.
//! - A muted oscillator still rotates but drops out of the coupling sums of others; an ablated
//!   one is frozen, drops out of the sums and has no phase (it is left out of r(t)).
//! - Phases are kept in [0, 2π) between steps; a "spike" is a phase passing 2π forward, so
//!   rasters show the cycles and the mean rate is the mean frequency. Variables: sin θ, θ, the
//!   frequency over the last step (Hz, kicks included) and the natural frequency (Hz).
//!
//! Each Runge–Kutta stage needs n sines and cosines, not one per connection:
//! Σ_j w_ij sin(θ_j − θ_i) = cos θ_i Σ_j w_ij sin θ_j − sin θ_i Σ_j w_ij cos θ_j, and likewise
//! for the cosine that α brings in. The sums run over rows by target, stored in slices of
//! four rows (see [`super::sliced_rows`]; weights in single precision when that is exact),
//! split across `--threads` by chunks of neurons; a stage computes the next stage's sines and
//! cosines as it goes. On CPUs with AVX2 the step is compiled for it (a stage again for AVX-512):
//! four rows' sums build up in one vector, and the loops over phases vectorise.

use crate::sim::SimError;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::f64::consts::TAU;

use super::incoming::Incoming;
use super::network::Network;
use super::sincos::sin_cos;
use super::sliced_rows::{SlicedRows, Weight};
use super::{Engine, StepInput};

/// Parameters; the defaults are those of the peers' `kuramoto_numpy.py`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KuramotoParams {
    /// Coupling strength K (rad/s).
    #[serde(rename = "K")]
    pub k: f64,
    /// Mean natural frequency (Hz).
    pub f_mean: f64,
    /// Standard deviation of the natural frequencies (Hz).
    pub f_sd: f64,
    /// Phase lag α (rad) of the Sakaguchi–Kuramoto model.
    pub alpha: f64,
    /// Use signed weights (inhibitory connections repel) instead of absolute ones.
    pub signed: bool,
    /// Weight of a gap junction relative to a chemical synapse of the same weight (0 = none).
    pub gap_weight: f64,
}

impl Default for KuramotoParams {
    fn default() -> Self {
        KuramotoParams {
            k: 20.0,
            f_mean: 10.0,
            f_sd: 1.0,
            alpha: 0.0,
            signed: false,
            gap_weight: 1.0,
        }
    }
}

/// Radians per ms of a frequency in Hz.
const RAD_PER_MS_PER_HZ: f64 = TAU / 1000.0;

/// Neurons per parallel task: small enough to balance heavy-tailed rows.
const CHUNK: usize = 2048;

/// Below this many connections per thread a step is too short to split: a stage of 100,000
/// takes about 50 µs, several times what handing chunks to threads costs (the 3k/65k graph was
/// slower on 2 threads than on 1).
const MIN_CONNECTIONS_PER_THREAD: usize = 100_000;

/// A network of phase oscillators.
pub struct Kuramoto {
    params: KuramotoParams,
    dt: f64,
    /// Incoming connections: rows by target, in slices of four.
    rows: Rows,
    /// K / s_i in rad/ms (0 without inputs).
    gain: Vec<f64>,
    /// Natural frequencies (rad/ms).
    omega: Vec<f64>,
    theta0: Vec<f64>,
    /// Phases (rad), in [0, 2π) between steps.
    theta: Vec<f64>,
    /// Constant frequency push (rad/ms).
    bias: Vec<f64>,
    /// Mean dθ/dt over the last step (Hz).
    frequency_hz: Vec<f64>,
    ablated: Vec<bool>,
    scratch: Scratch,
    pool: Option<rayon::ThreadPool>,
}

/// The rows with weights in single precision when that loses nothing (synapse counts times
/// a round `--J`): the coupling sums stream the weights, so a third less memory is read.
enum Rows {
    Single(SlicedRows<f32>),
    Double(SlicedRows<f64>),
}

impl Rows {
    fn new(rows: &Incoming) -> Rows {
        let (offsets, sources, weights) = (&rows.offsets, &rows.sources, &rows.weights);
        if weights.iter().all(|&w| (w as f32) as f64 == w) {
            Rows::Single(SlicedRows::new(offsets, sources, weights, CHUNK))
        } else {
            Rows::Double(SlicedRows::new(offsets, sources, weights, CHUNK))
        }
    }

    fn sources(&self) -> &[u32] {
        match self {
            Rows::Single(rows) => rows.sources(),
            Rows::Double(rows) => rows.sources(),
        }
    }
}

/// Per-step buffers: (sin θ, cos θ) of the current and the next stage, the current ones with
/// zeros for sources that send nothing (muted, ablated), the next stage's phases, the
/// Runge–Kutta sum, and the part of dθ/dt that does not couple; and the phases before the step.
#[derive(Default)]
struct Scratch {
    before: Vec<f64>,
    trig: [Vec<[f64; 2]>; 2],
    sent: Vec<[f64; 2]>,
    stage: Vec<f64>,
    sum: Vec<f64>,
    drive: Vec<f64>,
}

/// A chunk of neurons in a stage: its index, and its slots of the sum, the next stage's
/// phases and their (sin, cos).
type StageChunk<'a> = (usize, ((&'a mut [f64], &'a mut [f64]), &'a mut [[f64; 2]]));

/// What one Runge–Kutta stage reads.
struct Stage<'a, W> {
    rows: &'a SlicedRows<W>,
    gain: &'a [f64],
    own: &'a [[f64; 2]],
    sent: &'a [[f64; 2]],
    drive: &'a [f64],
    ablated: &'a [bool],
    /// sin α and cos α, or None when α = 0 (the plain model, fewer operations).
    lag: Option<(f64, f64)>,
}

/// A stage's work on a chunk of neurons: its index, and their slots of the sum, the next
/// stage's phases and their (sin, cos).
type Chunk<'a> = (usize, &'a mut [f64], &'a mut [f64], &'a mut [[f64; 2]]);

impl<W: Weight> Stage<'_, W> {
    /// dθ_i/dt at this stage, given i's row sums [Σ w sin θ_j, Σ w cos θ_j].
    #[inline(always)]
    fn derivative(&self, i: usize, [sum_sin, sum_cos]: [f64; 2]) -> f64 {
        let [s, c] = self.own[i];
        // Σ w sin(θj − θi), and Σ w cos(θj − θi) for the lag.
        let sin_diff = c * sum_sin - s * sum_cos;
        let coupling = match self.lag {
            None => sin_diff,
            Some((sin_a, cos_a)) => sin_diff * cos_a - (c * sum_cos + s * sum_sin) * sin_a,
        };
        let d = self.drive[i] + self.gain[i] * coupling;
        if self.ablated[i] { 0.0 } else { d }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    fn chunk_avx512(&self, rk: usize, theta: &[f64], to_next: f64, chunk: Chunk) {
        self.chunk::<true>(rk, theta, to_next, chunk);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn chunk_avx2(&self, rk: usize, theta: &[f64], to_next: f64, chunk: Chunk) {
        self.chunk::<true>(rk, theta, to_next, chunk);
    }

    /// Stage `rk` on chunk `c` of neurons (see [`Stage::run`]), its slices' sums with AVX2
    /// if `WIDE`.
    #[inline(always)]
    fn chunk<const WIDE: bool>(&self, rk: usize, theta: &[f64], to_next: f64, chunk: Chunk) {
        let (c, sum, next, next_trig) = chunk;
        let start = c * CHUNK;
        for slice in self.rows.chunk(c) {
            // SAFETY: WIDE only where the CPU has AVX2 and FMA; every source indexes `sent`
            // (checked in `Kuramoto::new`).
            #[cfg(target_arch = "x86_64")]
            let [sum_sin, sum_cos] = if WIDE {
                unsafe { self.rows.sums_avx2(slice, self.sent) }
            } else {
                self.rows.sums(slice, self.sent)
            };
            #[cfg(not(target_arch = "x86_64"))]
            let [sum_sin, sum_cos] = self.rows.sums(slice, self.sent);
            // The sums wait in `next_trig` (filled only after them) for a loop in neuron order,
            // which vectorises.
            for (lane, i) in self.rows.rows(slice) {
                next_trig[i - start] = [sum_sin[lane], sum_cos[lane]];
            }
        }
        let weight = if rk == 0 || rk == 3 { 1.0 } else { 2.0 };
        let len = sum.len();
        let (next, row_sums, theta) = (&mut next[..len], &next_trig[..len], &theta[start..start + len]);
        for k in 0..len {
            let d = self.derivative(start + k, row_sums[k]);
            sum[k] = if rk == 0 { 0.0 } else { sum[k] } + weight * d;
            next[k] = theta[k] + to_next * d;
        }
        if rk < 3 {
            fill_sin_cos(next_trig, next);
        }
    }

    /// Runge–Kutta stage `rk` (0..4): adds its slope, with weight 1 or 2, to `sum`; then,
    /// but for the last stage, (sin, cos) of the phases where the next stage evaluates,
    /// θ + to_next · slope, go to `next_trig` (`next` holds those phases).
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        rk: usize,
        theta: &[f64],
        to_next: f64,
        sum: &mut [f64],
        next: &mut [f64],
        next_trig: &mut [[f64; 2]],
        pool: Option<&rayon::ThreadPool>,
    ) {
        let update = |(c, ((sum, next), next_trig)): StageChunk| {
            let chunk = (c, sum, next, next_trig);
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vl") {
                // SAFETY: the CPU has the features the function is compiled for.
                return unsafe { self.chunk_avx512(rk, theta, to_next, chunk) };
            }
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                // SAFETY: as above.
                return unsafe { self.chunk_avx2(rk, theta, to_next, chunk) };
            }
            self.chunk::<false>(rk, theta, to_next, chunk);
        };
        match pool {
            Some(pool) => pool.install(|| {
                sum.par_chunks_mut(CHUNK)
                    .zip(next.par_chunks_mut(CHUNK))
                    .zip(next_trig.par_chunks_mut(CHUNK))
                    .enumerate()
                    .for_each(update)
            }),
            None => sum
                .chunks_mut(CHUNK)
                .zip(next.chunks_mut(CHUNK))
                .zip(next_trig.chunks_mut(CHUNK))
                .enumerate()
                .for_each(update),
        }
    }
}

impl Kuramoto {
    /// Builds the oscillators over `net`; `weight_scale` is the `--J` its weights carry (gap
    /// junctions are scaled by it to weigh like synapses). ω and θ(0) are drawn from `seed`.
    pub fn new(
        net: &Network,
        params: KuramotoParams,
        weight_scale: f64,
        dt: f64,
        seed: u64,
        threads: usize,
    ) -> Kuramoto {
        let inputs = Incoming::build(net, params.signed, params.gap_weight * weight_scale);
        let k = params.k / 1000.0;
        let gain = inputs
            .strength()
            .iter()
            .map(|&s| if s > 0.0 { k / s } else { 0.0 })
            .collect();
        let n = net.n;
        let mut rng = Pcg64Mcg::seed_from_u64(seed ^ 0x6B75_7261_6D6F_746F);
        let omega = (0..n)
            .map(|_| RAD_PER_MS_PER_HZ * (params.f_mean + params.f_sd * rng.sample::<f64, _>(StandardNormal)))
            .collect();
        let theta0: Vec<f64> = (0..n).map(|_| TAU * rng.random::<f64>()).collect();
        let threads = threads.clamp(1, (inputs.sources.len() / MIN_CONNECTIONS_PER_THREAD).max(1));
        let pool = (threads > 1)
            .then(|| rayon::ThreadPoolBuilder::new().num_threads(threads).build().ok())
            .flatten();
        let rows = Rows::new(&inputs);
        // The vector sums rely on it.
        assert!(
            rows.sources().iter().all(|&j| (j as usize) < n),
            "a source outside the network"
        );
        Kuramoto {
            params,
            dt,
            rows,
            gain,
            omega,
            theta: theta0.clone(),
            theta0,
            bias: vec![0.0; n],
            frequency_hz: vec![0.0; n],
            ablated: vec![false; n],
            scratch: Scratch::default(),
            pool,
        }
    }

    pub fn params(&self) -> &KuramotoParams {
        &self.params
    }

    /// Sets the natural frequencies (rad/s, as the peers' `--init-out` files hold them) and
    /// the initial phases (rad), and restarts from them.
    pub fn set_state(&mut self, omega_rad_s: &[f64], theta0: &[f64]) -> Result<(), SimError> {
        let n = self.theta.len();
        for (what, values) in [("frequencies", omega_rad_s), ("initial phases", theta0)] {
            if values.len() != n {
                return Err(SimError::Length {
                    what,
                    expected: n,
                    found: values.len(),
                });
            }
        }
        self.omega = omega_rad_s.iter().map(|w| w / 1000.0).collect();
        self.theta0 = theta0.iter().map(|t| t.rem_euclid(TAU)).collect();
        self.reset();
        Ok(())
    }

    /// Phases (rad), in [0, 2π).
    pub fn theta(&self) -> &[f64] {
        &self.theta
    }

    /// [`Engine::step`] compiled for AVX2 (the sines of the first stage, the loops over phases).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn step_avx2(&mut self, input: &StepInput, spikes: &mut Vec<u32>) {
        self.step_any(input, spikes);
    }

    #[inline(always)]
    fn step_any(&mut self, input: &StepInput, spikes: &mut Vec<u32>) {
        let mut before = std::mem::take(&mut self.scratch.before);
        before.clone_from(&self.theta);
        self.integrate(input);
        for &(neuron, w) in input.synaptic {
            if !input.ablated[neuron as usize] {
                self.theta[neuron as usize] += w;
            }
        }
        let to_hz = 1.0 / (RAD_PER_MS_PER_HZ * self.dt);
        for (i, (&old, theta)) in before.iter().zip(self.theta.iter_mut()).enumerate() {
            self.frequency_hz[i] = (*theta - old) * to_hz;
            // Phases stay in [0, 2π) between steps (accurate and cheap sines); a forward
            // wrap is a spike.
            if !(0.0..TAU).contains(theta) {
                let turns = (*theta / TAU).floor();
                *theta -= turns * TAU;
                if turns > 0.0 && !input.ablated[i] {
                    spikes.push(i as u32);
                }
            }
        }
        self.ablated.copy_from_slice(input.ablated);
        self.scratch.before = before;
    }

    /// One classical Runge–Kutta step of all phases.
    #[inline(always)]
    fn integrate(&mut self, input: &StepInput) {
        let n = self.theta.len();
        let h = self.dt;
        let Scratch {
            trig,
            sent,
            stage,
            sum,
            drive,
            ..
        } = &mut self.scratch;
        for buffer in trig.iter_mut() {
            buffer.resize(n, [0.0; 2]);
        }
        stage.resize(n, 0.0);
        sum.resize(n, 0.0);
        drive.clear();
        drive.extend((0..n).map(|i| self.omega[i] + self.bias[i] + RAD_PER_MS_PER_HZ * input.current[i]));
        let silent = |j: usize| input.muted[j] || input.ablated[j];
        let any_silent = (0..n).any(silent);
        let lag = (self.params.alpha != 0.0).then(|| self.params.alpha.sin_cos());
        let pool = self.pool.as_ref();
        fill_sin_cos(&mut trig[0], &self.theta);
        for rk in 0..4 {
            // This stage's (sin, cos) in one buffer, the next stage's into the other.
            let [even, odd] = trig;
            let (own, next_trig) = if rk % 2 == 0 { (&*even, odd) } else { (&*odd, even) };
            if any_silent {
                sent.clear();
                sent.extend((0..n).map(|j| if silent(j) { [0.0; 2] } else { own[j] }));
            }
            let sent = if any_silent { &sent[..] } else { own };
            // Stages 2 and 3 evaluate half a step on, stage 4 a whole step.
            let to_next = if rk == 2 { h } else { 0.5 * h };
            macro_rules! run_with {
                ($rows:expr) => {
                    Stage {
                        rows: $rows,
                        gain: &self.gain,
                        own,
                        sent,
                        drive,
                        ablated: input.ablated,
                        lag,
                    }
                    .run(rk, &self.theta, to_next, sum, stage, next_trig, pool)
                };
            }
            match &self.rows {
                Rows::Single(rows) => run_with!(rows),
                Rows::Double(rows) => run_with!(rows),
            }
        }
        let sixth = h / 6.0;
        for (theta, sum) in self.theta.iter_mut().zip(sum.iter()) {
            *theta += sixth * sum;
        }
    }
}

/// (sin θ, cos θ) of every phase (a loop that vectorises, inlined to use the caller's
/// instruction set).
#[inline(always)]
fn fill_sin_cos(out: &mut [[f64; 2]], theta: &[f64]) {
    for (sc, theta) in out.iter_mut().zip(theta) {
        let (s, c) = sin_cos(*theta);
        *sc = [s, c];
    }
}

impl Engine for Kuramoto {
    fn name(&self) -> &'static str {
        "kuramoto"
    }

    fn len(&self) -> usize {
        self.theta.len()
    }

    fn dt_ms(&self) -> f64 {
        self.dt
    }

    fn step(&mut self, input: &StepInput, spikes: &mut Vec<u32>) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has the features the function is compiled for.
            return unsafe { self.step_avx2(input, spikes) };
        }
        self.step_any(input, spikes);
    }

    fn variables(&self) -> &'static [&'static str] {
        &["sin_theta", "theta", "frequency_hz", "natural_frequency_hz"]
    }

    fn value(&self, variable: usize, neuron: usize) -> f64 {
        match variable {
            0 => self.theta[neuron].sin(),
            1 => self.theta[neuron],
            2 => self.frequency_hz[neuron],
            _ => self.omega[neuron] / RAD_PER_MS_PER_HZ,
        }
    }

    fn phase(&self, neuron: usize) -> Option<f64> {
        (!self.ablated[neuron]).then_some(self.theta[neuron])
    }

    fn reset(&mut self) {
        self.theta.clone_from(&self.theta0);
        self.frequency_hz.fill(0.0);
        self.ablated.fill(false);
    }

    /// A constant frequency push per neuron (Hz).
    fn set_bias(&mut self, bias: &[f64]) -> Result<(), SimError> {
        if bias.len() != self.theta.len() {
            return Err(SimError::Length {
                what: "constant input",
                expected: self.theta.len(),
                found: bias.len(),
            });
        }
        self.bias = bias.iter().map(|b| b * RAD_PER_MS_PER_HZ).collect();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::incoming::test_network;

    struct Inputs {
        current: Vec<f64>,
        muted: Vec<bool>,
        ablated: Vec<bool>,
    }

    impl Inputs {
        fn new(n: usize) -> Inputs {
            Inputs {
                current: vec![0.0; n],
                muted: vec![false; n],
                ablated: vec![false; n],
            }
        }

        /// Runs `steps` steps and returns the spike count per neuron.
        fn run(&self, engine: &mut Kuramoto, steps: u64) -> Vec<usize> {
            let mut counts = vec![0; engine.len()];
            let mut spikes = Vec::new();
            for step in 0..steps {
                let input = StepInput {
                    step,
                    current: &self.current,
                    synaptic: &[],
                    muted: &self.muted,
                    ablated: &self.ablated,
                };
                spikes.clear();
                engine.step(&input, &mut spikes);
                for &s in &spikes {
                    counts[s as usize] += 1;
                }
            }
            counts
        }
    }

    /// Phase of 1 relative to 0 in (−π, π].
    fn difference(engine: &Kuramoto) -> f64 {
        let d = (engine.theta[1] - engine.theta[0]).rem_euclid(TAU);
        if d > std::f64::consts::PI { d - TAU } else { d }
    }

    fn pair(weight: f64, params: KuramotoParams, omega_hz: [f64; 2]) -> Kuramoto {
        let net = test_network(2, &[(0, 1, weight), (1, 0, weight)], &[]);
        let mut engine = Kuramoto::new(&net, params, 1.0, 0.1, 1, 1);
        engine.set_state(&omega_hz.map(|f| f * TAU), &[0.0, 1.0]).unwrap();
        engine
    }

    #[test]
    fn threads_give_the_phases_of_one_thread() {
        // 12,000 oscillators, 20 inputs each from a simple generator: enough to split.
        let n = 12_000u32;
        let synapses: Vec<(u32, u32, f64)> = (0..n * 20)
            .map(|k| ((k.wrapping_mul(2_654_435_761) >> 8) % n, k % n, 1.0 + (k % 7) as f64))
            .collect();
        let net = test_network(n as usize, &synapses, &[]);
        let phases = |threads| {
            let mut engine = Kuramoto::new(&net, KuramotoParams::default(), 1.0, 1.0, 3, threads);
            assert_eq!(engine.pool.is_some(), threads > 1);
            Inputs::new(n as usize).run(&mut engine, 5);
            engine.theta().to_vec()
        };
        assert_eq!(phases(1), phases(2));
    }

    #[test]
    fn uncoupled_oscillators_rotate_at_their_natural_frequency() {
        let net = test_network(3, &[], &[]);
        let mut engine = Kuramoto::new(&net, KuramotoParams::default(), 20.0, 0.1, 7, 1);
        let omega = [8.0 * TAU, 10.0 * TAU, 12.5 * TAU];
        engine.set_state(&omega, &[0.1, 0.5, 6.0]).unwrap();
        let counts = Inputs::new(3).run(&mut engine, 10_000); // 1 s
        assert_eq!(counts, vec![8, 10, 13], "cycles completed");
        for (i, theta0) in [0.1, 0.5, 6.0].into_iter().enumerate() {
            let expected = (theta0 + omega[i]).rem_euclid(TAU);
            let d = (engine.theta()[i] - expected).abs();
            assert!(
                d < 1e-9 || (TAU - d) < 1e-9,
                "neuron {i}: {} vs {expected}",
                engine.theta()[i]
            );
            assert!((engine.value(2, i) - omega[i] / TAU).abs() < 1e-9);
        }
    }

    #[test]
    fn a_pair_locks_where_the_coupling_balances_the_detuning() {
        // dφ/dt = Δω − 2K sin φ locks at sin φ = Δω / 2K (each has one input: s_i = |w|).
        let params = KuramotoParams {
            k: 20.0,
            ..Default::default()
        };
        let mut engine = pair(3.0, params, [10.0, 11.0]);
        Inputs::new(2).run(&mut engine, 20_000);
        let expected = (TAU / (2.0 * 20.0)).asin();
        assert!(
            (difference(&engine) - expected).abs() < 1e-6,
            "{} vs {expected}",
            difference(&engine)
        );
        // Locked: both turn at the mean frequency.
        assert!((engine.value(2, 0) - 10.5).abs() < 1e-6 && (engine.value(2, 1) - 10.5).abs() < 1e-6);
    }

    #[test]
    fn signs_are_ignored_unless_asked_for_and_then_inhibition_repels() {
        let attract = KuramotoParams {
            k: 20.0,
            ..Default::default()
        };
        let mut engine = pair(-3.0, attract, [10.0, 10.0]);
        Inputs::new(2).run(&mut engine, 10_000);
        assert!(difference(&engine).abs() < 1e-6, "absolute weights attract");
        let repel = KuramotoParams {
            signed: true,
            ..attract
        };
        let mut engine = pair(-3.0, repel, [10.0, 10.0]);
        Inputs::new(2).run(&mut engine, 10_000);
        assert!(
            (difference(&engine).abs() - std::f64::consts::PI).abs() < 1e-6,
            "antiphase: {}",
            difference(&engine)
        );
    }

    #[test]
    fn the_phase_lag_shifts_the_locked_frequency() {
        // Identical oscillators in phase turn at ω − K sin α.
        let params = KuramotoParams {
            k: 20.0,
            alpha: 0.3,
            ..Default::default()
        };
        let mut engine = pair(1.0, params, [10.0, 10.0]);
        Inputs::new(2).run(&mut engine, 20_000);
        let expected = 10.0 - 20.0 * 0.3f64.sin() / TAU;
        assert!(difference(&engine).abs() < 1e-6);
        assert!(
            (engine.value(2, 0) - expected).abs() < 1e-6,
            "{} vs {expected}",
            engine.value(2, 0)
        );
    }

    #[test]
    fn gap_junctions_couple_unless_excluded() {
        let net = test_network(2, &[], &[(0, 1, 2.0)]);
        for (gap_weight, locks) in [(1.0, true), (0.0, false)] {
            let params = KuramotoParams {
                gap_weight,
                ..Default::default()
            };
            let mut engine = Kuramoto::new(&net, params, 20.0, 0.1, 1, 1);
            engine.set_state(&[10.0 * TAU, 10.5 * TAU], &[0.0, 1.0]).unwrap();
            Inputs::new(2).run(&mut engine, 20_000);
            let locked = (engine.value(2, 0) - engine.value(2, 1)).abs() < 1e-6;
            assert_eq!(locked, locks, "gap_weight {gap_weight}");
        }
    }

    #[test]
    fn current_pushes_the_frequency_and_muting_or_ablating_cuts_the_influence() {
        let mut inputs = Inputs::new(2);
        inputs.current[0] = 2.0;
        let mut engine = Kuramoto::new(&test_network(2, &[], &[]), KuramotoParams::default(), 1.0, 0.1, 1, 1);
        engine.set_state(&[10.0 * TAU, 10.0 * TAU], &[0.0, 1.0]).unwrap();
        inputs.run(&mut engine, 1);
        assert!(
            (engine.value(2, 0) - 12.0).abs() < 1e-9,
            "2 Hz faster: {}",
            engine.value(2, 0)
        );

        // Muted, 0 no longer pulls 1 along (its only input), which keeps its 10 Hz.
        let params = KuramotoParams {
            k: 20.0,
            ..Default::default()
        };
        inputs.muted[0] = true;
        let mut engine = pair(1.0, params, [10.0, 10.0]);
        inputs.run(&mut engine, 1000);
        assert!((engine.value(2, 1) - 10.0).abs() < 1e-9, "{}", engine.value(2, 1));
        assert!(engine.phase(0).is_some());

        inputs.muted[0] = false;
        inputs.ablated[0] = true;
        let mut engine = pair(1.0, params, [10.0, 10.0]);
        let counts = inputs.run(&mut engine, 10_000);
        assert_eq!((counts[0], engine.theta()[0]), (0, 0.0), "frozen");
        assert_eq!(engine.phase(0), None);
        assert!((engine.value(2, 1) - 10.0).abs() < 1e-9);
        engine.reset();
        assert!(engine.phase(0).is_some());
    }
}
