//! The model file and scoring with it.
//!
//! A model file is JSON:
//! `{"format":"moderate-model","version":2,"sha256":"…","model":{…}}`. `sha256` is the hash of the
//! exact bytes of the `model` value, so a truncated, corrupted or hand-edited file is refused. The
//! `model` value holds the featurizer (configuration, vocabulary, lexicons), one logistic model per
//! label (weights, bias, prior correction, threshold, held-out metrics) and a model card.
//!
//! Scores are `sigmoid(w·x + bias + offset)`: `w·x + bias` is the logistic model linfa fitted,
//! `offset` moves its prior from the class balance it was fitted on to the deployment base rate
//! (see [`crate::train`]), so a score reads as P(label = 1) on a real comment section.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::eval::metrics::Metrics;
use crate::features::{Analysis, FeatureSpec, Featurizer, NgramKind, N_SIGNALS, SIGNAL_NAMES};
use crate::text::lexicon::Category;
use crate::train::logistic::sigmoid;

pub const FORMAT: &str = "moderate-model";
/// The model format version written. 2: lexicon lists may hold `=term` exact-spelling entries,
/// which a version-1 reader would match with doubled letters collapsed (`=nigger` as "Niger"),
/// so version-1 readers must refuse these files. Version-1 files are still read.
pub const VERSION: u32 = 2;

/// The default model, trained as `training/README.md` says, compiled into the binary.
pub const DEFAULT_MODEL: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/models/default.json"));

/// One label's logistic model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelModel {
    pub name: String,
    /// One weight per feature.
    pub weights: Vec<f32>,
    pub bias: f32,
    /// Prior correction added to `w·x + bias`: logit(base_rate) − logit(training prior).
    pub offset: f32,
    /// Scores at or above this are flagged.
    pub threshold: f32,
    /// The deployment base rate the offset and the precision figures assume.
    pub base_rate: f64,
    /// L2 strength chosen by cross-validation.
    pub alpha: f32,
    /// Training rows (before repetition) and positives among them.
    pub train_rows: u64,
    pub train_positives: u64,
    /// How many times each minority-class row was repeated to balance the classes.
    pub minority_repeats: u32,
    /// Mean cross-validated ROC AUC for each alpha tried.
    pub cv: Vec<(f32, f64)>,
    /// Figures on the held-out rows, if any were held out.
    pub metrics: Option<Metrics>,
}

/// A training file as recorded in the model card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceCard {
    pub path: String,
    pub sha256: String,
    pub rows: u64,
    pub train_rows: u64,
    pub holdout_rows: u64,
    /// Label columns read from this file (`column -> label`).
    pub labels: Vec<(String, String)>,
    /// Held-out figures per label on this file's rows (labels this file has).
    pub metrics: Vec<LabelMetrics>,
}

/// Held-out figures of one label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelMetrics {
    pub label: String,
    pub metrics: Metrics,
}

/// Where a model came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    pub created: String,
    pub command: String,
    pub seed: u64,
    pub moderate_version: String,
    pub sources: Vec<SourceCard>,
    pub notes: Vec<String>,
}

/// The content of a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelData {
    pub features: FeatureSpec,
    pub main_label: String,
    pub labels: Vec<LabelModel>,
    /// Comments whose shouting signal reaches this are flagged `shouting`.
    pub shouting_threshold: f32,
    pub card: ModelCard,
}

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    format: &'a str,
    version: u32,
    sha256: String,
    model: &'a RawValue,
}

