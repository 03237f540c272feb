//! Node failures: NotReady after the node-monitor grace period, taint-based evictions after
//! the pods' tolerations, recovery, random failures.

use jobsim::api::job::JobConditionType;

use crate::common::{one_job_with, run_yaml};

/// Three nodes, one 1000 s pod on each (LeastAllocated spreads them).
fn three_pods(cluster_extra: &str, version: &str) -> String {
    one_job_with(
        &format!(
            "  kubernetesVersion: \"{version}\"\n  cluster:\n    nodePools:\n    - {{name: w, count: 3, allocatable: {{cpu: 4, memory: 16Gi}}}}\n{cluster_extra}"
        ),
        "  completions: 3\n  parallelism: 3\n  backoffLimit: 6",
        "      runTime: 1000s",
    )
}

fn pod_on<'a>(r: &'a crate::common::Run, node: &str) -> Vec<&'a jobsim::sim::records::PodRecord> {
    let mut v: Vec<_> = r
        .pods
        .iter()
        .filter(|p| p.node.is_some_and(|n| r.world.cluster.node(n).name == node))
        .collect();
    v.sort_by_key(|p| p.ordinal);
    v
}

/// A permanent outage of w-0 at 60 s: NotReady at 60 + 50 s (1.34's grace period), the pod
/// evicted 300 s later with DisruptionTarget, and replaced; it never terminates.
#[test]
fn a_failed_node_evicts_its_pods_after_grace_plus_300s() {
    let r = run_yaml(&three_pods("    outages: [{node: w-0, at: 60s}]", "1.34"));
    let lines = r.event_lines();
    let at = |reason: &str| -> Vec<f64> {
        lines
            .iter()
            .filter(|l| l.1 == reason)
            .map(|l| l.0)
            .collect()
    };
    assert_eq!(at("NodeFailure"), vec![60.0]);
    assert_eq!(at("NodeNotReady"), vec![110.0]);
    assert_eq!(at("TaintManagerEviction"), vec![410.0]);
    let lost = pod_on(&r, "w-0");
    assert_eq!(lost.len(), 1);
    // Deleted at 410 s, but nothing on the dead node ever stops it: still Terminating.
    assert_eq!(lost[0].deleted.map(|t| t.as_secs_f64()), Some(410.0));
    assert_eq!(lost[0].finished, None);
    assert_eq!(
        lost[0].disruption.map(|d| d.as_str()),
        Some("DeletionByTaintManager")
    );
    // TerminatingOrFailed: the terminating pod counts as failed and is replaced on a
    // healthy node.
    let job = r.job("j");
    assert_eq!(job.failed, 1);
    assert_eq!(job.succeeded, 3);
    assert_eq!(job.pods_created, 4);
    // Since 1.31 the Complete condition waits for terminating pods, and this one never
    // terminates on its dead node: the Job stays at SuccessCriteriaMet, as upstream does
    // until the node object is deleted (PodGC) or tainted out-of-service.
    let state = &r.world.jobs[0];
    assert!(state.status.has_true(JobConditionType::SuccessCriteriaMet));
    assert!(!state.status.has_true(JobConditionType::Complete));
    assert_eq!(state.status.terminating, 1);
    // Kubernetes 1.30 did not wait.
    let r = run_yaml(&three_pods("    outages: [{node: w-0, at: 60s}]", "1.30"));
    assert_eq!(r.job("j").status, "Complete");
}

/// Kubernetes 1.31 still had the 40 s grace period.
#[test]
fn before_1_32_the_grace_period_is_40s() {
    let r = run_yaml(&three_pods("    outages: [{node: w-0, at: 60s}]", "1.31"));
    let evictions: Vec<f64> = r
        .event_lines()
        .into_iter()
        .filter(|l| l.1 == "TaintManagerEviction")
        .map(|l| l.0)
        .collect();
    assert_eq!(evictions, vec![400.0]);
}

/// A pod's own toleration decides: tolerationSeconds 30 → evicted 30 s after NotReady.
#[test]
fn a_shorter_toleration_evicts_sooner() {
    let yaml = three_pods("    outages: [{node: w-0, at: 60s}]", "1.34").replace(
        "      restartPolicy: Never",
        "      restartPolicy: Never\n      tolerations:\n      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30}",
    );
    let r = run_yaml(&yaml);
    let evictions: Vec<f64> = r
        .event_lines()
        .into_iter()
        .filter(|l| l.1 == "TaintManagerEviction")
        .map(|l| l.0)
        .collect();
    assert_eq!(evictions, vec![140.0]);
}

