//! The model registry: builds an engine by name with parameter overrides, for the CLI and the
//! app's model picker.

use crate::sim::SimError;
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::Engine;
use super::graded::{Graded, GradedParams};
use super::izhikevich::{self, Izhikevich, IzhikevichParams};
use super::kuramoto::{Kuramoto, KuramotoParams};
use super::lif::{Lif, LifParams};
use super::maps::{ChialvoParams, MapNetwork, RulkovParams};
use super::network::{Network, NetworkParams, UndirectedAs};
use crate::model::Connectome;

/// Models the registry knows, with a one-line description.
pub const MODELS: &[(&str, &str)] = &[
    ("lif", "leaky integrate-and-fire, NEST iaf_psc_exp (exact integration)"),
    (
        "izhikevich",
        "Izhikevich 2003 neurons: RS/IB/CH excitatory, FS inhibitory (Euler or the paper's scheme)",
    ),
    (
        "kuramoto",
        "Kuramoto phase oscillators, in-strength normalised coupling (RK4)",
    ),
    (
        "chialvo",
        "Chialvo map neurons, diffusive coupling (one iteration per step)",
    ),
    (
        "rulkov",
        "Rulkov map neurons, chaotic bursting, diffusive coupling (one iteration per step)",
    ),
    (
        "graded",
        "graded (non-spiking) rate neurons with sigmoid synapses and gap junctions",
    ),
];

/// The weight scale (`--J`) a model is meant to run with when none is given: pA per synapse for
/// LIF (the 20), mV per synapse for Izhikevich (whose instantaneous synapses make 20 mV
/// per synapse an epileptic network); the other models normalise their coupling.
pub fn default_weight_scale(model: &str) -> f64 {
    match model {
        "izhikevich" => 0.5,
        _ => 20.0,
    }
}

/// Everything needed to build an engine. Saved in protocol files (as `"simulation"`) so a run
/// made in the app can be repeated by `simulate --protocol`; the thread count is not saved
/// (results do not depend on it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    pub model: String,
    pub dt_ms: f64,
    /// Synaptic weight per unit of connection weight (pA per synapse for LIF): the CLI's `--J`.
    #[serde(rename = "J")]
    pub weight_scale: f64,
    pub delay_ms: f64,
    /// Overrides of the model's parameters by name.
    #[serde(default)]
    pub params: BTreeMap<String, f64>,
    #[serde(skip, default = "one")]
    pub threads: usize,
    pub seed: u64,
    /// What undirected connections of unknown kind become (default: a synapse each way).
    #[serde(default)]
    pub undirected: UndirectedAs,
}

fn one() -> usize {
    1
}

impl ModelConfig {
    /// The defaults for `model` (its weight scale included).
    pub fn for_model(model: &str) -> ModelConfig {
        ModelConfig {
            model: model.into(),
            weight_scale: default_weight_scale(model),
            ..Default::default()
        }
    }
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            model: "lif".into(),
            dt_ms: 0.1,
            weight_scale: 20.0,
            delay_ms: 1.5,
            params: BTreeMap::new(),
            threads: 1,
            seed: 1,
            undirected: UndirectedAs::default(),
        }
    }
}

/// Applies `name=value` overrides to a parameter struct through its serde form, so every
/// model gets checked overrides without listing its fields twice.
pub fn with_overrides<P: Serialize + DeserializeOwned>(
    defaults: P,
    overrides: &BTreeMap<String, f64>,
) -> Result<P, SimError> {
    let invalid = |e: serde_json::Error| SimError::Parameter(e.to_string());
    let mut value = serde_json::to_value(defaults).map_err(invalid)?;
    let map = value
        .as_object_mut()
        .ok_or_else(|| SimError::Parameter("parameters are not a map".into()))?;
    for (name, v) in overrides {
        if !map.contains_key(name) {
            let known: Vec<&String> = map.keys().collect();
            return Err(SimError::Parameter(format!(
                "unknown parameter '{name}' (known: {known:?})"
            )));
        }
        let v = *v;
        if !v.is_finite() {
            return Err(SimError::Parameter(format!("parameter '{name}' must be finite")));
        }
        // Flags take 0 / 1 on the command line.
        let value = if map[name].is_boolean() {
            serde_json::json!(v != 0.0)
        } else {
            serde_json::json!(v)
        };
        map.insert(name.clone(), value);
    }
    serde_json::from_value(value).map_err(invalid)
}

