//! Datasets bundled in the binary (from `assets/datasets`, see `assets/ATTRIBUTION.md`),
//! addressable by short name anywhere a file is accepted.

use crate::model::Connectome;

use super::csv_edges::{self, UnknownNeurons};
use super::neuron_table::{self, TableRole};
use super::{LoadOptions, ReadError, Source};

/// A bundled connectome.
#[derive(Debug, Clone, Copy)]
pub struct Dataset {
    /// Short name, e.g. `celegans-cook2019`.
    pub name: &'static str,
    pub description: &'static str,
    pub citation: &'static str,
    /// What a weight counts.
    pub weight_unit: &'static str,
    edges_file: &'static str,
    edges: &'static [u8],
    annotation: Annotation,
}

/// Where a dataset's neuron annotations come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Annotation {
    None,
    /// The C. elegans neuron table (classes, types, transmitters, soma positions in um).
    CelegansTable,
    /// The cell label graspologic appends to each synthesized name (`L000_K` -> class `K`).
    NameSuffix,
}

/// The dataset opened when none is named.
pub const DEFAULT: &str = "celegans-cook2019";

macro_rules! asset {
    ($file:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/datasets/", $file))
    };
}

const CELEGANS_NEURONS: &[u8] = asset!("celegans_neurons.csv");

/// Per-connection sign predictions usable with `--signs`.
pub const FENYVES_SIGNS: &str = "celegans-fenyves2020-signs";
const FENYVES_SIGNS_CSV: &[u8] = asset!("celegans_fenyves2020_signs.csv");

const COOK: &str =
    "Cook SJ et al. (2019) Whole-animal connectomes of both Caenorhabditis elegans sexes. Nature 571:63-71";
const VARSHNEY: &str = "Varshney LR, Chen BL, Paniagua E, Hall DH, Chklovskii DB (2011) Structural properties of the Caenorhabditis elegans neuronal network. PLoS Comput Biol 7(2):e1001066";
const WITVLIET: &str =
    "Witvliet D et al. (2021) Connectomes across development reveal principles of brain maturation. Nature 596:257-261";
const EICHLER: &str = "Eichler K et al. (2017) The complete connectome of a learning and memory centre in an insect brain. Nature 548:175-182";
const FLYVIS: &str = "Lappalainen JK et al. (2024) Connectome-constrained networks predict neural activity across the fly visual system. Nature 634:1132-1140 (FIB-25/FIB-19 optic-lobe column model)";

macro_rules! celegans {
    ($name:expr, $file:literal, $desc:expr, $cite:expr, $unit:literal) => {
        Dataset {
            name: $name,
            description: $desc,
            citation: $cite,
            weight_unit: $unit,
            edges_file: $file,
            edges: asset!($file),
            annotation: Annotation::CelegansTable,
        }
    };
}

macro_rules! witvliet {
    ($n:literal, $file:literal, $stage:literal) => {
        celegans!(
            concat!("celegans-witvliet2021-", $n),
            $file,
            concat!("C. elegans nerve ring, Witvliet 2021 dataset ", $n, " (", $stage, ")"),
            WITVLIET,
            "presynaptic active zones"
        )
    };
}

