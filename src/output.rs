//! Output: every file ckptsim writes, and the sweep tables it reads back.
//!
//! - [`files`]: writing a file whole or not at all (temp file, then rename);
//! - [`run_files`]: the files of one run (JSON, CSV, TOML and the timeline);
//! - [`tables`]: `runs.csv` and `aggregate.csv`, written and read back (the
//!   one CSV reader of the sweep tables); [`journal`]: a sweep's journal;
//! - [`chart`]: what the charts share (font, colours, legend, [`chart::PlotError`]);
//!   [`timeline`]: the run timeline; [`sweep_charts`]: the interval charts of a
//!   sweep folder; [`variant_charts`]: the chart of a sweep with named variants;
//!   [`sweep_folder_charts`] picks which a folder gets.
//!
//! Reads only finished results (`metrics`): it never computes a result, never
//! runs the simulator and must not use `sweep`, `models` or `cli` (they use it).

pub mod chart;
pub mod files;
pub mod journal;
pub mod run_files;
pub mod sweep_charts;
pub mod tables;
pub mod timeline;
pub mod variant_charts;

use std::path::{Path, PathBuf};

/// Draws the charts of a sweep folder from its tables: the variant chart when
/// `runs.csv` has a `variant` column, and the interval charts unless the
/// variants are the sweep's only axis. Returns the files written.
pub fn sweep_folder_charts(dir: &Path) -> Result<Vec<PathBuf>, chart::PlotError> {
    let keys = tables::read_runs(&dir.join("runs.csv"))?.keys;
    let variants = variant_charts::has_variants(&keys);
    let mut files = Vec::new();
    if variants {
        files.extend(variant_charts::charts(dir)?);
    }
    if !variants || keys.len() > 1 {
        files.extend(sweep_charts::charts(dir)?);
    }
    Ok(files)
}

/// A fresh, empty directory under the system temp dir (unit tests only).
#[cfg(test)]
pub(crate) fn scratch_dir(tag: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ckptsim-test-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}
