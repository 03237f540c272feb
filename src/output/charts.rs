//! Charts of simulation results, rendered with `plotters` into SVG text or PNG bytes.
//!
//! Six kinds of chart exist:
//!
//! - [`line_chart`]: lines with an optional band (for example p5..p95) around each, with a
//!   linear or logarithmic x axis;
//! - [`heatmap`]: a grid of categories coloured by value (viridis), with a colour bar and
//!   hatched grey cells where there is no data;
//! - [`cdf_chart`]: empirical cumulative distribution functions of raw samples;
//! - [`gantt`]: one row per lane (for example a node) with one bar per pod, coloured by
//!   [`Outcome`]; pods that overlap in time on one lane are stacked in sub-rows;
//! - [`step_chart`]: step functions over time, such as running / pending / failed pods;
//! - [`pareto_chart`]: a scatter of configurations with the Pareto front (minimise both x
//!   and y) marked and connected.
//!
//! Every chart has a title, axis descriptions and a legend panel to the right of the plot,
//! so that it can be read without explanation.
//!
//! # Determinism
//!
//! The same input always gives the same bytes, in SVG and in PNG, on every run and every
//! machine: the font is embedded (DejaVu Sans, registered once as the `"sans-serif"` family
//! with `plotters`' pure-Rust `ab_glyph` renderer, so neither fontconfig nor system fonts
//! are ever consulted), axis ranges and ticks are computed here with plain IEEE arithmetic
//! (logarithms come from the pure-Rust `libm`), no hash-map order or clock is involved, and
//! PNGs are encoded with fixed `png` settings (no timestamps or other varying chunks).
//! The bitmap backend is wrapped to fix two drawing defects of `plotters` 0.3.7 (glyph
//! spacing and spikes on thick zigzag lines); see `PngBackend`.
//! Tests compare charts by hash, so any change to this module may change golden hashes.
//!
//! # Units
//!
//! A numeric axis (or heatmap value) whose description ends in `[s]` or `(s)` is a time in
//! seconds. When its range exceeds two hours it is shown in minutes (up to 12 h) or hours,
//! and the unit in the description is rewritten (`"time [s]"` becomes `"time [h]"`), so
//! tick labels stay short round numbers. Other numbers use compact tick labels such as
//! `1.5k` or `2M`.
//!
//! # Robustness
//!
//! No input makes these functions panic. Non-finite values and values beyond ±1e15 are
//! skipped (the legend panel says how many), empty inputs give an empty chart that says
//! "no data", ranges of equal values are padded, and very large inputs are reduced to what
//! the pixels can show (lines: first/min/max/last point per pixel column; Gantt bars:
//! neighbouring sub-pixel bars of one outcome are merged; scatter: one marker per few
//! pixels),
//! so that 100,000 points still render quickly and SVG files stay small.
//!
//! Callers need no set-up: the font is registered on first use.

use std::ops::Range;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind};

/// Why a chart could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("drawing chart {chart}: {message}")]
    Draw { chart: String, message: String },
    #[error("writing {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Output format of a chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
}

impl Format {
    /// File-name extension for this format, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
}

/// A rendered chart held in memory: the bytes of the SVG text or of the PNG file. Callers
/// write files themselves (atomically).
#[derive(Clone, PartialEq, Eq)]
pub struct Chart {
    pub bytes: Vec<u8>,
    pub format: Format,
}

impl std::fmt::Debug for Chart {
    // The bytes are an image, so printing them would only flood logs and test output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chart")
            .field("format", &self.format)
            .field("len_bytes", &self.bytes.len())
            .finish()
    }
}

/// A line with an optional band (e.g. p5..p95) around it.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    /// (x, y) points; they are drawn in increasing x order.
    pub points: Vec<(f64, f64)>,
    /// (x, lo, hi) triples of the band; `lo > hi` is accepted and swapped.
    pub band: Option<Vec<(f64, f64, f64)>>,
}

/// How a pod (a Gantt bar) ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Succeeded,
    Failed,
    Evicted,
    Running,
}

impl Outcome {
    /// All outcomes in legend order.
    pub const ALL: [Outcome; 4] = [
        Outcome::Succeeded,
        Outcome::Failed,
        Outcome::Evicted,
        Outcome::Running,
    ];

    /// Lower-case name used in legends.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Evicted => "evicted",
            Outcome::Running => "running",
        }
    }

    /// The colour of this outcome, the same in every chart (Okabe–Ito, colour-blind safe).
    fn colour(self) -> RGBColor {
        match self {
            Outcome::Succeeded => OI_GREEN,
            Outcome::Failed => OI_VERMILLION,
            Outcome::Evicted => OI_ORANGE,
            Outcome::Running => OI_BLUE,
        }
    }
}

/// One bar of a Gantt chart: a pod on a lane from `start` to `end` (same unit as the x axis,
/// normally seconds). A `Running` bar may have an infinite `end`: it then runs to the end of
/// the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub lane: usize,
    pub start: f64,
    pub end: f64,
    pub outcome: Outcome,
}

/// Width of every chart, in pixels.
pub const WIDTH_PX: u32 = 960;
/// Height of every chart except the Gantt chart, in pixels.
pub const HEIGHT_PX: u32 = 600;
/// The Gantt chart grows with its lanes up to this height, in pixels.
pub const GANTT_MAX_HEIGHT_PX: u32 = 4000;

/// Draws lines (one per series, in increasing x order) with optional bands around them.
/// With `log_x`, x values that are not positive cannot be drawn and are skipped.
pub fn line_chart(
    format: Format,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_x: bool,
) -> Result<Chart, ChartError> {
    let plot = LinePlot::new(title, x_label, y_label, series, log_x);
    render(format, "line chart", title, (WIDTH_PX, HEIGHT_PX), &plot)
}

/// Draws a heatmap. `cells` are (x category index, y category index, value); a value of
/// `None` (or NaN, or a cell not listed at all) means no data and is drawn hatched grey.
/// When a cell is listed twice the last value wins; indices out of range are skipped.
/// `y_cats[0]` is the bottom row. A colour bar shows min..max with `value_label` (units).
#[allow(clippy::too_many_arguments)] // The signature is the agreed public API.
pub fn heatmap(
    format: Format,
    title: &str,
    x_label: &str,
    y_label: &str,
    value_label: &str,
    x_cats: &[String],
    y_cats: &[String],
    cells: &[(usize, usize, Option<f64>)],
) -> Result<Chart, ChartError> {
    // A grid beyond a few million cells cannot be shown in 960×600 pixels, and allocating
    // it could exhaust memory, so it is refused rather than attempted.
    let cell_count = x_cats.len().saturating_mul(y_cats.len());
    if cell_count > MAX_HEATMAP_CELLS {
        return Err(ChartError::Draw {
            chart: format!("heatmap \"{title}\""),
            message: format!(
                "{} × {} categories is more than the {MAX_HEATMAP_CELLS} cells a heatmap can show",
                x_cats.len(),
                y_cats.len()
            ),
        });
    }
    let plot = HeatmapPlot::new(title, x_label, y_label, value_label, x_cats, y_cats, cells);
    render(format, "heatmap", title, (WIDTH_PX, HEIGHT_PX), &plot)
}

/// The largest heatmap grid (x categories × y categories) that is drawn.
pub const MAX_HEATMAP_CELLS: usize = 4_000_000;

/// Draws the empirical CDF of each series (name, raw sample values) as a step function
/// from 0 to 1.
pub fn cdf_chart(
    format: Format,
    title: &str,
    x_label: &str,
    samples: &[(String, Vec<f64>)],
) -> Result<Chart, ChartError> {
    let plot = CdfPlot::new(title, x_label, samples);
    render(format, "CDF chart", title, (WIDTH_PX, HEIGHT_PX), &plot)
}

/// Draws a Gantt chart: one row per lane (lane 0 at the top), bars coloured by outcome.
/// Bars that overlap in time on one lane are stacked in sub-rows of that lane. The height
/// grows with the number of lanes up to [`GANTT_MAX_HEIGHT_PX`]; with many lanes only every
/// k-th lane is labelled.
pub fn gantt(
    format: Format,
    title: &str,
    x_label: &str,
    lanes: &[String],
    bars: &[Bar],
) -> Result<Chart, ChartError> {
    let plot = GanttPlot::new(title, x_label, lanes, bars);
    let height_px = gantt_height_px(lanes.len());
    render(format, "Gantt chart", title, (WIDTH_PX, height_px), &plot)
}

/// Draws step functions over time: each series is (name, (time, value) change points); the
/// value holds until the next change point and the last value holds to the end of the
/// chart. Change points are taken in time order; of several at one time the last wins.
pub fn step_chart(
    format: Format,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(String, Vec<(f64, f64)>)],
) -> Result<Chart, ChartError> {
    let plot = StepPlot::new(title, x_label, y_label, series);
    render(format, "step chart", title, (WIDTH_PX, HEIGHT_PX), &plot)
}

/// Draws a scatter of labelled points with the Pareto front (no other point is at least as
/// small in both x and y and smaller in one) highlighted and connected.
pub fn pareto_chart(
    format: Format,
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[(f64, f64, String)],
) -> Result<Chart, ChartError> {
    let plot = ParetoPlot::new(title, x_label, y_label, points);
    render(format, "Pareto chart", title, (WIDTH_PX, HEIGHT_PX), &plot)
}

// ---------------------------------------------------------------------------------------
// Rendering plumbing: font, backends, PNG encoding.
// ---------------------------------------------------------------------------------------

/// DejaVu Sans (Bitstream Vera licence, see assets/DejaVuSans-LICENSE.txt). Embedded so
/// that text looks the same everywhere and no system font is ever looked up.
static FONT_TTF: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// The family every text style here uses; `plotters` also uses it for its defaults.
const FONT_FAMILY: &str = "sans-serif";

/// Registers the embedded font once per process. `plotters` keeps fonts in a global table,
/// so registering again would be harmless but wasteful; the result is remembered so that
/// a broken font is reported on every call rather than only the first.
fn ensure_font() -> Result<(), String> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_TTF).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err("the embedded font DejaVuSans.ttf could not be parsed".to_string())
    }
}

/// Result of drawing onto a backend; the message says what failed.
type DrawResult<T = ()> = Result<T, String>;

/// Turns any `plotters` error into our message type.
fn de<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// A chart ready to be drawn on any backend. Each chart kind prepares its data once (in
/// `new`) and then draws it on the SVG or bitmap backend.
trait Plot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult;
}

/// Draws `plot` on the backend for `format` and returns the file bytes.
fn render(
    format: Format,
    kind: &str,
    title: &str,
    (width_px, height_px): (u32, u32),
    plot: &impl Plot,
) -> Result<Chart, ChartError> {
    let fail = |message: String| ChartError::Draw {
        chart: format!("{kind} \"{title}\""),
        message,
    };
    ensure_font().map_err(fail)?;
    let bytes = match format {
        Format::Svg => {
            let mut svg = String::new();
            {
                let root =
                    SVGBackend::with_string(&mut svg, (width_px, height_px)).into_drawing_area();
                plot.draw(&root).map_err(fail)?;
                root.present().map_err(|e| fail(de(e)))?;
            }
            svg.into_bytes()
        }
        Format::Png => {
            let mut rgb = vec![0u8; width_px as usize * height_px as usize * 3];
            {
                let bitmap = BitMapBackend::<plotters::backend::RGBPixel>::with_buffer_and_format(
                    &mut rgb,
                    (width_px, height_px),
                )
                .map_err(|e| fail(de(e)))?;
                let root = PngBackend { inner: bitmap }.into_drawing_area();
                plot.draw(&root).map_err(fail)?;
                root.present().map_err(|e| fail(de(e)))?;
            }
            encode_png(&rgb, width_px, height_px).map_err(fail)?
        }
    };
    Ok(Chart { bytes, format })
}

/// Encodes an RGB buffer as PNG with fixed settings. The `png` crate writes no time or
/// other varying chunk, and both the per-row filter choice (adaptive: a fixed heuristic
/// over the pixels) and `fdeflate`'s fast compression are pure functions of the pixels, so
/// the bytes depend only on the pixels and the crate versions. Unlike the default level,
/// the fast mode does not go through `flate2`, whose output would change if some other
/// crate in the build switched `flate2` to a C zlib backend. (Adaptive filtering keeps the
/// files within about 1.5× of the default level: typically 20–80 kB.)
fn encode_png(rgb: &[u8], width_px: u32, height_px: u32) -> DrawResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width_px, height_px);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::FilterType::Sub);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    let mut writer = encoder.write_header().map_err(de)?;
    writer.write_image_data(rgb).map_err(de)?;
    writer.finish().map_err(de)?;
    Ok(out)
}

/// The bitmap backend with two drawing defects of `plotters` 0.3.7 fixed.
///
/// - Text: `plotters`' `ab_glyph` drawing places every glyph at a whole pixel and ignores
///   its left side bearing, which makes words look unevenly spaced ("tim e"). This wrapper
///   draws text itself, with the same font, size, anchor, baseline and rotation as
///   `plotters` (so layout is unchanged), placing each glyph at its fractional pen position
///   with its bearing.
/// - Wide lines: see `draw_path`.
///
/// Everything else is passed to the bitmap backend unchanged. (The SVG backend needs
/// neither fix: the viewer lays out text and joins lines.)
struct PngBackend<'a> {
    inner: BitMapBackend<'a>,
}

/// The embedded font parsed for our own glyph drawing.
fn glyph_font() -> Option<&'static ab_glyph::FontRef<'static>> {
    static FONT: OnceLock<Option<ab_glyph::FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| ab_glyph::FontRef::try_from_slice(FONT_TTF).ok())
        .as_ref()
}

