//! JSON array rows: `[{…},{…}]`, what APIs and CMS exports give, read one element at a time (a
//! small splitter that follows strings and brackets; the file is never loaded whole) and written
//! back as a JSON array, one element per line. Each element is handled as a JSON Lines object is
//! ([`super::jsonl`]: bytes kept, columns inserted before the closing brace); an element that is
//! not an object is an error row naming its index (0-based) and line. Elements are bounded in
//! size like records; a file that ends before its closing `]` is scored to its end and said so.

use std::collections::VecDeque;
use std::io::{BufRead, Write};

use super::columns::{Columns, Outcome};
use super::jsonl::{
    choose_field, keys_of, object_text, render_object, JsonShape, ObjectRow, Place,
};
use super::{io_err, RowFormat, ScoreOptions};
use crate::error::{Error, Result};

/// The JSON array format over an input and an output stream.
pub struct Json<R: BufRead, W: Write> {
    input: R,
    output: W,
    name: String,
    max: usize,
    line: u64,
    bytes_read: u64,
    index: u64,
    state: State,
    pending: VecDeque<ObjectRow>,
    written: u64,
    notices: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    InArray,
    Done,
}

impl<R: BufRead, W: Write> Json<R, W> {
    pub fn new(input: R, output: W, max_record_bytes: usize) -> Json<R, W> {
        Json {
            input,
            output,
            name: String::new(),
            max: max_record_bytes,
            line: 1,
            bytes_read: 0,
            index: 0,
            state: State::Start,
            pending: VecDeque::new(),
            written: 0,
            notices: Vec::new(),
        }
    }

    /// The next byte that is not white space (not consumed), or None at the end.
    fn peek_non_space(&mut self) -> Result<Option<u8>> {
        loop {
            let buf = self.input.fill_buf().map_err(|e| io_err(&self.name, e))?;
            if buf.is_empty() {
                return Ok(None);
            }
            let mut n = 0;
            for &b in buf {
                if !b.is_ascii_whitespace() {
                    break;
                }
                if b == b'\n' {
                    self.line += 1;
                }
                n += 1;
            }
            let stop = n < buf.len();
            let next = buf.get(n).copied();
            self.input.consume(n);
            self.bytes_read += n as u64;
            if stop {
                return Ok(next);
            }
        }
    }

    fn consume(&mut self, n: usize) {
        self.input.consume(n);
        self.bytes_read += n as u64;
    }

    /// The next element, following strings and brackets to its top-level `,` or `]`.
    fn next_element(&mut self) -> Result<Option<ObjectRow>> {
        if self.state == State::Start {
            let buf = self.input.fill_buf().map_err(|e| io_err(&self.name, e))?;
            if buf.starts_with(b"\xEF\xBB\xBF") {
                self.consume(3);
            }
            match self.peek_non_space()? {
                Some(b'[') => self.consume(1),
                found => {
                    let what = found.map_or("the end".into(), |b| format!("'{}'", b as char));
                    return Err(Error::input(
                        &self.name,
                        self.line,
                        None,
                        format!("a JSON array starts with '[', found {what} (JSON Lines: --format jsonl)"),
                    ));
                }
            }
            self.state = State::InArray;
            if self.peek_non_space()? == Some(b']') {
                self.consume(1);
                self.state = State::Done;
            }
        }
        if self.state == State::Done {
            return match self.peek_non_space()? {
                None => Ok(None),
                Some(_) => Err(Error::input(
                    &self.name,
                    self.line,
                    None,
                    "data after the JSON array's closing ']'",
                )),
            };
        }
        if self.peek_non_space()?.is_none() {
            self.notices.push(format!(
                "{}: the JSON array has no closing ']' (a cut file?): read to its end",
                self.name
            ));
            self.state = State::Done;
            return Ok(None);
        }
        let line = self.line;
        let index = self.index;
        self.index += 1;
        let mut raw = Vec::new();
        let mut size = 0u64;
        let (mut depth, mut in_string, mut escape) = (0u32, false, false);
        loop {
            let buf = self.input.fill_buf().map_err(|e| io_err(&self.name, e))?;
            if buf.is_empty() {
                self.notices.push(format!(
                    "{}: the JSON array has no closing ']' (a cut file?): read to its end",
                    self.name
                ));
                self.state = State::Done;
                break;
            }
            let mut n = 0;
            let mut end = None;
            for &b in buf {
                n += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                if in_string {
                    match (escape, b) {
                        (true, _) => escape = false,
                        (false, b'\\') => escape = true,
                        (false, b'"') => in_string = false,
                        _ => {}
                    }
                } else {
                    match b {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' if depth > 0 => depth -= 1,
                        b',' | b']' if depth == 0 => {
                            end = Some(b);
                            break;
                        }
                        _ => {}
                    }
                }
            }
            let take = if end.is_some() { n - 1 } else { n };
            size += take as u64;
            if size <= self.max as u64 {
                raw.extend_from_slice(&buf[..take]);
            } else {
                raw = Vec::new();
            }
            self.consume(n);
            match end {
                Some(b']') => {
                    self.state = State::Done;
                    break;
                }
                Some(_) => break,
                None => {}
            }
        }
        let too_long = (size > self.max as u64).then_some(size);
        let trimmed = raw.trim_ascii().to_vec();
        Ok(Some(ObjectRow::new(
            Place::Element(line, index),
            trimmed,
            too_long,
        )))
    }
}

