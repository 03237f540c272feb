//! The node lifecycle controller and the taint-eviction controller of
//! kube-controller-manager, and the DefaultTolerationSeconds admission plugin: what happens
//! to a node that stops reporting and to the pods on it.
//!
//! - A node whose kubelet stops posting status is marked `Ready=Unknown` once
//!   `--node-monitor-grace-period` has passed since its last heartbeat (40 s until 1.31,
//!   50 s since 1.32: kubernetes/kubernetes#126287), and gets the
//!   `node.kubernetes.io/unreachable` taints, NoSchedule and NoExecute
//!   (`pkg/controller/nodelifecycle/node_lifecycle_controller.go`).
//! - The taint-eviction controller deletes each pod on a NoExecute-tainted node once its
//!   toleration for the taint runs out (`pkg/controller/tainteviction`), adding the pod
//!   condition `DisruptionTarget` with reason `DeletionByTaintManager`. A pod without its own
//!   toleration for `unreachable` got one for 300 s from the DefaultTolerationSeconds
//!   admission plugin (`plugin/pkg/admission/defaulttolerationseconds`); a toleration
//!   without `tolerationSeconds` keeps the pod forever.
//! - When the kubelet is back the node is Ready again and the taints are removed.
//!
//! The run-time model is in `sim::nodes`.

use crate::api::version::KubernetesVersion;
use crate::engine::time::SimDuration;

/// The node taint a node gets when it stops reporting.
pub const TAINT_UNREACHABLE: &str = "node.kubernetes.io/unreachable";

/// Settings of the node lifecycle and taint-eviction controllers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeLifecycleConfig {
    /// `--node-monitor-grace-period`.
    pub monitor_grace_period: SimDuration,
    /// DefaultTolerationSeconds' `--default-unreachable-toleration-seconds`.
    pub default_unreachable_toleration: SimDuration,
}

impl NodeLifecycleConfig {
    /// The defaults of a Kubernetes version.
    pub fn for_version(version: KubernetesVersion) -> NodeLifecycleConfig {
        NodeLifecycleConfig {
            monitor_grace_period: if version.minor >= 32 {
                SimDuration::from_secs(50)
            } else {
                SimDuration::from_secs(40)
            },
            default_unreachable_toleration: SimDuration::from_secs(300),
        }
    }
}

impl Default for NodeLifecycleConfig {
    fn default() -> Self {
        NodeLifecycleConfig::for_version(KubernetesVersion::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grace_period_grew_to_50s_in_1_32() {
        let g = |minor| {
            NodeLifecycleConfig::for_version(KubernetesVersion { minor }).monitor_grace_period
        };
        assert_eq!(g(31), SimDuration::from_secs(40));
        assert_eq!(g(32), SimDuration::from_secs(50));
    }
}
