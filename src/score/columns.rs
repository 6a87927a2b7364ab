//! The output columns, one definition for every format, and the one rounding rule for scores.
//!
//! Every scored row gets, after its own fields and in this order: `score_<label>` for each model
//! label, `shouting`, `flagged`, `reasons`, `error` and `language` ([`Columns`]). A row that could
//! not be scored gets empty scores and lists and its error message ([`Cell`]); a comment in a
//! language the model does not cover gets empty scores, and `unsupported_language` and
//! `language:<code>` in `flagged` and `reasons` as [`Unsupported`] says ([`Rated::unscored`]).
//!
//! Scores are written with four decimals, rounded half to even on the score's exact value, as
//! `format!("{:.4}")` does: 0.03125 (1/32) is 0.0312, 0.09375 is 0.0938. A text format writes
//! [`score_text`] (`0.5000`); a format with numbers writes [`score_number`], the same decimal as a
//! number (JSON's `0.5`).

use crate::io::input::printable;
use crate::model::{Model, Scored};
use crate::text::lang::Guess;

/// The text column or field when none is named: the first of these present, in this order,
/// whatever its case.
pub const TEXT_COLUMNS: [&str; 7] = [
    "text",
    "comment",
    "commentaire",
    "body",
    "message",
    "content",
    "contenu",
];

/// The column holding the text among `names`: `wanted` (exactly, else whatever its case; the first
/// such column) or, with none wanted, the first of [`TEXT_COLUMNS`] present.
pub fn find_text_column<'a>(
    names: impl Iterator<Item = &'a str> + Clone,
    wanted: Option<&str>,
) -> Option<usize> {
    match wanted {
        Some(w) => names
            .clone()
            .position(|n| n == w)
            .or_else(|| names.clone().position(|n| n.eq_ignore_ascii_case(w))),
        None => TEXT_COLUMNS
            .iter()
            .find_map(|c| names.clone().position(|n| n.eq_ignore_ascii_case(c))),
    }
}

/// What to say when no text column is found among `names`.
pub fn no_text_column(names: &[String], wanted: Option<&str>) -> String {
    let columns: Vec<String> = names.iter().map(|n| printable(n)).collect();
    match wanted {
        Some(w) => format!(
            "no column named '{}' (columns: {}); choose one with --text-column",
            printable(w),
            columns.join(", ")
        ),
        None => format!(
            "no column named '{}' (nor {}) (columns: {}); choose one with --text-column",
            TEXT_COLUMNS[0],
            TEXT_COLUMNS[1..].join(", "),
            columns.join(", ")
        ),
    }
}

/// Notices about a header: names that appear more than once (the first is read).
pub fn duplicate_notices(names: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) || names[i + 1..].iter().all(|m| m != n) {
            continue;
        }
        let at: Vec<String> = names
            .iter()
            .enumerate()
            .filter(|(_, m)| *m == n)
            .map(|(j, _)| (j + 1).to_string())
            .collect();
        out.push(format!(
            "column '{}' appears {} times (columns {}): the first is read",
            printable(n),
            at.len(),
            at.join(", ")
        ));
    }
    out
}

/// What scoring one row gave: its language and scores, or why it could not be scored.
pub type Outcome = std::result::Result<Rated, String>;

/// What to do with a comment in a language the model does not cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unsupported {
    /// Empty scores, empty `flagged`; `reasons` says `language:<code>`.
    Skip,
    /// Empty scores, `flagged` = `unsupported_language`, `reasons` = `language:<code>`: a
    /// moderator must look at it.
    #[default]
    Flag,
    /// Scored as if it were in a language the model covers (the scores mean little).
    Score,
}

/// The flag of a comment in a language the model does not cover ([`Unsupported::Flag`]).
pub const UNSUPPORTED_LANGUAGE: &str = "unsupported_language";

/// A comment that had a text: its language, and its scores unless its language kept it from being
/// scored.
#[derive(Debug, Clone, PartialEq)]
pub struct Rated {
    /// Its language code ([`Guess::code`]).
    pub language: &'static str,
    /// Whether the model covers its language ([`Guess::covered_by`]).
    pub covered: bool,
    /// P(label = 1) per label in model order, then the shouting signal; `None` when not scored.
    pub scores: Option<(Vec<f32>, f32)>,
    pub flagged: Vec<String>,
    pub reasons: Vec<String>,
}

impl Rated {
    /// A scored comment.
    pub fn scored(guess: Guess, covered: bool, s: Scored) -> Rated {
        Rated {
            language: guess.code(),
            covered,
            scores: Some((s.scores, s.shouting)),
            flagged: s.flagged,
            reasons: s.reasons,
        }
    }

