//! The charts of a sweep folder (`ckptsim sweep`, `ckptsim plot DIR`), each as
//! PNG and SVG:
//!
//! - `recovery-vs-interval`: mean recovery time with its 95% CI band against
//!   the checkpoint interval, one series per checkpoint timeout;
//! - `cost-vs-interval`: simulated time lost per hour with its band, per
//!   timeout, against the models (`T + R` and `T/2 + R` per failure times the
//!   failure rate, the cost-rate model) and the Young and Daly optima;
//! - `checkpoint-duration`: per interval, the spread over runs of the runs'
//!   median checkpoint duration (box), their p90 and the longest checkpoint;
//! - `heatmap-interval-timeout`: completed-checkpoint fraction and time lost
//!   per hour over the interval × timeout grid.
//!
//! Reads `DIR/runs.csv` and `DIR/aggregate.csv` only, every column by name
//! (the axis columns depend on the scenario; a missing column reads as NaN);
//! knows nothing of the simulator or of how the sweep ran. Series are keyed by
//! `timeout_s` and by any axis other than the interval and the timeout. Values
//! are drawn on transformed axes (log10 where the scale is logarithmic) with
//! hand-placed ticks, so one chart type serves linear and log scales. Files are
//! written atomically via [`crate::metrics::write`]. NaN, empty columns and
//! empty files give charts that say "no data", never a panic.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::metrics::write::{write_atomic, write_atomic_with};
use crate::plot::{PlotError, SIZE_PX};

/// The charts written by [`charts`], by file stem, in order.
pub const CHARTS: [&str; 4] = [
    "recovery-vs-interval",
    "cost-vs-interval",
    "checkpoint-duration",
    "heatmap-interval-timeout",
];

const FONT: &str = "sans-serif";
/// Width of the legend column at the right of a chart, pixels.
const LEGEND_W_PX: u32 = 330;
/// A chart's y label area (tick labels and the rotated axis name), pixels.
const Y_LABEL_AREA_PX: u32 = 84;
const X_LABEL_AREA_PX: u32 = 52;

/// Series colours (matplotlib's tab10), in ascending timeout order.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
const MODEL_T_PLUS_R: RGBColor = RGBColor(30, 30, 30);
const MODEL_HALF_T_PLUS_R: RGBColor = RGBColor(130, 130, 130);
const MODEL_COST_RATE: RGBColor = RGBColor(170, 30, 150);
const YOUNG: RGBColor = RGBColor(120, 70, 20);
const DALY: RGBColor = RGBColor(0, 128, 128);
const GRID: RGBColor = RGBColor(225, 225, 225);
const NOTE: RGBColor = RGBColor(90, 90, 90);
const NO_DATA: RGBColor = RGBColor(235, 235, 235);

/// Draws the sweep charts of `dir` (reads `runs.csv` and `aggregate.csv`
/// there) and writes `<chart>.png` and `<chart>.svg` for each of [`CHARTS`]
/// into `dir`, atomically. Returns the files written, PNG then SVG per chart.
pub fn charts(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    ensure_font()?;
    let runs = Table::read(&dir.join("runs.csv"))?;
    let agg = Table::read(&dir.join("aggregate.csv"))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sweep = Sweep::new(name, runs, agg);
    let mut written = Vec::with_capacity(2 * CHARTS.len());
    for (k, stem) in CHARTS.iter().enumerate() {
        let png = dir.join(format!("{stem}.png"));
        write_atomic_with(&png, |tmp: &Path| {
            // The backend picks the image format from the temp path's extension.
            let root = BitMapBackend::new(tmp, SIZE_PX).into_drawing_area();
            draw(&root, k, &sweep)?;
            root.present().map_err(draw_err)
        })?;
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, SIZE_PX).into_drawing_area();
            draw(&root, k, &sweep)?;
            root.present().map_err(draw_err)?;
        }
        let svg = dir.join(format!("{stem}.svg"));
        write_atomic(&svg, text.as_bytes())?;
        written.extend([png, svg]);
    }
    Ok(written)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: usize,
    sweep: &Sweep,
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_err)?;
    match chart {
        0 => recovery_chart(root, sweep),
        1 => cost_chart(root, sweep),
        2 => duration_chart(root, sweep),
        _ => heatmap_chart(root, sweep),
    }
}

fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

fn draw_err<E: std::fmt::Display>(err: E) -> PlotError {
    PlotError::Draw(err.to_string())
}

// ---------------------------------------------------------------------------
// Reading the sweep
// ---------------------------------------------------------------------------

