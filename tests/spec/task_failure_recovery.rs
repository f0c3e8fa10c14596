//! One task failure at time t: the restored checkpoint is the latest
//! completed before t; the records replayed are exactly those read between
//! that checkpoint's source snapshot and t; the downtime is detection +
//! restart delay + deploy + restore.

use crate::fixture::{Job, Restart};
use ckptsim::metrics::{CheckpointOutcome, JobStatus};

/// One record every 100 ms (rate 10/s, one partition), far less than a buffer, so the
/// source is always caught up and emits records when its output flusher fires (a
/// buffer timeout, 100 ms, after the first record since the last flush), by which
/// time the next record has arrived: two records every 200 ms, each at most 100 ms
/// after its arrival; src → sink, zero-cost tasks, one
/// TaskManager; every task deployed in exactly 500 ms (no spread), so the job
/// runs from 0.5 s; state small enough to travel inline with the
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
        .set("recovery", "deploy-spread", "0")
        .restart(Restart::FixedDelay {
            attempts: 1,
            delay: "1s",
        })
        .task_failure("25.05s", "src", 0)
}

#[test]
fn restores_the_latest_completed_checkpoint_and_replays_exactly_the_lost_reads() {
    let r = slow_trickle().run(&[]);
    // 735 events: about 300 flushes of the source and 300 sink buffers, a sample a
    // second, and the checkpoints' and the recovery's (before, 3,633: a poll and a read
    // every 100 ms, and arrivals and credits on the local channel).
    assert_eq!(r.summary.events, 735);
    assert_eq!(r.failures.len(), 1);
    let f = &r.failures[0];
    // The checkpoint scheduler starts when the last task runs (0.5 s): checkpoints
    // trigger at 0.5, 10.5, 20.5 s (ids 1, 2, 3); the one at 20.5 s is the latest
    // completed before 25.05 s.
    let latest = r
        .checkpoints
        .iter()
        .filter(|c| c.outcome == CheckpointOutcome::Completed && c.end_s < 25.05)
        .max_by_key(|c| c.id)
        .unwrap();
    assert_eq!(latest.id, 3);
    assert_eq!(f.restored_checkpoint, 3);
    assert_eq!(r.checkpoints[2].trigger_s, 20.5);
    // Records are numbered from 0: record k is appended at (k + 1) × 100 ms. The source's
    // flusher fired at 20.4 s (records 202 and 203, appended at 20.3 and 20.4 s); the
    // trigger reaches it one RPC (1 ms) later, at 20.501 s, while it waits for data: it
    // first emits record 204, appended at 20.5 s, so its snapshot holds offset 205 (records
    // 0..205 appended by 20.5 s). Then the flusher emits record 205 at 20.6 s and two
    // records every 200 ms from 20.8 s on; the last flush before the failure, at 25.0 s,
    // emits records 248 and 249 (appended at 24.9 and 25.0 s): by 25.05 s the source has
    // read records 205..250, 45, and 25.05 − 20.5 = 4.55 s of work is lost. (Failing at
    // 24.95 s it would replay 43: record 248, appended at 24.9 s, would still wait for
    // that flush.)
    assert_eq!(f.records_replayed, 45);
    assert_eq!(f.lost_work_s, 4.55);
    // downtime = report delay 10 ms + max(restart delay 1 s, cancel 100 ms) + deploy 500 ms
    // + restore 640 ns: nothing to download (the state is inline), but the sink rebuilds
    // its 128 B of transaction handles (the open and the pre-committed one, 64 B each) at
    // 200 MB/s (checkpoint.restore-speed), while the source rebuilds its 16 B of offsets
    // in 80 ns.
    assert_eq!(f.detection_s, 0.01);
    assert_eq!(f.restart_delay_s, 1.0);
    assert_eq!(f.deploy_s, 0.5);
    assert_eq!(r.checkpoints[2].state_bytes, 16 + 128);
    assert_eq!(f.restore_s, 0.00000064);
    assert_eq!(f.downtime_s, 1.51000064);
    assert_eq!(f.model_t_plus_r_s, 10.0 + 1.51000064);
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
    // The sources are caught up (a whole chunk, 654 records, takes 130.8 ms to arrive in a
    // partition, longer than the 100 ms buffer timeout): they emit records as they arrive,
    // so a trigger (1 ms after the coordinator's) checkpoints every record appended until it
    // reaches them, and a source that stops has read every record appended until it stops.
    // Replayed, per partition (5,000 records/s; src[0] reads 0 and 2, src[1] 1 and 3):
    // 5,000 × (stop − restored trigger − 1 ms), to the record:
    // - after the task failure: checkpoint 6 at 25.536 s (checkpoints every 5 s from
    //   0.536 s, when the last task's seeded deployment ended); every task cancelled at
    //   30.11 s (report 10 ms, cancellation 100 ms): 4 × 5,000 × 4.573 s ≈ 91,460;
    // - after the TaskManager loss: checkpoint 13 at 66.629 s; src[1] dies with TaskManager
    //   1 at 70 s (2 × 5,000 × 3.370 s), src[0] is cancelled at 70.3 s (peers notice after
    //   200 ms, cancellation 100 ms; 2 × 5,000 × 3.670 s): ≈ 70,400.
    let replayed: Vec<u64> = r.failures.iter().map(|f| f.records_replayed).collect();
    assert_eq!(replayed, [91_453, 70_398]);
    assert_eq!(r.summary.records_replayed, 161_851);
    assert_eq!(
        r.summary.records_read,
        log_total + r.summary.records_replayed
    );
    assert!(r.summary.exactly_once, "{:?}", r.summary.first_problem);
}

