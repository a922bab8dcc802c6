//! The editable timeline of a live run: the protocol (model settings and timed items) with
//! undo and redo. Edits are wishes; the simulation thread makes them real at the time it has
//! reached ([`Protocol::splice`]), so what the timeline shows is always what happened and what
//! will happen — a protocol `simulate --protocol` reproduces.

use super::protocol::Protocol;

#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// The protocol as edited, spliced into the run once the simulation takes it.
    document: Protocol,
    undo: Vec<Protocol>,
    redo: Vec<Protocol>,
    /// The document changed since the simulation last took it.
    pending: bool,
}

impl Timeline {
    pub fn new(document: Protocol) -> Timeline {
        Timeline {
            document,
            pending: true,
            ..Default::default()
        }
    }

    pub fn document(&self) -> &Protocol {
        &self.document
    }

    /// Changes the document; an edit that changes nothing is not recorded.
    pub fn edit(&mut self, change: impl FnOnce(&mut Protocol)) -> bool {
        let mut next = self.document.clone();
        change(&mut next);
        if next == self.document {
            return false;
        }
        self.undo.push(std::mem::replace(&mut self.document, next));
        self.redo.clear();
        self.pending = true;
        true
    }

    /// An edit waits for the simulation to take it.
    pub fn is_pending(&self) -> bool {
        self.pending
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    pub fn undo(&mut self) -> bool {
        let Some(previous) = self.undo.pop() else { return false };
        self.redo.push(std::mem::replace(&mut self.document, previous));
        self.pending = true;
        true
    }

    pub fn redo(&mut self) -> bool {
        let Some(next) = self.redo.pop() else { return false };
        self.undo.push(std::mem::replace(&mut self.document, next));
        self.pending = true;
        true
    }

    /// For the simulation: the document to run from `t_ms` on, spliced into `running` (the
    /// protocol it has been running), if it changed. The document becomes the spliced one.
    pub fn take(&mut self, running: &Protocol, t_ms: f64) -> Option<Protocol> {
        if !self.pending {
            return None;
        }
        self.pending = false;
        // New model settings restart the run, so nothing of the past needs keeping.
        if self.document.simulation != running.simulation {
            return Some(self.document.clone());
        }
        self.document = Protocol::splice(running, &self.document, t_ms);
        Some(self.document.clone())
    }

    /// For the simulation: the last edit could not be run (e.g. a target that names no
    /// neuron); it is dropped and `running` stays the document.
    pub fn reject(&mut self, running: &Protocol) {
        self.pending = false;
        if running.simulation.is_none() {
            // Nothing ran yet (the first document failed): keep it to be fixed.
            return;
        }
        self.undo.pop();
        self.document = running.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::protocol::parse_stimulus;

    fn with(items: &[&str]) -> Protocol {
        Protocol {
            items: items.iter().map(|s| parse_stimulus(s).unwrap()).collect(),
            simulation: Some(Default::default()),
        }
    }

    #[test]
    fn undo_and_redo_walk_the_edits() {
        let mut t = Timeline::new(with(&[]));
        assert!(!t.can_undo() && !t.can_redo());
        assert!(t.edit(|p| p.items = with(&["dc A amplitude=1"]).items));
        assert!(t.edit(|p| p.items.push(parse_stimulus("silence B").unwrap())));
        assert!(!t.edit(|_| {}), "a no-op is not an edit");
        assert_eq!(t.document(), &with(&["dc A amplitude=1", "silence B"]));
        assert!(t.undo());
        assert_eq!(t.document(), &with(&["dc A amplitude=1"]));
        assert!(t.undo());
        assert_eq!(t.document(), &with(&[]));
        assert!(!t.undo());
        assert!(t.redo() && t.redo() && !t.redo());
        assert_eq!(t.document(), &with(&["dc A amplitude=1", "silence B"]));
        // A new edit after undo drops the redo branch.
        t.undo();
        t.edit(|p| p.items.clear());
        assert!(!t.can_redo());
    }

    #[test]
    fn the_simulation_takes_edits_at_its_time() {
        let mut t = Timeline::new(with(&[]));
        let running = t.take(&Protocol::default(), 0.0).unwrap();
        assert!(t.take(&running, 0.0).is_none(), "nothing new");
        // Silence B at 10 ms, undo at 25 ms: B was silent from 10 to 25 ms.
        t.edit(|p| p.items.push(parse_stimulus("silence B start=10").unwrap()));
        let running = t.take(&running, 10.0).unwrap();
        t.undo();
        let running = t.take(&running, 25.0).unwrap();
        assert_eq!(running, with(&["silence B start=10 stop=25"]));
        assert_eq!(t.document(), &running);
        // Redo at 40 ms silences B again from 40 ms; the past stays.
        t.redo();
        let running = t.take(&running, 40.0).unwrap();
        assert_eq!(running, with(&["silence B start=40", "silence B start=10 stop=25"]));
        // A rejected edit leaves the running protocol.
        t.edit(|p| p.items.clear());
        t.reject(&running);
        assert_eq!(t.document(), &running);
        // If the first document fails, it stays to be fixed.
        let mut t = Timeline::new(with(&["dc NOBODY amplitude=1"]));
        t.take(&Protocol::default(), 0.0);
        t.reject(&Protocol::default());
        assert_eq!(t.document(), &with(&["dc NOBODY amplitude=1"]));
    }
}
