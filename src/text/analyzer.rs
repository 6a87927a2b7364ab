//! The analyzer: the one chain of text stages a comment goes through before it is featurized,
//! in the spirit of tantivy's `TextAnalyzer` (a tokenizer and its filters, named, in order).
//!
//! ```text
//! cap → shouting → normalize → segment → lexicon
//! ```
//!
//! 1. **cap** ([`cap`]): only the first `max_chars` characters are read, so a pasted book costs
//!    no more than a long comment; the result says whether the text was cut. White space and
//!    invisible characters are not counted (padding cannot push a comment out of the cap), and
//!    at most `max_chars` × [`CAP_BYTES_PER_CHAR`] bytes are read whatever the text holds.
//! 2. **shouting** ([`crate::text::shouting::measure`]): capitals and `!!!`, measured on the
//!    original (capped) text, since normalization folds capitals away.
//! 3. **normalize** ([`crate::text::normalize::normalize`]): what the lexicons and n-grams see.
//! 4. **segment** ([`crate::text::segment::split_glued`]): glued words split into the words the
//!    model knows, when a piece is a lexicon term or marks a label, and never a real word of the
//!    dictionary or a word of a multi-word term ([`Lexicon::keeps_whole`]: `quelconque` is not
//!    `quel con que`). It needs the model's words: the [`Vocabulary`] trait, which the
//!    featurizer implements.
//! 5. **lexicon** ([`Lexicon::find`]): the term hits per category, with their sentence.
//!
//! [`Analyzer::analyze`] runs the whole chain, at scoring and at training alike (training
//! featurizes every row through it). One stage differs before the model exists: the vocabulary
//! and the evidence table are *chosen* from the training text, so there are no model words yet
//! to segment against, and no lexicon hits are needed to count n-grams. That entry is
//! [`Analyzer::for_vocabulary`] (cap → normalize), used by `train` for counting; it is named here
//! so that the difference is visible in one place.

use crate::text::lexicon::{LexMatch, Lexicon};
use crate::text::normalize::normalize;
use crate::text::segment::{split_glued_by, split_token};
use crate::text::shouting::{self, Caps};

/// The model's words, as the segment stage needs them.
pub trait Vocabulary {
    /// Whether a word is one of the model's word unigrams: a known word is never split.
    fn knows_word(&self, word: &str) -> bool;
    /// Whether a word is strong evidence for one of the labels, so that a glued token is worth
    /// splitting around it (`abruti`).
    fn marks_a_label(&self, word: &str) -> bool;
    /// Identifies these words for as long as they do not change (clones may share it): with
    /// `Some`, the segment stage remembers each token's split per thread ([`SegmentMemo`]).
    fn memo_id(&self) -> Option<u64> {
        None
    }
}

/// Tokens whose split a thread remembers at most before it starts over.
const MEMO_TOKENS: usize = 1 << 16;

/// Per-thread memory of the segment stage: each candidate token's split (see
/// [`crate::text::segment::split_token`]), valid for one analyzer and one vocabulary. A comment and
/// then its sentences go through the analyzer, and common words recur from comment to comment:
/// the split (word lookups, identity checks, the fewest-pieces search) is made once per token.
/// Exact: a hit compares the token's bytes, and the split depends on nothing else.
#[derive(Default)]
struct SegmentMemo {
    /// (analyzer id, vocabulary id) the entries were made with.
    key: (u64, u64),
    splits: rustc_hash::FxHashMap<Box<str>, Option<Box<str>>>,
}

thread_local! {
    static SEGMENTS: std::cell::RefCell<SegmentMemo> = std::cell::RefCell::new(SegmentMemo::default());
}

