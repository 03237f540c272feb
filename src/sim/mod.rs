//! The simulation: one [`World`] holding every component's state, one event queue, and the
//! handlers that move the world forward.
//!
//! # Event ordering guarantees
//!
//! 1. Events run in order of simulated time; events at the same millisecond run in the
//!    order they were scheduled (FIFO on an insertion sequence number).
//! 2. Within an event, every write to a pod or Job goes through the API layer
//!    ([`api`]), which updates the Job controller's informer view and schedules
//!    the resulting work-queue adds before the handler returns; nothing is observed "later
//!    in the same instant" by accident.
//! 3. A handler never reads the wall clock, a hash map's iteration order or anything but
//!    the world and its own random streams.

pub mod actions;
pub mod api;
pub mod arrivals;
pub mod autoscaling;
pub mod cronjobs;
pub mod kubelet;
pub mod metrics;
pub mod nodes;
pub mod preemption;
pub mod quota;
pub mod records;
pub mod scheduling;
#[cfg(test)]
pub mod testing;
pub mod world;

pub use records::{Collect, Discard, Observer, Record};
pub use world::{
    ControlPlaneConfig, Event, JobInput, RunLimits, RunOutcome, SimConfig, SimError, World,
};