/// A CSV file as text cells, columns found by name.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Result<Self, PlotError> {
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
    fn numbers(&self, name: &str) -> Vec<f64> {
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
    fn texts(&self, name: &str) -> Vec<String> {
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
struct Tick {
    value: f64,
    label: String,
}

/// A series: one timeout (and one value of every other axis).
#[derive(Clone, Debug)]
struct Series {
    timeout_s: f64,
    label: String,
    colour: RGBColor,
}

/// The sweep as read: both tables and the series and axis values found in them.
struct Sweep {
    name: String,
    runs: Table,
    agg: Table,
    series: Vec<Series>,
    /// Series of each aggregate.csv row (None: no finite interval).
    point_series: Vec<Option<usize>>,
    point_interval_s: Vec<f64>,
    run_series: Vec<Option<usize>>,
    run_interval_s: Vec<f64>,
    /// Distinct intervals and timeouts, ascending.
    intervals: Vec<Tick>,
    timeouts: Vec<Tick>,
    /// Median runs per point.
    seeds: f64,
}

/// Series key: timeout in microseconds (i64::MAX for none), then the other axes' values.
type SeriesKey = (i64, String);

fn micros(v: f64) -> i64 {
    if v.is_finite() {
        (v * 1e6).round() as i64
    } else {
        i64::MAX
    }
}

impl Sweep {
    fn new(name: String, runs: Table, agg: Table) -> Self {
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
    fn longest(&self) -> Option<usize> {
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
    fn points_of(&self, series: usize) -> Vec<(usize, f64)> {
        let mut out: Vec<(usize, f64)> = (0..self.point_series.len())
            .filter(|&i| self.point_series[i] == Some(series))
            .map(|i| (i, self.point_interval_s[i]))
            .collect();
        out.sort_by(|a, b| a.1.total_cmp(&b.1));
        out
    }

    /// (interval_s, mean, ci95_lo, ci95_hi) of `metric` per point of `series`.
    fn curve(&self, series: usize, metric: &str) -> Vec<[f64; 4]> {
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
    fn group_label(&self, group: &[usize], prefix: &str) -> String {
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
    fn title(&self, what: &str) -> String {
        if self.name.is_empty() {
            what.to_owned()
        } else {
            format!("{} — {what}", self.name)
        }
    }

    fn seeds_text(&self) -> String {
        if self.seeds.is_finite() {
            let plural = if self.seeds == 1.0 { "" } else { "s" };
            format!("{} seed{plural} per point", trimmed(self.seeds))
        } else {
            "no runs".to_owned()
        }
    }

    /// The log x axis of the intervals for a plot `width_px` wide.
    fn interval_axis(&self, width_px: u32) -> AxisDef {
        AxisDef::log_ticks(&self.intervals, width_px)
    }
}

// ---------------------------------------------------------------------------
// Axes
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Debug)]
enum Scale {
    Linear,
    Log,
}

impl Scale {
    /// Data value → plotted coordinate (NaN or infinite when not drawable).
    fn fwd(self, v: f64) -> f64 {
        match self {
            Scale::Linear => v,
            Scale::Log if v > 0.0 => v.log10(),
            Scale::Log => f64::NAN,
        }
    }
}

/// An axis: scale, plotted range (transformed) and ticks (transformed
/// position, label; an empty label draws a grid line only).
#[derive(Clone, Debug)]
struct AxisDef {
    scale: Scale,
    range: Range<f64>,
    ticks: Vec<(f64, String)>,
}

/// A linear coordinate over transformed values with hand-placed ticks (and no minor grid).
#[derive(Clone, Debug)]
struct Coord {
    range: Range<f64>,
    ticks: Vec<f64>,
}

impl Ranged for Coord {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        if span == 0.0 || !span.is_finite() {
            return (limit.0 + limit.1) / 2;
        }
        let at = (value - self.range.start) / span * f64::from(limit.1 - limit.0);
        limit.0 + at.round().clamp(-1e6, 1e6) as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Coord, Coord>>;

impl AxisDef {
    fn coord(&self) -> Coord {
        Coord {
            range: self.range.clone(),
            ticks: self.ticks.iter().map(|t| t.0).collect(),
        }
    }

    fn label(&self, v: f64) -> String {
        self.ticks
            .iter()
            .find(|t| (t.0 - v).abs() <= 1e-9 * (1.0 + v.abs()))
            .map(|t| t.1.clone())
            .unwrap_or_default()
    }

    fn t(&self, v: f64) -> f64 {
        self.scale.fwd(v)
    }

    /// A log axis with a tick at each value, labelled as written; labels that
    /// would overlap on a plot `width_px` wide are left out (the grid line stays).
    fn log_ticks(values: &[Tick], width_px: u32) -> Self {
        let logs: Vec<(f64, &str)> = values
            .iter()
            .filter(|t| t.value > 0.0 && t.value.is_finite())
            .map(|t| (t.value.log10(), t.label.as_str()))
            .collect();
        if logs.is_empty() {
            return Self::log_values(&[1.0, 10.0], false);
        }
        let (lo, hi) = (logs[0].0, logs[logs.len() - 1].0);
        let pad = ((hi - lo) * 0.04).max(0.12);
        let range = lo - pad..hi + pad;
        let px_per_unit = f64::from(width_px.max(100)) / (range.end - range.start);
        let mut ticks = Vec::with_capacity(logs.len());
        let mut last_end_px = f64::NEG_INFINITY;
        for (v, label) in logs {
            let centre = (v - range.start) * px_per_unit;
            let half = 4.5 * label.chars().count() as f64 + 4.0;
            if centre - half >= last_end_px {
                ticks.push((v, label.to_owned()));
                last_end_px = centre + half;
            } else {
                ticks.push((v, String::new()));
            }
        }
        Self {
            scale: Scale::Log,
            range,
            ticks,
        }
    }

    /// A y axis fitting `values`: logarithmic when the positive values span
    /// more than two decades, else linear. With `from_zero` (a quantity that
    /// cannot be negative) a linear axis starts at 0 and negative values (the
    /// low end of a wide confidence interval) are ignored.
    fn fit(values: impl IntoIterator<Item = f64>, from_zero: bool) -> Self {
        let finite: Vec<f64> = values
            .into_iter()
            .filter(|v| v.is_finite() && (!from_zero || *v >= 0.0))
            .collect();
        let positive = finite.iter().copied().filter(|v| *v > 0.0);
        let (pmin, pmax) =
            positive.fold((f64::INFINITY, 0.0_f64), |(a, b), v| (a.min(v), b.max(v)));
        let all_positive = finite.iter().all(|v| *v > 0.0);
        if pmin.is_finite() && pmax / pmin > 100.0 && all_positive {
            return Self::log_values(&[pmin, pmax], true);
        }
        let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !min.is_finite() {
            return Self::linear(0.0, 1.0);
        }
        let lo = if from_zero && min >= 0.0 { 0.0 } else { min };
        let span = (max - lo).max(max.abs() * 1e-3).max(1e-9);
        let lo = if lo == 0.0 { 0.0 } else { lo - span * 0.06 };
        Self::linear(lo, max + span * 0.08)
    }

    /// A log axis covering `[min, max]` of `values`, ticks at 1, 2, 5 × 10^k
    /// (decades only when it spans more than four), labelled with SI suffixes.
    fn log_values(values: &[f64], padded: bool) -> Self {
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = (min.log10(), max.log10());
        let pad = if padded {
            ((hi - lo) * 0.05).max(0.05)
        } else {
            0.0
        };
        let range = lo - pad..(hi + pad).max(lo - pad + 0.1);
        let steps: &[f64] = if range.end - range.start > 4.0 {
            &[1.0]
        } else {
            &[1.0, 2.0, 5.0]
        };
        let mut ticks = Vec::new();
        let mut decade = range.start.floor() as i32;
        while f64::from(decade) <= range.end.ceil() {
            for m in steps {
                let v = m * 10f64.powi(decade);
                let t = v.log10();
                if t >= range.start && t <= range.end {
                    ticks.push((t, si(v)));
                }
            }
            decade += 1;
        }
        Self {
            scale: Scale::Log,
            range,
            ticks,
        }
    }

    /// A linear axis over `[lo, hi]` with about seven round ticks.
    fn linear(lo: f64, hi: f64) -> Self {
        let span = hi - lo;
        let raw = span / 7.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * mag);
        let mut ticks = Vec::new();
        let mut k = (lo / step).ceil();
        while k * step <= hi + step * 1e-9 && ticks.len() < 50 {
            let v = k * step;
            ticks.push((v, si(if v.abs() < step * 1e-6 { 0.0 } else { v })));
            k += 1.0;
        }
        Self {
            scale: Scale::Linear,
            range: lo..hi,
            ticks,
        }
    }

    fn describe(&self, what: &str) -> String {
        match self.scale {
            Scale::Linear => what.to_owned(),
            Scale::Log => match what.strip_suffix(')') {
                Some(head) => format!("{head}, log scale)"),
                None => format!("{what} (log scale)"),
            },
        }
    }
}

/// A chart on `area` with the given axes, mesh and axis names.
fn new_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: &AxisDef,
    y: &AxisDef,
    x_desc: &str,
    y_desc: &str,
) -> Result<Chart<'a, DB>, PlotError> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(14)
        .margin_left(8)
        .margin_right(18)
        .x_label_area_size(X_LABEL_AREA_PX)
        .y_label_area_size(Y_LABEL_AREA_PX)
        .build_cartesian_2d(x.coord(), y.coord())
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| x.label(*v))
        .y_label_formatter(&|v| y.label(*v))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(draw_err)?;
    Ok(chart)
}

/// The plot width left for the data in an area `width_px` wide.
fn plot_width(width_px: u32) -> u32 {
    width_px.saturating_sub(Y_LABEL_AREA_PX + 26)
}

// ---------------------------------------------------------------------------
// Drawing helpers (coordinates already transformed)
// ---------------------------------------------------------------------------

/// Clips a segment to the chart's y range; None when it lies outside.
fn clip(a: (f64, f64), b: (f64, f64), y: &Range<f64>) -> Option<((f64, f64), (f64, f64))> {
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    let dy = b.1 - a.1;
    for (p, q) in [(-dy, a.1 - y.start), (dy, y.end - a.1)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    (t0 <= t1).then(|| {
        let at = |t: f64| (a.0 + t * (b.0 - a.0), a.1 + t * dy);
        (at(t0), at(t1))
    })
}

/// Draws a polyline (solid, or dashed when `dashed`), broken at non-finite
/// points, clipped to the y range, one segment at a time (no wide-line joins).
fn polyline<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    points: &[(f64, f64)],
    style: ShapeStyle,
    dashed: bool,
    y: &Range<f64>,
) -> Result<(), PlotError> {
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        if !(a.0.is_finite() && a.1.is_finite() && b.0.is_finite() && b.1.is_finite()) {
            continue;
        }
        let Some((a, b)) = clip(a, b, y) else {
            continue;
        };
        if dashed {
            chart
                .draw_series(DashedLineSeries::new([a, b], 9, 6, style))
                .map_err(draw_err)?;
        } else {
            chart
                .draw_series(std::iter::once(PathElement::new(vec![a, b], style)))
                .map_err(draw_err)?;
        }
    }
    Ok(())
}

