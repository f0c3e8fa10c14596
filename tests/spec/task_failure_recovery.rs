//! One task failure at time t: the restored checkpoint is the latest
//! completed before t; the records replayed are exactly those read between
//! that checkpoint's source snapshot and t; the downtime is detection +
//! restart delay + deploy + restore.

use crate::fixture::{Job, Restart};
use ckptsim::metrics::{CheckpointOutcome, JobStatus};

/// One record every 100 ms (rate 10/s, one partition) so that each read takes
/// exactly the record that just arrived; src → sink, zero-cost tasks, one
/// TaskManager; state small enough to travel inline with the
/// acknowledgement (no restore download); fixed-delay, one attempt after 1 s;
/// src[0] fails at 25.05 s.
fn slow_trickle() -> Job {
    Job::keyed()
        .name("trickle")
        .seed(3)
        .duration("60s")
        .no_operator()
        .parallelism(1)
        .partitions(1)
        .rate(10)
        .record_bytes(None)
        .capacity(1_000_000_000_000)
        .sink(None)
        .interval("10s")
        .without("storage")
        .without("cluster")
        .set("cluster", "rpc-latency", "\"1ms\"")
        .set("recovery", "failure-report-delay", "\"10ms\"")
        .set("recovery", "cancel", "\"100ms\"")
        .set("recovery", "deploy", "\"500ms\"")
        .restart(Restart::FixedDelay {
            attempts: 1,
            delay: "1s",
        })
        .task_failure("25.05s", "src", 0)
}

#[test]
fn restores_the_latest_completed_checkpoint_and_replays_exactly_the_lost_reads() {
    let r = slow_trickle().run(&[]);
    assert_eq!(r.summary.events, 3_652);
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
    let r = Job::keyed()
        .task_failure("30s", "agg", 1)
        .taskmanager_loss("70s", 1)
        .run(&[]);
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    assert_eq!(r.failures.len(), 2);
    let log_total = 20_000 * 120;
    // About 20,000 records/s × the time from the restored checkpoint's trigger to the
    // cancel: 103,158 after the task failure (checkpoint 6 at 25 s; cancelled at 30.11 s),
    // 70,526 after the TaskManager loss (checkpoint 14 at 66.63 s; killed at 70 s).
    let replayed: Vec<u64> = r.failures.iter().map(|f| f.records_replayed).collect();
    assert_eq!(replayed, [103_158, 70_526]);
    assert_eq!(r.summary.records_replayed, 173_684);
    assert_eq!(
        r.summary.records_read,
        log_total + r.summary.records_replayed
    );
    assert!(r.summary.exactly_once, "{:?}", r.summary.first_problem);
}

#[test]
fn a_restart_downloads_the_state_it_restores() {
    // The hash edge makes the job one region: every task restarts from checkpoint 12 (55 s).
    // Both aggregates download their half of the 9,999,832 B of keyed state at once over
    // the shared 100 MB/s: 20 ms latency + 9,999,832 B ÷ 100 MB/s = 0.11999832 s.
    let r = Job::keyed().task_failure("60s", "agg", 0).run(&[]);
    assert_eq!(r.summary.events, 79_812);
    let f = &r.failures[0];
    assert_eq!((f.restored_checkpoint, f.restarted_tasks), (12, 6));
    assert_eq!(f.restore_s, 0.11999832);
    // downtime = report 10 ms + restart delay 1 s + deploy 500 ms + restore 0.11999832 s
    assert_eq!(f.downtime_s, 1.62999832);
    // ...then 1.48865 s to catch up with the log.
    assert_eq!(f.catch_up_s, 1.48865);
    assert_eq!(f.recovery_s, 3.11864832);
}

#[test]
fn a_lost_taskmanager_is_redeployed_only_after_the_heartbeat_declares_it_lost() {
    // Killed at 60 s: heartbeats at 70 s and 80 s fail (rpc-failure-threshold 2) → lost at 80 s;
    // replacement registers 10 s later (taskmanager-startup). Restarts before then go to the dead
    // TaskManager's slots and fail, each costing an attempt.
    let job = Job::keyed().taskmanager_loss("60s", 1);
    let r = job.run(&[]);
    assert_eq!(r.summary.events, 72_870);
    let f = &r.failures[0];
    // Peers notice the broken connections after 200 ms: the failover starts at 60.2 s.
    assert_eq!(f.detection_s, 0.2);
    // Restarts at 61.2, 62.7, ..., 79.2 s (1 s delay, then the deploy into the dead
    // TaskManager's slot fails 500 ms later): 13 attempts; the 14th, at 80.7 s, finds the
    // TaskManager declared lost and waits for its replacement.
    assert_eq!(f.restarts, 14);
    assert_eq!(f.restart_delay_s, 14.0);
    // From the 14th restart (80.7 s) to deployed: replacement registered at 80 + 10 = 90 s,
    // deploy 500 ms → 90.5 s.
    assert_eq!(f.deploy_s, 9.8);
    // downtime = 90.5 s + restore 0.11999832 s − 60 s
    assert_eq!(f.restore_s, 0.11999832);
    assert_eq!(f.downtime_s, 30.61999832);
    // With only 3 attempts the job fails before the TaskManager is declared lost.
    let r = job
        .restart(Restart::FixedDelay {
            attempts: 3,
            delay: "1s",
        })
        .run(&[]);
    assert_eq!(r.summary.job_status, JobStatus::Failed);
    // Failures handled at 60.2, 61.7, 63.2 s restart; the 4th, at 64.7 s, is one too many.
    assert_eq!(r.summary.sim_seconds, 64.7);
    assert_eq!(r.failures[0].restarts, 3);
}
