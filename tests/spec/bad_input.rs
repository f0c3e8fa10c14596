//! Bad input: the real binary rejects a broken scenario with exit code 2 and
//! one line naming the file, the line and the dotted key, never a panic or a
//! backtrace. Each case writes a small scenario to its own temp folder and
//! breaks one thing in it.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A valid scenario; each case breaks one line of it.
const VALID: &str = r#"name = "bad-input"
seed = 1

[job]
duration = "1min"

[[job.source]]
name = "src"
parallelism = 2
partitions = 2
rate = 1000
capacity = 10000

[[job.sink]]
name = "out"
parallelism = 2
capacity = 10000

[[job.edge]]
from = "src"
to = "out"
partitioning = "forward"

[checkpoint]
interval = "5s"

[cluster]
taskmanagers = 2

[[faults.scripted]]
at = "20s"
task-failure = { task = "src", subtask = 1 }
"#;

static CASE: AtomicUsize = AtomicUsize::new(0);

/// A fresh folder under the system temp dir, unique per process and case.
fn scratch() -> PathBuf {
    let n = CASE.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ckptsim-bad-input-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// `VALID` with its first `from` replaced by `to`.
fn broken(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "VALID has no {from:?}");
    VALID.replacen(from, to, 1)
}

/// Runs `ckptsim run <file> [--set ..]` on `text` and checks the rejection:
/// exit code 2, `where_` ("<file>:<line>" or "--set:?") and `key` on one
/// stderr line, `needle` in the message, no panic and no backtrace.
fn rejects(text: &str, sets: &[&str], line: Option<usize>, key: &str, needle: &str) {
    let dir = scratch();
    let file = dir.join("bad.toml");
    std::fs::write(&file, text).expect("write scenario");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ckptsim"));
    cmd.arg("run").arg(&file).arg("--out").arg(dir.join("out"));
    for s in sets {
        cmd.arg("--set").arg(s);
    }
    let out = cmd
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run ckptsim");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let where_ = match line {
        Some(l) => format!("{}:{l}", file.display()),
        None => "--set:?".to_string(),
    };
    let head = format!("{where_}: {key}: ");
    assert_eq!(out.status.code(), Some(2), "exit code; stderr:\n{stderr}");
    let error_line = stderr
        .lines()
        .find(|l| l.contains(&head))
        .unwrap_or_else(|| panic!("no line with {head:?} in stderr:\n{stderr}"));
    assert!(
        error_line.contains(needle),
        "{needle:?} not in {error_line:?}"
    );
    for bad in ["panicked", "stack backtrace", "RUST_BACKTRACE"] {
        assert!(!stderr.contains(bad), "{bad:?} in stderr:\n{stderr}");
    }
    assert!(
        !dir.join("out").exists(),
        "a rejected scenario must not write results"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_key_is_named_with_its_line() {
    let text = broken("interval = \"5s\"", "intervall = \"5s\"");
    rejects(
        &text,
        &[],
        Some(25),
        "checkpoint.intervall",
        "unknown field `intervall`",
    );
}

#[test]
fn wrong_type_says_what_is_expected() {
    let text = broken("parallelism = 2", "parallelism = \"two\"");
    rejects(
        &text,
        &[],
        Some(9),
        "job.source[0].parallelism",
        "expected an integer",
    );
}

#[test]
fn negative_duration_is_rejected() {
    let text = broken("duration = \"1min\"", "duration = \"-5s\"");
    rejects(&text, &[], Some(5), "job.duration", "negative");
}

#[test]
fn zero_parallelism_is_rejected() {
    let text = broken("parallelism = 2", "parallelism = 0");
    rejects(
        &text,
        &[],
        Some(9),
        "job.source[0].parallelism",
        "at least 1",
    );
}

#[test]
fn fault_on_a_missing_task_is_rejected() {
    let text = broken("task = \"src\"", "task = \"nope\"");
    let key = "faults.scripted[0].task-failure.task";
    rejects(&text, &[], Some(32), key, "no task is named `nope`");
}

#[test]
fn impossible_timeout_says_the_floor() {
    // 2 × 20ms storage latency + 2 × 1ms rpc latency + 1ms sync base = 43ms.
    let text = broken("interval = \"5s\"", "interval = \"5s\"\ntimeout = \"30ms\"");
    rejects(&text, &[], Some(26), "checkpoint.timeout", "43ms");
}

#[test]
fn bad_overrides_are_reported_against_set() {
    rejects(
        VALID,
        &["checkpoint.intervall=5s"],
        None,
        "checkpoint.intervall",
        "unknown field",
    );
    rejects(
        VALID,
        &["job.source[0].parallelism=0"],
        None,
        "job.source[0].parallelism",
        "at least 1",
    );
    rejects(
        VALID,
        &["checkpoint.interval"],
        None,
        "checkpoint.interval",
        "no `=`",
    );
}

#[test]
fn unaligned_checkpoints_need_exactly_once_and_one_at_a_time() {
    // Flink allows unaligned checkpoints only in exactly-once mode, one at a time.
    let text = broken(
        "interval = \"5s\"",
        "interval = \"5s\"\nunaligned = true\nmode = \"at-least-once\"",
    );
    rejects(&text, &[], Some(26), "checkpoint.unaligned", "exactly-once");
    let text = broken(
        "interval = \"5s\"",
        "interval = \"5s\"\nunaligned = true\nmax-concurrent = 2",
    );
    rejects(
        &text,
        &[],
        Some(27),
        "checkpoint.max-concurrent",
        "max-concurrent = 1",
    );
}
