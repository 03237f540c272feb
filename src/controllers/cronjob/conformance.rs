//! Upstream's CronJob controller tables, translated to pin [`sync`].
//!
//! Sources (kubernetes/kubernetes, `pkg/controller/cronjob/`):
//! - `cronjob_controllerv2_test.go`: `TestControllerV2SyncCronJob`,
//!   `TestControllerV2CleanupFinishedJobs`, `TestControllerV2JobAlreadyExistsButNotInActiveStatus`,
//!   `TestControllerV2JobAlreadyExistsButDifferentOwner`;
//! - `cronjob_controller_test.go` (the v1 controller, whose decisions v2 kept):
//!   `TestCleanupFinishedJobs_DeleteOrNot`, `TestSyncOne_Status`;
//! - `utils_test.go`: `TestByJobStartTime`.
//!
//! Each row keeps upstream's case name, so it can be found upstream. The cases that depend on
//! what jobsim does not model are listed, with the reason, in docs/conformance.md ("CronJob
//! controller").
//!
//! How the translation maps upstream's fixtures:
//! - upstream's Job lister is `children`; a Job that upstream lists in `cj.Status.Active` has its
//!   id in `status.active`;
//! - upstream's `fakeJobControl` is [`FakeJobControl`]: creations succeed unless the case sets
//!   `CreateErr: AlreadyExists`, in which case every create fails and the re-Get returns the
//!   fixture Job (upstream's fake ignores the name), owned by the CronJob unless the case says
//!   otherwise;
//! - `requeueAfter` is `outcome.requeue_at - now`; warnings are events with `warning: true`;
//!   `updateStatus` is `outcome.update_status`.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::controller::{
    ChildJob, ConcurrencyPolicy, CreateError, CronJob, CronJobSpec, CronJobStatus, Finished,
    JobControl, SyncOutcome, job_name, sync,
};
use super::schedule::{NEXT_SCHEDULE_DELTA, Schedule, time_zone};
use crate::api::JobId;

// ---------------------------------------------------------------------------------------------
// Upstream's fixtures.

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn just_after_the_prior_hour() -> Timestamp {
    ts("2016-05-19T09:01:00Z")
}

fn just_before_the_prior_hour() -> Timestamp {
    ts("2016-05-19T08:59:00Z")
}

fn just_before_the_hour() -> Timestamp {
    ts("2016-05-19T09:59:00Z")
}

fn top_of_the_hour() -> Timestamp {
    ts("2016-05-19T10:00:00Z")
}

fn just_after_the_hour() -> Timestamp {
    ts("2016-05-19T10:01:00Z")
}

/// `justAfterTheHourInZone(tz)`: Go's `ParseInLocation` of a string ending in `Z` keeps the UTC
/// instant, so this is [`just_after_the_hour`] whatever the zone.
fn just_after_the_hour_in_zone(_tz: &str) -> Timestamp {
    just_after_the_hour()
}

fn just_before_the_next_hour() -> Timestamp {
    ts("2016-05-19T10:59:00Z")
}

fn week_after_the_hour() -> Timestamp {
    ts("2016-05-26T10:00:00Z")
}

const SHORT_DEAD: i64 = 10;
const MEDIUM_DEAD: i64 = 2 * 60 * 60;
const LONG_DEAD: i64 = 1_000_000;

/// Hourly on the hour.
const ON_THE_HOUR: &str = "0 * * * ?";
const EVERY_HOUR: &str = "@every 1h";
const NEW_YORK: &str = "America/New_York";

const ALLOW: ConcurrencyPolicy = ConcurrencyPolicy::Allow;
const FORBID: ConcurrencyPolicy = ConcurrencyPolicy::Forbid;
const REPLACE: ConcurrencyPolicy = ConcurrencyPolicy::Replace;

fn hours(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}

