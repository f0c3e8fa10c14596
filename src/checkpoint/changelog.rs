//! The changelog state backend (FLIP-158; Flink's `state.changelog.enabled`,
//! `state.changelog.periodic-materialize.interval`,
//! `state.changelog.dstl.dfs.batch.persist-delay`): every change to keyed state
//! is also appended to a log that the changelog writer uploads continuously,
//! a batch at a time; periodically the wrapped backend's state is
//! materialised (snapshotted and uploaded in the background), and the log
//! before it may be dropped. A checkpoint then only waits for the tail of the
//! log not uploaded yet and refers to the last materialisation and the log
//! since; a restore downloads both, rebuilds the backend from the
//! materialisation and replays the log.
//!
//! ckptsim's model: a change is the key's new value, `bytes-per-key` per input
//! record; the tail a checkpoint uploads is at most one persist delay of
//! changes, at the task's mean rate since its previous snapshot; a
//! materialisation snapshots the whole keyed state every interval after the
//! task runs (the next one an interval after the last one completed) and
//! uploads it after the snapshot setup and the storage latency at the full
//! storage bandwidth. Simplifications: the continuous log upload and the
//! materialisation do not compete with checkpoint uploads for the bandwidth;
//! the synchronous phase is `sync-base` and the operator state's copy.

use super::Checkpointing;
use super::pending::TaskSnap;
use crate::event::{Ctx, Ev, TaskId};
use crate::job::Job;
use crate::mutants::Bug;
use crate::time::{NS_PER_S, SimDuration, SimTime};

/// What a changelog snapshot holds: the last materialisation and the log since.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct ChangelogSnap {
    /// Input records the materialisation holds.
    pub materialized_records: u64,
    /// Bytes of the materialisation.
    pub materialized_bytes: u64,
    /// Bytes of the changes logged since the materialisation.
    pub log_bytes: u64,
}

/// A task's changelog: its last completed materialisation and its last snapshot.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ChangelogTask {
    /// Input records the last materialisation holds.
    pub materialized_records: u64,
    /// Bytes of the last materialisation.
    pub materialized_bytes: u64,
    /// When the task's previous snapshot (or its start) was.
    pub last_at: SimTime,
    /// Input records folded in at that time.
    pub last_records: u64,
}

/// Bytes the changelog logs for `records` input records of `task` (each change is a
/// key's new value; 0 for a task without keyed state).
pub(crate) fn change_bytes(job: &Job, task: TaskId, records: u64) -> u64 {
    let t = &job.tasks[task];
    if t.state.keys_owned <= 0.0 {
        return 0;
    }
    (records as f64 * t.cost.in_weight * t.state.bytes_per_key as f64).round() as u64
}

/// Time to replay `snap`'s log on restore (none without the changelog, or with
/// the `changelog-no-replay` bug).
pub(crate) fn replay_time(ctx: &Ctx, snap: &TaskSnap) -> SimDuration {
    let (Some(cfg), Some(c)) = (&ctx.sc.state.changelog, snap.changelog) else {
        return SimDuration::ZERO;
    };
    if ctx.has_bug(Bug::ChangelogNoReplay) {
        return SimDuration::ZERO;
    }
    let ns = (c.log_bytes as u128 * NS_PER_S as u128).div_ceil(cfg.replay_bytes_per_s as u128);
    SimDuration(ns as u64)
}

/// True when `task` logs its keyed state: the changelog backend is on and it has keyed state.
fn logs(ctx: &Ctx, job: &Job, task: TaskId) -> bool {
    ctx.sc.state.changelog.is_some() && job.tasks[task].state.keys_owned > 0.0
}

impl Checkpointing {
    /// `task` runs (first deployment or restored): its materialisation timer starts.
    pub fn changelog_start(&mut self, ctx: &mut Ctx, job: &Job, task: TaskId) {
        if !logs(ctx, job, task) {
            return;
        }
        let now = ctx.now();
        let c = &mut self.changelog[task];
        c.last_at = now;
        c.last_records = job.tasks[task].state.records;
        let interval = ctx
            .sc
            .state
            .changelog
            .as_ref()
            .expect("on")
            .materialize_interval;
        let attempt = job.tasks[task].attempt;
        ctx.push(now + interval, Ev::Materialize { task, attempt });
    }

    /// The materialisation timer fired: snapshot the keyed state and upload it.
    pub fn materialize(&mut self, ctx: &mut Ctx, job: &Job, task: TaskId) {
        let records = job.tasks[task].state.records;
        let bytes = super::snapshot::keyed_bytes(job, task, records);
        let transfer = (bytes as u128 * NS_PER_S as u128)
            .div_ceil(ctx.sc.storage.bandwidth_bytes_per_s as u128) as u64;
        let at = ctx.now()
            + ctx.sc.checkpoint.snapshot_setup
            + ctx.sc.storage.latency
            + SimDuration(transfer);
        let attempt = job.tasks[task].attempt;
        ctx.push(
            at,
            Ev::Materialized {
                task,
                attempt,
                records,
                bytes,
            },
        );
    }

    /// A materialisation of `records` input records (`bytes`) is uploaded: later
    /// snapshots refer to it and log only the changes since; the next one comes an
    /// interval later.
    pub fn materialized(
        &mut self,
        ctx: &mut Ctx,
        job: &Job,
        task: TaskId,
        records: u64,
        bytes: u64,
    ) {
        let c = &mut self.changelog[task];
        c.materialized_records = records;
        c.materialized_bytes = bytes;
        let interval = ctx
            .sc
            .state
            .changelog
            .as_ref()
            .expect("on")
            .materialize_interval;
        let attempt = job.tasks[task].attempt;
        ctx.push(ctx.now() + interval, Ev::Materialize { task, attempt });
    }

    /// The changelog part of `task`'s snapshot now: the bytes of the log's tail it
    /// uploads and what the snapshot refers to; `None` when `task` logs nothing.
    pub(super) fn changelog_snapshot(
        &mut self,
        ctx: &Ctx,
        job: &Job,
        task: TaskId,
    ) -> Option<(u64, ChangelogSnap)> {
        if !logs(ctx, job, task) {
            return None;
        }
        let now = ctx.now();
        let delay = ctx.sc.state.changelog.as_ref().expect("on").persist_delay;
        let records = job.tasks[task].state.records;
        let c = &mut self.changelog[task];
        let since = records.saturating_sub(c.last_records);
        let span = now.since(c.last_at).as_ns();
        // At most one persist delay of changes is not uploaded yet.
        let tail = if span <= delay.as_ns() {
            since
        } else {
            (since as u128 * delay.as_ns() as u128).div_ceil(span as u128) as u64
        };
        c.last_at = now;
        c.last_records = records;
        let snap = ChangelogSnap {
            materialized_records: c.materialized_records,
            materialized_bytes: c.materialized_bytes,
            log_bytes: change_bytes(job, task, records.saturating_sub(c.materialized_records)),
        };
        Some((change_bytes(job, task, tail), snap))
    }

    /// A restored `task` continues the log of `snap`: its materialisation is the
    /// snapshot's.
    pub fn changelog_restored(&mut self, task: TaskId, snap: &TaskSnap) {
        let c = &mut self.changelog[task];
        let m = snap.changelog.unwrap_or_default();
        c.materialized_records = m.materialized_records;
        c.materialized_bytes = m.materialized_bytes;
    }
}
