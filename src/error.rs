//! The library's errors, each naming what a user can act on: the file, the line and the column.
//! None names a command-line flag: the binary (`src/cmd/`) words those in its own terms.

use std::path::Path;

use thiserror::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Bad content in an input file. `line` is 1-based; 0 means the whole file.
    #[error("{}", format_input(path, *line, column.as_deref(), message))]
    Input {
        path: String,
        line: u64,
        column: Option<String>,
        message: String,
    },
    /// A labeled file without the text column (its header is line 1).
    #[error("{path}:1: no column named '{column}' (columns: {})", columns.join(", "))]
    NoTextColumn {
        path: String,
        column: String,
        columns: Vec<String>,
    },
    /// A labeled file with no column for any of the labels asked for.
    #[error(
        "{path}:1: none of the labels ({}) is a column of this file (columns: {})",
        labels.join(", "),
        columns.join(", ")
    )]
    NoLabelColumn {
        path: String,
        labels: Vec<String>,
        columns: Vec<String>,
    },
    /// A model file that cannot be used.
    #[error("{path}: {message}")]
    ModelFile { path: String, message: String },
    /// A model that cannot be built (bad lexicon, inconsistent configuration).
    #[error("{0}")]
    Model(String),
    /// Training failed on its way (a fit, writing the split).
    #[error("{0}")]
    Training(String),
    /// Training parameters out of range (see [`crate::train::TrainParams::check`]).
    #[error(transparent)]
    Params(#[from] crate::train::ParamError),
    /// Training cannot go on with this data, or these settings for this data.
    #[error(transparent)]
    Train(#[from] crate::train::TrainError),
}

fn format_input(path: &str, line: u64, column: Option<&str>, message: &str) -> String {
    let mut s = String::from(path);
    if line > 0 {
        s.push_str(&format!(":{line}"));
    }
    if let Some(c) = column {
        s.push_str(&format!(": column '{c}'"));
    }
    s.push_str(": ");
    s.push_str(message);
    s
}

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }

    pub fn input(path: &str, line: u64, column: Option<&str>, message: impl Into<String>) -> Error {
        Error::Input {
            path: path.to_string(),
            line,
            column: column.map(str::to_string),
            message: message.into(),
        }
    }

    /// Turn a `csv` error into one that names the file, the line and, where known, the column.
    pub fn csv(path: &str, err: csv::Error, headers: Option<&csv::ByteRecord>) -> Error {
        let line = err.position().map(|p| p.line()).unwrap_or(0);
        match err.into_kind() {
            csv::ErrorKind::Io(e) => Error::Io {
                path: path.to_string(),
                source: e,
            },
            csv::ErrorKind::Utf8 { err, .. } => {
                let column = headers
                    .and_then(|h| h.get(err.field()))
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .unwrap_or_else(|| format!("#{}", err.field() + 1));
                Error::input(path, line, Some(&column), "invalid UTF-8")
            }
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => Error::input(
                path,
                line,
                None,
                format!("this row has {len} fields, the header has {expected_len}"),
            ),
            other => Error::input(path, line, None, format!("malformed CSV: {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_name_file_line_and_column() {
        let e = Error::input(
            "a.csv",
            12,
            Some("toxic"),
            "expected 0, 1, true or false, found 'yes'",
        );
        assert_eq!(
            e.to_string(),
            "a.csv:12: column 'toxic': expected 0, 1, true or false, found 'yes'"
        );
        assert_eq!(
            Error::input("a.csv", 0, None, "empty file").to_string(),
            "a.csv: empty file"
        );
    }

    #[test]
    fn csv_utf8_error_names_the_column() {
        let data = b"text,toxic\nok,1\n\xff\xfe,0\n";
        let mut rdr = csv::Reader::from_reader(&data[..]);
        let headers = rdr.byte_headers().unwrap().clone();
        let err = rdr.records().find_map(|r| r.err()).unwrap();
        let msg = Error::csv("in.csv", err, Some(&headers)).to_string();
        assert_eq!(msg, "in.csv:3: column 'text': invalid UTF-8");
    }
}
