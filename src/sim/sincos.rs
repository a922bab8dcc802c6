//! Sine and cosine together, branch-free so that loops over arrays of phases vectorise (the
//! Kuramoto engine needs both for every oscillator in every Runge–Kutta stage, where libm's
//! `sincos` was 40 % of the run time).
//!
//! Cody–Waite reduction by π/2 in three parts, then fdlibm's minimax kernels (`__kernel_sin`,
//! `__kernel_cos`) on [−π/4, π/4]: within a couple of ulp of libm for |x| ≤ 1e5 (the phases
//! passed in are kept within a few turns of 0).

use std::f64::consts::FRAC_2_PI;

// π/2 in three parts of 33 bits (fdlibm's pio2_1, pio2_2, pio2_3): k × part is exact for
// |k| < 2^20.
const PIO2_1: f64 = 1.570_796_326_734_125_6;
const PIO2_2: f64 = 6.077_100_506_303_966e-11;
const PIO2_3: f64 = 2.022_266_248_711_166_5e-21;

const S1: f64 = -1.666_666_666_666_663_2e-1;
const S2: f64 = 8.333_333_333_322_49e-3;
const S3: f64 = -1.984_126_982_985_795e-4;
const S4: f64 = 2.755_731_370_707_006_8e-6;
const S5: f64 = -2.505_076_025_340_686_3e-8;
const S6: f64 = 1.589_690_995_211_55e-10;

const C1: f64 = 4.166_666_666_666_66e-2;
const C2: f64 = -1.388_888_888_887_411e-3;
const C3: f64 = 2.480_158_728_947_673e-5;
const C4: f64 = -2.755_731_435_139_066_3e-7;
const C5: f64 = 2.087_572_321_298_175e-9;
const C6: f64 = -1.135_964_755_778_819_5e-11;

/// Adding then subtracting 1.5 × 2^52 rounds to the nearest integer, which then sits in the
/// low bits of the sum (no float-to-integer conversion, which would not vectorise).
const ROUND: f64 = 6_755_399_441_055_744.0;

/// (sin x, cos x).
#[inline]
pub fn sin_cos(x: f64) -> (f64, f64) {
    let shifted = x * FRAC_2_PI + ROUND;
    let quadrant = shifted.to_bits();
    let k = shifted - ROUND;
    let r = ((x - k * PIO2_1) - k * PIO2_2) - k * PIO2_3;
    let z = r * r;
    let sin = r + z * r * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))));
    let hz = 0.5 * z;
    let w = 1.0 - hz;
    let cos = w + (((1.0 - w) - hz) + z * z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6))))));
    // Quadrant q: (sin, cos) of x = (s, c), (c, −s), (−s, −c), (−c, s) for q = 0..3.
    let (s, c) = (sin.to_bits(), cos.to_bits());
    let swap = 0u64.wrapping_sub(quadrant & 1);
    let (a, b) = ((s & !swap) | (c & swap), (c & !swap) | (s & swap));
    let sin_sign = (quadrant & 2) << 62;
    let cos_sign = (quadrant.wrapping_add(1) & 2) << 62;
    (f64::from_bits(a ^ sin_sign), f64::from_bits(b ^ cos_sign))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_libm_to_a_few_ulp() {
        let mut worst = 0.0f64;
        for k in -200_000..=200_000 {
            let x = k as f64 * 1.0e-4 + (k as f64 * 0.618_033_988_7).fract() * 1.0e-4;
            let (s, c) = sin_cos(x);
            worst = worst.max((s - x.sin()).abs()).max((c - x.cos()).abs());
        }
        assert!(worst <= 4.5e-16, "largest difference {worst:e}");
        for x in [
            0.0,
            1e-300,
            std::f64::consts::FRAC_PI_2,
            std::f64::consts::PI,
            1.0e5,
            -1.0e5 + 0.3,
        ] {
            let (s, c) = sin_cos(x);
            assert!(
                (s - x.sin()).abs() <= 1e-15 && (c - x.cos()).abs() <= 1e-15,
                "x = {x}: {s} {c}"
            );
        }
    }
}
