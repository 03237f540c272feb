//! The binary, end to end: exit codes, files written, and clear errors on bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::repo;

/// Runs jobsim in `dir` and prints everything useful when an assertion fails.
struct Cmd {
    out: Output,
    cmd: String,
    dir: PathBuf,
}

impl Cmd {
    fn run(dir: &Path, args: &[&str]) -> Cmd {
        let out = Command::new(env!("CARGO_BIN_EXE_jobsim"))
            .args(args)
            .current_dir(dir)
            .output()
            .expect("jobsim starts");
        Cmd {
            out,
            cmd: format!("jobsim {}", args.join(" ")),
            dir: dir.to_path_buf(),
        }
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    fn expect_code(&self, code: i32) -> &Cmd {
        assert_eq!(
            self.code(),
            code,
            "\n$ {} (in {})\n--- stdout ---\n{}--- stderr ---\n{}--- files ---\n{:?}",
            self.cmd,
            self.dir.display(),
            self.stdout(),
            self.stderr(),
            listing(&self.dir)
        );
        self
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                }
                v.push(e.path().strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    v.sort();
    v
}

#[test]
fn run_prints_the_table_and_writes_three_files() {
    let t = tempfile::tempdir().unwrap();
    let scenario = repo("scenarios/parallel-processing.yaml");
    let c = Cmd::run(t.path(), &["run", scenario.to_str().unwrap()]);
    c.expect_code(0);
    let out = c.stdout();
    assert!(out.starts_with("NAME                  STATUS     COMPLETIONS   DURATION   AGE\nparallel-processing   Complete   20/20         44s        45s\n"), "{out}");
    assert!(out.contains("events="), "{out}");
    assert!(out.contains("events/s="), "{out}");
    let dir = t.path().join("output/parallel-processing");
    for f in ["summary.json", "pods.csv", "events.csv"] {
        assert!(
            dir.join(f).is_file(),
            "{f} missing: {:?}",
            listing(t.path())
        );
    }
    let pods = std::fs::read_to_string(dir.join("pods.csv")).unwrap();
    assert_eq!(pods.lines().count(), 21, "header and 20 pods");
    let events = std::fs::read_to_string(dir.join("events.csv")).unwrap();
    assert!(events.starts_with("time,namespace,object,type,reason,message\n"));
    assert!(events.contains(",Job/parallel-processing,Normal,Completed,Job completed"));
}

#[test]
fn format_json_prints_the_summary() {
    let t = tempfile::tempdir().unwrap();
    let scenario = repo("scenarios/data-migration.yaml");
    let c = Cmd::run(
        t.path(),
        &[
            "run",
            "--format",
            "json",
            "--no-output",
            "-f",
            scenario.to_str().unwrap(),
        ],
    );
    c.expect_code(0);
    let v: serde_json::Value = serde_json::from_str(&c.stdout()).expect("stdout is JSON");
    assert_eq!(v["schemaVersion"], 1);
    assert_eq!(v["jobs"][0]["status"], "Complete");
    assert_eq!(v["jobs"][0]["failed"], 2);
    assert_eq!(v["jobs"][0]["completionTime"], 131.0);
    assert!(listing(t.path()).is_empty(), "--no-output wrote files");
}

#[test]
fn a_plain_docs_manifest_runs_on_the_default_cluster() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("job.yaml"),
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pi\nspec:\n  template:\n    spec:\n      containers:\n      - name: pi\n        image: perl:5.34.0\n        command: [\"perl\", \"-Mbignum=bpi\", \"-wle\", \"print bpi(2000)\"]\n      restartPolicy: Never\n  backoffLimit: 4\n",
    )
    .unwrap();
    let c = Cmd::run(t.path(), &["run", "-f", "job.yaml"]);
    c.expect_code(0);
    // Default model: 10 s per attempt, Job complete 1 s later.
    assert!(
        c.stdout()
            .contains("pi     Complete   1/1           11s        12s"),
        "{}",
        c.stdout()
    );
    assert!(t.path().join("output/job/summary.json").is_file());
}

#[test]
fn multi_document_and_list_manifests_skip_other_kinds_with_a_warning() {
    let t = tempfile::tempdir().unwrap();
    let job = |name: &str| {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {{name: {name}}}\nspec:\n  template:\n    spec:\n      containers: [{{name: c, image: busybox:1}}]\n      restartPolicy: Never\n"
        )
    };
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: cm}}\n- {}",
        job("b").replace('\n', "\n  ").trim_end()
    );
    std::fs::write(
        t.path().join("all.yaml"),
        format!(
            "{}---\napiVersion: v1\nkind: Service\nmetadata: {{name: s}}\n---\n{list}\n",
            job("a")
        ),
    )
    .unwrap();
    let c = Cmd::run(t.path(), &["run", "--no-output", "all.yaml"]);
    c.expect_code(0);
    assert!(c.stdout().contains("\na    "), "{}", c.stdout());
    assert!(c.stdout().contains("\nb    "), "{}", c.stdout());
    let err = c.stderr();
    assert!(
        err.contains("warning: all.yaml:") && err.contains("skipping kind \"Service\""),
        "{err}"
    );
    assert!(err.contains("skipping kind \"ConfigMap\""), "{err}");
}

