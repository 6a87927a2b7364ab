//! The model: a loaded model file, and scoring with it.
//!
//! - [`file`]: the model file ([`ModelData`]: featurizer, per-label logistic models, model card),
//!   its checksummed envelope, loading and checks.
//! - this module: [`Model`], the one way to score. [`Model::scores`] gives P(label = 1) for every
//!   label; [`Model::score`] adds what is flagged and why. Every caller (score, eval, serve,
//!   train's held-out figures through [`LabelModel::probability`]) goes through them.
//! - [`explain`]: contributions and reasons.
//!
//! Scores are `sigmoid(w·x + bias + offset)`: `w·x + bias` is the logistic model linfa fitted,
//! `offset` moves its prior from the class balance it was fitted on to the deployment base rate
//! (see [`crate::train`]), so a score reads as P(label = 1) on a real comment section.

pub mod explain;
pub mod file;

use std::path::Path;

use crate::error::{Error, Result};
use crate::features::{Analysis, Featurizer, SparseVec};
use crate::text::spans::Span;
use crate::train::logistic::sigmoid;

pub use explain::Contribution;
pub use file::{
    default_languages, LabelMetrics, LabelModel, ModelCard, ModelData, SourceCard,
    DEFAULT_LANGUAGES, DEFAULT_MODEL, FORMAT, VERSION,
};

/// The raw score of a logistic model on a sparse row: `w·x + bias`, before the sigmoid.
pub fn linear_score(weights: &[f32], bias: f32, x: &SparseVec) -> f32 {
    x.dot(weights) + bias
}

impl LabelModel {
    /// P(label = 1) for a featurized comment: `sigmoid(w·x + bias + offset)`.
    pub fn probability(&self, x: &SparseVec) -> f32 {
        sigmoid(linear_score(&self.weights, self.bias, x) + self.offset)
    }

    /// P(label = 1) pooled over a comment and its pooled sentences: the highest.
    pub fn pooled_probability(&self, x: &SparseVec, sentences: &[SparseVec]) -> f32 {
        let z = sentences
            .iter()
            .fold(linear_score(&self.weights, self.bias, x), |z, s| {
                z.max(linear_score(&self.weights, self.bias, s))
            });
        sigmoid(z + self.offset)
    }
}

/// The largest model file `Model::load` reads: the default model (with its word vectors) is about
/// 9 MB, a site model with a larger vocabulary a few times that.
pub const MAX_MODEL_BYTES: u64 = 256 << 20;

/// The weights of every label, feature by feature: one read of a feature's weights serves every
/// label (one cache line, not one per label), and the labels' sums are independent lanes the
/// compiler can add side by side. Labels go in groups of [`LANES`]:
/// `data[(group · dim + feature) · LANES + lane]` is label `group · LANES + lane`'s weight (0
/// past the last label).
#[derive(Debug, Clone)]
struct AllWeights {
    data: Vec<f32>,
    dim: usize,
}

/// Labels per group of [`AllWeights`].
const LANES: usize = 8;

impl AllWeights {
    fn new(labels: &[LabelModel]) -> AllWeights {
        let dim = labels.iter().map(|l| l.weights.len()).max().unwrap_or(0);
        let groups = labels.len().div_ceil(LANES);
        let mut data = vec![0f32; groups * dim * LANES];
        for (l, label) in labels.iter().enumerate() {
            let (group, lane) = (l / LANES, l % LANES);
            for (i, &w) in label.weights.iter().enumerate() {
                data[(group * dim + i) * LANES + lane] = w;
            }
        }
        AllWeights { data, dim }
    }

    /// `w·x` for every label, into `out` (one per label). Each label's sum runs over `x` in
    /// order from −0.0, as [`SparseVec::dot`]'s `sum()` does, so the results are the same bits.
    fn dots(&self, x: &SparseVec, out: &mut [f32]) {
        for (group, out) in out.chunks_mut(LANES).enumerate() {
            let rows = &self.data[group * self.dim * LANES..(group + 1) * self.dim * LANES];
            let mut acc = [-0.0f32; LANES];
            for (&i, &v) in x.idx.iter().zip(&x.val) {
                let i = i as usize * LANES;
                let Some(w) = rows.get(i..i + LANES) else {
                    continue;
                };
                for (a, &w) in acc.iter_mut().zip(w) {
                    *a += w * v;
                }
            }
            out.copy_from_slice(&acc[..out.len()]);
        }
    }
}

