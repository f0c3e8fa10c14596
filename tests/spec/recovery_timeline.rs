//! The recovery timeline as Flink runs it: tasks start one by one and the
//! checkpoint scheduler waits for the last; a dead TaskManager is declared
//! lost by the JobManager's heartbeat loop on its own phase, deployments into
//! its slots fail fast meanwhile; a restore downloads the state and then
//! rebuilds the backend at its own rate; the phases of the downtime add up;
//! and a recovery cut short books the work since the last completed
//! checkpoint, never more than the run.

use crate::common::{run, scenario};
use ckptsim::metrics::{FailureKind, JobStatus};

fn quickstart() -> String {
    std::fs::read_to_string("scenarios/quickstart.toml").expect("quickstart")
}

/// One source, one keyed aggregate holding 1000 keys × 100 kB = 100 MB once it
/// has seen every key, one sink, all in one TaskManager.
const KEYED_100MB: &str = r#"
name = "keyed-100mb"
seed = 5
[job]
duration = "40s"
max-parallelism = 128
[[job.source]]
name = "src"
parallelism = 1
partitions = 1
rate = 1000
capacity = 1000000
[[job.operator]]
name = "agg"
parallelism = 1
capacity = 1000000
state = { keys = 1000, bytes-per-key = 100000 }
[[job.sink]]
name = "sink"
parallelism = 1
capacity = 1000000
[[job.edge]]
from = "src"
to = "agg"
partitioning = "hash"
[[job.edge]]
from = "agg"
to = "sink"
partitioning = "forward"
[checkpoint]
interval = "5s"
restore-speed = "50MB/s"
[storage]
latency = "10ms"
bandwidth = "100MB/s"
[recovery]
deploy-spread = 0
[restart]
strategy = "fixed-delay"
attempts = 3
delay = "1s"
[[faults.scripted]]
at = "22.05s"
task-failure = { task = "agg", subtask = 0 }
"#;

#[test]
fn the_first_checkpoint_waits_for_the_last_task_to_run() {
    // With no spread every task is deployed after exactly recovery.deploy (500 ms),
    // restores nothing, and runs: the first checkpoint triggers then.
    let r = run(KEYED_100MB, &[]);
    assert_eq!(r.checkpoints[0].trigger_s, 0.5);
    // With a spread of 20 % the deployments end between 0.4 s and 0.6 s, one by one;
    // the first trigger is the last of them.
    let r = run(KEYED_100MB, &["recovery.deploy-spread=0.2"]);
    let first = r.checkpoints[0].trigger_s;
    assert!(first > 0.4 && first <= 0.6 && first != 0.5, "{first}");
}

#[test]
fn restore_is_download_plus_rebuilding_the_backend() {
    let r = run(KEYED_100MB, &[]);
    let f = &r.failures[0];
    // The restored checkpoint (triggered at 20.5 s) holds agg's 1000 keys × 100 kB
    // = 100,000,000 bytes (1000·(1 − e^(−20000/1000)) rounds to 1000 keys). Restore
    // = storage latency 10 ms + download 1e8 B ÷ 100 MB/s = 1 s + rebuild 1e8 B ÷
    // 50 MB/s = 2 s; the source's and sink's state is inline and rebuilt in
    // nanoseconds, in parallel.
    assert_eq!(f.restored_checkpoint, 5);
    assert!((f.restore_s - 3.01).abs() < 1e-9, "{}", f.restore_s);
    // Twice the restore speed: the rebuild takes 1 s instead of 2 s.
    let fast = run(KEYED_100MB, &["checkpoint.restore-speed=\"100MB/s\""]);
    assert!((fast.failures[0].restore_s - 2.01).abs() < 1e-9);
}

