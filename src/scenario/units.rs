//! Sizes and bandwidths in scenario files: "32KiB", "100MB", "1Gbit/s".
//!
//! Owns the parsers and their serde `Deserialize` impls (integers are plain
//! bytes or bytes/s). Durations are not here: they are `SimDuration`
//! (`crate::time`). Every error says which forms are accepted.

use std::fmt;

/// Decimal and binary byte units accepted in sizes.
const SIZE_UNITS: [(&str, u64); 9] = [
    ("B", 1),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
    ("TB", 1_000_000_000_000),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
];

/// Bit units accepted in bandwidths (powers of 10, as network links are quoted).
const BIT_UNITS: [(&str, u64); 5] = [
    ("bit", 1),
    ("Kbit", 1_000),
    ("Mbit", 1_000_000),
    ("Gbit", 1_000_000_000),
    ("Tbit", 1_000_000_000_000),
];

const SIZE_HELP: &str = "write an integer number of bytes or a string such as \"32KiB\", \"100MB\" or \"4GiB\" (units: B, KB, MB, GB, TB = powers of 1000; KiB, MiB, GiB, TiB = powers of 1024)";

const BANDWIDTH_HELP: &str = "write an integer number of bytes/s or a string such as \"200MB/s\", \"1GiB/s\" or \"10Gbit/s\" (byte units B, KB, MB, GB, KiB, MiB, GiB; bit units bit, Kbit, Mbit, Gbit; always followed by /s)";

/// A number of bytes, read from an integer or a string with a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteSize(pub u64);

/// A bandwidth in bytes per second, read from an integer or a string such as "1Gbit/s".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bandwidth(pub u64);

/// Parses "32KiB", "100MB", "1.5GB", "512B" or "4096" into bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("size \"{text}\" is negative; {SIZE_HELP}"));
    }
    let (num, unit) = split_number(t);
    if num.is_empty() {
        return Err(format!("size \"{text}\" has no number; {SIZE_HELP}"));
    }
    let scale = if unit.is_empty() {
        1
    } else {
        lookup(&SIZE_UNITS, unit)
            .ok_or_else(|| format!("size \"{text}\" has an unknown unit \"{unit}\"; {SIZE_HELP}"))?
    };
    scaled(num, scale as u128, 1)
        .ok_or_else(|| format!("size \"{text}\" is not a number with a unit; {SIZE_HELP}"))
}

/// Parses "200MB/s", "1GiB/s", "10Gbit/s", "500Mbit/s" or "1000000" into bytes/s.
pub fn parse_bandwidth(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!(
            "bandwidth \"{text}\" is negative; {BANDWIDTH_HELP}"
        ));
    }
    let (num, unit) = split_number(t);
    if num.is_empty() {
        return Err(format!(
            "bandwidth \"{text}\" has no number; {BANDWIDTH_HELP}"
        ));
    }
    let (scale, divisor) = if unit.is_empty() {
        (1, 1)
    } else {
        let per = unit.strip_suffix("/s").map(str::trim_end).ok_or_else(|| {
            format!("bandwidth \"{text}\" does not end in \"/s\"; {BANDWIDTH_HELP}")
        })?;
        if let Some(s) = lookup(&SIZE_UNITS, per) {
            (s, 1)
        } else if let Some(s) = lookup(&BIT_UNITS, per) {
            (s, 8)
        } else {
            return Err(format!(
                "bandwidth \"{text}\" has an unknown unit \"{per}\"; {BANDWIDTH_HELP}"
            ));
        }
    };
    scaled(num, scale as u128, divisor).ok_or_else(|| {
        format!("bandwidth \"{text}\" is not a number with a unit; {BANDWIDTH_HELP}")
    })
}

/// Splits "1.5 GiB/s" into ("1.5", "GiB/s").
fn split_number(t: &str) -> (&str, &str) {
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    (&t[..end], t[end..].trim_start())
}

fn lookup(units: &[(&str, u64)], unit: &str) -> Option<u64> {
    units.iter().find(|(u, _)| *u == unit).map(|(_, s)| *s)
}

