//! Summary figures of a connectome (what `connectoscope info` prints).

use petgraph::unionfind::UnionFind;
use serde::Serialize;

use super::{Connectome, EdgeKind, Edges};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KindStats {
    /// Stored connections (unordered pairs for electrical).
    pub edges: usize,
    pub weight: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DegreeStats {
    pub mean: f64,
    pub median: f64,
    pub max: usize,
}

impl DegreeStats {
    fn of(mut degrees: Vec<usize>) -> DegreeStats {
        if degrees.is_empty() {
            return DegreeStats {
                mean: 0.0,
                median: 0.0,
                max: 0,
            };
        }
        degrees.sort_unstable();
        let n = degrees.len();
        let median = if n % 2 == 1 {
            degrees[n / 2] as f64
        } else {
            (degrees[n / 2 - 1] + degrees[n / 2]) as f64 / 2.0
        };
        DegreeStats {
            mean: degrees.iter().sum::<usize>() as f64 / n as f64,
            median,
            max: degrees[n - 1],
        }
    }
}

/// The figures of `connectoscope info`. Field names are part of the CLI's JSON contract.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub neurons: usize,
    pub chemical: KindStats,
    pub electrical: KindStats,
    pub other: KindStats,
    /// Undirected connections of unknown kind (unordered pairs).
    pub undirected: KindStats,
    pub weight_unit: String,
    /// Weakly connected components over all kinds (isolated neurons count as components).
    pub components: usize,
    pub largest_component: usize,
    /// Fraction of chemical connections (self-connections excluded) whose reverse also exists.
    pub reciprocity: f64,
    pub self_connections: usize,
    pub chemical_in_degree: DegreeStats,
    pub chemical_out_degree: DegreeStats,
    /// Number of gap-junction partners (a self-junction counts once).
    pub electrical_degree: DegreeStats,
    pub has_positions: bool,
    pub excitatory_neurons: usize,
    pub inhibitory_neurons: usize,
}

impl Connectome {
    pub fn summary(&self) -> Summary {
        let n = self.neurons.len();
        let kind = |e: &Edges| KindStats {
            edges: e.len(),
            weight: e.total_weight(),
        };
        let (components, largest_component) = self.components();
        let chem = &self.chemical;
        let mut reciprocal = 0usize;
        let mut self_connections = 0usize;
        for e in chem.iter() {
            if e.pre == e.post {
                self_connections += 1;
            } else if chem.find(e.post as usize, e.pre as usize).is_some() {
                reciprocal += 1;
            }
        }
        let non_self = chem.len() - self_connections;
        let elec = &self.electrical;
        let count = |s| self.neurons.sign.iter().filter(|&&x| x == s).count();
        Summary {
            neurons: n,
            chemical: kind(chem),
            electrical: kind(elec),
            other: kind(&self.other),
            undirected: kind(&self.undirected),
            weight_unit: self.weight_unit.clone(),
            components,
            largest_component,
            reciprocity: if non_self == 0 {
                0.0
            } else {
                reciprocal as f64 / non_self as f64
            },
            self_connections,
            chemical_in_degree: DegreeStats::of((0..n).map(|i| chem.in_degree(i)).collect()),
            chemical_out_degree: DegreeStats::of((0..n).map(|i| chem.out_degree(i)).collect()),
            electrical_degree: DegreeStats::of(
                (0..n)
                    .map(|i| {
                        let self_loop = elec.find(i, i).is_some() as usize;
                        elec.out_degree(i) + elec.in_degree(i) - self_loop
                    })
                    .collect(),
            ),
            has_positions: self.neurons.has_positions(),
            excitatory_neurons: count(super::Sign::Excitatory),
            inhibitory_neurons: count(super::Sign::Inhibitory),
        }
    }

    /// Number of weakly connected components and the size of the largest (petgraph's
    /// union-find over the connections of every kind).
    pub fn components(&self) -> (usize, usize) {
        let n = self.neurons.len();
        let mut uf = UnionFind::<u32>::new(n);
        for kind in EdgeKind::ALL {
            for e in self.edges(kind).iter() {
                uf.union(e.pre, e.post);
            }
        }
        let mut sizes = vec![0usize; n];
        for i in 0..n {
            sizes[uf.find(i as u32) as usize] += 1;
        }
        let count = sizes.iter().filter(|&&s| s > 0).count();
        (count, sizes.into_iter().max().unwrap_or(0))
    }
}
