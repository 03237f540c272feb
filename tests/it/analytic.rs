//! Outcomes derived by hand from upstream's rules, checked to the millisecond.

use crate::common::{one_job, run_yaml};

/// completions 20, parallelism 5, 10 s pods: four waves; each wave starts 1 s after the
/// previous one ends (syncJobBatchPeriod), so the Job completes at 4 × 11 = 44 s.
#[test]
fn waves_of_parallel_pods() {
    let r = run_yaml(&one_job(
        "  completions: 20\n  parallelism: 5",
        "      runTime: 10s",
    ));
    assert_eq!(r.job("j").completion_time, Some(44.0));
    // k waves of n-second pods complete at k·(n+1) in general.
    let r = run_yaml(&one_job(
        "  completions: 9\n  parallelism: 3",
        "      runTime: 7s",
    ));
    assert_eq!(r.job("j").completion_time, Some(24.0));
}

/// One pod that fails three times with backoffLimit 2; each attempt fails at a random
/// point of its 5 s run. After the k-th consecutive failure at f_k the controller waits
/// d(k) = 10 s × 2^(k−1), counted from f_k as the API stores it (whole seconds), and it
/// notices failures at its next sync, at most 1 s later — well before the delay is over.
/// So pod k+1 is created at exactly ⌊f_k⌋ + d(k), and the Job fails at the first sync
/// after the third failure, within 1 s of it.
#[test]
fn backoff_limit_exceeded_at_the_computed_second() {
    let r = run_yaml(&one_job(
        "  backoffLimit: 2",
        "      runTime: 5s\n      failure: {probability: 1.0, exitCode: 1}",
    ));
    let j = r.job("j");
    assert_eq!(j.status, "Failed");
    assert_eq!(j.reason.as_deref(), Some("BackoffLimitExceeded"));
    assert_eq!(
        j.message.as_deref(),
        Some("Job has reached the specified backoff limit")
    );
    assert_eq!(j.failed, 3);
    let mut pods = r.pods.clone();
    pods.sort_by_key(|p| p.ordinal);
    let f: Vec<f64> = pods
        .iter()
        .map(|p| p.finished.unwrap().as_secs_f64())
        .collect();
    let c: Vec<f64> = pods.iter().map(|p| p.created.as_secs_f64()).collect();
    assert_eq!(c.len(), 3);
    assert_eq!(c[0], 0.0);
    assert_eq!(c[1], f[0].floor() + 10.0, "failures at {f:?}");
    assert_eq!(c[2], f[1].floor() + 20.0, "failures at {f:?}");
    let done = j.finish_time.unwrap();
    assert!(
        done > f[2] && done <= f[2] + 1.0,
        "failed at {done}, third failure at {}",
        f[2]
    );
}

/// The same with scripted exits at exactly 5 s, so that every time is known.
#[test]
fn backoff_timeline_with_scripted_failures() {
    let r = run_yaml(&one_job(
        "  backoffLimit: 2",
        "      script:\n      - {ordinal: \"0-9\", exitCode: 1, after: 5s}",
    ));
    let j = r.job("j");
    assert_eq!(j.reason.as_deref(), Some("BackoffLimitExceeded"));
    assert_eq!(r.created("j"), vec![0.0, 15.0, 40.0]);
    assert_eq!(j.finish_time, Some(46.0));
    let ends: Vec<f64> = r
        .pods
        .iter()
        .map(|p| p.finished.unwrap().as_secs_f64())
        .collect();
    assert_eq!(ends, vec![5.0, 20.0, 45.0]);
    // Events tell the story kubectl would show.
    let reasons: Vec<String> = r
        .event_lines()
        .into_iter()
        .map(|(_, reason, _)| reason)
        .collect();
    assert_eq!(
        reasons.iter().filter(|r| *r == "SuccessfulCreate").count(),
        3
    );
    assert_eq!(
        reasons.last().map(String::as_str),
        Some("BackoffLimitExceeded")
    );
}

/// backoffLimit 0: the first failure fails the Job.
#[test]
fn backoff_limit_zero_fails_on_the_first_failure() {
    let r = run_yaml(&one_job(
        "  backoffLimit: 0",
        "      script:\n      - {ordinal: 0, exitCode: 3, after: 4s}",
    ));
    let j = r.job("j");
    assert_eq!(j.status, "Failed");
    assert_eq!(j.failed, 1);
    assert_eq!(j.finish_time, Some(5.0));
}

/// A success resets the back-off: failures of pods that finished before it no longer
/// delay replacements.
#[test]
fn a_success_resets_the_backoff() {
    // completions 3, parallelism 2: ordinal 0 fails at 2 s; the sync at 3 s would wait
    // 10 s (until 12 s) for a replacement. Ordinal 1 succeeds at 5 s; the sync at 6 s sees
    // a success after the last failure, so the record is reset and both missing pods are
    // created at 6 s.
    let r = run_yaml(&one_job(
        "  completions: 3\n  parallelism: 2",
        "      runTime: 20s\n      script:\n      - {ordinal: 0, exitCode: 1, after: 2s}\n      - {ordinal: 1, exitCode: 0, after: 5s}",
    ));
    assert_eq!(r.created("j"), vec![0.0, 0.0, 6.0, 6.0]);
    let j = r.job("j");
    assert_eq!(j.status, "Complete");
    assert_eq!(j.completion_time, Some(27.0));
}

