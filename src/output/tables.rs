//! The sweep tables on disk: `runs.csv` (one [`RunRow`] per line; the sweep
//! journal has the same format) and `aggregate.csv` (one [`PointRow`] per
//! grid point). Formats them, writes them whole ([`write_tables`]) and reads
//! them back through the one CSV reader ([`read_table`]), for resuming and
//! merging sweeps, comparing them and drawing their charts.
//!
//! Knows the file format only: the rows are computed by `sweep`, and the
//! column names come from [`RunMetrics`]. Never computes a statistic.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use csv::StringRecord;

use super::files::write_atomic;
use crate::metrics::sweep_rows::{
    PAIRED, Paired, PointRow, RunMetrics, RunRow, STAT_SUFFIXES, cell_value,
};

/// Why a sweep table could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file could not be opened, or its header could not be read.
    #[error("{}: {source}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// What the csv crate reported.
        #[source]
        source: csv::Error,
    },
    /// Its columns are not those of this sweep.
    #[error("{}: its columns differ from this sweep's; was it written by another scenario or version? Remove it or choose another --out", path.display())]
    Columns {
        /// The file.
        path: PathBuf,
    },
    /// An `aggregate.csv` without the `n` column that ends the axis columns.
    #[error("aggregate.csv has no n column")]
    NoCount {
        /// The file.
        path: PathBuf,
    },
}

/// A CSV file as read: its header and its records.
#[derive(Clone, Debug)]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Records with as many fields as the header.
    pub records: Vec<StringRecord>,
}

/// The one CSV reader of the sweep tables: reads `path`, header row first.
/// A record with another field count than the header, or one the csv crate
/// cannot read (a torn last line of an interrupted journal), is skipped.
pub fn read_table(path: &Path) -> Result<Table, TableError> {
    let fail = |source| TableError::Csv {
        path: path.to_owned(),
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_path(path)
        .map_err(fail)?;
    let header: Vec<String> = reader
        .headers()
        .map_err(fail)?
        .iter()
        .map(String::from)
        .collect();
    let records = reader
        .records()
        .filter_map(Result::ok)
        .filter(|r| r.len() == header.len())
        .collect();
    Ok(Table { header, records })
}

/// A `runs.csv` as read.
#[derive(Clone, Debug)]
pub struct Runs {
    /// Column names as in the file.
    pub header: Vec<String>,
    /// The sweep's axis keys: the columns between `seed` and the first metric.
    pub keys: Vec<String>,
    /// The rows, in file order (rows whose run, point or seed is no number are skipped).
    pub rows: Vec<RunRow>,
}

/// Reads a `runs.csv` (or a journal); metric columns it lacks read as NaN.
pub fn read_runs(path: &Path) -> Result<Runs, TableError> {
    let table = read_table(path)?;
    let header = table.header;
    let fixed = header.len().min(3);
    let first_metric = header
        .iter()
        .position(|h| h == RunMetrics::COLUMNS[0])
        .unwrap_or(header.len())
        .max(fixed);
    let metric_header = StringRecord::from(header[first_metric..].to_vec());
    let rows = table
        .records
        .iter()
        .filter_map(|rec| {
            let metrics_rec: StringRecord = rec.iter().skip(first_metric).collect();
            Some(RunRow {
                run: rec.get(0)?.parse().ok()?,
                point: rec.get(1)?.parse().ok()?,
                seed: rec.get(2)?.parse().ok()?,
                axes: rec
                    .iter()
                    .take(first_metric)
                    .skip(3)
                    .map(String::from)
                    .collect(),
                metrics: metrics_rec.deserialize(Some(&metric_header)).ok()?,
            })
        })
        .collect();
    Ok(Runs {
        keys: header[fixed..first_metric].to_vec(),
        header,
        rows,
    })
}

/// Reads a `runs.csv` (or a journal) whose header must be `header`; rows keyed by run number.
pub fn read_runs_checked(
    path: &Path,
    header: &[String],
) -> Result<BTreeMap<usize, RunRow>, TableError> {
    let runs = read_runs(path)?;
    if runs.header != header {
        return Err(TableError::Columns {
            path: path.to_owned(),
        });
    }
    Ok(runs.rows.into_iter().map(|r| (r.run, r)).collect())
}

/// An `aggregate.csv` as read.
#[derive(Clone, Debug)]
pub struct Points {
    /// The sweep's axis keys: the columns between `point` and `n`.
    pub keys: Vec<String>,
    /// The rows, in file order (rows whose point or n is no number are skipped).
    pub rows: Vec<PointRow>,
}

/// Reads an `aggregate.csv`; statistics it lacks read as NaN.
pub fn read_points(path: &Path) -> Result<Points, TableError> {
    let table = read_table(path)?;
    let header = &table.header;
    let Some(n_col) = header.iter().position(|h| h == "n").filter(|&c| c >= 1) else {
        return Err(TableError::NoCount {
            path: path.to_owned(),
        });
    };
    // Per statistic: the columns "<metric>_<suffix>" and their metric names.
    let stats: Vec<(Vec<usize>, StringRecord)> = STAT_SUFFIXES
        .iter()
        .map(|s| {
            let end = format!("_{s}");
            header
                .iter()
                .enumerate()
                .filter_map(|(c, h)| h.strip_suffix(&end).map(|m| (c, m)))
                .unzip()
        })
        .collect();
    let column = |name: String| header.iter().position(|h| *h == name);
    let paired_cols: Vec<[Option<usize>; 3]> = PAIRED
        .iter()
        .map(|m| ["mean", "ci95_lo", "ci95_hi"].map(|s| column(format!("{m}_diff_vs_point0_{s}"))))
        .collect();
    let rows = table
        .records
        .iter()
        .filter_map(|rec| {
            let stat = |k: usize| -> Option<RunMetrics> {
                let (cols, names) = &stats[k];
                let cells: StringRecord = cols.iter().map(|&c| &rec[c]).collect();
                cells.deserialize(Some(names)).ok()
            };
            let value = |c: Option<usize>| c.map_or(f64::NAN, |c| cell_value(&rec[c]));
            let paired = |k: usize| {
                let [mean, lo, hi] = paired_cols[k].map(value);
                Paired {
                    mean,
                    ci95_lo: lo,
                    ci95_hi: hi,
                }
            };
            Some(PointRow {
                point: rec[0].parse().ok()?,
                axes: rec.iter().take(n_col).skip(1).map(String::from).collect(),
                n: rec[n_col].parse().ok()?,
                mean: stat(0)?,
                sd: stat(1)?,
                ci95_lo: stat(2)?,
                ci95_hi: stat(3)?,
                paired: [paired(0), paired(1)],
            })
        })
        .collect();
    Ok(Points {
        keys: header[1..n_col].to_vec(),
        rows,
    })
}

/// `fields` as one CSV line.
pub fn csv_line(fields: &[String]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(fields);
    w.into_inner().unwrap_or_default()
}

/// `row` as one line of `runs.csv`.
pub fn run_line(row: &RunRow) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let _ = w.serialize(row);
    w.into_inner().unwrap_or_default()
}

