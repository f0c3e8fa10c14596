//! Deployment (Flink's scheduler), at the job's start and after a failover.
//! Each task's deployment takes `deploy × (1 + spread·u)`, u drawn uniformly
//! in [−1, 1] from the run's `deploy-times` stream, and the task runs as soon
//! as its own deployment and restore are done (a source emits at once); the
//! checkpoint scheduler starts when the last task runs. After a failover, once
//! the restart delay has passed, a region is deployed only when every task has
//! a slot; deploying into a dead but not yet declared-lost TaskManager's slot
//! fails fast (a refused connection, one RPC latency), which is a new failure
//! that uses up a restart attempt; tasks whose slot went with a TaskManager
//! declared lost wait for a new slot (`resource_manager`), and their slot
//! request may time out.

use super::{Cause, FailureNote, Recovery};
use crate::checkpoint::Checkpointing;
use crate::event::{Ctx, Ev, TaskId};
use crate::job::Job;
use crate::job::task::Status;
use crate::time::SimDuration;
use rand::RngExt;

impl Recovery {
    /// How long the next deployment takes (`recovery.deploy` spread by `recovery.deploy-spread`).
    pub(super) fn deploy_time(&mut self, ctx: &Ctx) -> SimDuration {
        let (deploy, spread) = (ctx.sc.recovery.deploy, ctx.sc.recovery.deploy_spread);
        if spread == 0.0 {
            return deploy;
        }
        let u: f64 = self.deploy_rng.random_range(-1.0..=1.0);
        SimDuration((deploy.as_ns() as f64 * (1.0 + spread * u)).round() as u64)
    }

    /// The job starts: every task is deployed into its slot.
    pub fn deploy_all(&mut self, ctx: &mut Ctx, job: &mut Job) {
        let now = ctx.now();
        for task in 0..job.tasks.len() {
            job.tasks[task].status = Status::Deploying;
            let attempt = job.tasks[task].attempt;
            let at = now + self.deploy_time(ctx);
            ctx.push(at, Ev::Deployed { task, attempt });
        }
    }

    /// The restart delay of failover `fo` passed: deploy its tasks (or fail into a dead TaskManager).
    pub fn restart_tasks(&mut self, ctx: &mut Ctx, job: &mut Job, fo: u64) {
        let set: Vec<TaskId> = self
            .tasks_of(fo)
            .into_iter()
            .filter(|&t| job.tasks[t].status == Status::Down)
            .collect();
        if set.is_empty() {
            return;
        }
        let now = ctx.now();
        let ep = self.fo_episode[&fo];
        self.episodes[ep].restart_at = Some(now);
        let doomed: Vec<TaskId> = set
            .iter()
            .copied()
            .filter(|&t| self.slot_doomed(job, t))
            .collect();
        if !doomed.is_empty() {
            // The JobManager still lists the dead TaskManager's slots: deploying there fails.
            let note = FailureNote {
                tasks: doomed,
                episode: ep,
                global: false,
                cause: Cause::DeployRefused,
            };
            self.note_failure(ctx, note, now + ctx.sc.cluster.rpc_latency);
            return;
        }
        // Like Flink's scheduler, a region is deployed only once every task has a slot.
        let all_slots = set.iter().all(|&t| self.has_slot(job, t));
        if !all_slots {
            self.watch_slot_request(ctx, fo);
        }
        for task in set {
            job.tasks[task].status = Status::Deploying;
            if all_slots {
                let attempt = job.tasks[task].attempt;
                let at = now + self.deploy_time(ctx);
                ctx.push(at, Ev::Deployed { task, attempt });
            } else {
                self.awaiting_slot[task] = true;
            }
        }
    }

    /// A task's state is restored: it runs. When all run, checkpointing resumes.
    pub fn restore_done(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        ckpt: &mut Checkpointing,
        task: TaskId,
        attempt: u32,
    ) {
        if job.tasks[task].attempt != attempt || job.tasks[task].status != Status::Restoring {
            return;
        }
        job.tasks[task].status = Status::Running;
        job.to_pump.push(task);
        if !job.restore_channel_state(ctx, task) {
            self.task_running(ctx, job, ckpt, task);
        }
    }

    /// A task runs (restored, and done with any recovered input channel state).
    /// When all run, checkpointing resumes.
    pub fn task_running(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        ckpt: &mut Checkpointing,
        task: TaskId,
    ) {
        job.running += 1;
        job.to_pump.push(task);
        ckpt.changelog_start(ctx, job, task);
        if job.running == job.tasks.len() {
            let now = ctx.now();
            for e in self.episodes.iter_mut().filter(|e| e.running_at.is_none()) {
                e.running_at = Some(now);
            }
            self.awaiting_recovery = true;
            ckpt.on_all_running(ctx, job);
            self.check_recovery(ctx, job);
        }
    }
}
