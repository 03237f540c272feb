//! Nodes and node pools.
//!
//! A node offers `allocatable` resources; the scheduler's view of it is `requested`, the sum
//! of the requests of the non-terminal pods bound to it, plus the "non-zero" CPU and memory
//! requests that kube-scheduler scores with (containers without requests count as 100m CPU
//! and 200 MiB, `pkg/scheduler/util/pod_resources.go`).

use std::collections::BTreeMap;
use std::sync::Arc;
use thin_vec::ThinVec;

use crate::api::NodeId;
use crate::api::job::Taint;
use crate::api::resources::Resources;
use crate::cluster::autoscaler::PoolAutoscaling;
use crate::cluster::images::{ImageTable, NodeImages};
use crate::cluster::index::NodeIndex;
use crate::engine::time::SimTime;
use crate::workload::Distribution;

/// A group of identical nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodePool {
    pub name: String,
    /// Nodes at the start of the run.
    pub count: u32,
    pub allocatable: Resources,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    /// Images on every node of the pool from the moment it joins.
    pub images: Vec<String>,
    /// Random failures of the pool's nodes.
    pub failures: Option<NodeFailures>,
    /// The cluster-autoscaler's node group for this pool.
    pub autoscaling: Option<PoolAutoscaling>,
}

/// Random node failures: each node fails after a time drawn from `time_to_failure`
/// (counted from when it joined or was last repaired) and is repaired after a time drawn
/// from `time_to_repair`.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeFailures {
    pub time_to_failure: Distribution,
    pub time_to_repair: Distribution,
}

/// A scheduled outage: the node goes down at `at` and comes back after `duration` (never
/// without one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outage {
    pub node: NodeId,
    pub at: SimTime,
    pub duration: Option<crate::engine::time::SimDuration>,
}

/// Pods a node keeps in its own cache lines before its list moves to a buffer of its own.
pub const PODS_INLINE: usize = 8;

/// A node's pod list.
pub type NodePods = smallvec::SmallVec<[crate::api::PodId; PODS_INLINE]>;

/// One node.
///
/// The fields that every pod's bind and release read and write come first, in the first
/// two cache lines of a line-aligned node: the scheduler's requests, pool and state flags,
/// then the non-zero requests, the pod list (held in the node up to [`PODS_INLINE`] pods)
/// and the taints. With W3's 5,000 nodes the array does not fit the L2, and a node's
/// fields spread over its five lines, or a list in a buffer of its own, cost a miss each.
#[derive(Clone, Debug)]
#[repr(C, align(64))]
pub struct Node {
    /// Sum of requests of the pods bound here that are not terminal (pods count included).
    pub requested: Resources,
    pub pool: u32,
    /// Ready and reachable.
    pub ready: bool,
    /// `spec.unschedulable` (cordoned).
    pub unschedulable: bool,
    /// Removed by the cluster-autoscaler (its id is never reused).
    pub removed: bool,
    /// The machine is down: its kubelet neither runs containers nor reports.
    pub down: bool,
    /// CPU requests with kube-scheduler's non-zero default for containers without one.
    pub nonzero_cpu_millis: i64,
    /// Memory requests with the non-zero default.
    pub nonzero_memory_bytes: i64,
    /// Non-terminal pods bound to the node, in the node's own lines up to
    /// [`PODS_INLINE`] of them.
    pub pods: NodePods,
    /// One word, so that the hot part stays in two lines; nearly always empty.
    pub taints: ThinVec<Taint>,
    /// Images on the node and its image puller.
    pub images: NodeImages,
    pub name: String,
    pub allocatable: Resources,
    pub labels: Arc<BTreeMap<String, String>>,
    /// When the node joined the cluster (node-hours).
    pub up_since: SimTime,
    /// When it was removed (node-hours).
    pub removed_at: Option<SimTime>,
    /// Incremented when the node goes down: ties the node lifecycle timers to one outage.
    pub down_epoch: u32,
    /// When the node lifecycle controller marked it NotReady (while it is).
    pub not_ready_since: Option<SimTime>,
    /// Incremented when the node comes back: ties random failure timers to one up period.
    pub up_epoch: u32,
}

impl Node {
    /// Allocatable minus requested.
    pub fn free(&self) -> Resources {
        let mut f = self.allocatable.clone();
        f.sub(&self.requested);
        f
    }
}

/// CPU and memory requested and allocatable, summed over nodes not removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub cpu_requested: i64,
    pub memory_requested: i64,
    pub cpu_allocatable: i64,
    pub memory_allocatable: i64,
}

