//! `moderate eval`: how a model does on a labeled file, in figures a moderation lead can use.
//!
//! Per label: ROC AUC, PR AUC, precision, recall, F1 and the confusion matrix at the model's
//! threshold, and a review-budget table: for thresholds from 0.05 to 0.95, the share of all
//! comments that would be sent to review and the share of the label's comments caught. Precision
//! and the review share are given at the model's base rate (the share of comments a real section
//! flags), because labeled files rarely have it; `*_sample` figures are on the file as it is.

pub mod metrics;
pub mod report;

use rayon::prelude::*;
use serde::Serialize;

use crate::eval::metrics::{negative_weight, Confusion, Metrics};
use crate::io::dataset::Dataset;
use crate::model::Model;

/// One row of the review-budget table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetRow {
    pub threshold: f32,
    /// Share of all comments scoring at or above the threshold, at the base rate.
    pub review_share: f64,
    /// The same on the file's own rows.
    pub review_share_sample: f64,
    /// Share of the label's comments caught (recall).
    pub caught: f64,
    /// Precision at the base rate.
    pub precision: f64,
}

/// Figures for one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelReport {
    pub label: String,
    pub metrics: Metrics,
    pub budget: Vec<BudgetRow>,
}

/// The whole evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub files: Vec<String>,
    pub rows: u64,
    pub labels: Vec<LabelReport>,
    /// Model labels with no column in the data.
    pub not_evaluated: Vec<String>,
}

impl BudgetRow {
    /// The row for the counts at `threshold`, at the label's `base_rate` (the file's own rate
    /// when one class is absent). The table below and the report's review-budget curve both use it.
    pub fn from_counts(threshold: f32, c: &Confusion, base_rate: f64) -> BudgetRow {
        let pos = (c.tp + c.fn_) as usize;
        let neg = (c.fp + c.tn) as usize;
        let n = (pos + neg).max(1);
        let w = negative_weight(pos, neg, base_rate);
        let tpr = c.recall();
        let fpr = c.false_positive_rate();
        let rate = if pos > 0 && neg > 0 {
            base_rate
        } else {
            pos as f64 / n as f64
        };
        BudgetRow {
            threshold,
            review_share: rate * tpr + (1.0 - rate) * fpr,
            review_share_sample: (c.tp + c.fp) as f64 / n as f64,
            caught: tpr,
            precision: c.precision(w),
        }
    }
}

/// The rows of one label that the data knows: their index in the dataset, score and truth.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelRows {
    /// Index of the label in the model.
    pub label: usize,
    pub rows: Vec<usize>,
    pub scores: Vec<f32>,
    pub y: Vec<bool>,
}

/// Every row's score for every model label, in model order (no reasons: one pass per row).
pub fn score_rows(model: &Model, ds: &Dataset) -> Vec<Vec<f32>> {
    ds.examples
        .par_iter()
        .map(|e| model.scores(&e.text))
        .collect()
}

/// For each model label, its known rows; None when the data has no column or no value for it.
pub fn label_rows(model: &Model, ds: &Dataset, scores: &[Vec<f32>]) -> Vec<Option<LabelRows>> {
    model
        .data
        .labels
        .iter()
        .enumerate()
        .map(|(l, lm)| {
            let col = ds.labels.iter().position(|n| n == &lm.name)?;
            let mut out = LabelRows {
                label: l,
                ..LabelRows::default()
            };
            for (i, (e, sc)) in ds.examples.iter().zip(scores).enumerate() {
                if let Some(y) = e.labels[col] {
                    out.rows.push(i);
                    out.scores.push(sc[l]);
                    out.y.push(y);
                }
            }
            (!out.y.is_empty()).then_some(out)
        })
        .collect()
}

/// Score every row and compute the figures for each model label the data has.
pub fn evaluate(model: &Model, ds: &Dataset) -> Report {
    evaluate_scores(model, ds, &score_rows(model, ds))
}

