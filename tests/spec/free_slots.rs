//! Free slots and the two resource managers: when the heartbeat declares a
//! TaskManager lost, its slot-sharing slots move into free slots of live
//! TaskManagers at once; only when none is free does an active resource
//! manager start a TaskManager (`taskmanager-startup` later), while a
//! standalone cluster waits until the slot request times out
//! (`slot-request-timeout`, a new failure for the restart strategy). A task
//! restarted after a plain task failure keeps its slot.

use crate::common::{ckptsim, scratch};
use crate::fixture::{Job, Restart};
use ckptsim::metrics::{FailureKind, FailureRecord, JobStatus};

/// The keyed job (src → hash → agg → forward → sink, p = 2, one slot per
/// TaskManager) on `taskmanagers` TaskManagers under resource manager `rm`;
/// agg holds 1000 keys × 10 kB, so each agg subtask's snapshot is 500 keys ×
/// 10,000 B = 5 MB once every key was seen (it has seen ~250,000 records by
/// the checkpoint of 25.5 s: 500·(1 − e^(−500)) = 500 keys). Heartbeat requests
/// at 1 s + k·10 s; no deployment spread; new TaskManagers start in 7 s;
/// fixed-delay restarts 10.8 s apart. tm-1 (slot-sharing slot 1) dies at 30 s.
///
/// Timeline: the peers notice at 30.2 s and the restart comes at 30.2 + 10.8 =
/// 41 s; the heartbeat request of 31 s fails first, the one of 41 s second, so
/// tm-1 is declared lost at 41 s, just before that restart (no refused
/// deployment in between).
fn tm_loss(taskmanagers: u32, rm: &str) -> Job {
    base(taskmanagers, rm).taskmanager_loss("30s", 1)
}

/// `tm_loss` without its fault.
fn base(taskmanagers: u32, rm: &str) -> Job {
    Job::keyed()
        .state(1000, 10_000)
        .cluster(taskmanagers, 1)
        .set("cluster", "resource-manager", &format!("\"{rm}\""))
        .set("cluster", "taskmanager-startup", "\"7s\"")
        .set("heartbeat", "phase", "\"1s\"")
        .set("recovery", "deploy-spread", "0")
        .restart(Restart::FixedDelay {
            attempts: 100,
            delay: "10.8s",
        })
}

/// Restore of the whole job: storage latency 20 ms, then the two agg
/// subtasks' 5 MB share 100 MB/s (0.1 s), then each rebuilds its 5 MB at
/// 200 MB/s (0.025 s); the other tasks' state is inline.
const RESTORE_S: f64 = 0.02 + 0.1 + 0.025;

/// Equal up to float noise (the figures are exact in nanoseconds).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// A TaskManager loss whose downtime phases are as given and add up, with `RESTORE_S`.
fn assert_phases(f: &FailureRecord, detection: f64, restart: f64, deploy: f64) {
    assert_eq!(f.kind, FailureKind::TaskmanagerLoss);
    assert!(close(f.detection_s, detection), "{f:?}");
    assert!(close(f.restart_delay_s, restart), "{f:?}");
    assert!(close(f.deploy_s, deploy), "{f:?}");
    assert!(close(f.restore_s, RESTORE_S), "{f:?}");
    // Checkpoints trigger at 0.5 s + k·5 s: the one of 25.5 s (id 6) is restored.
    assert_eq!(f.restored_checkpoint, 6);
    let sum = f.detection_s + f.restart_delay_s + f.deploy_s + f.restore_s;
    assert!(close(f.downtime_s, sum), "{f:?}");
}

#[test]
fn a_spare_taskmanager_takes_the_lost_slots_as_soon_as_the_loss_is_declared() {
    // 3 TaskManagers × 1 slot, parallelism 2: tm-2 is an idle spare. Declared lost at
    // 41 s, slot-sharing slot 1 moves into tm-2's free slot at once; the restart at
    // 41 s deploys there (0.5 s): downtime = 11 (detection) + 0 (restart delay) + 0.5
    // (deploy) + 0.145 (restore) = 11.645 s, one restart, no start-up wait. A
    // standalone cluster does the same: no new TaskManager is needed.
    for rm in ["active", "standalone"] {
        let r = tm_loss(3, rm).run(&[]);
        assert_eq!(r.summary.job_status, JobStatus::Finished, "{rm}");
        assert_eq!(r.failures.len(), 1, "{rm}");
        let f = &r.failures[0];
        assert_phases(f, 11.0, 0.0, 0.5);
        assert!(close(f.downtime_s, 11.645), "{rm}: {f:?}");
        assert_eq!((f.restarts, f.restarted_tasks), (1, 6), "{rm}");
    }
    // The slot-sharing slot lives on tm-2 now: losing tm-2 at 60 s kills its tasks
    // (a second failure), losing tm-1 again does nothing (it is gone).
    let spare_lost = tm_loss(3, "active").taskmanager_loss("60s", 2).run(&[]);
    assert_eq!(spare_lost.failures.len(), 2);
    assert_eq!(spare_lost.failures[1].target, "tm-2");
    let old_lost = tm_loss(3, "active").taskmanager_loss("60s", 1).run(&[]);
    assert_eq!(old_lost.failures.len(), 1);
}