#[test]
fn unknown_fields_in_manifests_are_warnings() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("j.yaml"),
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  completion: 5\n  template:\n    spec:\n      containers: [{name: c, image: busybox:1}]\n      restartPolicy: Never\n",
    )
    .unwrap();
    let c = Cmd::run(t.path(), &["run", "--no-output", "j.yaml"]);
    c.expect_code(0);
    assert!(
        c.stderr()
            .contains("warning: j.yaml:5:3: unknown field \"spec.completion\""),
        "{}",
        c.stderr()
    );
}

#[test]
fn validate_accepts_every_bundled_scenario() {
    let t = tempfile::tempdir().unwrap();
    let bench = std::fs::read_dir(repo("scenarios/bench")).unwrap();
    for entry in std::fs::read_dir(repo("scenarios")).unwrap().chain(bench) {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "yaml") {
            let c = Cmd::run(t.path(), &["validate", p.to_str().unwrap()]);
            c.expect_code(0);
            assert!(c.stdout().starts_with("valid: "), "{}", c.stdout());
        }
    }
}

/// Bad input: exit code 2, a message naming file, line and column where there is one, and
/// no output folder created.
fn bad(name: &str, content: &[u8], expect: &[&str]) {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join(name);
    std::fs::write(&file, content).unwrap();
    for sub in ["run", "validate"] {
        let c = Cmd::run(t.path(), &[sub, name]);
        c.expect_code(2);
        let err = c.stderr();
        for e in expect {
            assert!(err.contains(e), "{sub} {name}: expected {e:?} in:\n{err}");
        }
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(
            listing(t.path()),
            vec![name.to_string()],
            "{sub} {name} wrote files"
        );
    }
}

const JOB: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: j
spec:
  parallelism: 2
  template:
    spec:
      containers:
      - name: c
        image: busybox:1
        resources:
          requests: {cpu: 100m}
      restartPolicy: Never
";

#[test]
fn malformed_yaml() {
    bad(
        "m.yaml",
        b"apiVersion: batch/v1\nkind: Job\nspec: [unclosed\n",
        &["error: m.yaml:4:1:", "did not find expected"],
    );
}

#[test]
fn tabs_in_indentation() {
    bad(
        "t.yaml",
        b"apiVersion: batch/v1\nkind: Job\nspec:\n\tparallelism: 1\n",
        &[
            "error: t.yaml:4:1:",
            "YAML does not allow tabs for indentation",
        ],
    );
}

#[test]
fn wrong_kind_only() {
    bad(
        "k.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
        &["skipping kind \"Pod\"", "no batch/v1 Job or CronJob found"],
    );
}

#[test]
fn wrong_api_version() {
    bad(
        "v.yaml",
        JOB.replace("batch/v1", "batch/v2").as_bytes(),
        &["error: v.yaml:1:13: apiVersion: unsupported apiVersion \"batch/v2\" for kind Job"],
    );
}

#[test]
fn restart_policy_always() {
    bad(
        "r.yaml",
        JOB.replace("Never", "Always").as_bytes(),
        &[
            "error: r.yaml:14:22: spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"",
        ],
    );
}

