//! One panel of the variant chart: horizontal bars, one band per variant (the
//! first at the top), each bar a mean (possibly in stacked segments) with a
//! 95% CI whisker and the seeds as dots, its value written in a column right
//! of the plot, level with it; a title, a line saying what is measured, a
//! legend for stacked or grouped bars.
//!
//! Draws a [`Panel`] as given: which metrics and colours belong to a panel is
//! decided in [`super`].

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::output::chart::PlotError;
use crate::output::chart::style::{FONT, NOTE, draw_err, si};

/// Colour of the grid lines at the value ticks.
const GRID: RGBColor = RGBColor(225, 225, 225);
/// Height of the title and description band at the top of a panel, pixels.
const CAPTION_H_PX: u32 = 54;
/// The value axis' label area (tick labels and the axis name), pixels.
const X_LABEL_AREA_PX: u32 = 44;
/// Margin right of the plot, pixels.
const RIGHT_MARGIN_PX: u32 = 18;
/// Width of one character of the written values and legends (13 px DejaVu Sans, generous), pixels.
const NOTE_CHAR_PX: f64 = 7.6;
/// Gap between the plot's right edge and the written values, pixels.
const NOTE_GAP_PX: i32 = 6;

/// One bar: stacked segments from 0, a whisker, the seeds' values and a written value.
pub(super) struct Bar {
    /// Band (variant) index, 0 at the top.
    pub(super) band: usize,
    /// Position inside the band: (offset of the centre from the band's centre, half height), in bands.
    pub(super) slot: (f64, f64),
    /// Stacked segments: (length, colour), from 0 to the right.
    pub(super) segments: Vec<(f64, RGBColor)>,
    /// 95% CI of the bar's total.
    pub(super) whisker: Option<(f64, f64)>,
    /// One value per seed.
    pub(super) dots: Vec<f64>,
    /// Written in the value column, level with the bar ("2.97"), empty for none.
    pub(super) note: String,
}

/// A panel as drawn.
pub(super) struct Panel {
    /// Title, with the unit.
    pub(super) title: String,
    /// One line saying what is measured.
    pub(super) description: String,
    /// Name of the value axis, with the unit.
    pub(super) x_desc: String,
    /// Band labels (variant names), top to bottom.
    pub(super) bands: Vec<String>,
    /// The bars.
    pub(super) bars: Vec<Bar>,
    /// Legend entries (colour, text), for stacked or grouped bars.
    pub(super) legend: Vec<(RGBColor, String)>,
}

/// The band axis: band i is centred at `n − i − 0.5`, so band 0 is at the top.
#[derive(Clone)]
struct Bands {
    n: usize,
}

impl Bands {
    /// The centre of band `i`.
    fn centre(&self, i: usize) -> f64 {
        self.n as f64 - i as f64 - 0.5
    }
}

impl Ranged for Bands {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let at = value / self.n.max(1) as f64 * f64::from(limit.1 - limit.0);
        limit.0 + at.round().clamp(-1e6, 1e6) as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        (0..self.n).map(|i| self.centre(i)).collect()
    }

    fn range(&self) -> Range<f64> {
        0.0..self.n.max(1) as f64
    }
}

/// The right end of a bar: its total, its whisker and its dots.
fn bar_end(b: &Bar) -> f64 {
    let total: f64 = b
        .segments
        .iter()
        .map(|s| s.0)
        .filter(|v| v.is_finite())
        .sum();
    let hi = b.whisker.map_or(0.0, |w| w.1);
    b.dots
        .iter()
        .copied()
        .chain([total, hi])
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
}

/// The value axis' end: the largest bar end, with a little room.
fn x_max(bars: &[Bar]) -> f64 {
    let hi = bars.iter().map(bar_end).fold(0.0, f64::max);
    if hi > 0.0 { hi * 1.04 } else { 1.0 }
}

/// The width of the column right of the plot where the bars' values are written, pixels.
fn note_column_px(bars: &[Bar]) -> u32 {
    let longest = bars
        .iter()
        .map(|b| b.note.chars().count())
        .max()
        .unwrap_or(0);
    if longest == 0 {
        RIGHT_MARGIN_PX
    } else {
        (longest as f64 * NOTE_CHAR_PX) as u32 + 2 * NOTE_GAP_PX as u32 + 4
    }
}

/// A tick label of the value axis.
fn tick(v: f64) -> String {
    if v.abs() < 1e-12 { "0".into() } else { si(v) }
}

/// Draws the title, the description and the legend of a panel in its caption band.
fn caption<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &Panel) -> Result<(), PlotError> {
    let title = TextStyle::from((FONT, 19).into_font()).color(&BLACK);
    let note = TextStyle::from((FONT, 13).into_font()).color(&NOTE);
    area.draw(&Text::new(p.title.clone(), (12, 6), title))
        .map_err(draw_err)?;
    area.draw(&Text::new(p.description.clone(), (12, 32), note.clone()))
        .map_err(draw_err)?;
    let (w, _) = area.dim_in_pixel();
    let entry_w = |t: &str| 24 + (t.chars().count() as f64 * NOTE_CHAR_PX) as i32 + 16;
    let mut x = i32::try_from(w).unwrap_or(0) - RIGHT_MARGIN_PX as i32;
    x -= p.legend.iter().map(|(_, t)| entry_w(t)).sum::<i32>();
    for (c, t) in &p.legend {
        area.draw(&Rectangle::new([(x, 9), (x + 16, 23)], c.filled()))
            .map_err(draw_err)?;
        area.draw(&Text::new(t.clone(), (x + 22, 9), note.clone()))
            .map_err(draw_err)?;
        x += entry_w(t);
    }
    Ok(())
}

