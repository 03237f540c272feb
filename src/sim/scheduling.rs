//! kube-scheduler's queue and cycle (`pkg/scheduler/backend/queue/scheduling_queue.go`,
//! `pkg/scheduler/schedule_one.go`).
//!
//! - *activeQ*: pods waiting for a cycle, highest priority first, then oldest.
//! - *backoffQ*: pods that failed and wait out `podInitialBackoffSeconds ×
//!   2^(attempts−1)` (capped by `podMaxBackoffSeconds`) before returning to activeQ.
//! - *unschedulablePods*: pods that fit nowhere; a cluster change (a pod leaving a node, a
//!   node joining or changing) moves all of them to backoffQ or activeQ.
//!
//! kube-scheduler also retries unschedulable pods after `podMaxInUnschedulablePodsDuration`
//! (5 min) without any cluster change, because its queueing hints may have skipped an
//! event. jobsim moves every unschedulable pod on every cluster change, so such a retry
//! would run the same filters on the same cluster and fail the same way; it is left out.
//! That also lets a scenario whose pods can never fit end instead of cycling forever.

use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;

use crate::api::{NodeId, PodId};
use crate::cluster::scheduler::{self, FitError, SchedulerConfig};
use crate::engine::time::SimTime;

use super::records::EventKind;
use super::world::{Event, World, lane};

/// An activeQ entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Queued {
    pod: PodId,
    generation: u32,
    priority: i32,
    since: SimTime,
    seq: u64,
}

impl Queued {
    /// PrioritySort as one number, larger first: higher priority, then earlier enqueue
    /// time, then FIFO. Entries are pushed with `since` = now and an increasing `seq`, so
    /// `seq` alone orders them by enqueue time and then FIFO.
    #[inline(always)]
    fn key(&self) -> u128 {
        let priority = (self.priority as u32) ^ (1 << 31);
        (u128::from(priority) << 64) | u128::from(!self.seq)
    }
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        debug_assert!(self.seq > other.seq || self.since <= other.since);
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// activeQ: a max-heap on [`Queued::key`], beside a FIFO for the usual case. Pods of one
/// priority arrive in the order they pop (each key below the last), so they queue in the
/// FIFO; a pod that would jump the queue (a higher priority) goes to the heap. A pop takes
/// the larger of the two heads: the order is exactly the heap's.
#[derive(Debug, Default)]
struct ActiveQ {
    heap: BinaryHeap<Queued>,
    fifo: VecDeque<Queued>,
}

impl ActiveQ {
    fn push(&mut self, q: Queued) {
        if self.fifo.back().is_none_or(|last| q.key() < last.key()) {
            self.fifo.push_back(q);
        } else {
            self.heap.push(q);
        }
    }

    fn pop(&mut self) -> Option<Queued> {
        match (self.heap.peek(), self.fifo.front()) {
            (Some(h), Some(f)) if h.key() > f.key() => self.heap.pop(),
            (Some(_), None) => self.heap.pop(),
            _ => self.fifo.pop_front(),
        }
    }

