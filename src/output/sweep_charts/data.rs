//! A sweep folder as the charts see it: its `runs.csv` and `aggregate.csv`
//! rows (read by [`crate::output::tables`]), the series (one per timeout and
//! value of the other axes), the interval and timeout ticks, and the labels
//! the charts need.

use std::collections::BTreeMap;

use plotters::prelude::RGBColor;

use super::PALETTE;
use super::axes::AxisDef;
use crate::metrics::sweep_rows::{PointRow, RunMetrics, RunRow};
use crate::output::chart::style::trimmed;
use crate::output::tables::{Points, Runs};
use crate::stats::median;

/// One metric of a run row: a field of [`RunMetrics`].
pub(super) type Metric = fn(&RunMetrics) -> f64;

/// The values of axis `key` in `rows` ("" where the axis is not among `keys`).
fn axis_texts<'a>(
    keys: &[String],
    key: Option<&String>,
    rows: impl Iterator<Item = &'a Vec<String>>,
) -> Vec<String> {
    let c = key.and_then(|k| keys.iter().position(|h| h == k));
    rows.map(|axes| c.and_then(|c| axes.get(c)).cloned().unwrap_or_default())
        .collect()
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
    /// `runs.csv` rows.
    pub(super) runs: Vec<RunRow>,
    /// `aggregate.csv` rows.
    pub(super) agg: Vec<PointRow>,
    /// Series, ascending by timeout.
    pub(super) series: Vec<Series>,
    /// Series of each aggregate.csv row (None: no finite interval).
    point_series: Vec<Option<usize>>,
    /// Interval of each aggregate.csv row, seconds.
    pub(super) point_interval_s: Vec<f64>,
    /// Series of each runs.csv row.
    pub(super) run_series: Vec<Option<usize>>,
    /// Interval of each runs.csv row, seconds.
    pub(super) run_interval_s: Vec<f64>,
    /// Distinct intervals, ascending.
    pub(super) intervals: Vec<Tick>,
    /// Distinct timeouts, ascending.
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

/// The sweep axes as the charts use them: the interval, the timeout and the others.
struct AxisRoles {
    interval: Option<String>,
    timeout: Option<String>,
    others: Vec<String>,
}

impl AxisRoles {
    /// Picks `checkpoint.interval` (else any key ending in "interval") and the same for the timeout.
    fn of(keys: &[String]) -> Self {
        let find = |suffix: &str| {
            keys.iter()
                .find(|a| a.as_str() == format!("checkpoint.{suffix}"))
                .or_else(|| keys.iter().find(|a| a.ends_with(suffix)))
                .cloned()
        };
        let (interval, timeout) = (find("interval"), find("timeout"));
        let others = keys
            .iter()
            .filter(|a| Some(*a) != interval.as_ref() && Some(*a) != timeout.as_ref())
            .cloned()
            .collect();
        Self {
            interval,
            timeout,
            others,
        }
    }
}

/// Per table row: interval and timeout (s), their labels, and the other axes as ", key=value".
struct Described {
    iv: Vec<f64>,
    to: Vec<f64>,
    il: Vec<String>,
    tl: Vec<String>,
    extra: Vec<String>,
}

impl Described {
    /// Describes the rows whose axis values are `axes` (over the table's `keys`) and
    /// whose interval and timeout are `metrics`' `interval_s` and `timeout_s`.
    fn new<'a>(
        roles: &AxisRoles,
        keys: &[String],
        axes: &[&'a Vec<String>],
        metrics: impl Iterator<Item = &'a RunMetrics>,
    ) -> Self {
        let (iv, to) = metrics.map(|m| (m.interval_s, m.timeout_s)).unzip();
        let texts = |key: Option<&String>| axis_texts(keys, key, axes.iter().copied());
        let other_cols: Vec<Vec<String>> = roles.others.iter().map(|a| texts(Some(a))).collect();
        let extra = (0..axes.len())
            .map(|i| {
                roles
                    .others
                    .iter()
                    .zip(&other_cols)
                    .map(|(a, col)| format!(", {a}={}", col[i]))
                    .collect()
            })
            .collect();
        Self {
            iv,
            to,
            il: texts(roles.interval.as_ref()),
            tl: texts(roles.timeout.as_ref()),
            extra,
        }
    }

    /// The series of each row (None without a positive finite interval).
    fn series(&self, index: &BTreeMap<SeriesKey, usize>) -> Vec<Option<usize>> {
        (0..self.iv.len())
            .map(|i| {
                (self.iv[i].is_finite() && self.iv[i] > 0.0)
                    .then(|| {
                        index
                            .get(&(micros(self.to[i]), self.extra[i].clone()))
                            .copied()
                    })
                    .flatten()
            })
            .collect()
    }
}

/// The series (ascending by timeout, with their index by key) and the interval and timeout ticks of the grid points `p`.
fn series_and_ticks(
    p: &Described,
) -> (
    Vec<Series>,
    BTreeMap<SeriesKey, usize>,
    Vec<Tick>,
    Vec<Tick>,
) {
    let mut keys: BTreeMap<SeriesKey, (f64, String)> = BTreeMap::new();
    let mut interval_ticks: BTreeMap<i64, Tick> = BTreeMap::new();
    let mut timeout_ticks: BTreeMap<i64, Tick> = BTreeMap::new();
    let label = |text: &str, v: f64| {
        if text.is_empty() {
            human(v)
        } else {
            text.to_owned()
        }
    };
    for i in 0..p.iv.len() {
        let (iv, to) = (p.iv[i], p.to[i]);
        if !(iv.is_finite() && iv > 0.0) {
            continue;
        }
        interval_ticks.entry(micros(iv)).or_insert(Tick {
            value: iv,
            label: label(&p.il[i], iv),
        });
        if to.is_finite() {
            timeout_ticks.entry(micros(to)).or_insert(Tick {
                value: to,
                label: label(&p.tl[i], to),
            });
        }
        let series_label = if to.is_finite() {
            format!("timeout {}{}", label(&p.tl[i], to), p.extra[i])
        } else if p.extra[i].is_empty() {
            "all points".to_owned()
        } else {
            p.extra[i].trim_start_matches(", ").to_owned()
        };
        keys.entry((micros(to), p.extra[i].clone()))
            .or_insert((to, series_label));
    }
    let index = keys
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
    let ticks = |m: BTreeMap<i64, Tick>| m.into_values().collect();
    (series, index, ticks(interval_ticks), ticks(timeout_ticks))
}

impl Sweep {
    /// Finds the axes, series and ticks of the sweep `name` in its tables.
    pub(super) fn new(name: String, runs: Runs, points: Points) -> Self {
        let roles = AxisRoles::of(&points.keys);
        let p_axes: Vec<&Vec<String>> = points.rows.iter().map(|p| &p.axes).collect();
        let p = Described::new(
            &roles,
            &points.keys,
            &p_axes,
            points.rows.iter().map(|p| &p.mean),
        );
        let r_axes: Vec<&Vec<String>> = runs.rows.iter().map(|r| &r.axes).collect();
        let r = Described::new(
            &roles,
            &runs.keys,
            &r_axes,
            runs.rows.iter().map(|r| &r.metrics),
        );
        let (series, index, intervals, timeouts) = series_and_ticks(&p);
        let counts: Vec<f64> = points.rows.iter().map(|p| p.n as f64).collect();
        Self {
            name,
            series,
            point_series: p.series(&index),
            point_interval_s: p.iv,
            run_series: r.series(&index),
            run_interval_s: r.iv,
            intervals,
            timeouts,
            seeds: median(&counts),
            runs: runs.rows,
            agg: points.rows,
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
    pub(super) fn curve(&self, series: usize, metric: Metric) -> Vec<[f64; 4]> {
        self.points_of(series)
            .into_iter()
            .map(|(i, x)| {
                let p = &self.agg[i];
                [x, metric(&p.mean), metric(&p.ci95_lo), metric(&p.ci95_hi)]
            })
            .collect()
    }

    /// The mean of `metric` per aggregate.csv row.
    pub(super) fn means(&self, metric: Metric) -> Vec<f64> {
        self.agg.iter().map(|p| metric(&p.mean)).collect()
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
    }
}
