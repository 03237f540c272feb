//! The API server and the informers, reduced to what the components need.
//!
//! Every change to a pod goes through [`World::update_pod`], which compares what the Job
//! controller's informer saw before and after the change and keeps the Job's counters, its
//! list of finished-but-unaccounted pods and its pending indexes in step; releases node
//! resources when a pod turns terminal; and enqueues the Job (`updatePod` →
//! `enqueueSyncJobBatched`). No component updates those derived views by hand, so they
//! cannot drift.

use crate::api::names;
use crate::api::pod::{DeletedBy, Deletion, NO_INDEX, Pod, PodPhase};
use crate::api::{JobId, NodeId, PodId};
use crate::controllers::job::policy::is_pod_failed;
use crate::engine::rng::Purpose;
use crate::engine::time::{SimDuration, SimTime};

use super::metrics::Lifecycle;
use super::records::{EventKind, EventRecord, ObjectRef, PodName, PodRecord, Record};
use super::world::{Event, World};

/// A request of the Job controller still in flight (rate-limited client).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiRequest {
    Create {
        job: JobId,
        index: Option<u32>,
        ordinal: u32,
        attempt: u32,
        failure_counts: Option<(u32, u32)>,
    },
    Delete {
        pod: PodId,
        job: JobId,
        ordinal: u32,
        by: DeletedBy,
        remove_finalizer_first: bool,
    },
}

/// What the Job controller derives from one pod.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct PodFlags {
    active: bool,
    ready: bool,
    terminating: bool,
    /// Restarts counted by the OnFailure backoffLimit rule (Pending/Running pods only).
    live_restarts: i64,
    /// Has the tracking finalizer and counts as succeeded or failed: must be accounted.
    finished: bool,
    /// Keeps its completion index from being handed out again.
    holds_index: bool,
    terminal: bool,
    lifecycle: Lifecycle,
}

impl PodFlags {
    /// What the Job controller derives from `pod`; `only_failed` is its Job's
    /// [`JobState::only_replace_failed`](crate::controllers::job::JobState::only_replace_failed).
    #[inline(always)]
    fn of(pod: &Pod, only_failed: bool) -> PodFlags {
        let active = pod.is_active();
        let terminating = pod.is_terminating();
        PodFlags {
            active,
            ready: active && pod.ready,
            terminating,
            live_restarts: if pod.phase.is_terminal() {
                0
            } else {
                i64::from(pod.restart_count)
            },
            finished: pod.has_finalizer
                && (pod.phase == PodPhase::Succeeded || is_pod_failed(pod, only_failed)),
            holds_index: active || (only_failed && terminating),
            terminal: pod.phase.is_terminal(),
            lifecycle: if pod.phase.is_terminal() {
                Lifecycle::None
            } else if pod.deletion.is_some() {
                Lifecycle::Terminating
            } else if pod.node.is_none() {
                Lifecycle::Unbound
            } else if pod.phase == PodPhase::Pending {
                Lifecycle::Starting
            } else {
                Lifecycle::Running
            },
        }
    }
}

impl World {
    /// Applies `change` to a pod and propagates its consequences. Returns whether the pod
    /// object still exists afterwards.
    pub fn update_pod(&mut self, id: PodId, change: impl FnOnce(&mut Pod)) -> bool {
        let only_failed = self.jobs[self.pods.get(id).job.idx()].only_replace_failed();
        // The pod is looked up once (`change` does not move it or change its Job).
        let pod = self.pods.get_mut(id);
        let before = PodFlags::of(pod, only_failed);
        change(pod);
        let after = PodFlags::of(pod, only_failed);
        if !Self::is_gone(pod) {
            self.apply_flags(id, before, after);
            return true;
        }
        // The update and the pod leaving the informer in one pass: the bookkeeping of
        // `before -> after -> gone` is that of `before -> gone` (counts add up, and a pod
        // without its finalizer is never newly `finished`).
        let gone = PodFlags {
            terminal: after.terminal,
            ..PodFlags::default()
        };
        self.apply_flags(id, before, gone);
        self.drop_pod_object(id, after);
        false
    }