#[test]
fn negative_parallelism() {
    bad(
        "p.yaml",
        JOB.replace("parallelism: 2", "parallelism: -1").as_bytes(),
        &[
            "error: p.yaml:6:16: spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
            "parallelism: -1",
        ],
    );
}

#[test]
fn unknown_quantity_suffix() {
    bad(
        "q.yaml",
        JOB.replace("cpu: 100m", "cpu: 100x").as_bytes(),
        &[
            "error: q.yaml:13:27: spec.template.spec.containers[0].resources.requests[cpu]: Invalid value: \"100x\"",
        ],
    );
}

#[test]
fn wrong_type() {
    bad(
        "w.yaml",
        JOB.replace("parallelism: 2", "parallelism: five")
            .as_bytes(),
        &["error: w.yaml:6:16: spec.parallelism: invalid type: string \"five\", expected i32"],
    );
}

#[test]
fn missing_template_containers() {
    bad(
        "c.yaml",
        b"apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n",
        &["spec.template.spec.containers: Required value"],
    );
}

#[test]
fn indexed_without_completions() {
    bad(
        "i.yaml",
        JOB.replace(
            "parallelism: 2",
            "parallelism: 2\n  completionMode: Indexed",
        )
        .as_bytes(),
        &["spec.completions: Required value: when completion mode is Indexed"],
    );
}

#[test]
fn empty_file() {
    bad(
        "e.yaml",
        b"",
        &["no batch/v1 Job or CronJob found in the input"],
    );
}

#[test]
fn binary_junk() {
    bad(
        "b.yaml",
        &[0xff, 0xfe, 0x00, 0x12, 0x80, 0x99],
        &["not valid UTF-8"],
    );
}

#[test]
fn unknown_scenario_field() {
    let yaml =
        format!("apiVersion: jobsim.dev/v1alpha1\nkind: Scenario\nspec:\n  seeed: 4\n---\n{JOB}");
    bad(
        "u.yaml",
        yaml.as_bytes(),
        &["error: u.yaml:4:3: spec.seeed: unknown field `seeed`, expected one of `seed`"],
    );
}

#[test]
fn scenario_references_a_missing_job() {
    let yaml = format!(
        "apiVersion: jobsim.dev/v1alpha1\nkind: Scenario\nspec:\n  jobs:\n  - name: nope\n---\n{JOB}"
    );
    bad(
        "n.yaml",
        yaml.as_bytes(),
        &[
            "error: n.yaml:5:11: spec.jobs[0].name: no Job or CronJob default/nope in the manifests (known: default/j)",
        ],
    );
}

#[test]
fn bad_duration() {
    let yaml = format!(
        "apiVersion: jobsim.dev/v1alpha1\nkind: Scenario\nspec:\n  jobs:\n  - name: j\n    pods:\n      runTime: 10 minutes\n---\n{JOB}"
    );
    bad(
        "d.yaml",
        yaml.as_bytes(),
        &["error: d.yaml:7:16: spec.jobs[0].pods.runTime: invalid duration \"10 minutes\""],
    );
}

#[test]
fn duplicate_jobs() {
    bad(
        "dup.yaml",
        format!("{JOB}---\n{JOB}").as_bytes(),
        &["error: dup.yaml:19:9: metadata.name: jobs.batch \"j\" already exists"],
    );
}

#[test]
fn alias_bomb() {
    let bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n";
    bad("bomb.yaml", bomb.as_bytes(), &["repetition limit exceeded"]);
}

#[test]
fn missing_file_and_directory() {
    let t = tempfile::tempdir().unwrap();
    let c = Cmd::run(t.path(), &["run", "nope.yaml"]);
    c.expect_code(2);
    assert!(
        c.stderr()
            .contains("error: nope.yaml: cannot read file: no such file"),
        "{}",
        c.stderr()
    );
    std::fs::create_dir(t.path().join("dir.yaml")).unwrap();
    let c = Cmd::run(t.path(), &["run", "dir.yaml"]);
    c.expect_code(2);
    assert!(
        c.stderr().contains("error: dir.yaml: is a directory"),
        "{}",
        c.stderr()
    );
    assert!(!t.path().join("output").exists());
}