    fn len(&self) -> usize {
        self.heap.len() + self.fifo.len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A pod in unschedulablePods.
#[derive(Clone, Copy, Debug)]
struct Unschedulable {
    pod: PodId,
    generation: u32,
    failed_at: SimTime,
}

/// The scheduler's state.
#[derive(Debug)]
pub struct SchedulerState {
    pub config: SchedulerConfig,
    active: ActiveQ,
    unschedulable: Vec<Unschedulable>,
    cycle_pending: bool,
    flush_pending: bool,
    next_start: usize,
    seq: u64,
    /// The last failure, reused while the cluster and the pod template are unchanged.
    last_failure: Option<(usize, u64, FitError)>,
    pub cycles: u64,
    pub failed_attempts: u64,
}

impl SchedulerState {
    pub fn new(config: SchedulerConfig) -> SchedulerState {
        SchedulerState {
            config,
            active: ActiveQ::default(),
            unschedulable: Vec::new(),
            cycle_pending: false,
            flush_pending: false,
            next_start: 0,
            seq: 0,
            last_failure: None,
            cycles: 0,
            failed_attempts: 0,
        }
    }

    /// Pods waiting in any queue (including stale entries not yet dropped).
    pub fn queued(&self) -> usize {
        self.active.len() + self.unschedulable.len()
    }
}

impl World {
    /// A new (or retried) pod enters activeQ.
    pub(crate) fn scheduler_enqueue(&mut self, id: PodId) {
        let pod = self.pods.get(id);
        let priority = self.jobs[pod.job.idx()].spec.template.priority;
        let s = &mut self.scheduler;
        s.seq += 1;
        s.active.push(Queued {
            pod: id,
            generation: pod.generation,
            priority,
            since: self.now,
            seq: s.seq,
        });
        if !s.cycle_pending {
            s.cycle_pending = true;
            self.queue
                .push_in_lane(lane::NOW, self.now, Event::SchedulerCycle);
        }
    }

    fn is_schedulable_entry(&self, id: PodId, generation: u32) -> bool {
        matches!(self.pods.get_opt(id), Some(p) if p.generation == generation && p.node.is_none() && p.deletion.is_none())
    }

    pub(crate) fn on_scheduler_cycle(&mut self) {
        self.scheduler.cycle_pending = false;
        let one_per_cycle = !self.scheduler.config.cycle_time.is_zero();
        while let Some(entry) = self.scheduler.active.pop() {
            if !self.is_schedulable_entry(entry.pod, entry.generation) {
                continue;
            }
            self.schedule_one(entry.pod);
            if one_per_cycle {
                break;
            }
        }
        if one_per_cycle && !self.scheduler.active.is_empty() {
            self.scheduler.cycle_pending = true;
            let at = self.now + self.scheduler.config.cycle_time;
            self.queue.push(at, Event::SchedulerCycle);
        }
    }

    fn schedule_one(&mut self, id: PodId) {
        self.scheduler.cycles += 1;
        self.stats.scheduling_cycles += 1;
        let job = self.pods.get(id).job;
        // Borrowed, not cloned: an Arc clone and drop are two atomic operations per pod.
        let tpl = &self.jobs[job.idx()].spec.template;
        let tpl_key = Arc::as_ptr(tpl) as usize;
        let reuse = matches!(&self.scheduler.last_failure,
            Some((k, v, _)) if *k == tpl_key && *v == self.cluster_version);
        let result = if reuse {
            Err(self
                .scheduler
                .last_failure
                .as_ref()
                .map(|f| f.2.clone())
                .unwrap_or_else(|| unreachable!("checked above")))
        } else {
            scheduler::schedule(
                &self.cluster,
                tpl,
                &self.scheduler.config,
                &mut self.scheduler.next_start,
            )
        };
        match result {
            Ok(node) => self.assume_and_bind(id, node),
            Err(fit) => {
                self.scheduler.failed_attempts += 1;
                // PostFilter: DefaultPreemption. The pod waits in unschedulablePods either
                // way; a preemption binds it once its victims are gone.
                let preempted = fit.resource_nodes > 0 && self.try_preempt(id);
                let first = self.pods.get(id).scheduling_attempts == 0;
                // The message goes only into the first attempt's event: it is not built
                // when events are off (sweeps, --no-events) or for a retry.
                // A successful PostFilter leaves its diagnosis out of the message.
                let message = (first && self.record_events).then(|| {
                    if preempted {
                        fit.filter_message()
                    } else {
                        fit.message()
                    }
                });
                self.scheduler.last_failure = Some((tpl_key, self.cluster_version, fit));
                self.pods.get_mut(id).scheduling_attempts += 1;
                if let Some(message) = message {
                    self.pod_event(id, || EventKind::FailedScheduling(message));
                }
                let generation = self.pods.get(id).generation;
                self.scheduler.unschedulable.push(Unschedulable {
                    pod: id,
                    generation,
                    failed_at: self.now,
                });
            }
        }
    }

    /// Assumes the pod on `node` (its requests are charged at once) and sends the binding,
    /// through the scheduler's client when it is rate-limited; the kubelet sees it after
    /// the bind latency.
    pub(crate) fn assume_and_bind(&mut self, id: PodId, node: NodeId) {
        let job = self.pods.get(id).job;
        let tpl = &self.jobs[job.idx()].spec.template;
        self.cluster
            .reserve(node, &tpl.requests, tpl.nonzero_requests);
        self.cluster_version += 1;
        let sent = match self.scheduler_client.as_mut() {
            None => self.now,
            Some(c) => c.request(self.now),
        };
        let bound_at = sent + self.scheduler.config.bind_latency;
        if bound_at <= self.now {
            self.bind_pod(id, node);
        } else {
            // The next cycle sees the node as used while the binding is in flight.
            self.pods.get_mut(id).assumed_node = Some(node);
            let generation = self.pods.get(id).generation;
            self.queue.push(
                bound_at,
                Event::PodBound {
                    pod: id,
                    generation,
                    node,
                },
            );
        }
    }

    /// A cluster event that may make unschedulable pods fit.
    pub(crate) fn scheduler_cluster_event(&mut self) {
        if !self.scheduler.unschedulable.is_empty() && !self.scheduler.flush_pending {
            self.scheduler.flush_pending = true;
            self.queue
                .push_in_lane(lane::NOW, self.now, Event::UnschedulableFlush);
        }
    }

    pub(crate) fn on_unschedulable_flush(&mut self) {
        self.scheduler.flush_pending = false;
        let waiting = std::mem::take(&mut self.scheduler.unschedulable);
        for u in waiting {
            self.move_to_active_or_backoff(u);
        }
    }

    /// `movePodsToActiveOrBackoffQueue`: a pod whose back-off (counted from its last failed
    /// attempt) is over goes to activeQ, the others to backoffQ.
    fn move_to_active_or_backoff(&mut self, u: Unschedulable) {
        if !self.is_schedulable_entry(u.pod, u.generation) {
            return;
        }
        let attempts = self.pods.get(u.pod).scheduling_attempts;
        let ready_at = u.failed_at + scheduler::pod_backoff(&self.scheduler.config, attempts);
        if ready_at > self.now {
            self.queue.push(
                ready_at,
                Event::PodBackoffExpired {
                    pod: u.pod,
                    generation: u.generation,
                },
            );
        } else {
            self.scheduler_enqueue(u.pod);
        }
    }

    pub(crate) fn on_pod_backoff_expired(&mut self, id: PodId, generation: u32) -> bool {
        if self.is_schedulable_entry(id, generation) {
            self.scheduler_enqueue(id);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The FIFO beside the heap changes nothing in the order of pops: random priorities,
    /// mostly equal, interleaved with pops, come out as a plain heap gives them.
    #[test]
    fn active_queue_pops_in_heap_order() {
        let (mut ours, mut plain) = (ActiveQ::default(), BinaryHeap::new());
        let mut x = 3u64;
        for seq in 0..20_000u64 {
            x = crate::engine::rng::mix64(x);
            if x.is_multiple_of(3) {
                assert_eq!(ours.pop(), plain.pop());
            } else {
                let q = Queued {
                    pod: PodId(seq as u32),
                    generation: 0,
                    priority: if x.is_multiple_of(7) {
                        (x >> 8) as i32 % 5
                    } else {
                        0
                    },
                    since: SimTime::from_millis(seq),
                    seq,
                };
                ours.push(q);
                plain.push(q);
            }
            assert_eq!(ours.len(), plain.len());
        }
        while let Some(q) = plain.pop() {
            assert_eq!(ours.pop(), Some(q));
        }
        assert!(ours.is_empty());
    }
}
