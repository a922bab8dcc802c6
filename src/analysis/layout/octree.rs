//! Barnes–Hut octree (Barnes & Hut 1986) for the force layout's all-pairs repulsion in
//! O(n log n): far groups of bodies act as one body at their centre of mass.
//!
//! Cells are stored in depth-first order with a `skip` index (the cell after its subtree), so
//! a walk is a single loop without a stack, and bodies are copied into tree order so a leaf's
//! bodies are contiguous. The walk is done once per leaf rather than once per body (Barnes
//! 1990): the cells and bodies acting on a leaf are gathered into one interaction list, with
//! the opening test made against the leaf's bounding box so it holds for every body in it,
//! and the list is then summed for each body of the leaf in a vectorisable loop.

use rayon::prelude::*;

use super::Point;

/// A leaf holds at most this many bodies (unless they coincide; see [`MAX_DEPTH`]).
const LEAF_SIZE: usize = 16;
/// Depth cap: bodies closer than `size / 2^MAX_DEPTH` share a leaf instead of splitting forever.
const MAX_DEPTH: u32 = 24;
/// Interaction lists are summed this many entries at a time (one SIMD register of f32).
const LANES: usize = 8;

#[derive(Debug, Clone, Copy)]
struct Cell {
    centre_of_mass: [f32; 3],
    mass: f32,
    /// Tight bounding box of the cell's bodies.
    lo: [f32; 3],
    hi: [f32; 3],
    /// Bodies in tree order.
    start: u32,
    end: u32,
    /// The next cell after this one's subtree (a child follows its parent directly).
    skip: u32,
    leaf: bool,
}

impl Cell {
    /// Largest edge of the bounding box: the "size" of the opening test.
    fn size(&self) -> f32 {
        (0..3).map(|a| self.hi[a] - self.lo[a]).fold(0.0, f32::max)
    }

    fn contains_range(&self, other: &Cell) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

pub(crate) struct Octree {
    cells: Vec<Cell>,
    /// Position and mass of each body, in tree order.
    bodies: Vec<[f32; 4]>,
    /// The input index of each body in tree order.
    order: Vec<u32>,
}

/// One leaf's interaction list, as structure-of-arrays for vectorised summation.
#[derive(Default)]
struct Interactions {
    x: Vec<f32>,
    y: Vec<f32>,
    z: Vec<f32>,
    m: Vec<f32>,
}

impl Interactions {
    fn clear(&mut self) {
        self.x.clear();
        self.y.clear();
        self.z.clear();
        self.m.clear();
    }

    fn push(&mut self, p: [f32; 3], m: f32) {
        self.x.push(p[0]);
        self.y.push(p[1]);
        self.z.push(p[2]);
        self.m.push(m);
    }

    /// Pads to whole lanes with massless entries, which contribute nothing.
    fn pad(&mut self) {
        while !self.m.len().is_multiple_of(LANES) {
            self.push([0.0; 3], 0.0);
        }
    }

    /// `Σ m (p − q) / |p − q|²` over the list, skipping entries at `p` itself.
    fn force_at(&self, p: [f32; 3]) -> [f32; 3] {
        let mut f = [[0f32; LANES]; 3];
        let chunks = (self.x.chunks_exact(LANES).zip(self.y.chunks_exact(LANES)))
            .zip(self.z.chunks_exact(LANES).zip(self.m.chunks_exact(LANES)));
        for ((x, y), (z, m)) in chunks {
            for k in 0..LANES {
                let (dx, dy, dz) = (p[0] - x[k], p[1] - y[k], p[2] - z[k]);
                let d2 = dx * dx + dy * dy + dz * dz;
                let s = if d2 > 0.0 { m[k] / d2 } else { 0.0 };
                f[0][k] += s * dx;
                f[1][k] += s * dy;
                f[2][k] += s * dz;
            }
        }
        f.map(|lane| lane.iter().sum())
    }
}

impl Octree {
    pub fn build(positions: &[Point], masses: &[f32]) -> Octree {
        let n = positions.len();
        let (lo, hi) = bounds(positions.iter().copied());
        let half = (0..3).map(|a| hi[a] - lo[a]).fold(0.0f32, f32::max) * 0.5 * (1.0 + 1e-5) + f32::MIN_POSITIVE;
        let centre = [0, 1, 2].map(|a| 0.5 * (lo[a] + hi[a]));
        let mut builder = Builder {
            positions,
            masses,
            order: (0..n as u32).collect(),
            scratch: vec![0; n],
            cells: Vec::with_capacity(2 * n / LEAF_SIZE + 1),
        };
        if n > 0 {
            builder.build(0, n, centre, half, 0);
        }
        let bodies = builder
            .order
            .iter()
            .map(|&i| {
                let p = positions[i as usize];
                [p[0], p[1], p[2], masses[i as usize]]
            })
            .collect();
        Octree {
            cells: builder.cells,
            bodies,
            order: builder.order,
        }
    }

