//! What every part of the app shares: the command-line options, the open graph and what is
//! derived from it, the selection and view settings, the flags that tell the scene what to
//! rebuild, background jobs, and the one order of systems ([`AppSet`]).
//!
//! The vocabulary modules ([`colors`], [`geometry`], [`lod`], [`query`]) are pure logic with no
//! bevy, unit-tested headless. Nothing here depends on another folder of the app.

pub(crate) mod colors;
pub(crate) mod geometry;
pub(crate) mod graph;
pub(crate) mod jobs;
pub(crate) mod lod;
pub(crate) mod query;
pub(crate) mod schedule;
pub(crate) mod session;
pub(crate) mod state;

use bevy::prelude::*;

pub(crate) use schedule::AppSet;
use state::{
    Dirty, Graph, Membership, NeuronColorHook, Options, PointerMode, Positions, Request, Selection, Status, UiFocus,
    ViewSettings,
};

/// Registers the shared resources and the order of the system sets.
pub(crate) struct ContextPlugin {
    pub options: Options,
}

impl Plugin for ContextPlugin {
    fn build(&self, app: &mut App) {
        let settings = ViewSettings {
            theme: self.options.theme,
            ..default()
        };
        schedule::configure(app);
        app.insert_resource(self.options.clone())
            .insert_resource(settings)
            .init_resource::<Graph>()
            .init_resource::<Selection>()
            .init_resource::<Positions>()
            .init_resource::<Dirty>()
            .init_resource::<Status>()
            .init_resource::<UiFocus>()
            .init_resource::<NeuronColorHook>()
            .init_resource::<Membership>()
            .init_resource::<PointerMode>()
            .add_message::<Request>();
    }
}
