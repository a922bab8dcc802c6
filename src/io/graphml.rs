//! GraphML reader and writer.
//!
//! Reading (streaming):
//! - `<key>` declarations (`attr.name`, `attr.type`, `for`, `<default>`) give each `<data>` its
//!   meaning; values of typed keys (int, long, float, double, boolean) are checked. A `<data>`
//!   whose key is not declared is read as if the key's id were its name.
//! - Nodes: the node `id` is the neuron's name (it is what edges refer to); neurons keep the
//!   document's order. Data named like the columns of a neuron table annotate the neuron:
//!   `class`, `type` / `cell_type`, `neurotransmitter`, `sign`, `x` / `y` / `z` (a position needs
//!   x and y; z defaults to 0) or `position`. Any other data, `label` and `name` included, is
//!   kept as a neuron attribute.
//! - Edges: the weight is `weight` (signed: negative means inhibitory) or a count (`syn_count`,
//!   `synapses`, `count`, ...), else 1. A `type` / `kind` / `edge_type` / `synapse_type` value
//!   names the kind (chemical, electrical / gap junction / EJ, other, undirected; a value we do
//!   not know: kind `other`, the value kept and reported); without one, an edge with
//!   `directed="false"` or in an `edgedefault="undirected"` graph is an undirected connection
//!   (reported) and any other a chemical synapse (a graph without `edgedefault` is directed). `sign`, `delay` and
//!   `nt_type` mean what they mean in edge lists. Edges may precede the nodes they name; one that
//!   names no node is an error. Graph data `weight_unit` and `position_unit` set the units.
//! - Nested graphs are flattened; hyperedges are refused.
//!
//! Writing: one graph with `edgedefault="directed"`. Every connection is one `<edge>` whose
//! `type` data says chemical, electrical, other (or the source's own value) or undirected; a
//! gap junction or undirected connection is written once, from its
//! lower to its higher neuron index. (`directed="false"` would describe it better, but
//! networkx refuses such an edge in a directed graph.) Weights are magnitudes, with the
//! connection's own sign as `sign` data (`+` / `-`).

use std::io::{self, Write};

use quick_xml::events::{BytesStart, Event};

use crate::model::{Connectome, EdgeKind, Sign};

use super::neuron_table::sign_cell;
use super::xml::{Collector, EdgeRow, Keys, NodeState, XmlReader, esc, neuron_sign};
use super::{LoadOptions, Problem, ReadError, Source};

pub fn read(source: Source, options: &LoadOptions) -> Result<Connectome, ReadError> {
    let mut x = XmlReader::open(source, "graphml")?;
    let mut r = GraphMl {
        c: Collector::new(options),
        keys: Keys::default(),
        stack: Vec::new(),
        text: String::new(),
        edge: EdgeRow::default(),
        graphs: 0,
    };
    if let Err(e) = r.run(&mut x) {
        return Err(x.prefer_gzip_error(e));
    }
    r.c.finish(&x.path, r.graphs, options)
}

/// What the element being read is, for the elements that matter.
enum Ctx {
    Other,
    Key(usize),
    /// `<default>` of a key, with the line it is on.
    Default(usize, u64),
    /// A graph, with the kind its `edgedefault` gives edges.
    Graph(EdgeKind),
    Node(NodeState),
    Edge,
    Data(usize, u64),
}

struct GraphMl {
    c: Collector,
    keys: Keys,
    stack: Vec<Ctx>,
    /// Character data of the current `<data>` or `<default>`.
    text: String,
    edge: EdgeRow,
    graphs: usize,
}

impl GraphMl {
    fn run(&mut self, x: &mut XmlReader) -> Result<(), ReadError> {
        let mut buf = Vec::new();
        while let Some(event) = x.next(&mut buf)? {
            match event {
                Event::Start(t) => self.start(x, &t)?,
                Event::Empty(t) => {
                    self.start(x, &t)?;
                    self.end(x)?;
                }
                Event::End(_) => self.end(x)?,
                other => {
                    if matches!(self.stack.last(), Some(Ctx::Data(..) | Ctx::Default(..))) {
                        x.text(&other, &mut self.text)?;
                    }
                }
            }
        }
        x.finish(&mut buf)
    }

