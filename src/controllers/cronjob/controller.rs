//! The CronJob controller's reconcile step (`pkg/controller/cronjob/cronjob_controllerv2.go`,
//! `sync` = `cleanupFinishedJobs` then `syncCronJob`), as a pure function of the CronJob, the
//! Jobs it owns and the time, so that upstream's tables can pin it directly.
//!
//! The simulation (`sim::cronjobs`) calls [`sync`] whenever the CronJob's work-queue key comes
//! up: when it is created, at each requeue time (the next activation + 100 ms), and whenever one
//! of its Jobs changes (finishes or is deleted).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::schedule::{Schedule, most_recent_schedule_time, next_requeue_from};
use crate::api::JobId;

/// `spec.concurrencyPolicy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConcurrencyPolicy {
    /// Start every run, even while earlier ones are active (the default).
    #[default]
    Allow,
    /// Skip a run while an earlier one is active.
    Forbid,
    /// Delete the active runs, then start the new one.
    Replace,
}

impl ConcurrencyPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            ConcurrencyPolicy::Allow => "Allow",
            ConcurrencyPolicy::Forbid => "Forbid",
            ConcurrencyPolicy::Replace => "Replace",
        }
    }
}

/// The CronJob fields the controller reads, defaulted and validated.
#[derive(Clone, Debug)]
pub struct CronJobSpec {
    pub schedule: Schedule,
    /// `spec.timeZone` as written.
    pub time_zone: Option<String>,
    /// The zone the schedule is evaluated in (`spec.timeZone`, else the controller
    /// manager's zone; see [`Schedule::controller_time_zone`]).
    pub zone: TimeZone,
    pub concurrency_policy: ConcurrencyPolicy,
    pub starting_deadline_seconds: Option<i64>,
    pub suspend: bool,
    /// Defaulted to 3 by the API server.
    pub successful_jobs_history_limit: Option<i32>,
    /// Defaulted to 1 by the API server.
    pub failed_jobs_history_limit: Option<i32>,
}

/// `status` of a CronJob.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CronJobStatus {
    /// `status.active`: the running Jobs, in the order they were started.
    pub active: Vec<JobId>,
    pub last_schedule_time: Option<Timestamp>,
    pub last_successful_time: Option<Timestamp>,
}

/// A CronJob as the controller's lister shows it.
#[derive(Clone, Debug)]
pub struct CronJob {
    pub name: String,
    pub spec: CronJobSpec,
    /// `metadata.creationTimestamp` (whole seconds).
    pub creation_timestamp: Timestamp,
    pub status: CronJobStatus,
}

/// How a Job finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finished {
    Complete,
    Failed,
}

impl Finished {
    pub fn as_str(self) -> &'static str {
        match self {
            Finished::Complete => "Complete",
            Finished::Failed => "Failed",
        }
    }
}

/// One Job owned by the CronJob, as the Job lister shows it (deleted Jobs are not listed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildJob {
    pub id: JobId,
    pub name: String,
    /// The terminal condition, once it is True.
    pub finished: Option<Finished>,
    /// `status.startTime`.
    pub start_time: Option<Timestamp>,
    /// `status.completionTime` (set for Complete Jobs).
    pub completion_time: Option<Timestamp>,
}

/// An event the controller records on the CronJob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronJobEvent {
    pub warning: bool,
    pub reason: &'static str,
    pub message: String,
}

/// What one sync did, besides changing `cron_job.status`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncOutcome {
    pub events: Vec<CronJobEvent>,
    /// Jobs deleted (background propagation), in order: history clean-up, then Replace.
    pub deleted: Vec<JobId>,
    /// The scheduled time of the Job created, if one was.
    pub created: Option<Timestamp>,
    /// When to sync again (`queue.AddAfter`); `None`: only when a Job changes.
    pub requeue_at: Option<Timestamp>,
    /// The status changed (an `UpdateStatus` call).
    pub update_status: bool,
    /// Counted for the results: the run was skipped because it was too late
    /// (`MissSchedule`) or because an earlier one was active (`JobAlreadyActive`).
    pub missed: bool,
    pub skipped_active: bool,
    /// The sync ended in an error (a failed create): the key comes back rate-limited.
    pub error: bool,
}

