//! Explanations: which parts of a comment raised a label's score.
//!
//! A score is `sigmoid(w·x + …)`, so each feature contributes `w_i · x_i` to it. Contributions are
//! grouped into readable reasons: lexicon hits as `category:term`, n-grams (vocabulary features,
//! and each n-gram's share of the evidence features) under the word they come from (`word:…`,
//! word pairs as `phrase:…`), capitals as `shouting`, other signals under their name. A word's
//! share of the word-vector block goes under the word too. What is not a feature is given apart
//! ([`Model::baseline`]): the intercept every comment starts from, and the calibration shift to
//! the deployment base rate.

use crate::text::lexicon::IDENTITY_PLACEHOLDER;
use rustc_hash::FxHashMap;

use super::Model;
use crate::features::signals::counts;
use crate::features::{Analysis, Block, NgramKind, Occurrence};

/// One contribution to a label's score.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub reason: String,
    pub weight: f32,
}

/// The parts of a label's score that no feature of the comment brings, in the same units as the
/// contributions (logits): `score = sigmoid(Σ contributions + intercept + calibration)` for the
/// whole comment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    /// The logistic model's bias: where a comment with no feature starts.
    pub intercept: f32,
    /// The prior correction: logit(base rate) − logit(share of positives it was fitted on).
    pub calibration: f32,
    /// The base rate the calibration moves scores to.
    pub base_rate: f64,
}

