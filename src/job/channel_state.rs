//! The data plane's side of unaligned checkpoints (Flink's priority events,
//! `ChannelStatePersister` and channel-state recovery):
//!
//! - a task that snapshots for an unaligned checkpoint finishes its open
//!   buffers and puts the barrier at the head of every output subpartition,
//!   ahead of the buffers queued there; those buffers are its output channel
//!   state (they are still sent, after the barrier). A remote barrier goes on
//!   the wire at once (an event needs no credit); a local one reaches the
//!   consumer at once;
//! - a task whose unaligned checkpoint has started persists, on every input
//!   channel whose barrier has not come yet, what it had received and not
//!   processed when the checkpoint started and every buffer received since,
//!   until that channel's barrier comes (input channel state);
//! - on recovery the output channel state goes back into the subpartitions
//!   ahead of any new output, and the input channel state is processed
//!   before any new input.

use super::Job;
use super::channel::{Buffer, Item};
use crate::event::{ChanId, Ctx, TaskId};

/// A local consumer that sees an unaligned barrier at once: (consumer, input slot, channel).
pub(crate) type LocalBarrier = (TaskId, usize, ChanId);

impl Job {
    /// Sends unaligned barrier `ckpt` on every output channel of `task`, ahead of
    /// the data queued there. Returns the output channel state (the buffers the
    /// barrier overtook, per channel) and the local channels, whose consumers see
    /// the barrier at once, as (consumer, input slot, channel).
    pub fn broadcast_priority_barrier(
        &mut self,
        ctx: &mut Ctx,
        task: TaskId,
        ckpt: u64,
    ) -> (Vec<(ChanId, Buffer)>, Vec<LocalBarrier>) {
        let mut state = Vec::new();
        let mut local = Vec::new();
        for e in 0..self.tasks[task].outputs.len() {
            for i in 0..self.tasks[task].outputs[e].chans.len() {
                let ch = self.tasks[task].outputs[e].chans[i];
                self.finish_open_buffer(ctx, ch);
                let c = &mut self.chans[ch];
                c.flush_requested = false;
                state.extend(data_of(c.out_q.iter()).into_iter().map(|b| (ch, b)));
                if c.remote {
                    self.send(ctx, ch, Item::Priority(ckpt));
                } else {
                    local.push((c.to, c.slot, ch));
                }
            }
        }
        (state, local)
    }

    /// An unaligned checkpoint starts at `task` with a barrier on `trigger`: what
    /// every input channel received and the task has not processed is input
    /// channel state (on `trigger`, the data ahead of the barrier); the channels
    /// other than `trigger` go on persisting what they receive until their barrier.
    pub fn begin_channel_state(&mut self, task: TaskId, trigger: ChanId) {
        for i in 0..self.tasks[task].inputs.chans.len() {
            let ch = self.tasks[task].inputs.chans[i];
            let c = &mut self.chans[ch];
            c.spilled = data_of(c.in_q.iter());
            c.persisting = ch != trigger;
        }
    }

    /// Turns aligned barrier `ckpt` on channel `ch` into an unaligned one where it
    /// is (the receiver's buffers, the wire or the sender's queue) when the aligned
    /// checkpoint timeout passes: returns the data ahead of it, which the receiver
    /// persists, and whether the barrier was found. A barrier on the wire stays there
    /// as an unaligned one, which the receiver then ignores (it has seen it); one in
    /// the sender's queue leaves it. Not found: everything here is ahead of it.
    pub fn convert_barrier(&mut self, ch: ChanId, ckpt: u64) -> (Vec<Buffer>, bool) {
        let c = &mut self.chans[ch];
        let is_it = |i: &Item| matches!(i, Item::Barrier(k) if *k == ckpt);
        if let Some(i) = c.in_q.iter().position(is_it) {
            let ahead = data_of(c.in_q.iter().take(i));
            c.in_q.remove(i);
            return (ahead, true);
        }
        let mut ahead = data_of(c.in_q.iter());
        if let Some(i) = c.wire.iter().position(is_it) {
            ahead.extend(data_of(c.wire.iter().take(i)));
            c.wire[i] = Item::Priority(ckpt);
            return (ahead, true);
        }
        if let Some(i) = c.out_q.iter().position(is_it) {
            ahead.extend(data_of(c.wire.iter()));
            ahead.extend(data_of(c.out_q.iter().take(i)));
            c.out_q.remove(i);
            return (ahead, true);
        }
        // Not sent yet: what is received from now on is ahead of it too (persisted
        // as it arrives).
        (ahead, false)
    }

    /// True when aligned barrier `ckpt` waits anywhere in channel `ch`.
    pub fn holds_barrier(&self, ch: ChanId, ckpt: u64) -> bool {
        let c = &self.chans[ch];
        let is_it = |i: &Item| matches!(i, Item::Barrier(k) if *k == ckpt);
        c.in_q.iter().any(is_it) || c.wire.iter().any(is_it) || c.out_q.iter().any(is_it)
    }

    /// Starts persisting input channel `ch` of an unaligned checkpoint: `spilled`
    /// is what it holds ahead of the barrier; until the barrier comes (`seen` false)
    /// it persists what it receives.
    pub fn persist_channel(&mut self, ch: ChanId, spilled: Vec<Buffer>, seen: bool) {
        let c = &mut self.chans[ch];
        c.spilled = spilled;
        c.persisting = !seen;
    }

    /// The barrier of input channel `ch` came: its input channel state is complete.
    pub fn end_channel_state(&mut self, ch: ChanId) {
        self.chans[ch].persisting = false;
    }

    /// Takes the input channel state `task` persisted (per channel, in order) and
    /// stops persisting on every input channel.
    pub fn take_channel_state(&mut self, task: TaskId) -> Vec<(ChanId, Buffer)> {
        let mut state = Vec::new();
        for i in 0..self.tasks[task].inputs.chans.len() {
            let ch = self.tasks[task].inputs.chans[i];
            let c = &mut self.chans[ch];
            c.persisting = false;
            state.extend(c.spilled.drain(..).map(|b| (ch, b)));
        }
        state
    }

    /// Keeps the channel state a deployed `task` restores until it runs.
    pub fn stash_channel_state(
        &mut self,
        task: TaskId,
        output: &[(ChanId, Buffer)],
        input: &[(ChanId, Buffer)],
    ) {
        let t = &mut self.tasks[task];
        t.recovered_out = output.to_vec();
        t.inputs.recovered = input.iter().map(|(_, b)| b.clone()).collect();
        t.initializing = false;
    }

    /// A restored `task` starts running: its output channel state goes back into
    /// its subpartitions ahead of any new output; its input channel state is
    /// processed before any new input (it initialises until then). True when it
    /// has input channel state to process.
    pub fn restore_channel_state(&mut self, ctx: &mut Ctx, task: TaskId) -> bool {
        let output = std::mem::take(&mut self.tasks[task].recovered_out);
        for (ch, b) in &output {
            let c = &mut self.chans[*ch];
            c.out_q.push_back(Item::Data(b.clone()));
            c.out_data += 1;
        }
        for (ch, _) in &output {
            self.transmit(ctx, *ch);
        }
        let t = &mut self.tasks[task];
        t.initializing = !t.inputs.recovered.is_empty();
        t.initializing
    }
}

/// Copies of the data buffers among `items` (events left out), in order.
fn data_of<'a>(items: impl Iterator<Item = &'a Item>) -> Vec<Buffer> {
    items
        .filter_map(|i| match i {
            Item::Data(b) => Some(b.clone()),
            _ => None,
        })
        .collect()
}
