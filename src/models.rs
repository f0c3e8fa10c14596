//! The cost models the simulator is compared with: the seed model `T + R`,
//! the long-run cost rate `C/T + (T/2 + R)/M`, and the optimum intervals of
//! Young (1974) and Daly (2006); plus estimates of their inputs from a
//! scenario's settings and the text of `ckptsim model` (in `models/text.rs`).
//!
//! An analysis room: it reads `Scenario` and `RunResult` and never touches
//! the simulator's internals, files or charts. Notation, all in seconds:
//! T = checkpoint interval, C = checkpoint cost (time a checkpoint blocks
//! processing), R = restart (downtime) per failure, M = mean time between
//! failures of the whole job.

mod text;

pub use text::report;

use crate::scenario::{RestartStrategy, Scenario, StochasticKind, VertexKind};

/// The four inputs of the cost models, in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelInputs {
    /// T: checkpoint interval, s.
    pub interval_s: f64,
    /// C: time one checkpoint blocks processing, s.
    pub checkpoint_cost_s: f64,
    /// R: downtime per failure (restart and recovery), s.
    pub restart_s: f64,
    /// M: mean time between failures of the whole job, s (+∞ without failures).
    pub mtbf_s: f64,
}

/// What the models predict for one set of inputs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Predictions {
    /// Seed model, worst case per failure: work since the last checkpoint (≤ T) plus downtime, `T + R`, s.
    pub t_plus_r_s: f64,
    /// Seed model, expectation per failure (failure uniform within an interval): `T/2 + R`, s.
    pub half_t_plus_r_s: f64,
    /// Long-run fraction of time lost: `C/T + (T/2 + R)/M`, s lost per s.
    pub cost_rate: f64,
    /// The cost rate as seconds lost per hour: `3600·cost_rate`, s/h.
    pub cost_s_per_h: f64,
    /// Young's optimum interval `sqrt(2·C·M)`, s.
    pub young_t_opt_s: f64,
    /// Daly's higher-order optimum as a checkpoint interval (trigger to trigger):
    /// his optimum compute time between checkpoints plus the checkpoint cost C, s.
    pub daly_t_opt_s: f64,
}

/// Young (1974): the first-order optimum checkpoint interval `sqrt(2·C·M)`, s.
///
/// It is also exactly the interval minimising `cost_rate`: d/dT of
/// `C/T + (T/2 + R)/M` is `−C/T² + 1/(2M)`, zero at `T = sqrt(2CM)`, and the
/// second derivative `2C/T³` is positive, so it is the minimum; R shifts the
/// cost but not the optimum. With M = +∞ the optimum is +∞ (never checkpoint).
pub fn young(checkpoint_cost_s: f64, mtbf_s: f64) -> f64 {
    (2.0 * checkpoint_cost_s * mtbf_s).sqrt()
}

/// Daly (2006): `sqrt(2CM)·[1 + sqrt(C/(2M))/3 + (C/(2M))/9] − C` for C < 2M, else M, s.
pub fn daly(checkpoint_cost_s: f64, mtbf_s: f64) -> f64 {
    let (c, m) = (checkpoint_cost_s, mtbf_s);
    if c < 2.0 * m {
        let r = c / (2.0 * m);
        young(c, m) * (1.0 + r.sqrt() / 3.0 + r / 9.0) - c
    } else {
        m
    }
}

/// Daly's optimum as a checkpoint interval: ckptsim's (and Flink's) interval runs
/// from trigger to trigger and so holds the checkpoint cost, while Daly's τ_opt is
/// the compute time between checkpoints: interval = τ_opt + C, s.
pub fn daly_interval(checkpoint_cost_s: f64, mtbf_s: f64) -> f64 {
    daly(checkpoint_cost_s, mtbf_s) + checkpoint_cost_s
}

/// Long-run fraction of time lost, `C/T + (T/2 + R)/M` (s lost per s); minimised at T = `young(C, M)`.
///
/// C/T: every interval pays one checkpoint cost. (T/2 + R)/M: failures come
/// every M seconds on average, each losing half an interval of work (uniform
/// failure time) plus the downtime. A first-order model: it ignores the
/// cost of checkpoints interrupted by failures and the failures during
/// recovery, which Daly's higher-order terms account for.
pub fn cost_rate(i: &ModelInputs) -> f64 {
    let (t, c, r, m) = (i.interval_s, i.checkpoint_cost_s, i.restart_s, i.mtbf_s);
    c / t + (t / 2.0 + r) / m
}