#[test]
fn a_restart_downloads_the_state_it_restores() {
    // Every task deployed in exactly 500 ms (no spread): checkpoints trigger at 0.5 s + 5 s·k.
    // The hash edge makes the job one region: every task restarts from checkpoint 12 (55.5 s).
    let r = Job::keyed()
        .set("recovery", "deploy-spread", "0")
        .task_failure("60s", "agg", 0)
        .run(&[]);
    // About half the events of the previous data plane: the local channels (src[i] →
    // agg[i] → sink[i]) carry no arrival or credit events, and a caught-up source emits what
    // arrived when its flusher fires, without a read step or a wake-up.
    assert_eq!(r.summary.events, 39_994);
    let f = &r.failures[0];
    assert_eq!((f.restored_checkpoint, f.restarted_tasks), (12, 6));
    assert_eq!(r.checkpoints[11].trigger_s, 55.5);
    // Checkpoint 12 holds 10,000,168 B: the sources' offsets (2 × 2 partitions × 16 B), the
    // sinks' transaction handles (2 × 2 × 64 B) and 9,999,848 B of keyed state, 4,999,924 B
    // per aggregate. Both aggregates download their half at once over the shared 100 MB/s:
    // 20 ms latency + 9,999,848 B ÷ 100 MB/s = 0.11999848 s; then each rebuilds its half
    // at 200 MB/s (checkpoint.restore-speed), in parallel: 4,999,924 B ÷ 200 MB/s =
    // 0.02499962 s. restore = 0.1449981 s.
    assert_eq!(r.checkpoints[11].state_bytes, 10_000_168);
    assert_eq!(f.restore_s, 0.1449981);
    // downtime = report 10 ms + restart delay 1 s + deploy 500 ms + restore 0.1449981 s
    assert_eq!(f.downtime_s, 1.6549981);
    // Replayed: the records read since the checkpoint's trigger reached the sources
    // (55.501 s) until the cancellation at 60.11 s (caught up, they emit records as they
    // arrive): 4 partitions × 5,000 records/s × 4.609 s = 4 × 23,045, up to offset 300,550
    // in each.
    // ...then 1.372775 s until the lag is back (lag counted record by record; a source
    // waiting for data has none). The sources run again from 61.51 s (their state is
    // inline) and read the backlog as fast as the aggregates' 2 × 50,000 records/s drain
    // the network buffers. The replay ends when every sink that gets a partition has
    // processed its records up to offset 300,550: with the hash edge each sink gets its
    // aggregate's half of every partition, so it cannot end before the aggregate with the
    // larger share (at least half of the 92,180) has processed it at 50,000 records/s from
    // 61.655 s (0.9218 s), and its last output reaches the sink when its open buffer is
    // handed on (full, or flushed): 0.9594 s.
    assert_eq!((f.records_replayed, f.replay_s), (92_180, 0.9594));
    assert!(f.replay_s > 92_180.0 / 2.0 / 50_000.0);
    // Then 0.413375 s of catch-up: downtime + replay + catch-up = 1.6549981 + 0.9594 +
    // 0.413375 = the recovery, 3.0277731 s.
    assert_eq!((f.catch_up_s, f.recovery_s), (0.413375, 3.0277731));
}

