//! The conformance suite: every file in `tests/conformance/` is a small scenario translated
//! from an upstream test (named in its `Expect` document), with the Job's state checked at
//! given simulated times. See docs/conformance.md for what each case covers.
//!
//! Expect document:
//!
//! ```yaml
//! apiVersion: jobsim.dev/v1alpha1
//! kind: Expect
//! metadata:
//!   upstream: pkg/controller/job/job_controller_test.go TestControllerSyncJob "job start"
//! spec:
//!   checks:
//!   - at: 1500ms            # state after every event up to this time; omitted: end of run
//!     active: 2
//!     conditions: [SuccessCriteriaMet, Complete]   # Type, Type=False, Type:Reason
//! ```

use std::path::{Path, PathBuf};

use jobsim::api::pod::NO_INDEX;
use jobsim::engine::time::SimTime;
use jobsim::input::duration::parse_duration;
use jobsim::input::load::{LoadOptions, load};
use jobsim::output::summary::JobSummary;
use jobsim::sim::{Collect, RunLimits, World};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ExpectDoc {
    #[allow(dead_code)]
    api_version: String,
    kind: String,
    metadata: ExpectMeta,
    spec: ExpectSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectMeta {
    /// The upstream test(s) this case comes from.
    upstream: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectSpec {
    checks: Vec<Check>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Check {
    at: Option<String>,
    job: Option<String>,
    status: Option<String>,
    reason: Option<String>,
    message: Option<String>,
    active: Option<i32>,
    ready: Option<i32>,
    terminating: Option<i32>,
    succeeded: Option<i32>,
    failed: Option<i32>,
    pods_created: Option<u64>,
    completed_indexes: Option<String>,
    failed_indexes: Option<String>,
    conditions: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    start_time: Option<Option<f64>>,
    #[serde(default, deserialize_with = "present")]
    completion_time: Option<Option<f64>>,
    #[serde(default, deserialize_with = "present")]
    finish_time: Option<Option<f64>>,
    /// Creation times of the Job's pods so far, in creation order.
    pod_creations: Option<Vec<f64>>,
    /// Indexes of the pods created so far, in creation order.
    created_indexes: Option<Vec<u32>>,
    /// Whether the Job has been deleted (TTL or action).
    deleted: Option<bool>,
    /// Reasons of the Job's own events so far, in order.
    job_events: Option<Vec<String>>,
}

/// A field that is present, possibly `null` ("expect no value").
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<f64>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

fn expect_of(path: &Path) -> ExpectDoc {
    let text = std::fs::read_to_string(path).unwrap();
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let v: serde_yaml::Value = serde::Deserialize::deserialize(doc).unwrap();
        if v.get("kind").and_then(|k| k.as_str()) == Some("Expect") {
            let e: ExpectDoc = serde_yaml::from_value(v)
                .unwrap_or_else(|e| panic!("{}: bad Expect document: {e}", path.display()));
            assert_eq!(e.kind, "Expect");
            return e;
        }
    }
    panic!("{}: no Expect document", path.display());
}

/// Everything a check looks at.
fn check(world: &World, obs: &Collect, c: &Check, case: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let job = match &c.job {
        Some(name) => world.jobs.iter().find(|j| &j.name == name),
        None => world.jobs.first(),
    };
    let Some(job) = job else {
        return vec![format!("{case}: no job {:?}", c.job)];
    };
    let s = JobSummary::of(job, world);
    let at = c.at.clone().unwrap_or_else(|| "end".into());
    let mut cmp = |what: &str, want: String, got: String| {
        if want != got {
            errors.push(format!("{case} @ {at}: {what}: want {want}, got {got}"));
        }
    };
    if let Some(v) = &c.status {
        cmp("status", v.clone(), s.status.to_string());
    }
    if let Some(v) = &c.reason {
        cmp("reason", v.clone(), s.reason.clone().unwrap_or_default());
    }
    if let Some(v) = &c.message {
        // `{POD<n>}` stands for the name of the Job's pod with ordinal n (names are random).
        let mut want = v.clone();
        for p in obs.pods.iter().filter(|p| p.name.job == job.id) {
            want = want.replace(
                &format!("{{POD{}}}", p.ordinal),
                &jobsim::output::records::full_pod_name(world, &p.name),
            );
        }
        for (id, p) in world.pods.iter().filter(|(_, p)| p.job == job.id) {
            let name = world.pod_name(id);
            want = want.replace(
                &format!("{{POD{}}}", p.ordinal),
                &jobsim::output::records::full_pod_name(world, &name),
            );
        }
        cmp("message", want, s.message.clone().unwrap_or_default());
    }
    for (name, want, got) in [
        ("active", c.active, s.active),
        ("ready", c.ready, s.ready),
        ("terminating", c.terminating, s.terminating),
        ("succeeded", c.succeeded, s.succeeded),
        ("failed", c.failed, s.failed),
    ] {
        if let Some(w) = want {
            cmp(name, w.to_string(), got.to_string());
        }
    }
    if let Some(v) = c.pods_created {
        cmp("podsCreated", v.to_string(), s.pods_created.to_string());
    }
    if let Some(v) = &c.completed_indexes {
        cmp(
            "completedIndexes",
            v.clone(),
            s.completed_indexes.clone().unwrap_or_default(),
        );
    }
    if let Some(v) = &c.failed_indexes {
        cmp(
            "failedIndexes",
            v.clone(),
            format!("{:?}", s.failed_indexes)
                .replace("Some(\"", "")
                .replace("\")", ""),
        );
    }
    if let Some(v) = &c.conditions {
        let got: Vec<String> = s
            .conditions
            .iter()
            .map(|cond| {
                let mut t = cond.condition_type.clone();
                if cond.status != "True" {
                    t.push('=');
                    t.push_str(&cond.status);
                }
                t
            })
            .collect();
        let want: Vec<String> = v
            .iter()
            .map(|w| w.split(':').next().unwrap().to_string())
            .collect();
        cmp("conditions", format!("{want:?}"), format!("{got:?}"));
        for (w, cond) in v.iter().zip(&s.conditions) {
            if let Some((_, reason)) = w.split_once(':') {
                cmp(
                    &format!("{} reason", cond.condition_type),
                    reason.to_string(),
                    cond.reason.clone(),
                );
            }
        }
    }
    for (name, want, got) in [
        ("startTime", c.start_time, s.start_time),
        ("completionTime", c.completion_time, s.completion_time),
        ("finishTime", c.finish_time, s.finish_time),
    ] {
        if let Some(w) = want {
            cmp(name, format!("{w:?}"), format!("{got:?}"));
        }
    }
    // Pods created so far: finished ones from the records, live ones from the world.
    let mut created: Vec<(u32, f64, u32)> = obs
        .pods
        .iter()
        .filter(|p| p.name.job == job.id)
        .map(|p| (p.ordinal, p.created.as_secs_f64(), p.name.index))
        .collect();
    created.extend(
        world
            .pods
            .iter()
            .filter(|(_, p)| p.job == job.id)
            .map(|(_, p)| (p.ordinal, p.created_at.as_secs_f64(), p.index)),
    );
    created.sort_by_key(|c| c.0);
    if let Some(v) = &c.pod_creations {
        let got: Vec<f64> = created.iter().map(|c| c.1).collect();
        cmp("podCreations", format!("{v:?}"), format!("{got:?}"));
    }
    if let Some(v) = &c.created_indexes {
        let got: Vec<u32> = created
            .iter()
            .map(|c| c.2)
            .filter(|&i| i != NO_INDEX)
            .collect();
        cmp("createdIndexes", format!("{v:?}"), format!("{got:?}"));
    }
    if let Some(v) = c.deleted {
        cmp(
            "deleted",
            v.to_string(),
            job.deleted_at.is_some().to_string(),
        );
    }
    if let Some(v) = &c.job_events {
        let got: Vec<String> = obs
            .events
            .iter()
            .filter(|e| matches!(e.object, jobsim::sim::records::ObjectRef::Job(j) if j == job.id))
            .map(|e| jobsim::output::records::describe(world, e).1)
            .filter(|r| r != "SuccessfulCreate" && r != "SuccessfulDelete")
            .collect();
        cmp("jobEvents", format!("{v:?}"), format!("{got:?}"));
    }
    errors
}

/// Runs one case; returns its problems.
fn run_case(path: &Path) -> Vec<String> {
    let case = path.file_name().unwrap().to_string_lossy().into_owned();
    let expect = expect_of(path);
    assert!(
        !expect.metadata.upstream.trim().is_empty(),
        "{case}: name the upstream test"
    );
    let loaded = match load(&[path.to_path_buf()], &LoadOptions::default()) {
        Ok(l) => l,
        Err(e) => {
            return e
                .diagnostics
                .items
                .iter()
                .map(|d| format!("{case}: {d}"))
                .collect();
        }
    };
    let mut world = World::new(loaded.config);
    let mut obs = Collect::default();
    let limits = RunLimits::default();
    let mut errors = Vec::new();
    let mut timed: Vec<(SimTime, &Check)> = Vec::new();
    let mut at_end: Vec<&Check> = Vec::new();
    for c in &expect.spec.checks {
        match &c.at {
            Some(t) => timed.push((SimTime::ZERO + parse_duration(t).expect("a duration"), c)),
            None => at_end.push(c),
        }
    }
    timed.sort_by_key(|(t, _)| *t);
    for (t, c) in timed {
        while world.queue.peek_time().is_some_and(|next| next <= t) {
            world.step(&mut obs, limits).expect("within limits");
        }
        errors.extend(check(&world, &obs, c, &case));
    }
    world.run(&mut obs, limits).expect("run finishes");
    for c in at_end {
        errors.extend(check(&world, &obs, c, &case));
    }
    errors
}

#[test]
fn every_conformance_case_passes() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 60, "only {} conformance cases", files.len());
    let errors: Vec<String> = files.iter().flat_map(|f| run_case(f)).collect();
    assert!(
        errors.is_empty(),
        "{} problem(s):\n{}",
        errors.len(),
        errors.join("\n")
    );
}
