//! Any bytes given to the NWB (HDF5) reader give a recording whose parts agree, or an error — never
//! a panic or a hang.
#![no_main]

use std::path::Path;

use connectoscope::io::{RecordingFormat, read_recording_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = read_recording_bytes(RecordingFormat::Nwb, Path::new("fuzz"), data.to_vec()) {
        let frames = r.frames();
        for roi in 0..r.rois.len() {
            assert_eq!(r.trace(roi).len(), frames);
        }
        let mut out = vec![0.0; r.rois.len()];
        r.values_at(r.time.start_s() + r.time.duration_s() / 2.0, &mut out);
        let _ = r.nan_frames();
    }
});
