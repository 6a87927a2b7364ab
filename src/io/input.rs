//! What an input file is before its rows are read: its encoding (decoded into UTF-8 as it is
//! read), its CSV delimiter, and whether it is binary.
//!
//! Encoding, unless forced with a WHATWG label ([`encoding_for_label`]): a byte-order mark says
//! UTF-8, UTF-16LE or UTF-16BE; a sample with many NUL bytes is UTF-16 without a BOM (NULs at
//! odd offsets: LE, even: BE) or binary (refused); otherwise a sample that is not valid UTF-8 is
//! Windows-1252 (Excel's « CSV » in French, a superset of Latin-1). Only the first
//! [`SAMPLE_BYTES`] are looked at: a file whose first non-UTF-8 byte comes later gets row errors
//! saying so (`--encoding windows-1252` reads it). UTF-8 input is passed through byte for byte
//! (its BOM dropped); the rest is decoded with `encoding_rs` (bad sequences become U+FFFD).
//!
//! Delimiter ([`sniff_delimiter`]): the most frequent of `,` `;` tab `|` outside quotes in the
//! header line; ties and none go to `,`.

use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, Cursor, Read};

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use encoding_rs_io::DecodeReaderBytesBuilder;

/// Bytes looked at to choose the encoding (and, decoded, the delimiter and the format).
pub const SAMPLE_BYTES: usize = 64 * 1024;

/// The delimiters [`sniff_delimiter`] chooses from.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The encoding a WHATWG label names (`utf-8`, `windows-1252`, `latin1`, `utf-16le`…), or a
/// message saying the label is unknown.
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding, String> {
    match Encoding::for_label(label.trim().as_bytes()) {
        Some(e) if e != encoding_rs::REPLACEMENT => Ok(e),
        _ => Err(format!(
            "unknown encoding '{}' (a WHATWG label: utf-8, windows-1252, latin1, iso-8859-15, \
             utf-16le, utf-16be…)",
            printable(label)
        )),
    }
}

/// How the encoding was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    /// `--encoding`.
    Forced,
    /// A byte-order mark.
    Bom,
    /// NUL bytes at every other offset: UTF-16 without a BOM.
    Nuls,
    /// Valid UTF-8 (the default).
    Valid,
    /// Not valid UTF-8: Windows-1252.
    InvalidUtf8,
}

/// An input with its encoding chosen: a reader giving UTF-8, and the decoded start of the input.
pub struct Opened {
    pub reader: Box<dyn BufRead>,
    pub encoding: &'static Encoding,
    pub detection: Detection,
    /// The first [`SAMPLE_BYTES`] of the input, decoded (lossily), without a BOM.
    pub sample: String,
}

impl Opened {
    /// What to say on stderr about the encoding; None for UTF-8 without a BOM.
    pub fn notice(&self) -> Option<String> {
        let how = match self.detection {
            Detection::Valid => return None,
            Detection::Bom if self.encoding == UTF_8 => return None,
            Detection::Forced => "as told by --encoding",
            Detection::Bom => "byte-order mark",
            Detection::Nuls => "detected: NUL bytes every other byte, no byte-order mark",
            Detection::InvalidUtf8 => "detected: not valid UTF-8",
        };
        Some(format!(
            "input encoding {} ({how}); output is UTF-8",
            self.encoding.name()
        ))
    }
}

