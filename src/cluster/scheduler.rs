//! kube-scheduler: the scheduling queue, Filter and Score, and the FailedScheduling message.
//!
//! Upstream sources: `pkg/scheduler/schedule_one.go` (the cycle, `numFeasibleNodesToFind`,
//! `FitError`), `pkg/scheduler/framework/plugins/noderesources/` (Fit, LeastAllocated,
//! MostAllocated, BalancedAllocation), `.../tainttoleration`, `.../nodeaffinity`,
//! `.../nodeunschedulable`, `pkg/scheduler/backend/queue/scheduling_queue.go` (activeQ,
//! backoffQ, unschedulablePods), `pkg/scheduler/apis/config/v1/defaults.go`.
//!
//! Deliberate differences, documented in docs/model.md:
//! - ties between nodes with the same score go to the lowest node index, not to a uniformly
//!   random one, so that the indexed search (`NodeIndex`) and a plain scan agree;
//! - by default every feasible node is scored (`percentageOfNodesToScore: 100`); the
//!   upstream adaptive default is available as `percentageOfNodesToScore: 0`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::api::NodeId;
use crate::api::job::{PodTemplate, TaintEffect, TolerationOperator};
use crate::api::resources::Resources;
use crate::cluster::node::{Cluster, Node};
use crate::engine::time::SimDuration;

/// `NodeResourcesFitArgs.scoringStrategy.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoringStrategy {
    /// Prefer the emptiest nodes (upstream default): spreads pods.
    LeastAllocated,
    /// Prefer the fullest nodes: bin-packing.
    MostAllocated,
}

/// Scheduler settings; defaults are upstream's.
#[derive(Clone, Debug, PartialEq)]
pub struct SchedulerConfig {
    pub scoring: ScoringStrategy,
    /// NodeResourcesBalancedAllocation (weight 1) is part of the default profile.
    pub balanced_allocation: bool,
    /// 1-100: share of nodes to find feasible before scoring; 0 = upstream's adaptive rule.
    pub percentage_of_nodes_to_score: u32,
    /// `podInitialBackoffSeconds`.
    pub pod_initial_backoff: SimDuration,
    /// `podMaxBackoffSeconds`.
    pub pod_max_backoff: SimDuration,
    /// `podMaxInUnschedulablePodsDuration`.
    pub max_in_unschedulable: SimDuration,
    /// Time one scheduling cycle takes (0: unlimited throughput).
    pub cycle_time: SimDuration,
    /// Time from the scheduling decision until the binding is visible to the kubelet.
    pub bind_latency: SimDuration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            scoring: ScoringStrategy::LeastAllocated,
            balanced_allocation: true,
            percentage_of_nodes_to_score: 100,
            pod_initial_backoff: SimDuration::from_secs(1),
            pod_max_backoff: SimDuration::from_secs(10),
            max_in_unschedulable: SimDuration::from_mins(5),
            cycle_time: SimDuration::ZERO,
            bind_latency: SimDuration::ZERO,
        }
    }
}

/// `framework.MaxNodeScore`.
pub const MAX_NODE_SCORE: i64 = 100;

/// Why one node was filtered out.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Rejection {
    /// Fixing it needs a change to the node or pod, not the removal of pods
    /// (`UnschedulableAndUnresolvable`): preemption cannot help.
    Unresolvable(String),
    /// Resource shortages: preemption might help.
    Resources(Vec<String>),
}

/// A pod fits no node: the scheduler's `FitError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FitError {
    pub num_all_nodes: usize,
    /// Reason → number of nodes.
    pub reasons: BTreeMap<String, usize>,
    /// Nodes filtered for reasons preemption cannot fix.
    pub unresolvable_nodes: usize,
    /// Nodes that a preemption could have freed (always "no victims" without preemption).
    pub resource_nodes: usize,
}

