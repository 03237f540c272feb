//! The CronJob controller in the simulation: its work queue, the Jobs it creates from the
//! template, and the Jobs it deletes (history limits, `Replace`).
//!
//! Upstream (`cronjob_controllerv2.go`) syncs a CronJob when it is created, at the time its
//! last sync asked for (`queue.AddAfter`: the next activation + 100 ms), and whenever one of
//! its Jobs is added, updated or deleted. jobsim wakes it for the changes that can alter a
//! decision: a Job finishing (its terminal condition becomes visible) and a Job deleted. The
//! controller's own API calls are not rate-limited here (it has its own client, and makes a
//! handful of calls per activation).
//!
//! Wall-clock time: simulated time 0 is the scenario's `spec.startTime`; schedules are
//! evaluated on `start_time + now`.

use std::sync::Arc;

use jiff::Timestamp;

use crate::api::JobId;
use crate::api::job::{JobConditionType, JobSpec};
use crate::controllers::cronjob::controller::{
    self, ChildJob, CreateError, CronJob, Finished, JobControl,
};
use crate::controllers::cronjob::schedule::{sim_ms_to_timestamp, timestamp_to_sim_ms_ceil};
use crate::engine::time::SimTime;
use crate::workload::PodBehavior;

use super::records::{EventKind, ObjectRef};
use super::world::{Event, World};

/// Simulated time 0 when the scenario does not say (`spec.startTime`): a Monday, midnight UTC.
pub fn default_start_time() -> Timestamp {
    Timestamp::from_second(1_767_571_200).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The simulated period when the scenario does not say (`spec.duration`): one day.
pub const DEFAULT_DURATION: crate::engine::time::SimDuration =
    crate::engine::time::SimDuration::from_secs(24 * 3600);

/// One CronJob to run.
#[derive(Clone, Debug)]
pub struct CronJobInput {
    pub namespace: String,
    /// The CronJob as the API server stored it (name, spec, creation time; empty status).
    pub cron_job: CronJob,
    /// `spec.jobTemplate.spec`, validated.
    pub template: JobSpec,
    /// How the pods of its Jobs behave.
    pub behavior: Arc<PodBehavior>,
    /// When the CronJob is created.
    pub created_at: SimTime,
    /// The completion deadline of its Jobs, from their scheduled time.
    pub deadline: Option<crate::engine::time::SimDuration>,
}

/// What a CronJob did over the run (summary.json).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CronJobStats {
    pub jobs_created: u32,
    /// Activations skipped because they were past startingDeadlineSeconds (`MissSchedule`).
    pub missed_schedules: u32,
    /// Activations skipped under `Forbid` because a Job was active (`JobAlreadyActive`).
    pub skipped_active: u32,
    /// Jobs deleted by `Replace`.
    pub replaced: u32,
    /// Finished Jobs deleted beyond the history limits.
    pub history_deleted: u32,
    pub syncs: u32,
}

/// A CronJob in the simulation.
#[derive(Clone, Debug)]
pub struct CronJobState {
    pub namespace: String,
    pub cron_job: CronJob,
    pub template: JobSpec,
    pub behavior: Arc<PodBehavior>,
    pub created_at: SimTime,
    /// Every Job it created, deleted ones included, in creation order.
    pub children: Vec<JobId>,
    /// The ones not deleted yet: what the controller lists at each sync (history limits
    /// keep it short, so a month of minutely runs costs nothing per sync).
    pub(crate) live_children: Vec<JobId>,
    pub stats: CronJobStats,
    /// The earliest waiting work-queue add (`None`: not queued).
    pub(crate) waiting_until: Option<SimTime>,
    /// Consecutive syncs that ended in an error (the work queue's rate limiter).
    pub(crate) api_failures: u32,
    /// The completion deadline of its Jobs.
    pub(crate) input_deadline: Option<crate::engine::time::SimDuration>,
}

impl CronJobState {
    pub fn new(input: CronJobInput) -> CronJobState {
        CronJobState {
            namespace: input.namespace,
            cron_job: input.cron_job,
            template: input.template,
            behavior: input.behavior,
            created_at: input.created_at,
            children: Vec::new(),
            live_children: Vec::new(),
            stats: CronJobStats::default(),
            waiting_until: None,
            api_failures: 0,
            input_deadline: input.deadline,
        }
    }
}

impl World {
    /// The wall-clock instant of a simulated time.
    pub fn timestamp(&self, t: SimTime) -> Timestamp {
        sim_ms_to_timestamp(self.start_time, t.as_millis() as i64).unwrap_or(Timestamp::MAX)
    }

    /// The simulated time of an instant (rounded up to the millisecond; never before 0).
    pub fn sim_time_of(&self, t: Timestamp) -> SimTime {
        SimTime::from_millis(timestamp_to_sim_ms_ceil(self.start_time, t).max(0) as u64)
    }

    pub(crate) fn on_cronjob_created(&mut self, c: u32) -> bool {
        // addCronJob: enqueue now.
        self.enqueue_cronjob_at(c, self.now);
        true
    }

    /// `queue.Add` / `queue.AddAfter`: the earliest waiting add wins.
    pub(crate) fn enqueue_cronjob_at(&mut self, c: u32, at: SimTime) {
        let at = at.max(self.now);
        let cj = &mut self.cronjobs[c as usize];
        if cj.waiting_until.is_some_and(|w| w <= at) {
            return;
        }
        cj.waiting_until = Some(at);
        self.queue.push(at, Event::CronJobSync { cron: c, at });
    }