/// Why `CreateJob` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreateError {
    /// `AlreadyExists`: a Job of that name exists, with its id if the CronJob owns it.
    AlreadyExists(Option<JobId>),
    /// Any other error (a ResourceQuota's `count/jobs.batch`), as the API server words it.
    Failed(String),
}

/// The API calls a sync makes on Jobs.
pub trait JobControl {
    /// `CreateJob` of `name` for the activation `scheduled`.
    fn create_job(&mut self, name: &str, scheduled: Timestamp) -> Result<JobId, CreateError>;
    /// The name of a Job the CronJob lists as active (for events about Jobs that are gone).
    fn job_name(&self, id: JobId) -> String;
    /// `DeleteJob` with background propagation: the Job is gone when the call returns.
    fn delete_job(&mut self, id: JobId);
}

/// `getJobName`: `<cronjob name>-<scheduled time in Unix minutes>`.
pub fn job_name(cron_job: &str, scheduled: Timestamp) -> String {
    // Go's integer division truncates toward zero.
    format!("{cron_job}-{}", scheduled.as_second() / 60)
}

/// One reconcile (`ControllerV2.sync`): clean up finished Jobs beyond the history limits,
/// then `syncCronJob`. `children` are the Jobs the CronJob owns that still exist.
pub fn sync(
    cron_job: &mut CronJob,
    children: &[ChildJob],
    now: Timestamp,
    jobs: &mut dyn JobControl,
) -> SyncOutcome {
    let mut out = SyncOutcome::default();
    cleanup_finished_jobs(cron_job, children, jobs, &mut out);
    sync_cron_job(cron_job, children, now, jobs, &mut out);
    out
}

/// `cleanupFinishedJobs` / `removeOldestJobs`.
fn cleanup_finished_jobs(
    cj: &mut CronJob,
    children: &[ChildJob],
    jobs: &mut dyn JobControl,
    out: &mut SyncOutcome,
) {
    let limits = [
        (Finished::Complete, cj.spec.successful_jobs_history_limit),
        (Finished::Failed, cj.spec.failed_jobs_history_limit),
    ];
    if limits.iter().all(|(_, l)| l.is_none()) {
        return;
    }
    for (kind, limit) in limits {
        let Some(limit) = limit else { continue };
        let mut finished: Vec<&ChildJob> = children
            .iter()
            .filter(|j| j.finished == Some(kind))
            .collect();
        let to_delete = finished.len() as i64 - i64::from(limit);
        if to_delete <= 0 {
            continue;
        }
        // byJobStartTime: by status.startTime (unset last), then by name.
        finished.sort_by(|a, b| match (a.start_time, b.start_time) {
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
            (x, y) if x == y => a.name.cmp(&b.name),
            (x, y) => x.cmp(&y),
        });
        for j in finished.into_iter().take(to_delete as usize) {
            delete_job(cj, j.id, &j.name, jobs, out);
            out.update_status = true;
        }
    }
}

/// `deleteJob`: the Job (background propagation) and its reference in `status.active`.
fn delete_job(
    cj: &mut CronJob,
    id: JobId,
    name: &str,
    jobs: &mut dyn JobControl,
    out: &mut SyncOutcome,
) {
    jobs.delete_job(id);
    out.deleted.push(id);
    cj.status.active.retain(|&a| a != id);
    out.events.push(CronJobEvent {
        warning: false,
        reason: "SuccessfulDelete",
        message: format!("Deleted job {name}"),
    });
}

