//! Backpressure: a slow operator exhausts channel credit and throttles its
//! sources (lag grows), and aligned checkpoints take longer under
//! backpressure than without, because the barrier waits behind full queues.

use crate::common::{keyed_job, run};
use ckptsim::metrics::{CheckpointOutcome, RunResult};

/// Mean (start delay, alignment, duration) of the checkpoints completed in a window.
fn means(r: &RunResult, from_s: f64, to_s: f64) -> (f64, f64, f64) {
    let cs: Vec<_> = r
        .checkpoints
        .iter()
        .filter(|c| {
            c.outcome == CheckpointOutcome::Completed && c.trigger_s > from_s && c.trigger_s < to_s
        })
        .collect();
    assert!(!cs.is_empty());
    let n = cs.len() as f64;
    (
        cs.iter().map(|c| c.start_delay_s_max).sum::<f64>() / n,
        cs.iter().map(|c| c.alignment_s_max).sum::<f64>() / n,
        cs.iter().map(|c| c.duration_s).sum::<f64>() / n,
    )
}

#[test]
fn a_slow_operator_throttles_the_sources_and_lag_grows() {
    // 20,000 records/s arrive; two aggregate subtasks manage 2 × 6,000 = 12,000 records/s.
    let r = run(
        &keyed_job("two-phase-commit"),
        &["job.operator[0].capacity=6000"],
    );
    let during: Vec<_> = r
        .samples
        .iter()
        .filter(|s| s.time_s > 20.0 && s.time_s <= 120.0)
        .collect();
    let read = during.iter().map(|s| s.source_records_per_s).sum::<f64>() / during.len() as f64;
    assert!(
        (11_000.0..=12_500.0).contains(&read),
        "sources read {read} records/s"
    );
    let lag_at = |t: f64| {
        r.samples
            .iter()
            .find(|s| s.time_s >= t)
            .unwrap()
            .source_lag_records
    };
    // Lag grows by about the 8,000 records/s the job cannot take.
    let growth = (lag_at(110.0) - lag_at(50.0)) as f64 / 60.0;
    assert!(
        (7_000.0..=9_000.0).contains(&growth),
        "lag grows {growth} records/s"
    );
    // Without the bottleneck the lag stays within a few polls' worth.
    let fast = run(&keyed_job("two-phase-commit"), &[]);
    assert!(fast.samples.iter().all(|s| s.source_lag_records < 20_000));
}

#[test]
fn aligned_checkpoints_take_longer_under_backpressure() {
    let slow = run(
        &keyed_job("two-phase-commit"),
        &["job.operator[0].capacity=6000"],
    );
    let fast = run(&keyed_job("two-phase-commit"), &[]);
    let (delay_slow, align_slow, dur_slow) = means(&slow, 20.0, 120.0);
    let (delay_fast, align_fast, dur_fast) = means(&fast, 20.0, 120.0);
    // Ahead of the barrier on each aggregate input channel: the sender's share of its
    // result partition pool (2 channels × 2 + 8 floating = 12 buffers, ~6 per channel)
    // plus the receiver's buffers (2 exclusive + ~4 of the 8 floating), 327 records
    // each, drained at 3,000 records/s per channel: ~3,300 records, about a second.
    assert!(
        delay_slow > 0.5,
        "start delay under backpressure {delay_slow} s"
    );
    assert!(
        delay_fast < 0.05,
        "start delay without backpressure {delay_fast} s"
    );
    assert!(align_slow > align_fast);
    assert!(
        dur_slow > 5.0 * dur_fast,
        "durations {dur_slow} vs {dur_fast}"
    );
}
