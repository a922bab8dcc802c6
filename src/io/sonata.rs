//! SONATA (<https://github.com/AllenInstitute/sonata>), the network format of the BBP and Allen
//! tools, read by NEST 3.5+ (built with HDF5): a folder `NAME.sonata/` with
//! `circuit_config.json`, `nodes.h5`, `edges.h5`, `node_types.csv` and `edge_types.csv`
//! (space-separated), and the neuron model's parameters in
//! `components/point_neuron_models/iaf_psc_exp.json`. HDF5 through the pure-Rust `hdf5-pure`.
//!
//! We write one node population ([`POPULATION`]): one node type (100, `point_neuron`,
//! `nest:iaf_psc_exp`, connectoscope's LIF defaults), the neuron `name`, positions `x`, `y`, `z`
//! and the annotations (`class`, `cell_type`, `neurotransmitter`, `sign` and any other column)
//! as attributes of node group 0 (missing values as "" or NaN). One edge population holds every
//! connection: `edge_type_id` 100 chemical, 101 electrical (each junction once), 102 other;
//! `syn_weight` is the weight signed by the connection's sign (inhibitory negative); `delay` is
//! the connection's, else [`DEFAULT_DELAY_MS`]; both indices (source→target and
//! target→source) are written. Reading takes the first node and edge population, node and edge
//! attributes from the `.h5` groups or the type tables (bmtk keeps `syn_weight`, `delay` there),
//! and refuses more than one node or edge group.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use hdf5_pure::{AttrValue, DType, FileBuilder};

use super::{LoadOptions, Location, Problem, ReadError};
use crate::model::{Connectome, ConnectomeBuilder, EdgeKind, Sign};

/// The node (and edge) population we write.
pub const POPULATION: &str = "neurons";
/// The delay written for connections without their own: `simulate`'s default.
pub const DEFAULT_DELAY_MS: f64 = 1.5;
/// SONATA's magic number, a root attribute of both files.
const MAGIC: u32 = 0x0A7A;
const EDGE_TYPES: [(i64, EdgeKind, &str); 3] = [
    (100, EdgeKind::Chemical, "static_synapse"),
    (101, EdgeKind::Electrical, "gap_junction"),
    (102, EdgeKind::Other, "static_synapse"),
];

/// Whether a folder looks like a SONATA circuit.
pub fn looks_like(dir: &Path) -> bool {
    dir.join("circuit_config.json").is_file() || dir.join("nodes.h5").is_file()
}

fn h5_error(path: &Path, e: impl std::fmt::Display) -> ReadError {
    ReadError::new(
        path,
        Location::File,
        Problem::Invalid(format!("not a readable SONATA HDF5 file: {e}")),
    )
}

fn invalid(path: &Path, message: String) -> ReadError {
    ReadError::new(path, Location::File, Problem::Invalid(message))
}

// ---------------------------------------------------------------- writing

/// Writes `connectome` as a SONATA folder `dir` (atomically; an existing folder is replaced).
pub fn write_dir(connectome: &Connectome, dir: &Path) -> io::Result<()> {
    super::write_dir_atomically(dir, true, |tmp| {
        fs::write(tmp.join("nodes.h5"), nodes_h5(connectome)?)?;
        fs::write(tmp.join("edges.h5"), edges_h5(connectome)?)?;
        fs::write(
            tmp.join("node_types.csv"),
            "node_type_id model_type model_template dynamics_params\n100 point_neuron nest:iaf_psc_exp iaf_psc_exp.json\n",
        )?;
        let mut edge_types = String::from("edge_type_id model_template connection\n");
        for (id, kind, template) in EDGE_TYPES {
            edge_types.push_str(&format!("{id} {template} {}\n", kind.as_str()));
        }
        fs::write(tmp.join("edge_types.csv"), edge_types)?;
        let models = tmp.join("components").join("point_neuron_models");
        fs::create_dir_all(&models)?;
        fs::write(models.join("iaf_psc_exp.json"), lif_dynamics_params())?;
        fs::write(tmp.join("circuit_config.json"), circuit_config())?;
        Ok(())
    })
}

