//! Shared clusters: arrival processes, ResourceQuotas, and the input checks of both and of
//! CronJobs, with exact outcomes derived by hand.

use crate::common::{load_errors, run_yaml};

const ETL: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: etl
  namespace: etl
spec:
  completions: 6
  parallelism: 5
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
        resources:
          requests:
            cpu: 500m
            memory: 1Gi
";

fn quota(hard: &str) -> String {
    format!(
        "apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: etl
spec:
  hard:
{hard}"
    )
}

fn scenario(extra: &str) -> String {
    format!(
        "apiVersion: jobsim.dev/v1alpha1
kind: Scenario
metadata:
  name: shared
spec:
  jobs:
  - name: etl
    namespace: etl
    pods:
      runTime: 30s
{extra}"
    )
}

/// `pods: 3` against parallelism 5: three pods at 0 s, the fourth and fifth refused with the
/// API server's words; the Job retries on its rate-limited queue (and on its pods' events)
/// and gets the quota back when the first wave ends at 30 s: 61 s instead of 31 s.
#[test]
fn a_pod_quota_throttles_a_job() {
    let r = run_yaml(&format!(
        "{}---\n{}---\n{ETL}",
        scenario(""),
        quota("    pods: \"3\"\n")
    ));
    let job = r.job("etl");
    assert_eq!(job.status, "Complete");
    assert_eq!(job.finish_time, Some(61.0));
    let lines = r.event_lines();
    let refused: Vec<&(f64, String, String)> = lines
        .iter()
        .filter(|(_, reason, _)| reason == "FailedCreate")
        .collect();
    assert_eq!(refused[0].0, 0.0);
    assert!(
        refused[0].2.starts_with("Error creating: pods \"etl-")
            && refused[0].2.ends_with(
                "\" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=3, limited: pods=3"
            ),
        "{}",
        refused[0].2
    );
    // The batch of two (slow start 1, 2, 2) is refused together, then 1 s, 2 s, 4 s ... apart.
    let times: Vec<f64> = refused.iter().map(|(t, ..)| *t).collect();
    assert_eq!(times, vec![0.0, 0.0, 1.0, 2.0, 6.0, 14.0]);
    // Never more than three pods at once.
    let mut edges: Vec<(f64, i32)> = r
        .pods
        .iter()
        .flat_map(|p| {
            [
                (p.created.as_secs_f64(), 1),
                (p.finished.map_or(f64::MAX, |f| f.as_secs_f64()), -1),
            ]
        })
        .collect();
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let peak = edges
        .iter()
        .scan(0, |n, (_, d)| {
            *n += d;
            Some(*n)
        })
        .max();
    assert_eq!(peak, Some(3));
    let q = &r.world.quotas[0];
    assert_eq!(q.peak, vec![3]);
    assert_eq!(q.rejections, 6);
}

/// `requests.cpu: 2` with 500m pods fits four; a quota on memory refuses pods that do not
/// state a memory request at all.
#[test]
fn cpu_quotas_count_requests_and_demand_them() {
    let r = run_yaml(&format!(
        "{}---\n{}---\n{ETL}",
        scenario(""),
        quota("    requests.cpu: \"2\"\n")
    ));
    assert_eq!(r.world.quotas[0].peak, vec![2000]);
    let no_requests = ETL.replace(
        "        resources:\n          requests:\n            cpu: 500m\n            memory: 1Gi\n",
        "",
    );
    // Refused forever (the Job retries every 60 s at most): look at the first ten minutes.
    let w = crate::common::world_at(
        &format!(
            "{}---\n{}---\n{no_requests}",
            scenario(""),
            quota("    requests.memory: 4Gi\n")
        ),
        600.0,
    );
    assert_eq!(w.jobs[0].stats.pods_created, 0);
    assert!(!w.queue.is_empty(), "the Job keeps retrying");
    let q = &w.quotas[0];
    // Slow start: 1, then 1 per retry: 0, 1, 2 (pod informer), 4, 8, 16, 32, 64, 124, 184, ...
    assert!(q.rejections >= 10, "{}", q.rejections);
}

