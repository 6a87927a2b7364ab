//! Stage 5, calibrate: from a label's fit to the label's model.
//!
//! - **Prior correction.** The balanced fit's probabilities assume the balanced prior; the model
//!   stores `offset = logit(base rate) − logit(fitted prior)` so that scores are probabilities on a
//!   section where `base_rate` of comments are flagged for the main label (other labels: the base
//!   rate times their frequency relative to the main label in the training data,
//!   [`label_base_rate`]).
//! - **Threshold.** The threshold per label maximizes F1 at that base rate on the out-of-fold
//!   scores (never on the held-out rows) of the rows that choose thresholds (`--threshold-data`:
//!   the files labeled by the site's own rules; every row by default, and whenever those files
//!   hold no row of one class of the label). With a review budget (`--review-budget RATE` for the
//!   main label, `LABEL=RATE` for another), it is instead the lowest threshold that flags at most
//!   that share of the acceptable rows: a line that holds when rows are added. With
//!   `--budgets-on-main-acceptable`, another label's budget counts the rows acceptable for the
//!   main label only (an insult that is not dehumanizing is flagged anyway: it spends no
//!   `dehumanizing` budget). Training notes the share each label's threshold flags, the budget
//!   that would hold it, and for another label its share of the main label's acceptable rows.

use std::collections::BTreeMap;

use super::balance::{repeated, RowSources};
use super::fit::LabelFit;
use super::params::TrainParams;
use super::{known_rows, logistic, TrainProgress};
use crate::eval::metrics;
use crate::io::dataset::Dataset;
use crate::model::LabelModel;

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

/// The base rate assumed for a label: the main label's is given; another label's is that times
/// its frequency relative to the main label on rows where both are known.
pub(crate) fn label_base_rate(
    ds: &Dataset,
    rows: &[usize],
    label: usize,
    main: usize,
    base: f64,
) -> f64 {
    if label == main {
        return base;
    }
    let (mut both, mut main_pos, mut label_pos) = (0usize, 0usize, 0usize);
    for &i in rows {
        if let (Some(m), Some(v)) = (ds.examples[i].labels[main], ds.examples[i].labels[label]) {
            both += 1;
            main_pos += m as usize;
            label_pos += v as usize;
        }
    }
    if both == 0 || main_pos == 0 {
        let (_, y) = known_rows(ds, rows, label);
        let rate = y.iter().filter(|&&v| v).count() as f64 / y.len().max(1) as f64;
        return rate.min(base).max(1e-4);
    }
    (base * label_pos as f64 / main_pos as f64).clamp(1e-4, base)
}

/// The out-of-fold scores (`oof`, raw, by position in `rows`, shifted by `offset`) and labels of
/// the rows that choose thresholds, by file.
fn threshold_files(
    rows: &[usize],
    oof: &[f32],
    y: &[bool],
    offset: f32,
    sources: &RowSources,
) -> BTreeMap<usize, (Vec<f32>, Vec<bool>)> {
    let mut files: BTreeMap<usize, (Vec<f32>, Vec<bool>)> = BTreeMap::new();
    for ((&row, &z), &v) in rows.iter().zip(oof).zip(y) {
        if sources.chooses_threshold(row) {
            let (s, l) = files.entry(sources.source(row)).or_default();
            s.push(logistic::sigmoid(z + offset));
            l.push(v);
        }
    }
    files
}

