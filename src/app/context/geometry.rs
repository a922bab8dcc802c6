//! Pure geometry for the scene: layout → world coordinates, smooth transitions, sphere
//! sizes, camera framing and ray picking. No bevy here (plain `[f32; 3]`).

pub type P3 = [f32; 3];

/// Layouts are normalised to radius 1; the scene is this big.
pub const SCENE_RADIUS: f32 = 100.0;

/// Maps a normalised layout into the scene: scaled to [`SCENE_RADIUS`] and, with `align`,
/// turned (a rotation, no mirror) so that its principal axes lie along x (the longest:
/// horizontal on screen), y (vertical) and z (the thinnest: towards the viewer). A worm is
/// seen from the side, lying straight across the screen.
pub fn to_world(layout: &[P3], align: bool) -> Vec<P3> {
    let axes = if align {
        crate::analysis::layout::principal_axes(layout)
    } else {
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    };
    layout
        .iter()
        .map(|p| axes.map(|a| dot(*p, a) * SCENE_RADIUS))
        .map(|p| if p.iter().all(|v| v.is_finite()) { p } else { [0.0; 3] })
        .collect()
}

fn dot(a: P3, b: P3) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// World units per unit of the data's coordinates in the anatomical layout (which is
/// normalised to radius 1, then scaled to [`SCENE_RADIUS`]); `None` without positions.
pub fn world_per_data_unit(positions: &[Option<P3>]) -> Option<f32> {
    let points: Vec<P3> = positions.iter().copied().collect::<Option<_>>()?;
    let n = points.len() as f64;
    let mut mean = [0f64; 3];
    for p in &points {
        for a in 0..3 {
            mean[a] += p[a] as f64 / n;
        }
    }
    let r = points
        .iter()
        .map(|p| (0..3).map(|a| (p[a] as f64 - mean[a]).powi(2)).sum::<f64>().sqrt())
        .fold(0.0, f64::max);
    (r > 0.0).then(|| (SCENE_RADIUS as f64 / r) as f32)
}

/// A scale bar about `target_px` long: a round length (1, 2 or 5 × 10^k data units) and its
/// length in pixels, given pixels per data unit.
pub fn scale_bar(pixels_per_unit: f32, target_px: f32) -> Option<(f32, f32)> {
    if !(pixels_per_unit > 0.0 && pixels_per_unit.is_finite()) {
        return None;
    }
    let wanted = target_px / pixels_per_unit;
    let decade = 10f32.powf(wanted.log10().floor());
    let length = [5.0, 2.0, 1.0].into_iter().map(|m| m * decade).find(|&l| l <= wanted)?;
    Some((length, length * pixels_per_unit))
}