/// The bytes of a `runs.csv` with `header` and `rows`, in the order given.
pub fn runs_bytes<'a>(header: &[String], rows: impl IntoIterator<Item = &'a RunRow>) -> Vec<u8> {
    let mut out = csv_line(header);
    for r in rows {
        out.extend(run_line(r));
    }
    out
}

/// The bytes of an `aggregate.csv` over the axes `keys` with `rows`.
pub fn points_bytes(keys: &[String], rows: &[PointRow]) -> Vec<u8> {
    let mut out = csv_line(&PointRow::header(keys));
    for r in rows {
        out.extend(csv_line(&r.cells()));
    }
    out
}

/// Writes `runs.csv` (rows sorted by run number) and `aggregate.csv` into `out`, each whole or not at all.
pub fn write_tables(
    out: &Path,
    keys: &[String],
    runs: &BTreeMap<usize, RunRow>,
    points: &[PointRow],
) -> io::Result<()> {
    let runs = runs_bytes(&RunRow::header(keys), runs.values());
    write_atomic(&out.join("runs.csv"), &runs)?;
    write_atomic(&out.join("aggregate.csv"), &points_bytes(keys, points))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::scratch_dir;
    use std::fs;

    fn row(run: usize) -> RunRow {
        let metrics = RunMetrics {
            interval_s: 10.0,
            events: 1234.0,
            recovery_mean_s: 0.1 + 0.2,
            ..Default::default()
        };
        RunRow {
            run,
            point: run / 2,
            seed: 1000 + run as u64 % 2,
            axes: vec!["10s".into(), "a,b".into()],
            metrics,
        }
    }

    #[test]
    fn runs_round_trip_and_torn_lines_are_skipped() {
        let dir = scratch_dir("tables-runs");
        let keys = vec!["checkpoint.interval".to_owned(), "other".to_owned()];
        let header = RunRow::header(&keys);
        let rows: Vec<RunRow> = (0..3).map(row).collect();
        let mut bytes = runs_bytes(&header, &rows);
        let line = String::from_utf8(run_line(&rows[0])).unwrap();
        assert!(
            line.starts_with("0,0,1000,10s,\"a,b\",10,,,1234,"),
            "{line}"
        );
        bytes.extend(b"3,1,1001,10s");
        let path = dir.join("runs.csv");
        fs::write(&path, &bytes).unwrap();
        let read = read_runs(&path).unwrap();
        assert_eq!(read.keys, keys);
        assert_eq!(read.rows, rows);
        let checked = read_runs_checked(&path, &header).unwrap();
        assert_eq!(checked.len(), 3);
        let other = RunRow::header(&keys[..1]);
        let err = read_runs_checked(&path, &other).unwrap_err();
        assert!(err.to_string().contains("its columns differ"), "{err}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn points_round_trip() {
        let dir = scratch_dir("tables-points");
        let keys = vec!["checkpoint.interval".to_owned()];
        let mean = RunMetrics {
            cost_s_per_h: 272.5,
            ..Default::default()
        };
        let point = PointRow {
            point: 3,
            axes: vec!["10s".into()],
            n: 30,
            mean: mean.clone(),
            sd: RunMetrics::default(),
            ci95_lo: mean.clone(),
            ci95_hi: mean,
            paired: [Paired {
                mean: 1.5,
                ci95_lo: 1.0,
                ci95_hi: 2.0,
            }; 2],
        };
        let path = dir.join("aggregate.csv");
        fs::write(&path, points_bytes(&keys, std::slice::from_ref(&point))).unwrap();
        let read = read_points(&path).unwrap();
        assert_eq!(read.keys, keys);
        assert_eq!(read.rows, [point]);
        fs::write(&path, "point,x\n0,1\n").unwrap();
        let err = read_points(&path).unwrap_err();
        assert_eq!(err.to_string(), "aggregate.csv has no n column");
        let _ = fs::remove_dir_all(&dir);
    }
}
