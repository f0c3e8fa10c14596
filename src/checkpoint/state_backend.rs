//! The keyed state backends (Flink's `state.backend.type`) and what each makes
//! a snapshot and a restore of one subtask cost. Operator state (a source's
//! offsets, a sink's transaction handles) lives on the heap under either
//! backend, as in Flink's DefaultOperatorStateBackend, and is always snapshotted
//! whole.
//!
//! - **HashMap** (HeapKeyedStateBackend): the synchronous phase takes a
//!   copy-on-write snapshot of the state tables (`sync-base` + state ÷
//!   `sync-speed`); the asynchronous phase serialises every entry into the
//!   upload (serialisation is taken to keep pace with the upload: no time of
//!   its own); a restore downloads the state and deserialises every entry
//!   (HeapRestoreOperation) at `checkpoint.restore-speed`.
//! - **RocksDB, full** (RocksFullSnapshotStrategy): the synchronous phase only
//!   takes a RocksDB snapshot (`db.getSnapshot()`, no flush: `sync-base`); the
//!   asynchronous phase iterates over every entry at `rocksdb-iterate-speed`,
//!   then uploads them; a restore (RocksDBFullRestoreOperation) downloads the
//!   stream and re-inserts every entry at `rocksdb-insert-speed`.
//! - **RocksDB, incremental** (RocksIncrementalSnapshotStrategy): the
//!   synchronous phase flushes the memtable (what changed since the last
//!   checkpoint, at most `rocksdb-writebuffer-size`, at `local-disk-speed`) and
//!   takes a native checkpoint (hard links, free); the asynchronous phase reads
//!   the SST files the last completed checkpoint does not hold at
//!   `local-disk-speed` and uploads them. Those new files are the keys changed
//!   since then (K·(1 − e^(−m/K)) keys for m records over K keys) times
//!   `rocksdb-write-amplification`, plus, every `rocksdb-compaction-trigger`-th
//!   flush since the last compaction, `rocksdb-compaction-share` of the state
//!   that a compaction rewrote into new files; never more than the whole state.
//!   The files of earlier checkpoints are shared (Flink's SharedStateRegistry):
//!   the checkpoint's full size is the whole state. A restore
//!   (RocksDBIncrementalRestoreOperation) downloads every file, shared ones
//!   included, or with local recovery hard-links the local copy's SST files
//!   (no time), then opens the database: `rocksdb-file-open` per SST file of
//!   `rocksdb-target-file-size`.
//!
//! Simplifications: the base of an incremental snapshot is the latest
//! checkpoint completed when the synchronous phase runs (Flink's is the latest
//! whose completion the task was notified of, one RPC later); one flush per
//! checkpoint (background flushes of a full memtable between checkpoints are
//! left to the write-amplification factor); a compaction is counted over the
//! flushes of completed checkpoints; an asynchronous phase reads its state,
//! then uploads it (Flink streams one into the other); the RocksDB files hold
//! the state at the size the keyed-state model gives it (no compression, no
//! space amplification); a RocksDB restore does not time the few bytes of
//! operator state it also deserialises.

use super::pending::TaskSnap;
use crate::scenario::{RocksDbConfig, Scenario, StateBackend};
use crate::time::{NS_PER_S, SimDuration};

/// Time for `bytes` at `bytes_per_s`, rounded up to the nanosecond.
pub(crate) fn at_rate(bytes: u64, bytes_per_s: u64) -> SimDuration {
    SimDuration((bytes as u128 * NS_PER_S as u128).div_ceil(bytes_per_s.max(1) as u128) as u64)
}

/// A subtask's state as its synchronous phase finds it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StateNow {
    /// Operator state bytes (offsets, transaction handles): always on the heap.
    pub operator_bytes: u64,
    /// Keyed state bytes, the whole of it.
    pub keyed_bytes: u64,
    /// Keyed state bytes of the keys changed since the base snapshot (all of
    /// them without a base).
    pub changed_bytes: u64,
}

/// The latest completed snapshot of the same subtask: an incremental snapshot's base.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Base {
    /// Input records folded into the base's keyed state.
    pub records: u64,
    /// Memtable flushes since the last compaction, as of the base.
    pub flushes: u32,
}

/// What one subtask's snapshot costs and uploads under the configured backend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SnapshotCost {
    /// The synchronous phase.
    pub sync: SimDuration,
    /// Bytes uploaded: the whole state, or incremental: operator state + new SST files.
    pub upload_bytes: u64,
    /// Incremental: records already held by the shared files of earlier checkpoints.
    pub base_records: u64,
    /// Incremental: memtable flushes since the last compaction, this one included.
    pub flushes: u32,
}

/// The RocksDB options, if RocksDB is the backend.
fn rocksdb(sc: &Scenario) -> Option<&RocksDbConfig> {
    match &sc.state.backend {
        StateBackend::HashMap => None,
        StateBackend::RocksDb(r) => Some(r),
    }
}

