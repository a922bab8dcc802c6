// Neurons as shaded sphere impostors. One mesh holds a camera-facing triangle per neuron; each
// vertex position is (corner x, corner y, neuron index). Positions, sizes, colours and flags
// come from a storage buffer, so recolouring or moving neurons only rewrites that buffer.

#import bevy_pbr::mesh_view_bindings::view

struct Neuron {
    // xyz: world position, w: radius (0 hides the neuron)
    position_radius: vec4<f32>,
    // rgb: linear colour, a: flags (1 selected, 2 hovered, 4 dimmed, 8 on the path; halo
    // marks: 16 stimulated, 32 silenced, 64 ablated)
    color_flags: vec4<f32>,
};

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<storage, read> neurons: array<Neuron>;
// rgb: background (linear) that dimmed neurons fade towards, a: how much they fade
@group(#{MATERIAL_BIND_GROUP}) @binding(1) var<uniform> params: vec4<f32>;

struct Vertex {
    @location(0) position: vec3<f32>,
};

struct VertexOutput {
    @builtin(position) clip_position: vec4<f32>,
    @location(0) uv: vec2<f32>,
    @location(1) color: vec3<f32>,
    @location(2) @interpolate(flat) flags: u32,
};

@vertex
fn vertex(v: Vertex) -> VertexOutput {
    let n = neurons[u32(v.position.z + 0.5)];
    let flags = u32(n.color_flags.w + 0.5);
    var radius = n.position_radius.w;
    if (flags & 1u) != 0u {
        radius = radius * 1.4;
    }
    // A marked neuron's triangle grows to hold the halo around its sphere.
    if (flags & 112u) != 0u {
        radius = radius * HALO;
    }
    let right = view.world_from_view[0].xyz;
    let up = view.world_from_view[1].xyz;
    let world = n.position_radius.xyz + (right * v.position.x + up * v.position.y) * radius;
    var out: VertexOutput;
    out.clip_position = view.clip_from_world * vec4<f32>(world, 1.0);
    out.uv = v.position.xy;
    out.color = n.color_flags.rgb;
    out.flags = flags;
    return out;
}

// How much bigger than its sphere a marked neuron's triangle is.
const HALO: f32 = 1.35;

// Halo colours (linear; sRGB in `Mark::color`).
const STIMULATED: vec3<f32> = vec3<f32>(0.955, 0.214, 0.010);
const SILENCED: vec3<f32> = vec3<f32>(0.393, 0.147, 0.955);
const ABLATED: vec3<f32> = vec3<f32>(0.787, 0.040, 0.040);

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    var d2 = dot(in.uv, in.uv);
    if d2 > 1.0 {
        discard;
    }
    if (in.flags & 112u) != 0u {
        // The halo: a ring around the sphere, split in two when two marks apply.
        let d = sqrt(d2);
        if d > 0.75 {
            if d < 0.85 {
                discard;
            }
            let stimulated = (in.flags & 16u) != 0u;
            let silenced = (in.flags & 32u) != 0u;
            var ring = STIMULATED;
            if (in.flags & 64u) != 0u {
                ring = ABLATED;
            } else if silenced && (!stimulated || in.uv.x < 0.0) {
                ring = SILENCED;
            }
            return vec4<f32>(ring, 1.0);
        }
        // Inside: the sphere, in its own coordinates.
        d2 = d2 * HALO * HALO;
        if d2 > 1.0 {
            discard;
        }
    }
    let selected = (in.flags & 1u) != 0u;
    let hovered = (in.flags & 2u) != 0u;
    let dimmed = (in.flags & 4u) != 0u;
    let on_path = (in.flags & 8u) != 0u;
    // A ring marks selected neurons (gold) and path neurons (white).
    if (selected && d2 > 0.62) {
        return vec4<f32>(1.0, 0.78, 0.18, 1.0);
    }
    if (on_path && d2 > 0.7) {
        return vec4<f32>(0.95, 0.95, 0.95, 1.0);
    }
    var uv = in.uv;
    if (in.flags & 112u) != 0u {
        uv = uv * HALO;
    }
    let normal = vec3<f32>(uv.x, uv.y, sqrt(1.0 - d2));
    let light = normalize(vec3<f32>(-0.45, 0.6, 0.66));
    let diffuse = max(dot(normal, light), 0.0);
    let half_vector = normalize(light + vec3<f32>(0.0, 0.0, 1.0));
    let specular = pow(max(dot(normal, half_vector), 0.0), 32.0);
    var c = in.color * (0.32 + 0.78 * diffuse) + vec3<f32>(0.28 * specular);
    // A thin darker rim separates touching spheres.
    c = c * (1.0 - 0.35 * smoothstep(0.8, 1.0, d2));
    if hovered {
        c = mix(c, vec3<f32>(1.0), 0.35);
    }
    if dimmed {
        c = mix(c, params.rgb, params.a);
    }
    return vec4<f32>(c, 1.0);
}
