//! `syncJob`, `manageJob` and `trackJobStatusAndRemoveFinalizers` of
//! `pkg/controller/job/job_controller.go`, step for step.
//!
//! The one structural difference: upstream lists every pod of the Job in every sync;
//! jobsim reads the counters and the list of newly finished pods that the API layer keeps
//! (`sim::api`), which hold exactly what those listings would compute.

use crate::api::job::{ConditionStatus, JobConditionType, RestartPolicy, reason};
use crate::api::pod::{DeletedBy, NO_INDEX, Pod, PodPhase};
use crate::api::{JobId, PodId};
use crate::controllers::job::policy::{
    is_pod_failed, match_pod_failure_policy, match_success_policy,
};
use crate::engine::time::{SimDuration, SimTime};
use crate::sim::World;
use crate::sim::records::{EventKind, ObjectRef};

/// The decision to finish the Job, before it is written as conditions.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Finish {
    /// FailureTarget (new, or already in the status) leading to Failed.
    Failure {
        reason: String,
        message: String,
        target_in_status: bool,
    },
    /// SuccessCriteriaMet (new, or already in the status) leading to Complete.
    Success {
        reason: String,
        message: String,
        criteria_in_status: bool,
    },
}

/// What one sync knows besides the Job itself (`syncJobCtx`).
struct SyncCtx {
    /// Pods this sync deleted itself. Upstream accounts from the informer snapshot taken
    /// before those deletions, so it does not see them as deleted (hence not as failed under
    /// TerminatingOrFailed) in the same sync.
    deleted_now: Vec<PodId>,
    /// backoffLimitPerIndex: per index, the failed pod whose finalizer stays until its
    /// replacement exists (`podsWithDelayedDeletionPerIndex`).
    delayed: std::collections::BTreeMap<u32, PodId>,
    active: i32,
    ready: i32,
    terminating: i32,
    succeeded: i64,
    finish: Option<Finish>,
    new_backoff: super::backoff::BackoffRecord,
    newly_succeeded_indexes: u64,
    /// Consecutive failed syncs before this one (the rate limiter's count for the key; a
    /// sync without an error forgets it).
    prior_failures: u32,
}

/// The lists a sync builds and drops, kept between syncs (in [`World`]) so that a sync
/// allocates nothing once they have grown: a W1 sync built nine of them, about half a
/// microsecond of `malloc` and `free` per sync (2 % of the run).
#[derive(Clone, Debug, Default)]
pub struct SyncBuffers {
    /// Newly succeeded and newly failed pods.
    succeeded: Vec<PodId>,
    failed: Vec<PodId>,
    /// Their finish times, for the back-off record.
    succeeded_finish: Vec<SimTime>,
    failed_finish: Vec<SimTime>,
    /// The indexes to create pods for (Indexed Jobs) and the creations.
    indexes: Vec<u32>,
    creates: Vec<Create>,
    /// Pods whose finalizers may go, the same keyed for sorting, and those that go.
    candidates: Vec<PodId>,
    keyed: Vec<u64>,
    to_remove: Vec<PodId>,
}

/// Syncs one Job.
pub fn sync_job(w: &mut World, id: JobId) {
    let mut buffers = std::mem::take(&mut w.sync_buffers);
    sync(w, id, &mut buffers);
    w.sync_buffers = buffers;
}