/// Arrivals at fixed times, and `count/jobs.batch: 2`: the third submission is refused while
/// two Jobs exist (finished Jobs count until deleted).
#[test]
fn job_count_quota_refuses_submissions() {
    let r = run_yaml(&format!(
        "{}  arrivals:\n  - job: etl\n    namespace: etl\n    times: [0s, 1m, 2m]\n---\n{}---\n{ETL}",
        scenario(""),
        quota("    count/jobs.batch: \"2\"\n")
    ));
    let names: Vec<&str> = r.world.jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names, vec!["etl-1", "etl-2"]);
    let a = &r.world.arrivals[0];
    assert_eq!(a.arrived, 3);
    assert_eq!(a.rejected.len(), 1);
    assert_eq!(
        a.rejected[0].2,
        "jobs.batch \"etl-3\" is forbidden: exceeded quota: compute, requested: count/jobs.batch=1, used: count/jobs.batch=2, limited: count/jobs.batch=2"
    );
}

/// A Poisson process: its arrival times come from its own stream, so they are the same
/// whatever else the scenario holds, and they change with the seed.
#[test]
fn poisson_arrivals_are_reproducible_and_independent() {
    let yaml = |seed: u32, extra_job: bool| {
        let other = if extra_job {
            "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: other\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: busybox\n"
        } else {
            ""
        };
        format!(
            "{}  seed: {seed}\n  duration: 6h\n  arrivals:\n  - job: etl\n    namespace: etl\n    interval: {{exponential: {{mean: 20m}}}}\n---\n{ETL}{other}",
            scenario("")
        )
    };
    let times = |r: &crate::common::Run| -> Vec<f64> {
        r.world
            .jobs
            .iter()
            .filter(|j| j.name.starts_with("etl-"))
            .map(|j| j.submit_at.as_secs_f64())
            .collect()
    };
    let a = times(&run_yaml(&yaml(1, false)));
    let b = times(&run_yaml(&yaml(1, true)));
    let c = times(&run_yaml(&yaml(2, false)));
    assert_eq!(a, b);
    assert_ne!(a, c);
    // About 18 in 6 h; all within the period and increasing.
    assert!((8..=30).contains(&a.len()), "{a:?}");
    assert!(a.windows(2).all(|w| w[0] <= w[1]) && a.iter().all(|&t| t <= 21600.0));
}

/// A CSV log of submissions, replayed with its Job names.
#[test]
fn a_csv_of_arrivals_replays() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("log.csv"),
        "time,name\n90,nightly-a\n1h,nightly-b\n30s,\n",
    )
    .unwrap();
    let text = format!(
        "{}  arrivals:\n  - job: etl\n    namespace: etl\n    csv: log.csv\n---\n{ETL}",
        scenario("")
    );
    std::fs::write(dir.path().join("s.yaml"), text).unwrap();
    let r = crate::common::run_files(&[dir.path().join("s.yaml")]);
    let jobs: Vec<(f64, &str)> = r
        .world
        .jobs
        .iter()
        .map(|j| (j.submit_at.as_secs_f64(), j.name.as_str()))
        .collect();
    assert_eq!(
        jobs,
        vec![(30.0, "etl-1"), (90.0, "nightly-a"), (3600.0, "nightly-b")]
    );
}

fn assert_error(text: &str, want: &str) {
    let errs = load_errors(text);
    assert!(
        errs.iter().any(|e| e.contains(want)),
        "expected {want:?} among {errs:#?}"
    );
}

const CRON: &str = "apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: \"0 * * * *\"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: c
            image: busybox
";

/// `ValidateCronJobCreate`, with the API server's paths and words.
#[test]
fn cronjobs_are_validated_as_the_api_server_does() {
    assert!(load_errors(CRON).is_empty());
    let with = |a: &str, b: &str| CRON.replace(a, b);
    assert_error(
        &with("\"0 * * * *\"", "\"0 * * *\""),
        "spec.schedule: Invalid value: \"0 * * *\": expected exactly 5 fields, found 4: [0 * * *]",
    );
    assert_error(
        &with("\"0 * * * *\"", "\"TZ=UTC 0 * * * *\""),
        "spec.schedule: Invalid value: \"TZ=UTC 0 * * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
    );
    assert_error(
        &with("  schedule:", "  timeZone: Mars/Olympus\n  schedule:"),
        "spec.timeZone: Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus",
    );
    assert_error(
        &with("  schedule:", "  concurrencyPolicy: Sometimes\n  schedule:"),
        "spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\"",
    );
    assert_error(
        &with("  schedule:", "  startingDeadlineSeconds: -5\n  schedule:"),
        "spec.startingDeadlineSeconds: Invalid value: -5: must be greater than or equal to 0",
    );
    assert_error(
        &with(
            "  schedule:",
            "  successfulJobsHistoryLimit: -1\n  schedule:",
        ),
        "spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
    );
    assert_error(
        &with("name: report", &format!("name: {}", "r".repeat(53))),
        "metadata.name: Invalid value:",
    );
    assert_error(
        &with("restartPolicy: Never", "restartPolicy: Always"),
        "spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"",
    );
    assert_error(
        &with("      template:", "      parallelism: -1\n      template:"),
        "spec.jobTemplate.spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
    );
}

