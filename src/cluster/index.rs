//! An index over nodes for the scheduler's default search (every node scored).
//!
//! kube-scheduler's filters and resource scores depend on a node only through its pool
//! (allocatable, labels other than the hostname, taints), its readiness and cordon, and
//! what is requested on it. Nodes equal in all of these form a *class*; a pod fits all of a
//! class or none of it, with the same score. The index keeps the classes, each with its
//! nodes ordered by id, so a scheduling decision evaluates one node per class instead of
//! every node. Choosing the best class and, within it, the lowest node id gives exactly the
//! node a full scan picks (highest score, ties to the lowest index); `tests` check that
//! against the scan under random operations.
//!
//! Pods whose node selector or affinity names `kubernetes.io/hostname` see per-node labels
//! and are scheduled by the scan instead.

use std::cell::Cell;
use std::collections::BTreeMap;

use crate::api::NodeId;
use crate::api::job::PodTemplate;
use crate::cluster::node::Node;
use crate::cluster::scheduler::{
    SchedulerConfig, ScoringStrategy, Usage, fits, pick_normalized, raw_preference, score,
    score_usage,
};

/// Everything that decides a node's filter result and score, in a few machine words:
/// taints and extended resources, which rarely differ between nodes, are interned. The
/// fields that usually tell two classes apart come first, so that the derived comparison
/// (only used to find a class in `by_key`, never to order anything visible) ends early.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct ClassKey {
    pods: i64,
    cpu_millis: i64,
    memory_bytes: i64,
    pool: u32,
    ready: bool,
    unschedulable: bool,
    /// Interned node taints (they differ from the pool's after a node failure).
    taints: u32,
    /// Interned requested extended resources.
    extended: u32,
    ephemeral_storage_bytes: i64,
    nonzero_cpu_millis: i64,
    nonzero_memory_bytes: i64,
}

/// Values interned by position; 0 is the empty value.
#[derive(Clone, Debug)]
struct Interner<T> {
    values: Vec<T>,
}

impl<T: PartialEq + Clone + Default> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            values: vec![T::default()],
        }
    }
}

impl<T: PartialEq + Clone + Default> Interner<T> {
    /// The id of `v`: a scan, since only a handful of distinct values ever exist.
    fn id(&mut self, v: &T) -> u32 {
        if let Some(i) = self.values.iter().position(|x| x == v) {
            return i as u32;
        }
        self.values.push(v.clone());
        (self.values.len() - 1) as u32
    }
}

/// One class: its members as a bit set over node ids, and the smallest of them.
///
/// `repr(C)` keeps what a scheduling decision reads of a class (its members' count, the
/// lowest of them, whether its nodes are plain, the cached decision) in its first line:
/// a decision visits every class.
#[derive(Clone, Debug)]
#[repr(C)]
struct Class {
    count: u32,
    /// The lowest member (valid while `count > 0`).
    first: u32,
    /// No taints and not cordoned: the class's filter is NodeResourcesFit alone for a
    /// template that asks for no node labels or extended resources.
    plain_nodes: bool,
    /// Whether the index's current [`Shape`] fits this class, and its resource score: both
    /// depend on the class only through its usage, fixed while the slot holds its key.
    decision: Decision,
    /// What the resource filter and scores read of each member (equal for all of them:
    /// requests are in the key, allocatable is the pool's), so that a decision need not
    /// read a member node, a cache miss in a large cluster.
    usage: Usage,
    key: ClassKey,
    bits: Vec<u64>,
    /// The classes nodes of this class last moved to (a bind, a release): a node usually
    /// moves the way the last one did, and finding the class here costs one comparison of
    /// keys instead of a search of `by_key`. Entries may be stale (a slot freed, or reused
    /// for another key); `update` checks them: a slot in use has members.
    moved_to: [u32; 2],
}

/// What a decision for a plain template reads of the template and the configuration: the
/// requests NodeResourcesFit compares (pods, cpu, memory, ephemeral storage), the
/// non-zero cpu and memory the scores add, and the scoring strategy with balanced
/// allocation (never 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shape {
    words: [i64; 6],
    tag: u8,
}

