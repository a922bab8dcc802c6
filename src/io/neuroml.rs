//! NeuroML2 network reader (what c302 generates for the worm), on the shared XML layer.
//!
//! - `<population id size>`: its cells are neurons, named by the population's id when it has
//!   one cell (c302 makes one population per neuron) and `id[k]` otherwise. `<instance id>`
//!   with `<location x y z>` gives positions (µm, as NeuroML says); a `<property tag value>`
//!   named like a neuron-table column (`type`, `class`, `neurotransmitter`) fills it, any other
//!   is kept as a neuron attribute named by the tag.
//! - `<projection>` with `<connection>` / `<connectionWD>`: chemical synapses (gap junctions
//!   when the projection's synapse is an electrical one, `neuron_to_neuron_elec_syn`, as in
//!   c302's integrate-and-fire networks; reported) from
//!   `preCellId` to `postCellId` (`../VD12/0/GenericCell` or `../VD12[0]`), with `weight`
//!   (1 when absent) and `delay` (`3ms`, `0.003s`). Their sign comes from the synapse's name
//!   when it says (`..._inh_...` inhibitory, `..._exc_...` excitatory; reported).
//! - `<electricalProjection>` with `<electricalConnection>` / `<electricalConnectionInstance>` /
//!   `<electricalConnectionInstanceW>` (`preCell` / `postCell`, `weight`): gap junctions.
//! - `<continuousProjection>` with `<continuousConnection>` / `...Instance` / `...InstanceW`:
//!   graded synapses, read as chemical synapses (reported), signed by their post component.
//!
//! Connections may come before the populations they name; one naming no population is an
//! error. Cell, synapse and input definitions are not read (they are the model, not the graph).

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};

use crate::model::{Connectome, ConnectomeBuilder, EdgeKind, Sign, WarningCode, thousands};

use super::fields;
use super::neuron_table::{self, Column, TableRole, column_of};
use super::xml::XmlReader;
use super::{LoadOptions, Location, Problem, ReadError, Source};

pub fn read(source: Source, options: &LoadOptions) -> Result<Connectome, ReadError> {
    let mut x = XmlReader::open(source, "neuroml")?;
    let mut r = NeuroMl::default();
    if let Err(e) = r.run(&mut x) {
        return Err(x.prefer_gzip_error(e));
    }
    r.finish(&x, options)
}

/// A population: its cells' instance ids (in order), positions and properties.
struct Population {
    id: String,
    line: u64,
    size: usize,
    /// Instance ids with their positions, as listed.
    instances: Vec<(String, Option<[f32; 3]>)>,
    properties: Vec<(String, String)>,
}

/// A connection as read, resolved once every population is known.
struct Connection {
    pre: CellRef,
    post: CellRef,
    kind: EdgeKind,
    weight: f64,
    sign: Sign,
    delay: Option<f32>,
    line: u64,
    element: &'static str,
}

/// `../POP/ID/...`, `../POP[ID]` or `POP`: a population and the id of a cell in it.
struct CellRef {
    population: String,
    cell: Option<String>,
}

impl CellRef {
    fn parse(text: &str) -> CellRef {
        let t = text.trim().trim_start_matches("../");
        if let Some((population, rest)) = t.split_once('[') {
            let cell = rest.split(']').next().unwrap_or("").trim();
            return CellRef {
                population: population.trim().to_owned(),
                cell: Some(cell.to_owned()),
            };
        }
        let mut parts = t.split('/');
        CellRef {
            population: parts.next().unwrap_or("").trim().to_owned(),
            cell: parts.next().map(|c| c.trim().to_owned()),
        }
    }
}

/// The projection being read: its kind and what its connections' signs are.
struct Projection {
    kind: EdgeKind,
    sign: Sign,
    pre: String,
    post: String,
}

#[derive(Default)]
struct NeuroMl {
    populations: Vec<Population>,
    connections: Vec<Connection>,
    /// Open elements that matter (None for the others).
    stack: Vec<Option<Open>>,
    projection: Option<Projection>,
    continuous: usize,
    signed_by_name: usize,
    /// Whether the open projection is one of an electrical synapse.
    electrical_synapse_projection: bool,
    electrical_by_name: usize,
}

enum Open {
    Population,
    Instance,
    Projection,
}

