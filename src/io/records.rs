//! Records out of a text stream, each bounded in size and numbered by its line: CSV records
//! ([`CsvRecords`]) and lines ([`read_line`], for JSON Lines).
//!
//! CSV is read as the `csv` crate reads it (RFC 4180: a quote opens a quoted field only at the
//! start of a field, `""` is a quote inside one, empty lines are skipped, a missing closing quote
//! runs to the end of the input), with the line numbers right whatever the line ends: `\n`,
//! `\r\n` and a lone `\r` (old Mac files) each end a line, everywhere, and outside quotes each
//! ends a record; the first lone `\r` is reported ([`CsvRecords::lone_cr`]) because it is
//! rarely meant.
//!
//! A record or line longer than the bound is not kept: what was read of it is dropped, the input
//! is skipped to the next line end (quotes no longer count), and the caller gets
//! [`Record::TooLong`] naming the line, so that one endless line costs bounded memory.

use std::io::{self, BufRead};

use csv::ByteRecord;

/// The default bound on one record or line.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// One record as read.
#[derive(Debug)]
pub enum Record<T> {
    /// A record and the line it starts on (1-based).
    Read { line: u64, value: T },
    /// A record longer than the bound, skipped: the line it starts on and its size in bytes.
    TooLong { line: u64, bytes: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    QuoteInQuoted,
}

/// Where the reader is: the line of the next byte, and the line ends met.
#[derive(Debug, Clone, Copy)]
struct Pos {
    line: u64,
    /// The last byte read was a `\r` (a `\n` right after it ends the same line).
    after_cr: bool,
    lone_cr: Option<u64>,
}

impl Pos {
    /// Count the line end `b` is part of, if any.
    fn count(&mut self, b: u8) {
        if self.after_cr && b != b'\n' {
            self.lone_cr.get_or_insert(self.line - 1);
        }
        match b {
            b'\n' if self.after_cr => self.after_cr = false,
            b'\n' => self.line += 1,
            b'\r' => {
                self.line += 1;
                self.after_cr = true;
            }
            _ => self.after_cr = false,
        }
    }
}

/// Bytes a record is made with room for (it grows past them as needed).
const RECORD_BYTES: usize = 256;

/// CSV records from a UTF-8 (or any ASCII-compatible) stream.
pub struct CsvRecords<R> {
    input: R,
    delimiter: u8,
    max: usize,
    pos: Pos,
    bytes: u64,
    field: Vec<u8>,
}

impl<R: BufRead> CsvRecords<R> {
    pub fn new(input: R, delimiter: u8, max: usize) -> CsvRecords<R> {
        CsvRecords {
            input,
            delimiter,
            max: max.max(1),
            pos: Pos {
                line: 1,
                after_cr: false,
                lone_cr: None,
            },
            bytes: 0,
            field: Vec::new(),
        }
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The line of the first lone `\r` (not followed by `\n`) met so far.
    pub fn lone_cr(&self) -> Option<u64> {
        self.pos.lone_cr
    }

    /// The next record, `None` at the end of the input.
    pub fn next_record(&mut self) -> io::Result<Option<Record<ByteRecord>>> {
        // Room for a short comment's record: a new record's buffer doubles from 4 bytes as its
        // fields are pushed (some eight times for a comment of a few hundred bytes).
        let mut rec = ByteRecord::with_capacity(RECORD_BYTES, 4);
        let mut state = State::StartRecord;
        let mut start = 0u64;
        let mut size = 0usize;
        let delimiter = self.delimiter;
        let max = self.max;
        self.field.clear();
        loop {
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                self.pos.after_cr = false;
                if state == State::StartRecord {
                    return Ok(None);
                }
                rec.push_field(&self.field);
                return Ok(Some(Record::Read {
                    line: start,
                    value: rec,
                }));
            }
            let mut used = 0;
            let mut done = false;
            let mut too_long = false;
            let mut overflow_on_end = false;
            let field = &mut self.field;
            let pos = &mut self.pos;
            let plain = |c: u8| c != delimiter && c != b'"' && c != b'\n' && c != b'\r';
            while used < buf.len() {
                let b = buf[used];
                // Inside a field, a run of bytes that are neither the delimiter, a quote nor a
                // line end is the field's as it is: copied at once. Only its first byte can
                // change the position (it ends a lone `\r`), as counting each would.
                if matches!(state, State::InField | State::InQuoted) && plain(b) {
                    let run = buf[used..]
                        .iter()
                        .position(|&c| !plain(c))
                        .unwrap_or(buf.len() - used)
                        .min(max.saturating_sub(size));
                    if run > 0 {
                        pos.count(b);
                        field.extend_from_slice(&buf[used..used + run]);
                        size += run;
                        used += run;
                        continue;
                    }
                }
                used += 1;
                pos.count(b);
                let end = b == b'\n' || b == b'\r';
                if state == State::StartRecord {
                    if end {
                        continue;
                    }
                    start = pos.line;
                    state = State::StartField;
                }
                size += 1;
                if size > max {
                    too_long = true;
                    overflow_on_end = end;
                    break;
                }
                state = match state {
                    State::StartField | State::InField | State::QuoteInQuoted if b == delimiter => {
                        rec.push_field(field);
                        field.clear();
                        State::StartField
                    }
                    State::StartField | State::InField | State::QuoteInQuoted if end => {
                        done = true;
                        break;
                    }
                    State::StartField if b == b'"' => State::InQuoted,
                    State::InQuoted if b == b'"' => State::QuoteInQuoted,
                    State::QuoteInQuoted if b == b'"' => {
                        field.push(b'"');
                        State::InQuoted
                    }
                    State::InQuoted => {
                        field.push(b);
                        State::InQuoted
                    }
                    _ => {
                        field.push(b);
                        State::InField
                    }
                };
            }
            self.input.consume(used);
            self.bytes += used as u64;
            if too_long {
                self.field = Vec::new();
                let skipped = if overflow_on_end {
                    0
                } else {
                    self.skip_line()?
                };
                return Ok(Some(Record::TooLong {
                    line: start,
                    bytes: size as u64 + skipped,
                }));
            }
            if done {
                rec.push_field(&self.field);
                return Ok(Some(Record::Read {
                    line: start,
                    value: rec,
                }));
            }
        }
    }

