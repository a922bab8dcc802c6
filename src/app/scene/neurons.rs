//! Draws the neurons: ONE mesh of camera-facing triangles (one per neuron) with a custom material
//! whose shader reads position, size, colour and flags from a storage buffer and shades each
//! triangle as a sphere (`assets/shaders/neurons.wgsl`, embedded in the binary). Recolouring,
//! moving or highlighting neurons only rewrites that buffer; the mesh is rebuilt only when the
//! number of neurons changes.

use bevy::asset::{RenderAssetUsages, uuid_handle};
use bevy::camera::visibility::NoFrustumCulling;
use bevy::ecs::system::SystemParam;
use bevy::mesh::PrimitiveTopology;
use bevy::prelude::*;

use crate::app::context::AppSet;
use crate::app::scene::Look;
use bevy::render::render_resource::AsBindGroup;
use bevy::render::storage::ShaderBuffer;
use bevy::shader::ShaderRef;

use crate::app::context::colors::{ColorBy, neuron_colors, to_linear};
use crate::app::context::graph::GraphData;
use crate::app::context::state::{Dirty, Graph, NeuronColorHook, NeuronColors, Positions, ViewSettings};

const SHADER: Handle<Shader> = uuid_handle!("3c1f9a4e-7b52-4d0e-9a61-2f5c8e0d7b13");

pub struct NeuronsPlugin;

impl Plugin for NeuronsPlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins(MaterialPlugin::<NeuronMaterial>::default())
            .init_resource::<NeuronColors>()
            .add_systems(Startup, setup)
            .add_systems(PostUpdate, (update_colors, update_neurons).chain().in_set(AppSet::Draw));
        let mut shaders = app.world_mut().resource_mut::<Assets<Shader>>();
        let _ = shaders.insert(
            SHADER.id(),
            Shader::from_wgsl(
                include_str!("../../../assets/shaders/neurons.wgsl"),
                "connectoscope/neurons.wgsl",
            ),
        );
    }
}

/// The neuron material: the per-neuron storage buffer and the dimming parameters.
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub struct NeuronMaterial {
    #[storage(0, read_only)]
    pub neurons: Handle<ShaderBuffer>,
    /// rgb: background (linear), a: how far dimmed neurons fade towards it.
    #[uniform(1)]
    pub params: Vec4,
}

impl Material for NeuronMaterial {
    fn vertex_shader() -> ShaderRef {
        ShaderRef::Handle(SHADER)
    }

    fn fragment_shader() -> ShaderRef {
        ShaderRef::Handle(SHADER)
    }

    fn enable_prepass() -> bool {
        false
    }

    fn enable_shadows() -> bool {
        false
    }
}

/// Handles of the neuron mesh, material and buffer.
#[derive(Resource)]
pub struct NeuronRender {
    pub material: Handle<NeuronMaterial>,
    pub buffer: Handle<ShaderBuffer>,
    mesh_entity: Option<Entity>,
    mesh_len: usize,
}

pub const FLAG_SELECTED: u32 = 1;
pub const FLAG_HOVERED: u32 = 2;
pub const FLAG_DIMMED: u32 = 4;
pub const FLAG_PATH: u32 = 8;
/// Halo marks ([`Mark`](crate::app::context::colors::Mark) bits, shifted past the flags above).
const MARK_SHIFT: u32 = 4;

fn setup(
    mut commands: Commands,
    mut buffers: ResMut<Assets<ShaderBuffer>>,
    mut materials: ResMut<Assets<NeuronMaterial>>,
) {
    let buffer = buffers.add(ShaderBuffer::new(&[0u8; 32], RenderAssetUsages::default()));
    let material = materials.add(NeuronMaterial {
        neurons: buffer.clone(),
        params: Vec4::new(0.0, 0.0, 0.0, 0.85),
    });
    commands.insert_resource(NeuronRender {
        material,
        buffer,
        mesh_entity: None,
        mesh_len: 0,
    });
}

/// One triangle per neuron, the equilateral one around the unit circle that the shader cuts
/// the sphere from (corners 2 from the centre), with the neuron index in z: half the triangles
/// and three vertices instead of four, which a software renderer pays for per primitive, for
/// 30 % more pixels cut away.
pub fn impostor_mesh(n: usize) -> Mesh {
    const HALF_SIDE: f32 = 1.732_050_8; // √3
    let mut positions: Vec<[f32; 3]> = Vec::with_capacity(3 * n);
    for i in 0..n {
        let z = i as f32;
        positions.extend([[0.0, 2.0, z], [-HALF_SIDE, -1.0, z], [HALF_SIDE, -1.0, z]]);
    }
    Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::RENDER_WORLD)
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
}

