//! The replayable partitioned log the sources read (Kafka-like): how many
//! records each partition holds at a given time, and when it will hold more.
//!
//! A source's append rate is split over its partitions record by record: the
//! s-th record appended to source x goes to its partition s mod P. Appending
//! stops at the job's duration. All arithmetic is integer.
//!
//! Also the source task's read step: up to one buffer's worth per output
//! channel at a time, round-robin over its partitions. A caught-up FLIP-27
//! source waits for data (its availability future) and emits each record as
//! it arrives into its open buffers, which the output flusher makes visible
//! a buffer timeout later. ckptsim computes that in closed form and keeps
//! the buffer as the unit of events: the flusher is armed for the first new
//! record's arrival plus the buffer timeout, and when it fires (or a
//! checkpoint trigger comes first) the idle source emits every record that
//! arrived meanwhile; it wakes to read earlier only when a whole chunk is there.

use super::Job;
use super::task::{Role, Work};
use crate::data::Segment;
use crate::event::{Ctx, Ev, TaskId};
use crate::scenario::{RateProfile, Scenario, VertexKind};
use crate::time::{NS_PER_S, SimDuration, SimTime};

#[derive(Clone, Debug)]
struct SourceLog {
    /// (start time ns, records/s, records appended before start).
    steps: Vec<(u64, u64, u64)>,
    partitions: u32,
    first_partition: u32,
}

/// The log of every source, partitions numbered globally in vertex order.
#[derive(Clone, Debug)]
pub(crate) struct Log {
    sources: Vec<SourceLog>,
    /// Global partition → (source index in `sources`, local partition).
    owner: Vec<(usize, u32)>,
    end_ns: u64,
}

impl Log {
    /// The log of `sc`'s sources.
    pub fn new(sc: &Scenario) -> Log {
        let end_ns = sc.job.duration.as_ns();
        let mut sources = Vec::new();
        let mut owner = Vec::new();
        for v in &sc.job.vertices {
            if let VertexKind::Source(s) = &v.kind {
                let raw: Vec<(u64, u64)> = match &s.rate {
                    RateProfile::Constant { records_per_s } => vec![(0, *records_per_s)],
                    RateProfile::Steps { steps } => {
                        steps.iter().map(|(t, r)| (t.as_ns(), *r)).collect()
                    }
                };
                let mut steps = Vec::new();
                let mut before = 0u64;
                for (i, &(t, r)) in raw.iter().enumerate() {
                    steps.push((t, r, before));
                    if let Some(&(t2, _)) = raw.get(i + 1) {
                        before += mul_div(r, t2 - t, NS_PER_S);
                    }
                }
                let first = owner.len() as u32;
                for p in 0..s.partitions {
                    owner.push((sources.len(), p));
                }
                sources.push(SourceLog {
                    steps,
                    partitions: s.partitions,
                    first_partition: first,
                });
            }
        }
        Log {
            sources,
            owner,
            end_ns,
        }
    }

    /// Number of global partitions.
    pub fn partitions(&self) -> usize {
        self.owner.len()
    }

    /// Global partitions of the source vertex with index `source_rank` (0 = first source).
    pub fn partitions_of(&self, source_rank: usize) -> std::ops::Range<u32> {
        let s = &self.sources[source_rank];
        s.first_partition..s.first_partition + s.partitions
    }

    fn total(&self, src: usize, t_ns: u64) -> u64 {
        let t = t_ns.min(self.end_ns);
        let s = &self.sources[src];
        let i = s.steps.partition_point(|&(st, _, _)| st <= t).max(1) - 1;
        let (st, rate, before) = s.steps[i];
        before + mul_div(rate, t - st, NS_PER_S)
    }

    /// Records in global partition `gp` at time `t`.
    pub fn appended(&self, gp: u32, t: SimTime) -> u64 {
        let (src, p) = self.owner[gp as usize];
        let a = self.total(src, t.as_ns());
        let n = self.sources[src].partitions as u64;
        (a + n - 1 - p as u64) / n
    }

