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
    crate::common::world_of(&yaml(g))
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

/// One generated Job of [`MultiGen`]: the Job features with their own controller paths.
#[derive(Debug, Clone)]
struct JobGen {
    completions: u32,
    parallelism: u32,
    indexed: bool,
    /// backoffLimitPerIndex and maxFailedIndexes (Indexed only).
    per_index: Option<(u32, Option<u32>)>,
    backoff_limit: u32,
    /// podFailurePolicy rules, by exit code: 42 FailJob, 3 Ignore, 1 Count, 4 FailIndex.
    rules: [bool; 4],
    on_failure: bool,
    deadline_s: Option<u32>,
    /// Created suspended and resumed at this second; or suspended and resumed mid-run.
    suspend: Option<(bool, u32, u32)>,
    p_fail: u32,
    mean_s: u32,
    submit_s: u32,
    cpu_m: u32,
}

#[derive(Debug, Clone)]
struct MultiGen {
    nodes: u32,
    node_cpu: u32,
    jobs: Vec<JobGen>,
    seed: u64,
}

fn job_gen() -> impl Strategy<Value = JobGen> {
    (
        (1u32..10, 1u32..6, any::<bool>()),
        prop::option::of((0u32..3, prop::option::of(0u32..4))),
        0u32..5,
        prop::array::uniform4(any::<bool>()),
        any::<bool>(),
        prop::option::of(5u32..200),
        prop::option::of((any::<bool>(), 0u32..60, 1u32..120)),
        prop_oneof![Just(0u32), Just(20), Just(50), Just(90)],
        (1u32..40, 0u32..30),
        prop_oneof![Just(100u32), Just(700), Just(1500)],
    )
        .prop_map(
            |(
                (completions, parallelism, indexed),
                per_index,
                backoff_limit,
                rules,
                on_failure,
                deadline_s,
                suspend,
                p_fail,
                (mean_s, submit_s),
                cpu_m,
            )| {
                let per_index = if indexed {
                    per_index.map(|(b, m)| (b, m.map(|m| m.min(completions))))
                } else {
                    None
                };
                let mut rules = rules;
                // FailIndex needs backoffLimitPerIndex.
                rules[3] &= per_index.is_some();
                let has_policy = rules.iter().any(|r| *r);
                JobGen {
                    completions,
                    parallelism,
                    indexed,
                    per_index,
                    backoff_limit,
                    rules,
                    // podFailurePolicy needs restartPolicy Never.
                    on_failure: on_failure && !has_policy,
                    deadline_s,
                    suspend,
                    p_fail,
                    mean_s,
                    submit_s,
                    cpu_m,
                }
            },
        )
}

fn multi() -> impl Strategy<Value = MultiGen> {
    (
        1u32..4,
        1u32..5,
        prop::collection::vec(job_gen(), 1..4),
        any::<u64>(),
    )
        .prop_map(|(nodes, node_cpu, jobs, seed)| MultiGen {
            nodes,
            node_cpu,
            jobs,
            seed,
        })
}

fn multi_yaml(g: &MultiGen) -> String {
    let mut scenario_jobs = String::new();
    let mut actions = String::new();
    let mut manifests = String::new();
    for (i, j) in g.jobs.iter().enumerate() {
        let name = format!("j{i}");
        scenario_jobs.push_str(&format!(
            "  - name: {name}\n    submitAt: {}s\n    pods:\n      runTime: {{exponential: {{mean: {}s}}}}\n      failure: {{probability: {}, exitCodes: [{{exitCode: 1, weight: 2}}, {{exitCode: 3, weight: 1}}, {{exitCode: 4, weight: 1}}, {{exitCode: 42, weight: 1}}]}}\n",
            j.submit_s,
            j.mean_s,
            f64::from(j.p_fail) / 100.0
        ));
        let mut spec = format!(
            "  completions: {}\n  parallelism: {}\n  backoffLimit: {}\n",
            j.completions, j.parallelism, j.backoff_limit
        );
        if j.indexed {
            spec.push_str("  completionMode: Indexed\n");
        }
        if let Some((b, m)) = j.per_index {
            spec.push_str(&format!("  backoffLimitPerIndex: {b}\n"));
            if let Some(m) = m {
                spec.push_str(&format!("  maxFailedIndexes: {m}\n"));
            }
        }
        if let Some(d) = j.deadline_s {
            spec.push_str(&format!("  activeDeadlineSeconds: {d}\n"));
        }
        if let Some((created_suspended, a, b)) = j.suspend {
            let resume = j.submit_s + a + b;
            if created_suspended {
                spec.push_str("  suspend: true\n");
            } else {
                actions.push_str(&format!(
                    "  - {{at: {}s, job: {name}, suspend: true}}\n",
                    j.submit_s + a
                ));
            }
            actions.push_str(&format!(
                "  - {{at: {resume}s, job: {name}, suspend: false}}\n"
            ));
        }
        let rules: Vec<&str> = [
            "    - {action: FailJob, onExitCodes: {operator: In, values: [42]}}\n",
            "    - {action: Ignore, onExitCodes: {operator: In, values: [3]}}\n",
            "    - {action: Count, onExitCodes: {operator: In, values: [1]}}\n",
            "    - {action: FailIndex, onExitCodes: {operator: In, values: [4]}}\n",
        ]
        .into_iter()
        .zip(j.rules)
        .filter_map(|(r, on)| on.then_some(r))
        .collect();
        if !rules.is_empty() {
            spec.push_str("  podFailurePolicy:\n    rules:\n");
            spec.push_str(&rules.concat());
        }
        manifests.push_str(&format!(
            "---
apiVersion: batch/v1
kind: Job
metadata: {{name: {name}}}
spec:
{spec}  template:
    spec:
      containers:
      - name: c
        image: busybox:1
        resources:
          requests: {{cpu: {cpu}m, memory: 100Mi}}
      restartPolicy: {rp}
",
            cpu = j.cpu_m,
            rp = if j.on_failure { "OnFailure" } else { "Never" },
        ));
    }
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
{scenario_jobs}{actions_block}{manifests}",
        seed = g.seed,
        nodes = g.nodes,
        cpu = g.node_cpu,
        actions_block = if actions.is_empty() {
            String::new()
        } else {
            format!("  actions:\n{actions}")
        },
    )
}

