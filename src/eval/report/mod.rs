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
//!
//! `html.rs` writes the page, `charts.rs` draws the charts; this file holds what both use (the
//! curves of a label, its view) and the writer. Every text of the page comes from the table of
//! [`Meta::lang`] ([`crate::i18n`]): English, or French with `--lang fr`.

mod charts;
mod html;

use std::path::Path;

use crate::error::{Error, Result};
use crate::eval::metrics::Confusion;
use crate::eval::{BudgetRow, LabelReport, LabelRows, Report};
use crate::i18n::Lang;
use crate::io::dataset::Dataset;
use crate::model::Model;

pub use html::{escape, render};

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
    /// `evaluation report`, `held-out report`… in [`Meta::lang`].
    pub title: String,
    /// The model file, or `embedded default model` in [`Meta::lang`].
    pub model_source: String,
    /// The date the report was made (YYYY-MM-DD).
    pub generated: String,
    /// Where the rows come from, when it is not simply every row of the files.
    pub rows_note: Option<String>,
    /// The language of the page.
    pub lang: Lang,
    /// A site model (`train --from`): the base model's name and, per refitted label, both
    /// models on the same held-out rows.
    pub adapted: Option<(String, Vec<BaseComparison>)>,
}

/// One label of a site model, base against adapted on the same held-out rows.
#[derive(Debug, Clone)]
pub struct BaseComparison {
    pub label: String,
    pub rows: u64,
    pub positives: u64,
    pub base_roc_auc: Option<f64>,
    pub adapted_roc_auc: Option<f64>,
    pub base_pr_auc: Option<f64>,
    pub adapted_pr_auc: Option<f64>,
}

/// One point of a label's curves: the counts when every row scoring at or above `threshold` is
/// flagged, and the review-budget figures at the label's base rate.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvePoint {
    pub threshold: f32,
    pub confusion: Confusion,
    pub budget: BudgetRow,
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

/// Everything the charts and tables of one label need.
struct LabelView<'a> {
    lang: Lang,
    name: &'a str,
    report: &'a LabelReport,
    rows: &'a LabelRows,
    curve: Vec<CurvePoint>,
    /// The budget figures at the model's threshold.
    at_threshold: BudgetRow,
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
    use super::html::{count, cut, score_near};
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
        assert!((p.confusion.false_positive_rate() - 2.0 / 3.0).abs() < 1e-12);
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
        assert_eq!(score_near(Lang::En, 0.2298, 0.2301), "0.2298");
        assert_eq!(score_near(Lang::En, 0.5, 0.2301), "0.500");
        assert_eq!(score_near(Lang::Fr, 0.2298, 0.2301), "0,2298");
        assert_eq!(score_near(Lang::Fr, 0.5, 0.2301), "0,500");
    }
}
