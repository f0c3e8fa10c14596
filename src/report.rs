//! The human summary printed by `ckptsim run`: the seed and derived settings
//! first, then checkpoints, failures beside the `T + R` model, and the verdict.

use crate::metrics::{CheckpointOutcome, JobStatus, RunResult};
use crate::scenario::{RestartStrategy, Scenario, VertexKind};
use std::fmt::Write;

/// Lines printed before the run: scenario, seed and the settings that matter.
pub fn header(sc: &Scenario) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "ckptsim: scenario \"{}\", seed {}", sc.name, sc.seed);
    let job: Vec<String> = sc
        .job
        .vertices
        .iter()
        .map(|v| {
            let kind = match &v.kind {
                VertexKind::Source(_) => "source",
                VertexKind::Operator(_) => "operator",
                VertexKind::Sink(_) => "sink",
            };
            format!("{} ({kind}, p={})", v.name, v.parallelism)
        })
        .collect();
    let _ = writeln!(
        s,
        "  job: {}; duration {}",
        job.join(" -> "),
        sc.job.duration
    );
    let c = &sc.checkpoint;
    let _ = writeln!(
        s,
        "  checkpoint: interval {}, timeout {}, min-pause {}, max-concurrent {}, tolerable-failed {}, mode {:?}",
        c.interval, c.timeout, c.min_pause, c.max_concurrent, c.tolerable_failed, c.mode
    );
    let restart = match &sc.restart {
        RestartStrategy::None => "none".to_string(),
        RestartStrategy::FixedDelay { attempts, delay } => {
            format!("fixed-delay (attempts {attempts}, delay {delay})")
        }
        RestartStrategy::ExponentialDelay { initial, max, .. } => {
            format!("exponential-delay (initial {initial}, max {max})")
        }
        RestartStrategy::FailureRate {
            max_failures,
            interval,
            delay,
        } => format!("failure-rate ({max_failures} per {interval}, delay {delay})"),
    };
    let _ = writeln!(
        s,
        "  restart: {restart}; failover {:?}; {} TaskManager(s) x {} slot(s)",
        sc.failover, sc.cluster.taskmanagers, sc.cluster.slots_per_taskmanager
    );
    let _ = write!(
        s,
        "  faults: {} scripted, {} stochastic generator(s)",
        sc.faults.scripted.len(),
        sc.faults.stochastic.len()
    );
    s
}

/// The summary printed after the run.
pub fn summary(sc: &Scenario, r: &RunResult) -> String {
    let m = &r.summary;
    let mut s = String::new();
    let status = match m.job_status {
        JobStatus::Finished => "finished (drained and committed)".to_string(),
        JobStatus::Failed => format!(
            "FAILED: {}",
            m.failure_cause.as_deref().unwrap_or("unknown cause")
        ),
        JobStatus::Running => "still running at the drain timeout".to_string(),
    };
    let _ = writeln!(s, "\njob {status} after {:.3} simulated s", m.sim_seconds);
    let count = |o: CheckpointOutcome| r.checkpoints.iter().filter(|c| c.outcome == o).count();
    let _ = writeln!(
        s,
        "checkpoints: {} completed (mean {:.3} s), {} expired, {} declined, {} subsumed",
        m.checkpoints_completed,
        m.mean_checkpoint_s,
        count(CheckpointOutcome::Expired),
        count(CheckpointOutcome::Declined),
        count(CheckpointOutcome::Subsumed)
    );
    let _ = writeln!(
        s,
        "failures: {} (T = checkpoint interval {}; R = downtime)",
        m.failures, sc.checkpoint.interval
    );
    for f in &r.failures {
        let secs = |x: f64| {
            if x < 0.0 {
                "never".to_string()
            } else {
                format!("{x:.2} s")
            }
        };
        let _ = writeln!(
            s,
            "  #{} {} {} at {:.2} s: restored checkpoint {}, lost work {:.2} s, {} records replayed, {} restart(s)\n     downtime R {}, replay {}, recovery {} | model T + R = {}, T/2 + R = {}",
            f.index,
            f.kind,
            f.target,
            f.time_s,
            if f.restored_checkpoint < 0 {
                "none".to_string()
            } else {
                f.restored_checkpoint.to_string()
            },
            f.lost_work_s,
            f.records_replayed,
            f.restarts,
            secs(f.downtime_s),
            secs(f.replay_s),
            secs(f.recovery_s),
            secs(f.model_t_plus_r_s),
            secs(f.model_half_t_plus_r_s)
        );
    }
    let _ = writeln!(
        s,
        "records: {} read, {} committed, {} replayed; throughput {:.0} records/s",
        m.records_read, m.records_committed, m.records_replayed, m.throughput_records_per_s
    );
    let verdict = if m.exactly_once {
        "exactly-once output: yes (no loss, no duplicates)".to_string()
    } else {
        format!(
            "exactly-once output: NO ({} lost, {} duplicated, {} uncommitted visible; first: {})",
            m.lost_records,
            m.duplicates,
            m.uncommitted_visible,
            m.first_problem.as_deref().unwrap_or("-")
        )
    };
    let _ = writeln!(
        s,
        "{verdict}; promised {}: {}",
        m.guarantee,
        if m.guarantee_held { "held" } else { "VIOLATED" }
    );
    s
}