/// `syncCronJob`.
fn sync_cron_job(
    cj: &mut CronJob,
    children: &[ChildJob],
    now: Timestamp,
    jobs: &mut dyn JobControl,
    out: &mut SyncOutcome,
) {
    for j in children {
        let found = cj.status.active.contains(&j.id);
        match j.finished {
            None if !found => out.events.push(CronJobEvent {
                warning: true,
                reason: "UnexpectedJob",
                message: format!(
                    "Saw a job that the controller did not create or forgot: {}",
                    j.name
                ),
            }),
            None => {}
            Some(f) => {
                if found {
                    cj.status.active.retain(|&a| a != j.id);
                    out.events.push(CronJobEvent {
                        warning: false,
                        reason: "SawCompletedJob",
                        message: format!(
                            "Saw completed job: {}, condition: {}",
                            j.name,
                            f.as_str()
                        ),
                    });
                    out.update_status = true;
                }
                if f == Finished::Complete {
                    let last = &mut cj.status.last_successful_time;
                    match (*last, j.completion_time) {
                        (None, t) => {
                            *last = t;
                            out.update_status = true;
                        }
                        (Some(l), Some(t)) if t > l => {
                            *last = Some(t);
                            out.update_status = true;
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    // Active references to Jobs that no longer exist.
    let missing: Vec<JobId> = cj
        .status
        .active
        .iter()
        .copied()
        .filter(|a| !children.iter().any(|j| j.id == *a))
        .collect();
    for id in missing {
        out.events.push(CronJobEvent {
            warning: false,
            reason: "MissingJob",
            message: format!("Active job went missing: {}", jobs.job_name(id)),
        });
        cj.status.active.retain(|&a| a != id);
        out.update_status = true;
    }

    if cj.spec.suspend {
        return;
    }
    let sched = &cj.spec.schedule;
    let zone = &cj.spec.zone;
    let requeue = |cj: &CronJob| {
        let earliest = cj
            .status
            .last_schedule_time
            .unwrap_or(cj.creation_timestamp);
        next_requeue_from(&cj.spec.schedule, &cj.spec.zone, earliest, now)
    };

    // nextScheduleTime.
    let earliest = cj
        .status
        .last_schedule_time
        .unwrap_or(cj.creation_timestamp);
    let missed = most_recent_schedule_time(
        sched,
        zone,
        earliest,
        now,
        cj.spec.starting_deadline_seconds,
    );
    let scheduled = match missed.most_recent {
        Some(t) if t <= now => {
            if missed.too_many {
                out.events.push(CronJobEvent {
                    warning: true,
                    reason: "TooManyMissedTimes",
                    message: format!(
                        "too many missed start times: {}. Set or decrease .spec.startingDeadlineSeconds or check clock skew",
                        missed.missed
                    ),
                });
            }
            Some(t)
        }
        _ => None,
    };
    if let Some(err) = &missed.error {
        out.events.push(CronJobEvent {
            warning: true,
            reason: "InvalidSchedule",
            message: format!("invalid schedule: {} : {err}", sched.source()),
        });
        return;
    }
    let Some(scheduled) = scheduled else {
        // No unmet start time.
        out.requeue_at = requeue(cj);
        return;
    };

    if let Some(deadline) = cj.spec.starting_deadline_seconds {
        let latest = scheduled
            .checked_add(jiff::SignedDuration::from_secs(deadline))
            .unwrap_or(Timestamp::MAX);
        if latest < now {
            out.events.push(CronJobEvent {
                warning: true,
                reason: "MissSchedule",
                message: format!(
                    "Missed scheduled time to start a job: {}",
                    scheduled.strftime("%a, %d %b %Y %H:%M:%S %z")
                ),
            });
            out.missed = true;
            out.requeue_at = requeue(cj);
            return;
        }
    }
    let name = job_name(&cj.name, scheduled);
    if cj.status.active.iter().any(|&a| jobs.job_name(a) == name)
        || cj.status.last_schedule_time == Some(scheduled)
    {
        // Already processed.
        out.requeue_at = requeue(cj);
        return;
    }
    if cj.spec.concurrency_policy == ConcurrencyPolicy::Forbid && !cj.status.active.is_empty() {
        out.events.push(CronJobEvent {
            warning: false,
            reason: "JobAlreadyActive",
            message: "Not starting job because prior execution is running and concurrency policy is Forbid".into(),
        });
        out.skipped_active = true;
        out.requeue_at = requeue(cj);
        return;
    }
    if cj.spec.concurrency_policy == ConcurrencyPolicy::Replace {
        for id in cj.status.active.clone() {
            let name = jobs.job_name(id);
            delete_job(cj, id, &name, jobs, out);
            out.update_status = true;
        }
    }

    let id = match jobs.create_job(&name, scheduled) {
        Ok(id) => {
            out.events.push(CronJobEvent {
                warning: false,
                reason: "SuccessfulCreate",
                message: format!("Created job {name}"),
            });
            out.created = Some(scheduled);
            id
        }
        Err(CreateError::Failed(message)) => {
            out.events.push(CronJobEvent {
                warning: true,
                reason: "FailedCreate",
                message: format!("Error creating job: {message}"),
            });
            out.error = true;
            return;
        }
        // Someone else's Job of that name: assume they keep the status.
        Err(CreateError::AlreadyExists(None)) => return,
        // Ours, created before the status update was lost: record it unless it is there.
        Err(CreateError::AlreadyExists(Some(id))) => {
            if cj.status.active.contains(&id) {
                return;
            }
            id
        }
    };
    cj.status.active.push(id);
    cj.status.last_schedule_time = Some(scheduled);
    out.update_status = true;
    out.requeue_at = requeue(cj);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    struct Fake {
        created: Vec<(String, Timestamp)>,
        names: Vec<String>,
    }

    impl JobControl for Fake {
        fn create_job(&mut self, name: &str, at: Timestamp) -> Result<JobId, CreateError> {
            self.created.push((name.to_string(), at));
            self.names.push(name.to_string());
            Ok(JobId(self.names.len() as u32 - 1))
        }
        fn job_name(&self, id: JobId) -> String {
            self.names[id.idx()].clone()
        }
        fn delete_job(&mut self, _: JobId) {}
    }

    fn hourly() -> CronJob {
        CronJob {
            name: "report".into(),
            spec: CronJobSpec {
                schedule: Schedule::parse("0 * * * *").unwrap(),
                time_zone: None,
                zone: TimeZone::UTC,
                concurrency_policy: ConcurrencyPolicy::Allow,
                starting_deadline_seconds: None,
                suspend: false,
                successful_jobs_history_limit: Some(3),
                failed_jobs_history_limit: Some(1),
            },
            creation_timestamp: ts("2026-01-05T00:00:00Z"),
            status: CronJobStatus::default(),
        }
    }

    #[test]
    fn job_names_are_unix_minutes() {
        // 2016-05-19T10:00:00Z = 1463652000 s = 24394200 min.
        assert_eq!(
            job_name("mycronjob", ts("2016-05-19T10:00:00Z")),
            "mycronjob-24394200"
        );
    }

    #[test]
    fn the_first_run_starts_at_the_first_activation_and_requeues_for_the_next() {
        let mut cj = hourly();
        let mut f = Fake {
            created: vec![],
            names: vec![],
        };
        let before = sync(&mut cj, &[], ts("2026-01-05T00:30:00Z"), &mut f);
        assert!(before.created.is_none());
        assert_eq!(before.requeue_at, Some(ts("2026-01-05T01:00:00.1Z")));
        let at = sync(&mut cj, &[], ts("2026-01-05T01:00:00.1Z"), &mut f);
        assert_eq!(at.created, Some(ts("2026-01-05T01:00:00Z")));
        assert_eq!(cj.status.active, vec![JobId(0)]);
        assert_eq!(
            cj.status.last_schedule_time,
            Some(ts("2026-01-05T01:00:00Z"))
        );
        assert_eq!(at.requeue_at, Some(ts("2026-01-05T02:00:00.1Z")));
        assert_eq!(at.events[0].reason, "SuccessfulCreate");
    }
}
