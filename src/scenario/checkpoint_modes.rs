//! Validation of the checkpoint modes: unaligned checkpoints and their aligned
//! timeout (what Flink allows them with), the interval during backlog, and the
//! state backend with its incremental checkpoints and the changelog (`[state]`).

use super::defaults;
use super::raw::{RawBackend, RawCheckpoint, RawStateBackend};
use super::typed::{
    BacklogInterval, ChangelogConfig, CheckpointMode, RocksDbConfig, StateBackend,
    StateBackendName, StateConfig,
};
use super::units::{Bandwidth, ByteSize};
use super::validate::{Result, count, fail, finite_in, nonzero};
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

/// `[state]`: task-local recovery and the keyed state backend. RocksDB's keys are
/// errors with the HashMap backend (as the keys of another restart strategy are),
/// and so are incremental checkpoints: Flink's HashMap backend ignores
/// `execution.checkpointing.incremental` and takes full snapshots, which ckptsim
/// refuses to do silently.
pub(super) fn state_config(s: &RawStateBackend) -> Result<StateConfig> {
    let disk = (s.local_disk_speed).map_or(defaults::LOCAL_DISK_SPEED_BYTES_PER_S.value, |b| b.0);
    let name = match s.backend {
        None => defaults::STATE_BACKEND.value,
        Some(RawBackend::Hashmap) => StateBackendName::HashMap,
        Some(RawBackend::Rocksdb) => StateBackendName::RocksDb,
    };
    let incremental = s.incremental.unwrap_or(defaults::INCREMENTAL.value);
    let backend = match name {
        StateBackendName::HashMap => {
            if incremental {
                let msg = "incremental checkpoints need backend = \"rocksdb\": Flink's HashMap backend does not support them (it ignores execution.checkpointing.incremental and takes full snapshots); set backend = \"rocksdb\" or remove incremental";
                return fail(defaults::INCREMENTAL.key, msg);
            }
            if let Some(key) = rocksdb_key_set(s) {
                let msg = format!(
                    "{} applies to the RocksDB backend only, and the backend is hashmap; set backend = \"rocksdb\" or remove it",
                    key.trim_start_matches("state.")
                );
                return fail(key, msg);
            }
            StateBackend::HashMap
        }
        StateBackendName::RocksDb => StateBackend::RocksDb(rocksdb(s, incremental)?),
    };
    let changelog = changelog(s)?;
    Ok(StateConfig {
        changelog,
        local_recovery: s.local_recovery.unwrap_or(defaults::LOCAL_RECOVERY.value),
        local_disk_bytes_per_s: nonzero(disk, defaults::LOCAL_DISK_SPEED_BYTES_PER_S.key)?,
        backend,
    })
}

/// The first RocksDB key present in `[state]`, if any.
fn rocksdb_key_set(s: &RawStateBackend) -> Option<&'static str> {
    let set = [
        (
            s.rocksdb_writebuffer_size.is_some(),
            &defaults::ROCKSDB_WRITEBUFFER_SIZE_BYTES.key,
        ),
        (
            s.rocksdb_target_file_size.is_some(),
            &defaults::ROCKSDB_TARGET_FILE_SIZE_BYTES.key,
        ),
        (
            s.rocksdb_iterate_speed.is_some(),
            &defaults::ROCKSDB_ITERATE_SPEED_BYTES_PER_S.key,
        ),
        (
            s.rocksdb_insert_speed.is_some(),
            &defaults::ROCKSDB_INSERT_SPEED_BYTES_PER_S.key,
        ),
        (
            s.rocksdb_file_open.is_some(),
            &defaults::ROCKSDB_FILE_OPEN.key,
        ),
        (
            s.rocksdb_write_amplification.is_some(),
            &defaults::ROCKSDB_WRITE_AMPLIFICATION.key,
        ),
        (
            s.rocksdb_compaction_trigger.is_some(),
            &defaults::ROCKSDB_COMPACTION_TRIGGER.key,
        ),
        (
            s.rocksdb_compaction_share.is_some(),
            &defaults::ROCKSDB_COMPACTION_SHARE.key,
        ),
    ];
    set.into_iter()
        .find(|(present, _)| *present)
        .map(|(_, k)| *k)
}

