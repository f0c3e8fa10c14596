//! A hand-built [`RunResult`] for unit tests of the rooms that read results
//! (writers, charts, summaries). Test-only data; knows nothing of the simulator.

use super::FailureKind;
use super::{
    CheckpointOutcome, CheckpointRecord, FailureRecord, JobStatus, RunResult, RunSummary, Sample,
};

/// A small hand-built run: 60 s, 5 checkpoints of every outcome, two failures.
pub(crate) fn sample_result() -> RunResult {
    let ckpt = |id: u64, trigger_s: f64, end_s: f64, outcome| CheckpointRecord {
        id,
        trigger_s,
        end_s,
        duration_s: end_s - trigger_s,
        start_delay_s_max: 0.05,
        alignment_s_max: 0.2,
        sync_s_max: 0.01,
        async_s_max: 1.5,
        state_bytes: 64 << 20,
        persisted_inflight_bytes: 0,
        processed_in_alignment_bytes: 0,
        unaligned_subtasks: 0,
        switched_subtasks: 0,
        full_state_bytes: 64 << 20,
        outcome,
    };
    use CheckpointOutcome::*;
    let checkpoints = vec![
        ckpt(1, 0.5, 2.5, Completed),
        ckpt(2, 10.5, 13.0, Completed),
        ckpt(3, 20.5, 24.0, Declined),
        ckpt(4, 30.0, 38.0, Subsumed),
        ckpt(5, 36.0, 39.0, Completed),
        ckpt(6, 46.0, 56.0, Expired),
        ckpt(7, 58.0, 60.0, Pending),
    ];
    let failure =
        |index: u32, time_s: f64, kind: FailureKind, target: &str, downtime_s: f64| FailureRecord {
            index,
            time_s,
            kind,
            target: target.to_owned(),
            detection_s: 0.1,
            restart_delay_s: 1.0,
            deploy_s: 0.5,
            restore_s: downtime_s - 1.6,
            restored_checkpoint: 2,
            lost_work_s: time_s - 10.5,
            records_replayed: 120_000,
            restarted_tasks: 8,
            restarts: 1,
            downtime_s,
            replay_s: 2.0,
            catch_up_s: 4.0,
            recovery_s: downtime_s + 6.0,
            interval_s: 10.0,
            model_t_plus_r_s: 10.0 + downtime_s,
            model_half_t_plus_r_s: 5.0 + downtime_s,
        };
    let failures = vec![
        failure(0, 22.0, FailureKind::TaskFailure, "aggregate[1]", 3.0),
        failure(1, 41.0, FailureKind::TaskmanagerLoss, "tm-1", 4.5),
    ];
    // Sources read 20k records/s (30k while catching up, 0 while down);
    // a 2PC sink commits everything since the last commit when a
    // checkpoint completes.
    let mut samples = Vec::new();
    let (mut lag, mut uncommitted) = (0u64, 0.0);
    for i in 1..=120u32 {
        let t = f64::from(i) * 0.5;
        let within = |f: &FailureRecord, from: f64, to: f64| {
            t > f.time_s + from && t <= f.time_s + f.downtime_s + to
        };
        let down = failures.iter().any(|f| within(f, 0.0, 0.0));
        let catching_up = failures.iter().any(|f| within(f, f.downtime_s, 6.0));
        let read = match (down, catching_up) {
            (true, _) => 0.0,
            (false, true) => 30_000.0,
            (false, false) => 20_000.0,
        };
        lag = (lag as f64 + (20_000.0 - read) * 0.5).max(500.0) as u64;
        uncommitted += read * 0.98 * 0.5;
        let commits = checkpoints.iter().any(|c| {
            c.outcome == CheckpointOutcome::Completed && c.end_s > t - 0.5 && c.end_s <= t
        });
        let committed = if commits {
            std::mem::take(&mut uncommitted) / 0.5
        } else {
            0.0
        };
        samples.push(Sample {
            time_s: t,
            source_records_per_s: read,
            sink_records_per_s: read * 0.98,
            committed_records_per_s: committed,
            source_lag_records: lag,
            checkpoints_in_flight: 1,
            tasks_running: if down { 0 } else { 8 },
        });
    }
    RunResult {
        summary: RunSummary {
            scenario: "wordcount-small".to_owned(),
            seed: 42,
            sim_seconds: 60.0,
            events: 12_345,
            job_status: JobStatus::Finished,
            failure_cause: None,
            checkpoints_completed: 3,
            checkpoints_failed: 2,
            mean_checkpoint_s: 2.5,
            failures: 2,
            mean_downtime_s: 3.75,
            mean_recovery_s: 9.75,
            records_replayed: 240_000,
            records_read: 1_100_000,
            records_committed: 1_050_000,
            throughput_records_per_s: 18_333.3,
            guarantee: crate::metrics::Guarantee::ExactlyOnce,
            guarantee_held: true,
            exactly_once: true,
            duplicates: 0,
            lost_records: 0,
            uncommitted_visible: 0,
            first_problem: None,
            out_of_order: 0,
            state_mismatch: 0,
            invariant_violations: Vec::new(),
            downtime_s_total: 7.5,
        },
        checkpoints,
        failures,
        samples,
        faults_toml: "[[faults.scripted]]\nat = \"22s\"\nkind = \"task-failure\"\n".to_owned(),
        committed: Vec::new(),
        final_state: Vec::new(),
    }
}
