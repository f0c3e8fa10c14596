//! The run loop: builds the rooms for a scenario, pops events in (time,
//! insertion) order and hands each to the room that owns it, routes what a
//! room hands upward (a task's [`Signal`], a checkpoint [`Escalation`]) to
//! the room that owns the rule, stops at the event budget, and assembles the
//! `RunResult` at the end. Never touches files or charts.
//!
//! ```text
//!                      sim (this loop: dispatch, signals, budget)
//!           ┌─────────────┬──────────┴───────┬──────────────┐
//!           ▼             ▼                  ▼              ▼
//!       recovery ──▶ checkpoint ──▶ job (tasks, channels, log) │
//!           │             │                  │              measure, result
//!           └─────────────┴──▶ storage ◀─────┘
//!                    all: event (Ev, Ctx) ──▶ kernel (queue, streams)
//! ```

mod budget;
mod measure;
mod outputs;
mod result;

use crate::checkpoint::{Checkpointing, Escalation, Store, schedule_storage};
use crate::event::{Ctx, Ev, Owner};
use crate::job::{Job, Signal};
use crate::metrics::{JobStatus, RunResult};
use crate::mutants::Bug;
use crate::oracle::{Invariant, Rejection};
use crate::recovery::Recovery;
use crate::scenario::Scenario;
use crate::storage::Storage;
use crate::time::SimTime;
use measure::Measure;

pub use budget::SimError;

/// Simulates `sc` from start to end and returns everything it measured.
pub fn run(sc: &Scenario) -> Result<RunResult, SimError> {
    run_with(sc, None)
}

/// Simulates `sc` with a deliberately injected protocol bug (or none).
pub fn run_with(sc: &Scenario, bug: Option<Bug>) -> Result<RunResult, SimError> {
    let mut sim = Sim::new(sc, bug);
    sim.run_loop()?;
    Ok(sim.into_result())
}

impl From<SimError> for Rejection {
    fn from(e: SimError) -> Self {
        Rejection::Stopped(e.to_string())
    }
}

/// The simulated world: the context and the rooms.
pub(crate) struct Sim<'a> {
    ctx: Ctx<'a>,
    job: Job,
    ckpt: Checkpointing,
    storage: Store,
    rec: Recovery,
    measure: Measure,
    ended: bool,
    last_event_time: SimTime,
    budget: budget::Budget,
}

impl<'a> Sim<'a> {
    /// Builds the world for `sc` with every task running at time zero.
    fn new(sc: &'a Scenario, bug: Option<Bug>) -> Self {
        let horizon = SimTime(0) + sc.job.duration + sc.job.drain_timeout;
        let mut ctx = Ctx::new(sc, bug);
        let job = Job::new(&ctx);
        let ckpt = Checkpointing::new(&ctx, &job);
        let rec = Recovery::new(&mut ctx, &job, horizon);
        ctx.push(SimTime(0) + sc.output.sample_period, Ev::Sample);
        ctx.push(SimTime(0) + sc.job.duration, Ev::InputEnd);
        ctx.push(horizon, Ev::End);
        let mut sim = Sim {
            budget: budget::Budget::new(sc, &job),
            ctx,
            job,
            ckpt,
            storage: Storage::new(
                sc.storage.bandwidth_bytes_per_s,
                sc.storage.client_bandwidth_bytes_per_s,
            ),
            rec,
            measure: Measure::default(),
            ended: false,
            last_event_time: SimTime::ZERO,
        };
        sim.rec.deploy_all(&mut sim.ctx, &mut sim.job);
        sim
    }

    /// Runs events until the job finishes, fails, or the horizon passes; stops
    /// with an error when the run exceeds its event budget.
    fn run_loop(&mut self) -> Result<(), SimError> {
        self.drain_pumps();
        while !self.ended {
            let Some((t, ev)) = self.ctx.q.pop() else {
                break;
            };
            if t < self.last_event_time {
                let what = format!("event at {t} after one at {}", self.last_event_time);
                self.ctx.violate(Invariant::TimeMonotone, what);
            }
            self.last_event_time = t;
            (self.budget).spend(self.ctx.sc, t, self.ctx.q.popped())?;
            self.dispatch(ev);
            self.drain_pumps();
        }
        Ok(())
    }

    fn drain_pumps(&mut self) {
        while let Some(task) = self.job.to_pump.pop() {
            while let Some(sig) = self.job.pump(&mut self.ctx, task) {
                self.signal(sig);
            }
        }
    }

