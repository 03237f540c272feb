//! The deterministic core: simulated time, the event queue and the random streams.
//!
//! Architecture invariant: nothing here knows about Kubernetes, files or the wall clock.

pub mod chacha;
pub mod math;
pub mod queue;
pub mod rng;
pub mod time;
