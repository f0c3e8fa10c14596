//! The scenario file as written: serde structs that mirror the TOML layout.
//!
//! Every key is optional here (`Option`), so validation can tell an absent
//! key (take Flink's default, or report a missing required key) from a
//! present but bad one (always an error). Counts are read as `i64` so that
//! validation, not serde, explains a zero or negative value. Unknown keys are
//! rejected (`deny_unknown_fields`). No defaults and no checks live here.

use super::units::{Bandwidth, ByteSize};
use crate::time::SimDuration;
use serde::Deserialize;
use std::fmt;

pub use super::hints::fix;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawScenario {
    /// Scenario name.
    pub name: Option<String>,
    /// Run seed.
    pub seed: Option<i64>,
    /// Failover strategy.
    pub failover: Option<RawFailover>,
    /// `[job]`.
    #[serde(default)]
    pub job: RawJob,
    /// `[checkpoint]`.
    #[serde(default)]
    pub checkpoint: RawCheckpoint,
    /// `[storage]`.
    #[serde(default)]
    pub storage: RawStorage,
    /// `[network]`.
    #[serde(default)]
    pub network: RawNetwork,
    /// `[cluster]`.
    #[serde(default)]
    pub cluster: RawCluster,
    /// `[heartbeat]`.
    #[serde(default)]
    pub heartbeat: RawHeartbeat,
    /// `[restart]`.
    #[serde(default)]
    pub restart: RawRestart,
    /// `[state]`.
    #[serde(default)]
    pub state: RawStateBackend,
    /// `[recovery]`.
    #[serde(default)]
    pub recovery: RawRecovery,
    /// `[faults]`.
    #[serde(default)]
    pub faults: RawFaults,
    /// `[output]`.
    #[serde(default)]
    pub output: RawOutput,
    /// `[sweep]`: `seeds` plus dotted keys mapped to lists of values (checked in validation).
    pub sweep: Option<toml::Table>,
}

/// `failover = "region" | "full"`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawFailover {
    /// Restart the failed task's pipelined region.
    Region,
    /// Restart every task.
    Full,
}

/// `[job]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawJob {
    /// How long the log grows.
    pub duration: Option<SimDuration>,
    /// Longest drain after `duration`.
    pub drain_timeout: Option<SimDuration>,
    /// Number of key groups.
    pub max_parallelism: Option<i64>,
    /// `[[job.source]]`.
    #[serde(default)]
    pub source: Vec<RawSource>,
    /// `[[job.operator]]`.
    #[serde(default)]
    pub operator: Vec<RawOperator>,
    /// `[[job.sink]]`.
    #[serde(default)]
    pub sink: Vec<RawSink>,
    /// `[[job.edge]]`.
    #[serde(default)]
    pub edge: Vec<RawEdge>,
}

/// `[[job.source]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSource {
    /// Vertex name.
    pub name: Option<String>,
    /// Subtasks.
    pub parallelism: Option<i64>,
    /// Log partitions.
    pub partitions: Option<i64>,
    /// Append rate.
    pub rate: Option<RawRate>,
    /// Bytes per record.
    pub record_bytes: Option<ByteSize>,
    /// Records/s per subtask.
    pub capacity: Option<i64>,
}

/// `rate = 40000` or `rate = [{ at = "0s", rate = 1000 }, ...]`.
#[derive(Debug)]
pub enum RawRate {
    /// Records/s throughout.
    Constant(i64),
    /// Piecewise-constant steps.
    Steps(Vec<RawStep>),
}

/// One step of a rate profile.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawStep {
    /// When the step starts.
    pub at: Option<SimDuration>,
    /// Records/s from then on.
    pub rate: Option<i64>,
}