    fn apply_flags(&mut self, id: PodId, before: PodFlags, after: PodFlags) {
        self.metrics.moved(before.lifecycle, after.lifecycle);
        let pod = self.pods.get(id);
        let job_id = pod.job;
        if !before.terminal && after.terminal {
            if let Some(started) = pod.started_at {
                self.metrics.add_running(self.now.saturating_since(started));
            }
            if let Some(node) = pod.node {
                // Leaves the node's list as a scan and `swap_remove` would, without the scan
                // (the list's order decides the order of per-node work, e.g. on NotReady).
                let slot = self.pods.position_on_node(id) as usize;
                let on_node = &mut self.cluster.nodes[node.idx()].pods;
                // Positions are exact; `check_invariants` verifies every one.
                debug_assert_eq!(on_node.get(slot), Some(&id), "position_on_node is stale");
                on_node.swap_remove(slot);
                if let Some(&moved) = on_node.get(slot) {
                    self.pods.set_position_on_node(moved, slot as u32);
                }
                let tpl = &self.jobs[job_id.idx()].spec.template;
                if self.preemptions.victim_of.contains_key(&id.0) {
                    // A preemption victim: its room may be held for the preemptor. Only the
                    // requests are copied (the whole template would allocate per container).
                    let (requests, nonzero) = (tpl.requests.clone(), tpl.nonzero_requests);
                    if !self.victim_terminated(id, &requests, nonzero) {
                        self.cluster.release(node, &requests, nonzero);
                        self.cluster_changed();
                    }
                } else {
                    self.cluster
                        .release(node, &tpl.requests, tpl.nonzero_requests);
                    self.cluster_changed();
                }
            }
            self.release_pod_quota(job_id);
            let pod = self.pods.get(id);
            let stats = &mut self.jobs[job_id.idx()].stats;
            if pod.phase == PodPhase::Succeeded {
                stats.pod_successes += 1;
            } else {
                stats.pod_failures += 1;
                self.stats.pod_failures += 1;
            }
        }
        let pod = self.pods.get(id);
        let (index, attempt, started, phase, has_finalizer) = (
            pod.index,
            pod.attempt,
            pod.started_at.is_some(),
            pod.phase,
            pod.has_finalizer,
        );
        let job = &mut self.jobs[job_id.idx()];
        job.counts.active += i32::from(after.active) - i32::from(before.active);
        job.counts.ready += i32::from(after.ready) - i32::from(before.ready);
        job.counts.terminating += i32::from(after.terminating) - i32::from(before.terminating);
        job.counts.live_restarts += after.live_restarts - before.live_restarts;
        if after.finished && !before.finished {
            job.unaccounted.push(id);
        }
        if before.holds_index && !after.holds_index && index != NO_INDEX {
            let will_succeed = phase == PodPhase::Succeeded && has_finalizer;
            if !will_succeed {
                // The next run of this index gets the next attempt number.
                let next = attempt + u32::from(started);
                let e = job.next_attempt.entry(index).or_insert(0);
                *e = (*e).max(next);
                let completions = job.spec.completions.unwrap_or(0).max(0) as u32;
                // With backoffLimitPerIndex a counted failure may fail the index: the
                // accounting in the next sync decides (see sync::account_pods).
                let deferred =
                    job.spec.has_backoff_limit_per_index() && has_finalizer && after.finished;
                if !deferred
                    && index < completions
                    && !job.status.completed_indexes.contains(index)
                    && !job
                        .status
                        .failed_indexes
                        .as_ref()
                        .is_some_and(|f| f.contains(index))
                {
                    job.indexes.give_back(index);
                }
            }
        }
        // Every pod write is an informer update: updatePod -> enqueueSyncJobBatched.
        self.enqueue_job_batched(job_id);
    }

    /// Whether nothing holds a pod object any more: no finalizer, and either terminal or
    /// deleted before reaching a node.
    fn is_gone(pod: &Pod) -> bool {
        !pod.has_finalizer
            && (pod.phase.is_terminal() || (pod.deletion.is_some() && pod.node.is_none()))
    }

    /// Drops a gone pod object, whose informer bookkeeping has already been zeroed; `last`
    /// are its flags before that.
    fn drop_pod_object(&mut self, id: PodId, last: PodFlags) {
        if !last.terminal {
            // A pod deleted before it was bound leaves without a terminal phase: its quota
            // usage goes with it.
            self.release_pod_quota(self.pods.get(id).job);
        }
        if self.record_pods {
            let record = self.pod_record(id);
            self.records.push(Record::Pod(record));
        }
        let (job, slot) = self.pods.discard(id);
        let job = &mut self.jobs[job.idx()];
        let slot = slot as usize;
        job.pods.swap_remove(slot);
        if let Some(&moved) = job.pods.get(slot) {
            self.pods.set_position_in_job(moved, slot as u32);
        }
    }

