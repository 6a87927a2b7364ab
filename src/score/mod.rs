//! `moderate score`: streaming rows in, the same rows out with scores appended.
//!
//! One loop ([`run`]) for every format: read a batch of rows, score them in parallel (rayon),
//! write them in input order, so memory stays flat whatever the file size. A format is one file
//! implementing [`RowFormat`]: how a row is read, where its text is, how a scored row is written
//! ([`Csv`], [`Jsonl`], [`Json`] arrays); the columns it appends and how scores are rounded are defined once, in
//! [`columns`]. Adding a format: a file here implementing [`RowFormat`], and its variant in
//! [`Format`].
//!
//! Every input row gives exactly one output row: a row that cannot be scored (invalid UTF-8,
//! missing or empty text, wrong number of fields, a JSON line that is not an object) is written
//! with its fields as read, empty scores and an `error` message, and reported to the caller's
//! [`Progress`] (the CLI prints it on stderr). The library prints nothing.
//!
//! Input is UTF-8 here (the CLI decodes other encodings with [`crate::io::input`]). A batch ends
//! at [`BATCH`] rows or [`BATCH_BYTES`] of input, and one record is at most
//! [`ScoreOptions::max_record_bytes`], so memory stays bounded whatever the file. HTML comments
//! ([`Html`]) are scored on their text ([`crate::text::html::html_to_text`]) and written back as
//! they were.
//!
//! Each text's language is guessed ([`crate::text::lang::guess`]) and written in the `language`
//! column; a text in a language the model does not cover (`ModelData::languages`) is not scored
//! unless [`ScoreOptions::unsupported`] says so ([`Unsupported`]), and is counted in
//! [`Summary::unsupported`].

pub mod columns;
mod csv;
mod json;
mod jsonl;

use std::io::{self, BufRead, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::model::{Model, Reasons};

pub use self::columns::{Cell, Columns, Outcome, Rated, Unsupported, UNSUPPORTED_LANGUAGE};
pub use self::csv::Csv;
pub use self::json::Json;
pub use self::jsonl::Jsonl;
use crate::io::records::MAX_RECORD_BYTES;
use crate::text::html::{has_tags, html_to_text};
use crate::text::lang;

/// Rows per parallel batch.
pub const BATCH: usize = 4096;
/// Input bytes per parallel batch (a batch ends at whichever bound comes first).
pub const BATCH_BYTES: u64 = 64 << 20;
/// Rows looked at to decide whether the texts are HTML ([`Html::Auto`]).
pub const HTML_SAMPLE: usize = 100;

/// The flag that stops a run: set it (the CLI does on Ctrl-C) and [`run`] returns an
/// `Interrupted` I/O error before reading or writing the next row, so that the caller can drop its
/// temporary output.
pub fn stop_flag() -> Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    Arc::clone(FLAG.get_or_init(|| Arc::new(AtomicBool::new(false))))
}

fn check_stop(name: &str, flag: &AtomicBool) -> Result<()> {
    if flag.load(Ordering::Relaxed) {
        return Err(io_err(
            name,
            io::Error::new(io::ErrorKind::Interrupted, "interrupted"),
        ));
    }
    Ok(())
}

fn io_err(name: &str, e: io::Error) -> Error {
    Error::Io {
        path: name.to_string(),
        source: e,
    }
}

/// The formats `moderate score` reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
    /// A JSON array of objects.
    Json,
}

impl Format {
    /// From a file name's extension: `.jsonl`, `.ndjson`, `.json` are JSON Lines, the rest CSV.
    pub fn from_path(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") || lower.ends_with(".json") {
            Format::Jsonl
        } else {
            Format::Csv
        }
    }

    /// From the file name and the start of the content: content starting with `[` is a JSON
    /// array (a `.json` file, or stdin), `{` on stdin JSON Lines; otherwise [`Format::from_path`]
    /// (stdin: CSV).
    pub fn detect(path: &str, sample: &str) -> Format {
        let first = sample
            .trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .next();
        let stdin = path == "-";
        let by_name = Format::from_path(path);
        match first {
            Some('[') if stdin || path.to_ascii_lowercase().ends_with(".json") => Format::Json,
            Some('{') if stdin => Format::Jsonl,
            _ if stdin => Format::Csv,
            _ => by_name,
        }
    }

    /// Score `input` into `output` in this format ([`run`] with the format's [`RowFormat`]).
    pub fn score<R: BufRead, W: Write>(
        self,
        model: &Model,
        input: R,
        output: W,
        opts: &ScoreOptions,
        progress: &mut dyn Progress,
    ) -> Result<Summary> {
        let max = opts.max_record_bytes;
        match self {
            Format::Csv => run(
                model,
                Csv::new(input, output, opts.delimiter, max),
                opts,
                progress,
            ),
            Format::Jsonl => run(model, Jsonl::new(input, output, max), opts, progress),
            Format::Json => run(model, Json::new(input, output, max), opts, progress),
        }
    }
}