/// Every prediction for `i`.
pub fn predict(i: &ModelInputs) -> Predictions {
    let rate = cost_rate(i);
    Predictions {
        t_plus_r_s: i.interval_s + i.restart_s,
        half_t_plus_r_s: i.interval_s / 2.0 + i.restart_s,
        cost_rate: rate,
        cost_s_per_h: 3600.0 * rate,
        young_t_opt_s: young(i.checkpoint_cost_s, i.mtbf_s),
        daly_t_opt_s: daly_interval(i.checkpoint_cost_s, i.mtbf_s),
    }
}

/// The whole job's MTBF from the stochastic fault generators, s; `None` without any generator.
///
/// Each generator draws for failure domains: `TaskManagerLoss` one per
/// TaskManager, `TaskFailure` one per subtask (the sum of every vertex's
/// parallelism). Domains fail independently, so rates add:
/// `1/M = Σ domains / mtbf`. A Weibull generator counts with its mean, which
/// is its MTBF: by renewal theory its long-run failure rate is 1/mtbf too,
/// though early failures cluster (shape < 1) or spread (shape > 1).
/// Scripted faults are not counted: they are not a rate.
pub fn job_mtbf_s(sc: &Scenario) -> Option<f64> {
    if sc.faults.stochastic.is_empty() {
        return None;
    }
    let subtasks: u64 = sc.job.vertices.iter().map(|v| v.parallelism as u64).sum();
    let mut rate_per_s = 0.0;
    for g in &sc.faults.stochastic {
        let domains = match g.kind {
            StochasticKind::TaskManagerLoss => sc.cluster.taskmanagers as u64,
            StochasticKind::TaskFailure => subtasks,
        };
        rate_per_s += domains as f64 / g.mtbf.as_secs_f64();
    }
    Some(1.0 / rate_per_s)
}

/// The pieces of C and R as read from the settings, s and bytes (shown by `report`).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Parts {
    /// `checkpoint.sync-base`, s.
    sync_base_s: f64,
    /// Largest keyed state of one subtask, all keys seen, bytes.
    largest_subtask_state_bytes: f64,
    /// Keyed state of the whole job, all keys seen, bytes.
    total_state_bytes: f64,
    /// `recovery.failure-report-delay`, s.
    report_s: f64,
    /// The restart strategy's (first) delay, s.
    restart_delay_s: f64,
    /// `recovery.cancel`, s.
    cancel_s: f64,
    /// `recovery.deploy`, s.
    deploy_s: f64,
    /// Storage latency plus the state download, s.
    restore_s: f64,
}

/// Reads the pieces of C and R from the settings (see `estimate`).
fn parts(sc: &Scenario) -> Parts {
    let (mut largest, mut total) = (0.0f64, 0.0f64);
    for v in &sc.job.vertices {
        if let VertexKind::Operator(op) = &v.kind
            && let Some(st) = &op.state
        {
            let bytes = st.keys as f64 * st.bytes_per_key as f64;
            total += bytes;
            largest = largest.max(bytes / v.parallelism as f64);
        }
    }
    let restart_delay = match &sc.restart {
        RestartStrategy::None => 0.0,
        RestartStrategy::FixedDelay { delay, .. } => delay.as_secs_f64(),
        RestartStrategy::ExponentialDelay { initial, .. } => initial.as_secs_f64(),
        RestartStrategy::FailureRate { delay, .. } => delay.as_secs_f64(),
    };
    let st = &sc.storage;
    let mut download_s = total / st.bandwidth_bytes_per_s as f64;
    if let Some(client) = st.client_bandwidth_bytes_per_s {
        // Each subtask's download is capped by the client bandwidth.
        download_s = download_s.max(largest / client as f64);
    }
    let rec = &sc.recovery;
    Parts {
        sync_base_s: sc.checkpoint.sync_base.as_secs_f64(),
        largest_subtask_state_bytes: largest,
        total_state_bytes: total,
        report_s: rec.failure_report_delay.as_secs_f64(),
        restart_delay_s: restart_delay,
        cancel_s: rec.cancel.as_secs_f64(),
        deploy_s: rec.deploy.as_secs_f64(),
        restore_s: st.latency.as_secs_f64() + download_s,
    }
}

