//! The XML layer the GraphML, GEXF and NeuroML readers share: streaming XML reading with line
//! numbers, and (for the graph formats) the meaning of declared attributes and the collection
//! of neurons and connections.

use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, Read};
use std::mem::discriminant;
use std::path::{Path, PathBuf};

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
            quick_xml::Error::Syntax(quick_xml::errors::SyntaxError::InvalidBangMarkup) => Problem::Xml(e.to_string()),
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
            Column::Name | Column::Attribute | Column::Index => {
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
            Some(Role::Kind) => row.set_kind(value),
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
    /// A kind value we do not know (then `kind` is `Other`).
    original_type: String,
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
        self.original_type.clear();
        self.weight = None;
        self.sign = Sign::Unknown;
        self.delay = None;
        self.transmitter.clear();
    }
}

impl EdgeRow {
    /// Sets the kind a value names; one we do not know makes the edge kind `other`,
    /// keeping the value.
    pub fn set_kind(&mut self, value: &str) {
        self.original_type.clear();
        self.kind = Some(fields::known_kind(value).unwrap_or_else(|| {
            value.trim().clone_into(&mut self.original_type);
            EdgeKind::Other
        }));
    }
}

/// A connection whose neurons were not all declared when it was read.
struct Deferred {
    source: String,
    target: String,
    transmitter: String,
    original_type: String,
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
            original_type: String::new(),
            kind: row.kind.or(row.direction).unwrap_or(default),
            weight,
            sign,
            delay: row.delay,
            line: row.line,
        };
        let n = &self.b.neurons;
        match (n.find(&row.source), n.find(&row.target)) {
            (Some(pre), Some(post)) => self.add(pre, post, &row.transmitter, &row.original_type, &d),
            _ => self.deferred.push(Deferred {
                source: row.source.clone(),
                target: row.target.clone(),
                transmitter: row.transmitter.clone(),
                original_type: row.original_type.clone(),
                ..d
            }),
        }
        Ok(())
    }

    fn add(&mut self, pre: usize, post: usize, transmitter: &str, original_type: &str, d: &Deferred) {
        let nt = &mut self.b.neurons.neurotransmitter;
        if !transmitter.is_empty() && nt.get(pre).is_none() {
            nt.set(pre, transmitter);
        }
        if d.kind == EdgeKind::Other && !original_type.is_empty() {
            let b = &mut self.b;
            b.add_edge_of_unknown_type(original_type, pre, post, d.weight, d.sign, d.delay, d.line);
        } else {
            self.b.add_edge(d.kind, pre, post, d.weight, d.sign, d.delay, d.line);
        }
    }

    /// Adds the connections read before their neurons, applies the neuron table of
    /// `options` and builds the connectome.
    pub fn finish(mut self, path: &Path, graphs: usize, options: &LoadOptions) -> Result<Connectome, ReadError> {
        if graphs == 0 {
            return Err(ReadError::new(
                path,
                Location::File,
                Problem::Invalid("the document has no <graph>".into()),
            ));
        }
        for d in std::mem::take(&mut self.deferred) {
            let find = |name: &str| {
                self.b.neurons.find(name).ok_or_else(|| {
                    let location = Location::Element {
                        line: d.line,
                        element: "edge".into(),
                    };
                    ReadError::new(path, location, Problem::UnknownNode(name.to_owned()))
                })
            };
            let (pre, post) = (find(&d.source)?, find(&d.target)?);
            self.add(pre, post, &d.transmitter, &d.original_type, &d);
        }
        if let Some(table) = &options.neuron_table {
            neuron_table::read(Source::open(table)?, &mut self.b, TableRole::Annotates)?;
        }
        csv_edges::finish(self.b, path)
    }
}
