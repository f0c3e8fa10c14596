//! The simulation: Flink's job execution, checkpoint protocol and recovery as
//! one discrete-event state machine over the kernel's event queue.
//!
//! ```text
//!   faults ──▶ failover ──▶ restart/deploy/restore ──▶ tasks
//!                 ▲                                     │ buffers, barriers
//!   coordinator ──┴── trigger ─▶ sources ─▶ channels ─▶ operators ─▶ sinks
//!        ▲   acks, metadata write          (credit)        │
//!        └──────────────── storage ◀── async uploads ◀─────┘
//! ```
//!
//! Rooms: `topology` builds tasks, channels and regions; `source` is the
//! replayable log; `task` moves buffers (processing, credit, flushing);
//! `coordinator` triggers, aligns, snapshots and completes checkpoints;
//! `failover` detects failures and restarts regions; `collect` samples and
//! assembles the `RunResult`. This room never touches files or charts.

mod collect;
mod coordinator;
mod failover;
mod source;
mod task;
mod topology;

use crate::data::Segment;
use crate::kernel::{EventQueue, rng_stream};
use crate::metrics::{CheckpointRecord, JobStatus};
use crate::mutants::Bug;
use crate::restart::RestartState;
use crate::scenario::{Scenario, ScriptedFault};
use crate::storage::{Storage, TransferId};
use crate::time::{SimDuration, SimTime};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, VecDeque};

pub use collect::{run, run_with};

/// Task index (a subtask of a vertex).
pub(crate) type TaskId = usize;
/// Channel index (one upstream subtask to one downstream subtask).
pub(crate) type ChanId = usize;

/// Flink's default `state.storage.fs.memory-threshold`: smaller state travels inline with the ack.
pub(crate) const INLINE_STATE_BYTES: u64 = 20 * 1024;
/// Invariant violations kept per run; later ones are counted, not stored.
const MAX_VIOLATIONS: usize = 20;

/// Every event the simulation schedules. Payloads are small; stale events are
/// recognised by the attempt, epoch or generation they carry.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ev {
    TaskStep {
        task: TaskId,
        attempt: u32,
    },
    SourceWake {
        task: TaskId,
        attempt: u32,
    },
    Flush {
        task: TaskId,
        attempt: u32,
    },
    Arrive {
        ch: ChanId,
        epoch: u32,
    },
    Credit {
        ch: ChanId,
        epoch: u32,
    },
    Resume {
        ch: ChanId,
        epoch: u32,
    },
    AbortAtTask {
        task: TaskId,
        attempt: u32,
        ckpt: u64,
    },
    PeriodicTrigger {
        gen_: u64,
    },
    TriggerAtSource {
        task: TaskId,
        attempt: u32,
        ckpt: u64,
    },
    Ack {
        task: TaskId,
        attempt: u32,
        ckpt: u64,
    },
    Expire {
        ckpt: u64,
    },
    StorageStart {
        id: TransferId,
    },
    StorageWake {
        gen_: u64,
    },
    Notify {
        task: TaskId,
        attempt: u32,
        ckpt: u64,
    },
    Fault {
        index: usize,
    },
    HandleFailure {
        failure: usize,
    },
    CancelDone {
        failover: u64,
    },
    Restart {
        failover: u64,
    },
    Deployed {
        task: TaskId,
        attempt: u32,
    },
    TmLost {
        tm: u32,
        incarnation: u32,
    },
    TmRegistered {
        tm: u32,
        incarnation: u32,
    },
    Sample,
    FinishJob,
    End,
}

/// What a storage transfer is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    Upload {
        task: TaskId,
        attempt: u32,
        ckpt: u64,
    },
    Metadata {
        ckpt: u64,
    },
    Restore {
        task: TaskId,
        attempt: u32,
    },
}

/// A network buffer's content: provenance segments, provenance record count and bytes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buffer {
    pub segs: Vec<Segment>,
    pub prov: u64,
    pub bytes: u64,
}

/// What travels in a channel.
#[derive(Clone, Debug)]
pub(crate) enum Item {
    Data(Buffer),
    Barrier(u64),
}

