//! `moderate score`: streaming rows in, the same rows out with scores appended.
//!
//! One loop ([`run`]) for every format: read a batch of rows, score them in parallel (rayon),
//! write them in input order, so memory stays flat whatever the file size. A format is one file
//! implementing [`RowFormat`]: how a row is read, where its text is, how a scored row is written
//! ([`Csv`], [`Jsonl`]); the columns it appends and how scores are rounded are defined once, in
//! [`columns`]. Adding a format: a file here implementing [`RowFormat`], and its variant in
//! [`Format`].
//!
//! Every input row gives exactly one output row: a row that cannot be scored (invalid UTF-8,
//! missing or empty text, wrong number of fields, a JSON line that is not an object) is written
//! with its fields as read, empty scores and an `error` message, and reported to the caller's
//! [`Progress`] (the CLI prints it on stderr). The library prints nothing.

pub mod columns;
mod csv;
mod jsonl;

use std::io::{self, BufRead, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::model::{Model, Reasons};

pub use self::columns::{Cell, Columns, Outcome};
pub use self::csv::Csv;
pub use self::jsonl::Jsonl;

/// Rows per parallel batch.
pub const BATCH: usize = 4096;

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

    /// Score `input` into `output` in this format ([`run`] with the format's [`RowFormat`]).
    pub fn score<R: BufRead, W: Write>(
        self,
        model: &Model,
        input: R,
        output: W,
        opts: &ScoreOptions,
        progress: &mut dyn Progress,
    ) -> Result<Summary> {
        match self {
            Format::Csv => run(model, Csv::new(input, output), opts, progress),
            Format::Jsonl => run(model, Jsonl::new(input, output), opts, progress),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// The CSV column or JSON field holding the text.
    pub text_column: String,
    pub reasons: Reasons,
    /// Name of the input in messages (`-` for stdin).
    pub input_name: String,
}

/// What a run tells its caller as it goes; every method does nothing unless implemented. The CLI
/// draws a progress bar and prints row errors on stderr.
pub trait Progress {
    /// `bytes` of the input have been read (after each batch).
    fn read(&mut self, _bytes: u64) {}
    /// The row at `line` of the input could not be scored: it is written with `message` in its
    /// `error` column.
    fn row_error(&mut self, _line: u64, _message: &str) {}
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
            Ok(s) => {
                for f in &s.flagged {
                    if let Some(e) = self.flagged.iter_mut().find(|e| &e.0 == f) {
                        e.1 += 1;
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
    while !done {
        let mut batch = Vec::with_capacity(BATCH);
        while batch.len() < BATCH {
            check_stop(name, &stop)?;
            match format.read_row()? {
                Some(row) => batch.push(row),
                None => {
                    done = true;
                    break;
                }
            }
        }
        progress.read(format.bytes_read());
        let scored: Vec<(u64, Option<Outcome>, F::Out)> = batch
            .into_par_iter()
            .map(|mut row| {
                let line = F::line(&row);
                let outcome = F::text(&shape, &mut row)
                    .map(|text| text.map(|text| model.score(text, opts.reasons)));
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
    Ok(summary)
}
