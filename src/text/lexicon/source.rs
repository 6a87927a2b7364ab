//! The lexicons as written: categories, term lists, the lists shipped with the binary (named per
//! language in [`crate::text::lang`]) and lists read from a folder (`moderate train --lexicons`).

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::text::lang;

/// The lexicon categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Slur,
    Dehumanizing,
    Threat,
    Insult,
    Profanity,
    Identity,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Slur,
        Category::Dehumanizing,
        Category::Threat,
        Category::Insult,
        Category::Profanity,
        Category::Identity,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Slur => "slur",
            Category::Dehumanizing => "dehumanizing",
            Category::Threat => "threat",
            Category::Insult => "insult",
            Category::Profanity => "profanity",
            Category::Identity => "identity",
        }
    }

    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One list of terms as written in its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermList {
    pub lang: String,
    pub category: Category,
    pub terms: Vec<String>,
}

/// The lists in use, as stored in a model file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LexiconSource {
    pub lists: Vec<TermList>,
    /// Real words of a dictionary, never read as glued words: those in which a term is found by
    /// accident (`députés`, `mathématiques`, `dénonce`), no term is read inside, and those the
    /// segment stage would split into a model's words (`quelconque`, `universitaires`), it leaves
    /// whole. `models/lexicons/real-words.txt`, made by
    /// `examples/lexicon_real_words.rs` from a dictionary; absent from older model files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub real_words: Vec<String>,
}

/// The real-word list shipped with this build.
const REAL_WORDS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/models/lexicons/real-words.txt"
));

/// A malformed line of a term list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermSyntax {
    /// 1-based line of the file.
    pub line: u64,
    /// 1-based character of the line where the problem is.
    pub column: u64,
    pub message: &'static str,
}

/// Read one list file: one term per line, `#` starts a comment line, blank lines ignored.
///
/// Braces hold alternatives, so that one line can list the forms of a phrase:
/// `{mérite|mériterait} d'être pendu*` is the two terms `mérite d'être pendu*` and
/// `mériterait d'être pendu*`; several groups on a line give every combination, and an empty
/// alternative drops the group's words (`{qu'on |}le pende`). The error names the first malformed
/// line: an unclosed `{`, a `}` with no `{`, a `{` inside braces, or `{}`.
pub fn read_terms(text: &str) -> std::result::Result<Vec<String>, TermSyntax> {
    let mut out = Vec::new();
    for (n, line) in term_lines(text) {
        let expanded = expand_alternatives(line).map_err(|(column, message)| TermSyntax {
            line: n as u64 + 1,
            column,
            message,
        })?;
        out.extend(expanded);
    }
    Ok(out)
}

/// The lists shipped with this build, read with [`read_terms`]: a test checks that every one of
/// them is well formed, so a malformed line (which cannot happen) is kept as written.
pub fn parse_terms(text: &str) -> Vec<String> {
    term_lines(text)
        .flat_map(|(_, l)| expand_alternatives(l).unwrap_or_else(|_| vec![l.to_string()]))
        .collect()
}

/// The lines of a list that hold terms (0-based index, trimmed): not blank, not a `#` comment.
fn term_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// Every term one line stands for (see [`read_terms`]); the error is the 1-based character where
/// the line is malformed, and what is wrong.
fn expand_alternatives(line: &str) -> std::result::Result<Vec<String>, (u64, &'static str)> {
    let mut terms = vec![String::new()];
    let mut group: Option<(u64, Vec<String>)> = None;
    for (i, c) in line.chars().enumerate() {
        let column = i as u64 + 1;
        match (c, &mut group) {
            ('{', None) => group = Some((column, vec![String::new()])),
            ('{', Some(_)) => return Err((column, "`{` inside braces")),
            ('}', None) => return Err((column, "`}` with no `{` before it")),
            ('|', Some((_, alternatives))) => alternatives.push(String::new()),
            ('}', Some((start, alternatives))) => {
                if alternatives.len() == 1 && alternatives[0].is_empty() {
                    return Err((*start, "empty braces `{}`"));
                }
                terms = terms
                    .iter()
                    .flat_map(|t| alternatives.iter().map(move |a| format!("{t}{a}")))
                    .collect();
                group = None;
            }
            (c, Some((_, alternatives))) => {
                if let Some(last) = alternatives.last_mut() {
                    last.push(c);
                }
            }
            (c, None) => terms.iter_mut().for_each(|t| t.push(c)),
        }
    }
    match group {
        Some((start, _)) => Err((start, "`{` never closed")),
        // An empty alternative next to a space leaves it at an end: `{qu'on |}le pende`.
        None => Ok(terms.into_iter().map(|t| t.trim().to_string()).collect()),
    }
}

impl LexiconSource {
    /// The lists shipped with this build.
    pub fn embedded() -> LexiconSource {
        LexiconSource {
            lists: lang::lexicon_files()
                .map(|(language, category, text)| TermList {
                    lang: language.code().to_string(),
                    category,
                    terms: parse_terms(text),
                })
                .collect(),
            real_words: parse_terms(REAL_WORDS),
        }
    }

