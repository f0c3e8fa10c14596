//! The chart of a sweep with named variants (`[[sweep.variant]]`), e.g. the
//! checkpoint modes study: `variants.png` and `variants.svg`, six panels with
//! one bar per variant (grid point), in the scenario's order:
//!
//! - checkpoint duration and start delay (the slowest task's);
//! - checkpoint size: state uploaded and persisted in-flight data, stacked;
//! - restore time, then downtime and recovery time, per failure;
//! - cost: simulated time lost per hour, with the paired difference against
//!   the first variant over the same seeds.
//!
//! Each bar is the mean over the seeds of the runs' values, with the 95%
//! Student's t interval of that mean as a whisker and every seed as a dot.
//! Reads `DIR/runs.csv` only, through [`crate::output::tables`]; statistics
//! come from [`crate::stats`]. Knows nothing of the simulator or the sweep.
//! Written atomically via [`crate::output::files`].
//!
//! Rooms: `data` (the runs grouped by variant), `panel` (drawing one panel).

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::metrics::sweep_rows::VARIANT_AXIS;
use crate::output::chart::PlotError;
use crate::output::chart::style::{FONT, NOTE, draw_err, ensure_font, trimmed};
use crate::output::files::{write_atomic, write_atomic_with};
use crate::output::sweep_charts::PALETTE;
use crate::output::tables::read_runs;

mod data;
mod panel;

use data::{Groups, Metric};
use panel::{Bar, Panel};

/// The chart written by [`charts`], by file stem.
pub const CHART: &str = "variants";

/// The chart's size in pixels (width, height): six panels in three rows of two.
const SIZE_PX: (u32, u32) = (1600, 1500);
/// Height of the title band, pixels.
const TITLE_H_PX: u32 = 56;
/// Height of the footer band with the notes, pixels.
const FOOTER_H_PX: u32 = 56;
/// Bytes per MB in the size panel (SI, as the storage bandwidths).
const BYTES_PER_MB: f64 = 1e6;
/// Colours of the two parts of the stacked and grouped bars.
const FIRST_PART: RGBColor = RGBColor(70, 110, 160);
/// The second part: persisted in-flight data, recovery time.
const SECOND_PART: RGBColor = RGBColor(235, 140, 40);

/// Whether a sweep over the axis columns `keys` has named variants.
pub fn has_variants(keys: &[String]) -> bool {
    keys.iter().any(|k| k == VARIANT_AXIS)
}

/// Draws the variant chart of the sweep folder `dir` (reads `runs.csv` there) and
/// writes `variants.png` and `variants.svg` into `dir`, atomically. Returns the files.
pub fn charts(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    ensure_font()?;
    let runs = read_runs(&dir.join("runs.csv"))?;
    let groups = Groups::new(&runs);
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let png = dir.join(format!("{CHART}.png"));
    write_atomic_with(&png, |tmp: &Path| {
        let root = BitMapBackend::new(tmp, SIZE_PX).into_drawing_area();
        draw(&root, &name, &groups)?;
        root.present().map_err(draw_err)
    })?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, SIZE_PX).into_drawing_area();
        draw(&root, &name, &groups)?;
        root.present().map_err(draw_err)?;
    }
    let svg = dir.join(format!("{CHART}.svg"));
    write_atomic(&svg, text.as_bytes())?;
    Ok(vec![png, svg])
}

/// A number written beside a bar: three significant digits at most.
fn value_text(v: f64) -> String {
    match v.abs() {
        a if !a.is_finite() => String::new(),
        a if a >= 100.0 => format!("{v:.0}"),
        a if a >= 10.0 => format!("{v:.1}"),
        a if a >= 1.0 => trimmed(v),
        _ => format!("{v:.3}"),
    }
}

/// One bar per variant of `metric`, scaled by `scale`, in the variant's colour.
fn single(g: &Groups, metric: Metric, scale: f64) -> Vec<Bar> {
    (0..g.groups.len())
        .map(|i| {
            let e = g.estimate(i, metric);
            Bar {
                band: i,
                slot: (0.0, 0.3),
                segments: vec![(e.mean * scale, PALETTE[i % PALETTE.len()])],
                whisker: Some((e.ci95_lo * scale, e.ci95_hi * scale)),
                dots: g.values(i, metric).iter().map(|v| v * scale).collect(),
                note: value_text(e.mean * scale),
            }
        })
        .collect()
}

