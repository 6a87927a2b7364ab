//! `moderate serve`: scores over HTTP, for newsroom tools that already speak Google's Perspective
//! API or Coral's external moderation phases.
//!
//! Routes:
//! - `POST /v1alpha1/comments:analyze`: Perspective's `AnalyzeComment` ([`perspective`]);
//! - `POST /coral/moderate`: Coral's external moderation phase ([`coral`]);
//! - `GET /healthz`, `GET /metrics` (Prometheus text, [`metrics`]).
//!
//! Scoring is CPU-bound (~100 µs a comment), so it runs on tokio's blocking pool, never on the
//! async workers ([`score_blocking`]); a job whose request was abandoned (answered 504 past the
//! request timeout, or its connection gone) is skipped if it has not started and stops between
//! sentences if it has, so that abandoned work does not hold the scoring threads. Nothing is
//! stored; logs carry route, status and latency, never comment text nor the query string (which
//! holds the API key).
//!
//! This module holds the server's pieces: the shared [`state`] built from [`Settings`], the
//! [`router`], and the [`accept_loop`] that serves connections until SIGTERM or Ctrl-C. The
//! command line (`src/cmd/serve.rs`) reads the flags, starts the runtime and binds the address.

pub mod coral;
pub mod metrics;
pub mod perspective;
pub mod text;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use crate::model::Model;

/// Largest request body read, in bytes. Perspective takes 20 KB of comment text; JSON escaping
/// (`\u00e9`) can triple that, and Coral's HTML bodies carry markup.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Largest `comment.text` scored, in bytes (Perspective's limit).
pub const MAX_TEXT_BYTES: usize = 20 * 1024;
/// A request not answered within this is answered 504, unless the server is started with another
/// request timeout (Coral gives up on a phase after 200 ms).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Most sentences a Perspective request with `spanAnnotations` may hold; past it the request is a
/// 400. Each span is scored alone, for each attribute: without a bound, 20 KB of `a\n` asked for
/// 10,240 spans (3.6 MB of answer, ~300 ms of CPU).
pub const MAX_SPANS: usize = 256;
/// After SIGTERM or Ctrl-C, requests in flight get this long to finish.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(15);
/// Time a client has to send a request head (request line and headers), from the connection or
/// the end of its previous request; then the connection is closed (slow-loris clients).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// What the server is told besides the model. The command line fills it from its flags and
/// environment variables.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Flag threshold (0–1) for the Coral decision on the main label; None: the model's own.
    pub threshold: Option<f32>,
    /// Key required on the Perspective endpoint; None: no key.
    pub api_key: Option<String>,
    /// Coral's signing secret; None: the Coral endpoint is off.
    pub coral_secret: Option<String>,
    /// Time a request has before it is answered 504 and its scoring abandoned; None:
    /// [`REQUEST_TIMEOUT`].
    pub request_timeout: Option<Duration>,
}

/// Settings that cannot be served.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    #[error("the flag threshold must be between 0 and 1, got {0}")]
    Threshold(f32),
    #[error("the API key is empty")]
    EmptyApiKey,
    #[error("the Coral signing secret is empty")]
    EmptyCoralSecret,
    #[error("the request timeout must be more than 0 and at most an hour, got {0:?}")]
    RequestTimeout(Duration),
}

/// What the handlers share.
pub struct AppState {
    pub model: Model,
    pub api_key_hash: Option<[u8; 32]>,
    pub coral_secret: Option<Vec<u8>>,
    /// Main label index and the threshold it is flagged at.
    pub main: usize,
    pub threshold: f32,
    pub attributes: perspective::AttributeMap,
    pub metrics: metrics::Metrics,
    pub request_timeout: Duration,
}

pub type Shared = Arc<AppState>;

/// A JSON error in Google's shape: `{"error":{"code":400,"message":"…","status":"INVALID_ARGUMENT"}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: StatusCode,
    pub status: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(code: StatusCode, status: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            status,
            message: message.into(),
        }
    }

    /// 400 INVALID_ARGUMENT.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": {"code": self.code.as_u16(), "message": self.message, "status": self.status}
        });
        (self.code, axum::Json(body)).into_response()
    }
}

pub fn error_response(
    code: StatusCode,
    status: &'static str,
    message: impl Into<String>,
) -> Response {
    ApiError::new(code, status, message).into_response()
}

