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

/// `strategy = "fixed-delay" | "exponential-delay" | "failure-rate" | "none"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawRestartKind {
    /// Fixed delay.
    FixedDelay,
    /// Exponential delay.
    ExponentialDelay,
    /// Failure rate.
    FailureRate,
    /// No restart.
    None,
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

/// What a key means and an example line, for "how to fix" hints. `key` is a
/// dotted path; array indices are ignored (`job.source[0].rate` → `job.source.rate`).
#[rustfmt::skip]
pub fn hint(key: &str) -> Option<(&'static str, &'static str)> {
    let mut path = String::with_capacity(key.len());
    let mut in_index = false;
    for c in key.chars() {
        match c {
            '[' => in_index = true,
            ']' => in_index = false,
            c if !in_index => path.push(c),
            _ => {}
        }
    }
    Some(match path.as_str() {
        "name" => ("a name for the output folder", "name = \"quickstart\""),
        "seed" => ("an integer from 0 up", "seed = 42"),
        "failover" => ("region or full", "failover = \"region\""),
        "job.duration" => ("how long the log keeps growing", "duration = \"10min\""),
        "job.drain-timeout" => ("the longest drain after duration", "drain-timeout = \"10min\""),
        "job.max-parallelism" => ("the number of key groups", "max-parallelism = 128"),
        "job.source.name" | "job.operator.name" | "job.sink.name" => ("a unique vertex name", "name = \"aggregate\""),
        "job.source.parallelism" | "job.operator.parallelism" | "job.sink.parallelism" => ("the number of parallel subtasks", "parallelism = 4"),
        "job.source.capacity" | "job.operator.capacity" | "job.sink.capacity" => ("the records/s one subtask can process", "capacity = 25000"),
        "job.source.partitions" => ("the number of log partitions", "partitions = 8"),
        "job.source.rate" => ("the records/s appended over all partitions", "rate = 40000"),
        "job.source.rate.at" => ("the time the step starts", "at = \"5min\""),
        "job.source.rate.rate" => ("the records/s from then on", "rate = 3000"),
        "job.source.record-bytes" => ("the bytes per record", "record-bytes = 200"),
        "job.operator.output-ratio" => ("output records per input record", "output-ratio = 0.2"),
        "job.operator.state" => ("the keyed state", "state = { keys = 2000000, bytes-per-key = 64 }"),
        "job.operator.state.keys" => ("the number of distinct keys", "keys = 2000000"),
        "job.operator.state.bytes-per-key" => ("the state bytes per key", "bytes-per-key = 64"),
        "job.sink.kind" => ("two-phase-commit or at-least-once", "kind = \"two-phase-commit\""),
        "job.edge.from" => ("the upstream vertex's name", "from = \"orders\""),
        "job.edge.to" => ("the downstream vertex's name", "to = \"aggregate\""),
        "job.edge.partitioning" => ("forward, hash or rebalance", "partitioning = \"hash\""),
        "checkpoint.interval" => ("the time between checkpoint triggers", "interval = \"10s\""),
        "checkpoint.timeout" => ("the age at which a checkpoint expires", "timeout = \"10min\""),
        "checkpoint.min-pause" => ("the pause between checkpoints", "min-pause = \"0s\""),
        "checkpoint.max-concurrent" => ("the checkpoints pending at once", "max-concurrent = 1"),
        "checkpoint.tolerable-failed" => ("the failures tolerated in a row", "tolerable-failed = 0"),
        "checkpoint.mode" => ("exactly-once or at-least-once", "mode = \"exactly-once\""),
        "checkpoint.first-trigger" => ("on-running or random-delay", "first-trigger = \"on-running\""),
        "checkpoint.sync-base" => ("the fixed synchronous snapshot time", "sync-base = \"1ms\""),
        "checkpoint.sync-speed" => ("the synchronous snapshot speed", "sync-speed = \"2GB/s\""),
        "checkpoint.restore-speed" => ("the speed of rebuilding a subtask's state backend from downloaded state", "restore-speed = \"200MB/s\""),
        "checkpoint.metadata-bytes" => ("the checkpoint metadata size", "metadata-bytes = \"4KiB\""),
        "checkpoint.snapshot-setup" => ("the fixed time to open one subtask's snapshot file, apart from the storage latency", "snapshot-setup = \"5ms\""),
        "storage.latency" => ("the latency of one storage request", "latency = \"20ms\""),
        "storage.bandwidth" => ("the storage bandwidth shared by uploads", "bandwidth = \"200MB/s\""),
        "storage.client-bandwidth" => ("the cap per transfer", "client-bandwidth = \"50MB/s\""),
        "network.buffer-size" => ("the network buffer size", "buffer-size = \"32KiB\""),
        "network.buffer-timeout" => ("the flush timeout of a buffer", "buffer-timeout = \"100ms\""),
        "network.exclusive-buffers" => ("the buffers per input channel", "exclusive-buffers = 2"),
        "network.floating-buffers" => ("the shared buffers per input gate", "floating-buffers = 8"),
        "network.max-buffers-per-channel" => ("the output buffers per subpartition", "max-buffers-per-channel = 10"),
        "network.latency" => ("the one-way latency between TaskManagers", "latency = \"1ms\""),
        "network.bandwidth" => ("the bandwidth of one channel", "bandwidth = \"1Gbit/s\""),
        "cluster.taskmanagers" => ("the number of TaskManagers", "taskmanagers = 2"),
        "cluster.slots-per-taskmanager" => ("the slots of one TaskManager", "slots-per-taskmanager = 2"),
        "cluster.resource-manager" => ("active (Kubernetes/YARN: new TaskManagers on demand) or standalone (a fixed set)", "resource-manager = \"active\""),
        "cluster.taskmanager-startup" => ("the start time of a new TaskManager", "taskmanager-startup = \"10s\""),
        "cluster.slot-request-timeout" => ("how long a slot request may wait before it fails (slot.request.timeout)", "slot-request-timeout = \"5min\""),
        "cluster.rpc-latency" => ("the one-way RPC latency", "rpc-latency = \"1ms\""),
        "heartbeat.interval" => ("the time between heartbeats", "interval = \"10s\""),
        "heartbeat.timeout" => ("the silence that declares a TaskManager lost", "timeout = \"50s\""),
        "heartbeat.phase" => ("when the heartbeat requests fall, modulo the interval (default: drawn from the seed)", "phase = \"3s\""),
        "heartbeat.rpc-failure-threshold" => ("the failed heartbeat RPCs in a row that declare a TaskManager lost", "rpc-failure-threshold = 2"),
        "restart.strategy" => ("the restart strategy", "strategy = \"fixed-delay\""),
        "restart.attempts" => ("the restarts allowed before the job fails", "attempts = 10"),
        "restart.delay" => ("the delay before each restart", "delay = \"3s\""),
        "restart.initial-backoff" => ("the first backoff", "initial-backoff = \"1s\""),
        "restart.max-backoff" => ("the largest backoff", "max-backoff = \"1min\""),
        "restart.backoff-multiplier" => ("the backoff growth per failure", "backoff-multiplier = 1.5"),
        "restart.reset-backoff-threshold" => ("the quiet time that resets the backoff", "reset-backoff-threshold = \"1h\""),
        "restart.jitter-factor" => ("the relative jitter of the delay", "jitter-factor = 0.1"),
        "restart.max-failures-per-interval" => ("the failures allowed per interval", "max-failures-per-interval = 3"),
        "restart.failure-rate-interval" => ("the window for counting failures", "failure-rate-interval = \"1min\""),
        "recovery.failure-report-delay" | "recovery.connection-loss-detection" | "recovery.cancel" | "recovery.deploy" => ("a duration", "deploy = \"500ms\""),
        "recovery.deploy-spread" => ("the relative spread of each task's deployment time, from 0 (all equal) to below 1", "deploy-spread = 0.2"),
        "recovery.caught-up-lag" => ("the source lag in records above its pre-failure level that still counts as caught up", "caught-up-lag = 100"),
        "faults.scripted.at" => ("the time the fault strikes", "at = \"3min\""),
        "faults.scripted.task-failure" => ("the failing subtask", "task-failure = { task = \"aggregate\", subtask = 0 }"),
        "faults.scripted.task-failure.task" => ("the name of a vertex", "task = \"aggregate\""),
        "faults.scripted.task-failure.subtask" => ("a subtask index from 0", "subtask = 0"),
        "faults.scripted.taskmanager-loss" => ("the lost TaskManager", "taskmanager-loss = { taskmanager = 1 }"),
        "faults.scripted.taskmanager-loss.taskmanager" => ("a TaskManager index from 0", "taskmanager = 1"),
        "faults.stochastic.task-failure" | "faults.stochastic.taskmanager-loss" => ("the failure generator", "taskmanager-loss = { mtbf = \"30min\" }"),
        "faults.stochastic.task-failure.mtbf" | "faults.stochastic.taskmanager-loss.mtbf" => ("the mean time between failures of one failure domain", "mtbf = \"1h\""),
        "faults.stochastic.task-failure.distribution" | "faults.stochastic.taskmanager-loss.distribution" => ("exponential or weibull", "distribution = \"weibull\""),
        "faults.stochastic.task-failure.shape" | "faults.stochastic.taskmanager-loss.shape" => ("the Weibull shape (< 1: infant mortality, > 1: wear-out)", "shape = 0.7"),
        "output.sample-period" => ("the period of the time series", "sample-period = \"1s\""),
        _ => return None,
    })
}

/// "set it to <meaning>, e.g. <example>" for `key`, if the key is known.
pub fn fix(key: &str) -> Option<String> {
    hint(key).map(|(what, eg)| format!("set it to {what}, e.g. {eg}"))
}
