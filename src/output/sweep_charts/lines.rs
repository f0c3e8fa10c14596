//! The interval charts: `recovery-vs-interval` (mean recovery time with its
//! CI band per timeout) and `cost-vs-interval` (time lost per hour against
//! the models, the measured minimum and the Young and Daly optima).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::LEGEND_W_PX;
use super::axes::{AxisDef, Chart, new_chart, plot_width};
use super::data::{Metric, Sweep, human, micros};
use super::draw::{identical, no_data, polyline, series_with_band, titled};
use crate::output::chart::PlotError;
use crate::output::chart::legend::{SWEEP_LAYOUT, SweepGlyph as Glyph, draw_legend};
use crate::output::chart::style::{FONT, draw_err, trimmed};
use crate::stats::median;

const MODEL_T_PLUS_R: RGBColor = RGBColor(30, 30, 30);
const MODEL_HALF_T_PLUS_R: RGBColor = RGBColor(130, 130, 130);
const MODEL_COST_RATE: RGBColor = RGBColor(170, 30, 150);
const YOUNG: RGBColor = RGBColor(120, 70, 20);
const DALY: RGBColor = RGBColor(0, 128, 128);

/// Draws the `recovery-vs-interval` chart on `root`.
pub(super) fn recovery_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sweep: &Sweep,
) -> Result<(), PlotError> {
    let body = titled(
        root,
        &sweep.title("recovery time vs checkpoint interval, per checkpoint timeout"),
    )?;
    let (plot_area, legend_area) = body.split_horizontally(body.dim_in_pixel().0 - LEGEND_W_PX);
    let curves: Vec<Vec<[f64; 4]>> = (0..sweep.series.len())
        .map(|s| sweep.curve(s, |m| m.recovery_mean_s))
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
    let (mut legend, any) = measured_series(&mut chart, sweep, &curves, &x, &y, "")?;
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
    draw_legend(&legend_area, &legend, &SWEEP_LAYOUT)
}

/// Draws one line with its CI band per group of identical series (one per timeout
/// otherwise); returns their legend entries and whether anything was drawn.
fn measured_series<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    sweep: &Sweep,
    curves: &[Vec<[f64; 4]>],
    x: &AxisDef,
    y: &AxisDef,
    prefix: &str,
) -> Result<(Legend, bool), PlotError> {
    let mut legend = Vec::new();
    let mut any = false;
    for group in identical(curves) {
        let colour = sweep.series[group[0]].colour;
        any |= series_with_band(chart, &curves[group[0]], x, y, colour)?;
        legend.push((Glyph::Series(colour), sweep.group_label(&group, prefix)));
    }
    Ok((legend, any))
}

/// The model curves of one series, in seconds lost per hour: (interval_s, T + R, T/2 + R, cost rate).
fn model_curves(sweep: &Sweep, series: usize) -> Vec<[f64; 4]> {
    let (m, t_r, half, rate) = (
        sweep.means(|m| m.model_m_s),
        sweep.means(|m| m.model_t_plus_r_s),
        sweep.means(|m| m.model_half_t_plus_r_s),
        sweep.means(|m| m.model_cost_s_per_h),
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

/// Legend entries: glyph and label.
type Legend = Vec<(Glyph, String)>;

/// Draws the `cost-vs-interval` chart on `root`.
pub(super) fn cost_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sweep: &Sweep,
) -> Result<(), PlotError> {
    let body = titled(
        root,
        &sweep.title("simulated time lost per hour vs checkpoint interval, against the models"),
    )?;
    let (plot_area, legend_area) = body.split_horizontally(body.dim_in_pixel().0 - LEGEND_W_PX);
    let curves: Vec<Vec<[f64; 4]>> = (0..sweep.series.len())
        .map(|s| sweep.curve(s, |m| m.cost_s_per_h))
        .collect();
    let longest = sweep.longest();
    let models = longest.map(|s| model_curves(sweep, s)).unwrap_or_default();
    let optimum = |metric: Metric| {
        let col = sweep.means(metric);
        let of_longest = longest.map(|s| sweep.points_of(s)).unwrap_or_default();
        median(
            &of_longest
                .iter()
                .map(|(i, _)| col[*i])
                .collect::<Vec<f64>>(),
        )
    };
    let (young, daly) = (optimum(|m| m.young_t_opt_s), optimum(|m| m.daly_t_opt_s));

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
    let (mut legend, any) = measured_series(&mut chart, sweep, &curves, &x, &y, "measured, ")?;
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

    draw_models(&mut chart, sweep, &models, longest, (&x, &y), &mut legend)?;
    if let Some(s) = longest {
        mark_minimum(&mut chart, sweep, &curves[s], s, (&x, &y), &mut legend)?;
    }
    let optima = [young, daly];
    draw_optima(root, &plot_area, &mut chart, optima, (&x, &y), &mut legend)?;
    draw_legend(&legend_area, &legend, &SWEEP_LAYOUT)
}

/// The model curves of the longest-timeout series as dashed lines, with their legend entries.
fn draw_models<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    sweep: &Sweep,
    models: &[[f64; 4]],
    longest: Option<usize>,
    (x, y): (&AxisDef, &AxisDef),
    legend: &mut Legend,
) -> Result<(), PlotError> {
    let model_styles = [
        (MODEL_T_PLUS_R, "model (T + R) × failures/h"),
        (MODEL_HALF_T_PLUS_R, "model (T/2 + R) × failures/h"),
        (MODEL_COST_RATE, "model 3600·(C/T + (T/2 + R)/M)"),
    ];
    let mut drew_model = false;
    for (k, (colour, label)) in model_styles.iter().enumerate() {
        let line: Vec<(f64, f64)> = models.iter().map(|p| (x.t(p[0]), y.t(p[k + 1]))).collect();
        if line.iter().any(|p| p.1.is_finite()) {
            polyline(chart, &line, colour.stroke_width(2), true, &y.range)?;
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
    Ok(())
}

/// Marks the lowest point of `curve` (series `s`) with a star, if it is in view.
fn mark_minimum<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    sweep: &Sweep,
    curve: &[[f64; 4]],
    s: usize,
    (x, y): (&AxisDef, &AxisDef),
    legend: &mut Legend,
) -> Result<(), PlotError> {
    let best = curve
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
    Ok(())
}

/// Young's and Daly's optimum intervals as vertical lines labelled at the
/// top (Daly one row lower), with their legend entries.
fn draw_optima<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot_area: &DrawingArea<DB, Shift>,
    chart: &mut Chart<'_, DB>,
    [young, daly]: [f64; 2],
    (x, y): (&AxisDef, &AxisDef),
    legend: &mut Legend,
) -> Result<(), PlotError> {
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
    Ok(())
}

/// The interval's label as written, else a human duration.
fn interval_label(sweep: &Sweep, v: f64) -> String {
    sweep
        .intervals
        .iter()
        .find(|t| micros(t.value) == micros(v))
        .map_or_else(|| human(v), |t| t.label.clone())
}