/// Read a request body up to [`MAX_BODY_BYTES`]; a larger one is a JSON 413.
pub async fn read_body(headers: &HeaderMap, body: Body) -> Result<axum::body::Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "INVALID_ARGUMENT",
            format!("Request body too large: the limit is {MAX_BODY_BYTES} bytes."),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| {
            let mut source: Option<&dyn std::error::Error> = Some(&e);
            while let Some(s) = source {
                if s.to_string().contains("length limit exceeded") {
                    return too_large();
                }
                source = s.source();
            }
            ApiError::invalid("Could not read the request body.")
        })
}

/// Set when the request that handed a scoring job to the scoring threads is abandoned: its
/// handler future dropped (answered 504 past the request timeout, or its connection gone).
#[derive(Debug, Clone, Default)]
pub struct Abandoned(Arc<AtomicBool>);

impl Abandoned {
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Sets [`Abandoned`] when dropped.
struct AbandonOnDrop(Arc<AtomicBool>);

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Run a scoring job on the scoring threads (tokio's blocking pool) and wait for it. If the
/// request is abandoned meanwhile (this future dropped), a job not yet started is skipped and a
/// running one sees [`Abandoned::is_set`] and may stop early by returning None (the Perspective
/// job checks it between sentences); either is counted in
/// `moderate_scoring_jobs_abandoned_total`. None here: the job panicked (or stopped while still
/// awaited, which does not happen).
pub async fn score_blocking<T, F>(s: &Shared, job: F) -> Option<T>
where
    T: Send + 'static,
    F: FnOnce(&Model, &Abandoned) -> Option<T> + Send + 'static,
{
    let abandoned = Abandoned::default();
    let _abandon_on_drop = AbandonOnDrop(abandoned.0.clone());
    let state = s.clone();
    let task = tokio::task::spawn_blocking(move || {
        let _job = state.metrics.scoring_job();
        if abandoned.is_set() {
            state.metrics.scoring_abandoned();
            return None;
        }
        let out = job(&state.model, &abandoned);
        if out.is_none() && abandoned.is_set() {
            state.metrics.scoring_abandoned();
        }
        out
    });
    match task.await {
        Ok(out) => out,
        Err(e) => {
            tracing::error!(error = %e, "scoring failed");
            None
        }
    }
}

/// Check that a byte string has no other SHA-256 than `expected`, in constant time.
pub fn same_secret(given: &[u8], expected: &[u8; 32]) -> bool {
    use sha2::{Digest, Sha256};
    let given = Sha256::digest(given);
    given
        .iter()
        .zip(expected.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// Build the shared state: the model, the attribute mapping, secrets. Checks, in this order, the
/// threshold, the API key, the Coral secret and the request timeout.
pub fn state(settings: &Settings, model: Model) -> Result<Shared, SettingsError> {
    use sha2::{Digest, Sha256};
    let main = model.main_label();
    let threshold = match settings.threshold {
        Some(t) if (0.0..=1.0).contains(&t) => t,
        Some(t) => return Err(SettingsError::Threshold(t)),
        None => model.data.labels[main].threshold,
    };
    if settings.api_key.as_deref().is_some_and(str::is_empty) {
        return Err(SettingsError::EmptyApiKey);
    }
    if settings.coral_secret.as_deref().is_some_and(str::is_empty) {
        return Err(SettingsError::EmptyCoralSecret);
    }
    let request_timeout = settings.request_timeout.unwrap_or(REQUEST_TIMEOUT);
    if request_timeout.is_zero() || request_timeout > Duration::from_secs(3600) {
        return Err(SettingsError::RequestTimeout(request_timeout));
    }
    let attributes = perspective::AttributeMap::new(&model);
    Ok(Arc::new(AppState {
        api_key_hash: settings
            .api_key
            .as_ref()
            .map(|k| Sha256::digest(k.as_bytes()).into()),
        coral_secret: settings.coral_secret.clone().map(String::into_bytes),
        main,
        threshold,
        attributes,
        metrics: metrics::Metrics::default(),
        request_timeout,
        model,
    }))
}

/// The application: routes, JSON fallbacks, metrics and logs around every request, panics turned
/// into JSON 500s.
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/v1alpha1/comments:analyze", post(perspective::analyze))
        .route("/coral/moderate", post(coral::moderate))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_handler))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

async fn healthz(State(s): State<Shared>) -> Response {
    axum::Json(json!({
        "status": "ok",
        "labels": s.model.labels().collect::<Vec<_>>(),
        "version": env!("CARGO_PKG_VERSION"),
    }))
    .into_response()
}

async fn metrics_handler(State(s): State<Shared>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.render(),
    )
        .into_response()
}

async fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "NOT_FOUND", "No such route.")
}

