//! Rows of the sweep tables: [`RunMetrics`] (the metric columns of
//! `runs.csv`), [`RunRow`] (one line of `runs.csv`: one run at one grid
//! point) and [`PointRow`] (one line of `aggregate.csv`: statistics per grid
//! point), with their CSV cell format: a float is written in its shortest
//! round-trip form (`Display`), NaN as an empty cell.
//!
//! The field list of `RunMetrics` is the one list of metric names: `sweep`
//! fills it field by field, the headers of `runs.csv` and `aggregate.csv`
//! come from it, and the charts read its fields. Plain data: computing the
//! values belongs to `sweep`, reading and writing the files to `output`; this
//! file touches neither.

use serde::{Deserialize, Serialize};

/// Defines [`RunMetrics`] from one list of documented field names: the
/// struct (every field an `f64` cell), its column names and its values in
/// column order, so the names, the serde order and the values cannot drift apart.
macro_rules! run_metrics {
    ($($(#[doc = $doc:expr])+ $name:ident,)+) => {
        /// The metric columns of `runs.csv`, in column order (units last in
        /// names). A flat CSV row, which is why it has more than 15 public
        /// fields: one per column. NaN where undefined (no failure, no
        /// checkpoint); written as an empty cell.
        #[derive(Clone, Debug, Serialize, Deserialize)]
        #[serde(default)]
        pub struct RunMetrics {
            $($(#[doc = $doc])+ #[serde(with = "cell")] pub $name: f64,)+
        }

        impl RunMetrics {
            /// The column names, in column order (the field names).
            pub const COLUMNS: &[&str] = &[$(stringify!($name)),+];

            /// The values in column order.
            pub fn values(&self) -> Vec<f64> {
                vec![$(self.$name),+]
            }

            /// The row of `values` given in column order (NaN for any missing at the end).
            pub fn from_values(values: &[f64]) -> Self {
                let mut next = values.iter().copied();
                // Struct fields are evaluated in the order written, which is column order.
                Self {
                    $($name: next.next().unwrap_or(f64::NAN),)+
                }
            }
        }
    };
}

run_metrics! {
    /// Checkpoint interval T in force, s.
    interval_s,
    /// Checkpoint timeout in force, s.
    timeout_s,
    /// Simulated seconds until the run ended.
    sim_seconds,
    /// Events processed by the kernel.
    events,
    /// 1 if the job finished (drained and committed), else 0.
    finished,
    /// 1 if the committed output was exactly once, else 0.
    exactly_once,
    /// Checkpoints completed.
    checkpoints_completed,
    /// Checkpoints expired or declined.
    checkpoints_failed,
    /// Completed checkpoints over checkpoints that ended.
    checkpoint_completed_fraction,
    /// Mean duration of completed checkpoints, s.
    checkpoint_mean_s,
    /// Median duration of completed checkpoints, s.
    checkpoint_p50_s,
    /// 90th percentile duration of completed checkpoints, s.
    checkpoint_p90_s,
    /// Longest completed checkpoint, s.
    checkpoint_max_s,
    /// Sync + alignment time of every checkpoint (time they blocked processing), s.
    checkpoint_overhead_s,
    /// Failovers.
    failures,
    /// Mean detection time over recovered failures, s.
    detection_mean_s,
    /// Mean restart delay over recovered failures, s.
    restart_delay_mean_s,
    /// Mean deploy time over recovered failures, s.
    deploy_mean_s,
    /// Mean restore time over recovered failures, s.
    restore_mean_s,
    /// Mean downtime over recovered failures, s.
    downtime_mean_s,
    /// Mean replay time (running again → the replayed records processed by the sinks) over recovered failures, s.
    replay_mean_s,
    /// Mean catch-up time (replay end → source lag back) over recovered failures, s.
    catch_up_mean_s,
    /// Mean recovery time (fault to source lag back) over recovered failures, s.
    recovery_mean_s,
    /// Mean lost work over recovered failures, s.
    lost_work_mean_s,
    /// Source records read again after restores.
    records_replayed,
    /// Simulated time lost to failures (lost work + downtime, overlaps once), s.
    lost_s_total,
    /// (Checkpoint overhead + time lost to failures) per simulated hour, s/h.
    cost_s_per_h,
    /// Mean throughput at the sources, records/s.
    throughput_records_per_s,
    /// The cost models' C as measured in the run, s.
    model_c_s,
    /// The cost models' R as measured in the run, s.
    model_r_s,
    /// The cost models' M from the settings, s.
    model_m_s,
    /// Seed model T + R per failure, s.
    model_t_plus_r_s,
    /// Seed model T/2 + R per failure, s.
    model_half_t_plus_r_s,
    /// Cost-rate model 3600·(C/T + (T/2 + R)/M), s/h.
    model_cost_s_per_h,
    /// Young's optimum interval, s.
    young_t_opt_s,
    /// Daly's optimum interval, s.
    daly_t_opt_s,
    /// Mean over completed checkpoints of the start delay at the worst task (trigger → its first barrier), s.
    start_delay_mean_s,
    /// Mean keyed state per completed checkpoint, over all subtasks, bytes.
    state_mean_bytes,
    /// Mean in-flight data persisted per completed checkpoint (0 when aligned), bytes.
    persisted_inflight_mean_bytes,
    /// Completed checkpoints with at least one unaligned subtask snapshot, over completed checkpoints.
    unaligned_checkpoint_fraction,
}

impl RunMetrics {
    /// The position of column `name` in [`Self::COLUMNS`].
    pub fn index(name: &str) -> Option<usize> {
        Self::COLUMNS.iter().position(|c| *c == name)
    }
}

/// Every metric NaN (an empty row).
impl Default for RunMetrics {
    fn default() -> Self {
        Self::from_values(&[])
    }
}

/// Equal when every cell would be written the same (NaN equals NaN).
impl PartialEq for RunMetrics {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.values(), other.values());
        a.iter().zip(&b).all(|(x, y)| same_cell(*x, *y))
    }
}

/// Whether two floats are written as the same cell: both NaN, or the same bits.
fn same_cell(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// One line of `runs.csv`: one run at one grid point.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunRow {
    /// Run number: point × seeds + seed index.
    pub run: usize,
    /// Grid point number.
    pub point: usize,
    /// Run seed.
    pub seed: u64,
    /// The value of each sweep axis as written in the scenario, in axis order.
    pub axes: Vec<String>,
    /// The run's metrics.
    pub metrics: RunMetrics,
}

impl RunRow {
    /// The header of `runs.csv` for a sweep over the axes `keys`.
    pub fn header(keys: &[String]) -> Vec<String> {
        let mut h: Vec<String> = ["run", "point", "seed"].map(String::from).to_vec();
        h.extend(keys.iter().cloned());
        h.extend(RunMetrics::COLUMNS.iter().map(|c| c.to_string()));
        h
    }
}

/// The axis column of a sweep's named variants (`[[sweep.variant]]`) in `runs.csv` and `aggregate.csv`.
pub const VARIANT_AXIS: &str = "variant";

/// Metrics that also get a paired difference against the first grid point in `aggregate.csv`.
pub const PAIRED: [&str; 2] = ["recovery_mean_s", "cost_s_per_h"];

/// Statistics of the column suffixed `_mean`, `_sd`, `_ci95_lo` and `_ci95_hi` in `aggregate.csv`.
pub const STAT_SUFFIXES: [&str; 4] = ["mean", "sd", "ci95_lo", "ci95_hi"];

/// A paired difference against the first grid point: mean and 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paired {
    /// Mean difference.
    pub mean: f64,
    /// Lower end of its 95% interval.
    pub ci95_lo: f64,
    /// Upper end of its 95% interval.
    pub ci95_hi: f64,
}

/// One line of `aggregate.csv`: per metric of [`RunMetrics`], the statistics over the runs of one grid point.
#[derive(Clone, Debug, PartialEq)]
pub struct PointRow {
    /// Grid point number.
    pub point: usize,
    /// The value of each sweep axis as written in the scenario, in axis order.
    pub axes: Vec<String>,
    /// Runs at this point.
    pub n: usize,
    /// Mean over the runs, per metric.
    pub mean: RunMetrics,
    /// Sample standard deviation, per metric.
    pub sd: RunMetrics,
    /// Lower end of the 95% interval of the mean, per metric.
    pub ci95_lo: RunMetrics,
    /// Upper end of the 95% interval of the mean, per metric.
    pub ci95_hi: RunMetrics,
    /// Paired difference against point 0, per metric of [`PAIRED`].
    pub paired: [Paired; 2],
}

impl PointRow {
    /// The header of `aggregate.csv` for a sweep over the axes `keys`.
    pub fn header(keys: &[String]) -> Vec<String> {
        let mut h: Vec<String> = vec!["point".into()];
        h.extend(keys.iter().cloned());
        h.push("n".into());
        for m in RunMetrics::COLUMNS {
            h.extend(STAT_SUFFIXES.iter().map(|s| format!("{m}_{s}")));
        }
        for m in PAIRED {
            h.extend(["mean", "ci95_lo", "ci95_hi"].map(|s| format!("{m}_diff_vs_point0_{s}")));
        }
        h
    }

    /// The row's cells, in the order of [`Self::header`].
    pub fn cells(&self) -> Vec<String> {
        let mut out = vec![self.point.to_string()];
        out.extend(self.axes.iter().cloned());
        out.push(self.n.to_string());
        let stats = [&self.mean, &self.sd, &self.ci95_lo, &self.ci95_hi].map(RunMetrics::values);
        for c in 0..RunMetrics::COLUMNS.len() {
            out.extend(stats.iter().map(|s| cell_text(s[c])));
        }
        for p in &self.paired {
            out.extend([p.mean, p.ci95_lo, p.ci95_hi].map(cell_text));
        }
        out
    }
}

/// A float as a CSV cell: its shortest round-trip decimal form, empty for NaN.
pub fn cell_text(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x}")
    }
}

