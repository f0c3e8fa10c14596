//! Exponential-delay restarts inside a run (`restart-strategy.exponential-delay.*`):
//! each failure's restart delay is the previous one × multiplier, capped at
//! max-backoff, jittered by the seeded "restart-jitter" stream and clamped to
//! [initial, max]; a failure that comes reset-backoff-threshold + the current
//! backoff or later after the previous one starts again from initial-backoff.
//!
//! These tests pin what `src/restart.rs` does today. Flink (1.19+,
//! ExponentialDelayRestartBackoffTimeStrategy) computes the backoff from the
//! attempt count, initial × multiplier^attempt, and jitters that value, so its
//! jitter does not compound from one failure to the next as it does here; with
//! jitter-factor 0 both give the same delays.

use crate::fixture::{Job, Restart};
use ckptsim::metrics::{JobStatus, RunResult};

/// Initial 1 s, multiplier 1.5, max 4 s, reset threshold 20 s.
fn backoff(jitter: f64) -> Restart {
    Restart::ExponentialDelay {
        initial: "1s",
        max: "4s",
        multiplier: 1.5,
        reset_threshold: "20s",
        jitter,
    }
}

/// The keyed job with agg[1] failing every 10 s from 10 s to 60 s (each after the job
/// recovered from the one before), then once more at `last`.
fn failing(restart: Restart, last: &str) -> RunResult {
    ["10s", "20s", "30s", "40s", "50s", "60s", last]
        .iter()
        .fold(Job::keyed().restart(restart), |job, at| {
            job.task_failure(at, "agg", 1)
        })
        .run(&[])
}

fn delays(r: &RunResult) -> Vec<f64> {
    r.failures.iter().map(|f| f.restart_delay_s).collect()
}

#[test]
fn without_jitter_the_delay_grows_by_the_multiplier_up_to_the_max() {
    let r = failing(backoff(0.0), "83.99s");
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    assert_eq!(r.summary.events, 79_747);
    // 1 s, then × 1.5: 1.5 s, 2.25 s, 3.375 s; 5.0625 s is capped at 4 s, and stays there.
    // The last failure comes 23.99 s after the one at 60 s, less than the threshold 20 s
    // + the current backoff 4 s: no reset, 4 s again.
    assert_eq!(delays(&r), [1.0, 1.5, 2.25, 3.375, 4.0, 4.0, 4.0]);
    // Each downtime is report 10 ms + delay + deploy 500 ms + restore (~120 ms).
    assert_eq!(r.failures[3].downtime_s, 4.00494823);
}

#[test]
fn a_quiet_spell_of_threshold_plus_backoff_resets_the_delay() {
    // 24 s after the failure at 60 s = threshold 20 s + current backoff 4 s: back to 1 s.
    let r = failing(backoff(0.0), "84s");
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    assert_eq!(r.summary.events, 78_310);
    assert_eq!(delays(&r), [1.0, 1.5, 2.25, 3.375, 4.0, 4.0, 1.0]);
}

#[test]
fn flinks_default_jitter_is_drawn_from_the_seed() {
    let r = failing(backoff(0.1), "83.99s");
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    assert_eq!(r.summary.events, 78_177);
    // delay_k = clamp(min(delay_{k-1} × 1.5, 4 s) × (1 + f_k), 1 s, 4 s), with f_k uniform
    // in [-0.1, 0.1] from seed 7's "restart-jitter" stream (delay_0 from 1 s):
    //   1 s      × (1 + 0.0524) = 1.05243589 s
    //   1.5786 s × (1 + 0.0167) = 1.605068074 s   (1.5786 = 1.05243589 × 1.5)
    //   2.4076 s × (1 + 0.0765) = 2.591807938 s
    //   3.8877 s × (1 + 0.0194) = 3.963198884 s
    //   4 s      × (1 + f ≥ 0)  → 4 s (clamped to max), twice
    //   4 s      × (1 − 0.0073) = 3.970616404 s
    assert_eq!(
        delays(&r),
        [
            1.05243589,
            1.605068074,
            2.591807938,
            3.963198884,
            4.0,
            4.0,
            3.970616404
        ]
    );
    // The jitter compounds: each delay is within ±10% of 1.5 × the jittered delay before it.
    for w in delays(&r).windows(2) {
        let base = (w[0] * 1.5).min(4.0);
        assert!(
            (base * 0.9 - 1e-9..=base * 1.1 + 1e-9).contains(&w[1]),
            "{w:?}"
        );
    }
    // Seed 8 draws f < 0 for the first failure: 1 s × (1 + f) is clamped up to initial 1 s.
    let other = Job::keyed()
        .restart(backoff(0.1))
        .task_failure("10s", "agg", 1)
        .run(&["seed=8"]);
    assert_eq!(other.failures[0].restart_delay_s, 1.0);
}
