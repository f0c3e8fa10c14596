//! Axes of the sweep charts: linear and log scales over transformed values,
//! hand-placed ticks ([`AxisDef`]), the plotters coordinate they map to, and
//! the chart frame with its mesh and axis names.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

use super::data::Tick;
use super::{X_LABEL_AREA_PX, Y_LABEL_AREA_PX};
use crate::output::chart::PlotError;
use crate::output::chart::style::{FONT, draw_err, si};

/// Colour of the grid lines at the ticks.
pub(super) const GRID: RGBColor = RGBColor(225, 225, 225);

/// How data values map to plotted coordinates.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Scale {
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
pub(super) struct AxisDef {
    /// Linear or log.
    pub(super) scale: Scale,
    /// Plotted range, transformed.
    pub(super) range: Range<f64>,
    /// Ticks: transformed position and label.
    pub(super) ticks: Vec<(f64, String)>,
}

/// A linear coordinate over transformed values with hand-placed ticks (and no minor grid).
#[derive(Clone, Debug)]
pub(super) struct Coord {
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
/// A sweep chart's drawing context (both axes transformed).
pub(super) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Coord, Coord>>;

impl AxisDef {
    /// The plotters coordinate of this axis.
    pub(super) fn coord(&self) -> Coord {
        Coord {
            range: self.range.clone(),
            ticks: self.ticks.iter().map(|t| t.0).collect(),
        }
    }

    /// The label of the tick at transformed `v` ("" if none).
    pub(super) fn label(&self, v: f64) -> String {
        self.ticks
            .iter()
            .find(|t| (t.0 - v).abs() <= 1e-9 * (1.0 + v.abs()))
            .map(|t| t.1.clone())
            .unwrap_or_default()
    }

    /// A data value transformed to the plotted coordinate.
    pub(super) fn t(&self, v: f64) -> f64 {
        self.scale.fwd(v)
    }

    /// A log axis with a tick at each value, labelled as written; labels that
    /// would overlap on a plot `width_px` wide are left out (the grid line stays).
    pub(super) fn log_ticks(values: &[Tick], width_px: u32) -> Self {
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
    pub(super) fn fit(values: impl IntoIterator<Item = f64>, from_zero: bool) -> Self {
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
    pub(super) fn linear(lo: f64, hi: f64) -> Self {
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

    /// The axis name `what`, with "log scale" added on a log axis.
    pub(super) fn describe(&self, what: &str) -> String {
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
pub(super) fn new_chart<'a, DB: DrawingBackend>(
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
pub(super) fn plot_width(width_px: u32) -> u32 {
    width_px.saturating_sub(Y_LABEL_AREA_PX + 26)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn fitted_axes() {
        let y = AxisDef::fit([1.0, 5000.0], true);
        assert_eq!(y.scale, Scale::Log);
        let y = AxisDef::fit([0.0, 50.0], true);
        assert_eq!((y.scale, y.range.start), (Scale::Linear, 0.0));
    }
}
