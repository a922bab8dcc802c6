//! Activity traces as CSV: a time column (`time` / `time_s` in seconds, or `time_ms`), then one
//! column per neuron (a name; `NAME:VARIABLE`, as `simulate --traces` writes, is read as NAME).

use std::path::Path;

use crate::analysis::functional::Traces;

/// Reads a traces file; errors name the file and line.
pub fn read(path: &Path) -> Result<Traces, String> {
    let at = |line: u64, what: String| format!("{}:{line}: {what}", path.display());
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let headers = reader.headers().map_err(|e| at(1, e.to_string()))?.clone();
    if headers.len() < 2 {
        return Err(at(1, "a time column and at least one neuron column are needed".into()));
    }
    let scale = match headers[0].trim() {
        "time" | "time_s" | "t" => 1.0,
        "time_ms" => 0.001,
        other => {
            return Err(at(
                1,
                format!("the first column must be time (s) or time_ms, not '{other}'"),
            ));
        }
    };
    let names: Vec<String> = headers
        .iter()
        .skip(1)
        .map(|h| h.split(':').next().unwrap_or(h).trim().to_string())
        .collect();
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = names.iter().find(|n| !seen.insert(n.as_str())) {
        return Err(at(1, format!("neuron '{dup}' appears twice")));
    }
    let mut time_s = Vec::new();
    let mut values = vec![Vec::new(); names.len()];
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            at(line, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let number = |s: &str| -> Result<f64, String> {
            let v: f64 = s
                .trim()
                .parse()
                .map_err(|_| at(line, format!("'{s}' is not a number")))?;
            if v.is_finite() {
                Ok(v)
            } else {
                Err(at(line, format!("'{s}' is not finite")))
            }
        };
        let t = number(&record[0])? * scale;
        if time_s.last().is_some_and(|&last| t <= last) {
            return Err(at(line, "times must increase".into()));
        }
        time_s.push(t);
        for (series, field) in values.iter_mut().zip(record.iter().skip(1)) {
            series.push(number(field)?);
        }
    }
    if time_s.len() < 3 {
        return Err(format!("{}: fewer than 3 time points", path.display()));
    }
    Ok(Traces { names, time_s, values })
}