/// Dots at the finite points inside the y range.
fn dots<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    points: &[(f64, f64)],
    colour: RGBColor,
    y: &Range<f64>,
) -> Result<(), PlotError> {
    let inside = points
        .iter()
        .filter(|p| p.0.is_finite() && p.1 >= y.start && p.1 <= y.end)
        .map(|p| Circle::new(*p, 4, colour.filled()));
    chart.draw_series(inside).map_err(draw_err)?;
    Ok(())
}

/// A shaded band between `lo` and `hi` over each run of points where both are finite.
fn band<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    pts: &[(f64, f64, f64)],
    colour: RGBColor,
    y: &Range<f64>,
) -> Result<(), PlotError> {
    let ok = |p: &(f64, f64, f64)| p.0.is_finite() && p.1.is_finite() && p.2.is_finite();
    let clamp = |v: f64| v.clamp(y.start, y.end);
    for run in pts.split(|p| !ok(p)).filter(|r| r.len() >= 2) {
        let mut outline: Vec<(f64, f64)> = run.iter().map(|p| (p.0, clamp(p.2))).collect();
        outline.extend(run.iter().rev().map(|p| (p.0, clamp(p.1))));
        chart
            .draw_series(std::iter::once(Polygon::new(
                outline,
                colour.mix(0.16).filled(),
            )))
            .map_err(draw_err)?;
    }
    Ok(())
}

/// "no data" in the middle of the plotting area.
fn no_data<DB: DrawingBackend>(chart: &Chart<'_, DB>, text: &str) -> Result<(), PlotError> {
    let (x, y) = (chart.x_range(), chart.y_range());
    let centre = ((x.start + x.end) / 2.0, (y.start + y.end) / 2.0);
    let style = TextStyle::from((FONT, 20).into_font())
        .color(&NOTE)
        .pos(Pos::new(HPos::Center, VPos::Center));
    chart
        .plotting_area()
        .draw(&Text::new(text.to_owned(), centre, style))
        .map_err(draw_err)
}

/// A legend entry's sample.
enum Glyph {
    /// Series line with dots over its CI band.
    Series(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A vertical dashed line.
    Vertical(RGBColor),
    /// A star marker.
    Star(RGBColor),
    /// The box glyph of the duration chart: box, median, whisker, max.
    Box(RGBColor),
    Whisker(RGBColor),
    MaxMark(RGBColor),
    /// No sample, a grey note.
    Note,
}

/// A boxed legend at the top of `area`; a label may hold line breaks.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(Glyph, String)],
) -> Result<(), PlotError> {
    const ROW_H: i32 = 26;
    const LINE_H: i32 = 17;
    let style = TextStyle::from((FONT, 14).into_font()).color(&BLACK);
    let note = TextStyle::from((FONT, 13).into_font()).color(&NOTE);
    let (w, _) = area.dim_in_pixel();
    let (x0, y0) = (6, 16);
    let x1 = i32::try_from(w).unwrap_or(0) - 10;
    let (gx0, gx1) = (x0 + 10, x0 + 42);
    let height = |label: &str| ROW_H + LINE_H * label.lines().count().saturating_sub(1) as i32;
    let y1 = y0 + 10 + entries.iter().map(|e| height(&e.1)).sum::<i32>();
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], WHITE.filled()))
        .map_err(draw_err)?;
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        RGBColor(160, 160, 160),
    ))
    .map_err(draw_err)?;
    let mut y = y0 + 5;
    for (glyph, label) in entries {
        let mid = y + ROW_H / 2;
        let gm = (gx0 + gx1) / 2;
        match glyph {
            Glyph::Series(c) => {
                area.draw(&Rectangle::new(
                    [(gx0, mid - 8), (gx1, mid + 8)],
                    c.mix(0.16).filled(),
                ))
                .map_err(draw_err)?;
                area.draw(&PathElement::new(
                    vec![(gx0, mid), (gx1, mid)],
                    c.stroke_width(2),
                ))
                .map_err(draw_err)?;
                area.draw(&Circle::new((gm, mid), 4, c.filled()))
                    .map_err(draw_err)?;
            }
            Glyph::Dashed(c) => {
                for (a, b) in [(gx0, gx0 + 9), (gx0 + 14, gx0 + 23), (gx0 + 28, gx1)] {
                    area.draw(&PathElement::new(
                        vec![(a, mid), (b, mid)],
                        c.stroke_width(2),
                    ))
                    .map_err(draw_err)?;
                }
            }
            Glyph::Vertical(c) => {
                for (a, b) in [(y + 2, y + 10), (y + 15, y + ROW_H - 2)] {
                    area.draw(&PathElement::new(vec![(gm, a), (gm, b)], c.stroke_width(2)))
                        .map_err(draw_err)?;
                }
            }
            Glyph::Star(c) => area
                .draw(&Cross::new((gm, mid), 6, c.stroke_width(3)))
                .map_err(draw_err)?,
            Glyph::Box(c) => {
                area.draw(&Rectangle::new(
                    [(gm - 9, mid - 9), (gm + 9, mid + 9)],
                    c.mix(0.3).filled(),
                ))
                .map_err(draw_err)?;
                area.draw(&Rectangle::new(
                    [(gm - 9, mid - 9), (gm + 9, mid + 9)],
                    c.stroke_width(1),
                ))
                .map_err(draw_err)?;
                area.draw(&PathElement::new(
                    vec![(gm - 9, mid), (gm + 9, mid)],
                    c.stroke_width(3),
                ))
                .map_err(draw_err)?;
            }
            Glyph::Whisker(c) => {
                area.draw(&PathElement::new(
                    vec![(gm, mid + 10), (gm, mid - 8)],
                    c.stroke_width(2),
                ))
                .map_err(draw_err)?;
                area.draw(&PathElement::new(
                    vec![(gm - 6, mid - 8), (gm + 6, mid - 8)],
                    c.stroke_width(2),
                ))
                .map_err(draw_err)?;
            }
            Glyph::MaxMark(c) => area
                .draw(&TriangleMarker::new((gm, mid), 6, c.filled()))
                .map_err(draw_err)?,
            Glyph::Note => {}
        }
        let (x, style) = match glyph {
            Glyph::Note => (gx0, &note),
            _ => (gx1 + 10, &style),
        };
        for (k, line) in label.lines().enumerate() {
            let pos = (x, mid - 8 + LINE_H * k as i32);
            area.draw(&Text::new(line, pos, style.clone()))
                .map_err(draw_err)?;
        }
        y += height(label);
    }
    Ok(())
}

/// The title band of the chart and the area below it.
fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    root.titled(title, (FONT, 24)).map_err(draw_err)
}

// ---------------------------------------------------------------------------
// recovery-vs-interval
// ---------------------------------------------------------------------------

