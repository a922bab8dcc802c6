//! Stimulation protocols: a list of timed items (currents, Poisson drive, noise, silencing,
//! ablation), each aimed at a set of neurons. The same protocol file drives the CLI and the
//! app, so a figure made live can be reproduced headless.
//!
//! File format (JSON):
//! ```json
//! {"items": [
//!   {"kind": "dc", "target": "AVB*", "amplitude": 300, "start_ms": 100, "stop_ms": 500},
//!   {"kind": "pulses", "target": "class:AVA", "amplitude": 500, "width_ms": 2, "frequency_hz": 20},
//!   {"kind": "poisson", "target": "type:sensory", "rate_hz": 100, "weight": 50},
//!   {"kind": "noise", "target": "all", "mean": 0, "std": 50},
//!   {"kind": "silence", "target": "AVAL", "start_ms": 200, "stop_ms": 400},
//!   {"kind": "ablate", "target": "RIS"}
//! ]}
//! ```
//! Amplitudes are in the model's input unit (pA for LIF). `stop_ms` absent = to the end.
//! Files saved by the app also carry the model settings, which `simulate --protocol` uses
//! where no flag overrides them:
//! `"simulation": {"model": "lif", "dt_ms": 0.1, "J": 20, "delay_ms": 1.5, "params": {}, "seed": 1}`.

use crate::sim::SimError;
use serde::{Deserialize, Serialize};
use wildmatch::WildMatch;

use super::models::ModelConfig;
use crate::model::Connectome;

/// What a protocol item does to its targets while it is active.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// A constant current.
    Dc { amplitude: f64 },
    /// Square current pulses of `width_ms`, `frequency_hz` times a second, from `start_ms`.
    Pulses {
        amplitude: f64,
        width_ms: f64,
        frequency_hz: f64,
    },
    /// Independent Poisson spike trains into each target, each event adding `weight` to the
    /// synaptic input (negative = inhibitory).
    Poisson { rate_hz: f64, weight: f64 },
    /// Gaussian white-noise current, redrawn every step.
    Noise { mean: f64, std: f64 },
    /// The targets still fire but their output is muted.
    Silence,
    /// The targets are removed: no dynamics, no input, no output.
    Ablate,
}

/// One timed item of a protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    #[serde(flatten)]
    pub action: Action,
    /// Which neurons: see [`resolve_target`].
    pub target: String,
    #[serde(default)]
    pub start_ms: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_ms: Option<f64>,
}

impl Item {
    pub fn is_active(&self, t_ms: f64) -> bool {
        t_ms >= self.start_ms && self.stop_ms.is_none_or(|stop| t_ms < stop)
    }