#[derive(Deserialize)]
struct EnvelopeIn<'a> {
    format: Option<String>,
    version: Option<u32>,
    sha256: Option<String>,
    #[serde(borrow)]
    model: Option<&'a RawValue>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl ModelData {
    /// Serialize to the model file format (deterministic: same model, same bytes).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let body = serde_json::to_string(self)
            .map_err(|e| Error::Model(format!("cannot serialize the model: {e}")))?;
        let raw = RawValue::from_string(body)
            .map_err(|e| Error::Model(format!("cannot serialize the model: {e}")))?;
        let env = EnvelopeOut {
            format: FORMAT,
            version: VERSION,
            sha256: sha256_hex(raw.get().as_bytes()),
            model: &raw,
        };
        let mut out = serde_json::to_vec(&env)
            .map_err(|e| Error::Model(format!("cannot serialize the model: {e}")))?;
        out.push(b'\n');
        Ok(out)
    }

    /// Parse and check a model file's bytes. `name` is used in error messages.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<ModelData> {
        let bad = |message: String| Error::ModelFile {
            path: name.to_string(),
            message,
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|_| bad("not a moderate model file (not UTF-8 text)".into()))?;
        if text.trim().is_empty() {
            return Err(bad("empty model file".into()));
        }
        let env: EnvelopeIn = serde_json::from_str(text).map_err(|e| {
            if e.is_eof() {
                bad(format!("model file is truncated ({e})"))
            } else {
                bad(format!("not a moderate model file: {e}"))
            }
        })?;
        if env.format.as_deref() != Some(FORMAT) {
            return Err(bad(format!(
                "not a moderate model file (format is {:?}, expected \"{FORMAT}\")",
                env.format.unwrap_or_default()
            )));
        }
        let version = env
            .version
            .ok_or_else(|| bad("model file has no version".into()))?;
        if version > VERSION {
            return Err(bad(format!(
                "model format version {version} is newer than this build of moderate reads \
                 (up to {VERSION}); upgrade moderate or retrain the model"
            )));
        }
        if version == 0 {
            return Err(bad("model format version 0 is not valid".into()));
        }
        let raw = env
            .model
            .ok_or_else(|| bad("model file has no model".into()))?;
        let expected = env
            .sha256
            .ok_or_else(|| bad("model file has no checksum".into()))?;
        let actual = sha256_hex(raw.get().as_bytes());
        if actual != expected {
            return Err(bad(
                "checksum mismatch: the model file was corrupted or edited by hand".into(),
            ));
        }
        let data: ModelData = serde_json::from_str(raw.get())
            .map_err(|e| bad(format!("model content is invalid: {e}")))?;
        data.validate().map_err(bad)?;
        Ok(data)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        let dim = N_SIGNALS + 2 * self.features.evidence.labels.len() + self.features.vocab.len();
        if self.labels.is_empty() {
            return Err("model has no labels".into());
        }
        for l in &self.labels {
            if l.weights.len() != dim {
                return Err(format!(
                    "label '{}' has {} weights for {dim} features",
                    l.name,
                    l.weights.len()
                ));
            }
            if !l.bias.is_finite() || l.weights.iter().any(|w| !w.is_finite()) {
                return Err(format!("label '{}' has non-finite weights", l.name));
            }
        }
        if !self.labels.iter().any(|l| l.name == self.main_label) {
            return Err(format!("main label '{}' has no model", self.main_label));
        }
        Ok(())
    }
}

