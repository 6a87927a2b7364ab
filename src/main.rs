//! The `moderate` command line: parse the arguments, hand them to the subcommand (one file each
//! in `cmd/`), and turn the outcome into an exit status ([`cmd::status`]): 0; 1 with the error and
//! its causes on stderr; 2 for a bad command line (clap); 3 and 4 when `score` could not score
//! some or all rows; 128 + N after signal N (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).

mod cmd;

use std::io;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc's thread-local free lists: scoring makes and frees many small strings and vectors
/// per comment, on every worker thread.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "moderate",
    version,
    about = "Moderation classifier for news comment sections (French first, English second)",
    long_about = "Scores reader comments for toxicity, insults, slurs, dehumanizing language, \
                  threats and shouting, with the reasons for each flag.\n\n\
                  Without --model, the default model embedded in this binary is used.",
    after_help = cmd::EXIT_STATUS_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score comments from a CSV or JSON Lines file (or stdin) and write them back with scores.
    #[command(after_help = cmd::EXIT_STATUS_HELP)]
    Score(cmd::score::Args),
    /// Print each label's score for one comment and the features that weighed most.
    Explain(cmd::explain::Args),
    /// Measure a model on labeled CSV files: AUCs, precision and recall at its thresholds, and a
    /// review-budget table.
    Eval(cmd::eval::Args),
    /// Train a model from labeled CSV files.
    Train(Box<cmd::train::Args>),
    /// Serve scores over HTTP: Perspective API `comments:analyze`, Coral's external moderation
    /// phase, /healthz and /metrics.
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let done = |r: anyhow::Result<()>| r.map(|()| cmd::status::OK);
    let outcome = match cli.command {
        Command::Score(args) => cmd::score::run(args),
        Command::Explain(args) => done(cmd::explain::run(args)),
        Command::Eval(args) => done(cmd::eval::run(args)),
        Command::Train(args) => done(cmd::train::run(*args)),
        Command::Serve(args) => done(cmd::serve::run(args)),
    };
    match outcome {
        Ok(status) => ExitCode::from(status),
        // A signal during `score` (see `cmd::handle_signals`): exit as a shell does for it.
        Err(_) if cmd::signal_received().is_some() => {
            let signal = cmd::signal_received().unwrap_or(libc::SIGINT);
            eprintln!("moderate: interrupted ({})", cmd::signal_name(signal));
            ExitCode::from((128 + signal) as u8)
        }
        // A closed pipe (`moderate score big.csv | head`) is not an error.
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("moderate: error: {e}");
            let mut source = e.source();
            while let Some(s) = source {
                let text = s.to_string();
                if !e.to_string().contains(&text) {
                    eprintln!("  caused by: {text}");
                }
                source = s.source();
            }
            ExitCode::from(cmd::status::FATAL)
        }
    }
}

/// Whether the error comes from writing to a closed pipe.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || matches!(c.downcast_ref::<moderate::error::Error>(),
                Some(moderate::error::Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe)
    })
}
