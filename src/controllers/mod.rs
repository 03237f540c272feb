//! Controllers of kube-controller-manager that decide a Job's fate: the Job controller and
//! the TTL-after-finished controller.

pub mod client;
pub mod job;