    fn start(&mut self, x: &XmlReader, t: &BytesStart) -> Result<(), ReadError> {
        let line = x.line;
        let ctx = match t.local_name().as_ref() {
            "key" => {
                let [id, domain, name, ty] = x.attrs(t, ["id", "for", "attr.name", "attr.type"])?;
                let id = id.ok_or_else(|| x.missing(line, "key", "id"))?;
                // `for` defaults to "all" in the GraphML schema.
                let domain = domain.as_deref().unwrap_or("all");
                let (nodes, edges) = (matches!(domain, "node" | "all"), matches!(domain, "edge" | "all"));
                let name = name.as_deref().unwrap_or(&id);
                let d = self.c.declare(name, ty.as_deref().unwrap_or(""), nodes, edges);
                self.keys.insert(id.into_owned(), d);
                Ctx::Key(d)
            }
            "default" => match self.stack.last() {
                Some(&Ctx::Key(d)) => {
                    self.text.clear();
                    Ctx::Default(d, line)
                }
                _ => Ctx::Other,
            },
            "graph" => {
                let [default] = x.attrs(t, ["edgedefault"])?;
                self.graphs += 1;
                Ctx::Graph(match default.as_deref().map(str::trim) {
                    None | Some("directed") => EdgeKind::Chemical,
                    Some("undirected") => EdgeKind::Undirected,
                    Some(other) => {
                        let why = format!("edgedefault=\"{other}\" is neither directed nor undirected");
                        return Err(x.at(line, "graph", Problem::Invalid(why)));
                    }
                })
            }
            "node" => {
                let [id] = x.attrs(t, ["id"])?;
                let id = id.ok_or_else(|| x.missing(line, "node", "id"))?;
                let index = self.c.node(&id).map_err(|p| x.at(line, "node", p))?;
                let mut node = NodeState::new(index, line);
                self.c
                    .node_defaults(&mut node)
                    .map_err(|(l, p)| x.at(l, "default", p))?;
                Ctx::Node(node)
            }
            "edge" => {
                let [source, target, directed] = x.attrs(t, ["source", "target", "directed"])?;
                let (Some(source), Some(target)) = (source, target) else {
                    return Err(x.missing(line, "edge", "source and target"));
                };
                self.edge.start(&source, &target, line);
                self.edge.direction = match directed.as_deref().map(str::trim) {
                    None => None,
                    Some("true" | "1") => Some(EdgeKind::Chemical),
                    Some("false" | "0") => Some(EdgeKind::Undirected),
                    Some(other) => {
                        let why = format!("directed=\"{other}\" is neither true nor false");
                        return Err(x.at(line, "edge", Problem::Invalid(why)));
                    }
                };
                self.c
                    .edge_defaults(&mut self.edge)
                    .map_err(|(l, p)| x.at(l, "default", p))?;
                Ctx::Edge
            }
            "data" => {
                let [key] = x.attrs(t, ["key"])?;
                let key = key.ok_or_else(|| x.missing(line, "data", "key"))?;
                self.text.clear();
                Ctx::Data(self.c.declared(&mut self.keys, &key, true, true), line)
            }
            "hyperedge" => {
                return Err(x.at(
                    line,
                    "hyperedge",
                    Problem::Invalid("hyperedges are not supported".into()),
                ));
            }
            _ => Ctx::Other,
        };
        self.stack.push(ctx);
        Ok(())
    }

    fn end(&mut self, x: &XmlReader) -> Result<(), ReadError> {
        match self.stack.pop() {
            Some(Ctx::Default(d, line)) => self.c.set_default(d, &self.text, line),
            Some(Ctx::Node(node)) => self.c.node_end(&node).map_err(|p| x.at(node.line, "node", p))?,
            Some(Ctx::Edge) => {
                let default = self.stack.iter().rev().find_map(|c| match c {
                    Ctx::Graph(kind) => Some(*kind),
                    _ => None,
                });
                let kind = default.unwrap_or(EdgeKind::Chemical);
                self.c
                    .edge(&self.edge, kind)
                    .map_err(|p| x.at(self.edge.line, "edge", p))?;
            }
            Some(Ctx::Data(d, line)) => {
                // The data belongs to the element it sits in.
                let result = match self.stack.last_mut() {
                    Some(Ctx::Node(node)) => self.c.node_value(node, d, &self.text),
                    Some(Ctx::Edge) => self.c.edge_value(&mut self.edge, d, &self.text),
                    Some(Ctx::Graph(_)) => {
                        self.c.graph_data(d, &self.text);
                        Ok(())
                    }
                    _ => Ok(()),
                };
                result.map_err(|p| x.at(line, "data", p))?;
            }
            _ => {}
        }
        Ok(())
    }
}