impl<R: BufRead, W: Write> RowFormat for Json<R, W> {
    type Row = ObjectRow;
    type Out = Vec<u8>;
    type Shape = JsonShape;

    fn start(&mut self, columns: &Columns, opts: &ScoreOptions) -> Result<JsonShape> {
        self.name = opts.input_name.clone();
        let first = self.next_element()?;
        let keys = first.as_ref().map_or(Vec::new(), |r| keys_of(&r.raw));
        self.pending.extend(first);
        let (field, notice) = choose_field(&keys, opts.text_column.as_deref());
        self.notices.extend(notice);
        if Columns::scored_before(keys.iter().map(String::as_str)) {
            self.notices
                .push("these rows were scored before: their score fields are replaced".into());
        }
        self.output
            .write_all(b"[")
            .map_err(|e| io_err("output", e))?;
        Ok(JsonShape {
            field,
            columns: columns.clone(),
            max: opts.max_record_bytes,
        })
    }

    fn read_row(&mut self) -> Result<Option<ObjectRow>> {
        match self.pending.pop_front() {
            Some(row) => Ok(Some(row)),
            None => self.next_element(),
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
        let index = match row.place {
            Place::Element(_, i) => i,
            Place::Line(_) => 0,
        };
        Some(object_text(shape, row).map_err(|m| format!("element {index}: {m}")))
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
        let sep: &[u8] = if self.written == 0 { b"\n" } else { b",\n" };
        self.written += 1;
        self.output
            .write_all(sep)
            .and_then(|_| self.output.write_all(&bytes))
            .map_err(|e| io_err("output", e))
    }

    fn notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    fn finish(&mut self) -> Result<()> {
        self.output
            .write_all(b"\n]\n")
            .and_then(|_| self.output.flush())
            .map_err(|e| io_err("output", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_split_at_top_level_commas() {
        let input = &b"[{\"id\":1,\"t\":\"a,]\\\"\"},\n 42, [1,2]]"[..];
        let mut j = Json::new(input, Vec::new(), 1 << 20);
        let mut got = Vec::new();
        while let Some(row) = j.next_element().expect("element") {
            got.push((row.line(), String::from_utf8_lossy(&row.raw).into_owned()));
        }
        assert_eq!(
            got,
            [
                (1, "{\"id\":1,\"t\":\"a,]\\\"\"}".to_string()),
                (2, "42".to_string()),
                (2, "[1,2]".to_string())
            ]
        );
    }
}
