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
    // deployment, source triggers taken between records (a read under way stops after
    // the records read so far; 65,726 when a trigger waited for the read to end).
    assert_eq!(r.summary.events, 66_196);
    // Draining the backlog after the log stops at 2 min takes until 200.76 s.
    assert_eq!(r.summary.sim_seconds, 200.763566156);
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
    // Lag (at record precision: a read under way has read its records one by one) grows
    // by about the 8,000 records/s the job cannot take: (875,379 − 394,125) records ÷ 60 s.
    assert_eq!((lag_at(50.0), lag_at(110.0)), (394_125, 875_379));
    let growth = (lag_at(110.0) - lag_at(50.0)) as f64 / 60.0;
    assert_eq!(growth, 8_020.9);
    // Without the bottleneck the sources keep up. A source waiting for data (idle, not
    // backpressured, less than a read's worth on each partition) counts no lag, so most
    // one-second samples read 0 (1,782 at most when the lag counted every record not
    // yet polled). Each source subtask polls its two partitions every 100 ms buffer
    // timeout plus its read: it reads 10,000 records/s at 200,000 records/s, so a poll
    // cycle is 100 ms ÷ (1 − 10,000/200,000) = 2/19 s, ~1,053 records read in ~5.3 ms.
    // Only a sample that falls inside such a read sees lag: the records the poll has not
    // read yet. The largest, 663 records, at 66, 68 and 70 s (19 cycles are exactly 2 s,
    // so the phase repeats every other second), is about 2 ms into a read.
    let fast = Job::keyed().run(&[]);
    let lags: Vec<u64> = fast.samples.iter().map(|s| s.source_lag_records).collect();
    assert_eq!(lags.iter().filter(|&&l| l > 0).count(), 10);
    assert_eq!(lags.iter().max(), Some(&663));
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
    assert_eq!(delay_slow, 0.9786704000500002);
    // Without backpressure 21 ms: the barrier follows the records the sources emitted
    // when the trigger arrived (13.6 ms when it skipped those waiting).
    assert_eq!(delay_fast, 0.020608590499999996);
    // With backpressure the barriers reach an aggregate ~0.39 s apart. Without it they
    // arrive nearly together: a source takes the trigger between records, and an idle
    // one first emits the records appended while it waited for data (up to a poll's
    // ~100 ms), so one barrier can trail the other by the time the aggregate takes for
    // those records: 12 of the 20 align in 0, the other 8 in 0.14 to 3.68 ms, 16 ms in
    // all, a mean of 0.8 ms (0 when a trigger skipped the waiting records).
    assert_eq!(align_slow, 0.38549999995000006);
    assert_eq!(align_fast, 0.0008);
    // 1.07 s against 0.16 s: about 6.6 times as long.
    assert_eq!(dur_slow, 1.0712042491);
    assert_eq!(dur_fast, 0.16235573804999998);
}
