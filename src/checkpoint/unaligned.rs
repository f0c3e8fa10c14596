//! Unaligned checkpoints at a task (Flink's `execution.checkpointing.unaligned`,
//! the unaligned states of SingleCheckpointBarrierHandler): the first barrier
//! of a checkpoint, which overtook the data ahead of it, is handled the moment
//! it arrives: the task starts persisting its input channel state, and as soon
//! as its current unit of work is done (a mailbox action, even under
//! backpressure) it sends the barrier ahead of its output data, persisting the
//! buffers it overtook, and snapshots its state. Nothing blocks. Each later
//! barrier ends the persisting on its channel; once all have come, the input
//! channel state is complete and the asynchronous upload (state plus in-flight
//! data) may start. A newer barrier while an older checkpoint still collects
//! barriers declines the older one.

use super::{Checkpointing, Store};
use crate::event::{ChanId, Ctx, TaskId};
use crate::job::Job;
use crate::job::channel::Buffer;
use crate::job::task::Role;
use crate::metrics::CheckpointOutcome;
use crate::mutants::Bug;

/// Channel state of one snapshot: buffers per channel.
pub(crate) type ChannelState = Vec<(ChanId, Buffer)>;

impl Checkpointing {
    /// True when checkpoint `ckpt`'s barriers are unaligned (priority events): with
    /// unaligned checkpoints on, every checkpoint but one triggered once the
    /// sources have read all their input (Flink's final checkpoint comes after
    /// the end of input has travelled through the job, so nothing is in flight).
    pub fn is_unaligned(&self, ctx: &Ctx, ckpt: u64) -> bool {
        (self.coord.pending.get(&ckpt)).map_or(ctx.sc.checkpoint.unaligned, |p| p.unaligned)
    }

    /// A task's mailbox action for `ckpt`: a source's trigger, or the snapshot of
    /// an unaligned checkpoint whose first barrier came.
    pub fn mailbox_action(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        storage: &mut Store,
        task: TaskId,
        ckpt: u64,
    ) {
        if let Role::Source { .. } = job.tasks[task].role {
            self.source_snapshot(ctx, job, storage, task, ckpt);
        } else if ckpt > self.tasks[task].last_snapshot {
            if let Some(p) = self.coord.pending.get_mut(&ckpt) {
                p.unaligned_subtasks += 1;
            }
            let out = self.emit_barrier(ctx, job, storage, task, ckpt, true);
            self.take_snapshot(ctx, job, task, ckpt, out);
        }
    }

    /// Sends barrier `ckpt` downstream of `task`: behind the data when aligned;
    /// ahead of it when unaligned, delivering it at once to local consumers.
    /// Returns the output channel state (the data an unaligned barrier overtook).
    pub(super) fn emit_barrier(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        storage: &mut Store,
        task: TaskId,
        ckpt: u64,
        unaligned: bool,
    ) -> ChannelState {
        if !unaligned {
            job.broadcast_barrier(ctx, task, ckpt);
            return Vec::new();
        }
        let (out, local) = job.broadcast_priority_barrier(ctx, task, ckpt);
        for (consumer, slot, ch) in local {
            self.on_priority_barrier(ctx, job, storage, (consumer, slot, ch, ckpt));
        }
        out
    }

    /// Unaligned barrier `ckpt` reached `task` on input `slot` (channel `ch`).
    pub fn on_priority_barrier(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        storage: &mut Store,
        (task, slot, ch, ckpt): (TaskId, usize, ChanId, u64),
    ) {
        let now = ctx.now();
        if let Some(&cur) = self.tasks[task].align.keys().next()
            && cur < ckpt
        {
            // A newer barrier while the older checkpoint still collects barriers.
            self.drop_unaligned(job, task);
            self.abort(ctx, job, storage, cur, CheckpointOutcome::Declined);
        }
        let n_inputs = job.tasks[task].inputs.chans.len();
        let tc = &mut self.tasks[task];
        if !tc.align.contains_key(&ckpt) {
            if ckpt <= tc.last_snapshot || ckpt <= tc.in_state.0 {
                // A late barrier of a checkpoint this task is done with (or has every
                // barrier of: one left on the wire when it switched).
                return;
            }
            tc.align
                .insert(ckpt, super::barrier_handler::Align::new(n_inputs, now));
            tc.processed_at_first = job.tasks[task].processed_bytes;
            if let Some(p) = self.coord.pending.get_mut(&ckpt) {
                p.note_start(now);
            }
            job.begin_channel_state(task, ch);
            job.tasks[task].mailbox.push_back(ckpt);
            job.to_pump.push(task);
        }
        let a = self.tasks[task].align.get_mut(&ckpt).expect("inserted");
        if a.seen[slot] {
            return;
        }
        a.seen[slot] = true;
        a.count += 1;
        job.end_channel_state(ch);
        self.collect_if_complete(ctx, job, storage, task, ckpt);
    }

    /// Once every barrier of `ckpt` has come to `task`, its input channel state is
    /// complete: it is kept for the upload, which starts now if it was waiting.
    pub(super) fn collect_if_complete(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        storage: &mut Store,
        task: TaskId,
        ckpt: u64,
    ) {
        let now = ctx.now();
        let tc = &mut self.tasks[task];
        let Some(a) = tc.align.get(&ckpt) else {
            return;
        };
        if a.count < a.seen.len() {
            return;
        }
        let first = a.first;
        tc.align.remove(&ckpt);
        tc.in_state = (ckpt, job.take_channel_state(task));
        let processed = job.tasks[task].processed_bytes - tc.processed_at_first;
        if let Some(p) = self.coord.pending.get_mut(&ckpt) {
            p.align_max = p.align_max.max(now.since(first));
            p.processed_in_alignment += processed;
        }
        if tc.upload_waiting == Some(ckpt) {
            tc.upload_waiting = None;
            self.start_upload(ctx, job, storage, task, ckpt);
        }
    }

    /// Drops the unaligned checkpoint `task` is collecting barriers and channel state for.
    pub(super) fn drop_unaligned(&mut self, job: &mut Job, task: TaskId) {
        let tc = &mut self.tasks[task];
        tc.align.clear();
        tc.upload_waiting = None;
        tc.in_state = (0, Vec::new());
        job.take_channel_state(task);
    }

    /// The channel state `task` persisted for `ckpt` (output and input), or none
    /// when the snapshot lost it (a mutant).
    pub(super) fn channel_state_of(&mut self, ctx: &Ctx, task: TaskId, ckpt: u64) -> ChannelState {
        let tc = &mut self.tasks[task];
        let input = if tc.in_state.0 == ckpt {
            std::mem::take(&mut tc.in_state.1)
        } else {
            Vec::new()
        };
        if ctx.has_bug(Bug::UnalignedNoChannelState) {
            return Vec::new();
        }
        input
    }
}

/// Bytes of channel state.
pub(crate) fn state_bytes(state: &[(ChanId, Buffer)]) -> u64 {
    state.iter().map(|(_, b)| b.bytes).sum()
}
