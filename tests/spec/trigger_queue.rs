//! Trigger requests as Flink's coordinator queues them (CheckpointRequestDecider):
//! a periodic request that finds max-concurrent checkpoints pending waits in a
//! queue, and each checkpoint that ends (completes or expires) lets one waiting
//! request fire; the periodic trigger's period is max(interval, min-pause).

use crate::common::run;
use ckptsim::metrics::{CheckpointOutcome, CheckpointRecord, JobStatus};

/// A backlog: 20 000 records/s for 2 s (40 000 records) into a sink that takes
/// 1000 records/s. Both tasks are deployed in exactly 500 ms (no spread), so
/// they run, and the first checkpoint triggers, at 0.5 s and the periodic ticks
/// fall at 1.5, 2.5, ... s. The sink works until t ≈ 40.5 s and a barrier waits
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
    // when the tasks run (t = 0.5 s) and one per periodic tick at 1.5, 2.5, ..., 60.5 s.
    assert_eq!(c.len(), 1 + 60);
    assert!(c.iter().all(|c| c.outcome == CheckpointOutcome::Completed));
    // During the backlog each checkpoint outlasts the interval, and the next one
    // starts the instant it ends (a request was waiting). Checkpoint 1 is one of
    // them: the source has been emitting since 0.5 s, so its barrier too waits
    // behind queued data (6.889020544 s); checkpoints 1 to 6 cover the backlog.
    let first_short = c
        .iter()
        .position(|c| c.id > 1 && c.duration_s < 0.5)
        .unwrap();
    assert_eq!(first_short, 6, "requests must have queued");
    assert_eq!(c[0].duration_s, 6.889020544);
    for i in 0..first_short {
        assert!(c[i].duration_s > 1.0, "{:?}", c[i]);
        if i + 1 < first_short {
            assert!(back_to_back(c, i), "{:?} then {:?}", c[i], c[i + 1]);
        }
    }
    // The backlog ends at about 40.5 s (the sink started at 0.5 s): its last
    // checkpoint ends then.
    let t_end = c[first_short - 1].end_s;
    assert_eq!(t_end, 40.527020864, "backlog ends at {t_end}");
    // By then the ticks at 1.5..40.5 s made 40 requests; the backlog's checkpoints
    // after the first (ids 2 .. first_short) took first_short - 1 = 5 of them. The
    // other 35 waited and now fire one per completion, back to back, although each
    // checkpoint is far shorter than the interval (a single flag would fire one),
    // all before the next tick at 41.5 s.
    let waiting = 40 - (first_short - 1);
    assert_eq!(waiting, 35);
    let drain = first_short..first_short + waiting;
    for i in drain.clone() {
        assert!(c[i].duration_s < 0.05, "{:?}", c[i]);
        assert!(c[i].trigger_s < 41.5, "{:?}", c[i]);
    }
    for i in drain.start - 1..drain.end - 1 {
        assert!(back_to_back(c, i), "{:?} then {:?}", c[i], c[i + 1]);
    }
    // Then the queue is empty and the ticks trigger at once: 41.5 s, 42.5 s, ...
    let after: Vec<f64> = c[drain.end..].iter().map(|c| c.trigger_s).collect();
    let ticks: Vec<f64> = (41..=60).map(|t| t as f64 + 0.5).collect();
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
