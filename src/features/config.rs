//! The featurizer's settings ([`FeatureConfig`]), stored in the model file: what `moderate train`'s
//! feature flags choose. A field added here takes a serde default that gives the behaviour of
//! models written before it, so older model files keep scoring as they did.

use serde::{Deserialize, Serialize};

/// Featurizer settings, stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// Smallest and largest word n-gram.
    pub word_ngrams: (usize, usize),
    /// Smallest and largest character n-gram (inside word boundaries).
    pub char_ngrams: (usize, usize),
    /// An n-gram must occur in at least this many training comments.
    pub min_df: u32,
    /// An n-gram in more than this share of training comments is dropped.
    pub max_df: f32,
    /// Number of n-grams kept, chosen by chi-squared against the labels.
    pub max_features: usize,
    /// `1 + ln(tf)` instead of raw counts.
    pub sublinear_tf: bool,
    /// Only the first `max_chars` characters of a comment are featurized.
    pub max_chars: usize,
    /// Number of n-grams in the evidence table (0: no evidence features).
    pub max_evidence: usize,
    /// Identity terms (group names) become one placeholder word before the n-grams and the
    /// evidence see the text: no group name carries a weight of its own (the lexicon's identity
    /// signals stay).
    #[serde(default, skip_serializing_if = "is_false")]
    pub mask_identity: bool,
    /// Comments with fewer word tokens than this have their n-gram and evidence features scaled
    /// by `sqrt(tokens / short_text_tokens)`, so that one word alone (`bonjour`, `nn`) does not
    /// carry a whole unit vector of weight (0: off).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub short_text_tokens: u32,
    /// Sentence pooling: a comment of several sentences scores the highest of its own score and
    /// the scores of its sentences that have at least this many word tokens or an abusive
    /// lexicon hit (0: off), so neutral sentences cannot wash out an abusive one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub sentence_pool: u32,
    /// With sentence pooling: the clauses of every sentence (cut at commas and before the
    /// words of [`crate::text::lang::Words::clause_openers`]) that hold an abusive lexicon hit
    /// counted in the signals are pooled too, even in a comment of one sentence, so that a
    /// neutral main clause (« ils ont du mal à accepter que … ») cannot wash out an abusive one.
    #[serde(default, skip_serializing_if = "is_false")]
    pub clause_pool: bool,
    /// The shouting signal counts capitals over this share only (`(s − floor) / (1 − floor)`):
    /// ordinary capitals (a sentence start, a name) are no signal (0: the share as it is).
    #[serde(default, skip_serializing_if = "is_zero_f32")]
    pub shouting_floor: f32,
    /// Weight of the word-vector block (the L2 norm of its values; [`super::vectors`]), used when the
    /// spec has a table (0: no block).
    #[serde(default, skip_serializing_if = "is_zero_f32")]
    pub vectors_weight: f32,
    /// The last `site_vocab` vocabulary entries are a site's own n-grams, added when a base model
    /// was adapted to a site (`train --from`): a block of their own, normalized apart, and not
    /// words the analyzer knows, so the base model's features are unchanged by them.
    #[serde(default, skip_serializing_if = "is_zero_usize")]
    pub site_vocab: usize,
    /// Pseudo-comments added on each side of an evidence n-gram's counts (1: Laplace). More pull
    /// the log-count ratios of rare n-grams towards 0, so that a word seen in a dozen comments of
    /// one source (`pk`) is not as strong as an insult seen in hundreds.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub evidence_smoothing: f32,
    /// Abusive lexicon terms inside quotation marks (« le traiter de "cafard" ») are mentions,
    /// not uses: they count in no lexicon signal and no co-occurrence rule (their n-grams still
    /// count), so that counter-speech and reported speech do not teach the model that the terms
    /// are harmless. Group names count wherever they are.
    #[serde(default, skip_serializing_if = "is_false")]
    pub quoted_mentions: bool,
}

fn one() -> f32 {
    1.0
}

fn is_one(v: &f32) -> bool {
    *v == 1.0
}

fn is_zero_usize(v: &usize) -> bool {
    *v == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

fn is_zero_f32(v: &f32) -> bool {
    *v == 0.0
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            word_ngrams: (1, 2),
            char_ngrams: (2, 5),
            min_df: 2,
            max_df: 0.5,
            max_features: 12000,
            sublinear_tf: true,
            max_chars: 20_000,
            max_evidence: 200_000,
            mask_identity: false,
            short_text_tokens: 0,
            sentence_pool: 0,
            clause_pool: false,
            shouting_floor: 0.0,
            vectors_weight: 0.0,
            site_vocab: 0,
            evidence_smoothing: 1.0,
            quoted_mentions: false,
        }
    }
}