#[test]
fn usage_errors_exit_2() {
    let t = tempfile::tempdir().unwrap();
    Cmd::run(t.path(), &["run", "--format", "xml", "x.yaml"]).expect_code(2);
    Cmd::run(t.path(), &["frobnicate"]).expect_code(2);
    Cmd::run(t.path(), &["--help"]).expect_code(0);
}

#[test]
fn foreign_files_in_the_output_folder_are_protected() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let scenario = repo("scenarios/pi.yaml");
    let c = Cmd::run(t.path(), &["run", "-o", "out", scenario.to_str().unwrap()]);
    c.expect_code(2);
    assert!(
        c.stderr()
            .contains("holds files jobsim did not write (notes.txt)"),
        "{}",
        c.stderr()
    );
    Cmd::run(
        t.path(),
        &["run", "-o", "out", "--force", scenario.to_str().unwrap()],
    )
    .expect_code(0);
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn hitting_a_limit_exits_1_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let scenario = repo("scenarios/parallel-processing.yaml");
    let c = Cmd::run(
        t.path(),
        &["run", "--max-events", "10", scenario.to_str().unwrap()],
    );
    c.expect_code(1);
    assert!(c.stderr().contains("--max-events (10)"), "{}", c.stderr());
    let leftovers: Vec<String> = listing(t.path())
        .into_iter()
        .filter(|f| f.ends_with(".csv") || f.ends_with(".json") || f.contains("jobsim-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A reader that stops reading (`jobsim ... | head -1`) does not make jobsim panic.
#[test]
fn a_closed_stdout_is_not_a_crash() {
    let t = tempfile::tempdir().unwrap();
    let pi = repo("scenarios/pi.yaml");
    for args in [
        vec!["completions", "zsh"],
        vec!["run", pi.to_str().unwrap(), "--no-output", "--stats"],
    ] {
        // The read end is closed before jobsim has started, so every write fails.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_jobsim"))
            .args(&args)
            .current_dir(t.path())
            .stdout(writer)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "jobsim {args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// `--stats` reports what the performance issue asks for: events (own and canonical), their
/// rate, µs per pod, the peaks of queued events and live pods, and the time spent finishing
/// the output files after the simulation.
#[test]
fn stats_name_every_measure() {
    let t = tempfile::tempdir().unwrap();
    let pi = repo("scenarios/pi.yaml");
    let run = Cmd::run(
        t.path(),
        &[
            "run",
            pi.to_str().unwrap(),
            "--stats",
            "--no-charts",
            "-o",
            "out",
        ],
    );
    run.expect_code(0);
    let out = run.stdout();
    for field in [
        "events=",
        "events/s=",
        "canonical-events=",
        "canonical-events/s=",
        "us/pod=",
        "output-wall=",
        "peak-queued-events=",
        "peak-live-pods=",
        "peak-rss=",
    ] {
        assert!(out.contains(field), "no {field} in {out}");
    }
    let output_wall = out
        .split_whitespace()
        .find_map(|w| w.strip_prefix("output-wall="))
        .and_then(|v| v.strip_suffix('s'))
        .and_then(|v| v.parse::<f64>().ok())
        .expect("output-wall is a number of seconds");
    assert!(output_wall >= 0.0);
}

/// `jobsim validate --set` checks every value before a sweep spends time on it.
#[test]
fn validate_checks_every_set_value() {
    let t = tempfile::tempdir().unwrap();
    let s = repo("scenarios/parallel-processing.yaml");
    let s = s.to_str().unwrap();
    let good = Cmd::run(
        t.path(),
        &[
            "validate",
            s,
            "--set",
            "jobs.parallel-processing.spec.parallelism=1..8:x2",
        ],
    );
    good.expect_code(0);
    assert!(
        good.stdout().contains("in all 4 settings"),
        "{}",
        good.stdout()
    );
    let bad = Cmd::run(
        t.path(),
        &[
            "validate",
            s,
            "--set",
            "jobs.parallel-processing.spec.parallelism=2,-1",
        ],
    );
    bad.expect_code(2);
    assert!(
        bad.stderr().contains("in setting 1 of the sweep"),
        "{}",
        bad.stderr()
    );
    assert!(
        bad.stderr().contains("Invalid value: -1"),
        "{}",
        bad.stderr()
    );
}
