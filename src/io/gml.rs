//! GML reader (Graph Modelling Language, as networkx, igraph, Cytoscape and Pajek-era tools
//! write it).
//!
//! A GML file is a list of `key value` pairs whose values are numbers, `"strings"` (with
//! `&quot;`-style entities) or `[ ... ]` lists; `#` starts a comment. We read the first
//! `graph [ ... ]`:
//! - `directed 1` makes edges without a kind chemical synapses; without it (GML's default is
//!   undirected) they are undirected connections (reported). `multigraph 1` allows parallel
//!   edges: like repeated rows of an edge list, they are summed (reported).
//! - Nodes: `id` is what edges refer to; the neuron's name is the node's `label` (networkx),
//!   else its `name` (igraph), else its `id`; when those are not unique the ids name the nodes
//!   (reported). Other values mean what they mean in GraphML (`class`, `type`, `x` / `y` / `z`,
//!   `sign`, ...; anything else is kept as a neuron attribute); `graphics [ x y z ]` gives a
//!   position when the node has none of its own.
//! - Edges: `source` and `target` ids; `weight`, `type` / `kind` (an unknown value: kind
//!   `other`, kept and reported), `sign`, `delay` as in GraphML. networkx's multigraph `key`
//!   and any `id` are ignored.
//! - Graph values `weight_unit` and `position_unit` set the units.

use std::io::Read;
use std::path::Path;

use rustc_hash::FxHashMap as HashMap;

use crate::model::{Connectome, EdgeKind, WarningCode};

use super::xml::{Collector, EdgeRow, Keys, NodeState};
use super::{LoadOptions, Location, Problem, ReadError, Source, from_io};

/// Lists nested deeper than this are refused (a file is not a stack-overflow test).
const MAX_DEPTH: usize = 64;

/// A value: text (numbers are kept as written) or a list of key-value pairs.
#[derive(Debug)]
enum Value {
    Text(String),
    List(Vec<Item>),
}

#[derive(Debug)]
struct Item {
    key: String,
    value: Value,
    /// Line of the key.
    line: u64,
}

pub fn read(source: Source, options: &LoadOptions) -> Result<Connectome, ReadError> {
    let (path, mut guard) = source.text(None)?;
    let mut bytes = Vec::new();
    if let Err(e) = guard.read_to_end(&mut bytes) {
        let err = from_io(&path, &e, None);
        return Err(guard.prefer_gzip_error(&path, err));
    }
    let text = String::from_utf8(bytes).map_err(|_| ReadError::new(&path, Location::File, Problem::NotUtf8))?;
    let items = Parser::new(&path, &text).document()?;
    let Some(graph) = items.into_iter().find(|i| i.key.eq_ignore_ascii_case("graph")) else {
        return Err(ReadError::new(
            &path,
            Location::File,
            Problem::UnknownFormat("not a GML document: no `graph [ ... ]`".into()),
        ));
    };
    let Value::List(graph) = graph.value else {
        return Err(ReadError::new(
            &path,
            Location::Line(graph.line),
            Problem::Invalid("`graph` is not a list".into()),
        ));
    };
    build(&path, graph, options)
}

