//! The checkpoint protocol: the coordinator (periodic trigger, min-pause,
//! max-concurrent, timeout, tolerable failures, metadata write,
//! notify-complete) and the task side (source snapshots, barrier alignment,
//! synchronous snapshot, asynchronous upload, acknowledgement, two-phase
//! commit at the sinks).
//!
//! Mirrors Flink's CheckpointCoordinator, CheckpointRequestDecider,
//! SingleCheckpointBarrierHandler (aligned), CheckpointBarrierTracker
//! (at-least-once) and TwoPhaseCommitSinkFunction.

use super::{Align, Completed, Ev, Owner, Pending, Role, Sim, TaskId, TaskSnap, Work};
use crate::metrics::{CheckpointOutcome, CheckpointRecord};
use crate::mutants::Bug;
use crate::scenario::{CheckpointMode, FirstTrigger, SinkKind, VertexKind};
use crate::time::{NS_PER_S, SimDuration, SimTime};
use rand::RngExt;

impl Sim<'_> {
    /// All tasks run: (re)start the periodic checkpoint scheduler.
    pub(crate) fn on_all_running(&mut self) {
        let now = self.now();
        self.sched_gen += 1;
        self.sched_active = true;
        self.trigger_queued = false;
        let cfg = &self.sc.checkpoint;
        let delay = match cfg.first_trigger {
            FirstTrigger::OnRunning if !self.ever_ran_all => SimDuration::ZERO,
            FirstTrigger::OnRunning => cfg.interval,
            FirstTrigger::RandomDelay => {
                let (lo, hi) = (
                    cfg.min_pause.as_ns(),
                    cfg.interval.as_ns().max(cfg.min_pause.as_ns()),
                );
                SimDuration(self.first_delay_rng.random_range(lo..=hi))
            }
        };
        self.ever_ran_all = true;
        let g = self.sched_gen;
        self.q.push(now + delay, Ev::PeriodicTrigger { gen_: g });
        if self.final_requested {
            self.final_requested = false;
            self.after_read();
        }
    }

    /// A failover began: stop triggering and abort every pending checkpoint.
    pub(crate) fn stop_scheduler(&mut self) {
        self.sched_gen += 1;
        self.sched_active = false;
        self.trigger_queued = false;
        if self.has_bug(Bug::RestoreLatestTriggered)
            && let Some(p) = self.pending.values().next_back()
        {
            // The bug: treat the newest triggered checkpoint as restorable, filling in
            // the tasks it never reached from the latest completed one.
            let snaps = (0..self.tasks.len())
                .map(|t| {
                    p.snaps[t].clone().unwrap_or_else(|| {
                        self.latest
                            .as_ref()
                            .map(|c| c.snaps[t].clone())
                            .unwrap_or_default()
                    })
                })
                .collect();
            self.latest = Some(Completed {
                id: p.id,
                trigger: p.trigger,
                snaps,
            });
        }
        let ids: Vec<u64> = self.pending.keys().copied().collect();
        for id in ids {
            self.abort(id, CheckpointOutcome::Declined);
        }
    }

    /// The periodic timer fired: the next tick is one interval later (fixed rate, like
    /// Flink's ScheduledTrigger), whatever this one does.
    pub(crate) fn periodic_tick(&mut self, gen_: u64) {
        if gen_ != self.sched_gen || !self.sched_active {
            return;
        }
        let at = self.now() + self.sc.checkpoint.interval;
        self.q.push(at, Ev::PeriodicTrigger { gen_ });
        self.try_trigger();
    }

    /// A trigger request (periodic, queued or final): trigger now, or postpone it.
    pub(crate) fn try_trigger(&mut self) {
        if !self.sched_active {
            return;
        }
        let now = self.now();
        let cfg = &self.sc.checkpoint;
        if self.pending.len() >= cfg.max_concurrent as usize {
            self.trigger_queued = true;
            return;
        }
        if let Some(last) = self.last_completion {
            let earliest = last + cfg.min_pause;
            if now < earliest {
                // Like Flink's rescheduleTrigger: the periodic timer restarts at the end of the pause.
                self.sched_gen += 1;
                let g = self.sched_gen;
                self.q.push(earliest, Ev::PeriodicTrigger { gen_: g });
                return;
            }
        }
        self.trigger_queued = false;
        let id = self.next_ckpt;
        self.next_ckpt += 1;
        if let Some((&newest, _)) = self.pending.iter().next_back()
            && newest >= id
        {
            self.violate(format!(
                "checkpoint-ids-grow: checkpoint {id} triggered while {newest} is pending"
            ));
        }
        let n = self.tasks.len();
        self.pending.insert(
            id,
            Pending {
                id,
                trigger: now,
                acked: vec![false; n],
                async_start: vec![now; n],
                n_acked: 0,
                snaps: vec![None; n],
                start_delay_max: SimDuration::ZERO,
                align_max: SimDuration::ZERO,
                sync_max: SimDuration::ZERO,
                async_max: SimDuration::ZERO,
                state_bytes: 0,
                metadata_started: false,
            },
        );
        self.q.push(now + cfg.timeout, Ev::Expire { ckpt: id });
        let at = now + self.sc.cluster.rpc_latency;
        for task in 0..n {
            if let Role::Source { .. } = self.tasks[task].role {
                let attempt = self.tasks[task].attempt;
                self.q.push(
                    at,
                    Ev::TriggerAtSource {
                        task,
                        attempt,
                        ckpt: id,
                    },
                );
            }
        }
    }

    /// A source takes its snapshot: offsets, then the barrier, then the sync phase.
    pub(crate) fn source_snapshot(&mut self, task: TaskId, ckpt: u64) {
        let now = self.now();
        if let Some(p) = self.pending.get_mut(&ckpt) {
            p.start_delay_max = p.start_delay_max.max(now.since(p.trigger));
        }
        self.broadcast_barrier(task, ckpt);
        self.take_snapshot(task, ckpt);
    }

    /// Barrier `ckpt` taken from input channel `slot` of `task`.
    pub(crate) fn on_barrier(&mut self, task: TaskId, slot: usize, ckpt: u64) {
        let now = self.now();
        if ckpt <= self.tasks[task].last_snapshot {
            return;
        }
        let aligned = self.sc.checkpoint.mode == CheckpointMode::ExactlyOnce;
        if aligned && let Some(&cur) = self.tasks[task].align.keys().next() {
            // SingleCheckpointBarrierHandler: one alignment at a time.
            if ckpt < cur {
                return; // a late barrier of a checkpoint this task abandoned
            }
            if ckpt > cur {
                // A newer barrier overtakes an unfinished alignment: decline the older checkpoint.
                self.unblock_inputs(task);
                self.tasks[task].align.clear();
                self.abort(cur, CheckpointOutcome::Declined);
            }
        }
        let n_inputs = self.tasks[task].inputs.len();
        if !self.tasks[task].align.contains_key(&ckpt)
            && let Some(p) = self.pending.get_mut(&ckpt)
        {
            p.start_delay_max = p.start_delay_max.max(now.since(p.trigger));
        }
        let ch = self.tasks[task].inputs[slot];
        let block = self.aligned_blocking();
        let a = self.tasks[task].align.entry(ckpt).or_insert_with(|| Align {
            seen: vec![false; n_inputs],
            count: 0,
            first: now,
        });
        if !a.seen[slot] {
            a.seen[slot] = true;
            a.count += 1;
            if block {
                self.chans[ch].blocked = true;
            }
        }
        if a.count == n_inputs {
            let first = a.first;
            // Done; like Flink's barrier tracker, older checkpoints still tracked here are dropped.
            self.tasks[task].align.retain(|&id, _| id > ckpt);
            if let Some(p) = self.pending.get_mut(&ckpt) {
                p.align_max = p.align_max.max(now.since(first));
            }
            self.broadcast_barrier(task, ckpt);
            self.take_snapshot(task, ckpt);
        }
    }

    fn unblock_inputs(&mut self, task: TaskId) {
        for i in 0..self.tasks[task].inputs.len() {
            let ch = self.tasks[task].inputs[i];
            let c = &mut self.chans[ch];
            c.blocked = false;
            if c.sender_blocked {
                // resumeConsumption travels back to the sender.
                let delay = if c.remote {
                    self.sc.network.latency
                } else {
                    SimDuration::ZERO
                };
                let epoch = c.epoch;
                let at = self.now() + delay;
                self.q.push(at, Ev::Resume { ch, epoch });
            }
        }
        self.to_pump.push(task);
    }

    /// True when barriers block channels (aligned exactly-once, no injected bug).
    pub(crate) fn aligned_blocking(&self) -> bool {
        self.sc.checkpoint.mode == CheckpointMode::ExactlyOnce && !self.has_bug(Bug::NoAlignment)
    }

    /// notifyCheckpointAborted reached a task: drop its alignment or pending trigger for
    /// `ckpt`; barriers of that checkpoint that come later are ignored.
    pub(crate) fn abort_at_task(&mut self, task: TaskId, ckpt: u64) {
        let t = &mut self.tasks[task];
        if ckpt <= t.last_snapshot {
            return;
        }
        t.pending_triggers.retain(|&c| c != ckpt);
        let was_aligning = t.align.remove(&ckpt).is_some();
        t.last_snapshot = ckpt;
        t.align.retain(|&id, _| id > ckpt);
        if was_aligning && self.aligned_blocking() {
            self.unblock_inputs(task);
        }
    }

    /// Keyed state bytes of a task after folding in `records` input records.
    pub(crate) fn state_bytes(&self, task: TaskId) -> u64 {
        let t = &self.tasks[task];
        let base = match &t.role {
            Role::Source { partitions, .. } => 16 * partitions.len() as u64,
            Role::Sink => 64 * (1 + self.sinks[task].precommitted.len() as u64),
            Role::Operator => 0,
        };
        if t.keys_owned <= 0.0 {
            return base;
        }
        // Keys seen after n input records over K keys: K·(1 − e^(−n/K)).
        let n = t.state_records as f64 * t.in_weight;
        let seen = t.keys_owned * (1.0 - (-n / t.keys_owned).exp());
        base + (seen * t.bytes_per_key as f64).round() as u64
    }

    /// The synchronous part of a snapshot: capture state, pre-commit, and stay busy.
    fn take_snapshot(&mut self, task: TaskId, ckpt: u64) {
        let now = self.now();
        self.tasks[task].last_snapshot = ckpt;
        let is_2pc = matches!(
            &self.sc.job.vertices[self.tasks[task].vertex].kind,
            VertexKind::Sink(s) if s.kind == SinkKind::TwoPhaseCommit
        );
        if is_2pc {
            let ext = &mut self.sinks[task];
            let open = std::mem::take(&mut ext.open);
            ext.precommitted.insert(ckpt, open);
            if self.has_bug(Bug::CommitBeforeComplete) {
                self.commit_txn(task, ckpt);
            }
        }
        let bytes = self.state_bytes(task);
        let t = &self.tasks[task];
        let snap = TaskSnap {
            persisted: false,
            frontier: match &t.role {
                Role::Source { .. } => Vec::new(),
                _ => t.frontier.clone(),
            },
            state_records: t.state_records,
            state_bytes: bytes,
            offsets: match &t.role {
                Role::Source { partitions, .. } => partitions
                    .iter()
                    .map(|&gp| (gp, self.offsets[gp as usize]))
                    .collect(),
                _ => Vec::new(),
            },
            sink_txns: if is_2pc {
                self.sinks[task]
                    .precommitted
                    .keys()
                    .copied()
                    .filter(|&id| id <= ckpt)
                    .collect()
            } else {
                Vec::new()
            },
        };
        if let Some(p) = self.pending.get_mut(&ckpt) {
            p.snaps[task] = Some(snap);
        }
        let cfg = &self.sc.checkpoint;
        let sync = cfg.sync_base
            + SimDuration(
                (bytes as u128 * NS_PER_S as u128).div_ceil(cfg.sync_bytes_per_s.max(1) as u128)
                    as u64,
            );
        self.tasks[task].sync_started = now;
        self.tasks[task].snap_bytes = bytes;
        self.busy(task, Work::Sync { ckpt }, sync);
    }

    /// The synchronous phase ended: resume input, start the asynchronous upload.
    pub(crate) fn sync_done(&mut self, task: TaskId, ckpt: u64) {
        let now = self.now();
        self.unblock_inputs(task);
        if let Some(p) = self.pending.get_mut(&ckpt) {
            p.sync_max = p.sync_max.max(now.since(self.tasks[task].sync_started));
            p.async_start[task] = now;
        } else {
            return;
        }
        let bytes = self.tasks[task].snap_bytes;
        let attempt = self.tasks[task].attempt;
        let inline = bytes <= super::INLINE_STATE_BYTES;
        if inline {
            self.mark_persisted(task, ckpt);
        }
        if inline || self.has_bug(Bug::AckBeforeUpload) {
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
        if !inline {
            let id = self.storage.create(
                bytes,
                Owner::Upload {
                    task,
                    attempt,
                    ckpt,
                },
            );
            self.q
                .push(now + self.sc.storage.latency, Ev::StorageStart { id });
        }
    }

    /// A task's snapshot for `ckpt` is durable (uploaded, or inline with the ack).
    pub(crate) fn mark_persisted(&mut self, task: TaskId, ckpt: u64) {
        if let Some(p) = self.pending.get_mut(&ckpt) {
            if let Some(s) = p.snaps[task].as_mut() {
                s.persisted = true;
            }
        } else if let Some(c) = self.latest.as_mut()
            && c.id == ckpt
        {
            c.snaps[task].persisted = true;
        }
    }

    /// Invariant consistent-cut: no task's snapshot holds a record past its sources' snapshot.
    fn check_consistent_cut(&mut self, ckpt: u64, snaps: &[TaskSnap], offs: &[u64]) {
        if self.sc.checkpoint.mode != CheckpointMode::ExactlyOnce {
            return;
        }
        for (t, s) in snaps.iter().enumerate() {
            if let Some((p, f)) = s.frontier.iter().enumerate().find(|&(p, &f)| f > offs[p]) {
                let name = &self.sc.job.vertices[self.tasks[t].vertex].name;
                let what = format!(
                    "consistent-cut: checkpoint {ckpt} completed with {name}[{}] holding partition {p} up to offset {f}, past the source snapshot offset {}",
                    self.tasks[t].index, offs[p]
                );
                self.violate(what);
                return;
            }
        }
    }

    /// A task's acknowledgement reaches the coordinator.
    pub(crate) fn on_ack(&mut self, task: TaskId, attempt: u32, ckpt: u64) {
        if self.tasks[task].attempt != attempt {
            return;
        }
        let now = self.now();
        let Some(p) = self.pending.get_mut(&ckpt) else {
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
            let id = self
                .storage
                .create(self.sc.checkpoint.metadata_bytes, Owner::Metadata { ckpt });
            self.q
                .push(now + self.sc.storage.latency, Ev::StorageStart { id });
        }
    }

    /// The timeout of a checkpoint passed.
    pub(crate) fn on_expire(&mut self, ckpt: u64) {
        if !self.pending.contains_key(&ckpt) {
            return;
        }
        self.abort(ckpt, CheckpointOutcome::Expired);
        self.consecutive_failed += 1;
        if self.consecutive_failed > self.sc.checkpoint.tolerable_failed {
            self.consecutive_failed = 0;
            self.escalate_checkpoint_failure();
            return;
        }
        if self.trigger_queued {
            self.try_trigger();
        }
    }

    /// Ends a pending checkpoint without completing it, and tells the tasks
    /// (Flink's sendAbortedMessages) so that they skip or stop its snapshot.
    pub(crate) fn abort(&mut self, ckpt: u64, outcome: CheckpointOutcome) {
        let Some(p) = self.pending.remove(&ckpt) else {
            return;
        };
        let now = self.now();
        let at = now + self.sc.cluster.rpc_latency;
        for task in 0..self.tasks.len() {
            if self.tasks[task].last_snapshot < ckpt {
                let attempt = self.tasks[task].attempt;
                self.q.push(
                    at,
                    Ev::AbortAtTask {
                        task,
                        attempt,
                        ckpt,
                    },
                );
            }
        }
        self.storage.cancel_where(now, |o| {
            matches!(o, Owner::Upload { ckpt: c, .. } | Owner::Metadata { ckpt: c } if *c == ckpt)
        });
        self.schedule_storage();
        self.record_checkpoint(&p, now, outcome);
    }

    fn record_checkpoint(&mut self, p: &Pending, end: SimTime, outcome: CheckpointOutcome) {
        self.ckpt_records.push(CheckpointRecord {
            id: p.id,
            trigger_s: p.trigger.as_secs_f64(),
            end_s: end.as_secs_f64(),
            duration_s: end.since(p.trigger).as_secs_f64(),
            start_delay_s_max: p.start_delay_max.as_secs_f64(),
            alignment_s_max: p.align_max.as_secs_f64(),
            sync_s_max: p.sync_max.as_secs_f64(),
            async_s_max: p.async_max.as_secs_f64(),
            state_bytes: p.state_bytes,
            persisted_inflight_bytes: 0,
            outcome,
        });
    }

    /// The metadata is written: the checkpoint is complete.
    pub(crate) fn complete_checkpoint(&mut self, ckpt: u64) {
        let Some(p) = self.pending.remove(&ckpt) else {
            return;
        };
        let now = self.now();
        self.record_checkpoint(&p, now, CheckpointOutcome::Completed);
        self.consecutive_failed = 0;
        self.last_completion = Some(now);
        let older: Vec<u64> = self.pending.range(..ckpt).map(|(&id, _)| id).collect();
        for id in older {
            self.abort(id, CheckpointOutcome::Subsumed);
        }
        if let Some(prev) = self.latest.as_ref().map(|c| c.id)
            && prev >= ckpt
        {
            self.violate(format!(
                "checkpoint-ids-grow: checkpoint {ckpt} completed after checkpoint {prev}"
            ));
        }
        let snaps: Vec<TaskSnap> = p.snaps.into_iter().map(|s| s.unwrap_or_default()).collect();
        let is_final = self.now() >= SimTime(0) + self.sc.job.duration
            && snaps.iter().all(|s| {
                s.offsets
                    .iter()
                    .all(|&(gp, off)| off == self.log.final_len(gp))
            });
        let mut offs = vec![0u64; self.offsets.len()];
        for s in &snaps {
            for &(gp, off) in &s.offsets {
                offs[gp as usize] = off;
            }
        }
        self.check_consistent_cut(ckpt, &snaps, &offs);
        self.ckpt_offsets.insert(ckpt, offs);
        self.latest = Some(Completed {
            id: ckpt,
            trigger: p.trigger,
            snaps,
        });
        let at = now + self.sc.cluster.rpc_latency;
        for task in 0..self.tasks.len() {
            if self.tasks[task].role == Role::Sink {
                let attempt = self.tasks[task].attempt;
                self.q.push(
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
            self.q.push(at, Ev::FinishJob);
        }
        if self.trigger_queued {
            self.try_trigger();
        }
    }

    /// notify-complete reached a sink: commit every pre-committed transaction up to `ckpt`.
    pub(crate) fn sink_commit_upto(&mut self, task: TaskId, ckpt: u64) {
        let ids: Vec<u64> = self.sinks[task]
            .precommitted
            .range(..=ckpt)
            .map(|(&id, _)| id)
            .collect();
        for id in ids {
            self.commit_txn(task, id);
        }
    }

    /// Commits one pre-committed transaction of a sink (idempotent, like Kafka's commit).
    pub(crate) fn commit_txn(&mut self, task: TaskId, id: u64) {
        let Some(segs) = self.sinks[task].precommitted.remove(&id) else {
            return;
        };
        if self.latest.as_ref().is_none_or(|c| c.id < id) {
            let name = &self.sc.job.vertices[self.tasks[task].vertex].name;
            let what = format!(
                "commit-only-completed: {name}[{}] committed the transaction of checkpoint {id}, which has not completed",
                self.tasks[task].index
            );
            self.violate(what);
        }
        let ext = &mut self.sinks[task];
        let w = self.tasks[task].out_weight;
        let k = self.sc.job.max_parallelism;
        let records: f64 = segs.iter().map(|s| s.count(k) as f64 * w).sum();
        self.c.committed_records += records;
        super::collect::commit_segments(ext, &segs, records, k);
        ext.last_committed_ckpt = ext.last_committed_ckpt.max(id);
    }

    /// After a source read: once the log is drained, ask for a final checkpoint.
    pub(crate) fn after_read(&mut self) {
        if self.awaiting_recovery {
            self.check_recovery();
        }
        if self.now() < SimTime(0) + self.sc.job.duration {
            return;
        }
        let drained =
            (0..self.offsets.len()).all(|gp| self.offsets[gp] == self.log.final_len(gp as u32));
        if !drained || self.final_requested {
            return;
        }
        self.final_requested = true;
        if self.sched_active && self.pending.is_empty() {
            self.try_trigger();
        }
    }
}
