//! `moderate serve`: the flags and environment variables of the HTTP server, its logs on stderr,
//! the async runtime with its scoring threads, the listening socket and the line that says where
//! it listens. The server itself (state, routes, connection loop) is [`moderate::serve`].

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{anyhow, Context};
use clap::Args as ClapArgs;

use moderate::model::Model;
use moderate::serve::{self, Settings, SettingsError, Shared};

#[derive(Debug, Clone, ClapArgs)]
pub struct Args {
    /// Model file (default: the embedded default model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Address to listen on. Loopback by default; port 0 picks a free port (the address bound is
    /// printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Require this key on the Perspective endpoint (`?key=KEY` or an `X-Goog-Api-Key` header).
    /// Default: the MODERATE_API_KEY environment variable, which keeps it out of `ps`.
    #[arg(long)]
    api_key: Option<String>,
    /// Coral's signing secret for the external moderation phase: requests whose X-Coral-Signature
    /// does not match are refused. Without it the Coral endpoint is off. Default: the
    /// MODERATE_CORAL_SECRET environment variable.
    #[arg(long)]
    coral_secret: Option<String>,
    /// Flag threshold (0–1) for the Coral endpoint's decision on the main label
    /// (default: the model's own threshold for that label).
    #[arg(long)]
    threshold: Option<f32>,
    /// Threads that score (tokio's blocking pool; default one per core). Past them requests queue.
    #[arg(long)]
    scoring_threads: Option<usize>,
    /// Seconds a request has before it is answered 504 and its scoring abandoned (decimals
    /// allowed: 0.2 for Coral's 200 ms phase timeout, after which an answer is wasted work).
    #[arg(long, default_value_t = serve::REQUEST_TIMEOUT.as_secs_f64(), value_name = "SECONDS")]
    request_timeout: f64,
    /// Log level: error, warn, info (one line per refused or failed request) or debug (one line
    /// per request).
    #[arg(long, default_value = "info")]
    log_level: tracing::Level,
}

/// Run the server until SIGTERM or Ctrl-C.
pub fn run(args: Args) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_max_level(args.log_level)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
    let model = Model::load(args.model.as_deref())?;
    let from_env = |name: &str| std::env::var(name).ok();
    let settings = Settings {
        threshold: args.threshold,
        api_key: args
            .api_key
            .clone()
            .or_else(|| from_env("MODERATE_API_KEY")),
        coral_secret: args
            .coral_secret
            .clone()
            .or_else(|| from_env("MODERATE_CORAL_SECRET")),
        request_timeout: Some(
            std::time::Duration::try_from_secs_f64(args.request_timeout).map_err(|_| {
                anyhow!(
                    "--request-timeout must be a number of seconds, got {}",
                    args.request_timeout
                )
            })?,
        ),
    };
    let state = serve::state(&settings, model).map_err(settings_error)?;
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
    runtime.block_on(listen(args.addr, state))
}

/// Settings the server refuses, in the flags' words.
fn settings_error(e: SettingsError) -> anyhow::Error {
    match e {
        SettingsError::Threshold(t) => anyhow!("--threshold must be between 0 and 1, got {t}"),
        SettingsError::EmptyApiKey => {
            anyhow!("the API key (--api-key or MODERATE_API_KEY) is empty")
        }
        SettingsError::EmptyCoralSecret => {
            anyhow!("the Coral signing secret (--coral-secret or MODERATE_CORAL_SECRET) is empty")
        }
        SettingsError::RequestTimeout(t) => anyhow!(
            "--request-timeout must be more than 0 and at most 3600 seconds, got {}",
            t.as_secs_f64()
        ),
    }
}

/// Bind, say where on stdout, and serve until SIGTERM or Ctrl-C.
async fn listen(addr: SocketAddr, state: Shared) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
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
    serve::accept_loop(listener, serve::router(state)).await;
    tracing::info!("stopped");
    Ok(())
}
