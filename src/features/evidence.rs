//! Naive-Bayes evidence: the second block of the feature vector.
//!
//! The evidence table holds, for many more n-grams than the vocabulary, how many positive and
//! negative training comments of each label have them. Its features are two per label (word
//! n-grams, character n-grams): the mean log-count ratio `ln P(n-gram | label) − ln P(n-gram |
//! not label)` over the comment's n-grams found in the table (the "NB" of NB-SVM / NB-LR, Wang &
//! Manning 2012). At training time each comment's own counts are left out of its evidence
//! (leave-one-out), so the model never learns from a feature that saw the row's label. The table
//! is chosen by [`crate::train::vocab`].

use serde::{Deserialize, Serialize};

use super::ngrams::NgramKind;

/// One n-gram of the evidence table: kind, text, and per label its number of positive and of
/// negative training comments (`[pos_0, neg_0, pos_1, neg_1, …]`). Stored as a JSON array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceEntry(pub NgramKind, pub String, pub Vec<u32>);

/// Naive-Bayes evidence: document counts of many n-grams per label.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Evidence {
    /// Labels, in model order.
    pub labels: Vec<String>,
    /// Per label: training comments where it is positive, and negative.
    pub totals: Vec<(u32, u32)>,
    pub entries: Vec<EvidenceEntry>,
}

/// Smoothed log-count ratio of an n-gram in `pos` of `total_pos` positive and `neg` of
/// `total_neg` negative comments: ln((pos+1)/(P+2)) − ln((neg+1)/(N+2)), clipped to ±5.
pub fn log_count_ratio(pos: u32, neg: u32, total_pos: u32, total_neg: u32) -> f32 {
    smoothed_log_count_ratio(pos, neg, total_pos, total_neg, 1.0)
}

/// [`log_count_ratio`] with `a` pseudo-comments on each side instead of 1:
/// ln((pos+a)/(P+2a)) − ln((neg+a)/(N+2a)), clipped to ±5. A larger `a` pulls the ratio of a rare
/// n-gram (seen in a dozen comments of one source) towards 0 more than a frequent one's.
pub fn smoothed_log_count_ratio(pos: u32, neg: u32, total_pos: u32, total_neg: u32, a: f32) -> f32 {
    let p = (pos as f32 + a) / (total_pos as f32 + 2.0 * a);
    let q = (neg as f32 + a) / (total_neg as f32 + 2.0 * a);
    (p.ln() - q.ln()).clamp(-5.0, 5.0)
}

/// Log-count ratio from which a word marks a label strongly enough for a glued token to be split
/// around it (e^1.5 ≈ 4.5 times more frequent, smoothed, in that label's comments).
const STRONG_EVIDENCE: f32 = 1.5;

/// Floats per entry of [`Ratios`] when there are at most this many labels.
const LANES: usize = 8;

/// The evidence table compiled for scoring: the log-count ratio of every entry for every label,
/// and each entry's kind apart from the entries themselves (which hold their text and counts),
/// since scoring reads it for every entry a comment has.
#[derive(Debug, Clone)]
pub(super) struct Ratios {
    /// `entry * stride + label`.
    ratios: Vec<f32>,
    /// Floats per entry in `ratios`: [`LANES`] when there are at most as many labels (0 past the
    /// last label), so that a comment's sums add a whole row at once, each label in its own
    /// lane; else the number of labels.
    stride: usize,
    kinds: Vec<NgramKind>,
    labels: usize,
    /// Pseudo-comments of the smoothing (`FeatureConfig::evidence_smoothing`).
    smoothing: f32,
}