/// All nodes, and the scheduler's index over them.
///
/// Node state that the scheduler reads changes only through `Cluster` methods
/// ([`Cluster::reserve`], [`Cluster::release`], [`Cluster::add_node`],
/// [`Cluster::node_changed`]), which keep [`Cluster::index`] current.
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    pub pools: Vec<NodePool>,
    pub nodes: Vec<Node>,
    pub index: NodeIndex,
    /// Every image the run knows about, with its pull time.
    pub images: ImageTable,
    /// Nodes ever added per pool (names the next one).
    added: Vec<u32>,
    /// Nodes not removed.
    live: usize,
    /// Nodes not removed, per pool.
    pub pool_sizes: Vec<u32>,
    /// Some pool has a PreferNoSchedule taint (the TaintToleration score matters).
    pub has_prefer_no_schedule: bool,
    /// Cluster-wide totals, and per pool.
    pub totals: Totals,
    pub pool_totals: Vec<Totals>,
}

impl Cluster {
    /// Builds the nodes of every pool, named `<pool>-<i>`, with the well-known labels
    /// `kubernetes.io/hostname` and `jobsim.dev/pool` added to the pool's labels.
    pub fn from_pools(pools: Vec<NodePool>) -> Cluster {
        Cluster::new(pools, ImageTable::default())
    }

    /// [`Cluster::from_pools`] with an image table (pull times, preloaded images).
    pub fn new(pools: Vec<NodePool>, images: ImageTable) -> Cluster {
        let mut cluster = Cluster {
            added: vec![0; pools.len()],
            live: 0,
            pool_sizes: vec![0; pools.len()],
            has_prefer_no_schedule: pools.iter().any(|p| {
                p.taints
                    .iter()
                    .any(|t| t.effect == crate::api::job::TaintEffect::PreferNoSchedule)
            }),
            totals: Totals::default(),
            pool_totals: vec![Totals::default(); pools.len()],
            pools,
            nodes: Vec::new(),
            index: NodeIndex::default(),
            images,
        };
        for p in 0..cluster.pools.len() {
            for _ in 0..cluster.pools[p].count {
                cluster.add_node(p as u32, SimTime::ZERO);
            }
        }
        cluster
    }

    /// Adds one node to pool `pool` and returns its id.
    pub fn add_node(&mut self, pool: u32, now: SimTime) -> NodeId {
        let ordinal = self.added[pool as usize];
        self.added[pool as usize] += 1;
        let preloaded: Vec<u32> = self.pools[pool as usize]
            .images
            .iter()
            .map(|i| self.images.intern(i))
            .collect();
        let p = &self.pools[pool as usize];
        let name = format!("{}-{}", p.name, ordinal);
        let mut labels = p.labels.clone();
        labels.insert("kubernetes.io/hostname".to_string(), name.clone());
        labels.insert("jobsim.dev/pool".to_string(), p.name.clone());
        let mut allocatable = p.allocatable.clone();
        if allocatable.pods == 0 {
            allocatable.pods = 110;
        }
        self.nodes.push(Node {
            name,
            pool,
            allocatable,
            requested: Resources::default(),
            nonzero_cpu_millis: 0,
            nonzero_memory_bytes: 0,
            labels: Arc::new(labels),
            taints: p.taints.iter().cloned().collect(),
            ready: true,
            unschedulable: false,
            up_since: now,
            removed: false,
            removed_at: None,
            images: NodeImages::preloaded(preloaded),
            down: false,
            down_epoch: 0,
            not_ready_since: None,
            up_epoch: 0,
            pods: NodePods::new(),
        });
        let id = NodeId((self.nodes.len() - 1) as u32);
        self.live += 1;
        self.pool_sizes[pool as usize] += 1;
        let a = &self.nodes[id.idx()].allocatable;
        let (cpu, mem) = (a.cpu_millis, a.memory_bytes);
        for t in [&mut self.totals, &mut self.pool_totals[pool as usize]] {
            t.cpu_allocatable += cpu;
            t.memory_allocatable += mem;
        }
        self.node_changed(id);
        id
    }

    /// Removes a node (the cluster-autoscaler deleted it). Its id is not reused.
    pub fn remove_node(&mut self, id: NodeId, now: SimTime) {
        let n = &mut self.nodes[id.idx()];
        if n.removed {
            return;
        }
        n.removed = true;
        n.removed_at = Some(now);
        n.ready = false;
        self.live -= 1;
        self.pool_sizes[n.pool as usize] -= 1;
        let (pool, cpu, mem) = (
            n.pool as usize,
            n.allocatable.cpu_millis,
            n.allocatable.memory_bytes,
        );
        let (rc, rm) = (n.requested.cpu_millis, n.requested.memory_bytes);
        for t in [&mut self.totals, &mut self.pool_totals[pool]] {
            t.cpu_allocatable -= cpu;
            t.memory_allocatable -= mem;
            t.cpu_requested -= rc;
            t.memory_requested -= rm;
        }
        self.index.remove(id);
    }

