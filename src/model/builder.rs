//! Collects neurons and connection rows from a reader and turns them into a [`Connectome`]:
//! duplicate rows of the same pair and kind are summed, gap junctions and undirected
//! connections are stored once per unordered pair (a source listing them both ways is read
//! once, the mean of the two directions), the CSR arrays are built, and every such
//! interpretation is reported.

use rayon::iter::{IntoParallelRefMutIterator, ParallelIterator};
use rayon::slice::ParallelSliceMut;

use super::{
    Connectome, Edge, EdgeKind, Edges, ImportReport, Neurons, Sign, SignRule, WarningCode, thousands, value_counts,
};

/// A problem found while merging rows (the reader adds the file name).
#[derive(Debug, Clone, PartialEq)]
pub struct MergeError {
    /// Line (or element) of the row that conflicts with an earlier one.
    pub line: u64,
    pub other_line: u64,
    pub what: &'static str,
    pub pre: String,
    pub post: String,
}

impl std::fmt::Display for MergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "connection {} -> {} is listed again with a different {} (first on line {})",
            self.pre, self.post, self.what, self.other_line
        )
    }
}

#[derive(Debug, Clone, Copy)]
struct Row {
    pre: u32,
    post: u32,
    weight: f64,
    /// NaN when absent.
    delay: f32,
    line: u32,
    sign: Sign,
    /// Undirected rows are stored with pre <= post; this says the source had them reversed.
    reversed: bool,
    /// 1 + index into the builder's original type values; 0 when the kind was known.
    original_type: u16,
}

impl Row {
    fn key(&self) -> (u64, u32) {
        (((self.pre as u64) << 32) | self.post as u64, self.line)
    }
}

/// Builds a connectome row by row. Readers add neurons (with annotations) through
/// [`ConnectomeBuilder::neurons`] and connections through [`ConnectomeBuilder::add_edge`].
/// What they interpret goes to [`ConnectomeBuilder::report`]; what merging interprets (rows
/// listed twice, gap junctions listed both ways, names differing by case) is added by
/// [`ConnectomeBuilder::finish`].
#[derive(Debug, Default)]
pub struct ConnectomeBuilder {
    pub neurons: Neurons,
    /// Set by readers whose neurons come from a table: keeps the table's order.
    pub neurons_from_table: bool,
    pub weight_unit: Option<String>,
    pub sign_rule: SignRule,
    /// Whether neuron signs were given explicitly (a sign column), so the rule must not
    /// overwrite them.
    pub explicit_neuron_signs: Vec<bool>,
    /// The reader's own warnings; `finish` adds those of merging.
    pub report: ImportReport,
    /// Names whose surrounding white space a reader trimmed (cells, not distinct names).
    pub trimmed_names: usize,
    rows: [Vec<Row>; 4],
    /// Connection-type values we did not know, with their row counts.
    original_types: Vec<(String, usize)>,
    original_type_index: rustc_hash::FxHashMap<String, u16>,
}

