//! What writing a snapshot costs: a subtask's asynchronous phase is the fixed
//! per-snapshot cost (`checkpoint.snapshot-setup`: stream, file, handle) +
//! the storage request latency + its bytes at its share of the storage
//! bandwidth + the acknowledgement RPC; the coordinator's metadata write
//! (one request: latency + `metadata-bytes` at the bandwidth) is charged once,
//! after the last acknowledgement, and is not part of any task's async phase.

use crate::fixture::{Job, Restart};
use ckptsim::metrics::{CheckpointOutcome, CheckpointRecord, RunResult};

/// The keyed job with zero-cost tasks and a burst of data in the first 5 s
/// only, so that at the checkpoint of t = 10.5 s nothing is in flight and the
/// keyed state is full: 1000 keys × 1000 B, 500,000 B on each of the two
/// aggregate subtasks (the only snapshots over 20 KiB: the sources' offsets
/// and the sinks' transaction handles travel inline). Storage 20 ms and
/// 50 MB/s, metadata 10,000 B, snapshot setup 5 ms; network and RPC latency
/// 1 ms; every deployment exactly 500 ms, so triggers fall at 0.5 s + k·10 s.
fn job() -> Job {
    Job::keyed()
        .name("snapshot-cost")
        .seed(3)
        .duration("40s")
        .partitions(2)
        .rate_steps(&[("0s", 100_000), ("5s", 0)])
        .capacity(1_000_000_000_000)
        .state(1000, 1000)
        .sink(None)
        .interval("10s")
        .set("checkpoint", "sync-base", "\"1ms\"")
        .set("checkpoint", "sync-speed", "\"2GB/s\"")
        .set("checkpoint", "metadata-bytes", "10000")
        .set("checkpoint", "snapshot-setup", "\"5ms\"")
        .storage("20ms", "50MB/s")
        .set("network", "latency", "\"1ms\"")
        .set("cluster", "rpc-latency", "\"1ms\"")
        .restart(Restart::FlinkDefault)
        .set("recovery", "deploy-spread", "0")
}

/// Checkpoint 2 (triggered at 10.5 s) of a run.
fn second(r: &RunResult) -> &CheckpointRecord {
    let c = r
        .checkpoints
        .iter()
        .find(|c| c.id == 2)
        .expect("checkpoint 2");
    assert_eq!(c.outcome, CheckpointOutcome::Completed);
    assert_eq!(c.trigger_s, 10.5);
    c
}

/// Seconds as whole nanoseconds (the records hold integer ns converted to s).
fn ns(s: f64) -> i64 {
    (s * 1e9).round() as i64
}

#[test]
fn async_and_end_to_end_durations_equal_the_hand_calculation() {
    let r = job().run(&[]);
    let c = second(&r);
    // trigger RPC to the sources                              1 ms
    // barrier src[1] → agg[0] across TaskManagers              1 ms
    assert_eq!(c.start_delay_s_max, 0.002);
    // agg sync: 1 ms + 500,000 B ÷ 2 GB/s                      1.25 ms
    assert_eq!(c.sync_s_max, 0.00125);
    // agg async, both subtasks alike (same state, same start):
    //   snapshot setup                                         5 ms
    //   storage latency                                       20 ms
    //   2 × 500,000 B share 50 MB/s: 1 MB ÷ 50 MB/s           20 ms
    //   ack RPC                                                1 ms
    //                                                         46 ms
    assert_eq!(c.async_s_max, 0.046);
    // metadata: 20 ms latency + 10,000 B ÷ 50 MB/s = 0.2 ms   20.2 ms
    // end to end: 2 + 1.25 + 46 + 20.2                       69.45 ms
    assert_eq!(c.duration_s, 0.06945);
    assert_eq!(c.state_bytes, 1_000_000 + 2 * 16 + 2 * 128);
    // Every later checkpoint is the same (nothing in flight, the state stays full):
    // triggers at 10.5, 20.5 and 30.5 s, and at 40 s the final one, requested when the
    // input ends (the job's duration).
    let later: Vec<f64> = (r.checkpoints.iter())
        .filter(|c| c.id >= 2)
        .map(|c| c.duration_s)
        .collect();
    assert_eq!(later, [0.06945; 4]);
    let triggers: Vec<f64> = (r.checkpoints.iter()).map(|c| c.trigger_s).collect();
    assert_eq!(triggers, [0.5, 10.5, 20.5, 30.5, 40.0]);
}

