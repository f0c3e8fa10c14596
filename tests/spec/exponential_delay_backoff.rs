//! Exponential-delay restarts inside a run (`restart-strategy.exponential-delay.*`),
//! as Flink (1.19+, ExponentialDelayRestartBackoffTimeStrategy) computes them:
//! the backoff of attempt k (counted from 0 since the last reset) is
//! delay_k = clamp(floor(initial · multiplier^k ms) + J_k, initial, max), with
//! J_k a uniform whole number of milliseconds in ±floor(b_k · jitter-factor)
//! around b_k = floor(initial · multiplier^k), drawn from the seeded
//! "restart-jitter" stream. Each delay is computed afresh from the attempt
//! count, so jitter never compounds from one failure to the next, and once b_k
//! less its jitter passes max-backoff the delay is exactly the max. A failure
//! at least reset-backoff-threshold after the last restart time starts again
//! from attempt 0.
//!
//! Here the shared keyed job (state restore, staggered deployment) fails again
//! and again; `restart_backoff_flink` covers the same rule on a minimal job
//! (merged failures, the attempts limit, the jitter's band).

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
    // 40,204 events (80,307 before the data plane as Flink's). Counted by kind, the
    // difference is the data plane: local channels (agg → sink, and src → agg within a
    // TaskManager) no longer schedule an arrival and a credit per buffer (39,314 such
    // events → 12,088, all on the two remote src → agg channels); a caught-up source no
    // longer wakes every buffer timeout to poll (4,099 wakes → 0: at 5,000 records/s a
    // partition fills a read chunk, 654 records for a hash output over two channels, in
    // 130.8 ms, later than the output flusher's 100 ms, which emits what arrived); and
    // fewer, fuller reads and buffers take 8,828 fewer task steps: 40,153 fewer, of which
    // the other kinds of event (flusher timers among them) take back 50.
    assert_eq!(r.summary.events, 40_204);
    // b_k = floor(1000 ms · 1.5^k): 1000, 1500, 2250, 3375; 5062 and 7593 are capped at
    // 4000. The failure at 60 s is handled at 60.01 s and restarts at 64.01 s; the last
    // one, handled at 84.00 s, is 19.99 s after that restart time, less than the
    // threshold 20 s: no reset, attempt 6 (11 390 ms) is capped at 4 s again.
    assert_eq!(delays(&r), [1.0, 1.5, 2.25, 3.375, 4.0, 4.0, 4.0]);
    // Each downtime is detection (report 10 ms) + delay + deployment (the last of the
    // six tasks' 500 ms ± 20 %, drawn from seed 7) + restore (download + rebuild of
    // checkpoint 5's 9,995,196 B, whose offsets are now the records appended until the
    // trigger reached the sources: 605 ns longer than the 0.130738526 s before):
    //   0.01 + 3.375 + 0.582336759 + 0.130739131 = 4.09807589
    let f = &r.failures[3];
    assert_eq!(
        (f.detection_s, f.restart_delay_s, f.deploy_s, f.restore_s),
        (0.01, 3.375, 0.582336759, 0.130739131)
    );
    assert_eq!(f.downtime_s, 4.09807589);
}

#[test]
fn a_quiet_spell_of_threshold_after_the_last_restart_resets_the_delay() {
    // Handled at 84.01 s, exactly 20 s after the restart at 64.01 s (60.01 s + 4 s):
    // now − last restart time ≥ threshold, the attempt count resets, back to 1 s.
    let r = failing(backoff(0.0), "84s");
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    // 40,582 events (79,018 before the data plane as Flink's: see above).
    assert_eq!(r.summary.events, 40_582);
    assert_eq!(delays(&r), [1.0, 1.5, 2.25, 3.375, 4.0, 4.0, 1.0]);
}

#[test]
fn flinks_default_jitter_is_drawn_around_each_attempt_from_the_seed() {
    let r = failing(backoff(0.1), "83.99s");
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    assert_eq!(r.summary.events, 40_110); // 78,340 before the data plane as Flink's
    // delay_k = clamp(b_k + J_k, 1000 ms, 4000 ms), J_k uniform in ±floor(b_k · 0.1) ms
    // from seed 7's "restart-jitter" stream, one draw per attempt:
    //   k = 0: 1000 + 53  (±100) = 1053 ms
    //   k = 1: 1500 + 25  (±150) = 1525 ms
    //   k = 2: 2250 + 173 (±225) = 2423 ms
    //   k = 3: 3375 + 66  (±337) = 3441 ms
    //   k = 4, 5, 6: 5062, 7593, 11 390 ms; even less 10 % each is above 4000 ms: 4 s
    //   exactly, whatever was drawn.
    // The jitter does not compound: delay_1 lies around b_1 = 1500 ms, not around
    // 1053 ms · 1.5 = 1579.5 ms as it did when each delay grew from the jittered one.
    assert_eq!(delays(&r), [1.053, 1.525, 2.423, 3.441, 4.0, 4.0, 4.0]);
    // Seed 8 draws J_0 = −25 ms for the first failure: 975 ms is clamped up to initial 1 s.
    let other = Job::keyed()
        .restart(backoff(0.1))
        .task_failure("10s", "agg", 1)
        .run(&["seed=8"]);
    assert_eq!(other.failures[0].restart_delay_s, 1.0);
}
