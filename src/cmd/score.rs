//! `moderate score`: comments from a CSV, JSON Lines or JSON array file (or stdin), in any
//! encoding (see [`moderate::io::input`]), written back with a score
//! per label, the flags and their reasons; a summary on stderr. Ctrl-C stops between rows and
//! leaves no half-written output file.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args as ClapArgs, ValueEnum};
use indicatif::ProgressBar;

use moderate::io::input;
use moderate::io::output::AtomicFile;
use moderate::model::{Model, Reasons};
use moderate::score::{self, Format, Html, ScoreOptions, Unsupported};

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Csv,
    /// CSV with tabs.
    Tsv,
    Jsonl,
    /// A JSON array of objects.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum HtmlArg {
    Auto,
    On,
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum UnsupportedArg {
    /// Empty scores, nothing flagged (`reasons` says `language:<code>`).
    Skip,
    /// Empty scores, flagged `unsupported_language`, reasons `language:<code>`.
    Flag,
    /// Scored anyway, as if it were French or English (the scores mean little).
    Score,
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
    /// Input and output format (default: from the input's extension and its first character;
    /// CSV for stdin unless it starts with `[` or `{`).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Column (CSV) or field (JSON) holding the comment, whatever its case (default: the first of
    /// text, comment, commentaire, body, message, content, contenu).
    #[arg(long)]
    text_column: Option<String>,
    /// CSV delimiter (`,` `;` `tab` `|`…; default: sniffed from the header, tab for `.tsv`).
    #[arg(long, value_parser = input::parse_delimiter)]
    delimiter: Option<u8>,
    /// Input encoding, a WHATWG label (utf-8, windows-1252, latin1, utf-16le…; default: detected).
    #[arg(long, value_parser = input::encoding_for_label)]
    encoding: Option<&'static encoding_rs::Encoding>,
    /// Texts are HTML: scored without their tags (default: detected from the first rows).
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "on", default_value = "auto")]
    html: HtmlArg,
    /// Longest record (CSV) or line (JSON Lines) read, in bytes; a longer one is an error row.
    #[arg(long, default_value_t = moderate::io::records::MAX_RECORD_BYTES)]
    max_record_bytes: usize,
    /// Give reasons for every row, not only flagged ones.
    #[arg(long)]
    all_reasons: bool,
    /// Comments in a language the model does not cover (Arabic, Arabizi, emoji only…; see the
    /// `language` column): flagged `unsupported_language` with empty scores, skipped (empty
    /// scores, not flagged), or scored anyway.
    #[arg(long, value_enum, default_value = "flag")]
    unsupported: UnsupportedArg,
    /// No summary on stderr.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    super::handle_ctrl_c();
    let model = Model::load(a.model.as_deref())?;
    let input = a.input.clone().unwrap_or_else(|| "-".into());
    let input_name = if input == "-" {
        "<stdin>".to_string()
    } else {
        input.clone()
    };
    let (reader, size): (Box<dyn io::Read>, Option<u64>) = if input == "-" {
        (Box::new(io::stdin()), None)
    } else {
        let f = std::fs::File::open(&input).with_context(|| format!("cannot open {input}"))?;
        let size = f.metadata().ok().map(|m| m.len());
        (Box::new(f), size)
    };
    let opened = input::open(reader, a.encoding).with_context(|| input_name.clone())?;
    let (format, tsv) = match a.format {
        Some(FormatArg::Csv) => (Format::Csv, false),
        Some(FormatArg::Tsv) => (Format::Csv, true),
        Some(FormatArg::Jsonl) => (Format::Jsonl, false),
        Some(FormatArg::Json) => (Format::Json, false),
        None => (
            Format::detect(&input, &opened.sample),
            input.to_ascii_lowercase().ends_with(".tsv"),
        ),
    };
    let mut notices: Vec<String> = opened.notice().into_iter().collect();
    let delimiter = match a.delimiter {
        Some(d) => d,
        None if tsv => b'\t',
        None => input::sniff_delimiter(&opened.sample),
    };
    if format == Format::Csv && delimiter != b',' {
        notices.push(format!(
            "CSV delimiter {} ({}); the output keeps it",
            input::delimiter_name(delimiter),
            match (a.delimiter, tsv) {
                (Some(_), _) => "as told by --delimiter",
                (None, true) => "a .tsv file",
                (None, false) => "sniffed from the header",
            }
        ));
    }
    if format == Format::Json && a.format.is_none() {
        notices.push("input is a JSON array: the output is one too".into());
    }
    if !a.quiet {
        for n in &notices {
            eprintln!("moderate: {n}");
        }
    }
    let opts = ScoreOptions {
        text_column: a.text_column,
        reasons: if a.all_reasons {
            Reasons::All
        } else {
            Reasons::Flagged
        },
        input_name,
        delimiter,
        html: match a.html {
            HtmlArg::Auto => Html::Auto,
            HtmlArg::On => Html::On,
            HtmlArg::Off => Html::Off,
        },
        max_record_bytes: a.max_record_bytes,
        unsupported: match a.unsupported {
            UnsupportedArg::Skip => Unsupported::Skip,
            UnsupportedArg::Flag => Unsupported::Flag,
            UnsupportedArg::Score => Unsupported::Score,
        },
    };
    let reader = opened.reader;
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
                a.quiet,
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
                a.quiet,
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
        if !summary.unsupported.is_empty() {
            let n: u64 = summary.unsupported.iter().map(|(_, n)| n).sum();
            let by: Vec<String> = summary
                .unsupported
                .iter()
                .map(|(l, n)| format!("{l} {n}"))
                .collect();
            eprintln!(
                "moderate: {n} comments in languages the model does not cover ({}): {}",
                by.join(", "),
                match opts.unsupported {
                    Unsupported::Flag => "not scored, flagged unsupported_language",
                    Unsupported::Skip => "not scored (--unsupported skip)",
                    Unsupported::Score => "scored anyway (--unsupported score)",
                }
            );
        }
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
    quiet: bool,
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

    fn notice(&mut self, message: &str) {
        if !self.quiet {
            self.bar.suspend(|| eprintln!("moderate: {message}"));
        }
    }
}

fn run_format<R: io::BufRead, W: Write>(
    model: &Model,
    format: Format,
    reader: R,
    writer: W,
    opts: &ScoreOptions,
    bar: &ProgressBar,
    quiet: bool,
) -> anyhow::Result<score::Summary> {
    let mut progress = ScoreProgress {
        bar,
        input_name: &opts.input_name,
        errors: 0,
        quiet,
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
