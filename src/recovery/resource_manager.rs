//! The resource manager (Flink's ActiveResourceManager and
//! StandaloneResourceManager) and the slot requests it serves.
//!
//! When the heartbeat declares a TaskManager lost, its slot-sharing slots ask
//! the slot pool for new slots; free slots on live, registered TaskManagers
//! serve them at once (`slot_pool`). Only for what is left does an active
//! resource manager (`cluster.resource-manager = "active"`, Kubernetes or YARN
//! native) start new TaskManagers, one per TaskManager's worth of missing
//! slots, each registering `cluster.taskmanager-startup` after it was
//! requested; like Flink's declarative resource management it starts none
//! while free slots meet the job's needs (a lost idle spare is not replaced).
//! A standalone one (`"standalone"`) never starts any.
//!
//! A restart that finds a task without a slot waits for one; if none comes
//! within `cluster.slot-request-timeout` (Flink's `slot.request.timeout`), the
//! request fails with NoResourceAvailableException: a new failure of the
//! waiting tasks, handled at once, and the restart strategy decides.
//!
//! Simplifications: a new TaskManager takes the lowest free position (index)
//! of the cluster's `taskmanagers`, so faults keep naming positions; the
//! JobManager never offers a task a slot of a dead TaskManager it has not yet
//! declared lost (Flink's slot manager might, and the deployment would fail).

use super::{Cause, FailureNote, Recovery};
use crate::event::{Ctx, Ev, TaskId};
use crate::job::Job;
use crate::scenario::ResourceManager;

impl Recovery {
    /// TaskManager `tm` was declared lost: its slot-sharing slots ask for new slots.
    pub(super) fn slots_lost(&mut self, ctx: &mut Ctx, job: &mut Job, tm: u32) {
        self.pool.release(tm);
        self.serve_slot_requests(ctx, job);
    }

    /// A new TaskManager registered its slots: waiting tasks take them.
    pub fn tm_registered(&mut self, ctx: &mut Ctx, job: &mut Job, tm: u32, incarnation: u32) {
        let t = &mut self.cluster.tms[tm as usize];
        if t.incarnation != incarnation {
            return;
        }
        t.alive = true;
        t.registered = true;
        t.incarnation += 1;
        t.registered_at = ctx.now();
        t.starting = None;
        self.serve_slot_requests(ctx, job);
    }

    /// Serves waiting slot requests from free slots (the tasks move), starts
    /// TaskManagers for the rest (active), and deploys the tasks that waited
    /// for slots once every one of them has one.
    fn serve_slot_requests(&mut self, ctx: &mut Ctx, job: &mut Job) {
        let cluster = &self.cluster;
        for (g, tm) in self.pool.place(|tm| cluster.usable(tm)) {
            for task in job.tasks_where(|t| t.index == g) {
                job.place(task, tm);
            }
        }
        if ctx.sc.cluster.resource_manager == ResourceManager::Active {
            self.start_taskmanagers(ctx);
        }
        let waiting: Vec<TaskId> = (0..job.tasks.len())
            .filter(|&k| self.awaiting_slot[k])
            .collect();
        if !waiting.iter().all(|&k| self.has_slot(job, k)) {
            return;
        }
        for task in waiting {
            self.awaiting_slot[task] = false;
            let attempt = job.tasks[task].attempt;
            let at = ctx.now() + self.deploy_time(ctx);
            ctx.push(at, Ev::Deployed { task, attempt });
        }
    }

    /// Active resource manager: starts one TaskManager per TaskManager's worth of
    /// slots the waiting requests miss, beyond those already starting, each at the
    /// lowest free position.
    fn start_taskmanagers(&mut self, ctx: &mut Ctx) {
        let tms = &mut self.cluster.tms;
        let starting = tms.iter().filter(|t| t.starting.is_some()).count() as u32;
        let mut missing = self.pool.taskmanagers_missing(starting);
        let at = ctx.now() + ctx.sc.cluster.taskmanager_startup;
        for (tm, t) in tms.iter_mut().enumerate() {
            if missing == 0 {
                break;
            }
            if !t.alive && !t.registered && t.starting.is_none() {
                t.starting = Some(at);
                let (tm, incarnation) = (tm as u32, t.incarnation);
                ctx.push(at, Ev::TmRegistered { tm, incarnation });
                missing -= 1;
            }
        }
    }

    /// True when `task`'s slot-sharing slot has a slot.
    pub(super) fn has_slot(&self, job: &Job, task: TaskId) -> bool {
        self.pool.taskmanager_of(job.tasks[task].index).is_some()
    }

    /// True when deploying `task` fails at once: its slot is on a dead TaskManager
    /// the JobManager has not declared lost yet.
    pub(super) fn slot_doomed(&self, job: &Job, task: TaskId) -> bool {
        let tm = self.pool.taskmanager_of(job.tasks[task].index);
        tm.is_some_and(|tm| self.cluster.doomed(tm))
    }

    /// Failover `fo`'s restart found tasks without a slot: their request fails
    /// after `slot-request-timeout` unless a slot surely comes first (a
    /// TaskManager an active resource manager is starting registers before).
    pub(super) fn watch_slot_request(&mut self, ctx: &mut Ctx, fo: u64) {
        let sc = ctx.sc;
        let cl = &sc.cluster;
        let deadline = ctx.now() + cl.slot_request_timeout;
        let tms = &self.cluster.tms;
        let starting = tms.iter().filter(|t| t.starting.is_some()).count() as u32;
        let last_start = tms.iter().filter_map(|t| t.starting).max();
        let served_in_time = cl.resource_manager == ResourceManager::Active
            && self.pool.taskmanagers_missing(starting) == 0
            && last_start.is_some_and(|s| s <= deadline);
        if !served_in_time {
            ctx.push(deadline, Ev::SlotRequestTimeout { failover: fo });
        }
    }

    /// The slot request of failover `fo` timed out: if its tasks still wait, they
    /// fail with NoResourceAvailableException, handled at once.
    pub fn slot_request_timeout(&mut self, ctx: &mut Ctx, job: &Job, fo: u64) {
        let waiting: Vec<TaskId> = (self.tasks_of(fo).into_iter())
            .filter(|&t| self.awaiting_slot[t])
            .collect();
        if waiting.is_empty() || job.status != crate::metrics::JobStatus::Running {
            return;
        }
        let note = FailureNote {
            tasks: waiting,
            episode: self.fo_episode[&fo],
            global: false,
            cause: Cause::NoResourceAvailable,
        };
        let now = ctx.now();
        self.note_failure(ctx, note, now);
    }
}
