//! CSV rows: a header row naming the columns, the text in the column named by `--text-column`;
//! each row comes out with its fields as read (padded to the header's count) and the
//! [`Columns`], scores as [`score_text`] writes them, lists joined with `;`.

use std::io::{Read, Write};

use ::csv::{ByteRecord, Reader, ReaderBuilder, Writer, WriterBuilder};

use super::columns::{score_text, Cell, Columns, Outcome};
use super::{io_err, RowFormat, ScoreOptions};
use crate::error::{Error, Result};

/// The CSV format over an input and an output stream.
pub struct Csv<R: Read, W: Write> {
    rdr: Reader<R>,
    wtr: Writer<W>,
    name: String,
    headers: ByteRecord,
}

/// Where the text is, and how many fields a row should have.
pub struct CsvShape {
    text_column: String,
    text_idx: usize,
    n_fields: usize,
}

impl<R: Read, W: Write> Csv<R, W> {
    pub fn new(input: R, output: W) -> Csv<R, W> {
        Csv {
            rdr: ReaderBuilder::new().flexible(true).from_reader(input),
            wtr: WriterBuilder::new().flexible(true).from_writer(output),
            name: String::new(),
            headers: ByteRecord::new(),
        }
    }
}

fn write_err(e: ::csv::Error) -> Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => io_err("output", e),
        other => Error::Model(format!("cannot write CSV output: {other:?}")),
    }
}

impl<R: Read, W: Write> RowFormat for Csv<R, W> {
    /// A record and its line in the input.
    type Row = (ByteRecord, u64);
    type Out = ByteRecord;
    type Shape = CsvShape;

    fn start(&mut self, columns: &Columns, opts: &ScoreOptions) -> Result<CsvShape> {
        let name = opts.input_name.as_str();
        self.name = name.to_string();
        self.headers = match self.rdr.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(Error::csv(name, e, None)),
        };
        let headers = &self.headers;
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
        let mut out_header = headers.clone();
        for c in columns.names() {
            out_header.push_field(c.as_bytes());
        }
        self.wtr.write_byte_record(&out_header).map_err(write_err)?;
        Ok(CsvShape {
            text_column: opts.text_column.clone(),
            text_idx,
            n_fields: headers.len(),
        })
    }

    fn read_row(&mut self) -> Result<Option<Self::Row>> {
        let mut rec = ByteRecord::new();
        match self.rdr.read_byte_record(&mut rec) {
            Ok(true) => {
                let line = rec.position().map_or(0, |p| p.line());
                Ok(Some((rec, line)))
            }
            Ok(false) => Ok(None),
            Err(e) => Err(Error::csv(&self.name, e, Some(&self.headers))),
        }
    }

    fn bytes_read(&self) -> u64 {
        self.rdr.position().byte()
    }

    fn line(row: &Self::Row) -> u64 {
        row.1
    }

    fn text<'r>(
        shape: &CsvShape,
        (rec, _): &'r mut Self::Row,
    ) -> Option<std::result::Result<&'r str, String>> {
        let n_fields = shape.n_fields;
        if rec.len() != n_fields {
            return Some(Err(format!(
                "this row has {} fields, the header has {n_fields}",
                rec.len()
            )));
        }
        let column = &shape.text_column;
        Some(match std::str::from_utf8(&rec[shape.text_idx]) {
            Err(_) => Err(format!("column '{column}': invalid UTF-8")),
            Ok(text) if text.trim().is_empty() => Err(format!("column '{column}': empty text")),
            Ok(text) => Ok(text),
        })
    }

    fn render(
        shape: &CsvShape,
        (mut rec, _): Self::Row,
        outcome: Option<&Outcome>,
        columns: &Columns,
    ) -> ByteRecord {
        while rec.len() < shape.n_fields {
            rec.push_field(b"");
        }
        let Some(outcome) = outcome else {
            return rec;
        };
        let mut num = String::with_capacity(16);
        for (_, cell) in columns.cells(outcome) {
            match cell {
                Cell::Score(Some(s)) => rec.push_field(score_text(s, &mut num).as_bytes()),
                Cell::Score(None) | Cell::Error(None) => rec.push_field(b""),
                Cell::List(items) => rec.push_field(items.join(";").as_bytes()),
                Cell::Error(Some(message)) => rec.push_field(message.as_bytes()),
            }
        }
        rec
    }

    fn write_row(&mut self, rec: ByteRecord) -> Result<()> {
        self.wtr.write_byte_record(&rec).map_err(write_err)
    }

    fn finish(&mut self) -> Result<()> {
        self.wtr.flush().map_err(|e| io_err("output", e))
    }
}
