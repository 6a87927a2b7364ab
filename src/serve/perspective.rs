//! `POST /v1alpha1/comments:analyze`: Google's Perspective API `AnalyzeComment`, so that tools
//! built for Perspective (Coral's toxic comment filter among them) can use `moderate` instead.
//!
//! Request and response follow Perspective's API reference (conversationai/perspectiveapi,
//! `2-api/methods.md`): `comment.text`, `requestedAttributes` (with optional `scoreType`, only
//! `PROBABILITY`, and `scoreThreshold`), `spanAnnotations`, `languages`, `doNotStore`,
//! `clientToken`; answers `attributeScores.<ATTR>.summaryScore` / `spanScores`, `languages`,
//! `detectedLanguages` (when the language was detected), `clientToken`. Errors are Google's JSON
//! error shape.
//!
//! Attributes, from the model's labels:
//!
//! | Perspective attribute | model label |
//! |---|---|
//! | `TOXICITY` | `toxic` |
//! | `INSULT` | `insult` |
//! | `THREAT` | `threat` |
//! | `IDENTITY_ATTACK` | max(`slur`, `dehumanizing`) |
//!
//! Any other attribute (`SEVERE_TOXICITY`, `PROFANITY`, …), or one whose labels the loaded model
//! lacks, is a 400. Span offsets count Unicode code points; a text of more than [`MAX_SPANS`]
//! sentences with `spanAnnotations` is a 400. Nothing is ever stored, whatever `doNotStore` says.
//!
//! Languages, as Perspective answers them: a request whose `languages` name one the model does
//! not cover (`ModelData::languages`), or without `languages` whose text is guessed to be in one
//! ([`crate::text::lang::guess`], as `moderate score` guesses it: Arabic, Arabizi, emoji only…),
//! is a 400 `INVALID_ARGUMENT` "Attribute TOXICITY does not support request languages: ar", and
//! gets no score. Languages the client names and the model covers are trusted, unchecked.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::metrics::Endpoint;
use super::text;
use super::{
    error_response, read_body, same_secret, score_blocking, Abandoned, ApiError, Shared, MAX_SPANS,
    MAX_TEXT_BYTES,
};
use crate::model::Model;
use crate::text::lang::{self, Guess};

/// Perspective attributes and the model labels each is the max of.
const ATTRIBUTES: [(&str, &[&str]); 4] = [
    ("TOXICITY", &["toxic"]),
    ("INSULT", &["insult"]),
    ("THREAT", &["threat"]),
    ("IDENTITY_ATTACK", &["slur", "dehumanizing"]),
];

/// The attributes the loaded model can score, with the label indices behind each.
#[derive(Debug, Clone)]
pub struct AttributeMap {
    pub attributes: Vec<(&'static str, Vec<usize>)>,
}

impl AttributeMap {
    pub fn new(model: &Model) -> AttributeMap {
        let labels: Vec<&str> = model.labels().collect();
        let attributes = ATTRIBUTES
            .iter()
            .filter_map(|(attr, needed)| {
                let idx: Option<Vec<usize>> = needed
                    .iter()
                    .map(|n| labels.iter().position(|l| l == n))
                    .collect();
                idx.map(|i| (*attr, i))
            })
            .collect();
        AttributeMap { attributes }
    }

    fn get(&self, name: &str) -> Option<&[usize]> {
        self.attributes
            .iter()
            .find(|(a, _)| *a == name)
            .map(|(_, i)| i.as_slice())
    }