impl<'de> Deserialize<'de> for RawRate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawRate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(
                    f,
                    "a rate: an integer number of records/s such as 40000, or an array of steps such as [{{ at = \"0s\", rate = 1000 }}, {{ at = \"5min\", rate = 3000 }}]"
                )
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawRate, E> {
                Ok(RawRate::Constant(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawRate, E> {
                Ok(RawRate::Constant(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<RawRate, A::Error> {
                let mut steps = Vec::new();
                while let Some(step) = seq.next_element()? {
                    steps.push(step);
                }
                Ok(RawRate::Steps(steps))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[[job.operator]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawOperator {
    /// Vertex name.
    pub name: Option<String>,
    /// Subtasks.
    pub parallelism: Option<i64>,
    /// Records/s per subtask.
    pub capacity: Option<i64>,
    /// Output records per input record.
    pub output_ratio: Option<f64>,
    /// Keyed state.
    pub state: Option<RawState>,
}

/// `state = { keys = N, bytes-per-key = B }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawState {
    /// Distinct keys.
    pub keys: Option<i64>,
    /// Bytes per key.
    pub bytes_per_key: Option<ByteSize>,
}

/// `[[job.sink]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSink {
    /// Vertex name.
    pub name: Option<String>,
    /// Subtasks.
    pub parallelism: Option<i64>,
    /// Records/s per subtask.
    pub capacity: Option<i64>,
    /// Delivery guarantee.
    pub kind: Option<RawSinkKind>,
}

/// `kind = "two-phase-commit" | "at-least-once"`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawSinkKind {
    /// Transactional sink.
    TwoPhaseCommit,
    /// Immediate writes.
    AtLeastOnce,
}

/// `[[job.edge]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawEdge {
    /// Upstream vertex name.
    pub from: Option<String>,
    /// Downstream vertex name.
    pub to: Option<String>,
    /// Ship strategy.
    pub partitioning: Option<RawPartitioning>,
}

/// `partitioning = "forward" | "hash" | "rebalance"`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawPartitioning {
    /// Subtask i to subtask i.
    Forward,
    /// By key group.
    Hash,
    /// Round-robin.
    Rebalance,
}

/// `[checkpoint]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCheckpoint {
    /// Trigger interval.
    pub interval: Option<SimDuration>,
    /// Trigger interval while a source processes backlog (FLIP-309); 0: none.
    pub interval_during_backlog: Option<SimDuration>,
    /// Expiry of a pending checkpoint.
    pub timeout: Option<SimDuration>,
    /// Pause between checkpoints.
    pub min_pause: Option<SimDuration>,
    /// Concurrent checkpoints.
    pub max_concurrent: Option<i64>,
    /// Tolerated consecutive failures.
    pub tolerable_failed: Option<i64>,
    /// Barrier mode.
    pub mode: Option<RawMode>,
    /// Unaligned checkpoints (Flink's `execution.checkpointing.unaligned.enabled`).
    pub unaligned: Option<bool>,
    /// Start aligned, switch to unaligned past this start delay.
    pub aligned_timeout: Option<SimDuration>,
    /// First trigger rule.
    pub first_trigger: Option<RawFirstTrigger>,
    /// Fixed synchronous snapshot time.
    pub sync_base: Option<SimDuration>,
    /// Synchronous snapshot speed.
    pub sync_speed: Option<Bandwidth>,
    /// Metadata written on completion.
    pub metadata_bytes: Option<ByteSize>,
    /// Fixed cost of writing one subtask's snapshot (stream, file, handle).
    pub snapshot_setup: Option<SimDuration>,
    /// Speed of rebuilding the state backend from downloaded state, per subtask.
    pub restore_speed: Option<Bandwidth>,
}

/// `mode = "exactly-once" | "at-least-once"`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawMode {
    /// Aligned barriers.
    ExactlyOnce,
    /// Barrier tracking without blocking.
    AtLeastOnce,
}

/// `first-trigger = "on-running" | "random-delay"`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawFirstTrigger {
    /// As observed on Flink 2.3.
    OnRunning,
    /// Random initial delay.
    RandomDelay,
}

/// `[storage]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawStorage {
    /// Per-request latency.
    pub latency: Option<SimDuration>,
    /// Aggregate bandwidth.
    pub bandwidth: Option<Bandwidth>,
    /// Per-transfer cap.
    pub client_bandwidth: Option<Bandwidth>,
}

