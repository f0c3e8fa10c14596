//! Unaligned checkpoints (Flink's `execution.checkpointing.unaligned.enabled`)
//! on the small backpressured jobs of `data_plane`, hand-computed: the barrier
//! overtakes the queues, so the checkpoint no longer waits for them, and the
//! queued buffers it overtook are persisted with it; after a failure the
//! persisted buffers are read back, and the restored task works off its
//! recovered input before it counts as running; exactly-once holds.

use crate::common::run;
use crate::data_plane::{CHAIN, FAN_IN};
use ckptsim::metrics::{CheckpointOutcome, CheckpointRecord, RunResult};
use ckptsim::mutants::Bug;

/// The completed checkpoints after the first (queues are full from then on).
fn steady(r: &RunResult) -> Vec<&CheckpointRecord> {
    let cs: Vec<_> = (r.checkpoints.iter())
        .filter(|c| c.outcome == CheckpointOutcome::Completed && c.id > 1)
        .collect();
    assert!(cs.len() > 10, "{} checkpoints", cs.len());
    cs
}

#[test]
fn an_unaligned_barrier_overtakes_the_chain_and_persists_what_it_overtook() {
    let aligned = run(CHAIN, &[]);
    let unaligned = run(CHAIN, &["checkpoint.unaligned=true"]);
    // Aligned (see data_plane): the barrier waits behind 1,450 records at the sink, and
    // nothing in flight is persisted.
    for c in steady(&aligned) {
        assert!(c.start_delay_s_max > 1.45, "{c:?}");
        assert_eq!(c.persisted_inflight_bytes, 0, "{c:?}");
    }
    // Unaligned: the source puts the barrier ahead of its 10 full buffers (100 records of
    // 100 bytes: 100,000 bytes) and the local map sees it at once; the map, idle behind its
    // full output, snapshots at once and overtakes its 9 full buffers and the half-full
    // open one (100 and 50 records of 100 bytes: 95,000 bytes); the sink sees the barrier
    // at once too. Only the 1 ms trigger RPC comes before the first barrier, and the
    // checkpoint waits only for the sink's current buffer (at most 100 ms) and the upload.
    for c in steady(&unaligned) {
        assert_eq!(c.start_delay_s_max, 0.001, "{c:?}");
        assert_eq!(c.persisted_inflight_bytes, 195_000, "{c:?}");
        assert!(c.duration_s < 0.101 + 0.03, "{c:?}");
    }
    let mean = |r: &RunResult| {
        let cs = steady(r);
        cs.iter().map(|c| c.duration_s).sum::<f64>() / cs.len() as f64
    };
    assert!(mean(&unaligned) < mean(&aligned) / 10.0);
}

#[test]
fn fan_in_persists_both_queues_and_the_receivers_buffers() {
    let aligned = run(FAN_IN, &[]);
    let unaligned = run(FAN_IN, &["checkpoint.unaligned=true"]);
    // Aligned (see data_plane): the local barrier comes 0.9 or 1.0 s before the remote
    // one, and the sink processes the remote channel's 9 or 10 buffers meanwhile.
    for c in steady(&aligned) {
        assert_eq!(c.persisted_inflight_bytes, 0, "{c:?}");
        let align = (c.alignment_s_max, c.processed_in_alignment_bytes);
        assert!(align == (0.9, 90_000) || align == (1.0, 100_000), "{c:?}");
    }
    // Unaligned: src[0] overtakes its local queue (10 buffers), src[1] its queue waiting
    // for credit (10 buffers); the sink, whose first barrier is the local one, persists
    // what the remote channel had received (2 exclusive + 8 floating buffers) until the
    // remote barrier comes 1 ms later (network latency; nothing new is received
    // meanwhile). 30 buffers of 10,000 bytes. In that 1 ms the sink at most finishes the
    // buffer it was on (10,000 bytes processed during the alignment).
    for c in steady(&unaligned) {
        assert_eq!(c.persisted_inflight_bytes, 300_000, "{c:?}");
        assert_eq!(c.start_delay_s_max, 0.001, "{c:?}");
        assert_eq!(c.alignment_s_max, 0.001, "{c:?}");
        assert!(
            [0, 10_000].contains(&c.processed_in_alignment_bytes),
            "{c:?}"
        );
    }
}

/// FAN_IN with a two-phase-commit sink, the sink failing at 20 s, and deployments
/// without spread.
fn fan_in_failure(mode: &[&str], bug: Option<Bug>) -> RunResult {
    let text = FAN_IN.replace("kind = \"at-least-once\"", "kind = \"two-phase-commit\"");
    let mut sets = vec![
        "recovery.deploy-spread=0",
        "faults.scripted=[{ at = \"20s\", task-failure = { task = \"sink\", subtask = 0 } }]",
    ];
    sets.extend_from_slice(mode);
    let sc = crate::common::scenario(&text, &sets);
    ckptsim::sim::run_with(&sc, bug).expect("run")
}

#[test]
fn recovery_reads_the_channel_state_back_and_works_it_off_first() {
    let aligned = fan_in_failure(&[], None);
    let unaligned = fan_in_failure(&["checkpoint.unaligned=true"], None);
    for r in [&aligned, &unaligned] {
        assert!(r.summary.guarantee_held, "{:?}", r.summary.first_problem);
        assert_eq!(r.summary.lost_records, 0);
        assert_eq!(r.summary.duplicates, 0);
    }
    let (a, u) = (&aligned.failures[0], &unaligned.failures[0]);
    assert_eq!((a.restored_checkpoint, u.restored_checkpoint), (4, 4));
    // Aligned: 96 bytes of state travel inline; rebuilding them is all the restore.
    assert!(a.restore_s < 1e-5, "{a:?}");
    // Unaligned: each task downloads its state and channel state (300,000 bytes of
    // buffers and 288 bytes of state, three downloads sharing 200 MB/s after the 20 ms
    // request latency: 1.50144 ms), then the sink works off its 10 recovered buffers of
    // 100 records at 1,000 records/s (1 s) before it takes new input and counts as
    // running; the sources send their recovered output first.
    assert!((1.0215..1.0216).contains(&u.restore_s), "{u:?}");
    let extra = u.downtime_s - a.downtime_s;
    assert!((1.0215..1.0216).contains(&extra), "{extra}");
}

#[test]
fn the_oracle_catches_channel_state_not_persisted_or_not_restored() {
    // The restored checkpoint 4 held 3,000 records in flight: src[0]'s 10 queued buffers
    // (partition 0, offsets [7,600, 8,600)) and 20 of src[1]'s (offsets [7,400, 9,400)):
    // its 10 queued and the 10 the sink had received, 100 records each. Not replayed,
    // they are lost. The job is still draining at the drain timeout, so its output must
    // reach the last checkpoint its sink committed, in flight included: a checkpoint
    // that does not hold its in-flight records has lost those 3,000 as well.
    for (bug, lost) in [
        (Bug::UnalignedNoChannelState, 6000),
        (Bug::UnalignedNoChannelRestore, 3000),
    ] {
        let r = fan_in_failure(&["checkpoint.unaligned=true"], Some(bug));
        assert!(!r.summary.guarantee_held, "{bug}");
        assert_eq!(r.summary.lost_records, lost, "{bug}");
        assert_eq!(r.summary.duplicates, 0, "{bug}");
        // The same bugs cannot show with aligned checkpoints: nothing is in flight.
        let aligned = fan_in_failure(&[], Some(bug));
        assert!(aligned.summary.guarantee_held, "{bug}");
    }
}
