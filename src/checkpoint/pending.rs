//! A checkpoint under way (Flink's PendingCheckpoint), the latest completed
//! one (Flink retains one by default), what a task's snapshot holds, and the
//! one place where a checkpoint's record for `checkpoints.csv` is built.

use crate::metrics::{CheckpointOutcome, CheckpointRecord};
use crate::time::{SimDuration, SimTime};

/// What a task's snapshot holds for restore.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct TaskSnap {
    /// The state's upload finished (or it travelled inline).
    pub persisted: bool,
    /// Per global partition, one past the highest source offset folded into this task's state or output.
    pub frontier: Vec<u64>,
    /// Input records folded into the task's keyed state.
    pub state_records: u64,
    /// State bytes: the whole state a restore reads (operator and keyed state).
    pub state_bytes: u64,
    /// Keyed state bytes, part of `state_bytes`.
    pub keyed_bytes: u64,
    /// Bytes this checkpoint uploaded: `state_bytes`, or with incremental
    /// checkpoints the operator state and the new SST files (`state_backend`).
    pub uploaded_bytes: u64,
    /// Incremental: input records held by the shared files of earlier checkpoints.
    pub base_records: u64,
    /// Incremental: RocksDB memtable flushes since its last compaction.
    pub flushes: u32,
    /// Source offsets (global partition, offset) of a source task.
    pub offsets: Vec<(u32, u64)>,
    /// Pre-committed transactions of a two-phase-commit sink, by checkpoint id.
    pub sink_txns: Vec<u64>,
    /// The TaskManager the snapshot was taken on (where task-local recovery keeps its copy).
    pub tm: u32,
    /// Unaligned: the output buffers the barrier overtook, per output channel.
    pub out_state: Vec<(crate::event::ChanId, crate::job::channel::Buffer)>,
    /// Unaligned: the input buffers received before each channel's barrier and
    /// not processed before the snapshot, per input channel.
    pub in_state: Vec<(crate::event::ChanId, crate::job::channel::Buffer)>,
    /// Bytes of in-flight data persisted with the snapshot (output and input channel state).
    pub inflight_bytes: u64,
    /// Changelog backend: the materialisation and the log the snapshot refers to.
    pub changelog: Option<super::changelog::ChangelogSnap>,
}

/// A checkpoint under way.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    /// Checkpoint id.
    pub id: u64,
    /// When it was triggered.
    pub trigger: SimTime,
    /// Per task: acknowledged.
    pub acked: Vec<bool>,
    /// Per task: when its asynchronous phase for this checkpoint began.
    pub async_start: Vec<SimTime>,
    /// Acknowledgements so far.
    pub n_acked: usize,
    /// Per task: its snapshot, once taken.
    pub snaps: Vec<Option<TaskSnap>>,
    /// Largest trigger-to-first-barrier delay at a task.
    pub start_delay_max: SimDuration,
    /// Largest alignment time at a task.
    pub align_max: SimDuration,
    /// Largest synchronous phase at a task.
    pub sync_max: SimDuration,
    /// Largest asynchronous phase at a task.
    pub async_max: SimDuration,
    /// State bytes the acknowledged tasks uploaded (incremental: the new files).
    pub state_bytes: u64,
    /// Whole state bytes of the acknowledged tasks (shared files of earlier
    /// checkpoints included).
    pub full_state_bytes: u64,
    /// In-flight bytes (channel state) acknowledged.
    pub inflight_bytes: u64,
    /// Bytes the tasks processed between their first and last barrier.
    pub processed_in_alignment: u64,
    /// The metadata write has started.
    pub metadata_started: bool,
    /// Its barriers are unaligned (from the start, or since its aligned timeout passed).
    pub unaligned: bool,
    /// It starts aligned and goes on unaligned once its aligned timeout passes.
    pub timeoutable: bool,
    /// Subtasks that snapshotted unaligned.
    pub unaligned_subtasks: u32,
    /// Subtasks whose alignment timed out and switched to unaligned.
    pub switched: u32,
}

impl Pending {
    /// Checkpoint `id` triggered at `now` over `n` tasks.
    pub fn new(id: u64, now: SimTime, n: usize) -> Self {
        Pending {
            id,
            trigger: now,
            acked: vec![false; n],
            async_start: vec![now; n],
            n_acked: 0,
            snaps: vec![None; n],
            start_delay_max: SimDuration::ZERO,
            align_max: SimDuration::ZERO,
            sync_max: SimDuration::ZERO,
            async_max: SimDuration::ZERO,
            state_bytes: 0,
            full_state_bytes: 0,
            inflight_bytes: 0,
            processed_in_alignment: 0,
            metadata_started: false,
            unaligned: false,
            timeoutable: false,
            unaligned_subtasks: 0,
            switched: 0,
        }
    }

    /// Notes that a task saw the checkpoint's first barrier (or trigger) at `now`.
    pub fn note_start(&mut self, now: SimTime) {
        self.start_delay_max = self.start_delay_max.max(now.since(self.trigger));
    }

    /// The checkpoint's row of `checkpoints.csv`, ended at `end` with `outcome`.
    pub fn record(&self, end: SimTime, outcome: CheckpointOutcome) -> CheckpointRecord {
        CheckpointRecord {
            id: self.id,
            trigger_s: self.trigger.as_secs_f64(),
            end_s: end.as_secs_f64(),
            duration_s: end.since(self.trigger).as_secs_f64(),
            start_delay_s_max: self.start_delay_max.as_secs_f64(),
            alignment_s_max: self.align_max.as_secs_f64(),
            sync_s_max: self.sync_max.as_secs_f64(),
            async_s_max: self.async_max.as_secs_f64(),
            state_bytes: self.state_bytes,
            persisted_inflight_bytes: self.inflight_bytes,
            processed_in_alignment_bytes: self.processed_in_alignment,
            unaligned_subtasks: self.unaligned_subtasks,
            switched_subtasks: self.switched,
            full_state_bytes: self.full_state_bytes,
            outcome,
        }
    }
}

/// The latest completed checkpoint (Flink retains one by default).
#[derive(Clone, Debug)]
pub(crate) struct Completed {
    /// Checkpoint id.
    pub id: u64,
    /// When it was triggered.
    pub trigger: SimTime,
    /// Per task: its snapshot.
    pub snaps: Vec<TaskSnap>,
}
