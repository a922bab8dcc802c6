//! Recorded activity: fixtures written by the reference libraries (pynwb 2.8 with
//! ndx-multichannel-volume 0.1.12, pynwb 4.2, Python's json; scripts/make_recording_*.py) read
//! back value for value, names matched to the worm, NaN kept as NaN, bad input refused with
//! the file named, and a recording with planted groups → the dynamic functional connectome.

use std::path::{Path, PathBuf};

use connectoscope::analysis::functional::ntf::NtfOptions;
use connectoscope::analysis::functional::recorded::{RecordedError, recorded_traces};
use connectoscope::analysis::functional::{AffinityKind, DynamicOptions, dynamic_connectome};
use connectoscope::io::{Problem, read_recording};
use connectoscope::model::recording::names::{MatchKind, match_names};
use connectoscope::model::{Connectome, Recording, TimeAxis};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/recordings")
        .join(name)
}

fn worm() -> Connectome {
    connectoscope::io::load("celegans-cook2019", &Default::default()).unwrap()
}

/// scripts/make_recording_fixtures_common.py: the value every fixture stores.
const NAN_CELLS: [(usize, usize); 4] = [(5, 0), (6, 0), (20, 2), (33, 1)];
fn expected(frame: usize, roi: usize) -> f32 {
    if NAN_CELLS.contains(&(frame, roi)) {
        f32::NAN
    } else {
        ((7 * frame + 13 * roi) % 101) as f32 / 8.0 - 3.0
    }
}

fn assert_values(r: &Recording, frames: usize) {
    assert_eq!(r.frames(), frames);
    for roi in 0..r.rois.len() {
        for (f, &v) in r.trace(roi).iter().enumerate() {
            let e = expected(f, roi);
            assert!(v == e || (v.is_nan() && e.is_nan()), "roi {roi} frame {f}: {v} != {e}");
        }
    }
}

fn labels(r: &Recording) -> Vec<Option<&str>> {
    r.rois.iter().map(|i| i.label.as_deref()).collect()
}

#[test]
fn neuropal_nwb_reads_back_as_written() {
    let r = read_recording(&fixture("neuropal.nwb")).unwrap();
    assert_eq!(r.source.format, "NWB");
    assert_eq!(
        r.source.series,
        "/processing/CalciumActivity/SignalRawFluor/SignalCalciumImResponseSeries"
    );
    assert_values(&r, 40);
    assert_eq!(
        r.time,
        TimeAxis::Regular {
            start_s: 0.0,
            rate_hz: 2.5,
            frames: 40
        }
    );
    assert_eq!(
        labels(&r),
        [
            Some("AVAL"),
            Some("avar"),
            None,
            Some("RMD"),
            Some("AWCL?"),
            None,
            Some("XYZ1"),
            Some("SMDVR")
        ]
    );
    assert_eq!(r.animal.as_deref(), Some("worm-7"));
    assert_eq!(r.nan_frames(), 4);

    let c = worm();
    let report = match_names(&r, &c);
    assert_eq!(report.matched, 5);
    assert_eq!(report.unmatched, ["XYZ1"]);
    assert_eq!(report.unlabelled, 2);
    assert_eq!(report.class_level, 1);
    assert_eq!(report.uncertain, 1);
    let kind = |roi: usize| report.matches[roi].as_ref().map(|m| m.kind);
    assert_eq!(
        (0..8).map(kind).collect::<Vec<_>>(),
        [
            Some(MatchKind::Exact),
            Some(MatchKind::Case),
            None,
            Some(MatchKind::Class),
            Some(MatchKind::Exact),
            None,
            None,
            Some(MatchKind::Exact)
        ]
    );
    assert_eq!(report.analysis_name(&r, &c, 1).as_deref(), Some("AVAR"));
    assert_eq!(report.analysis_name(&r, &c, 4).as_deref(), Some("AWCL"));
}

