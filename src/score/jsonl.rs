//! JSON Lines rows: one object per line, the text in the string field named by `--text-column`;
//! each object comes out with its keys in their input order and the [`Columns`] added (scores as
//! [`score_number`] gives them, lists as arrays, no error as `null`). A line that is not an object
//! comes out as `{"line": …, "input": …}` with the columns. Blank lines are passed through as
//! blank lines.

use std::io::{BufRead, Write};

use serde_json::{Map, Value};

use super::columns::{score_number, Cell, Columns, Outcome};
use super::{io_err, RowFormat, ScoreOptions};
use crate::error::Result;

/// The JSON Lines format over an input and an output stream.
pub struct Jsonl<R: BufRead, W: Write> {
    input: R,
    output: W,
    name: String,
    lines: u64,
    bytes_read: u64,
}

/// A line as read, and its object once parsed.
pub struct JsonRow {
    line: u64,
    raw: Vec<u8>,
    object: Option<Map<String, Value>>,
}

impl<R: BufRead, W: Write> Jsonl<R, W> {
    pub fn new(input: R, output: W) -> Jsonl<R, W> {
        Jsonl {
            input,
            output,
            name: String::new(),
            lines: 0,
            bytes_read: 0,
        }
    }
}

impl<R: BufRead, W: Write> RowFormat for Jsonl<R, W> {
    type Row = JsonRow;
    type Out = Vec<u8>;
    /// The text field.
    type Shape = String;

    fn start(&mut self, _columns: &Columns, opts: &ScoreOptions) -> Result<String> {
        self.name = opts.input_name.clone();
        Ok(opts.text_column.clone())
    }

    fn read_row(&mut self) -> Result<Option<JsonRow>> {
        let mut raw = Vec::new();
        let n = self
            .input
            .read_until(b'\n', &mut raw)
            .map_err(|e| io_err(&self.name, e))?;
        if n == 0 {
            return Ok(None);
        }
        self.bytes_read += n as u64;
        self.lines += 1;
        while raw.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            raw.pop();
        }
        if self.lines == 1 && raw.starts_with(b"\xEF\xBB\xBF") {
            raw.drain(..3);
        }
        Ok(Some(JsonRow {
            line: self.lines,
            raw,
            object: None,
        }))
    }

    fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    fn line(row: &JsonRow) -> u64 {
        row.line
    }

    fn text<'r>(
        field: &String,
        row: &'r mut JsonRow,
    ) -> Option<std::result::Result<&'r str, String>> {
        if row.raw.iter().all(|b| b.is_ascii_whitespace()) {
            return None;
        }
        let Ok(text) = std::str::from_utf8(&row.raw) else {
            return Some(Err("invalid UTF-8".into()));
        };
        let object = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => row.object.insert(m),
            Ok(_) => return Some(Err("not a JSON object".into())),
            Err(e) => return Some(Err(format!("invalid JSON: {e}"))),
        };
        Some(match object.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.as_str()),
            Some(Value::String(_)) => Err(format!("field '{field}': empty text")),
            Some(_) => Err(format!("field '{field}' is not a string")),
            None => Err(format!("no field '{field}'")),
        })
    }

    fn render(
        _field: &String,
        row: JsonRow,
        outcome: Option<&Outcome>,
        columns: &Columns,
    ) -> Vec<u8> {
        let Some(outcome) = outcome else {
            return Vec::new();
        };
        let mut object = row.object.unwrap_or_else(|| {
            let mut m = Map::new();
            m.insert("line".into(), Value::from(row.line));
            m.insert(
                "input".into(),
                Value::String(String::from_utf8_lossy(&row.raw).into_owned()),
            );
            m
        });
        for (name, cell) in columns.cells(outcome) {
            let value = match cell {
                Cell::Score(Some(s)) => {
                    serde_json::Number::from_f64(score_number(s)).map_or(Value::Null, Value::Number)
                }
                Cell::Score(None) | Cell::Error(None) => Value::Null,
                Cell::List(items) => Value::from(items.to_vec()),
                Cell::Error(Some(message)) => Value::String(message.to_string()),
            };
            object.insert(name.to_string(), value);
        }
        serde_json::to_vec(&Value::Object(object)).unwrap_or_default()
    }

    fn write_row(&mut self, bytes: Vec<u8>) -> Result<()> {
        self.output
            .write_all(&bytes)
            .map_err(|e| io_err("output", e))?;
        self.output
            .write_all(b"\n")
            .map_err(|e| io_err("output", e))
    }

    fn finish(&mut self) -> Result<()> {
        self.output.flush().map_err(|e| io_err("output", e))
    }
}
