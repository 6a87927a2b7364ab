//! Ranking and threshold metrics for binary scores.
//!
//! The shared data sets flag 50–85% of their rows; a news comment section flags 5–20%. Precision
//! depends on that base rate, so the precision-side figures take a weight for negatives:
//! [`negative_weight`] makes the weighted sample have the deployment base rate, as if the
//! acceptable comments were as common as they are on a real site. Recall and ROC AUC do not depend
//! on the base rate.

use serde::{Deserialize, Serialize};

/// Weight for each negative row so that positives make up `base_rate` of the weighted sample.
pub fn negative_weight(positives: usize, negatives: usize, base_rate: f64) -> f64 {
    if positives == 0 || negatives == 0 || !(0.0..1.0).contains(&base_rate) || base_rate == 0.0 {
        return 1.0;
    }
    (1.0 - base_rate) / base_rate * positives as f64 / negatives as f64
}

/// Area under the ROC curve (probability that a random positive outranks a random negative,
/// ties counting one half). None when one class is absent.
pub fn roc_auc(scores: &[f32], labels: &[bool]) -> Option<f64> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let n_pos = labels.iter().filter(|&&y| y).count() as f64;
    let n_neg = labels.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return None;
    }
    // Sum of (mid)ranks of the positives.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j < order.len() && scores[order[j]] == scores[order[i]] {
            j += 1;
        }
        let mid = (i + j + 1) as f64 / 2.0; // ranks are 1-based: (i+1 ..= j)
        for &k in &order[i..j] {
            if labels[k] {
                rank_sum += mid;
            }
        }
        i = j;
    }
    Some((rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg))
}

/// Average precision (area under the precision-recall curve, step-wise as scikit-learn's
/// `average_precision_score`) with negatives weighted by `neg_weight`.
pub fn average_precision(scores: &[f32], labels: &[bool], neg_weight: f64) -> Option<f64> {
    let n_pos = labels.iter().filter(|&&y| y).count() as f64;
    if n_pos == 0.0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut fp, mut ap, mut last_recall) = (0.0, 0.0, 0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j < order.len() && scores[order[j]] == scores[order[i]] {
            if labels[order[j]] {
                tp += 1.0;
            } else {
                fp += neg_weight;
            }
            j += 1;
        }
        let recall = tp / n_pos;
        let precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
        ap += (recall - last_recall) * precision;
        last_recall = recall;
        i = j;
    }
    Some(ap)
}

/// Counts at a threshold (score >= threshold is flagged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Confusion {
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
}

impl Confusion {
    pub fn at(scores: &[f32], labels: &[bool], threshold: f32) -> Confusion {
        let mut c = Confusion::default();
        for (&s, &y) in scores.iter().zip(labels) {
            match (s >= threshold, y) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.fn_ += 1,
            }
        }
        c
    }

    /// Precision with negatives weighted by `neg_weight`.
    pub fn precision(&self, neg_weight: f64) -> f64 {
        let tp = self.tp as f64;
        let fp = self.fp as f64 * neg_weight;
        if tp + fp == 0.0 {
            0.0
        } else {
            tp / (tp + fp)
        }
    }

    pub fn recall(&self) -> f64 {
        let p = (self.tp + self.fn_) as f64;
        if p == 0.0 {
            0.0
        } else {
            self.tp as f64 / p
        }
    }

    /// False-positive rate: the share of the rows without the label that are flagged (0 when
    /// there are none).
    pub fn false_positive_rate(&self) -> f64 {
        let neg = self.fp + self.tn;
        if neg == 0 {
            0.0
        } else {
            self.fp as f64 / neg as f64
        }
    }

    pub fn f1(&self, neg_weight: f64) -> f64 {
        let p = self.precision(neg_weight);
        let r = self.recall();
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// The threshold that maximizes F1 (negatives weighted by `neg_weight`). Returns a score value;
/// rows scoring at or above it are flagged. One group of [`best_mean_f1_threshold`].
pub fn best_f1_threshold(scores: &[f32], labels: &[bool], neg_weight: f64) -> f32 {
    best_mean_f1_threshold(&[(scores, labels, neg_weight)])
}

/// The threshold that maximizes the mean of several groups' F1 (each group: its scores, labels
/// and negative weight), every group counting the same however many rows it has. Candidates are
/// the groups' scores; rows scoring at or above the threshold are flagged.
pub fn best_mean_f1_threshold(groups: &[(&[f32], &[bool], f64)]) -> f32 {
    // Per group: positives' and negatives' scores, each sorted in descending order.
    let sorted: Vec<(Vec<f32>, Vec<f32>, f64)> = groups
        .iter()
        .map(|&(scores, labels, neg_weight)| {
            let (mut pos, mut neg) = (Vec::new(), Vec::new());
            for (&s, &y) in scores.iter().zip(labels) {
                if y {
                    pos.push(s);
                } else {
                    neg.push(s);
                }
            }
            pos.sort_by(|a, b| b.total_cmp(a));
            neg.sort_by(|a, b| b.total_cmp(a));
            (pos, neg, neg_weight)
        })
        .collect();
    let mut candidates: Vec<f32> = groups.iter().flat_map(|g| g.0.iter().copied()).collect();
    candidates.sort_by(|a, b| b.total_cmp(a));
    candidates.dedup();
    let at_or_above = |v: &[f32], t: f32| v.partition_point(|&s| s >= t) as f64;
    let (mut best, mut best_t) = (-1.0, 0.5);
    for t in candidates {
        let mut sum = 0.0;
        for (pos, neg, neg_weight) in &sorted {
            let tp = at_or_above(pos, t);
            let fp = at_or_above(neg, t) * neg_weight;
            let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
            let r = if pos.is_empty() {
                0.0
            } else {
                tp / pos.len() as f64
            };
            sum += if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            };
        }
        let mean = sum / sorted.len().max(1) as f64;
        if mean > best {
            best = mean;
            best_t = t;
        }
    }
    best_t
}

