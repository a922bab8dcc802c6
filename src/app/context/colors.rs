//! Neuron colours: by cell type, neurotransmitter, sign, degree, or a per-neuron array the
//! app sets (communities, live activity). Colours are sRGB `[r, g, b, a]` in 0..1; the scene
//! converts them to linear when it writes the GPU buffer. No bevy here.

use crate::app::context::graph::GraphData;
use crate::model::Sign;

pub type Rgba = [f32; 4];

/// What the neuron colour shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorBy {
    #[default]
    CellType,
    Neurotransmitter,
    Sign,
    Degree,
    /// The colours in [`CustomColors`] (communities, activity, ...).
    Custom,
}

impl ColorBy {
    pub const ALL: [ColorBy; 5] = [
        ColorBy::CellType,
        ColorBy::Neurotransmitter,
        ColorBy::Sign,
        ColorBy::Degree,
        ColorBy::Custom,
    ];

    /// The short name used on the command line (`--color-by`) and in session files.
    pub fn key(self) -> &'static str {
        match self {
            ColorBy::CellType => "type",
            ColorBy::Neurotransmitter => "nt",
            ColorBy::Sign => "sign",
            ColorBy::Degree => "degree",
            ColorBy::Custom => "custom",
        }
    }

    pub fn from_key(key: &str) -> Option<ColorBy> {
        ColorBy::ALL.into_iter().find(|c| c.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            ColorBy::CellType => "cell type",
            ColorBy::Neurotransmitter => "neurotransmitter",
            ColorBy::Sign => "sign (E/I)",
            ColorBy::Degree => "degree",
            ColorBy::Custom => "custom (communities, activity)",
        }
    }
}

/// Per-neuron colours set by another part of the app (community detection, live activity),
/// with their legend. The hook for later issues: fill it and choose [`ColorBy::Custom`].
#[derive(Debug, Clone, Default)]
pub struct CustomColors {
    pub colors: Vec<Rgba>,
    pub legend: Legend,
    /// Per-neuron size factors (empty: all 1), e.g. spiking neurons swell as they flash.
    pub scale: Vec<f32>,
    /// Per-neuron [`Mark`] bits (empty: none), drawn as halos around the sphere so that the
    /// fill colour stays free for activity.
    pub marks: Vec<u8>,
}

/// What a halo around a neuron says: what the protocol does to it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mark {
    Stimulated = 1,
    Silenced = 2,
    Ablated = 4,
}

impl Mark {
    pub const ALL: [Mark; 3] = [Mark::Stimulated, Mark::Silenced, Mark::Ablated];

    pub fn color(self) -> Rgba {
        match self {
            Mark::Stimulated => [0.98, 0.50, 0.10, 1.0],
            Mark::Silenced => [0.66, 0.42, 0.98, 1.0],
            Mark::Ablated => [0.90, 0.22, 0.22, 1.0],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Mark::Stimulated => "stimulated now",
            Mark::Silenced => "silenced (output muted)",
            Mark::Ablated => "ablated",
        }
    }
}

/// What the colours mean.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Legend {
    pub title: String,
    /// Categories with their colours.
    pub entries: Vec<(String, Rgba)>,
    /// A continuous scale: (low label, high label) drawn with [`ramp`], or through
    /// `gradient_stops` when there are any.
    pub gradient: Option<(String, String)>,
    pub gradient_stops: Vec<Rgba>,
    /// Halo marks with their colours, drawn as rings.
    pub rings: Vec<(String, Rgba)>,
}

impl Legend {
    /// The colour at `t` (0..1) of the continuous scale.
    pub fn gradient_at(&self, t: f32) -> Rgba {
        if self.gradient_stops.len() < 2 {
            return ramp(t);
        }
        through(&self.gradient_stops, t)
    }
}

pub const GREY: Rgba = rgb(0x8a, 0x8f, 0x98);

const fn rgb(r: u8, g: u8, b: u8) -> Rgba {
    [r as f32 / 255.0, g as f32 / 255.0, b as f32 / 255.0, 1.0]
}

/// Categorical palette (Tableau 10 without its grey), readable on dark and light backgrounds.
pub const CATEGORICAL: [Rgba; 9] = [
    rgb(0x4e, 0x79, 0xa7),
    rgb(0xf2, 0x8e, 0x2b),
    rgb(0xe1, 0x57, 0x59),
    rgb(0x76, 0xb7, 0xb2),
    rgb(0x59, 0xa1, 0x4f),
    rgb(0xed, 0xc9, 0x48),
    rgb(0xb0, 0x7a, 0xa1),
    rgb(0xff, 0x9d, 0xa7),
    rgb(0x9c, 0x75, 0x5f),
];

