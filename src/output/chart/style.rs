//! Chart style shared by the run and sweep charts: the embedded DejaVu Sans
//! font (plotters is built without fontconfig), registered once per process,
//! the grey of notes, the drawing-error conversion and tick-label formatting.

use std::sync::OnceLock;

use plotters::prelude::*;

use super::PlotError;

/// The font family every chart text is drawn in (the embedded DejaVu Sans).
pub(crate) const FONT: &str = "sans-serif";
/// Colour of notes (legend notes, "no data", footers).
pub(crate) const NOTE: RGBColor = RGBColor(90, 90, 90);

/// Registers the embedded font under [`FONT`] (once per process).
pub(crate) fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

/// A plotters error as a [`PlotError::Draw`].
pub(crate) fn draw_err<E: std::fmt::Display>(err: E) -> PlotError {
    PlotError::Draw(err.to_string())
}

/// Tick label with an SI suffix: 1500 → "1.5k", 2000000 → "2M".
pub(crate) fn si(v: f64) -> String {
    let (scaled, suffix) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    format!("{}{suffix}", trimmed(scaled))
}

/// A number with at most two decimals and no trailing zeros: 2.50 → "2.5".
pub(crate) fn trimmed(v: f64) -> String {
    let text = format!("{v:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_labels() {
        assert_eq!(si(0.0), "0");
        assert_eq!(si(12.5), "12.5");
        assert_eq!(si(1500.0), "1.5k");
        assert_eq!(si(2_000_000.0), "2M");
    }
}