/// Source of [`Analyzer::id`] (0 is never given: an empty memo's key).
static NEXT_ANALYZER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn next_analyzer_id() -> u64 {
    NEXT_ANALYZER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// What the analyzer makes of a comment.
#[derive(Debug, Clone, Default)]
pub struct Analyzed {
    /// True when the comment was longer than the cap and only its start was read.
    pub truncated: bool,
    /// Capitals and `!!!` in the original (capped) text.
    pub caps: Caps,
    /// The normalized text, glued words split.
    pub normalized: String,
    /// Lexicon hits in the normalized text.
    pub lexicon: Vec<LexMatch>,
}

/// The analyzer of one model: its length cap and its compiled lexicons.
#[derive(Debug, Clone)]
pub struct Analyzer {
    max_chars: usize,
    lexicon: Lexicon,
    mask_identity: bool,
    /// Identifies the lexicon and settings the segment stage's memo was filled with (clones
    /// share it).
    id: u64,
}

impl Analyzer {
    pub fn new(max_chars: usize, lexicon: Lexicon) -> Analyzer {
        Analyzer {
            max_chars,
            lexicon,
            mask_identity: false,
            id: next_analyzer_id(),
        }
    }

    /// With `mask`, the chain ends with a **mask** stage: identity terms become one placeholder
    /// word ([`Lexicon::mask_identity`]) in the normalized text the n-grams see, after the
    /// lexicon has counted them.
    pub fn with_identity_masked(mut self, mask: bool) -> Analyzer {
        self.mask_identity = mask;
        self.id = next_analyzer_id();
        self
    }

    pub fn max_chars(&self) -> usize {
        self.max_chars
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// The whole chain: cap → shouting → normalize → segment → lexicon → mask (when the model
    /// masks group names, the mask stage reads the skeletons the lexicon stage made).
    pub fn analyze(&self, text: &str, vocabulary: &impl Vocabulary) -> Analyzed {
        let (text, truncated) = cap(text, self.max_chars);
        let caps = shouting::measure(text);
        let normalized = normalize(text);
        let normalized = self.segment(&normalized, vocabulary).unwrap_or(normalized);
        let mut lexicon = Vec::new();
        let normalized = if self.mask_identity {
            self.lexicon
                .find_and_mask(&normalized, &mut lexicon)
                .unwrap_or(normalized)
        } else {
            self.lexicon.find(&normalized, &mut lexicon);
            normalized
        };
        Analyzed {
            truncated,
            caps,
            normalized,
            lexicon,
        }
    }

    /// The segment stage: `None` when no glued token was split.
    fn segment(&self, normalized: &str, vocabulary: &impl Vocabulary) -> Option<String> {
        // A group name is never split into words (`etrangers` is not `et rangers`).
        let known = |w: &str| {
            vocabulary.knows_word(w) || (self.mask_identity && self.lexicon.is_identity(w))
        };
        let worth = |pieces: &[&str]| {
            pieces
                .iter()
                .any(|p| self.lexicon.is_term(p) || vocabulary.marks_a_label(p))
        };
        // A real word of the dictionary is never split (`quelconque`, `confortablement`,
        // `universitaires` are no glued `con` or `ver`), whether or not the model knows it; nor
        // is a word of a multi-word term (`chambres` of `chambres à gaz`).
        let split = |token: &str| {
            if self.lexicon.keeps_whole(token) {
                None
            } else {
                split_token(token, &known, &worth)
            }
        };
        let Some(vocabulary_id) = vocabulary.memo_id() else {
            return split_glued_by(normalized, split);
        };
        SEGMENTS.with(|memo| {
            let mut memo = memo.borrow_mut();
            let key = (self.id, vocabulary_id);
            if memo.key != key {
                memo.splits.clear();
                memo.key = key;
            }
            split_glued_by(normalized, |token| {
                if let Some(split) = memo.splits.get(token) {
                    return split.as_deref().map(str::to_string);
                }
                let split = split(token);
                if memo.splits.len() >= MEMO_TOKENS {
                    memo.splits.clear();
                }
                memo.splits
                    .insert(token.into(), split.as_deref().map(Box::from));
                split
            })
        })
    }

    /// The text as the vocabulary and evidence counts of training see it: cap → normalize.
    /// No segment stage, since it splits glued words into the model's words, and these are what
    /// the counts are about to choose; no shouting or lexicon stage, which only the features
    /// need. (The featurization of the same rows afterwards runs the whole chain.)
    pub fn for_vocabulary(&self, text: &str) -> String {
        self.mask(normalize(cap(text, self.max_chars).0))
    }

    /// The mask stage (identity terms → one placeholder), when the model masks them.
    fn mask(&self, normalized: String) -> String {
        if self.mask_identity {
            self.lexicon
                .mask_identity(&normalized)
                .unwrap_or(normalized)
        } else {
            normalized
        }
    }
}

/// Bytes the cap stage reads at most, per character of `max_chars`: the hard bound on the work a
/// comment can cost, whatever it is padded with. 8 leaves room for 20,000 counted characters of
/// four-byte emoji each followed by a space, or French text with its accents and spaces, so a real
/// comment reaches its character cap first; 20,000 characters → 160,000 bytes.
pub const CAP_BYTES_PER_CHAR: usize = 8;

/// Whether the cap counts a character: not white space, not a control character, not a combining
/// mark (accents: `e` + U+0301 counts once, and a stack of marks over a letter counts as the
/// letter), not an invisible format character (zero-width spaces and joiners, soft hyphen, bidi
/// controls, variation selectors, tag characters, Hangul fillers, the blank Braille pattern).
/// What is not counted is still read: it is what padding is made of, and
/// [`crate::text::normalize`] drops or folds it.
pub fn counts_toward_cap(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_graphic();
    }
    !(c.is_whitespace()
        || c.is_control()
        || unicode_normalization::char::is_combining_mark(c)
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFF8}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        ))
}

