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

/// A cluster with everything on: two Jobs of different priority, random node failures,
/// an autoscaled pool, image pulls, a rate-limited control plane.
#[derive(Debug, Clone)]
struct ClusterGen {
    nodes: u32,
    max_nodes: u32,
    ttf_mins: u32,
    parallelism: [u32; 2],
    pod_cpu: [u32; 2],
    rate_limited: bool,
    pull_s: u32,
    seed: u64,
}

fn clusters() -> impl Strategy<Value = ClusterGen> {
    (
        1u32..4,
        0u32..4,
        1u32..30,
        (1u32..10, 1u32..10),
        (1u32..4, 1u32..4),
        any::<bool>(),
        0u32..20,
        any::<u64>(),
    )
        .prop_map(
            |(nodes, extra, ttf_mins, (p0, p1), (c0, c1), rate_limited, pull_s, seed)| ClusterGen {
                nodes,
                max_nodes: nodes + extra,
                ttf_mins,
                parallelism: [p0, p1],
                pod_cpu: [c0, c1],
                rate_limited,
                pull_s,
                seed,
            },
        )
}

fn cluster_yaml(g: &ClusterGen) -> String {
    let job = |name: &str, class: &str, par: u32, cpu: u32| {
        format!(
            "---
apiVersion: batch/v1
kind: Job
metadata: {{name: {name}}}
spec:
  parallelism: {par}
  completions: {c}
  backoffLimit: 20
  template:
    spec:
      priorityClassName: {class}
      containers:
      - name: c
        image: registry.example.com/{name}:1
        resources:
          requests: {{cpu: \"{cpu}\", memory: 1Gi}}
      restartPolicy: Never
",
            c = par * 2
        )
    };
    format!(
        "apiVersion: jobsim.dev/v1alpha1
kind: Scenario
spec:
  seed: {seed}
  cluster:
    nodePools:
    - name: n
      count: {nodes}
      allocatable: {{cpu: \"4\", memory: 16Gi}}
      failures: {{timeToFailure: {{exponential: {{mean: {ttf}m}}}}, timeToRepair: {{uniform: {{min: 10s, max: 10m}}}}}}
      autoscaling: {{minNodes: {nodes}, maxNodes: {max}, provisioningDelay: {{uniform: {{min: 30s, max: 2m}}}}}}
{cp}  timing:
    podStartup: {{uniform: {{min: 0s, max: 3s}}}}
    imagePull: {{default: {pull}s}}
  jobs:
  - name: low
    pods: {{runTime: {{exponential: {{mean: 3m}}}}, shutdown: {{uniform: {{min: 0s, max: 40s}}}}}}
  - name: high
    submitAt: 2m
    pods: {{runTime: {{exponential: {{mean: 1m}}}}}}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {{name: low}}
value: 10
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {{name: high}}
value: 1000
{low}{high}",
        seed = g.seed,
        nodes = g.nodes,
        max = g.max_nodes,
        ttf = g.ttf_mins,
        pull = g.pull_s,
        cp = if g.rate_limited {
            "  controlPlane:\n    controllerManager: {kubeApiQps: 5, kubeApiBurst: 3, requestLatency: 20ms}\n    scheduler: {kubeApiQps: 10, kubeApiBurst: 5}\n"
        } else {
            ""
        },
        low = job("low", "low", g.parallelism[0], g.pod_cpu[0]),
        high = job("high", "high", g.parallelism[1], g.pod_cpu[1]),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// With node failures, preemption, autoscaling, pulls and rate limits all at once: the
    /// world's invariants hold after every event (nodes never over-committed, node pod
    /// lists and Job counters exact, active pods within parallelism), the run ends, and the
    /// same seed gives the same run.
    #[test]
    fn cluster_mechanisms_keep_the_invariants(g in clusters()) {
        let run = |g: &ClusterGen| {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("s.yaml");
            std::fs::write(&p, cluster_yaml(g)).unwrap();
            let loaded = load(&[p], &LoadOptions::default()).expect("generated input is valid");
            let mut w = World::new(loaded.config);
            let mut obs = Collect::default();
            let limits = RunLimits { max_events: 500_000, ..RunLimits::default() };
            while w.step(&mut obs, limits).expect("within limits") {
                w.check_invariants();
                for j in &w.jobs {
                    assert!(j.counts.active <= j.spec.parallelism);
                }
                let live: u32 = w.cluster.pool_sizes.iter().sum();
                assert!(live <= g.max_nodes, "pool above maxNodes");
            }
            let out = w.finish(&mut obs).unwrap();
            (out.end_time, out.stats.events, obs.pods, obs.events)
        };
        let a = run(&g);
        prop_assert_eq!(&a, &run(&g));
    }
}
