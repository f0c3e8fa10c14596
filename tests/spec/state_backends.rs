//! State backends (`state.backend`, Flink's `state.backend.type`) and
//! incremental checkpoints (`state.incremental`, Flink's
//! `execution.checkpointing.incremental`): each backend's synchronous,
//! asynchronous and restore costs, hand-computed on a job whose state is known
//! to the byte; an incremental checkpoint uploads the state changed since the
//! previous one and a restore still reads all of it.
//!
//! The job: the snapshot-cost job (zero-cost tasks, storage 20 ms and 50 MB/s,
//! metadata 10,000 B, snapshot setup 5 ms, RPC and network latency 1 ms, every
//! deployment 500 ms, so triggers fall at 0.5 s + k·10 s) at parallelism 1,
//! all in one TaskManager (local channels: a barrier takes no time), with
//! 100,000 keys × 10 B, fed 500,000 records in its first 5 s and 10,000 more
//! between 12 and 13 s. The aggregate's keyed state after n records over
//! K = 100,000 keys is K·(1 − e^(−n/K)) × 10 B:
//! - checkpoint 2 (10.5 s), n = 500,000: 1,000,000·(1 − e^−5) = 993,262 B;
//! - checkpoint 3 (20.5 s), n = 510,000: 1,000,000·(1 − e^−5.1) = 993,903 B,
//!   of which the keys met among the 10,000 records since checkpoint 2 are
//!   1,000,000·(1 − e^−0.1) = 95,163 B: the changed state.
//!
//! Operator state: the source's offsets, 2 partitions × 16 B, and the sink's
//! transaction handles, 2 × 64 B: 160 B, uploaded whole by every checkpoint
//! (inline with the acknowledgements, under 20 KiB).

use crate::common::ckptsim;
use crate::fixture::{Job, Restart};
use ckptsim::metrics::{CheckpointRecord, RunResult};

/// Operator state of the source and the sink, bytes.
const OPERATOR: u64 = 160;

fn job(state: &[(&str, &str)]) -> Job {
    let mut j = Job::keyed()
        .name("state-backends")
        .seed(3)
        .duration("40s")
        .parallelism(1)
        .partitions(2)
        .rate_steps(&[("0s", 100_000), ("5s", 0), ("12s", 10_000), ("13s", 0)])
        .capacity(1_000_000_000_000)
        .state(100_000, 10)
        .interval("10s")
        .set("checkpoint", "metadata-bytes", "10000")
        .storage("20ms", "50MB/s")
        .set("network", "latency", "\"1ms\"")
        .set("cluster", "rpc-latency", "\"1ms\"")
        .restart(Restart::FlinkDefault)
        .set("recovery", "deploy-spread", "0");
    for (k, v) in state {
        j = j.set("state", k, v);
    }
    j
}

const HASHMAP: &[(&str, &str)] = &[];
const ROCKSDB: &[(&str, &str)] = &[("backend", "\"rocksdb\"")];
const INCREMENTAL: &[(&str, &str)] = &[("backend", "\"rocksdb\""), ("incremental", "true")];

/// Checkpoint `id` of a run, completed.
fn ckpt(r: &RunResult, id: u64) -> &CheckpointRecord {
    let c = (r.checkpoints.iter().find(|c| c.id == id)).expect("checkpoint");
    assert_eq!(c.outcome, ckptsim::metrics::CheckpointOutcome::Completed);
    c
}

#[test]
fn an_incremental_checkpoint_uploads_the_state_changed_since_the_previous_one() {
    let r = job(INCREMENTAL).run(&[]);
    let uploaded: Vec<u64> = r.checkpoints.iter().map(|c| c.state_bytes).collect();
    let full: Vec<u64> = r.checkpoints.iter().map(|c| c.full_state_bytes).collect();
    // 2: everything since checkpoint 1 (0.5 s, taken while the burst was coming):
    //    the keys met among those records, nearly all of the 993,262 B.
    // 3: the 95,163 B of keys changed since checkpoint 2, and the operator state.
    // 4 (30.5 s): nothing changed, but it is the fourth flush since the start: a
    //    compaction rewrote a quarter of the state, 993,903 × 0.25 = 248,476 B.
    // 5 (40 s, final): nothing changed, no compaction: the operator state alone.
    assert_eq!(
        uploaded[2..],
        [OPERATOR + 95_163, OPERATOR + 248_476, OPERATOR]
    );
    // The full size is the whole state, the files of earlier checkpoints included.
    assert_eq!(
        full[1..],
        [OPERATOR + 993_262, OPERATOR + 993_903, 994_063, 994_063]
    );
    assert!(uploaded[1] < full[1]);
    // A write amplification of 2 doubles the new files (not the compaction's).
    let amp = job(INCREMENTAL).run(&["state.rocksdb-write-amplification=2.0"]);
    assert_eq!(ckpt(&amp, 3).state_bytes, OPERATOR + 2 * 95_163);
    // Full snapshots (either backend) upload the whole state every time.
    for backend in [HASHMAP, ROCKSDB] {
        let r = job(backend).run(&[]);
        for c in &r.checkpoints {
            assert_eq!(c.state_bytes, c.full_state_bytes);
        }
        assert_eq!(ckpt(&r, 3).state_bytes, OPERATOR + 993_903);
    }
}

