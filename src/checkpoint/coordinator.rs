//! The checkpoint coordinator (Flink's CheckpointCoordinator with its
//! CheckpointRequestDecider): the periodic trigger at a fixed rate, the first
//! trigger rule, min-pause (an early trigger is postponed, not dropped),
//! max-concurrent (a trigger that finds it reached waits for a checkpoint to
//! end), the trigger RPC to the sources, acknowledgements, the metadata
//! write, completion (subsuming older checkpoints), notify-complete to the
//! sinks, aborts told to the tasks, and the final checkpoint once the input
//! is drained.

use super::pending::{Completed, Pending, TaskSnap};
use super::{Checkpointing, Store, schedule_storage};
use crate::event::{Ctx, Ev, Owner, TaskId};
use crate::job::Job;
use crate::job::task::Role;
use crate::kernel::rng_stream;
use crate::metrics::{CheckpointOutcome, CheckpointRecord};
use crate::mutants::Bug;
use crate::oracle::Invariant;
use crate::scenario::{CheckpointMode, FirstTrigger};
use crate::time::{SimDuration, SimTime};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// The coordinator's state.
pub(crate) struct Coordinator {
    /// The id the next checkpoint gets (ids only grow, across restarts too).
    pub next_ckpt: u64,
    /// Checkpoints under way, by id.
    pub pending: BTreeMap<u64, Pending>,
    /// The latest completed checkpoint.
    pub latest: Option<Completed>,
    /// Source offsets (per global partition) of every completed checkpoint, for the oracle.
    pub ckpt_offsets: BTreeMap<u64, Vec<u64>>,
    /// Generation of the periodic timer; ticks of older generations are stale.
    sched_gen: u64,
    /// Periodic triggering is on (all tasks run).
    pub sched_active: bool,
    /// A trigger request waits for a pending checkpoint to end (max-concurrent).
    pub trigger_queued: bool,
    /// When the latest checkpoint completed (for min-pause).
    last_completion: Option<SimTime>,
    /// Consecutive failed checkpoints (for tolerable-failed).
    pub consecutive_failed: u32,
    /// Every checkpoint that ended, in order of ending.
    pub records: Vec<CheckpointRecord>,
    /// The input is drained and the final checkpoint was asked for.
    final_requested: bool,
    /// All tasks have run at least once (the first trigger rule).
    ever_ran_all: bool,
    /// The random first delay's stream.
    first_delay_rng: ChaCha8Rng,
}

impl Coordinator {
    /// A coordinator before the first trigger.
    pub fn new(ctx: &Ctx) -> Self {
        Coordinator {
            next_ckpt: 1,
            pending: BTreeMap::new(),
            latest: None,
            ckpt_offsets: BTreeMap::new(),
            sched_gen: 0,
            sched_active: false,
            trigger_queued: false,
            last_completion: None,
            consecutive_failed: 0,
            records: Vec::new(),
            final_requested: false,
            ever_ran_all: false,
            first_delay_rng: rng_stream(ctx.sc.seed, "checkpoint-first-delay"),
        }
    }

    /// The latest completed checkpoint's id, if any.
    pub fn latest_id(&self) -> Option<u64> {
        self.latest.as_ref().map(|c| c.id)
    }
}

impl Checkpointing {
    /// All tasks run: (re)start the periodic checkpoint scheduler.
    pub fn on_all_running(&mut self, ctx: &mut Ctx, job: &Job) {
        let now = ctx.now();
        let co = &mut self.coord;
        co.sched_gen += 1;
        co.sched_active = true;
        co.trigger_queued = false;
        let cfg = &ctx.sc.checkpoint;
        let delay = match cfg.first_trigger {
            FirstTrigger::OnRunning if !co.ever_ran_all => SimDuration::ZERO,
            FirstTrigger::OnRunning => cfg.interval,
            FirstTrigger::RandomDelay => {
                let (lo, hi) = (
                    cfg.min_pause.as_ns(),
                    cfg.interval.as_ns().max(cfg.min_pause.as_ns()),
                );
                SimDuration(co.first_delay_rng.random_range(lo..=hi))
            }
        };
        co.ever_ran_all = true;
        let g = co.sched_gen;
        ctx.push(now + delay, Ev::PeriodicTrigger { gen_: g });
        if co.final_requested {
            co.final_requested = false;
            self.request_final(ctx, job);
        }
    }

