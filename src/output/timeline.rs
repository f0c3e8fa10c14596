//! The run timeline chart (`timeline.png`, optionally SVG): throughput with
//! checkpoint spans and failures on top, source lag below, on a shared
//! simulated-time axis.
//!
//! Reads a finished [`RunResult`] only; knows nothing of the simulator. Files
//! are written atomically via [`crate::output::files`]. Bad data (no samples,
//! NaN, all zeros) gives an empty or flat chart, never a panic.

use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::chart::legend::{RUN_LAYOUT, RunGlyph as Glyph, draw_legend};
use super::chart::style::{FONT, draw_err, ensure_font, si, trimmed};
use super::chart::{PlotError, SIZE_PX};
use crate::metrics::{CheckpointOutcome, FailureRecord, RunResult, Sample};
use crate::output::files::{write_atomic, write_atomic_with};

/// Width of the legend column at the right of each panel, pixels.
const LEGEND_W_PX: u32 = 270;
/// Height of the checkpoint lane along the top of the throughput panel, pixels.
const LANE_PX: u32 = 50;
/// Rows of failure labels, in a band below the checkpoint lane.
const LABEL_ROWS: usize = 3;
/// Height of one row of failure labels, pixels.
const LABEL_ROW_PX: u32 = 17;
/// Chart margin above the plot and height of the x label area, pixels.
const MARGIN_TOP_PX: u32 = 12;
const X_LABEL_AREA_PX: u32 = 46;

const SOURCE: RGBColor = RGBColor(31, 119, 180);
const SINK: RGBColor = RGBColor(255, 127, 14);
const COMMITTED: RGBColor = RGBColor(148, 103, 189);
const LAG: RGBColor = RGBColor(23, 100, 160);
const CK_COMPLETED: RGBColor = RGBColor(44, 160, 44);
const CK_FAILED: RGBColor = RGBColor(214, 39, 40);
const CK_SUBSUMED: RGBColor = RGBColor(150, 150, 150);
const CK_PENDING: RGBColor = RGBColor(230, 170, 0);
const FAILURE: RGBColor = RGBColor(200, 0, 0);
const DOWNTIME: RGBColor = RGBColor(255, 205, 205);

/// Draws the run timeline as a PNG at `path` (written atomically).
pub fn timeline(path: &Path, result: &RunResult) -> Result<(), PlotError> {
    ensure_font()?;
    write_atomic_with(path, |tmp: &Path| {
        // The backend picks the image format from the temp path's extension.
        let root = BitMapBackend::new(tmp, SIZE_PX).into_drawing_area();
        draw(&root, result)?;
        root.present().map_err(draw_err)
    })
}

/// Draws the same chart as [`timeline`] as an SVG at `path` (written atomically).
pub fn timeline_svg(path: &Path, result: &RunResult) -> Result<(), PlotError> {
    ensure_font()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE_PX).into_drawing_area();
        draw(&root, result)?;
        root.present().map_err(draw_err)?;
    }
    write_atomic(path, svg.as_bytes())?;
    Ok(())
}

/// The chart title.
fn title(result: &RunResult) -> String {
    format!(
        "{} — throughput, source lag, checkpoints and failures (seed {})",
        result.summary.scenario, result.summary.seed
    )
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    result: &RunResult,
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let body = root.titled(&title(result), (FONT, 24)).map_err(draw_err)?;
    let (top, bottom) = body.split_vertically(body.dim_in_pixel().1 * 58 / 100);
    let x_max = x_extent(result);
    throughput_panel(root, &top, result, x_max)?;
    lag_panel(&bottom, result, x_max)?;
    Ok(())
}

