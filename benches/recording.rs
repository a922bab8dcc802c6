//! Opening recordings and replaying them.
//!
//! `cargo bench --bench recording` times, on recordings generated here (30 minutes, 180 ROIs,
//! 3 volumes/s = 5,400 frames, as the NeuroPAL whole-brain data): `read_recording` of an NWB
//! file in the NeuroPAL layout (float32 traces, chunked, gzip + shuffle, as pynwb writes
//! them), of a WormWideWeb JSON (trace_array, trace_original, timestamps, five behaviour
//! tracks), 100 NWB files one after another, and one replay frame (every ROI's value at a
//! time). Targets: < 0.3 s per file, < 10 s per 100 files, < 1 ms per replay frame.
//!
//! With `CONNECTOSCOPE_RECORDINGS=DIR` set, the binary instead opens every file in DIR once
//! and prints one JSON line (files, seconds, per-file ms); scripts/bench_recordings.py uses
//! that beside h5py reading the same pynwb-written files.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use connectoscope::io::read_recording;
use criterion::Criterion;
use hdf5_pure::{AttrValue, FileBuilder};

const ROIS: usize = 180;
const RATE_HZ: f64 = 3.0;
const FRAMES: usize = 30 * 60 * 3;

/// Calcium-like traces, time × ROI: slow random walks plus noise, deterministic.
fn traces() -> Vec<f32> {
    let mut state = 0x5eed_1234_u64;
    let mut uniform = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut level = vec![0.0f64; ROIS];
    let mut out = Vec::with_capacity(FRAMES * ROIS);
    for _ in 0..FRAMES {
        for l in level.iter_mut() {
            *l = 0.97 * *l + uniform();
            out.push((*l + 0.1 * uniform()) as f32);
        }
    }
    out
}

fn labels() -> Vec<String> {
    (0..ROIS)
        .map(|k| if k % 3 == 2 { String::new() } else { format!("N{k}") })
        .collect()
}

fn nwb(data: &[f32]) -> Vec<u8> {
    let mut file = FileBuilder::new();
    let mut processing = file.create_group("processing");
    let mut module = processing.create_group("CalciumActivity");
    module.set_attr("neurodata_type", AttrValue::String("ProcessingModule".into()));
    let mut fluor = module.create_group("SignalRawFluor");
    fluor.set_attr("neurodata_type", AttrValue::String("Fluorescence".into()));
    let mut series = fluor.create_group("SignalCalciumImResponseSeries");
    series.set_attr("neurodata_type", AttrValue::String("RoiResponseSeries".into()));
    series
        .create_dataset("data")
        .with_f32_data(data)
        .with_shape(&[FRAMES as u64, ROIS as u64])
        .with_chunks(&[675, ROIS as u64])
        .with_shuffle()
        .with_deflate(4);
    series
        .create_dataset("starting_time")
        .with_f64_data(&[0.0])
        .with_shape(&[])
        .set_attr("rate", AttrValue::F64(RATE_HZ));
    series
        .create_dataset("rois")
        .with_i64_data(&(0..ROIS as i64).collect::<Vec<_>>());
    fluor.add_group(series.finish());
    module.add_group(fluor.finish());
    let mut ids = module.create_group("NeuronIDs");
    ids.set_attr("neurodata_type", AttrValue::String("SegmentationLabels".into()));
    let names = labels();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    ids.create_dataset("labels").with_vlen_strings(&refs);
    module.add_group(ids.finish());
    processing.add_group(module.finish());
    file.add_group(processing.finish());
    file.finish().expect("NWB bytes")
}

