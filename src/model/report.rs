//! The import report: how a reader interpreted its file. Every interpretation a reader makes
//! that changes or guesses at what the file says (undirected edges, gap junctions listed both
//! ways, merged rows, trimmed names, unknown kinds, added neurons) is one warning here, so
//! that nothing is changed silently. `info` prints them; the app shows them after loading.

use serde::Serialize;

/// What kind of interpretation a warning reports. The `snake_case` name is the `code` of
/// `info --json`'s `warnings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// Edges of unknown kind in an undirected graph, kept as undirected connections.
    UndirectedEdges,
    /// Connection-type values we do not know, read as kind `other`.
    UnknownKind,
    /// Gap junctions (or undirected edges) listed in both directions, each pair read once.
    BothWaysListing,
    /// Pairs listed both ways whose two directions disagree in weight.
    AsymmetricPairs,
    /// Rows repeating a connection already listed (same pair and kind), summed.
    MergedDuplicates,
    /// Names with surrounding white space, trimmed.
    TrimmedNames,
    /// Distinct names that differ only by letter case, kept apart.
    NamesDifferByCase,
    /// Neurons named by connections but missing from the neuron table, added.
    AddedNeurons,
    /// A table's unnamed first column (as pandas writes its index), ignored.
    IndexColumn,
    /// Anything else a reader had to decide (documented in its message).
    Interpretation,
}

impl WarningCode {
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::UndirectedEdges => "undirected_edges",
            WarningCode::UnknownKind => "unknown_kind",
            WarningCode::BothWaysListing => "both_ways_listing",
            WarningCode::AsymmetricPairs => "asymmetric_pairs",
            WarningCode::MergedDuplicates => "merged_duplicates",
            WarningCode::TrimmedNames => "trimmed_names",
            WarningCode::NamesDifferByCase => "names_differ_by_case",
            WarningCode::AddedNeurons => "added_neurons",
            WarningCode::IndexColumn => "index_column",
            WarningCode::Interpretation => "interpretation",
        }
    }
}

impl std::fmt::Display for WarningCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of the import report: what was done, and to how many rows, edges or names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportWarning {
    pub code: WarningCode,
    pub message: String,
    pub count: usize,
}

/// The warnings of one load, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ImportReport {
    pub warnings: Vec<ImportWarning>,
}

impl ImportReport {
    pub fn add(&mut self, code: WarningCode, count: usize, message: impl Into<String>) {
        self.warnings.push(ImportWarning {
            code,
            message: message.into(),
            count,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.warnings.is_empty()
    }

    /// The warning with `code`, if there is one (tests, the app's summary line).
    pub fn get(&self, code: WarningCode) -> Option<&ImportWarning> {
        self.warnings.iter().find(|w| w.code == code)
    }

    /// Appends another report's warnings (a neuron table's, an edge sign file's).
    pub fn extend(&mut self, other: ImportReport) {
        self.warnings.extend(other.warnings);
    }
}

/// `1234567` as `1,234,567`, for messages.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Up to `max` `value (count)` items, largest count first, and how many more there are.
pub fn value_counts(counts: &[(String, usize)], max: usize) -> String {
    let mut sorted: Vec<&(String, usize)> = counts.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut parts: Vec<String> = sorted
        .iter()
        .take(max)
        .map(|(v, c)| format!("'{v}' ({})", thousands(*c)))
        .collect();
    if sorted.len() > max {
        parts.push(format!("and {} more", sorted.len() - max));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_and_value_counts() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2698), "2,698");
        assert_eq!(thousands(1_234_567), "1,234,567");
        let counts = [("b".to_string(), 1), ("a".to_string(), 5), ("c".to_string(), 1)];
        assert_eq!(value_counts(&counts, 2), "'a' (5), 'b' (1), and 1 more");
    }
}
