//! The `checkpoint-duration` chart: per interval, the spread over runs of the
//! runs' median checkpoint duration (box), their p90 (whisker) and the
//! longest checkpoint, one panel per group of timeouts.

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes::{AxisDef, Chart, new_chart, plot_width};
use super::data::{Sweep, micros};
use super::draw::{identical, no_data, polyline, titled};
use super::{LEGEND_W_PX, PALETTE};
use crate::metrics::sweep_rows::RunMetrics;
use crate::output::chart::PlotError;
use crate::output::chart::legend::{SWEEP_LAYOUT, SweepGlyph as Glyph, draw_legend};
use crate::output::chart::style::{FONT, draw_err};
use crate::stats::{median, quantile};

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
    let column = |get: fn(&RunMetrics) -> f64| -> Vec<f64> {
        sweep.runs.iter().map(|r| get(&r.metrics)).collect()
    };
    let p50 = column(|m| m.checkpoint_p50_s);
    let p90 = column(|m| m.checkpoint_p90_s);
    let max = column(|m| m.checkpoint_max_s);
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
                p90: median(&rows.iter().map(|&i| p90[i]).collect::<Vec<f64>>()),
                max: top,
                runs: m.len(),
            })
        })
        .collect()
}

/// Draws the `checkpoint-duration` chart on `root`.
pub(super) fn duration_chart<DB: DrawingBackend>(
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
            draw_spread(&mut chart, g, (&x, &y), colour, half)?;
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
    let legend = legend_entries(colour);
    draw_legend(&legend_area, &legend, &SWEEP_LAYOUT)
}

/// The legend of the duration chart, its glyphs in `colour`.
fn legend_entries(colour: RGBColor) -> Vec<(Glyph, String)> {
    vec![
        (Glyph::Box(colour), "median (bar) and inter-quartile\nrange (box) over runs of each\nrun's median checkpoint duration".to_owned()),
        (Glyph::Whisker(colour), "whisker: median over runs of\neach run's p90 duration".to_owned()),
        (Glyph::MaxMark(colour), "longest checkpoint of any run\n(dashed on from the p90)".to_owned()),
        (Glyph::Note, "durations: trigger → completed,\ncompleted checkpoints only;\none colour per timeout panel".to_owned()),
    ]
}

/// Draws the glyph of one interval: box (inter-quartile range of the runs'
/// medians), median bar, whisker to the median p90, dotted on to the max.
fn draw_spread<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    g: &Spread,
    (x, y): (&AxisDef, &AxisDef),
    colour: RGBColor,
    half: f64,
) -> Result<(), PlotError> {
    let cx = x.t(g.interval_s);
    let (l, r) = (cx - half, cx + half);
    let t = |v: f64| y.t(v);
    // Whisker from the box to the median p90, dotted on to the max.
    polyline(
        chart,
        &[(cx, t(g.q3)), (cx, t(g.p90))],
        colour.stroke_width(2),
        false,
        &y.range,
    )?;
    polyline(
        chart,
        &[(cx - half * 0.6, t(g.p90)), (cx + half * 0.6, t(g.p90))],
        colour.stroke_width(2),
        false,
        &y.range,
    )?;
    if g.max > g.p90 {
        polyline(
            chart,
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
        chart,
        &[(l, t(g.median)), (r, t(g.median))],
        colour.stroke_width(3),
        false,
        &y.range,
    )?;
    Ok(())
}
