//! Camera paths for videos: hold a view, orbit around an axis, or fly through keyframes
//! (focus on a smooth Catmull–Rom curve, orientation by slerp, zoom exponential, so the
//! apparent speed of a zoom is even). Evaluated at a fraction `u` of the video's length.

use bevy::math::{Quat, Vec3};
use bevy::prelude::Transform;

/// A camera looking at `focus` from `distance` away, turned by `rotation`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub focus: Vec3,
    pub rotation: Quat,
    pub distance: f32,
}

impl View {
    pub fn transform(&self) -> Transform {
        let eye = self.focus + self.rotation * Vec3::Z * self.distance;
        Transform::from_translation(eye).with_rotation(self.rotation)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Axis {
    /// The screen's vertical axis at the start: a turntable.
    #[default]
    Vertical,
    /// The screen's horizontal axis: head over heels.
    Horizontal,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CameraPath {
    Still(View),
    Orbit {
        start: View,
        axis: Axis,
        turns: f32,
    },
    /// At least two views, passed at even intervals.
    Keyframes(Vec<View>),
}

impl CameraPath {
    /// The view at `u` in 0..=1.
    pub fn at(&self, u: f32) -> View {
        let u = u.clamp(0.0, 1.0);
        match self {
            CameraPath::Still(v) => *v,
            CameraPath::Orbit { start, axis, turns } => {
                let local = match axis {
                    Axis::Vertical => Vec3::Y,
                    Axis::Horizontal => Vec3::X,
                };
                let world_axis = start.rotation * local;
                let turn = Quat::from_axis_angle(world_axis, std::f32::consts::TAU * turns * u);
                View {
                    rotation: (turn * start.rotation).normalize(),
                    ..*start
                }
            }
            CameraPath::Keyframes(keys) => match keys.len() {
                0 => panic!("a keyframe path needs a view"),
                1 => keys[0],
                n => {
                    let x = u * (n - 1) as f32;
                    let i = (x.floor() as usize).min(n - 2);
                    let s = x - i as f32;
                    let k = |j: isize| keys[j.clamp(0, n as isize - 1) as usize];
                    let i = i as isize;
                    let (p0, p1, p2, p3) = (k(i - 1), k(i), k(i + 1), k(i + 2));
                    View {
                        focus: catmull_rom(p0.focus, p1.focus, p2.focus, p3.focus, s),
                        rotation: p1.rotation.slerp(p2.rotation, smooth(s)),
                        distance: p1.distance.max(1e-6).powf(1.0 - s) * p2.distance.max(1e-6).powf(s),
                    }
                }
            },
        }
    }
}

/// Eases in and out of each keyframe's orientation.
fn smooth(s: f32) -> f32 {
    s * s * (3.0 - 2.0 * s)
}

/// Uniform Catmull–Rom between `b` and `c`: passes through every keyframe with a continuous
/// tangent.
fn catmull_rom(a: Vec3, b: Vec3, c: Vec3, d: Vec3, s: f32) -> Vec3 {
    let s2 = s * s;
    let s3 = s2 * s;
    0.5 * ((2.0 * b) + (-a + c) * s + (2.0 * a - 5.0 * b + 4.0 * c - d) * s2 + (-a + 3.0 * b - 3.0 * c + d) * s3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(x: f32, yaw: f32, distance: f32) -> View {
        View {
            focus: Vec3::new(x, 0.0, 0.0),
            rotation: Quat::from_rotation_y(yaw),
            distance,
        }
    }

    #[test]
    fn keyframes_are_passed_and_zoom_is_exponential() {
        let keys = vec![view(0.0, 0.0, 10.0), view(4.0, 1.0, 40.0), view(8.0, 2.0, 10.0)];
        let path = CameraPath::Keyframes(keys.clone());
        for (u, k) in [(0.0, 0), (0.5, 1), (1.0, 2)] {
            let v = path.at(u);
            assert!((v.focus - keys[k].focus).length() < 1e-5);
            // (acos near 1 is too coarse in f32 for angle_between.)
            assert!(v.rotation.dot(keys[k].rotation).abs() > 1.0 - 1e-6);
            assert!((v.distance - keys[k].distance).abs() < 1e-3);
        }
        // Halfway between 10 and 40 exponentially is 20, not 25.
        assert!((path.at(0.25).distance - 20.0).abs() < 1e-3);
        // Orientation moves monotonically between keys.
        let a = path.at(0.1).rotation.angle_between(keys[0].rotation);
        let b = path.at(0.2).rotation.angle_between(keys[0].rotation);
        assert!(0.0 < a && a < b);
    }

    #[test]
    fn an_orbit_turns_around_the_focus() {
        let start = view(1.0, 0.0, 5.0);
        let path = CameraPath::Orbit {
            start,
            axis: Axis::Vertical,
            turns: 1.0,
        };
        let eye = |u: f32| path.at(u).transform().translation;
        assert!((eye(0.0) - eye(1.0)).length() < 1e-4, "a full turn comes back");
        assert!(
            (eye(0.5) - Vec3::new(1.0, 0.0, -5.0)).length() < 1e-4,
            "half a turn: behind"
        );
        for u in [0.1, 0.3, 0.7] {
            assert!(((eye(u) - start.focus).length() - 5.0).abs() < 1e-4);
        }
        // Looking at the focus all the way round.
        let t = path.at(0.3).transform();
        let forward = t.rotation * -Vec3::Z;
        assert!(forward.angle_between(start.focus - t.translation) < 1e-4);
    }
}
