//! Spike delivery shared by the spiking engines (LIF, Izhikevich).
//!
//! The neurons are split into partitions of consecutive neurons, one per thread. Each partition
//! has an [`Inbox`]: the synapses onto its neurons in rows by presynaptic neuron, and a queue of
//! the spikes in flight per arrival step (a ring of `max_delay + 1` queues). A spike emitted in
//! step s is delivered at the start of step s + 1 into the queue of step s + delay; when that
//! step comes, the weights arriving at each neuron are summed in delivery order, positive and
//! negative apart (NEST's ring buffers, summed the same way), and handed to the model.
//!
//! Queues rather than a dense ring of `slots × neurons` sums: a step touches only the neurons
//! that receive something, and memory grows with the spikes in flight, not with neurons × delay.
//! When a step comes, its queue is sorted by blocks of [`BLOCK`] target neurons (a counting
//! sort, which keeps the delivery order within a block): a block's arrivals are then summed in
//! a small array that stays in the L1 cache (one array of sums for the whole partition missed
//! the cache at almost every event; queues per block made delivery miss it instead), and an
//! engine can take a block through several steps while its state is in cache (see `lif`).

use std::ops::Range;

use rayon::prelude::*;

use super::network::Network;
use super::stdp::{Plasticity, Traces};

/// Below this many neurons a step is too short to be worth splitting across threads.
pub(crate) const MIN_NEURONS_PER_THREAD: usize = 2000;

/// How many partitions to use for `n` neurons when `requested` threads are asked for.
pub(crate) fn useful_threads(n: usize, requested: usize) -> usize {
    requested.clamp(1, (n / MIN_NEURONS_PER_THREAD).max(1))
}

/// `parts` ranges of consecutive neurons covering 0..n, as even as possible.
pub(crate) fn partition(n: usize, parts: usize) -> Vec<Range<usize>> {
    let chunk = n.div_ceil(parts.max(1)).max(1);
    (0..parts.max(1))
        .map(|t| (t * chunk).min(n)..((t + 1) * chunk).min(n))
        .collect()
}

/// Runs per-partition work on a private thread pool (or inline with one partition).
pub(crate) struct Workers(Option<rayon::ThreadPool>);

impl Workers {
    pub(crate) fn new(threads: usize) -> Workers {
        Workers(
            (threads > 1)
                .then(|| rayon::ThreadPoolBuilder::new().num_threads(threads).build().ok())
                .flatten(),
        )
    }

    pub(crate) fn for_each<P: Send>(&self, parts: &mut [P], work: impl Fn(&mut P) + Sync + Send) {
        match &self.0 {
            Some(pool) if parts.len() > 1 => pool.install(|| parts.par_iter_mut().for_each(work)),
            _ => parts.iter_mut().for_each(work),
        }
    }
}

/// The total weight pre -> post over the partitions, if there is a synapse.
/// The end of a spiking engine's step: the STDP traces see the spikes delivered this step,
/// then the parts' new spikes (ascending, as the parts are ordered) become the ones to deliver
/// next step and are handed to the caller.
pub(crate) fn end_step<'a>(
    traces: Option<&mut Traces>,
    previous: &mut Vec<u32>,
    part_spikes: impl Iterator<Item = &'a [u32]>,
    out: &mut Vec<u32>,
) {
    if let Some(traces) = traces {
        traces.advance(previous);
    }
    previous.clear();
    for spikes in part_spikes {
        previous.extend_from_slice(spikes);
    }
    out.extend_from_slice(previous);
}

pub(crate) fn synapse_weight<'a>(mut inboxes: impl Iterator<Item = &'a Inbox>, pre: usize, post: usize) -> Option<f64> {
    inboxes.find(|inbox| inbox.range().contains(&post))?.weight(pre, post)
}

/// The total change of the plastic weights over the partitions, if they are plastic.
pub(crate) fn weight_change<'a>(inboxes: impl Iterator<Item = &'a Inbox>) -> Option<f64> {
    inboxes.map(Inbox::weight_change).sum()
}

/// A synapse onto a partition's neuron (local index), or a spike arriving there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Synapse {
    pub target: u32,
    /// Signed weight; plasticity may change it.
    pub weight: f64,
}

