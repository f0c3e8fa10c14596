//! Channels between subtasks: network buffers and barriers in a sending
//! queue, on the wire and in a receiving queue; Flink's credit-based flow
//! control (2 exclusive buffers per input channel plus 8 floating per input
//! gate); a per-channel link with latency and bandwidth between TaskManagers
//! (none inside one); and the blocking of a subpartition behind an aligned
//! barrier until the receiver resumes consumption (Flink since 1.11).
//!
//! Barriers, like Flink's events, need no credit but stay behind the data
//! queued before them.

use super::Job;
use crate::data::Segment;
use crate::event::{ChanId, Ctx, Ev, TaskId};
use crate::time::{NS_PER_S, SimDuration, SimTime};
use std::collections::VecDeque;

/// A network buffer's content: provenance segments, provenance record count and bytes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buffer {
    /// Provenance of the records in the buffer.
    pub segs: Vec<Segment>,
    /// Provenance records.
    pub prov: u64,
    /// Bytes.
    pub bytes: u64,
}

/// What travels in a channel.
#[derive(Clone, Debug)]
pub(crate) enum Item {
    /// A buffer of records.
    Data(Buffer),
    /// A checkpoint barrier.
    Barrier(u64),
}

/// A channel from one subtask to one downstream subtask, both ends and the wire.
#[derive(Clone, Debug)]
pub(crate) struct Channel {
    /// Sending subtask.
    pub from: TaskId,
    /// Receiving subtask.
    pub to: TaskId,
    /// Receiver's input gate (one per input edge).
    pub gate: usize,
    /// The two ends are on different TaskManagers.
    pub remote: bool,
    /// The partly filled buffer being written.
    pub pending: Buffer,
    /// Finished buffers and events waiting to be sent.
    pub out_q: VecDeque<Item>,
    /// Items sent and not yet arrived, in order.
    pub wire: VecDeque<Item>,
    /// Items arrived and not yet taken by the receiver.
    pub in_q: VecDeque<Item>,
    /// When the link finishes sending what it has.
    pub link_free: SimTime,
    /// Receiver buffers taken by data on the wire, queued, or not yet announced back.
    pub used: u32,
    /// The receiver does not take from this channel (aligned barrier seen).
    pub blocked: bool,
    /// The sender sent an aligned barrier and sends no more data until the receiver
    /// resumes consumption (Flink's blocked subpartition, FLINK-16404).
    pub sender_blocked: bool,
    /// Bumped when the channel is reset; events of older epochs are stale.
    pub epoch: u32,
}

impl Job {
    fn has_credit(&self, ctx: &Ctx, ch: ChanId) -> bool {
        let c = &self.chans[ch];
        let net = &ctx.sc.network;
        c.used < net.exclusive_buffers
            || self.tasks[c.to].inputs.floating_used[c.gate] < net.floating_buffers
    }

    /// Sends what the channel's output queue can send now.
    pub fn transmit(&mut self, ctx: &mut Ctx, ch: ChanId) {
        let now = ctx.now();
        let mut sent = false;
        while let Some(front) = self.chans[ch].out_q.front() {
            let is_data = matches!(front, Item::Data(_));
            if is_data && (self.chans[ch].sender_blocked || !self.has_credit(ctx, ch)) {
                break;
            }
            let item = self.chans[ch].out_q.pop_front().expect("front exists");
            sent = true;
            let (to, gate) = (self.chans[ch].to, self.chans[ch].gate);
            let bytes = match &item {
                Item::Data(b) => {
                    if self.chans[ch].used >= ctx.sc.network.exclusive_buffers {
                        self.tasks[to].inputs.floating_used[gate] += 1;
                    }
                    self.chans[ch].used += 1;
                    b.bytes
                }
                Item::Barrier(_) => {
                    // Aligned checkpoints block the subpartition behind the barrier.
                    self.chans[ch].sender_blocked = self.barrier_blocks;
                    0
                }
            };
            let c = &mut self.chans[ch];
            let arrive = if c.remote {
                let start = now.max(c.link_free);
                let tx = (bytes as u128 * NS_PER_S as u128)
                    .div_ceil(ctx.sc.network.bandwidth_bytes_per_s as u128)
                    as u64;
                c.link_free = start + SimDuration(tx);
                c.link_free + ctx.sc.network.latency
            } else {
                now
            };
            c.wire.push_back(item);
            let epoch = c.epoch;
            ctx.push(arrive, Ev::Arrive { ch, epoch });
        }
        if sent {
            self.to_pump.push(self.chans[ch].from);
        }
    }

