//! jobsim's integration tests, in one binary (one link step instead of one per file, which
//! matters on a two-core machine). Modules are named after the behaviour they pin.

mod analytic;
mod autoscaling;
mod bad_input;
mod cli;
mod common;
mod conformance;
mod control_plane;
mod cron_properties;
mod cronjobs;
mod determinism;
mod interrupt;
mod kubelet;
mod nodes;
mod preemption;
mod properties;
mod records;
mod scenarios;
mod series;
mod sweep;
mod validation;
mod workloads;