/// The LIF defaults in NEST's names (the parameter set of node type 100).
fn lif_dynamics_params() -> String {
    let p = crate::sim::lif::LifParams::default();
    let v = serde_json::json!({
        "C_m": p.c_m, "tau_m": p.tau_m, "E_L": p.e_l, "V_m": p.e_l, "V_th": p.v_th,
        "V_reset": p.v_reset, "t_ref": p.t_ref, "tau_syn_ex": p.tau_syn_ex, "tau_syn_in": p.tau_syn_in,
    });
    format!("{v:#}\n")
}

fn circuit_config() -> String {
    let v = serde_json::json!({
        "manifest": {"$BASE_DIR": "."},
        "components": {"point_neuron_models_dir": "$BASE_DIR/components/point_neuron_models"},
        "networks": {
            "nodes": [{"nodes_file": "$BASE_DIR/nodes.h5", "node_types_file": "$BASE_DIR/node_types.csv"}],
            "edges": [{"edges_file": "$BASE_DIR/edges.h5", "edge_types_file": "$BASE_DIR/edge_types.csv"}]
        }
    });
    format!("{v:#}\n")
}

fn root_attributes(b: &mut FileBuilder) {
    b.set_attr("magic", AttrValue::U32(MAGIC));
    b.set_attr("version", AttrValue::U32Array(vec![0, 1]));
}

fn to_io(e: hdf5_pure::Error) -> io::Error {
    io::Error::other(e.to_string())
}

fn nodes_h5(c: &Connectome) -> io::Result<Vec<u8>> {
    let n = c.neurons.len();
    let neurons = &c.neurons;
    let mut b = FileBuilder::new();
    root_attributes(&mut b);
    let mut nodes = b.create_group("nodes");
    let mut pop = nodes.create_group(POPULATION);
    pop.create_dataset("node_type_id").with_i64_data(&vec![100; n]);
    pop.create_dataset("node_id")
        .with_u64_data(&(0..n as u64).collect::<Vec<_>>());
    pop.create_dataset("node_group_id").with_i64_data(&vec![0; n]);
    pop.create_dataset("node_group_index")
        .with_i64_data(&(0..n as i64).collect::<Vec<_>>());
    let mut group = pop.create_group("0");
    let names: Vec<&str> = neurons.names().iter().map(String::as_str).collect();
    group.create_dataset("name").with_vlen_strings(&names);
    if neurons.has_positions() {
        for (axis, name) in ["x", "y", "z"].iter().enumerate() {
            let values: Vec<f64> = neurons
                .position
                .iter()
                .map(|p| p.map_or(f64::NAN, |p| p[axis] as f64))
                .collect();
            let ds = group.create_dataset(name);
            ds.with_f64_data(&values);
            if let Some(unit) = &neurons.position_unit {
                ds.set_attr("units", AttrValue::VarLenString(unit.clone()));
            }
        }
    }
    let mut columns: Vec<(&str, Vec<&str>)> = Vec::new();
    for (name, col) in [
        ("class", &neurons.class),
        ("cell_type", &neurons.cell_type),
        ("neurotransmitter", &neurons.neurotransmitter),
    ] {
        if !col.is_empty() {
            columns.push((name, (0..n).map(|i| col.get(i).unwrap_or("")).collect()));
        }
    }
    if neurons.sign.iter().any(|s| *s != Sign::Unknown) {
        let signs = neurons
            .sign
            .iter()
            .map(|s| match s {
                Sign::Excitatory => "excitatory",
                Sign::Inhibitory => "inhibitory",
                Sign::Unknown => "",
            })
            .collect();
        columns.push(("sign", signs));
    }
    for (name, col) in &neurons.attributes {
        if RESERVED.contains(&name.as_str()) {
            continue;
        }
        columns.push((name, (0..n).map(|i| col.get(i).unwrap_or("")).collect()));
    }
    for (name, values) in &columns {
        group.create_dataset(name).with_vlen_strings(values);
    }
    pop.add_group(group.finish());
    nodes.add_group(pop.finish());
    b.add_group(nodes.finish());
    b.finish().map_err(to_io)
}

/// Node group datasets with a fixed meaning (not free annotations).
const RESERVED: [&str; 8] = ["name", "x", "y", "z", "class", "cell_type", "neurotransmitter", "sign"];

/// One edge as written: (source, target, type id, signed weight, delay).
type Row = (u64, u64, i64, f64, f64);

