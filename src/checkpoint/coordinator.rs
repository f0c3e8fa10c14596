//! The checkpoint coordinator (Flink's CheckpointCoordinator with its
//! CheckpointRequestDecider): the periodic trigger at a fixed rate of
//! max(interval, min-pause) (or the interval during backlog, `backlog`), the
//! first trigger rule, the request queue
//! (requests that find max-concurrent checkpoints pending wait, up to 1000 of
//! them, and one is looked at each time a checkpoint ends), min-pause (a
//! request within min-pause of the last completion is dropped and the
//! periodic timer restarts at the end of the pause, so the trigger is
//! postponed, not lost), the trigger RPC to the sources, acknowledgements,
//! the metadata write, completion (subsuming older checkpoints),
//! notify-complete to the sinks, aborts told to the tasks, and the final
//! checkpoint once the input is drained.
//!
//! Simplifications: triggering is instantaneous (Flink's `isTriggering` phase,
//! when the plan and storage location are prepared, is not modelled), and
//! discarding a checkpoint's files takes no time, so Flink's wait while more
//! than max-concurrent checkpoints are being cleaned, and the queue look-ups
//! its cleaner makes when a discard finishes, do not occur.

use super::backlog::{self, Backlog};
use super::failure_manager::FailureCounter;
use super::pending::{Completed, Pending, TaskSnap};
use super::request_decider::{Choice, MAX_QUEUED_REQUESTS, RequestDecider};
use super::{Checkpointing, Store, schedule_storage};
use crate::event::{Ctx, Ev, Owner, TaskId};
use crate::job::Job;
use crate::job::task::Role;
use crate::kernel::rng_stream;
use crate::metrics::{CheckpointOutcome, CheckpointRecord};
use crate::mutants::Bug;
use crate::oracle::Invariant;
use crate::scenario::{BacklogInterval, CheckpointConfig, CheckpointMode, FirstTrigger};
use crate::time::{SimDuration, SimTime};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// The period of the periodic trigger: Flink raises the interval to min-pause
/// ("it does not make sense to schedule checkpoints more often than the
/// desired time between checkpoints").
pub(crate) fn base_interval(cfg: &CheckpointConfig) -> SimDuration {
    cfg.interval.max(cfg.min_pause)
}

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
    /// Per completed unaligned checkpoint: the records its channel state holds, with
    /// the vertex whose input they are (part of the checkpoint, not yet output).
    pub ckpt_in_flight: BTreeMap<u64, Vec<(usize, crate::data::Segment)>>,
    /// Generation of the periodic timer; ticks of older generations are stale.
    sched_gen: u64,
    /// When the periodic timer fires next, if it is set (Flink's
    /// `nextCheckpointTriggeringRelativeTime`).
    next_tick: Option<SimTime>,
    /// Which sources are processing backlog (only with `interval-during-backlog`).
    backlog: Backlog,
    /// Periodic triggering is on (all tasks run).
    pub sched_active: bool,
    /// Trigger requests waiting for a pending checkpoint to end.
    requests: RequestDecider,
    /// When the latest checkpoint completed (for min-pause).
    last_completion: Option<SimTime>,
    /// Consecutive failed checkpoints (for tolerable-failed).
    pub failures: FailureCounter,
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
            ckpt_in_flight: BTreeMap::new(),
            sched_gen: 0,
            next_tick: None,
            backlog: Backlog::default(),
            sched_active: false,
            requests: RequestDecider::new(
                ctx.sc.checkpoint.max_concurrent,
                ctx.sc.checkpoint.min_pause,
                MAX_QUEUED_REQUESTS,
            ),
            last_completion: None,
            failures: FailureCounter::new(ctx.sc.checkpoint.tolerable_failed),
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
        co.requests.clear();
        let cfg = &ctx.sc.checkpoint;
        let delay = match cfg.first_trigger {
            FirstTrigger::OnRunning if !co.ever_ran_all => SimDuration::ZERO,
            FirstTrigger::OnRunning => base_interval(cfg),
            FirstTrigger::RandomDelay => {
                let (lo, hi) = (cfg.min_pause.as_ns(), base_interval(cfg).as_ns());
                SimDuration(co.first_delay_rng.random_range(lo..=hi))
            }
        };
        co.ever_ran_all = true;
        if cfg.interval_during_backlog != BacklogInterval::SameAsInterval {
            co.backlog.on_all_running(ctx, job);
        }
        // As Flink's startCheckpointScheduler, the first delay ignores the backlog.
        let g = co.sched_gen;
        co.next_tick = Some(now + delay);
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
        co.next_tick = None;
        co.requests.clear();
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

    /// The periodic timer fired: the next tick is one period (max(interval,
    /// min-pause), or the interval during backlog) later (fixed rate, like Flink's
    /// ScheduledTrigger), whatever this one's request becomes; none when
    /// checkpoints are off during backlog, but this one still fires.
    pub fn periodic_tick(&mut self, ctx: &mut Ctx, job: &Job, gen_: u64) {
        let co = &mut self.coord;
        if gen_ != co.sched_gen || !co.sched_active {
            return;
        }
        let period = backlog::current_interval(&ctx.sc.checkpoint, co.backlog.processing());
        co.next_tick = period.map(|p| ctx.now() + p);
        if let Some(at) = co.next_tick {
            ctx.push(at, Ev::PeriodicTrigger { gen_ });
        }
        self.request_checkpoint(ctx, job);
    }

    /// After a source read: if that ended the sources' backlog, the periodic
    /// timer moves as Flink's `setIsProcessingBacklog` moves it (see `backlog`).
    fn note_backlog(&mut self, ctx: &mut Ctx, job: &Job) {
        let co = &mut self.coord;
        if !co.backlog.after_read(job) || !co.sched_active {
            return;
        }
        let period = backlog::current_interval(&ctx.sc.checkpoint, co.backlog.processing());
        if let Some(at) = backlog::rescheduled(ctx.now(), period, co.next_tick) {
            co.sched_gen += 1;
            co.next_tick = Some(at);
            let g = co.sched_gen;
            ctx.push(at, Ev::PeriodicTrigger { gen_: g });
        }
    }

    /// A trigger request (periodic or final) reaches the request decider.
    fn request_checkpoint(&mut self, ctx: &mut Ctx, job: &Job) {
        let co = &mut self.coord;
        if !co.sched_active {
            return;
        }
        let choice = co
            .requests
            .submit(ctx.now(), co.pending.len(), co.last_completion);
        self.follow(ctx, job, choice);
    }

    /// A checkpoint ended: the decider looks at the queue once (Flink's
    /// `executeQueuedRequest`, scheduled by every completion and abort).
    pub(crate) fn execute_queued(&mut self, ctx: &mut Ctx, job: &Job) {
        let co = &mut self.coord;
        if !co.sched_active {
            return;
        }
        let choice = co
            .requests
            .choose(ctx.now(), co.pending.len(), co.last_completion);
        self.follow(ctx, job, choice);
    }

    /// Carries out the decider's choice.
    fn follow(&mut self, ctx: &mut Ctx, job: &Job, choice: Choice) {
        match choice {
            Choice::Idle | Choice::Wait => {}
            Choice::TooEarly { at } => {
                // Flink's rescheduleTrigger: the periodic timer restarts at the end of the pause.
                let co = &mut self.coord;
                co.sched_gen += 1;
                co.next_tick = Some(at);
                let g = co.sched_gen;
                ctx.push(at, Ev::PeriodicTrigger { gen_: g });
            }
            Choice::Trigger => self.trigger(ctx, job),
        }
    }

    /// Triggers a new checkpoint: its id, its timeout, the trigger RPC to every source.
    fn trigger(&mut self, ctx: &mut Ctx, job: &Job) {
        let co = &mut self.coord;
        let now = ctx.now();
        let id = co.next_ckpt;
        co.next_ckpt += 1;
        if let Some((&newest, _)) = co.pending.iter().next_back()
            && newest >= id
        {
            let what = format!("checkpoint {id} triggered while {newest} is pending");
            ctx.violate(Invariant::CheckpointIdsGrow, what);
        }
        let n = job.tasks.len();
        let mut p = Pending::new(id, now, n);
        // The final checkpoint is aligned (see unaligned.rs); with an aligned timeout
        // the others start aligned and may go on unaligned.
        let cfg = &ctx.sc.checkpoint;
        let unaligned = cfg.unaligned && !job.drained();
        p.timeoutable = unaligned && cfg.aligned_timeout > SimDuration::ZERO;
        p.unaligned = unaligned && !p.timeoutable;
        co.pending.insert(id, p);
        ctx.push(now + ctx.sc.checkpoint.timeout, Ev::Expire { ckpt: id });
        if unaligned && cfg.aligned_timeout > SimDuration::ZERO {
            ctx.push(now + cfg.aligned_timeout, Ev::AlignedTimeout { ckpt: id });
        }
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
            p.state_bytes += s.uploaded_bytes;
            p.full_state_bytes += s.state_bytes;
            p.inflight_bytes += s.inflight_bytes;
        }
        if p.n_acked == p.acked.len() && !p.metadata_started {
            p.metadata_started = true;
            let id = storage.create(ctx.sc.checkpoint.metadata_bytes, Owner::Metadata { ckpt });
            ctx.push(now + ctx.sc.storage.latency, Ev::StorageStart { id });
        }
    }

    /// Ends a pending checkpoint without completing it, tells the tasks, and
    /// lets the decider look at the queue (Flink's abortPendingCheckpoint).
    pub fn abort(
        &mut self,
        ctx: &mut Ctx,
        job: &Job,
        storage: &mut Store,
        ckpt: u64,
        outcome: CheckpointOutcome,
    ) {
        if self.end_pending(ctx, job, storage, ckpt, outcome) {
            self.execute_queued(ctx, job);
        }
    }

    /// Ends a pending checkpoint without completing it, and tells the tasks
    /// (Flink's sendAbortedMessages) so that they skip or stop its snapshot.
    /// Returns whether `ckpt` was pending.
    pub(crate) fn end_pending(
        &mut self,
        ctx: &mut Ctx,
        job: &Job,
        storage: &mut Store,
        ckpt: u64,
        outcome: CheckpointOutcome,
    ) -> bool {
        let Some(p) = self.coord.pending.remove(&ckpt) else {
            return false;
        };
        let now = ctx.now();
        let at = now + ctx.sc.cluster.rpc_latency;
        for task in 0..job.tasks.len() {
            let tc = &self.tasks[task];
            if tc.last_snapshot < ckpt || tc.align.contains_key(&ckpt) {
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
        true
    }

    /// The metadata is written: the checkpoint is complete.
    pub fn complete(&mut self, ctx: &mut Ctx, job: &Job, storage: &mut Store, ckpt: u64) {
        let Some(p) = self.coord.pending.remove(&ckpt) else {
            return;
        };
        let now = ctx.now();
        let unaligned = p.unaligned;
        self.coord
            .records
            .push(p.record(now, CheckpointOutcome::Completed));
        self.coord.failures.on_success(ckpt);
        self.coord.last_completion = Some(now);
        let older: Vec<u64> = self
            .coord
            .pending
            .range(..ckpt)
            .map(|(&id, _)| id)
            .collect();
        // Flink looks at the queue once for the completion and once for each
        // subsumed checkpoint, after the completion is done.
        let queue_lookups = 1 + older.len();
        for id in older {
            self.end_pending(ctx, job, storage, id, CheckpointOutcome::Subsumed);
        }
        if let Some(prev) = self.coord.latest_id()
            && prev >= ckpt
        {
            let what = format!("checkpoint {ckpt} completed after checkpoint {prev}");
            ctx.violate(Invariant::CheckpointIdsGrow, what);
        }
        let snaps: Vec<TaskSnap> = p.snaps.into_iter().map(|s| s.unwrap_or_default()).collect();
        let at_end = now >= SimTime(0) + ctx.sc.job.duration
            && snaps.iter().all(|s| {
                s.offsets
                    .iter()
                    .all(|&(gp, off)| off == job.log.final_len(gp))
            });
        // An unaligned checkpoint may still hold in-flight data: the final one follows.
        let is_final = at_end && !unaligned;
        let mut offs = vec![0u64; job.offsets.len()];
        for s in &snaps {
            for &(gp, off) in &s.offsets {
                offs[gp as usize] = off;
            }
        }
        check_consistent_cut(ctx, job, ckpt, &snaps, &offs);
        self.coord.ckpt_offsets.insert(ckpt, offs);
        if unaligned {
            let held = (snaps
                .iter()
                .flat_map(|s| s.out_state.iter().chain(&s.in_state)))
            .flat_map(|(ch, b)| {
                let v = job.tasks[job.chans[*ch].to].vertex;
                b.segs.iter().map(move |&seg| (v, seg))
            })
            .collect();
            self.coord.ckpt_in_flight.insert(ckpt, held);
        }
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
            // The job finishes with this checkpoint; waiting requests die with the coordinator.
            ctx.push(at, Ev::FinishJob);
            return;
        }
        for _ in 0..queue_lookups {
            self.execute_queued(ctx, job);
        }
        if at_end && unaligned {
            self.request_checkpoint(ctx, job);
        }
    }

    /// After a source read, and when the log stops growing: the sources may have
    /// read their backlog; once every source has read to the end of its input, ask
    /// for the final checkpoint.
    pub fn request_final(&mut self, ctx: &mut Ctx, job: &Job) {
        self.note_backlog(ctx, job);
        if ctx.now() < SimTime(0) + ctx.sc.job.duration {
            return;
        }
        if !job.drained() || self.coord.final_requested {
            return;
        }
        self.coord.final_requested = true;
        // Flink takes the final checkpoint when the sources finish: with a checkpoint
        // pending the request waits in the queue and fires when that one ends.
        if self.coord.sched_active {
            self.request_checkpoint(ctx, job);
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
        // In-flight data an unaligned checkpoint persisted came before the barriers.
        let persisted = s.out_state.iter().chain(&s.in_state);
        if let Some(seg) =
            (persisted.flat_map(|(_, b)| &b.segs)).find(|g| g.hi > offs[g.partition as usize])
        {
            let what = format!(
                "checkpoint {ckpt} completed with {} persisting in-flight records of partition {} up to offset {}, past the source snapshot offset {}",
                job.task_name(ctx, t),
                seg.partition,
                seg.hi,
                offs[seg.partition as usize]
            );
            ctx.violate(Invariant::ConsistentCut, what);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(x: u64) -> SimTime {
        SimTime(x * 1_000_000)
    }

    #[test]
    fn requests_wait_one_per_ended_checkpoint() {
        // Three periodic requests find the only slot taken: all three wait, and
        // each ended checkpoint releases exactly one (no min-pause).
        let mut decider = RequestDecider::new(1, SimDuration::ZERO, MAX_QUEUED_REQUESTS);
        for t in 1..=3 {
            assert_eq!(decider.submit(ms(t), 1, None), Choice::Wait);
        }
        for t in 4..=6 {
            assert_eq!(decider.choose(ms(t), 0, Some(ms(t))), Choice::Trigger);
            // The triggered checkpoint now holds the slot; the others still wait.
            let left = if t < 6 { Choice::Wait } else { Choice::Idle };
            assert_eq!(decider.choose(ms(t), 1, Some(ms(t))), left);
        }
        assert_eq!(decider.choose(ms(7), 0, Some(ms(7))), Choice::Idle);
    }

    #[test]
    fn min_pause_drops_only_the_first_waiting_request() {
        // Two requests wait; a completion at 100 ms with min-pause 30 ms drops the
        // first and restarts the timer at 130 ms; the second still waits, and the
        // request of that tick triggers the older one, leaving one waiting.
        let mut decider = RequestDecider::new(1, SimDuration::from_millis(30), MAX_QUEUED_REQUESTS);
        decider.submit(ms(40), 1, None);
        decider.submit(ms(80), 1, None);
        let done = Some(ms(100));
        assert_eq!(
            decider.choose(ms(100), 0, done),
            Choice::TooEarly { at: ms(130) }
        );
        assert_eq!(decider.queued, 1);
        assert_eq!(decider.submit(ms(130), 0, done), Choice::Trigger);
        assert_eq!(decider.queued, 1);
    }

    #[test]
    fn the_period_is_at_least_min_pause() {
        let mut cfg = crate::scenario::parse_str(
            include_str!("../../scenarios/quickstart.toml"),
            "quickstart.toml",
            &[],
        )
        .unwrap()
        .checkpoint;
        cfg.interval = SimDuration::from_secs(10);
        cfg.min_pause = SimDuration::from_secs(4);
        assert_eq!(base_interval(&cfg), SimDuration::from_secs(10));
        cfg.min_pause = SimDuration::from_secs(25);
        assert_eq!(base_interval(&cfg), SimDuration::from_secs(25));
    }
}