/// The mean over groups of the share of their negatives scoring at or above `t` (groups without
/// negatives count 0).
pub fn mean_false_positive_rate(groups: &[(&[f32], &[bool])], t: f32) -> f64 {
    let mut sum = 0.0;
    for &(scores, labels) in groups {
        let (mut neg, mut fp) = (0usize, 0usize);
        for (&s, &y) in scores.iter().zip(labels) {
            if !y {
                neg += 1;
                fp += (s >= t) as usize;
            }
        }
        if neg > 0 {
            sum += fp as f64 / neg as f64;
        }
    }
    sum / groups.len().max(1) as f64
}

/// The lowest threshold (a score value of the groups, or just above the highest) at which the
/// mean over groups of the false-positive rate is at most `budget`: the review budget rule, which
/// reads only the acceptable rows' scores, so that a change in the positives a source teaches
/// does not move it.
pub fn threshold_at_mean_fpr(groups: &[(&[f32], &[bool])], budget: f64) -> f32 {
    let mut candidates: Vec<f32> = groups.iter().flat_map(|g| g.0.iter().copied()).collect();
    candidates.sort_by(|a, b| a.total_cmp(b));
    candidates.dedup();
    // The mean false-positive rate falls as the threshold rises: the first candidate within the
    // budget is the lowest.
    let i = candidates.partition_point(|&t| mean_false_positive_rate(groups, t) > budget);
    match candidates.get(i) {
        Some(&t) => t,
        None => candidates.last().map_or(0.5, |&t| t.next_up()),
    }
}

/// Held-out figures for one label, stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Held-out rows where the label is known, and how many are positive.
    pub rows: u64,
    pub positives: u64,
    pub roc_auc: Option<f64>,
    /// Average precision at the deployment base rate (negatives reweighted).
    pub pr_auc: Option<f64>,
    /// Average precision on the held-out rows as they are (their own base rate).
    pub pr_auc_sample: Option<f64>,
    /// The deployment base rate the precision figures assume.
    pub base_rate: f64,
    pub threshold: f32,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub confusion: Confusion,
}

