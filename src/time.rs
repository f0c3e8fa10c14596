//! Simulated time: integer nanoseconds, never f64 and never the wall clock.
//!
//! `SimTime` is an instant since the start of a run, `SimDuration` a span.
//! Both parse from and print as human strings ("250ms", "10s", "5min", "1h",
//! "1.5s"). Seconds as f64 appear only at the edges (CSV, charts, JSON).

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Nanoseconds in one microsecond.
pub const NS_PER_US: u64 = 1_000;
/// Nanoseconds in one millisecond.
pub const NS_PER_MS: u64 = 1_000_000;
/// Nanoseconds in one second.
pub const NS_PER_S: u64 = 1_000_000_000;

/// An instant of simulated time, in nanoseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// A time later than any run reaches.
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Nanoseconds since the start of the run.
    pub fn as_ns(self) -> u64 {
        self.0
    }
    /// Seconds since the start, for output files and charts only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }
    /// The span from `earlier` to `self`, or zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// The empty span.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A span of `ns` nanoseconds.
    pub const fn from_ns(ns: u64) -> Self {
        SimDuration(ns)
    }
    /// A span of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms * NS_PER_MS)
    }
    /// A span of `s` seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * NS_PER_S)
    }
    /// The span in nanoseconds.
    pub fn as_ns(self) -> u64 {
        self.0
    }
    /// The span in seconds, for output files and charts only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }
    /// The span multiplied by an integer, saturating.
    pub fn times(self, k: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(k))
    }
    /// The span scaled by a positive factor, rounded to the nearest ns.
    pub fn mul_f64(self, f: f64) -> SimDuration {
        SimDuration((self.0 as f64 * f).round().max(0.0) as u64)
    }
    /// Parses "250ms", "10s", "5min", "1h", "1.5s", "0"; negative or unitless
    /// non-zero values are errors whose text says what is accepted.
    pub fn parse(text: &str) -> Result<SimDuration, String> {
        parse_duration(text)
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}
impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}
impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}
impl AddAssign for SimDuration {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}
impl Sub for SimDuration {
    type Output = SimDuration;
    fn sub(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(d.0))
    }
}

const UNITS: [(&str, u64); 8] = [
    ("ns", 1),
    ("us", NS_PER_US),
    ("ms", NS_PER_MS),
    ("s", NS_PER_S),
    ("min", 60 * NS_PER_S),
    ("m", 60 * NS_PER_S),
    ("h", 3600 * NS_PER_S),
    ("d", 86_400 * NS_PER_S),
];

fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let t = text.trim();
    let help = "write a duration such as \"250ms\", \"10s\", \"5min\" or \"1h\"";
    if t.starts_with('-') {
        return Err(format!("duration \"{text}\" is negative; {help}"));
    }
    if t == "0" {
        return Ok(SimDuration::ZERO);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("duration \"{text}\" has no unit; {help}"))?;
    let (num, unit) = t.split_at(split);
    let unit = unit.trim();
    let scale = UNITS
        .iter()
        .find(|(u, _)| *u == unit)
        .map(|(_, s)| *s)
        .ok_or_else(|| format!("duration \"{text}\" has an unknown unit \"{unit}\"; {help}"))?;
    if num.is_empty() {
        return Err(format!("duration \"{text}\" has no number; {help}"));
    }
    let (int_part, frac_part) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    let bad = || format!("duration \"{text}\" is not a number with a unit; {help}");
    let int: u64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| bad())?
    };
    let mut ns = int.checked_mul(scale).ok_or_else(bad)?;
    if !frac_part.is_empty() {
        if frac_part.len() > 9 || !frac_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let digits: u64 = frac_part.parse().map_err(|_| bad())?;
        let denom = 10u64.pow(frac_part.len() as u32);
        ns = ns
            .checked_add((digits as u128 * scale as u128 / denom as u128) as u64)
            .ok_or_else(bad)?;
    }
    Ok(SimDuration(ns))
}

impl fmt::Display for SimDuration {
    /// Prints the largest unit that divides the span exactly ("10s", "250ms").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        if ns == 0 {
            return write!(f, "0s");
        }
        for (unit, scale) in [
            ("h", 3600 * NS_PER_S),
            ("min", 60 * NS_PER_S),
            ("s", NS_PER_S),
            ("ms", NS_PER_MS),
            ("us", NS_PER_US),
        ] {
            if ns.is_multiple_of(scale) {
                return write!(f, "{}{unit}", ns / scale);
            }
        }
        write!(f, "{ns}ns")
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3}s", self.as_secs_f64())
    }
}

impl<'de> serde::Deserialize<'de> for SimDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = SimDuration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a duration string such as \"10s\" or \"250ms\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SimDuration, E> {
                SimDuration::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<SimDuration, E> {
                if v == 0 {
                    Ok(SimDuration::ZERO)
                } else {
                    Err(E::custom(format!(
                        "duration {v} has no unit; write it as a string such as \"{v}s\" or \"{v}ms\""
                    )))
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl serde::Serialize for SimDuration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_fractions() {
        assert_eq!(
            SimDuration::parse("250ms"),
            Ok(SimDuration(250 * NS_PER_MS))
        );
        assert_eq!(SimDuration::parse("10s"), Ok(SimDuration(10 * NS_PER_S)));
        assert_eq!(SimDuration::parse("5min"), Ok(SimDuration(300 * NS_PER_S)));
        assert_eq!(SimDuration::parse("1h"), Ok(SimDuration(3600 * NS_PER_S)));
        assert_eq!(SimDuration::parse("1.5s"), Ok(SimDuration(1_500_000_000)));
        assert_eq!(SimDuration::parse("0"), Ok(SimDuration::ZERO));
        assert_eq!(SimDuration::parse("2us"), Ok(SimDuration(2_000)));
    }

    #[test]
    fn rejects_negative_unitless_and_unknown_units() {
        assert!(SimDuration::parse("-5s").unwrap_err().contains("negative"));
        assert!(SimDuration::parse("5").unwrap_err().contains("no unit"));
        assert!(
            SimDuration::parse("5 fortnights")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(SimDuration::parse("s").unwrap_err().contains("no number"));
    }

    #[test]
    fn display_round_trips() {
        for s in ["10s", "250ms", "5min", "1h", "3us", "7ns", "1500ms"] {
            let d = SimDuration::parse(s).unwrap();
            assert_eq!(d.to_string(), s);
            assert_eq!(SimDuration::parse(&d.to_string()).unwrap(), d);
        }
    }
}
