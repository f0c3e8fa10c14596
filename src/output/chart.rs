//! What the charts share: the chart size, the error type ([`PlotError`]),
//! and the helpers of the run timeline ([`super::timeline`]) and the sweep
//! charts ([`super::sweep_charts`]):
//!
//! - [`style`]: the embedded font, shared colours, tick-label formatting;
//! - [`legend`]: the boxed legend and its glyphs (run and sweep charts).
//!
//! Draws nothing itself and reads no results.

use std::io;

use super::tables::TableError;

pub(crate) mod legend;
pub(crate) mod style;

/// Chart size in pixels (width, height).
pub const SIZE_PX: (u32, u32) = (1400, 800);

/// Why a chart could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Writing the file failed.
    #[error("cannot write the chart: {0}")]
    Io(#[from] io::Error),
    /// Plotters reported a drawing or encoding error.
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    /// A sweep table could not be read.
    #[error("cannot draw the chart: {}", reading(.0))]
    Table(#[from] TableError),
    /// The embedded font could not be registered.
    #[error("cannot register the embedded DejaVu Sans font")]
    Font,
}

/// A table error as a chart error tells it: "cannot read <file>: <why>".
fn reading(err: &TableError) -> String {
    match err {
        TableError::NoCount { path } => {
            format!("cannot read {}: it has no n column", path.display())
        }
        other => format!("cannot read {other}"),
    }
}
