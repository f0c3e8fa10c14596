//! The sinks' external systems (Flink's TwoPhaseCommitSinkFunction, and an
//! at-least-once sink for contrast). A two-phase-commit sink stages records in
//! an open transaction, pre-commits it in the synchronous snapshot of
//! checkpoint n, and commits every pre-committed transaction up to n when
//! notify-complete(n) arrives. On restore it commits the transactions recorded
//! in the restored checkpoint (recover-and-commit, so a lost notification
//! cannot lose data) and aborts the rest. An at-least-once sink writes at once.
//! Commits are idempotent, like Kafka's.

use crate::data::Segment;
use crate::event::{Ctx, TaskId};
use crate::job::Job;
use crate::mutants::Bug;
use crate::oracle::Invariant;
use crate::scenario::{SinkKind, VertexKind};
use std::collections::BTreeMap;

/// The external system behind one sink subtask: transactions and committed output.
#[derive(Clone, Debug, Default)]
pub(crate) struct SinkTxns {
    /// The open transaction's records.
    pub open: Vec<Segment>,
    /// Pre-committed transactions by checkpoint id.
    pub precommitted: BTreeMap<u64, Vec<Segment>>,
    /// Committed provenance: (partition, kg_lo, kg_hi) → offset ranges in commit order, merged when adjacent.
    pub committed: BTreeMap<(u32, u32, u32), Vec<(u64, u64)>>,
    /// Records committed.
    pub committed_records: f64,
    /// The highest checkpoint whose transaction this sink committed.
    pub last_committed_ckpt: u64,
}

/// Every sink subtask's external system (indexed by task; empty for non-sinks).
pub(crate) struct Sinks {
    /// Per task.
    pub ext: Vec<SinkTxns>,
    /// Records committed (made visible) over all sinks, in commit order.
    pub committed_records: f64,
}

impl Sinks {
    /// Empty systems for `n` tasks.
    pub fn new(n: usize) -> Self {
        Sinks {
            ext: vec![SinkTxns::default(); n],
            committed_records: 0.0,
        }
    }

    /// True when `task` is a subtask of a two-phase-commit sink.
    pub fn is_two_phase(&self, ctx: &Ctx, job: &Job, task: TaskId) -> bool {
        matches!(&ctx.sc.job.vertices[job.tasks[task].vertex].kind,
            VertexKind::Sink(s) if s.kind == SinkKind::TwoPhaseCommit)
    }

    /// A sink processed a buffer: stage it (two-phase commit) or write it (at-least-once).
    pub fn write(&mut self, ctx: &Ctx, job: &Job, task: TaskId, segs: Vec<Segment>, records: f64) {
        let k = ctx.sc.job.max_parallelism;
        if self.is_two_phase(ctx, job, task) {
            let open = &mut self.ext[task].open;
            for s in segs {
                match open.last_mut() {
                    Some(l) if l.continued_by(&s, k) => l.hi = s.hi,
                    _ => open.push(s),
                }
            }
        } else {
            self.committed_records += records;
            commit_segments(&mut self.ext[task], &segs, records, k);
        }
    }

    /// Pre-commit: the open transaction becomes checkpoint `ckpt`'s.
    pub fn precommit(&mut self, task: TaskId, ckpt: u64) {
        let ext = &mut self.ext[task];
        let open = std::mem::take(&mut ext.open);
        ext.precommitted.insert(ckpt, open);
    }

    /// Ids of the pre-committed transactions up to `ckpt` (recorded in the snapshot).
    pub fn precommitted_upto(&self, task: TaskId, ckpt: u64) -> Vec<u64> {
        self.ext[task]
            .precommitted
            .range(..=ckpt)
            .map(|(&id, _)| id)
            .collect()
    }

    /// notify-complete(`ckpt`) reached a sink: commit every pre-committed transaction up to it.
    pub fn commit_upto(
        &mut self,
        ctx: &mut Ctx,
        job: &Job,
        latest: Option<u64>,
        task: TaskId,
        ckpt: u64,
    ) {
        for id in self.precommitted_upto(task, ckpt) {
            self.commit_txn(ctx, job, latest, task, id);
        }
    }

    /// Commits one pre-committed transaction of a sink (idempotent, like Kafka's
    /// commit). `latest` is the latest completed checkpoint, for the invariant.
    pub fn commit_txn(
        &mut self,
        ctx: &mut Ctx,
        job: &Job,
        latest: Option<u64>,
        task: TaskId,
        id: u64,
    ) {
        let Some(segs) = self.ext[task].precommitted.remove(&id) else {
            return;
        };
        if latest.is_none_or(|c| c < id) {
            let what = format!(
                "{} committed the transaction of checkpoint {id}, which has not completed",
                job.task_name(ctx, task)
            );
            ctx.violate(Invariant::CommitOnlyCompleted, what);
        }
        let w = job.tasks[task].cost.out_weight;
        let k = ctx.sc.job.max_parallelism;
        let records: f64 = segs.iter().map(|s| s.count(k) as f64 * w).sum();
        self.committed_records += records;
        let ext = &mut self.ext[task];
        commit_segments(ext, &segs, records, k);
        ext.last_committed_ckpt = ext.last_committed_ckpt.max(id);
    }

    /// On restore: commit the transactions recorded in the restored checkpoint, abort the rest.
    pub fn recover(
        &mut self,
        ctx: &mut Ctx,
        job: &Job,
        latest: Option<u64>,
        task: TaskId,
        txns: &[u64],
    ) {
        if !self.is_two_phase(ctx, job, task) {
            return;
        }
        for &id in txns {
            self.commit_txn(ctx, job, latest, task, id);
        }
        if !ctx.has_bug(Bug::NoSinkAbort) {
            let ext = &mut self.ext[task];
            ext.open.clear();
            ext.precommitted.clear();
        }
    }
}

/// Adds committed segments to a sink's output, merging adjacent ranges.
fn commit_segments(ext: &mut SinkTxns, segs: &[Segment], records: f64, k: u32) {
    for s in segs {
        let v = ext
            .committed
            .entry((s.partition, s.kg_lo, s.kg_hi))
            .or_default();
        let joins = v
            .last()
            .is_some_and(|&(lo, hi)| Segment { lo, hi, ..*s }.continued_by(s, k));
        match v.last_mut() {
            Some(last) if joins => last.1 = s.hi,
            _ => v.push((s.lo, s.hi)),
        }
    }
    ext.committed_records += records;
}
