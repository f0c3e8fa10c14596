//! The recovery room: failures and what follows them. Fault injection,
//! detection (failure reports, broken connections, heartbeats), the restart
//! strategy, region or full failover, cancellation, deployment (into slots
//! the JobManager still believes in), state restore, source rewind, sink
//! recover-and-commit, the end of the replay (the rewound sources have read
//! back what they had read) and of recovery (the sources caught up).
//!
//! ```text
//!   fault_injection ─▶ failover (restart strategy, region/full, cancel)
//!        │ heartbeat (TaskManager loss declared)      │
//!        ▼                                            ▼
//!   resource_manager (slot_pool: free slots, placement; new TaskManagers)
//!        ▼
//!   deploy (slots, deployment) ─▶ restore (state, rewind, 2PC) ─▶ catch_up
//! ```
//!
//! Uses the job, checkpoint and storage rooms; nothing uses it but the run loop.

pub(crate) mod catch_up;
pub(crate) mod deploy;
pub(crate) mod failover;
pub(crate) mod fault_injection;
pub(crate) mod heartbeat;
pub(crate) mod resource_manager;
pub mod restart_strategy;
pub(crate) mod restore;
pub(crate) mod slot_pool;

use crate::checkpoint::{Checkpointing, Store, schedule_storage};
use crate::event::{Ctx, Ev, Owner, TaskId};
use crate::job::Job;
use crate::job::task::Status;
use crate::kernel::rng_stream;
use crate::metrics::FailureKind;
use crate::scenario::ScriptedFault;
use crate::time::SimTime;
use heartbeat::Cluster;
use rand_chacha::ChaCha8Rng;
use restart_strategy::RestartState;
use slot_pool::SlotPool;
use std::collections::BTreeMap;

/// A failure from a fault (or escalation) until the job runs and has caught up.
#[derive(Clone, Debug)]
pub(crate) struct Episode {
    /// When the fault struck.
    pub time: SimTime,
    /// What failed.
    pub kind: FailureKind,
    /// What it hit ("aggregate[1]", "tm-1", "job").
    pub target: String,
    /// When the JobManager first handled it.
    pub handled: Option<SimTime>,
    /// When the failure was known for what it is: handled, or for a TaskManager
    /// loss the heartbeat declaring the TaskManager lost.
    pub detected: Option<SimTime>,
    /// The TaskManager lost, for a TaskManager loss.
    pub tm: Option<u32>,
    /// The latest completed checkpoint when it struck (id, trigger time).
    pub last_completed: Option<(u64, SimTime)>,
    /// When the last deployment began.
    pub restart_at: Option<SimTime>,
    /// When the last task was deployed.
    pub deployed_at: Option<SimTime>,
    /// When all tasks ran again.
    pub running_at: Option<SimTime>,
    /// When the sinks had processed every record the sources had read before the
    /// failure (at most `recovered_at`).
    pub replayed_at: Option<SimTime>,
    /// When the source lag was back to its pre-failure level.
    pub recovered_at: Option<SimTime>,
    /// The checkpoint restored (id, trigger time).
    pub restored_ckpt: Option<(u64, SimTime)>,
    /// Source records read again.
    pub replayed: u64,
    /// Per rewound source partition (global index): the high-water mark its offset
    /// must reach again for the replay to be over.
    pub replay_to: Vec<(u32, u64)>,
    /// Subtasks restarted.
    pub restarted_tasks: u32,
    /// Restart attempts.
    pub restarts: u32,
    /// The source lag when it struck.
    pub pre_lag: u64,
    /// Another failure struck after this one's tasks ran again and before it had
    /// caught up: its replay and catch-up were cut short and are not measured on.
    pub cut_short: bool,
}

/// Why tasks failed, as the JobManager learns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cause {
    /// A fault struck (or checkpoints failed too often).
    Fault,
    /// A deployment into a dead TaskManager's slot was refused.
    DeployRefused,
    /// No slot came within `slot-request-timeout` (NoResourceAvailableException).
    NoResourceAvailable,
}

/// A failure waiting to be handled by the JobManager.
#[derive(Clone, Debug)]
pub(crate) struct FailureNote {
    /// The failed tasks.
    pub tasks: Vec<TaskId>,
    /// The episode it belongs to.
    pub episode: usize,
    /// Escalations restart the whole job.
    pub global: bool,
    /// Why they failed.
    pub cause: Cause,
}

