//! Trigger requests as Flink's coordinator queues them (CheckpointRequestDecider):
//! a periodic request that finds max-concurrent checkpoints pending waits in a
//! queue, and each checkpoint that ends (completes or expires) lets one waiting
//! request fire; the periodic trigger's period is max(interval, min-pause).

use crate::common::run;
use ckptsim::metrics::{CheckpointOutcome, CheckpointRecord, JobStatus};

/// A backlog: 20 000 records/s for 2 s (40 000 records) into a sink that takes
/// 1000 records/s. Both tasks are deployed in exactly 500 ms (no spread), so
/// they run, and the first checkpoint triggers, at 0.5 s and the periodic ticks
/// fall at 1.5, 2.5, ... s. Both share the one slot of the one TaskManager, so
/// their channel is local. The sink works until t ≈ 40.5 s and a barrier waits
/// behind the data queued ahead of it, longer than the 1 s interval. After that
/// the pipeline is empty and a checkpoint takes a few tens of milliseconds.
const BACKLOG: &str = r#"
name = "backlog"
seed = 1
[job]
duration = "60s"
[[job.source]]
name = "src"
parallelism = 1
partitions = 1
rate = [{ at = "0s", rate = 20000 }, { at = "2s", rate = 0 }]
record-bytes = 100
capacity = 1000000000000
[[job.sink]]
name = "sink"
parallelism = 1
capacity = 1000
[[job.edge]]
from = "src"
to = "sink"
partitioning = "forward"
[checkpoint]
interval = "1s"
[cluster]
rpc-latency = "1ms"
[recovery]
deploy-spread = 0
"#;

/// Checkpoint `i + 1` was triggered the instant checkpoint `i` ended.
fn back_to_back(c: &[CheckpointRecord], i: usize) -> bool {
    c[i + 1].trigger_s == c[i].end_s
}

#[test]
fn every_periodic_request_becomes_a_checkpoint_and_the_queue_drains_after_the_backlog() {
    let r = run(BACKLOG, &[]);
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    let c = &r.checkpoints;
    // Nothing is dropped (no min-pause, far fewer than 1000 waiting): one checkpoint
    // when the tasks run (t = 0.5 s), one per periodic tick at 1.5, 2.5, ..., 59.5 s,
    // and the final one, requested at once when the log ends at 60 s.
    assert_eq!(c.len(), 1 + 60);
    assert!(c.iter().all(|c| c.outcome == CheckpointOutcome::Completed));
    // After the sink's barrier, its synchronous snapshot (1 ms + 128 B ÷ 2 GB/s =
    // 1.000064 ms), the ack RPC (1 ms) and the metadata write (20 ms + 4096 B ÷
    // 200 MB/s = 20.02048 ms) end a checkpoint 22.020544 ms later; the sources'
    // 16 B and the sink's 128 B travel inline.
    //
    // During the backlog each barrier waits behind queued data, and the next checkpoint
    // starts the instant one ends (a request was waiting). The channel is local: no
    // credit and no receiver buffers; the source stops reading when its subpartition
    // holds 10 buffers, the open one included (max-buffers-per-channel, and its whole
    // pool: 1 × 2 exclusive + 8 floating). Reading 327-record chunks (one buffer's
    // worth, rounded down) into 328-record buffers, it stops after 11 chunks: 3,597
    // records, 10 full buffers (the sink processing the first) and 317 in the open
    // one. The trigger finds it so, and the barrier follows them: at 1 ms a record,
    // checkpoint 1 takes 3.597 s from the sink's start at 0.5 s + 22.020544 ms =
    // 3.619020544 s. Checkpoints 2 to 11 each trigger when the one before ends; the
    // source has read 11 chunks, 3,597 records, between two triggers, and the sink
    // takes 3.597 s on them plus its 1.000064 ms snapshot: 3.598000064 s apiece.
    // Checkpoint 12 waits behind the last 433 of the 40,000 (40,000 − 11 × 3,597),
    // less the 21.02048 the sink processed between its snapshot and the end of
    // checkpoint 11: 0.41197952 s + 22.020544 ms = 0.434000064 s.
    let drained = c.iter().position(|c| c.duration_s < 0.05).unwrap();
    assert_eq!(drained, 12, "requests must have queued");
    assert_eq!(c[0].duration_s, 3.619020544);
    for c in &c[1..11] {
        assert_eq!(c.duration_s, 3.598000064, "{c:?}");
    }
    assert_eq!(c[11].duration_s, 0.434000064);
    for i in 0..drained {
        assert!(c[i].start_delay_s_max > 0.4, "{:?}", c[i]);
        assert!(back_to_back(c, i), "{:?} then {:?}", c[i], c[i + 1]);
    }
    // The backlog ends when the sink has processed the 40,000 records: 40 s of work
    // from 0.5 s, plus the 11 synchronous snapshots it took meanwhile (1.000064 ms
    // each) = 40.511000704 s; its last checkpoint, 12, ends 22.020544 ms later.
    let t_end = c[drained - 1].end_s;
    assert_eq!(t_end, 40.533021248, "backlog ends at {t_end}");
    // By then the ticks at 1.5..40.5 s made 40 requests; the backlog's checkpoints
    // after the first (ids 2 .. 12) took drained - 1 = 11 of them. The other 29
    // waited and now fire one per completion, back to back, although each
    // checkpoint is far shorter than the interval (a single flag would fire one),
    // all before the next tick at 41.5 s. Each takes the trigger RPC (1 ms; the
    // barrier has nothing ahead of it) + 22.020544 ms.
    let waiting = 40 - (drained - 1);
    assert_eq!(waiting, 29);
    let drain = drained..drained + waiting;
    for i in drain.clone() {
        assert_eq!(c[i].duration_s, 0.023020544, "{:?}", c[i]);
        assert!(c[i].trigger_s < 41.5, "{:?}", c[i]);
    }
    for i in drain.start - 1..drain.end - 1 {
        assert!(back_to_back(c, i), "{:?} then {:?}", c[i], c[i + 1]);
    }
    // Then the queue is empty and the ticks trigger at once: 41.5 s, 42.5 s, ...,
    // 59.5 s, and the final request at the end of the log, 60 s.
    let after: Vec<f64> = c[drain.end..].iter().map(|c| c.trigger_s).collect();
    let mut ticks: Vec<f64> = (41..=59).map(|t| t as f64 + 0.5).collect();
    ticks.push(60.0);
    assert_eq!(after, ticks);
}

