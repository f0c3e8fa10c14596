//! Flink's `execution.checkpointing.interval-during-backlog` (FLIP-309): while any
//! source is processing backlog (in ckptsim: a source subtask restarted by a
//! failover, until it has read what its partitions held when the job ran again),
//! periodic triggers are `interval-during-backlog` apart; when the backlog ends the
//! next trigger moves to one interval later if that is sooner (Flink's
//! `setIsProcessingBacklog`); `0` means no periodic checkpoints during backlog; an
//! absent key changes nothing.

use crate::common::{ckptsim, run, scratch};
use ckptsim::metrics::{CheckpointOutcome, RunResult};

/// One source (one partition, 500 records/s appended, read at 1,000 records/s: 1 ms
/// a record; 100 B records, so a read is one 32 KiB buffer's worth, ⌊32768 / 100⌋ =
/// 327 records, 327 ms) into a sink that takes anything, both in one slot. The
/// source fails at 10 s and restarts after a 10 s delay, so it comes back to a
/// backlog of about 5.5 s of reading.
const CATCH_UP: &str = r#"
name = "catch-up"
seed = 3
[job]
duration = "40s"
[[job.source]]
name = "src"
parallelism = 1
partitions = 1
rate = 500
record-bytes = 100
capacity = 1000
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
delay = "10s"
[[faults.scripted]]
at = "10s"
task-failure = { task = "src", subtask = 0 }
"#;

/// Trigger times (s) of the checkpoints triggered in [from, to).
fn triggers(r: &RunResult, from: f64, to: f64) -> Vec<f64> {
    (r.checkpoints.iter())
        .filter(|c| c.trigger_s >= from && c.trigger_s < to)
        .map(|c| c.trigger_s)
        .collect()
}

/// Before the failure (the same in every variant): the tasks run at 0.5 s (deploy
/// 500 ms, no spread) and the first checkpoint triggers at once, then every second
/// to 9.5 s: a fresh start is no backlog. Every checkpoint completes.
fn before_the_failure_every_second(r: &RunResult) {
    let expected: Vec<f64> = (0..10).map(|k| k as f64 + 0.5).collect();
    assert_eq!(triggers(r, 0.0, 10.0), expected);
    assert!(
        (r.checkpoints.iter()).all(|c| c.outcome == CheckpointOutcome::Completed),
        "{:?}",
        r.checkpoints
    );
    assert_eq!(r.failures.len(), 1);
    // Reported at 10.01 s, restarted after max(10 s delay, 100 ms cancel), deployed
    // 500 ms later; the source rebuilds its 16 B of offsets in 80 ns, the sink its
    // 128 B of transactions in 640 ns (200 MB/s): all run at Tr = 20.51000064 s.
    assert_eq!(r.failures[0].downtime_s, 10.51000064);
}

#[test]
fn while_the_source_catches_up_triggers_are_the_backlog_interval_apart() {
    let r = run(CATCH_UP, &["checkpoint.interval-during-backlog=3s"]);
    before_the_failure_every_second(&r);
    // The trigger of checkpoint 10 (9.5 s) reaches the source at 9.501 s; waiting for
    // data (327 records take 654 ms to arrive, its flusher fires 100 ms after the
    // first), it has read all ⌊500 × 9.501⌋ = 4,750 records: the restored offset.
    // At Tr the scheduler restarts and the restarted source is in backlog until it
    // has read what its partition holds then: ⌊500 × 20.51000064⌋ = 10,255 records.
    // The scheduler's first delay ignores the backlog (Flink's
    // startCheckpointScheduler): one interval, 21.51000064 s. That tick finds the
    // backlog: the next comes 3 s later, 24.51000064 s, and the one after would be
    // at 27.51000064 s.
    //
    // The source reads from 20.51000008 s (restored 560 ns before the sink) in
    // back-to-back 327 ms reads. The first trigger reaches it at 21.51100064 s,
    // 1.00100056 s on: 3 reads (981 records) and 20 records of the 4th, offset 5,751;
    // its synchronous snapshot (1 ms + 16 B at 2 GB/s = 1.000008 ms) ends at
    // 21.512000648 s. The second reaches it at 24.51100064 s, 2.998999992 s on: 9
    // reads (2,943) and 55 records, offset 8,749; reading again from 24.512000648 s,
    // 1,506 records to go take 5 reads, the last ending at 24.512000648 + 5 × 0.327 =
    // 26.147000648 s. The backlog is over; 26.147000648 + 1 s comes before
    // 27.51000064 s, so the next trigger moves there, then every second.
    assert_eq!(
        triggers(&r, 10.0, 30.0),
        [
            21.51000064,
            24.51000064,
            27.147000648,
            28.147000648,
            29.147000648
        ]
    );
}

