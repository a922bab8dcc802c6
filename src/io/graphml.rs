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
//!   names the kind (chemical, electrical / gap junction / EJ, other); without one, an edge with
//!   `directed="false"` or in an `edgedefault="undirected"` graph is a gap junction and any other
//!   a chemical synapse (a graph without `edgedefault` is directed). `sign`, `delay` and
//!   `nt_type` mean what they mean in edge lists. Edges may precede the nodes they name; one that
//!   names no node is an error. Graph data `weight_unit` and `position_unit` set the units.
//! - Nested graphs are flattened; hyperedges are refused.
//!
//! Writing: one graph with `edgedefault="directed"`. Every connection is one `<edge>` whose
//! `type` data says chemical, electrical or other; a gap junction is written once, from its
//! lower to its higher neuron index. (`directed="false"` would describe it better, but
//! networkx refuses such an edge in a directed graph.) Weights are magnitudes, with the
//! connection's own sign as `sign` data (`+` / `-`).

use std::io::{self, Write};

use quick_xml::events::{BytesStart, Event};

use crate::model::{Connectome, EdgeKind, Sign};

use super::neuron_table::sign_cell;
use super::{LoadOptions, Problem, ReadError, Source};
use xml::{Collector, EdgeRow, Keys, NodeState, XmlReader, esc, neuron_sign};

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
    r.c.finish(&x, r.graphs, options)
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
                    Some("undirected") => EdgeKind::Electrical,
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
                    Some("false" | "0") => Some(EdgeKind::Electrical),
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
        EdgeKind::ALL
            .into_iter()
            .flat_map(|k| c.edges(k).iter().map(move |e| (k, e)))
    };
    let kind_key = key(out, "edge", "type", "string")?;
    let weight_key = key(out, "edge", "weight", "double")?;
    let edge_sign_key = if all_edges().any(|(_, e)| e.sign != Sign::Unknown) {
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
    for (kind, e) in all_edges() {
        write!(
            out,
            r#"    <edge source="{}" target="{}"><data key="{kind_key}">{}</data><data key="{weight_key}">{}</data>"#,
            esc(n.name(e.pre as usize)),
            esc(n.name(e.post as usize)),
            kind.as_str(),
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

/// What the GraphML and GEXF readers and writers share: XML reading with line numbers, the
/// meaning of declared attributes, and the collection of neurons and connections.
pub(super) mod xml {
    use std::borrow::Cow;
    use std::io::{self, BufRead, BufReader, Read};
    use std::mem::discriminant;
    use std::path::PathBuf;

    use quick_xml::XmlVersion;
    use quick_xml::escape::resolve_predefined_entity;
    use quick_xml::events::{BytesStart, Event};
    use rustc_hash::FxHashMap as HashMap;

    use crate::io::csv_edges::{self, Role, role_of};
    use crate::io::fields;
    use crate::io::neuron_table::{self, Column, TableRole, column_of};
    use crate::io::{Guard, LoadOptions, Location, Problem, ReadError, Source, from_io};
    use crate::model::{Connectome, ConnectomeBuilder, EdgeKind, Position, Sign};

    /// Counts the lines the parser has consumed, so that each event can be placed on the line
    /// it starts on (quick-xml only knows byte offsets).
    struct Lines {
        inner: BufReader<Guard>,
        line: u64,
    }

    impl Read for Lines {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.line += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            Ok(n)
        }
    }

    impl BufRead for Lines {
        fn fill_buf(&mut self) -> io::Result<&[u8]> {
            self.inner.fill_buf()
        }

        fn consume(&mut self, amount: usize) {
            let buffered = self.inner.buffer();
            let used = &buffered[..amount.min(buffered.len())];
            self.line += memchr::memchr_iter(b'\n', used).count() as u64;
            self.inner.consume(amount);
        }
    }

    /// A streaming XML reader over a [`Source`] that knows the line of every event and turns
    /// parser errors into [`ReadError`]s.
    pub(crate) struct XmlReader {
        pub path: PathBuf,
        reader: quick_xml::Reader<Lines>,
        /// Line on which the last event read starts.
        pub line: u64,
        /// Open elements, the root included; 0 once the root has closed.
        depth: usize,
    }

    impl XmlReader {
        /// Opens a document and reads up to its root element, which must be `<root>`.
        pub fn open(source: Source, root: &str) -> Result<XmlReader, ReadError> {
            let (path, guard) = source.text(None)?;
            let lines = Lines {
                inner: BufReader::with_capacity(1 << 16, guard),
                line: 1,
            };
            let mut x = XmlReader {
                path,
                reader: quick_xml::Reader::from_reader(lines),
                line: 1,
                depth: 0,
            };
            let mut buf = Vec::new();
            match x.open_root(&mut buf, root) {
                Ok(()) => Ok(x),
                Err(e) => Err(x.prefer_gzip_error(e)),
            }
        }

        fn open_root(&mut self, buf: &mut Vec<u8>, root: &str) -> Result<(), ReadError> {
            let mut blank = true;
            loop {
                let (event, line) = self.read(buf)?;
                let (tag, empty) = match event {
                    Event::Start(t) => (t, false),
                    Event::Empty(t) => (t, true),
                    Event::Text(t) if t.trim().is_empty() => continue,
                    Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {
                        blank = false;
                        continue;
                    }
                    Event::Eof if blank => {
                        return Err(ReadError::new(&self.path, Location::File, Problem::Empty));
                    }
                    _ => {
                        let why = format!("not an XML document: no <{root}> element");
                        return Err(ReadError::new(
                            &self.path,
                            Location::Line(line),
                            Problem::UnknownFormat(why),
                        ));
                    }
                };
                let name = tag.local_name().as_ref().to_owned();
                if name != root {
                    let what = match name.as_str() {
                        "gexf" => " (this is a GEXF document)",
                        "graphml" => " (this is a GraphML document)",
                        _ => "",
                    };
                    let why = format!("the root element is <{name}>, not <{root}>{what}");
                    return Err(self.at(line, &name, Problem::UnknownFormat(why)));
                }
                self.depth = usize::from(!empty);
                return Ok(());
            }
        }

        /// Reads one event and the line it starts on.
        fn read<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<(Event<'b>, u64), ReadError> {
            buf.clear();
            self.line = self.reader.get_ref().line;
            match self.reader.read_event_into(buf) {
                Ok(event) => Ok((event, self.line)),
                Err(e) => Err(self.xml_error(e)),
            }
        }

        /// The next event inside the root element; `None` once the root has closed.
        pub fn next<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<Option<Event<'b>>, ReadError> {
            if self.depth == 0 {
                return Ok(None);
            }
            let (event, line) = self.read(buf)?;
            match &event {
                Event::Start(_) => self.depth += 1,
                Event::End(_) => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Ok(None);
                    }
                }
                Event::Eof => {
                    return Err(ReadError::new(&self.path, Location::Line(line), Problem::Truncated));
                }
                _ => {}
            }
            Ok(Some(event))
        }

        /// Checks that nothing but comments and white space follows the root element.
        pub fn finish(&mut self, buf: &mut Vec<u8>) -> Result<(), ReadError> {
            loop {
                match self.read(buf)? {
                    (Event::Eof, _) => return Ok(()),
                    (Event::Text(t), _) if t.trim().is_empty() => {}
                    (Event::Comment(_) | Event::PI(_), _) => {}
                    (_, line) => {
                        let why = "content after the end of the root element".into();
                        return Err(ReadError::new(&self.path, Location::Line(line), Problem::Xml(why)));
                    }
                }
            }
        }

        fn xml_error(&self, e: quick_xml::Error) -> ReadError {
            let problem = match e {
                quick_xml::Error::Io(e) => return from_io(&self.path, &e, Some(self.line)),
                // Every syntax error but this one means the input ended inside some markup.
                quick_xml::Error::Syntax(quick_xml::errors::SyntaxError::InvalidBangMarkup) => {
                    Problem::Xml(e.to_string())
                }
                quick_xml::Error::Syntax(_) => Problem::Truncated,
                quick_xml::Error::Encoding(_) => Problem::NotUtf8,
                e => Problem::Xml(e.to_string()),
            };
            ReadError::new(&self.path, Location::Line(self.line), problem)
        }

        /// See [`Guard::prefer_gzip_error`].
        pub fn prefer_gzip_error(&mut self, e: ReadError) -> ReadError {
            let path = self.path.clone();
            self.reader.get_mut().inner.get_mut().prefer_gzip_error(&path, e)
        }

        /// Appends character data (text, CDATA, entity and character references) to `out`.
        pub fn text(&self, event: &Event, out: &mut String) -> Result<(), ReadError> {
            match event {
                Event::Text(t) => out.push_str(&t.xml10_content()),
                Event::CData(t) => out.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    let bad = |why: String| ReadError::new(&self.path, Location::Line(self.line), Problem::Xml(why));
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => out.push(c),
                        Ok(None) => match resolve_predefined_entity(r) {
                            Some(s) => out.push_str(s),
                            None => return Err(bad(format!("unknown entity &{};", &**r))),
                        },
                        Err(e) => return Err(bad(e.to_string())),
                    }
                }
                _ => {}
            }
            Ok(())
        }

        /// The values of the attributes `names` (local names) of `tag`, unescaped.
        pub fn attrs<'a, const N: usize>(
            &self,
            tag: &'a BytesStart<'_>,
            names: [&str; N],
        ) -> Result<[Option<Cow<'a, str>>; N], ReadError> {
            let mut out = std::array::from_fn(|_| None);
            let bad = |why: String| ReadError::new(&self.path, Location::Line(self.line), Problem::Xml(why));
            for a in tag.attributes() {
                let a = a.map_err(|e| bad(e.to_string()))?;
                if let Some(k) = names.iter().position(|n| *n == a.key.local_name().as_ref()) {
                    out[k] = Some(
                        a.normalized_value(XmlVersion::Implicit1_0)
                            .map_err(|e| bad(e.to_string()))?,
                    );
                }
            }
            Ok(out)
        }

        /// An error about the element `element` starting on `line`.
        pub fn at(&self, line: u64, element: &str, problem: Problem) -> ReadError {
            ReadError::new(
                &self.path,
                Location::Element {
                    line,
                    element: element.into(),
                },
                problem,
            )
        }

        pub fn missing(&self, line: u64, element: &str, attribute: &str) -> ReadError {
            self.at(
                line,
                element,
                Problem::Invalid(format!("<{element}> has no {attribute}")),
            )
        }
    }

    /// Escapes text for an attribute value or element content. The few characters XML 1.0
    /// cannot carry at all (most control characters) become U+FFFD.
    pub(crate) fn esc(s: &str) -> Cow<'_, str> {
        let special = |c: char| matches!(c, '&' | '<' | '>' | '"' | '\u{FFFE}' | '\u{FFFF}') || c < ' ';
        if !s.contains(special) {
            return Cow::Borrowed(s);
        }
        let mut out = String::with_capacity(s.len() + 16);
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                // As references, so that attribute value normalisation keeps them.
                '\t' | '\n' | '\r' => out.push_str(&format!("&#{};", c as u32)),
                c if special(c) => out.push('\u{FFFD}'),
                c => out.push(c),
            }
        }
        Cow::Owned(out)
    }

    /// The sign data written for neuron `i`: its sign, or `unknown` where reading would
    /// otherwise derive one from its neurotransmitter; `None` when nothing need be written.
    pub(crate) fn neuron_sign(c: &Connectome, i: usize) -> Option<&'static str> {
        match c.neurons.sign[i] {
            Sign::Unknown => {
                let nt = c.neurons.neurotransmitter.get(i).unwrap_or("");
                (c.sign_rule.sign_of(nt) != Sign::Unknown).then_some("unknown")
            }
            s => Some(neuron_table::sign_cell(s)),
        }
    }

    /// Declared attributes by id (GraphML key ids, GEXF attribute ids of one class).
    pub(crate) type Keys = HashMap<String, usize>;

    /// A declared attribute: a GraphML `<key>` or a GEXF `<attribute>`.
    struct Decl {
        name: String,
        /// The declared type, lowercase ("" when none).
        ty: String,
        nodes: bool,
        edges: bool,
        /// What it means on a node; `Attribute` for a plain attribute.
        node: Column,
        /// The neuron attribute column a plain node attribute fills.
        column: Option<usize>,
        /// What it means on an edge, if anything.
        edge: Option<Role>,
        /// Default value and the line it is on.
        default: Option<(String, u64)>,
    }

    impl Decl {
        fn node_value(&self, b: &mut ConnectomeBuilder, node: &mut NodeState, value: &str) -> Result<(), Problem> {
            let value = value.trim();
            if value.is_empty() || !self.nodes {
                return Ok(());
            }
            check_type(&self.ty, value)?;
            let (n, i) = (&mut b.neurons, node.index);
            match self.node {
                Column::Class => n.class.set(i, value),
                Column::CellType => n.cell_type.set(i, value),
                Column::Neurotransmitter => n.neurotransmitter.set(i, value),
                Column::Sign => {
                    n.sign[i] = fields::sign(value)?;
                    if b.explicit_neuron_signs.len() <= i {
                        b.explicit_neuron_signs.resize(i + 1, false);
                    }
                    b.explicit_neuron_signs[i] = true;
                }
                Column::X => node.xyz[0] = Some(fields::number(value)? as f32),
                Column::Y => node.xyz[1] = Some(fields::number(value)? as f32),
                Column::Z => node.xyz[2] = Some(fields::number(value)? as f32),
                Column::Position => node.position = fields::position(value)?,
                Column::Name | Column::Attribute => {
                    if let Some(at) = self.column {
                        n.attributes[at].1.set(i, value);
                    }
                }
            }
            Ok(())
        }

        fn edge_value(&self, row: &mut EdgeRow, value: &str) -> Result<(), Problem> {
            let value = value.trim();
            if value.is_empty() || !self.edges {
                return Ok(());
            }
            check_type(&self.ty, value)?;
            match self.edge {
                Some(Role::Weight(column)) => row.weight = Some(fields::weight(value, column)?),
                Some(Role::Kind) => row.kind = Some(fields::kind(value)?),
                Some(Role::Sign) => row.sign = fields::sign(value)?,
                Some(Role::Delay) => row.delay = Some(fields::number(value)? as f32),
                Some(Role::Transmitter) => value.clone_into(&mut row.transmitter),
                Some(Role::Pre | Role::Post) | None => {}
            }
            Ok(())
        }
    }

    /// Checks a value against its declared type (either format's names).
    fn check_type(ty: &str, value: &str) -> Result<(), Problem> {
        let ok = match ty {
            "int" | "integer" | "long" | "short" | "byte" => value.parse::<i64>().is_ok(),
            "float" | "double" => value.parse::<f64>().is_ok(),
            "boolean" => {
                return match value.to_ascii_lowercase().as_str() {
                    "true" | "false" | "1" | "0" => Ok(()),
                    _ => Err(Problem::Invalid(format!("'{value}' is not a boolean"))),
                };
            }
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(Problem::NotANumber(value.to_owned()))
        }
    }

    /// The node being read.
    pub(crate) struct NodeState {
        pub index: usize,
        pub line: u64,
        xyz: [Option<f32>; 3],
        /// A whole position (a `position` value, GEXF `viz:position`); wins over x, y, z.
        pub position: Option<Position>,
    }

    impl NodeState {
        pub fn new(index: usize, line: u64) -> NodeState {
            NodeState {
                index,
                line,
                xyz: [None; 3],
                position: None,
            }
        }
    }

    /// The edge being read. Reused from edge to edge to keep its buffers.
    #[derive(Default)]
    pub(crate) struct EdgeRow {
        source: String,
        target: String,
        pub line: u64,
        /// The kind the element itself implies (GraphML `directed`, GEXF `type`), if it does.
        pub direction: Option<EdgeKind>,
        /// The kind a value names; wins over `direction`.
        pub kind: Option<EdgeKind>,
        pub weight: Option<(f64, Sign)>,
        sign: Sign,
        delay: Option<f32>,
        transmitter: String,
    }

    impl EdgeRow {
        pub fn start(&mut self, source: &str, target: &str, line: u64) {
            source.clone_into(&mut self.source);
            target.clone_into(&mut self.target);
            self.line = line;
            self.direction = None;
            self.kind = None;
            self.weight = None;
            self.sign = Sign::Unknown;
            self.delay = None;
            self.transmitter.clear();
        }
    }

    /// A connection whose neurons were not all declared when it was read.
    struct Deferred {
        source: String,
        target: String,
        transmitter: String,
        kind: EdgeKind,
        weight: f64,
        sign: Sign,
        delay: Option<f32>,
        line: u64,
    }

    /// Collects declarations, neurons and connections into a [`ConnectomeBuilder`].
    pub(crate) struct Collector {
        pub b: ConnectomeBuilder,
        decls: Vec<Decl>,
        /// The declarations that have a default value.
        defaults: Vec<usize>,
        deferred: Vec<Deferred>,
    }

    impl Collector {
        pub fn new(options: &LoadOptions) -> Collector {
            let mut b = ConnectomeBuilder::new();
            b.sign_rule = options.sign_rule;
            b.neurons_from_table = true;
            Collector {
                b,
                decls: Vec::new(),
                defaults: Vec::new(),
                deferred: Vec::new(),
            }
        }

        /// Declares an attribute named `name`; returns its index. When attributes of two names
        /// would mean the same (`weight` and `syn_count`), the first declared does and the later
        /// one is a plain attribute. (Keys of one name are one attribute: networkx declares
        /// `weight` twice when some weights are integers and some are not.)
        pub fn declare(&mut self, name: &str, ty: &str, nodes: bool, edges: bool) -> usize {
            let other = |d: &&Decl| d.name != name;
            let mut node = column_of(name);
            if node != Column::Attribute && self.decls.iter().filter(other).any(|d| d.nodes && d.node == node) {
                node = Column::Attribute;
            }
            let column = (nodes && matches!(node, Column::Attribute | Column::Name)).then(|| {
                let n = &mut self.b.neurons;
                n.attribute_mut(name);
                n.attributes.iter().position(|(a, _)| a == name).unwrap_or_default()
            });
            let same_role = |d: &Decl, r: &Role| d.edges && d.edge.is_some_and(|e| discriminant(&e) == discriminant(r));
            let edge = role_of(name).filter(|r| !self.decls.iter().filter(other).any(|d| same_role(d, r)));
            self.decls.push(Decl {
                name: name.to_owned(),
                ty: ty.trim().to_ascii_lowercase(),
                nodes,
                edges,
                node,
                column,
                edge,
                default: None,
            });
            self.decls.len() - 1
        }

        /// The attribute declared as `id` in `keys`, declared on the spot (named `id`) if it
        /// was not: lenient towards hand-written files.
        pub fn declared(&mut self, keys: &mut Keys, id: &str, nodes: bool, edges: bool) -> usize {
            match keys.get(id) {
                Some(&d) => d,
                None => {
                    let d = self.declare(id, "", nodes, edges);
                    keys.insert(id.to_owned(), d);
                    d
                }
            }
        }

        pub fn set_default(&mut self, decl: usize, value: &str, line: u64) {
            if self.decls[decl].default.is_none() {
                self.defaults.push(decl);
            }
            self.decls[decl].default = Some((value.to_owned(), line));
        }

        /// Adds the neuron `id`, which must be new.
        pub fn node(&mut self, id: &str) -> Result<usize, Problem> {
            if id.is_empty() {
                return Err(Problem::Invalid("empty node id".into()));
            }
            if self.b.neurons.find(id).is_some() {
                return Err(Problem::DuplicateNode(id.to_owned()));
            }
            Ok(self.b.neurons.find_or_add(id))
        }

        /// Applies default values before a node's own (which then overwrite them).
        pub fn node_defaults(&mut self, node: &mut NodeState) -> Result<(), (u64, Problem)> {
            for d in self.defaults.iter().map(|&d| &self.decls[d]) {
                if let Some((value, line)) = &d.default {
                    d.node_value(&mut self.b, node, value).map_err(|p| (*line, p))?;
                }
            }
            Ok(())
        }

        pub fn node_value(&mut self, node: &mut NodeState, decl: usize, value: &str) -> Result<(), Problem> {
            self.decls[decl].node_value(&mut self.b, node, value)
        }

        /// Finishes a node: sets its position.
        pub fn node_end(&mut self, node: &NodeState) -> Result<(), Problem> {
            let position = match (node.position, node.xyz) {
                (Some(p), _) => p,
                (None, [Some(x), Some(y), z]) => [x, y, z.unwrap_or(0.0)],
                (None, [None, None, None]) => return Ok(()),
                _ => return Err(Problem::Invalid("a position needs at least x and y".into())),
            };
            self.b.neurons.position[node.index] = Some(position);
            Ok(())
        }

        pub fn edge_defaults(&mut self, row: &mut EdgeRow) -> Result<(), (u64, Problem)> {
            for d in self.defaults.iter().map(|&d| &self.decls[d]) {
                if let Some((value, line)) = &d.default {
                    d.edge_value(row, value).map_err(|p| (*line, p))?;
                }
            }
            Ok(())
        }

        pub fn edge_value(&mut self, row: &mut EdgeRow, decl: usize, value: &str) -> Result<(), Problem> {
            self.decls[decl].edge_value(row, value)
        }

        /// Graph-level data: the units.
        pub fn graph_data(&mut self, decl: usize, value: &str) {
            let name = self.decls[decl].name.to_ascii_lowercase();
            self.graph_value(&name, value);
        }

        pub fn graph_value(&mut self, name: &str, value: &str) {
            let value = value.trim();
            if value.is_empty() {
                return;
            }
            match name {
                "weight_unit" => self.b.weight_unit = Some(value.to_owned()),
                "position_unit" => self.b.neurons.position_unit = Some(value.to_owned()),
                _ => {}
            }
        }

        /// Adds the connection `row`; `default` is the kind of an edge that says nothing of its
        /// own (from the graph's default direction).
        pub fn edge(&mut self, row: &EdgeRow, default: EdgeKind) -> Result<(), Problem> {
            let (weight, mut sign) = row.weight.unwrap_or((1.0, Sign::Unknown));
            if row.sign != Sign::Unknown {
                if sign != Sign::Unknown && sign != row.sign {
                    return Err(Problem::Conflict("the sign contradicts the negative weight".into()));
                }
                sign = row.sign;
            }
            let d = Deferred {
                source: String::new(),
                target: String::new(),
                transmitter: String::new(),
                kind: row.kind.or(row.direction).unwrap_or(default),
                weight,
                sign,
                delay: row.delay,
                line: row.line,
            };
            let n = &self.b.neurons;
            match (n.find(&row.source), n.find(&row.target)) {
                (Some(pre), Some(post)) => self.add(pre, post, &row.transmitter, &d),
                _ => self.deferred.push(Deferred {
                    source: row.source.clone(),
                    target: row.target.clone(),
                    transmitter: row.transmitter.clone(),
                    ..d
                }),
            }
            Ok(())
        }

        fn add(&mut self, pre: usize, post: usize, transmitter: &str, d: &Deferred) {
            let nt = &mut self.b.neurons.neurotransmitter;
            if !transmitter.is_empty() && nt.get(pre).is_none() {
                nt.set(pre, transmitter);
            }
            self.b.add_edge(d.kind, pre, post, d.weight, d.sign, d.delay, d.line);
        }

        /// Adds the connections read before their neurons, applies the neuron table of
        /// `options` and builds the connectome.
        pub fn finish(mut self, x: &XmlReader, graphs: usize, options: &LoadOptions) -> Result<Connectome, ReadError> {
            if graphs == 0 {
                return Err(ReadError::new(
                    &x.path,
                    Location::File,
                    Problem::Invalid("the document has no <graph>".into()),
                ));
            }
            for d in std::mem::take(&mut self.deferred) {
                let find = |name: &str| {
                    self.b
                        .neurons
                        .find(name)
                        .ok_or_else(|| x.at(d.line, "edge", Problem::UnknownNode(name.to_owned())))
                };
                let (pre, post) = (find(&d.source)?, find(&d.target)?);
                self.add(pre, post, &d.transmitter, &d);
            }
            if let Some(table) = &options.neuron_table {
                neuron_table::read(Source::open(table)?, &mut self.b, TableRole::Annotates)?;
            }
            csv_edges::finish(self.b, &x.path)
        }
    }
}
