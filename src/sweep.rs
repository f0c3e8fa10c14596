//! `ckptsim sweep` and `ckptsim merge`: a scenario's `[sweep]` grid × seeds,
//! run in parallel, one row per run in runs.csv, statistics per grid point in
//! aggregate.csv, then the charts.
//!
//! Reproducible whatever the thread count: every run is numbered (point ×
//! seeds + seed index), its row depends only on its scenario and seed, and
//! runs.csv is written sorted by run number. Every point uses the same seeds
//! (common random numbers). Durable: each finished run is appended to
//! `runs.journal.csv` and flushed, so `--resume` redoes nothing that finished.
//! `--shard K/N` runs the runs whose number is K mod N. This room reads
//! `RunResult`s only; it never reaches into the simulator.

pub mod aggregate;
pub mod compare;
pub mod row;

use crate::scenario::{self, Scenario, ScenarioError};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One grid point: its `--set` overrides and validated scenario.
#[derive(Clone, Debug)]
pub struct Point {
    /// Point number, in grid order (the product of the axes, first key outermost).
    pub index: usize,
    /// (key, value) per axis.
    pub values: Vec<(String, String)>,
    /// The scenario at this point.
    pub scenario: Scenario,
}

/// A sweep: its points and seeds.
#[derive(Clone, Debug)]
pub struct Grid {
    /// Grid points.
    pub points: Vec<Point>,
    /// Seeds per point.
    pub seeds: u32,
    /// Axis keys, in order.
    pub keys: Vec<String>,
}

impl Grid {
    /// Total runs.
    pub fn runs(&self) -> usize {
        self.points.len() * self.seeds as usize
    }
}

/// Reads the grid of a scenario text (with extra `--set` overrides applied to every point).
pub fn grid(text: &str, label: &str, sets: &[String]) -> Result<Grid, ScenarioError> {
    let base = scenario::parse_str(text, label, sets)?;
    let spec = base.sweep.clone().ok_or_else(|| ScenarioError {
        file: label.into(),
        line: None,
        key: "sweep".into(),
        message: "the scenario has no [sweep] table; add one, e.g. [sweep] seeds = 10 and \"checkpoint.interval\" = [\"1s\", \"10s\"]".into(),
    })?;
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (key, values) in &spec.axes {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((key.clone(), v.clone()));
                    c
                })
            })
            .collect();
    }
    let points = combos
        .into_iter()
        .enumerate()
        .map(|(index, values)| {
            let mut all: Vec<String> = sets.to_vec();
            all.extend(values.iter().map(|(k, v)| format!("{k}={v}")));
            let scenario = scenario::parse_str(text, label, &all).map_err(|e| ScenarioError {
                message: format!("{} (at sweep point {index}: {values:?})", e.message),
                ..e
            })?;
            Ok(Point {
                index,
                values,
                scenario,
            })
        })
        .collect::<Result<Vec<_>, ScenarioError>>()?;
    Ok(Grid {
        points,
        seeds: spec.seeds,
        keys: spec.axes.iter().map(|a| a.0.clone()).collect(),
    })
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

/// The header of runs.csv.
pub fn header(keys: &[String]) -> Vec<String> {
    let mut h: Vec<String> = vec!["run".into(), "point".into(), "seed".into()];
    h.extend(keys.iter().cloned());
    h.push("interval_s".into());
    h.push("timeout_s".into());
    h.extend(row::METRICS.iter().map(|m| m.to_string()));
    h
}

/// Simulates run number `run` of the grid and returns its runs.csv row.
pub fn run_row(grid: &Grid, run: usize) -> Result<Vec<String>, crate::sim::SimError> {
    let point = &grid.points[run / grid.seeds as usize];
    let seed_index = (run % grid.seeds as usize) as u64;
    let mut sc = point.scenario.clone();
    sc.seed = sc.seed.wrapping_add(seed_index);
    let result = crate::sim::run(&sc)?;
    let mut r = vec![
        run.to_string(),
        point.index.to_string(),
        sc.seed.to_string(),
    ];
    r.extend(point.values.iter().map(|(_, v)| v.clone()));
    r.push(row::fmt(sc.checkpoint.interval.as_secs_f64()));
    r.push(row::fmt(sc.checkpoint.timeout.as_secs_f64()));
    r.extend(row::metrics(&sc, &result).into_iter().map(row::fmt));
    Ok(r)
}

/// Reads a runs CSV (journal or runs.csv) into rows keyed by run number; checks the header.
pub fn read_rows(path: &Path, header: &[String]) -> Result<BTreeMap<usize, Vec<String>>, String> {
    let mut rows = BTreeMap::new();
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let h: Vec<String> = rd
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .iter()
        .map(String::from)
        .collect();
    if h != header {
        return Err(format!(
            "{}: its columns differ from this sweep's; was it written by another scenario or version? Remove it or choose another --out",
            path.display()
        ));
    }
    for rec in rd.records() {
        // A torn last line from an interruption is skipped: that run is redone.
        let Ok(rec) = rec else { continue };
        if rec.len() != header.len() {
            continue;
        }
        let fields: Vec<String> = rec.iter().map(String::from).collect();
        if let Ok(run) = fields[0].parse::<usize>() {
            rows.insert(run, fields);
        }
    }
    Ok(rows)
}

