//! Channels between subtasks: network buffers and barriers in a sending
//! queue, on the wire and in a receiving queue, and the two kinds of input
//! channel Flink has.
//!
//! - **Remote** (the two subtasks on different TaskManagers): credit-based
//!   flow control (2 exclusive buffers per input channel plus 8 floating per
//!   input gate at the receiver); every data buffer sent, full or a flushed
//!   slice, takes one receiver buffer until the receiver takes it to process
//!   and its credit is announced back; a link with latency and bandwidth.
//! - **Local** (same TaskManager): the consumer reads the producer's
//!   subpartition directly: no credit, no receiver buffers, no latency. What
//!   the consumer has not yet taken stays counted against the producer's
//!   subpartition (`max-buffers-per-channel`) and result-partition pool.
//!
//! A buffer is freed when the consumer takes it to process (Flink recycles it
//! once its records are deserialised: one buffer per channel earlier here).
//!
//! The writer appends to one open buffer per channel (see `record_writer`);
//! a flush only asks for the bytes written so far to be sent as a slice,
//! which goes once the queue ahead of it is sent and the receiver has a
//! credit; the open buffer stays open. Barriers, like Flink's events, need
//! no credit but stay behind the data queued before them; an aligned barrier
//! blocks its subpartition until the receiver resumes consumption (Flink
//! since 1.11).
//!
//! The receiver's input gate reads its channels in the order they became
//! available (Flink's queue of channels with data): a channel that still has
//! data after a buffer was taken goes to the back of the queue.

use super::{Job, Signal};
use crate::data::Segment;
use crate::event::{ChanId, Ctx, Ev, TaskId};
use crate::time::{NS_PER_S, SimDuration, SimTime};
use std::collections::VecDeque;

/// A network buffer's content: provenance segments, provenance record count and bytes.
#[derive(Clone, Debug, Default, PartialEq)]
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
    /// A buffer of records (a full buffer, or a flushed slice of the open one).
    Data(Buffer),
    /// A checkpoint barrier.
    Barrier(u64),
    /// An unaligned checkpoint barrier on the wire (a priority event: it overtook
    /// the sender's queue and is handled by the receiver the moment it arrives).
    Priority(u64),
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
    /// Index of this channel in the receiver's input channels.
    pub slot: usize,
    /// The two ends are on different TaskManagers (a remote input channel).
    pub remote: bool,
    /// The records written to the open buffer and not yet sent.
    pub pending: Buffer,
    /// Bytes of the open buffer already sent as flushed slices.
    pub pending_sent: u64,
    /// The output flusher asked for the open buffer's bytes to be sent.
    pub flush_requested: bool,
    /// Finished buffers and events waiting to be sent (remote) or read (local).
    pub out_q: VecDeque<Item>,
    /// Finished data buffers in `out_q`.
    pub out_data: u32,
    /// Items sent and not yet arrived, in order (remote channels).
    pub wire: VecDeque<Item>,
    /// Items arrived and not yet taken by the receiver (remote channels).
    pub in_q: VecDeque<Item>,
    /// The channel is in its receiver's queue of channels with data.
    pub queued: bool,
    /// When the link finishes sending what it has.
    pub link_free: SimTime,
    /// Remote channel: receiver buffers taken by data on the wire, queued, or not yet announced back.
    pub used: u32,
    /// The receiver does not take from this channel (aligned barrier seen).
    pub blocked: bool,
    /// The sender sent an aligned barrier and sends no more data until the receiver
    /// resumes consumption (Flink's blocked subpartition, FLINK-16404).
    pub sender_blocked: bool,
    /// Bumped when the channel is reset; events of older epochs are stale.
    pub epoch: u32,
    /// The receiver persists the data it receives on this channel as input channel
    /// state (an unaligned checkpoint started at the receiver, this channel's barrier not yet come).
    pub persisting: bool,
    /// Input channel state persisted so far for the receiver's unaligned checkpoint.
    pub spilled: Vec<Buffer>,
    /// Buffer size the receiver's debloater announced, bytes (0: none yet; see `debloat`).
    pub announced_bytes: u64,
}