/// The checkpoint size: state and persisted in-flight bytes stacked, whisker and dots of their sum.
fn size_bars(g: &Groups) -> Vec<Bar> {
    let total: Metric = |m| m.state_mean_bytes + m.persisted_inflight_mean_bytes;
    (0..g.groups.len())
        .map(|i| {
            let state = g.estimate(i, |m| m.state_mean_bytes).mean / BYTES_PER_MB;
            let inflight = g.estimate(i, |m| m.persisted_inflight_mean_bytes).mean / BYTES_PER_MB;
            let t = g.estimate(i, total);
            let note = if inflight > 0.0 {
                format!("{} + {} in flight", value_text(state), value_text(inflight))
            } else {
                value_text(state)
            };
            Bar {
                band: i,
                slot: (0.0, 0.3),
                segments: vec![(state, FIRST_PART), (inflight, SECOND_PART)],
                whisker: Some((t.ci95_lo / BYTES_PER_MB, t.ci95_hi / BYTES_PER_MB)),
                dots: g
                    .values(i, total)
                    .iter()
                    .map(|v| v / BYTES_PER_MB)
                    .collect(),
                note,
            }
        })
        .collect()
}

/// Downtime (upper) and recovery time (lower) per variant, side by side in its band.
fn recovery_bars(g: &Groups) -> Vec<Bar> {
    let parts: [(Metric, RGBColor, f64); 2] = [
        (|m| m.downtime_mean_s, FIRST_PART, -0.18),
        (|m| m.recovery_mean_s, SECOND_PART, 0.18),
    ];
    (0..g.groups.len())
        .flat_map(|i| {
            parts.iter().map(move |&(metric, colour, offset)| {
                let e = g.estimate(i, metric);
                Bar {
                    band: i,
                    // Band axis: up is +, so the first part (offset +0.18) is on top.
                    slot: (-offset, 0.16),
                    segments: vec![(e.mean, colour)],
                    whisker: Some((e.ci95_lo, e.ci95_hi)),
                    dots: g.values(i, metric),
                    note: value_text(e.mean),
                }
            })
        })
        .collect()
}

/// Cost per hour, each bar with its paired difference against the first variant.
fn cost_bars(g: &Groups) -> Vec<Bar> {
    let cost: Metric = |m| m.cost_s_per_h;
    let mut bars = single(g, cost, 1.0);
    for (i, b) in bars.iter_mut().enumerate().skip(1) {
        let d = g.paired_vs_first(i, cost);
        if d.mean.is_finite() {
            b.note = format!(
                "{}; Δ {} [{}, {}]",
                b.note,
                value_text(d.mean),
                value_text(d.ci95_lo),
                value_text(d.ci95_hi)
            );
        }
    }
    bars
}

/// The six panels, in reading order.
fn panels(g: &Groups) -> Vec<Panel> {
    let bands: Vec<String> = g.groups.iter().map(|x| x.label.clone()).collect();
    let first = bands.first().cloned().unwrap_or_default();
    let panel = |title: &str, description: String, x_desc: &str, bars, legend| Panel {
        title: title.into(),
        description,
        x_desc: x_desc.into(),
        bands: bands.clone(),
        bars,
        legend,
    };
    let two = |a: &str, b: &str| vec![(FIRST_PART, a.to_string()), (SECOND_PART, b.to_string())];
    vec![
        panel(
            "checkpoint duration (s)",
            "trigger → completed; a run's mean over its completed checkpoints".into(),
            "checkpoint duration (s)",
            single(g, |m| m.checkpoint_mean_s, 1.0),
            Vec::new(),
        ),
        panel(
            "checkpoint start delay (s)",
            "trigger → first barrier at the slowest task; mean over completed checkpoints".into(),
            "start delay (s)",
            single(g, |m| m.start_delay_mean_s, 1.0),
            Vec::new(),
        ),
        panel(
            "checkpoint size (MB)",
            "mean uploaded per completed checkpoint, all subtasks (incremental: new files only)"
                .into(),
            "checkpoint size (MB)",
            size_bars(g),
            two("state uploaded", "persisted in-flight data"),
        ),
        panel(
            "restore time per failure (s)",
            "deployed → all tasks running: state download, rebuild, in-flight data worked off"
                .into(),
            "restore time (s)",
            single(g, |m| m.restore_mean_s, 1.0),
            Vec::new(),
        ),
        panel(
            "downtime and recovery per failure (s)",
            "failure → all tasks running (downtime), → source lag back at its level (recovery)"
                .into(),
            "time per failure (s)",
            recovery_bars(g),
            two("downtime", "recovery"),
        ),
        panel(
            "cost (s lost per hour)",
            format!(
                "lost work + downtime + blocking checkpoint time; Δ: paired vs {first}, 95% CI"
            ),
            "simulated time lost (s per hour)",
            cost_bars(g),
            Vec::new(),
        ),
    ]
}

