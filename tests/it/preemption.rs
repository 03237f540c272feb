//! Priority classes and preemption.

use crate::common::run_yaml;

/// A 4-CPU node full of low-priority 1-CPU pods; a high-priority Job of two 1-CPU pods
/// arrives at 60 s. Each high pod preempts one low pod; the victims get DisruptionTarget
/// PreemptionByScheduler, take 10 s to stop (within their 30 s grace period), and the high
/// pods start on the freed room at 70 s.
fn scenario(low_job_extra: &str, high_class_extra: &str) -> String {
    format!(
        "apiVersion: jobsim.dev/v1alpha1
kind: Scenario
metadata: {{name: t}}
spec:
  cluster:
    nodePools:
    - {{name: n, count: 1, allocatable: {{cpu: 4, memory: 16Gi}}}}
  jobs:
  - name: low
    pods: {{runTime: 1000s, shutdown: 10s}}
  - name: high
    submitAt: 60s
    pods: {{runTime: 100s}}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {{name: batch-low}}
value: 100
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {{name: urgent}}
value: 1000
{high_class_extra}
---
apiVersion: batch/v1
kind: Job
metadata: {{name: low}}
spec:
  completions: 4
  parallelism: 4
{low_job_extra}
  template:
    spec:
      priorityClassName: batch-low
      containers: [{{name: main, image: busybox, resources: {{requests: {{cpu: 1}}}}}}]
      restartPolicy: Never
---
apiVersion: batch/v1
kind: Job
metadata: {{name: high}}
spec:
  completions: 2
  parallelism: 2
  template:
    spec:
      priorityClassName: urgent
      containers: [{{name: main, image: busybox, resources: {{requests: {{cpu: 1}}}}}}]
      restartPolicy: Never
"
    )
}

#[test]
fn high_priority_pods_preempt_and_start_when_victims_are_gone() {
    let r = run_yaml(&scenario("", ""));
    let high = r.pods_of("high");
    assert_eq!(high.len(), 2);
    for p in &high {
        assert_eq!(p.scheduled.unwrap().as_secs_f64(), 70.0);
        assert_eq!(p.started.unwrap().as_secs_f64(), 70.0);
    }
    let low = r.pods_of("low");
    let victims: Vec<_> = low
        .iter()
        .filter(|p| p.disruption.map(|d| d.as_str()) == Some("PreemptionByScheduler"))
        .collect();
    assert_eq!(victims.len(), 2);
    for v in &victims {
        assert_eq!(v.deleted.unwrap().as_secs_f64(), 60.0);
        assert_eq!(v.finished.unwrap().as_secs_f64(), 70.0);
        // SIGTERM handled within the grace period.
        assert_eq!(v.exit_code, Some(143));
    }
    let preempted = r
        .event_lines()
        .into_iter()
        .filter(|l| l.1 == "Preempted")
        .count();
    assert_eq!(preempted, 2);
    // The preempted pods count as failures of the low Job (no podFailurePolicy) and are
    // replaced once the high pods are done.
    let job = r.job("low");
    assert_eq!(job.failed, 2);
    assert_eq!(job.status, "Complete");
    assert_eq!(r.job("high").status, "Complete");
}

/// An Ignore rule on DisruptionTarget keeps preemptions out of the low Job's failures.
#[test]
fn pod_failure_policy_ignores_preemption() {
    let r = run_yaml(&scenario(
        "  podFailurePolicy:\n    rules:\n    - action: Ignore\n      onPodConditions: [{type: DisruptionTarget}]",
        "",
    ));
    let job = r.job("low");
    assert_eq!(job.failed, 0);
    assert_eq!(job.status, "Complete");
    assert_eq!(job.pods_created, 6);
}

/// preemptionPolicy Never: the high pods wait for room instead.
#[test]
fn preemption_policy_never_waits() {
    let r = run_yaml(&scenario("", "preemptionPolicy: Never"));
    assert!(r.event_lines().iter().all(|l| l.1 != "Preempted"));
    for p in r.pods_of("high") {
        // The low pods finish at 1000 s.
        assert!(p.scheduled.unwrap().as_secs_f64() >= 1000.0);
    }
}

/// A Job naming a PriorityClass that does not exist is rejected with the API's message.
#[test]
fn an_unknown_priority_class_is_an_input_error() {
    let yaml = scenario("", "").replace("priorityClassName: urgent", "priorityClassName: missing");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.yaml");
    std::fs::write(&p, yaml).unwrap();
    let Err(err) = jobsim::input::load::load(&[p], &Default::default()) else {
        panic!("accepted a Job with an unknown PriorityClass");
    };
    let msgs: Vec<String> = err
        .diagnostics
        .items
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("no PriorityClass with name missing was found")),
        "{msgs:?}"
    );
}

/// When preemption finds victims the FailedScheduling message carries no preemption
/// diagnosis, as upstream's successful PostFilter leaves it out.
#[test]
fn the_preemptor_message_has_no_preemption_part() {
    let r = run_yaml(&scenario("", ""));
    let msgs: Vec<String> = r
        .event_lines()
        .into_iter()
        .filter(|l| l.1 == "FailedScheduling" && l.0 == 60.0)
        .map(|l| l.2)
        .collect();
    assert_eq!(msgs.len(), 2);
    assert!(
        msgs.iter()
            .all(|m| m == "0/1 nodes are available: 1 Insufficient cpu."),
        "{msgs:?}"
    );
}

/// spec.priority that disagrees with the PriorityClass is rejected by admission.
#[test]
fn a_mismatched_spec_priority_is_rejected() {
    let yaml = scenario("", "").replace(
        "priorityClassName: urgent",
        "priorityClassName: urgent\n      priority: 5",
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.yaml");
    std::fs::write(&p, yaml).unwrap();
    let Err(err) = jobsim::input::load::load(&[p], &Default::default()) else {
        panic!("accepted a mismatched priority");
    };
    let msgs: Vec<String> = err
        .diagnostics
        .items
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert!(
        msgs.iter().any(|m| m.contains(
            "the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000"
        )),
        "{msgs:?}"
    );
}