fn build(path: &Path, graph: Vec<Item>, options: &LoadOptions) -> Result<Connectome, ReadError> {
    let at = |line: u64, problem: Problem| ReadError::new(path, Location::Line(line), problem);
    let mut c = Collector::new(options);
    let mut directed = false;
    let (mut nodes, mut edges) = (Vec::new(), Vec::new());
    for item in graph {
        match (item.key.as_str(), item.value) {
            ("directed", Value::Text(v)) => directed = v.trim() == "1",
            ("node", Value::List(list)) => nodes.push((item.line, list)),
            ("edge", Value::List(list)) => edges.push((item.line, list)),
            (key, Value::Text(v)) => c.graph_value(&key.to_ascii_lowercase(), &v),
            _ => {}
        }
    }
    // Each node's id and the name it will have.
    let mut ids = Vec::with_capacity(nodes.len());
    let mut names = Vec::with_capacity(nodes.len());
    let mut name_keys = Vec::with_capacity(nodes.len());
    for (line, list) in &nodes {
        let text = |key: &str| {
            list.iter().find_map(|i| match &i.value {
                Value::Text(v) if i.key == key && !v.trim().is_empty() => Some(v.trim()),
                _ => None,
            })
        };
        let id = text("id").ok_or_else(|| at(*line, Problem::Invalid("a node has no id".into())))?;
        let (name, key) = match (text("label"), text("name")) {
            (Some(label), _) => (label, "label"),
            (None, Some(name)) => (name, "name"),
            (None, None) => (id, "id"),
        };
        ids.push(id.to_owned());
        names.push(name.to_owned());
        name_keys.push(key);
    }
    let mut seen = HashMap::default();
    let unique = names.iter().all(|n| seen.insert(n.as_str(), ()).is_none());
    if !unique {
        c.b.report.add(
            WarningCode::Interpretation,
            names.len(),
            "node labels are not unique: the nodes are named by their ids, their labels kept as attributes",
        );
        names.clone_from(&ids);
        name_keys.fill("id");
    }
    let mut index_of_id: HashMap<&str, usize> = HashMap::default();
    // Node and edge values of one name may mean different things (`type`: a cell type, a kind).
    let (mut node_keys, mut edge_keys) = (Keys::default(), Keys::default());
    for (k, (line, list)) in nodes.iter().enumerate() {
        let index = c.node(&names[k]).map_err(|p| match p {
            Problem::DuplicateNode(_) => at(*line, Problem::DuplicateNode(ids[k].clone())),
            p => at(*line, p),
        })?;
        if index_of_id.insert(&ids[k], index).is_some() {
            return Err(at(*line, Problem::DuplicateNode(ids[k].clone())));
        }
        let mut node = NodeState::new(index, *line);
        c.node_defaults(&mut node).map_err(|(l, p)| at(l, p))?;
        let mut graphics = None;
        for item in list {
            match &item.value {
                Value::Text(_) if item.key == "id" || item.key == name_keys[k] => {}
                Value::Text(v) => {
                    let d = c.declared(&mut node_keys, &item.key, true, false);
                    c.node_value(&mut node, d, v).map_err(|p| at(item.line, p))?;
                }
                Value::List(g) if item.key == "graphics" => graphics = position(g, path)?,
                Value::List(_) => {}
            }
        }
        if node.position.is_none() && node_has_no_xyz(list) {
            node.position = graphics;
        }
        c.node_end(&node).map_err(|p| at(*line, p))?;
    }
    let default = if directed {
        EdgeKind::Chemical
    } else {
        EdgeKind::Undirected
    };
    let mut row = EdgeRow::default();
    for (line, list) in &edges {
        let end = |key: &str| {
            let id = list.iter().find_map(|i| match &i.value {
                Value::Text(v) if i.key == key => Some(v.trim()),
                _ => None,
            });
            let id = id.ok_or_else(|| at(*line, Problem::Invalid(format!("an edge has no {key}"))))?;
            let index = index_of_id
                .get(id)
                .ok_or_else(|| at(*line, Problem::UnknownNode(id.to_owned())))?;
            // Nodes were added in order: neuron `index` is node `index`.
            Ok::<_, ReadError>(names[*index].as_str())
        };
        let (source, target) = (end("source")?, end("target")?);
        row.start(source, target, *line);
        c.edge_defaults(&mut row).map_err(|(l, p)| at(l, p))?;
        for item in list {
            match (&item.value, item.key.as_str()) {
                (Value::Text(_), "source" | "target" | "key" | "id") | (Value::List(_), _) => {}
                (Value::Text(v), key) => {
                    let d = c.declared(&mut edge_keys, key, false, true);
                    c.edge_value(&mut row, d, v).map_err(|p| at(item.line, p))?;
                }
            }
        }
        c.edge(&row, default).map_err(|p| at(*line, p))?;
    }
    c.finish(path, 1, options)
}

fn node_has_no_xyz(list: &[Item]) -> bool {
    !list
        .iter()
        .any(|i| matches!(i.key.as_str(), "x" | "y" | "z" | "position"))
}

/// The `x`, `y` (and `z`) of a `graphics [ ... ]` list, if it has x and y.
fn position(list: &[Item], path: &Path) -> Result<Option<[f32; 3]>, ReadError> {
    let mut xyz = [None; 3];
    for item in list {
        let slot = match item.key.as_str() {
            "x" => 0,
            "y" => 1,
            "z" => 2,
            _ => continue,
        };
        if let Value::Text(v) = &item.value {
            let v = super::fields::number(v).map_err(|p| ReadError::new(path, Location::Line(item.line), p))?;
            xyz[slot] = Some(v as f32);
        }
    }
    Ok(match xyz {
        [Some(x), Some(y), z] => Some([x, y, z.unwrap_or(0.0)]),
        _ => None,
    })
}