pub const ALL: &[Dataset] = &[
    celegans!(
        "celegans-cook2019",
        "celegans_cook2019_edges.csv",
        "C. elegans hermaphrodite, 302 neurons, chemical + gap junctions (Cook 2019)",
        COOK,
        "EM sections"
    ),
    celegans!(
        "celegans-cook2019-full",
        "celegans_cook2019_full_edges.csv",
        "C. elegans hermaphrodite, all 473 cells incl. muscles and glia (Cook 2019)",
        COOK,
        "EM sections"
    ),
    celegans!(
        "celegans-varshney2011",
        "celegans_varshney2011_edges.csv",
        "C. elegans somatic nervous system, 279 neurons (Varshney 2011)",
        VARSHNEY,
        "synaptic contacts"
    ),
    witvliet!("1", "celegans_witvliet2021_d1_L1_edges.csv", "L1"),
    witvliet!("2", "celegans_witvliet2021_d2_L1_edges.csv", "L1"),
    witvliet!("3", "celegans_witvliet2021_d3_L1_edges.csv", "L1"),
    witvliet!("4", "celegans_witvliet2021_d4_L1_edges.csv", "L1"),
    witvliet!("5", "celegans_witvliet2021_d5_L2_edges.csv", "L2"),
    witvliet!("6", "celegans_witvliet2021_d6_L3_edges.csv", "L3"),
    witvliet!("7", "celegans_witvliet2021_d7_adult_edges.csv", "adult"),
    witvliet!("8", "celegans_witvliet2021_d8_adult_edges.csv", "adult"),
    Dataset {
        name: "drosophila-larva-mb-left",
        description: "Larval Drosophila mushroom body, left hemisphere (Eichler 2017)",
        citation: EICHLER,
        weight_unit: "synapses",
        edges_file: "drosophila_larva_mb_eichler2017_left_edges.csv",
        edges: asset!("drosophila_larva_mb_eichler2017_left_edges.csv"),
        annotation: Annotation::NameSuffix,
    },
    Dataset {
        name: "drosophila-larva-mb-right",
        description: "Larval Drosophila mushroom body, right hemisphere (Eichler 2017)",
        citation: EICHLER,
        weight_unit: "synapses",
        edges_file: "drosophila_larva_mb_eichler2017_right_edges.csv",
        edges: asset!("drosophila_larva_mb_eichler2017_right_edges.csv"),
        annotation: Annotation::NameSuffix,
    },
    Dataset {
        name: "drosophila-opticlobe-flyvis",
        description: "Drosophila optic-lobe column, cell-type level, signed (flyvis)",
        citation: FLYVIS,
        weight_unit: "synapses (summed over column offsets)",
        edges_file: "drosophila_opticlobe_flyvis_edges.csv",
        edges: asset!("drosophila_opticlobe_flyvis_edges.csv"),
        annotation: Annotation::None,
    },
];

/// Looks up a dataset by short name (case-insensitive; `_` and `-` are the same).
pub fn find(name: &str) -> Option<&'static Dataset> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let want = norm(name);
    ALL.iter().find(|d| d.name == want)
}

/// A bundled auxiliary file (such as [`FENYVES_SIGNS`]) by name.
pub fn aux_file(name: &str) -> Option<Source> {
    (name.eq_ignore_ascii_case(FENYVES_SIGNS))
        .then(|| Source::bytes(format!("{FENYVES_SIGNS} (bundled)"), FENYVES_SIGNS_CSV))
}

impl Dataset {
    pub fn load(&self, options: &LoadOptions) -> Result<Connectome, ReadError> {
        let mut builder = crate::model::ConnectomeBuilder::new();
        builder.sign_rule = options.sign_rule;
        builder.weight_unit = Some(self.weight_unit.to_owned());
        let name = format!("{} (bundled {})", self.name, self.edges_file);
        csv_edges::read_edges(Source::bytes(&name, self.edges), &mut builder, UnknownNeurons::Add)?;
        match self.annotation {
            Annotation::None => {}
            Annotation::CelegansTable => {
                let table = Source::bytes("celegans_neurons.csv (bundled)", CELEGANS_NEURONS);
                neuron_table::read(table, &mut builder, TableRole::Annotates)?;
                builder.neurons.position_unit = Some("um".into());
            }
            Annotation::NameSuffix => {
                let n = &mut builder.neurons;
                for i in 0..n.len() {
                    if let Some((_, label)) = n.name(i).rsplit_once('_') {
                        let label = label.to_owned();
                        n.class.set(i, &label);
                    }
                }
            }
        }
        if let Some(table) = &options.neuron_table {
            neuron_table::read(Source::open(table)?, &mut builder, TableRole::Annotates)?;
        }
        csv_edges::finish(builder, std::path::Path::new(&name))
    }
}
