//! The subcommands: each reads its arguments, calls the library, prints its
//! report to stdout and returns a [`CliError`] instead of exiting, so the
//! binary maps every failure to an exit code in one place.
//!
//! Owns what is printed to stdout; never touches simulator internals.

use super::error::CliError;
use super::stdout::{say, sayln};
use super::{CheckArgs, CompareArgs, MergeArgs, ModelArgs, RunArgs, SweepArgs};
use crate::metrics::{JobStatus, Perf, RunResult};
use crate::output::files::write_atomic;
use crate::scenario::{self, Scenario};
use crate::{output, report, sim};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Loads a scenario with its `--set` overrides, and `seed` if given.
fn load(path: &Path, sets: &[String], seed: Option<u64>) -> Result<Scenario, CliError> {
    let mut s = scenario::load(path, sets).map_err(CliError::Scenario)?;
    if let Some(seed) = seed {
        s.seed = seed;
    }
    Ok(s)
}

/// Sets the number of worker threads, if given (all cores otherwise).
fn set_threads(jobs: Option<usize>) {
    if let Some(j) = jobs {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(j.max(1))
            .build_global();
    }
}

/// `ckptsim run`.
pub(super) fn run(args: &RunArgs) -> Result<(), CliError> {
    let scenario = load(&args.scenario, &args.sets, args.seed)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&scenario.name));
    if !args.quiet {
        sayln!("{}", report::header(&scenario));
    }
    let wall = Instant::now();
    let result = sim::run_with(&scenario, args.inject_bug)?;
    let perf = perf_of(&result, wall.elapsed().as_secs_f64());
    if !args.quiet {
        say!("{}", report::summary(&scenario, &result));
        sayln!(
            "wall time {:.3} s, {} events, {:.0} events/s, {:.0}x real time",
            perf.wall_s,
            result.summary.events,
            perf.events_per_s,
            perf.speedup
        );
    }
    output::run_files::write_outputs(&out, &result, &perf).map_err(|source| {
        CliError::RunFiles {
            dir: out.clone(),
            source,
        }
    })?;
    if args.quiet {
        let s = &result.summary;
        sayln!(
            "{}: {:?}, {} checkpoints, {} failures, mean recovery {:.2} s, {} {}",
            scenario.name,
            s.job_status,
            s.checkpoints_completed,
            s.failures,
            s.mean_recovery_s,
            s.guarantee,
            if s.guarantee_held { "held" } else { "VIOLATED" }
        );
    }
    sayln!("results written to {}/", out.display());
    verdict(&result)
}

/// Wall-clock figures of a finished run.
fn perf_of(result: &RunResult, wall_s: f64) -> Perf {
    let wall = wall_s.max(1e-9);
    Perf {
        wall_s,
        events_per_s: result.summary.events as f64 / wall,
        speedup: result.summary.sim_seconds / wall,
    }
}

/// The run's verdict: a broken guarantee or invariant is an error; a job its restart strategy gave up on is reported.
fn verdict(result: &RunResult) -> Result<(), CliError> {
    let s = &result.summary;
    if !s.guarantee_held {
        return Err(CliError::GuaranteeViolated {
            guarantee: s.guarantee.to_string(),
            lost: s.lost_records,
            duplicated: s.duplicates,
            uncommitted: s.uncommitted_visible,
        });
    }
    if !s.invariant_violations.is_empty() {
        let violations = s.invariant_violations.iter().map(|v| v.to_string());
        return Err(CliError::InvariantsViolated(violations.collect()));
    }
    if s.job_status == JobStatus::Failed {
        let cause = s.failure_cause.as_deref().unwrap_or("unknown cause");
        return Err(CliError::JobFailed {
            cause: cause.to_string(),
        });
    }
    Ok(())
}

/// `ckptsim check`.
pub(super) fn check(args: &CheckArgs) -> Result<(), CliError> {
    use crate::check::{CheckOptions, check as run_check, default_out};
    use std::io::IsTerminal;
    if args.list_bugs {
        let width = (crate::mutants::Bug::ALL.iter())
            .map(|b| b.name().len())
            .max()
            .unwrap_or(0);
        for b in crate::mutants::Bug::ALL {
            sayln!("{:<width$} {}", b.name(), b.description());
        }
        return Ok(());
    }
    let scenario = match &args.scenario {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|source| CliError::Read {
                path: p.clone(),
                source,
            })?;
            Some((text, p.display().to_string()))
        }
        None => None,
    };
    set_threads(args.jobs);
    let opts = CheckOptions {
        cases: args.cases,
        seed: args.seed,
        scenario,
        bug: args.inject_bug,
        progress: std::io::stderr().is_terminal(),
    };
    let wall = Instant::now();
    let report = run_check(&opts).map_err(|e| CliError::Check(e.to_string()))?;
    let secs = wall.elapsed().as_secs_f64().max(1e-9);
    let bug = args
        .inject_bug
        .map(|b| format!(" with bug {b}"))
        .unwrap_or_default();
    sayln!(
        "ckptsim check: seed {}{bug}: {} cases in {:.1} s ({:.0} cases/s); {} jobs finished, {} failed by their restart strategy, {} still running at the drain timeout; {} faults injected",
        args.seed,
        report.cases_run,
        secs,
        report.cases_run as f64 / secs,
        report.finished,
        report.failed_jobs,
        report.unfinished,
        report.faults
    );
    let Some((first, small)) = report.failure else {
        sayln!("all {} cases passed", report.cases_run);
        return Ok(());
    };
    sayln!("case {} FAILED: {}", first.index, first.reason);
    sayln!(
        "shrunk to {} fault(s), {} ms: {}",
        small.case.faults.len(),
        small.case.duration_ms,
        small.reason
    );
    let out = args.out.clone().unwrap_or_else(default_out);
    let unsaved = save_counterexample(&small, args.inject_bug, &out);
    Err(CliError::CheckFailed {
        unsaved: unsaved.err().map(Box::new),
    })
}

