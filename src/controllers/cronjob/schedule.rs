//! Cron schedules for the simulated CronJob controller.
//!
//! This module is a faithful, deterministic port of the two pieces of upstream code that decide
//! when a Kubernetes CronJob fires:
//!
//! * robfig/cron v3.0.1 (`parser.go`, `spec.go`, `constantdelay.go`), used by the API server
//!   (`cron.ParseStandard` in `pkg/apis/batch/validation`) and by the controller;
//! * kubernetes `pkg/controller/cronjob/utils.go` (`mostRecentScheduleTime`,
//!   `nextScheduleTimeDuration`, `nextScheduleTime`) and the time-zone checks of
//!   `validateScheduleFormat` / `validateTimeZone`.
//!
//! # Grammar (`cron.ParseStandard`)
//!
//! * An optional `TZ=<zone> ` or `CRON_TZ=<zone> ` prefix. robfig accepts it; the API server
//!   rejects any schedule containing `TZ` for new objects ([`Schedule::contains_tz`],
//!   [`validate_schedule_format`]), so in jobsim it only matters for objects that predate the
//!   rule. `TZ=Local` means "no zone" and `TZ= ` (empty name) means UTC, as Go's
//!   `time.LoadLocation` does.
//! * A descriptor, matched against the whole remaining string: `@yearly`/`@annually`
//!   (`0 0 1 1 *`), `@monthly` (`0 0 1 * *`), `@weekly` (`0 0 * * 0`), `@daily`/`@midnight`
//!   (`0 0 * * *`), `@hourly` (`0 * * * *`), or `@every <duration>` with a Go duration
//!   (`1h30m`, `90s`, `1.5h`, units `ns us µs μs ms s m h`). `@every` is a constant delay from
//!   the previous activation, truncated to whole seconds and at least one second, and it ignores
//!   time zones.
//! * Otherwise exactly five whitespace-separated fields: minute (0-59), hour (0-23), day of month
//!   (1-31), month (1-12 or `JAN`-`DEC`), day of week (0-6 or `SUN`-`SAT`; 7 is rejected). Names
//!   are case-insensitive. Each field is a comma-separated list (empty items are skipped, so `,`
//!   alone is a field that never matches) of `*` or `?` (the whole range), `n`, `a-b`, and steps
//!   `*/s`, `a-b/s` and `n/s` (which means `n-max/s`).
//!
//! # Day of month and day of week
//!
//! As in robfig: when either field carries the "star bit", a day must match both fields;
//! otherwise a day matching either field is enough (`0 0 1,15 * SUN` fires on the 1st, the 15th
//! and every Sunday). The star bit is set by `*`, `?` and `*/1`, but not by `*/2` (robfig v3
//! clears it when the step is above one) nor by an explicit `1-31`.
//!
//! # Time zones and daylight saving time
//!
//! Schedules are evaluated in the zone of the `TZ=` prefix when there is one, else in the zone
//! the caller passes: the CronJob's `spec.timeZone` (see [`time_zone`]) or, when unset, UTC,
//! which is jobsim's stand-in for the kube-controller-manager's local zone. Zones come from the
//! IANA database bundled into jiff (`tzdb-bundle-always`), never from the host, and nothing here
//! reads the system clock or the `TZ` environment variable. Zone names are case-sensitive, as
//! Go's `time.LoadLocation` is (jiff's own lookup is not).
//!
//! [`Schedule::next_after`] reproduces `SpecSchedule.Next` step for step, including Go's
//! `time.Date` normalisation of wall times that do not exist, so daylight saving transitions
//! behave exactly as upstream (cases from robfig's `spec_test.go`, `America/New_York`):
//!
//! * Spring forward: a wall time inside the skipped hour does not fire that day (`30 2 * * *`
//!   skips 2012-03-11 and next fires 2012-03-12 02:30); hourly schedules skip the missing hour.
//! * Fall back: a wall time inside the repeated hour fires twice, once per offset (`0 1 * * *`
//!   fires at 01:00 EDT and again at 01:00 EST on 2012-11-04).
//! * Zones where midnight itself is skipped (`America/Sao_Paulo` before 2019) are handled by
//!   robfig's day-loop correction (issue robfig/cron#157).
//!
//! If no activation exists within five years of the start (robfig's give-up rule), there is none:
//! `0 0 30 2 *` never fires, and `0 0 29 2 *` evaluated after 2096-02-29 does not find
//! 2104-02-29.
//!
//! # Time representation
//!
//! The API takes and returns [`jiff::Timestamp`]s. jobsim's simulated clock (integer milliseconds
//! since the scenario's RFC 3339 start instant) converts with [`sim_ms_to_timestamp`] and
//! [`timestamp_to_sim_ms_ceil`].
//!
//! # Fidelity
//!
//! Besides the ported upstream tables in the tests, this port was checked differentially against
//! robfig/cron v3.0.1 built with Go 1.19 and tzdata 2026f (the version jiff bundles): over
//! 500,000 generated cases (schedules, junk strings, instants near transitions in 20 zones with
//! unusual rules such as Lord Howe, Chatham, Havana, Santiago, Casablanca and Troll), through
//! `Next`, upstream's `mostRecentScheduleTime` and `nextScheduleTimeDuration`, gave identical
//! activations, counts and error messages except for the deviations below.
//!
//! # Deviations from upstream
//!
//! Each is limited to inputs where Go panics, hangs or overflows:
//!
//! * `TZ=Zone` with no space after it makes robfig panic (slice out of range); here it is the
//!   error [`ScheduleError::MissingScheduleAfterTimeZone`].
//! * robfig's `Next` loops forever in a few zone histories, e.g. `Pacific/Apia` around
//!   2011-12-30, the day Samoa skipped (Go's `time.Date` maps Dec 30 back to Dec 29).
//!   [`Schedule::next_after`] stops after 100,000 internal steps (normal schedules need well
//!   under a thousand) and reports no activation.
//! * Go's zero `time.Time` ("no activation") leaks into upstream's arithmetic: when the first
//!   activation after `earliest` does not exist, `mostRecentScheduleTime` either reports
//!   "time difference between two schedules is less than 1 second" or, for schedules that fire
//!   in years 1-6 (e.g. Feb 29), loops forever. Here both report
//!   [`ScheduleError::SchedulesTooClose`]. Upstream also computes the second activation before
//!   checking whether the first is due; here it is computed only when needed, which changes
//!   nothing but the hangs.
//! * `startingDeadlineSeconds` beyond ±292 years overflows `time.Duration` in Go; here the
//!   arithmetic is exact, so such a deadline never binds.
//! * Go reads zones from the host's files, so a prefix like `TZ=America/New_York/x` can fail
//!   with an operating-system message ("not a directory"); here it is always
//!   "unknown time zone ...".
//!
//! Kept on purpose: upstream's approximate count of missed activations (see
//! [`most_recent_schedule_time`]), and its cost profile: only when `earliest` lies more than
//! 292 years before `now` (where Go's `time.Duration` saturates) does it enumerate activations
//! from far back.

use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::{SignedDuration, Timestamp};

/// Upstream's `nextScheduleDelta`: the controller requeues a CronJob 100 ms after its next
/// activation to absorb clock skew.
pub const NEXT_SCHEDULE_DELTA: SignedDuration = SignedDuration::from_millis(100);

/// Above this many missed activations upstream emits the `TooManyMissedTimes` warning event.
pub const TOO_MANY_MISSED_THRESHOLD: u64 = 100;

/// Why a schedule or time zone was rejected. Messages follow robfig/cron v3 and the API server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The schedule string is empty.
    #[error("empty spec string")]
    EmptySpec,
    /// The `TZ=`/`CRON_TZ=` prefix names a zone that does not load.
    #[error("provided bad location {name}: {reason}")]
    BadLocation { name: String, reason: String },
    /// A `TZ=`/`CRON_TZ=` prefix with no space after it (robfig panics here).
    #[error("time zone prefix without a schedule: {spec}")]
    MissingScheduleAfterTimeZone { spec: String },
    /// An `@word` that is not a known descriptor.
    #[error("unrecognized descriptor: {0}")]
    UnrecognizedDescriptor(String),
    /// `@every` followed by something Go's `time.ParseDuration` rejects.
    #[error("failed to parse duration {spec}: {reason}")]
    BadDuration { spec: String, reason: String },
    /// Wrong number of fields. `expected` is "exactly 5" for standard schedules.
    #[error("expected {expected} fields, found {found}: [{}]", fields.join(" "))]
    FieldCount {
        expected: &'static str,
        found: usize,
        fields: Vec<String>,
    },
    /// `a-b-c`.
    #[error("too many hyphens: {0}")]
    TooManyHyphens(String),
    /// `a/b/c`.
    #[error("too many slashes: {0}")]
    TooManySlashes(String),
    /// Not a number (nor a name, where names are allowed); `reason` is Go's `strconv` error.
    #[error("failed to parse int from {expr}: {reason}")]
    BadNumber { expr: String, reason: String },
    /// A negative number, e.g. the step in `*/-5`.
    #[error("negative number ({number}) not allowed: {expr}")]
    NegativeNumber { number: i64, expr: String },
    /// The start of a range is below the field's minimum.
    #[error("beginning of range ({start}) below minimum ({min}): {expr}")]
    BelowMinimum { start: u64, min: u64, expr: String },
    /// The end of a range is above the field's maximum.
    #[error("end of range ({end}) above maximum ({max}): {expr}")]
    AboveMaximum { end: u64, max: u64, expr: String },
    /// `b-a` with `b > a`.
    #[error("beginning of range ({start}) beyond end of range ({end}): {expr}")]
    BeyondEnd { start: u64, end: u64, expr: String },
    /// A step of zero (`*/0`), which robfig v3 rejects instead of hanging.
    #[error("step of range should be a positive number: {0}")]
    ZeroStep(String),
    /// `spec.timeZone` is invalid; `reason` is the API server's message.
    #[error("{reason}")]
    InvalidTimeZone { name: String, reason: String },
    /// The API server rejects `TZ`/`CRON_TZ` in the schedule of new objects.
    #[error("cannot use TZ or CRON_TZ in schedule, use timeZone field instead")]
    TimeZoneInSchedule,
    /// The API server rejects `TZ` in the schedule together with `spec.timeZone` on updates.
    #[error("cannot use both timeZone field and TZ or CRON_TZ in schedule")]
    TimeZoneInScheduleAndField,
    /// Upstream's error for schedules whose first two activations after `earliest` are less
    /// than a second apart, which in practice means they never fire (`59 23 31 2 *`).
    #[error("time difference between two schedules is less than 1 second")]
    SchedulesTooClose,
}

/// A parsed cron schedule (robfig `SpecSchedule` or `ConstantDelaySchedule`).
///
/// Parsing is the only expensive step; evaluating is allocation-free and cheap enough to call
/// for every activation of a months-long `* * * * *` scenario.
#[derive(Debug, Clone)]
pub struct Schedule {
    source: String,
    kind: Kind,
    location: Location,
    tz_prefix: bool,
}

impl Schedule {
    /// Parses like robfig `cron.ParseStandard`. `TZ=`/`CRON_TZ=` prefixes are accepted (as robfig
    /// does) but reported by [`Schedule::has_tz_prefix`] so validation can reject them as the API
    /// server does for new objects.
    pub fn parse(spec: &str) -> Result<Schedule, ScheduleError> {
        parse_spec(spec, Layout::Standard)
    }

    /// The string this schedule was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the schedule starts with `TZ=` or `CRON_TZ=`.
    pub fn has_tz_prefix(&self) -> bool {
        self.tz_prefix
    }

    /// Whether the schedule contains `TZ` anywhere: the API server's test
    /// (`strings.Contains(schedule, "TZ")`) in `validateScheduleFormat`, and the controller's in
    /// `formatSchedule`, where it makes `spec.timeZone` be ignored.
    pub fn contains_tz(&self) -> bool {
        self.source.contains("TZ")
    }

    /// The zone named by a `TZ=`/`CRON_TZ=` prefix, unless it was `Local` (or absent), in which
    /// case the caller's zone applies.
    pub fn prefix_time_zone(&self) -> Option<&TimeZone> {
        match &self.location {
            Location::Zone(tz) => Some(tz),
            Location::Caller => None,
        }
    }

    /// The zone to evaluate this schedule in for a CronJob whose `spec.timeZone` loaded as
    /// `spec_time_zone`, following the controller's `formatSchedule`: a schedule that contains
    /// `TZ` ignores `spec.timeZone` (its prefix zone applies, or the controller's local zone for
    /// `TZ=Local`); otherwise `spec.timeZone` applies. UTC stands in for the local zone.
    pub fn controller_time_zone(&self, spec_time_zone: Option<&TimeZone>) -> TimeZone {
        if let Some(prefix) = self.prefix_time_zone() {
            return prefix.clone();
        }
        match spec_time_zone {
            Some(tz) if !self.contains_tz() => tz.clone(),
            _ => TimeZone::UTC,
        }
    }

    /// The first activation strictly after `after` (robfig `Schedule.Next`), or `None` if there is
    /// none within robfig's five-year search window (e.g. `0 0 30 2 *`).
    ///
    /// The schedule is evaluated in its `TZ=` prefix zone if it has one, else in `tz`: the
    /// CronJob's `spec.timeZone`, or UTC (jobsim's stand-in for the controller manager's local
    /// zone) when that is unset. `@every` schedules ignore zones. Sub-second parts of `after` are
    /// dropped before searching, so results are always whole seconds.
    pub fn next_after(&self, after: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        let mut zone = ZoneCursor::new(self.zone_for(tz));
        let next = self.next_seconds(&mut zone, after.as_nanosecond())?;
        Timestamp::from_second(next).ok()
    }

    /// All activations strictly after `after`, in order, as repeated [`Schedule::next_after`]
    /// calls would give them, but reusing the time zone lookups between steps.
    pub fn activations<'a>(&'a self, after: Timestamp, tz: &'a TimeZone) -> Activations<'a> {
        Activations {
            schedule: self,
            zone: ZoneCursor::new(self.zone_for(tz)),
            after: Some(after.as_nanosecond()),
        }
    }

    fn zone_for<'a>(&'a self, tz: &'a TimeZone) -> &'a TimeZone {
        match &self.location {
            Location::Zone(prefix) => prefix,
            Location::Caller => tz,
        }
    }

    /// robfig `Next` on raw numbers: nanoseconds since the Unix epoch in, whole seconds out.
    fn next_seconds(&self, zone: &mut ZoneCursor<'_>, after_ns: i128) -> Option<i64> {
        let after = i64::try_from(after_ns.div_euclid(NANOS_PER_SECOND)).ok()?;
        match self.kind {
            // ConstantDelaySchedule.Next: t + delay - t.Nanosecond().
            Kind::Every { delay_seconds } => after.checked_add(delay_seconds),
            Kind::Spec(bits) => spec_next(&bits, zone, after),
        }
    }
}

/// Iterator returned by [`Schedule::activations`].
pub struct Activations<'a> {
    schedule: &'a Schedule,
    zone: ZoneCursor<'a>,
    after: Option<i128>,
}

impl Iterator for Activations<'_> {
    type Item = Timestamp;

    fn next(&mut self) -> Option<Timestamp> {
        let after = self.after?;
        let next = self.schedule.next_seconds(&mut self.zone, after);
        self.after = next.map(seconds_to_nanos);
        // An activation beyond jiff's range (year 9999) ends the sequence like "never" does.
        let found = next.and_then(|s| Timestamp::from_second(s).ok());
        if found.is_none() {
            self.after = None;
        }
        found
    }
}

/// Loads `spec.timeZone` from the bundled IANA database with the API server's checks
/// (`validateTimeZone`): non-empty, IANA-style characters, not `Local`, and loadable (case
/// sensitive, as Go's `time.LoadLocation`).
pub fn time_zone(name: &str) -> Result<TimeZone, ScheduleError> {
    let invalid = |reason: String| ScheduleError::InvalidTimeZone {
        name: name.to_owned(),
        reason,
    };
    if name.is_empty() {
        return Err(invalid(
            "timeZone must be nil or non-empty string".to_owned(),
        ));
    }
    for part in name.split('/') {
        if part == "." || part == ".." || part.starts_with('-') || !valid_time_zone_part(part) {
            return Err(invalid(format!("unknown time zone {name}")));
        }
    }
    if name.eq_ignore_ascii_case("Local") {
        return Err(invalid(
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
                .to_owned(),
        ));
    }
    match go_load_location(name) {
        Ok(Location::Zone(tz)) => Ok(tz),
        // Only the exact name "Local" loads as the local zone, and it was rejected above.
        Ok(Location::Caller) => Err(invalid(format!("unknown time zone {name}"))),
        Err(reason) => Err(invalid(reason)),
    }
}

