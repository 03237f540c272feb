//! Any bytes as one input file, and what loads is run with small limits: neither the
//! readers nor the simulation may panic (debug assertions, which check the world's
//! invariants, are on in `cargo fuzz` builds).
#![no_main]

use std::path::PathBuf;

use jobsim::engine::time::SimTime;
use jobsim::input::load::{LoadOptions, load_from_memory};
use jobsim::sim::{Discard, RunLimits, World};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let files = vec![(PathBuf::from("input.yaml"), text.to_string())];
    let Ok(loaded) = load_from_memory(&[files[0].0.clone()], &files, &LoadOptions::default())
    else {
        return;
    };
    let limits = RunLimits {
        max_events: 20_000,
        max_sim_time: SimTime::from_secs(7 * 24 * 3600),
        max_live_pods: 5_000,
        max_queued_events: 50_000,
    };
    let mut world = World::new(loaded.config);
    let _ = world.run(&mut Discard, limits);
});