    /// A failover began: stop triggering and abort every pending checkpoint.
    pub fn stop_scheduler(&mut self, ctx: &mut Ctx, job: &Job, storage: &mut Store) {
        let co = &mut self.coord;
        co.sched_gen += 1;
        co.sched_active = false;
        co.trigger_queued = false;
        if ctx.has_bug(Bug::RestoreLatestTriggered)
            && let Some(p) = co.pending.values().next_back()
        {
            // The bug: treat the newest triggered checkpoint as restorable, filling in
            // the tasks it never reached from the latest completed one.
            let snaps = (0..job.tasks.len())
                .map(|t| {
                    p.snaps[t].clone().unwrap_or_else(|| {
                        co.latest
                            .as_ref()
                            .map(|c| c.snaps[t].clone())
                            .unwrap_or_default()
                    })
                })
                .collect();
            co.latest = Some(Completed {
                id: p.id,
                trigger: p.trigger,
                snaps,
            });
        }
        let ids: Vec<u64> = co.pending.keys().copied().collect();
        for id in ids {
            self.abort(ctx, job, storage, id, CheckpointOutcome::Declined);
        }
    }

    /// The periodic timer fired: the next tick is one interval later (fixed rate, like
    /// Flink's ScheduledTrigger), whatever this one does.
    pub fn periodic_tick(&mut self, ctx: &mut Ctx, job: &Job, gen_: u64) {
        if gen_ != self.coord.sched_gen || !self.coord.sched_active {
            return;
        }
        let at = ctx.now() + ctx.sc.checkpoint.interval;
        ctx.push(at, Ev::PeriodicTrigger { gen_ });
        self.try_trigger(ctx, job);
    }

    /// A trigger request (periodic, queued or final): trigger now, or postpone it.
    pub fn try_trigger(&mut self, ctx: &mut Ctx, job: &Job) {
        let co = &mut self.coord;
        if !co.sched_active {
            return;
        }
        let now = ctx.now();
        let cfg = &ctx.sc.checkpoint;
        if co.pending.len() >= cfg.max_concurrent as usize {
            co.trigger_queued = true;
            return;
        }
        if let Some(last) = co.last_completion {
            let earliest = last + cfg.min_pause;
            if now < earliest {
                // Like Flink's rescheduleTrigger: the periodic timer restarts at the end of the pause.
                co.sched_gen += 1;
                let g = co.sched_gen;
                ctx.push(earliest, Ev::PeriodicTrigger { gen_: g });
                return;
            }
        }
        co.trigger_queued = false;
        let id = co.next_ckpt;
        co.next_ckpt += 1;
        if let Some((&newest, _)) = co.pending.iter().next_back()
            && newest >= id
        {
            let what = format!("checkpoint {id} triggered while {newest} is pending");
            ctx.violate(Invariant::CheckpointIdsGrow, what);
        }
        let n = job.tasks.len();
        co.pending.insert(id, Pending::new(id, now, n));
        ctx.push(now + ctx.sc.checkpoint.timeout, Ev::Expire { ckpt: id });
        let at = now + ctx.sc.cluster.rpc_latency;
        for task in 0..n {
            if let Role::Source { .. } = job.tasks[task].role {
                let attempt = job.tasks[task].attempt;
                let ckpt = id;
                ctx.push(
                    at,
                    Ev::TriggerAtSource {
                        task,
                        attempt,
                        ckpt,
                    },
                );
            }
        }
    }

    /// A task's acknowledgement reaches the coordinator.
    pub fn on_ack(
        &mut self,
        ctx: &mut Ctx,
        job: &Job,
        storage: &mut Store,
        (task, attempt, ckpt): (TaskId, u32, u64),
    ) {
        if job.tasks[task].attempt != attempt {
            return;
        }
        let now = ctx.now();
        let Some(p) = self.coord.pending.get_mut(&ckpt) else {
            return;
        };
        let async_d = now.since(p.async_start[task]);
        if p.acked[task] {
            return;
        }
        p.acked[task] = true;
        p.n_acked += 1;
        p.async_max = p.async_max.max(async_d);
        if let Some(s) = &p.snaps[task] {
            p.state_bytes += s.state_bytes;
        }
        if p.n_acked == p.acked.len() && !p.metadata_started {
            p.metadata_started = true;
            let id = storage.create(ctx.sc.checkpoint.metadata_bytes, Owner::Metadata { ckpt });
            ctx.push(now + ctx.sc.storage.latency, Ev::StorageStart { id });
        }
    }

