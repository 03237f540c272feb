//! The kubelet: how long a bound pod takes to start, how containers restart in place
//! (restartPolicy OnFailure) and how pods stop when deleted.
//!
//! Crash-loop back-off (`pkg/kubelet/kuberuntime/kuberuntime_manager.go` `doBackOff`, with
//! `k8s.io/client-go/util/flowcontrol.Backoff`): the first restart after a failure is
//! immediate; after that the container waits 10 s, 20 s, 40 s, … capped at 300 s
//! (`MaxContainerBackOff`), measured from the failed run's finish time. A container that ran
//! for more than twice the cap (10 min) since the back-off was last advanced starts over.

use crate::cluster::images::ImagePullConfig;
use crate::engine::time::{SimDuration, SimTime};
use crate::workload::Distribution;

/// kubelet timing.
#[derive(Clone, Debug, PartialEq)]
pub struct KubeletConfig {
    /// From binding until every container is running and the pod is Ready, excluding image
    /// pulls. jobsim's default is 0 (scenarios set a realistic distribution).
    pub pod_startup: Distribution,
    /// Initial crash-loop back-off.
    pub crash_loop_initial: SimDuration,
    /// `MaxContainerBackOff`.
    pub crash_loop_max: SimDuration,
    /// From the containers running until the pod is Ready (readiness probes); 0 makes
    /// pods Ready as soon as they run.
    pub readiness: Distribution,
    /// Image pull times and `serializeImagePulls`.
    pub image_pulls: ImagePullConfig,
}

impl Default for KubeletConfig {
    fn default() -> Self {
        KubeletConfig {
            pod_startup: Distribution::ZERO,
            crash_loop_initial: SimDuration::from_secs(10),
            crash_loop_max: SimDuration::from_secs(300),
            readiness: Distribution::ZERO,
            image_pulls: ImagePullConfig::default(),
        }
    }
}

/// The crash-loop state of one container: the current back-off and when it was last
/// advanced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrashLoop {
    pub backoff: SimDuration,
    pub updated: Option<SimTime>,
}

impl CrashLoop {
    /// The delay before restarting a container that exited at `finished` (it is restarted
    /// at `finished + delay`), advancing the back-off as the kubelet does.
    pub fn restart_delay(&mut self, cfg: &KubeletConfig, finished: SimTime) -> SimDuration {
        let expired = match self.updated {
            None => true,
            Some(u) => finished.saturating_since(u) > cfg.crash_loop_max.saturating_mul(2),
        };
        if expired {
            // Not in back-off: restart now and start the back-off at its initial value.
            self.backoff = cfg.crash_loop_initial;
            self.updated = Some(finished);
            return SimDuration::ZERO;
        }
        let delay = self.backoff;
        // `Next`: the back-off doubles for the following failure.
        self.backoff = self.backoff.saturating_mul(2).min(cfg.crash_loop_max);
        self.updated = Some(finished);
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_are_immediate_then_10_20_40_capped_at_300() {
        let cfg = KubeletConfig::default();
        let mut c = CrashLoop::default();
        let mut t = SimTime::ZERO;
        let mut delays = vec![];
        for _ in 0..8 {
            let d = c.restart_delay(&cfg, t);
            delays.push(d.as_secs());
            t += d + SimDuration::from_secs(1);
        }
        assert_eq!(delays, vec![0, 10, 20, 40, 80, 160, 300, 300]);
    }

    #[test]
    fn a_long_healthy_run_resets_the_backoff() {
        let cfg = KubeletConfig::default();
        let mut c = CrashLoop::default();
        c.restart_delay(&cfg, SimTime::ZERO);
        assert_eq!(c.restart_delay(&cfg, SimTime::from_secs(5)).as_secs(), 10);
        assert_eq!(
            c.restart_delay(&cfg, SimTime::from_secs(5 + 601)).as_secs(),
            0
        );
    }
}
