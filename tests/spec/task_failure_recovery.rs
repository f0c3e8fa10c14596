//! One task failure at time t: the restored checkpoint is the latest
//! completed before t; the records replayed are exactly those read between
//! that checkpoint's source snapshot and t; the downtime is detection +
//! restart delay + deploy + restore.

use crate::common::run;
use ckptsim::metrics::{CheckpointOutcome, JobStatus};

/// One record every 100 ms (rate 10/s) so that each read takes exactly the
/// record that just arrived; zero-cost tasks; state small enough to travel
/// inline with the acknowledgement (no restore download).
const SLOW_TRICKLE: &str = r#"
name = "trickle"
seed = 3
[job]
duration = "60s"
[[job.source]]
name = "src"
parallelism = 1
partitions = 1
rate = 10
capacity = 1000000000000
[[job.sink]]
name = "sink"
parallelism = 1
capacity = 1000000000000
[[job.edge]]
from = "src"
to = "sink"
partitioning = "forward"
[checkpoint]
interval = "10s"
[cluster]
rpc-latency = "1ms"
[recovery]
failure-report-delay = "10ms"
cancel = "100ms"
deploy = "500ms"
[restart]
strategy = "fixed-delay"
attempts = 1
delay = "1s"
[[faults.scripted]]
at = "25.05s"
task-failure = { task = "src", subtask = 0 }
"#;

#[test]
fn restores_the_latest_completed_checkpoint_and_replays_exactly_the_lost_reads() {
    let r = run(SLOW_TRICKLE, &[]);
    assert_eq!(r.failures.len(), 1);
    let f = &r.failures[0];
    // Checkpoints trigger at 0, 10, 20 s (ids 1, 2, 3); the one at 20 s is the latest completed before 25.05 s.
    let latest = r
        .checkpoints
        .iter()
        .filter(|c| c.outcome == CheckpointOutcome::Completed && c.end_s < 25.05)
        .max_by_key(|c| c.id)
        .unwrap();
    assert_eq!(latest.id, 3);
    assert_eq!(f.restored_checkpoint, 3);
    // The source snapshot at 20.001 s holds offset 200 (records 0..200 arrived by 20.0 s).
    // By 25.05 s the source has read records 200..250 (arrivals at 20.1, 20.2, ..., 25.0 s): 50.
    assert_eq!(f.records_replayed, 50);
    assert_eq!(f.lost_work_s, 5.05);
    // downtime = report delay 10 ms + max(restart delay 1 s, cancel 100 ms) + deploy 500 ms + restore 0
    assert_eq!(f.detection_s, 0.01);
    assert_eq!(f.restart_delay_s, 1.0);
    assert_eq!(f.deploy_s, 0.5);
    assert_eq!(f.restore_s, 0.0);
    assert_eq!(f.downtime_s, 1.51);
    assert_eq!(f.model_t_plus_r_s, 10.0 + 1.51);
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    assert!(r.summary.exactly_once);
}

#[test]
fn every_replayed_record_is_read_twice() {
    // In a finished run, reads = the whole log + the replayed records.
    let text = crate::common::keyed_job("two-phase-commit");
    let r = run(
        &text,
        &[
            "faults.scripted=[{ at = \"30s\", task-failure = { task = \"agg\", subtask = 1 } }, { at = \"70s\", taskmanager-loss = { taskmanager = 1 } }]",
        ],
    );
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    assert_eq!(r.failures.len(), 2);
    let log_total = 20_000 * 120;
    assert!(r.summary.records_replayed > 0);
    assert_eq!(
        r.summary.records_read,
        log_total + r.summary.records_replayed
    );
    assert!(r.summary.exactly_once, "{:?}", r.summary.first_problem);
}

#[test]
fn a_restart_downloads_the_state_it_restores() {
    // Keyed state of ~10 MB over 100 MB/s storage: restore takes latency + transfer > 0.
    let text = crate::common::keyed_job("two-phase-commit");
    let r = run(
        &text,
        &["faults.scripted=[{ at = \"60s\", task-failure = { task = \"agg\", subtask = 0 } }]"],
    );
    let f = &r.failures[0];
    assert!(f.restore_s > 0.02, "restore {}", f.restore_s);
    assert!(f.downtime_s > f.detection_s + f.restart_delay_s + f.deploy_s);
    assert!(f.recovery_s >= f.downtime_s);
}

#[test]
fn a_lost_taskmanager_is_redeployed_only_after_the_heartbeat_declares_it_lost() {
    // Killed at 60 s: heartbeats at 70 s and 80 s fail (rpc-failure-threshold 2) → lost at 80 s;
    // replacement registers 10 s later (taskmanager-startup). Restarts before then go to the dead
    // TaskManager's slots and fail, each costing an attempt.
    let text = crate::common::keyed_job("two-phase-commit");
    let r = run(
        &text,
        &["faults.scripted=[{ at = \"60s\", taskmanager-loss = { taskmanager = 1 } }]"],
    );
    let f = &r.failures[0];
    assert!(f.downtime_s >= 30.0, "downtime {}", f.downtime_s);
    assert!(f.downtime_s < 32.0, "downtime {}", f.downtime_s);
    // Attempts at ~60.2, 61.4, ... every 1 s delay + 0.5 s failed deploy until 80 s, then one that waits.
    assert!(f.restarts >= 10, "restarts {}", f.restarts);
    // With only 3 attempts the job fails before the TaskManager is declared lost.
    let r = run(
        &text,
        &[
            "faults.scripted=[{ at = \"60s\", taskmanager-loss = { taskmanager = 1 } }]",
            "restart.attempts=3",
        ],
    );
    assert_eq!(r.summary.job_status, JobStatus::Failed);
    assert!(r.summary.sim_seconds < 70.0);
}
