//! CronJobs in whole simulations: the controller creating, watching and deleting Jobs on
//! the simulated clock, with exact times derived by hand.

use crate::common::{Run, run_yaml};

/// A scenario with one CronJob: `cron_spec` is the indented CronJob `spec:` body without the
/// job template, `job_spec` the indented Job template `spec:` body, `scenario` extra indented
/// scenario spec lines.
fn cron(cron_spec: &str, job_spec: &str, run_time: &str, scenario: &str) -> String {
    format!(
        "apiVersion: jobsim.dev/v1alpha1
kind: Scenario
metadata:
  name: cron
spec:
{scenario}
  jobs:
  - name: report
    pods:
      runTime: {run_time}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
{cron_spec}
  jobTemplate:
    spec:
{job_spec}
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: report
            image: busybox
"
    )
}

/// `(time, reason, message)` of the CronJob's events.
fn cron_events(r: &Run) -> Vec<(f64, String, String)> {
    r.event_lines()
        .into_iter()
        .filter(|(_, reason, message)| {
            matches!(
                reason.as_str(),
                "SuccessfulCreate"
                    | "SawCompletedJob"
                    | "SuccessfulDelete"
                    | "JobAlreadyActive"
                    | "MissSchedule"
                    | "MissingJob"
                    | "TooManyMissedTimes"
            ) && !message.starts_with("Created pod")
                && !message.starts_with("Deleted pod")
        })
        .collect()
}

fn created_jobs(r: &Run) -> Vec<(f64, String)> {
    cron_events(r)
        .into_iter()
        .filter(|(_, reason, _)| reason == "SuccessfulCreate")
        .map(|(t, _, m)| (t, m.trim_start_matches("Created job ").to_string()))
        .collect()
}

/// Every minute from a Monday midnight for 5 minutes, 30 s pods: a Job 100 ms after each
/// activation (nextScheduleDelta), named after its minute; each finishes 31 s later (the
/// Job controller's 1 s batching), which wakes the CronJob at once.
#[test]
fn every_minute_creates_a_job_named_after_the_minute() {
    let r = run_yaml(&cron(
        "  schedule: \"* * * * *\"",
        "      backoffLimit: 0",
        "30s",
        "  duration: 5m",
    ));
    // 2026-01-05T00:01:00Z = 1767571260 s = 29459521 min.
    let want: Vec<(f64, String)> = (1..=5)
        .map(|m| (60.0 * m as f64 + 0.1, format!("report-{}", 29459520 + m)))
        .collect();
    assert_eq!(created_jobs(&r), want);
    let s = &r.world.cronjobs[0];
    assert_eq!(s.stats.jobs_created, 5);
    assert!(s.cron_job.status.active.is_empty());
    // The last Job finishes at 300.1 + 31 = 331.1; the run ends with the Job controller's
    // batched sync of that status update, 1 s later.
    assert_eq!(r.end, 332.1);
    let saw: Vec<f64> = cron_events(&r)
        .into_iter()
        .filter(|(_, reason, _)| reason == "SawCompletedJob")
        .map(|(t, ..)| t)
        .collect();
    assert_eq!(saw, vec![91.1, 151.1, 211.1, 271.1, 331.1]);
}

/// successfulJobsHistoryLimit 2: when the third Job completes, the oldest is deleted in the
/// same sync, before the controller notes the completion.
#[test]
fn history_limits_delete_the_oldest_finished_jobs() {
    let r = run_yaml(&cron(
        "  schedule: \"* * * * *\"\n  successfulJobsHistoryLimit: 2\n  failedJobsHistoryLimit: 0",
        "      backoffLimit: 0",
        "10s",
        "  duration: 4m",
    ));
    let deletes: Vec<(f64, String)> = cron_events(&r)
        .into_iter()
        .filter(|(_, reason, m)| reason == "SuccessfulDelete" && m.starts_with("Deleted job"))
        .map(|(t, _, m)| (t, m))
        .collect();
    assert_eq!(
        deletes,
        vec![
            (191.1, "Deleted job report-29459521".to_string()),
            (251.1, "Deleted job report-29459522".to_string()),
        ]
    );
    // The deleted Jobs are gone from `kubectl get jobs` but stay in summary.json.
    let table = jobsim::output::table::kubectl_get(&r.world, r.world.now);
    assert!(!table.contains("report-29459521"), "{table}");
    assert!(table.contains("report-29459523"), "{table}");
    assert_eq!(r.world.jobs.len(), 4);
    assert_eq!(r.world.cronjobs[0].stats.history_deleted, 2);
}

