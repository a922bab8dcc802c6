//! Capture: screenshots (F12, 1x/2x/4x, offscreen), videos rendered offscreen frame by frame
//! along a camera path (the recorder and its Video panel section), the headless renderer
//! behind `connectoscope render`, and the scripted runs `--screenshot` / `--bench-frames`.

pub(crate) mod batch;
pub(crate) mod camera_path;
pub(crate) mod headless;
pub(crate) mod recorder;
pub(crate) mod screenshot;
pub(crate) mod video_ui;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::render::renderer::RenderAdapterInfo;

use crate::app::context::state::{Graph, Options, Positions};
use crate::app::data::loading::Loader;

/// Screenshots, the recorder and the Video panel's state (window and headless alike).
pub(crate) struct CapturePlugin;

impl Plugin for CapturePlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins((
            screenshot::ScreenshotPlugin,
            recorder::RecorderPlugin,
            video_ui::VideoPanelPlugin,
        ));
    }
}

/// What a scripted capture waits for (the graph open and laid out), and the renderer's name
/// for its report.
#[derive(SystemParam)]
pub(crate) struct SceneReady<'w> {
    pub options: Res<'w, Options>,
    pub graph: Res<'w, Graph>,
    pub loader: Res<'w, Loader>,
    pub positions: Res<'w, Positions>,
    pub adapter: Option<Res<'w, RenderAdapterInfo>>,
}

impl SceneReady<'_> {
    /// Why what a scripted capture was asked to show cannot be shown: the graph did not open,
    /// or its recordings did not.
    pub fn load_failure<'a>(&'a self, recordings: &'a crate::app::recordings::Recordings) -> Option<&'a str> {
        match &self.loader.failed {
            Some(e) if self.graph.data.is_none() => Some(e),
            _ => recordings.failed.as_deref(),
        }
    }
}