impl DrawingBackend for PngBackend<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        colour: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, colour)
    }

    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if style.stroke_width() <= 1 {
            return self.inner.draw_path(path, style);
        }
        // Wide polylines are drawn segment by segment: plotters' polygonizer mitres every
        // joint, and at the sharp zigzags of dense data the mitres become spikes across the
        // whole image. Separate segments with round joints cannot spike.
        let points: Vec<BackendCoord> = path.into_iter().collect();
        for pair in points.windows(2) {
            self.inner.draw_line(pair[0], pair[1], style)?;
        }
        if style.stroke_width() >= 3 {
            let radius = style.stroke_width() / 2;
            for &p in points.iter().skip(1).take(points.len().saturating_sub(2)) {
                self.inner.draw_circle(p, radius, &style.color(), true)?;
            }
        }
        Ok(())
    }

    fn draw_circle<S: plotters_backend::BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        use ab_glyph::{Font, ScaleFont};
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let Some(font) = glyph_font() else {
            // Unreachable in practice (the same bytes were registered with plotters), but
            // falling back to plotters' own drawing is better than failing.
            return self.inner.draw_text(text, style, pos);
        };
        // Anchor arithmetic exactly as in plotters' default `draw_text`.
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let (w, h) = self.get_size();
        let scaled = font.as_scaled(style.size() as f32);
        // plotters puts the baseline half a font size below the text origin.
        let baseline = style.size() as f32 / 2.0;
        let mut pen_x = 0.0f32;
        let mut previous = None;
        let mut coverage = Vec::new();
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(prev) = previous {
                pen_x += scaled.kern(prev, id);
            }
            previous = Some(id);
            let glyph =
                id.with_scale_and_position(scaled.scale(), ab_glyph::point(pen_x, baseline));
            pen_x += scaled.h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            coverage.clear();
            outline.draw(|x, y, c| coverage.push((x, y, c)));
            for &(x, y, c) in &coverage {
                let gx = bounds.min.x as i32 + x as i32;
                let gy = bounds.min.y as i32 + y as i32;
                let (tx, ty) = transform.transform(gx + dx - min_x, gy + dy - min_y);
                let (px, py) = (pos.0 + tx, pos.1 + ty);
                if px >= 0 && py >= 0 && px < w as i32 && py < h as i32 {
                    let alpha = colour.alpha * f64::from(c.clamp(0.0, 1.0));
                    self.inner.draw_pixel(
                        (px, py),
                        BackendColor {
                            alpha,
                            rgb: colour.rgb,
                        },
                    )?;
                }
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Colours and text styles.
// ---------------------------------------------------------------------------------------

// Okabe & Ito's colour-blind-safe palette.
const OI_BLUE: RGBColor = RGBColor(0, 114, 178);
const OI_VERMILLION: RGBColor = RGBColor(213, 94, 0);
const OI_GREEN: RGBColor = RGBColor(0, 158, 115);
const OI_ORANGE: RGBColor = RGBColor(230, 159, 0);
const OI_PURPLE: RGBColor = RGBColor(204, 121, 167);
const OI_SKY: RGBColor = RGBColor(86, 180, 233);
const OI_BLACK: RGBColor = RGBColor(0, 0, 0);
const OI_YELLOW: RGBColor = RGBColor(240, 228, 66);

/// Series colours in order of use. Yellow is last because it is hard to see on white.
const SERIES_COLOURS: [RGBColor; 8] = [
    OI_BLUE,
    OI_VERMILLION,
    OI_GREEN,
    OI_ORANGE,
    OI_PURPLE,
    OI_SKY,
    OI_BLACK,
    OI_YELLOW,
];

const TEXT_COLOUR: RGBColor = RGBColor(20, 20, 20);
const NOTE_COLOUR: RGBColor = RGBColor(100, 100, 100);
const GRID_COLOUR: RGBColor = RGBColor(222, 222, 222);
const MINOR_GRID_COLOUR: RGBColor = RGBColor(240, 240, 240);
const NO_DATA_FILL: RGBColor = RGBColor(225, 225, 225);
const NO_DATA_HATCH: RGBColor = RGBColor(160, 160, 160);

const TITLE_FONT_PX: f64 = 24.0;
const DESC_FONT_PX: f64 = 17.0;
const LABEL_FONT_PX: f64 = 15.0;
const LEGEND_FONT_PX: f64 = 15.0;
const NOTE_FONT_PX: f64 = 13.0;

/// Style of a series: its colour, and a dash for the second round of colours so that more
/// than eight series stay distinguishable.
#[derive(Clone, Copy)]
struct SeriesStyle {
    colour: RGBColor,
    dashed: bool,
}

fn series_style(index: usize) -> SeriesStyle {
    SeriesStyle {
        colour: SERIES_COLOURS[index % SERIES_COLOURS.len()],
        dashed: (index / SERIES_COLOURS.len()) % 2 == 1,
    }
}

fn font(size_px: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT_FAMILY), size_px, FontStyle::Normal)
}

fn text_style(size_px: f64, colour: RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: font(size_px),
        color: colour.to_backend_color(),
        pos: Pos::new(HPos::Left, VPos::Top),
    }
}

/// Width of `text` in pixels; 0 when the font cannot measure it (it then is not drawn
/// either, and the error surfaces there).
fn text_width_px(text: &str, size_px: f64) -> i32 {
    // Measuring needs the font registered, whichever chart (or test) comes first; without
    // it every text would measure 0 px wide.
    if ensure_font().is_err() {
        return 0;
    }
    font(size_px)
        .box_size(text)
        .map(|(w, _)| i32::try_from(w).unwrap_or(i32::MAX))
        .unwrap_or(0)
}

/// Shortens `text` with an ellipsis so that it fits in `max_px`.
fn ellipsize(text: &str, size_px: f64, max_px: i32) -> String {
    if text_width_px(text, size_px) <= max_px {
        return text.to_string();
    }
    // Binary search on the number of characters kept, so that very long texts cost
    // O(n log n) rather than O(n²) measurements.
    let chars: Vec<char> = text.chars().collect();
    let with_ellipsis = |n: usize| -> String {
        let mut s: String = chars[..n].iter().collect();
        s.push('…');
        s
    };
    let (mut fits, mut too_long) = (0, chars.len());
    while too_long - fits > 1 {
        let mid = (fits + too_long) / 2;
        if text_width_px(&with_ellipsis(mid), size_px) <= max_px {
            fits = mid;
        } else {
            too_long = mid;
        }
    }
    with_ellipsis(fits)
}

/// Viridis (matplotlib's perceptually uniform, colour-blind-friendly map) at 11 stops;
/// values in between are interpolated linearly.
const VIRIDIS: [(u8, u8, u8); 11] = [
    (68, 1, 84),
    (72, 36, 117),
    (65, 68, 135),
    (53, 95, 141),
    (42, 120, 142),
    (33, 145, 140),
    (34, 168, 132),
    (68, 191, 112),
    (122, 209, 81),
    (189, 223, 38),
    (253, 231, 37),
];

/// Colour of `t` in 0..=1 on the viridis map (clamped).
fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let scaled = t * (VIRIDIS.len() - 1) as f64;
    let i = (scaled.floor() as usize).min(VIRIDIS.len() - 2);
    let f = scaled - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

// ---------------------------------------------------------------------------------------
// Numbers, units and axes.
// ---------------------------------------------------------------------------------------

/// Values beyond this magnitude are treated as invalid: nothing in a simulation is that
/// large, and spans of such values overflow to infinity.
const MAX_ABS_VALUE: f64 = 1e15;

fn plottable(v: f64) -> bool {
    v.is_finite() && v.abs() <= MAX_ABS_VALUE
}

/// 10^k computed by repeated multiplication, which (unlike `powf`) needs no libm.
fn pow10(k: i32) -> f64 {
    let mut v = 1.0;
    for _ in 0..k.unsigned_abs().min(400) {
        v *= 10.0;
    }
    if k < 0 { 1.0 / v } else { v }
}

/// The largest power of ten not above `v` (> 0), found without logarithms.
fn decade_floor(v: f64) -> (f64, i32) {
    let mut k = 0;
    let mut p = 1.0;
    while p > v && k > -320 {
        k -= 1;
        p = pow10(k);
    }
    while p * 10.0 <= v && k < 320 {
        k += 1;
        p = pow10(k);
    }
    (p, k)
}

/// A round step (1, 2, 2.5 or 5 times a power of ten) giving at most about `max_ticks`
/// ticks over `span`.
fn nice_step(span: f64, max_ticks: usize) -> f64 {
    let raw = span / max_ticks.max(1) as f64;
    if raw.is_nan() || raw <= 0.0 || raw.is_infinite() {
        return 1.0;
    }
    let (mag, _) = decade_floor(raw);
    for m in [1.0, 2.0, 2.5, 5.0] {
        if m * mag >= raw * (1.0 - 1e-9) {
            return m * mag;
        }
    }
    10.0 * mag
}

/// How numbers on one axis are written: a common suffix (k, M, ...) and a fixed number of
/// decimals, so that neighbouring labels are consistent and distinct.
struct NumFormat {
    divisor: f64,
    suffix: &'static str,
    decimals: usize,
}

impl NumFormat {
    /// Chooses a format for ticks up to `max_abs` spaced `step` apart.
    fn for_ticks(max_abs: f64, step: f64) -> NumFormat {
        let (divisor, suffix) = if max_abs >= 1e12 {
            (1e12, "T")
        } else if max_abs >= 1e9 {
            (1e9, "G")
        } else if max_abs >= 1e6 {
            (1e6, "M")
        } else if max_abs >= 1e4 {
            (1e3, "k")
        } else {
            (1.0, "")
        };
        let scaled = step / divisor;
        let mut decimals = 0;
        while decimals < 12 {
            let shifted = scaled * pow10(decimals as i32);
            if (shifted - shifted.round()).abs() <= 1e-6 * shifted.abs().max(1.0) {
                break;
            }
            decimals += 1;
        }
        NumFormat {
            divisor,
            suffix,
            decimals,
        }
    }

    fn format(&self, v: f64) -> String {
        // Zero needs neither decimals nor a suffix ("0", not "0k" or "0.0").
        if v.abs() < 1e-9 * self.divisor * pow10(-(self.decimals as i32)) {
            return "0".to_string();
        }
        let text = format!("{:.*}{}", self.decimals, v / self.divisor, self.suffix);
        clean_negative_zero(text)
    }
}

/// Writes "-0", "-0.0" and so on as their positive form.
fn clean_negative_zero(text: String) -> String {
    match text.strip_prefix('-') {
        Some(rest)
            if rest
                .chars()
                .all(|c| c == '0' || c == '.' || !c.is_ascii_digit()) =>
        {
            if rest.chars().any(|c| c.is_ascii_digit() && c != '0') {
                text
            } else {
                rest.to_string()
            }
        }
        _ => text,
    }
}

/// A compact form of one number with about three significant digits, for labels that
/// stand alone (log-axis ticks, heatmap cells).
fn compact(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".to_string();
    }
    let a = v.abs();
    let (divisor, suffix) = if a >= 1e12 {
        (1e12, "T")
    } else if a >= 1e9 {
        (1e9, "G")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e4 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let scaled = v / divisor;
    if scaled.abs() < 1e-3 {
        return format!("{v:.0e}");
    }
    let decimals = if scaled.abs() >= 100.0 {
        0
    } else if scaled.abs() >= 10.0 {
        1
    } else if scaled.abs() >= 1.0 {
        2
    } else {
        3
    };
    let mut text = format!("{scaled:.decimals$}");
    if text.contains('.') {
        while text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
    }
    clean_negative_zero(format!("{text}{suffix}"))
}

/// The unit a time axis is shown in, chosen from the range of its values in seconds.
/// Returns the divisor to apply and the rewritten description, or `None` when the axis is
/// not a time in seconds or is short enough to stay in seconds.
fn time_unit(desc: &str, span_secs: f64) -> Option<(f64, String)> {
    const TWO_HOURS_SECS: f64 = 2.0 * 3600.0;
    const TWELVE_HOURS_SECS: f64 = 12.0 * 3600.0;
    let trimmed = desc.trim_end();
    let (stem, open, close) = if let Some(stem) = trimmed.strip_suffix("[s]") {
        (stem, '[', ']')
    } else if let Some(stem) = trimmed.strip_suffix("(s)") {
        (stem, '(', ')')
    } else {
        return None;
    };
    if span_secs.is_nan() || span_secs <= TWO_HOURS_SECS {
        return None;
    }
    let (divisor, unit) = if span_secs <= TWELVE_HOURS_SECS {
        (60.0, "min")
    } else {
        (3600.0, "h")
    };
    Some((divisor, format!("{stem}{open}{unit}{close}")))
}

/// How raw values map onto one plotted axis: a unit divisor and optionally log10.
#[derive(Clone, Debug)]
struct Scale {
    desc: String,
    divisor: f64,
    log: bool,
}

impl Scale {
    /// Chooses the unit from the span of the values that will be drawn.
    fn new(desc: &str, log: bool, raw: impl IntoIterator<Item = f64>) -> Scale {
        let extent = extent(raw.into_iter().filter(|v| !log || *v > 0.0));
        let span = extent.map_or(0.0, |(lo, hi)| hi - lo);
        match time_unit(desc, span) {
            Some((divisor, desc)) => Scale { desc, divisor, log },
            None => Scale {
                desc: desc.to_string(),
                divisor: 1.0,
                log,
            },
        }
    }

    /// The plotted coordinate of a raw value, or `None` when it cannot be drawn.
    fn apply(&self, raw: f64) -> Option<f64> {
        if !plottable(raw) {
            return None;
        }
        let v = raw / self.divisor;
        if self.log {
            if v > 0.0 { Some(libm::log10(v)) } else { None }
        } else {
            Some(v)
        }
    }
}

/// Minimum and maximum of the plottable values, if any.
fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| plottable(*v))
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

fn merge_extents(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> Option<(f64, f64)> {
    match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => Some((a0.min(b0), a1.max(b1))),
        (x, None) | (None, x) => x,
    }
}

/// How an axis range is padded around the data.
#[derive(Clone, Copy)]
struct Padding {
    /// Fraction of the span added on each side.
    frac: f64,
    /// Start at zero when all data are non-negative and the minimum is near zero.
    from_zero: bool,
    /// Never pad below zero when all data are non-negative.
    clamp_nonneg: bool,
}

const PAD_DEFAULT: Padding = Padding {
    frac: 0.04,
    from_zero: false,
    clamp_nonneg: true,
};
const PAD_FROM_ZERO: Padding = Padding {
    frac: 0.04,
    from_zero: true,
    clamp_nonneg: true,
};

/// Label every k-th of `count` categories spread over `length_px` so that labels are at
/// least `min_spacing_px` apart.
fn label_every(count: usize, length_px: i32, min_spacing_px: i32) -> usize {
    let cell_px = length_px.max(1) as f64 / count.max(1) as f64;
    ((min_spacing_px.max(1) as f64 / cell_px).ceil() as usize).max(1)
}

/// One plotted axis: its range in plotted coordinates, labelled ticks and minor grid lines.
#[derive(Clone, Debug)]
struct Axis {
    desc: String,
    lo: f64,
    hi: f64,
    /// (position, label), sorted by position.
    ticks: Vec<(f64, String)>,
    minor: Vec<f64>,
}