/// Read the start of `input`, choose its encoding (`forced` when given), and return a reader that
/// gives its text as UTF-8. Binary input (many NUL bytes, not UTF-16) is an error of kind
/// `InvalidData`.
pub fn open<R: Read + 'static>(
    mut input: R,
    forced: Option<&'static Encoding>,
) -> io::Result<Opened> {
    // Up to SAMPLE_BYTES, but no waiting on a pipe that has sent whole lines and then nothing
    // more for now (`tail -f | moderate score -`): a short read with a line in hand ends the
    // sample, so the output starts before 64 KiB have arrived. Files fill it in one read.
    let mut head = vec![0u8; SAMPLE_BYTES];
    let mut len = 0;
    while len < SAMPLE_BYTES {
        let n = match input.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let asked = SAMPLE_BYTES - len;
        len += n;
        if n < asked && head[..len].contains(&b'\n') {
            break;
        }
    }
    head.truncate(len);
    let (encoding, detection) = match forced {
        Some(e) => (e, Detection::Forced),
        None => detect(&head)?,
    };
    let sample = decode_sample(&head, encoding);
    let chained = Cursor::new(head).chain(input);
    let reader: Box<dyn BufRead> = if encoding == UTF_8 {
        Box::new(BufReader::with_capacity(1 << 16, SkipBom::new(chained)))
    } else {
        let decoder = DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .build(chained);
        Box::new(BufReader::with_capacity(1 << 16, decoder))
    };
    Ok(Opened {
        reader,
        encoding,
        detection,
        sample,
    })
}

/// The encoding of bytes whose first [`SAMPLE_BYTES`] are `head` (see the module documentation).
pub fn detect(head: &[u8]) -> io::Result<(&'static Encoding, Detection)> {
    if let Some((e, _)) = Encoding::for_bom(head) {
        return Ok((e, Detection::Bom));
    }
    let head = &head[..head.len().min(SAMPLE_BYTES)];
    let nuls = head.iter().filter(|&&b| b == 0).count();
    if !head.is_empty() && nuls * 4 >= head.len() {
        let odd = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
        let even = nuls - odd;
        return if odd * 10 >= nuls * 9 {
            Ok((UTF_16LE, Detection::Nuls))
        } else if even * 10 >= nuls * 9 {
            Ok((UTF_16BE, Detection::Nuls))
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "binary data, not text ({nuls} NUL bytes in the first {} bytes); \
                     not a CSV or JSON file",
                    head.len()
                ),
            ))
        };
    }
    match std::str::from_utf8(head) {
        Ok(_) => Ok((UTF_8, Detection::Valid)),
        // A sequence cut by the end of the sample is not an error.
        Err(e) if e.error_len().is_none() && head.len() == SAMPLE_BYTES => {
            Ok((UTF_8, Detection::Valid))
        }
        Err(_) => Ok((WINDOWS_1252, Detection::InvalidUtf8)),
    }
}

/// The whole of `bytes` as UTF-8 text bytes (for files read whole, as training data is): UTF-8
/// as it is (BOM dropped), anything else decoded.
pub fn decode_all<'a>(
    bytes: &'a [u8],
    forced: Option<&'static Encoding>,
) -> io::Result<(Cow<'a, [u8]>, &'static Encoding, Detection)> {
    let (encoding, detection) = match forced {
        Some(e) => (e, Detection::Forced),
        None => detect(bytes)?,
    };
    if encoding == UTF_8 {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        return Ok((Cow::Borrowed(body), encoding, detection));
    }
    let (text, _) = encoding.decode_with_bom_removal(bytes);
    Ok((
        Cow::Owned(text.into_owned().into_bytes()),
        encoding,
        detection,
    ))
}

fn decode_sample(head: &[u8], encoding: &'static Encoding) -> String {
    if encoding == UTF_8 {
        let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        return String::from_utf8_lossy(body).into_owned();
    }
    encoding.decode_with_bom_removal(head).0.into_owned()
}

/// A reader that drops a UTF-8 BOM at the start.
struct SkipBom<R> {
    inner: R,
    start: Option<Vec<u8>>,
}