/// A model's parameters with their default values (flags as 0 / 1), by name: what the app's
/// model panel lists.
pub fn parameters(model: &str) -> Result<Vec<(String, f64)>, SimError> {
    let value = match model {
        "lif" => serde_json::to_value(LifParams::default()),
        "izhikevich" => serde_json::to_value(IzhikevichParams::default()),
        "kuramoto" => serde_json::to_value(KuramotoParams::default()),
        "chialvo" => serde_json::to_value(ChialvoParams::default()),
        "rulkov" => serde_json::to_value(RulkovParams::default()),
        "graded" => serde_json::to_value(GradedParams::default()),
        other => return Err(unknown_model(other)),
    }
    .map_err(|e| SimError::Parameter(e.to_string()))?;
    let map = value
        .as_object()
        .ok_or_else(|| SimError::Parameter("parameters are not a map".into()))?;
    Ok(map
        .iter()
        .filter_map(|(k, v)| {
            let x = v.as_f64().or_else(|| v.as_bool().map(|b| b as u8 as f64))?;
            Some((k.clone(), x))
        })
        .collect())
}

/// Compiles the connectome and builds the named engine.
pub fn build(connectome: &Connectome, config: &ModelConfig) -> Result<(Box<dyn Engine>, Network), SimError> {
    if !(config.dt_ms > 0.0 && config.dt_ms.is_finite()) {
        return Err(SimError::Parameter("dt must be a positive number of ms".into()));
    }
    let net = Network::build(
        connectome,
        &NetworkParams {
            weight_scale: config.weight_scale,
            delay_ms: config.delay_ms,
            dt_ms: config.dt_ms,
            undirected: config.undirected,
            ..Default::default()
        },
    );
    let engine: Box<dyn Engine> = match config.model.as_str() {
        "lif" => {
            let params: LifParams = with_overrides(LifParams::default(), &config.params)?;
            if !(params.tau_m > 0.0
                && params.c_m > 0.0
                && params.tau_syn_ex > 0.0
                && params.tau_syn_in > 0.0
                && params.t_ref >= 0.0)
            {
                return Err(SimError::Parameter(
                    "LIF needs positive tau_m, c_m, tau_syn_ex, tau_syn_in and t_ref >= 0".into(),
                ));
            }
            params.stdp.validate()?;
            Box::new(Lif::new(&net, params, config.dt_ms, config.threads))
        }
        "izhikevich" => {
            let params: IzhikevichParams = with_overrides(IzhikevichParams::default(), &config.params)?;
            params.validate()?;
            let inhibitory = izhikevich::inhibitory_neurons(connectome, &net);
            Box::new(Izhikevich::new(&net, params, &inhibitory, config.dt_ms, config.threads))
        }
        "kuramoto" => {
            let params: KuramotoParams = with_overrides(KuramotoParams::default(), &config.params)?;
            if params.f_sd.is_nan() || params.f_sd < 0.0 {
                return Err(SimError::Parameter("kuramoto needs f_sd >= 0".into()));
            }
            let (scale, dt, seed, threads) = (config.weight_scale, config.dt_ms, config.seed, config.threads);
            Box::new(Kuramoto::new(&net, params, scale, dt, seed, threads))
        }
        "chialvo" => {
            let params: ChialvoParams = with_overrides(ChialvoParams::default(), &config.params)?;
            Box::new(MapNetwork::new(
                &net,
                params,
                config.weight_scale,
                config.dt_ms,
                config.seed,
            ))
        }
        "rulkov" => {
            let params: RulkovParams = with_overrides(RulkovParams::default(), &config.params)?;
            Box::new(MapNetwork::new(
                &net,
                params,
                config.weight_scale,
                config.dt_ms,
                config.seed,
            ))
        }
        "graded" => {
            let params: GradedParams = with_overrides(GradedParams::default(), &config.params)?;
            if !(params.tau > 0.0 && params.g_gap >= 0.0) {
                return Err(SimError::Parameter("graded needs tau > 0 and g_gap >= 0".into()));
            }
            Box::new(Graded::new(&net, params, config.dt_ms))
        }
        other => return Err(unknown_model(other)),
    };
    Ok((engine, net))
}

fn unknown_model(name: &str) -> SimError {
    SimError::UnknownModel {
        name: name.to_string(),
        available: MODELS.iter().map(|m| m.0).collect::<Vec<_>>().join(", "),
    }
}
