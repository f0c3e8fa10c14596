//! The same scenario and seed give byte-identical output files (all but
//! perf.json); a different seed changes them where anything is random.

use crate::common::{ckptsim, scratch};
use std::path::Path;

const FILES: [&str; 6] = [
    "summary.json",
    "checkpoints.csv",
    "failures.csv",
    "timeseries.csv",
    "faults.toml",
    "timeline.png",
];

fn read(dir: &Path, f: &str) -> Vec<u8> {
    std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"))
}

fn run_into(dir: &Path, scenario: &str, extra: &[&str]) {
    let mut args = vec!["run", scenario, "--quiet", "--out", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = ckptsim(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn same_scenario_and_seed_give_identical_files() {
    let dir = scratch("determinism");
    let (a, b) = (dir.join("a"), dir.join("b"));
    run_into(&a, "scenarios/stochastic.toml", &[]);
    run_into(&b, "scenarios/stochastic.toml", &[]);
    for f in FILES {
        assert_eq!(
            read(&a, f),
            read(&b, f),
            "{f} differs between identical runs"
        );
    }
    assert!(a.join("perf.json").exists());
}

#[test]
fn a_different_seed_changes_the_random_outputs() {
    let dir = scratch("seeds");
    let (a, b) = (dir.join("a"), dir.join("b"));
    run_into(&a, "scenarios/stochastic.toml", &["--seed", "1"]);
    run_into(&b, "scenarios/stochastic.toml", &["--seed", "2"]);
    for f in ["faults.toml", "failures.csv", "summary.json"] {
        assert_ne!(read(&a, f), read(&b, f), "{f} should depend on the seed");
    }
}

#[test]
fn the_quickstart_writes_every_output_and_summary_holds_the_documented_keys() {
    let dir = scratch("quickstart");
    let out = ckptsim(&[
        "run",
        "scenarios/quickstart.toml",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("ckptsim: scenario \"quickstart\", seed 42"),
        "{stdout}"
    );
    assert!(stdout.contains("T + R"), "{stdout}");
    assert!(stdout.contains("exactly-once output: yes"), "{stdout}");
    let summary = String::from_utf8(read(&dir, "summary.json")).unwrap();
    for key in [
        "seed",
        "sim_seconds",
        "events",
        "checkpoints_completed",
        "checkpoints_failed",
        "failures",
        "mean_downtime_s",
        "mean_recovery_s",
        "records_replayed",
        "exactly_once",
        "duplicates",
        "lost_records",
    ] {
        assert!(
            summary.contains(&format!("\"{key}\":")),
            "summary.json lacks {key}"
        );
    }
    assert!(summary.contains("\"failures\": 2"), "{summary}");
    assert!(read(&dir, "timeline.png").starts_with(b"\x89PNG"));
    let perf = String::from_utf8(read(&dir, "perf.json")).unwrap();
    assert!(perf.contains("wall_s") && perf.contains("events_per_s"));
    // The realised schedule replays: same failures when used as the scenario's faults.
    let faults = String::from_utf8(read(&dir, "faults.toml")).unwrap();
    assert_eq!(faults.matches("[[faults.scripted]]").count(), 2);
}

#[test]
fn set_overrides_a_key_like_flinks_dash_d() {
    let dir = scratch("set");
    run_into(
        &dir.join("a"),
        "scenarios/quickstart.toml",
        &["--set", "checkpoint.interval=5s"],
    );
    let s = String::from_utf8(read(&dir.join("a"), "summary.json")).unwrap();
    let n: u64 = s
        .lines()
        .find(|l| l.contains("\"checkpoints_completed\""))
        .and_then(|l| l.split(':').nth(1))
        .map(|v| v.trim().trim_end_matches(',').parse().unwrap())
        .unwrap();
    // 10 min at 5 s ≈ 120 triggers, fewer across the two recoveries (the 10 s quickstart
    // completes 56).
    assert_eq!(n, 112);
}