fn sync(w: &mut World, id: JobId, b: &mut SyncBuffers) {
    let now = w.now;
    let cfg = w.controller;
    {
        let job = &mut w.jobs[id.idx()];
        if !job.is_live() {
            return;
        }
        if job.status.is_finished() {
            // The back-off record is removed for finished Jobs.
            job.backoff = Default::default();
            return;
        }
        if job.spec.managed_by.is_some() {
            // Managed by another controller: the built-in one skips it entirely.
            return;
        }
        job.stats.syncs += 1;
    }
    w.stats.job_syncs += 1;

    let job = &w.jobs[id.idx()];
    let satisfied = job.expectations.satisfied(now, cfg.expectations_timeout);
    let only_failed = job.only_replace_failed();
    let indexed = job.spec.is_indexed();
    let completions = job.spec.completions.unwrap_or(0).max(0) as u32;

    // getNewFinishedPods: pods with the finalizer that succeeded / count as failed.
    let (new_succeeded, new_failed) = (&mut b.succeeded, &mut b.failed);
    new_succeeded.clear();
    new_failed.clear();
    for &pid in &job.unaccounted {
        let pod = w.pods.get(pid);
        if !pod.has_finalizer {
            continue;
        }
        if indexed && (pod.index == NO_INDEX || pod.index >= completions) {
            continue;
        }
        if pod.phase == PodPhase::Succeeded {
            new_succeeded.push(pid);
        } else if is_pod_failed(pod, only_failed) {
            new_failed.push(pid);
        }
    }
    let tpl = job.spec.template.clone();
    let policy = job.spec.pod_failure_policy.clone();
    let pod_full_name = |pod: &Pod| -> String {
        format!(
            "{}/{}",
            job.namespace,
            crate::api::names::pod_name(
                &job.name,
                (pod.index != NO_INDEX).then_some(pod.index),
                &w.pod_name_suffix(job.key, pod.ordinal)
            )
        )
    };
    let mut non_ignored_failed = 0i64;
    let mut fail_job_message: Option<String> = None;
    for &pid in new_failed.iter() {
        let pod = w.pods.get(pid);
        let m = match_pod_failure_policy(policy.as_ref(), pod, &tpl, &|| pod_full_name(pod));
        if m.count_failed {
            non_ignored_failed += 1;
        }
        if fail_job_message.is_none() {
            fail_job_message = m.fail_job_message;
        }
    }
    b.succeeded_finish.clear();
    b.succeeded_finish.extend(
        new_succeeded
            .iter()
            .map(|&p| w.pods.get(p).api_finish_time()),
    );
    b.failed_finish.clear();
    b.failed_finish
        .extend(new_failed.iter().map(|&p| w.pods.get(p).api_finish_time()));

    let job = &mut w.jobs[id.idx()];
    let mut ctx = SyncCtx {
        active: job.counts.active,
        ready: job.counts.ready,
        terminating: job.counts.terminating,
        succeeded: i64::from(job.status.succeeded) + new_succeeded.len() as i64,
        finish: None,
        new_backoff: job.backoff.next(&b.succeeded_finish, &b.failed_finish),
        newly_succeeded_indexes: 0,
        delayed: std::collections::BTreeMap::new(),
        deleted_now: Vec::new(),
        // queue.Forget unless this sync fails too.
        prior_failures: std::mem::take(&mut job.api_failures),
    };
    let failed = i64::from(job.status.failed) + non_ignored_failed;

    // Job first start: startTime is set only when the Job is not suspended.
    let mut start_time_exact = job.status.start_time;
    if job.status.start_time.is_none() && !job.spec.suspend {
        job.status.start_time = Some(now.api_truncated());
        // This sync still holds the exact time; later syncs read the stored, truncated one.
        start_time_exact = Some(now);
    }

    let exceeds_backoff_limit = failed > i64::from(job.spec.backoff_limit);
    if let Some(c) = job.status.condition(JobConditionType::SuccessCriteriaMet)
        && c.status == ConditionStatus::True
    {
        ctx.finish = Some(Finish::Success {
            reason: c.reason.clone(),
            message: c.message.clone(),
            criteria_in_status: true,
        });
    }
    if ctx.finish.is_none() {
        if let Some(c) = job.status.condition(JobConditionType::FailureTarget)
            && c.status == ConditionStatus::True
        {
            ctx.finish = Some(Finish::Failure {
                reason: c.reason.clone(),
                message: c.message.clone(),
                target_in_status: true,
            });
        } else if let Some(message) = fail_job_message {
            ctx.finish = Some(Finish::Failure {
                reason: reason::POD_FAILURE_POLICY.to_string(),
                message,
                target_in_status: false,
            });
        }
    }
    let mut deadline_requeue: Option<SimDuration> = None;
    if ctx.finish.is_none() {
        let past_on_failure = job.spec.template.restart_policy == RestartPolicy::OnFailure && {
            let sum = job.counts.live_restarts;
            if job.spec.backoff_limit == 0 {
                sum > 0
            } else {
                sum >= i64::from(job.spec.backoff_limit)
            }
        };
        if exceeds_backoff_limit || past_on_failure {
            ctx.finish = Some(failure(
                reason::BACKOFF_LIMIT_EXCEEDED,
                reason::BACKOFF_LIMIT_EXCEEDED_MESSAGE,
            ));
        } else if let (Some(ads), Some(start), false) = (
            job.spec.active_deadline_seconds,
            start_time_exact,
            job.spec.suspend,
        ) {
            let allowed = SimDuration::from_secs(ads.max(0) as u64);
            let elapsed = now.saturating_since(start);
            if elapsed >= allowed {
                ctx.finish = Some(failure(
                    reason::DEADLINE_EXCEEDED,
                    reason::DEADLINE_EXCEEDED_MESSAGE,
                ));
            } else {
                deadline_requeue = Some(allowed.saturating_sub(elapsed));
            }
        }
    }

    if indexed {
        // calculateSucceededIndexes: the stored completedIndexes plus new successes.
        for &pid in &b.succeeded {
            let index = w.pods.get(pid).index;
            if w.jobs[id.idx()].status.completed_indexes.insert(index) {
                ctx.newly_succeeded_indexes += 1;
            }
        }
        let job = &mut w.jobs[id.idx()];
        ctx.succeeded = job.status.completed_indexes.total() as i64;
        if let Some(blpi) = job.spec.backoff_limit_per_index {
            per_index_failures(w, id, blpi, &b.failed, &mut ctx);
        }
        let job = &mut w.jobs[id.idx()];
        if ctx.finish.is_none()
            && let Some(message) = match_success_policy(
                job.spec.success_policy.as_ref(),
                &job.status.completed_indexes,
            )
        {
            ctx.finish = Some(Finish::Success {
                reason: reason::SUCCESS_POLICY.to_string(),
                message,
                criteria_in_status: false,
            });
        }
    }
    if let Some(d) = deadline_requeue {
        w.enqueue_job_after(id, d);
    }

    let mut suspend_changed = false;
    if ctx.finish.is_some() {
        // deleteActivePods: every active pod is deleted, finalizers kept; they are counted
        // below.
        let victims: Vec<PodId> = w.jobs[id.idx()]
            .pods
            .iter()
            .copied()
            .filter(|&p| w.pods.get(p).is_active())
            .collect();
        let deleted_ready = victims.iter().filter(|&&p| w.pods.get(p).ready).count() as i32;
        // The DELETEs go out in parallel.
        let start = w.sync_until;
        for &p in &victims {
            w.request_delete(p, DeletedBy::JobController, false, start);
        }
        let deleted = victims.len() as i32;
        ctx.deleted_now = victims;
        if deleted != ctx.active || !satisfied {
            // Cannot declare the Job finished while pods may still appear.
            ctx.finish = None;
        }
        ctx.active -= deleted;
        ctx.terminating += deleted;
        ctx.ready -= deleted_ready;
    } else {
        let mut manage_called = false;
        if satisfied && w.jobs[id.idx()].deleted_at.is_none() {
            manage_job(w, id, &mut ctx, b);
            manage_called = true;
        }
        let job = &mut w.jobs[id.idx()];
        let complete = match job.spec.completions {
            None => ctx.succeeded > 0 && ctx.active == 0,
            Some(c) => ctx.succeeded >= i64::from(c) && ctx.active == 0,
        };
        if complete {
            let (r, m) = if cfg.completions_reached_reason {
                (
                    reason::COMPLETIONS_REACHED,
                    reason::COMPLETIONS_REACHED_MESSAGE,
                )
            } else {
                ("", "")
            };
            ctx.finish = Some(Finish::Success {
                reason: r.to_string(),
                message: m.to_string(),
                criteria_in_status: false,
            });
        } else if manage_called {
            if job.spec.suspend {
                if job.status.ensure_condition(
                    JobConditionType::Suspended,
                    ConditionStatus::True,
                    reason::JOB_SUSPENDED,
                    reason::JOB_SUSPENDED_MESSAGE,
                    now,
                ) {
                    suspend_changed = true;
                    w.event(ObjectRef::Job(id), EventKind::Suspended);
                }
            } else if job.status.ensure_condition(
                JobConditionType::Suspended,
                ConditionStatus::False,
                reason::JOB_RESUMED,
                reason::JOB_RESUMED_MESSAGE,
                now,
            ) {
                suspend_changed = true;
                // Resumed Jobs restart the activeDeadlineSeconds clock.
                job.status.start_time = Some(now.api_truncated());
                w.event(ObjectRef::Job(id), EventKind::Resumed);
            }
        }
    }

    let job = &mut w.jobs[id.idx()];
    let needs_status_update = suspend_changed
        || ctx.active != job.status.active
        || ctx.ready != job.status.ready
        || ctx.terminating != job.status.terminating;
    job.status.active = ctx.active;
    job.status.ready = ctx.ready;
    job.status.terminating = ctx.terminating;
    track_status_and_remove_finalizers(w, id, ctx, needs_status_update, b);
}