/// Whether texts are HTML, to be scored on their text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Html {
    /// Scored as they are.
    Off,
    /// Tags stripped and references decoded before scoring.
    On,
    /// On when more than half of the first [`HTML_SAMPLE`] texts have tags.
    Auto,
}

#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// The CSV column or JSON field holding the text (matched exactly, else whatever its case);
    /// None: the first of [`columns::TEXT_COLUMNS`] present.
    pub text_column: Option<String>,
    pub reasons: Reasons,
    /// Name of the input in messages (`-` for stdin).
    pub input_name: String,
    /// CSV delimiter, in and out.
    pub delimiter: u8,
    pub html: Html,
    /// Bound on one record (CSV), line (JSON Lines) or element (JSON array).
    pub max_record_bytes: usize,
    /// What to do with a comment in a language the model does not cover.
    pub unsupported: Unsupported,
}

impl Default for ScoreOptions {
    /// `text` (or another known name), flagged rows' reasons, `,`, HTML detected, 16 MiB records,
    /// comments in unsupported languages flagged.
    fn default() -> Self {
        ScoreOptions {
            text_column: None,
            reasons: Reasons::Flagged,
            input_name: "input".into(),
            delimiter: b',',
            html: Html::Auto,
            max_record_bytes: MAX_RECORD_BYTES,
            unsupported: Unsupported::Flag,
        }
    }
}

/// What a run tells its caller as it goes; every method does nothing unless implemented. The CLI
/// draws a progress bar and prints row errors on stderr.
pub trait Progress {
    /// `bytes` of the input have been read (after each batch).
    fn read(&mut self, _bytes: u64) {}
    /// The row at `line` of the input could not be scored: it is written with `message` in its
    /// `error` column.
    fn row_error(&mut self, _line: u64, _message: &str) {}
    /// Something the user should know about the input (the column chosen, a duplicated column,
    /// HTML detected…).
    fn notice(&mut self, _message: &str) {}
}

/// No progress to report.
impl Progress for () {}

/// One row format: how rows are read, where a row's text is, how a scored row is written. [`run`]
/// reads rows with `&mut self`, hands them to the worker threads ([`RowFormat::text`] and
/// [`RowFormat::render`] get only the [`RowFormat::Shape`]), and writes what they give back in
/// input order.
pub trait RowFormat {
    /// A row as read.
    type Row: Send;
    /// A row ready to write.
    type Out: Send;
    /// What the worker threads need to know about the input (where the text is…).
    type Shape: Sync;

    /// Read what comes before the rows (a header) and write the output's; the input's shape.
    fn start(&mut self, columns: &Columns, opts: &ScoreOptions) -> Result<Self::Shape>;
    /// The next row, or `None` at the end of the input.
    fn read_row(&mut self) -> Result<Option<Self::Row>>;
    /// Bytes of the input read so far.
    fn bytes_read(&self) -> u64;
    /// The row's line in the input, for messages.
    fn line(row: &Self::Row) -> u64;
    /// On a worker thread: the row's text, `Err(message)` when it has none to score, `None` for a
    /// row passed through unscored (a blank JSON line).
    fn text<'r>(
        shape: &Self::Shape,
        row: &'r mut Self::Row,
    ) -> Option<std::result::Result<&'r str, String>>;
    /// On a worker thread: the row to write, with [`Columns::cells`] of its outcome.
    fn render(
        shape: &Self::Shape,
        row: Self::Row,
        outcome: Option<&Outcome>,
        columns: &Columns,
    ) -> Self::Out;
    fn write_row(&mut self, out: Self::Out) -> Result<()>;
    /// Notices gathered since the last call (see [`Progress::notice`]).
    fn notices(&mut self) -> Vec<String> {
        Vec::new()
    }
    /// After the last row: flush the output.
    fn finish(&mut self) -> Result<()>;
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub rows: u64,
    pub errors: u64,
    /// Per model label, then `shouting`: rows flagged.
    pub flagged: Vec<(String, u64)>,
    /// Per language code, in code order: comments in a language the model does not cover
    /// (whether they were then scored or not).
    pub unsupported: Vec<(String, u64)>,
}

