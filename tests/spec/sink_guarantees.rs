//! With the two-phase-commit sink, committed output after failures equals the
//! failure-free run's output (no loss, no duplicates); with the at-least-once
//! sink the same failures give duplicates and no loss.

use crate::common::{keyed_job, run};
use ckptsim::metrics::JobStatus;

const FAULTS: &str = "faults.scripted=[\
    { at = \"22.5s\", task-failure = { task = \"agg\", subtask = 1 } }, \
    { at = \"51s\", task-failure = { task = \"sink\", subtask = 0 } }, \
    { at = \"80s\", taskmanager-loss = { taskmanager = 0 } }]";

#[test]
fn two_phase_commit_output_after_failures_equals_the_failure_free_output() {
    let text = keyed_job("two-phase-commit");
    let reference = run(&text, &[]);
    let faulty = run(&text, &[FAULTS]);
    assert_eq!(reference.summary.job_status, JobStatus::Finished);
    assert_eq!(faulty.summary.job_status, JobStatus::Finished);
    assert_eq!(faulty.failures.len(), 3);
    assert!(faulty.summary.records_replayed > 0);
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
    let text = keyed_job("at-least-once");
    let reference = run(&text, &[]);
    assert!(reference.summary.exactly_once);
    let faulty = run(&text, &[FAULTS]);
    assert_eq!(faulty.summary.guarantee.name(), "at-least-once");
    assert!(faulty.summary.duplicates > 0);
    assert_eq!(faulty.summary.lost_records, 0);
    assert!(!faulty.summary.exactly_once);
    assert!(faulty.summary.guarantee_held);
    // Duplicates come from replay: they cannot exceed what was replayed through the aggregate.
    assert!(faulty.summary.duplicates <= faulty.summary.records_replayed);
}

#[test]
fn two_phase_commit_output_is_visible_only_after_checkpoints_complete() {
    // The sink commits in bursts at checkpoint completions (every 5 s), not as records arrive.
    let r = run(&keyed_job("two-phase-commit"), &[]);
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
    assert!(arriving > 100, "{arriving}");
    assert!(bursts <= 2 * 26, "{bursts} periods with commits");
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
    assert!(broken.summary.duplicates > 0);
}
