//! Scripted actions: what users and other controllers do to Jobs and pods at given times
//! (`kubectl patch`, `kubectl delete pod`, an eviction, a pod exiting on cue).
//!
//! Spec changes bump the Job's generation, so the Job controller syncs at once
//! (`updateJob` → `enqueueSyncJobImmediately`); a changed `activeDeadlineSeconds` also
//! re-arms the deadline requeue, as `updateJob` does.

use crate::api::JobId;
use crate::api::PodId;
use crate::api::intervals::Intervals;
use crate::api::pod::{ContainerExit, DeletedBy, DisruptionReason, PodPhase, TerminationReason};
use crate::engine::time::{SimDuration, SimTime};

use super::records::{EventKind, ObjectRef};
use super::world::World;

/// Which active pods an action applies to.
#[derive(Clone, Debug, PartialEq)]
pub enum PodSelector {
    /// The longest-running first (creation order).
    Oldest,
    /// The most recently created first.
    Newest,
    /// Pods with these completion indexes.
    Indexes(Intervals),
    /// Pods with these ordinals.
    Ordinals(Intervals),
}

/// A change of a Job's mutable spec fields (`kubectl patch job`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobPatch {
    pub suspend: Option<bool>,
    pub parallelism: Option<i32>,
    /// Only with `parallelism`, to the same value, for Indexed Jobs (elastic Jobs).
    pub completions: Option<i32>,
    pub backoff_limit: Option<i32>,
    pub active_deadline_seconds: Option<Option<i64>>,
    pub ttl_seconds_after_finished: Option<Option<i32>>,
    pub max_failed_indexes: Option<i32>,
}

/// What an action does.
#[derive(Clone, Debug, PartialEq)]
pub enum ActionKind {
    Patch(JobPatch),
    /// `kubectl delete pod` (or an eviction, which adds DisruptionTarget).
    DeletePods {
        select: PodSelector,
        count: usize,
        grace: Option<SimDuration>,
        evict: bool,
    },
    /// The selected pods' containers exit now with this code (and the pods get these
    /// conditions): upstream tests' "set pod phase".
    FinishPods {
        select: PodSelector,
        count: usize,
        exit_code: i32,
        conditions: Vec<String>,
    },
    /// `kubectl delete job` (foreground cascading deletion).
    DeleteJob,
}

/// One scheduled action.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub at: SimTime,
    pub job: JobId,
    pub kind: ActionKind,
}

impl World {
    /// Active pods of a Job matching a selector, in the selector's order, at most `count`.
    fn select_pods(&self, job: JobId, select: &PodSelector, count: usize) -> Vec<PodId> {
        let mut pods: Vec<PodId> = self.jobs[job.idx()]
            .pods
            .iter()
            .copied()
            .filter(|&p| self.pods.get(p).is_active())
            .filter(|&p| {
                let pod = self.pods.get(p);
                match select {
                    PodSelector::Oldest | PodSelector::Newest => true,
                    PodSelector::Indexes(set) => set.contains(pod.index),
                    PodSelector::Ordinals(set) => set.contains(pod.ordinal),
                }
            })
            .collect();
        pods.sort_by_key(|&p| self.pods.get(p).ordinal);
        if *select == PodSelector::Newest {
            pods.reverse();
        }
        pods.truncate(count);
        pods
    }

    pub(crate) fn on_action(&mut self, index: u32) -> bool {
        let action = self.actions[index as usize].clone();
        let job = action.job;
        if !self.jobs[job.idx()].is_live() {
            return false;
        }
        match action.kind {
            ActionKind::Patch(p) => self.patch_job(job, &p),
            ActionKind::DeletePods {
                select,
                count,
                grace,
                evict,
            } => {
                let by = if evict {
                    DeletedBy::Disruption(DisruptionReason::EvictionByEvictionAPI)
                } else {
                    DeletedBy::User
                };
                for p in self.select_pods(job, &select, count) {
                    if evict {
                        let name = self.pod_name(p);
                        self.event(
                            ObjectRef::Pod(name),
                            EventKind::Disrupted(DisruptionReason::EvictionByEvictionAPI),
                        );
                    }
                    self.delete_pod_with_grace(p, by, grace);
                }
            }
            ActionKind::FinishPods {
                select,
                count,
                exit_code,
                conditions,
            } => {
                let now = self.now;
                for p in self.select_pods(job, &select, count) {
                    let generation = self.pods.bump(p);
                    let _ = generation;
                    let conditions = conditions.clone();
                    self.update_pod(p, |pod| {
                        pod.pending_exit = None;
                        pod.phase = if exit_code == 0 {
                            PodPhase::Succeeded
                        } else {
                            PodPhase::Failed
                        };
                        pod.ready = false;
                        pod.finished_at = Some(now);
                        pod.exit = Some(ContainerExit {
                            container: 0,
                            exit_code,
                            reason: if exit_code == 0 {
                                TerminationReason::Completed
                            } else {
                                TerminationReason::Error
                            },
                        });
                        if conditions.iter().any(|c| c == "DisruptionTarget") {
                            pod.disruption = Some(DisruptionReason::EvictionByEvictionAPI);
                        }
                        pod.extra_conditions = conditions
                            .into_iter()
                            .filter(|c| c != "DisruptionTarget")
                            .collect();
                    });
                }
            }
            ActionKind::DeleteJob => self.delete_job(job),
        }
        true
    }

