//! The command line: clap definitions ([`Cli`]) and [`execute`], which runs
//! a subcommand ([`commands`]) and returns a [`CliError`] for the binary to
//! print once and map to an exit code ([`CliError::exit_code`]: 0 success,
//! 1 a check failed, 2 bad input, 3 a run's job FAILED).
//!
//! The only room that prints and reads arguments; it calls every other room
//! and none calls it.

mod commands;
pub mod error;
pub(crate) mod stdout;

pub use error::CliError;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

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
    ///
    /// Exits 1 if the job's delivery guarantee was violated, 3 if the job FAILED (its
    /// restart strategy gave up; results are still written), 2 for bad input.
    Run(RunArgs),
    /// Property-test exactly-once output over random cases (or random faults on a
    /// scenario), optionally with an injected protocol bug; shrink any failure to a
    /// scenario file that replays it.
    Check(CheckArgs),
    /// Run a scenario's [sweep] grid over many seeds in parallel; write runs.csv,
    /// aggregate.csv and the charts.
    Sweep(SweepArgs),
    /// Combine the runs.csv of sweep shards into one sweep folder.
    Merge(MergeArgs),
    /// Draw the charts of a sweep folder (runs.csv and aggregate.csv).
    Plot(PlotArgs),
    /// Compare the grid points two sweeps share, metric by metric (e.g. coarse
    /// against Flink-granularity buffers).
    Compare(CompareArgs),
    /// Print the cost models' predictions (T + R, T/2 + R, cost rate, Young,
    /// Daly) for a scenario, from its settings and from one simulated run.
    Model(ModelArgs),
}

/// Arguments of `ckptsim sweep`.
#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// Scenario file with a [sweep] table (e.g. scenarios/interval-timeout-sweep.toml).
    pub scenario: PathBuf,
    /// Output folder [default: results/<scenario name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Parallel runs [default: all cores]. The outputs do not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run only shard K of N (the runs numbered K mod N), e.g. 0/4, for job arrays on a
    /// cluster scheduler; combine the shards with `ckptsim merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// Continue an interrupted sweep in the same --out folder: runs already recorded in its
    /// journal are kept, not redone.
    #[arg(long)]
    pub resume: bool,
    /// Override a scenario key at every grid point (see `run --set`). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Do not draw the charts.
    #[arg(long)]
    pub no_plot: bool,
}

/// Arguments of `ckptsim merge`.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Sweep (shard) folders, each holding a runs.csv.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Folder for the merged runs.csv and aggregate.csv.
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `ckptsim plot`.
#[derive(clap::Args, Debug)]
pub struct PlotArgs {
    /// A sweep folder (with runs.csv and aggregate.csv).
    pub dir: PathBuf,
}

/// Arguments of `ckptsim compare`.
#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// The first sweep folder (a in the output).
    pub a: PathBuf,
    /// The second sweep folder (b in the output).
    pub b: PathBuf,
    /// Metrics to compare (columns of runs.csv) [default: recovery_mean_s,
    /// downtime_mean_s, checkpoint_mean_s, cost_s_per_h].
    #[arg(long, value_delimiter = ',')]
    pub metrics: Vec<String>,
    /// Write the comparison as CSV here (else print it).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `ckptsim model`.
#[derive(clap::Args, Debug)]
pub struct ModelArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// Override a scenario key (see `run --set`). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Only the predictions from the settings; do not simulate the scenario once.
    #[arg(long)]
    pub no_run: bool,
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("shard \"{s}\" must be K/N with 0 <= K < N, e.g. 0/4");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || k >= n {
        return Err(bad());
    }
    Ok((k, n))
}

/// Arguments of `ckptsim check`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Number of random cases to run.
    #[arg(long, default_value_t = 1000)]
    pub cases: u64,
    /// Seed of the case generator: the same seed runs the same cases.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Check this scenario's job and settings under random fault schedules
    /// (case 0 uses the file's own faults) instead of random jobs.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Inject a protocol bug (see --list-bugs) to show the oracle catches it.
    #[arg(long, value_name = "NAME")]
    pub inject_bug: Option<crate::mutants::Bug>,
    /// List the protocol bugs --inject-bug accepts, one line each, and exit.
    #[arg(long)]
    pub list_bugs: bool,
    /// Folder for the counterexample [default: results/check/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
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
    /// Run with a deliberately broken protocol, to see the oracle catch it
    /// (e.g. no-source-rewind; `ckptsim check --list-bugs` lists them).
    #[arg(long, value_name = "NAME")]
    pub inject_bug: Option<crate::mutants::Bug>,
}

/// Runs the subcommand of a parsed command line.
pub fn execute(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run(args) => commands::run(&args),
        Command::Check(args) => commands::check(&args),
        Command::Sweep(args) => commands::sweep(&args),
        Command::Merge(args) => commands::merge(&args),
        Command::Plot(args) => commands::plot(&args.dir),
        Command::Compare(args) => commands::compare(&args),
        Command::Model(args) => commands::model(&args),
    }
}