    /// The record of a live pod.
    pub fn pod_record(&self, id: PodId) -> PodRecord {
        let p = self.pods.get(id);
        PodRecord {
            name: self.pod_name(id),
            ordinal: p.ordinal,
            node: p.node,
            created: p.created_at,
            scheduled: p.scheduled_at,
            started: p.started_at,
            finished: p.finished_at,
            deleted: p.deletion.map(|d| d.requested_at),
            phase: p.phase,
            exit_code: p.exit.map(|e| e.exit_code),
            reason: p.reason.or(p.exit.map(|e| e.reason)),
            disruption: p.disruption,
            restarts: p.restart_count,
            attempt: p.attempt,
        }
    }

    #[inline]
    pub fn pod_name(&self, id: PodId) -> PodName {
        let p = self.pods.get(id);
        PodName {
            job: p.job,
            index: p.index,
            suffix: if self.shows_names() {
                p.name_suffix
            } else {
                self.pod_name_suffix(self.jobs[p.job.idx()].key, p.ordinal)
            },
        }
    }

    /// The run records events or pods, which name pods: each pod's name is made once, when
    /// it is created ([`Pod::name_suffix`]).
    #[inline]
    fn shows_names(&self) -> bool {
        self.record_events || self.record_pods
    }

    /// The random part of the name of the Job's pod number `ordinal` (`generateName`'s five
    /// characters). A pure function of the Job and the ordinal: a run that shows names
    /// makes it once per pod ([`Pod::name_suffix`]); one that does not, only when a name
    /// is asked for.
    pub fn pod_name_suffix(&self, job_key: u64, ordinal: u32) -> [u8; names::RANDOM_LENGTH] {
        names::suffix_from_hash(
            self.streams
                .hash(Purpose::PodName, job_key, u64::from(ordinal), 0),
        )
    }

    /// Records a Kubernetes event. Inlined, so that an event that is not recorded costs no
    /// construction or drop of its kind.
    #[inline(always)]
    pub fn event(&mut self, object: ObjectRef, kind: EventKind) {
        if self.record_events {
            self.records.push(Record::Event(EventRecord {
                time: self.now,
                object,
                kind,
            }));
        }
    }

    /// Records a Kubernetes event about a pod; its name is only looked up, and its kind
    /// only made, when events are recorded (a kind that is made and not recorded is
    /// dropped through a call that the compiler does not see through).
    #[inline(always)]
    pub fn pod_event(&mut self, id: PodId, kind: impl FnOnce() -> EventKind) {
        if self.record_events {
            let name = self.pod_name(id);
            self.event(ObjectRef::Pod(name), kind());
        }
    }

    /// Node usage changed: unschedulable pods may fit now.
    pub fn cluster_changed(&mut self) {
        self.cluster_version += 1;
        self.scheduler_cluster_event();
    }

    /// POST a pod for `job` (Indexed Jobs: with completion `index`).
    pub fn create_pod(&mut self, job_id: JobId, index: Option<u32>) -> PodId {
        let (ordinal, attempt) = self.reserve_pod_identity(job_id, index);
        self.create_pod_as(job_id, index, ordinal, attempt, None)
    }

    /// The ordinal and attempt number of a pod about to be created: decided when the create
    /// is issued, so that delayed creates keep the order they were issued in.
    fn reserve_pod_identity(&mut self, job_id: JobId, index: Option<u32>) -> (u32, u32) {
        let job = &mut self.jobs[job_id.idx()];
        let ordinal = job.next_ordinal;
        job.next_ordinal += 1;
        let attempt = match index {
            // Most indexes have never run before: larger than every remembered one, they
            // are told apart by the map's last key without a search.
            Some(i)
                if job
                    .next_attempt
                    .last_key_value()
                    .is_some_and(|(&k, _)| k >= i) =>
            {
                job.next_attempt.remove(&i).unwrap_or(0)
            }
            _ => 0,
        };
        (ordinal, attempt)
    }