#[test]
fn the_metadata_write_is_charged_once() {
    let r = job().run(&[]);
    let c = second(&r);
    // What follows the last acknowledgement is the metadata write alone:
    // 69.45 − (2 + 1.25 + 46) = 20.2 ms = 20 ms latency + 10,000 B ÷ 50 MB/s, once.
    let after_acks = ns(c.duration_s) - ns(c.start_delay_s_max + c.sync_s_max + c.async_s_max);
    assert_eq!(after_acks, 20_200_000);
    // 1,000,000 more metadata bytes add 1 MB ÷ 50 MB/s = 20 ms to the checkpoint (not
    // 40 ms: written once), and nothing to any task's async phase.
    let big = job().run(&["checkpoint.metadata-bytes=1010000"]);
    let b = second(&big);
    assert_eq!(ns(b.duration_s) - ns(c.duration_s), 20_000_000);
    assert_eq!(b.async_s_max, c.async_s_max);
    // 10 ms more storage latency add 20 ms: 10 ms to the uploads' request, 10 ms to
    // the metadata's one request (twice the metadata would make it 30 ms).
    let slow = job().run(&["storage.latency=\"30ms\""]);
    let s = second(&slow);
    assert_eq!(ns(s.async_s_max) - ns(c.async_s_max), 10_000_000);
    assert_eq!(ns(s.duration_s) - ns(c.duration_s), 20_000_000);
    // Without any upload (state under 20 KiB everywhere: no keyed state), the
    // checkpoint is trigger RPC + barrier + sync + ack RPC + one metadata write.
    let light = job().run(&["job.operator[0].state={ keys = 10, bytes-per-key = 100 }"]);
    let l = second(&light);
    // agg sync: 1 ms + 500 B ÷ 2 GB/s = 1.00025 ms; async: the ack RPC, 1 ms (no setup,
    // no latency: inline state opens no file); metadata 20.2 ms.
    assert_eq!(l.sync_s_max, 0.00100025);
    assert_eq!(l.async_s_max, 0.001);
    assert_eq!(
        ns(l.duration_s),
        2_000_000 + 1_000_250 + 1_000_000 + 20_200_000
    );
}

#[test]
fn a_fixed_cost_adds_exactly_that_to_each_uploading_subtask() {
    // Both uploading subtasks start their async phase together with the same state,
    // so each one's async phase is the checkpoint's async_s_max; shifting both by X
    // leaves their bandwidth sharing unchanged, so async and end-to-end durations
    // grow by exactly X, checkpoint by checkpoint.
    let base = job().run(&["checkpoint.snapshot-setup=\"0s\""]);
    assert_eq!(second(&base).async_s_max, 0.041); // 20 + 20 + 1 ms
    assert_eq!(second(&base).duration_s, 0.06445);
    for (setup, x_ns) in [("1ms", 1_000_000), ("5ms", 5_000_000), ("37ms", 37_000_000)] {
        let set = format!("checkpoint.snapshot-setup=\"{setup}\"");
        let r = job().run(&[&set]);
        assert_eq!(r.checkpoints.len(), base.checkpoints.len());
        for (a, b) in r.checkpoints.iter().zip(&base.checkpoints) {
            assert_eq!(a.outcome, CheckpointOutcome::Completed);
            assert_eq!(a.trigger_s, b.trigger_s, "{setup}: triggers are fixed-rate");
            assert_eq!(ns(a.async_s_max) - ns(b.async_s_max), x_ns, "{setup} {a:?}");
            assert_eq!(ns(a.duration_s) - ns(b.duration_s), x_ns, "{setup} {a:?}");
            assert_eq!(a.sync_s_max, b.sync_s_max);
        }
    }
}
