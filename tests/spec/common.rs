//! Shared helpers for the behaviour tests: scenarios from text, runs, binaries.
//! The shared job itself is in `fixture`.

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
