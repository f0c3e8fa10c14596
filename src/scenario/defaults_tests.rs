//! Tests of the defaults: every default written out changes nothing, and each names its Flink option.

use super::super::validate::testkit::{MINIMAL, with};
use super::*;
use crate::scenario::parse_str;

fn set<T: std::fmt::Display>(s: Setting<T>) -> String {
    format!("{}={}", s.key, s.value)
}

/// `text` parses to the same scenario with and without `sets`.
fn unchanged_by(text: &str, sets: &[String]) {
    let plain = parse_str(text, "t.toml", &[]).unwrap();
    let explicit = parse_str(text, "t.toml", sets).unwrap();
    assert_eq!(explicit, plain, "{sets:?}");
}

/// Writing every default out changes nothing: the table holds what validation applies.
#[test]
fn writing_the_defaults_out_changes_nothing() {
    let sets = [
        set(SEED),
        set(DRAIN_TIMEOUT),
        set(MAX_PARALLELISM),
        set(RECORD_BYTES).replace("[i]", "[0]"),
        format!("job.operator[0].output-ratio={:?}", OUTPUT_RATIO.value),
        "job.sink[0].kind=two-phase-commit".into(),
        "failover=region".into(),
        set(CHECKPOINT_TIMEOUT),
        set(MIN_PAUSE),
        set(MAX_CONCURRENT),
        set(TOLERABLE_FAILED),
        "checkpoint.mode=exactly-once".into(),
        format!("checkpoint.unaligned={}", UNALIGNED.value),
        set(ALIGNED_TIMEOUT),
        "checkpoint.first-trigger=on-running".into(),
        set(SYNC_BASE),
        set(SYNC_SPEED_BYTES_PER_S),
        set(METADATA_BYTES),
        set(SNAPSHOT_SETUP),
        set(RESTORE_SPEED_BYTES_PER_S),
        set(STORAGE_LATENCY),
        set(STORAGE_BANDWIDTH_BYTES_PER_S),
        set(BUFFER_SIZE_BYTES),
        set(BUFFER_TIMEOUT),
        set(EXCLUSIVE_BUFFERS),
        set(FLOATING_BUFFERS),
        set(MAX_BUFFERS_PER_CHANNEL),
        set(NETWORK_LATENCY),
        set(NETWORK_BANDWIDTH_BYTES_PER_S),
        format!("network.buffer-debloat={}", BUFFER_DEBLOAT.value),
        set(BUFFER_DEBLOAT_TARGET),
        set(BUFFER_DEBLOAT_PERIOD),
        set(BUFFER_DEBLOAT_SAMPLES),
        set(BUFFER_DEBLOAT_THRESHOLD_PERCENTAGES),
        set(MIN_SEGMENT_SIZE_BYTES),
        set(STARTING_SEGMENT_SIZE_BYTES),
        set(SLOTS_PER_TASKMANAGER),
        set(TASKMANAGER_STARTUP),
        "cluster.resource-manager=active".into(),
        format!("state.local-recovery={}", LOCAL_RECOVERY.value),
        set(LOCAL_DISK_SPEED_BYTES_PER_S),
        "state.backend=hashmap".into(),
        format!("state.incremental={}", INCREMENTAL.value),
        set(SLOT_REQUEST_TIMEOUT),
        set(RPC_LATENCY),
        set(HEARTBEAT_INTERVAL),
        set(HEARTBEAT_TIMEOUT),
        set(HEARTBEAT_RPC_FAILURE_THRESHOLD),
        set(FAILURE_REPORT_DELAY),
        set(CONNECTION_LOSS_DETECTION),
        set(DEPLOY_SPREAD),
        set(CAUGHT_UP_LAG_RECORDS),
        set(CANCEL),
        set(DEPLOY),
        set(SAMPLE_PERIOD),
    ];
    unchanged_by(MINIMAL, &sets);
    // MINIMAL sets taskmanagers = 2; without it the default applies.
    let one_tm = with("taskmanagers = 2", "slots-per-taskmanager = 2");
    unchanged_by(&one_tm, &[set(TASKMANAGERS)]);
}