/// Forbid with 150 s pods every minute: the 2nd activation finds the 1st Job active
/// (JobAlreadyActive) and so does the 3rd; when the 1st Job finishes at 60.1 + 151 =
/// 211.1 the controller is woken, the most recent unmet activation (03:00) is still
/// unmet, and it starts late, at 211.1.
#[test]
fn forbid_skips_while_active_then_starts_the_latest_activation_late() {
    let r = run_yaml(&cron(
        "  schedule: \"* * * * *\"\n  concurrencyPolicy: Forbid",
        "      backoffLimit: 0",
        "150s",
        "  duration: 4m",
    ));
    assert_eq!(
        created_jobs(&r),
        vec![
            (60.1, "report-29459521".to_string()),
            (211.1, "report-29459523".to_string()),
        ]
    );
    let skipped: Vec<f64> = cron_events(&r)
        .into_iter()
        .filter(|(_, reason, _)| reason == "JobAlreadyActive")
        .map(|(t, ..)| t)
        .collect();
    // 04:00 (240 s) finds the late 03:00 Job active: skipped too (it is the horizon).
    assert_eq!(skipped, vec![120.1, 180.1, 240.1]);
    let s = &r.world.cronjobs[0].stats;
    assert_eq!((s.jobs_created, s.skipped_active), (2, 3));
}

/// Replace: each activation deletes the running Job and starts a new one.
#[test]
fn replace_deletes_the_active_job() {
    let r = run_yaml(&cron(
        "  schedule: \"* * * * *\"\n  concurrencyPolicy: Replace",
        "      backoffLimit: 0",
        "100s",
        "  duration: 3m",
    ));
    assert_eq!(created_jobs(&r).len(), 3);
    let lines = cron_events(&r);
    let at_120: Vec<&str> = lines
        .iter()
        .filter(|(t, ..)| *t == 120.1)
        .map(|(_, reason, _)| reason.as_str())
        .collect();
    assert_eq!(at_120, vec!["SuccessfulDelete", "SuccessfulCreate"]);
    let s = &r.world.cronjobs[0].stats;
    assert_eq!(s.replaced, 2);
    // Only the last Job completes.
    let complete: Vec<&str> = r
        .world
        .jobs
        .iter()
        .filter(|j| {
            j.status
                .has_true(jobsim::api::job::JobConditionType::Complete)
        })
        .map(|j| j.name.as_str())
        .collect();
    assert_eq!(complete, vec!["report-29459523"]);
}

/// startingDeadlineSeconds 30 with Forbid: an activation that waits past its deadline for
/// the active Job never starts. The deadline also bounds which activations the controller
/// considers (`mostRecentScheduleTime` starts at now − 30 s), so the late activation is
/// not even a candidate any more: no MissSchedule event, the run is simply skipped.
#[test]
fn starting_deadline_drops_a_late_activation() {
    let r = run_yaml(&cron(
        "  schedule: \"*/2 * * * *\"\n  concurrencyPolicy: Forbid\n  startingDeadlineSeconds: 30",
        "      backoffLimit: 0",
        "150s",
        "  duration: 6m",
    ));
    // 02:00 runs until 120.1 + 151 = 271.1; 04:00 (240) is skipped as active at 240.1,
    // and at 271.1 it is 31.1 s late. 06:00 (360) starts on time.
    assert_eq!(
        created_jobs(&r),
        vec![
            (120.1, "report-29459522".to_string()),
            (360.1, "report-29459526".to_string()),
        ]
    );
    let reasons: Vec<String> = cron_events(&r).into_iter().map(|(_, r, _)| r).collect();
    assert!(
        !reasons.contains(&"MissSchedule".to_string()),
        "{reasons:?}"
    );
    let c = jobsim::output::summary::CronJobSummary::of(&r.world, 0);
    assert_eq!(
        (c.activations, c.jobs_created, c.skipped_while_active),
        (3, 2, 1)
    );
}

