//! Reading a sweep folder: `runs.csv` and `aggregate.csv` as text tables
//! (columns by name), the series (one per timeout and value of the other
//! axes), the interval and timeout ticks, and the small statistics and labels
//! the charts need.

use std::collections::BTreeMap;
use std::path::Path;

use plotters::prelude::RGBColor;

use super::PALETTE;
use super::axes::AxisDef;
use crate::plot::PlotError;
use crate::plot::style::trimmed;

/// A CSV file as text cells, columns found by name.
pub(super) struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads the CSV file at `path` (rows may be ragged).
    pub(super) fn read(path: &Path) -> Result<Self, PlotError> {
        let fail = |e: csv::Error| PlotError::Draw(format!("cannot read {}: {e}", path.display()));
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(path)
            .map_err(fail)?;
        let header = reader
            .headers()
            .map_err(fail)?
            .iter()
            .map(str::to_owned)
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            rows.push(record.map_err(fail)?.iter().map(str::to_owned).collect());
        }
        Ok(Self { header, rows })
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The column as numbers: NaN where missing, empty or not a number
    /// (`true`/`false` read as 1/0).
    pub(super) fn numbers(&self, name: &str) -> Vec<f64> {
        let Some(c) = self.index(name) else {
            return vec![f64::NAN; self.rows.len()];
        };
        self.rows
            .iter()
            .map(|r| {
                let cell = r.get(c).map_or("", |s| s.trim());
                match cell {
                    "true" => 1.0,
                    "false" => 0.0,
                    _ => cell.parse().unwrap_or(f64::NAN),
                }
            })
            .collect()
    }

    /// The column as text ("" where missing).
    pub(super) fn texts(&self, name: &str) -> Vec<String> {
        let c = self.index(name);
        self.rows
            .iter()
            .map(|r| c.and_then(|c| r.get(c)).cloned().unwrap_or_default())
            .collect()
    }

    /// Names of the columns strictly between `first` and `last` (the sweep axes).
    fn between(&self, first: &str, last: &str) -> Vec<String> {
        match (self.index(first), self.index(last)) {
            (Some(a), Some(b)) if a < b => self.header[a + 1..b].to_vec(),
            _ => Vec::new(),
        }
    }
}

/// A tick: an axis value (untransformed) and its label as written in the scenario.
#[derive(Clone, Debug)]
pub(super) struct Tick {
    /// Axis value, seconds.
    pub(super) value: f64,
    /// Label as written in the scenario.
    pub(super) label: String,
}

/// A series: one timeout (and one value of every other axis).
#[derive(Clone, Debug)]
pub(super) struct Series {
    /// Checkpoint timeout, seconds (NaN when the sweep has none).
    pub(super) timeout_s: f64,
    /// Legend label ("timeout 10s" and any other axes).
    pub(super) label: String,
    /// Line colour.
    pub(super) colour: RGBColor,
}

/// The sweep as read: both tables and the series and axis values found in them.
pub(super) struct Sweep {
    name: String,
    /// `runs.csv` and `aggregate.csv`.
    pub(super) runs: Table,
    pub(super) agg: Table,
    /// Series, ascending by timeout.
    pub(super) series: Vec<Series>,
    /// Series of each aggregate.csv row (None: no finite interval).
    point_series: Vec<Option<usize>>,
    /// Interval of each aggregate.csv row, seconds.
    pub(super) point_interval_s: Vec<f64>,
    /// Series and interval of each runs.csv row.
    pub(super) run_series: Vec<Option<usize>>,
    pub(super) run_interval_s: Vec<f64>,
    /// Distinct intervals and timeouts, ascending.
    pub(super) intervals: Vec<Tick>,
    pub(super) timeouts: Vec<Tick>,
    /// Median runs per point.
    seeds: f64,
}

/// Series key: timeout in microseconds (i64::MAX for none), then the other axes' values.
type SeriesKey = (i64, String);

/// Seconds as whole microseconds, a map key (i64::MAX when not finite).
pub(super) fn micros(v: f64) -> i64 {
    if v.is_finite() {
        (v * 1e6).round() as i64
    } else {
        i64::MAX
    }
}

