//! The default of every optional scenario key, in one table, each with the
//! Flink option it mirrors.
//!
//! Validation (`scenario::validate`) fills every absent key from here and
//! nowhere else. An entry is a [`Setting`]: the scenario key it fills, the
//! Flink configuration option it stands for (with Flink's default as its
//! value), or `None` for a parameter of ckptsim's own model that Flink has no
//! option for (storage latency, deploy time, ...). Flink's hard limits that
//! validation enforces, and Flink defaults that no scenario key sets, are at
//! the end. This module holds data only: no parsing, no checks.

use super::typed::{
    BacklogInterval, CheckpointMode, FailoverStrategy, FailureDistribution, FirstTrigger,
    ResourceManager, RestartStrategy, SinkKind, StateBackendName,
};
use crate::time::SimDuration;

/// One default: the scenario key it fills, the Flink option it mirrors, and its value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Setting<T> {
    /// Dotted scenario key (`[i]` stands for any index of an array of tables).
    pub key: &'static str,
    /// Flink's configuration option, or `None` for a ckptsim model parameter.
    pub flink: Option<&'static str>,
    /// The value taken when the key is absent.
    pub value: T,
}

impl<T> Setting<T> {
    /// A default that is Flink's default for `option`.
    const fn flink(key: &'static str, option: &'static str, value: T) -> Self {
        Setting {
            key,
            flink: Some(option),
            value,
        }
    }

    /// A default of ckptsim's own model (no Flink option).
    const fn model(key: &'static str, value: T) -> Self {
        Setting {
            key,
            flink: None,
            value,
        }
    }
}

const fn ms(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}

const fn secs(n: u64) -> SimDuration {
    SimDuration::from_secs(n)
}

// ---- top level ----

/// Region failover, Flink's default.
pub const FAILOVER: Setting<FailoverStrategy> = Setting::flink(
    "failover",
    "jobmanager.execution.failover-strategy",
    FailoverStrategy::Region,
);
/// Run seed.
pub const SEED: Setting<u64> = Setting::model("seed", 0);

// ---- [job] ----

/// Longest drain after `job.duration` before the run ends unfinished: 10 min.
pub const DRAIN_TIMEOUT: Setting<SimDuration> = Setting::model("job.drain-timeout", secs(600));
/// Key groups: 128 (Flink derives it from the parallelism, at least 128).
pub const MAX_PARALLELISM: Setting<u32> =
    Setting::flink("job.max-parallelism", "pipeline.max-parallelism", 128);
/// Bytes per source record.
pub const RECORD_BYTES: Setting<u64> = Setting::model("job.source[i].record-bytes", 100);
/// Output records per input record of an operator.
pub const OUTPUT_RATIO: Setting<f64> = Setting::model("job.operator[i].output-ratio", 1.0);
/// Sink delivery guarantee.
pub const SINK_KIND: Setting<SinkKind> =
    Setting::model("job.sink[i].kind", SinkKind::TwoPhaseCommit);

// ---- [checkpoint] ----

