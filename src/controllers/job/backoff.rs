//! The pod-failure back-off before replacement pods are created
//! (`pkg/controller/job/backoff_utils.go`).
//!
//! The record is kept in the controller's memory per Job: the number of failed pods that
//! finished after the last successful one, and when the last of them finished. The delay
//! for n such failures is `min(10 s × 2^(n−1), 600 s)` (`DefaultJobPodFailureBackOff`,
//! `MaxJobPodFailureBackOff`; the cap was 360 s before Kubernetes 1.28), counted from the
//! last failure's finish time as the API stores it (whole seconds).

use crate::engine::time::{SimDuration, SimTime};

/// `backoffRecord`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackoffRecord {
    pub failures_after_last_success: u32,
    pub last_failure_time: Option<SimTime>,
}

impl BackoffRecord {
    /// `newBackoffRecord`: the record after observing newly finished pods. Both slices hold
    /// finish times (API precision) in any order.
    pub fn next(&self, new_succeeded: &[SimTime], new_failed: &[SimTime]) -> BackoffRecord {
        if new_succeeded.is_empty() {
            if new_failed.is_empty() {
                return *self;
            }
            return BackoffRecord {
                failures_after_last_success: self.failures_after_last_success
                    + new_failed.len() as u32,
                last_failure_time: new_failed.iter().copied().max(),
            };
        }
        // A success resets the count; only failures that finished strictly after the last
        // success count again.
        let last_success = new_succeeded.iter().copied().max().unwrap_or(SimTime::ZERO);
        let after: Vec<SimTime> = new_failed
            .iter()
            .copied()
            .filter(|&t| t > last_success)
            .collect();
        BackoffRecord {
            failures_after_last_success: after.len() as u32,
            last_failure_time: after.iter().copied().max(),
        }
    }

    /// `getRemainingTime`: how long pod creation must still wait at `now`.
    pub fn remaining(&self, now: SimTime, base: SimDuration, cap: SimDuration) -> SimDuration {
        remaining_for_failures(
            now,
            base,
            cap,
            self.failures_after_last_success,
            self.last_failure_time,
        )
    }
}

/// `getRemainingTimeForFailuresCount`.
pub fn remaining_for_failures(
    now: SimTime,
    base: SimDuration,
    cap: SimDuration,
    failures: u32,
    last_failure: Option<SimTime>,
) -> SimDuration {
    let Some(last) = last_failure else {
        return SimDuration::ZERO;
    };
    if failures == 0 {
        return SimDuration::ZERO;
    }
    let backoff = delay(base, cap, failures);
    let elapsed = now.saturating_since(last);
    if backoff < elapsed {
        SimDuration::ZERO
    } else {
        backoff.saturating_sub(elapsed)
    }
}

/// The back-off delay for `failures` consecutive failures (≥ 1).
pub fn delay(base: SimDuration, cap: SimDuration, failures: u32) -> SimDuration {
    let mut d = base;
    for _ in 1..failures {
        d = d.saturating_mul(2);
        if d >= cap {
            return cap;
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: SimDuration = SimDuration::from_secs(10);
    const CAP: SimDuration = SimDuration::from_secs(600);

    fn t(s: u64) -> SimTime {
        SimTime::from_secs(s)
    }

    #[test]
    fn delays_double_up_to_ten_minutes() {
        let d: Vec<u64> = (1..=9).map(|n| delay(BASE, CAP, n).as_secs()).collect();
        assert_eq!(d, vec![10, 20, 40, 80, 160, 320, 600, 600, 600]);
    }

    // backoff_utils_test.go TestGetRemainingBackoffTime uses base 5 s and cap 700 s.
    #[test]
    fn remaining_time_matches_upstream_table() {
        let base = SimDuration::from_secs(5);
        let cap = SimDuration::from_secs(700);
        let now = t(1000);
        let cases: &[(u32, u64, u64)] = &[
            // (failures, seconds since last failure, expected remaining seconds)
            (0, 0, 0),
            (1, 0, 5),
            (1, 5, 0),
            (3, 0, 20),
            (3, 6, 14),
            (8, 0, 640),
            (9, 0, 700),
            (9, 800, 0),
        ];
        for &(n, ago, want) in cases {
            let r = BackoffRecord {
                failures_after_last_success: n,
                last_failure_time: Some(t(1000 - ago)),
            };
            assert_eq!(
                r.remaining(now, base, cap).as_secs(),
                want,
                "n={n} ago={ago}"
            );
        }
    }

    // backoff_utils_test.go TestNewBackoffRecord, translated.
    #[test]
    fn new_record_counts_failures_after_the_last_success() {
        let empty = BackoffRecord::default();
        let r = empty.next(&[], &[t(10), t(12)]);
        assert_eq!(r.failures_after_last_success, 2);
        assert_eq!(r.last_failure_time, Some(t(12)));

        let r2 = r.next(&[], &[t(20)]);
        assert_eq!(r2.failures_after_last_success, 3);
        assert_eq!(r2.last_failure_time, Some(t(20)));

        // A success resets; only failures strictly after it are kept.
        let r3 = r2.next(&[t(30)], &[t(25), t(30), t(31), t(35)]);
        assert_eq!(r3.failures_after_last_success, 2);
        assert_eq!(r3.last_failure_time, Some(t(35)));

        let r4 = r3.next(&[t(40)], &[]);
        assert_eq!(r4, BackoffRecord::default());
    }
}
