//! The changelog state backend (FLIP-158), hand-computed on a small job: src (1,000
//! records/s) → keyed agg (1,000,000 keys × 100 B: every record a new key's value)
//! → two-phase-commit sink, one TaskManager, a checkpoint a second, a
//! materialisation every 10 s. A checkpoint uploads only the tail of the log, and a
//! restore replays the log since the last materialisation.

use crate::common::{run, scenario};
use ckptsim::metrics::RunResult;
use ckptsim::mutants::Bug;

const JOB: &str = r#"
name = "changelog"
seed = 1
[job]
duration = "60s"
max-parallelism = 128
[[job.source]]
name = "src"
parallelism = 1
partitions = 1
rate = 1000
record-bytes = 100
capacity = 100000
[[job.operator]]
name = "agg"
parallelism = 1
capacity = 100000
state = { keys = 1000000, bytes-per-key = 100 }
[[job.sink]]
name = "sink"
parallelism = 1
kind = "two-phase-commit"
capacity = 100000
[[job.edge]]
from = "src"
to = "agg"
partitioning = "hash"
[[job.edge]]
from = "agg"
to = "sink"
partitioning = "forward"
[checkpoint]
interval = "1s"
[state]
changelog = true
changelog-materialize-interval = "10s"
[recovery]
deploy-spread = 0
[cluster]
taskmanagers = 1
slots-per-taskmanager = 1
"#;

fn agg_fails_at(at: &str) -> String {
    format!(
        "faults.scripted=[{{ at = \"{at}\", task-failure = {{ task = \"agg\", subtask = 0 }} }}]"
    )
}

#[test]
fn a_checkpoint_uploads_only_the_tail_of_the_log() {
    // Without the changelog every checkpoint uploads the agg's whole keyed state (it grows
    // by about 100,000 B a second); with it, the log's tail: at most one persist delay of
    // changes at 1,000 records/s. Doubling the delay (10 → 20 ms) adds 10 records of
    // 100 B to every steady checkpoint: exactly 1,000 B.
    let full = run(
        &JOB.replace(
            "changelog = true\nchangelog-materialize-interval = \"10s\"\n",
            "",
        ),
        &[],
    );
    let d10 = run(JOB, &[]);
    let d20 = run(JOB, &["state.changelog-persist-delay=20ms"]);
    for (a, b) in d10.checkpoints.iter().zip(&d20.checkpoints).skip(2) {
        assert_eq!(b.state_bytes - a.state_bytes, 1000, "{a:?} {b:?}");
        // The tail is small enough to travel inline: the checkpoint takes its RPCs and
        // the metadata write, not an upload of the state.
        assert!(a.state_bytes < 2000 && a.duration_s < 0.03, "{a:?}");
    }
    for (a, c) in d10
        .checkpoints
        .iter()
        .zip(&full.checkpoints)
        .skip(3)
        .take(20)
    {
        assert!(c.state_bytes > 300_000, "{c:?}");
        assert!(c.duration_s > a.duration_s, "{a:?} {c:?}");
    }
    // The checkpoint's full size is the materialisation plus the log since: between
    // checkpoints 3 and 9 (no materialisation yet) it grows by 100,000 B a second
    // (1,000 changes of 100 B).
    let cs = &d10.checkpoints;
    for w in cs.windows(2).skip(2).take(6) {
        assert_eq!(
            w[1].full_state_bytes - w[0].full_state_bytes,
            100_000,
            "{w:?}"
        );
    }
}

fn restore_s(r: &RunResult) -> f64 {
    assert!(r.summary.guarantee_held, "{:?}", r.summary.first_problem);
    r.failures[0].restore_s
}