fn wormwideweb(data: &[f32]) -> String {
    let row = |roi: usize| -> Vec<f32> { (0..FRAMES).map(|t| data[t * ROIS + roi]).collect() };
    let trace_array: Vec<Vec<f32>> = (0..ROIS).map(row).collect();
    let trace_original: Vec<Vec<f32>> = (0..FRAMES).map(|t| data[t * ROIS..(t + 1) * ROIS].to_vec()).collect();
    let labeled: serde_json::Map<String, serde_json::Value> = labels()
        .into_iter()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(k, l)| {
            (
                (k + 1).to_string(),
                serde_json::json!({"label": l, "neuron_class": l, "confidence": 4}),
            )
        })
        .collect();
    let track: Vec<f32> = (0..FRAMES).map(|t| (t % 100) as f32 / 100.0).collect();
    serde_json::json!({
        "trace_array": trace_array,
        "trace_original": trace_original,
        "avg_timestep": 1.0 / RATE_HZ / 60.0,
        "timestamp_confocal": (0..FRAMES).map(|t| t as f64 / RATE_HZ).collect::<Vec<_>>(),
        "labeled": labeled,
        "velocity": track, "head_curvature": track, "angular_velocity": track,
        "body_curvature": track, "pumping": track,
        "reversal_events": [[10, 20], [400, 420]],
        "dataset_type": ["neuropal"],
    })
    .to_string()
}

/// `CONNECTOSCOPE_RECORDINGS=DIR`: open every file once, print the time.
fn open_dir(dir: &Path) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("a folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut slowest = 0.0f64;
    let start = Instant::now();
    let mut frames = 0;
    for f in &files {
        let t = Instant::now();
        let r = read_recording(f).unwrap_or_else(|e| panic!("{e}"));
        frames += r.frames();
        slowest = slowest.max(t.elapsed().as_secs_f64());
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{{\"files\":{},\"frames\":{frames},\"seconds\":{seconds:.4},\"per_file_ms\":{:.2},\"slowest_ms\":{:.2}}}",
        files.len(),
        1000.0 * seconds / files.len().max(1) as f64,
        1000.0 * slowest
    );
}

fn main() {
    if let Ok(dir) = std::env::var("CONNECTOSCOPE_RECORDINGS") {
        open_dir(Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = traces();
    let nwb_path = dir.path().join("recording.nwb");
    std::fs::write(&nwb_path, nwb(&data)).unwrap();
    let json_path = dir.path().join("recording.json");
    std::fs::write(&json_path, wormwideweb(&data)).unwrap();
    // The generated file reads back as written.
    let r = read_recording(&nwb_path).unwrap();
    assert_eq!((r.rois.len(), r.frames(), r.labelled()), (ROIS, FRAMES, 120));
    assert_eq!(r.trace(7)[1234], data[1234 * ROIS + 7]);
    let j = read_recording(&json_path).unwrap();
    assert_eq!((j.rois.len(), j.frames(), j.behaviour.len()), (ROIS, FRAMES, 5));
    eprintln!(
        "NWB {:.1} MB, WormWideWeb JSON {:.1} MB",
        std::fs::metadata(&nwb_path).unwrap().len() as f64 / 1e6,
        std::fs::metadata(&json_path).unwrap().len() as f64 / 1e6
    );

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    c.bench_function("open NWB, 30 min x 180 ROIs at 3 Hz", |b| {
        b.iter(|| read_recording(&nwb_path).unwrap())
    });
    c.bench_function("open WormWideWeb JSON, 30 min x 180 ROIs at 3 Hz", |b| {
        b.iter(|| read_recording(&json_path).unwrap())
    });
    c.bench_function("open 100 NWB files, 30 min x 180 ROIs each", |b| {
        b.iter(|| {
            for _ in 0..100 {
                std::hint::black_box(read_recording(&nwb_path).unwrap());
            }
        })
    });
    let mut out = vec![0.0f32; ROIS];
    let mut t = 0.0;
    c.bench_function("replay: every ROI's value at a time (180 ROIs)", |b| {
        b.iter(|| {
            t = (t + 1.0 / 60.0) % r.time.duration_s();
            r.values_at(t, &mut out);
            std::hint::black_box(&out);
        })
    });
    c.final_summary();
}
