//! `--report FILE.html`: the figures of `moderate eval` (or of `moderate train`'s held-out rows) as
//! one self-contained HTML page for a moderation lead.
//!
//! Per label: ROC and precision-recall curves, score histograms of both classes, the review-budget
//! curve (share of comments sent to review against share of the label's comments caught, at the
//! model's base rate, from the same [`BudgetRow::from_counts`] as `eval`'s table), the metrics and
//! the confusion matrix at the model's threshold, and the worst false positives and false
//! negatives with their text and the features behind their score. Charts are inline SVG drawn by
//! `plotters`; there is no script, stylesheet, font or image to fetch, so the page opens offline.
//! The figures are also embedded as JSON (`<script type="application/json" id="figures">`).

use std::fmt::Write as _;
use std::path::Path;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::eval::metrics::Confusion;
use crate::eval::{self, BudgetRow, LabelReport, LabelRows, Report};
use crate::io::dataset::Dataset;
use crate::model::Model;

/// The colours of the charts, as RGB. Each chart kind has its own, so that a screenshot shows
/// which ones were drawn.
pub mod colors {
    pub const ROC: (u8, u8, u8) = (31, 119, 180);
    pub const PR: (u8, u8, u8) = (148, 103, 189);
    pub const BUDGET: (u8, u8, u8) = (44, 160, 44);
    /// Histogram bars of the comments without the label.
    pub const NEGATIVE: (u8, u8, u8) = (96, 125, 139);
    /// Histogram bars of the comments with the label.
    pub const POSITIVE: (u8, u8, u8) = (214, 39, 40);
    /// The model's threshold, on every chart.
    pub const THRESHOLD: (u8, u8, u8) = (255, 127, 14);
}

/// How many false positives and false negatives are shown per label.
pub const WORST: usize = 10;
/// Comments longer than this (in characters) are cut in the report.
const MAX_TEXT_CHARS: usize = 600;
/// At most this many points per curve.
const MAX_POINTS: usize = 600;
const CHART_SIZE: (u32, u32) = (540, 380);

/// What the report says about where it comes from.
#[derive(Debug, Clone)]
pub struct Meta {
    /// `Evaluation report`, `Held-out report`…
    pub title: String,
    /// The model file, or `embedded default model`.
    pub model_source: String,
    /// The date the report was made (YYYY-MM-DD).
    pub generated: String,
    /// Where the rows come from, when it is not simply every row of the files.
    pub rows_note: Option<String>,
}

/// One point of a label's curves: the counts when every row scoring at or above `threshold` is
/// flagged, and the review-budget figures at the label's base rate.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvePoint {
    pub threshold: f32,
    pub confusion: Confusion,
    pub budget: BudgetRow,
}

impl CurvePoint {
    /// False-positive rate (share of the comments without the label that are flagged).
    pub fn fpr(&self) -> f64 {
        let neg = self.confusion.fp + self.confusion.tn;
        if neg == 0 {
            0.0
        } else {
            self.confusion.fp as f64 / neg as f64
        }
    }
}

/// The curves of one label: one point per distinct score, from nothing flagged (threshold
/// +infinity) to everything flagged.
pub fn curve(scores: &[f32], y: &[bool], base_rate: f64) -> Vec<CurvePoint> {
    let pos = y.iter().filter(|&&v| v).count() as u64;
    let neg = y.len() as u64 - pos;
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut c = Confusion {
        tp: 0,
        fp: 0,
        tn: neg,
        fn_: pos,
    };
    let point = |threshold: f32, c: Confusion| CurvePoint {
        threshold,
        confusion: c,
        budget: BudgetRow::from_counts(threshold, &c, base_rate),
    };
    let mut out = vec![point(f32::INFINITY, c)];
    let mut i = 0;
    while i < order.len() {
        let t = scores[order[i]];
        while i < order.len() && scores[order[i]] == t {
            if y[order[i]] {
                c.tp += 1;
                c.fn_ -= 1;
            } else {
                c.fp += 1;
                c.tn -= 1;
            }
            i += 1;
        }
        out.push(point(t, c));
    }
    out
}