    /// Read `DIR/<lang>/<category>.txt` for every language folder in `dir`.
    pub fn load_dir(dir: &Path) -> Result<LexiconSource> {
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut langs: Vec<_> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        langs.sort();
        let mut lists = Vec::new();
        for lang in langs {
            for category in Category::ALL {
                let path = dir.join(&lang).join(format!("{}.txt", category.name()));
                if !path.exists() {
                    continue;
                }
                let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
                let text = String::from_utf8(bytes).map_err(|e| {
                    let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count();
                    Error::input(
                        &path.display().to_string(),
                        line as u64,
                        None,
                        "invalid UTF-8",
                    )
                })?;
                let terms = read_terms(&text).map_err(|e| {
                    let at = format!("character {}", e.column);
                    Error::input(&path.display().to_string(), e.line, Some(&at), e.message)
                })?;
                lists.push(TermList {
                    lang: lang.clone(),
                    category,
                    terms,
                });
            }
        }
        if lists.is_empty() {
            return Err(Error::input(
                &dir.display().to_string(),
                0,
                None,
                "no lexicon files found (expected <lang>/<category>.txt, e.g. fr/slur.txt)",
            ));
        }
        let real = dir.join("real-words.txt");
        let real_words = match std::fs::read_to_string(&real) {
            Ok(text) => parse_terms(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::io(&real, e)),
        };
        Ok(LexiconSource { lists, real_words })
    }

    pub fn term_count(&self) -> usize {
        self.lists.iter().map(|l| l.terms.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_skips_comments_and_blank_lines() {
        assert_eq!(
            parse_terms("# header\n\nrats\n  cafards  \n#x\n"),
            ["rats", "cafards"]
        );
    }

    #[test]
    fn braces_list_alternatives() {
        assert_eq!(
            read_terms("{mérite|mériterait} d'être pendu*\n").unwrap(),
            ["mérite d'être pendu*", "mériterait d'être pendu*"]
        );
        assert_eq!(
            read_terms("# x\n{doit|devrait} être {pendu|fusillé}\n").unwrap(),
            [
                "doit être pendu",
                "doit être fusillé",
                "devrait être pendu",
                "devrait être fusillé"
            ]
        );
        // An empty alternative drops the group's words; the spaces around it are trimmed.
        assert_eq!(
            read_terms("{qu'on |}le pende\n{|faut }les pendre \n").unwrap(),
            [
                "qu'on le pende",
                "le pende",
                "les pendre",
                "faut les pendre"
            ]
        );
        assert_eq!(read_terms("rats\n").unwrap(), ["rats"]);
    }

    #[test]
    fn malformed_braces_name_the_line_and_character() {
        let err = |text: &str| read_terms(text).unwrap_err();
        let e = err("rats\n\n{mérite|méritent d'être pendu\n");
        assert_eq!((e.line, e.column), (3, 1));
        assert_eq!(e.message, "`{` never closed");
        let e = err("a}\n");
        assert_eq!(
            (e.line, e.column, e.message),
            (1, 2, "`}` with no `{` before it")
        );
        let e = err("{a|{b}}\n");
        assert_eq!((e.line, e.column, e.message), (1, 4, "`{` inside braces"));
        let e = err("ok\nx {} y\n");
        assert_eq!((e.line, e.column, e.message), (2, 3, "empty braces `{}`"));
    }

    #[test]
    fn a_folder_list_with_a_malformed_line_is_refused_with_its_place() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("fr")).unwrap();
        let path = dir.path().join("fr").join("threat.txt");
        std::fs::write(&path, "# menaces\nles pendre\n{doit|devrait être pendu\n").unwrap();
        let msg = LexiconSource::load_dir(dir.path()).unwrap_err().to_string();
        assert!(msg.contains("threat.txt:3"), "{msg}");
        assert!(msg.contains("character 1"), "{msg}");
        assert!(msg.contains("never closed"), "{msg}");
        std::fs::write(&path, "{doit|devrait} être pendu\n").unwrap();
        let src = LexiconSource::load_dir(dir.path()).unwrap();
        assert_eq!(
            src.lists[0].terms,
            ["doit être pendu", "devrait être pendu"]
        );
    }

    /// The shipped lists are well formed, so `parse_terms` never keeps a line as written.
    #[test]
    fn embedded_lists_are_well_formed() {
        for (language, category, text) in lang::lexicon_files() {
            if let Err(e) = read_terms(text) {
                panic!(
                    "{}/{category}.txt:{}: {}",
                    language.code(),
                    e.line,
                    e.message
                );
            }
        }
    }

    #[test]
    fn embedded_lists_are_every_language_and_category_in_order() {
        let src = LexiconSource::embedded();
        let order: Vec<(&str, Category)> = src
            .lists
            .iter()
            .map(|l| (l.lang.as_str(), l.category))
            .collect();
        let expected: Vec<(&str, Category)> = ["fr", "en"]
            .into_iter()
            .flat_map(|l| Category::ALL.map(|c| (l, c)))
            .collect();
        assert_eq!(order, expected);
        assert!(src.term_count() > 100);
    }
}