#[test]
fn plain_nwb_reads_back_as_written() {
    let r = read_recording(&fixture("plain.nwb")).unwrap();
    assert_eq!(r.source.series, "/processing/ophys/DfOverF/RoiResponseSeries");
    assert_values(&r, 40);
    let t: Vec<f64> = (0..40).map(|k| 0.5 * k as f64 + 0.1 * (k % 3) as f64).collect();
    assert_eq!(r.time, TimeAxis::Irregular(t));
    assert_eq!(labels(&r), [Some("AVAL"), Some("AVBR"), None, Some("DB1")]);
    assert_eq!(r.animal.as_deref(), Some("animal-42"));
    let velocity = r.behaviour("velocity").expect("velocity track");
    for (k, &v) in velocity.values.iter().enumerate() {
        assert_eq!(v, ((k % 10) as f32 - 4.5) / 100.0, "frame {k}");
    }
    assert_eq!(r.intervals.len(), 1);
    assert_eq!(r.intervals[0].name, "reversals");
    assert_eq!(r.intervals[0].spans, [(2.0, 4.1), (11.0, 12.5)]);
    assert!(r.intervals[0].contains(3.0) && !r.intervals[0].contains(5.0));
    let report = match_names(&r, &worm());
    assert_eq!((report.matched, report.unlabelled), (3, 1));
    assert!(report.unmatched.is_empty());
}

#[test]
fn wormwideweb_json_reads_back_as_written() {
    let r = read_recording(&fixture("wormwideweb.json")).unwrap();
    assert_eq!(r.source.format, "WormWideWeb JSON");
    assert_values(&r, 40);
    assert!(r.trace(0)[5].is_nan(), "NaN stays NaN");
    let t = r.time.times();
    assert_eq!(t.len(), 40);
    assert!(
        t.iter().enumerate().all(|(k, &x)| (x - k as f64 * 0.6).abs() < 1e-12),
        "{t:?}"
    );
    assert!(matches!(r.time, TimeAxis::Irregular(_)));
    assert_eq!(
        labels(&r),
        [Some("AVAL"), Some("RMDV?"), None, Some("AVA"), Some("FOO"), None]
    );
    assert_eq!(r.rois[0].class.as_deref(), Some("AVA"));
    assert_eq!(r.rois[0].confidence, Some(5.0));
    assert_eq!(r.animal.as_deref(), Some("2023-01-01-01"));
    assert_eq!(r.tags, ["neuropal", "baseline"]);
    assert_eq!(
        r.behaviour_names(),
        [
            "velocity",
            "head_curvature",
            "angular_velocity",
            "body_curvature",
            "pumping",
            "reversal_events"
        ]
    );
    let pumping = &r.behaviour("pumping").unwrap().values;
    assert_eq!(pumping[..4], [0.0, 1.5, 3.0, 0.0]);
    // Frames 5-9 and 30-33, 1-based and inclusive: 0-based 4-8 and 29-32.
    assert_eq!(r.intervals[0].spans, [(t[4], t[8]), (t[29], t[32])]);
    let report = match_names(&r, &worm());
    assert_eq!((report.matched, report.class_level, report.uncertain), (3, 2, 1));
    assert_eq!(report.unmatched, ["FOO"]);
    assert_eq!(report.unlabelled, 2);
}

#[test]
fn csv_wide_and_long_agree() {
    let dir = tempfile::tempdir().unwrap();
    let wide = dir.path().join("wide.csv");
    std::fs::write(&wide, "time_s,AVAL,AVAR\n0,1,2\n0.5,,3\n1.0,NaN,4\n").unwrap();
    let long = dir.path().join("long.csv");
    // Any order (neurons in first-seen order); AVAL has no row at 0.5 s.
    std::fs::write(
        &long,
        "neuron,time_s,value\nAVAL,1.0,NaN\nAVAR,1.0,4\nAVAL,0,1\nAVAR,0,2\nAVAR,0.5,3\n",
    )
    .unwrap();
    for path in [&wide, &long] {
        let r = read_recording(path).unwrap();
        assert_eq!(labels(&r), [Some("AVAL"), Some("AVAR")]);
        assert_eq!(r.time, TimeAxis::Irregular(vec![0.0, 0.5, 1.0]));
        assert_eq!(r.trace(0)[0], 1.0);
        assert!(r.trace(0)[1].is_nan() && r.trace(0)[2].is_nan());
        assert_eq!(r.trace(1), [2.0, 3.0, 4.0]);
        assert_eq!(r.nan_frames(), 2);
    }
}

