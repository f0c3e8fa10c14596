//! The boxed legend drawn in a chart's legend column, and the glyphs (legend
//! samples) of the run timeline ([`RunGlyph`]) and the sweep charts
//! ([`SweepGlyph`]). The two chart families share the box and text layout;
//! their geometry differs only by a [`Layout`].

use plotters::coord::Shift;
use plotters::prelude::*;

use super::PlotError;
use super::style::{FONT, NOTE, draw_err};

/// Geometry of a legend box, pixels.
pub(crate) struct Layout {
    /// Height of a one-line entry.
    pub(crate) row_h: i32,
    /// Left edge of the box in the legend area.
    pub(crate) x0: i32,
    /// Top of the box.
    pub(crate) y0: i32,
    /// Gap between the box's right edge and the area's.
    pub(crate) right_inset: i32,
    /// Width of the glyph sample.
    pub(crate) glyph_w: i32,
    /// Gap between the glyph sample and the label.
    pub(crate) text_gap: i32,
}

/// The legend layout of the run timeline.
pub(crate) const RUN_LAYOUT: Layout = Layout {
    row_h: 24,
    x0: 4,
    y0: 12,
    right_inset: 8,
    glyph_w: 30,
    text_gap: 8,
};

/// The legend layout of the sweep charts.
pub(crate) const SWEEP_LAYOUT: Layout = Layout {
    row_h: 26,
    x0: 6,
    y0: 16,
    right_inset: 10,
    glyph_w: 32,
    text_gap: 10,
};

/// Where one entry's glyph goes: sample columns, top and middle row, row height.
pub(crate) struct Slot {
    /// Left end of the glyph sample.
    pub(crate) gx0: i32,
    /// Right end of the glyph sample.
    pub(crate) gx1: i32,
    /// Top of the entry's row.
    pub(crate) y: i32,
    /// Middle of the entry's first line.
    pub(crate) mid: i32,
    /// Height of a one-line entry.
    pub(crate) row_h: i32,
}

/// A legend entry's sample.
pub(crate) trait Glyph {
    /// A note: no sample, the label in grey starting at the sample's column.
    fn is_note(&self) -> bool;
    /// Draws the sample into `at` of `area`.
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        at: &Slot,
    ) -> Result<(), PlotError>;
}

/// A boxed legend at the top of `area`; a label may hold line breaks.
pub(crate) fn draw_legend<DB: DrawingBackend, G: Glyph>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(G, String)],
    layout: &Layout,
) -> Result<(), PlotError> {
    const LINE_H: i32 = 17;
    let row_h = layout.row_h;
    let style = TextStyle::from((FONT, 14).into_font()).color(&BLACK);
    let note = TextStyle::from((FONT, 13).into_font()).color(&NOTE);
    let (w, _) = area.dim_in_pixel();
    let (x0, y0) = (layout.x0, layout.y0);
    let x1 = i32::try_from(w).unwrap_or(0) - layout.right_inset;
    let (gx0, gx1) = (x0 + 10, x0 + 10 + layout.glyph_w);
    let height = |label: &str| row_h + LINE_H * label.lines().count().saturating_sub(1) as i32;
    let y1 = y0 + 10 + entries.iter().map(|e| height(&e.1)).sum::<i32>();
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], WHITE.filled()))
        .map_err(draw_err)?;
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        RGBColor(160, 160, 160),
    ))
    .map_err(draw_err)?;
    let mut y = y0 + 5;
    for (glyph, label) in entries {
        let mid = y + row_h / 2;
        let slot = Slot {
            gx0,
            gx1,
            y,
            mid,
            row_h,
        };
        glyph.draw(area, &slot)?;
        let (x, style) = if glyph.is_note() {
            (gx0, &note)
        } else {
            (gx1 + layout.text_gap, &style)
        };
        for (k, line) in label.lines().enumerate() {
            let pos = (x, mid - 8 + LINE_H * k as i32);
            area.draw(&Text::new(line, pos, style.clone()))
                .map_err(draw_err)?;
        }
        y += height(label);
    }
    Ok(())
}

/// A legend sample of the run timeline.
pub(crate) enum RunGlyph {
    /// A line of this colour and width.
    Line(RGBColor, u32),
    /// A vertical dashed line (failure marker).
    Dashed(RGBColor),
    /// No sample, a grey note.
    Note,
    /// A filled bar (checkpoint span).
    Bar(RGBColor),
    /// A filled block (shaded span).
    Shade(RGBColor),
}

