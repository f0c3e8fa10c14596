//! Restore of a deployed task from the latest completed checkpoint: keyed
//! state (empty when the snapshot's upload never finished), the source rewind
//! to the checkpointed offsets (what was read past them is replayed), the
//! sink's recover-and-commit and abort, the state download (which shares the
//! storage bandwidth; an incremental checkpoint's shared files of earlier
//! checkpoints included), and then the rebuilding of the state backend from
//! the downloaded bytes, separate from the storage: the HashMap backend
//! deserialises every entry at `checkpoint.restore-speed`, RocksDB re-inserts
//! them or opens its files (`checkpoint::state_backend`). With
//! task-local recovery (`state.local-recovery`) a task that restarts in the
//! TaskManager that took its snapshot, alive since, reads the local copy at
//! `state.local-disk-speed` instead of downloading it.

use super::Recovery;
use crate::checkpoint::changelog;
use crate::checkpoint::pending::TaskSnap;
use crate::checkpoint::{Checkpointing, INLINE_STATE_BYTES, Store, state_backend};
use crate::event::{Ctx, Ev, Owner, TaskId};
use crate::job::Job;
use crate::job::task::{Role, Status};
use crate::mutants::Bug;
use crate::time::SimDuration;

impl Recovery {
    /// A task is deployed: restore its state from the latest completed checkpoint.
    pub fn deployed(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        ckpt: &mut Checkpointing,
        storage: &mut Store,
        (task, attempt): (usize, u32),
    ) {
        if job.tasks[task].attempt != attempt || job.tasks[task].status != Status::Deploying {
            return;
        }
        let now = ctx.now();
        // The job's first deployment serves no failure.
        let ep = self.fo_episode.get(&self.failover_of[task]).copied();
        job.tasks[task].status = Status::Restoring;
        let (snap, restored) = match &ckpt.coord.latest {
            Some(c) => (c.snaps[task].clone(), Some((c.id, c.trigger))),
            None => (TaskSnap::default(), None),
        };
        if let Some(ep) = ep {
            let e = &mut self.episodes[ep];
            e.deployed_at = Some(e.deployed_at.map_or(now, |d| d.max(now)));
            e.restored_ckpt = restored;
        }
        // State that never reached storage cannot be restored: the task starts empty.
        let durable = snap.persisted && !ctx.has_bug(Bug::NoStateRestore);
        // The bug: without the shared files of earlier checkpoints, only the records
        // folded in since the base are restored.
        let missing_base = ctx.has_bug(Bug::IncrementalMissingBase);
        let lost = if missing_base { snap.base_records } else { 0 };
        // The bug: a changelog snapshot's materialisation without the log since.
        let no_replay = ctx.has_bug(Bug::ChangelogNoReplay);
        let st = &mut job.tasks[task].state;
        st.records = match (durable, snap.changelog) {
            (false, _) => 0,
            (true, Some(c)) if no_replay => c.materialized_records,
            (true, _) => snap.state_records.saturating_sub(lost),
        };
        let empty = TaskSnap::default();
        ckpt.changelog_restored(task, if durable { &snap } else { &empty });
        st.frontier.iter_mut().for_each(|f| *f = 0);
        for (p, &f) in snap.frontier.iter().enumerate() {
            st.frontier[p] = f;
        }
        ckpt.tasks[task].last_snapshot = restored.map_or(0, |r| r.0);
        let rewound = rewind_source(ctx, job, task, &snap);
        if let Some(ep) = ep {
            let e = &mut self.episodes[ep];
            for (gp, off) in rewound {
                let hw = job.high_water[gp as usize];
                e.replayed += hw - off;
                // A partition rewound twice in one episode keeps its latest mark.
                e.replay_to.retain(|&(p, _)| p != gp);
                e.replay_to.push((gp, hw));
            }
        }
        let latest = ckpt.coord.latest_id();
        ckpt.sinks.recover(ctx, job, latest, task, &snap.sink_txns);
        let (out, input) = if durable && !ctx.has_bug(Bug::UnalignedNoChannelRestore) {
            (&snap.out_state[..], &snap.in_state[..])
        } else {
            (&[][..], &[][..])
        };
        job.stash_channel_state(task, out, input);
        // The state handle (every file, shared ones included) and the channel state
        // are read; only the state is rebuilt (`state_backend`).
        let bytes = state_backend::fetch_bytes(&snap, missing_base) + snap.inflight_bytes;
        // Changelog: the backend is rebuilt from the materialisation, then the log is replayed.
        let log = snap.changelog.map_or(0, |c| c.log_bytes);
        let state = state_backend::rebuild_bytes(ctx.sc, &snap) - log;
        self.replay_after[task] = if durable {
            changelog::replay_time(ctx, &snap)
        } else {
            SimDuration::ZERO
        };
        if bytes > INLINE_STATE_BYTES && self.has_local_copy(ctx, job, task, &snap, restored) {
            // Task-local recovery: the TaskManager's own copy, read from its disk.
            let local = state_backend::local_read_bytes(ctx.sc, &snap) + snap.inflight_bytes;
            let read = state_backend::at_rate(local, ctx.sc.state.local_disk_bytes_per_s);
            let at = now + read + rebuild_time(ctx, state) + self.replay_after[task];
            ctx.push(at, Ev::Restored { task, attempt });
        } else if bytes > INLINE_STATE_BYTES {
            let id = storage.create(
                bytes,
                Owner::Restore {
                    task,
                    attempt,
                    bytes: state,
                },
            );
            ctx.push(now + ctx.sc.storage.latency, Ev::StorageStart { id });
        } else {
            self.downloaded(ctx, task, attempt, state);
        }
    }