#[test]
fn zero_means_no_periodic_checkpoint_during_backlog() {
    let r = run(CATCH_UP, &["checkpoint.interval-during-backlog=0"]);
    before_the_failure_every_second(&r);
    // The scheduler's first trigger (21.51000064 s) still fires, as Flink's
    // ScheduledTrigger does when it finds the interval disabled, but schedules no
    // next one. With no second snapshot the source reads on from 21.512000648 s at
    // offset 5,751: 10,255 − 5,751 = 4,504 records, 14 reads (4,578), the last
    // ending at 21.512000648 + 14 × 0.327 = 26.090000648 s. The backlog is over and
    // nothing is scheduled: the next trigger is one interval later.
    assert_eq!(
        triggers(&r, 10.0, 30.0),
        [21.51000064, 27.090000648, 28.090000648, 29.090000648]
    );
}

#[test]
fn without_the_key_the_interval_holds_through_the_catch_up() {
    let r = run(CATCH_UP, &[]);
    before_the_failure_every_second(&r);
    let expected: Vec<f64> = (21..30).map(|k| k as f64 + 0.51000064).collect();
    assert_eq!(triggers(&r, 10.0, 30.0), expected);
    // Flink's default: the same as the interval.
    let same = run(CATCH_UP, &["checkpoint.interval-during-backlog=1s"]);
    assert_eq!(same.checkpoints, r.checkpoints);
}

#[test]
fn the_backlog_lasts_while_any_restarted_source_is_in_it() {
    // A second pipeline whose source reads at any speed: it is through its backlog
    // at once, but the slow source is not, so the triggers are those of the
    // one-source job (the same restart, reads and snapshots).
    let two = CATCH_UP.replacen(
        "[checkpoint]",
        r#"[[job.source]]
name = "fast"
parallelism = 1
partitions = 1
rate = 500
record-bytes = 100
capacity = 1000000000000
[[job.sink]]
name = "fast-sink"
parallelism = 1
capacity = 1000000000000
[[job.edge]]
from = "fast"
to = "fast-sink"
partitioning = "forward"
[checkpoint]"#,
        1,
    );
    let backlog = "checkpoint.interval-during-backlog=3s";
    let full = run(&two, &[backlog, "failover=full"]);
    assert_eq!(full.failures[0].restarted_tasks, 4);
    let slow = [
        21.51000064,
        24.51000064,
        27.147000648,
        28.147000648,
        29.147000648,
    ];
    assert_eq!(triggers(&full, 10.0, 30.0), slow);
    // Region failover restarts only the fast pipeline when its source fails: only
    // restarted sources are in backlog, and it is over before the first trigger.
    let fast_fails =
        "faults.scripted=[{ at = \"10s\", task-failure = { task = \"fast\", subtask = 0 } }]";
    let region = run(&two, &[backlog, fast_fails]);
    assert_eq!(region.failures[0].restarted_tasks, 2);
    let expected: Vec<f64> = (21..30).map(|k| k as f64 + 0.51000064).collect();
    assert_eq!(triggers(&region, 10.0, 30.0), expected);
}

#[test]
fn a_backlog_interval_shorter_than_the_interval_is_bad_input() {
    let dir = scratch("backlog-interval-bad-input");
    let file = dir.join("bad.toml");
    let text = CATCH_UP.replacen(
        "interval = \"1s\"",
        "interval = \"1s\"\ninterval-during-backlog = \"500ms\"",
        1,
    );
    std::fs::write(&file, text).expect("write scenario");
    let out = dir.join("out");
    let o = ckptsim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    // Line 23 of the file (the text starts with a newline): the key's own line.
    let head = format!(
        "error: {}:23: checkpoint.interval-during-backlog: ",
        file.display()
    );
    assert!(stderr.starts_with(&head), "{stderr}");
    assert!(
        stderr.contains("at least the interval, or 0 for no checkpoints during backlog"),
        "{stderr}"
    );
    assert!(!out.exists(), "a rejected scenario writes no results");
    let _ = std::fs::remove_dir_all(&dir);
}
