//! Every bundled scenario does exactly what its header comment says.

use jobsim::engine::time::SimTime;
use jobsim::output::table::jobs_table;

use crate::common::run_scenario;

fn table(run: &crate::common::Run) -> String {
    jobs_table(
        run.world.jobs.iter(),
        SimTime::from_millis((run.end * 1000.0).round() as u64),
    )
}

#[test]
fn pi() {
    let r = run_scenario("pi");
    let j = r.job("pi");
    assert_eq!(j.status, "Complete");
    assert_eq!(j.reason.as_deref(), Some("CompletionsReached"));
    assert_eq!((j.succeeded, j.failed, j.pods_created), (1, 0, 1));
    assert_eq!(j.completion_time, Some(9.0));
    assert_eq!(
        table(&r),
        "NAME   STATUS     COMPLETIONS   DURATION   AGE\npi     Complete   1/1           9s         10s\n"
    );
}

#[test]
fn hello_job() {
    let r = run_scenario("hello-job");
    let j = r.job("hello-job");
    assert_eq!(j.status, "Complete");
    assert_eq!(j.completion_time, Some(2.0));
    assert!(table(&r).contains("hello-job   Complete   1/1           2s         3s"));
}

#[test]
fn data_migration_backs_off_10_then_20_seconds() {
    let r = run_scenario("data-migration");
    let j = r.job("data-migration");
    assert_eq!(j.status, "Complete");
    assert_eq!((j.succeeded, j.failed, j.pods_created), (1, 2, 3));
    assert_eq!(r.created("data-migration"), vec![0.0, 30.0, 70.0]);
    assert_eq!(j.completion_time, Some(131.0));
    assert!(table(&r).contains("data-migration   Complete   1/1           2m11s      2m12s"));
}

#[test]
fn parallel_processing_completes_at_44_seconds() {
    let r = run_scenario("parallel-processing");
    let j = r.job("parallel-processing");
    assert_eq!(j.status, "Complete");
    assert_eq!((j.succeeded, j.failed, j.pods_created), (20, 0, 20));
    assert_eq!(j.completion_time, Some(44.0));
    let mut created = r.created("parallel-processing");
    created.dedup();
    assert_eq!(created, vec![0.0, 11.0, 22.0, 33.0]);
    assert_eq!(
        table(&r),
        "NAME                  STATUS     COMPLETIONS   DURATION   AGE\nparallel-processing   Complete   20/20         44s        45s\n"
    );
}

#[test]
fn indexed_simulation_completes_at_60_seconds() {
    let r = run_scenario("indexed-simulation");
    let j = r.job("indexed-simulation");
    assert_eq!(j.status, "Complete");
    assert_eq!(j.completed_indexes.as_deref(), Some("0-9"));
    assert_eq!((j.succeeded, j.failed, j.pods_created), (10, 0, 10));
    assert_eq!(j.completion_time, Some(60.0));
    // The slowest chain: index 3 starts at 6 s, 6 at 18 s, 9 at 36 s.
    let start = |i: u32| {
        r.pods
            .iter()
            .find(|p| p.name.index == i)
            .map(|p| p.created.as_secs_f64())
            .unwrap()
    };
    assert_eq!(
        (start(0), start(3), start(6), start(9)),
        (0.0, 6.0, 18.0, 36.0)
    );
    // Every index ran exactly its 2·i + 5 seconds.
    for p in &r.pods {
        let ran = p.finished.unwrap().as_secs_f64() - p.started.unwrap().as_secs_f64();
        assert_eq!(
            ran,
            f64::from(2 * p.name.index + 5),
            "index {}",
            p.name.index
        );
    }
}