impl Ratios {
    /// The ratios of a table, or why it is inconsistent.
    pub(super) fn new(evidence: &Evidence, smoothing: f32) -> Result<Ratios, &'static str> {
        let labels = evidence.labels.len();
        let stride = if labels <= LANES { LANES } else { labels };
        let mut ratios = Vec::with_capacity(evidence.entries.len() * stride);
        for EvidenceEntry(_, _, counts) in &evidence.entries {
            if counts.len() != 2 * labels {
                return Err("an evidence entry does not have two counts per label");
            }
            for (l, &(p, n)) in evidence.totals.iter().enumerate() {
                ratios.push(smoothed_log_count_ratio(
                    counts[2 * l],
                    counts[2 * l + 1],
                    p,
                    n,
                    smoothing,
                ));
            }
            ratios.resize(ratios.len() + stride - labels, 0.0);
        }
        Ok(Ratios {
            ratios,
            stride,
            kinds: evidence.entries.iter().map(|e| e.0).collect(),
            labels,
            smoothing,
        })
    }

    /// The ratios of an entry, one per label.
    #[inline]
    pub(super) fn row(&self, entry: u32) -> &[f32] {
        let start = entry as usize * self.stride;
        &self.ratios[start..start + self.labels]
    }

    /// Whether an entry is a word or a character n-gram.
    #[inline]
    pub(super) fn kind(&self, entry: u32) -> NgramKind {
        self.kinds[entry as usize]
    }

    /// The log-count ratio of an entry for a label.
    pub(super) fn ratio(&self, entry: u32, label: usize) -> f32 {
        self.ratios[entry as usize * self.stride + label]
    }

    /// Whether an entry is strong evidence for one of the labels: a log-count ratio of at least
    /// [`STRONG_EVIDENCE`] (e.g. `abruti`, `idiots`).
    pub(super) fn marks_a_label(&self, entry: u32) -> bool {
        self.row(entry).iter().any(|&r| r >= STRONG_EVIDENCE)
    }

    /// The evidence features of a comment from its entries (`evidence` is the table these ratios
    /// were compiled from): per label, the mean log-count ratio of its word n-grams, then of its
    /// character n-grams. With `leave_out` (the comment's own labels, at training time), the
    /// comment's own counts are taken out of the table first.
    pub(super) fn values(
        &self,
        evidence: &Evidence,
        entries: &[u32],
        leave_out: Option<&[Option<bool>]>,
    ) -> Vec<f32> {
        let n_labels = self.labels;
        let Some(own) = leave_out else {
            return self.stored_values(entries, |_| {});
        };
        let mut sums = vec![0f32; 2 * n_labels];
        let mut counts = [0u32; 2];
        for &e in entries {
            let k = (self.kind(e) == NgramKind::Char) as usize;
            counts[k] += 1;
            let ratios = self.row(e);
            let entry = &evidence.entries[e as usize];
            for (l, &stored) in ratios.iter().enumerate() {
                let r = match own.get(l).copied().flatten() {
                    None => stored,
                    Some(y) => {
                        let (tp, tn) = evidence.totals[l];
                        let (p, n) = (entry.2[2 * l], entry.2[2 * l + 1]);
                        if y {
                            smoothed_log_count_ratio(
                                p.saturating_sub(1),
                                n,
                                tp.saturating_sub(1),
                                tn,
                                self.smoothing,
                            )
                        } else {
                            smoothed_log_count_ratio(
                                p,
                                n.saturating_sub(1),
                                tp,
                                tn.saturating_sub(1),
                                self.smoothing,
                            )
                        }
                    }
                };
                sums[2 * l + k] += r;
            }
        }
        for (i, v) in sums.iter_mut().enumerate() {
            let c = counts[i % 2];
            if c > 0 {
                *v /= c as f32;
            }
        }
        sums
    }

    /// [`Ratios::values`] at scoring time (no leave-out): the stored ratios. Word and character
    /// sums are kept apart, each label's in entry order as in `values`, so that a row adds
    /// to contiguous sums. `visit` is called with each entry as it is read (the featurizer
    /// clears its count then, with no pass of its own).
    pub(super) fn stored_values(&self, entries: &[u32], mut visit: impl FnMut(u32)) -> Vec<f32> {
        let n_labels = self.labels;
        if self.stride == LANES {
            return self.lane_values(entries, visit);
        }
        let mut sums = [vec![0f32; n_labels], vec![0f32; n_labels]];
        let mut counts = [0u32; 2];
        for &e in entries {
            visit(e);
            let k = (self.kind(e) == NgramKind::Char) as usize;
            counts[k] += 1;
            for (s, &r) in sums[k].iter_mut().zip(self.row(e)) {
                *s += r;
            }
        }
        means([&sums[0], &sums[1]], counts, n_labels)
    }

    /// [`Ratios::stored_values`] when each entry is a row of [`LANES`]: the same sums in the same
    /// order (each label's from +0.0, in entry order: the same bits), a whole row at a time.
    fn lane_values(&self, entries: &[u32], mut visit: impl FnMut(u32)) -> Vec<f32> {
        // Two accumulators held apart (not indexed by kind), so that each stays in registers
        // and a row is added in two vector additions.
        let (mut words, mut chars) = ([0f32; LANES], [0f32; LANES]);
        let mut counts = [0u32; 2];
        for &e in entries {
            visit(e);
            let start = e as usize * LANES;
            let Some(row) = self
                .ratios
                .get(start..start + LANES)
                .and_then(|r| <&[f32; LANES]>::try_from(r).ok())
            else {
                continue;
            };
            if self.kind(e) == NgramKind::Char {
                counts[1] += 1;
                chars = add_lanes(chars, row);
            } else {
                counts[0] += 1;
                words = add_lanes(words, row);
            }
        }
        means([&words, &chars], counts, self.labels)
    }
}

