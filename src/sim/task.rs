//! Subtasks at work: reading the log, processing buffers, emitting output
//! into network buffers, flushing, credit-based flow control and the wire.
//!
//! A task does one unit of work at a time (a read of up to one chunk, one
//! input buffer, or a synchronous snapshot) and stops reading input while any
//! of its output subpartitions holds `max-buffers-per-channel` buffers
//! (backpressure). Data buffers need a receiver buffer (2 exclusive per
//! channel + 8 floating per gate); barriers, like Flink's events, need none
//! but stay behind the data queued before them.

use super::{ChanId, Ev, Item, Role, Sim, Status, TaskId, Work};
use crate::data::{Segment, key_group_range, operator_index};
use crate::scenario::{Partitioning, SinkKind, VertexKind};
use crate::time::{NS_PER_S, SimDuration, SimTime};

impl Sim<'_> {
    /// Starts the next unit of work of `task` if it is idle and can.
    pub(crate) fn pump(&mut self, task: TaskId) {
        loop {
            let t = &self.tasks[task];
            if t.status != Status::Running || !matches!(t.work, Work::Idle) {
                return;
            }
            if let Role::Source { .. } = t.role {
                if let Some(ckpt) = self.tasks[task].pending_triggers.pop_front() {
                    self.source_snapshot(task, ckpt);
                    continue;
                }
                if self.output_blocked(task) {
                    return;
                }
                self.source_read(task);
                return;
            }
            if self.output_blocked(task) {
                return;
            }
            let n = t.inputs.len();
            let found = (0..n).map(|k| (t.rr_in + k) % n).find(|&s| {
                let c = &self.chans[t.inputs[s]];
                !c.blocked && !c.in_q.is_empty()
            });
            let Some(slot) = found else { return };
            let ch = self.tasks[task].inputs[slot];
            self.tasks[task].rr_in = slot + 1;
            match self.chans[ch].in_q.pop_front().expect("non-empty") {
                Item::Data(buf) => {
                    self.return_credit(ch);
                    let cost = SimDuration(
                        (buf.prov as f64 * self.tasks[task].ns_per_prov).round() as u64,
                    );
                    self.busy(task, Work::Process { buf }, cost);
                    return;
                }
                Item::Barrier(ckpt) => {
                    self.on_barrier(task, slot, ckpt);
                    // A barrier that did not block its channel (ignored, or alignment done)
                    // must not leave the sender's subpartition blocked.
                    let c = &self.chans[ch];
                    if !c.blocked && c.sender_blocked {
                        let (epoch, at) = (
                            c.epoch,
                            self.now()
                                + if c.remote {
                                    self.sc.network.latency
                                } else {
                                    SimDuration::ZERO
                                },
                        );
                        self.q.push(at, Ev::Resume { ch, epoch });
                    }
                }
            }
        }
    }

    /// Makes `task` busy with `work` for `cost`.
    pub(crate) fn busy(&mut self, task: TaskId, work: Work, cost: SimDuration) {
        let attempt = self.tasks[task].attempt;
        self.tasks[task].work = work;
        let at = self.now() + cost;
        self.q.push(at, Ev::TaskStep { task, attempt });
    }

    fn source_read(&mut self, task: TaskId) {
        let now = self.now();
        let Role::Source { partitions, rr } = &self.tasks[task].role else {
            unreachable!("source_read on a non-source")
        };
        let np = partitions.len();
        let pick = (0..np)
            .map(|k| partitions[(rr + k) % np])
            .find(|&gp| self.log.appended(gp, now) > self.offsets[gp as usize]);
        let chunk = self.chunk_records_of(task);
        // Between polls (a wake is due), read early only if a whole chunk waits.
        if let (Some(w), Some(gp)) = (self.tasks[task].wake_at, pick)
            && w > now
            && self.log.appended(gp, now) - self.offsets[gp as usize] < chunk
        {
            return;
        }
        let Some(gp) = pick else {
            // Caught up: wake when a chunk is there, or after a buffer timeout.
            let mut wake: Option<SimTime> = None;
            for &gp in partitions {
                if let Some(t) = self.log.time_of(gp, self.offsets[gp as usize] + 1) {
                    let full = self
                        .log
                        .time_of(gp, self.offsets[gp as usize] + chunk)
                        .unwrap_or(t);
                    let t = full.min(t.max(now + self.sc.network.buffer_timeout));
                    wake = Some(wake.map_or(t, |w| w.min(t)));
                }
            }
            if let Some(w) = wake
                && self.tasks[task].wake_at.is_none_or(|cur| w < cur)
            {
                self.tasks[task].wake_at = Some(w);
                let attempt = self.tasks[task].attempt;
                self.q.push(w, Ev::SourceWake { task, attempt });
            }
            return;
        };
        if let Role::Source { rr, partitions } = &mut self.tasks[task].role {
            let pos = partitions.iter().position(|&p| p == gp).unwrap_or(0);
            *rr = pos + 1;
        }
        let lo = self.offsets[gp as usize];
        let n = (self.log.appended(gp, now) - lo).min(chunk);
        let cost = SimDuration((n as f64 * self.tasks[task].ns_per_prov).round() as u64);
        self.busy(task, Work::Read { gp, lo, n }, cost);
    }

    /// Records one read step takes at most: a buffer's worth for every output channel.
    pub(crate) fn chunk_records_of(&self, task: TaskId) -> u64 {
        let t = &self.tasks[task];
        let rb = t.out_bytes_per_prov.max(1.0);
        let per_buffer = ((self.sc.network.buffer_bytes as f64 / rb).floor() as u64).max(1);
        let chans: usize = t.outputs.iter().map(|o| o.chans.len()).max().unwrap_or(1);
        per_buffer * chans.max(1) as u64
    }

    /// A task's unit of work has finished.
    pub(crate) fn work_done(&mut self, task: TaskId) {
        let work = std::mem::replace(&mut self.tasks[task].work, Work::Idle);
        match work {
            Work::Idle => {}
            Work::Read { gp, lo, n } => {
                let hi = lo + n;
                self.offsets[gp as usize] = hi;
                let hw = &mut self.high_water[gp as usize];
                *hw = (*hw).max(hi);
                self.c.source_records += n;
                let k = self.sc.job.max_parallelism;
                self.emit(task, &[Segment::full(gp, lo, hi, k)]);
                self.after_read();
            }
            Work::Process { buf } => {
                let k = self.sc.job.max_parallelism;
                let t = &mut self.tasks[task];
                t.state_records += buf.prov;
                for s in &buf.segs {
                    let f = &mut t.frontier[s.partition as usize];
                    *f = (*f).max(s.hi);
                }
                let records = buf.prov as f64 * t.out_weight;
                match self.sc.job.vertices[t.vertex].kind {
                    VertexKind::Sink(ref s) => {
                        self.c.sink_records += records;
                        match s.kind {
                            SinkKind::TwoPhaseCommit => {
                                let open = &mut self.sinks[task].open;
                                for s in buf.segs {
                                    match open.last_mut() {
                                        Some(l) if l.continued_by(&s, k) => l.hi = s.hi,
                                        _ => open.push(s),
                                    }
                                }
                            }
                            SinkKind::AtLeastOnce => {
                                self.c.committed_records += records;
                                super::collect::commit_segments(
                                    &mut self.sinks[task],
                                    &buf.segs,
                                    records,
                                    k,
                                );
                            }
                        }
                    }
                    _ => self.emit(task, &buf.segs),
                }
            }
            Work::Sync { ckpt } => self.sync_done(task, ckpt),
        }
        self.to_pump.push(task);
    }

    /// Routes output provenance into the task's output channels.
    pub(crate) fn emit(&mut self, task: TaskId, segs: &[Segment]) {
        let k = self.sc.job.max_parallelism;
        for e in 0..self.tasks[task].outputs.len() {
            let (part, n) = {
                let o = &self.tasks[task].outputs[e];
                (o.partitioning, o.chans.len() as u32)
            };
            for s in segs {
                match part {
                    Partitioning::Forward => {
                        let ch = self.tasks[task].outputs[e].chans[0];
                        self.append(task, ch, *s);
                    }
                    Partitioning::Hash => {
                        let j0 = operator_index(s.kg_lo, n, k);
                        let j1 = operator_index(s.kg_hi - 1, n, k);
                        for j in j0..=j1 {
                            let (g0, g1) = key_group_range(j, n, k);
                            if let Some(piece) = s.restrict_kg(g0, g1, k) {
                                let ch = self.tasks[task].outputs[e].chans[j as usize];
                                self.append(task, ch, piece);
                            }
                        }
                    }
                    Partitioning::Rebalance => {
                        // Round-robin over the channels segment by segment, not record by
                        // record (see README: model): the same load balance, far fewer pieces.
                        let o = &mut self.tasks[task].outputs[e];
                        let ch = o.chans[o.rr % n as usize];
                        o.rr += 1;
                        self.append(task, ch, *s);
                    }
                }
            }
        }
    }

    /// Appends a segment to a channel's partly filled buffer, finishing full buffers.
    fn append(&mut self, task: TaskId, ch: ChanId, seg: Segment) {
        let k = self.sc.job.max_parallelism;
        let bpp = self.tasks[task].out_bytes_per_prov;
        let cap = self.sc.network.buffer_bytes;
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
                self.finish_buffer(ch);
            } else if !self.tasks[task].flush_scheduled {
                self.tasks[task].flush_scheduled = true;
                let attempt = self.tasks[task].attempt;
                let at = self.now() + self.sc.network.buffer_timeout;
                self.q.push(at, Ev::Flush { task, attempt });
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
    pub(crate) fn finish_buffer(&mut self, ch: ChanId) {
        let c = &mut self.chans[ch];
        if c.pending.prov == 0 {
            return;
        }
        let buf = std::mem::take(&mut c.pending);
        c.out_q.push_back(Item::Data(buf));
        self.transmit(ch);
    }

    /// The output flusher: finishes every partly filled buffer of the task.
    pub(crate) fn flush_task(&mut self, task: TaskId) {
        self.tasks[task].flush_scheduled = false;
        for e in 0..self.tasks[task].outputs.len() {
            for i in 0..self.tasks[task].outputs[e].chans.len() {
                let ch = self.tasks[task].outputs[e].chans[i];
                self.finish_buffer(ch);
            }
        }
    }

    /// Flushes and sends a barrier on every output channel (behind the data).
    pub(crate) fn broadcast_barrier(&mut self, task: TaskId, ckpt: u64) {
        for e in 0..self.tasks[task].outputs.len() {
            for i in 0..self.tasks[task].outputs[e].chans.len() {
                let ch = self.tasks[task].outputs[e].chans[i];
                self.finish_buffer(ch);
                self.chans[ch].out_q.push_back(Item::Barrier(ckpt));
                self.transmit(ch);
            }
        }
    }

    /// True when the task must not take more input: an output subpartition holds
    /// `max-buffers-per-channel` buffers, or a result partition's buffer pool
    /// (Flink: subpartitions × buffers-per-channel + floating buffers, partly
    /// filled buffers included) is used up.
    pub(crate) fn output_blocked(&self, task: TaskId) -> bool {
        let net = &self.sc.network;
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

    fn has_credit(&self, ch: ChanId) -> bool {
        let c = &self.chans[ch];
        c.used < self.sc.network.exclusive_buffers
            || self.tasks[c.to].floating_used[c.gate] < self.sc.network.floating_buffers
    }

    /// Sends what the channel's output queue can send now.
    pub(crate) fn transmit(&mut self, ch: ChanId) {
        let now = self.now();
        let mut sent = false;
        while let Some(front) = self.chans[ch].out_q.front() {
            let is_data = matches!(front, Item::Data(_));
            if is_data && (self.chans[ch].sender_blocked || !self.has_credit(ch)) {
                break;
            }
            let item = self.chans[ch].out_q.pop_front().expect("front exists");
            sent = true;
            let (to, gate) = (self.chans[ch].to, self.chans[ch].gate);
            let bytes = match &item {
                Item::Data(b) => {
                    if self.chans[ch].used >= self.sc.network.exclusive_buffers {
                        self.tasks[to].floating_used[gate] += 1;
                    }
                    self.chans[ch].used += 1;
                    b.bytes
                }
                Item::Barrier(_) => {
                    // Aligned checkpoints block the subpartition behind the barrier.
                    self.chans[ch].sender_blocked = self.aligned_blocking();
                    0
                }
            };
            let c = &mut self.chans[ch];
            let arrive = if c.remote {
                let start = now.max(c.link_free);
                let tx = (bytes as u128 * NS_PER_S as u128)
                    .div_ceil(self.sc.network.bandwidth_bytes_per_s as u128)
                    as u64;
                c.link_free = start + SimDuration(tx);
                c.link_free + self.sc.network.latency
            } else {
                now
            };
            c.wire.push_back(item);
            let epoch = c.epoch;
            self.q.push(arrive, Ev::Arrive { ch, epoch });
        }
        if sent {
            self.to_pump.push(self.chans[ch].from);
        }
    }

    /// The next item on the wire reaches the receiver.
    pub(crate) fn arrive(&mut self, ch: ChanId, epoch: u32) {
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
    fn return_credit(&mut self, ch: ChanId) {
        let c = &self.chans[ch];
        let delay = if c.remote {
            self.sc.network.latency
        } else {
            SimDuration::ZERO
        };
        let epoch = c.epoch;
        let at = self.now() + delay;
        self.q.push(at, Ev::Credit { ch, epoch });
    }

    /// A credit announcement reaches the sender.
    pub(crate) fn credit(&mut self, ch: ChanId, epoch: u32) {
        if self.chans[ch].epoch != epoch {
            return;
        }
        let (to, gate) = (self.chans[ch].to, self.chans[ch].gate);
        let freed_floating = self.chans[ch].used > self.sc.network.exclusive_buffers;
        if freed_floating {
            self.tasks[to].floating_used[gate] -= 1;
        }
        self.chans[ch].used -= 1;
        if freed_floating {
            // A floating buffer serves any channel of the gate.
            for i in 0..self.tasks[to].inputs.len() {
                let other = self.tasks[to].inputs[i];
                if self.chans[other].gate == gate && !self.chans[other].out_q.is_empty() {
                    self.transmit(other);
                }
            }
        } else {
            self.transmit(ch);
        }
    }
}
