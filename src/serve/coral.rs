//! `POST /coral/moderate`: Coral's (coralproject/talk) external moderation phase.
//!
//! Format, from Coral's `EXTERNAL_MODERATION_PHASES.md` and
//! `server/src/core/server/services/comments/pipeline/phases/external.ts`:
//!
//! - request: JSON `{"action":"NEW"|"EDIT","comment":{"body":"…","parentID":…},"author":{…},
//!   "story":{…},"site":{…},"tenantID":"…","tenantDomain":"…"}`; `comment.body` is HTML or text
//!   depending on the phase's format setting. Only `comment.body` is read here.
//! - signature: header `X-Coral-Signature: sha256=<hex>[,sha256=<hex>…]`, one HMAC-SHA256 of the
//!   raw body per active signing secret (several while a secret is being rotated); any match
//!   passes (`models/settings` `generateSignatures`).
//! - response: 204 (no decision), or 200 with `{"actions":[{"actionType":"FLAG",
//!   "reason":"COMMENT_DETECTED_TOXIC"}],"status":"SYSTEM_WITHHELD"}` for a toxic comment. Below
//!   the threshold the answer is `{"actions":[]}`: no flag, no status. A `status` ends Coral's
//!   moderation pipeline (`APPROVED` would publish a comment that the site's pre-moderation, or a
//!   later phase, would have held), so the comment goes on through Coral's own rules.
//! - Coral gives up on a phase after its timeout (200 ms by default) and on any non-2xx answer,
//!   and goes on without it.
//! - A comment in a language the model does not cover ([`crate::text::lang::guess`]: Arabic,
//!   Arabizi, emoji only…) is not scored, and gets the answer of an empty comment, 204: no
//!   opinion, so Coral's own rules decide, as they would without this phase. Withholding it would
//!   hold every Arabic comment; a score would be made up.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;

use super::metrics::Endpoint;
use super::{read_body, score_blocking, Shared};
use crate::text::html::html_to_text;
use crate::text::lang;

#[derive(Debug, Deserialize)]
struct ModerationRequest {
    comment: Option<CommentIn>,
}

#[derive(Debug, Deserialize)]
struct CommentIn {
    body: Option<String>,
}

fn coral_error(code: StatusCode, message: &str) -> Response {
    (code, axum::Json(json!({"error": message}))).into_response()
}

/// Does `header` hold a valid `sha256=<hex>` signature of `body` under `secret`?
/// Compared in constant time by `hmac`'s `verify_slice`.
pub fn signature_ok(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Ok(mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    let mut mac = mac;
    mac.update(body);
    header.split(',').any(|part| {
        let Some(hex) = part.trim().strip_prefix("sha256=") else {
            return false;
        };
        match decode_hex(hex) {
            Some(sig) => mac.clone().verify_slice(&sig).is_ok(),
            None => false,
        }
    })
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

pub async fn moderate(State(s): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    let Some(secret) = s.coral_secret.clone() else {
        return coral_error(
            StatusCode::NOT_FOUND,
            "the Coral endpoint is off: start moderate serve with --coral-secret",
        );
    };
    let bytes = match read_body(&headers, body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let Some(signature) = headers
        .get("x-coral-signature")
        .and_then(|v| v.to_str().ok())
    else {
        return coral_error(StatusCode::UNAUTHORIZED, "missing X-Coral-Signature header");
    };
    if !signature_ok(&secret, &bytes, signature) {
        return coral_error(StatusCode::UNAUTHORIZED, "X-Coral-Signature does not match");
    }
    let request: ModerationRequest = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(e) => {
            return coral_error(
                StatusCode::BAD_REQUEST,
                &format!("invalid JSON payload: {e}"),
            )
        }
    };
    let html = request.comment.and_then(|c| c.body).unwrap_or_default();
    let text = html_to_text(&html);
    if text.trim().is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let guess = lang::guess(&text);
    if !guess.covered_by(&s.model.data.languages) {
        tracing::debug!(
            language = guess.code(),
            "comment in a language the model does not cover: not scored"
        );
        return StatusCode::NO_CONTENT.into_response();
    }
    let main = s.main;
    let score =
        match score_blocking(&s, move |model, _| model.scores(&text).get(main).copied()).await {
            Some(sc) => sc,
            None => {
                return coral_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error while scoring",
                );
            }
        };
    let toxic = score >= s.threshold;
    s.metrics.scored(Endpoint::Coral, toxic);
    let answer = if toxic {
        json!({
            "actions": [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}],
            "status": "SYSTEM_WITHHELD",
        })
    } else {
        json!({"actions": []})
    };
    axum::Json(answer).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &[u8], body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(body);
        let sig = mac.finalize().into_bytes();
        format!(
            "sha256={}",
            sig.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )
    }

    #[test]
    fn signatures() {
        let body = br#"{"comment":{"body":"x"}}"#;
        let good = sign(b"s3cret", body);
        assert!(signature_ok(b"s3cret", body, &good));
        assert!(signature_ok(b"s3cret", body, &format!("sha256=00,{good}")));
        assert!(!signature_ok(b"other", body, &good));
        assert!(!signature_ok(b"s3cret", b"{}", &good));
        assert!(!signature_ok(
            b"s3cret",
            body,
            good.trim_start_matches("sha256=")
        ));
        assert!(!signature_ok(b"s3cret", body, "sha256=zz"));
        assert!(!signature_ok(b"s3cret", body, "sha256=é"));
    }
}