impl Shape {
    fn of(tpl: &PodTemplate, cfg: &SchedulerConfig) -> Shape {
        let strategy = match cfg.scoring {
            ScoringStrategy::LeastAllocated => 0,
            ScoringStrategy::MostAllocated => 1,
        };
        let r = &tpl.requests;
        Shape {
            words: [
                r.pods,
                r.cpu_millis,
                r.memory_bytes,
                r.ephemeral_storage_bytes,
                tpl.nonzero_requests.0,
                tpl.nonzero_requests.1,
            ],
            tag: 1 | strategy << 1 | u8::from(cfg.balanced_allocation) << 2,
        }
    }
}

/// The [`Shape`] the classes' decisions were made for, one plain word per cell, so that a
/// decision compares them where they are. (A record copied out of one cell as a whole and
/// compared as bytes cost a store-forwarding stall: half of `select`'s time once.)
#[derive(Clone, Debug, Default)]
struct DecidedFor {
    /// [`Shape::tag`]; 0 before the first decision.
    tag: Cell<u8>,
    words: [Cell<i64>; 6],
}

impl DecidedFor {
    #[inline]
    fn is(&self, shape: &Shape) -> bool {
        self.tag.get() == shape.tag
            && self
                .words
                .iter()
                .zip(shape.words)
                .all(|(c, w)| c.get() == w)
    }

    fn set(&self, shape: &Shape) {
        self.tag.set(shape.tag);
        for (c, w) in self.words.iter().zip(shape.words) {
            c.set(w);
        }
    }
}

/// A class's cached decision for the index's current shape.
#[derive(Clone, Debug, Default)]
struct Decision {
    /// [`UNDECIDED`], [`FITS`] or [`DOES_NOT_FIT`].
    state: Cell<u8>,
    /// The resource score ([`score_usage`]), when it fits.
    score: Cell<i64>,
}

const UNDECIDED: u8 = 0;
const FITS: u8 = 1;
const DOES_NOT_FIT: u8 = 2;

impl Class {
    /// Whether the template fits the class and, if so, its resource score: from the cache
    /// when the class has decided since the index's shape was last set.
    #[inline]
    fn decide(&self, tpl: &PodTemplate, cfg: &SchedulerConfig) -> Option<i64> {
        let state = self.decision.state.get();
        if state != UNDECIDED {
            let decided = (state == FITS).then(|| self.decision.score.get());
            debug_assert_eq!(
                decided,
                self.usage
                    .fits(tpl)
                    .then(|| score_usage(&self.usage, tpl, cfg)),
                "a stale cached decision"
            );
            return decided;
        }
        let decided = self
            .usage
            .fits(tpl)
            .then(|| score_usage(&self.usage, tpl, cfg));
        self.decision.state.set(if decided.is_some() {
            FITS
        } else {
            DOES_NOT_FIT
        });
        self.decision.score.set(decided.unwrap_or(0));
        decided
    }

    /// Gives the slot a new key: its nodes' usage, and no decision yet.
    fn take_key(&mut self, key: ClassKey, usage: Usage) {
        self.plain_nodes = key.taints == 0 && !key.unschedulable;
        self.key = key;
        self.usage = usage;
        self.decision.state.set(UNDECIDED);
    }

    fn insert(&mut self, id: u32) {
        let (w, b) = ((id / 64) as usize, id % 64);
        if self.bits.len() <= w {
            self.bits.resize(w + 1, 0);
        }
        self.bits[w] |= 1 << b;
        self.first = if self.count == 0 {
            id
        } else {
            self.first.min(id)
        };
        self.count += 1;
    }

    fn remove(&mut self, id: u32) {
        let (w, b) = ((id / 64) as usize, id % 64);
        self.bits[w] &= !(1 << b);
        self.count -= 1;
        if self.count > 0 && self.first == id {
            // The next member: usually in the same or a nearby word.
            let mut w = w;
            loop {
                let word = self.bits[w];
                if word != 0 {
                    self.first = w as u32 * 64 + word.trailing_zeros();
                    break;
                }
                w += 1;
            }
        }
    }
}

