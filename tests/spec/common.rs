//! Shared helpers for the behaviour tests: scenarios from text, runs, binaries.

use ckptsim::metrics::RunResult;
use ckptsim::scenario::{Scenario, parse_str};
use std::path::PathBuf;
use std::process::{Command, Output};

/// Parses a scenario written in the test (panics with the error: a test bug).
pub fn scenario(text: &str, overrides: &[&str]) -> Scenario {
    let sets: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    parse_str(text, "test.toml", &sets).unwrap_or_else(|e| panic!("test scenario invalid: {e}"))
}

/// Runs a scenario written in the test.
pub fn run(text: &str, overrides: &[&str]) -> RunResult {
    ckptsim::sim::run(&scenario(text, overrides)).unwrap_or_else(|e| panic!("run stopped: {e}"))
}

/// A fresh, empty scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ckptsim-spec-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Runs the real binary with `args`.
pub fn ckptsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ckptsim"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run ckptsim")
}

/// A small keyed job: source p=2 (4 partitions) → hash → keyed aggregate p=2 → forward → sink p=2,
/// two TaskManagers with one slot each. `{sink}` is the sink kind.
pub fn keyed_job(sink: &str) -> String {
    format!(
        r#"
name = "keyed"
seed = 7
[job]
duration = "2min"
[[job.source]]
name = "src"
parallelism = 2
partitions = 4
rate = 20000
record-bytes = 100
capacity = 200000
[[job.operator]]
name = "agg"
parallelism = 2
capacity = 50000
state = {{ keys = 100000, bytes-per-key = 100 }}
[[job.sink]]
name = "sink"
parallelism = 2
kind = "{sink}"
capacity = 200000
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
[storage]
latency = "20ms"
bandwidth = "100MB/s"
[cluster]
taskmanagers = 2
slots-per-taskmanager = 1
[restart]
strategy = "fixed-delay"
attempts = 100
delay = "1s"
"#
    )
}
