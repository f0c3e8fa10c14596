//! One row of runs.csv: the metrics of one run at one grid point, computed
//! from its `RunResult` (simulated values only, so rows are reproducible),
//! with the cost models' predictions beside them.
//!
//! Computes only: the row's columns are the fields of [`RunMetrics`], and
//! `output` writes them. Never reaches into the simulator's internals.

use super::Grid;
use crate::metrics::sweep_rows::{RunMetrics, RunRow};
use crate::metrics::{CheckpointOutcome, CheckpointRecord, FailureRecord, JobStatus, RunResult};
use crate::models::{self, ModelInputs, Predictions};
use crate::scenario::Scenario;
use crate::stats::{mean, quantile};

/// Simulates run number `run` of the grid and returns its runs.csv row.
pub fn run_row(grid: &Grid, run: usize) -> Result<RunRow, crate::sim::SimError> {
    let point = &grid.points[run / grid.seeds as usize];
    let seed_index = (run % grid.seeds as usize) as u64;
    let mut sc = point.scenario.clone();
    sc.seed = sc.seed.wrapping_add(seed_index);
    let result = crate::sim::run(&sc)?;
    Ok(RunRow {
        run,
        point: point.index,
        seed: sc.seed,
        axes: point.values.iter().map(|(_, v)| v.clone()).collect(),
        metrics: measure(&sc, &result),
    })
}

/// Durations of a run's completed checkpoints.
struct Durations {
    /// In checkpoint order, s.
    completed: Vec<f64>,
    /// Ascending, s.
    sorted: Vec<f64>,
    /// Checkpoints that ended (any outcome but pending).
    ended: usize,
}

impl Durations {
    fn of(r: &RunResult) -> Self {
        let completed: Vec<f64> = r
            .checkpoints
            .iter()
            .filter(|c| c.outcome == CheckpointOutcome::Completed)
            .map(|c| c.duration_s)
            .collect();
        let mut sorted = completed.clone();
        sorted.sort_by(f64::total_cmp);
        let ended = r
            .checkpoints
            .iter()
            .filter(|c| c.outcome != CheckpointOutcome::Pending)
            .count();
        Self {
            completed,
            sorted,
            ended,
        }
    }
}

/// The model inputs as measured in a run (each falls back to the settings'
/// value when the run has nothing to measure it by), and their predictions.
fn measured_model(sc: &Scenario, r: &RunResult, ended: usize) -> (ModelInputs, Predictions) {
    let est = models::estimate(sc);
    let (overhead, _) = r.time_lost_s();
    let recovered = r.failures.iter().any(|f| f.downtime_s >= 0.0);
    let inputs = ModelInputs {
        interval_s: sc.checkpoint.interval.as_secs_f64(),
        checkpoint_cost_s: if ended > 0 {
            overhead / ended as f64
        } else {
            est.checkpoint_cost_s
        },
        restart_s: if recovered {
            r.summary.mean_downtime_s
        } else {
            est.restart_s
        },
        mtbf_s: est.mtbf_s,
    };
    (inputs, models::predict(&inputs))
}

/// (mean start delay s, mean state bytes, mean persisted in-flight bytes, unaligned
/// fraction) over a run's completed checkpoints; NaN when none completed.
fn checkpoint_shape(r: &RunResult) -> [f64; 4] {
    let done: Vec<&CheckpointRecord> = r
        .checkpoints
        .iter()
        .filter(|c| c.outcome == CheckpointOutcome::Completed)
        .collect();
    let of =
        |get: fn(&CheckpointRecord) -> f64| mean(&done.iter().map(|c| get(c)).collect::<Vec<_>>());
    [
        of(|c| c.start_delay_s_max),
        of(|c| c.state_bytes as f64),
        of(|c| c.persisted_inflight_bytes as f64),
        of(|c| f64::from(u8::from(c.unaligned_subtasks > 0))),
    ]
}

/// The metrics of one run. NaN where undefined (no failure, no checkpoint).
pub fn measure(sc: &Scenario, r: &RunResult) -> RunMetrics {
    let s = &r.summary;
    let d = Durations::of(r);
    let (overhead, lost_total) = r.time_lost_s();
    let recovered: Vec<&FailureRecord> =
        r.failures.iter().filter(|f| f.downtime_s >= 0.0).collect();
    // Mean of a failure field over the recovered failures where it is defined.
    let fm = |get: fn(&FailureRecord) -> f64| {
        let xs: Vec<f64> = recovered
            .iter()
            .map(|f| get(f))
            .filter(|x| *x >= 0.0)
            .collect();
        mean(&xs)
    };
    let hours = s.sim_seconds / 3600.0;
    let (inputs, p) = measured_model(sc, r, d.ended);
    let [start_delay, state, inflight, unaligned] = checkpoint_shape(r);
    RunMetrics {
        interval_s: sc.checkpoint.interval.as_secs_f64(),
        timeout_s: sc.checkpoint.timeout.as_secs_f64(),
        sim_seconds: s.sim_seconds,
        events: s.events as f64,
        finished: f64::from(u8::from(s.job_status == JobStatus::Finished)),
        exactly_once: f64::from(u8::from(s.exactly_once)),
        checkpoints_completed: s.checkpoints_completed as f64,
        checkpoints_failed: s.checkpoints_failed as f64,
        checkpoint_completed_fraction: if d.ended > 0 {
            d.completed.len() as f64 / d.ended as f64
        } else {
            f64::NAN
        },
        checkpoint_mean_s: mean(&d.completed),
        checkpoint_p50_s: quantile(&d.sorted, 0.5),
        checkpoint_p90_s: quantile(&d.sorted, 0.9),
        checkpoint_max_s: d.sorted.last().copied().unwrap_or(f64::NAN),
        checkpoint_overhead_s: overhead,
        failures: s.failures as f64,
        detection_mean_s: fm(|f| f.detection_s),
        restart_delay_mean_s: fm(|f| f.restart_delay_s),
        deploy_mean_s: fm(|f| f.deploy_s),
        restore_mean_s: fm(|f| f.restore_s),
        downtime_mean_s: fm(|f| f.downtime_s),
        replay_mean_s: fm(|f| f.replay_s),
        catch_up_mean_s: fm(|f| f.catch_up_s),
        recovery_mean_s: fm(|f| f.recovery_s),
        lost_work_mean_s: fm(|f| f.lost_work_s),
        records_replayed: s.records_replayed as f64,
        lost_s_total: lost_total,
        cost_s_per_h: if hours > 0.0 {
            (overhead + lost_total) / hours
        } else {
            f64::NAN
        },
        throughput_records_per_s: s.throughput_records_per_s,
        model_c_s: inputs.checkpoint_cost_s,
        model_r_s: inputs.restart_s,
        model_m_s: inputs.mtbf_s,
        model_t_plus_r_s: p.t_plus_r_s,
        model_half_t_plus_r_s: p.half_t_plus_r_s,
        model_cost_s_per_h: p.cost_s_per_h,
        young_t_opt_s: p.young_t_opt_s,
        daly_t_opt_s: p.daly_t_opt_s,
        start_delay_mean_s: start_delay,
        state_mean_bytes: state,
        persisted_inflight_mean_bytes: inflight,
        unaligned_checkpoint_fraction: unaligned,
    }
}
