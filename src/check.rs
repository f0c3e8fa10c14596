//! `ckptsim check`: property testing of the protocol against the
//! exactly-once oracle, over random cases or random fault schedules of a
//! scenario, optionally with a deliberately injected bug; failing cases are
//! shrunk to a small scenario file that replays the failure.
//!
//! A case passes when the run breaks no named invariant, the promised
//! guarantee holds (exactly-once: no loss, no duplicates, nothing uncommitted
//! visible, commit order kept, final state complete; at-least-once: no loss),
//! and, when the job finished, an exactly-once job's committed output and
//! final state equal those of the failure-free reference run.

pub mod case;
pub mod modes;
mod shrink;

use crate::metrics::{JobStatus, RunResult};
use crate::mutants::Bug;
use crate::oracle::{self, Rejection};
use crate::scenario::{self, Scenario};
use case::{Base, Case};
use rayon::prelude::*;
use std::path::PathBuf;

/// Why `check` could not run its cases or write its counterexample.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The scenario file given with `--scenario` is invalid.
    #[error("{0}")]
    Scenario(scenario::ScenarioError),
    /// The counterexample could not be rendered as a scenario file.
    #[error("{0}")]
    Render(scenario::ScenarioError),
}

/// What `ckptsim check` was asked to do.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Number of cases.
    pub cases: u64,
    /// Seed of the case generator.
    pub seed: u64,
    /// A scenario file whose job and settings every case uses (its faults are case 0).
    pub scenario: Option<(String, String)>,
    /// The protocol bug to inject.
    pub bug: Option<Bug>,
    /// Show a progress bar.
    pub progress: bool,
}

/// Why a case failed.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The case.
    pub case: Case,
    /// Index of the case in the run.
    pub index: u64,
    /// What the oracle or an invariant said.
    pub reason: Rejection,
}

impl Failure {
    /// True when the run alone shows it (so `ckptsim run` replays it); false when
    /// only the comparison with the failure-free reference run does.
    pub fn self_evident(&self) -> bool {
        self.reason.self_evident()
    }
}

/// The outcome of a check run.
#[derive(Clone, Debug)]
pub struct CheckReport {
    /// Cases run (the run stops at the first failing batch).
    pub cases_run: u64,
    /// The first failing case and its shrunk form, if any.
    pub failure: Option<(Failure, Failure)>,
    /// Cases whose job finished.
    pub finished: u64,
    /// Cases whose job failed (the restart strategy gave up).
    pub failed_jobs: u64,
    /// Cases whose job was still running at the drain timeout (e.g. a checkpoint-timeout restart loop).
    pub unfinished: u64,
    /// Faults injected over all cases.
    pub faults: u64,
}

fn parse(case: &Case) -> Result<Scenario, Rejection> {
    let (text, label) = case.text();
    scenario::parse_str(&text, &label, &case.overrides())
        .map_err(|e| Rejection::InvalidCase(e.to_string()))
}

/// Runs a case and, for a finished exactly-once job with faults, its failure-free
/// reference; the oracle says why it fails, if it does.
pub fn judge(case: &Case, bug: Option<Bug>) -> Result<RunResult, Rejection> {
    let sc = parse(case)?;
    let run = crate::sim::run_with(&sc, bug).map_err(Rejection::from)?;
    oracle::judge_run(&run)?;
    if oracle::needs_reference(&run) && !case.faults.is_empty() {
        let mut clean = case.clone();
        clean.faults.clear();
        let reference = crate::sim::run_with(&parse(&clean)?, None).map_err(Rejection::from)?;
        oracle::compare_with_reference(&run, &reference)?;
    }
    Ok(run)
}

/// Case `i` of a check run.
fn case_at(opts: &CheckOptions, file: &Option<Scenario>, i: u64) -> Case {
    match (&opts.scenario, file) {
        (Some((text, label)), Some(sc)) => Case::over_file(text, label, sc, opts.seed, i),
        _ => Case::generated(opts.seed, i),
    }
}

/// Runs the cases in batches (in parallel within a batch, results in case
/// order, so the outcome is the same on any number of threads), stops at the
/// first batch with a failure, and shrinks the first failing case.
pub fn check(opts: &CheckOptions) -> Result<CheckReport, CheckError> {
    let file = match &opts.scenario {
        Some((text, label)) => {
            Some(scenario::parse_str(text, label, &[]).map_err(CheckError::Scenario)?)
        }
        None => None,
    };
    let bar = if opts.progress {
        indicatif::ProgressBar::new(opts.cases)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cases  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let batch = 64u64;
    let mut report = CheckReport {
        cases_run: 0,
        failure: None,
        finished: 0,
        failed_jobs: 0,
        unfinished: 0,
        faults: 0,
    };
    let mut start = 0u64;
    while start < opts.cases {
        let end = (start + batch).min(opts.cases);
        let outcomes: Vec<(u64, Case, Result<RunResult, Rejection>)> = (start..end)
            .into_par_iter()
            .map(|i| {
                let case = case_at(opts, &file, i);
                let r = judge(&case, opts.bug);
                bar.inc(1);
                (i, case, r)
            })
            .collect();
        report.cases_run = end;
        for (i, case, r) in outcomes {
            report.faults += case.faults.len() as u64;
            match r {
                Ok(run) => match run.summary.job_status {
                    JobStatus::Finished => report.finished += 1,
                    JobStatus::Failed => report.failed_jobs += 1,
                    JobStatus::Running => report.unfinished += 1,
                },
                Err(reason) if report.failure.is_none() => {
                    let first = Failure {
                        case,
                        index: i,
                        reason,
                    };
                    let small = shrink::shrink(&first, opts.bug);
                    report.failure = Some((first, small));
                }
                Err(_) => {}
            }
        }
        if report.failure.is_some() {
            break;
        }
        start = end;
    }
    bar.finish_and_clear();
    Ok(report)
}

/// The scenario file that replays a case (comments say why and how).
pub fn counterexample_text(
    f: &Failure,
    bug: Option<Bug>,
    path: &str,
) -> Result<String, CheckError> {
    let (text, label) = f.case.text();
    let body =
        scenario::edited_text(&text, &label, &f.case.overrides()).map_err(CheckError::Render)?;
    let replay = replay_command(f, bug, path);
    let origin = match &f.case.base {
        Base::Generated(_) => "a generated case".to_string(),
        Base::File(_, l) => format!("a case over {l}"),
    };
    Ok(format!(
        "# ckptsim check counterexample, shrunk from {origin}.\n# Failure: {}\n# Replay: {replay}\n\n{body}",
        f.reason.to_string().replace('\n', " ")
    ))
}

/// The command that replays a shrunk failure: `ckptsim run` when the run alone
/// shows it, else a one-case `ckptsim check` over the file (which also runs the reference).
pub fn replay_command(f: &Failure, bug: Option<Bug>, path: &str) -> String {
    let flag = bug
        .map(|b| format!(" --inject-bug {b}"))
        .unwrap_or_default();
    if f.self_evident() {
        format!("ckptsim run {path}{flag}")
    } else {
        format!("ckptsim check --scenario {path} --cases 1{flag}")
    }
}

/// Where `check` writes its counterexample by default.
pub fn default_out() -> PathBuf {
    PathBuf::from("results/check")
}