impl Glyph for RunGlyph {
    fn is_note(&self) -> bool {
        matches!(self, RunGlyph::Note)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        at: &Slot,
    ) -> Result<(), PlotError> {
        let &Slot {
            gx0,
            gx1,
            y,
            mid,
            row_h,
        } = at;
        match self {
            RunGlyph::Line(c, width) => area.draw(&PathElement::new(
                vec![(gx0, mid), (gx1, mid)],
                c.stroke_width(*width + 1),
            )),
            RunGlyph::Dashed(c) => [(y + 2, y + 9), (y + 14, y + row_h - 2)]
                .into_iter()
                .try_for_each(|(a, b)| {
                    area.draw(&PathElement::new(
                        vec![(gx0 + 15, a), (gx0 + 15, b)],
                        c.stroke_width(2),
                    ))
                }),
            RunGlyph::Note => Ok(()),
            RunGlyph::Bar(c) => area.draw(&Rectangle::new(
                [(gx0, mid - 4), (gx1, mid + 4)],
                c.filled(),
            )),
            RunGlyph::Shade(c) => area.draw(&Rectangle::new(
                [(gx0, y + 3), (gx1, y + row_h - 3)],
                c.filled(),
            )),
        }
        .map_err(draw_err)
    }
}

/// A legend sample of the sweep charts.
pub(crate) enum SweepGlyph {
    /// Series line with dots over its CI band.
    Series(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A vertical dashed line.
    Vertical(RGBColor),
    /// A star marker.
    Star(RGBColor),
    /// The box glyph of the duration chart: box, median, whisker, max.
    Box(RGBColor),
    /// The whisker of the duration chart.
    Whisker(RGBColor),
    /// The max marker of the duration chart.
    MaxMark(RGBColor),
    /// No sample, a grey note.
    Note,
}

impl Glyph for SweepGlyph {
    fn is_note(&self) -> bool {
        matches!(self, SweepGlyph::Note)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        at: &Slot,
    ) -> Result<(), PlotError> {
        let &Slot {
            gx0,
            gx1,
            y,
            mid,
            row_h,
        } = at;
        let gm = (gx0 + gx1) / 2;
        match self {
            SweepGlyph::Series(c) => {
                area.draw(&Rectangle::new(
                    [(gx0, mid - 8), (gx1, mid + 8)],
                    c.mix(0.16).filled(),
                ))
                .map_err(draw_err)?;
                area.draw(&PathElement::new(
                    vec![(gx0, mid), (gx1, mid)],
                    c.stroke_width(2),
                ))
                .map_err(draw_err)?;
                area.draw(&Circle::new((gm, mid), 4, c.filled()))
                    .map_err(draw_err)?;
            }
            SweepGlyph::Dashed(c) => {
                for (a, b) in [(gx0, gx0 + 9), (gx0 + 14, gx0 + 23), (gx0 + 28, gx1)] {
                    area.draw(&PathElement::new(
                        vec![(a, mid), (b, mid)],
                        c.stroke_width(2),
                    ))
                    .map_err(draw_err)?;
                }
            }
            SweepGlyph::Vertical(c) => {
                for (a, b) in [(y + 2, y + 10), (y + 15, y + row_h - 2)] {
                    area.draw(&PathElement::new(vec![(gm, a), (gm, b)], c.stroke_width(2)))
                        .map_err(draw_err)?;
                }
            }
            SweepGlyph::Star(c) => area
                .draw(&Cross::new((gm, mid), 6, c.stroke_width(3)))
                .map_err(draw_err)?,
            SweepGlyph::Box(c) => {
                area.draw(&Rectangle::new(
                    [(gm - 9, mid - 9), (gm + 9, mid + 9)],
                    c.mix(0.3).filled(),
                ))
                .map_err(draw_err)?;
                area.draw(&Rectangle::new(
                    [(gm - 9, mid - 9), (gm + 9, mid + 9)],
                    c.stroke_width(1),
                ))
                .map_err(draw_err)?;
                area.draw(&PathElement::new(
                    vec![(gm - 9, mid), (gm + 9, mid)],
                    c.stroke_width(3),
                ))
                .map_err(draw_err)?;
            }
            SweepGlyph::Whisker(c) => {
                area.draw(&PathElement::new(
                    vec![(gm, mid + 10), (gm, mid - 8)],
                    c.stroke_width(2),
                ))
                .map_err(draw_err)?;
                area.draw(&PathElement::new(
                    vec![(gm - 6, mid - 8), (gm + 6, mid - 8)],
                    c.stroke_width(2),
                ))
                .map_err(draw_err)?;
            }
            SweepGlyph::MaxMark(c) => area
                .draw(&TriangleMarker::new((gm, mid), 6, c.filled()))
                .map_err(draw_err)?,
            SweepGlyph::Note => {}
        }
        Ok(())
    }
}
