//! Languages: every word list of a language in one place, `fr.rs` and `en.rs`.
//!
//! A comment's language is not known when it is analyzed, and comments mix languages, so the
//! analyzer applies the lists of every language at once: [`is_elision`] asks French and English
//! alike, and a French comment quoting `NATO` is not shouting. Each list has one role, documented
//! on its field of [`Words`].
//!
//! Adding a language: a file here with its [`Words`], a variant of [`Language`] (the compiler then
//! points at every `match` to extend, the server's language detection included), and its lexicon
//! folder `models/lexicons/<code>/` with one file per [`Category`]. Its lists change what the
//! analyzer sees, so a model is retrained with it.

mod en;
mod fr;
pub mod guess;

use crate::text::lexicon::Category;

pub use guess::{guess, Guess};

/// The lexicon files shipped for a language, `models/lexicons/<code>/<category>.txt`, compiled
/// into the binary, in [`Category::ALL`] order.
macro_rules! embed_lexicons {
    ($code:literal) => {
        [
            embed_lexicons!(@one $code, Slur, "slur"),
            embed_lexicons!(@one $code, Dehumanizing, "dehumanizing"),
            embed_lexicons!(@one $code, Threat, "threat"),
            embed_lexicons!(@one $code, Insult, "insult"),
            embed_lexicons!(@one $code, Profanity, "profanity"),
            embed_lexicons!(@one $code, Identity, "identity"),
        ]
    };
    (@one $code:literal, $category:ident, $file:literal) => {
        (
            Category::$category,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/models/lexicons/",
                $code,
                "/",
                $file,
                ".txt"
            )),
        )
    };
}
use embed_lexicons;

/// The languages the analyzer and the shipped lexicons know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Fr,
    En,
}

/// A language's word lists. Words are written as normalization writes them: lower case, no
/// accents (`espece`, not `espèce`); acronyms in upper case.
#[derive(Debug)]
pub struct Words {
    /// Elided words, split from the next word at an apostrophe by normalization
    /// (`l'immigré` → `l immigre`); any other apostrophe inside a word is dropped.
    pub elisions: &'static [&'static str],
    /// Words under three letters that may be a piece when segmentation splits a glued token into
    /// known words (`deconnard` → `de connard`): articles, pronouns, prepositions. Pieces of three
    /// letters or more must be words the model knows instead.
    pub short_pieces: &'static [&'static str],
    /// Words a lexicon term is found glued to inside one token (`bandedeconnards`,
    /// `youstupidbitch`): articles, determiners, pronouns and the usual intensifiers. A long token
    /// holds a glued term only when what is around the term is made of these (or of words the
    /// model knows), so `democrats` is not `demo` + `rats`.
    ///
    /// Not the same list as [`Words::short_pieces`], on purpose: the two lists were tuned
    /// separately, and merging them would change which tokens are split and which glued terms are
    /// found, so every score. Both go through the one mechanism, [`crate::text::glue`].
    pub term_glue: &'static [&'static str],
    /// Words that address the reader or another commenter: an insult in the same sentence is an
    /// insult aimed at someone.
    pub second_person: &'static [&'static str],
    /// Determiners and the words insults lean on, normalized: just before an opening quotation
    /// mark they make the quoted words a use in scare quotes (« ces "cafards" », « sale
    /// "bougnoule" »), not a mention (« traiter de "cafards" », « le mot "bougnoule" »).
    pub scare_quote_words: &'static [&'static str],
    /// Words that open a clause inside a sentence (subordinating and contrasting conjunctions,
    /// relative pronouns), normalized: clause pooling (`FeatureConfig::clause_pool`) cuts a
    /// sentence before each of them and after each comma, so that a neutral main clause
    /// (« ils ont du mal à accepter que … ») cannot wash out an abusive one.
    pub clause_openers: &'static [&'static str],
    /// Negations and verbs of saying, thinking and naming, normalized: a clause that one of them
    /// precedes in its sentence (or that holds one) is reported, denied or named (« je ne pense pas
    /// que … », « il a écrit que … », « traiter les Roms de … »), not said, so clause pooling leaves
    /// it to its sentence's score.
    pub clause_frames: &'static [&'static str],
    /// Words that point an animal, pest or disease word at people when they come just before it
    /// (within [`crate::text::lexicon::POINTER_WINDOW`] words, normalized): demonstratives and
    /// the words insults lean on (« ces rats », « bande de porcs », « t'es qu'un chien »), so that
    /// a term marked `@` in a list is read as dehumanizing, and not a rat in the cellar.
    pub people_pointers: &'static [&'static str],
    /// Copulas and similes that say what someone is (« sont des parasites », « comme des
    /// chiens »), normalized: just before a term marked `@` they point it at people too, unless
    /// an animal word read in its own sense comes earlier in the sentence (« les rats sont des
    /// nuisibles » says it of rats).
    pub predicates: &'static [&'static str],
    /// Acronyms common in news comments, in upper case: all-caps words that are not shouting.
    pub acronyms: &'static [&'static str],
    /// Function words that tell the language of a comment ([`guess`]): frequent, and rare in the
    /// other languages the guesser counts, so that no word counts for two languages. Written in
    /// lower case with their accents (`très`); the elisions count too, before an apostrophe.
    pub function_words: &'static [&'static str],
    /// The lexicon files shipped for the language (the identity terms are one of them), compiled
    /// in, in [`Category::ALL`] order.
    pub lexicons: [(Category, &'static str); 6],
}

impl Language {
    /// Every language, in the order their lexicons are embedded (term numbers depend on it).
    pub const ALL: [Language; 2] = [Language::Fr, Language::En];

    /// ISO 639-1 code, also the name of the language's lexicon folder.
    pub const fn code(self) -> &'static str {
        match self {
            Language::Fr => "fr",
            Language::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.code() == code)
    }

    pub fn words(self) -> &'static Words {
        match self {
            Language::Fr => &fr::WORDS,
            Language::En => &en::WORDS,
        }
    }
}

