//! Ctrl-C: `jobsim run`, `jobsim sweep` and `jobsim plan` stop, exit with 130, say what
//! finished, and leave the output folder exactly as it was (no partial file, no temporary
//! file).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::repo;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn jobsim(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(dir.join("stderr.txt")).unwrap())
        .spawn()
        .expect("jobsim starts")
}

/// Runs jobsim to the end with `args` and `-o out`: the outputs an interrupted run must
/// leave as they are.
fn previous_outputs(args: &[&str], out: &Path) -> BTreeMap<String, Vec<u8>> {
    let status = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(args)
        .arg("-o")
        .arg(out)
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "jobsim {args:?} failed");
    files(out)
}

/// Waits until `ready` holds (the child has installed its handler and is busy), then sends
/// SIGINT and waits for the exit code.
fn interrupt_when(child: &mut Child, ready: impl Fn() -> bool) -> Option<i32> {
    let start = Instant::now();
    while !ready() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "jobsim finished before it could be interrupted"
        );
        assert!(start.elapsed() < Duration::from_secs(60), "never ready");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(200));
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -INT failed");
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s.code();
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("jobsim did not stop within 30 s of Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn an_interrupted_sweep_stops_promptly_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let scenario = repo("scenarios/sweep-parallelism-backoff.yaml");
    let s = scenario.to_str().unwrap();
    let out = t.path().join("out");
    let before = previous_outputs(&["sweep", s, "-r", "1", "--no-charts"], &out);
    // Far more runs than can finish before the signal.
    let mut child = jobsim(
        t.path(),
        &[
            "sweep",
            s,
            "-r",
            "20000",
            "-j",
            "2",
            "--no-charts",
            "-o",
            "out",
        ],
    );
    let stderr = t.path().join("stderr.txt");
    let code = interrupt_when(&mut child, || {
        fs::read_to_string(&stderr).is_ok_and(|e| e.contains("runs"))
    });
    let err = fs::read_to_string(&stderr).unwrap();
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("jobsim: interrupted after "), "{err}");
    assert!(err.contains("of 480000 runs"), "{err}");
    assert!(err.contains("no output files were written"), "{err}");
    assert_eq!(files(&out), before, "the previous sweep's files changed");
}

#[test]
fn an_interrupted_run_leaves_the_previous_outputs_and_no_temporary_file() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let pi = repo("scenarios/pi.yaml");
    let before = previous_outputs(&["run", pi.to_str().unwrap(), "--no-charts"], &out);
    // A run that takes minutes: ten million pods, a thousand at a time.
    let job = t.path().join("long.yaml");
    fs::write(
        &job,
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: long}\nspec:\n  completions: 10000000\n  parallelism: 1000\n  template:\n    spec:\n      containers: [{name: c, image: busybox:1.36}]\n      restartPolicy: Never\n",
    )
    .unwrap();
    let mut child = jobsim(t.path(), &["run", "long.yaml", "--no-charts", "-o", "out"]);
    // The temporary files exist once the run has started.
    let code = interrupt_when(&mut child, || {
        fs::read_dir(&out).is_ok_and(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with(".jobsim-tmp-"))
        })
    });
    let err = fs::read_to_string(t.path().join("stderr.txt")).unwrap();
    assert_eq!(code, Some(130), "{err}");
    assert!(
        err.contains("jobsim: interrupted at simulated time"),
        "{err}"
    );
    assert!(err.contains("long "), "the Jobs table: {err}");
    assert_eq!(files(&out), before, "the previous run's files changed");
}

#[test]
fn an_interrupted_plan_stops_promptly_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let scenario = repo("scenarios/parallel-processing.yaml");
    let s = scenario.to_str().unwrap();
    let vary = "jobs.parallel-processing.spec.parallelism=1..20";
    let out = t.path().join("out");
    let before = previous_outputs(
        &[
            "plan",
            s,
            "--vary",
            vary,
            "--deadline",
            "30s",
            "--svg-only",
            "-r",
            "2",
        ],
        &out,
    );
    // 200,000 runs per value: far more than can finish before the signal.
    let mut child = jobsim(
        t.path(),
        &[
            "plan",
            s,
            "--vary",
            vary,
            "--deadline",
            "30s",
            "-r",
            "200000",
            "-j",
            "2",
            "--svg-only",
            "-o",
            "out",
        ],
    );
    // Nothing is printed while the search runs: give the process time to install its
    // handler (it does so before the first run).
    let started = Instant::now();
    let code = interrupt_when(&mut child, || {
        started.elapsed() > Duration::from_millis(500)
    });
    let err = fs::read_to_string(t.path().join("stderr.txt")).unwrap();
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("jobsim: interrupted after "), "{err}");
    assert!(err.contains("no output files were written"), "{err}");
    assert_eq!(files(&out), before, "the previous plan's files changed");
}
