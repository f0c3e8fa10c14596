//! The oracle is only worth something if it can fail: every deliberately
//! broken protocol is caught within 200 random cases and shrunk to at most
//! two faults that replay to the same verdict; a bug that a case cannot
//! expose is not flagged; the clean protocol passes a few hundred cases.

use crate::common::{ckptsim, run, scratch};
use crate::fixture::{Job, Restart};
use ckptsim::check::{CheckOptions, check, counterexample_text, judge};
use ckptsim::mutants::Bug;
use ckptsim::scenario::SinkKind;

fn opts(cases: u64, bug: Option<Bug>) -> CheckOptions {
    CheckOptions {
        cases,
        seed: 0,
        scenario: None,
        bug,
        progress: false,
    }
}

#[test]
fn the_clean_protocol_passes_three_hundred_random_cases() {
    let r = check(&opts(300, None)).unwrap();
    assert!(r.failure.is_none(), "{:?}", r.failure.map(|f| f.0.reason));
    assert_eq!(r.cases_run, 300);
    // The cases exercise recovery: most jobs finish after faults, some fail by their
    // strategy, some are still restarting at the drain timeout (seed 0's 300 cases).
    // 208 finish, 62 fail, 30 are still running; before the Flink data plane 205, 63, 32.
    // Three cases moved, all to finished, because checkpoints now complete where they
    // expired before:
    // - 227 (src p=2 → forward → 2PC sink p=2, one TaskManager, timeout 264 ms, 3 tolerable
    //   failures) is backpressured while it drains the backlog of a 28.6 s TaskManager-loss
    //   downtime. A local channel has no receiver buffers now: a barrier waits behind the
    //   producer's subpartition only (at most max-buffers-per-channel = 10 buffers of
    //   163.8 records at the sink's 10,161 records/s), reaches the sink 159 ms after the
    //   trigger, and the checkpoint completes in 204 ms. Before, the sink's 2 exclusive and
    //   8 floating receiver buffers were ahead of it as well: every checkpoint of the drain
    //   expired and the job failed over from checkpoint 8 until its 25 attempts ran out.
    // - 215 (src → hash → op0 p=3 → rebalance → 2PC sink p=1, three TaskManagers, timeout
    //   80 ms) likewise drains a backlog after a 28.7 s downtime, its sink at capacity: its
    //   local channel lost the receiver buffers, the barriers reach the sink 40.7 ms after
    //   the trigger and align 36.7-40.1 ms later, and the checkpoints complete in 77.4 ms;
    //   before, each one expired, and the job failed over from checkpoint 15 every 13.7 s
    //   until the drain timeout.
    // - 256 (3 sources → rebalance → two 2PC sinks, all local; checkpoint timeout 59 ms, 2
    //   tolerable failures, failure-rate restarts, buffer timeout 1 s): checkpoints 1-3
    //   still expire (a sink's last barrier comes more than 56 ms after the trigger, behind
    //   full buffers of 18.8 ms each), the job fails over at 4.63 s, and 4 and 5 expire
    //   too. Checkpoint 6 is triggered at 12.62 s as before, but the sources' whole-chunk
    //   reads now come at other times: the sinks have worked off the last ones (read at
    //   12.48-12.54 s) by 12.616 s, the barriers follow only the records that arrived since
    //   (two or three part-filled buffers per sink), and the checkpoint completes in
    //   48.8 ms; before, a source's whole chunk (two full buffers) had been read 0.3 ms before
    //   the trigger, a sink had four full buffers ahead of its barrier, checkpoint 6
    //   expired and the job restarted every 7-8 s, within its failure rate (12 a minute),
    //   until the drain timeout. Now 6 and 7 complete, and the final checkpoint, requested
    //   at once at the end of input (15.07 s), completes in 41.4 ms: finished at 15.11 s.
    //
    // The generator now also draws unaligned checkpoints, the aligned checkpoint timeout,
    // task-local recovery and the interval during backlog (from a stream of their own:
    // jobs and faults are as before), and three cases moved, to 207, 63, 30:
    // - 288 (timeout 118 ms, storage latency 54 ms at 1 MB/s) with unaligned checkpoints
    //   and a 20 ms aligned timeout: after its task failure at 42.9 s, while it works off
    //   the backlog, its checkpoints switch at 20 ms and persist the full queues, which go
    //   up as files (over the 20 KiB inline limit) and expire at 118 ms, where aligned
    //   ones complete in time; failure-rate (9 a minute) gives up: failed instead of
    //   finished. (215 draws unaligned too, but its 2 s aligned timeout outlasts its
    //   80 ms checkpoint timeout: it never switches.)
    // - 201 with local recovery: its restores read the local copy (0 s instead of 17.1 s
    //   over 1 MB/s storage), so its checkpoint failures come faster and the strategy runs
    //   out of attempts before the drain timeout (failed instead of running).
    // - 47 (interval 200 ms, timeout 140 ms: every checkpoint expires and the job fails
    //   over from nothing; failure-rate, 11 a minute) with interval-during-backlog = 0:
    //   after each restart the sources are in backlog and only the scheduler's first tick
    //   fires, so its failovers come 3-14 s apart instead of every 2 s, the rate stays
    //   within 11 a minute and the job is still restarting at the drain timeout instead
    //   of failed at 23 s.
    // - The state backend and incremental checkpoints (drawn last, from the same stream:
    //   RocksDB in half the cases, incremental in half of those) moved three more, to
    //   208, 63, 29, none with faults:
    //   - 15 (src p=1 → hash → op0 p=1, 144,221 keys × 4 KiB → 2PC sink; at-least-once,
    //     interval 500 ms, timeout 10.9 s, 2 tolerable failures, 100 MB/s storage) with
    //     incremental checkpoints: full ones upload the whole growing state, 366 MB by
    //     checkpoint 23 (10.9 s), and from checkpoint 24 (32.6 s) they expire; the job
    //     fails over every 18.6 s until the drain timeout (running). Incremental ones
    //     upload the keys changed in the 500 ms since the previous one (9.7 MB; a
    //     quarter of the state more every fourth flush), take at most 3.1 s, and the job
    //     finishes at 33.1 s.
    //   - 216 (op1 p=3 with 119,451 keys × 8 B; storage 1 MB/s, latency 71 ms; timeout
    //     340 ms, 3 tolerable failures) with incremental checkpoints: full ones upload
    //     each op1 subtask's state once it passes 20 KiB, 184 KB over the three by
    //     checkpoint 34 (338 ms), and from checkpoint 35 (34.6 s) they expire and the job
    //     fails over until the drain timeout (running). Incremental ones upload the few
    //     KB of keys changed per second, inline with the acknowledgements: at most
    //     227 ms, finished at 52.1 s.
    //   - 246 (op0 p=3, 21,442 keys × 512 B; unaligned, timeout 324 ms, storage latency
    //     90 ms, 1 tolerable failure) with RocksDB full snapshots: each op0 subtask now
    //     iterates over its state at 100 MB/s before uploading it (about 34 ms at 3.4 MB),
    //     which takes the checkpoints from at most 298 ms (HashMap) to 323 ms by
    //     checkpoint 19 and past the timeout from checkpoint 20 (38.6 s): the job fails
    //     over every 6 to 6.5 s, within its failure rate (12 a minute), until the drain
    //     timeout (running instead of finished).
    // - Buffer debloating (drawn after those: on in a third of the cases, with a target of
    //   100 ms or 1 s) moved one more, to 208, 62, 30: 201 again (interval 200 ms,
    //   timeout 33 s, 1 MB/s storage, local recovery) with a 100 ms target: its barriers
    //   cross the backlog after its restarts faster, a second checkpoint completes (1
    //   before), its next checkpoint failure comes at 230 s instead of 202 s, and with one
    //   failover fewer it is still restarting at the drain timeout instead of failed.
    assert_eq!(r.faults, 440);
    assert_eq!((r.finished, r.failed_jobs, r.unfinished), (208, 62, 30));
}