#[test]
fn a_dead_taskmanager_is_declared_lost_on_the_heartbeat_phase_and_deploys_fail_fast() {
    let sets = ["heartbeat.phase=\"3s\"", "recovery.deploy-spread=0"];
    let sc = scenario(&quickstart(), &sets);
    let r = ckptsim::sim::run(&sc).expect("run");
    let f = &r.failures[1];
    assert_eq!(f.kind, FailureKind::TaskmanagerLoss);
    // tm-1 dies at 360 s. Heartbeat requests go out at 3 s + k·10 s: 363 s fails
    // first, 373 s is the second failure in a row (threshold 2): detection 13 s.
    assert_eq!(f.detection_s, 13.0);
    // Meanwhile: handled at 360.2 s (connection loss); fixed-delay restarts every
    // 3 s, each deployment into the dead slots refused after one RPC (1 ms):
    // 363.2, 366.201, 369.202, 372.203 fail; 375.204 finds the slots gone and
    // waits: 5 restarts. Restart delay after detection 375.204 − 373 = 2.204 s.
    assert_eq!(f.restarts, 5);
    assert!((f.restart_delay_s - 2.204).abs() < 1e-9);
    // The replacement registers 10 s after 373 s, deployment takes 0.5 s: 383.5 s.
    assert!((f.deploy_s - 8.296).abs() < 1e-9);
}

#[test]
fn the_phases_of_the_downtime_and_the_recovery_add_up() {
    for sets in [vec![], vec!["heartbeat.phase=\"7s\""]] {
        let r = run(&quickstart(), &sets);
        assert_eq!(r.failures.len(), 2);
        for f in &r.failures {
            let phases = f.detection_s + f.restart_delay_s + f.deploy_s + f.restore_s;
            assert!((phases - f.downtime_s).abs() < 1e-9, "{f:?}");
            assert!(
                (f.downtime_s + f.replay_s + f.catch_up_s - f.recovery_s).abs() < 1e-9,
                "{f:?}"
            );
        }
    }
}

#[test]
fn detection_of_a_lost_taskmanager_is_uniform_over_its_window() {
    // The heartbeat loop's phase is drawn per seed: with interval 10 s and threshold
    // 2, detection falls in (10 s, 20 s], uniformly. 100 seeds: every value in the
    // window, the mean within 1 s of 15 s (3.4 standard errors), each half of the
    // window about half.
    let text = quickstart();
    let mut ds = Vec::new();
    let only_tm_loss =
        "faults.scripted=[{ at = \"360s\", taskmanager-loss = { taskmanager = 1 } }]";
    for seed in 0..100 {
        let seed = format!("seed={seed}");
        let sets = [
            seed.as_str(),
            "job.duration=\"361s\"",
            "job.source[0].rate=1000",
            only_tm_loss,
        ];
        let sc = scenario(&text, &sets);
        let r = ckptsim::sim::run(&sc).expect("run");
        let f = r
            .failures
            .iter()
            .find(|f| f.kind == FailureKind::TaskmanagerLoss)
            .expect("tm loss");
        ds.push(f.detection_s);
    }
    assert!(ds.iter().all(|&d| d > 10.0 && d <= 20.0), "{ds:?}");
    let mean = ds.iter().sum::<f64>() / ds.len() as f64;
    assert!((mean - 15.0).abs() < 1.0, "{mean}");
    let low = ds.iter().filter(|&&d| d <= 15.0).count();
    assert!((35..=65).contains(&low), "{low}");
}

#[test]
fn a_recovery_cut_short_books_the_work_since_the_last_completed_checkpoint() {
    // One attempt only: the TaskManager loss's first deployment into the dead slots
    // fails and the restart strategy gives up. The failure never recovered; its lost
    // work runs from the trigger of the latest checkpoint completed before 360 s, not
    // from the start of the run.
    let r = run(
        &quickstart(),
        &["restart={strategy=\"fixed-delay\", attempts=1, delay=\"3s\"}"],
    );
    assert_eq!(r.summary.job_status, JobStatus::Failed);
    let f = r.failures.last().expect("failure");
    assert_eq!(f.downtime_s, -1.0);
    assert!(
        f.lost_work_s > 0.0 && f.lost_work_s <= 10.0,
        "{}",
        f.lost_work_s
    );
    let (_, lost) = r.time_lost_s();
    assert!(lost <= r.summary.sim_seconds, "{lost}");
}
