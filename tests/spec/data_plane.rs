//! The data plane as Flink's: a flush does not finish the open buffer, so a
//! backpressured queue holds full buffers whatever the buffer timeout, and an
//! aligned barrier's start delay is that queue drained at the bottleneck's
//! rate; a local input channel holds only the producer's queue while a remote
//! one adds the receiver's buffers, so their barriers arrive apart by exactly
//! those buffers (the alignment time). All figures below are hand-computed.

use crate::common::run;
use ckptsim::metrics::{CheckpointOutcome, CheckpointRecord, RunResult};

/// src → map (output-ratio 0.5) → sink (1,000 records/s, the bottleneck), one
/// TaskManager: both channels local. 100-byte records in 10,000-byte buffers.
pub const CHAIN: &str = r#"
name = "chain"
seed = 1
[job]
duration = "60s"
max-parallelism = 128
[[job.source]]
name = "src"
parallelism = 1
partitions = 1
rate = 100000
record-bytes = 100
capacity = 1000000
[[job.operator]]
name = "map"
parallelism = 1
capacity = 1000000
output-ratio = 0.5
[[job.sink]]
name = "sink"
parallelism = 1
kind = "at-least-once"
capacity = 1000
[[job.edge]]
from = "src"
to = "map"
partitioning = "forward"
[[job.edge]]
from = "map"
to = "sink"
partitioning = "forward"
[network]
buffer-size = 10000
[checkpoint]
interval = "5s"
[cluster]
taskmanagers = 1
slots-per-taskmanager = 1
"#;

/// src (p=2) ──rebalance──▶ sink (p=1, 1,000 records/s), two TaskManagers of one
/// slot: src[0] → sink[0] is a local channel, src[1] → sink[0] a remote one.
pub const FAN_IN: &str = r#"
name = "fan-in"
seed = 1
[job]
duration = "60s"
max-parallelism = 128
[[job.source]]
name = "src"
parallelism = 2
partitions = 2
rate = 100000
record-bytes = 100
capacity = 1000000
[[job.sink]]
name = "sink"
parallelism = 1
kind = "at-least-once"
capacity = 1000
[[job.edge]]
from = "src"
to = "sink"
partitioning = "rebalance"
[network]
buffer-size = 10000
[checkpoint]
interval = "5s"
[cluster]
taskmanagers = 2
slots-per-taskmanager = 1
"#;

/// The completed checkpoints after the first (queues are full from then on).
fn steady(r: &RunResult) -> Vec<&CheckpointRecord> {
    let cs: Vec<_> = r
        .checkpoints
        .iter()
        .filter(|c| c.outcome == CheckpointOutcome::Completed && c.id > 1)
        .collect();
    assert!(cs.len() > 100, "{} checkpoints", cs.len());
    cs
}

#[test]
fn a_backpressured_queue_holds_full_buffers_whatever_the_buffer_timeout() {
    // The sink takes 100 ms per buffer of 100 records. The map is blocked by its
    // output: its subpartition holds max-buffers-per-channel = 10 pool buffers, 9
    // full (900 records) and the open one half full (each input buffer of 100
    // source records makes 50). The source is blocked behind the map: 10 full
    // buffers of 100 source records, 500 records once mapped. The barrier follows
    // them: 900 + 50 + 500 = 1,450 records ahead of it at the sink, 1.450 s, after
    // the 1 ms trigger RPC and the rest of the buffer the sink is on (< 100 ms).
    let runs: Vec<RunResult> = ["1ms", "100ms", "1s"]
        .iter()
        .map(|t| run(CHAIN, &[&format!("network.buffer-timeout={t}")]))
        .collect();
    for c in steady(&runs[0]) {
        assert!(
            (1.451..1.551).contains(&c.start_delay_s_max),
            "checkpoint {}: start delay {}",
            c.id,
            c.start_delay_s_max
        );
    }
    // A flush under backpressure changes nothing, so the timeout changes nothing.
    assert_eq!(runs[0].checkpoints, runs[1].checkpoints);
    assert_eq!(runs[0].checkpoints, runs[2].checkpoints);
}

/// Checks every steady checkpoint of a fan-in run whose remote channel holds
/// `receiver` more buffers than the local one (10 at each producer).
fn check_fan_in(r: &RunResult, receiver: u32) {
    let buffer_s = 0.1; // 100 records at 1,000 records/s
    let rpc_s = 0.001;
    let ahead = (10 + 10 + receiver) as f64; // local + remote (sender and receiver)
    for c in steady(r) {
        // The last barrier (the remote one) comes after every buffer ahead of both,
        // after the trigger RPC and the rest of the buffer the sink was on.
        let last = c.start_delay_s_max + c.alignment_s_max;
        let lo = rpc_s + ahead * buffer_s;
        assert!((lo..lo + buffer_s).contains(&last), "{c:?}");
        // The gate reads the two channels in turn. If the local one is next when the
        // barriers come, the sink reaches the local barrier after 10 local and 10
        // remote buffers and aligns for the `receiver` remote buffers left; if the
        // remote one is next, one more remote buffer goes before the local barrier.
        let align = receiver as f64 * buffer_s;
        let first_local = c.alignment_s_max == align;
        let first_remote = c.alignment_s_max == align - buffer_s;
        assert!(first_local || first_remote, "{c:?}");
    }
}

#[test]
fn a_remote_input_holds_the_receivers_buffers_more_than_a_local_one() {
    // Both sources are backpressured. Ahead of the local barrier: the producer's
    // subpartition, 10 full buffers (max-buffers-per-channel). Ahead of the
    // remote one: the same 10 at the sender plus the receiver's 2 exclusive and 8
    // floating buffers, 20. Alignment: the 10 buffers of difference, less the one
    // remote buffer read before the local barrier when the remote channel was next.
    let r = run(FAN_IN, &[]);
    check_fan_in(&r, 10);
    let aligns: Vec<f64> = steady(&r).iter().map(|c| c.alignment_s_max).collect();
    // Over the run the sink's phase at the trigger drifts by the 1 ms trigger RPC per
    // checkpoint, so checkpoint 34 meets the other turn of the gate.
    assert_eq!(aligns.iter().filter(|&&a| a == 1.0).count(), 1);
    // Ten more floating buffers are ten more buffers ahead of the remote barrier only.
    check_fan_in(&run(FAN_IN, &["network.floating-buffers=18"]), 20);
    // Both subtasks of the source in one TaskManager: two local channels, the same
    // 10 buffers ahead of each barrier, which arrive one buffer apart at most.
    let local = run(
        FAN_IN,
        &["cluster.taskmanagers=1", "cluster.slots-per-taskmanager=2"],
    );
    for c in steady(&local) {
        assert!(c.alignment_s_max <= 0.1, "{c:?}");
    }
}