/// The success and the failure seen by the same sync: the failure finished before the
/// success, so the record is reset and creation is not delayed.
#[test]
fn a_success_in_the_same_sync_resets_the_backoff() {
    let r = run_yaml(&one_job(
        "  completions: 3\n  parallelism: 2",
        "      runTime: 20s\n      script:\n      - {ordinal: 0, exitCode: 1, after: 2s}\n      - {ordinal: 1, exitCode: 0, after: 3s}",
    ));
    // Both are seen by the sync at 3 s (the success at 3.000 s is observed before the sync
    // due at that millisecond runs).
    assert_eq!(r.created("j"), vec![0.0, 0.0, 3.0, 3.0]);
}

/// activeDeadlineSeconds fires exactly at startTime + deadline, even with pods running.
#[test]
fn active_deadline_is_exact() {
    let r = run_yaml(&one_job("  activeDeadlineSeconds: 30", "      runTime: 1h"));
    let j = r.job("j");
    assert_eq!(j.reason.as_deref(), Some("DeadlineExceeded"));
    let target = j
        .conditions
        .iter()
        .find(|c| c.condition_type == "FailureTarget")
        .unwrap();
    assert_eq!(target.last_transition_time, 30.0);
    // The running pod is deleted and counted as failed; with shutdown 0 it stops at once,
    // and Failed follows at the next sync.
    assert_eq!(j.failed, 1);
    assert_eq!(j.finish_time, Some(31.0));
}

/// Work-queue mode: completes when one pod succeeded and none is active; failures after
/// the first success are counted but not replaced.
#[test]
fn work_queue_completes_after_the_last_worker_exits() {
    let r = run_yaml(&one_job(
        "  parallelism: 3",
        "      script:\n      - {ordinal: 0, exitCode: 0, after: 10s}\n      - {ordinal: 1, exitCode: 1, after: 20s}\n      - {ordinal: 2, exitCode: 0, after: 30s}",
    ));
    let j = r.job("j");
    assert_eq!(j.status, "Complete");
    assert_eq!((j.succeeded, j.failed, j.pods_created), (2, 1, 3));
    assert_eq!(j.completion_time, Some(31.0));
}

/// restartPolicy OnFailure: restarts count toward backoffLimit (sum ≥ limit), the first
/// restart is immediate, then 10 s, 20 s... With backoffLimit 2 and a container that
/// always fails after 1 s: run 0 ends at 1 s (restart at once), run 1 ends at 2 s
/// (restart at 12 s); the sync after the second restart sees 2 restarts ≥ 2.
#[test]
fn on_failure_restarts_count_toward_the_backoff_limit() {
    let yaml = one_job(
        "  backoffLimit: 2",
        "      script:\n      - {ordinal: 0, exitCode: 1, after: 1s}",
    )
    .replace("restartPolicy: Never", "restartPolicy: OnFailure");
    let r = run_yaml(&yaml);
    let j = r.job("j");
    assert_eq!(j.status, "Failed");
    assert_eq!(j.reason.as_deref(), Some("BackoffLimitExceeded"));
    // The restarted pod is deleted when the Job fails and counted as failed.
    assert_eq!(j.failed, 1);
    assert_eq!(j.pods_created, 1);
    let target = j
        .conditions
        .iter()
        .find(|c| c.condition_type == "FailureTarget")
        .unwrap();
    assert_eq!(target.last_transition_time, 3.0);
    assert_eq!(r.pods[0].restarts, 2);
}

/// Scheduling: pods that fit nowhere stay Pending with upstream's message.
#[test]
fn unschedulable_pods_report_the_scheduler_message() {
    let yaml = one_job("  parallelism: 1", "      runTime: 5s").replace("cpu: 100m", "cpu: \"64\"");
    let r = run_yaml(&yaml);
    let j = r.job("j");
    assert_eq!(j.status, "Running");
    assert_eq!(j.active, 1);
    let failed: Vec<String> = r
        .event_lines()
        .into_iter()
        .filter(|(_, reason, _)| reason == "FailedScheduling")
        .map(|(_, _, m)| m)
        .collect();
    assert_eq!(
        failed,
        vec![
            "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
        ]
    );
    // The pod is still there at the end, Pending.
    assert_eq!(r.pods.len(), 1);
    assert_eq!(r.pods[0].phase.as_str(), "Pending");
}

/// Pods wait for capacity and start as soon as it frees up.
#[test]
fn pods_queue_for_capacity() {
    // One node of 1 CPU: two 1-CPU pods run one after the other.
    let yaml = one_job("  completions: 2\n  parallelism: 2", "      runTime: 10s")
            .replace("cpu: 100m", "cpu: \"1\"")
            .replace(
                "spec:\n  jobs:",
                "spec:\n  cluster:\n    nodePools:\n    - {name: n, count: 1, allocatable: {cpu: \"1\", memory: 4Gi}}\n  jobs:"
            ).to_string();
    let r = run_yaml(&yaml);
    let mut started: Vec<f64> = r
        .pods
        .iter()
        .map(|p| p.started.unwrap().as_secs_f64())
        .collect();
    started.sort_by(f64::total_cmp);
    // The second pod is retried when the first one's resources are released at 10 s.
    assert_eq!(started, vec![0.0, 10.0]);
    assert_eq!(r.job("j").completion_time, Some(21.0));
}
