//! Same inputs and seed: identical bytes, every time.

use std::process::Command;

use crate::common::{repo, run_yaml};

fn run_cli(scenario: &str, out: &std::path::Path, extra: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(["run", "--reproducible", "--output"])
        .arg(out)
        .arg(repo(scenario))
        .args(extra)
        .output()
        .expect("jobsim runs");
    assert!(status.status.success(), "{status:?}");
}

fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn two_runs_write_identical_bytes() {
    for scenario in [
        "scenarios/data-migration.yaml",
        "scenarios/indexed-simulation.yaml",
        "scenarios/bench/w2.yaml",
        "scenarios/node-failure.yaml",
        "scenarios/autoscaling-burst.yaml",
        "scenarios/realistic-profile.yaml",
        "scenarios/priority-preemption.yaml",
        "scenarios/shared-cluster-week.yaml",
    ] {
        let t = tempfile::tempdir().unwrap();
        let (a, b) = (t.path().join("a"), t.path().join("b"));
        run_cli(scenario, &a, &[]);
        run_cli(scenario, &b, &[]);
        let (fa, fb) = (files(&a), files(&b));
        // Several Jobs add the jobs and cpu charts.
        let charts = if fa.iter().any(|(n, _)| n == "cpu.svg") {
            4
        } else {
            2
        };
        assert_eq!(
            fa.len(),
            7 + 2 * charts,
            "{scenario}: summary, pods, events, timeseries, pools, the charts in SVG and PNG, index.html and the marker"
        );
        for ((na, ba), (nb, bb)) in fa.iter().zip(&fb) {
            assert_eq!(na, nb);
            assert!(ba == bb, "{scenario}: {na} differs between two runs");
        }
        if scenario.ends_with("shared-cluster-week.yaml") {
            // The README shows this chart; it must be what the command beside it draws.
            let committed = std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("docs/images/shared-cluster-week-cpu.png"),
            )
            .unwrap();
            assert!(
                std::fs::read(a.join("cpu.png")).unwrap() == committed,
                "docs/images/shared-cluster-week-cpu.png is stale: copy cpu.png from `jobsim run scenarios/shared-cluster-week.yaml`"
            );
        }
    }
}

#[test]
fn wall_time_is_the_only_field_that_varies_without_reproducible() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("o");
    let s = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(["run", "--output"])
        .arg(&out)
        .arg(repo("scenarios/pi.yaml"))
        .output()
        .unwrap();
    assert!(s.status.success());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert!(json["wallSeconds"].as_f64().is_some());
    let t2 = tempfile::tempdir().unwrap();
    let out2 = t2.path().join("o");
    run_cli("scenarios/pi.yaml", &out2, &[]);
    let json2: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out2.join("summary.json")).unwrap()).unwrap();
    assert!(json2["wallSeconds"].is_null());
    let mut a = json.clone();
    a["wallSeconds"] = serde_json::Value::Null;
    assert_eq!(a, json2);
}

/// Common random numbers: the same attempt draws the same run time whatever the Job's
/// parallelism, so comparisons between settings are not drowned in noise.
#[test]
fn the_same_attempt_runs_equally_long_under_different_parallelism() {
    let yaml = |parallelism: u32| {
        crate::common::one_job(
            &format!("  completionMode: Indexed\n  completions: 30\n  parallelism: {parallelism}"),
            "      runTime: {lognormal: {mean: 60s, stddev: 30s}}",
        )
    };
    let durations = |p| {
        let r = run_yaml(&yaml(p));
        let mut d: Vec<(u32, u64)> = r
            .pods
            .iter()
            .map(|p| {
                (
                    p.name.index,
                    (p.finished.unwrap() - p.started.unwrap()).as_millis(),
                )
            })
            .collect();
        d.sort();
        d
    };
    assert_eq!(durations(3), durations(10));
}