fn edge_rows(c: &Connectome) -> Vec<Row> {
    let mut rows = Vec::new();
    for (type_id, kind, _) in EDGE_TYPES {
        let edges = c.edges(kind);
        for id in 0..edges.len() {
            let e = edges.get(id);
            let sign = if c.edge_sign(kind, id) == Sign::Inhibitory {
                -1.0
            } else {
                1.0
            };
            let delay = e.delay.map_or(DEFAULT_DELAY_MS, f64::from);
            rows.push((e.pre as u64, e.post as u64, type_id, sign * e.weight, delay));
        }
    }
    // Sorted by source (stable: within a source, by kind then target), so each source's
    // edges are one range.
    rows.sort_by_key(|r| r.0);
    rows
}

/// SONATA's index of a node → edge mapping: `node_id_to_ranges` (n × 2, rows of
/// `range_to_edge_id`) and `range_to_edge_id` (ranges × 2, edge ids), for edges listed by
/// `key` (the node each edge belongs to), visiting edges in id order within a node.
fn index(n: usize, key: &[u64]) -> (Vec<u64>, Vec<u64>) {
    let mut order: Vec<u64> = (0..key.len() as u64).collect();
    order.sort_by_key(|&e| key[e as usize]);
    let mut node_ranges = vec![0u64; 2 * n];
    let mut ranges: Vec<u64> = Vec::new();
    let mut at = 0;
    for node in 0..n as u64 {
        let first_range = ranges.len() as u64 / 2;
        while at < order.len() && key[order[at] as usize] == node {
            let start = order[at];
            let mut end = start + 1;
            at += 1;
            while at < order.len() && key[order[at] as usize] == node && order[at] == end {
                end += 1;
                at += 1;
            }
            ranges.extend([start, end]);
        }
        let last_range = ranges.len() as u64 / 2;
        node_ranges[2 * node as usize] = first_range;
        node_ranges[2 * node as usize + 1] = last_range;
    }
    (node_ranges, ranges)
}

fn edges_h5(c: &Connectome) -> io::Result<Vec<u8>> {
    let n = c.neurons.len();
    let rows = edge_rows(c);
    let m = rows.len();
    let sources: Vec<u64> = rows.iter().map(|r| r.0).collect();
    let targets: Vec<u64> = rows.iter().map(|r| r.1).collect();
    let mut b = FileBuilder::new();
    root_attributes(&mut b);
    let mut edges = b.create_group("edges");
    let mut pop = edges.create_group(POPULATION);
    for (name, ids) in [("source_node_id", &sources), ("target_node_id", &targets)] {
        pop.create_dataset(name)
            .with_u64_data(ids)
            .set_attr("node_population", AttrValue::VarLenString(POPULATION.into()));
    }
    pop.create_dataset("edge_type_id")
        .with_i64_data(&rows.iter().map(|r| r.2).collect::<Vec<_>>());
    pop.create_dataset("edge_group_id").with_i64_data(&vec![0; m]);
    pop.create_dataset("edge_group_index")
        .with_i64_data(&(0..m as i64).collect::<Vec<_>>());
    let mut group = pop.create_group("0");
    group
        .create_dataset("syn_weight")
        .with_f64_data(&rows.iter().map(|r| r.3).collect::<Vec<_>>())
        .set_attr("units", AttrValue::VarLenString(c.weight_unit.clone()));
    group
        .create_dataset("delay")
        .with_f64_data(&rows.iter().map(|r| r.4).collect::<Vec<_>>());
    pop.add_group(group.finish());
    let mut indices = pop.create_group("indices");
    for (name, key) in [("source_to_target", &sources), ("target_to_source", &targets)] {
        let (node_ranges, ranges) = index(n, key);
        let mut g = indices.create_group(name);
        g.create_dataset("node_id_to_ranges")
            .with_u64_data(&node_ranges)
            .with_shape(&[n as u64, 2]);
        g.create_dataset("range_to_edge_id")
            .with_u64_data(&ranges)
            .with_shape(&[ranges.len() as u64 / 2, 2]);
        indices.add_group(g.finish());
    }
    pop.add_group(indices.finish());
    edges.add_group(pop.finish());
    b.add_group(edges.finish());
    b.finish().map_err(to_io)
}

