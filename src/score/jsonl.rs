//! JSON Lines rows: one object per line, the text in a string field; each object comes out with
//! its bytes exactly as read (numbers, escapes, key order, duplicate keys) and the [`Columns`]
//! inserted before its closing brace (scores as [`score_number`] gives them, lists as arrays, no
//! error as `null`). A line that is not an object comes out as `{"line": …, "input": …}` with the
//! columns. Blank lines are passed through as blank lines. Lines are bounded in size
//! ([`read_line`]).
//!
//! The text field: `--text-column` (exactly, else whatever its case), or the first of
//! [`TEXT_COLUMNS`](super::columns::TEXT_COLUMNS) in the first object. When an object has the
//! field twice, the last one is scored (as JavaScript's `JSON.parse` keeps it); both are written
//! back. An object that already has fields named like ours (scored before) gets them replaced:
//! that object is rewritten with its other keys re-encoded and their values' bytes as read.
//!
//! The object handling ([`ObjectRow`]) is shared with JSON arrays ([`super::json`]).

use std::collections::VecDeque;
use std::io::{BufRead, Write};

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::columns::{find_text_column, score_number, Cell, Columns, Outcome};
use super::{io_err, RowFormat, ScoreOptions};
use crate::error::Result;
use crate::io::input::printable;
use crate::io::records::{read_line, Line};

/// The JSON Lines format over an input and an output stream.
pub struct Jsonl<R: BufRead, W: Write> {
    input: R,
    output: W,
    name: String,
    lines: u64,
    bytes_read: u64,
    max: usize,
    /// Rows read ahead by `start` (to find the text field).
    pending: VecDeque<ObjectRow>,
    notices: Vec<String>,
}

/// Where a row is in its input.
#[derive(Debug, Clone, Copy)]
pub enum Place {
    Line(u64),
    /// An array element: its line and its index (0-based).
    Element(u64, u64),
}

/// One object as read: its bytes, and once parsed, its text and how to write it back.
pub struct ObjectRow {
    pub place: Place,
    pub raw: Vec<u8>,
    /// Skipped for being over the limit: its size.
    pub too_long: Option<u64>,
    text: String,
    /// The object's bytes before its closing brace (None: `raw` up to its last `}`), and whether
    /// it has any key.
    rebuilt: Option<Vec<u8>>,
    has_keys: bool,
    parsed: bool,
    /// Parsed as an object.
    is_object: bool,
    /// Why it has no text to score, once parsed.
    error: Option<String>,
}

impl ObjectRow {
    pub fn new(place: Place, raw: Vec<u8>, too_long: Option<u64>) -> ObjectRow {
        ObjectRow {
            place,
            raw,
            too_long,
            text: String::new(),
            rebuilt: None,
            has_keys: false,
            parsed: false,
            is_object: false,
            error: None,
        }
    }

    pub fn line(&self) -> u64 {
        match self.place {
            Place::Line(l) | Place::Element(l, _) => l,
        }
    }
}

/// What the worker threads need: the text field and how to match it, the limit.
pub struct JsonShape {
    pub field: String,
    pub columns: Columns,
    pub max: usize,
}

/// The keys of an object with their values' bytes, in order, duplicates kept.
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Entries<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(
                self,
                mut m: M,
            ) -> std::result::Result<Self::Value, M::Error> {
                let mut v = Vec::new();
                while let Some(e) = m.next_entry::<String, &'de RawValue>()? {
                    v.push(e);
                }
                Ok(Entries(v))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// The keys of the object in `raw` (for choosing the text field), or nothing.
pub fn keys_of(raw: &[u8]) -> Vec<String> {
    std::str::from_utf8(raw)
        .ok()
        .and_then(|s| serde_json::from_str::<Entries>(s).ok())
        .map(|e| e.0.into_iter().map(|(k, _)| k).collect())
        .unwrap_or_default()
}

/// The text field to use for rows whose first object has `keys`, and a notice when it is not
/// the one asked for (or `text`).
pub fn choose_field(keys: &[String], wanted: Option<&str>) -> (String, Option<String>) {
    let fallback = wanted.unwrap_or("text").to_string();
    match find_text_column(keys.iter().map(String::as_str), wanted) {
        Some(i) if keys[i] != fallback => (
            keys[i].clone(),
            Some(format!("text field: '{}'", printable(&keys[i]))),
        ),
        _ => (fallback, None),
    }
}

