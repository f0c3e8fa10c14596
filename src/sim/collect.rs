//! Measuring a run: counters, the sampled time series, committed output, and
//! the assembly of the `RunResult` (with the oracle's verdict) at the end.

use super::{Episode, Sim, SinkExt};
use crate::data::Segment;
use crate::metrics::{
    CheckpointOutcome, CheckpointRecord, FailureRecord, JobStatus, RunResult, RunSummary, Sample,
};
use crate::oracle::{self, SinkOutput};
use crate::scenario::{CheckpointMode, Scenario, SinkKind, VertexKind};
use crate::time::SimTime;

/// Running totals sampled into the time series.
#[derive(Clone, Debug, Default)]
pub(crate) struct Counters {
    pub source_records: u64,
    pub sink_records: f64,
    pub committed_records: f64,
    last_source: u64,
    last_sink: f64,
    last_committed: f64,
}

/// Adds committed segments to a sink's output, merging adjacent ranges.
pub(crate) fn commit_segments(ext: &mut SinkExt, segs: &[Segment], records: f64, k: u32) {
    for s in segs {
        let v = ext
            .committed
            .entry((s.partition, s.kg_lo, s.kg_hi))
            .or_default();
        let joins = v
            .last()
            .is_some_and(|&(lo, hi)| Segment { lo, hi, ..*s }.continued_by(s, k));
        match v.last_mut() {
            Some(last) if joins => last.1 = s.hi,
            _ => v.push((s.lo, s.hi)),
        }
    }
    ext.committed_records += records;
}

/// Simulates `sc` from start to end and returns everything it measured.
pub fn run(sc: &Scenario) -> RunResult {
    let mut sim = Sim::new(sc);
    sim.run_loop();
    sim.into_result()
}

fn secs_between(a: Option<SimTime>, b: Option<SimTime>) -> f64 {
    match (a, b) {
        (Some(a), Some(b)) => b.since(a).as_secs_f64(),
        _ => -1.0,
    }
}