/// At most `max` points, evenly spaced along the curve, the first and the last kept.
fn thin(points: &[CurvePoint], max: usize) -> Vec<&CurvePoint> {
    if points.len() <= max {
        return points.iter().collect();
    }
    let step = points.len().div_ceil(max);
    points
        .iter()
        .enumerate()
        .filter(|(i, _)| i.is_multiple_of(step) || *i == points.len() - 1)
        .map(|(_, p)| p)
        .collect()
}

/// Text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn rgb(c: (u8, u8, u8)) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

fn pct(v: f64) -> String {
    if v > 0.0 && v < 0.001 {
        "<0.1%".into()
    } else {
        format!("{:.1}%", 100.0 * v)
    }
}

fn opt3(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{v:.3}"))
}

/// Thousands separated by a thin space: 12 345.
fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(ch);
    }
    out
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
type DrawResult = std::result::Result<(), String>;

/// A percentage axis label: `10%`, `0.5%`.
fn share_label(v: &f64) -> String {
    if *v > 0.0 && *v < 0.1 - 1e-9 && (v * 1000.0).round() % 10.0 != 0.0 {
        format!("{:.1}%", v * 100.0)
    } else {
        format!("{:.0}%", v * 100.0)
    }
}

const TITLE_FONT: (&str, u32) = ("sans-serif", 22);
const LABEL_FONT: (&str, u32) = ("sans-serif", 15);
const DESC_FONT: (&str, u32) = ("sans-serif", 16);

/// Drop the namespace declaration: inline SVG in HTML needs none, and without it the page holds
/// no URL that is not a comment's own text.
fn inline_svg(svg: String) -> String {
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

/// One chart as an inline `<svg>` element, both axes shares: x from 0 to `x_max`, y from 0 to 1.
fn chart_svg(
    title: &str,
    (x_desc, y_desc): (&str, &str),
    x_max: f64,
    legend: SeriesLabelPosition,
    draw: impl FnOnce(&mut Chart) -> DrawResult,
) -> std::result::Result<String, String> {
    let fail = |e: &dyn std::fmt::Display| format!("cannot draw the chart '{title}': {e}");
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, CHART_SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, TITLE_FONT)
            .margin(14)
            .x_label_area_size(48)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..x_max, 0f64..1f64)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&share_label)
            .y_label_formatter(&share_label)
            .light_line_style(RGBColor(244, 244, 244))
            .bold_line_style(RGBColor(220, 220, 220))
            .label_style(LABEL_FONT)
            .axis_desc_style(DESC_FONT)
            .draw()
            .map_err(|e| fail(&e))?;
        draw(&mut chart).map_err(|e| fail(&e))?;
        draw_legend(&mut chart, legend).map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(inline_svg(buf))
}

/// The series legend, in the report's one style.
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(190, 190, 190))
        .label_font(LABEL_FONT)
        .draw()
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn legend_line(c: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3))
}

fn threshold_marker(chart: &mut Chart, at: (f64, f64), label: String) -> DrawResult {
    let c = rgb(colors::THRESHOLD);
    chart
        .draw_series(std::iter::once(Circle::new(at, 6, c.filled())))
        .map_err(err)?
        .label(label)
        .legend(move |(x, y)| Circle::new((x + 9, y), 5, c.filled()));
    Ok(())
}

/// Everything the charts and tables of one label need.
struct LabelView<'a> {
    name: &'a str,
    report: &'a LabelReport,
    rows: &'a LabelRows,
    curve: Vec<CurvePoint>,
    /// The budget figures at the model's threshold.
    at_threshold: BudgetRow,
}

fn roc_chart(v: &LabelView) -> std::result::Result<String, String> {
    let m = &v.report.metrics;
    let title = format!("{}: ROC curve (AUC {})", v.name, opt3(m.roc_auc));
    chart_svg(
        &title,
        (
            &format!("comments without '{}' flagged", v.name),
            &format!("'{}' comments caught", v.name),
        ),
        1.0,
        SeriesLabelPosition::LowerRight,
        |chart| {
            chart
                .draw_series(LineSeries::new(
                    [(0.0, 0.0), (1.0, 1.0)],
                    RGBColor(190, 190, 190).stroke_width(1),
                ))
                .map_err(err)?
                .label("chance")
                .legend(legend_line(RGBColor(190, 190, 190)));
            let c = rgb(colors::ROC);
            chart
                .draw_series(LineSeries::new(
                    thin(&v.curve, MAX_POINTS)
                        .into_iter()
                        .map(|p| (p.fpr(), p.budget.caught)),
                    c.stroke_width(3),
                ))
                .map_err(err)?
                .label("model")
                .legend(legend_line(c));
            let at = CurvePoint {
                threshold: m.threshold,
                confusion: m.confusion,
                budget: v.at_threshold.clone(),
            };
            threshold_marker(
                chart,
                (at.fpr(), m.recall),
                format!("threshold {:.3}", m.threshold),
            )
        },
    )
}