impl Metrics {
    pub fn compute(scores: &[f32], labels: &[bool], threshold: f32, base_rate: f64) -> Metrics {
        let positives = labels.iter().filter(|&&y| y).count();
        let w = negative_weight(positives, labels.len() - positives, base_rate);
        let confusion = Confusion::at(scores, labels, threshold);
        Metrics {
            rows: labels.len() as u64,
            positives: positives as u64,
            roc_auc: roc_auc(scores, labels),
            pr_auc: average_precision(scores, labels, w),
            pr_auc_sample: average_precision(scores, labels, 1.0),
            base_rate,
            threshold,
            precision: confusion.precision(w),
            recall: confusion.recall(),
            f1: confusion.f1(w),
            confusion,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roc_auc_known_values() {
        assert_eq!(
            roc_auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]),
            Some(1.0)
        );
        assert_eq!(
            roc_auc(&[0.9, 0.8, 0.2, 0.1], &[false, false, true, true]),
            Some(0.0)
        );
        assert_eq!(roc_auc(&[0.5, 0.5], &[false, true]), Some(0.5));
        // scikit-learn: roc_auc_score([0,0,1,1],[0.1,0.4,0.35,0.8]) == 0.75
        assert_eq!(
            roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]),
            Some(0.75)
        );
        assert_eq!(roc_auc(&[0.1, 0.2], &[true, true]), None);
    }

    #[test]
    fn average_precision_known_values() {
        // scikit-learn: average_precision_score([0,0,1,1],[0.1,0.4,0.35,0.8]) == 0.8333…
        let ap =
            average_precision(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true], 1.0).unwrap();
        assert!((ap - 0.833_333).abs() < 1e-5, "{ap}");
        // Weighting negatives up lowers precision.
        let ap2 =
            average_precision(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true], 4.0).unwrap();
        assert!(ap2 < ap);
    }

    #[test]
    fn negative_weight_reaches_the_base_rate() {
        // 80 positives, 20 negatives; at a 10% base rate each negative counts 36 times.
        let w = negative_weight(80, 20, 0.1);
        assert!((80.0 / (80.0 + 20.0 * w) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn the_mean_f1_threshold_weighs_each_group_the_same() {
        // One group alone: the same threshold as the pooled rule.
        let (s, y) = ([0.1f32, 0.4, 0.35, 0.8], [false, false, true, true]);
        assert_eq!(
            best_mean_f1_threshold(&[(&s, &y, 1.0)]),
            best_f1_threshold(&s, &y, 1.0)
        );
        // A large group with five negatives at 0.4, and a small one perfect from 0.3 up: pooled,
        // the large one decides (0.5: F1 0.977 against 0.898 at 0.3); the mean of the two F1
        // prefers 0.3 (0.889 and 1, against 1 and 0.667 at 0.5).
        let big_s: Vec<f32> = (0..40).map(|i| if i < 20 { 0.2 } else { 0.7 }).collect();
        let big_y: Vec<bool> = (0..40).map(|i| i >= 20).collect();
        let mut big_s2 = big_s.clone();
        big_s2[..5].fill(0.4);
        let small_s = [0.1f32, 0.3, 0.5];
        let small_y = [false, true, true];
        let mut all_s = big_s2.clone();
        all_s.extend(small_s);
        let mut all_y = big_y.clone();
        all_y.extend(small_y);
        assert_eq!(best_f1_threshold(&all_s, &all_y, 1.0), 0.5);
        let t = best_mean_f1_threshold(&[(&big_s2, &big_y, 1.0), (&small_s, &small_y, 1.0)]);
        assert_eq!(t, 0.3);
    }

    #[test]
    fn the_review_budget_threshold_is_the_lowest_within_the_mean_false_positive_rate() {
        // Group a: negatives 0.1..0.9 (ten), one positive; group b: negatives 0.05, 0.15.
        let a_s: Vec<f32> = (1..=10)
            .map(|i| i as f32 / 10.0 - 0.05)
            .chain([0.99])
            .collect();
        let a_y: Vec<bool> = (0..11).map(|i| i == 10).collect();
        let (b_s, b_y) = ([0.05f32, 0.15], [false, false]);
        let groups = [(a_s.as_slice(), a_y.as_slice()), (&b_s[..], &b_y[..])];
        // At 0.15, a flags 9 of 10 negatives and b 1 of 2: the mean is 0.7.
        assert!((mean_false_positive_rate(&groups, 0.15) - 0.7).abs() < 1e-12);
        // A budget of 20%: a alone would need 0.85 (2 of 10 flagged); the mean of a (4 of 10) and
        // b (none) allows 0.65, and no lower score (0.55: a flags 5 of 10, a mean of 0.25).
        let t = threshold_at_mean_fpr(&groups, 0.2);
        assert_eq!(t, a_s[6]);
        assert_eq!(threshold_at_mean_fpr(&groups[..1], 0.2), a_s[8]);
        assert!(mean_false_positive_rate(&groups, t) <= 0.2);
        let below = a_s
            .iter()
            .copied()
            .filter(|&s| s < t)
            .fold(f32::MIN, f32::max);
        assert!(mean_false_positive_rate(&groups, below) > 0.2);
        // The positives do not move it: the same negatives with other positives, same threshold.
        let mut a_s2 = a_s.clone();
        a_s2[10] = 0.3;
        let groups2 = [(a_s2.as_slice(), a_y.as_slice()), (&b_s[..], &b_y[..])];
        assert_eq!(threshold_at_mean_fpr(&groups2, 0.2), t);
        // No false alarm at all: the lowest score above every negative (the positive's).
        assert_eq!(threshold_at_mean_fpr(&groups, 0.0), 0.99);
        // Negatives on top: just above the highest score.
        let (c_s, c_y) = ([0.2f32, 0.9], [true, false]);
        let t0 = threshold_at_mean_fpr(&[(&c_s, &c_y)], 0.0);
        assert!(t0 > 0.9 && mean_false_positive_rate(&[(&c_s, &c_y)], t0) == 0.0);
    }

    #[test]
    fn confusion_and_best_threshold() {
        let s = [0.1, 0.3, 0.6, 0.7, 0.9];
        let y = [false, false, true, false, true];
        let c = Confusion::at(&s, &y, 0.6);
        assert_eq!((c.tp, c.fp, c.tn, c.fn_), (2, 1, 2, 0));
        assert!((c.f1(1.0) - 0.8).abs() < 1e-12);
        assert!((c.false_positive_rate() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(
            Confusion::at(&[0.9], &[true], 0.5).false_positive_rate(),
            0.0
        );
        let t = best_f1_threshold(&s, &y, 1.0);
        assert!(t == 0.6 || t == 0.9, "{t}");
        assert_eq!(best_f1_threshold(&[0.2, 0.8], &[false, true], 1.0), 0.8);
    }
}