    /// Hands a task's signal to the room that owns the rule.
    fn signal(&mut self, sig: Signal) {
        let (ctx, job, ckpt) = (&mut self.ctx, &mut self.job, &mut self.ckpt);
        match sig {
            Signal::Trigger { task, ckpt: id } => {
                ckpt.mailbox_action(ctx, job, &mut self.storage, task, id)
            }
            Signal::PriorityBarrier {
                task,
                slot,
                ch,
                ckpt: id,
            } => ckpt.on_priority_barrier(ctx, job, &mut self.storage, (task, slot, ch, id)),
            Signal::InputRecovered { task } => self.rec.task_running(ctx, job, ckpt, task),
            Signal::Barrier {
                task,
                slot,
                ch,
                ckpt: id,
            } => {
                ckpt.on_barrier(ctx, job, &mut self.storage, (task, slot, id));
                job.release_sender_if_unblocked(ctx, ch);
            }
            Signal::RecordFailure { task } => {
                (self.rec).record_failure(ctx, job, ckpt, &mut self.storage, task)
            }
            Signal::Read => {
                if self.rec.awaiting_recovery {
                    self.rec.check_recovery(ctx, job);
                }
                ckpt.request_final(ctx, job);
            }
            Signal::SinkInput {
                task,
                segs,
                records,
            } => {
                ckpt.sinks.write(ctx, job, task, segs, records);
                if self.rec.awaiting_recovery {
                    self.rec.check_recovery(ctx, job);
                }
            }
            Signal::SyncDone { task, ckpt: id } => {
                ckpt.sync_done(ctx, job, &mut self.storage, task, id)
            }
        }
    }

    fn escalate(&mut self, e: Option<Escalation>) {
        if e.is_some() {
            self.rec.escalate(&mut self.ctx, &self.job, &self.ckpt);
        }
    }

    fn dispatch(&mut self, ev: Ev) {
        let (ctx, job, ckpt, st) = (
            &mut self.ctx,
            &mut self.job,
            &mut self.ckpt,
            &mut self.storage,
        );
        match ev {
            Ev::TaskStep {
                task,
                attempt,
                step,
            } => {
                if job.live_step(task, attempt, step) {
                    if let Some(sig) = job.work_done(ctx, task) {
                        self.signal(sig);
                    }
                    self.job.to_pump.push(task);
                }
            }
            Ev::SourceWake { task, attempt } => {
                if job.live(task, attempt) {
                    job.tasks[task].wake_at = None;
                    job.to_pump.push(task);
                }
            }
            Ev::Flush { task, attempt } => {
                if job.live(task, attempt) && job.flush_timer(ctx, task, ctx.now()) {
                    self.signal(Signal::Read);
                }
            }
            Ev::Arrive { ch, epoch } => {
                if let Some(sig) = job.arrive(ch, epoch) {
                    self.signal(sig);
                }
            }
            Ev::Credit { ch, epoch } => job.credit(ctx, ch, epoch),
            Ev::Resume { ch, epoch } => job.resume(ctx, ch, epoch),
            Ev::PeriodicTrigger { gen_ } => ckpt.periodic_tick(ctx, job, gen_),
            Ev::AbortAtTask {
                task,
                attempt,
                ckpt: id,
            } => {
                if job.live(task, attempt) {
                    ckpt.abort_at_task(ctx, job, task, id);
                }
            }
            Ev::TriggerAtSource {
                task,
                attempt,
                ckpt: id,
            } => {
                if job.live(task, attempt) {
                    // A mailbox action: it runs between two records.
                    job.tasks[task].mailbox.push_back(id);
                    job.take_trigger_between_records(ctx, task);
                    job.to_pump.push(task);
                }
            }
            Ev::Ack {
                task,
                attempt,
                ckpt: id,
            } => ckpt.on_ack(ctx, job, st, (task, attempt, id)),
            Ev::AlignedTimeout { ckpt: id } => ckpt.on_aligned_timeout(ctx, job, st, id),
            Ev::Materialize { task, attempt } => {
                if job.live(task, attempt) {
                    ckpt.materialize(ctx, job, task);
                }
            }
            Ev::Materialized {
                task,
                attempt,
                records,
                bytes,
            } => {
                if job.live(task, attempt) {
                    ckpt.materialized(ctx, job, task, records, bytes);
                }
            }
            Ev::Expire { ckpt: id } => {
                let e = ckpt.on_expire(ctx, job, st, id);
                self.escalate(e);
            }
            Ev::StorageStart { id } => {
                st.start(id, ctx.now());
                schedule_storage(ctx, st);
            }
            Ev::StorageWake { gen_ } => {
                if gen_ == st.generation {
                    self.storage_wake();
                }
            }
            Ev::Notify {
                task,
                attempt,
                ckpt: id,
            } => {
                if job.live(task, attempt) {
                    let latest = ckpt.coord.latest_id();
                    ckpt.sinks.commit_upto(ctx, job, latest, task, id);
                }
            }
            Ev::Fault { index } => self.rec.on_fault(ctx, job, ckpt, st, index),
            Ev::HandleFailure { failure } => {
                self.rec.handle_failure(ctx, job, ckpt, st, failure);
                self.ended |= job.status == JobStatus::Failed;
            }
            Ev::CancelDone { failover } => self.rec.cancel_done(ctx, job, ckpt, st, failover),
            Ev::Restart { failover } => self.rec.restart_tasks(ctx, job, failover),
            Ev::Deployed { task, attempt } => {
                self.rec.deployed(ctx, job, ckpt, st, (task, attempt))
            }
            Ev::Restored { task, attempt } => self.rec.restore_done(ctx, job, ckpt, task, attempt),
            Ev::TmLost { tm, incarnation } => self.rec.tm_lost(ctx, job, tm, incarnation),
            Ev::TmRegistered { tm, incarnation } => {
                self.rec.tm_registered(ctx, job, tm, incarnation)
            }
            Ev::SlotRequestTimeout { failover } => {
                self.rec.slot_request_timeout(ctx, job, failover)
            }
            Ev::Sample => {
                self.measure.sample(ctx, job, ckpt);
                if self.rec.awaiting_recovery {
                    self.rec.check_recovery(ctx, job);
                }
            }
            Ev::InputEnd => {
                job.reach_input_end(ctx);
                ckpt.request_final(ctx, job);
            }
            Ev::FinishJob => {
                job.status = JobStatus::Finished;
                self.ended = true;
            }
            Ev::End => self.ended = true,
            Ev::Debloat { task, attempt } => job.debloat_timer(ctx, task, attempt),
        }
    }