/// The schedule checks of the API server's `validateScheduleFormat`: the schedule must parse, and
/// may contain `TZ` only when `allow_tz_in_schedule` (upstream: the object is being updated and
/// its old schedule already contained `TZ`) and `spec.timeZone` is unset.
pub fn validate_schedule_format(
    schedule: &str,
    allow_tz_in_schedule: bool,
    time_zone_set: bool,
) -> Vec<ScheduleError> {
    let mut errors = Vec::new();
    if let Err(err) = Schedule::parse(schedule) {
        errors.push(err);
    }
    let contains_tz = schedule.contains("TZ");
    if allow_tz_in_schedule && contains_tz && time_zone_set {
        errors.push(ScheduleError::TimeZoneInScheduleAndField);
    } else if !allow_tz_in_schedule && contains_tz {
        errors.push(ScheduleError::TimeZoneInSchedule);
    }
    errors
}

/// The result of [`most_recent_schedule_time`], mirroring upstream's return values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missed {
    /// The earliest time considered: the `earliest` argument, raised to
    /// `now - startingDeadlineSeconds` when that is later.
    pub earliest: Timestamp,
    /// The most recent activation in `(earliest, now]` that the controller should start, if any.
    pub most_recent: Option<Timestamp>,
    /// Upstream's estimate of the missed activations, `(now - t1) / (t2 - t1) + 1` from the first
    /// two activations `t1 < t2` after `earliest`. It is exact for evenly spaced schedules. It is
    /// 0 when upstream does not count (fewer than two activations are due, which upstream
    /// reports as "none missed" even when `most_recent` is set).
    pub missed: u64,
    /// `missed > 100`: upstream's "too many missed start times" warning condition.
    pub too_many: bool,
    /// Upstream's error, which makes the controller record `InvalidSchedule` and stop requeueing.
    pub error: Option<ScheduleError>,
}

/// Upstream `mostRecentScheduleTime`.
///
/// `earliest` is `status.lastScheduleTime`, or `metadata.creationTimestamp` when that is unset.
/// Pass `starting_deadline_seconds` when upstream's `includeStartingDeadlineSeconds` is true
/// (`nextScheduleTime` does, `nextScheduleTimeDuration` does not): it raises `earliest` to
/// `now - startingDeadlineSeconds`.
///
/// This keeps upstream's approximation for counting missed activations: it jumps to
/// `t1 + (missed - 2) * (t2 - t1)` and only enumerates activations from there, so for unevenly
/// spaced schedules `most_recent` can be `None` even though activations were missed (upstream's
/// test "another complex schedule": `30 10,11,12 * * 1-5` seen on a Friday afternoon).
pub fn most_recent_schedule_time(
    schedule: &Schedule,
    tz: &TimeZone,
    earliest: Timestamp,
    now: Timestamp,
    starting_deadline_seconds: Option<i64>,
) -> Missed {
    let now_ns = now.as_nanosecond();
    let mut earliest_ns = earliest.as_nanosecond();
    if let Some(deadline_seconds) = starting_deadline_seconds {
        // The controller is not going to schedule anything below this point.
        let deadline = now_ns - i128::from(deadline_seconds) * NANOS_PER_SECOND;
        if deadline > earliest_ns {
            earliest_ns = deadline;
        }
    }
    let mut result = Missed {
        earliest: timestamp_from_nanos_clamped(earliest_ns),
        most_recent: None,
        missed: 0,
        too_many: false,
        error: None,
    };
    let mut zone = ZoneCursor::new(schedule.zone_for(tz));
    let too_close = |mut result: Missed| {
        result.error = Some(ScheduleError::SchedulesTooClose);
        result
    };

    let Some(t1) = schedule.next_seconds(&mut zone, earliest_ns) else {
        return too_close(result);
    };
    let t1_ns = seconds_to_nanos(t1);
    if now_ns < t1_ns {
        return result;
    }
    // A missing second activation is Go's zero time, which makes the interval negative.
    let Some(t2) = schedule.next_seconds(&mut zone, t1_ns) else {
        return too_close(result);
    };
    let t2_ns = seconds_to_nanos(t2);
    if now_ns < t2_ns {
        result.most_recent = Timestamp::from_second(t1).ok();
        return result;
    }

    let between = go_whole_seconds(go_round_to_second(go_sub(t2_ns, t1_ns)));
    if between < 1 {
        return too_close(result);
    }
    // Upstream's rough count: how many intervals of (t2 - t1) fit between t1 and now.
    let elapsed = go_whole_seconds(go_sub(now_ns, t1_ns));
    let missed = elapsed / between + 1;

    // Go back one interval more than the count suggests and let the schedule find the exact
    // times from there, which keeps `@every` and irregular schedules on their real activations.
    let potential_earliest =
        t1_ns + i128::from(missed - 2) * i128::from(between) * NANOS_PER_SECOND;
    let mut most_recent = None;
    let mut cursor = schedule.next_seconds(&mut zone, potential_earliest);
    while let Some(t) = cursor {
        if seconds_to_nanos(t) > now_ns {
            break;
        }
        most_recent = Some(t);
        cursor = schedule.next_seconds(&mut zone, seconds_to_nanos(t));
    }

    result.missed = u64::try_from(missed).unwrap_or(0);
    result.too_many = result.missed > TOO_MANY_MISSED_THRESHOLD;
    result.most_recent = most_recent.and_then(|t| Timestamp::from_second(t).ok());
    result
}

/// When the controller requeues a CronJob seen at `now`: the next activation after `now` plus
/// [`NEXT_SCHEDULE_DELTA`]. `None` when the schedule never fires again, where upstream's negative
/// duration amounts to not requeueing.
///
/// This equals upstream's `nextScheduleTimeDuration` whenever `earliest <= now`;
/// [`next_requeue_from`] is the literal port for every case.
pub fn next_requeue(schedule: &Schedule, tz: &TimeZone, now: Timestamp) -> Option<Timestamp> {
    schedule
        .next_after(now, tz)?
        .checked_add(NEXT_SCHEDULE_DELTA)
        .ok()
}

/// Upstream `nextScheduleTimeDuration` as an instant (`now` plus the duration upstream returns):
/// the activation after the most recent one (or after `earliest` when none was due and none
/// missed, or after `now` otherwise) plus [`NEXT_SCHEDULE_DELTA`]. `earliest` is
/// `status.lastScheduleTime` or `metadata.creationTimestamp`; `startingDeadlineSeconds` is not
/// used here, as upstream.
pub fn next_requeue_from(
    schedule: &Schedule,
    tz: &TimeZone,
    earliest: Timestamp,
    now: Timestamp,
) -> Option<Timestamp> {
    let missed = most_recent_schedule_time(schedule, tz, earliest, now, None);
    let from = if missed.error.is_some() {
        // Upstream still requeues, aiming for the next slot after now.
        now
    } else if let Some(most_recent) = missed.most_recent {
        most_recent
    } else if missed.missed == 0 {
        missed.earliest
    } else {
        now
    };
    next_requeue(schedule, tz, from)
}

/// Converts jobsim's simulated clock (milliseconds since the scenario start) to an instant.
pub fn sim_ms_to_timestamp(scenario_start: Timestamp, sim_ms: i64) -> Option<Timestamp> {
    scenario_start
        .checked_add(SignedDuration::from_millis(sim_ms))
        .ok()
}

/// Converts an instant to jobsim's simulated clock, rounding up so that an event scheduled at the
/// result observes a `now` at or after `t`.
pub fn timestamp_to_sim_ms_ceil(scenario_start: Timestamp, t: Timestamp) -> i64 {
    const NANOS_PER_MS: i128 = 1_000_000;
    let delta = t.as_nanosecond() - scenario_start.as_nanosecond();
    let ms = delta.div_euclid(NANOS_PER_MS) + i128::from(delta.rem_euclid(NANOS_PER_MS) != 0);
    i64::try_from(ms).unwrap_or(if ms < 0 { i64::MIN } else { i64::MAX })
}

// ---------------------------------------------------------------------------------------------
// Parsing (robfig parser.go).
// ---------------------------------------------------------------------------------------------

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// Set in a field's bits when the expression used `*` or `?` (robfig `starBit`).
const STAR_BIT: u64 = 1 << 63;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Spec(SpecBits),
    Every { delay_seconds: i64 },
}

/// robfig `SpecSchedule`: one bit per allowed value, plus [`STAR_BIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SpecBits {
    second: u64,
    minute: u64,
    hour: u64,
    dom: u64,
    month: u64,
    dow: u64,
}

/// robfig keeps `time.Local` for schedules without a zone and then evaluates them in the zone of
/// the time passed to `Next`; `Caller` is that case.
#[derive(Debug, Clone)]
enum Location {
    Caller,
    Zone(TimeZone),
}

/// Which robfig parser to emulate. Only `Standard` is public; the seconds layout exists so that
/// robfig's own tables, written for its six-field parser, can be ported verbatim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `ParseStandard`: minute hour dom month dow.
    Standard,
    /// robfig's test `secondParser`: second minute hour dom month [dow].
    #[cfg_attr(not(test), allow(dead_code))]
    WithSeconds,
}

struct Bounds {
    min: u64,
    max: u64,
    names: &'static [(&'static str, u64)],
}

const SECONDS: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const MINUTES: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
const DOM: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ],
};
const DOW: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &[
        ("sun", 0),
        ("mon", 1),
        ("tue", 2),
        ("wed", 3),
        ("thu", 4),
        ("fri", 5),
        ("sat", 6),
    ],
};

fn parse_spec(spec: &str, layout: Layout) -> Result<Schedule, ScheduleError> {
    if spec.is_empty() {
        return Err(ScheduleError::EmptySpec);
    }
    let mut location = Location::Caller;
    let mut tz_prefix = false;
    let mut rest = spec;
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        tz_prefix = true;
        let (Some(space), Some(eq)) = (spec.find(' '), spec.find('=')) else {
            return Err(ScheduleError::MissingScheduleAfterTimeZone {
                spec: spec.to_owned(),
            });
        };
        let name = &spec[eq + 1..space];
        location = go_load_location(name).map_err(|reason| ScheduleError::BadLocation {
            name: name.to_owned(),
            reason,
        })?;
        // Go's strings.TrimSpace and Rust's trim agree: both use Unicode White_Space.
        rest = spec[space..].trim();
    }

    let kind = if rest.starts_with('@') {
        parse_descriptor(rest)?
    } else {
        let fields = normalize_fields(rest, layout)?;
        let bits = SpecBits {
            second: get_field(fields[0], &SECONDS)?,
            minute: get_field(fields[1], &MINUTES)?,
            hour: get_field(fields[2], &HOURS)?,
            dom: get_field(fields[3], &DOM)?,
            month: get_field(fields[4], &MONTHS)?,
            dow: get_field(fields[5], &DOW)?,
        };
        Kind::Spec(bits)
    };
    Ok(Schedule {
        source: spec.to_owned(),
        kind,
        location,
        tz_prefix,
    })
}

/// robfig `normalizeFields`: checks the field count and fills in the fields the layout omits.
fn normalize_fields(spec: &str, layout: Layout) -> Result<[&str; 6], ScheduleError> {
    let fields: Vec<&str> = spec.split_whitespace().collect();
    let count_error = |expected| ScheduleError::FieldCount {
        expected,
        found: fields.len(),
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
    };
    match (layout, fields.as_slice()) {
        (Layout::Standard, &[minute, hour, dom, month, dow]) => {
            Ok(["0", minute, hour, dom, month, dow])
        }
        (Layout::Standard, _) => Err(count_error("exactly 5")),
        (Layout::WithSeconds, &[second, minute, hour, dom, month]) => {
            Ok([second, minute, hour, dom, month, "*"])
        }
        (Layout::WithSeconds, &[second, minute, hour, dom, month, dow]) => {
            Ok([second, minute, hour, dom, month, dow])
        }
        (Layout::WithSeconds, _) => Err(count_error("5 to 6")),
    }
}

/// robfig `parseDescriptor`. The whole string must match, so `@daily ` (trailing space) is
/// unrecognized, as upstream.
fn parse_descriptor(descriptor: &str) -> Result<Kind, ScheduleError> {
    let all_dom = all_bits(&DOM);
    let all_months = all_bits(&MONTHS);
    let all_dow = all_bits(&DOW);
    let spec = |minute, hour, dom, month, dow| {
        Ok(Kind::Spec(SpecBits {
            second: 1,
            minute,
            hour,
            dom,
            month,
            dow,
        }))
    };
    match descriptor {
        "@yearly" | "@annually" => return spec(1, 1, 1 << 1, 1 << 1, all_dow),
        "@monthly" => return spec(1, 1, 1 << 1, all_months, all_dow),
        "@weekly" => return spec(1, 1, all_dom, all_months, 1),
        "@daily" | "@midnight" => return spec(1, 1, all_dom, all_months, all_dow),
        "@hourly" => return spec(1, all_bits(&HOURS), all_dom, all_months, all_dow),
        _ => {}
    }
    if let Some(duration) = descriptor.strip_prefix("@every ") {
        let nanos = go_parse_duration(duration).map_err(|reason| ScheduleError::BadDuration {
            spec: descriptor.to_owned(),
            reason,
        })?;
        // robfig `Every`: below one second becomes one second; sub-second parts are dropped.
        const SECOND: i64 = 1_000_000_000;
        let nanos = nanos.max(SECOND);
        return Ok(Kind::Every {
            delay_seconds: nanos / SECOND,
        });
    }
    Err(ScheduleError::UnrecognizedDescriptor(descriptor.to_owned()))
}

/// robfig `getField`: a comma-separated list of ranges. Empty list items are skipped, as Go's
/// `strings.FieldsFunc` does.
fn get_field(field: &str, bounds: &Bounds) -> Result<u64, ScheduleError> {
    let mut bits = 0;
    for expr in field.split(',').filter(|expr| !expr.is_empty()) {
        bits |= get_range(expr, bounds)?;
    }
    Ok(bits)
}

/// robfig `getRange`: `*`, `?`, `n`, `a-b`, each optionally followed by `/step`.
fn get_range(expr: &str, bounds: &Bounds) -> Result<u64, ScheduleError> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_and_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single_digit = low_and_high.len() == 1;

    let (start, mut end, mut extra);
    if low_and_high[0] == "*" || low_and_high[0] == "?" {
        // robfig ignores anything after the star, so `*-5` means `*`.
        start = bounds.min;
        end = bounds.max;
        extra = STAR_BIT;
    } else {
        start = parse_int_or_name(low_and_high[0], bounds.names)?;
        end = match low_and_high.len() {
            1 => start,
            2 => parse_int_or_name(low_and_high[1], bounds.names)?,
            _ => return Err(ScheduleError::TooManyHyphens(expr.to_owned())),
        };
        extra = 0;
    }

    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = must_parse_int(range_and_step[1])?;
            // "N/step" means "N-max/step".
            if single_digit {
                end = bounds.max;
            }
            // robfig v3: a real step means the field is no longer "every value".
            if step > 1 {
                extra = 0;
            }
            step
        }
        _ => return Err(ScheduleError::TooManySlashes(expr.to_owned())),
    };

    let expr = expr.to_owned();
    if start < bounds.min {
        return Err(ScheduleError::BelowMinimum {
            start,
            min: bounds.min,
            expr,
        });
    }
    if end > bounds.max {
        return Err(ScheduleError::AboveMaximum {
            end,
            max: bounds.max,
            expr,
        });
    }
    if start > end {
        return Err(ScheduleError::BeyondEnd { start, end, expr });
    }
    if step == 0 {
        return Err(ScheduleError::ZeroStep(expr));
    }
    Ok(get_bits(start, end, step) | extra)
}

/// robfig `getBits`: bits `min..=max` every `step`.
fn get_bits(min: u64, max: u64, step: u64) -> u64 {
    let mut bits = 0;
    let mut i = min;
    while i <= max {
        bits |= 1u64
            .checked_shl(u32::try_from(i).unwrap_or(u32::MAX))
            .unwrap_or(0);
        match i.checked_add(step) {
            Some(next) => i = next,
            None => break,
        }
    }
    bits
}