/// True when checkpoints are incremental (RocksDB with `incremental = true`).
pub(crate) fn incremental(sc: &Scenario) -> bool {
    rocksdb(sc).is_some_and(|r| r.incremental)
}

/// The cost of a snapshot of `now`, on top of `base` (incremental only; `None`:
/// no completed checkpoint to build on, everything is new).
pub(crate) fn snapshot_cost(sc: &Scenario, now: StateNow, base: Option<Base>) -> SnapshotCost {
    let cfg = &sc.checkpoint;
    let whole = now.operator_bytes + now.keyed_bytes;
    let Some(r) = rocksdb(sc) else {
        // Copy-on-write snapshot of the heap's state tables.
        return SnapshotCost {
            sync: cfg.sync_base + at_rate(whole, cfg.sync_bytes_per_s),
            upload_bytes: whole,
            ..SnapshotCost::default()
        };
    };
    // The operator state is copied on the heap under either backend.
    let heap = cfg.sync_base + at_rate(now.operator_bytes, cfg.sync_bytes_per_s);
    if !r.incremental {
        return SnapshotCost {
            sync: heap,
            upload_bytes: whole,
            ..SnapshotCost::default()
        };
    }
    let disk = sc.state.local_disk_bytes_per_s;
    let flush = now.changed_bytes.min(r.write_buffer_bytes);
    let flushes = base.map_or(0, |b| b.flushes) + 1;
    let compacted = flushes >= r.compaction_trigger;
    let new_files = match base {
        None => now.keyed_bytes,
        Some(_) => {
            let written = (now.changed_bytes as f64 * r.write_amplification).round() as u64;
            let rewritten = if compacted {
                (now.keyed_bytes as f64 * r.compaction_share).round() as u64
            } else {
                0
            };
            (written + rewritten).min(now.keyed_bytes)
        }
    };
    SnapshotCost {
        sync: heap + at_rate(flush, disk),
        upload_bytes: now.operator_bytes + new_files,
        base_records: base.map_or(0, |b| b.records),
        flushes: if compacted { 0 } else { flushes },
    }
}

/// The asynchronous phase's read of `snap`'s keyed state before its upload:
/// none (HashMap: serialisation keeps pace with the upload), the iteration over
/// every entry (RocksDB full), or reading the new SST files from the local disk
/// (RocksDB incremental).
pub(crate) fn read_time(sc: &Scenario, snap: &TaskSnap) -> SimDuration {
    match rocksdb(sc) {
        None => SimDuration::ZERO,
        Some(r) if !r.incremental => at_rate(snap.keyed_bytes, r.iterate_bytes_per_s),
        Some(_) => {
            let operator = snap.state_bytes - snap.keyed_bytes;
            let new_files = snap.uploaded_bytes - operator;
            at_rate(new_files, sc.state.local_disk_bytes_per_s)
        }
    }
}

/// Bytes of `snap`'s state a restore fetches: all of it, or with the
/// `incremental-missing-base` bug, only the files `snap`'s own checkpoint uploaded.
pub(crate) fn fetch_bytes(snap: &TaskSnap, missing_base: bool) -> u64 {
    if missing_base {
        snap.uploaded_bytes
    } else {
        snap.state_bytes
    }
}

/// Bytes a restore rebuilds its backend from: the whole state (HashMap), or the
/// keyed state (RocksDB: the few bytes of operator state are not timed).
pub(crate) fn rebuild_bytes(sc: &Scenario, snap: &TaskSnap) -> u64 {
    match rocksdb(sc) {
        None => snap.state_bytes,
        Some(_) => snap.keyed_bytes,
    }
}

/// Bytes of `snap`'s state a restore with task-local recovery reads from the
/// local disk: all of it, except the SST files of an incremental snapshot,
/// which Flink hard-links into the new instance directory.
pub(crate) fn local_read_bytes(sc: &Scenario, snap: &TaskSnap) -> u64 {
    if incremental(sc) {
        snap.state_bytes - snap.keyed_bytes
    } else {
        snap.state_bytes
    }
}