/// Parse `row` and return its text (see the module documentation for which field).
pub fn object_text<'r>(
    shape: &JsonShape,
    row: &'r mut ObjectRow,
) -> std::result::Result<&'r str, String> {
    if !row.parsed {
        row.parsed = true;
        if let Err(e) = parse_object(shape, row) {
            row.error = Some(e);
        }
    }
    if let Some(e) = &row.error {
        return Err(e.clone());
    }
    if row.text.trim().is_empty() {
        return Err(format!("field '{}': empty text", printable(&shape.field)));
    }
    Ok(&row.text)
}

/// Parse `row`'s object: its text, and its bytes to write back when some keys are replaced.
fn parse_object(shape: &JsonShape, row: &mut ObjectRow) -> std::result::Result<(), String> {
    if let Some(bytes) = row.too_long {
        return Err(format!(
            "{bytes} bytes, over the {} byte limit: not read",
            shape.max
        ));
    }
    {
        let Ok(text) = std::str::from_utf8(&row.raw) else {
            return Err("invalid UTF-8".into());
        };
        if !text.trim_start().starts_with('{') {
            return Err(match serde_json::from_str::<serde::de::IgnoredAny>(text) {
                Ok(_) => "not a JSON object".into(),
                Err(e) => format!("invalid JSON: {e}"),
            });
        }
        let entries = match serde_json::from_str::<Entries>(text) {
            Ok(e) => e.0,
            Err(e) => return Err(format!("invalid JSON: {e}")),
        };
        row.is_object = true;
        row.has_keys = !entries.is_empty();
        let field = &shape.field;
        let value = entries
            .iter()
            .rev()
            .find(|(k, _)| k == field)
            .or_else(|| {
                entries
                    .iter()
                    .rev()
                    .find(|(k, _)| k.eq_ignore_ascii_case(field))
            })
            .map(|(_, v)| v.get());
        let scored_before = Columns::scored_before(entries.iter().map(|(k, _)| k.as_str()));
        if entries
            .iter()
            .any(|(k, _)| shape.columns.replaces(k, scored_before))
        {
            let mut out = b"{".to_vec();
            let mut first = true;
            for (k, v) in &entries {
                if shape.columns.replaces(k, scored_before) {
                    continue;
                }
                if !first {
                    out.push(b',');
                }
                first = false;
                let _ = serde_json::to_writer(&mut out, k);
                out.push(b':');
                out.extend_from_slice(v.get().as_bytes());
            }
            row.has_keys = !first;
            row.rebuilt = Some(out);
        }
        let field = printable(field);
        match value {
            None => Err(format!("no field '{field}'")),
            Some(v) => match serde_json::from_str::<String>(v) {
                Ok(s) => {
                    row.text = s;
                    Ok(())
                }
                Err(_) => Err(format!("field '{field}' is not a string")),
            },
        }
    }
}

/// The object of `row` with the columns added, as bytes (no line end).
pub fn render_object(row: ObjectRow, outcome: &Outcome, columns: &Columns) -> Vec<u8> {
    let (mut out, mut first) = if row.is_object {
        match row.rebuilt {
            Some(b) => (b, !row.has_keys),
            None => {
                let end = row.raw.iter().rposition(|&b| b == b'}').unwrap_or(0);
                let mut raw = row.raw;
                raw.truncate(end);
                (raw, !row.has_keys)
            }
        }
    } else {
        let mut out = Vec::new();
        match row.place {
            Place::Line(l) => out.extend_from_slice(format!("{{\"line\":{l}").as_bytes()),
            Place::Element(l, i) => {
                out.extend_from_slice(format!("{{\"line\":{l},\"element\":{i}").as_bytes())
            }
        }
        if row.too_long.is_none() {
            out.extend_from_slice(b",\"input\":");
            let _ = serde_json::to_writer(&mut out, &String::from_utf8_lossy(&row.raw));
        }
        (out, false)
    };
    for (name, cell) in columns.cells(outcome) {
        if !first {
            out.push(b',');
        }
        first = false;
        let _ = serde_json::to_writer(&mut out, name);
        out.push(b':');
        let _ = match cell {
            Cell::Score(Some(s)) => {
                serde_json::to_writer(&mut out, &serde_json::Number::from_f64(score_number(s)))
            }
            Cell::Score(None) | Cell::Error(None) | Cell::Text(None) => {
                serde_json::to_writer(&mut out, &())
            }
            Cell::List(items) => serde_json::to_writer(&mut out, items),
            Cell::Error(Some(message)) | Cell::Text(Some(message)) => {
                serde_json::to_writer(&mut out, message)
            }
        };
    }
    out.push(b'}');
    out
}