/// The sign a synapse's name says: `inh` inhibitory, `exc` excitatory, else unknown.
fn sign_of_synapse(name: &str) -> Sign {
    let n = name.to_ascii_lowercase();
    let has = |w: &str| n.split(|c: char| !c.is_ascii_alphanumeric()).any(|part| part == w);
    match (has("inh") || n.contains("inhib"), has("exc") || n.contains("excit")) {
        (true, false) => Sign::Inhibitory,
        (false, true) => Sign::Excitatory,
        _ => Sign::Unknown,
    }
}

/// Whether a synapse's name says it is electrical (`elec`, `gj`, `gap` as a word).
fn is_electrical_synapse(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|part| matches!(part, "elec" | "electrical" | "gj" | "gap"))
}

/// A NeuroML quantity with an optional unit, in ms (`3ms`, `0.003 s`, `3`).
fn milliseconds(text: &str) -> Result<f32, Problem> {
    let t = text.trim();
    let split = t
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let v = fields::number(number)?;
    let scale = match unit.trim() {
        "" | "ms" => 1.0,
        "s" => 1000.0,
        "us" => 0.001,
        other => return Err(Problem::Invalid(format!("'{other}' is not a unit of time"))),
    };
    Ok((v * scale) as f32)
}

impl NeuroMl {
    fn run(&mut self, x: &mut XmlReader) -> Result<(), ReadError> {
        let mut buf = Vec::new();
        while let Some(event) = x.next(&mut buf)? {
            match event {
                Event::Start(t) => {
                    let open = self.start(x, &t)?;
                    self.stack.push(open);
                }
                Event::Empty(t) => {
                    let open = self.start(x, &t)?;
                    self.stack.push(open);
                    self.end();
                }
                Event::End(_) => self.end(),
                _ => {}
            }
        }
        x.finish(&mut buf)
    }

    fn end(&mut self) {
        if let Some(Some(Open::Projection)) = self.stack.pop() {
            self.projection = None;
        }
    }