impl Axis {
    /// A linear numeric axis around `data` (plotted coordinates), or 0..1 without data.
    fn linear(desc: &str, data: Option<(f64, f64)>, pad: Padding, max_ticks: usize) -> Axis {
        let (mut lo, mut hi) = data.unwrap_or((0.0, 1.0));
        let nonneg = pad.clamp_nonneg && lo >= 0.0;
        if pad.from_zero && lo >= 0.0 && lo <= 0.25 * hi {
            lo = 0.0;
        }
        let scale = lo.abs().max(hi.abs());
        if hi - lo <= scale * 1e-9 {
            let d = if scale > 0.0 { scale * 0.1 } else { 1.0 };
            lo -= d;
            hi += d;
            if nonneg && lo < 0.0 {
                lo = 0.0;
            }
        }
        let pad_by = (hi - lo) * pad.frac;
        let lo = if (nonneg && lo - pad_by < 0.0) || (pad.from_zero && lo == 0.0) {
            lo.min(0.0).max(if nonneg { 0.0 } else { lo - pad_by })
        } else {
            lo - pad_by
        };
        let hi = hi + pad_by;
        let step = nice_step(hi - lo, max_ticks);
        let first = (lo / step).ceil();
        let last = (hi / step).floor();
        let mut positions = Vec::new();
        if first.is_finite() && last.is_finite() && last - first <= 200.0 {
            let mut k = first;
            while k <= last {
                positions.push(k * step);
                k += 1.0;
            }
        }
        let max_abs = positions.iter().fold(0.0f64, |m, p| m.max(p.abs()));
        let fmt = NumFormat::for_ticks(max_abs, step);
        let ticks = positions.iter().map(|&p| (p, fmt.format(p))).collect();
        Axis {
            desc: desc.to_string(),
            lo,
            hi,
            ticks,
            minor: Vec::new(),
        }
    }

    /// A log10 axis around `data` (already log10 of the values).
    fn log10(desc: &str, data: Option<(f64, f64)>, max_ticks: usize) -> Axis {
        let (mut lo, mut hi) = data.unwrap_or((0.0, 1.0));
        if hi - lo < 1e-9 {
            lo -= 0.5;
            hi += 0.5;
        }
        let pad_by = (hi - lo) * 0.04;
        let (lo, hi) = (lo - pad_by, hi + pad_by);
        let decades = hi - lo;
        let first = lo.floor() as i32;
        let last = hi.ceil() as i32;
        let mantissas: &[f64] = if decades <= 3.0 {
            &[1.0, 2.0, 5.0]
        } else {
            &[1.0]
        };
        let every = ((decades / max_ticks.max(1) as f64).ceil() as i32).max(1);
        let mut ticks = Vec::new();
        let mut minor = Vec::new();
        for k in first..=last {
            let base = pow10(k);
            for &m in mantissas {
                let value = m * base;
                let pos = libm::log10(value);
                if pos >= lo && pos <= hi && (k - first) % every == 0 {
                    ticks.push((pos, compact(value)));
                }
            }
            if decades <= 6.0 {
                for m in 2..=9 {
                    let pos = libm::log10(m as f64 * base);
                    if pos >= lo && pos <= hi {
                        minor.push(pos);
                    }
                }
            }
        }
        if ticks.len() < 2 {
            // Less than a decade without a round value inside: fall back to linear ticks
            // on the values themselves, placed logarithmically.
            let (vlo, vhi) = (libm::pow(10.0, lo), libm::pow(10.0, hi));
            let step = nice_step(vhi - vlo, max_ticks.min(6));
            let fmt = NumFormat::for_ticks(vhi, step);
            ticks.clear();
            let mut k = (vlo / step).ceil();
            while k * step <= vhi && ticks.len() < 50 {
                let value = k * step;
                if value > 0.0 {
                    ticks.push((libm::log10(value), fmt.format(value)));
                }
                k += 1.0;
            }
        }
        minor.retain(|m| !ticks.iter().any(|(t, _)| (t - m).abs() < 1e-12));
        Axis {
            desc: desc.to_string(),
            lo,
            hi,
            ticks,
            minor,
        }
    }

    /// A numeric axis (linear or log) for `scale` around `data`.
    fn numeric(scale: &Scale, data: Option<(f64, f64)>, pad: Padding, max_ticks: usize) -> Axis {
        if scale.log {
            Axis::log10(&scale.desc, data, max_ticks)
        } else {
            Axis::linear(&scale.desc, data, pad, max_ticks)
        }
    }

    /// A category axis from 0 to `names.len()`, category i centred at i + 0.5 (or, when
    /// `top_down`, at n - i - 0.5), labelling every k-th category so labels keep at least
    /// `min_spacing_px` apart.
    fn categories(
        desc: &str,
        names: &[String],
        length_px: i32,
        min_spacing_px: i32,
        max_label_px: i32,
        top_down: bool,
    ) -> Axis {
        let n = names.len();
        let every = label_every(n, length_px, min_spacing_px);
        let mut ticks: Vec<(f64, String)> = names
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, name)| {
                let pos = if top_down {
                    n as f64 - i as f64 - 0.5
                } else {
                    i as f64 + 0.5
                };
                (pos, ellipsize(name, LABEL_FONT_PX, max_label_px))
            })
            .collect();
        ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
        Axis {
            desc: desc.to_string(),
            lo: 0.0,
            hi: n.max(1) as f64,
            ticks,
            minor: Vec::new(),
        }
    }

    fn coord(&self) -> AxisCoord {
        AxisCoord {
            lo: self.lo,
            hi: self.hi,
            ticks: self.ticks.iter().map(|t| t.0).collect(),
            minor: self.minor.clone(),
        }
    }

    /// The label of the tick at `pos` (the formatter is only asked about tick positions).
    fn label_at(&self, pos: f64) -> String {
        let idx = self
            .ticks
            .partition_point(|(p, _)| *p < pos - 1e-9 * pos.abs().max(1.0));
        match self.ticks.get(idx) {
            Some((p, label)) if (p - pos).abs() <= 1e-9 * pos.abs().max(1.0) => label.clone(),
            _ => String::new(),
        }
    }

    fn widest_label_px(&self) -> i32 {
        self.ticks
            .iter()
            .map(|(_, l)| text_width_px(l, LABEL_FONT_PX))
            .max()
            .unwrap_or(0)
    }
}

/// A linear `plotters` coordinate whose ticks (and minor grid lines) are exactly the ones
/// computed here. (`plotters`' own `WithKeyPoints` cannot be used with `configure_mesh` on
/// `f64`, and its automatic ticks would not match our labels.)
#[derive(Clone)]
struct AxisCoord {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
    minor: Vec<f64>,
}

impl Ranged for AxisCoord {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    /// Maps like `plotters`' `RangedCoordf64`, so pixels match what it would draw.
    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if span == 0.0 || !span.is_finite() || !v.is_finite() {
            return (limit.0 + limit.1) / 2;
        }
        let logic = (v - self.lo) / span;
        let actual = (limit.1 - limit.0) as f64;
        // Clamping far-away values keeps the cast to pixels meaningful.
        let logic = logic.clamp(-1e6, 1e6);
        if actual >= 0.0 {
            limit.0 + (actual * logic + 1e-3).floor() as i32
        } else {
            limit.0 + (actual * logic - 1e-3).ceil() as i32
        }
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

// ---------------------------------------------------------------------------------------
// Data reduction for large inputs.
// ---------------------------------------------------------------------------------------

/// Keeps the first, lowest, highest and last point of each run of points that fall in one
/// pixel column ("M4" reduction), which draws exactly like the full polyline. Points must
/// be sorted by x. Inputs with at most four points per column are returned unchanged.
fn downsample_polyline(
    points: &[(f64, f64)],
    x_lo: f64,
    x_hi: f64,
    columns: i32,
) -> Vec<(f64, f64)> {
    let columns = columns.max(1) as f64;
    if points.len() as f64 <= 4.0 * columns {
        return points.to_vec();
    }
    let span = x_hi - x_lo;
    let column_of = |x: f64| -> i64 {
        if span > 0.0 {
            ((x - x_lo) / span * columns).floor() as i64
        } else {
            0
        }
    };
    let mut out = Vec::new();
    let mut start = 0;
    while start < points.len() {
        let column = column_of(points[start].0);
        let run_len = points[start..]
            .iter()
            .take_while(|p| column_of(p.0) == column)
            .count()
            .max(1);
        let run = &points[start..start + run_len];
        let (mut i_min, mut i_max) = (0, 0);
        for (i, p) in run.iter().enumerate() {
            if p.1 < run[i_min].1 {
                i_min = i;
            }
            if p.1 > run[i_max].1 {
                i_max = i;
            }
        }
        let mut keep = [0, i_min, i_max, run_len - 1];
        keep.sort_unstable();
        let mut previous = None;
        for i in keep {
            if previous != Some(i) {
                out.push(run[i]);
                previous = Some(i);
            }
        }
        start += run_len;
    }
    out
}

/// Reduces a band (sorted by x) to its envelope per pixel column.
fn downsample_band(
    band: &[(f64, f64, f64)],
    x_lo: f64,
    x_hi: f64,
    columns: i32,
) -> Vec<(f64, f64, f64)> {
    let columns = columns.max(1) as f64;
    if band.len() as f64 <= 2.0 * columns {
        return band.to_vec();
    }
    let span = x_hi - x_lo;
    let column_of = |x: f64| -> i64 {
        if span > 0.0 {
            ((x - x_lo) / span * columns).floor() as i64
        } else {
            0
        }
    };
    let mut out = Vec::new();
    let mut start = 0;
    while start < band.len() {
        let column = column_of(band[start].0);
        let run_len = band[start..]
            .iter()
            .take_while(|p| column_of(p.0) == column)
            .count()
            .max(1);
        let run = &band[start..start + run_len];
        let lo = run.iter().fold(f64::INFINITY, |m, p| m.min(p.1));
        let hi = run.iter().fold(f64::NEG_INFINITY, |m, p| m.max(p.2));
        out.push((run[0].0, lo, hi));
        if run_len > 1 {
            out.push((run[run_len - 1].0, lo, hi));
        }
        start += run_len;
    }
    out
}

/// Sorts by x, keeping the input order of equal x (a stable sort), so output never depends
/// on the sort algorithm.
fn sort_by_x<T: Copy>(items: &mut [T], x: impl Fn(&T) -> f64) {
    items.sort_by(|a, b| x(a).total_cmp(&x(b)));
}

// ---------------------------------------------------------------------------------------
// Layout shared by all charts: title, legend panel, plot frame.
// ---------------------------------------------------------------------------------------

/// What a legend entry shows before its text.
#[derive(Clone, Copy)]
enum Swatch {
    Line {
        style: SeriesStyle,
        band: bool,
        marker: bool,
    },
    Marker {
        colour: RGBColor,
        radius: i32,
    },
    Block(RGBColor),
    NoData,
}

struct LegendEntry {
    swatch: Swatch,
    text: String,
}

/// A colour bar for the heatmap legend: a vertical viridis gradient with ticks.
struct ColourBar {
    desc: String,
    lo: f64,
    hi: f64,
    has_missing: bool,
}

/// Everything the shared frame needs to know.
struct FrameSpec<'a> {
    title: &'a str,
    legend: Vec<LegendEntry>,
    colour_bar: Option<ColourBar>,
    notes: Vec<String>,
    /// Draw vertical (x) and horizontal (y) grid lines.
    grid: (bool, bool),
    /// Repeat the x tick labels above the plot (tall charts).
    top_axis: bool,
}

const LEGEND_SWATCH_PX: i32 = 28;
const LEGEND_ROW_PX: i32 = 22;
const LEGEND_MIN_PX: i32 = 150;
const LEGEND_MAX_PX: i32 = 280;
const CHART_MARGIN_PX: i32 = 14;
const X_LABEL_AREA_PX: i32 = 58;
const TOP_LABEL_AREA_PX: i32 = 52;

type Ctx<'a, DB> = ChartContext<'a, DB, Cartesian2d<AxisCoord, AxisCoord>>;

/// Pixel geometry of the frame before anything is drawn, so that ticks and data reduction
/// can be sized to the real plot area.
struct Layout {
    title_h_px: i32,
    legend_w_px: i32,
    y_area_w_px: i32,
    plot_w_px: i32,
    plot_h_px: i32,
}

fn legend_width_px(spec: &FrameSpec) -> i32 {
    let entries = spec
        .legend
        .iter()
        .map(|e| LEGEND_SWATCH_PX + 10 + text_width_px(&e.text, LEGEND_FONT_PX))
        .max()
        .unwrap_or(0);
    let bar = spec
        .colour_bar
        .as_ref()
        .map_or(0, |b| text_width_px(&b.desc, LEGEND_FONT_PX).max(110));
    (entries.max(bar) + 24).clamp(LEGEND_MIN_PX, LEGEND_MAX_PX)
}

/// Computes the frame layout for a chart of `size` with a y axis whose labels are at most
/// `y_label_px` wide.
fn layout(size: (u32, u32), spec: &FrameSpec, y_label_px: i32) -> Layout {
    let (w, h) = (size.0 as i32, size.1 as i32);
    let title_h_px = (TITLE_FONT_PX / 1.24) as i32 + 10 + 6;
    let legend_w_px = legend_width_px(spec);
    let y_area_w_px = y_label_px.clamp(0, 260) + 10 + (DESC_FONT_PX as i32) + 14;
    let top = if spec.top_axis { TOP_LABEL_AREA_PX } else { 0 };
    let plot_w_px = (w - legend_w_px - 2 * CHART_MARGIN_PX - y_area_w_px).max(10);
    let plot_h_px = (h - title_h_px - 2 * CHART_MARGIN_PX - X_LABEL_AREA_PX - top).max(10);
    Layout {
        title_h_px,
        legend_w_px,
        y_area_w_px,
        plot_w_px,
        plot_h_px,
    }
}

/// Draws the background, title, legend panel, axes and grid, and returns the chart
/// context for the data. Axes must already be sized with `layout`.
fn draw_frame<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    spec: &FrameSpec,
    lay: &Layout,
    x: &Axis,
    y: &Axis,
) -> DrawResult<Ctx<'a, DB>> {
    root.fill(&WHITE).map_err(de)?;
    let (w, _) = root.dim_in_pixel();
    let title = ellipsize(spec.title, TITLE_FONT_PX, w as i32 - 40);
    root.draw(&Text::new(
        title,
        (w as i32 / 2, 8),
        text_style(TITLE_FONT_PX, TEXT_COLOUR).pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(de)?;
    let body = root.margin(lay.title_h_px, 0, 0, 0);
    let (body_w, _) = body.dim_in_pixel();
    let (chart_area, legend_area) = body.split_horizontally(body_w as i32 - lay.legend_w_px);

    let mut builder = ChartBuilder::on(&chart_area);
    builder
        .margin(CHART_MARGIN_PX)
        .x_label_area_size(X_LABEL_AREA_PX)
        .y_label_area_size(lay.y_area_w_px);
    if spec.top_axis {
        builder.set_label_area_size(LabelAreaPosition::Top, TOP_LABEL_AREA_PX);
    }
    let mut chart = builder
        .build_cartesian_2d(x.coord(), y.coord())
        .map_err(de)?;

    let x_fmt = |v: &f64| x.label_at(*v);
    let y_fmt = |v: &f64| y.label_at(*v);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x.desc.as_str())
        .y_desc(y.desc.as_str())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(text_style(LABEL_FONT_PX, TEXT_COLOUR))
        .axis_desc_style(text_style(DESC_FONT_PX, TEXT_COLOUR))
        .axis_style(ShapeStyle::from(RGBColor(80, 80, 80)).stroke_width(1))
        .bold_line_style(ShapeStyle::from(GRID_COLOUR).stroke_width(1))
        .light_line_style(ShapeStyle::from(MINOR_GRID_COLOUR).stroke_width(1))
        .set_all_tick_mark_size(5);
    if !spec.grid.0 {
        mesh.disable_x_mesh();
    }
    if !spec.grid.1 {
        mesh.disable_y_mesh();
    }
    mesh.draw().map_err(de)?;

    draw_legend_panel(&legend_area, spec, CHART_MARGIN_PX, lay.plot_h_px)?;
    Ok(chart)
}