/// The C. elegans convention: sensory red, interneurons blue, motor neurons green.
pub const SENSORY: Rgba = rgb(0xff, 0x5a, 0x5f);
pub const INTERNEURON: Rgba = rgb(0x4d, 0xa3, 0xff);
pub const MOTOR: Rgba = rgb(0x5c, 0xd6, 0x6a);
pub const EXCITATORY: Rgba = rgb(0xff, 0x7b, 0x3a);
pub const INHIBITORY: Rgba = rgb(0x3d, 0x9c, 0xff);

/// Colours and legend for `by`. `custom` is used for [`ColorBy::Custom`] (grey where it is
/// missing or has the wrong length).
pub fn neuron_colors(g: &GraphData, by: ColorBy, custom: Option<&CustomColors>) -> (Vec<Rgba>, Legend) {
    let n = g.len();
    match by {
        ColorBy::CellType => categorical(
            n,
            |i| g.c.neurons.cell_type.get(i).map(cell_type_key),
            "cell type",
            known_cell_type,
        ),
        ColorBy::Neurotransmitter => categorical(
            n,
            |i| g.c.neurons.neurotransmitter.get(i).and_then(transmitter_key),
            "neurotransmitter",
            known_transmitter,
        ),
        ColorBy::Sign => {
            let colors =
                g.c.neurons
                    .sign
                    .iter()
                    .map(|s| match s {
                        Sign::Excitatory => EXCITATORY,
                        Sign::Inhibitory => INHIBITORY,
                        _ => GREY,
                    })
                    .collect();
            let legend = Legend {
                title: "sign".into(),
                entries: vec![
                    ("excitatory".into(), EXCITATORY),
                    ("inhibitory".into(), INHIBITORY),
                    ("unknown".into(), GREY),
                ],
                gradient: None,
                ..Default::default()
            };
            (colors, legend)
        }
        ColorBy::Degree => {
            let max = (0..n).map(|i| g.degree(i)).max().unwrap_or(0).max(1);
            let scale = (1.0 + max as f32).ln();
            let colors = (0..n).map(|i| ramp((1.0 + g.degree(i) as f32).ln() / scale)).collect();
            let legend = Legend {
                title: "degree (log scale)".into(),
                entries: Vec::new(),
                gradient: Some(("0".into(), max.to_string())),
                ..Default::default()
            };
            (colors, legend)
        }
        ColorBy::Custom => match custom {
            Some(c) if c.colors.len() == n => (c.colors.clone(), c.legend.clone()),
            _ => (
                vec![GREY; n],
                Legend {
                    title: "custom colours: none set".into(),
                    ..Default::default()
                },
            ),
        },
    }
}

/// Groups neurons by `key`; known keys get fixed colours, the most frequent other keys the
/// categorical palette, the rest (and neurons without a value) grey.
fn categorical(
    n: usize,
    key: impl Fn(usize) -> Option<String>,
    title: &str,
    known: fn(&str) -> Option<Rgba>,
) -> (Vec<Rgba>, Legend) {
    let keys: Vec<Option<String>> = (0..n).map(&key).collect();
    let mut by_key: rustc_hash::FxHashMap<&str, usize> = Default::default();
    for k in keys.iter().flatten() {
        *by_key.entry(k.as_str()).or_default() += 1;
    }
    let mut counts: Vec<(String, usize)> = by_key.into_iter().map(|(k, c)| (k.to_string(), c)).collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut palette: Vec<(String, Rgba)> = Vec::new();
    let mut next = 0;
    for (name, _) in &counts {
        let color = match known(name) {
            Some(c) => c,
            None if next < CATEGORICAL.len() => {
                next += 1;
                CATEGORICAL[next - 1]
            }
            None => continue,
        };
        palette.push((name.clone(), color));
    }
    let colors: Vec<Rgba> = keys
        .iter()
        .map(|k| {
            k.as_ref()
                .and_then(|k| palette.iter().find(|(name, _)| name == k))
                .map_or(GREY, |(_, c)| *c)
        })
        .collect();
    let mut entries = palette;
    let others = keys
        .iter()
        .any(|k| k.as_ref().is_none_or(|k| !entries.iter().any(|(name, _)| name == k)));
    if others {
        entries.push(("other / unknown".into(), GREY));
    }
    (
        colors,
        Legend {
            title: title.into(),
            entries,
            gradient: None,
            ..Default::default()
        },
    )
}

