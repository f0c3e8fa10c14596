//! The output side of a subtask (Flink's RecordWriter and result partition):
//! routing output provenance over the channels of each output edge (forward,
//! hash by key group, rebalance), filling network buffers to their size,
//! the output flusher (buffer timeout), barriers behind the data, and
//! backpressure (an output subpartition or the result partition's buffer
//! pool is full).

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
        let cap = ctx.sc.network.buffer_bytes;
        let mut seg = seg;
        let mut count = seg.count(k);
        while count > 0 {
            let pending = &mut self.chans[ch].pending;
            let room = cap.saturating_sub(pending.bytes);
            let fit = ((room as f64 / bpp).ceil() as u64).max(1);
            let (take, rest) = if count > fit {
                let (a, b) = seg.split_at_count(fit, k);
                (a, Some(b))
            } else {
                (seg, None)
            };
            let n = if rest.is_some() { fit } else { count };
            match pending.segs.last_mut() {
                Some(l) if l.continued_by(&take, k) => l.hi = take.hi,
                _ => pending.segs.push(take),
            }
            pending.prov += n;
            pending.bytes = (pending.prov as f64 * bpp).round() as u64;
            if pending.bytes >= cap {
                self.finish_buffer(ctx, ch);
            } else if !self.tasks[task].flush_scheduled {
                self.tasks[task].flush_scheduled = true;
                let attempt = self.tasks[task].attempt;
                let at = ctx.now() + ctx.sc.network.buffer_timeout;
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

    /// Moves a channel's partly filled buffer to its output queue.
    fn finish_buffer(&mut self, ctx: &mut Ctx, ch: ChanId) {
        let c = &mut self.chans[ch];
        if c.pending.prov == 0 {
            return;
        }
        let buf = std::mem::take(&mut c.pending);
        c.out_q.push_back(Item::Data(buf));
        self.transmit(ctx, ch);
    }

    /// The output flusher: finishes every partly filled buffer of the task.
    pub fn flush_task(&mut self, ctx: &mut Ctx, task: TaskId) {
        self.tasks[task].flush_scheduled = false;
        for e in 0..self.tasks[task].outputs.len() {
            for i in 0..self.tasks[task].outputs[e].chans.len() {
                let ch = self.tasks[task].outputs[e].chans[i];
                self.finish_buffer(ctx, ch);
            }
        }
    }

    /// Flushes and sends a barrier on every output channel (behind the data).
    pub fn broadcast_barrier(&mut self, ctx: &mut Ctx, task: TaskId, ckpt: u64) {
        for e in 0..self.tasks[task].outputs.len() {
            for i in 0..self.tasks[task].outputs[e].chans.len() {
                let ch = self.tasks[task].outputs[e].chans[i];
                self.finish_buffer(ctx, ch);
                self.chans[ch].out_q.push_back(Item::Barrier(ckpt));
                self.transmit(ctx, ch);
            }
        }
    }

    /// True when the task must not take more input: an output subpartition holds
    /// `max-buffers-per-channel` buffers, or a result partition's buffer pool
    /// (Flink: subpartitions × buffers-per-channel + floating buffers, partly
    /// filled buffers included) is used up.
    pub fn output_blocked(&self, ctx: &Ctx, task: TaskId) -> bool {
        let net = &ctx.sc.network;
        let limit = net.max_buffers_per_channel as usize;
        self.tasks[task].outputs.iter().any(|o| {
            let mut used = 0usize;
            for &c in &o.chans {
                let ch = &self.chans[c];
                if ch.out_q.len() >= limit {
                    return true;
                }
                used += ch.out_q.len() + (ch.pending.prov > 0) as usize;
            }
            let pool =
                o.chans.len() * net.exclusive_buffers as usize + net.floating_buffers as usize;
            used >= pool.max(o.chans.len() + 1)
        })
    }
}