/// Nodes grouped into scheduling classes.
#[derive(Clone, Debug, Default)]
pub struct NodeIndex {
    /// Classes by slot; a slot is reused once its class is empty (`count == 0`, every bit
    /// clear), keeping its bit set's allocation: a node moving between two classes empties
    /// and refills a slot on every bind and release, which must not allocate and zero a
    /// bit set as large as the cluster.
    slots: Vec<Class>,
    free: Vec<u32>,
    by_key: BTreeMap<ClassKey, u32>,
    /// Each node's slot (`NO_SLOT` when not filed).
    node_slot: Vec<u32>,
    taints: Interner<thin_vec::ThinVec<crate::api::job::Taint>>,
    extended: Interner<Vec<(String, i64)>>,
    /// The shape every class's cached [`Decision`] was made for.
    decided_for: DecidedFor,
}

const NO_SLOT: u32 = u32::MAX;

/// The label whose value is unique per node.
const HOSTNAME: &str = "kubernetes.io/hostname";

impl NodeIndex {
    /// Whether a template's constraints are the same for every node of a class.
    pub fn usable_for(tpl: &PodTemplate) -> bool {
        !tpl.node_selector.contains_key(HOSTNAME)
            && tpl
                .required_affinity
                .terms
                .iter()
                .flatten()
                .all(|r| r.key != HOSTNAME)
            && tpl
                .preferred_affinity
                .iter()
                .flat_map(|p| p.requirements.iter())
                .all(|r| r.key != HOSTNAME)
    }

    /// (Re)files node `id` under its current class.
    pub fn update(&mut self, id: NodeId, node: &Node) {
        let i = id.idx();
        if self.node_slot.len() <= i {
            self.node_slot.resize(i + 1, NO_SLOT);
        }
        let r = &node.requested;
        let key = ClassKey {
            pool: node.pool,
            ready: node.ready,
            unschedulable: node.unschedulable,
            taints: if node.taints.is_empty() {
                0
            } else {
                self.taints.id(&node.taints)
            },
            extended: if r.extended.is_empty() {
                0
            } else {
                self.extended.id(&r.extended)
            },
            cpu_millis: r.cpu_millis,
            memory_bytes: r.memory_bytes,
            ephemeral_storage_bytes: r.ephemeral_storage_bytes,
            pods: r.pods,
            nonzero_cpu_millis: node.nonzero_cpu_millis,
            nonzero_memory_bytes: node.nonzero_memory_bytes,
        };
        let old = self.node_slot[i];
        let mut cached = None;
        if old != NO_SLOT {
            let from = &self.slots[old as usize];
            if from.key == key {
                return;
            }
            cached = from.moved_to.iter().copied().find(|&s| {
                self.slots
                    .get(s as usize)
                    .is_some_and(|c| c.count > 0 && c.key == key)
            });
            // Leaves its class (`remove`, with the slot already in hand).
            let c = &mut self.slots[old as usize];
            c.remove(id.0);
            if c.count == 0 {
                self.by_key.remove(&c.key);
                self.free.push(old);
            }
        }
        let slot = match cached.or_else(|| self.by_key.get(&key).copied()) {
            Some(s) => s,
            None => {
                let usage = Usage::of(node);
                let s = match self.free.pop() {
                    Some(s) => s,
                    None => {
                        self.slots.push(Class {
                            count: 0,
                            first: 0,
                            plain_nodes: false,
                            decision: Decision::default(),
                            usage,
                            key,
                            bits: Vec::new(),
                            moved_to: [NO_SLOT; 2],
                        });
                        (self.slots.len() - 1) as u32
                    }
                };
                self.slots[s as usize].take_key(key, usage);
                self.by_key.insert(key, s);
                s
            }
        };
        if old != NO_SLOT && cached.is_none() {
            let m = &mut self.slots[old as usize].moved_to;
            m[1] = m[0];
            m[0] = slot;
        }
        debug_assert_eq!(
            self.slots[slot as usize].usage,
            Usage::of(node),
            "nodes of one class differ in what the scheduler reads"
        );
        self.slots[slot as usize].insert(id.0);
        self.node_slot[i] = slot;
    }

    /// Takes a node out of the index (a removed node, or before re-filing it).
    pub fn remove(&mut self, id: NodeId) {
        let Some(&slot) = self.node_slot.get(id.idx()) else {
            return;
        };
        if slot == NO_SLOT {
            return;
        }
        self.node_slot[id.idx()] = NO_SLOT;
        let c = &mut self.slots[slot as usize];
        c.remove(id.0);
        if c.count == 0 {
            self.by_key.remove(&c.key);
            self.free.push(slot);
        }
    }

