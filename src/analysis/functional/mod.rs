//! Functional connectivity from activity (a simulation run or recorded traces: time × neuron):
//! pairwise affinities, their evolution over sliding windows as a tensor (neuron pairs ×
//! windows × recordings), and its non-negative tensor factorisation into components.

pub mod ntf;
