//! The model file: what `moderate train` writes and every command loads.
//!
//! A model file is JSON:
//! `{"format":"moderate-model","version":3,"sha256":"…","model":{…}}`. `sha256` is the hash of
//! `moderate-model:3:` followed by the exact bytes of the `model` value (the format and version
//! are inside the checksum), so a truncated, corrupted or hand-edited file is refused, its version
//! number included. Files of versions 1 and 2 hashed the `model` bytes alone: they are still read
//! (the embedded default model is one), and their version field cannot be checked. The
//! `model` value ([`ModelData`]) holds the featurizer (configuration, vocabulary, evidence table,
//! lexicons), one logistic model per label (weights, bias, prior correction, threshold, held-out
//! metrics) and a model card. Serializing is deterministic: the same model gives the same bytes.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::io::digest::sha256_hex;

use crate::error::{Error, Result};
use crate::eval::metrics::Metrics;
use crate::features::{FeatureSpec, Layout};

pub const FORMAT: &str = "moderate-model";
/// The model format version written. 2: lexicon lists may hold `=term` exact-spelling entries,
/// which a version-1 reader would match with doubled letters collapsed (`=nigger` as "Niger"),
/// so version-1 readers must refuse these files. 3: the checksum covers the format and the version
/// ([`checksum`]); a version-2 reader would call such a file corrupted, so it must refuse it as
/// newer. Files of versions 1 and 2 are still read.
pub const VERSION: u32 = 3;

/// The first version whose checksum covers the format and the version.
const VERSION_IN_CHECKSUM: u32 = 3;

/// The checksum this version writes for a model (what its file's `sha256` says once saved): the
/// model's identity in reports.
pub fn checksum_of(data: &ModelData) -> Option<String> {
    serde_json::to_string(data)
        .ok()
        .map(|body| checksum(VERSION, &body))
}

/// The checksum of a model file of `version` whose `model` value is `body`: SHA-256 of
/// `moderate-model:<version>:<body>` from version 3 on, of `body` alone before.
fn checksum(version: u32, body: &str) -> String {
    if version >= VERSION_IN_CHECKSUM {
        let mut bytes = format!("{FORMAT}:{version}:").into_bytes();
        bytes.extend_from_slice(body.as_bytes());
        sha256_hex(&bytes)
    } else {
        sha256_hex(body.as_bytes())
    }
}

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
    /// The main label covers the others (the labeling rules make `toxic` 1 whenever `insult`,
    /// `slur`, `dehumanizing` or `threat` is): its score is raised to any other label's score
    /// moved onto its scale (the same distance from its threshold, in logits), so a comment
    /// flagged `threat` is flagged `toxic` too, and the summary score says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub main_covers: bool,
    /// The languages the model covers, as [`crate::text::lang::Guess::code`] names them: a
    /// comment in another language is not scored (`moderate score` flags it
    /// `unsupported_language`, `moderate serve` refuses it). Files without the field cover
    /// [`DEFAULT_LANGUAGES`], and a model covering exactly those is written without it, so older
    /// files load unchanged and keep their bytes.
    #[serde(
        default = "default_languages",
        skip_serializing_if = "is_default_languages"
    )]
    pub languages: Vec<String>,
    pub card: ModelCard,
}

/// The languages of a model file that names none: French and English, the languages of the
/// analyzer's word lists and lexicons.
pub const DEFAULT_LANGUAGES: [&str; 2] = ["fr", "en"];

/// [`DEFAULT_LANGUAGES`], as [`ModelData::languages`] holds them.
pub fn default_languages() -> Vec<String> {
    DEFAULT_LANGUAGES.map(String::from).to_vec()
}

