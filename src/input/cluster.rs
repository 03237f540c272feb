//! The `spec.cluster` section of a scenario: node pools, outages, the node lifecycle and
//! the cluster-autoscaler.

use std::collections::BTreeSet;

use super::diagnostics::{Diagnostic, Diagnostics};
use super::load::default_pools;
use super::manifest::{MAX_AMOUNT, max_amount_text, parse_effect};
use super::scenario::{ClusterSpec, NodePoolSpec};
use crate::api::NodeId;
use crate::api::job::Taint;
use crate::api::names::is_dns1123_label;
use crate::api::quantity::Quantity;
use crate::api::resources::Resources;
use crate::api::version::KubernetesVersion;
use crate::cluster::autoscaler::{AutoscalerConfig, Expander, PoolAutoscaling};
use crate::cluster::node::{NodeFailures, NodePool, Outage};
use crate::controllers::node_lifecycle::NodeLifecycleConfig;
use crate::engine::time::SimTime;

/// What `spec.cluster` describes.
pub(super) struct ClusterInput {
    pub pools: Vec<NodePool>,
    pub outages: Vec<Outage>,
    pub lifecycle: NodeLifecycleConfig,
    pub autoscaler: AutoscalerConfig,
}

pub(super) fn build_cluster(
    spec: Option<&ClusterSpec>,
    version: KubernetesVersion,
    sdiag: &dyn Fn(&str, String) -> Diagnostic,
    diags: &mut Diagnostics,
) -> ClusterInput {
    let pools = match spec {
        Some(c) if !c.node_pools.is_empty() => build_pools(&c.node_pools, sdiag, diags),
        _ => default_pools(),
    };
    let mut lifecycle = NodeLifecycleConfig::for_version(version);
    let mut autoscaler = AutoscalerConfig::default();
    let mut outages = Vec::new();
    if let Some(c) = spec {
        if let Some(d) = c.node_monitor_grace_period {
            lifecycle.monitor_grace_period = d.0;
        }
        if let Some(s) = c.default_unreachable_toleration_seconds {
            lifecycle.default_unreachable_toleration =
                crate::engine::time::SimDuration::from_secs(u64::from(s));
        }
        // Initial nodes are named `<pool>-<i>`, numbered in pool order (found without
        // listing them: a pool may have many).
        let node_id = |name: &str| -> Option<u32> {
            let mut first = 0u64;
            for p in &pools {
                if let Some(i) = name
                    .strip_prefix(p.name.as_str())
                    .and_then(|r| r.strip_prefix('-'))
                    .and_then(|r| r.parse::<u32>().ok().filter(|i| i.to_string() == r))
                    .filter(|i| *i < p.count)
                {
                    return u32::try_from(first + u64::from(i)).ok();
                }
                first += u64::from(p.count);
            }
            None
        };
        let first_name = pools
            .iter()
            .find(|p| p.count > 0)
            .map_or_else(|| "worker-0".to_string(), |p| format!("{}-0", p.name));
        for (i, o) in c.outages.iter().enumerate() {
            match node_id(&o.node) {
                Some(id) => outages.push(Outage {
                    node: NodeId(id),
                    at: SimTime::ZERO + o.at.0,
                    duration: o.duration.map(|d| d.0),
                }),
                None => diags.push(sdiag(
                    &format!("spec.cluster.outages[{i}].node"),
                    format!(
                        "no node {:?} at the start of the run (nodes are named <pool>-<n>, e.g. {})",
                        o.node, first_name
                    ),
                )),
            }
        }
        if let Some(a) = &c.autoscaler {
            if let Some(d) = a.scan_interval {
                if d.0.is_zero() {
                    diags.push(sdiag(
                        "spec.cluster.autoscaler.scanInterval",
                        "scanInterval must be positive".to_string(),
                    ));
                }
                autoscaler.scan_interval =
                    d.0.max(crate::engine::time::SimDuration::from_millis(1));
            }
            if let Some(d) = a.scale_down_unneeded_time {
                autoscaler.scale_down_unneeded_time = d.0;
            }
            if let Some(d) = a.scale_down_delay_after_add {
                autoscaler.scale_down_delay_after_add = d.0;
            }
            if let Some(n) = a.max_empty_bulk_delete {
                if n == 0 {
                    diags.push(sdiag(
                        "spec.cluster.autoscaler.maxEmptyBulkDelete",
                        "Invalid value: 0: must be at least 1".to_string(),
                    ));
                }
                autoscaler.max_empty_bulk_delete = n.max(1) as usize;
            }
            if let Some(d) = a.scale_down_unready_time {
                autoscaler.scale_down_unready_time = d.0;
            }
            match a.expander.as_deref() {
                None | Some("random") => {}
                Some("least-waste") => autoscaler.expander = Expander::LeastWaste,
                Some("most-pods") => autoscaler.expander = Expander::MostPods,
                Some(other) => diags.push(sdiag(
                    "spec.cluster.autoscaler.expander",
                    format!("Unsupported value: {other:?}: supported values: \"random\", \"least-waste\", \"most-pods\""),
                )),
            }
        }
    }
    ClusterInput {
        pools,
        outages,
        lifecycle,
        autoscaler,
    }
}

/// The most nodes a cluster may have, counting each pool's `maxNodes`: 20 times the
/// 5,000 nodes upstream supports, and small enough that the cluster's totals of
/// [`MAX_AMOUNT`]-sized nodes stay within `i64`.
pub const MAX_NODES: u64 = 100_000;