/// Each kind of bad input: an error that names the file and the problem, never a panic.
#[test]
fn bad_input_is_refused_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let nwb = std::fs::read(fixture("neuropal.nwb")).unwrap();
    let www = std::fs::read_to_string(fixture("wormwideweb.json")).unwrap();
    let cases: Vec<(PathBuf, &str)> = vec![
        (write("truncated.nwb", &nwb[..nwb.len() / 2]), "HDF5"),
        (write("header_only.nwb", &nwb[..100]), "HDF5"),
        (fixture("no_traces.nwb"), "RoiResponseSeries"),
        (
            write(
                "no_traces_key.json",
                www.replace("\"trace_array\"", "\"traces\"")
                    .replace("\"trace_original\"", "\"orig\"")
                    .as_bytes(),
            ),
            "missing key 'trace_array'",
        ),
        (
            write(
                "no_labels.json",
                www.replace("\"labeled\"", "\"labelled_x\"").as_bytes(),
            ),
            "missing key 'labeled'",
        ),
        (
            write(
                "short_row.json",
                br#"{"trace_array":[[1,2,3],[1,2]],"avg_timestep":0.01,"labeled":{}}"#,
            ),
            "lengths disagree",
        ),
        (
            write(
                "short_time.json",
                br#"{"trace_array":[[1,2,3]],"timestamp_confocal":[0,1],"labeled":{}}"#,
            ),
            "lengths disagree",
        ),
        (
            write(
                "short_velocity.json",
                br#"{"trace_array":[[1,2,3]],"avg_timestep":0.01,"labeled":{},"velocity":[1]}"#,
            ),
            "'velocity'",
        ),
        (
            write(
                "number_label.json",
                br#"{"trace_array":[[1,2,3]],"avg_timestep":0.01,"labeled":{"1":{"label":17}}}"#,
            ),
            "not a neuron name",
        ),
        (
            write("number_neurons.csv", b"neuron,time_s,value\n3,0,1\n4,0,2\n"),
            "not a neuron name",
        ),
        (write("no_header.csv", b"0,1.5,2.5\n1,1.5,2.5\n"), "header row"),
        (
            write("number_columns.csv", b"time_s,17,18\n0,1.5,2.5\n"),
            "'17' is not a neuron name",
        ),
        (write("ragged.csv", b"time_s,AVAL,AVAR\n0,1,2\n1,2\n"), "fields"),
        (write("broken.json", b"{\"trace_array\": [[1, 2"), "invalid JSON"),
        (write("empty.json", b""), "empty"),
    ];
    for (path, wanted) in cases {
        let e = read_recording(&path).expect_err(&path.display().to_string());
        let message = e.to_string();
        assert!(message.starts_with(&path.display().to_string()), "{message}");
        assert!(
            message.contains(wanted),
            "{}: wanted '{wanted}' in: {message}",
            path.display()
        );
    }
    let e = read_recording(&fixture("no_traces.nwb")).unwrap_err();
    assert!(matches!(e.problem, Problem::MissingKey(_)), "{e:?}");
}

