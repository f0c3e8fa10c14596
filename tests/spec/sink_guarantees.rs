//! With the two-phase-commit sink, committed output after failures equals the
//! failure-free run's output (no loss, no duplicates); with the at-least-once
//! sink the same failures give duplicates and no loss.

use crate::common::run;
use crate::fixture::Job;
use ckptsim::metrics::JobStatus;
use ckptsim::scenario::SinkKind;

/// A failure of each kind the keyed job can suffer: agg[1] at 22.5 s, sink[0] at 51 s,
/// TaskManager 0 (src[0], agg[0], sink[0]) at 80 s.
fn with_faults(job: Job) -> Job {
    job.task_failure("22.5s", "agg", 1)
        .task_failure("51s", "sink", 0)
        .taskmanager_loss("80s", 0)
}

#[test]
fn two_phase_commit_output_after_failures_equals_the_failure_free_output() {
    let reference = Job::keyed().run(&[]);
    let faulty = with_faults(Job::keyed()).run(&[]);
    assert_eq!(reference.summary.job_status, JobStatus::Finished);
    assert_eq!(faulty.summary.job_status, JobStatus::Finished);
    // Half the events of the previous data plane: local channels (src[i] → agg[i] →
    // sink[i]) carry no arrival or credit events, and a caught-up source emits what arrived
    // when its output flusher fires, without a read step or a wake-up.
    assert_eq!(reference.summary.events, 39_342);
    assert_eq!(faulty.summary.events, 36_885);
    // Replayed per failure: 41,453 + 39,614 + 50,094. The sources are caught up (a whole
    // chunk, 654 records, takes 130.8 ms to arrive in a partition, longer than the 100 ms
    // buffer timeout): they emit records as they arrive, so when a checkpoint's trigger
    // reaches a source (1 ms after the trigger) its offsets are every record appended until
    // then, and when it stops (cancelled, or dead with its TaskManager) it has read every
    // record appended until then. A failure replays, per partition (20,000 records/s dealt
    // over 4 partitions, 5,000 each; src[0] reads 0 and 2, src[1] 1 and 3), 5,000 records/s
    // × (stop − restored trigger − 1 ms), to the record (the triggers fall between ms):
    // - agg[1] at 22.5 s, checkpoint 5 (20.536 s), all tasks cancelled at 22.61 s (report
    //   10 ms, cancellation 100 ms): 4 × 5,000 × 2.073 s ≈ 41,460, 1.96 s of lost work;
    // - sink[0] at 51 s, checkpoint 10 (49.128 s), cancelled at 51.11 s: 4 × 5,000 ×
    //   1.981 s ≈ 39,620, 1.87 s of lost work;
    // - TaskManager 0 at 80 s, checkpoint 15 (77.644 s): src[0] dies with it (2 × 5,000 ×
    //   2.355 s), src[1] is cancelled at 80.3 s (its peers notice after 200 ms,
    //   cancellation 100 ms; 2 × 5,000 × 2.655 s): ≈ 50,100, 2.36 s of lost work.
    let replayed: Vec<u64> = faulty.failures.iter().map(|f| f.records_replayed).collect();
    assert_eq!(replayed, [41_453, 39_614, 50_094]);
    assert_eq!(faulty.summary.records_replayed, 131_161);
    assert_eq!(faulty.committed, reference.committed);
    assert!(
        faulty.summary.exactly_once,
        "{:?}",
        faulty.summary.first_problem
    );
    assert!(faulty.summary.guarantee_held);
    assert_eq!(faulty.summary.duplicates, 0);
    assert_eq!(faulty.summary.lost_records, 0);
    // Each partition's key-group range ends up as one committed segment holding all of it:
    // 4 partitions × 2 key-group ranges (one per aggregate subtask), 600,000 records each.
    let (_, segs) = &faulty.committed[0];
    assert_eq!(segs.len(), 8, "{segs:?}");
    let total: u64 = segs.iter().map(|s| s.count(128)).sum();
    assert_eq!(total, 2_400_000);
}