/// Smoothstep easing of `t` in 0..1.
pub fn ease(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Writes the positions a fraction `t` (eased) of the way from `from` to `to` into `out`.
/// Neurons missing from either side jump straight to `to`.
pub fn interpolate(from: &[P3], to: &[P3], t: f32, out: &mut Vec<P3>) {
    let s = ease(t);
    out.clear();
    out.extend(to.iter().enumerate().map(|(i, b)| match from.get(i) {
        Some(a) => [
            a[0] + (b[0] - a[0]) * s,
            a[1] + (b[1] - a[1]) * s,
            a[2] + (b[2] - a[2]) * s,
        ],
        None => *b,
    }));
}

fn dist2(a: P3, b: P3) -> f32 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// A sphere radius that keeps neighbours apart: half the median nearest-neighbour distance
/// (estimated from up to 400 neurons), clamped to a sensible share of the scene.
pub fn base_radius(points: &[P3]) -> f32 {
    let n = points.len();
    if n < 2 {
        return SCENE_RADIUS * 0.02;
    }
    let step = (n / 400).max(1);
    let mut nn: Vec<f32> = (0..n)
        .step_by(step)
        .map(|i| {
            let mut best = f32::INFINITY;
            for (j, q) in points.iter().enumerate() {
                if j != i {
                    let d = dist2(points[i], *q);
                    if d > 0.0 && d < best {
                        best = d;
                    }
                }
            }
            best.sqrt()
        })
        .filter(|d| d.is_finite())
        .collect();
    if nn.is_empty() {
        return SCENE_RADIUS * 0.01;
    }
    nn.sort_by(f32::total_cmp);
    (nn[nn.len() / 2] * 0.5).clamp(SCENE_RADIUS * 0.006, SCENE_RADIUS * 0.025)
}

/// The centre and half-extents of the points' bounding box.
pub fn bounds(points: &[P3]) -> (P3, P3) {
    if points.is_empty() {
        return ([0.0; 3], [SCENE_RADIUS; 3]);
    }
    let mut lo = [f32::INFINITY; 3];
    let mut hi = [f32::NEG_INFINITY; 3];
    for p in points {
        for a in 0..3 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    let c = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0, (lo[2] + hi[2]) / 2.0];
    let h = [(hi[0] - lo[0]) / 2.0, (hi[1] - lo[1]) / 2.0, (hi[2] - lo[2]) / 2.0];
    (c, h)
}

/// Camera distance from the centre that frames a box of half-extents `half` seen along -z,
/// for a vertical field of view `fov_y` (radians) and a viewport aspect (width / height).
pub fn fit_distance(half: P3, fov_y: f32, aspect: f32) -> f32 {
    let ty = (fov_y / 2.0).tan();
    let tx = ty * aspect.max(0.1);
    let d = (half[0] / tx).max(half[1] / ty).max(1.0);
    (d + half[2]) * 1.08
}

/// The focus and distance from which a perspective camera with axes `right`, `up` and `back`
/// (unit vectors in world coordinates; it looks along −`back`) sees every point, filling the
/// view up to `margin` (e.g. 0.92 of its width or height, whichever binds first). Exact for
/// the points, not for their bounding box, so a long thin graph seen at an angle fills the view.
pub fn frame(points: &[P3], [right, up, back]: [P3; 3], fov_y: f32, aspect: f32, margin: f32) -> (P3, f32) {
    if points.is_empty() {
        return ([0.0; 3], SCENE_RADIUS * 2.8);
    }
    let ty = (fov_y / 2.0).tan() * margin;
    let tx = ty * aspect.max(0.1);
    let cam: Vec<P3> = points
        .iter()
        .map(|p| [dot(*p, right), dot(*p, up), dot(*p, back)])
        .collect();
    let (c, _) = bounds(&cam);
    let (mut cx, mut cy, mut d) = (c[0], c[1], 1.0f32);
    // Perspective shifts the picture's centre towards the near side: re-centre a few times.
    for _ in 0..4 {
        d = cam
            .iter()
            .map(|q| q[2] - c[2] + ((q[0] - cx).abs() / tx).max((q[1] - cy).abs() / ty))
            .fold(1.0, f32::max);
        let (mut lo, mut hi) = ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]);
        for q in &cam {
            let depth = (c[2] + d - q[2]).max(1e-3);
            let s = [(q[0] - cx) / depth / tx, (q[1] - cy) / depth / ty];
            for a in 0..2 {
                lo[a] = lo[a].min(s[a]);
                hi[a] = hi[a].max(s[a]);
            }
        }
        cx += (lo[0] + hi[0]) / 2.0 * tx * d;
        cy += (lo[1] + hi[1]) / 2.0 * ty * d;
    }
    let focus = [0, 1, 2].map(|a| right[a] * cx + up[a] * cy + back[a] * c[2]);
    (focus, d)
}

/// The ray from a perspective camera at `eye` with axes `[right, up, back]` (it looks along
/// −`back`) through the point `at` of its viewport (min x, min y, max x, max y; y grows
/// downwards), as (origin, unit direction).
pub fn view_ray(at: [f32; 2], viewport: [f32; 4], eye: P3, [right, up, back]: [P3; 3], fov_y: f32) -> (P3, P3) {
    let [x0, y0, x1, y1] = viewport;
    let (w, h) = ((x1 - x0).max(1.0), (y1 - y0).max(1.0));
    let t = (fov_y / 2.0).tan();
    let nx = ((at[0] - x0) / w * 2.0 - 1.0) * t * w / h;
    let ny = (1.0 - (at[1] - y0) / h * 2.0) * t;
    let d = [0, 1, 2].map(|a| right[a] * nx + up[a] * ny - back[a]);
    let l = dot(d, d).sqrt();
    (eye, d.map(|v| v / l))
}

/// The first sphere hit by a ray (origin `o`, unit direction `d`), as (neuron, distance).
/// Each sphere is widened to at least `min_angle` radians as seen from the origin, so tiny
/// neurons stay easy to point at. Brute force with an early reject; 139k neurons take well
/// under a millisecond.
pub fn pick(o: P3, d: P3, centres: &[P3], radii: &[f32], min_angle: f32) -> Option<(usize, f32)> {
    let mut best: Option<(usize, f32)> = None;
    for (i, c) in centres.iter().enumerate() {
        let v = [c[0] - o[0], c[1] - o[1], c[2] - o[2]];
        let t = v[0] * d[0] + v[1] * d[1] + v[2] * d[2];
        if t <= 0.0 || best.is_some_and(|(_, bt)| t > bt + radii[i]) {
            continue;
        }
        let r = radii[i].max(t * min_angle);
        let perp2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2] - t * t;
        if perp2 <= r * r {
            let hit = t - (r * r - perp2).max(0.0).sqrt();
            if best.is_none_or(|(_, bt)| hit < bt) {
                best = Some((i, hit));
            }
        }
    }
    best
}