/// A recording with two planted groups of identified neurons, each coupled in its own epoch
/// (with a quiet stretch between, so a pair's median over windows is its uncoupled level),
/// written as WormWideWeb JSON with dropped frames (null) and unlabelled ROIs → read, names
/// matched → the dynamic functional connectome finds each group in its epoch.
#[test]
fn planted_groups_in_a_recording_are_recovered() {
    use rand::{Rng, SeedableRng};
    const A: [&str; 6] = ["AVAL", "AVAR", "AVBL", "AVBR", "AVDL", "AVDR"];
    const B: [&str; 6] = ["DB1", "DB2", "DB3", "VB1", "VB2", "VB3"];
    const OTHERS: [&str; 10] = [
        "ASHL", "ASHR", "AWCL", "AWCR", "RIAL", "RIAR", "SMDVL", "SMDVR", "RMEL", "RMER",
    ];
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(11);
    let (frames, rate) = (900usize, 3.0);
    let mut smooth_noise = |len: usize| -> Vec<f64> {
        let mut v = 0.0;
        (0..len)
            .map(|_| {
                v = 0.8 * v + rng.random::<f64>() - 0.5;
                v
            })
            .collect()
    };
    let drivers = [smooth_noise(frames), smooth_noise(frames)];
    // ROI order shuffled against the groups; two unlabelled ROIs.
    let mut labels: Vec<Option<&str>> = A.iter().chain(&B).chain(&OTHERS).map(|&s| Some(s)).collect();
    labels.extend([None, None]);
    labels.reverse();
    labels.swap(0, 9);
    let mut rows: Vec<Vec<Option<f64>>> = Vec::new();
    for (roi, label) in labels.iter().enumerate() {
        let group = label.and_then(|l| {
            if A.contains(&l) {
                Some(0)
            } else if B.contains(&l) {
                Some(1)
            } else {
                None
            }
        });
        let own = smooth_noise(frames);
        rows.push(
            (0..frames)
                .map(|f| {
                    // Every 37th frame of every 3rd ROI dropped, and a stretch of one A neuron.
                    if (roi % 3 == 0 && f % 37 == 5) || (*label == Some("AVBL") && (100..130).contains(&f)) {
                        return None;
                    }
                    // Group A drives 0-120 s, group B 180-300 s, neither in between.
                    let epoch = match f {
                        0..360 => Some(0),
                        540.. => Some(1),
                        _ => None,
                    };
                    Some(match group {
                        Some(g) if Some(g) == epoch => 3.0 * drivers[g][f] + 0.2 * own[f],
                        _ => own[f],
                    })
                })
                .collect(),
        );
    }
    let labeled: serde_json::Map<String, serde_json::Value> = labels
        .iter()
        .enumerate()
        .filter_map(|(k, l)| {
            Some((
                (k + 1).to_string(),
                serde_json::json!({"label": (*l)?, "confidence": 4}),
            ))
        })
        .collect();
    let doc = serde_json::json!({
        "trace_array": rows,
        "avg_timestep": 1.0 / rate / 60.0,
        "labeled": labeled,
        "velocity": vec![0.0; frames],
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("planted.json");
    std::fs::write(&path, doc.to_string()).unwrap();

    let r = read_recording(&path).unwrap();
    assert!(r.nan_frames() > 20);
    let c = worm();
    let report = match_names(&r, &c);
    assert_eq!((report.matched, report.unlabelled), (22, 2));
    let traces = recorded_traces(std::slice::from_ref(&r), &c).unwrap().remove(0);
    assert_eq!(traces.names.len(), 24, "every ROI, unlabelled ones as roiN");
    assert!(traces.names.iter().any(|n| n == "roi2") && traces.names.iter().any(|n| n == "roi10"));
    let n = traces.names.len();
    let dc = dynamic_connectome(
        std::slice::from_ref(&traces),
        &DynamicOptions {
            remove_baseline: true,
            window_s: 30.0,
            step_s: 30.0,
            affinity: AffinityKind::Differential { smooth: 2 },
            ntf: NtfOptions {
                rank: 4,
                restarts: 3,
                ..Default::default()
            },
        },
    )
    .unwrap();
    assert_eq!(dc.shape[1], 10);
    assert!(dc.components.iter().all(|c| c.pairs.iter().all(|v| v.is_finite())));
    for (group, other, epoch) in [(&A, &B, 0usize), (&B, &A, 1)] {
        let is = |set: &[&str; 6], i: usize| set.contains(&traces.names[i].as_str());
        let members: Vec<usize> = (0..n).filter(|&i| is(group, i)).collect();
        assert_eq!(members.len(), 6);
        // The component loading most on the group's pairs...
        let within = |comp: &connectoscope::analysis::functional::Component| -> f64 {
            let mut s = 0.0;
            for (a, &i) in members.iter().enumerate() {
                for &j in &members[a + 1..] {
                    s += comp.pairs[connectoscope::analysis::functional::affinity::pair_index(n, i, j)];
                }
            }
            s
        };
        let comp = dc
            .components
            .iter()
            .max_by(|a, b| within(a).total_cmp(&within(b)))
            .unwrap();
        // ...is active in the group's epoch (windows 0-3, or 6-9)...
        let (first, second): (f64, f64) = (comp.time_curve[..4].iter().sum(), comp.time_curve[6..].iter().sum());
        let (on, off) = if epoch == 0 { (first, second) } else { (second, first) };
        assert!(on > 3.0 * off, "epoch {epoch}: on {on} off {off}");
        // ...and keeps the group in one community, without the other group.
        let home = comp.communities[members[0]];
        assert!(
            members.iter().all(|&i| comp.communities[i] == home),
            "{:?}",
            comp.communities
        );
        let intruders: Vec<&str> = (0..n)
            .filter(|&i| is(other, i) && comp.communities[i] == home)
            .map(|i| traces.names[i].as_str())
            .collect();
        assert!(
            intruders.is_empty(),
            "epoch {epoch}: {intruders:?} in the group's community"
        );
    }
}

/// Cut and corrupted copies of the fixtures (a deterministic stand-in for the fuzz targets
/// fuzz/fuzz_targets/recording_{json,nwb}.rs): an error or a consistent recording, no panic.
#[test]
fn corrupted_files_never_panic() {
    use connectoscope::io::{RecordingFormat, read_recording_bytes};
    for (file, format) in [
        ("neuropal.nwb", RecordingFormat::Nwb),
        ("plain.nwb", RecordingFormat::Nwb),
        ("wormwideweb.json", RecordingFormat::WormWideWeb),
    ] {
        let bytes = std::fs::read(fixture(file)).unwrap();
        let mut variants: Vec<Vec<u8>> = (1..60).map(|k| bytes[..bytes.len() * k / 60].to_vec()).collect();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..300 {
            let mut v = bytes.clone();
            for _ in 0..4 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let at = (state >> 33) as usize % v.len();
                v[at] = (state >> 17) as u8;
            }
            variants.push(v);
        }
        for v in variants {
            if let Ok(r) = read_recording_bytes(format, Path::new(file), v) {
                for roi in 0..r.rois.len() {
                    assert_eq!(r.trace(roi).len(), r.frames());
                }
            }
        }
    }
}

/// A minimal NeuroPAL-layout NWB file written with hdf5-pure: `rois` ROIs × 4 frames and the
/// given `NeuronIDs/labels` dataset.
fn tiny_nwb(rois: usize, labels: impl FnOnce(&mut hdf5_pure::DatasetBuilder)) -> Vec<u8> {
    use hdf5_pure::{AttrValue, FileBuilder};
    let mut file = FileBuilder::new();
    let mut processing = file.create_group("processing");
    let mut module = processing.create_group("CalciumActivity");
    let mut fluor = module.create_group("SignalRawFluor");
    let mut series = fluor.create_group("SignalCalciumImResponseSeries");
    series.set_attr("neurodata_type", AttrValue::String("RoiResponseSeries".into()));
    series
        .create_dataset("data")
        .with_f32_data(&vec![1.0; 4 * rois])
        .with_shape(&[4, rois as u64]);
    series
        .create_dataset("starting_time")
        .with_f64_data(&[0.0])
        .with_shape(&[])
        .set_attr("rate", AttrValue::F64(2.0));
    fluor.add_group(series.finish());
    module.add_group(fluor.finish());
    let mut ids = module.create_group("NeuronIDs");
    labels(ids.create_dataset("labels"));
    module.add_group(ids.finish());
    processing.add_group(module.finish());
    file.add_group(processing.finish());
    file.finish().unwrap()
}

#[test]
fn nwb_labels_must_be_names_and_cover_every_roi() {
    use connectoscope::io::{RecordingFormat, read_recording_bytes};
    let read = |bytes| read_recording_bytes(RecordingFormat::Nwb, Path::new("tiny.nwb"), bytes);
    let ok = read(tiny_nwb(3, |d| {
        d.with_vlen_strings(&["AVAL", "", "DB1?"]);
    }))
    .unwrap();
    assert_eq!(labels(&ok), [Some("AVAL"), None, Some("DB1?")]);
    assert_eq!(ok.time.rate_hz(), 2.0);
    let numbers = read(tiny_nwb(3, |d| {
        d.with_i64_data(&[4, 5, 6]);
    }))
    .unwrap_err();
    assert!(numbers.to_string().contains("labels are numbers"), "{numbers}");
    let short = read(tiny_nwb(3, |d| {
        d.with_vlen_strings(&["AVAL"]);
    }))
    .unwrap_err();
    assert!(
        short
            .to_string()
            .starts_with("tiny.nwb: '/processing/CalciumActivity/NeuronIDs/labels': lengths disagree"),
        "{short}"
    );
}

/// Several animals: the labelled neurons all of them have, in the first one's order, each
/// under the connectome's spelling; too few shared is an error.
#[test]
fn several_recordings_share_their_labelled_neurons() {
    use connectoscope::model::recording::{RecordingSource, RoiIdentity};
    let rec = |labels: &[&str]| {
        let rois: Vec<RoiIdentity> = labels
            .iter()
            .map(|l| RoiIdentity {
                label: (!l.is_empty()).then(|| l.to_string()),
                ..Default::default()
            })
            .collect();
        let values = (0..rois.len() * 5).map(|k| k as f32).collect();
        Recording::new(
            RecordingSource::default(),
            TimeAxis::Regular {
                start_s: 0.0,
                rate_hz: 1.0,
                frames: 5,
            },
            rois,
            values,
            vec![],
            vec![],
        )
        .unwrap()
    };
    let c = worm();
    let a = rec(&["AVAL", "", "DB1?", "avar", "RIAL", "FOO"]);
    let b = rec(&["DB1", "AVAR", "AVAL", "", "FOO"]);
    let t = recorded_traces(&[a.clone(), b], &c).unwrap();
    assert_eq!(t[0].names, ["AVAL", "DB1", "AVAR", "FOO"]);
    assert_eq!(t[1].names, t[0].names);
    // AVAL is ROI 0 of the first recording and ROI 2 of the second.
    assert_eq!(t[0].values[0][0], 0.0);
    assert_eq!(t[1].values[0][0], 10.0);
    let few = recorded_traces(&[a, rec(&["AVAL", "RIAR"])], &c).unwrap_err();
    assert_eq!(
        few,
        RecordedError::TooFewShared {
            recordings: 2,
            shared: 1
        }
    );
}

/// Inputs the fuzz targets found: a reversal at frame 0 (an overflow), and an NWB file whose
/// corrupt dataspace claims a huge dataset (hdf5-pure would allocate it whole).
#[test]
fn fuzz_findings_are_errors() {
    use connectoscope::io::{RecordingFormat, read_recording_bytes};
    let json = br#"{"trace_array":[[1,null,3]],"avg_timestep":0.01,"labeled":{"1":{"label":"AVAL"}},"reversal_events":[[0,2]]}"#;
    let e = read_recording_bytes(RecordingFormat::WormWideWeb, Path::new("crash.json"), json.to_vec());
    assert!(e.is_err());
    let zero = br#"{"trace_array":[[1,2]],"avg_timestep":0.01,"labeled":{},"reversal_events":[[0,1]]}"#;
    let e = read_recording_bytes(RecordingFormat::WormWideWeb, Path::new("zero.json"), zero.to_vec()).unwrap_err();
    assert!(e.to_string().contains("reversal_events[0]"), "{e}");
    let e = read_recording(&fixture("fuzz_huge_shape.nwb")).unwrap_err();
    assert!(e.to_string().contains("more than a file"), "{e}");
}
