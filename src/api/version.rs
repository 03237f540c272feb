//! Kubernetes version profiles: which behaviour of the Job controller and the API server a
//! run follows.
//!
//! | version | JobSuccessPolicy | JobManagedBy | delayed terminal condition | CompletionsReached | pod-failure back-off cap |
//! |---|---|---|---|---|---|
//! | 1.29 | off (field dropped) | off (dropped) | no | no | 10 min |
//! | 1.30 | off (alpha, dropped) | off (alpha, dropped) | no | no | 10 min |
//! | 1.31 | on (beta) | off (alpha, dropped) | yes | yes | 10 min |
//! | 1.32 | on | on (beta) | yes | yes | 10 min |
//! | 1.33 | on (GA) | on | yes | yes | 10 min |
//! | 1.34 | on | on | yes | yes | 10 min |
//!
//! podFailurePolicy (beta since 1.26), backoffLimitPerIndex and podReplacementPolicy (beta
//! since 1.29) are on in every supported version. Sources: `pkg/features/kube_features.go`
//! (versioned feature specs) and `pkg/controller/job/job_controller.go`
//! (`delayTerminalCondition`, `newSuccessCondition`); see docs/conformance.md.

use std::fmt;
use std::str::FromStr;

use crate::controllers::job::JobControllerConfig;
use crate::engine::time::SimDuration;

/// A Kubernetes minor version 1.x.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubernetesVersion {
    pub minor: u32,
}

impl KubernetesVersion {
    pub const OLDEST: KubernetesVersion = KubernetesVersion { minor: 29 };
    pub const NEWEST: KubernetesVersion = KubernetesVersion { minor: 34 };

    /// `spec.successPolicy` is kept by the API server.
    pub fn job_success_policy(self) -> bool {
        self.minor >= 31
    }

    /// `spec.managedBy` is kept by the API server.
    pub fn job_managed_by(self) -> bool {
        self.minor >= 32
    }

    /// The Job controller's settings for this version.
    pub fn job_controller(self) -> JobControllerConfig {
        JobControllerConfig {
            // Both came with JobSuccessPolicy beta / JobManagedBy + the v1.31 controller.
            delay_terminal_condition: self.minor >= 31,
            completions_reached_reason: self.minor >= 31,
            // MaxJobPodFailureBackOff: 10 min since 1.28 (6 min before).
            pod_failure_backoff_max: SimDuration::from_secs(600),
            ..JobControllerConfig::default()
        }
    }
}

impl Default for KubernetesVersion {
    fn default() -> Self {
        KubernetesVersion::NEWEST
    }
}

impl fmt::Display for KubernetesVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1.{}", self.minor)
    }
}

impl FromStr for KubernetesVersion {
    type Err = String;
    /// Accepts "1.31", "v1.31" and "1.31.4" (the patch level does not matter).
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().trim_start_matches('v');
        let mut parts = t.split('.');
        let (Some("1"), Some(minor)) = (parts.next(), parts.next()) else {
            return Err(format!(
                "unsupported Kubernetes version {s:?}: expected \"1.{}\" to \"1.{}\"",
                Self::OLDEST.minor,
                Self::NEWEST.minor
            ));
        };
        let minor: u32 = minor
            .parse()
            .map_err(|_| format!("invalid Kubernetes version {s:?}"))?;
        let v = KubernetesVersion { minor };
        if v < Self::OLDEST || v > Self::NEWEST {
            return Err(format!(
                "unsupported Kubernetes version {s:?}: jobsim models 1.{} to 1.{}",
                Self::OLDEST.minor,
                Self::NEWEST.minor
            ));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_supported_versions_only() {
        assert_eq!("1.31".parse::<KubernetesVersion>().unwrap().minor, 31);
        assert_eq!("v1.34.2".parse::<KubernetesVersion>().unwrap().minor, 34);
        assert!("1.28".parse::<KubernetesVersion>().is_err());
        assert!("1.35".parse::<KubernetesVersion>().is_err());
        assert!("2.0".parse::<KubernetesVersion>().is_err());
        assert!("banana".parse::<KubernetesVersion>().is_err());
    }

    #[test]
    fn behaviour_switches_at_1_31() {
        let old = KubernetesVersion { minor: 30 }.job_controller();
        let new = KubernetesVersion { minor: 31 }.job_controller();
        assert!(!old.delay_terminal_condition && !old.completions_reached_reason);
        assert!(new.delay_terminal_condition && new.completions_reached_reason);
    }
}