impl Summary {
    fn new(model: &Model) -> Summary {
        let mut flagged: Vec<(String, u64)> = model.labels().map(|l| (l.to_string(), 0)).collect();
        flagged.push(("shouting".into(), 0));
        Summary {
            flagged,
            ..Summary::default()
        }
    }

    fn count(&mut self, outcome: &Outcome) {
        self.rows += 1;
        match outcome {
            Ok(r) => {
                for f in &r.flagged {
                    if let Some(e) = self.flagged.iter_mut().find(|e| &e.0 == f) {
                        e.1 += 1;
                    }
                }
                if !r.covered {
                    match self
                        .unsupported
                        .binary_search_by(|e| e.0.as_str().cmp(r.language))
                    {
                        Ok(i) => self.unsupported[i].1 += 1,
                        Err(i) => self.unsupported.insert(i, (r.language.to_string(), 1)),
                    }
                }
            }
            Err(_) => self.errors += 1,
        }
    }
}

/// Score every row of `format`'s input into its output: the one streaming loop.
pub fn run<F: RowFormat>(
    model: &Model,
    mut format: F,
    opts: &ScoreOptions,
    progress: &mut dyn Progress,
) -> Result<Summary> {
    let name = opts.input_name.as_str();
    let columns = Columns::new(model);
    let shape = format.start(&columns, opts)?;
    let mut summary = Summary::new(model);
    let stop = stop_flag();
    let mut done = false;
    let mut html = opts.html;
    while !done {
        let mut batch = Vec::with_capacity(BATCH);
        let start = format.bytes_read();
        while batch.len() < BATCH && format.bytes_read() - start < BATCH_BYTES {
            check_stop(name, &stop)?;
            match format.read_row()? {
                Some(row) => batch.push(row),
                None => {
                    done = true;
                    break;
                }
            }
        }
        for n in format.notices() {
            progress.notice(&n);
        }
        if html == Html::Auto {
            html = detect_html::<F>(&shape, &mut batch);
            if html == Html::On {
                progress.notice(
                    "most of the first texts have HTML tags: scored without their tags \
                     (written back as they are)",
                );
            }
        }
        progress.read(format.bytes_read());
        let scored: Vec<(u64, Option<Outcome>, F::Out)> = batch
            .into_par_iter()
            .map(|mut row| {
                let line = F::line(&row);
                let outcome = F::text(&shape, &mut row).map(|text| {
                    text.and_then(|text| {
                        if html != Html::On {
                            return Ok(rate(model, text, opts));
                        }
                        let plain = html_to_text(text);
                        if plain.trim().is_empty() {
                            return Err("empty text once the HTML tags are removed".into());
                        }
                        Ok(rate(model, &plain, opts))
                    })
                });
                let out = F::render(&shape, row, outcome.as_ref(), &columns);
                (line, outcome, out)
            })
            .collect();
        check_stop(name, &stop)?;
        for (line, outcome, out) in scored {
            if let Some(outcome) = &outcome {
                if let Err(message) = outcome {
                    progress.row_error(line, message);
                }
                summary.count(outcome);
            }
            format.write_row(out)?;
        }
    }
    format.finish()?;
    for n in format.notices() {
        progress.notice(&n);
    }
    Ok(summary)
}

/// A text's language, and its scores unless the model does not cover its language and
/// [`ScoreOptions::unsupported`] says not to score it.
pub fn rate(model: &Model, text: &str, opts: &ScoreOptions) -> Rated {
    let guess = lang::guess(text);
    let covered = guess.covered_by(&model.data.languages);
    if covered || opts.unsupported == Unsupported::Score {
        Rated::scored(guess, covered, model.score(text, opts.reasons))
    } else {
        Rated::unscored(guess, opts.unsupported)
    }
}

/// [`Html::On`] when more than half of the first [`HTML_SAMPLE`] texts of `batch` have tags.
fn detect_html<F: RowFormat>(shape: &F::Shape, batch: &mut [F::Row]) -> Html {
    let (mut texts, mut tagged) = (0, 0);
    for row in batch.iter_mut() {
        if let Some(Ok(text)) = F::text(shape, row) {
            texts += 1;
            tagged += usize::from(has_tags(text));
            if texts == HTML_SAMPLE {
                break;
            }
        }
    }
    if texts > 0 && tagged * 2 > texts {
        Html::On
    } else {
        Html::Off
    }
}
