//! The typed, validated scenario: what the simulator reads.
//!
//! Every value here has passed validation (`scenario::validate`), so the
//! simulator never checks user input. Names follow Flink's configuration
//! (`execution.checkpointing.*`, `restart-strategy.*`, `heartbeat.*`, ...).

use crate::time::{SimDuration, SimTime};
use serde::Serialize;

/// A whole validated scenario: job, settings, faults and seed.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Scenario name (default: the file stem); names the output folder.
    pub name: String,
    /// Run seed from which every random stream is derived.
    pub seed: u64,
    /// The job graph and its workload.
    pub job: JobSpec,
    /// Checkpoint coordinator and barrier settings.
    pub checkpoint: CheckpointConfig,
    /// Checkpoint storage (object store / DFS) model.
    pub storage: StorageConfig,
    /// Network stack between subtasks: buffers, credit, latency, bandwidth.
    pub network: NetworkConfig,
    /// TaskManagers, slots and RPC latency.
    pub cluster: ClusterConfig,
    /// Heartbeats between JobManager and TaskManagers.
    pub heartbeat: HeartbeatConfig,
    /// Restart strategy applied on every failover.
    pub restart: RestartStrategy,
    /// Which tasks restart on a failure.
    pub failover: FailoverStrategy,
    /// The state backend's options (task-local recovery).
    pub state: StateConfig,
    /// Durations of the recovery steps that are not derived from other settings.
    pub recovery: RecoveryConfig,
    /// Scripted and stochastic faults.
    pub faults: FaultSpec,
    /// Sampling of the time series.
    pub output: OutputConfig,
    /// The parameter grid of `ckptsim sweep`, if the file has a `[sweep]` table.
    pub sweep: Option<SweepSpec>,
}

/// A sweep grid: seeds per point, named variants, and scenario keys with the values they take.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSpec {
    /// Runs per grid point, with seeds `seed`, `seed + 1`, ... (the same at every point).
    pub seeds: u32,
    /// (dotted key, values as `--set` text), in key order; the grid is their product.
    pub axes: Vec<(String, Vec<String>)>,
    /// `[[sweep.variant]]` entries in file order (empty: no variant axis); the
    /// outermost axis of the grid when present.
    pub variants: Vec<SweepVariant>,
}

/// One `[[sweep.variant]]`: a name and the `--set` overrides that make it.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepVariant {
    /// The name written in the `variant` column of runs.csv and aggregate.csv.
    pub name: String,
    /// `KEY=VALUE` overrides, applied in order (may be empty: the scenario as written).
    pub sets: Vec<String>,
}

/// The job graph: vertices in topological order and the edges between them.
#[derive(Clone, Debug, PartialEq)]
pub struct JobSpec {
    /// How long the sources' log keeps growing; then the job drains and stops.
    pub duration: SimDuration,
    /// Longest time after `duration` the job may take to drain before the run ends unfinished.
    pub drain_timeout: SimDuration,
    /// Number of key groups (Flink's max parallelism).
    pub max_parallelism: u32,
    /// Vertices, sources first, every edge pointing to a later index.
    pub vertices: Vec<VertexSpec>,
    /// Edges by vertex index.
    pub edges: Vec<EdgeSpec>,
}

/// One vertex (Flink: a JobVertex / operator chain) of the job graph.
#[derive(Clone, Debug, PartialEq)]
pub struct VertexSpec {
    /// Unique name, used by fault targets ("aggregate").
    pub name: String,
    /// Number of parallel subtasks (>= 1).
    pub parallelism: u32,
    /// Records per second one subtask can process (sets the per-record cost).
    pub capacity_records_per_s: u64,
    /// What the vertex does.
    pub kind: VertexKind,
}

/// The role of a vertex.
#[derive(Clone, Debug, PartialEq)]
pub enum VertexKind {
    /// Reads partitions of a replayable log (Kafka-like).
    Source(SourceSpec),
    /// Processes records, optionally with keyed state.
    Operator(OperatorSpec),
    /// Writes results to an external system.
    Sink(SinkSpec),
}

/// A source over a partitioned, replayable log.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceSpec {
    /// Number of log partitions; partition p is read by subtask p % parallelism.
    pub partitions: u32,
    /// Append rate over all partitions, split evenly between them.
    pub rate: RateProfile,
    /// Bytes per record.
    pub record_bytes: u64,
}