/// `num × scale / divisor` exactly (rounded down), for a decimal `num` with up to 9 fraction digits.
fn scaled(num: &str, scale: u128, divisor: u128) -> Option<u64> {
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits_ok(int_part) || !digits_ok(frac_part) || frac_part.len() > 9 {
        return None;
    }
    let int: u128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let mut total = int.checked_mul(scale)?;
    if !frac_part.is_empty() {
        let digits: u128 = frac_part.parse().ok()?;
        total = total.checked_add(digits * scale / 10u128.pow(frac_part.len() as u32))?;
    }
    u64::try_from(total / divisor).ok()
}

macro_rules! deserialize_via {
    ($ty:ident, $parse:ident, $what:literal, $help:ident) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        write!(f, "a {}: {}", $what, $help)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        $parse(v).map($ty).map_err(E::custom)
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$ty, E> {
                        Ok($ty(v))
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$ty, E> {
                        u64::try_from(v)
                            .map($ty)
                            .map_err(|_| E::custom(format!("{} {v} is negative; {}", $what, $help)))
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

deserialize_via!(ByteSize, parse_size, "size", SIZE_HELP);
deserialize_via!(Bandwidth, parse_bandwidth, "bandwidth", BANDWIDTH_HELP);

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn sizes_in_decimal_and_binary_units() {
        assert_eq!(parse_size("512B"), Ok(512));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("4KiB"), Ok(4096));
        assert_eq!(parse_size("32 KiB"), Ok(32 * 1024));
        assert_eq!(parse_size("100MB"), Ok(100_000_000));
        assert_eq!(parse_size("1.5GB"), Ok(1_500_000_000));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("0"), Ok(0));
    }

    #[test]
    fn bad_sizes_say_what_is_accepted() {
        let e = parse_size("5XB").unwrap_err();
        assert!(
            e.contains("unknown unit \"XB\"") && e.contains("KiB"),
            "{e}"
        );
        assert!(parse_size("-5MB").unwrap_err().contains("negative"));
        assert!(parse_size("MB").unwrap_err().contains("no number"));
        assert!(parse_size("1.2.3MB").unwrap_err().contains("not a number"));
        assert!(parse_size("99999999999TB").is_err());
    }

    #[test]
    fn bandwidths_in_bytes_and_bits() {
        assert_eq!(parse_bandwidth("200MB/s"), Ok(200_000_000));
        assert_eq!(parse_bandwidth("1GiB/s"), Ok(1 << 30));
        // 1 Gbit/s = 10^9 bits/s / 8 = 125 000 000 bytes/s.
        assert_eq!(parse_bandwidth("1Gbit/s"), Ok(125_000_000));
        assert_eq!(parse_bandwidth("10Gbit/s"), Ok(1_250_000_000));
        assert_eq!(parse_bandwidth("500Mbit/s"), Ok(62_500_000));
        assert_eq!(parse_bandwidth("2 GB/s"), Ok(2_000_000_000));
        assert_eq!(parse_bandwidth("1000"), Ok(1000));
    }

    #[test]
    fn bad_bandwidths_say_what_is_accepted() {
        assert!(parse_bandwidth("200MB").unwrap_err().contains("\"/s\""));
        assert!(parse_bandwidth("1Gbps").unwrap_err().contains("/s"));
        assert!(
            parse_bandwidth("3 furlongs/s")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_bandwidth("-1MB/s").unwrap_err().contains("negative"));
    }

    #[derive(Deserialize)]
    struct Doc {
        size: ByteSize,
        bw: Bandwidth,
    }

    #[test]
    fn deserialize_from_integers_and_strings() {
        let d: Doc = toml::from_str("size = 64\nbw = \"1Gbit/s\"").unwrap();
        assert_eq!((d.size, d.bw), (ByteSize(64), Bandwidth(125_000_000)));
        let d: Doc = toml::from_str("size = \"4KiB\"\nbw = 1000").unwrap();
        assert_eq!((d.size, d.bw), (ByteSize(4096), Bandwidth(1000)));
        let e = toml::from_str::<Doc>("size = -1\nbw = 1").err().unwrap();
        assert!(
            e.message().contains("size -1 is negative"),
            "{}",
            e.message()
        );
        let e = toml::from_str::<Doc>("size = 1.5\nbw = 1").err().unwrap();
        assert!(e.message().contains("expected a size"), "{}", e.message());
    }
}
