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
    /// Real words in which a term is found by accident (`députés`, `mathématiques`,
    /// `dénonce`): no term is read inside them. `models/lexicons/real-words.txt`, made by
    /// `examples/lexicon_real_words.rs` from a dictionary; absent from older model files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub real_words: Vec<String>,
}

/// The real-word list shipped with this build.
const REAL_WORDS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/models/lexicons/real-words.txt"
));

/// Parse one list file: one term per line, `#` starts a comment line, blank lines ignored.
pub fn parse_terms(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
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
                lists.push(TermList {
                    lang: lang.clone(),
                    category,
                    terms: parse_terms(&text),
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