async fn method_not_allowed() -> Response {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "INVALID_ARGUMENT",
        "Method not allowed on this route.",
    )
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "Internal error.",
    )
}

/// Count, time and log every request; answer 504 past the request timeout ([`REQUEST_TIMEOUT`]
/// by default), which drops the handler and so abandons its scoring job. A request dropped before
/// its answer (its connection gone) leaves the in-flight gauge as it found it
/// ([`metrics::InFlight`]).
async fn observe(State(s): State<Shared>, req: Request, next: Next) -> Response {
    let route = metrics::route_index(req.uri().path());
    let method = req.method().clone();
    let in_flight = s.metrics.start(route);
    let response = match tokio::time::timeout(s.request_timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => error_response(
            StatusCode::GATEWAY_TIMEOUT,
            "DEADLINE_EXCEEDED",
            "The request took too long.",
        ),
    };
    let status = response.status().as_u16();
    let elapsed = in_flight.finish(status);
    let route = metrics::ROUTES[route];
    let micros = elapsed.as_micros() as u64;
    if status >= 500 {
        tracing::warn!(route, %method, status, micros, "request failed");
    } else if status >= 400 {
        tracing::info!(route, %method, status, micros, "request refused");
    } else {
        tracing::debug!(route, %method, status, micros, "request");
    }
    response
}

/// Resolves at SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!(signal = "interrupt", "shutting down: finishing requests in flight"),
        _ = term => tracing::info!(signal = "terminate", "shutting down: finishing requests in flight"),
    }
}

/// Serve connections until SIGTERM or Ctrl-C, each with [`HEADER_READ_TIMEOUT`] to send a request
/// head; then stop listening, let the requests in flight finish (idle connections are closed), and
/// give up on them after [`DRAIN_TIMEOUT`]. HTTP/1.1 only, keep-alive on.
///
/// Half-closed connections are answered: a client may send its request and then shut down its
/// writing side (`shutdown(SHUT_WR)`, as `nc -N` and some proxies do) and still read the answer.
/// Without hyper's `half_close`, the end of the client's stream while a request was being handled
/// closed the connection and dropped the request unanswered.
pub async fn accept_loop(listener: tokio::net::TcpListener, app: Router) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;

    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown_signal());
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .half_close(true);
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that goes away or sends garbage ends its own connection, nothing else.
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(DRAIN_TIMEOUT) => {
            tracing::warn!("requests still open after {} s: stopping anyway", DRAIN_TIMEOUT.as_secs());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_in_order_and_name_no_flag() {
        let model = || Model::load(None).expect("the embedded model loads");
        let check = |s: Settings| state(&s, model()).err();
        let bad = Settings {
            threshold: Some(1.5),
            api_key: Some(String::new()),
            coral_secret: Some(String::new()),
            request_timeout: Some(Duration::ZERO),
        };
        assert_eq!(check(bad.clone()), Some(SettingsError::Threshold(1.5)));
        let bad = Settings {
            threshold: Some(0.5),
            ..bad
        };
        assert_eq!(check(bad.clone()), Some(SettingsError::EmptyApiKey));
        let bad = Settings {
            api_key: Some("k".into()),
            ..bad
        };
        assert_eq!(check(bad.clone()), Some(SettingsError::EmptyCoralSecret));
        let bad = Settings {
            coral_secret: Some("s".into()),
            ..bad
        };
        assert_eq!(
            check(bad.clone()),
            Some(SettingsError::RequestTimeout(Duration::ZERO))
        );
        for e in [
            SettingsError::Threshold(2.0),
            SettingsError::EmptyApiKey,
            SettingsError::EmptyCoralSecret,
            SettingsError::RequestTimeout(Duration::ZERO),
        ] {
            assert!(!e.to_string().contains("--"), "{e}");
        }
        let ok = state(
            &Settings {
                threshold: None,
                api_key: Some("k".into()),
                coral_secret: None,
                request_timeout: None,
            },
            model(),
        )
        .expect("valid settings");
        assert_eq!(ok.threshold, ok.model.data.labels[ok.main].threshold);
        assert_eq!(ok.request_timeout, REQUEST_TIMEOUT);
        assert!(ok.api_key_hash.is_some() && ok.coral_secret.is_none());
    }
}