#[test]
fn each_backend_pays_its_own_synchronous_and_asynchronous_phases() {
    // Checkpoint 3, triggered at 20.5 s with nothing in flight: trigger RPC 1 ms, then
    // the barrier reaches the aggregate at once; the aggregate alone uploads a file.
    let hashmap = job(HASHMAP).run(&[]);
    let c = ckpt(&hashmap, 3);
    // Copy-on-write: 1 ms + 993,903 B ÷ 2 GB/s = 1.496952 ms (rounded up to the ns).
    assert_eq!(c.sync_s_max, 0.001496952);
    // 5 ms setup + 20 ms latency + 993,903 B ÷ 50 MB/s (19.87806 ms) + 1 ms ack.
    assert_eq!(c.async_s_max, 0.04587806);
    // RocksDB, full: a RocksDB snapshot handle, sync-base alone for the aggregate (the
    // sink's 1 ms + 128 B ÷ 2 GB/s = 1.000064 ms is now the longest); the asynchronous
    // phase iterates over the 993,903 B at 100 MB/s (9.93903 ms) before the upload.
    let rocksdb = job(ROCKSDB).run(&[]);
    let c = ckpt(&rocksdb, 3);
    assert_eq!(c.sync_s_max, 0.001000064);
    assert_eq!(c.async_s_max, 0.05581709);
    // RocksDB, incremental: flush the 95,163 B memtable at 500 MB/s (0.190326 ms)
    // after sync-base; read the new files at 500 MB/s (0.190326 ms), then 20 ms +
    // 95,163 B ÷ 50 MB/s (1.90326 ms) + 1 ms, after the 5 ms setup.
    let incremental = job(INCREMENTAL).run(&[]);
    let c = ckpt(&incremental, 3);
    assert_eq!(c.sync_s_max, 0.001190326);
    assert_eq!(c.async_s_max, 0.028093586);
    // End to end: 1 ms + sync + async + the metadata write (20 ms + 10,000 B ÷ 50 MB/s).
    assert_eq!(c.duration_s, 0.050483912);
}

/// The restore of a failure of the aggregate at 25 s (from checkpoint 3).
fn restore_s(state: &[(&str, &str)], overrides: &[&str]) -> (f64, RunResult) {
    let r = job(state).task_failure("25s", "agg", 0).run(overrides);
    assert_eq!(r.failures[0].restored_checkpoint, 3);
    (r.failures[0].restore_s, r)
}

#[test]
fn each_backend_restores_the_whole_state_its_own_way() {
    // Every backend downloads the aggregate's whole 993,903 B: 20 ms + 19.87806 ms.
    // HashMap: then deserialises it at 200 MB/s, 4.969515 ms.
    assert_eq!(restore_s(HASHMAP, &[]).0, 0.044847575);
    // RocksDB full: re-inserts it at 50 MB/s, 19.87806 ms.
    assert_eq!(restore_s(ROCKSDB, &[]).0, 0.05975612);
    // RocksDB incremental: the shared files of checkpoints 1 and 2 are downloaded with
    // checkpoint 3's own (95,163 B would take 1.90326 ms, not 19.87806), then the
    // database opens its one file (993,903 B under 64 MiB) in 5 ms.
    let (s, r) = restore_s(INCREMENTAL, &[]);
    assert_eq!(s, 0.04487806);
    assert!(r.summary.guarantee_held, "{:?}", r.summary.first_problem);
    // Opening grows with the state: 1 KB files make 994 of them, 4.97 s.
    let (s, _) = restore_s(INCREMENTAL, &["state.rocksdb-target-file-size=1000"]);
    assert_eq!(s, 0.04487806 - 0.005 + 4.97);
    // With task-local recovery the aggregate restarts in place: Flink hard-links the
    // local copy's SST files, so it only opens the database (5 ms); the heap backend
    // reads its copy at 500 MB/s (1.987806 ms) and deserialises (4.969515 ms).
    let local = ["state.local-recovery=true"];
    assert_eq!(restore_s(INCREMENTAL, &local).0, 0.005);
    assert_eq!(restore_s(HASHMAP, &local).0, 0.006957321);
}

#[test]
fn restoring_without_the_shared_files_loses_state_and_the_oracle_says_so() {
    let sc = crate::common::scenario(&job(INCREMENTAL).task_failure("25s", "agg", 0).toml(), &[]);
    let bug = ckptsim::mutants::Bug::IncrementalMissingBase;
    let r = ckptsim::sim::run_with(&sc, Some(bug)).expect("run");
    // Only checkpoint 3's own files come back: 20 ms + 95,163 B ÷ 50 MB/s + 5 ms open.
    assert_eq!(r.failures[0].restore_s, 0.02690326);
    // The state holds the 10,000 records folded in since checkpoint 2, not 510,000:
    // the finished job's final keyed state is 500,000 records short.
    assert!(!r.summary.guarantee_held);
    assert_eq!(r.summary.state_mismatch, 500_000);
    let p = r.summary.first_problem.expect("a problem");
    assert!(p.contains("500000 records too few"), "{p}");
    // Full snapshots have no shared files to miss: the same bug changes nothing.
    let sc = crate::common::scenario(&job(ROCKSDB).task_failure("25s", "agg", 0).toml(), &[]);
    let r = ckptsim::sim::run_with(&sc, Some(bug)).expect("run");
    assert!(r.summary.guarantee_held, "{:?}", r.summary.first_problem);
}