/// Top panel: rates, checkpoint lane, failures.
fn throughput_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    result: &RunResult,
    x_max: f64,
) -> Result<(), PlotError> {
    let (plot_area, legend_area) = area.split_horizontally(area.dim_in_pixel().0 - LEGEND_W_PX);
    let (committed, _) = committed_curve(&result.samples);
    let data_max = result
        .samples
        .iter()
        .flat_map(|s| [s.source_records_per_s, s.sink_records_per_s])
        .chain(committed.iter().map(|p| p.1))
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    // Keep the top of the y range free for the checkpoint lane and the failure labels.
    let plot_h_px = area
        .dim_in_pixel()
        .1
        .saturating_sub(MARGIN_TOP_PX + X_LABEL_AREA_PX);
    let labels_px = if result.failures.is_empty() {
        0
    } else {
        LABEL_ROW_PX * LABEL_ROWS as u32 + 6
    };
    let fraction = |px: u32| (f64::from(px) / f64::from(plot_h_px.max(1))).min(0.25);
    let (lane_frac, labels_frac) = (fraction(LANE_PX), fraction(labels_px));
    let y_max = data_max.max(1.0) * 1.05 / (1.0 - lane_frac - labels_frac);
    let mut chart = new_chart(&plot_area, x_max, y_max, "throughput (records/s)")?;

    shade_downtime(&mut chart, &result.failures, x_max, y_max)?;
    // Drawn bottom to top; the thin sink line stays visible on the thick source line.
    let (committed, spread) = committed_curve(&result.samples);
    let committed_label = if spread {
        "committed rate, spread over\neach commit interval"
    } else {
        "committed rate (at sinks)"
    };
    draw_line(&mut chart, committed.into_iter(), COMMITTED, 2, x_max)?;
    let rate = |f: fn(&Sample) -> f64| result.samples.iter().map(move |s| (s.time_s, f(s)));
    draw_line(
        &mut chart,
        rate(|s| s.source_records_per_s),
        SOURCE,
        3,
        x_max,
    )?;
    draw_line(&mut chart, rate(|s| s.sink_records_per_s), SINK, 1, x_max)?;
    let mut legend = vec![
        (Glyph::Line(SOURCE, 3), "source read rate".to_owned()),
        (Glyph::Line(COMMITTED, 2), committed_label.to_owned()),
        (Glyph::Line(SINK, 1), "sink rate (reaching sinks)".into()),
    ];
    failure_lines(&mut chart, &result.failures, y_max)?;
    checkpoint_lane(
        &mut chart,
        result,
        x_max,
        y_max * lane_frac,
        y_max,
        &mut legend,
    )?;
    failure_legend(&result.failures, &mut legend);
    failure_labels(
        root,
        &chart,
        &result.failures,
        x_max,
        y_max * (1.0 - lane_frac),
    )?;
    draw_legend(&legend_area, &legend, &RUN_LAYOUT)
}

/// The committed rate as drawn. A two-phase-commit sink commits in bursts when
/// a checkpoint completes; such spikes would flatten every other line, so when
/// fewer than half the samples commit anything, each burst's records are spread
/// evenly over the time since the previous burst (a step curve; records are
/// conserved, and the rate is 0 after the last commit). Returns whether it did.
fn committed_curve(samples: &[Sample]) -> (Vec<(f64, f64)>, bool) {
    let raw: Vec<(f64, f64)> = samples
        .iter()
        .map(|s| (s.time_s, finite_or(s.committed_records_per_s, 0.0)))
        .collect();
    let bursts: Vec<usize> = (0..raw.len()).filter(|&i| raw[i].1 > 0.0).collect();
    if bursts.len() < 2 || bursts.len() * 2 > raw.len() {
        return (raw, false);
    }
    // Length of the sampling period ending at sample i, seconds.
    let period = |i: usize| {
        let j = i.max(1);
        raw[j].0 - raw[j - 1].0
    };
    let mut from = raw[0].0 - period(0);
    let mut out = Vec::with_capacity(2 * bursts.len() + 2);
    for i in bursts {
        let (to, records) = (raw[i].0, raw[i].1 * period(i));
        if to > from {
            let rate = records / (to - from);
            out.extend([(from, rate), (to, rate)]);
            from = to;
        }
    }
    out.extend([(from, 0.0), (raw[raw.len() - 1].0, 0.0)]);
    (out, true)
}

