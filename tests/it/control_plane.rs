//! Control-plane timing: the API clients' token buckets, slow-start batches and the Job
//! controller's workers, checked to the millisecond.

use crate::common::{one_job, one_job_with, run_yaml};

/// kube-controller-manager at its defaults: QPS 20, burst 30.
const KCM_DEFAULTS: &str = "  controlPlane:\n    controllerManager: {}";

/// 100 pods at QPS 20, burst 30: the bucket lets 30 creations through at 0 s and one every
/// 50 ms after that, so pod k > 30 appears at (k − 30) × 50 ms and the 100th at 3.5 s.
/// Slow-start batches (1, 2, 4, 8, 16, 32, 37) never hold a request back here: each batch
/// starts when the previous one completed, which is no later than its own first token.
#[test]
fn one_hundred_pods_at_qps_20_burst_30() {
    let r = run_yaml(&one_job_with(
        KCM_DEFAULTS,
        "  completions: 100\n  parallelism: 100",
        "      runTime: 60s",
    ));
    let created = r.created("j");
    assert_eq!(created.len(), 100);
    assert!(created[..30].iter().all(|&t| t == 0.0), "{created:?}");
    for (k, &t) in created.iter().enumerate().skip(30) {
        let expected = (k as f64 - 29.0) * 0.05;
        assert!((t - expected).abs() < 1e-9, "pod {k}: {t} != {expected}");
    }
    assert_eq!(created[99], 3.5);
}

/// The same Job without `controlPlane`: every pod appears at once.
#[test]
fn without_a_control_plane_every_pod_appears_at_once() {
    let r = run_yaml(&one_job(
        "  completions: 100\n  parallelism: 100",
        "      runTime: 60s",
    ));
    assert!(r.created("j").iter().all(|&t| t == 0.0));
}

/// A 100 ms request latency and no rate limit expose slowStartBatch: batches of 1, 2, 4,
/// 8, 16, 32 and the remaining 37 pods, each sent when the previous batch completed.
#[test]
fn slow_start_batches_double() {
    let r = run_yaml(&one_job_with(
        "  controlPlane:\n    controllerManager: {kubeApiQps: 100000, kubeApiBurst: 1000, requestLatency: 100ms}",
        "  completions: 100\n  parallelism: 100",
        "      runTime: 60s",
    ));
    let created = r.created("j");
    let mut expected = Vec::new();
    for (batch, size) in [1, 2, 4, 8, 16, 32, 37].into_iter().enumerate() {
        expected.extend(std::iter::repeat_n(0.1 * (batch + 1) as f64, size));
    }
    for (k, (&t, &e)) in created.iter().zip(&expected).enumerate() {
        assert!((t - e).abs() < 1e-9, "pod {k}: {t} != {e}");
    }
}

/// Two Jobs of one pod each, one worker (`--concurrent-job-syncs 1`) and a 1 s request
/// latency: the first sync holds the worker while its creation (done at 1 s) and then its
/// status update (done at 2 s) are in flight, so the second Job's pod appears at 3 s. With
/// two workers both pods appear at 1 s.
#[test]
fn concurrent_job_syncs_limit_the_workers() {
    let two_jobs = |workers: u32| {
        format!(
            "apiVersion: jobsim.dev/v1alpha1
kind: Scenario
metadata: {{name: t}}
spec:
  controlPlane:
    controllerManager: {{requestLatency: 1s, concurrentJobSyncs: {workers}}}
---
apiVersion: batch/v1
kind: Job
metadata: {{name: a}}
spec:
  template:
    spec:
      containers: [{{name: main, image: busybox}}]
      restartPolicy: Never
---
apiVersion: batch/v1
kind: Job
metadata: {{name: b}}
spec:
  template:
    spec:
      containers: [{{name: main, image: busybox}}]
      restartPolicy: Never
"
        )
    };
    let r = run_yaml(&two_jobs(1));
    assert_eq!(r.created("a"), vec![1.0]);
    assert_eq!(r.created("b"), vec![3.0]);
    let r = run_yaml(&two_jobs(2));
    assert_eq!(r.created("a"), vec![1.0]);
    assert_eq!(r.created("b"), vec![1.0]);
}

/// kube-scheduler's client at QPS 50, burst 100: 200 pods bind 100 at once and then one
/// every 20 ms, the last at 2 s.
#[test]
fn scheduler_bindings_are_rate_limited() {
    let r = run_yaml(&one_job_with(
        "  controlPlane:\n    scheduler: {}\n  cluster:\n    nodePools:\n    - {name: big, count: 4, allocatable: {cpu: 16, memory: 64Gi, pods: 110}}",
        "  completions: 200\n  parallelism: 200",
        "      runTime: 60s",
    ));
    let pods = r.pods_of("j");
    let mut bound: Vec<f64> = pods
        .iter()
        .map(|p| p.scheduled.expect("scheduled").as_secs_f64())
        .collect();
    bound.sort_by(f64::total_cmp);
    assert!(bound[..100].iter().all(|&t| t == 0.0));
    for (k, &t) in bound.iter().enumerate().skip(100) {
        let expected = (k as f64 - 99.0) * 0.02;
        assert!(
            (t - expected).abs() < 1e-9,
            "binding {k}: {t} != {expected}"
        );
    }
}

/// The client is shared by creations, finalizer PATCHes and status updates. 100 pods of
/// 60 s finish between 60 s and 63.5 s. Without a limit the Job completes at the first
/// sync after the last pod (61 s for pods that all finish at 60 s). With QPS 20 the syncs
/// that account the finished pods hold their worker while the PATCHes drain at 20/s, and
/// the pod events in the meantime re-queue the Job for the moment the worker is done:
/// the sync that accounts the last pod runs at 64 s, half a second sooner than the 1 s
/// batch period after the last pod (64.5 s) would have put it.
#[test]
fn the_client_is_shared_by_creates_patches_and_status_updates() {
    let limited = run_yaml(&one_job_with(
        KCM_DEFAULTS,
        "  completions: 100\n  parallelism: 100",
        "      runTime: 60s",
    ));
    let free = run_yaml(&one_job(
        "  completions: 100\n  parallelism: 100",
        "      runTime: 60s",
    ));
    assert_eq!(free.job("j").completion_time, Some(61.0));
    assert_eq!(limited.job("j").completion_time, Some(64.0));
    let client = limited.world.kcm_client.as_ref().unwrap();
    // 100 creations and 100 PATCHes, plus the status updates.
    assert!(client.requests > 200, "{}", client.requests);
    assert_eq!(free.world.kcm_client, None);
}