    fn names(&self) -> String {
        self.attributes
            .iter()
            .map(|(a, _)| *a)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AnalyzeRequest {
    comment: Option<CommentIn>,
    requested_attributes: Option<Map<String, Value>>,
    #[serde(default)]
    span_annotations: bool,
    languages: Option<Vec<String>>,
    /// Accepted and ignored: nothing is ever stored.
    #[serde(default)]
    #[allow(dead_code)]
    do_not_store: Option<bool>,
    client_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CommentIn {
    text: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AttributeParams {
    score_type: Option<String>,
    score_threshold: Option<f64>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid(message)
}

/// The API key check, as Google APIs do it: missing → 403 PERMISSION_DENIED, wrong → 400
/// INVALID_ARGUMENT.
fn check_key(s: &Shared, uri: &Uri, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = &s.api_key_hash else {
        return Ok(());
    };
    let from_query = query_key(uri);
    let from_header = headers
        .get("x-goog-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match from_query.or(from_header) {
        None => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "The request is missing a valid API key.",
        )),
        Some(k) if same_secret(k.as_bytes(), expected) => Ok(()),
        Some(_) => Err(invalid("API key not valid. Please pass a valid API key.")),
    }
}

/// The `key` parameter of the query string, percent-decoded.
fn query_key(uri: &Uri) -> Option<String> {
    let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri).ok()?;
    pairs
        .0
        .into_iter()
        .find(|(k, _)| k == "key")
        .map(|(_, v)| v)
}

/// What a request asks for, checked.
struct Job {
    text: String,
    attributes: Vec<(String, Vec<usize>, Option<f64>)>,
    spans: bool,
    languages: Vec<String>,
    detected: bool,
    client_token: Option<String>,
}

fn parse(s: &Shared, body: &[u8]) -> Result<Job, ApiError> {
    let req: AnalyzeRequest = serde_json::from_slice(body)
        .map_err(|e| invalid(format!("Invalid JSON payload received. {e}")))?;
    let comment = req
        .comment
        .ok_or_else(|| invalid("Missing required field: comment."))?;
    if let Some(kind) = comment.kind.as_deref() {
        if kind != "PLAIN_TEXT" {
            return Err(invalid(format!(
                "comment.type {kind:?} is not supported: only PLAIN_TEXT is."
            )));
        }
    }
    let text = comment
        .text
        .ok_or_else(|| invalid("Missing required field: comment.text."))?;
    if text.trim().is_empty() {
        return Err(invalid("Comment must be non-empty."));
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(invalid(format!(
            "Comment text too long: {} bytes, the limit is {MAX_TEXT_BYTES} bytes.",
            text.len()
        )));
    }
    if req.span_annotations {
        let n = text::sentence_spans(&text).len();
        if n > MAX_SPANS {
            return Err(invalid(format!(
                "Too many sentences for spanAnnotations: {n}, the limit is {MAX_SPANS}."
            )));
        }
    }
    let requested = req
        .requested_attributes
        .filter(|m| !m.is_empty())
        .ok_or_else(|| invalid("Missing required field: requestedAttributes."))?;
    let mut attributes = Vec::with_capacity(requested.len());
    for (name, params) in requested {
        let labels = s.attributes.get(&name).ok_or_else(|| {
            invalid(format!(
                "Unknown attribute: {name}. This server scores {}.",
                s.attributes.names()
            ))
        })?;
        let params: AttributeParams = if params.is_null() {
            AttributeParams::default()
        } else {
            serde_json::from_value(params).map_err(|e| {
                invalid(format!(
                    "Invalid JSON payload received. requestedAttributes.{name}: {e}"
                ))
            })?
        };
        if let Some(t) = params.score_type.as_deref() {
            if t != "PROBABILITY" {
                return Err(invalid(format!(
                    "Attribute {name}: scoreType {t:?} is not supported: only PROBABILITY is."
                )));
            }
        }
        attributes.push((name, labels.to_vec(), params.score_threshold));
    }
    let first_attr = attributes.first().map(|a| a.0.clone()).unwrap_or_default();
    let unsupported = |langs: &str| {
        invalid(format!(
            "Attribute {first_attr} does not support request languages: {langs}"
        ))
    };
    let covered = &s.model.data.languages;
    let (languages, detected) = match req.languages.filter(|l| !l.is_empty()) {
        Some(langs) => {
            let norm: Vec<String> = langs
                .iter()
                .map(|l| {
                    l.split(['-', '_'])
                        .next()
                        .unwrap_or_default()
                        .to_ascii_lowercase()
                })
                .collect();
            if norm.iter().any(|l| !covered.contains(l)) {
                return Err(unsupported(&langs.join(",")));
            }
            (norm, false)
        }
        None => match lang::guess(&text) {
            guess if !guess.covered_by(covered) => return Err(unsupported(guess.code())),
            // A short comment with no word of any list ("ok", "Bravo Macron"): scored, the
            // model's languages answered, none detected.
            Guess::ShortLatin => (covered.clone(), false),
            guess => (vec![guess.code().to_string()], true),
        },
    };
    Ok(Job {
        text,
        attributes,
        spans: req.span_annotations,
        languages,
        detected,
        client_token: req.client_token,
    })
}

/// Scores of each label for the whole text and, if asked, for each sentence.
struct Scores {
    summary: Vec<f32>,
    spans: Vec<(usize, usize, Vec<f32>)>,
}

/// The scores of a request; None when its request was abandoned meanwhile (checked between
/// sentences).
fn score_job(model: &Model, text: &str, spans: bool, abandoned: &Abandoned) -> Option<Scores> {
    let summary = model.scores(text);
    let spans = if spans {
        let mut out = Vec::new();
        for sp in text::sentence_spans(text) {
            if abandoned.is_set() {
                return None;
            }
            let scores = model.scores(&text[sp.byte_start..sp.byte_end]);
            out.push((sp.begin, sp.end, scores));
        }
        out
    } else {
        Vec::new()
    };
    Some(Scores { summary, spans })
}

fn attribute_value(scores: &[f32], labels: &[usize]) -> f64 {
    labels
        .iter()
        .filter_map(|&l| scores.get(l))
        .fold(0f32, |a, &b| a.max(b)) as f64
}

fn probability(value: f64) -> Value {
    json!({"value": value, "type": "PROBABILITY"})
}

pub async fn analyze(
    State(s): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(e) = check_key(&s, &uri, &headers) {
        return e.into_response();
    }
    let bytes = match read_body(&headers, body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let job = match parse(&s, &bytes) {
        Ok(j) => j,
        Err(e) => return e.into_response(),
    };
    let spans = job.spans;
    let text = job.text;
    let scores = match score_blocking(&s, move |model, abandoned| {
        score_job(model, &text, spans, abandoned)
    })
    .await
    {
        Some(sc) => sc,
        None => {
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "Internal error while scoring.",
            );
        }
    };
    let main_score = scores.summary.get(s.main).copied().unwrap_or(0.0);
    s.metrics
        .scored(Endpoint::Perspective, main_score >= s.threshold);

    let mut attribute_scores = Map::new();
    for (name, labels, min) in &job.attributes {
        let summary = attribute_value(&scores.summary, labels);
        if min.is_some_and(|m| summary < m) {
            continue;
        }
        let mut entry = Map::new();
        if job.spans {
            let spans: Vec<Value> = scores
                .spans
                .iter()
                .map(|(begin, end, sc)| {
                    json!({
                        "begin": begin,
                        "end": end,
                        "score": probability(attribute_value(sc, labels)),
                    })
                })
                .collect();
            entry.insert("spanScores".into(), Value::Array(spans));
        }
        entry.insert("summaryScore".into(), probability(summary));
        attribute_scores.insert(name.clone(), Value::Object(entry));
    }
    let mut out = Map::new();
    out.insert("attributeScores".into(), Value::Object(attribute_scores));
    out.insert("languages".into(), json!(job.languages));
    if job.detected {
        out.insert("detectedLanguages".into(), json!(job.languages));
    }
    if let Some(token) = job.client_token {
        out.insert("clientToken".into(), Value::String(token));
    }
    axum::Json(Value::Object(out)).into_response()
}
