//! A timeout shorter than a checkpoint needs makes checkpoints expire; past
//! tolerable-failed (consecutive failures) the job fails over.

use crate::fixture::Job;
use ckptsim::metrics::{CheckpointOutcome, JobStatus};

/// Storage at 1 MB/s (the aggregate's ~10 MB of state takes several seconds to upload),
/// a 1 s checkpoint timeout and `tolerable` consecutive failed checkpoints tolerated.
fn slow_storage(tolerable: u32) -> Job {
    Job::keyed().storage("20ms", "1MB/s").timeout("1s").set(
        "checkpoint",
        "tolerable-failed",
        &tolerable.to_string(),
    )
}

#[test]
fn checkpoints_expire_when_the_timeout_is_too_short() {
    let r = slow_storage(1000).run(&[]);
    assert_eq!(r.summary.events, 83_047);
    let expired = r
        .checkpoints
        .iter()
        .filter(|c| c.outcome == CheckpointOutcome::Expired)
        .count();
    // Triggers every 5 s from 0 s to 715 s: only checkpoint 1 (no keyed state yet) completes.
    assert_eq!(r.checkpoints.len(), 144);
    assert_eq!(expired, 143);
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
    assert_eq!(r.summary.events, 1_332_624);
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
    assert_eq!(expired.len(), 123);
    assert_eq!(first.time_s, expired[2].end_s);
    assert_eq!(first.time_s, 16.0); // checkpoints 2, 3, 4 expire at 6, 11, 16 s
    assert_eq!(first.target, "job");
    assert_eq!(first.restarted_tasks, 6);
    // Then a cycle of 17.5 s: running again 1.5 s after the failover, the next trigger one
    // interval later, three expiries 5 s apart: failovers at 16, 33.5, 51, ... 716 s.
    let times: Vec<f64> = r.failures.iter().map(|f| f.time_s).collect();
    let cycle: Vec<f64> = (0..41).map(|k| 16.0 + 17.5 * k as f64).collect();
    assert_eq!(times, cycle);
    // Enough time for uploads: nothing expires, nothing fails over.
    let ok = Job::keyed()
        .timeout("1min")
        .set("checkpoint", "tolerable-failed", "0")
        .run(&[]);
    assert_eq!(ok.summary.events, 79_037);
    assert!(ok.failures.is_empty());
    assert_eq!(ok.summary.checkpoints_completed, 25);
    assert!(
        ok.checkpoints
            .iter()
            .all(|c| c.outcome == CheckpointOutcome::Completed)
    );
}
