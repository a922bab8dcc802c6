//! Command-line runs that render and exit: `--screenshot out.png` saves the window once the
//! graph and its layout are on screen; `--bench-frames N` times N frames and prints JSON.

use std::time::Instant;

use bevy::prelude::*;

use crate::app::capture::SceneReady;
use crate::app::capture::screenshot::{Background, CaptureLog, CaptureRequest};
use crate::app::live::Live;
use crate::app::scene::edges::EdgeRender;

pub struct BatchPlugin;

impl Plugin for BatchPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Batch>().add_systems(Last, run_batch);
    }
}

/// Frames rendered after the scene is ready before measuring or capturing: the first frames
/// on a software renderer are blank while pipelines compile.
const WARM_UP_FRAMES: u32 = 20;
const WARM_UP_SECS: f32 = 1.5;
/// Give up after this long without a scene.
const TIMEOUT_SECS: f32 = 600.0;

#[derive(Resource)]
struct Batch {
    started: Instant,
    ready_at: Option<Instant>,
    frames_ready: u32,
    frame_ms: Vec<f32>,
    last_frame: Option<Instant>,
    bench_done: bool,
    shot_requested: bool,
}

impl Default for Batch {
    fn default() -> Self {
        Batch {
            started: Instant::now(),
            ready_at: None,
            frames_ready: 0,
            frame_ms: Vec::new(),
            last_frame: None,
            bench_done: false,
            shot_requested: false,
        }
    }
}

/// Median and 95th percentile of `ms`.
pub fn frame_stats(ms: &[f32]) -> (f32, f32) {
    if ms.is_empty() {
        return (0.0, 0.0);
    }
    let mut v = ms.to_vec();
    v.sort_by(f32::total_cmp);
    let at = |q: f32| v[((v.len() - 1) as f32 * q).round() as usize];
    (at(0.5), at(0.95))
}

fn run_batch(
    ready: SceneReady,
    mut batch: ResMut<Batch>,
    edges: Option<Res<EdgeRender>>,
    log: Res<CaptureLog>,
    busy: (
        Res<Live>,
        Res<crate::app::communities::Communities>,
        Res<crate::app::recordings::Recordings>,
    ),
    mut captures: MessageWriter<CaptureRequest>,
    mut exit: MessageWriter<AppExit>,
) {
    let failure = ready.load_failure(&busy.2).map(str::to_string);
    let SceneReady {
        options,
        graph,
        loader,
        positions,
        adapter,
    } = ready;
    let (live, communities, recordings) = busy;
    if !options.is_batch() {
        return;
    }
    let now = Instant::now();
    // A recording that did not open fails the run too (rather than a picture without it).
    if let Some(e) = failure {
        eprintln!("error: {e}");
        exit.write(AppExit::from_code(2));
        return;
    }
    if batch.started.elapsed().as_secs_f32() > TIMEOUT_SECS {
        eprintln!("error: the scene was not ready after {TIMEOUT_SECS} s");
        exit.write(AppExit::from_code(1));
        return;
    }
    if let Some(e) = &live.snapshot.error
        && options.run_for_ms.is_some()
    {
        eprintln!("error: {e}");
        exit.write(AppExit::from_code(2));
        return;
    }
    let laid_out = positions.layout_kind.is_some() || batch.started.elapsed().as_secs_f32() > 30.0;
    let ready = graph.data.is_some()
        && loader.load.is_none()
        && laid_out
        && !positions.animating()
        && live.scripted_run_done(&options)
        && communities.scripted_done(&options)
        && !recordings.loading();
    if !ready && !batch.shot_requested && batch.frame_ms.is_empty() {
        // Something started after all (a session's recordings, a layout): wait for it again.
        batch.ready_at = None;
        batch.frames_ready = 0;
    }
    if batch.ready_at.is_none() {
        if ready {
            batch.ready_at = Some(now);
        }
        return;
    }
    batch.frames_ready += 1;
    let warm = batch.frames_ready >= WARM_UP_FRAMES
        && batch
            .ready_at
            .is_some_and(|t| t.elapsed().as_secs_f32() >= WARM_UP_SECS);
    if !warm {
        batch.last_frame = Some(now);
        return;
    }
    if let Some(n) = options.bench_frames
        && !batch.bench_done
    {
        if let Some(prev) = batch.last_frame {
            let ms = (now - prev).as_secs_f32() * 1000.0;
            batch.frame_ms.push(ms);
        }
        batch.last_frame = Some(now);
        if batch.frame_ms.len() < n as usize {
            return;
        }
        batch.bench_done = true;
        let (median, p95) = frame_stats(&batch.frame_ms);
        let g = graph.data.as_ref();
        let report = serde_json::json!({
            "frames": batch.frame_ms.len(),
            "median_ms": (median as f64 * 100.0).round() / 100.0,
            "p95_ms": (p95 as f64 * 100.0).round() / 100.0,
            "neurons": g.map_or(0, |g| g.len()),
            "edges": g.map_or(0, |g| g.c.chemical.len() + g.c.electrical.len()),
            "edges_drawn": edges.as_ref().map_or(0, |e| e.drawn),
            "renderer": adapter.as_ref().map_or("unknown".to_string(), |a| a.name.clone()),
        });
        println!("{report}");
    }
    if let Some(path) = &options.screenshot {
        if !batch.shot_requested {
            batch.shot_requested = true;
            captures.write(CaptureRequest {
                path: path.clone(),
                scale: 1,
                background: Background::Theme,
                include_panel: true,
            });
            return;
        }
        let Some((_, result)) = log.0.iter().find(|(p, _)| p == path) else {
            return;
        };
        match result {
            Ok(()) => {
                eprintln!("wrote {}", path.display());
                exit.write(AppExit::Success);
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit.write(AppExit::from_code(1));
            }
        }
        return;
    }
    exit.write(AppExit::Success);
}