/// A loaded model, ready to score.
#[derive(Debug, Clone)]
pub struct Model {
    pub data: ModelData,
    featurizer: Featurizer,
    main: usize,
    weights: AllWeights,
    /// Each label's `w · row` over the word-vector block, per row of the table, as f32 bits
    /// (0: not computed yet), filled as reasons need them ([`Model::row_dot`]): common words
    /// come back in comment after comment. Shared by clones (same weights).
    row_dots: std::sync::Arc<[std::sync::atomic::AtomicU32]>,
}

/// A scored comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// P(label = 1) per label, in model order.
    pub scores: Vec<f32>,
    pub shouting: f32,
    /// Labels over their threshold, then `shouting` if the shouting signal is over its threshold.
    pub flagged: Vec<String>,
    /// The features that raised the main score most (empty unless requested or flagged).
    pub reasons: Vec<String>,
}

/// When to compute reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reasons {
    /// For flagged comments only (the default).
    Flagged,
    /// For every comment.
    All,
}

impl Model {
    pub fn new(data: ModelData) -> Result<Model> {
        let featurizer = Featurizer::new(data.features.clone())?;
        let main = data
            .labels
            .iter()
            .position(|l| l.name == data.main_label)
            .ok_or_else(|| {
                Error::Model(format!("main label '{}' has no model", data.main_label))
            })?;
        let row_dots = (0..data.labels.len() * featurizer.vector_rows())
            .map(|_| std::sync::atomic::AtomicU32::new(0))
            .collect();
        Ok(Model {
            row_dots,
            weights: AllWeights::new(&data.labels),
            data,
            featurizer,
            main,
        })
    }

    /// The embedded default model.
    pub fn default_model() -> Result<Model> {
        Model::new(ModelData::from_bytes(
            DEFAULT_MODEL,
            "<embedded default model>",
        )?)
    }

    /// Load a model file, or the embedded default when `path` is None.
    /// Files over [`MAX_MODEL_BYTES`] are refused without being read whole.
    pub fn load(path: Option<&Path>) -> Result<Model> {
        match path {
            None => Model::default_model(),
            Some(p) => {
                // Read at most one byte past the bound, so a huge or endless file (a FIFO, a
                // device) costs no more memory than the bound.
                use std::io::Read;
                let file = std::fs::File::open(p).map_err(|e| Error::io(p, e))?;
                let too_big = || {
                    Error::Model(format!(
                        "{}: over {} MB: not a moderate model file",
                        p.display(),
                        MAX_MODEL_BYTES >> 20
                    ))
                };
                if file.metadata().is_ok_and(|m| m.len() > MAX_MODEL_BYTES) {
                    return Err(too_big());
                }
                let mut bytes = Vec::new();
                file.take(MAX_MODEL_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::io(p, e))?;
                if bytes.len() as u64 > MAX_MODEL_BYTES {
                    return Err(too_big());
                }
                Model::new(ModelData::from_bytes(&bytes, &p.display().to_string())?)
            }
        }
    }

