//! Buffer debloating (FLIP-183, Flink's `taskmanager.network.memory.buffer-debloat.*`)
//! on the small backpressured jobs of `data_plane`: each input gate shrinks the
//! buffers its senders fill so that its buffers in use hold about `throughput ×
//! target` bytes, so an aligned barrier waits about the target time per gate and an
//! unaligned checkpoint persists about that much in-flight data; off (Flink's
//! default), nothing changes; exactly-once holds through failures.
//!
//! The tolerance of every figure below is Flink's threshold: a new size is announced
//! only when it differs from the last announced one by at least 25 %, so the size in
//! use stays within 25 % of the moving average (in-flight between 0.8 and 1.25 times
//! the target), plus a buffer or so for where the receiver is when the barrier comes.

use crate::common::{ckptsim, run, scenario, scratch};
use crate::data_plane::{CHAIN, FAN_IN};
use ckptsim::check::{CheckOptions, check};
use ckptsim::metrics::{CheckpointOutcome, CheckpointRecord, RunResult};

const ON: &str = "network.buffer-debloat=true";

/// The completed checkpoints triggered from `from_s` on (the sizes have settled).
fn settled(r: &RunResult, from_s: f64) -> Vec<&CheckpointRecord> {
    let cs: Vec<_> = (r.checkpoints.iter())
        .filter(|c| c.outcome == CheckpointOutcome::Completed && c.trigger_s >= from_s)
        .collect();
    assert!(cs.len() > 100, "{} checkpoints", cs.len());
    cs
}

#[test]
fn an_aligned_barrier_waits_about_the_target_time_at_the_bottleneck() {
    // FAN_IN: the sink's gate takes 1,000 records/s of 100 bytes, 100,000 B/s. Its
    // buffers in use are the 10 of the local producer's subpartition, and the remote
    // channel's 10 received plus 9 or 10 in its sender's backlog: 29 or 30. Target 1 s:
    // 100,000 bytes over them, buffers of about 3,400 bytes instead of 10,000. The last
    // (remote) barrier comes after all of them: 1 s instead of 3 s, within the
    // threshold [0.8, 1.25] s, plus the 1 ms trigger RPC and the rest of the buffer the
    // sink is on (at most 1.25 × 3,450 bytes: 43 ms).
    let before = run(FAN_IN, &[]);
    let after = run(FAN_IN, &[ON]);
    for c in settled(&before, 20.0) {
        assert!(c.start_delay_s_max + c.alignment_s_max > 3.0, "{c:?}");
    }
    for c in settled(&after, 20.0) {
        let last = c.start_delay_s_max + c.alignment_s_max;
        assert!((0.8..1.25 + 0.001 + 0.043).contains(&last), "{c:?}");
        // Alignment: the remote receiver's 10 buffers of the 30 ahead of the last
        // barrier, a third of it, less one buffer when the remote channel was next.
        let third = last / 3.0;
        assert!(
            (third - 0.045..third + 0.01).contains(&c.alignment_s_max),
            "{c:?}"
        );
    }
}

#[test]
fn each_gate_on_the_path_holds_about_the_target_time() {
    // CHAIN, target 100 ms. The sink's gate: 100,000 B/s × 0.1 s = 10,000 bytes over
    // the map's 10 queued buffers: 1,000 bytes, within 25 % of the 1,024 every channel
    // starts with (starting-segment-size), which therefore stays. The map's gate:
    // 2,000 source records/s of 100 bytes, 200,000 B/s × 0.1 s over the source's 10
    // buffers: 2,000 bytes (0.1 s of the map's input). The barrier passes both queues:
    // 0.2 s, within the threshold [0.16, 0.25] s, plus the 1 ms trigger RPC and the
    // rest of the sink's buffer (10 records: 10 ms). Without debloating: 1.45 s.
    let r = run(CHAIN, &[ON, "network.buffer-debloat-target=100ms"]);
    for c in settled(&r, 20.0) {
        assert!((0.16..0.25 + 0.011).contains(&c.start_delay_s_max), "{c:?}");
    }
    // Target 1 s: the sink's gate would want 100,000 bytes over 10 buffers, the map's
    // 200,000: at least the 10,000-byte buffer-size, which caps them. Once the buffers
    // have grown back from 1,024 bytes (at most 2/21 more per 200 ms period), the chain
    // is the one without debloating: 1,450 records ahead of the barrier (data_plane).
    let r = run(CHAIN, &[ON]);
    for c in settled(&r, 15.0) {
        assert!((1.451..1.551).contains(&c.start_delay_s_max), "{c:?}");
    }
    let first = &r.checkpoints[1];
    assert!(first.start_delay_s_max < 1.45, "still growing: {first:?}");
}

#[test]
fn an_unaligned_checkpoint_persists_about_throughput_times_target() {
    // FAN_IN unaligned (see `unaligned`): the checkpoint persists both sources' queues
    // and the receiver's buffers, every buffer in use at the sink's gate. Without
    // debloating 30 buffers of 10,000 bytes; with it about 100,000 B/s × 1 s, within
    // the threshold [80,000, 125,000] bytes.
    let before = run(FAN_IN, &["checkpoint.unaligned=true"]);
    let after = run(FAN_IN, &["checkpoint.unaligned=true", ON]);
    for c in settled(&before, 20.0) {
        assert_eq!(c.persisted_inflight_bytes, 300_000, "{c:?}");
    }
    for c in settled(&after, 20.0) {
        assert!(
            (80_000..=125_000).contains(&c.persisted_inflight_bytes),
            "{c:?}"
        );
        assert_eq!(c.start_delay_s_max, 0.001, "{c:?}");
    }
}

