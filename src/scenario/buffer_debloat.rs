//! Validation of buffer debloating (FLIP-183) against what Flink's
//! BufferDebloatConfiguration accepts: a positive target and period, at least
//! one sample, a threshold in percent, and min-segment-size ≤
//! starting-segment-size ≤ buffer-size.

use super::defaults::{self, Setting};
use super::raw::RawNetwork;
use super::typed::BufferDebloat;
use super::validate::{Result, fail, int, positive};

/// The debloating settings of `[network]`, `None` when debloating is off. Every key
/// is checked when present; the sizes are compared only when debloating is on.
pub(super) fn settings(n: &RawNetwork, buffer_bytes: u64) -> Result<Option<BufferDebloat>> {
    let (target, period) = (
        defaults::BUFFER_DEBLOAT_TARGET,
        defaults::BUFFER_DEBLOAT_PERIOD,
    );
    let target = positive(n.buffer_debloat_target.unwrap_or(target.value), target.key)?;
    let period = positive(n.buffer_debloat_period.unwrap_or(period.value), period.key)?;
    let samples = bounded(
        n.buffer_debloat_samples,
        defaults::BUFFER_DEBLOAT_SAMPLES,
        1,
        i64::from(u32::MAX),
    )?;
    let threshold = defaults::BUFFER_DEBLOAT_THRESHOLD_PERCENTAGES;
    let threshold_percentages = bounded(n.buffer_debloat_threshold_percentages, threshold, 0, 100)?;
    let min = defaults::MIN_SEGMENT_SIZE_BYTES;
    let min_segment_bytes = n.min_segment_size.map_or(min.value, |b| b.0);
    if min_segment_bytes == 0 {
        return fail(
            min.key,
            "min-segment-size must be more than 0 bytes; set it to the smallest debloated buffer, e.g. min-segment-size = 256 (Flink's default)",
        );
    }
    let start = defaults::STARTING_SEGMENT_SIZE_BYTES;
    let starting_segment_bytes = n.starting_segment_size.map_or(start.value, |b| b.0);
    if !n.buffer_debloat.unwrap_or(defaults::BUFFER_DEBLOAT.value) {
        return Ok(None);
    }
    if min_segment_bytes > buffer_bytes {
        return fail(
            min.key,
            format!(
                "min-segment-size ({min_segment_bytes} bytes) is larger than buffer-size ({buffer_bytes} bytes): debloating shrinks buffers between the two, so lower min-segment-size (e.g. min-segment-size = 256)"
            ),
        );
    }
    if starting_segment_bytes < min_segment_bytes || starting_segment_bytes > buffer_bytes {
        let default = if n.starting_segment_size.is_none() {
            ", the default"
        } else {
            ""
        };
        return fail(
            start.key,
            format!(
                "starting-segment-size ({starting_segment_bytes} bytes{default}) must lie between min-segment-size ({min_segment_bytes} bytes) and buffer-size ({buffer_bytes} bytes), as Flink requires; set e.g. starting-segment-size = {}",
                buffer_bytes.min(start.value).max(min_segment_bytes)
            ),
        );
    }
    Ok(Some(BufferDebloat {
        target,
        period,
        samples,
        threshold_percentages,
        min_segment_bytes,
        starting_segment_bytes,
    }))
}

/// An optional integer in [lo, hi] at the key of `default`, its value if absent.
fn bounded(v: Option<i64>, default: Setting<u32>, lo: i64, hi: i64) -> Result<u32> {
    let v = v.unwrap_or(default.value.into());
    int(v, default.key, lo, hi).map(|v| v as u32)
}
