//! A simulation running live on its own thread, for the app: run, pause, step, reset, a speed
//! in biological time per wall second, edits of the protocol while it runs, and a snapshot of
//! the activity published a few dozen times a second. The thread never waits for whoever
//! draws, and the drawing side never waits for a step: both only take a lock long enough to
//! swap a pointer or copy a few settings.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::models::{self, ModelConfig};
use super::protocol::Protocol;
use super::recording::order_parameter;
use super::timeline::Timeline;
use super::{RecordingSpec, SimError, Simulation};
use crate::model::{Connectome, EdgeKind};

/// Spikes kept for saving the raster (`neuron,time_ms` as the CLI writes it); beyond this
/// the run goes on but the saved raster stops.
const MAX_RECORDED_SPIKES: usize = 20_000_000;
/// Spikes kept for the raster plot.
const MAX_WINDOW_SPIKES: usize = 200_000;
/// Wall time between snapshots.
const PUBLISH_EVERY: Duration = Duration::from_millis(15);
/// Width of the population-rate bins (ms of biological time).
pub const RATE_BIN_MS: f64 = 5.0;

/// What the app asks of the simulation thread. Change it through [`LiveSim::control`].
#[derive(Debug, Clone)]
pub struct Control {
    pub timeline: Timeline,
    pub running: bool,
    /// Steps to take while paused (the step button).
    pub step_requests: u64,
    pub reset_requested: bool,
    /// Biological ms per wall-clock second; `None` = as fast as it goes.
    pub speed: Option<f64>,
    /// Pause when this biological time is reached (scripted runs).
    pub run_until_ms: Option<f64>,
    /// Neurons whose state variable is traced, and which variable (index into the model's).
    pub traced: Vec<u32>,
    pub variable: usize,
    /// Length of the plotted history (biological ms).
    pub window_ms: f64,
    pub threads: usize,
}

impl Control {
    fn new(document: Protocol) -> Control {
        Control {
            timeline: Timeline::new(document),
            running: false,
            step_requests: 0,
            reset_requested: false,
            speed: Some(100.0),
            run_until_ms: None,
            traced: Vec::new(),
            variable: 0,
            window_ms: 1000.0,
            threads: 1,
        }
    }
}

/// The state of the run as last published.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub model: &'static str,
    pub variables: &'static [&'static str],
    pub dt_ms: f64,
    pub time_ms: f64,
    pub running: bool,
    /// The engine is being built (new settings).
    pub building: bool,
    /// Why the run cannot go on (bad settings), or why the last edit was refused.
    pub error: Option<String>,
    /// Measured biological ms per wall second over the last half second.
    pub speed: f64,
    /// Time of each neuron's last spike (ms), -inf if it has not spiked.
    pub last_spike_ms: Vec<f32>,
    /// The traced variable (index into `variables`) of every neuron.
    pub variable: usize,
    pub value: Vec<f32>,
    /// Phases (radians) and local synchrony (0..1, order parameter of each neuron's
    /// connected neighbours, weighted) for oscillator models.
    pub phase: Option<Vec<f32>>,
    pub local_order: Option<Vec<f32>>,
    pub muted: Vec<bool>,
    pub ablated: Vec<bool>,
    /// Under a stimulus right now.
    pub driven: Vec<bool>,
    /// Spikes within the window: (time ms, neuron).
    pub raster: Vec<(f32, u32)>,
    /// Population rate (Hz per neuron) per bin: (bin start ms, rate).
    pub rate: Vec<[f64; 2]>,
    /// Kuramoto order parameter r(t) over all neurons: (time ms, r).
    pub order: Vec<[f64; 2]>,
    /// Traces of the traced neurons: (neuron, points (time ms, value)).
    pub traces: Vec<(u32, Vec<[f64; 2]>)>,
    pub total_spikes: u64,
    /// Spikes recorded for saving; false once the recording is full.
    pub recording_complete: bool,
}

struct Shared {
    control: Mutex<Control>,
    wake: Condvar,
    snapshot: Mutex<Arc<Snapshot>>,
    stop: AtomicBool,
    /// Spikes of the whole run as CSV, made on request (see [`LiveSim::spikes_csv`]).
    export: Mutex<Option<Result<String, SimError>>>,
    export_requested: AtomicBool,
}

