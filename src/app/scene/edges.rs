//! Draws the connections as retained gizmo lines, built once and rebuilt only when the graph,
//! filter, colours, selection or positions change (the buffers keep their capacity, so a
//! rebuild allocates nothing proportional to the edge count). Chemical synapses fade in from
//! the presynaptic end and are coloured like the presynaptic neuron; gap junctions are dashed
//! in one colour. Heavier connections are wider (three width classes) and more opaque.

use crate::app::context::AppSet;
use crate::app::scene::Look;
use bevy::gizmos::GizmoAsset;
use bevy::gizmos::config::{GizmoLineConfig, GizmoLineJoint, GizmoLineStyle};
use bevy::gizmos::retained::Gizmo;
use bevy::prelude::*;

use crate::app::context::colors::{ColorBy, EXCITATORY, INHIBITORY, Rgba, to_linear};
use crate::app::context::lod::{select_edges, weight_level};
use crate::app::context::state::{Dirty, Graph, NeuronColors, Positions, Selection, Theme, ViewSettings};
use crate::model::{EdgeKind, Sign};

pub struct EdgesPlugin;

impl Plugin for EdgesPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, setup).add_systems(
            PostUpdate,
            (rebuild_edges, line_widths)
                .chain()
                .in_set(AppSet::Draw)
                .after(super::neurons::update_neurons),
        );
    }
}

const BUCKETS: usize = 3;
const CHEMICAL_WIDTH: [f32; BUCKETS] = [1.0, 1.8, 3.0];
const GAP_WIDTH: [f32; BUCKETS] = [1.2, 2.0, 3.2];
const PATH_WIDTH: f32 = 3.0;
/// Gizmo slots: chemical by width class, gap junctions by width class, the highlighted path.
const SLOTS: usize = 2 * BUCKETS + 1;
const PATH_SLOT: usize = 2 * BUCKETS;

#[derive(Resource)]
pub struct EdgeRender {
    handles: Vec<Handle<GizmoAsset>>,
    entities: Vec<Entity>,
    selected: Vec<(EdgeKind, u32)>,
    kept: Vec<u32>,
    /// Line buffers per slot, swapped with the gizmo assets' own (capacity is kept both ways).
    scratch: Vec<(Vec<Vec3>, Vec<LinearRgba>)>,
    width_scale: f32,
    /// Connections drawn now, and in the graph.
    pub drawn: usize,
    pub total: usize,
}

fn slot_config(slot: usize, scale: f32) -> GizmoLineConfig {
    let (width, style) = if slot == PATH_SLOT {
        (PATH_WIDTH, GizmoLineStyle::Solid)
    } else if slot < BUCKETS {
        (CHEMICAL_WIDTH[slot], GizmoLineStyle::Solid)
    } else {
        (
            GAP_WIDTH[slot - BUCKETS],
            GizmoLineStyle::Dashed {
                gap_scale: 1.5,
                line_scale: 2.5,
            },
        )
    };
    GizmoLineConfig {
        width: width * scale,
        perspective: false,
        style,
        joints: GizmoLineJoint::None,
    }
}

fn setup(mut commands: Commands, mut assets: ResMut<Assets<GizmoAsset>>) {
    let mut handles = Vec::new();
    let mut entities = Vec::new();
    for slot in 0..SLOTS {
        let h = assets.add(GizmoAsset::new());
        let e = commands
            .spawn(Gizmo {
                handle: h.clone(),
                line_config: slot_config(slot, 1.0),
                depth_bias: if slot == PATH_SLOT { -0.01 } else { 0.0 },
            })
            .id();
        handles.push(h);
        entities.push(e);
    }
    commands.insert_resource(EdgeRender {
        handles,
        entities,
        selected: Vec::new(),
        kept: Vec::new(),
        scratch: vec![Default::default(); SLOTS],
        width_scale: 1.0,
        drawn: 0,
        total: 0,
    });
}

fn linear(c: Rgba, alpha: f32) -> LinearRgba {
    let l = to_linear(c);
    LinearRgba::new(l[0], l[1], l[2], alpha.clamp(0.0, 1.0))
}

fn rebuild_edges(
    look: Look,
    positions: Res<Positions>,
    mut render: ResMut<EdgeRender>,
    mut dirty: ResMut<Dirty>,
    mut assets: ResMut<Assets<GizmoAsset>>,
) {
    if !dirty.edges {
        return;
    }
    dirty.edges = false;
    let r = &mut *render;
    for (p, c) in r.scratch.iter_mut() {
        p.clear();
        c.clear();
    }
    r.drawn = 0;
    fill(
        r,
        &look.graph,
        &look.settings,
        &look.colors,
        &look.selection,
        &positions,
    );
    for (h, (p, c)) in r.handles.iter().zip(r.scratch.iter_mut()) {
        if let Some(mut a) = assets.get_mut(h) {
            std::mem::swap(&mut a.list_positions, p);
            std::mem::swap(&mut a.list_colors, c);
        }
    }
}