impl Channel {
    /// A channel from `from` to input `slot` of `to` in gate `gate`, empty.
    pub fn new(from: TaskId, to: TaskId, gate: usize, slot: usize, remote: bool) -> Channel {
        Channel {
            from,
            to,
            gate,
            slot,
            remote,
            pending: Buffer::default(),
            pending_sent: 0,
            flush_requested: false,
            out_q: VecDeque::new(),
            out_data: 0,
            wire: VecDeque::new(),
            in_q: VecDeque::new(),
            queued: false,
            link_free: SimTime::ZERO,
            used: 0,
            blocked: false,
            sender_blocked: false,
            epoch: 0,
            persisting: false,
            spilled: Vec::new(),
            announced_bytes: 0,
        }
    }

    /// True while the writer holds an open (partly written) buffer.
    pub fn buffer_open(&self) -> bool {
        self.pending.prov > 0 || self.pending_sent > 0
    }

    /// Buffers of the producer's pool this subpartition holds: the open one and
    /// the finished ones not yet sent (remote) or read by the consumer (local).
    pub fn pool_buffers(&self) -> u32 {
        self.out_data + self.buffer_open() as u32
    }
}

impl Job {
    /// A remote receiver has a buffer for one more data buffer: an exclusive one
    /// of the channel, or a floating one of its gate.
    fn has_credit(&self, ctx: &Ctx, ch: ChanId) -> bool {
        let c = &self.chans[ch];
        let net = &ctx.sc.network;
        c.used < net.exclusive_buffers
            || self.tasks[c.to].inputs.floating_used[c.gate] < net.floating_buffers
    }

    /// True when data may leave channel `ch` now: its subpartition is not
    /// blocked behind a barrier and, for a remote channel, the receiver has a credit.
    fn may_send_data(&self, ctx: &Ctx, ch: ChanId) -> bool {
        let c = &self.chans[ch];
        !c.sender_blocked && (!c.remote || self.has_credit(ctx, ch))
    }

    /// Takes the next item the subpartition of `ch` can hand out now (Flink's
    /// `pollBuffer`): a finished buffer or event in order, or, if a flush was asked
    /// for and nothing is queued ahead, the bytes written to the open buffer so far
    /// as a slice (the buffer stays open). None when nothing may go.
    fn poll_subpartition(&mut self, ctx: &Ctx, ch: ChanId) -> Option<Item> {
        let c = &self.chans[ch];
        match c.out_q.front() {
            Some(Item::Data(_)) => {
                if !self.may_send_data(ctx, ch) {
                    return None;
                }
                let c = &mut self.chans[ch];
                c.out_data -= 1;
                c.out_q.pop_front()
            }
            Some(Item::Barrier(_) | Item::Priority(_)) => {
                // Aligned checkpoints block the subpartition behind the barrier.
                let c = &mut self.chans[ch];
                c.sender_blocked = self.barrier_blocks;
                c.out_q.pop_front()
            }
            None => {
                if !c.flush_requested {
                    return None;
                }
                if c.pending.prov == 0 {
                    self.chans[ch].flush_requested = false;
                    return None;
                }
                if !self.may_send_data(ctx, ch) {
                    return None;
                }
                let c = &mut self.chans[ch];
                c.flush_requested = false;
                let slice = std::mem::take(&mut c.pending);
                c.pending_sent += slice.bytes;
                Some(Item::Data(slice))
            }
        }
    }

    /// True when the subpartition of `ch` has an item to hand out now.
    fn subpartition_ready(&self, ctx: &Ctx, ch: ChanId) -> bool {
        let c = &self.chans[ch];
        match c.out_q.front() {
            Some(Item::Data(_)) => self.may_send_data(ctx, ch),
            Some(Item::Barrier(_) | Item::Priority(_)) => true,
            None => c.flush_requested && c.pending.prov > 0 && self.may_send_data(ctx, ch),
        }
    }

    /// The subpartition of `ch` may have something new to hand out. A remote
    /// channel sends what it can over the link; a local one tells its consumer,
    /// who reads the subpartition directly when its turn comes.
    pub fn transmit(&mut self, ctx: &mut Ctx, ch: ChanId) {
        if !self.chans[ch].remote {
            if self.subpartition_ready(ctx, ch) {
                self.mark_available(ch);
            }
            return;
        }
        let mut sent = false;
        while let Some(item) = self.poll_subpartition(ctx, ch) {
            sent = true;
            self.send(ctx, ch, item);
        }
        if sent {
            self.to_pump.push(self.chans[ch].from);
        }
    }

