//! Loading a FlyWire-Codex-shaped folder.
//!
//! `cargo bench --bench load` times `io::load` on a small synthetic folder (10k neurons, 200k
//! connection rows, written here so no Python is needed).
//!
//! With `CONNECTOSCOPE_LOAD=DIR` set, the binary instead loads DIR once and prints one JSON
//! line with the wall time and the process's peak resident memory; `scripts/bench_load.sh`
//! uses that for the whole-brain comparison with pandas.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use connectoscope::io::{self, LoadOptions};
use criterion::Criterion;
use flate2::Compression;
use flate2::write::GzEncoder;

const NEUROPILS: &[&str] = &[
    "AL_L", "AL_R", "AVLP_L", "AVLP_R", "CRE_L", "CRE_R", "FB", "GNG", "LH_L", "LH_R", "LO_L", "LO_R", "ME_L", "ME_R",
    "MB_CA_L", "MB_CA_R", "PLP_L", "PLP_R", "SLP_L", "SLP_R", "SMP_L", "SMP_R", "SPS_L", "SPS_R",
];
const NT: &[&str] = &["ACH", "ACH", "ACH", "GABA", "GLUT", "DA", "SER"];

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn gz(path: &Path) -> GzEncoder<BufWriter<File>> {
    GzEncoder::new(BufWriter::new(File::create(path).unwrap()), Compression::fast())
}

/// Writes connections, neurons, classification and coordinates tables to `dir`.
fn generate(dir: &Path, neurons: usize, rows: usize) {
    let mut rng = Rng(0x5eed_0783);
    let ids: Vec<u64> = (0..neurons as u64)
        .map(|i| 720_575_940_600_000_000 + i * 7919 % 100_000_000)
        .collect();
    let nt: Vec<&str> = (0..neurons).map(|_| NT[rng.below(NT.len())]).collect();
    let mut w = gz(&dir.join("connections.csv.gz"));
    writeln!(w, "pre_root_id,post_root_id,neuropil,syn_count,nt_type").unwrap();
    let mut written = 0;
    while written < rows {
        // Skewed presynaptic choice (the min of two draws) for uneven degrees.
        let pre = rng.below(neurons).min(rng.below(neurons));
        let post = rng.below(neurons);
        // A pair spans 1-3 neuropils.
        let parts = 1 + rng.below(3);
        let first = rng.below(NEUROPILS.len());
        for k in 0..parts.min(rows - written) {
            let count = 1 + rng.below(8) * (1 + rng.below(4));
            let np = NEUROPILS[(first + k) % NEUROPILS.len()];
            writeln!(w, "{},{},{np},{count},{}", ids[pre], ids[post], nt[pre]).unwrap();
            written += 1;
        }
    }
    w.finish().unwrap().flush().unwrap();
    let mut w = gz(&dir.join("neurons.csv.gz"));
    writeln!(w, "root_id,group,nt_type,nt_type_score").unwrap();
    for (i, id) in ids.iter().enumerate() {
        writeln!(
            w,
            "{id},{}.{},{},0.{}",
            NEUROPILS[i % 24],
            NEUROPILS[i % 7],
            nt[i],
            50 + i % 50
        )
        .unwrap();
    }
    w.finish().unwrap().flush().unwrap();
    let mut w = gz(&dir.join("classification.csv.gz"));
    writeln!(
        w,
        "root_id,flow,super_class,class,sub_class,cell_type,hemibrain_type,hemilineage,side,nerve"
    )
    .unwrap();
    for (i, id) in ids.iter().enumerate() {
        let side = ["left", "right"][i % 2];
        writeln!(w, "{id},intrinsic,central,CX,,T{},,,{side},", i % 500).unwrap();
    }
    w.finish().unwrap().flush().unwrap();
    let mut w = gz(&dir.join("coordinates.csv.gz"));
    writeln!(w, "root_id,position,supervoxel_id").unwrap();
    for id in &ids {
        for _ in 0..2 {
            let (x, y, z) = (rng.below(1_000_000), rng.below(500_000), rng.below(300_000));
            writeln!(w, "{id},[{x} {y} {z}],{}", 78_000_000_000_000_000 + rng.below(1 << 40)).unwrap();
        }
    }
    w.finish().unwrap().flush().unwrap();
}

/// Peak resident set size of this process in MB (Linux; 0 elsewhere).
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// Loads `dir` once and prints what `scripts/bench_load.sh` reads.
fn load_once(dir: &str) {
    let start = Instant::now();
    let c = io::load(dir, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{{\"seconds\": {seconds:.3}, \"peak_mb\": {:.1}, \"neurons\": {}, \"connections\": {}, \"synapses\": {}}}",
        peak_mb(),
        c.neurons.len(),
        c.chemical.len(),
        c.chemical.total_weight()
    );
}

fn main() {
    if let Ok(dir) = std::env::var("CONNECTOSCOPE_LOAD") {
        load_once(&dir);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 10_000, 200_000);
    let path = dir.path().to_str().unwrap().to_owned();
    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .configure_from_args();
    c.bench_function("load codex 10k neurons / 200k rows", |b| {
        b.iter(|| io::load(&path, &LoadOptions::default()).unwrap())
    });
    c.final_summary();
}