/// A loaded model, ready to score.
#[derive(Debug, Clone)]
pub struct Model {
    pub data: ModelData,
    featurizer: Featurizer,
    main: usize,
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

/// One contribution to a label's score.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub reason: String,
    pub weight: f32,
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
        Ok(Model {
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
    pub fn load(path: Option<&Path>) -> Result<Model> {
        match path {
            None => Model::default_model(),
            Some(p) => {
                let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
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

    /// P(label = 1) from an analysis: a sparse dot product.
    pub fn label_score(&self, label: usize, analysis: &Analysis) -> f32 {
        let l = &self.data.labels[label];
        sigmoid(analysis.vector.dot(&l.weights) + l.bias + l.offset)
    }

    pub fn score(&self, text: &str, reasons: Reasons) -> Scored {
        // Traced: recording where the n-grams came from costs little next to a second
        // featurization when the comment turns out to need reasons.
        let analysis = self.featurizer.analyze_traced(text);
        let scores: Vec<f32> = (0..self.data.labels.len())
            .map(|l| self.label_score(l, &analysis))
            .collect();
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
            let mut r: Vec<String> = self
                .contributions_of(self.main, &analysis)
                .into_iter()
                .filter(|c| c.weight > 0.0)
                .take(5)
                .map(|c| c.reason)
                .collect();
            if analysis.truncated {
                r.push(format!(
                    "truncated:{}chars",
                    self.featurizer.config().max_chars
                ));
            }
            r
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

    /// Every feature's contribution to a label's score (weight × value), grouped into readable
    /// reasons, largest first: lexicon hits as `category:term`, n-grams under the word they come
    /// from (`word:…`, word pairs as `phrase:…`), capitals as `shouting`.
    pub fn contributions(&self, label: usize, text: &str) -> Vec<Contribution> {
        self.contributions_of(label, &self.featurizer.analyze_traced(text))
    }

    /// [`Model::contributions`] from a traced analysis ([`Featurizer::analyze_traced`]).
    pub fn contributions_of(&self, label: usize, a: &Analysis) -> Vec<Contribution> {
        use rustc_hash::FxHashMap;
        let w = &self.data.labels[label].weights;
        // Contributions under a name (signals, lexicon terms), and under a span of the
        // normalized text (n-grams), formatted once at the end.
        let mut named: FxHashMap<String, f32> = FxHashMap::default();
        // N-gram shares in text order; consecutive n-grams of one token (or token pair) are
        // summed at once, so the map below sees one entry per token, not per n-gram.
        let mut spans: Vec<((u32, u32), NgramKind, f32)> = Vec::with_capacity(64);
        let mut add_span = |o: &crate::features::Occurrence, v: f32| match spans.last_mut() {
            Some((span, kind, sum)) if *span == (o.start, o.end) && *kind == o.kind => *sum += v,
            _ => spans.push(((o.start, o.end), o.kind, v)),
        };
        let distinct_of = |kind: NgramKind| {
            a.evidence
                .iter()
                .filter(|&&e| self.featurizer.entry_kind(e) == kind)
                .count()
        };
        let distinct = [distinct_of(NgramKind::Word), distinct_of(NgramKind::Char)];
        let evidence_base = self.featurizer.evidence_base();
        let vocab_base = self.featurizer.vocab_base();
        for (&i, &v) in a.vector.idx.iter().zip(&a.vector.val) {
            let i = i as usize;
            if i >= vocab_base {
                continue;
            }
            let c = w[i] * v;
            if i >= evidence_base {
                continue; // spread over the n-grams below
            }
            let name = SIGNAL_NAMES[i];
            if let Some(cat) = name.strip_prefix("lex:").and_then(Category::from_name) {
                let hits: Vec<_> = a.lexicon.iter().filter(|m| m.category == cat).collect();
                for m in &hits {
                    let reason = format!("{}:{}", cat, self.featurizer.lexicon().surface(m.term));
                    *named.entry(reason).or_default() += c / hits.len() as f32;
                }
            } else {
                let reason = match name {
                    "shouting" | "caps_words" => "shouting",
                    "bang_runs" => "!!!",
                    other => other,
                };
                *named.entry(reason.to_string()).or_default() += c;
            }
        }
        // An evidence feature is a mean over the comment's n-grams in the table: each occurrence
        // of an n-gram gets its share of every label's evidence feature, under the word it comes
        // from.
        let n_labels = (vocab_base - evidence_base) / 2;
        let present = |i: usize| a.vector.idx.binary_search(&(i as u32)).is_ok();
        let evidence_weight = |k: usize, l: usize| {
            let i = evidence_base + 2 * l + k;
            if present(i) {
                w[i]
            } else {
                0.0
            }
        };
        let weights: [Vec<f32>; 2] =
            [0, 1].map(|k| (0..n_labels).map(|l| evidence_weight(k, l)).collect());
        // Each occurrence: its entry's share of every label's evidence feature, split among the
        // entry's occurrences.
        for o in &a.evidence_occurrences {
            let k = (o.kind == NgramKind::Char) as usize;
            let c: f32 = weights[k]
                .iter()
                .enumerate()
                .map(|(l, &wl)| wl * self.featurizer.ratio(o.feature, l))
                .sum();
            add_span(o, c / (distinct[k] as f32 * o.count as f32));
        }
        let value_of = |f: u32| -> f32 {
            match a.vector.idx.binary_search(&f) {
                Ok(p) => a.vector.val[p],
                Err(_) => 0.0,
            }
        };
        for o in &a.occurrences {
            add_span(
                o,
                w[o.feature as usize] * value_of(o.feature) / o.count as f32,
            );
        }
        // Under the token's text: a word pair is a phrase.
        let mut by_text: FxHashMap<(bool, &str), f32> = FxHashMap::default();
        for ((start, end), kind, v) in spans {
            let text = &a.normalized[start as usize..end as usize];
            let phrase = kind == NgramKind::Word && text.contains(|c: char| !c.is_alphanumeric());
            *by_text.entry((phrase, text)).or_default() += v;
        }
        for ((phrase, text), v) in by_text {
            let reason = if phrase {
                format!("phrase:{text}")
            } else {
                format!("word:{text}")
            };
            *named.entry(reason).or_default() += v;
        }
        let mut out: Vec<Contribution> = named
            .into_iter()
            .filter(|(_, v)| *v != 0.0)
            .map(|(reason, weight)| Contribution { reason, weight })
            .collect();
        out.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| a.reason.cmp(&b.reason))
        });
        out
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
    fn checksum_and_version_are_checked() {
        let bytes = DEFAULT_MODEL;
        let ok = ModelData::from_bytes(bytes, "m.json").unwrap();
        // Round trip is byte-identical.
        let again = ok.to_bytes().unwrap();
        if let Some(i) = again
            .iter()
            .zip(bytes)
            .skip(120)
            .position(|(a, b)| a != b)
            .map(|i| i + 120)
        {
            let ctx = |b: &[u8]| {
                String::from_utf8_lossy(&b[i.saturating_sub(60)..(i + 40).min(b.len())])
                    .into_owned()
            };
            panic!(
                "round trip differs at byte {i}:\n{}\n{}",
                ctx(&again),
                ctx(bytes)
            );
        }
        assert_eq!(again.len(), bytes.len());
        // Truncated.
        let e = ModelData::from_bytes(&bytes[..bytes.len() / 2], "m.json").unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
        // Edited: change one digit of a threshold inside the model body (still valid JSON).
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let pos = text.find("\"threshold\":0.").unwrap() + "\"threshold\":0.".len();
        let mut edited = text.clone().into_bytes();
        edited[pos] = if edited[pos] == b'1' { b'2' } else { b'1' };
        let e = ModelData::from_bytes(&edited, "m.json").unwrap_err();
        assert!(e.to_string().contains("checksum mismatch"), "{e}");
        // Future version.
        let future = text.replacen(&format!("\"version\":{VERSION}"), "\"version\":99", 1);
        let e = ModelData::from_bytes(future.as_bytes(), "m.json").unwrap_err();
        assert!(e.to_string().contains("version 99 is newer"), "{e}");
        // Not a model.
        let e = ModelData::from_bytes(b"{\"a\":1}", "m.json").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("m.json: not a moderate model file"),
            "{e}"
        );
        let e = ModelData::from_bytes(b"", "m.json").unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
    }
}
