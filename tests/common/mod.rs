//! Helpers shared by the format tests (each test binary uses a subset).
#![allow(dead_code)]

use connectoscope::Connectome;
use connectoscope::io::{self, LoadOptions, csv_edges, neuron_table};
use connectoscope::model::EdgeKind;

pub fn load(name: &str) -> Connectome {
    io::load(name, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Everything a connectome holds, as text: its edge list and neuron table (names, every
/// annotation, signs, positions, attributes in order, weights, kinds, edge signs, delays).
pub fn dump(c: &Connectome) -> String {
    let mut out = Vec::new();
    csv_edges::write_edges(c, &mut out).unwrap();
    neuron_table::write(c, &mut out).unwrap();
    let units = format!(
        "{} / {:?} / {:?}\n",
        c.weight_unit, c.neurons.position_unit, c.sign_rule
    );
    units + &String::from_utf8(out).unwrap()
}

pub fn assert_same(a: &Connectome, b: &Connectome) {
    assert_eq!(a.summary(), b.summary());
    for kind in EdgeKind::ALL {
        assert_eq!(a.edges(kind), b.edges(kind), "{kind:?}");
    }
    let (da, db) = (dump(a), dump(b));
    for (la, lb) in da.lines().zip(db.lines()) {
        assert_eq!(la, lb);
    }
    assert_eq!(da.lines().count(), db.lines().count());
}
