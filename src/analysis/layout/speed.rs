//! Step sizes for the force layout: ForceAtlas2's adaptive global speed, and a cooling
//! schedule that ends the run once it stops improving.

/// ForceAtlas2's global speed (Gephi's ForceAtlas2.java, `adjustSizes = false`): it rises
/// while nodes travel consistently (traction) and falls when they swing back and forth.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Speed {
    speed: f32,
    efficiency: f32,
}

impl Speed {
    pub fn new() -> Speed {
        Speed {
            speed: 1.0,
            efficiency: 1.0,
        }
    }

    /// Updates from this iteration's total (mass-weighted) swinging and traction over `n`
    /// nodes; returns the speed to move with.
    pub fn adapt(&mut self, swinging: f32, traction: f32, n: usize, jitter_tolerance: f32) -> f32 {
        if !(swinging > 0.0 && traction > 0.0) {
            return self.speed;
        }
        let estimated = 0.05 * (n as f32).sqrt();
        let min_jt = estimated.sqrt();
        let max_jt: f32 = 10.0;
        let mut jt = jitter_tolerance * min_jt.max(max_jt.min(estimated * traction / (n as f32 * n as f32)));
        let min_efficiency = 0.05;
        if swinging / traction > 2.0 {
            if self.efficiency > min_efficiency {
                self.efficiency *= 0.5;
            }
            jt = jt.max(jitter_tolerance);
        }
        let target = jt * self.efficiency * traction / swinging;
        if swinging > jt * traction {
            if self.efficiency > min_efficiency {
                self.efficiency *= 0.7;
            }
        } else if self.speed < 1000.0 {
            self.efficiency *= 1.3;
        }
        // Rise by at most half per iteration.
        self.speed += (target - self.speed).min(0.5 * self.speed);
        self.speed
    }
}

/// Annealing for the end game. Barnes–Hut errors make forces flicker slightly from one
/// iteration to the next, so ForceAtlas2 alone can jitter for a long time around its
/// equilibrium. Once the (smoothed) mean move stops improving, moves are capped at their
/// current size and the cap shrinks geometrically, which freezes the layout in a few dozen
/// iterations.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cooling {
    /// Exponential moving average of the mean move (normalised units).
    smoothed: f32,
    best: f32,
    since_best: usize,
    /// Per-node move cap in normalised units, once cooling has started.
    pub cap: Option<f32>,
}

impl Cooling {
    /// Iterations without a 1% improvement before cooling starts.
    const STALL: usize = 50;
    /// Cap shrink per iteration.
    const RATE: f32 = 0.95;

    pub fn new() -> Cooling {
        Cooling {
            smoothed: f32::INFINITY,
            best: f32::INFINITY,
            since_best: 0,
            cap: None,
        }
    }

    /// Records an iteration's mean move (normalised units).
    pub fn record(&mut self, mean_move: f32) {
        self.smoothed = if self.smoothed.is_finite() {
            0.9 * self.smoothed + 0.1 * mean_move
        } else {
            mean_move
        };
        if self.smoothed < 0.99 * self.best {
            self.best = self.smoothed;
            self.since_best = 0;
        } else {
            self.since_best += 1;
        }
        match &mut self.cap {
            Some(cap) => *cap *= Self::RATE,
            None if self.since_best >= Self::STALL => self.cap = Some(2.0 * self.smoothed),
            None => {}
        }
    }
}
