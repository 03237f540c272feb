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

use std::collections::{BTreeMap, BTreeSet};

use crate::api::NodeId;
use crate::api::job::PodTemplate;
use crate::api::resources::Resources;
use crate::cluster::node::Node;
use crate::cluster::scheduler::{SchedulerConfig, fits, pick_normalized, raw_preference, score};

/// Everything that decides a node's filter result and score.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct ClassKey {
    pool: u32,
    ready: bool,
    unschedulable: bool,
    /// Node taints differ from the pool's (set by node failures): part of the key.
    taints: Vec<(String, String, u8)>,
    requested: Resources,
    nonzero_cpu_millis: i64,
    nonzero_memory_bytes: i64,
}

impl ClassKey {
    fn of(node: &Node) -> ClassKey {
        ClassKey {
            pool: node.pool,
            ready: node.ready,
            unschedulable: node.unschedulable,
            taints: node
                .taints
                .iter()
                .map(|t| (t.key.clone(), t.value.clone(), t.effect as u8))
                .collect(),
            requested: node.requested.clone(),
            nonzero_cpu_millis: node.nonzero_cpu_millis,
            nonzero_memory_bytes: node.nonzero_memory_bytes,
        }
    }
}

/// Nodes grouped into scheduling classes.
#[derive(Clone, Debug, Default)]
pub struct NodeIndex {
    classes: BTreeMap<ClassKey, BTreeSet<u32>>,
    keys: Vec<Option<ClassKey>>,
}

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
        if self.keys.len() <= i {
            self.keys.resize(i + 1, None);
        }
        let key = ClassKey::of(node);
        if self.keys[i].as_ref() == Some(&key) {
            return;
        }
        if let Some(old) = self.keys[i].take()
            && let Some(set) = self.classes.get_mut(&old)
        {
            set.remove(&id.0);
            if set.is_empty() {
                self.classes.remove(&old);
            }
        }
        self.classes.entry(key.clone()).or_default().insert(id.0);
        self.keys[i] = Some(key);
    }

    /// Takes a removed node out of the index.
    pub fn remove(&mut self, id: NodeId) {
        if let Some(old) = self.keys.get_mut(id.idx()).and_then(Option::take)
            && let Some(set) = self.classes.get_mut(&old)
        {
            set.remove(&id.0);
            if set.is_empty() {
                self.classes.remove(&old);
            }
        }
    }

    /// Number of classes (diagnostics and tests).
    pub fn class_count(&self) -> usize {
        self.classes.len()
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
            let feasible = self.classes.values().filter_map(|members| {
                let &first = members.first()?;
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
        let mut best: Option<(i64, u32)> = None;
        for members in self.classes.values() {
            let Some(&first) = members.first() else {
                continue;
            };
            let node = &nodes[first as usize];
            if !fits(node, tpl) {
                continue;
            }
            let s = score(node, tpl, cfg);
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
    use crate::cluster::node::{Cluster, NodePool};
    use crate::cluster::scheduler::{ScoringStrategy, schedule_scan};
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
                .map(|&(cpu, mem)| {
                    let mut t = crate::sim::testing::template();
                    t.requests = Resources::new(cpu, mem);
                    t.requests.pods = 1;
                    t.nonzero_requests = (cpu, mem);
                    t
                })
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
}