    /// Repulsion on every body (indexed like the input) under the ForceAtlas2 law, magnitude
    /// `strength·m_i·m_j / d`: `strength·m_i·Σ_j m_j (x_i − x_j) / |x_i − x_j|²`, with a cell
    /// taken as one body when its size is below `theta` times its distance (from its centre
    /// of mass to the box of the leaf being evaluated).
    pub fn repulsion(&self, strength: f32, theta: f32) -> Vec<[f32; 3]> {
        let leaves: Vec<usize> = (0..self.cells.len()).filter(|&c| self.cells[c].leaf).collect();
        let per_leaf: Vec<Vec<[f32; 3]>> = leaves
            .par_iter()
            .with_min_len(16)
            .map_init(Interactions::default, |list, &leaf| {
                self.leaf_forces(leaf, theta * theta, list)
            })
            .collect();
        let mut forces = vec![[0f32; 3]; self.bodies.len()];
        for (&leaf, leaf_forces) in leaves.iter().zip(&per_leaf) {
            let cell = &self.cells[leaf];
            for (k, f) in (cell.start as usize..cell.end as usize).zip(leaf_forces) {
                forces[self.order[k] as usize] = f.map(|v| v * strength * self.bodies[k][3]);
            }
        }
        forces
    }

    /// Gathers what acts on leaf `leaf` (one stackless walk), then sums it for its bodies.
    fn leaf_forces(&self, leaf: usize, theta2: f32, list: &mut Interactions) -> Vec<[f32; 3]> {
        let target = self.cells[leaf];
        list.clear();
        let mut c = 0;
        while c < self.cells.len() {
            let cell = &self.cells[c];
            // Never approximate a cell that holds the leaf itself (it would repel itself).
            let far = !cell.contains_range(&target) && {
                let d2 = box_distance2(cell.centre_of_mass, target.lo, target.hi);
                let size = cell.size();
                size * size < theta2 * d2
            };
            if far {
                list.push(cell.centre_of_mass, cell.mass);
                c = cell.skip as usize;
            } else if cell.leaf {
                for b in &self.bodies[cell.start as usize..cell.end as usize] {
                    list.push([b[0], b[1], b[2]], b[3]);
                }
                c = cell.skip as usize;
            } else {
                c += 1;
            }
        }
        list.pad();
        // Bodies at exactly the same place as the evaluated body (itself included) are
        // skipped by the zero-distance test.
        self.bodies[target.start as usize..target.end as usize]
            .iter()
            .map(|b| list.force_at([b[0], b[1], b[2]]))
            .collect()
    }
}

/// Squared distance from `p` to the box `lo..hi` (0 inside).
fn box_distance2(p: [f32; 3], lo: [f32; 3], hi: [f32; 3]) -> f32 {
    (0..3).map(|a| (lo[a] - p[a]).max(p[a] - hi[a]).max(0.0).powi(2)).sum()
}

fn bounds(points: impl Iterator<Item = Point>) -> ([f32; 3], [f32; 3]) {
    let mut lo = [f32::INFINITY; 3];
    let mut hi = [f32::NEG_INFINITY; 3];
    for p in points {
        for a in 0..3 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    (lo, hi)
}

struct Builder<'a> {
    positions: &'a [Point],
    masses: &'a [f32],
    order: Vec<u32>,
    scratch: Vec<u32>,
    cells: Vec<Cell>,
}

impl Builder<'_> {
    /// Adds the cell for bodies `order[start..end]` (inside the cube `centre ± half`) and,
    /// below it, its children.
    fn build(&mut self, start: usize, end: usize, centre: [f32; 3], half: f32, depth: u32) {
        let mut mass = 0f64;
        let mut weighted = [0f64; 3];
        for &i in &self.order[start..end] {
            let (p, m) = (self.positions[i as usize], self.masses[i as usize] as f64);
            mass += m;
            for a in 0..3 {
                weighted[a] += m * p[a] as f64;
            }
        }
        let (lo, hi) = bounds(self.order[start..end].iter().map(|&i| self.positions[i as usize]));
        let centre_of_mass = if mass > 0.0 {
            weighted.map(|v| (v / mass) as f32)
        } else {
            centre
        };
        let leaf = end - start <= LEAF_SIZE || depth >= MAX_DEPTH;
        let index = self.cells.len();
        self.cells.push(Cell {
            centre_of_mass,
            mass: mass as f32,
            lo,
            hi,
            start: start as u32,
            end: end as u32,
            skip: 0,
            leaf,
        });
        if !leaf {
            // Counting sort of the range by octant, then recurse into the non-empty octants.
            let octant = |p: Point| {
                (p[0] >= centre[0]) as usize | ((p[1] >= centre[1]) as usize) << 1 | ((p[2] >= centre[2]) as usize) << 2
            };
            let mut counts = [0usize; 9];
            for &i in &self.order[start..end] {
                counts[octant(self.positions[i as usize]) + 1] += 1;
            }
            for o in 0..8 {
                counts[o + 1] += counts[o];
            }
            let mut fill = counts;
            for k in start..end {
                let i = self.order[k];
                let o = octant(self.positions[i as usize]);
                self.scratch[start + fill[o]] = i;
                fill[o] += 1;
            }
            self.order[start..end].copy_from_slice(&self.scratch[start..end]);
            let h = half * 0.5;
            for o in 0..8 {
                let (a, b) = (start + counts[o], start + counts[o + 1]);
                if a < b {
                    let c = [0, 1, 2].map(|axis| centre[axis] + if o >> axis & 1 == 1 { h } else { -h });
                    self.build(a, b, c, h, depth + 1);
                }
            }
        }
        self.cells[index].skip = self.cells.len() as u32;
    }
}

