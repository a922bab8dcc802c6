//! The app's one order of work each frame, declared once (in [`configure`]): every plugin puts
//! its systems in one of these sets, so what a frame does reads top to bottom here.
//!
//! `Update`: open files → lay them out → move the camera → pick and select → advance the
//! simulation and colour by activity → play recordings → communities (may recolour) → a session's saved state
//! → capture.
//! `PostUpdate`: draw (the neuron buffer, then the connections), after the panels have had
//! their say in the egui pass.

use bevy::prelude::*;

#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppSet {
    /// Opening files and datasets (requests, drops, background loads).
    Load,
    /// Layouts (background jobs) and the animated transition between them.
    Layout,
    /// Orbit, pan, zoom, framing.
    Camera,
    /// Hover, click, selection, neighbourhood and path.
    Pick,
    /// The live simulation: stimulation by clicking, keys, its snapshot and activity colours.
    Simulate,
    /// Recorded activity: loading, playback time and its colours.
    Replay,
    /// Structural and functional communities, their colours.
    Communities,
    /// A session being opened: its saved state applied once its graph is open.
    Restore,
    /// Screenshots and recordings of what the frame shows.
    Capture,
    /// Writes the GPU-side scene: neuron buffer, then the connection lines (`PostUpdate`).
    Draw,
}

/// Declares the order of the sets; plugins only say which set their systems are in.
pub fn configure(app: &mut App) {
    app.configure_sets(
        Update,
        (
            AppSet::Load,
            AppSet::Layout,
            AppSet::Camera,
            AppSet::Pick,
            AppSet::Simulate,
            AppSet::Replay,
            AppSet::Communities,
            AppSet::Restore,
            AppSet::Capture,
        )
            .chain(),
    )
    .configure_sets(
        PostUpdate,
        AppSet::Draw.before(bevy::transform::TransformSystems::Propagate),
    );
}