impl Sweep {
    /// Finds the axes, series and ticks of the sweep `name` in its tables.
    pub(super) fn new(name: String, runs: Table, agg: Table) -> Self {
        let axes = agg.between("point", "n");
        let find = |suffix: &str| {
            axes.iter()
                .find(|a| a.as_str() == format!("checkpoint.{suffix}"))
                .or_else(|| axes.iter().find(|a| a.ends_with(suffix)))
                .cloned()
        };
        let interval_axis = find("interval");
        let timeout_axis = find("timeout");
        let others: Vec<String> = axes
            .iter()
            .filter(|a| Some(*a) != interval_axis.as_ref() && Some(*a) != timeout_axis.as_ref())
            .cloned()
            .collect();

        // Per table: (interval_s, timeout_s, interval label, timeout label, other axes).
        let describe = |t: &Table, interval: &str, timeout: &str| {
            let iv = t.numbers(interval);
            let to = t.numbers(timeout);
            let il = interval_axis
                .as_ref()
                .map_or_else(|| vec![String::new(); t.rows.len()], |a| t.texts(a));
            let tl = timeout_axis
                .as_ref()
                .map_or_else(|| vec![String::new(); t.rows.len()], |a| t.texts(a));
            let other_cols: Vec<Vec<String>> = others.iter().map(|a| t.texts(a)).collect();
            let extra: Vec<String> = (0..t.rows.len())
                .map(|i| {
                    others
                        .iter()
                        .zip(&other_cols)
                        .map(|(a, col)| format!(", {a}={}", col[i]))
                        .collect()
                })
                .collect();
            (iv, to, il, tl, extra)
        };
        let (p_iv, p_to, p_il, p_tl, p_extra) = describe(&agg, "interval_s_mean", "timeout_s_mean");
        let (r_iv, r_to, _, _, r_extra) = describe(&runs, "interval_s", "timeout_s");

        // Series from the grid points, ascending by timeout.
        let mut keys: BTreeMap<SeriesKey, (f64, String)> = BTreeMap::new();
        let mut interval_ticks: BTreeMap<i64, Tick> = BTreeMap::new();
        let mut timeout_ticks: BTreeMap<i64, Tick> = BTreeMap::new();
        for i in 0..agg.rows.len() {
            if !(p_iv[i].is_finite() && p_iv[i] > 0.0) {
                continue;
            }
            let label = |text: &str, v: f64| {
                if text.is_empty() {
                    human(v)
                } else {
                    text.to_owned()
                }
            };
            interval_ticks.entry(micros(p_iv[i])).or_insert(Tick {
                value: p_iv[i],
                label: label(&p_il[i], p_iv[i]),
            });
            if p_to[i].is_finite() {
                timeout_ticks.entry(micros(p_to[i])).or_insert(Tick {
                    value: p_to[i],
                    label: label(&p_tl[i], p_to[i]),
                });
            }
            let series_label = if p_to[i].is_finite() {
                format!("timeout {}{}", label(&p_tl[i], p_to[i]), p_extra[i])
            } else if p_extra[i].is_empty() {
                "all points".to_owned()
            } else {
                p_extra[i].trim_start_matches(", ").to_owned()
            };
            keys.entry((micros(p_to[i]), p_extra[i].clone()))
                .or_insert((p_to[i], series_label));
        }
        let index: BTreeMap<SeriesKey, usize> = keys
            .keys()
            .enumerate()
            .map(|(i, k)| (k.clone(), i))
            .collect();
        let series = keys
            .into_values()
            .enumerate()
            .map(|(i, (timeout_s, label))| Series {
                timeout_s,
                label,
                colour: PALETTE[i % PALETTE.len()],
            })
            .collect();
        let lookup = |iv: &[f64], to: &[f64], extra: &[String]| -> Vec<Option<usize>> {
            (0..iv.len())
                .map(|i| {
                    (iv[i].is_finite() && iv[i] > 0.0)
                        .then(|| index.get(&(micros(to[i]), extra[i].clone())).copied())
                        .flatten()
                })
                .collect()
        };
        let point_series = lookup(&p_iv, &p_to, &p_extra);
        let run_series = lookup(&r_iv, &r_to, &r_extra);
        let seeds = median(agg.numbers("n"));
        Self {
            name,
            series,
            point_series,
            point_interval_s: p_iv,
            run_series,
            run_interval_s: r_iv,
            intervals: interval_ticks.into_values().collect(),
            timeouts: timeout_ticks.into_values().collect(),
            seeds,
            runs,
            agg,
        }
    }

