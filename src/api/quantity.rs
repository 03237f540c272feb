//! Kubernetes resource quantities, parsed exactly as apimachinery does, converted into integers.
//!
//! This module reproduces the semantics of `k8s.io/apimachinery/pkg/api/resource` (upstream files
//! `staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go`, `suffix.go`, `amount.go`,
//! `math.go` and `scale_int.go` in `kubernetes/kubernetes`) without floating point and without a
//! big-number dependency.
//!
//! # Grammar
//!
//! ```text
//! <quantity>        ::= <signedNumber><suffix>
//! <signedNumber>    ::= <number> | <sign><number>
//! <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits> | .
//! <sign>            ::= "+" | "-"
//! <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
//! <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei            (powers of 1024)
//! <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E (powers of 1000)
//! <decimalExponent> ::= "e" <signedInteger> | "E" <signedInteger>
//! ```
//!
//! The scanner is a port of upstream's `parseQuantityString`: text that does not match
//! `^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$` fails with [`QuantityError::FormatWrong`], and a
//! suffix that matches the character class but names no unit (`"1i"`, `"1e"`, `"0.1mi"`) fails
//! with [`QuantityError::Suffix`]. Note that `"1E"` is the exa suffix while `"1E3"` is an
//! exponent, exactly as upstream reads them.
//!
//! # Exactness and parse-time rounding
//!
//! A quantity is stored as `sign * digits * 10^exp` with an arbitrary number of decimal digits, so
//! `"18446744073709551616"` and `"1e300"` keep their exact values. Two adjustments happen at parse
//! time because upstream makes them too:
//!
//! - every non-zero value is rounded away from zero to a whole number of nano units, so `"0.1n"`
//!   becomes `1n` and `"-1e-100"` becomes `-1n`;
//! - a `BinarySI` quantity is capped in magnitude at `2^63 - 1`, so `"8Ei"` parses as
//!   `9223372036854775807`; a binary quantity whose magnitude is below one becomes `DecimalSI`.
//!
//! # Integer conversions
//!
//! [`Quantity::value`], [`Quantity::milli_value`] and [`Quantity::scaled_value`] round away from
//! zero, like upstream's `Value`, `MilliValue` and `ScaledValue`: `"100m"` has value 1 and
//! `"0.1m"` has milli-value 1. For the non-negative quantities the simulator accepts this is the
//! ceiling. Where upstream silently wraps or saturates an `int64`, these return
//! [`QuantityError::TooLarge`].
//!
//! # Canonical form
//!
//! [`Quantity::canonical`] (also `Display`) renders upstream's `CanonicalizeBytes`: no precision is
//! lost, no fractional digits are printed, and the suffix is as large as possible while keeping
//! the format the quantity was written in (`"1.5Gi"` is `1536Mi`, `"0.5"` is `500m`, `"1e3"` stays
//! `1e3`, `"1000m"` is `1`).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// The notation a quantity was written in, which its canonical form keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuantityFormat {
    /// Decimal SI suffixes `n u m "" k M G T P E`, e.g. `12M` is `12 * 10^6`.
    DecimalSI,
    /// Binary SI suffixes `Ki Mi Gi Ti Pi Ei`, e.g. `12Mi` is `12 * 2^20`.
    BinarySI,
    /// Decimal exponents, e.g. `12e6` is `12 * 10^6`.
    DecimalExponent,
}

/// An exact resource quantity: `sign * digits * 10^exp`, plus the format it was written in.
///
/// Equality, ordering and hashing are numeric and ignore the format, exactly like upstream's
/// `Quantity.Cmp` and `Quantity.Equal`: `"1e3" == "1k"` and `"500m" == "0.5"`. Comparing the
/// format as well would make `Eq` disagree with `Ord`, which sorted collections rely on.
#[derive(Clone)]
pub struct Quantity {
    /// Whether the value is below zero; always false for zero.
    negative: bool,
    /// ASCII decimal digits of the magnitude without leading or trailing zeros; empty for zero.
    digits: Vec<u8>,
    /// Power of ten applied to `digits`; zero for zero. Parsing keeps it within `-9..=i32::MAX`.
    exp: i64,
    /// The notation the quantity was parsed from, used by the canonical form.
    format: QuantityFormat,
}

/// Why a text is not a quantity, or why a quantity does not fit an `i64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// The text does not match the quantity grammar (upstream `ErrFormatWrong`).
    #[error(
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )]
    FormatWrong,
    /// The suffix matches the grammar's character class but is not a known unit or a decimal
    /// exponent that fits an `i32` (upstream `ErrSuffix`).
    #[error("unable to parse quantity's suffix")]
    Suffix,
    /// The value does not fit the simulator's integer range: an integer conversion whose result
    /// is outside `i64`, or a parsed quantity whose decimal exponent exceeds `i32::MAX`, which
    /// upstream's `int32` scale cannot represent either.
    #[error("quantity is too large")]
    TooLarge,
}

impl Quantity {
    /// Parses a quantity the way upstream's `ParseQuantity` does, including rounding to nano
    /// units and capping binary quantities at `2^63 - 1`.
    pub fn parse(text: &str) -> Result<Quantity, QuantityError> {
        let scanned = scan(text.as_bytes())?;
        let (unit, format) = interpret_suffix(scanned.suffix)?;
        // Upstream's hand-written scanner treats a missing number ("-", "Ki", "e3") as zero even
        // though its own regular expression requires at least one digit or dot; refusing it keeps
        // a typo from silently becoming a zero-sized request.
        if !scanned.has_number {
            return Err(QuantityError::FormatWrong);
        }
        build(&scanned, unit, format)
    }

    /// The notation the quantity was written in, after upstream's parse-time adjustment
    /// (a binary quantity with a magnitude below one reports `DecimalSI`).
    pub fn format(&self) -> QuantityFormat {
        self.format
    }

    /// Whether the quantity is below zero.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// Whether the quantity is exactly zero.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// The value rounded away from zero to an integer, like upstream's `Quantity.Value()`; for
    /// non-negative quantities this is `ceil(value)`. Fails with `TooLarge` outside `i64`.
    pub fn value(&self) -> Result<i64, QuantityError> {
        self.rounded_at(0)
    }

    /// The value in thousandths rounded away from zero, like upstream's `Quantity.MilliValue()`;
    /// for non-negative quantities this is `ceil(value * 1000)`. Fails with `TooLarge` outside
    /// `i64`.
    pub fn milli_value(&self) -> Result<i64, QuantityError> {
        self.rounded_at(3)
    }

    /// The value in units of `10^scale` rounded away from zero, like upstream's
    /// `Quantity.ScaledValue(scale)`: `scaled_value(-3)` equals `milli_value()`.
    pub fn scaled_value(&self, scale: i32) -> Result<i64, QuantityError> {
        self.rounded_at(-i64::from(scale))
    }

    /// The canonical text of upstream's `Quantity.String()`, for messages and round trips.
    ///
    /// Upstream's `String()` sometimes echoes the parsed input verbatim when a heuristic deems it
    /// canonical (`"+1"`, `"1E3"`, `"1.500"`); this always computes the canonical form instead.
    pub fn canonical(&self) -> String {
        if self.is_zero() {
            return "0".to_owned();
        }
        let mut out = String::with_capacity(self.digits.len() + 16);
        if self.negative {
            out.push('-');
        }
        // Binary notation is only used when it is exact and at least 1Ki; upstream otherwise
        // falls back to decimal SI so that "500m" or "1126400m" lose nothing.
        if self.format == QuantityFormat::BinarySI
            && let Some(binary) = self.binary_canonical()
        {
            out.push_str(&binary);
            return out;
        }
        // Upstream moves every factor of ten into the exponent and then lowers the exponent to a
        // multiple of three, so the mantissa gains up to two zeros.
        let pad = self.exp.rem_euclid(3);
        let exponent = self.exp - pad;
        out.extend(self.digits.iter().map(|&d| char::from(d)));
        for _ in 0..pad {
            out.push('0');
        }
        let decimal_si = match self.format {
            QuantityFormat::DecimalExponent => None,
            QuantityFormat::DecimalSI | QuantityFormat::BinarySI => decimal_si_suffix(exponent),
        };
        match decimal_si {
            Some(suffix) => out.push_str(suffix),
            // A zero exponent prints no suffix in exponent notation. DecimalSI has no suffix past
            // "E", so current upstream falls back to exponent notation rather than dropping the
            // magnitude ("1000E" would otherwise print as "1").
            None if exponent == 0 => {}
            None => {
                out.push('e');
                out.push_str(&exponent.to_string());
            }
        }
        out
    }

    /// Renders `|self|` in binary notation, or `None` when upstream would use decimal SI.
    fn binary_canonical(&self) -> Option<String> {
        if self.exp < 0 {
            return None;
        }
        let mut mantissa = self.integer_magnitude()?;
        if mantissa < 1024 {
            return None;
        }
        let mut times = 0;
        while mantissa >= 1024 && mantissa % 1024 == 0 {
            mantissa /= 1024;
            times += 1;
        }
        let suffix = BINARY_SUFFIXES.get(times)?;
        Some(format!("{mantissa}{suffix}"))
    }

    /// The magnitude as an integer when `exp >= 0` and it fits a `u128`.
    fn integer_magnitude(&self) -> Option<u128> {
        let mut value = digits_to_u128(&self.digits)?;
        for _ in 0..self.exp {
            value = value.checked_mul(10)?;
        }
        Some(value)
    }