/// Writes a grey "no data" (or other) note in the middle of the plot area.
fn draw_centre_note<DB: DrawingBackend>(chart: &Ctx<'_, DB>, text: &str) -> DrawResult {
    let area = chart.plotting_area();
    let (xr, yr) = area.get_pixel_range();
    let centre = ((xr.start + xr.end) / 2, (yr.start + yr.end) / 2);
    let style = text_style(22.0, NOTE_COLOUR).pos(Pos::new(HPos::Center, VPos::Center));
    // Draw on the backend directly: the plotting area works in data coordinates.
    let root = area.strip_coord_spec();
    let (x0, y0) = root.get_base_pixel();
    root.draw(&Text::new(
        text.to_string(),
        (centre.0 - x0, centre.1 - y0),
        style,
    ))
    .map_err(de)
}

fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    (x, y): (i32, i32),
) -> DrawResult {
    match swatch {
        Swatch::Line {
            style,
            band,
            marker,
        } => {
            if band {
                area.draw(&Rectangle::new(
                    [(x, y - 6), (x + LEGEND_SWATCH_PX, y + 6)],
                    style.colour.mix(0.2).filled(),
                ))
                .map_err(de)?;
            }
            let line_style = ShapeStyle::from(style.colour).stroke_width(3);
            if style.dashed {
                for (a, b) in [(0, 8), (12, 20), (24, LEGEND_SWATCH_PX)] {
                    area.draw(&PathElement::new(vec![(x + a, y), (x + b, y)], line_style))
                        .map_err(de)?;
                }
            } else {
                area.draw(&PathElement::new(
                    vec![(x, y), (x + LEGEND_SWATCH_PX, y)],
                    line_style,
                ))
                .map_err(de)?;
            }
            if marker {
                area.draw(&Circle::new(
                    (x + LEGEND_SWATCH_PX / 2, y),
                    4,
                    style.colour.filled(),
                ))
                .map_err(de)?;
            }
        }
        Swatch::Marker { colour, radius } => {
            area.draw(&Circle::new(
                (x + LEGEND_SWATCH_PX / 2, y),
                radius,
                colour.filled(),
            ))
            .map_err(de)?;
        }
        Swatch::Block(colour) => {
            area.draw(&Rectangle::new(
                [(x + 2, y - 7), (x + LEGEND_SWATCH_PX - 2, y + 7)],
                colour.filled(),
            ))
            .map_err(de)?;
        }
        Swatch::NoData => {
            let (x0, y0, x1, y1) = (x + 2, y - 7, x + LEGEND_SWATCH_PX - 2, y + 7);
            area.draw(&Rectangle::new([(x0, y0), (x1, y1)], NO_DATA_FILL.filled()))
                .map_err(de)?;
            for k in (0..(x1 - x0 + (y1 - y0))).step_by(5) {
                // A diagonal from the bottom edge towards the top right, clipped to the box.
                let (sx, sy) = (x0 + k, y1);
                let (sx, sy) = if sx > x1 {
                    (x1, y1 - (sx - x1))
                } else {
                    (sx, sy)
                };
                let (ex, ey) = (x0 + k - (y1 - y0), y0);
                let (ex, ey) = if ex < x0 {
                    (x0, y0 + (x0 - ex))
                } else {
                    (ex, ey)
                };
                if sy >= y0 && ey <= y1 {
                    area.draw(&PathElement::new(vec![(sx, sy), (ex, ey)], NO_DATA_HATCH))
                        .map_err(de)?;
                }
            }
        }
    }
    Ok(())
}

/// Splits `text` into lines of at most `max_px`, at spaces where possible.
fn wrap(text: &str, size_px: f64, max_px: i32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if line.is_empty() || text_width_px(&candidate, size_px) <= max_px {
            line = candidate;
        } else {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
        .into_iter()
        .map(|l| ellipsize(&l, size_px, max_px))
        .collect()
}

/// Left padding of the legend panel, which also separates it from the plot.
const PANEL_PAD_PX: i32 = 12;
const NOTE_LINE_PX: i32 = 17;

/// Draws the legend entries (or colour bar) and, below them, notes in the right-hand panel.
fn draw_legend_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &FrameSpec,
    top_px: i32,
    plot_h_px: i32,
) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let text_x = PANEL_PAD_PX + LEGEND_SWATCH_PX + 8;
    let max_text_px = w - text_x - 6;
    let legend_style =
        text_style(LEGEND_FONT_PX, TEXT_COLOUR).pos(Pos::new(HPos::Left, VPos::Center));
    let note_lines: Vec<String> = spec
        .notes
        .iter()
        .flat_map(|n| wrap(n, NOTE_FONT_PX, w - PANEL_PAD_PX - 6))
        .collect();
    let notes_h =
        note_lines.len() as i32 * NOTE_LINE_PX + if note_lines.is_empty() { 0 } else { 8 };
    let mut y = top_px + LEGEND_ROW_PX / 2;

    if let Some(bar) = &spec.colour_bar {
        y = draw_colour_bar(area, bar, top_px, plot_h_px, w)?;
    }

    let rows_available = ((h - 10 - notes_h - y) / LEGEND_ROW_PX).max(1) as usize;
    let shown = if spec.legend.len() > rows_available {
        rows_available.saturating_sub(1)
    } else {
        spec.legend.len()
    };
    for entry in spec.legend.iter().take(shown) {
        draw_swatch(area, entry.swatch, (PANEL_PAD_PX, y))?;
        area.draw(&Text::new(
            ellipsize(&entry.text, LEGEND_FONT_PX, max_text_px),
            (text_x, y),
            legend_style.clone(),
        ))
        .map_err(de)?;
        y += LEGEND_ROW_PX;
    }
    if shown < spec.legend.len() {
        area.draw(&Text::new(
            format!("… and {} more", spec.legend.len() - shown),
            (text_x, y),
            legend_style.clone(),
        ))
        .map_err(de)?;
        y += LEGEND_ROW_PX;
    }

    let note_style = text_style(NOTE_FONT_PX, NOTE_COLOUR).pos(Pos::new(HPos::Left, VPos::Center));
    let mut note_y = y - LEGEND_ROW_PX / 2 + 8 + NOTE_LINE_PX / 2;
    for line in note_lines {
        area.draw(&Text::new(line, (PANEL_PAD_PX, note_y), note_style.clone()))
            .map_err(de)?;
        note_y += NOTE_LINE_PX;
    }
    Ok(())
}

/// Draws the heatmap colour bar and returns the y where legend entries may continue.
fn draw_colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    bar: &ColourBar,
    top_px: i32,
    plot_h_px: i32,
    width_px: i32,
) -> DrawResult<i32> {
    let desc_style = text_style(LEGEND_FONT_PX, TEXT_COLOUR).pos(Pos::new(HPos::Left, VPos::Top));
    area.draw(&Text::new(
        ellipsize(&bar.desc, LEGEND_FONT_PX, width_px - PANEL_PAD_PX - 6),
        (PANEL_PAD_PX, top_px),
        desc_style,
    ))
    .map_err(de)?;
    let bar_top = top_px + 26;
    let reserved_below = if bar.has_missing { 40 } else { 10 };
    let bar_h = (plot_h_px - 26 - reserved_below).clamp(40, 600);
    let bar_bottom = bar_top + bar_h;
    let (bar_x0, bar_x1) = (PANEL_PAD_PX + 4, PANEL_PAD_PX + 26);
    // Four pixels per strip keeps the SVG small while looking continuous.
    let strips = (bar_h / 4).max(1);
    for s in 0..strips {
        let y0 = bar_bottom - (s + 1) * bar_h / strips;
        let y1 = bar_bottom - s * bar_h / strips;
        let t = (s as f64 + 0.5) / strips as f64;
        area.draw(&Rectangle::new(
            [(bar_x0, y0), (bar_x1, y1)],
            viridis(t).filled(),
        ))
        .map_err(de)?;
    }
    area.draw(&Rectangle::new(
        [(bar_x0, bar_top), (bar_x1, bar_bottom)],
        ShapeStyle::from(RGBColor(80, 80, 80)).stroke_width(1),
    ))
    .map_err(de)?;
    let axis = Axis::linear(
        "",
        Some((bar.lo, bar.hi)),
        Padding {
            frac: 0.0,
            from_zero: false,
            clamp_nonneg: false,
        },
        (bar_h / 40).max(2) as usize,
    );
    let label_style =
        text_style(LABEL_FONT_PX, TEXT_COLOUR).pos(Pos::new(HPos::Left, VPos::Center));
    let span = bar.hi - bar.lo;
    for (pos, label) in &axis.ticks {
        if *pos < bar.lo - 1e-9 * span.abs() || *pos > bar.hi + 1e-9 * span.abs() {
            continue;
        }
        let t = if span > 0.0 {
            (pos - bar.lo) / span
        } else {
            0.5
        };
        let py = bar_bottom - (t * bar_h as f64).round() as i32;
        area.draw(&PathElement::new(
            vec![(bar_x1, py), (bar_x1 + 5, py)],
            RGBColor(80, 80, 80),
        ))
        .map_err(de)?;
        area.draw(&Text::new(
            label.clone(),
            (bar_x1 + 8, py),
            label_style.clone(),
        ))
        .map_err(de)?;
    }
    let mut y = bar_bottom + 20;
    if bar.has_missing {
        draw_swatch(area, Swatch::NoData, (PANEL_PAD_PX, y))?;
        area.draw(&Text::new(
            "no data".to_string(),
            (PANEL_PAD_PX + LEGEND_SWATCH_PX + 8, y),
            text_style(LEGEND_FONT_PX, TEXT_COLOUR).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(de)?;
        y += LEGEND_ROW_PX;
    }
    Ok(y)
}

/// "2nd", "3rd", "11th", ... for axis notes.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Note for the legend panel about skipped input, if any.
fn skipped_note(count: usize, what: &str) -> Option<String> {
    match count {
        0 => None,
        1 => Some(format!("1 invalid {what} skipped")),
        n => Some(format!("{n} invalid {what}s skipped")),
    }
}

/// Tick count targets from the plot size: about one x tick per 90 px and one y tick per
/// 50 px keeps labels apart.
fn max_x_ticks(plot_w_px: i32) -> usize {
    (plot_w_px / 90).clamp(2, 12) as usize
}

fn max_y_ticks(plot_h_px: i32) -> usize {
    (plot_h_px / 50).clamp(2, 12) as usize
}

/// Builds the y axis twice: once with a guessed label width to size the plot, then again
/// with the real labels, so that the y label area fits its labels.
fn size_y_axis(size: (u32, u32), spec: &FrameSpec, make_y: impl Fn(i32) -> Axis) -> (Layout, Axis) {
    let guess = layout(size, spec, 40);
    let y = make_y(guess.plot_h_px);
    let lay = layout(size, spec, y.widest_label_px());
    (lay, y)
}

// ---------------------------------------------------------------------------------------
// Line chart.
// ---------------------------------------------------------------------------------------

/// Series with at most this many points get a marker on each point.
const LINE_MARKER_MAX_POINTS: usize = 40;

struct PreparedSeries {
    name: String,
    points: Vec<(f64, f64)>,
    band: Vec<(f64, f64, f64)>,
    has_band: bool,
}

struct LinePlot {
    title: String,
    x_scale: Scale,
    y_scale: Scale,
    series: Vec<PreparedSeries>,
    skipped: usize,
}

impl LinePlot {
    fn new(title: &str, x_label: &str, y_label: &str, series: &[Series], log_x: bool) -> LinePlot {
        let raw_x = series.iter().flat_map(|s| {
            s.points
                .iter()
                .map(|p| p.0)
                .chain(s.band.iter().flatten().map(|b| b.0))
        });
        let raw_y = series.iter().flat_map(|s| {
            s.points
                .iter()
                .map(|p| p.1)
                .chain(s.band.iter().flatten().flat_map(|b| [b.1, b.2]))
        });
        let x_scale = Scale::new(x_label, log_x, raw_x);
        let y_scale = Scale::new(y_label, false, raw_y);
        let mut skipped = 0;
        let prepared = series
            .iter()
            .map(|s| {
                let mut points: Vec<(f64, f64)> = s
                    .points
                    .iter()
                    .filter_map(|&(x, y)| Some((x_scale.apply(x)?, y_scale.apply(y)?)))
                    .collect();
                skipped += s.points.len() - points.len();
                sort_by_x(&mut points, |p| p.0);
                let raw_band = s.band.as_deref().unwrap_or(&[]);
                let mut band: Vec<(f64, f64, f64)> = raw_band
                    .iter()
                    .filter_map(|&(x, lo, hi)| {
                        let (x, lo, hi) =
                            (x_scale.apply(x)?, y_scale.apply(lo)?, y_scale.apply(hi)?);
                        Some((x, lo.min(hi), lo.max(hi)))
                    })
                    .collect();
                skipped += raw_band.len() - band.len();
                sort_by_x(&mut band, |b| b.0);
                PreparedSeries {
                    name: s.name.clone(),
                    points,
                    band,
                    has_band: s.band.is_some(),
                }
            })
            .collect();
        LinePlot {
            title: title.to_string(),
            x_scale,
            y_scale,
            series: prepared,
            skipped,
        }
    }

    fn spec(&self) -> FrameSpec<'_> {
        let legend = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| LegendEntry {
                swatch: Swatch::Line {
                    style: series_style(i),
                    band: s.has_band,
                    marker: !s.points.is_empty() && s.points.len() <= LINE_MARKER_MAX_POINTS,
                },
                text: if s.points.is_empty() && s.band.is_empty() {
                    format!("{} (no data)", s.name)
                } else {
                    s.name.clone()
                },
            })
            .collect();
        FrameSpec {
            title: &self.title,
            legend,
            colour_bar: None,
            notes: skipped_note(self.skipped, "value").into_iter().collect(),
            grid: (true, true),
            top_axis: false,
        }
    }
}

