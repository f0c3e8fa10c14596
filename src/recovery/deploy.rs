//! Deployment after a failover (Flink's scheduler): when the restart delay
//! has passed, a region is deployed only once every task has a slot; a task
//! whose slot is on a dead but not yet declared-lost TaskManager fails its
//! deployment after `deploy`, which is a new failure that uses up a restart
//! attempt; tasks whose TaskManager was declared lost wait for the
//! replacement. A deployed task restores (see `restore`) and then runs; when
//! all tasks run, checkpointing resumes.

use super::{FailureNote, Recovery};
use crate::checkpoint::Checkpointing;
use crate::event::{Ctx, Ev, TaskId};
use crate::job::Job;
use crate::job::task::Status;

impl Recovery {
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
        let deploy = ctx.sc.recovery.deploy;
        let doomed: Vec<TaskId> = set
            .iter()
            .copied()
            .filter(|&t| self.cluster.doomed(job.tasks[t].tm))
            .collect();
        if !doomed.is_empty() {
            // The JobManager still lists the dead TaskManager's slots: deploying there fails.
            let note = FailureNote {
                tasks: doomed,
                episode: ep,
                global: false,
            };
            self.note_failure(ctx, note, now + deploy);
            return;
        }
        // Like Flink's scheduler, a region is deployed only once every task has a slot.
        let all_slots = set
            .iter()
            .all(|&t| self.cluster.tms[job.tasks[t].tm as usize].registered);
        for task in set {
            job.tasks[task].status = Status::Deploying;
            if all_slots {
                let attempt = job.tasks[task].attempt;
                ctx.push(now + deploy, Ev::Deployed { task, attempt });
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
        job.running += 1;
        job.to_pump.push(task);
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
