//! The checkpoint room: Flink's checkpoint protocol, coordinator side and task
//! side, and the transactional sinks that commit on it.
//!
//! ```text
//!   coordinator (trigger, min-pause, max-concurrent, ack, complete, notify)
//!        │ timeout ─▶ failure_manager (tolerable-failed)
//!        ▼
//!   barrier_handler (aligned / at-least-once tracker) ─▶ snapshot (sync, upload)
//!        ▼                                                   │
//!   two_phase_commit (stage, pre-commit, commit on notify, recover-and-commit, abort)
//!   pending (a checkpoint under way, the latest completed, its record)
//! ```
//!
//! Uses the job room (tasks, channels, offsets) and the storage; knows nothing
//! of failover: a checkpoint failure beyond the tolerable count is returned to
//! the run loop as an [`Escalation`], which hands it to the recovery room.

pub(crate) mod aligned_timeout;
pub(crate) mod backlog;
pub(crate) mod barrier_handler;
pub(crate) mod changelog;
pub(crate) mod coordinator;
pub(crate) mod failure_manager;
pub(crate) mod pending;
pub(crate) mod request_decider;
pub(crate) mod snapshot;
pub(crate) mod state_backend;
pub(crate) mod two_phase_commit;
pub(crate) mod unaligned;

use crate::event::{Ctx, Owner};
use crate::job::Job;
use crate::storage::Storage;
use barrier_handler::TaskCheckpoint;
use coordinator::Coordinator;
use two_phase_commit::Sinks;

/// Flink's default `state.storage.fs.memory-threshold`: smaller state travels inline with the ack.
pub(crate) const INLINE_STATE_BYTES: u64 = crate::scenario::defaults::MEMORY_THRESHOLD_BYTES;

/// Too many consecutive checkpoint failures: the job must fail over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Escalation;

/// The checkpoint protocol's state: the coordinator, each task's barrier and
/// snapshot state, and the sinks' transactions.
pub(crate) struct Checkpointing {
    /// The JobManager's checkpoint coordinator.
    pub coord: Coordinator,
    /// Per task: barrier alignment and snapshot progress.
    pub tasks: Vec<TaskCheckpoint>,
    /// Per task: the external system behind a sink (empty for other tasks).
    pub sinks: Sinks,
    /// Per task: its changelog (the changelog state backend).
    pub changelog: Vec<changelog::ChangelogTask>,
}

impl Checkpointing {
    /// The protocol state of a fresh job.
    pub fn new(ctx: &Ctx, job: &Job) -> Self {
        Checkpointing {
            coord: Coordinator::new(ctx),
            tasks: vec![TaskCheckpoint::default(); job.tasks.len()],
            sinks: Sinks::new(job.tasks.len()),
            changelog: vec![Default::default(); job.tasks.len()],
        }
    }
}

/// The storage as the checkpoint and recovery rooms use it.
pub(crate) type Store = Storage<Owner>;

/// Schedules the storage's next completion.
pub(crate) fn schedule_storage(ctx: &mut Ctx, storage: &Store) {
    if let Some(t) = storage.next_completion() {
        let g = storage.generation;
        ctx.push(t, crate::event::Ev::StorageWake { gen_: g });
    }
}
