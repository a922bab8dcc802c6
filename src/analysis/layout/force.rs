//! Progressive 3D force-directed layout: ForceAtlas2 (Jacomy, Venturini, Heymann & Bastian
//! 2014, PLoS ONE 9:e98679) in three dimensions.
//!
//! - Repulsion between all pairs, `k_r (deg_i+1)(deg_j+1) / d`, by a Barnes–Hut octree
//!   (O(n log n) per iteration).
//! - Attraction along connections, `w_ij · d`, with `w = ln(1 + synapses)` summed over all
//!   connection kinds and both directions (gap junctions and chemical synapses alike).
//! - Gravity towards the centre, `k_g (deg_i+1) r` ("strong gravity"; Gephi's constant
//!   `k_g (deg_i+1)` is an option), which keeps isolated neurons and small components on a
//!   shell just outside the connected network instead of far away.
//! - ForceAtlas2's adaptive speed: a global speed set from how much nodes swing (force
//!   changing direction between iterations) versus how much they travel, and a per-node speed
//!   that slows down swinging nodes; then, once the moves stop shrinking, a cooling schedule
//!   that freezes the layout (see [`super::speed`]).
//!
//! Everything is deterministic for a given seed: per-node sums run in a fixed order and the
//! global sums are reduced in fixed chunks.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use rayon::prelude::*;

use super::graph::SymGraph;
use super::octree::Octree;
use super::speed::{Cooling, Speed};
use super::{Control, Point, normalize};
use crate::model::{Connectome, EdgeKind};

/// Tuning of [`ForceLayout`]. The defaults follow Gephi's ForceAtlas2 except for gravity:
/// "strong" (growing with distance) and weaker, because with ForceAtlas2's constant gravity
/// isolated neurons settle much farther out than the connected ones (at `k_r·Σm / k_g`), and
/// normalising the picture to the farthest neuron then squeezes the network into a dot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForceSettings {
    /// Barnes–Hut opening angle (cell size / distance): smaller is more exact and slower.
    pub theta: f32,
    /// Repulsion strength `k_r`; `None` picks Gephi's (2 below 100 neurons, else 10).
    pub repulsion: Option<f32>,
    /// Gravity strength `k_g`.
    pub gravity: f32,
    /// Gravity growing with the distance to the centre (`k_g (deg+1) r`) rather than
    /// constant (`k_g (deg+1)`): a compact picture, with weakly attached parts kept close.
    pub strong_gravity: bool,
    /// How much swinging the global speed tolerates (higher: faster, less precise).
    pub jitter_tolerance: f32,
    /// Settled once the mean move per iteration, in normalised units (farthest neuron at 1),
    /// stays below this for [`ForceSettings::patience`] iterations.
    pub settle_tolerance: f32,
    pub patience: usize,
    /// Settled after this many iterations regardless.
    pub max_iterations: usize,
}

impl Default for ForceSettings {
    fn default() -> Self {
        ForceSettings {
            theta: 1.0,
            repulsion: None,
            gravity: 0.2,
            strong_gravity: true,
            jitter_tolerance: 1.0,
            settle_tolerance: 2e-4,
            patience: 10,
            max_iterations: 5000,
        }
    }
}

/// A progressive 3D force-directed layout: call [`ForceLayout::step`] repeatedly (in a
/// background thread) and read [`ForceLayout::positions`] as it settles.
pub struct ForceLayout {
    graph: SymGraph,
    settings: ForceSettings,
    repulsion: f32,
    /// `deg + 1`: ForceAtlas2's mass, so hubs repel more and leaves settle around them.
    mass: Vec<f32>,
    positions: Vec<Point>,
    previous_force: Vec<[f32; 3]>,
    speed: Speed,
    cooling: Cooling,
    iterations: usize,
    /// Consecutive iterations below the settle tolerance.
    still: usize,
    settled: bool,
}

impl ForceLayout {
    /// Starts from `initial` positions if given (e.g. the current layout), else from random
    /// points in a ball; `seed` drives the random start and a tiny jitter that separates
    /// neurons sharing a position.
    pub fn new(c: &Connectome, initial: Option<&[Point]>, seed: u64) -> ForceLayout {
        ForceLayout::with_settings(c, initial, seed, ForceSettings::default())
    }

    pub fn with_settings(c: &Connectome, initial: Option<&[Point]>, seed: u64, settings: ForceSettings) -> ForceLayout {
        let graph = SymGraph::from_connectome(c, &EdgeKind::ALL, |w| w.ln_1p());
        ForceLayout::from_graph(graph, initial, seed, settings)
    }