#[test]
fn database_backup_hits_its_deadline() {
    let r = run_scenario("database-backup");
    let j = r.job("database-backup");
    assert_eq!(j.status, "Failed");
    assert_eq!(j.reason.as_deref(), Some("DeadlineExceeded"));
    assert_eq!(
        j.message.as_deref(),
        Some("Job was active longer than specified deadline")
    );
    assert_eq!((j.succeeded, j.failed, j.pods_created), (0, 2, 2));
    assert_eq!(r.created("database-backup"), vec![0.0, 1810.0]);
    let cond: Vec<(String, f64)> = j
        .conditions
        .iter()
        .map(|c| (c.condition_type.clone(), c.last_transition_time))
        .collect();
    assert_eq!(
        cond,
        vec![
            ("FailureTarget".to_string(), 3600.0),
            ("Failed".to_string(), 3606.0)
        ]
    );
    // The deleted pod stopped 5 s after SIGTERM.
    let killed = r.pods.iter().find(|p| p.ordinal == 1).unwrap();
    assert_eq!(killed.finished.map(|t| t.as_secs_f64()), Some(3605.0));
    assert_eq!(killed.exit_code, Some(143));
    assert!(table(&r).contains("database-backup   Failed   0/1           60m        60m"));
}

#[test]
fn user_cleanup_runs_one_pod_despite_parallelism_3() {
    let r = run_scenario("user-cleanup");
    let j = r.job("user-cleanup");
    assert_eq!(j.status, "Complete");
    assert_eq!((j.succeeded, j.failed, j.pods_created), (1, 0, 1));
    assert_eq!(j.completion_time, Some(31.0));
}

#[test]
fn queue_workers_complete_when_all_have_exited() {
    let r = run_scenario("queue-workers");
    let j = r.job("queue-workers");
    assert_eq!(j.status, "Complete");
    assert_eq!(j.completions, None);
    assert_eq!((j.succeeded, j.failed, j.pods_created), (5, 0, 5));
    assert_eq!(j.completion_time, Some(91.0));
    let restarted: Vec<u32> = r.pods.iter().map(|p| p.restarts).collect();
    assert_eq!(restarted.iter().sum::<u32>(), 1);
    assert!(table(&r).contains("queue-workers   Complete   5/1 of 5      91s        92s"));
}

#[test]
fn image_processing_burst_ramps_at_the_api_rate_limit() {
    let r = run_scenario("image-processing-burst");
    let j = r.job("thumbnails");
    assert_eq!(j.status, "Complete");
    assert_eq!((j.succeeded, j.pods_created), (1000, 1000));
    let mut created = r.created("thumbnails");
    created.sort_by(f64::total_cmp);
    assert_eq!(created[29], 0.0);
    assert_eq!(created[30], 0.05);
    // The first wave of 200: 30 at once, then one every 50 ms.
    assert_eq!(created[199], 8.5);
    assert_eq!(j.completion_time, Some(172.0));
    assert!(table(&r).contains("thumbnails   Complete   1000/1000     2m52s      2m53s"));
}

#[test]
fn ml_training_images_pull_once_per_node() {
    let r = run_scenario("ml-training-images");
    let train = r.job("train");
    assert_eq!(train.completion_time, Some(1383.0));
    for p in r.pods_of("train") {
        assert_eq!(p.started.unwrap().as_secs_f64(), 182.0);
    }
    let tokenize = r.job("tokenize");
    assert_eq!(tokenize.completion_time, Some(303.0));
    let lines = r.event_lines();
    let pulls = lines.iter().filter(|l| l.1 == "Pulling").count();
    // One pull per GPU node; the second trainer on each node waits for it.
    assert_eq!(pulls, 8);
    assert!(lines.iter().any(|l| l.0 == 182.0
        && l.2 == "Successfully pulled image \"registry.example.com/trainer:cuda12.4\" in 0s (3m0s including waiting)"));
    assert!(lines.iter().any(|l| l.0 == 182.0
        && l.2 == "Successfully pulled image \"registry.example.com/trainer:cuda12.4\" in 3m0s (3m0s including waiting)"));
    let present = lines
        .iter()
        .filter(|l| l.2.contains("already present on machine"))
        .count();
    assert_eq!(present, 4, "the tokenizer's image is preloaded");
}

