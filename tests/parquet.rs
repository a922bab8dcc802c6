//! Parquet edge tables written by pyarrow (scripts/make_parquet_fixtures.py): FlyWire's
//! Connectivity_783 columns with snappy and brotli, Codex-style columns with gzip and zstd.

use connectoscope::Connectome;
use connectoscope::io::{self, Problem};
use connectoscope::model::{Sign, WarningCode};

mod common;
use common::load;

fn fixture(name: &str) -> Connectome {
    load(&format!("{}/tests/fixtures/parquet/{name}", env!("CARGO_MANIFEST_DIR")))
}

const IDS: [&str; 4] = [
    "720575940629970489",
    "720575940629970490",
    "720575940633182897",
    "720575940604407468",
];

#[test]
fn flywire_connectivity_columns_snappy_and_brotli() {
    for name in ["flywire_snappy.parquet", "flywire_brotli.parquet"] {
        let c = fixture(name);
        // 64-bit ids kept exact (beyond 2^53), ordered numerically as for every integer id.
        let mut sorted = IDS;
        sorted.sort_by_key(|s| s.parse::<u64>().unwrap());
        assert_eq!(c.neurons.names(), sorted, "{name}");
        let edge = |pre: usize, post: usize| {
            let (a, b) = (c.neurons.find(IDS[pre]).unwrap(), c.neurons.find(IDS[post]).unwrap());
            c.chemical.get(c.chemical.find(a, b).unwrap())
        };
        // 0 -> 1 twice (12 + 2), excitatory; 1 -> 0 inhibitory (Excitatory -1).
        assert_eq!((edge(0, 1).weight, edge(0, 1).sign), (14.0, Sign::Excitatory));
        assert_eq!((edge(1, 0).weight, edge(1, 0).sign), (3.0, Sign::Inhibitory));
        assert_eq!((edge(2, 3).weight, edge(2, 3).sign), (7.0, Sign::Inhibitory));
        assert_eq!((c.chemical.len(), c.chemical.total_weight()), (5, 30.0));
        assert_eq!(c.import_report.get(WarningCode::MergedDuplicates).unwrap().count, 1);
        c.check_invariants().unwrap();
    }
}

#[test]
fn codex_columns_through_pandas_gzip_and_zstd() {
    for name in ["codex_gzip.parquet", "codex_zstd.parquet"] {
        let c = fixture(name);
        assert_eq!(c.neurons.len(), 3);
        assert_eq!((c.chemical.len(), c.chemical.total_weight()), (3, 19.0), "{name}");
        let i = c.neurons.find(IDS[1]).unwrap();
        // nt_type annotates the presynaptic neuron; GABA is inhibitory.
        assert_eq!(c.neurons.neurotransmitter.get(i), Some("GABA"));
        assert_eq!(c.neurons.sign[i], Sign::Inhibitory);
        assert!(c.import_report.is_empty(), "{:?}", c.import_report);
    }
}

#[test]
fn a_parquet_file_is_recognised_by_its_bytes_and_bad_ones_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let src = format!(
        "{}/tests/fixtures/parquet/flywire_snappy.parquet",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&src).unwrap();
    let renamed = dir.path().join("connectivity.bin");
    std::fs::write(&renamed, &bytes).unwrap();
    assert_eq!(load(renamed.to_str().unwrap()).chemical.len(), 5);
    // Truncated or corrupted: an error, never a panic.
    for cut in (0..bytes.len()).step_by(37) {
        let e = io::read_bytes(io::Format::Parquet, "cut.parquet", bytes[..cut].to_vec());
        assert!(e.is_err(), "cut at {cut}");
    }
    let mut state = 3u32;
    for _ in 0..300 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let mut b = bytes.clone();
        let at = (state >> 8) as usize % b.len();
        b[at] = (state >> 24) as u8;
        let _ = io::read_bytes(io::Format::Parquet, "bad.parquet", b);
    }
    // Found by fuzzing: a column chunk at a negative offset made the parquet crate panic.
    let crash = format!(
        "{}/tests/fixtures/parquet/fuzz_negative_offset.parquet",
        env!("CARGO_MANIFEST_DIR")
    );
    let e = io::read_bytes(io::Format::Parquet, "crash.parquet", std::fs::read(crash).unwrap()).unwrap_err();
    assert!(matches!(e.problem, Problem::Invalid(_)), "{e}");
    let e = io::read_bytes(io::Format::Parquet, "x.parquet", b"PAR1 not really".to_vec()).unwrap_err();
    assert!(matches!(e.problem, Problem::Invalid(_)), "{e}");
}
