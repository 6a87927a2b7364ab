//! `moderate score`: streaming CSV or JSON Lines in, the same rows out with scores appended.
//!
//! Rows are read in batches, scored in parallel (rayon) and written in input order, so memory stays
//! flat whatever the file size. Every input row gives exactly one output row: a row that cannot be
//! scored (invalid UTF-8, missing or empty text, wrong number of fields, a JSON line that is not an
//! object) is written with its fields as read, empty scores and an `error` message, and reported on
//! stderr.

use std::io::{self, BufRead, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use indicatif::ProgressBar;
use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::{Model, Reasons, Scored};

/// Rows per parallel batch.
pub const BATCH: usize = 4096;

/// The flag that stops a run: set it (the CLI does on Ctrl-C) and [`score_csv`] and
/// [`score_jsonl`] return an `Interrupted` I/O error before reading or writing the next row, so
/// that the caller can drop its temporary output.
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
}

#[derive(Debug, Clone)]
pub struct ScoreOptions {
    pub text_column: String,
    pub reasons: Reasons,
    /// Name of the input in messages (`-` for stdin).
    pub input_name: String,
    /// Print at most this many row errors on stderr (a count follows).
    pub max_error_messages: usize,
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

    fn count(&mut self, outcome: &std::result::Result<Scored, String>) {
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

/// Reports row errors on stderr, up to a limit.
struct ErrorReport<'a> {
    opts: &'a ScoreOptions,
    shown: usize,
}

impl ErrorReport<'_> {
    fn report(&mut self, line: u64, message: &str) {
        if self.shown < self.opts.max_error_messages {
            eprintln!(
                "moderate: {}:{}: {} (row written with an error)",
                self.opts.input_name, line, message
            );
        }
        self.shown += 1;
    }

    fn finish(&self) {
        if self.shown > self.opts.max_error_messages {
            eprintln!(
                "moderate: {} more row errors not shown",
                self.shown - self.opts.max_error_messages
            );
        }
    }
}

/// A score with four decimals, exactly as `format!("{s:.4}")` writes it, into `buf` (no
/// allocation; the standard formatter takes its slow exact path for many scores). For `s` in
/// [+0, 1]: `s × 10⁴` is exact in f64 (24 + 14 bits), and rounding it half to even is what the
/// formatter does with the exact decimal value. Anything else goes to the formatter.
fn fmt_score(s: f32, buf: &mut String) -> &str {
    use std::fmt::Write as _;
    buf.clear();
    if s.is_sign_positive() && s <= 1.0 {
        let n = (s as f64 * 10_000.0).round_ties_even() as u32;
        let _ = write!(buf, "{}.{:04}", n / 10_000, n % 10_000);
    } else {
        let _ = write!(buf, "{s:.4}");
    }
    buf
}

