//! NTF at the benchmark size: 200 neurons (19,900 pairs) × 20 windows × 4 recordings,
//! rank 10, 100 HALS iterations, one start — the same tensor and settings as
//! scripts/bench_ntf.py runs through tensorly.

use connectoscope::analysis::functional::ntf::{NtfOptions, ntf, planted};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let (x, _) = planted([19_900, 20, 4], 10, 0.3);
    let opts = NtfOptions {
        rank: 10,
        max_iterations: 100,
        tolerance: 0.0,
        restarts: 1,
        seed: 1,
    };
    let mut group = c.benchmark_group("ntf");
    group.sample_size(10);
    group.bench_function("hals_19900x20x4_rank10_100it", |b| b.iter(|| ntf(&x, &opts)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
