//! Without faults every checkpoint completes, and on a tiny job its duration
//! is the hand calculation: trigger RPC + barrier travel + synchronous part +
//! snapshot setup + storage latency + state bytes ÷ bandwidth + ack RPC +
//! metadata write.

use crate::fixture::{Job, Restart};
use ckptsim::metrics::{CheckpointOutcome, JobStatus};

/// Zero-cost tasks (capacity 10^12 records/s), a burst of data in the first
/// 5 s and none after, so that at the checkpoint of t = 10.5 s no data is in
/// flight and the keyed state is full: 1000 keys × 1000 B over two subtasks.
/// Storage 50 ms and 100 MB/s, network and RPC latency 1 ms, Flink's default
/// restart strategy (no faults here). Every task's deployment takes exactly
/// 500 ms (`recovery.deploy-spread = 0`), so all run at 0.5 s and the periodic
/// triggers fall at 0.5 s + k · interval.
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
        .set("recovery", "deploy-spread", "0")
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
    // Triggers at 0.5 s (all tasks running) and every 10 s after.
    assert_eq!(c.trigger_s, 10.5);
    // trigger RPC to the sources                       1 ms
    // barrier src[1] → agg[0] across TaskManagers       1 ms (network latency, nothing queued)
    // agg sync: 1 ms + 500,000 B ÷ 2 GB/s              1.25 ms
    // upload: checkpoint.snapshot-setup (default)       5 ms (each aggregate's 500,000 B is
    //         uploaded, not inline: both pay it, at the same time)
    //         storage latency                          50 ms
    //         2 × 500,000 B share 100 MB/s: 1 MB ÷ 100 MB/s = 10 ms
    // ack RPC                                           1 ms
    // metadata: 50 ms latency + 4096 B ÷ 100 MB/s      50.04096 ms
    // total                                           119.29096 ms
    assert_eq!(c.duration_s, 0.11929096);
    assert_eq!(c.start_delay_s_max, 0.002);
    assert_eq!(c.sync_s_max, 0.00125);
    assert_eq!(c.async_s_max, 0.066); // setup + latency + transfer + ack RPC
    // Keyed state 1,000,000 B + inline sink/source state (2 × 16 B offsets + 2 × 128 B transactions).
    assert_eq!(c.state_bytes, 1_000_000 + 2 * 16 + 2 * 128);
}

#[test]
fn without_faults_every_checkpoint_completes_and_the_job_finishes() {
    let r = tiny().run(&[]);
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    // 6,795 events (12,067 under the previous data plane, mostly the arrival and
    // credit event of every buffer on the local channels, src[i] → agg[i] and
    // agg[i] → sink[i] on TaskManager i, which a local channel no longer has).
    assert_eq!(r.summary.events, 6_795);
    assert!(r.failures.is_empty());
    // Triggers at 0.5, 10.5, ..., 50.5 s, then the final one of the drained job at 60 s:
    // the end of the input (the job's duration) requests it at once, not at the next
    // tick (60.5 s).
    let ids: Vec<u64> = r.checkpoints.iter().map(|c| c.id).collect();
    assert_eq!(ids, (1..=7).collect::<Vec<_>>());
    assert_eq!(r.checkpoints[5].trigger_s, 50.5);
    assert_eq!(r.checkpoints[6].trigger_s, 60.0);
    assert_eq!(r.summary.sim_seconds, 60.12029096); // 60 s + 119.29096 ms + notify RPC 1 ms
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
    // All six tasks are deployed after exactly 500 ms and restore nothing: the first
    // trigger is the instant the last one runs.
    let r = tiny().run(&[]);
    assert_eq!(r.checkpoints[0].trigger_s, 0.5);
    // With the default spread (500 ms ± 20 %, drawn per task from seed 1's
    // "deploy-times" stream) the tasks start one by one and the scheduler waits for
    // the last, deployed at 0.587252702 s.
    let r = tiny().run(&["recovery.deploy-spread=0.2"]);
    assert_eq!(r.checkpoints[0].trigger_s, 0.587252702);
    let r = tiny().run(&[
        "checkpoint.first-trigger=random-delay",
        "checkpoint.min-pause=1s",
    ]);
    // 0.5 s (all running) + 9.694376995 s drawn uniformly from [min-pause 1 s,
    // interval 10 s] on seed 1's stream.
    assert_eq!(r.checkpoints[0].trigger_s, 10.194376995);
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
    // The sources start at 0.5 s on the 50,000 records appended while the tasks
    // deployed, so checkpoint 1 already holds all 1000 keys (it held none when the
    // tasks ran at t = 0): every checkpoint uploads 1 MB at 100 kB/s. From checkpoint 2
    // on (nothing in flight):
    //   trigger RPC 1 ms + barrier 1 ms + sync 1.25 ms + snapshot setup 5 ms
    //   + storage latency 50 ms + 1 MB ÷ 100 kB/s = 10 s + ack RPC 1 ms + metadata 50 ms
    //   + 4096 B ÷ 100 kB/s (40.96 ms) = 10.15021 s, then the 3 s min-pause: 13.15021 s
    //   from trigger to trigger.
    // Checkpoint 1's barriers also wait behind that backlog (start delay 6.228002 ms
    // instead of 2 ms): 10.154432402 s. Checkpoint 5 completes at 63.255272402 s, after
    // the log stopped at 60 s, with the sources at its end: it is the final one (the
    // final request made at 60 s waited behind it and dies with the finished job).
    let durations: Vec<f64> = r.checkpoints.iter().map(|c| c.duration_s).collect();
    assert_eq!(
        durations,
        [10.154432402, 10.15021, 10.15021, 10.15021, 10.15021]
    );
    let triggers: Vec<f64> = r.checkpoints.iter().map(|c| c.trigger_s).collect();
    assert_eq!(
        triggers,
        [0.5, 13.654432402, 26.804642402, 39.954852402, 53.105062402]
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
