//! Any bytes as a scenario file next to a valid Job manifest (jobs.yaml, which the scenario
//! may list under spec.manifests): loading must never panic, and diagnostics must render.
#![no_main]

use std::path::PathBuf;

use jobsim::input::diagnostics::render;
use jobsim::input::load::{LoadOptions, load_from_memory};
use libfuzzer_sys::fuzz_target;

const JOBS: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: j
spec:
  completions: 4
  parallelism: 2
  template:
    spec:
      containers:
      - name: main
        image: busybox:1.36
      restartPolicy: Never
";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let files = vec![
        (PathBuf::from("scenario.yaml"), text.to_string()),
        (PathBuf::from("jobs.yaml"), JOBS.to_string()),
    ];
    let result = load_from_memory(
        &[files[0].0.clone(), files[1].0.clone()],
        &files,
        &LoadOptions::default(),
    );
    let (items, sources) = match &result {
        Ok(l) => (&l.warnings.items, &l.sources),
        Err(e) => (&e.diagnostics.items, &e.sources),
    };
    for d in items {
        let _ = render(d, sources, false);
    }
});