    /// The next item on the wire reaches the receiver.
    pub fn arrive(&mut self, ch: ChanId, epoch: u32) {
        let c = &mut self.chans[ch];
        if c.epoch != epoch {
            return;
        }
        if let Some(item) = c.wire.pop_front() {
            c.in_q.push_back(item);
            self.to_pump.push(c.to);
        }
    }

    /// The receiver consumed a buffer: announce the credit back to the sender.
    pub(super) fn return_credit(&mut self, ctx: &mut Ctx, ch: ChanId) {
        let c = &self.chans[ch];
        let at = ctx.now() + ctx.link_latency(c.remote);
        let epoch = c.epoch;
        ctx.push(at, Ev::Credit { ch, epoch });
    }

    /// A credit announcement reaches the sender.
    pub fn credit(&mut self, ctx: &mut Ctx, ch: ChanId, epoch: u32) {
        if self.chans[ch].epoch != epoch {
            return;
        }
        let (to, gate) = (self.chans[ch].to, self.chans[ch].gate);
        let freed_floating = self.chans[ch].used > ctx.sc.network.exclusive_buffers;
        if freed_floating {
            self.tasks[to].inputs.floating_used[gate] -= 1;
        }
        self.chans[ch].used -= 1;
        if freed_floating {
            // A floating buffer serves any channel of the gate.
            for i in 0..self.tasks[to].inputs.chans.len() {
                let other = self.tasks[to].inputs.chans[i];
                if self.chans[other].gate == gate && !self.chans[other].out_q.is_empty() {
                    self.transmit(ctx, other);
                }
            }
        } else {
            self.transmit(ctx, ch);
        }
    }

    /// resumeConsumption reached the sender: it may send data again.
    pub fn resume(&mut self, ctx: &mut Ctx, ch: ChanId, epoch: u32) {
        if self.chans[ch].epoch == epoch {
            self.chans[ch].sender_blocked = false;
            self.transmit(ctx, ch);
        }
    }

    /// Sends resumeConsumption to the sender of `ch` if it is blocked behind a barrier.
    fn send_resume(&self, ctx: &mut Ctx, ch: ChanId) {
        let c = &self.chans[ch];
        if c.sender_blocked {
            let at = ctx.now() + ctx.link_latency(c.remote);
            let epoch = c.epoch;
            ctx.push(at, Ev::Resume { ch, epoch });
        }
    }

    /// After a barrier was taken from `ch`: a barrier that did not block its channel
    /// (ignored, or alignment done) must not leave the sender's subpartition blocked.
    pub fn release_sender_if_unblocked(&self, ctx: &mut Ctx, ch: ChanId) {
        if !self.chans[ch].blocked {
            self.send_resume(ctx, ch);
        }
    }

    /// The receiver blocks input channel `ch` (aligned barrier seen).
    pub fn block_input(&mut self, ch: ChanId) {
        self.chans[ch].blocked = true;
    }

    /// Unblocks every input channel of `task`, resumes the senders blocked behind
    /// barriers, and gives the task a chance to work.
    pub fn unblock_inputs(&mut self, ctx: &mut Ctx, task: TaskId) {
        for i in 0..self.tasks[task].inputs.chans.len() {
            let ch = self.tasks[task].inputs.chans[i];
            self.chans[ch].blocked = false;
            self.send_resume(ctx, ch);
        }
        self.to_pump.push(task);
    }
}