/// ResourceQuota quantities and arrival definitions are checked.
#[test]
fn quotas_and_arrivals_are_checked() {
    let job = ETL;
    assert_error(
        &format!("{}---\n{job}", quota("    requests.cpu: lots\n")),
        "spec.hard: requests.cpu: Invalid value: \"lots\"",
    );
    assert_error(
        &format!(
            "{}  arrivals:\n  - job: nope\n    times: [1m]\n---\n{job}",
            scenario("")
        ),
        "spec.arrivals[0].job: no Job default/nope in the manifests",
    );
    assert_error(
        &format!(
            "{}  arrivals:\n  - job: etl\n    namespace: etl\n    times: [1m]\n    interval: 5m\n---\n{job}",
            scenario("")
        ),
        "spec.arrivals[0]: give exactly one of interval, times and csv",
    );
    assert_error(
        &format!(
            "{}  arrivals:\n  - job: etl\n    namespace: etl\n    csv: missing.csv\n---\n{job}",
            scenario("")
        ),
        "spec.arrivals[0].csv:",
    );
}

/// The autoscaler keeps running through quiet hours while a CronJob has runs to come: each
/// hourly run of 4 × 2-CPU pods on 2-CPU nodes scales the pool up, and it shrinks in
/// between (before, the loop stopped for good once no existing Job had work).
#[test]
fn the_autoscaler_serves_every_cronjob_run() {
    let r = run_yaml(
        "apiVersion: jobsim.dev/v1alpha1
kind: Scenario
metadata:
  name: cron-autoscale
spec:
  duration: 3h
  cluster:
    nodePools:
      - name: batch
        count: 1
        allocatable: {cpu: \"2\", memory: 16Gi}
        autoscaling: {minNodes: 1, maxNodes: 4, provisioningDelay: 60s}
  defaults:
    pods:
      runTime: 5m
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: \"@hourly\"
  jobTemplate:
    spec:
      completions: 4
      parallelism: 4
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: c
            image: busybox
            resources:
              requests: {cpu: \"2\", memory: 1Gi}
",
    );
    let c = jobsim::output::summary::CronJobSummary::of(&r.world, 0);
    assert_eq!(c.jobs_complete, 3);
    // Three nodes added for each of the three runs, and removed again in between.
    assert_eq!(r.world.autoscaler.nodes_added, 9);
    assert!(r.world.autoscaler.nodes_removed >= 6);
    // Every run has all four pods running at once: about 5 min + provisioning, not 20 min.
    assert!(
        c.duration_seconds.max.unwrap() < 600.0,
        "{:?}",
        c.duration_seconds
    );
}

/// Two processes copying the same Job draw different times and number their copies
/// together (no two Jobs share a name).
#[test]
fn two_processes_of_one_template_do_not_collide() {
    let r = run_yaml(&format!(
        "{}  duration: 4h\n  arrivals:\n  - job: etl\n    namespace: etl\n    interval: {{exponential: {{mean: 30m}}}}\n  - job: etl\n    namespace: etl\n    interval: {{exponential: {{mean: 30m}}}}\n---\n{ETL}",
        scenario("")
    ));
    let mut names: Vec<&str> = r.world.jobs.iter().map(|j| j.name.as_str()).collect();
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), n, "{names:?}");
    let (a, b) = (&r.world.arrivals[0], &r.world.arrivals[1]);
    assert!(a.arrived > 0 && b.arrived > 0);
    let times = |k: usize| -> Vec<f64> {
        r.world
            .jobs
            .iter()
            .map(|j| j.submit_at.as_secs_f64())
            .skip(k)
            .step_by(2)
            .collect()
    };
    assert_ne!(times(0), times(1));
}