    /// `self * 10^shift`, rounded away from zero, as an `i64`.
    fn rounded_at(&self, shift: i64) -> Result<i64, QuantityError> {
        if self.is_zero() {
            return Ok(0);
        }
        let exponent = i128::from(self.exp) + i128::from(shift);
        let integer_digits = digit_count(&self.digits) + exponent;
        // Nineteen integer digits already reach 10^18; twenty exceed every i64.
        if integer_digits > 19 {
            return Err(QuantityError::TooLarge);
        }
        let magnitude = if exponent >= 0 {
            let mut value = digits_to_u128(&self.digits).ok_or(QuantityError::TooLarge)?;
            for _ in 0..exponent {
                value = value.checked_mul(10).ok_or(QuantityError::TooLarge)?;
            }
            value
        } else if integer_digits <= 0 {
            // A non-zero magnitude below one rounds away from zero to one.
            1
        } else {
            // The dropped digits end in the last (non-zero) digit, so the fraction is never zero.
            let keep = usize::try_from(integer_digits).map_err(|_| QuantityError::TooLarge)?;
            let head = self.digits.get(..keep).ok_or(QuantityError::TooLarge)?;
            digits_to_u128(head).ok_or(QuantityError::TooLarge)? + 1
        };
        let signed = i128::try_from(magnitude).map_err(|_| QuantityError::TooLarge)?;
        let signed = if self.negative { -signed } else { signed };
        i64::try_from(signed).map_err(|_| QuantityError::TooLarge)
    }

    /// -1, 0 or 1 by the sign of the value.
    fn signum(&self) -> i8 {
        if self.is_zero() {
            0
        } else if self.negative {
            -1
        } else {
            1
        }
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Quantity::parse(text)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.canonical())
    }
}

impl fmt::Debug for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The exact value reads better than a byte vector, and the canonical form shows what
        // messages will print.
        let digits: String = self.digits.iter().map(|&d| char::from(d)).collect();
        let sign = if self.negative { "-" } else { "" };
        let exact = if self.is_zero() {
            "0".to_owned()
        } else {
            format!("{sign}{digits}e{}", self.exp)
        };
        f.debug_struct("Quantity")
            .field("exact", &exact)
            .field("canonical", &self.canonical())
            .field("format", &self.format)
            .finish()
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        match self.signum().cmp(&other.signum()) {
            Ordering::Equal if self.is_zero() => Ordering::Equal,
            Ordering::Equal => {
                let magnitude = cmp_magnitude(&self.digits, self.exp, &other.digits, other.exp);
                if self.negative {
                    magnitude.reverse()
                } else {
                    magnitude
                }
            }
            unequal => unequal,
        }
    }
}

impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The representation is normalised, so numerically equal quantities hash alike; the
        // format is left out to agree with `Eq`.
        self.negative.hash(state);
        self.digits.hash(state);
        self.exp.hash(state);
    }
}

/// Characters upstream's scanner accepts before the exponent digits of a suffix.
const SUFFIX_LETTERS: &[u8] = b"eEinumkKMGTP";

/// Binary suffixes by power of 1024.
const BINARY_SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/// The magnitude cap upstream applies to binary quantities (`maxAllowed` in `math.go`).
const MAX_BINARY_DIGITS: &[u8] = b"9223372036854775807";

/// Upstream rounds every parsed value to this power of ten (`Nano` in `amount.go`).
const NANO_EXP: i64 = -9;

/// The pieces of a quantity text, as upstream's `parseQuantityString` splits it.
struct Scanned<'a> {
    negative: bool,
    /// Integer digits without leading zeros; possibly empty.
    integer: &'a [u8],
    /// Digits after the decimal point; possibly empty.
    fraction: &'a [u8],
    /// Whether any digit or dot appeared, i.e. whether `[+-]?[0-9.]+` matched.
    has_number: bool,
    suffix: &'a [u8],
}

/// What a suffix multiplies the number by.
#[derive(Clone, Copy)]
enum Unit {
    /// `10^exponent`.
    Decimal(i32),
    /// `1024^power`.
    Binary(u32),
}

/// Splits a text into sign, number and suffix, failing where upstream returns `ErrFormatWrong`.
fn scan(text: &[u8]) -> Result<Scanned<'_>, QuantityError> {
    let end = text.len();
    let mut pos = 0;
    let mut negative = false;
    match text.first() {
        Some(b'-') => {
            negative = true;
            pos = 1;
        }
        Some(b'+') => pos = 1,
        _ => {}
    }
    let number_start = pos;
    while pos < end && text[pos] == b'0' {
        pos += 1;
    }
    let integer_start = pos;
    while pos < end && text[pos].is_ascii_digit() {
        pos += 1;
    }
    let integer = &text[integer_start..pos];
    let mut fraction: &[u8] = &[];
    // Upstream accepts "1." and "1.G" (a TODO there considers forbidding them).
    if pos < end && text[pos] == b'.' {
        pos += 1;
        let fraction_start = pos;
        while pos < end && text[pos].is_ascii_digit() {
            pos += 1;
        }
        fraction = &text[fraction_start..pos];
    }
    let has_number = pos > number_start;
    let suffix_start = pos;
    while pos < end && SUFFIX_LETTERS.contains(&text[pos]) {
        pos += 1;
    }
    if pos < end && (text[pos] == b'+' || text[pos] == b'-') {
        pos += 1;
    }
    while pos < end && text[pos].is_ascii_digit() {
        pos += 1;
    }
    // Anything left (a second dot, a space, a non-ASCII byte) breaks the grammar.
    if pos != end {
        return Err(QuantityError::FormatWrong);
    }
    Ok(Scanned {
        negative,
        integer,
        fraction,
        has_number,
        suffix: &text[suffix_start..],
    })
}

/// Maps a suffix to its multiplier and format, like upstream's `suffixer.interpret`.
fn interpret_suffix(suffix: &[u8]) -> Result<(Unit, QuantityFormat), QuantityError> {
    let decimal = |exponent| Ok((Unit::Decimal(exponent), QuantityFormat::DecimalSI));
    let binary = |power| Ok((Unit::Binary(power), QuantityFormat::BinarySI));
    match suffix {
        b"" => decimal(0),
        b"n" => decimal(-9),
        b"u" => decimal(-6),
        b"m" => decimal(-3),
        b"k" => decimal(3),
        b"M" => decimal(6),
        b"G" => decimal(9),
        b"T" => decimal(12),
        b"P" => decimal(15),
        b"E" => decimal(18),
        b"Ki" => binary(1),
        b"Mi" => binary(2),
        b"Gi" => binary(3),
        b"Ti" => binary(4),
        b"Pi" => binary(5),
        b"Ei" => binary(6),
        [b'e' | b'E', rest @ ..] if !rest.is_empty() => match parse_exponent(rest) {
            Some(exponent) => Ok((Unit::Decimal(exponent), QuantityFormat::DecimalExponent)),
            None => Err(QuantityError::Suffix),
        },
        _ => Err(QuantityError::Suffix),
    }
}

/// Parses a signed decimal integer as Go's `strconv.ParseInt` does, but only within `i32`.
///
/// Upstream used to parse 64 bits and truncate to `int32` (so `1e4294967297` meant `1e1`); newer
/// upstream rejects such exponents, and so does this.
fn parse_exponent(text: &[u8]) -> Option<i32> {
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut magnitude: i64 = 0;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        magnitude = magnitude
            .checked_mul(10)?
            .checked_add(i64::from(digit - b'0'))?;
    }
    i32::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// Turns scanned pieces into a normalised, nano-rounded and (for binary) capped quantity.
fn build(
    scanned: &Scanned<'_>,
    unit: Unit,
    format: QuantityFormat,
) -> Result<Quantity, QuantityError> {
    let mut digits = Vec::with_capacity(scanned.integer.len() + scanned.fraction.len());
    digits.extend_from_slice(scanned.integer);
    digits.extend_from_slice(scanned.fraction);
    let fraction_len = i64::try_from(scanned.fraction.len()).unwrap_or(i64::MAX);
    let exponent = match unit {
        Unit::Decimal(exponent) => i64::from(exponent),
        Unit::Binary(_) => 0,
    };
    // Saturation is harmless: an exponent that low rounds to one nano unit anyway.
    let mut exp = exponent.saturating_sub(fraction_len);
    normalize(&mut digits, &mut exp);
    let mut format = format;
    if digits.is_empty() {
        // Zero keeps the parsed format (upstream's "0Ki" stays BinarySI) and is never rounded.
        return Ok(Quantity {
            negative: false,
            digits,
            exp: 0,
            format,
        });
    }
    if let Unit::Binary(power) = unit {
        // Twenty integer digits are at least 10^19, above the cap whatever the multiplier, so the
        // potentially long multiplication is skipped.
        if digit_count(&digits) + i128::from(exp) >= 20 {
            digits = MAX_BINARY_DIGITS.to_vec();
            exp = 0;
        } else {
            for _ in 0..power {
                multiply_small(&mut digits, 1024);
            }
            normalize(&mut digits, &mut exp);
        }
    }
    round_to_nano(&mut digits, &mut exp);
    if let Unit::Binary(_) = unit {
        if cmp_magnitude(&digits, exp, MAX_BINARY_DIGITS, 0) == Ordering::Greater {
            digits = MAX_BINARY_DIGITS.to_vec();
            exp = 0;
        }
        // Upstream switches a binary magnitude below one to decimal "to avoid confusion".
        if digit_count(&digits) + i128::from(exp) <= 0 {
            format = QuantityFormat::DecimalSI;
        }
    }
    // Keeping the exponent within i32 guarantees the canonical text parses back.
    if exp > i64::from(i32::MAX) {
        return Err(QuantityError::TooLarge);
    }
    Ok(Quantity {
        negative: scanned.negative,
        digits,
        exp,
        format,
    })
}

/// Strips leading zeros and moves trailing zeros into the exponent; zero becomes empty digits.
fn normalize(digits: &mut Vec<u8>, exp: &mut i64) {
    let leading = digits.iter().take_while(|&&d| d == b'0').count();
    digits.drain(..leading);
    let trailing = digits.iter().rev().take_while(|&&d| d == b'0').count();
    digits.truncate(digits.len() - trailing);
    if digits.is_empty() {
        *exp = 0;
    } else {
        *exp = exp.saturating_add(i64::try_from(trailing).unwrap_or(i64::MAX));
    }
}