impl FitError {
    /// `FitError.Error()` without a PostFilter diagnosis: "0/N nodes are available: ...".
    pub fn filter_message(&self) -> String {
        let mut msg = format!("0/{} nodes are available:", self.num_all_nodes);
        let mut parts: Vec<String> = self
            .reasons
            .iter()
            .map(|(reason, n)| format!("{n} {reason}"))
            .collect();
        parts.sort();
        if !parts.is_empty() {
            let _ = write!(msg, " {}.", parts.join(", "));
        }
        msg
    }

    /// The message of the FailedScheduling event, as `FitError.Error()` writes it, followed by
    /// DefaultPreemption's PostFilter message when no victims exist.
    pub fn message(&self) -> String {
        let mut msg = self.filter_message();
        let mut post: Vec<String> = Vec::new();
        if self.unresolvable_nodes > 0 {
            post.push(format!(
                "{} Preemption is not helpful for scheduling",
                self.unresolvable_nodes
            ));
        }
        if self.resource_nodes > 0 {
            post.push(format!(
                "{} No preemption victims found for incoming pod",
                self.resource_nodes
            ));
        }
        post.sort();
        let _ = write!(
            msg,
            " preemption: 0/{} nodes are available: {}.",
            self.num_all_nodes,
            post.join(", ")
        );
        msg
    }
}

/// The TaintToleration / NodeAffinity / NodeUnschedulable / NodeResourcesFit filters, in
/// the default profile's order; the first failing plugin decides the node's reason.
fn filter(node: &Node, tpl: &PodTemplate) -> Result<(), Rejection> {
    filter_constraints(node, tpl)?;
    if !fits_resources(node, tpl) {
        let reasons = tpl
            .requests
            .shortages(&node.free())
            .into_iter()
            .map(|s| s.to_string())
            .collect();
        return Err(Rejection::Resources(reasons));
    }
    Ok(())
}

/// Whether the pod would fit the node if the pods requesting `freed` were gone: the
/// preemption dry run (`SelectVictimsOnNode`).
pub fn fits_if_freed(node: &Node, tpl: &PodTemplate, freed: &Resources) -> bool {
    if filter_constraints(node, tpl).is_err() {
        return false;
    }
    let mut used = node.requested.clone();
    used.sub(freed);
    let mut needed = used;
    needed.add(&tpl.requests);
    needed.fits_in(&node.allocatable)
}

/// Every filter but NodeResourcesFit.
fn filter_constraints(node: &Node, tpl: &PodTemplate) -> Result<(), Rejection> {
    if node.unschedulable
        && !tpl.tolerations.iter().any(|t| {
            (t.key == "node.kubernetes.io/unschedulable" || t.key.is_empty())
                && t.operator == TolerationOperator::Exists
                && t.effect.is_none_or(|e| e == TaintEffect::NoSchedule)
        })
    {
        return Err(Rejection::Unresolvable(
            "node(s) were unschedulable".to_string(),
        ));
    }
    for taint in &node.taints {
        if taint.effect == TaintEffect::PreferNoSchedule {
            continue;
        }
        if !tpl.tolerations.iter().any(|t| t.tolerates(taint)) {
            return Err(Rejection::Unresolvable(format!(
                "node(s) had untolerated taint {{{}: {}}}",
                taint.key, taint.value
            )));
        }
    }
    let selector_ok = tpl
        .node_selector
        .iter()
        .all(|(k, v)| node.labels.get(k) == Some(v));
    if !selector_ok || !tpl.required_affinity.matches(&node.labels) {
        return Err(Rejection::Unresolvable(
            "node(s) didn't match Pod's node affinity/selector".to_string(),
        ));
    }
    Ok(())
}

/// Whether a pod fits a node, without building a rejection message (the hot path).
#[inline]
pub fn fits(node: &Node, tpl: &PodTemplate) -> bool {
    if !fits_resources(node, tpl) {
        return false;
    }
    if node.unschedulable
        || !node.taints.is_empty()
        || !tpl.node_selector.is_empty()
        || !tpl.required_affinity.terms.is_empty()
    {
        return filter(node, tpl).is_ok();
    }
    true
}