/// `[network]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawNetwork {
    /// Buffer size.
    pub buffer_size: Option<ByteSize>,
    /// Flush timeout.
    pub buffer_timeout: Option<SimDuration>,
    /// Exclusive buffers per channel.
    pub exclusive_buffers: Option<i64>,
    /// Floating buffers per gate.
    pub floating_buffers: Option<i64>,
    /// Output queue bound per subpartition.
    pub max_buffers_per_channel: Option<i64>,
    /// One-way latency.
    pub latency: Option<SimDuration>,
    /// Channel bandwidth.
    pub bandwidth: Option<Bandwidth>,
    /// Buffer debloating on or off.
    pub buffer_debloat: Option<bool>,
    /// Time in which a gate's in-flight data should be consumed.
    pub buffer_debloat_target: Option<SimDuration>,
    /// Time between two recalculations of the buffer size.
    pub buffer_debloat_period: Option<SimDuration>,
    /// Samples the buffer size's moving average spans.
    pub buffer_debloat_samples: Option<i64>,
    /// Least change of the buffer size, in percent, that is announced.
    pub buffer_debloat_threshold_percentages: Option<i64>,
    /// Smallest debloated buffer size.
    pub min_segment_size: Option<ByteSize>,
    /// Buffer size a debloated channel starts with.
    pub starting_segment_size: Option<ByteSize>,
}

/// `[cluster]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCluster {
    /// TaskManagers.
    pub taskmanagers: Option<i64>,
    /// Slots per TaskManager.
    pub slots_per_taskmanager: Option<i64>,
    /// Active or standalone deployment.
    pub resource_manager: Option<RawResourceManager>,
    /// New TaskManager start time.
    pub taskmanager_startup: Option<SimDuration>,
    /// Slot request timeout.
    pub slot_request_timeout: Option<SimDuration>,
    /// RPC latency.
    pub rpc_latency: Option<SimDuration>,
}

/// `resource-manager = "active" | "standalone"`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawResourceManager {
    /// Starts TaskManagers on demand.
    Active,
    /// A fixed set of TaskManagers.
    Standalone,
}

/// `[heartbeat]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawHeartbeat {
    /// Heartbeat interval.
    pub interval: Option<SimDuration>,
    /// Heartbeat timeout.
    pub timeout: Option<SimDuration>,
    /// Failed RPCs before a TaskManager is lost.
    pub rpc_failure_threshold: Option<i64>,
    /// When the heartbeat requests to every TaskManager fall, modulo the interval.
    pub phase: Option<SimDuration>,
}

/// `[restart]`: the union of every strategy's keys; validation checks which belong.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRestart {
    /// Strategy type.
    pub strategy: Option<RawRestartKind>,
    /// fixed-delay, exponential-delay: restart attempts.
    pub attempts: Option<i64>,
    /// fixed-delay, failure-rate: delay per restart.
    pub delay: Option<SimDuration>,
    /// exponential-delay.
    pub initial_backoff: Option<SimDuration>,
    /// exponential-delay.
    pub max_backoff: Option<SimDuration>,
    /// exponential-delay.
    pub backoff_multiplier: Option<f64>,
    /// exponential-delay.
    pub reset_backoff_threshold: Option<SimDuration>,
    /// exponential-delay.
    pub jitter_factor: Option<f64>,
    /// failure-rate.
    pub max_failures_per_interval: Option<i64>,
    /// failure-rate.
    pub failure_rate_interval: Option<SimDuration>,
}

/// `strategy = "fixed-delay" | "exponential-delay" | "failure-rate" | "none"`, with
/// Flink's aliases for `restart-strategy.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawRestartKind {
    /// Fixed delay (also `fixeddelay`).
    #[serde(alias = "fixeddelay")]
    FixedDelay,
    /// Exponential delay (also `exponentialdelay`).
    #[serde(alias = "exponentialdelay")]
    ExponentialDelay,
    /// Failure rate (also `failurerate`).
    #[serde(alias = "failurerate")]
    FailureRate,
    /// No restart (also `off`, `disable`).
    #[serde(alias = "off", alias = "disable")]
    None,
}