/// The recovery room's state.
pub(crate) struct Recovery {
    /// TaskManagers as the cluster and the JobManager see them.
    pub cluster: Cluster,
    /// The fault schedule, in time order.
    pub faults: Vec<ScriptedFault>,
    /// Faults that struck so far (a prefix of `faults`).
    pub faults_fired: usize,
    /// Reported failures, by index.
    failures: Vec<FailureNote>,
    /// Every failure and its recovery.
    pub episodes: Vec<Episode>,
    /// The restart strategy's state.
    restart: RestartState,
    /// The restart jitter's stream.
    jitter_rng: ChaCha8Rng,
    /// The deployment times' stream.
    deploy_rng: ChaCha8Rng,
    /// The id the next failover gets.
    next_failover: u64,
    /// Failover id → episode it serves.
    fo_episode: BTreeMap<u64, usize>,
    /// Per task: the failover that restarts it last.
    failover_of: Vec<u64>,
    /// The job's slots: placement, free slots, waiting requests.
    pool: SlotPool,
    /// Per task: deploying, but waiting for its slot-sharing slot to get a slot.
    awaiting_slot: Vec<bool>,
    /// Some episode runs again but has not caught up yet.
    pub awaiting_recovery: bool,
    /// Per task: replaying its changelog after the state download and rebuild.
    pub replay_after: Vec<crate::time::SimDuration>,
}

impl Recovery {
    /// The room for a fresh job, with the fault schedule drawn up to `horizon`.
    pub fn new(ctx: &mut Ctx, job: &Job, horizon: SimTime) -> Self {
        let sc = ctx.sc;
        let faults = crate::faults::schedule(sc, horizon);
        for (i, f) in faults.iter().enumerate() {
            ctx.push(f.at, Ev::Fault { index: i });
        }
        Recovery {
            cluster: Cluster::new(sc),
            faults,
            faults_fired: 0,
            failures: Vec::new(),
            episodes: Vec::new(),
            restart: RestartState::new(sc.restart.clone()),
            jitter_rng: rng_stream(sc.seed, "restart-jitter"),
            deploy_rng: rng_stream(sc.seed, "deploy-times"),
            next_failover: 1,
            fo_episode: BTreeMap::new(),
            failover_of: vec![0; job.tasks.len()],
            pool: SlotPool::new(
                sc.cluster.taskmanagers,
                sc.cluster.slots_per_taskmanager,
                job.tasks.iter().map(|t| t.index + 1).max().unwrap_or(0),
            ),
            awaiting_slot: vec![false; job.tasks.len()],
            awaiting_recovery: false,
            replay_after: vec![crate::time::SimDuration::ZERO; job.tasks.len()],
        }
    }

    /// Kills a task at once (it stops between two records; its in-flight work is lost).
    fn kill(&mut self, ctx: &mut Ctx, job: &mut Job, storage: &mut Store, task: TaskId) {
        job.cancel_work(ctx, task);
        let t = &mut job.tasks[task];
        if t.status == Status::Running && !t.initializing {
            job.running -= 1;
        }
        t.initializing = false;
        t.status = Status::Down;
        t.attempt += 1;
        self.awaiting_slot[task] = false;
        // Its uploads and downloads die with it.
        let n = storage.cancel_where(ctx.now(), |o| {
            matches!(o, Owner::Upload { task: k, .. } | Owner::Restore { task: k, .. } if *k == task)
        });
        if n > 0 {
            schedule_storage(ctx, storage);
        }
    }

    fn new_episode(
        &mut self,
        ctx: &Ctx,
        job: &Job,
        ckpt: &Checkpointing,
        what: (FailureKind, String, Option<u32>),
    ) -> usize {
        let (kind, target, tm) = what;
        // A failure during an earlier one's replay or catch-up cuts that one short (a
        // failure during its downtime merges into the same restart instead).
        for e in self.episodes.iter_mut() {
            if e.running_at.is_some() && e.recovered_at.is_none() {
                e.cut_short = true;
            }
        }
        self.episodes.push(Episode {
            time: ctx.now(),
            kind,
            target,
            handled: None,
            detected: None,
            tm,
            last_completed: ckpt.coord.latest.as_ref().map(|c| (c.id, c.trigger)),
            restart_at: None,
            deployed_at: None,
            running_at: None,
            replayed_at: None,
            recovered_at: None,
            restored_ckpt: None,
            replayed: 0,
            replay_to: Vec::new(),
            restarted_tasks: 0,
            restarts: 0,
            pre_lag: job.lag(ctx),
            cut_short: false,
        });
        self.episodes.len() - 1
    }

    fn note_failure(&mut self, ctx: &mut Ctx, note: FailureNote, at: SimTime) {
        self.failures.push(note);
        let failure = self.failures.len() - 1;
        ctx.push(at, Ev::HandleFailure { failure });
    }

    /// Tasks restarted by failover `fo`.
    fn tasks_of(&self, fo: u64) -> Vec<TaskId> {
        (0..self.failover_of.len())
            .filter(|&t| self.failover_of[t] == fo)
            .collect()
    }
}
