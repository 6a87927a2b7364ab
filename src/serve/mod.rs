//! `moderate serve`: scores over HTTP, for newsroom tools that already speak Google's Perspective
//! API or Coral's external moderation phases.
//!
//! Routes:
//! - `POST /v1alpha1/comments:analyze`: Perspective's `AnalyzeComment` ([`perspective`]);
//! - `POST /coral/moderate`: Coral's external moderation phase ([`coral`]);
//! - `GET /healthz`, `GET /metrics` (Prometheus text, [`metrics`]).
//!
//! Scoring is CPU-bound (~100 µs a comment), so it runs on tokio's blocking pool, never on the
//! async workers. Nothing is stored; logs carry route, status and latency, never comment text nor
//! the query string (which holds the API key).

pub mod coral;
pub mod metrics;
pub mod perspective;
pub mod text;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
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
/// A request not answered within this is answered 504 (Coral gives up on a phase after 200 ms).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// After SIGTERM or Ctrl-C, requests in flight get this long to finish.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(15);
/// Time a client has to send a request head (request line and headers), from the connection or
/// the end of its previous request; then the connection is closed (slow-loris clients).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// `moderate serve` options.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Model file (default: the embedded default model).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Address to listen on. Loopback by default; port 0 picks a free port (the address bound is
    /// printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Require this key on the Perspective endpoint (`?key=KEY` or an `X-Goog-Api-Key` header).
    /// Default: the MODERATE_API_KEY environment variable, which keeps it out of `ps`.
    #[arg(long)]
    pub api_key: Option<String>,
    /// Coral's signing secret for the external moderation phase: requests whose X-Coral-Signature
    /// does not match are refused. Without it the Coral endpoint is off. Default: the
    /// MODERATE_CORAL_SECRET environment variable.
    #[arg(long)]
    pub coral_secret: Option<String>,
    /// Flag threshold (0–1) for the Coral endpoint's decision on the main label
    /// (default: the model's own threshold for that label).
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Threads that score (tokio's blocking pool; default one per core). Past them requests queue.
    #[arg(long)]
    pub scoring_threads: Option<usize>,
    /// Log level: error, warn, info (one line per refused or failed request) or debug (one line
    /// per request).
    #[arg(long, default_value = "info")]
    pub log_level: tracing::Level,
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

/// Build the shared state: the model, the attribute mapping, secrets.
pub fn state(args: &ServeArgs, model: Model) -> anyhow::Result<Shared> {
    use sha2::{Digest, Sha256};
    let main = model.main_label();
    let threshold = match args.threshold {
        Some(t) if (0.0..=1.0).contains(&t) => t,
        Some(t) => anyhow::bail!("--threshold must be between 0 and 1, got {t}"),
        None => model.data.labels[main].threshold,
    };
    let from_env = |name: &str| std::env::var(name).ok();
    let api_key = args
        .api_key
        .clone()
        .or_else(|| from_env("MODERATE_API_KEY"));
    let coral_secret = args
        .coral_secret
        .clone()
        .or_else(|| from_env("MODERATE_CORAL_SECRET"));
    if api_key.as_deref().is_some_and(str::is_empty) {
        anyhow::bail!("the API key (--api-key or MODERATE_API_KEY) is empty");
    }
    if coral_secret.as_deref().is_some_and(str::is_empty) {
        anyhow::bail!(
            "the Coral signing secret (--coral-secret or MODERATE_CORAL_SECRET) is empty"
        );
    }
    let attributes = perspective::AttributeMap::new(&model);
    Ok(Arc::new(AppState {
        api_key_hash: api_key.map(|k| Sha256::digest(k.as_bytes()).into()),
        coral_secret: coral_secret.map(String::into_bytes),
        main,
        threshold,
        attributes,
        metrics: metrics::Metrics::default(),
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

/// Count, time and log every request; answer 504 past [`REQUEST_TIMEOUT`].
async fn observe(State(s): State<Shared>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = metrics::route_index(req.uri().path());
    let method = req.method().clone();
    s.metrics.start();
    let response = match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(r) => r,
        Err(_) => error_response(
            StatusCode::GATEWAY_TIMEOUT,
            "DEADLINE_EXCEEDED",
            "The request took too long.",
        ),
    };
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    s.metrics.finish(route, status, elapsed);
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

/// Run the server until SIGTERM or Ctrl-C.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_max_level(args.log_level)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
    let model = Model::load(args.model.as_deref())?;
    let state = state(&args, model)?;
    // Scoring threads: one per core by default, not tokio's up to 512. Under load every request
    // in flight would get its own CPU-bound thread (64 connections made ~70 threads on 2 cores);
    // with one per core requests queue instead. On the 2-core bench machine this gave the lowest
    // p99 (8–9 ms against 13–14 ms with 8 or 512 threads), at 11–15 thousand requests/s; more
    // threads gave more throughput and a longer tail (bench/RESULTS.md).
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let scoring_threads = args.scoring_threads.unwrap_or(cores);
    if scoring_threads == 0 {
        anyhow::bail!("--scoring-threads must be at least 1");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(scoring_threads)
        .thread_name("moderate-serve")
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args, state))
}

async fn serve(args: ServeArgs, state: Shared) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let addr = listener
        .local_addr()
        .context("cannot read the address bound")?;
    if !addr.ip().is_loopback() {
        tracing::warn!(%addr, "listening on a non-loopback address: anyone who can reach it can use it");
    }
    tracing::info!(
        %addr,
        model_labels = ?state.model.labels().collect::<Vec<_>>(),
        flag_threshold = state.threshold,
        api_key = state.api_key_hash.is_some(),
        coral = state.coral_secret.is_some(),
        "moderate serve ready"
    );
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "moderate serve: listening on http://{addr}")
            .and_then(|_| out.flush())
            .context("cannot write to stdout")?;
    }
    accept_loop(listener, router(state)).await;
    tracing::info!("stopped");
    Ok(())
}

/// Serve connections until SIGTERM or Ctrl-C, each with [`HEADER_READ_TIMEOUT`] to send a request
/// head; then stop listening, let the requests in flight finish (idle connections are closed), and
/// give up on them after [`DRAIN_TIMEOUT`]. HTTP/1.1 only, keep-alive on.
async fn accept_loop(listener: tokio::net::TcpListener, app: Router) {
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
            .header_read_timeout(HEADER_READ_TIMEOUT);
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