/// A simulation on its own thread. Dropping it stops the thread. Its [`LiveHandle`] (through
/// `Deref`, or cloned for other threads) controls and reads it.
pub struct LiveSim {
    handle: LiveHandle,
    thread: Option<JoinHandle<()>>,
}

/// Controls and reads a [`LiveSim`]; cheap to clone.
#[derive(Clone)]
pub struct LiveHandle {
    shared: Arc<Shared>,
}

impl std::ops::Deref for LiveSim {
    type Target = LiveHandle;
    fn deref(&self) -> &LiveHandle {
        &self.handle
    }
}

impl LiveSim {
    /// Starts the thread with `document` (its `simulation` settings, or LIF's defaults), paused
    /// at time 0.
    pub fn start(connectome: Arc<Connectome>, mut document: Protocol) -> LiveSim {
        document.simulation.get_or_insert_with(|| ModelConfig::for_model("lif"));
        let shared = Arc::new(Shared {
            control: Mutex::new(Control::new(document)),
            wake: Condvar::new(),
            snapshot: Mutex::new(Arc::new(Snapshot {
                building: true,
                ..Default::default()
            })),
            stop: AtomicBool::new(false),
            export: Mutex::new(None),
            export_requested: AtomicBool::new(false),
        });
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("simulation".into())
            .spawn(move || Runner::new(connectome, worker).run())
            .expect("the simulation thread starts");
        LiveSim {
            handle: LiveHandle { shared },
            thread: Some(thread),
        }
    }

    /// A handle for another thread.
    pub fn handle(&self) -> LiveHandle {
        self.handle.clone()
    }
}

impl LiveHandle {
    /// Changes what the thread should do; it is woken up afterwards.
    pub fn control<R>(&self, change: impl FnOnce(&mut Control) -> R) -> R {
        let r = change(&mut lock(&self.shared.control));
        self.shared.wake.notify_one();
        r
    }