    /// A comment not scored because the model does not cover its language: flagged
    /// `unsupported_language` or not, as `action` says.
    pub fn unscored(guess: Guess, action: Unsupported) -> Rated {
        let flagged = match action {
            Unsupported::Flag => vec![UNSUPPORTED_LANGUAGE.to_string()],
            Unsupported::Skip | Unsupported::Score => Vec::new(),
        };
        Rated {
            language: guess.code(),
            covered: false,
            scores: None,
            flagged,
            reasons: vec![format!("language:{}", guess.code())],
        }
    }
}

/// The columns appended to every row.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    names: Vec<String>,
    labels: usize,
}

/// One appended value, for a format to write its way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// A score; `None` on a row that could not be scored.
    Score(Option<f32>),
    /// `flagged` and `reasons` (empty on a row that could not be scored).
    List(&'a [String]),
    /// The row's error message; `None` on a scored row.
    Error(Option<&'a str>),
    /// A text value (the language); `None` on a row that could not be scored.
    Text(Option<&'a str>),
}

impl Columns {
    /// The columns after the scores.
    pub const AFTER_SCORES: [&'static str; 5] =
        ["shouting", "flagged", "reasons", "error", "language"];

    pub fn new(model: &Model) -> Columns {
        let mut names: Vec<String> = model.labels().map(|l| format!("score_{l}")).collect();
        let labels = names.len();
        names.extend(Columns::AFTER_SCORES.map(String::from));
        Columns { names, labels }
    }

    /// Whether the input was scored before: it has our `flagged` and `reasons` columns.
    pub fn scored_before<'a>(names: impl Iterator<Item = &'a str> + Clone) -> bool {
        ["flagged", "reasons"]
            .iter()
            .all(|c| names.clone().any(|n| n == *c))
    }

    /// Whether an input column named `name` is replaced by ours: one of ours, or any `score_*`
    /// column of an input scored before (by a model with other labels).
    pub fn replaces(&self, name: &str, scored_before: bool) -> bool {
        self.names.iter().any(|n| n == name) || (scored_before && name.starts_with("score_"))
    }

    /// Every column name, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Every column of a row with its value, in order.
    pub fn cells<'a>(&'a self, outcome: &'a Outcome) -> impl Iterator<Item = (&'a str, Cell<'a>)> {
        let mut cells = Vec::with_capacity(self.names.len());
        match outcome {
            Ok(r) => {
                match &r.scores {
                    Some((scores, shouting)) => {
                        debug_assert_eq!(scores.len(), self.labels);
                        cells.extend(scores.iter().map(|&x| Cell::Score(Some(x))));
                        cells.push(Cell::Score(Some(*shouting)));
                    }
                    None => cells.extend((0..=self.labels).map(|_| Cell::Score(None))),
                }
                cells.extend([
                    Cell::List(&r.flagged),
                    Cell::List(&r.reasons),
                    Cell::Error(None),
                    Cell::Text(Some(r.language)),
                ]);
            }
            Err(message) => {
                cells.extend((0..self.labels).map(|_| Cell::Score(None)));
                cells.extend([
                    Cell::Score(None),
                    Cell::List(&[]),
                    Cell::List(&[]),
                    Cell::Error(Some(message)),
                    Cell::Text(None),
                ]);
            }
        }
        self.names().zip(cells)
    }
}

/// A score as text, with four decimals (see the module documentation), into `buf`, without
/// allocating (the standard formatter takes its slow exact path for many scores). For `s` in
/// [+0, 1]: `s × 10⁴` is exact in f64 (24 + 14 bits), and rounding it half to even is what the
/// formatter does with the exact decimal value. Anything else goes to the formatter.
pub fn score_text(s: f32, buf: &mut String) -> &str {
    use std::fmt::Write as _;
    buf.clear();
    match in_range_decimal(s) {
        // One digit before the point (n ≤ 10,000): the digits pushed by hand, without the
        // formatting machinery (six scores a row).
        Some(n) if n / 10_000 < 10 => {
            let digit = |d: u32| char::from(b'0' + (d % 10) as u8);
            let frac = n % 10_000;
            buf.push(digit(n / 10_000));
            buf.push('.');
            for d in [frac / 1000, frac / 100, frac / 10, frac] {
                buf.push(digit(d));
            }
        }
        Some(n) => {
            let _ = write!(buf, "{}.{:04}", n / 10_000, n % 10_000);
        }
        None => {
            let _ = write!(buf, "{s:.4}");
        }
    }
    buf
}

/// The number [`score_text`] writes, as the nearest f64 (NaN and infinities stay as they are).
pub fn score_number(s: f32) -> f64 {
    match in_range_decimal(s) {
        Some(n) => n as f64 / 10_000.0,
        None => format!("{s:.4}").parse().unwrap_or(f64::NAN),
    }
}

/// `s` in ten-thousandths, rounded half to even, for `s` in [+0, 1].
fn in_range_decimal(s: f32) -> Option<u32> {
    (s.is_sign_positive() && s <= 1.0).then(|| (s as f64 * 10_000.0).round_ties_even() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(s: f32) {
        let mut buf = String::new();
        let text = score_text(s, &mut buf).to_string();
        assert_eq!(text, format!("{s:.4}"), "bits {:#x}", s.to_bits());
        let number = score_number(s);
        let parsed: f64 = text.parse().unwrap_or(f64::NAN);
        assert!(
            number.to_bits() == parsed.to_bits() || (number.is_nan() && parsed.is_nan()),
            "{s}: {number} is not {text}"
        );
    }

    #[test]
    fn scores_are_written_as_the_formatter_writes_them_in_every_format() {
        // Exact ties at the fifth decimal (1/32 = 0.03125 rounds to even: 0.0312), the ends,
        // values just under a carry, and out-of-range values that go to the formatter.
        for s in [
            0.0,
            1.0,
            0.03125,
            0.09375,
            0.5,
            0.99995,
            f32::from_bits(0x3f7f_fcb9), // just under 0.99995
            0.000_05,
            0.000_049_99,
            -0.0,
            -0.25,
            1.5,
            f32::NAN,
            f32::INFINITY,
            f32::MIN_POSITIVE,
        ] {
            same(s);
        }
        // One f32 in 61 between 0 and 1 (about 17 million values).
        let top = 1.0f32.to_bits();
        for bits in (0..=top).step_by(61) {
            same(f32::from_bits(bits));
        }
        // Every tie rounds to even, as text and as a number.
        let mut buf = String::new();
        assert_eq!(score_text(0.03125, &mut buf), "0.0312");
        assert_eq!(score_number(0.03125), 0.0312);
        assert_eq!(score_number(0.09375), 0.0938);
        assert_eq!(score_number(0.15625), 0.1562);
        assert_eq!(score_text(1.0, &mut buf), "1.0000");
        assert_eq!(score_number(1.0), 1.0);
    }

    #[test]
    fn error_rows_have_empty_cells_and_their_message() {
        let model = Model::default_model().expect("embedded model");
        let columns = Columns::new(&model);
        let names: Vec<&str> = columns.names().collect();
        let labels: Vec<String> = model.labels().map(|l| format!("score_{l}")).collect();
        assert_eq!(names[..labels.len()], labels);
        assert_eq!(names[labels.len()..], Columns::AFTER_SCORES);
        let error: Outcome = Err("bad row".into());
        let cells: Vec<_> = columns.cells(&error).collect();
        assert_eq!(cells.len(), names.len());
        assert!(cells[..=labels.len()]
            .iter()
            .all(|(_, c)| *c == Cell::Score(None)));
        assert_eq!(
            cells[cells.len() - 2],
            ("error", Cell::Error(Some("bad row")))
        );
        assert_eq!(cells.last(), Some(&("language", Cell::Text(None))));
        let text = "Merci pour cet article.";
        let scored: Outcome = Ok(Rated::scored(
            crate::text::lang::guess(text),
            true,
            model.score(text, crate::model::Reasons::All),
        ));
        let cells: Vec<_> = columns.cells(&scored).collect();
        assert_eq!(cells.len(), names.len());
        assert_eq!(cells[cells.len() - 2], ("error", Cell::Error(None)));
        assert_eq!(cells.last(), Some(&("language", Cell::Text(Some("fr")))));
        assert!(matches!(cells[0], (_, Cell::Score(Some(_)))));
    }

    #[test]
    fn unscored_rows_have_empty_scores_and_say_why() {
        let model = Model::default_model().expect("embedded model");
        let columns = Columns::new(&model);
        let guess = crate::text::lang::guess("السوريين حشرات");
        for (action, flagged) in [
            (Unsupported::Flag, &[UNSUPPORTED_LANGUAGE.to_string()][..]),
            (Unsupported::Skip, &[][..]),
        ] {
            let outcome: Outcome = Ok(Rated::unscored(guess, action));
            let cells: Vec<_> = columns.cells(&outcome).collect();
            assert_eq!(cells.len(), columns.names().count());
            let scores = model.labels().count() + 1;
            assert!(cells[..scores].iter().all(|(_, c)| *c == Cell::Score(None)));
            assert_eq!(cells[scores], ("flagged", Cell::List(flagged)));
            let reasons = ["language:ar".to_string()];
            assert_eq!(cells[scores + 1], ("reasons", Cell::List(&reasons)));
            assert_eq!(cells.last(), Some(&("language", Cell::Text(Some("ar")))));
        }
    }
}