impl ConnectomeBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one row. `weight` must be finite and non-negative (readers turn a negative
    /// signed weight into a magnitude and an inhibitory sign before calling this).
    #[allow(clippy::too_many_arguments)]
    pub fn add_edge(
        &mut self,
        kind: EdgeKind,
        pre: usize,
        post: usize,
        weight: f64,
        sign: Sign,
        delay: Option<f32>,
        line: u64,
    ) {
        self.push(kind, pre, post, weight, sign, delay, line, 0);
    }

    /// Adds a row whose connection type `value` we do not know: kind `other`, the value kept
    /// as the edge's [`original_type`](super::Edges::original_type) and reported.
    #[allow(clippy::too_many_arguments)]
    pub fn add_edge_of_unknown_type(
        &mut self,
        value: &str,
        pre: usize,
        post: usize,
        weight: f64,
        sign: Sign,
        delay: Option<f32>,
        line: u64,
    ) {
        let code = match self.original_type_index.get(value) {
            Some(&code) => code,
            // More distinct values than a u16 holds: the rest share the last code.
            None if self.original_types.len() >= u16::MAX as usize => u16::MAX,
            None => {
                self.original_types.push((value.to_owned(), 0));
                let code = self.original_types.len() as u16;
                self.original_type_index.insert(value.to_owned(), code);
                code
            }
        };
        self.original_types[code as usize - 1].1 += 1;
        self.push(EdgeKind::Other, pre, post, weight, sign, delay, line, code);
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: EdgeKind,
        pre: usize,
        post: usize,
        weight: f64,
        sign: Sign,
        delay: Option<f32>,
        line: u64,
        original_type: u16,
    ) {
        debug_assert!(weight.is_finite() && weight >= 0.0);
        let (mut pre, mut post, mut reversed) = (pre as u32, post as u32, false);
        if !kind.is_directed() && pre > post {
            std::mem::swap(&mut pre, &mut post);
            reversed = true;
        }
        self.rows[kind as usize].push(Row {
            pre,
            post,
            weight,
            delay: delay.unwrap_or(f32::NAN),
            line: line.min(u32::MAX as u64) as u32,
            sign,
            reversed,
            original_type,
        });
    }

    /// Number of rows added so far.
    pub fn rows(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    /// Renumbers the neurons of the rows added so far: neuron `i` becomes `new_index[i]`.
    /// Lets a reader collect connections while its neuron table is read elsewhere.
    pub fn renumber(&mut self, new_index: &[u32]) {
        for (kind, rows) in EdgeKind::ALL.into_iter().zip(self.rows.iter_mut()) {
            rows.par_iter_mut().for_each(|r| {
                r.pre = new_index[r.pre as usize];
                r.post = new_index[r.post as usize];
                // Renumbering can break the pre <= post rule of undirected rows.
                if !kind.is_directed() && r.pre > r.post {
                    std::mem::swap(&mut r.pre, &mut r.post);
                    r.reversed = !r.reversed;
                }
            });
        }
    }

    pub fn finish(mut self) -> Result<Connectome, MergeError> {
        let mut order = None;
        if !self.neurons_from_table {
            order = numeric_order(self.neurons.names());
        }
        if let Some(order) = &order {
            self.neurons.permute(order);
            self.explicit_neuron_signs = Vec::new();
            let mut new_index = vec![0u32; order.len()];
            for (new, &old) in order.iter().enumerate() {
                new_index[old as usize] = new as u32;
            }
            self.renumber(&new_index);
        }
        self.neurons.normalize();
        let n = self.neurons.len();
        let mut explicit = std::mem::take(&mut self.explicit_neuron_signs);
        explicit.resize(n, false);
        for (i, explicit) in explicit.into_iter().enumerate() {
            if !explicit {
                self.neurons.sign[i] = self
                    .sign_rule
                    .sign_of(self.neurons.neurotransmitter.get(i).unwrap_or(""));
            }
        }
        self.report_names();
        let [chem, elec, other, undirected] = std::mem::take(&mut self.rows);
        let chemical = self.merge(EdgeKind::Chemical, chem)?;
        let electrical = self.merge(EdgeKind::Electrical, elec)?;
        let (other, other_types) = self.merge_with_types(other)?;
        let undirected = self.merge(EdgeKind::Undirected, undirected)?;
        if !undirected.is_empty() {
            self.report.add(
                WarningCode::UndirectedEdges,
                undirected.len(),
                format!(
                    "{} undirected connections of unknown kind kept as undirected (not gap junctions): \
                     drawn without arrows; `simulate` couples them as a synapse each way \
                     (--undirected gap for gap junctions)",
                    thousands(undirected.len())
                ),
            );
        }
        self.report_original_types();
        let mut other = Edges::from_sorted(n, &other);
        for (id, code) in other_types.into_iter().enumerate().filter(|(_, c)| *c != 0) {
            other.set_original_type(id, &self.original_types[code as usize - 1].0);
        }
        Ok(Connectome {
            neurons: self.neurons,
            chemical: Edges::from_sorted(n, &chemical),
            electrical: Edges::from_sorted(n, &electrical),
            other,
            undirected: Edges::from_sorted(n, &undirected),
            weight_unit: self.weight_unit.unwrap_or_else(|| "synapses".into()),
            sign_rule: self.sign_rule,
            import_report: self.report,
        })
    }

    /// Reports trimmed names and distinct names that differ only by case.
    fn report_names(&mut self) {
        if self.trimmed_names > 0 {
            let t = self.trimmed_names;
            self.report.add(
                WarningCode::TrimmedNames,
                t,
                format!("{} names had spaces around them, trimmed", thousands(t)),
            );
        }
        let mut by_lower: rustc_hash::FxHashMap<String, Vec<u32>> = Default::default();
        for (i, name) in self.neurons.names().iter().enumerate() {
            if name.chars().any(char::is_alphabetic) {
                by_lower.entry(name.to_lowercase()).or_default().push(i as u32);
            }
        }
        let mut groups: Vec<Vec<u32>> = by_lower.into_values().filter(|g| g.len() > 1).collect();
        if groups.is_empty() {
            return;
        }
        groups.sort_unstable();
        let names = |g: &Vec<u32>| {
            g.iter()
                .map(|&i| format!("'{}'", self.neurons.name(i as usize)))
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let examples: Vec<String> = groups.iter().take(5).map(names).collect();
        let more = if groups.len() > 5 { ", ..." } else { "" };
        let count = groups.len();
        self.report.add(
            WarningCode::NamesDifferByCase,
            count,
            format!(
                "{count} groups of names differ only by letter case and are kept as different neurons: {}{more}",
                examples.join(", ")
            ),
        );
    }

    fn report_original_types(&mut self) {
        if self.original_types.is_empty() {
            return;
        }
        let total: usize = self.original_types.iter().map(|(_, c)| c).sum();
        self.report.add(
            WarningCode::UnknownKind,
            total,
            format!(
                "{} connections of unknown type read as kind 'other', the value kept as their original type: {}",
                thousands(total),
                value_counts(&self.original_types, 8)
            ),
        );
    }

    fn merge(&mut self, kind: EdgeKind, rows: Vec<Row>) -> Result<Vec<Edge>, MergeError> {
        Ok(self.merge_rows(kind, rows)?.0)
    }

    fn merge_with_types(&mut self, rows: Vec<Row>) -> Result<(Vec<Edge>, Vec<u16>), MergeError> {
        self.merge_rows(EdgeKind::Other, rows)
    }

    /// Sorts rows by pair and merges the rows of each pair: repeated rows are summed. For an
    /// undirected kind, when at least half of the rows between two different neurons have
    /// their reverse, the source lists every pair in both directions: each pair is read once,
    /// with the mean weight of its two directions (reported, with the pairs whose directions
    /// disagree). Also returns each edge's original type code when any edge has one.
    fn merge_rows(&mut self, kind: EdgeKind, mut rows: Vec<Row>) -> Result<(Vec<Edge>, Vec<u16>), MergeError> {
        rows.par_sort_unstable_by_key(Row::key);
        let both_ways = if kind.is_directed() {
            None
        } else {
            both_ways_share(&rows)
        };
        let any_type = rows.iter().any(|r| r.original_type != 0);
        let mut types = Vec::new();
        let (mut merged_rows, mut both_ways_pairs, mut both_ways_rows) = (0usize, 0usize, 0usize);
        let mut asymmetric: Vec<(u32, u32, f64, f64, usize)> = Vec::new();
        // Each pair's merged row is written to `rows[len]` (never past the pair's first row),
        // so the result reuses the rows' memory: on a whole brain, a fresh 100+ MB array costs
        // more in page faults than the merge itself.
        let mut len = 0;
        let mut start = 0;
        while start < rows.len() {
            let first = rows[start];
            let mut end = start + 1;
            while end < rows.len() && rows[end].pre == first.pre && rows[end].post == first.post {
                end += 1;
            }
            let mut e = first;
            let (mut forward, mut back, mut n_forward, mut n_back) = (0.0f64, 0.0f64, 0usize, 0usize);
            for &r in &rows[start..end] {
                let conflict = if e.sign != r.sign && e.sign != Sign::Unknown && r.sign != Sign::Unknown {
                    Some("sign")
                } else if !r.delay.is_nan() && !e.delay.is_nan() && r.delay != e.delay {
                    Some("delay")
                } else {
                    None
                };
                if let Some(what) = conflict {
                    return Err(MergeError {
                        line: r.line as u64,
                        other_line: first.line as u64,
                        what,
                        pre: self.neurons.name(r.pre as usize).to_owned(),
                        post: self.neurons.name(r.post as usize).to_owned(),
                    });
                }
                if r.reversed {
                    back += r.weight;
                    n_back += 1;
                } else {
                    forward += r.weight;
                    n_forward += 1;
                }
                if e.sign == Sign::Unknown {
                    e.sign = r.sign;
                }
                if e.delay.is_nan() {
                    e.delay = r.delay;
                }
                if e.original_type == 0 {
                    e.original_type = r.original_type;
                }
            }
            let listed_both_ways = both_ways.is_some() && n_forward > 0 && n_back > 0 && first.pre != first.post;
            if listed_both_ways {
                both_ways_pairs += 1;
                both_ways_rows += end - start;
                merged_rows += n_forward - 1 + n_back - 1;
                e.weight = (forward + back) / 2.0;
                if forward != back {
                    asymmetric.push((first.pre, first.post, forward, back, end - start));
                }
            } else {
                merged_rows += end - start - 1;
                e.weight = forward + back;
            }
            if any_type {
                types.push(e.original_type);
            }
            rows[len] = e;
            len += 1;
            start = end;
        }
        rows.truncate(len);
        self.report_merge(
            kind,
            merged_rows,
            both_ways,
            both_ways_pairs,
            both_ways_rows,
            &asymmetric,
        );
        // `Row` and `Edge` have the same size, so this collects in place.
        let edges = rows
            .into_iter()
            .map(|r| Edge {
                pre: r.pre,
                post: r.post,
                weight: r.weight,
                sign: r.sign,
                delay: (!r.delay.is_nan()).then_some(r.delay),
            })
            .collect();
        Ok((edges, types))
    }

    fn report_merge(
        &mut self,
        kind: EdgeKind,
        merged_rows: usize,
        both_ways: Option<f64>,
        pairs: usize,
        pair_rows: usize,
        asymmetric: &[(u32, u32, f64, f64, usize)],
    ) {
        let what = match kind {
            EdgeKind::Electrical => "gap-junction",
            EdgeKind::Undirected => "undirected",
            k => k.as_str(),
        };
        if merged_rows > 0 {
            self.report.add(
                WarningCode::MergedDuplicates,
                merged_rows,
                format!(
                    "{} {what} rows repeat a connection listed before (same neurons and kind): their weights were summed",
                    thousands(merged_rows)
                ),
            );
        }
        let Some(share) = both_ways else { return };
        self.report.add(
            WarningCode::BothWaysListing,
            pairs,
            format!(
                "{} {what} rows list {} pairs in both directions ({:.1}% of the rows between two \
                 different neurons have their reverse): each pair is read once, with the mean \
                 weight of its two directions",
                thousands(pair_rows),
                thousands(pairs),
                100.0 * share
            ),
        );
        if asymmetric.is_empty() {
            return;
        }
        let rows: usize = asymmetric.iter().map(|a| a.4).sum();
        let examples: Vec<String> = asymmetric
            .iter()
            .take(5)
            .map(|&(a, b, forward, back, _)| {
                format!(
                    "{}-{} ({forward} vs {back})",
                    self.neurons.name(a as usize),
                    self.neurons.name(b as usize)
                )
            })
            .collect();
        let more = if asymmetric.len() > 5 { ", ..." } else { "" };
        self.report.add(
            WarningCode::AsymmetricPairs,
            rows,
            format!(
                "{} {what} rows ({} pairs) differ in weight from their reverse; the mean was taken: {}{more}",
                thousands(rows),
                thousands(asymmetric.len()),
                examples.join(", ")
            ),
        );
    }
}

/// The share of rows between two different neurons (rows sorted by pair) whose pair is also
/// listed in the other direction, when it is at least a half: such a source lists every
/// undirected connection twice. `None` when the share is lower or there are no such rows.
fn both_ways_share(rows: &[Row]) -> Option<f64> {
    let (mut between, mut with_reverse) = (0usize, 0usize);
    for group in rows.chunk_by(|a, b| a.pre == b.pre && a.post == b.post) {
        if group[0].pre == group[0].post {
            continue;
        }
        between += group.len();
        let reversed = group.iter().filter(|r| r.reversed).count();
        if reversed > 0 && reversed < group.len() {
            with_reverse += group.len();
        }
    }
    let share = with_reverse as f64 / between.max(1) as f64;
    (with_reverse > 0 && share >= 0.5).then_some(share)
}

/// When every name is a canonical non-negative integer (`0`, `27`, a 64-bit body id), the
/// order that sorts them numerically, so that neuron `k` of a `pre,post,weight` file of
/// integer ids gets index `k`. `None` when some name is not such an integer.
fn numeric_order(names: &[String]) -> Option<Vec<u32>> {
    let mut keyed = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let v: u64 = name.parse().ok()?;
        if v.to_string() != *name {
            return None;
        }
        keyed.push((v, i as u32));
    }
    if keyed.windows(2).all(|w| w[0].0 < w[1].0) {
        return None;
    }
    keyed.sort_unstable();
    Some(keyed.into_iter().map(|(_, i)| i).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(rows: &[(&str, &str, EdgeKind, f64)]) -> Connectome {
        let mut b = ConnectomeBuilder::new();
        for (line, (pre, post, kind, w)) in rows.iter().enumerate() {
            let pre = b.neurons.find_or_add(pre);
            let post = b.neurons.find_or_add(post);
            b.add_edge(*kind, pre, post, *w, Sign::Unknown, None, line as u64 + 2);
        }
        b.finish().unwrap()
    }

    #[test]
    fn duplicates_are_summed_and_self_loops_kept() {
        use EdgeKind::*;
        let c = build(&[
            ("A", "B", Chemical, 2.0),
            ("A", "B", Chemical, 3.0),
            ("A", "A", Chemical, 1.0),
        ]);
        assert_eq!(c.chemical.len(), 2);
        let ab = c.chemical.find(0, 1).unwrap();
        assert_eq!(c.chemical.get(ab).weight, 5.0);
        assert!(c.chemical.find(0, 0).is_some());
    }

    #[test]
    fn gap_junctions_are_stored_once_per_pair() {
        use EdgeKind::*;
        // Listed once: B-A and A-C are distinct junctions.
        let c = build(&[("B", "A", Electrical, 2.0), ("A", "C", Electrical, 1.0)]);
        assert_eq!(c.electrical.len(), 2);
        // Listed in both directions with equal weights: each junction counted once.
        let c = build(&[
            ("A", "B", Electrical, 2.0),
            ("B", "A", Electrical, 2.0),
            ("A", "A", Electrical, 1.0),
        ]);
        assert_eq!(c.electrical.len(), 2);
        assert_eq!(c.electrical.total_weight(), 3.0);
        // One pair listed twice the same way: a genuine duplicate, summed.
        let c = build(&[("A", "B", Electrical, 2.0), ("A", "B", Electrical, 2.0)]);
        assert_eq!(c.electrical.total_weight(), 4.0);
    }

    #[test]
    fn integer_names_get_their_own_index() {
        use EdgeKind::*;
        let c = build(&[
            ("0", "27", Chemical, 3.0),
            ("27", "5", Electrical, 1.0),
            ("5", "0", Chemical, 1.0),
        ]);
        assert_eq!(c.neurons.names(), ["0", "5", "27"]);
        let e = c.chemical.get(c.chemical.find(0, 2).unwrap());
        assert_eq!(e.weight, 3.0);
        let g = c.electrical.get(0);
        assert_eq!((g.pre, g.post), (1, 2));
    }

    #[test]
    fn merged_rows_become_edges_in_place() {
        // `merge` relies on this to reuse the rows' memory for the edges.
        assert_eq!(std::mem::size_of::<Row>(), std::mem::size_of::<Edge>());
        assert_eq!(std::mem::align_of::<Row>(), std::mem::align_of::<Edge>());
    }

    #[test]
    fn conflicting_signs_are_an_error() {
        let mut b = ConnectomeBuilder::new();
        let a = b.neurons.find_or_add("a");
        let c = b.neurons.find_or_add("c");
        b.add_edge(EdgeKind::Chemical, a, c, 1.0, Sign::Excitatory, None, 2);
        b.add_edge(EdgeKind::Chemical, a, c, 1.0, Sign::Inhibitory, None, 7);
        let err = b.finish().unwrap_err();
        assert_eq!((err.line, err.other_line, err.what), (7, 2, "sign"));
    }

    #[test]
    fn gap_junctions_listed_both_ways_are_decided_by_share_and_averaged() {
        use EdgeKind::*;
        // Three of four pairs have their reverse (6 of 7 rows): listed both ways. A-B
        // disagrees (2 vs 4): mean 3. D-E is listed once: kept as it is.
        let c = build(&[
            ("A", "B", Electrical, 2.0),
            ("B", "A", Electrical, 4.0),
            ("B", "C", Electrical, 1.0),
            ("C", "B", Electrical, 1.0),
            ("C", "D", Electrical, 5.0),
            ("D", "C", Electrical, 5.0),
            ("D", "E", Electrical, 7.0),
        ]);
        assert_eq!(c.electrical.len(), 4);
        let w = |a, b| c.electrical.get(c.electrical.find(a, b).unwrap()).weight;
        assert_eq!((w(0, 1), w(1, 2), w(2, 3), w(3, 4)), (3.0, 1.0, 5.0, 7.0));
        let report = &c.import_report;
        assert_eq!(report.get(WarningCode::BothWaysListing).unwrap().count, 3);
        let asym = report.get(WarningCode::AsymmetricPairs).unwrap();
        assert_eq!(asym.count, 2);
        assert!(asym.message.contains("A-B (2 vs 4)"), "{}", asym.message);
        assert!(report.get(WarningCode::MergedDuplicates).is_none());
        // One pair of five listed both ways (2 of 6 rows): a file listing junctions once,
        // where A-B listed twice is summed (and reported as merged).
        let c = build(&[
            ("A", "B", Electrical, 1.0),
            ("B", "A", Electrical, 1.0),
            ("C", "D", Electrical, 1.0),
            ("E", "F", Electrical, 1.0),
            ("G", "H", Electrical, 1.0),
            ("I", "J", Electrical, 1.0),
        ]);
        assert_eq!(c.electrical.get(0).weight, 2.0);
        assert!(c.import_report.get(WarningCode::BothWaysListing).is_none());
        assert_eq!(c.import_report.get(WarningCode::MergedDuplicates).unwrap().count, 1);
    }

    #[test]
    fn unknown_types_names_by_case_and_undirected_edges_are_reported() {
        let mut b = ConnectomeBuilder::new();
        let [a, c, d] = ["mc2DR", "mc2dr", "x"].map(|n| b.neurons.find_or_add(n));
        b.add_edge_of_unknown_type("AlphaSynapse", a, c, 1.0, Sign::Unknown, None, 2);
        b.add_edge_of_unknown_type("AlphaSynapse", c, a, 1.0, Sign::Unknown, None, 3);
        b.add_edge_of_unknown_type("Wireless", a, d, 1.0, Sign::Unknown, None, 4);
        b.add_edge(EdgeKind::Undirected, d, a, 2.0, Sign::Unknown, None, 5);
        let con = b.finish().unwrap();
        assert_eq!(con.neurons.len(), 3);
        assert_eq!(con.other.len(), 3);
        assert_eq!(con.other.original_type(con.other.find(a, d).unwrap()), Some("Wireless"));
        assert_eq!(
            con.other.original_type(con.other.find(c, a).unwrap()),
            Some("AlphaSynapse")
        );
        let e = con.undirected.get(0);
        assert_eq!((e.pre, e.post, e.weight), (a as u32, d as u32, 2.0));
        let r = &con.import_report;
        let unknown = r.get(WarningCode::UnknownKind).unwrap();
        assert_eq!(unknown.count, 3);
        assert!(
            unknown.message.contains("'AlphaSynapse' (2), 'Wireless' (1)"),
            "{}",
            unknown.message
        );
        assert_eq!(r.get(WarningCode::NamesDifferByCase).unwrap().count, 1);
        assert_eq!(r.get(WarningCode::UndirectedEdges).unwrap().count, 1);
    }
}