#[test]
fn off_changes_nothing_whatever_the_other_keys_say() {
    let keys = [
        "network.buffer-debloat=false",
        "network.buffer-debloat-target=100ms",
        "network.buffer-debloat-period=50ms",
        "network.buffer-debloat-samples=3",
        "network.buffer-debloat-threshold-percentages=0",
        "network.min-segment-size=1000",
        "network.starting-segment-size=5000",
    ];
    for text in [CHAIN, FAN_IN] {
        let (plain, off) = (run(text, &[]), run(text, &keys));
        assert_eq!(plain.checkpoints, off.checkpoints);
        assert_eq!(plain.summary, off.summary);
        assert_eq!(plain.failures, off.failures);
    }
}

/// FAN_IN with a two-phase-commit sink and 1,500 records/s appended for 60 s: the
/// sink (1,000 records/s) is backpressured throughout and drains the rest after.
fn fan_in_2pc() -> String {
    FAN_IN
        .replace("kind = \"at-least-once\"", "kind = \"two-phase-commit\"")
        .replace("rate = 100000", "rate = 1500")
        .replace("[network]\n", "[network]\nbuffer-debloat = true\n")
}

#[test]
fn exactly_once_holds_with_debloating_through_failures() {
    let text = fan_in_2pc();
    let faults = "faults.scripted=[{ at = \"20s\", task-failure = { task = \"sink\", subtask = 0 } }, { at = \"40s\", taskmanager-loss = { taskmanager = 1 } }]";
    for mode in ["checkpoint.unaligned=false", "checkpoint.unaligned=true"] {
        let r = run(&text, &[faults, mode]);
        assert!(
            r.summary.guarantee_held,
            "{mode}: {:?}",
            r.summary.first_problem
        );
        assert_eq!((r.summary.lost_records, r.summary.duplicates), (0, 0));
        assert_eq!(r.failures.len(), 2, "{mode}");
    }
    // And under random fault schedules (the file's job and settings, up to three faults).
    let unaligned = text.replace("[checkpoint]\n", "[checkpoint]\nunaligned = true\n");
    for case in [text.clone(), unaligned] {
        let opts = CheckOptions {
            cases: 40,
            seed: 0,
            scenario: Some((case, "fan-in-debloat.toml".into())),
            bug: None,
            progress: false,
        };
        let report = check(&opts).expect("valid scenario");
        assert!(
            report.failure.is_none(),
            "{:?}",
            report.failure.map(|f| f.0.reason)
        );
        assert!(report.faults > 40, "{} faults", report.faults);
    }
}

/// `FAN_IN` with `line` added to its `[network]` section.
fn with_network_line(line: &str) -> String {
    FAN_IN.replace("[network]\n", &format!("[network]\n{line}\n"))
}

#[test]
fn bad_debloat_settings_are_rejected_with_file_line_and_key() {
    // FAN_IN's `[network]` header is on line 25; the added line is 26.
    let line = FAN_IN
        .lines()
        .position(|l| l == "[network]")
        .expect("[network]")
        + 2;
    let cases = [
        (
            "buffer-debloat-period = \"0s\"",
            "network.buffer-debloat-period",
            "longer than 0s",
        ),
        (
            "buffer-debloat-target = \"0s\"",
            "network.buffer-debloat-target",
            "longer than 0s",
        ),
        (
            "buffer-debloat-target = \"-1s\"",
            "network.buffer-debloat-target",
            "negative",
        ),
        (
            "buffer-debloat-samples = 0",
            "network.buffer-debloat-samples",
            "at least 1",
        ),
        (
            "buffer-debloat-threshold-percentages = 101",
            "network.buffer-debloat-threshold-percentages",
            "at most 100",
        ),
        (
            "min-segment-size = 0",
            "network.min-segment-size",
            "more than 0 bytes",
        ),
        ("buffer-debloat = \"yes\"", "network.buffer-debloat", ""),
        (
            "buffer-debloat = true\nmin-segment-size = 20000",
            "network.min-segment-size",
            "larger than buffer-size",
        ),
        (
            "buffer-debloat = true\nstarting-segment-size = 20000",
            "network.starting-segment-size",
            "must lie between min-segment-size (256 bytes) and buffer-size (10000 bytes)",
        ),
    ];
    let dir = scratch("debloat-bad-input");
    for (i, (bad, key, needle)) in cases.into_iter().enumerate() {
        let file = dir.join(format!("bad-{i}.toml"));
        std::fs::write(&file, with_network_line(bad)).expect("write");
        let out = ckptsim(&[
            "run",
            file.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        let bad_line = line + bad.lines().count() - 1;
        let place = format!("{}:{bad_line}: {key}: ", file.display());
        assert!(stderr.contains(&place), "{bad}: {stderr}");
        assert!(stderr.contains(needle), "{bad}: {stderr}");
        assert!(!stderr.contains("panicked"), "{bad}: {stderr}");
    }
    // The default starting size must fit the buffers too.
    let small = FAN_IN.replace("buffer-size = 10000", "buffer-size = 512");
    let sets = [ON.to_string()];
    let e = ckptsim::scenario::parse_str(&small, "small.toml", &sets).unwrap_err();
    assert_eq!(e.key, "network.starting-segment-size");
    assert!(e.message.contains("(1024 bytes, the default)"), "{e}");
    // The defaults parse, as Flink's: on with nothing else set.
    let sc = scenario(FAN_IN, &[ON]);
    let d = sc.network.buffer_debloat.expect("on");
    let ms = |n| ckptsim::time::SimDuration::from_millis(n);
    assert_eq!((d.target, d.period), (ms(1000), ms(200)));
    assert_eq!((d.samples, d.threshold_percentages), (20, 25));
    assert_eq!((d.min_segment_bytes, d.starting_segment_bytes), (256, 1024));
}
