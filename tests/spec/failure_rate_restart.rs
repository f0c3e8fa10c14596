//! The failure-rate restart strategy inside a run (`restart-strategy.failure-rate.*`):
//! more than max-failures-per-interval failures within failure-rate-interval
//! fail the job; as many or fewer restart it after the delay. As in Flink's
//! FailureRateRestartBackoffTimeStrategy, a failure leaves the window only
//! when it is *more* than the interval old.

use crate::fixture::{Job, Restart};
use ckptsim::metrics::{JobStatus, RunResult};

/// The keyed job, at most 2 failures per minute, 1 s delay, agg[1] failing at `times`.
fn failing_at(times: &[&str]) -> RunResult {
    let restart = Restart::FailureRate {
        max_failures: 2,
        interval: "1min",
        delay: "1s",
    };
    times
        .iter()
        .fold(Job::keyed().restart(restart), |job, at| {
            job.task_failure(at, "agg", 1)
        })
        .run(&[])
}

#[test]
fn a_third_failure_within_the_interval_fails_the_job() {
    // Handled at 20.01, 40.01 and 70.01 s: the third is 50 s after the first.
    let r = failing_at(&["20s", "40s", "70s"]);
    assert_eq!(r.summary.job_status, JobStatus::Failed);
    assert_eq!(
        r.summary.failure_cause.as_deref(),
        Some(
            "the restart strategy gave up after 2 restart(s) (last failure: task-failure of agg[1] at 70.000 s)"
        )
    );
    // The run ends when the JobManager handles the third failure: 70 s + 10 ms report delay.
    assert_eq!(r.summary.sim_seconds, 70.01);
    // 24,108 events (45,547 before the data plane as Flink's: local channels, agg → sink
    // and src → agg within a TaskManager, schedule no arrival and no credit per buffer,
    // and a caught-up source no longer wakes every buffer timeout to poll; see
    // exponential_delay_backoff for the count by kind on the same job).
    assert_eq!(r.summary.events, 24_108);
    // The restart delay runs from detection to the last deployment's start; the third
    // failure never gets a deployment: -1, like its downtime (it was booked as 0 s).
    let delays: Vec<f64> = r.failures.iter().map(|f| f.restart_delay_s).collect();
    assert_eq!(delays, [1.0, 1.0, -1.0]);
    let last = &r.failures[2];
    assert_eq!((last.restarts, last.restarted_tasks), (0, 0));
    assert_eq!(last.downtime_s, -1.0); // never running again
}

#[test]
fn a_failure_exactly_one_interval_after_the_first_still_counts() {
    // 80.01 − 20.01 = 60 s, not more than the interval: three in the window.
    let r = failing_at(&["20s", "40s", "80s"]);
    assert_eq!(r.summary.job_status, JobStatus::Failed);
    assert_eq!(r.summary.sim_seconds, 80.01);
    assert_eq!(r.summary.events, 27_392); // 51,762 before the data plane as Flink's
}

#[test]
fn failures_spread_wider_than_the_interval_restart() {
    // 85.01 − 20.01 = 65 s: the first has left the window, two remain.
    let r = failing_at(&["20s", "40s", "85s"]);
    assert_eq!(r.summary.job_status, JobStatus::Finished);
    assert_eq!(r.summary.events, 41_058); // 81,823 before the data plane as Flink's
    assert!(r.summary.failure_cause.is_none());
    let delays: Vec<f64> = r.failures.iter().map(|f| f.restart_delay_s).collect();
    assert_eq!(delays, [1.0, 1.0, 1.0]);
    // Downtime = detection (report 10 ms) + delay 1 s + deployment (the last of the six
    // tasks' 500 ms ± 20 %, drawn from seed 7's "deploy-times" stream) + restore
    // (download, then rebuild at 200 MB/s) of checkpoints 4, 7 and 15:
    //   0.01 + 1 + 0.575869908 + 0.040355003 = 1.626224911
    //   0.01 + 1 + 0.589854881 + 0.044426207 = 1.644281088
    //   0.01 + 1 + 0.594839042 + 0.027049754 = 1.631888796
    // Checkpoints 4 (9,553,181 B) and 7 (9,993,734 B) hold the keys of the records
    // appended until their triggers reached the sources, so their restores moved
    // (from 0.040322708 and 0.044425502 s); checkpoint 15 holds all 100,000 keys
    // (10,000,320 B) either way, and its restore did not.
    let phases: Vec<(f64, f64, f64, f64)> = r
        .failures
        .iter()
        .map(|f| (f.detection_s, f.restart_delay_s, f.deploy_s, f.restore_s))
        .collect();
    assert_eq!(
        phases,
        [
            (0.01, 1.0, 0.575869908, 0.040355003),
            (0.01, 1.0, 0.589854881, 0.044426207),
            (0.01, 1.0, 0.594839042, 0.027049754)
        ]
    );
    let downtimes: Vec<f64> = r.failures.iter().map(|f| f.downtime_s).collect();
    assert_eq!(downtimes, [1.626224911, 1.644281088, 1.631888796]);
    assert!(r.summary.exactly_once, "{:?}", r.summary.first_problem);
}
