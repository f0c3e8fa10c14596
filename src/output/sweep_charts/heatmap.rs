//! The `heatmap-interval-timeout` chart: completed-checkpoint fraction and
//! time lost per hour over the interval × timeout grid, with colour bars.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{AxisDef, Chart, Scale};
use super::data::{Metric, Sweep, Tick, micros};
use super::draw::{no_data, titled};
use super::{X_LABEL_AREA_PX, Y_LABEL_AREA_PX};
use crate::output::chart::PlotError;
use crate::output::chart::style::{FONT, NOTE, draw_err};
use crate::stats::mean;

const NO_DATA: RGBColor = RGBColor(235, 235, 235);

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

/// Means of `metric` per (interval, timeout) cell (over the points in the cell; NaN if none).
fn grid_values(sweep: &Sweep, metric: Metric) -> Vec<Vec<f64>> {
    let values = sweep.means(metric);
    let timeouts = sweep.means(|m| m.timeout_s);
    let mut cells = vec![vec![Vec::new(); sweep.intervals.len()]; sweep.timeouts.len()];
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
            cells[yi][xi].push(values[i]);
        }
    }
    cells
        .iter()
        .map(|row| row.iter().map(|cell| mean(cell)).collect())
        .collect()
}

/// Draws the `heatmap-interval-timeout` chart on `root`.
pub(super) fn heatmap_chart<DB: DrawingBackend>(
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
    let fraction = grid_values(sweep, |m| m.checkpoint_completed_fraction);
    let cost = grid_values(sweep, |m| m.cost_s_per_h);
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
    let any = draw_cells(&mut chart, heat, values, font_px)?;
    if !any {
        no_data(&chart, &format!("no {} values", heat.metric))?;
    }
    // The bar spans the cells' height; pixel rows relative to the bar's area.
    let base = bar_area.get_base_pixel().1;
    let top = chart.backend_coord(&(0.0, ny as f64)).1 - base;
    let bottom = chart.backend_coord(&(0.0, 0.0)).1 - base;
    colour_bar(&bar_area, heat, top..bottom)
}

/// Draws one cell per value, coloured by `heat`, with its value written in it
/// (a dash where there is none); returns whether any value was drawn.
fn draw_cells<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    heat: &Heat<'_>,
    values: &[Vec<f64>],
    font_px: u32,
) -> Result<bool, PlotError> {
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
    Ok(any)
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