#[test]
fn checkpoints_csv_has_the_full_size_beside_the_uploaded_one() {
    let dir = crate::common::scratch("state-backends-csv");
    let file = dir.join("incremental.toml");
    std::fs::write(&file, job(INCREMENTAL).toml()).unwrap();
    let out = ckptsim(&[
        "run",
        file.to_str().unwrap(),
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let csv = std::fs::read_to_string(dir.join("checkpoints.csv")).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(",full_state_bytes,outcome"));
    let third = lines.nth(2).unwrap();
    assert!(third.starts_with("3,"), "{third}");
    assert!(
        third.ends_with(",95323,0,0,0,0,994063,completed"),
        "{third}"
    );
}

/// A scenario with `[state]` `lines` (its header on line 6, the lines from 7).
fn with_state(lines: &str) -> String {
    format!(
        "name = \"bad-state\"\n[job]\nduration = \"1min\"\n[checkpoint]\ninterval = \"5s\"\n[state]\n{lines}\n\
         [[job.source]]\nname = \"src\"\nparallelism = 1\npartitions = 1\nrate = 100\ncapacity = 1000\n\
         [[job.sink]]\nname = \"out\"\nparallelism = 1\ncapacity = 1000\n\
         [[job.edge]]\nfrom = \"src\"\nto = \"out\"\npartitioning = \"forward\"\n"
    )
}

/// The binary rejects `text` with exit code 2 and one stderr line naming the file,
/// `line` and `key`, with `needle` in it; no panic, no results.
fn rejects(text: &str, line: usize, key: &str, needle: &str) {
    let dir = crate::common::scratch(&format!("bad-state-{key}-{line}"));
    let file = dir.join("bad.toml");
    std::fs::write(&file, text).unwrap();
    let out_dir = dir.join("out");
    let out = ckptsim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let head = format!("{}:{line}: {key}: ", file.display());
    let error = (stderr.lines().find(|l| l.contains(&head)))
        .unwrap_or_else(|| panic!("no {head:?} in {stderr}"));
    assert!(error.contains(needle), "{needle:?} not in {error:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !out_dir.exists(),
        "a rejected scenario must not write results"
    );
}

#[test]
fn incremental_checkpoints_need_rocksdb() {
    // Flink's HashMap backend ignores execution.checkpointing.incremental; ckptsim says so.
    let msg = "need backend = \"rocksdb\"";
    rejects(
        &with_state("incremental = true"),
        7,
        "state.incremental",
        msg,
    );
    let text = with_state("backend = \"hashmap\"\nincremental = true");
    rejects(&text, 8, "state.incremental", msg);
    // RocksDB's own keys are errors with the HashMap backend.
    let text = with_state("rocksdb-insert-speed = \"80MB/s\"");
    rejects(
        &text,
        7,
        "state.rocksdb-insert-speed",
        "RocksDB backend only",
    );
}

#[test]
fn an_unknown_backend_lists_the_two() {
    let text = with_state("backend = \"forst\"");
    rejects(&text, 7, "state.backend", "expected `hashmap` or `rocksdb`");
}

#[test]
fn zero_rates_and_shares_out_of_range_are_rejected() {
    let rocks = |line: &str| with_state(&format!("backend = \"rocksdb\"\n{line}"));
    let more = "must be more than 0";
    rejects(
        &rocks("rocksdb-iterate-speed = 0"),
        8,
        "state.rocksdb-iterate-speed",
        more,
    );
    rejects(
        &rocks("rocksdb-insert-speed = \"0MB/s\""),
        8,
        "state.rocksdb-insert-speed",
        more,
    );
    rejects(
        &rocks("rocksdb-target-file-size = 0"),
        8,
        "state.rocksdb-target-file-size",
        more,
    );
    rejects(
        &rocks("rocksdb-writebuffer-size = 0"),
        8,
        "state.rocksdb-writebuffer-size",
        more,
    );
    let key = "state.rocksdb-write-amplification";
    rejects(
        &rocks("rocksdb-write-amplification = 0.5"),
        8,
        key,
        "between 1 and 1000",
    );
    let key = "state.rocksdb-compaction-share";
    rejects(
        &rocks("rocksdb-compaction-share = 1.5"),
        8,
        key,
        "between 0 and 1",
    );
    let key = "state.rocksdb-compaction-trigger";
    rejects(
        &rocks("rocksdb-compaction-trigger = 0"),
        8,
        key,
        "at least 1",
    );
    rejects(
        &with_state("local-disk-speed = 0"),
        7,
        "state.local-disk-speed",
        more,
    );
}