#[test]
fn an_expired_checkpoint_lets_one_waiting_request_fire() {
    // Timeout 2 s: during the backlog every checkpoint expires after 2 s, and a
    // waiting request fires at that instant; still no request is lost.
    let r = run(
        BACKLOG,
        &["checkpoint.timeout=2s", "checkpoint.tolerable-failed=1000"],
    );
    let c = &r.checkpoints;
    assert_eq!(c.len(), 1 + 60);
    let expired: Vec<usize> = (0..c.len())
        .filter(|&i| c[i].outcome == CheckpointOutcome::Expired)
        .collect();
    // Checkpoints 1 to 20, triggered at 0.5, 2.5, 4.5, ..., 38.5 s, expire 2 s later
    // until the backlog ends; checkpoint 21 (40.5 s) completes.
    assert_eq!(expired, (0..20).collect::<Vec<_>>());
    for &i in &expired {
        assert_eq!(c[i].duration_s, 2.0);
        assert!(back_to_back(c, i), "{:?} then {:?}", c[i], c[i + 1]);
    }
    assert_eq!(c[0].trigger_s, 0.5);
    assert_eq!(c[1].trigger_s, 2.5);
    assert_eq!(c[2].trigger_s, 4.5);
}

/// One record every 100 ms, zero-cost tasks: every checkpoint takes a few ms.
const TRICKLE: &str = r#"
name = "trickle"
seed = 3
[job]
duration = "30s"
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
interval = "1s"
min-pause = "3s"
[cluster]
rpc-latency = "1ms"
[recovery]
failure-report-delay = "10ms"
cancel = "100ms"
deploy = "500ms"
deploy-spread = 0
[restart]
strategy = "fixed-delay"
attempts = 1
delay = "1s"
[[faults.scripted]]
at = "10s"
task-failure = { task = "src", subtask = 0 }
"#;

#[test]
fn after_a_restart_the_first_trigger_waits_max_of_interval_and_min_pause() {
    let r = run(TRICKLE, &[]);
    assert_eq!(r.failures.len(), 1);
    // Running again at 10 s + 10 ms report + max(1 s delay, 100 ms cancel) + 500 ms deploy
    // + restore (the sink rebuilds its 128 B of inline transaction state at 200 MB/s:
    // 640 ns) = 11.51000064 s; the period is max(1 s, 3 s) = 3 s: the next trigger is
    // at 14.51000064 s.
    assert_eq!(r.failures[0].downtime_s, 1.51000064);
    let next = r.checkpoints.iter().find(|c| c.trigger_s > 10.0).unwrap();
    assert_eq!(next.trigger_s, 14.51000064);
    // Before the failure every trigger came min-pause after the previous completion.
    for w in r.checkpoints.windows(2).filter(|w| w[1].trigger_s < 10.0) {
        assert!(
            w[1].trigger_s >= w[0].end_s + 3.0,
            "{:?} then {:?}",
            w[0],
            w[1]
        );
    }
}