impl<R: BufRead, W: Write> Jsonl<R, W> {
    pub fn new(input: R, output: W, max_record_bytes: usize) -> Jsonl<R, W> {
        Jsonl {
            input,
            output,
            name: String::new(),
            lines: 0,
            bytes_read: 0,
            max: max_record_bytes,
            pending: VecDeque::new(),
            notices: Vec::new(),
        }
    }

    fn next_line(&mut self) -> Result<Option<ObjectRow>> {
        let mut raw = Vec::new();
        let (n, too_long) = match read_line(&mut self.input, &mut raw, self.max)
            .map_err(|e| io_err(&self.name, e))?
        {
            Line::End => return Ok(None),
            Line::Read(n) => (n, None),
            Line::TooLong(n) => (n, Some(n)),
        };
        self.bytes_read += n;
        self.lines += 1;
        if self.lines == 1 && raw.starts_with(b"\xEF\xBB\xBF") {
            raw.drain(..3);
        }
        Ok(Some(ObjectRow::new(Place::Line(self.lines), raw, too_long)))
    }
}

fn blank(raw: &[u8]) -> bool {
    raw.iter().all(|b| b.is_ascii_whitespace())
}

impl<R: BufRead, W: Write> RowFormat for Jsonl<R, W> {
    type Row = ObjectRow;
    type Out = Vec<u8>;
    type Shape = JsonShape;

    fn start(&mut self, columns: &Columns, opts: &ScoreOptions) -> Result<JsonShape> {
        self.name = opts.input_name.clone();
        // Read ahead to the first non-blank line to choose the text field.
        let mut keys = Vec::new();
        while let Some(row) = self.next_line()? {
            let done = !blank(&row.raw) || row.too_long.is_some();
            if done {
                keys = keys_of(&row.raw);
            }
            self.pending.push_back(row);
            if done {
                break;
            }
        }
        let (field, notice) = choose_field(&keys, opts.text_column.as_deref());
        self.notices.extend(notice);
        if Columns::scored_before(keys.iter().map(String::as_str)) {
            self.notices
                .push("these rows were scored before: their score fields are replaced".into());
        }
        Ok(JsonShape {
            field,
            columns: columns.clone(),
            max: opts.max_record_bytes,
        })
    }

    fn read_row(&mut self) -> Result<Option<ObjectRow>> {
        match self.pending.pop_front() {
            Some(row) => Ok(Some(row)),
            None => self.next_line(),
        }
    }

    fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    fn line(row: &ObjectRow) -> u64 {
        row.line()
    }

    fn text<'r>(
        shape: &JsonShape,
        row: &'r mut ObjectRow,
    ) -> Option<std::result::Result<&'r str, String>> {
        if row.too_long.is_none() && blank(&row.raw) {
            return None;
        }
        Some(object_text(shape, row))
    }

    fn render(
        _shape: &JsonShape,
        row: ObjectRow,
        outcome: Option<&Outcome>,
        columns: &Columns,
    ) -> Vec<u8> {
        match outcome {
            Some(outcome) => render_object(row, outcome, columns),
            None => Vec::new(),
        }
    }

    fn write_row(&mut self, bytes: Vec<u8>) -> Result<()> {
        self.output
            .write_all(&bytes)
            .map_err(|e| io_err("output", e))?;
        self.output
            .write_all(b"\n")
            .map_err(|e| io_err("output", e))
    }

    fn notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    fn finish(&mut self) -> Result<()> {
        self.output.flush().map_err(|e| io_err("output", e))
    }
}