impl<R: Read> SkipBom<R> {
    fn new(inner: R) -> SkipBom<R> {
        SkipBom { inner, start: None }
    }
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.start.is_none() {
            let mut first = Vec::with_capacity(3);
            (&mut self.inner).take(3).read_to_end(&mut first)?;
            if first == b"\xEF\xBB\xBF" {
                first.clear();
            }
            self.start = Some(first);
        }
        if let Some(start) = self.start.as_mut().filter(|s| !s.is_empty()) {
            let n = start.len().min(buf.len());
            buf[..n].copy_from_slice(&start[..n]);
            start.drain(..n);
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// The delimiter of a CSV whose decoded start is `sample`: the most frequent of [`DELIMITERS`]
/// outside quotes in its first line; `,` on a tie or when there is none.
pub fn sniff_delimiter(sample: &str) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for b in sample.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = DELIMITERS.iter().position(|&d| d == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let max = counts.iter().copied().max().unwrap_or(0);
    if max == 0 || counts[0] == max || counts.iter().filter(|&&c| c == max).count() > 1 {
        return b',';
    }
    counts
        .iter()
        .position(|&c| c == max)
        .map_or(b',', |i| DELIMITERS[i])
}

/// A delimiter's name in messages: `tab` for a tab, the character for the others.
pub fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        d if d.is_ascii_graphic() || d == b' ' => format!("'{}'", d as char),
        d => format!("byte {d:#04x}"),
    }
}

/// A `--delimiter` value: one ASCII character, or `tab` / `\t`.
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        s if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" && s != "\r" => {
            Ok(s.as_bytes()[0])
        }
        _ => Err(format!(
            "the delimiter is one ASCII character (or `tab`), not '{}'",
            printable(s)
        )),
    }
}

/// `s` safe to print on a terminal: control characters (escape sequences, carriage returns…)
/// written as `\u{…}` escapes, everything else as it is.
pub fn printable(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Bytes (a header cell) as [`printable`] text, invalid UTF-8 as U+FFFD.
pub fn printable_bytes(b: &[u8]) -> String {
    printable(&String::from_utf8_lossy(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &'static [u8], forced: Option<&'static Encoding>) -> (String, Opened) {
        let mut o = open(bytes, forced).expect("open");
        let mut s = String::new();
        o.reader.read_to_string(&mut s).expect("UTF-8");
        (s, o)
    }

    #[test]
    fn encodings_are_detected_and_decoded() {
        let (s, o) = read_all(b"id;text\r\n1;\xe9t\xe9 \x80\r\n", None);
        assert_eq!(s, "id;text\r\n1;été €\r\n");
        assert_eq!(o.encoding, WINDOWS_1252);
        assert_eq!(o.detection, Detection::InvalidUtf8);
        let (s, o) = read_all(b"\xff\xfet\x00\xe9\x00\n\x00", None);
        assert_eq!((s.as_str(), o.encoding), ("té\n", UTF_16LE));
        let (s, o) = read_all(b"\xfe\xff\x00t\x00\xe9", None);
        assert_eq!((s.as_str(), o.encoding), ("té", UTF_16BE));
        let (s, o) = read_all(b"t\x00\xe9\x00", None);
        assert_eq!((s.as_str(), o.detection), ("té", Detection::Nuls));
        let (s, o) = read_all(b"\xef\xbb\xbfid,text\n1,\xc3\xa9", None);
        assert_eq!((s.as_str(), o.encoding), ("id,text\n1,é", UTF_8));
        assert!(o.notice().is_none());
        let (s, _) = read_all(b"a\xe9", encoding_for_label("latin1").ok());
        assert_eq!(s, "aé");
        assert!(open(&[0u8; 5000][..], None).is_err());
        assert!(encoding_for_label("klingon").is_err());
        assert_eq!(encoding_for_label("UTF-16").ok(), Some(UTF_16LE));
    }

    #[test]
    fn delimiters_are_sniffed_outside_quotes() {
        assert_eq!(sniff_delimiter("id;auteur;date;text\n1,2,3,4,5"), b';');
        assert_eq!(sniff_delimiter("id\ttext\n"), b'\t');
        assert_eq!(sniff_delimiter("id|text"), b'|');
        assert_eq!(sniff_delimiter("\"a;b;c\",text"), b',');
        assert_eq!(sniff_delimiter("a;b,c"), b',', "a tie goes to the comma");
        assert_eq!(sniff_delimiter("text"), b',');
        assert_eq!(parse_delimiter("tab"), Ok(b'\t'));
        assert!(parse_delimiter(";;").is_err());
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("t\u{1b}[31mext é"), "t\\u{1b}[31mext é");
    }
}
