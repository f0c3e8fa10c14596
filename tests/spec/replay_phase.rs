//! The recovery anatomy adds up: detection + restart delay + deploy + restore
//! is the downtime, and downtime + replay + catch-up is the recovery. Replay
//! runs from all tasks running again until the rewound sources have read back
//! every record they had read before the failure; a source that reads at its
//! capacity c takes about records_replayed ÷ c for it.

use crate::common::run;
use ckptsim::metrics::FailureRecord;

/// One source (1 partition, 1,000 records/s of 100 B, capacity 10,000 records/s)
/// forward into a sink that costs nothing, one TaskManager (local channel: no
/// credit, no network latency), no keyed state (restore is the sink's 128 B of
/// transaction handles, rebuilt in 640 ns), every deployment exactly 500 ms,
/// fixed-delay restarts 1 s apart. The sink fails at 18 s; the job is one
/// region, so the source restarts too and rewinds to checkpoint 2 (10.5 s).
const REPLAY: &str = r#"
name = "replay-hand"
seed = 11
[job]
duration = "40s"
[[job.source]]
name = "src"
parallelism = 1
partitions = 1
rate = 1000
record-bytes = 100
capacity = 10000
[[job.sink]]
name = "sink"
parallelism = 1
capacity = 1000000000
[[job.edge]]
from = "src"
to = "sink"
partitioning = "forward"
[checkpoint]
interval = "10s"
[cluster]
rpc-latency = "1ms"
[recovery]
deploy-spread = 0
[restart]
strategy = "fixed-delay"
attempts = 3
delay = "1s"
[[faults.scripted]]
at = "18s"
task-failure = { task = "sink", subtask = 0 }
"#;

/// Seconds as whole nanoseconds (every phase is a difference of integer-ns times).
fn ns(s: f64) -> i64 {
    (s * 1e9).round() as i64
}

fn only_failure(overrides: &[&str]) -> FailureRecord {
    let r = run(REPLAY, overrides);
    assert_eq!(r.failures.len(), 1);
    r.failures[0].clone()
}

#[test]
fn the_phases_add_up_to_the_downtime_and_the_recovery() {
    let f = only_failure(&[]);
    // detection: failure report                              10 ms
    // restart delay: 1 s after handling (the cancel, 100 ms, is done by then)
    // deploy                                                500 ms
    // restore: the sink rebuilds 128 B at 200 MB/s          640 ns
    // downtime                                           1.51000064 s
    assert_eq!(
        [f.detection_s, f.restart_delay_s, f.deploy_s, f.restore_s],
        [0.01, 1.0, 0.5, 0.00000064]
    );
    assert_eq!(f.downtime_s, 1.51000064);
    let downtime = ns(f.detection_s) + ns(f.restart_delay_s) + ns(f.deploy_s) + ns(f.restore_s);
    assert_eq!(downtime, ns(f.downtime_s));
    // replay 0.78479944 s (below), then catch-up: the source reads 327-record chunks
    // (32 KiB ÷ 100 B) at 32.7 ms each while the log grows by 1,000/s; at the replay's
    // end (20.29480008 s) 20,294 records are appended and 18,349 read; after 6 more
    // chunks (196.2 ms) 180 records wait, less than a chunk: the source waits for data,
    // lag 0, back to its level before the failure (0, waiting too).
    assert_eq!(f.replay_s, 0.78479944);
    assert_eq!(f.catch_up_s, 0.1962);
    assert_eq!(f.recovery_s, 2.49100008);
    assert_eq!(
        ns(f.downtime_s) + ns(f.replay_s) + ns(f.catch_up_s),
        ns(f.recovery_s)
    );
}

#[test]
fn replay_takes_the_replayed_records_over_the_source_capacity() {
    let f = only_failure(&[]);
    // Checkpoint 2's trigger reached the source at 10.501 s: offset 10,501. Its last
    // read before it was cancelled at 18.11 s (report 10 ms + cancel 100 ms; it polls
    // the log every buffer timeout once caught up) ended at 18,105: 7,604 to read again.
    assert_eq!(f.restored_checkpoint, 2);
    assert_eq!(f.records_replayed, 7_604);
    assert!(f.replay_s > 0.0);
    // At c = 10,000 records/s: R ÷ c = 0.7604 s. The replay ends at the end of the read
    // that reaches offset 18,105, and a read takes one chunk (327 records, 32.7 ms), so
    // the replay lasts R ÷ c rounded up to whole chunks: ⌈7,604 ÷ 327⌉ = 24 chunks =
    // 0.7848 s, less the source's head start (it runs once it has rebuilt its 16 B of
    // offsets, 80 ns, while the sink's 128 B take 640 ns: 560 ns). Tolerance: one
    // chunk's read time, the granularity at which a source's offset advances.
    let (records, capacity, chunk_s) = (7_604.0, 10_000.0, 327.0 / 10_000.0);
    assert!(f.replay_s + 560e-9 >= records / capacity, "{}", f.replay_s);
    assert!(f.replay_s < records / capacity + chunk_s, "{}", f.replay_s);
    assert_eq!(ns(f.replay_s), 24 * 32_700_000 - 560);
    // Twice the capacity: its polls fall at other times, and its last read before the
    // cancel ended at 18,102 (7,601 to read again): still 24 chunks, now of 16.35 ms.
    let fast = only_failure(&["job.source[0].capacity=20000"]);
    assert_eq!(fast.records_replayed, 7_601);
    assert_eq!(ns(fast.replay_s), 24 * 16_350_000 - 560);
}

#[test]
fn a_replay_ends_at_the_recovery_or_stays_open_when_the_run_ends_first() {
    // Recovery declared at once (any lag counts as caught up): the replay is clamped
    // to it, both last 0 s and the recovery is the downtime.
    let f = only_failure(&["recovery.caught-up-lag=1000000000"]);
    assert_eq!((f.replay_s, f.catch_up_s), (0.0, 0.0));
    assert_eq!(f.recovery_s, f.downtime_s);
    // The run ends at 20.2 s (log stops at 20 s, drain timeout 200 ms), before the
    // replay ends at 20.29480008 s: replay, catch-up and recovery never happened.
    let cut = ["job.duration=\"20s\"", "job.drain-timeout=\"200ms\""];
    let f = only_failure(&cut);
    assert_eq!(f.downtime_s, 1.51000064);
    assert_eq!([f.replay_s, f.catch_up_s, f.recovery_s], [-1.0; 3]);
    // Ending at 20.4 s instead: the replay is over, the catch-up (until 20.49100008 s) is not.
    let f = only_failure(&["job.duration=\"20s\"", "job.drain-timeout=\"400ms\""]);
    assert_eq!(f.replay_s, 0.78479944);
    assert_eq!([f.catch_up_s, f.recovery_s], [-1.0; 2]);
}
