//! Validation of the checkpoint modes: unaligned checkpoints and their aligned
//! timeout (what Flink allows them with), and the interval during backlog.

use super::defaults;
use super::raw::RawCheckpoint;
use super::typed::{BacklogInterval, CheckpointMode};
use super::validate::{Result, fail};
use crate::time::SimDuration;

/// `unaligned` and `aligned-timeout`, checked against what Flink allows: unaligned
/// checkpoints only in exactly-once mode with max-concurrent 1.
pub(super) fn unaligned_settings(
    c: &RawCheckpoint,
    mode: CheckpointMode,
    max_concurrent: u32,
) -> Result<(bool, SimDuration)> {
    let unaligned = c.unaligned.unwrap_or(defaults::UNALIGNED.value);
    if unaligned && mode != CheckpointMode::ExactlyOnce {
        let msg = "unaligned checkpoints need mode = \"exactly-once\" (Flink allows them only in exactly-once mode); remove unaligned or set mode = \"exactly-once\"";
        return fail("checkpoint.unaligned", msg);
    }
    if unaligned && max_concurrent > 1 {
        let msg = format!(
            "max-concurrent = {max_concurrent} with unaligned checkpoints: Flink supports unaligned checkpoints only with max-concurrent = 1"
        );
        return fail("checkpoint.max-concurrent", msg);
    }
    let aligned_timeout = c.aligned_timeout.unwrap_or(defaults::ALIGNED_TIMEOUT.value);
    Ok((unaligned, aligned_timeout))
}

/// Flink's CheckpointConfig#getCheckpointIntervalDuringBacklog: absent means the
/// interval, 0 no periodic checkpoints during backlog, anything else at least the
/// interval. (Flink also reads 1 to 9 ms as 0; ckptsim rejects them.)
pub(super) fn backlog_interval(
    v: Option<SimDuration>,
    interval: SimDuration,
) -> Result<BacklogInterval> {
    let key = defaults::INTERVAL_DURING_BACKLOG.key;
    match v {
        None => Ok(defaults::INTERVAL_DURING_BACKLOG.value),
        Some(SimDuration::ZERO) => Ok(BacklogInterval::Disabled),
        Some(d) if d < interval => fail(
            key,
            format!(
                "interval-during-backlog \"{d}\" is shorter than the interval \"{interval}\"; Flink requires it to be at least the interval, or 0 for no checkpoints during backlog; set e.g. interval-during-backlog = \"{}\"",
                interval.times(6)
            ),
        ),
        Some(d) => Ok(BacklogInterval::Every(d)),
    }
}
