//! The bad-input corpus (`tests/bad-input/`, described in its README): every entry is run
//! through the binary, which must fail clearly, never panic or hang, and never create or
//! change an output file.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::repo;

/// What one case expects.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    exit: i32,
    #[serde(default)]
    stderr: Vec<String>,
    #[serde(default)]
    args: Vec<String>,
    /// The entry must not exist (a missing file named on the command line).
    #[serde(default)]
    missing: bool,
}

/// Entries of the corpus folder that are not cases.
const NOT_CASES: [&str; 2] = ["README.md", "expected.yaml"];

/// A case's header comment: `# expect-exit: N`, `# expect-stderr: TEXT`, `# args: A B`.
fn header(bytes: &[u8]) -> Option<Expect> {
    let text = String::from_utf8_lossy(bytes);
    let mut e = Expect::default();
    let mut exit = None;
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        let line = line.trim_start_matches('#').trim_start();
        if let Some(v) = line.strip_prefix("expect-exit:") {
            exit = Some(v.trim().parse().expect("expect-exit takes a number"));
        } else if let Some(v) = line.strip_prefix("expect-stderr:") {
            e.stderr.push(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("args:") {
            e.args = v.split_whitespace().map(str::to_string).collect();
        }
    }
    e.exit = exit?;
    Some(e)
}

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

/// Runs jobsim in `dir`, killing it after `limit`.
fn run(dir: &Path, args: &[String], limit: Duration) -> Outcome {
    let out_path = dir.join(".stdout");
    let err_path = dir.join(".stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_jobsim"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).unwrap())
        .stderr(fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("jobsim starts");
    let start = Instant::now();
    let (status, timed_out) = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break (Some(s), false);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let read = |p: &Path| String::from_utf8_lossy(&fs::read(p).unwrap()).into_owned();
    let o = Outcome {
        code: status.and_then(|s| s.code()),
        stdout: read(&out_path),
        stderr: read(&err_path),
        timed_out,
    };
    fs::remove_file(out_path).unwrap();
    fs::remove_file(err_path).unwrap();
    o
}

/// Every file below `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p.clone());
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    b"<dir>".to_vec(),
                );
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().flatten() {
        fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Checks one outcome; returns the problems found.
fn check(name: &str, what: &str, e: &Expect, o: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail = |m: String| problems.push(format!("{name} ({what}): {m}"));
    if o.timed_out {
        fail("did not finish in time (a hang?)".into());
        return problems;
    }
    if o.code != Some(e.exit) {
        fail(format!("exit code {:?}, expected {}", o.code, e.exit));
    }
    if o.code == Some(101) || o.stderr.contains("panicked") {
        fail("panicked".into());
    }
    for s in &e.stderr {
        if !o.stderr.contains(s.as_str()) && !o.stdout.contains(s.as_str()) {
            fail(format!("expected {s:?} in the output"));
        }
    }
    if e.exit != 0 && !o.stderr.contains("error") {
        fail("stderr does not say `error`".into());
    }
    if !problems.is_empty() {
        problems.push(format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            o.stdout.chars().take(3000).collect::<String>(),
            o.stderr.chars().take(3000).collect::<String>()
        ));
    }
    problems
}

#[test]
fn every_bad_input_fails_clearly_and_leaves_outputs_alone() {
    let corpus = repo("tests/bad-input");
    let sidecar: BTreeMap<String, Expect> =
        serde_yaml::from_str(&fs::read_to_string(corpus.join("expected.yaml")).unwrap())
            .expect("tests/bad-input/expected.yaml parses");

    // The files of a previous run, to check that a failed run leaves them as they were.
    let work = tempfile::tempdir().unwrap();
    let previous = work.path().join("previous");
    let pi = repo("scenarios/pi.yaml");
    let o = run(
        work.path(),
        &[
            "run".into(),
            pi.display().to_string(),
            "--no-charts".into(),
            "--output".into(),
            previous.display().to_string(),
        ],
        Duration::from_secs(60),
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let before = snapshot(&previous);
    assert!(before.len() >= 3, "{before:?}");

    let mut cases: Vec<(String, Expect)> = Vec::new();
    let mut problems = Vec::new();
    let mut names: Vec<String> = fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !NOT_CASES.contains(&n.as_str()))
        .collect();
    names.sort();
    for name in &names {
        let path = corpus.join(name);
        let from_header = if path.is_file() {
            header(&fs::read(&path).unwrap())
        } else {
            None
        };
        match (from_header, sidecar.contains_key(name)) {
            (Some(e), false) => cases.push((name.clone(), e)),
            (None, true) => {}
            (Some(_), true) => problems.push(format!(
                "{name}: expectation both in its header and in expected.yaml"
            )),
            (None, false) => problems.push(format!(
                "{name}: no expectation (add `# expect-exit:` and `# expect-stderr:` lines, or an entry in expected.yaml)"
            )),
        }
    }
    for (name, e) in sidecar {
        let exists = corpus.join(&name).exists();
        if e.missing == exists {
            problems.push(format!(
                "{name}: expected.yaml says missing: {}, but it {}",
                e.missing,
                if exists { "exists" } else { "does not exist" }
            ));
        }
        cases.push((name, e));
    }
    assert!(
        cases.len() >= 60,
        "the corpus should have at least 60 cases, has {}",
        cases.len()
    );

    let limit = Duration::from_secs(120);
    for (name, e) in &cases {
        let file = corpus.join(name).display().to_string();
        // 1. A fresh output folder.
        let t = tempfile::tempdir().unwrap();
        let mut args = vec![
            "run".to_string(),
            file.clone(),
            "--output".into(),
            "out".into(),
        ];
        args.extend(e.args.iter().cloned());
        let o = run(t.path(), &args, limit);
        problems.extend(check(name, "run", e, &o));
        if e.exit != 0 {
            let left = snapshot(t.path());
            if !left.is_empty() {
                problems.push(format!(
                    "{name}: a failed run left files behind: {:?}",
                    left.keys().collect::<Vec<_>>()
                ));
            }
        }
        // 2. An output folder holding a previous run's files.
        if e.exit != 0 {
            let kept = t.path().join("kept");
            copy_dir(&previous, &kept);
            args[3] = "kept".into();
            let o = run(t.path(), &args, limit);
            problems.extend(check(name, "run over a previous run", e, &o));
            if snapshot(&kept) != before {
                problems.push(format!(
                    "{name}: the previous run's files changed: {:?}",
                    snapshot(&kept).keys().collect::<Vec<_>>()
                ));
            }
        }
        // 3. `jobsim validate` rejects what `jobsim run` rejects as bad input.
        if e.exit == 2 && e.args.is_empty() {
            let o = run(t.path(), &["validate".into(), file.clone()], limit);
            problems.extend(check(name, "validate", e, &o));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_header_parser_reads_expectations() {
    let e = header(b"# About.\n# expect-exit: 1\n# expect-stderr: a b\n# args: --x 1\nkind: Job\n# expect-exit: 7\n")
        .unwrap();
    assert_eq!(e.exit, 1);
    assert_eq!(e.stderr, vec!["a b"]);
    assert_eq!(e.args, vec!["--x", "1"]);
    assert!(header(b"kind: Job\n# expect-exit: 2\n").is_none());
    assert!(header(b"").is_none());
}