fn is_default_languages(languages: &[String]) -> bool {
    languages == DEFAULT_LANGUAGES
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
            sha256: checksum(VERSION, raw.get()),
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
        let actual = checksum(version, raw.get());
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
        let dim = Layout::of(&self.features).dim();
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
        if self.languages.is_empty() {
            return Err("model covers no language (\"languages\" is empty)".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_and_version_are_checked() {
        let bytes = DEFAULT_MODEL;
        let ok = ModelData::from_bytes(bytes, "m.json").unwrap();
        // Round trip: the same model bytes, in a version-3 envelope.
        let again = ok.to_bytes().unwrap();
        let model_value = |b: &[u8]| {
            let text = std::str::from_utf8(b).unwrap().to_string();
            let env: EnvelopeIn = serde_json::from_str(&text).unwrap();
            (env.version, env.model.unwrap().get().to_string())
        };
        let (_, old_body) = model_value(bytes);
        let (new_version, new_body) = model_value(&again);
        assert_eq!(new_version, Some(VERSION));
        if old_body != new_body {
            let i = old_body
                .bytes()
                .zip(new_body.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(old_body.len().min(new_body.len()));
            panic!(
                "round trip differs at byte {i} of the model: {:?} / {:?}",
                &old_body[i.saturating_sub(60)..(i + 40).min(old_body.len())],
                &new_body[i.saturating_sub(60)..(i + 40).min(new_body.len())]
            );
        }
        assert_eq!(ModelData::from_bytes(&again, "m.json").unwrap(), ok);
        assert_eq!(
            ModelData::from_bytes(&again, "m.json")
                .unwrap()
                .to_bytes()
                .unwrap(),
            again
        );
        // A version-2 file (checksum of the model bytes alone) still loads.
        let v2 = format!(
            "{{\"format\":\"{FORMAT}\",\"version\":2,\"sha256\":\"{}\",\"model\":{new_body}}}\n",
            sha256_hex(new_body.as_bytes())
        );
        assert_eq!(ModelData::from_bytes(v2.as_bytes(), "m.json").unwrap(), ok);
        // Truncated.
        let e = ModelData::from_bytes(&bytes[..bytes.len() / 2], "m.json").unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
        // Edited: change one digit of a threshold inside the model body (still valid JSON), in
        // an old file and in a new one.
        for file in [bytes, &again[..]] {
            let text = String::from_utf8(file.to_vec()).unwrap();
            let pos = text.find("\"threshold\":0.").unwrap() + "\"threshold\":0.".len();
            let mut edited = text.clone().into_bytes();
            edited[pos] = if edited[pos] == b'1' { b'2' } else { b'1' };
            let e = ModelData::from_bytes(&edited, "m.json").unwrap_err();
            assert!(e.to_string().contains("checksum mismatch"), "{e}");
        }
        // Edited version number: 3 → 2, or 3 → 1, is a checksum mismatch.
        let text = String::from_utf8(again.clone()).unwrap();
        for v in [1, 2] {
            let older = text.replacen("\"version\":3", &format!("\"version\":{v}"), 1);
            assert_ne!(older, text);
            let e = ModelData::from_bytes(older.as_bytes(), "m.json").unwrap_err();
            assert!(e.to_string().contains("checksum mismatch"), "{v}: {e}");
        }
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

    #[test]
    fn covered_languages_default_to_french_and_english_and_round_trip() {
        let mut data = ModelData::from_bytes(DEFAULT_MODEL, "m.json").unwrap();
        // The default model file has no `languages` field: it covers French and English.
        assert!(!String::from_utf8_lossy(DEFAULT_MODEL).contains("\"languages\":[\"fr\""));
        assert_eq!(data.languages, ["fr", "en"]);
        data.languages = vec!["fr".into(), "en".into(), "ar".into()];
        let bytes = data.to_bytes().unwrap();
        let again = ModelData::from_bytes(&bytes, "m.json").unwrap();
        assert_eq!(again.languages, ["fr", "en", "ar"]);
        data.languages.clear();
        let e = ModelData::from_bytes(&data.to_bytes().unwrap(), "m.json").unwrap_err();
        assert!(e.to_string().contains("covers no language"), "{e}");
    }
}