    fn from_graph(graph: SymGraph, initial: Option<&[Point]>, seed: u64, settings: ForceSettings) -> ForceLayout {
        let n = graph.len();
        let mut rng = Pcg64::seed_from_u64(seed);
        let mut positions = match initial {
            Some(p) if p.len() == n => {
                let mut p = p.to_vec();
                normalize(&mut p);
                p
            }
            _ => (0..n).map(|_| random_in_ball(&mut rng)).collect(),
        };
        for p in &mut positions {
            for v in p.iter_mut() {
                *v += 1e-4 * rng.random_range(-1.0f32..1.0);
            }
        }
        let mass = (0..n).map(|i| graph.degree(i) as f32 + 1.0).collect();
        let repulsion = settings.repulsion.unwrap_or(if n < 100 { 2.0 } else { 10.0 });
        let mut layout = ForceLayout {
            graph,
            settings,
            repulsion,
            mass,
            positions,
            previous_force: vec![[0.0; 3]; n],
            speed: Speed::new(),
            cooling: Cooling::new(),
            iterations: 0,
            still: 0,
            settled: n == 0,
        };
        layout.rescale_to_balance();
        layout
    }

    /// One iteration; returns how far nodes moved on average, in normalised units (0 when
    /// settled).
    pub fn step(&mut self) -> f32 {
        if self.settled {
            return 0.0;
        }
        let force = self.forces();
        let n = self.positions.len();

        // Global speed from total swinging vs. traction (Gephi's ForceAtlas2.java).
        let (swinging, traction) = chunked_sum2(n, |i| {
            let (f, g) = (force[i], self.previous_force[i]);
            let swing = dist([f[0] - g[0], f[1] - g[1], f[2] - g[2]]);
            let travel = 0.5 * dist([f[0] + g[0], f[1] + g[1], f[2] + g[2]]);
            (self.mass[i] as f64 * swing as f64, self.mass[i] as f64 * travel as f64)
        });
        let speed = self
            .speed
            .adapt(swinging as f32, traction as f32, n, self.settings.jitter_tolerance);

        // Move each node, slower where it swings; never more than half the layout's extent,
        // nor than the cooling cap.
        let radius = max_radius(&self.positions);
        let limit = self
            .cooling
            .cap
            .map_or(f32::INFINITY, |cap| cap * radius)
            .min(0.5 * rms_radius(&self.positions));
        let moved: Vec<f32> = self
            .positions
            .par_iter_mut()
            .zip(force.par_iter().zip(self.previous_force.par_iter()))
            .zip(self.mass.par_iter())
            .with_min_len(1024)
            .map(|((p, (f, g)), &m)| {
                let swing = m * dist([f[0] - g[0], f[1] - g[1], f[2] - g[2]]);
                let factor = speed / (1.0 + (speed * swing).sqrt());
                let mut step = f.map(|v| v * factor);
                let length = dist(step);
                if length > limit {
                    step = step.map(|v| v * limit / length);
                }
                for a in 0..3 {
                    p[a] += step[a];
                }
                length.min(limit)
            })
            .collect();
        self.previous_force = force;
        self.iterations += 1;

        let radius = max_radius(&self.positions);
        let mean_move = if radius > 0.0 {
            (moved.iter().map(|&m| m as f64).sum::<f64>() / n as f64) as f32 / radius
        } else {
            0.0
        };
        self.cooling.record(mean_move);
        self.still = if mean_move < self.settings.settle_tolerance {
            self.still + 1
        } else {
            0
        };
        self.settled = self.still >= self.settings.patience || self.iterations >= self.settings.max_iterations;
        mean_move
    }

    /// Steps until settled, cancelled or `max_steps` done, reporting the iteration fraction
    /// of [`ForceSettings::max_iterations`]. Returns the number of steps taken.
    pub fn run(&mut self, max_steps: usize, control: &Control) -> usize {
        let mut steps = 0;
        while steps < max_steps && !self.settled && !control.cancelled() {
            self.step();
            steps += 1;
            control.report(self.iterations as f32 / self.settings.max_iterations as f32);
        }
        steps
    }

    pub fn is_settled(&self) -> bool {
        self.settled
    }

    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Bytes held (graph, positions, forces), for memory reports.
    pub fn heap_bytes(&self) -> usize {
        self.graph.heap_bytes()
            + 4 * self.mass.capacity()
            + 12 * (self.positions.capacity() + self.previous_force.capacity())
    }