fn recovery_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sweep: &Sweep,
) -> Result<(), PlotError> {
    let body = titled(
        root,
        &sweep.title("recovery time vs checkpoint interval, per checkpoint timeout"),
    )?;
    let (plot_area, legend_area) = body.split_horizontally(body.dim_in_pixel().0 - LEGEND_W_PX);
    let curves: Vec<Vec<[f64; 4]>> = (0..sweep.series.len())
        .map(|s| sweep.curve(s, "recovery_mean_s"))
        .collect();
    let x = sweep.interval_axis(plot_width(plot_area.dim_in_pixel().0));
    let y = AxisDef::fit(
        curves.iter().flatten().flat_map(|p| [p[1], p[2], p[3]]),
        true,
    );
    let mut chart = new_chart(
        &plot_area,
        &x,
        &y,
        "checkpoint interval (s, log scale)",
        &y.describe("recovery time (s)"),
    )?;
    let mut legend = Vec::new();
    let mut any = false;
    for group in identical(&curves) {
        let colour = sweep.series[group[0]].colour;
        any |= series_with_band(&mut chart, &curves[group[0]], &x, &y, colour)?;
        legend.push((Glyph::Series(colour), sweep.group_label(&group, "")));
    }
    if !any {
        no_data(&chart, "no recovery: no run had a failure")?;
    }
    legend.push((
        Glyph::Note,
        format!(
            "line: mean recovery time (failure →\nsources caught up), {};\nband: 95% CI (Student t);\ngap: no run had a failure",
            sweep.seeds_text()
        ),
    ));
    draw_legend(&legend_area, &legend)
}

/// Groups of series whose values are all equal (NaN equal to NaN), in order;
/// such series are drawn once, with one legend entry naming them all.
fn identical<T: AsRef<[f64]>>(curves: &[Vec<T>]) -> Vec<Vec<usize>> {
    let same = |a: &Vec<T>, b: &Vec<T>| {
        a.len() == b.len()
            && a.iter().zip(b).all(|(p, q)| {
                let (p, q) = (p.as_ref(), q.as_ref());
                p.len() == q.len()
                    && p.iter().zip(q).all(|(u, v)| {
                        (u.is_nan() && v.is_nan()) || (u - v).abs() <= 1e-9 * u.abs().max(v.abs())
                    })
            })
    };
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, c) in curves.iter().enumerate() {
        match groups.iter_mut().find(|g| same(&curves[g[0]], c)) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups
}

/// Draws a measured series (mean line, dots, CI band); true if anything was finite.
fn series_with_band<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    curve: &[[f64; 4]],
    x: &AxisDef,
    y: &AxisDef,
    colour: RGBColor,
) -> Result<bool, PlotError> {
    let band_pts: Vec<(f64, f64, f64)> = curve
        .iter()
        .map(|p| {
            // A CI reaching ≤ 0 on a log axis: shade down to the bottom.
            let lo = match y.t(p[2]) {
                t if t.is_nan() && p[2].is_finite() => y.range.start,
                t => t,
            };
            (x.t(p[0]), lo, y.t(p[3]))
        })
        .collect();
    band(chart, &band_pts, colour, &y.range)?;
    let line: Vec<(f64, f64)> = curve.iter().map(|p| (x.t(p[0]), y.t(p[1]))).collect();
    polyline(chart, &line, colour.stroke_width(2), false, &y.range)?;
    dots(chart, &line, colour, &y.range)?;
    Ok(line.iter().any(|p| p.1.is_finite()))
}

// ---------------------------------------------------------------------------
// cost-vs-interval
// ---------------------------------------------------------------------------

/// The model curves of one series, in seconds lost per hour: (interval_s, T + R, T/2 + R, cost rate).
fn model_curves(sweep: &Sweep, series: usize) -> Vec<[f64; 4]> {
    let col = |m: &str| sweep.agg.numbers(&format!("{m}_mean"));
    let (m, t_r, half, rate) = (
        col("model_m_s"),
        col("model_t_plus_r_s"),
        col("model_half_t_plus_r_s"),
        col("model_cost_s_per_h"),
    );
    sweep
        .points_of(series)
        .into_iter()
        .map(|(i, x)| {
            let per_hour = if m[i] > 0.0 { 3600.0 / m[i] } else { f64::NAN };
            [x, t_r[i] * per_hour, half[i] * per_hour, rate[i]]
        })
        .collect()
}

fn cost_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sweep: &Sweep,
) -> Result<(), PlotError> {
    let body = titled(
        root,
        &sweep.title("simulated time lost per hour vs checkpoint interval, against the models"),
    )?;
    let (plot_area, legend_area) = body.split_horizontally(body.dim_in_pixel().0 - LEGEND_W_PX);
    let curves: Vec<Vec<[f64; 4]>> = (0..sweep.series.len())
        .map(|s| sweep.curve(s, "cost_s_per_h"))
        .collect();
    let longest = sweep.longest();
    let models = longest.map(|s| model_curves(sweep, s)).unwrap_or_default();
    let optimum = |metric: &str| {
        let col = sweep.agg.numbers(&format!("{metric}_mean"));
        let of_longest = longest.map(|s| sweep.points_of(s)).unwrap_or_default();
        median(of_longest.iter().map(|(i, _)| col[*i]).collect())
    };
    let (young, daly) = (optimum("young_t_opt_s"), optimum("daly_t_opt_s"));

    let x = sweep.interval_axis(plot_width(plot_area.dim_in_pixel().0));
    let measured = curves.iter().flatten().flat_map(|p| [p[1], p[2], p[3]]);
    let y = AxisDef::fit(
        measured.chain(models.iter().flat_map(|p| [p[1], p[2], p[3]])),
        true,
    );
    let mut chart = new_chart(
        &plot_area,
        &x,
        &y,
        "checkpoint interval (s, log scale)",
        &y.describe("simulated time lost (s per hour)"),
    )?;
    let mut legend = Vec::new();
    let mut any = false;
    for group in identical(&curves) {
        let colour = sweep.series[group[0]].colour;
        any |= series_with_band(&mut chart, &curves[group[0]], &x, &y, colour)?;
        legend.push((
            Glyph::Series(colour),
            sweep.group_label(&group, "measured, "),
        ));
    }
    if !any {
        no_data(&chart, "no cost values in aggregate.csv")?;
    }
    legend.push((
        Glyph::Note,
        format!(
            "measured: mean over {};\nband: 95% CI; cost = (checkpoint sync\nand alignment + Σ per failure of lost\nwork + downtime) / simulated hours",
            sweep.seeds_text()
        ),
    ));

    let model_styles = [
        (MODEL_T_PLUS_R, "model (T + R) × failures/h"),
        (MODEL_HALF_T_PLUS_R, "model (T/2 + R) × failures/h"),
        (MODEL_COST_RATE, "model 3600·(C/T + (T/2 + R)/M)"),
    ];
    let mut drew_model = false;
    for (k, (colour, label)) in model_styles.iter().enumerate() {
        let line: Vec<(f64, f64)> = models.iter().map(|p| (x.t(p[0]), y.t(p[k + 1]))).collect();
        if line.iter().any(|p| p.1.is_finite()) {
            polyline(&mut chart, &line, colour.stroke_width(2), true, &y.range)?;
            legend.push((Glyph::Dashed(*colour), (*label).to_owned()));
            drew_model = true;
        }
    }
    if let (true, Some(s)) = (drew_model, longest) {
        legend.push((
            Glyph::Note,
            format!(
                "models at {}: C = checkpoint\ncost, R = mean downtime (measured),\nM = job MTBF",
                sweep.series[s].label
            ),
        ));
    }

    // The measured minimum of the longest-timeout series.
    if let Some(s) = longest {
        let best = curves[s]
            .iter()
            .filter(|p| p[1].is_finite())
            .min_by(|a, b| a[1].total_cmp(&b[1]));
        if let Some(p) = best {
            let at = (x.t(p[0]), y.t(p[1]));
            if at.1 >= y.range.start && at.1 <= y.range.end {
                chart
                    .draw_series(std::iter::once(Cross::new(at, 9, BLACK.stroke_width(3))))
                    .map_err(draw_err)?;
                legend.push((
                    Glyph::Star(BLACK),
                    format!(
                        "measured minimum: T = {},\n{} s/h ({})",
                        interval_label(sweep, p[0]),
                        if p[1].abs() >= 100.0 {
                            format!("{:.0}", p[1])
                        } else {
                            trimmed(p[1])
                        },
                        sweep.series[s].label
                    ),
                ));
            }
        }
    }

    // Young and Daly: vertical lines labelled at the top, Daly one row lower.
    let optima = [
        (young, YOUNG, "Young √(2CM)", 3, (8, 5)),
        (daly, DALY, "Daly", 2, (4, 4)),
    ];
    let mut drew_optimum = false;
    for (row, (value, colour, name, width, (dash, gap))) in optima.into_iter().enumerate() {
        let tx = x.t(value);
        if !(tx.is_finite() && tx >= x.range.start && tx <= x.range.end) {
            continue;
        }
        chart
            .draw_series(DashedLineSeries::new(
                [(tx, y.range.start), (tx, y.range.end)],
                dash,
                gap,
                colour.stroke_width(width),
            ))
            .map_err(draw_err)?;
        let text = format!("{name} = {} s", trimmed(value));
        let (px, py) = chart.backend_coord(&(tx, y.range.end));
        let style = TextStyle::from((FONT, 14).into_font()).color(&colour);
        let (w, _) = plot_area
            .estimate_text_size(&text, &style)
            .map_err(draw_err)?;
        let (right_px, _) = chart.backend_coord(&(x.range.end, y.range.end));
        let w = i32::try_from(w).unwrap_or(0);
        let lx = if px + 5 + w <= right_px {
            px + 5
        } else {
            px - 5 - w
        };
        let ly = py + 6 + 20 * row as i32;
        root.draw(&Rectangle::new(
            [(lx - 2, ly - 1), (lx + w + 2, ly + 17)],
            WHITE.mix(0.85).filled(),
        ))
        .map_err(draw_err)?;
        root.draw(&Text::new(text.clone(), (lx, ly), style))
            .map_err(draw_err)?;
        legend.push((Glyph::Vertical(colour), text));
        drew_optimum = true;
    }
    if drew_optimum {
        legend.push((
            Glyph::Note,
            "optimum intervals: median over the\npoints of the longest timeout".to_owned(),
        ));
    }
    draw_legend(&legend_area, &legend)
}

