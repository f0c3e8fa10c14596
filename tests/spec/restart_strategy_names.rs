//! Restart strategies as Flink names them (`restart-strategy.type` and its
//! aliases), and a job its strategy gives up on: status FAILED and, like
//! `flink run` for a failed job, a non-zero exit from `ckptsim run` (3), with
//! the results written all the same.

use crate::common::{ckptsim, scratch};
use crate::fixture::{Job, Restart};
use ckptsim::scenario::RestartStrategy;

/// The strategy a scenario ends up with when `[restart]` is `restart` (its keys)
/// with `strategy = "<name>"`, or only `strategy = "<name>"` when `restart` is None.
fn strategy(restart: Option<Restart>, name: &str) -> RestartStrategy {
    let job = match restart {
        Some(r) => Job::keyed().restart(r),
        None => Job::keyed().without("restart"),
    };
    let name = format!("\"{name}\"");
    job.set("restart", "strategy", &name).scenario(&[]).restart
}

#[test]
fn flinks_aliases_name_the_same_strategies() {
    let fixed = Restart::FixedDelay {
        attempts: 3,
        delay: "2s",
    };
    let rate = Restart::FailureRate {
        max_failures: 2,
        interval: "1min",
        delay: "2s",
    };
    let pairs = [
        (Some(fixed), "fixeddelay", "fixed-delay"),
        (Some(rate), "failurerate", "failure-rate"),
        (None, "exponentialdelay", "exponential-delay"),
        (None, "off", "none"),
        (None, "disable", "none"),
    ];
    for (keys, alias, name) in pairs {
        assert_eq!(strategy(keys, alias), strategy(keys, name), "{alias}");
    }
    assert!(matches!(
        strategy(Some(fixed), "fixeddelay"),
        RestartStrategy::FixedDelay { attempts: 3, .. }
    ));
    assert!(matches!(
        strategy(Some(rate), "failurerate"),
        RestartStrategy::FailureRate { .. }
    ));
    assert!(matches!(
        strategy(None, "exponentialdelay"),
        RestartStrategy::ExponentialDelay { .. }
    ));
    assert!(matches!(strategy(None, "off"), RestartStrategy::None));
}

#[test]
fn a_job_its_strategy_gives_up_on_exits_3_with_its_results_written() {
    // No restarts allowed: the first failure fails the job.
    let dir = scratch("job-failed");
    let file = dir.join("failing.toml");
    let job = Job::keyed()
        .restart(Restart::FixedDelay {
            attempts: 0,
            delay: "1s",
        })
        .task_failure("20s", "agg", 1);
    std::fs::write(&file, job.toml()).expect("write scenario");
    let out_dir = dir.join("out");
    let out = ckptsim(&[
        "run",
        &file.to_string_lossy(),
        "--out",
        &out_dir.to_string_lossy(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("error: job FAILED: the restart strategy gave up after 0 restart(s)"),
        "{stderr}"
    );
    let summary = std::fs::read_to_string(out_dir.join("summary.json")).expect("summary");
    assert!(summary.contains("\"job_status\": \"failed\""), "{summary}");
    // The same job with one restart allowed finishes and exits 0.
    std::fs::write(
        &file,
        job.restart(Restart::FixedDelay {
            attempts: 1,
            delay: "1s",
        })
        .toml(),
    )
    .expect("write scenario");
    let ok = ckptsim(&[
        "run",
        &file.to_string_lossy(),
        "--out",
        &out_dir.to_string_lossy(),
    ]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}