/// Neurons per block of a partition (see the module doc).
pub(crate) const BLOCK: usize = 512;

/// The events of the steps taken from the queues, sorted by target block.
#[derive(Debug, Clone)]
struct Arrivals {
    blocks: usize,
    events: Vec<Synapse>,
    /// Step t, block b: `events[starts[t (blocks + 1) + b]..starts[t (blocks + 1) + b + 1]]`.
    starts: Vec<u32>,
    /// Per neuron of a block, the sums (excitatory, inhibitory) arriving in a step.
    sums: Vec<[f64; 2]>,
}

/// The synapses onto one partition's neurons and the spikes in flight to them.
#[derive(Debug, Clone)]
pub(crate) struct Inbox {
    /// First neuron of the partition; targets are local (neuron - start).
    pub start: usize,
    len: usize,
    /// Row of presynaptic neuron j: `offsets[j]..offsets[j + 1]` (all n sources).
    pub offsets: Vec<u32>,
    pub synapses: Vec<Synapse>,
    /// Delay (steps) of each synapse, or empty when all have `delay`: then a spike's row is
    /// copied into one queue as it is.
    delays: Vec<u16>,
    delay: u16,
    /// Queue s % slots: what arrives in step s, in delivery order.
    queues: Vec<Vec<Synapse>>,
    /// The arrivals of the steps being taken, by block.
    taken: Arrivals,
    plasticity: Option<Box<Plasticity>>,
}

impl Inbox {
    pub(crate) fn new(net: &Network, range: Range<usize>) -> Inbox {
        let mut offsets = vec![0u32; net.n + 1];
        let (mut synapses, mut delays) = (Vec::new(), Vec::new());
        for pre in 0..net.n {
            for k in net.out_range(pre) {
                let t = net.targets[k] as usize;
                if range.contains(&t) {
                    synapses.push(Synapse {
                        target: (t - range.start) as u32,
                        weight: net.weights[k],
                    });
                    delays.push(net.delays[k]);
                }
            }
            offsets[pre + 1] = synapses.len() as u32;
        }
        let delay = delays.first().copied().unwrap_or(1);
        if delays.iter().all(|&d| d == delay) {
            delays = Vec::new();
        }
        Inbox {
            start: range.start,
            len: range.len(),
            offsets,
            synapses,
            delays,
            delay,
            queues: vec![Vec::new(); net.max_delay() as usize + 1],
            taken: Arrivals {
                blocks: range.len().div_ceil(BLOCK),
                events: Vec::new(),
                starts: Vec::new(),
                sums: vec![[0.0; 2]; BLOCK],
            },
            plasticity: None,
        }
    }

    /// Makes the excitatory synapses plastic (see [`super::stdp`]); `n` neurons in all.
    pub(crate) fn enable_plasticity(&mut self, n: usize, w_max: f64) {
        self.plasticity = Some(Box::new(Plasticity::new(self, n, w_max)));
    }

    /// The total change of the plastic weights since the start, if they are plastic.
    pub(crate) fn weight_change(&self) -> Option<f64> {
        self.plasticity.as_ref().map(|p| p.change)
    }

    pub(crate) fn range(&self) -> Range<usize> {
        self.start..self.start + self.len
    }

    /// The synapses from `pre` onto this partition, as indices into `synapses`.
    pub(crate) fn row(&self, pre: usize) -> Range<usize> {
        self.offsets[pre] as usize..self.offsets[pre + 1] as usize
    }