/// The interval's label as written, else a human duration.
fn interval_label(sweep: &Sweep, v: f64) -> String {
    sweep
        .intervals
        .iter()
        .find(|t| micros(t.value) == micros(v))
        .map_or_else(|| human(v), |t| t.label.clone())
}

// ---------------------------------------------------------------------------
// checkpoint-duration
// ---------------------------------------------------------------------------

/// The glyph of one interval: (interval_s, q1, median, q3 of the runs' p50; median p90; max; runs).
#[derive(Clone, Copy, Debug)]
struct Spread {
    interval_s: f64,
    q1: f64,
    median: f64,
    q3: f64,
    p90: f64,
    max: f64,
    runs: usize,
}

impl Spread {
    fn values(&self) -> [f64; 7] {
        [
            self.interval_s,
            self.q1,
            self.median,
            self.q3,
            self.p90,
            self.max,
            self.runs as f64,
        ]
    }
}

fn spreads(sweep: &Sweep, series: usize) -> Vec<Spread> {
    let p50 = sweep.runs.numbers("checkpoint_p50_s");
    let p90 = sweep.runs.numbers("checkpoint_p90_s");
    let max = sweep.runs.numbers("checkpoint_max_s");
    let mut by_interval: BTreeMap<i64, (f64, Vec<usize>)> = BTreeMap::new();
    for i in 0..sweep.run_series.len() {
        if sweep.run_series[i] == Some(series) {
            let x = sweep.run_interval_s[i];
            by_interval
                .entry(micros(x))
                .or_insert((x, Vec::new()))
                .1
                .push(i);
        }
    }
    by_interval
        .into_values()
        .filter_map(|(x, rows)| {
            let mut m: Vec<f64> = rows
                .iter()
                .map(|&i| p50[i])
                .filter(|v| v.is_finite())
                .collect();
            if m.is_empty() {
                return None;
            }
            m.sort_by(f64::total_cmp);
            let top = rows
                .iter()
                .map(|&i| max[i])
                .filter(|v| v.is_finite())
                .fold(f64::NAN, f64::max);
            Some(Spread {
                interval_s: x,
                q1: quantile(&m, 0.25),
                median: quantile(&m, 0.5),
                q3: quantile(&m, 0.75),
                p90: median(rows.iter().map(|&i| p90[i]).collect()),
                max: top,
                runs: m.len(),
            })
        })
        .collect()
}

fn duration_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sweep: &Sweep,
) -> Result<(), PlotError> {
    let body = titled(
        root,
        &sweep.title(
            "checkpoint duration vs checkpoint interval (completed checkpoints, spread over runs)",
        ),
    )?;
    let (panels_area, legend_area) = body.split_horizontally(body.dim_in_pixel().0 - LEGEND_W_PX);
    // One panel per group of timeouts with identical values when there are at
    // most four, else the longest timeout only.
    let all: Vec<Vec<Spread>> = (0..sweep.series.len()).map(|s| spreads(sweep, s)).collect();
    let as_rows: Vec<Vec<[f64; 7]>> = all
        .iter()
        .map(|gs| gs.iter().map(Spread::values).collect())
        .collect();
    let mut groups = identical(&as_rows);
    if groups.len() > 4 {
        let longest = sweep.longest();
        groups.retain(|g| longest.is_some_and(|l| g.contains(&l)));
    }
    let shown: Vec<usize> = groups.iter().map(|g| g[0]).collect();
    let data: Vec<Vec<Spread>> = shown.iter().map(|&s| all[s].clone()).collect();
    let y = AxisDef::fit(
        data.iter()
            .flatten()
            .flat_map(|g| [g.q1, g.median, g.q3, g.p90, g.max]),
        true,
    );
    let cols = if shown.len() > 2 { 2 } else { 1 };
    let rows = shown.len().div_ceil(cols).max(1);
    let cells = panels_area.split_evenly((rows, cols));
    // Box half-width in log10 units: under a third of the closest intervals' gap.
    let logs: Vec<f64> = sweep.intervals.iter().map(|t| t.value.log10()).collect();
    let gap = logs.windows(2).map(|w| w[1] - w[0]).fold(0.3_f64, f64::min);
    let half = (gap * 0.3).min(0.08);
    for (k, cell) in cells.iter().enumerate() {
        let Some(&s) = shown.get(k) else { continue };
        let colour = sweep.series[s].colour;
        let runs: usize = data[k].iter().map(|g| g.runs).max().unwrap_or(0);
        let sub = cell
            .titled(
                &format!(
                    "{} ({runs} runs per interval)",
                    sweep.group_label(&groups[k], "").replace('\n', " ")
                ),
                (FONT, 17),
            )
            .map_err(draw_err)?;
        let x = sweep.interval_axis(plot_width(sub.dim_in_pixel().0));
        let x_desc = if k + cols >= shown.len() {
            "checkpoint interval (s, log scale)"
        } else {
            ""
        };
        let mut chart = new_chart(&sub, &x, &y, x_desc, &y.describe("checkpoint duration (s)"))?;
        if data[k].is_empty() {
            no_data(&chart, "no completed checkpoint")?;
        }
        for g in &data[k] {
            let cx = x.t(g.interval_s);
            let (l, r) = (cx - half, cx + half);
            let t = |v: f64| y.t(v);
            // Whisker from the box to the median p90, dotted on to the max.
            polyline(
                &mut chart,
                &[(cx, t(g.q3)), (cx, t(g.p90))],
                colour.stroke_width(2),
                false,
                &y.range,
            )?;
            polyline(
                &mut chart,
                &[(cx - half * 0.6, t(g.p90)), (cx + half * 0.6, t(g.p90))],
                colour.stroke_width(2),
                false,
                &y.range,
            )?;
            if g.max > g.p90 {
                polyline(
                    &mut chart,
                    &[(cx, t(g.p90)), (cx, t(g.max))],
                    colour.mix(0.6).stroke_width(1),
                    true,
                    &y.range,
                )?;
            }
            let (ty, ok) = (
                t(g.max),
                t(g.max) >= y.range.start && t(g.max) <= y.range.end,
            );
            if ok {
                chart
                    .draw_series(std::iter::once(TriangleMarker::new(
                        (cx, ty),
                        6,
                        colour.filled(),
                    )))
                    .map_err(draw_err)?;
            }
            let (b0, b1) = (t(g.q1).max(y.range.start), t(g.q3).min(y.range.end));
            if b0.is_finite() && b1.is_finite() && b0 <= b1 {
                chart
                    .draw_series([
                        Rectangle::new([(l, b0), (r, b1)], colour.mix(0.3).filled()),
                        Rectangle::new([(l, b0), (r, b1)], colour.stroke_width(1)),
                    ])
                    .map_err(draw_err)?;
            }
            polyline(
                &mut chart,
                &[(l, t(g.median)), (r, t(g.median))],
                colour.stroke_width(3),
                false,
                &y.range,
            )?;
        }
    }
    if shown.is_empty() {
        let x = sweep.interval_axis(plot_width(panels_area.dim_in_pixel().0));
        let chart = new_chart(
            &panels_area,
            &x,
            &y,
            "checkpoint interval (s, log scale)",
            "checkpoint duration (s)",
        )?;
        no_data(&chart, "no grid points in aggregate.csv")?;
    }
    let colour = shown
        .first()
        .map_or(PALETTE[0], |&s| sweep.series[s].colour);
    let legend = vec![
        (Glyph::Box(colour), "median (bar) and inter-quartile\nrange (box) over runs of each\nrun's median checkpoint duration".to_owned()),
        (Glyph::Whisker(colour), "whisker: median over runs of\neach run's p90 duration".to_owned()),
        (Glyph::MaxMark(colour), "longest checkpoint of any run\n(dashed on from the p90)".to_owned()),
        (Glyph::Note, "durations: trigger → completed,\ncompleted checkpoints only;\none colour per timeout panel".to_owned()),
    ];
    draw_legend(&legend_area, &legend)
}

