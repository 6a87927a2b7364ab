//! The subcommands of the `moderate` binary, one file each (usage and arguments, then `run`), and
//! what they share: the labeled-data arguments of `train` and `eval`, `A=B` option values,
//! progress bars, signals and exit statuses, output-path checks, what a model card records (the command line, today's date), the
//! language of the report and `explain` (`--lang`, [`lang`]), and the library's errors in the
//! flags' words ([`cli_error`]).
//!
//! The library below never prints and never names a flag; this layer does both.

pub mod eval;
pub mod explain;
pub mod score;
pub mod serve;
pub mod train;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use moderate::error::Error;
use moderate::i18n::Lang;
use moderate::io::dataset::ReadOptions;
use moderate::io::output::Role;

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
        if let Some(twice) = self.labels.as_deref().and_then(duplicate) {
            bail!("--labels names '{twice}' twice");
        }
        Ok(ReadOptions {
            text_column: self.text_column.clone(),
            labels: self.labels.clone().or(default_labels),
            renames: pairs(&self.rename, "--rename", "COLUMN=LABEL")?,
        })
    }
}

/// The first value given twice.
pub fn duplicate(values: &[String]) -> Option<&str> {
    values
        .iter()
        .enumerate()
        .find(|(i, v)| values[..*i].contains(v))
        .map(|(_, v)| v.as_str())
}

/// A library error in the command line's words: where a flag can fix it, the flag is named.
pub fn cli_error(e: Error) -> anyhow::Error {
    match e {
        Error::NoTextColumn { .. } => anyhow!("{e}; choose one with --text-column"),
        Error::NoLabelColumn { .. } => anyhow!("{e}; use --labels, or --rename COLUMN=LABEL"),
        other => other.into(),
    }
}

/// `--lang`'s help.
pub const LANG_HELP: &str = "Language of the report and of `explain` [default: from LC_ALL, \
                             LC_MESSAGES or LANG, the first one set: fr… is French, anything \
                             else English]";

/// `--lang`'s values: the codes of [`Lang::ALL`]; clap lists them when another is given.
pub fn lang_parser() -> impl clap::builder::TypedValueParser<Value = Lang> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Lang::ALL.map(Lang::code))
        .map(|code| Lang::from_code(&code).unwrap_or_default())
}

/// The language asked for: `--lang`, or else the environment's ([`Lang::from_env`]).
pub fn lang(flag: Option<Lang>) -> Lang {
    flag.unwrap_or_else(Lang::from_env)
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

/// Exit statuses of `moderate` (README, "Exit status"; `moderate --help`).
pub mod status {
    /// Done; for `score`, every row scored (or the input had no rows).
    pub const OK: u8 = 0;
    /// A fatal error: nothing (or, on stdout, not everything) was written.
    pub const FATAL: u8 = 1;
    // 2: a bad command line (clap's own status, set by clap).
    /// `score`: the output is complete, but some rows could not be scored (their `error` says why).
    pub const SOME_ROWS_FAILED: u8 = 3;
    /// `score`: rows were read, and none could be scored.
    pub const NO_ROW_SCORED: u8 = 4;
}

/// The `--help` text on exit statuses.
pub const EXIT_STATUS_HELP: &str = "Exit status:
  0      done; for `score`, every row was scored (or the input had no rows)
  1      fatal error; no output file was written (also: more rows failed than --max-errors)
  2      bad command line
  3      score: some rows could not be scored; the output is complete, those rows carry an error
  4      score: rows were read and none could be scored
  128+N  stopped by signal N (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP); temporary output removed";

/// The first signal received (SIGINT, SIGTERM, SIGHUP), 0 if none.
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// The signal that stopped the run, if one did.
pub fn signal_received() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// How long a run gets to stop by itself after a signal before its temporary files are removed
/// and the process ends (a read blocked on a stalled pipe never returns to check the flag).
const SIGNAL_GRACE: Duration = Duration::from_secs(1);

/// SIGINT, SIGTERM and SIGHUP end the run the same way, the process exiting with 128 + the
/// signal's number: the first one sets the flag that scoring checks between rows (it stops, drops
/// its temporary output and `main` exits); if the run has not ended within [`SIGNAL_GRACE`] (it is
/// blocked reading a pipe that sends nothing) or at a second signal, the temporary output files
/// are removed here and the process ends. `graceful`: false for commands that never check the
/// flag (train, eval): clean up and end at once. A signal ignored when moderate started (`nohup`,
/// a background job) stays ignored.
pub fn handle_signals(graceful: bool) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let wanted: Vec<i32> = [SIGINT, SIGTERM, SIGHUP]
        .into_iter()
        .filter(|&s| !ignored(s))
        .collect();
    let mut signals = match signal_hook::iterator::Signals::new(&wanted) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("moderate: warning: cannot handle signals ({e})");
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let Some(first) = signals.forever().next() else {
                return;
            };
            SIGNAL.store(first, Ordering::SeqCst);
            moderate::score::stop_flag().store(true, Ordering::SeqCst);
            if graceful {
                let deadline = Instant::now() + SIGNAL_GRACE;
                while Instant::now() < deadline && signals.pending().next().is_none() {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            let removed = moderate::io::output::remove_partial_files();
            let note = if removed > 0 {
                "; temporary output removed"
            } else {
                ""
            };
            eprintln!("moderate: interrupted ({}){note}", signal_name(first));
            std::process::exit(128 + first);
        });
    if let Err(e) = spawned {
        eprintln!("moderate: warning: cannot handle signals ({e})");
    }
}

/// Whether `signal` is ignored (SIG_IGN), as `nohup` leaves SIGHUP and a shell a background job's
/// SIGINT.
fn ignored(signal: i32) -> bool {
    // SAFETY: sigaction with a null new action only reads the current disposition into `old`,
    // a zeroed sigaction owned by this frame.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    }
}

pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "signal",
    }
}

/// Check a command's outputs before any work ([`moderate::io::output::check_outputs`]): `(flag,
/// path)` for each output given and each input file read.
pub fn check_outputs(outputs: &[(&str, &Path)], inputs: &[(&str, &Path)]) -> anyhow::Result<()> {
    fn roles<'a>(v: &[(&'a str, &'a Path)]) -> Vec<Role<'a>> {
        v.iter().map(|&(role, path)| Role { role, path }).collect()
    }
    moderate::io::output::check_outputs(&roles(outputs), &roles(inputs))?;
    Ok(())
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
