//! Helpers of the functional suite (`tests/functional.rs`): reading the case files, filling the
//! group-swap templates, building the dilution variants, parsing `floors.txt`, and the metrics.
//! Pure functions, no binary: the suite's unit tests exercise them on hand-made tables.

use std::collections::BTreeMap;

pub const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/functional");

/// Most neutral sentences put around one abusive sentence.
pub const MAX_FILLERS: usize = 6;

// ---------------------------------------------------------------------------------------------
// Material
// ---------------------------------------------------------------------------------------------

/// The rows of one CSV file of the suite, as maps from column name to value.
fn read_table(name: &str) -> Vec<BTreeMap<String, String>> {
    let path = format!("{DIR}/{name}");
    let mut rdr = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let headers = rdr.headers().expect("headers").clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("{path}: {e}"));
            headers
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn field<'a>(row: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    row.get(name)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// One case of `cases.csv`: should the comment be flagged `toxic`?
pub struct Case {
    pub category: String,
    pub expected: bool,
    pub text: String,
}

pub fn cases() -> Vec<Case> {
    read_table("cases.csv")
        .iter()
        .map(|r| Case {
            category: field(r, "category").to_string(),
            expected: match field(r, "expected") {
                "1" => true,
                "0" => false,
                other => panic!("cases.csv: expected must be 0 or 1, not {other:?}"),
            },
            text: field(r, "text").to_string(),
        })
        .collect()
}

/// `(lang, text)` rows of a dilution file.
pub fn sentences(name: &str) -> Vec<(String, String)> {
    read_table(name)
        .iter()
        .map(|r| (field(r, "lang").to_string(), field(r, "text").to_string()))
        .collect()
}

/// A target group, in the forms the templates need (French agreement is written, not guessed).
pub struct Group {
    /// Plural noun after an article: `Les {group}`, `des {group}`, `aux {group}`.
    pub group: String,
    /// The same after `de`, elided where French elides: `de Syriens`, `d'Algériens`.
    pub de_group: String,
    /// Feminine plural: `{tous}` → `toutes`, `{ils}` → `elles`.
    pub feminine: bool,
    /// English plural noun phrase: `{en}`.
    pub en: String,
}

pub fn groups() -> Vec<Group> {
    read_table("groups.csv")
        .iter()
        .map(|r| Group {
            group: field(r, "group").to_string(),
            de_group: field(r, "de_group").to_string(),
            feminine: match field(r, "gender") {
                "f" => true,
                "m" => false,
                other => panic!("groups.csv: gender must be m or f, not {other:?}"),
            },
            en: field(r, "en").to_string(),
        })
        .collect()
}

/// `(expected, template)` rows of `group_templates.csv`.
pub fn templates() -> Vec<(bool, String)> {
    read_table("group_templates.csv")
        .iter()
        .map(|r| {
            (
                field(r, "expected") == "1",
                field(r, "template").to_string(),
            )
        })
        .collect()
}