#[test]
fn node_failure_timeline() {
    let r = run_scenario("node-failure");
    let lines = r.event_lines();
    let at = |reason: &str| -> Vec<f64> {
        lines
            .iter()
            .filter(|l| l.1 == reason)
            .map(|l| l.0)
            .collect()
    };
    assert_eq!(at("NodeFailure"), vec![1200.0, 1200.0]);
    assert_eq!(at("NodeNotReady"), vec![1250.0, 1250.0]);
    assert_eq!(at("TaintManagerEviction"), vec![1550.0; 4]);
    assert_eq!(at("NodeReady"), vec![3000.0, 3000.0]);
    let default = r.job("etl-default");
    assert_eq!((default.failed, default.completion_time), (2, Some(4273.0)));
    let tolerant = r.job("etl-tolerant");
    assert_eq!(
        (tolerant.failed, tolerant.completion_time),
        (0, Some(4505.0))
    );
    let mut replaced: Vec<f64> = r.created("etl-default");
    replaced.dedup();
    assert!(replaced.contains(&1570.0));
    let mut replaced: Vec<f64> = r.created("etl-tolerant");
    replaced.dedup();
    assert!(replaced.contains(&3020.0) && !replaced.contains(&1570.0));
    let t = table(&r);
    assert!(
        t.contains("etl-default    Complete   24/24         71m        75m"),
        "{t}"
    );
    assert!(
        t.contains("etl-tolerant   Complete   24/24         75m        75m"),
        "{t}"
    );
}

#[test]
fn priority_preemption_makes_room_for_the_report() {
    let r = run_scenario("priority-preemption");
    for p in r.pods_of("month-end-report") {
        assert_eq!(p.scheduled.unwrap().as_secs_f64(), 620.0);
    }
    let report = r.job("month-end-report");
    assert_eq!(report.completion_time, Some(921.0));
    let victims: Vec<_> = r
        .pods_of("reindex")
        .into_iter()
        .filter(|p| p.disruption.map(|d| d.as_str()) == Some("PreemptionByScheduler"))
        .collect();
    assert_eq!(victims.len(), 8);
    assert!(
        victims
            .iter()
            .all(|v| v.finished.unwrap().as_secs_f64() == 620.0)
    );
    let reindex = r.job("reindex");
    assert_eq!(reindex.failed, 0);
    assert_eq!(reindex.pods_created, 24);
    let mut created = r.created("reindex");
    created.dedup();
    assert_eq!(created, vec![0.0, 1220.0]);
    assert_eq!(reindex.completion_time, Some(4821.0));
}

#[test]
fn autoscaling_burst_grows_to_the_maximum() {
    let r = run_scenario("autoscaling-burst");
    let j = r.job("backfill");
    assert_eq!(j.completion_time, Some(1301.0));
    let mut starts: Vec<f64> = r
        .pods_of("backfill")
        .iter()
        .map(|p| p.started.unwrap().as_secs_f64())
        .collect();
    starts.sort_by(f64::total_cmp);
    let count = |t: f64| starts.iter().filter(|&&s| s == t).count();
    assert_eq!(
        (count(0.0), count(100.0), count(600.0), count(700.0)),
        (8, 72, 8, 32)
    );
    let lines = r.event_lines();
    let triggered = lines
        .iter()
        .filter(|l| l.2 == "pod triggered scale-up: [{batch 2->20 (max: 20)}]")
        .count();
    let capped = lines
        .iter()
        .filter(|l| l.2 == "pod didn't trigger scale-up: max node group size reached")
        .count();
    assert_eq!((triggered, capped), (72, 40));
    let c = jobsim::output::summary::ClusterSummary::of(
        &r.world,
        SimTime::from_millis((r.end * 1000.0) as u64),
    );
    assert_eq!(c.nodes_added, 18);
    assert_eq!(c.peak_nodes, 20);
    assert!((c.pod_hours - 20.0).abs() < 1e-6);
    assert!((c.node_hours - 6.733333).abs() < 1e-6);
    assert_eq!(
        (c.pending_seconds.p50, c.pending_seconds.p95),
        (100.0, 700.0)
    );
}

