//! The cluster-autoscaler's loop (`cluster-autoscaler/core/static_autoscaler.go`
//! `RunOnce`), every `--scan-interval`, for the pools that have `autoscaling`:
//!
//! - **Scale-up.** Pods the scheduler found unschedulable are first placed, first fit, on
//!   the nodes already being provisioned; for the rest, each pool that could grow gets a
//!   binpacking estimate (`cluster::autoscaler::estimate`), the expander picks one pool,
//!   and that pool grows by the estimate (one pool per loop, as upstream without
//!   balancing). Each new node joins, Ready, after its own provisioning delay.
//! - **Scale-down.** A node of an autoscaled pool with no pods is *unneeded*; once it has
//!   been unneeded for `--scale-down-unneeded-time` it is deleted, at most
//!   `--max-empty-bulk-delete` per loop, never below the pool's minimum, and not within
//!   `--scale-down-delay-after-add` of a scale-up. Nodes with pods are not drained: batch
//!   pods are usually marked not safe to evict, and jobsim keeps them. A node that has
//!   been NotReady for `--scale-down-unready-time` is deleted too; PodGC then fails the
//!   pods it held (DisruptionTarget `DeletionByPodGC`).
//!
//! The loop is ambient: it stops when no Job has work left.

use std::sync::Arc;

use crate::api::job::PodTemplate;
use crate::api::{NodeId, PodId};
use crate::cluster::autoscaler::{Estimate, Expander, estimate};
use crate::cluster::node::Node;
use crate::cluster::scheduler;
use crate::engine::rng::Purpose;
use crate::engine::time::SimTime;

use super::records::{EventKind, ObjectRef};
use super::world::{Event, World};

/// What the autoscaler remembers between loops.
#[derive(Clone, Debug, Default)]
pub struct AutoscalerState {
    /// Some pool is autoscaled: the loop runs.
    pub enabled: bool,
    /// Nodes ordered and not yet Ready, per pool.
    pub upcoming: Vec<u32>,
    pub last_scale_up: Option<SimTime>,
    /// Since when each node has been unneeded (empty), by node id.
    pub unneeded_since: Vec<Option<SimTime>>,
    /// Loops run so far (keys the random expander's stream).
    pub loops: u64,
    pub scale_ups: u64,
    /// Nodes ordered by scale-ups (keys the provisioning-delay streams).
    pub nodes_ordered: u64,
    /// Nodes that joined (an order outstanding when the work ended never joins).
    pub nodes_added: u64,
    pub nodes_removed: u64,
}

/// One pool's answer to the pending pods.
struct Option_ {
    pool: usize,
    estimate: Estimate,
}

impl World {
    /// Starts the loop if a pool is autoscaled (at the start of the run).
    pub(crate) fn start_autoscaler(&mut self) {
        let pools = self.cluster.pools.len();
        self.autoscaler.upcoming = vec![0; pools];
        self.autoscaler.enabled = self.cluster.pools.iter().any(|p| p.autoscaling.is_some());
        if self.autoscaler.enabled {
            let at = self.now + self.autoscaler_config.scan_interval;
            self.push_perpetual(at, Event::AutoscalerLoop);
        }
    }

    pub(crate) fn on_autoscaler_loop(&mut self) -> bool {
        if !self.has_pending_work() {
            return false; // the loop ends with the work
        }
        let ordered: u32 = self.autoscaler.upcoming.iter().sum();
        if self.quiescent() && ordered == 0 {
            // Nothing else is queued and no node is on its way: the Jobs left cannot make
            // progress (pods that fit nowhere, a suspended Job), and neither can the loop.
            return false;
        }
        self.autoscaler.loops += 1;
        self.scale_up();
        self.scale_down();
        let at = self.now + self.autoscaler_config.scan_interval;
        self.push_perpetual(at, Event::AutoscalerLoop);
        true
    }

    /// A template node of a pool: what a new node would look like.
    fn template_node(&self, pool: usize) -> Node {
        let p = &self.cluster.pools[pool];
        let mut allocatable = p.allocatable.clone();
        if allocatable.pods == 0 {
            allocatable.pods = 110;
        }
        let mut labels = p.labels.clone();
        labels.insert("jobsim.dev/pool".to_string(), p.name.clone());
        labels.insert(
            "kubernetes.io/hostname".to_string(),
            format!("{}-template", p.name),
        );
        Node {
            name: format!("{}-template", p.name),
            pool: pool as u32,
            allocatable,
            requested: Default::default(),
            nonzero_cpu_millis: 0,
            nonzero_memory_bytes: 0,
            labels: Arc::new(labels),
            taints: p.taints.iter().cloned().collect(),
            ready: true,
            unschedulable: false,
            up_since: self.now,
            removed: false,
            removed_at: None,
            images: Default::default(),
            down: false,
            down_epoch: 0,
            not_ready_since: None,
            up_epoch: 0,
            pods: Default::default(),
        }
    }

