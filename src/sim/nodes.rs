//! Node failures and what the control plane does about them (see
//! `controllers::node_lifecycle` for the upstream rules and defaults).
//!
//! A failed node's machine is down: its containers stop, its kubelet neither starts pods
//! nor reports. The API still shows its pods Running until the node lifecycle controller
//! marks the node NotReady (`--node-monitor-grace-period` after the failure) and taints
//! it; each pod is then deleted by the taint-eviction controller when its toleration for
//! `node.kubernetes.io/unreachable` runs out (300 s by default), with DisruptionTarget
//! `DeletionByTaintManager`. Deleted pods stay Terminating while the node is down. When
//! the node comes back, its kubelet finds the containers gone: pods being deleted end at
//! once; `restartPolicy: Never` pods fail with `ContainerStatusUnknown` (exit code 137);
//! `OnFailure` pods restart their container in place; pods that had not started yet
//! start now.
//!
//! Node failures, like the autoscaler, are *ambient*: nothing about them happens once no
//! Job has work left, and random failures stop when nothing but ambient events is queued
//! (a Job that can never finish would otherwise keep failing nodes until --max-sim-time).

use crate::api::job::{RestartPolicy, Taint, TaintEffect};
use crate::api::pod::{
    ContainerExit, DeletedBy, DisruptionReason, PendingExit, PodPhase, TerminationReason,
};
use crate::api::{NodeId, PodId};
use crate::controllers::node_lifecycle::TAINT_UNREACHABLE;
use crate::engine::rng::Purpose;
use crate::engine::time::{SimDuration, SimTime};

use super::records::{EventKind, ObjectRef};
use super::world::{Event, World};

/// Exit code reported for a container the kubelet could not find (128 + SIGKILL).
const EXIT_UNKNOWN: i32 = 137;

impl World {
    /// Whether any Job may still need the cluster: not yet submitted, live and not
    /// finished, or still to come from a CronJob or an arrival process. Ambient processes
    /// (node failures, the autoscaler's loop) stop when this is false.
    pub(crate) fn has_pending_work(&self) -> bool {
        self.jobs
            .iter()
            .any(|j| j.deleted_at.is_none() && j.rejected.is_none() && !j.status.is_finished())
            || self.cronjobs.iter().any(|c| c.waiting_until.is_some())
            || self.arrivals.iter().any(|a| a.pending)
    }

    /// Schedules the first outages and random failures (at the start of the run).
    pub(crate) fn schedule_node_failures(&mut self) {
        for i in 0..self.outages.len() {
            let at = self.outages[i].at;
            self.queue.push(at, Event::OutageStart(i as u32));
        }
        for id in 0..self.cluster.nodes.len() {
            self.schedule_random_failure(NodeId(id as u32));
        }
    }

    /// Draws when a node of a pool with a failure model fails next.
    pub(crate) fn schedule_random_failure(&mut self, node: NodeId) {
        let n = &self.cluster.nodes[node.idx()];
        let Some(model) = &self.cluster.pools[n.pool as usize].failures else {
            return;
        };
        let mut rng = self.streams.stream(
            Purpose::NodeFailure,
            u64::from(node.0),
            u64::from(n.up_epoch),
            0,
        );
        let after = model.time_to_failure.sample(&mut rng, 0);
        let epoch = n.up_epoch;
        self.push_perpetual(
            self.now + after.max(SimDuration::from_millis(1)),
            Event::NodeFail { node, epoch },
        );
    }

    pub(crate) fn on_outage_start(&mut self, i: u32) -> bool {
        let outage = self.outages[i as usize];
        if !self.has_pending_work() || !self.node_down(outage.node) {
            return false;
        }
        if let Some(d) = outage.duration {
            let epoch = self.cluster.nodes[outage.node.idx()].down_epoch;
            self.queue.push(
                self.now + d,
                Event::NodeRecover {
                    node: outage.node,
                    epoch,
                },
            );
        }
        true
    }

    pub(crate) fn on_node_fail(&mut self, node: NodeId, epoch: u32) -> bool {
        let n = &self.cluster.nodes[node.idx()];
        if n.up_epoch != epoch || n.removed || !self.has_pending_work() || self.quiescent() {
            // Nothing can progress any more: failing nodes would only keep the run going.
            return false;
        }
        if !self.node_down(node) {
            return false;
        }
        let n = &self.cluster.nodes[node.idx()];
        let Some(model) = &self.cluster.pools[n.pool as usize].failures else {
            return true;
        };
        let mut rng = self.streams.stream(
            Purpose::NodeFailure,
            u64::from(node.0),
            u64::from(n.up_epoch),
            1,
        );
        let repair = model.time_to_repair.sample(&mut rng, 0);
        let down_epoch = n.down_epoch;
        self.queue.push(
            self.now + repair,
            Event::NodeRecover {
                node,
                epoch: down_epoch,
            },
        );
        true
    }

    /// The machine stops. Returns false if it was already down.
    fn node_down(&mut self, node: NodeId) -> bool {
        let now = self.now;
        let n = &mut self.cluster.nodes[node.idx()];
        if n.down || n.removed {
            return false;
        }
        n.down = true;
        n.down_epoch += 1;
        n.images.abort_pulls(now);
        let epoch = n.down_epoch;
        // Every timer of the node's pods (start-up, pulls, container exits, terminations)
        // dies with the machine.
        let pods = n.pods.clone();
        for p in pods {
            self.pods.bump(p);
        }
        self.metrics.node_failures += 1;
        self.event(ObjectRef::Node(node), EventKind::NodeFailure);
        let grace = self.node_lifecycle.monitor_grace_period;
        self.queue
            .push(now + grace, Event::NodeNotReady { node, epoch });
        true
    }

