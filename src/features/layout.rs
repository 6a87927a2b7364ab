//! The layout of the feature vector: where each block starts, how long the vector is, and what
//! each index is called. The order is part of the model file format (a label's weights are read
//! by index), so every other part of the crate asks this type rather than computing offsets.
//!
//! ```text
//! 0 ............ signals (SIGNAL_NAMES, fixed)
//! evidence_base  evidence: per evidence label, its word then its char feature
//! vocab_base     vocabulary: word n-grams, then character n-grams, in stored order
//! vectors_base   word-vector block (pretrained vectors; absent in models without them)
//! dim            end
//! ```

use super::ngrams::NgramKind;
use super::signals::{Signal, N_SIGNALS};
use super::FeatureSpec;

/// Block offsets of one featurizer's vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    evidence_labels: usize,
    vocab: usize,
    vectors: usize,
}

/// What one index of the vector is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    Signal(Signal),
    /// The mean log-count ratio of the comment's `kind` n-grams for evidence label `label`.
    Evidence {
        label: usize,
        kind: NgramKind,
    },
    /// Entry `i` of the vocabulary.
    Vocab(usize),
    /// Dimension `i` of the word-vector block.
    Vector(usize),
}

impl Layout {
    /// The layout for `evidence_labels` evidence labels and a vocabulary of `vocab` n-grams.
    pub fn new(evidence_labels: usize, vocab: usize) -> Layout {
        Layout {
            evidence_labels,
            vocab,
            vectors: 0,
        }
    }

    /// This layout with a word-vector block of `dim` dimensions at the end.
    pub fn with_vectors(self, dim: usize) -> Layout {
        Layout {
            vectors: dim,
            ..self
        }
    }

    /// The layout of the vectors a featurizer built from `spec` makes.
    pub fn of(spec: &FeatureSpec) -> Layout {
        let vectors = match &spec.vectors {
            Some(v) if spec.config.vectors_weight > 0.0 => v.dim,
            _ => 0,
        };
        Layout::new(spec.evidence.labels.len(), spec.vocab.len()).with_vectors(vectors)
    }

    /// Number of evidence labels (two features each).
    pub fn evidence_labels(&self) -> usize {
        self.evidence_labels
    }

    /// Index of the first evidence feature.
    pub fn evidence_base(&self) -> usize {
        N_SIGNALS
    }

    /// Index of the evidence feature of `label`'s `kind` n-grams.
    pub fn evidence_index(&self, label: usize, kind: NgramKind) -> usize {
        self.evidence_base() + 2 * label + (kind == NgramKind::Char) as usize
    }

    /// Index of the first vocabulary feature.
    pub fn vocab_base(&self) -> usize {
        N_SIGNALS + 2 * self.evidence_labels
    }

    /// Index of the first word-vector feature.
    pub fn vectors_base(&self) -> usize {
        self.vocab_base() + self.vocab
    }

    /// Number of features.
    pub fn dim(&self) -> usize {
        self.vectors_base() + self.vectors
    }

    /// What index `index` (below [`Layout::dim`]) is.
    pub fn block(&self, index: usize) -> Block {
        if index < self.evidence_base() {
            Block::Signal(Signal::ALL[index])
        } else if index < self.vocab_base() {
            let k = index - self.evidence_base();
            let kind = if k.is_multiple_of(2) {
                NgramKind::Word
            } else {
                NgramKind::Char
            };
            Block::Evidence { label: k / 2, kind }
        } else if index < self.vectors_base() {
            Block::Vocab(index - self.vocab_base())
        } else {
            Block::Vector(index - self.vectors_base())
        }
    }

    /// Human-readable name of a feature of `spec`'s vectors: `shouting`, `evidence:toxic:word`,
    /// `word:…`, `char:"…"`.
    pub fn feature_name(&self, spec: &FeatureSpec, index: usize) -> String {
        match self.block(index) {
            Block::Signal(s) => s.name().to_string(),
            Block::Evidence { label, kind } => {
                let kind = match kind {
                    NgramKind::Word => "word",
                    NgramKind::Char => "char",
                };
                format!("evidence:{}:{kind}", spec.evidence.labels[label])
            }
            Block::Vector(i) => format!("vector:{i}"),
            Block::Vocab(i) => {
                let e = &spec.vocab[i];
                match e.kind {
                    NgramKind::Word => format!("word:{}", e.text),
                    NgramKind::Char => format!("char:\"{}\"", e.text),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_follow_each_other() {
        let l = Layout::new(2, 5);
        assert_eq!(l.evidence_base(), N_SIGNALS);
        assert_eq!(l.vocab_base(), N_SIGNALS + 4);
        assert_eq!(l.dim(), N_SIGNALS + 4 + 5);
        assert_eq!(l.block(0), Block::Signal(Signal::Shouting));
        assert_eq!(
            l.block(N_SIGNALS + 3),
            Block::Evidence {
                label: 1,
                kind: NgramKind::Char
            }
        );
        assert_eq!(l.evidence_index(1, NgramKind::Char), N_SIGNALS + 3);
        assert_eq!(l.evidence_index(0, NgramKind::Word), N_SIGNALS);
        assert_eq!(l.block(N_SIGNALS + 4), Block::Vocab(0));
        assert_eq!(l.block(l.dim() - 1), Block::Vocab(4));
        // Word vectors come last.
        let v = Layout::new(2, 5).with_vectors(3);
        assert_eq!(v.vectors_base(), N_SIGNALS + 4 + 5);
        assert_eq!(v.dim(), N_SIGNALS + 4 + 5 + 3);
        assert_eq!(v.block(v.dim() - 1), Block::Vector(2));
        assert_eq!(v.block(v.vectors_base() - 1), Block::Vocab(4));
        // No evidence: the vocabulary follows the signals.
        assert_eq!(Layout::new(0, 3).vocab_base(), N_SIGNALS);
    }
}