/// The exact O(n²) repulsion, for tests.
#[cfg(test)]
pub(crate) fn exact_repulsion(positions: &[Point], masses: &[f32], strength: f32) -> Vec<[f32; 3]> {
    (0..positions.len())
        .map(|i| {
            let mut f = [0f64; 3];
            for j in 0..positions.len() {
                let d: [f64; 3] = [0, 1, 2].map(|a| (positions[i][a] - positions[j][a]) as f64);
                let d2 = d.iter().map(|v| v * v).sum::<f64>();
                if d2 > 0.0 {
                    for a in 0..3 {
                        f[a] += masses[j] as f64 * d[a] / d2;
                    }
                }
            }
            f.map(|v| (v * (strength * masses[i]) as f64) as f32)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_pcg::Pcg64;

    /// Clustered bodies with uneven masses: harder for the approximation than a uniform cloud.
    fn bodies(n: usize) -> (Vec<Point>, Vec<f32>) {
        let mut rng = Pcg64::seed_from_u64(7);
        let centres: Vec<Point> = (0..5)
            .map(|_| [0; 3].map(|_: i32| rng.random_range(-10.0..10.0)))
            .collect();
        let positions = (0..n)
            .map(|i| {
                let c = centres[i % 5];
                c.map(|v| v + rng.random_range(-1.0f32..1.0).powi(3) * 3.0)
            })
            .collect();
        let masses = (0..n).map(|_| 1.0 + rng.random_range(0.0f32..20.0)).collect();
        (positions, masses)
    }

    fn relative_rms_error(approx: &[[f32; 3]], exact: &[[f32; 3]]) -> f64 {
        let (mut err, mut total) = (0f64, 0f64);
        for (a, e) in approx.iter().zip(exact) {
            for k in 0..3 {
                err += ((a[k] - e[k]) as f64).powi(2);
                total += (e[k] as f64).powi(2);
            }
        }
        (err / total).sqrt()
    }

    #[test]
    fn barnes_hut_approaches_the_exact_force_as_theta_shrinks() {
        let (positions, masses) = bodies(2000);
        let exact = exact_repulsion(&positions, &masses, 2.0);
        let tree = Octree::build(&positions, &masses);
        let errors: Vec<f64> = [1.0, 0.5, 0.2, 0.0]
            .iter()
            .map(|&theta| relative_rms_error(&tree.repulsion(2.0, theta), &exact))
            .collect();
        assert!(errors[0] < 0.05, "{errors:?}");
        assert!(errors[2] < 2e-3, "{errors:?}");
        assert!(errors[3] < 1e-5, "theta 0 is exact: {errors:?}");
        assert!(errors.windows(2).all(|w| w[1] <= w[0]), "{errors:?}");
    }

    #[test]
    fn coincident_bodies_do_not_break_the_tree() {
        let positions = vec![[1.0, 2.0, 3.0]; 100];
        let masses = vec![1.0; 100];
        let forces = Octree::build(&positions, &masses).repulsion(1.0, 1.0);
        assert!(forces.iter().all(|f| f.iter().all(|v| *v == 0.0)));
    }
}
