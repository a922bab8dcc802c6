//! What a simulation keeps: spikes, traces of chosen variables, the population rate and the
//! Kuramoto order parameter r(t), globally and per group.

use std::io::Write;

/// What to record.
#[derive(Debug, Clone, Default)]
pub struct RecordingSpec {
    pub spikes: bool,
    /// (neuron, variable index) pairs, sampled every `trace_every` steps.
    pub traces: Vec<(u32, usize)>,
    pub trace_every: u32,
    /// Width of the population-rate bins (ms); 0 = no rate.
    pub rate_bin_ms: f64,
    /// Record r(t) over all neurons (oscillator models).
    pub order_parameter: bool,
    /// Named groups for per-group r(t).
    pub groups: Vec<(String, Vec<u32>)>,
}

/// A spike: the step in which the threshold was crossed and the neuron. Its time stamp is the
/// end of that step, `(step + 1) * dt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Spike {
    pub step: u32,
    pub neuron: u32,
}

#[derive(Debug, Clone, Default)]
pub struct Recorder {
    pub spec: RecordingSpec,
    pub dt_ms: f64,
    pub spikes: Vec<Spike>,
    /// Steps at which traces were sampled, and one series per `spec.traces` entry.
    pub trace_steps: Vec<u64>,
    pub traces: Vec<Vec<f64>>,
    /// Spike counts per rate bin.
    pub rate_counts: Vec<u32>,
    /// r(t) per step: global, then one series per group.
    pub order: Vec<Vec<f32>>,
    pub total_spikes: u64,
}

impl Recorder {
    pub fn new(spec: RecordingSpec, dt_ms: f64) -> Recorder {
        let traces = vec![Vec::new(); spec.traces.len()];
        let order = if spec.order_parameter {
            vec![Vec::new(); 1 + spec.groups.len()]
        } else {
            Vec::new()
        };
        Recorder {
            spec,
            dt_ms,
            traces,
            order,
            ..Default::default()
        }
    }

    pub fn clear(&mut self) {
        *self = Recorder::new(std::mem::take(&mut self.spec), self.dt_ms);
    }

    pub(crate) fn record(&mut self, step: u64, spikes: &[u32], engine: &dyn super::Engine) {
        self.total_spikes += spikes.len() as u64;
        if self.spec.spikes {
            self.spikes.extend(spikes.iter().map(|&neuron| Spike {
                step: step as u32,
                neuron,
            }));
        }
        if self.spec.rate_bin_ms > 0.0 {
            let bin = ((step as f64 + 0.5) * self.dt_ms / self.spec.rate_bin_ms) as usize;
            if self.rate_counts.len() <= bin {
                self.rate_counts.resize(bin + 1, 0);
            }
            self.rate_counts[bin] += spikes.len() as u32;
        }
        if !self.spec.traces.is_empty() && step.is_multiple_of(self.spec.trace_every.max(1) as u64) {
            self.trace_steps.push(step);
            for (series, &(neuron, var)) in self.traces.iter_mut().zip(&self.spec.traces) {
                series.push(engine.value(var, neuron as usize));
            }
        }
        if self.spec.order_parameter {
            let all = order_parameter(engine, 0..engine.len() as u32);
            self.order[0].push(all as f32);
            for (k, (_, members)) in self.spec.groups.iter().enumerate() {
                let r = order_parameter(engine, members.iter().copied());
                self.order[k + 1].push(r as f32);
            }
        }
    }

    /// Population rate per bin in Hz per neuron.
    pub fn rate_hz(&self, neurons: usize) -> Vec<f64> {
        let scale = 1000.0 / (self.spec.rate_bin_ms * neurons.max(1) as f64);
        self.rate_counts.iter().map(|&c| c as f64 * scale).collect()
    }

    /// Spikes as CSV `neuron,time_ms` with times to 3 decimals, sorted by time then neuron
    /// index (the order they are recorded in).
    pub fn write_spikes_csv(&self, names: &[String], out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut w = std::io::BufWriter::new(out);
        writeln!(w, "neuron,time_ms")?;
        for s in &self.spikes {
            let t = (s.step as f64 + 1.0) * self.dt_ms;
            writeln!(w, "{},{:.3}", csv_field(&names[s.neuron as usize]), t)?;
        }
        w.flush()
    }

    /// Traces as CSV: `time_ms` then one column `NEURON:VARIABLE` per trace.
    pub fn write_traces_csv(
        &self,
        names: &[String],
        variables: &[&str],
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let mut w = std::io::BufWriter::new(out);
        write!(w, "time_ms")?;
        for &(neuron, var) in &self.spec.traces {
            write!(
                w,
                ",{}",
                csv_field(&format!("{}:{}", names[neuron as usize], variables[var]))
            )?;
        }
        writeln!(w)?;
        for (row, &step) in self.trace_steps.iter().enumerate() {
            write!(w, "{:.3}", (step as f64 + 1.0) * self.dt_ms)?;
            for series in &self.traces {
                write!(w, ",{}", series[row])?;
            }
            writeln!(w)?;
        }
        w.flush()
    }
}

/// Quotes a CSV field when it needs it.
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// Kuramoto order parameter r = |mean(exp(i theta))| over `neurons` (0 if none has a phase).
pub fn order_parameter(engine: &dyn super::Engine, neurons: impl Iterator<Item = u32>) -> f64 {
    let (mut re, mut im, mut count) = (0.0, 0.0, 0usize);
    for i in neurons {
        if let Some(theta) = engine.phase(i as usize) {
            re += theta.cos();
            im += theta.sin();
            count += 1;
        }
    }
    if count == 0 {
        0.0
    } else {
        (re * re + im * im).sqrt() / count as f64
    }
}
