//! The end of a run: the checkpoint and failure records, the summary with the
//! oracle's verdict, the realised fault schedule and the committed output,
//! assembled into a `RunResult`.

use super::Sim;
use super::outputs::normalise;
use crate::metrics::{CheckpointOutcome, FailureRecord, JobStatus, RunResult, RunSummary};
use crate::oracle::{self, Invariant};
use crate::recovery::Episode;
use crate::time::SimTime;

fn secs_between(a: Option<SimTime>, b: Option<SimTime>) -> f64 {
    match (a, b) {
        (Some(a), Some(b)) => b.since(a).as_secs_f64(),
        _ => -1.0,
    }
}

impl Sim<'_> {
    fn failure_record(&self, i: usize, e: &Episode) -> FailureRecord {
        let t_s = self.ctx.sc.checkpoint.interval.as_secs_f64();
        let downtime = secs_between(Some(e.time), e.running_at);
        let (model, half) = if downtime >= 0.0 {
            (t_s + downtime, t_s / 2.0 + downtime)
        } else {
            (-1.0, -1.0)
        };
        // The anatomy of the downtime: detection, then restart delay (backoff and
        // failed deployments after detection), deployment, restore; they add up.
        // After it, replay then catch-up; with the downtime they add up to the recovery.
        let detected = match (e.detected, e.restart_at) {
            (Some(d), Some(r)) => Some(d.min(r)),
            (d, _) => d,
        };
        // Work lost: since the restored checkpoint's trigger, else since the trigger of
        // the latest checkpoint completed when it struck (a recovery cut short), else
        // since the start.
        let since = (e.restored_ckpt.or(e.last_completed)).map_or(SimTime::ZERO, |c| c.1);
        FailureRecord {
            index: i as u32,
            time_s: e.time.as_secs_f64(),
            kind: e.kind,
            target: e.target.clone(),
            detection_s: secs_between(Some(e.time), detected),
            restart_delay_s: secs_between(detected, e.restart_at),
            deploy_s: secs_between(e.restart_at, e.deployed_at),
            restore_s: secs_between(e.deployed_at, e.running_at),
            restored_checkpoint: e.restored_ckpt.map_or(-1, |c| c.0 as i64),
            lost_work_s: e.time.since(since).as_secs_f64(),
            records_replayed: e.replayed,
            restarted_tasks: e.restarted_tasks,
            restarts: e.restarts,
            downtime_s: downtime,
            replay_s: secs_between(e.running_at, e.replayed_at),
            catch_up_s: secs_between(e.replayed_at, e.recovered_at),
            recovery_s: secs_between(Some(e.time), e.recovered_at),
            interval_s: t_s,
            model_t_plus_r_s: model,
            model_half_t_plus_r_s: half,
        }
    }

    /// " (epoch of checkpoint n; after <fault>)" for a problem at partition `p`, offset `lo`.
    fn locate_problem(&self, p: u32, lo: u64) -> String {
        let epoch = self
            .ckpt
            .coord
            .ckpt_offsets
            .iter()
            .find(|(_, offs)| offs[p as usize] > lo)
            .map(|(&id, _)| id);
        let start = epoch
            .and_then(|id| self.ckpt.coord.records.iter().find(|c| c.id + 1 == id))
            .map_or(0.0, |c| c.trigger_s);
        let fault = self
            .rec
            .episodes
            .iter()
            .find(|e| e.time.as_secs_f64() >= start)
            .map(|e| {
                format!(
                    "after {} of {} at {:.3} s",
                    e.kind,
                    e.target,
                    e.time.as_secs_f64()
                )
            })
            .unwrap_or_else(|| "with no fault after it".into());
        match epoch {
            Some(id) => format!(" (records of the epoch ending at checkpoint {id}; {fault})"),
            None => format!(" (records after the last completed checkpoint; {fault})"),
        }
    }

    /// Completes the checkpoint records: the ones still pending at the end
    /// included, sorted by id.
    fn close_checkpoint_records(&mut self) {
        let now = self.ctx.now();
        let co = &mut self.ckpt.coord;
        let pending = std::mem::take(&mut co.pending);
        let mut records = std::mem::take(&mut co.records);
        records.extend(
            pending
                .values()
                .map(|p| p.record(now, CheckpointOutcome::Pending)),
        );
        records.sort_by_key(|c| c.id);
        co.records = records;
    }

    /// Ends the run: assembles checkpoints, failures, samples, summary and verdict.
    pub(super) fn into_result(mut self) -> RunResult {
        let sc = self.ctx.sc;
        let k = sc.job.max_parallelism;
        self.close_checkpoint_records();
        let failures: Vec<FailureRecord> = (self.rec.episodes.iter().enumerate())
            .map(|(i, e)| self.failure_record(i, e))
            .collect();
        let outputs = self.sink_outputs();
        let mut verdict = oracle::check(&outputs, k);
        if let (Some(text), Some((p, lo))) = (&verdict.first_problem, verdict.first_range) {
            verdict.first_problem = Some(format!("{text}{}", self.locate_problem(p, lo)));
        }
        // A job still running at the drain timeout is reported as such (a restart
        // loop or a job that cannot keep up is real behaviour, not a protocol bug).
        if self.job.status == JobStatus::Failed && self.job.failure_cause.is_none() {
            let what = "the job failed without a reason".to_string();
            self.ctx.violate(Invariant::JobEnds, what);
        }
        let final_state = self.final_state();
        let committed = (outputs.into_iter())
            .map(|o| (o.name, normalise(o.committed, k)))
            .collect();
        let (state_short, state_over) = self.state_check();
        if state_short + state_over > 0 && verdict.first_problem.is_none() {
            verdict.first_problem = Some(format!(
                "final keyed state holds {state_short} records too few and {state_over} too many (lost or replayed into state twice)"
            ));
        }
        let guarantee = oracle::promised(sc);
        let summary = RunSummary {
            guarantee,
            guarantee_held: oracle::held(guarantee, &verdict, state_short, state_over),
            exactly_once: verdict.exactly_once(),
            duplicates: verdict.duplicates,
            lost_records: verdict.lost,
            uncommitted_visible: verdict.uncommitted_visible,
            first_problem: verdict.first_problem.clone(),
            out_of_order: verdict.out_of_order,
            state_mismatch: state_short + state_over,
            ..self.summary(&failures)
        };
        let fired = &self.rec.faults[..self.rec.faults_fired];
        RunResult {
            summary,
            checkpoints: std::mem::take(&mut self.ckpt.coord.records),
            failures,
            samples: self.measure.samples,
            faults_toml: crate::faults::to_toml(sc, fired),
            committed,
            final_state,
        }
    }

    /// The run's summary without the oracle's verdict (filled in by the caller).
    fn summary(&self, failures: &[FailureRecord]) -> RunSummary {
        let sc = self.ctx.sc;
        let checkpoints = &self.ckpt.coord.records;
        let completed: Vec<f64> = (checkpoints.iter())
            .filter(|c| c.outcome == CheckpointOutcome::Completed)
            .map(|c| c.duration_s)
            .collect();
        let failed = (checkpoints.iter())
            .filter(|c| {
                matches!(
                    c.outcome,
                    CheckpointOutcome::Expired | CheckpointOutcome::Declined
                )
            })
            .count() as u64;
        let measured = |f: fn(&FailureRecord) -> f64| -> Vec<f64> {
            failures.iter().map(f).filter(|&d| d >= 0.0).collect()
        };
        let downtimes = measured(|f| f.downtime_s);
        let recoveries = measured(|f| f.recovery_s);
        let sim_seconds = self.ctx.now().as_secs_f64();
        let read = self.job.counters.source_records;
        let committed: f64 = (self.ckpt.sinks.ext.iter())
            .map(|s| s.committed_records)
            .sum();
        RunSummary {
            scenario: sc.name.clone(),
            seed: sc.seed,
            sim_seconds,
            events: self.ctx.q.popped(),
            job_status: self.job.status,
            failure_cause: self.job.failure_cause.clone(),
            checkpoints_completed: completed.len() as u64,
            checkpoints_failed: failed,
            mean_checkpoint_s: mean_or_zero(&completed),
            failures: failures.len() as u64,
            mean_downtime_s: mean_or_zero(&downtimes),
            mean_recovery_s: mean_or_zero(&recoveries),
            records_replayed: failures.iter().map(|f| f.records_replayed).sum(),
            records_read: read,
            records_committed: committed.round() as u64,
            throughput_records_per_s: if sim_seconds > 0.0 {
                read as f64 / sim_seconds
            } else {
                0.0
            },
            guarantee: oracle::promised(sc),
            guarantee_held: true,
            exactly_once: true,
            duplicates: 0,
            lost_records: 0,
            uncommitted_visible: 0,
            first_problem: None,
            out_of_order: 0,
            state_mismatch: 0,
            invariant_violations: self.ctx.violations.iter().map(|v| v.to_string()).collect(),
            downtime_s_total: downtimes.iter().sum(),
        }
    }
}

/// The mean of `xs`, or 0 when empty.
fn mean_or_zero(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        0.0
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}
