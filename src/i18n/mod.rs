//! The language of what people read: the HTML report (`--report`) and `moderate explain`.
//!
//! [`Lang`] is chosen by `--lang`, or else from the environment as gettext does ([`Lang::from_env`]:
//! the first non-empty of `LC_ALL`, `LC_MESSAGES`, `LANG`). Every sentence, heading, caption and
//! axis label lives in one table per language, a [`Text`] ([`en`], [`fr`]); numbers are written
//! in the language's style by [`Lang`]'s methods (`0.87` / `0,87`, `12%` / `12 %`). Templates
//! name their values in braces (`{name}`), filled by [`fill`]. Adding a language: one table file,
//! one variant of [`Lang`] and its line in [`Lang::text`].
//!
//! What programs read (JSON, CSV, reasons such as `word:…`, the embedded figures, error messages
//! on stderr) is not translated.

pub mod en;
pub mod fr;

/// A language for human-facing text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

/// Two forms of a message that counts something: `{n}` is the count.
#[derive(Debug, Clone, Copy)]
pub struct Plural {
    pub one: &'static str,
    pub other: &'static str,
}

/// Every human-facing text of one language. Templates name their values in braces; see each
/// field for which.
#[derive(Debug)]
pub struct Text {
    /// ISO 639-1 code: `--lang`'s value, `<html lang>`, and the locale prefix that selects it.
    pub code: &'static str,
    /// Between the units and the decimals: `.` or `,`.
    pub decimal_mark: char,
    /// A percentage, `{v}` being the number: `{v}%`, `{v} %`.
    pub percent: &'static str,
    /// Whether a count takes the singular (English: 1; French: 0 and 1).
    pub singular: fn(u64) -> bool,
    /// Label names in words, shown beside the name where the language has one: (name, words).
    pub label_words: &'static [(&'static str, &'static str)],

    // ---- The report's header ----
    /// `eval --report`'s title.
    pub eval_title: &'static str,
    /// `train --report`'s title.
    pub held_out_title: &'static str,
    /// `train --report`: `{rows}` read, `{holdout}`, `{seed}`.
    pub held_out_note: &'static str,
    /// The model when no `--model` is given.
    pub default_model: &'static str,
    pub meta_model: &'static str,
    pub meta_model_sha: &'static str,
    pub meta_model_trained: &'static str,
    /// `{date}`, `{version}`, `{seed}`.
    pub model_trained: &'static str,
    pub unknown_date: &'static str,
    pub meta_data: &'static str,
    /// One data file: `{path}`, `{rows}`, `{sha}` (HTML).
    pub data_source: &'static str,
    pub meta_rows_scored: &'static str,
    pub meta_report_made: &'static str,
    /// Why precision and review shares are at the model's base rate.
    pub base_rate_note: &'static str,

