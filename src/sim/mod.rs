//! Dynamics on a connectome: engines (one per model), stimulation protocols, recording, and
//! the [`Simulation`] that ties them together for the CLI and the app alike.

mod error;
pub mod graded;
pub mod incoming;
pub mod izhikevich;
pub mod kuramoto;
pub mod lif;
pub mod live;
pub mod maps;
pub mod models;
pub mod network;
pub mod protocol;
pub mod recording;
mod simulation;
mod sincos;
mod sliced_rows;
mod spiking;
pub mod stdp;
pub mod synchrony;
pub mod timeline;

pub use error::SimError;
pub use live::LiveSim;
pub use network::{Network, NetworkParams, UndirectedAs};
pub use protocol::{Action, Item, Protocol};
pub use recording::{Recorder, RecordingSpec};
pub use simulation::{Simulation, realised_draws};
pub use timeline::Timeline;

/// What an engine receives for one step besides its own state.
#[derive(Clone, Copy)]
pub struct StepInput<'a> {
    /// Index of the step being computed (time `step * dt` to `(step + 1) * dt`).
    pub step: u64,
    /// External current into each neuron during this step (model units, e.g. pA).
    pub current: &'a [f64],
    /// Extra synaptic events arriving in this step (neuron, signed weight), e.g. Poisson drive.
    pub synaptic: &'a [(u32, f64)],
    /// Neurons whose output is muted (they still fire).
    pub muted: &'a [bool],
    /// Neurons removed from the network.
    pub ablated: &'a [bool],
}

/// A model's dynamics over a whole network, advanced one time step at a time.
pub trait Engine: Send {
    fn name(&self) -> &'static str;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn dt_ms(&self) -> f64;
    /// Advances one step and appends the neurons that spiked in it, ascending.
    fn step(&mut self, input: &StepInput, spikes: &mut Vec<u32>);
    /// The most steps [`Engine::step_batch`] may take at once (1: one at a time).
    fn max_batch(&self) -> usize {
        1
    }
    /// Advances `spikes.len()` steps (at most [`Engine::max_batch`]) from `input.step`, all
    /// with the same input, and appends the neurons that spiked in step k to `spikes[k]`. The
    /// same as that many calls of [`Engine::step`]; engines that can do the steps together
    /// faster (LIF, within its shortest delay) override it.
    fn step_batch(&mut self, input: &StepInput, spikes: &mut [Vec<u32>]) {
        for (k, out) in spikes.iter_mut().enumerate() {
            let input = StepInput {
                step: input.step + k as u64,
                ..*input
            };
            self.step(&input, out);
        }
    }
    /// Names of the state variables [`Engine::value`] reads; the first is shown by default.
    fn variables(&self) -> &'static [&'static str];
    fn value(&self, variable: usize, neuron: usize) -> f64;
    /// The phase of a neuron (radians) for oscillator models, for order parameters.
    fn phase(&self, _neuron: usize) -> Option<f64> {
        None
    }
    /// Back to the initial state (parameters and inputs kept).
    fn reset(&mut self);
    /// The current total weight of the synapses pre -> post (model units), for engines that
    /// keep synapses; it changes under plasticity.
    fn synapse_weight(&self, _pre: usize, _post: usize) -> Option<f64> {
        None
    }
    /// The total change of the plastic weights since the start, when plasticity is on.
    fn weight_change(&self) -> Option<f64> {
        None
    }
    /// Sets a constant input per neuron (I_e for LIF), for models that have one.
    fn set_bias(&mut self, _bias: &[f64]) -> Result<(), SimError> {
        Err(SimError::Unsupported {
            model: self.name(),
            what: "constant input current",
        })
    }
}