fn round4(s: f32) -> Value {
    let v = (s as f64 * 10_000.0).round() / 10_000.0;
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

fn io_err(name: &str, e: io::Error) -> Error {
    Error::Io {
        path: name.to_string(),
        source: e,
    }
}

/// Score a CSV stream.
pub fn score_csv<R: Read, W: Write>(
    model: &Model,
    input: R,
    output: W,
    opts: &ScoreOptions,
    bar: &ProgressBar,
) -> Result<Summary> {
    let name = opts.input_name.as_str();
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = match rdr.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(Error::csv(name, e, None)),
    };
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(Error::input(name, 0, None, "empty file (no header row)"));
    }
    let text_idx = headers
        .iter()
        .position(|h| h == opts.text_column.as_bytes())
        .ok_or_else(|| {
            let cols: Vec<String> = headers
                .iter()
                .map(|h| String::from_utf8_lossy(h).into_owned())
                .collect();
            Error::input(
                name,
                1,
                None,
                format!(
                    "no column named '{}' (columns: {}); choose one with --text-column",
                    opts.text_column,
                    cols.join(", ")
                ),
            )
        })?;
    let n_fields = headers.len();
    let mut wtr = csv::WriterBuilder::new().flexible(true).from_writer(output);
    let mut out_header = headers.clone();
    for l in model.labels() {
        out_header.push_field(format!("score_{l}").as_bytes());
    }
    for f in ["shouting", "flagged", "reasons", "error"] {
        out_header.push_field(f.as_bytes());
    }
    wtr.write_byte_record(&out_header)
        .map_err(|e| csv_write_err(name, e))?;

    let mut summary = Summary::new(model);
    let mut errors = ErrorReport { opts, shown: 0 };
    let n_labels = model.data.labels.len();
    let stop = stop_flag();
    let mut batch: Vec<(csv::ByteRecord, u64)> = Vec::with_capacity(BATCH);
    let mut num = String::with_capacity(16);
    let mut done = false;
    while !done {
        batch.clear();
        while batch.len() < BATCH {
            check_stop(name, &stop)?;
            let mut rec = csv::ByteRecord::new();
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {
                    let line = rec.position().map_or(0, |p| p.line());
                    batch.push((rec, line));
                }
                Ok(false) => {
                    done = true;
                    break;
                }
                Err(e) => return Err(Error::csv(name, e, Some(&headers))),
            }
        }
        bar.set_position(rdr.position().byte());
        let outcomes: Vec<std::result::Result<Scored, String>> = batch
            .par_iter()
            .map(|(rec, _)| {
                if rec.len() != n_fields {
                    return Err(format!(
                        "this row has {} fields, the header has {n_fields}",
                        rec.len()
                    ));
                }
                let text = std::str::from_utf8(&rec[text_idx])
                    .map_err(|_| format!("column '{}': invalid UTF-8", opts.text_column))?;
                if text.trim().is_empty() {
                    return Err(format!("column '{}': empty text", opts.text_column));
                }
                Ok(model.score(text, opts.reasons))
            })
            .collect();
        check_stop(name, &stop)?;
        for ((rec, line), outcome) in batch.iter_mut().zip(outcomes) {
            summary.count(&outcome);
            while rec.len() < n_fields {
                rec.push_field(b"");
            }
            match &outcome {
                Ok(s) => {
                    for &sc in &s.scores {
                        rec.push_field(fmt_score(sc, &mut num).as_bytes());
                    }
                    rec.push_field(fmt_score(s.shouting, &mut num).as_bytes());
                    rec.push_field(s.flagged.join(";").as_bytes());
                    rec.push_field(s.reasons.join(";").as_bytes());
                    rec.push_field(b"");
                }
                Err(msg) => {
                    errors.report(*line, msg);
                    for _ in 0..n_labels + 3 {
                        rec.push_field(b"");
                    }
                    rec.push_field(msg.as_bytes());
                }
            }
            wtr.write_byte_record(rec)
                .map_err(|e| csv_write_err(name, e))?;
        }
    }
    wtr.flush().map_err(|e| io_err("output", e))?;
    errors.finish();
    Ok(summary)
}

fn csv_write_err(_input: &str, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => io_err("output", e),
        other => Error::Model(format!("cannot write CSV output: {other:?}")),
    }
}

/// Score a JSON Lines stream: one object per line with a string text field. Blank lines are
/// passed through as blank lines.
pub fn score_jsonl<R: BufRead, W: Write>(
    model: &Model,
    mut input: R,
    mut output: W,
    opts: &ScoreOptions,
    bar: &ProgressBar,
) -> Result<Summary> {
    let name = opts.input_name.as_str();
    let mut summary = Summary::new(model);
    let mut errors = ErrorReport { opts, shown: 0 };
    let mut line_no = 0u64;
    let mut bytes_read = 0u64;
    let mut done = false;
    let stop = stop_flag();
    let mut batch: Vec<(u64, Vec<u8>)> = Vec::with_capacity(BATCH);
    while !done {
        batch.clear();
        while batch.len() < BATCH {
            check_stop(name, &stop)?;
            let mut buf = Vec::new();
            let n = input
                .read_until(b'\n', &mut buf)
                .map_err(|e| io_err(name, e))?;
            if n == 0 {
                done = true;
                break;
            }
            bytes_read += n as u64;
            line_no += 1;
            while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                buf.pop();
            }
            if line_no == 1 && buf.starts_with(b"\xEF\xBB\xBF") {
                buf.drain(..3);
            }
            batch.push((line_no, buf));
        }
        bar.set_position(bytes_read);
        let outputs: Vec<JsonOut> = batch
            .par_iter()
            .map(|(line, raw)| score_json_line(model, *line, raw, opts))
            .collect();
        check_stop(name, &stop)?;
        for (out, (line, _)) in outputs.into_iter().zip(&batch) {
            if let Some(outcome) = &out.outcome {
                if let Err(msg) = outcome {
                    errors.report(*line, msg);
                }
                summary.count(outcome);
            }
            output
                .write_all(&out.bytes)
                .map_err(|e| io_err("output", e))?;
            output.write_all(b"\n").map_err(|e| io_err("output", e))?;
        }
    }
    output.flush().map_err(|e| io_err("output", e))?;
    errors.finish();
    Ok(summary)
}

