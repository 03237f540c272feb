//! Reading jobsim's inputs: Kubernetes manifests and scenario files.
//!
//! Architecture invariant: k8s-openapi and serde_yaml types do not leave this module; it
//! returns jobsim's own model, already validated, or diagnostics.

mod cluster;
pub mod cronjob;
pub mod diagnostics;
pub mod duration;
pub mod load;
pub mod locate;
pub mod manifest;
pub mod overrides;
pub mod params;
pub mod priority;
pub mod quota;
pub mod scenario;
pub mod yaml;
