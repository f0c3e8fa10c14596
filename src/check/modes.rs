//! The checkpoint modes and state settings a generated case may turn on
//! (unaligned checkpoints, the aligned checkpoint timeout, the interval
//! during backlog, task-local recovery, the RocksDB backend and its
//! incremental checkpoints, buffer debloating), drawn from a stream of their own so that adding a
//! mode leaves the rest of every case as it was; a new mode's draws come last.

use crate::kernel::rng_stream;
use rand::RngExt;

/// Optional modes of a generated case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Modes {
    /// `checkpoint.unaligned = true`.
    pub unaligned: bool,
    /// `checkpoint.aligned-timeout` in ms, with unaligned (absent: Flink's default 0).
    pub aligned_timeout_ms: Option<u64>,
    /// `state.local-recovery = true`.
    pub local_recovery: bool,
    /// `checkpoint.interval-during-backlog` in ms (0: no checkpoints during backlog).
    pub interval_during_backlog_ms: Option<u64>,
    /// `state.backend = "rocksdb"` (else Flink's default, hashmap).
    pub rocksdb: bool,
    /// `state.incremental = true`, with RocksDB.
    pub incremental: bool,
    /// Buffer debloating: target (ms), period (ms), samples, threshold percentage.
    pub debloat: Option<(u64, u64, u32, u32)>,
}

impl Modes {
    /// The modes of case `index` of the check seeded `seed`; unaligned only where
    /// Flink allows it (exactly-once, max-concurrent 1).
    pub fn random(
        seed: u64,
        index: u64,
        exactly_once: bool,
        (interval_ms, max_concurrent): (u64, u32),
    ) -> Modes {
        let mut rng = rng_stream(seed, &format!("check/case/{index}/modes"));
        let unaligned = rng.random_bool(0.5) && exactly_once && max_concurrent == 1;
        let timeout =
            [None, Some(0u64), Some(20), Some(200), Some(2000)][rng.random_range(0..5usize)];
        let local_recovery = rng.random_bool(0.3);
        let interval_during_backlog_ms = [None, None, Some(0), Some(2), Some(5)]
            [rng.random_range(0..5usize)]
        .map(|k| k * interval_ms);
        let rocksdb = rng.random_bool(0.5);
        // Both drawn whatever the backend, so that the stream stays aligned.
        let incremental = rng.random_bool(0.5) && rocksdb;
        // Drawn last, all four whatever the coin, so that the stream stays aligned.
        let debloat_on = rng.random_bool(0.33);
        let debloat = (
            [100u64, 1000][rng.random_range(0..2usize)],
            [50u64, 200, 1000][rng.random_range(0..3usize)],
            [1u32, 5, 20][rng.random_range(0..3usize)],
            [0u32, 25, 50][rng.random_range(0..3usize)],
        );
        Modes {
            unaligned,
            aligned_timeout_ms: timeout.filter(|_| unaligned),
            local_recovery,
            interval_during_backlog_ms,
            rocksdb,
            incremental,
            debloat: debloat_on.then_some(debloat),
        }
    }

    /// Lines for the `[checkpoint]` table.
    pub fn checkpoint_lines(&self) -> String {
        let mut s = String::new();
        if self.unaligned {
            s.push_str("unaligned = true\n");
        }
        if let Some(t) = self.aligned_timeout_ms {
            s.push_str(&format!("aligned-timeout = \"{t}ms\"\n"));
        }
        if let Some(b) = self.interval_during_backlog_ms {
            s.push_str(&format!("interval-during-backlog = \"{b}ms\"\n"));
        }
        s
    }

    /// Lines for the `[network]` table.
    pub fn network_lines(&self) -> String {
        let Some((target, period, samples, threshold)) = self.debloat else {
            return String::new();
        };
        format!(
            "buffer-debloat = true\nbuffer-debloat-target = \"{target}ms\"\nbuffer-debloat-period = \"{period}ms\"\nbuffer-debloat-samples = {samples}\nbuffer-debloat-threshold-percentages = {threshold}\n"
        )
    }

    /// A `[state]` table, or nothing.
    pub fn state_table(&self) -> String {
        let mut s = String::new();
        if self.local_recovery {
            s.push_str("local-recovery = true\n");
        }
        if self.rocksdb {
            s.push_str("backend = \"rocksdb\"\n");
        }
        if self.incremental {
            s.push_str("incremental = true\n");
        }
        if s.is_empty() {
            return s;
        }
        format!("[state]\n{s}\n")
    }
}