    /// The current positions, normalised.
    pub fn positions(&self) -> Vec<Point> {
        let mut p = self.positions.clone();
        normalize(&mut p);
        p
    }

    /// Repulsion + attraction + gravity on every node.
    fn forces(&self) -> Vec<[f32; 3]> {
        let tree = Octree::build(&self.positions, &self.mass);
        let mut force = tree.repulsion(self.repulsion, self.settings.theta);
        let (g, positions, mass, gravity) = (&self.graph, &self.positions, &self.mass, self.settings.gravity);
        let strong = self.settings.strong_gravity;
        force.par_iter_mut().enumerate().with_min_len(1024).for_each(|(i, f)| {
            let p = positions[i];
            for (&j, &w) in g.neighbours(i).iter().zip(g.weights(i)) {
                let q = positions[j as usize];
                for a in 0..3 {
                    f[a] += w * (q[a] - p[a]);
                }
            }
            let r = dist(p);
            if r > 0.0 {
                let s = if strong {
                    gravity * mass[i]
                } else {
                    gravity * mass[i] / r
                };
                for a in 0..3 {
                    f[a] -= s * p[a];
                }
            }
        });
        force
    }

    /// Scales the start so that the forces that grow with distance (attraction, strong
    /// gravity) balance those that shrink (repulsion), so the layout starts near its natural
    /// extent whatever the initial positions' units.
    fn rescale_to_balance(&mut self) {
        let n = self.positions.len();
        if n < 2 {
            return;
        }
        let tree = Octree::build(&self.positions, &self.mass);
        let repulsion = tree.repulsion(self.repulsion, self.settings.theta);
        let (g, positions) = (&self.graph, &self.positions);
        let (rep, att) = chunked_sum2(n, |i| {
            let p = positions[i];
            let mut f = [0f32; 3];
            for (&j, &w) in g.neighbours(i).iter().zip(g.weights(i)) {
                let q = positions[j as usize];
                for a in 0..3 {
                    f[a] += w * (q[a] - p[a]);
                }
            }
            (dist(repulsion[i]) as f64, dist(f) as f64)
        });
        // Scaling by s: attraction and strong gravity grow as s, repulsion shrinks as 1/s.
        let gravity: f64 = if self.settings.strong_gravity {
            self.positions
                .iter()
                .zip(&self.mass)
                .map(|(p, &m)| (self.settings.gravity * m * dist(*p)) as f64)
                .sum()
        } else {
            0.0
        };
        let s = if att + gravity > 0.0 {
            (rep / (att + gravity)).sqrt()
        } else {
            1.0
        };
        if s.is_finite() && s > 0.0 {
            for p in &mut self.positions {
                *p = p.map(|v| v * s as f32);
            }
        }
    }
}

fn dist(v: [f32; 3]) -> f32 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

fn random_in_ball(rng: &mut Pcg64) -> Point {
    loop {
        let p = [0; 3].map(|_: i32| rng.random_range(-1.0f32..1.0));
        if dist(p) <= 1.0 {
            return p;
        }
    }
}

fn rms_radius(points: &[Point]) -> f32 {
    let c = centroid(points);
    let s: f64 = points
        .iter()
        .map(|p| dist([p[0] - c[0], p[1] - c[1], p[2] - c[2]]).powi(2) as f64)
        .sum();
    (s / points.len().max(1) as f64).sqrt() as f32
}

fn max_radius(points: &[Point]) -> f32 {
    let c = centroid(points);
    points
        .iter()
        .map(|p| dist([p[0] - c[0], p[1] - c[1], p[2] - c[2]]))
        .fold(0.0, f32::max)
}

fn centroid(points: &[Point]) -> Point {
    let mut m = [0f64; 3];
    for p in points {
        for a in 0..3 {
            m[a] += p[a] as f64;
        }
    }
    m.map(|v| (v / points.len().max(1) as f64) as f32)
}

/// Two sums over `0..n`, computed in parallel over fixed chunks and added in order, so the
/// result does not depend on scheduling.
fn chunked_sum2(n: usize, term: impl Fn(usize) -> (f64, f64) + Sync) -> (f64, f64) {
    const CHUNK: usize = 4096;
    let partial: Vec<(f64, f64)> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            (c * CHUNK..((c + 1) * CHUNK).min(n))
                .map(&term)
                .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y))
        })
        .collect();
    partial.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y))
}
