//! What the oracle needs from a finished run, gathered from the rooms: each
//! sink's committed output and what it must hold, the final keyed state and
//! its check against the job graph, and the canonical form of committed output
//! (for the comparison with the failure-free reference run).

use super::Sim;
use crate::data::Segment;
use crate::job::source::Log;
use crate::metrics::JobStatus;
use crate::oracle::SinkOutput;
use crate::scenario::{Partitioning, Scenario, SinkKind, VertexKind};
use std::collections::BTreeMap;

impl Sim<'_> {
    /// Final keyed state per key-group range ("agg[1]") for operators fed only by hash
    /// edges (where a subtask owns fixed key groups), else per vertex ("agg[*]").
    pub(super) fn final_state(&self) -> Vec<(String, u64)> {
        let sc = self.ctx.sc;
        let mut out = Vec::new();
        for (v, vs) in sc.job.vertices.iter().enumerate() {
            if !matches!(&vs.kind, VertexKind::Operator(o) if o.state.is_some()) {
                continue;
            }
            let keyed = sc
                .job
                .edges
                .iter()
                .filter(|e| e.to == v)
                .all(|e| e.partitioning == Partitioning::Hash);
            let subtasks = self.job.tasks.iter().filter(|t| t.vertex == v);
            if keyed {
                out.extend(
                    subtasks.map(|t| (format!("{}[{}]", vs.name, t.index), t.state.records)),
                );
            } else {
                out.push((
                    format!("{}[*]", vs.name),
                    subtasks.map(|t| t.state.records).sum(),
                ));
            }
        }
        out
    }

    /// Final keyed state against what a finished job must hold: every source
    /// record folded in once per path to the vertex. Returns (missing, extra).
    pub(super) fn state_check(&self) -> (u64, u64) {
        if self.job.status != JobStatus::Finished {
            return (0, 0);
        }
        let sc = self.ctx.sc;
        let n = sc.job.vertices.len();
        let mut source_len = vec![0u64; n];
        let mut rank = 0;
        for (v, vs) in sc.job.vertices.iter().enumerate() {
            if let VertexKind::Source(_) = vs.kind {
                source_len[v] = self
                    .job
                    .log
                    .partitions_of(rank)
                    .map(|gp| self.job.log.final_len(gp))
                    .sum();
                rank += 1;
            }
        }
        // Records reaching each vertex (vertices are in topological order).
        let mut reaching = source_len.clone();
        for v in 0..n {
            for e in sc.job.edges.iter().filter(|e| e.from == v) {
                reaching[e.to] += reaching[v];
            }
        }
        let (mut short, mut over) = (0u64, 0u64);
        for (v, vs) in sc.job.vertices.iter().enumerate() {
            let VertexKind::Operator(o) = &vs.kind else {
                continue;
            };
            if o.state.is_none() {
                continue;
            }
            let held: u64 = self
                .job
                .tasks
                .iter()
                .filter(|t| t.vertex == v)
                .map(|t| t.state.records)
                .sum();
            short += reaching[v].saturating_sub(held);
            over += held.saturating_sub(reaching[v]);
        }
        (short, over)
    }

    /// What each sink committed and should have committed, for the oracle.
    pub(super) fn sink_outputs(&self) -> Vec<SinkOutput> {
        let sc = self.ctx.sc;
        let finished = self.job.status == JobStatus::Finished;
        let co = &self.ckpt.coord;
        let offsets_of = |ckpt: u64| -> Vec<u64> {
            co.ckpt_offsets
                .get(&ckpt)
                .cloned()
                .unwrap_or_else(|| vec![0; self.job.offsets.len()])
        };
        let final_offsets: Vec<u64> = (0..self.job.offsets.len())
            .map(|gp| self.job.log.final_len(gp as u32))
            .collect();
        let mut outs = Vec::new();
        for (v, vs) in sc.job.vertices.iter().enumerate() {
            let VertexKind::Sink(sink) = &vs.kind else {
                continue;
            };
            let parts = upstream_partitions(sc, v, &self.job.log);
            let subtasks: Vec<usize> = (0..self.job.tasks.len())
                .filter(|&t| self.job.tasks[t].vertex == v)
                .collect();
            // The checkpoint whose cut the output must reach (none when finished).
            let mut cut = None;
            let (must, limit) = if finished {
                let f = final_offsets.clone();
                (
                    f.clone(),
                    (sink.kind == SinkKind::TwoPhaseCommit).then_some(f),
                )
            } else if sink.kind == SinkKind::TwoPhaseCommit {
                let ids: Vec<u64> = subtasks
                    .iter()
                    .map(|&t| self.ckpt.sinks.ext[t].last_committed_ckpt)
                    .collect();
                let lo = ids.iter().copied().min().unwrap_or(0);
                let hi = ids.iter().copied().max().unwrap_or(0);
                cut = Some(lo);
                (offsets_of(lo), Some(offsets_of(hi)))
            } else {
                cut = co.latest_id();
                (offsets_of(co.latest_id().unwrap_or(0)), None)
            };
            // Records an unaligned checkpoint holds as in-flight data are part of
            // it and reach the sink only after a restore: once per path from the
            // vertex whose input they are to the sink.
            let paths = paths_to(sc, v);
            let in_flight = (cut
                .and_then(|c| co.ckpt_in_flight.get(&c))
                .into_iter()
                .flatten())
            .flat_map(|&(u, seg)| std::iter::repeat_n(seg, paths[u] as usize))
            .collect();
            let copies = partition_copies(sc, v, &self.job.log);
            // Flink keeps per-key order only along forward and hash edges.
            // (Two paths into one sink interleave their copies: no order either.)
            let ordered = !rebalanced_upstream(sc, v) && copies.values().all(|&c| c == 1);
            // Per sink subtask and (partition, key groups): committed ranges in commit order.
            let sequences: Vec<Vec<Segment>> = subtasks
                .iter()
                .flat_map(|&t| {
                    self.ckpt.sinks.ext[t]
                        .committed
                        .iter()
                        .map(|(&(p, g0, g1), rs)| {
                            rs.iter()
                                .map(|&(lo, hi)| Segment {
                                    partition: p,
                                    kg_lo: g0,
                                    kg_hi: g1,
                                    lo,
                                    hi,
                                })
                                .collect::<Vec<_>>()
                        })
                })
                .collect();
            let committed = sequences.iter().flatten().copied().collect();
            let in_commit_order = if ordered { sequences } else { Vec::new() };
            outs.push(SinkOutput {
                name: vs.name.clone(),
                committed,
                must_have: parts.iter().map(|&p| (p, must[p as usize])).collect(),
                visible_limit: limit.map(|l| parts.iter().map(|&p| (p, l[p as usize])).collect()),
                in_commit_order,
                copies,
                in_flight,
            });
        }
        outs
    }
}

