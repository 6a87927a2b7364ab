//! CSV rows: a header row naming the columns, the text in the column [`find_text_column`] finds;
//! each row comes out with its fields as read, at the header's width (short rows padded, the
//! extra fields of long rows dropped: both are error rows), and the [`Columns`], scores as
//! [`score_text`] writes them, lists joined with `;`. The output has the input's delimiter.
//!
//! Records are read by [`CsvRecords`] (line numbers right with CRLF, bounded records). A file
//! scored before (it has `flagged` and `reasons` columns) has its old `score_*`, `shouting`,
//! `flagged`, `reasons` and `error` columns replaced, not a second set appended.

use std::io::{BufRead, Write};

use ::csv::{ByteRecord, Writer, WriterBuilder};

use super::columns::{
    duplicate_notices, find_text_column, no_text_column, score_text, Cell, Columns, Outcome,
};
use super::{io_err, RowFormat, ScoreOptions};
use crate::error::{Error, Result};
use crate::io::input::{printable, printable_bytes};
use crate::io::records::{CsvRecords, Record};

/// The CSV format over an input and an output stream.
pub struct Csv<R: BufRead, W: Write> {
    rdr: CsvRecords<R>,
    wtr: Writer<W>,
    name: String,
    notices: Vec<String>,
    lone_cr_told: bool,
}

/// Where the text is, how many fields a row should have, which are written back.
pub struct CsvShape {
    text_column: String,
    text_idx: usize,
    n_fields: usize,
    /// The input columns written back, when some are replaced by ours.
    keep: Option<Vec<usize>>,
    max: usize,
}

impl<R: BufRead, W: Write> Csv<R, W> {
    /// CSV with `delimiter` in and out, records bounded to `max_record_bytes`.
    pub fn new(input: R, output: W, delimiter: u8, max_record_bytes: usize) -> Csv<R, W> {
        Csv {
            rdr: CsvRecords::new(input, delimiter, max_record_bytes),
            wtr: WriterBuilder::new()
                .flexible(true)
                .delimiter(delimiter)
                .from_writer(output),
            name: String::new(),
            notices: Vec::new(),
            lone_cr_told: false,
        }
    }
}

fn write_err(e: ::csv::Error) -> Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => io_err("output", e),
        other => Error::Model(format!("cannot write CSV output: {other:?}")),
    }
}

impl<R: BufRead, W: Write> RowFormat for Csv<R, W> {
    type Row = Record<ByteRecord>;
    type Out = ByteRecord;
    type Shape = CsvShape;

