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
//! Reads `DIR/runs.csv` and `DIR/aggregate.csv` only, through
//! [`crate::output::tables`]: the axis columns by name (they depend on the
//! scenario), every metric by its field of
//! [`crate::metrics::sweep_rows::RunMetrics`] (a missing column reads as NaN);
//! knows nothing of the simulator or of how the sweep ran. Series are keyed by
//! `timeout_s` and by any axis other than the interval and the timeout. Values
//! are drawn on transformed axes (log10 where the scale is logarithmic) with
//! hand-placed ticks, so one chart type serves linear and log scales. Files are
//! written atomically via [`crate::output::files`]. NaN, empty columns and
//! empty files give charts that say "no data", never a panic.
//!
//! Rooms: `data` (the tables as the charts see them, a [`data::Sweep`]), `axes` (scales,
//! ticks, the chart frame), `draw` (lines, bands, dots, "no data"), `lines`
//! (recovery- and cost-vs-interval), `duration` (checkpoint duration) and
//! `heatmap` (interval × timeout). Legends and fonts come from
//! [`crate::output::chart`].

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::output::chart::style::{draw_err, ensure_font};
use crate::output::chart::{PlotError, SIZE_PX};
use crate::output::files::{write_atomic, write_atomic_with};
use crate::output::tables::{read_points, read_runs};

mod axes;
mod data;
mod draw;
mod duration;
mod heatmap;
mod lines;

use data::Sweep;

/// The charts written by [`charts`], by file stem, in order.
pub const CHARTS: [&str; 4] = [
    "recovery-vs-interval",
    "cost-vs-interval",
    "checkpoint-duration",
    "heatmap-interval-timeout",
];

/// Width of the legend column at the right of a chart, pixels.
pub(super) const LEGEND_W_PX: u32 = 330;
/// A chart's y label area (tick labels and the rotated axis name), pixels.
pub(super) const Y_LABEL_AREA_PX: u32 = 84;
/// A chart's x label area (tick labels and the axis name), pixels.
pub(super) const X_LABEL_AREA_PX: u32 = 52;

/// Series colours (matplotlib's tab10), in ascending timeout order (and the variant chart's bars).
pub(crate) const PALETTE: [RGBColor; 10] = [
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

/// Draws the sweep charts of `dir` (reads `runs.csv` and `aggregate.csv`
/// there) and writes `<chart>.png` and `<chart>.svg` for each of [`CHARTS`]
/// into `dir`, atomically. Returns the files written, PNG then SVG per chart.
pub fn charts(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    ensure_font()?;
    let runs = read_runs(&dir.join("runs.csv"))?;
    let agg = read_points(&dir.join("aggregate.csv"))?;
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

/// Draws chart number `chart` of [`CHARTS`] on `root`.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: usize,
    sweep: &Sweep,
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(draw_err)?;
    match chart {
        0 => lines::recovery_chart(root, sweep),
        1 => lines::cost_chart(root, sweep),
        2 => duration::duration_chart(root, sweep),
        _ => heatmap::heatmap_chart(root, sweep),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::scratch_dir;
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
}
