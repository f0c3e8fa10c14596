//! Faults strike: a task failure kills one subtask and is reported to the
//! JobManager after `failure-report-delay`; a TaskManager loss kills every
//! subtask in its slots at once, its peers notice the broken connections
//! after `connection-loss-detection`, and the heartbeat declares it lost
//! later (see `heartbeat`).

use super::{Cause, FailureNote, Recovery};
use crate::checkpoint::{Checkpointing, Store};
use crate::event::{Ctx, TaskId};
use crate::faults::target_name;
use crate::job::Job;
use crate::job::task::{Status, Task};
use crate::metrics::{FailureKind, JobStatus};
use crate::scenario::Fault;

impl Recovery {
    /// A subtask threw on a record an armed failure waited for: it fails like a
    /// task failure, reported after `failure-report-delay`.
    pub fn record_failure(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        ckpt: &Checkpointing,
        storage: &mut Store,
        task: TaskId,
    ) {
        if job.status != JobStatus::Running {
            return;
        }
        let target = job.task_name(ctx, task);
        let what = (FailureKind::RecordFailure, target, None);
        let ep = self.new_episode(ctx, job, ckpt, what);
        self.kill(ctx, job, storage, task);
        let at = ctx.now() + ctx.sc.recovery.failure_report_delay;
        let note = FailureNote {
            tasks: vec![task],
            episode: ep,
            global: false,
            cause: Cause::Fault,
        };
        self.note_failure(ctx, note, at);
    }

    /// Scheduled fault number `index` strikes.
    pub fn on_fault(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        ckpt: &Checkpointing,
        storage: &mut Store,
        index: usize,
    ) {
        self.faults_fired = self.faults_fired.max(index + 1);
        if job.status != JobStatus::Running {
            return;
        }
        let fault = self.faults[index].fault.clone();
        let now = ctx.now();
        let target = target_name(ctx.sc, &fault);
        match fault {
            Fault::TaskFailure { vertex, subtask } => {
                let Some(task) = job
                    .tasks
                    .iter()
                    .position(|t| t.vertex == vertex && t.index == subtask)
                else {
                    return;
                };
                if job.tasks[task].status != Status::Running {
                    return;
                }
                let what = (FailureKind::TaskFailure, target, None);
                let ep = self.new_episode(ctx, job, ckpt, what);
                self.kill(ctx, job, storage, task);
                let at = now + ctx.sc.recovery.failure_report_delay;
                let note = FailureNote {
                    tasks: vec![task],
                    episode: ep,
                    global: false,
                    cause: Cause::Fault,
                };
                self.note_failure(ctx, note, at);
            }
            Fault::RecordFailure {
                vertex,
                subtask,
                partition,
                offset,
            } => {
                // Armed now; it fires when the subtask processes the record.
                if let Some(task) =
                    (job.tasks.iter()).position(|t| t.vertex == vertex && t.index == subtask)
                {
                    job.traps.push((task, partition, offset));
                }
            }
            Fault::TaskManagerLoss { taskmanager } => {
                if !self.cluster.kill(ctx, taskmanager) {
                    return;
                }
                let pool = &self.pool;
                let on_it = |t: &Task| pool.taskmanager_of(t.index) == Some(taskmanager);
                let victims: Vec<TaskId> =
                    job.tasks_where(|t| on_it(t) && t.status != Status::Down);
                if victims.is_empty() {
                    return;
                }
                let what = (FailureKind::TaskmanagerLoss, target, Some(taskmanager));
                let ep = self.new_episode(ctx, job, ckpt, what);
                for &k in &victims {
                    self.kill(ctx, job, storage, k);
                }
                let at = now + ctx.sc.recovery.connection_loss_detection;
                let note = FailureNote {
                    tasks: victims,
                    episode: ep,
                    global: false,
                    cause: Cause::Fault,
                };
                self.note_failure(ctx, note, at);
            }
        }
    }
}
