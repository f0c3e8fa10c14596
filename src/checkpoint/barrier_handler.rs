//! Barrier handling at a task (Flink's SingleCheckpointBarrierHandler for
//! aligned exactly-once, CheckpointBarrierTracker for at-least-once): a task
//! that has a barrier on one channel blocks that channel (exactly-once) until
//! barriers came on all, then forwards the barrier and takes its snapshot; a
//! newer barrier during an alignment declines the older checkpoint; the
//! tracker drops older checkpoints once a newer one is complete; an abort told
//! to the task drops its alignment, and late barriers of that checkpoint are
//! ignored.

use super::{Checkpointing, Store};
use crate::event::{Ctx, TaskId};
use crate::job::Job;
use crate::metrics::CheckpointOutcome;
use crate::scenario::CheckpointMode;
use crate::time::SimTime;
use std::collections::BTreeMap;

/// Alignment of one checkpoint at one task.
#[derive(Clone, Debug)]
pub(crate) struct Align {
    /// Per input slot: its barrier came.
    pub seen: Vec<bool>,
    /// Barriers seen.
    pub count: usize,
    /// When the first barrier came.
    pub first: SimTime,
}

impl Align {
    /// An alignment over `n_inputs` channels whose first barrier came at `now`.
    pub fn new(n_inputs: usize, now: SimTime) -> Align {
        Align {
            seen: vec![false; n_inputs],
            count: 0,
            first: now,
        }
    }
}

/// A task's checkpoint state: alignments under way and its last snapshot.
#[derive(Clone, Debug, Default)]
pub(crate) struct TaskCheckpoint {
    /// Checkpoints whose barriers this task is collecting (at most one when aligned).
    pub align: BTreeMap<u64, Align>,
    /// The latest checkpoint this task snapshotted or was told to abort.
    pub last_snapshot: u64,
    /// When the task's current synchronous snapshot phase began.
    pub sync_started: SimTime,
    /// Bytes of the snapshot being taken.
    pub snap_bytes: u64,
    /// Bytes the task had processed when the alignment under way began.
    pub processed_at_first: u64,
    /// Unaligned: the checkpoint whose upload waits for the last barriers.
    pub upload_waiting: Option<u64>,
    /// Unaligned: the complete input channel state of a checkpoint, until its upload takes it.
    pub in_state: (u64, super::unaligned::ChannelState),
}

impl Checkpointing {
    /// Barrier `ckpt` taken from input channel `slot` of `task`.
    pub fn on_barrier(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        storage: &mut Store,
        (task, slot, ckpt): (TaskId, usize, u64),
    ) {
        let now = ctx.now();
        if ckpt <= self.tasks[task].last_snapshot {
            return;
        }
        let aligned = ctx.sc.checkpoint.mode == CheckpointMode::ExactlyOnce;
        if aligned && let Some(&cur) = self.tasks[task].align.keys().next() {
            // SingleCheckpointBarrierHandler: one alignment at a time.
            if ckpt < cur {
                return; // a late barrier of a checkpoint this task abandoned
            }
            if ckpt > cur {
                // A newer barrier overtakes an unfinished alignment: decline the older checkpoint.
                job.unblock_inputs(ctx, task);
                self.tasks[task].align.clear();
                self.abort(ctx, job, storage, cur, CheckpointOutcome::Declined);
            }
        }
        let n_inputs = job.tasks[task].inputs.chans.len();
        if !self.tasks[task].align.contains_key(&ckpt)
            && let Some(p) = self.coord.pending.get_mut(&ckpt)
        {
            p.note_start(now);
        }
        let ch = job.tasks[task].inputs.chans[slot];
        if !self.tasks[task].align.contains_key(&ckpt) {
            self.tasks[task].processed_at_first = job.tasks[task].processed_bytes;
        }
        let a = (self.tasks[task].align)
            .entry(ckpt)
            .or_insert_with(|| Align::new(n_inputs, now));
        if !a.seen[slot] {
            a.seen[slot] = true;
            a.count += 1;
            if job.barrier_blocks {
                job.block_input(ch);
            }
        }
        if a.count == n_inputs {
            let first = a.first;
            // Done; like Flink's barrier tracker, older checkpoints still tracked here are dropped.
            self.tasks[task].align.retain(|&id, _| id > ckpt);
            let processed = job.tasks[task].processed_bytes - self.tasks[task].processed_at_first;
            if let Some(p) = self.coord.pending.get_mut(&ckpt) {
                p.align_max = p.align_max.max(now.since(first));
                p.processed_in_alignment += processed;
            }
            job.broadcast_barrier(ctx, task, ckpt);
            self.take_snapshot(ctx, job, task, ckpt, Vec::new());
        }
    }

    /// notifyCheckpointAborted reached a task: drop its alignment or pending trigger for
    /// `ckpt`; barriers of that checkpoint that come later are ignored.
    pub fn abort_at_task(&mut self, ctx: &mut Ctx, job: &mut Job, task: TaskId, ckpt: u64) {
        let t = &mut self.tasks[task];
        let collecting = t.align.contains_key(&ckpt);
        if ckpt <= t.last_snapshot && !collecting {
            return;
        }
        job.tasks[task].mailbox.retain(|&c| c != ckpt);
        t.last_snapshot = t.last_snapshot.max(ckpt);
        let was_aligning = t.align.remove(&ckpt).is_some();
        t.align.retain(|&id, _| id > ckpt);
        if t.upload_waiting == Some(ckpt) || (was_aligning && ctx.sc.checkpoint.unaligned) {
            // Unaligned: stop persisting channel state; the snapshot's upload will not start.
            self.drop_unaligned(job, task);
        }
        if was_aligning && job.barrier_blocks {
            job.unblock_inputs(ctx, task);
        }
    }

    /// Forgets what `task` was doing for checkpoints (it was cancelled).
    pub fn forget_task(&mut self, task: TaskId) {
        let t = &mut self.tasks[task];
        t.align.clear();
        t.upload_waiting = None;
        t.in_state = (0, Vec::new());
    }
}