/// Each label's mean word and character ratio, `[word, char]` per label in label order, from the
/// sums of the `counts` word and character entries (a sum of no entry stays as it is: +0.0).
fn means(sums: [&[f32]; 2], counts: [u32; 2], labels: usize) -> Vec<f32> {
    let mut out = vec![0f32; 2 * labels];
    for (l, pair) in out.chunks_exact_mut(2).enumerate() {
        for (k, v) in pair.iter_mut().enumerate() {
            let c = counts[k];
            *v = if c > 0 {
                sums[k][l] / c as f32
            } else {
                sums[k][l]
            };
        }
    }
    out
}

/// `sum + row`, lane by lane. By value: LLVM then adds a row in vector additions (through a
/// `&mut` it kept one scalar addition and one store per lane).
#[inline(always)]
fn add_lanes(sum: [f32; LANES], row: &[f32; LANES]) -> [f32; LANES] {
    std::array::from_fn(|l| sum[l] + row[l])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_smoothed_and_clipped() {
        // 9 of 10 positives, 1 of 30 negatives: ln(10/12) − ln(2/32).
        let r = log_count_ratio(9, 1, 10, 30);
        assert!((r - ((10f32 / 12.0).ln() - (2f32 / 32.0).ln())).abs() < 1e-6);
        assert_eq!(log_count_ratio(0, 0, 0, 0), 0.0);
        assert_eq!(log_count_ratio(1_000_000, 0, 1_000_000, 1_000_000), 5.0);
        assert_eq!(log_count_ratio(0, 1_000_000, 1_000_000, 1_000_000), -5.0);
    }

    #[test]
    fn more_smoothing_pulls_rare_ngrams_towards_zero_more_than_frequent_ones() {
        // Laplace is the default.
        assert_eq!(
            smoothed_log_count_ratio(12, 1, 3000, 3000, 1.0),
            log_count_ratio(12, 1, 3000, 3000)
        );
        // A word in 12 positive comments and 1 negative, and one in 1,200 and 100: the same
        // proportions, but the rare one loses more of its ratio to a larger pseudo-count.
        let rare = |a| smoothed_log_count_ratio(12, 1, 3000, 3000, a);
        let frequent = |a| smoothed_log_count_ratio(1200, 100, 3000, 3000, a);
        assert!(rare(3.0) < rare(1.0) && rare(3.0) > 0.0);
        assert!(rare(3.0) / rare(1.0) < 0.75, "{} {}", rare(3.0), rare(1.0));
        assert!(frequent(3.0) / frequent(1.0) > 0.99);
    }

    #[test]
    fn inconsistent_tables_are_refused() {
        let bad = Evidence {
            labels: vec!["toxic".into()],
            totals: vec![(1, 1)],
            entries: vec![EvidenceEntry(NgramKind::Word, "rats".into(), vec![1])],
        };
        assert!(Ratios::new(&bad, 1.0).is_err());
    }
}