    /// Puts one item of a remote channel on the link, taking a receiver buffer for
    /// data (an unaligned barrier goes straight here, ahead of the queued data:
    /// events need no credit).
    pub(super) fn send(&mut self, ctx: &mut Ctx, ch: ChanId, item: Item) {
        let (to, gate) = (self.chans[ch].to, self.chans[ch].gate);
        let bytes = match &item {
            Item::Data(b) => {
                if self.chans[ch].used >= ctx.sc.network.exclusive_buffers {
                    self.tasks[to].inputs.floating_used[gate] += 1;
                }
                self.chans[ch].used += 1;
                b.bytes
            }
            Item::Barrier(_) | Item::Priority(_) => 0,
        };
        let now = ctx.now();
        let c = &mut self.chans[ch];
        let start = now.max(c.link_free);
        let tx = (bytes as u128 * NS_PER_S as u128)
            .div_ceil(ctx.sc.network.bandwidth_bytes_per_s as u128) as u64;
        c.link_free = start + SimDuration(tx);
        let arrive = c.link_free + ctx.sc.network.latency;
        c.wire.push_back(item);
        let epoch = c.epoch;
        ctx.push(arrive, Ev::Arrive { ch, epoch });
    }

    /// Channel `ch` has data for its receiver: it joins the back of the gate's
    /// queue of channels with data if it was not there, and the receiver may work.
    fn mark_available(&mut self, ch: ChanId) {
        let c = &mut self.chans[ch];
        let to = c.to;
        if !c.queued {
            c.queued = true;
            self.tasks[to].inputs.avail.push_back(ch);
        }
        self.to_pump.push(to);
    }

    /// True when the receiver can take an item from `ch` now.
    fn readable(&self, ctx: &Ctx, ch: ChanId) -> bool {
        let c = &self.chans[ch];
        if c.remote {
            !c.in_q.is_empty()
        } else {
            self.subpartition_ready(ctx, ch)
        }
    }

    /// Takes the next item for `task` from the first channel in its queue of
    /// channels with data that is not blocked; the channel goes to the back of
    /// the queue if it has more. A remote channel's item comes from its
    /// receiver buffers (processing a data buffer announces its credit back); a
    /// local one's straight from the producer's subpartition (which frees a
    /// buffer of the producer's pool).
    pub(super) fn take_input(&mut self, ctx: &mut Ctx, task: TaskId) -> Option<(ChanId, Item)> {
        let mut i = 0;
        let ch = loop {
            let &ch = self.tasks[task].inputs.avail.get(i)?;
            if self.chans[ch].blocked {
                i += 1;
            } else if self.readable(ctx, ch) {
                break self.tasks[task].inputs.avail.remove(i).expect("exists");
            } else {
                // A local subpartition blocked behind its barrier: it is queued again
                // when it has data once more.
                self.tasks[task].inputs.avail.remove(i);
                self.chans[ch].queued = false;
            }
        };
        let item = if self.chans[ch].remote {
            let item = self.chans[ch].in_q.pop_front().expect("readable");
            if let Item::Data(_) = item {
                self.return_credit(ctx, ch);
            }
            item
        } else {
            let item = self.poll_subpartition(ctx, ch).expect("readable");
            if let Item::Data(b) = &item {
                self.to_pump.push(self.chans[ch].from);
                let c = &mut self.chans[ch];
                if c.persisting {
                    c.spilled.push(b.clone());
                }
            }
            item
        };
        if self.readable(ctx, ch) {
            self.tasks[task].inputs.avail.push_back(ch);
        } else {
            self.chans[ch].queued = false;
        }
        Some((ch, item))
    }

    /// The next item on the wire reaches the receiver. Data the receiver persists
    /// as input channel state is copied there; an unaligned barrier does not queue
    /// behind the received data: it is returned for the receiver to handle now.
    pub fn arrive(&mut self, ch: ChanId, epoch: u32) -> Option<Signal> {
        let c = &mut self.chans[ch];
        if c.epoch != epoch {
            return None;
        }
        match c.wire.pop_front()? {
            Item::Priority(ckpt) => Some(Signal::PriorityBarrier {
                task: c.to,
                slot: c.slot,
                ch,
                ckpt,
            }),
            item => {
                if let (true, Item::Data(b)) = (c.persisting, &item) {
                    c.spilled.push(b.clone());
                }
                c.in_q.push_back(item);
                self.mark_available(ch);
                None
            }
        }
    }

    /// The receiver of a remote channel processed a buffer: announce the credit back.
    fn return_credit(&mut self, ctx: &mut Ctx, ch: ChanId) {
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
                if self.chans[other].gate == gate {
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