thread_local! {
    /// The values of a comment's vocabulary features, indexed from the vocabulary's first
    /// feature ([`crate::features::Layout::vocab_base`]): all zero between uses.
    static VOCAB_VALUES: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Model {
    /// A label's intercept and calibration shift.
    pub fn baseline(&self, label: usize) -> Baseline {
        let l = &self.data.labels[label];
        Baseline {
            intercept: l.bias,
            calibration: l.offset,
            base_rate: l.base_rate,
        }
    }

    /// Every feature's contribution to a label's score (weight × value), grouped into readable
    /// reasons, largest first: lexicon hits as `category:term`, n-grams under the word they come
    /// from (`word:…`, word pairs as `phrase:…`), capitals as `shouting`.
    pub fn contributions(&self, label: usize, text: &str) -> Vec<Contribution> {
        self.contributions_of(label, &self.featurizer().analyze_traced(text))
    }

    /// The reasons a scored comment is given: the five largest positive contributions to
    /// `label` (the main label, or the label that raised its score), and `truncated:Nchars` when
    /// only the start of the comment was read.
    pub(super) fn reasons_of(&self, analysis: &Analysis, label: usize) -> Vec<String> {
        // The first five positive contributions in the order of `contributions_of`, picked
        // without sorting them all (the order is total: no two contributions share a reason).
        let mut positive: Vec<Contribution> = self
            .unsorted_contributions(label, analysis)
            .into_iter()
            .filter(|c| c.weight > 0.0)
            .collect();
        if positive.len() > 5 {
            positive.select_nth_unstable_by(4, by_weight);
            positive.truncate(5);
        }
        positive.sort_by(by_weight);
        let mut r: Vec<String> = positive.into_iter().map(|c| c.reason).collect();
        if analysis.truncated {
            r.push(format!(
                "truncated:{}chars",
                self.featurizer().config().max_chars
            ));
        }
        r
    }

    /// [`Model::contributions`] from a traced analysis
    /// ([`crate::features::Featurizer::analyze_traced`]).
    pub fn contributions_of(&self, label: usize, a: &Analysis) -> Vec<Contribution> {
        let mut out = self.unsorted_contributions(label, a);
        out.sort_by(by_weight);
        out
    }

    /// The non-zero contributions of [`Model::contributions_of`], in no order.
    fn unsorted_contributions(&self, label: usize, a: &Analysis) -> Vec<Contribution> {
        let featurizer = self.featurizer();
        let layout = featurizer.layout();
        let w = &self.data.labels[label].weights;
        // Contributions under a name (signals, lexicon terms), and under a span of the
        // normalized text (n-grams), formatted once at the end.
        let mut named: FxHashMap<String, f32> = FxHashMap::default();
        // N-gram shares in text order; consecutive n-grams of one token (or token pair) are
        // summed at once, so the map below sees one entry per token, not per n-gram.
        let mut spans: Vec<((u32, u32), NgramKind, f32)> = Vec::with_capacity(64);
        let mut add_span = |o: &Occurrence, v: f32| match spans.last_mut() {
            Some((span, kind, sum)) if *span == (o.start, o.end) && *kind == o.kind => *sum += v,
            _ => spans.push(((o.start, o.end), o.kind, v)),
        };
        // The comment's distinct word and character entries (an entry is one or the other).
        let chars = a
            .evidence
            .iter()
            .filter(|&&e| featurizer.entry_kind(e) == NgramKind::Char)
            .count();
        let distinct = [a.evidence.len() - chars, chars];
        // The signals, which come first in the vector (its indices increase). Evidence features
        // are spread over the n-grams below; vocabulary ones too.
        let signals = a
            .vector
            .idx
            .partition_point(|&i| (i as usize) < layout.evidence_base());
        for (&i, &v) in a.vector.idx[..signals].iter().zip(&a.vector.val) {
            let Block::Signal(signal) = layout.block(i as usize) else {
                continue;
            };
            let c = w[i as usize] * v;
            if let Some(cat) = signal.category() {
                let quoted_mentions = featurizer.config().quoted_mentions;
                let hits: Vec<_> = a
                    .lexicon
                    .iter()
                    .filter(|m| m.category == cat && counts(m, quoted_mentions))
                    .collect();
                for m in &hits {
                    let reason = format!("{}:{}", cat, featurizer.lexicon().surface(m.term));
                    *named.entry(reason).or_default() += c / hits.len() as f32;
                }
            } else {
                *named.entry(signal.reason().to_string()).or_default() += c;
            }
        }
        // An evidence feature is a mean over the comment's n-grams in the table: each occurrence
        // of an n-gram gets its share of every label's evidence feature, under the word it comes
        // from.
        let evidence_weight = |l: usize, kind: NgramKind| {
            let i = layout.evidence_index(l, kind);
            if a.vector.idx.binary_search(&(i as u32)).is_ok() {
                w[i]
            } else {
                0.0
            }
        };
        let weights: [Vec<f32>; 2] = [NgramKind::Word, NgramKind::Char].map(|kind| {
            (0..layout.evidence_labels())
                .map(|l| evidence_weight(l, kind))
                .collect()
        });
        // Each occurrence: its entry's share of every label's evidence feature, split among the
        // entry's occurrences (damped as the features were, for a short comment).
        for o in &a.evidence_occurrences {
            let k = (o.kind == NgramKind::Char) as usize;
            let c: f32 = weights[k]
                .iter()
                .zip(featurizer.ratios(o.feature))
                .map(|(&wl, &r)| wl * r)
                .sum();
            add_span(o, a.damp * c / (distinct[k] as f32 * o.count as f32));
        }
        // Each vocabulary feature's value, read per occurrence from a dense per-thread row
        // (a binary search of the vector per occurrence before: the same value).
        let vocab = layout.vocab_base()..layout.vectors_base();
        let lo = a
            .vector
            .idx
            .partition_point(|&i| (i as usize) < vocab.start);
        let hi = lo + a.vector.idx[lo..].partition_point(|&i| (i as usize) < vocab.end);
        VOCAB_VALUES.with_borrow_mut(|values| {
            values.resize(values.len().max(vocab.len()), 0.0);
            let (idx, val) = (&a.vector.idx[lo..hi], &a.vector.val[lo..hi]);
            for (&i, &v) in idx.iter().zip(val) {
                values[i as usize - vocab.start] = v;
            }
            for o in &a.occurrences {
                let x = match (o.feature as usize).checked_sub(vocab.start) {
                    Some(f) if f < vocab.len() => values[f],
                    _ => a.vector.get(o.feature),
                };
                add_span(o, w[o.feature as usize] * x / o.count as f32);
            }
            // Left all zero for the next comment.
            for &i in idx {
                values[i as usize - vocab.start] = 0.0;
            }
        });
        // The word-vector block is linear in each word's row once normalized: each word gets
        // its exact share, under the word.
        let vectors_base = layout.vectors_base();
        for &(start, end, row, factor) in &a.vector_shares {
            let dot = self.row_dot(label, row, vectors_base);
            spans.push(((start, end), NgramKind::Word, factor * dot));
        }
        // Under the token's text: a word pair is a phrase.
        let mut by_text: FxHashMap<(bool, &str), f32> = FxHashMap::default();
        for ((start, end), kind, v) in spans {
            let text = &a.normalized[start as usize..end as usize];
            let phrase = kind == NgramKind::Word && text.contains(|c: char| !c.is_alphanumeric());
            *by_text.entry((phrase, text)).or_default() += v;
        }
        for ((phrase, text), v) in by_text {
            let prefix = if phrase { "phrase:" } else { "word:" };
            let mut reason = String::with_capacity(prefix.len() + text.len());
            reason.push_str(prefix);
            // The placeholder of masked group names reads as what it is.
            if text.len() >= IDENTITY_PLACEHOLDER.len() && text.contains(IDENTITY_PLACEHOLDER) {
                reason.push_str(&text.replace(IDENTITY_PLACEHOLDER, "<group>"));
            } else {
                reason.push_str(text);
            }
            *named.entry(reason).or_default() += v;
        }
        named
            .into_iter()
            .filter(|(_, v)| *v != 0.0)
            .map(|(reason, weight)| Contribution { reason, weight })
            .collect()
    }
}

impl Model {
    /// `w · row` for a label's weights over the word-vector block (from `vectors_base`) and a
    /// row of the table: computed once per label and row, then read from `row_dots` (the same
    /// sum in the same order: the same bits).
    fn row_dot(&self, label: usize, row: u32, vectors_base: usize) -> f32 {
        use std::sync::atomic::Ordering::Relaxed;
        let rows = self.featurizer().vector_rows();
        let memo = (row as usize) < rows;
        let memo = self
            .row_dots
            .get(label * rows + row as usize)
            .filter(|_| memo);
        if let Some(bits) = memo.map(|m| m.load(Relaxed)).filter(|&b| b != 0) {
            return f32::from_bits(bits);
        }
        let w = &self.data.labels[label].weights;
        let dot: f32 = self
            .featurizer()
            .vector_row(row)
            .iter()
            .enumerate()
            .map(|(k, v)| w[vectors_base + k] * v)
            .sum();
        if let Some(m) = memo {
            m.store(dot.to_bits(), Relaxed);
        }
        dot
    }
}

/// The order of contributions: largest first, then by reason.
fn by_weight(a: &Contribution, b: &Contribution) -> std::cmp::Ordering {
    b.weight
        .total_cmp(&a.weight)
        .then_with(|| a.reason.cmp(&b.reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contributions_and_baseline_add_up_to_the_score() {
        let m = Model::default_model().unwrap();
        // One sentence: no pooling, so the whole comment's score is the label's.
        let text = "Ces bactéries envahissent notre pays";
        let a = m.featurizer().analyze_traced(text);
        for (l, label) in m.data.labels.iter().enumerate() {
            let b = m.baseline(l);
            assert_eq!((b.intercept, b.calibration), (label.bias, label.offset));
            let sum: f32 = m.contributions_of(l, &a).iter().map(|c| c.weight).sum();
            let z = a.vector.dot(&label.weights) + label.bias + label.offset;
            assert!(
                (sum + b.intercept + b.calibration - z).abs() < 1e-3,
                "{}: {sum} + {} + {} != {z}",
                label.name,
                b.intercept,
                b.calibration
            );
        }
    }
}