    /// Storage transfers finished: uploads are acknowledged, the metadata write
    /// completes its checkpoint, downloads finish their restore.
    fn storage_wake(&mut self) {
        let now = self.ctx.now();
        for owner in self.storage.take_finished(now) {
            match owner {
                Owner::Upload {
                    task,
                    attempt,
                    ckpt,
                } => {
                    self.ckpt.mark_persisted(task, ckpt);
                    let at = now + self.ctx.sc.cluster.rpc_latency;
                    self.ctx.push(
                        at,
                        Ev::Ack {
                            task,
                            attempt,
                            ckpt,
                        },
                    );
                }
                Owner::Metadata { ckpt } => {
                    self.ckpt
                        .complete(&mut self.ctx, &self.job, &mut self.storage, ckpt)
                }
                Owner::Restore {
                    task,
                    attempt,
                    bytes,
                } => self.rec.downloaded(&mut self.ctx, task, attempt, bytes),
            }
        }
        schedule_storage(&mut self.ctx, &self.storage);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One source (1 partition, 1,000 records/s) into a sink, one TaskManager,
    /// checkpoints every 10 s, no spread in deployment times, 1 ms RPCs.
    const TRICKLE: &str = r#"
name = "between-records"
seed = 1
[job]
duration = "30s"
[[job.source]]
name = "src"
parallelism = 1
partitions = 1
rate = 1000
capacity = 1000000
[[job.sink]]
name = "sink"
parallelism = 1
kind = "two-phase-commit"
capacity = 1000000
[[job.edge]]
from = "src"
to = "sink"
partitioning = "forward"
[checkpoint]
interval = "10s"
[recovery]
deploy-spread = 0
"#;

    #[test]
    fn a_source_takes_the_trigger_between_records() {
        let sc = crate::scenario::parse_str(TRICKLE, "trickle.toml", &[]).expect("valid");
        let mut sim = Sim::new(&sc, None);
        sim.run_loop().expect("runs");
        // The tasks run at 0.5 s (deployment), so checkpoints trigger at 0.5, 10.5 and
        // 20.5 s; the trigger reaches the source 1 ms later, between two records: its
        // offset is every record appended by then, 1,000/s × 0.501 s = 501 (not the
        // last poll's position, up to a buffer timeout behind).
        let offs: Vec<u64> = sim.ckpt.coord.ckpt_offsets.values().map(|o| o[0]).collect();
        assert_eq!(offs[..3], [501, 10_501, 20_501]);
    }
}
