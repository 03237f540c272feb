//! kube-scheduler's DefaultPreemption (`pkg/scheduler/framework/plugins/defaultpreemption`,
//! `framework/preemption/preemption.go`): a pod that fits nowhere may evict pods of lower
//! priority.
//!
//! 1. On each node that fails only for lack of resources, remove every lower-priority pod
//!    that is not already terminating; if the pod then fits, add the removed pods back one
//!    by one, most important first (higher priority, then earlier start), keeping each one
//!    the pod still fits without (`SelectVictimsOnNode`). The rest are the node's victims.
//! 2. Pick the node with the lowest highest victim priority, then the smallest sum of
//!    victim priorities, then the fewest victims, then the latest start of its
//!    highest-priority victims, then the lowest node id (`pickOneNodeForPreemption`;
//!    PodDisruptionBudgets are not modelled).
//! 3. Delete the victims gracefully with DisruptionTarget `PreemptionByScheduler`, and
//!    nominate the node for the preemptor.
//!
//! Upstream, the nominated node's freed room is reserved for the preemptor: the scheduler
//! counts nominated pods when it places pods of equal or lower priority there. jobsim holds
//! the victims' resources on the node until the last victim has terminated and then binds
//! the preemptor at once if it still fits (otherwise it is scheduled as usual). While a
//! preemption is under way the preemptor does not preempt again
//! (`PodEligibleToPreemptOthers`), but it may still land on another node that frees up.
//! Upstream examines a sample of the nodes (at least 10 % or 100); jobsim examines every
//! node, which can only find a better candidate.

use std::collections::BTreeMap;

use crate::api::job::PreemptionPolicy;
use crate::api::pod::{DeletedBy, DisruptionReason};
use crate::api::resources::Resources;
use crate::api::{JobId, NodeId, PodId};
use crate::cluster::scheduler;
use crate::engine::time::SimTime;

use super::records::EventKind;
use super::world::World;

/// A preemption whose victims are still terminating.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preemption {
    pub preemptor: PodId,
    /// Identity of the preemptor beyond its slot.
    pub job: JobId,
    pub ordinal: u32,
    pub node: NodeId,
    pub victims_left: u32,
    /// Requests of the victims that have terminated, still charged to the node.
    pub held: Resources,
    pub held_nonzero: (i64, i64),
}

/// Preemptions under way.
#[derive(Clone, Debug, Default)]
pub struct Preemptions {
    pub active: Vec<Option<Preemption>>,
    /// Victim pod → its preemption.
    pub victim_of: BTreeMap<u32, u32>,
    /// Preemptor pod → its preemption.
    pub preemptor_of: BTreeMap<u32, u32>,
    /// Pods preempted so far (reports).
    pub victims_total: u64,
}

/// One node's candidate victims, with what ranks them.
struct Candidate {
    node: NodeId,
    victims: Vec<PodId>,
    highest: i32,
    sum: i64,
    /// Earliest start among the highest-priority victims.
    earliest_top_start: SimTime,
}

impl World {
    fn pod_priority(&self, id: PodId) -> i32 {
        self.jobs[self.pods.get(id).job.idx()]
            .spec
            .template
            .priority
    }