/// How the log's append rate (records/s over all partitions) changes with time.
#[derive(Clone, Debug, PartialEq)]
pub enum RateProfile {
    /// The same rate throughout.
    Constant {
        /// Records per second over all partitions.
        records_per_s: u64,
    },
    /// Piecewise-constant rate: (from time, records per second), first at time zero, increasing times.
    Steps {
        /// The steps, sorted by time, the first at zero.
        steps: Vec<(SimTime, u64)>,
    },
}

/// A processing operator.
#[derive(Clone, Debug, PartialEq)]
pub struct OperatorSpec {
    /// Output records per input record (0.1 for an aggregate emitting every tenth).
    pub output_ratio: f64,
    /// Keyed state; `None` for a stateless operator.
    pub state: Option<KeyedStateSpec>,
}

/// Keyed state whose size grows with the distinct keys seen.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyedStateSpec {
    /// Distinct keys over the whole key space (spread evenly over key groups).
    pub keys: u64,
    /// State bytes per key once seen.
    pub bytes_per_key: u64,
}

/// A sink vertex.
#[derive(Clone, Debug, PartialEq)]
pub struct SinkSpec {
    /// Delivery guarantee of the sink.
    pub kind: SinkKind,
}

/// Sink delivery semantics (Flink's DeliveryGuarantee).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SinkKind {
    /// Stage per checkpoint, pre-commit on snapshot, commit on notify-complete, abort on failure.
    TwoPhaseCommit,
    /// Write at once; replays duplicate.
    AtLeastOnce,
}

/// An edge between two vertices.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeSpec {
    /// Upstream vertex index.
    pub from: usize,
    /// Downstream vertex index.
    pub to: usize,
    /// How records are routed to downstream subtasks.
    pub partitioning: Partitioning,
}

/// Flink's ship strategies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Partitioning {
    /// Subtask i sends to subtask i (equal parallelism).
    Forward,
    /// keyBy: by key group, downstream index = key_group * parallelism / max_parallelism.
    Hash,
    /// Round-robin over downstream subtasks.
    Rebalance,
}

/// Checkpointing mode (Flink's CheckpointingMode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckpointMode {
    /// Aligned barriers: a channel blocks after its barrier until all inputs have it.
    ExactlyOnce,
    /// No blocking: snapshot once the barrier arrived on every input (barrier tracker).
    AtLeastOnce,
}

/// When the first checkpoint of a (re)started job is triggered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FirstTrigger {
    /// Flink 2.3 as observed: at once when all tasks run on a fresh start; one interval after running again after a restart.
    OnRunning,
    /// Flink's random initial delay, uniform in [min-pause, interval], after all tasks run.
    RandomDelay,
}

/// The trigger interval while any source is processing backlog
/// (`execution.checkpointing.interval-during-backlog`, FLIP-309).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BacklogInterval {
    /// Key absent: the same as the interval (Flink's default).
    SameAsInterval,
    /// Periodic triggers this far apart (at least the interval).
    Every(SimDuration),
    /// `0`: no periodic checkpoints while a source is processing backlog.
    Disabled,
}

/// Checkpoint coordinator settings (`execution.checkpointing.*`).
#[derive(Clone, Debug, PartialEq)]
pub struct CheckpointConfig {
    /// Base interval between checkpoint triggers.
    pub interval: SimDuration,
    /// Interval while any source is processing backlog.
    pub interval_during_backlog: BacklogInterval,
    /// A pending checkpoint older than this expires (default 10 min).
    pub timeout: SimDuration,
    /// Minimum time between the end of one checkpoint and the next trigger.
    pub min_pause: SimDuration,
    /// Maximum pending checkpoints at once (default 1).
    pub max_concurrent: u32,
    /// Consecutive failed checkpoints tolerated before the job fails over (default 0).
    pub tolerable_failed: u32,
    /// Aligned exactly-once or at-least-once barriers.
    pub mode: CheckpointMode,
    /// Unaligned checkpoints: the first barrier overtakes the buffered data, which
    /// is persisted with the checkpoint (exactly-once, max-concurrent 1 only).
    pub unaligned: bool,
    /// With `unaligned`: a checkpoint starts aligned and switches to unaligned at a
    /// task once its start delay there passes this (0: always unaligned).
    pub aligned_timeout: SimDuration,
    /// When the first checkpoint after (re)start fires.
    pub first_trigger: FirstTrigger,
    /// Fixed part of a task's synchronous snapshot phase.
    pub sync_base: SimDuration,
    /// Speed of the synchronous phase over the task's state (copy-on-write / flush), bytes/s.
    pub sync_bytes_per_s: u64,
    /// Bytes of checkpoint metadata written by the coordinator on completion.
    pub metadata_bytes: u64,
    /// Fixed cost of one subtask's snapshot upload (opening the stream, the file,
    /// the handle), paid before the storage request latency; not by inline state
    /// or the metadata write.
    pub snapshot_setup: SimDuration,
    /// Speed of rebuilding a subtask's state backend from downloaded state
    /// (deserialising every entry), bytes/s; separate from storage bandwidth.
    pub restore_bytes_per_s: u64,
}