/// Interval while a source processes backlog: Flink has no default value and then
/// uses `execution.checkpointing.interval`.
pub const INTERVAL_DURING_BACKLOG: Setting<BacklogInterval> = Setting::flink(
    "checkpoint.interval-during-backlog",
    "execution.checkpointing.interval-during-backlog",
    BacklogInterval::SameAsInterval,
);
/// Checkpoint timeout: 10 min.
pub const CHECKPOINT_TIMEOUT: Setting<SimDuration> = Setting::flink(
    "checkpoint.timeout",
    "execution.checkpointing.timeout",
    secs(600),
);
/// Minimum pause between the end of one checkpoint and the next trigger: none.
pub const MIN_PAUSE: Setting<SimDuration> = Setting::flink(
    "checkpoint.min-pause",
    "execution.checkpointing.min-pause",
    SimDuration::ZERO,
);
/// Pending checkpoints at once: 1.
pub const MAX_CONCURRENT: Setting<u32> = Setting::flink(
    "checkpoint.max-concurrent",
    "execution.checkpointing.max-concurrent-checkpoints",
    1,
);
/// Consecutive failed checkpoints tolerated before a failover: 0.
pub const TOLERABLE_FAILED: Setting<u32> = Setting::flink(
    "checkpoint.tolerable-failed",
    "execution.checkpointing.tolerable-failed-checkpoints",
    0,
);
/// Aligned exactly-once barriers.
pub const CHECKPOINT_MODE: Setting<CheckpointMode> = Setting::flink(
    "checkpoint.mode",
    "execution.checkpointing.mode",
    CheckpointMode::ExactlyOnce,
);
/// Unaligned checkpoints: off.
pub const UNALIGNED: Setting<bool> = Setting::flink(
    "checkpoint.unaligned",
    "execution.checkpointing.unaligned.enabled",
    false,
);
/// Aligned checkpoint timeout: 0 (with unaligned on, every checkpoint starts unaligned).
pub const ALIGNED_TIMEOUT: Setting<SimDuration> = Setting::flink(
    "checkpoint.aligned-timeout",
    "execution.checkpointing.aligned-checkpoint-timeout",
    SimDuration::ZERO,
);
/// First checkpoint when all tasks run (Flink 2.3 as observed on a local cluster).
pub const FIRST_TRIGGER: Setting<FirstTrigger> =
    Setting::model("checkpoint.first-trigger", FirstTrigger::OnRunning);
/// Fixed part of a task's synchronous snapshot phase.
pub const SYNC_BASE: Setting<SimDuration> = Setting::model("checkpoint.sync-base", ms(1));
/// Speed of the synchronous phase over a task's state: 2 GB/s.
pub const SYNC_SPEED_BYTES_PER_S: Setting<u64> =
    Setting::model("checkpoint.sync-speed", 2_000_000_000);
/// Checkpoint metadata written by the coordinator on completion.
pub const METADATA_BYTES: Setting<u64> = Setting::model("checkpoint.metadata-bytes", 4096);
/// Fixed cost of writing one subtask's snapshot to the checkpoint storage, apart from
/// the storage request latency: opening the checkpoint stream, creating the file and
/// returning its state handle. Paid once per uploaded snapshot at the start of the
/// asynchronous phase (state small enough to travel inline opens no file and does not
/// pay it); the coordinator's metadata write does not pay it. Flink has no such
/// option and publishes no figure: 5 ms is ckptsim's estimate.
pub const SNAPSHOT_SETUP: Setting<SimDuration> = Setting::model("checkpoint.snapshot-setup", ms(5));
/// Speed of rebuilding a subtask's state backend from downloaded state (the HashMap
/// backend deserialises every entry): ckptsim's estimate, no Flink figure exists.
pub const RESTORE_SPEED_BYTES_PER_S: Setting<u64> =
    Setting::model("checkpoint.restore-speed", 200_000_000);

// ---- [storage] ----

/// Per-request latency of the checkpoint storage.
pub const STORAGE_LATENCY: Setting<SimDuration> = Setting::model("storage.latency", ms(20));
/// Aggregate bandwidth of the checkpoint storage: 200 MB/s.
pub const STORAGE_BANDWIDTH_BYTES_PER_S: Setting<u64> =
    Setting::model("storage.bandwidth", 200_000_000);
// ---- [network] ----

