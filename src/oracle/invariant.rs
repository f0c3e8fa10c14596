//! Named protocol invariants, checked as a run goes, and their violations.

use crate::time::SimTime;
use std::fmt;

/// A named protocol invariant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invariant {
    /// Checkpoint ids only grow: no checkpoint triggers below a pending one or completes after a newer one.
    CheckpointIdsGrow,
    /// A completed exactly-once checkpoint is a consistent cut: no task holds a record past its sources' snapshot.
    ConsistentCut,
    /// A two-phase-commit sink commits only transactions of completed checkpoints.
    CommitOnlyCompleted,
    /// Simulated time never goes backwards.
    TimeMonotone,
    /// A failed job says why.
    JobEnds,
}

impl Invariant {
    /// The invariant's name as reports show it.
    pub fn name(self) -> &'static str {
        match self {
            Invariant::CheckpointIdsGrow => "checkpoint-ids-grow",
            Invariant::ConsistentCut => "consistent-cut",
            Invariant::CommitOnlyCompleted => "commit-only-completed",
            Invariant::TimeMonotone => "time-monotone",
            Invariant::JobEnds => "job-ends",
        }
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A broken invariant: which, what broke, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The invariant.
    pub invariant: Invariant,
    /// What broke, in words.
    pub what: String,
    /// When it was noticed.
    pub at: SimTime,
}

impl fmt::Display for Violation {
    /// "name: what (at time)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (at {})", self.invariant, self.what, self.at)
    }
}
