//! A timeout shorter than a checkpoint needs makes checkpoints expire; past
//! tolerable-failed (consecutive failures) the job fails over.

use crate::common::{keyed_job, run};
use ckptsim::metrics::CheckpointOutcome;

/// Storage at 1 MB/s: the aggregate's ~10 MB of state takes several seconds to upload.
const SLOW_STORAGE: &str = "storage.bandwidth=1MB/s";

#[test]
fn checkpoints_expire_when_the_timeout_is_too_short() {
    let r = run(
        &keyed_job("two-phase-commit"),
        &[
            SLOW_STORAGE,
            "checkpoint.timeout=1s",
            "checkpoint.tolerable-failed=1000",
        ],
    );
    let expired = r
        .checkpoints
        .iter()
        .filter(|c| c.outcome == CheckpointOutcome::Expired)
        .count();
    assert!(expired >= 10, "{expired} expired");
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
}

#[test]
fn more_consecutive_failures_than_tolerable_fail_the_job_over() {
    let r = run(
        &keyed_job("two-phase-commit"),
        &[
            SLOW_STORAGE,
            "checkpoint.timeout=1s",
            "checkpoint.tolerable-failed=2",
        ],
    );
    let escalations: Vec<_> = r
        .failures
        .iter()
        .filter(|f| f.kind.name() == "checkpoint-failure")
        .collect();
    assert!(!escalations.is_empty());
    let first = escalations[0];
    // The third consecutive expiry (tolerable 2) triggers the failover: at its expiry time.
    let expired: Vec<_> = r
        .checkpoints
        .iter()
        .filter(|c| c.outcome == CheckpointOutcome::Expired)
        .collect();
    assert!(expired.len() >= 3);
    assert_eq!(first.time_s, expired[2].end_s);
    assert_eq!(first.target, "job");
    assert_eq!(first.restarted_tasks, 6);
    // Enough time for uploads: nothing expires, nothing fails over.
    let ok = run(
        &keyed_job("two-phase-commit"),
        &["checkpoint.timeout=1min", "checkpoint.tolerable-failed=0"],
    );
    assert!(ok.failures.is_empty());
    assert!(
        ok.checkpoints
            .iter()
            .all(|c| c.outcome == CheckpointOutcome::Completed)
    );
}