fn pr_chart(v: &LabelView) -> std::result::Result<String, String> {
    let m = &v.report.metrics;
    let title = format!(
        "{}: precision-recall (AP {}, base rate {})",
        v.name,
        opt3(m.pr_auc),
        pct(m.base_rate)
    );
    chart_svg(
        &title,
        (
            &format!("recall ('{}' comments caught)", v.name),
            "precision at the base rate",
        ),
        1.0,
        SeriesLabelPosition::LowerMiddle,
        |chart| {
            let c = rgb(colors::PR);
            chart
                .draw_series(LineSeries::new(
                    thin(&v.curve[1..], MAX_POINTS)
                        .into_iter()
                        .map(|p| (p.budget.caught, p.budget.precision)),
                    c.stroke_width(3),
                ))
                .map_err(err)?
                .label("model")
                .legend(legend_line(c));
            threshold_marker(
                chart,
                (m.recall, m.precision),
                format!("threshold {:.3}", m.threshold),
            )
        },
    )
}

/// Two stacked histograms on the same score axis: the comments without the label above, those
/// with it below, each with its own count scale (the classes differ a lot in size).
fn histogram_chart(v: &LabelView) -> std::result::Result<String, String> {
    const BINS: usize = 20;
    let mut hist = [[0u64; BINS]; 2];
    for (&s, &y) in v.rows.scores.iter().zip(&v.rows.y) {
        let b = ((s.clamp(0.0, 1.0) * BINS as f32) as usize).min(BINS - 1);
        hist[usize::from(y)][b] += 1;
    }
    let m = &v.report.metrics;
    let title = format!("{}: scores of each class", v.name);
    let fail = |e: &dyn std::fmt::Display| format!("cannot draw the chart '{title}': {e}");
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (CHART_SIZE.0, CHART_SIZE.1 + 60))
            .into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let root = root
            .margin(14, 6, 14, 14)
            .titled(&title, TITLE_FONT)
            .map_err(|e| fail(&e))?;
        let half = root.dim_in_pixel().1 as i32 / 2 - 10;
        let (upper, lower) = root.split_vertically(half);
        let panels = [
            (
                &upper,
                0,
                rgb(colors::NEGATIVE),
                format!(
                    "without '{}': {} comments",
                    v.name,
                    count(m.rows - m.positives)
                ),
                "",
            ),
            (
                &lower,
                1,
                rgb(colors::POSITIVE),
                format!("with '{}': {} comments", v.name, count(m.positives)),
                "score",
            ),
        ];
        for (area, class, color, caption, x_desc) in panels {
            // At least 4, so that small counts still get whole-number ticks.
            let peak = hist[class].iter().copied().max().unwrap_or(0).max(4) as f64;
            let mut chart = ChartBuilder::on(area)
                .caption(caption, DESC_FONT)
                .margin_top(6)
                .x_label_area_size(if x_desc.is_empty() { 26 } else { 48 })
                .y_label_area_size(60)
                .build_cartesian_2d(0f64..1f64, 0f64..peak * 1.15)
                .map_err(|e| fail(&e))?;
            chart
                .configure_mesh()
                .x_desc(x_desc)
                .y_desc("comments")
                .x_labels(11)
                .y_labels(4)
                .x_label_formatter(&|v| format!("{v:.1}"))
                .y_label_formatter(&|v| format!("{v:.0}"))
                .light_line_style(RGBColor(244, 244, 244))
                .bold_line_style(RGBColor(220, 220, 220))
                .label_style(LABEL_FONT)
                .axis_desc_style(DESC_FONT)
                .draw()
                .map_err(|e| fail(&e))?;
            let width = 1.0 / BINS as f64;
            chart
                .draw_series((0..BINS).filter(|&b| hist[class][b] > 0).map(|b| {
                    let x0 = b as f64 * width;
                    Rectangle::new(
                        [
                            (x0 + 0.003, 0.0),
                            (x0 + width - 0.003, hist[class][b] as f64),
                        ],
                        color.filled(),
                    )
                }))
                .map_err(|e| fail(&e))?;
            let t = rgb(colors::THRESHOLD);
            chart
                .draw_series(LineSeries::new(
                    [(m.threshold as f64, 0.0), (m.threshold as f64, peak * 1.15)],
                    t.stroke_width(3),
                ))
                .map_err(|e| fail(&e))?
                .label(format!("threshold {:.3}", m.threshold))
                .legend(legend_line(t));
            draw_legend(&mut chart, SeriesLabelPosition::UpperRight).map_err(|e| fail(&e))?;
        }
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(inline_svg(buf))
}

