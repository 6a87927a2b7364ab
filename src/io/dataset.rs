//! Reading labeled CSV files for training (and evaluation).
//!
//! A file has a header row, a text column (`text` unless told otherwise) and one column per label
//! with `0`, `1`, `true` or `false` (any case). An empty label cell means "not annotated": the row
//! is left out of that label's model but still used for the others. A file without a label's
//! column leaves that label unknown for all its rows; `--rename COLUMN=LABEL` reads a column under
//! another name (the shared data sets call their main label `label`); a renamed column wins over a
//! column that already has the label's name.
//!
//! Files are read as `moderate score` reads them ([`crate::io::input`], [`crate::io::records`]):
//! any encoding (Windows-1252 and UTF-16 detected), the delimiter sniffed from the header, line
//! numbers right with CRLF; the text column matched whatever its case. What was detected is in
//! [`read_with_notes`].

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::io::input;
use crate::io::records::{CsvRecords, Record, MAX_RECORD_BYTES};

/// One labeled comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub text: String,
    /// Per label, in the order of [`Dataset::labels`]; None when unknown.
    pub labels: Vec<Option<bool>>,
    /// Index into [`Dataset::sources`].
    pub source: usize,
    /// Line of the record in its file (1-based).
    pub line: u64,
}

/// A file that was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub path: PathBuf,
    pub sha256: String,
    pub rows: u64,
    /// `(column, label)` pairs read from this file.
    pub columns: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dataset {
    pub labels: Vec<String>,
    pub examples: Vec<Example>,
    pub sources: Vec<Source>,
}

/// How to read the files.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub text_column: String,
    /// Labels to read; None: every column but the text column.
    pub labels: Option<Vec<String>>,
    /// `(column, label)`: read `column` as `label`.
    pub renames: Vec<(String, String)>,
}

impl Default for ReadOptions {
    /// The `text` column; every other column a label; no renames.
    fn default() -> Self {
        ReadOptions {
            text_column: "text".into(),
            labels: None,
            renames: Vec::new(),
        }
    }
}

/// Parse a label cell. Ok(None) for an empty cell.
pub fn parse_label(value: &str) -> std::result::Result<Option<bool>, String> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" => Ok(Some(true)),
        "0" | "false" => Ok(Some(false)),
        _ => Err(format!("expected 0, 1, true or false, found '{v}'")),
    }
}

/// Read and check labeled files.
pub fn read(paths: &[PathBuf], opts: &ReadOptions) -> Result<Dataset> {
    read_with_notes(paths, opts).map(|(ds, _)| ds)
}

/// [`read`], and what was detected about files that are not UTF-8 with commas (for the user).
pub fn read_with_notes(paths: &[PathBuf], opts: &ReadOptions) -> Result<(Dataset, Vec<String>)> {
    let mut ds = Dataset::default();
    if let Some(l) = &opts.labels {
        ds.labels = l.clone();
    }
    let mut notes = Vec::new();
    for path in paths {
        read_file(path, opts, &mut ds, &mut notes)?;
    }
    Ok((ds, notes))
}

fn label_for_column<'a>(column: &'a str, opts: &'a ReadOptions) -> &'a str {
    opts.renames
        .iter()
        .find(|(c, _)| c == column)
        .map(|(_, l)| l.as_str())
        .unwrap_or(column)
}