/// Network buffer (memory segment) size: 32 KiB.
pub const BUFFER_SIZE_BYTES: Setting<u64> = Setting::flink(
    "network.buffer-size",
    "taskmanager.memory.segment-size",
    32 * 1024,
);
/// Flush of a partly filled buffer: 100 ms.
pub const BUFFER_TIMEOUT: Setting<SimDuration> = Setting::flink(
    "network.buffer-timeout",
    "execution.buffer-timeout.interval",
    ms(100),
);
/// Exclusive buffers per input channel: 2.
pub const EXCLUSIVE_BUFFERS: Setting<u32> = Setting::flink(
    "network.exclusive-buffers",
    "taskmanager.network.memory.buffers-per-channel",
    2,
);
/// Floating buffers per input gate: 8.
pub const FLOATING_BUFFERS: Setting<u32> = Setting::flink(
    "network.floating-buffers",
    "taskmanager.network.memory.floating-buffers-per-gate",
    8,
);
/// Buffers one output subpartition may queue before the producer blocks: 10.
pub const MAX_BUFFERS_PER_CHANNEL: Setting<u32> = Setting::flink(
    "network.max-buffers-per-channel",
    "taskmanager.network.memory.max-buffers-per-channel",
    10,
);
/// One-way latency between TaskManagers.
pub const NETWORK_LATENCY: Setting<SimDuration> = Setting::model("network.latency", ms(1));
/// Bandwidth of one remote channel: 1 Gbit/s.
pub const NETWORK_BANDWIDTH_BYTES_PER_S: Setting<u64> =
    Setting::model("network.bandwidth", 125_000_000);
/// Buffer debloating (FLIP-183): off.
pub const BUFFER_DEBLOAT: Setting<bool> = Setting::flink(
    "network.buffer-debloat",
    "taskmanager.network.memory.buffer-debloat.enabled",
    false,
);
/// Time in which a gate's in-flight data should be consumed: 1 s.
pub const BUFFER_DEBLOAT_TARGET: Setting<SimDuration> = Setting::flink(
    "network.buffer-debloat-target",
    "taskmanager.network.memory.buffer-debloat.target",
    secs(1),
);
/// Time between two recalculations of the buffer size: 200 ms.
pub const BUFFER_DEBLOAT_PERIOD: Setting<SimDuration> = Setting::flink(
    "network.buffer-debloat-period",
    "taskmanager.network.memory.buffer-debloat.period",
    ms(200),
);
/// Samples the moving average of the buffer size spans: 20.
pub const BUFFER_DEBLOAT_SAMPLES: Setting<u32> = Setting::flink(
    "network.buffer-debloat-samples",
    "taskmanager.network.memory.buffer-debloat.samples",
    20,
);
/// Least change of the buffer size that is announced: 25 %.
pub const BUFFER_DEBLOAT_THRESHOLD_PERCENTAGES: Setting<u32> = Setting::flink(
    "network.buffer-debloat-threshold-percentages",
    "taskmanager.network.memory.buffer-debloat.threshold-percentages",
    25,
);
/// Smallest debloated buffer: 256 bytes.
pub const MIN_SEGMENT_SIZE_BYTES: Setting<u64> = Setting::flink(
    "network.min-segment-size",
    "taskmanager.memory.min-segment-size",
    256,
);
/// Buffer size a channel starts with when debloating: 1024 bytes.
pub const STARTING_SEGMENT_SIZE_BYTES: Setting<u64> = Setting::flink(
    "network.starting-segment-size",
    "taskmanager.memory.starting-segment-size",
    1024,
);

// ---- [cluster] ----

/// TaskManagers.
pub const TASKMANAGERS: Setting<u32> = Setting::model("cluster.taskmanagers", 1);
/// Slots per TaskManager: 1.
pub const SLOTS_PER_TASKMANAGER: Setting<u32> = Setting::flink(
    "cluster.slots-per-taskmanager",
    "taskmanager.numberOfTaskSlots",
    1,
);
/// Active (Kubernetes/YARN native): new TaskManagers are started when the job needs slots.
pub const RESOURCE_MANAGER: Setting<ResourceManager> =
    Setting::model("cluster.resource-manager", ResourceManager::Active);
/// From a new TaskManager requested (active resource manager) to its slots registered.
pub const TASKMANAGER_STARTUP: Setting<SimDuration> =
    Setting::model("cluster.taskmanager-startup", secs(10));
/// A slot request not fulfilled within 5 min fails with NoResourceAvailableException.
pub const SLOT_REQUEST_TIMEOUT: Setting<SimDuration> = Setting::flink(
    "cluster.slot-request-timeout",
    "slot.request.timeout",
    secs(300),
);
/// One-way RPC latency between JobManager and TaskManagers.
pub const RPC_LATENCY: Setting<SimDuration> = Setting::model("cluster.rpc-latency", ms(1));