#[test]
fn video_transcode_failures_fail_five_indexes() {
    let r = run_scenario("video-transcode-failures");
    let j = r.job("transcode");
    assert_eq!(j.status, "Failed");
    assert_eq!(j.reason.as_deref(), Some("FailedIndexes"));
    assert_eq!(j.failed_indexes.as_deref(), Some("3,86,93,154,163"));
    assert_eq!((j.succeeded, j.pods_created), (195, 214));
    let reason = |want: &str| {
        r.pods
            .iter()
            .filter(|p| p.reason.map(|x| x.as_str()) == Some(want))
            .count()
    };
    assert_eq!(reason("OOMKilled"), 12);
    let exit = |code: i32| r.pods.iter().filter(|p| p.exit_code == Some(code)).count();
    assert_eq!((exit(3), exit(1)), (5, 2));
    assert!(table(&r).contains("transcode   Failed   195/200       27m        27m"));
}

#[test]
fn realistic_profile_adds_start_up_latency() {
    let r = run_scenario("realistic-profile");
    let j = r.job("parallel-processing");
    assert_eq!(j.status, "Complete");
    assert_eq!(j.completion_time, Some(60.0));
    for p in r.pods_of("parallel-processing") {
        // Every pod waits for a sandbox at least; none starts the moment it is bound.
        assert!(p.started.unwrap() > p.scheduled.unwrap());
    }
    // Creations go through the rate-limited client: 10 ms request latency.
    assert!(r.created("parallel-processing").iter().all(|&t| t > 0.0));
}

/// Three days of two CronJobs and Poisson ETL arrivals on 16 cores: every run completes,
/// the hourly report slows down when it meets an ETL Job (p95 well above p50), and the
/// etl quota holds the ETL Jobs to 12 cores.
#[test]
fn shared_cluster_week_saturates_at_the_top_of_the_hour() {
    let r = run_scenario("shared-cluster-week");
    let c = |i| jobsim::output::summary::CronJobSummary::of(&r.world, i);
    let (backup, report) = (c(0), c(1));
    assert_eq!(
        (
            backup.activations,
            backup.jobs_created,
            backup.jobs_complete
        ),
        (3, 3, 3)
    );
    // 02:00 in Berlin is 01:00 UTC: the third backup is scheduled 49 h after the start.
    assert_eq!(backup.last_schedule_time, Some(176_400.0));
    assert_eq!(
        (
            report.activations,
            report.jobs_complete,
            report.history_deleted
        ),
        (72, 72, 69)
    );
    assert_eq!(report.duration_seconds.p50, Some(683.905));
    assert_eq!(report.duration_seconds.p95, Some(1172.471));
    let a = &r.world.arrivals[0];
    assert_eq!((a.arrived, a.rejected.len()), (85, 0));
    let q = &r.world.quotas[0];
    assert_eq!((q.peak[0], q.rejections), (12_000, 610));
    let namespaces = jobsim::output::summary::NamespaceSummary::all(&r.world);
    let names: Vec<(&str, usize, usize)> = namespaces
        .iter()
        .map(|n| (n.name.as_str(), n.jobs, n.complete))
        .collect();
    assert_eq!(
        names,
        vec![("analytics", 72, 72), ("etl", 85, 85), ("ops", 3, 3)]
    );
    let t = jobsim::output::table::kubectl_get(
        &r.world,
        SimTime::from_millis((r.end * 1000.0).round() as u64),
    );
    assert!(
        t.contains(
            "report            @hourly     <none>          False     0        11m             3d"
        ),
        "{t}"
    );
}