/// Bottom panel: source lag and failures.
fn lag_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    result: &RunResult,
    x_max: f64,
) -> Result<(), PlotError> {
    let (plot_area, legend_area) = area.split_horizontally(area.dim_in_pixel().0 - LEGEND_W_PX);
    let lag_max = result
        .samples
        .iter()
        .map(|s| s.source_lag_records as f64)
        .fold(0.0_f64, f64::max);
    let y_max = lag_max.max(1.0) * 1.1;
    let mut chart = new_chart(&plot_area, x_max, y_max, "source lag (records)")?;
    shade_downtime(&mut chart, &result.failures, x_max, y_max)?;
    let points = result
        .samples
        .iter()
        .map(|s| (s.time_s, s.source_lag_records as f64));
    draw_line(&mut chart, points, LAG, 2, x_max)?;
    failure_lines(&mut chart, &result.failures, y_max)?;
    let mut legend = vec![(
        Glyph::Line(LAG, 2),
        "source lag (appended, not read)".to_owned(),
    )];
    failure_legend(&result.failures, &mut legend);
    draw_legend(&legend_area, &legend, &RUN_LAYOUT)
}

/// A chart with x in simulated seconds and a labelled y axis from 0 to `y_max`.
fn new_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x_max: f64,
    y_max: f64,
    y_desc: &str,
) -> Result<Chart<'a, DB>, PlotError> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(MARGIN_TOP_PX)
        .margin_left(10)
        .margin_right(16)
        .x_label_area_size(X_LABEL_AREA_PX)
        .y_label_area_size(78)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_desc("simulated time (s)")
        .y_desc(y_desc)
        .y_label_formatter(&|v| si(*v))
        .x_label_formatter(&|v| trimmed(*v))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(draw_err)?;
    Ok(chart)
}

/// Draws a polyline, broken at non-finite points and thinned to the first,
/// lowest, highest and last point per 1/[`THIN_BUCKETS`] of the x range, as
/// separate segments: plotters' wide-line joins shoot far out of the plot at
/// sharp spikes, single segments have no joins.
fn draw_line<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    points: impl Iterator<Item = (f64, f64)>,
    colour: RGBColor,
    width: u32,
    x_max: f64,
) -> Result<(), PlotError> {
    let mut run: Vec<(f64, f64)> = Vec::new();
    let mut runs = Vec::new();
    for (x, y) in points {
        if x.is_finite() && y.is_finite() {
            run.push((x, y));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    runs.push(run);
    let style = colour.stroke_width(width);
    for run in runs {
        let thinned = thin(&run, x_max);
        let segments = thinned
            .windows(2)
            .map(|w| PathElement::new(vec![w[0], w[1]], style));
        chart.draw_series(segments).map_err(draw_err)?;
    }
    Ok(())
}

/// Buckets across the x range when thinning a line (about one per pixel).
const THIN_BUCKETS: f64 = 2000.0;

/// Keeps, per bucket of consecutive points, the first, lowest, highest and last.
fn thin(run: &[(f64, f64)], x_max: f64) -> Vec<(f64, f64)> {
    let bucket = |x: f64| (x / x_max * THIN_BUCKETS).floor() as i64;
    let mut out = Vec::with_capacity(run.len().min(4 * THIN_BUCKETS as usize));
    for group in run.chunk_by(|a, b| bucket(a.0) == bucket(b.0)) {
        let (mut lo, mut hi) = (0, 0);
        for (i, p) in group.iter().enumerate() {
            if p.1 < group[lo].1 {
                lo = i;
            }
            if p.1 > group[hi].1 {
                hi = i;
            }
        }
        let mut keep = [0, lo, hi, group.len() - 1];
        keep.sort_unstable();
        for (k, &i) in keep.iter().enumerate() {
            if k == 0 || i != keep[k - 1] {
                out.push(group[i]);
            }
        }
    }
    out
}

/// Light red spans from each failure to all tasks running again (to the end if never).
fn shade_downtime<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    failures: &[FailureRecord],
    x_max: f64,
    y_max: f64,
) -> Result<(), PlotError> {
    let spans = failures.iter().filter_map(|f| {
        let start = finite_or(f.time_s, -1.0);
        let end = if f.downtime_s >= 0.0 {
            start + finite_or(f.downtime_s, 0.0)
        } else {
            x_max
        };
        (start >= 0.0).then(|| {
            Rectangle::new(
                [(start.min(x_max), 0.0), (end.min(x_max), y_max)],
                DOWNTIME.mix(0.7).filled(),
            )
        })
    });
    chart.draw_series(spans).map_err(draw_err)?;
    Ok(())
}

/// Vertical dashed red lines at each failure.
fn failure_lines<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    failures: &[FailureRecord],
    y_max: f64,
) -> Result<(), PlotError> {
    for f in failures.iter().filter(|f| f.time_s.is_finite()) {
        let style = FAILURE.stroke_width(2);
        chart
            .draw_series(DashedLineSeries::new(
                [(f.time_s, 0.0), (f.time_s, y_max)],
                7,
                5,
                style,
            ))
            .map_err(draw_err)?;
    }
    Ok(())
}

