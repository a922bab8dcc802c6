//! The neuron table: names, annotations, signs and positions, stored column-wise so that
//! a whole-brain table (139k neurons, a dozen attributes) stays small.

use rustc_hash::FxHashMap as HashMap;

use super::Sign;

/// A column of optional strings, interned: categorical annotations (class, cell type,
/// neurotransmitter, super class, side, ...) repeat a few values many times.
#[derive(Clone, Default)]
pub struct StrColumn {
    values: Vec<String>,
    lookup: HashMap<String, u32>,
    /// One code per neuron; `MISSING` where the neuron has no value.
    codes: Vec<u32>,
}

const MISSING: u32 = u32::MAX;

/// Columns are equal when every row has the same value (codes are an internal detail).
impl PartialEq for StrColumn {
    fn eq(&self, other: &Self) -> bool {
        let n = self.codes.len().max(other.codes.len());
        (0..n).all(|i| self.get(i) == other.get(i))
    }
}

impl std::fmt::Debug for StrColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries((0..self.codes.len()).map(|i| self.get(i)))
            .finish()
    }
}

impl StrColumn {
    pub fn get(&self, neuron: usize) -> Option<&str> {
        match self.codes.get(neuron) {
            Some(&c) if c != MISSING => Some(&self.values[c as usize]),
            _ => None,
        }
    }

    /// Sets the value of `neuron`, growing the column with missing values as needed.
    /// An empty string means "no value".
    pub fn set(&mut self, neuron: usize, value: &str) {
        if self.codes.len() <= neuron {
            self.codes.resize(neuron + 1, MISSING);
        }
        self.codes[neuron] = if value.is_empty() {
            MISSING
        } else if let Some(&c) = self.lookup.get(value) {
            c
        } else {
            let c = self.values.len() as u32;
            self.values.push(value.to_owned());
            self.lookup.insert(value.to_owned(), c);
            c
        };
    }

    /// The distinct values present, in first-seen order.
    pub fn distinct(&self) -> &[String] {
        &self.values
    }

    pub fn is_empty(&self) -> bool {
        self.codes.iter().all(|&c| c == MISSING)
    }

    fn resize(&mut self, len: usize) {
        self.codes.resize(len, MISSING);
    }
}

/// A position in space with the unit it is measured in.
pub type Position = [f32; 3];

/// All neurons of a connectome. A neuron is identified by its index (stable for the life of
/// the connectome) and by its name (unique). Names are kept as strings so that 64-bit body ids
/// (FlyWire, neuPrint) survive exactly.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Neurons {
    names: Vec<String>,
    index: HashMap<String, u32>,
    /// Neuron class, e.g. `AVA` for AVAL/AVAR.
    pub class: StrColumn,
    /// Cell type: sensory / interneuron / motor / ..., or a fly cell type.
    pub cell_type: StrColumn,
    /// Neurotransmitter(s), `;`-joined when there are several.
    pub neurotransmitter: StrColumn,
    /// Excitatory / inhibitory / unknown, resolved by [`crate::model::SignRule`].
    pub sign: Vec<Sign>,
    /// Per-neuron position (e.g. soma), if the source has one.
    pub position: Vec<Option<Position>>,
    /// Unit of `position`, e.g. `um` or `nm`.
    pub position_unit: Option<String>,
    /// Any other columns of the source, by name, in the source's order.
    pub attributes: Vec<(String, StrColumn)>,
}

impl Neurons {
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn name(&self, i: usize) -> &str {
        &self.names[i]
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        self.index.get(name).map(|&i| i as usize)
    }

    /// Index of `name`, adding a neuron without annotations if it is new.
    pub fn find_or_add(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i as usize;
        }
        let i = self.names.len();
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i as u32);
        self.sign.push(Sign::Unknown);
        self.position.push(None);
        i
    }

    pub fn has_positions(&self) -> bool {
        self.position.iter().any(Option::is_some)
    }

    /// The attribute column `name`, created if absent.
    pub fn attribute_mut(&mut self, name: &str) -> &mut StrColumn {
        let at = match self.attributes.iter().position(|(n, _)| n == name) {
            Some(at) => at,
            None => {
                self.attributes.push((name.to_owned(), StrColumn::default()));
                self.attributes.len() - 1
            }
        };
        &mut self.attributes[at].1
    }

    pub fn attribute(&self, name: &str) -> Option<&StrColumn> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// Pads every column to the number of neurons, so that lookups never go out of range.
    pub(crate) fn normalize(&mut self) {
        let n = self.len();
        for col in [&mut self.class, &mut self.cell_type, &mut self.neurotransmitter] {
            col.resize(n);
        }
        for (_, col) in &mut self.attributes {
            col.resize(n);
        }
        self.attributes.retain(|(_, c)| !c.is_empty());
    }

    /// Reorders neurons so that new index `i` holds old neuron `order[i]`.
    pub(crate) fn permute(&mut self, order: &[u32]) {
        let old = std::mem::take(self);
        let mut new = Neurons {
            position_unit: old.position_unit.clone(),
            ..Default::default()
        };
        for (i, &o) in order.iter().enumerate() {
            let o = o as usize;
            new.find_or_add(old.name(o));
            new.sign[i] = old.sign[o];
            new.position[i] = old.position[o];
            for (dst, src) in [
                (&mut new.class, &old.class),
                (&mut new.cell_type, &old.cell_type),
                (&mut new.neurotransmitter, &old.neurotransmitter),
            ] {
                dst.set(i, src.get(o).unwrap_or(""));
            }
            for (name, src) in &old.attributes {
                if let Some(v) = src.get(o) {
                    new.attribute_mut(name).set(i, v);
                }
            }
        }
        // Keep attribute columns in the source's order even if the first rows lack them.
        new.attributes
            .sort_by_key(|(n, _)| old.attributes.iter().position(|(m, _)| m == n).unwrap_or(usize::MAX));
        new.normalize();
        *self = new;
    }
}
