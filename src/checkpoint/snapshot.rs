//! Taking a snapshot at a task: a source snapshots its offsets when it takes
//! the trigger from its mailbox and emits the barrier; every task then runs
//! the synchronous phase (processing nothing, pre-committing a two-phase-commit
//! sink; how long is the state backend's: HashMap `sync-base` + state ÷
//! `sync-speed`, see `state_backend`), unblocks its inputs and uploads the
//! state asynchronously: `snapshot-setup` (the fixed cost of opening the
//! stream and file), the backend's read of its state (RocksDB), the storage
//! request latency, then the bytes at its share of the storage bandwidth, then
//! the acknowledgement RPC; state under 20 KiB travels inline with the
//! acknowledgement and opens no file. Keyed state is a size: the expected
//! number of distinct keys seen times the bytes per key; with incremental
//! checkpoints the keys changed since the latest completed checkpoint are those
//! seen among the records folded in since.

use super::pending::TaskSnap;
use super::state_backend::{self, Base, StateNow};
use super::unaligned::{ChannelState, state_bytes};
use super::{Checkpointing, INLINE_STATE_BYTES, Store};
use crate::event::{Ctx, Ev, Owner, TaskId};
use crate::job::Job;
use crate::job::task::{Role, Work};
use crate::mutants::Bug;
use crate::time::SimDuration;

/// Snapshot bytes of a source's offsets, per partition.
const OFFSET_BYTES_PER_PARTITION: u64 = 16;
/// Snapshot bytes of a sink's transaction handle, per open or pre-committed transaction.
const TXN_HANDLE_BYTES: u64 = 64;

impl Checkpointing {
    /// A source takes its snapshot: offsets, then the barrier, then the sync phase.
    pub fn source_snapshot(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        storage: &mut Store,
        task: TaskId,
        ckpt: u64,
    ) {
        let now = ctx.now();
        if let Some(p) = self.coord.pending.get_mut(&ckpt) {
            p.note_start(now);
        }
        let unaligned = self.is_unaligned(ctx, ckpt);
        if let (true, Some(p)) = (unaligned, self.coord.pending.get_mut(&ckpt)) {
            p.unaligned_subtasks += 1;
        }
        let out = self.emit_barrier(ctx, job, storage, task, ckpt, unaligned);
        self.take_snapshot(ctx, job, task, ckpt, out);
    }

    /// Operator state bytes: a source's offsets, a sink's transaction handles.
    fn operator_bytes(&self, job: &Job, task: TaskId) -> u64 {
        match &job.tasks[task].role {
            Role::Source { partitions, .. } => OFFSET_BYTES_PER_PARTITION * partitions.len() as u64,
            Role::Sink => TXN_HANDLE_BYTES * (1 + self.sinks.ext[task].precommitted.len() as u64),
            Role::Operator => 0,
        }
    }

    /// The task's state now, and (incremental checkpoints) what changed since the
    /// latest completed checkpoint, its base.
    fn state_now(&self, ctx: &Ctx, job: &Job, task: TaskId) -> (StateNow, Option<Base>) {
        let records = job.tasks[task].state.records;
        let base = (self.coord.latest.as_ref())
            .filter(|_| state_backend::incremental(ctx.sc))
            .map(|c| Base {
                records: c.snaps[task].state_records,
                flushes: c.snaps[task].flushes,
            });
        let keyed = keyed_bytes(job, task, records);
        let changed = match base {
            // The distinct keys among the records folded in since the base.
            Some(b) => keyed_bytes(job, task, records.saturating_sub(b.records)),
            None => keyed,
        };
        let now = StateNow {
            operator_bytes: self.operator_bytes(job, task),
            keyed_bytes: keyed,
            changed_bytes: changed,
        };
        (now, base)
    }

    /// The synchronous part of a snapshot: capture state (and, unaligned, the
    /// output channel state `out` the barrier overtook), pre-commit, and stay busy.
    pub(super) fn take_snapshot(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        task: TaskId,
        ckpt: u64,
        out: ChannelState,
    ) {
        let now = ctx.now();
        self.tasks[task].last_snapshot = ckpt;
        let is_2pc = self.sinks.is_two_phase(ctx, job, task);
        if is_2pc {
            self.sinks.precommit(task, ckpt);
            if ctx.has_bug(Bug::CommitBeforeComplete) {
                let latest = self.coord.latest_id();
                self.sinks.commit_txn(ctx, job, latest, task, ckpt);
            }
        }
        let (mut state, base) = self.state_now(ctx, job, task);
        let mut cost = state_backend::snapshot_cost(ctx.sc, state, base);
        let changelog = self.changelog_snapshot(ctx, job, task);
        if let Some((tail, c)) = changelog {
            // The changelog backend: the tail of the log goes up; the snapshot refers
            // to the materialisation and the log since, which a restore reads.
            let cfg = &ctx.sc.checkpoint;
            let heap = state_backend::at_rate(state.operator_bytes, cfg.sync_bytes_per_s);
            cost.sync = cfg.sync_base + heap;
            cost.upload_bytes = state.operator_bytes + tail;
            cost.base_records = 0;
            cost.flushes = 0;
            state.keyed_bytes = c.materialized_bytes + c.log_bytes;
        }
        let bytes = state.operator_bytes + state.keyed_bytes;
        let t = &job.tasks[task];
        let snap = TaskSnap {
            persisted: false,
            frontier: match &t.role {
                Role::Source { .. } => Vec::new(),
                _ => t.state.frontier.clone(),
            },
            state_records: t.state.records,
            state_bytes: bytes,
            keyed_bytes: state.keyed_bytes,
            uploaded_bytes: cost.upload_bytes,
            base_records: cost.base_records,
            flushes: cost.flushes,
            tm: t.tm,
            offsets: match &t.role {
                Role::Source { partitions, .. } => partitions
                    .iter()
                    .map(|&gp| (gp, job.offsets[gp as usize]))
                    .collect(),
                _ => Vec::new(),
            },
            sink_txns: if is_2pc {
                self.sinks.precommitted_upto(task, ckpt)
            } else {
                Vec::new()
            },
            inflight_bytes: state_bytes(&out),
            out_state: if ctx.has_bug(Bug::UnalignedNoChannelState) {
                Vec::new()
            } else {
                out
            },
            in_state: Vec::new(),
            changelog: changelog.map(|c| c.1),
        };
        if let Some(p) = self.coord.pending.get_mut(&ckpt) {
            p.snaps[task] = Some(snap);
        }
        self.tasks[task].sync_started = now;
        self.tasks[task].snap_bytes = cost.upload_bytes;
        job.busy(ctx, task, Work::Sync { ckpt }, cost.sync);
    }