fn failure_legend(failures: &[FailureRecord], legend: &mut Vec<(Glyph, String)>) {
    if !failures.is_empty() {
        legend.push((Glyph::Dashed(FAILURE), "failure (kind target)".to_owned()));
        legend.push((
            Glyph::Shade(DOWNTIME),
            "downtime (until tasks run)".to_owned(),
        ));
    }
}

/// Labels each failure line with "kind target", in staggered rows in the band
/// below the checkpoint lane (top at `y_top`); a label that fits in no row is
/// left out (failures.csv lists them all).
fn failure_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart<'_, DB>,
    failures: &[FailureRecord],
    x_max: f64,
    y_top: f64,
) -> Result<(), PlotError> {
    const ROWS: usize = LABEL_ROWS;
    const ROW_H: i32 = LABEL_ROW_PX as i32;
    let style = TextStyle::from((FONT, 13).into_font()).color(&FAILURE);
    let (right_px, top_px) = chart.backend_coord(&(x_max, y_top));
    let (left_px, _) = chart.backend_coord(&(0.0, y_top));
    let mut row_end_px = [i32::MIN; ROWS];
    for f in failures.iter().filter(|f| f.time_s.is_finite()) {
        let text = format!("{} {}", f.kind, f.target);
        let (w, _) = root.estimate_text_size(&text, &style).map_err(draw_err)?;
        let w = i32::try_from(w).unwrap_or(i32::MAX / 2);
        let (line_px, _) = chart.backend_coord(&(f.time_s, y_top));
        // Right of the line, or left of it near the right edge.
        let x = if line_px + 4 + w <= right_px {
            line_px + 4
        } else {
            (line_px - 4 - w).max(left_px)
        };
        let Some(row) = (0..ROWS).find(|&r| row_end_px[r] < x) else {
            continue;
        };
        row_end_px[row] = x + w + 6;
        let y = top_px + 3 + ROW_H * row as i32;
        root.draw(&Rectangle::new(
            [(x - 2, y - 1), (x + w + 2, y + ROW_H - 3)],
            WHITE.mix(0.85).filled(),
        ))
        .map_err(draw_err)?;
        root.draw(&Text::new(text, (x, y), style.clone()))
            .map_err(draw_err)?;
    }
    Ok(())
}

/// Checkpoint spans as bars in the top `lane_h` of the y range, alternating
/// between two sub-lanes by id so back-to-back checkpoints stay distinguishable.
fn checkpoint_lane<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    result: &RunResult,
    x_max: f64,
    lane_h: f64,
    y_max: f64,
    legend: &mut Vec<(Glyph, String)>,
) -> Result<(), PlotError> {
    let base = y_max - lane_h;
    let bars = result.checkpoints.iter().filter_map(|c| {
        let start = finite_or(c.trigger_s, -1.0);
        let end = finite_or(c.end_s, x_max).max(start);
        (start >= 0.0).then(|| {
            let (lo, hi) = if c.id % 2 == 1 {
                (0.55, 0.85)
            } else {
                (0.15, 0.45)
            };
            // Make very short checkpoints at least visible as a sliver.
            let end = end.max(start + x_max / 1500.0).min(x_max);
            Rectangle::new(
                [
                    (start.min(x_max), base + lane_h * lo),
                    (end, base + lane_h * hi),
                ],
                outcome_colour(c.outcome).filled(),
            )
        })
    });
    chart.draw_series(bars).map_err(draw_err)?;
    let separator = PathElement::new(vec![(0.0, base), (x_max, base)], RGBColor(190, 190, 190));
    chart
        .draw_series(std::iter::once(separator))
        .map_err(draw_err)?;

    let has = |o: CheckpointOutcome| result.checkpoints.iter().any(|c| c.outcome == o);
    use CheckpointOutcome::*;
    let failed_label = match (has(Expired), has(Declined)) {
        (true, true) => Some("checkpoint expired/declined"),
        (true, false) => Some("checkpoint expired"),
        (false, true) => Some("checkpoint declined"),
        (false, false) => None,
    };
    let entries = [
        (
            has(Completed).then_some("checkpoint completed"),
            CK_COMPLETED,
        ),
        (failed_label, CK_FAILED),
        (has(Subsumed).then_some("checkpoint subsumed"), CK_SUBSUMED),
        (
            has(Pending).then_some("checkpoint pending at end"),
            CK_PENDING,
        ),
    ];
    if entries.iter().any(|(label, _)| label.is_some()) {
        legend.push((Glyph::Note, "checkpoint bars: trigger → end".to_owned()));
    }
    for (label, colour) in entries {
        if let Some(label) = label {
            legend.push((Glyph::Bar(colour), label.to_owned()));
        }
    }
    Ok(())
}

