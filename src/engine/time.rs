//! Simulated time.
//!
//! Simulated time is an integer number of **milliseconds** since the start of the run
//! ([`SimTime`]); spans of time are [`SimDuration`], also integer milliseconds. No float
//! ever stores a time: distributions are sampled in `f64` seconds and rounded once, half
//! away from zero, to whole milliseconds ([`SimDuration::from_secs_f64`]).
//!
//! Kubernetes writes timestamps into API objects with one-second precision (`metav1.Time`
//! serialises as RFC 3339 without fractions). Whatever the Job controller reads back from
//! an object (`status.startTime`, a container's `finishedAt`, a condition's
//! `lastTransitionTime`) is therefore truncated to the second, see [`SimTime::api_truncated`].

use std::fmt;
use std::num::NonZeroU64;
use std::ops::{Add, AddAssign, Sub};

/// A point in simulated time: milliseconds since the run started.
///
/// Stored as milliseconds + 1 in a `NonZeroU64`, so that `Option<SimTime>` (a pod's
/// scheduled, started and finished times...) takes one word, not two. The largest time is
/// [`SimTime::NEVER`], `u64::MAX - 1` ms; arithmetic saturates there.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(NonZeroU64);

/// A span of simulated time in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime::from_millis(0);
    /// A time no run ever reaches; used as "never". Later times saturate to it.
    pub const NEVER: SimTime = SimTime::from_millis(u64::MAX);

    /// `ms` milliseconds (at most [`SimTime::NEVER`]).
    pub const fn from_millis(ms: u64) -> SimTime {
        let stored = if ms >= u64::MAX - 1 { u64::MAX } else { ms + 1 };
        match NonZeroU64::new(stored) {
            Some(v) => SimTime(v),
            None => SimTime(NonZeroU64::MAX),
        }
    }

    /// Saturating, like every other time arithmetic here.
    pub const fn from_secs(s: u64) -> SimTime {
        SimTime::from_millis(s.saturating_mul(1000))
    }

    pub const fn as_millis(self) -> u64 {
        self.0.get() - 1
    }

    /// Seconds as a float, for output only.
    pub fn as_secs_f64(self) -> f64 {
        self.as_millis() as f64 / 1000.0
    }

    /// The time as an API server would store it: truncated to the whole second.
    pub const fn api_truncated(self) -> SimTime {
        let ms = self.as_millis();
        SimTime::from_millis(ms - ms % 1000)
    }

    /// Time elapsed since `earlier`, or zero if `earlier` is in the future.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.as_millis().saturating_sub(earlier.as_millis()))
    }

    /// `self + d`, saturating at [`SimTime::NEVER`].
    pub fn saturating_add(self, d: SimDuration) -> SimTime {
        SimTime::from_millis(self.as_millis().saturating_add(d.0))
    }
}

impl Default for SimTime {
    fn default() -> SimTime {
        SimTime::ZERO
    }
}

impl fmt::Debug for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SimTime").field(&self.as_millis()).finish()
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms)
    }

    /// Saturating: `activeDeadlineSeconds` and `tolerationSeconds` may be any int64.
    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s.saturating_mul(1000))
    }

    pub const fn from_mins(m: u64) -> SimDuration {
        SimDuration(m.saturating_mul(60_000))
    }

    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Whole seconds, rounded down.
    pub const fn as_secs(self) -> u64 {
        self.0 / 1000
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Rounds a non-negative number of seconds to whole milliseconds (half away from zero).
    /// Negative, NaN and infinite inputs map to zero and `MAX` respectively, so that a sampled
    /// distribution can never produce a time that goes backwards.
    pub fn from_secs_f64(seconds: f64) -> SimDuration {
        if seconds.is_nan() || seconds <= 0.0 {
            return SimDuration::ZERO;
        }
        let ms = seconds * 1000.0 + 0.5;
        if ms >= u64::MAX as f64 {
            SimDuration::MAX
        } else {
            SimDuration(ms as u64)
        }
    }

    pub fn saturating_mul(self, factor: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(factor))
    }

    pub fn saturating_sub(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0))
    }

    /// Go's `time.Duration.String()` at millisecond precision, as Kubernetes writes
    /// durations into event messages: "0s", "450ms", "1.5s", "2m0s", "1h2m3.25s".
    pub fn as_go_string(self) -> String {
        let ms = self.0;
        if ms == 0 {
            return "0s".to_string();
        }
        if ms < 1000 {
            return format!("{ms}ms");
        }
        let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
        let (m, rest) = (rest / 60_000, rest % 60_000);
        let (s, frac) = (rest / 1000, rest % 1000);
        let mut seconds = s.to_string();
        if frac > 0 {
            let f = format!("{frac:03}");
            seconds.push('.');
            seconds.push_str(f.trim_end_matches('0'));
        }
        if h > 0 {
            format!("{h}h{m}m{seconds}s")
        } else if m > 0 {
            format!("{m}m{seconds}s")
        } else {
            format!("{seconds}s")
        }
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        self.saturating_add(d)
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    /// Saturating: a time never precedes itself.
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.saturating_since(earlier)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, o: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(o.0))
    }
}