/// Rounds a normalised non-zero magnitude away from zero to a multiple of `10^-9`, as upstream's
/// `amount.Round(amount, Nano.infScale(), inf.RoundUp)` does.
fn round_to_nano(digits: &mut Vec<u8>, exp: &mut i64) {
    if *exp >= NANO_EXP {
        return;
    }
    let dropped = i128::from(NANO_EXP) - i128::from(*exp);
    let kept = digit_count(digits) - dropped;
    *exp = NANO_EXP;
    // The dropped digits include the last, non-zero one, so rounding always adds a unit.
    let Ok(kept @ 1..) = usize::try_from(kept) else {
        digits.clear();
        digits.push(b'1');
        return;
    };
    digits.truncate(kept);
    increment(digits);
    normalize(digits, exp);
}

/// Adds one unit in the last place of a decimal digit string.
fn increment(digits: &mut Vec<u8>) {
    for digit in digits.iter_mut().rev() {
        if *digit == b'9' {
            *digit = b'0';
        } else {
            *digit += 1;
            return;
        }
    }
    digits.insert(0, b'1');
}

/// Multiplies a decimal digit string by a small factor in place.
fn multiply_small(digits: &mut Vec<u8>, factor: u64) {
    let mut carry: u64 = 0;
    for digit in digits.iter_mut().rev() {
        let product = u64::from(*digit - b'0') * factor + carry;
        *digit = b'0' + (product % 10) as u8;
        carry = product / 10;
    }
    let mut prefix = Vec::new();
    while carry > 0 {
        prefix.push(b'0' + (carry % 10) as u8);
        carry /= 10;
    }
    prefix.reverse();
    digits.splice(0..0, prefix);
}

/// Compares two normalised non-zero magnitudes `a * 10^a_exp` and `b * 10^b_exp`.
fn cmp_magnitude(a: &[u8], a_exp: i64, b: &[u8], b_exp: i64) -> Ordering {
    let a_order = digit_count(a) + i128::from(a_exp);
    let b_order = digit_count(b) + i128::from(b_exp);
    // With equal orders the leading digits align, and since neither has trailing zeros a proper
    // prefix is the smaller value, which is exactly lexicographic slice order.
    a_order.cmp(&b_order).then_with(|| a.cmp(b))
}

/// The number of digits as an `i128`, wide enough to add any `i64` exponent.
fn digit_count(digits: &[u8]) -> i128 {
    i128::try_from(digits.len()).unwrap_or(i128::MAX)
}

/// Reads a digit string as an integer, or `None` if it does not fit a `u128`.
fn digits_to_u128(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |value, &digit| {
        value.checked_mul(10)?.checked_add(u128::from(digit - b'0'))
    })
}

