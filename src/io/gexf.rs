//! GEXF reader and writer (1.2draft and 1.3; 1.1 files read too).
//!
//! Reading (streaming) follows the GraphML reader (see [`super::graphml`]) for what attribute
//! names mean; GEXF specifics:
//! - `<attributes class="node|edge">` declare `<attribute id title type>` (with `<default>`);
//!   `<attvalue for="id" value="...">` gives a node or edge its values.
//! - Nodes: `id` is the neuron's name; a `label` other than the id is kept as attribute
//!   `label`. `viz:position` gives the position (a missing coordinate is 0), `viz:color` is kept
//!   as attribute `viz_color` (`r,g,b` or `r,g,b,a`) and `viz:size` as `viz_size`.
//! - Edges: `weight` (signed: negative means inhibitory; 1 when absent, unless an attvalue
//!   such as `syn_count` gives one). A `kind` / `type` attvalue or the GEXF 1.3 `kind`
//!   attribute names the kind (a value we do not know: kind `other`, the value kept and
//!   reported); without one, an edge whose `type` (or the graph's `defaultedgetype`,
//!   undirected when absent as the format says) is `undirected` or `mutual` is an undirected
//!   connection (reported), any other a chemical synapse.
//! - The units are read from `weight_unit=...` and `position_unit=...` lines of the
//!   `<meta><description>`.
//!
//! Writing: GEXF 1.3 with the viz namespace and `defaultedgetype="directed"`; each connection
//! is one `<edge>` with a `kind` attvalue (chemical, electrical, other, undirected, or the
//! source's own value of an `other` edge). A gap junction or undirected connection has
//! `type="mutual"`: it works both ways, which Gephi and networkx understand, whereas networkx
//! refuses an `undirected` edge in a directed graph.

use std::io::{self, Write};

use quick_xml::events::{BytesStart, Event};

use crate::model::{Connectome, EdgeKind, Sign};

use super::fields::{self, WeightColumn};
use super::neuron_table::sign_cell;
use super::xml::{Collector, EdgeRow, Keys, NodeState, XmlReader, esc, neuron_sign};
use super::{LoadOptions, Problem, ReadError, Source};

