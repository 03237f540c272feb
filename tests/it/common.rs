//! Running scenarios from tests.

use std::path::{Path, PathBuf};

use jobsim::input::load::{LoadOptions, load};
use jobsim::output::summary::JobSummary;
use jobsim::sim::records::{EventRecord, PodRecord};
use jobsim::sim::{Collect, RunLimits, World};

/// The result of one run, as tests look at it.
pub struct Run {
    pub world: World,
    pub pods: Vec<PodRecord>,
    pub events: Vec<EventRecord>,
    pub end: f64,
}

impl Run {
    /// The summary of the Job named `name`.
    pub fn job(&self, name: &str) -> JobSummary {
        let j = self
            .world
            .jobs
            .iter()
            .find(|j| j.name == name)
            .unwrap_or_else(|| panic!("no job {name}"));
        JobSummary::of(j, &self.world)
    }

    /// `(time, reason, message)` of every event, in order, formatted as events.csv has them.
    pub fn event_lines(&self) -> Vec<(f64, String, String)> {
        self.events
            .iter()
            .map(|e| {
                let (_, reason, message) = jobsim::output::records::describe(&self.world, e);
                (e.time.as_secs_f64(), reason, message)
            })
            .collect()
    }

    /// Creation times (seconds) of the pods of `job`, in creation order.
    pub fn created(&self, job: &str) -> Vec<f64> {
        self.pods_of(job)
            .iter()
            .map(|p| p.created.as_secs_f64())
            .collect()
    }

    /// The pod records of `job`, in creation order.
    pub fn pods_of(&self, job: &str) -> Vec<&PodRecord> {
        let mut pods: Vec<&PodRecord> = self
            .pods
            .iter()
            .filter(|p| self.world.jobs[p.name.job.0 as usize].name == job)
            .collect();
        pods.sort_by_key(|p| p.ordinal);
        pods
    }
}

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs the files (paths relative to the repository) to the end.
pub fn run_files(paths: &[PathBuf]) -> Run {
    let loaded = match load(paths, &LoadOptions::default()) {
        Ok(l) => l,
        Err(e) => panic!(
            "input rejected: {:#?}",
            e.diagnostics
                .items
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
        ),
    };
    let mut world = World::new(loaded.config);
    let mut obs = Collect::default();
    let outcome = world
        .run(&mut obs, RunLimits::default())
        .expect("run finishes");
    Run {
        world,
        pods: obs.pods,
        events: obs.events,
        end: outcome.end_time.as_secs_f64(),
    }
}

/// The world of a scenario (YAML text), before its first event.
pub fn world_of(yaml: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("scenario.yaml");
    std::fs::write(&p, yaml).unwrap();
    let loaded = load(&[p], &LoadOptions::default()).expect("input accepted");
    World::new(loaded.config)
}

/// The world of a scenario (YAML text) after every event up to `until` seconds.
pub fn world_at(yaml: &str, until: f64) -> World {
    let mut world = world_of(yaml);
    let mut obs = jobsim::sim::Discard;
    let limit = jobsim::engine::time::SimTime::from_millis((until * 1000.0) as u64);
    while world.queue.peek_time().is_some_and(|t| t <= limit) {
        world.step(&mut obs, RunLimits::default()).expect("step");
    }
    world
}

/// Runs a bundled scenario.
pub fn run_scenario(name: &str) -> Run {
    run_files(&[repo(&format!("scenarios/{name}.yaml"))])
}

/// Runs YAML text written to a temporary file.
pub fn run_yaml(yaml: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("scenario.yaml");
    std::fs::write(&p, yaml).unwrap();
    run_files(&[p])
}

/// A scenario with one Job and zero latencies. `job_spec` is the indented Job `spec:` body
/// (without the template), `pods` the indented scenario `pods:` body.
pub fn one_job(job_spec: &str, pods: &str) -> String {
    one_job_with("", job_spec, pods)
}

/// [`one_job`] with further lines of the scenario's `spec:` (indented by two spaces).
pub fn one_job_with(scenario_spec: &str, job_spec: &str, pods: &str) -> String {
    let scenario_spec = if scenario_spec.is_empty() {
        String::new()
    } else {
        format!("{scenario_spec}\n")
    };
    format!(
        "apiVersion: jobsim.dev/v1alpha1
kind: Scenario
metadata: {{name: t}}
spec:
{scenario_spec}  jobs:
  - name: j
    pods:
{pods}
---
apiVersion: batch/v1
kind: Job
metadata: {{name: j}}
spec:
{job_spec}
  template:
    spec:
      containers:
      - name: main
        image: busybox:1
        resources:
          requests: {{cpu: 100m, memory: 64Mi}}
      restartPolicy: Never
"
    )
}

/// The errors of an input (YAML text written to a temporary file), as `field: message`.
pub fn load_errors(text: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("in.yaml");
    std::fs::write(&p, text).unwrap();
    match load(&[p], &LoadOptions::default()) {
        Ok(_) => vec![],
        Err(e) => e
            .diagnostics
            .errors()
            .map(|d| format!("{}: {}", d.field.clone().unwrap_or_default(), d.message))
            .collect(),
    }
}