/// The label's threshold, from the out-of-fold scores (`oof`, raw, by position in `rows`, shifted
/// by `offset`) of the rows that choose thresholds, or of every row when those cannot (they hold
/// only one class; for a review budget, no acceptable row):
/// - by default, the best F1 at `base_rate`; by file ([`RowSources::threshold_by_file`]), the best
///   mean of the F1 of the files that hold both classes;
/// - with a `review_budget`, the lowest threshold that flags at most that share of the acceptable
///   rows (by file: the mean of the files' shares, over the files that hold acceptable rows).
///
/// Also returns the share of the acceptable rows the threshold flags, read the way a budget is
/// (by file or pooled, on the same rows): the budget that would hold this threshold.
fn choose_threshold(
    rows: &[usize],
    oof: &[f32],
    y: &[bool],
    offset: f32,
    base_rate: f64,
    sources: &RowSources,
    review_budget: Option<f64>,
) -> (f32, f64) {
    // Whether a set of rows can choose: both classes for F1, acceptable rows for a budget.
    let can_choose = |labels: &[bool]| {
        labels.contains(&false) && (review_budget.is_some() || labels.contains(&true))
    };
    // Negatives weighted so that positives are `base_rate` of the rows.
    let neg_weight = |labels: &[bool]| {
        let pos = labels.iter().filter(|&&v| v).count();
        metrics::negative_weight(pos, labels.len() - pos, base_rate)
    };
    let files = threshold_files(rows, oof, y, offset, sources);
    if sources.threshold_by_file() {
        let groups: Vec<(&[f32], &[bool])> = files
            .values()
            .filter(|(_, l)| can_choose(l))
            .map(|(s, l)| (s.as_slice(), l.as_slice()))
            .collect();
        if !groups.is_empty() {
            let t = match review_budget {
                Some(budget) => metrics::threshold_at_mean_fpr(&groups, budget),
                None => {
                    let weighted: Vec<(&[f32], &[bool], f64)> =
                        groups.iter().map(|&(s, l)| (s, l, neg_weight(l))).collect();
                    metrics::best_mean_f1_threshold(&weighted)
                }
            };
            let acceptable: Vec<(&[f32], &[bool])> = groups
                .into_iter()
                .filter(|(_, l)| l.contains(&false))
                .collect();
            return (t, metrics::mean_false_positive_rate(&acceptable, t));
        }
    }
    let (mut scores, mut labels): (Vec<f32>, Vec<bool>) = (Vec::new(), Vec::new());
    for (s, l) in files.values() {
        scores.extend(s);
        labels.extend(l);
    }
    if !can_choose(&labels) {
        scores = oof.iter().map(|&z| logistic::sigmoid(z + offset)).collect();
        labels = y.to_vec();
    }
    let t = match review_budget {
        Some(budget) => metrics::threshold_at_mean_fpr(&[(&scores, &labels)], budget),
        None => metrics::best_f1_threshold(&scores, &labels, neg_weight(&labels)),
    };
    (
        t,
        metrics::mean_false_positive_rate(&[(&scores, &labels)], t),
    )
}

/// How a label's threshold is chosen: its review budget (none: best F1) and, for a label other
/// than the main one, the rows its budget counts.
#[derive(Debug, Clone, Default)]
pub(crate) struct ThresholdRule {
    /// The share of acceptable out-of-fold rows the threshold may flag; `None`: best F1.
    pub budget: Option<f64>,
    /// For a label other than the main one: whether each of its fit's rows is flagged for the
    /// main label ([`main_flagged`]).
    pub main_flagged: Option<Vec<bool>>,
    /// The budget counts the rows acceptable for the main label only (`main_flagged` false),
    /// not every row where this label is 0.
    pub on_main_acceptable: bool,
}

impl ThresholdRule {
    /// The rule of label `l` (`name`) fitted on `rows`, by the training parameters: its budget
    /// and, for a label other than `main`, whether each row is flagged for the main label (an
    /// unknown main label counts as acceptable).
    pub(crate) fn of(
        params: &TrainParams,
        ds: &Dataset,
        name: &str,
        l: usize,
        main: usize,
        rows: &[usize],
    ) -> ThresholdRule {
        ThresholdRule {
            budget: params.budget_of(name, l == main),
            main_flagged: (l != main).then(|| {
                rows.iter()
                    .map(|&i| ds.examples[i].labels[main] == Some(true))
                    .collect()
            }),
            on_main_acceptable: params.budgets_on_main_acceptable,
        }
    }
}

/// The rows (with their out-of-fold scores and labels) that are positive for the label or
/// acceptable for the main label: those flagged for the main label alone are left out.
fn main_acceptable_or_positive(
    rows: &[usize],
    oof: &[f32],
    y: &[bool],
    main: &[bool],
) -> (Vec<usize>, Vec<f32>, Vec<bool>) {
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..rows.len() {
        if y[k] || !main[k] {
            out.0.push(rows[k]);
            out.1.push(oof[k]);
            out.2.push(y[k]);
        }
    }
    out
}

