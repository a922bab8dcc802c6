//! What can be wrong with a simulation's set-up, by kind, so that callers can tell the cases
//! apart; the CLI and the app print them (`Display`), nothing below them formats strings.

/// A simulation that cannot be built or driven as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// A model name we do not have.
    #[error("unknown model '{name}' (available: {available})")]
    UnknownModel { name: String, available: String },
    /// A parameter the model does not have, or values it cannot work with.
    #[error("{0}")]
    Parameter(String),
    /// Per-neuron values whose number is not the number of neurons.
    #[error("{what}: need {expected} values, got {found}")]
    Length {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// Something this model does not have (e.g. a constant input current).
    #[error("the {model} model has no {what}")]
    Unsupported { model: &'static str, what: &'static str },
    /// A protocol, a protocol item or a stimulus that makes no sense (with where it is).
    #[error("{0}")]
    Protocol(String),
    /// A target (`AVA*`, `class:AVA`, ...) that names no neuron or cannot be read.
    #[error("{0}")]
    Target(String),
    /// The live simulation could not do what was asked (nothing running, a timeout).
    #[error("{0}")]
    Live(String),
}

/// Errors end as text at the edges (the CLI's `Result<_, String>`, the app's status line).
impl From<SimError> for String {
    fn from(e: SimError) -> String {
        e.to_string()
    }
}
