//! Getting a graph on screen: opening files, folders, bundled datasets and synthetic graphs on
//! a background thread (and Save as), and layouts computed off the main thread, animated into
//! place.

pub(crate) mod layout;
pub(crate) mod loading;
pub(crate) mod synthetic;

use bevy::prelude::*;

pub(crate) struct DataPlugin;

impl Plugin for DataPlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins((loading::LoadingPlugin, layout::LayoutPlugin));
    }
}