/// Rebuilding the backend from `bytes` (see [`rebuild_bytes`]): deserialise
/// every entry (HashMap), re-insert every entry (RocksDB full), or open the
/// database's SST files (RocksDB incremental).
pub(crate) fn rebuild_time(sc: &Scenario, bytes: u64) -> SimDuration {
    match rocksdb(sc) {
        None => at_rate(bytes, sc.checkpoint.restore_bytes_per_s),
        Some(r) if !r.incremental => at_rate(bytes, r.insert_bytes_per_s),
        Some(r) => {
            let files = bytes.div_ceil(r.target_file_bytes.max(1));
            SimDuration(r.file_open.0.saturating_mul(files))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_str;

    /// The tiny scenario with `state.*` overrides (`key=value`).
    fn scenario(sets: &[&str]) -> Scenario {
        let sets: Vec<String> = sets.iter().map(|s| format!("state.{s}")).collect();
        let text = include_str!("../../scenarios/tiny.toml");
        parse_str(text, "tiny.toml", &sets).unwrap()
    }

    const MB: u64 = 1_000_000;

    fn now(keyed: u64, changed: u64) -> StateNow {
        StateNow {
            operator_bytes: 0,
            keyed_bytes: keyed,
            changed_bytes: changed,
        }
    }

    /// A snapshot of `keyed` bytes of keyed state (no operator state) taken at `cost`.
    fn snap(keyed: u64, cost: SnapshotCost) -> TaskSnap {
        TaskSnap {
            state_bytes: keyed,
            keyed_bytes: keyed,
            uploaded_bytes: cost.upload_bytes,
            ..TaskSnap::default()
        }
    }

    #[test]
    fn hashmap_copies_on_write_and_uploads_everything() {
        let sc = scenario(&["backend=hashmap"]);
        // 1 ms + 10 MB ÷ 2 GB/s = 6 ms; nothing to read first; 10 MB up.
        let c = snapshot_cost(&sc, now(10 * MB, MB), None);
        assert_eq!(c.sync, SimDuration::from_millis(6));
        assert_eq!(c.upload_bytes, 10 * MB);
        assert_eq!(read_time(&sc, &snap(10 * MB, c)), SimDuration::ZERO);
        // Restore: 10 MB deserialised at 200 MB/s = 50 ms.
        let s = snap(10 * MB, c);
        assert_eq!(
            rebuild_time(&sc, rebuild_bytes(&sc, &s)),
            SimDuration::from_millis(50)
        );
        assert_eq!(local_read_bytes(&sc, &s), 10 * MB);
    }

    #[test]
    fn rocksdb_full_iterates_then_uploads_everything() {
        let sc = scenario(&["backend=rocksdb"]);
        // A RocksDB snapshot handle: sync-base only; 10 MB iterated at 100 MB/s.
        let c = snapshot_cost(&sc, now(10 * MB, MB), None);
        assert_eq!(c.sync, SimDuration::from_millis(1));
        assert_eq!(
            read_time(&sc, &snap(10 * MB, c)),
            SimDuration::from_millis(100)
        );
        assert_eq!(c.upload_bytes, 10 * MB);
        // Restore: 10 MB re-inserted at 50 MB/s = 200 ms.
        assert_eq!(rebuild_time(&sc, 10 * MB), SimDuration::from_millis(200));
    }

    #[test]
    fn rocksdb_incremental_uploads_the_new_files_and_compacts_every_fourth_flush() {
        let sc = scenario(&["backend=rocksdb", "incremental=true"]);
        // No base: the whole state is new; flush 1 MB at 500 MB/s = 2 ms.
        let first = snapshot_cost(&sc, now(10 * MB, MB), None);
        assert_eq!(first.sync, SimDuration::from_millis(3));
        assert_eq!(first.upload_bytes, 10 * MB);
        assert_eq!(
            read_time(&sc, &snap(10 * MB, first)),
            SimDuration::from_millis(20)
        );
        assert_eq!(first.flushes, 1);
        // On a base: the changed 1 MB only, read at 500 MB/s.
        let base = Base {
            records: 7,
            flushes: 1,
        };
        let second = snapshot_cost(&sc, now(10 * MB, MB), Some(base));
        assert_eq!((second.upload_bytes, second.base_records), (MB, 7));
        assert_eq!(
            read_time(&sc, &snap(10 * MB, second)),
            SimDuration::from_millis(2)
        );
        assert_eq!(second.flushes, 2);
        // The fourth flush since the last compaction: + 25% of the state, flushes reset.
        let base = Base {
            records: 7,
            flushes: 3,
        };
        let fourth = snapshot_cost(&sc, now(10 * MB, MB), Some(base));
        assert_eq!((fourth.upload_bytes, fourth.flushes), (MB + 10 * MB / 4, 0));
        // A memtable holds at most 64 MiB: the flush is bounded, the upload is not.
        let big = snapshot_cost(&sc, now(1000 * MB, 200 * MB), Some(base));
        let flush = at_rate(64 << 20, 500 * MB);
        assert_eq!(big.sync, SimDuration::from_millis(1) + flush);
        assert_eq!(big.upload_bytes, 200 * MB + 250 * MB);
        // Restore opens ceil(100 MB ÷ 64 MiB) = 2 files at 5 ms.
        assert_eq!(rebuild_time(&sc, 100 * MB), SimDuration::from_millis(10));
        // Local recovery hard-links the SST files: only operator state is read.
        let s = TaskSnap {
            state_bytes: 100 * MB + 64,
            keyed_bytes: 100 * MB,
            uploaded_bytes: MB + 64,
            ..TaskSnap::default()
        };
        assert_eq!(local_read_bytes(&sc, &s), 64);
        assert_eq!(rebuild_bytes(&sc, &s), 100 * MB);
        // The missing-base bug fetches only the latest increment.
        assert_eq!(
            (fetch_bytes(&s, false), fetch_bytes(&s, true)),
            (100 * MB + 64, MB + 64)
        );
    }
}