// ---- [heartbeat] ----

/// Heartbeat request interval: 10 s.
pub const HEARTBEAT_INTERVAL: Setting<SimDuration> =
    Setting::flink("heartbeat.interval", "heartbeat.interval", secs(10));
/// A silent TaskManager is lost after 50 s.
pub const HEARTBEAT_TIMEOUT: Setting<SimDuration> =
    Setting::flink("heartbeat.timeout", "heartbeat.timeout", secs(50));
/// Consecutive failed heartbeat RPCs that declare a killed TaskManager lost: 2.
pub const HEARTBEAT_RPC_FAILURE_THRESHOLD: Setting<u32> = Setting::flink(
    "heartbeat.rpc-failure-threshold",
    "heartbeat.rpc-failure-threshold",
    2,
);

// ---- [restart] ----

/// Fixed-delay: restart attempts before the job fails: 1.
pub const FIXED_DELAY_ATTEMPTS: Setting<u32> = Setting::flink(
    "restart.attempts",
    "restart-strategy.fixed-delay.attempts",
    1,
);
/// Fixed-delay: delay before each restart: 1 s.
pub const FIXED_DELAY_DELAY: Setting<SimDuration> = Setting::flink(
    "restart.delay",
    "restart-strategy.fixed-delay.delay",
    secs(1),
);
/// Exponential-delay: first backoff: 1 s.
pub const EXPONENTIAL_INITIAL_BACKOFF: Setting<SimDuration> = Setting::flink(
    "restart.initial-backoff",
    "restart-strategy.exponential-delay.initial-backoff",
    secs(1),
);
/// Exponential-delay: largest backoff: 1 min.
pub const EXPONENTIAL_MAX_BACKOFF: Setting<SimDuration> = Setting::flink(
    "restart.max-backoff",
    "restart-strategy.exponential-delay.max-backoff",
    secs(60),
);
/// Exponential-delay: growth factor per failure: 1.5.
pub const EXPONENTIAL_BACKOFF_MULTIPLIER: Setting<f64> = Setting::flink(
    "restart.backoff-multiplier",
    "restart-strategy.exponential-delay.backoff-multiplier",
    1.5,
);
/// Exponential-delay: quiet time after which the backoff resets: 1 h.
pub const EXPONENTIAL_RESET_BACKOFF_THRESHOLD: Setting<SimDuration> = Setting::flink(
    "restart.reset-backoff-threshold",
    "restart-strategy.exponential-delay.reset-backoff-threshold",
    secs(3600),
);
/// Exponential-delay: jitter factor: 0.1.
pub const EXPONENTIAL_JITTER_FACTOR: Setting<f64> = Setting::flink(
    "restart.jitter-factor",
    "restart-strategy.exponential-delay.jitter-factor",
    0.1,
);
/// Exponential-delay: restarts before the job fails: unbounded (Flink: Integer.MAX_VALUE).
pub const EXPONENTIAL_ATTEMPTS: Setting<u32> = Setting::flink(
    "restart.attempts",
    "restart-strategy.exponential-delay.attempts-before-reset-backoff",
    u32::MAX,
);
/// Failure-rate: failures allowed per interval: 1.
pub const FAILURE_RATE_MAX_FAILURES: Setting<u32> = Setting::flink(
    "restart.max-failures-per-interval",
    "restart-strategy.failure-rate.max-failures-per-interval",
    1,
);
/// Failure-rate: the sliding window: 1 min.
pub const FAILURE_RATE_INTERVAL: Setting<SimDuration> = Setting::flink(
    "restart.failure-rate-interval",
    "restart-strategy.failure-rate.failure-rate-interval",
    secs(60),
);
/// Failure-rate: delay before each restart: 1 s.
pub const FAILURE_RATE_DELAY: Setting<SimDuration> = Setting::flink(
    "restart.delay",
    "restart-strategy.failure-rate.delay",
    secs(1),
);
/// The strategy: exponential-delay with the defaults above, Flink's default when
/// checkpointing is enabled.
pub const RESTART_STRATEGY: Setting<RestartStrategy> = Setting::flink(
    "restart.strategy",
    "restart-strategy.type",
    RestartStrategy::ExponentialDelay {
        initial: EXPONENTIAL_INITIAL_BACKOFF.value,
        max: EXPONENTIAL_MAX_BACKOFF.value,
        multiplier: EXPONENTIAL_BACKOFF_MULTIPLIER.value,
        reset_threshold: EXPONENTIAL_RESET_BACKOFF_THRESHOLD.value,
        jitter: EXPONENTIAL_JITTER_FACTOR.value,
        attempts: EXPONENTIAL_ATTEMPTS.value,
    },
);

