//! How pods behave: run times, failures, scripted outcomes.
//!
//! The workload model is the only place that decides what a container does once it runs.
//! Every decision draws from the random stream of one *attempt* (see `engine::rng`), so the
//! same attempt behaves the same way whatever the Job's other settings are.

pub mod arrivals;
pub mod behavior;
pub mod distribution;

pub use behavior::{AttemptKey, Outcome, PodBehavior, ScriptedOutcome, Target};
pub use distribution::{AmountDistribution, Distribution};
