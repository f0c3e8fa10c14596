//! The exactly-once decision: which guarantee a job promises, whether a run
//! kept it (the oracle's verdict plus the final keyed state), and why a
//! `check` case is rejected (a broken invariant, the guarantee violated, or
//! an exactly-once run whose committed output or final state differs from
//! the failure-free reference run).

use super::Verdict;
use crate::metrics::{Guarantee, JobStatus, RunResult};
use crate::scenario::{CheckpointMode, Scenario, SinkKind, VertexKind};
use std::fmt;

/// What `sc`'s job promises: exactly-once when its mode is exactly-once and all
/// its sinks are two-phase-commit; otherwise at-least-once.
pub fn promised(sc: &Scenario) -> Guarantee {
    let all_2pc = sc.job.vertices.iter().all(|v| match &v.kind {
        VertexKind::Sink(s) => s.kind == SinkKind::TwoPhaseCommit,
        _ => true,
    });
    if sc.checkpoint.mode == CheckpointMode::ExactlyOnce && all_2pc {
        Guarantee::ExactlyOnce
    } else {
        Guarantee::AtLeastOnce
    }
}

/// True when a run with verdict `v` and a final-state mismatch (records short,
/// records over) kept guarantee `g`.
pub fn held(g: Guarantee, v: &Verdict, state_short: u64, state_over: u64) -> bool {
    match g {
        Guarantee::ExactlyOnce => {
            v.exactly_once() && v.out_of_order == 0 && state_short + state_over == 0
        }
        Guarantee::AtLeastOnce => v.lost == 0 && state_short == 0,
    }
}

/// Why a run (a `check` case) is rejected.
#[derive(Clone, Debug, PartialEq)]
pub enum Rejection {
    /// The case's scenario is invalid.
    InvalidCase(String),
    /// A named invariant broke (the first violation, as text).
    Invariant(String),
    /// The promised guarantee was violated.
    Guarantee {
        /// The guarantee.
        guarantee: Guarantee,
        /// Records lost.
        lost: u64,
        /// Records duplicated.
        duplicates: u64,
        /// Records visible before their commit.
        uncommitted_visible: u64,
        /// Records committed out of order.
        out_of_order: u64,
        /// Final keyed state off by this many records.
        state_mismatch: u64,
        /// The first problem, in words.
        first: String,
    },
    /// The run was stopped: it exceeded its event budget (a hang).
    Stopped(String),
    /// An exactly-once run's committed output differs from the reference run's.
    OutputDiffers,
    /// An exactly-once run's final state differs from the reference run's (both as text).
    StateDiffers(String, String),
}

impl Rejection {
    /// True when the run alone shows it (so `ckptsim run` replays it); false when only
    /// the comparison with the failure-free reference run does.
    pub fn self_evident(&self) -> bool {
        !matches!(self, Rejection::OutputDiffers | Rejection::StateDiffers(..))
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::InvalidCase(e) => write!(f, "invalid case: {e}"),
            Rejection::Invariant(v) => write!(f, "invariant broken: {v}"),
            Rejection::Guarantee {
                guarantee,
                lost,
                duplicates,
                uncommitted_visible,
                out_of_order,
                state_mismatch,
                first,
            } => write!(
                f,
                "{guarantee} violated: {lost} lost, {duplicates} duplicated, {uncommitted_visible} uncommitted visible, {out_of_order} out of order, final state off by {state_mismatch}; first: {first}"
            ),
            Rejection::Stopped(e) => write!(f, "run stopped: {e}"),
            Rejection::OutputDiffers => {
                f.write_str("committed output differs from the failure-free reference run")
            }
            Rejection::StateDiffers(run, reference) => write!(
                f,
                "final state {run} differs from the failure-free reference {reference}"
            ),
        }
    }
}

/// Judges a run on its own: no broken invariant, and the promised guarantee held.
pub fn judge_run(run: &RunResult) -> Result<(), Rejection> {
    let s = &run.summary;
    if let Some(v) = s.invariant_violations.first() {
        return Err(Rejection::Invariant(v.clone()));
    }
    if !s.guarantee_held {
        return Err(Rejection::Guarantee {
            guarantee: s.guarantee,
            lost: s.lost_records,
            duplicates: s.duplicates,
            uncommitted_visible: s.uncommitted_visible,
            out_of_order: s.out_of_order,
            state_mismatch: s.state_mismatch,
            first: s.first_problem.clone().unwrap_or_else(|| "-".into()),
        });
    }
    Ok(())
}

/// True when a finished exactly-once run must match its failure-free reference.
pub fn needs_reference(run: &RunResult) -> bool {
    run.summary.guarantee == Guarantee::ExactlyOnce && run.summary.job_status == JobStatus::Finished
}

/// Compares a finished exactly-once run with its failure-free reference run
/// (when that finished too): committed output and final state must be equal.
pub fn compare_with_reference(run: &RunResult, reference: &RunResult) -> Result<(), Rejection> {
    if !needs_reference(run) || reference.summary.job_status != JobStatus::Finished {
        return Ok(());
    }
    if run.committed != reference.committed {
        return Err(Rejection::OutputDiffers);
    }
    if run.final_state != reference.final_state {
        return Err(Rejection::StateDiffers(
            format!("{:?}", run.final_state),
            format!("{:?}", reference.final_state),
        ));
    }
    Ok(())
}
