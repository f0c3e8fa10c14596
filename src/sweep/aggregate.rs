//! aggregate.csv's rows: per grid point, for every metric of runs.csv, the
//! number of runs, mean, standard deviation and 95% confidence interval
//! (Student's t); and, for the metrics of [`PAIRED`], the paired difference
//! against the first grid point over the same seeds (common random numbers).
//!
//! Computes only (with `stats`); `output` writes the rows.

use crate::metrics::sweep_rows::{PAIRED, Paired, PointRow, RunMetrics, RunRow};
use crate::stats::{Estimate, estimate, paired_difference};
use std::collections::BTreeMap;

/// The value of column `c` per seed, keyed by the seed as written (the pairing order).
fn by_seed(rows: &[&RunRow], c: usize) -> BTreeMap<String, f64> {
    rows.iter()
        .map(|r| (r.seed.to_string(), r.metrics.values()[c]))
        .collect()
}

/// The paired difference of column `c` between `rows` and `base`, over the seeds both have.
fn paired(rows: &[&RunRow], base: &[&RunRow], c: usize) -> Paired {
    let there = by_seed(base, c);
    let (xs, bs): (Vec<f64>, Vec<f64>) = by_seed(rows, c)
        .into_iter()
        .filter_map(|(s, x)| there.get(&s).map(|b| (x, *b)))
        .unzip();
    let e = paired_difference(&xs, &bs);
    Paired {
        mean: e.mean,
        ci95_lo: e.ci95_lo,
        ci95_hi: e.ci95_hi,
    }
}

/// The statistics of one grid point's runs (`rows`, in run order); `base` are point 0's.
fn point_row(point: usize, rows: &[&RunRow], base: &[&RunRow]) -> PointRow {
    let values: Vec<Vec<f64>> = rows.iter().map(|r| r.metrics.values()).collect();
    let estimates: Vec<Estimate> = (0..RunMetrics::COLUMNS.len())
        .map(|c| estimate(&values.iter().map(|v| v[c]).collect::<Vec<f64>>()))
        .collect();
    let stat = |get: fn(&Estimate) -> f64| {
        RunMetrics::from_values(&estimates.iter().map(get).collect::<Vec<f64>>())
    };
    let column = |m: &str| RunMetrics::index(m).expect("PAIRED names are columns of runs.csv");
    PointRow {
        point,
        axes: rows[0].axes.clone(),
        n: rows.len(),
        mean: stat(|e| e.mean),
        sd: stat(|e| e.sd),
        ci95_lo: stat(|e| e.ci95_lo),
        ci95_hi: stat(|e| e.ci95_hi),
        paired: PAIRED.map(|m| paired(rows, base, column(m))),
    }
}

/// The aggregate.csv rows of runs.csv rows (keyed by run number), one per grid point, by point.
pub fn points(rows: &BTreeMap<usize, RunRow>) -> Vec<PointRow> {
    let mut by_point: BTreeMap<usize, Vec<&RunRow>> = BTreeMap::new();
    for r in rows.values() {
        by_point.entry(r.point).or_default().push(r);
    }
    let base = by_point.values().next().cloned().unwrap_or_default();
    by_point
        .iter()
        .map(|(&p, rs)| point_row(p, rs, &base))
        .collect()
}