/// The share of the acceptable rows that choose thresholds flagged at `threshold`, read the way
/// a budget is (the mean over files with `--threshold-by-file`, else pooled).
fn flagged_share(
    rows: &[usize],
    oof: &[f32],
    y: &[bool],
    offset: f32,
    sources: &RowSources,
    threshold: f32,
) -> f64 {
    let files = threshold_files(rows, oof, y, offset, sources);
    let groups: Vec<(&[f32], &[bool])> = files
        .values()
        .filter(|(_, l)| l.contains(&false))
        .map(|(s, l)| (s.as_slice(), l.as_slice()))
        .collect();
    if sources.threshold_by_file() {
        return metrics::mean_false_positive_rate(&groups, threshold);
    }
    let (mut scores, mut labels): (Vec<f32>, Vec<bool>) = (Vec::new(), Vec::new());
    for (s, l) in groups {
        scores.extend(s);
        labels.extend(l);
    }
    metrics::mean_false_positive_rate(&[(&scores, &labels)], threshold)
}

/// The label's threshold by its [`ThresholdRule`], with the share of the acceptable rows it flags
/// (as [`choose_threshold`]) and, for a label other than the main one, the share of the rows
/// acceptable for the main label it flags.
fn rule_threshold(
    rows: &[usize],
    oof: &[f32],
    y: &[bool],
    offset: f32,
    base_rate: f64,
    sources: &RowSources,
    rule: &ThresholdRule,
) -> (f32, f64, Option<f64>) {
    // With a budget counted on the main label's acceptable rows, the rows flagged for the main
    // label only do not choose the threshold.
    let (threshold, flagged) = match &rule.main_flagged {
        Some(main) if rule.on_main_acceptable && rule.budget.is_some() => {
            let (r, o, v) = main_acceptable_or_positive(rows, oof, y, main);
            choose_threshold(&r, &o, &v, offset, base_rate, sources, rule.budget)
        }
        _ => choose_threshold(rows, oof, y, offset, base_rate, sources, rule.budget),
    };
    let on_main = rule.main_flagged.as_ref().map(|main| {
        let (r, o, v) = main_acceptable_or_positive(rows, oof, y, main);
        flagged_share(&r, &o, &v, offset, sources, threshold)
    });
    (threshold, flagged, on_main)
}