fn multi_world(g: &MultiGen) -> World {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.yaml");
    let text = multi_yaml(g);
    std::fs::write(&p, &text).unwrap();
    match load(&[p], &LoadOptions::default()) {
        Ok(loaded) => World::new(loaded.config),
        Err(e) => panic!(
            "generated input is invalid:\n{text}\n{:?}",
            e.diagnostics.items
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    /// Several Jobs with pod failure policies, per-index back-off limits, deadlines and
    /// suspension: no panic; after every event time has not gone backwards, the world's
    /// invariants hold (no node over-committed, Job counters and node pod lists exact) and
    /// no Job has more active pods than its parallelism; at the end the counters add up and
    /// every created pod is terminal or still live; the same seed gives the same records.
    #[test]
    fn job_features_keep_the_invariants(g in multi()) {
        let run = |g: &MultiGen| {
            let mut w = multi_world(g);
            let mut obs = Collect::default();
            let limits = RunLimits { max_events: 300_000, ..RunLimits::default() };
            let mut last = w.now;
            while w.step(&mut obs, limits).expect("within limits") {
                assert!(w.now >= last, "time went backwards");
                last = w.now;
                w.check_invariants();
                for j in &w.jobs {
                    assert!(
                        j.counts.active <= j.spec.parallelism,
                        "{}: active {} > parallelism {}",
                        j.name, j.counts.active, j.spec.parallelism
                    );
                }
            }
            let out = w.finish(&mut obs).unwrap();
            for (j, jg) in w.jobs.iter().zip(&g.jobs) {
                let live = w.pods.iter().filter(|(_, p)| p.job == j.id).count() as u64;
                let reported = obs.pods.iter().filter(|p| p.name.job == j.id).count() as u64;
                // Every pod created is reported once: finished, deleted, or live at the end.
                assert_eq!(reported, j.stats.pods_created, "{}", j.name);
                assert!(live <= j.stats.pods_created);
                // Counted outcomes never exceed the pods that had them.
                let s = &j.status;
                assert!(s.succeeded >= 0 && s.failed >= 0 && s.active >= 0);
                assert!(u64::try_from(s.succeeded).unwrap() <= j.stats.pod_successes, "{}", j.name);
                if !jg.on_failure {
                    assert!(
                        u64::try_from(s.succeeded + s.failed + s.active).unwrap() <= j.stats.pods_created,
                        "{}: {s:?} with {} pods created", j.name, j.stats.pods_created
                    );
                }
                if jg.indexed {
                    assert!(s.succeeded <= i32::try_from(jg.completions).unwrap());
                }
                assert!(!(s.has_true(JobConditionType::Complete) && s.has_true(JobConditionType::Failed)));
                if s.is_finished() {
                    assert_eq!(s.active, 0, "{}", j.name);
                    assert_eq!(live, 0, "{}: pods left after the Job finished", j.name);
                }
            }
            let ended = obs
                .pods
                .iter()
                .filter(|p| matches!(p.phase, PodPhase::Succeeded | PodPhase::Failed) || p.deleted.is_some())
                .count();
            assert_eq!(ended + w.pods.live(), obs.pods.len());
            // Every Job ends (its pods fit a node, and it is never left suspended).
            if g.jobs.iter().all(|j| j.cpu_m <= g.node_cpu * 1000) {
                for j in &w.jobs {
                    assert!(j.status.is_finished(), "{} did not finish: {:?}", j.name, j.status);
                }
            }
            (out.end_time, out.stats.events, format!("{:?}", obs.pods), format!("{:?}", obs.events))
        };
        let a = run(&g);
        prop_assert_eq!(&a, &run(&g));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// A small generated sweep gives byte-identical runs.csv on one thread and on two.
    #[test]
    fn sweeps_give_the_same_bytes_on_one_and_two_threads(
        g in multi(),
        values in prop::collection::btree_set(1u32..6, 1..4),
        replications in 1u32..4,
    ) {
        use jobsim::experiment::sweep::{SweepSpec, prepare, run_all};
        use jobsim::input::params::parse_assignment;
        use jobsim::output::sweep::RunTable;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.yaml");
        std::fs::write(&p, multi_yaml(&g)).unwrap();
        let list: Vec<String> = values.iter().map(u32::to_string).collect();
        let spec = SweepSpec {
            parameters: vec![parse_assignment(&format!("jobs.j0.spec.parallelism={}", list.join(","))).unwrap()],
            replications,
        };
        let prepared = prepare(&[p], &LoadOptions::default(), spec).expect("valid sweep");
        let limits = RunLimits { max_events: 300_000, ..RunLimits::default() };
        let csv = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let records = pool.install(|| run_all(&prepared, None, limits, &|| {}));
            RunTable::from_records(
                prepared.spec.parameters.iter().map(|q| q.path.text.clone()).collect(),
                prepared.job_names.clone(),
                &records,
                &|s| prepared.spec.setting(s).iter().map(jobsim::input::params::value_text).collect(),
            )
            .to_csv()
            .unwrap()
        };
        let one = csv(1);
        prop_assert_eq!(String::from_utf8(one.clone()).unwrap(), String::from_utf8(csv(2)).unwrap());
        prop_assert!(one.len() > 100);
    }
}