/// A CSV cell as a float: NaN when empty or not a number; `true`/`false` read as 1/0.
pub fn cell_value(text: &str) -> f64 {
    match text.trim() {
        "true" => 1.0,
        "false" => 0.0,
        t => t.parse().unwrap_or(f64::NAN),
    }
}

/// Serde for one float cell ([`cell_text`], [`cell_value`]).
mod cell {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes [`super::cell_text`].
    pub(super) fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::cell_text(*x))
    }

    /// Reads [`super::cell_value`]; never fails on the text.
    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let text = String::deserialize(d)?;
        Ok(super::cell_value(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_values_and_serde_agree() {
        let n = RunMetrics::COLUMNS.len();
        let values: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
        let row = RunMetrics::from_values(&values);
        assert_eq!(row.values(), values);
        // serde writes the fields in column order.
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(&row).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), RunMetrics::COLUMNS.join(","));
        let cells: Vec<String> = values.iter().map(|v| cell_text(*v)).collect();
        assert_eq!(lines.next().unwrap(), cells.join(","));
        assert_eq!(RunMetrics::index("interval_s"), Some(0));
        for m in PAIRED {
            assert!(RunMetrics::index(m).is_some(), "{m} is no column");
        }
    }

    #[test]
    fn cells_round_trip_and_nan_is_empty() {
        for x in [
            0.0,
            -0.0,
            1.0,
            0.1,
            1e-7,
            123456789.125,
            f64::INFINITY,
            1e300,
        ] {
            assert_eq!(cell_value(&cell_text(x)).to_bits(), x.to_bits(), "{x}");
        }
        assert_eq!(cell_text(10.0), "10");
        assert_eq!(cell_text(f64::NAN), "");
        assert!(cell_value("").is_nan() && cell_value("x").is_nan());
        assert_eq!(cell_value("true"), 1.0);
        // NaN cells compare equal, -0 and 0 do not (they are written differently).
        let nan = RunMetrics::default();
        assert_eq!(nan, RunMetrics::default());
        let zero = RunMetrics {
            events: 0.0,
            ..Default::default()
        };
        let minus = RunMetrics {
            events: -0.0,
            ..Default::default()
        };
        assert_ne!(zero, minus);
    }
}
