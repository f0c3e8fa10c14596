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
/// duplicate of its partition) and agg[1] failing at 30 s, under `failover`. Every
/// deployment takes exactly 500 ms (no spread), so checkpoints trigger at 0.5 s + 5 s·k.
fn two_regions(failover: FailoverStrategy) -> RunResult {
    Job::keyed()
        .set("recovery", "deploy-spread", "0")
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
    // 37,289 events (79,181 before the data plane as Flink's): each region runs on its own
    // TaskManager, so every channel is local and schedules no arrival and no credit
    // (35,473 such events before → 0), and a caught-up source wakes only when a whole
    // chunk waits (3,867 wakes → 2,356).
    assert_eq!(r.summary.events, 37_289);
    let f = &r.failures[0];
    assert_eq!((f.target.as_str(), f.restarted_tasks), ("agg[1]", 3));
    // Restored from checkpoint 6 (triggered at 25.5 s): 4.5 s of work lost. The trigger
    // reaches the sources 1 ms later (RPC), between two records, with the sources idle:
    // they have emitted every record appended until 25.501 s, 5,000 records/s × 25.501 s
    // = 127,505 of each partition, and the snapshot holds those offsets. Region 1's source
    // reads 2 of the 4 partitions from there until the cancel at 30.11 s (report 10 ms +
    // cancel 100 ms). It is caught up then, idle between its flushes, and has emitted each
    // record as it arrived: all 5,000 × 30.11 = 150,550 of each partition, so
    // 2 × (150,550 − 127,505) = 46,090 records (4.609 s × 10,000 records/s) are replayed.
    assert_eq!((f.restored_checkpoint, f.lost_work_s), (6, 4.5));
    assert_eq!(f.records_replayed, 46_090);
    assert_eq!(r.summary.records_replayed, 46_090);
    // Checkpoint 6 holds 9,939,236 B: the sources' offsets (2 × 32 B), the sinks' handles
    // (2 × 64 B) and 2 × 4,969,522 B of keyed state. Only agg[1]'s half is downloaded and
    // rebuilt: 20 ms latency + 4,969,522 B ÷ 100 MB/s + 4,969,522 B ÷ 200 MB/s (restore
    // speed) = 0.02 + 0.04969522 + 0.02484761 s.
    assert_eq!(r.checkpoints[5].state_bytes, 9_939_236);
    assert_eq!(f.restore_s, 0.09454283);
    // downtime = report 10 ms + restart delay 1 s + deploy 500 ms + restore.
    assert_eq!(f.downtime_s, 1.60454283);
    // Region 0 never stops: three subtasks run through the downtime.
    assert_eq!(running_at(&r, 31.0), 3);
    // Its partitions (0 and 2) are committed exactly once, 600,000 records each (2 min ×
    // 5,000 records/s); region 1's partitions carry the duplicates of the replay: the
    // replayed records sink[1] had already written (at least once) when agg[1] failed at
    // 30 s, 22,147 of partition 1 and 22,133 of partition 3, fewer than the 23,045 of
    // each replayed (what agg[1] had not yet passed on died with it).
    assert_eq!(
        committed_per_partition(&r),
        [600_000, 622_147, 600_000, 622_133]
    );
    assert_eq!((r.summary.duplicates, r.summary.lost_records), (44_280, 0));
}

#[test]
fn full_failover_restarts_every_task() {
    let r = two_regions(FailoverStrategy::Full);
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    assert_eq!(r.summary.events, 37_562); // 79,804 before the data plane as Flink's
    let f = &r.failures[0];
    assert_eq!((f.target.as_str(), f.restarted_tasks), ("agg[1]", 6));
    assert_eq!((f.restored_checkpoint, f.lost_work_s), (6, 4.5));
    // Both regions rewind to checkpoint 6: region 1's replay (46,090, as above) plus
    // region 0's. src[0] too is caught up at the cancel (30.11 s) and has emitted all
    // 150,550 records of partitions 0 and 2 (the log hands record i to partition i mod 4,
    // and 30.11 s × 20,000 = 602,200 records split evenly): 46,090 more.
    assert_eq!(f.records_replayed, 92_180);
    assert_eq!(f.records_replayed, 46_090 + 46_090);
    // Both aggregates download their state over the shared 100 MB/s (twice the transfer:
    // 9,939,044 B ÷ 100 MB/s = 0.09939044 s), then rebuild their halves in parallel
    // (0.02484761 s each, as above): 0.02 + 0.09939044 + 0.02484761 s.
    assert_eq!(f.restore_s, 0.14423805);
    assert_eq!(f.downtime_s, 1.65423805);
    assert_eq!(running_at(&r, 31.0), 0);
    // Every partition now carries duplicates, region 0's too: region 1's as above, and
    // region 0's sink, which ran until the cancel at 30.11 s, had written more of its
    // replayed records (22,945 of partition 0 and 22,647 of partition 2, of 23,045 each).
    assert_eq!(
        committed_per_partition(&r),
        [622_945, 622_147, 622_647, 622_133]
    );
    assert_eq!((r.summary.duplicates, r.summary.lost_records), (89_872, 0));
}

#[test]
fn an_all_to_all_edge_makes_the_region_the_whole_job() {
    // The keyed job's hash edge connects every src subtask to every agg subtask.
    let r = Job::keyed()
        .failover(FailoverStrategy::Region)
        .task_failure("30s", "agg", 1)
        .run(&[]);
    assert_eq!(r.summary.events, 40_067); // 80,607 before the data plane as Flink's
    let f = &r.failures[0];
    assert_eq!(f.restarted_tasks, 6);
    // Every partition rewinds to checkpoint 6, whose trigger reached the idle sources at
    // 25.537390808 s (the checkpoint timer started when the last of the six tasks ran,
    // 0.536390808 s, deployment drawn from seed 7; + 5 × 5 s + 1 ms RPC): 510,747 records
    // appended, 127,687 in partitions 0 to 2 and 127,686 in partition 3. Both sources are
    // caught up at the cancel (30.11 s) and have emitted all 150,550 records of each
    // partition: 3 × 22,863 + 22,864 = 91,453 records are replayed.
    assert_eq!(f.records_replayed, 91_453);
    assert!(r.summary.exactly_once, "{:?}", r.summary.first_problem);
}