    /// The pod object appears in the API.
    fn create_pod_as(
        &mut self,
        job_id: JobId,
        index: Option<u32>,
        ordinal: u32,
        attempt: u32,
        failure_counts: Option<(u32, u32)>,
    ) -> PodId {
        let name_suffix = if self.shows_names() {
            self.pod_name_suffix(self.jobs[job_id.idx()].key, ordinal)
        } else {
            [0; names::RANDOM_LENGTH]
        };
        let job = &mut self.jobs[job_id.idx()];
        job.stats.pods_created += 1;
        self.stats.pods_created += 1;
        let position_in_job = job.pods.len() as u32;
        let now = self.now;
        let id = self.pods.insert(|generation| Pod {
            job: job_id,
            index: index.unwrap_or(NO_INDEX),
            ordinal,
            attempt,
            pending_exit: None,
            crash_backoff: SimDuration::ZERO,
            crash_backoff_updated: None,
            node: None,
            assumed_node: None,
            phase: PodPhase::Pending,
            ready: false,
            created_at: now,
            scheduled_at: None,
            started_at: None,
            ready_at: None,
            finished_at: None,
            deletion: None,
            has_finalizer: true,
            restart_count: 0,
            exit: None,
            other_exits: thin_vec::ThinVec::new(),
            disruption: None,
            extra_conditions: thin_vec::ThinVec::new(),
            reason: None,
            index_failure_count: failure_counts.map_or(0, |c| c.0),
            index_ignored_failure_count: failure_counts.map_or(0, |c| c.1),
            scheduling_attempts: 0,
            generation,
            accounted: false,
            index_released: false,
            scale_up_noted: false,
            name_suffix,
        });
        self.pods.set_position_in_job(id, position_in_job);
        // The slot the next creation of this sync takes: freed a sync ago, out of the cache.
        if let Some(next) = self.pods.next_free() {
            self.pods.prefetch_slot(next);
            self.attempt_streams.prefetch(next);
        }
        // The first run's stream, computed with the other pods created in this sync.
        let [a, b, c] = self.attempt_key(id).stream_parts();
        self.attempt_streams.announce(&self.streams, id.0, a, b, c);
        let job = &mut self.jobs[job_id.idx()];
        job.pods.push(id);
        // The informer sees the new pod: addPod -> CreationObserved + enqueueSyncJobBatched.
        job.counts.active += 1;
        job.expectations.adds -= 1;
        self.metrics.pods[Lifecycle::Unbound as usize] += 1;
        self.enqueue_job_batched(job_id);
        if self.record_events {
            let name = self.pod_name(id);
            self.event(ObjectRef::Job(job_id), EventKind::SuccessfulCreate(name));
        }
        self.scheduler_enqueue(id);
        id
    }

    /// One request of kube-controller-manager's client, issued at `at`: returns when its
    /// effect is visible (at once without a rate-limited client). The sync in progress
    /// lasts at least until then.
    fn kcm_request(&mut self, at: SimTime) -> SimTime {
        let done = match self.kcm_client.as_mut() {
            None => at,
            Some(c) => c.request(at),
        };
        self.sync_until = self.sync_until.max(done);
        done
    }

    /// Issues a pod creation at `at` (slow-start batches issue later batches after earlier
    /// ones completed). Without a rate-limited client the pod appears at once. Returns when
    /// the pod appears.
    pub fn request_create(
        &mut self,
        job_id: JobId,
        index: Option<u32>,
        at: SimTime,
        failure_counts: Option<(u32, u32)>,
    ) -> SimTime {
        let (ordinal, attempt) = self.reserve_pod_identity(job_id, index);
        let done = self.kcm_request(at);
        if done <= self.now {
            self.create_pod_as(job_id, index, ordinal, attempt, failure_counts);
        } else {
            self.defer_request(
                done,
                ApiRequest::Create {
                    job: job_id,
                    index,
                    ordinal,
                    attempt,
                    failure_counts,
                },
            );
        }
        done
    }

    /// Issues a pod deletion at `at` (see [`World::delete_pod`]); `remove_finalizer_first`
    /// sends the finalizer PATCH first and the DELETE once it completed. Returns when the
    /// deletion takes effect.
    pub fn request_delete(
        &mut self,
        id: PodId,
        by: DeletedBy,
        remove_finalizer_first: bool,
        at: SimTime,
    ) -> SimTime {
        let at = if remove_finalizer_first {
            self.kcm_request(at)
        } else {
            at
        };
        let done = self.kcm_request(at);
        if done <= self.now {
            self.delete_pod(id, by, remove_finalizer_first);
        } else {
            let pod = self.pods.get(id);
            let request = ApiRequest::Delete {
                pod: id,
                job: pod.job,
                ordinal: pod.ordinal,
                by,
                remove_finalizer_first,
            };
            self.defer_request(done, request);
        }
        done
    }