fn budget_chart(v: &LabelView) -> std::result::Result<String, String> {
    let m = &v.report.metrics;
    // The base rate the review shares assume (the file's own when a class is absent).
    let rate = if m.positives > 0 && m.positives < m.rows {
        m.base_rate
    } else {
        m.positives as f64 / m.rows.max(1) as f64
    };
    // Zoom on where the decisions are: up to where 99% are caught (in steps of 10%), at least
    // twice the base rate and the threshold's review share.
    let full = v
        .curve
        .iter()
        .find(|p| p.budget.caught >= 0.99)
        .map_or(1.0, |p| p.budget.review_share);
    let x_max = ((full.max(2.0 * rate).max(v.at_threshold.review_share) * 10.0).ceil() / 10.0)
        .clamp(0.2, 1.0);
    let mut points: Vec<(f64, f64)> = Vec::new();
    for p in thin(&v.curve, MAX_POINTS) {
        let (x, y) = (p.budget.review_share, p.budget.caught);
        if x <= x_max {
            points.push((x, y));
            continue;
        }
        // Cut the curve at the edge of the chart.
        if let Some(&(x0, y0)) = points.last() {
            let y_edge = y0 + (y - y0) * (x_max - x0) / (x - x0);
            points.push((x_max, y_edge));
        }
        break;
    }
    chart_svg(
        &format!("{}: review budget (base rate {})", v.name, pct(rate)),
        (
            "share of all comments sent to review",
            &format!("'{}' comments caught", v.name),
        ),
        x_max,
        SeriesLabelPosition::LowerRight,
        |chart| {
            let grey = RGBColor(190, 190, 190);
            if rate > 0.0 {
                chart
                    .draw_series(LineSeries::new(
                        [
                            (0.0, 0.0),
                            (rate.min(x_max), rate.min(x_max) / rate),
                            (x_max, 1.0),
                        ],
                        grey.stroke_width(1),
                    ))
                    .map_err(err)?
                    .label("perfect model / random")
                    .legend(legend_line(grey));
            }
            chart
                .draw_series(LineSeries::new(
                    [(0.0, 0.0), (x_max, x_max)],
                    grey.stroke_width(1),
                ))
                .map_err(err)?;
            let c = rgb(colors::BUDGET);
            chart
                .draw_series(LineSeries::new(points, c.stroke_width(3)))
                .map_err(err)?
                .label("model")
                .legend(legend_line(c));
            threshold_marker(
                chart,
                (v.at_threshold.review_share, v.at_threshold.caught),
                format!(
                    "threshold {:.3}: review {}, catch {}",
                    m.threshold,
                    pct(v.at_threshold.review_share),
                    pct(v.at_threshold.caught)
                ),
            )
        },
    )
}