fn update_colors(
    graph: Res<Graph>,
    settings: Res<ViewSettings>,
    hook: Res<NeuronColorHook>,
    mut colors: ResMut<NeuronColors>,
    mut dirty: ResMut<Dirty>,
) {
    if hook.is_changed() && settings.color_by == crate::app::context::colors::ColorBy::Custom {
        dirty.colors = true;
    }
    if !dirty.colors {
        return;
    }
    dirty.colors = false;
    let Some(g) = &graph.data else { return };
    let (c, legend) = neuron_colors(g, settings.color_by, Some(&hook.0));
    colors.colors = c;
    colors.legend = legend;
    dirty.neurons = true;
    dirty.edges = true;
}

/// The GPU-side assets the neuron buffer lives in.
#[derive(SystemParam)]
pub(super) struct NeuronAssets<'w> {
    buffers: ResMut<'w, Assets<ShaderBuffer>>,
    materials: ResMut<'w, Assets<NeuronMaterial>>,
    meshes: ResMut<'w, Assets<Mesh>>,
}

/// Sphere sizes (what picking hits, too): by degree if asked, times the custom scale (spiking
/// neurons swell).
pub(crate) fn set_radii(p: &mut Positions, g: &GraphData, settings: &ViewSettings, hook: &NeuronColorHook) {
    let n = g.len();
    let max_degree = (0..n).map(|i| g.degree(i)).max().unwrap_or(1).max(1) as f32;
    let base = p.base_radius * settings.node_scale;
    let custom_scale = (settings.color_by == ColorBy::Custom && hook.0.scale.len() == n).then_some(&hook.0.scale);
    p.radii.clear();
    p.radii.extend((0..n).map(|i| {
        let r = if settings.size_by_degree {
            base * (0.55 + 1.3 * (g.degree(i) as f32 / max_degree).sqrt())
        } else {
            base
        };
        custom_scale.map_or(r, |s| r * s[i])
    }));
}

pub(super) fn update_neurons(
    mut commands: Commands,
    look: Look,
    mut positions: ResMut<Positions>,
    mut render: ResMut<NeuronRender>,
    mut dirty: ResMut<Dirty>,
    assets: NeuronAssets,
) {
    let Look {
        graph,
        settings,
        colors,
        hook,
        selection,
    } = look;
    let NeuronAssets {
        mut buffers,
        mut materials,
        mut meshes,
    } = assets;
    if !dirty.neurons {
        return;
    }
    dirty.neurons = false;
    let Some(g) = &graph.data else { return };
    let n = g.len();
    if positions.current.len() != n || colors.colors.len() != n {
        return;
    }
    let p = &mut *positions;
    set_radii(p, g, &settings, &hook);
    let marks = (settings.color_by == ColorBy::Custom && hook.0.marks.len() == n).then_some(&hook.0.marks);
    // Flags.
    let dim_active = !selection.selected.is_empty() && settings.hops > 0 && selection.hops.len() == n;
    let on_path = |i: usize| selection.path.as_ref().is_some_and(|p| p.neurons.contains(&i));
    let flags = |i: usize| {
        let mut f = 0;
        if selection.is_selected(i) {
            f |= FLAG_SELECTED;
        }
        if selection.hovered == Some(i) {
            f |= FLAG_HOVERED;
        }
        let path = on_path(i);
        if path {
            f |= FLAG_PATH;
        }
        if dim_active && selection.hops[i] > settings.hops && !path {
            f |= FLAG_DIMMED;
        }
        f | marks.map_or(0, |m| (m[i] as u32) << MARK_SHIFT)
    };
    let Some(mut buffer) = buffers.get_mut(&render.buffer) else {
        return;
    };
    let data = buffer.data.get_or_insert_with(Vec::new);
    data.clear();
    data.reserve(32 * n);
    for i in 0..n {
        let q = p.current[i];
        let c = to_linear(colors.colors[i]);
        let values = [q[0], q[1], q[2], p.radii[i], c[0], c[1], c[2], flags(i) as f32];
        for v in values {
            data.extend_from_slice(&v.to_le_bytes());
        }
    }
    let len = data.len() as u64;
    buffer.buffer_description.size = len;
    // Background the dimmed neurons fade to.
    let bg = to_linear(settings.theme.background());
    let params = Vec4::new(bg[0], bg[1], bg[2], 0.82);
    if render.mesh_len != n {
        if let Some(e) = render.mesh_entity.take() {
            commands.entity(e).despawn();
        }
        let mesh = meshes.add(impostor_mesh(n));
        let e = commands
            .spawn((
                Mesh3d(mesh),
                MeshMaterial3d(render.material.clone()),
                NoFrustumCulling,
                Transform::IDENTITY,
            ))
            .id();
        render.mesh_entity = Some(e);
        render.mesh_len = n;
        // The buffer was re-created at another size: re-prepare the material's bind group.
        if let Some(mut m) = materials.get_mut(&render.material) {
            m.params = params;
        }
    } else if materials.get(&render.material).is_some_and(|m| m.params != params)
        && let Some(mut m) = materials.get_mut(&render.material)
    {
        m.params = params;
    }
}