/// The model inputs from the scenario's settings alone (no run), s.
///
/// Simplifications, each a choice:
/// - T = `checkpoint.interval` (the backlog interval and min-pause are ignored).
/// - C = the time a checkpoint blocks processing: `checkpoint.sync-base` plus
///   the largest per-subtask keyed state once every key has been seen
///   (`keys·bytes-per-key / parallelism`, the simulator's even split) divided
///   by `checkpoint.sync-speed`. Alignment is taken as zero (it is only
///   large under backpressure, which the settings alone cannot tell) and
///   the asynchronous upload does not block processing, so neither counts.
///   Source offsets and sink transactions are a few bytes and are ignored.
/// - R = the downtime of a task failure: `recovery.failure-report-delay` +
///   max(restart delay, `recovery.cancel`) + `recovery.deploy` + restore.
///   The restart delay is fixed-delay's and failure-rate's `delay` and
///   exponential-delay's `initial` backoff (its first, jitter-free value;
///   repeated failures within the reset threshold wait longer); none → 0.
///   Restore = `storage.latency` + the whole job's keyed state ÷
///   `storage.bandwidth` (every restarted task downloads at once and shares
///   it: a full or whole-job region failover), or the largest subtask's
///   state ÷ `storage.client-bandwidth` if that is longer. A TaskManager
///   loss also waits for heartbeats and a replacement, which R leaves out.
/// - M = `job_mtbf_s`, or +∞ without stochastic faults.
pub fn estimate(sc: &Scenario) -> ModelInputs {
    let p = parts(sc);
    ModelInputs {
        interval_s: sc.checkpoint.interval.as_secs_f64(),
        checkpoint_cost_s: c_of(&p, sc.checkpoint.sync_bytes_per_s),
        restart_s: r_of(&p),
        mtbf_s: job_mtbf_s(sc).unwrap_or(f64::INFINITY),
    }
}

/// C from its parts, s.
fn c_of(p: &Parts, sync_bytes_per_s: u64) -> f64 {
    p.sync_base_s + p.largest_subtask_state_bytes / sync_bytes_per_s as f64
}

