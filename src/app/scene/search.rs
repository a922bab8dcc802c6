//! Search by neuron name or class with completion: typing `AVA` offers AVAL and AVAR; Enter
//! selects every match.

use crate::app::context::graph::GraphData;

/// Neurons matching `query` (case-insensitive), best first: exact name, then names starting
/// with the query, then neurons whose class equals the query, then names containing it.
/// At most `limit` results.
pub fn complete(g: &GraphData, query: &str, limit: usize) -> Vec<usize> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    let mut tiers: [Vec<usize>; 4] = Default::default();
    for (i, name) in g.names_lower.iter().enumerate() {
        let tier = if *name == q {
            0
        } else if name.starts_with(&q) {
            1
        } else if g.classes_lower[i] == q {
            2
        } else if name.contains(&q) {
            3
        } else {
            continue;
        };
        tiers[tier].push(i);
    }
    let mut out = Vec::new();
    for mut tier in tiers {
        tier.sort_by(|&a, &b| {
            g.names_lower[a]
                .len()
                .cmp(&g.names_lower[b].len())
                .then(g.names_lower[a].cmp(&g.names_lower[b]))
        });
        for i in tier {
            if out.len() == limit {
                return out;
            }
            out.push(i);
        }
    }
    out
}