    /// Nodes not removed.
    pub fn live_nodes(&self) -> usize {
        self.live
    }

    /// Re-files a node in the index after its readiness, cordon or taints changed.
    pub fn node_changed(&mut self, id: NodeId) {
        if !self.nodes[id.idx()].removed {
            self.index.update(id, &self.nodes[id.idx()]);
        }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.idx()]
    }

    /// Starts loading the hot part of a node (its first two cache lines: requests, state,
    /// pod list), for a bind or release soon. Ids past the table are ignored.
    #[inline]
    pub fn prefetch_node(&self, id: NodeId) {
        if let Some(node) = self.nodes.get(id.idx()) {
            crate::engine::prefetch(&node.requested);
            crate::engine::prefetch(&node.pods);
        }
    }

    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id.idx()]
    }

    /// Charges a pod's requests to a node. `nonzero` is the pod's (cpu, memory) with the
    /// scheduler's defaults for missing requests.
    pub fn reserve(&mut self, id: NodeId, requests: &Resources, nonzero: (i64, i64)) {
        let n = &mut self.nodes[id.idx()];
        n.requested.add(requests);
        n.nonzero_cpu_millis += nonzero.0;
        n.nonzero_memory_bytes += nonzero.1;
        let pool = n.pool as usize;
        if !n.removed {
            for t in [&mut self.totals, &mut self.pool_totals[pool]] {
                t.cpu_requested += requests.cpu_millis;
                t.memory_requested += requests.memory_bytes;
            }
        }
        self.node_changed(id);
    }

    /// Returns a pod's requests to a node.
    pub fn release(&mut self, id: NodeId, requests: &Resources, nonzero: (i64, i64)) {
        let n = &mut self.nodes[id.idx()];
        n.requested.sub(requests);
        n.nonzero_cpu_millis -= nonzero.0;
        n.nonzero_memory_bytes -= nonzero.1;
        let pool = n.pool as usize;
        if !n.removed {
            for t in [&mut self.totals, &mut self.pool_totals[pool]] {
                t.cpu_requested -= requests.cpu_millis;
                t.memory_requested -= requests.memory_bytes;
            }
        }
        let n = &self.nodes[id.idx()];
        debug_assert!(n.requested.cpu_millis >= 0 && n.requested.memory_bytes >= 0);
        debug_assert!(n.requested.pods >= 0);
        self.node_changed(id);
    }

    /// Checks that no node has more requested than allocatable (an invariant of the
    /// scheduler, asserted by tests and by debug builds after every event).
    pub fn check_not_overcommitted(&self) -> Result<(), String> {
        for n in &self.nodes {
            if !n.requested.fits_in(&n.allocatable) {
                return Err(format!(
                    "node {} over-committed: requested {:?} > allocatable {:?}",
                    n.name, n.requested, n.allocatable
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What every bind and release touches, the pod list included, stays in a node's
    /// first two cache lines.
    #[test]
    fn a_nodes_hot_fields_fill_its_first_two_lines() {
        use std::mem::{align_of, offset_of, size_of};
        assert_eq!(align_of::<Node>(), 64);
        let end = |offset: usize, size: usize| offset + size;
        for (offset, size) in [
            (offset_of!(Node, requested), size_of::<Resources>()),
            (offset_of!(Node, pool), 4),
            (offset_of!(Node, removed), 1),
            (offset_of!(Node, down), 1),
            (offset_of!(Node, nonzero_memory_bytes), 8),
            (offset_of!(Node, taints), size_of::<ThinVec<Taint>>()),
            (offset_of!(Node, pods), size_of::<NodePods>()),
        ] {
            assert!(
                end(offset, size) <= 128,
                "a hot field ends at byte {}",
                end(offset, size)
            );
        }
    }

    #[test]
    fn pools_expand_into_named_labelled_nodes() {
        let c = Cluster::from_pools(vec![
            NodePool {
                name: "cpu".into(),
                count: 2,
                allocatable: Resources::new(4000, 16 << 30),
                labels: [("tier".to_string(), "batch".to_string())].into(),
                ..NodePool::default()
            },
            NodePool {
                name: "gpu".into(),
                count: 1,
                allocatable: Resources::new(8000, 32 << 30),
                ..NodePool::default()
            },
        ]);
        let names: Vec<&str> = c.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, vec!["cpu-0", "cpu-1", "gpu-0"]);
        assert_eq!(c.nodes[0].labels["tier"], "batch");
        assert_eq!(c.nodes[2].labels["kubernetes.io/hostname"], "gpu-0");
        assert_eq!(c.nodes[0].allocatable.pods, 110);
    }
}
