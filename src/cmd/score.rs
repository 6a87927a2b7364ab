//! `moderate score`: comments from a CSV or JSON Lines file (or stdin) written back with a score
//! per label, the flags and their reasons; a summary on stderr. Ctrl-C stops between rows and
//! leaves no half-written output file.

use std::io::{self, BufReader, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args as ClapArgs, ValueEnum};
use indicatif::ProgressBar;

use moderate::io::output::AtomicFile;
use moderate::model::{Model, Reasons};
use moderate::score::{self, Format, ScoreOptions};

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Csv,
    Jsonl,
}

#[derive(ClapArgs)]
pub struct Args {
    /// Input file; `-` or nothing for stdin.
    input: Option<String>,
    /// Model file (default: the embedded default model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Output file (default: stdout). Written to a temporary file and renamed at the end.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Input and output format (default: from the input's extension, CSV for stdin).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Column (CSV) or field (JSONL) holding the comment.
    #[arg(long, default_value = "text")]
    text_column: String,
    /// Give reasons for every row, not only flagged ones.
    #[arg(long)]
    all_reasons: bool,
    /// No summary on stderr.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    super::handle_ctrl_c();
    let model = Model::load(a.model.as_deref())?;
    let input = a.input.clone().unwrap_or_else(|| "-".into());
    let format = match a.format {
        Some(FormatArg::Csv) => Format::Csv,
        Some(FormatArg::Jsonl) => Format::Jsonl,
        None if input == "-" => Format::Csv,
        None => Format::from_path(&input),
    };
    let opts = ScoreOptions {
        text_column: a.text_column,
        reasons: if a.all_reasons {
            Reasons::All
        } else {
            Reasons::Flagged
        },
        input_name: if input == "-" {
            "<stdin>".into()
        } else {
            input.clone()
        },
    };
    let (reader, size): (Box<dyn io::Read>, Option<u64>) = if input == "-" {
        (Box::new(io::stdin().lock()), None)
    } else {
        let f = std::fs::File::open(&input).with_context(|| format!("cannot open {input}"))?;
        let size = f.metadata().ok().map(|m| m.len());
        (Box::new(f), size)
    };
    let reader = BufReader::with_capacity(1 << 16, reader);
    let bar = match size {
        Some(n) if io::stderr().is_terminal() && !a.quiet => {
            super::progress_bar(n, "scoring [{bar:40}] {bytes}/{total_bytes} {elapsed}")
        }
        _ => ProgressBar::hidden(),
    };
    let summary = match &a.output {
        Some(path) => {
            let mut out = AtomicFile::create(path)?;
            let s = run_format(
                &model,
                format,
                reader,
                io::BufWriter::new(&mut out),
                &opts,
                &bar,
            )?;
            out.commit()?;
            s
        }
        None => {
            let stdout = io::stdout().lock();
            run_format(
                &model,
                format,
                reader,
                io::BufWriter::with_capacity(1 << 16, stdout),
                &opts,
                &bar,
            )?
        }
    };
    bar.finish_and_clear();
    if !a.quiet {
        let flagged: Vec<String> = summary
            .flagged
            .iter()
            .map(|(l, n)| format!("{l} {n}"))
            .collect();
        eprintln!(
            "moderate: {} rows scored; flagged: {}; {} row errors",
            summary.rows,
            flagged.join(", "),
            summary.errors
        );
    }
    Ok(())
}

/// Row errors printed on stderr by `moderate score`; a count of the others follows.
const MAX_ERROR_MESSAGES: usize = 20;

/// How `moderate score` shows a run: the progress bar, and the first row errors on stderr.
struct ScoreProgress<'a> {
    bar: &'a ProgressBar,
    input_name: &'a str,
    errors: usize,
}

impl score::Progress for ScoreProgress<'_> {
    fn read(&mut self, bytes: u64) {
        self.bar.set_position(bytes);
    }

    fn row_error(&mut self, line: u64, message: &str) {
        if self.errors < MAX_ERROR_MESSAGES {
            eprintln!(
                "moderate: {}:{}: {} (row written with an error)",
                self.input_name, line, message
            );
        }
        self.errors += 1;
    }
}

fn run_format<R: io::BufRead, W: Write>(
    model: &Model,
    format: Format,
    reader: R,
    writer: W,
    opts: &ScoreOptions,
    bar: &ProgressBar,
) -> anyhow::Result<score::Summary> {
    let mut progress = ScoreProgress {
        bar,
        input_name: &opts.input_name,
        errors: 0,
    };
    let summary = format.score(model, reader, writer, opts, &mut progress)?;
    if progress.errors > MAX_ERROR_MESSAGES {
        eprintln!(
            "moderate: {} more row errors not shown",
            progress.errors - MAX_ERROR_MESSAGES
        );
    }
    Ok(summary)
}
