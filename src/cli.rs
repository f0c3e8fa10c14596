//! The command line: clap definitions and the subcommands.
//!
//! Errors are printed once to stderr, without backtraces; exit codes are
//! 0 (success), 1 (a check failed: the exactly-once oracle), 2 (bad input).

use crate::metrics::{JobStatus, Perf, RunResult};
use crate::scenario::{self, Scenario};
use crate::{metrics, report, sim};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// ckptsim: a deterministic simulator of Apache Flink's checkpoint-and-recovery protocol.
#[derive(Parser, Debug)]
#[command(name = "ckptsim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Simulate one scenario: print a summary and write results and a timeline chart.
    Run(RunArgs),
}

/// Arguments of `ckptsim run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Scenario file (TOML), e.g. scenarios/quickstart.toml.
    pub scenario: PathBuf,
    /// Run seed; overrides the scenario's `seed`. Same scenario + seed = identical outputs.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder [default: results/<scenario name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario key by its dotted path, like Flink's -D
    /// (e.g. --set checkpoint.interval=5s --set job.operator[0].capacity=5000). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Print only a one-line verdict instead of the full summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Parses the command line and runs the subcommand; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(&args),
    }
}

fn load(path: &Path, sets: &[String], seed: Option<u64>) -> Result<Scenario, ExitCode> {
    match scenario::load(path, sets) {
        Ok(mut s) => {
            if let Some(seed) = seed {
                s.seed = seed;
            }
            Ok(s)
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!(
                "hint: the scenario format is described in README.md (\"Scenario reference\"); scenarios/quickstart.toml is a complete example"
            );
            Err(ExitCode::from(2))
        }
    }
}

fn run(args: &RunArgs) -> ExitCode {
    let scenario = match load(&args.scenario, &args.sets, args.seed) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&scenario.name));
    if !args.quiet {
        println!("{}", report::header(&scenario));
    }
    let wall = Instant::now();
    let result = sim::run(&scenario);
    let wall_s = wall.elapsed().as_secs_f64();
    let perf = perf_of(&result, wall_s);
    if !args.quiet {
        print!("{}", report::summary(&scenario, &result));
        println!(
            "wall time {:.3} s, {} events, {:.0} events/s, {:.0}x real time",
            perf.wall_s, result.summary.events, perf.events_per_s, perf.speedup
        );
    }
    if let Err(e) = metrics::write::write_outputs(&out, &result, &perf) {
        eprintln!("error: could not write results to {}: {e}", out.display());
        eprintln!("hint: check that the folder is writable, or choose another with --out DIR");
        return ExitCode::from(2);
    }
    if args.quiet {
        let s = &result.summary;
        println!(
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
    println!("results written to {}/", out.display());
    verdict_code(&result)
}

/// Wall-clock figures of a finished run.
pub fn perf_of(result: &RunResult, wall_s: f64) -> Perf {
    let wall = wall_s.max(1e-9);
    Perf {
        wall_s,
        events_per_s: result.summary.events as f64 / wall,
        speedup: result.summary.sim_seconds / wall,
    }
}

fn verdict_code(result: &RunResult) -> ExitCode {
    let s = &result.summary;
    if !s.guarantee_held {
        eprintln!(
            "{} guarantee VIOLATED: {} lost, {} duplicated, {} uncommitted records visible",
            s.guarantee, s.lost_records, s.duplicates, s.uncommitted_visible
        );
        return ExitCode::from(1);
    }
    if s.job_status == JobStatus::Failed {
        println!(
            "job FAILED: {}",
            s.failure_cause.as_deref().unwrap_or("unknown cause")
        );
    }
    ExitCode::SUCCESS
}