/// A channel from one subtask to one downstream subtask, both ends and the wire.
#[derive(Clone, Debug)]
pub(crate) struct Channel {
    pub from: TaskId,
    pub to: TaskId,
    /// Receiver's input gate (one per input edge).
    pub gate: usize,
    pub remote: bool,
    pub pending: Buffer,
    pub out_q: VecDeque<Item>,
    pub wire: VecDeque<Item>,
    pub in_q: VecDeque<Item>,
    pub link_free: SimTime,
    /// Receiver buffers taken by data on the wire, queued, or not yet announced back.
    pub used: u32,
    pub blocked: bool,
    /// The sender sent an aligned barrier and sends no more data until the receiver
    /// resumes consumption (Flink's blocked subpartition, FLINK-16404).
    pub sender_blocked: bool,
    pub epoch: u32,
}

/// Lifecycle of a subtask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
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
    Idle,
    Read { gp: u32, lo: u64, n: u64 },
    Process { buf: Buffer },
    Sync { ckpt: u64 },
}

/// The role of a subtask.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Role {
    Source { partitions: Vec<u32>, rr: usize },
    Operator,
    Sink,
}

/// Output side of one edge at one subtask.
#[derive(Clone, Debug)]
pub(crate) struct OutEdge {
    pub partitioning: crate::scenario::Partitioning,
    /// Channels indexed by downstream subtask.
    pub chans: Vec<ChanId>,
    pub rr: usize,
}

/// Alignment of one checkpoint at one task.
#[derive(Clone, Debug)]
pub(crate) struct Align {
    pub seen: Vec<bool>,
    pub count: usize,
    pub first: SimTime,
}

/// What a task's snapshot holds for restore.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct TaskSnap {
    /// The state's upload finished (or it travelled inline).
    pub persisted: bool,
    /// Per global partition, one past the highest source offset folded into this task's state or output.
    pub frontier: Vec<u64>,
    pub state_records: u64,
    pub state_bytes: u64,
    pub offsets: Vec<(u32, u64)>,
    pub sink_txns: Vec<u64>,
}

/// One subtask.
#[derive(Clone, Debug)]
pub(crate) struct Task {
    pub vertex: usize,
    pub index: u32,
    pub tm: u32,
    pub role: Role,
    pub status: Status,
    pub attempt: u32,
    pub failover: u64,
    pub work: Work,
    pub inputs: Vec<ChanId>,
    pub floating_used: Vec<u32>,
    pub outputs: Vec<OutEdge>,
    pub rr_in: usize,
    /// Checkpoints whose barriers this task is collecting (at most one when aligned).
    pub align: BTreeMap<u64, Align>,
    pub last_snapshot: u64,
    pub pending_triggers: VecDeque<u64>,
    pub flush_scheduled: bool,
    pub wake_at: Option<SimTime>,
    /// Input records folded into keyed state since the beginning (restored on recovery).
    pub state_records: u64,
    /// Per global partition, one past the highest source offset this task has processed.
    pub frontier: Vec<u64>,
    pub keys_owned: f64,
    pub bytes_per_key: u64,
    /// Nanoseconds per provenance record at this task's input (cost × weight).
    pub ns_per_prov: f64,
    /// Output bytes per provenance record.
    pub out_bytes_per_prov: f64,
    /// Output records per provenance record.
    pub out_weight: f64,
    /// Input records per provenance record (the upstream output ratios).
    pub in_weight: f64,
    /// When the task's current synchronous snapshot phase began.
    pub sync_started: SimTime,
    pub snap_bytes: u64,
    /// Deploying, but waiting for its TaskManager to be replaced.
    pub awaiting_slot: bool,
}

/// The external system behind a sink subtask: transactions and committed output.
#[derive(Clone, Debug, Default)]
pub(crate) struct SinkExt {
    pub open: Vec<Segment>,
    pub precommitted: BTreeMap<u64, Vec<Segment>>,
    /// Committed provenance: (partition, kg_lo, kg_hi) → offset ranges in commit order, merged when adjacent.
    pub committed: BTreeMap<(u32, u32, u32), Vec<(u64, u64)>>,
    pub committed_records: f64,
    pub last_committed_ckpt: u64,
}