    /// A write whose effect jobsim applies at once (a status update, a finalizer PATCH)
    /// but which takes a token of the client, delaying the requests after it. Returns when
    /// it completes.
    pub fn request_write(&mut self, at: SimTime) -> SimTime {
        self.kcm_request(at)
    }

    fn defer_request(&mut self, done: SimTime, request: ApiRequest) {
        let id = self.api_requests.len() as u32;
        self.api_requests.push(Some(request));
        self.api_in_flight += 1;
        self.queue.push(done, Event::ApiDone(id));
    }

    /// A delayed request completes.
    pub(crate) fn on_api_done(&mut self, rid: u32) -> bool {
        let Some(req) = self
            .api_requests
            .get_mut(rid as usize)
            .and_then(Option::take)
        else {
            return false;
        };
        self.api_in_flight -= 1;
        if self.api_in_flight == 0 {
            // Requests are short-lived: reuse the table once it has drained.
            self.api_requests.clear();
        }
        match req {
            ApiRequest::Create {
                job,
                index,
                ordinal,
                attempt,
                failure_counts,
            } => {
                if !self.jobs[job.idx()].is_live() {
                    // The Job was deleted while the create was in flight: the garbage
                    // collector removes the orphan at once.
                    self.jobs[job.idx()].expectations.adds -= 1;
                    return true;
                }
                self.create_pod_as(job, index, ordinal, attempt, failure_counts);
            }
            ApiRequest::Delete {
                pod,
                job,
                ordinal,
                by,
                remove_finalizer_first,
            } => match self.pods.get_opt(pod) {
                Some(p) if p.job == job && p.ordinal == ordinal => {
                    self.delete_pod(pod, by, remove_finalizer_first)
                }
                // Already gone: the API answers NotFound, which the controller counts as
                // an observed deletion.
                _ => self.jobs[job.idx()].expectations.deletes -= 1,
            },
        }
        true
    }

    /// DELETE a pod. `remove_finalizer_first` is the Job controller's `deleteJobPods`
    /// (scale-down, suspension): such pods are never counted.
    pub fn delete_pod(&mut self, id: PodId, by: DeletedBy, remove_finalizer_first: bool) {
        self.delete_pod_inner(id, by, remove_finalizer_first, None);
    }

    /// DELETE a pod with an explicit grace period (`kubectl delete pod --grace-period`).
    pub fn delete_pod_with_grace(&mut self, id: PodId, by: DeletedBy, grace: Option<SimDuration>) {
        self.delete_pod_inner(id, by, false, grace);
    }

    fn delete_pod_inner(
        &mut self,
        id: PodId,
        by: DeletedBy,
        remove_finalizer_first: bool,
        grace_override: Option<SimDuration>,
    ) {
        let pod = self.pods.get(id);
        if pod.deletion.is_some() {
            return;
        }
        let job_id = pod.job;
        let tpl_grace = grace_override.unwrap_or(
            self.jobs[job_id.idx()]
                .spec
                .template
                .termination_grace_period,
        );
        // The API server deletes at once what no kubelet runs (`CheckGracefulDelete`).
        let grace = if pod.node.is_none() || pod.phase.is_terminal() {
            SimDuration::ZERO
        } else {
            tpl_grace
        };
        if pod.node.is_none()
            && let Some(node) = pod.assumed_node
        {
            // The scheduler had reserved a node for a binding still in flight.
            let tpl = self.jobs[job_id.idx()].spec.template.clone();
            self.cluster
                .release(node, &tpl.requests, tpl.nonzero_requests);
            self.pods.get_mut(id).assumed_node = None;
            self.cluster_changed();
        }
        let name = self.pod_name(id);
        let now = self.now;
        if by == DeletedBy::JobController {
            self.event(ObjectRef::Job(job_id), EventKind::SuccessfulDelete(name));
        }
        let exists = self.update_pod(id, |p| {
            if remove_finalizer_first {
                p.has_finalizer = false;
                p.accounted = true;
            }
            p.deletion = Some(Deletion {
                requested_at: now,
                grace,
                by,
            });
            if let DeletedBy::Disruption(reason) = by {
                p.disruption = Some(reason);
            }
        });
        // deletePod(final=false) -> DeletionObserved.
        self.jobs[job_id.idx()].expectations.deletes -= 1;
        if exists {
            self.kubelet_stop(id);
        }
    }

    /// PATCH away the tracking finalizer.
    pub fn remove_finalizer(&mut self, id: PodId) {
        self.update_pod(id, |p| {
            p.has_finalizer = false;
            p.accounted = true;
        });
    }