    pub fn featurizer(&self) -> &Featurizer {
        &self.featurizer
    }

    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.data.labels.iter().map(|l| l.name.as_str())
    }

    pub fn main_label(&self) -> usize {
        self.main
    }

    /// P(label = 1) for every label, in model order: the prediction, without flags or reasons.
    pub fn scores(&self, text: &str) -> Vec<f32> {
        let analysis = self.featurizer.analyze(text);
        let sentences: Vec<SparseVec> = self
            .featurizer
            .pooled_sentences(text, &analysis, false)
            .into_iter()
            .map(|(_, a)| a.vector)
            .collect();
        self.scores_of(&analysis, &sentences)
    }

    /// P(label = 1) for every label from an analysis and the vectors of its pooled sentences:
    /// one sparse dot product each.
    fn scores_of(&self, analysis: &Analysis, sentences: &[SparseVec]) -> Vec<f32> {
        self.scores_and_source(analysis, sentences).0
    }

    /// `w·x + bias` of every label (in model order) for the comment, then for each pooled
    /// sentence (`n_labels` values each, one after the other): one pass over each vector.
    fn linear_scores(&self, x: &SparseVec, sentences: &[SparseVec]) -> (Vec<f32>, Vec<f32>) {
        let n = self.data.labels.len();
        let linear = |x: &SparseVec, out: &mut [f32]| {
            self.weights.dots(x, out);
            for (z, label) in out.iter_mut().zip(&self.data.labels) {
                *z += label.bias;
            }
        };
        let mut whole = vec![0f32; n];
        linear(x, &mut whole);
        let mut parts = vec![0f32; n * sentences.len()];
        for (s, out) in sentences.iter().zip(parts.chunks_mut(n.max(1))) {
            linear(s, out);
        }
        (whole, parts)
    }

    /// [`Model::scores_of`], the label that set the main score: the main label itself, or
    /// (`main_covers`) the other label that raised it, and [`Model::linear_scores`].
    fn scores_and_source(
        &self,
        analysis: &Analysis,
        sentences: &[SparseVec],
    ) -> (Vec<f32>, usize, (Vec<f32>, Vec<f32>)) {
        let n = self.data.labels.len();
        let (whole, parts) = self.linear_scores(&analysis.vector, sentences);
        // Each label's highest over the comment and its sentences, in sentence order (as
        // `LabelModel::pooled_probability`).
        let mut scores: Vec<f32> = self
            .data
            .labels
            .iter()
            .enumerate()
            .map(|(l, label)| {
                let z = parts.chunks(n).fold(whole[l], |z, s| z.max(s[l]));
                sigmoid(z + label.offset)
            })
            .collect();
        let mut source = self.main;
        if self.data.main_covers {
            let main = &self.data.labels[self.main];
            let logit = |p: f32| {
                let p = p.clamp(1e-7, 1.0 - 1e-7);
                (p / (1.0 - p)).ln()
            };
            let z_main = logit(main.threshold);
            let mut raised = scores[self.main];
            for (l, (label, &s)) in self.data.labels.iter().zip(&scores).enumerate() {
                if l == self.main {
                    continue;
                }
                let mapped = sigmoid(logit(s) - logit(label.threshold) + z_main);
                if mapped > raised {
                    raised = mapped;
                    source = l;
                }
            }
            scores[self.main] = raised;
        }
        (scores, source, (whole, parts))
    }

    /// The scores, the labels flagged, and the reasons (for flagged comments, or all with
    /// [`Reasons::All`]).
    pub fn score(&self, text: &str, reasons: Reasons) -> Scored {
        // Traced: recording where the n-grams came from costs little next to a second
        // featurization when the comment turns out to need reasons. The sentences are not: only
        // the worst one's reasons can be given, and it is featurized again, traced, if so.
        let analysis = self.featurizer.analyze_traced(text);
        // The sentences' vectors apart; the rest of each analysis is kept so that the worst
        // sentence can be traced without running the analyzer on it again.
        let (spans, mut sentences): (Vec<Span>, Vec<Analysis>) = self
            .featurizer
            .pooled_sentences(text, &analysis, false)
            .into_iter()
            .unzip();
        let vectors: Vec<SparseVec> = sentences
            .iter_mut()
            .map(|a| std::mem::take(&mut a.vector))
            .collect();
        let (scores, source, (whole, parts)) = self.scores_and_source(&analysis, &vectors);
        let shouting = analysis.caps.shouting();
        let mut flagged: Vec<String> = self
            .data
            .labels
            .iter()
            .zip(&scores)
            .filter(|(l, &s)| s >= l.threshold)
            .map(|(l, _)| l.name.clone())
            .collect();
        if shouting >= self.data.shouting_threshold {
            flagged.push("shouting".into());
        }
        let reasons = if reasons == Reasons::All || !flagged.is_empty() {
            // The reasons of what raised the main score (the main label's contributions, or
            // those of the label that raised it): the comment, or its worst sentence for that
            // label (named first, `sentence:N` counting from 1; `clause:N` for a clause of the
            // N-th sentence).
            // `LabelModel::probability` of the comment and of each sentence, from the linear
            // scores already made.
            let n = self.data.labels.len();
            let offset = self.data.labels[source].offset;
            let whole = sigmoid(whole[source] + offset);
            let worst = spans
                .iter()
                .zip(parts.chunks(n))
                .enumerate()
                .map(|(i, (span, z))| ((i, span), sigmoid(z[source] + offset)))
                .filter(|&(_, s)| s > whole)
                .max_by(|x, y| x.1.total_cmp(&y.1));
            match worst {
                Some(((i, span), _)) => {
                    // The sentence it is, or holds it (a pooled clause: `clause:N`).
                    let within = crate::text::spans::sentence_spans(text)
                        .iter()
                        .enumerate()
                        .find(|(_, s)| {
                            s.byte_start <= span.byte_start && span.byte_end <= s.byte_end
                        })
                        .map(|(p, s)| (p + 1, s == span));
                    let reason = match within {
                        Some((n, false)) => format!("clause:{n}"),
                        Some((n, true)) => format!("sentence:{n}"),
                        None => "sentence:0".to_string(),
                    };
                    // The analysis made in pooling, featurized again, traced (the analyzer is
                    // not run a second time: its output is the same).
                    let sentence = self.featurizer.traced(std::mem::take(&mut sentences[i]));
                    let mut r = vec![reason];
                    r.extend(self.reasons_of(&sentence, source));
                    if analysis.truncated {
                        r.push(format!(
                            "truncated:{}chars",
                            self.featurizer.config().max_chars
                        ));
                    }
                    r
                }
                None => self.reasons_of(&analysis, source),
            }
        } else if analysis.truncated {
            // Said on every row, flagged or not: a moderator must see the comment was not read whole.
            vec![format!(
                "truncated:{}chars",
                self.featurizer.config().max_chars
            )]
        } else {
            Vec::new()
        };
        Scored {
            scores,
            shouting,
            flagged,
            reasons,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_model_loads() {
        let m = Model::default_model().unwrap();
        assert_eq!(m.data.main_label, "toxic");
    }

    #[test]
    fn every_entry_point_gives_the_same_scores() {
        let m = Model::default_model().unwrap();
        for text in [
            "Bonjour à tous",
            "Sale bougnoule. Bonne journée",
            "T'es un abruti",
        ] {
            let scores = m.scores(text);
            assert_eq!(scores.len(), m.data.labels.len());
            assert_eq!(m.score(text, Reasons::All).scores, scores);
            let a = m.featurizer().analyze(text);
            let pooled: Vec<SparseVec> = m
                .featurizer()
                .pooled_sentences(text, &a, false)
                .into_iter()
                .map(|(_, s)| s.vector)
                .collect();
            for (l, (label, s)) in m.data.labels.iter().zip(&scores).enumerate() {
                let z = a.vector.dot(&label.weights) + label.bias + label.offset;
                assert_eq!(label.probability(&a.vector), sigmoid(z));
                // Pooling and the main label's cover only raise a score.
                assert!(*s >= sigmoid(z), "{text}: label {l}");
                let own = label.pooled_probability(&a.vector, &pooled);
                if l != m.main_label() || !m.data.main_covers {
                    assert_eq!(own, *s, "{text}: label {l}");
                }
            }
        }
        assert!(m.scores("Sale bougnoule")[m.main_label()] > m.scores("Bonjour")[m.main_label()]);
    }

    /// The reasons of a comment raised by one of its sentences, or by a clause of one, name it
    /// first: `sentence:N`, `clause:N` (N counting sentences from 1).
    #[test]
    fn reasons_name_the_sentence_or_clause_that_raised_the_score() {
        let mut data = Model::default_model().unwrap().data;
        data.features.config.sentence_pool = 6;
        data.features.config.clause_pool = true;
        let m = Model::new(data).unwrap();
        let main = m.main_label();
        let whole = |text: &str| {
            let a = m.featurizer().analyze(text);
            m.data.labels[main].probability(&a.vector)
        };
        let text = "Les usa ont du mal à accepter que leurs allies bactéries wahabites se fassent \
                    éradiquées à Alep";
        let scored = m.score(text, Reasons::All);
        assert!(
            scored.scores[main] > whole(text) + 0.1,
            "the clause raised it"
        );
        assert_eq!(scored.reasons[0], "clause:1");
        assert!(scored.reasons.iter().any(|r| r.contains("bactéries")));
        let text =
            "Merci pour cet article sur le port de Beyrouth. Sale bougnoule, rentre chez toi.";
        let scored = m.score(text, Reasons::All);
        assert!(scored.scores[main] > whole(text));
        assert_eq!(scored.reasons[0], "sentence:2");
    }

    /// The reasons account for the whole score: the contributions of a comment add up to `w·x`
    /// (every block, the damping of short comments and the word vectors included).
    #[test]
    fn contributions_add_up_to_the_linear_score() {
        let m = Model::default_model().unwrap();
        for text in [
            "Bonjour",
            "T'es un abruti",
            "Ces rats de Syriens nous volent notre travail, il faut les chasser du pays.",
            "Le gouvernement libanais annonce un plan de relance; les banques restent fermées.",
        ] {
            let a = m.featurizer().analyze_traced(text);
            for (l, label) in m.data.labels.iter().enumerate() {
                let z = a.vector.dot(&label.weights);
                let sum: f32 = m.contributions_of(l, &a).iter().map(|c| c.weight).sum();
                assert!(
                    (sum - z).abs() <= 1e-3 * (1.0 + z.abs()),
                    "{text}: label {l}: contributions {sum} against w·x {z}"
                );
            }
        }
    }
}