// ---- [state] ----

/// Task-local recovery: a secondary copy of each snapshot on the TaskManager's disk,
/// read on a restart in the same TaskManager: off, as in Flink.
pub const LOCAL_RECOVERY: Setting<bool> = Setting::flink(
    "state.local-recovery",
    "execution.state-recovery.from-local",
    false,
);
/// Reading a local snapshot copy from the TaskManager's disk: 500 MB/s, ckptsim's
/// estimate for a local SSD (Flink publishes no figure).
pub const LOCAL_DISK_SPEED_BYTES_PER_S: Setting<u64> =
    Setting::model("state.local-disk-speed", 500_000_000);
/// The keyed state backend: the heap (HashMapStateBackend), as in Flink.
pub const STATE_BACKEND: Setting<StateBackendName> = Setting::flink(
    "state.backend",
    "state.backend.type",
    StateBackendName::HashMap,
);
/// Full checkpoints, as in Flink (formerly `state.backend.incremental`).
pub const INCREMENTAL: Setting<bool> = Setting::flink(
    "state.incremental",
    "execution.checkpointing.incremental",
    false,
);
/// The changelog state backend: off.
pub const CHANGELOG: Setting<bool> =
    Setting::flink("state.changelog", "state.changelog.enabled", false);
/// Time between materialisations: 10 min.
pub const CHANGELOG_MATERIALIZE_INTERVAL: Setting<SimDuration> = Setting::flink(
    "state.changelog-materialize-interval",
    "state.changelog.periodic-materialize.interval",
    secs(600),
);
/// The changelog writer's batching delay: 10 ms.
pub const CHANGELOG_PERSIST_DELAY: Setting<SimDuration> = Setting::flink(
    "state.changelog-persist-delay",
    "state.changelog.dstl.dfs.batch.persist-delay",
    ms(10),
);
/// Applying the changelog on restore, per subtask: ckptsim's estimate (each change is
/// deserialised and applied to the backend one by one; no Flink figure exists).
pub const CHANGELOG_REPLAY_SPEED_BYTES_PER_S: Setting<u64> =
    Setting::model("state.changelog-replay-speed", 50_000_000);
/// RocksDB's memtable: 64 MB, Flink's default.
pub const ROCKSDB_WRITEBUFFER_SIZE_BYTES: Setting<u64> = Setting::flink(
    "state.rocksdb-writebuffer-size",
    "state.backend.rocksdb.writebuffer.size",
    64 << 20,
);
/// RocksDB's SST file size: 64 MB, Flink's default.
pub const ROCKSDB_TARGET_FILE_SIZE_BYTES: Setting<u64> = Setting::flink(
    "state.rocksdb-target-file-size",
    "state.backend.rocksdb.compaction.level.target-file-size-base",
    64 << 20,
);
/// A full RocksDB snapshot iterates over every entry and writes it to the checkpoint
/// stream: 100 MB/s per subtask, ckptsim's estimate (Flink publishes no figure).
pub const ROCKSDB_ITERATE_SPEED_BYTES_PER_S: Setting<u64> =
    Setting::model("state.rocksdb-iterate-speed", 100_000_000);
