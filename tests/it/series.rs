//! timeseries.csv, pools.csv and the cluster figures of summary.json.

use jobsim::input::load::{LoadOptions, load};
use jobsim::output::series::SeriesWriter;
use jobsim::output::summary::ClusterSummary;
use jobsim::sim::records::Tee;
use jobsim::sim::{Collect, RunLimits, World};

use crate::common::{one_job, repo};

/// Runs YAML text with sampling every `interval_ms`; returns the world, the end time and
/// the two CSV texts.
fn sampled(yaml: &str, interval_ms: u64) -> (World, jobsim::engine::time::SimTime, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.yaml");
    std::fs::write(&p, yaml).unwrap();
    let mut config = load(&[p], &LoadOptions::default()).ok().unwrap().config;
    config.sample_interval = Some(jobsim::engine::time::SimDuration::from_millis(interval_ms));
    let mut w = World::new(config);
    let mut series = SeriesWriter::new(Some(Vec::new()), Some(Vec::new())).unwrap();
    let mut collect = Collect::default();
    let out = w
        .run(&mut Tee(&mut collect, &mut series), RunLimits::default())
        .unwrap();
    let (s, p) = series.finish().unwrap();
    (
        w,
        out.end_time,
        String::from_utf8(s.unwrap()).unwrap(),
        String::from_utf8(p.unwrap()).unwrap(),
    )
}

/// Four waves of five 10 s pods (see analytic.rs): the series shows each wave running and
/// the gaps between them, one row per change.
#[test]
fn waves_show_in_the_series() {
    let yaml = std::fs::read_to_string(repo("scenarios/parallel-processing.yaml")).unwrap();
    let (_, end, series, pools) = sampled(&yaml, 1000);
    let rows: Vec<Vec<&str>> = series
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let running: Vec<(&str, &str)> = rows.iter().map(|r| (r[0], r[3])).collect();
    assert_eq!(
        running,
        vec![
            ("0.000", "5"),
            ("10.000", "0"),
            ("11.000", "5"),
            ("21.000", "0"),
            ("22.000", "5"),
            ("32.000", "0"),
            ("33.000", "5"),
            ("43.000", "0"),
            ("44.000", "0"),
        ]
    );
    // At 44 s the Job is finished; the final sample at the end of the run (45 s) is the
    // same row and is left out.
    let last = rows.last().unwrap();
    assert_eq!(end.to_string(), "45.000");
    assert_eq!((last[11], last[12]), ("0", "1"));
    assert!(pools.starts_with("time,pool,nodes,nodesReady"));
    assert!(
        pools
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("0.000,worker,3,3,")
    );
}

/// A coarser interval sees the world only at its boundaries: at 20 s and 40 s a wave is
/// running exactly as at 0 s, so those rows equal the first one and are left out.
#[test]
fn coarse_sampling_keeps_only_changed_rows() {
    let yaml = std::fs::read_to_string(repo("scenarios/parallel-processing.yaml")).unwrap();
    let (_, _, series, _) = sampled(&yaml, 20_000);
    let times: Vec<&str> = series
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(times, vec!["0.000", "45.000"]);
    let (_, _, series, _) = sampled(&yaml, 5_000);
    let running: Vec<String> = series
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{}={}", f[0], f[3])
        })
        .collect();
    // 10 s: wave 1 just ended; 15 s: wave 2 runs.
    assert_eq!(running[0], "0.000=5");
    assert_eq!(running[1], "10.000=0");
    assert_eq!(running[2], "15.000=5");
}

/// One 1-CPU node, two 1-CPU pods of 10 s: the second waits 10 s to be scheduled. The
/// Job completes at 21 s and the run ends with the status update's sync at 22 s: node time
/// 22 s, pod time 20 s, CPU requested 20 of 22 core-seconds.
#[test]
fn cluster_figures_are_exact() {
    let yaml = one_job("  completions: 2\n  parallelism: 2", "      runTime: 10s")
        .replace("cpu: 100m", "cpu: \"1\"")
        .replace(
            "spec:\n  jobs:",
            "spec:\n  cluster:\n    nodePools:\n    - {name: n, count: 1, allocatable: {cpu: \"1\", memory: 4Gi}}\n  jobs:",
        );
    let (w, end, _, _) = sampled(&yaml, 1000);
    assert_eq!(end.as_secs_f64(), 22.0);
    let c = ClusterSummary::of(&w, end);
    assert!((c.node_hours - 22.0 / 3600.0).abs() < 1e-6);
    assert!((c.pod_hours - 20.0 / 3600.0).abs() < 1e-6);
    assert!((c.cpu_utilization - 20.0 / 22.0).abs() < 1e-6);
    assert_eq!(c.pending_seconds.pods, 2);
    assert_eq!(c.pending_seconds.p50, 0.0);
    assert_eq!(c.pending_seconds.p95, 10.0);
    assert_eq!(c.pending_seconds.max, 10.0);
    assert_eq!(c.peak_nodes, 1);
}

/// A sample boundary crossed only by a cancelled timer after the last event is past the
/// end of the run: no row is stamped later than the end.
#[test]
fn no_row_after_the_end() {
    let yaml = std::fs::read_to_string(repo("scenarios/autoscaling-burst.yaml")).unwrap();
    for interval in [6_000, 7_000, 60_000] {
        let (_, end, series, pools) = sampled(&yaml, interval);
        for text in [&series, &pools] {
            let last: f64 = text
                .lines()
                .last()
                .unwrap()
                .split(',')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!(
                last <= end.as_secs_f64(),
                "row at {last} after the end {end}"
            );
        }
    }
}