/// The figures from scores already computed by [`score_rows`].
pub fn evaluate_scores(model: &Model, ds: &Dataset, scores: &[Vec<f32>]) -> Report {
    let mut labels = Vec::new();
    let mut not_evaluated = Vec::new();
    for (lm, rows) in model.data.labels.iter().zip(label_rows(model, ds, scores)) {
        let Some(LabelRows { scores: s, y, .. }) = rows else {
            not_evaluated.push(lm.name.clone());
            continue;
        };
        let metrics = Metrics::compute(&s, &y, lm.threshold, lm.base_rate);
        let budget = (1..=19)
            .map(|k| {
                let t = k as f32 * 0.05;
                BudgetRow::from_counts(t, &Confusion::at(&s, &y, t), lm.base_rate)
            })
            .collect();
        labels.push(LabelReport {
            label: lm.name.clone(),
            metrics,
            budget,
        });
    }
    Report {
        files: ds
            .sources
            .iter()
            .map(|s| s.path.display().to_string())
            .collect(),
        rows: ds.examples.len() as u64,
        labels,
        not_evaluated,
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{v:.3}"))
}

/// The report as plain text tables.
pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    out.push_str(&format!("{} rows from {}\n\n", r.rows, r.files.join(", ")));
    out.push_str(&format!(
        "{:<14} {:>6} {:>6} {:>8} {:>8} {:>9} {:>9} {:>7} {:>7} {:>6} {:>6} {:>6} {:>6}\n",
        "label",
        "rows",
        "pos",
        "roc_auc",
        "pr_auc",
        "base_rate",
        "threshold",
        "prec",
        "recall",
        "tp",
        "fp",
        "tn",
        "fn"
    ));
    for l in &r.labels {
        let m = &l.metrics;
        out.push_str(&format!(
            "{:<14} {:>6} {:>6} {:>8} {:>8} {:>9.3} {:>9.3} {:>7.3} {:>7.3} {:>6} {:>6} {:>6} {:>6}\n",
            l.label,
            m.rows,
            m.positives,
            opt(m.roc_auc),
            opt(m.pr_auc),
            m.base_rate,
            m.threshold,
            m.precision,
            m.recall,
            m.confusion.tp,
            m.confusion.fp,
            m.confusion.tn,
            m.confusion.fn_
        ));
    }
    out.push_str(
        "\nprecision and pr_auc at the base rate (negatives reweighted); recall and roc_auc do not depend on it\n",
    );
    for l in &r.labels {
        out.push_str(&format!(
            "\nreview budget for {} (base rate {}):\n{:>9} {:>14} {:>18} {:>10}\n",
            l.label,
            l.metrics.base_rate,
            "threshold",
            "sent to review",
            "of them caught",
            "precision"
        ));
        for b in &l.budget {
            out.push_str(&format!(
                "{:>9.2} {:>13.1}% {:>17.1}% {:>10.3}\n",
                b.threshold,
                100.0 * b.review_share,
                100.0 * b.caught,
                b.precision
            ));
        }
    }
    if !r.not_evaluated.is_empty() {
        out.push_str(&format!(
            "\nnot evaluated (no such column in the data): {}\n",
            r.not_evaluated.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::dataset::{Example, Source};

    fn dataset() -> Dataset {
        let rows = [
            ("Merci pour cet article très clair.", false),
            ("Bonne analyse, je partage.", false),
            (
                "Le gouvernement a menti sur les chiffres, c'est grave.",
                false,
            ),
            ("Selon l'ONU, les frappes ont tué 40 civils.", false),
            ("T'es vraiment un gros connard, ferme-la.", true),
            ("Ces rats doivent être exterminés, tous.", true),
        ];
        Dataset {
            labels: vec!["toxic".into()],
            examples: rows
                .iter()
                .enumerate()
                .map(|(i, (t, y))| Example {
                    text: t.to_string(),
                    labels: vec![Some(*y)],
                    source: 0,
                    line: i as u64 + 2,
                })
                .collect(),
            sources: vec![Source {
                path: "t.csv".into(),
                sha256: String::new(),
                rows: 6,
                columns: vec![],
            }],
        }
    }

    #[test]
    fn report_has_figures_and_a_monotone_review_budget() {
        let model = Model::default_model().unwrap();
        let r = evaluate(&model, &dataset());
        assert_eq!(r.labels.len(), 1);
        assert!(r.not_evaluated.contains(&"insult".to_string()));
        let l = &r.labels[0];
        assert_eq!(l.metrics.rows, 6);
        assert_eq!(
            l.metrics.roc_auc,
            Some(1.0),
            "the default model ranks these right"
        );
        assert_eq!(l.budget.len(), 19);
        assert!((l.budget[0].threshold - 0.05).abs() < 1e-6);
        for pair in l.budget.windows(2) {
            assert!(pair[1].review_share <= pair[0].review_share + 1e-12);
            assert!(pair[1].caught <= pair[0].caught + 1e-12);
        }
        let text = render_text(&r);
        assert!(text.contains("review budget for toxic"));
        assert!(text.contains("not evaluated"));
    }
}
