//! The desktop viewer: bevy plugins over the core (which knows nothing of bevy).
//!
//! - [`loading`]: open files (background thread, dialog, drag and drop), save as
//! - [`layout`]: layouts off the main thread, animated transitions
//! - [`neurons`], [`edges`]: the scene (instanced sphere impostors, retained line gizmos)
//! - [`camera`]: orbit / pan / zoom, focus, reset
//! - [`picking`]: hover and selection (CPU ray–sphere), neighbourhood and shortest path
//! - [`panels`], [`overlay`]: the egui panel, labels, tooltip, legend
//! - [`live`], [`live_panel`]: the simulation running live, its colours, panel and plots
//! - [`capture`], [`batch`]: screenshots, `--screenshot` and `--bench-frames`
//! - [`redraw`]: draw only when something changes
//!
//! Pure logic (no bevy) lives in [`graph`], [`colors`], [`activity`], [`search`], [`query`], [`lod`],
//! [`geometry`], [`synthetic`] and is unit-tested headless.

pub mod activity;
pub mod batch;
pub mod camera;
pub mod capture;
pub mod colors;
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
pub mod redraw;
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
            .set(LogPlugin {
                level: if batch { Level::ERROR } else { Level::WARN },
                filter: "wgpu=error,naga=warn,wgpu_hal=error".into(),
                ..default()
            }),
    )
    .add_plugins(EguiPlugin::default())
    .insert_resource(options)
    .init_resource::<Graph>()
    .init_resource::<ViewSettings>()
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
        picking::PickingPlugin,
        panels::PanelsPlugin,
        capture::CapturePlugin,
        batch::BatchPlugin,
        redraw::RedrawPlugin,
    ))
    .add_plugins(live::LivePlugin)
    .init_resource::<live_panel::LiveFiles>();
    match app.run() {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

#[cfg(test)]
mod tests;