// ---------------------------------------------------------------- reading

/// The files of a circuit: from `circuit_config.json` (its first nodes and edges entries,
/// `$BASE_DIR` and manifest variables resolved), else `nodes.h5`, `edges.h5` and the type
/// tables beside them.
struct Files {
    nodes: PathBuf,
    node_types: Option<PathBuf>,
    edges: Option<PathBuf>,
    edge_types: Option<PathBuf>,
}

fn locate(dir: &Path) -> Result<Files, ReadError> {
    let config_path = dir.join("circuit_config.json");
    // Without a config: `nodes.h5` etc., else the one file ending so (bmtk's `POP_nodes.h5`).
    let beside = |suffix: &str| -> Option<PathBuf> {
        let exact = dir.join(suffix);
        if exact.is_file() {
            return Some(exact);
        }
        let mut found: Vec<PathBuf> = fs::read_dir(dir)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && p.file_name()
                        .is_some_and(|n| n.to_string_lossy().ends_with(&format!("_{suffix}")))
            })
            .collect();
        (found.len() == 1).then(|| found.remove(0))
    };
    if !config_path.is_file() {
        return Ok(Files {
            nodes: beside("nodes.h5").unwrap_or_else(|| dir.join("nodes.h5")),
            node_types: beside("node_types.csv"),
            edges: beside("edges.h5"),
            edge_types: beside("edge_types.csv"),
        });
    }
    let text = fs::read_to_string(&config_path).map_err(|e| invalid(&config_path, e.to_string()))?;
    let config: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| invalid(&config_path, format!("invalid JSON: {e}")))?;
    let mut vars: Vec<(String, String)> = vec![("$BASE_DIR".into(), ".".into())];
    if let Some(manifest) = config.get("manifest").and_then(|m| m.as_object()) {
        for (k, v) in manifest {
            if let Some(v) = v.as_str() {
                vars.retain(|(name, _)| name != k);
                vars.push((k.clone(), v.to_owned()));
            }
        }
    }
    let resolve = |p: &str| -> PathBuf {
        let mut s = p.to_owned();
        // Manifest entries may refer to each other: a few rounds settle them.
        for _ in 0..4 {
            for (k, v) in &vars {
                s = s.replace(k.as_str(), v);
            }
        }
        let path = PathBuf::from(s);
        if path.is_absolute() { path } else { dir.join(path) }
    };
    let entry = |list: &str, key: &str| -> Option<PathBuf> {
        let first = config.get("networks")?.get(list)?.as_array()?.first()?;
        first.get(key)?.as_str().map(resolve)
    };
    let nodes = entry("nodes", "nodes_file")
        .ok_or_else(|| invalid(&config_path, "networks.nodes[0].nodes_file is missing".into()))?;
    Ok(Files {
        nodes,
        node_types: entry("nodes", "node_types_file"),
        edges: entry("edges", "edges_file"),
        edge_types: entry("edges", "edge_types_file"),
    })
}

/// A type table (space-separated, first column the type id): rows by id, columns by name.
type TypeTable = HashMap<i64, HashMap<String, String>>;

fn read_types(path: &Path) -> Result<TypeTable, ReadError> {
    let text = fs::read_to_string(path).map_err(|e| invalid(path, e.to_string()))?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok(TypeTable::new());
    };
    let columns: Vec<&str> = header.split_whitespace().collect();
    let mut table = TypeTable::new();
    for (k, line) in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != columns.len() {
            return Err(ReadError::new(
                path,
                Location::Line(k as u64 + 1),
                Problem::Ragged {
                    expected: columns.len(),
                    found: fields.len(),
                },
            ));
        }
        let id: i64 = fields[0].parse().map_err(|_| {
            ReadError::new(
                path,
                Location::Line(k as u64 + 1),
                Problem::NotANumber(fields[0].into()),
            )
        })?;
        let row = columns[1..]
            .iter()
            .map(|c| c.to_string())
            .zip(fields[1..].iter().map(|f| f.to_string()));
        table.insert(id, row.collect());
    }
    Ok(table)
}

fn open_h5(path: &Path) -> Result<hdf5_pure::File, ReadError> {
    hdf5_pure::File::open(path).map_err(|e| h5_error(path, e))
}

