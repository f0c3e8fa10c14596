//! Charts of a single run and the chart helpers shared with
//! [`crate::plot_sweep`]: the public API ([`timeline`], [`timeline_svg`],
//! [`PlotError`], [`SIZE_PX`]) and the error type.
//!
//! - [`style`]: the embedded font, shared colours, tick-label formatting;
//! - [`legend`]: the boxed legend and its glyphs (run and sweep charts);
//! - `timeline`: the run timeline chart (`timeline.png`, optionally SVG).
//!
//! Reads finished results only; knows nothing of the simulator. Files are
//! written atomically via [`crate::metrics::write`].

use std::io;

pub(crate) mod legend;
pub(crate) mod style;
mod timeline;

pub use timeline::{timeline, timeline_svg};

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
    /// The embedded font could not be registered.
    #[error("cannot register the embedded DejaVu Sans font")]
    Font,
}