/// A recursive-descent parser over the whole text, counting lines.
struct Parser<'a> {
    path: &'a Path,
    text: &'a str,
    pos: usize,
    line: u64,
}

impl<'a> Parser<'a> {
    fn new(path: &'a Path, text: &'a str) -> Parser<'a> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Parser {
            path,
            text,
            pos: 0,
            line: 1,
        }
    }

    fn error(&self, problem: Problem) -> ReadError {
        ReadError::new(self.path, Location::Line(self.line), problem)
    }

    fn document(&mut self) -> Result<Vec<Item>, ReadError> {
        if self.text.trim().is_empty() {
            return Err(ReadError::new(self.path, Location::File, Problem::Empty));
        }
        let items = self.list(0)?;
        if self.pos < self.text.len() {
            return Err(self.error(Problem::Invalid("']' without a matching '['".into())));
        }
        Ok(items)
    }

    /// Skips white space and comments.
    fn skip(&mut self) {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() {
            match bytes[self.pos] {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'#' => {
                    while self.pos < bytes.len() && bytes[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    /// Key-value pairs up to a `]` (not consumed) or the end.
    fn list(&mut self, depth: usize) -> Result<Vec<Item>, ReadError> {
        if depth > MAX_DEPTH {
            return Err(self.error(Problem::Invalid(format!("lists nested deeper than {MAX_DEPTH}"))));
        }
        let mut items = Vec::new();
        loop {
            self.skip();
            if self.pos >= self.text.len() || self.text.as_bytes()[self.pos] == b']' {
                return Ok(items);
            }
            let line = self.line;
            let key = self.word();
            let valid = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                let shown: String = key.chars().take(40).collect();
                let why = format!("not GML: '{shown}' is not a key (keys are words such as graph, node, edge)");
                return Err(self.error(Problem::UnknownFormat(why)));
            }
            let key = key.to_owned();
            self.skip();
            let value = match self.text.as_bytes().get(self.pos) {
                None => return Err(self.error(Problem::Truncated)),
                Some(b'[') => {
                    self.pos += 1;
                    let inner = self.list(depth + 1)?;
                    if self.pos >= self.text.len() {
                        return Err(self.error(Problem::Truncated));
                    }
                    self.pos += 1;
                    Value::List(inner)
                }
                Some(b']') => return Err(self.error(Problem::Invalid(format!("'{key}' has no value")))),
                Some(b'"') => Value::Text(self.string()?),
                Some(_) => Value::Text(self.word().to_owned()),
            };
            items.push(Item { key, value, line });
        }
    }

    /// A bare word or number: up to ASCII white space or a bracket, at least one byte (callers
    /// stand on a byte that is neither, or on a bracket, which is then the word).
    fn word(&mut self) -> &'a str {
        let rest = &self.text[self.pos..];
        let len = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '[' || c == ']')
            .unwrap_or(rest.len())
            .max(1)
            .min(rest.len());
        self.pos += len;
        &rest[..len]
    }

    /// A quoted string, entities decoded.
    fn string(&mut self) -> Result<String, ReadError> {
        let start_line = self.line;
        let rest = &self.text[self.pos + 1..];
        let Some(end) = rest.find('"') else {
            self.line = start_line;
            return Err(self.error(Problem::Truncated));
        };
        let raw = &rest[..end];
        self.line += raw.matches('\n').count() as u64;
        self.pos += end + 2;
        Ok(unescape(raw))
    }
}

/// Decodes `&quot;`, `&amp;`, `&lt;`, `&gt;`, `&apos;` and numeric `&#...;` references; any
/// other `&` is kept as it is.
fn unescape(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "quot" => Some('"'),
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "apos" => Some('\''),
                _ => {
                    let code = if let Some(hex) = entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                        u32::from_str_radix(hex, 16).ok()
                    } else {
                        entity.strip_prefix('#').and_then(|d| d.parse().ok())
                    };
                    code.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            unescape("a &quot;b&quot; &amp; &#233;&#x41; & c &bogus;"),
            "a \"b\" & éA & c &bogus;"
        );
    }
}
