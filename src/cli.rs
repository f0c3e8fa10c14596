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

/// Parses the command line and runs the subcommand; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(&args),
        Command::Check(args) => check(&args),
        Command::Sweep(args) => sweep(&args),
        Command::Merge(args) => merge(&args),
        Command::Plot(args) => plot(&args.dir),
        Command::Compare(args) => compare(&args),
        Command::Model(args) => model(&args),
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
    let result = match sim::run_with(&scenario, args.inject_bug) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
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

fn check(args: &CheckArgs) -> ExitCode {
    use crate::check::{CheckOptions, check as run_check, counterexample_text, default_out};
    use std::io::IsTerminal;
    if args.list_bugs {
        for b in crate::mutants::Bug::ALL {
            println!("{:<26} {}", b.name(), b.description());
        }
        return ExitCode::SUCCESS;
    }
    let scenario = match &args.scenario {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(t) => Some((t, p.display().to_string())),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", p.display());
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    if let Some(j) = args.jobs {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(j.max(1))
            .build_global();
    }
    let opts = CheckOptions {
        cases: args.cases,
        seed: args.seed,
        scenario,
        bug: args.inject_bug,
        progress: std::io::stderr().is_terminal(),
    };
    let wall = Instant::now();
    let report = match run_check(&opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let secs = wall.elapsed().as_secs_f64().max(1e-9);
    let bug = args
        .inject_bug
        .map(|b| format!(" with bug {b}"))
        .unwrap_or_default();
    println!(
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
        println!("all {} cases passed", report.cases_run);
        return ExitCode::SUCCESS;
    };
    let out = args.out.clone().unwrap_or_else(default_out);
    let path = out.join("counterexample.toml");
    let shown = path.display().to_string();
    println!("case {} FAILED: {}", first.index, first.reason);
    println!(
        "shrunk to {} fault(s), {} ms: {}",
        small.case.faults.len(),
        small.case.duration_ms,
        small.reason
    );
    match counterexample_text(&small, args.inject_bug, &shown) {
        Ok(text) => {
            let written = std::fs::create_dir_all(&out)
                .and_then(|_| metrics::write::write_atomic(&path, text.as_bytes()));
            match written {
                Ok(()) => {
                    let replay = crate::check::replay_command(&small, args.inject_bug, &shown);
                    println!("counterexample written to {shown}");
                    println!("replay it with: {replay}");
                }
                Err(e) => eprintln!("error: could not write {shown}: {e}"),
            }
        }
        Err(e) => eprintln!("error: could not render the counterexample: {e}"),
    }
    ExitCode::from(1)
}

fn sweep(args: &SweepArgs) -> ExitCode {
    use std::io::IsTerminal;
    let label = args.scenario.display().to_string();
    let text = match std::fs::read_to_string(&args.scenario) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {label}: {e}");
            return ExitCode::from(2);
        }
    };
    let grid = match crate::sweep::grid(&text, &label, &args.sets) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(j) = args.jobs {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(j.max(1))
            .build_global();
    }
    let name = &grid.points[0].scenario.name;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(name));
    println!(
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
    match crate::sweep::run_sweep(&grid, &opts) {
        Ok((ran, total)) => {
            let secs = wall.elapsed().as_secs_f64();
            println!(
                "{ran} runs in {secs:.1} s ({:.1} runs/s, {} threads); {total} runs in {}/runs.csv and aggregate.csv",
                ran as f64 / secs.max(1e-9),
                rayon::current_num_threads(),
                out.display()
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    if args.no_plot {
        return ExitCode::SUCCESS;
    }
    plot(&out)
}

fn merge(args: &MergeArgs) -> ExitCode {
    match crate::sweep::merge(&args.dirs, &args.out) {
        Ok(n) => {
            println!(
                "merged {n} runs into {}/runs.csv and aggregate.csv",
                args.out.display()
            );
            plot(&args.out)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn plot(dir: &Path) -> ExitCode {
    match crate::plot_sweep::charts(dir) {
        Ok(files) => {
            for f in files {
                println!("chart written to {}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: could not draw the charts of {}: {e}", dir.display());
            eprintln!("hint: ckptsim plot expects a sweep folder with runs.csv and aggregate.csv");
            ExitCode::from(2)
        }
    }
}

fn compare(args: &CompareArgs) -> ExitCode {
    let metrics: Vec<String> = if args.metrics.is_empty() {
        crate::sweep::compare::DEFAULT_METRICS
            .iter()
            .map(|m| m.to_string())
            .collect()
    } else {
        args.metrics.clone()
    };
    match crate::sweep::compare::compare(&args.a, &args.b, &metrics) {
        Ok((bytes, worst)) => {
            match &args.out {
                Some(p) => {
                    if let Err(e) = metrics::write::write_atomic(p, &bytes) {
                        eprintln!("error: could not write {}: {e}", p.display());
                        return ExitCode::from(2);
                    }
                    println!("comparison written to {}", p.display());
                }
                None => print!("{}", String::from_utf8_lossy(&bytes)),
            }
            println!(
                "largest relative difference of the means: {:.2}%",
                worst * 100.0
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn model(args: &ModelArgs) -> ExitCode {
    let scenario = match load(&args.scenario, &args.sets, None) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let measured = match (!args.no_run).then(|| sim::run(&scenario)).transpose() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    print!("{}", crate::models::report(&scenario, measured.as_ref()));
    ExitCode::SUCCESS
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
    if !s.invariant_violations.is_empty() {
        eprintln!("protocol invariants VIOLATED:");
        for v in &s.invariant_violations {
            eprintln!("  {v}");
        }
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