    /// The latest snapshot (cheap: a pointer copy).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        lock(&self.shared.snapshot).clone()
    }

    /// The spikes of the run so far as CSV `neuron,time_ms` (the format of `simulate
    /// --spikes`). Blocks until the thread has written them, at most `timeout`.
    pub fn spikes_csv(&self, timeout: Duration) -> Result<String, SimError> {
        *lock(&self.shared.export) = None;
        self.shared.export_requested.store(true, Ordering::Release);
        self.shared.wake.notify_one();
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(r) = lock(&self.shared.export).take() {
                return r;
            }
            if Instant::now() > deadline {
                return Err(SimError::Live("the simulation thread did not answer".into()));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits until the run is paused at or after `t_ms`, at most `timeout` (then returns what
    /// there is). For tests and scripts.
    pub fn wait_until(&self, t_ms: f64, timeout: Duration) -> Arc<Snapshot> {
        let deadline = Instant::now() + timeout;
        loop {
            let s = self.snapshot();
            let ready = !s.building && !s.model.is_empty();
            if (ready && s.time_ms >= t_ms - 1e-9 && !s.running) || Instant::now() > deadline {
                return s;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for LiveSim {
    fn drop(&mut self) {
        self.handle.shared.stop.store(true, Ordering::Release);
        self.handle.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A poisoned lock only means a panic elsewhere; the data (settings, a pointer) is still fine.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The thread's side.
struct Runner {
    connectome: Arc<Connectome>,
    shared: Arc<Shared>,
    sim: Option<Simulation>,
    /// The protocol being run (settings and items).
    running: Protocol,
    error: Option<String>,
    /// Settings copied from [`Control`] once per loop.
    go: bool,
    speed: Option<f64>,
    run_until_ms: Option<f64>,
    traced: Vec<u32>,
    variable: usize,
    window_ms: f64,
    threads: usize,
    /// Pacing: the wall time and step the current speed is measured from.
    anchor: (Instant, u64),
    /// For the measured speed: (wall time, biological ms) half a second ago.
    speed_mark: (Instant, f64),
    measured_speed: f64,
    last_publish: Instant,
    /// Something the app must see changed / steps were taken since the last snapshot.
    changed: bool,
    unpublished: bool,
    // Rolling history for the plots.
    last_spike_ms: Vec<f32>,
    window: VecDeque<(f32, u32)>,
    rate: VecDeque<(f64, u32)>,
    order: VecDeque<[f64; 2]>,
    traces: Vec<(u32, VecDeque<[f64; 2]>)>,
    recording_complete: bool,
}

impl Runner {
    fn new(connectome: Arc<Connectome>, shared: Arc<Shared>) -> Runner {
        let n = connectome.neurons.len();
        Runner {
            connectome,
            shared,
            sim: None,
            running: Protocol::default(),
            error: None,
            go: false,
            speed: None,
            run_until_ms: None,
            traced: Vec::new(),
            variable: 0,
            window_ms: 1000.0,
            threads: 1,
            anchor: (Instant::now(), 0),
            speed_mark: (Instant::now(), 0.0),
            measured_speed: 0.0,
            last_publish: Instant::now(),
            changed: true,
            unpublished: false,
            last_spike_ms: vec![f32::NEG_INFINITY; n],
            window: VecDeque::new(),
            rate: VecDeque::new(),
            order: VecDeque::new(),
            traces: Vec::new(),
            recording_complete: true,
        }
    }

    fn run(mut self) {
        while !self.shared.stop.load(Ordering::Acquire) {
            let pending_steps = self.sync();
            if self.shared.export_requested.swap(false, Ordering::AcqRel) {
                *lock(&self.shared.export) = Some(self.export());
            }
            let advanced = match (&self.sim, self.go || pending_steps > 0) {
                (Some(_), true) => self.advance(pending_steps),
                _ => false,
            };
            self.unpublished |= advanced;
            if self.changed || (self.unpublished && (!advanced || self.last_publish.elapsed() >= PUBLISH_EVERY)) {
                self.publish();
            }
            if !advanced {
                // Nothing to do: sleep until the app changes something.
                let control = lock(&self.shared.control);
                let idle = !control.running && control.step_requests == 0 && !control.timeline.is_pending();
                if idle && !self.shared.stop.load(Ordering::Acquire) {
                    let _ = self.shared.wake.wait_timeout(control, Duration::from_millis(50));
                } else {
                    drop(control);
                    if self.go {
                        // Running but ahead of the wanted speed.
                        std::thread::sleep(Duration::from_millis(2));
                    }
                }
            }
        }
    }

    /// Takes the app's wishes: settings, edits, reset. Returns the steps asked for while paused.
    fn sync(&mut self) -> u64 {
        let shared = self.shared.clone();
        let mut control = lock(&shared.control);
        let t_ms = self.sim.as_ref().map_or(0.0, |s| s.time_ms());
        let edited = control.timeline.take(&self.running, t_ms);
        let reset = std::mem::take(&mut control.reset_requested);
        let steps = std::mem::take(&mut control.step_requests);
        let was_going = self.go;
        self.go = control.running;
        if self.speed != control.speed || self.go != was_going {
            self.speed = control.speed;
            self.re_anchor();
        }
        // Run / pause must reach the snapshot even when no step follows.
        self.changed |= self.go != was_going;
        self.run_until_ms = control.run_until_ms;
        self.window_ms = control.window_ms.max(1.0);
        self.threads = control.threads.max(1);
        if self.traced != control.traced || self.variable != control.variable {
            self.traced = control.traced.clone();
            self.variable = control.variable;
            self.traces = self.traced.iter().map(|&i| (i, VecDeque::new())).collect();
            self.changed = true;
        }
        if let Some(document) = edited {
            // Building an engine may take a while at 139k neurons: not under the lock.
            drop(control);
            self.changed = true;
            if let Err(e) = self.apply(document) {
                self.error = Some(e.to_string());
                lock(&shared.control).timeline.reject(&self.running);
            }
        } else if reset {
            drop(control);
            self.reset();
        }
        steps
    }

    /// Runs `document` from now on: a new engine (from time 0) if the model settings
    /// changed, else the spliced protocol. On error the current run is left as it was.
    fn apply(&mut self, document: Protocol) -> Result<(), SimError> {
        let same_model = document.simulation == self.running.simulation;
        if let (Some(sim), true) = (self.sim.as_mut(), same_model) {
            sim.set_protocol(&self.connectome, &document)?;
        } else {
            let mut config = document
                .simulation
                .clone()
                .unwrap_or_else(|| ModelConfig::for_model("lif"));
            config.threads = self.threads;
            self.publish_building();
            let (engine, _) = models::build(&self.connectome, &config)?;
            let recording = RecordingSpec {
                spikes: true,
                ..Default::default()
            };
            self.sim = Some(Simulation::new(
                engine,
                &self.connectome,
                &document,
                config.seed,
                recording,
            )?);
            self.clear_history();
            self.re_anchor();
        }
        self.running = document;
        self.error = None;
        Ok(())
    }

    fn reset(&mut self) {
        if let Some(sim) = &mut self.sim {
            sim.reset();
        }
        self.clear_history();
        self.re_anchor();
        self.changed = true;
    }

    fn clear_history(&mut self) {
        self.last_spike_ms.fill(f32::NEG_INFINITY);
        self.window.clear();
        self.rate.clear();
        self.order.clear();
        for (_, t) in &mut self.traces {
            t.clear();
        }
        self.recording_complete = true;
        self.speed_mark = (Instant::now(), 0.0);
    }

    fn re_anchor(&mut self) {
        let step = self.sim.as_ref().map_or(0, |s| s.step_index());
        self.anchor = (Instant::now(), step);
    }

    /// Runs steps for at most a few ms of wall time: as many as the speed allows, or the
    /// single steps asked for. Returns whether any step was taken.
    fn advance(&mut self, pending_steps: u64) -> bool {
        let sim = self.sim.as_ref().expect("an engine");
        let dt = sim.engine.dt_ms();
        let step = sim.step_index();
        let mut wanted = if self.go {
            match self.speed {
                None => u64::MAX,
                Some(speed) => {
                    let target = self.anchor.1 + (self.anchor.0.elapsed().as_secs_f64() * speed / dt) as u64;
                    // Behind by more than a fifth of a second: the network is too big for this
                    // speed; stop trying to catch up.
                    if (target.saturating_sub(step) as f64) * dt > speed * 0.2 {
                        self.re_anchor();
                    }
                    target.saturating_sub(step)
                }
            }
        } else {
            pending_steps
        };
        if let Some(until) = self.run_until_ms {
            let last = (until / dt).round() as u64;
            wanted = wanted.min(last.saturating_sub(step));
            if wanted == 0 && step >= last {
                self.go = false;
                lock(&self.shared.control).running = false;
                self.changed = true;
                return false;
            }
        }
        if wanted == 0 {
            return false;
        }
        // While running, hand back to the loop every few ms (edits, snapshots); steps asked
        // for while paused are all taken.
        let started = Instant::now();
        let mut taken = 0;
        while taken < wanted && (!self.go || started.elapsed() < Duration::from_millis(8)) {
            self.one_step();
            taken += 1;
        }
        true
    }

    fn one_step(&mut self) {
        let sim = self.sim.as_mut().expect("an engine");
        let dt = sim.engine.dt_ms();
        sim.step();
        if sim.recorder.spikes.len() > MAX_RECORDED_SPIKES {
            sim.recorder.spec.spikes = false;
            self.recording_complete = false;
        }
        let t = sim.time_ms();
        for &i in sim.last_spikes() {
            self.last_spike_ms[i as usize] = t as f32;
            self.window.push_back((t as f32, i));
        }
        let bin = ((t - dt * 0.5) / RATE_BIN_MS).floor() * RATE_BIN_MS;
        match self.rate.back_mut() {
            Some((start, count)) if *start == bin => *count += sim.last_spikes().len() as u32,
            _ => self.rate.push_back((bin, sim.last_spikes().len() as u32)),
        }
        let step = sim.step_index();
        // Oscillators: r(t) every 0.5 ms (an O(n) sum).
        let every = ((0.5 / dt).round() as u64).max(1);
        if step.is_multiple_of(every) && sim.engine.phase(0).is_some() {
            let r = order_parameter(sim.engine.as_ref(), 0..sim.engine.len() as u32);
            self.order.push_back([t, r]);
        }
        for (neuron, series) in &mut self.traces {
            series.push_back([t, sim.engine.value(self.variable, *neuron as usize)]);
        }
        // Forget what fell out of the window.
        let from = t - self.window_ms;
        while self.window.front().is_some_and(|s| (s.0 as f64) < from) || self.window.len() > MAX_WINDOW_SPIKES {
            self.window.pop_front();
        }
        while self.rate.front().is_some_and(|r| r.0 < from) {
            self.rate.pop_front();
        }
        while self.order.front().is_some_and(|r| r[0] < from) {
            self.order.pop_front();
        }
        for (_, series) in &mut self.traces {
            while series.front().is_some_and(|p| p[0] < from) {
                series.pop_front();
            }
        }
    }

    fn publish_building(&self) {
        let previous = lock(&self.shared.snapshot).clone();
        *lock(&self.shared.snapshot) = Arc::new(Snapshot {
            building: true,
            ..(*previous).clone()
        });
    }

    fn publish(&mut self) {
        self.changed = false;
        self.unpublished = false;
        self.last_publish = Instant::now();
        let Some(sim) = &self.sim else {
            let snapshot = Snapshot {
                error: self.error.clone(),
                building: self.error.is_none(),
                ..Default::default()
            };
            *lock(&self.shared.snapshot) = Arc::new(snapshot);
            return;
        };
        let engine = sim.engine.as_ref();
        let n = engine.len();
        let time_ms = sim.time_ms();
        let (mark_at, mark_ms) = self.speed_mark;
        let wall = mark_at.elapsed().as_secs_f64();
        if wall >= 0.5 {
            self.measured_speed = if self.go { (time_ms - mark_ms) / wall } else { 0.0 };
            self.speed_mark = (Instant::now(), time_ms);
        }
        let variable = self.variable.min(engine.variables().len().saturating_sub(1));
        let phase: Option<Vec<f32>> = engine
            .phase(0)
            .map(|_| (0..n).map(|i| engine.phase(i).unwrap_or(0.0) as f32).collect());
        let local_order = phase.as_ref().map(|p| local_order(&self.connectome, p));
        let mut driven = vec![false; n];
        sim.mark_driven(&mut driven);
        let per_neuron_hz = 1000.0 / (RATE_BIN_MS * n.max(1) as f64);
        let snapshot = Snapshot {
            model: engine.name(),
            variables: engine.variables(),
            dt_ms: engine.dt_ms(),
            time_ms,
            running: self.go,
            building: false,
            error: self.error.clone(),
            speed: self.measured_speed,
            last_spike_ms: self.last_spike_ms.clone(),
            variable,
            value: (0..n).map(|i| engine.value(variable, i) as f32).collect(),
            phase,
            local_order,
            muted: (0..n).map(|i| sim.is_muted(i)).collect(),
            ablated: (0..n).map(|i| sim.is_ablated(i)).collect(),
            driven,
            raster: self.window.iter().copied().collect(),
            rate: self.rate.iter().map(|&(t, c)| [t, c as f64 * per_neuron_hz]).collect(),
            order: self.order.iter().copied().collect(),
            traces: self
                .traces
                .iter()
                .map(|(i, s)| (*i, s.iter().copied().collect()))
                .collect(),
            total_spikes: sim.recorder.total_spikes,
            recording_complete: self.recording_complete,
        };
        *lock(&self.shared.snapshot) = Arc::new(snapshot);
    }

    fn export(&self) -> Result<String, SimError> {
        let live = |e: &dyn std::fmt::Display| SimError::Live(e.to_string());
        let sim = self.sim.as_ref().ok_or_else(|| live(&"no simulation is running"))?;
        let mut out = Vec::new();
        sim.recorder
            .write_spikes_csv(self.connectome.neurons.names(), &mut out)
            .map_err(|e| live(&e))?;
        String::from_utf8(out).map_err(|e| live(&e))
    }
}

/// Local synchrony of each neuron: the weighted order parameter of its neighbours' phases
/// (chemical synapses both ways, gap junctions and undirected connections), 0 for neurons
/// without neighbours.
pub fn local_order(connectome: &Connectome, phase: &[f32]) -> Vec<f32> {
    let n = phase.len();
    let mut re = vec![0.0f32; n];
    let mut im = vec![0.0f32; n];
    let mut total = vec![0.0f32; n];
    let (sin, cos): (Vec<f32>, Vec<f32>) = phase.iter().map(|p| p.sin_cos()).unzip();
    for kind in [EdgeKind::Chemical, EdgeKind::Electrical, EdgeKind::Undirected] {
        let edges = connectome.edges(kind);
        for pre in 0..n {
            for (&post, &w) in edges.targets(pre).iter().zip(edges.out_weights(pre)) {
                let (post, w) = (post as usize, w.abs() as f32);
                re[pre] += w * cos[post];
                im[pre] += w * sin[post];
                total[pre] += w;
                re[post] += w * cos[pre];
                im[post] += w * sin[pre];
                total[post] += w;
            }
        }
    }
    (0..n)
        .map(|i| {
            if total[i] > 0.0 {
                (re[i].hypot(im[i]) / total[i]).min(1.0)
            } else {
                0.0
            }
        })
        .collect()
}