/// The width of the band labels' area for `labels`, pixels.
fn label_area_px(labels: &[String]) -> u32 {
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4);
    ((longest as f64 * 8.6) as u32 + 20).clamp(90, 320)
}

/// Draws panel `p` on `area`.
pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Panel,
) -> Result<(), PlotError> {
    let (top, body) = area.split_vertically(CAPTION_H_PX);
    caption(&top, p)?;
    let label_w = label_area_px(&p.bands);
    let bands = Bands { n: p.bands.len() };
    let xmax = x_max(&p.bars);
    let mut chart = ChartBuilder::on(&body)
        .margin_right(note_column_px(&p.bars))
        .margin_left(4)
        .margin_top(4)
        .x_label_area_size(X_LABEL_AREA_PX)
        .y_label_area_size(label_w)
        .build_cartesian_2d(0.0..xmax, bands.clone())
        .map_err(draw_err)?;
    let names = p.bands.clone();
    let centres = bands.clone();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(7)
        .x_desc(p.x_desc.as_str())
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| {
            (0..names.len())
                .find(|&i| (centres.centre(i) - v).abs() < 1e-9)
                .map(|i| names[i].clone())
                .unwrap_or_default()
        })
        .label_style((FONT, 13))
        .y_label_style((FONT, 15))
        .axis_desc_style((FONT, 14))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(draw_err)?;
    if p.bars
        .iter()
        .all(|b| bar_end(b) <= 0.0 && b.segments.iter().all(|s| !s.0.is_finite()))
    {
        let style = TextStyle::from((FONT, 18).into_font())
            .color(&NOTE)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let mid = (xmax / 2.0, bands.n.max(1) as f64 / 2.0);
        return chart
            .draw_series(std::iter::once(Text::new("no data", mid, style)))
            .map(|_| ())
            .map_err(draw_err);
    }
    for b in &p.bars {
        bar(&mut chart, b, bands.centre(b.band))?;
    }
    // The values, in a column right of the plot, level with their bars.
    let (bx, by) = body.get_base_pixel();
    let style = TextStyle::from((FONT, 13).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for b in p.bars.iter().filter(|b| !b.note.is_empty()) {
        let (x, y) = chart.backend_coord(&(xmax, bands.centre(b.band) + b.slot.0));
        body.draw(&Text::new(
            b.note.clone(),
            (x - bx + NOTE_GAP_PX, y - by),
            style.clone(),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

/// The chart a panel draws its bars on.
type PanelChart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Bands>>;

/// Draws one bar in the band centred at `centre`.
fn bar<DB: DrawingBackend>(
    chart: &mut PanelChart<'_, DB>,
    b: &Bar,
    centre: f64,
) -> Result<(), PlotError> {
    let y = centre + b.slot.0;
    let h = b.slot.1;
    let mut x = 0.0;
    for &(len, colour) in &b.segments {
        if !(len.is_finite() && len > 0.0) {
            continue;
        }
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x, y - h), (x + len, y + h)],
                colour.filled(),
            )))
            .map_err(draw_err)?;
        x += len;
    }
    let n = b.dots.len();
    let dots = b
        .dots
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(k, &v)| {
            let spread = if n > 1 {
                k as f64 / (n - 1) as f64 * 2.0 - 1.0
            } else {
                0.0
            };
            Circle::new(
                (v, y + spread * h * 0.7),
                2.5,
                RGBColor(40, 40, 40).mix(0.55).filled(),
            )
        });
    chart.draw_series(dots).map_err(draw_err)?;
    if let Some((lo, hi)) = b
        .whisker
        .filter(|w| w.0.is_finite() && w.1.is_finite() && w.1 > w.0)
    {
        let lo = lo.max(0.0);
        let style = BLACK.stroke_width(2);
        let cap = h * 0.55;
        for path in [
            vec![(lo, y), (hi, y)],
            vec![(lo, y - cap), (lo, y + cap)],
            vec![(hi, y - cap), (hi, y + cap)],
        ] {
            chart
                .draw_series(std::iter::once(PathElement::new(path, style)))
                .map_err(draw_err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_put_the_first_on_top_and_values_get_a_column() {
        let b = Bands { n: 3 };
        assert_eq!((b.centre(0), b.centre(2)), (2.5, 0.5));
        let bar = Bar {
            band: 0,
            slot: (0.0, 0.3),
            segments: vec![(10.0, BLACK)],
            whisker: Some((9.0, 11.0)),
            dots: vec![8.0, 12.0],
            note: "x".repeat(10),
        };
        // The bar ends at 12 (a dot); the note needs 10 × 7.6 + 2 × 6 + 4 = 92 px.
        assert_eq!(bar_end(&bar), 12.0);
        assert_eq!(x_max(std::slice::from_ref(&bar)), 12.0 * 1.04);
        assert_eq!(note_column_px(&[bar]), 92);
    }
}