#[test]
fn writing_the_rocksdb_defaults_out_changes_nothing() {
    let rocksdb = format!("{MINIMAL}\n[state]\nbackend = \"rocksdb\"\n");
    let sets = [
        set(ROCKSDB_WRITEBUFFER_SIZE_BYTES),
        set(ROCKSDB_TARGET_FILE_SIZE_BYTES),
        set(ROCKSDB_ITERATE_SPEED_BYTES_PER_S),
        set(ROCKSDB_INSERT_SPEED_BYTES_PER_S),
        set(ROCKSDB_FILE_OPEN),
        format!(
            "{}={:?}",
            ROCKSDB_WRITE_AMPLIFICATION.key, ROCKSDB_WRITE_AMPLIFICATION.value
        ),
        set(ROCKSDB_COMPACTION_TRIGGER),
        set(ROCKSDB_COMPACTION_SHARE),
        format!("state.incremental={}", INCREMENTAL.value),
    ];
    unchanged_by(&rocksdb, &sets);
}

#[test]
fn each_restart_strategy_takes_its_defaults_from_the_table() {
    let no_keys = with("strategy = \"fixed-delay\"\nattempts = 3", "");
    let plain = parse_str(&no_keys, "t.toml", &[]).unwrap();
    assert_eq!(plain.restart, RESTART_STRATEGY.value);
    let exponential = [
        "restart.strategy=exponential-delay".to_string(),
        set(EXPONENTIAL_INITIAL_BACKOFF),
        set(EXPONENTIAL_MAX_BACKOFF),
        set(EXPONENTIAL_BACKOFF_MULTIPLIER),
        set(EXPONENTIAL_RESET_BACKOFF_THRESHOLD),
        set(EXPONENTIAL_JITTER_FACTOR),
        set(EXPONENTIAL_ATTEMPTS),
    ];
    unchanged_by(&no_keys, &exponential);
    let fixed = with("attempts = 3", "");
    unchanged_by(&fixed, &[set(FIXED_DELAY_ATTEMPTS), set(FIXED_DELAY_DELAY)]);
    let rate = with(
        "strategy = \"fixed-delay\"\nattempts = 3",
        "strategy = \"failure-rate\"",
    );
    let sets = [
        set(FAILURE_RATE_MAX_FAILURES),
        set(FAILURE_RATE_INTERVAL),
        set(FAILURE_RATE_DELAY),
    ];
    unchanged_by(&rate, &sets);
}

#[test]
fn flink_options_are_named_as_in_flink() {
    // A few spot checks of the spelling; the values are pinned by
    // `scenario::tests::minimal_scenario_takes_flink_defaults`.
    assert_eq!(
        CHECKPOINT_TIMEOUT.flink,
        Some("execution.checkpointing.timeout")
    );
    assert_eq!(
        HEARTBEAT_RPC_FAILURE_THRESHOLD.flink,
        Some("heartbeat.rpc-failure-threshold")
    );
    assert_eq!(
        INTERVAL_DURING_BACKLOG.flink,
        Some("execution.checkpointing.interval-during-backlog")
    );
    assert_eq!(STORAGE_LATENCY.flink, None);
    assert_eq!(MIN_CHECKPOINT_INTERVAL.to_string(), "10ms");
    assert_eq!(CHECKPOINT_TIMEOUT.value.to_string(), "10min");
}

/// The changelog's defaults written out change nothing (with the changelog on).
#[test]
fn writing_the_changelog_defaults_out_changes_nothing() {
    let on = with("[cluster]", "[state]\nchangelog = true\n\n[cluster]");
    let sets = [
        set(CHANGELOG_MATERIALIZE_INTERVAL),
        set(CHANGELOG_PERSIST_DELAY),
        set(CHANGELOG_REPLAY_SPEED_BYTES_PER_S),
    ];
    unchanged_by(&on, &sets);
    assert_eq!(CHANGELOG.flink, Some("state.changelog.enabled"));
}
