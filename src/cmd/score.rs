//! `moderate score`: comments from a CSV, JSON Lines or JSON array file (or stdin), in any
//! encoding (see [`moderate::io::input`]), written back with a score per label, the flags and their reasons; a summary on stderr, and an exit status saying whether
//! every row was scored ([`super::status`]). A signal (Ctrl-C, SIGTERM, SIGHUP) stops between
//! rows and leaves no half-written output file.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

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
    /// Output file (default: stdout). Written to a temporary file and renamed at the end (a
    /// symbolic link's target is replaced, the link kept); a FIFO or a device is written directly.
    /// Refused if it is the input or the model.
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
    /// Stop (exit status 1, no output file) when more than N rows cannot be scored.
    #[arg(long, value_name = "N")]
    max_errors: Option<u64>,
    /// Comments in a language the model does not cover (Arabic, Arabizi, emoji only…; see the
    /// `language` column): flagged `unsupported_language` with empty scores, skipped (empty
    /// scores, not flagged), or scored anyway.
    #[arg(long, value_enum, default_value = "flag")]
    unsupported: UnsupportedArg,
    /// No summary on stderr.
    #[arg(long, short)]
    quiet: bool,
}

/// Score the input; the exit status ([`super::status`]) says whether every row was scored.
pub fn run(a: Args) -> anyhow::Result<u8> {
    super::handle_signals(true);
    let input = a.input.clone().unwrap_or_else(|| "-".into());
    if let Some(out) = &a.output {
        let mut inputs = vec![];
        if input != "-" {
            inputs.push(("the input", Path::new(&input)));
        }
        if let Some(m) = &a.model {
            inputs.push(("--model", m.as_path()));
        }
        super::check_outputs(&[("--output", out)], &inputs)?;
    }
    let model = Model::load(a.model.as_deref())?;
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
        Some(n) if io::stderr().is_terminal() && !a.quiet => super::progress_bar(n, BAR),
        _ => ProgressBar::hidden(),
    };
    let track = Track {
        bar: &bar,
        rows: Arc::new(AtomicU64::new(0)),
        csv: matches!(format, Format::Csv),
        started: Instant::now(),
        max_errors: a.max_errors,
    };
    let summary = match &a.output {
        Some(path) => {
            let mut out = AtomicFile::create(path)?;
            let s = run_format(
                &model,
                format,
                reader,
                io::BufWriter::new(track.counter(&mut out)),
                &opts,
                &track,
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
                io::BufWriter::with_capacity(1 << 16, track.counter(stdout)),
                &opts,
                &track,
                a.quiet,
            )?
        }
    };
    // The process ends soon after: the memory goes back to the system at once, instead of the
    // model's hundreds of thousands of small allocations being freed one by one (tens of
    // milliseconds, a few percent of a 100,000-row run).
    std::mem::forget(model);
    bar.finish_and_clear();
    if !a.quiet {
        let unscored = match opts.unsupported {
            Unsupported::Score => 0,
            _ => summary.unsupported.iter().map(|(_, n)| n).sum(),
        };
        eprintln!("moderate: {}", summary_line(&summary, unscored));
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
    Ok(exit_status(&summary))
}

/// The progress bar: bytes read against the input's size, rows and rows per second (`{msg}`),
/// time spent and time left (from the bytes).
const BAR: &str =
    "scoring [{bar:30}] {percent:>3}% {bytes}/{total_bytes} {msg} {elapsed} (~{eta} left)";

/// `4 rows scored, 3 row errors; flagged: …` (`rows` in [`score::Summary`] counts both, and the
/// `unscored` comments in languages the model does not cover, said on a line of their own).
fn summary_line(s: &score::Summary, unscored: u64) -> String {
    let flagged: Vec<String> = s.flagged.iter().map(|(l, n)| format!("{l} {n}")).collect();
    let scored = s.rows.saturating_sub(s.errors + unscored);
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    format!(
        "{scored} row{} scored, {} row error{}; flagged: {}",
        plural(scored),
        s.errors,
        plural(s.errors),
        flagged.join(", ")
    )
}

/// 0 when every row was scored (or there were none), 3 when some were not, 4 when none was.
fn exit_status(s: &score::Summary) -> u8 {
    match (s.rows - s.errors, s.errors) {
        (_, 0) => super::status::OK,
        (0, _) => super::status::NO_ROW_SCORED,
        _ => super::status::SOME_ROWS_FAILED,
    }
}