    /// Queues the spikes emitted in step `step - 1` (ascending neurons) for their arrival
    /// steps, after pairing them with `traces` when the synapses are plastic.
    pub(crate) fn deliver(&mut self, spikes: &[u32], step: u64, muted: &[bool], traces: Option<&Traces>) {
        if let Some(traces) = traces
            && let Some(mut plasticity) = self.plasticity.take()
        {
            plasticity.learn(self, spikes, muted, traces);
            self.plasticity = Some(plasticity);
        }
        let slots = self.queues.len();
        let emitted = ((step - 1) % slots as u64) as usize;
        // delay < slots, so one subtraction wraps the ring.
        let slot_of = |delay: u16| {
            let slot = emitted + delay as usize;
            if slot >= slots { slot - slots } else { slot }
        };
        for &pre in spikes {
            if muted[pre as usize] {
                continue;
            }
            let row = self.row(pre as usize);
            if self.delays.is_empty() {
                self.queues[slot_of(self.delay)].extend_from_slice(&self.synapses[row]);
            } else {
                for (synapse, &delay) in self.synapses[row.clone()].iter().zip(&self.delays[row]) {
                    self.queues[slot_of(delay)].push(*synapse);
                }
            }
        }
    }

    /// Empties the queues of `steps` steps from `first`, each followed by the external events
    /// (global neuron, weight) of this partition, into [`Inbox::taken`] by block: step t's
    /// events for block b are then handed out by [`Inbox::block_arrivals`].
    pub(crate) fn take(&mut self, first: u64, steps: usize, external: &[(u32, f64)]) {
        let (start, len) = (self.start, self.len);
        let taken = &mut self.taken;
        let blocks = taken.blocks;
        taken.events.clear();
        taken.starts.clear();
        for t in 0..steps {
            let slot = ((first + t as u64) % self.queues.len() as u64) as usize;
            let queue = &mut self.queues[slot];
            queue.extend(external.iter().filter_map(|&(neuron, weight)| {
                let target = (neuron as usize).checked_sub(start).filter(|&t| t < len)?;
                Some(Synapse {
                    target: target as u32,
                    weight,
                })
            }));
            // A counting sort by block, stable.
            let base = taken.events.len();
            let counts = taken.starts.len();
            taken.starts.resize(counts + blocks + 1, 0);
            let ends = &mut taken.starts[counts..];
            for a in queue.iter() {
                ends[a.target as usize / BLOCK + 1] += 1;
            }
            let mut sum = base as u32;
            for end in ends.iter_mut() {
                sum += *end;
                *end = sum;
            }
            // `ends[b]` is now where block b starts; filling moves it to where b ends.
            taken
                .events
                .resize(base + queue.len(), Synapse { target: 0, weight: 0.0 });
            for a in queue.iter() {
                let at = &mut ends[a.target as usize / BLOCK];
                taken.events[*at as usize] = *a;
                *at += 1;
            }
            // Back to starts: block b starts where b - 1 ends.
            ends.copy_within(0..blocks, 1);
            ends[0] = base as u32;
            queue.clear();
        }
    }

    /// Hands out what block `block` receives in step `t` of the steps taken, calling
    /// `receive(local neuron, excitatory sum, inhibitory sum)` once per neuron with input.
    /// Sums start at 0 and add in delivery order, as NEST's ring buffer.
    pub(crate) fn block_arrivals(&mut self, t: usize, block: usize, mut receive: impl FnMut(usize, f64, f64)) {
        let taken = &mut self.taken;
        let at = t * (taken.blocks + 1) + block;
        let events = &taken.events[taken.starts[at] as usize..taken.starts[at + 1] as usize];
        let (first, sums) = (block * BLOCK, &mut taken.sums);
        for a in events {
            sums[a.target as usize - first][(a.weight < 0.0) as usize] += a.weight;
        }
        for a in events {
            let sums = &mut sums[a.target as usize - first];
            // A neuron listed twice is handed its sums once (the second time they are 0).
            if sums[0] != 0.0 || sums[1] != 0.0 {
                let [ex, inh] = std::mem::take(sums);
                receive(a.target as usize, ex, inh);
            }
        }
    }

    /// Empties the queue of `step`, then the external events (global neuron, weight) of this
    /// partition, calling `receive` as [`Inbox::block_arrivals`] does, block by block.
    pub(crate) fn arrivals(&mut self, step: u64, external: &[(u32, f64)], mut receive: impl FnMut(usize, f64, f64)) {
        self.take(step, 1, external);
        for block in 0..self.taken.blocks {
            self.block_arrivals(0, block, &mut receive);
        }
    }

