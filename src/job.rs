//! The job room: the execution graph at work. Owns the subtasks (their
//! lifecycle, keyed state and processing loop), the channels between them
//! (buffers, credit, the wire), the replayable source log and read offsets,
//! and the job's status.
//!
//! It knows the mechanisms a checkpoint needs (a task's mailbox of trigger
//! requests, barriers as channel items, blocked channels, a synchronous
//! snapshot as a unit of work) but none of the checkpoint or recovery rules:
//! where such a rule must act, `pump` and `work_done` return a [`Signal`] and
//! the run loop hands it to the room that owns the rule. Uses `event` only.
//!
//! ```text
//!   topology ─▶ Job { tasks, chans, log, offsets }
//!   task (pump, work) ─▶ record_writer (emit, append, flush) ─▶ channel (credit, wire)
//!   source (the log, reads)   debloat (gate throughput, announced buffer sizes)
//! ```

pub(crate) mod channel;
pub(crate) mod channel_state;
pub(crate) mod debloat;
pub(crate) mod record_writer;
pub(crate) mod source;
pub(crate) mod task;
pub(crate) mod topology;

#[cfg(test)]
mod data_plane_tests;

use crate::data::Segment;
use crate::event::{ChanId, Ctx, TaskId};
use crate::metrics::JobStatus;
use crate::mutants::Bug;
use crate::scenario::CheckpointMode;
use channel::Channel;
use task::Task;

/// Running totals of the data plane, sampled into the time series.
#[derive(Clone, Debug, Default)]
pub(crate) struct Throughput {
    /// Records read by all sources.
    pub source_records: u64,
    /// Records that reached a sink (provenance × output weight).
    pub sink_records: f64,
}

/// What a task's step hands to the room that owns the rule (see the module doc).
#[derive(Clone, Debug)]
pub(crate) enum Signal {
    /// A task took a checkpoint action from its mailbox: a source's trigger, or the
    /// snapshot of an unaligned checkpoint whose first barrier came.
    Trigger { task: TaskId, ckpt: u64 },
    /// An unaligned barrier reached `task` on input channel `slot` (channel `ch`).
    PriorityBarrier {
        task: TaskId,
        slot: usize,
        ch: ChanId,
        ckpt: u64,
    },
    /// A task has processed its recovered input channel state: it runs.
    InputRecovered { task: TaskId },
    /// A task took a barrier from input channel `slot` (channel `ch`).
    Barrier {
        task: TaskId,
        slot: usize,
        ch: ChanId,
        ckpt: u64,
    },
    /// A source read records: the log may be drained, a recovery may have caught up.
    Read,
    /// A task threw while processing a record an armed failure waits for (the
    /// buffer's records take no effect).
    RecordFailure { task: TaskId },
    /// A sink processed a buffer of `records` output records.
    SinkInput {
        task: TaskId,
        segs: Vec<Segment>,
        records: f64,
    },
    /// A task's synchronous snapshot phase ended.
    SyncDone { task: TaskId, ckpt: u64 },
}

/// The execution graph and its data plane.
pub(crate) struct Job {
    /// Subtasks in vertex order.
    pub tasks: Vec<Task>,
    /// Channels in edge order.
    pub chans: Vec<Channel>,
    /// Pipelined region of each task (for region failover).
    pub region_of: Vec<usize>,
    /// The replayable log the sources read.
    pub log: source::Log,
    /// Read position per global partition.
    pub offsets: Vec<u64>,
    /// Highest read position ever reached per global partition.
    pub high_water: Vec<u64>,
    /// Tasks to give a chance to start work (a stack: last pushed, first pumped).
    pub to_pump: Vec<TaskId>,
    /// Tasks in the RUNNING state.
    pub running: usize,
    /// How the job stands (running, finished, failed).
    pub status: JobStatus,
    /// Why the job failed, if it did.
    pub failure_cause: Option<String>,
    /// An aligned barrier blocks its subpartition until the receiver resumes
    /// consumption (aligned exactly-once mode, no injected bug).
    pub barrier_blocks: bool,
    /// Data-plane totals.
    pub counters: Throughput,
    /// Armed failures injected by data: (task, global partition, offset).
    pub traps: Vec<(TaskId, u32, u64)>,
    /// Per global partition, the sink subtasks its records reach.
    pub sinks_of_partition: Vec<Vec<TaskId>>,
    /// Per task, its input gates' buffer debloaters (empty when debloating is off).
    pub debloat: Vec<debloat::TaskDebloat>,
}

