//! Failures and recovery: fault injection, detection (failure reports,
//! broken connections, heartbeats), the restart strategy, region or full
//! failover, cancellation, redeployment (into slots the JobManager still
//! believes in), state restore, source rewind, sink recover-and-commit and
//! abort, and the end of recovery when the source lag is back.

use super::{Episode, Ev, FailureNote, Owner, Role, Sim, Status, TaskId, TaskSnap, Work};
use crate::faults::{kind_name, target_name};
use crate::metrics::JobStatus;
use crate::mutants::Bug;
use crate::restart::RestartDecision;
use crate::scenario::{FailoverStrategy, Fault, SinkKind, VertexKind};
use crate::time::{SimDuration, SimTime};

impl Sim<'_> {
    /// Total source lag: records appended and not yet read, over all partitions.
    pub(crate) fn lag(&self) -> u64 {
        let now = self.now();
        (0..self.offsets.len())
            .map(|gp| {
                self.log
                    .appended(gp as u32, now)
                    .saturating_sub(self.offsets[gp])
            })
            .sum()
    }

    /// Kills a task at once (it stops processing; its in-flight work is lost).
    fn kill(&mut self, task: TaskId) {
        let t = &mut self.tasks[task];
        if t.status == Status::Running {
            self.running -= 1;
        }
        t.status = Status::Down;
        t.attempt += 1;
        t.work = Work::Idle;
        t.awaiting_slot = false;
        // Its uploads and downloads die with it.
        let now = self.now();
        let n = self.storage.cancel_where(now, |o| {
            matches!(o, Owner::Upload { task: k, .. } | Owner::Restore { task: k, .. } if *k == task)
        });
        if n > 0 {
            self.schedule_storage();
        }
    }

    fn new_episode(&mut self, kind: &str, target: String) -> usize {
        let pre_lag = self.lag();
        self.episodes.push(Episode {
            time: self.now(),
            kind: kind.to_string(),
            target,
            handled: None,
            restart_delay: SimDuration::ZERO,
            restart_at: None,
            deployed_at: None,
            running_at: None,
            recovered_at: None,
            restored_ckpt: None,
            replayed: 0,
            restarted_tasks: 0,
            restarts: 0,
            pre_lag,
        });
        self.episodes.len() - 1
    }

    fn note_failure(&mut self, tasks: Vec<TaskId>, episode: usize, global: bool, at: SimTime) {
        self.failures.push(FailureNote {
            tasks,
            episode,
            global,
        });
        let failure = self.failures.len() - 1;
        self.q.push(at, Ev::HandleFailure { failure });
    }

    /// A scripted or drawn fault strikes.
    pub(crate) fn on_fault(&mut self, index: usize) {
        self.faults_fired = self.faults_fired.max(index + 1);
        if self.status != JobStatus::Running {
            return;
        }
        let fault = self.faults[index].fault.clone();
        let now = self.now();
        match fault {
            Fault::TaskFailure { vertex, subtask } => {
                let Some(task) = self
                    .tasks
                    .iter()
                    .position(|t| t.vertex == vertex && t.index == subtask)
                else {
                    return;
                };
                if self.tasks[task].status != Status::Running {
                    return;
                }
                let ep = self.new_episode(kind_name(&fault), target_name(self.sc, &fault));
                self.kill(task);
                let at = now + self.sc.recovery.failure_report_delay;
                self.note_failure(vec![task], ep, false, at);
            }
            Fault::TaskManagerLoss { taskmanager } => {
                let tm = taskmanager as usize;
                if !self.tms[tm].alive {
                    return;
                }
                self.tms[tm].alive = false;
                let hb = &self.sc.heartbeat;
                let (i, t) = (hb.interval.as_ns().max(1), now.as_ns());
                let first_failed = (t / i + 1) * i;
                let by_rpc = first_failed + (hb.rpc_failure_threshold.max(1) as u64 - 1) * i;
                let by_timeout = (first_failed - i) + hb.timeout.as_ns();
                let inc = self.tms[tm].incarnation;
                self.q.push(
                    SimTime(by_rpc.min(by_timeout)),
                    Ev::TmLost {
                        tm: taskmanager,
                        incarnation: inc,
                    },
                );
                let victims: Vec<TaskId> = (0..self.tasks.len())
                    .filter(|&k| {
                        self.tasks[k].tm == taskmanager && self.tasks[k].status != Status::Down
                    })
                    .collect();
                if victims.is_empty() {
                    return;
                }
                let ep = self.new_episode(kind_name(&fault), target_name(self.sc, &fault));
                for &k in &victims {
                    self.kill(k);
                }
                let at = now + self.sc.recovery.connection_loss_detection;
                self.note_failure(victims, ep, false, at);
            }
        }
    }

    /// The failover region(s) of `tasks`, or every task for full failover.
    fn restart_set(&self, tasks: &[TaskId], global: bool) -> Vec<TaskId> {
        if global || self.sc.failover == FailoverStrategy::Full {
            return (0..self.tasks.len()).collect();
        }
        let regions: Vec<usize> = tasks.iter().map(|&t| self.region_of[t]).collect();
        (0..self.tasks.len())
            .filter(|&t| regions.contains(&self.region_of[t]))
            .collect()
    }

    /// The JobManager handles a reported failure.
    pub(crate) fn handle_failure(&mut self, failure: usize) {
        if self.status != JobStatus::Running {
            return;
        }
        let now = self.now();
        let note = self.failures[failure].clone();
        let ep = note.episode;
        self.episodes[ep].handled.get_or_insert(now);
        let decision = self.restart.on_failure(now, &mut self.jitter_rng);
        self.stop_scheduler();
        let set = self.restart_set(&note.tasks, note.global);
        match decision {
            RestartDecision::Fail => {
                self.status = JobStatus::Failed;
                let e = &self.episodes[ep];
                self.failure_cause = Some(format!(
                    "the restart strategy gave up after {} restart(s) (last failure: {} of {} at {:.3} s)",
                    self.episodes.iter().map(|e| e.restarts).sum::<u32>(),
                    e.kind,
                    e.target,
                    e.time.as_secs_f64()
                ));
                for t in 0..self.tasks.len() {
                    self.kill(t);
                }
                self.ended = true;
            }
            RestartDecision::Restart(delay) => {
                let fo = self.next_failover;
                self.next_failover += 1;
                self.fo_episode.insert(fo, ep);
                for &t in &set {
                    self.tasks[t].failover = fo;
                }
                let e = &mut self.episodes[ep];
                e.restart_delay += delay;
                e.restarts += 1;
                e.restarted_tasks = set.len() as u32;
                let cancel = self.sc.recovery.cancel;
                self.q.push(now + cancel, Ev::CancelDone { failover: fo });
                self.q
                    .push(now + delay.max(cancel), Ev::Restart { failover: fo });
            }
        }
    }

    fn tasks_of(&self, fo: u64) -> Vec<TaskId> {
        (0..self.tasks.len())
            .filter(|&t| self.tasks[t].failover == fo)
            .collect()
    }

    /// Cancellation reached the tasks: they stop, and their channels are reset.
    pub(crate) fn cancel_done(&mut self, fo: u64) {
        let set = self.tasks_of(fo);
        let now = self.now();
        for &t in &set {
            if self.tasks[t].status != Status::Down {
                self.kill(t);
            }
            let task = &mut self.tasks[t];
            task.align.clear();
            task.pending_triggers.clear();
            task.flush_scheduled = false;
            task.wake_at = None;
            task.floating_used.iter_mut().for_each(|f| *f = 0);
        }
        for c in self.chans.iter_mut() {
            if self.tasks[c.from].failover == fo || self.tasks[c.to].failover == fo {
                c.pending = Default::default();
                c.out_q.clear();
                c.wire.clear();
                c.in_q.clear();
                c.used = 0;
                c.blocked = false;
                c.sender_blocked = false;
                c.epoch += 1;
                c.link_free = now;
            }
        }
    }

    /// The restart delay passed: deploy the tasks (or fail into a dead TaskManager).
    pub(crate) fn restart_tasks(&mut self, fo: u64) {
        let set: Vec<TaskId> = self
            .tasks_of(fo)
            .into_iter()
            .filter(|&t| self.tasks[t].status == Status::Down)
            .collect();
        if set.is_empty() {
            return;
        }
        let now = self.now();
        let ep = self.fo_episode[&fo];
        self.episodes[ep].restart_at = Some(now);
        let deploy = self.sc.recovery.deploy;
        let doomed: Vec<TaskId> = set
            .iter()
            .copied()
            .filter(|&t| {
                let tm = &self.tms[self.tasks[t].tm as usize];
                !tm.alive && tm.registered
            })
            .collect();
        if !doomed.is_empty() {
            // The JobManager still lists the dead TaskManager's slots: deploying there fails.
            self.note_failure(doomed, ep, false, now + deploy);
            return;
        }
        // Like Flink's scheduler, a region is deployed only once every task has a slot.
        let all_slots = set
            .iter()
            .all(|&t| self.tms[self.tasks[t].tm as usize].registered);
        for t in set {
            self.tasks[t].status = Status::Deploying;
            if all_slots {
                let attempt = self.tasks[t].attempt;
                self.q.push(now + deploy, Ev::Deployed { task: t, attempt });
            } else {
                self.tasks[t].awaiting_slot = true;
            }
        }
    }

    /// A task is deployed: restore its state from the latest completed checkpoint.
    pub(crate) fn deployed(&mut self, task: TaskId, attempt: u32) {
        if self.tasks[task].attempt != attempt || self.tasks[task].status != Status::Deploying {
            return;
        }
        let now = self.now();
        let ep = self.fo_episode[&self.tasks[task].failover];
        self.tasks[task].status = Status::Restoring;
        let (snap, restored) = match &self.latest {
            Some(c) => (c.snaps[task].clone(), Some((c.id, c.trigger))),
            None => (TaskSnap::default(), None),
        };
        let e = &mut self.episodes[ep];
        e.deployed_at = Some(e.deployed_at.map_or(now, |d| d.max(now)));
        e.restored_ckpt = restored;
        // State that never reached storage cannot be restored: the task starts empty.
        let durable = snap.persisted && !self.has_bug(Bug::NoStateRestore);
        let t = &mut self.tasks[task];
        t.state_records = if durable { snap.state_records } else { 0 };
        t.frontier.iter_mut().for_each(|f| *f = 0);
        for (p, &f) in snap.frontier.iter().enumerate() {
            t.frontier[p] = f;
        }
        t.last_snapshot = restored.map_or(0, |r| r.0);
        let rewind = !self.has_bug(Bug::NoSourceRewind);
        if let Role::Source { partitions, .. } = &self.tasks[task].role
            && rewind
        {
            for &gp in partitions {
                let off = snap
                    .offsets
                    .iter()
                    .find(|(p, _)| *p == gp)
                    .map_or(0, |(_, o)| *o);
                self.episodes[ep].replayed += self.high_water[gp as usize].saturating_sub(off);
                self.offsets[gp as usize] = off;
            }
        }
        if matches!(&self.sc.job.vertices[self.tasks[task].vertex].kind,
            VertexKind::Sink(s) if s.kind == SinkKind::TwoPhaseCommit)
        {
            // Recover-and-commit the transactions of the restored checkpoint, abort the rest.
            for id in &snap.sink_txns {
                self.commit_txn(task, *id);
            }
            if !self.has_bug(Bug::NoSinkAbort) {
                let ext = &mut self.sinks[task];
                ext.open.clear();
                ext.precommitted.clear();
            }
        }
        if snap.state_bytes > super::INLINE_STATE_BYTES {
            let id = self
                .storage
                .create(snap.state_bytes, Owner::Restore { task, attempt });
            self.q
                .push(now + self.sc.storage.latency, Ev::StorageStart { id });
        } else {
            self.restore_done(task, attempt);
        }
    }

    /// A task's state is restored: it runs.
    pub(crate) fn restore_done(&mut self, task: TaskId, attempt: u32) {
        if self.tasks[task].attempt != attempt || self.tasks[task].status != Status::Restoring {
            return;
        }
        self.tasks[task].status = Status::Running;
        self.running += 1;
        self.to_pump.push(task);
        if self.running == self.tasks.len() {
            let now = self.now();
            for e in self.episodes.iter_mut().filter(|e| e.running_at.is_none()) {
                e.running_at = Some(now);
            }
            self.awaiting_recovery = true;
            self.on_all_running();
            self.check_recovery();
        }
    }

    /// The heartbeat declared a TaskManager lost: its slots go; a replacement is requested.
    pub(crate) fn tm_lost(&mut self, tm: u32, incarnation: u32) {
        let t = &mut self.tms[tm as usize];
        if t.incarnation != incarnation || t.alive {
            return;
        }
        t.registered = false;
        let at = self.now() + self.sc.cluster.taskmanager_startup;
        self.q.push(at, Ev::TmRegistered { tm, incarnation });
    }

    /// A replacement TaskManager registered its slots: deploy the tasks waiting for them.
    pub(crate) fn tm_registered(&mut self, tm: u32, incarnation: u32) {
        let t = &mut self.tms[tm as usize];
        if t.incarnation != incarnation {
            return;
        }
        t.alive = true;
        t.registered = true;
        t.incarnation += 1;
        let at = self.now() + self.sc.recovery.deploy;
        let waiting: Vec<TaskId> = (0..self.tasks.len())
            .filter(|&k| self.tasks[k].awaiting_slot)
            .collect();
        let all_slots = waiting
            .iter()
            .all(|&k| self.tms[self.tasks[k].tm as usize].registered);
        if !all_slots {
            return;
        }
        for k in waiting {
            self.tasks[k].awaiting_slot = false;
            let attempt = self.tasks[k].attempt;
            self.q.push(at, Ev::Deployed { task: k, attempt });
        }
    }

    /// Too many consecutive failed checkpoints: fail the whole job over.
    pub(crate) fn escalate_checkpoint_failure(&mut self) {
        let ep = self.new_episode("checkpoint-failure", "job".into());
        let all: Vec<TaskId> = (0..self.tasks.len()).collect();
        let now = self.now();
        self.note_failure(all, ep, true, now);
    }

    /// The lag the sources show in steady state at most: one read chunk per partition.
    pub(crate) fn steady_lag_bound(&self) -> u64 {
        (0..self.tasks.len())
            .filter_map(|t| match &self.tasks[t].role {
                Role::Source { partitions, .. } => {
                    Some(self.chunk_records_of(t) * partitions.len() as u64)
                }
                _ => None,
            })
            .sum()
    }

    /// Marks failures recovered once the source lag is back to its pre-failure level.
    pub(crate) fn check_recovery(&mut self) {
        if self.running != self.tasks.len() {
            return;
        }
        let lag = self.lag();
        let steady = self.steady_lag;
        let now = self.now();
        let mut waiting = false;
        for e in self.episodes.iter_mut() {
            if e.running_at.is_some() && e.recovered_at.is_none() {
                if lag <= e.pre_lag.max(steady) {
                    e.recovered_at = Some(now);
                } else {
                    waiting = true;
                }
            }
        }
        self.awaiting_recovery = waiting;
    }
}