fn failure(reason: &str, message: &str) -> Finish {
    Finish::Failure {
        reason: reason.to_string(),
        message: message.to_string(),
        target_in_status: false,
    }
}

/// A pod to create: its index (Indexed Jobs) and the failure counts it inherits.
type Create = (Option<u32>, Option<(u32, u32)>);

/// `manageJob`: creates or deletes pods so that the number of active pods matches what
/// the Job wants. Updates `ctx.active`, `ctx.ready` and `ctx.terminating`.
fn manage_job(w: &mut World, id: JobId, ctx: &mut SyncCtx, b: &mut SyncBuffers) {
    let now = w.now;
    let cfg = w.controller;
    let job = &w.jobs[id.idx()];
    let parallelism = i64::from(job.spec.parallelism);
    let active = i64::from(ctx.active);

    if job.spec.suspend {
        let victims = active_pods_for_removal(w, id, ctx.active.max(0) as usize);
        delete_job_pods(w, id, &victims, ctx);
        return;
    }

    let want_active = match job.spec.completions {
        // Work queue: keep parallelism pods until one succeeds, then only let the running
        // ones finish.
        None => {
            if ctx.succeeded > 0 {
                active
            } else {
                parallelism
            }
        }
        Some(c) => (i64::from(c) - ctx.succeeded).min(parallelism).max(0),
    };

    let rm_at_least = (active - want_active).max(0) as usize;
    let mut victims = active_pods_for_removal(w, id, rm_at_least);
    victims.truncate(cfg.max_pod_create_delete_per_sync);
    if !victims.is_empty() {
        // A sync either deletes or creates pods; deletion wins.
        delete_job_pods(w, id, &victims, ctx);
        return;
    }

    let job = &w.jobs[id.idx()];
    let terminating = if job.only_replace_failed() {
        i64::from(ctx.terminating)
    } else {
        0
    };
    let mut diff = want_active - terminating - active;
    if diff <= 0 {
        return;
    }
    if !job.spec.has_backoff_limit_per_index() {
        let remaining = ctx.new_backoff.remaining(
            now,
            cfg.pod_failure_backoff_base,
            cfg.pod_failure_backoff_max,
        );
        if !remaining.is_zero() {
            // enqueueSyncJobWithDelay: never sooner than the batch period. Upstream
            // v1.32-v1.34.x reported active=0 here until kubernetes#139457 (patched in
            // 1.33.x+/1.34.x); jobsim models the patched behaviour and keeps `active`.
            w.enqueue_job_after(id, remaining.max(cfg.sync_batch_period));
            return;
        }
    }
    diff = diff.min(cfg.max_pod_create_delete_per_sync as i64);
    let indexed = job.spec.is_indexed();
    if indexed {
        let completions = job.spec.completions.unwrap_or(0).max(0) as u32;
        let pending = &mut b.indexes;
        job.indexes
            .first_pending_into(pending, diff as usize, completions);
        if job.spec.has_backoff_limit_per_index() {
            // getPodCreationInfoForIndependentIndexes: each index waits out its own
            // back-off, counted from its last failed pod. The ready ones stay, in order.
            let mut min_wait: Option<SimDuration> = None;
            pending.retain(|&i| {
                let wait = match ctx.delayed.get(&i) {
                    None => SimDuration::ZERO,
                    Some(&p) => {
                        let pod = w.pods.get(p);
                        super::backoff::remaining_for_failures(
                            now,
                            cfg.pod_failure_backoff_base,
                            cfg.pod_failure_backoff_max,
                            pod.index_failure_count + pod.index_ignored_failure_count + 1,
                            Some(pod.api_finish_time()),
                        )
                    }
                };
                if !wait.is_zero() && min_wait.is_none_or(|m| wait < m) {
                    min_wait = Some(wait);
                }
                wait.is_zero()
            });
            if pending.is_empty() {
                if let Some(wait) = min_wait {
                    w.enqueue_job_after(id, wait.max(cfg.sync_batch_period));
                }
                return;
            }
        }
        diff = pending.len() as i64;
    }
    if diff <= 0 {
        return;
    }
    let job = &mut w.jobs[id.idx()];
    // ExpectCreations replaces the Job's expectations.
    job.expectations = super::Expectations {
        adds: diff,
        deletes: 0,
        set_at: now,
    };
    // The creations, with failure counts for replacements of indexes (backoffLimitPerIndex:
    // `addIndexFailureCountAnnotation` takes them from the pod being replaced).
    let creates = &mut b.creates;
    creates.clear();
    if indexed {
        creates.extend(b.indexes.iter().map(|&index| {
            let counts = ctx.delayed.get(&index).map(|&p| {
                let old = w.pods.get(p);
                let job = &w.jobs[id.idx()];
                let counted = match_pod_failure_policy(
                    job.spec.pod_failure_policy.as_ref(),
                    old,
                    &job.spec.template,
                    &String::new,
                )
                .count_failed;
                if counted {
                    (old.index_failure_count + 1, old.index_ignored_failure_count)
                } else {
                    (old.index_failure_count, old.index_ignored_failure_count + 1)
                }
            });
            (Some(index), counts)
        }));
    } else {
        creates.resize(diff as usize, (None, None));
    }
    // slowStartBatch: batches of 1, 2, 4, ... pods; the requests of a batch go out
    // together and the next batch starts once they have all completed. Without a
    // rate-limited client every batch completes at once.
    //
    // A create the API server refuses (a ResourceQuota) fails its batch: the pods of that
    // batch are still attempted, the later batches are skipped, the expectations lowered
    // for both, and the sync ends in an error, so the key comes back rate-limited (1 s,
    // doubling per consecutive failure up to 60 s: DefaultJobApiBackOff/MaxJobApiBackOff).
    let mut batch_start = w.sync_until;
    let mut batch = 1usize;
    let mut rest = creates.as_slice();
    let (mut failed, mut skipped) = (0usize, 0usize);
    while !rest.is_empty() {
        let n = batch.min(rest.len());
        let mut batch_done = batch_start;
        for &(index, counts) in &rest[..n] {
            if let Err(message) = w.admit_pod(id, index) {
                failed += 1;
                w.event(ObjectRef::Job(id), EventKind::FailedCreate(message));
                continue;
            }
            if let Some(i) = index {
                w.jobs[id.idx()].indexes.take(i);
            }
            batch_done = batch_done.max(w.request_create(id, index, batch_start, counts));
        }
        rest = &rest[n..];
        if failed > 0 {
            skipped = rest.len();
            break;
        }
        batch_start = batch_done;
        batch *= 2;
    }
    ctx.active += (diff as usize - failed - skipped) as i32;
    if failed > 0 {
        let job = &mut w.jobs[id.idx()];
        job.expectations.adds -= (failed + skipped) as i64;
        let delay = SimDuration::from_secs(1u64 << ctx.prior_failures.min(6))
            .min(SimDuration::from_secs(60));
        job.api_failures = ctx.prior_failures + 1;
        w.enqueue_job_after(id, delay);
    }
}

