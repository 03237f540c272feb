//! Experiments over many runs: parameter sweeps replicated across seeds, and the planner
//! that searches a parameter for the cheapest value meeting a deadline.

pub mod plan;
pub mod stats;
pub mod sweep;
