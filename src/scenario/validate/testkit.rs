//! A minimal valid scenario and helpers for the validation tests: each test
//! breaks one thing in it.

use crate::scenario::{ScenarioError, parse_str};

/// A valid scenario; each test breaks one thing in it.
pub const MINIMAL: &str = r#"[job]
duration = "1min"

[[job.source]]
name = "src"
parallelism = 2
partitions = 2
rate = 1000
capacity = 10000

[[job.operator]]
name = "op"
parallelism = 2
capacity = 5000
state = { keys = 100, bytes-per-key = 8 }

[[job.sink]]
name = "out"
parallelism = 1
capacity = 5000

[[job.edge]]
from = "src"
to = "op"
partitioning = "forward"

[[job.edge]]
from = "op"
to = "out"
partitioning = "rebalance"

[checkpoint]
interval = "10s"

[cluster]
taskmanagers = 2

[restart]
strategy = "fixed-delay"
attempts = 3

[[faults.scripted]]
at = "30s"
task-failure = { task = "op", subtask = 1 }
"#;

/// `MINIMAL` with the first `from` replaced by `to`.
pub fn with(from: &str, to: &str) -> String {
    assert!(MINIMAL.contains(from), "MINIMAL has no {from:?}");
    MINIMAL.replacen(from, to, 1)
}

/// Expects `text` to be rejected at `line` and `key` with `needle` in the message.
pub fn rejects(text: &str, line: usize, key: &str, needle: &str) -> ScenarioError {
    let e = parse_str(text, "t.toml", &[]).expect_err("should be rejected");
    assert_eq!((e.line, e.key.as_str()), (Some(line), key), "{e}");
    assert!(e.message.contains(needle), "{e}");
    assert!(!e.message.contains('\n'), "{e}");
    e
}
