//! A limit on every run: a scenario whose run stops advancing in simulated
//! time (a restart loop whose deployments into a dead TaskManager's slots are
//! refused at the very instant of the restart) is stopped by the event budget
//! with an error that names the budget, the instant and the settings to fix,
//! and the binary exits with 2.

use ckptsim::scenario::parse_str;
use ckptsim::sim::{SimError, run};
use ckptsim::time::SimTime;
use std::process::Command;

/// The quickstart with instant cancellation, RPCs that take no time and
/// exponential-delay restarts. After the TaskManager loss at 6 min, the first
/// restart deploys into the dead TaskManager's slots and is refused at once: a
/// failure at the pending restart's own time, which Flink's exponential-delay
/// strategy merges into that restart (no new attempt, no backoff left), so the
/// tasks are deployed again at the same instant and refused again, for ever.
const STUCK: [&str; 3] = [
    "recovery.cancel=0s",
    "cluster.rpc-latency=0s",
    "restart={strategy=\"exponential-delay\"}",
];

#[test]
fn a_run_that_stops_advancing_is_stopped_by_the_instant_budget() {
    let text = std::fs::read_to_string("scenarios/quickstart.toml").expect("quickstart");
    let sets: Vec<String> = STUCK.iter().map(|s| s.to_string()).collect();
    let sc = parse_str(&text, "quickstart.toml", &sets).expect("valid");
    let err = run(&sc).expect_err("the run must be stopped");
    // 100,000 + 1,000 per task and channel (10 tasks, 24 channels) = 134,000 events.
    match &err {
        SimError::InstantBudget { budget, at, .. } => {
            assert_eq!(*budget, 134_000);
            // The TaskManager dies at 360 s; its peers notice 200 ms later; the loop starts
            // when that failure's restart comes due: the second attempt since the task
            // failure at 180 s (no reset within an hour), backoff 1 s × 1.5 with the jitter
            // drawn from the seed = 1.386 s, at 360.2 + 1.386 = 361.586 s.
            assert_eq!(*at, SimTime(361_586_000_000));
        }
        other => panic!("expected the instant budget, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("134000 events"), "{msg}");
    assert!(msg.contains("361.586s"), "{msg}");
    assert!(msg.contains("recovery.cancel"), "{msg}");
    // The same scenario with a cancellation that takes its default 100 ms runs to the end:
    // the merged restart then waits for the cancel, and time moves on.
    let cancel = parse_str(&text, "quickstart.toml", &sets[1..]).expect("valid");
    assert!(run(&cancel).is_ok());
    // So does it with the default RPC latency (1 ms): the refusal then comes after the
    // restart's time, a new attempt with a longer backoff.
    let rpc = [sets[0].clone(), sets[2].clone()];
    let fine = parse_str(&text, "quickstart.toml", &rpc).expect("valid");
    assert!(run(&fine).is_ok());
}

#[test]
fn the_binary_reports_the_budget_and_exits_with_2() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ckptsim"));
    cmd.args(["run", "scenarios/quickstart.toml", "--quiet", "--out"])
        .arg(std::env::temp_dir().join("ckptsim-event-budget"));
    for s in STUCK {
        cmd.args(["--set", s]);
    }
    let out = cmd.output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("stopped advancing"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
