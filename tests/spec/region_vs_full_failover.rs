//! Region vs full failover (`jobmanager.execution.failover-strategy`).
//!
//! With forward edges only, subtask i of every vertex talks only to subtask
//! i, so the keyed job splits into two pipelined regions:
//!
//! ```text
//!   region 0:  src[0] ──▶ agg[0] ──▶ sink[0]     partitions 0 and 2, TaskManager 0
//!   region 1:  src[1] ──▶ agg[1] ──▶ sink[1]     partitions 1 and 3, TaskManager 1
//! ```
//!
//! A failure of agg[1] restarts region 1 alone under `region` (Flink's
//! default) and every task under `full`. Any all-to-all edge (the keyed
//! job's hash edge) joins all subtasks into one region, so there `region`
//! restarts the whole job too.

use crate::fixture::Job;
use ckptsim::metrics::{JobStatus, RunResult};
use ckptsim::scenario::{FailoverStrategy, SinkKind};

/// The two-region job with at-least-once sinks (so that a replayed record shows as a
/// duplicate of its partition) and agg[1] failing at 30 s, under `failover`.
fn two_regions(failover: FailoverStrategy) -> RunResult {
    Job::keyed()
        .forward_only()
        .sink(SinkKind::AtLeastOnce)
        .failover(failover)
        .task_failure("30s", "agg", 1)
        .run(&[])
}

/// Committed records per source partition, duplicates included.
fn committed_per_partition(r: &RunResult) -> Vec<u64> {
    let mut per = vec![0; 4];
    for (_, segments) in &r.committed {
        for s in segments {
            per[s.partition as usize] += s.count(128);
        }
    }
    per
}

/// Subtasks running at the end of the sample period that ends at `t_s`.
fn running_at(r: &RunResult, t_s: f64) -> u32 {
    r.samples
        .iter()
        .find(|s| s.time_s == t_s)
        .expect("a sample at that time")
        .tasks_running
}

#[test]
fn region_failover_restarts_only_the_failed_region() {
    let r = two_regions(FailoverStrategy::Region);
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    assert_eq!(r.summary.events, 79_846);
    let f = &r.failures[0];
    assert_eq!((f.target.as_str(), f.restarted_tasks), ("agg[1]", 3));
    // Restored from checkpoint 6 (triggered at 25 s): 5 s of region 1's reads are replayed,
    // 2 of the 4 partitions at 20,000 / 4 = 5,000 records/s each: about 50,000.
    assert_eq!((f.restored_checkpoint, f.lost_work_s), (6, 5.0));
    assert_eq!(f.records_replayed, 51_525);
    assert_eq!(r.summary.records_replayed, 51_525);
    // Only agg[1]'s half of the keyed state is downloaded: 20 ms latency + ~5 MB at 100 MB/s.
    assert_eq!(f.restore_s, 0.06965891);
    // downtime = report 10 ms + restart delay 1 s + deploy 500 ms + restore.
    assert_eq!(f.downtime_s, 1.57965891);
    // Region 0 never stops: three subtasks run through the downtime.
    assert_eq!(running_at(&r, 31.0), 3);
    // Its partitions (0 and 2) are committed exactly once, 600,000 records each (2 min ×
    // 5,000 records/s); region 1's partitions carry the duplicates of the replay.
    assert_eq!(
        committed_per_partition(&r),
        [600_000, 625_075, 600_000, 625_076]
    );
    assert_eq!((r.summary.duplicates, r.summary.lost_records), (50_151, 0));
}

#[test]
fn full_failover_restarts_every_task() {
    let r = two_regions(FailoverStrategy::Full);
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    assert_eq!(r.summary.events, 80_372);
    let f = &r.failures[0];
    assert_eq!((f.target.as_str(), f.restarted_tasks), ("agg[1]", 6));
    assert_eq!((f.restored_checkpoint, f.lost_work_s), (6, 5.0));
    // Both regions rewind to checkpoint 6: exactly twice region 1's replay alone.
    assert_eq!(f.records_replayed, 103_050);
    assert_eq!(f.records_replayed, 2 * 51_525);
    // Both aggregates download their state over the shared 100 MB/s: twice the transfer.
    assert_eq!(f.restore_s, 0.11931782);
    assert_eq!(f.downtime_s, 1.62931782);
    assert_eq!(running_at(&r, 31.0), 0);
    // Every partition now carries duplicates, region 0's too.
    assert_eq!(
        committed_per_partition(&r),
        [625_717, 625_075, 625_746, 625_076]
    );
    assert_eq!((r.summary.duplicates, r.summary.lost_records), (101_614, 0));
}

#[test]
fn an_all_to_all_edge_makes_the_region_the_whole_job() {
    // The keyed job's hash edge connects every src subtask to every agg subtask.
    let r = Job::keyed()
        .failover(FailoverStrategy::Region)
        .task_failure("30s", "agg", 1)
        .run(&[]);
    assert_eq!(r.summary.events, 80_462);
    let f = &r.failures[0];
    assert_eq!(f.restarted_tasks, 6);
    assert_eq!(f.records_replayed, 103_158);
    assert!(r.summary.exactly_once, "{:?}", r.summary.first_problem);
}