/// Draws the whole chart on `root`.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    name: &str,
    g: &Groups,
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let (title, rest) = root.split_vertically(TITLE_H_PX);
    let (_, h) = rest.dim_in_pixel();
    let (body, footer) = rest.split_vertically(h.saturating_sub(FOOTER_H_PX));
    let what = format!(
        "checkpoint modes on the same seeds (the same failures and workload): {}",
        g.seeds_text()
    );
    let text = if name.is_empty() {
        what
    } else {
        format!("{name} — {what}")
    };
    title
        .draw(&Text::new(text, (16, 16), (FONT, 24).into_font()))
        .map_err(draw_err)?;
    for (area, p) in body.split_evenly((3, 2)).iter().zip(panels(g)) {
        panel::draw(&area.margin(4, 10, 6, 6), &p)?;
    }
    let note = TextStyle::from((FONT, 14).into_font()).color(&NOTE);
    let lines = [
        "bar: mean over the seeds of each run's value; whisker: 95% confidence interval of that mean (Student's t); dots: one per seed.",
        "Runs of every variant use the same seeds, so they face the same failure times; the cost's Δ pairs them seed by seed.",
    ];
    for (k, line) in lines.iter().enumerate() {
        footer
            .draw(&Text::new(*line, (16, 6 + 22 * k as i32), note.clone()))
            .map_err(draw_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::scratch_dir;
    use std::fs;

    /// A runs.csv of 3 variants × 3 seeds with the columns the chart reads.
    fn write_runs(dir: &Path) {
        let cols = [
            "checkpoint_mean_s",
            "start_delay_mean_s",
            "state_mean_bytes",
            "persisted_inflight_mean_bytes",
            "restore_mean_s",
            "downtime_mean_s",
            "recovery_mean_s",
            "cost_s_per_h",
        ];
        let mut text = format!("run,point,seed,variant,interval_s,{}\n", cols.join(","));
        for (p, v) in ["aligned", "unaligned", "aligned-timeout-300ms"]
            .iter()
            .enumerate()
        {
            for s in 0..3 {
                let k = (p * 10 + s) as f64;
                let inflight = if p == 0 { 0.0 } else { 3e6 + k };
                let values = [
                    2.9 - p as f64,
                    1.6 / (1.0 + p as f64),
                    1.15e8 + k,
                    inflight,
                    1.5 + k / 10.0,
                    20.0 + k / 10.0,
                    150.0 - k,
                    436.0 - 60.0 * p as f64 + s as f64,
                ];
                let cells: Vec<String> = values.iter().map(|x| x.to_string()).collect();
                text.push_str(&format!(
                    "{},{p},{},{v},10,{}\n",
                    p * 3 + s,
                    100 + s,
                    cells.join(",")
                ));
            }
        }
        fs::write(dir.join("runs.csv"), text).unwrap();
    }

    #[test]
    fn writes_the_variant_chart_with_every_panel() {
        let dir = scratch_dir("variant-charts");
        write_runs(&dir);
        let files = charts(&dir).expect("charts");
        assert_eq!(
            files,
            vec![dir.join("variants.png"), dir.join("variants.svg")]
        );
        assert!(
            fs::read(&files[0])
                .unwrap()
                .starts_with(b"\x89PNG\r\n\x1a\n")
        );
        let svg = fs::read_to_string(&files[1]).unwrap();
        for needle in [
            "checkpoint modes on the same seeds",
            "3 seeds per variant",
            "checkpoint duration (s)",
            "checkpoint start delay (s)",
            "checkpoint size (MB)",
            "state uploaded",
            "persisted in-flight data",
            "restore time per failure (s)",
            "downtime and recovery per failure (s)",
            "cost (s lost per hour)",
            "paired vs aligned",
            "aligned-timeout-300ms",
            "95% confidence interval",
            // The cost's paired difference: unaligned − aligned = −60 on every seed.
            "; Δ -60.0 [-60.0, -60.0]",
        ] {
            assert!(svg.contains(needle), "variants.svg lacks {needle:?}");
        }
        assert!(!svg.contains("no data"));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_empty_sweep_says_no_data() {
        let dir = scratch_dir("variant-charts-empty");
        fs::write(dir.join("runs.csv"), "run,point,seed,variant,interval_s\n").unwrap();
        let files = charts(&dir).expect("charts");
        let svg = fs::read_to_string(&files[1]).unwrap();
        assert!(svg.contains("no runs"));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn values_are_written_with_three_digits() {
        assert_eq!(value_text(436.07), "436");
        assert_eq!(value_text(20.54), "20.5");
        assert_eq!(value_text(2.966), "2.97");
        assert_eq!(value_text(0.02357), "0.024");
        assert_eq!(value_text(f64::NAN), "");
        assert!(
            has_variants(&["variant".into()]) && !has_variants(&["checkpoint.interval".into()])
        );
    }
}