fn fill(
    r: &mut EdgeRender,
    graph: &Graph,
    settings: &ViewSettings,
    colors: &NeuronColors,
    selection: &Selection,
    positions: &Positions,
) {
    let Some(g) = &graph.data else { return };
    let n = g.len();
    if positions.current.len() != n || colors.colors.len() != n {
        return;
    }
    r.total = EdgeKind::ALL.iter().map(|&k| g.c.edges(k).len()).sum();
    select_edges(g, &settings.edges, &mut r.kept, &mut r.selected);
    r.drawn = r.selected.len();
    let dim_active = !selection.selected.is_empty() && settings.hops > 0 && selection.hops.len() == n;
    let gap = settings.theme.gap_junction();
    // Faint lines vanish on a light background sooner than on a dark one.
    let theme_gain = if settings.theme == Theme::Light { 1.8 } else { 1.0 };
    let pos = |i: u32| Vec3::from_array(positions.current[i as usize]);
    let slots = &mut r.scratch;
    // Lightest first, so heavy connections are drawn on top.
    // All connections of the selected neurons are drawn, whatever the level of detail.
    let focus_edges = dim_active && selection.selected.len() <= 50;
    let mut extra: Vec<(EdgeKind, u32)> = Vec::new();
    if focus_edges {
        for &i in &selection.selected {
            for kind in EdgeKind::ALL.into_iter().filter(|&k| settings.edges.shows(k)) {
                let e = g.c.edges(kind);
                extra.extend(e.out_ids(i).chain(e.in_ids(i)).map(|id| (kind, id as u32)));
            }
        }
        extra.sort_unstable_by_key(|&(k, id)| (k as u8, id));
        extra.dedup();
        r.drawn += extra.len();
    }
    let touches_selection = |kind: EdgeKind, id: u32| {
        let e = g.c.edges(kind).get(id as usize);
        selection.is_selected(e.pre as usize) || selection.is_selected(e.post as usize)
    };
    let lod = r
        .selected
        .iter()
        .rev()
        .filter(|&&(k, id)| !(focus_edges && touches_selection(k, id)));
    for &(kind, id) in lod.chain(extra.iter()) {
        let e = g.c.edges(kind).get(id as usize);
        let level = weight_level(e.weight, g.max_weight);
        let bucket = ((level * BUCKETS as f32) as usize).min(BUCKETS - 1);
        let mut alpha = settings.edge_opacity * (0.2 + 0.8 * level) * theme_gain;
        if dim_active {
            let (a, b) = (e.pre as usize, e.post as usize);
            if selection.is_selected(a) || selection.is_selected(b) {
                alpha = (alpha * 2.5).max(0.5);
            } else if selection.hops[a] > settings.hops || selection.hops[b] > settings.hops {
                alpha *= 0.06;
            }
        }
        let (slot, c0, c1) = match kind {
            EdgeKind::Electrical => (BUCKETS + bucket, linear(gap, alpha), linear(gap, alpha)),
            // No sense of direction: one colour, both ends' mixed, along the whole line.
            EdgeKind::Undirected => {
                let (a, b) = (colors.colors[e.pre as usize], colors.colors[e.post as usize]);
                let mid = [0, 1, 2, 3].map(|k| (a[k] + b[k]) / 2.0);
                (bucket, linear(mid, alpha * 0.7), linear(mid, alpha * 0.7))
            }
            _ => {
                let base = if settings.color_by == ColorBy::Sign {
                    match g.c.edge_sign(kind, id as usize) {
                        Sign::Excitatory => EXCITATORY,
                        Sign::Inhibitory => INHIBITORY,
                        _ => colors.colors[e.pre as usize],
                    }
                } else {
                    colors.colors[e.pre as usize]
                };
                (bucket, linear(base, alpha * 0.15), linear(base, alpha))
            }
        };
        let (p, c) = &mut slots[slot];
        p.extend([pos(e.pre), pos(e.post)]);
        c.extend([c0, c1]);
    }
    if let Some(path) = &selection.path {
        let color = linear(settings.theme.path(), 0.8);
        let (p, c) = &mut slots[PATH_SLOT];
        for w in path.neurons.windows(2) {
            p.extend([pos(w[0] as u32), pos(w[1] as u32)]);
            c.extend([color, color]);
        }
    }
}

fn line_widths(settings: Res<ViewSettings>, mut render: ResMut<EdgeRender>, mut gizmos: Query<&mut Gizmo>) {
    if render.width_scale == settings.line_width_scale {
        return;
    }
    render.width_scale = settings.line_width_scale;
    for (slot, e) in render.entities.iter().enumerate() {
        if let Ok(mut g) = gizmos.get_mut(*e) {
            g.line_config = slot_config(slot, settings.line_width_scale);
        }
    }
}