/// The cap stage: the start of a text holding at most `max_chars` characters that
/// [count](counts_toward_cap) (white space and invisible characters between them are read but not
/// counted, so padding cannot push a comment past the cap), and whether the text was cut.
///
/// At most `max_chars` × [`CAP_BYTES_PER_CHAR`] bytes are read (a few more to end on a character
/// boundary): a text padded beyond that is cut there and reported as cut, so that a moderator sees
/// it was not read whole. Text after the last counted character is kept when it is not cut (a
/// comment followed by spaces is not "cut").
pub fn cap(text: &str, max_chars: usize) -> (&str, bool) {
    // No more bytes than `max_chars` (so no more characters, and within the byte bound):
    // nothing to cut, as the scan below would find.
    if text.len() <= max_chars {
        return (text, false);
    }
    let byte_bound = max_chars.saturating_mul(CAP_BYTES_PER_CHAR);
    let mut counted = 0usize;
    for (i, c) in text.char_indices() {
        if i >= byte_bound {
            return (&text[..i], true);
        }
        if counts_toward_cap(c) {
            if counted == max_chars {
                return (&text[..i], true);
            }
            counted += 1;
        }
    }
    (text, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::lexicon::{Category, LexiconSource, TermList};

    struct Words(&'static [&'static str], &'static [&'static str]);

    impl Vocabulary for Words {
        fn knows_word(&self, word: &str) -> bool {
            self.0.contains(&word) || self.1.contains(&word)
        }
        fn marks_a_label(&self, word: &str) -> bool {
            self.1.contains(&word)
        }
    }

    fn analyzer(max_chars: usize) -> Analyzer {
        let lexicon = Lexicon::new(&LexiconSource {
            lists: vec![TermList {
                lang: "fr".into(),
                category: Category::Dehumanizing,
                terms: vec!["rats".into()],
            }],
            ..Default::default()
        })
        .unwrap();
        Analyzer::new(max_chars, lexicon)
    }

    #[test]
    fn cap_cuts_on_a_char_boundary() {
        assert_eq!(cap("été", 2), ("ét", true));
        assert_eq!(cap("été", 3), ("été", false));
        assert_eq!(cap("", 0), ("", false));
        assert_eq!(cap("a", 0), ("", true));
    }

    #[test]
    fn padding_does_not_count() {
        let comment = "Ces rats, dehors.";
        // 100 characters of padding of each kind (up to 300 bytes), then the comment (14 counted
        // characters), under a cap of 40 (320 bytes): all read.
        for pad in [
            " ", "\n", "\t", "\u{200B}", "\u{2060}", "\u{FEFF}", "\u{00AD}", "\u{3000}",
        ] {
            let text = format!("{}{comment}", pad.repeat(100));
            assert_eq!(cap(&text, 40), (text.as_str(), false), "{pad:?}");
            assert!(cap(&text, 13).1, "{pad:?}");
        }
        // Combining marks count with their letter: 13 counted characters (and a space), each
        // with three accents.
        let zalgo: String = "sales cafards!"
            .chars()
            .flat_map(|c| [c, '\u{301}', '\u{302}', '\u{330}'])
            .collect();
        assert!(cap(&zalgo, 12).1);
        assert_eq!(cap(&zalgo, 13), (zalgo.as_str(), false));
        // The cut comes before the first character past the cap; trailing spaces are no cut.
        assert_eq!(cap("ab  cd  ", 3), ("ab  c", true));
        assert_eq!(cap("ab  cd  ", 4), ("ab  cd  ", false));
    }

    #[test]
    fn padding_is_read_up_to_a_byte_bound() {
        // 10 counted characters → at most 80 bytes read, then cut and reported as cut.
        let text = format!("{}rats", " ".repeat(200));
        let (kept, cut) = cap(&text, 10);
        assert!(cut);
        assert_eq!(kept.len(), 10 * CAP_BYTES_PER_CHAR);
        // Ending on a character boundary: U+200B is 3 bytes, 80 is not a multiple of 3.
        let text = "\u{200B}".repeat(100);
        let (kept, cut) = cap(&text, 10);
        assert!(cut);
        assert_eq!(kept.len(), 81);
        // Within the bound: read whole.
        let text = format!("{}rats", " ".repeat(70));
        assert_eq!(cap(&text, 10), (text.as_str(), false));
    }

    #[test]
    fn the_chain_runs_in_order() {
        let a = analyzer(20_000);
        // Shouting on the original text; normalized lower case; `rats` found.
        let out = a.analyze("LES RATS DEHORS !!!", &Words(&[], &[]));
        assert!(out.caps.shouting() > 0.9);
        assert_eq!(out.caps.bang_runs, 1);
        assert_eq!(out.normalized, "les rats dehors !!!");
        assert_eq!(out.lexicon.len(), 1);
        assert!(!out.truncated);
    }

    #[test]
    fn segment_needs_the_vocabulary() {
        let a = analyzer(20_000);
        // Glued: split only when the words are known and a piece is worth it.
        // A lexicon term among known pieces: split, and found.
        let split = a.analyze("ces sales ratsimmondes", &Words(&["rats", "immondes"], &[]));
        assert_eq!(split.normalized, "ces sales rats immondes");
        assert_eq!(split.lexicon.len(), 1);
        // A piece the model does not know: left glued.
        let unknown = a.analyze("ces sales ratsimmondes", &Words(&["rats"], &[]));
        assert_eq!(unknown.normalized, "ces sales ratsimmondes");
        // Known pieces that are neither a term nor a mark: left glued.
        let plain = a.analyze("quelquechose", &Words(&["quelque", "chose"], &[]));
        assert_eq!(plain.normalized, "quelquechose");
        let marked = a.analyze("quelabruti", &Words(&["quel"], &["abruti"]));
        assert_eq!(marked.normalized, "quel abruti");
    }

    /// [`Words`] with a memo id: the segment stage remembers each token's split.
    struct Remembered(Words, u64);

    impl Vocabulary for Remembered {
        fn knows_word(&self, word: &str) -> bool {
            self.0.knows_word(word)
        }
        fn marks_a_label(&self, word: &str) -> bool {
            self.0.marks_a_label(word)
        }
        fn memo_id(&self) -> Option<u64> {
            Some(self.1)
        }
    }

    #[test]
    fn a_real_word_is_never_split() {
        let lexicon = |real: &[&str]| {
            Lexicon::new(&LexiconSource {
                lists: vec![TermList {
                    lang: "fr".into(),
                    category: Category::Insult,
                    terms: vec!["con".into()],
                }],
                real_words: real.iter().map(|w| w.to_string()).collect(),
            })
            .unwrap()
        };
        let words = || Words(&["quel", "con", "que", "vraiment"], &[]);
        let text = "un article quelconque, quelconvraiment";
        for (real, memo) in [(true, false), (true, true), (false, false), (false, true)] {
            let a = Analyzer::new(20_000, lexicon(if real { &["quelconque"] } else { &[] }));
            let out = if memo {
                a.analyze(text, &Remembered(words(), 7))
            } else {
                a.analyze(text, &words())
            };
            // The glued insult that is no real word is split and found either way.
            assert!(
                out.normalized.ends_with(", quel con vraiment"),
                "{real} {memo}"
            );
            if real {
                // The real word stays whole: one `con` found, the glued one.
                assert!(
                    out.normalized.starts_with("un article quelconque,"),
                    "{memo}"
                );
                assert_eq!(out.lexicon.len(), 1, "{memo}");
            } else {
                // Without the list, it is read as `quel con que` (so the list is what keeps it).
                assert!(
                    out.normalized.starts_with("un article quel con que,"),
                    "{memo}"
                );
                assert_eq!(out.lexicon.len(), 2, "{memo}");
            }
        }
    }

    #[test]
    fn a_word_of_a_multi_word_term_is_never_split() {
        let lexicon = Lexicon::new(&LexiconSource {
            lists: vec![TermList {
                lang: "fr".into(),
                category: Category::Dehumanizing,
                terms: vec![
                    "déferlement migratoire".into(),
                    "devraient être fusillé*".into(),
                ],
            }],
            ..Default::default()
        })
        .unwrap();
        let a = Analyzer::new(20_000, lexicon);
        // `fer` and `fus` mark a label, `ment` and `illes` are known: `deferlement` would be
        // `de fer le ment`, `fusilles` `fus illes`.
        let words = Words(&["ment", "illes"], &["fer", "fus"]);
        let out = a.analyze("encore un déferlement migratoire", &words);
        assert_eq!(out.normalized, "encore un deferlement migratoire");
        assert_eq!(out.lexicon.len(), 1);
        // A word starting with the stem that ends a term is left whole too.
        let out = a.analyze("ils devraient être fusillés", &words);
        assert_eq!(out.normalized, "ils devraient etre fusilles");
        assert_eq!(out.lexicon.len(), 1);
        // The same pieces glued otherwise are split.
        let out = a.analyze("leferdement", &Words(&["ment", "dement"], &["fer"]));
        assert_eq!(out.normalized, "le fer dement");
    }

    #[test]
    fn the_cap_comes_first() {
        let a = analyzer(8);
        // `rats` is past the cap (7 letters and the `r`; the space is not counted): neither
        // normalized nor found; capitals past it not counted.
        let out = a.analyze("bonjour rats RATS RATS", &Words(&[], &[]));
        assert!(out.truncated);
        assert_eq!(out.normalized, "bonjour r");
        assert!(out.lexicon.is_empty());
        assert_eq!(out.caps.caps_words, 0);
        assert_eq!(a.for_vocabulary("Bonjour RATS"), "bonjour r");
        // Padding before a comment does not push it out of the cap.
        let padded = format!("{}rats", " \u{200B}\n".repeat(10));
        let out = a.analyze(&padded, &Words(&[], &[]));
        assert!(!out.truncated);
        assert_eq!(out.lexicon.len(), 1);
        assert_eq!(analyzer(100).for_vocabulary("L'Été"), normalize("L'Été"));
    }
}