    /// Applies a spec patch: the generation changes, so the controller syncs at once.
    fn patch_job(&mut self, id: JobId, p: &JobPatch) {
        let now = self.now;
        let job = &mut self.jobs[id.idx()];
        let old_ads = job.spec.active_deadline_seconds;
        if let Some(s) = p.suspend {
            job.spec.suspend = s;
        }
        if let Some(par) = p.parallelism {
            job.spec.parallelism = par;
        }
        if let Some(c) = p.completions {
            let old = job.spec.completions.unwrap_or(0);
            job.spec.completions = Some(c);
            if c < old {
                // Elastic Indexed Job scaled down: completed indexes beyond the new range
                // no longer count, and active pods holding them are removed next sync.
                let limit = c.max(0) as u32;
                job.status.completed_indexes.truncate(limit);
                job.status.succeeded = job.status.completed_indexes.total() as i32;
                job.indexes.resize(limit);
                job.index_cleanup_needed = true;
            }
        }
        if let Some(b) = p.backoff_limit {
            job.spec.backoff_limit = b;
        }
        if let Some(a) = p.active_deadline_seconds {
            job.spec.active_deadline_seconds = a;
        }
        if let Some(t) = p.ttl_seconds_after_finished {
            job.spec.ttl_seconds_after_finished = t;
        }
        if let Some(m) = p.max_failed_indexes {
            job.spec.max_failed_indexes = Some(m);
        }
        // updateJob: a new generation syncs at once ...
        self.enqueue_job_now(id);
        // ... and a changed deadline re-arms its requeue (AddAfter(total - passed)).
        let job = &self.jobs[id.idx()];
        if let (Some(start), Some(ads)) = (job.status.start_time, job.spec.active_deadline_seconds)
            && old_ads != Some(ads)
        {
            let total = SimDuration::from_secs(ads.max(0) as u64);
            let passed = now.saturating_since(start);
            self.enqueue_job_after(id, total.saturating_sub(passed));
        }
        // A TTL set on a finished Job starts counting now.
        if p.ttl_seconds_after_finished.is_some() {
            self.schedule_ttl(id);
        }
    }

    /// The TTL-after-finished controller arms the Job's expiry once it has finished
    /// (`pkg/controller/ttlafterfinished`): the terminal condition's transition time plus
    /// the TTL.
    pub(crate) fn schedule_ttl(&mut self, id: JobId) {
        let job = &self.jobs[id.idx()];
        let Some(ttl) = job.spec.ttl_seconds_after_finished else {
            return;
        };
        let Some(finished) = job
            .status
            .conditions
            .iter()
            .find(|c| {
                matches!(
                    c.condition_type,
                    crate::api::job::JobConditionType::Complete
                        | crate::api::job::JobConditionType::Failed
                ) && c.status == crate::api::job::ConditionStatus::True
            })
            .map(|c| c.last_transition_time)
        else {
            return;
        };
        let at = (finished + SimDuration::from_secs(ttl.max(0) as u64)).max(self.now);
        self.queue.push(at, super::world::Event::TtlExpired(id));
    }

    pub(crate) fn on_ttl_expired(&mut self, id: JobId) -> bool {
        let job = &self.jobs[id.idx()];
        if !job.is_live() || !job.status.is_finished() {
            return false;
        }
        // Re-read the Job: the TTL may have changed since the timer was armed.
        let Some(ttl) = job.spec.ttl_seconds_after_finished else {
            return false;
        };
        let due = job
            .finished_at
            .map(|f| f.api_truncated() + SimDuration::from_secs(ttl.max(0) as u64));
        if due.is_some_and(|d| d > self.now) {
            return false;
        }
        self.event(ObjectRef::Job(id), EventKind::JobDeleted);
        self.delete_job(id);
        true
    }

    /// Deletes a Job: from now on no controller acts on it and it no longer counts against
    /// quotas; the garbage collector deletes its pods and the Job controller strips their
    /// tracking finalizers (`cleanupPodFinalizers`). Background (CronJob) and foreground
    /// (TTL, kubectl) propagation differ only in when the Job object itself disappears,
    /// which nothing in jobsim observes.
    pub(crate) fn delete_job(&mut self, id: JobId) {
        self.jobs[id.idx()].deleted_at = Some(self.now);
        let key = (
            self.jobs[id.idx()].namespace.clone(),
            self.jobs[id.idx()].name.clone(),
        );
        if self.live_names.get(&key) == Some(&id) {
            self.live_names.remove(&key);
        }
        // The Job informer's delete handler wakes the CronJob that owns it.
        self.notify_owner(id, self.now);
        if std::mem::take(&mut self.jobs[id.idx()].admitted) {
            self.release_job_quota(id);
        }
        let pods: Vec<PodId> = self.jobs[id.idx()].pods.clone();
        for p in pods {
            if self.pods.get_opt(p).is_none() {
                continue;
            }
            if self.pods.get(p).deletion.is_none() && !self.pods.get(p).phase.is_terminal() {
                self.delete_pod(p, DeletedBy::GarbageCollector, true);
            } else if self.pods.get_opt(p).is_some_and(|x| x.has_finalizer) {
                self.remove_finalizer(p);
            }
        }
    }
}
