//! The exactly-once oracle: compares the provenance a sink committed with
//! the records it should have committed, per source partition and key group.
//!
//! Committed output is a multiset of segments (partition, offsets, key
//! groups). For every partition and every elementary key-group interval, the
//! committed offset ranges must tile [0, end) exactly once: a gap is lost
//! data, an overlap a duplicate, and (for transactional sinks) anything past
//! the last committed checkpoint is uncommitted data made visible. Counting
//! is by arithmetic over segments, never by visiting records.

mod invariant;
mod judge;

pub use invariant::{Invariant, Violation};
pub use judge::{Rejection, compare_with_reference, held, judge_run, needs_reference, promised};

use crate::data::{Segment, count_range};
use std::collections::BTreeMap;

/// What one sink vertex committed and what it should have.
#[derive(Clone, Debug, Default)]
pub struct SinkOutput {
    /// Sink vertex name.
    pub name: String,
    /// Every committed segment, over all subtasks, in any order.
    pub committed: Vec<Segment>,
    /// Per partition feeding the sink: every record below this offset must be committed.
    pub must_have: BTreeMap<u32, u64>,
    /// Per partition: nothing at or past this offset may be visible (transactional sinks only).
    pub visible_limit: Option<BTreeMap<u32, u64>>,
    /// Per sink subtask and (partition, key groups): committed ranges in commit order.
    pub in_commit_order: Vec<Vec<Segment>>,
    /// Per partition: how many copies the sink must hold (paths from its source to the sink; 1 if absent).
    pub copies: BTreeMap<u32, u32>,
    /// Records the checkpoint the output must reach holds as in-flight data (an
    /// unaligned checkpoint's channel state, once per path to the sink): they
    /// need not be committed yet, and are not lost.
    pub in_flight: Vec<Segment>,
}

/// The oracle's findings over all sinks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Records that should be committed and are not.
    pub lost: u64,
    /// Committed copies beyond the first.
    pub duplicates: u64,
    /// Records committed past the visible limit.
    pub uncommitted_visible: u64,
    /// Committed records that went backwards within one commit sequence.
    pub out_of_order: u64,
    /// The first problem found, in words.
    pub first_problem: Option<String>,
    /// Partition and offset of the first problem, to place it in an epoch.
    pub first_range: Option<(u32, u64)>,
}

impl Verdict {
    /// No loss, no duplicates, nothing uncommitted visible.
    pub fn exactly_once(&self) -> bool {
        self.lost == 0 && self.duplicates == 0 && self.uncommitted_visible == 0
    }
}

/// Checks every sink; `k` is the number of key groups.
pub fn check(sinks: &[SinkOutput], k: u32) -> Verdict {
    let mut v = Verdict::default();
    for s in sinks {
        check_sink(s, k, &mut v);
    }
    for s in sinks {
        check_order(s, k, &mut v);
    }
    v
}

fn note(v: &mut Verdict, what: String, at: (u32, u64)) {
    if v.first_problem.is_none() {
        v.first_problem = Some(what);
        v.first_range = Some(at);
    }
}

/// Counts records committed after later records of the same sequence.
fn check_order(s: &SinkOutput, k: u32, v: &mut Verdict) {
    for seq in &s.in_commit_order {
        let mut max_hi = 0u64;
        for seg in seq {
            let back = seg.hi.min(max_hi);
            if seg.lo < back {
                let n = count_range(seg.partition, seg.lo, back, seg.kg_lo, seg.kg_hi, k);
                if n > 0 {
                    v.out_of_order += n;
                    let what = format!(
                        "{}: partition {} offsets [{}, {back}) key groups [{}, {}) committed after later records",
                        s.name, seg.partition, seg.lo, seg.kg_lo, seg.kg_hi
                    );
                    note(v, what, (seg.partition, seg.lo));
                }
            }
            max_hi = max_hi.max(seg.hi);
        }
    }
}

fn check_sink(s: &SinkOutput, k: u32, v: &mut Verdict) {
    let mut by_partition: BTreeMap<u32, Vec<&Segment>> = BTreeMap::new();
    for seg in &s.committed {
        by_partition.entry(seg.partition).or_default().push(seg);
    }
    for (&p, &end) in &s.must_have {
        let copies = s.copies.get(&p).copied().unwrap_or(1) as u64;
        let segs = by_partition.remove(&p).unwrap_or_default();
        let mut bounds: Vec<u32> = vec![0, k];
        for seg in segs
            .iter()
            .copied()
            .chain(s.in_flight.iter().filter(|g| g.partition == p))
        {
            bounds.push(seg.kg_lo);
            bounds.push(seg.kg_hi);
        }
        bounds.sort_unstable();
        bounds.dedup();
        let limit = s
            .visible_limit
            .as_ref()
            .map(|m| m.get(&p).copied().unwrap_or(0));
        for w in bounds.windows(2) {
            let cell = Cell {
                p,
                g0: w[0],
                g1: w[1],
                end,
                copies,
                limit,
            };
            check_cell(s, &segs, cell, k, v);
        }
    }
    // Partitions that do not feed this sink must not appear in it.
    for (p, segs) in by_partition {
        let n: u64 = segs.iter().map(|s| s.count(k)).sum();
        v.uncommitted_visible += n;
        note(
            v,
            format!(
                "{}: committed {n} records of partition {p}, which does not feed it",
                s.name
            ),
            (p, 0),
        );
    }
}