    /// Skip to the next line end (or the end of the input); the bytes skipped.
    fn skip_line(&mut self) -> io::Result<u64> {
        let mut skipped = 0u64;
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(skipped);
            }
            match buf.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(i) => {
                    let b = buf[i];
                    self.input.consume(i + 1);
                    self.bytes += i as u64 + 1;
                    self.pos.after_cr = false;
                    self.pos.count(b);
                    return Ok(skipped + i as u64 + 1);
                }
                None => {
                    let n = buf.len();
                    self.input.consume(n);
                    self.bytes += n as u64;
                    skipped += n as u64;
                }
            }
        }
    }
}

/// What [`read_line`] read.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// The end of the input: nothing was read.
    End,
    /// A line (in the buffer, its `\n` and a `\r` before it removed): the bytes it took.
    Read(u64),
    /// A line longer than the bound, skipped up to its `\n`: the bytes it took (the buffer is
    /// left empty).
    TooLong(u64),
}

/// Read one `\n`-terminated line into `buf` (cleared first), keeping at most `max` bytes.
pub fn read_line<R: BufRead + ?Sized>(
    input: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Line> {
    buf.clear();
    let mut total = 0u64;
    let mut too_long = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        let (n, end) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if !too_long {
            if buf.len() + n > max.saturating_add(2) {
                too_long = true;
                buf.clear();
                buf.shrink_to(1 << 16);
            } else {
                buf.extend_from_slice(&chunk[..n]);
            }
        }
        input.consume(n);
        total += n as u64;
        if end {
            break;
        }
    }
    if total == 0 {
        return Ok(Line::End);
    }
    if too_long {
        return Ok(Line::TooLong(total));
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    Ok(Line::Read(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(input: &[u8], max: usize) -> (Vec<(u64, Vec<String>)>, Option<u64>) {
        let mut r = CsvRecords::new(input, b',', max);
        let mut out = Vec::new();
        while let Some(rec) = r.next_record().expect("read") {
            out.push(match rec {
                Record::Read { line, value } => (
                    line,
                    value
                        .iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect(),
                ),
                Record::TooLong { line, bytes } => (line, vec![format!("TOO LONG {bytes}")]),
            });
        }
        (out, r.lone_cr())
    }

    fn same_as_the_csv_crate(input: &[u8]) {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        let theirs: Vec<Vec<String>> = rdr
            .byte_records()
            .map(|r| {
                r.expect("csv")
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect()
            })
            .collect();
        let ours: Vec<Vec<String>> = records(input, 1 << 20).0.into_iter().map(|r| r.1).collect();
        assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(input));
    }

    #[test]
    fn fields_as_the_csv_crate_reads_them() {
        for input in [
            &b"id,text\n1,\"a, \"\"b\"\"\nc\"\n\n2,x\"y\"\n3,\"ab\"cd,\n"[..],
            b"a,b\r\n\r\n\"\"\r\n,\n\"open\nrest,of",
            b"\"a\"\"\",b\rc,d",
            b"",
            b"\n\n",
        ] {
            same_as_the_csv_crate(input);
        }
    }

    #[test]
    fn line_numbers_whatever_the_line_ends() {
        let (r, cr) = records(b"id,text\r\n1,ok\r\nbad\r\n", 100);
        assert_eq!(r.iter().map(|x| x.0).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(cr, None);
        let (r, _) = records(b"id,text\n1,\"a\r\nb\"\r\n\r\n3,c\n", 100);
        assert_eq!(r.iter().map(|x| x.0).collect::<Vec<_>>(), [1, 2, 5]);
        let (r, cr) = records(b"id,text\r1,ok\r2,x\n", 100);
        assert_eq!(r.iter().map(|x| x.0).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(cr, Some(1));
    }

    #[test]
    fn long_records_are_skipped_to_the_next_line() {
        let (r, _) = records(b"id,text\n1,\"aaaaaaaaaaaaaaaaaaaa\n2,b\n3,c\n", 10);
        assert_eq!(r[1], (2, vec!["TOO LONG 24".to_string()]));
        assert_eq!(r[2], (3, vec!["2".to_string(), "b".to_string()]));
        assert_eq!(r.len(), 4);
    }

    #[test]
    fn lines_are_bounded() {
        let mut input = &b"{\"a\":1}\r\nxxxxxxxxxxxxxxxxxxx\nlast"[..];
        let mut buf = Vec::new();
        assert_eq!(
            read_line(&mut input, &mut buf, 10).ok(),
            Some(Line::Read(9))
        );
        assert_eq!(buf, b"{\"a\":1}");
        assert_eq!(
            read_line(&mut input, &mut buf, 10).ok(),
            Some(Line::TooLong(20))
        );
        assert_eq!(
            read_line(&mut input, &mut buf, 10).ok(),
            Some(Line::Read(4))
        );
        assert_eq!(buf, b"last");
        assert_eq!(read_line(&mut input, &mut buf, 10).ok(), Some(Line::End));
    }
}