fn mins(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

/// `cronJob()`: "mycronjob", created just before the hour, schedule `* * * * ?`, Allow. Unit
/// tests see the CronJob without the API server's defaults, so no history limits.
fn cron_job() -> CronJob {
    let schedule = Schedule::parse("* * * * ?").unwrap();
    CronJob {
        name: "mycronjob".into(),
        spec: CronJobSpec {
            schedule,
            time_zone: None,
            zone: TimeZone::UTC,
            concurrency_policy: ConcurrencyPolicy::Allow,
            starting_deadline_seconds: None,
            suspend: false,
            successful_jobs_history_limit: None,
            failed_jobs_history_limit: None,
        },
        creation_timestamp: just_before_the_hour(),
        status: CronJobStatus::default(),
    }
}

/// Sets `spec.schedule` and `spec.timeZone` and the zone the controller evaluates them in.
fn set_schedule(cj: &mut CronJob, schedule: &str, tz: Option<&str>) {
    let schedule = Schedule::parse(schedule).unwrap();
    let loaded = tz.map(|name| time_zone(name).unwrap());
    cj.spec.zone = schedule.controller_time_zone(loaded.as_ref());
    cj.spec.schedule = schedule;
    cj.spec.time_zone = tz.map(str::to_owned);
}

fn running(id: JobId, name: &str) -> ChildJob {
    ChildJob {
        id,
        name: name.to_owned(),
        finished: None,
        start_time: None,
        completion_time: None,
    }
}

/// Upstream's `fakeJobControl`, by JobId: the Jobs that exist (name, owned by the CronJob), the
/// creations, and `CreateErr: AlreadyExists` with the Job its `GetJob` returns.
#[derive(Default)]
struct FakeJobControl {
    jobs: Vec<(String, bool)>,
    created: Vec<(String, Timestamp)>,
    already_exists: Option<JobId>,
}

impl FakeJobControl {
    fn add(&mut self, name: &str, owned: bool) -> JobId {
        self.jobs.push((name.to_owned(), owned));
        JobId(self.jobs.len() as u32 - 1)
    }
}

impl JobControl for FakeJobControl {
    fn create_job(&mut self, name: &str, scheduled: Timestamp) -> Result<JobId, CreateError> {
        if let Some(existing) = self.already_exists {
            return Err(CreateError::AlreadyExists(
                self.jobs[existing.idx()].1.then_some(existing),
            ));
        }
        self.created.push((name.to_owned(), scheduled));
        Ok(self.add(name, true))
    }

    fn job_name(&self, id: JobId) -> String {
        self.jobs[id.idx()].0.clone()
    }

    fn delete_job(&mut self, _: JobId) {}
}

fn warnings(out: &SyncOutcome) -> usize {
    out.events.iter().filter(|e| e.warning).count()
}

// ---------------------------------------------------------------------------------------------
// cronjob_controllerv2_test.go: TestControllerV2SyncCronJob.

/// One row of upstream's table. `deadline: None` is upstream's `noDead`;
/// `expected_requeue: None` is `expectRequeueAfter: false` (not checked).
#[derive(Default)]
struct SyncCase {
    name: &'static str,
    // cj spec
    concurrency_policy: ConcurrencyPolicy,
    suspend: bool,
    schedule: &'static str,
    time_zone: Option<&'static str>,
    deadline: Option<i64>,
    // cj status
    ran_previously: bool,
    still_active: bool,
    // environment
    cronjob_creation_time: Option<Timestamp>,
    job_creation_time: Timestamp,
    last_schedule_time: Option<Timestamp>,
    now: Timestamp,
    /// `jobCreateError: AlreadyExists`.
    job_create_already_exists: bool,
    // expectations
    expect_create: bool,
    expect_delete: bool,
    expect_active: usize,
    expected_warnings: usize,
    expected_requeue: Option<SignedDuration>,
    expect_update_status: bool,
    job_present_in_cj_active_status: bool,
}

fn sync_cases() -> Vec<SyncCase> {
    let d = NEXT_SCHEDULE_DELTA;
    vec![
        SyncCase {
            name: "never ran, not time, A",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            job_creation_time: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expected_requeue: Some(mins(1) + d),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "never ran, not time, F",
            concurrency_policy: FORBID,
            schedule: ON_THE_HOUR,
            job_creation_time: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expected_requeue: Some(mins(1) + d),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "never ran, not time, R",
            concurrency_policy: REPLACE,
            schedule: ON_THE_HOUR,
            job_creation_time: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expected_requeue: Some(mins(1) + d),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "never ran, not time in zone",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            time_zone: Some(NEW_YORK),
            job_creation_time: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expected_requeue: Some(mins(1) + d),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "never ran, is time, A",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "never ran, is time, F",
            concurrency_policy: FORBID,
            schedule: ON_THE_HOUR,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "never ran, is time, R",
            concurrency_policy: REPLACE,
            schedule: ON_THE_HOUR,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        // The CronJobTimeZone gate is GA and gone; the row's expectations are those of a
        // controller that honours spec.timeZone.
        SyncCase {
            name: "never ran, is time in zone, but time zone disabled",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            time_zone: Some(NEW_YORK),
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour_in_zone(NEW_YORK),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "never ran, is time in zone",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            time_zone: Some(NEW_YORK),
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour_in_zone(NEW_YORK),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "never ran, is time, suspended",
            concurrency_policy: ALLOW,
            suspend: true,
            schedule: ON_THE_HOUR,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "never ran, is time, past deadline",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            deadline: Some(SHORT_DEAD),
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour() + mins(SHORT_DEAD + 1),
            expected_requeue: Some(hours(1) - mins(1) - mins(SHORT_DEAD + 1) + d),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "never ran, is time, not past deadline",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            deadline: Some(LONG_DEAD),
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, not time, A",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expected_requeue: Some(mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, not time, F",
            concurrency_policy: FORBID,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expected_requeue: Some(mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, not time, R",
            concurrency_policy: REPLACE,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expected_requeue: Some(mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, is time, A",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        // Upstream's table says expectActive 0, which it never checks (the v2 test reads
        // cjc.Updates, which syncCronJob never writes). Its code adds the Job the re-Get returns,
        // as TestControllerV2JobAlreadyExistsButNotInActiveStatus pins: 1.
        SyncCase {
            name: "prev ran but done, is time, create job failed, A",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            job_create_already_exists: true,
            expect_active: 1,
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        // As above: expectActive 0 upstream, unchecked; the code gives 1.
        SyncCase {
            name: "prev ran but done, is time, job not present in CJ active status, create job failed, A",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            job_create_already_exists: true,
            expect_active: 1,
            expect_update_status: true,
            job_present_in_cj_active_status: false,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, is time, F",
            concurrency_policy: FORBID,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, is time, R",
            concurrency_policy: REPLACE,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, is time, suspended",
            concurrency_policy: ALLOW,
            suspend: true,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, is time, past deadline",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, is time, not past deadline",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            deadline: Some(LONG_DEAD),
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "still active, not time, A",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            still_active: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expect_active: 1,
            expected_requeue: Some(mins(1) + d),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "still active, not time, F",
            concurrency_policy: FORBID,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            still_active: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expect_active: 1,
            expected_requeue: Some(mins(1) + d),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "still active, not time, R",
            concurrency_policy: REPLACE,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            still_active: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_before_the_hour(),
            expect_active: 1,
            expected_requeue: Some(mins(1) + d),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "still active, is time, A",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            still_active: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 2,
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "still active, is time, F",
            concurrency_policy: FORBID,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            still_active: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "still active, is time, R",
            concurrency_policy: REPLACE,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            still_active: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_delete: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "still active, is time, suspended",
            concurrency_policy: ALLOW,
            suspend: true,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            still_active: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_active: 1,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "still active, is time, past deadline",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            still_active: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "still active, is time, not past deadline",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            deadline: Some(LONG_DEAD),
            ran_previously: true,
            still_active: true,
            job_creation_time: just_after_the_prior_hour(),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 2,
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        // Too many missed start times with no deadline or a too long one: a warning, and the
        // most recent time still starts.
        SyncCase {
            name: "prev ran but done, long overdue, not past deadline, A",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            deadline: Some(LONG_DEAD),
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            expected_requeue: Some(hours(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, long overdue, not past deadline, R",
            concurrency_policy: REPLACE,
            schedule: ON_THE_HOUR,
            deadline: Some(LONG_DEAD),
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            expected_requeue: Some(hours(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, long overdue, not past deadline, F",
            concurrency_policy: FORBID,
            schedule: ON_THE_HOUR,
            deadline: Some(LONG_DEAD),
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            expected_requeue: Some(hours(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, long overdue, no deadline, A",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            expected_requeue: Some(hours(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, long overdue, no deadline, R",
            concurrency_policy: REPLACE,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            expected_requeue: Some(hours(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, long overdue, no deadline, F",
            concurrency_policy: FORBID,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            expected_requeue: Some(hours(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, long overdue, past medium deadline, A",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            deadline: Some(MEDIUM_DEAD),
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, long overdue, past short deadline, A",
            concurrency_policy: ALLOW,
            schedule: ON_THE_HOUR,
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, long overdue, past medium deadline, R",
            concurrency_policy: REPLACE,
            schedule: ON_THE_HOUR,
            deadline: Some(MEDIUM_DEAD),
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, long overdue, past short deadline, R",
            concurrency_policy: REPLACE,
            schedule: ON_THE_HOUR,
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, long overdue, past medium deadline, F",
            concurrency_policy: FORBID,
            schedule: ON_THE_HOUR,
            deadline: Some(MEDIUM_DEAD),
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "prev ran but done, long overdue, past short deadline, F",
            concurrency_policy: FORBID,
            schedule: ON_THE_HOUR,
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            job_creation_time: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        // Time skew: the controller sees the Job was created and does nothing.
        SyncCase {
            name: "this ran but done, time drifted back, F",
            concurrency_policy: FORBID,
            schedule: ON_THE_HOUR,
            ran_previously: true,
            job_creation_time: just_after_the_hour(),
            now: just_before_the_hour(),
            job_create_already_exists: true,
            expected_requeue: Some(mins(1) + d),
            expect_update_status: true,
            ..SyncCase::default()
        },
        // @every schedules.
        SyncCase {
            name: "with @every schedule, never ran, not time",
            concurrency_policy: ALLOW,
            schedule: EVERY_HOUR,
            cronjob_creation_time: Some(just_before_the_hour()),
            job_creation_time: just_before_the_hour(),
            now: top_of_the_hour(),
            expected_requeue: Some(hours(1) - mins(1) + d),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "with @every schedule, never ran, is time",
            concurrency_policy: ALLOW,
            schedule: EVERY_HOUR,
            cronjob_creation_time: Some(just_before_the_prior_hour()),
            job_creation_time: just_before_the_prior_hour(),
            now: just_before_the_hour(),
            expected_requeue: Some(hours(1) + d),
            job_present_in_cj_active_status: true,
            expect_create: true,
            expect_active: 1,
            expect_update_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "with @every schedule, never ran, is time, past deadline",
            concurrency_policy: ALLOW,
            schedule: EVERY_HOUR,
            deadline: Some(SHORT_DEAD),
            cronjob_creation_time: Some(just_before_the_prior_hour()),
            job_creation_time: just_before_the_prior_hour(),
            now: just_before_the_hour() + secs(SHORT_DEAD + 1),
            expected_requeue: Some(hours(1) - secs(SHORT_DEAD + 1) + d),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "with @every schedule, never ran, is time, not past deadline",
            concurrency_policy: ALLOW,
            schedule: EVERY_HOUR,
            deadline: Some(LONG_DEAD),
            cronjob_creation_time: Some(just_before_the_prior_hour()),
            job_creation_time: just_before_the_prior_hour(),
            now: just_before_the_hour() + secs(SHORT_DEAD - 1),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) - secs(SHORT_DEAD - 1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "with @every schedule, prev ran but done, not time",
            concurrency_policy: ALLOW,
            schedule: EVERY_HOUR,
            ran_previously: true,
            cronjob_creation_time: Some(just_before_the_prior_hour()),
            job_creation_time: just_before_the_prior_hour(),
            last_schedule_time: Some(just_before_the_hour()),
            now: top_of_the_hour(),
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "with @every schedule, prev ran but done, is time",
            concurrency_policy: ALLOW,
            schedule: EVERY_HOUR,
            ran_previously: true,
            cronjob_creation_time: Some(just_before_the_prior_hour()),
            job_creation_time: just_before_the_prior_hour(),
            last_schedule_time: Some(just_before_the_hour()),
            now: top_of_the_hour() + hours(1),
            expect_create: true,
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "with @every schedule, prev ran but done, is time, past deadline",
            concurrency_policy: ALLOW,
            schedule: EVERY_HOUR,
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            cronjob_creation_time: Some(just_before_the_prior_hour()),
            job_creation_time: just_before_the_prior_hour(),
            last_schedule_time: Some(just_before_the_hour()),
            now: just_before_the_next_hour() + secs(SHORT_DEAD + 1),
            expected_requeue: Some(hours(1) - secs(SHORT_DEAD + 1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "with @every schedule, still active, not time",
            concurrency_policy: ALLOW,
            schedule: EVERY_HOUR,
            ran_previously: true,
            still_active: true,
            cronjob_creation_time: Some(just_before_the_prior_hour()),
            job_creation_time: just_before_the_hour(),
            last_schedule_time: Some(just_before_the_hour()),
            now: top_of_the_hour(),
            expect_active: 1,
            expected_requeue: Some(hours(1) - mins(1) + d),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "with @every schedule, still active, is time",
            concurrency_policy: ALLOW,
            schedule: EVERY_HOUR,
            ran_previously: true,
            still_active: true,
            cronjob_creation_time: Some(just_before_the_prior_hour()),
            job_creation_time: just_before_the_prior_hour(),
            last_schedule_time: Some(just_before_the_prior_hour()),
            now: just_after_the_hour(),
            expect_create: true,
            expect_active: 2,
            expected_requeue: Some(hours(1) - mins(2) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "with @every schedule, still active, is time, past deadline",
            concurrency_policy: ALLOW,
            schedule: EVERY_HOUR,
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            still_active: true,
            cronjob_creation_time: Some(just_before_the_prior_hour()),
            job_creation_time: just_before_the_hour(),
            last_schedule_time: Some(just_before_the_hour()),
            now: just_before_the_next_hour() + secs(SHORT_DEAD + 1),
            expect_active: 1,
            expected_requeue: Some(hours(1) - secs(SHORT_DEAD + 1) + d),
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "with @every schedule, still active, is time, not past deadline",
            concurrency_policy: ALLOW,
            schedule: EVERY_HOUR,
            deadline: Some(LONG_DEAD),
            ran_previously: true,
            still_active: true,
            cronjob_creation_time: Some(just_before_the_prior_hour()),
            job_creation_time: just_before_the_hour(),
            last_schedule_time: Some(just_before_the_hour()),
            now: just_before_the_next_hour() + secs(SHORT_DEAD - 1),
            expect_create: true,
            expect_active: 2,
            expected_requeue: Some(hours(1) - secs(SHORT_DEAD - 1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        SyncCase {
            name: "with @every schedule, prev ran but done, long overdue, no deadline",
            concurrency_policy: ALLOW,
            schedule: EVERY_HOUR,
            ran_previously: true,
            cronjob_creation_time: Some(just_after_the_prior_hour()),
            last_schedule_time: Some(just_after_the_hour()),
            job_creation_time: just_after_the_prior_hour(),
            now: week_after_the_hour(),
            expect_create: true,
            expect_active: 1,
            expected_warnings: 1,
            expected_requeue: Some(mins(1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
        // Upstream's table says expectActive 1, which it never checks: nothing is created and
        // the only Job is finished, so its code leaves status.active empty.
        SyncCase {
            name: "with @every schedule, prev ran but done, long overdue, past deadline",
            concurrency_policy: ALLOW,
            schedule: EVERY_HOUR,
            deadline: Some(SHORT_DEAD),
            ran_previously: true,
            cronjob_creation_time: Some(just_after_the_prior_hour()),
            last_schedule_time: Some(just_after_the_hour()),
            job_creation_time: just_after_the_prior_hour(),
            now: week_after_the_hour() + mins(1) + secs(SHORT_DEAD + 1),
            expect_active: 0,
            expected_requeue: Some(hours(1) - secs(SHORT_DEAD + 1) + d),
            expect_update_status: true,
            job_present_in_cj_active_status: true,
            ..SyncCase::default()
        },
    ]
}

/// Runs one row the way upstream's loop does, with the whole reconcile ([`sync`]) in place of
/// `syncCronJob`: the fixture CronJob has no history limits, so the clean-up does nothing.
fn run_sync_case(tc: &SyncCase) -> Result<(), String> {
    let mut cj = cron_job();
    cj.spec.concurrency_policy = tc.concurrency_policy;
    cj.spec.suspend = tc.suspend;
    set_schedule(&mut cj, tc.schedule, tc.time_zone);
    cj.spec.starting_deadline_seconds = tc.deadline;

    let mut jc = FakeJobControl::default();
    let mut children = Vec::new();
    if tc.ran_previously {
        cj.creation_timestamp = tc
            .cronjob_creation_time
            .unwrap_or_else(just_before_the_prior_hour);
        cj.status.last_schedule_time = Some(
            tc.last_schedule_time
                .unwrap_or_else(just_after_the_prior_hour),
        );
        // getJobFromTemplate2(cj, jobCreationTime): named for, and created at, that time.
        let name = job_name(&cj.name, tc.job_creation_time);
        let id = jc.add(&name, true);
        if tc.still_active {
            if tc.job_present_in_cj_active_status {
                cj.status.active = vec![id];
            }
            children.push(running(id, &name));
        } else {
            children.push(ChildJob {
                finished: Some(Finished::Complete),
                completion_time: Some(tc.job_creation_time + secs(10)),
                ..running(id, &name)
            });
        }
        if tc.job_create_already_exists {
            jc.already_exists = Some(id);
        }
    } else {
        cj.creation_timestamp = tc
            .cronjob_creation_time
            .unwrap_or_else(just_before_the_hour);
        if tc.still_active {
            return Err("test setup error: this case makes no sense".into());
        }
    }

    let out = sync(&mut cj, &children, tc.now, &mut jc);
    let mut errors = Vec::new();
    if let Some(expected) = tc.expected_requeue {
        let got = out.requeue_at.map(|at| at.duration_since(tc.now));
        if got != Some(expected) {
            errors.push(format!("requeueAfter: expected {expected:?}, got {got:?}"));
        }
    }
    if out.update_status != tc.expect_update_status {
        errors.push(format!(
            "updateStatus: expected {}, got {}",
            tc.expect_update_status, out.update_status
        ));
    }
    if tc.ran_previously && !tc.still_active {
        let completion = tc.job_creation_time + secs(10);
        if cj.status.last_successful_time != Some(completion) {
            errors.push(format!(
                "lastSuccessfulTime: expected {completion}, got {:?}",
                cj.status.last_successful_time
            ));
        }
    }
    let creates = usize::from(tc.expect_create);
    if jc.created.len() != creates || out.created.is_some() != tc.expect_create {
        errors.push(format!(
            "expected {creates} job started, got {:?}",
            jc.created
        ));
    }
    let deletes = usize::from(tc.expect_delete);
    if out.deleted.len() != deletes {
        errors.push(format!(
            "expected {deletes} job deleted, got {:?}",
            out.deleted
        ));
    }
    let mut expected_events = creates + deletes + tc.expected_warnings;
    if tc.name == "still active, is time, F" {
        // The only row that records an event for not scheduling (JobAlreadyActive).
        expected_events += 1;
    }
    if out.events.len() != expected_events {
        errors.push(format!(
            "expected {expected_events} events, got {:?}",
            out.events
        ));
    }
    if warnings(&out) != tc.expected_warnings {
        errors.push(format!(
            "expected {} warnings, got {:?}",
            tc.expected_warnings, out.events
        ));
    }
    if cj.status.active.len() != tc.expect_active {
        errors.push(format!(
            "expected Active size {}, got {:?}",
            tc.expect_active, cj.status.active
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

fn check_all<T>(cases: &[T], name: impl Fn(&T) -> &str, run: impl Fn(&T) -> Result<(), String>) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|tc| run(tc).err().map(|e| format!("{}: {e}", name(tc))))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn test_controller_v2_sync_cron_job() {
    let cases = sync_cases();
    assert_eq!(cases.len(), 58);
    check_all(&cases, |tc| tc.name, run_sync_case);
}

// ---------------------------------------------------------------------------------------------
// cronjob_controllerv2_test.go: TestControllerV2CleanupFinishedJobs.

struct CleanupCase {
    name: &'static str,
    now: Timestamp,
    successful_jobs_history_limit: i32,
    /// (name, status.startTime) of Complete Jobs.
    finished_jobs: Vec<(&'static str, Timestamp)>,
    /// Upstream's `jobCreateError` (a quota error): the create does not happen.
    job_create_fails: bool,
    expected_deleted_jobs: Vec<&'static str>,
}

fn run_cleanup_case(tc: &CleanupCase) -> Result<(), String> {
    let mut cj = cron_job();
    cj.name = "fooer".into();
    // Upstream leaves metadata.creationTimestamp unset: Go's zero time.
    cj.creation_timestamp = ts("0001-01-01T00:00:00Z");
    set_schedule(&mut cj, ON_THE_HOUR, None);
    cj.spec.successful_jobs_history_limit = Some(tc.successful_jobs_history_limit);
    cj.status.last_schedule_time = Some(just_after_the_prior_hour());

    let mut jc = FakeJobControl::default();
    let children: Vec<ChildJob> = tc
        .finished_jobs
        .iter()
        .map(|&(name, start)| ChildJob {
            finished: Some(Finished::Complete),
            start_time: Some(start),
            ..running(jc.add(name, true), name)
        })
        .collect();
    if tc.job_create_fails {
        // jobsim's API fails a create only with AlreadyExists; one not owned by the CronJob
        // makes the sync stop there, as upstream's quota error does.
        jc.already_exists = Some(jc.add("someone-elses-job", false));
    }

    let out = sync(&mut cj, &children, tc.now, &mut jc);
    let mut deleted: Vec<String> = out.deleted.iter().map(|&id| jc.job_name(id)).collect();
    deleted.sort();
    let mut expected: Vec<String> = tc
        .expected_deleted_jobs
        .iter()
        .map(|s| s.to_string())
        .collect();
    expected.sort();
    if deleted != expected {
        return Err(format!(
            "expected '{expected:?}' jobs to be deleted, instead deleted '{deleted:?}'"
        ));
    }
    Ok(())
}

#[test]
fn test_controller_v2_cleanup_finished_jobs() {
    let cases = vec![
        CleanupCase {
            name: "jobs are still deleted when a cronjob can't create jobs due to jobs quota being reached (avoiding a deadlock)",
            now: just_after_the_hour(),
            successful_jobs_history_limit: 1,
            finished_jobs: vec![
                (
                    "finished-job-started-hour-ago",
                    just_before_the_prior_hour(),
                ),
                ("finished-job-started-minute-ago", just_before_the_hour()),
            ],
            job_create_fails: true,
            expected_deleted_jobs: vec!["finished-job-started-hour-ago"],
        },
        CleanupCase {
            name: "jobs are not deleted if history limit not reached",
            now: just_before_the_hour(),
            successful_jobs_history_limit: 2,
            finished_jobs: vec![(
                "finished-job-started-hour-ago",
                just_before_the_prior_hour(),
            )],
            job_create_fails: false,
            expected_deleted_jobs: vec![],
        },
    ];
    check_all(&cases, |tc| tc.name, run_cleanup_case);
}

// ---------------------------------------------------------------------------------------------
// cronjob_controllerv2_test.go: TestControllerV2JobAlreadyExistsButNotInActiveStatus and
// TestControllerV2JobAlreadyExistsButDifferentOwner.

/// The shared setup: Forbid, `@every 1h`, last scheduled just before the prior hour, nothing
/// active, synced just before the hour; the Job exists in the API server but not in the lister,
/// and the create fails with AlreadyExists.
fn already_exists_setup(owned: bool) -> (CronJob, FakeJobControl, JobId) {
    let mut cj = cron_job();
    cj.spec.concurrency_policy = FORBID;
    set_schedule(&mut cj, EVERY_HOUR, None);
    cj.status.last_schedule_time = Some(just_before_the_prior_hour());
    cj.status.active = vec![];
    let mut jc = FakeJobControl::default();
    let job = jc.add(&job_name(&cj.name, just_after_the_prior_hour()), owned);
    jc.already_exists = Some(job);
    (cj, jc, job)
}

/// A Job created before a lost status update is added back to status.active.
#[test]
fn test_controller_v2_job_already_exists_but_not_in_active_status() {
    let (mut cj, mut jc, job) = already_exists_setup(true);
    let out = sync(&mut cj, &[], just_before_the_hour(), &mut jc);
    assert!(out.update_status, "expected 1 update to the cronjob");
    assert_eq!(cj.status.active, vec![job]);
    assert!(jc.created.is_empty());
}

/// A Job of that name owned by someone else is ignored.
#[test]
fn test_controller_v2_job_already_exists_but_different_owner() {
    let (mut cj, mut jc, _) = already_exists_setup(false);
    let before = cj.status.clone();
    let out = sync(&mut cj, &[], just_before_the_hour(), &mut jc);
    assert!(!out.update_status, "expected 0 updates to the cronjob");
    assert_eq!(cj.status, before);
    assert!(out.events.is_empty());
}

// ---------------------------------------------------------------------------------------------
// cronjob_controller_test.go (v1): TestCleanupFinishedJobs_DeleteOrNot.

/// `CleanupJobSpec`: start time, finished, successful, expect deleted, still in the active list
/// (only for finished Jobs; unfinished ones always are).
type CleanupJobSpec = (&'static str, bool, bool, bool, bool);

struct DeleteOrNotCase {
    name: &'static str,
    job_specs: Vec<CleanupJobSpec>,
    successful_jobs_history_limit: Option<i32>,
    failed_jobs_history_limit: Option<i32>,
    expect_active: usize,
}

fn run_delete_or_not_case(tc: &DeleteOrNotCase) -> Result<(), String> {
    let mut cj = cron_job();
    cj.spec.concurrency_policy = FORBID;
    set_schedule(&mut cj, ON_THE_HOUR, None);
    cj.spec.successful_jobs_history_limit = tc.successful_jobs_history_limit;
    cj.spec.failed_jobs_history_limit = tc.failed_jobs_history_limit;
    let first = ts(tc.job_specs[0].0);
    let last = ts(tc.job_specs[tc.job_specs.len() - 1].0);
    cj.creation_timestamp = first;
    cj.status.last_schedule_time = Some(last);

    let mut jc = FakeJobControl::default();
    let mut children = Vec::new();
    let mut to_delete = Vec::new();
    for &(start, is_finished, is_successful, expect_delete, still_in_active) in &tc.job_specs {
        // getJobFromTemplate names the Job for the time and sets no status.startTime, so the
        // history is ordered by name, which here is the order of the times.
        let name = job_name(&cj.name, ts(start));
        let id = jc.add(&name, true);
        let finished = if is_finished {
            if still_in_active {
                cj.status.active.push(id);
            }
            Some(if is_successful {
                Finished::Complete
            } else {
                Finished::Failed
            })
        } else {
            if is_successful || still_in_active {
                return Err("test setup error: this case makes no sense".into());
            }
            cj.status.active.push(id);
            None
        };
        children.push(ChildJob {
            finished,
            ..running(id, &name)
        });
        if expect_delete {
            to_delete.push(id);
        }
    }
    let active_before = cj.status.active.clone();

    // justBeforeTheHour: the next activation (10:00) is not due, so the sync creates nothing.
    let out = sync(&mut cj, &children, just_before_the_hour(), &mut jc);
    let mut deleted = out.deleted.clone();
    deleted.sort();
    if deleted != to_delete {
        return Err(format!(
            "expected jobs {to_delete:?} deleted, actually {deleted:?}"
        ));
    }
    let delete_events = out
        .events
        .iter()
        .filter(|e| e.reason == "SuccessfulDelete")
        .count();
    if delete_events != to_delete.len() {
        return Err(format!(
            "expected {} events, actually {:?}",
            to_delete.len(),
            out.events
        ));
    }
    // Upstream reads status.active right after the clean-up, which only drops the deleted Jobs;
    // jobsim's sync goes on to drop the finished ones too (SawCompletedJob).
    let after_cleanup = active_before
        .iter()
        .filter(|id| !out.deleted.contains(id))
        .count();
    if after_cleanup != tc.expect_active {
        return Err(format!(
            "expected Active size {}, got {after_cleanup}",
            tc.expect_active
        ));
    }
    let unfinished: Vec<JobId> = children
        .iter()
        .filter(|j| j.finished.is_none())
        .map(|j| j.id)
        .collect();
    if cj.status.active != unfinished {
        return Err(format!(
            "after the sync, expected the unfinished jobs {unfinished:?} active, got {:?}",
            cj.status.active
        ));
    }
    Ok(())
}

#[test]
fn test_cleanup_finished_jobs_delete_or_not() {
    const T: bool = true;
    const F: bool = false;
    let hours = [
        "2016-05-19T04:00:00Z",
        "2016-05-19T05:00:00Z",
        "2016-05-19T06:00:00Z",
        "2016-05-19T07:00:00Z",
        "2016-05-19T08:00:00Z",
        "2016-05-19T09:00:00Z",
    ];
    let specs = |flags: [(bool, bool, bool, bool); 6]| -> Vec<CleanupJobSpec> {
        hours
            .iter()
            .zip(flags)
            .map(|(&h, (a, b, c, d))| (h, a, b, c, d))
            .collect()
    };
    let cases = vec![
        DeleteOrNotCase {
            name: "success. job limit reached",
            job_specs: specs([
                (T, T, T, F),
                (T, T, T, F),
                (T, T, F, F),
                (T, T, F, F),
                (F, F, F, F),
                (T, F, F, F),
            ]),
            successful_jobs_history_limit: Some(2),
            failed_jobs_history_limit: Some(1),
            expect_active: 1,
        },
        DeleteOrNotCase {
            name: "success. jobs not processed by Sync yet",
            job_specs: specs([
                (T, T, T, F),
                (T, T, T, T),
                (T, T, F, T),
                (T, T, F, T),
                (F, F, F, F),
                (T, F, F, T),
            ]),
            successful_jobs_history_limit: Some(2),
            failed_jobs_history_limit: Some(1),
            expect_active: 4,
        },
        DeleteOrNotCase {
            name: "failed job limit reached",
            job_specs: specs([
                (T, F, T, F),
                (T, F, T, F),
                (T, T, F, F),
                (T, T, F, F),
                (T, F, F, F),
                (T, F, F, F),
            ]),
            successful_jobs_history_limit: Some(2),
            failed_jobs_history_limit: Some(2),
            expect_active: 0,
        },
        DeleteOrNotCase {
            name: "success. job limit set to zero",
            job_specs: specs([
                (T, T, T, F),
                (T, F, T, F),
                (T, T, T, F),
                (T, T, T, F),
                (F, F, F, F),
                (T, F, F, F),
            ]),
            successful_jobs_history_limit: Some(0),
            failed_jobs_history_limit: Some(1),
            expect_active: 1,
        },
        DeleteOrNotCase {
            name: "failed job limit set to zero",
            job_specs: specs([
                (T, T, F, F),
                (T, F, T, F),
                (T, T, F, F),
                (T, T, F, F),
                (F, F, F, F),
                (T, F, T, F),
            ]),
            successful_jobs_history_limit: Some(3),
            failed_jobs_history_limit: Some(0),
            expect_active: 1,
        },
        DeleteOrNotCase {
            name: "no limits reached",
            job_specs: specs([
                (T, T, F, F),
                (T, F, F, F),
                (T, T, F, F),
                (T, T, F, F),
                (T, F, F, F),
                (T, F, F, F),
            ]),
            successful_jobs_history_limit: Some(3),
            failed_jobs_history_limit: Some(3),
            expect_active: 0,
        },
        // Triggers the short-circuit.
        DeleteOrNotCase {
            name: "limits disabled",
            job_specs: specs([
                (T, T, F, F),
                (T, F, F, F),
                (T, T, F, F),
                (T, T, F, F),
                (T, F, F, F),
                (T, F, F, F),
            ]),
            successful_jobs_history_limit: None,
            failed_jobs_history_limit: None,
            expect_active: 0,
        },
        DeleteOrNotCase {
            name: "success limit disabled",
            job_specs: specs([
                (T, T, F, F),
                (T, F, F, F),
                (T, T, F, F),
                (T, T, F, F),
                (T, F, F, F),
                (T, F, F, F),
            ]),
            successful_jobs_history_limit: None,
            failed_jobs_history_limit: Some(3),
            expect_active: 0,
        },
        DeleteOrNotCase {
            name: "failure limit disabled",
            job_specs: specs([
                (T, T, F, F),
                (T, F, F, F),
                (T, T, F, F),
                (T, T, F, F),
                (T, F, F, F),
                (T, F, F, F),
            ]),
            successful_jobs_history_limit: Some(3),
            failed_jobs_history_limit: None,
            expect_active: 0,
        },
        DeleteOrNotCase {
            name: "no limits reached because still active",
            job_specs: specs([
                (F, F, F, F),
                (F, F, F, F),
                (F, F, F, F),
                (F, F, F, F),
                (F, F, F, F),
                (F, F, F, F),
            ]),
            successful_jobs_history_limit: Some(0),
            failed_jobs_history_limit: Some(0),
            expect_active: 6,
        },
    ];
    check_all(&cases, |tc| tc.name, run_delete_or_not_case);
}

// ---------------------------------------------------------------------------------------------
// cronjob_controller_test.go (v1): TestSyncOne_Status. The v1 controller's syncOne made the
// decisions v2's syncCronJob makes about the Jobs it sees: a finished Job still listed as active
// (SawCompletedJob), an unfinished Job it did not list (UnexpectedJob) and a listed Job that is
// gone (MissingJob). Upstream's v1 count of UpdateStatus calls (one per sync, two with a create)
// becomes v2's `updateStatus`, which is set by exactly those changes: a create, a finished Job
// leaving the active list, a missing one leaving it.

struct StatusCase {
    name: &'static str,
    concurrency_policy: ConcurrencyPolicy,
    suspend: bool,
    deadline: Option<i64>,
    ran_previously: bool,
    has_finished_job: bool,
    now: Timestamp,
    has_unexpected_job: bool,
    has_missing_job: bool,
    expect_create: bool,
    expect_delete: bool,
}

#[allow(clippy::too_many_arguments)]
fn status_case(
    name: &'static str,
    concurrency_policy: ConcurrencyPolicy,
    suspend: bool,
    deadline: Option<i64>,
    ran_previously: bool,
    has_finished_job: bool,
    now: Timestamp,
    has_unexpected_job: bool,
    has_missing_job: bool,
    expect_create: bool,
    expect_delete: bool,
) -> StatusCase {
    StatusCase {
        name,
        concurrency_policy,
        suspend,
        deadline,
        ran_previously,
        has_finished_job,
        now,
        has_unexpected_job,
        has_missing_job,
        expect_create,
        expect_delete,
    }
}

fn run_status_case(tc: &StatusCase) -> Result<(), String> {
    let mut cj = cron_job();
    cj.spec.concurrency_policy = tc.concurrency_policy;
    cj.spec.suspend = tc.suspend;
    set_schedule(&mut cj, ON_THE_HOUR, None);
    cj.spec.starting_deadline_seconds = tc.deadline;
    if tc.ran_previously {
        cj.creation_timestamp = just_before_the_prior_hour();
        cj.status.last_schedule_time = Some(just_after_the_prior_hour());
    } else {
        if tc.has_finished_job || tc.has_unexpected_job || tc.has_missing_job {
            return Err("test setup error: this case makes no sense".into());
        }
        cj.creation_timestamp = just_before_the_hour();
    }
    // newJob(uid): three Jobs named "foobar", told apart by id.
    let mut jc = FakeJobControl::default();
    let finished_job = jc.add("foobar", true);
    let unexpected_job = jc.add("foobar", true);
    let missing_job = jc.add("foobar", true);
    let mut jobs = Vec::new();
    if tc.has_finished_job {
        cj.status.active = vec![finished_job];
        jobs.push(ChildJob {
            finished: Some(Finished::Complete),
            ..running(finished_job, "foobar")
        });
    }
    if tc.has_unexpected_job {
        jobs.push(running(unexpected_job, "foobar"));
    }
    if tc.has_missing_job {
        cj.status.active.push(missing_job);
    }

    let out = sync(&mut cj, &jobs, tc.now, &mut jc);
    let mut errors = Vec::new();
    let expected_events = usize::from(tc.expect_create)
        + usize::from(tc.expect_delete)
        + usize::from(tc.has_finished_job)
        + usize::from(tc.has_unexpected_job)
        + usize::from(tc.has_missing_job);
    if out.events.len() != expected_events {
        errors.push(format!(
            "expected {expected_events} events, actually {:?}",
            out.events
        ));
    }
    let update_status = tc.expect_create || tc.has_finished_job || tc.has_missing_job;
    if out.update_status != update_status {
        errors.push(format!(
            "expected updateStatus {update_status}, actually {}",
            out.update_status
        ));
    }
    if out.created.is_some() != tc.expect_create
        || out.deleted.len() != usize::from(tc.expect_delete)
    {
        errors.push(format!(
            "expected create {} delete {}, actually {:?} {:?}",
            tc.expect_create, tc.expect_delete, out.created, out.deleted
        ));
    }
    for (present, id, what) in [
        (
            tc.has_finished_job,
            finished_job,
            "finished job removed from",
        ),
        (
            tc.has_unexpected_job,
            unexpected_job,
            "unexpected job not added to",
        ),
        (tc.has_missing_job, missing_job, "missing job removed from"),
    ] {
        if present && cj.status.active.contains(&id) {
            errors.push(format!(
                "expected {what} active list, actually active list = {:?}",
                cj.status.active
            ));
        }
    }
    if tc.expect_create && cj.status.last_schedule_time != Some(top_of_the_hour()) {
        errors.push(format!(
            "expected LastScheduleTime updated to {}, got {:?}",
            top_of_the_hour(),
            cj.status.last_schedule_time
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

#[test]
fn test_sync_one_status() {
    const T: bool = true;
    const F: bool = false;
    let (a, f, r) = (ALLOW, FORBID, REPLACE);
    let (no, short, long) = (None, Some(SHORT_DEAD), Some(LONG_DEAD));
    let before = just_before_the_hour();
    let after = just_after_the_hour();
    let c = status_case;
    #[rustfmt::skip]
    let cases = vec![
        c("never ran, not time, A", a, F, no, F, F, before, F, F, F, F),
        c("never ran, not time, F", f, F, no, F, F, before, F, F, F, F),
        c("never ran, not time, R", r, F, no, F, F, before, F, F, F, F),
        c("never ran, is time, A", a, F, no, F, F, after, F, F, T, F),
        c("never ran, is time, F", f, F, no, F, F, after, F, F, T, F),
        c("never ran, is time, R", r, F, no, F, F, after, F, F, T, F),
        c("never ran, is time, suspended", a, T, no, F, F, after, F, F, F, F),
        c("never ran, is time, past deadline", a, F, short, F, F, after, F, F, F, F),
        c("never ran, is time, not past deadline", a, F, long, F, F, after, F, F, T, F),

        c("prev ran but done, not time, A", a, F, no, T, F, before, F, F, F, F),
        c("prev ran but done, not time, finished job, A", a, F, no, T, T, before, F, F, F, F),
        c("prev ran but done, not time, unexpected job, A", a, F, no, T, F, before, T, F, F, F),
        c("prev ran but done, not time, missing job, A", a, F, no, T, F, before, F, T, F, F),
        c("prev ran but done, not time, missing job, unexpected job, A", a, F, no, T, F, before, T, T, F, F),
        c("prev ran but done, not time, finished job, unexpected job, A", a, F, no, T, T, before, T, F, F, F),
        c("prev ran but done, not time, finished job, missing job, A", a, F, no, T, T, before, F, T, F, F),
        c("prev ran but done, not time, finished job, missing job, unexpected job, A", a, F, no, T, T, before, T, T, F, F),
        c("prev ran but done, not time, finished job, F", f, F, no, T, T, before, F, F, F, F),
        c("prev ran but done, not time, missing job, F", f, F, no, T, F, before, F, T, F, F),
        c("prev ran but done, not time, finished job, missing job, F", f, F, no, T, T, before, F, T, F, F),
        c("prev ran but done, not time, unexpected job, R", r, F, no, T, F, before, T, F, F, F),

        c("prev ran but done, is time, A", a, F, no, T, F, after, F, F, T, F),
        c("prev ran but done, is time, finished job, A", a, F, no, T, T, after, F, F, T, F),
        c("prev ran but done, is time, unexpected job, A", a, F, no, T, F, after, T, F, T, F),
        c("prev ran but done, is time, finished job, unexpected job, A", a, F, no, T, T, after, T, F, T, F),
        c("prev ran but done, is time, F", f, F, no, T, F, after, F, F, T, F),
        c("prev ran but done, is time, finished job, F", f, F, no, T, T, after, F, F, T, F),
        c("prev ran but done, is time, unexpected job, F", f, F, no, T, F, after, T, F, T, F),
        c("prev ran but done, is time, finished job, unexpected job, F", f, F, no, T, T, after, T, F, T, F),
        c("prev ran but done, is time, R", r, F, no, T, F, after, F, F, T, F),
        c("prev ran but done, is time, finished job, R", r, F, no, T, T, after, F, F, T, F),
        c("prev ran but done, is time, unexpected job, R", r, F, no, T, F, after, T, F, T, F),
        c("prev ran but done, is time, finished job, unexpected job, R", r, F, no, T, T, after, T, F, T, F),
        c("prev ran but done, is time, suspended", a, T, no, T, F, after, F, F, F, F),
        c("prev ran but done, is time, finished job, suspended", a, T, no, T, T, after, F, F, F, F),
        c("prev ran but done, is time, unexpected job, suspended", a, T, no, T, F, after, T, F, F, F),
        c("prev ran but done, is time, finished job, unexpected job, suspended", a, T, no, T, T, after, T, F, F, F),
        c("prev ran but done, is time, past deadline", a, F, short, T, F, after, F, F, F, F),
        c("prev ran but done, is time, finished job, past deadline", a, F, short, T, T, after, F, F, F, F),
        c("prev ran but done, is time, unexpected job, past deadline", a, F, short, T, F, after, T, F, F, F),
        c("prev ran but done, is time, finished job, unexpected job, past deadline", a, F, short, T, T, after, T, F, F, F),
        c("prev ran but done, is time, not past deadline", a, F, long, T, F, after, F, F, T, F),
        c("prev ran but done, is time, finished job, not past deadline", a, F, long, T, T, after, F, F, T, F),
        c("prev ran but done, is time, unexpected job, not past deadline", a, F, long, T, F, after, T, F, T, F),
        c("prev ran but done, is time, finished job, unexpected job, not past deadline", a, F, long, T, T, after, T, F, T, F),
    ];
    assert_eq!(cases.len(), 45);
    check_all(&cases, |tc| tc.name, run_status_case);
}

// ---------------------------------------------------------------------------------------------
// utils_test.go: TestByJobStartTime, through the clean-up's deletion order (limit 0 deletes
// every finished Job, oldest first).

#[test]
fn test_by_job_start_time() {
    let now = ts("2018-01-01T02:03:04.000000005Z");
    let later = ts("2019-01-01T02:03:04.000000005Z");
    // (name, status.startTime)
    type J = (&'static str, Option<Timestamp>);
    let a_nil: J = ("a", None);
    let b_nil: J = ("b", None);
    let a_set: J = ("a", Some(now));
    let b_set: J = ("b", Some(now));
    let a_set_later: J = ("a", Some(later));
    let cases: Vec<(&str, Vec<J>, Vec<J>)> = vec![
        (
            "both have nil start times",
            vec![b_nil, a_nil],
            vec![a_nil, b_nil],
        ),
        (
            "only the first has a nil start time",
            vec![a_nil, b_set],
            vec![b_set, a_nil],
        ),
        (
            "only the second has a nil start time",
            vec![a_set, b_nil],
            vec![a_set, b_nil],
        ),
        (
            "both have non-nil, equal start time",
            vec![b_set, a_set],
            vec![a_set, b_set],
        ),
        (
            "both have non-nil, different start time",
            vec![a_set_later, b_set],
            vec![b_set, a_set_later],
        ),
    ];
    check_all(
        &cases,
        |tc| tc.0,
        |(_, input, expected)| {
            let mut cj = cron_job();
            cj.spec.successful_jobs_history_limit = Some(0);
            cj.spec.failed_jobs_history_limit = Some(0);
            let mut jc = FakeJobControl::default();
            let children: Vec<ChildJob> = input
                .iter()
                .map(|&(name, start)| ChildJob {
                    finished: Some(Finished::Complete),
                    start_time: start,
                    ..running(jc.add(name, true), name)
                })
                .collect();
            let now = cj.creation_timestamp;
            let out = sync(&mut cj, &children, now, &mut jc);
            let got: Vec<J> = out
                .deleted
                .iter()
                .map(|id| {
                    let j = children.iter().find(|j| j.id == *id).unwrap();
                    (input[id.idx()].0, j.start_time)
                })
                .collect();
            if &got != expected {
                return Err(format!("jobs not sorted as expected: {got:?}"));
            }
            Ok(())
        },
    );
}
