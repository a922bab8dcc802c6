//! Per-connection sign files, e.g. the Fenyves et al. 2020 predictions for the C. elegans
//! chemical connectome (`pre,post,...,polarity` with `+`, `-`, `complex`, `no pred`).
//! A predicted sign overrides the presynaptic neuron's sign for that connection; `complex`
//! and `no pred` leave it to the neuron. Rows for connections the connectome does not have
//! are counted, not applied.

use crate::model::{Connectome, EdgeKind, Sign};

use super::csv_edges::{Layout, csv_error, open_table};
use super::fields;
use super::{Location, Problem, ReadError, Source};

/// What applying a sign file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignReport {
    /// Rows whose connection exists and now carries the file's sign.
    pub applied: usize,
    /// Rows whose connection (or neuron) is not in the connectome.
    pub unmatched: usize,
}

pub fn apply(connectome: &mut Connectome, source: Source) -> Result<SignReport, ReadError> {
    let (path, mut reader) = open_table(source)?;
    let mut record = csv::StringRecord::new();
    if !reader.read_record(&mut record).map_err(|e| csv_error(&path, e))? {
        return Err(ReadError::new(&path, Location::File, Problem::Empty));
    }
    let (layout, has_header) = Layout::detect(&path, &record)?;
    let Some(sign_col) = layout.sign.filter(|_| has_header) else {
        return Err(ReadError::new(
            &path,
            Location::Line(1),
            Problem::MissingColumn {
                wanted: "sign (or polarity)".into(),
                found: layout.headers.join(","),
            },
        ));
    };
    let mut signs: Vec<(EdgeKind, usize, usize, Sign)> = Vec::new();
    let mut report = SignReport::default();
    while reader.read_record(&mut record).map_err(|e| csv_error(&path, e))? {
        let line = record.position().map_or(0, |p| p.line());
        let cell = |col: usize| record.get(col).unwrap_or("").trim();
        let at = |col: usize, problem| {
            ReadError::new(
                &path,
                Location::Cell {
                    line,
                    column: layout.headers[col].clone(),
                },
                problem,
            )
        };
        if record.len() != layout.headers.len() {
            return Err(ReadError::new(
                &path,
                Location::Line(line),
                Problem::Ragged {
                    expected: layout.headers.len(),
                    found: record.len(),
                },
            ));
        }
        let sign = fields::sign(cell(sign_col)).map_err(|p| at(sign_col, p))?;
        let kind = match layout.kind {
            Some(col) => fields::kind(cell(col)).map_err(|p| at(col, p))?,
            None => EdgeKind::Chemical,
        };
        let ids = (
            connectome.neurons.find(cell(layout.pre)),
            connectome.neurons.find(cell(layout.post)),
        );
        match ids {
            (Some(pre), Some(post)) => {
                if sign != Sign::Unknown {
                    signs.push((kind, pre, post, sign));
                }
            }
            _ => report.unmatched += 1,
        }
    }
    for kind in EdgeKind::ALL {
        let of_kind: Vec<_> = signs
            .iter()
            .filter(|s| s.0 == kind)
            .map(|&(_, pre, post, sign)| (pre, post, sign))
            .collect();
        let found = connectome.set_edge_signs(kind, &of_kind);
        report.applied += found;
        report.unmatched += of_kind.len() - found;
    }
    Ok(report)
}