/// Writes the shrunk counterexample into the folder `out` and prints how to replay it.
fn save_counterexample(
    small: &crate::check::Failure,
    bug: Option<crate::mutants::Bug>,
    out: &Path,
) -> Result<(), CliError> {
    let path = out.join("counterexample.toml");
    let shown = path.display().to_string();
    let text = crate::check::counterexample_text(small, bug, &shown)
        .map_err(|e| CliError::Render(e.to_string()))?;
    std::fs::create_dir_all(out)
        .and_then(|_| write_atomic(&path, text.as_bytes()))
        .map_err(|source| CliError::Write {
            path: path.clone(),
            source,
        })?;
    sayln!("counterexample written to {shown}");
    sayln!(
        "replay it with: {}",
        crate::check::replay_command(small, bug, &shown)
    );
    Ok(())
}

/// `ckptsim sweep`.
pub(super) fn sweep(args: &SweepArgs) -> Result<(), CliError> {
    use std::io::IsTerminal;
    let label = args.scenario.display().to_string();
    let text = std::fs::read_to_string(&args.scenario).map_err(|source| CliError::Read {
        path: args.scenario.clone(),
        source,
    })?;
    let grid = crate::sweep::grid(&text, &label, &args.sets).map_err(CliError::Grid)?;
    set_threads(args.jobs);
    let name = &grid.points[0].scenario.name;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(name));
    sayln!(
        "ckptsim sweep: {} points x {} seeds = {} runs over {:?}, seeds from {}{}",
        grid.points.len(),
        grid.seeds,
        grid.runs(),
        grid.keys,
        grid.points[0].scenario.seed,
        args.shard
            .map(|(k, n)| format!(", shard {k}/{n}"))
            .unwrap_or_default()
    );
    let opts = crate::sweep::SweepOptions {
        out: out.clone(),
        shard: args.shard,
        resume: args.resume,
        progress: std::io::stderr().is_terminal(),
    };
    let wall = Instant::now();
    let (ran, total) = crate::sweep::run_sweep(&grid, &opts)?;
    let secs = wall.elapsed().as_secs_f64();
    sayln!(
        "{ran} runs in {secs:.1} s ({:.1} runs/s, {} threads); {total} runs in {}/runs.csv and aggregate.csv",
        ran as f64 / secs.max(1e-9),
        rayon::current_num_threads(),
        out.display()
    );
    if args.no_plot {
        return Ok(());
    }
    plot(&out)
}

/// `ckptsim merge`.
pub(super) fn merge(args: &MergeArgs) -> Result<(), CliError> {
    let n = crate::sweep::merge(&args.dirs, &args.out)?;
    sayln!(
        "merged {n} runs into {}/runs.csv and aggregate.csv",
        args.out.display()
    );
    plot(&args.out)
}

/// `ckptsim plot`, and the charts after `sweep` and `merge`.
pub(super) fn plot(dir: &Path) -> Result<(), CliError> {
    let files = output::sweep_folder_charts(dir).map_err(|source| CliError::Charts {
        dir: dir.to_owned(),
        source,
    })?;
    for f in files {
        sayln!("chart written to {}", f.display());
    }
    Ok(())
}

/// `ckptsim compare`.
pub(super) fn compare(args: &CompareArgs) -> Result<(), CliError> {
    let metrics: Vec<String> = if args.metrics.is_empty() {
        crate::sweep::compare::DEFAULT_METRICS
            .iter()
            .map(|m| m.to_string())
            .collect()
    } else {
        args.metrics.clone()
    };
    let (bytes, worst) = crate::sweep::compare::compare(&args.a, &args.b, &metrics)?;
    match &args.out {
        Some(p) => {
            write_atomic(p, &bytes).map_err(|source| CliError::Write {
                path: PathBuf::from(p),
                source,
            })?;
            sayln!("comparison written to {}", p.display());
        }
        None => say!("{}", String::from_utf8_lossy(&bytes)),
    }
    sayln!(
        "largest relative difference of the means: {:.2}%",
        worst * 100.0
    );
    Ok(())
}

/// `ckptsim model`.
pub(super) fn model(args: &ModelArgs) -> Result<(), CliError> {
    let scenario = load(&args.scenario, &args.sets, None)?;
    let measured = (!args.no_run).then(|| sim::run(&scenario)).transpose()?;
    say!("{}", crate::models::report(&scenario, measured.as_ref()));
    Ok(())
}