/// One partition and elementary key-group interval of a sink, and what it must hold.
#[derive(Clone, Copy)]
struct Cell {
    p: u32,
    g0: u32,
    g1: u32,
    /// Every record below this offset must be committed `copies` times.
    end: u64,
    copies: u64,
    /// Nothing at or past this offset may be visible (transactional sinks).
    limit: Option<u64>,
}

/// Counts lost, duplicated and prematurely visible records of one cell.
fn check_cell(s: &SinkOutput, segs: &[&Segment], cell: Cell, k: u32, v: &mut Verdict) {
    let Cell {
        p,
        g0,
        g1,
        end,
        copies,
        limit,
    } = cell;
    // Coverage depth along the offsets: +1 where a committed range starts, -1 where
    // it ends; the same for the records held in flight (they only excuse a loss).
    let mut edges: Vec<(u64, i64, i64)> = vec![(0, 0, 0), (end, 0, 0)];
    let covers = |seg: &Segment| seg.partition == p && seg.kg_lo <= g0 && g1 <= seg.kg_hi;
    for seg in segs.iter().filter(|seg| covers(seg)) {
        edges.push((seg.lo, 1, 0));
        edges.push((seg.hi, -1, 0));
    }
    for seg in s.in_flight.iter().filter(|seg| covers(seg)) {
        edges.push((seg.lo, 0, 1));
        edges.push((seg.hi, 0, -1));
    }
    edges.sort_unstable();
    let count = |a: u64, b: u64| count_range(p, a, b, g0, g1, k);
    let (mut depth, mut held) = (0i64, 0i64);
    for i in 0..edges.len() {
        depth += edges[i].1;
        held += edges[i].2;
        let (a, b) = (edges[i].0, edges.get(i + 1).map_or(edges[i].0, |e| e.0));
        if b <= a {
            continue;
        }
        let d = depth.max(0) as u64;
        let covered = d + held.max(0) as u64;
        if covered < copies && a < end {
            let n = count(a, b.min(end)) * (copies - covered);
            if n > 0 {
                v.lost += n;
                let what = format!(
                    "{}: lost partition {p} offsets [{a}, {}) key groups [{g0}, {g1})",
                    s.name,
                    b.min(end)
                );
                note(v, what, (p, a));
            }
        }
        if d > copies {
            let n = count(a, b) * (d - copies);
            if n > 0 {
                v.duplicates += n;
                let what = format!(
                    "{}: duplicated partition {p} offsets [{a}, {b}) key groups [{g0}, {g1})",
                    s.name
                );
                note(v, what, (p, a));
            }
        }
        if let Some(l) = limit
            && d > 0
            && b > l
        {
            let n = count(a.max(l), b) * d;
            if n > 0 {
                v.uncommitted_visible += n;
                let what = format!(
                    "{}: partition {p} offsets [{}, {b}) key groups [{g0}, {g1}) visible past the last committed checkpoint (offset {l})",
                    s.name,
                    a.max(l)
                );
                note(v, what, (p, a.max(l)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: u32 = 8;

    fn out(committed: Vec<Segment>, end: u64, limit: Option<u64>) -> SinkOutput {
        SinkOutput {
            name: "sink".into(),
            committed,
            must_have: [(0, end)].into(),
            visible_limit: limit.map(|l| [(0, l)].into()),
            in_commit_order: Vec::new(),
            copies: BTreeMap::new(),
            in_flight: Vec::new(),
        }
    }

    fn seg(lo: u64, hi: u64, g0: u32, g1: u32) -> Segment {
        Segment {
            partition: 0,
            kg_lo: g0,
            kg_hi: g1,
            lo,
            hi,
        }
    }

    #[test]
    fn exact_tiling_passes() {
        let v = check(
            &[out(
                vec![seg(0, 50, 0, 4), seg(0, 100, 4, 8), seg(50, 100, 0, 4)],
                100,
                Some(100),
            )],
            K,
        );
        assert_eq!(v, Verdict::default());
        assert!(v.exactly_once());
    }

    #[test]
    fn gap_is_lost_overlap_is_duplicate_and_past_limit_is_visible() {
        // Key groups [0,4): offsets [0,40) and [60,100) committed, [40,60) missing. Partition 0's
        // key group is offset mod 8, so [40,60) holds 4 + 4 + 4 records in key groups 0..4.
        let v = check(
            &[out(
                vec![seg(0, 40, 0, 4), seg(60, 100, 0, 4), seg(0, 100, 4, 8)],
                100,
                None,
            )],
            K,
        );
        assert_eq!(v.lost, count_range(0, 40, 60, 0, 4, K));
        assert_eq!(v.lost, 12);
        assert_eq!(v.duplicates, 0);
        let v = check(
            &[out(vec![seg(0, 100, 0, 8), seg(90, 100, 0, 8)], 100, None)],
            K,
        );
        assert_eq!((v.lost, v.duplicates), (0, 10));
        let v = check(&[out(vec![seg(0, 100, 0, 8)], 80, Some(80))], K);
        assert_eq!((v.lost, v.duplicates, v.uncommitted_visible), (0, 0, 20));
        assert!(v.first_problem.unwrap().contains("visible"));
    }

    #[test]
    fn nothing_committed_loses_everything_up_to_end() {
        let v = check(&[out(vec![], 64, Some(0))], K);
        assert_eq!(v.lost, 64);
    }
}
