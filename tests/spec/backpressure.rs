//! Backpressure: a slow operator fills the channels' buffers (credit on remote
//! channels, the subpartitions on local ones) and throttles its sources (lag
//! grows), and aligned checkpoints take longer under backpressure than without,
//! because the barrier waits behind full queues.

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
    // Each task deployed after 500 ms ± 20 % (drawn from seed 7), the sources emitting
    // from their own deployment, source triggers taken between records. 34,389 events
    // (66,196 under the previous data plane, where every buffer on a local channel,
    // src[i] → agg[i] and agg[i] → sink[i] on TaskManager i, also had an arrival and a
    // credit event).
    assert_eq!(r.summary.events, 34_389);
    // Draining the backlog after the log stops at 2 min takes until 200.77 s (2,400,000
    // records at 12,000 records/s take 200 s).
    assert_eq!(r.summary.sim_seconds, 200.767738506);
    let during: Vec<_> = r
        .samples
        .iter()
        .filter(|s| s.time_s > 20.0 && s.time_s <= 120.0)
        .collect();
    let read = during.iter().map(|s| s.source_records_per_s).sum::<f64>() / during.len() as f64;
    // Mean over the 100 one-second samples in (20 s, 120 s]: just under the 12,000 the
    // aggregates manage (each processes nothing during its ~3.4 ms synchronous snapshot
    // at every checkpoint: ~800 of the 1,103 records short; during an alignment it
    // still works at full speed on the channel not yet blocked).
    assert_eq!(read, 11_988.97);
    let lag_at = |t: f64| {
        r.samples
            .iter()
            .find(|s| s.time_s >= t)
            .unwrap()
            .source_lag_records
    };
    // Lag (at record precision: a read under way has read its records one by one) grows
    // by about the 8,000 records/s the job cannot take: (871,827 − 391,565) records ÷ 60 s.
    assert_eq!((lag_at(50.0), lag_at(110.0)), (391_565, 871_827));
    let growth = (lag_at(110.0) - lag_at(50.0)) as f64 / 60.0;
    assert_eq!(growth, 8_004.366666666667);
    // Without the bottleneck the sources keep up: every one of the 120 one-second
    // samples reads 0. A source waiting for data (idle, not backpressured, less than a
    // read's worth on each partition) counts no lag: it emits each record as it arrives
    // (ckptsim: its output flusher, armed for the first new record + the 100 ms buffer
    // timeout, emits them all when it fires). It would read early only when a whole
    // chunk, 2 channels × 327 = 654 records, waited on a partition, but a partition
    // gets 5,000 records/s, ~500 in 100 ms: after the records appended while it deployed
    // (read within ~30 ms of its start at ~0.5 s, before the first sample) a source
    // never reads again, and no sample falls inside a read (10 did when an idle source
    // polled every 100 ms, the largest 663 records).
    let fast = Job::keyed().run(&[]);
    let lags: Vec<u64> = fast.samples.iter().map(|s| s.source_lag_records).collect();
    assert_eq!(lags.len(), 120);
    assert_eq!(lags.iter().filter(|&&l| l > 0).count(), 0);
}

#[test]
fn aligned_checkpoints_take_longer_under_backpressure() {
    let slow = Job::keyed().agg_capacity(6000).run(&[]);
    let fast = Job::keyed().run(&[]);
    let (delay_slow, align_slow, dur_slow) = means(&slow, 20.0, 120.0);
    let (delay_fast, align_fast, dur_fast) = means(&fast, 20.0, 120.0);
    // Means over the 20 checkpoints completed in (20 s, 120 s) of each run.
    // Subtask i of every vertex runs on TaskManager i, so each aggregate has one local
    // input channel, from the source beside it, and one remote. Under backpressure,
    // when the trigger reaches a source, ahead of its barriers (full buffers of 328
    // records) are:
    // - on its local channel, what the subpartition holds: up to max-buffers-per-channel
    //   (10, the open buffer included, which the barrier finishes), ~9 to 10 buffers,
    //   ~3,000 records (no credit, no receiver buffers);
    // - on its remote channel, the receiver's 10 buffers (2 exclusive + all 8 floating of
    //   the gate: the local channel takes none) and what the source's pool of 12
    //   (2 channels × 2 + 8 floating) leaves it, 2 or 3 buffers with the open one:
    //   ~4,000 records.
    // An aggregate reads its two channels alternately, 3,000 records/s each: the barrier
    // of its local channel comes first, ~1.1 s after the trigger, the remote one after the
    // remote channel's surplus at the full 6,000 records/s. The 6,900 to 7,400 records
    // ahead (and the rest of the buffer in hand) at 6,000 records/s put the last barrier
    // ~1.2 s after the trigger, and the sinks' come right after: a mean of 1.27 s.
    assert_eq!(delay_slow, 1.2659578453499998);
    // Without backpressure 13 ms: the trigger RPC (1 ms), then the records each source
    // emits when the trigger reaches it (those that arrived since its output flusher last
    // fired: up to 100 ms of its 5,000 records/s per channel) and those still on their
    // way, which an aggregate processes at 20 µs each before its last barrier.
    assert_eq!(delay_fast, 0.013414088799999998);
    // With backpressure the barriers reach an aggregate ~0.12 s apart (the remote
    // channel's surplus of ~700 records). Without it a few ms apart: the two sources'
    // flushers fire at different phases, so at the trigger one may emit ~450 records per
    // channel and the other far fewer; the aggregate takes the barrier behind fewer records
    // first, then processes the other channel's surplus alone at 20 µs a record: 1.24 to
    // 10.02 ms, a mean of 3.9 ms.
    assert_eq!(align_slow, 0.11622500044999999);
    assert_eq!(align_fast, 0.003935240000000001);
    // 1.36 s against 0.16 s: about 8.5 times as long.
    assert_eq!(dur_slow, 1.36320596455);
    assert_eq!(dur_fast, 0.16114825095000002);
}
