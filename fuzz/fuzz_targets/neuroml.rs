//! Any bytes given to the NeuroML reader give a graph that passes the invariant checks, or an
//! error — never a panic or a hang.
#![no_main]

use connectoscope::io::{Format, read_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = read_bytes(Format::NeuroMl, "fuzz", data.to_vec()) {
        c.check_invariants().expect("a graph the reader accepted is consistent");
    }
});