// ---------------------------------------------------------------------------
// heatmap-interval-timeout
// ---------------------------------------------------------------------------

/// Matplotlib's viridis at nine stops.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// Viridis at `t` ∈ [0, 1].
fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let f = t * (VIRIDIS.len() - 1) as f64;
    let i = (f.floor() as usize).min(VIRIDIS.len() - 2);
    let u = f - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + u * (f64::from(b) - f64::from(a))).round() as u8;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// One heatmap: the metric, its colour axis and whether bright means low.
struct Heat<'a> {
    metric: &'a str,
    title: &'a str,
    bar_desc: &'a str,
    /// Colour axis (values, transformed), fixed or fitted to the data.
    axis: AxisDef,
    /// Bright colour for low values (costs) instead of high ones.
    reversed: bool,
    /// Cell text of a value.
    format: fn(f64) -> String,
}

impl Heat<'_> {
    fn colour(&self, v: f64) -> RGBColor {
        let (lo, hi) = (self.axis.range.start, self.axis.range.end);
        let t = (self.axis.t(v) - lo) / (hi - lo).max(1e-12);
        viridis(if self.reversed { 1.0 - t } else { t })
    }
}

/// Means of `metric` per (interval, timeout) cell.
fn grid_values(sweep: &Sweep, metric: &str) -> Vec<Vec<f64>> {
    let values = sweep.agg.numbers(&format!("{metric}_mean"));
    let timeouts = sweep.agg.numbers("timeout_s_mean");
    let mut cells = vec![vec![(0.0, 0usize); sweep.intervals.len()]; sweep.timeouts.len()];
    for i in 0..values.len() {
        let xi = sweep
            .intervals
            .iter()
            .position(|t| micros(t.value) == micros(sweep.point_interval_s[i]));
        let yi = sweep
            .timeouts
            .iter()
            .position(|t| micros(t.value) == micros(timeouts[i]));
        if let (Some(xi), Some(yi), true) = (xi, yi, values[i].is_finite()) {
            cells[yi][xi].0 += values[i];
            cells[yi][xi].1 += 1;
        }
    }
    cells
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|(sum, n)| if n == 0 { f64::NAN } else { sum / n as f64 })
                .collect()
        })
        .collect()
}

fn heatmap_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sweep: &Sweep,
) -> Result<(), PlotError> {
    let body = titled(
        root,
        &sweep.title(&format!(
            "interval × timeout: checkpoints completed and time lost (mean over {})",
            sweep.seeds_text()
        )),
    )?;
    let (panels, footer) = body.split_vertically(body.dim_in_pixel().1.saturating_sub(30));
    let halves = panels.split_evenly((1, 2));
    let fraction = grid_values(sweep, "checkpoint_completed_fraction");
    let cost = grid_values(sweep, "cost_s_per_h");
    let heats = [
        (
            Heat {
                metric: "checkpoint_completed_fraction",
                title: "fraction of checkpoints completed",
                bar_desc: "completed / (completed + failed)",
                axis: AxisDef::linear(0.0, 1.0),
                reversed: false,
                format: |v| format!("{v:.2}"),
            },
            fraction,
        ),
        (
            Heat {
                metric: "cost_s_per_h",
                title: "simulated time lost per hour (s)",
                bar_desc: "s lost per hour (bright = less)",
                axis: AxisDef::fit(cost.iter().flatten().copied(), true),
                reversed: true,
                format: |v| {
                    if v.abs() >= 1e4 {
                        format!("{:.0}k", v / 1e3)
                    } else if v.abs() >= 10.0 {
                        format!("{v:.0}")
                    } else {
                        format!("{v:.1}")
                    }
                },
            },
            cost,
        ),
    ];
    for ((heat, values), half) in heats.iter().zip(&halves) {
        heatmap_panel(half, sweep, heat, values)?;
    }
    let style = TextStyle::from((FONT, 14).into_font()).color(&NOTE);
    footer
        .draw(&Text::new(
            "cells: mean over the seeds of each grid point; grey: no value (e.g. no checkpoint ended). \
             Short timeouts expire checkpoints, which counts as a failed checkpoint.",
            (20, 6),
            style,
        ))
        .map_err(draw_err)
}