    pub(crate) fn on_cronjob_sync(&mut self, c: u32, at: SimTime) -> bool {
        let cj = &mut self.cronjobs[c as usize];
        if cj.waiting_until != Some(at) {
            return false; // superseded by an earlier add
        }
        cj.waiting_until = None;
        self.sync_cronjob(c);
        true
    }

    /// One reconcile of CronJob `c`.
    fn sync_cronjob(&mut self, c: u32) {
        let now = self.timestamp(self.now);
        let jobs = &self.jobs;
        self.cronjobs[c as usize]
            .live_children
            .retain(|id| jobs[id.idx()].deleted_at.is_none());
        let cj = &self.cronjobs[c as usize];
        let children: Vec<ChildJob> = cj
            .live_children
            .iter()
            .map(|&id| &self.jobs[id.idx()])
            .filter(|j| j.deleted_at.is_none())
            .map(|j| ChildJob {
                id: j.id,
                name: j.name.clone(),
                finished: if j.status.has_true(JobConditionType::Complete) {
                    Some(Finished::Complete)
                } else if j.status.has_true(JobConditionType::Failed) {
                    Some(Finished::Failed)
                } else {
                    None
                },
                start_time: j.status.start_time.map(|t| self.timestamp(t)),
                completion_time: j.status.completion_time.map(|t| self.timestamp(t)),
            })
            .collect();
        let mut cron_job = cj.cron_job.clone();
        let outcome = controller::sync(
            &mut cron_job,
            &children,
            now,
            &mut WorldJobs {
                world: self,
                cron: c,
            },
        );
        let replaced = outcome
            .deleted
            .iter()
            .filter(|id| {
                !children
                    .iter()
                    .any(|j| j.id == **id && j.finished.is_some())
            })
            .count() as u32;
        let cj = &mut self.cronjobs[c as usize];
        cj.cron_job = cron_job;
        cj.stats.syncs += 1;
        cj.stats.jobs_created += u32::from(outcome.created.is_some());
        cj.stats.missed_schedules += u32::from(outcome.missed);
        cj.stats.skipped_active += u32::from(outcome.skipped_active);
        cj.stats.replaced += replaced;
        cj.stats.history_deleted += outcome.deleted.len() as u32 - replaced;
        for e in outcome.events {
            self.event(
                ObjectRef::CronJob(c),
                EventKind::CronJob {
                    warning: e.warning,
                    reason: e.reason,
                    message: e.message,
                },
            );
        }
        if outcome.error {
            // AddRateLimited: the default controller rate limiter, 5 ms doubling per
            // consecutive failure (up to 1000 s). After the simulated period the retries
            // stop with everything else the CronJob would start.
            let cj = &mut self.cronjobs[c as usize];
            let ms = 5u64
                .saturating_mul(1u64 << cj.api_failures.min(30))
                .min(1_000_000);
            cj.api_failures += 1;
            let at = self.now + crate::engine::time::SimDuration::from_millis(ms);
            if self.horizon.is_none_or(|h| at <= h) {
                self.enqueue_cronjob_at(c, at);
            }
        } else {
            self.cronjobs[c as usize].api_failures = 0;
        }
        if let Some(t) = outcome.requeue_at {
            let at = self.sim_time_of(t);
            // After the simulated period nothing new is scheduled: no timer is needed.
            if self
                .horizon
                .is_none_or(|h| at <= h + crate::engine::time::SimDuration::from_millis(100))
            {
                self.enqueue_cronjob_at(c, at);
            }
        }
    }

    /// A Job owned by a CronJob changed in a way its controller acts on (finished, deleted):
    /// the Job informer's update handler enqueues the CronJob.
    pub(crate) fn notify_owner(&mut self, job: JobId, visible_at: SimTime) {
        if let Some(c) = self.jobs[job.idx()].owner {
            self.enqueue_cronjob_at(c, visible_at);
        }
    }
}

/// The CronJob controller's Job client, on the simulated API.
struct WorldJobs<'w> {
    world: &'w mut World,
    cron: u32,
}

impl JobControl for WorldJobs<'_> {
    fn create_job(&mut self, name: &str, scheduled: Timestamp) -> Result<JobId, CreateError> {
        let w = &mut *self.world;
        let cj = &w.cronjobs[self.cron as usize];
        // The simulated period is over: nothing scheduled after it starts.
        let scheduled_at = w.sim_time_of(scheduled);
        if w.horizon.is_some_and(|h| scheduled_at > h) {
            return Err(CreateError::AlreadyExists(None));
        }
        if let Some(&existing) = w.live_names.get(&(cj.namespace.clone(), name.to_string())) {
            return Err(CreateError::AlreadyExists(
                (w.jobs[existing.idx()].owner == Some(self.cron)).then_some(existing),
            ));
        }
        let (namespace, spec, behavior) = (
            cj.namespace.clone(),
            cj.template.clone(),
            cj.behavior.clone(),
        );
        w.admit_job(&namespace, name).map_err(CreateError::Failed)?;
        let id = w.add_job(namespace, name.to_string(), spec, behavior);
        let job = &mut w.jobs[id.idx()];
        job.admitted = true;
        job.deadline = w.cronjobs[self.cron as usize].input_deadline;
        job.owner = Some(self.cron);
        job.scheduled_at = Some(scheduled_at);
        w.cronjobs[self.cron as usize].children.push(id);
        w.cronjobs[self.cron as usize].live_children.push(id);
        Ok(id)
    }

    fn job_name(&self, id: JobId) -> String {
        self.world.jobs[id.idx()].name.clone()
    }

    fn delete_job(&mut self, id: JobId) {
        // Gone from the API at once (its quota released); the garbage collector deletes
        // its pods.
        self.world.delete_job(id);
    }
}