/// The node is back after 100 s, before any eviction: the kubelet finds the container gone,
/// the Never pod fails with ContainerStatusUnknown (exit 137) at 160 s and is replaced.
#[test]
fn a_node_that_comes_back_fails_its_lost_pods() {
    let r = run_yaml(&three_pods(
        "    outages: [{node: w-0, at: 60s, duration: 100s}]",
        "1.34",
    ));
    let lines = r.event_lines();
    assert!(lines.iter().any(|l| l.0 == 160.0 && l.1 == "NodeReady"));
    assert!(!lines.iter().any(|l| l.1 == "TaintManagerEviction"));
    let on = pod_on(&r, "w-0");
    let first = on[0];
    assert_eq!(first.finished.unwrap().as_secs_f64(), 160.0);
    assert_eq!(first.exit_code, Some(137));
    assert_eq!(
        first.reason.map(|x| x.as_str()),
        Some("ContainerStatusUnknown")
    );
    let job = r.job("j");
    assert_eq!(job.failed, 1);
    assert_eq!(job.status, "Complete");
}

/// With podReplacementPolicy Failed (implied by a podFailurePolicy) the evicted pod is not
/// replaced while it is Terminating: the Job waits until the node is back.
#[test]
fn replacement_policy_failed_waits_for_the_node() {
    let yaml = three_pods(
        "    outages: [{node: w-0, at: 60s, duration: 1000s}]",
        "1.34",
    )
    .replace(
        "  backoffLimit: 6",
        "  backoffLimit: 6\n  podFailurePolicy:\n    rules:\n    - action: Ignore\n      onPodConditions: [{type: DisruptionTarget}]",
    );
    let r = run_yaml(&yaml);
    let mut created: Vec<f64> = r.created("j");
    created.sort_by(f64::total_cmp);
    // Evicted at 410 s, but Terminating until the node is back at 1060 s; the replacement
    // comes after that, and the Ignore rule keeps it out of `failed`.
    assert_eq!(created.len(), 4);
    assert!(created[3] >= 1060.0, "{created:?}");
    let job = r.job("j");
    assert_eq!(job.failed, 0);
    assert_eq!(job.status, "Complete");
}

/// Random failures with exponential times: deterministic per seed, and they stop once the
/// Job is done (the run does not go on forever).
#[test]
fn random_failures_are_reproducible_and_end_with_the_work() {
    let yaml = one_job_with(
        "  cluster:\n    nodePools:\n    - name: w\n      count: 3\n      allocatable: {cpu: 4, memory: 16Gi}\n      failures: {timeToFailure: {exponential: {mean: 20m}}, timeToRepair: 2m}",
        "  completions: 30\n  parallelism: 3\n  backoffLimit: 100",
        "      runTime: 300s",
    );
    let a = run_yaml(&yaml);
    let b = run_yaml(&yaml);
    assert_eq!(a.event_lines(), b.event_lines());
    let lines = a.event_lines();
    let failures = lines.iter().filter(|l| l.1 == "NodeFailure").count();
    let ready = lines.iter().filter(|l| l.1 == "NodeReady").count();
    assert!(failures >= 2, "{failures}");
    assert!(ready <= failures);
    let job = a.job("j");
    assert_eq!(job.status, "Complete");
    assert!(job.failed > 0);
    let done = job.completion_time.unwrap();
    // Nothing ambient happens after the Job finished.
    assert!(
        lines
            .iter()
            .all(|l| l.0 <= done + 1.0 || l.1 != "NodeFailure"),
        "a node failed after the Job completed"
    );
    assert!(a.end <= done + 60.0, "end {} vs completion {done}", a.end);
}

/// An outage that starts while the Job runs but lasts past its end does not keep the run
/// going: NotReady, evictions and recovery only act while a Job has work left.
#[test]
fn an_outage_does_not_outlive_the_work() {
    let r = run_yaml(&one_job_with(
        "  cluster:\n    nodePools:\n    - {name: w, count: 2, allocatable: {cpu: 4, memory: 16Gi}}\n    outages: [{node: w-1, at: 5s, duration: 1h}]",
        "  completions: 1",
        "      runTime: 20s",
    ));
    assert_eq!(r.job("j").completion_time, Some(21.0));
    assert!(r.end <= 22.0, "the run went on until {}", r.end);
    assert!(r.event_lines().iter().all(|l| l.1 != "NodeNotReady"));
}

/// A Job whose pods fit no node, with random node failures: once nothing but the failure
/// timers is queued the failures stop, and the run ends instead of reaching --max-sim-time.
#[test]
fn random_failures_stop_when_nothing_can_progress() {
    let r = run_yaml(&one_job_with(
        "  cluster:\n    nodePools:\n    - name: w\n      count: 2\n      allocatable: {cpu: 4, memory: 16Gi}\n      failures: {timeToFailure: {exponential: {mean: 1h}}, timeToRepair: 5m}",
        "  completions: 1",
        "      runTime: 20s",
    )
    .replace("cpu: 100m", "cpu: \"64\""));
    assert_eq!(r.job("j").status, "Running");
    assert!(r.end < 60.0, "the run went on until {}", r.end);
}