    /// Pods the scheduler could not place (PodScheduled=False), in creation order, that no
    /// preemption is making room for.
    fn unschedulable_pods(&self) -> Vec<PodId> {
        let mut pods: Vec<(u32, u32, PodId)> = self
            .pods
            .iter()
            .filter(|(id, p)| {
                p.node.is_none()
                    && p.assumed_node.is_none()
                    && p.deletion.is_none()
                    && p.scheduling_attempts > 0
                    && !self.preemptions.preemptor_of.contains_key(&id.0)
            })
            .map(|(id, p)| (p.job.0, p.ordinal, id))
            .collect();
        pods.sort_unstable();
        pods.into_iter().map(|(_, _, id)| id).collect()
    }

    fn scale_up(&mut self) {
        let pending = self.unschedulable_pods();
        if pending.is_empty() {
            return;
        }
        let templates: Vec<Arc<PodTemplate>> = pending
            .iter()
            .map(|&p| Arc::clone(&self.jobs[self.pods.get(p).job.idx()].spec.template))
            .collect();
        // filterOutSchedulable: pods that fit where there is room now (the scheduler has
        // not retried them yet), or on nodes already on their way, are not a reason to
        // grow. Only nodes with some room are copied.
        let mut left: Vec<usize> = Vec::new();
        let min_cpu = templates
            .iter()
            .map(|t| t.requests.cpu_millis)
            .min()
            .unwrap_or(0);
        let min_mem = templates
            .iter()
            .map(|t| t.requests.memory_bytes)
            .min()
            .unwrap_or(0);
        let mut bins: Vec<Node> = self
            .cluster
            .nodes
            .iter()
            .filter(|n| {
                let free = n.free();
                !n.removed
                    && !n.down
                    && free.pods > 0
                    && free.cpu_millis >= min_cpu
                    && free.memory_bytes >= min_mem
            })
            .map(|n| Node {
                pods: Default::default(),
                images: Default::default(),
                ..n.clone()
            })
            .collect();
        for (pool, &n) in self.autoscaler.upcoming.iter().enumerate() {
            for _ in 0..n {
                bins.push(self.template_node(pool));
            }
        }
        for (i, tpl) in templates.iter().enumerate() {
            match bins.iter_mut().find(|b| scheduler::fits(b, tpl)) {
                Some(b) => b.requested.add(&tpl.requests),
                None => left.push(i),
            }
        }
        if left.is_empty() {
            return;
        }
        let refs: Vec<&PodTemplate> = left.iter().map(|&i| &*templates[i]).collect();
        let mut options: Vec<Option_> = Vec::new();
        let mut fits_somewhere = vec![false; refs.len()];
        for pool in 0..self.cluster.pools.len() {
            let Some(a) = &self.cluster.pools[pool].autoscaling else {
                continue;
            };
            let template = self.template_node(pool);
            for (k, t) in refs.iter().enumerate() {
                fits_somewhere[k] |= scheduler::fits(&template, t);
            }
            let size = self.cluster.pool_sizes[pool] + self.autoscaler.upcoming[pool];
            let room = a.max.saturating_sub(size);
            if room == 0 {
                continue;
            }
            let e = estimate(&template, &refs, room);
            if e.nodes > 0 {
                options.push(Option_ { pool, estimate: e });
            }
        }
        // Pods no pool can help are told once.
        for (k, &i) in left.iter().enumerate() {
            let id = pending[i];
            if self.pods.get(id).scale_up_noted {
                continue;
            }
            let helped = options.iter().any(|o| o.estimate.pods.contains(&k));
            if helped {
                continue;
            }
            self.pods.get_mut(id).scale_up_noted = true;
            let why = if fits_somewhere[k] {
                "max node group size reached"
            } else {
                "it wouldn't fit on a new node of any autoscaled pool"
            };
            self.pod_event(id, || EventKind::NotTriggerScaleUp(why));
        }
        let Some(chosen) = self.expand(&options) else {
            return;
        };
        let o = &options[chosen];
        let pool = o.pool;
        let from = self.cluster.pool_sizes[pool] + self.autoscaler.upcoming[pool];
        let to = from + o.estimate.nodes;
        let max = self.cluster.pools[pool]
            .autoscaling
            .as_ref()
            .map_or(to, |a| a.max);
        for &k in &o.estimate.pods {
            let id = pending[left[k]];
            self.pods.get_mut(id).scale_up_noted = true;
            self.pod_event(id, || EventKind::TriggeredScaleUp {
                pool: pool as u32,
                from,
                to,
                max,
            });
        }
        let provisioning = self.cluster.pools[pool]
            .autoscaling
            .as_ref()
            .map(|a| a.provisioning.clone())
            .unwrap_or(crate::cluster::autoscaler::PoolAutoscaling::DEFAULT_PROVISIONING);
        for _ in 0..o.estimate.nodes {
            let mut rng = self.streams.stream(
                Purpose::Autoscaler,
                pool as u64,
                self.autoscaler.nodes_ordered,
                0,
            );
            self.autoscaler.nodes_ordered += 1;
            let delay = provisioning.sample(&mut rng, 0);
            self.queue.push(
                self.now + delay,
                Event::NodeProvisioned { pool: pool as u32 },
            );
        }
        self.autoscaler.upcoming[pool] += o.estimate.nodes;
        self.autoscaler.scale_ups += 1;
        self.autoscaler.last_scale_up = Some(self.now);
    }