#[test]
fn a_restore_replays_the_log_since_the_last_materialisation() {
    // The agg fails at 15 s or at 19 s; each restores the checkpoint of half a second
    // before, over the materialisation of 10 s. Failing 4 s later, the log since is 4,000
    // changes of 100 B longer: 400,000 B more to download at 200 MB/s (2 ms) and to replay
    // at changelog-replay-speed 50 MB/s (8 ms): the restore takes exactly 10 ms more.
    let early = run(JOB, &[&agg_fails_at("15s")]);
    let late = run(JOB, &[&agg_fails_at("19s")]);
    let extra = restore_s(&late) - restore_s(&early);
    assert!((extra - 0.010).abs() < 1e-9, "{extra}");
    // A faster replay shortens it: at 400 MB/s the 400,000 B take 1 ms instead of 8.
    let fast = |at: &str| {
        run(
            JOB,
            &[
                &agg_fails_at(at),
                "state.changelog-replay-speed=\"400MB/s\"",
            ],
        )
    };
    let extra_fast = restore_s(&fast("19s")) - restore_s(&fast("15s"));
    assert!((extra_fast - 0.003).abs() < 1e-9, "{extra_fast}");
}

#[test]
fn the_oracle_catches_a_restore_without_the_log() {
    // changelog-no-replay: the agg restarts from its materialisation only; the changes
    // since are lost from its keyed state, and the finished job's final state is short.
    let sc = scenario(JOB, &[&agg_fails_at("15s")]);
    let r = ckptsim::sim::run_with(&sc, Some(Bug::ChangelogNoReplay)).unwrap();
    assert!(!r.summary.guarantee_held);
    assert!(r.summary.state_mismatch > 0);
    let clean = ckptsim::sim::run(&sc).unwrap();
    assert!(clean.summary.guarantee_held);
    assert_eq!(clean.summary.state_mismatch, 0);
}

#[test]
fn check_catches_and_shrinks_a_restore_without_the_log() {
    // `ckptsim check --scenario scenarios/changelog.toml --inject-bug changelog-no-replay`:
    // case 0 (the file's own two faults) fails, and shrinks to one fault in a 1.171 s job.
    use ckptsim::check::{CheckOptions, check, judge};
    let text = std::fs::read_to_string("scenarios/changelog.toml").unwrap();
    let opts = CheckOptions {
        cases: 200,
        seed: 0,
        scenario: Some((text, "changelog.toml".into())),
        bug: Some(Bug::ChangelogNoReplay),
        progress: false,
    };
    let r = check(&opts).unwrap();
    let (first, small) = r.failure.expect("caught");
    assert_eq!(first.index, 0);
    assert_eq!(small.case.faults.len(), 1);
    assert_eq!(small.case.duration_ms, 1171);
    judge(&small.case, Some(Bug::ChangelogNoReplay)).expect_err("the shrunk case still fails");
    assert!(
        judge(&small.case, None).is_ok(),
        "and passes without the bug"
    );
}

#[test]
fn changelog_options_need_the_changelog_and_positive_values() {
    use crate::common::ckptsim;
    let dir = crate::common::scratch("changelog-bad");
    let file = dir.join("bad.toml");
    for (from, to, key) in [
        (
            "changelog = true\n",
            "changelog = false\n",
            "state.changelog-materialize-interval",
        ),
        (
            "\"10s\"\n[recovery]",
            "\"0s\"\n[recovery]",
            "state.changelog-materialize-interval",
        ),
        (
            "\"10s\"\n[recovery]",
            "\"10s\"\nchangelog-persist-delay = \"0s\"\n[recovery]",
            "state.changelog-persist-delay",
        ),
        (
            "\"10s\"\n[recovery]",
            "\"10s\"\nchangelog-replay-speed = 0\n[recovery]",
            "state.changelog-replay-speed",
        ),
    ] {
        assert!(JOB.contains(from), "{from}");
        std::fs::write(&file, JOB.replacen(from, to, 1)).unwrap();
        let out = ckptsim(&[
            "run",
            file.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{key}: {stderr}");
        assert!(
            stderr.contains("bad.toml:") && stderr.contains(key),
            "{stderr}"
        );
    }
}
