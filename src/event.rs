//! The vocabulary every simulation room shares: the events it schedules, what
//! a storage transfer is for, and the context (scenario, clock and queue,
//! injected bug, invariant log) that every room is handed explicitly.
//!
//! Owns no protocol state. Rooms above it (`job`, `checkpoint`, `recovery`,
//! `sim`) use it; it uses none of them.

use crate::kernel::EventQueue;
use crate::mutants::Bug;
use crate::oracle::{Invariant, Violation};
use crate::scenario::Scenario;
use crate::storage::TransferId;
use crate::time::{SimDuration, SimTime};

/// Task index (a subtask of a vertex).
pub(crate) type TaskId = usize;
/// Channel index (one upstream subtask to one downstream subtask).
pub(crate) type ChanId = usize;

/// Invariant violations kept per run; later ones are dropped.
const MAX_VIOLATIONS: usize = 20;

/// Every event the simulation schedules. Payloads are small; stale events are
/// recognised by the attempt, epoch or generation they carry.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ev {
    /// A task's unit of work (read, process, synchronous snapshot) ends; `step`
    /// numbers the unit (an interrupted read's step is stale).
    TaskStep {
        task: TaskId,
        attempt: u32,
        step: u32,
    },
    /// A caught-up source polls its partitions again.
    SourceWake { task: TaskId, attempt: u32 },
    /// The output flusher (buffer timeout) of a task fires.
    Flush { task: TaskId, attempt: u32 },
    /// The next item on a channel's wire reaches the receiver.
    Arrive { ch: ChanId, epoch: u32 },
    /// A credit announcement reaches a channel's sender.
    Credit { ch: ChanId, epoch: u32 },
    /// resumeConsumption reaches a sender blocked behind an aligned barrier.
    Resume { ch: ChanId, epoch: u32 },
    /// notifyCheckpointAborted reaches a task.
    AbortAtTask {
        task: TaskId,
        attempt: u32,
        ckpt: u64,
    },
    /// The periodic checkpoint timer fires.
    PeriodicTrigger { gen_: u64 },
    /// The trigger RPC reaches a source task.
    TriggerAtSource {
        task: TaskId,
        attempt: u32,
        ckpt: u64,
    },
    /// A task's acknowledgement reaches the coordinator.
    Ack {
        task: TaskId,
        attempt: u32,
        ckpt: u64,
    },
    /// A pending checkpoint's timeout passes.
    Expire { ckpt: u64 },
    /// A pending checkpoint's start delay passes the aligned checkpoint timeout.
    AlignedTimeout { ckpt: u64 },
    /// A task's changelog materialisation timer fires.
    Materialize { task: TaskId, attempt: u32 },
    /// A task's materialisation of `records` input records (`bytes`) is uploaded.
    Materialized {
        task: TaskId,
        attempt: u32,
        records: u64,
        bytes: u64,
    },
    /// A storage request's latency passed: its transfer starts.
    StorageStart { id: TransferId },
    /// The storage's next transfer completes.
    StorageWake { gen_: u64 },
    /// notifyCheckpointComplete reaches a sink task.
    Notify {
        task: TaskId,
        attempt: u32,
        ckpt: u64,
    },
    /// A scheduled fault strikes.
    Fault { index: usize },
    /// The JobManager handles a reported failure.
    HandleFailure { failure: usize },
    /// Cancellation of a failover's tasks is done.
    CancelDone { failover: u64 },
    /// A failover's restart delay passed.
    Restart { failover: u64 },
    /// A task's deployment finished.
    Deployed { task: TaskId, attempt: u32 },
    /// A task finished rebuilding its state backend from the downloaded state.
    Restored { task: TaskId, attempt: u32 },
    /// The heartbeat declares a TaskManager lost.
    TmLost { tm: u32, incarnation: u32 },
    /// A new TaskManager registers its slots.
    TmRegistered { tm: u32, incarnation: u32 },
    /// A failover's request for slots times out (`slot-request-timeout`).
    SlotRequestTimeout { failover: u64 },
    /// The time series takes a sample.
    Sample,
    /// The log stops growing (the job's duration): sources that have read
    /// everything reach the end of their input.
    InputEnd,
    /// The final checkpoint completed: the job is finished.
    FinishJob,
    /// The horizon (duration + drain timeout) passed.
    End,
    /// A task's buffer debloater recalculates its input gates' buffer sizes (every
    /// `buffer-debloat-period`; scheduled only when debloating is on).
    Debloat { task: TaskId, attempt: u32 },
}

/// What a storage transfer is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    /// A task's snapshot upload.
    Upload {
        task: TaskId,
        attempt: u32,
        ckpt: u64,
    },
    /// The coordinator's checkpoint metadata write.
    Metadata { ckpt: u64 },
    /// A task's state download on restore (`bytes` of state).
    Restore {
        task: TaskId,
        attempt: u32,
        bytes: u64,
    },
}

/// What every room is handed: the scenario, the event queue (the clock), the
/// injected bug, and the log of broken invariants.
pub(crate) struct Ctx<'a> {
    /// The validated scenario.
    pub sc: &'a Scenario,
    /// The event queue; its time is the simulation clock.
    pub q: EventQueue<Ev>,
    /// The protocol bug injected on purpose, if any (see `mutants`).
    pub bug: Option<Bug>,
    /// Named invariants broken so far (at most `MAX_VIOLATIONS`).
    pub violations: Vec<Violation>,
}

impl<'a> Ctx<'a> {
    /// A context at time zero with an empty queue.
    pub fn new(sc: &'a Scenario, bug: Option<Bug>) -> Self {
        Ctx {
            sc,
            q: EventQueue::new(),
            bug,
            violations: Vec::new(),
        }
    }

    /// The simulation clock.
    pub fn now(&self) -> SimTime {
        self.q.now()
    }

    /// Schedules `ev` at `at`.
    pub fn push(&mut self, at: SimTime, ev: Ev) {
        self.q.push(at, ev);
    }

    /// True when the injected bug is `b`.
    pub fn has_bug(&self, b: Bug) -> bool {
        self.bug == Some(b)
    }

    /// Records a broken named invariant: what broke, and now.
    pub fn violate(&mut self, invariant: Invariant, what: String) {
        if self.violations.len() < MAX_VIOLATIONS {
            let at = self.now();
            self.violations.push(Violation {
                invariant,
                what,
                at,
            });
        }
    }

    /// The one-way network latency of a channel: the configured latency between
    /// TaskManagers, zero inside one.
    pub fn link_latency(&self, remote: bool) -> SimDuration {
        if remote {
            self.sc.network.latency
        } else {
            SimDuration::ZERO
        }
    }
}