    fn start(&mut self, columns: &Columns, opts: &ScoreOptions) -> Result<CsvShape> {
        let name = opts.input_name.as_str();
        self.name = name.to_string();
        let max = opts.max_record_bytes;
        let headers = match self.rdr.next_record() {
            Ok(Some(Record::Read { value, .. })) => value,
            Ok(Some(Record::TooLong { line, .. })) => {
                return Err(Error::input(
                    name,
                    line,
                    None,
                    format!("header row longer than {max} bytes: not a CSV file?"),
                ))
            }
            Ok(None) => return Err(Error::input(name, 0, None, "empty file (no header row)")),
            Err(e) => return Err(io_err(name, e)),
        };
        if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
            return Err(Error::input(name, 0, None, "empty file (no header row)"));
        }
        let names: Vec<String> = headers
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        let wanted = opts.text_column.as_deref();
        let text_idx = find_text_column(names.iter().map(String::as_str), wanted)
            .ok_or_else(|| Error::input(name, 1, None, no_text_column(&names, wanted)))?;
        if names[text_idx] != wanted.unwrap_or("text") {
            self.notices
                .push(format!("text column: '{}'", printable(&names[text_idx])));
        }
        self.notices.extend(duplicate_notices(&names));
        let scored_before = Columns::scored_before(names.iter().map(String::as_str));
        let keep: Option<Vec<usize>> = scored_before.then(|| {
            (0..names.len())
                .filter(|&i| !columns.replaces(&names[i], true))
                .collect()
        });
        if let Some(keep) = &keep {
            let old: Vec<String> = (0..names.len())
                .filter(|i| !keep.contains(i))
                .map(|i| printable(&names[i]))
                .collect();
            self.notices.push(format!(
                "this file was scored before: its columns {} are replaced",
                old.join(", ")
            ));
        }
        let mut out_header = ByteRecord::new();
        match &keep {
            Some(keep) => keep
                .iter()
                .for_each(|&i| out_header.push_field(&headers[i])),
            None => out_header = headers.clone(),
        }
        for c in columns.names() {
            out_header.push_field(c.as_bytes());
        }
        self.wtr.write_byte_record(&out_header).map_err(write_err)?;
        Ok(CsvShape {
            text_column: printable_bytes(&headers[text_idx]),
            text_idx,
            n_fields: headers.len(),
            keep,
            max,
        })
    }

    fn read_row(&mut self) -> Result<Option<Self::Row>> {
        let row = self.rdr.next_record().map_err(|e| io_err(&self.name, e))?;
        if let (Some(line), false) = (self.rdr.lone_cr(), self.lone_cr_told) {
            self.lone_cr_told = true;
            self.notices.push(format!(
                "{}:{line}: a carriage return alone ends this line (old Mac line ends): \
                 read as a line end",
                self.name
            ));
        }
        Ok(row)
    }

    fn bytes_read(&self) -> u64 {
        self.rdr.bytes_read()
    }

    fn line(row: &Self::Row) -> u64 {
        match row {
            Record::Read { line, .. } | Record::TooLong { line, .. } => *line,
        }
    }

    fn text<'r>(
        shape: &CsvShape,
        row: &'r mut Self::Row,
    ) -> Option<std::result::Result<&'r str, String>> {
        let rec = match row {
            Record::Read { value, .. } => value,
            Record::TooLong { bytes, .. } => {
                return Some(Err(format!(
                    "record of {bytes} bytes, over the {} byte limit: not read, skipped to \
                     the next line",
                    shape.max
                )))
            }
        };
        let n_fields = shape.n_fields;
        if rec.len() != n_fields {
            let what = if rec.len() > n_fields {
                "the extra fields are not written"
            } else {
                "padded with empty fields"
            };
            return Some(Err(format!(
                "this row has {} fields, the header has {n_fields} ({what})",
                rec.len()
            )));
        }
        let column = &shape.text_column;
        Some(match std::str::from_utf8(&rec[shape.text_idx]) {
            Err(_) => Err(format!(
                "column '{column}': invalid UTF-8 (the start of the file was UTF-8; \
                 --encoding windows-1252 reads it all as Windows-1252)"
            )),
            Ok(text) if text.trim().is_empty() => Err(format!("column '{column}': empty text")),
            Ok(text) => Ok(text),
        })
    }

    fn render(
        shape: &CsvShape,
        row: Self::Row,
        outcome: Option<&Outcome>,
        columns: &Columns,
    ) -> ByteRecord {
        let mut rec = match row {
            Record::Read { value, .. } => value,
            Record::TooLong { .. } => ByteRecord::new(),
        };
        rec.truncate(shape.n_fields);
        while rec.len() < shape.n_fields {
            rec.push_field(b"");
        }
        if let Some(keep) = &shape.keep {
            let mut kept = ByteRecord::with_capacity(rec.as_slice().len(), keep.len());
            keep.iter().for_each(|&i| kept.push_field(&rec[i]));
            rec = kept;
        }
        let Some(outcome) = outcome else {
            return rec;
        };
        let mut num = String::with_capacity(16);
        for (_, cell) in columns.cells(outcome) {
            match cell {
                Cell::Score(Some(s)) => rec.push_field(score_text(s, &mut num).as_bytes()),
                Cell::Score(None) | Cell::Error(None) | Cell::Text(None) => rec.push_field(b""),
                Cell::List(items) => rec.push_field(items.join(";").as_bytes()),
                Cell::Error(Some(message)) | Cell::Text(Some(message)) => {
                    rec.push_field(message.as_bytes())
                }
            }
        }
        rec
    }

    fn write_row(&mut self, rec: ByteRecord) -> Result<()> {
        self.wtr.write_byte_record(&rec).map_err(write_err)
    }

    fn notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    fn finish(&mut self) -> Result<()> {
        self.wtr.flush().map_err(|e| io_err("output", e))
    }
}