/// `bug` is caught by seed 0's case `index` and shrunk to `faults` faults and a job
/// of `duration_ms`.
fn caught(bug: Bug, index: u64, faults: usize, duration_ms: u64) {
    let r = check(&opts(200, Some(bug))).unwrap();
    let (first, small) = r
        .failure
        .unwrap_or_else(|| panic!("{bug} not caught in 200 cases"));
    assert_eq!(first.index, index, "{bug}");
    assert_eq!(small.case.faults.len(), faults, "{bug}");
    assert_eq!(small.case.duration_ms, duration_ms, "{bug}");
    assert!(small.case.duration_ms <= first.case.duration_ms);
    // The shrunk case replays to a failure of the same kind, through the library...
    let again = judge(&small.case, Some(bug)).expect_err("shrunk case must still fail");
    assert_eq!(again.self_evident(), small.self_evident());
    // ...and through the binary, from the written scenario file.
    let dir = scratch(&format!("mutant-{bug}"));
    let file = dir.join("counterexample.toml");
    let text = counterexample_text(&small, Some(bug), file.to_str().unwrap()).unwrap();
    std::fs::write(&file, &text).unwrap();
    assert!(text.contains(&format!("--inject-bug {bug}")));
    let args = if small.self_evident() {
        vec![
            "run",
            file.to_str().unwrap(),
            "--quiet",
            "--out",
            dir.to_str().unwrap(),
            "--inject-bug",
            bug.name(),
        ]
    } else {
        vec![
            "check",
            "--scenario",
            file.to_str().unwrap(),
            "--cases",
            "1",
            "--inject-bug",
            bug.name(),
            "--out",
            dir.to_str().unwrap(),
        ]
    };
    let out = ckptsim(&args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{bug}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Without the bug the same scenario passes.
    let clean = judge(&small.case, None);
    assert!(
        clean.is_ok(),
        "{bug}: the counterexample fails without the bug: {:?}",
        clean.err()
    );
}

// No alignment and commit-before-complete break an invariant in a run without faults, so
// they shrink to no fault at all; the recovery bugs need one fault to show.
#[test]
fn no_alignment_is_caught() {
    caught(Bug::NoAlignment, 3, 0, 1000);
}
#[test]
fn commit_before_complete_is_caught() {
    caught(Bug::CommitBeforeComplete, 0, 0, 1250);
}
#[test]
fn restore_latest_triggered_is_caught() {
    caught(Bug::RestoreLatestTriggered, 0, 1, 1250);
}
#[test]
fn no_source_rewind_is_caught() {
    caught(Bug::NoSourceRewind, 0, 1, 1250);
}
#[test]
fn no_sink_abort_is_caught() {
    caught(Bug::NoSinkAbort, 0, 1, 1250);
}
#[test]
fn no_state_restore_is_caught() {
    caught(Bug::NoStateRestore, 0, 1, 1250);
}
#[test]
fn ack_before_upload_is_caught() {
    caught(Bug::AckBeforeUpload, 0, 1, 1250);
}
// The unaligned bugs need a case with unaligned checkpoints, in-flight data and a
// failure: seed 0's case 21 (a task failure of sink[0] at 19.2 s). It also debloats its
// buffers, so less is in flight, and the shrinker keeps a longer job (12.375 s) than
// without debloating (2.062 s).
#[test]
fn unaligned_no_channel_state_is_caught() {
    caught(Bug::UnalignedNoChannelState, 21, 1, 12375);
}
#[test]
fn unaligned_no_channel_restore_is_caught() {
    caught(Bug::UnalignedNoChannelRestore, 21, 1, 12375);
}
// The missing base needs incremental checkpoints, a restore from one that builds on an
// earlier one, and a job that finishes (the final keyed state comes up short): seed 0's
// case 4 (RocksDB, incremental).
#[test]
fn incremental_missing_base_is_caught() {
    caught(Bug::IncrementalMissingBase, 4, 1, 1500);
}

/// One source subtask → keyed aggregate → sink, all parallelism 1, one
/// TaskManager: every task has one input channel, so alignment has nothing to
/// block. 5,000 keys × 4 KiB of state over 10 MB/s storage; no faults.
fn single_channel(sink: SinkKind) -> Job {
    Job::keyed()
        .name("single-channel")
        .seed(None)
        .duration("30s")
        .parallelism(1)
        .partitions(2)
        .rate(5000)
        .record_bytes(None)
        .capacity(20_000)
        .state(5000, 4096)
        .sink(sink)
        .interval("2s")
        .without("storage")
        .set("storage", "bandwidth", "\"10MB/s\"")
        .without("cluster")
        .restart(Restart::FlinkDefault)
}

#[test]
fn a_bug_the_case_cannot_expose_is_not_flagged() {
    let eo = single_channel(SinkKind::TwoPhaseCommit);
    let alo = single_channel(SinkKind::AtLeastOnce);
    // No faults: nothing is ever restored; one input channel per task: nothing to align;
    // an at-least-once sink: nothing is pre-committed.
    for (bug, text) in [
        (Bug::NoAlignment, &eo),
        (Bug::CommitBeforeComplete, &alo),
        (Bug::RestoreLatestTriggered, &eo),
        (Bug::NoSourceRewind, &eo),
        (Bug::NoSinkAbort, &eo),
        (Bug::NoStateRestore, &eo),
        (Bug::AckBeforeUpload, &eo),
        // Aligned checkpoints hold no channel state to lose.
        (Bug::UnalignedNoChannelState, &eo),
        (Bug::UnalignedNoChannelRestore, &eo),
        // Full snapshots (the HashMap backend) share no files between checkpoints.
        (Bug::IncrementalMissingBase, &eo),
        // Without the changelog backend there is no log to skip.
        (Bug::ChangelogNoReplay, &eo),
    ] {
        let r = ckptsim::sim::run_with(&text.scenario(&[]), Some(bug)).expect("run");
        assert!(
            r.summary.invariant_violations.is_empty(),
            "{bug}: {:?}",
            r.summary.invariant_violations
        );
        assert!(
            r.summary.guarantee_held,
            "{bug}: {:?}",
            r.summary.first_problem
        );
        assert_eq!(r.committed, text.run(&[]).committed, "{bug}");
    }
}

#[test]
fn the_oracle_names_the_epoch_and_the_fault_before_a_problem() {
    let sc = single_channel(SinkKind::TwoPhaseCommit)
        .task_failure("11s", "agg", 0)
        .scenario(&[]);
    let r = ckptsim::sim::run_with(&sc, Some(Bug::NoSourceRewind)).expect("run");
    assert!(!r.summary.guarantee_held);
    // Not rewound, the source goes on from where it was when it was cancelled instead of
    // from checkpoint 5's offsets (triggered at 8.807 s: checkpoints every 2 s from 0.58 s,
    // when the last task's seeded deployment ended, and from the fourth on as soon as the
    // previous one completes, its upload of about 20.5 MB at 10 MB/s taking over 2 s): what
    // both partitions (2,500 records/s each) delivered in between is never read again. The
    // source is caught up (a whole chunk, 327 records, takes 130.8 ms to arrive in a
    // partition, longer than the 100 ms buffer timeout), so when the trigger reaches it, 1 ms
    // later (8.807969213 s), it first emits every record appended until then: 44,039, so
    // partition 0's offset is 22,020 and partition 1's 22,019. Cancelled at 11.11 s (failure
    // reported at 11.01 s, cancellation 100 ms) while waiting for data, it has read (emitted
    // as they came) the 55,550 records appended by then, 27,775 per partition. Lost:
    // partition 0's offsets [22,020, 27,775) and partition 1's [22,019, 27,775): 5,755 + 5,756.
    assert_eq!(r.summary.lost_records, 11_511);
    let p = r.summary.first_problem.unwrap();
    assert!(p.contains("lost partition"), "{p}");
    assert!(p.contains("checkpoint"), "{p}");
    assert!(
        p.contains("after task-failure of agg[0] at 11.000 s"),
        "{p}"
    );
}

#[test]
fn check_outcomes_do_not_depend_on_the_thread_count() {
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let a = one.install(|| check(&opts(100, Some(Bug::NoSinkAbort))).unwrap());
    let b = check(&opts(100, Some(Bug::NoSinkAbort))).unwrap();
    let (fa, sa) = a.failure.unwrap();
    let (fb, sb) = b.failure.unwrap();
    assert_eq!((fa.index, &fa.reason), (fb.index, &fb.reason));
    assert_eq!(sa.case, sb.case);
}

/// Found by `ckptsim check --cases 10000` (seed 0, case 5245, shrunk; the scenario
/// below is the counterexample it wrote): in at-least-once mode with max-concurrent 3,
/// a late barrier of an older checkpoint was counted towards the newer one, so a sink
/// snapshotted the final checkpoint before its data and lost 2,869 records. Barriers now
/// count per checkpoint, as in Flink's barrier tracker.
const REGRESSION_SEED_0_CASE_5245: &str = r#"
failover = "region"
name = "check-case"
seed = 330716

[checkpoint]
first-trigger = "on-running"
interval = "500ms"
max-concurrent = 3
min-pause = "100ms"
mode = "at-least-once"
timeout = "5191ms"
tolerable-failed = 0

[cluster]
slots-per-taskmanager = 3
taskmanagers = 1

[faults]
stochastic = []

[[faults.scripted]]
at = "33676ms"

[faults.scripted.taskmanager-loss]
taskmanager = 0

[job]
drain-timeout = "5min"
duration = "38000ms"
max-parallelism = 16

[[job.edge]]
from = "src"
partitioning = "hash"
to = "op0"

[[job.edge]]
from = "op0"
partitioning = "hash"
to = "sink"

[[job.operator]]
capacity = 14286
name = "op0"
output-ratio = 1
parallelism = 3

[job.operator.state]
bytes-per-key = 8
keys = 10130

[[job.sink]]
capacity = 16410
kind = "two-phase-commit"
name = "sink"
parallelism = 2

[[job.source]]
capacity = 12717
name = "src"
parallelism = 3
partitions = 3
rate = 7717
record-bytes = 50

[network]
buffer-timeout = "100ms"

[restart]
attempts = 22
delay = "2760ms"
strategy = "fixed-delay"

[storage]
bandwidth = 100000000
latency = "4ms"
"#;

#[test]
fn regression_check_seed_0_case_5245_late_barrier_of_an_older_checkpoint() {
    let r = run(REGRESSION_SEED_0_CASE_5245, &[]);
    assert_eq!(r.failures.len(), 1);
    assert_eq!(r.summary.job_status, ckptsim::metrics::JobStatus::Finished);
    assert!(r.summary.guarantee_held, "{:?}", r.summary.first_problem);
    assert_eq!(r.summary.lost_records, 0);
}
