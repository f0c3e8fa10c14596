//! Measuring a run: counters, the sampled time series, committed output, and
//! the assembly of the `RunResult` (with the oracle's verdict) at the end.

use super::{Episode, Sim, SinkExt};
use crate::data::Segment;
use crate::metrics::{
    CheckpointOutcome, CheckpointRecord, FailureRecord, JobStatus, RunResult, RunSummary, Sample,
};
use crate::mutants::Bug;
use crate::oracle::{self, SinkOutput};
use crate::scenario::{CheckpointMode, Scenario, SinkKind, VertexKind};
use crate::time::SimTime;
use std::collections::BTreeMap;

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
    run_with(sc, None)
}

/// Simulates `sc` with a deliberately injected protocol bug (or none).
pub fn run_with(sc: &Scenario, bug: Option<Bug>) -> RunResult {
    let mut sim = Sim::new(sc, bug);
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
        let lag = self.lag();
        let c = &mut self.c;
        self.samples.push(Sample {
            time_s: self.q.now().as_secs_f64(),
            source_records_per_s: (c.source_records - c.last_source) as f64 / period,
            sink_records_per_s: (c.sink_records - c.last_sink) / period,
            committed_records_per_s: (c.committed_records - c.last_committed) / period,
            source_lag_records: lag,
            checkpoints_in_flight: self.pending.len() as u32,
            tasks_running: self.running as u32,
        });
        c.last_source = c.source_records;
        c.last_sink = c.sink_records;
        c.last_committed = c.committed_records;
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

    /// " (epoch of checkpoint n; after <fault>)" for a problem at partition `p`, offset `lo`.
    fn locate_problem(&self, p: u32, lo: u64) -> String {
        let epoch = self
            .ckpt_offsets
            .iter()
            .find(|(_, offs)| offs[p as usize] > lo)
            .map(|(&id, _)| id);
        let start = epoch
            .and_then(|id| self.ckpt_records.iter().find(|c| c.id + 1 == id))
            .map_or(0.0, |c| c.trigger_s);
        let fault = self
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

    /// Final keyed state per key-group range ("agg[1]") for operators fed only by hash
    /// edges (where a subtask owns fixed key groups), else per vertex ("agg[*]").
    fn final_state(&self) -> Vec<(String, u64)> {
        let sc = self.sc;
        let mut out = Vec::new();
        for (v, vs) in sc.job.vertices.iter().enumerate() {
            if !matches!(&vs.kind, VertexKind::Operator(o) if o.state.is_some()) {
                continue;
            }
            let keyed = sc
                .job
                .edges
                .iter()
                .filter(|e| e.to == v)
                .all(|e| e.partitioning == crate::scenario::Partitioning::Hash);
            let subtasks = self.tasks.iter().filter(|t| t.vertex == v);
            if keyed {
                out.extend(
                    subtasks.map(|t| (format!("{}[{}]", vs.name, t.index), t.state_records)),
                );
            } else {
                out.push((
                    format!("{}[*]", vs.name),
                    subtasks.map(|t| t.state_records).sum(),
                ));
            }
        }
        out
    }

    /// Final keyed state against what a finished job must hold: every source
    /// record folded in once per path to the vertex. Returns (missing, extra).
    fn state_check(&self) -> (u64, u64) {
        if self.status != JobStatus::Finished {
            return (0, 0);
        }
        let sc = self.sc;
        let n = sc.job.vertices.len();
        let mut source_len = vec![0u64; n];
        let mut rank = 0;
        for (v, vs) in sc.job.vertices.iter().enumerate() {
            if let VertexKind::Source(_) = vs.kind {
                source_len[v] = self
                    .log
                    .partitions_of(rank)
                    .map(|gp| self.log.final_len(gp))
                    .sum();
                rank += 1;
            }
        }
        // Records reaching each vertex (vertices are in topological order).
        let mut reaching = source_len.clone();
        for v in 0..n {
            for e in sc.job.edges.iter().filter(|e| e.from == v) {
                reaching[e.to] += reaching[v];
            }
        }
        let (mut short, mut over) = (0u64, 0u64);
        for (v, vs) in sc.job.vertices.iter().enumerate() {
            let VertexKind::Operator(o) = &vs.kind else {
                continue;
            };
            if o.state.is_none() {
                continue;
            }
            let held: u64 = self
                .tasks
                .iter()
                .filter(|t| t.vertex == v)
                .map(|t| t.state_records)
                .sum();
            short += reaching[v].saturating_sub(held);
            over += held.saturating_sub(reaching[v]);
        }
        (short, over)
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
            let copies = partition_copies(sc, v, &self.log);
            // Flink keeps per-key order only along forward and hash edges.
            // (Two paths into one sink interleave their copies: no order either.)
            let ordered = !rebalanced_upstream(sc, v) && copies.values().all(|&c| c == 1);
            // Per sink subtask and (partition, key groups): committed ranges in commit order.
            let sequences: Vec<Vec<Segment>> = subtasks
                .iter()
                .flat_map(|&t| {
                    self.sinks[t].committed.iter().map(|(&(p, g0, g1), rs)| {
                        rs.iter()
                            .map(|&(lo, hi)| Segment {
                                partition: p,
                                kg_lo: g0,
                                kg_hi: g1,
                                lo,
                                hi,
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let committed = sequences.iter().flatten().copied().collect();
            let in_commit_order = if ordered { sequences } else { Vec::new() };
            outs.push(SinkOutput {
                name: vs.name.clone(),
                committed,
                must_have: parts.iter().map(|&p| (p, must[p as usize])).collect(),
                visible_limit: limit.map(|l| parts.iter().map(|&p| (p, l[p as usize])).collect()),
                in_commit_order,
                copies,
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
        let mut verdict = oracle::check(&outputs, self.sc.job.max_parallelism);
        if let (Some(text), Some((p, lo))) = (&verdict.first_problem, verdict.first_range) {
            verdict.first_problem = Some(format!("{text}{}", self.locate_problem(p, lo)));
        }
        // A job still running at the drain timeout is reported as such (a restart
        // loop or a job that cannot keep up is real behaviour, not a protocol bug).
        if self.status == JobStatus::Failed && self.failure_cause.is_none() {
            self.violate("job-ends: the job failed without a reason".into());
        }
        let final_state = self.final_state();
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
        let (state_short, state_over) = self.state_check();
        if state_short + state_over > 0 && verdict.first_problem.is_none() {
            verdict.first_problem = Some(format!(
                "final keyed state holds {state_short} records too few and {state_over} too many (lost or replayed into state twice)"
            ));
        }
        let held = if exactly_once_job {
            verdict.exactly_once() && verdict.out_of_order == 0 && state_short + state_over == 0
        } else {
            verdict.lost == 0 && state_short == 0
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
            out_of_order: verdict.out_of_order,
            state_mismatch: state_short + state_over,
            invariant_violations: self.violations.clone(),
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
            final_state,
        }
    }
}

/// The canonical form of a multiset of committed segments: per (partition, key
/// groups), the maximal ranges of constant coverage depth d, trimmed to their first
/// and last member record, each listed d times, sorted. Equal record multisets give
/// equal lists, however the commits were cut.
fn normalise(segs: Vec<Segment>, k: u32) -> Vec<Segment> {
    let mut by_key: BTreeMap<(u32, u32, u32), Vec<(u64, i64)>> = BTreeMap::new();
    for s in segs.iter().filter_map(|s| s.trimmed(k)) {
        let e = by_key.entry((s.partition, s.kg_lo, s.kg_hi)).or_default();
        e.push((s.lo, 1));
        e.push((s.hi, -1));
    }
    let mut out = Vec::new();
    for ((partition, kg_lo, kg_hi), mut edges) in by_key {
        edges.sort_unstable();
        let mut pieces: Vec<(Segment, i64)> = Vec::new();
        let mut depth = 0i64;
        for i in 0..edges.len() {
            depth += edges[i].1;
            let Some(&(next, _)) = edges.get(i + 1) else {
                break;
            };
            let piece = Segment {
                partition,
                kg_lo,
                kg_hi,
                lo: edges[i].0,
                hi: next,
            };
            let Some(piece) = piece.trimmed(k).filter(|_| depth > 0) else {
                continue;
            };
            match pieces.last_mut() {
                Some((l, d)) if *d == depth && l.continued_by(&piece, k) => l.hi = piece.hi,
                _ => pieces.push((piece, depth)),
            }
        }
        for (piece, d) in pieces {
            out.extend(std::iter::repeat_n(piece, d as usize));
        }
    }
    out
}

/// Per global partition: the number of paths from its source to vertex `v` (a diamond
/// delivers each record once per path).
fn partition_copies(sc: &Scenario, v: usize, log: &super::source::Log) -> BTreeMap<u32, u32> {
    let n = sc.job.vertices.len();
    let mut out = BTreeMap::new();
    let mut rank = 0;
    for (s, vs) in sc.job.vertices.iter().enumerate() {
        let VertexKind::Source(_) = vs.kind else {
            continue;
        };
        let mut paths = vec![0u32; n];
        paths[s] = 1;
        for u in s..n {
            for e in sc.job.edges.iter().filter(|e| e.from == u) {
                paths[e.to] = paths[e.to].saturating_add(paths[u]);
            }
        }
        for gp in log.partitions_of(rank) {
            if paths[v] > 0 {
                out.insert(gp, paths[v]);
            }
        }
        rank += 1;
    }
    out
}

/// True when some path into vertex `v` crosses a rebalance edge (no order guarantee).
fn rebalanced_upstream(sc: &Scenario, v: usize) -> bool {
    let mut reach = vec![false; sc.job.vertices.len()];
    reach[v] = true;
    for u in (0..sc.job.vertices.len()).rev() {
        if sc.job.edges.iter().any(|e| e.from == u && reach[e.to]) {
            reach[u] = true;
        }
    }
    sc.job
        .edges
        .iter()
        .any(|e| reach[e.to] && e.partitioning == crate::scenario::Partitioning::Rebalance)
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
