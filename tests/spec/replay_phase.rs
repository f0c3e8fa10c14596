//! The recovery anatomy adds up: detection + restart delay + deploy + restore
//! is the downtime, and downtime + replay + catch-up is the recovery. Replay
//! runs from all tasks running again until the sinks have processed every
//! record the rewound sources had read before the failure; a source that reads
//! at its capacity c takes about records_replayed ÷ c to read them back, and
//! the last of them then reaches the sink when its buffer is full or the
//! output flusher sends it (at most a buffer timeout later), plus the
//! channel and the sink's processing.

use crate::common::run;
use ckptsim::metrics::FailureRecord;

/// One source (1 partition, 1,000 records/s of 100 B, capacity 10,000 records/s)
/// forward into a sink that costs 1 ns a record, one TaskManager (local channel: the
/// sink reads the source's subpartition directly, no credit, no network latency), no
/// keyed state (restore is the sink's 128 B of
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
    // replay 0.786699744 s (below), then catch-up: the source reads 327-record chunks
    // (32 KiB ÷ 100 B) back to back, 32.7 ms each, read k ending at 19.51000008 s +
    // k × 32.7 ms, while the log grows by 1,000/s. The replay ends at 20.296700384 s,
    // during read 25; at the end of read 30 (20.49100008 s) 20,491 records are appended
    // and 10,501 + 30 × 327 = 20,311 read: 180 wait, less than a chunk, so the source
    // waits for data, lag 0, back to its level before the failure (0, waiting too; the
    // end of read 29 left 474 > caught-up-lag 100). Catch-up: 20.49100008 − 20.296700384.
    assert_eq!(f.replay_s, 0.786699744);
    assert_eq!(f.catch_up_s, 0.194299696);
    assert_eq!(f.recovery_s, 2.49100008);
    assert_eq!(
        ns(f.downtime_s) + ns(f.replay_s) + ns(f.catch_up_s),
        ns(f.recovery_s)
    );
}

#[test]
fn replay_takes_the_replayed_records_over_the_source_capacity() {
    let f = only_failure(&[]);
    // Checkpoint 2's trigger reached the idle source at 10.501 s, between two records: it
    // had emitted every record appended by then, offset 10,501. It was cancelled at
    // 18.11 s (report 10 ms + cancel 100 ms), caught up, having emitted each record as it
    // arrived (the last 36 since its output flusher fired at 18.074 s): all 18,110
    // appended by then, so 18,110 − 10,501 = 7,609 to read again.
    assert_eq!(f.restored_checkpoint, 2);
    assert_eq!(f.records_replayed, 7_609);
    assert!(f.replay_s > 0.0);
    // The replay ends when the sink has processed record 18,109, the last replayed.
    // Reading: at c = 10,000 records/s, R ÷ c = 0.7609 s; the source reads 327-record
    // chunks (32.7 ms) from 19.51000008 s (it runs once it has rebuilt its 16 B of
    // offsets, 80 ns, 560 ns before the sink has rebuilt its 128 B, 640 ns), so the read
    // that reaches it ends after ⌈7,609 ÷ 327⌉ = 24 chunks (0.7848 s) with offset 18,349.
    // To the sink: the writer fills 32 KiB buffers (328 records, the last spanning into
    // the next buffer) and finishes one only when full: record 18,109 is the restart's
    // 7,609th, in its 24th buffer (records 7,545..7,872 of the restart), which read 25
    // fills. Before that the output flusher, armed by the first record written after each
    // flush and firing 100 ms later, fires at 21 × 32.7 + 100 = 786.7 ms (armed by read
    // 21; flushes at reads 1, 5, 9, ... + 100 ms), 1.9 ms after read 24, and sends the
    // 304 records of that open buffer; the sink (local channel, no latency) processes them
    // in 304 ns. So replay = 786.7 ms + 304 ns − 560 ns.
    // Tolerance of the hand bound: the read granularity (the read that gets there ends up
    // to one chunk, 32.7 ms, after R ÷ c) plus one buffer timeout (the last replayed
    // record waits at most 100 ms in its open buffer: the flusher is armed when a record
    // is written after a flush, or earlier) plus the sink's processing of one buffer
    // (328 ns; the local channel adds nothing).
    let (records, capacity, chunk_s, timeout_s) = (7_609.0, 10_000.0, 327.0 / 10_000.0, 0.1);
    assert!(f.replay_s + 560e-9 >= records / capacity, "{}", f.replay_s);
    assert!(
        f.replay_s < records / capacity + chunk_s + timeout_s + 328e-9,
        "{}",
        f.replay_s
    );
    assert_eq!(ns(f.replay_s), 21 * 32_700_000 + 100_000_000 + 304 - 560);
    // Twice the capacity: the source is caught up at the cancel all the same (7,609 to
    // read again), and reads 24 chunks of 16.35 ms. Now its flushes fall at reads 1, 8,
    // 15 and 22 + 100 ms (459.7 ms), later than read 25 (408.75 ms), which fills the 24th
    // buffer: the sink gets all 328 of its records at once and processes them in 328 ns.
    let fast = only_failure(&["job.source[0].capacity=20000"]);
    assert_eq!(fast.records_replayed, 7_609);
    let (c, chunk) = (20_000.0, 327.0 / 20_000.0);
    assert!(fast.replay_s + 560e-9 >= records / c, "{}", fast.replay_s);
    assert!(fast.replay_s < records / c + chunk + timeout_s + 328e-9);
    assert_eq!(ns(fast.replay_s), 25 * 16_350_000 + 328 - 560);
}

#[test]
fn a_replay_ends_at_the_recovery_or_stays_open_when_the_run_ends_first() {
    // Recovery declared at once (any lag counts as caught up): the replay is clamped
    // to it, both last 0 s and the recovery is the downtime.
    let f = only_failure(&["recovery.caught-up-lag=1000000000"]);
    assert_eq!((f.replay_s, f.catch_up_s), (0.0, 0.0));
    assert_eq!(f.recovery_s, f.downtime_s);
    // The log stops at 20 s: the end of input flushes the source's open buffer and the
    // flusher is armed again by the next read (read 15, 20.00050008 s), so it fires at
    // 20.1005, 20.2313 and 20.3621 s, and the 24th buffer, with the last replayed record,
    // reaches the sink when read 25 fills it: the replay ends at 20.32750008 s + 328 ns.
    // The run ends at 20.2 s (drain timeout 200 ms), before that: replay, catch-up and
    // recovery never happened.
    let cut = ["job.duration=\"20s\"", "job.drain-timeout=\"200ms\""];
    let f = only_failure(&cut);
    assert_eq!(f.downtime_s, 1.51000064);
    assert_eq!([f.replay_s, f.catch_up_s, f.recovery_s], [-1.0; 3]);
    // Ending at 20.4 s instead: the replay is over, the catch-up (until 20.49100008 s) is not.
    let f = only_failure(&["job.duration=\"20s\"", "job.drain-timeout=\"400ms\""]);
    assert_eq!(ns(f.replay_s), 25 * 32_700_000 + 328 - 560);
    assert_eq!([f.catch_up_s, f.recovery_s], [-1.0; 2]);
}
