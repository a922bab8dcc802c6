//! Recorded ROI labels to connectome neurons, with a report that drops nothing silently.
//!
//! Rules, in order, on the label with trailing `?` (an uncertain identification) removed:
//! 1. `Exact`: the label is a neuron name.
//! 2. `Case`: it is one neuron's name apart from letter case (`avar` → AVAR).
//! 3. `Separator`: with spaces, `_` and `-` removed (`AVA L`, `AVA_L` → AVAL).
//! 4. `Class`: a class-level label naming several neurons (`AVA` → AVAL, AVAR): the neurons
//!    whose `class` is the label, else those named label + `L` / `R` (`RMDV` → RMDVL, RMDVR)
//!    when the side is unknown. Said as such in the report: the ROI is one of these neurons.
//!
//! Anything else is unmatched and listed by its label; ROIs without a label are counted.

use rustc_hash::FxHashMap as HashMap;

use super::Recording;
use crate::model::Connectome;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    Exact,
    Case,
    Separator,
    /// A class-level label: the ROI is one of several neurons.
    Class,
}

/// What an ROI was matched to.
#[derive(Debug, Clone, PartialEq)]
pub struct NeuronMatch {
    /// The neuron, or for a class-level label every neuron it may be (indices into the
    /// connectome's neurons).
    pub neurons: Vec<u32>,
    pub kind: MatchKind,
    /// The label ended in `?`.
    pub uncertain: bool,
}

/// Every ROI's match and the counts a user wants to see.
#[derive(Debug, Clone, PartialEq)]
pub struct NameReport {
    /// One per ROI: `None` when unlabelled or unmatched.
    pub matches: Vec<Option<NeuronMatch>>,
    /// ROIs matched (class-level ones included).
    pub matched: usize,
    /// Of those, matched at class level only.
    pub class_level: usize,
    /// Of those, with an uncertain (`?`) label.
    pub uncertain: usize,
    /// Labels that name no neuron, in ROI order, each once.
    pub unmatched: Vec<String>,
    /// ROIs without a label.
    pub unlabelled: usize,
    /// Neurons that more than one ROI matched exactly (not class level), by name.
    pub duplicates: Vec<String>,
}

impl NameReport {
    /// The neuron name to analyse an ROI under: its single neuron, else its label with any
    /// `?` removed (class-level and unmatched labels keep their own name); `None` unlabelled.
    pub fn analysis_name(&self, recording: &Recording, connectome: &Connectome, roi: usize) -> Option<String> {
        match &self.matches[roi] {
            Some(m) if m.neurons.len() == 1 => Some(connectome.neurons.name(m.neurons[0] as usize).to_string()),
            _ => recording.rois[roi]
                .label
                .as_ref()
                .map(|l| l.trim_end_matches('?').trim().to_string()),
        }
    }
}

/// Looks labels up in a connectome's names and classes.
pub struct NameMatcher<'a> {
    connectome: &'a Connectome,
    lower: HashMap<String, Vec<u32>>,
    classes: HashMap<String, Vec<u32>>,
}