/// The model's identity: the SHA-256 of its content, as stored in its file's envelope.
fn model_sha256(model: &Model) -> String {
    match serde_json::to_string(&model.data) {
        Ok(body) => Sha256::digest(body.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        Err(_) => "unknown".into(),
    }
}

/// A score to three decimals, or four when three would not tell it from the threshold.
fn score_near(score: f32, threshold: f32) -> String {
    let three = format!("{score:.3}");
    if three == format!("{threshold:.3}") && score != threshold {
        format!("{score:.4}")
    } else {
        three
    }
}

/// Cut a comment to [`MAX_TEXT_CHARS`] characters.
fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;
 margin:0 auto;max-width:1160px;padding:24px;color:#1d2327;line-height:1.45}
h1{margin:0 0 4px;font-size:26px}h2{margin-top:40px;border-bottom:2px solid #ddd;padding-bottom:4px}
h3{margin:24px 0 8px;font-size:17px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:14px}
th,td{border:1px solid #d6d9dc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.meta th{width:150px}.note{color:#555;font-size:13px}
.charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:12px}
figure{margin:0;border:1px solid #e2e4e6;padding:4px}svg{display:block;max-width:100%;height:auto}
td.text{white-space:pre-wrap;max-width:620px;font-size:13.5px}
td.why{font-size:12.5px;font-family:ui-monospace,Menlo,Consolas,monospace;min-width:190px}
.up{color:#b3261e}.down{color:#1e6b2e}
.cm td{min-width:120px;text-align:center}.cm .ok{background:#e7f4ea}.cm .bad{background:#fbe9e7}
";

/// The whole report. `scores` are [`eval::score_rows`]'s, `report` [`eval::evaluate_scores`]'s.
pub fn render(
    model: &Model,
    ds: &Dataset,
    scores: &[Vec<f32>],
    report: &Report,
    meta: &Meta,
) -> std::result::Result<String, String> {
    let mut h = String::new();
    let title = format!("moderate — {}", meta.title);
    // `write!` to a String cannot fail; its results are ignored throughout.
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );

    // Where the figures come from.
    let card = &model.data.card;
    let sha = model_sha256(model);
    let _ = write!(
        h,
        "<table class=\"meta\">\n<tr><th>Model</th><td>{}</td></tr>\n\
         <tr><th>Model SHA-256</th><td><code>{}</code></td></tr>\n\
         <tr><th>Model trained</th><td>{} (moderate {}, seed {})</td></tr>\n",
        escape(&meta.model_source),
        escape(&sha),
        escape(if card.created.is_empty() {
            "unknown date"
        } else {
            &card.created
        }),
        escape(&card.moderate_version),
        card.seed
    );
    h.push_str("<tr><th>Data</th><td>");
    for s in &ds.sources {
        let _ = write!(
            h,
            "{} — {} rows, SHA-256 <code>{}</code><br>",
            escape(&s.path.display().to_string()),
            count(s.rows),
            escape(s.sha256.get(..16).unwrap_or(&s.sha256))
        );
    }
    h.push_str("</td></tr>\n");
    let _ = write!(
        h,
        "<tr><th>Rows scored</th><td>{}{}</td></tr>\n<tr><th>Report made</th><td>{}</td></tr>\n</table>\n",
        count(report.rows),
        meta.rows_note
            .as_deref()
            .map(|n| format!(" ({})", escape(n)))
            .unwrap_or_default(),
        escape(&meta.generated)
    );
    h.push_str(
        "<p class=\"note\">Precision, PR AUC and the share of comments sent to review are given at \
         the model's base rate (the share of comments a real section flags), not at the data's own \
         rate, which for most labeled data is far higher; recall and ROC AUC do not depend on it.</p>\n",
    );

    // Summary of every label.
    h.push_str(
        "<h2>Summary</h2>\n<table>\n<tr><th>label</th><th>rows</th><th>with label</th>\
         <th>ROC AUC</th><th>PR AUC</th><th>base rate</th><th>threshold</th><th>precision</th>\
         <th>recall</th><th>F1</th></tr>\n",
    );
    for l in &report.labels {
        let m = &l.metrics;
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#label-{id}\">{name}</a></td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.3}</td>\
             <td class=\"n\">{:.3}</td><td class=\"n\">{:.3}</td><td class=\"n\">{:.3}</td></tr>",
            count(m.rows),
            count(m.positives),
            opt3(m.roc_auc),
            opt3(m.pr_auc),
            pct(m.base_rate),
            m.threshold,
            m.precision,
            m.recall,
            m.f1,
            id = escape(&l.label),
            name = escape(&l.label),
        );
    }
    h.push_str("</table>\n");
    if !report.not_evaluated.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">Not evaluated (no such column or no value in the data): {}</p>",
            escape(&report.not_evaluated.join(", "))
        );
    }

    let all_rows = eval::label_rows(model, ds, scores);
    for l in &report.labels {
        let Some(rows) = all_rows
            .iter()
            .flatten()
            .find(|r| model.data.labels[r.label].name == l.label)
        else {
            continue;
        };
        let m = &l.metrics;
        let view = LabelView {
            name: &l.label,
            report: l,
            rows,
            curve: curve(&rows.scores, &rows.y, m.base_rate),
            at_threshold: BudgetRow::from_counts(m.threshold, &m.confusion, m.base_rate),
        };
        label_section(&mut h, model, ds, &view)?;
    }

    // The figures, for other tools.
    let json = serde_json::to_string(report).map_err(err)?;
    let _ = write!(
        h,
        "<script type=\"application/json\" id=\"figures\">{}</script>\n</body>\n</html>\n",
        json.replace("</", "<\\/")
    );
    Ok(h)
}

fn label_section(
    h: &mut String,
    model: &Model,
    ds: &Dataset,
    v: &LabelView,
) -> std::result::Result<(), String> {
    let m = &v.report.metrics;
    let name = escape(v.name);
    let _ = writeln!(h, "<section id=\"label-{name}\">\n<h2>{name}</h2>");
    let at = &v.at_threshold;
    let _ = writeln!(
        h,
        "<p>At the model's threshold of <b>{:.3}</b> and a base rate of {}, <b>{}</b> of all \
         comments would be flagged for review and <b>{}</b> of the '{name}' comments caught; \
         <b>{}</b> of the flagged comments would really be '{name}' (precision). \
         ROC AUC {}, PR AUC {}, F1 {:.3}.</p>",
        m.threshold,
        pct(m.base_rate),
        pct(at.review_share),
        pct(m.recall),
        pct(m.precision),
        opt3(m.roc_auc),
        opt3(m.pr_auc),
        m.f1
    );
    if m.positives == 0 || m.positives == m.rows {
        let _ = writeln!(
            h,
            "<p class=\"note\">Every row here is {}'{name}': the curves and AUCs need comments \
             of both kinds, so they are empty.</p>",
            if m.positives == 0 { "not " } else { "" }
        );
    }
    let c = &m.confusion;
    let _ = writeln!(
        h,
        "<table class=\"cm\"><caption class=\"note\">Confusion matrix on these rows (counts, \
         not reweighted)</caption>\n\
         <tr><th></th><th>flagged (score ≥ {:.3})</th><th>not flagged</th></tr>\n\
         <tr><th>'{name}'</th><td class=\"ok\">{} caught</td><td class=\"bad\">{} missed</td></tr>\n\
         <tr><th>not '{name}'</th><td class=\"bad\">{} false alarm{}</td><td class=\"ok\">{} left alone</td></tr>\n\
         </table>",
        m.threshold,
        count(c.tp),
        count(c.fn_),
        count(c.fp),
        if c.fp == 1 { "" } else { "s" },
        count(c.tn)
    );

    h.push_str("<div class=\"charts\">\n");
    for svg in [
        roc_chart(v)?,
        pr_chart(v)?,
        histogram_chart(v)?,
        budget_chart(v)?,
    ] {
        let _ = writeln!(h, "<figure class=\"chart\">{svg}</figure>");
    }
    h.push_str("</div>\n");

    let _ = writeln!(
        h,
        "<details><summary>Review-budget table</summary>\n<table>\n<tr><th>threshold</th>\
         <th>sent to review</th><th>'{name}' caught</th><th>precision</th></tr>"
    );
    for b in &v.report.budget {
        let _ = writeln!(
            h,
            "<tr><td class=\"n\">{:.2}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.3}</td></tr>",
            b.threshold,
            pct(b.review_share),
            pct(b.caught),
            b.precision
        );
    }
    h.push_str("</table>\n</details>\n");

    // Worst errors: false positives by how far above the threshold, false negatives by how far
    // below.
    let r = v.rows;
    let t = m.threshold;
    let mut fps: Vec<usize> = (0..r.y.len())
        .filter(|&k| !r.y[k] && r.scores[k] >= t)
        .collect();
    fps.sort_by(|&a, &b| r.scores[b].total_cmp(&r.scores[a]).then(a.cmp(&b)));
    let mut fns: Vec<usize> = (0..r.y.len())
        .filter(|&k| r.y[k] && r.scores[k] < t)
        .collect();
    fns.sort_by(|&a, &b| r.scores[a].total_cmp(&r.scores[b]).then(a.cmp(&b)));
    for (kind, list, total) in [
        (
            format!("Worst false positives: not '{name}', scored highest"),
            &fps,
            c.fp,
        ),
        (
            format!("Worst false negatives: '{name}', scored lowest"),
            &fns,
            c.fn_,
        ),
    ] {
        let shown = list.len().min(WORST);
        let _ = writeln!(h, "<h3>{kind} ({shown} of {})</h3>", count(total));
        if shown == 0 {
            h.push_str("<p class=\"note\">None.</p>\n");
            continue;
        }
        h.push_str(
            "<table class=\"errors\">\n<tr><th>score</th><th>where</th><th>comment</th>\
             <th>raised by / lowered by</th></tr>\n",
        );
        for &k in &list[..shown] {
            let e = &ds.examples[r.rows[k]];
            let source = ds
                .sources
                .get(e.source)
                .map(|s| s.path.display().to_string())
                .unwrap_or_default();
            let contributions = model.contributions(r.label, &e.text);
            let mut why = String::new();
            for ctb in contributions.iter().filter(|c| c.weight > 0.0).take(4) {
                let _ = write!(
                    why,
                    "<span class=\"up\">{:+.2} {}</span><br>",
                    ctb.weight,
                    escape(&ctb.reason)
                );
            }
            for ctb in contributions
                .iter()
                .rev()
                .filter(|c| c.weight < 0.0)
                .take(3)
            {
                let _ = write!(
                    why,
                    "<span class=\"down\">{:+.2} {}</span><br>",
                    ctb.weight,
                    escape(&ctb.reason)
                );
            }
            let _ = writeln!(
                h,
                "<tr><td class=\"n\">{}</td><td>{}:{}</td><td class=\"text\">{}</td><td class=\"why\">{why}</td></tr>",
                score_near(r.scores[k], t),
                escape(&source),
                e.line,
                escape(&cut(&e.text))
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("</section>\n");
    Ok(())
}

/// Render the report and write it to `path` (atomically). Errors name `path`.
pub fn write(
    path: &Path,
    model: &Model,
    ds: &Dataset,
    scores: &[Vec<f32>],
    report: &Report,
    meta: &Meta,
) -> Result<()> {
    let html = render(model, ds, scores, report, meta)
        .map_err(|m| Error::io(path, std::io::Error::other(m)))?;
    crate::io::output::write_atomic(path, html.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_runs_from_nothing_to_everything_and_matches_the_budget_table() {
        let s = [0.1, 0.3, 0.3, 0.6, 0.7, 0.9];
        let y = [false, false, true, true, false, true];
        let c = curve(&s, &y, 0.1);
        assert_eq!(
            c.len(),
            6,
            "one point per distinct score, plus nothing flagged"
        );
        assert_eq!((c[0].confusion.tp, c[0].confusion.fp), (0, 0));
        let last = c.last().unwrap();
        assert_eq!((last.confusion.tp, last.confusion.fp), (3, 3));
        assert!((last.budget.review_share - 1.0).abs() < 1e-12);
        for p in c.windows(2) {
            assert!(p[1].budget.caught >= p[0].budget.caught);
            assert!(p[1].budget.review_share >= p[0].budget.review_share);
        }
        // The point at 0.3 is what `eval`'s table computes at that threshold.
        let p = c.iter().find(|p| p.threshold == 0.3).unwrap();
        let table = BudgetRow::from_counts(0.3, &Confusion::at(&s, &y, 0.3), 0.1);
        assert_eq!(p.budget, table);
        assert!((p.fpr() - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn thin_keeps_the_ends() {
        let c = curve(
            &(0..1000).map(|i| i as f32 / 1000.0).collect::<Vec<_>>(),
            &(0..1000).map(|i| i % 3 == 0).collect::<Vec<_>>(),
            0.1,
        );
        let t = thin(&c, 100);
        assert!(t.len() <= 101);
        assert_eq!(t[0], &c[0]);
        assert_eq!(*t.last().unwrap(), c.last().unwrap());
    }

    #[test]
    fn escape_and_cut() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        let long = "é".repeat(MAX_TEXT_CHARS + 5);
        assert_eq!(cut(&long).chars().count(), MAX_TEXT_CHARS + 1);
        assert_eq!(count(1234567), "1\u{202f}234\u{202f}567");
        assert_eq!(count(999), "999");
        assert_eq!(score_near(0.2298, 0.2301), "0.2298");
        assert_eq!(score_near(0.5, 0.2301), "0.500");
    }
}
