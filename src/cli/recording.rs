//! `connectoscope recording FILE...`: what each recording holds and how its labels match the
//! connectome's neurons (one JSON object per file with --json).

use std::fmt::Write;
use std::path::PathBuf;

use crate::io;
use crate::model::Recording;
use crate::model::recording::names::{NameReport, match_names};

#[derive(Debug, clap::Args)]
pub struct RecordingArgs {
    /// Recordings: WormWideWeb JSON, NWB (.nwb), traces CSV (wide or neuron,time_s,value).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The connectome to match labels against (file, folder or bundled dataset).
    #[arg(long, value_name = "DATASET", default_value = io::datasets::DEFAULT)]
    pub connectome: String,
    /// One JSON object per file (a line each): file, rois, labelled, matched, unmatched,
    /// frames, duration_s, rate_hz, behaviour, nan_frames.
    #[arg(long)]
    pub json: bool,
}

/// Reads every file; a bad one is reported (file and problem) and makes the exit code 2, the
/// others are still described.
pub fn run(args: &RecordingArgs) -> Result<String, String> {
    let connectome = io::load(&args.connectome, &Default::default()).map_err(|e| e.to_string())?;
    let mut out = String::new();
    let mut errors = Vec::new();
    for path in &args.files {
        match io::read_recording(path) {
            Ok(r) => {
                let report = match_names(&r, &connectome);
                if args.json {
                    let _ = writeln!(out, "{}", summary_json(&r, &report));
                } else {
                    out.push_str(&describe(&r, &report));
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        print!("{out}");
        Err(errors.join("\nerror: "))
    }
}

/// The contracted JSON object of one recording.
pub fn summary_json(r: &Recording, report: &NameReport) -> serde_json::Value {
    serde_json::json!({
        "file": r.source.path,
        "rois": r.rois.len(),
        "labelled": r.labelled(),
        "matched": report.matched,
        "unmatched": report.unmatched,
        "frames": r.frames(),
        "duration_s": r.time.duration_s(),
        "rate_hz": r.time.rate_hz(),
        "behaviour": r.behaviour_names(),
        "nan_frames": r.nan_frames(),
    })
}

fn describe(r: &Recording, report: &NameReport) -> String {
    let mut s = format!("{}\n", r.source.path);
    let _ = writeln!(
        s,
        "  format      {}{}",
        r.source.format,
        if r.source.series.is_empty() {
            String::new()
        } else {
            format!(" ({})", r.source.series)
        }
    );
    if let Some(animal) = &r.animal {
        let _ = writeln!(s, "  animal      {animal}");
    }
    let _ = writeln!(
        s,
        "  frames      {} over {:.1} s ({:.3} Hz)",
        r.frames(),
        r.time.duration_s(),
        r.time.rate_hz()
    );
    let _ = writeln!(
        s,
        "  ROIs        {} ({} labelled, {} unlabelled)",
        r.rois.len(),
        r.labelled(),
        report.unlabelled
    );
    let _ = writeln!(
        s,
        "  matched     {} ({} class-level only, {} uncertain '?')",
        report.matched, report.class_level, report.uncertain
    );
    if !report.unmatched.is_empty() {
        let _ = writeln!(s, "  unmatched   {}", report.unmatched.join(", "));
    }
    if !report.duplicates.is_empty() {
        let _ = writeln!(s, "  twice       {} (more than one ROI)", report.duplicates.join(", "));
    }
    let _ = writeln!(
        s,
        "  NaN frames  {} (frames where some ROI has no value)",
        r.nan_frames()
    );
    let names = r.behaviour_names();
    let _ = writeln!(
        s,
        "  behaviour   {}",
        if names.is_empty() {
            "none".into()
        } else {
            names.join(", ")
        }
    );
    s
}