impl Sim<'_> {
    /// Appends one row to the time series and schedules the next.
    pub(crate) fn sample(&mut self) {
        let period = self.sc.output.sample_period.as_secs_f64();
        let c = &mut self.c;
        let row = Sample {
            time_s: self.q.now().as_secs_f64(),
            source_records_per_s: (c.source_records - c.last_source) as f64 / period,
            sink_records_per_s: (c.sink_records - c.last_sink) / period,
            committed_records_per_s: (c.committed_records - c.last_committed) / period,
            source_lag_records: 0,
            checkpoints_in_flight: self.pending.len() as u32,
            tasks_running: self.running as u32,
        };
        c.last_source = c.source_records;
        c.last_sink = c.sink_records;
        c.last_committed = c.committed_records;
        let lag = self.lag();
        self.samples.push(Sample {
            source_lag_records: lag,
            ..row
        });
        if self.awaiting_recovery {
            self.check_recovery();
        }
        let next = self.now() + self.sc.output.sample_period;
        self.q.push(next, super::Ev::Sample);
    }

    fn failure_record(&self, i: usize, e: &Episode) -> FailureRecord {
        let t_s = self.sc.checkpoint.interval.as_secs_f64();
        let downtime = secs_between(Some(e.time), e.running_at);
        let (model, half) = if downtime >= 0.0 {
            (t_s + downtime, t_s / 2.0 + downtime)
        } else {
            (-1.0, -1.0)
        };
        FailureRecord {
            index: i as u32,
            time_s: e.time.as_secs_f64(),
            kind: e.kind.clone(),
            target: e.target.clone(),
            detection_s: secs_between(Some(e.time), e.handled),
            restart_delay_s: e.restart_delay.as_secs_f64(),
            deploy_s: secs_between(e.restart_at, e.deployed_at),
            restore_s: secs_between(e.deployed_at, e.running_at),
            restored_checkpoint: e.restored_ckpt.map_or(-1, |c| c.0 as i64),
            lost_work_s: e
                .time
                .since(e.restored_ckpt.map_or(SimTime::ZERO, |c| c.1))
                .as_secs_f64(),
            records_replayed: e.replayed,
            restarted_tasks: e.restarted_tasks,
            restarts: e.restarts,
            downtime_s: downtime,
            catch_up_s: secs_between(e.running_at, e.recovered_at),
            recovery_s: secs_between(Some(e.time), e.recovered_at),
            interval_s: t_s,
            model_t_plus_r_s: model,
            model_half_t_plus_r_s: half,
        }
    }

    /// What each sink committed and should have committed, for the oracle.
    fn sink_outputs(&self) -> Vec<SinkOutput> {
        let sc = self.sc;
        let finished = self.status == JobStatus::Finished;
        let offsets_of = |ckpt: u64| -> Vec<u64> {
            self.ckpt_offsets
                .get(&ckpt)
                .cloned()
                .unwrap_or_else(|| vec![0; self.offsets.len()])
        };
        let final_offsets: Vec<u64> = (0..self.offsets.len())
            .map(|gp| self.log.final_len(gp as u32))
            .collect();
        let mut outs = Vec::new();
        for (v, vs) in sc.job.vertices.iter().enumerate() {
            let VertexKind::Sink(sink) = &vs.kind else {
                continue;
            };
            let parts = upstream_partitions(sc, v, &self.log);
            let subtasks: Vec<usize> = (0..self.tasks.len())
                .filter(|&t| self.tasks[t].vertex == v)
                .collect();
            let (must, limit) = if finished {
                let f = final_offsets.clone();
                (
                    f.clone(),
                    (sink.kind == SinkKind::TwoPhaseCommit).then_some(f),
                )
            } else if sink.kind == SinkKind::TwoPhaseCommit {
                let ids: Vec<u64> = subtasks
                    .iter()
                    .map(|&t| self.sinks[t].last_committed_ckpt)
                    .collect();
                let lo = ids.iter().copied().min().unwrap_or(0);
                let hi = ids.iter().copied().max().unwrap_or(0);
                (offsets_of(lo), Some(offsets_of(hi)))
            } else {
                (offsets_of(self.latest.as_ref().map_or(0, |c| c.id)), None)
            };
            let committed = subtasks
                .iter()
                .flat_map(|&t| {
                    self.sinks[t]
                        .committed
                        .iter()
                        .flat_map(|(&(p, g0, g1), rs)| {
                            rs.iter().map(move |&(lo, hi)| Segment {
                                partition: p,
                                kg_lo: g0,
                                kg_hi: g1,
                                lo,
                                hi,
                            })
                        })
                })
                .collect();
            outs.push(SinkOutput {
                name: vs.name.clone(),
                committed,
                must_have: parts.iter().map(|&p| (p, must[p as usize])).collect(),
                visible_limit: limit.map(|l| parts.iter().map(|&p| (p, l[p as usize])).collect()),
            });
        }
        outs
    }

    /// Ends the run: assembles checkpoints, failures, samples, summary and verdict.
    pub(crate) fn into_result(mut self) -> RunResult {
        let now = self.now();
        let pending: Vec<u64> = self.pending.keys().copied().collect();
        for id in pending {
            if let Some(p) = self.pending.remove(&id) {
                self.ckpt_records.push(CheckpointRecord {
                    id: p.id,
                    trigger_s: p.trigger.as_secs_f64(),
                    end_s: now.as_secs_f64(),
                    duration_s: now.since(p.trigger).as_secs_f64(),
                    start_delay_s_max: p.start_delay_max.as_secs_f64(),
                    alignment_s_max: p.align_max.as_secs_f64(),
                    sync_s_max: p.sync_max.as_secs_f64(),
                    async_s_max: p.async_max.as_secs_f64(),
                    state_bytes: p.state_bytes,
                    persisted_inflight_bytes: 0,
                    outcome: CheckpointOutcome::Pending,
                });
            }
        }
        self.ckpt_records.sort_by_key(|c| c.id);
        let failures: Vec<FailureRecord> = self
            .episodes
            .iter()
            .enumerate()
            .map(|(i, e)| self.failure_record(i, e))
            .collect();
        let outputs = self.sink_outputs();
        let verdict = oracle::check(&outputs, self.sc.job.max_parallelism);
        let committed = outputs
            .into_iter()
            .map(|o| (o.name, normalise(o.committed, self.sc.job.max_parallelism)))
            .collect();
        let completed: Vec<&CheckpointRecord> = self
            .ckpt_records
            .iter()
            .filter(|c| c.outcome == CheckpointOutcome::Completed)
            .collect();
        let failed = self
            .ckpt_records
            .iter()
            .filter(|c| {
                matches!(
                    c.outcome,
                    CheckpointOutcome::Expired | CheckpointOutcome::Declined
                )
            })
            .count() as u64;
        let mean = |xs: &[f64]| {
            if xs.is_empty() {
                0.0
            } else {
                xs.iter().sum::<f64>() / xs.len() as f64
            }
        };
        let downtimes: Vec<f64> = failures
            .iter()
            .map(|f| f.downtime_s)
            .filter(|&d| d >= 0.0)
            .collect();
        let recoveries: Vec<f64> = failures
            .iter()
            .map(|f| f.recovery_s)
            .filter(|&d| d >= 0.0)
            .collect();
        let durations: Vec<f64> = completed.iter().map(|c| c.duration_s).collect();
        let exactly_once_job = self.sc.checkpoint.mode == CheckpointMode::ExactlyOnce
            && self.sc.job.vertices.iter().all(|v| match &v.kind {
                VertexKind::Sink(s) => s.kind == SinkKind::TwoPhaseCommit,
                _ => true,
            });
        let held = if exactly_once_job {
            verdict.exactly_once()
        } else {
            verdict.lost == 0
        };
        let sim_seconds = now.as_secs_f64();
        let summary = RunSummary {
            scenario: self.sc.name.clone(),
            seed: self.sc.seed,
            sim_seconds,
            events: self.q.popped(),
            job_status: self.status,
            failure_cause: self.failure_cause.clone(),
            checkpoints_completed: completed.len() as u64,
            checkpoints_failed: failed,
            mean_checkpoint_s: mean(&durations),
            failures: failures.len() as u64,
            mean_downtime_s: mean(&downtimes),
            mean_recovery_s: mean(&recoveries),
            records_replayed: failures.iter().map(|f| f.records_replayed).sum(),
            records_read: self.c.source_records,
            records_committed: self
                .sinks
                .iter()
                .map(|s| s.committed_records)
                .sum::<f64>()
                .round() as u64,
            throughput_records_per_s: if sim_seconds > 0.0 {
                self.c.source_records as f64 / sim_seconds
            } else {
                0.0
            },
            guarantee: if exactly_once_job {
                "exactly-once"
            } else {
                "at-least-once"
            }
            .into(),
            guarantee_held: held,
            exactly_once: verdict.exactly_once(),
            duplicates: verdict.duplicates,
            lost_records: verdict.lost,
            uncommitted_visible: verdict.uncommitted_visible,
            first_problem: verdict.first_problem.clone(),
            downtime_s_total: downtimes.iter().sum(),
        };
        let fired = &self.faults[..self.faults_fired];
        RunResult {
            summary,
            checkpoints: self.ckpt_records,
            failures,
            samples: self.samples,
            faults_toml: crate::faults::to_toml(self.sc, fired),
            committed,
        }
    }
}

