//! Packing of per-component layouts into one picture: the largest component in the middle,
//! the others spread around it, each scaled by its size, so that disconnected pieces (and
//! isolated neurons) neither overlap the main one nor fly off.

use super::{Point, fibonacci_sphere};

/// One component's layout: its nodes (global indices) and their local positions.
pub(crate) struct Part {
    pub nodes: Vec<u32>,
    pub local: Vec<Point>,
}

/// Radius of the shell (or ring) the smaller components sit on, relative to the largest
/// component's radius.
const SHELL: f32 = 1.5;

/// Places `parts` (largest first) into `n` positions. The first part is centred and scaled to
/// radius 1; the others go on a shell of radius [`SHELL`] around it, or with
/// `keep_axis = Some(a)` on a ring perpendicular to axis `a`, keeping their own coordinate
/// along `a` (scaled like the first part's) so that it stays comparable across components.
/// Nodes in no part stay at the origin.
pub(crate) fn pack(n: usize, parts: Vec<Part>, keep_axis: Option<usize>) -> Vec<Point> {
    let mut points = vec![[0f32; 3]; n];
    let Some(first) = parts.first() else {
        return points;
    };
    let main_size = first.nodes.len() as f32;
    let main_scale = {
        let r = max_radius(&first.local, None);
        if r > 0.0 { 1.0 / r } else { 1.0 }
    };
    let others = parts.len() - 1;
    let anchors: Vec<Point> = match keep_axis {
        None => fibonacci_sphere(others)
            .into_iter()
            .map(|p| p.map(|v| v * SHELL))
            .collect(),
        Some(a) => (0..others)
            .map(|k| {
                let angle = std::f32::consts::TAU * k as f32 / others as f32;
                let mut p = [0f32; 3];
                p[(a + 1) % 3] = SHELL * angle.cos();
                p[(a + 2) % 3] = SHELL * angle.sin();
                p
            })
            .collect(),
    };
    // Room per anchor: the shell area (or ring length) shared out.
    let spacing = match keep_axis {
        None => SHELL * (4.0 * std::f32::consts::PI / others.max(1) as f32).sqrt(),
        Some(_) => std::f32::consts::TAU * SHELL / others.max(1) as f32,
    };
    for (k, part) in parts.iter().enumerate() {
        let (anchor, scale) = if k == 0 {
            ([0f32; 3], main_scale)
        } else {
            // Volume-like growth with size, but never beyond the part's share of the shell.
            let radius = (0.5 * (part.nodes.len() as f32 / main_size).cbrt()).min(0.4 * spacing);
            let r = max_radius(&part.local, keep_axis);
            (anchors[k - 1], if r > 0.0 { radius / r } else { 0.0 })
        };
        let centre = mean(&part.local);
        for (&node, p) in part.nodes.iter().zip(&part.local) {
            let mut q = [0f32; 3];
            for axis in 0..3 {
                q[axis] = if keep_axis == Some(axis) {
                    p[axis] * main_scale
                } else {
                    anchor[axis] + (p[axis] - centre[axis]) * scale
                };
            }
            points[node as usize] = q;
        }
    }
    points
}

fn mean(points: &[Point]) -> Point {
    let mut m = [0f64; 3];
    for p in points {
        for a in 0..3 {
            m[a] += p[a] as f64;
        }
    }
    m.map(|v| (v / points.len().max(1) as f64) as f32)
}

/// Largest distance from the mean, ignoring axis `skip`.
fn max_radius(points: &[Point], skip: Option<usize>) -> f32 {
    let c = mean(points);
    points
        .iter()
        .map(|p| {
            (0..3)
                .filter(|&a| Some(a) != skip)
                .map(|a| (p[a] - c[a]).powi(2))
                .sum::<f32>()
                .sqrt()
        })
        .fold(0.0, f32::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_parts_go_around_the_main_one() {
        let main = Part {
            nodes: vec![0, 1, 2, 3],
            local: vec![[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, -2.0, 0.0]],
        };
        let pair = Part {
            nodes: vec![4, 5],
            local: vec![[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]],
        };
        let single = Part {
            nodes: vec![6],
            local: vec![[0.0; 3]],
        };
        let points = pack(7, vec![main, pair, single], None);
        for p in &points[..4] {
            assert!(p.iter().map(|v| v * v).sum::<f32>().sqrt() <= 1.0 + 1e-6);
        }
        for p in &points[4..] {
            let r = p.iter().map(|v| v * v).sum::<f32>().sqrt();
            assert!(r > 1.0 && r < SHELL + 0.5, "{p:?}");
        }
        assert_ne!(points[4], points[5]);
    }
}