/// A TaskManager as the cluster and the JobManager see it.
#[derive(Clone, Debug)]
pub(crate) struct Tm {
    pub alive: bool,
    /// The JobManager still counts its slots as available.
    pub registered: bool,
    pub incarnation: u32,
}

/// A checkpoint under way.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub id: u64,
    pub trigger: SimTime,
    pub acked: Vec<bool>,
    /// Per task: when its asynchronous phase for this checkpoint began.
    pub async_start: Vec<SimTime>,
    pub n_acked: usize,
    pub snaps: Vec<Option<TaskSnap>>,
    pub start_delay_max: SimDuration,
    pub align_max: SimDuration,
    pub sync_max: SimDuration,
    pub async_max: SimDuration,
    pub state_bytes: u64,
    pub metadata_started: bool,
}

/// The latest completed checkpoint (Flink retains one by default).
#[derive(Clone, Debug)]
pub(crate) struct Completed {
    pub id: u64,
    pub trigger: SimTime,
    pub snaps: Vec<TaskSnap>,
}

/// A failure from a fault (or escalation) until the job runs and has caught up.
#[derive(Clone, Debug)]
pub(crate) struct Episode {
    pub time: SimTime,
    pub kind: String,
    pub target: String,
    pub handled: Option<SimTime>,
    pub restart_delay: SimDuration,
    pub restart_at: Option<SimTime>,
    pub deployed_at: Option<SimTime>,
    pub running_at: Option<SimTime>,
    pub recovered_at: Option<SimTime>,
    pub restored_ckpt: Option<(u64, SimTime)>,
    pub replayed: u64,
    pub restarted_tasks: u32,
    pub restarts: u32,
    pub pre_lag: u64,
}

/// A failure waiting to be handled by the JobManager.
#[derive(Clone, Debug)]
pub(crate) struct FailureNote {
    pub tasks: Vec<TaskId>,
    pub episode: usize,
    /// Escalations and deploy failures restart the whole job or the same region.
    pub global: bool,
}

/// The whole simulated world.
pub(crate) struct Sim<'a> {
    pub sc: &'a Scenario,
    /// The protocol bug injected, if any (see `mutants`).
    pub bug: Option<Bug>,
    /// Named invariants broken so far (at most `MAX_VIOLATIONS`).
    pub violations: Vec<String>,
    pub last_event_time: SimTime,
    pub q: EventQueue<Ev>,
    pub tasks: Vec<Task>,
    pub chans: Vec<Channel>,
    pub tms: Vec<Tm>,
    pub region_of: Vec<usize>,
    pub log: source::Log,
    /// Read position per global partition.
    pub offsets: Vec<u64>,
    pub high_water: Vec<u64>,
    pub sinks: Vec<SinkExt>,
    pub storage: Storage<Owner>,
    pub faults: Vec<ScriptedFault>,
    pub faults_fired: usize,
    pub failures: Vec<FailureNote>,
    pub episodes: Vec<Episode>,
    pub restart: RestartState,
    pub jitter_rng: ChaCha8Rng,
    pub first_delay_rng: ChaCha8Rng,
    // coordinator
    pub next_ckpt: u64,
    pub pending: BTreeMap<u64, Pending>,
    pub latest: Option<Completed>,
    /// Source offsets (per global partition) of every completed checkpoint, for the oracle.
    pub ckpt_offsets: BTreeMap<u64, Vec<u64>>,
    pub sched_gen: u64,
    pub sched_active: bool,
    pub trigger_queued: bool,
    pub last_completion: Option<SimTime>,
    pub consecutive_failed: u32,
    pub ckpt_records: Vec<CheckpointRecord>,
    pub final_requested: bool,
    pub ever_ran_all: bool,
    // failover
    pub next_failover: u64,
    /// Failover id → episode it serves.
    pub fo_episode: BTreeMap<u64, usize>,
    pub running: usize,
    pub status: JobStatus,
    pub failure_cause: Option<String>,
    pub ended: bool,
    pub awaiting_recovery: bool,
    /// Source lag tolerated when judging that a recovery has caught up (see `steady_lag_bound`).
    pub steady_lag: u64,
    // counters
    pub c: collect::Counters,
    pub samples: Vec<crate::metrics::Sample>,
    pub to_pump: Vec<TaskId>,
}

