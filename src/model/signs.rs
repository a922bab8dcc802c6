//! Excitatory / inhibitory signs and the rule that assigns them.
//!
//! The rule, in order of precedence:
//! 1. a per-connection sign (a `sign` column of an edge list, a negative weight in a signed
//!    `weight` column, or a per-edge sign file such as the Fenyves 2020 C. elegans predictions)
//!    decides for that connection;
//! 2. else the presynaptic neuron's sign: from a `sign` column of the neuron table if present,
//! 3. else from its neurotransmitter(s): GABA -> inhibitory, acetylcholine -> excitatory,
//!    glutamate -> configurable (default excitatory; it is often inhibitory in insects via GluCl);
//!    a neuron releasing transmitters of conflicting signs, or only modulators (serotonin,
//!    dopamine, ...), stays unknown;
//! 4. else unknown.
//!
//! Gap junctions carry no sign unless the source gives one.

/// The sign of a neuron's or a connection's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum Sign {
    Excitatory,
    Inhibitory,
    #[default]
    Unknown,
}

impl Sign {
    pub fn as_str(self) -> &'static str {
        match self {
            Sign::Excitatory => "excitatory",
            Sign::Inhibitory => "inhibitory",
            Sign::Unknown => "unknown",
        }
    }

    /// +1, -1 or 0: what a weight is multiplied by in a simulation.
    pub fn factor(self) -> f64 {
        match self {
            Sign::Excitatory => 1.0,
            Sign::Inhibitory => -1.0,
            Sign::Unknown => 0.0,
        }
    }

    /// Parses a sign as written in tables: `+`/`-`, `1`/`-1`, `exc`/`inh`, `E`/`I`, ...
    /// An empty cell is `Unknown`; an unrecognised value is `None` (an error for the reader).
    pub fn parse(s: &str) -> Option<Sign> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "+" | "1" | "+1" | "1.0" | "e" | "exc" | "excitatory" | "positive" | "pos" => Sign::Excitatory,
            "-" | "-1" | "-1.0" | "i" | "inh" | "inhibitory" | "negative" | "neg" => Sign::Inhibitory,
            "" | "0" | "?" | "unknown" | "complex" | "no pred" | "na" | "nan" | "none" => Sign::Unknown,
            _ => return None,
        })
    }
}

/// How neurotransmitters map to signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignRule {
    /// The sign given to glutamatergic neurons.
    pub glutamate: Sign,
}

impl Default for SignRule {
    fn default() -> Self {
        SignRule {
            glutamate: Sign::Excitatory,
        }
    }
}

impl SignRule {
    /// The sign implied by a neurotransmitter list such as `Acetylcholine;Glutamate`,
    /// `GABA`, `ACH` or `glut` (separators `;`, `,`, `|`, `/`, `+`).
    pub fn sign_of(&self, transmitters: &str) -> Sign {
        let mut found: Option<Sign> = None;
        for nt in transmitters.split([';', ',', '|', '/', '+']) {
            let sign = match nt.trim().to_ascii_lowercase().as_str() {
                "gaba" | "gabaergic" => Sign::Inhibitory,
                "acetylcholine" | "ach" | "cholinergic" => Sign::Excitatory,
                "glutamate" | "glu" | "glut" | "glutamatergic" => self.glutamate,
                _ => continue,
            };
            match found {
                None => found = Some(sign),
                Some(s) if s != sign => return Sign::Unknown,
                Some(_) => {}
            }
        }
        found.unwrap_or(Sign::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transmitters_map_to_signs() {
        let rule = SignRule::default();
        assert_eq!(rule.sign_of("GABA"), Sign::Inhibitory);
        assert_eq!(rule.sign_of("Acetylcholine"), Sign::Excitatory);
        assert_eq!(rule.sign_of("ACH"), Sign::Excitatory);
        assert_eq!(rule.sign_of("Glutamate"), Sign::Excitatory);
        assert_eq!(rule.sign_of("Serotonin;Acetylcholine"), Sign::Excitatory);
        assert_eq!(rule.sign_of("Acetylcholine;GABA"), Sign::Unknown);
        assert_eq!(rule.sign_of("GABA_Uptake"), Sign::Unknown);
        assert_eq!(rule.sign_of("Dopamine"), Sign::Unknown);
        let fly = SignRule {
            glutamate: Sign::Inhibitory,
        };
        assert_eq!(fly.sign_of("GLUT"), Sign::Inhibitory);
        assert_eq!(fly.sign_of("glutamate;gaba"), Sign::Inhibitory);
    }

    #[test]
    fn sign_cells_parse() {
        assert_eq!(Sign::parse("-1"), Some(Sign::Inhibitory));
        assert_eq!(Sign::parse(" + "), Some(Sign::Excitatory));
        assert_eq!(Sign::parse("no pred"), Some(Sign::Unknown));
        assert_eq!(Sign::parse("sideways"), None);
    }
}