/// Row errors printed on stderr by `moderate score`; a count of the others follows.
const MAX_ERROR_MESSAGES: usize = 20;

/// What the run's callbacks share: the progress bar, the rows written so far (counted on the
/// output by [`RowCounter`]: the library reports bytes read, not rows), and `--max-errors`.
struct Track<'a> {
    bar: &'a ProgressBar,
    rows: Arc<AtomicU64>,
    /// CSV output: a line break inside quotes does not end a row.
    csv: bool,
    started: Instant,
    max_errors: Option<u64>,
}

impl Track<'_> {
    fn counter<W: Write>(&self, inner: W) -> RowCounter<W> {
        RowCounter {
            inner,
            rows: Arc::clone(&self.rows),
            csv: self.csv,
            quoted: false,
        }
    }

    /// `12,288 rows, 2,051 rows/s`.
    fn message(&self) -> String {
        // The CSV header is a line too.
        let rows = self
            .rows
            .load(Ordering::Relaxed)
            .saturating_sub(u64::from(self.csv));
        let secs = self.started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 { rows as f64 / secs } else { 0.0 };
        format!(
            "{} rows, {} rows/s",
            thousands(rows),
            thousands(rate as u64)
        )
    }
}

/// `12345678` as `12,345,678`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Counts the lines written (a line break inside double quotes does not count in CSV, where the
/// writer doubles a quote inside a field, so every quote toggles).
struct RowCounter<W> {
    inner: W,
    rows: Arc<AtomicU64>,
    csv: bool,
    quoted: bool,
}

impl<W: Write> Write for RowCounter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let mut rows = 0;
        for &b in &buf[..n] {
            match b {
                b'"' if self.csv => self.quoted = !self.quoted,
                b'\n' if !self.quoted => rows += 1,
                _ => {}
            }
        }
        self.rows.fetch_add(rows, Ordering::Relaxed);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// How `moderate score` shows a run: the progress bar, and the first row errors on stderr; past
/// `--max-errors`, it sets the stop flag (the run stops before the next row) and says where.
struct ScoreProgress<'a> {
    track: &'a Track<'a>,
    input_name: &'a str,
    errors: u64,
    /// The line of the row error past `--max-errors`.
    stopped_at: Option<u64>,
    quiet: bool,
}

impl score::Progress for ScoreProgress<'_> {
    fn read(&mut self, bytes: u64) {
        self.track.bar.set_message(self.track.message());
        self.track.bar.set_position(bytes);
    }

    fn row_error(&mut self, line: u64, message: &str) {
        if self.errors < MAX_ERROR_MESSAGES as u64 {
            eprintln!(
                "moderate: {}:{}: {} (row written with an error)",
                self.input_name, line, message
            );
        }
        self.errors += 1;
        if self.stopped_at.is_none() && self.track.max_errors.is_some_and(|m| self.errors > m) {
            self.stopped_at = Some(line);
            score::stop_flag().store(true, Ordering::SeqCst);
        }
    }

    fn notice(&mut self, message: &str) {
        if !self.quiet {
            self.track.bar.suspend(|| eprintln!("moderate: {message}"));
        }
    }
}

fn run_format<R: io::BufRead, W: Write>(
    model: &Model,
    format: Format,
    reader: R,
    writer: W,
    opts: &ScoreOptions,
    track: &Track,
    quiet: bool,
) -> anyhow::Result<score::Summary> {
    let mut progress = ScoreProgress {
        track,
        input_name: &opts.input_name,
        errors: 0,
        stopped_at: None,
        quiet,
    };
    let result = format.score(model, reader, writer, opts, &mut progress);
    if let (Some(line), Some(max)) = (progress.stopped_at, track.max_errors) {
        anyhow::bail!(
            "{}:{line}: more than {max} rows could not be scored (--max-errors {max}): stopped",
            opts.input_name
        );
    }
    let summary = result?;
    if progress.errors > MAX_ERROR_MESSAGES as u64 {
        eprintln!(
            "moderate: {} more row errors not shown",
            progress.errors - MAX_ERROR_MESSAGES as u64
        );
    }
    Ok(summary)
}
