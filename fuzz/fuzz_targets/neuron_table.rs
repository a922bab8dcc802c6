//! Any bytes as a neuron table defining the neurons of a small edge list: a consistent graph or
//! an error, never a panic or a hang.
#![no_main]

use connectoscope::io::neuron_table::{self, TableRole};
use connectoscope::io::{Source, csv_edges};
use connectoscope::model::ConnectomeBuilder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut builder = ConnectomeBuilder::new();
    let table = Source::reader("fuzz", std::io::Cursor::new(data.to_vec()));
    if neuron_table::read(table, &mut builder, TableRole::Defines).is_err() {
        return;
    }
    builder.neurons_from_table = true;
    let edges = Source::bytes("edges", b"pre,post\nA,B\n");
    let _ = csv_edges::read_edges(edges, &mut builder, csv_edges::UnknownNeurons::Add);
    if let Ok(c) = builder.finish() {
        c.check_invariants().expect("a graph the reader accepted is consistent");
    }
});