/// `[state]`: the state backend's options.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawStateBackend {
    /// Task-local recovery.
    pub local_recovery: Option<bool>,
    /// Reading a local snapshot copy.
    pub local_disk_speed: Option<Bandwidth>,
    /// The keyed state backend (Flink's `state.backend.type`).
    pub backend: Option<RawBackend>,
    /// Incremental checkpoints (Flink's `execution.checkpointing.incremental`).
    pub incremental: Option<bool>,
    /// RocksDB memtable size (Flink's `state.backend.rocksdb.writebuffer.size`).
    pub rocksdb_writebuffer_size: Option<ByteSize>,
    /// RocksDB SST file size (`state.backend.rocksdb.compaction.level.target-file-size-base`).
    pub rocksdb_target_file_size: Option<ByteSize>,
    /// A full RocksDB snapshot's iteration rate.
    pub rocksdb_iterate_speed: Option<Bandwidth>,
    /// A full RocksDB restore's insertion rate.
    pub rocksdb_insert_speed: Option<Bandwidth>,
    /// Opening one SST file.
    pub rocksdb_file_open: Option<SimDuration>,
    /// New SST bytes per changed state byte.
    pub rocksdb_write_amplification: Option<f64>,
    /// Flushes that trigger a compaction.
    pub rocksdb_compaction_trigger: Option<i64>,
    /// Share of the state a compaction rewrites.
    pub rocksdb_compaction_share: Option<f64>,
    /// The changelog state backend (Flink's `state.changelog.enabled`).
    pub changelog: Option<bool>,
    /// Time between materialisations.
    pub changelog_materialize_interval: Option<SimDuration>,
    /// Time the changelog writer batches changes before it uploads them.
    pub changelog_persist_delay: Option<SimDuration>,
    /// Applying the changelog on restore.
    pub changelog_replay_speed: Option<Bandwidth>,
}

/// `backend = "hashmap" | "rocksdb"` (Flink's shortcut names).
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawBackend {
    /// HashMapStateBackend.
    Hashmap,
    /// EmbeddedRocksDBStateBackend.
    Rocksdb,
}

/// `[recovery]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRecovery {
    /// Exception to JobManager.
    pub failure_report_delay: Option<SimDuration>,
    /// Peers noticing a dead TaskManager.
    pub connection_loss_detection: Option<SimDuration>,
    /// Cancelling tasks.
    pub cancel: Option<SimDuration>,
    /// Deploying tasks.
    pub deploy: Option<SimDuration>,
    /// Relative spread of the deployment time of each task.
    pub deploy_spread: Option<f64>,
    /// Source lag (records) above the pre-failure level that still counts as caught up.
    pub caught_up_lag: Option<i64>,
}

/// `[faults]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawFaults {
    /// `[[faults.scripted]]`.
    #[serde(default)]
    pub scripted: Vec<RawScripted>,
    /// `[[faults.stochastic]]`.
    #[serde(default)]
    pub stochastic: Vec<RawStochastic>,
}

/// `[[faults.scripted]]`: `at` plus exactly one fault kind.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawScripted {
    /// When it strikes.
    pub at: Option<SimDuration>,
    /// `task-failure = { task = "name", subtask = 0 }`.
    pub task_failure: Option<RawTaskFailure>,
    /// `taskmanager-loss = { taskmanager = 1 }`.
    pub taskmanager_loss: Option<RawTaskManagerLoss>,
}

/// A scripted task failure.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawTaskFailure {
    /// Vertex name.
    pub task: Option<String>,
    /// Subtask index.
    pub subtask: Option<i64>,
    /// With `offset`: fail when processing this global partition's record at `offset` or later.
    pub partition: Option<i64>,
    /// With `partition`: the offset of the record that makes the subtask fail.
    pub offset: Option<i64>,
}

/// A scripted TaskManager loss.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawTaskManagerLoss {
    /// TaskManager index.
    pub taskmanager: Option<i64>,
}

/// `[[faults.stochastic]]`: exactly one generator kind.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawStochastic {
    /// Per-subtask failures.
    pub task_failure: Option<RawGenerator>,
    /// Per-TaskManager losses.
    pub taskmanager_loss: Option<RawGenerator>,
}

/// `{ mtbf = "1h", distribution = "weibull", shape = 0.7 }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawGenerator {
    /// Mean time between failures of one domain.
    pub mtbf: Option<SimDuration>,
    /// Inter-failure distribution.
    pub distribution: Option<RawDistribution>,
    /// Weibull shape.
    pub shape: Option<f64>,
}

/// `distribution = "exponential" | "weibull"`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawDistribution {
    /// Memoryless.
    Exponential,
    /// Weibull with a shape.
    Weibull,
}

/// `[output]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawOutput {
    /// Time-series period.
    pub sample_period: Option<SimDuration>,
}
