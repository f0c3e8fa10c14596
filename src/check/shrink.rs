//! Shrinking a failing case: fewer faults, earlier faults, a shorter run, a
//! smaller job, greedily, keeping each step only if the case still fails.
//! Bounded: at most `MAX_TRIES` candidate runs.

use super::case::{Base, Case, FaultTarget};
use super::{Failure, judge};
use crate::mutants::Bug;

const MAX_TRIES: usize = 400;

/// Candidate simplifications of `c`, most aggressive first.
fn candidates(c: &Case) -> Vec<Case> {
    let mut out = Vec::new();
    for i in 0..c.faults.len() {
        let mut d = c.clone();
        d.faults.remove(i);
        out.push(d);
    }
    for i in 0..c.faults.len() {
        let at = c.faults[i].at_ms;
        for new_at in [
            at / 2,
            at * 3 / 4,
            at.saturating_sub(1000),
            at.saturating_sub(100),
        ] {
            if new_at < at {
                let mut d = c.clone();
                d.faults[i].at_ms = new_at;
                d.faults.sort_by_key(|f| f.at_ms);
                out.push(d);
            }
        }
    }
    let last_fault = c.faults.iter().map(|f| f.at_ms).max().unwrap_or(0);
    for new_d in [
        c.duration_ms / 2,
        c.duration_ms * 3 / 4,
        c.duration_ms.saturating_sub(1000),
    ] {
        if new_d > last_fault && new_d >= 1000 && new_d < c.duration_ms {
            let mut d = c.clone();
            d.duration_ms = new_d;
            out.push(d);
        }
    }
    if let Base::Generated(g) = &c.base {
        // Drop an operator (the sink is last; the first operator may be keyed).
        for i in 0..g.stages.len().saturating_sub(1) {
            let mut g2 = g.clone();
            let removed = g2.stages.remove(i);
            let _ = removed;
            out.push(with_gen(c, g2));
        }
        if g.diamond {
            let mut g2 = g.clone();
            g2.diamond = false;
            out.push(with_gen(c, g2));
        }
        // Lower parallelisms.
        if g.source.0 > 1 {
            let mut g2 = g.clone();
            g2.source.0 -= 1;
            g2.source.1 = g2.source.1.min(g2.source.0 * 2).max(g2.source.0);
            out.push(with_gen(c, g2));
        }
        for i in 0..g.stages.len() {
            if g.stages[i].parallelism > 1 {
                let mut g2 = g.clone();
                g2.stages[i].parallelism -= 1;
                out.push(with_gen(c, g2));
            }
        }
        if g.taskmanagers > 1 {
            let mut g2 = g.clone();
            g2.taskmanagers -= 1;
            out.push(with_gen(c, g2));
        }
    }
    out.into_iter().filter_map(repair).collect()
}

fn with_gen(c: &Case, g: super::case::Gen) -> Case {
    Case {
        base: Base::Generated(g),
        ..c.clone()
    }
}

/// Makes a candidate valid again: forward edges keep equal parallelism,
/// faults name existing subtasks and TaskManagers (others are dropped).
fn repair(mut c: Case) -> Option<Case> {
    if let Base::Generated(g) = &mut c.base {
        g.fix_shape();
        let max_par = g.vertices().iter().map(|v| v.1).max().unwrap_or(1);
        g.taskmanagers = g.taskmanagers.min(max_par).max(1);
        let vertices = g.vertices();
        let tms = g.taskmanagers;
        c.faults.retain(|f| match &f.target {
            FaultTarget::Task(name, i) => vertices.iter().any(|(n, p)| n == name && i < p),
            FaultTarget::TaskManager(tm) => *tm < tms,
        });
    }
    Some(c)
}

/// The smallest failing case found from `f` within the budget.
pub fn shrink(f: &Failure, bug: Option<Bug>) -> Failure {
    let mut best = f.clone();
    let mut tries = 0;
    'outer: loop {
        for cand in candidates(&best.case) {
            if tries >= MAX_TRIES {
                break 'outer;
            }
            tries += 1;
            if cand == best.case {
                continue;
            }
            // Keep the kind of failure: one the run alone shows stays replayable by `run`.
            if let Err(reason) = judge(&cand, bug)
                && reason.self_evident() == f.self_evident()
            {
                best = Failure {
                    case: cand,
                    index: f.index,
                    reason,
                };
                continue 'outer;
            }
        }
        break;
    }
    best
}