fn csv_line(fields: &[String]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(fields);
    w.into_inner().unwrap_or_default()
}

/// Writes runs.csv (sorted) and aggregate.csv from `rows`, whole or not at all.
pub fn write_tables(
    out: &Path,
    header: &[String],
    keys: &[String],
    rows: &BTreeMap<usize, Vec<String>>,
) -> std::io::Result<()> {
    let mut runs = csv_line(header);
    for r in rows.values() {
        runs.extend(csv_line(r));
    }
    crate::metrics::write::write_atomic(&out.join("runs.csv"), &runs)?;
    let agg = aggregate::table(header, keys, rows);
    crate::metrics::write::write_atomic(&out.join("aggregate.csv"), &agg)
}

/// Runs the sweep (or a shard, or the rest of an interrupted one) and writes its tables.
/// Returns (runs done now, runs in the tables).
pub fn run_sweep(grid: &Grid, opts: &SweepOptions) -> Result<(usize, usize), String> {
    std::fs::create_dir_all(&opts.out).map_err(|e| format!("{}: {e}", opts.out.display()))?;
    let header = header(&grid.keys);
    let journal = opts.out.join("runs.journal.csv");
    let mut done = if opts.resume && journal.exists() {
        read_rows(&journal, &header)?
    } else {
        BTreeMap::new()
    };
    let mut jf = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(!opts.resume)
        .append(opts.resume)
        .open(&journal)
        .map_err(|e| format!("{}: {e}", journal.display()))?;
    if jf.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
        jf.write_all(&csv_line(&header))
            .map_err(|e| e.to_string())?;
    } else {
        // Rewrite the journal clean (drops a torn last line).
        let mut clean = csv_line(&header);
        for r in done.values() {
            clean.extend(csv_line(r));
        }
        crate::metrics::write::write_atomic(&journal, &clean).map_err(|e| e.to_string())?;
        jf = std::fs::OpenOptions::new()
            .append(true)
            .open(&journal)
            .map_err(|e| e.to_string())?;
    }
    let todo: Vec<usize> = (0..grid.runs())
        .filter(|r| opts.shard.is_none_or(|(k, n)| r % n == k))
        .filter(|r| !done.contains_key(r))
        .collect();
    let bar = if opts.progress {
        indicatif::ProgressBar::new(todo.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // Runs go to the threads one by one (no batch barrier, so a slow run never idles
    // a thread); each row is appended to the journal as soon as it is done.
    let journal_file = std::sync::Mutex::new((jf, 0usize));
    let rows: Vec<Vec<String>> = todo
        .par_iter()
        .map(|&r| {
            let row = run_row(grid, r).map_err(|e| format!("run {r}: {e}"))?;
            let mut j = journal_file.lock().unwrap_or_else(|p| p.into_inner());
            let (file, n) = &mut *j;
            file.write_all(&csv_line(&row))
                .and_then(|_| file.flush())
                .map_err(|e| format!("{}: {e}", journal.display()))?;
            *n += 1;
            if (*n).is_multiple_of(32) {
                let _ = file.sync_data();
            }
            bar.inc(1);
            Ok(row)
        })
        .collect::<Result<_, String>>()?;
    let ran = rows.len();
    for r in rows {
        done.insert(r[0].parse().expect("run number"), r);
    }
    bar.finish_and_clear();
    write_tables(&opts.out, &header, &grid.keys, &done).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&journal);
    Ok((ran, done.len()))
}

/// Combines the runs.csv of several sweep (shard) folders into one folder.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<usize, String> {
    let first = dirs.first().ok_or("merge needs at least one folder")?;
    let path = first.join("runs.csv");
    let mut rd = csv::Reader::from_path(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let header: Vec<String> = rd
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(String::from)
        .collect();
    let n_fixed = 3;
    let keys: Vec<String> = header[n_fixed..]
        .iter()
        .take_while(|h| *h != "interval_s")
        .cloned()
        .collect();
    let mut all = BTreeMap::new();
    for d in dirs {
        for (run, row) in read_rows(&d.join("runs.csv"), &header)? {
            if let Some(prev) = all.insert(run, row.clone())
                && prev != row
            {
                return Err(format!(
                    "run {run} appears in two folders with different results; were the shards made from the same scenario?"
                ));
            }
        }
    }
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    write_tables(out, &header, &keys, &all).map_err(|e| e.to_string())?;
    Ok(all.len())
}
