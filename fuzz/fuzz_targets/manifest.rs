//! Any bytes as a Job manifest file: loading must return Ok or diagnostics, never panic,
//! and every diagnostic must render.
#![no_main]

use std::path::PathBuf;

use jobsim::input::diagnostics::render;
use jobsim::input::load::{LoadOptions, load_from_memory};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Non-UTF-8 input is rejected before parsing (src/input/yaml.rs); fuzz what gets past.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let files = vec![(PathBuf::from("job.yaml"), text.to_string())];
    match load_from_memory(&[files[0].0.clone()], &files, &LoadOptions::default()) {
        Ok(loaded) => {
            for d in &loaded.warnings.items {
                let _ = render(d, &loaded.sources, false);
            }
        }
        Err(e) => {
            for d in &e.diagnostics.items {
                let _ = render(d, &e.sources, true);
            }
        }
    }
});
