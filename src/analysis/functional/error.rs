//! Why a dynamic functional connectome cannot be computed, by kind; the CLI and the app print it.

use crate::sim::SimError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FunctionalError {
    /// Nothing, or too little, to analyse.
    #[error("{0}")]
    TooLittle(String),
    /// Recordings that do not fit together (different neurons or order).
    #[error("{0}")]
    Mismatch(String),
    /// Options that make no sense (a non-positive duration, a neuron outside the graph).
    #[error("{0}")]
    Options(String),
    /// The simulation that was to produce the activity could not be built or run.
    #[error(transparent)]
    Simulation(#[from] SimError),
    #[error("cancelled")]
    Cancelled,
}

/// Errors end as text at the edges (the CLI's `Result<_, String>`, the app's messages).
impl From<FunctionalError> for String {
    fn from(e: FunctionalError) -> String {
        e.to_string()
    }
}