    /// Number of classes (diagnostics and tests).
    pub fn class_count(&self) -> usize {
        self.by_key.len()
    }

    /// The lowest node id of each non-empty class, in no particular order.
    fn representatives(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots.iter().filter(|c| c.count > 0).map(|c| c.first)
    }

    /// The node a full scan would choose, or `None` if the pod fits nowhere. With
    /// `normalized`, the TaintToleration and NodeAffinity scores are normalized over the
    /// feasible classes, as the scan normalizes them over the feasible nodes (equal within
    /// a class, so the maxima are the same).
    pub fn select(
        &self,
        nodes: &[Node],
        tpl: &PodTemplate,
        cfg: &SchedulerConfig,
        normalized: bool,
    ) -> Option<NodeId> {
        if normalized {
            let feasible = self.representatives().filter_map(|first| {
                let node = &nodes[first as usize];
                fits(node, tpl).then(|| {
                    (
                        first as usize,
                        score(node, tpl, cfg),
                        raw_preference(node, tpl),
                    )
                })
            });
            return pick_normalized(feasible).map(|(_, i)| NodeId(i as u32));
        }
        // Where a class's taints and cordon cannot matter and the pod asks for no node
        // labels or extended resources, the filter is NodeResourcesFit alone, read from the
        // class; otherwise from its first node.
        let plain = tpl.node_selector.is_empty()
            && tpl.required_affinity.terms.is_empty()
            && tpl.requests.extended.is_empty();
        if plain {
            // Decisions in a row usually place pods of one template: the classes' cached
            // decisions serve until the shape changes.
            let shape = Shape::of(tpl, cfg);
            if !self.decided_for.is(&shape) {
                self.decided_for.set(&shape);
                for c in &self.slots {
                    c.decision.state.set(UNDECIDED);
                }
            }
        }
        let mut best: Option<(i64, u32)> = None;
        for c in self.slots.iter().filter(|c| c.count > 0) {
            let first = c.first;
            let s = if plain && c.plain_nodes {
                match c.decide(tpl, cfg) {
                    Some(s) => s,
                    None => continue,
                }
            } else {
                let node = &nodes[first as usize];
                if !fits(node, tpl) {
                    continue;
                }
                score(node, tpl, cfg)
            };
            let better = match best {
                None => true,
                Some((bs, bi)) => s > bs || (s == bs && first < bi),
            };
            if better {
                best = Some((s, first));
            }
        }
        best.map(|(_, i)| NodeId(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::resources::Resources;
    use crate::cluster::node::{Cluster, NodePool};
    use crate::cluster::scheduler::schedule_scan;
    use crate::engine::rng::mix64;

    fn cluster(prefer_no_schedule: bool) -> Cluster {
        let pool = |name: &str, count, cpu, mem| NodePool {
            name: name.into(),
            count,
            allocatable: Resources::new(cpu, mem),
            ..NodePool::default()
        };
        let mut small = pool("small", 7, 4000, 8 << 30);
        if prefer_no_schedule {
            small.taints.push(crate::api::job::Taint {
                key: "spot".into(),
                value: "true".into(),
                effect: crate::api::job::TaintEffect::PreferNoSchedule,
            });
        }
        Cluster::from_pools(vec![small, pool("big", 5, 16000, 64 << 30)])
    }

    /// A one-container pod template requesting `cpu` millicores and `mem` bytes.
    fn shape(cpu: i64, mem: i64) -> PodTemplate {
        let mut t = crate::sim::testing::template();
        t.requests = Resources::new(cpu, mem);
        t.requests.pods = 1;
        t.nonzero_requests = (cpu, mem);
        t
    }

    /// Random binds and releases of pods of three shapes: the index and the scan agree on
    /// every decision, for both scoring strategies.
    #[test]
    fn index_agrees_with_the_scan() {
        for (strategy, prefer) in [
            (ScoringStrategy::LeastAllocated, false),
            (ScoringStrategy::MostAllocated, false),
            (ScoringStrategy::LeastAllocated, true),
            (ScoringStrategy::MostAllocated, true),
        ] {
            for balanced in [false, true] {
                let cfg = SchedulerConfig {
                    scoring: strategy,
                    balanced_allocation: balanced,
                    ..SchedulerConfig::default()
                };
                let mut c = cluster(prefer);
                let mut shapes: Vec<PodTemplate> = [
                    (500, 1 << 30),
                    (2000, 512 << 20),
                    (250, 6 << 30),
                    (1000, 1 << 30),
                ]
                .iter()
                .map(|&(cpu, mem)| shape(cpu, mem))
                .collect();
                // The last shape prefers the small pool (weight 30).
                shapes[3]
                    .preferred_affinity
                    .push(crate::api::job::PreferredNodeAffinity {
                        weight: 30,
                        requirements: vec![crate::api::job::NodeSelectorRequirement {
                            key: "jobsim.dev/pool".into(),
                            operator: crate::api::job::SelectorOperator::In,
                            values: vec!["small".into()],
                        }],
                    });
                let mut placed: Vec<(NodeId, usize)> = Vec::new();
                let mut x = 7u64;
                for step in 0..3000 {
                    x = mix64(x);
                    if x.is_multiple_of(3) && !placed.is_empty() {
                        let (n, s) = placed.swap_remove((x as usize / 3) % placed.len());
                        c.release(n, &shapes[s].requests, shapes[s].nonzero_requests);
                        continue;
                    }
                    let s = (x >> 8) as usize % shapes.len();
                    let by_scan = schedule_scan(&c, &shapes[s], &cfg, &mut 0).ok();
                    let normalized =
                        crate::cluster::scheduler::needs_normalized_scores(&c, &shapes[s]);
                    let by_index = c.index.select(&c.nodes, &shapes[s], &cfg, normalized);
                    assert_eq!(
                        by_index, by_scan,
                        "step {step} ({strategy:?}, balanced {balanced}, prefer {prefer})"
                    );
                    if let Some(n) = by_index {
                        c.reserve(n, &shapes[s].requests, shapes[s].nonzero_requests);
                        placed.push((n, s));
                    }
                }
                assert!(c.index.class_count() < c.nodes.len() * 2);
            }
        }
    }

    /// A class's cached score serves only the template shape and strategy it was computed
    /// for: one index, asked in turn for different shapes under both strategies, agrees with
    /// the scan every time.
    #[test]
    fn a_cached_score_serves_only_what_it_was_computed_for() {
        let mut c = cluster(false);
        let (cpu_heavy, mem_heavy) = (shape(3000, 1 << 30), shape(250, 6 << 30));
        // Uneven usage, so that the strategies and shapes disagree about the best class.
        for n in [0, 7, 8, 8] {
            c.reserve(NodeId(n), &cpu_heavy.requests, cpu_heavy.nonzero_requests);
        }
        use ScoringStrategy::{LeastAllocated, MostAllocated};
        // Neighbours differ in one setting.
        let cfgs = [
            (LeastAllocated, false),
            (MostAllocated, false),
            (MostAllocated, true),
            (LeastAllocated, true),
        ]
        .map(|(scoring, balanced)| SchedulerConfig {
            scoring,
            balanced_allocation: balanced,
            ..SchedulerConfig::default()
        });
        let mut questions = Vec::new();
        // Consecutive questions differ in one setting, then in the shape alone.
        for tpl in [&cpu_heavy, &mem_heavy] {
            questions.extend(cfgs.iter().map(|cfg| (tpl, cfg)));
        }
        for cfg in &cfgs {
            questions.extend([(&cpu_heavy, cfg), (&mem_heavy, cfg)]);
        }
        let mut answers = std::collections::BTreeSet::new();
        for (i, (tpl, cfg)) in questions.into_iter().enumerate() {
            let by_scan = schedule_scan(&c, tpl, cfg, &mut 0).ok();
            let by_index = c.index.select(&c.nodes, tpl, cfg, false);
            assert_eq!(by_index, by_scan, "question {i}: {cfg:?}");
            answers.insert(by_index);
        }
        assert!(
            answers.len() > 1,
            "every question had the same answer: {answers:?}"
        );
    }
}