/// Checkpoint storage (object store / DFS) model.
#[derive(Clone, Debug, PartialEq)]
pub struct StorageConfig {
    /// Per-request latency before the first byte moves.
    pub latency: SimDuration,
    /// Aggregate bandwidth shared equally by concurrent transfers, bytes/s.
    pub bandwidth_bytes_per_s: u64,
    /// Cap per transfer (one client), bytes/s; `None` means only the aggregate limits.
    pub client_bandwidth_bytes_per_s: Option<u64>,
}

/// Network stack settings (`taskmanager.network.*`).
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkConfig {
    /// Network buffer size (Flink: 32 KiB).
    pub buffer_bytes: u64,
    /// A partly filled buffer is flushed after this (Flink: 100 ms).
    pub buffer_timeout: SimDuration,
    /// Exclusive buffers per input channel (Flink: 2).
    pub exclusive_buffers: u32,
    /// Floating buffers per input gate (Flink: 8).
    pub floating_buffers: u32,
    /// Most buffers one output subpartition may queue before the producer blocks (Flink: 10).
    pub max_buffers_per_channel: u32,
    /// One-way latency between subtasks on different TaskManagers.
    pub latency: SimDuration,
    /// Bandwidth of one remote channel, bytes/s.
    pub bandwidth_bytes_per_s: u64,
    /// Buffer debloating (FLIP-183); `None` when off (Flink's default).
    pub buffer_debloat: Option<BufferDebloat>,
}

/// Buffer debloating settings (`taskmanager.network.memory.buffer-debloat.*`).
#[derive(Clone, Debug, PartialEq)]
pub struct BufferDebloat {
    /// Time in which a gate's in-flight data should be consumed (Flink: 1 s).
    pub target: SimDuration,
    /// Time between two recalculations at each subtask (Flink: 200 ms).
    pub period: SimDuration,
    /// Samples the moving average of the buffer size spans (Flink: 20).
    pub samples: u32,
    /// Least change, in percent of the last announced size, that is announced (Flink: 25).
    pub threshold_percentages: u32,
    /// Smallest buffer size, bytes (`taskmanager.memory.min-segment-size`, Flink: 256).
    pub min_segment_bytes: u64,
    /// Buffer size every channel starts with, bytes (`taskmanager.memory.starting-segment-size`, Flink: 1024).
    pub starting_segment_bytes: u64,
}

/// Which deployment provides the TaskManagers (Flink's resource manager).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceManager {
    /// Kubernetes or YARN native: a new TaskManager is started when the job needs slots it has not got.
    Active,
    /// A fixed set of TaskManagers: a lost one's slots are gone, none ever arrives.
    Standalone,
}

/// TaskManagers, slots and RPC latency.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterConfig {
    /// Number of TaskManagers at the start (spares included).
    pub taskmanagers: u32,
    /// Slots per TaskManager (`taskmanager.numberOfTaskSlots`).
    pub slots_per_taskmanager: u32,
    /// Who provides TaskManagers when the job lacks slots.
    pub resource_manager: ResourceManager,
    /// Time for a new TaskManager (active resource manager) to start and register after it is requested.
    pub taskmanager_startup: SimDuration,
    /// A slot request still unfulfilled after this fails (`slot.request.timeout`).
    pub slot_request_timeout: SimDuration,
    /// One-way latency of an RPC between JobManager and TaskManagers.
    pub rpc_latency: SimDuration,
}