    /// Drops the spikes in flight and restores the initial weights.
    pub(crate) fn reset(&mut self) {
        self.queues.iter_mut().for_each(Vec::clear);
        if let Some(mut plasticity) = self.plasticity.take() {
            plasticity.reset(self);
            self.plasticity = Some(plasticity);
        }
    }

    /// Total weight of the synapses pre -> post (global indices), if there is one.
    pub(crate) fn weight(&self, pre: usize, post: usize) -> Option<f64> {
        let local = post.checked_sub(self.start).filter(|&t| t < self.len)? as u32;
        if pre + 1 >= self.offsets.len() {
            return None;
        }
        // Rows are sorted by target.
        let row = &self.synapses[self.row(pre)];
        let first = row.partition_point(|s| s.target < local);
        let same = row[first..].iter().take_while(|s| s.target == local);
        same.clone().next().map(|_| same.map(|s| s.weight).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(edges: &[(u32, u32, f64, u16)], n: usize) -> Network {
        let mut out_offsets = vec![0u32; n + 1];
        for e in edges {
            out_offsets[e.0 as usize + 1] += 1;
        }
        for i in 0..n {
            out_offsets[i + 1] += out_offsets[i];
        }
        Network {
            n,
            out_offsets,
            targets: edges.iter().map(|e| e.1).collect(),
            weights: edges.iter().map(|e| e.2).collect(),
            delays: edges.iter().map(|e| e.3).collect(),
            gap_offsets: vec![0; n + 1],
            ..Default::default()
        }
    }

    #[test]
    fn spikes_arrive_after_their_delay_summed_by_sign() {
        // 0 -> 2 (delay 1), 1 -> 2 (delay 3, inhibitory), 1 -> 3 (delay 1)
        let net = net(&[(0, 2, 1.5, 1), (1, 2, -2.0, 3), (1, 3, 4.0, 1)], 4);
        let mut inbox = Inbox::new(&net, 2..4);
        let no = [false; 4];
        inbox.deliver(&[0, 1], 1, &no, None);
        let mut got = Vec::new();
        for step in 1..5 {
            if step > 1 {
                inbox.deliver(&[], step, &no, None);
            }
            inbox.arrivals(step, &[(2, 0.5), (0, 9.0)], |t, ex, inh| got.push((step, t, ex, inh)));
        }
        assert_eq!(got[0], (1, 0, 2.0, 0.0), "the spike and the external event, summed");
        assert_eq!(got[1], (1, 1, 4.0, 0.0));
        assert_eq!(got[2..4], [(2, 0, 0.5, 0.0), (3, 0, 0.5, -2.0)]);
        assert_eq!(inbox.weight(1, 2), Some(-2.0));
        assert_eq!(inbox.weight(0, 3), None);
        assert_eq!(partition(5, 2), vec![0..3, 3..5]);
    }

    #[test]
    fn steps_taken_together_come_out_by_block_in_delivery_order() {
        // Targets in three blocks; 0 -> {5, 600, 1100} (delay 2), 1 -> {600 (twice), 1100} (delay 3).
        let edges = [
            (0, 5, 1.0, 2),
            (0, 600, 2.0, 2),
            (0, 1100, -4.0, 2),
            (1, 600, 0.5, 3),
            (1, 600, 0.25, 3),
            (1, 1100, 8.0, 3),
        ];
        let mut inbox = Inbox::new(&net(&edges, 1200), 0..1200);
        let no = [false; 1200];
        inbox.deliver(&[0, 1], 1, &no, None); // emitted in step 0
        inbox.take(1, 3, &[(600, 0.125)]);
        let mut got = Vec::new();
        for t in 0..3 {
            for block in 0..3 {
                inbox.block_arrivals(t, block, |i, ex, inh| got.push((t + 1, block, i, ex, inh)));
            }
        }
        assert_eq!(
            got,
            [
                (1, 1, 600, 0.125, 0.0),
                (2, 0, 5, 1.0, 0.0),
                (2, 1, 600, 2.125, 0.0),
                (2, 2, 1100, 0.0, -4.0),
                (3, 1, 600, 0.875, 0.0),
                (3, 2, 1100, 8.0, 0.0),
            ]
        );
    }
}
