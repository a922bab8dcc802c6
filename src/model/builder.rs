//! Collects neurons and connection rows from a reader and turns them into a [`Connectome`]:
//! duplicate rows of the same pair and kind are summed, gap junctions are stored once per
//! unordered pair, and the CSR arrays are built.

use rayon::iter::{IntoParallelRefMutIterator, ParallelIterator};
use rayon::slice::ParallelSliceMut;

use super::{Connectome, Edge, EdgeKind, Edges, Neurons, Sign, SignRule};

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
    /// Electrical rows are stored with pre <= post; this says the source had them reversed.
    reversed: bool,
}

impl Row {
    fn key(&self) -> (u64, u32) {
        (((self.pre as u64) << 32) | self.post as u64, self.line)
    }
}

/// Builds a connectome row by row. Readers add neurons (with annotations) through
/// [`ConnectomeBuilder::neurons`] and connections through [`ConnectomeBuilder::add_edge`].
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
    rows: [Vec<Row>; 3],
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
        debug_assert!(weight.is_finite() && weight >= 0.0);
        let (mut pre, mut post, mut reversed) = (pre as u32, post as u32, false);
        if kind == EdgeKind::Electrical && pre > post {
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
        });
    }

    /// Number of rows added so far.
    pub fn rows(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    /// Renumbers the neurons of the rows added so far: neuron `i` becomes `new_index[i]`.
    /// Lets a reader collect connections while its neuron table is read elsewhere.
    pub fn renumber(&mut self, new_index: &[u32]) {
        for (kind, rows) in self.rows.iter_mut().enumerate() {
            rows.par_iter_mut().for_each(|r| {
                r.pre = new_index[r.pre as usize];
                r.post = new_index[r.post as usize];
                // Renumbering can break the pre <= post rule of electrical rows.
                if kind == EdgeKind::Electrical as usize && r.pre > r.post {
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
        let [chem, elec, other] = std::mem::take(&mut self.rows);
        let chemical = self.merge(chem, false)?;
        let electrical = self.merge(elec, true)?;
        let other = self.merge(other, false)?;
        Ok(Connectome {
            neurons: self.neurons,
            chemical: Edges::from_sorted(n, &chemical),
            electrical: Edges::from_sorted(n, &electrical),
            other: Edges::from_sorted(n, &other),
            weight_unit: self.weight_unit.unwrap_or_else(|| "synapses".into()),
            sign_rule: self.sign_rule,
        })
    }

    /// Sorts rows by pair and sums duplicates. For gap junctions, a source that lists every
    /// pair in both directions with equal weights is read as listing each junction twice.
    fn merge(&self, mut rows: Vec<Row>, electrical: bool) -> Result<Vec<Edge>, MergeError> {
        rows.par_sort_unstable_by_key(Row::key);
        let symmetric_listing = electrical && lists_both_directions(&rows);
        // Rows are summed in place (`rows[..len]` holds the merged edges so far) and the result
        // reuses their memory: on a whole brain, a fresh 100+ MB array costs more in page
        // faults than the merge itself.
        let mut len = 0;
        let mut first_line = 0u32;
        for k in 0..rows.len() {
            let r = rows[k];
            if symmetric_listing && r.reversed && r.pre != r.post {
                continue;
            }
            if len > 0 && rows[len - 1].pre == r.pre && rows[len - 1].post == r.post {
                let e = &mut rows[len - 1];
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
                        other_line: first_line as u64,
                        what,
                        pre: self.neurons.name(r.pre as usize).to_owned(),
                        post: self.neurons.name(r.post as usize).to_owned(),
                    });
                }
                e.weight += r.weight;
                if e.sign == Sign::Unknown {
                    e.sign = r.sign;
                }
                if e.delay.is_nan() {
                    e.delay = r.delay;
                }
            } else {
                first_line = r.line;
                rows[len] = r;
                len += 1;
            }
        }
        rows.truncate(len);
        // `Row` and `Edge` have the same size, so this collects in place.
        Ok(rows
            .into_iter()
            .map(|r| Edge {
                pre: r.pre,
                post: r.post,
                weight: r.weight,
                sign: r.sign,
                delay: (!r.delay.is_nan()).then_some(r.delay),
            })
            .collect())
    }
}

/// True when every non-self pair (rows sorted by pair) appears in both orientations with the
/// same total weight, and there is at least one such pair.
fn lists_both_directions(rows: &[Row]) -> bool {
    let mut any = false;
    for group in rows.chunk_by(|a, b| a.pre == b.pre && a.post == b.post) {
        if group[0].pre == group[0].post {
            continue;
        }
        let (mut fwd, mut back) = (0.0f64, 0.0f64);
        let (mut nf, mut nb) = (0, 0);
        for r in group {
            if r.reversed {
                back += r.weight;
                nb += 1;
            } else {
                fwd += r.weight;
                nf += 1;
            }
        }
        if nf == 0 || nb == 0 || fwd != back {
            return false;
        }
        any = true;
    }
    any
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
}