    /// Records partition `gp` will ever hold (appending stops at the duration).
    pub fn final_len(&self, gp: u32) -> u64 {
        self.appended(gp, SimTime(self.end_ns))
    }

    /// The earliest time at which partition `gp` holds at least `x` records, if ever.
    pub fn time_of(&self, gp: u32, x: u64) -> Option<SimTime> {
        if x == 0 {
            return Some(SimTime::ZERO);
        }
        let (src, p) = self.owner[gp as usize];
        let s = &self.sources[src];
        // Need the source total to reach (x-1)·P + p + 1.
        let need = (x - 1) * s.partitions as u64 + p as u64 + 1;
        if self.total(src, self.end_ns) < need {
            return None;
        }
        // The last step that starts below `need` reaches it (its rate is not zero).
        let i = s
            .steps
            .partition_point(|&(_, _, before)| before < need)
            .max(1)
            - 1;
        let (st, rate, before) = s.steps[i];
        let dt = ((need - before) as u128 * NS_PER_S as u128).div_ceil(rate.max(1) as u128) as u64;
        Some(SimTime(st + dt))
    }
}

impl Job {
    /// A source task reads the next chunk of one of its partitions, or arms its
    /// next poll when it has caught up.
    pub(super) fn source_read(&mut self, ctx: &mut Ctx, task: TaskId) {
        let now = ctx.now();
        let Role::Source { partitions, rr } = &self.tasks[task].role else {
            unreachable!("source_read on a non-source")
        };
        let np = partitions.len();
        let pick = (0..np)
            .map(|k| partitions[(rr + k) % np])
            .find(|&gp| self.log.appended(gp, now) > self.offsets[gp as usize]);
        let chunk = self.chunk_records_of(ctx, task);
        // Between polls (a wake is due), read early only if a whole chunk waits.
        if let (Some(w), Some(gp)) = (self.tasks[task].wake_at, pick)
            && w > now
            && self.log.appended(gp, now) - self.offsets[gp as usize] < chunk
        {
            return;
        }
        let Some(gp) = pick else {
            self.arm_poll(ctx, task, chunk);
            return;
        };
        if let Role::Source { rr, partitions } = &mut self.tasks[task].role {
            let pos = partitions.iter().position(|&p| p == gp).unwrap_or(0);
            *rr = pos + 1;
        }
        let lo = self.offsets[gp as usize];
        let n = (self.log.appended(gp, now) - lo).min(chunk);
        let cost = SimDuration((n as f64 * self.tasks[task].cost.ns_per_prov).round() as u64);
        self.busy(
            ctx,
            task,
            Work::Read {
                gp,
                lo,
                n,
                start: now,
            },
            cost,
        );
    }

    /// The source has read records [lo, lo + n) of partition `gp`: its offset
    /// advances and the records go to its output.
    pub(super) fn emit_read(&mut self, ctx: &mut Ctx, task: TaskId, gp: u32, lo: u64, n: u64) {
        if n == 0 {
            return;
        }
        let hi = lo + n;
        self.advance_read(gp, lo, hi);
        let k = ctx.sc.job.max_parallelism;
        self.emit(ctx, task, &[Segment::full(gp, lo, hi, k)]);
    }

    /// Partition `gp` has been read from its offset `lo` up to `hi`: the offset and
    /// high-water mark move there and the records count as read.
    fn advance_read(&mut self, gp: u32, lo: u64, hi: u64) {
        self.offsets[gp as usize] = hi;
        let hw = &mut self.high_water[gp as usize];
        *hw = (*hw).max(hi);
        self.counters.source_records += hi - lo;
    }

