//! Neuron tables: one row per neuron with its name and annotations (class, cell type,
//! neurotransmitter, sign, position, anything else kept as attributes). Read as a sidecar of
//! an edge list, passed explicitly, or as part of neuPrint / Codex folders.

use std::io::{self, Write};

use crate::model::{Connectome, ConnectomeBuilder, WarningCode};

use super::fields;
use super::{Location, Problem, ReadError, Source};

/// What a table means for the set of neurons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableRole {
    /// Every row is a neuron (read before the edges; an edge naming a neuron not in the table
    /// is an error). A name listed twice is an error.
    Defines,
    /// Rows annotate neurons already known; rows for other names are skipped, and where a
    /// neuron has several rows the first non-empty value of each column wins (Codex lists
    /// several coordinates per neuron).
    Annotates,
}

/// The meaning of a column, from its header (case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    Name,
    Class,
    CellType,
    Neurotransmitter,
    Sign,
    X,
    Y,
    Z,
    Position,
    Attribute,
    /// An unnamed index column (pandas), not read.
    Index,
}

pub(crate) fn column_of(header: &str) -> Column {
    if let Some((axis, _unit)) = coordinate_with_unit(header) {
        return axis;
    }
    match header.trim().to_ascii_lowercase().as_str() {
        "name" | "neuron" | "id" | "bodyid" | "body_id" | "root_id" | "cell" | "cell_name" => Column::Name,
        "class" | "cell_class" | "neuron_class" => Column::Class,
        "type" | "cell_type" | "celltype" | "neuron_type" => Column::CellType,
        "neurotransmitter" | "neurotransmitters" | "nt" | "nt_type" | "transmitter" | "predictednt"
        | "predicted_nt" => Column::Neurotransmitter,
        "sign" | "polarity" => Column::Sign,
        "x" | "soma_x" | "pos_x" => Column::X,
        "y" | "soma_y" | "pos_y" => Column::Y,
        "z" | "soma_z" | "pos_z" => Column::Z,
        "position" | "pos" | "somalocation" | "soma_location" | "soma_position" => Column::Position,
        _ => Column::Attribute,
    }
}

/// A coordinate header that names its unit, such as `x_um` or `z_nm`.
fn coordinate_with_unit(header: &str) -> Option<(Column, &str)> {
    let (axis, unit) = header.trim().split_once('_')?;
    let axis = match axis {
        "x" => Column::X,
        "y" => Column::Y,
        "z" => Column::Z,
        _ => return None,
    };
    let known = ["nm", "um", "mm", "voxels", "px"];
    known.contains(&unit).then_some((axis, unit))
}

/// Reads a neuron table into `builder`. Returns the number of rows that named a neuron.
pub fn read(source: Source, builder: &mut ConnectomeBuilder, role: TableRole) -> Result<usize, ReadError> {
    let (path, mut reader) = super::csv_edges::open_table(source)?;
    read_rows(&path, &mut reader, builder, role).map_err(|e| reader.get_mut().get_mut().prefer_gzip_error(&path, e))
}