    /// The synchronous phase ended: resume input, start the asynchronous upload
    /// (unaligned: once every barrier came and the input channel state is complete).
    pub fn sync_done(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        storage: &mut Store,
        task: TaskId,
        ckpt: u64,
    ) {
        let now = ctx.now();
        job.unblock_inputs(ctx, task);
        let Some(p) = self.coord.pending.get_mut(&ckpt) else {
            return;
        };
        p.sync_max = p.sync_max.max(now.since(self.tasks[task].sync_started));
        p.async_start[task] = now;
        if self.tasks[task].align.contains_key(&ckpt) {
            self.tasks[task].upload_waiting = Some(ckpt);
            return;
        }
        self.start_upload(ctx, job, storage, task, ckpt);
    }

    /// The asynchronous phase of `task`'s snapshot for `ckpt`: its state and its
    /// channel state go to the storage (or inline with the acknowledgement).
    pub(super) fn start_upload(
        &mut self,
        ctx: &mut Ctx,
        job: &mut Job,
        storage: &mut Store,
        task: TaskId,
        ckpt: u64,
    ) {
        let now = ctx.now();
        let input = self.channel_state_of(ctx, task, ckpt);
        let Some(snap) = (self.coord.pending.get_mut(&ckpt)).and_then(|p| p.snaps[task].as_mut())
        else {
            return;
        };
        snap.inflight_bytes += state_bytes(&input);
        snap.in_state = input;
        let bytes = self.tasks[task].snap_bytes + snap.inflight_bytes;
        // The backend reads its state (iterates, or reads the new files) before the upload.
        let read = match snap.changelog {
            Some(_) => SimDuration::ZERO, // the log's tail is in memory
            None => state_backend::read_time(ctx.sc, snap),
        };
        let attempt = job.tasks[task].attempt;
        let inline = bytes <= INLINE_STATE_BYTES;
        if inline {
            self.mark_persisted(task, ckpt);
        }
        if inline || ctx.has_bug(Bug::AckBeforeUpload) {
            let read = if inline { read } else { SimDuration::ZERO };
            let at = now + read + ctx.sc.cluster.rpc_latency;
            ctx.push(
                at,
                Ev::Ack {
                    task,
                    attempt,
                    ckpt,
                },
            );
        }
        if !inline {
            let id = storage.create(
                bytes,
                Owner::Upload {
                    task,
                    attempt,
                    ckpt,
                },
            );
            // The snapshot's fixed cost (stream, file, handle), then the request latency;
            // then the bytes share the storage bandwidth.
            let setup = ctx.sc.checkpoint.snapshot_setup;
            ctx.push(
                now + setup + read + ctx.sc.storage.latency,
                Ev::StorageStart { id },
            );
        }
    }

    /// A task's snapshot for `ckpt` is durable (uploaded, or inline with the ack).
    pub fn mark_persisted(&mut self, task: TaskId, ckpt: u64) {
        let co = &mut self.coord;
        if let Some(p) = co.pending.get_mut(&ckpt) {
            if let Some(s) = p.snaps[task].as_mut() {
                s.persisted = true;
            }
        } else if let Some(c) = co.latest.as_mut()
            && c.id == ckpt
        {
            c.snaps[task].persisted = true;
        }
    }
}

/// Keyed state bytes of `task` after folding in `records` input records: the
/// keys seen after n records over K keys, K·(1 − e^(−n/K)), times the bytes per key.
pub(super) fn keyed_bytes(job: &Job, task: TaskId, records: u64) -> u64 {
    let t = &job.tasks[task];
    let s = &t.state;
    if s.keys_owned <= 0.0 {
        return 0;
    }
    let n = records as f64 * t.cost.in_weight;
    let seen = s.keys_owned * (1.0 - (-n / s.keys_owned).exp());
    (seen * s.bytes_per_key as f64).round() as u64
}