impl Job {
    /// Builds the job of the context's scenario with every task running at time zero.
    pub fn new(ctx: &Ctx) -> Job {
        let sc = ctx.sc;
        let topo = topology::build(sc);
        let log = source::Log::new(sc);
        let np = log.partitions();
        let mut job = Job {
            running: 0,
            tasks: topo.tasks,
            chans: topo.chans,
            region_of: topo.region_of,
            log,
            offsets: vec![0; np],
            high_water: vec![0; np],
            to_pump: Vec::new(),
            status: JobStatus::Running,
            failure_cause: None,
            barrier_blocks: sc.checkpoint.mode == CheckpointMode::ExactlyOnce
                && !ctx.has_bug(Bug::NoAlignment),
            counters: Throughput::default(),
            traps: Vec::new(),
            sinks_of_partition: Vec::new(),
            debloat: Vec::new(),
        };
        let gates = job.tasks.iter().map(|t| t.inputs.floating_used.len());
        job.debloat = debloat::debloaters(sc, gates);
        job.sinks_of_partition = (0..np as u32).map(|gp| job.reachable_sinks(gp)).collect();
        job
    }

    /// The sink subtasks downstream of the source subtask that reads partition `gp`.
    fn reachable_sinks(&self, gp: u32) -> Vec<TaskId> {
        let reads = |t: &Task| matches!(&t.role, task::Role::Source { partitions, .. } if partitions.contains(&gp));
        let mut seen = vec![false; self.tasks.len()];
        let mut stack: Vec<TaskId> = self.tasks_where(reads);
        while let Some(t) = stack.pop() {
            if std::mem::replace(&mut seen[t], true) {
                continue;
            }
            let outs = self.tasks[t].outputs.iter().flat_map(|o| o.chans.iter());
            stack.extend(outs.map(|&ch| self.chans[ch].to));
        }
        self.tasks_where(|t| t.role == task::Role::Sink)
            .into_iter()
            .filter(|&s| seen[s])
            .collect()
    }

    /// True when `task` still runs the attempt an event was scheduled for.
    pub fn live(&self, task: TaskId, attempt: u32) -> bool {
        let t = &self.tasks[task];
        t.attempt == attempt && t.status == task::Status::Running
    }

    /// Total source lag: records appended and not yet read, over all partitions,
    /// at record precision. A read under way has read its records one by one; a
    /// source that waits for data (running, idle, not backpressured, less than a
    /// read's worth waiting on each partition) emits each record as it arrives in
    /// Flink, so its partitions have no lag.
    pub fn lag(&self, ctx: &Ctx) -> u64 {
        let now = ctx.now();
        let mut lag = 0;
        // Every partition belongs to exactly one source subtask.
        for (task, t) in self.tasks.iter().enumerate() {
            let task::Role::Source { partitions, .. } = &t.role else {
                continue;
            };
            let running = t.status == task::Status::Running;
            let backlog = |gp: u32| self.log.appended(gp, now) - self.offsets[gp as usize];
            if running && matches!(t.work, task::Work::Idle) && !self.output_blocked(ctx, task) {
                let chunk = self.chunk_records_of(ctx, task);
                if partitions.iter().all(|&gp| backlog(gp) < chunk) {
                    continue; // waiting for data
                }
            }
            for &gp in partitions {
                let read = match t.work {
                    task::Work::Read { gp: g, lo, .. } if running && g == gp => {
                        lo + t.records_read(now)
                    }
                    _ => self.offsets[gp as usize],
                };
                lag += self.log.appended(gp, now).saturating_sub(read);
            }
        }
        lag
    }

    /// True when every source has read its whole log (appending has stopped).
    pub fn drained(&self) -> bool {
        (0..self.offsets.len()).all(|gp| self.offsets[gp] == self.log.final_len(gp as u32))
    }

    /// How far the sinks have processed global partition `gp`: one past the highest
    /// offset, taken at the sink subtask furthest behind among those the partition's
    /// records reach.
    pub fn sink_frontier(&self, gp: u32) -> u64 {
        (self.sinks_of_partition[gp as usize].iter())
            .map(|&s| self.tasks[s].state.frontier[gp as usize])
            .min()
            .unwrap_or(0)
    }

    /// The name of a subtask as Flink's UI shows it: `vertex[index]`.
    pub fn task_name(&self, ctx: &Ctx, task: TaskId) -> String {
        let t = &self.tasks[task];
        format!("{}[{}]", ctx.sc.job.vertices[t.vertex].name, t.index)
    }

    /// Tasks with a given role predicate, in task order.
    pub fn tasks_where(&self, pred: impl Fn(&Task) -> bool) -> Vec<TaskId> {
        (0..self.tasks.len())
            .filter(|&t| pred(&self.tasks[t]))
            .collect()
    }

    /// Empties a channel: the open buffer, output queue, wire and input queue;
    /// its kind (local or remote) follows its ends' placement; credit returned, blocks lifted, the channel out of its receiver's queue of
    /// channels with data, and the epoch bumped so that events in flight are dropped.
    pub fn reset_channel(&mut self, ch: ChanId, now: crate::time::SimTime) {
        let remote = self.placed_remote(ch);
        let c = &mut self.chans[ch];
        let epoch = c.epoch + 1;
        *c = channel::Channel::new(c.from, c.to, c.gate, c.slot, remote);
        c.epoch = epoch;
        c.link_free = now;
        let to = c.to;
        self.tasks[to].inputs.avail.retain(|&q| q != ch);
    }
}