fn build_pools(
    node_pools: &[NodePoolSpec],
    sdiag: &dyn Fn(&str, String) -> Diagnostic,
    diags: &mut Diagnostics,
) -> Vec<NodePool> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut nodes_seen = 0u64;
    for (i, p) in node_pools.iter().enumerate() {
        let base = format!("spec.cluster.nodePools[{i}]");
        if !is_dns1123_label(&p.name) {
            diags.push(sdiag(
                &format!("{base}.name"),
                format!("invalid pool name {:?}: must be a lowercase DNS-1123 label (node names are <pool>-<n>)", p.name),
            ));
        } else if !seen.insert(p.name.clone()) {
            diags.push(sdiag(
                &format!("{base}.name"),
                format!("duplicate pool name {:?}", p.name),
            ));
        }
        let mut r = Resources::default();
        for (res, q) in &p.allocatable {
            let path = format!("{base}.allocatable[{res}]");
            let parsed = match Quantity::parse(&q.0) {
                Ok(v) if !v.is_negative() => v,
                Ok(_) => {
                    diags.push(sdiag(
                        &path,
                        format!("invalid quantity {:?}: must not be negative", q.0),
                    ));
                    continue;
                }
                Err(e) => {
                    diags.push(sdiag(&path, format!("invalid quantity {:?}: {e}", q.0)));
                    continue;
                }
            };
            let v = if res == "cpu" {
                parsed.milli_value()
            } else {
                parsed.value()
            };
            let v = match v {
                Ok(v) if v <= MAX_AMOUNT => v,
                _ => {
                    diags.push(sdiag(
                        &path,
                        format!(
                            "quantity {:?} is too large: at most {} (the largest amount jobsim simulates)",
                            q.0,
                            max_amount_text(res)
                        ),
                    ));
                    continue;
                }
            };
            match res.as_str() {
                "cpu" => r.cpu_millis = v,
                "memory" => r.memory_bytes = v,
                "pods" => r.pods = v,
                "ephemeral-storage" => r.ephemeral_storage_bytes = v,
                n if n.contains('/') => r.set_extended(n, v),
                n => diags.push(sdiag(
                    &path,
                    format!("unknown resource {n:?}: expected cpu, memory, pods, ephemeral-storage or an extended resource such as nvidia.com/gpu"),
                )),
            }
        }
        if !p.allocatable.contains_key("cpu") || !p.allocatable.contains_key("memory") {
            diags.push(sdiag(
                &format!("{base}.allocatable"),
                "allocatable must give at least cpu and memory".to_string(),
            ));
        }
        if !p.allocatable.contains_key("pods") {
            r.pods = 110;
        }
        let mut taints = Vec::new();
        for (j, t) in p.taints.iter().enumerate() {
            match parse_effect(&t.effect) {
                Some(effect) => taints.push(Taint {
                    key: t.key.clone(),
                    value: t.value.clone(),
                    effect,
                }),
                None => diags.push(sdiag(
                    &format!("{base}.taints[{j}].effect"),
                    format!("Unsupported value: {:?}: supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"", t.effect),
                )),
            }
        }
        let failures = p.failures.as_ref().map(|f| NodeFailures {
            time_to_failure: f.time_to_failure.0.clone(),
            time_to_repair: f.time_to_repair.0.clone(),
        });
        if let Some(f) = &failures
            && f.time_to_failure.is_zero()
        {
            diags.push(sdiag(
                &format!("{base}.failures.timeToFailure"),
                "a node that fails at once can never run anything: give a positive time"
                    .to_string(),
            ));
        }
        let autoscaling = p.autoscaling.as_ref().map(|a| {
            if a.min_nodes > a.max_nodes {
                diags.push(sdiag(
                    &format!("{base}.autoscaling.minNodes"),
                    format!(
                        "minNodes ({}) must not exceed maxNodes ({})",
                        a.min_nodes, a.max_nodes
                    ),
                ));
            } else if p.count < a.min_nodes || p.count > a.max_nodes {
                diags.push(sdiag(
                    &format!("{base}.count"),
                    format!(
                        "count ({}) must be between minNodes ({}) and maxNodes ({})",
                        p.count, a.min_nodes, a.max_nodes
                    ),
                ));
            }
            PoolAutoscaling {
                min: a.min_nodes,
                max: a.max_nodes,
                provisioning: a
                    .provisioning_delay
                    .as_ref()
                    .map(|d| d.0.clone())
                    .unwrap_or(PoolAutoscaling::DEFAULT_PROVISIONING),
            }
        });
        for (j, image) in p.images.iter().enumerate() {
            if image.trim().is_empty() {
                diags.push(sdiag(
                    &format!("{base}.images[{j}]"),
                    "an image reference must not be empty".to_string(),
                ));
            }
        }
        // Nodes this pool may ever have; together at most MAX_NODES.
        let most = p
            .autoscaling
            .as_ref()
            .map_or(0, |a| a.max_nodes)
            .max(p.count);
        nodes_seen += u64::from(most);
        if nodes_seen > MAX_NODES && nodes_seen - u64::from(most) <= MAX_NODES {
            diags.push(sdiag(
                &format!("{base}.count"),
                format!(
                    "the cluster would have {nodes_seen} nodes or more (counting count, or maxNodes with autoscaling); jobsim simulates at most {MAX_NODES}"
                ),
            ));
        }
        out.push(NodePool {
            name: p.name.clone(),
            count: p.count,
            allocatable: r,
            labels: p.labels.clone(),
            taints,
            images: p.images.clone(),
            failures,
            autoscaling,
        });
    }
    out
}
