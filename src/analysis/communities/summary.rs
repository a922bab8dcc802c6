//! What a partition looks like, for tables and heatmaps: per community its size, how much of
//! its members' weight stays inside, its best-connected members; and the weight between
//! every pair of communities.

use std::io::Write;

use super::Graph;

#[derive(Debug, Clone, PartialEq)]
pub struct CommunitySummary {
    /// Members, by decreasing strength (weighted degree).
    pub members: Vec<u32>,
    /// Internal weight over the members' total strength (1: no edge leaves the community).
    pub internal_fraction: f64,
}

/// One summary per community id `0..k` of `membership`.
pub fn summarize(g: &Graph, membership: &[u32]) -> Vec<CommunitySummary> {
    let k = count(membership);
    let mut members = vec![Vec::new(); k];
    for (i, &c) in membership.iter().enumerate() {
        members[c as usize].push(i as u32);
    }
    let between = between(g, membership);
    members
        .into_iter()
        .enumerate()
        .map(|(c, mut m)| {
            m.sort_by(|&a, &b| {
                g.strength(b as usize)
                    .total_cmp(&g.strength(a as usize))
                    .then(a.cmp(&b))
            });
            let total: f64 = m.iter().map(|&i| g.strength(i as usize)).sum();
            CommunitySummary {
                members: m,
                internal_fraction: if total > 0.0 { between[c * k + c] / total } else { 0.0 },
            }
        })
        .collect()
}

/// The `k × k` matrix (row-major) of weight between communities: off the diagonal the
/// summed weight of edges from `c` to `d`, on it the internal weight counted from both ends
/// (so each row sums to the community's total strength).
pub fn between(g: &Graph, membership: &[u32]) -> Vec<f64> {
    assert_eq!(membership.len(), g.len());
    let k = count(membership);
    let mut m = vec![0.0; k * k];
    for (i, &c) in membership.iter().enumerate() {
        let c = c as usize;
        m[c * k + c] += g.self_loops[i];
        for (j, w) in g.neighbors(i) {
            m[c * k + membership[j as usize] as usize] += w;
        }
    }
    m
}

fn count(membership: &[u32]) -> usize {
    membership.iter().map(|&c| c as usize + 1).max().unwrap_or(0)
}

/// CSV `neuron,community` (the `communities --out` format), one label per name.
pub fn write_csv<L: std::fmt::Display>(
    names: &[String],
    labels: impl IntoIterator<Item = L>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(out);
    writeln!(w, "neuron,community")?;
    for (name, c) in names.iter().zip(labels) {
        if name.contains([',', '"', '\n']) {
            writeln!(w, "\"{}\",{c}", name.replace('"', "\"\""))?;
        } else {
            writeln!(w, "{name},{c}")?;
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_triangles_and_a_bridge() {
        // Triangles {0,1,2} and {3,4,5} (weight 1), bridge 2–3 of weight 2; node 1 heavier.
        let mut e = vec![
            (0, 1, 1.0),
            (1, 2, 1.0),
            (0, 2, 1.0),
            (3, 4, 1.0),
            (4, 5, 1.0),
            (3, 5, 1.0),
        ];
        e.push((2, 3, 2.0));
        e.push((1, 0, 3.0));
        let g = Graph::from_edges(6, e);
        let part = [0, 0, 0, 1, 1, 1];
        let b = between(&g, &part);
        assert_eq!(b, vec![12.0, 2.0, 2.0, 6.0]);
        let s = summarize(&g, &part);
        assert_eq!(s[0].members, vec![0, 1, 2]);
        assert_eq!(s[1].members, vec![3, 4, 5]);
        assert!((s[0].internal_fraction - 12.0 / 14.0).abs() < 1e-12);
        assert!((s[1].internal_fraction - 6.0 / 8.0).abs() < 1e-12);
        let mut text = Vec::new();
        write_csv(&["a,b".into(), "c".into()], [1, 0], &mut text).unwrap();
        assert_eq!(String::from_utf8(text).unwrap(), "neuron,community\n\"a,b\",1\nc,0\n");
    }
}
