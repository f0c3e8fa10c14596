//! The aligned checkpoint timeout (Flink's aligned-checkpoint-timeout, with
//! unaligned checkpoints on), on the backpressured jobs of `data_plane`,
//! hand-computed: a checkpoint whose start delay passes the timeout goes on
//! unaligned where its barriers are and is recorded as switched; one that
//! aligns in time stays aligned; with timeout 0 every checkpoint is unaligned.

use crate::common::run;
use crate::data_plane::{CHAIN, FAN_IN};
use ckptsim::metrics::{CheckpointOutcome, CheckpointRecord, RunResult};

/// The completed checkpoints after the first (queues are full from then on).
fn steady(r: &RunResult) -> Vec<&CheckpointRecord> {
    let cs: Vec<_> = (r.checkpoints.iter())
        .filter(|c| c.outcome == CheckpointOutcome::Completed && c.id > 1)
        .collect();
    assert!(cs.len() > 10, "{} checkpoints", cs.len());
    cs
}

/// The persisted in-flight bytes of all checkpoints but at most a few, and the
/// (id, bytes) of those few.
fn one_off(cs: &[&CheckpointRecord]) -> (u64, Vec<(u64, u64)>) {
    let usual = cs[cs.len() / 2].persisted_inflight_bytes;
    let odd = (cs.iter())
        .filter(|c| c.persisted_inflight_bytes != usual)
        .map(|c| (c.id, c.persisted_inflight_bytes))
        .collect();
    (usual, odd)
}

fn with_timeout(text: &str, timeout: &str) -> RunResult {
    let t = format!("checkpoint.aligned-timeout={timeout}");
    run(text, &["checkpoint.unaligned=true", &t])
}

#[test]
fn a_chain_barrier_stuck_past_the_timeout_switches_where_it_waits() {
    // Aligned, the barrier needs 1.451-1.551 s to reach the sink (data_plane). With a
    // 100 ms timeout it still waits in the source's queue when the timeout passes: the
    // map switches, persisting the source buffers still ahead of the barrier (10 less
    // the 2 it took meanwhile, as the sink worked off one of its buffers: 80,000 bytes),
    // snapshots and sends its barrier unaligned, overtaking its 9 full buffers and the
    // half-full one (95,000 bytes); the sink sees it at once. The source's snapshot was
    // aligned: 2 subtasks unaligned, 1 switched, first barrier at every task by 0.1 s.
    // The sink ends a buffer every 100 ms; once (checkpoint 51 of 131) the one inside
    // the 100 ms ends just after the timeout, and the map has taken no source buffer yet.
    let r = with_timeout(CHAIN, "100ms");
    let cs = steady(&r);
    for c in &cs {
        assert_eq!(c.switched_subtasks, 1, "{c:?}");
        assert_eq!(c.unaligned_subtasks, 2, "{c:?}");
        assert_eq!(c.start_delay_s_max, 0.1, "{c:?}");
        assert!(c.duration_s < 0.1 + 0.101 + 0.03, "{c:?}");
    }
    assert_eq!(one_off(&cs), (175_000, vec![(51, 195_000)]));
    // A timeout the barriers beat is never reached: the same checkpoints as aligned.
    let aligned = run(CHAIN, &[]);
    let late = with_timeout(CHAIN, "5s");
    assert_eq!(aligned.checkpoints, late.checkpoints);
    for c in steady(&late) {
        assert_eq!((c.switched_subtasks, c.unaligned_subtasks), (0, 0), "{c:?}");
        assert_eq!(c.persisted_inflight_bytes, 0, "{c:?}");
    }
    // Timeout 0 (Flink's default): unaligned from the first barrier at all 3 subtasks.
    let zero = with_timeout(CHAIN, "0s");
    assert_eq!(
        zero.checkpoints,
        run(CHAIN, &["checkpoint.unaligned=true"]).checkpoints
    );
    for c in steady(&zero) {
        assert_eq!((c.switched_subtasks, c.unaligned_subtasks), (0, 3), "{c:?}");
        assert_eq!(c.persisted_inflight_bytes, 195_000, "{c:?}");
    }
}

#[test]
fn a_fan_in_alignment_that_outlasts_the_timeout_switches_at_the_timeout() {
    // Aligned (data_plane), the sink's first barrier comes 2.17 s after the trigger and
    // its alignment lasts 0.9 or 1.0 s. With the timeout at 1 s the sink has seen no
    // barrier yet; it switches, persisting what is ahead of both barriers. In that second
    // it took 10 buffers, in availability order 5 from each channel: the local queue
    // has 5 of its 10 ahead (50,000 bytes), the remote side 15 of its 20 (the sender's 10
    // waiting for credit and the 10 received): 200,000 bytes. At 1.5 s, 5 fewer: 150,000.
    // As in the chain, one checkpoint's window misses a buffer's end: one buffer more.
    for (timeout, bytes) in [("1s", 200_000), ("1500ms", 150_000)] {
        let r = with_timeout(FAN_IN, timeout);
        let cs = steady(&r);
        let (usual, odd) = one_off(&cs);
        assert_eq!(usual, bytes, "{timeout}");
        assert!(
            odd.len() <= 1 && odd.iter().all(|&(_, b)| b == bytes + 10_000),
            "{odd:?}"
        );
        for c in cs {
            assert_eq!((c.switched_subtasks, c.unaligned_subtasks), (1, 1), "{c:?}");
            let t = if timeout == "1s" { 1.0 } else { 1.5 };
            assert_eq!(c.start_delay_s_max, t, "{c:?}");
            // Switching, the sink stops waiting: the checkpoint ends within the buffer
            // it is on (100 ms), its sync phase (1 ms), upload (5 ms setup, 20 ms
            // latency, 1 ms of bytes), ack (1 ms) and the metadata write (20 ms) after
            // the timeout.
            assert!(c.duration_s < t + 0.1 + 0.049, "{c:?}");
        }
    }
}
