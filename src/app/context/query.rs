//! Graph questions the inspector asks: the 1- and 2-hop neighbourhood of a selection and the
//! shortest weighted path between two neurons. Pure functions over [`GraphData`].

use petgraph::algo::astar;
use petgraph::graph::NodeIndex;

use crate::app::context::graph::GraphData;
use crate::model::EdgeKind;

/// Hop distance from the nearest selected neuron, over connections of every kind (either
/// direction), up to `max_hops`; `u8::MAX` beyond.
pub fn hop_distances(g: &GraphData, selected: &[usize], max_hops: u8) -> Vec<u8> {
    let mut dist = vec![u8::MAX; g.len()];
    let mut frontier: Vec<usize> = Vec::new();
    for &s in selected {
        if s < dist.len() && dist[s] != 0 {
            dist[s] = 0;
            frontier.push(s);
        }
    }
    let mut next = Vec::new();
    for hop in 1..=max_hops {
        for &i in &frontier {
            g.for_each_neighbour(i, |j| {
                if dist[j] == u8::MAX {
                    dist[j] = hop;
                    next.push(j);
                }
            });
        }
        std::mem::swap(&mut frontier, &mut next);
        next.clear();
        if frontier.is_empty() {
            break;
        }
    }
    dist
}

/// A shortest path and its length.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub neurons: Vec<usize>,
    /// Sum of 1/weight over the path's connections.
    pub cost: f64,
}

/// The shortest path from `from` to `to` over directed connections (chemical, other: in their
/// direction) and undirected ones (gap junctions, undirected: both ways), where a connection of weight w has length 1/w: strong connections
/// are short, so the path prefers few, heavy connections. Uses petgraph's A* with a zero
/// heuristic (Dijkstra) on [`crate::Connectome::to_petgraph`]. `None` when `to` is not
/// reachable.
pub fn shortest_path(g: &GraphData, from: usize, to: usize) -> Option<Path> {
    if from >= g.len() || to >= g.len() {
        return None;
    }
    let pg = g.c.to_petgraph(&EdgeKind::ALL);
    let goal = NodeIndex::new(to);
    let (cost, nodes) = astar(
        &pg,
        NodeIndex::new(from),
        |n| n == goal,
        |e| {
            if *e.weight() > 0.0 {
                1.0 / *e.weight()
            } else {
                f64::INFINITY
            }
        },
        |_| 0.0,
    )?;
    Some(Path {
        neurons: nodes.into_iter().map(|n| n.index()).collect(),
        cost,
    })
}