    /// A pod's terminal phase, as kubelet or PodGC sets it.
    pub(crate) fn schedule_pod_gc(&mut self) {
        if self.pod_gc_pending {
            return;
        }
        self.pod_gc_pending = true;
        // PodGC runs every 20 s from controller start (`--gc-check-period` default is not
        // configurable; `gcCheckPeriod` = 20 s in pkg/controller/podgc).
        let period = 20_000;
        let next = (self.now.as_millis() / period + 1) * period;
        self.queue.push(
            crate::engine::time::SimTime::from_millis(next),
            Event::PodGc,
        );
    }

    /// PodGC: terminating pods that never reached a node are marked Failed
    /// (`gcUnscheduledTerminating`, with DisruptionTarget DeletionByPodGC), so that Jobs
    /// that only replace failed pods can replace them.
    pub(crate) fn on_pod_gc(&mut self) {
        self.pod_gc_pending = false;
        // gcOrphaned: pods bound to a node that no longer exists are marked Failed and
        // deleted.
        let orphans: Vec<PodId> = self
            .pods
            .iter()
            .filter(|(_, p)| {
                !p.phase.is_terminal() && p.node.is_some_and(|n| self.cluster.node(n).removed)
            })
            .map(|(id, _)| id)
            .collect();
        let now = self.now;
        for id in orphans {
            let by = DeletedBy::Disruption(crate::api::pod::DisruptionReason::DeletionByPodGC);
            self.update_pod(id, |p| {
                p.pending_exit = None;
                p.phase = PodPhase::Failed;
                p.ready = false;
                p.finished_at = Some(now);
                if p.disruption.is_none() {
                    p.disruption = Some(crate::api::pod::DisruptionReason::DeletionByPodGC);
                }
                if p.deletion.is_none() {
                    p.deletion = Some(Deletion {
                        requested_at: now,
                        grace: SimDuration::ZERO,
                        by,
                    });
                }
            });
        }
        let victims: Vec<PodId> = self
            .pods
            .iter()
            .filter(|(_, p)| p.node.is_none() && p.deletion.is_some() && !p.phase.is_terminal())
            .map(|(id, _)| id)
            .collect();
        let now = self.now;
        for id in victims {
            self.update_pod(id, |p| {
                p.phase = PodPhase::Failed;
                p.finished_at = Some(now);
                p.disruption = Some(crate::api::pod::DisruptionReason::DeletionByPodGC);
            });
        }
    }

    /// Binds a pod to a node (the scheduler's Bind, visible to the kubelet at once).
    pub fn bind_pod(&mut self, id: PodId, node: NodeId) {
        let now = self.now;
        // The scheduler reserved the node's resources when it chose it (`assume`).
        let waited = now.saturating_since(self.pods.get(id).created_at);
        self.metrics.pending.record(waited.as_millis());
        let position = self.cluster.nodes[node.idx()].pods.len() as u32;
        self.pods.set_position_on_node(id, position);
        self.update_pod(id, |p| {
            p.node = Some(node);
            p.scheduled_at = Some(now);
        });
        self.cluster.nodes[node.idx()].pods.push(id);
        self.pod_event(id, || EventKind::Scheduled(node));
        if self.cluster.nodes[node.idx()].down {
            // Bound to a node that failed but is not yet NotReady: nothing starts it, and
            // the taint-eviction controller will see it once the node is tainted.
            if !self.cluster.nodes[node.idx()].ready {
                self.schedule_taint_eviction(id, node);
            }
            return;
        }
        self.kubelet_admit(id);
    }
}

impl World {
    /// Creates a Job in the API during the run (a CronJob's or an arrival's): it is known to
    /// the Job controller from `now` on, exactly like a Job of the scenario.
    pub(crate) fn add_job(
        &mut self,
        namespace: String,
        name: String,
        spec: crate::api::job::JobSpec,
        behavior: std::sync::Arc<crate::workload::PodBehavior>,
    ) -> JobId {
        let id = JobId(self.jobs.len() as u32);
        let job =
            crate::controllers::job::JobState::new(id, namespace, name, spec, behavior, self.now);
        let needs = self.cluster.images.needs(&job.spec.template);
        self.job_images.push(needs.into());
        self.priorities_differ |= self
            .jobs
            .first()
            .is_some_and(|f| f.spec.template.priority != job.spec.template.priority);
        self.jobs.push(job);
        self.queue
            .push(self.now, super::world::Event::JobCreated(id));
        id
    }
}