    /// What an idle source that is not backpressured has read, one by one as the
    /// records arrived, while it waited for data: (partition, offset, records
    /// appended by now) per partition; nothing for a busy or backpressured task.
    fn arrived(&self, ctx: &Ctx, task: TaskId) -> Vec<(u32, u64, u64)> {
        let t = &self.tasks[task];
        let Role::Source { partitions, .. } = &t.role else {
            return Vec::new();
        };
        if !matches!(t.work, Work::Idle) || self.output_blocked(ctx, task) {
            return Vec::new();
        }
        let now = ctx.now();
        (partitions.iter())
            .map(|&gp| {
                let lo = self.offsets[gp as usize];
                (gp, lo, self.log.appended(gp, now).max(lo))
            })
            .collect()
    }

    /// The task is cancelled (or its TaskManager died): it stops between two
    /// records. A source has read the records so far: those of a read under way,
    /// or, waiting for data and not backpressured, every record that arrived (it
    /// emits them as they come). Its offsets and high-water mark advance past them
    /// (their output dies with the task's buffers; a restore rewinds the offsets
    /// and they count as replayed).
    pub fn cancel_work(&mut self, ctx: &Ctx, task: TaskId) {
        let t = &self.tasks[task];
        let read = match t.work {
            Work::Read { gp, lo, .. } => vec![(gp, lo, lo + t.records_read(ctx.now()))],
            Work::Idle if t.status == super::task::Status::Running => self.arrived(ctx, task),
            _ => Vec::new(),
        };
        self.tasks[task].work = Work::Idle;
        for (gp, lo, hi) in read {
            self.advance_read(gp, lo, hi);
        }
    }

    /// A checkpoint trigger reached a source's mailbox. A FLIP-27 source emits one
    /// record per mailbox step, so the trigger runs between two records: a read under
    /// way stops after the records read so far (the rest is read after the
    /// snapshot); an idle source that is not backpressured has emitted every record
    /// that arrived while it waited for data.
    pub fn take_trigger_between_records(&mut self, ctx: &mut Ctx, task: TaskId) {
        let now = ctx.now();
        match self.tasks[task].work {
            Work::Read { gp, lo, .. } => {
                let done = self.tasks[task].records_read(now);
                let t = &mut self.tasks[task];
                t.work = Work::Idle;
                t.step = t.step.wrapping_add(1);
                self.emit_read(ctx, task, gp, lo, done);
            }
            Work::Idle => {
                self.emit_arrived(ctx, task);
            }
            _ => {}
        }
    }

    /// The log stops growing: an idle source has emitted, as they arrived, the
    /// last records of its input, and (reaching the end of its input) flushes them.
    pub fn reach_input_end(&mut self, ctx: &mut Ctx) {
        for task in 0..self.tasks.len() {
            let t = &self.tasks[task];
            if matches!(t.role, Role::Source { .. }) && t.status == super::task::Status::Running {
                self.emit_arrived(ctx, task);
                self.flush_task(ctx, task);
                self.to_pump.push(task);
            }
        }
    }

    /// An idle source that is not backpressured has emitted, one by one as they
    /// arrived, the records that reached its partitions while it waited: they go
    /// to its open buffers now. True when there were any.
    pub(super) fn emit_arrived(&mut self, ctx: &mut Ctx, task: TaskId) -> bool {
        let mut read = false;
        for (gp, lo, hi) in self.arrived(ctx, task) {
            read |= hi > lo;
            self.emit_read(ctx, task, gp, lo, hi - lo);
        }
        read
    }

