//! The cluster-autoscaler: scale-up from unschedulable pods, provisioning delay, scale-down
//! of empty nodes after the unneeded time.

use crate::common::run_yaml;

fn scenario(second_job_at: &str) -> String {
    format!(
        "apiVersion: jobsim.dev/v1alpha1
kind: Scenario
metadata: {{name: t}}
spec:
  cluster:
    nodePools:
    - name: auto
      count: 1
      allocatable: {{cpu: 4, memory: 16Gi}}
      autoscaling: {{minNodes: 1, maxNodes: 5, provisioningDelay: 60s}}
  jobs:
  - name: wide
    pods: {{runTime: 300s}}
  - name: later
    submitAt: {second_job_at}
    pods: {{runTime: 100s}}
---
apiVersion: batch/v1
kind: Job
metadata: {{name: wide}}
spec:
  completions: 8
  parallelism: 8
  template:
    spec:
      containers: [{{name: main, image: busybox, resources: {{requests: {{cpu: 2}}}}}}]
      restartPolicy: Never
---
apiVersion: batch/v1
kind: Job
metadata: {{name: later}}
spec:
  template:
    spec:
      containers: [{{name: main, image: busybox, resources: {{requests: {{cpu: 2}}}}}}]
      restartPolicy: Never
"
    )
}

/// One 4-CPU node and eight 2-CPU pods: two run at once; the loop at 10 s orders three
/// nodes for the other six (binpacking: two per node), which are Ready 60 s later. A node
/// goes once it has been empty for 10 min and the 10 min scale-down delay after the
/// scale-up (until 610 s) is over: auto-0 is empty from 300 s and goes at 900 s; the
/// three new nodes are empty from 370 s and two of them go at 970 s, keeping the minimum
/// of one node.
#[test]
fn scale_up_for_pending_pods_then_down_when_idle() {
    let r = run_yaml(&scenario("2000s"));
    let lines = r.event_lines();
    let at = |reason: &str| -> Vec<f64> {
        lines
            .iter()
            .filter(|l| l.1 == reason)
            .map(|l| l.0)
            .collect()
    };
    let triggered: Vec<_> = lines.iter().filter(|l| l.1 == "TriggeredScaleUp").collect();
    assert_eq!(triggered.len(), 6);
    assert!(
        triggered
            .iter()
            .all(|l| l.0 == 10.0 && l.2 == "pod triggered scale-up: [{auto 1->4 (max: 5)}]")
    );
    assert_eq!(at("RegisteredNode"), vec![70.0, 70.0, 70.0]);
    let mut started: Vec<f64> = r
        .pods_of("wide")
        .iter()
        .map(|p| p.started.unwrap().as_secs_f64())
        .collect();
    started.sort_by(f64::total_cmp);
    assert_eq!(started, vec![0.0, 0.0, 70.0, 70.0, 70.0, 70.0, 70.0, 70.0]);
    assert_eq!(r.job("wide").completion_time, Some(371.0));
    assert_eq!(at("ScaleDown"), vec![900.0, 970.0, 970.0]);
    assert_eq!(r.world.cluster.live_nodes(), 1);
    assert_eq!(r.job("later").status, "Complete");
}

/// With nothing left to do the loop stops: no scale-down happens after the last Job.
#[test]
fn the_loop_stops_with_the_work() {
    // Nine 2-CPU pods: two fit the first node, the other seven need four more.
    let r = run_yaml(&scenario("0s"));
    assert!(r.event_lines().iter().all(|l| l.1 != "ScaleDown"));
    assert_eq!(r.world.cluster.live_nodes(), 5);
    assert!(r.end < 400.0, "{}", r.end);
}

/// Pods that cannot fit a new node of any pool are told so, once.
#[test]
fn pods_too_big_for_any_pool_do_not_scale_up() {
    let yaml = scenario("0s").replacen("requests: {cpu: 2}", "requests: {cpu: 8}", 1);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.yaml");
    std::fs::write(&p, &yaml).unwrap();
    let loaded = jobsim::input::load::load(&[p], &Default::default())
        .ok()
        .unwrap();
    let mut w = jobsim::sim::World::new(loaded.config);
    let mut obs = jobsim::sim::Collect::default();
    let limits = jobsim::sim::RunLimits {
        max_sim_time: Some(jobsim::engine::time::SimTime::from_secs(100)),
        ..Default::default()
    };
    let _ = w.run(&mut obs, limits);
    let not: Vec<_> = obs
        .events
        .iter()
        .map(|e| jobsim::output::records::describe(&w, e))
        .filter(|d| d.1 == "NotTriggerScaleUp")
        .collect();
    assert_eq!(not.len(), 8, "{not:?}");
    assert!(not.iter().all(|d| d.2
        == "pod didn't trigger scale-up: it wouldn't fit on a new node of any autoscaled pool"));
    assert!(w.autoscaler.scale_ups == 0);
}