    /// What names the item's random stream: its kind, target and start (not its stop, which
    /// live edits change while the item runs). See [`crate::sim::Simulation`].
    pub fn stream_key(&self) -> u64 {
        let kind = match self.action {
            Action::Dc { .. } => 1u8,
            Action::Pulses { .. } => 2,
            Action::Poisson { .. } => 3,
            Action::Noise { .. } => 4,
            Action::Silence => 5,
            Action::Ablate => 6,
        };
        // FNV-1a: stable across platforms and compiler versions, unlike std's hasher.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let bytes = [kind]
            .into_iter()
            .chain(self.target.bytes())
            .chain(self.start_ms.to_bits().to_le_bytes());
        for b in bytes {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        h
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Protocol {
    /// The model the protocol was made with (files saved by the app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulation: Option<ModelConfig>,
    pub items: Vec<Item>,
}

/// A protocol file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// Not JSON of the protocol's shape, or an item that makes no sense (with the line).
    #[error("{path}: {message}")]
    Invalid { path: std::path::PathBuf, message: String },
}

impl Protocol {
    /// Reads a protocol file (JSON), naming the file in errors.
    pub fn read(path: &std::path::Path) -> Result<Protocol, ProtocolError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProtocolError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Protocol::from_json(&text).map_err(|e| ProtocolError::Invalid {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    pub fn from_json(text: &str) -> Result<Protocol, SimError> {
        let p: Protocol =
            serde_json::from_str(text).map_err(|e| SimError::Protocol(format!("line {}: {e}", e.line())))?;
        p.validate()?;
        Ok(p)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("protocols serialise")
    }

    /// The protocol that did what `current` did before `t_ms` and does what `wanted` says from
    /// then on: how a live edit at time `t_ms` becomes part of a reproducible timeline.
    /// Items of `wanted` that already started are clipped to start at `t_ms` (unless
    /// `current` has them as they are); items of `current` that `wanted` drops or changes are
    /// cut at `t_ms` if they started, dropped if not. At `t_ms <= 0` this is `wanted` itself.
    pub fn splice(current: &Protocol, wanted: &Protocol, t_ms: f64) -> Protocol {
        let mut unmatched: Vec<&Item> = current.items.iter().collect();
        let mut items = Vec::with_capacity(wanted.items.len());
        for item in &wanted.items {
            if let Some(k) = unmatched.iter().position(|c| *c == item) {
                unmatched.remove(k);
                items.push(item.clone());
            } else if item.start_ms >= t_ms {
                items.push(item.clone());
            } else if item.stop_ms.is_none_or(|stop| stop > t_ms) {
                items.push(Item {
                    start_ms: t_ms,
                    ..item.clone()
                });
            }
        }
        for old in unmatched.into_iter().filter(|c| c.start_ms < t_ms) {
            items.push(Item {
                stop_ms: Some(old.stop_ms.map_or(t_ms, |stop| stop.min(t_ms))),
                ..old.clone()
            });
        }
        Protocol {
            simulation: wanted.simulation.clone(),
            items,
        }
    }

    /// Checks values a simulation cannot use (negative rates, NaN, stop before start).
    // `!(x > 0.0)` on purpose: NaN must fail these checks too.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub fn validate(&self) -> Result<(), SimError> {
        for (k, item) in self.items.iter().enumerate() {
            let bad = |what: &str| Err(SimError::Protocol(format!("item {}: {what}", k + 1)));
            let finite = |v: f64| v.is_finite();
            if !finite(item.start_ms) || item.stop_ms.is_some_and(|s| !finite(s) || s < item.start_ms) {
                return bad("start_ms/stop_ms must be finite with stop_ms >= start_ms");
            }
            match item.action {
                Action::Dc { amplitude } if !finite(amplitude) => return bad("amplitude must be finite"),
                Action::Pulses {
                    amplitude,
                    width_ms,
                    frequency_hz,
                } if !finite(amplitude)
                    || !(width_ms > 0.0)
                    || !(frequency_hz > 0.0)
                    || !finite(width_ms)
                    || !finite(frequency_hz) =>
                {
                    return bad("pulses need a finite amplitude and positive width_ms and frequency_hz");
                }
                Action::Poisson { rate_hz, weight } if !(rate_hz >= 0.0) || !finite(rate_hz) || !finite(weight) => {
                    return bad("poisson needs rate_hz >= 0 and a finite weight");
                }
                Action::Noise { mean, std } if !finite(mean) || !(std >= 0.0) || !finite(std) => {
                    return bad("noise needs a finite mean and std >= 0");
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Parses a stimulus spec of the CLI: `KIND TARGET [key=value ...]`, e.g.
/// `dc AVB* amplitude=300 start=100 stop=500`, `pulses class:AVA amplitude=500 width=2 freq=20`,
/// `poisson type:sensory rate=100 weight=50`, `noise all mean=0 std=50`.
pub fn parse_stimulus(spec: &str) -> Result<Item, SimError> {
    stimulus(spec).map_err(SimError::Protocol)
}

fn stimulus(spec: &str) -> Result<Item, String> {
    let mut words = spec.split_whitespace();
    let kind = words.next().ok_or("empty stimulus")?;
    let target = words
        .next()
        .ok_or_else(|| format!("'{spec}': no target (e.g. `dc AVAL amplitude=300`)"))?;
    let mut values: Vec<(&str, f64)> = Vec::new();
    for word in words {
        let (key, value) = word
            .split_once('=')
            .ok_or_else(|| format!("'{word}' is not key=value"))?;
        let v: f64 = value
            .parse()
            .map_err(|_| format!("'{value}' is not a number (in '{word}')"))?;
        values.push((key, v));
    }
    let mut take = |names: &[&str]| -> Option<f64> {
        let at = values.iter().position(|(k, _)| names.contains(k))?;
        Some(values.remove(at).1)
    };
    let start_ms = take(&["start", "start_ms"]).unwrap_or(0.0);
    let stop_ms = take(&["stop", "stop_ms"]);
    let need = |v: Option<f64>, name: &str| v.ok_or_else(|| format!("'{spec}': {kind} needs {name}="));
    let action = match kind {
        "dc" => Action::Dc {
            amplitude: need(take(&["amplitude", "amp"]), "amplitude")?,
        },
        "pulses" | "pulse" => Action::Pulses {
            amplitude: need(take(&["amplitude", "amp"]), "amplitude")?,
            width_ms: take(&["width", "width_ms"]).unwrap_or(1.0),
            frequency_hz: need(take(&["frequency", "freq", "frequency_hz"]), "freq")?,
        },
        "poisson" => Action::Poisson {
            rate_hz: need(take(&["rate", "rate_hz"]), "rate")?,
            weight: need(take(&["weight", "w"]), "weight")?,
        },
        "noise" => Action::Noise {
            mean: take(&["mean"]).unwrap_or(0.0),
            std: need(take(&["std"]), "std")?,
        },
        "silence" => Action::Silence,
        "ablate" => Action::Ablate,
        other => {
            return Err(format!(
                "unknown stimulus kind '{other}' (dc, pulses, poisson, noise, silence, ablate)"
            ));
        }
    };
    if let Some((k, _)) = values.first() {
        return Err(format!("'{spec}': unknown parameter '{k}'"));
    }
    let item = Item {
        action,
        target: target.to_owned(),
        start_ms,
        stop_ms,
    };
    Protocol {
        items: vec![item.clone()],
        ..Default::default()
    }
    .validate()?;
    Ok(item)
}

/// The neurons a target names, ascending. Forms: `all`; `class:AVA`; `type:sensory`;
/// `nt:GABA` (neurotransmitter contains); `attr:KEY=VALUE`; or comma-separated names and
/// wildcard patterns (`AVB*`, `VA?`). A target matching nothing is an error.
pub fn resolve_target(connectome: &Connectome, target: &str) -> Result<Vec<u32>, SimError> {
    neurons_of(connectome, target).map_err(SimError::Target)
}

fn neurons_of(connectome: &Connectome, target: &str) -> Result<Vec<u32>, String> {
    let n = &connectome.neurons;
    let all = 0..n.len();
    let selected: Vec<u32> = if target == "all" {
        all.map(|i| i as u32).collect()
    } else if let Some(class) = target.strip_prefix("class:") {
        all.filter(|&i| n.class.get(i) == Some(class))
            .map(|i| i as u32)
            .collect()
    } else if let Some(t) = target.strip_prefix("type:") {
        all.filter(|&i| n.cell_type.get(i) == Some(t))
            .map(|i| i as u32)
            .collect()
    } else if let Some(nt) = target.strip_prefix("nt:") {
        let nt = nt.to_ascii_lowercase();
        all.filter(|&i| {
            n.neurotransmitter
                .get(i)
                .is_some_and(|v| v.split(';').any(|x| x.trim().to_ascii_lowercase() == nt))
        })
        .map(|i| i as u32)
        .collect()
    } else if let Some(kv) = target.strip_prefix("attr:") {
        let (key, value) = kv
            .split_once('=')
            .ok_or_else(|| format!("'{target}': use attr:KEY=VALUE"))?;
        let col = n
            .attribute(key)
            .ok_or_else(|| format!("'{target}': no attribute '{key}'"))?;
        all.filter(|&i| col.get(i) == Some(value)).map(|i| i as u32).collect()
    } else {
        let mut picked = vec![false; n.len()];
        for part in target.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part.contains(['*', '?']) {
                let pattern = WildMatch::new(part);
                let mut matched = false;
                for (i, name) in n.names().iter().enumerate() {
                    if pattern.matches(name) {
                        picked[i] = true;
                        matched = true;
                    }
                }
                if !matched {
                    return Err(format!("pattern '{part}' matches no neuron"));
                }
            } else {
                let i = n.find(part).ok_or_else(|| format!("no neuron named '{part}'"))?;
                picked[i] = true;
            }
        }
        picked
            .iter()
            .enumerate()
            .filter(|(_, p)| **p)
            .map(|(i, _)| i as u32)
            .collect()
    };
    if selected.is_empty() {
        return Err(format!("target '{target}' selects no neuron"));
    }
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_specs_parse() {
        let item = parse_stimulus("dc AVB* amplitude=300 start=100 stop=500").unwrap();
        assert_eq!(item.action, Action::Dc { amplitude: 300.0 });
        assert_eq!(
            (item.target.as_str(), item.start_ms, item.stop_ms),
            ("AVB*", 100.0, Some(500.0))
        );
        let item = parse_stimulus("poisson type:sensory rate=100 weight=-50").unwrap();
        assert_eq!(
            item.action,
            Action::Poisson {
                rate_hz: 100.0,
                weight: -50.0
            }
        );
        assert!(parse_stimulus("dc AVAL").unwrap_err().to_string().contains("amplitude"));
        assert!(
            parse_stimulus("zap AVAL amplitude=1")
                .unwrap_err()
                .to_string()
                .contains("unknown stimulus kind")
        );
        assert!(
            parse_stimulus("dc AVAL amplitude=1 colour=3")
                .unwrap_err()
                .to_string()
                .contains("colour")
        );
        assert!(parse_stimulus("poisson AVAL rate=-1 weight=1").is_err());
        assert!(parse_stimulus("dc AVAL amplitude=1 start=5 stop=2").is_err());
    }

    #[test]
    fn protocol_json_round_trips() {
        let p = Protocol {
            items: vec![
                parse_stimulus("pulses class:AVA amplitude=500 width=2 freq=20").unwrap(),
                Item {
                    action: Action::Ablate,
                    target: "RIS".into(),
                    start_ms: 0.0,
                    stop_ms: None,
                },
            ],
            simulation: Some(ModelConfig::for_model("kuramoto")),
        };
        assert_eq!(Protocol::from_json(&p.to_json()).unwrap(), p);
        assert!(Protocol::from_json(r#"{"items": [{"kind": "dc", "target": "A"}]}"#).is_err());
    }

    fn item(spec: &str) -> Item {
        parse_stimulus(spec).unwrap()
    }

    fn protocol(items: &[&str]) -> Protocol {
        Protocol {
            items: items.iter().map(|s| item(s)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn splice_keeps_the_past() {
        let current = protocol(&[
            "dc A amplitude=1 start=0 stop=50",
            "silence B start=10",
            "dc C amplitude=2 start=80",
        ]);
        // Before the run starts, an edit is the wanted protocol itself.
        let wanted = protocol(&["dc C amplitude=2 start=80"]);
        assert_eq!(Protocol::splice(&current, &wanted, 0.0), wanted);
        // Dropping everything at 30 ms: the running stimulus and the silence end at 30 ms, the
        // stimulus due at 80 ms never happens.
        let spliced = Protocol::splice(&current, &protocol(&[]), 30.0);
        assert_eq!(
            spliced,
            protocol(&["dc A amplitude=1 start=0 stop=30", "silence B start=10 stop=30"])
        );
        // A wanted item that should have started earlier starts now; kept items are untouched.
        let wanted = protocol(&[
            "dc A amplitude=1 start=0 stop=50",
            "silence B start=10",
            "noise D std=3 start=5",
        ]);
        assert_eq!(
            Protocol::splice(&current, &wanted, 30.0),
            protocol(&[
                "dc A amplitude=1 start=0 stop=50",
                "silence B start=10",
                "noise D std=3 start=30"
            ])
        );
        // Items entirely in the past cannot be added or removed.
        let past = protocol(&["dc E amplitude=1 start=0 stop=10"]);
        assert_eq!(Protocol::splice(&protocol(&[]), &past, 30.0), protocol(&[]));
        assert_eq!(Protocol::splice(&past, &protocol(&[]), 30.0), past);
        // A changed amplitude: the old value up to now, the new one from now.
        let before = protocol(&["dc A amplitude=1 start=0"]);
        let after = protocol(&["dc A amplitude=5 start=0"]);
        assert_eq!(
            Protocol::splice(&before, &after, 20.0),
            protocol(&["dc A amplitude=5 start=20", "dc A amplitude=1 start=0 stop=20"])
        );
    }

    #[test]
    fn stream_keys_ignore_the_stop() {
        let a = item("poisson X rate=10 weight=1 start=5");
        let b = item("poisson X rate=10 weight=1 start=5 stop=9");
        assert_eq!(a.stream_key(), b.stream_key());
        assert_ne!(a.stream_key(), item("poisson X rate=10 weight=1 start=6").stream_key());
        assert_ne!(a.stream_key(), item("poisson Y rate=10 weight=1 start=5").stream_key());
    }

    #[test]
    fn targets_resolve_on_the_worm() {
        let c = crate::io::load("celegans-cook2019", &Default::default()).unwrap();
        let names = |t: &str| -> Vec<String> {
            resolve_target(&c, t)
                .unwrap()
                .iter()
                .map(|&i| c.neurons.name(i as usize).to_owned())
                .collect()
        };
        let mut ava = names("AVA*");
        ava.sort();
        assert_eq!(ava, ["AVAL", "AVAR"]);
        assert_eq!(names("class:AVA").len(), 2);
        assert_eq!(names("type:sensory").len(), 85);
        assert!(names("nt:GABA").contains(&"DD1".to_string()));
        assert_eq!(names("AVAL,RIS").len(), 2);
        assert_eq!(resolve_target(&c, "all").unwrap().len(), 302);
        assert!(resolve_target(&c, "NOPE").is_err());
        assert!(resolve_target(&c, "XYZ*").is_err());
        assert!(resolve_target(&c, "class:NOPE").is_err());
    }
}