impl Plot for LinePlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let spec = self.spec();
        let size = root.dim_in_pixel();
        let x_data = self.series.iter().fold(None, |acc, s| {
            let e = extent(
                s.points
                    .iter()
                    .map(|p| p.0)
                    .chain(s.band.iter().map(|b| b.0)),
            );
            merge_extents(acc, e)
        });
        let y_data = self.series.iter().fold(None, |acc, s| {
            let e = extent(
                s.points
                    .iter()
                    .map(|p| p.1)
                    .chain(s.band.iter().flat_map(|b| [b.1, b.2])),
            );
            merge_extents(acc, e)
        });
        let (lay, y) = size_y_axis(size, &spec, |h| {
            Axis::linear(&self.y_scale.desc, y_data, PAD_DEFAULT, max_y_ticks(h))
        });
        let x = Axis::numeric(
            &self.x_scale,
            x_data,
            PAD_DEFAULT,
            max_x_ticks(lay.plot_w_px),
        );
        let mut chart = draw_frame(root, &spec, &lay, &x, &y)?;
        if x_data.is_none() {
            return draw_centre_note(&chart, "no data");
        }
        let columns = lay.plot_w_px;
        for (i, s) in self.series.iter().enumerate() {
            let style = series_style(i);
            if s.band.len() >= 2 {
                let band = downsample_band(&s.band, x.lo, x.hi, columns);
                let outline: Vec<(f64, f64)> = band
                    .iter()
                    .map(|b| (b.0, b.2))
                    .chain(band.iter().rev().map(|b| (b.0, b.1)))
                    .collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        outline,
                        style.colour.mix(0.18).filled(),
                    )))
                    .map_err(de)?;
            } else if let Some(&(bx, lo, hi)) = s.band.first() {
                // A band of one point is an error bar.
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(bx, lo), (bx, hi)],
                        style.colour.mix(0.5).stroke_width(6),
                    )))
                    .map_err(de)?;
            }
        }
        for (i, s) in self.series.iter().enumerate() {
            let style = series_style(i);
            let points = downsample_polyline(&s.points, x.lo, x.hi, columns);
            let line_style = ShapeStyle::from(style.colour).stroke_width(2);
            if style.dashed {
                chart
                    .draw_series(DashedLineSeries::new(
                        points.iter().copied(),
                        8,
                        5,
                        line_style,
                    ))
                    .map_err(de)?;
            } else {
                chart
                    .draw_series(LineSeries::new(points.iter().copied(), line_style))
                    .map_err(de)?;
            }
            // Markers make sparse series (and single points) visible and show where the
            // measurements are.
            if s.points.len() <= LINE_MARKER_MAX_POINTS {
                chart
                    .draw_series(
                        s.points
                            .iter()
                            .map(|&p| Circle::new(p, 3, style.colour.filled())),
                    )
                    .map_err(de)?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Heatmap.
// ---------------------------------------------------------------------------------------

struct HeatmapPlot {
    title: String,
    x_label: String,
    y_label: String,
    value_scale: Scale,
    x_cats: Vec<String>,
    y_cats: Vec<String>,
    /// Row-major (y * nx + x), plotted values; `None` = no data.
    grid: Vec<Option<f64>>,
    skipped: usize,
}

impl HeatmapPlot {
    fn new(
        title: &str,
        x_label: &str,
        y_label: &str,
        value_label: &str,
        x_cats: &[String],
        y_cats: &[String],
        cells: &[(usize, usize, Option<f64>)],
    ) -> HeatmapPlot {
        let (nx, ny) = (x_cats.len(), y_cats.len());
        let in_range = |c: &&(usize, usize, Option<f64>)| c.0 < nx && c.1 < ny;
        let value_scale = Scale::new(
            value_label,
            false,
            cells.iter().filter(in_range).filter_map(|c| c.2),
        );
        let mut grid = vec![None; nx.saturating_mul(ny)];
        let mut skipped = 0;
        for &(xi, yi, value) in cells {
            if xi >= nx || yi >= ny {
                skipped += 1;
                continue;
            }
            let plotted = value.and_then(|v| value_scale.apply(v));
            if value.is_some() && plotted.is_none() {
                skipped += 1;
            }
            grid[yi * nx + xi] = plotted;
        }
        HeatmapPlot {
            title: title.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            value_scale,
            x_cats: x_cats.to_vec(),
            y_cats: y_cats.to_vec(),
            grid,
            skipped,
        }
    }
}

impl Plot for HeatmapPlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let (nx, ny) = (self.x_cats.len(), self.y_cats.len());
        let values = extent(self.grid.iter().flatten().copied());
        let has_missing = self.grid.iter().any(Option::is_none);
        let (vlo, vhi) = match values {
            Some((lo, hi)) if hi > lo => (lo, hi),
            Some((lo, _)) => {
                let d = if lo != 0.0 { lo.abs() * 0.1 } else { 1.0 };
                (lo - d, lo + d)
            }
            None => (0.0, 1.0),
        };
        // Without any value a colour scale would be made up, so only "no data" is shown.
        let colour_bar = values.map(|_| ColourBar {
            desc: self.value_scale.desc.clone(),
            lo: vlo,
            hi: vhi,
            has_missing,
        });
        let legend = if values.is_none() {
            vec![LegendEntry {
                swatch: Swatch::NoData,
                text: format!("no data ({})", self.value_scale.desc),
            }]
        } else {
            Vec::new()
        };
        let spec = FrameSpec {
            title: &self.title,
            legend,
            colour_bar,
            notes: skipped_note(self.skipped, "cell").into_iter().collect(),
            grid: (false, false),
            top_axis: false,
        };
        let size = root.dim_in_pixel();
        let (lay, y) = size_y_axis(size, &spec, |h| {
            Axis::categories(&self.y_label, &self.y_cats, h, 18, 160, false)
        });
        let widest_x = self
            .x_cats
            .iter()
            .map(|c| text_width_px(c, LABEL_FONT_PX).min(140))
            .max()
            .unwrap_or(0);
        let x = Axis::categories(
            &self.x_label,
            &self.x_cats,
            lay.plot_w_px,
            widest_x + 12,
            140,
            false,
        );
        let mut chart = draw_frame(root, &spec, &lay, &x, &y)?;
        if nx == 0 || ny == 0 || values.is_none() {
            self.draw_cells(&mut chart, (vlo, vhi), &lay)?;
            return draw_centre_note(&chart, "no data");
        }
        self.draw_cells(&mut chart, (vlo, vhi), &lay)
    }
}

impl HeatmapPlot {
    fn draw_cells<DB: DrawingBackend>(
        &self,
        chart: &mut Ctx<'_, DB>,
        (vlo, vhi): (f64, f64),
        lay: &Layout,
    ) -> DrawResult {
        let (nx, ny) = (self.x_cats.len(), self.y_cats.len());
        if nx == 0 || ny == 0 {
            return Ok(());
        }
        let cell_w_px = lay.plot_w_px as f64 / nx as f64;
        let cell_h_px = lay.plot_h_px as f64 / ny as f64;
        let t_of = |v: f64| (v - vlo) / (vhi - vlo);
        let cells = self
            .grid
            .iter()
            .enumerate()
            .map(|(k, v)| (k % nx, k / nx, *v));
        chart
            .draw_series(cells.clone().map(|(xi, yi, v)| {
                let fill = match v {
                    Some(v) => viridis(t_of(v)),
                    None => NO_DATA_FILL,
                };
                Rectangle::new(
                    [(xi as f64, yi as f64), (xi as f64 + 1.0, yi as f64 + 1.0)],
                    fill.filled(),
                )
            }))
            .map_err(de)?;
        // Hatching tells "no data" apart from a value whose colour happens to be grey-ish;
        // it is left out when cells are too small to show it.
        if cell_w_px >= 6.0 && cell_h_px >= 6.0 {
            let unit_lines = hatch_lines(cell_w_px, cell_h_px, 9.0);
            let hatch = cells
                .clone()
                .filter(|c| c.2.is_none())
                .flat_map(|(xi, yi, _)| {
                    let (x0, y0) = (xi as f64, yi as f64);
                    unit_lines.iter().map(move |&((ax, ay), (bx, by))| {
                        vec![(x0 + ax, y0 + ay), (x0 + bx, y0 + by)]
                    })
                });
            chart
                .draw_series(hatch.map(|line| PathElement::new(line, NO_DATA_HATCH)))
                .map_err(de)?;
        }
        // Values written in the cells when they fit make small heatmaps exact to read.
        let cell_count = nx.saturating_mul(ny);
        if cell_count <= 400 && cell_w_px >= 46.0 && cell_h_px >= 20.0 {
            let labels = cells.filter_map(|(xi, yi, v)| {
                let v = v?;
                let colour = if t_of(v) < 0.6 { WHITE } else { OI_BLACK };
                Some(Text::new(
                    compact(v),
                    (xi as f64 + 0.5, yi as f64 + 0.5),
                    text_style(LABEL_FONT_PX, colour).pos(Pos::new(HPos::Center, VPos::Center)),
                ))
            });
            chart.draw_series(labels).map_err(de)?;
        }
        Ok(())
    }
}

/// Diagonal hatch lines (at 45° on screen, `spacing_px` apart) across a unit cell that is
/// `w_px` by `h_px` on screen, as segments in cell coordinates (0..1, 0..1).
fn hatch_lines(w_px: f64, h_px: f64, spacing_px: f64) -> Vec<((f64, f64), (f64, f64))> {
    let mut lines = Vec::new();
    // Lines x_px - y_px = c (y up) for c from -h to w, clipped to the cell.
    let mut c = -h_px + spacing_px / 2.0;
    while c < w_px && lines.len() < 1000 {
        let (x0_px, y0_px) = if c >= 0.0 { (c, 0.0) } else { (0.0, -c) };
        let len = (w_px - x0_px).min(h_px - y0_px);
        let (x1_px, y1_px) = (x0_px + len, y0_px + len);
        lines.push(((x0_px / w_px, y0_px / h_px), (x1_px / w_px, y1_px / h_px)));
        c += spacing_px;
    }
    lines
}

// ---------------------------------------------------------------------------------------
// CDF chart.
// ---------------------------------------------------------------------------------------

struct CdfPlot {
    title: String,
    x_scale: Scale,
    /// Per series: name and sorted plotted values.
    series: Vec<(String, Vec<f64>)>,
    skipped: usize,
}

impl CdfPlot {
    fn new(title: &str, x_label: &str, samples: &[(String, Vec<f64>)]) -> CdfPlot {
        let x_scale = Scale::new(
            x_label,
            false,
            samples.iter().flat_map(|s| s.1.iter().copied()),
        );
        let mut skipped = 0;
        let series = samples
            .iter()
            .map(|(name, values)| {
                let mut v: Vec<f64> = values.iter().filter_map(|&x| x_scale.apply(x)).collect();
                skipped += values.len() - v.len();
                v.sort_by(f64::total_cmp);
                (name.clone(), v)
            })
            .collect();
        CdfPlot {
            title: title.to_string(),
            x_scale,
            series,
            skipped,
        }
    }
}

/// Positions and labels of the CDF y axis: quartiles plus the 0.9 and 0.95 levels that
/// tail-latency readers look for.
const CDF_TICKS: [(f64, &str); 7] = [
    (0.0, "0"),
    (0.25, "0.25"),
    (0.5, "0.5"),
    (0.75, "0.75"),
    (0.9, "0.9"),
    (0.95, "0.95"),
    (1.0, "1"),
];

