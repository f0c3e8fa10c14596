//! Exponential-delay backoff as Flink (1.19+/2.x) computes it: the backoff of
//! attempt k is initial × multiplier^k in whole milliseconds, capped at the
//! maximum (exactly the maximum once the uncapped value passes it); a failure
//! during a pending backoff is merged into it (it restarts at the same time
//! and is not a restart of its own); the attempts limit and the "gave up after
//! N restart(s)" cause count new attempts only.

use crate::common::run;
use ckptsim::metrics::JobStatus;

/// Two independent pipelines (forward edges only: two failover regions),
/// one record every 100 ms per partition, zero-cost tasks, small state.
/// Failures are reported after 10 ms; cancel 100 ms, deploy exactly 500 ms
/// per task (no spread), so every restart is complete 0.5 s after the backoff
/// (plus the nanoseconds that rebuild a few bytes of inline state). Exponential
/// delay without jitter: 1 s, 1.5 s, 2.25 s, then capped at 3 s.
const TWO_PIPELINES: &str = r#"
name = "two-pipelines"
seed = 11
[job]
duration = "60s"
[[job.source]]
name = "src"
parallelism = 2
partitions = 2
rate = 20
capacity = 1000000000000
[[job.sink]]
name = "sink"
parallelism = 2
capacity = 1000000000000
[[job.edge]]
from = "src"
to = "sink"
partitioning = "forward"
[checkpoint]
interval = "5s"
[cluster]
taskmanagers = 2
slots-per-taskmanager = 1
rpc-latency = "1ms"
[recovery]
failure-report-delay = "10ms"
cancel = "100ms"
deploy = "500ms"
deploy-spread = 0
[restart]
strategy = "exponential-delay"
initial-backoff = "1s"
max-backoff = "3s"
backoff-multiplier = 1.5
jitter-factor = 0.0
"#;

fn failure(at: &str, subtask: u32) -> String {
    format!("{{ at = \"{at}\", task-failure = {{ task = \"src\", subtask = {subtask} }} }}")
}

fn faults(list: &[(&str, u32)]) -> String {
    let items: Vec<String> = list.iter().map(|&(at, s)| failure(at, s)).collect();
    format!("faults.scripted=[{}]", items.join(", "))
}

#[test]
fn each_backoff_is_initial_times_multiplier_to_the_attempt_capped_at_the_max() {
    // Failures 10 s apart, each long after the previous restart and well within
    // the 1 h reset threshold: attempts 0, 1, 2, 3, 4.
    let f = faults(&[("10s", 0), ("20s", 0), ("30s", 0), ("40s", 0), ("50s", 0)]);
    let r = run(TWO_PIPELINES, &[&f]);
    let delays: Vec<f64> = r.failures.iter().map(|f| f.restart_delay_s).collect();
    // 1000 ms · 1.5^k = 1000, 1500, 2250, 3375 -> 3000, 5062 -> 3000.
    assert_eq!(delays, [1.0, 1.5, 2.25, 3.0, 3.0]);
    assert!(r.failures.iter().all(|f| f.restarts == 1));
    assert_eq!(r.summary.job_status, JobStatus::Finished);
}

#[test]
fn the_backoff_resets_after_the_threshold_from_the_last_restart_time() {
    // Reset threshold 10 s, measured from the last restart time (not the last
    // failure): failure at 10 s restarts at 11.01 s; a failure handled at
    // 21.01 s is exactly 10 s later, so the backoff resets to 1 s. A failure
    // handled at 30.01 s is 7.99 s after that restart (22.01 s): it grows to 1.5 s.
    let f = faults(&[("10s", 0), ("21s", 0), ("30s", 0)]);
    let r = run(TWO_PIPELINES, &[&f, "restart.reset-backoff-threshold=10s"]);
    let delays: Vec<f64> = r.failures.iter().map(|f| f.restart_delay_s).collect();
    assert_eq!(delays, [1.0, 1.0, 1.5]);
}

#[test]
fn a_failure_during_the_backoff_restarts_with_it_and_is_not_a_restart() {
    // src/0 fails at 10 s (handled 10.01 s, restart due at 11.01 s); src/1, the
    // other region, fails at 10.4 s (handled 10.41 s): merged, its delay is
    // what is left, 600 ms, and it uses no attempt.
    let f = faults(&[("10s", 0), ("10.4s", 1)]);
    let r = run(TWO_PIPELINES, &[&f]);
    assert_eq!(r.failures.len(), 2);
    assert_eq!(r.failures[0].restart_delay_s, 1.0);
    assert_eq!(r.failures[0].restarts, 1);
    assert_eq!(r.failures[1].restart_delay_s, 0.6);
    assert_eq!(r.failures[1].restarts, 0);
    // Both regions run again after the common restart at 11.01 s + deploy 0.5 s +
    // restore: each sink rebuilds its 128 B of inline transaction state at 200 MB/s,
    // 640 ns (each source its 16 B of offsets, 80 ns, meanwhile): 11.51000064 s.
    assert_eq!(r.failures[0].downtime_s, 1.51000064);
    assert_eq!(r.failures[1].downtime_s, 1.11000064);
    assert_eq!(r.summary.job_status, JobStatus::Finished);
}

#[test]
fn the_attempts_limit_and_the_failure_cause_count_new_attempts_only() {
    // attempts = 1: the first failure is attempt 1, the merged one uses none,
    // the failure at 30 s is attempt 2 > 1: the job fails, after 1 restart.
    let f = faults(&[("10s", 0), ("10.4s", 1), ("30s", 0)]);
    let r = run(TWO_PIPELINES, &[&f, "restart.attempts=1"]);
    assert_eq!(r.summary.job_status, JobStatus::Failed);
    let cause = r.summary.failure_cause.as_deref().unwrap();
    assert!(
        cause.starts_with("the restart strategy gave up after 1 restart(s)"),
        "{cause}"
    );
    assert_eq!(r.summary.sim_seconds, 30.01);
}

#[test]
fn jitter_is_drawn_around_each_attempt_from_the_runs_seed() {
    // Jitter 0.25: attempt k lies within floor(b_k · 0.25) of b_k = floor(1000 · 1.5^k) ms,
    // at least 1 s and at most 3 s, in whole milliseconds; the same seed draws the same delays.
    let f = faults(&[("10s", 0), ("20s", 0), ("30s", 0), ("40s", 0)]);
    let sets = [f.as_str(), "restart.jitter-factor=0.25"];
    let r = run(TWO_PIPELINES, &sets);
    let delays_ms: Vec<u64> = r
        .failures
        .iter()
        .map(|f| (f.restart_delay_s * 1000.0).round() as u64)
        .collect();
    for (k, &d) in delays_ms.iter().enumerate() {
        let b = (1000.0 * 1.5f64.powi(k as i32)) as u64;
        let off = b / 4;
        let (lo, hi) = ((b - off).max(1000), (b + off).min(3000));
        assert!((lo..=hi).contains(&d), "attempt {k}: {d} ms");
    }
    let again = run(TWO_PIPELINES, &sets);
    let again_ms: Vec<u64> = again
        .failures
        .iter()
        .map(|f| (f.restart_delay_s * 1000.0).round() as u64)
        .collect();
    assert_eq!(delays_ms, again_ms);
}
