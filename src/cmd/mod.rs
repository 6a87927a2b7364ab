//! The subcommands of the `moderate` binary, one file each (usage and arguments, then `run`), and
//! what they share: the labeled-data arguments of `train` and `eval`, `A=B` option values,
//! progress bars, Ctrl-C, what a model card records (the command line, today's date), and the
//! library's errors in the flags' words ([`cli_error`]).
//!
//! The library below never prints and never names a flag; this layer does both.

pub mod eval;
pub mod explain;
pub mod score;
pub mod serve;
pub mod train;

use std::path::PathBuf;

use anyhow::{anyhow, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use moderate::error::Error;
use moderate::io::dataset::ReadOptions;

/// Labeled CSV files, as `train` and `eval` read them.
#[derive(Args)]
pub struct LabeledData {
    /// Labeled CSV file (repeat for several).
    #[arg(long = "data", required = true)]
    pub data: Vec<PathBuf>,
    #[arg(long, default_value = "text")]
    pub text_column: String,
    /// Labels, comma-separated. train: default every column but the text column, the first being
    /// the main label unless --main-label or `toxic` says otherwise; eval: default every model
    /// label the data has a column for.
    #[arg(long, value_delimiter = ',')]
    pub labels: Option<Vec<String>>,
    /// Read column COLUMN as label LABEL (repeatable), e.g. `label=toxic`.
    #[arg(long, value_name = "COLUMN=LABEL")]
    pub rename: Vec<String>,
}

impl LabeledData {
    pub fn read_options(&self, default_labels: Option<Vec<String>>) -> anyhow::Result<ReadOptions> {
        Ok(ReadOptions {
            text_column: self.text_column.clone(),
            labels: self.labels.clone().or(default_labels),
            renames: pairs(&self.rename, "--rename", "COLUMN=LABEL")?,
        })
    }
}

/// A library error in the command line's words: where a flag can fix it, the flag is named.
pub fn cli_error(e: Error) -> anyhow::Error {
    match e {
        Error::NoTextColumn { .. } => anyhow!("{e}; choose one with --text-column"),
        Error::NoLabelColumn { .. } => anyhow!("{e}; use --labels, or --rename COLUMN=LABEL"),
        other => other.into(),
    }
}

/// Parse `A=B` option values.
pub fn pairs(values: &[String], option: &str, form: &str) -> anyhow::Result<Vec<(String, String)>> {
    values
        .iter()
        .map(|v| {
            v.rsplit_once('=')
                .filter(|(a, b)| !a.trim().is_empty() && !b.trim().is_empty())
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                .with_context(|| format!("{option} takes {form}, got '{v}'"))
        })
        .collect()
}

/// A progress bar on stderr with this template (drawn only when stderr is a terminal).
pub fn progress_bar(len: u64, template: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Ctrl-C sets the flag that scoring checks between rows: it stops, its temporary output file is
/// dropped (removed) and `main` exits with 130. A second Ctrl-C ends the process at once.
pub fn handle_ctrl_c() {
    use signal_hook::consts::SIGINT;
    let stop = moderate::score::stop_flag();
    let registered = signal_hook::flag::register_conditional_shutdown(SIGINT, 130, stop.clone())
        .and_then(|_| signal_hook::flag::register(SIGINT, stop));
    if let Err(e) = registered {
        eprintln!("moderate: warning: cannot handle Ctrl-C ({e})");
    }
}

/// The command line as typed, for the model card.
pub fn command_line() -> String {
    std::env::args()
        .enumerate()
        .map(|(i, a)| {
            let a = if i == 0 { "moderate".to_string() } else { a };
            if a.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Today's date (UTC) as YYYY-MM-DD, or `SOURCE_DATE_EPOCH`'s for reproducible builds.
pub fn today() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    civil_date(secs)
}

/// The civil date of a Unix time, from days since 1970-01-01 (H. Hinnant's algorithm).
fn civil_date(secs: i64) -> String {
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(1_795_219_200), "2026-11-21");
        assert_eq!(civil_date(951_782_400), "2000-02-29");
        assert_eq!(civil_date(-86_400), "1969-12-31");
    }

    #[test]
    fn missing_columns_name_the_flags_that_fix_them() {
        let e = cli_error(Error::NoTextColumn {
            path: "a.csv".into(),
            column: "text".into(),
            columns: vec!["comment".into(), "toxic".into()],
        });
        assert_eq!(
            e.to_string(),
            "a.csv:1: no column named 'text' (columns: comment, toxic); choose one with \
             --text-column"
        );
        let e = cli_error(Error::NoLabelColumn {
            path: "a.csv".into(),
            labels: vec!["toxic".into()],
            columns: vec!["text".into()],
        });
        assert_eq!(
            e.to_string(),
            "a.csv:1: none of the labels (toxic) is a column of this file (columns: text); use \
             --labels, or --rename COLUMN=LABEL"
        );
    }

    #[test]
    fn pairs_take_the_last_equals_sign_and_name_the_option() {
        let v = pairs(
            &["a=b=c".into(), " x = y ".into()],
            "--rename",
            "COLUMN=LABEL",
        )
        .unwrap();
        assert_eq!(v, [("a=b".into(), "c".into()), ("x".into(), "y".into())]);
        let e = pairs(&["nope".into()], "--weight", "FILE=N").unwrap_err();
        assert_eq!(e.to_string(), "--weight takes FILE=N, got 'nope'");
        assert!(pairs(&["=x".into()], "--rename", "COLUMN=LABEL").is_err());
    }
}