/// The codes of [`Language::ALL`], in order.
pub const CODES: [&str; Language::ALL.len()] = {
    let mut codes = [""; Language::ALL.len()];
    let mut i = 0;
    while i < codes.len() {
        codes[i] = Language::ALL[i].code();
        i += 1;
    }
    codes
};

/// Whether `word` is in the list `list` of any language.
fn in_any(word: &str, list: impl Fn(&'static Words) -> &'static [&'static str]) -> bool {
    Language::ALL
        .into_iter()
        .any(|l| list(l.words()).contains(&word))
}

/// See [`Words::elisions`].
pub fn is_elision(word: &str) -> bool {
    in_any(word, |w| w.elisions)
}

/// See [`Words::short_pieces`].
pub fn is_short_piece(word: &str) -> bool {
    in_any(word, |w| w.short_pieces)
}

/// See [`Words::second_person`].
pub fn is_second_person(word: &str) -> bool {
    in_any(word, |w| w.second_person)
}

/// See [`Words::people_pointers`].
pub fn people_pointers() -> impl Iterator<Item = &'static str> {
    Language::ALL
        .into_iter()
        .flat_map(|l| l.words().people_pointers.iter().copied())
}

/// See [`Words::predicates`].
pub fn predicates() -> impl Iterator<Item = &'static str> {
    Language::ALL
        .into_iter()
        .flat_map(|l| l.words().predicates.iter().copied())
}

/// See [`Words::scare_quote_words`].
pub fn is_scare_quote_word(word: &str) -> bool {
    in_any(word, |w| w.scare_quote_words)
}

/// See [`Words::clause_openers`]; `word` in lower case.
pub fn is_clause_opener(word: &str) -> bool {
    in_any(word, |w| w.clause_openers)
}

/// See [`Words::clause_frames`]; `word` normalized.
pub fn is_clause_frame(word: &str) -> bool {
    in_any(word, |w| w.clause_frames)
}

/// See [`Words::acronyms`]; `upper` is the word in upper case.
///
/// Asked for every all-capitals word of every comment and sentence (the shouting signal): the
/// lists of every language are looked up in one hash set made once, not scanned.
pub fn is_acronym(upper: &str) -> bool {
    static ACRONYMS: std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>> =
        std::sync::OnceLock::new();
    ACRONYMS
        .get_or_init(|| {
            Language::ALL
                .into_iter()
                .flat_map(|l| l.words().acronyms.iter().copied())
                .collect()
        })
        .contains(upper)
}

/// Every language's [`Words::term_glue`].
pub fn term_glue() -> impl Iterator<Item = &'static str> {
    Language::ALL
        .into_iter()
        .flat_map(|l| l.words().term_glue.iter().copied())
}