/// A suspended CronJob starts nothing.
#[test]
fn suspend_starts_nothing() {
    let r = run_yaml(&cron(
        "  schedule: \"* * * * *\"\n  suspend: true",
        "      backoffLimit: 0",
        "10s",
        "  duration: 10m",
    ));
    assert!(created_jobs(&r).is_empty());
    assert_eq!(r.world.jobs.len(), 0);
}

/// timeZone: 09:00 in New York is 14:00 UTC in January; spec.startTime moves the clock.
#[test]
fn time_zones_place_the_activation() {
    let r = run_yaml(&cron(
        "  schedule: \"0 9 * * *\"\n  timeZone: America/New_York",
        "      backoffLimit: 0",
        "10s",
        "  startTime: \"2026-01-05T12:00:00Z\"\n  duration: 1d",
    ));
    // 14:00Z is 2 h after the start; 14:00Z = 1767621600 s = 29460360 min.
    assert_eq!(
        created_jobs(&r),
        vec![(7200.1, "report-29460360".to_string())]
    );
}

/// Days of hourly runs stay quick and exact: 7 days × 24 activations.
#[test]
fn a_week_of_hourly_runs() {
    let r = run_yaml(&cron(
        "  schedule: \"@hourly\"",
        "      completions: 3\n      parallelism: 3",
        "5m",
        "  duration: 7d",
    ));
    assert_eq!(r.world.cronjobs[0].stats.jobs_created, 7 * 24);
    let c = jobsim::output::summary::CronJobSummary::of(&r.world, 0);
    assert_eq!((c.jobs_complete, c.jobs_failed, c.active), (168, 0, 0));
    assert_eq!(c.start_delay_seconds.max, Some(0.1));
    assert_eq!(c.duration_seconds.p50, Some(301.1));
}

/// A simulated period longer than 30 days runs to its end with the default limits: the
/// default --max-sim-time is 30 days past the end of spec.duration (it was a flat 30 days,
/// which stopped this run with "work still pending").
#[test]
fn a_period_longer_than_thirty_days_needs_no_flag() {
    let r = run_yaml(&cron(
        "  schedule: \"@daily\"",
        "      completions: 1",
        "5m",
        "  duration: 45d",
    ));
    assert_eq!(r.world.cronjobs[0].stats.jobs_created, 45);
    let c = jobsim::output::summary::CronJobSummary::of(&r.world, 0);
    assert_eq!((c.jobs_complete, c.jobs_failed, c.active), (45, 0, 0));
    assert!(r.end > 44.0 * 86_400.0, "ended at {} s", r.end);
}

/// A Job whose ttlSecondsAfterFinished deletes it is no longer listed; the CronJob is woken
/// and carries on.
#[test]
fn a_job_deleted_by_its_ttl_wakes_the_cronjob() {
    let r = run_yaml(&cron(
        "  schedule: \"* * * * *\"",
        "      ttlSecondsAfterFinished: 0",
        "10s",
        "  duration: 3m",
    ));
    assert_eq!(created_jobs(&r).len(), 3);
    assert!(r.world.jobs.iter().all(|j| j.deleted_at.is_some()));
    let c = jobsim::output::summary::CronJobSummary::of(&r.world, 0);
    assert_eq!(c.jobs_complete, 3);
}

/// A completion deadline on the CronJob's entry is measured from each Job's scheduled
/// time: 30 s pods finish 31.1 s after it (100 ms requeue delta + 1 s sync batching).
#[test]
fn deadlines_are_measured_from_the_scheduled_time() {
    for (deadline, missed) in [("31s", 3), ("32s", 0)] {
        let r = run_yaml(&cron(
            "  schedule: \"* * * * *\"",
            "      backoffLimit: 0",
            &format!("30s\n    deadline: {deadline}"),
            "  duration: 3m",
        ));
        let c = jobsim::output::summary::CronJobSummary::of(&r.world, 0);
        assert_eq!(c.deadline_misses, missed, "deadline {deadline}");
        let j = jobsim::output::summary::JobSummary::of(&r.world.jobs[0], &r.world);
        assert_eq!(j.deadline_missed, Some(missed > 0));
    }
}
