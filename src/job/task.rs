//! A subtask at work: its lifecycle, its keyed state, and the processing loop
//! (Flink's mailbox loop): take a trigger from the mailbox (sources), else one
//! input buffer from an available channel (operators, sinks), else read the
//! log (sources), one unit of work at a time, never while the output is
//! backpressured.
//!
//! Owns no checkpoint rule: a trigger, a barrier, the end of a synchronous
//! snapshot or a sink's input is returned as a [`Signal`] to the run loop.

use super::{Job, Signal};
use crate::data::{Segment, count_range};
use crate::event::{ChanId, Ctx, Ev, TaskId};
use crate::scenario::{Partitioning, VertexKind};
use crate::time::SimDuration;
use std::collections::VecDeque;

/// Lifecycle of a subtask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Processing.
    Running,
    /// Failed or cancelled, waiting for a restart.
    Down,
    /// Deployment under way, or waiting for a slot.
    Deploying,
    /// Downloading state.
    Restoring,
}

/// The unit of work a busy task is doing.
#[derive(Clone, Debug)]
pub(crate) enum Work {
    /// Nothing.
    Idle,
    /// Reading `n` records of global partition `gp` from offset `lo`, one by one
    /// from `start` (the source emits each record as it reads it).
    Read {
        gp: u32,
        lo: u64,
        n: u64,
        start: crate::time::SimTime,
    },
    /// Processing one input buffer.
    Process { buf: super::channel::Buffer },
    /// The synchronous phase of checkpoint `ckpt`'s snapshot.
    Sync { ckpt: u64 },
}

/// The role of a subtask.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Role {
    /// Reads `partitions` of the log round-robin (`rr` is the next to try).
    Source { partitions: Vec<u32>, rr: usize },
    /// Transforms its input.
    Operator,
    /// Writes to the external system.
    Sink,
}

/// Output side of one edge at one subtask.
#[derive(Clone, Debug)]
pub(crate) struct OutEdge {
    /// How records are routed over the channels.
    pub partitioning: Partitioning,
    /// Channels indexed by downstream subtask.
    pub chans: Vec<ChanId>,
    /// Next channel for rebalance.
    pub rr: usize,
}

/// The input side of a subtask: its channels and the gates' floating buffers.
#[derive(Clone, Debug, Default)]
pub(crate) struct Inputs {
    /// Input channels, gate by gate.
    pub chans: Vec<ChanId>,
    /// Floating buffers in use per input gate.
    pub floating_used: Vec<u32>,
    /// Channels with data, in the order they became available (Flink's
    /// `inputChannelsWithData`).
    pub avail: VecDeque<ChanId>,
    /// Input channel state restored from an unaligned checkpoint, processed before any new input.
    pub recovered: VecDeque<super::channel::Buffer>,
}

/// Per-record costs and weights of a subtask, derived from the job graph.
#[derive(Clone, Debug, Default)]
pub(crate) struct Costs {
    /// Nanoseconds per provenance record at this task's input (cost × weight).
    pub ns_per_prov: f64,
    /// Output bytes per provenance record.
    pub out_bytes_per_prov: f64,
    /// Output records per provenance record.
    pub out_weight: f64,
    /// Input records per provenance record (the upstream output ratios).
    pub in_weight: f64,
}

/// A subtask's keyed state, as a size: records folded in and keys owned.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyedState {
    /// Input records folded into keyed state since the beginning (restored on recovery).
    pub records: u64,
    /// Per global partition, one past the highest source offset this task has processed.
    pub frontier: Vec<u64>,
    /// Keys this subtask owns (0 when stateless).
    pub keys_owned: f64,
    /// Bytes per key of state.
    pub bytes_per_key: u64,
}

/// One subtask.
#[derive(Clone, Debug)]
pub(crate) struct Task {
    /// Vertex index in the job graph.
    pub vertex: usize,
    /// Subtask index within the vertex.
    pub index: u32,
    /// TaskManager whose slot it runs in.
    pub tm: u32,
    /// Source, operator or sink.
    pub role: Role,
    /// Lifecycle.
    pub status: Status,
    /// Execution attempt; events of older attempts are stale.
    pub attempt: u32,
    /// What it is doing.
    pub work: Work,
    /// Number of the current unit of work.
    pub step: u32,
    /// Input channels and gates.
    pub inputs: Inputs,
    /// Output edges.
    pub outputs: Vec<OutEdge>,
    /// Checkpoint triggers waiting for the mailbox (sources).
    pub mailbox: VecDeque<u64>,
    /// The output flusher is armed.
    pub flush_scheduled: bool,
    /// When the armed output flusher fires (an older timer event is stale).
    pub flush_at: crate::time::SimTime,
    /// A caught-up source's next poll.
    pub wake_at: Option<crate::time::SimTime>,
    /// Keyed state.
    pub state: KeyedState,
    /// Per-record costs.
    pub cost: Costs,
    /// Running but still processing its recovered input channel state (Flink's
    /// INITIALIZING): not counted as running, takes no new input.
    pub initializing: bool,
    /// Output channel state restored from an unaligned checkpoint, sent once the task runs.
    pub recovered_out: Vec<(ChanId, super::channel::Buffer)>,
    /// Input bytes processed since the task was deployed.
    pub processed_bytes: u64,
}

