//! `jobsim sweep`, `jobsim merge` and `jobsim plan`, end to end: identical bytes for any
//! thread count and for merged shards, the charts and report, the planner's answer.

use std::path::Path;
use std::process::Command;

use crate::common::repo;

fn jobsim(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("jobsim starts");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = jobsim(dir, args);
    assert_eq!(code, 0, "jobsim {}\n{out}\n{err}", args.join(" "));
    out
}

/// Every file of a folder (name, bytes), sorted.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

const SWEEP: &str = "scenarios/sweep-parallelism-backoff.yaml";

#[test]
fn thread_count_does_not_change_a_byte() {
    let t = tempfile::tempdir().unwrap();
    let s = repo(SWEEP);
    let s = s.to_str().unwrap();
    ok(
        t.path(),
        &["sweep", s, "-o", "one", "-j", "1", "--replications", "5"],
    );
    ok(
        t.path(),
        &["sweep", s, "-o", "two", "-j", "2", "--replications", "5"],
    );
    let (a, b) = (files(&t.path().join("one")), files(&t.path().join("two")));
    assert_eq!(a.len(), b.len());
    for ((na, ba), (nb, bb)) in a.iter().zip(&b) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between -j 1 and -j 2");
    }
    let names: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "runs.csv",
        "summary.csv",
        "sweep.json",
        "index.html",
        "makespan.svg",
        "makespan.png",
        "heatmap-p95.svg",
        "heatmap-failure.svg",
        "cdf.svg",
        "pareto.svg",
    ] {
        assert!(names.contains(&want), "{want} missing: {names:?}");
    }
}

#[test]
fn merged_shards_equal_the_whole_sweep() {
    let t = tempfile::tempdir().unwrap();
    let s = repo(SWEEP);
    let s = s.to_str().unwrap();
    ok(
        t.path(),
        &["sweep", s, "-o", "whole", "--replications", "4"],
    );
    for i in 0..3 {
        let shard = format!("{i}/3");
        let dir = format!("shard-{i}");
        ok(
            t.path(),
            &[
                "sweep",
                s,
                "-o",
                &dir,
                "--replications",
                "4",
                "--shard",
                &shard,
            ],
        );
        // A shard holds only its own runs.
        let runs = std::fs::read_to_string(t.path().join(&dir).join("runs.csv")).unwrap();
        assert_eq!(runs.lines().count() - 1, (24 * 4) / 3);
    }
    ok(
        t.path(),
        &["merge", "shard-2", "shard-0", "shard-1", "-o", "merged"],
    );
    let (a, b) = (
        files(&t.path().join("whole")),
        files(&t.path().join("merged")),
    );
    assert_eq!(
        a.iter().map(|f| &f.0).collect::<Vec<_>>(),
        b.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{name} differs between the merged shards and the whole sweep"
        );
    }
    // A missing shard is refused.
    let (code, _, err) = jobsim(t.path(), &["merge", "shard-0", "shard-1", "-o", "partial"]);
    assert_eq!(code, 2);
    assert!(err.contains("shard 2/3 is missing"), "{err}");
}

#[test]
fn charts_show_the_swept_values() {
    let t = tempfile::tempdir().unwrap();
    let s = repo(SWEEP);
    ok(
        t.path(),
        &[
            "sweep",
            s.to_str().unwrap(),
            "-o",
            "out",
            "--replications",
            "3",
            "--svg-only",
        ],
    );
    let out = t.path().join("out");
    let svg = std::fs::read_to_string(out.join("makespan.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the SVG parses");
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    for want in [
        "backoffLimit=3",
        "backoffLimit=6",
        "backoffLimit=10",
        "parallelism",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(want)),
            "{want} not in the chart"
        );
    }
    assert!(!out.join("makespan.png").exists());
    let heat = std::fs::read_to_string(out.join("heatmap-failure.svg")).unwrap();
    roxmltree::Document::parse(&heat).expect("the heatmap parses");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let body = html.trim_start_matches("<!DOCTYPE html>\n");
    let page = roxmltree::Document::parse(body).expect("index.html is well-formed");
    assert_eq!(
        page.descendants()
            .filter(|n| n.has_tag_name("figure"))
            .count(),
        5
    );
    // Self-contained: no scripts, nothing fetched (the only URLs are XML namespaces).
    assert!(!html.contains("<script"));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    // summary.csv: 24 settings, numpy-compatible statistics.
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 25);
    assert!(summary.starts_with(
        "setting,jobs.export.spec.parallelism,jobs.export.spec.backoffLimit,runs,completeRuns,failureProbability,mean,stddev,min,p50,p90,p95,p99,max,"
    ));
}

/// completions 20 of 10 s pods: parallelism p needs ceil(20/p) waves of 11 s. For a 30 s
/// deadline the Job must finish in two waves, so the smallest parallelism is 10; the
/// search finds it without evaluating all 20 values.
#[test]
fn the_planner_finds_the_hand_derived_answer() {
    let t = tempfile::tempdir().unwrap();
    let s = repo("scenarios/parallel-processing.yaml");
    let out = ok(
        t.path(),
        &[
            "plan",
            s.to_str().unwrap(),
            "--vary",
            "jobs.parallel-processing.spec.parallelism=1..20",
            "--deadline",
            "30s",
            "--replications",
            "3",
            "-o",
            "plan",
        ],
    );
    assert!(
        out.contains("answer: jobs.parallel-processing.spec.parallelism=10 (p95 22s"),
        "{out}"
    );
    assert!(out.contains("7 of 20 values evaluated"), "{out}");
    let csv = std::fs::read_to_string(t.path().join("plan/plan.csv")).unwrap();
    assert!(csv.contains("\n10,10,22.000,0.000000,true,3\n"), "{csv}");
    assert!(t.path().join("plan/plan.svg").exists());
    // A deadline nothing meets.
    let out = ok(
        t.path(),
        &[
            "plan",
            s.to_str().unwrap(),
            "--vary",
            "jobs.parallel-processing.spec.parallelism=1..20",
            "--deadline",
            "5s",
            "--no-output",
        ],
    );
    assert!(out.contains("answer: no value meets the deadline"), "{out}");
}

