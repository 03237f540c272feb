//! Invariants of shared clusters over generated scenarios (proptest, bounded case count):
//! CronJobs with every concurrency policy, deadlines and history limits, arrivals, and a
//! ResourceQuota, on a cluster too small for all of them.

use jobsim::api::job::JobConditionType;
use jobsim::controllers::cronjob::controller::ConcurrencyPolicy;
use jobsim::sim::{Collect, RunLimits, World};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Gen {
    schedule: &'static str,
    policy: &'static str,
    deadline: Option<u32>,
    successful_limit: u32,
    failed_limit: u32,
    run_minutes: u32,
    parallelism: u32,
    p_fail: f64,
    nodes: u32,
    quota_cpu: Option<u32>,
    quota_jobs: Option<u32>,
    arrivals_mean_minutes: Option<u32>,
    seed: u64,
}

fn gens() -> impl Strategy<Value = Gen> {
    (
        prop_oneof![
            Just("*/5 * * * *"),
            Just("*/7 * * * *"),
            Just("@hourly"),
            Just("@every 13m"),
            Just("0,20,40 * * * *"),
        ],
        prop_oneof![Just("Allow"), Just("Forbid"), Just("Replace")],
        prop::option::of(0u32..600),
        0u32..4,
        0u32..3,
        1u32..30,
        1u32..5,
        prop_oneof![Just(0.0), Just(0.2)],
        (
            1u32..4,
            prop::option::of(1u32..8),
            prop::option::of(1u32..6),
            prop::option::of(5u32..40),
            any::<u64>(),
        ),
    )
        .prop_map(
            |(
                schedule,
                policy,
                deadline,
                successful_limit,
                failed_limit,
                run_minutes,
                parallelism,
                p_fail,
                (nodes, quota_cpu, quota_jobs, arrivals_mean_minutes, seed),
            )| Gen {
                schedule,
                policy,
                deadline,
                successful_limit,
                failed_limit,
                run_minutes,
                parallelism,
                p_fail,
                nodes,
                quota_cpu,
                quota_jobs,
                arrivals_mean_minutes,
                seed,
            },
        )
}

fn yaml(g: &Gen) -> String {
    let deadline = g
        .deadline
        .map(|d| format!("  startingDeadlineSeconds: {d}\n"))
        .unwrap_or_default();
    let mut hard = String::new();
    if let Some(c) = g.quota_cpu {
        hard.push_str(&format!("    requests.cpu: \"{c}\"\n"));
    }
    if let Some(j) = g.quota_jobs {
        hard.push_str(&format!("    count/jobs.batch: \"{j}\"\n"));
    }
    let quota = if hard.is_empty() {
        String::new()
    } else {
        format!(
            "---\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: q\nspec:\n  hard:\n{hard}"
        )
    };
    let (arrivals, adhoc) = match g.arrivals_mean_minutes {
        Some(m) => (
            format!(
                "  arrivals:\n  - job: adhoc\n    interval: {{exponential: {{mean: {m}m}}}}\n"
            ),
            "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: adhoc\nspec:\n  completions: 3\n  parallelism: 2\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: busybox\n        resources:\n          requests: {cpu: \"1\"}\n".to_string(),
        ),
        None => (String::new(), String::new()),
    };
    format!(
        "apiVersion: jobsim.dev/v1alpha1
kind: Scenario
metadata:
  name: cron-props
spec:
  seed: {seed}
  duration: 3h
  cluster:
    nodePools:
    - name: n
      count: {nodes}
      allocatable: {{cpu: \"2\", memory: 8Gi}}
  defaults:
    pods:
      runTime: {{uniform: {{min: 1m, max: {run}m}}}}
      failure: {{probability: {p_fail}, exitCode: 1}}
{arrivals}---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: \"{schedule}\"
  concurrencyPolicy: {policy}
  successfulJobsHistoryLimit: {sl}
  failedJobsHistoryLimit: {fl}
{deadline}  jobTemplate:
    spec:
      completions: {par}
      parallelism: {par}
      backoffLimit: 1
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: c
            image: busybox
            resources:
              requests: {{cpu: \"1\"}}
{quota}{adhoc}",
        seed = g.seed,
        nodes = g.nodes,
        run = g.run_minutes.max(2),
        p_fail = g.p_fail,
        schedule = g.schedule,
        policy = g.policy,
        sl = g.successful_limit,
        fl = g.failed_limit,
        par = g.parallelism,
    )
}

fn world(g: &Gen) -> World {
    crate::common::world_of(&yaml(g))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Between any two events: time never goes backwards, the cluster and the quotas hold
    /// (World::check_invariants), a CronJob's active list holds only live, unfinished Jobs
    /// it created, Forbid never has two active, no Job is created for a time after the
    /// simulated period. At the end: no more Jobs than activations, the history limits hold.
    #[test]
    fn cronjob_invariants_hold_at_every_event(g in gens()) {
        let mut w = world(&g);
        let mut obs = Collect::default();
        let limits = RunLimits { max_events: 300_000, ..RunLimits::default() };
        let mut last = w.now;
        while w.step(&mut obs, limits).expect("within limits") {
            prop_assert!(w.now >= last, "time went backwards");
            last = w.now;
            w.check_invariants();
            let c = &w.cronjobs[0];
            for id in &c.cron_job.status.active {
                let j = &w.jobs[id.idx()];
                prop_assert!(c.children.contains(id));
                prop_assert!(j.deleted_at.is_none(), "a deleted Job {} is active", j.name);
            }
            if c.cron_job.spec.concurrency_policy == ConcurrencyPolicy::Forbid {
                let running = c
                    .children
                    .iter()
                    .map(|id| &w.jobs[id.idx()])
                    .filter(|j| j.deleted_at.is_none() && !j.status.is_finished())
                    .count();
                prop_assert!(running <= 1, "Forbid with {running} Jobs running");
            }
        }
        let outcome = w.finish(&mut obs).unwrap();
        let s = jobsim::output::summary::CronJobSummary::of(&w, 0);
        let c = &w.cronjobs[0];
        prop_assert!(u64::from(s.jobs_created) <= s.activations);
        prop_assert_eq!(s.jobs_created as usize, c.children.len());
        for id in &c.children {
            let j = &w.jobs[id.idx()];
            prop_assert!(j.scheduled_at.unwrap() <= w.horizon.unwrap(), "{} after the period", j.name);
        }
        // History limits: after the last sync, at most `limit` finished Jobs of each kind
        // remain (the last one to finish may not have been cleaned up yet).
        let kept = |t| {
            c.children
                .iter()
                .map(|id| &w.jobs[id.idx()])
                .filter(|j| j.deleted_at.is_none() && j.status.has_true(t))
                .count() as u32
        };
        prop_assert!(kept(JobConditionType::Complete) <= g.successful_limit + 1);
        prop_assert!(kept(JobConditionType::Failed) <= g.failed_limit + 1);
        prop_assert_eq!(outcome.stats.pods_created as usize, obs.pods.len());
    }

    /// The same seed gives the same run.
    #[test]
    fn shared_cluster_runs_are_deterministic(g in gens()) {
        let run = |g: &Gen| {
            let mut w = world(g);
            let mut obs = Collect::default();
            let limits = RunLimits { max_events: 300_000, ..RunLimits::default() };
            let out = w.run(&mut obs, limits).expect("within limits");
            (out.end_time, out.stats.events, obs.pods, obs.events)
        };
        prop_assert_eq!(run(&g), run(&g));
    }
}
