//! A timeout shorter than a checkpoint needs makes checkpoints expire; past
//! tolerable-failed (consecutive failures) the job fails over.

use crate::fixture::Job;
use ckptsim::metrics::{CheckpointOutcome, JobStatus};

/// Storage at 1 MB/s (the aggregate's ~10 MB of state takes several seconds to upload),
/// a 1 s checkpoint timeout and `tolerable` consecutive failed checkpoints tolerated.
/// Every task is deployed in exactly 500 ms (no spread): all run, and the first
/// checkpoint triggers, at 0.5 s; the periodic triggers follow every 5 s.
fn slow_storage(tolerable: u32) -> Job {
    Job::keyed()
        .storage("20ms", "1MB/s")
        .timeout("1s")
        .set("checkpoint", "tolerable-failed", &tolerable.to_string())
        .set("recovery", "deploy-spread", "0")
}

#[test]
fn checkpoints_expire_when_the_timeout_is_too_short() {
    let r = slow_storage(1000).run(&[]);
    assert_eq!(r.summary.events, 82_963);
    let expired = r
        .checkpoints
        .iter()
        .filter(|c| c.outcome == CheckpointOutcome::Expired)
        .count();
    // Periodic triggers every 5 s from 0.5 s to 715.5 s (144) and the final request when
    // the sources have drained the log, at 120.000005 s (145): only checkpoint 1
    // completes. The sources started at 0.5 s on the 10,000 records appended while the
    // tasks deployed, so it is no longer empty, but it holds only 130,268 B (the keys
    // of the records read before its barrier, plus the inline source and sink state)
    // and needs 0.192426487 s, within the timeout.
    assert_eq!(r.checkpoints.len(), 145);
    assert_eq!(expired, 144);
    let first = &r.checkpoints[0];
    assert_eq!(first.outcome, CheckpointOutcome::Completed);
    assert_eq!(
        (first.state_bytes, first.duration_s),
        (130_268, 0.192426487)
    );
    for c in r
        .checkpoints
        .iter()
        .filter(|c| c.outcome == CheckpointOutcome::Expired)
    {
        assert_eq!(
            c.duration_s, 1.0,
            "checkpoint {} expired after {}",
            c.id, c.duration_s
        );
    }
    // Tolerated: no failover.
    assert!(r.failures.is_empty());
    assert_eq!(r.summary.checkpoints_failed as usize, expired);
    // Nothing is ever committed after checkpoint 1, so the job cannot finish: still
    // running at the drain timeout, 2 min + 10 min.
    assert_eq!(r.summary.job_status, JobStatus::Running);
    assert_eq!(r.summary.sim_seconds, 720.0);
}

#[test]
fn more_consecutive_failures_than_tolerable_fail_the_job_over() {
    let r = slow_storage(2).run(&[]);
    assert_eq!(r.summary.events, 1_317_955);
    let escalations: Vec<_> = r
        .failures
        .iter()
        .filter(|f| f.kind.name() == "checkpoint-failure")
        .collect();
    assert_eq!(escalations.len(), r.failures.len());
    let first = escalations[0];
    // The third consecutive expiry (tolerable 2) triggers the failover: at its expiry time.
    let expired: Vec<_> = r
        .checkpoints
        .iter()
        .filter(|c| c.outcome == CheckpointOutcome::Expired)
        .collect();
    assert_eq!(expired.len(), 122);
    assert_eq!(first.time_s, expired[2].end_s);
    assert_eq!(first.time_s, 16.5); // checkpoints 2, 3, 4 expire at 6.5, 11.5, 16.5 s
    assert_eq!(first.target, "job");
    assert_eq!(first.restarted_tasks, 6);
    // Every failover restores checkpoint 1 (the only one completed): running again
    // 1 s delay + 0.5 s deploy + 0.15027287 s restore (its 130 kB from the 1 MB/s
    // storage after 20 ms, then rebuilt) = 1.65027287 s after the failover.
    assert!(r.failures.iter().all(|f| f.restored_checkpoint == 1));
    assert_eq!(
        (first.restart_delay_s, first.deploy_s, first.restore_s),
        (1.0, 0.5, 0.15027287)
    );
    // Then a cycle of 17.65027287 s: running again 1.65027287 s after the failover, the
    // next trigger one interval later, three expiries 5 s apart: failovers at 16.5,
    // 34.15027287, 51.80054574, ... 704.86064193 s (the 41st would come at 722.51 s,
    // after the run's end at 720 s).
    let times: Vec<f64> = r.failures.iter().map(|f| f.time_s).collect();
    let cycle: Vec<f64> = (0..40u64)
        .map(|k| (16_500_000_000 + 17_650_272_870 * k) as f64 / 1e9)
        .collect();
    assert_eq!(times, cycle);
    // Enough time for uploads: nothing expires, nothing fails over.
    let ok = Job::keyed()
        .timeout("1min")
        .set("checkpoint", "tolerable-failed", "0")
        .run(&[]);
    assert_eq!(ok.summary.events, 78_228);
    assert!(ok.failures.is_empty());
    assert_eq!(ok.summary.checkpoints_completed, 25);
    assert!(
        ok.checkpoints
            .iter()
            .all(|c| c.outcome == CheckpointOutcome::Completed)
    );
}