    /// The node lifecycle controller notices the missing heartbeats.
    pub(crate) fn on_node_not_ready(&mut self, node: NodeId, epoch: u32) -> bool {
        if !self.has_pending_work() {
            return false;
        }
        let now = self.now;
        let n = &mut self.cluster.nodes[node.idx()];
        if !n.down || n.down_epoch != epoch || n.removed {
            return false;
        }
        n.not_ready_since = Some(now);
        n.ready = false;
        for effect in [TaintEffect::NoSchedule, TaintEffect::NoExecute] {
            n.taints.push(Taint {
                key: TAINT_UNREACHABLE.to_string(),
                value: String::new(),
                effect,
            });
        }
        self.cluster.node_changed(node);
        self.cluster_version += 1;
        self.event(ObjectRef::Node(node), EventKind::NodeNotReady);
        let pods = self.cluster.nodes[node.idx()].pods.clone();
        for p in pods {
            // MarkPodsNotReady.
            self.update_pod(p, |pod| pod.ready = false);
            self.schedule_taint_eviction(p, node);
        }
        true
    }

    /// The taint-eviction controller's timer for a pod on a node with the unreachable
    /// NoExecute taint: the pod's toleration for it, or the admission default.
    pub(crate) fn schedule_taint_eviction(&mut self, pod: PodId, node: NodeId) {
        let n = &self.cluster.nodes[node.idx()];
        let Some(taint) = n
            .taints
            .iter()
            .find(|t| t.key == TAINT_UNREACHABLE && t.effect == TaintEffect::NoExecute)
        else {
            return;
        };
        let epoch = n.down_epoch;
        let job = self.pods.get(pod).job;
        let tolerations = &self.jobs[job.idx()].spec.template.tolerations;
        let matching: Vec<_> = tolerations.iter().filter(|t| t.tolerates(taint)).collect();
        // getMinTolerationTime: the shortest tolerationSeconds of the matching
        // tolerations; matching tolerations without one keep the pod forever.
        let after = if matching.is_empty() {
            // No toleration of its own: DefaultTolerationSeconds added one.
            self.node_lifecycle.default_unreachable_toleration
        } else {
            match matching.iter().filter_map(|t| t.toleration_seconds).min() {
                None => return,
                Some(s) => SimDuration::from_secs(s.max(0) as u64),
            }
        };
        self.queue
            .push(self.now + after, Event::TaintEviction { pod, node, epoch });
    }

    pub(crate) fn on_taint_eviction(&mut self, pod: PodId, node: NodeId, epoch: u32) -> bool {
        if !self.has_pending_work() {
            return false;
        }
        let n = &self.cluster.nodes[node.idx()];
        if !n.down || n.down_epoch != epoch {
            return false;
        }
        match self.pods.get_opt(pod) {
            Some(p) if p.node == Some(node) && p.deletion.is_none() && !p.phase.is_terminal() => {}
            _ => return false,
        }
        self.metrics.pods_evicted += 1;
        self.pod_event(pod, || EventKind::TaintManagerEviction);
        self.delete_pod(
            pod,
            DeletedBy::Disruption(DisruptionReason::DeletionByTaintManager),
            false,
        );
        true
    }

    pub(crate) fn on_node_recover(&mut self, node: NodeId, epoch: u32) -> bool {
        if !self.has_pending_work() {
            return false;
        }
        let now = self.now;
        let n = &mut self.cluster.nodes[node.idx()];
        if !n.down || n.down_epoch != epoch || n.removed {
            return false;
        }
        n.down = false;
        n.up_epoch += 1;
        n.ready = true;
        n.not_ready_since = None;
        n.taints.retain(|t| t.key != TAINT_UNREACHABLE);
        self.cluster.node_changed(node);
        self.event(ObjectRef::Node(node), EventKind::NodeReady);
        let pods = self.cluster.nodes[node.idx()].pods.clone();
        for p in pods {
            self.kubelet_resync(p, now);
        }
        self.cluster_changed();
        self.schedule_random_failure(node);
        true
    }

    /// The kubelet is back and finds the pod's containers gone.
    fn kubelet_resync(&mut self, id: PodId, now: SimTime) {
        let pod = self.pods.get(id);
        if pod.phase.is_terminal() {
            return;
        }
        let lost = pod.pending_exit.is_some() || pod.phase == PodPhase::Running;
        let restart = self.jobs[pod.job.idx()].spec.template.restart_policy;
        if pod.deletion.is_some() || (lost && restart == RestartPolicy::Never) {
            let container = pod.pending_exit.as_ref().map_or(0, |e| e.exit.container);
            self.update_pod(id, |p| {
                p.pending_exit = None;
                p.phase = PodPhase::Failed;
                p.ready = false;
                p.finished_at = Some(now);
                if lost {
                    p.exit = Some(ContainerExit {
                        container,
                        exit_code: EXIT_UNKNOWN,
                        reason: TerminationReason::ContainerStatusUnknown,
                    });
                }
            });
        } else if lost {
            // OnFailure: the container "exited" and restarts in place.
            let container = pod.pending_exit.as_ref().map_or(0, |e| e.exit.container);
            let generation = self.pods.bump(id);
            let p = self.pods.get_mut(id);
            p.pending_exit = Some(PendingExit {
                evicted: false,
                exit: ContainerExit {
                    container,
                    exit_code: EXIT_UNKNOWN,
                    reason: TerminationReason::ContainerStatusUnknown,
                },
                other_exits: thin_vec::ThinVec::new(),
                conditions: thin_vec::ThinVec::new(),
                at: now,
            });
            self.on_container_exited(id, generation);
        } else {
            // Bound but never started.
            self.kubelet_admit(id);
        }
    }
}
