//! Parsing of the cells every format shares: weights, counts, connection types, signs,
//! positions. Each returns a [`Problem`] that the reader places at a file, line and column.

use crate::model::{EdgeKind, Position, Sign};

use super::Problem;

/// What a weight column means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightColumn {
    /// A signed weight (`weight`, `Weight`): a negative value marks an inhibitory connection.
    Signed,
    /// A count (`syn_count`, `synapses`, `count`): must not be negative.
    Count,
}

/// Parses a weight cell into a magnitude and the sign it implies (`Unknown` unless a signed
/// column holds a negative value).
pub fn weight(cell: &str, column: WeightColumn) -> Result<(f64, Sign), Problem> {
    let s = cell.trim();
    let v: f64 = s.parse().map_err(|_| Problem::NotANumber(cell.to_owned()))?;
    if !v.is_finite() {
        return Err(Problem::NotFinite(cell.to_owned()));
    }
    match column {
        WeightColumn::Count if v < 0.0 => Err(Problem::NegativeCount(cell.to_owned())),
        _ if v < 0.0 => Ok((-v, Sign::Inhibitory)),
        _ => Ok((v, Sign::Unknown)),
    }
}

/// Parses a finite number (delays, coordinates).
pub fn number(cell: &str) -> Result<f64, Problem> {
    let v: f64 = cell.trim().parse().map_err(|_| Problem::NotANumber(cell.to_owned()))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Problem::NotFinite(cell.to_owned()))
    }
}

/// Parses a connection type cell; empty means chemical (the usual default of edge lists).
pub fn kind(cell: &str) -> Result<EdgeKind, Problem> {
    if cell.trim().is_empty() {
        return Ok(EdgeKind::Chemical);
    }
    EdgeKind::parse(cell).ok_or_else(|| Problem::UnknownKind(cell.to_owned()))
}

/// Like [`kind`], but a name we do not know is `None` rather than an error: readers keep such
/// connections as kind `other` with the value (see `ConnectomeBuilder::add_edge_of_unknown_type`).
pub fn known_kind(cell: &str) -> Option<EdgeKind> {
    if cell.trim().is_empty() {
        return Some(EdgeKind::Chemical);
    }
    EdgeKind::parse(cell)
}

pub fn sign(cell: &str) -> Result<Sign, Problem> {
    Sign::parse(cell).ok_or_else(|| Problem::UnknownSign(cell.to_owned()))
}

/// Parses a position written as one cell: `[x y z]`, `x,y,z`, `(x; y; z)` ...
pub fn position(cell: &str) -> Result<Option<Position>, Problem> {
    let inner = cell.trim().trim_matches(|c| matches!(c, '[' | ']' | '(' | ')'));
    if inner.trim().is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = inner.split([' ', ',', ';', '\t']).filter(|p| !p.is_empty()).collect();
    if parts.len() != 3 {
        return Err(Problem::Invalid(format!("'{cell}' is not a position [x y z]")));
    }
    let mut p = [0f32; 3];
    for (slot, part) in p.iter_mut().zip(parts) {
        *slot = number(part)? as f32;
    }
    Ok(Some(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights() {
        assert_eq!(weight("3", WeightColumn::Signed), Ok((3.0, Sign::Unknown)));
        assert_eq!(weight("-2.5", WeightColumn::Signed), Ok((2.5, Sign::Inhibitory)));
        assert!(matches!(
            weight("-2", WeightColumn::Count),
            Err(Problem::NegativeCount(_))
        ));
        assert!(matches!(
            weight("NaN", WeightColumn::Signed),
            Err(Problem::NotFinite(_))
        ));
        assert!(matches!(weight("inf", WeightColumn::Count), Err(Problem::NotFinite(_))));
        assert!(matches!(
            weight("1e999", WeightColumn::Count),
            Err(Problem::NotFinite(_))
        ));
        assert!(matches!(
            weight("three", WeightColumn::Count),
            Err(Problem::NotANumber(_))
        ));
    }

    #[test]
    fn positions() {
        assert_eq!(position("[1 2.5 -3]"), Ok(Some([1.0, 2.5, -3.0])));
        assert_eq!(position("4,5,6"), Ok(Some([4.0, 5.0, 6.0])));
        assert_eq!(position(""), Ok(None));
        assert!(position("[1 2]").is_err());
    }
}
