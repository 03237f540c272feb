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
