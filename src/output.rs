//! Output: every file ckptsim writes, and the sweep tables it reads back.
//!
//! - [`files`]: writing a file whole or not at all (temp file, then rename);
//! - [`run_files`]: the files of one run (JSON, CSV, TOML and the timeline);
//! - [`tables`]: `runs.csv` and `aggregate.csv`, written and read back (the
//!   one CSV reader of the sweep tables); [`journal`]: a sweep's journal;
//! - [`chart`]: what the charts share (font, colours, legend, [`chart::PlotError`]);
//!   [`timeline`]: the run timeline; [`sweep_charts`]: the charts of a sweep folder.
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