fn heatmap_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    sweep: &Sweep,
    heat: &Heat<'_>,
    values: &[Vec<f64>],
) -> Result<(), PlotError> {
    let sub = area.titled(heat.title, (FONT, 18)).map_err(draw_err)?;
    let (cells_area, bar_area) = sub.split_horizontally(sub.dim_in_pixel().0.saturating_sub(120));
    let (nx, ny) = (sweep.intervals.len().max(1), sweep.timeouts.len().max(1));
    let category = |ticks: &[Tick], n: usize| AxisDef {
        scale: Scale::Linear,
        range: 0.0..n as f64,
        ticks: ticks
            .iter()
            .enumerate()
            .map(|(i, t)| (i as f64 + 0.5, t.label.clone()))
            .collect(),
    };
    let (x, y) = (
        category(&sweep.intervals, nx),
        category(&sweep.timeouts, ny),
    );
    let mut chart = ChartBuilder::on(&cells_area)
        .margin_top(10)
        .margin_left(28)
        .margin_right(6)
        .x_label_area_size(X_LABEL_AREA_PX)
        .y_label_area_size(Y_LABEL_AREA_PX)
        .build_cartesian_2d(x.coord(), y.coord())
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("checkpoint interval")
        .y_desc("checkpoint timeout")
        .x_label_formatter(&|v| x.label(*v))
        .y_label_formatter(&|v| y.label(*v))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()
        .map_err(draw_err)?;
    let (cells_w, _) = chart.plotting_area().dim_in_pixel();
    let font_px = match cells_w / nx as u32 {
        w if w >= 44 => 14,
        w if w >= 36 => 13,
        _ => 11,
    };
    let mut any = false;
    for (yi, row) in values.iter().enumerate() {
        for (xi, &v) in row.iter().enumerate() {
            let (x0, y0) = (xi as f64, yi as f64);
            let fill = if v.is_finite() {
                heat.colour(v)
            } else {
                NO_DATA
            };
            chart
                .draw_series([
                    Rectangle::new([(x0, y0), (x0 + 1.0, y0 + 1.0)], fill.filled()),
                    Rectangle::new([(x0, y0), (x0 + 1.0, y0 + 1.0)], WHITE.stroke_width(1)),
                ])
                .map_err(draw_err)?;
            let text = if v.is_finite() {
                any = true;
                (heat.format)(v)
            } else {
                "–".to_owned()
            };
            let ink = if luminance(fill) > 0.5 { BLACK } else { WHITE };
            let style = TextStyle::from((FONT, font_px).into_font())
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Center));
            chart
                .draw_series(std::iter::once(Text::new(
                    text,
                    (x0 + 0.5, y0 + 0.5),
                    style,
                )))
                .map_err(draw_err)?;
        }
    }
    if !any {
        no_data(&chart, &format!("no {} values", heat.metric))?;
    }
    // The bar spans the cells' height; pixel rows relative to the bar's area.
    let base = bar_area.get_base_pixel().1;
    let top = chart.backend_coord(&(0.0, ny as f64)).1 - base;
    let bottom = chart.backend_coord(&(0.0, 0.0)).1 - base;
    colour_bar(&bar_area, heat, top..bottom)
}

/// A vertical colour scale with ticks and its name (the heatmap's legend),
/// spanning the pixel rows `rows` of `area`.
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heat: &Heat<'_>,
    rows: Range<i32>,
) -> Result<(), PlotError> {
    const STEPS: i32 = 120;
    const BAR_X: Range<i32> = 14..36;
    let axis = &heat.axis;
    let (lo, hi) = (axis.range.start, axis.range.end);
    let (top, bottom) = (rows.start, rows.end.max(rows.start + 1));
    let height = bottom - top;
    for k in 0..STEPS {
        let (y0, y1) = (
            bottom - height * k / STEPS,
            bottom - height * (k + 1) / STEPS,
        );
        let t = (f64::from(k) + 0.5) / f64::from(STEPS);
        let colour = viridis(if heat.reversed { 1.0 - t } else { t });
        area.draw(&Rectangle::new(
            [(BAR_X.start, y1), (BAR_X.end, y0)],
            colour.filled(),
        ))
        .map_err(draw_err)?;
    }
    area.draw(&Rectangle::new(
        [(BAR_X.start, top), (BAR_X.end, bottom)],
        RGBColor(120, 120, 120).stroke_width(1),
    ))
    .map_err(draw_err)?;
    let label = TextStyle::from((FONT, 13).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let mut labels_w = 0;
    for (v, text) in &axis.ticks {
        let (w, _) = area.estimate_text_size(text, &label).map_err(draw_err)?;
        labels_w = labels_w.max(i32::try_from(w).unwrap_or(0));
        let f = (v - lo) / (hi - lo).max(1e-12);
        let y = bottom - (f * f64::from(height)).round() as i32;
        area.draw(&PathElement::new(
            vec![(BAR_X.end, y), (BAR_X.end + 5, y)],
            BLACK.stroke_width(1),
        ))
        .map_err(draw_err)?;
        area.draw(&Text::new(text.clone(), (BAR_X.end + 8, y), label.clone()))
            .map_err(draw_err)?;
    }
    let desc = TextStyle::from((FONT, 14).into_font())
        .color(&BLACK)
        .transform(FontTransform::Rotate90)
        .pos(Pos::new(HPos::Center, VPos::Center));
    let x = BAR_X.end + 8 + labels_w + 16;
    area.draw(&Text::new(heat.bar_desc, (x, (top + bottom) / 2), desc))
        .map_err(draw_err)?;
    Ok(())
}

fn luminance(c: RGBColor) -> f64 {
    (0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2)) / 255.0
}

// ---------------------------------------------------------------------------
// Numbers and labels
// ---------------------------------------------------------------------------

/// Quantile of sorted finite values, linear interpolation between order statistics.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (i, u) = (h.floor() as usize, h - h.floor());
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + u * (sorted[j] - sorted[i])
}

/// Median of the finite values (NaN if none).
fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    quantile(&values, 0.5)
}

/// Tick label with an SI suffix: 1500 → "1.5k", 2000000 → "2M".
fn si(v: f64) -> String {
    let (scaled, suffix) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    format!("{}{suffix}", trimmed(scaled))
}

