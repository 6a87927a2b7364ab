//! The analyzer: the one chain of text stages a comment goes through before it is featurized,
//! in the spirit of tantivy's `TextAnalyzer` (a tokenizer and its filters, named, in order).
//!
//! ```text
//! cap → shouting → normalize → segment → lexicon
//! ```
//!
//! 1. **cap** ([`cap`]): only the first `max_chars` characters are read, so a pasted book costs
//!    no more than a long comment; the result says whether the text was cut.
//! 2. **shouting** ([`crate::text::shouting::measure`]): capitals and `!!!`, measured on the
//!    original (capped) text, since normalization folds capitals away.
//! 3. **normalize** ([`crate::text::normalize::normalize`]): what the lexicons and n-grams see.
//! 4. **segment** ([`crate::text::segment::split_glued`]): glued words split into the words the
//!    model knows, when a piece is a lexicon term or marks a label. It needs the model's words:
//!    the [`Vocabulary`] trait, which the featurizer implements.
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
use crate::text::segment::split_glued;
use crate::text::shouting::{self, Caps};

/// The model's words, as the segment stage needs them.
pub trait Vocabulary {
    /// Whether a word is one of the model's word unigrams: a known word is never split.
    fn knows_word(&self, word: &str) -> bool;
    /// Whether a word is strong evidence for one of the labels, so that a glued token is worth
    /// splitting around it (`abruti`).
    fn marks_a_label(&self, word: &str) -> bool;
}

/// What the analyzer makes of a comment.
#[derive(Debug, Clone, Default)]
pub struct Analyzed {
    /// True when the comment was longer than `max_chars` and only its start was read.
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
}

impl Analyzer {
    pub fn new(max_chars: usize, lexicon: Lexicon) -> Analyzer {
        Analyzer {
            max_chars,
            lexicon,
            mask_identity: false,
        }
    }

    /// With `mask`, the chain ends with a **mask** stage: identity terms become one placeholder
    /// word ([`Lexicon::mask_identity`]) in the normalized text the n-grams see, after the
    /// lexicon has counted them.
    pub fn with_identity_masked(mut self, mask: bool) -> Analyzer {
        self.mask_identity = mask;
        self
    }

    pub fn max_chars(&self) -> usize {
        self.max_chars
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// The whole chain: cap → shouting → normalize → segment → lexicon.
    pub fn analyze(&self, text: &str, vocabulary: &impl Vocabulary) -> Analyzed {
        let (text, truncated) = cap(text, self.max_chars);
        let caps = shouting::measure(text);
        let normalized = normalize(text);
        let normalized = self.segment(&normalized, vocabulary).unwrap_or(normalized);
        let mut lexicon = Vec::new();
        self.lexicon.find(&normalized, &mut lexicon);
        let normalized = self.mask(normalized);
        Analyzed {
            truncated,
            caps,
            normalized,
            lexicon,
        }
    }

    /// The segment stage: `None` when no glued token was split.
    fn segment(&self, normalized: &str, vocabulary: &impl Vocabulary) -> Option<String> {
        split_glued(
            normalized,
            // A group name is never split into words (`etrangers` is not `et rangers`).
            |w| vocabulary.knows_word(w) || (self.mask_identity && self.lexicon.is_identity(w)),
            |pieces| {
                pieces
                    .iter()
                    .any(|p| self.lexicon.is_term(p) || vocabulary.marks_a_label(p))
            },
        )
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

/// The cap stage: a text cut to at most `max_chars` characters (on a char boundary), and whether
/// it was cut.
pub fn cap(text: &str, max_chars: usize) -> (&str, bool) {
    match text.char_indices().nth(max_chars) {
        Some((i, _)) => (&text[..i], true),
        None => (text, false),
    }
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

    #[test]
    fn the_cap_comes_first() {
        let a = analyzer(8);
        // `rats` is past the cap: neither normalized nor found; capitals past it not counted.
        let out = a.analyze("bonjour rats RATS RATS", &Words(&[], &[]));
        assert!(out.truncated);
        assert_eq!(out.normalized, "bonjour ");
        assert!(out.lexicon.is_empty());
        assert_eq!(out.caps.caps_words, 0);
        assert_eq!(a.for_vocabulary("Bonjour RATS"), "bonjour ");
        assert_eq!(analyzer(100).for_vocabulary("L'Été"), normalize("L'Été"));
    }
}
