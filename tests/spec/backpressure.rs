//! Backpressure: a slow operator exhausts channel credit and throttles its
//! sources (lag grows), and aligned checkpoints take longer under
//! backpressure than without, because the barrier waits behind full queues.

use crate::fixture::Job;
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
    // Seed 7's six deployments end by 0.536390808 s, the first trigger; the triggers
    // 5 s apart from there put 20 in (20 s, 120 s): 20.536.. s to 115.536.. s.
    assert_eq!(
        cs.len(),
        20,
        "checkpoints completed in ({from_s} s, {to_s} s)"
    );
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
    let r = Job::keyed().agg_capacity(6000).run(&[]);
    // Events and times moved with issue 8's timeline: each task deployed after
    // 500 ms ± 20 % (drawn from seed 7), the sources emitting from their own
    // deployment, source triggers taken between records.
    assert_eq!(r.summary.events, 65_726);
    // Draining the backlog after the log stops at 2 min takes until 200.76 s.
    assert_eq!(r.summary.sim_seconds, 200.762648321);
    let during: Vec<_> = r
        .samples
        .iter()
        .filter(|s| s.time_s > 20.0 && s.time_s <= 120.0)
        .collect();
    let read = during.iter().map(|s| s.source_records_per_s).sum::<f64>() / during.len() as f64;
    // Mean over the 100 one-second samples in (20 s, 120 s]: just under the 12,000 the
    // aggregates manage (barrier alignment blocks them for a while at every checkpoint).
    assert_eq!(read, 11_994.36);
    let lag_at = |t: f64| {
        r.samples
            .iter()
            .find(|s| s.time_s >= t)
            .unwrap()
            .source_lag_records
    };
    // Lag grows by about the 8,000 records/s the job cannot take:
    // (874,746 − 394,800) records ÷ 60 s.
    assert_eq!((lag_at(50.0), lag_at(110.0)), (394_800, 874_746));
    let growth = (lag_at(110.0) - lag_at(50.0)) as f64 / 60.0;
    assert_eq!(growth, 7_999.1);
    // Without the bottleneck the lag stays within a few polls' worth: at most 1,782
    // records (the one-second samples alternate between 730 and 1,782; the sources poll
    // from their own deployment, so the samples meet their polls at another phase than
    // with the old start at t = 0, which gave 1,053).
    let fast = Job::keyed().run(&[]);
    let lag_max = fast.samples.iter().map(|s| s.source_lag_records).max();
    assert_eq!(lag_max, Some(1_782));
}

#[test]
fn aligned_checkpoints_take_longer_under_backpressure() {
    let slow = Job::keyed().agg_capacity(6000).run(&[]);
    let fast = Job::keyed().run(&[]);
    let (delay_slow, align_slow, dur_slow) = means(&slow, 20.0, 120.0);
    let (delay_fast, align_fast, dur_fast) = means(&fast, 20.0, 120.0);
    // Means over the 20 checkpoints completed in (20 s, 120 s) of each run.
    // Ahead of the barrier on each aggregate input channel: the sender's share of its
    // result partition pool (2 channels × 2 + 8 floating = 12 buffers, ~6 per channel)
    // plus the receiver's buffers (2 exclusive + ~4 of the 8 floating), 327 records
    // each, drained at 3,000 records/s per channel: ~3,300 records, about a second.
    assert_eq!(delay_slow, 0.9932484289000001);
    assert_eq!(delay_fast, 0.013622594499999998);
    // Without backpressure both barriers reach an aggregate together; with it, ~0.36 s apart.
    assert_eq!(align_slow, 0.35692500029999996);
    assert_eq!(align_fast, 0.0);
    // 1.09 s against 0.16 s: about 7 times as long.
    assert_eq!(dur_slow, 1.0857970181999999);
    assert_eq!(dur_fast, 0.15552746504999998);
}
