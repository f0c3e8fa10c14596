//! Failover (Flink's RestartPipelinedRegionFailoverStrategy and
//! RestartAllFailoverStrategy): the JobManager handles a reported failure,
//! asks the restart strategy, stops checkpointing, and restarts the failed
//! tasks' pipelined regions (connected components of the job graph: any hash
//! or rebalance edge makes the whole job one region; forward-only pipelines
//! restart alone) or every task (`full`). Tasks not yet cancelled keep
//! running until `cancel` has passed; the restart happens at
//! max(handled + restart delay, cancelled). A checkpoint failure beyond the
//! tolerable count fails the whole job over.

use super::restart_strategy::RestartDecision;
use super::{Cause, FailureNote, Recovery};
use crate::checkpoint::{Checkpointing, Store};
use crate::event::{Ctx, Ev, TaskId};
use crate::job::Job;
use crate::job::task::Status;
use crate::metrics::{FailureKind, JobStatus};
use crate::scenario::FailoverStrategy;

impl Recovery {
    /// The failover region(s) of `tasks`, or every task for full failover.
    fn restart_set(&self, ctx: &Ctx, job: &Job, tasks: &[TaskId], global: bool) -> Vec<TaskId> {
        if global || ctx.sc.failover == FailoverStrategy::Full {
            return (0..job.tasks.len()).collect();
        }
        let regions: Vec<usize> = tasks.iter().map(|&t| job.region_of[t]).collect();
        (0..job.tasks.len())
            .filter(|&t| regions.contains(&job.region_of[t]))
            .collect()
    }

    /// The JobManager handles reported failure number `failure`.
    pub fn handle_failure(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        ckpt: &mut Checkpointing,
        storage: &mut Store,
        failure: usize,
    ) {
        if job.status != JobStatus::Running {
            return;
        }
        let now = ctx.now();
        let note = self.failures[failure].clone();
        let ep = note.episode;
        let e = &mut self.episodes[ep];
        e.handled.get_or_insert(now);
        if e.tm.is_none() {
            e.detected.get_or_insert(now);
        }
        let decision = self.restart.on_failure(now, &mut self.jitter_rng);
        ckpt.stop_scheduler(ctx, job, storage);
        let set = self.restart_set(ctx, job, &note.tasks, note.global);
        match decision {
            RestartDecision::Fail => {
                job.status = JobStatus::Failed;
                let e = &self.episodes[ep];
                let no_slot = match note.cause {
                    Cause::NoResourceAvailable => format!(
                        "; no slot came within cluster.slot-request-timeout {} (NoResourceAvailableException)",
                        ctx.sc.cluster.slot_request_timeout
                    ),
                    Cause::Fault | Cause::DeployRefused => String::new(),
                };
                job.failure_cause = Some(format!(
                    "the restart strategy gave up after {} restart(s) (last failure: {} of {} at {:.3} s{no_slot})",
                    self.episodes.iter().map(|e| e.restarts).sum::<u32>(),
                    e.kind,
                    e.target,
                    e.time.as_secs_f64()
                ));
                for t in 0..job.tasks.len() {
                    self.kill(ctx, job, storage, t);
                }
            }
            RestartDecision::Restart { delay, new_attempt } => {
                let fo = self.next_failover;
                self.next_failover += 1;
                self.fo_episode.insert(fo, ep);
                for &t in &set {
                    self.failover_of[t] = fo;
                }
                let e = &mut self.episodes[ep];
                // Like Flink's numberOfRestarts: a failure merged into a pending
                // backoff restarts its tasks with it but is not a restart of its own.
                if new_attempt {
                    e.restarts += 1;
                }
                e.restarted_tasks = set.len() as u32;
                let cancel = ctx.sc.recovery.cancel;
                ctx.push(now + cancel, Ev::CancelDone { failover: fo });
                ctx.push(now + delay.max(cancel), Ev::Restart { failover: fo });
            }
        }
    }

    /// Cancellation reached the tasks of failover `fo`: they stop, and their channels are reset.
    pub fn cancel_done(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        ckpt: &mut Checkpointing,
        storage: &mut Store,
        fo: u64,
    ) {
        let set = self.tasks_of(fo);
        let now = ctx.now();
        for &t in &set {
            if job.tasks[t].status != Status::Down {
                self.kill(ctx, job, storage, t);
            }
            ckpt.forget_task(t);
            let task = &mut job.tasks[t];
            task.mailbox.clear();
            task.flush_scheduled = false;
            task.wake_at = None;
            task.inputs.floating_used.iter_mut().for_each(|f| *f = 0);
        }
        for ch in 0..job.chans.len() {
            let c = &job.chans[ch];
            if self.failover_of[c.from] == fo || self.failover_of[c.to] == fo {
                job.reset_channel(ch, now);
            }
        }
    }

    /// Too many consecutive failed checkpoints: fail the whole job over.
    pub fn escalate(&mut self, ctx: &mut Ctx, job: &Job, ckpt: &Checkpointing) {
        let what = (FailureKind::CheckpointFailure, "job".to_string(), None);
        let ep = self.new_episode(ctx, job, ckpt, what);
        let note = FailureNote {
            tasks: (0..job.tasks.len()).collect(),
            episode: ep,
            global: true,
            cause: Cause::Fault,
        };
        let now = ctx.now();
        self.note_failure(ctx, note, now);
    }
}