#[test]
fn a_lost_taskmanager_is_redeployed_only_after_the_heartbeat_declares_it_lost() {
    // The JobManager's heartbeat requests go out at 0, 10, 20, ... s (phase 0) and every
    // deployment takes exactly 500 ms (no spread). Killed at 60 s: the request at 60 s went
    // through; 70 s and 80 s fail (rpc-failure-threshold 2) → lost at 80 s; a replacement
    // registers 10 s later (taskmanager-startup). Until 80 s the JobManager still lists the
    // dead slots: each restart deploys into them, is refused after one RPC (1 ms), and that
    // refusal is a new failure costing an attempt.
    let job = Job::keyed()
        .set("recovery", "deploy-spread", "0")
        .set("heartbeat", "phase", "\"0s\"")
        .taskmanager_loss("60s", 1);
    let r = job.run(&[]);
    // Fewer events than before the Flink data plane (71,138) for the same reasons as above.
    assert_eq!(r.summary.events, 36_301);
    let f = &r.failures[0];
    // Peers notice the broken connections after 200 ms, so the failover starts at 60.2 s;
    // the loss is detected when the heartbeat declares it: 80 − 60 = 20 s.
    assert_eq!(f.detection_s, 20.0);
    // Restarts at 61.2, 62.201, ..., 79.218 s (1 s delay after each refusal, which comes
    // 1 ms after its restart): 19 refused; the 20th, at 80.219 s, finds the TaskManager
    // declared lost and waits for its replacement. Restart delay after detection: 0.219 s.
    assert_eq!(f.restarts, 20);
    assert_eq!(f.restart_delay_s, 0.219);
    // From the 20th restart (80.219 s) to deployed: replacement registered at 80 + 10 = 90 s,
    // deploy 500 ms → 90.5 s.
    assert_eq!(f.deploy_s, 10.281);
    // Restored from checkpoint 12 (55.5 s), as in the test above: restore 0.1449981 s.
    // downtime = 20 + 0.219 + 10.281 + 0.1449981 s = 90.5 s + restore − 60 s.
    assert_eq!(f.restore_s, 0.1449981);
    assert_eq!(f.downtime_s, 30.6449981);
    // With only 3 attempts the job fails before the TaskManager is declared lost.
    let r = job
        .restart(Restart::FixedDelay {
            attempts: 3,
            delay: "1s",
        })
        .run(&[]);
    assert_eq!(r.summary.job_status, JobStatus::Failed);
    // Failures handled at 60.2, 61.201, 62.202 s restart (each refused 1 ms after its
    // restart); the 4th, at 63.203 s, is one too many.
    assert_eq!(r.summary.sim_seconds, 63.203);
    assert_eq!(r.failures[0].restarts, 3);
}
