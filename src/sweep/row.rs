//! One row of runs.csv: the metrics of one run at one grid point, computed
//! from its `RunResult` (simulated values only, so rows are reproducible),
//! with the cost models' predictions beside them.

use crate::metrics::{CheckpointOutcome, JobStatus, RunResult};
use crate::models::{self, ModelInputs};
use crate::scenario::Scenario;

/// Metric columns of runs.csv, in order (units last in names).
pub const METRICS: &[&str] = &[
    "sim_seconds",
    "events",
    "finished",
    "exactly_once",
    "checkpoints_completed",
    "checkpoints_failed",
    "checkpoint_completed_fraction",
    "checkpoint_mean_s",
    "checkpoint_p50_s",
    "checkpoint_p90_s",
    "checkpoint_max_s",
    "checkpoint_overhead_s",
    "failures",
    "detection_mean_s",
    "restart_delay_mean_s",
    "deploy_mean_s",
    "restore_mean_s",
    "downtime_mean_s",
    "catch_up_mean_s",
    "recovery_mean_s",
    "lost_work_mean_s",
    "records_replayed",
    "lost_s_total",
    "cost_s_per_h",
    "throughput_records_per_s",
    "model_c_s",
    "model_r_s",
    "model_m_s",
    "model_t_plus_r_s",
    "model_half_t_plus_r_s",
    "model_cost_s_per_h",
    "young_t_opt_s",
    "daly_t_opt_s",
];

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for x in xs {
        sum += x;
        n += 1;
    }
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// The metric values of one run, in `METRICS` order. NaN where undefined (no failure, no checkpoint).
pub fn metrics(sc: &Scenario, r: &RunResult) -> Vec<f64> {
    let s = &r.summary;
    let completed: Vec<f64> = r
        .checkpoints
        .iter()
        .filter(|c| c.outcome == CheckpointOutcome::Completed)
        .map(|c| c.duration_s)
        .collect();
    let mut sorted = completed.clone();
    sorted.sort_by(f64::total_cmp);
    let q = |p: f64| {
        if sorted.is_empty() {
            f64::NAN
        } else {
            crate::stats::quantile(&sorted, p)
        }
    };
    let ended = r
        .checkpoints
        .iter()
        .filter(|c| c.outcome != CheckpointOutcome::Pending)
        .count();
    let (overhead, lost_total) = r.time_lost_s();
    let recovered: Vec<_> = r.failures.iter().filter(|f| f.downtime_s >= 0.0).collect();
    let fm = |get: fn(&crate::metrics::FailureRecord) -> f64| {
        mean(recovered.iter().map(|f| get(f)).filter(|x| *x >= 0.0))
    };
    let hours = s.sim_seconds / 3600.0;
    let cost = if hours > 0.0 {
        (overhead + lost_total) / hours
    } else {
        f64::NAN
    };
    let est = models::estimate(sc);
    let c_meas = if ended > 0 {
        overhead / ended as f64
    } else {
        est.checkpoint_cost_s
    };
    let r_meas = if recovered.is_empty() {
        est.restart_s
    } else {
        s.mean_downtime_s
    };
    let inputs = ModelInputs {
        interval_s: sc.checkpoint.interval.as_secs_f64(),
        checkpoint_cost_s: c_meas,
        restart_s: r_meas,
        mtbf_s: est.mtbf_s,
    };
    let p = models::predict(&inputs);
    vec![
        s.sim_seconds,
        s.events as f64,
        (s.job_status == JobStatus::Finished) as u8 as f64,
        s.exactly_once as u8 as f64,
        s.checkpoints_completed as f64,
        s.checkpoints_failed as f64,
        if ended > 0 {
            completed.len() as f64 / ended as f64
        } else {
            f64::NAN
        },
        mean(completed.iter().copied()),
        q(0.5),
        q(0.9),
        sorted.last().copied().unwrap_or(f64::NAN),
        overhead,
        s.failures as f64,
        fm(|f| f.detection_s),
        fm(|f| f.restart_delay_s),
        fm(|f| f.deploy_s),
        fm(|f| f.restore_s),
        fm(|f| f.downtime_s),
        fm(|f| f.catch_up_s),
        fm(|f| f.recovery_s),
        fm(|f| f.lost_work_s),
        s.records_replayed as f64,
        lost_total,
        cost,
        s.throughput_records_per_s,
        c_meas,
        r_meas,
        inputs.mtbf_s,
        p.t_plus_r_s,
        p.half_t_plus_r_s,
        p.cost_s_per_h,
        p.young_t_opt_s,
        p.daly_t_opt_s,
    ]
}

/// A float as CSV text: shortest round-trip form, empty for NaN.
pub fn fmt(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x}")
    }
}
