//! Invariants over generated scenarios (proptest, bounded case count).

use jobsim::api::job::JobConditionType;
use jobsim::api::pod::PodPhase;
use jobsim::input::load::{LoadOptions, load};
use jobsim::sim::{Collect, RunLimits, World};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Gen {
    nodes: u32,
    node_cpu: u32,
    pod_cpu_m: u32,
    parallelism: u32,
    completions: Option<u32>,
    indexed: bool,
    backoff_limit: u32,
    p_fail: f64,
    on_failure: bool,
    mean_s: u32,
    seed: u64,
}

fn scenarios() -> impl Strategy<Value = Gen> {
    (
        1u32..4,
        1u32..5,
        prop_oneof![Just(100u32), Just(500), Just(1000), Just(1500)],
        1u32..12,
        prop::option::of(0u32..30),
        any::<bool>(),
        0u32..5,
        prop_oneof![Just(0.0), Just(0.1), Just(0.4), Just(0.9)],
        any::<bool>(),
        1u32..60,
        any::<u64>(),
    )
        .prop_map(
            |(
                nodes,
                node_cpu,
                pod_cpu_m,
                parallelism,
                completions,
                indexed,
                backoff_limit,
                p_fail,
                on_failure,
                mean_s,
                seed,
            )| Gen {
                nodes,
                node_cpu,
                pod_cpu_m,
                parallelism,
                completions: if indexed {
                    Some(completions.unwrap_or(5).max(1))
                } else {
                    completions
                },
                indexed,
                backoff_limit,
                p_fail,
                on_failure,
                mean_s,
                seed,
            },
        )
}

fn yaml(g: &Gen) -> String {
    format!(
        "apiVersion: jobsim.dev/v1alpha1
kind: Scenario
spec:
  seed: {seed}
  cluster:
    nodePools:
    - {{name: n, count: {nodes}, allocatable: {{cpu: \"{cpu}\", memory: 8Gi}}}}
  timing:
    podStartup: {{uniform: {{min: 0s, max: 2s}}}}
  jobs:
  - name: j
    pods:
      runTime: {{exponential: {{mean: {mean}s}}}}
      failure: {{probability: {p}, exitCode: 2}}
---
apiVersion: batch/v1
kind: Job
metadata: {{name: j}}
spec:
  parallelism: {par}
{completions}{mode}  backoffLimit: {bl}
  template:
    spec:
      containers:
      - name: c
        image: busybox:1
        resources:
          requests: {{cpu: {pcpu}m, memory: 100Mi}}
      restartPolicy: {rp}
",
        seed = g.seed,
        nodes = g.nodes,
        cpu = g.node_cpu,
        mean = g.mean_s,
        p = g.p_fail,
        par = g.parallelism,
        completions = g
            .completions
            .map(|c| format!("  completions: {c}\n"))
            .unwrap_or_default(),
        mode = if g.indexed {
            "  completionMode: Indexed\n"
        } else {
            ""
        },
        bl = g.backoff_limit,
        pcpu = g.pod_cpu_m,
        rp = if g.on_failure { "OnFailure" } else { "Never" },
    )
}

fn world(g: &Gen) -> World {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.yaml");
    std::fs::write(&p, yaml(g)).unwrap();
    let loaded = load(&[p], &LoadOptions::default()).expect("generated input is valid");
    World::new(loaded.config)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Between any two events: time never goes backwards, active pods never exceed
    /// parallelism, no node is over-committed, the Job's counters match its pods. At the
    /// end: every created pod is reported exactly once, as succeeded, failed or still live.
    #[test]
    fn invariants_hold_at_every_event(g in scenarios()) {
        let mut w = world(&g);
        let mut obs = Collect::default();
        let limits = RunLimits { max_events: 200_000, ..RunLimits::default() };
        let mut last = w.now;
        while w.step(&mut obs, limits).expect("within limits") {
            prop_assert!(w.now >= last, "time went backwards");
            last = w.now;
            w.check_invariants();
            let j = &w.jobs[0];
            prop_assert!(j.counts.active <= j.spec.parallelism, "active {} > parallelism", j.counts.active);
            if let Some(c) = j.spec.completions {
                prop_assert!(j.status.succeeded <= c.max(0) || !j.spec.is_indexed());
            }
        }
        let outcome = w.finish(&mut obs).unwrap();
        let job = &w.jobs[0];
        prop_assert_eq!(obs.pods.len() as u64, job.stats.pods_created);
        prop_assert_eq!(outcome.stats.pods_created, job.stats.pods_created);
        let live = w.pods.live();
        // Reported once each: terminal, deleted before it ever ran (its object went away while
        // Pending), or still live at the end.
        let ended = obs
            .pods
            .iter()
            .filter(|p| matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed) || p.deleted.is_some())
            .count();
        prop_assert_eq!(ended + live, obs.pods.len());
        // A finished Job has no active pods, and Complete and Failed never both.
        if job.status.is_finished() {
            prop_assert_eq!(job.status.active, 0);
            prop_assert_eq!(live, 0, "pods left after the Job finished");
        }
        prop_assert!(!(job.status.has_true(JobConditionType::Complete) && job.status.has_true(JobConditionType::Failed)));
        // Counted failures never exceed failed pods.
        let failed_pods = obs.pods.iter().filter(|p| p.phase == PodPhase::Failed).count() as i32;
        prop_assert!(job.status.failed <= failed_pods + job.stats.pods_created as i32);
        // Without failures everything completes.
        if g.p_fail == 0.0 && g.completions.is_some() && g.pod_cpu_m <= g.node_cpu * 1000 {
            prop_assert!(job.status.has_true(JobConditionType::Complete), "{:?}", job.status);
        }
    }

    /// The same seed gives the same run; the pending-index bookkeeping of Indexed Jobs
    /// matches a recomputation from scratch at the end.
    #[test]
    fn runs_are_deterministic(g in scenarios()) {
        let run = |g: &Gen| {
            let mut w = world(g);
            let mut obs = Collect::default();
            let limits = RunLimits { max_events: 200_000, ..RunLimits::default() };
            let out = w.run(&mut obs, limits).expect("within limits");
            (out.end_time, out.stats.events, obs.pods, obs.events)
        };
        prop_assert_eq!(run(&g), run(&g));
    }
}
