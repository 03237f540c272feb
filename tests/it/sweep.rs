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
        !t.path().join("out").exists(),
        "no output folder for a sweep with a bad setting"
    );
}

/// A field swept twice in spec.sweep is an input error, not a silent override.
#[test]
fn a_field_swept_twice_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    let s = t.path().join("s.yaml");
    let text = std::fs::read_to_string(repo("scenarios/sweep-parallelism-backoff.yaml")).unwrap();
    let (head, tail) = text.split_once("parameters:").unwrap();
    let dup = format!(
        "{head}parameters:\n      - path: spec.seed\n        values: [1, 2]\n      - path: spec.seed\n        values: [3]{tail}"
    );
    std::fs::write(&s, dup).unwrap();
    let (code, _, err) = jobsim(t.path(), &["sweep", s.to_str().unwrap(), "-o", "out"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("each field is swept once"), "{err}");
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

/// The emitted Job carries every input, including the manifests a scenario names by
/// path, and its command runs here as it would in pod 0.
#[test]
fn the_emitted_job_runs_shard_zero() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("plan/jobs")).unwrap();
    std::fs::write(
        t.path().join("plan/scenario.yaml"),
        "apiVersion: jobsim.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: emit\nspec:\n  manifests: [jobs/etl.yaml]\n  defaults:\n    pods:\n      runTime: 30s\n  sweep:\n    replications: 2\n    parameters:\n      - path: jobs.etl.spec.parallelism\n        values: [1, 2]\n      - path: jobs.etl.metadata.labels.tier\n        values: [\"1\", \"true\", \"a..b\"]\n",
    )
    .unwrap();
    std::fs::write(
        t.path().join("plan/jobs/etl.yaml"),
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: etl\nspec:\n  completions: 4\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: busybox\n",
    )
    .unwrap();
    let manifest = ok(
        t.path(),
        &[
            "sweep",
            "plan/scenario.yaml",
            "--emit-k8s-job",
            "--shards",
            "2",
            "--pod-cpus",
            "2",
        ],
    );
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&manifest)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .filter(|v: &serde_yaml::Value| !v.is_null())
        .collect();
    let (cm, job) = (&docs[0], &docs[1]);
    // Materialise the ConfigMap volume as the kubelet would.
    let pod = t.path().join("pod");
    let volume = &job["spec"]["template"]["spec"]["volumes"][0]["configMap"]["items"];
    for item in volume.as_sequence().unwrap() {
        let key = item["key"].as_str().unwrap();
        let path = pod.join("inputs").join(item["path"].as_str().unwrap());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, cm["data"][key].as_str().unwrap()).unwrap();
    }
    assert!(pod.join("inputs/jobs/etl.yaml").exists(), "{manifest}");
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container["resources"]["requests"]["cpu"].as_str(),
        Some("2")
    );
    let pod_dir = pod.to_str().unwrap();
    let args: Vec<String> = container["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .skip(1)
        .map(|a| {
            a.as_str()
                .unwrap()
                .replace("$(JOB_COMPLETION_INDEX)", "0")
                .replace("/inputs/", &format!("{pod_dir}/inputs/"))
                .replace("/results/", &format!("{pod_dir}/results/"))
        })
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(t.path(), &args);
    let runs = std::fs::read_to_string(pod.join("results/shard-0/runs.csv")).unwrap();
    // 6 settings x 2 replications, every other run in shard 0 of 2; the label values
    // survive the trip through the command line as the strings they were.
    assert_eq!(runs.lines().count(), 1 + 6, "{runs}");
    for v in [",1,", ",true,", ",a..b,"] {
        assert!(runs.contains(v), "{v} missing in\n{runs}");
    }
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

/// Sweeping the seed gives each setting its own base seed (replication r adds r).
#[test]
fn a_swept_seed_is_each_settings_base() {
    let t = tempfile::tempdir().unwrap();
    let s = repo("scenarios/parallel-processing.yaml");
    ok(
        t.path(),
        &[
            "sweep",
            s.to_str().unwrap(),
            "--set",
            "spec.seed=10,20",
            "-r",
            "2",
            "-o",
            "out",
            "--no-charts",
        ],
    );
    let runs = std::fs::read_to_string(t.path().join("out/runs.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(runs.as_bytes());
    let seed_col = rows
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "seed")
        .unwrap();
    let seeds: Vec<String> = rows
        .records()
        .map(|r| r.unwrap()[seed_col].to_string())
        .collect();
    assert_eq!(seeds, ["10", "11", "20", "21"], "{runs}");
}

/// A CronJob has columns in runs.csv: its Jobs' p95 duration shrinks as nodes are added.
#[test]
fn cronjobs_have_columns_in_runs_csv() {
    let t = tempfile::tempdir().unwrap();
    let s = repo("scenarios/shared-cluster-week.yaml");
    ok(
        t.path(),
        &[
            "sweep",
            s.to_str().unwrap(),
            "--set",
            "spec.cluster.nodePools[0].count=3,8",
            "-o",
            "out",
            "--no-charts",
        ],
    );
    let runs = std::fs::read_to_string(t.path().join("out/runs.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(runs.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let col = |h: &str| {
        headers
            .iter()
            .position(|x| x == h)
            .unwrap_or_else(|| panic!("no column {h}"))
    };
    let (p95, ok) = (
        col("cronjob/analytics/report:duration"),
        col("cronjob/analytics/report:succeeded"),
    );
    let recs: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    let p = |i: usize| recs[i][p95].parse::<f64>().unwrap();
    assert_eq!((&recs[0][ok], &recs[1][ok]), ("72", "72"));
    assert!(
        p(0) > p(1) + 60.0,
        "3 nodes: {} s, 8 nodes: {} s",
        p(0),
        p(1)
    );
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
