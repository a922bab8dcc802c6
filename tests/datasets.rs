//! The bundled datasets load with the counts their sources document.

use connectoscope::io::{self, LoadOptions, datasets};
use connectoscope::model::{EdgeKind, Sign};

fn load(name: &str) -> connectoscope::Connectome {
    io::load(name, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// (name, neurons, chemical edges, chemical weight, electrical pairs, electrical weight)
const EXPECTED: &[(&str, usize, usize, f64, usize, f64)] = &[
    ("celegans-cook2019", 302, 3709, 20965.0, 1105, 5779.0),
    ("celegans-cook2019-full", 473, 4879, 28113.0, 1450, 11680.0),
    ("celegans-varshney2011", 279, 2194, 6394.0, 517, 890.0),
    ("celegans-witvliet2021-1", 187, 775, 1296.0, 83, 104.0),
    ("celegans-witvliet2021-2", 194, 986, 1895.0, 124, 133.0),
    ("celegans-witvliet2021-3", 198, 1012, 2128.0, 94, 109.0),
    ("celegans-witvliet2021-4", 204, 1136, 2777.0, 209, 243.0),
    ("celegans-witvliet2021-5", 211, 1515, 4116.0, 292, 419.0),
    ("celegans-witvliet2021-6", 216, 1525, 4456.0, 214, 267.0),
    ("celegans-witvliet2021-7", 222, 2202, 7467.0, 291, 400.0),
    ("celegans-witvliet2021-8", 219, 2186, 7970.0, 310, 430.0),
    ("drosophila-larva-mb-left", 209, 7425, 25322.0, 0, 0.0),
    ("drosophila-larva-mb-right", 213, 7536, 26371.0, 0, 0.0),
    ("drosophila-opticlobe-flyvis", 65, 605, 8087.25216, 0, 0.0),
];

#[test]
fn every_bundled_dataset_has_its_documented_counts() {
    assert_eq!(datasets::ALL.len(), EXPECTED.len());
    for &(name, neurons, chem, chem_w, elec, elec_w) in EXPECTED {
        let s = load(name).summary();
        assert_eq!(
            (s.neurons, s.chemical.edges, s.electrical.edges),
            (neurons, chem, elec),
            "{name}"
        );
        // Sums of non-integer weights (flyvis) differ from the documented total by rounding.
        assert!(
            (s.chemical.weight - chem_w).abs() < 1e-6 * chem_w.max(1.0),
            "{name}: {}",
            s.chemical.weight
        );
        assert_eq!(s.electrical.weight, elec_w, "{name}");
        assert_eq!(s.other.edges, 0, "{name}");
    }
}

#[test]
fn cook2019_is_annotated_from_the_neuron_table() {
    let c = load(datasets::DEFAULT);
    let n = &c.neurons;
    let ava = n.find("AVAL").expect("AVAL");
    assert_eq!(n.class.get(ava), Some("AVA"));
    assert_eq!(n.cell_type.get(ava), Some("interneuron"));
    assert_eq!(n.neurotransmitter.get(ava), Some("Acetylcholine"));
    assert_eq!(n.sign[ava], Sign::Excitatory);
    assert!(n.position.iter().all(Option::is_some), "all 302 have soma positions");
    assert_eq!(n.position_unit.as_deref(), Some("um"));
    // GABAergic motor neurons are inhibitory by the neurotransmitter rule.
    assert_eq!(n.sign[n.find("DD1").unwrap()], Sign::Inhibitory);
    assert_eq!(
        n.attribute("pharyngeal").and_then(|p| p.get(n.find("I1L").unwrap())),
        Some("yes")
    );
    // Gap junctions are symmetric, stored once with pre <= post.
    assert!(c.electrical.iter().all(|e| e.pre <= e.post));
    assert_eq!(
        c.summary().self_connections,
        c.chemical.iter().filter(|e| e.pre == e.post).count()
    );
}

#[test]
fn fenyves_signs_override_neuron_signs() {
    let options = LoadOptions {
        edge_signs: Some(datasets::FENYVES_SIGNS.into()),
        ..Default::default()
    };
    let c = io::load(datasets::DEFAULT, &options).unwrap();
    let plain = load(datasets::DEFAULT);
    let inhibitory = |c: &connectoscope::Connectome| {
        (0..c.chemical.len())
            .filter(|&e| c.edge_sign(EdgeKind::Chemical, e) == Sign::Inhibitory)
            .count()
    };
    let explicit = c.chemical.iter().filter(|e| e.sign != Sign::Unknown).count();
    // 1327 '+' and 425 '-' predictions; a few name pairs may be absent from the connectome.
    assert!(explicit > 1700 && explicit <= 1752, "{explicit}");
    assert!(inhibitory(&c) > inhibitory(&plain));
}

#[test]
fn flyvis_signs_come_from_its_sign_column() {
    let c = load("drosophila-opticlobe-flyvis");
    let inh = c.chemical.iter().filter(|e| e.sign == Sign::Inhibitory).count();
    let exc = c.chemical.iter().filter(|e| e.sign == Sign::Excitatory).count();
    assert_eq!((exc, inh), (377, 228));
}

#[test]
fn larval_mushroom_body_cells_get_their_label_as_class() {
    let c = load("drosophila-larva-mb-left");
    let count = |label: &str| {
        (0..c.neurons.len())
            .filter(|&i| c.neurons.class.get(i) == Some(label))
            .count()
    };
    // Eichler 2017 left: 101 Kenyon cells (K), 21 I, 29 O, 58 P.
    assert_eq!([count("K"), count("I"), count("O"), count("P")], [101, 21, 29, 58]);
}
