//! Drawing helpers of the sweep charts, on already transformed coordinates:
//! clipped polylines, dots, confidence bands, measured series, "no data"
//! notes, chart titles, and grouping of series with identical values.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{AxisDef, Chart};
use crate::output::chart::PlotError;
use crate::output::chart::style::{FONT, NOTE, draw_err};

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
pub(super) fn polyline<DB: DrawingBackend>(
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
pub(super) fn no_data<DB: DrawingBackend>(
    chart: &Chart<'_, DB>,
    text: &str,
) -> Result<(), PlotError> {
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

/// The title band of the chart and the area below it.
pub(super) fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    root.titled(title, (FONT, 24)).map_err(draw_err)
}

/// Groups of series whose values are all equal (NaN equal to NaN), in order;
/// such series are drawn once, with one legend entry naming them all.
pub(super) fn identical<T: AsRef<[f64]>>(curves: &[Vec<T>]) -> Vec<Vec<usize>> {
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
pub(super) fn series_with_band<DB: DrawingBackend>(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping() {
        assert_eq!(
            clip((0.0, -1.0), (1.0, 1.0), &(0.0..2.0)),
            Some(((0.5, 0.0), (1.0, 1.0)))
        );
        assert_eq!(clip((0.0, 3.0), (1.0, 4.0), &(0.0..2.0)), None);
    }
}