/// The first population of `nodes` or `edges`, with a note when there are more.
fn population(file: &hdf5_pure::File, path: &Path, top: &str) -> Result<String, ReadError> {
    let group = file
        .group(top)
        .map_err(|e| h5_error(path, format!("no /{top} group ({e})")))?;
    let mut names = group.groups().map_err(|e| h5_error(path, e))?;
    names.sort();
    match names.len() {
        0 => Err(invalid(path, format!("/{top} has no population"))),
        1 => Ok(names.remove(0)),
        k => Err(invalid(
            path,
            format!(
                "/{top} has {k} populations ({}); connectoscope reads one",
                names.join(", ")
            ),
        )),
    }
}

/// The group id all rows share; more than one group is refused.
fn single_group(file: &hdf5_pure::File, path: &Path, dataset: &str, what: &str) -> Result<Option<i64>, ReadError> {
    let Ok(ds) = file.dataset(dataset) else { return Ok(None) };
    let ids = ds.read_i64().map_err(|e| h5_error(path, e))?;
    let mut distinct: Vec<i64> = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    match distinct.len() {
        0 => Ok(None),
        1 => Ok(Some(distinct[0])),
        k => Err(invalid(
            path,
            format!(
                "{dataset}: {k} {what} groups ({distinct:?}); connectoscope reads SONATA files with one {what} group"
            ),
        )),
    }
}

/// A 1-D dataset's values as strings (numbers formatted), or None for other shapes/types.
fn column_strings(ds: &hdf5_pure::Dataset) -> Result<Option<Vec<String>>, hdf5_pure::Error> {
    if ds.shape()?.len() != 1 {
        return Ok(None);
    }
    Ok(match ds.dtype()? {
        DType::String | DType::VariableLengthString => Some(ds.read_string()?),
        DType::F32 | DType::F64 => Some(ds.read_f64()?.iter().map(|v| v.to_string()).collect()),
        DType::I8 | DType::I16 | DType::I32 | DType::I64 | DType::U8 | DType::U16 | DType::U32 => {
            Some(ds.read_i64()?.iter().map(|v| v.to_string()).collect())
        }
        DType::U64 => Some(ds.read_u64()?.iter().map(|v| v.to_string()).collect()),
        _ => None,
    })
}