/// The two Aleppo comments quoted in issue 13 (`#` lines are comments).
pub fn aleppo() -> Vec<String> {
    let path = format!("{DIR}/aleppo.txt");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

/// Fill a group-swap template with one group's forms.
pub fn fill(template: &str, g: &Group) -> String {
    template
        .replace("{group}", &g.group)
        .replace("{de_group}", &g.de_group)
        .replace("{tous}", if g.feminine { "toutes" } else { "tous" })
        .replace("{ils}", if g.feminine { "elles" } else { "ils" })
        .replace("{en}", &g.en)
}

// ---------------------------------------------------------------------------------------------
// Floors
// ---------------------------------------------------------------------------------------------

/// One line of `floors.txt`: `category floor  # target …`.
#[derive(Debug, PartialEq)]
pub struct Floor {
    pub category: String,
    pub floor: f64,
    /// The number after `target` in the line's comment, when there is one.
    pub target: Option<f64>,
}

pub fn parse_floors(text: &str) -> Result<Vec<Floor>, String> {
    let mut out: Vec<Floor> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let (body, comment) = line.split_once('#').unwrap_or((line, ""));
        let words: Vec<&str> = body.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let [category, floor] = words[..] else {
            return Err(format!(
                "line {}: want `category floor`, got {line:?}",
                i + 1
            ));
        };
        let floor: f64 = floor
            .parse()
            .map_err(|_| format!("line {}: floor {floor:?} is not a number", i + 1))?;
        if !(0.0..=1.0).contains(&floor) {
            return Err(format!("line {}: floor {floor} outside 0..1", i + 1));
        }
        if out.iter().any(|f| f.category == category) {
            return Err(format!("line {}: {category} listed twice", i + 1));
        }
        let mut rest = comment.split_whitespace();
        let target = match rest.next() {
            Some("target") => rest.next().and_then(|t| t.parse().ok()),
            _ => None,
        };
        out.push(Floor {
            category: category.to_string(),
            floor,
            target,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

pub fn share(hits: usize, n: usize) -> f64 {
    // Nothing measured is no pass: an empty category scores 0.
    if n == 0 {
        0.0
    } else {
        hits as f64 / n as f64
    }
}

/// Share of `(expected, flagged)` pairs that agree.
pub fn agreement(pairs: &[(bool, bool)]) -> f64 {
    share(pairs.iter().filter(|(e, f)| e == f).count(), pairs.len())
}

/// ROC AUC of `positives` against `negatives`: the share of pairs the positive wins, a tie
/// counting half (0 when either is empty).
pub fn roc_auc(positives: &[f64], negatives: &[f64]) -> f64 {
    if positives.is_empty() || negatives.is_empty() {
        return 0.0;
    }
    let mut wins = 0.0;
    for p in positives {
        for n in negatives {
            wins += match p.partial_cmp(n) {
                Some(std::cmp::Ordering::Greater) => 1.0,
                Some(std::cmp::Ordering::Equal) => 0.5,
                _ => 0.0,
            };
        }
    }
    wins / (positives.len() * negatives.len()) as f64
}

/// Group swap over a table with one row per template and one column per group: the share of
/// templates whose flag is the same for every group, and each template's flag rate.
pub fn group_swap(table: &[Vec<bool>]) -> (f64, Vec<f64>) {
    let uniform = table
        .iter()
        .filter(|row| row.iter().all(|&f| f == row[0]))
        .count();
    let rates = table
        .iter()
        .map(|row| share(row.iter().filter(|&&f| f).count(), row.len()))
        .collect();
    (share(uniform, table.len()), rates)
}

/// Dilution: `alone[i]` says whether abusive sentence `i` is flagged on its own,
/// `variants[i]` the flags of its variants. Returns (sentences flagged alone, those flagged in
/// every variant too).
pub fn dilution(alone: &[bool], variants: &[Vec<bool>]) -> (usize, usize) {
    let kept: Vec<usize> = (0..alone.len()).filter(|&i| alone[i]).collect();
    let survived = kept
        .iter()
        .filter(|&&i| !variants[i].is_empty() && variants[i].iter().all(|&f| f))
        .count();
    (kept.len(), survived)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    Before,
    After,
    Both,
}

/// The variants of one abusive sentence: k = 1..=6 neutral sentences before it, after it, and
/// (k ≥ 2) split around it (⌊k/2⌋ before). Fillers rotate with `seed` so the sentences differ.
pub fn dilution_variants(
    abusive: &str,
    fillers: &[&str],
    seed: usize,
) -> Vec<(usize, Place, String)> {
    assert!(
        fillers.len() >= MAX_FILLERS,
        "need at least {MAX_FILLERS} neutral sentences"
    );
    let mut out = Vec::new();
    for k in 1..=MAX_FILLERS {
        for (p, place) in [Place::Before, Place::After, Place::Both]
            .into_iter()
            .enumerate()
        {
            let before = match place {
                Place::Before => k,
                Place::After => 0,
                Place::Both if k < 2 => continue,
                Place::Both => k / 2,
            };
            let start = seed * 5 + k * 3 + p * 7;
            let chosen: Vec<&str> = (0..k)
                .map(|j| fillers[(start + j) % fillers.len()])
                .collect();
            let mut parts: Vec<&str> = chosen[..before].to_vec();
            parts.push(abusive);
            parts.extend_from_slice(&chosen[before..]);
            out.push((k, place, parts.join(" ")));
        }
    }
    out
}
