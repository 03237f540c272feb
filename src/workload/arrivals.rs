//! Arrival processes: when copies of a Job template are submitted (ad-hoc ETL runs,
//! reports users start by hand, a replayed log of real submissions).

use crate::engine::time::{SimDuration, SimTime};

use super::Distribution;

/// When the copies of a template arrive.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrivalProcess {
    /// Successive gaps drawn from a distribution (exponential: a Poisson process), the first
    /// one after `start`; no arrival after `until`, at most `limit` of them.
    Interval {
        gap: Distribution,
        start: SimTime,
        until: SimTime,
        limit: Option<u32>,
    },
    /// Given times, each with an optional Job name (a replayed CSV log or a list), sorted.
    Times(Vec<(SimTime, Option<String>)>),
}

/// How many arrivals an interval process may produce at most when `limit` is unset (a
/// guard against a zero-length gap, which the input checks reject anyway).
pub const MAX_ARRIVALS: u32 = 10_000_000;

impl ArrivalProcess {
    /// The shortest gap between two arrivals of an interval process: a distribution that
    /// draws zero (uniform from 0s, a normal around 0) cannot pile arrivals on one instant.
    pub const MIN_GAP: SimDuration = SimDuration::from_millis(1);
}
