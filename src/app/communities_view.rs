//! Colour by structural communities: Leiden (modularity, γ = 1) computed off the main thread,
//! then shown through the custom-colour hook with a legend of the largest communities.

use bevy::prelude::*;

use super::colors::{ColorBy, community_colors};
use super::jobs::{Job, Poll};
use super::live::Live;
use super::state::{Dirty, Graph, NeuronColorHook, Request, Status, ViewSettings};
use crate::analysis::communities::{self, Partition};

pub struct CommunitiesViewPlugin;

impl Plugin for CommunitiesViewPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<CommunityJob>()
            .init_resource::<Membership>()
            .add_systems(Update, (start, show).chain());
    }
}

#[derive(Resource, Default)]
pub struct CommunityJob(pub Option<Job<Result<Partition, String>>>);

/// The last structural communities found (for ordering the raster), with the graph they are of.
#[derive(Resource, Default)]
pub struct Membership {
    pub generation: u64,
    pub membership: Vec<u32>,
}

fn start(
    mut requests: MessageReader<Request>,
    graph: Res<Graph>,
    mut job: ResMut<CommunityJob>,
    mut status: ResMut<Status>,
) {
    for r in requests.read() {
        if !matches!(r, Request::ColourByCommunities) {
            continue;
        }
        let Some(g) = graph.data.clone() else { continue };
        status.info = Some("finding communities (Leiden)…".into());
        job.0 = Some(Job::spawn(
            "communities",
            move |w| {
                w.send(Ok(communities::detect(
                    &communities::projection(&g.c),
                    &Default::default(),
                )));
            },
            Err,
        ));
    }
}

#[allow(clippy::too_many_arguments)]
fn show(
    mut job: ResMut<CommunityJob>,
    mut hook: ResMut<NeuronColorHook>,
    mut settings: ResMut<ViewSettings>,
    mut dirty: ResMut<Dirty>,
    mut status: ResMut<Status>,
    mut live: ResMut<Live>,
    mut membership: ResMut<Membership>,
    graph: Res<Graph>,
) {
    let Some(j) = &job.0 else { return };
    match j.poll() {
        Poll::Ready(Err(e)) => {
            status.error = Some(e);
            job.0 = None;
        }
        Poll::Ready(Ok(p)) => {
            status.info = Some(format!("Leiden: {} communities, Q = {:.3}", p.count(), p.modularity));
            hook.0 = community_colors(&p.membership, p.modularity);
            *membership = Membership {
                generation: graph.generation,
                membership: p.membership,
            };
            live.colour = false;
            settings.color_by = ColorBy::Custom;
            dirty.colors = true;
            job.0 = None;
        }
        Poll::Finished => job.0 = None,
        Poll::Pending => {}
    }
}