pub fn write(connectome: &Connectome, out: &mut dyn Write) -> io::Result<()> {
    let c = connectome;
    let n = &c.neurons;
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    )?;
    let mut count = 0usize;
    let mut key = |out: &mut dyn Write, domain: &str, name: &str, ty: &str| -> io::Result<String> {
        let id = format!("d{count}");
        count += 1;
        writeln!(
            out,
            r#"  <key id="{id}" for="{domain}" attr.name="{}" attr.type="{ty}"/>"#,
            esc(name)
        )?;
        Ok(id)
    };
    let unit = key(out, "graph", "weight_unit", "string")?;
    let position_unit = match &n.position_unit {
        Some(u) => Some((key(out, "graph", "position_unit", "string")?, u)),
        None => None,
    };
    // Node keys, for what the neurons have.
    let mut columns = Vec::new();
    for (name, col) in [
        ("class", &n.class),
        ("type", &n.cell_type),
        ("neurotransmitter", &n.neurotransmitter),
    ]
    .into_iter()
    .chain(n.attributes.iter().map(|(name, col)| (name.as_str(), col)))
    {
        if !col.is_empty() {
            columns.push((key(out, "node", name, "string")?, col));
        }
    }
    let signs: Vec<Option<&str>> = (0..n.len()).map(|i| neuron_sign(c, i)).collect();
    let sign_key = if signs.iter().any(Option::is_some) {
        Some(key(out, "node", "sign", "string")?)
    } else {
        None
    };
    let xyz = if n.has_positions() {
        Some([
            key(out, "node", "x", "float")?,
            key(out, "node", "y", "float")?,
            key(out, "node", "z", "float")?,
        ])
    } else {
        None
    };
    // Edge keys.
    let all_edges = || {
        EdgeKind::ALL.into_iter().flat_map(|k| {
            let edges = c.edges(k);
            edges
                .iter()
                .enumerate()
                .map(move |(id, e)| (k, e, edges.original_type(id)))
        })
    };
    let kind_key = key(out, "edge", "type", "string")?;
    let weight_key = key(out, "edge", "weight", "double")?;
    let edge_sign_key = if all_edges().any(|(_, e, _)| e.sign != Sign::Unknown) {
        Some(key(out, "edge", "sign", "string")?)
    } else {
        None
    };
    let delay_key = if EdgeKind::ALL.iter().any(|&k| c.edges(k).has_delays()) {
        Some(key(out, "edge", "delay", "float")?)
    } else {
        None
    };

    writeln!(out, r#"  <graph id="G" edgedefault="directed">"#)?;
    writeln!(out, r#"    <data key="{unit}">{}</data>"#, esc(&c.weight_unit))?;
    if let Some((id, u)) = position_unit {
        writeln!(out, r#"    <data key="{id}">{}</data>"#, esc(u))?;
    }
    for (i, sign) in signs.iter().enumerate() {
        write!(out, r#"    <node id="{}">"#, esc(n.name(i)))?;
        for (id, col) in &columns {
            if let Some(v) = col.get(i) {
                write!(out, r#"<data key="{id}">{}</data>"#, esc(v))?;
            }
        }
        if let (Some(id), Some(s)) = (&sign_key, sign) {
            write!(out, r#"<data key="{id}">{s}</data>"#)?;
        }
        if let (Some(ids), Some(p)) = (&xyz, n.position[i]) {
            for (id, v) in ids.iter().zip(p) {
                write!(out, r#"<data key="{id}">{v}</data>"#)?;
            }
        }
        writeln!(out, "</node>")?;
    }
    for (kind, e, original) in all_edges() {
        write!(
            out,
            r#"    <edge source="{}" target="{}"><data key="{kind_key}">{}</data><data key="{weight_key}">{}</data>"#,
            esc(n.name(e.pre as usize)),
            esc(n.name(e.post as usize)),
            esc(original.unwrap_or(kind.as_str())),
            e.weight
        )?;
        if let Some(id) = &edge_sign_key
            && e.sign != Sign::Unknown
        {
            write!(out, r#"<data key="{id}">{}</data>"#, sign_cell(e.sign))?;
        }
        if let (Some(id), Some(d)) = (&delay_key, e.delay) {
            write!(out, r#"<data key="{id}">{d}</data>"#)?;
        }
        writeln!(out, "</edge>")?;
    }
    writeln!(out, "  </graph>\n</graphml>")
}
