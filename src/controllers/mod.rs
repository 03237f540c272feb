//! Controllers of kube-controller-manager that decide a Job's fate: the Job controller, the
//! TTL-after-finished controller, and the node lifecycle and taint-eviction controllers; and
//! the rate-limited API client they share.

pub mod client;
pub mod cronjob;
pub mod job;
pub mod node_lifecycle;