#[test]
fn run_set_changes_one_field() {
    let t = tempfile::tempdir().unwrap();
    let s = repo("scenarios/parallel-processing.yaml");
    let out = ok(
        t.path(),
        &[
            "run",
            s.to_str().unwrap(),
            "--set",
            "jobs.parallel-processing.spec.parallelism=10",
            "--no-output",
        ],
    );
    assert!(
        out.contains("parallel-processing   Complete   20/20         22s"),
        "{out}"
    );
    let (code, _, err) = jobsim(
        t.path(),
        &[
            "run",
            s.to_str().unwrap(),
            "--set",
            "jobs.nope.spec.parallelism=1",
            "--no-output",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("--set jobs.nope.spec.parallelism: no Job named \"nope\" in the inputs"),
        "{err}"
    );
}

#[test]
fn a_bad_setting_names_itself() {
    let t = tempfile::tempdir().unwrap();
    let s = repo("scenarios/parallel-processing.yaml");
    let (code, _, err) = jobsim(
        t.path(),
        &[
            "sweep",
            s.to_str().unwrap(),
            "--set",
            "jobs.parallel-processing.spec.parallelism=2,-1",
            "-o",
            "out",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("in setting 1 of the sweep (jobs.parallel-processing.spec.parallelism=-1)"),
        "{err}"
    );
    assert!(err.contains("spec.parallelism: Invalid value: -1"), "{err}");
    assert!(
        !t.path().join("out/runs.csv").exists(),
        "no half-written outputs"
    );
}

/// The emitted Indexed Job is a valid batch/v1 Job: jobsim validates it, and it runs shard
/// i in pod i.
#[test]
fn the_emitted_kubernetes_job_is_valid() {
    let t = tempfile::tempdir().unwrap();
    let s = repo(SWEEP);
    let manifest = ok(
        t.path(),
        &[
            "sweep",
            s.to_str().unwrap(),
            "--emit-k8s-job",
            "--shards",
            "8",
            "--parallelism",
            "4",
        ],
    );
    assert!(manifest.contains("kind: ConfigMap"));
    assert!(manifest.contains("completionMode: Indexed"));
    assert!(manifest.contains("$(JOB_COMPLETION_INDEX)/8"));
    std::fs::write(t.path().join("job.yaml"), &manifest).unwrap();
    let (code, out, err) = jobsim(t.path(), &["validate", "-f", "job.yaml"]);
    assert_eq!(code, 0, "{out}\n{err}");
}

/// The chart in the README is what the command next to it draws.
#[test]
fn the_readme_chart_is_current() {
    let t = tempfile::tempdir().unwrap();
    let s = repo(SWEEP);
    ok(t.path(), &["sweep", s.to_str().unwrap(), "-o", "out"]);
    let drawn = std::fs::read(t.path().join("out/makespan.png")).unwrap();
    let committed = std::fs::read(repo("docs/images/sweep-makespan.png")).unwrap();
    assert!(
        drawn == committed,
        "docs/images/sweep-makespan.png is stale: regenerate it with `jobsim sweep {SWEEP}` and copy makespan.png"
    );
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    assert!(readme.contains("jobsim sweep scenarios/sweep-parallelism-backoff.yaml"));
}

/// The reference sweep S1 (docs/performance.md) expands to 16 settings × 10 replications,
/// and every setting loads with its parallelism and backoffLimit written in. Only loaded,
/// never run here: the benchmark script runs it.
#[test]
fn the_reference_sweep_s1_has_160_runs() {
    use jobsim::experiment::sweep::{SweepSpec, prepare};
    use jobsim::input::load::{LoadOptions, load};

    let files = [repo("scenarios/bench/s1.yaml")];
    let plain = load(&files, &LoadOptions::default()).expect("s1.yaml loads");
    let def = plain.sweep.expect("s1.yaml has a spec.sweep");
    let spec = SweepSpec {
        parameters: def.parameters,
        replications: def.replications.expect("s1.yaml sets its replications"),
    };
    assert_eq!(spec.settings(), 16);
    assert_eq!(spec.settings() * spec.replications as usize, 160);
    let p = prepare(&files, &LoadOptions::default(), spec).expect("every setting loads");
    let got: Vec<(i32, i32)> = p
        .configs
        .iter()
        .map(|c| (c.jobs[0].spec.parallelism, c.jobs[0].spec.backoff_limit))
        .collect();
    let mut want = Vec::new();
    for parallelism in [100, 250, 500, 1000] {
        for backoff in [0, 3, 6, 1_000_000] {
            want.push((parallelism, backoff));
        }
    }
    assert_eq!(got, want);
    assert!(
        p.configs
            .iter()
            .all(|c| c.jobs[0].spec.completions == Some(20_000))
    );
}
