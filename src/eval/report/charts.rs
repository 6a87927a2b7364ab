//! The report's charts, each an inline `<svg>` drawn by `plotters`: ROC, precision-recall, the
//! score histograms of both classes and the review-budget curve of one label, in the colours of
//! [`colors`](super::colors). Titles, axis descriptions and legends come from the label view's
//! language ([`crate::i18n::Text`]), tick labels are in its number style.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::html::{count, opt3, pct};
use super::{colors, thin, LabelView, CHART_SIZE, MAX_POINTS};
use crate::i18n::{fill, Lang};

fn rgb(c: (u8, u8, u8)) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
type DrawResult = std::result::Result<(), String>;

/// A percentage axis label: `10%`, `0.5%` (`0,5 %` in French).
fn share_label(lang: Lang, v: f64) -> String {
    if v > 0.0 && v < 0.1 - 1e-9 && (v * 1000.0).round() % 10.0 != 0.0 {
        lang.percent(&format!("{:.1}", v * 100.0))
    } else {
        lang.percent(&format!("{:.0}", v * 100.0))
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
    lang: Lang,
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
            // Wider on the right, where the last x tick label (« 100 % ») is centred on the edge.
            .margin_top(14)
            .margin_bottom(14)
            .margin_left(14)
            .margin_right(26)
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
            .x_label_formatter(&|v| share_label(lang, *v))
            .y_label_formatter(&|v| share_label(lang, *v))
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

/// The chart's threshold marker label.
fn threshold_label(v: &LabelView) -> String {
    fill(
        v.lang.text().threshold_marker,
        &[(
            "threshold",
            &v.lang.fixed(v.report.metrics.threshold.into(), 3),
        )],
    )
}

pub(super) fn roc_chart(v: &LabelView) -> std::result::Result<String, String> {
    let (lang, t) = (v.lang, v.lang.text());
    let m = &v.report.metrics;
    let name = [("name", v.name)];
    let title = fill(
        t.roc_title,
        &[("name", v.name), ("auc", &opt3(lang, m.roc_auc))],
    );
    chart_svg(
        lang,
        &title,
        (&fill(t.roc_x, &name), &fill(t.caught_axis, &name)),
        1.0,
        SeriesLabelPosition::LowerRight,
        |chart| {
            chart
                .draw_series(LineSeries::new(
                    [(0.0, 0.0), (1.0, 1.0)],
                    RGBColor(190, 190, 190).stroke_width(1),
                ))
                .map_err(err)?
                .label(t.chance)
                .legend(legend_line(RGBColor(190, 190, 190)));
            let c = rgb(colors::ROC);
            chart
                .draw_series(LineSeries::new(
                    thin(&v.curve, MAX_POINTS)
                        .into_iter()
                        .map(|p| (p.confusion.false_positive_rate(), p.budget.caught)),
                    c.stroke_width(3),
                ))
                .map_err(err)?
                .label(t.model)
                .legend(legend_line(c));
            threshold_marker(
                chart,
                (m.confusion.false_positive_rate(), m.recall),
                threshold_label(v),
            )
        },
    )
}

pub(super) fn pr_chart(v: &LabelView) -> std::result::Result<String, String> {
    let (lang, t) = (v.lang, v.lang.text());
    let m = &v.report.metrics;
    let title = fill(
        t.pr_title,
        &[
            ("name", v.name),
            ("ap", &opt3(lang, m.pr_auc)),
            ("base_rate", &pct(lang, m.base_rate)),
        ],
    );
    chart_svg(
        lang,
        &title,
        (&fill(t.pr_x, &[("name", v.name)]), t.pr_y),
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
                .label(t.model)
                .legend(legend_line(c));
            threshold_marker(chart, (m.recall, m.precision), threshold_label(v))
        },
    )
}

/// Two stacked histograms on the same score axis: the comments without the label above, those
/// with it below, each with its own count scale (the classes differ a lot in size).
pub(super) fn histogram_chart(v: &LabelView) -> std::result::Result<String, String> {
    const BINS: usize = 20;
    let mut hist = [[0u64; BINS]; 2];
    for (&s, &y) in v.rows.scores.iter().zip(&v.rows.y) {
        let b = ((s.clamp(0.0, 1.0) * BINS as f32) as usize).min(BINS - 1);
        hist[usize::from(y)][b] += 1;
    }
    let (lang, t) = (v.lang, v.lang.text());
    let m = &v.report.metrics;
    let title = fill(t.histogram_title, &[("name", v.name)]);
    let class = |form, n: u64| lang.plural(form, n, &count(n), &[("name", v.name)]);
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
                class(&t.histogram_without, m.rows - m.positives),
                "",
            ),
            (
                &lower,
                1,
                rgb(colors::POSITIVE),
                class(&t.histogram_with, m.positives),
                t.histogram_x,
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
                .y_desc(t.histogram_y)
                .x_labels(11)
                .y_labels(4)
                .x_label_formatter(&|v| lang.fixed(*v, 1))
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
                .label(threshold_label(v))
                .legend(legend_line(t));
            draw_legend(&mut chart, SeriesLabelPosition::UpperRight).map_err(|e| fail(&e))?;
        }
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(inline_svg(buf))
}

pub(super) fn budget_chart(v: &LabelView) -> std::result::Result<String, String> {
    let (lang, t) = (v.lang, v.lang.text());
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
        lang,
        &fill(
            t.budget_title,
            &[("name", v.name), ("base_rate", &pct(lang, rate))],
        ),
        (t.budget_x, &fill(t.caught_axis, &[("name", v.name)])),
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
                    .label(t.perfect_or_random)
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
                .label(t.model)
                .legend(legend_line(c));
            threshold_marker(
                chart,
                (v.at_threshold.review_share, v.at_threshold.caught),
                fill(
                    t.budget_marker,
                    &[
                        ("threshold", &lang.fixed(m.threshold.into(), 3)),
                        ("review", &pct(lang, v.at_threshold.review_share)),
                        ("caught", &pct(lang, v.at_threshold.caught)),
                    ],
                ),
            )
        },
    )
}
