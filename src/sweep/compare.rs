//! `ckptsim compare`: the same grid points of two sweeps (e.g. coarse against
//! Flink-granularity network buffers), metric by metric: means and the
//! relative difference.
//!
//! Reads the two aggregate.csv through `output` and returns the comparison
//! as CSV bytes; writes nothing itself.

use super::SweepError;
use crate::metrics::sweep_rows::{PointRow, RunMetrics, cell_text};
use crate::output::tables::{csv_line, read_points};
use std::collections::BTreeMap;
use std::path::Path;

/// Metrics compared by default.
pub const DEFAULT_METRICS: &[&str] = &[
    "recovery_mean_s",
    "downtime_mean_s",
    "checkpoint_mean_s",
    "cost_s_per_h",
];

/// The columns of the comparison after the axis columns.
const COLUMNS: [&str; 8] = [
    "metric",
    "a_mean",
    "a_ci95_lo",
    "a_ci95_hi",
    "b_mean",
    "b_ci95_lo",
    "b_ci95_hi",
    "relative_difference",
];

/// (axis keys, rows keyed by axis values) of a sweep folder's aggregate.csv.
type Table = (Vec<String>, BTreeMap<Vec<String>, PointRow>);

fn read(dir: &Path) -> Result<Table, SweepError> {
    let points = read_points(&dir.join("aggregate.csv"))?;
    let rows = points
        .rows
        .into_iter()
        .map(|r| (r.axes.clone(), r))
        .collect();
    Ok((points.keys, rows))
}

/// (mean, ci95_lo, ci95_hi) of metric column `c` at a point; NaN for a metric that is no column.
fn stats(row: &PointRow, c: Option<usize>) -> [f64; 3] {
    let Some(c) = c else {
        return [f64::NAN; 3];
    };
    [&row.mean, &row.ci95_lo, &row.ci95_hi].map(|m| m.values()[c])
}

/// CSV bytes comparing the points the two sweeps share; also the largest |relative difference|.
pub fn compare(a: &Path, b: &Path, metrics: &[String]) -> Result<(Vec<u8>, f64), SweepError> {
    let (axes_a, rows_a) = read(a)?;
    let (axes_b, rows_b) = read(b)?;
    if axes_a != axes_b {
        return Err(SweepError::DifferentKeys {
            a: axes_a,
            b: axes_b,
        });
    }
    let mut h = axes_a.clone();
    h.extend(COLUMNS.map(String::from));
    let mut out = csv_line(&h);
    let mut worst = 0.0f64;
    let mut shared = 0;
    for (key, ra) in &rows_a {
        let Some(rb) = rows_b.get(key) else { continue };
        shared += 1;
        for m in metrics {
            let c = RunMetrics::index(m);
            let ([ma, a_lo, a_hi], [mb, b_lo, b_hi]) = (stats(ra, c), stats(rb, c));
            let rel = (mb - ma) / ma;
            if rel.is_finite() {
                worst = worst.max(rel.abs());
            }
            let mut fields = key.clone();
            fields.push(m.clone());
            fields.extend([ma, a_lo, a_hi, mb, b_lo, b_hi, rel].map(cell_text));
            out.extend(csv_line(&fields));
        }
    }
    if shared == 0 {
        return Err(SweepError::NothingShared);
    }
    Ok((out, worst))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_metrics_are_columns_of_runs_csv() {
        for m in DEFAULT_METRICS {
            assert!(RunMetrics::index(m).is_some(), "{m} is no column");
        }
    }
}