impl Task {
    /// Records a read under way has read by `now`, one by one at the task's cost
    /// per record (0 when the task is not reading).
    pub fn records_read(&self, now: crate::time::SimTime) -> u64 {
        let Work::Read { n, start, .. } = self.work else {
            return 0;
        };
        let per = self.cost.ns_per_prov;
        if per > 0.0 {
            ((now.since(start).as_ns() as f64 / per).floor() as u64).min(n)
        } else {
            n
        }
    }
}

impl Job {
    /// Starts the next unit of work of `task` if it is idle and can. Returns a
    /// signal when the next step is another room's (the caller handles it and
    /// pumps again).
    pub fn pump(&mut self, ctx: &mut Ctx, task: TaskId) -> Option<Signal> {
        if self.tasks[task].status != Status::Running {
            return None;
        }
        if !self.debloat.is_empty() {
            self.arm_debloater(ctx, task);
        }
        let t = &mut self.tasks[task];
        if !matches!(t.work, Work::Idle) {
            return None;
        }
        // Checkpoint actions run even under backpressure.
        if let Some(ckpt) = t.mailbox.pop_front() {
            return Some(Signal::Trigger { task, ckpt });
        }
        if let Role::Source { .. } = t.role {
            if !self.output_blocked(ctx, task) {
                self.source_read(ctx, task);
            }
            return None;
        }
        if t.initializing && t.inputs.recovered.is_empty() {
            t.initializing = false;
            return Some(Signal::InputRecovered { task });
        }
        if self.output_blocked(ctx, task) {
            return None;
        }
        let (ch, item) = if self.tasks[task].initializing {
            let buf = self.tasks[task].inputs.recovered.pop_front()?;
            (usize::MAX, super::channel::Item::Data(buf))
        } else {
            let taken = self.take_input(ctx, task);
            if !self.debloat.is_empty() {
                self.measure_input(ctx.now(), task, taken.as_ref());
            }
            taken?
        };
        match item {
            super::channel::Item::Data(buf) => {
                let cost = SimDuration(
                    (buf.prov as f64 * self.tasks[task].cost.ns_per_prov).round() as u64,
                );
                self.busy(ctx, task, Work::Process { buf }, cost);
                None
            }
            super::channel::Item::Priority(_) => unreachable!("unaligned barriers never queue"),
            super::channel::Item::Barrier(ckpt) => Some(Signal::Barrier {
                task,
                slot: self.chans[ch].slot,
                ch,
                ckpt,
            }),
        }
    }

    /// True when a buffer holds a record an armed failure of `task` waits for (the
    /// trap's partition at its offset or later, in the task's key groups); the trap
    /// is disarmed: it fires once, like Flink's failing test operators.
    fn trap_fires(&mut self, ctx: &Ctx, task: TaskId, segs: &[Segment]) -> bool {
        let k = ctx.sc.job.max_parallelism;
        let hit = self.traps.iter().position(|&(t, p, o)| {
            t == task
                && segs.iter().any(|s| {
                    s.partition == p
                        && s.hi > o
                        && count_range(p, s.lo.max(o), s.hi, s.kg_lo, s.kg_hi, k) > 0
                })
        });
        if let Some(i) = hit {
            self.traps.remove(i);
        }
        hit.is_some()
    }

    /// Makes `task` busy with `work` for `cost`.
    pub fn busy(&mut self, ctx: &mut Ctx, task: TaskId, work: Work, cost: SimDuration) {
        let t = &mut self.tasks[task];
        t.work = work;
        t.step = t.step.wrapping_add(1);
        let (attempt, step) = (t.attempt, t.step);
        let at = ctx.now() + cost;
        ctx.push(
            at,
            Ev::TaskStep {
                task,
                attempt,
                step,
            },
        );
    }

    /// True when `task` still runs the attempt and the unit of work a step event was scheduled for.
    pub fn live_step(&self, task: TaskId, attempt: u32, step: u32) -> bool {
        self.live(task, attempt) && self.tasks[task].step == step
    }

    /// A task's unit of work has finished. Returns what another room must do
    /// about it; the caller then pumps the task again.
    pub fn work_done(&mut self, ctx: &mut Ctx, task: TaskId) -> Option<Signal> {
        let work = std::mem::replace(&mut self.tasks[task].work, Work::Idle);
        match work {
            Work::Idle => None,
            Work::Read { gp, lo, n, .. } => {
                self.emit_read(ctx, task, gp, lo, n);
                Some(Signal::Read)
            }
            Work::Process { buf } => {
                if self.trap_fires(ctx, task, &buf.segs) {
                    return Some(Signal::RecordFailure { task });
                }
                let t = &mut self.tasks[task];
                t.processed_bytes += buf.bytes;
                t.state.records += buf.prov;
                for s in &buf.segs {
                    let f = &mut t.state.frontier[s.partition as usize];
                    *f = (*f).max(s.hi);
                }
                let records = buf.prov as f64 * t.cost.out_weight;
                match ctx.sc.job.vertices[t.vertex].kind {
                    VertexKind::Sink(_) => {
                        self.counters.sink_records += records;
                        Some(Signal::SinkInput {
                            task,
                            segs: buf.segs,
                            records,
                        })
                    }
                    _ => {
                        self.emit(ctx, task, &buf.segs);
                        None
                    }
                }
            }
            Work::Sync { ckpt } => Some(Signal::SyncDone { task, ckpt }),
        }
    }
}