    fn start(&mut self, x: &XmlReader, t: &BytesStart) -> Result<Option<Open>, ReadError> {
        let line = x.line;
        let local = t.local_name();
        let name: &str = local.as_ref();
        let in_population = matches!(self.stack.last(), Some(Some(Open::Population)));
        let invalid = |element: &str, why: String| x.at(line, element, Problem::Invalid(why));
        Ok(match name {
            "population" => {
                let [id, size] = x.attrs(t, ["id", "size"])?;
                let id = id.ok_or_else(|| x.missing(line, "population", "id"))?;
                let size = match size {
                    Some(s) => s
                        .trim()
                        .parse::<usize>()
                        .map_err(|_| invalid("population", format!("size '{s}' is not a count")))?,
                    None => 0,
                };
                if size > 10_000_000 {
                    return Err(invalid("population", format!("size {size} is too large")));
                }
                self.populations.push(Population {
                    id: id.trim().to_owned(),
                    line,
                    size,
                    instances: Vec::new(),
                    properties: Vec::new(),
                });
                Some(Open::Population)
            }
            "instance" if in_population => {
                let [id] = x.attrs(t, ["id"])?;
                let pop = self.populations.last_mut().expect("inside a population");
                let id = id.map_or_else(|| pop.instances.len().to_string(), |i| i.trim().to_owned());
                pop.instances.push((id, None));
                Some(Open::Instance)
            }
            "location" if matches!(self.stack.last(), Some(Some(Open::Instance))) => {
                let coords = x.attrs(t, ["x", "y", "z"])?;
                let mut p = [0f32; 3];
                for (slot, v) in p.iter_mut().zip(coords) {
                    let v = v.ok_or_else(|| x.missing(line, "location", "x, y and z"))?;
                    *slot = fields::number(&v).map_err(|p| x.at(line, "location", p))? as f32;
                }
                let pop = self.populations.last_mut().expect("inside a population");
                if let Some(last) = pop.instances.last_mut() {
                    last.1 = Some(p);
                }
                None
            }
            "property" if in_population => {
                let [tag, value] = x.attrs(t, ["tag", "value"])?;
                if let (Some(tag), Some(value)) = (tag, value) {
                    let pop = self.populations.last_mut().expect("inside a population");
                    pop.properties.push((tag.trim().to_owned(), value.trim().to_owned()));
                }
                None
            }
            "projection" | "electricalProjection" | "continuousProjection" => {
                let [pre, post, synapse] =
                    x.attrs(t, ["presynapticPopulation", "postsynapticPopulation", "synapse"])?;
                // c302's integrate-and-fire networks model gap junctions as projections of an
                // electrical synapse (`neuron_to_neuron_elec_syn`): they are gap junctions.
                let electrical_synapse = name == "projection" && synapse.as_deref().is_some_and(is_electrical_synapse);
                let kind = if name == "electricalProjection" || electrical_synapse {
                    EdgeKind::Electrical
                } else {
                    EdgeKind::Chemical
                };
                self.electrical_synapse_projection = electrical_synapse;
                self.projection = Some(Projection {
                    kind,
                    sign: synapse.as_deref().map_or(Sign::Unknown, sign_of_synapse),
                    pre: pre.map(|p| p.trim().to_owned()).unwrap_or_default(),
                    post: post.map(|p| p.trim().to_owned()).unwrap_or_default(),
                });
                Some(Open::Projection)
            }
            "connection"
            | "connectionWD"
            | "electricalConnection"
            | "electricalConnectionInstance"
            | "electricalConnectionInstanceW"
            | "continuousConnection"
            | "continuousConnectionInstance"
            | "continuousConnectionInstanceW" => {
                let Some(projection) = &self.projection else {
                    return Ok(None);
                };
                let [pre_id, post_id, pre, post, weight, delay, synapse, post_component] = x.attrs(
                    t,
                    [
                        "preCellId",
                        "postCellId",
                        "preCell",
                        "postCell",
                        "weight",
                        "delay",
                        "synapse",
                        "postComponent",
                    ],
                )?;
                let element: &'static str = match name {
                    "connection" => "connection",
                    "connectionWD" => "connectionWD",
                    n if n.starts_with("electrical") => "electricalConnection",
                    _ => "continuousConnection",
                };
                let (Some(pre), Some(post)) = (pre_id.or(pre), post_id.or(post)) else {
                    return Err(x.missing(line, element, "pre and post cells"));
                };
                let weight = match weight {
                    Some(w) => fields::number(&w).map_err(|p| x.at(line, element, p))?,
                    None => 1.0,
                };
                // A negative weight: an inhibitory connection of that magnitude.
                let (weight, weight_sign) = if weight < 0.0 {
                    (-weight, Sign::Inhibitory)
                } else {
                    (weight, Sign::Unknown)
                };
                let delay = match delay {
                    Some(d) => Some(milliseconds(&d).map_err(|p| x.at(line, element, p))?),
                    None => None,
                };
                let named = synapse
                    .or(post_component)
                    .as_deref()
                    .map_or(Sign::Unknown, sign_of_synapse);
                let mut sign = match (weight_sign, named) {
                    (Sign::Inhibitory, _) => Sign::Inhibitory,
                    (_, Sign::Unknown) => projection.sign,
                    (_, s) => s,
                };
                if projection.kind == EdgeKind::Electrical {
                    sign = Sign::Unknown;
                    if self.electrical_synapse_projection {
                        self.electrical_by_name += 1;
                    }
                } else if sign != Sign::Unknown && weight_sign == Sign::Unknown {
                    self.signed_by_name += 1;
                }
                if element == "continuousConnection" {
                    self.continuous += 1;
                }
                let mut pre = CellRef::parse(&pre);
                let mut post = CellRef::parse(&post);
                // A bare cell index relative to the projection's populations.
                for (cell, population) in [(&mut pre, &projection.pre), (&mut post, &projection.post)] {
                    if cell.cell.is_none()
                        && cell.population.chars().all(|c| c.is_ascii_digit())
                        && !population.is_empty()
                    {
                        cell.cell = Some(std::mem::replace(&mut cell.population, population.clone()));
                    }
                }
                self.connections.push(Connection {
                    pre,
                    post,
                    kind: projection.kind,
                    weight,
                    sign,
                    delay,
                    line,
                    element,
                });
                None
            }
            _ => None,
        })
    }

    fn finish(self, x: &XmlReader, options: &LoadOptions) -> Result<Connectome, ReadError> {
        let path = &x.path;
        let mut b = ConnectomeBuilder::new();
        b.sign_rule = options.sign_rule;
        b.neurons_from_table = true;
        // Per population: the index of its first neuron, its number of cells and their
        // instance ids.
        let mut index: HashMap<&str, (usize, usize, Vec<&str>)> = HashMap::new();
        let mut any_position = false;
        for pop in &self.populations {
            let cells = pop.size.max(pop.instances.len());
            let first = b.neurons.len();
            for k in 0..cells {
                let name = if cells == 1 {
                    pop.id.clone()
                } else {
                    let id = pop.instances.get(k).map_or_else(|| k.to_string(), |i| i.0.clone());
                    format!("{}[{id}]", pop.id)
                };
                if name.is_empty() || b.neurons.find(&name).is_some() {
                    return Err(x.at(pop.line, "population", Problem::DuplicateNode(name)));
                }
                let i = b.neurons.find_or_add(&name);
                if let Some((_, Some(p))) = pop.instances.get(k) {
                    b.neurons.position[i] = Some(*p);
                    any_position = true;
                }
                for (tag, value) in &pop.properties {
                    let n = &mut b.neurons;
                    match column_of(tag) {
                        Column::Class => n.class.set(i, value),
                        Column::CellType => n.cell_type.set(i, value),
                        Column::Neurotransmitter => n.neurotransmitter.set(i, value),
                        _ => n.attribute_mut(tag).set(i, value),
                    }
                }
            }
            let ids = pop.instances.iter().map(|i| i.0.as_str()).collect();
            if index.insert(&pop.id, (first, cells, ids)).is_some() {
                return Err(x.at(pop.line, "population", Problem::DuplicateNode(pop.id.clone())));
            }
        }
        if any_position {
            b.neurons.position_unit = Some("um".into());
        }
        for c in &self.connections {
            let resolve = |cell: &CellRef| -> Result<usize, ReadError> {
                let unknown = || {
                    let text = match &cell.cell {
                        Some(id) => format!("{}/{id}", cell.population),
                        None => cell.population.clone(),
                    };
                    x.at(c.line, c.element, Problem::UnknownNode(text))
                };
                let (first, cells, ids) = index.get(cell.population.as_str()).ok_or_else(unknown)?;
                let k = match &cell.cell {
                    None => 0,
                    Some(id) => match ids.iter().position(|i| i == id) {
                        Some(k) => k,
                        None => id.parse::<usize>().map_err(|_| unknown())?,
                    },
                };
                if k >= *cells {
                    return Err(unknown());
                }
                Ok(first + k)
            };
            let (pre, post) = (resolve(&c.pre)?, resolve(&c.post)?);
            b.add_edge(c.kind, pre, post, c.weight, c.sign, c.delay, c.line);
        }
        if self.continuous > 0 {
            b.report.add(
                WarningCode::Interpretation,
                self.continuous,
                format!(
                    "{} continuous (graded) connections read as chemical synapses",
                    thousands(self.continuous)
                ),
            );
        }
        if self.electrical_by_name > 0 {
            b.report.add(
                WarningCode::Interpretation,
                self.electrical_by_name,
                format!(
                    "{} connections of projections of an electrical synapse ('elec' in its name) read as gap junctions",
                    thousands(self.electrical_by_name)
                ),
            );
        }
        if self.signed_by_name > 0 {
            b.report.add(
                WarningCode::Interpretation,
                self.signed_by_name,
                format!(
                    "{} connections signed by their synapse's name ('inh' inhibitory, 'exc' excitatory)",
                    thousands(self.signed_by_name)
                ),
            );
        }
        if let Some(table) = &options.neuron_table {
            neuron_table::read(Source::open(table)?, &mut b, TableRole::Annotates)?;
        }
        if b.neurons.is_empty() {
            return Err(ReadError::new(
                path,
                Location::File,
                Problem::Invalid("the document has no <population>".into()),
            ));
        }
        super::csv_edges::finish(b, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_signs_and_delays() {
        let r = CellRef::parse("../VD12/0/GenericNeuronCell");
        assert_eq!((r.population.as_str(), r.cell.as_deref()), ("VD12", Some("0")));
        let r = CellRef::parse("../pop[3]");
        assert_eq!((r.population.as_str(), r.cell.as_deref()), ("pop", Some("3")));
        assert_eq!(sign_of_synapse("neuron_to_neuron_inh_syn"), Sign::Inhibitory);
        assert_eq!(sign_of_synapse("exc_syn"), Sign::Excitatory);
        assert_eq!(sign_of_synapse("neuron_to_neuron_elec_syn"), Sign::Unknown);
        assert!(is_electrical_synapse("neuron_to_neuron_elec_syn"));
        assert!(!is_electrical_synapse("neuron_to_neuron_exc_syn"));
        assert_eq!(milliseconds("3ms"), Ok(3.0));
        assert_eq!(milliseconds("0.002 s"), Ok(2.0));
        assert_eq!(milliseconds("1e-3s"), Ok(1.0));
        assert!(milliseconds("3 parsecs").is_err());
    }
}