/// The decimal SI suffix for a power of ten, if there is one.
fn decimal_si_suffix(exponent: i64) -> Option<&'static str> {
    Some(match exponent {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::QuantityFormat::{BinarySI, DecimalExponent, DecimalSI};
    use super::*;
    use std::collections::HashSet;

    /// Upstream's `decQuantity(i, exponent, format)`: exactly `mantissa * 10^exp`, unrounded.
    fn dq(mantissa: i128, exp: i64, format: QuantityFormat) -> Quantity {
        let mut digits = mantissa.unsigned_abs().to_string().into_bytes();
        let mut exp = exp;
        normalize(&mut digits, &mut exp);
        Quantity {
            negative: mantissa < 0,
            digits,
            exp,
            format,
        }
    }

    fn parse(text: &str) -> Quantity {
        match Quantity::parse(text) {
            Ok(q) => q,
            Err(err) => panic!("{text:?} should parse: {err}"),
        }
    }

    fn negated(q: &Quantity) -> Quantity {
        let mut q = q.clone();
        if !q.is_zero() {
            q.negative = !q.negative;
        }
        q
    }

    const MOST_POSITIVE: i128 = i64::MAX as i128;
    const MOST_NEGATIVE: i128 = i64::MIN as i128;

    /// The valid half of upstream's `TestQuantityParse`.
    fn parse_table() -> Vec<(&'static str, Quantity)> {
        vec![
            // {"0", decQuantity(0, 0, DecimalSI)},
            ("0", dq(0, 0, DecimalSI)),
            // {"0n", decQuantity(0, 0, DecimalSI)},
            ("0n", dq(0, 0, DecimalSI)),
            // {"0u", decQuantity(0, 0, DecimalSI)},
            ("0u", dq(0, 0, DecimalSI)),
            // {"0m", decQuantity(0, 0, DecimalSI)},
            ("0m", dq(0, 0, DecimalSI)),
            // {"0Ki", decQuantity(0, 0, BinarySI)},
            ("0Ki", dq(0, 0, BinarySI)),
            // {"0k", decQuantity(0, 0, DecimalSI)},
            ("0k", dq(0, 0, DecimalSI)),
            // {"0Mi", decQuantity(0, 0, BinarySI)},
            ("0Mi", dq(0, 0, BinarySI)),
            // {"0M", decQuantity(0, 0, DecimalSI)},
            ("0M", dq(0, 0, DecimalSI)),
            // {"0Gi", decQuantity(0, 0, BinarySI)},
            ("0Gi", dq(0, 0, BinarySI)),
            // {"0G", decQuantity(0, 0, DecimalSI)},
            ("0G", dq(0, 0, DecimalSI)),
            // {"0Ti", decQuantity(0, 0, BinarySI)},
            ("0Ti", dq(0, 0, BinarySI)),
            // {"0T", decQuantity(0, 0, DecimalSI)},
            ("0T", dq(0, 0, DecimalSI)),
            // // Quantity less numbers are allowed
            // {"1", decQuantity(1, 0, DecimalSI)},
            ("1", dq(1, 0, DecimalSI)),
            // // Binary suffixes
            // {"1Ki", decQuantity(1024, 0, BinarySI)},
            ("1Ki", dq(1024, 0, BinarySI)),
            // {"8Ki", decQuantity(8*1024, 0, BinarySI)},
            ("8Ki", dq(8 * 1024, 0, BinarySI)),
            // {"7Mi", decQuantity(7*1024*1024, 0, BinarySI)},
            ("7Mi", dq(7 << 20, 0, BinarySI)),
            // {"6Gi", decQuantity(6*1024*1024*1024, 0, BinarySI)},
            ("6Gi", dq(6 << 30, 0, BinarySI)),
            // {"5Ti", decQuantity(5*1024*1024*1024*1024, 0, BinarySI)},
            ("5Ti", dq(5 << 40, 0, BinarySI)),
            // {"4Pi", decQuantity(4*1024*1024*1024*1024*1024, 0, BinarySI)},
            ("4Pi", dq(4 << 50, 0, BinarySI)),
            // {"3Ei", decQuantity(3*1024*1024*1024*1024*1024*1024, 0, BinarySI)},
            ("3Ei", dq(3 << 60, 0, BinarySI)),
            // {"10Ti", decQuantity(10*1024*1024*1024*1024, 0, BinarySI)},
            ("10Ti", dq(10 << 40, 0, BinarySI)),
            // {"100Ti", decQuantity(100*1024*1024*1024*1024, 0, BinarySI)},
            ("100Ti", dq(100 << 40, 0, BinarySI)),
            // // Decimal suffixes
            // {"5n", decQuantity(5, -9, DecimalSI)},
            ("5n", dq(5, -9, DecimalSI)),
            // {"4u", decQuantity(4, -6, DecimalSI)},
            ("4u", dq(4, -6, DecimalSI)),
            // {"3m", decQuantity(3, -3, DecimalSI)},
            ("3m", dq(3, -3, DecimalSI)),
            // {"9", decQuantity(9, 0, DecimalSI)},
            ("9", dq(9, 0, DecimalSI)),
            // {"8k", decQuantity(8, 3, DecimalSI)},
            ("8k", dq(8, 3, DecimalSI)),
            // {"50k", decQuantity(5, 4, DecimalSI)},
            ("50k", dq(5, 4, DecimalSI)),
            // {"7M", decQuantity(7, 6, DecimalSI)},
            ("7M", dq(7, 6, DecimalSI)),
            // {"6G", decQuantity(6, 9, DecimalSI)},
            ("6G", dq(6, 9, DecimalSI)),
            // {"5T", decQuantity(5, 12, DecimalSI)},
            ("5T", dq(5, 12, DecimalSI)),
            // {"40T", decQuantity(4, 13, DecimalSI)},
            ("40T", dq(4, 13, DecimalSI)),
            // {"300T", decQuantity(3, 14, DecimalSI)},
            ("300T", dq(3, 14, DecimalSI)),
            // {"2P", decQuantity(2, 15, DecimalSI)},
            ("2P", dq(2, 15, DecimalSI)),
            // {"1E", decQuantity(1, 18, DecimalSI)},
            ("1E", dq(1, 18, DecimalSI)),
            // // Decimal exponents
            // {"1E-3", decQuantity(1, -3, DecimalExponent)},
            ("1E-3", dq(1, -3, DecimalExponent)),
            // {"1e3", decQuantity(1, 3, DecimalExponent)},
            ("1e3", dq(1, 3, DecimalExponent)),
            // {"1E6", decQuantity(1, 6, DecimalExponent)},
            ("1E6", dq(1, 6, DecimalExponent)),
            // {"1e9", decQuantity(1, 9, DecimalExponent)},
            ("1e9", dq(1, 9, DecimalExponent)),
            // {"1E12", decQuantity(1, 12, DecimalExponent)},
            ("1E12", dq(1, 12, DecimalExponent)),
            // {"1e15", decQuantity(1, 15, DecimalExponent)},
            ("1e15", dq(1, 15, DecimalExponent)),
            // {"1E18", decQuantity(1, 18, DecimalExponent)},
            ("1E18", dq(1, 18, DecimalExponent)),
            // // Nonstandard but still parsable
            // {"1e14", decQuantity(1, 14, DecimalExponent)},
            ("1e14", dq(1, 14, DecimalExponent)),
            // {"1e13", decQuantity(1, 13, DecimalExponent)},
            ("1e13", dq(1, 13, DecimalExponent)),
            // {"1e3", decQuantity(1, 3, DecimalExponent)},
            ("1e3", dq(1, 3, DecimalExponent)),
            // {"100.035k", decQuantity(100035, 0, DecimalSI)},
            ("100.035k", dq(100035, 0, DecimalSI)),
            // // Things that look like floating point
            // {"0.001", decQuantity(1, -3, DecimalSI)},
            ("0.001", dq(1, -3, DecimalSI)),
            // {"0.0005k", decQuantity(5, -1, DecimalSI)},
            ("0.0005k", dq(5, -1, DecimalSI)),
            // {"0.005", decQuantity(5, -3, DecimalSI)},
            ("0.005", dq(5, -3, DecimalSI)),
            // {"0.05", decQuantity(5, -2, DecimalSI)},
            ("0.05", dq(5, -2, DecimalSI)),
            // {"0.5", decQuantity(5, -1, DecimalSI)},
            ("0.5", dq(5, -1, DecimalSI)),
            // {"0.00050k", decQuantity(5, -1, DecimalSI)},
            ("0.00050k", dq(5, -1, DecimalSI)),
            // {"0.00500", decQuantity(5, -3, DecimalSI)},
            ("0.00500", dq(5, -3, DecimalSI)),
            // {"0.05000", decQuantity(5, -2, DecimalSI)},
            ("0.05000", dq(5, -2, DecimalSI)),
            // {"0.50000", decQuantity(5, -1, DecimalSI)},
            ("0.50000", dq(5, -1, DecimalSI)),
            // {"0.5e0", decQuantity(5, -1, DecimalExponent)},
            ("0.5e0", dq(5, -1, DecimalExponent)),
            // {"0.5e-1", decQuantity(5, -2, DecimalExponent)},
            ("0.5e-1", dq(5, -2, DecimalExponent)),
            // {"0.5e-2", decQuantity(5, -3, DecimalExponent)},
            ("0.5e-2", dq(5, -3, DecimalExponent)),
            // {"0.5e0", decQuantity(5, -1, DecimalExponent)},
            ("0.5e0", dq(5, -1, DecimalExponent)),
            // {"10.035M", decQuantity(10035, 3, DecimalSI)},
            ("10.035M", dq(10035, 3, DecimalSI)),
            // {"1.2e3", decQuantity(12, 2, DecimalExponent)},
            ("1.2e3", dq(12, 2, DecimalExponent)),
            // {"1.3E+6", decQuantity(13, 5, DecimalExponent)},
            ("1.3E+6", dq(13, 5, DecimalExponent)),
            // {"1.40e9", decQuantity(14, 8, DecimalExponent)},
            ("1.40e9", dq(14, 8, DecimalExponent)),
            // {"1.53E12", decQuantity(153, 10, DecimalExponent)},
            ("1.53E12", dq(153, 10, DecimalExponent)),
            // {"1.6e15", decQuantity(16, 14, DecimalExponent)},
            ("1.6e15", dq(16, 14, DecimalExponent)),
            // {"1.7E18", decQuantity(17, 17, DecimalExponent)},
            ("1.7E18", dq(17, 17, DecimalExponent)),
            // {"9.01", decQuantity(901, -2, DecimalSI)},
            ("9.01", dq(901, -2, DecimalSI)),
            // {"8.1k", decQuantity(81, 2, DecimalSI)},
            ("8.1k", dq(81, 2, DecimalSI)),
            // {"7.123456M", decQuantity(7123456, 0, DecimalSI)},
            ("7.123456M", dq(7123456, 0, DecimalSI)),
            // {"6.987654321G", decQuantity(6987654321, 0, DecimalSI)},
            ("6.987654321G", dq(6987654321, 0, DecimalSI)),
            // {"5.444T", decQuantity(5444, 9, DecimalSI)},
            ("5.444T", dq(5444, 9, DecimalSI)),
            // {"40.1T", decQuantity(401, 11, DecimalSI)},
            ("40.1T", dq(401, 11, DecimalSI)),
            // {"300.2T", decQuantity(3002, 11, DecimalSI)},
            ("300.2T", dq(3002, 11, DecimalSI)),
            // {"2.5P", decQuantity(25, 14, DecimalSI)},
            ("2.5P", dq(25, 14, DecimalSI)),
            // {"1.01E", decQuantity(101, 16, DecimalSI)},
            ("1.01E", dq(101, 16, DecimalSI)),
            // // Things that saturate/round
            // {"3.001n", decQuantity(4, -9, DecimalSI)},
            ("3.001n", dq(4, -9, DecimalSI)),
            // {"1.1E-9", decQuantity(2, -9, DecimalExponent)},
            ("1.1E-9", dq(2, -9, DecimalExponent)),
            // {"0.0000000001", decQuantity(1, -9, DecimalSI)},
            ("0.0000000001", dq(1, -9, DecimalSI)),
            // {"0.0000000005", decQuantity(1, -9, DecimalSI)},
            ("0.0000000005", dq(1, -9, DecimalSI)),
            // {"0.00000000050", decQuantity(1, -9, DecimalSI)},
            ("0.00000000050", dq(1, -9, DecimalSI)),
            // {"0.5e-9", decQuantity(1, -9, DecimalExponent)},
            ("0.5e-9", dq(1, -9, DecimalExponent)),
            // {"0.9n", decQuantity(1, -9, DecimalSI)},
            ("0.9n", dq(1, -9, DecimalSI)),
            // {"0.00000012345", decQuantity(124, -9, DecimalSI)},
            ("0.00000012345", dq(124, -9, DecimalSI)),
            // {"0.00000012354", decQuantity(124, -9, DecimalSI)},
            ("0.00000012354", dq(124, -9, DecimalSI)),
            // {"9Ei", Quantity{d: maxAllowed, Format: BinarySI}},
            ("9Ei", dq(MOST_POSITIVE, 0, BinarySI)),
            // {"9223372036854775807Ki", Quantity{d: maxAllowed, Format: BinarySI}},
            ("9223372036854775807Ki", dq(MOST_POSITIVE, 0, BinarySI)),
            // {"12E", decQuantity(12, 18, DecimalSI)},
            ("12E", dq(12, 18, DecimalSI)),
            // // We'll accept fractional binary stuff, too.
            // {"100.035Ki", decQuantity(10243584, -2, BinarySI)},
            ("100.035Ki", dq(10243584, -2, BinarySI)),
            // {"0.5Mi", decQuantity(.5*1024*1024, 0, BinarySI)},
            ("0.5Mi", dq(512 * 1024, 0, BinarySI)),
            // {"0.05Gi", decQuantity(536870912, -1, BinarySI)},
            ("0.05Gi", dq(536870912, -1, BinarySI)),
            // {"0.025Ti", decQuantity(274877906944, -1, BinarySI)},
            ("0.025Ti", dq(274877906944, -1, BinarySI)),
            // // Things written by trolls
            // {"0.000000000001Ki", decQuantity(2, -9, DecimalSI)}, // rounds up, changes format
            ("0.000000000001Ki", dq(2, -9, DecimalSI)),
            // {".001", decQuantity(1, -3, DecimalSI)},
            (".001", dq(1, -3, DecimalSI)),
            // {".0001k", decQuantity(100, -3, DecimalSI)},
            (".0001k", dq(100, -3, DecimalSI)),
            // {"1.", decQuantity(1, 0, DecimalSI)},
            ("1.", dq(1, 0, DecimalSI)),
            // {"1.G", decQuantity(1, 9, DecimalSI)},
            ("1.G", dq(1, 9, DecimalSI)),
        ]
    }

    #[test]
    fn parse_table_matches_upstream() {
        // if _, err := ParseQuantity(""); err == nil {
        assert_eq!(Quantity::parse(""), Err(QuantityError::FormatWrong));
        for (input, expected) in parse_table() {
            let got = parse(input);
            assert_eq!(got, expected, "{input}");
            assert_eq!(got.format(), expected.format(), "{input}");
        }
    }

    #[test]
    fn parse_table_negated_and_explicit_plus() {
        for (input, expected) in parse_table() {
            // got, err := ParseQuantity("-" + strings.TrimLeftFunc(item.input, unicode.IsSpace))
            let got = parse(&format!("-{input}"));
            assert_eq!(got, negated(&expected), "-{input}");
            assert_eq!(got.format(), expected.format(), "-{input}");
            assert_eq!(got.is_negative(), !expected.is_zero(), "-{input}");
            // got, err := ParseQuantity("+" + strings.TrimLeftFunc(item.input, unicode.IsSpace))
            let got = parse(&format!("+{input}"));
            assert_eq!(got, expected, "+{input}");
            assert_eq!(got.format(), expected.format(), "+{input}");
        }
    }

    #[test]
    fn parse_table_round_trips_through_canonical() {
        for (input, expected) in parse_table() {
            let text = parse(input).canonical();
            assert_eq!(parse(&text), expected, "{input} -> {text}");
        }
    }

    #[test]
    fn parse_quantity_string_edge_numbers() {
        // {".", true, ".", "0", "", ""},
        assert!(parse(".").is_zero());
        // {"-.", false, "-.", "0", "", ""},
        assert!(parse("-.").is_zero());
        assert!(!parse("-.").is_negative());
        // {"0.025Ti", true, "0.025", "0", "025", "Ti"},
        assert_eq!(parse("0.025Ti").value(), Ok(27_487_790_695));
        // {"-1.025Ti", false, "-1.025", "1", "025", "Ti"},
        assert_eq!(parse("-1.025Ti").value(), Ok(-1_126_999_418_471));
        // {"1E-3", true, "1", "1", "", "E-3"},
        assert_eq!(parse("1E-3"), dq(1, -3, DecimalExponent));
        // TestQuantityParseZero: zero := MustParse("0"); zero.String() == "0"
        assert_eq!(parse("0").canonical(), "0");
        assert_eq!(parse("0").format(), DecimalSI);
        assert_eq!(parse("-0").canonical(), "0");
        assert_eq!(parse("000.000").canonical(), "0");
    }

    #[test]
    fn invalid_inputs_are_rejected_with_upstream_errors() {
        use QuantityError::{FormatWrong, Suffix};
        let table: &[(&str, QuantityError)] = &[
            // "1.1.M",
            ("1.1.M", FormatWrong),
            // "1+1.0M",
            ("1+1.0M", FormatWrong),
            // "0.1mi",
            ("0.1mi", Suffix),
            // "0.1am",
            ("0.1am", FormatWrong),
            // "aoeu",
            ("aoeu", FormatWrong),
            // ".5i",
            (".5i", Suffix),
            // "1i",
            ("1i", Suffix),
            // "-3.01i",
            ("-3.01i", Suffix),
            // "-3.01e-",
            ("-3.01e-", Suffix),
            // // trailing whitespace is forbidden
            // " 1",
            (" 1", FormatWrong),
            // "1 ",
            ("1 ", FormatWrong),
            // TestQuantityParseNonNumericPanic: MustParse("Non-Numeric")
            ("Non-Numeric", FormatWrong),
            // quantity_overflow_test.go: {"exponent-over-int32", "1e4294967297", wantParseError}
            ("1e4294967297", Suffix),
            ("1e2147483648", Suffix),
            ("1e-2147483649", Suffix),
            ("1e99999999999999999999", Suffix),
            // Malformed inputs the simulator must refuse.
            ("", FormatWrong),
            ("1.2.3", FormatWrong),
            ("1Gb", FormatWrong),
            ("1GB", FormatWrong),
            ("--1", Suffix),
            ("1 Gi", FormatWrong),
            ("1e", Suffix),
            ("1e+", Suffix),
            ("1ee3", Suffix),
            ("1ki", Suffix),
            ("1KI", FormatWrong),
            ("1Ki3", Suffix),
            ("1\u{e9}", FormatWrong),
            ("\u{661}", FormatWrong),
            ("1\u{a0}", FormatWrong),
            ("1\n", FormatWrong),
            ("0x10", FormatWrong),
            ("1_000", FormatWrong),
            ("NaN", FormatWrong),
            ("inf", FormatWrong),
            ("in", Suffix),
            // Upstream's scanner accepts these as zero although its regular expression does not.
            ("e3", FormatWrong),
            ("Ki", FormatWrong),
            ("m", FormatWrong),
            ("-", FormatWrong),
            ("+", FormatWrong),
            ("+-1", Suffix),
        ];
        for &(input, error) in table {
            assert_eq!(Quantity::parse(input), Err(error), "{input:?}");
            assert_eq!(input.parse::<Quantity>(), Err(error), "{input:?}");
        }
    }

    #[test]
    fn error_messages_match_upstream() {
        assert_eq!(
            QuantityError::FormatWrong.to_string(),
            "quantities must match the regular expression \
             '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        );
        assert_eq!(
            QuantityError::Suffix.to_string(),
            "unable to parse quantity's suffix"
        );
        assert_eq!(QuantityError::TooLarge.to_string(), "quantity is too large");
    }

    #[test]
    fn sub_nano_values_round_away_from_zero() {
        // TestParseQuantitySubNanoRoundsUp
        let table = [
            // {"1e-2147483647", "1n"},
            ("1e-2147483647", "1n"),
            // {"-1e-2147483647", "-1n"},
            ("-1e-2147483647", "-1n"),
            // {"1e-100", "1n"},
            ("1e-100", "1n"),
            // {"-1e-100", "-1n"},
            ("-1e-100", "-1n"),
            // {"1e-10", "1n"},
            ("1e-10", "1n"),
            // {"9e-10", "1n"},
            ("9e-10", "1n"),
            // {"-9e-10", "-1n"},
            ("-9e-10", "-1n"),
            // {"1e-9", "1n"},
            ("1e-9", "1n"),
            // {"-1e-9", "-1n"},
            ("-1e-9", "-1n"),
            // {"2e-9", "2n"},
            ("2e-9", "2n"),
            // {"15e-10", "2n"},
            ("15e-10", "2n"),
            // {"1000000000000000000000e-30", "1n"},
            ("1000000000000000000000e-30", "1n"),
            // {"1000000000000000000001e-30", "2n"},
            ("1000000000000000000001e-30", "2n"),
            // {"999999999999999999999e-30", "1n"},
            ("999999999999999999999e-30", "1n"),
            // {"0e-2147483647", "0"},
            ("0e-2147483647", "0"),
            // {"0.0e-100", "0"},
            ("0.0e-100", "0"),
            // {"0.00000000000000000000001Ki", "1n"},
            ("0.00000000000000000000001Ki", "1n"),
            ("1e-2147483648", "1n"),
            ("0.999999999999n", "1n"),
            ("9.9999999999", "10"),
        ];
        for (input, want) in table {
            assert_eq!(parse(input), parse(want), "{input}");
        }
        // TestParseQuantitySubNanoMatchesRound
        let table = [
            // {"1e-100", "1e-9", DecimalExponent},
            ("1e-100", "1e-9", DecimalExponent),
            // {"0.0000000000001", "1n", DecimalSI},
            ("0.0000000000001", "1n", DecimalSI),
            // {"-0.0000000000001", "-1n", DecimalSI},
            ("-0.0000000000001", "-1n", DecimalSI),
            // {"0.00000000000000000000001Ki", "1n", DecimalSI},
            ("0.00000000000000000000001Ki", "1n", DecimalSI),
        ];
        for (input, want, format) in table {
            let q = parse(input);
            assert_eq!(q.canonical(), want, "{input}");
            assert_eq!(q.format(), format, "{input}");
        }
    }

    /// Upstream's `TestQuantityString`: (value, canonical, alternate spelling).
    fn string_table() -> Vec<(Quantity, &'static str, &'static str)> {
        vec![
            // {decQuantity(1024*1024*1024, 0, BinarySI), "1Gi", "1024Mi"},
            (dq(1 << 30, 0, BinarySI), "1Gi", "1024Mi"),
            // {decQuantity(300*1024*1024, 0, BinarySI), "300Mi", "307200Ki"},
            (dq(300 << 20, 0, BinarySI), "300Mi", "307200Ki"),
            // {decQuantity(6*1024, 0, BinarySI), "6Ki", ""},
            (dq(6 << 10, 0, BinarySI), "6Ki", ""),
            // {decQuantity(1001*1024*1024*1024, 0, BinarySI), "1001Gi", "1025024Mi"},
            (dq(1001 << 30, 0, BinarySI), "1001Gi", "1025024Mi"),
            // {decQuantity(1024*1024*1024*1024, 0, BinarySI), "1Ti", "1024Gi"},
            (dq(1 << 40, 0, BinarySI), "1Ti", "1024Gi"),
            // {decQuantity(5, 0, BinarySI), "5", "5000m"},
            (dq(5, 0, BinarySI), "5", "5000m"),
            // {decQuantity(500, -3, BinarySI), "500m", "0.5"},
            (dq(500, -3, BinarySI), "500m", "0.5"),
            // {decQuantity(1, 9, DecimalSI), "1G", "1000M"},
            (dq(1, 9, DecimalSI), "1G", "1000M"),
            // {decQuantity(1000, 6, DecimalSI), "1G", "0.001T"},
            (dq(1000, 6, DecimalSI), "1G", "0.001T"),
            // {decQuantity(1000000, 3, DecimalSI), "1G", ""},
            (dq(1000000, 3, DecimalSI), "1G", ""),
            // {decQuantity(1000000000, 0, DecimalSI), "1G", ""},
            (dq(1000000000, 0, DecimalSI), "1G", ""),
            // {decQuantity(1, -3, DecimalSI), "1m", "1000u"},
            (dq(1, -3, DecimalSI), "1m", "1000u"),
            // {decQuantity(80, -3, DecimalSI), "80m", ""},
            (dq(80, -3, DecimalSI), "80m", ""),
            // {decQuantity(1080, -3, DecimalSI), "1080m", "1.08"},
            (dq(1080, -3, DecimalSI), "1080m", "1.08"),
            // {decQuantity(108, -2, DecimalSI), "1080m", "1080000000n"},
            (dq(108, -2, DecimalSI), "1080m", "1080000000n"),
            // {decQuantity(10800, -4, DecimalSI), "1080m", ""},
            (dq(10800, -4, DecimalSI), "1080m", ""),
            // {decQuantity(300, 6, DecimalSI), "300M", ""},
            (dq(300, 6, DecimalSI), "300M", ""),
            // {decQuantity(1, 12, DecimalSI), "1T", ""},
            (dq(1, 12, DecimalSI), "1T", ""),
            // {decQuantity(1, 18, DecimalSI), "1E", ""},
            (dq(1, 18, DecimalSI), "1E", ""),
            // {decQuantity(1, 21, DecimalSI), "1e21", "1000E"},
            (dq(1, 21, DecimalSI), "1e21", "1000E"),
            // {decQuantity(5, 21, DecimalSI), "5e21", "5000E"},
            (dq(5, 21, DecimalSI), "5e21", "5000E"),
            // {decQuantity(1, 24, DecimalSI), "1e24", "1000000E"},
            (dq(1, 24, DecimalSI), "1e24", "1000000E"),
            // {decQuantity(1234567, 6, DecimalSI), "1234567M", ""},
            (dq(1234567, 6, DecimalSI), "1234567M", ""),
            // {decQuantity(1234567, -3, BinarySI), "1234567m", ""},
            (dq(1234567, -3, BinarySI), "1234567m", ""),
            // {decQuantity(3, 3, DecimalSI), "3k", ""},
            (dq(3, 3, DecimalSI), "3k", ""),
            // {decQuantity(1025, 0, BinarySI), "1025", ""},
            (dq(1025, 0, BinarySI), "1025", ""),
            // {decQuantity(0, 0, DecimalSI), "0", ""},
            (dq(0, 0, DecimalSI), "0", ""),
            // {decQuantity(0, 0, BinarySI), "0", ""},
            (dq(0, 0, BinarySI), "0", ""),
            // {decQuantity(1, 9, DecimalExponent), "1e9", ".001e12"},
            (dq(1, 9, DecimalExponent), "1e9", ".001e12"),
            // {decQuantity(1, -3, DecimalExponent), "1e-3", "0.001e0"},
            (dq(1, -3, DecimalExponent), "1e-3", "0.001e0"),
            // {decQuantity(1, -9, DecimalExponent), "1e-9", "1000e-12"},
            (dq(1, -9, DecimalExponent), "1e-9", "1000e-12"),
            // {decQuantity(80, -3, DecimalExponent), "80e-3", ""},
            (dq(80, -3, DecimalExponent), "80e-3", ""),
            // {decQuantity(300, 6, DecimalExponent), "300e6", ""},
            (dq(300, 6, DecimalExponent), "300e6", ""),
            // {decQuantity(1, 12, DecimalExponent), "1e12", ""},
            (dq(1, 12, DecimalExponent), "1e12", ""),
            // {decQuantity(1, 3, DecimalExponent), "1e3", ""},
            (dq(1, 3, DecimalExponent), "1e3", ""),
            // {decQuantity(3, 3, DecimalExponent), "3e3", ""},
            (dq(3, 3, DecimalExponent), "3e3", ""),
            // {decQuantity(3, 3, DecimalSI), "3k", ""},
            (dq(3, 3, DecimalSI), "3k", ""),
            // {decQuantity(0, 0, DecimalExponent), "0", "00"},
            (dq(0, 0, DecimalExponent), "0", "00"),
            // {decQuantity(1, -9, DecimalSI), "1n", ""},
            (dq(1, -9, DecimalSI), "1n", ""),
            // {decQuantity(80, -9, DecimalSI), "80n", ""},
            (dq(80, -9, DecimalSI), "80n", ""),
            // {decQuantity(1080, -9, DecimalSI), "1080n", ""},
            (dq(1080, -9, DecimalSI), "1080n", ""),
            // {decQuantity(108, -8, DecimalSI), "1080n", ""},
            (dq(108, -8, DecimalSI), "1080n", ""),
            // {decQuantity(10800, -10, DecimalSI), "1080n", ""},
            (dq(10800, -10, DecimalSI), "1080n", ""),
            // {decQuantity(1, -6, DecimalSI), "1u", ""},
            (dq(1, -6, DecimalSI), "1u", ""),
            // {decQuantity(80, -6, DecimalSI), "80u", ""},
            (dq(80, -6, DecimalSI), "80u", ""),
            // {decQuantity(1080, -6, DecimalSI), "1080u", ""},
            (dq(1080, -6, DecimalSI), "1080u", ""),
        ]
    }

    #[test]
    fn canonical_strings_match_upstream() {
        for (q, expect, alternate) in string_table() {
            assert_eq!(q.canonical(), expect, "{q:?}");
            // q, err := ParseQuantity(item.expect)
            assert_eq!(parse(expect).canonical(), expect);
            assert_eq!(parse(expect), q, "{expect}");
            if !alternate.is_empty() {
                // if q.String() != item.expect { "unexpected alternate canonical" }
                assert_eq!(parse(alternate).canonical(), expect, "{alternate}");
            }
            // if e, a := "-"+item.expect, q.String(); e != a {
            if !q.is_zero() {
                assert_eq!(negated(&q).canonical(), format!("-{expect}"));
            }
        }
    }

    #[test]
    fn parse_then_emit_matches_upstream() {
        // TestQuantityParseEmit
        let table = [
            // {"1Ki", "1Ki"},
            ("1Ki", "1Ki"),
            // {"1Mi", "1Mi"},
            ("1Mi", "1Mi"),
            // {"1Gi", "1Gi"},
            ("1Gi", "1Gi"),
            // {"1024Mi", "1Gi"},
            ("1024Mi", "1Gi"),
            // {"1000M", "1G"},
            ("1000M", "1G"),
            // {".001Ki", "1024m"},
            (".001Ki", "1024m"),
            // {".000001Ki", "1024u"},
            (".000001Ki", "1024u"),
            // {".000000001Ki", "1024n"},
            (".000000001Ki", "1024n"),
            // {".000000000001Ki", "2n"},
            (".000000000001Ki", "2n"),
            // The brief's examples and upstream doc comments.
            ("1.5Gi", "1536Mi"),
            ("1.5", "1500m"),
            ("1000m", "1"),
            ("0.5", "500m"),
            ("1e3", "1e3"),
            ("1E3", "1e3"),
            ("1.5e3", "1500"),
            ("1000", "1k"),
            ("100Ki", "100Ki"),
            ("+2", "2"),
            (".5", "500m"),
            ("01", "1"),
            ("1.500", "1500m"),
            ("1.1Ki", "1126400m"),
            ("1.5Ki", "1536"),
            ("8Ei", "9223372036854775807"),
            ("7Ei", "7Ei"),
            ("1023", "1023"),
            ("2048", "2048"),
            ("2Ki", "2Ki"),
            ("0.5Ki", "512"),
            // quantity_overflow_test.go: {"ten-to-100-parsed", MustParse("1e100"), wantString: "10e99"}
            ("1e100", "10e99"),
            // {"ten-to-20-parsed", MustParse("100E"), wantString: "100E"}
            ("100E", "100E"),
            // {"two-to-64-parsed", ..., wantString: "18446744073709551616"}
            ("18446744073709551616", "18446744073709551616"),
            // {"negative-9_5Gi", ..., wantString: "-9728Mi"}
            ("-9.5Gi", "-9728Mi"),
            // {"negative-9_5000000001Gi", ..., wantString: "-10200547328107374183n"}
            ("-9.5000000001Gi", "-10200547328107374183n"),
            ("1e2147483647", "10e2147483646"),
            ("10e2147483646", "10e2147483646"),
        ];
        for (input, expect) in table {
            let q = parse(input);
            assert_eq!(q.canonical(), expect, "{input}");
            assert_eq!(q.to_string(), expect, "{input}");
            // q, err := ParseQuantity("-" + item.in)
            if !q.is_zero() && !input.starts_with(['+', '-']) {
                assert_eq!(
                    parse(&format!("-{input}")).canonical(),
                    format!("-{expect}")
                );
            }
        }
    }

    #[test]
    fn exponent_beyond_i32_after_normalisation_is_too_large() {
        // Upstream's int32 scale would wrap here; refusing keeps every canonical form parseable.
        assert_eq!(
            Quantity::parse("10e2147483647"),
            Err(QuantityError::TooLarge)
        );
        assert_eq!(
            Quantity::parse("1000E2147483647"),
            Err(QuantityError::TooLarge)
        );
        // The same digits with a fraction normalise back into range.
        assert_eq!(parse("1.0e2147483647").canonical(), "10e2147483646");
    }

    #[test]
    fn value_and_milli_value_round_away_from_zero() {
        use QuantityError::TooLarge;
        // (input, value(), milli_value())
        type Row = (
            &'static str,
            Result<i64, QuantityError>,
            Result<i64, QuantityError>,
        );
        let table: &[Row] = &[
            ("0", Ok(0), Ok(0)),
            ("100m", Ok(1), Ok(100)),
            ("0.1m", Ok(1), Ok(1)),
            ("1n", Ok(1), Ok(1)),
            ("1.5", Ok(2), Ok(1500)),
            ("2", Ok(2), Ok(2000)),
            ("500m", Ok(1), Ok(500)),
            ("1Gi", Ok(1 << 30), Ok(1000 << 30)),
            ("1.5Gi", Ok(1_610_612_736), Ok(1_610_612_736_000)),
            ("1e3", Ok(1000), Ok(1_000_000)),
            ("1E-3", Ok(1), Ok(1)),
            ("-1.5", Ok(-2), Ok(-1500)),
            ("-100m", Ok(-1), Ok(-100)),
            ("-0.0000000001", Ok(-1), Ok(-1)),
            // quantity_overflow_test.go rows (Value, MilliValue); upstream saturates or wraps
            // where these fail with TooLarge.
            // {"int64-max-parsed", wantValue: math.MaxInt64, wantMilli: math.MaxInt64 (saturated)}
            ("9223372036854775807", Ok(i64::MAX), Err(TooLarge)),
            // {"ten-to-18-parsed", MustParse("1E"), wantValue: 1e18}
            ("1E", Ok(1_000_000_000_000_000_000), Err(TooLarge)),
            // {"binary-8Ei-caps-at-max", wantValue: math.MaxInt64}
            ("8Ei", Ok(i64::MAX), Err(TooLarge)),
            // {"binary-negative-8Ei-caps-at-negative-max", wantValue: -math.MaxInt64}
            ("-8Ei", Ok(-i64::MAX), Err(TooLarge)),
            // {"binary-20Ei-caps-at-max", wantValue: math.MaxInt64}
            ("20Ei", Ok(i64::MAX), Err(TooLarge)),
            // {"two-to-63-parsed", wantValue: math.MaxInt64 (saturated)}
            ("9223372036854775808", Err(TooLarge), Err(TooLarge)),
            // {"two-to-64-parsed"}
            ("18446744073709551616", Err(TooLarge), Err(TooLarge)),
            // {"ten-to-20-parsed"}
            ("100E", Err(TooLarge), Err(TooLarge)),
            // {"ten-to-100-parsed"}
            ("1e100", Err(TooLarge), Err(TooLarge)),
            // {"int64-min-parsed", wantValue: math.MinInt64}
            ("-9223372036854775808", Ok(i64::MIN), Err(TooLarge)),
            // {"int64-min-plus-one-parsed", wantValue: math.MinInt64 + 1}
            ("-9223372036854775807", Ok(i64::MIN + 1), Err(TooLarge)),
            // {"negative-ten-to-30-parsed"}
            ("-1e30", Err(TooLarge), Err(TooLarge)),
            // {"negative-9_5Gi", wantValue: -10200547328, wantMilli: -10200547328000}
            ("-9.5Gi", Ok(-10_200_547_328), Ok(-10_200_547_328_000)),
            // {"negative-9_5000000001Gi", wantValue: -10200547329, wantMilli: -10200547328108}
            (
                "-9.5000000001Gi",
                Ok(-10_200_547_329),
                Ok(-10_200_547_328_108),
            ),
            // {"new-milli-max", NewMilliQuantity(MaxInt64), wantValue: 9223372036854776}
            (
                "9223372036854775807m",
                Ok(9_223_372_036_854_776),
                Ok(i64::MAX),
            ),
            // {"new-milli-min", NewMilliQuantity(MinInt64), wantValue: -9223372036854776}
            (
                "-9223372036854775808m",
                Ok(-9_223_372_036_854_776),
                Ok(i64::MIN),
            ),
            (
                "9223372036854775.808",
                Ok(9_223_372_036_854_776),
                Err(TooLarge),
            ),
            ("9999999999999999999.5", Err(TooLarge), Err(TooLarge)),
            ("1e-2147483647", Ok(1), Ok(1)),
            ("1e2147483647", Err(TooLarge), Err(TooLarge)),
        ];
        for &(input, value, milli) in table {
            let q = parse(input);
            assert_eq!(q.value(), value, "value of {input}");
            assert_eq!(q.milli_value(), milli, "milli of {input}");
        }
    }

    #[test]
    fn scaled_value_matches_upstream_round_up() {
        // TestQuantityRoundUp: RoundUp(scale) equals ScaledValue(scale) * 10^scale.
        let table: &[(&str, i32, i64)] = &[
            // {"9.01", -3, decQuantity(901, -2, DecimalSI), true},
            ("9.01", -3, 9010),
            // {"9.01", -2, decQuantity(901, -2, DecimalSI), true},
            ("9.01", -2, 901),
            // {"9.01", -1, decQuantity(91, -1, DecimalSI), false},
            ("9.01", -1, 91),
            // {"9.01", 0, decQuantity(10, 0, DecimalSI), false},
            ("9.01", 0, 10),
            // {"9.01", 1, decQuantity(10, 0, DecimalSI), false},
            ("9.01", 1, 1),
            // {"9.01", 2, decQuantity(100, 0, DecimalSI), false},
            ("9.01", 2, 1),
            // {"-9.01", -3, decQuantity(-901, -2, DecimalSI), true},
            ("-9.01", -3, -9010),
            // {"-9.01", -2, decQuantity(-901, -2, DecimalSI), true},
            ("-9.01", -2, -901),
            // {"-9.01", -1, decQuantity(-91, -1, DecimalSI), false},
            ("-9.01", -1, -91),
            // {"-9.01", 0, decQuantity(-10, 0, DecimalSI), false},
            ("-9.01", 0, -10),
            // {"-9.01", 1, decQuantity(-10, 0, DecimalSI), false},
            ("-9.01", 1, -1),
            // {"-9.01", 2, decQuantity(-100, 0, DecimalSI), false},
            ("-9.01", 2, -1),
        ];
        for &(input, scale, expected) in table {
            assert_eq!(
                parse(input).scaled_value(scale),
                Ok(expected),
                "{input} {scale}"
            );
        }
        // TestScaledValue: NewScaledQuantity(1, fromScale).ScaledValue(toScale)
        let table: &[(&str, i32, i64)] = &[
            // {Nano, Nano, 1},
            ("1n", -9, 1),
            // {Nano, Micro, 1},
            ("1n", -6, 1),
            // {Nano, Milli, 1},
            ("1n", -3, 1),
            // {Nano, 0, 1},
            ("1n", 0, 1),
            // {Micro, Nano, 1000},
            ("1u", -9, 1000),
            // {Micro, Micro, 1},
            ("1u", -6, 1),
            // {Micro, Milli, 1},
            ("1u", -3, 1),
            // {Micro, 0, 1},
            ("1u", 0, 1),
            // {Milli, Nano, 1000 * 1000},
            ("1m", -9, 1_000_000),
            // {Milli, Micro, 1000},
            ("1m", -6, 1000),
            // {Milli, Milli, 1},
            ("1m", -3, 1),
            // {Milli, 0, 1},
            ("1m", 0, 1),
            // {0, Nano, 1000 * 1000 * 1000},
            ("1", -9, 1_000_000_000),
            // {0, Micro, 1000 * 1000},
            ("1", -6, 1_000_000),
            // {0, Milli, 1000},
            ("1", -3, 1000),
            // {0, 0, 1},
            ("1", 0, 1),
            // {2, -2, 100 * 100},
            ("1e2", -2, 10_000),
        ];
        for &(input, scale, expected) in table {
            assert_eq!(
                parse(input).scaled_value(scale),
                Ok(expected),
                "{input} {scale}"
            );
        }
        assert_eq!(
            parse("1").scaled_value(i32::MIN),
            Err(QuantityError::TooLarge)
        );
        assert_eq!(parse("1").scaled_value(i32::MAX), Ok(1));
        assert_eq!(
            parse("1500m").scaled_value(-3),
            parse("1500m").milli_value()
        );
    }

    #[test]
    fn comparisons_are_numeric() {
        // TestQuantityCmp
        let table = [
            // {"0", "0", 0},
            ("0", "0", Ordering::Equal),
            // {"100m", "50m", 1},
            ("100m", "50m", Ordering::Greater),
            // {"50m", "100m", -1},
            ("50m", "100m", Ordering::Less),
            // {"10000T", "100Gi", 1},
            ("10000T", "100Gi", Ordering::Greater),
            ("1Gi", "1G", Ordering::Greater),
            ("500m", "0.5", Ordering::Equal),
            ("1e3", "1k", Ordering::Equal),
            ("1024", "1Ki", Ordering::Equal),
            ("-1", "0", Ordering::Less),
            ("-1", "-2", Ordering::Greater),
            ("-0", "0", Ordering::Equal),
            ("0Ki", "0e5", Ordering::Equal),
            ("1n", "0", Ordering::Greater),
            ("-1n", "0", Ordering::Less),
            ("1e300", "9223372036854775807", Ordering::Greater),
            ("-1e300", "-9223372036854775807", Ordering::Less),
            ("12", "1.2e1", Ordering::Equal),
            ("12", "1.21e1", Ordering::Less),
            ("8Ei", "9223372036854775807", Ordering::Equal),
            ("1e-100", "1n", Ordering::Equal),
        ];
        for (x, y, expected) in table {
            assert_eq!(parse(x).cmp(&parse(y)), expected, "{x} vs {y}");
            assert_eq!(parse(y).cmp(&parse(x)), expected.reverse(), "{y} vs {x}");
            assert_eq!(
                parse(x) == parse(y),
                expected == Ordering::Equal,
                "{x} == {y}"
            );
        }
        assert!(parse("1Gi") > parse("1G"));
        assert_eq!(parse("500m"), parse("0.5"));
    }

    #[test]
    fn comparisons_match_upstream_int64_and_dec_table() {
        // TestQuantityCmpInt64AndDec, with intQuantity(i, scale, DecimalSI) built exactly.
        let table: &[(i128, i64, i128, i64, Ordering)] = &[
            // {intQuantity(901, -2, DecimalSI), intQuantity(901, -2, DecimalSI), 0},
            (901, -2, 901, -2, Ordering::Equal),
            // {intQuantity(90, -1, DecimalSI), intQuantity(901, -2, DecimalSI), -1},
            (90, -1, 901, -2, Ordering::Less),
            // {intQuantity(901, -2, DecimalSI), intQuantity(900, -2, DecimalSI), 1},
            (901, -2, 900, -2, Ordering::Greater),
            // {intQuantity(0, 0, DecimalSI), intQuantity(0, 0, DecimalSI), 0},
            (0, 0, 0, 0, Ordering::Equal),
            // {intQuantity(0, 1, DecimalSI), intQuantity(0, -1, DecimalSI), 0},
            (0, 1, 0, -1, Ordering::Equal),
            // {intQuantity(0, -1, DecimalSI), intQuantity(0, 1, DecimalSI), 0},
            (0, -1, 0, 1, Ordering::Equal),
            // {intQuantity(800, -3, DecimalSI), intQuantity(1, 0, DecimalSI), -1},
            (800, -3, 1, 0, Ordering::Less),
            // {intQuantity(800, -3, DecimalSI), intQuantity(79, -2, DecimalSI), 1},
            (800, -3, 79, -2, Ordering::Greater),
            // {intQuantity(mostPositive, 0, DecimalSI), intQuantity(1, -1, DecimalSI), 1},
            (MOST_POSITIVE, 0, 1, -1, Ordering::Greater),
            // {intQuantity(mostPositive, 1, DecimalSI), intQuantity(1, 0, DecimalSI), 1},
            (MOST_POSITIVE, 1, 1, 0, Ordering::Greater),
            // {intQuantity(mostPositive, 1, DecimalSI), intQuantity(1, 1, DecimalSI), 1},
            (MOST_POSITIVE, 1, 1, 1, Ordering::Greater),
            // {intQuantity(mostPositive, 1, DecimalSI), intQuantity(0, 1, DecimalSI), 1},
            (MOST_POSITIVE, 1, 0, 1, Ordering::Greater),
            // {intQuantity(mostPositive, -16, DecimalSI), intQuantity(1, 3, DecimalSI), -1},
            (MOST_POSITIVE, -16, 1, 3, Ordering::Less),
            // {intQuantity(mostNegative, 0, DecimalSI), intQuantity(0, 0, DecimalSI), -1},
            (MOST_NEGATIVE, 0, 0, 0, Ordering::Less),
            // {intQuantity(mostNegative, -18, DecimalSI), intQuantity(-1, 0, DecimalSI), -1},
            (MOST_NEGATIVE, -18, -1, 0, Ordering::Less),
            // {intQuantity(mostNegative, -19, DecimalSI), intQuantity(-1, 0, DecimalSI), 1},
            (MOST_NEGATIVE, -19, -1, 0, Ordering::Greater),
            // {intQuantity(1*1000000*1000000*1000000, -17, DecimalSI), intQuantity(1, 1, DecimalSI), 0},
            (1_000_000_000_000_000_000, -17, 1, 1, Ordering::Equal),
            // {intQuantity(1*1000000*1000000*1000000, -17, DecimalSI), intQuantity(-10, 0, DecimalSI), 1},
            (1_000_000_000_000_000_000, -17, -10, 0, Ordering::Greater),
            // {intQuantity(-1*1000000*1000000*1000000, -17, DecimalSI), intQuantity(-10, 0, DecimalSI), 0},
            (-1_000_000_000_000_000_000, -17, -10, 0, Ordering::Equal),
            // {intQuantity(1*1000000*1000000*1000000, -17, DecimalSI), intQuantity(1, 0, DecimalSI), 1},
            (1_000_000_000_000_000_000, -17, 1, 0, Ordering::Greater),
            // {intQuantity(1*1000000*1000000*1000000+1, -17, DecimalSI), intQuantity(1, 1, DecimalSI), 1},
            (1_000_000_000_000_000_001, -17, 1, 1, Ordering::Greater),
            // {intQuantity(1*1000000*1000000*1000000-1, -17, DecimalSI), intQuantity(1, 1, DecimalSI), -1},
            (999_999_999_999_999_999, -17, 1, 1, Ordering::Less),
        ];
        for &(a, a_exp, b, b_exp, expected) in table {
            let (x, y) = (dq(a, a_exp, DecimalSI), dq(b, b_exp, DecimalSI));
            assert_eq!(x.cmp(&y), expected, "{a}e{a_exp} vs {b}e{b_exp}");
            assert_eq!(y.cmp(&x), expected.reverse(), "{b}e{b_exp} vs {a}e{a_exp}");
        }
    }

    #[test]
    fn sorting_and_hashing_agree_with_equality() {
        let mut quantities: Vec<Quantity> = ["1Gi", "1G", "-1", "500m", "0.5", "0", "1e3", "1k"]
            .iter()
            .map(|text| parse(text))
            .collect();
        quantities.sort();
        let sorted: Vec<String> = quantities.iter().map(Quantity::canonical).collect();
        assert_eq!(
            sorted,
            ["-1", "0", "500m", "500m", "1e3", "1k", "1G", "1Gi"]
        );
        let distinct: HashSet<Quantity> = quantities.into_iter().collect();
        assert_eq!(distinct.len(), 6);
        assert!(distinct.contains(&parse("1000")));
    }

    #[test]
    fn accessors_and_traits() {
        let q: Quantity = "1.5Gi".parse().expect("valid");
        assert_eq!(q.format(), BinarySI);
        assert!(!q.is_negative());
        assert!(!q.is_zero());
        assert_eq!(format!("{q}"), "1536Mi");
        assert_eq!(format!("[{q:>8}]"), "[  1536Mi]");
        assert!(parse("-1m").is_negative());
        assert_eq!(parse("1e3").format(), DecimalExponent);
        assert_eq!(parse("1E").format(), DecimalSI);
        assert_eq!(parse("0.5Ki").format(), BinarySI);
        assert_eq!(parse("0.0001Ki").format(), DecimalSI);
        assert_eq!(parse("-0.0001Ki").format(), DecimalSI);
        assert_eq!(parse("0.0Ki").format(), BinarySI);
        let debug = format!("{:?}", parse("-1.5k"));
        assert!(
            debug.contains("-15e2") && debug.contains("-1500"),
            "{debug}"
        );
    }

    #[test]
    fn huge_inputs_parse_exactly_without_panicking() {
        let nines = "9".repeat(100_000);
        let q = parse(&nines);
        assert_eq!(q.value(), Err(QuantityError::TooLarge));
        assert_eq!(q.canonical(), nines);
        let q = parse(&format!("{nines}Ei"));
        assert_eq!(q.value(), Ok(i64::MAX));
        let tiny = format!("0.{}1", "0".repeat(100_000));
        assert_eq!(parse(&tiny).canonical(), "1n");
        let tiny_binary = format!("0.{}1Ki", "0".repeat(100_000));
        assert_eq!(parse(&tiny_binary).canonical(), "1n");
        let padded = format!("{}1.{}", "0".repeat(100_000), "0".repeat(100_000));
        assert_eq!(parse(&padded), parse("1"));
        let long_exponent = format!("1e{}3", "0".repeat(100_000));
        assert_eq!(parse(&long_exponent).canonical(), "1e3");
        assert_eq!(parse("1e300").value(), Err(QuantityError::TooLarge));
        assert_eq!(parse("9E").value(), Ok(9_000_000_000_000_000_000));
        assert_eq!(parse("10E").value(), Err(QuantityError::TooLarge));
    }

    /// A small deterministic xorshift generator; the tests must not depend on extra crates.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, bound: usize) -> usize {
            (self.next() % bound as u64) as usize
        }
    }

    #[test]
    fn generated_odd_strings_never_panic_and_round_trip() {
        const PIECES: &[&str] = &[
            "0",
            "1",
            "5",
            "9",
            "00",
            "1024",
            ".",
            "+",
            "-",
            "e",
            "E",
            "i",
            "n",
            "u",
            "m",
            "k",
            "K",
            "M",
            "G",
            "T",
            "P",
            "Ki",
            "Mi",
            "Ei",
            "e-",
            "e+",
            " ",
            "\u{e9}",
            "\u{0}",
            "\u{661}",
            "a",
            "_",
            "99999999999999999999",
            "e2147483647",
            "e-2147483648",
            "e9999999999",
            "0.",
            ".5",
            "e-100",
            "000000000000",
        ];
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut parsed = 0;
        for _ in 0..5000 {
            let mut text = String::new();
            for _ in 0..rng.below(8) {
                text.push_str(PIECES[rng.below(PIECES.len())]);
            }
            let Ok(q) = Quantity::parse(&text) else {
                continue;
            };
            parsed += 1;
            let _ = (q.value(), q.milli_value(), q.scaled_value(6));
            let canonical = q.canonical();
            let again = Quantity::parse(&canonical)
                .unwrap_or_else(|err| panic!("{text:?} -> {canonical:?}: {err}"));
            assert_eq!(again, q, "{text:?} -> {canonical:?}");
            assert_eq!(again.canonical(), canonical, "{text:?} is not idempotent");
        }
        // The generator must actually exercise the success path, not only errors.
        assert!(parsed > 300, "only {parsed} generated strings parsed");
    }

    #[test]
    fn generated_quantities_match_an_independent_milli_value() {
        // Decimal and binary suffixes with their exact multipliers as (power of ten, power of 1024).
        const SUFFIXES: &[(&str, i32, u32)] = &[
            ("n", -9, 0),
            ("u", -6, 0),
            ("m", -3, 0),
            ("", 0, 0),
            ("k", 3, 0),
            ("M", 6, 0),
            ("Ki", 0, 1),
            ("Mi", 0, 2),
            ("Gi", 0, 3),
            ("e-2", -2, 0),
            ("e4", 4, 0),
        ];
        let mut rng = XorShift(0x0123_4567_89ab_cdef);
        for _ in 0..3000 {
            let integer = rng.below(1_000_000);
            let fraction_len = rng.below(5);
            let fraction = rng.below(10usize.pow(fraction_len as u32));
            let negative = rng.below(4) == 0;
            let (suffix, ten, binary) = SUFFIXES[rng.below(SUFFIXES.len())];
            let mut text = String::new();
            if negative {
                text.push('-');
            }
            text.push_str(&integer.to_string());
            if fraction_len > 0 {
                text.push_str(&format!(".{fraction:0fraction_len$}"));
            }
            text.push_str(suffix);

            // |value| * 1000 = digits * 1024^binary * 10^(ten - fraction_len + 3), rounded away
            // from zero; the nano rounding at parse time cannot change that result.
            let digits = (integer as i128) * 10i128.pow(fraction_len as u32) + fraction as i128;
            let numerator = digits * 1024i128.pow(binary);
            let shift = ten - fraction_len as i32 + 3;
            let magnitude = if shift >= 0 {
                numerator * 10i128.pow(shift as u32)
            } else {
                let divisor = 10i128.pow(shift.unsigned_abs());
                (numerator + divisor - 1) / divisor
            };
            let expected = if negative { -magnitude } else { magnitude };
            let q = parse(&text);
            assert_eq!(
                q.milli_value().map(i128::from).ok(),
                Some(expected).filter(|v| i64::try_from(*v).is_ok()),
                "{text}"
            );
        }
    }
}