    /// The expander: which option to take.
    fn expand(&self, options: &[Option_]) -> Option<usize> {
        if options.is_empty() {
            return None;
        }
        match self.autoscaler_config.expander {
            Expander::Random => {
                use rand::RngExt;
                let mut rng =
                    self.streams
                        .stream(Purpose::Autoscaler, u64::MAX, self.autoscaler.loops, 1);
                Some(rng.random_range(0..options.len()))
            }
            Expander::MostPods => (0..options.len())
                .max_by_key(|&i| (options[i].estimate.pods.len(), std::cmp::Reverse(i))),
            Expander::LeastWaste => {
                // Wasted share of the new nodes' CPU plus that of their memory, lowest
                // first (upstream's least-waste score).
                let waste = |o: &Option_| -> f64 {
                    let node = &self.cluster.pools[o.pool].allocatable;
                    let n = f64::from(o.estimate.nodes);
                    let cpu = node.cpu_millis as f64 * n;
                    let mem = node.memory_bytes as f64 * n;
                    let used = &o.estimate.requested;
                    let w = |cap: f64, u: f64| if cap > 0.0 { (cap - u) / cap } else { 0.0 };
                    w(cpu, used.cpu_millis as f64) + w(mem, used.memory_bytes as f64)
                };
                (0..options.len()).min_by(|&a, &b| {
                    waste(&options[a])
                        .total_cmp(&waste(&options[b]))
                        .then(a.cmp(&b))
                })
            }
        }
    }

    /// A node ordered by a scale-up is Ready.
    pub(crate) fn on_node_provisioned(&mut self, pool: u32) -> bool {
        let p = pool as usize;
        self.autoscaler.upcoming[p] = self.autoscaler.upcoming[p].saturating_sub(1);
        if !self.has_pending_work() {
            return false; // the order is cancelled with the work
        }
        let id = self.cluster.add_node(pool, self.now);
        self.autoscaler.nodes_added += 1;
        self.event(ObjectRef::Node(id), EventKind::RegisteredNode);
        self.schedule_random_failure(id);
        self.cluster_changed();
        true
    }

    fn scale_down(&mut self) {
        let now = self.now;
        let cfg = self.autoscaler_config;
        let n = self.cluster.nodes.len();
        self.autoscaler.unneeded_since.resize(n, None);
        // Unneeded nodes are tracked on every loop; a scale-up only holds back deletions
        // (`UpdateClusterState` runs before the cooldown check).
        let cooldown = self
            .autoscaler
            .last_scale_up
            .is_some_and(|t| now < t + cfg.scale_down_delay_after_add);
        let mut remove: Vec<NodeId> = Vec::new();
        let mut sizes = self.cluster.pool_sizes.clone();
        for i in 0..n {
            let node = &self.cluster.nodes[i];
            let Some(a) = &self.cluster.pools[node.pool as usize].autoscaling else {
                continue;
            };
            if node.removed {
                continue;
            }
            let pool = node.pool as usize;
            // An unready node counts from when it became NotReady; an empty one from the
            // first loop that found it empty.
            let due = match node.not_ready_since {
                Some(since) => {
                    self.autoscaler.unneeded_since[i] = None;
                    since + cfg.scale_down_unready_time
                }
                None => {
                    let empty = node.pods.is_empty() && node.requested.pods == 0;
                    let since = &mut self.autoscaler.unneeded_since[i];
                    if !empty {
                        *since = None;
                        continue;
                    }
                    *since.get_or_insert(now) + cfg.scale_down_unneeded_time
                }
            };
            if !cooldown
                && now >= due
                && sizes[pool] > a.min
                && remove.len() < cfg.max_empty_bulk_delete
            {
                sizes[pool] -= 1;
                remove.push(NodeId(i as u32));
            }
        }
        for id in remove {
            self.remove_node(id);
        }
    }

    /// Deletes a node; PodGC fails the pods it still held.
    fn remove_node(&mut self, id: NodeId) {
        self.event(ObjectRef::Node(id), EventKind::ScaleDown);
        self.cluster.remove_node(id, self.now);
        self.autoscaler.nodes_removed += 1;
        self.autoscaler.unneeded_since[id.idx()] = None;
        if !self.cluster.nodes[id.idx()].pods.is_empty() {
            self.schedule_pod_gc();
        }
        self.cluster_changed();
    }
}