/// What NodeResourcesFit's filter (extended resources aside) and the resource scores read of
/// a node. The node index keeps one per class, so that a decision reads no node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Allocatable (pods, cpu, memory, ephemeral storage).
    pub allocatable: [i64; 4],
    /// Requested (pods, cpu, memory, ephemeral storage).
    pub requested: [i64; 4],
    /// Non-zero requests of cpu and memory (the scores' view).
    pub nonzero: (i64, i64),
}

impl Usage {
    pub fn of(node: &Node) -> Usage {
        let quad = |r: &crate::api::resources::Resources| {
            [
                r.pods,
                r.cpu_millis,
                r.memory_bytes,
                r.ephemeral_storage_bytes,
            ]
        };
        Usage {
            allocatable: quad(&node.allocatable),
            requested: quad(&node.requested),
            nonzero: (node.nonzero_cpu_millis, node.nonzero_memory_bytes),
        }
    }

    /// NodeResourcesFit's filter on pods, cpu, memory and ephemeral storage; extended
    /// resources are the caller's to check.
    #[inline]
    pub fn fits(&self, tpl: &PodTemplate) -> bool {
        let r = &tpl.requests;
        let (a, u) = (&self.allocatable, &self.requested);
        r.pods <= a[0] - u[0]
            && r.cpu_millis <= a[1] - u[1]
            && r.memory_bytes <= a[2] - u[2]
            && r.ephemeral_storage_bytes <= a[3] - u[3]
    }
}

/// NodeResourcesFit's filter, without allocating.
#[inline]
fn fits_resources(node: &Node, tpl: &PodTemplate) -> bool {
    let (a, u, r) = (&node.allocatable, &node.requested, &tpl.requests);
    Usage::of(node).fits(tpl)
        && (r.extended.is_empty()
            || r.extended
                .iter()
                .all(|(name, amount)| *amount <= a.extended(name) - u.extended(name)))
}

/// `leastRequestedScore`.
#[inline]
fn least_requested(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    ((capacity - requested) * MAX_NODE_SCORE) / capacity
}

/// `mostRequestedScore`.
#[inline]
fn most_requested(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 {
        return 0;
    }
    (requested.min(capacity) * MAX_NODE_SCORE) / capacity
}

/// Score of placing a pod with template `tpl` on `node`: NodeResourcesFit (cpu and memory,
/// weight 1 each, non-zero requests) plus NodeResourcesBalancedAllocation, each weighted 1.
/// Weights of the default profile's score plugins besides NodeResourcesFit and
/// NodeResourcesBalancedAllocation (weight 1 each), `default_plugins.go`.
const TAINT_TOLERATION_WEIGHT: i64 = 3;
const NODE_AFFINITY_WEIGHT: i64 = 2;

/// Whether the TaintToleration and NodeAffinity score plugins can tell nodes apart for
/// this pod: only then do scores need normalizing across the feasible nodes.
pub fn needs_normalized_scores(cluster: &Cluster, tpl: &PodTemplate) -> bool {
    !tpl.preferred_affinity.is_empty() || cluster.has_prefer_no_schedule
}

/// The raw scores of the two normalized plugins on one node: the number of
/// PreferNoSchedule taints the pod does not tolerate, and the summed weights of the
/// preferred node-affinity terms the node matches.
pub fn raw_preference(node: &Node, tpl: &PodTemplate) -> (i64, i64) {
    let intolerable = node
        .taints
        .iter()
        .filter(|t| t.effect == TaintEffect::PreferNoSchedule)
        .filter(|t| {
            !tpl.tolerations.iter().any(|tol| {
                tol.tolerates(t)
                    && tol
                        .effect
                        .is_none_or(|e| e == TaintEffect::PreferNoSchedule)
            })
        })
        .count() as i64;
    let affinity = tpl
        .preferred_affinity
        .iter()
        .filter(|p| p.requirements.iter().all(|r| r.matches(&node.labels)))
        .map(|p| i64::from(p.weight))
        .sum();
    (intolerable, affinity)
}