    /// Ends a pending checkpoint without completing it, and tells the tasks
    /// (Flink's sendAbortedMessages) so that they skip or stop its snapshot.
    pub fn abort(
        &mut self,
        ctx: &mut Ctx,
        job: &Job,
        storage: &mut Store,
        ckpt: u64,
        outcome: CheckpointOutcome,
    ) {
        let Some(p) = self.coord.pending.remove(&ckpt) else {
            return;
        };
        let now = ctx.now();
        let at = now + ctx.sc.cluster.rpc_latency;
        for task in 0..job.tasks.len() {
            if self.tasks[task].last_snapshot < ckpt {
                let attempt = job.tasks[task].attempt;
                ctx.push(
                    at,
                    Ev::AbortAtTask {
                        task,
                        attempt,
                        ckpt,
                    },
                );
            }
        }
        storage.cancel_where(now, |o| {
            matches!(o, Owner::Upload { ckpt: c, .. } | Owner::Metadata { ckpt: c } if *c == ckpt)
        });
        schedule_storage(ctx, storage);
        self.coord.records.push(p.record(now, outcome));
    }

    /// The metadata is written: the checkpoint is complete.
    pub fn complete(&mut self, ctx: &mut Ctx, job: &Job, storage: &mut Store, ckpt: u64) {
        let Some(p) = self.coord.pending.remove(&ckpt) else {
            return;
        };
        let now = ctx.now();
        self.coord
            .records
            .push(p.record(now, CheckpointOutcome::Completed));
        self.coord.consecutive_failed = 0;
        self.coord.last_completion = Some(now);
        let older: Vec<u64> = self
            .coord
            .pending
            .range(..ckpt)
            .map(|(&id, _)| id)
            .collect();
        for id in older {
            self.abort(ctx, job, storage, id, CheckpointOutcome::Subsumed);
        }
        if let Some(prev) = self.coord.latest_id()
            && prev >= ckpt
        {
            let what = format!("checkpoint {ckpt} completed after checkpoint {prev}");
            ctx.violate(Invariant::CheckpointIdsGrow, what);
        }
        let snaps: Vec<TaskSnap> = p.snaps.into_iter().map(|s| s.unwrap_or_default()).collect();
        let is_final = now >= SimTime(0) + ctx.sc.job.duration
            && snaps.iter().all(|s| {
                s.offsets
                    .iter()
                    .all(|&(gp, off)| off == job.log.final_len(gp))
            });
        let mut offs = vec![0u64; job.offsets.len()];
        for s in &snaps {
            for &(gp, off) in &s.offsets {
                offs[gp as usize] = off;
            }
        }
        check_consistent_cut(ctx, job, ckpt, &snaps, &offs);
        self.coord.ckpt_offsets.insert(ckpt, offs);
        self.coord.latest = Some(Completed {
            id: ckpt,
            trigger: p.trigger,
            snaps,
        });
        let at = now + ctx.sc.cluster.rpc_latency;
        for task in 0..job.tasks.len() {
            if job.tasks[task].role == Role::Sink {
                let attempt = job.tasks[task].attempt;
                ctx.push(
                    at,
                    Ev::Notify {
                        task,
                        attempt,
                        ckpt,
                    },
                );
            }
        }
        if is_final {
            ctx.push(at, Ev::FinishJob);
        }
        if self.coord.trigger_queued {
            self.try_trigger(ctx, job);
        }
    }

    /// After a source read: once the log is drained, ask for a final checkpoint.
    pub fn request_final(&mut self, ctx: &mut Ctx, job: &Job) {
        if ctx.now() < SimTime(0) + ctx.sc.job.duration {
            return;
        }
        if !job.drained() || self.coord.final_requested {
            return;
        }
        self.coord.final_requested = true;
        if self.coord.sched_active && self.coord.pending.is_empty() {
            self.try_trigger(ctx, job);
        }
    }
}

/// Invariant consistent-cut: no task's snapshot holds a record past its sources' snapshot.
fn check_consistent_cut(ctx: &mut Ctx, job: &Job, ckpt: u64, snaps: &[TaskSnap], offs: &[u64]) {
    if ctx.sc.checkpoint.mode != CheckpointMode::ExactlyOnce {
        return;
    }
    for (t, s) in snaps.iter().enumerate() {
        if let Some((p, f)) = s.frontier.iter().enumerate().find(|&(p, &f)| f > offs[p]) {
            let what = format!(
                "checkpoint {ckpt} completed with {} holding partition {p} up to offset {f}, past the source snapshot offset {}",
                job.task_name(ctx, t),
                offs[p]
            );
            ctx.violate(Invariant::ConsistentCut, what);
            return;
        }
    }
}
