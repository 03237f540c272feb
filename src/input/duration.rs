//! Durations in scenario files: Go's `time.ParseDuration` syntax ("90s", "5m", "1h30m",
//! "1.5h", "500ms"), as Kubernetes components use for their flags. jobsim simulates whole
//! milliseconds, so finer values are rejected rather than silently rounded.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

use crate::engine::time::SimDuration;

/// Why a duration did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error(
        "invalid duration {0:?}: expected a number with a unit, e.g. \"90s\", \"5m\", \"1h30m\", \"500ms\""
    )]
    Syntax(String),
    #[error("invalid duration {0:?}: unknown unit (use ms, s, m, h or d)")]
    Unit(String),
    #[error("invalid duration {0:?}: durations must not be negative")]
    Negative(String),
    #[error("invalid duration {0:?}: jobsim simulates whole milliseconds")]
    SubMillisecond(String),
    #[error("invalid duration {0:?}: too large")]
    TooLarge(String),
}

/// Parses a duration. Units: `ms`, `s`, `m`, `h`, and `d` (24 h, a jobsim extension for
/// long scenarios); each number may have a fraction (`1.5h`). "0" needs no unit.
pub fn parse_duration(text: &str) -> Result<SimDuration, DurationError> {
    let s = text.trim();
    if s == "0" || s == "+0" {
        return Ok(SimDuration::ZERO);
    }
    if s.starts_with('-') {
        return Err(DurationError::Negative(text.to_string()));
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.is_empty() {
        return Err(DurationError::Syntax(text.to_string()));
    }
    // Accumulate in microseconds, exactly, to detect sub-millisecond remainders.
    let mut total_us: u128 = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let int_part = &s[start..i];
        let mut frac_part = "";
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            let fs = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            frac_part = &s[fs..i];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(DurationError::Syntax(text.to_string()));
        }
        let us = i;
        while i < bytes.len() && !bytes[i].is_ascii_digit() && bytes[i] != b'.' {
            i += 1;
        }
        let unit_us: u128 = match &s[us..i] {
            "ms" => 1_000,
            "s" => 1_000_000,
            "m" => 60_000_000,
            "h" => 3_600_000_000,
            "d" => 86_400_000_000,
            "" => return Err(DurationError::Syntax(text.to_string())),
            "us" | "µs" | "μs" | "ns" => {
                return Err(DurationError::SubMillisecond(text.to_string()));
            }
            _ => return Err(DurationError::Unit(text.to_string())),
        };
        if int_part.len() > 20 || frac_part.len() > 20 {
            return Err(DurationError::TooLarge(text.to_string()));
        }
        let whole: u128 = if int_part.is_empty() {
            0
        } else {
            int_part
                .parse()
                .map_err(|_| DurationError::TooLarge(text.to_string()))?
        };
        let mut value = whole
            .checked_mul(unit_us)
            .ok_or_else(|| DurationError::TooLarge(text.to_string()))?;
        if !frac_part.is_empty() {
            let digits: u128 = frac_part
                .parse()
                .map_err(|_| DurationError::Syntax(text.to_string()))?;
            let scale = 10u128.pow(frac_part.len() as u32);
            let scaled = digits * unit_us;
            if !scaled.is_multiple_of(scale) {
                return Err(DurationError::SubMillisecond(text.to_string()));
            }
            value += scaled / scale;
        }
        total_us = total_us
            .checked_add(value)
            .ok_or_else(|| DurationError::TooLarge(text.to_string()))?;
    }
    if !total_us.is_multiple_of(1000) {
        return Err(DurationError::SubMillisecond(text.to_string()));
    }
    let ms = total_us / 1000;
    if ms > u128::from(u64::MAX / 4) {
        return Err(DurationError::TooLarge(text.to_string()));
    }
    Ok(SimDuration::from_millis(ms as u64))
}

/// Formats a duration the way scenario files write it ("1h30m", "90s", "250ms").
pub fn format_duration(d: SimDuration) -> String {
    let mut ms = d.as_millis();
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in [("h", 3_600_000u64), ("m", 60_000), ("s", 1_000)] {
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    if ms > 0 {
        out.push_str(&format!("{ms}ms"));
    }
    out
}

/// A duration field of a scenario file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DurationField(pub SimDuration);

impl<'de> serde::Deserialize<'de> for DurationField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DurationField;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as \"90s\", \"5m\" or \"1h30m\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DurationField, E> {
                parse_duration(v).map(DurationField).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DurationField, E> {
                if v == 0 {
                    Ok(DurationField(SimDuration::ZERO))
                } else {
                    Err(E::custom(format!(
                        "a duration needs a unit: write \"{v}s\" (seconds) or \"{v}ms\" (milliseconds)"
                    )))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DurationField, E> {
                if v < 0 {
                    return Err(E::custom("durations must not be negative"));
                }
                self.visit_u64(v as u64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DurationField, E> {
                Err(E::custom(format!(
                    "a duration needs a unit: write \"{v}s\" (seconds)"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> u64 {
        parse_duration(text).unwrap().as_millis()
    }

    // Cases from Go's time/time_test.go parseDurationTests, restricted to whole milliseconds.
    #[test]
    fn parses_like_go() {
        assert_eq!(ms("0"), 0);
        assert_eq!(ms("5s"), 5_000);
        assert_eq!(ms("30s"), 30_000);
        assert_eq!(ms("1478s"), 1_478_000);
        assert_eq!(ms("+5s"), 5_000);
        assert_eq!(ms("5.0s"), 5_000);
        assert_eq!(ms("5.6s"), 5_600);
        assert_eq!(ms("5.s"), 5_000);
        assert_eq!(ms(".5s"), 500);
        assert_eq!(ms("1.004s"), 1_004);
        assert_eq!(ms("100.00100s"), 100_001);
        assert_eq!(ms("10ms"), 10);
        assert_eq!(ms("1h"), 3_600_000);
        assert_eq!(ms("3h30m"), 12_600_000);
        assert_eq!(ms("10.5s4m"), 250_500);
        assert_eq!(ms("1h2m3s4ms"), 3_723_004);
        assert_eq!(ms("1.5h"), 5_400_000);
        assert_eq!(ms("2d"), 172_800_000);
    }

    #[test]
    fn rejects_what_go_rejects_and_sub_milliseconds() {
        for bad in [
            "", "3", "-", "s", ".", "-.", ".s", "+.s", "1d2x", "5x", "1.2.3s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            parse_duration("-5s"),
            Err(DurationError::Negative(_))
        ));
        assert!(matches!(
            parse_duration("1.0005s"),
            Err(DurationError::SubMillisecond(_))
        ));
        assert!(matches!(
            parse_duration("10us"),
            Err(DurationError::SubMillisecond(_))
        ));
        assert!(matches!(
            parse_duration("99999999999999999999999h"),
            Err(DurationError::TooLarge(_))
        ));
    }

    #[test]
    fn formats_round_trip() {
        for s in ["0s", "90ms", "1h30m", "45s", "2h0m1s"] {
            let d = parse_duration(s).unwrap();
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d, "{s}");
        }
        assert_eq!(
            format_duration(SimDuration::from_millis(5_400_250)),
            "1h30m250ms"
        );
    }
}