#[test]
fn at_least_once_sink_duplicates_after_failures_but_loses_nothing() {
    let job = Job::keyed().sink(SinkKind::AtLeastOnce);
    let reference = job.run(&[]);
    assert!(reference.summary.exactly_once);
    let faulty = with_faults(job).run(&[]);
    assert_eq!(faulty.summary.guarantee.name(), "at-least-once");
    assert_eq!(faulty.summary.lost_records, 0);
    assert!(!faulty.summary.exactly_once);
    assert!(faulty.summary.guarantee_held);
    // Duplicates come from replay: they cannot exceed what was replayed through the
    // aggregate (the same 131,161 as with the 2PC sink: the failures are the same). Per
    // failure (runs cut after the first and the second fault): 38,704 of 41,453, 37,101 of
    // 39,614 and 47,508 of 50,094; the other replayed records had not reached the sink
    // before the failure (in flight, in the failed task's input, in an operator's open
    // buffer waiting for its flusher, or read by a source and not yet flushed).
    assert_eq!(faulty.summary.records_replayed, 131_161);
    assert_eq!(faulty.summary.duplicates, 123_313);
    assert_eq!(faulty.summary.records_committed, 2_400_000 + 123_313);
}

#[test]
fn two_phase_commit_output_is_visible_only_after_checkpoints_complete() {
    // The sink commits in bursts at checkpoint completions (every 5 s), not as records arrive.
    let r = Job::keyed().run(&[]);
    let bursts = r
        .samples
        .iter()
        .filter(|s| s.committed_records_per_s > 0.0)
        .count();
    let arriving = r
        .samples
        .iter()
        .filter(|s| s.sink_records_per_s > 0.0)
        .count();
    // Records reach the sink in every one of the 120 one-second periods; commits come
    // only in the 24 periods where checkpoints 1..24 complete (0.69 s, 5.67 s, ...,
    // 115.70 s). The first triggers at 0.54 s, when the last task's seeded deployment
    // ended; the sources emit from their own deployments on, so checkpoint 1 already has
    // records to commit. Checkpoint 25, the final one at 120 s, ends after the last sample.
    assert_eq!(r.samples.len(), 120);
    assert_eq!(arriving, 120);
    assert_eq!(bursts, 24);
}

/// src → a → sink and src → b → sink: every record reaches the sink twice, by design.
const DIAMOND: &str = r#"
name = "diamond"
[job]
duration = "1min"
[[job.source]]
name = "src"
parallelism = 1
partitions = 1
rate = 1000
capacity = 10000
[[job.operator]]
name = "a"
parallelism = 1
capacity = 10000
[[job.operator]]
name = "b"
parallelism = 1
capacity = 10000
[[job.sink]]
name = "sink"
parallelism = 1
capacity = 10000
[[job.edge]]
from = "src"
to = "a"
partitioning = "forward"
[[job.edge]]
from = "src"
to = "b"
partitioning = "forward"
[[job.edge]]
from = "a"
to = "sink"
partitioning = "forward"
[[job.edge]]
from = "b"
to = "sink"
partitioning = "forward"
[checkpoint]
interval = "5s"
[[faults.scripted]]
at = "20s"
task-failure = { task = "a", subtask = 0 }
"#;

#[test]
fn a_diamond_delivers_each_record_once_per_path_and_no_more() {
    let r = run(DIAMOND, &[]);
    // All four channels are local (one TaskManager): no arrival or credit events, and the
    // caught-up source emits what arrived when its flusher fires (about every 100 ms).
    assert_eq!(r.summary.events, 4_543);
    assert!(r.summary.guarantee_held, "{:?}", r.summary.first_problem);
    assert_eq!((r.summary.duplicates, r.summary.lost_records), (0, 0));
    // 60,000 records, two copies each.
    let total: u64 = r.committed[0].1.iter().map(|s| s.count(128)).sum();
    assert_eq!(total, 120_000);
    let broken = ckptsim::sim::run_with(
        &crate::common::scenario(DIAMOND, &[]),
        Some(ckptsim::mutants::Bug::NoSinkAbort),
    )
    .expect("run");
    // Without the abort, what the sink staged after the restored checkpoint survives the
    // restart and is committed beside the replayed copies of the same records. Checkpoint 4
    // (15.58 s) holds source offset 15,580. Each task's output flusher fires about every
    // 100 ms, so the sink gets a's and b's records one flush late: a failed at 20 s, its last
    // flush (19.8991 s) carrying what it had processed of the source's 19.89 s flush, all
    // but the last 46 records: offsets up to 19,844, 4,264 copies; b's flush at 20.0001 s
    // sent the rest of that batch, and its next (20.1011 s) was not processed before the
    // cancellation at 20.11 s: up to 19,890, 4,310 copies. 4,264 + 4,310 = 8,574.
    assert_eq!(broken.summary.duplicates, 8_574);
}
