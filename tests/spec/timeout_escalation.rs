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
    // 42,837 events (80,904 under the previous data plane, where every buffer on a
    // local channel (src[i] → agg[i], agg[i] → sink[i]) also had an arrival and a credit
    // event and a caught-up source woke to read every buffer timeout; it now emits
    // what arrived when its output flusher fires).
    assert_eq!(r.summary.events, 42_837);
    let expired = r
        .checkpoints
        .iter()
        .filter(|c| c.outcome == CheckpointOutcome::Expired)
        .count();
    // Periodic triggers every 5 s from 0.5 s to 715.5 s (144) and the final request at
    // the end of the log, 120 s, made at once (145; the request of 120.5 s waits in the
    // queue until that one expires and fires at 121 s): only checkpoint 1 completes. The sources started at 0.5 s on the 10,000 records
    // appended while the tasks deployed, each reading a chunk of 654 records of one
    // partition at 200,000 records/s (5 µs each); the trigger reaches them 1 ms later,
    // between two records: 1 ms ÷ 5 µs = 200 records each, 400 before the barriers.
    // Hashed, 247 and 153 of them reach the two aggregates: 50,000 keys each, keys
    // seen 50,000·(1 − e^(−n/50,000)) × 100 B = 24,639 B and 15,277 B, plus 320 B: 2
    // sources × 2 partitions × 16 B of offsets, 2 sinks × 2 transaction handles (the
    // open one and the pre-committed one) × 64 B; 40,236 B in all. It needs 0.08168732 s,
    // within the timeout. Only the 24,639 B snapshot exceeds the 20 KiB that travel
    // inline with the ack, so only it is uploaded and pays checkpoint.snapshot-setup
    // (5 ms; 0.07668732 s without): its asynchronous phase, the longest, is 5 ms +
    // 20 ms latency + 24,639 B ÷ 1 MB/s (24.639 ms) + 1 ms ack RPC = 50.639 ms.
    assert_eq!(r.checkpoints.len(), 145);
    assert_eq!(expired, 144);
    let first = &r.checkpoints[0];
    assert_eq!(first.outcome, CheckpointOutcome::Completed);
    assert_eq!((first.state_bytes, first.duration_s), (40_236, 0.08168732));
    assert_eq!(first.async_s_max, 0.050639);
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
    // 711,339 events (1,334,071 under the previous data plane: see the test above).
    assert_eq!(r.summary.events, 711_339);
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
    // Three per failover cycle, 41 cycles (below): 123 (122 with 40 cycles and two
    // expiries of a 41st before the run's end).
    assert_eq!(expired.len(), 123);
    assert_eq!(first.time_s, expired[2].end_s);
    assert_eq!(first.time_s, 16.5); // checkpoints 2, 3, 4 expire at 6.5, 11.5, 16.5 s
    assert_eq!(first.target, "job");
    assert_eq!(first.restarted_tasks, 6);
    // Every failover restores checkpoint 1 (the only one completed): running again
    // 1 s delay + 0.5 s deploy + 0.044762195 s restore = 1.544762195 s after the
    // failover. Only the aggregate's 24,639 B exceed the 20 KiB that travel inline with
    // the ack; restoring them takes 20 ms + 24,639 B ÷ 1 MB/s (24.639 ms) + 24,639 B ÷
    // 200 MB/s rebuild (0.123195 ms) = 44.762195 ms (150.27287 ms for the 130 kB before).
    assert!(r.failures.iter().all(|f| f.restored_checkpoint == 1));
    assert_eq!(
        (first.restart_delay_s, first.deploy_s, first.restore_s),
        (1.0, 0.5, 0.044762195)
    );
    // Then a cycle of 17.544762195 s: running again 1.544762195 s after the failover,
    // the next trigger one interval later, three expiries 5 s apart: failovers at 16.5,
    // 34.044762195, 51.58952439, ... 16.5 + 40 × 17.544762195 = 718.2904878 s, 41 of
    // them (the 42nd would come at 735.84 s, after the run's end at 720 s; with the
    // 17.65027287 s cycle of the 130 kB restore only 40 fitted).
    let times: Vec<f64> = r.failures.iter().map(|f| f.time_s).collect();
    let cycle: Vec<f64> = (0..41u64)
        .map(|k| (16_500_000_000 + 17_544_762_195 * k) as f64 / 1e9)
        .collect();
    assert_eq!(times, cycle);
    // Enough time for uploads: nothing expires, nothing fails over.
    let ok = Job::keyed()
        .timeout("1min")
        .set("checkpoint", "tolerable-failed", "0")
        .run(&[]);
    assert_eq!(ok.summary.events, 39_354); // 78,021 under the previous data plane
    assert!(ok.failures.is_empty());
    assert_eq!(ok.summary.checkpoints_completed, 25);
    assert!(
        ok.checkpoints
            .iter()
            .all(|c| c.outcome == CheckpointOutcome::Completed)
    );
}