#[test]
fn without_a_free_slot_an_active_resource_manager_starts_a_taskmanager() {
    // 2 TaskManagers × 1 slot: no free slot. A new TaskManager is requested when tm-1
    // is declared lost (41 s) and registers at 41 + 7 = 48 s; the tasks, restarted at
    // 41 s, deploy then: deploy = 7 (waiting for the slot) + 0.5 = 7.5 s, downtime =
    // 11 + 0 + 7.5 + 0.145 = 18.645 s.
    let r = tm_loss(2, "active").run(&[]);
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    let f = &r.failures[0];
    assert_phases(f, 11.0, 0.0, 7.5);
    assert!(close(f.downtime_s, 18.645), "{f:?}");
    // The spare saves exactly the start-up wait.
    let spare = tm_loss(3, "active").run(&[]);
    let saved = f.downtime_s - spare.failures[0].downtime_s;
    assert!(close(saved, 7.0), "{saved}");
    // The new TaskManager took position 1 and runs the slot-sharing slot; the heartbeat
    // watches it from its registration: losing it at 60 s is a second failure, declared
    // at 71 s (61 s fails, 71 s declares).
    let again = tm_loss(2, "active").taskmanager_loss("60s", 1).run(&[]);
    assert_eq!(again.failures.len(), 2);
    assert_eq!(again.failures[1].detection_s, 11.0);
}

#[test]
fn a_lost_spare_is_not_replaced_and_its_slots_are_not_offered() {
    // The idle spare tm-2 dies at 5 s: no task fails (no failure row); the heartbeat
    // declares it lost at 21 s and, since free slots are not needed then, no new
    // TaskManager starts. When tm-1 dies at 30 s no free slot is left: a new
    // TaskManager registers at 48 s, as without a spare (deploy 7.5 s). Had tm-2 been
    // replaced at 21 + 7 = 28 s, slot-sharing slot 1 would have moved there at 41 s.
    let r = base(3, "active")
        .taskmanager_loss("5s", 2)
        .taskmanager_loss("30s", 1)
        .run(&[]);
    assert_eq!(r.failures.len(), 1);
    assert_phases(&r.failures[0], 11.0, 0.0, 7.5);
}

#[test]
fn a_standalone_cluster_without_a_free_slot_fails_the_slot_request_after_its_timeout() {
    // 2 TaskManagers × 1 slot, standalone, fixed-delay with 2 attempts. Restart 1 at
    // 41 s finds no slot for slot-sharing slot 1 and no TaskManager ever comes: the
    // request fails after slot.request.timeout (5 min) at 341 s, a new failure
    // handled at once; restart 2 at 341 + 10.8 = 351.8 s waits again and fails at
    // 651.8 s; the strategy has no attempt left and the job fails then.
    let job = tm_loss(2, "standalone").restart(Restart::FixedDelay {
        attempts: 2,
        delay: "10.8s",
    });
    let r = job.run(&[]);
    assert_eq!(r.summary.job_status, JobStatus::Failed);
    assert!(
        close(r.summary.sim_seconds, 651.8),
        "{}",
        r.summary.sim_seconds
    );
    let f = &r.failures[0];
    assert_eq!(f.restarts, 2);
    assert_eq!(f.downtime_s, -1.0);
    assert_eq!(f.detection_s, 11.0);
    let cause = r.summary.failure_cause.as_deref().unwrap_or("");
    assert!(cause.contains("NoResourceAvailableException"), "{cause}");
    assert!(cause.contains("slot-request-timeout 5min"), "{cause}");
    // The timeout is a setting: 20 s fails at 41 + 20 + 10.8 + 20 = 91.8 s.
    let r = job.run(&["cluster.slot-request-timeout=\"20s\""]);
    assert!(
        close(r.summary.sim_seconds, 91.8),
        "{}",
        r.summary.sim_seconds
    );
    // With exponential-delay (unbounded attempts) the job keeps trying until the run
    // ends (120 s + 10 min drain timeout) and never runs again: after the declaration
    // every attempt waits 5 min for a slot that never comes.
    let r = tm_loss(2, "standalone")
        .restart(Restart::FlinkDefault)
        .run(&[]);
    assert_eq!(r.summary.job_status, JobStatus::Running);
    assert_eq!(r.summary.sim_seconds, 720.0);
    assert_eq!(r.failures[0].downtime_s, -1.0);
}

#[test]
fn a_task_restarted_after_a_task_failure_keeps_its_slot() {
    // 3 TaskManagers × 1 slot, parallelism 2, tm-2 idle. agg[1] throws at 30 s; the
    // whole job restarts (hash edge) in the slots it had: slot-sharing slot 1 stays
    // on tm-1. Losing the spare tm-2 at 60 s hits no task (no second failure);
    // losing tm-1 at 60 s kills slot-sharing slot 1 again.
    let job = || base(3, "active").task_failure("30s", "agg", 1);
    let spare_lost = job().taskmanager_loss("60s", 2).run(&[]);
    assert_eq!(spare_lost.failures.len(), 1, "{:?}", spare_lost.failures);
    assert_eq!(spare_lost.failures[0].kind, FailureKind::TaskFailure);
    let home_lost = job().taskmanager_loss("60s", 1).run(&[]);
    assert_eq!(home_lost.failures.len(), 2);
    assert_eq!(home_lost.failures[1].kind, FailureKind::TaskmanagerLoss);
    assert_eq!(home_lost.failures[1].restarted_tasks, 6);
}

#[test]
fn an_unknown_resource_manager_is_rejected_with_file_line_and_key() {
    let dir = scratch("bad-resource-manager");
    let file = dir.join("bad.toml");
    let text = tm_loss(2, "mesos").toml();
    std::fs::write(&file, &text).expect("write scenario");
    let line = 1 + text
        .lines()
        .position(|l| l.starts_with("resource-manager"))
        .expect("the key is written");
    let file_s = file.to_string_lossy().to_string();
    let out_dir = dir.join("out").to_string_lossy().to_string();
    let out = ckptsim(&["run", &file_s, "--out", &out_dir]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let head = format!("{file_s}:{line}: cluster.resource-manager: ");
    assert!(stderr.contains(&head), "{head:?} not in {stderr}");
    assert!(
        stderr.contains("unknown variant `mesos`, expected `active` or `standalone`"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