    /// True when task-local recovery is on and `task` restarts in the TaskManager
    /// that took its snapshot, which has not died since (its disk keeps the copy).
    fn has_local_copy(
        &self,
        ctx: &Ctx,
        job: &Job,
        task: TaskId,
        snap: &TaskSnap,
        restored: Option<(u64, crate::time::SimTime)>,
    ) -> bool {
        let Some((_, trigger)) = restored else {
            return false;
        };
        let tm = job.tasks[task].tm;
        let died = self.cluster.tms[tm as usize].died_at;
        ctx.sc.state.local_recovery && snap.tm == tm && died.is_none_or(|d| d < trigger)
    }

    /// A task has its state's `bytes` (downloaded, or inline in the checkpoint
    /// metadata): it rebuilds its state backend, then runs.
    pub fn downloaded(&mut self, ctx: &mut Ctx, task: TaskId, attempt: u32, bytes: u64) {
        let at = ctx.now() + rebuild_time(ctx, bytes) + self.replay_after[task];
        ctx.push(at, Ev::Restored { task, attempt });
    }
}

/// Time to rebuild the state backend from `bytes` of snapshot (see
/// `state_backend::rebuild_bytes`): deserialise, re-insert, or open the files.
pub(crate) fn rebuild_time(ctx: &Ctx, bytes: u64) -> SimDuration {
    state_backend::rebuild_time(ctx.sc, bytes)
}

/// Rewinds a source task's partitions to the snapshot's offsets (or the start);
/// returns (global partition, offset rewound to) for every partition that will
/// read records again (up to its high-water mark).
fn rewind_source(ctx: &Ctx, job: &mut Job, task: TaskId, snap: &TaskSnap) -> Vec<(u32, u64)> {
    let Role::Source { partitions, .. } = &job.tasks[task].role else {
        return Vec::new();
    };
    if ctx.has_bug(Bug::NoSourceRewind) {
        return Vec::new();
    }
    let mut rewound = Vec::new();
    for &gp in partitions {
        let off = snap
            .offsets
            .iter()
            .find(|(p, _)| *p == gp)
            .map_or(0, |(_, o)| *o);
        if job.high_water[gp as usize] > off {
            rewound.push((gp, off));
        }
        job.offsets[gp as usize] = off;
    }
    rewound
}
