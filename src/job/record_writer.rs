//! The output side of a subtask (Flink's RecordWriter and result partition):
//! routing output provenance over the channels of each output edge (forward,
//! hash by key group, rebalance), writing into one open buffer per channel
//! (Flink's BufferBuilder) that is finished only when full or when a barrier
//! must follow it, the output flusher (buffer timeout: it asks for the bytes
//! written so far to be sent, and the writer keeps appending to the same
//! buffer), barriers behind the data, and backpressure (an output
//! subpartition or the result partition's buffer pool is full).

use super::Job;
use super::channel::Item;
use crate::data::{Segment, key_group_range, operator_index};
use crate::event::{ChanId, Ctx, Ev, TaskId};
use crate::scenario::Partitioning;

impl Job {
    /// Routes output provenance into the task's output channels.
    pub fn emit(&mut self, ctx: &mut Ctx, task: TaskId, segs: &[Segment]) {
        let k = ctx.sc.job.max_parallelism;
        for e in 0..self.tasks[task].outputs.len() {
            let (part, n) = {
                let o = &self.tasks[task].outputs[e];
                (o.partitioning, o.chans.len() as u32)
            };
            for s in segs {
                match part {
                    Partitioning::Forward => {
                        let ch = self.tasks[task].outputs[e].chans[0];
                        self.append(ctx, task, ch, *s);
                    }
                    Partitioning::Hash => {
                        let j0 = operator_index(s.kg_lo, n, k);
                        let j1 = operator_index(s.kg_hi - 1, n, k);
                        for j in j0..=j1 {
                            let (g0, g1) = key_group_range(j, n, k);
                            if let Some(piece) = s.restrict_kg(g0, g1, k) {
                                let ch = self.tasks[task].outputs[e].chans[j as usize];
                                self.append(ctx, task, ch, piece);
                            }
                        }
                    }
                    Partitioning::Rebalance => {
                        // Round-robin over the channels segment by segment, not record by
                        // record (see README: model): the same load balance, far fewer pieces.
                        let o = &mut self.tasks[task].outputs[e];
                        let ch = o.chans[o.rr % n as usize];
                        o.rr += 1;
                        self.append(ctx, task, ch, *s);
                    }
                }
            }
        }
    }

    /// Appends a segment to a channel's partly filled buffer, finishing full buffers.
    fn append(&mut self, ctx: &mut Ctx, task: TaskId, ch: ChanId, seg: Segment) {
        let k = ctx.sc.job.max_parallelism;
        let bpp = self.tasks[task].cost.out_bytes_per_prov;
        let cap = self.buffer_capacity(ctx, ch);
        let mut seg = seg;
        let mut count = seg.count(k);
        while count > 0 {
            let c = &mut self.chans[ch];
            let room = cap.saturating_sub(c.pending_sent + c.pending.bytes);
            let fit = ((room as f64 / bpp).ceil() as u64).max(1);
            let (take, rest) = if count > fit {
                let (a, b) = seg.split_at_count(fit, k);
                (a, Some(b))
            } else {
                (seg, None)
            };
            let n = if rest.is_some() { fit } else { count };
            let pending = &mut c.pending;
            match pending.segs.last_mut() {
                Some(l) if l.continued_by(&take, k) => l.hi = take.hi,
                _ => pending.segs.push(take),
            }
            pending.prov += n;
            pending.bytes = (pending.prov as f64 * bpp).round() as u64;
            if c.pending_sent + pending.bytes >= cap {
                self.finish_open_buffer(ctx, ch);
            } else if !self.tasks[task].flush_scheduled {
                self.tasks[task].flush_scheduled = true;
                let attempt = self.tasks[task].attempt;
                let at = ctx.now() + ctx.sc.network.buffer_timeout;
                self.tasks[task].flush_at = at;
                ctx.push(at, Ev::Flush { task, attempt });
            }
            match rest {
                Some(r) => {
                    count -= n;
                    seg = r;
                }
                None => break,
            }
        }
    }

    /// Finishes a channel's open buffer (full, or a barrier must follow): what was
    /// not yet sent of it joins the output queue, and the next record opens a new one.
    pub(super) fn finish_open_buffer(&mut self, ctx: &mut Ctx, ch: ChanId) {
        let c = &mut self.chans[ch];
        c.pending_sent = 0;
        if c.pending.prov == 0 {
            return;
        }
        let buf = std::mem::take(&mut c.pending);
        c.out_q.push_back(Item::Data(buf));
        c.out_data += 1;
        self.transmit(ctx, ch);
    }

    /// Asks channel `ch` to send the bytes written to its open buffer so far
    /// (nothing changes when the receiver cannot take them now).
    pub(super) fn flush_channel(&mut self, ctx: &mut Ctx, ch: ChanId) {
        if self.chans[ch].pending.prov > 0 {
            self.chans[ch].flush_requested = true;
            self.transmit(ctx, ch);
        }
    }

    /// Flushes every output channel of `task` now; an armed flusher timer is dropped
    /// (and a caught-up source that waited for it is woken by its next pump).
    pub fn flush_task(&mut self, ctx: &mut Ctx, task: TaskId) {
        let t = &mut self.tasks[task];
        if t.flush_scheduled && t.wake_at == Some(t.flush_at) {
            t.wake_at = None;
        }
        t.flush_scheduled = false;
        for e in 0..self.tasks[task].outputs.len() {
            for i in 0..self.tasks[task].outputs[e].chans.len() {
                let ch = self.tasks[task].outputs[e].chans[i];
                self.flush_channel(ctx, ch);
            }
        }
    }

    /// The output flusher's timer armed for `at` fired (buffer timeout): flush,
    /// unless the timer was dropped or re-armed since. An idle source first emits
    /// the records that arrived while it waited (see `source`). True when it did.
    pub fn flush_timer(&mut self, ctx: &mut Ctx, task: TaskId, at: crate::time::SimTime) -> bool {
        let t = &self.tasks[task];
        if !t.flush_scheduled || t.flush_at != at {
            return false;
        }
        let read = self.emit_arrived(ctx, task);
        self.flush_task(ctx, task);
        self.to_pump.push(task);
        read
    }

    /// Flushes and sends a barrier on every output channel (behind the data).
    pub fn broadcast_barrier(&mut self, ctx: &mut Ctx, task: TaskId, ckpt: u64) {
        for e in 0..self.tasks[task].outputs.len() {
            for i in 0..self.tasks[task].outputs[e].chans.len() {
                let ch = self.tasks[task].outputs[e].chans[i];
                self.finish_open_buffer(ctx, ch);
                self.chans[ch].flush_requested = false;
                self.chans[ch].out_q.push_back(Item::Barrier(ckpt));
                self.transmit(ctx, ch);
            }
        }
    }

    /// True when the task must not take more input: an output subpartition holds
    /// `max-buffers-per-channel` buffers (the open one and the finished ones not
    /// yet sent, or for a local channel not yet read by its consumer), or a result
    /// partition's buffer pool (Flink: subpartitions × buffers-per-channel +
    /// floating buffers) is used up.
    pub fn output_blocked(&self, ctx: &Ctx, task: TaskId) -> bool {
        let net = &ctx.sc.network;
        let limit = net.max_buffers_per_channel;
        self.tasks[task].outputs.iter().any(|o| {
            let mut used = 0usize;
            for &c in &o.chans {
                let n = self.chans[c].pool_buffers();
                if n >= limit {
                    return true;
                }
                used += n as usize;
            }
            let pool =
                o.chans.len() * net.exclusive_buffers as usize + net.floating_buffers as usize;
            used >= pool.max(o.chans.len() + 1)
        })
    }
}
