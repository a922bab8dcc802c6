//! The desktop app: bevy plugins over the core (which knows nothing of bevy), one folder per
//! concern, each folder one plugin. Lower folders never use higher ones (a test checks):
//!
//! 1. [`context`]: shared state, the open graph, background jobs, the order of systems
//!    ([`context::AppSet`]), and pure vocabulary (colours, geometry, level of detail, queries)
//! 2. [`scene`]: neurons, connections, camera, picking, search, the legend
//! 3. [`data`]: opening files and datasets, layouts
//! 4. [`live`]: the simulation running live, its colours, panel and plots
//! 5. [`recordings`]: recorded activity (calcium imaging) played on the neurons, with behaviour
//! 6. [`communities`]: structural communities and the dynamic functional connectome, their window
//! 7. [`capture`]: screenshots, videos, `connectoscope render`, `--screenshot` / `--bench-frames`
//! 8. [`ui`]: the window's shell (menus, side panel, status bar, overlay) and when to redraw

pub(crate) mod capture;
pub(crate) mod communities;
pub(crate) mod context;
pub(crate) mod data;
pub(crate) mod live;
pub(crate) mod recordings;
pub(crate) mod scene;
pub(crate) mod ui;

use std::process::ExitCode;

use bevy::log::{Level, LogPlugin};
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};
use bevy_egui::EguiPlugin;

pub use capture::headless::{RenderColors, RenderSpec};
pub use context::colors::ColorBy;
pub use context::state::{Options, Theme};

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
        scene::picking::PickingPlugin,
        ui::PanelsPlugin,
        capture::batch::BatchPlugin,
        ui::redraw::RedrawPlugin,
    ));
    exit_code(app.run())
}

/// Renders with no window (`connectoscope render`): a still or a video, then exits.
pub fn render(spec: RenderSpec) -> ExitCode {
    let (options, job) = capture::headless::job(spec);
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
    app.insert_resource(job).add_plugins(capture::headless::RenderPlugin);
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
/// camera, live activity, communities and capture.
fn add_scene(app: &mut App, options: Options) {
    app.add_plugins(EguiPlugin::default()).add_plugins((
        context::ContextPlugin { options },
        scene::ScenePlugin,
        data::DataPlugin,
        live::LivePlugin,
        recordings::RecordingsPlugin,
        communities::CommunitiesPlugin,
        capture::CapturePlugin,
    ));
}

fn exit_code(exit: AppExit) -> ExitCode {
    match exit {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

#[cfg(test)]
mod panel_tests;
#[cfg(test)]
mod plugin_tests;
#[cfg(test)]
mod tests;