/// The canonical form of a multiset of committed segments: per (partition, key
/// groups), the maximal ranges of constant coverage depth d, trimmed to their first
/// and last member record, each listed d times, sorted. Equal record multisets give
/// equal lists, however the commits were cut.
pub(super) fn normalise(segs: Vec<Segment>, k: u32) -> Vec<Segment> {
    let mut by_key: BTreeMap<(u32, u32, u32), Vec<(u64, i64)>> = BTreeMap::new();
    for s in segs.iter().filter_map(|s| s.trimmed(k)) {
        let e = by_key.entry((s.partition, s.kg_lo, s.kg_hi)).or_default();
        e.push((s.lo, 1));
        e.push((s.hi, -1));
    }
    let mut out = Vec::new();
    for ((partition, kg_lo, kg_hi), mut edges) in by_key {
        edges.sort_unstable();
        let mut pieces: Vec<(Segment, i64)> = Vec::new();
        let mut depth = 0i64;
        for i in 0..edges.len() {
            depth += edges[i].1;
            let Some(&(next, _)) = edges.get(i + 1) else {
                break;
            };
            let piece = Segment {
                partition,
                kg_lo,
                kg_hi,
                lo: edges[i].0,
                hi: next,
            };
            let Some(piece) = piece.trimmed(k).filter(|_| depth > 0) else {
                continue;
            };
            match pieces.last_mut() {
                Some((l, d)) if *d == depth && l.continued_by(&piece, k) => l.hi = piece.hi,
                _ => pieces.push((piece, depth)),
            }
        }
        for (piece, d) in pieces {
            out.extend(std::iter::repeat_n(piece, d as usize));
        }
    }
    out
}

/// Per global partition: the number of paths from its source to vertex `v` (a diamond
/// delivers each record once per path).
fn partition_copies(sc: &Scenario, v: usize, log: &Log) -> BTreeMap<u32, u32> {
    let n = sc.job.vertices.len();
    let mut out = BTreeMap::new();
    let mut rank = 0;
    for (s, vs) in sc.job.vertices.iter().enumerate() {
        let VertexKind::Source(_) = vs.kind else {
            continue;
        };
        let mut paths = vec![0u32; n];
        paths[s] = 1;
        for u in s..n {
            for e in sc.job.edges.iter().filter(|e| e.from == u) {
                paths[e.to] = paths[e.to].saturating_add(paths[u]);
            }
        }
        for gp in log.partitions_of(rank) {
            if paths[v] > 0 {
                out.insert(gp, paths[v]);
            }
        }
        rank += 1;
    }
    out
}

/// Per vertex: the number of paths from it to vertex `v` in the job graph.
fn paths_to(sc: &Scenario, v: usize) -> Vec<u32> {
    let n = sc.job.vertices.len();
    let mut paths = vec![0u32; n];
    paths[v] = 1;
    for u in (0..n).rev() {
        for e in sc.job.edges.iter().filter(|e| e.from == u) {
            paths[u] = paths[u].saturating_add(paths[e.to]);
        }
    }
    paths
}

/// True when some path into vertex `v` crosses a rebalance edge (no order guarantee).
fn rebalanced_upstream(sc: &Scenario, v: usize) -> bool {
    let mut reach = vec![false; sc.job.vertices.len()];
    reach[v] = true;
    for u in (0..sc.job.vertices.len()).rev() {
        if sc.job.edges.iter().any(|e| e.from == u && reach[e.to]) {
            reach[u] = true;
        }
    }
    sc.job
        .edges
        .iter()
        .any(|e| reach[e.to] && e.partitioning == Partitioning::Rebalance)
}

/// Global partitions of every source upstream of vertex `v`.
fn upstream_partitions(sc: &Scenario, v: usize, log: &Log) -> Vec<u32> {
    let mut reach = vec![false; sc.job.vertices.len()];
    reach[v] = true;
    for u in (0..sc.job.vertices.len()).rev() {
        if sc.job.edges.iter().any(|e| e.from == u && reach[e.to]) {
            reach[u] = true;
        }
    }
    let mut parts = Vec::new();
    let mut rank = 0;
    for (u, vs) in sc.job.vertices.iter().enumerate() {
        if let VertexKind::Source(_) = vs.kind {
            if reach[u] {
                parts.extend(log.partitions_of(rank));
            }
            rank += 1;
        }
    }
    parts
}
