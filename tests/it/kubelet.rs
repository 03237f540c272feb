//! Kubelet timing: image pulls per node, readiness, OOM kills, failure timing.

use crate::common::{one_job_with, run_yaml, world_at};

/// One node with a 30 s pull time for every image.
fn pulls(extra: &str) -> String {
    format!(
        "  cluster:\n    nodePools:\n    - {{name: n, count: 1, allocatable: {{cpu: 8, memory: 32Gi}}{extra}}}\n  timing:\n    imagePull:\n      default: 30s"
    )
}

fn started(r: &crate::common::Run) -> Vec<f64> {
    let mut s: Vec<f64> = r
        .pods
        .iter()
        .map(|p| p.started.expect("started").as_secs_f64())
        .collect();
    s.sort_by(f64::total_cmp);
    s
}

/// IfNotPresent: the first pod pulls; the others on the node wait for that same pull (their
/// own pull requests queue behind it and find the layers there).
#[test]
fn pods_share_the_first_pull_of_an_image() {
    let r = run_yaml(&one_job_with(
        &pulls(""),
        "  completions: 3\n  parallelism: 3",
        "      runTime: 10s",
    ));
    assert_eq!(started(&r), vec![30.0, 30.0, 30.0]);
    let lines = r.event_lines();
    let pulling = lines.iter().filter(|l| l.1 == "Pulling").count();
    assert_eq!(pulling, 3);
    let waited = lines
        .iter()
        .filter(|l| l.2 == "Successfully pulled image \"busybox:1\" in 0s (30s including waiting)")
        .count();
    assert_eq!(waited, 2);
    assert!(
        lines.iter().any(|l| l.0 == 30.0
            && l.2 == "Successfully pulled image \"busybox:1\" in 30s (30s including waiting)"),
        "{lines:?}"
    );
}

/// A pool that has the image from the start pulls nothing.
#[test]
fn preloaded_images_start_at_once() {
    let r = run_yaml(&one_job_with(
        &pulls(", images: [\"busybox:1\"]"),
        "  completions: 2\n  parallelism: 2",
        "      runTime: 10s",
    ));
    assert_eq!(started(&r), vec![0.0, 0.0]);
    assert!(
        r.event_lines()
            .iter()
            .any(|l| l.2 == "Container image \"busybox:1\" already present on machine")
    );
}

/// imagePullPolicy Always pulls for every pod, one at a time (serializeImagePulls).
#[test]
fn always_pulls_every_time_one_after_the_other() {
    let yaml = one_job_with(
        &pulls(""),
        "  completions: 3\n  parallelism: 3",
        "      runTime: 10s",
    )
    .replace(
        "image: busybox:1",
        "image: busybox:1\n        imagePullPolicy: Always",
    );
    let r = run_yaml(&yaml);
    assert_eq!(started(&r), vec![30.0, 60.0, 90.0]);
    // Without serialization the pulls overlap.
    let r = run_yaml(&yaml.replace(
        "default: 30s",
        "default: 30s\n      serializeImagePulls: false",
    ));
    assert_eq!(started(&r), vec![30.0, 30.0, 30.0]);
}

/// Pulls come after the sandbox (podStartup) and before the containers run; the second wave
/// of pods finds the image on the node.
#[test]
fn the_second_wave_finds_the_image() {
    let r = run_yaml(&one_job_with(
        &format!("{}\n    podStartup: 2s", pulls("")),
        "  completions: 2\n  parallelism: 1",
        "      runTime: 10s",
    ));
    // Pod 1: sandbox 0-2 s, pull 2-32 s, runs 32-42 s. Pod 2 is created at 43 s (the
    // success is seen at the next sync), starts at 45 s.
    assert_eq!(started(&r), vec![32.0, 45.0]);
}

/// Readiness comes `readiness` after the containers run; Ready is what status.ready counts.
#[test]
fn readiness_delays_ready_not_running() {
    let yaml = one_job_with(
        "  timing:\n    readiness: 5s",
        "  completions: 1\n  parallelism: 1",
        "      runTime: 10s",
    );
    let w = world_at(&yaml, 4.9);
    assert_eq!(w.jobs[0].counts.active, 1);
    assert_eq!(w.jobs[0].counts.ready, 0);
    let w = world_at(&yaml, 6.5);
    assert_eq!(w.jobs[0].counts.ready, 1);
    // The status follows at the next sync (1 s batching).
    assert_eq!(w.jobs[0].status.ready, 1);
    let r = run_yaml(&yaml);
    assert_eq!(started(&r), vec![0.0]);
    assert_eq!(r.job("j").completion_time, Some(11.0));
}

