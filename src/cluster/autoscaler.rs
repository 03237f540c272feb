//! The cluster-autoscaler's settings and its scale-up estimate.
//!
//! Defaults are the cluster-autoscaler's flag defaults
//! (`cluster-autoscaler/config/flags/flags.go`, FAQ "What are the parameters to CA?"):
//! `--scan-interval` 10 s, `--scale-down-unneeded-time` 10 min,
//! `--scale-down-delay-after-add` 10 min, `--max-empty-bulk-delete` 10,
//! `--scale-down-unready-time` 20 min, `--expander` random. The provisioning delay has no upstream default (it is the cloud's VM start and
//! node registration); jobsim assumes 90 s unless the pool says otherwise.
//!
//! The run-time model is in `sim::autoscaling`; this module holds the settings and the
//! binpacking estimate (`estimator/binpacking_estimator.go`): how many new nodes of a pool
//! the pending pods need, placing each pod on the first new node it fits (pods in
//! decreasing order of size), opening a node when none fits.

use crate::api::job::PodTemplate;
use crate::api::resources::Resources;
use crate::cluster::node::Node;
use crate::cluster::scheduler;
use crate::engine::time::SimDuration;
use crate::workload::Distribution;

/// A pool's node group.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolAutoscaling {
    pub min: u32,
    pub max: u32,
    /// From the scale-up decision until the node is Ready.
    pub provisioning: Distribution,
}

impl PoolAutoscaling {
    /// jobsim's default provisioning delay.
    pub const DEFAULT_PROVISIONING: Distribution = Distribution::Fixed(SimDuration::from_secs(90));
}

/// How the autoscaler picks among pools that could help (`--expander`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Expander {
    /// Any pool that helps, chosen at random (the upstream default).
    #[default]
    Random,
    /// The pool whose new nodes would be the most used (least idle CPU, then memory).
    LeastWaste,
    /// The pool that would schedule the most pods.
    MostPods,
}

/// Cluster-wide autoscaler settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AutoscalerConfig {
    pub scan_interval: SimDuration,
    pub scale_down_unneeded_time: SimDuration,
    pub scale_down_delay_after_add: SimDuration,
    pub max_empty_bulk_delete: usize,
    /// `--scale-down-unready-time`: an unready node is removed after this long.
    pub scale_down_unready_time: SimDuration,
    pub expander: Expander,
}

impl Default for AutoscalerConfig {
    fn default() -> Self {
        AutoscalerConfig {
            scan_interval: SimDuration::from_secs(10),
            scale_down_unneeded_time: SimDuration::from_mins(10),
            scale_down_delay_after_add: SimDuration::from_mins(10),
            max_empty_bulk_delete: 10,
            scale_down_unready_time: SimDuration::from_mins(20),
            expander: Expander::Random,
        }
    }
}

/// The estimate for one pool: nodes to add and the pods they would take.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Estimate {
    pub nodes: u32,
    /// Positions (in the input) of the pods placed on the new nodes.
    pub pods: Vec<usize>,
    /// Requested resources on the new nodes, summed (for the least-waste expander).
    pub requested: Resources,
}

/// Places `pods` on at most `limit` new nodes shaped like `template` (a node of the pool
/// with nothing on it). Pods that do not fit an empty template node are skipped.
pub fn estimate(template: &Node, pods: &[&PodTemplate], limit: u32) -> Estimate {
    let mut order: Vec<usize> = (0..pods.len())
        .filter(|&i| scheduler::fits(template, pods[i]))
        .collect();
    // Larger pods first (binpacking estimator: by the pod's share of the node).
    let share = |t: &PodTemplate| -> i64 {
        let a = &template.allocatable;
        let cpu = if a.cpu_millis > 0 {
            t.requests.cpu_millis * 1_000_000 / a.cpu_millis
        } else {
            0
        };
        let mem = if a.memory_bytes > 0 {
            ((i128::from(t.requests.memory_bytes) * 1_000_000) / i128::from(a.memory_bytes)) as i64
        } else {
            0
        };
        cpu + mem
    };
    order.sort_by_key(|&i| (std::cmp::Reverse(share(pods[i])), i));
    let mut nodes: Vec<Node> = Vec::new();
    let mut out = Estimate::default();
    for i in order {
        let tpl = pods[i];
        let slot = nodes.iter_mut().find(|n| scheduler::fits(n, tpl));
        let node = match slot {
            Some(n) => n,
            None => {
                if nodes.len() as u32 >= limit {
                    continue;
                }
                nodes.push(template.clone());
                nodes
                    .last_mut()
                    .unwrap_or_else(|| unreachable!("just pushed"))
            }
        };
        node.requested.add(&tpl.requests);
        out.pods.push(i);
    }
    out.nodes = nodes.len() as u32;
    for n in &nodes {
        out.requested.add(&n.requested);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::node::{Cluster, NodePool};
    use crate::cluster::scheduler::tests::template;

    fn node(cpu: i64, mem: i64) -> Node {
        let c = Cluster::from_pools(vec![NodePool {
            name: "p".into(),
            count: 1,
            allocatable: Resources::new(cpu, mem),
            ..NodePool::default()
        }]);
        c.nodes[0].clone()
    }

    #[test]
    fn pods_are_packed_first_fit_largest_first() {
        let n = node(4000, 16 << 30);
        let big = template(3000, 1 << 30);
        let small = template(1000, 1 << 30);
        // 2 big + 2 small: big+small on each of two nodes.
        let pods = vec![&small, &big, &small, &big];
        let e = estimate(&n, &pods, 10);
        assert_eq!(e.nodes, 2);
        assert_eq!(e.pods, vec![1, 3, 0, 2]);
        assert_eq!(e.requested.cpu_millis, 8000);
    }

    #[test]
    fn the_limit_caps_new_nodes_and_unfit_pods_are_skipped() {
        let n = node(4000, 16 << 30);
        let p = template(3000, 1 << 30);
        let huge = template(8000, 1 << 30);
        let pods = vec![&p, &p, &p, &huge];
        let e = estimate(&n, &pods, 2);
        assert_eq!(e.nodes, 2);
        assert_eq!(e.pods, vec![0, 1]);
    }
}