/// A number with at most two decimals and no trailing zeros: 2.50 → "2.5".
fn trimmed(v: f64) -> String {
    let text = format!("{v:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A duration in seconds as a scenario would write it: 0.25 → "250ms", 90 → "1.5min".
fn human(s: f64) -> String {
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
    use crate::metrics::write::tests::scratch_dir;
    use std::fs;

    const INTERVALS: [(&str, f64); 3] = [("1s", 1.0), ("10s", 10.0), ("1min", 60.0)];
    const TIMEOUTS: [(&str, f64); 2] = [("2s", 2.0), ("10min", 600.0)];

    /// runs.csv and aggregate.csv of a 2 timeouts × 3 intervals × 2 seeds sweep.
    /// Cost falls then rises with the interval; the 2 s timeout fails most checkpoints.
    fn write_sweep(dir: &Path, timeouts: &[(&str, f64)]) {
        let metrics = [
            "checkpoint_completed_fraction",
            "checkpoint_p50_s",
            "checkpoint_p90_s",
            "checkpoint_max_s",
            "recovery_mean_s",
            "cost_s_per_h",
            "model_m_s",
            "model_t_plus_r_s",
            "model_half_t_plus_r_s",
            "model_cost_s_per_h",
            "young_t_opt_s",
            "daly_t_opt_s",
        ];
        let value = |m: &str, t: f64, to: f64, seed: f64| -> String {
            let short = to < 5.0;
            let v = match m {
                "checkpoint_completed_fraction" => {
                    if short {
                        0.3
                    } else {
                        0.99
                    }
                }
                "checkpoint_p50_s" => (if short { 0.8 } else { 1.0 }) + 0.1 * seed,
                "checkpoint_p90_s" => (if short { 1.2 } else { 1.6 }) + 0.1 * seed,
                "checkpoint_max_s" => {
                    if short {
                        1.9
                    } else {
                        2.5 + seed
                    }
                }
                // No failure at all in seed 1 at the 1 s interval: undefined.
                "recovery_mean_s" if t == 1.0 && seed == 1.0 => return String::new(),
                "recovery_mean_s" => (if short { 20.0 } else { 0.0 }) + 50.0 + t / 2.0 + seed,
                "cost_s_per_h" => (if short { 5000.0 } else { 0.0 }) + 900.0 / t + 4.0 * t + seed,
                "model_m_s" => 900.0,
                "model_t_plus_r_s" => t + 50.0,
                "model_half_t_plus_r_s" => t / 2.0 + 50.0,
                "model_cost_s_per_h" => 3600.0 * (0.1 / t + (t / 2.0 + 50.0) / 900.0),
                "young_t_opt_s" => 13.4,
                "daly_t_opt_s" => 13.3,
                _ => f64::NAN,
            };
            format!("{v}")
        };
        let mut runs = String::from(
            "run,point,seed,checkpoint.interval,checkpoint.timeout,interval_s,timeout_s",
        );
        let mut agg = String::from(
            "point,checkpoint.interval,checkpoint.timeout,n,interval_s_mean,interval_s_sd,interval_s_ci95_lo,interval_s_ci95_hi,timeout_s_mean,timeout_s_sd,timeout_s_ci95_lo,timeout_s_ci95_hi",
        );
        for m in metrics {
            runs.push_str(&format!(",{m}"));
            agg.push_str(&format!(",{m}_mean,{m}_sd,{m}_ci95_lo,{m}_ci95_hi"));
        }
        runs.push('\n');
        agg.push('\n');
        let mut point = 0;
        for (il, t) in INTERVALS {
            for &(tl, to) in timeouts {
                agg.push_str(&format!(
                    "{point},{il},{tl},2,{t},0,{t},{t},{to},0,{to},{to}"
                ));
                for m in metrics {
                    let (a, b) = (value(m, t, to, 0.0), value(m, t, to, 1.0));
                    let nums: Vec<f64> = [&a, &b].iter().filter_map(|s| s.parse().ok()).collect();
                    let mean = nums.iter().sum::<f64>() / nums.len() as f64;
                    if nums.len() < 2 {
                        agg.push_str(&format!(",{mean},,,"));
                    } else {
                        agg.push_str(&format!(",{mean},0.7,{},{}", mean * 0.9, mean * 1.1));
                    }
                }
                agg.push('\n');
                for seed in 0..2 {
                    let run = point * 2 + seed;
                    runs.push_str(&format!("{run},{point},{seed},{il},{tl},{t},{to}"));
                    for m in metrics {
                        runs.push_str(&format!(",{}", value(m, t, to, seed as f64)));
                    }
                    runs.push('\n');
                }
                point += 1;
            }
        }
        fs::write(dir.join("runs.csv"), runs).unwrap();
        fs::write(dir.join("aggregate.csv"), agg).unwrap();
    }

    #[test]
    fn writes_four_charts_as_png_and_svg_with_titles_and_legends() {
        let dir = scratch_dir("sweep-charts");
        write_sweep(&dir, &TIMEOUTS);
        let files = charts(&dir).expect("charts");
        assert_eq!(files.len(), 8);
        for stem in CHARTS {
            for ext in ["png", "svg"] {
                let path = dir.join(format!("{stem}.{ext}"));
                assert!(files.contains(&path), "{} not returned", path.display());
            }
            let png = fs::read(dir.join(format!("{stem}.png"))).unwrap();
            assert!(
                png.starts_with(b"\x89PNG\r\n\x1a\n"),
                "{stem}.png is no PNG"
            );
        }
        let svg = |stem: &str| fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
        let expect = |stem: &str, needles: &[&str]| {
            let text = svg(stem);
            for needle in needles {
                assert!(text.contains(needle), "{stem}.svg lacks {needle:?}");
            }
        };
        expect(
            "recovery-vs-interval",
            &[
                "recovery time vs checkpoint interval, per checkpoint timeout",
                "checkpoint interval (s, log scale)",
                "recovery time (s)",
                "timeout 2s",
                "timeout 10min",
                "95% CI",
                "1min",
            ],
        );
        expect(
            "cost-vs-interval",
            &[
                "simulated time lost per hour vs checkpoint interval",
                "simulated time lost (s per hour",
                "measured, timeout 10min",
                "model (T + R) × failures/h",
                "model (T/2 + R) × failures/h",
                "model 3600·(C/T + (T/2 + R)/M)",
                "Young √(2CM) = 13.4 s",
                "Daly = 13.3 s",
                "measured minimum: T = 10s,",
            ],
        );
        expect(
            "checkpoint-duration",
            &[
                "checkpoint duration vs checkpoint interval",
                "checkpoint duration (s)",
                "timeout 2s (2 runs per interval)",
                "timeout 10min",
                "inter-quartile",
                "longest checkpoint of any run",
            ],
        );
        expect(
            "heatmap-interval-timeout",
            &[
                "interval × timeout: checkpoints completed and time lost",
                "fraction of checkpoints completed",
                "simulated time lost per hour (s)",
                "checkpoint interval",
                "checkpoint timeout",
                "completed / (completed + failed)",
                "s lost per hour",
                "10min",
                "0.99",
                "0.30",
            ],
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn identical_timeouts_share_one_series() {
        let dir = scratch_dir("sweep-charts-identical");
        // The fake metrics depend only on whether the timeout is short: 1min = 10min.
        write_sweep(&dir, &[("2s", 2.0), ("1min", 60.0), ("10min", 600.0)]);
        charts(&dir).expect("charts");
        for stem in [
            "recovery-vs-interval",
            "cost-vs-interval",
            "checkpoint-duration",
        ] {
            let text = fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
            assert!(
                text.contains("timeouts 1min, 10min"),
                "{stem}.svg does not merge"
            );
            assert!(
                text.contains("timeout 2s"),
                "{stem}.svg lacks the 2s series"
            );
        }
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn empty_and_nan_sweeps_do_not_panic() {
        let dir = scratch_dir("sweep-charts-empty");
        // Headers only.
        fs::write(
            dir.join("runs.csv"),
            "run,point,seed,interval_s,timeout_s\n",
        )
        .unwrap();
        fs::write(dir.join("aggregate.csv"), "point,n,interval_s_mean\n").unwrap();
        assert_eq!(charts(&dir).expect("empty").len(), 8);
        // Every metric undefined, one interval, no timeout axis.
        fs::write(
            dir.join("runs.csv"),
            "run,point,seed,checkpoint.interval,interval_s,timeout_s,checkpoint_p50_s\n0,0,0,5s,5,,\n",
        )
        .unwrap();
        fs::write(
            dir.join("aggregate.csv"),
            "point,checkpoint.interval,n,interval_s_mean,recovery_mean_s_mean,cost_s_per_h_mean\n0,5s,1,5,,NaN\n",
        )
        .unwrap();
        assert_eq!(charts(&dir).expect("nan").len(), 8);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn missing_folder_is_an_error() {
        let err = charts(Path::new("/nonexistent/sweep")).unwrap_err();
        assert!(err.to_string().contains("runs.csv"), "{err}");
    }

    #[test]
    fn numbers_and_labels() {
        assert_eq!(human(0.25), "250ms");
        assert_eq!(human(90.0), "1.5min");
        assert_eq!(human(7200.0), "2h");
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
        assert!(median(vec![f64::NAN]).is_nan());
        let y = AxisDef::fit([1.0, 5000.0], true);
        assert_eq!(y.scale, Scale::Log);
        let y = AxisDef::fit([0.0, 50.0], true);
        assert_eq!((y.scale, y.range.start), (Scale::Linear, 0.0));
        assert_eq!(
            clip((0.0, -1.0), (1.0, 1.0), &(0.0..2.0)),
            Some(((0.5, 0.0), (1.0, 1.0)))
        );
        assert_eq!(clip((0.0, 3.0), (1.0, 4.0), &(0.0..2.0)), None);
    }
}