/// A peak of 2 GiB against a 1 GiB limit: use reaches the limit half-way through a 100 s
/// run, so every attempt is OOMKilled (exit 137) at 50 s, and backoffLimit 0 fails the Job.
#[test]
fn memory_over_the_limit_is_oom_killed() {
    let yaml = one_job_with(
        "",
        "  completions: 1\n  backoffLimit: 0",
        "      runTime: 100s\n      memory: {peak: 2Gi}",
    )
    .replace(
        "requests: {cpu: 100m, memory: 64Mi}",
        "requests: {cpu: 100m, memory: 64Mi}\n          limits: {memory: 1Gi}",
    );
    let r = run_yaml(&yaml);
    assert_eq!(r.pods.len(), 1);
    let p = &r.pods[0];
    assert_eq!(p.exit_code, Some(137));
    assert_eq!(p.reason.map(|x| x.as_str()), Some("OOMKilled"));
    assert_eq!(p.finished.unwrap().as_secs_f64(), 50.0);
    assert_eq!(r.job("j").status, "Failed");
}

/// `failure.after: 0s` crashes at start; `exitCodes` draws the code from the mix.
#[test]
fn failures_at_start_with_an_exit_code_mix() {
    let r = run_yaml(&one_job_with(
        "",
        "  completions: 40\n  parallelism: 40\n  backoffLimit: 1000",
        "      runTime: 60s\n      failure:\n        probability: 1.0\n        after: 0s\n        exitCodes: [{exitCode: 2, weight: 1}, {exitCode: 3, weight: 1}]",
    )
    .replace("completions: 40\n  parallelism: 40\n  backoffLimit: 1000", "completions: 40\n  parallelism: 40\n  backoffLimit: 1000\n  activeDeadlineSeconds: 5"));
    let first_wave: Vec<_> = r
        .pods
        .iter()
        .filter(|p| p.created.as_secs_f64() == 0.0)
        .collect();
    assert_eq!(first_wave.len(), 40);
    assert!(
        first_wave
            .iter()
            .all(|p| p.finished.unwrap().as_secs_f64() == 0.0)
    );
    let twos = first_wave.iter().filter(|p| p.exit_code == Some(2)).count();
    let threes = first_wave.iter().filter(|p| p.exit_code == Some(3)).count();
    assert_eq!(twos + threes, 40);
    assert!(twos > 5 && threes > 5, "{twos} / {threes}");
}

/// imagePullPolicy Never neither pulls nor waits for another pod's pull.
#[test]
fn never_pulls_nothing() {
    let yaml = one_job_with(
        &pulls(""),
        "  completions: 2\n  parallelism: 2",
        "      runTime: 10s",
    );
    // One pod pulls (IfNotPresent); make the Job's pods Never: nothing is pulled at all.
    let never = yaml.replace(
        "image: busybox:1",
        "image: busybox:1\n        imagePullPolicy: Never",
    );
    let r = run_yaml(&never);
    assert_eq!(started(&r), vec![0.0, 0.0]);
    assert!(
        r.event_lines()
            .iter()
            .all(|l| l.1 != "Pulling" && l.1 != "Pulled")
    );
}

/// Node-pressure evictions fail the whole pod, whatever its restart policy, with reason
/// Evicted and DisruptionTarget TerminationByKubelet — which an Ignore rule can ignore.
#[test]
fn evictions_fail_the_pod_with_a_disruption_condition() {
    // OnFailure: an eviction is not a container restart.
    let on_failure = one_job_with(
        "",
        "  completions: 1\n  backoffLimit: 0",
        "      runTime: 60s\n      eviction: {probability: 1.0, after: 5s}",
    )
    .replace("restartPolicy: Never", "restartPolicy: OnFailure");
    let w = world_at(&on_failure, 5.0);
    let evicted: Vec<_> = w.pods.iter().map(|(_, p)| p).collect();
    assert_eq!(evicted.len(), 1);
    assert_eq!(evicted[0].phase.as_str(), "Failed");
    assert_eq!(evicted[0].restart_count, 0);
    let r = run_yaml(&on_failure);
    assert_eq!(r.job("j").reason.as_deref(), Some("BackoffLimitExceeded"));

    // An Ignore rule on DisruptionTarget: every attempt is evicted and ignored (the
    // back-off still applies) until the deadline.
    let ignored = one_job_with(
        "",
        "  completions: 1\n  backoffLimit: 0\n  activeDeadlineSeconds: 100\n  podFailurePolicy:\n    rules:\n    - action: Ignore\n      onPodConditions: [{type: DisruptionTarget}]",
        "      runTime: 60s\n      eviction: {probability: 1.0, after: 5s}",
    );
    let r = run_yaml(&ignored);
    let first = r.pods_of("j")[0];
    assert_eq!(first.finished.unwrap().as_secs_f64(), 5.0);
    assert_eq!(first.reason.map(|x| x.as_str()), Some("Evicted"));
    assert_eq!(
        first.disruption.map(|x| x.as_str()),
        Some("TerminationByKubelet")
    );
    let job = r.job("j");
    assert_eq!(job.failed, 0);
    assert!(job.pods_created > 1);
    assert_eq!(job.reason.as_deref(), Some("DeadlineExceeded"));
    assert!(
        r.event_lines().iter().any(|l| l.0 == 5.0
            && l.1 == "Evicted"
            && l.2 == "The node was low on resource: memory.")
    );
    // Without evictions the same Job completes.
    let r = run_yaml(&ignored.replace("probability: 1.0", "probability: 0.0"));
    assert_eq!(r.job("j").status, "Complete");
}