impl<'a> Sim<'a> {
    /// Builds the world for `sc` with every task running at time zero.
    pub fn new(sc: &'a Scenario, bug: Option<Bug>) -> Self {
        let horizon = SimTime(0) + sc.job.duration + sc.job.drain_timeout;
        let faults = crate::faults::schedule(sc, horizon);
        let topo = topology::build(sc);
        let log = source::Log::new(sc);
        let np = log.partitions();
        let mut sim = Sim {
            sc,
            bug,
            violations: Vec::new(),
            last_event_time: SimTime::ZERO,
            q: EventQueue::new(),
            running: topo.tasks.len(),
            tasks: topo.tasks,
            chans: topo.chans,
            tms: (0..sc.cluster.taskmanagers)
                .map(|_| Tm {
                    alive: true,
                    registered: true,
                    incarnation: 0,
                })
                .collect(),
            region_of: topo.region_of,
            sinks: topo.sinks,
            log,
            offsets: vec![0; np],
            high_water: vec![0; np],
            storage: Storage::new(
                sc.storage.bandwidth_bytes_per_s,
                sc.storage.client_bandwidth_bytes_per_s,
            ),
            faults,
            faults_fired: 0,
            failures: Vec::new(),
            episodes: Vec::new(),
            restart: RestartState::new(sc.restart.clone()),
            jitter_rng: rng_stream(sc.seed, "restart-jitter"),
            first_delay_rng: rng_stream(sc.seed, "checkpoint-first-delay"),
            next_ckpt: 1,
            pending: BTreeMap::new(),
            latest: None,
            ckpt_offsets: BTreeMap::new(),
            sched_gen: 0,
            sched_active: false,
            trigger_queued: false,
            last_completion: None,
            consecutive_failed: 0,
            ckpt_records: Vec::new(),
            final_requested: false,
            ever_ran_all: false,
            next_failover: 1,
            fo_episode: BTreeMap::new(),
            status: JobStatus::Running,
            failure_cause: None,
            ended: false,
            awaiting_recovery: false,
            steady_lag: 0,
            c: collect::Counters::default(),
            samples: Vec::new(),
            to_pump: Vec::new(),
        };
        sim.steady_lag = sim.steady_lag_bound();
        for (i, f) in sim.faults.iter().enumerate() {
            sim.q.push(f.at, Ev::Fault { index: i });
        }
        sim.q.push(SimTime(0) + sc.output.sample_period, Ev::Sample);
        sim.q.push(horizon, Ev::End);
        sim.to_pump.extend(0..sim.tasks.len());
        sim.on_all_running();
        sim
    }

    /// The simulation clock.
    pub fn now(&self) -> SimTime {
        self.q.now()
    }

    /// Runs events until the job finishes, fails, or the horizon passes.
    pub fn run_loop(&mut self) {
        self.drain_pumps();
        while !self.ended {
            let Some((t, ev)) = self.q.pop() else { break };
            if t < self.last_event_time {
                self.violate(format!(
                    "time-monotone: event at {t} after one at {}",
                    self.last_event_time
                ));
            }
            self.last_event_time = t;
            self.dispatch(ev);
            self.drain_pumps();
        }
    }

    fn drain_pumps(&mut self) {
        while let Some(t) = self.to_pump.pop() {
            self.pump(t);
        }
    }