/// Heartbeat settings (`heartbeat.*`).
#[derive(Clone, Debug, PartialEq)]
pub struct HeartbeatConfig {
    /// `heartbeat.interval` (10 s).
    pub interval: SimDuration,
    /// `heartbeat.timeout` (50 s): a silent TaskManager is declared lost after this.
    pub timeout: SimDuration,
    /// `heartbeat.rpc-failure-threshold` (2): consecutive failed heartbeat RPCs that declare a killed TaskManager lost.
    pub rpc_failure_threshold: u32,
    /// When the JobManager's heartbeat requests fall, modulo the interval (ckptsim's; default: drawn from the seed).
    pub phase: Option<SimDuration>,
}

/// Flink's restart strategies (`restart-strategy.type`).
#[derive(Clone, Debug, PartialEq)]
pub enum RestartStrategy {
    /// No restart: the first failure fails the job.
    None,
    /// Up to `attempts` restarts, each after `delay`.
    FixedDelay {
        /// Restart attempts before the job fails.
        attempts: u32,
        /// Delay before each restart.
        delay: SimDuration,
    },
    /// Exponentially growing delay (Flink's default with checkpointing).
    ExponentialDelay {
        /// First backoff.
        initial: SimDuration,
        /// Largest backoff.
        max: SimDuration,
        /// Growth factor per failure.
        multiplier: f64,
        /// Quiet time after which the backoff resets.
        reset_threshold: SimDuration,
        /// Jitter factor: the delay is drawn from backoff ± jitter·backoff.
        jitter: f64,
        /// Restart attempts before the job fails (Flink: unbounded).
        attempts: u32,
    },
    /// At most `max_failures` in any `interval`, each restart after `delay`.
    FailureRate {
        /// Failures allowed per interval.
        max_failures: u32,
        /// Sliding window for counting failures.
        interval: SimDuration,
        /// Delay before each restart.
        delay: SimDuration,
    },
}

/// Failover strategy (`jobmanager.execution.failover-strategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailoverStrategy {
    /// Restart the pipelined region of the failed task (Flink's default).
    Region,
    /// Restart every task.
    Full,
}

/// The state backend's options.
#[derive(Clone, Debug, PartialEq)]
pub struct StateConfig {
    /// Task-local recovery: a restart in the TaskManager that took the snapshot reads
    /// its local copy instead of downloading it.
    pub local_recovery: bool,
    /// Speed of reading a local snapshot copy, bytes/s (also RocksDB's local disk:
    /// memtable flushes and reading its files for an incremental upload).
    pub local_disk_bytes_per_s: u64,
    /// The keyed state backend (Flink's `state.backend.type`).
    pub backend: StateBackend,
    /// The changelog state backend (FLIP-158), if on.
    pub changelog: Option<ChangelogConfig>,
}

/// The changelog state backend's options (Flink's `state.changelog.*`).
#[derive(Clone, Debug, PartialEq)]
pub struct ChangelogConfig {
    /// Time between materialisations (`state.changelog.periodic-materialize.interval`).
    pub materialize_interval: SimDuration,
    /// The changelog writer uploads its batch of changes this long after the first
    /// (`state.changelog.dstl.dfs.batch.persist-delay`).
    pub persist_delay: SimDuration,
    /// Speed of applying the changelog on restore, bytes/s per subtask.
    pub replay_bytes_per_s: u64,
}

/// The name of a keyed state backend, as `state.backend` spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateBackendName {
    /// `hashmap`: Flink's HashMapStateBackend.
    HashMap,
    /// `rocksdb`: Flink's EmbeddedRocksDBStateBackend.
    RocksDb,
}

/// The keyed state backend and its costs (see `checkpoint::state_backend`).
#[derive(Clone, Debug, PartialEq)]
pub enum StateBackend {
    /// State as objects on the heap: copy-on-write snapshots, full checkpoints.
    HashMap,
    /// State in an embedded RocksDB per subtask.
    RocksDb(RocksDbConfig),
}