/// robfig `all`: every value of the field plus the star bit.
fn all_bits(bounds: &Bounds) -> u64 {
    get_bits(bounds.min, bounds.max, 1) | STAR_BIT
}

/// robfig `parseIntOrName`: a (case-insensitive) name where the field has names, else a number.
fn parse_int_or_name(expr: &str, names: &[(&str, u64)]) -> Result<u64, ScheduleError> {
    if !names.is_empty() {
        let lower = go_to_lower_for_names(expr);
        if let Some(&(_, value)) = names.iter().find(|(name, _)| *name == lower) {
            return Ok(value);
        }
    }
    must_parse_int(expr)
}

/// Go's `strings.ToLower`, as far as it can produce the ASCII names robfig looks up: besides
/// ASCII letters, only U+0130 (İ) and U+212A (Kelvin sign) lower-case to ASCII in Go.
fn go_to_lower_for_names(expr: &str) -> String {
    expr.chars()
        .map(|c| match c {
            '\u{130}' => 'i',
            '\u{212A}' => 'k',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// robfig `mustParseInt`: Go's `strconv.Atoi`, then non-negative.
fn must_parse_int(expr: &str) -> Result<u64, ScheduleError> {
    let number = go_atoi(expr).map_err(|reason| ScheduleError::BadNumber {
        expr: expr.to_owned(),
        reason: format!("strconv.Atoi: parsing {}: {reason}", go_strconv_quote(expr)),
    })?;
    u64::try_from(number).map_err(|_| ScheduleError::NegativeNumber {
        number,
        expr: expr.to_owned(),
    })
}

/// Go's `strconv.Atoi` on 64-bit platforms: an optional sign and decimal digits only.
fn go_atoi(s: &str) -> Result<i64, &'static str> {
    const SYNTAX: &str = "invalid syntax";
    const RANGE: &str = "value out of range";
    let bytes = s.as_bytes();
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    if (1..19).contains(&bytes.len()) {
        // Go's fast path: at most 18 bytes always fit, so only the syntax can be wrong.
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Err(SYNTAX);
        }
        let magnitude = digits
            .iter()
            .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        return Ok(if negative { -magnitude } else { magnitude });
    }
    // Go's slow path (ParseInt): scanning stops at the first overflow, before later bad bytes.
    if digits.is_empty() {
        return Err(SYNTAX);
    }
    const CUTOFF: u64 = u64::MAX / 10 + 1;
    let mut n: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return Err(SYNTAX);
        }
        if n >= CUTOFF {
            return Err(RANGE);
        }
        n = match (n * 10).checked_add(u64::from(c - b'0')) {
            Some(n) => n,
            None => return Err(RANGE),
        };
    }
    const SIGNED_CUTOFF: u64 = 1 << 63;
    if !negative && n >= SIGNED_CUTOFF || negative && n > SIGNED_CUTOFF {
        return Err(RANGE);
    }
    // n <= 2^63 here, and 2^63 only when negative.
    Ok(if negative {
        0i64.wrapping_sub_unsigned(n)
    } else {
        i64::try_from(n).map_err(|_| RANGE)?
    })
}

/// Go's `strconv.Quote`, approximately: printable characters stay, others are escaped.
fn go_strconv_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() || (c != ' ' && c.is_whitespace()) => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `quote` of Go's time package (used in duration and location errors): bytes of non-ASCII
/// and control characters become `\xNN`.
fn go_time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if !c.is_ascii() || c < ' ' {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Go's `time.ParseDuration`, in nanoseconds, with its messages and its overflow rules
/// (including the wrap-around of its unsigned accumulator).
fn go_parse_duration(orig: &str) -> Result<i64, String> {
    const LIMIT: u64 = 1 << 63;
    let invalid = || format!("time: invalid duration {}", go_time_quote(orig));
    let mut s = orig;
    let mut negative = false;
    if let Some(&c) = s.as_bytes().first()
        && (c == b'-' || c == b'+')
    {
        negative = c == b'-';
        s = &s[1..];
    }
    // Special case: if all that is left is "0", this is zero.
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        // The next character must be [0-9.].
        let first = s.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid());
        }
        let before = s.len();
        let (mut value, rest) = go_leading_int(s).ok_or_else(invalid)?;
        s = rest;
        let pre = before != s.len();

        let (mut fraction, mut scale, mut post) = (0u64, 1f64, false);
        if let Some(rest) = s.strip_prefix('.') {
            let before = rest.len();
            let (f, sc, rest) = go_leading_fraction(rest);
            fraction = f;
            scale = sc;
            s = rest;
            post = before != s.len();
        }
        if !pre && !post {
            // No digits, e.g. ".s" or "-.s".
            return Err(invalid());
        }

        let unit_len = s
            .bytes()
            .position(|c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                go_time_quote(orig)
            ));
        }
        let (unit_name, rest) = s.split_at(unit_len);
        s = rest;
        let unit: u64 = match unit_name {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_time_quote(unit_name),
                    go_time_quote(orig)
                ));
            }
        };
        if value > LIMIT / unit {
            return Err(invalid());
        }
        value *= unit;
        if fraction > 0 {
            // Go uses float64 here to stay nanosecond-accurate for fractions of hours.
            value += (fraction as f64 * (unit as f64 / scale)) as u64;
            if value > LIMIT {
                return Err(invalid());
            }
        }
        total = total.wrapping_add(value);
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if negative {
        return Ok((total as i64).wrapping_neg());
    }
    if total > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(total as i64)
}

/// Go's `leadingInt`: the leading digits, `None` on overflow past 2^63.
fn go_leading_int(s: &str) -> Option<(u64, &str)> {
    let mut x: u64 = 0;
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    for c in s[..digits].bytes() {
        if x > (1 << 63) / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > 1 << 63 {
            return None;
        }
    }
    Some((x, &s[digits..]))
}

/// Go's `leadingFraction`: the leading digits as `x / scale`, dropping precision on overflow.
fn go_leading_fraction(s: &str) -> (u64, f64, &str) {
    let mut x: u64 = 0;
    let mut scale = 1f64;
    let mut overflow = false;
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    for c in s[..digits].bytes() {
        if overflow {
            continue;
        }
        if x > ((1u64 << 63) - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > 1 << 63 {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, &s[digits..])
}

/// Go's `time.LoadLocation` over jiff's bundled database: `""` and `"UTC"` are UTC, `"Local"` is
/// the caller's zone, and names are case-sensitive.
fn go_load_location(name: &str) -> Result<Location, String> {
    if name.is_empty() || name == "UTC" {
        return Ok(Location::Zone(TimeZone::UTC));
    }
    if name == "Local" {
        return Ok(Location::Caller);
    }
    if name.contains("..") || name.starts_with('/') || name.starts_with('\\') {
        return Err("time: invalid location name".to_owned());
    }
    match TimeZoneDatabase::bundled().get(name) {
        Ok(tz) if tz.iana_name() == Some(name) => Ok(Location::Zone(tz)),
        _ => Err(format!("unknown time zone {name}")),
    }
}

/// One `/`-separated part of a `spec.timeZone` (`validTimeZoneCharacters`).
fn valid_time_zone_part(part: &str) -> bool {
    (1..=14).contains(&part.len())
        && part
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b'+'))
}

// ---------------------------------------------------------------------------------------------
// Evaluation (robfig spec.go), on Go's time semantics.
// ---------------------------------------------------------------------------------------------

/// Guard against non-termination; robfig's own bound is its five-year window.
const MAX_STEPS: u32 = 100_000;

fn seconds_to_nanos(seconds: i64) -> i128 {
    i128::from(seconds) * NANOS_PER_SECOND
}

fn timestamp_from_nanos_clamped(ns: i128) -> Timestamp {
    let clamped = ns.clamp(
        Timestamp::MIN.as_nanosecond(),
        Timestamp::MAX.as_nanosecond(),
    );
    Timestamp::from_nanosecond(clamped).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Go's `Time.Sub`: nanoseconds, saturating at the range of `time.Duration`.
fn go_sub(a: i128, b: i128) -> i64 {
    let d = a - b;
    i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX })
}

/// Go's `Duration.Round(time.Second)`.
fn go_round_to_second(d: i64) -> i64 {
    const M: i64 = 1_000_000_000;
    let less_than_half = |r: i64| (r as u64).wrapping_add(r as u64) < M as u64;
    let r = d % M;
    if d < 0 {
        let r = -r;
        if less_than_half(r) {
            return d + r;
        }
        return d.checked_sub(M - r).unwrap_or(i64::MIN);
    }
    if less_than_half(r) {
        return d - r;
    }
    d.checked_add(M - r).unwrap_or(i64::MAX)
}

/// Go's `int64(d.Seconds())`, including its float64 rounding.
fn go_whole_seconds(d: i64) -> i64 {
    let seconds = d / 1_000_000_000;
    let nanos = d % 1_000_000_000;
    (seconds as f64 + nanos as f64 / 1e9) as i64
}

/// Local wall-clock fields of an instant, as Go's `Time` accessors return them.
#[derive(Debug, Clone, Copy)]
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    /// 0 = Sunday.
    weekday: i64,
}

/// Offset lookups for one zone, caching the current span between transitions so that stepping
/// through a schedule costs a cache hit per step (Go's `Location.lookup` caches similarly).
struct ZoneCursor<'a> {
    tz: &'a TimeZone,
    /// The cached offset applies to Unix seconds in `start..end`.
    start: i64,
    end: i64,
    offset: i64,
}

impl<'a> ZoneCursor<'a> {
    fn new(tz: &'a TimeZone) -> Self {
        // An empty span, so the first lookup fills the cache.
        ZoneCursor {
            tz,
            start: 0,
            end: 0,
            offset: 0,
        }
    }

    /// Go's `Location.lookup`: the offset at `sec` and the span it is valid in.
    fn lookup(&mut self, sec: i64) -> (i64, i64, i64) {
        if sec < self.start || sec >= self.end {
            self.refresh(sec);
        }
        (self.offset, self.start, self.end)
    }

    fn refresh(&mut self, sec: i64) {
        // Outside jiff's range (years -9999..=9999) the nearest representable instant stands in;
        // the widening below keeps `sec` inside the cached span.
        let min = Timestamp::MIN.as_second();
        let max = Timestamp::MAX.as_second();
        let clamped = sec.clamp(min, max);
        let Ok(at) = Timestamp::from_second(clamped) else {
            *self = ZoneCursor {
                tz: self.tz,
                start: i64::MIN,
                end: i64::MAX,
                offset: 0,
            };
            return;
        };
        self.offset = i64::from(self.tz.to_offset(at).seconds());
        self.end = self
            .tz
            .following(at)
            .next()
            .map_or(i64::MAX, |t| t.timestamp().as_second());
        // `preceding` excludes its argument, so ask from one second later to include a
        // transition exactly at `at`.
        let probe = Timestamp::from_second(clamped.saturating_add(1).min(max)).unwrap_or(at);
        self.start = self
            .tz
            .preceding(probe)
            .next()
            .map_or(i64::MIN, |t| t.timestamp().as_second());
        if sec < clamped {
            self.start = i64::MIN;
        }
        if sec > clamped {
            self.end = i64::MAX;
        }
    }

    /// `t.In(loc)` followed by the field accessors.
    fn civil(&mut self, sec: i64) -> Civil {
        let (offset, _, _) = self.lookup(sec);
        let local = sec + offset;
        let days = local.div_euclid(86_400);
        let of_day = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: of_day / 3_600,
            minute: of_day % 3_600 / 60,
            second: of_day % 60,
            weekday: (days + 4).rem_euclid(7),
        }
    }

    /// Go's `time.Date(year, month, day, hour, min, sec, 0, loc)`: out-of-range fields carry
    /// over, and a wall time that does not exist (or exists twice) is resolved exactly as Go
    /// resolves it, which is what gives robfig its DST behaviour.
    fn date(&mut self, year: i64, month: i64, day: i64, hour: i64, minute: i64, sec: i64) -> i64 {
        let year = year + (month - 1).div_euclid(12);
        let month = (month - 1).rem_euclid(12) + 1;
        let minute = minute + sec.div_euclid(60);
        let sec = sec.rem_euclid(60);
        let hour = hour + minute.div_euclid(60);
        let minute = minute.rem_euclid(60);
        let day = day + hour.div_euclid(24);
        let hour = hour.rem_euclid(24);
        let unix =
            (days_from_civil(year, month, 1) + day - 1) * 86_400 + hour * 3_600 + minute * 60 + sec;
        // Look up the offset as if the wall time were UTC, then correct it if the resulting
        // instant falls outside that offset's span.
        let (mut offset, start, end) = self.lookup(unix);
        if offset != 0 {
            let utc = unix - offset;
            if utc < start || utc >= end {
                offset = self.lookup(utc).0;
            }
        }
        unix - offset
    }

    /// Moves `t` forward by `steps` units if the zone offset cannot change on the way (so the
    /// local field simply advances by `steps`), otherwise by a single unit. Callers loop, so the
    /// result equals robfig's one-unit-at-a-time walk.
    fn advance(&mut self, t: i64, steps: i64, unit: i64) -> i64 {
        let (_, _, end) = self.lookup(t);
        let jump = steps * unit;
        if steps > 1 && t + jump < end {
            t + jump
        } else {
            t + unit
        }
    }
}

/// robfig `SpecSchedule.Next` for the first activation after the whole second `after`.
fn spec_next(bits: &SpecBits, zone: &mut ZoneCursor<'_>, after: i64) -> Option<i64> {
    if !can_ever_match(bits) {
        // robfig would walk its five-year window and give up; the answer is the same.
        return None;
    }
    // Start at the earliest possible time (the upcoming second).
    let mut t = after.checked_add(1)?;
    // Whether a field has been reset to the start of its unit.
    let mut added = false;
    let year_limit = zone.civil(t).year + 5;
    let mut steps = 0u32;
    let mut step = || {
        steps += 1;
        steps <= MAX_STEPS
    };

    'wrap: loop {
        if !step() || zone.civil(t).year > year_limit {
            return None;
        }

        // Find the first applicable month.
        loop {
            let c = zone.civil(t);
            if bits.month & (1 << c.month) != 0 {
                break;
            }
            if !step() {
                return None;
            }
            if !added {
                added = true;
                t = zone.date(c.year, c.month, 1, 0, 0, 0);
            }
            let c = zone.civil(t);
            t = zone.date(c.year, c.month + 1, c.day, c.hour, c.minute, c.second);
            if zone.civil(t).month == 1 {
                continue 'wrap;
            }
        }

        // Now get a day in that month. Where DST makes midnight not exist, Go's time.Date lands
        // on 23:00 or 01:00; robfig moves to the nearest midnight-ish hour.
        loop {
            let c = zone.civil(t);
            if day_matches(bits, &c) {
                break;
            }
            if !step() {
                return None;
            }
            if !added {
                added = true;
                t = zone.date(c.year, c.month, c.day, 0, 0, 0);
            }
            let c = zone.civil(t);
            t = zone.date(c.year, c.month, c.day + 1, c.hour, c.minute, c.second);
            let hour = zone.civil(t).hour;
            if hour != 0 {
                if hour > 12 {
                    t += (24 - hour) * 3_600;
                } else {
                    t -= hour * 3_600;
                }
            }
            if zone.civil(t).day == 1 {
                continue 'wrap;
            }
        }

        loop {
            let c = zone.civil(t);
            if bits.hour & (1 << c.hour) != 0 {
                break;
            }
            if !step() {
                return None;
            }
            if !added {
                added = true;
                t = zone.date(c.year, c.month, c.day, c.hour, 0, 0);
            }
            let hour = zone.civil(t).hour;
            t = zone.advance(t, next_bit_after(bits.hour, hour, 24) - hour, 3_600);
            if zone.civil(t).hour == 0 {
                continue 'wrap;
            }
        }

        loop {
            let c = zone.civil(t);
            if bits.minute & (1 << c.minute) != 0 {
                break;
            }
            if !step() {
                return None;
            }
            if !added {
                added = true;
                // Go's Truncate works on absolute time, not wall time (the Unix epoch is a whole
                // minute after Go's zero time, so flooring Unix seconds is the same).
                t = t.div_euclid(60) * 60;
            }
            let minute = zone.civil(t).minute;
            t = zone.advance(t, next_bit_after(bits.minute, minute, 60) - minute, 60);
            if zone.civil(t).minute == 0 {
                continue 'wrap;
            }
        }

        loop {
            let c = zone.civil(t);
            if bits.second & (1 << c.second) != 0 {
                break;
            }
            if !step() {
                return None;
            }
            // Truncating to the second is a no-op: `t` is always a whole second.
            added = true;
            t = zone.advance(t, next_bit_after(bits.second, c.second, 60) - c.second, 1);
            if zone.civil(t).second == 0 {
                continue 'wrap;
            }
        }

        return Some(t);
    }
}