impl Plot for CdfPlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let legend = self
            .series
            .iter()
            .enumerate()
            .map(|(i, (name, v))| LegendEntry {
                swatch: Swatch::Line {
                    style: series_style(i),
                    band: false,
                    marker: false,
                },
                text: if v.is_empty() {
                    format!("{name} (no data)")
                } else {
                    format!("{name} (n={})", v.len())
                },
            })
            .collect();
        let spec = FrameSpec {
            title: &self.title,
            legend,
            colour_bar: None,
            notes: skipped_note(self.skipped, "sample").into_iter().collect(),
            grid: (true, true),
            top_axis: false,
        };
        let y = Axis {
            desc: "fraction of samples ≤ x".to_string(),
            lo: -0.02,
            hi: 1.03,
            ticks: CDF_TICKS
                .iter()
                .map(|(p, l)| (*p, (*l).to_string()))
                .collect(),
            minor: Vec::new(),
        };
        let lay = layout(root.dim_in_pixel(), &spec, y.widest_label_px());
        let x_data = self.series.iter().fold(None, |acc, (_, v)| {
            merge_extents(acc, extent(v.iter().copied()))
        });
        let x = Axis::numeric(
            &self.x_scale,
            x_data,
            PAD_DEFAULT,
            max_x_ticks(lay.plot_w_px),
        );
        let mut chart = draw_frame(root, &spec, &lay, &x, &y)?;
        if x_data.is_none() {
            return draw_centre_note(&chart, "no data");
        }
        for (i, (_, values)) in self.series.iter().enumerate() {
            if values.is_empty() {
                continue;
            }
            let n = values.len() as f64;
            let mut steps = Vec::with_capacity(values.len() * 2 + 2);
            steps.push((x.lo, 0.0));
            for (k, &v) in values.iter().enumerate() {
                steps.push((v, k as f64 / n));
                steps.push((v, (k + 1) as f64 / n));
            }
            steps.push((x.hi, 1.0));
            let points = downsample_polyline(&steps, x.lo, x.hi, lay.plot_w_px);
            let style = series_style(i);
            let line_style = ShapeStyle::from(style.colour).stroke_width(2);
            if style.dashed {
                chart
                    .draw_series(DashedLineSeries::new(
                        points.iter().copied(),
                        8,
                        5,
                        line_style,
                    ))
                    .map_err(de)?;
            } else {
                chart
                    .draw_series(LineSeries::new(points.iter().copied(), line_style))
                    .map_err(de)?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Gantt chart.
// ---------------------------------------------------------------------------------------

/// Preferred height of one lane, and the least spacing between lane labels.
const GANTT_ROW_PX: i32 = 22;
const GANTT_LABEL_SPACING_PX: i32 = 16;
/// The thickest a single bar is drawn.
const GANTT_MAX_BAR_PX: f64 = 36.0;
/// Title, axes and margins around the lanes.
const GANTT_CHROME_PX: i32 = 150;

fn gantt_height_px(lanes: usize) -> u32 {
    let wanted = GANTT_CHROME_PX as i64 + lanes as i64 * GANTT_ROW_PX as i64;
    wanted.clamp(HEIGHT_PX as i64, GANTT_MAX_HEIGHT_PX as i64) as u32
}

/// A bar in plotted coordinates with its place inside its lane.
#[derive(Clone, Copy)]
struct PlacedBar {
    lane: usize,
    start: f64,
    end: f64,
    outcome: Outcome,
    track: usize,
}

struct GanttPlot {
    title: String,
    x_scale: Scale,
    lanes: Vec<String>,
    /// Bars sorted by (lane, start, end, outcome), with tracks not yet assigned.
    bars: Vec<PlacedBar>,
    counts: [usize; 4],
    skipped: usize,
}

impl GanttPlot {
    fn new(title: &str, x_label: &str, lanes: &[String], bars: &[Bar]) -> GanttPlot {
        let finite_end = bars
            .iter()
            .flat_map(|b| [b.start, b.end])
            .filter(|v| plottable(*v))
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
        let x_scale = Scale::new(x_label, false, bars.iter().flat_map(|b| [b.start, b.end]));
        let mut skipped = 0;
        let mut counts = [0usize; 4];
        let mut placed = Vec::with_capacity(bars.len());
        for bar in bars {
            // A running pod has no end yet: it runs to the end of the chart.
            let end = if !plottable(bar.end) && bar.outcome == Outcome::Running {
                finite_end.unwrap_or(bar.start)
            } else {
                bar.end
            };
            let (Some(start), Some(end)) = (x_scale.apply(bar.start), x_scale.apply(end)) else {
                skipped += 1;
                continue;
            };
            if bar.lane >= lanes.len() {
                skipped += 1;
                continue;
            }
            counts[bar.outcome as usize] += 1;
            placed.push(PlacedBar {
                lane: bar.lane,
                start,
                // An end before the start is drawn as an instant.
                end: end.max(start),
                outcome: bar.outcome,
                track: 0,
            });
        }
        placed.sort_by(|a, b| {
            a.lane
                .cmp(&b.lane)
                .then(a.start.total_cmp(&b.start))
                .then(a.end.total_cmp(&b.end))
                .then(a.outcome.cmp(&b.outcome))
        });
        GanttPlot {
            title: title.to_string(),
            x_scale,
            lanes: lanes.to_vec(),
            bars: placed,
            counts,
            skipped,
        }
    }
}

/// Assigns each bar of one lane (sorted by start) to the first sub-row that is free at its
/// start, using at most `max_tracks` sub-rows (beyond that, bars share the sub-row that
/// frees first). Returns the number of sub-rows used.
fn assign_tracks(bars: &mut [PlacedBar], max_tracks: usize) -> usize {
    let mut track_ends: Vec<f64> = Vec::new();
    for bar in bars.iter_mut() {
        let free = track_ends.iter().position(|&end| end <= bar.start);
        let track = match free {
            Some(t) => t,
            None if track_ends.len() < max_tracks.max(1) => {
                track_ends.push(f64::NEG_INFINITY);
                track_ends.len() - 1
            }
            None => {
                let mut best = 0;
                for (t, end) in track_ends.iter().enumerate() {
                    if *end < track_ends[best] {
                        best = t;
                    }
                }
                best
            }
        };
        track_ends[track] = track_ends[track].max(bar.end);
        bar.track = track;
    }
    track_ends.len().max(1)
}

/// Merges neighbouring bars of one sub-row and one outcome when either is narrower than a
/// few pixels, so huge inputs draw quickly without changing what the picture shows.
/// `bars` are sorted by start. Returns the merged bars and how many bars were merged away.
fn merge_tiny_bars(bars: &[PlacedBar], px_per_unit: f64) -> (Vec<PlacedBar>, usize) {
    const TINY_PX: f64 = 3.0;
    let mut out: Vec<PlacedBar> = Vec::with_capacity(bars.len());
    let mut merged = 0;
    for bar in bars {
        if let Some(last) = out.last_mut() {
            let last_px = (last.end - last.start) * px_per_unit;
            let bar_px = (bar.end - bar.start) * px_per_unit;
            let gap_px = (bar.start - last.end) * px_per_unit;
            if last.outcome == bar.outcome
                && last.track == bar.track
                && gap_px <= 1.0
                && (last_px < TINY_PX || bar_px < TINY_PX)
            {
                last.end = last.end.max(bar.end);
                merged += 1;
                continue;
            }
        }
        out.push(*bar);
    }
    (out, merged)
}

impl Plot for GanttPlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let size = root.dim_in_pixel();
        let n_lanes = self.lanes.len();
        let legend: Vec<LegendEntry> = Outcome::ALL
            .iter()
            .map(|&o| LegendEntry {
                swatch: Swatch::Block(o.colour()),
                text: format!("{} ({})", o.label(), self.counts[o as usize]),
            })
            .collect();
        let mut spec = FrameSpec {
            title: &self.title,
            legend,
            colour_bar: None,
            notes: skipped_note(self.skipped, "bar").into_iter().collect(),
            grid: (true, false),
            top_axis: size.1 > 900,
        };
        let widest_lane = self
            .lanes
            .iter()
            .map(|l| text_width_px(l, LABEL_FONT_PX).min(180))
            .max()
            .unwrap_or(0);
        let guess = layout(size, &spec, widest_lane);
        let every = label_every(n_lanes, guess.plot_h_px, GANTT_LABEL_SPACING_PX);
        let y_desc = if every > 1 {
            format!("lane (every {} of {n_lanes} labelled)", ordinal(every))
        } else {
            "lane".to_string()
        };
        let y = Axis::categories(
            &y_desc,
            &self.lanes,
            guess.plot_h_px,
            GANTT_LABEL_SPACING_PX,
            180,
            true,
        );
        let x_data = extent(self.bars.iter().flat_map(|b| [b.start, b.end]));
        let lay = layout(size, &spec, y.widest_label_px());
        let x = Axis::numeric(
            &self.x_scale,
            x_data,
            PAD_FROM_ZERO,
            max_x_ticks(lay.plot_w_px),
        );

        // Sub-rows per lane, and merging of sub-pixel bars, depend on pixel sizes.
        let row_px = lay.plot_h_px as f64 / n_lanes.max(1) as f64;
        let max_tracks = ((row_px * 0.8 / 2.0).floor() as usize).max(1);
        let px_per_unit = lay.plot_w_px as f64 / (x.hi - x.lo);
        let mut drawn: Vec<(PlacedBar, usize)> = Vec::with_capacity(self.bars.len());
        let mut merged_total = 0;
        let mut start = 0;
        while start < self.bars.len() {
            let lane = self.bars[start].lane;
            let len = self.bars[start..]
                .iter()
                .take_while(|b| b.lane == lane)
                .count();
            let mut lane_bars = self.bars[start..start + len].to_vec();
            let tracks = assign_tracks(&mut lane_bars, max_tracks);
            // Merging works per sub-row, so bring each sub-row's bars together in start order.
            lane_bars.sort_by(|a, b| a.track.cmp(&b.track).then(a.start.total_cmp(&b.start)));
            let (merged, count) = merge_tiny_bars(&lane_bars, px_per_unit);
            merged_total += count;
            drawn.extend(merged.into_iter().map(|b| (b, tracks)));
            start += len;
        }
        if merged_total > 0 {
            spec.notes
                .push(format!("{merged_total} sub-pixel bars merged"));
        }

        let mut chart = draw_frame(root, &spec, &lay, &x, &y)?;
        if n_lanes == 0 {
            return draw_centre_note(&chart, "no lanes");
        }
        // Light separators between lanes help the eye follow a row, when rows are tall
        // enough for them not to dominate.
        if row_px >= 8.0 {
            chart
                .draw_series((1..n_lanes).map(|k| {
                    PathElement::new(vec![(x.lo, k as f64), (x.hi, k as f64)], MINOR_GRID_COLOUR)
                }))
                .map_err(de)?;
        }
        if drawn.is_empty() {
            return draw_centre_note(&chart, "no data");
        }
        let gap: f64 = if row_px >= 6.0 { 0.12 } else { 0.0 };
        let rect_of = |b: &PlacedBar, tracks: usize| {
            // With few lanes, rows are tall; bars thicker than GANTT_MAX_BAR_PX would look
            // like areas rather than bars, so they are centred in the row instead.
            let inner = (1.0 - 2.0 * gap).min(GANTT_MAX_BAR_PX * tracks as f64 / row_px);
            let lane_top = (n_lanes - b.lane) as f64 - (1.0 - inner) / 2.0;
            let track_h = inner / tracks as f64;
            let y1 = lane_top - b.track as f64 * track_h;
            let y0 = y1 - track_h;
            // Instants and very short pods stay visible as at least 2 px wide bars.
            let end = b.end.max(b.start + 2.0 / px_per_unit);
            [(b.start, y0), (end, y1)]
        };
        chart
            .draw_series(drawn.iter().map(|(b, tracks)| {
                Rectangle::new(rect_of(b, *tracks), b.outcome.colour().filled())
            }))
            .map_err(de)?;
        // A thin white outline separates back-to-back pods of one outcome; only worth it
        // (and only visible) when bars are large.
        let outline_px = row_px / drawn.iter().map(|d| d.1).max().unwrap_or(1) as f64;
        if drawn.len() <= 5000 && outline_px >= 10.0 {
            chart
                .draw_series(
                    drawn
                        .iter()
                        .filter(|(b, _)| (b.end - b.start) * px_per_unit >= 6.0)
                        .map(|(b, tracks)| {
                            Rectangle::new(rect_of(b, *tracks), WHITE.stroke_width(1))
                        }),
                )
                .map_err(de)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Step chart.
// ---------------------------------------------------------------------------------------

struct StepPlot {
    title: String,
    x_scale: Scale,
    y_scale: Scale,
    /// Per series: name and change points sorted by time, one per time.
    series: Vec<(String, Vec<(f64, f64)>)>,
    skipped: usize,
}

impl StepPlot {
    fn new(
        title: &str,
        x_label: &str,
        y_label: &str,
        series: &[(String, Vec<(f64, f64)>)],
    ) -> StepPlot {
        let x_scale = Scale::new(
            x_label,
            false,
            series.iter().flat_map(|s| s.1.iter().map(|p| p.0)),
        );
        let y_scale = Scale::new(
            y_label,
            false,
            series.iter().flat_map(|s| s.1.iter().map(|p| p.1)),
        );
        let mut skipped = 0;
        let prepared = series
            .iter()
            .map(|(name, changes)| {
                let mut points: Vec<(f64, f64)> = changes
                    .iter()
                    .filter_map(|&(t, v)| Some((x_scale.apply(t)?, y_scale.apply(v)?)))
                    .collect();
                skipped += changes.len() - points.len();
                sort_by_x(&mut points, |p| p.0);
                // Of several changes at one time, the state after the last one holds.
                let mut deduped: Vec<(f64, f64)> = Vec::with_capacity(points.len());
                for p in points {
                    match deduped.last_mut() {
                        Some(last) if last.0 == p.0 => *last = p,
                        _ => deduped.push(p),
                    }
                }
                (name.clone(), deduped)
            })
            .collect();
        StepPlot {
            title: title.to_string(),
            x_scale,
            y_scale,
            series: prepared,
            skipped,
        }
    }
}

impl Plot for StepPlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let legend = self
            .series
            .iter()
            .enumerate()
            .map(|(i, (name, points))| LegendEntry {
                swatch: Swatch::Line {
                    style: series_style(i),
                    band: false,
                    marker: false,
                },
                text: if points.is_empty() {
                    format!("{name} (no data)")
                } else {
                    name.clone()
                },
            })
            .collect();
        let spec = FrameSpec {
            title: &self.title,
            legend,
            colour_bar: None,
            notes: skipped_note(self.skipped, "point").into_iter().collect(),
            grid: (true, true),
            top_axis: false,
        };
        let x_data = self.series.iter().fold(None, |acc, (_, p)| {
            merge_extents(acc, extent(p.iter().map(|q| q.0)))
        });
        let y_data = self.series.iter().fold(None, |acc, (_, p)| {
            merge_extents(acc, extent(p.iter().map(|q| q.1)))
        });
        let (lay, y) = size_y_axis(root.dim_in_pixel(), &spec, |h| {
            Axis::linear(&self.y_scale.desc, y_data, PAD_FROM_ZERO, max_y_ticks(h))
        });
        let x = Axis::numeric(
            &self.x_scale,
            x_data,
            PAD_FROM_ZERO,
            max_x_ticks(lay.plot_w_px),
        );
        let mut chart = draw_frame(root, &spec, &lay, &x, &y)?;
        let Some((_, t_end)) = x_data else {
            return draw_centre_note(&chart, "no data");
        };
        for (i, (_, points)) in self.series.iter().enumerate() {
            let Some(&last) = points.last() else {
                continue;
            };
            let mut vertices = Vec::with_capacity(points.len() * 2 + 1);
            for pair in points.windows(2) {
                vertices.push(pair[0]);
                vertices.push((pair[1].0, pair[0].1));
            }
            vertices.push(last);
            if last.0 < t_end {
                vertices.push((t_end, last.1));
            }
            let style = series_style(i);
            let line_style = ShapeStyle::from(style.colour).stroke_width(2);
            if vertices.len() == 1 {
                chart
                    .draw_series(std::iter::once(Circle::new(last, 3, style.colour.filled())))
                    .map_err(de)?;
                continue;
            }
            let vertices = downsample_polyline(&vertices, x.lo, x.hi, lay.plot_w_px);
            if style.dashed {
                chart
                    .draw_series(DashedLineSeries::new(
                        vertices.iter().copied(),
                        8,
                        5,
                        line_style,
                    ))
                    .map_err(de)?;
            } else {
                chart
                    .draw_series(LineSeries::new(vertices.iter().copied(), line_style))
                    .map_err(de)?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Pareto chart.
// ---------------------------------------------------------------------------------------

struct ParetoPlot {
    title: String,
    x_scale: Scale,
    y_scale: Scale,
    /// Plotted (x, y, label) of the valid points, in input order.
    points: Vec<(f64, f64, String)>,
    /// Indices into `points` of the front, sorted by x.
    front: Vec<usize>,
    skipped: usize,
}

/// Indices of the Pareto-optimal points (minimising both coordinates), sorted by x. Of
/// identical points only the first is on the front.
fn pareto_front(points: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        points[a]
            .0
            .total_cmp(&points[b].0)
            .then(points[a].1.total_cmp(&points[b].1))
            .then(a.cmp(&b))
    });
    let mut best_y = f64::INFINITY;
    let mut front = Vec::new();
    for i in order {
        if points[i].1 < best_y {
            best_y = points[i].1;
            front.push(i);
        }
    }
    front
}

impl ParetoPlot {
    fn new(title: &str, x_label: &str, y_label: &str, points: &[(f64, f64, String)]) -> ParetoPlot {
        let x_scale = Scale::new(x_label, false, points.iter().map(|p| p.0));
        let y_scale = Scale::new(y_label, false, points.iter().map(|p| p.1));
        let valid: Vec<(f64, f64, String)> = points
            .iter()
            .filter_map(|(x, y, label)| {
                Some((x_scale.apply(*x)?, y_scale.apply(*y)?, label.clone()))
            })
            .collect();
        let skipped = points.len() - valid.len();
        let xy: Vec<(f64, f64)> = valid.iter().map(|p| (p.0, p.1)).collect();
        let front = pareto_front(&xy);
        ParetoPlot {
            title: title.to_string(),
            x_scale,
            y_scale,
            points: valid,
            front,
            skipped,
        }
    }
}

impl Plot for ParetoPlot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        const DOMINATED: RGBColor = OI_SKY;
        const FRONT: RGBColor = OI_VERMILLION;
        const MAX_LABELS: usize = 25;
        let n_front = self.front.len();
        let legend = vec![
            LegendEntry {
                swatch: Swatch::Marker {
                    colour: DOMINATED,
                    radius: 4,
                },
                text: format!("dominated ({})", self.points.len() - n_front),
            },
            LegendEntry {
                swatch: Swatch::Line {
                    style: SeriesStyle {
                        colour: FRONT,
                        dashed: false,
                    },
                    band: false,
                    marker: true,
                },
                text: format!("Pareto front ({n_front})"),
            },
        ];
        let notes = ["lower x and lower y are better".to_string()]
            .into_iter()
            .chain(skipped_note(self.skipped, "point"))
            .collect();
        let spec = FrameSpec {
            title: &self.title,
            legend,
            colour_bar: None,
            notes,
            grid: (true, true),
            top_axis: false,
        };
        let x_data = extent(self.points.iter().map(|p| p.0));
        let y_data = extent(self.points.iter().map(|p| p.1));
        let pad = Padding {
            frac: 0.08,
            ..PAD_DEFAULT
        };
        let (lay, y) = size_y_axis(root.dim_in_pixel(), &spec, |h| {
            Axis::linear(&self.y_scale.desc, y_data, pad, max_y_ticks(h))
        });
        let x = Axis::numeric(&self.x_scale, x_data, pad, max_x_ticks(lay.plot_w_px));
        let mut chart = draw_frame(root, &spec, &lay, &x, &y)?;
        if self.points.is_empty() {
            return draw_centre_note(&chart, "no data");
        }

        // One marker per few pixels is all a picture can show; this keeps 100k points fast
        // and the SVG small.
        let mut on_front = vec![false; self.points.len()];
        for &i in &self.front {
            on_front[i] = true;
        }
        let radius = if self.points.len() > 2000 { 2 } else { 4 };
        // Markers closer than this many pixels overlap almost entirely, so only the first
        // of them (in input order) is drawn; with few points, every point is.
        let cell_px = if self.points.len() > 2000 { 3.0 } else { 1.0 };
        let px = |p: &(f64, f64, String)| {
            let cx = ((p.0 - x.lo) / (x.hi - x.lo) * lay.plot_w_px as f64 / cell_px).floor();
            let cy = ((p.1 - y.lo) / (y.hi - y.lo) * lay.plot_h_px as f64 / cell_px).floor();
            (cx as i64, cy as i64)
        };
        let mut seen = std::collections::BTreeSet::new();
        let dominated: Vec<(f64, f64)> = self
            .points
            .iter()
            .zip(&on_front)
            .filter(|(p, front)| !**front && seen.insert(px(p)))
            .map(|(p, _)| (p.0, p.1))
            .collect();
        // Slight transparency shows where few points overlap; in a dense cloud it would only
        // add noise, so dense clouds are opaque.
        let opacity = if self.points.len() > 2000 { 1.0 } else { 0.8 };
        chart
            .draw_series(
                dominated
                    .iter()
                    .map(|&p| Circle::new(p, radius, DOMINATED.mix(opacity).filled())),
            )
            .map_err(de)?;
        let front_xy: Vec<(f64, f64)> = self
            .front
            .iter()
            .map(|&i| (self.points[i].0, self.points[i].1))
            .collect();
        chart
            .draw_series(LineSeries::new(
                front_xy.iter().copied(),
                ShapeStyle::from(FRONT).stroke_width(2),
            ))
            .map_err(de)?;
        chart
            .draw_series(front_xy.iter().map(|&p| Circle::new(p, 6, FRONT.filled())))
            .map_err(de)?;

        // Labels: every point when there are few, otherwise the front only (every k-th
        // when even the front is crowded).
        let label_style = text_style(13.0, TEXT_COLOUR).pos(Pos::new(HPos::Left, VPos::Bottom));
        let labelled: Vec<usize> = if self.points.len() <= MAX_LABELS {
            (0..self.points.len()).collect()
        } else {
            let every = n_front.div_ceil(MAX_LABELS).max(1);
            self.front.iter().copied().step_by(every).collect()
        };
        let x_offset = (x.hi - x.lo) * 6.0 / lay.plot_w_px as f64;
        let y_offset = (y.hi - y.lo) * 4.0 / lay.plot_h_px as f64;
        chart
            .draw_series(labelled.iter().filter_map(|&i| {
                let p = self.points.get(i)?;
                if p.2.is_empty() {
                    return None;
                }
                Some(Text::new(
                    ellipsize(&p.2, 13.0, 160),
                    (p.0 + x_offset, p.1 + y_offset),
                    label_style.clone(),
                ))
            }))
            .map_err(de)?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Tests.
// ---------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

    fn s(text: &str) -> String {
        text.to_string()
    }

    /// All text nodes of an SVG document, after checking it parses as XML.
    fn svg_texts(chart: &Chart) -> Vec<String> {
        assert_eq!(chart.format, Format::Svg);
        let text = std::str::from_utf8(&chart.bytes).expect("SVG is UTF-8");
        let doc = roxmltree::Document::parse(text).expect("SVG parses as XML");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        doc.descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    }

    fn assert_svg_has(chart: &Chart, expected: &[&str]) {
        let texts = svg_texts(chart);
        for e in expected {
            assert!(
                texts.iter().any(|t| t.contains(e)),
                "SVG lacks text {e:?}; it has {texts:?}"
            );
        }
    }

    /// Decodes a PNG and returns its size.
    fn png_size(chart: &Chart) -> (u32, u32) {
        assert_eq!(chart.format, Format::Png);
        assert!(chart.bytes.starts_with(&PNG_SIGNATURE), "PNG signature");
        let decoder = png::Decoder::new(std::io::Cursor::new(&chart.bytes));
        let mut reader = decoder.read_info().expect("PNG header decodes");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("PNG image decodes");
        (info.width, info.height)
    }

    /// Renders with `f` in both formats twice and checks the common properties: SVG
    /// parses and contains `texts`, PNG decodes to `size`, and both are deterministic.
    fn check_both(
        f: impl Fn(Format) -> Result<Chart, ChartError>,
        texts: &[&str],
        size: (u32, u32),
    ) {
        let svg = f(Format::Svg).expect("SVG renders");
        assert_svg_has(&svg, texts);
        assert_eq!(
            f(Format::Svg).expect("SVG renders again"),
            svg,
            "SVG is deterministic"
        );
        let png = f(Format::Png).expect("PNG renders");
        assert_eq!(png_size(&png), size);
        assert_eq!(
            f(Format::Png).expect("PNG renders again"),
            png,
            "PNG is deterministic"
        );
    }

    fn example_series() -> Vec<Series> {
        let xs = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];
        vec![
            Series {
                name: s("FIFO p50"),
                points: xs.iter().map(|&x| (x, 600.0 / x + 30.0)).collect(),
                band: Some(
                    xs.iter()
                        .map(|&x| (x, 500.0 / x + 20.0, 800.0 / x + 45.0))
                        .collect(),
                ),
            },
            Series {
                name: s("bin-packing p50"),
                points: xs.iter().map(|&x| (x, 500.0 / x + 40.0)).collect(),
                band: None,
            },
        ]
    }

    fn example_gantt() -> (Vec<String>, Vec<Bar>) {
        let lanes: Vec<String> = (0..8).map(|i| format!("node-{i}")).collect();
        let mut bars = Vec::new();
        for i in 0..60usize {
            let lane = i % 8;
            let start = (i / 8) as f64 * 70.0 + (i % 3) as f64 * 15.0;
            let outcome = match i % 7 {
                0 => Outcome::Failed,
                3 => Outcome::Evicted,
                _ if i >= 52 => Outcome::Running,
                _ => Outcome::Succeeded,
            };
            let end = if outcome == Outcome::Running {
                f64::INFINITY
            } else {
                start + 50.0 + (i % 5) as f64 * 8.0
            };
            bars.push(Bar {
                lane,
                start,
                end,
                outcome,
            });
        }
        (lanes, bars)
    }

    fn example_steps() -> Vec<(String, Vec<(f64, f64)>)> {
        vec![
            (
                s("running"),
                vec![
                    (0.0, 0.0),
                    (5.0, 4.0),
                    (60.0, 8.0),
                    (300.0, 3.0),
                    (420.0, 0.0),
                ],
            ),
            (
                s("pending"),
                vec![(0.0, 10.0), (5.0, 6.0), (60.0, 2.0), (300.0, 0.0)],
            ),
            (s("failed"), vec![(0.0, 0.0), (200.0, 1.0), (350.0, 2.0)]),
        ]
    }

    fn example_pareto() -> Vec<(f64, f64, String)> {
        let mut points = Vec::new();
        for p in [1.0f64, 2.0, 4.0, 8.0] {
            for n in [2.0f64, 4.0, 8.0] {
                let cost = n * 3.0 + p;
                let makespan = 4000.0 / (p * n).sqrt() + 50.0 * p;
                points.push((cost, makespan, format!("p={p} n={n}")));
            }
        }
        points
    }

    /// x categories, y categories and cells of a heatmap.
    type HeatmapInput = (Vec<String>, Vec<String>, Vec<(usize, usize, Option<f64>)>);

    fn example_heatmap_input() -> HeatmapInput {
        let xs: Vec<String> = ["1", "2", "4", "8", "16"].iter().map(|v| s(v)).collect();
        let ys: Vec<String> = ["2 nodes", "4 nodes", "8 nodes"]
            .iter()
            .map(|v| s(v))
            .collect();
        let mut cells = Vec::new();
        for (xi, _) in xs.iter().enumerate() {
            for (yi, _) in ys.iter().enumerate() {
                let v = if xi == 4 && yi == 0 {
                    None
                } else {
                    Some(900.0 / (xi as f64 + 1.0) + 120.0 * yi as f64)
                };
                cells.push((xi, yi, v));
            }
        }
        (xs, ys, cells)
    }

    #[test]
    fn line_chart_renders_both_formats() {
        let series = example_series();
        for log_x in [false, true] {
            check_both(
                |f| {
                    line_chart(
                        f,
                        "Makespan by parallelism",
                        "parallelism [pods]",
                        "makespan [s]",
                        &series,
                        log_x,
                    )
                },
                &[
                    "Makespan by parallelism",
                    "parallelism [pods]",
                    "makespan [s]",
                    "FIFO p50",
                    "bin-packing p50",
                ],
                (WIDTH_PX, HEIGHT_PX),
            );
        }
    }

    #[test]
    fn heatmap_renders_both_formats() {
        let (xs, ys, cells) = example_heatmap_input();
        check_both(
            |f| {
                heatmap(
                    f,
                    "Mean completion time",
                    "parallelism",
                    "cluster size",
                    "completion [s]",
                    &xs,
                    &ys,
                    &cells,
                )
            },
            &[
                "Mean completion time",
                "parallelism",
                "cluster size",
                "completion [s]",
                "no data",
                "4 nodes",
                "16",
            ],
            (WIDTH_PX, HEIGHT_PX),
        );
    }

    #[test]
    fn cdf_chart_renders_both_formats() {
        let a: Vec<f64> = (0..200).map(|i| 30.0 + (i as f64 * 7.3) % 240.0).collect();
        let b: Vec<f64> = (0..150).map(|i| 60.0 + (i as f64 * 13.1) % 400.0).collect();
        let samples = vec![(s("FIFO"), a), (s("priority"), b)];
        check_both(
            |f| cdf_chart(f, "Job completion times", "completion time [s]", &samples),
            &[
                "Job completion times",
                "completion time [s]",
                "FIFO",
                "priority",
                "fraction of samples",
            ],
            (WIDTH_PX, HEIGHT_PX),
        );
    }

    #[test]
    fn gantt_renders_both_formats() {
        let (lanes, bars) = example_gantt();
        check_both(
            |f| gantt(f, "Pods per node", "time [s]", &lanes, &bars),
            &[
                "Pods per node",
                "time [s]",
                "node-0",
                "node-7",
                "succeeded",
                "failed",
                "evicted",
                "running",
            ],
            (WIDTH_PX, gantt_height_px(lanes.len())),
        );
    }

    #[test]
    fn step_chart_renders_both_formats() {
        let series = example_steps();
        check_both(
            |f| step_chart(f, "Pods over time", "time [s]", "pods", &series),
            &[
                "Pods over time",
                "time [s]",
                "pods",
                "running",
                "pending",
                "failed",
            ],
            (WIDTH_PX, HEIGHT_PX),
        );
    }

    #[test]
    fn pareto_chart_renders_both_formats() {
        let points = example_pareto();
        check_both(
            |f| {
                pareto_chart(
                    f,
                    "Cost against makespan",
                    "cost [node-hours]",
                    "makespan [s]",
                    &points,
                )
            },
            &[
                "Cost against makespan",
                "cost [node-hours]",
                "makespan [s]",
                "Pareto front",
                "dominated",
                "p=8 n=8",
            ],
            (WIDTH_PX, HEIGHT_PX),
        );
    }

    #[test]
    fn long_time_axes_switch_to_minutes_or_hours() {
        assert_eq!(time_unit("time [s]", 3600.0), None);
        assert_eq!(
            time_unit("time [s]", 3.0 * 3600.0),
            Some((60.0, s("time [min]")))
        );
        assert_eq!(
            time_unit("time (s)", 30.0 * 3600.0),
            Some((3600.0, s("time (h)")))
        );
        assert_eq!(time_unit("pods", 1e9), None);
        let series = vec![(
            s("running"),
            vec![(0.0, 1.0), (20_000.0, 3.0), (36_000.0, 0.0)],
        )];
        let chart =
            step_chart(Format::Svg, "Long run", "time [s]", "pods", &series).expect("renders");
        let texts = svg_texts(&chart);
        assert!(texts.iter().any(|t| t == "time [min]"), "{texts:?}");
        assert!(!texts.iter().any(|t| t == "time [s]"), "{texts:?}");
    }

    #[test]
    fn tick_labels_are_compact_and_distinct() {
        let axis = Axis::linear("", Some((0.0, 48_000.0)), PAD_FROM_ZERO, 8);
        let labels: Vec<&str> = axis.ticks.iter().map(|t| t.1.as_str()).collect();
        assert!(
            labels.contains(&"0") && labels.contains(&"40k"),
            "{labels:?}"
        );
        let axis = Axis::linear("", Some((1.0, 1.5)), PAD_DEFAULT, 6);
        let labels: Vec<&String> = axis.ticks.iter().map(|t| &t.1).collect();
        let mut unique = labels.clone();
        unique.dedup();
        assert_eq!(labels, unique);
        assert!(labels.iter().all(|l| l.len() <= 5), "{labels:?}");
        assert_eq!(compact(1500.0), "1500");
        assert_eq!(compact(15_000.0), "15k");
        assert_eq!(compact(2_500_000.0), "2.5M");
        assert_eq!(compact(0.25), "0.25");
        assert_eq!(clean_negative_zero(s("-0.0")), "0.0");
        assert_eq!(clean_negative_zero(s("-0.5")), "-0.5");
        let log = Axis::log10("", Some((0.0, 3.0)), 8);
        let labels: Vec<&str> = log.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["1", "10", "100", "1000"]);
    }

    #[test]
    fn pareto_front_minimises_both() {
        let points = [
            (1.0, 5.0),
            (2.0, 3.0),
            (3.0, 4.0),
            (4.0, 1.0),
            (2.0, 3.0),
            (5.0, 1.0),
        ];
        assert_eq!(pareto_front(&points), vec![0, 1, 3]);
        assert!(pareto_front(&[]).is_empty());
    }

    #[test]
    fn downsampling_keeps_extremes() {
        let points: Vec<(f64, f64)> = (0..10_000)
            .map(|i| (i as f64, if i == 5_000 { 99.0 } else { (i % 7) as f64 }))
            .collect();
        let reduced = downsample_polyline(&points, 0.0, 10_000.0, 100);
        assert!(reduced.len() <= 400, "{}", reduced.len());
        assert!(reduced.contains(&(5_000.0, 99.0)));
        assert_eq!(reduced.first(), points.first());
        assert_eq!(reduced.last(), points.last());
    }

    #[test]
    fn gantt_stacks_overlapping_bars() {
        let mut bars: Vec<PlacedBar> = [(0.0, 10.0), (5.0, 15.0), (10.0, 20.0), (12.0, 13.0)]
            .iter()
            .map(|&(start, end)| PlacedBar {
                lane: 0,
                start,
                end,
                outcome: Outcome::Succeeded,
                track: 0,
            })
            .collect();
        assert_eq!(assign_tracks(&mut bars, 10), 3);
        let tracks: Vec<usize> = bars.iter().map(|b| b.track).collect();
        assert_eq!(tracks, [0, 1, 0, 2]);
        assert_eq!(assign_tracks(&mut bars, 2), 2);
    }

    #[test]
    fn edge_cases_do_not_panic() {
        let nan = f64::NAN;
        let inf = f64::INFINITY;
        for format in [Format::Svg, Format::Png] {
            // Empty inputs.
            line_chart(format, "", "", "", &[], false).expect("empty line chart");
            line_chart(
                format,
                "t",
                "x",
                "y",
                &[Series {
                    name: s("empty"),
                    points: vec![],
                    band: Some(vec![]),
                }],
                true,
            )
            .expect("empty series");
            heatmap(format, "t", "x", "y", "v", &[], &[], &[]).expect("empty heatmap");
            heatmap(
                format,
                "t",
                "x",
                "y",
                "v",
                &[s("a")],
                &[s("b")],
                &[(0, 0, None), (5, 5, Some(1.0))],
            )
            .expect("heatmap without values");
            cdf_chart(format, "t", "x", &[]).expect("empty cdf");
            cdf_chart(format, "t", "x", &[(s("none"), vec![])]).expect("cdf of empty series");
            gantt(format, "t", "x", &[], &[]).expect("gantt without lanes");
            gantt(format, "t", "x", &[s("n")], &[]).expect("gantt without bars");
            step_chart(format, "t", "x", "y", &[]).expect("empty step chart");
            pareto_chart(format, "t", "x", "y", &[]).expect("empty pareto");

            // Single points and equal values.
            let single = Series {
                name: s("one"),
                points: vec![(3.0, 7.0)],
                band: Some(vec![(3.0, 6.0, 8.0)]),
            };
            line_chart(format, "t", "x", "y", &[single], true).expect("single point");
            let flat = Series {
                name: s("flat"),
                points: vec![(0.0, 5.0), (0.0, 5.0)],
                band: None,
            };
            line_chart(format, "t", "x", "y", &[flat], false).expect("equal values");
            cdf_chart(format, "t", "x", &[(s("same"), vec![4.0; 10])]).expect("equal samples");
            heatmap(
                format,
                "t",
                "x",
                "y",
                "v",
                &[s("a"), s("b")],
                &[s("c")],
                &[(0, 0, Some(2.0)), (1, 0, Some(2.0))],
            )
            .expect("equal heatmap values");
            step_chart(format, "t", "x", "y", &[(s("one"), vec![(5.0, 0.0)])])
                .expect("single change point");
            pareto_chart(format, "t", "x", "y", &[(1.0, 1.0, s("only"))])
                .expect("single pareto point");
            gantt(
                format,
                "t",
                "x",
                &[s("n")],
                &[Bar {
                    lane: 0,
                    start: 5.0,
                    end: 5.0,
                    outcome: Outcome::Failed,
                }],
            )
            .expect("zero-length bar");

            // Non-finite, out-of-range and nonsensical values.
            let bad = Series {
                name: s("bad"),
                points: vec![
                    (nan, 1.0),
                    (1.0, inf),
                    (-1.0, -5.0),
                    (2.0, 3.0),
                    (1e300, 1.0),
                ],
                band: Some(vec![(nan, 0.0, 1.0), (1.0, 5.0, -5.0)]),
            };
            line_chart(format, "t", "x", "y", std::slice::from_ref(&bad), false)
                .expect("bad values");
            line_chart(format, "t", "x", "y", &[bad], true).expect("bad values on log axis");
            heatmap(
                format,
                "t",
                "x",
                "y",
                "v",
                &[s("a")],
                &[s("b")],
                &[(0, 0, Some(nan))],
            )
            .expect("NaN cell");
            cdf_chart(format, "t", "x", &[(s("bad"), vec![nan, inf, -inf, -3.0])])
                .expect("bad samples");
            let bars = [
                Bar {
                    lane: 0,
                    start: nan,
                    end: 1.0,
                    outcome: Outcome::Succeeded,
                },
                Bar {
                    lane: 0,
                    start: 10.0,
                    end: 2.0,
                    outcome: Outcome::Evicted,
                },
                Bar {
                    lane: 9,
                    start: 1.0,
                    end: 2.0,
                    outcome: Outcome::Failed,
                },
                Bar {
                    lane: 0,
                    start: 1.0,
                    end: inf,
                    outcome: Outcome::Running,
                },
                Bar {
                    lane: 0,
                    start: -5.0,
                    end: -1.0,
                    outcome: Outcome::Succeeded,
                },
            ];
            gantt(format, "t", "x", &[s("n")], &bars).expect("bad bars");
            gantt(
                format,
                "t",
                "x",
                &[s("n")],
                &[Bar {
                    lane: 0,
                    start: 0.0,
                    end: inf,
                    outcome: Outcome::Running,
                }],
            )
            .expect("only an endless bar");
            step_chart(
                format,
                "t",
                "x",
                "y",
                &[(s("bad"), vec![(nan, 1.0), (1.0, nan), (2.0, -4.0)])],
            )
            .expect("bad steps");
            pareto_chart(
                format,
                "t",
                "x",
                "y",
                &[
                    (nan, 1.0, s("a")),
                    (1.0, -inf, s("b")),
                    (-2.0, -3.0, s("c")),
                ],
            )
            .expect("bad pareto points");
        }
    }

    #[test]
    fn oversized_heatmap_is_an_error_not_a_crash() {
        let many: Vec<String> = (0..3000).map(|i| i.to_string()).collect();
        let result = heatmap(Format::Png, "t", "x", "y", "v", &many, &many, &[]);
        assert!(matches!(result, Err(ChartError::Draw { .. })), "{result:?}");
        assert_eq!(
            ellipsize(&"long ".repeat(2000), LABEL_FONT_PX, 100)
                .chars()
                .last(),
            Some('…')
        );
        assert_eq!(ellipsize("short", LABEL_FONT_PX, 100), "short");
    }

    #[test]
    fn texts_with_markup_characters_stay_valid_svg() {
        let series = vec![Series {
            name: s("a < b & \"c\""),
            points: vec![(0.0, 1.0), (1.0, 2.0)],
            band: None,
        }];
        let chart = line_chart(Format::Svg, "<title> & more", "x [s]", "y", &series, false)
            .expect("renders");
        assert_svg_has(&chart, &["<title> & more", "a < b & \"c\""]);
    }

    #[test]
    fn huge_inputs_render_quickly_and_deterministically() {
        const N: usize = 100_000;
        let points: Vec<(f64, f64)> = (0..N)
            .map(|i| (i as f64 * 0.5, ((i * 7919) % 1000) as f64))
            .collect();
        let series = vec![Series {
            name: s("noisy"),
            band: Some(points.iter().map(|&(x, y)| (x, y * 0.9, y * 1.1)).collect()),
            points: points.clone(),
        }];
        let samples = vec![(s("many"), points.iter().map(|p| p.1).collect::<Vec<f64>>())];
        let lanes: Vec<String> = (0..1000).map(|i| format!("node-{i}")).collect();
        let bars: Vec<Bar> = (0..N)
            .map(|i| Bar {
                lane: i % 1000,
                start: (i / 1000) as f64 * 10.0,
                end: (i / 1000) as f64 * 10.0 + 9.0,
                outcome: Outcome::ALL[i % 4],
            })
            .collect();
        let steps = vec![(s("running"), points.clone())];
        let scatter: Vec<(f64, f64, String)> =
            points.iter().map(|&(x, y)| (x, y, String::new())).collect();
        let started = std::time::Instant::now();
        for format in [Format::Svg, Format::Png] {
            let a = line_chart(format, "big", "x", "y", &series, false).expect("big line chart");
            assert_eq!(
                a,
                line_chart(format, "big", "x", "y", &series, false).expect("again")
            );
            cdf_chart(format, "big", "x", &samples).expect("big cdf");
            let g = gantt(format, "big", "time [s]", &lanes, &bars).expect("big gantt");
            assert_eq!(
                g,
                gantt(format, "big", "time [s]", &lanes, &bars).expect("again")
            );
            step_chart(format, "big", "x", "y", &steps).expect("big step chart");
            pareto_chart(format, "big", "x", "y", &scatter).expect("big pareto");
        }
        let svg = gantt(Format::Svg, "big", "time [s]", &lanes, &bars).expect("big gantt");
        assert!(
            svg.bytes.len() < 20_000_000,
            "SVG of {} bytes",
            svg.bytes.len()
        );
        let png = gantt(Format::Png, "big", "time [s]", &lanes, &bars).expect("big gantt");
        assert_eq!(png_size(&png), (WIDTH_PX, GANTT_MAX_HEIGHT_PX));
        // Generous: a debug build on a loaded two-core machine.
        assert!(
            started.elapsed().as_secs() < 120,
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn many_series_and_long_names_fit() {
        let series: Vec<Series> = (0..30)
            .map(|i| Series {
                name: format!("series number {i} with a rather long descriptive name"),
                points: (0..20).map(|k| (k as f64, (k * (i + 1)) as f64)).collect(),
                band: None,
            })
            .collect();
        for format in [Format::Svg, Format::Png] {
            line_chart(format, "Many series", "x", "y", &series, false).expect("renders");
        }
    }

    /// Writes one example of each chart, in both formats, to a folder: a temporary one, or
    /// `JOBSIM_CHART_EXAMPLES_DIR` when set so that a person can look at them.
    #[test]
    fn writes_examples() {
        let keep = std::env::var_os("JOBSIM_CHART_EXAMPLES_DIR").map(std::path::PathBuf::from);
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = keep.unwrap_or_else(|| temp.path().to_path_buf());
        std::fs::create_dir_all(&dir).expect("examples dir");
        let series = example_series();
        let (xs, ys, cells) = example_heatmap_input();
        let cdf: Vec<(String, Vec<f64>)> = vec![
            (
                s("FIFO"),
                (0..300)
                    .map(|i| 30.0 + ((i * 37) % 300) as f64 * (1.0 + (i % 5) as f64 * 0.2))
                    .collect(),
            ),
            (
                s("priority"),
                (0..200)
                    .map(|i| 50.0 + ((i * 53) % 200) as f64 * 2.0)
                    .collect(),
            ),
        ];
        let (lanes, bars) = example_gantt();
        let big_lanes: Vec<String> = (0..400).map(|i| format!("node-{i:03}")).collect();
        let big_bars: Vec<Bar> = (0..8000)
            .map(|i| {
                let start = (i / 400) as f64 * 500.0 + (i % 13) as f64 * 37.0;
                Bar {
                    lane: i % 400,
                    start,
                    end: start + 300.0 + (i % 7) as f64 * 90.0,
                    outcome: Outcome::ALL[(i / 3) % 4],
                }
            })
            .collect();
        let long_steps = vec![(
            s("running"),
            (0..50)
                .map(|i| (i as f64 * 1000.0, ((i * 7) % 11) as f64))
                .collect::<Vec<_>>(),
        )];
        for format in [Format::Svg, Format::Png] {
            let charts = [
                (
                    "line",
                    line_chart(
                        format,
                        "Makespan by parallelism",
                        "parallelism [pods]",
                        "makespan [s]",
                        &series,
                        true,
                    ),
                ),
                (
                    "heatmap",
                    heatmap(
                        format,
                        "Mean completion time",
                        "parallelism",
                        "cluster size",
                        "completion [s]",
                        &xs,
                        &ys,
                        &cells,
                    ),
                ),
                (
                    "cdf",
                    cdf_chart(format, "Job completion times", "completion time [s]", &cdf),
                ),
                (
                    "gantt",
                    gantt(format, "Pods per node", "time [s]", &lanes, &bars),
                ),
                (
                    "gantt-400",
                    gantt(
                        format,
                        "Pods per node (400 nodes)",
                        "time [s]",
                        &big_lanes,
                        &big_bars,
                    ),
                ),
                (
                    "step",
                    step_chart(
                        format,
                        "Pods over time",
                        "time [s]",
                        "pods",
                        &example_steps(),
                    ),
                ),
                (
                    "step-hours",
                    step_chart(
                        format,
                        "Pods over a long run",
                        "time [s]",
                        "pods",
                        &long_steps,
                    ),
                ),
                (
                    "pareto",
                    pareto_chart(
                        format,
                        "Cost against makespan",
                        "cost [node-hours]",
                        "makespan [s]",
                        &example_pareto(),
                    ),
                ),
                (
                    "empty",
                    line_chart(format, "Nothing to show", "x", "y", &[], false),
                ),
            ];
            for (name, chart) in charts {
                let chart = chart.expect("example renders");
                let path = dir.join(format!("{name}.{}", format.extension()));
                std::fs::write(&path, &chart.bytes)
                    .map_err(|source| ChartError::Io {
                        path: path.display().to_string(),
                        source,
                    })
                    .expect("example written");
            }
        }
    }
}