/// The RocksDB backend's options and ckptsim's estimates of its rates.
#[derive(Clone, Debug, PartialEq)]
pub struct RocksDbConfig {
    /// Incremental checkpoints (Flink's `execution.checkpointing.incremental`).
    pub incremental: bool,
    /// Memtable size: the most a checkpoint's flush writes, bytes.
    pub write_buffer_bytes: u64,
    /// SST file size: the files a restore opens are the state over this, bytes.
    pub target_file_bytes: u64,
    /// A full snapshot reads the database through an iterator at this rate, bytes/s.
    pub iterate_bytes_per_s: u64,
    /// A full restore re-inserts every entry at this rate, bytes/s.
    pub insert_bytes_per_s: u64,
    /// Opening one SST file when the database opens.
    pub file_open: SimDuration,
    /// New SST bytes per byte of state changed since the last checkpoint.
    pub write_amplification: f64,
    /// Memtable flushes (level-0 files) after which a compaction runs.
    pub compaction_trigger: u32,
    /// The share of the state a compaction rewrites into new files.
    pub compaction_share: f64,
}

/// Durations of recovery steps.
#[derive(Clone, Debug, PartialEq)]
pub struct RecoveryConfig {
    /// From a task's exception to the JobManager handling it.
    pub failure_report_delay: SimDuration,
    /// From a TaskManager's death to its peers noticing the broken connections.
    pub connection_loss_detection: SimDuration,
    /// From the JobManager handling a failure to the tasks being cancelled.
    pub cancel: SimDuration,
    /// Slot assignment and task deployment, per restart.
    pub deploy: SimDuration,
    /// Each task's deployment takes `deploy × (1 + spread·u)`, u uniform in [−1, 1] from the seed.
    pub deploy_spread: f64,
    /// A failure counts as caught up once the source lag is at most its pre-failure level plus this many records.
    pub caught_up_lag_records: u64,
}

/// Scripted and stochastic faults.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FaultSpec {
    /// Faults at fixed times.
    pub scripted: Vec<ScriptedFault>,
    /// Fault generators drawn from the seed.
    pub stochastic: Vec<StochasticFault>,
}

/// A fault at a given time.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptedFault {
    /// When it strikes.
    pub at: SimTime,
    /// What it does.
    pub fault: Fault,
}

/// The kinds of fault.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// A subtask throws an exception.
    TaskFailure {
        /// Vertex index.
        vertex: usize,
        /// Subtask index.
        subtask: u32,
    },
    /// A subtask throws when it processes the record of global partition
    /// `partition` at offset `offset` or later (once, armed at the fault's time).
    RecordFailure {
        /// Vertex index.
        vertex: usize,
        /// Subtask index.
        subtask: u32,
        /// Global partition (sources' partitions numbered in file order).
        partition: u32,
        /// Offset within the partition.
        offset: u64,
    },
    /// A TaskManager process is killed with all its subtasks.
    TaskManagerLoss {
        /// TaskManager index.
        taskmanager: u32,
    },
}

/// Failure domains a stochastic generator draws for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StochasticKind {
    /// Each subtask fails independently.
    TaskFailure,
    /// Each TaskManager is lost independently.
    TaskManagerLoss,
}

/// Inter-failure time distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FailureDistribution {
    /// Exponential with mean MTBF.
    Exponential,
    /// Weibull with the given shape, scale chosen so the mean is the MTBF.
    Weibull {
        /// Weibull shape k (< 1: infant mortality, > 1: wear-out).
        shape: f64,
    },
}

/// A stochastic fault generator: one per failure domain, each on its own RNG stream.
#[derive(Clone, Debug, PartialEq)]
pub struct StochasticFault {
    /// Which failure domains.
    pub kind: StochasticKind,
    /// Mean time between failures of one domain.
    pub mtbf: SimDuration,
    /// Inter-failure time distribution.
    pub distribution: FailureDistribution,
}

/// Output settings.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputConfig {
    /// Period of the time series in timeseries.csv.
    pub sample_period: SimDuration,
}

impl Scenario {
    /// Index of the vertex called `name`.
    pub fn vertex_index(&self, name: &str) -> Option<usize> {
        self.job.vertices.iter().position(|v| v.name == name)
    }
    /// Total slots in the cluster.
    pub fn total_slots(&self) -> u32 {
        self.cluster.taskmanagers * self.cluster.slots_per_taskmanager
    }
}