    /// Caught up: arm the output flusher for a buffer timeout after the next
    /// record arrives (it emits what arrived, see `emit_arrived`), and wake to
    /// read as soon as a whole chunk is there if that is earlier.
    fn arm_poll(&mut self, ctx: &mut Ctx, task: TaskId, chunk: u64) {
        let Role::Source { partitions, .. } = &self.tasks[task].role else {
            return;
        };
        let (mut first, mut full): (Option<SimTime>, Option<SimTime>) = (None, None);
        for &gp in partitions {
            let off = self.offsets[gp as usize];
            if let Some(t) = self.log.time_of(gp, off + 1) {
                first = Some(first.map_or(t, |f| f.min(t)));
            }
            if let Some(t) = self.log.time_of(gp, off + chunk) {
                full = Some(full.map_or(t, |f| f.min(t)));
            }
        }
        let Some(first) = first else {
            return;
        };
        let flush = first + ctx.sc.network.buffer_timeout;
        let t = &mut self.tasks[task];
        if !t.flush_scheduled || t.flush_at > flush {
            t.flush_scheduled = true;
            t.flush_at = flush;
            let attempt = t.attempt;
            ctx.push(flush, Ev::Flush { task, attempt });
        }
        // Until then it reads only a whole chunk (`source_read`).
        let flush = self.tasks[task].flush_at;
        let wake = full.map_or(flush, |f| f.min(flush));
        if self.tasks[task].wake_at.is_none_or(|cur| wake < cur) {
            self.tasks[task].wake_at = Some(wake);
            if wake < flush {
                let attempt = self.tasks[task].attempt;
                ctx.push(wake, Ev::SourceWake { task, attempt });
            }
        }
    }

    /// Records one read step takes at most: a buffer's worth (of the largest buffer
    /// size, see `debloat`) for every output channel.
    pub fn chunk_records_of(&self, ctx: &Ctx, task: TaskId) -> u64 {
        let t = &self.tasks[task];
        let rb = t.cost.out_bytes_per_prov.max(1.0);
        let per_buffer =
            ((self.largest_output_buffer(ctx, task) as f64 / rb).floor() as u64).max(1);
        let chans: usize = t.outputs.iter().map(|o| o.chans.len()).max().unwrap_or(1);
        per_buffer * chans.max(1) as u64
    }
}

/// a·b/c in 128-bit, floored.
fn mul_div(a: u64, b: u64, c: u64) -> u64 {
    (a as u128 * b as u128 / c as u128) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::*;

    pub(crate) fn log_of(rate: RateProfile, partitions: u32, duration_s: u64) -> Log {
        let sources = vec![SourceLog {
            steps: match rate {
                RateProfile::Constant { records_per_s } => vec![(0, records_per_s, 0)],
                RateProfile::Steps { steps } => {
                    let mut out = Vec::new();
                    let mut before = 0;
                    for (i, (t, r)) in steps.iter().enumerate() {
                        out.push((t.as_ns(), *r, before));
                        if let Some((t2, _)) = steps.get(i + 1) {
                            before += mul_div(*r, t2.as_ns() - t.as_ns(), NS_PER_S);
                        }
                    }
                    out
                }
            },
            partitions,
            first_partition: 0,
        }];
        Log {
            sources,
            owner: (0..partitions).map(|p| (0, p)).collect(),
            end_ns: SimDuration::from_secs(duration_s).as_ns(),
        }
    }

    #[test]
    fn constant_rate_splits_records_over_partitions() {
        // 1000 records/s over 3 partitions: after 1 s, 1000 records: 334, 333, 333.
        let log = log_of(
            RateProfile::Constant {
                records_per_s: 1000,
            },
            3,
            60,
        );
        let t = SimTime(NS_PER_S);
        assert_eq!(
            (0..3).map(|p| log.appended(p, t)).collect::<Vec<_>>(),
            vec![334, 333, 333]
        );
        // Appending stops at the duration.
        assert_eq!(log.final_len(0), 20_000);
        assert_eq!(log.appended(0, SimTime(120 * NS_PER_S)), 20_000);
    }

    #[test]
    fn time_of_inverts_appended() {
        let log = log_of(
            RateProfile::Steps {
                steps: vec![(SimTime(0), 1000), (SimTime(10 * NS_PER_S), 5000)],
            },
            4,
            60,
        );
        for gp in 0..4 {
            for x in [1, 2, 100, 2500, 2501, 3000, 50_000] {
                match log.time_of(gp, x) {
                    Some(t) => {
                        assert!(log.appended(gp, t) >= x, "gp={gp} x={x}");
                        assert!(log.appended(gp, SimTime(t.0 - 1)) < x, "gp={gp} x={x}");
                    }
                    None => assert!(log.final_len(gp) < x),
                }
            }
        }
    }
}
