//! The desktop viewer: bevy plugins over the core (which knows nothing of bevy).
//!
//! - [`loading`]: open files (background thread, dialog, drag and drop), save as
//! - [`layout`]: layouts off the main thread, animated transitions
//! - [`neurons`], [`edges`]: the scene (instanced sphere impostors, retained line gizmos)
//! - [`camera`]: orbit / pan / zoom, focus, reset
//! - [`picking`]: hover and selection (CPU ray–sphere), neighbourhood and shortest path
//! - [`panels`], [`overlay`]: the egui panel, labels, tooltip, legend
//! - [`live`], [`live_panel`]: the simulation running live, its colours, panel and plots
//! - [`communities_view`], [`communities_panel`]: structural communities and the dynamic
//!   functional connectome of a run, on the graph and in their window
//! - [`capture`], [`batch`]: screenshots, `--screenshot` and `--bench-frames`
//! - [`recorder`], [`camera_path`], [`render`]: videos and stills rendered offscreen, in the
//!   app and headless (`connectoscope render`)
//! - [`redraw`]: draw only when something changes
//!
//! Pure logic (no bevy) lives in [`graph`], [`colors`], [`activity`], [`search`], [`query`], [`lod`],
//! [`geometry`], [`synthetic`] and is unit-tested headless.

pub mod activity;
pub mod batch;
pub mod camera;
pub mod camera_path;
pub mod capture;
pub mod colors;
pub mod communities_panel;
pub mod communities_view;
pub mod edges;
pub mod geometry;
pub mod graph;
pub mod jobs;
pub mod layout;
pub mod live;
pub mod live_panel;
pub mod loading;
pub mod lod;
pub mod neurons;
pub mod overlay;
pub mod panels;
pub mod picking;
pub mod query;
pub mod record_panel;
pub mod recorder;
pub mod redraw;
pub mod render;
pub mod search;
pub mod state;
pub mod synthetic;

use std::process::ExitCode;

use bevy::log::{Level, LogPlugin};
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};
use bevy_egui::EguiPlugin;

pub use state::Options;
use state::{Dirty, Graph, NeuronColorHook, Positions, Request, Selection, Status, UiFocus, ViewSettings};

/// Opens the viewer window and runs until it is closed (or a batch run ends).
pub fn run(options: Options) -> ExitCode {
    let (w, h) = options.size;
    let batch = options.is_batch();
    let window = Window {
        title: "connectoscope".into(),
        resolution: WindowResolution::new(w, h),
        // Frame times are measured without waiting for vertical sync.
        present_mode: if options.bench_frames.is_some() {
            PresentMode::AutoNoVsync
        } else {
            PresentMode::AutoVsync
        },
        ..default()
    };
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(window),
                ..default()
            })
            .set(log_plugin(batch)),
    );
    add_scene(&mut app, options);
    app.add_plugins((
        picking::PickingPlugin,
        panels::PanelsPlugin,
        batch::BatchPlugin,
        redraw::RedrawPlugin,
    ))
    .init_resource::<live_panel::LiveFiles>();
    exit_code(app.run())
}

/// Renders with no window (`connectoscope render`): a still or a video, then exits.
pub fn render(options: Options, job: render::RenderJob) -> ExitCode {
    let flag = job.interrupted.clone();
    if let Err(e) = ctrlc::set_handler(move || flag.store(true, std::sync::atomic::Ordering::Relaxed)) {
        eprintln!("warning: Ctrl+C will not clean up ({e})");
    }
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: None,
                exit_condition: bevy::window::ExitCondition::DontExit,
                ..default()
            })
            .set(log_plugin(true))
            .disable::<bevy::winit::WinitPlugin>(),
    )
    .add_plugins(bevy::app::ScheduleRunnerPlugin::run_loop(std::time::Duration::ZERO));
    add_scene(&mut app, options);
    app.insert_resource(job).add_plugins(render::RenderPlugin);
    exit_code(app.run())
}

fn log_plugin(quiet: bool) -> LogPlugin {
    LogPlugin {
        level: if quiet { Level::ERROR } else { Level::WARN },
        filter: "wgpu=error,naga=warn,wgpu_hal=error".into(),
        ..default()
    }
}

/// What the window and the headless renderer share: the graph, its layout, the scene, the
/// camera, live activity and the recorder.
fn add_scene(app: &mut App, options: Options) {
    let settings = ViewSettings {
        theme: options.theme,
        ..default()
    };
    app.add_plugins(EguiPlugin::default())
        .insert_resource(options)
        .insert_resource(settings)
        .init_resource::<Graph>()
        .init_resource::<Selection>()
        .init_resource::<Positions>()
        .init_resource::<Dirty>()
        .init_resource::<Status>()
        .init_resource::<UiFocus>()
        .init_resource::<NeuronColorHook>()
        .add_message::<Request>()
        .add_plugins((
            loading::LoadingPlugin,
            layout::LayoutPlugin,
            neurons::NeuronsPlugin,
            edges::EdgesPlugin,
            camera::CameraPlugin,
            capture::CapturePlugin,
            live::LivePlugin,
            recorder::RecorderPlugin,
            communities_view::CommunitiesViewPlugin,
        ));
}

fn exit_code(exit: AppExit) -> ExitCode {
    match exit {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

#[cfg(test)]
mod tests;
