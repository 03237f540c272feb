//! jobsim: a deterministic discrete-event simulator of Kubernetes batch/v1 Jobs.

pub mod api;
pub mod cli;
pub mod cluster;
pub mod controllers;
pub mod engine;
pub mod experiment;
pub mod input;
pub mod output;
pub mod sim;
pub mod workload;
