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
    assert_eq!(reference.summary.events, 78_009);
    assert_eq!(faulty.summary.events, 71_729);
    // Replayed per failure: 40,581 + 38,531 + 49,338 (each about the 20,000 records/s read
    // since the restored checkpoint's trigger reached the sources, 1 ms after it: their
    // snapshots hold every record appended until then; 2.0 s, 1.9 s, 2.4 s of lost work).
    let replayed: Vec<u64> = faulty.failures.iter().map(|f| f.records_replayed).collect();
    assert_eq!(replayed, [40_581, 38_531, 49_338]);
    assert_eq!(faulty.summary.records_replayed, 128_450);
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
    // aggregate (the same 128,450 as with the 2PC sink: the failures are the same).
    assert_eq!(faulty.summary.records_replayed, 128_450);
    assert_eq!(faulty.summary.duplicates, 121_679);
    assert_eq!(faulty.summary.records_committed, 2_400_000 + 121_679);
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
    assert_eq!(r.summary.events, 11_072);
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
    // restart and is committed beside the replayed copies of the same records.
    assert_eq!(broken.summary.duplicates, 8_365);
}