    // ---- Summary table ----
    pub summary_heading: &'static str,
    /// label, rows, with label, ROC AUC, PR AUC, base rate, threshold, precision, recall, F1.
    pub summary_columns: [&'static str; 10],
    /// `{labels}`.
    pub not_evaluated: &'static str,

    // ---- A site model (`train --from`): base against adapted ----
    pub adapted_heading: &'static str,
    /// What the table compares: `{base}` (the base model).
    pub adapted_note: &'static str,
    /// label, rows, with label, ROC AUC base, ROC AUC adapted, PR AUC base, PR AUC adapted.
    pub adapted_columns: [&'static str; 7],

    // ---- One label ----
    /// The plain-language summary (HTML): `{threshold}`, `{base_rate}`, `{review}`, `{recall}`,
    /// `{precision}`, `{name}`, `{roc_auc}`, `{pr_auc}`, `{f1}`.
    pub label_summary: &'static str,
    /// No comment has the label: `{name}`.
    pub only_negatives: &'static str,
    /// Every comment has the label: `{name}`.
    pub only_positives: &'static str,
    pub confusion_caption: &'static str,
    /// `{threshold}`.
    pub confusion_flagged: &'static str,
    pub confusion_not_flagged: &'static str,
    /// `{name}`.
    pub confusion_with: &'static str,
    /// `{name}`.
    pub confusion_without: &'static str,
    pub confusion_caught: Plural,
    pub confusion_missed: Plural,
    pub confusion_false_alarms: Plural,
    pub confusion_left_alone: Plural,
    pub budget_table: &'static str,
    /// threshold, sent to review, `{name}` caught, precision.
    pub budget_columns: [&'static str; 4],
    /// `{name}`.
    pub worst_false_positives: &'static str,
    /// `{name}`.
    pub worst_false_negatives: &'static str,
    /// `{shown}` of `{total}`.
    pub shown_of: &'static str,
    pub none: &'static str,
    /// score, where, comment, raised by / lowered by.
    pub error_columns: [&'static str; 4],

    // ---- Charts ----
    /// `{name}`, `{auc}`.
    pub roc_title: &'static str,
    /// `{name}`.
    pub roc_x: &'static str,
    /// The share of a label's comments caught, as an axis: `{name}`.
    pub caught_axis: &'static str,
    pub chance: &'static str,
    pub model: &'static str,
    /// A chart's threshold marker: `{threshold}`.
    pub threshold_marker: &'static str,
    /// `{name}`, `{ap}`, `{base_rate}`.
    pub pr_title: &'static str,
    /// `{name}`.
    pub pr_x: &'static str,
    pub pr_y: &'static str,
    /// `{name}`.
    pub histogram_title: &'static str,
    /// `{name}`, `{n}`.
    pub histogram_without: Plural,
    /// `{name}`, `{n}`.
    pub histogram_with: Plural,
    pub histogram_x: &'static str,
    pub histogram_y: &'static str,
    /// `{name}`, `{base_rate}`.
    pub budget_title: &'static str,
    pub budget_x: &'static str,
    pub perfect_or_random: &'static str,
    /// `{threshold}`, `{review}`, `{caught}`.
    pub budget_marker: &'static str,

    // ---- moderate explain ----
    /// After a label's score: `{threshold}`.
    pub explain_threshold: &'static str,
    /// After a score at or above its threshold.
    pub explain_flagged: &'static str,
    pub explain_intercept: &'static str,
    /// `{rate}`: the base rate as a number of percent.
    pub explain_calibration: &'static str,
}

/// The variables that choose the language, first one set (and non-empty) wins, as in gettext.
pub const LOCALE_VARS: [&str; 3] = ["LC_ALL", "LC_MESSAGES", "LANG"];

impl Lang {
    /// Every language, English (the default) first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The language's table.
    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &en::TEXT,
            Lang::Fr => &fr::TEXT,
        }
    }

    /// `en`, `fr`.
    pub fn code(self) -> &'static str {
        self.text().code
    }

    /// The language of a code (`fr`), as `--lang` takes it.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language the environment asks for ([`Lang::from_locale`]).
    pub fn from_env() -> Lang {
        Lang::from_locale(|var| std::env::var(var).ok())
    }

    /// The language of the first non-empty of `LC_ALL`, `LC_MESSAGES`, `LANG` (`get` reads a
    /// variable): a value starting with a language's code (`fr`, `fr_FR.UTF-8`, `fr_CA`) is that
    /// language; anything else (`C`, `POSIX`, `en_US.UTF-8`, nothing set) is English.
    pub fn from_locale(get: impl Fn(&str) -> Option<String>) -> Lang {
        let Some(value) = LOCALE_VARS
            .iter()
            .filter_map(|var| get(var))
            .find(|v| !v.is_empty())
        else {
            return Lang::En;
        };
        let value = value.to_ascii_lowercase();
        Lang::ALL
            .into_iter()
            .find(|l| value.starts_with(l.code()))
            .unwrap_or(Lang::En)
    }

    /// The form of `p` for `n` things, `{n}` replaced by `n_text` and the other `values`.
    pub fn plural(self, p: &Plural, n: u64, n_text: &str, values: &[(&str, &str)]) -> String {
        let form = if (self.text().singular)(n) {
            p.one
        } else {
            p.other
        };
        let mut all = vec![("n", n_text)];
        all.extend_from_slice(values);
        fill(form, &all)
    }

    /// A number as Rust formats it (`0.873`, `+1.25`), with the language's decimal mark.
    pub fn number(self, formatted: String) -> String {
        let mark = self.text().decimal_mark;
        if mark == '.' {
            formatted
        } else {
            formatted.replace('.', mark.encode_utf8(&mut [0; 4]))
        }
    }

    /// `v` with `digits` decimals: `0.873`, `0,873`.
    pub fn fixed(self, v: f64, digits: usize) -> String {
        self.number(format!("{v:.digits$}"))
    }

    /// A number written as a percentage in the language's style (`12.5%`, `12,5 %`).
    pub fn percent(self, formatted: &str) -> String {
        fill(
            self.text().percent,
            &[("v", &self.number(formatted.to_string()))],
        )
    }

    /// A share (0.125) as a percentage to one decimal: `12.5%`, `<0.1%` for tiny ones.
    pub fn share(self, v: f64) -> String {
        if v > 0.0 && v < 0.001 {
            format!("<{}", self.percent("0.1"))
        } else {
            self.percent(&format!("{:.1}", 100.0 * v))
        }
    }

    /// A label's name in words, when the language has words for it.
    pub fn label_words(self, name: &str) -> Option<&'static str> {
        self.text()
            .label_words
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, w)| *w)
    }
}

/// `template` with each `{key}` replaced by its value; braces around anything else are kept.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let key = &after[..close];
            values
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