/// Seconds with millisecond precision, e.g. `44.000`: the format of every time column in
/// jobsim's outputs.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.as_millis();
        write!(f, "{}.{:03}", ms / 1000, ms % 1000)
    }
}

impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}

/// Formats a duration as kubectl does in its DURATION and AGE columns
/// (`k8s.io/apimachinery/pkg/util/duration.HumanDuration`): "44s", "2m30s", "3h5m", "2d4h".
pub fn human_duration(d: SimDuration) -> String {
    let seconds = d.as_secs();
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        if s == 0 {
            return format!("{minutes}m");
        }
        return format!("{minutes}m{s}s");
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            return format!("{hours}h");
        }
        return format!("{hours}h{m}m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            return format!("{}d", hours / 24);
        }
        return format!("{}d{h}h", hours / 24);
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            return format!("{}y", hours / 24 / 365);
        }
        return format!("{}y{dy}d", hours / 24 / 365);
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_duration_strings() {
        let g = |ms| SimDuration::from_millis(ms).as_go_string();
        assert_eq!(g(0), "0s");
        assert_eq!(g(450), "450ms");
        assert_eq!(g(1500), "1.5s");
        assert_eq!(g(120_000), "2m0s");
        assert_eq!(g(3_723_250), "1h2m3.25s");
    }

    #[test]
    fn api_truncation_drops_the_fraction_of_a_second() {
        assert_eq!(
            SimTime::from_millis(10_999).api_truncated(),
            SimTime::from_secs(10)
        );
        assert_eq!(SimTime::from_secs(7).api_truncated(), SimTime::from_secs(7));
    }

    #[test]
    fn seconds_round_half_away_from_zero_to_millis() {
        assert_eq!(
            SimDuration::from_secs_f64(1.0004),
            SimDuration::from_millis(1000)
        );
        assert_eq!(
            SimDuration::from_secs_f64(1.0005),
            SimDuration::from_millis(1001)
        );
        assert_eq!(SimDuration::from_secs_f64(-3.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(f64::INFINITY), SimDuration::MAX);
    }

    #[test]
    fn display_is_seconds_with_three_decimals() {
        assert_eq!(SimTime::from_millis(44_005).to_string(), "44.005");
        assert_eq!(SimTime::ZERO.to_string(), "0.000");
    }

    // Cases from apimachinery pkg/util/duration/duration_test.go (TestHumanDuration).
    #[test]
    fn human_duration_matches_kubectl() {
        let cases: &[(u64, &str)] = &[
            (1, "1s"),
            (70, "70s"),
            (190, "3m10s"),
            (70 * 60, "70m"),
            (47 * 60, "47m"),
            (3 * 3600 + 30 * 60, "3h30m"),
            (6 * 3600, "6h"),
            (9 * 3600, "9h"),
            (47 * 3600, "47h"),
            (49 * 3600, "2d1h"),
            (8 * 24 * 3600, "8d"),
            (367 * 24 * 3600, "367d"),
            ((365 * 2 + 10) * 24 * 3600, "2y10d"),
            (365 * 9 * 24 * 3600, "9y"),
        ];
        for &(secs, want) in cases {
            assert_eq!(
                human_duration(SimDuration::from_secs(secs)),
                want,
                "{secs}s"
            );
        }
    }

    /// `Option<SimTime>` is one word, times keep their order, and arithmetic saturates at
    /// `NEVER`, the largest time.
    #[test]
    fn times_are_one_word_and_saturate_at_never() {
        assert_eq!(std::mem::size_of::<Option<SimTime>>(), 8);
        assert_eq!(SimTime::default(), SimTime::ZERO);
        assert_eq!(SimTime::ZERO.as_millis(), 0);
        assert_eq!(SimTime::NEVER.as_millis(), u64::MAX - 1);
        assert_eq!(SimTime::from_millis(u64::MAX), SimTime::NEVER);
        assert!(SimTime::from_millis(5) < SimTime::from_millis(6));
        assert!(SimTime::from_millis(u64::MAX - 2) < SimTime::NEVER);
        assert_eq!(SimTime::NEVER + SimDuration::from_millis(1), SimTime::NEVER);
        assert_eq!(
            SimTime::from_millis(u64::MAX - 3) + SimDuration::MAX,
            SimTime::NEVER
        );
        assert_eq!(format!("{:?}", SimTime::from_millis(1500)), "SimTime(1500)");
        assert_eq!(SimTime::from_millis(1500).api_truncated().as_millis(), 1000);
    }
}