    /// Tries to make room for `id`; returns whether victims were chosen.
    pub(crate) fn try_preempt(&mut self, id: PodId) -> bool {
        if !self.priorities_differ {
            return false;
        }
        let pod = self.pods.get(id);
        let (job, ordinal) = (pod.job, pod.ordinal);
        let tpl = std::sync::Arc::clone(&self.jobs[job.idx()].spec.template);
        if tpl.preemption_policy == PreemptionPolicy::Never {
            return false;
        }
        if let Some(&pi) = self.preemptions.preemptor_of.get(&id.0)
            && matches!(&self.preemptions.active[pi as usize], Some(p) if p.job == job && p.ordinal == ordinal)
        {
            return false; // waiting for its victims
        }
        let priority = tpl.priority;
        let mut best: Option<Candidate> = None;
        for (i, node) in self.cluster.nodes.iter().enumerate() {
            if node.removed {
                continue;
            }
            let mut lower: Vec<PodId> = node
                .pods
                .iter()
                .copied()
                .filter(|&p| {
                    let v = self.pods.get(p);
                    v.deletion.is_none()
                        && !self.preemptions.victim_of.contains_key(&p.0)
                        && self.pod_priority(p) < priority
                })
                .collect();
            if lower.is_empty() {
                continue;
            }
            let mut freed = Resources::default();
            for &p in &lower {
                freed.add(&self.jobs[self.pods.get(p).job.idx()].spec.template.requests);
            }
            if !scheduler::fits_if_freed(node, &tpl, &freed) {
                continue;
            }
            // Reprieve the most important pods first.
            let start = |p: PodId| {
                let v = self.pods.get(p);
                v.started_at.or(v.scheduled_at).unwrap_or(SimTime::ZERO)
            };
            lower.sort_by_key(|&p| (std::cmp::Reverse(self.pod_priority(p)), start(p), p.0));
            let mut victims = Vec::new();
            for p in lower {
                let req = &self.jobs[self.pods.get(p).job.idx()].spec.template.requests;
                let mut without = freed.clone();
                without.sub(req);
                if scheduler::fits_if_freed(node, &tpl, &without) {
                    freed = without; // reprieved
                } else {
                    victims.push(p);
                }
            }
            let highest = victims
                .iter()
                .map(|&p| self.pod_priority(p))
                .max()
                .unwrap_or(i32::MIN);
            let sum = victims
                .iter()
                .map(|&p| i64::from(self.pod_priority(p)) + i64::from(i32::MAX) + 1)
                .sum();
            let earliest_top_start = victims
                .iter()
                .filter(|&&p| self.pod_priority(p) == highest)
                .map(|&p| start(p))
                .min()
                .unwrap_or(SimTime::ZERO);
            let c = Candidate {
                node: NodeId(i as u32),
                victims,
                highest,
                sum,
                earliest_top_start,
            };
            let better = match &best {
                None => true,
                Some(b) => {
                    (
                        c.highest,
                        c.sum,
                        c.victims.len(),
                        std::cmp::Reverse(c.earliest_top_start),
                    ) < (
                        b.highest,
                        b.sum,
                        b.victims.len(),
                        std::cmp::Reverse(b.earliest_top_start),
                    )
                }
            };
            if better {
                best = Some(c);
            }
        }
        let Some(chosen) = best else {
            return false;
        };
        let pi = self.preemptions.active.len() as u32;
        self.preemptions.active.push(Some(Preemption {
            preemptor: id,
            job,
            ordinal,
            node: chosen.node,
            victims_left: chosen.victims.len() as u32,
            held: Resources::default(),
            held_nonzero: (0, 0),
        }));
        self.preemptions.preemptor_of.insert(id.0, pi);
        let preemptor_name = self.pod_name(id);
        for &v in &chosen.victims {
            self.preemptions.victim_of.insert(v.0, pi);
            self.preemptions.victims_total += 1;
            self.pod_event(v, || EventKind::Preempted {
                by: preemptor_name,
                node: chosen.node,
            });
        }
        for &v in &chosen.victims {
            self.delete_pod(
                v,
                DeletedBy::Disruption(DisruptionReason::PreemptionByScheduler),
                false,
            );
        }
        true
    }

    /// A victim reached a terminal phase: its resources stay held for the preemptor.
    /// Returns false if the pod was not a victim (its resources are released as usual).
    pub(crate) fn victim_terminated(
        &mut self,
        id: PodId,
        requests: &Resources,
        nonzero: (i64, i64),
    ) -> bool {
        let Some(pi) = self.preemptions.victim_of.remove(&id.0) else {
            return false;
        };
        let Some(p) = self.preemptions.active[pi as usize].as_mut() else {
            return false;
        };
        p.held.add(requests);
        p.held_nonzero.0 += nonzero.0;
        p.held_nonzero.1 += nonzero.1;
        p.victims_left -= 1;
        if p.victims_left == 0 {
            self.complete_preemption(pi);
        }
        true
    }

    /// Every victim is gone: the held room goes to the preemptor if it still needs it.
    fn complete_preemption(&mut self, pi: u32) {
        let Some(p) = self.preemptions.active[pi as usize].take() else {
            return;
        };
        if self.preemptions.preemptor_of.get(&p.preemptor.0) == Some(&pi) {
            self.preemptions.preemptor_of.remove(&p.preemptor.0);
        }
        if self.preemptions.active.iter().all(Option::is_none) {
            self.preemptions.active.clear();
        }
        self.cluster.release(p.node, &p.held, p.held_nonzero);
        let waiting = matches!(self.pods.get_opt(p.preemptor),
            Some(pod) if pod.job == p.job && pod.ordinal == p.ordinal
                && pod.node.is_none() && pod.assumed_node.is_none() && pod.deletion.is_none());
        if waiting {
            let tpl = std::sync::Arc::clone(&self.jobs[p.job.idx()].spec.template);
            if scheduler::fits(self.cluster.node(p.node), &tpl) {
                self.assume_and_bind(p.preemptor, p.node);
            }
        }
        self.cluster_changed();
    }
}
