//! Any bytes as a per-connection sign file applied to C. elegans: applied or an error, never a
//! panic or a hang, and the graph stays consistent.
#![no_main]

use std::sync::OnceLock;

use connectoscope::Connectome;
use connectoscope::io::{LoadOptions, Source, edge_signs, load};
use libfuzzer_sys::fuzz_target;

static WORM: OnceLock<Connectome> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let mut c = WORM
        .get_or_init(|| load("celegans-cook2019", &LoadOptions::default()).unwrap())
        .clone();
    let _ = edge_signs::apply(&mut c, Source::reader("fuzz", std::io::Cursor::new(data.to_vec())));
    c.check_invariants().expect("signs never break the graph");
});