/// `deleteJobPods`: removes the tracking finalizer, then deletes (scale-down and
/// suspension: these pods are never counted as failed).
fn delete_job_pods(w: &mut World, id: JobId, victims: &[PodId], ctx: &mut SyncCtx) {
    if victims.is_empty() {
        return;
    }
    let now = w.now;
    w.jobs[id.idx()].expectations = super::Expectations {
        adds: 0,
        deletes: victims.len() as i64,
        set_at: now,
    };
    let removed_ready = victims.iter().filter(|&&p| w.pods.get(p).ready).count() as i32;
    // Each pod's finalizer PATCH and DELETE; the pods go in parallel.
    let start = w.sync_until;
    for &p in victims {
        w.request_delete(p, DeletedBy::JobController, true, start);
    }
    let removed = victims.len() as i32;
    ctx.active -= removed;
    ctx.terminating += removed;
    ctx.ready -= removed_ready;
}

/// `controller.ActivePods` order: the pods it is cheapest to lose come first.
fn removal_order(a: &Pod, b: &Pod) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    // 1. Unassigned before assigned.
    if a.node.is_none() != b.node.is_none() {
        return if a.node.is_none() {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    // 2. Pending before Running.
    if a.phase != b.phase {
        return a.phase.cmp(&b.phase);
    }
    // 3. Not ready before ready.
    if a.ready != b.ready {
        return if a.ready {
            Ordering::Greater
        } else {
            Ordering::Less
        };
    }
    // 4. Ready for less time first (later ready time first).
    if a.ready && b.ready {
        let (ta, tb) = (
            a.ready_at.map(SimTime::api_truncated),
            b.ready_at.map(SimTime::api_truncated),
        );
        if ta != tb {
            return tb.cmp(&ta);
        }
    }
    // 5. More restarts first.
    if a.restart_count != b.restart_count {
        return b.restart_count.cmp(&a.restart_count);
    }
    // 6. Newer first (creation time, whole seconds); then, where upstream's unstable sort
    //    leaves the order open, the later-created pod first.
    let (ca, cb) = (a.created_at.api_truncated(), b.created_at.api_truncated());
    if ca != cb {
        return cb.cmp(&ca);
    }
    b.ordinal.cmp(&a.ordinal)
}

/// `activePodsForRemoval`: for Indexed Jobs first pods with an invalid index or a
/// duplicate of another active pod's index, then the cheapest pods to lose.
fn active_pods_for_removal(w: &World, id: JobId, rm_at_least: usize) -> Vec<PodId> {
    let job = &w.jobs[id.idx()];
    // Upstream scans every sync for duplicate or out-of-range indexes. jobsim hands out only
    // pending indexes, so active pods can hold such indexes only after `completions`
    // shrank; `World::check_invariants` asserts it.
    if rm_at_least == 0 && !job.index_cleanup_needed {
        return Vec::new();
    }
    let mut active: Vec<PodId> = job
        .pods
        .iter()
        .copied()
        .filter(|&p| w.pods.get(p).is_active())
        .collect();
    let mut rm: Vec<PodId> = Vec::new();
    if job.spec.is_indexed() {
        let completions = job.spec.completions.unwrap_or(0).max(0) as u32;
        // Group by index; keep the best pod of each valid index.
        active.sort_by(|&a, &b| {
            let (pa, pb) = (w.pods.get(a), w.pods.get(b));
            pa.index.cmp(&pb.index).then_with(|| removal_order(pa, pb))
        });
        let mut left = Vec::with_capacity(active.len());
        let mut i = 0;
        while i < active.len() {
            let index = w.pods.get(active[i]).index;
            let mut j = i + 1;
            while j < active.len() && w.pods.get(active[j]).index == index {
                j += 1;
            }
            if index == NO_INDEX || index >= completions {
                rm.extend_from_slice(&active[i..j]);
            } else {
                // All but the last in removal order are duplicates.
                rm.extend_from_slice(&active[i..j - 1]);
                left.push(active[j - 1]);
            }
            i = j;
        }
        active = left;
    }
    if rm.len() < rm_at_least {
        active.sort_by(|&a, &b| removal_order(w.pods.get(a), w.pods.get(b)));
        let need = (rm_at_least - rm.len()).min(active.len());
        rm.extend_from_slice(&active[..need]);
    }
    rm
}

/// `trackJobStatusAndRemoveFinalizers`: counts newly finished pods, removes their
/// finalizers, writes conditions and the status.
fn track_status_and_remove_finalizers(
    w: &mut World,
    id: JobId,
    mut ctx: SyncCtx,
    mut needs_flush: bool,
    b: &mut SyncBuffers,
) {
    let now = w.now;
    let cfg = w.controller;
    let job = &w.jobs[id.idx()];
    let indexed = job.spec.is_indexed();
    let completions = job.spec.completions.unwrap_or(0).max(0) as u32;
    let only_failed = job.only_replace_failed();
    let finishing_as_failure = matches!(ctx.finish, Some(Finish::Failure { .. }));

    // Which pods to look at: every pod with the finalizer when the Job is finishing (the
    // deleted active pods are counted too), otherwise the newly finished ones.
    let from_unaccounted = ctx.finish.is_none();
    let candidates = &mut b.candidates;
    candidates.clear();
    let listed = if ctx.finish.is_some() {
        &job.pods
    } else {
        &job.unaccounted
    };
    candidates.extend(
        listed
            .iter()
            .copied()
            .filter(|&p| w.pods.get(p).has_finalizer),
    );
    if indexed {
        // Sort to introduce completed indexes in order. The keys are unique (pod ids are),
        // so an unstable sort gives the stable order; they are read once, not per comparison.
        // (index, pod id) packed in one u64 sorts as the pair does, with one comparison.
        let keyed = &mut b.keyed;
        keyed.clear();
        keyed.extend(
            candidates
                .iter()
                .map(|&p| u64::from(w.pods.get(p).index) << 32 | u64::from(p.0)),
        );
        keyed.sort_unstable();
        for (c, &k) in candidates.iter_mut().zip(keyed.iter()) {
            *c = PodId(k as u32);
        }
    }
    if ctx.newly_succeeded_indexes > 0 {
        needs_flush = true;
    }

    let policy = job.spec.pod_failure_policy.clone();
    let tpl = job.spec.template.clone();
    let to_remove = &mut b.to_remove;
    to_remove.clear();
    let mut uncounted_succeeded = 0i32;
    let mut uncounted_failed = 0i32;
    let mut reached_max = false;
    let max_uncounted = cfg.max_uncounted_pods;
    for &pid in candidates.iter() {
        let pod = w.pods.get(pid);
        let consider_failed = is_pod_failed(pod, only_failed) && !ctx.deleted_now.contains(&pid);
        let delayed =
            consider_failed && pod.index != NO_INDEX && ctx.delayed.get(&pod.index) == Some(&pid);
        let can_remove = ctx.finish.is_some()
            || job.deleted_at.is_some()
            || pod.phase == PodPhase::Succeeded
            || (consider_failed && !delayed);
        if !can_remove {
            continue;
        }
        to_remove.push(pid);
        let valid_index = !indexed || (pod.index != NO_INDEX && pod.index < completions);
        if pod.phase == PodPhase::Succeeded {
            if !indexed {
                uncounted_succeeded += 1;
                needs_flush = true;
            }
        } else if (consider_failed || finishing_as_failure) && valid_index {
            let counted = policy.is_none()
                || match_pod_failure_policy(policy.as_ref(), pod, &tpl, &|| String::new())
                    .count_failed;
            if counted {
                uncounted_failed += 1;
                needs_flush = true;
            }
        }
        if ctx.newly_succeeded_indexes as usize
            + uncounted_succeeded as usize
            + uncounted_failed as usize
            >= max_uncounted
        {
            reached_max = true;
            break;
        }
    }

    let job = &mut w.jobs[id.idx()];
    if indexed {
        job.status.succeeded = job.status.completed_indexes.total() as i32;
    }
    let mut final_condition: Option<(JobConditionType, String, String)> = None;
    match ctx.finish.take() {
        Some(Finish::Failure {
            reason,
            message,
            target_in_status,
        }) => {
            // Since 1.31 every failure goes through FailureTarget first; before that only
            // podFailurePolicy's FailJob did.
            let interim = cfg.delay_terminal_condition || reason == reason::POD_FAILURE_POLICY;
            if interim && !target_in_status {
                job.status.conditions.push(crate::api::job::JobCondition {
                    condition_type: JobConditionType::FailureTarget,
                    status: ConditionStatus::True,
                    reason: reason.clone(),
                    message: message.clone(),
                    last_transition_time: now.api_truncated(),
                });
                needs_flush = true;
            }
            final_condition = Some((JobConditionType::Failed, reason, message));
        }
        Some(Finish::Success {
            reason,
            message,
            criteria_in_status,
        }) => {
            if cfg.delay_terminal_condition && !criteria_in_status {
                job.status.conditions.push(crate::api::job::JobCondition {
                    condition_type: JobConditionType::SuccessCriteriaMet,
                    status: ConditionStatus::True,
                    reason: reason.clone(),
                    message: message.clone(),
                    last_transition_time: now.api_truncated(),
                });
                needs_flush = true;
            }
            final_condition = Some((JobConditionType::Complete, reason, message));
        }
        None => {}
    }

    // Flush: counters take the pods whose finalizers are removed.
    if !indexed {
        job.status.succeeded += uncounted_succeeded;
    }
    job.status.failed += uncounted_failed;
    if needs_flush {
        job.backoff = ctx.new_backoff;
    }
    // The accounted pods leave the unaccounted list; the rest wait for the next sync.
    if from_unaccounted && to_remove.len() == job.unaccounted.len() {
        // Distinct pods taken from the list, as many as it holds: all of them (the usual
        // sync, spared a sort).
        debug_assert!(to_remove.iter().all(|p| job.unaccounted.contains(p)));
        job.unaccounted.clear();
    } else {
        let mut removed: Vec<u32> = to_remove.iter().map(|p| p.0).collect();
        removed.sort_unstable();
        job.unaccounted
            .retain(|p| removed.binary_search(&p.0).is_err());
    }
    // flushUncountedAndRemoveFinalizers: a status update records the pods in
    // uncountedTerminatedPods, the finalizer PATCHes go out in parallel, and a second
    // status update moves them into the counters. jobsim applies the effects at once; with
    // a rate-limited client the requests still take their tokens, in this order.
    if !to_remove.is_empty() {
        let start = w.sync_until;
        let patches_from = w.request_write(start);
        let mut patched = patches_from;
        for &pid in to_remove.iter() {
            w.remove_finalizer(pid);
            patched = patched.max(w.request_write(patches_from));
        }
        w.sync_until = w.sync_until.max(patched);
    }

    // enactJobFinished.
    let job = &mut w.jobs[id.idx()];
    let mut job_finished = false;
    if let Some((ctype, reason, message)) = final_condition
        && !reached_max
        && !(cfg.delay_terminal_condition && ctx.terminating > 0)
    {
        job.status
            .ensure_condition(ctype, ConditionStatus::True, &reason, &message, now);
        if ctype == JobConditionType::Complete {
            job.status.completion_time = Some(now.api_truncated());
        }
        job.finished_at = Some(now);
        job_finished = true;
        needs_flush = true;
    }
    if needs_flush {
        // The status update comes back through the Job informer: updateJob (same
        // generation) -> enqueueSyncJobBatched.
        let at = w.sync_until;
        w.request_write(at);
        w.enqueue_job_batched(id);
        if job_finished {
            // ... and wakes the CronJob that owns the Job, if any.
            w.notify_owner(id, at);
        }
    }
    if job_finished {
        w.schedule_ttl(id);
        let job = &w.jobs[id.idx()];
        if job.status.has_true(JobConditionType::Complete) {
            if let Some(c) = job.spec.completions
                && job.status.succeeded > c
            {
                w.event(ObjectRef::Job(id), EventKind::TooManySucceededPods);
            }
            w.event(ObjectRef::Job(id), EventKind::Completed);
        } else if let Some(c) = job.status.condition(JobConditionType::Failed) {
            let kind = EventKind::JobFailed {
                reason: c.reason.clone(),
                message: c.message.clone(),
            };
            w.event(ObjectRef::Job(id), kind);
        }
    }
}

/// backoffLimitPerIndex bookkeeping of one sync (`calculateFailedIndexes`,
/// `getPodsWithDelayedDeletionPerIndex` and the failed-index checks of `syncJob`).
fn per_index_failures(
    w: &mut World,
    id: JobId,
    blpi: i32,
    new_failed: &[PodId],
    ctx: &mut SyncCtx,
) {
    let job = &w.jobs[id.idx()];
    let policy = job.spec.pod_failure_policy.clone();
    let tpl = job.spec.template.clone();
    let mut failed_indexes = job.status.failed_indexes.clone().unwrap_or_default();
    for &pid in new_failed {
        let pod = w.pods.get(pid);
        // isIndexFailed: a FailIndex rule, or a counted failure of a pod that already
        // carries backoffLimitPerIndex failures of its index.
        let m = match_pod_failure_policy(policy.as_ref(), pod, &tpl, &String::new);
        let index_failed = m.action == Some(crate::api::job::PodFailurePolicyAction::FailIndex)
            || (m.count_failed && i64::from(pod.index_failure_count) >= i64::from(blpi));
        if index_failed {
            failed_indexes.insert(pod.index);
        }
    }
    // The first sync that sees a failed pod decides its index: failed, or pending again.
    for &pid in new_failed {
        let (index, released) = {
            let pod = w.pods.get(pid);
            (pod.index, pod.index_released)
        };
        if released {
            continue;
        }
        w.pods.get_mut(pid).index_released = true;
        let job = &mut w.jobs[id.idx()];
        if !failed_indexes.contains(index) && !job.status.completed_indexes.contains(index) {
            job.indexes.give_back(index);
        }
    }
    let job = &mut w.jobs[id.idx()];
    let completions = job.spec.completions.unwrap_or(0).max(0) as u64;
    if ctx.finish.is_none() {
        let failed_total = failed_indexes.total();
        if job
            .spec
            .max_failed_indexes
            .is_some_and(|m| failed_total > m.max(0) as u64)
        {
            ctx.finish = Some(failure(
                reason::MAX_FAILED_INDEXES_EXCEEDED,
                reason::MAX_FAILED_INDEXES_EXCEEDED_MESSAGE,
            ));
        } else if failed_total > 0
            && failed_total + job.status.completed_indexes.total() >= completions
        {
            ctx.finish = Some(failure(
                reason::FAILED_INDEXES,
                reason::FAILED_INDEXES_MESSAGE,
            ));
        }
    }
    // Failed pods of indexes that still need a replacement keep their finalizer until it
    // exists, so that it can inherit the failure counts.
    let only_failed = job.only_replace_failed();
    let mut candidates: Vec<PodId> = job
        .unaccounted
        .iter()
        .copied()
        .filter(|&p| {
            let pod = w.pods.get(p);
            pod.has_finalizer
                && pod.index != NO_INDEX
                && (pod.index as u64) < completions
                && is_pod_failed(pod, only_failed)
                && !job.status.completed_indexes.contains(pod.index)
                && !failed_indexes.contains(pod.index)
        })
        .collect();
    if !candidates.is_empty() {
        let active: std::collections::BTreeSet<u32> = job
            .pods
            .iter()
            .map(|&p| w.pods.get(p))
            .filter(|p| p.is_active())
            .map(|p| p.index)
            .collect();
        candidates.retain(|&p| !active.contains(&w.pods.get(p).index));
        for p in candidates {
            let pod = w.pods.get(p);
            let better = match ctx.delayed.get(&pod.index) {
                None => true,
                Some(&q) => {
                    let last = w.pods.get(q);
                    let abs = |x: &Pod| x.index_failure_count + x.index_ignored_failure_count;
                    abs(last) <= abs(pod) && pod.api_finish_time() >= last.api_finish_time()
                }
            };
            if better {
                ctx.delayed.insert(pod.index, p);
            }
        }
    }
    w.jobs[id.idx()].status.failed_indexes = Some(failed_indexes);
}