/// A full RocksDB restore re-inserts every entry through write batches: 50 MB/s per
/// subtask, ckptsim's estimate (slower than the heap's deserialisation; no Flink figure).
pub const ROCKSDB_INSERT_SPEED_BYTES_PER_S: Setting<u64> =
    Setting::model("state.rocksdb-insert-speed", 50_000_000);
/// Opening a restored database reads each SST file's footer, index and filter
/// blocks: 5 ms per file, ckptsim's estimate.
pub const ROCKSDB_FILE_OPEN: Setting<SimDuration> =
    Setting::model("state.rocksdb-file-open", ms(5));
/// New SST bytes per byte of state changed since the last checkpoint: 1 (the flush
/// writes each changed key once), ckptsim's estimate.
pub const ROCKSDB_WRITE_AMPLIFICATION: Setting<f64> =
    Setting::model("state.rocksdb-write-amplification", 1.0);
/// A compaction runs once 4 memtable flushes (level-0 files) have piled up: RocksDB's
/// `level0_file_num_compaction_trigger` default (no Flink option).
pub const ROCKSDB_COMPACTION_TRIGGER: Setting<u32> =
    Setting::model("state.rocksdb-compaction-trigger", 4);
/// Each compaction rewrites a quarter of the state into new files: ckptsim's
/// estimate (RocksDB's share depends on the level sizes; with uniform keys a
/// level-0 compaction rewrites all of level 1, up to 256 MB).
pub const ROCKSDB_COMPACTION_SHARE: Setting<f64> =
    Setting::model("state.rocksdb-compaction-share", 0.25);

// ---- [recovery], [faults] and [output]: ckptsim's model, no Flink options ----

/// From a task's exception to the JobManager handling it.
pub const FAILURE_REPORT_DELAY: Setting<SimDuration> =
    Setting::model("recovery.failure-report-delay", ms(10));
/// From a TaskManager's death to its peers noticing the broken connections.
pub const CONNECTION_LOSS_DETECTION: Setting<SimDuration> =
    Setting::model("recovery.connection-loss-detection", ms(200));
/// From the failover decision to the tasks cancelled.
pub const CANCEL: Setting<SimDuration> = Setting::model("recovery.cancel", ms(100));
/// Slot assignment and deployment per restart.
pub const DEPLOY: Setting<SimDuration> = Setting::model("recovery.deploy", ms(500));
/// Relative spread of each task's deployment time (drawn from the seed).
pub const DEPLOY_SPREAD: Setting<f64> = Setting::model("recovery.deploy-spread", 0.2);
/// A failure has caught up once the source lag is within this many records of its
/// level when the failure struck.
pub const CAUGHT_UP_LAG_RECORDS: Setting<u64> = Setting::model("recovery.caught-up-lag", 100);
/// Inter-failure times of a stochastic fault generator: exponential (memoryless).
pub const FAILURE_DISTRIBUTION: Setting<FailureDistribution> = Setting::model(
    "faults.stochastic[i].<kind>.distribution",
    FailureDistribution::Exponential,
);
/// Period of the time series.
pub const SAMPLE_PERIOD: Setting<SimDuration> = Setting::model("output.sample-period", secs(1));

// ---- Flink's limits ----

/// Shortest checkpoint interval Flink accepts (CheckpointCoordinator's `MINIMAL_CHECKPOINT_TIME`).
pub const MIN_CHECKPOINT_INTERVAL: SimDuration = ms(10);
/// Largest max-parallelism (KeyGroupRangeAssignment's `UPPER_BOUND_MAX_PARALLELISM`, 2^15).
pub const UPPER_MAX_PARALLELISM: u32 = 32_768;

// ---- Flink's defaults the simulator uses that no scenario key sets ----

/// `state.storage.fs.memory-threshold`: state up to 20 KiB travels inline with the
/// acknowledgement instead of as a file (the checkpoint room's `INLINE_STATE_BYTES`).
pub const MEMORY_THRESHOLD_BYTES: u64 = 20 * 1024;

#[cfg(test)]
#[path = "defaults_tests.rs"]
mod tests;