    /// The series with the longest timeout (the first such), if any.
    pub(super) fn longest(&self) -> Option<usize> {
        let max = self
            .series
            .iter()
            .map(|s| s.timeout_s)
            .filter(|t| t.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        self.series
            .iter()
            .position(|s| s.timeout_s == max)
            .or((!self.series.is_empty()).then_some(0))
    }

    /// Aggregate rows of `series`, sorted by interval: (row, interval_s).
    pub(super) fn points_of(&self, series: usize) -> Vec<(usize, f64)> {
        let mut out: Vec<(usize, f64)> = (0..self.point_series.len())
            .filter(|&i| self.point_series[i] == Some(series))
            .map(|i| (i, self.point_interval_s[i]))
            .collect();
        out.sort_by(|a, b| a.1.total_cmp(&b.1));
        out
    }

    /// (interval_s, mean, ci95_lo, ci95_hi) of `metric` per point of `series`.
    pub(super) fn curve(&self, series: usize, metric: &str) -> Vec<[f64; 4]> {
        let mean = self.agg.numbers(&format!("{metric}_mean"));
        let lo = self.agg.numbers(&format!("{metric}_ci95_lo"));
        let hi = self.agg.numbers(&format!("{metric}_ci95_hi"));
        self.points_of(series)
            .into_iter()
            .map(|(i, x)| [x, mean[i], lo[i], hi[i]])
            .collect()
    }

    /// The legend label of a group of identical series: "timeout 10s" or
    /// "timeouts 10s, 1min, 10min\n(identical values)".
    pub(super) fn group_label(&self, group: &[usize], prefix: &str) -> String {
        match group {
            [one] => format!("{prefix}{}", self.series[*one].label),
            _ => {
                let names: Vec<&str> = group
                    .iter()
                    .map(|&s| {
                        let l = self.series[s].label.as_str();
                        l.strip_prefix("timeout ").unwrap_or(l)
                    })
                    .collect();
                format!("{prefix}timeouts {}\n(identical values)", names.join(", "))
            }
        }
    }

    /// Title prefix: the sweep folder's name.
    pub(super) fn title(&self, what: &str) -> String {
        if self.name.is_empty() {
            what.to_owned()
        } else {
            format!("{} — {what}", self.name)
        }
    }

    /// "N seeds per point" (the median over points), or "no runs".
    pub(super) fn seeds_text(&self) -> String {
        if self.seeds.is_finite() {
            let plural = if self.seeds == 1.0 { "" } else { "s" };
            format!("{} seed{plural} per point", trimmed(self.seeds))
        } else {
            "no runs".to_owned()
        }
    }

    /// The log x axis of the intervals for a plot `width_px` wide.
    pub(super) fn interval_axis(&self, width_px: u32) -> AxisDef {
        AxisDef::log_ticks(&self.intervals, width_px)
    }
}

/// Quantile of sorted finite values, linear interpolation between order statistics.
pub(super) fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (i, u) = (h.floor() as usize, h - h.floor());
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + u * (sorted[j] - sorted[i])
}

/// Median of the finite values (NaN if none).
pub(super) fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    quantile(&values, 0.5)
}

/// A duration in seconds as a scenario would write it: 0.25 → "250ms", 90 → "1.5min".
pub(super) fn human(s: f64) -> String {
    match s {
        s if !s.is_finite() => "?".to_owned(),
        s if s >= 3600.0 => format!("{}h", trimmed(s / 3600.0)),
        s if s >= 60.0 => format!("{}min", trimmed(s / 60.0)),
        s if s >= 1.0 || s == 0.0 => format!("{}s", trimmed(s)),
        s => format!("{}ms", trimmed(s * 1000.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn numbers_and_labels() {
        assert_eq!(human(0.25), "250ms");
        assert_eq!(human(90.0), "1.5min");
        assert_eq!(human(7200.0), "2h");
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
        assert!(median(vec![f64::NAN]).is_nan());
    }
}