/// The RocksDB backend's options, each rate more than 0.
fn rocksdb(s: &RawStateBackend, incremental: bool) -> Result<RocksDbConfig> {
    use defaults::*;
    let bytes = |v: Option<ByteSize>, d: Setting<u64>| nonzero(v.map_or(d.value, |b| b.0), d.key);
    let speed = |v: Option<Bandwidth>, d: Setting<u64>| nonzero(v.map_or(d.value, |b| b.0), d.key);
    let amp = ROCKSDB_WRITE_AMPLIFICATION;
    let share = ROCKSDB_COMPACTION_SHARE;
    let trigger = ROCKSDB_COMPACTION_TRIGGER;
    Ok(RocksDbConfig {
        incremental,
        write_buffer_bytes: bytes(s.rocksdb_writebuffer_size, ROCKSDB_WRITEBUFFER_SIZE_BYTES)?,
        target_file_bytes: bytes(s.rocksdb_target_file_size, ROCKSDB_TARGET_FILE_SIZE_BYTES)?,
        iterate_bytes_per_s: speed(s.rocksdb_iterate_speed, ROCKSDB_ITERATE_SPEED_BYTES_PER_S)?,
        insert_bytes_per_s: speed(s.rocksdb_insert_speed, ROCKSDB_INSERT_SPEED_BYTES_PER_S)?,
        file_open: s.rocksdb_file_open.unwrap_or(ROCKSDB_FILE_OPEN.value),
        write_amplification: finite_in(
            s.rocksdb_write_amplification.unwrap_or(amp.value),
            amp.key,
            1.0,
            1000.0,
        )?,
        compaction_trigger: count(s.rocksdb_compaction_trigger, trigger.key, trigger.value, 1)?,
        compaction_share: finite_in(
            s.rocksdb_compaction_share.unwrap_or(share.value),
            share.key,
            0.0,
            1.0,
        )?,
    })
}

/// `[state]` `changelog` and its options: the options need the backend on, and
/// the interval, the delay and the replay speed must be positive.
fn changelog(s: &RawStateBackend) -> Result<Option<ChangelogConfig>> {
    let on = s.changelog.unwrap_or(defaults::CHANGELOG.value);
    let set = [
        (
            s.changelog_materialize_interval.is_some(),
            defaults::CHANGELOG_MATERIALIZE_INTERVAL.key,
        ),
        (
            s.changelog_persist_delay.is_some(),
            defaults::CHANGELOG_PERSIST_DELAY.key,
        ),
        (
            s.changelog_replay_speed.is_some(),
            defaults::CHANGELOG_REPLAY_SPEED_BYTES_PER_S.key,
        ),
    ];
    if !on {
        if let Some(&(_, key)) = set.iter().find(|(present, _)| *present) {
            let msg = format!(
                "{} applies to the changelog state backend only; set changelog = true or remove it",
                key.trim_start_matches("state.")
            );
            return fail(key, msg);
        }
        return Ok(None);
    }
    let interval = (s.changelog_materialize_interval)
        .unwrap_or(defaults::CHANGELOG_MATERIALIZE_INTERVAL.value);
    if interval == SimDuration::ZERO {
        let msg = "the materialisation interval must be positive, e.g. changelog-materialize-interval = \"10min\"";
        return fail(defaults::CHANGELOG_MATERIALIZE_INTERVAL.key, msg);
    }
    let delay = s
        .changelog_persist_delay
        .unwrap_or(defaults::CHANGELOG_PERSIST_DELAY.value);
    if delay == SimDuration::ZERO {
        let msg = "the persist delay must be positive, e.g. changelog-persist-delay = \"10ms\"";
        return fail(defaults::CHANGELOG_PERSIST_DELAY.key, msg);
    }
    let replay = (s.changelog_replay_speed)
        .map_or(defaults::CHANGELOG_REPLAY_SPEED_BYTES_PER_S.value, |b| b.0);
    Ok(Some(ChangelogConfig {
        materialize_interval: interval,
        persist_delay: delay,
        replay_bytes_per_s: nonzero(replay, defaults::CHANGELOG_REPLAY_SPEED_BYTES_PER_S.key)?,
    }))
}
