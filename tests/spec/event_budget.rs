//! A limit on every run: a scenario whose run stops advancing in simulated
//! time (a restart loop whose deployments into a dead TaskManager's slots fail
//! at once) is stopped by the event budget with an error that names the
//! budget, the instant and the settings to fix, and the binary exits with 2.

use ckptsim::scenario::parse_str;
use ckptsim::sim::{SimError, run};
use std::process::Command;

/// The quickstart with instant cancellation and deployment and exponential-delay
/// restarts: after the TaskManager loss at 6 min, every deployment into the dead
/// TaskManager's slots fails at the same instant, for ever.
const STUCK: [&str; 3] = [
    "recovery.cancel=0s",
    "recovery.deploy=0s",
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
            // The TaskManager dies at 360 s; the loop starts when the first restart comes due.
            assert!(at.as_secs_f64() > 360.0, "{at}");
        }
        other => panic!("expected the instant budget, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("134000 events"), "{msg}");
    assert!(msg.contains("recovery.deploy"), "{msg}");
    // The same scenario with the default deploy time runs to the end.
    let fine = parse_str(&text, "quickstart.toml", &sets[2..]).expect("valid");
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