    fn dispatch(&mut self, ev: Ev) {
        match ev {
            Ev::TaskStep { task, attempt } => {
                if self.live(task, attempt) {
                    self.work_done(task);
                }
            }
            Ev::SourceWake { task, attempt } => {
                if self.live(task, attempt) {
                    self.tasks[task].wake_at = None;
                    self.to_pump.push(task);
                }
            }
            Ev::Flush { task, attempt } => {
                if self.live(task, attempt) {
                    self.flush_task(task);
                }
            }
            Ev::Arrive { ch, epoch } => self.arrive(ch, epoch),
            Ev::Credit { ch, epoch } => self.credit(ch, epoch),
            Ev::Resume { ch, epoch } => {
                if self.chans[ch].epoch == epoch {
                    self.chans[ch].sender_blocked = false;
                    self.transmit(ch);
                }
            }
            Ev::PeriodicTrigger { gen_ } => self.periodic_tick(gen_),
            Ev::AbortAtTask {
                task,
                attempt,
                ckpt,
            } => {
                if self.live(task, attempt) {
                    self.abort_at_task(task, ckpt);
                }
            }
            Ev::TriggerAtSource {
                task,
                attempt,
                ckpt,
            } => {
                if self.live(task, attempt) {
                    self.tasks[task].pending_triggers.push_back(ckpt);
                    self.to_pump.push(task);
                }
            }
            Ev::Ack {
                task,
                attempt,
                ckpt,
            } => self.on_ack(task, attempt, ckpt),
            Ev::Expire { ckpt } => self.on_expire(ckpt),
            Ev::StorageStart { id } => {
                let now = self.now();
                self.storage.start(id, now);
                self.schedule_storage();
            }
            Ev::StorageWake { gen_ } => {
                if gen_ == self.storage.generation {
                    self.storage_wake();
                }
            }
            Ev::Notify {
                task,
                attempt,
                ckpt,
            } => {
                if self.live(task, attempt) {
                    self.sink_commit_upto(task, ckpt);
                }
            }
            Ev::Fault { index } => self.on_fault(index),
            Ev::HandleFailure { failure } => self.handle_failure(failure),
            Ev::CancelDone { failover } => self.cancel_done(failover),
            Ev::Restart { failover } => self.restart_tasks(failover),
            Ev::Deployed { task, attempt } => self.deployed(task, attempt),
            Ev::TmLost { tm, incarnation } => self.tm_lost(tm, incarnation),
            Ev::TmRegistered { tm, incarnation } => self.tm_registered(tm, incarnation),
            Ev::Sample => self.sample(),
            Ev::FinishJob => {
                self.status = JobStatus::Finished;
                self.ended = true;
            }
            Ev::End => self.ended = true,
        }
    }

    /// Records a broken named invariant ("name: what broke and when").
    pub fn violate(&mut self, what: String) {
        if self.violations.len() < MAX_VIOLATIONS {
            self.violations.push(format!("{what} (at {})", self.now()));
        }
    }

    /// True when the injected bug is `b`.
    pub fn has_bug(&self, b: Bug) -> bool {
        self.bug == Some(b)
    }

    /// True when `task` still runs the attempt an event was scheduled for.
    pub fn live(&self, task: TaskId, attempt: u32) -> bool {
        let t = &self.tasks[task];
        t.attempt == attempt && t.status == Status::Running
    }

    /// Schedules the storage's next completion.
    pub fn schedule_storage(&mut self) {
        if let Some(t) = self.storage.next_completion() {
            let g = self.storage.generation;
            self.q.push(t, Ev::StorageWake { gen_: g });
        }
    }

    fn storage_wake(&mut self) {
        let now = self.now();
        for owner in self.storage.take_finished(now) {
            match owner {
                Owner::Upload {
                    task,
                    attempt,
                    ckpt,
                } => {
                    self.mark_persisted(task, ckpt);
                    let at = now + self.sc.cluster.rpc_latency;
                    self.q.push(
                        at,
                        Ev::Ack {
                            task,
                            attempt,
                            ckpt,
                        },
                    );
                }
                Owner::Metadata { ckpt } => self.complete_checkpoint(ckpt),
                Owner::Restore { task, attempt } => self.restore_done(task, attempt),
            }
        }
        self.schedule_storage();
    }
}