/// Every shipped lexicon file: language, category, content; languages in [`Language::ALL`] order,
/// categories in [`Category::ALL`] order.
pub fn lexicon_files() -> impl Iterator<Item = (Language, Category, &'static str)> {
    Language::ALL.into_iter().flat_map(|l| {
        l.words()
            .lexicons
            .iter()
            .map(move |&(category, text)| (l, category, text))
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn union(list: impl Fn(&'static Words) -> &'static [&'static str]) -> BTreeSet<&'static str> {
        Language::ALL
            .into_iter()
            .flat_map(|l| list(l.words()).iter().copied())
            .collect()
    }

    fn set(words: &str) -> BTreeSet<&str> {
        words.split_whitespace().collect()
    }

    /// The lists as they were before they moved here (one per file): the analyzer sees the union
    /// of every language's lists, which must be exactly these.
    #[test]
    fn the_union_of_the_languages_is_the_lists_the_model_was_built_with() {
        assert_eq!(union(|w| w.elisions), set("l d qu j t s n m c"));
        assert_eq!(
            union(|w| w.short_pieces),
            set("de du le la un ce tu es ta sa ma se ne en au et \
                 of is an ur my to be so go me us")
        );
        assert_eq!(
            union(|w| w.term_glue),
            set(
                "de des du le la les un une ce ces cet cette sale sales gros grosse grosses \
                 espece bande tu es tes toi ta ton vous quel quelle quels quelles sont est mon ma \
                 pauvre petit petite vieux vieille sa son ses ils elles tous you ur your youre \
                 the an these those this that fucking fuckin stupid dumb such what bunch of are \
                 is little dirty filthy all them they go"
            )
        );
        assert_eq!(
            union(|w| w.second_person),
            set("tu t toi te ta tes ton vous vos votre you your youre ur u yourself")
        );
        assert_eq!(
            union(|w| w.acronyms),
            set(
                "ONU UN OSDH OIAC OPCW OTAN NATO USA US UE EU UK FMI IMF BCE ECB HCR UNHCR \
                 UNRWA UNICEF OMS WHO CIA FBI NSA DGSE DGSI GIGN RAID CRS BAC SNCF RATP EDF PSG \
                 OM OL FC CAN FIFA UEFA NBA NHL NFL LNH PIB GDP TVA SMIC RSA CAF HLM PMA GPA IVG \
                 LGBT LGBTQ LGBTQIA PS LR RN FN LFI EELV PCF NUPES MODEM CAQ PQ PLQ NPD NDP GRC \
                 RCMP SPVM SQ PJD RNI PAM USFP FLN RCD ISIS EI DAESH HTS FSA ASL YPG PKK IDF FDS \
                 SDF CGT CFDT ONG NGO PDG CEO TV JT BFM BFMTV CNN BBC AFP AP RFI OK IA AI COVID \
                 SIDA AIDS VIH HIV ADN DNA USD EUR CAD MAD DH ONF OQTF CEDH CPI ICC CIJ ICJ MRE \
                 GCC CCG OPEP OPEC KSA UAE EAU"
            )
        );
    }

    #[test]
    fn no_word_is_listed_twice_and_lists_are_written_as_normalized() {
        for l in Language::ALL {
            let w = l.words();
            for list in [w.elisions, w.short_pieces, w.term_glue, w.second_person] {
                let mut seen = BTreeSet::new();
                for word in list {
                    assert!(seen.insert(word), "{word} twice in {l:?}");
                    assert_eq!(crate::text::normalize::normalize(word), *word);
                }
            }
            for a in w.acronyms {
                assert_eq!(a.to_uppercase(), *a);
            }
            assert!(w.short_pieces.iter().all(|p| p.len() < 3));
        }
        // An acronym belongs to one language's list.
        let all: Vec<_> = Language::ALL
            .iter()
            .flat_map(|l| l.words().acronyms)
            .collect();
        assert_eq!(all.len(), union(|w| w.acronyms).len());
    }

    #[test]
    fn lexicon_files_follow_the_categories_and_the_languages() {
        for l in Language::ALL {
            let cats: Vec<Category> = l.words().lexicons.iter().map(|(c, _)| *c).collect();
            assert_eq!(cats, Category::ALL);
            assert_eq!(Language::from_code(l.code()), Some(l));
        }
        assert_eq!(CODES, ["fr", "en"]);
        assert_eq!(lexicon_files().count(), 12);
        assert!(is_elision("qu") && !is_elision("de"));
        assert!(is_short_piece("us") && is_short_piece("de") && !is_short_piece("des"));
        assert!(is_second_person("vous") && is_second_person("u") && !is_second_person("nous"));
        assert!(is_acronym("OTAN") && is_acronym("NATO") && !is_acronym("NON"));
        assert_eq!(term_glue().count(), 72);
    }
}