/// TaintToleration's and NodeAffinity's `NormalizeScore` (`helper.DefaultNormalizeScore`:
/// reversed for taints), weighted, given the maxima over the scored nodes.
pub fn preference_score(raw: (i64, i64), max: (i64, i64)) -> i64 {
    let taint = if max.0 == 0 {
        MAX_NODE_SCORE
    } else {
        MAX_NODE_SCORE - raw.0 * MAX_NODE_SCORE / max.0
    };
    let affinity = if max.1 == 0 {
        0
    } else {
        raw.1 * MAX_NODE_SCORE / max.1
    };
    TAINT_TOLERATION_WEIGHT * taint + NODE_AFFINITY_WEIGHT * affinity
}

/// NodeResourcesFit's and NodeResourcesBalancedAllocation's scores (weight 1 each); these
/// need no normalization.
pub fn score(node: &Node, tpl: &PodTemplate, cfg: &SchedulerConfig) -> i64 {
    score_usage(&Usage::of(node), tpl, cfg)
}

/// [`score`] of a node with this usage.
#[inline]
pub fn score_usage(u: &Usage, tpl: &PodTemplate, cfg: &SchedulerConfig) -> i64 {
    let cpu_cap = u.allocatable[1];
    let mem_cap = u.allocatable[2];
    let cpu_req = u.nonzero.0 + tpl.nonzero_requests.0;
    let mem_req = u.nonzero.1 + tpl.nonzero_requests.1;
    let (mut sum, mut weights) = (0i64, 0i64);
    for (req, cap) in [(cpu_req, cpu_cap), (mem_req, mem_cap)] {
        if cap == 0 {
            continue;
        }
        sum += match cfg.scoring {
            ScoringStrategy::LeastAllocated => least_requested(req, cap),
            ScoringStrategy::MostAllocated => most_requested(req, cap),
        };
        weights += 1;
    }
    let mut total = if weights == 0 { 0 } else { sum / weights };
    if cfg.balanced_allocation {
        total += balanced_allocation(u, tpl);
    }
    total
}