/// R from its parts, s.
fn r_of(p: &Parts) -> f64 {
    p.report_s + p.restart_delay_s.max(p.cancel_s) + p.deploy_s + p.restore_s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_str;

    /// Asserts |got − want| ≤ 1e-9·|want|.
    fn close(got: f64, want: f64) {
        assert!(
            (got - want).abs() <= 1e-9 * want.abs(),
            "got {got}, want {want}"
        );
    }

    #[test]
    fn young_and_daly_by_hand() {
        // C = 5 s, M = 1800 s: 2CM = 18000, Young = sqrt(18000) = 134.16407864998737 s.
        close(young(5.0, 1800.0), 134.16407864998737);
        // Daly: r = C/(2M) = 5/3600 = 0.0013888..., sqrt(r) = 0.037267799624996496,
        // factor = 1 + 0.0372677996/3 + 0.0013888889/9
        //        = 1 + 0.0124225999 + 0.0001543210 = 1.0125769208626532,
        // 134.16407864998737 · 1.0125769208626532 = 135.85144964977903, minus C = 130.85144964977903 s.
        close(daly(5.0, 1800.0), 130.85144964977903);
        // C ≥ 2M: Daly's interval is M.
        assert_eq!(daly(4000.0, 1800.0), 1800.0);
        assert_eq!(daly(3600.0, 1800.0), 1800.0);
        // As an interval: τ_opt + C = 130.85144964977903 + 5.
        close(daly_interval(5.0, 1800.0), 135.85144964977903);
    }

    #[test]
    fn cost_rate_is_lowest_at_young() {
        let at = |t: f64| {
            cost_rate(&ModelInputs {
                interval_s: t,
                checkpoint_cost_s: 5.0,
                restart_s: 30.0,
                mtbf_s: 1800.0,
            })
        };
        let t_opt = young(5.0, 1800.0);
        assert!(at(t_opt) < at(0.9 * t_opt));
        assert!(at(t_opt) < at(1.1 * t_opt));
        // At the optimum C/T = T/(2M) = sqrt(C/(2M)), so the rate is 2·sqrt(C/(2M)) + R/M.
        close(at(t_opt), 2.0 * (5.0f64 / 3600.0).sqrt() + 30.0 / 1800.0);
    }

    #[test]
    fn predictions_without_failures() {
        let p = predict(&ModelInputs {
            interval_s: 10.0,
            checkpoint_cost_s: 0.5,
            restart_s: 4.0,
            mtbf_s: f64::INFINITY,
        });
        assert_eq!(p.t_plus_r_s, 14.0);
        assert_eq!(p.half_t_plus_r_s, 9.0);
        // Only the checkpoint cost is left: 0.5/10 = 0.05, 180 s/h.
        close(p.cost_rate, 0.05);
        close(p.cost_s_per_h, 180.0);
        assert_eq!(p.young_t_opt_s, f64::INFINITY);
        assert_eq!(p.daly_t_opt_s, f64::INFINITY);
    }

    /// A small valid scenario with `faults` appended.
    fn scenario(faults: &str) -> Scenario {
        let text = format!(
            r#"
[job]
duration = "1min"
[[job.source]]
name = "src"
parallelism = 2
partitions = 2
rate = 1000
capacity = 10000
[[job.operator]]
name = "agg"
parallelism = 3
capacity = 10000
[[job.sink]]
name = "out"
parallelism = 1
kind = "two-phase-commit"
capacity = 10000
[[job.edge]]
from = "src"
to = "agg"
partitioning = "hash"
[[job.edge]]
from = "agg"
to = "out"
partitioning = "rebalance"
[checkpoint]
interval = "10s"
[cluster]
taskmanagers = 3
slots-per-taskmanager = 1
{faults}
"#
        );
        parse_str(&text, "t.toml", &[]).expect("test scenario is valid")
    }

    #[test]
    fn job_mtbf_adds_rates() {
        assert_eq!(job_mtbf_s(&scenario("")), None);
        // 3 TaskManagers, 1800 s each: 1/M = 3/1800, M = 600 s.
        let tm = scenario("[[faults.stochastic]]\ntaskmanager-loss = { mtbf = \"30min\" }");
        close(job_mtbf_s(&tm).unwrap(), 600.0);
        // Weibull counts with its mean, the MTBF.
        let weibull = scenario(
            "[[faults.stochastic]]\ntaskmanager-loss = { mtbf = \"30min\", distribution = \"weibull\", shape = 0.7 }",
        );
        close(job_mtbf_s(&weibull).unwrap(), 600.0);
        // Plus task failures: 2 + 3 + 1 = 6 subtasks at 3600 s each.
        // 1/M = 3/1800 + 6/3600 = 1/600 + 1/600, M = 300 s.
        let both = scenario(
            "[[faults.stochastic]]\ntaskmanager-loss = { mtbf = \"30min\" }\n[[faults.stochastic]]\ntask-failure = { mtbf = \"1h\" }",
        );
        close(job_mtbf_s(&both).unwrap(), 300.0);
    }

    #[test]
    fn estimate_quickstart() {
        let sc = parse_str(
            include_str!("../scenarios/quickstart.toml"),
            "quickstart.toml",
            &[],
        )
        .unwrap();
        let i = estimate(&sc);
        // T = 10 s.
        close(i.interval_s, 10.0);
        // aggregate: 2,000,000 keys · 64 B = 128,000,000 B over 4 subtasks = 32,000,000 B each.
        // C = sync-base 0.001 s + 32e6 B ÷ 2e9 B/s (default sync-speed) = 0.001 + 0.016 = 0.017 s.
        close(i.checkpoint_cost_s, 0.017);
        // R = report 0.010 + max(fixed delay 3 s, cancel 0.1 s) + deploy 0.5
        //   + restore (latency 0.05 + 128e6 B ÷ 100e6 B/s = 1.28) = 0.01 + 3 + 0.5 + 1.33 = 4.84 s.
        close(i.restart_s, 4.84);
        // Only scripted faults: M = +∞.
        assert_eq!(i.mtbf_s, f64::INFINITY);
    }

    #[test]
    fn estimate_restart_strategies_and_client_cap() {
        let sets = |extra: &[&str]| {
            let v: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
            let text = include_str!("../scenarios/stochastic.toml");
            estimate(&parse_str(text, "stochastic.toml", &v).unwrap())
        };
        // Exponential delay (initial 1 s): R = 0.01 + 1 + 0.5 + 1.33 = 2.84 s; M = 300 s / 2 TMs = 150 s.
        let i = sets(&[]);
        close(i.restart_s, 2.84);
        close(i.mtbf_s, 150.0);
        // A 10 MB/s client cap: 32e6 B ÷ 10e6 B/s = 3.2 s > 1.28 s, restore = 3.25 s, R = 4.76 s.
        let capped = sets(&["storage.client-bandwidth=\"10MB/s\""]);
        close(capped.restart_s, 0.01 + 1.0 + 0.5 + 3.25);
    }
}
