//! Without faults every checkpoint completes, and on a tiny job its duration
//! is the hand calculation: trigger RPC + barrier travel + synchronous part +
//! storage latency + state bytes ÷ bandwidth + ack RPC + metadata write.

use crate::fixture::{Job, Restart};
use ckptsim::metrics::{CheckpointOutcome, JobStatus};

/// Zero-cost tasks (capacity 10^12 records/s), a burst of data in the first
/// 5 s and none after, so that at the checkpoint of t = 10 s no data is in
/// flight and the keyed state is full: 1000 keys × 1000 B over two subtasks.
/// Storage 50 ms and 100 MB/s, network and RPC latency 1 ms, Flink's default
/// restart strategy (no faults here).
fn tiny() -> Job {
    Job::keyed()
        .name("tiny-hand")
        .seed(1)
        .duration("60s")
        .partitions(2)
        .rate_steps(&[("0s", 100_000), ("5s", 0)])
        .capacity(1_000_000_000_000)
        .state(1000, 1000)
        .sink(None)
        .interval("10s")
        .set("checkpoint", "sync-base", "\"1ms\"")
        .set("checkpoint", "sync-speed", "\"2GB/s\"")
        .set("checkpoint", "metadata-bytes", "4096")
        .storage("50ms", "100MB/s")
        .set("network", "latency", "\"1ms\"")
        .set("cluster", "rpc-latency", "\"1ms\"")
        .restart(Restart::FlinkDefault)
}

#[test]
fn checkpoint_duration_equals_the_hand_calculation() {
    let r = tiny().run(&[]);
    let c = r
        .checkpoints
        .iter()
        .find(|c| c.id == 2)
        .expect("checkpoint 2");
    assert_eq!(c.outcome, CheckpointOutcome::Completed);
    assert_eq!(c.trigger_s, 10.0);
    // trigger RPC to the sources                       1 ms
    // barrier src[1] → agg[0] across TaskManagers       1 ms (network latency, nothing queued)
    // agg sync: 1 ms + 500,000 B ÷ 2 GB/s              1.25 ms
    // upload: storage latency                          50 ms
    //         2 × 500,000 B share 100 MB/s: 1 MB ÷ 100 MB/s = 10 ms
    // ack RPC                                           1 ms
    // metadata: 50 ms latency + 4096 B ÷ 100 MB/s      50.04096 ms
    // total                                           114.29096 ms
    assert_eq!(c.duration_s, 0.11429096);
    assert_eq!(c.start_delay_s_max, 0.002);
    assert_eq!(c.sync_s_max, 0.00125);
    assert_eq!(c.async_s_max, 0.061); // latency + transfer + ack RPC
    // Keyed state 1,000,000 B + inline sink/source state (2 × 16 B offsets + 2 × 128 B transactions).
    assert_eq!(c.state_bytes, 1_000_000 + 2 * 16 + 2 * 128);
}

#[test]
fn without_faults_every_checkpoint_completes_and_the_job_finishes() {
    let r = tiny().run(&[]);
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    assert_eq!(r.summary.events, 11_872);
    assert!(r.failures.is_empty());
    // Triggers at 0, 10, ..., 60 s: the one at 60 s is the final one of the drained job.
    let ids: Vec<u64> = r.checkpoints.iter().map(|c| c.id).collect();
    assert_eq!(ids, (1..=7).collect::<Vec<_>>());
    assert!(
        r.checkpoints
            .iter()
            .all(|c| c.outcome == CheckpointOutcome::Completed)
    );
    assert_eq!(r.summary.checkpoints_failed, 0);
    assert!(r.summary.exactly_once);
    assert_eq!(r.summary.records_read, 500_000);
}

#[test]
fn first_checkpoint_fires_when_the_tasks_run_and_random_delay_moves_it() {
    let r = tiny().run(&[]);
    assert_eq!(r.checkpoints[0].trigger_s, 0.0);
    let r = tiny().run(&[
        "checkpoint.first-trigger=random-delay",
        "checkpoint.min-pause=1s",
    ]);
    // Drawn uniformly from [min-pause 1 s, interval 10 s] on seed 1's stream.
    assert_eq!(r.checkpoints[0].trigger_s, 9.694376995);
}

#[test]
fn max_concurrent_and_min_pause_space_the_triggers() {
    // Slow storage: each checkpoint's upload takes ~10 s at 100 kB/s; interval 1 s.
    let r = tiny().run(&[
        "storage.bandwidth=100000",
        "checkpoint.interval=1s",
        "checkpoint.min-pause=3s",
    ]);
    assert!(
        r.checkpoints
            .iter()
            .all(|c| c.outcome == CheckpointOutcome::Completed)
    );
    // Checkpoint 1 holds no keyed state yet (95 ms); each later one uploads 1 MB at
    // 100 kB/s (10.15 s), and the next trigger comes 3 s after the previous one ended.
    let triggers: Vec<f64> = r.checkpoints.iter().map(|c| c.trigger_s).collect();
    assert_eq!(
        triggers,
        [
            0.0,
            3.094960064,
            16.240170864,
            29.385380864,
            42.530590864,
            55.675800864
        ]
    );
    for w in r.checkpoints.windows(2) {
        // max-concurrent 1: the next trigger comes after the previous ended, plus the min pause.
        assert!(
            w[1].trigger_s >= w[0].end_s + 3.0 - 1e-9,
            "{:?} then {:?}",
            w[0],
            w[1]
        );
    }
}