fn read_file(
    path: &Path,
    opts: &ReadOptions,
    ds: &mut Dataset,
    notes: &mut Vec<String>,
) -> Result<()> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let sha256: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (body, encoding, detection) =
        input::decode_all(&bytes, None).map_err(|e| Error::input(&name, 0, None, e.to_string()))?;
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::input(&name, 0, None, "empty file (no header row)"));
    }
    if detection == input::Detection::InvalidUtf8 || encoding != encoding_rs::UTF_8 {
        notes.push(format!("{name}: read as {}", encoding.name()));
    }
    let sample = String::from_utf8_lossy(&body[..body.len().min(input::SAMPLE_BYTES)]);
    let delimiter = input::sniff_delimiter(&sample);
    if delimiter != b',' {
        notes.push(format!(
            "{name}: CSV delimiter {}",
            input::delimiter_name(delimiter)
        ));
    }
    let mut rdr = CsvRecords::new(&body[..], delimiter, MAX_RECORD_BYTES);
    let headers = match rdr.next_record().map_err(|e| Error::io(path, e))? {
        Some(Record::Read { value, .. }) => value,
        Some(Record::TooLong { line, .. }) => {
            return Err(Error::input(&name, line, None, "header row too long"))
        }
        None => return Err(Error::input(&name, 0, None, "empty file (no header row)")),
    };
    let header_names: Vec<String> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            String::from_utf8(h.to_vec()).map_err(|_| {
                Error::input(
                    &name,
                    1,
                    Some(&format!("#{}", i + 1)),
                    "invalid UTF-8 in header",
                )
            })
        })
        .collect::<Result<_>>()?;
    let text_idx = header_names
        .iter()
        .position(|h| h == &opts.text_column)
        .or_else(|| {
            header_names
                .iter()
                .position(|h| h.eq_ignore_ascii_case(&opts.text_column))
        })
        .ok_or_else(|| Error::NoTextColumn {
            path: name.clone(),
            column: input::printable(&opts.text_column),
            columns: header_names.iter().map(|h| input::printable(h)).collect(),
        })?;
    let text_column = input::printable(&header_names[text_idx]);
    // Which column feeds which label.
    let mut columns: Vec<(usize, usize)> = Vec::new(); // (column index, label index)
                                                       // Renamed columns first: `--rename label=toxic` wins over a column already named `toxic`.
    let renamed = |h: &String| opts.renames.iter().any(|(c, _)| c == h);
    let mut order: Vec<usize> = (0..header_names.len())
        .filter(|&i| renamed(&header_names[i]))
        .collect();
    order.extend((0..header_names.len()).filter(|&i| !renamed(&header_names[i])));
    for i in order {
        let h = &header_names[i];
        if i == text_idx {
            continue;
        }
        let label = label_for_column(h, opts);
        let li = match ds.labels.iter().position(|l| l == label) {
            Some(li) => li,
            None if opts.labels.is_none() => {
                ds.labels.push(label.to_string());
                for e in &mut ds.examples {
                    e.labels.push(None);
                }
                ds.labels.len() - 1
            }
            None => continue,
        };
        if columns.iter().any(|&(_, l)| l == li) {
            if !renamed(h) && label == h {
                continue; // shadowed by a renamed column
            }
            return Err(Error::input(
                &name,
                1,
                Some(&input::printable(h)),
                format!(
                    "a second column is read as label '{}'",
                    input::printable(label)
                ),
            ));
        }
        columns.push((i, li));
    }
    if columns.is_empty() {
        return Err(Error::NoLabelColumn {
            path: name.clone(),
            labels: ds.labels.clone(),
            columns: header_names.clone(),
        });
    }
    let source = ds.sources.len();
    let mut rows = 0u64;
    while let Some(rec) = rdr.next_record().map_err(|e| Error::io(path, e))? {
        let (line, record) = match rec {
            Record::Read { line, value } => (line, value),
            Record::TooLong { line, bytes } => {
                return Err(Error::input(
                    &name,
                    line,
                    None,
                    format!("a record of {bytes} bytes, over the {MAX_RECORD_BYTES} byte limit"),
                ))
            }
        };
        if record.len() != headers.len() {
            return Err(Error::input(
                &name,
                line,
                None,
                format!(
                    "this row has {} fields, the header has {}",
                    record.len(),
                    headers.len()
                ),
            ));
        }
        let text = std::str::from_utf8(&record[text_idx])
            .map_err(|_| Error::input(&name, line, Some(&text_column), "invalid UTF-8"))?;
        if text.trim().is_empty() {
            return Err(Error::input(&name, line, Some(&text_column), "empty text"));
        }
        let mut labels = vec![None; ds.labels.len()];
        for &(ci, li) in &columns {
            let column = || input::printable(&header_names[ci]);
            let cell = std::str::from_utf8(&record[ci])
                .map_err(|_| Error::input(&name, line, Some(&column()), "invalid UTF-8"))?;
            labels[li] = parse_label(cell)
                .map_err(|m| Error::input(&name, line, Some(&column()), input::printable(&m)))?;
        }
        ds.examples.push(Example {
            text: text.to_string(),
            labels,
            source,
            line,
        });
        rows += 1;
    }
    if rows == 0 {
        return Err(Error::input(
            &name,
            0,
            None,
            "no data rows after the header",
        ));
    }
    ds.sources.push(Source {
        path: path.to_path_buf(),
        sha256,
        rows,
        columns: columns
            .iter()
            .map(|&(ci, li)| (header_names[ci].clone(), ds.labels[li].clone()))
            .collect(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(content: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(content).unwrap();
        f
    }

    fn opts(labels: Option<&[&str]>) -> ReadOptions {
        ReadOptions {
            text_column: "text".into(),
            labels: labels.map(|l| l.iter().map(|s| s.to_string()).collect()),
            renames: vec![("label".into(), "toxic".into())],
        }
    }

    #[test]
    fn reads_labels_renames_and_unknowns() {
        let a = file(b"text,toxic,insult\nbonjour,0,0\nt'es con,1,1\n");
        let b = file(b"\xEF\xBB\xBFtext,label\n\"des rats, tous\",TRUE\nok,\n");
        let ds = read(
            &[a.path().into(), b.path().into()],
            &opts(Some(&["toxic", "insult"])),
        )
        .unwrap();
        assert_eq!(ds.examples.len(), 4);
        assert_eq!(ds.examples[1].labels, [Some(true), Some(true)]);
        assert_eq!(ds.examples[2].labels, [Some(true), None]);
        assert_eq!(ds.examples[3].labels, [None, None]);
        assert_eq!(ds.examples[2].text, "des rats, tous");
        assert_eq!(
            ds.sources[1].columns,
            [("label".to_string(), "toxic".to_string())]
        );
        assert_eq!(ds.sources[0].sha256.len(), 64);
    }

    #[test]
    fn a_renamed_column_wins_over_a_same_named_one() {
        let a = file(b"text,toxic,label\nbonjour,0,1\n");
        let ds = read(&[a.path().into()], &opts(Some(&["toxic"]))).unwrap();
        assert_eq!(ds.examples[0].labels, [Some(true)]);
        assert_eq!(
            ds.sources[0].columns,
            [("label".to_string(), "toxic".to_string())]
        );
    }

    #[test]
    fn default_labels_are_all_other_columns() {
        let a = file(b"id_is_label,text\n1,bonjour\n");
        let ds = read(&[a.path().into()], &opts(None)).unwrap();
        assert_eq!(ds.labels, ["id_is_label"]);
    }

    #[test]
    fn bad_inputs_name_file_line_and_column() {
        let f = file(b"text,toxic\nbonjour,0\nsalut,yes\n");
        let e = read(&[f.path().into()], &opts(None))
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with(":3: column 'toxic': expected 0, 1, true or false, found 'yes'"),
            "{e}"
        );

        let f = file(b"comment,toxic\nbonjour,0\n");
        let e = read(&[f.path().into()], &opts(None))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(":1: no column named 'text' (columns: comment, toxic)"),
            "{e}"
        );

        let f = file(b"text,toxic\nbonjour,0\n  ,1\n");
        let e = read(&[f.path().into()], &opts(None))
            .unwrap_err()
            .to_string();
        assert!(e.ends_with(":3: column 'text': empty text"), "{e}");

        // Not UTF-8: read as Windows-1252.
        let f = file(b"text,toxic\nbon\xffjour,0\n");
        let (ds, notes) = read_with_notes(&[f.path().into()], &opts(None)).unwrap();
        assert_eq!(ds.examples[0].text, "bonÿjour");
        assert_eq!(notes.len(), 1);

        // CRLF line numbers, `;`, a header in another case, an escape sequence in a header.
        let f = file(b"TEXT;toxic\x1b[31m\r\nbonjour;0\r\nsalut;yes\r\n");
        let e = read(&[f.path().into()], &opts(None))
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with(":3: column 'toxic\\u{1b}[31m': expected 0, 1, true or false, found 'yes'"),
            "{e}"
        );

        let f = file(b"text,toxic\nbonjour,0,1\n");
        let e = read(&[f.path().into()], &opts(None))
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with(":2: this row has 3 fields, the header has 2"),
            "{e}"
        );

        let f = file(b"");
        let e = read(&[f.path().into()], &opts(None))
            .unwrap_err()
            .to_string();
        assert!(e.ends_with(": empty file (no header row)"), "{e}");

        let f = file(b"text,toxic\n");
        let e = read(&[f.path().into()], &opts(None))
            .unwrap_err()
            .to_string();
        assert!(e.ends_with(": no data rows after the header"), "{e}");

        let f = file(b"text,other\nbonjour,0\n");
        let e = read(&[f.path().into()], &opts(Some(&["toxic"])))
            .unwrap_err()
            .to_string();
        assert!(e.contains("none of the labels (toxic) is a column"), "{e}");
    }
}