/// Sorts segments and merges adjacent ones (overlaps, i.e. duplicates, stay visible).
fn normalise(segs: Vec<Segment>, k: u32) -> Vec<Segment> {
    let mut segs: Vec<Segment> = segs.iter().filter_map(|s| s.trimmed(k)).collect();
    segs.sort_unstable();
    let mut out: Vec<Segment> = Vec::with_capacity(segs.len());
    for s in segs {
        match out.last_mut() {
            Some(l) if l.continued_by(&s, k) => l.hi = s.hi,
            _ => out.push(s),
        }
    }
    out
}

/// Global partitions of every source upstream of vertex `v`.
fn upstream_partitions(sc: &Scenario, v: usize, log: &super::source::Log) -> Vec<u32> {
    let mut reach = vec![false; sc.job.vertices.len()];
    reach[v] = true;
    for u in (0..sc.job.vertices.len()).rev() {
        if sc.job.edges.iter().any(|e| e.from == u && reach[e.to]) {
            reach[u] = true;
        }
    }
    let mut parts = Vec::new();
    let mut rank = 0;
    for (u, vs) in sc.job.vertices.iter().enumerate() {
        if let VertexKind::Source(_) = vs.kind {
            if reach[u] {
                parts.extend(log.partitions_of(rank));
            }
            rank += 1;
        }
    }
    parts
}
