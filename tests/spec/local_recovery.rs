//! Task-local recovery (`state.local-recovery`, Flink's
//! `execution.state-recovery.from-local`): a task restarted in the TaskManager
//! that took its snapshot reads the local copy from disk instead of
//! downloading it; one whose TaskManager died downloads as before.
//!
//! The keyed fixture with every deployment 500 ms (no spread): checkpoint 12
//! (55.5 s) holds 4,999,924 B of keyed state per aggregate; storage 20 ms and
//! 100 MB/s shared; state rebuilt at 200 MB/s (0.02499962 s per aggregate).

use crate::fixture::Job;

fn job(local: bool) -> Job {
    Job::keyed()
        .set("recovery", "deploy-spread", "0")
        .set("heartbeat", "phase", "\"0s\"")
        .set("state", "local-recovery", &local.to_string())
}

#[test]
fn a_task_restarted_in_place_reads_its_local_copy() {
    let remote = job(false).task_failure("60s", "agg", 0).run(&[]);
    let local = job(true).task_failure("60s", "agg", 0).run(&[]);
    // Without: both aggregates download their halves over the shared 100 MB/s,
    // 20 ms + 9,999,848 B ÷ 100 MB/s = 0.11999848 s, then rebuild: 0.1449981 s.
    assert_eq!(remote.failures[0].restore_s, 0.1449981);
    // With: both restart in their own TaskManager, alive since the snapshot, and read
    // 4,999,924 B from its disk at 500 MB/s (state.local-disk-speed) = 0.009999848 s,
    // then rebuild 0.02499962 s: 0.034999468 s, no storage request.
    assert_eq!(local.failures[0].restore_s, 0.034999468);
    // Everything before the restore is the same.
    let (r, l) = (&remote.failures[0], &local.failures[0]);
    assert_eq!(
        (r.detection_s, r.restart_delay_s, r.deploy_s),
        (l.detection_s, l.restart_delay_s, l.deploy_s)
    );
    assert_eq!(l.restored_checkpoint, 12);
    assert!(
        local.summary.exactly_once,
        "{:?}",
        local.summary.first_problem
    );
}

#[test]
fn a_task_whose_taskmanager_died_downloads_its_state() {
    // TaskManager 1 dies at 60 s; its replacement (same position, a new process) takes
    // agg[1] at 90.5 s (see task_failure_recovery). agg[0] restarts in TaskManager 0.
    let remote = job(false).taskmanager_loss("60s", 1).run(&[]);
    let local = job(true).taskmanager_loss("60s", 1).run(&[]);
    assert_eq!(remote.failures[0].restore_s, 0.1449981);
    // With local recovery agg[0] reads its copy (0.034999468 s) and only agg[1], whose
    // copy died with its TaskManager, downloads: alone on the 100 MB/s, 20 ms +
    // 4,999,924 B ÷ 100 MB/s = 0.06999924 s, then rebuilds: 0.09499886 s, the restore.
    assert_eq!(local.failures[0].restore_s, 0.09499886);
    assert!(
        local.summary.exactly_once,
        "{:?}",
        local.summary.first_problem
    );
}

#[test]
fn local_recovery_is_off_by_default_as_in_flink() {
    let default = Job::keyed()
        .set("recovery", "deploy-spread", "0")
        .task_failure("60s", "agg", 0)
        .run(&[]);
    assert_eq!(default.failures[0].restore_s, 0.1449981);
}