/// One scored JSON line: the outcome (None for a blank line) and the bytes to write.
struct JsonOut {
    outcome: Option<std::result::Result<Scored, String>>,
    bytes: Vec<u8>,
}

/// Score one JSON line.
fn score_json_line(model: &Model, line: u64, raw: &[u8], opts: &ScoreOptions) -> JsonOut {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return JsonOut {
            outcome: None,
            bytes: Vec::new(),
        };
    }
    let labels: Vec<String> = model.labels().map(|l| format!("score_{l}")).collect();
    let fail = |obj: Option<Map<String, Value>>, msg: String| {
        let mut obj = obj.unwrap_or_else(|| {
            let mut m = Map::new();
            m.insert("line".into(), Value::from(line));
            m.insert(
                "input".into(),
                Value::String(String::from_utf8_lossy(raw).into_owned()),
            );
            m
        });
        for l in &labels {
            obj.insert(l.clone(), Value::Null);
        }
        obj.insert("shouting".into(), Value::Null);
        obj.insert("flagged".into(), Value::Array(vec![]));
        obj.insert("reasons".into(), Value::Array(vec![]));
        obj.insert("error".into(), Value::String(msg.clone()));
        JsonOut {
            bytes: serde_json::to_vec(&Value::Object(obj)).unwrap_or_default(),
            outcome: Some(Err(msg)),
        }
    };
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t,
        Err(_) => return fail(None, "invalid UTF-8".into()),
    };
    let mut obj: Map<String, Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return fail(None, "not a JSON object".into()),
        Err(e) => return fail(None, format!("invalid JSON: {e}")),
    };
    let field = &opts.text_column;
    let comment = match obj.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) => return fail(Some(obj), format!("field '{field}': empty text")),
        Some(_) => return fail(Some(obj), format!("field '{field}' is not a string")),
        None => return fail(Some(obj), format!("no field '{field}'")),
    };
    let s = model.score(&comment, opts.reasons);
    for (l, &sc) in labels.iter().zip(&s.scores) {
        obj.insert(l.clone(), round4(sc));
    }
    obj.insert("shouting".into(), round4(s.shouting));
    obj.insert("flagged".into(), Value::from(s.flagged.clone()));
    obj.insert("reasons".into(), Value::from(s.reasons.clone()));
    obj.insert("error".into(), Value::Null);
    JsonOut {
        bytes: serde_json::to_vec(&Value::Object(obj)).unwrap_or_default(),
        outcome: Some(Ok(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::fmt_score;

    fn same(s: f32) {
        let mut buf = String::new();
        assert_eq!(
            fmt_score(s, &mut buf),
            format!("{s:.4}"),
            "bits {:#x}",
            s.to_bits()
        );
    }

    #[test]
    fn scores_are_written_as_the_formatter_writes_them() {
        // Exact ties at the fifth decimal (1/32 = 0.03125 rounds to even: 0.0312), the ends,
        // values just under a carry, and out-of-range values that go to the formatter.
        for s in [
            0.0,
            1.0,
            0.03125,
            0.09375,
            0.5,
            0.99995,
            f32::from_bits(0x3f7f_fcb9), // just under 0.99995
            0.000_05,
            0.000_049_99,
            -0.0,
            -0.25,
            1.5,
            f32::NAN,
            f32::INFINITY,
            f32::MIN_POSITIVE,
        ] {
            same(s);
        }
        // One f32 in 61 between 0 and 1 (about 17 million values).
        let top = 1.0f32.to_bits();
        for bits in (0..=top).step_by(61) {
            same(f32::from_bits(bits));
        }
    }
}