/// robfig `dayMatches`: both restrictions must hold when either field has the star bit,
/// otherwise either is enough.
fn day_matches(bits: &SpecBits, c: &Civil) -> bool {
    let dom_match = bits.dom & (1 << c.day) != 0;
    let dow_match = bits.dow & (1 << c.weekday) != 0;
    if bits.dom & STAR_BIT != 0 || bits.dow & STAR_BIT != 0 {
        dom_match && dow_match
    } else {
        dom_match || dow_match
    }
}

/// False when a field has no value at all (e.g. `,`), in which case robfig's search can only
/// exhaust its window.
fn can_ever_match(bits: &SpecBits) -> bool {
    let range = |min: u32, max: u32| (u64::MAX >> (63 - max)) & (u64::MAX << min);
    let dom = bits.dom & range(1, 31) != 0;
    let dow = bits.dow & range(0, 6) != 0;
    let days = if (bits.dom | bits.dow) & STAR_BIT != 0 {
        dom && dow
    } else {
        dom || dow
    };
    days && bits.second & range(0, 59) != 0
        && bits.minute & range(0, 59) != 0
        && bits.hour & range(0, 23) != 0
        && bits.month & range(1, 12) != 0
}

/// The smallest value in `current+1..limit` whose bit is set, or `limit` (the wrap to zero).
fn next_bit_after(bits: u64, current: i64, limit: i64) -> i64 {
    let above =
        u32::try_from(current + 1).map_or(0, |shift| u64::MAX.checked_shl(shift).unwrap_or(0));
    let below = u32::try_from(limit).map_or(0, |shift| {
        1u64.checked_shl(shift).map_or(u64::MAX, |b| b - 1)
    });
    let candidates = bits & above & below;
    if candidates == 0 {
        limit
    } else {
        i64::from(candidates.trailing_zeros())
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    // -----------------------------------------------------------------------------------------
    // Helpers.
    // -----------------------------------------------------------------------------------------

    fn zone(name: &str) -> TimeZone {
        TimeZoneDatabase::bundled()
            .get(name)
            .expect("zone in bundled database")
    }

    fn ts(rfc3339: &str) -> Timestamp {
        rfc3339.parse().expect("valid RFC 3339 timestamp")
    }

    /// robfig's secondParser (`Second | Minute | Hour | Dom | Month | DowOptional | Descriptor`).
    fn parse_with_seconds(spec: &str) -> Schedule {
        parse_spec(spec, Layout::WithSeconds).expect("valid six-field spec")
    }

    fn bounds(min: u64, max: u64) -> Bounds {
        Bounds {
            min,
            max,
            names: &[],
        }
    }

    fn spec_bits(schedule: &Schedule) -> SpecBits {
        match schedule.kind {
            Kind::Spec(bits) => bits,
            Kind::Every { .. } => panic!("expected a spec schedule"),
        }
    }

    fn month_number(name: &str) -> i64 {
        let months = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        months.iter().position(|m| *m == name).expect("month name") as i64 + 1
    }

    /// robfig's `getTime`: "Mon Jan 2 15:04[:05[.frac]] 2006" in the location (UTC stands in
    /// for `time.Local`), or "2006-01-02T15:04:05-0700", optionally prefixed by "TZ=Zone ".
    /// Returns the instant and the location the Go test's `time.Time` carries; `None` is Go's
    /// zero time.
    fn get_time(value: &str) -> Option<(Timestamp, TimeZone)> {
        if value.is_empty() {
            return None;
        }
        let (location, value) = match value.strip_prefix("TZ=") {
            Some(rest) => {
                let (name, value) = rest.split_once(' ').expect("TZ=Zone value");
                (zone(name), value)
            }
            None => (TimeZone::UTC, value),
        };
        let words: Vec<&str> = value.split_whitespace().collect();
        if words.len() == 5 {
            let clock: Vec<&str> = words[3].split(':').collect();
            let (second, nanos) = match clock.get(2) {
                Some(s) => match s.split_once('.') {
                    Some((whole, frac)) => {
                        let digits = format!("{frac:0<9}");
                        (whole.parse().unwrap(), digits[..9].parse::<i64>().unwrap())
                    }
                    None => (s.parse().unwrap(), 0),
                },
                None => (0, 0),
            };
            let mut cursor = ZoneCursor::new(&location);
            let sec = cursor.date(
                words[4].parse().unwrap(),
                month_number(words[1]),
                words[2].parse().unwrap(),
                clock[0].parse().unwrap(),
                clock[1].parse().unwrap(),
                second,
            );
            let instant =
                Timestamp::from_nanosecond(seconds_to_nanos(sec) + i128::from(nanos)).unwrap();
            return Some((instant, location));
        }
        // "2006-01-02T15:04:05-0700": Go keeps the location if it has that offset then,
        // otherwise it fabricates a fixed zone.
        let (civil, offset) = value.split_at(19);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let hours: i32 = offset[1..3].parse().unwrap();
        let minutes: i32 = offset[3..5].parse().unwrap();
        let offset_seconds = sign * (hours * 3600 + minutes * 60);
        let utc: Timestamp = format!("{civil}Z").parse().unwrap();
        let instant = utc
            .checked_sub(SignedDuration::from_secs(i64::from(offset_seconds)))
            .unwrap();
        let zone = if location.to_offset(instant).seconds() == offset_seconds {
            location
        } else {
            TimeZone::fixed(jiff::tz::Offset::from_seconds(offset_seconds).unwrap())
        };
        Some((instant, zone))
    }

    fn time_only(value: &str) -> Option<Timestamp> {
        get_time(value).map(|(t, _)| t)
    }

    fn err_text(result: Result<Schedule, ScheduleError>) -> String {
        match result {
            Ok(_) => String::from("<no error>"),
            Err(err) => err.to_string(),
        }
    }

    // -----------------------------------------------------------------------------------------
    // robfig/cron v3.0.1 parser_test.go
    // -----------------------------------------------------------------------------------------

    #[test]
    fn robfig_test_range() {
        struct Case {
            expr: &'static str,
            min: u64,
            max: u64,
            expected: u64,
            err: &'static str,
        }
        let case = |expr, min, max, expected, err| Case {
            expr,
            min,
            max,
            expected,
            err,
        };
        let cases = [
            // {"5", 0, 7, 1 << 5, ""},
            case("5", 0, 7, 1 << 5, ""),
            // {"0", 0, 7, 1 << 0, ""},
            case("0", 0, 7, 1, ""),
            // {"7", 0, 7, 1 << 7, ""},
            case("7", 0, 7, 1 << 7, ""),
            // {"5-5", 0, 7, 1 << 5, ""},
            case("5-5", 0, 7, 1 << 5, ""),
            // {"5-6", 0, 7, 1<<5 | 1<<6, ""},
            case("5-6", 0, 7, 1 << 5 | 1 << 6, ""),
            // {"5-7", 0, 7, 1<<5 | 1<<6 | 1<<7, ""},
            case("5-7", 0, 7, 1 << 5 | 1 << 6 | 1 << 7, ""),
            // {"5-6/2", 0, 7, 1 << 5, ""},
            case("5-6/2", 0, 7, 1 << 5, ""),
            // {"5-7/2", 0, 7, 1<<5 | 1<<7, ""},
            case("5-7/2", 0, 7, 1 << 5 | 1 << 7, ""),
            // {"5-7/1", 0, 7, 1<<5 | 1<<6 | 1<<7, ""},
            case("5-7/1", 0, 7, 1 << 5 | 1 << 6 | 1 << 7, ""),
            // {"*", 1, 3, 1<<1 | 1<<2 | 1<<3 | starBit, ""},
            case("*", 1, 3, 1 << 1 | 1 << 2 | 1 << 3 | STAR_BIT, ""),
            // {"*/2", 1, 3, 1<<1 | 1<<3, ""},
            case("*/2", 1, 3, 1 << 1 | 1 << 3, ""),
            // {"5--5", 0, 0, zero, "too many hyphens"},
            case("5--5", 0, 0, 0, "too many hyphens"),
            // {"jan-x", 0, 0, zero, "failed to parse int from"},
            case("jan-x", 0, 0, 0, "failed to parse int from"),
            // {"2-x", 1, 5, zero, "failed to parse int from"},
            case("2-x", 1, 5, 0, "failed to parse int from"),
            // {"*/-12", 0, 0, zero, "negative number"},
            case("*/-12", 0, 0, 0, "negative number"),
            // {"*//2", 0, 0, zero, "too many slashes"},
            case("*//2", 0, 0, 0, "too many slashes"),
            // {"1", 3, 5, zero, "below minimum"},
            case("1", 3, 5, 0, "below minimum"),
            // {"6", 3, 5, zero, "above maximum"},
            case("6", 3, 5, 0, "above maximum"),
            // {"5-3", 3, 5, zero, "beyond end of range"},
            case("5-3", 3, 5, 0, "beyond end of range"),
            // {"*/0", 0, 0, zero, "should be a positive number"},
            case("*/0", 0, 0, 0, "should be a positive number"),
        ];
        for c in cases {
            let actual = get_range(c.expr, &bounds(c.min, c.max));
            match actual {
                Ok(bits) => {
                    assert!(c.err.is_empty(), "{}: expected error {}", c.expr, c.err);
                    assert_eq!(bits, c.expected, "{}", c.expr);
                }
                Err(err) => {
                    assert!(!c.err.is_empty(), "{}: unexpected error {err}", c.expr);
                    assert!(err.to_string().contains(c.err), "{}: {err}", c.expr);
                }
            }
        }
    }

    #[test]
    fn robfig_test_field() {
        let cases: [(&str, u64, u64, u64); 4] = [
            // {"5", 1, 7, 1 << 5},
            ("5", 1, 7, 1 << 5),
            // {"5,6", 1, 7, 1<<5 | 1<<6},
            ("5,6", 1, 7, 1 << 5 | 1 << 6),
            // {"5,6,7", 1, 7, 1<<5 | 1<<6 | 1<<7},
            ("5,6,7", 1, 7, 1 << 5 | 1 << 6 | 1 << 7),
            // {"1,5-7/2,3", 1, 7, 1<<1 | 1<<5 | 1<<7 | 1<<3},
            ("1,5-7/2,3", 1, 7, 1 << 1 | 1 << 5 | 1 << 7 | 1 << 3),
        ];
        for (expr, min, max, expected) in cases {
            assert_eq!(get_field(expr, &bounds(min, max)), Ok(expected), "{expr}");
        }
    }

    #[test]
    fn robfig_test_all() {
        let cases: [(&Bounds, u64); 5] = [
            // {minutes, 0xfffffffffffffff}, // 0-59: 60 ones
            (&MINUTES, 0xfff_ffff_ffff_ffff),
            // {hours, 0xffffff},            // 0-23: 24 ones
            (&HOURS, 0xff_ffff),
            // {dom, 0xfffffffe},            // 1-31: 31 ones, 1 zero
            (&DOM, 0xffff_fffe),
            // {months, 0x1ffe},             // 1-12: 12 ones, 1 zero
            (&MONTHS, 0x1ffe),
            // {dow, 0x7f},                  // 0-6: 7 ones
            (&DOW, 0x7f),
        ];
        for (bounds, expected) in cases {
            assert_eq!(all_bits(bounds), expected | STAR_BIT);
        }
    }

    #[test]
    fn robfig_test_bits() {
        let cases: [(u64, u64, u64, u64); 4] = [
            // {0, 0, 1, 0x1},
            (0, 0, 1, 0x1),
            // {1, 1, 1, 0x2},
            (1, 1, 1, 0x2),
            // {1, 5, 2, 0x2a}, // 101010
            (1, 5, 2, 0x2a),
            // {1, 4, 2, 0xa},  // 1010
            (1, 4, 2, 0xa),
        ];
        for (min, max, step, expected) in cases {
            assert_eq!(get_bits(min, max, step), expected, "{min}-{max}/{step}");
        }
    }

    #[test]
    fn robfig_test_parse_schedule_errors() {
        let cases = [
            // {"* 5 j * * *", "failed to parse int from"},
            ("* 5 j * * *", "failed to parse int from"),
            // {"@every Xm", "failed to parse duration"},
            ("@every Xm", "failed to parse duration"),
            // {"@unrecognized", "unrecognized descriptor"},
            ("@unrecognized", "unrecognized descriptor"),
            // {"* * * *", "expected 5 to 6 fields"},
            ("* * * *", "expected 5 to 6 fields"),
            // {"", "empty spec string"},
            ("", "empty spec string"),
        ];
        for (expr, err) in cases {
            let actual = err_text(parse_spec(expr, Layout::WithSeconds));
            assert!(actual.contains(err), "{expr:?}: {actual}");
        }
    }

    #[test]
    fn robfig_test_parse_schedule() {
        let all_hours = all_bits(&HOURS);
        let all_dom = all_bits(&DOM);
        let all_months = all_bits(&MONTHS);
        let all_dow = all_bits(&DOW);
        let every5min = SpecBits {
            second: 1,
            minute: 1 << 5,
            hour: all_hours,
            dom: all_dom,
            month: all_months,
            dow: all_dow,
        };
        let midnight = SpecBits {
            second: 1,
            minute: 1,
            hour: 1,
            dom: all_dom,
            month: all_months,
            dow: all_dow,
        };
        let annual = SpecBits {
            second: 1,
            minute: 1,
            hour: 1,
            dom: 1 << 1,
            month: 1 << 1,
            dow: all_dow,
        };
        let star_second = SpecBits {
            second: all_bits(&SECONDS),
            ..every5min
        };
        // (with seconds, expr, expected kind, expected prefix zone)
        let cases: [(bool, &str, Kind, Option<&str>); 12] = [
            // {secondParser, "0 5 * * * *", every5min(time.Local)},
            (true, "0 5 * * * *", Kind::Spec(every5min), None),
            // {standardParser, "5 * * * *", every5min(time.Local)},
            (false, "5 * * * *", Kind::Spec(every5min), None),
            // {secondParser, "CRON_TZ=UTC  0 5 * * * *", every5min(time.UTC)},
            (
                true,
                "CRON_TZ=UTC  0 5 * * * *",
                Kind::Spec(every5min),
                Some("UTC"),
            ),
            // {standardParser, "CRON_TZ=UTC  5 * * * *", every5min(time.UTC)},
            (
                false,
                "CRON_TZ=UTC  5 * * * *",
                Kind::Spec(every5min),
                Some("UTC"),
            ),
            // {secondParser, "CRON_TZ=Asia/Tokyo 0 5 * * * *", every5min(tokyo)},
            (
                true,
                "CRON_TZ=Asia/Tokyo 0 5 * * * *",
                Kind::Spec(every5min),
                Some("Asia/Tokyo"),
            ),
            // {secondParser, "@every 5m", ConstantDelaySchedule{5 * time.Minute}},
            (true, "@every 5m", Kind::Every { delay_seconds: 300 }, None),
            // {secondParser, "@midnight", midnight(time.Local)},
            (true, "@midnight", Kind::Spec(midnight), None),
            // {secondParser, "TZ=UTC  @midnight", midnight(time.UTC)},
            (true, "TZ=UTC  @midnight", Kind::Spec(midnight), Some("UTC")),
            // {secondParser, "TZ=Asia/Tokyo @midnight", midnight(tokyo)},
            (
                true,
                "TZ=Asia/Tokyo @midnight",
                Kind::Spec(midnight),
                Some("Asia/Tokyo"),
            ),
            // {secondParser, "@yearly", annual(time.Local)},
            (true, "@yearly", Kind::Spec(annual), None),
            // {secondParser, "@annually", annual(time.Local)},
            (true, "@annually", Kind::Spec(annual), None),
            // {secondParser, "* 5 * * * *", &SpecSchedule{Second: all(seconds), Minute: 1 << 5, ...}},
            (true, "* 5 * * * *", Kind::Spec(star_second), None),
        ];
        for (with_seconds, expr, kind, prefix) in cases {
            let layout = if with_seconds {
                Layout::WithSeconds
            } else {
                Layout::Standard
            };
            let schedule = parse_spec(expr, layout).expect(expr);
            assert_eq!(schedule.kind, kind, "{expr}");
            assert_eq!(
                schedule.prefix_time_zone().and_then(TimeZone::iana_name),
                prefix,
                "{expr}"
            );
            assert_eq!(schedule.has_tz_prefix(), prefix.is_some(), "{expr}");
        }
    }

    #[test]
    fn robfig_test_standard_spec_schedule() {
        // {expr: "5 * * * *", expected: &SpecSchedule{1 << seconds.min, 1 << 5, all(hours), ...}},
        let schedule = Schedule::parse("5 * * * *").unwrap();
        assert_eq!(
            spec_bits(&schedule),
            SpecBits {
                second: 1,
                minute: 1 << 5,
                hour: all_bits(&HOURS),
                dom: all_bits(&DOM),
                month: all_bits(&MONTHS),
                dow: all_bits(&DOW),
            }
        );
        // {expr: "@every 5m", expected: ConstantDelaySchedule{time.Duration(5) * time.Minute}},
        let schedule = Schedule::parse("@every 5m").unwrap();
        assert_eq!(schedule.kind, Kind::Every { delay_seconds: 300 });
        // {expr: "5 j * * *", err: "failed to parse int from"},
        assert_eq!(
            err_text(Schedule::parse("5 j * * *")),
            r#"failed to parse int from j: strconv.Atoi: parsing "j": invalid syntax"#
        );
        // {expr: "* * * *", err: "expected exactly 5 fields"},
        assert_eq!(
            err_text(Schedule::parse("* * * *")),
            "expected exactly 5 fields, found 4: [* * * *]"
        );
    }

    // -----------------------------------------------------------------------------------------
    // robfig/cron v3.0.1 spec_test.go
    // -----------------------------------------------------------------------------------------

    #[test]
    fn robfig_test_activation() {
        let cases: [(&str, &str, bool); 29] = [
            // Every fifteen minutes.
            // {"Mon Jul 9 15:00 2012", "0/15 * * * *", true},
            ("Mon Jul 9 15:00 2012", "0/15 * * * *", true),
            // {"Mon Jul 9 15:45 2012", "0/15 * * * *", true},
            ("Mon Jul 9 15:45 2012", "0/15 * * * *", true),
            // {"Mon Jul 9 15:40 2012", "0/15 * * * *", false},
            ("Mon Jul 9 15:40 2012", "0/15 * * * *", false),
            // Every fifteen minutes, starting at 5 minutes.
            // {"Mon Jul 9 15:05 2012", "5/15 * * * *", true},
            ("Mon Jul 9 15:05 2012", "5/15 * * * *", true),
            // {"Mon Jul 9 15:20 2012", "5/15 * * * *", true},
            ("Mon Jul 9 15:20 2012", "5/15 * * * *", true),
            // {"Mon Jul 9 15:50 2012", "5/15 * * * *", true},
            ("Mon Jul 9 15:50 2012", "5/15 * * * *", true),
            // Named months
            // {"Sun Jul 15 15:00 2012", "0/15 * * Jul *", true},
            ("Sun Jul 15 15:00 2012", "0/15 * * Jul *", true),
            // {"Sun Jul 15 15:00 2012", "0/15 * * Jun *", false},
            ("Sun Jul 15 15:00 2012", "0/15 * * Jun *", false),
            // Everything set.
            // {"Sun Jul 15 08:30 2012", "30 08 ? Jul Sun", true},
            ("Sun Jul 15 08:30 2012", "30 08 ? Jul Sun", true),
            // {"Sun Jul 15 08:30 2012", "30 08 15 Jul ?", true},
            ("Sun Jul 15 08:30 2012", "30 08 15 Jul ?", true),
            // {"Mon Jul 16 08:30 2012", "30 08 ? Jul Sun", false},
            ("Mon Jul 16 08:30 2012", "30 08 ? Jul Sun", false),
            // {"Mon Jul 16 08:30 2012", "30 08 15 Jul ?", false},
            ("Mon Jul 16 08:30 2012", "30 08 15 Jul ?", false),
            // Predefined schedules
            // {"Mon Jul 9 15:00 2012", "@hourly", true},
            ("Mon Jul 9 15:00 2012", "@hourly", true),
            // {"Mon Jul 9 15:04 2012", "@hourly", false},
            ("Mon Jul 9 15:04 2012", "@hourly", false),
            // {"Mon Jul 9 15:00 2012", "@daily", false},
            ("Mon Jul 9 15:00 2012", "@daily", false),
            // {"Mon Jul 9 00:00 2012", "@daily", true},
            ("Mon Jul 9 00:00 2012", "@daily", true),
            // {"Mon Jul 9 00:00 2012", "@weekly", false},
            ("Mon Jul 9 00:00 2012", "@weekly", false),
            // {"Sun Jul 8 00:00 2012", "@weekly", true},
            ("Sun Jul 8 00:00 2012", "@weekly", true),
            // {"Sun Jul 8 01:00 2012", "@weekly", false},
            ("Sun Jul 8 01:00 2012", "@weekly", false),
            // {"Sun Jul 8 00:00 2012", "@monthly", false},
            ("Sun Jul 8 00:00 2012", "@monthly", false),
            // {"Sun Jul 1 00:00 2012", "@monthly", true},
            ("Sun Jul 1 00:00 2012", "@monthly", true),
            // Test interaction of DOW and DOM.
            // If both are restricted, then only one needs to match.
            // {"Sun Jul 15 00:00 2012", "* * 1,15 * Sun", true},
            ("Sun Jul 15 00:00 2012", "* * 1,15 * Sun", true),
            // {"Fri Jun 15 00:00 2012", "* * 1,15 * Sun", true},
            ("Fri Jun 15 00:00 2012", "* * 1,15 * Sun", true),
            // {"Wed Aug 1 00:00 2012", "* * 1,15 * Sun", true},
            ("Wed Aug 1 00:00 2012", "* * 1,15 * Sun", true),
            // {"Sun Jul 15 00:00 2012", "* * */10 * Sun", true}, // verifies #70
            ("Sun Jul 15 00:00 2012", "* * */10 * Sun", true),
            // However, if one has a star, then both need to match.
            // {"Sun Jul 15 00:00 2012", "* * * * Mon", false},
            ("Sun Jul 15 00:00 2012", "* * * * Mon", false),
            // {"Mon Jul 9 00:00 2012", "* * 1,15 * *", false},
            ("Mon Jul 9 00:00 2012", "* * 1,15 * *", false),
            // {"Sun Jul 15 00:00 2012", "* * 1,15 * *", true},
            ("Sun Jul 15 00:00 2012", "* * 1,15 * *", true),
            // {"Sun Jul 15 00:00 2012", "* * */2 * Sun", true},
            ("Sun Jul 15 00:00 2012", "* * */2 * Sun", true),
        ];
        for (time, spec, expected) in cases {
            let schedule = Schedule::parse(spec).expect(spec);
            let (at, tz) = get_time(time).unwrap();
            let before = at.checked_sub(SignedDuration::from_secs(1)).unwrap();
            let actual = schedule.next_after(before, &tz);
            assert_eq!(actual == Some(at), expected, "{spec} on {time}: {actual:?}");
        }
    }

    #[test]
    fn robfig_test_next() {
        let cases: [(&str, &str, &str); 58] = [
            // Simple cases
            // {"Mon Jul 9 14:45 2012", "0 0/15 * * * *", "Mon Jul 9 15:00 2012"},
            (
                "Mon Jul 9 14:45 2012",
                "0 0/15 * * * *",
                "Mon Jul 9 15:00 2012",
            ),
            // {"Mon Jul 9 14:59 2012", "0 0/15 * * * *", "Mon Jul 9 15:00 2012"},
            (
                "Mon Jul 9 14:59 2012",
                "0 0/15 * * * *",
                "Mon Jul 9 15:00 2012",
            ),
            // {"Mon Jul 9 14:59:59 2012", "0 0/15 * * * *", "Mon Jul 9 15:00 2012"},
            (
                "Mon Jul 9 14:59:59 2012",
                "0 0/15 * * * *",
                "Mon Jul 9 15:00 2012",
            ),
            // Wrap around hours
            // {"Mon Jul 9 15:45 2012", "0 20-35/15 * * * *", "Mon Jul 9 16:20 2012"},
            (
                "Mon Jul 9 15:45 2012",
                "0 20-35/15 * * * *",
                "Mon Jul 9 16:20 2012",
            ),
            // Wrap around days
            // {"Mon Jul 9 23:46 2012", "0 */15 * * * *", "Tue Jul 10 00:00 2012"},
            (
                "Mon Jul 9 23:46 2012",
                "0 */15 * * * *",
                "Tue Jul 10 00:00 2012",
            ),
            // {"Mon Jul 9 23:45 2012", "0 20-35/15 * * * *", "Tue Jul 10 00:20 2012"},
            (
                "Mon Jul 9 23:45 2012",
                "0 20-35/15 * * * *",
                "Tue Jul 10 00:20 2012",
            ),
            // {"Mon Jul 9 23:35:51 2012", "15/35 20-35/15 * * * *", "Tue Jul 10 00:20:15 2012"},
            (
                "Mon Jul 9 23:35:51 2012",
                "15/35 20-35/15 * * * *",
                "Tue Jul 10 00:20:15 2012",
            ),
            // {"Mon Jul 9 23:35:51 2012", "15/35 20-35/15 1/2 * * *", "Tue Jul 10 01:20:15 2012"},
            (
                "Mon Jul 9 23:35:51 2012",
                "15/35 20-35/15 1/2 * * *",
                "Tue Jul 10 01:20:15 2012",
            ),
            // {"Mon Jul 9 23:35:51 2012", "15/35 20-35/15 10-12 * * *", "Tue Jul 10 10:20:15 2012"},
            (
                "Mon Jul 9 23:35:51 2012",
                "15/35 20-35/15 10-12 * * *",
                "Tue Jul 10 10:20:15 2012",
            ),
            // {"Mon Jul 9 23:35:51 2012", "15/35 20-35/15 1/2 */2 * *", "Thu Jul 11 01:20:15 2012"},
            (
                "Mon Jul 9 23:35:51 2012",
                "15/35 20-35/15 1/2 */2 * *",
                "Thu Jul 11 01:20:15 2012",
            ),
            // {"Mon Jul 9 23:35:51 2012", "15/35 20-35/15 * 9-20 * *", "Wed Jul 10 00:20:15 2012"},
            (
                "Mon Jul 9 23:35:51 2012",
                "15/35 20-35/15 * 9-20 * *",
                "Wed Jul 10 00:20:15 2012",
            ),
            // {"Mon Jul 9 23:35:51 2012", "15/35 20-35/15 * 9-20 Jul *", "Wed Jul 10 00:20:15 2012"},
            (
                "Mon Jul 9 23:35:51 2012",
                "15/35 20-35/15 * 9-20 Jul *",
                "Wed Jul 10 00:20:15 2012",
            ),
            // Wrap around months
            // {"Mon Jul 9 23:35 2012", "0 0 0 9 Apr-Oct ?", "Thu Aug 9 00:00 2012"},
            (
                "Mon Jul 9 23:35 2012",
                "0 0 0 9 Apr-Oct ?",
                "Thu Aug 9 00:00 2012",
            ),
            // {"Mon Jul 9 23:35 2012", "0 0 0 */5 Apr,Aug,Oct Mon", "Tue Aug 1 00:00 2012"},
            (
                "Mon Jul 9 23:35 2012",
                "0 0 0 */5 Apr,Aug,Oct Mon",
                "Tue Aug 1 00:00 2012",
            ),
            // {"Mon Jul 9 23:35 2012", "0 0 0 */5 Oct Mon", "Mon Oct 1 00:00 2012"},
            (
                "Mon Jul 9 23:35 2012",
                "0 0 0 */5 Oct Mon",
                "Mon Oct 1 00:00 2012",
            ),
            // Wrap around years
            // {"Mon Jul 9 23:35 2012", "0 0 0 * Feb Mon", "Mon Feb 4 00:00 2013"},
            (
                "Mon Jul 9 23:35 2012",
                "0 0 0 * Feb Mon",
                "Mon Feb 4 00:00 2013",
            ),
            // {"Mon Jul 9 23:35 2012", "0 0 0 * Feb Mon/2", "Fri Feb 1 00:00 2013"},
            (
                "Mon Jul 9 23:35 2012",
                "0 0 0 * Feb Mon/2",
                "Fri Feb 1 00:00 2013",
            ),
            // Wrap around minute, hour, day, month, and year
            // {"Mon Dec 31 23:59:45 2012", "0 * * * * *", "Tue Jan 1 00:00:00 2013"},
            (
                "Mon Dec 31 23:59:45 2012",
                "0 * * * * *",
                "Tue Jan 1 00:00:00 2013",
            ),
            // Leap year
            // {"Mon Jul 9 23:35 2012", "0 0 0 29 Feb ?", "Mon Feb 29 00:00 2016"},
            (
                "Mon Jul 9 23:35 2012",
                "0 0 0 29 Feb ?",
                "Mon Feb 29 00:00 2016",
            ),
            // Daylight savings time 2am EST (-5) -> 3am EDT (-4)
            // {"2012-03-11T00:00:00-0500", "TZ=America/New_York 0 30 2 11 Mar ?", "2013-03-11T02:30:00-0400"},
            (
                "2012-03-11T00:00:00-0500",
                "TZ=America/New_York 0 30 2 11 Mar ?",
                "2013-03-11T02:30:00-0400",
            ),
            // hourly job
            // {"2012-03-11T00:00:00-0500", "TZ=America/New_York 0 0 * * * ?", "2012-03-11T01:00:00-0500"},
            (
                "2012-03-11T00:00:00-0500",
                "TZ=America/New_York 0 0 * * * ?",
                "2012-03-11T01:00:00-0500",
            ),
            // {"2012-03-11T01:00:00-0500", "TZ=America/New_York 0 0 * * * ?", "2012-03-11T03:00:00-0400"},
            (
                "2012-03-11T01:00:00-0500",
                "TZ=America/New_York 0 0 * * * ?",
                "2012-03-11T03:00:00-0400",
            ),
            // {"2012-03-11T03:00:00-0400", "TZ=America/New_York 0 0 * * * ?", "2012-03-11T04:00:00-0400"},
            (
                "2012-03-11T03:00:00-0400",
                "TZ=America/New_York 0 0 * * * ?",
                "2012-03-11T04:00:00-0400",
            ),
            // {"2012-03-11T04:00:00-0400", "TZ=America/New_York 0 0 * * * ?", "2012-03-11T05:00:00-0400"},
            (
                "2012-03-11T04:00:00-0400",
                "TZ=America/New_York 0 0 * * * ?",
                "2012-03-11T05:00:00-0400",
            ),
            // hourly job using CRON_TZ
            // {"2012-03-11T00:00:00-0500", "CRON_TZ=America/New_York 0 0 * * * ?", "2012-03-11T01:00:00-0500"},
            (
                "2012-03-11T00:00:00-0500",
                "CRON_TZ=America/New_York 0 0 * * * ?",
                "2012-03-11T01:00:00-0500",
            ),
            // {"2012-03-11T01:00:00-0500", "CRON_TZ=America/New_York 0 0 * * * ?", "2012-03-11T03:00:00-0400"},
            (
                "2012-03-11T01:00:00-0500",
                "CRON_TZ=America/New_York 0 0 * * * ?",
                "2012-03-11T03:00:00-0400",
            ),
            // {"2012-03-11T03:00:00-0400", "CRON_TZ=America/New_York 0 0 * * * ?", "2012-03-11T04:00:00-0400"},
            (
                "2012-03-11T03:00:00-0400",
                "CRON_TZ=America/New_York 0 0 * * * ?",
                "2012-03-11T04:00:00-0400",
            ),
            // {"2012-03-11T04:00:00-0400", "CRON_TZ=America/New_York 0 0 * * * ?", "2012-03-11T05:00:00-0400"},
            (
                "2012-03-11T04:00:00-0400",
                "CRON_TZ=America/New_York 0 0 * * * ?",
                "2012-03-11T05:00:00-0400",
            ),
            // 1am nightly job
            // {"2012-03-11T00:00:00-0500", "TZ=America/New_York 0 0 1 * * ?", "2012-03-11T01:00:00-0500"},
            (
                "2012-03-11T00:00:00-0500",
                "TZ=America/New_York 0 0 1 * * ?",
                "2012-03-11T01:00:00-0500",
            ),
            // {"2012-03-11T01:00:00-0500", "TZ=America/New_York 0 0 1 * * ?", "2012-03-12T01:00:00-0400"},
            (
                "2012-03-11T01:00:00-0500",
                "TZ=America/New_York 0 0 1 * * ?",
                "2012-03-12T01:00:00-0400",
            ),
            // 2am nightly job (skipped)
            // {"2012-03-11T00:00:00-0500", "TZ=America/New_York 0 0 2 * * ?", "2012-03-12T02:00:00-0400"},
            (
                "2012-03-11T00:00:00-0500",
                "TZ=America/New_York 0 0 2 * * ?",
                "2012-03-12T02:00:00-0400",
            ),
            // Daylight savings time 2am EDT (-4) => 1am EST (-5)
            // {"2012-11-04T00:00:00-0400", "TZ=America/New_York 0 30 2 04 Nov ?", "2012-11-04T02:30:00-0500"},
            (
                "2012-11-04T00:00:00-0400",
                "TZ=America/New_York 0 30 2 04 Nov ?",
                "2012-11-04T02:30:00-0500",
            ),
            // {"2012-11-04T01:45:00-0400", "TZ=America/New_York 0 30 1 04 Nov ?", "2012-11-04T01:30:00-0500"},
            (
                "2012-11-04T01:45:00-0400",
                "TZ=America/New_York 0 30 1 04 Nov ?",
                "2012-11-04T01:30:00-0500",
            ),
            // hourly job
            // {"2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 * * * ?", "2012-11-04T01:00:00-0400"},
            (
                "2012-11-04T00:00:00-0400",
                "TZ=America/New_York 0 0 * * * ?",
                "2012-11-04T01:00:00-0400",
            ),
            // {"2012-11-04T01:00:00-0400", "TZ=America/New_York 0 0 * * * ?", "2012-11-04T01:00:00-0500"},
            (
                "2012-11-04T01:00:00-0400",
                "TZ=America/New_York 0 0 * * * ?",
                "2012-11-04T01:00:00-0500",
            ),
            // {"2012-11-04T01:00:00-0500", "TZ=America/New_York 0 0 * * * ?", "2012-11-04T02:00:00-0500"},
            (
                "2012-11-04T01:00:00-0500",
                "TZ=America/New_York 0 0 * * * ?",
                "2012-11-04T02:00:00-0500",
            ),
            // 1am nightly job (runs twice)
            // {"2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 1 * * ?", "2012-11-04T01:00:00-0400"},
            (
                "2012-11-04T00:00:00-0400",
                "TZ=America/New_York 0 0 1 * * ?",
                "2012-11-04T01:00:00-0400",
            ),
            // {"2012-11-04T01:00:00-0400", "TZ=America/New_York 0 0 1 * * ?", "2012-11-04T01:00:00-0500"},
            (
                "2012-11-04T01:00:00-0400",
                "TZ=America/New_York 0 0 1 * * ?",
                "2012-11-04T01:00:00-0500",
            ),
            // {"2012-11-04T01:00:00-0500", "TZ=America/New_York 0 0 1 * * ?", "2012-11-05T01:00:00-0500"},
            (
                "2012-11-04T01:00:00-0500",
                "TZ=America/New_York 0 0 1 * * ?",
                "2012-11-05T01:00:00-0500",
            ),
            // 2am nightly job
            // {"2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 2 * * ?", "2012-11-04T02:00:00-0500"},
            (
                "2012-11-04T00:00:00-0400",
                "TZ=America/New_York 0 0 2 * * ?",
                "2012-11-04T02:00:00-0500",
            ),
            // {"2012-11-04T02:00:00-0500", "TZ=America/New_York 0 0 2 * * ?", "2012-11-05T02:00:00-0500"},
            (
                "2012-11-04T02:00:00-0500",
                "TZ=America/New_York 0 0 2 * * ?",
                "2012-11-05T02:00:00-0500",
            ),
            // 3am nightly job
            // {"2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 3 * * ?", "2012-11-04T03:00:00-0500"},
            (
                "2012-11-04T00:00:00-0400",
                "TZ=America/New_York 0 0 3 * * ?",
                "2012-11-04T03:00:00-0500",
            ),
            // {"2012-11-04T03:00:00-0500", "TZ=America/New_York 0 0 3 * * ?", "2012-11-05T03:00:00-0500"},
            (
                "2012-11-04T03:00:00-0500",
                "TZ=America/New_York 0 0 3 * * ?",
                "2012-11-05T03:00:00-0500",
            ),
            // hourly job
            // {"TZ=America/New_York 2012-11-04T00:00:00-0400", "0 0 * * * ?", "2012-11-04T01:00:00-0400"},
            (
                "TZ=America/New_York 2012-11-04T00:00:00-0400",
                "0 0 * * * ?",
                "2012-11-04T01:00:00-0400",
            ),
            // {"TZ=America/New_York 2012-11-04T01:00:00-0400", "0 0 * * * ?", "2012-11-04T01:00:00-0500"},
            (
                "TZ=America/New_York 2012-11-04T01:00:00-0400",
                "0 0 * * * ?",
                "2012-11-04T01:00:00-0500",
            ),
            // {"TZ=America/New_York 2012-11-04T01:00:00-0500", "0 0 * * * ?", "2012-11-04T02:00:00-0500"},
            (
                "TZ=America/New_York 2012-11-04T01:00:00-0500",
                "0 0 * * * ?",
                "2012-11-04T02:00:00-0500",
            ),
            // 1am nightly job (runs twice)
            // {"TZ=America/New_York 2012-11-04T00:00:00-0400", "0 0 1 * * ?", "2012-11-04T01:00:00-0400"},
            (
                "TZ=America/New_York 2012-11-04T00:00:00-0400",
                "0 0 1 * * ?",
                "2012-11-04T01:00:00-0400",
            ),
            // {"TZ=America/New_York 2012-11-04T01:00:00-0400", "0 0 1 * * ?", "2012-11-04T01:00:00-0500"},
            (
                "TZ=America/New_York 2012-11-04T01:00:00-0400",
                "0 0 1 * * ?",
                "2012-11-04T01:00:00-0500",
            ),
            // {"TZ=America/New_York 2012-11-04T01:00:00-0500", "0 0 1 * * ?", "2012-11-05T01:00:00-0500"},
            (
                "TZ=America/New_York 2012-11-04T01:00:00-0500",
                "0 0 1 * * ?",
                "2012-11-05T01:00:00-0500",
            ),
            // 2am nightly job
            // {"TZ=America/New_York 2012-11-04T00:00:00-0400", "0 0 2 * * ?", "2012-11-04T02:00:00-0500"},
            (
                "TZ=America/New_York 2012-11-04T00:00:00-0400",
                "0 0 2 * * ?",
                "2012-11-04T02:00:00-0500",
            ),
            // {"TZ=America/New_York 2012-11-04T02:00:00-0500", "0 0 2 * * ?", "2012-11-05T02:00:00-0500"},
            (
                "TZ=America/New_York 2012-11-04T02:00:00-0500",
                "0 0 2 * * ?",
                "2012-11-05T02:00:00-0500",
            ),
            // 3am nightly job
            // {"TZ=America/New_York 2012-11-04T00:00:00-0400", "0 0 3 * * ?", "2012-11-04T03:00:00-0500"},
            (
                "TZ=America/New_York 2012-11-04T00:00:00-0400",
                "0 0 3 * * ?",
                "2012-11-04T03:00:00-0500",
            ),
            // {"TZ=America/New_York 2012-11-04T03:00:00-0500", "0 0 3 * * ?", "2012-11-05T03:00:00-0500"},
            (
                "TZ=America/New_York 2012-11-04T03:00:00-0500",
                "0 0 3 * * ?",
                "2012-11-05T03:00:00-0500",
            ),
            // Unsatisfiable
            // {"Mon Jul 9 23:35 2012", "0 0 0 30 Feb ?", ""},
            ("Mon Jul 9 23:35 2012", "0 0 0 30 Feb ?", ""),
            // {"Mon Jul 9 23:35 2012", "0 0 0 31 Apr ?", ""},
            ("Mon Jul 9 23:35 2012", "0 0 0 31 Apr ?", ""),
            // Monthly job
            // {"TZ=America/New_York 2012-11-04T00:00:00-0400", "0 0 3 3 * ?", "2012-12-03T03:00:00-0500"},
            (
                "TZ=America/New_York 2012-11-04T00:00:00-0400",
                "0 0 3 3 * ?",
                "2012-12-03T03:00:00-0500",
            ),
            // Test the scenario of DST resulting in midnight not being a valid time.
            // https://github.com/robfig/cron/issues/157
            // {"2018-10-17T05:00:00-0400", "TZ=America/Sao_Paulo 0 0 9 10 * ?", "2018-11-10T06:00:00-0500"},
            (
                "2018-10-17T05:00:00-0400",
                "TZ=America/Sao_Paulo 0 0 9 10 * ?",
                "2018-11-10T06:00:00-0500",
            ),
            // {"2018-02-14T05:00:00-0500", "TZ=America/Sao_Paulo 0 0 9 22 * ?", "2018-02-22T07:00:00-0500"},
            (
                "2018-02-14T05:00:00-0500",
                "TZ=America/Sao_Paulo 0 0 9 22 * ?",
                "2018-02-22T07:00:00-0500",
            ),
        ];
        for (time, spec, expected) in cases {
            let schedule = parse_with_seconds(spec);
            let (at, tz) = get_time(time).unwrap();
            assert_eq!(
                schedule.next_after(at, &tz),
                time_only(expected),
                "{time}, {spec:?}"
            );
        }
    }

    #[test]
    fn robfig_test_errors() {
        // "xyz", "60 0 * * *", "0 60 * * *", "0 0 * * XYZ",
        let cases = [
            ("xyz", "expected exactly 5 fields, found 1: [xyz]"),
            ("60 0 * * *", "end of range (60) above maximum (59): 60"),
            ("0 60 * * *", "end of range (60) above maximum (23): 60"),
            (
                "0 0 * * XYZ",
                r#"failed to parse int from XYZ: strconv.Atoi: parsing "XYZ": invalid syntax"#,
            ),
        ];
        for (spec, message) in cases {
            assert_eq!(err_text(Schedule::parse(spec)), message, "{spec}");
        }
    }

    #[test]
    fn robfig_test_next_with_tz() {
        let cases = [
            // Failing tests
            // {"2016-01-03T13:09:03+0530", "14 14 * * *", "2016-01-03T14:14:00+0530"},
            (
                "2016-01-03T13:09:03+0530",
                "14 14 * * *",
                "2016-01-03T14:14:00+0530",
            ),
            // {"2016-01-03T04:09:03+0530", "14 14 * * ?", "2016-01-03T14:14:00+0530"},
            (
                "2016-01-03T04:09:03+0530",
                "14 14 * * ?",
                "2016-01-03T14:14:00+0530",
            ),
            // Passing tests
            // {"2016-01-03T14:09:03+0530", "14 14 * * *", "2016-01-03T14:14:00+0530"},
            (
                "2016-01-03T14:09:03+0530",
                "14 14 * * *",
                "2016-01-03T14:14:00+0530",
            ),
            // {"2016-01-03T14:00:00+0530", "14 14 * * ?", "2016-01-03T14:14:00+0530"},
            (
                "2016-01-03T14:00:00+0530",
                "14 14 * * ?",
                "2016-01-03T14:14:00+0530",
            ),
        ];
        for (time, spec, expected) in cases {
            let schedule = Schedule::parse(spec).unwrap();
            let (at, tz) = get_time(time).unwrap();
            assert_eq!(
                schedule.next_after(at, &tz),
                time_only(expected),
                "{time}, {spec:?}"
            );
        }
    }

    #[test]
    fn robfig_test_slash0_no_hang() {
        // https://github.com/robfig/cron/issues/144
        // schedule := "TZ=America/New_York 15/0 * * * *"
        assert_eq!(
            err_text(Schedule::parse("TZ=America/New_York 15/0 * * * *")),
            "step of range should be a positive number: 15/0"
        );
    }

    // -----------------------------------------------------------------------------------------
    // robfig/cron v3.0.1 constantdelay_test.go
    // -----------------------------------------------------------------------------------------

    #[test]
    fn robfig_test_constant_delay_next() {
        let cases = [
            // Simple cases
            // {"Mon Jul 9 14:45 2012", 15*time.Minute + 50*time.Nanosecond, "Mon Jul 9 15:00 2012"},
            ("Mon Jul 9 14:45 2012", "15m50ns", "Mon Jul 9 15:00 2012"),
            // {"Mon Jul 9 14:59 2012", 15 * time.Minute, "Mon Jul 9 15:14 2012"},
            ("Mon Jul 9 14:59 2012", "15m", "Mon Jul 9 15:14 2012"),
            // {"Mon Jul 9 14:59:59 2012", 15 * time.Minute, "Mon Jul 9 15:14:59 2012"},
            ("Mon Jul 9 14:59:59 2012", "15m", "Mon Jul 9 15:14:59 2012"),
            // Wrap around hours
            // {"Mon Jul 9 15:45 2012", 35 * time.Minute, "Mon Jul 9 16:20 2012"},
            ("Mon Jul 9 15:45 2012", "35m", "Mon Jul 9 16:20 2012"),
            // Wrap around days
            // {"Mon Jul 9 23:46 2012", 14 * time.Minute, "Tue Jul 10 00:00 2012"},
            ("Mon Jul 9 23:46 2012", "14m", "Tue Jul 10 00:00 2012"),
            // {"Mon Jul 9 23:45 2012", 35 * time.Minute, "Tue Jul 10 00:20 2012"},
            ("Mon Jul 9 23:45 2012", "35m", "Tue Jul 10 00:20 2012"),
            // {"Mon Jul 9 23:35:51 2012", 44*time.Minute + 24*time.Second, "Tue Jul 10 00:20:15 2012"},
            (
                "Mon Jul 9 23:35:51 2012",
                "44m24s",
                "Tue Jul 10 00:20:15 2012",
            ),
            // {"Mon Jul 9 23:35:51 2012", 25*time.Hour + 44*time.Minute + 24*time.Second, "Thu Jul 11 01:20:15 2012"},
            (
                "Mon Jul 9 23:35:51 2012",
                "25h44m24s",
                "Thu Jul 11 01:20:15 2012",
            ),
            // Wrap around months
            // {"Mon Jul 9 23:35 2012", 91*24*time.Hour + 25*time.Minute, "Thu Oct 9 00:00 2012"},
            ("Mon Jul 9 23:35 2012", "2184h25m", "Thu Oct 9 00:00 2012"),
            // Wrap around minute, hour, day, month, and year
            // {"Mon Dec 31 23:59:45 2012", 15 * time.Second, "Tue Jan 1 00:00:00 2013"},
            ("Mon Dec 31 23:59:45 2012", "15s", "Tue Jan 1 00:00:00 2013"),
            // Round to nearest second on the delay
            // {"Mon Jul 9 14:45 2012", 15*time.Minute + 50*time.Nanosecond, "Mon Jul 9 15:00 2012"},
            ("Mon Jul 9 14:45 2012", "15m50ns", "Mon Jul 9 15:00 2012"),
            // Round up to 1 second if the duration is less.
            // {"Mon Jul 9 14:45:00 2012", 15 * time.Millisecond, "Mon Jul 9 14:45:01 2012"},
            ("Mon Jul 9 14:45:00 2012", "15ms", "Mon Jul 9 14:45:01 2012"),
            // Round to nearest second when calculating the next time.
            // {"Mon Jul 9 14:45:00.005 2012", 15 * time.Minute, "Mon Jul 9 15:00 2012"},
            ("Mon Jul 9 14:45:00.005 2012", "15m", "Mon Jul 9 15:00 2012"),
            // Round to nearest second for both.
            // {"Mon Jul 9 14:45:00.005 2012", 15*time.Minute + 50*time.Nanosecond, "Mon Jul 9 15:00 2012"},
            (
                "Mon Jul 9 14:45:00.005 2012",
                "15m50ns",
                "Mon Jul 9 15:00 2012",
            ),
        ];
        for (time, delay, expected) in cases {
            let schedule = Schedule::parse(&format!("@every {delay}")).unwrap();
            let (at, tz) = get_time(time).unwrap();
            assert_eq!(
                schedule.next_after(at, &tz),
                time_only(expected),
                "{time} + {delay}"
            );
        }
    }

    // -----------------------------------------------------------------------------------------
    // kubernetes pkg/controller/cronjob/utils_test.go
    // -----------------------------------------------------------------------------------------

    /// topOfTheHour(): 2016-05-19T10:00:00Z, a Thursday.
    fn top_of_the_hour() -> Timestamp {
        ts("2016-05-19T10:00:00Z")
    }

    /// deltaTimeAfterTopOfTheHour(d).
    fn after_top(hours: i64, minutes: i64, seconds: i64) -> Timestamp {
        top_of_the_hour()
            .checked_add(SignedDuration::from_secs(
                hours * 3600 + minutes * 60 + seconds,
            ))
            .unwrap()
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum MissedType {
        None,
        Few,
        Many,
    }

    fn missed_type(missed: &Missed) -> MissedType {
        if missed.too_many {
            MissedType::Many
        } else if missed.missed > 0 {
            MissedType::Few
        } else {
            MissedType::None
        }
    }

    #[test]
    fn kubernetes_test_most_recent_schedule_time() {
        struct Case {
            name: &'static str,
            schedule: &'static str,
            creation: Timestamp,
            last_schedule: Option<Timestamp>,
            starting_deadline_seconds: Option<i64>,
            include_sds: bool,
            now: Timestamp,
            expected_earliest: Timestamp,
            expected_recent: Option<Timestamp>,
            expected_too_many_missed: MissedType,
            want_err: bool,
        }
        let top = top_of_the_hour();
        let half_past = after_top(0, 30, 0);
        let minute_after = after_top(0, 1, 0);
        let base = Case {
            name: "",
            schedule: "0 * * * *",
            creation: top,
            last_schedule: None,
            starting_deadline_seconds: None,
            include_sds: false,
            now: top,
            expected_earliest: top,
            expected_recent: None,
            expected_too_many_missed: MissedType::None,
            want_err: false,
        };
        let cases = [
            // name: "now before next schedule"
            Case {
                name: "now before next schedule",
                now: after_top(0, 0, 30),
                ..base
            },
            // name: "now just after next schedule"
            Case {
                name: "now just after next schedule",
                now: after_top(0, 61, 0),
                expected_recent: Some(after_top(0, 60, 0)),
                ..base
            },
            // name: "missed 5 schedules"
            Case {
                name: "missed 5 schedules",
                creation: after_top(0, 0, 10),
                now: after_top(0, 301, 0),
                expected_recent: Some(after_top(0, 300, 0)),
                expected_earliest: after_top(0, 0, 10),
                expected_too_many_missed: MissedType::Few,
                ..base
            },
            // name: "complex schedule"
            Case {
                name: "complex schedule",
                schedule: "30 6-16/4 * * 1-5",
                last_schedule: Some(half_past),
                now: after_top(24, 31, 0),
                expected_recent: Some(after_top(24, 30, 0)),
                expected_earliest: half_past,
                expected_too_many_missed: MissedType::Few,
                ..base
            },
            // name: "another complex schedule"
            Case {
                name: "another complex schedule",
                schedule: "30 10,11,12 * * 1-5",
                last_schedule: Some(half_past),
                now: after_top(30, 30, 0),
                expected_recent: None,
                expected_earliest: half_past,
                expected_too_many_missed: MissedType::Few,
                ..base
            },
            // name: "complex schedule with longer diff between executions"
            Case {
                name: "complex schedule with longer diff between executions",
                schedule: "30 6-16/4 * * 1-5",
                last_schedule: Some(half_past),
                now: after_top(96, 31, 0),
                expected_recent: Some(after_top(96, 30, 0)),
                expected_earliest: half_past,
                expected_too_many_missed: MissedType::Few,
                ..base
            },
            // name: "complex schedule with shorter diff between executions"
            Case {
                name: "complex schedule with shorter diff between executions",
                schedule: "30 6-16/4 * * 1-5",
                now: after_top(24, 31, 0),
                expected_recent: Some(after_top(24, 30, 0)),
                expected_earliest: top,
                expected_too_many_missed: MissedType::Few,
                ..base
            },
            // name: "@every schedule"
            Case {
                name: "@every schedule",
                schedule: "@every 1h",
                creation: after_top(0, -59, 0),
                starting_deadline_seconds: Some(10),
                last_schedule: Some(minute_after),
                now: after_top(7 * 24, 0, 0),
                expected_recent: Some(after_top(6 * 24 + 23, 1, 0)),
                expected_earliest: minute_after,
                expected_too_many_missed: MissedType::Many,
                ..base
            },
            // name: "rogue cronjob"
            Case {
                name: "rogue cronjob",
                schedule: "59 23 31 2 *",
                creation: after_top(0, 0, 10),
                now: after_top(1, 0, 0),
                want_err: true,
                ..base
            },
            // name: "earliestTime being CreationTimestamp and LastScheduleTime"
            Case {
                name: "earliestTime being CreationTimestamp and LastScheduleTime",
                last_schedule: Some(top),
                now: after_top(0, 0, 30),
                ..base
            },
            // name: "earliestTime being LastScheduleTime"
            Case {
                name: "earliestTime being LastScheduleTime",
                schedule: "*/5 * * * *",
                last_schedule: Some(half_past),
                now: after_top(0, 31, 0),
                expected_earliest: half_past,
                ..base
            },
            // name: "earliestTime being LastScheduleTime (within StartingDeadlineSeconds)"
            Case {
                name: "earliestTime being LastScheduleTime (within StartingDeadlineSeconds)",
                schedule: "*/5 * * * *",
                starting_deadline_seconds: Some(60),
                last_schedule: Some(half_past),
                now: after_top(0, 31, 0),
                expected_earliest: half_past,
                ..base
            },
            // name: "earliestTime being LastScheduleTime (outside StartingDeadlineSeconds)"
            Case {
                name: "earliestTime being LastScheduleTime (outside StartingDeadlineSeconds)",
                schedule: "*/5 * * * *",
                starting_deadline_seconds: Some(60),
                last_schedule: Some(half_past),
                include_sds: true,
                now: after_top(0, 32, 0),
                expected_earliest: after_top(0, 31, 0),
                ..base
            },
        ];
        for c in cases {
            let schedule = Schedule::parse(c.schedule).expect(c.name);
            let earliest = c.last_schedule.unwrap_or(c.creation);
            let sds = c.starting_deadline_seconds.filter(|_| c.include_sds);
            let got = most_recent_schedule_time(&schedule, &TimeZone::UTC, earliest, c.now, sds);
            if c.want_err {
                assert_eq!(
                    got.error,
                    Some(ScheduleError::SchedulesTooClose),
                    "{}",
                    c.name
                );
                continue;
            }
            assert_eq!(got.error, None, "{}", c.name);
            assert_eq!(got.earliest, c.expected_earliest, "{}", c.name);
            assert_eq!(got.most_recent, c.expected_recent, "{}", c.name);
            assert_eq!(missed_type(&got), c.expected_too_many_missed, "{}", c.name);
        }
    }

    /// Upstream `nextScheduleTime`: the most recent unmet time (with startingDeadlineSeconds)
    /// unless it is after now, and the error.
    fn next_schedule_time(
        schedule: &Schedule,
        creation: Timestamp,
        last_schedule: Option<Timestamp>,
        starting_deadline_seconds: Option<i64>,
        now: Timestamp,
    ) -> (Option<Timestamp>, Option<ScheduleError>) {
        let earliest = last_schedule.unwrap_or(creation);
        let missed = most_recent_schedule_time(
            schedule,
            &TimeZone::UTC,
            earliest,
            now,
            starting_deadline_seconds,
        );
        let recent = missed.most_recent.filter(|t| *t <= now);
        (recent, missed.error)
    }

    #[test]
    fn kubernetes_test_next_schedule_time() {
        // schedule is hourly on the hour
        let hourly = Schedule::parse("0 * * * ?").unwrap();
        // T1 is a scheduled start time of that schedule
        let t1 = top_of_the_hour();
        // T2 is a scheduled start time of that schedule after T1
        let t2 = after_top(1, 0, 0);
        let minutes = |m: i64| SignedDuration::from_secs(m * 60);

        // Case 1: no known start times, and none needed yet.
        let creation = t1.checked_sub(minutes(10)).unwrap();
        let now = t1.checked_sub(minutes(7)).unwrap();
        assert_eq!(
            next_schedule_time(&hourly, creation, None, None, now).0,
            None
        );

        // Case 2: no known start times, and one needed.
        let now = t1.checked_add(SignedDuration::from_secs(2)).unwrap();
        assert_eq!(
            next_schedule_time(&hourly, creation, None, None, now).0,
            Some(t1)
        );

        // Case 3: known LastScheduleTime, no start needed.
        let now = t1.checked_add(minutes(2)).unwrap();
        assert_eq!(
            next_schedule_time(&hourly, creation, Some(t1), None, now).0,
            None
        );

        // Case 4: known LastScheduleTime, a start needed
        let now = t2.checked_add(minutes(5)).unwrap();
        assert_eq!(
            next_schedule_time(&hourly, creation, Some(t1), None, now).0,
            Some(t2)
        );

        // Case 5: known LastScheduleTime, two starts needed
        let creation = t1.checked_sub(minutes(120)).unwrap();
        let last = t1.checked_sub(minutes(60)).unwrap();
        let now = t2.checked_add(minutes(5)).unwrap();
        assert_eq!(
            next_schedule_time(&hourly, creation, Some(last), None, now).0,
            Some(t2)
        );

        // Case 6: now is way way ahead of last start time, and there is no deadline.
        let now = t2.checked_add(SignedDuration::from_hours(10 * 24)).unwrap();
        let (recent, _) = next_schedule_time(&hourly, creation, Some(last), None, now);
        assert!(recent.is_some(), "expected more than 0 missed times");
        // The warning event fires: upstream counts 241 missed hourly runs.
        let missed = most_recent_schedule_time(&hourly, &TimeZone::UTC, last, now, None);
        assert!(missed.too_many);

        // Case 7: now is way way ahead of last start time, but there is a short deadline.
        let (recent, _) = next_schedule_time(&hourly, creation, Some(last), Some(2 * 60 * 60), now);
        assert!(recent.is_some(), "expected more than 0 missed times");

        // Case 8: ensure the error from mostRecentScheduleTime gets populated up
        let rogue = Schedule::parse("59 23 31 2 *").unwrap();
        let creation = t1.checked_add(SignedDuration::from_secs(10)).unwrap();
        let now = after_top(1, 0, 0);
        let (recent, err) = next_schedule_time(&rogue, creation, None, None, now);
        assert_eq!(recent, None);
        assert_eq!(err, Some(ScheduleError::SchedulesTooClose));
    }

    #[test]
    fn kubernetes_test_next_schedule_time_duration() {
        let top = top_of_the_hour();
        let half_past = after_top(0, 30, 0);
        let two_hours_later = after_top(2, 0, 0);
        let delta = NEXT_SCHEDULE_DELTA;
        let hm = |h: i64, m: i64| SignedDuration::from_secs(h * 3600 + m * 60);
        // (name, schedule, creation, last schedule, now, expected duration)
        let cases = [
            // name: "complex schedule skipping weekend"
            (
                "complex schedule skipping weekend",
                "30 6-16/4 * * 1-5",
                top,
                Some(half_past),
                after_top(24, 31, 0),
                hm(3, 59) + delta,
            ),
            // name: "another complex schedule skipping weekend"
            (
                "another complex schedule skipping weekend",
                "30 10,11,12 * * 1-5",
                top,
                Some(half_past),
                after_top(30, 30, 0),
                hm(66, 0) + delta,
            ),
            // name: "once a week cronjob, missed two runs"
            (
                "once a week cronjob, missed two runs",
                "0 12 * * 4",
                top,
                Some(two_hours_later),
                after_top(19 * 24 + 1, 30, 0),
                hm(48, 30) + delta,
            ),
            // name: "no previous run of a cronjob"
            (
                "no previous run of a cronjob",
                "0 12 * * 5",
                top,
                None,
                after_top(6, 0, 0),
                hm(20, 0) + delta,
            ),
        ];
        for (name, spec, creation, last, now, expected) in cases {
            let schedule = Schedule::parse(spec).unwrap();
            let earliest = last.unwrap_or(creation);
            let at = next_requeue_from(&schedule, &TimeZone::UTC, earliest, now).expect(name);
            assert_eq!(at.duration_since(now), expected, "{name}");
        }
    }

    // -----------------------------------------------------------------------------------------
    // kubernetes pkg/apis/batch/validation/validation_test.go (TestValidateCronJob, the schedule
    // and timeZone cases)
    // -----------------------------------------------------------------------------------------

    #[test]
    fn kubernetes_validation_time_zone() {
        // "correct timeZone value" (timeZoneCorrect) and the zones other tests use.
        for name in [
            "Europe/Rome",
            "America/New_York",
            "UTC",
            "Etc/GMT+5",
            "US/Eastern",
        ] {
            assert!(time_zone(name).is_ok(), "{name}");
        }
        let cases = [
            // "spec.timeZone: timeZone must be nil or non-empty string"
            ("", "timeZone must be nil or non-empty string"),
            // "spec.timeZone: timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
            (
                "Local",
                "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
            ),
            // "spec.timeZone: Invalid value: \" Continent/Zone\": unknown time zone  Continent/Zone"
            (" Continent/Zone", "unknown time zone  Continent/Zone"),
            // "spec.timeZone: Invalid value: \"Continent/InvalidZone\": unknown time zone  Continent/InvalidZone"
            (
                "Continent/InvalidZone",
                "unknown time zone Continent/InvalidZone",
            ),
            // "spec.timeZone: Invalid value: \" \": unknown time zone  "
            (" ", "unknown time zone  "),
            // "spec.timeZone: Invalid value: \"Continent/Zone \": unknown time zone Continent/Zone "
            ("Continent/Zone ", "unknown time zone Continent/Zone "),
            // "spec.timeZone: Invalid value: \"AMERICA/new_york\": unknown time zone AMERICA/new_york"
            ("AMERICA/new_york", "unknown time zone AMERICA/new_york"),
            // The message of the brief.
            ("Mars/Olympus", "unknown time zone Mars/Olympus"),
        ];
        for (name, message) in cases {
            match time_zone(name) {
                Ok(_) => panic!("{name:?} should be rejected"),
                Err(err) => assert_eq!(err.to_string(), message, "{name:?}"),
            }
        }
    }

    #[test]
    fn kubernetes_validation_schedule_format() {
        // "spec.schedule: Invalid value" with Schedule: "error"
        let errors = validate_schedule_format("error", false, false);
        assert_eq!(
            errors,
            vec![ScheduleError::FieldCount {
                expected: "exactly 5",
                found: 1,
                fields: vec!["error".to_owned()],
            }]
        );
        // Valid schedules of the success cases: "* * * * ?", "@hourly", "0 * * * *".
        for spec in ["* * * * ?", "@hourly", "0 * * * *"] {
            assert!(
                validate_schedule_format(spec, false, true).is_empty(),
                "{spec}"
            );
        }
        // "TZ=UTC 0 * * * *" with timeZone set: rejected on create, and on update when the old
        // schedule already had TZ.
        assert_eq!(
            validate_schedule_format("TZ=UTC 0 * * * *", false, true),
            vec![ScheduleError::TimeZoneInSchedule]
        );
        assert_eq!(
            validate_schedule_format("TZ=UTC 0 * * * *", true, true),
            vec![ScheduleError::TimeZoneInScheduleAndField]
        );
        assert!(validate_schedule_format("TZ=UTC 0 * * * *", true, false).is_empty());
        let schedule = Schedule::parse("CRON_TZ=Europe/Rome 0 * * * *").unwrap();
        assert!(schedule.has_tz_prefix() && schedule.contains_tz());
        assert!(!Schedule::parse("0 * * * *").unwrap().has_tz_prefix());
    }

    // -----------------------------------------------------------------------------------------
    // Behaviour beyond the upstream tables (expected values checked against robfig v3.0.1 built
    // with Go 1.19 and tzdata 2026f).
    // -----------------------------------------------------------------------------------------

    #[test]
    fn error_messages_match_robfig() {
        let cases = [
            ("", "empty spec string"),
            ("0-70 * * * *", "end of range (70) above maximum (59): 0-70"),
            ("@fortnightly", "unrecognized descriptor: @fortnightly"),
            (
                "TZ=Mars/Olympus * * * * *",
                "provided bad location Mars/Olympus: unknown time zone Mars/Olympus",
            ),
            (
                "TZ=../etc * * * * *",
                "provided bad location ../etc: time: invalid location name",
            ),
            (
                "* * * * * *",
                "expected exactly 5 fields, found 6: [* * * * * *]",
            ),
            ("   ", "expected exactly 5 fields, found 0: []"),
            (
                "5-1 * * * *",
                "beginning of range (5) beyond end of range (1): 5-1",
            ),
            ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
            ("* * * * 7", "end of range (7) above maximum (6): 7"),
            (
                "-1 * * * *",
                r#"failed to parse int from : strconv.Atoi: parsing "": invalid syntax"#,
            ),
            ("*/-1 * * * *", "negative number (-1) not allowed: -1"),
            (
                "99999999999999999999 * * * *",
                r#"failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range"#,
            ),
            (
                "@every 5",
                r#"failed to parse duration @every 5: time: missing unit in duration "5""#,
            ),
            (
                "@every 5d",
                r#"failed to parse duration @every 5d: time: unknown unit "d" in duration "5d""#,
            ),
            ("@daily ", "unrecognized descriptor: @daily "),
            ("TZ=UTC", "time zone prefix without a schedule: TZ=UTC"),
        ];
        for (spec, message) in cases {
            assert_eq!(err_text(Schedule::parse(spec)), message, "{spec:?}");
        }
    }

    #[test]
    fn grammar_details() {
        // Names are case-insensitive; Go's ToLower also maps U+0130 to 'i'.
        let named = spec_bits(&Schedule::parse("0 0 * jAn,DEC sun-SAT").unwrap());
        assert_eq!(named.month, 1 << 1 | 1 << 12);
        assert_eq!(named.dow, 0x7f);
        assert_eq!(
            spec_bits(&Schedule::parse("0 0 * * FR\u{130}").unwrap()).dow,
            1 << 5
        );
        // `*-5` is `*`, empty list items are skipped, `?` is `*`.
        let odd = spec_bits(&Schedule::parse("*-5 ,1,,2, ? * ?").unwrap());
        assert_eq!(odd.minute, all_bits(&MINUTES));
        assert_eq!(odd.hour, 1 << 1 | 1 << 2);
        assert_eq!(odd.dom, all_bits(&DOM));
        // `*/1` keeps the star bit, `*/2` and explicit full ranges do not.
        assert_ne!(
            spec_bits(&Schedule::parse("* * */1 * *").unwrap()).dom & STAR_BIT,
            0
        );
        assert_eq!(
            spec_bits(&Schedule::parse("* * */2 * *").unwrap()).dom & STAR_BIT,
            0
        );
        assert_eq!(
            spec_bits(&Schedule::parse("* * 1-31 * *").unwrap()).dom & STAR_BIT,
            0
        );
        // `@every` rounds down to whole seconds and up to one second, and accepts Go durations.
        for (spec, seconds) in [
            ("@every 1h30m", 5_400),
            ("@every 1.5h", 5_400),
            ("@every 1500ms", 1),
            ("@every 0", 1),
            ("@every -5m", 1),
            ("@every 2\u{b5}s", 1),
        ] {
            assert_eq!(
                Schedule::parse(spec).unwrap().kind,
                Kind::Every {
                    delay_seconds: seconds
                },
                "{spec}"
            );
        }
        // `TZ=Local` is robfig's "no zone"; an empty name is UTC.
        let local = Schedule::parse("TZ=Local 0 0 * * *").unwrap();
        assert!(local.has_tz_prefix() && local.prefix_time_zone().is_none());
        let empty = Schedule::parse("TZ= 0 0 * * *").unwrap();
        assert_eq!(empty.prefix_time_zone(), Some(&TimeZone::UTC));
    }

    #[test]
    fn controller_time_zone_follows_format_schedule() {
        let rome = zone("Europe/Rome");
        let plain = Schedule::parse("0 9 * * *").unwrap();
        assert_eq!(plain.controller_time_zone(Some(&rome)), rome);
        assert_eq!(plain.controller_time_zone(None), TimeZone::UTC);
        let prefixed = Schedule::parse("TZ=Asia/Tokyo 0 9 * * *").unwrap();
        assert_eq!(
            prefixed.controller_time_zone(Some(&rome)),
            zone("Asia/Tokyo")
        );
        let local = Schedule::parse("TZ=Local 0 9 * * *").unwrap();
        assert_eq!(local.controller_time_zone(Some(&rome)), TimeZone::UTC);
    }

    #[test]
    fn tz_prefix_overrides_the_callers_zone() {
        let schedule = Schedule::parse("TZ=Asia/Tokyo 0 9 * * *").unwrap();
        let at = ts("2024-01-01T00:00:00Z");
        let expected = Some(
            ts("2024-01-01T00:00:00Z")
                .checked_add(SignedDuration::from_hours(24))
                .unwrap(),
        );
        assert_eq!(schedule.next_after(at, &zone("America/New_York")), expected);
        let plain = Schedule::parse("0 9 * * *").unwrap();
        assert_eq!(
            plain.next_after(at, &zone("Asia/Tokyo")),
            Some(ts("2024-01-02T00:00:00Z"))
        );
        assert_eq!(
            plain.next_after(at, &TimeZone::UTC),
            Some(ts("2024-01-01T09:00:00Z"))
        );
    }

    #[test]
    fn dst_in_zones_east_of_utc_and_half_hour_shifts() {
        let cases = [
            // Berlin spring forward: 02:30 does not exist on 2021-03-28, so that day is skipped.
            (
                "30 2 * * *",
                "Europe/Berlin",
                "2021-03-27T12:00:00Z",
                ["2021-03-29T00:30:00Z", "2021-03-30T00:30:00Z"],
            ),
            // Berlin fall back: 02:30 happens twice on 2021-10-31 and fires twice.
            (
                "30 2 * * *",
                "Europe/Berlin",
                "2021-10-30T12:00:00Z",
                ["2021-10-31T00:30:00Z", "2021-10-31T01:30:00Z"],
            ),
            // Hourly across the Berlin gap: 01:00 CET, then 03:00 CEST.
            (
                "0 * * * *",
                "Europe/Berlin",
                "2021-03-28T00:30:00Z",
                ["2021-03-28T01:00:00Z", "2021-03-28T02:00:00Z"],
            ),
            // Lord Howe moves 30 minutes: 02:15 does not exist on 2021-10-03.
            (
                "15 2 * * *",
                "Australia/Lord_Howe",
                "2021-10-02T12:00:00Z",
                ["2021-10-03T15:15:00Z", "2021-10-04T15:15:00Z"],
            ),
            // Havana skips midnight on 2012-04-01: robfig's daily schedule skips that day.
            (
                "0 0 * * *",
                "America/Havana",
                "2012-03-31T12:00:00Z",
                ["2012-04-02T04:00:00Z", "2012-04-03T04:00:00Z"],
            ),
        ];
        for (spec, zone_name, after, expected) in cases {
            let schedule = Schedule::parse(spec).unwrap();
            let tz = zone(zone_name);
            let got: Vec<Timestamp> = schedule.activations(ts(after), &tz).take(2).collect();
            let expected: Vec<Timestamp> = expected.iter().map(|t| ts(t)).collect();
            assert_eq!(got, expected, "{spec} in {zone_name}");
        }
    }

    #[test]
    fn leap_days_and_the_five_year_window() {
        let feb29 = Schedule::parse("0 0 29 2 *").unwrap();
        let got: Vec<Timestamp> = feb29
            .activations(ts("2012-03-01T00:00:00Z"), &TimeZone::UTC)
            .take(3)
            .collect();
        assert_eq!(
            got,
            [
                ts("2016-02-29T00:00:00Z"),
                ts("2020-02-29T00:00:00Z"),
                ts("2024-02-29T00:00:00Z")
            ]
        );
        // 2100 is not a leap year and 2104 lies beyond robfig's five-year search.
        assert_eq!(
            feb29.next_after(ts("2096-03-01T00:00:00Z"), &TimeZone::UTC),
            None
        );
        // Never: February 30th, April 31st, an empty field.
        for spec in ["0 0 30 2 *", "0 0 31 4 *", ", * * * *", "0 0 , * *"] {
            let schedule = Schedule::parse(spec).unwrap();
            assert_eq!(
                schedule.next_after(ts("2024-01-01T00:00:00Z"), &TimeZone::UTC),
                None,
                "{spec}"
            );
        }
    }

    #[test]
    fn robfig_hang_in_pacific_apia_terminates() {
        // Samoa skipped 2011-12-30. robfig loops forever here (Go's time.Date maps Dec 30 back
        // to Dec 29); the step guard turns that into "no activation".
        let schedule = Schedule::parse("@monthly").unwrap();
        let apia = zone("Pacific/Apia");
        assert_eq!(schedule.next_after(ts("2011-12-15T00:00:00Z"), &apia), None);
        // Outside that window Apia behaves normally.
        assert_eq!(
            schedule.next_after(ts("2012-01-15T00:00:00Z"), &apia),
            Some(ts("2012-01-31T10:00:00Z"))
        );
    }

    #[test]
    fn every_schedules_ignore_zones_and_sub_seconds() {
        let every = Schedule::parse("TZ=America/New_York @every 90m").unwrap();
        let after = ts("2012-03-11T06:30:00.750Z");
        assert_eq!(
            every.next_after(after, &TimeZone::UTC),
            Some(ts("2012-03-11T08:00:00Z"))
        );
    }

    #[test]
    fn requeue_helpers() {
        let hourly = Schedule::parse("0 * * * *").unwrap();
        let now = ts("2024-05-01T10:20:00Z");
        assert_eq!(
            next_requeue(&hourly, &TimeZone::UTC, now),
            Some(ts("2024-05-01T11:00:00.1Z"))
        );
        let never = Schedule::parse("0 0 30 2 *").unwrap();
        assert_eq!(next_requeue(&never, &TimeZone::UTC, now), None);
        assert_eq!(next_requeue_from(&never, &TimeZone::UTC, now, now), None);
    }

    #[test]
    fn sim_clock_conversions() {
        let start = ts("2024-05-01T00:00:00.000250Z");
        let t = sim_ms_to_timestamp(start, 61_000).unwrap();
        assert_eq!(t, ts("2024-05-01T00:01:01.000250Z"));
        assert_eq!(timestamp_to_sim_ms_ceil(start, t), 61_000);
        // An activation at a whole minute falls 0.25 ms before a millisecond tick: round up.
        assert_eq!(
            timestamp_to_sim_ms_ceil(start, ts("2024-05-01T00:01:00Z")),
            60_000
        );
        assert_eq!(
            timestamp_to_sim_ms_ceil(start, ts("2024-04-30T23:59:59Z")),
            -1_000
        );
    }

    #[test]
    fn determinism_does_not_depend_on_the_tz_variable() {
        let compute = || {
            let schedules = [
                "0 * * * *",
                "30 2 * * *",
                "@daily",
                "CRON_TZ=Asia/Kolkata 0 9 * * 1-5",
            ];
            let mut out = Vec::new();
            for spec in schedules {
                let schedule = Schedule::parse(spec).unwrap();
                for tz in [TimeZone::UTC, time_zone("America/New_York").unwrap()] {
                    out.extend(
                        schedule
                            .activations(ts("2012-03-10T00:00:00Z"), &tz)
                            .take(5),
                    );
                }
            }
            out
        };
        let before = compute();
        let previous = std::env::var_os("TZ");
        // SAFETY: other tests may run on other threads, but the standard library serializes its
        // own environment accesses and no C code in this module's dependencies reads the
        // environment; changing TZ is exactly the interference this test must rule out.
        unsafe {
            std::env::set_var("TZ", "Pacific/Chatham");
        }
        let after = compute();
        // SAFETY: as above; this restores the variable for the rest of the test binary.
        unsafe {
            match previous {
                Some(value) => std::env::set_var("TZ", value),
                None => std::env::remove_var("TZ"),
            }
        }
        assert_eq!(before, after);
        // Spot-check absolute values so a host-dependent answer cannot hide on both sides.
        assert_eq!(before[0], ts("2012-03-10T01:00:00Z"));
        assert_eq!(before[4], ts("2012-03-10T05:00:00Z"));
        // The first New York activation: 20:00 EST on 2012-03-09.
        assert_eq!(before[5], ts("2012-03-10T01:00:00Z"));
    }

    #[test]
    fn every_minute_for_sixty_days() {
        let schedule = Schedule::parse("*/1 * * * *").unwrap();
        let start = ts("2024-03-01T00:00:00Z");
        let end = ts("2024-04-30T00:00:00Z");
        let tz = time_zone("America/New_York").unwrap();
        let count = schedule
            .activations(start, &tz)
            .take_while(|t| *t <= end)
            .count();
        assert_eq!(count, 86_400);
        // The same through repeated next_after calls, as a controller would make them.
        let mut t = start;
        let mut count = 0;
        while let Some(next) = schedule.next_after(t, &TimeZone::UTC) {
            if next > end {
                break;
            }
            count += 1;
            t = next;
        }
        assert_eq!(count, 86_400);
    }

    #[test]
    fn junk_input_never_panics() {
        // A deterministic xorshift generator over tokens that exercise every parser branch.
        let tokens = [
            "*",
            "?",
            "-",
            "/",
            ",",
            "0",
            "5",
            "59",
            "60",
            "7",
            "31",
            "JAN",
            "mon",
            "xyz",
            "@",
            "@every",
            " ",
            "\t",
            "TZ=",
            "CRON_TZ=",
            "UTC",
            "Mars/Olympus",
            "America/New_York",
            "1-",
            "-1",
            "+3",
            "*/0",
            "99999999999999999999",
            "1.5h",
            "\u{b5}s",
            "\u{17f}un",
            "FR\u{130}",
            "\u{e9}",
            "\"",
            "\\",
            "L",
            "#",
            "//",
            "--",
            "@daily",
            "@weekly",
            "=",
            "Local",
            "..",
            "/etc",
            "9223372036854775808ns",
        ];
        let fields = [
            "*", "?", "0", "5", "1-5", "*/15", "JAN", "mon-fri", "1,2", "59", "60", "7", "31",
            "*/0", ",", "2-6/2", "sun", "12",
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let zones = [
            TimeZone::UTC,
            zone("America/New_York"),
            zone("Australia/Lord_Howe"),
        ];
        let mut parsed = 0;
        for _ in 0..3_000 {
            let mut spec = String::new();
            if next() % 2 == 0 {
                // Five field-like tokens: mostly valid, sometimes out of range.
                for _ in 0..5 {
                    spec.push_str(fields[(next() % fields.len() as u64) as usize]);
                    spec.push(' ');
                }
            } else {
                for _ in 0..1 + next() % 9 {
                    spec.push_str(tokens[(next() % tokens.len() as u64) as usize]);
                    if next() % 2 == 0 {
                        spec.push(' ');
                    }
                }
            }
            let Ok(schedule) = Schedule::parse(&spec) else {
                continue;
            };
            parsed += 1;
            let tz = &zones[(next() % 3) as usize];
            let at = Timestamp::from_second(1_300_000_000 + (next() % 400_000_000) as i64).unwrap();
            let _ = schedule.next_after(at, tz);
            let _ =
                most_recent_schedule_time(&schedule, tz, at, ts("2030-01-01T00:00:00Z"), Some(100));
            let _ = next_requeue_from(&schedule, tz, at, ts("2030-01-01T00:00:00Z"));
        }
        assert!(
            parsed > 100,
            "the generator should also produce valid schedules"
        );
        // Extremes of jiff's range.
        let every = Schedule::parse("@every 1h").unwrap();
        assert_eq!(every.next_after(Timestamp::MAX, &TimeZone::UTC), None);
        let daily = Schedule::parse("@daily").unwrap();
        assert_eq!(daily.next_after(Timestamp::MAX, &TimeZone::UTC), None);
        assert!(daily.next_after(Timestamp::MIN, &TimeZone::UTC).is_some());
        // Centuries of missed runs are counted arithmetically, not enumerated (Go agrees: 84006).
        let earliest = ts("1800-01-01T00:00:00Z");
        let now = ts("2030-01-01T12:00:00Z");
        let missed = most_recent_schedule_time(&daily, &TimeZone::UTC, earliest, now, None);
        assert_eq!(missed.most_recent, Some(ts("2030-01-01T00:00:00Z")));
        assert_eq!(missed.missed, 84_006);
        assert!(missed.too_many);
        // A deadline too large for Go's time.Duration (which wraps there) simply does not bind.
        let huge = most_recent_schedule_time(&daily, &TimeZone::UTC, earliest, now, Some(i64::MAX));
        assert_eq!(huge, missed);
    }
}
