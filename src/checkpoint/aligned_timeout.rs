//! The aligned checkpoint timeout (Flink's
//! `execution.checkpointing.aligned-checkpoint-timeout`, with unaligned
//! checkpoints enabled): a checkpoint starts aligned, and once its start delay
//! passes the timeout it goes on unaligned. In Flink every task that holds the
//! checkpoint's barrier times out then: a sender turns the barrier waiting in
//! its output queue into a priority one, persisting the buffers it overtakes;
//! a receiver whose barrier was announced (received, still queued) turns it
//! into a priority one the same way, and a task that was aligning switches to
//! unaligned: it unblocks its channels, persists what each channel still holds
//! ahead of its barrier, snapshots and sends its barrier unaligned. Tasks that
//! completed their alignment in time stay aligned.
//!
//! ckptsim times out the whole checkpoint at trigger + timeout (a barrier's
//! start delay is measured from the trigger, so every task's timer fires
//! then): each task that was aligning, or whose input channels hold the
//! barrier anywhere (its buffers, the wire, the sender's queue), switches at
//! once; the data ahead of a barrier in the sender's queue is persisted by the
//! receiver (Flink: by the sender, as output channel state; the same records).

use super::barrier_handler::Align;
use super::{Checkpointing, Store};
use crate::event::Ctx;
use crate::job::Job;

impl Checkpointing {
    /// Checkpoint `ckpt`'s start delay passed the aligned checkpoint timeout: every
    /// task still aligning, or with the barrier in its input channels, switches to unaligned.
    pub fn on_aligned_timeout(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        storage: &mut Store,
        ckpt: u64,
    ) {
        let Some(p) = self.coord.pending.get_mut(&ckpt) else {
            return;
        };
        if !p.timeoutable || p.unaligned {
            return;
        }
        // From now on the checkpoint's barriers are unaligned.
        p.unaligned = true;
        for task in 0..job.tasks.len() {
            let tc = &self.tasks[task];
            let aligning = tc.align.contains_key(&ckpt);
            let inputs = &job.tasks[task].inputs.chans;
            let queued = inputs.iter().any(|&ch| job.holds_barrier(ch, ckpt));
            if aligning || (queued && ckpt > tc.last_snapshot) {
                self.switch_to_unaligned(ctx, job, storage, task, ckpt);
            }
        }
    }

    /// `task` goes on with `ckpt` unaligned: its blocked channels open, every other
    /// input channel persists what it holds ahead of the barrier (and, where the
    /// barrier has not been sent yet, what it receives until it comes); it
    /// snapshots at its next mailbox step.
    fn switch_to_unaligned(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        storage: &mut Store,
        task: usize,
        ckpt: u64,
    ) {
        let now = ctx.now();
        let n = job.tasks[task].inputs.chans.len();
        let tc = &mut self.tasks[task];
        if let std::collections::btree_map::Entry::Vacant(e) = tc.align.entry(ckpt) {
            e.insert(Align::new(n, now));
            tc.processed_at_first = job.tasks[task].processed_bytes;
            if let Some(p) = self.coord.pending.get_mut(&ckpt) {
                p.note_start(now);
            }
        }
        if let Some(p) = self.coord.pending.get_mut(&ckpt) {
            p.switched += 1;
        }
        let a = self.tasks[task].align.get_mut(&ckpt).expect("inserted");
        for slot in 0..n {
            let ch = job.tasks[task].inputs.chans[slot];
            if a.seen[slot] {
                // Behind its barrier: not channel state.
                job.persist_channel(ch, Vec::new(), true);
                continue;
            }
            let (ahead, found) = job.convert_barrier(ch, ckpt);
            job.persist_channel(ch, ahead, found);
            if found {
                a.seen[slot] = true;
                a.count += 1;
            }
        }
        // Blocked channels open; senders blocked behind a barrier resume.
        job.unblock_inputs(ctx, task);
        job.tasks[task].mailbox.push_back(ckpt);
        job.to_pump.push(task);
        self.collect_if_complete(ctx, job, storage, task, ckpt);
    }
}