/// Reads a SONATA folder: nodes (names, positions, annotations) and edges.
pub fn read_dir(dir: &Path, options: &LoadOptions) -> Result<Connectome, ReadError> {
    let files = locate(dir)?;
    let node_path = &files.nodes;
    if !node_path.is_file() {
        return Err(invalid(node_path, "no such file (the SONATA nodes file)".into()));
    }
    let nodes = open_h5(node_path)?;
    let pop = population(&nodes, node_path, "nodes")?;
    let base = format!("nodes/{pop}");
    let type_ids = nodes
        .dataset(&format!("{base}/node_type_id"))
        .and_then(|d| d.read_i64())
        .map_err(|e| h5_error(node_path, format!("{base}/node_type_id: {e}")))?;
    let n = type_ids.len();
    let group = single_group(&nodes, node_path, &format!("{base}/node_group_id"), "node")?;
    let index: Vec<usize> = match nodes.dataset(&format!("{base}/node_group_index")) {
        Ok(ds) => ds
            .read_i64()
            .map_err(|e| h5_error(node_path, e))?
            .into_iter()
            .map(|v| v.max(0) as usize)
            .collect(),
        Err(_) => (0..n).collect(),
    };
    if index.len() != n {
        return Err(invalid(
            node_path,
            format!("{base}: node_group_index has {} rows for {n} nodes", index.len()),
        ));
    }
    // Attributes of the node group, by name, in the file's order of names.
    let mut columns: Vec<(String, Vec<String>)> = Vec::new();
    let mut xyz: [Option<Vec<f64>>; 3] = [None, None, None];
    let mut unit = None;
    if let Some(g) = group {
        let gpath = format!("{base}/{g}");
        if let Ok(grp) = nodes.group(&gpath) {
            let mut names = grp.datasets().map_err(|e| h5_error(node_path, e))?;
            names.sort();
            for name in names {
                let ds = nodes
                    .dataset(&format!("{gpath}/{name}"))
                    .map_err(|e| h5_error(node_path, e))?;
                let axis = ["x", "y", "z"].iter().position(|a| *a == name);
                if let Some(axis) = axis {
                    xyz[axis] = Some(
                        ds.read_f64()
                            .map_err(|e| h5_error(node_path, format!("{gpath}/{name}: {e}")))?,
                    );
                    if let Ok(attrs) = ds.attrs() {
                        unit = attrs.get("units").and_then(attr_string);
                    }
                    continue;
                }
                if let Some(values) =
                    column_strings(&ds).map_err(|e| h5_error(node_path, format!("{gpath}/{name}: {e}")))?
                {
                    columns.push((name, values));
                }
            }
        }
    }
    for (name, values) in &columns {
        if index.iter().any(|&i| i >= values.len()) {
            return Err(invalid(
                node_path,
                format!("{base}: node_group_index points past {name} ({} rows)", values.len()),
            ));
        }
    }
    let node_types = files
        .node_types
        .as_deref()
        .map(read_types)
        .transpose()?
        .unwrap_or_default();

    let mut b = ConnectomeBuilder::new();
    b.neurons_from_table = true;
    b.sign_rule = options.sign_rule;
    let names: Vec<String> = match columns.iter().position(|(c, _)| c == "name") {
        Some(k) => index.iter().map(|&i| columns[k].1[i].clone()).collect(),
        None => (0..n).map(|i| i.to_string()).collect(),
    };
    for (i, name) in names.iter().enumerate() {
        if b.neurons.find(name).is_some() {
            return Err(invalid(node_path, format!("node {i}: the name '{name}' is used twice")));
        }
        b.neurons.find_or_add(name);
    }
    b.explicit_neuron_signs = vec![false; n];
    {
        let nb = &mut b.neurons;
        for (name, values) in &columns {
            for (node, &i) in index.iter().enumerate() {
                let v = values[i].as_str();
                if v.is_empty() {
                    continue;
                }
                match name.as_str() {
                    "name" => {}
                    "class" => nb.class.set(node, v),
                    "cell_type" => nb.cell_type.set(node, v),
                    "neurotransmitter" => nb.neurotransmitter.set(node, v),
                    "sign" => {
                        nb.sign[node] =
                            super::fields::sign(v).map_err(|p| ReadError::new(node_path, Location::File, p))?;
                        b.explicit_neuron_signs[node] = true;
                    }
                    other => nb.attribute_mut(other).set(node, v),
                }
            }
        }
        // The node type's columns (model_type, pop_name, ...) as annotations.
        for (node, id) in type_ids.iter().enumerate() {
            if let Some(row) = node_types.get(id) {
                for (column, value) in row {
                    if column != "dynamics_params" && value != "NULL" {
                        b.neurons.attribute_mut(column).set(node, value);
                    }
                }
            }
        }
        if let [Some(x), Some(y), Some(z)] = &xyz {
            for (node, &i) in index.iter().enumerate() {
                let p = [x.get(i), y.get(i), z.get(i)];
                if let [Some(&x), Some(&y), Some(&z)] = p
                    && x.is_finite()
                    && y.is_finite()
                    && z.is_finite()
                {
                    b.neurons.position[node] = Some([x as f32, y as f32, z as f32]);
                }
            }
            b.neurons.position_unit = unit;
        }
    }
    // Edges name nodes by node_id (0..n when the dataset is absent).
    let node_ids: Vec<u64> = match nodes.dataset(&format!("{base}/node_id")) {
        Ok(ds) => ds.read_u64().map_err(|e| h5_error(node_path, e))?,
        Err(_) => (0..n as u64).collect(),
    };
    if node_ids.len() != n {
        return Err(invalid(
            node_path,
            format!("{base}: node_id has {} rows for {n} nodes", node_ids.len()),
        ));
    }
    let by_id: HashMap<u64, usize> = node_ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    if let Some(edge_path) = &files.edges {
        read_edges(&mut b, edge_path, files.edge_types.as_deref(), &by_id)?;
    }
    b.finish().map_err(|e| invalid(dir, e.to_string()))
}

fn attr_string(v: &AttrValue) -> Option<String> {
    match v {
        AttrValue::String(s)
        | AttrValue::AsciiString(s)
        | AttrValue::VarLenString(s)
        | AttrValue::VarLenAsciiString(s) => Some(s.clone()),
        _ => None,
    }
}

