//! English: the report's and `explain`'s texts as they have always read.

use super::{Plural, Text};

const fn same(form: &'static str) -> Plural {
    Plural {
        one: form,
        other: form,
    }
}

pub static TEXT: Text = Text {
    code: "en",
    decimal_mark: '.',
    percent: "{v}%",
    singular: |n| n == 1,
    label_words: &[],

    eval_title: "evaluation report",
    held_out_title: "held-out report",
    held_out_note: "the held-out rows of {rows} rows read (--holdout {holdout}, --seed {seed}), \
                    never used to train",
    default_model: "embedded default model",
    meta_model: "Model",
    meta_model_sha: "Model SHA-256",
    meta_model_trained: "Model trained",
    model_trained: "{date} (moderate {version}, seed {seed})",
    unknown_date: "unknown date",
    meta_data: "Data",
    data_source: "{path} — {rows} rows, SHA-256 {sha}",
    meta_rows_scored: "Rows scored",
    meta_report_made: "Report made",
    base_rate_note: "Precision, PR AUC and the share of comments sent to review are given at the \
                     model's base rate (the share of comments a real section flags), not at the \
                     data's own rate, which for most labeled data is far higher; recall and ROC \
                     AUC do not depend on it.",

    summary_heading: "Summary",
    summary_columns: [
        "label",
        "rows",
        "with label",
        "ROC AUC",
        "PR AUC",
        "base rate",
        "threshold",
        "precision",
        "recall",
        "F1",
    ],
    not_evaluated: "Not evaluated (no such column or no value in the data): {labels}",

    adapted_heading: "Base model against the adapted model",
    adapted_note: "Base model: {base}. Each label your file has was \
                   fitted again; the others are the base model's, unchanged. Both models scored \
                   the same held-out rows; higher figures are better.",
    adapted_columns: [
        "label",
        "rows",
        "with label",
        "ROC AUC base",
        "ROC AUC adapted",
        "PR AUC base",
        "PR AUC adapted",
    ],

    label_summary: "At the model's threshold of <b>{threshold}</b> and a base rate of {base_rate}, \
                    <b>{review}</b> of all comments would be flagged for review and <b>{recall}</b> \
                    of the '{name}' comments caught; <b>{precision}</b> of the flagged comments \
                    would really be '{name}' (precision). ROC AUC {roc_auc}, PR AUC {pr_auc}, \
                    F1 {f1}.",
    only_negatives: "Every row here is not '{name}': the curves and AUCs need comments of both \
                     kinds, so they are empty.",
    only_positives: "Every row here is '{name}': the curves and AUCs need comments of both kinds, \
                     so they are empty.",
    confusion_caption: "Confusion matrix on these rows (counts, not reweighted)",
    confusion_flagged: "flagged (score ≥ {threshold})",
    confusion_not_flagged: "not flagged",
    confusion_with: "'{name}'",
    confusion_without: "not '{name}'",
    confusion_caught: same("{n} caught"),
    confusion_missed: same("{n} missed"),
    confusion_false_alarms: Plural {
        one: "{n} false alarm",
        other: "{n} false alarms",
    },
    confusion_left_alone: same("{n} left alone"),
    budget_table: "Review-budget table",
    budget_columns: ["threshold", "sent to review", "'{name}' caught", "precision"],
    worst_false_positives: "Worst false positives: not '{name}', scored highest",
    worst_false_negatives: "Worst false negatives: '{name}', scored lowest",
    shown_of: "{shown} of {total}",
    none: "None.",
    error_columns: ["score", "where", "comment", "raised by / lowered by"],

    roc_title: "{name}: ROC curve (AUC {auc})",
    roc_x: "comments without '{name}' flagged",
    caught_axis: "'{name}' comments caught",
    chance: "chance",
    model: "model",
    threshold_marker: "threshold {threshold}",
    pr_title: "{name}: precision-recall (AP {ap}, base rate {base_rate})",
    pr_x: "recall ('{name}' comments caught)",
    pr_y: "precision at the base rate",
    histogram_title: "{name}: scores of each class",
    histogram_without: same("without '{name}': {n} comments"),
    histogram_with: same("with '{name}': {n} comments"),
    histogram_x: "score",
    histogram_y: "comments",
    budget_title: "{name}: review budget (base rate {base_rate})",
    budget_x: "share of all comments sent to review",
    perfect_or_random: "perfect model / random",
    budget_marker: "threshold {threshold}: review {review}, catch {caught}",

    explain_threshold: "(threshold {threshold})",
    explain_flagged: "FLAGGED",
    explain_intercept: "intercept (where every comment starts)",
    explain_calibration: "calibration (the shift to a {rate}% base rate)",
};