pub fn cell_type_key(s: &str) -> String {
    let l = s.trim().to_lowercase();
    match l.as_str() {
        "interneuron" | "inter" => "interneuron".into(),
        "sensory" | "sensory neuron" => "sensory".into(),
        "motor" | "motorneuron" | "motor neuron" => "motor".into(),
        _ => s.trim().to_string(),
    }
}

fn known_cell_type(k: &str) -> Option<Rgba> {
    match k {
        "sensory" => Some(SENSORY),
        "interneuron" => Some(INTERNEURON),
        "motor" => Some(MOTOR),
        "other" | "unknown" => Some(GREY),
        _ => None,
    }
}

/// The first listed transmitter, with common spellings merged; `None` for unknown ones.
fn transmitter_key(s: &str) -> Option<String> {
    let first = s.split([';', ',', '/']).next()?.trim();
    let l = first.to_lowercase();
    let key = match l.as_str() {
        "acetylcholine" | "ach" | "cholinergic" => "acetylcholine",
        "glutamate" | "glu" | "glutamatergic" => "glutamate",
        "gaba" | "gabaergic" => "GABA",
        "dopamine" | "da" | "dopaminergic" => "dopamine",
        "serotonin" | "5-ht" | "5ht" | "ser" | "serotonergic" => "serotonin",
        "octopamine" | "oct" => "octopamine",
        "tyramine" => "tyramine",
        "histamine" | "his" => "histamine",
        "" => return None,
        _ if l.starts_with("unknown") => return None,
        _ => first,
    };
    Some(key.to_string())
}

fn known_transmitter(k: &str) -> Option<Rgba> {
    Some(match k {
        "acetylcholine" => rgb(0x4d, 0xa3, 0xff),
        "glutamate" => rgb(0x5c, 0xd6, 0x6a),
        "GABA" => rgb(0xff, 0x5a, 0x5f),
        "dopamine" => rgb(0xf2, 0x8e, 0x2b),
        "serotonin" => rgb(0xb0, 0x7a, 0xe1),
        "octopamine" => rgb(0xed, 0xc9, 0x48),
        "tyramine" => rgb(0x76, 0xb7, 0xb2),
        "histamine" => rgb(0xff, 0x9d, 0xa7),
        _ => return None,
    })
}

/// A perceptually ordered dark-blue → teal → yellow ramp (viridis-like), `t` in 0..1.
pub fn ramp(t: f32) -> Rgba {
    const STOPS: [Rgba; 5] = [
        [0.267, 0.005, 0.329, 1.0],
        [0.230, 0.322, 0.546, 1.0],
        [0.128, 0.567, 0.551, 1.0],
        [0.369, 0.789, 0.383, 1.0],
        [0.993, 0.906, 0.144, 1.0],
    ];
    through(&STOPS, t)
}

/// Linear interpolation through evenly spaced colour stops (at least two), `t` in 0..1.
pub fn through(stops: &[Rgba], t: f32) -> Rgba {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 } * (stops.len() - 1) as f32;
    let i = (t.floor() as usize).min(stops.len() - 2);
    let f = t - i as f32;
    let (a, b) = (stops[i], stops[i + 1]);
    [
        a[0] + (b[0] - a[0]) * f,
        a[1] + (b[1] - a[1]) * f,
        a[2] + (b[2] - a[2]) * f,
        1.0,
    ]
}

/// sRGB component to linear.
pub fn srgb_to_linear(c: f32) -> f32 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

pub fn to_linear(c: Rgba) -> Rgba {
    [srgb_to_linear(c[0]), srgb_to_linear(c[1]), srgb_to_linear(c[2]), c[3]]
}

/// Community colours: the largest communities get the categorical palette, the rest grey.
pub fn community_colors(membership: &[u32], modularity: f64) -> CustomColors {
    let count = membership.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let color = |c: usize| CATEGORICAL.get(c).copied().unwrap_or(GREY);
    let mut entries: Vec<(String, [f32; 4])> = (0..count.min(CATEGORICAL.len()))
        .map(|c| (format!("community {}", c + 1), color(c)))
        .collect();
    if count > CATEGORICAL.len() {
        entries.push((format!("{} smaller ones", count - CATEGORICAL.len()), GREY));
    }
    CustomColors {
        colors: membership.iter().map(|&c| color(c as usize)).collect(),
        legend: Legend {
            title: format!("Leiden communities (Q = {modularity:.3})"),
            entries,
            ..Default::default()
        },
        ..Default::default()
    }
}
