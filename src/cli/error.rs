//! [`CliError`]: every way a subcommand can end other than success, the one
//! place that maps them to exit codes ([`CliError::exit_code`]) and the text
//! printed for them on stderr ([`CliError::report`]).
//!
//! Wraps the library's typed errors; runs nothing and prints only in `report`.

use crate::output::chart::PlotError;
use crate::scenario::ScenarioError;
use crate::sweep::SweepError;
use std::io;
use std::path::PathBuf;

/// Exit code of a failed check: the oracle found a violation.
const EXIT_CHECK_FAILED: u8 = 1;
/// Exit code of bad input: a scenario, a file or a folder that cannot be used.
const EXIT_BAD_INPUT: u8 = 2;
/// Exit code of a run whose job ended FAILED (its restart strategy gave up), as
/// `flink run` ends non-zero when the job fails.
const EXIT_JOB_FAILED: u8 = 3;

/// Why a subcommand did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A scenario file is invalid or unreadable (`run`, `model`).
    #[error("{0}")]
    Scenario(ScenarioError),
    /// A sweep scenario is invalid (`sweep`).
    #[error("{0}")]
    Grid(ScenarioError),
    /// An input file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A run's result files could not be written.
    #[error("could not write results to {}: {source}", dir.display())]
    RunFiles {
        /// The output folder.
        dir: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// An output file could not be written.
    #[error("could not write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A sweep, a merge or a comparison failed.
    #[error(transparent)]
    Sweep(#[from] SweepError),
    /// The charts of a sweep folder could not be drawn.
    #[error("could not draw the charts of {}: {source}", dir.display())]
    Charts {
        /// The sweep folder.
        dir: PathBuf,
        /// What went wrong.
        #[source]
        source: PlotError,
    },
    /// A run was stopped: it exceeded its event budget (`run`, `model`).
    #[error(transparent)]
    Stopped(#[from] crate::sim::SimError),
    /// `check` could not run its cases.
    #[error("{0}")]
    Check(String),
    /// `check` could not render its counterexample.
    #[error("could not render the counterexample: {0}")]
    Render(String),
    /// A run broke the guarantee its job promises.
    #[error(
        "{guarantee} guarantee VIOLATED: {lost} lost, {duplicated} duplicated, {uncommitted} uncommitted records visible"
    )]
    GuaranteeViolated {
        /// The promised guarantee ("exactly-once", "at-least-once").
        guarantee: String,
        /// Records lost.
        lost: u64,
        /// Records duplicated.
        duplicated: u64,
        /// Uncommitted records visible.
        uncommitted: u64,
    },
    /// A run broke named protocol invariants.
    #[error("protocol invariants VIOLATED:{}", .0.iter().map(|v| format!("\n  {v}")).collect::<String>())]
    InvariantsViolated(Vec<String>),
    /// The simulated job ended FAILED: its restart strategy gave up (`run`; the
    /// results are written first).
    #[error("job FAILED: {cause}")]
    JobFailed {
        /// Why, as the job's failure cause says.
        cause: String,
    },
    /// `check` found a counterexample; `unsaved` says why it could not be written, if it could not.
    #[error("a case failed the check")]
    CheckFailed {
        /// Why the counterexample file is missing.
        unsaved: Option<Box<CliError>>,
    },
}

impl CliError {
    /// The process exit code: 1 when a check failed (a run or a case broke
    /// a guarantee or an invariant), 2 for bad input, 3 when a run's job FAILED.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::GuaranteeViolated { .. }
            | Self::InvariantsViolated(_)
            | Self::CheckFailed { .. } => EXIT_CHECK_FAILED,
            Self::JobFailed { .. } => EXIT_JOB_FAILED,
            _ => EXIT_BAD_INPUT,
        }
    }

    /// How to fix it, where there is a general answer.
    fn hint(&self) -> Option<&'static str> {
        match self {
            Self::Scenario(_) => Some(
                "the scenario format is described in README.md (\"Scenario reference\"); scenarios/quickstart.toml is a complete example",
            ),
            Self::RunFiles { .. } => {
                Some("check that the folder is writable, or choose another with --out DIR")
            }
            Self::Charts { .. } => {
                Some("ckptsim plot expects a sweep folder with runs.csv and aggregate.csv")
            }
            Self::JobFailed { .. } => Some(
                "the results are written; failures.csv shows the failures the restart strategy counted ([restart] sets how many it tolerates)",
            ),
            _ => None,
        }
    }

    /// Prints the error to stderr, once: "error: …" and a hint for bad input,
    /// the verdict for a violation, nothing more for a failed check (its
    /// report went to stdout) unless its counterexample could not be saved.
    pub fn report(&self) {
        match self {
            Self::GuaranteeViolated { .. } | Self::InvariantsViolated(_) => eprintln!("{self}"),
            Self::CheckFailed { unsaved } => {
                if let Some(e) = unsaved {
                    e.report();
                }
            }
            _ => {
                eprintln!("error: {self}");
                if let Some(hint) = self.hint() {
                    eprintln!("hint: {hint}");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_texts() {
        let violated = CliError::InvariantsViolated(vec!["a".into(), "b".into()]);
        assert_eq!(violated.exit_code(), 1);
        assert_eq!(
            violated.to_string(),
            "protocol invariants VIOLATED:\n  a\n  b"
        );
        let failed = CliError::CheckFailed { unsaved: None };
        assert_eq!(failed.exit_code(), 1);
        let read = CliError::Read {
            path: "x.toml".into(),
            source: io::Error::new(io::ErrorKind::NotFound, "gone"),
        };
        assert_eq!(read.exit_code(), 2);
        assert_eq!(read.to_string(), "cannot read x.toml: gone");
        assert_eq!(CliError::Check("bad".into()).exit_code(), 2);
        let job_failed = CliError::JobFailed {
            cause: "gave up".into(),
        };
        assert_eq!(job_failed.exit_code(), 3);
        assert_eq!(job_failed.to_string(), "job FAILED: gave up");
    }
}