pub fn read(source: Source, options: &LoadOptions) -> Result<Connectome, ReadError> {
    let mut x = XmlReader::open(source, "gexf")?;
    let mut r = Gexf {
        c: Collector::new(options),
        node_keys: Keys::default(),
        edge_keys: Keys::default(),
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Node,
    Edge,
    Other,
}

/// What the element being read is, for the elements that matter.
enum Ctx {
    Other,
    Description,
    /// A graph, with the kind its `defaultedgetype` gives edges.
    Graph(EdgeKind),
    Attributes(Class),
    Attribute(usize),
    /// `<default>` of an attribute, with the line it is on.
    Default(usize, u64),
    Node(NodeState),
    Edge,
}

struct Gexf {
    c: Collector,
    node_keys: Keys,
    edge_keys: Keys,
    stack: Vec<Ctx>,
    /// Character data of the current `<default>` or `<description>`.
    text: String,
    edge: EdgeRow,
    graphs: usize,
}

impl Gexf {
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
                    if matches!(self.stack.last(), Some(Ctx::Description | Ctx::Default(..))) {
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
            "description" => {
                self.text.clear();
                Ctx::Description
            }
            "graph" => {
                let [default] = x.attrs(t, ["defaultedgetype"])?;
                self.graphs += 1;
                Ctx::Graph(match default.as_deref().map(str::trim) {
                    Some("directed") => EdgeKind::Chemical,
                    None | Some("undirected" | "mutual") => EdgeKind::Undirected,
                    Some(other) => {
                        let why = format!("defaultedgetype=\"{other}\" is not directed, undirected or mutual");
                        return Err(x.at(line, "graph", Problem::Invalid(why)));
                    }
                })
            }
            "attributes" => {
                let [class] = x.attrs(t, ["class"])?;
                Ctx::Attributes(match class.as_deref().map(str::trim) {
                    Some("node") => Class::Node,
                    Some("edge") => Class::Edge,
                    _ => Class::Other,
                })
            }
            "attribute" => match self.stack.last() {
                Some(&Ctx::Attributes(class)) if class != Class::Other => {
                    let [id, title, ty] = x.attrs(t, ["id", "title", "type"])?;
                    let id = id.ok_or_else(|| x.missing(line, "attribute", "id"))?;
                    let name = title.as_deref().unwrap_or(&id);
                    let d = self.c.declare(
                        name,
                        ty.as_deref().unwrap_or(""),
                        class == Class::Node,
                        class == Class::Edge,
                    );
                    let keys = if class == Class::Node {
                        &mut self.node_keys
                    } else {
                        &mut self.edge_keys
                    };
                    keys.insert(id.into_owned(), d);
                    Ctx::Attribute(d)
                }
                _ => Ctx::Other,
            },
            "default" => match self.stack.last() {
                Some(&Ctx::Attribute(d)) => {
                    self.text.clear();
                    Ctx::Default(d, line)
                }
                _ => Ctx::Other,
            },
            "node" => {
                let [id, label] = x.attrs(t, ["id", "label"])?;
                let id = id.ok_or_else(|| x.missing(line, "node", "id"))?;
                let index = self.c.node(&id).map_err(|p| x.at(line, "node", p))?;
                let mut node = NodeState::new(index, line);
                self.c
                    .node_defaults(&mut node)
                    .map_err(|(l, p)| x.at(l, "default", p))?;
                if let Some(label) = label.as_deref().map(str::trim)
                    && !label.is_empty()
                    && label != id
                {
                    self.c.b.neurons.attribute_mut("label").set(index, label);
                }
                Ctx::Node(node)
            }
            "edge" => {
                let [source, target, ty, weight, kind] = x.attrs(t, ["source", "target", "type", "weight", "kind"])?;
                let (Some(source), Some(target)) = (source, target) else {
                    return Err(x.missing(line, "edge", "source and target"));
                };
                let at = |p| x.at(line, "edge", p);
                self.edge.start(&source, &target, line);
                self.c
                    .edge_defaults(&mut self.edge)
                    .map_err(|(l, p)| x.at(l, "default", p))?;
                match ty.as_deref().map(str::trim) {
                    None | Some("") => {}
                    Some("directed") => self.edge.direction = Some(EdgeKind::Chemical),
                    Some("undirected" | "mutual") => self.edge.direction = Some(EdgeKind::Undirected),
                    // networkx writes a `type` edge attribute here: a kind.
                    Some(other) => self.edge.set_kind(other),
                }
                if let Some(w) = weight {
                    self.edge.weight = Some(fields::weight(&w, WeightColumn::Signed).map_err(at)?);
                }
                if let Some(k) = kind.filter(|k| !k.trim().is_empty()) {
                    self.edge.set_kind(&k);
                }
                Ctx::Edge
            }
            "attvalue" => {
                let [key, old_key, value] = x.attrs(t, ["for", "id", "value"])?;
                let key = key.or(old_key).ok_or_else(|| x.missing(line, "attvalue", "for"))?;
                let value = value.unwrap_or_default();
                let owner = self
                    .stack
                    .iter_mut()
                    .rev()
                    .find(|c| matches!(c, Ctx::Node(_) | Ctx::Edge));
                let result = match owner {
                    Some(Ctx::Node(node)) => {
                        let d = self.c.declared(&mut self.node_keys, &key, true, false);
                        self.c.node_value(node, d, &value)
                    }
                    Some(Ctx::Edge) => {
                        let d = self.c.declared(&mut self.edge_keys, &key, false, true);
                        self.c.edge_value(&mut self.edge, d, &value)
                    }
                    _ => Ok(()),
                };
                result.map_err(|p| x.at(line, "attvalue", p))?;
                Ctx::Other
            }
            viz @ ("position" | "color" | "size") => {
                // viz elements of a node (those of edges are ignored).
                if let Some(Ctx::Node(node)) = self.stack.last_mut() {
                    viz_value(&mut self.c, node, x, t, viz)?;
                }
                Ctx::Other
            }
            _ => Ctx::Other,
        };
        self.stack.push(ctx);
        Ok(())
    }

    fn end(&mut self, x: &XmlReader) -> Result<(), ReadError> {
        match self.stack.pop() {
            Some(Ctx::Default(d, line)) => self.c.set_default(d, &self.text, line),
            Some(Ctx::Description) => {
                for line in self.text.lines() {
                    if let Some((name, value)) = line.split_once('=') {
                        self.c.graph_value(name.trim(), value);
                    }
                }
            }
            Some(Ctx::Node(node)) => self.c.node_end(&node).map_err(|p| x.at(node.line, "node", p))?,
            Some(Ctx::Edge) => {
                let default = self.stack.iter().rev().find_map(|c| match c {
                    Ctx::Graph(kind) => Some(*kind),
                    _ => None,
                });
                // Outside any graph cannot happen in a valid file; the format's default then.
                let kind = default.unwrap_or(EdgeKind::Undirected);
                self.c
                    .edge(&self.edge, kind)
                    .map_err(|p| x.at(self.edge.line, "edge", p))?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// Reads a `viz:position`, `viz:color` or `viz:size` of a node.
fn viz_value(
    c: &mut Collector,
    node: &mut NodeState,
    x: &XmlReader,
    t: &BytesStart,
    viz: &str,
) -> Result<(), ReadError> {
    let line = x.line;
    let invalid = |why: String| x.at(line, &format!("viz:{viz}"), Problem::Invalid(why));
    let problem = |p| x.at(line, &format!("viz:{viz}"), p);
    let neurons = &mut c.b.neurons;
    match viz {
        "position" => {
            let coords = x.attrs(t, ["x", "y", "z"])?;
            let mut p = [0f32; 3];
            for (slot, v) in p.iter_mut().zip(coords) {
                // networkx writes "None" for the z of a 2-D position.
                match v.as_deref().map(str::trim) {
                    None | Some("" | "None") => {}
                    Some(v) => *slot = fields::number(v).map_err(problem)? as f32,
                }
            }
            node.position = Some(p);
        }
        "color" => {
            let [r, g, b, a, hex] = x.attrs(t, ["r", "g", "b", "a", "hex"])?;
            let rgb = match (r, g, b, hex) {
                (Some(r), Some(g), Some(b), _) => [r, g, b].map(|v| v.trim().parse::<u8>().map_err(|_| v.into_owned())),
                (_, _, _, Some(hex)) => {
                    let hex = hex.trim().trim_start_matches('#').to_owned();
                    let byte = |k: usize| {
                        hex.get(k..k + 2)
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                            .ok_or(hex.clone())
                    };
                    [byte(0), byte(2), byte(4)]
                }
                _ => return Err(invalid("a colour needs r, g and b".into())),
            };
            let mut text = String::new();
            for v in rgb {
                let v = v.map_err(|v| invalid(format!("'{v}' is not a colour component (0 to 255)")))?;
                text.push_str(&format!("{}{v}", if text.is_empty() { "" } else { "," }));
            }
            if let Some(a) = a {
                text.push_str(&format!(",{}", fields::number(&a).map_err(problem)?));
            }
            neurons.attribute_mut("viz_color").set(node.index, &text);
        }
        _ => {
            let [value] = x.attrs(t, ["value"])?;
            let value = value.ok_or_else(|| x.missing(line, "viz:size", "value"))?;
            fields::number(&value).map_err(problem)?;
            neurons.attribute_mut("viz_size").set(node.index, value.trim());
        }
    }
    Ok(())
}

/// The `r g b [a]` attributes of a `viz:color` written from a `viz_color` attribute
/// (`r,g,b[,a]` or `#rrggbb`), if it is one.
fn color_attributes(value: &str) -> Option<String> {
    let v = value.trim();
    let (rgb, a): ([u8; 3], Option<f64>) = if let Some(hex) = v.strip_prefix('#') {
        let byte = |k: usize| hex.get(k..k + 2).and_then(|h| u8::from_str_radix(h, 16).ok());
        if hex.len() != 6 {
            return None;
        }
        ([byte(0)?, byte(2)?, byte(4)?], None)
    } else {
        let parts: Vec<&str> = v.split(',').map(str::trim).collect();
        if !(3..=4).contains(&parts.len()) {
            return None;
        }
        let c = |k: usize| parts[k].parse::<u8>().ok();
        let a = match parts.get(3) {
            Some(a) => Some(a.parse::<f64>().ok().filter(|a| (0.0..=1.0).contains(a))?),
            None => None,
        };
        ([c(0)?, c(1)?, c(2)?], a)
    };
    let mut out = format!(r#"r="{}" g="{}" b="{}""#, rgb[0], rgb[1], rgb[2]);
    if let Some(a) = a {
        out.push_str(&format!(r#" a="{a}""#));
    }
    Some(out)
}

fn size_value(value: &str) -> Option<f64> {
    value.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

pub fn write(connectome: &Connectome, out: &mut dyn Write) -> io::Result<()> {
    let c = connectome;
    let n = &c.neurons;
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">"#
    )?;
    let mut description = format!("weight_unit={}", c.weight_unit);
    if let Some(u) = &n.position_unit {
        description.push_str(&format!("\nposition_unit={u}"));
    }
    writeln!(
        out,
        "  <meta>\n    <creator>connectoscope</creator>\n    <description>{}</description>\n  </meta>",
        esc(&description)
    )?;
    writeln!(out, r#"  <graph defaultedgetype="directed" mode="static">"#)?;

    // A viz_color / viz_size attribute goes to the viz element if all its values fit there.
    let viz_color = n
        .attribute("viz_color")
        .filter(|col| col.distinct().iter().all(|v| color_attributes(v).is_some()));
    let viz_size = n
        .attribute("viz_size")
        .filter(|col| col.distinct().iter().all(|v| size_value(v).is_some()));
    let mut columns = Vec::new();
    for (name, col) in [
        ("class", &n.class),
        ("type", &n.cell_type),
        ("neurotransmitter", &n.neurotransmitter),
    ]
    .into_iter()
    .chain(n.attributes.iter().map(|(name, col)| (name.as_str(), col)))
    {
        let is_viz = (name == "viz_color" && viz_color.is_some()) || (name == "viz_size" && viz_size.is_some());
        if !col.is_empty() && !is_viz {
            columns.push((name, "string", col));
        }
    }
    let signs: Vec<Option<&str>> = (0..n.len()).map(|i| neuron_sign(c, i)).collect();
    let has_signs = signs.iter().any(Option::is_some);
    writeln!(out, r#"    <attributes class="node" mode="static">"#)?;
    for (k, (name, ty, _)) in columns.iter().enumerate() {
        writeln!(out, r#"      <attribute id="n{k}" title="{}" type="{ty}"/>"#, esc(name))?;
    }
    let sign_id = columns.len();
    if has_signs {
        writeln!(out, r#"      <attribute id="n{sign_id}" title="sign" type="string"/>"#)?;
    }
    writeln!(out, "    </attributes>")?;
    let all_edges = || {
        EdgeKind::ALL.into_iter().flat_map(|k| {
            let edges = c.edges(k);
            edges
                .iter()
                .enumerate()
                .map(move |(id, e)| (k, e, edges.original_type(id)))
        })
    };
    let edge_signs = all_edges().any(|(_, e, _)| e.sign != Sign::Unknown);
    let delays = EdgeKind::ALL.iter().any(|&k| c.edges(k).has_delays());
    writeln!(out, r#"    <attributes class="edge" mode="static">"#)?;
    writeln!(out, r#"      <attribute id="e0" title="kind" type="string"/>"#)?;
    if edge_signs {
        writeln!(out, r#"      <attribute id="e1" title="sign" type="string"/>"#)?;
    }
    if delays {
        writeln!(out, r#"      <attribute id="e2" title="delay" type="float"/>"#)?;
    }
    writeln!(out, "    </attributes>")?;

    writeln!(out, "    <nodes>")?;
    let label = n.attribute("label");
    for (i, sign) in signs.iter().enumerate() {
        let name = n.name(i);
        let label = label.and_then(|l| l.get(i)).unwrap_or(name);
        write!(
            out,
            r#"      <node id="{}" label="{}"><attvalues>"#,
            esc(name),
            esc(label)
        )?;
        for (k, (_, _, col)) in columns.iter().enumerate() {
            if let Some(v) = col.get(i) {
                write!(out, r#"<attvalue for="n{k}" value="{}"/>"#, esc(v))?;
            }
        }
        if let Some(s) = sign {
            write!(out, r#"<attvalue for="n{sign_id}" value="{s}"/>"#)?;
        }
        write!(out, "</attvalues>")?;
        if let Some(color) = viz_color.and_then(|col| col.get(i)).and_then(color_attributes) {
            write!(out, "<viz:color {color}/>")?;
        }
        if let Some([x, y, z]) = n.position[i] {
            write!(out, r#"<viz:position x="{x}" y="{y}" z="{z}"/>"#)?;
        }
        if let Some(size) = viz_size.and_then(|col| col.get(i)) {
            write!(out, r#"<viz:size value="{}"/>"#, esc(size.trim()))?;
        }
        writeln!(out, "</node>")?;
    }
    writeln!(out, "    </nodes>\n    <edges>")?;
    for (id, (kind, e, original)) in all_edges().enumerate() {
        let ty = if !kind.is_directed() { r#" type="mutual""# } else { "" };
        write!(
            out,
            r#"      <edge id="{id}" source="{}" target="{}"{ty} weight="{}"><attvalues><attvalue for="e0" value="{}"/>"#,
            esc(n.name(e.pre as usize)),
            esc(n.name(e.post as usize)),
            e.weight,
            esc(original.unwrap_or(kind.as_str()))
        )?;
        if e.sign != Sign::Unknown {
            write!(out, r#"<attvalue for="e1" value="{}"/>"#, sign_cell(e.sign))?;
        }
        if let Some(d) = e.delay {
            write!(out, r#"<attvalue for="e2" value="{d}"/>"#)?;
        }
        writeln!(out, "</attvalues></edge>")?;
    }
    writeln!(out, "    </edges>\n  </graph>\n</gexf>")
}
