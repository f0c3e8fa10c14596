//! `ckptsim sweep` and `ckptsim merge`: a scenario's `[sweep]` grid × seeds,
//! run in parallel, one row per run in runs.csv, statistics per grid point in
//! aggregate.csv.
//!
//! Reproducible whatever the thread count: every run is numbered (point ×
//! seeds + seed index), its row depends only on its scenario and seed, and
//! runs.csv is written sorted by run number. Every point uses the same seeds
//! (common random numbers). Durable: each finished run is appended to the
//! journal ([`crate::output::journal`]), so `--resume` redoes nothing that
//! finished. `--shard K/N` runs the runs whose number is K mod N.
//!
//! Rooms: [`grid`] (the points), [`row`] (one run's row), [`aggregate`]
//! (statistics per point), [`compare`] (two sweeps side by side). This room
//! reads `RunResult`s only and never reaches into the simulator; files are
//! read and written by `output`. It draws no chart.

pub mod aggregate;
pub mod compare;
pub mod grid;
pub mod row;

pub use grid::{Grid, Point, VARIANT_AXIS, grid};
pub use row::run_row;

use crate::metrics::sweep_rows::RunRow;
use crate::output::journal::{Journal, JournalError};
use crate::output::tables::{self, TableError};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Why a sweep, a merge or a comparison failed.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The output folder could not be created.
    #[error("{}: {source}", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// Writing the tables (or creating the merge folder) failed.
    #[error("{0}")]
    Write(#[source] io::Error),
    /// A table could not be read.
    #[error(transparent)]
    Table(#[from] TableError),
    /// The journal could not be used.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A run of the grid was stopped (it exceeded its event budget).
    #[error("run {run}: {source}")]
    Run {
        /// The run number.
        run: usize,
        /// Why it stopped.
        #[source]
        source: crate::sim::SimError,
    },
    /// `merge` was given no folder.
    #[error("merge needs at least one folder")]
    NoFolders,
    /// Two shards disagree about a run.
    #[error(
        "run {run} appears in two folders with different results; were the shards made from the same scenario?"
    )]
    Conflict {
        /// The run number.
        run: usize,
    },
    /// `compare` was given sweeps over different axes.
    #[error("the sweeps vary different keys: {a:?} and {b:?}")]
    DifferentKeys {
        /// The first sweep's axis keys.
        a: Vec<String>,
        /// The second sweep's axis keys.
        b: Vec<String>,
    },
    /// `compare` was given sweeps with no grid point in common.
    #[error("the two sweeps share no grid point")]
    NothingShared,
}

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Output folder.
    pub out: PathBuf,
    /// Run only the runs numbered K mod N: (K, N).
    pub shard: Option<(usize, usize)>,
    /// Keep the runs already in the journal.
    pub resume: bool,
    /// Show a progress bar.
    pub progress: bool,
}

/// The header of runs.csv for a sweep over the axes `keys`.
pub fn header(keys: &[String]) -> Vec<String> {
    RunRow::header(keys)
}

/// Reads a runs CSV (journal or runs.csv) into rows keyed by run number; checks the header.
pub fn read_rows(path: &Path, header: &[String]) -> Result<BTreeMap<usize, RunRow>, SweepError> {
    Ok(tables::read_runs_checked(path, header)?)
}

/// Writes runs.csv (sorted) and aggregate.csv of `rows` into `out`, each whole or not at all.
fn write_tables(
    out: &Path,
    keys: &[String],
    rows: &BTreeMap<usize, RunRow>,
) -> Result<(), SweepError> {
    let points = aggregate::points(rows);
    tables::write_tables(out, keys, rows, &points).map_err(SweepError::Write)
}

/// A progress bar over `len` runs, hidden unless `show`.
fn progress_bar(len: usize, show: bool) -> indicatif::ProgressBar {
    let bar = if show {
        indicatif::ProgressBar::new(len as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Runs the sweep (or a shard, or the rest of an interrupted one) and writes its tables.
/// Returns (runs done now, runs in the tables).
pub fn run_sweep(grid: &Grid, opts: &SweepOptions) -> Result<(usize, usize), SweepError> {
    std::fs::create_dir_all(&opts.out).map_err(|source| SweepError::Folder {
        path: opts.out.clone(),
        source,
    })?;
    let header = header(&grid.keys);
    let path = opts.out.join("runs.journal.csv");
    let (journal, mut done) = Journal::open(&path, &header, opts.resume)?;
    let todo: Vec<usize> = (0..grid.runs())
        .filter(|r| opts.shard.is_none_or(|(k, n)| r % n == k))
        .filter(|r| !done.contains_key(r))
        .collect();
    let bar = progress_bar(todo.len(), opts.progress);
    // Runs go to the threads one by one (no batch barrier, so a slow run never idles
    // a thread); each row is appended to the journal as soon as it is done.
    let journal = Mutex::new(journal);
    let rows: Vec<RunRow> = todo
        .par_iter()
        .map(|&r| {
            let row = run_row(grid, r).map_err(|source| SweepError::Run { run: r, source })?;
            journal
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .append(&row)?;
            bar.inc(1);
            Ok(row)
        })
        .collect::<Result<_, SweepError>>()?;
    let ran = rows.len();
    done.extend(rows.into_iter().map(|r| (r.run, r)));
    bar.finish_and_clear();
    write_tables(&opts.out, &grid.keys, &done)?;
    journal
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .remove();
    Ok((ran, done.len()))
}

/// Combines the runs.csv of several sweep (shard) folders into one folder.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<usize, SweepError> {
    let first = dirs.first().ok_or(SweepError::NoFolders)?;
    let keys = tables::read_runs(&first.join("runs.csv"))?.keys;
    let header = header(&keys);
    let mut all = BTreeMap::new();
    for d in dirs {
        for (run, row) in read_rows(&d.join("runs.csv"), &header)? {
            if let Some(prev) = all.insert(run, row.clone())
                && prev != row
            {
                return Err(SweepError::Conflict { run });
            }
        }
    }
    std::fs::create_dir_all(out).map_err(SweepError::Write)?;
    write_tables(out, &keys, &all)?;
    Ok(all.len())
}