fn read_rows(
    path: &std::path::Path,
    reader: &mut super::csv_edges::TableReader,
    builder: &mut ConnectomeBuilder,
    role: TableRole,
) -> Result<usize, ReadError> {
    let err = |line: u64, column: &str, problem| {
        ReadError::new(
            path,
            Location::Cell {
                line,
                column: column.to_owned(),
            },
            problem,
        )
    };
    let mut record = csv::StringRecord::new();
    let read_record = |reader: &mut csv::Reader<_>, record: &mut csv::StringRecord| {
        reader
            .read_record(record)
            .map_err(|e| super::csv_edges::csv_error(path, e))
    };
    if !read_record(reader, &mut record)? {
        return Err(ReadError::new(path, Location::File, Problem::Empty));
    }
    let headers = super::csv_edges::header_names(&record);
    let mut roles: Vec<Column> = headers.iter().map(|h| column_of(h)).collect();
    // pandas writes its index as a first column with an empty header: the names when the
    // table has no name column (a table indexed by root id), else ignored. Never an attribute.
    let index_column = headers.len() > 1 && headers[0].is_empty();
    let index_is_name = index_column && !roles.contains(&Column::Name);
    if index_column {
        roles[0] = if index_is_name { Column::Name } else { Column::Index };
    }
    if let Some((_, unit)) = headers.iter().find_map(|h| coordinate_with_unit(h)) {
        builder.neurons.position_unit = Some(unit.to_owned());
    }
    let Some(name_col) = roles.iter().position(|&c| c == Column::Name) else {
        return Err(ReadError::new(
            path,
            Location::Line(1),
            Problem::MissingColumn {
                wanted: "name (or id, bodyId, root_id)".into(),
                found: headers.join(","),
            },
        ));
    };
    // Create attribute columns in header order (empty ones are dropped when finishing).
    for (header, role) in headers.iter().zip(&roles) {
        if *role == Column::Attribute {
            builder.neurons.attribute_mut(header);
        }
    }
    let mut rows = 0usize;
    let mut matched = 0usize;
    let mut seen = vec![false; builder.neurons.len()];
    while read_record(reader, &mut record)? {
        let line = record.position().map_or(0, |p| p.line());
        rows += 1;
        if record.len() != headers.len() {
            return Err(ReadError::new(
                path,
                Location::Line(line),
                Problem::Ragged {
                    expected: headers.len(),
                    found: record.len(),
                },
            ));
        }
        let name = record[name_col].trim();
        if name.is_empty() {
            return Err(err(
                line,
                &headers[name_col],
                Problem::Invalid("empty neuron name".into()),
            ));
        }
        let i = match role {
            TableRole::Defines => {
                if builder.neurons.find(name).is_some() {
                    return Err(err(line, &headers[name_col], Problem::DuplicateNode(name.to_owned())));
                }
                builder.neurons.find_or_add(name)
            }
            TableRole::Annotates => match builder.neurons.find(name) {
                Some(i) => i,
                None => continue,
            },
        };
        matched += 1;
        if seen.len() <= i {
            seen.resize(i + 1, false);
        }
        let first_row = !std::mem::replace(&mut seen[i], true);
        let mut xyz = [None::<f32>; 3];
        for (c, (cell, &role)) in record.iter().zip(&roles).enumerate() {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            let n = &mut builder.neurons;
            // Later rows for the same neuron only fill what is still empty.
            let fill = |col: &mut crate::model::StrColumn| {
                if first_row || col.get(i).is_none() {
                    col.set(i, cell)
                }
            };
            match role {
                Column::Name | Column::Index => {}
                Column::Class => fill(&mut n.class),
                Column::CellType => fill(&mut n.cell_type),
                Column::Neurotransmitter => fill(&mut n.neurotransmitter),
                Column::Attribute => fill(n.attribute_mut(&headers[c])),
                Column::Sign => {
                    let s = fields::sign(cell).map_err(|p| err(line, &headers[c], p))?;
                    if builder.explicit_neuron_signs.len() <= i {
                        builder.explicit_neuron_signs.resize(i + 1, false);
                    }
                    builder.explicit_neuron_signs[i] = true;
                    n.sign[i] = s;
                }
                Column::X | Column::Y | Column::Z => {
                    let v = fields::number(cell).map_err(|p| err(line, &headers[c], p))?;
                    xyz[role as usize - Column::X as usize] = Some(v as f32);
                }
                Column::Position => {
                    let p = fields::position(cell).map_err(|p| err(line, &headers[c], p))?;
                    if n.position[i].is_none() {
                        n.position[i] = p;
                    }
                }
            }
        }
        match xyz {
            [Some(x), Some(y), Some(z)] if builder.neurons.position[i].is_none() => {
                builder.neurons.position[i] = Some([x, y, z])
            }
            [None, None, None] | [Some(_), Some(_), Some(_)] => {}
            _ => {
                return Err(ReadError::new(
                    path,
                    Location::Line(line),
                    Problem::Invalid("a position needs all of x, y and z".into()),
                ));
            }
        }
    }
    if rows == 0 {
        return Err(ReadError::new(path, Location::File, Problem::HeaderOnly));
    }
    if index_column {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let what = if index_is_name {
            "holds the neuron names (the table has no name column)"
        } else {
            "was ignored"
        };
        builder.report.add(
            WarningCode::IndexColumn,
            rows,
            format!("{name}: the first column has no header (an index, as pandas writes it) and {what}"),
        );
    }
    Ok(matched)
}

/// Writes the neuron table: `name,class,type,neurotransmitter,sign,x,y,z` (as `x_um` etc.
/// when the unit is one [`coordinate_with_unit`] knows) and then every attribute column.
pub fn write(connectome: &Connectome, out: &mut dyn Write) -> io::Result<()> {
    let n = &connectome.neurons;
    let mut w = csv::Writer::from_writer(out);
    let axes: Vec<String> = ["x", "y", "z"]
        .iter()
        .map(|axis| match &n.position_unit {
            Some(unit) if coordinate_with_unit(&format!("{axis}_{unit}")).is_some() => format!("{axis}_{unit}"),
            _ => axis.to_string(),
        })
        .collect();
    let mut header = vec!["name", "class", "type", "neurotransmitter", "sign"];
    header.extend(axes.iter().map(String::as_str));
    header.extend(n.attributes.iter().map(|(name, _)| name.as_str()));
    w.write_record(&header)?;
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for i in 0..n.len() {
        row.clear();
        row.push(n.name(i).to_owned());
        for col in [&n.class, &n.cell_type, &n.neurotransmitter] {
            row.push(col.get(i).unwrap_or("").to_owned());
        }
        row.push(sign_cell(n.sign[i]).to_owned());
        match n.position[i] {
            Some(p) => row.extend(p.iter().map(|v| v.to_string())),
            None => row.extend(["", "", ""].map(String::from)),
        }
        for (_, col) in &n.attributes {
            row.push(col.get(i).unwrap_or("").to_owned());
        }
        w.write_record(&row)?;
    }
    w.flush()
}

/// How a sign is written in our tables.
pub fn sign_cell(sign: crate::model::Sign) -> &'static str {
    match sign {
        crate::model::Sign::Excitatory => "+",
        crate::model::Sign::Inhibitory => "-",
        crate::model::Sign::Unknown => "",
    }
}