/// `balancedResourceScorer` with cpu and memory (actual requests, not non-zero ones).
fn balanced_allocation(u: &Usage, tpl: &PodTemplate) -> i64 {
    let mut fractions = [0f64; 2];
    let mut n = 0;
    for (req, cap) in [
        (u.requested[1] + tpl.requests.cpu_millis, u.allocatable[1]),
        (u.requested[2] + tpl.requests.memory_bytes, u.allocatable[2]),
    ] {
        if cap == 0 {
            continue;
        }
        fractions[n] = (req as f64 / cap as f64).min(1.0);
        n += 1;
    }
    let std = if n == 2 {
        ((fractions[0] - fractions[1]) / 2.0).abs()
    } else {
        0.0
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// `numFeasibleNodesToFind`: how many feasible nodes the scheduler looks for before scoring.
pub fn num_feasible_nodes_to_find(percentage: u32, num_all_nodes: usize) -> usize {
    const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
    const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: i64 = 5;
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100 {
        return num_all_nodes;
    }
    let mut pct = i64::from(percentage);
    if pct == 0 {
        pct = 50 - num_all_nodes as i64 / 125;
        if pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND {
            pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
        }
    }
    let n = num_all_nodes * pct as usize / 100;
    n.max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// One scheduling decision by scanning the nodes, as kube-scheduler does: filter from a
/// rotating start index until enough feasible nodes are found, score them, take the best
/// (lowest index on ties). `next_start` carries the rotation between cycles.
pub fn schedule_scan(
    cluster: &Cluster,
    tpl: &PodTemplate,
    cfg: &SchedulerConfig,
    next_start: &mut usize,
) -> Result<NodeId, FitError> {
    let n = cluster.nodes.len();
    let want = num_feasible_nodes_to_find(cfg.percentage_of_nodes_to_score, cluster.live_nodes());
    let normalized = needs_normalized_scores(cluster, tpl);
    // (index, resource score, raw preferences) of the feasible nodes, when normalizing.
    let mut scored: Vec<(usize, i64, (i64, i64))> = Vec::new();
    let mut best: Option<(i64, usize)> = None;
    let mut found = 0usize;
    let mut processed = 0usize;
    let mut failure = FitError {
        num_all_nodes: cluster.live_nodes(),
        reasons: BTreeMap::new(),
        unresolvable_nodes: 0,
        resource_nodes: 0,
    };
    let start = if n == 0 { 0 } else { *next_start % n };
    for k in 0..n {
        if found >= want {
            break;
        }
        let i = (start + k) % n;
        let node = &cluster.nodes[i];
        processed += 1;
        if node.removed {
            continue;
        }
        let verdict = if fits(node, tpl) {
            Ok(())
        } else {
            filter(node, tpl)
        };
        match verdict {
            Ok(()) => {
                found += 1;
                let s = score(node, tpl, cfg);
                if normalized {
                    scored.push((i, s, raw_preference(node, tpl)));
                    continue;
                }
                let better = match best {
                    None => true,
                    Some((bs, bi)) => s > bs || (s == bs && i < bi),
                };
                if better {
                    best = Some((s, i));
                }
            }
            Err(Rejection::Unresolvable(reason)) => {
                failure.unresolvable_nodes += 1;
                *failure.reasons.entry(reason).or_insert(0) += 1;
            }
            Err(Rejection::Resources(reasons)) => {
                failure.resource_nodes += 1;
                for r in reasons {
                    *failure.reasons.entry(r).or_insert(0) += 1;
                }
            }
        }
    }
    if n > 0 {
        *next_start = (start + processed) % n;
    }
    if normalized {
        best = pick_normalized(scored.into_iter());
    }
    match best {
        Some((_, i)) => Ok(NodeId(i as u32)),
        None => Err(failure),
    }
}

/// The best of `(index, resource score, raw preferences)` after normalizing the
/// preferences over all of them; ties go to the lowest index.
pub fn pick_normalized(
    scored: impl Iterator<Item = (usize, i64, (i64, i64))>,
) -> Option<(i64, usize)> {
    let scored: Vec<_> = scored.collect();
    let max = scored
        .iter()
        .fold((0, 0), |m, &(_, _, r)| (m.0.max(r.0), m.1.max(r.1)));
    let mut best: Option<(i64, usize)> = None;
    for (i, s, raw) in scored {
        let total = s + preference_score(raw, max);
        let better = match best {
            None => true,
            Some((bs, bi)) => total > bs || (total == bs && i < bi),
        };
        if better {
            best = Some((total, i));
        }
    }
    best
}

/// One scheduling decision: the node index when every node is scored and the pod's
/// constraints are the same within a node class, else the scan. Both choose the same node.
pub fn schedule(
    cluster: &Cluster,
    tpl: &PodTemplate,
    cfg: &SchedulerConfig,
    next_start: &mut usize,
) -> Result<NodeId, FitError> {
    if cfg.percentage_of_nodes_to_score >= 100
        && crate::cluster::index::NodeIndex::usable_for(tpl)
        && let Some(node) = cluster.index.select(
            &cluster.nodes,
            tpl,
            cfg,
            needs_normalized_scores(cluster, tpl),
        )
    {
        return Ok(node);
    }
    // Nothing fits: the scan builds the FailedScheduling message.
    schedule_scan(cluster, tpl, cfg, next_start)
}

/// `calculateBackoffDuration`: initial × 2^(attempts−1), capped.
pub fn pod_backoff(cfg: &SchedulerConfig, attempts: u32) -> SimDuration {
    let mut d = cfg.pod_initial_backoff;
    for _ in 1..attempts {
        d = d.saturating_mul(2);
        if d > cfg.pod_max_backoff {
            return cfg.pod_max_backoff;
        }
    }
    d.min(cfg.pod_max_backoff)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::api::job::{RequiredNodeAffinity, RestartPolicy, Taint};
    use crate::api::resources::Resources;
    use crate::cluster::node::NodePool;
    use std::sync::Arc;

    pub(crate) fn template(cpu: i64, mem: i64) -> PodTemplate {
        let mut requests = Resources::new(cpu, mem);
        requests.pods = 1;
        PodTemplate {
            labels: BTreeMap::new(),
            restart_policy: RestartPolicy::Never,
            containers: vec![],
            init_containers: vec![],
            requests,
            nonzero_requests: (cpu, mem),
            memory_limit_bytes: None,
            termination_grace_period: SimDuration::from_secs(30),
            active_deadline: None,
            node_selector: BTreeMap::new(),
            required_affinity: RequiredNodeAffinity::default(),
            preferred_affinity: vec![],
            tolerations: vec![],
            priority_class_name: None,
            priority: 0,
            spec_priority: None,
            preemption_policy: Default::default(),
            scheduler_name: "default-scheduler".into(),
        }
    }

    fn cluster(nodes: u32, cpu: i64, mem: i64) -> Cluster {
        Cluster::from_pools(vec![NodePool {
            name: "node".into(),
            count: nodes,
            allocatable: Resources::new(cpu, mem),
            ..NodePool::default()
        }])
    }

    /// Two pools: `spot` (PreferNoSchedule taint, emptier) and `ondemand` (busier).
    fn spot_and_ondemand() -> Cluster {
        let mut c = Cluster::from_pools(vec![
            NodePool {
                name: "ondemand".into(),
                count: 1,
                allocatable: Resources::new(8000, 32 << 30),
                ..NodePool::default()
            },
            NodePool {
                name: "spot".into(),
                count: 1,
                allocatable: Resources::new(8000, 32 << 30),
                taints: vec![Taint {
                    key: "spot".into(),
                    value: "true".into(),
                    effect: TaintEffect::PreferNoSchedule,
                }],
                ..NodePool::default()
            },
        ]);
        // The on-demand node is half full: LeastAllocated alone would pick spot.
        c.reserve(NodeId(0), &Resources::new(4000, 16 << 30), (4000, 16 << 30));
        c
    }

    #[test]
    fn prefer_no_schedule_outweighs_a_less_allocated_node() {
        let c = spot_and_ondemand();
        let cfg = SchedulerConfig::default();
        let tpl = template(1000, 1 << 30);
        // TaintToleration (weight 3) gives on-demand 100 and spot 0: +300 beats the
        // resource scores' difference.
        assert_eq!(schedule(&c, &tpl, &cfg, &mut 0), Ok(NodeId(0)));
        // Tolerating the taint removes the preference: the emptier spot node wins.
        let mut tolerant = tpl.clone();
        tolerant.tolerations.push(crate::api::job::Toleration {
            key: "spot".into(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: None,
            toleration_seconds: None,
        });
        assert_eq!(schedule(&c, &tolerant, &cfg, &mut 0), Ok(NodeId(1)));
        assert_eq!(schedule_scan(&c, &tolerant, &cfg, &mut 0), Ok(NodeId(1)));
    }

    #[test]
    fn preferred_affinity_steers_to_its_pool() {
        let c = Cluster::from_pools(vec![
            NodePool {
                name: "a".into(),
                count: 2,
                allocatable: Resources::new(8000, 32 << 30),
                ..NodePool::default()
            },
            NodePool {
                name: "b".into(),
                count: 2,
                allocatable: Resources::new(4000, 16 << 30),
                ..NodePool::default()
            },
        ]);
        let cfg = SchedulerConfig::default();
        let mut tpl = template(1000, 1 << 30);
        // Without a preference the larger, emptier pool a wins.
        assert_eq!(schedule(&c, &tpl, &cfg, &mut 0), Ok(NodeId(0)));
        tpl.preferred_affinity
            .push(crate::api::job::PreferredNodeAffinity {
                weight: 10,
                requirements: vec![crate::api::job::NodeSelectorRequirement {
                    key: "jobsim.dev/pool".into(),
                    operator: crate::api::job::SelectorOperator::In,
                    values: vec!["b".into()],
                }],
            });
        // NodeAffinity normalizes 10 to 100 and weighs it 2: pool b.
        assert_eq!(schedule(&c, &tpl, &cfg, &mut 0), Ok(NodeId(2)));
        assert_eq!(schedule_scan(&c, &tpl, &cfg, &mut 0), Ok(NodeId(2)));
    }

    #[test]
    fn least_allocated_spreads_and_most_allocated_packs() {
        let tpl = template(1000, 1 << 30);
        for (strategy, want) in [
            (ScoringStrategy::LeastAllocated, vec![0, 1, 2, 0, 1, 2]),
            (ScoringStrategy::MostAllocated, vec![0, 0, 0, 0, 1, 1]),
        ] {
            let mut c = cluster(3, 4000, 16 << 30);
            let cfg = SchedulerConfig {
                scoring: strategy,
                balanced_allocation: false,
                ..SchedulerConfig::default()
            };
            let mut start = 0;
            let mut got = vec![];
            for _ in 0..6 {
                let n = schedule_scan(&c, &tpl, &cfg, &mut start).unwrap();
                c.reserve(n, &tpl.requests, tpl.nonzero_requests);
                got.push(n.0);
            }
            assert_eq!(got, want, "{strategy:?}");
        }
    }

    #[test]
    fn fit_error_reads_like_kube_scheduler() {
        let c = cluster(3, 500, 16 << 30);
        let tpl = template(1000, 1 << 30);
        let err = schedule_scan(&c, &tpl, &SchedulerConfig::default(), &mut 0).unwrap_err();
        assert_eq!(
            err.message(),
            "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
        );
    }

    #[test]
    fn fit_error_mixes_reasons_sorted_as_strings() {
        let mut c = cluster(3, 4000, 1 << 30);
        c.nodes[0].taints.push(Taint {
            key: "dedicated".into(),
            value: "gpu".into(),
            effect: TaintEffect::NoSchedule,
        });
        c.nodes[1].allocatable.cpu_millis = 100;
        let tpl = template(1000, 2 << 30);
        let err = schedule_scan(&c, &tpl, &SchedulerConfig::default(), &mut 0).unwrap_err();
        assert_eq!(
            err.message(),
            "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
        );
    }

    #[test]
    fn adaptive_percentage_matches_upstream() {
        assert_eq!(num_feasible_nodes_to_find(0, 50), 50);
        assert_eq!(num_feasible_nodes_to_find(0, 500), 230);
        assert_eq!(num_feasible_nodes_to_find(0, 5000), 500);
        assert_eq!(num_feasible_nodes_to_find(0, 50_000), 2500);
        assert_eq!(num_feasible_nodes_to_find(100, 5000), 5000);
        assert_eq!(num_feasible_nodes_to_find(10, 200), 100);
    }

    #[test]
    fn backoff_doubles_to_the_cap() {
        let cfg = SchedulerConfig::default();
        let d: Vec<u64> = (1..=6).map(|a| pod_backoff(&cfg, a).as_secs()).collect();
        assert_eq!(d, vec![1, 2, 4, 8, 10, 10]);
    }

    #[test]
    fn node_selector_filters() {
        let mut c = cluster(2, 4000, 16 << 30);
        let mut labels = (*c.nodes[1].labels).clone();
        labels.insert("disk".into(), "ssd".into());
        c.nodes[1].labels = Arc::new(labels);
        let mut tpl = template(100, 100);
        tpl.node_selector.insert("disk".into(), "ssd".into());
        let n = schedule_scan(&c, &tpl, &SchedulerConfig::default(), &mut 0).unwrap();
        assert_eq!(n, NodeId(1));
    }
}