/// A node of an autoscaled pool that never comes back: its evicted pod is stuck
/// Terminating (so a 1.34 Job cannot reach Complete) until the autoscaler deletes the node
/// after 20 min unready and PodGC fails the pod.
#[test]
fn an_unready_node_is_deleted_and_its_pods_collected() {
    let yaml = "apiVersion: jobsim.dev/v1alpha1
kind: Scenario
metadata: {name: t}
spec:
  cluster:
    nodePools:
    - name: auto
      count: 2
      allocatable: {cpu: 4, memory: 16Gi}
      autoscaling: {minNodes: 1, maxNodes: 3}
    outages: [{node: auto-0, at: 60s}]
  jobs:
  - name: j
    pods: {runTime: 2000s}
---
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  completions: 2
  parallelism: 2
  template:
    spec:
      containers: [{name: main, image: busybox, resources: {requests: {cpu: 3}}}]
      restartPolicy: Never
";
    let r = run_yaml(yaml);
    let lines = r.event_lines();
    let at = |reason: &str| -> Vec<(f64, String)> {
        lines
            .iter()
            .filter(|l| l.1 == reason)
            .map(|l| (l.0, l.2.clone()))
            .collect()
    };
    // Evicted at 60 + 50 + 300 s. The eviction counts as a failure, so the replacement
    // comes after the 10 s pod-failure back-off (420 s); it fits nowhere, the loop at
    // 430 s orders a node, Ready 90 s later.
    assert_eq!(at("TaintManagerEviction").len(), 1);
    assert_eq!(at("TaintManagerEviction")[0].0, 410.0);
    assert_eq!(
        at("RegisteredNode"),
        vec![(
            520.0,
            "Node auto-2 event: Registered Node auto-2 in Controller".to_string()
        )]
    );
    // NotReady at 110 s; 20 min later (--scale-down-unready-time) the node is deleted, the
    // scale-down delay after the 430 s scale-up being over by then.
    assert_eq!(
        at("ScaleDown"),
        vec![(1310.0, "Scale-down: removing node auto-0".to_string())]
    );
    let stuck = r
        .pods_of("j")
        .into_iter()
        .find(|p| {
            p.node
                .is_some_and(|n| r.world.cluster.node(n).name == "auto-0")
        })
        .unwrap();
    // PodGC's next pass (every 20 s) fails it.
    assert_eq!(stuck.finished.unwrap().as_secs_f64(), 1320.0);
    assert_eq!(
        stuck.disruption.map(|d| d.as_str()),
        Some("DeletionByTaintManager")
    );
    // The replacement runs 520-2520 s.
    let job = r.job("j");
    assert_eq!(job.status, "Complete");
    assert_eq!(job.completion_time, Some(2521.0));
}

/// A Job that no pool can ever run: the loop stops once nothing else is queued, and the
/// run ends (the Job stays Running) instead of looping until --max-sim-time.
#[test]
fn an_unrunnable_job_does_not_keep_the_loop_alive() {
    let yaml = scenario("0s").replacen("requests: {cpu: 2}", "requests: {cpu: 8}", 1);
    let r = run_yaml(&yaml);
    assert_eq!(r.job("wide").status, "Running");
    assert_eq!(r.job("later").status, "Complete");
    assert!(r.end < 200.0, "the run went on until {}", r.end);
}

/// Utilization is integrated up to the end of the run, not up to a cancelled timer after
/// it: node-hours and CPU-hours agree with the pods and nodes that existed.
#[test]
fn utilization_stops_at_the_end_of_the_run() {
    let r = run_yaml(&scenario("0s"));
    let end = jobsim::engine::time::SimTime::from_millis((r.end * 1000.0) as u64);
    assert_eq!(r.world.metrics.integrated_to, end);
    let c = jobsim::output::summary::ClusterSummary::of(&r.world, end);
    assert!(c.cpu_utilization > 0.0 && c.cpu_utilization <= 1.0);
    assert_eq!(c.nodes_added, 4);
}