fn outcome_colour(outcome: CheckpointOutcome) -> RGBColor {
    match outcome {
        CheckpointOutcome::Completed => CK_COMPLETED,
        CheckpointOutcome::Expired | CheckpointOutcome::Declined => CK_FAILED,
        CheckpointOutcome::Subsumed => CK_SUBSUMED,
        CheckpointOutcome::Pending => CK_PENDING,
    }
}

/// The x range's upper end: the latest time anything happened, at least 1 s.
fn x_extent(result: &RunResult) -> f64 {
    let times = std::iter::once(result.summary.sim_seconds)
        .chain(result.samples.iter().map(|s| s.time_s))
        .chain(result.checkpoints.iter().map(|c| c.end_s.max(c.trigger_s)))
        .chain(
            result
                .failures
                .iter()
                .map(|f| f.time_s + f.downtime_s.max(0.0)),
        );
    times.filter(|t| t.is_finite()).fold(1.0_f64, f64::max)
}

fn finite_or(v: f64, fallback: f64) -> f64 {
    if v.is_finite() { v } else { fallback }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::fixture::sample_result;
    use crate::output::scratch_dir;
    use std::fs;

    #[test]
    fn renders_png_and_svg_with_titles_axes_and_legends() {
        let dir = scratch_dir("plot");
        let result = sample_result();
        let (png, svg) = (dir.join("timeline.png"), dir.join("timeline.svg"));
        timeline(&png, &result).expect("png");
        timeline_svg(&svg, &result).expect("svg");
        let bytes = fs::read(&png).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(bytes.len() > 10_000, "png is {} bytes", bytes.len());
        let text = fs::read_to_string(&svg).unwrap();
        for needle in [
            "wordcount-small — throughput, source lag, checkpoints and failures (seed 42)",
            "simulated time (s)",
            "throughput (records/s)",
            "source lag (records)",
            "source read rate",
            "sink rate",
            "committed rate",
            "checkpoint completed",
            "checkpoint expired/declined",
            "checkpoint subsumed",
            "checkpoint pending at end",
            "failure (kind target)",
            "downtime",
            "task-failure aggregate[1]",
            "taskmanager-loss tm-1",
        ] {
            assert!(text.contains(needle), "svg lacks {needle:?}");
        }
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn empty_and_degenerate_runs_do_not_panic() {
        let dir = scratch_dir("plot-empty");
        let mut empty = sample_result();
        empty.samples.clear();
        empty.checkpoints.clear();
        empty.failures.clear();
        empty.summary.sim_seconds = 0.0;
        timeline(&dir.join("empty.png"), &empty).expect("empty");

        let mut flat = sample_result();
        for s in &mut flat.samples {
            s.source_records_per_s = 0.0;
            s.sink_records_per_s = f64::NAN;
            s.committed_records_per_s = 0.0;
            s.source_lag_records = 0;
        }
        flat.failures[1].downtime_s = -1.0; // never recovered
        flat.checkpoints[0].end_s = f64::INFINITY;
        timeline(&dir.join("flat.png"), &flat).expect("flat");
        timeline_svg(&dir.join("flat.svg"), &flat).expect("flat svg");
        let _ = fs::remove_dir_all(&dir);
    }
}
