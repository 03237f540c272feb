//! The API client of a control-plane component: client-go's token-bucket rate limiter
//! (`--kube-api-qps`, `--kube-api-burst`, `k8s.io/client-go/util/flowcontrol`, built on
//! `golang.org/x/time/rate`) and a per-request latency.
//!
//! The bucket starts full with `burst` tokens and refills at `qps`; a request waits for a
//! token. jobsim keeps it as the generic cell-rate algorithm: with emission interval
//! T = 1/qps and tolerance τ = (burst − 1)·T, a request issued at t is sent at
//! max(t, TAT − τ), and TAT becomes max(TAT, t) + T. Requests are granted in the order
//! they are issued. kube-controller-manager's controllers share one client (QPS 20, burst
//! 30: `pkg/controller/apis/config/v1alpha1/defaults.go`); kube-scheduler has its own (QPS
//! 50, burst 100: `pkg/scheduler/apis/config/v1/defaults.go`).

use crate::engine::time::{SimDuration, SimTime};

/// Settings of one client.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClientConfig {
    /// Requests per second.
    pub qps: f64,
    /// Requests that may go out at once after a quiet period.
    pub burst: u32,
    /// Time from sending a request until its effect is visible (API server and informer).
    pub latency: SimDuration,
}

impl ClientConfig {
    /// kube-controller-manager's defaults.
    pub const KCM: ClientConfig = ClientConfig {
        qps: 20.0,
        burst: 30,
        latency: SimDuration::ZERO,
    };
    /// kube-scheduler's defaults.
    pub const SCHEDULER: ClientConfig = ClientConfig {
        qps: 50.0,
        burst: 100,
        latency: SimDuration::ZERO,
    };
}

/// A rate-limited client.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiClient {
    pub config: ClientConfig,
    /// Emission interval in microseconds (kept finer than the millisecond clock so that
    /// rates such as 30 QPS do not drift).
    interval_us: u64,
    tolerance_us: u64,
    /// Theoretical arrival time, microseconds.
    tat_us: u64,
    /// Requests sent so far.
    pub requests: u64,
}

impl ApiClient {
    pub fn new(config: ClientConfig) -> ApiClient {
        let interval_us = (1e6 / config.qps.max(1e-6)).round() as u64;
        ApiClient {
            config,
            interval_us,
            tolerance_us: interval_us * u64::from(config.burst.max(1) - 1),
            tat_us: 0,
            requests: 0,
        }
    }

    /// Reserves a token for a request issued at `at`; returns when its effect is visible
    /// (the send time plus the latency).
    pub fn request(&mut self, at: SimTime) -> SimTime {
        let t_us = at.as_millis() * 1000;
        let send_us = t_us.max(self.tat_us.saturating_sub(self.tolerance_us));
        self.tat_us = self.tat_us.max(t_us) + self.interval_us;
        self.requests += 1;
        // Round the send time up to the millisecond clock: a request never goes out early.
        SimTime::from_millis(send_us.div_ceil(1000)) + self.config.latency
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_one_request_every_50ms_at_20_qps() {
        let mut c = ApiClient::new(ClientConfig::KCM);
        let times: Vec<u64> = (0..100)
            .map(|_| c.request(SimTime::ZERO).as_millis())
            .collect();
        assert!(times[..30].iter().all(|&t| t == 0));
        assert_eq!(times[30], 50);
        assert_eq!(times[31], 100);
        // The 100th request: 70 beyond the burst, 50 ms apart.
        assert_eq!(times[99], 3500);
    }

    #[test]
    fn the_bucket_refills_while_idle() {
        let mut c = ApiClient::new(ClientConfig::KCM);
        for _ in 0..40 {
            c.request(SimTime::ZERO);
        }
        // After 10 s of quiet the bucket is full again: 30 requests at once.
        let later = SimTime::from_secs(10);
        let times: Vec<SimTime> = (0..31).map(|_| c.request(later)).collect();
        assert!(times[..30].iter().all(|&t| t == later));
        assert_eq!(times[30], later + SimDuration::from_millis(50));
    }

    #[test]
    fn latency_is_added() {
        let mut c = ApiClient::new(ClientConfig {
            latency: SimDuration::from_millis(20),
            ..ClientConfig::SCHEDULER
        });
        assert_eq!(c.request(SimTime::from_secs(1)), SimTime::from_millis(1020));
    }

    #[test]
    fn non_integer_millisecond_intervals_do_not_drift() {
        // 30 QPS: 33.333 ms apart; request 30 + 300 lands at exactly 10 s.
        let mut c = ApiClient::new(ClientConfig {
            qps: 30.0,
            burst: 1,
            latency: SimDuration::ZERO,
        });
        let last = (0..301).map(|_| c.request(SimTime::ZERO)).last().unwrap();
        assert_eq!(last, SimTime::from_secs(10));
    }
}