impl<'a> NameMatcher<'a> {
    pub fn new(connectome: &'a Connectome) -> NameMatcher<'a> {
        let mut lower: HashMap<String, Vec<u32>> = HashMap::default();
        let mut classes: HashMap<String, Vec<u32>> = HashMap::default();
        let neurons = &connectome.neurons;
        for i in 0..neurons.len() {
            lower.entry(neurons.name(i).to_lowercase()).or_default().push(i as u32);
            if let Some(c) = neurons.class.get(i) {
                classes.entry(c.to_lowercase()).or_default().push(i as u32);
            }
        }
        NameMatcher {
            connectome,
            lower,
            classes,
        }
    }

    /// Matches one label (see the module rules); `None` when it names no neuron.
    pub fn find(&self, label: &str) -> Option<NeuronMatch> {
        let trimmed = label.trim();
        let name = trimmed.trim_end_matches('?').trim();
        let uncertain = name.len() != trimmed.len();
        let found = |neurons: Vec<u32>, kind| {
            Some(NeuronMatch {
                neurons,
                kind,
                uncertain,
            })
        };
        if name.is_empty() {
            return None;
        }
        let neurons = &self.connectome.neurons;
        if let Some(i) = neurons.find(name) {
            return found(vec![i as u32], MatchKind::Exact);
        }
        if let Some(ids) = self.lower.get(&name.to_lowercase())
            && ids.len() == 1
        {
            return found(ids.clone(), MatchKind::Case);
        }
        let joined: String = name.chars().filter(|c| !matches!(c, ' ' | '_' | '-')).collect();
        if joined != name
            && let Some(ids) = self.lower.get(&joined.to_lowercase())
            && ids.len() == 1
        {
            return found(ids.clone(), MatchKind::Separator);
        }
        let key = joined.to_lowercase();
        if let Some(ids) = self.classes.get(&key) {
            return found(ids.clone(), MatchKind::Class);
        }
        let sides: Vec<u32> = ["l", "r"]
            .iter()
            .filter_map(|s| self.lower.get(&format!("{key}{s}")))
            .filter(|ids| ids.len() == 1)
            .map(|ids| ids[0])
            .collect();
        if !sides.is_empty() {
            return found(sides, MatchKind::Class);
        }
        None
    }

    /// Matches every ROI of a recording.
    pub fn report(&self, recording: &Recording) -> NameReport {
        let mut report = NameReport {
            matches: Vec::with_capacity(recording.rois.len()),
            matched: 0,
            class_level: 0,
            uncertain: 0,
            unmatched: Vec::new(),
            unlabelled: 0,
            duplicates: Vec::new(),
        };
        let mut seen = vec![0u32; self.connectome.neurons.len()];
        for roi in &recording.rois {
            let m = match roi.label.as_deref().map(str::trim) {
                None | Some("") => {
                    report.unlabelled += 1;
                    None
                }
                Some(label) => {
                    let m = self.find(label);
                    match &m {
                        Some(m) => {
                            report.matched += 1;
                            report.class_level += usize::from(m.kind == MatchKind::Class);
                            report.uncertain += usize::from(m.uncertain);
                            if m.kind != MatchKind::Class {
                                seen[m.neurons[0] as usize] += 1;
                            }
                        }
                        None if !report.unmatched.iter().any(|u| u == label) => {
                            report.unmatched.push(label.to_string())
                        }
                        None => {}
                    }
                    m
                }
            };
            report.matches.push(m);
        }
        report.duplicates = seen
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 1)
            .map(|(i, _)| self.connectome.neurons.name(i).to_string())
            .collect();
        report
    }
}

/// Matches a recording's labels to a connectome (see the module rules).
pub fn match_names(recording: &Recording, connectome: &Connectome) -> NameReport {
    NameMatcher::new(connectome).report(recording)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_apply_in_order() {
        let c = crate::io::load("celegans-cook2019", &Default::default()).unwrap();
        let m = NameMatcher::new(&c);
        let name = |m: &NeuronMatch| -> Vec<&str> { m.neurons.iter().map(|&i| c.neurons.name(i as usize)).collect() };
        let exact = m.find("AVAL").unwrap();
        assert_eq!(
            (name(&exact), exact.kind, exact.uncertain),
            (vec!["AVAL"], MatchKind::Exact, false)
        );
        let case = m.find("avar").unwrap();
        assert_eq!((name(&case), case.kind), (vec!["AVAR"], MatchKind::Case));
        let sep = m.find("AVA_L").unwrap();
        assert_eq!((name(&sep), sep.kind), (vec!["AVAL"], MatchKind::Separator));
        let unsure = m.find("AWCL?").unwrap();
        assert_eq!((name(&unsure), unsure.uncertain), (vec!["AWCL"], true));
        let class = m.find("AVA").unwrap();
        assert_eq!((name(&class), class.kind), (vec!["AVAL", "AVAR"], MatchKind::Class));
        assert_eq!(m.find("RMD").unwrap().neurons.len(), 6);
        let side = m.find("RMDV?").unwrap();
        assert_eq!(
            (name(&side), side.kind, side.uncertain),
            (vec!["RMDVL", "RMDVR"], MatchKind::Class, true)
        );
        assert_eq!(m.find("XYZ1"), None);
        assert_eq!(m.find("?"), None);
    }
}