fn read_edges(
    b: &mut ConnectomeBuilder,
    path: &Path,
    types_path: Option<&Path>,
    by_id: &HashMap<u64, usize>,
) -> Result<(), ReadError> {
    let file = open_h5(path)?;
    let pop = population(&file, path, "edges")?;
    let base = format!("edges/{pop}");
    let ids = |name: &str| -> Result<Vec<u64>, ReadError> {
        file.dataset(&format!("{base}/{name}"))
            .and_then(|d| d.read_u64())
            .map_err(|e| h5_error(path, format!("{base}/{name}: {e}")))
    };
    let (sources, targets) = (ids("source_node_id")?, ids("target_node_id")?);
    let m = sources.len();
    if targets.len() != m {
        return Err(invalid(
            path,
            format!("{base}: {m} sources but {} targets", targets.len()),
        ));
    }
    if let Some(bad) = sources.iter().chain(&targets).find(|id| !by_id.contains_key(id)) {
        return Err(invalid(
            path,
            format!("{base}: node id {bad} is not among the {} nodes", by_id.len()),
        ));
    }
    let type_ids: Vec<i64> = match file.dataset(&format!("{base}/edge_type_id")) {
        Ok(ds) => ds.read_i64().map_err(|e| h5_error(path, e))?,
        Err(_) => vec![-1; m],
    };
    let group = single_group(&file, path, &format!("{base}/edge_group_id"), "edge")?;
    let index: Vec<usize> = match file.dataset(&format!("{base}/edge_group_index")) {
        Ok(ds) => ds
            .read_i64()
            .map_err(|e| h5_error(path, e))?
            .into_iter()
            .map(|v| v.max(0) as usize)
            .collect(),
        Err(_) => (0..m).collect(),
    };
    let mut column = |name: &str| -> Result<Option<Vec<f64>>, ReadError> {
        let Some(g) = group else { return Ok(None) };
        match file.dataset(&format!("{base}/{g}/{name}")) {
            Ok(ds) => {
                if name == "syn_weight"
                    && let Some(unit) = ds.attrs().ok().and_then(|a| a.get("units").and_then(attr_string))
                {
                    b.weight_unit = Some(unit);
                }
                let v = ds
                    .read_f64()
                    .map_err(|e| h5_error(path, format!("{base}/{g}/{name}: {e}")))?;
                if index.iter().any(|&i| i >= v.len()) {
                    return Err(invalid(path, format!("{base}: edge_group_index points past {name}")));
                }
                Ok(Some(v))
            }
            Err(_) => Ok(None),
        }
    };
    // bmtk: an edge of `nsyns` synapses weighs nsyns × syn_weight.
    let (weights, delays, nsyns) = (column("syn_weight")?, column("delay")?, column("nsyns")?);
    let types = types_path.map(read_types).transpose()?.unwrap_or_default();
    let type_value = |id: i64, name: &str| -> Option<f64> { types.get(&id)?.get(name)?.parse().ok() };
    for k in 0..m {
        let t = type_ids[k];
        let row = types.get(&t);
        let kind = row
            .and_then(|r| r.get("connection"))
            .and_then(|c| EdgeKind::parse(c))
            .unwrap_or(EdgeKind::Chemical);
        let w = weights
            .as_ref()
            .map(|w| w[index[k]])
            .or_else(|| type_value(t, "syn_weight"))
            .unwrap_or(1.0)
            * nsyns.as_ref().map_or(1.0, |s| s[index[k]]);
        let delay = delays.as_ref().map(|d| d[index[k]]).or_else(|| type_value(t, "delay"));
        if !w.is_finite() || delay.is_some_and(|d| !d.is_finite() || d < 0.0) {
            return Err(invalid(
                path,
                format!("{base}: edge {k} has a weight or delay that is not a finite number"),
            ));
        }
        let sign = if w < 0.0 { Sign::Inhibitory } else { Sign::Unknown };
        b.add_edge(
            kind,
            by_id[&sources[k]],
            by_id[&targets[k]],
            w.abs(),
            sign,
            delay.map(|d| d as f32),
            k as u64 + 1,
        );
    }
    Ok(())
}