/// The label's model: the fit with its prior correction to `base_rate` and its threshold, and the
/// training figures the model card keeps (no held-out metrics yet: see [`super::card`]).
pub(crate) fn calibrate(
    name: &str,
    lf: LabelFit,
    base_rate: f64,
    sources: &RowSources,
    max_repeat: u32,
    rule: ThresholdRule,
    progress: &dyn TrainProgress,
) -> LabelModel {
    let LabelFit {
        rows,
        y,
        fit,
        prior,
        alpha,
        cv,
        oof,
    } = lf;
    // Prior correction from the fitted class balance to the base rate.
    let n_pos = y.iter().filter(|&&v| v).count();
    let offset = (logit(base_rate) - logit(prior)) as f32;
    let rep = repeated(&rows, &y, sources, max_repeat);

    let review_budget = rule.budget;
    let (threshold, flagged, on_main) =
        rule_threshold(&rows, &oof, &y, offset, base_rate, sources, &rule);
    progress.note(&format!(
        "label '{name}': threshold {threshold:.3} ({}) flags {:.3}% of the acceptable out-of-fold \
         rows{}",
        match (review_budget, rule.on_main_acceptable && on_main.is_some()) {
            (Some(b), false) => format!("review budget {:.3}%", 100.0 * b),
            (Some(b), true) => format!(
                "review budget {:.3}% of the rows acceptable for the main label",
                100.0 * b
            ),
            (None, _) => "best F1".to_string(),
        },
        100.0 * flagged,
        match on_main {
            Some(share) => format!(
                " ({:.3}% of those acceptable for the main label)",
                100.0 * share
            ),
            None => String::new(),
        }
    ));

    LabelModel {
        name: name.to_string(),
        weights: fit.weights,
        bias: fit.bias,
        offset,
        threshold,
        base_rate,
        alpha,
        train_rows: y.len() as u64,
        train_positives: n_pos as u64,
        minority_repeats: rep.class_repeat,
        cv,
        metrics: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prior_correction_is_a_difference_of_logits() {
        assert!(logit(0.5).abs() < 1e-12);
        assert!((logit(0.1) + (9.0f64).ln()).abs() < 1e-12);
        // Clamped: no infinity at 0 or 1.
        assert!(logit(0.0).is_finite() && logit(1.0).is_finite());
    }

    #[test]
    fn only_the_rows_of_the_threshold_files_choose_the_threshold() {
        // File 0 flags scores from 0.6 up, file 1 from 0.3 up: each alone has a perfect threshold.
        let scores = [0.1f32, 0.2, 0.6, 0.7, 0.2, 0.3, 0.4, 0.5];
        let y = [false, false, true, true, false, true, true, true];
        let rows: Vec<usize> = (0..8).collect();
        let oof: Vec<f32> = scores.iter().map(|&p| logit(p as f64) as f32).collect();
        let files = vec![0, 0, 0, 0, 1, 1, 1, 1];
        let t = |chooses: Vec<bool>| {
            let sources = RowSources::new(files.clone(), vec![1, 1]).with_threshold_files(chooses);
            choose_threshold(&rows, &oof, &y, 0.0, 0.5, &sources, None).0
        };
        assert!((t(vec![true, false]) - 0.6).abs() < 1e-5);
        assert!((t(vec![false, true]) - 0.3).abs() < 1e-5);
        // Every row: 0.3 catches all five positives for one false alarm.
        assert!((t(vec![true, true]) - 0.3).abs() < 1e-5);
        // A file with one class only cannot choose: every row does.
        let one_class = [false, false, false, false, false, true, true, true];
        let sources =
            RowSources::new(files.clone(), vec![1, 1]).with_threshold_files(vec![true, false]);
        let all = RowSources::new(files.clone(), vec![1, 1]);
        assert_eq!(
            choose_threshold(&rows, &oof, &one_class, 0.0, 0.5, &sources, None).0,
            choose_threshold(&rows, &oof, &one_class, 0.0, 0.5, &all, None).0
        );
    }

    #[test]
    fn a_review_budget_reads_the_acceptable_rows_by_file() {
        // File 0: negatives 0.1, 0.2, 0.6, 0.7; file 1: negatives 0.2, 0.3; positives anywhere.
        let scores = [0.1f32, 0.2, 0.6, 0.7, 0.9, 0.2, 0.3, 0.8];
        let y = [false, false, false, false, true, false, false, true];
        let rows: Vec<usize> = (0..8).collect();
        let oof: Vec<f32> = scores.iter().map(|&p| logit(p as f64) as f32).collect();
        let files = vec![0, 0, 0, 0, 0, 1, 1, 1];
        let sources = RowSources::new(files.clone(), vec![1, 1]);
        let t = |sources: &RowSources, budget| {
            choose_threshold(&rows, &oof, &y, 0.0, 0.5, sources, Some(budget)).0
        };
        // Pooled: 6 negatives, a budget of 1/3 flags at most 2 of them: 0.6.
        assert!((t(&sources, 1.0 / 3.0) - 0.6).abs() < 1e-5);
        // By file: at 0.3 file 0 flags 2 of 4 and file 1 one of 2, a mean of 1/2; at 0.6,
        // 1/2 and 0, a mean of 1/4, within a budget of 1/4; 0.3 is not.
        let by_file = RowSources::new(files, vec![1, 1]).with_threshold_by_file(true);
        assert!((t(&by_file, 0.25) - 0.6).abs() < 1e-5);
        assert!((t(&by_file, 0.5) - 0.3).abs() < 1e-5);
        // The positives' scores play no part.
        let mut low = oof.clone();
        low[4] = logit(0.05) as f32;
        let (moved, _) = choose_threshold(&rows, &low, &y, 0.0, 0.5, &by_file, Some(0.25));
        assert!((moved - 0.6).abs() < 1e-5);
    }

    #[test]
    fn the_share_a_threshold_flags_is_the_budget_that_holds_it() {
        // Two files; positives and negatives overlap, so best F1 flags some acceptable rows.
        let scores = [
            0.1f32, 0.35, 0.5, 0.65, 0.7, 0.9, 0.15, 0.4, 0.45, 0.6, 0.8, 0.3,
        ];
        let y = [
            false, false, true, false, true, true, false, false, true, false, true, true,
        ];
        let rows: Vec<usize> = (0..12).collect();
        let oof: Vec<f32> = scores.iter().map(|&p| logit(p as f64) as f32).collect();
        let files = vec![0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
        for by_file in [false, true] {
            let sources =
                RowSources::new(files.clone(), vec![1, 1]).with_threshold_by_file(by_file);
            let (t, share) = choose_threshold(&rows, &oof, &y, 0.0, 0.5, &sources, None);
            assert!(share > 0.0 && share < 1.0, "{share}");
            // Held by its own share: the same false alarms, at a threshold no higher.
            let (held, again) = choose_threshold(&rows, &oof, &y, 0.0, 0.5, &sources, Some(share));
            assert!((again - share).abs() < 1e-12, "{again} {share}");
            assert!(held <= t, "{held} {t}");
            // A budget's own share is within the budget.
            let (_, within) = choose_threshold(&rows, &oof, &y, 0.0, 0.5, &sources, Some(0.2));
            assert!(within <= 0.2, "{within}");
        }
    }

    #[test]
    fn a_budget_on_the_main_labels_acceptable_rows_leaves_out_the_rows_flagged_for_it() {
        // Four clean rows, two insults that are not dehumanizing (scored high), two positives.
        let scores = [0.1f32, 0.2, 0.3, 0.4, 0.8, 0.9, 0.7, 0.95];
        let y = [false, false, false, false, false, false, true, true];
        let main = [false, false, false, false, true, true, true, true];
        let rows: Vec<usize> = (0..8).collect();
        let oof: Vec<f32> = scores.iter().map(|&p| logit(p as f64) as f32).collect();
        let sources = RowSources::new(vec![0; 8], vec![1]);
        let rule = |budget, on_main_acceptable| ThresholdRule {
            budget,
            main_flagged: Some(main.to_vec()),
            on_main_acceptable,
        };
        let t = |r: ThresholdRule| rule_threshold(&rows, &oof, &y, 0.0, 0.5, &sources, &r);
        // Counted on every row where the label is 0 (6), a quarter flags one: the 0.9 insult.
        let (every, share, on_main) = t(rule(Some(0.25), false));
        assert!((every - 0.9).abs() < 1e-5, "{every}");
        assert!((share - 1.0 / 6.0).abs() < 1e-9, "{share}");
        assert_eq!(on_main, Some(0.0));
        // Counted on the rows acceptable for the main label (4): one of them, at 0.4.
        let (acceptable, share, on_main) = t(rule(Some(0.25), true));
        assert!((acceptable - 0.4).abs() < 1e-5, "{acceptable}");
        assert!(
            (share - 0.25).abs() < 1e-9 && on_main == Some(0.25),
            "{share} {on_main:?}"
        );
        // Best F1 is not a budget: the rule changes nothing there.
        assert_eq!(t(rule(None, false)).0, t(rule(None, true)).0);
        // The main label's own threshold has no main label to read.
        let own = ThresholdRule {
            budget: Some(0.25),
            main_flagged: None,
            on_main_acceptable: true,
        };
        assert_eq!(t(own).0, every);
    }

    #[test]
    fn another_labels_base_rate_follows_its_frequency_relative_to_the_main_label() {
        let mut ds = Dataset {
            labels: vec!["toxic".into(), "insult".into()],
            ..Dataset::default()
        };
        // 40 toxic rows, 10 of them insults; 60 clean rows.
        for i in 0..100 {
            ds.examples.push(crate::io::dataset::Example {
                text: String::new(),
                labels: vec![Some(i < 40), Some(i < 10)],
                source: 0,
                line: i as u64 + 2,
            });
        }
        let rows: Vec<usize> = (0..100).collect();
        assert_eq!(label_base_rate(&ds, &rows, 0, 0, 0.1), 0.1);
        assert!((label_base_rate(&ds, &rows, 1, 0, 0.1) - 0.025).abs() < 1e-12);
    }
}
