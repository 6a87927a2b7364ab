//! Reading labeled CSV files for training (and evaluation).
//!
//! A file has a header row, a text column (`text` unless told otherwise) and one column per label
//! with `0`, `1`, `true` or `false` (any case). An empty label cell means "not annotated": the row
//! is left out of that label's model but still used for the others. A file without a label's
//! column leaves that label unknown for all its rows; `--rename COLUMN=LABEL` reads a column under
//! another name (the shared data sets call their main label `label`); a renamed column wins over a
//! column that already has the label's name.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

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
    let mut ds = Dataset::default();
    if let Some(l) = &opts.labels {
        ds.labels = l.clone();
    }
    for path in paths {
        read_file(path, opts, &mut ds)?;
    }
    Ok(ds)
}

fn label_for_column<'a>(column: &'a str, opts: &'a ReadOptions) -> &'a str {
    opts.renames
        .iter()
        .find(|(c, _)| c == column)
        .map(|(_, l)| l.as_str())
        .unwrap_or(column)
}

fn read_file(path: &Path, opts: &ReadOptions, ds: &mut Dataset) -> Result<()> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let sha256: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::input(&name, 0, None, "empty file (no header row)"));
    }
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(body);
    let headers = rdr
        .byte_headers()
        .map_err(|e| Error::csv(&name, e, None))?
        .clone();
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
        .ok_or_else(|| Error::NoTextColumn {
            path: name.clone(),
            column: opts.text_column.clone(),
            columns: header_names.clone(),
        })?;
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
                Some(h),
                format!("a second column is read as label '{label}'"),
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
    let mut record = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(Error::csv(&name, e, Some(&headers))),
        }
        let line = record.position().map_or(0, |p| p.line());
        let text = std::str::from_utf8(&record[text_idx])
            .map_err(|_| Error::input(&name, line, Some(&opts.text_column), "invalid UTF-8"))?;
        if text.trim().is_empty() {
            return Err(Error::input(
                &name,
                line,
                Some(&opts.text_column),
                "empty text",
            ));
        }
        let mut labels = vec![None; ds.labels.len()];
        for &(ci, li) in &columns {
            let cell = std::str::from_utf8(&record[ci])
                .map_err(|_| Error::input(&name, line, Some(&header_names[ci]), "invalid UTF-8"))?;
            labels[li] = parse_label(cell)
                .map_err(|m| Error::input(&name, line, Some(&header_names[ci]), m))?;
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

        let f = file(b"text,toxic\nbon\xffjour,0\n");
        let e = read(&[f.path().into()], &opts(None))
            .unwrap_err()
            .to_string();
        assert!(e.ends_with(":2: column 'text': invalid UTF-8"), "{e}");

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
