//! A comment's language, guessed from its letters and its function words: the `language` column of
//! `moderate score`, and the language `moderate serve` answers for. A model covers some languages
//! (`ModelData::languages`); a comment in another one gets no score, because the model would
//! make one up (every Arabic comment scored the same, the model's intercept).
//!
//! The rules, in order, each one a moderator can check by reading the comment:
//!
//! Mentions (`@user`), links and a leading `RT` are left out first: they are in no language.
//!
//! 1. **No letters** (emoji, numbers, punctuation only): `und`.
//! 2. **Script**: the script with the most letters decides: Arabic → `ar`, Hebrew → `he`, Greek →
//!    `el`, Hangul → `ko`, Japanese kana → `ja` (Han characters with any kana too), Han → `zh`,
//!    Thai → `th`, Devanagari → `hi`, Armenian → `hy`, Georgian → `ka`, Cyrillic → `und-Cyrl`
//!    (Russian, Ukrainian, Bulgarian… are not told apart), any other script → `und-Zzzz`. A French
//!    comment with one Arabic word has more Latin letters: it goes on to the next rules.
//! 3. **Latin letters**, on the words (runs of letters and digits, in lower case):
//!    1. *Arabizi* (Arabic written in Latin letters, digits for the letters Latin lacks:
//!       `3ayb`, `7abibi`, `ma3a`), only when it is clearly so: at least two Arabizi words
//!       ([`ARABIZI_WORDS`], or a word with a lone 2, 3, 5, 6, 7, 8 or 9 among its letters), at
//!       least a third of the words, and not one French or English function word → `ar-Latn`.
//!       A French comment with one « wallah » stays French.
//!    2. *Function words* ([`crate::text::lang::Words::function_words`] for French and English,
//!       [`OTHERS`] for Spanish, Italian, German and Portuguese; no word is in two lists; a French
//!       elision counts before its apostrophe, `l'`, `qu'`): the language with the most wins,
//!       French on a tie with English; another language needs two of its words and more than
//!       French and English have. A tie between French and English goes to the one with more
//!       words of its lexicons, then to French.
//!    3. *No function word*: words of the French or English lexicons (insults, slurs, group
//!       names: « sale juif », « shut up faggot ») make it French or English, the one with more;
//!       1–3 words are [`Guess::ShortLatin`] (a greeting, a name, « ok », « Bravo Macron »:
//!       counted as any language of the model written in Latin letters); a longer text with more
//!       French accented letters (`é è ê à ç ù œ`…) than other accented letters is `fr`; any
//!       other is `und-Latn` (a language without a list here).

use std::collections::HashSet;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::Language;
use crate::text::lexicon::parse_terms;

/// What [`guess`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guess {
    /// Told by the comment's function words, letters or script: `fr`, `en`, `es`, `ar`,
    /// `ar-Latn`, `he`, `und-Cyrl`…
    Language(&'static str),
    /// Latin letters, 1–3 words, no function word: a greeting, a name, « ok ». Written `und-Latn`;
    /// covered by any model covering a language written in Latin letters.
    ShortLatin,
    /// Latin letters, more than three words, no function word and no French accents: written
    /// `und-Latn`.
    OtherLatin,
    /// No letters at all (emoji, numbers): written `und`.
    NoLetters,
}

impl Guess {
    /// The language code written in the `language` column (BCP 47: a language, or `und` with the
    /// script when only the script is known).
    pub fn code(self) -> &'static str {
        match self {
            Guess::Language(code) => code,
            Guess::ShortLatin | Guess::OtherLatin => "und-Latn",
            Guess::NoLetters => "und",
        }
    }

    /// Whether a model covering `languages` (codes) scores this comment: its code is one of
    /// them, or it is [`Guess::ShortLatin`] and one of them is written in Latin letters.
    pub fn covered_by<S: AsRef<str>>(self, languages: &[S]) -> bool {
        let has = |code: &str| languages.iter().any(|l| l.as_ref() == code);
        match self {
            Guess::ShortLatin => LATIN_LANGUAGES.iter().any(|&c| has(c)),
            other => has(other.code()),
        }
    }
}

/// The languages with function-word lists here, all written in Latin letters.
const LATIN_LANGUAGES: [&str; 6] = ["fr", "en", "es", "it", "de", "pt"];

/// Function words of languages the analyzer has no lists for, to name a comment in them (and not
/// take it for French because of one `la`). No word is in two lists, nor in French's or English's;
/// `y` and `con` are left out, being French too (`vas-y`, `il y a`, the insult `con`).
pub const OTHERS: [(&str, &[&str]); 4] = [
    (
        "es",
        &[
            "el", "los", "las", "del", "es", "una", "por", "para", "muy", "pero", "más", "está",
            "esto", "eso", "esta", "este", "hay", "yo", "qué", "porque", "también", "lo", "como",
            "su", "sus", "ser", "todo",
        ],
    ),
    (
        "it",
        &[
            "gli", "della", "dello", "degli", "delle", "che", "è", "sono", "questo", "questa",
            "anche", "più", "perché", "ci", "hanno", "molto", "essere", "nel", "nella", "alla",
            "dei", "per", "ho",
        ],
    ),
    (
        "de",
        &[
            "der", "das", "den", "dem", "und", "ist", "nicht", "ein", "eine", "einen", "ich",
            "sie", "wir", "ihr", "mit", "von", "zu", "auf", "für", "sich", "auch", "aber", "wie",
            "dass", "sind", "hat", "haben", "werden", "über", "noch", "nur", "dieser", "diese",
            "bei", "nach", "wenn", "kann", "schon", "wird", "zum", "zur",
        ],
    ),
    (
        "pt",
        &[
            "os", "uma", "não", "em", "na", "com", "muito", "isso", "essa", "esse", "você", "ele",
            "ela", "são", "é", "dos", "pelo", "pela", "tem", "ao",
        ],
    ),
];

/// Arabizi words written without digits, frequent in Lebanese, Syrian and Moroccan comments;
/// none is a French or English word.
pub const ARABIZI_WORDS: &[&str] = &[
    "wallah",
    "wallahi",
    "walah",
    "wellah",
    "inchallah",
    "inshallah",
    "inchalah",
    "inshalla",
    "mashallah",
    "machallah",
    "hamdoulah",
    "hamdoullah",
    "hamdulillah",
    "alhamdulillah",
    "yalla",
    "yallah",
    "habibi",
    "habibti",
    "khalas",
    "khalass",
    "shou",
    "shu",
    "kifak",
    "kifik",
    "mnih",
    "ktir",
    "kteer",
    "bzaf",
    "bezzaf",
    "mzyan",
    "mezyan",
    "wesh",
    "hchouma",
    "zwin",
    "khouya",
    "khoya",
    "akhi",
    "ukhti",
    "sahbi",
    "hmar",
    "kelb",
    "kalb",
    "klab",
    "ya",
    "ana",
    "enta",
    "inta",
    "enti",
    "nta",
    "howa",
    "hiya",
    "hada",
    "hadi",
    "dyal",
    "diyal",
    "bghit",
    "mafi",
    "walou",
    "walo",
    "zebi",
    "tfou",
    "chkoun",
    "kifach",
    "bslama",
    "hayawan",
];

/// Accented letters of French (lower case).
const FRENCH_ACCENTED: &str = "éèêëàâîïôùûçœæÿ";

/// Suffixes after a number that make an ordinal or a unit, not Arabizi: `3e`, `2nd`, `5km`.
const NUMBER_SUFFIXES: [&str; 17] = [
    "e", "er", "ere", "eme", "em", "nd", "rd", "th", "st", "km", "kg", "h", "mn", "min", "ans",
    "ml", "cm",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Arabic,
    Hebrew,
    Greek,
    Cyrillic,
    Hangul,
    Kana,
    Han,
    Thai,
    Devanagari,
    Armenian,
    Georgian,
    Other,
}

impl Script {
    const ALL: [Script; 13] = [
        Script::Latin,
        Script::Arabic,
        Script::Hebrew,
        Script::Greek,
        Script::Cyrillic,
        Script::Hangul,
        Script::Kana,
        Script::Han,
        Script::Thai,
        Script::Devanagari,
        Script::Armenian,
        Script::Georgian,
        Script::Other,
    ];

    /// The script of a letter, by Unicode block.
    fn of(c: char) -> Script {
        match c as u32 {
            0x41..=0x5A | 0x61..=0x7A | 0xAA | 0xBA | 0xC0..=0x2AF | 0x1E00..=0x1EFF => {
                Script::Latin
            }
            0x2C60..=0x2C7F | 0xA720..=0xA7FF | 0xFB00..=0xFB06 => Script::Latin,
            0xFF21..=0xFF3A | 0xFF41..=0xFF5A => Script::Latin,
            0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
            0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
            0x530..=0x58F => Script::Armenian,
            0x590..=0x5FF | 0xFB1D..=0xFB4F => Script::Hebrew,
            0x600..=0x6FF | 0x750..=0x77F | 0x8A0..=0x8FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
                Script::Arabic
            }
            0x900..=0x97F => Script::Devanagari,
            0xE00..=0xE7F => Script::Thai,
            0x10A0..=0x10FF => Script::Georgian,
            0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => Script::Hangul,
            0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF => Script::Han,
            _ => Script::Other,
        }
    }

    /// The code of a comment written mostly in this script (not Latin).
    fn code(self) -> &'static str {
        match self {
            Script::Latin => "und-Latn",
            Script::Arabic => "ar",
            Script::Hebrew => "he",
            Script::Greek => "el",
            Script::Cyrillic => "und-Cyrl",
            Script::Hangul => "ko",
            Script::Kana => "ja",
            Script::Han => "zh",
            Script::Thai => "th",
            Script::Devanagari => "hi",
            Script::Armenian => "hy",
            Script::Georgian => "ka",
            Script::Other => "und-Zzzz",
        }
    }
}

/// Guess the language of a comment (the rules are in the module documentation).
pub fn guess(text: &str) -> Guess {
    let text = &without_mentions_and_links(text);
    let mut letters = [0usize; Script::ALL.len()];
    if text.is_ascii() {
        // Every letter is an ASCII one, and Latin: counted over the bytes.
        letters[Script::Latin as usize] = text.bytes().filter(u8::is_ascii_alphabetic).count();
    } else {
        for c in text.chars().filter(|c| c.is_alphabetic()) {
            let script = if c.is_ascii() {
                Script::Latin
            } else {
                Script::of(c)
            };
            letters[script as usize] += 1;
        }
    }
    if letters.iter().all(|&n| n == 0) {
        return Guess::NoLetters;
    }
    // The script with the most letters; Latin first on a tie.
    let top = Script::ALL
        .into_iter()
        .max_by_key(|&s| (letters[s as usize], s == Script::Latin))
        .unwrap_or(Script::Latin);
    match top {
        Script::Latin => guess_latin(text),
        Script::Han if letters[Script::Kana as usize] > 0 => Guess::Language("ja"),
        other => Guess::Language(other.code()),
    }
}

/// `text` without its `@mentions`, links and `RT` (space-separated words in no language).
fn without_mentions_and_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Most comments have no `:`, so no word of theirs has `://`.
    let colon = text.as_bytes().contains(&b':');
    for word in text.split_whitespace() {
        // Compared whatever the ASCII case, with no lower-case copy of each word.
        if word.starts_with('@')
            // A plain scan: `str::contains` sets up a substring searcher for every word.
            || (colon && word.as_bytes().windows(3).any(|w| w == b"://"))
            || word
                .as_bytes()
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"www."))
            || word.eq_ignore_ascii_case("rt")
        {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `word` in lower case without accents, as the lexicon words are looked up.
fn folded(word: &str) -> String {
    word.nfd().filter(|&c| !is_combining_mark(c)).collect()
}

/// The one-word terms of the French and English lexicons, folded ([`folded`]).
fn lexicon_words() -> &'static [HashSet<String>; 2] {
    static WORDS: OnceLock<[HashSet<String>; 2]> = OnceLock::new();
    WORDS.get_or_init(|| {
        [Language::Fr, Language::En].map(|l| {
            l.words()
                .lexicons
                .iter()
                .flat_map(|(_, text)| parse_terms(text))
                .map(|t| folded(&t.trim_start_matches(['@', '=']).to_lowercase()))
                .filter(|t| !t.contains(' ') && !t.is_empty())
                .collect()
        })
    })
}

/// What a word is to [`count_words`], as bits of [`word_classes`]: a function word of French
/// ([`CLASS_FR`], or an elision, [`CLASS_FR_ELISION`]), of English, of each of [`OTHERS`]
/// ([`CLASS_OTHER`] shifted by its position), an Arabizi word, a (folded) word of the French or
/// English lexicons.
const CLASS_FR: u16 = 1;
const CLASS_FR_ELISION: u16 = 1 << 1;
const CLASS_EN: u16 = 1 << 2;
const CLASS_ARABIZI: u16 = 1 << 3;
const CLASS_FR_LEXICON: u16 = 1 << 4;
const CLASS_EN_LEXICON: u16 = 1 << 5;
const CLASS_OTHER: u16 = 1 << 6;

/// Every word of the lists [`count_words`] looks words up in, with its classes: one lookup per
/// word of a comment instead of a scan of each list.
fn word_classes() -> &'static FxHashMap<String, u16> {
    static CLASSES: OnceLock<FxHashMap<String, u16>> = OnceLock::new();
    CLASSES.get_or_init(|| {
        let (fr, en) = (Language::Fr.words(), Language::En.words());
        let [fr_lexicon, en_lexicon] = lexicon_words();
        let mut lists: Vec<(u16, Vec<&str>)> = vec![
            (CLASS_FR, fr.function_words.to_vec()),
            (CLASS_FR_ELISION, fr.elisions.to_vec()),
            (CLASS_EN, en.function_words.to_vec()),
            (CLASS_ARABIZI, ARABIZI_WORDS.to_vec()),
            (
                CLASS_FR_LEXICON,
                fr_lexicon.iter().map(String::as_str).collect(),
            ),
            (
                CLASS_EN_LEXICON,
                en_lexicon.iter().map(String::as_str).collect(),
            ),
        ];
        for (i, (_, list)) in OTHERS.iter().enumerate() {
            lists.push((CLASS_OTHER << i, list.to_vec()));
        }
        let mut classes = FxHashMap::default();
        for (class, list) in lists {
            for w in list {
                *classes.entry(w.to_string()).or_insert(0) |= class;
            }
        }
        classes
    })
}

/// What [`guess_latin`] counts in a text written in Latin letters.
#[derive(Debug, Default)]
struct Counts {
    /// Words with at least one letter.
    words: usize,
    fr: usize,
    en: usize,
    /// Words of the French and English lexicons.
    fr_lexicon: usize,
    en_lexicon: usize,
    /// Function words of each of [`OTHERS`].
    others: [usize; OTHERS.len()],
    arabizi: usize,
}

/// Rule 3 of the module documentation.
fn guess_latin(text: &str) -> Guess {
    let c = count_words(text);
    if c.arabizi >= 2 && c.fr == 0 && c.en == 0 && 3 * c.arabizi >= c.words {
        return Guess::Language("ar-Latn");
    }
    let (other, other_n) = OTHERS
        .iter()
        .zip(c.others)
        .map(|((code, _), n)| (*code, n))
        .max_by_key(|&(_, n)| n)
        .unwrap_or(("und-Latn", 0));
    let fr_en = c.fr.max(c.en);
    if other_n >= 2 && other_n > fr_en {
        return Guess::Language(other);
    }
    let by_lexicon = (c.fr_lexicon, c.en_lexicon);
    if fr_en > 0 || by_lexicon != (0, 0) {
        return Guess::Language(if (c.fr, by_lexicon.0) >= (c.en, by_lexicon.1) {
            Language::Fr.code()
        } else {
            Language::En.code()
        });
    }
    if c.words <= 3 {
        return Guess::ShortLatin;
    }
    let (mut french, mut foreign) = (0, 0);
    for ch in text.chars().flat_map(char::to_lowercase) {
        if FRENCH_ACCENTED.contains(ch) {
            french += 1;
        } else if !ch.is_ascii() && Script::of(ch) == Script::Latin && ch.is_alphabetic() {
            foreign += 1;
        }
    }
    if french > foreign {
        Guess::Language(Language::Fr.code())
    } else {
        Guess::OtherLatin
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '`')
}

/// Count the words of `text` for [`guess_latin`].
fn count_words(text: &str) -> Counts {
    let mut c = Counts::default();
    let classes = word_classes();
    let class_of = |w: &str| classes.get(w).copied().unwrap_or(0);
    // The word in lower case, and folded, reused from word to word.
    let (mut word, mut fold) = (String::new(), String::new());
    let mut chars = text.char_indices().peekable();
    while let Some((start, ch)) = chars.next() {
        if !ch.is_alphanumeric() {
            continue;
        }
        let mut end = start + ch.len_utf8();
        while let Some(&(i, next)) = chars.peek() {
            if !next.is_alphanumeric() {
                break;
            }
            end = i + next.len_utf8();
            chars.next();
        }
        let raw = &text[start..end];
        if !raw.chars().any(char::is_alphabetic) {
            continue;
        }
        c.words += 1;
        // `raw.to_lowercase()`, which differs from lower-casing each character only for a
        // capital sigma.
        word.clear();
        if raw.is_ascii() {
            word.push_str(raw);
            word.make_ascii_lowercase();
        } else if raw.contains('Σ') {
            word.push_str(&raw.to_lowercase());
        } else {
            word.extend(raw.chars().flat_map(char::to_lowercase));
        }
        let w = word.as_str();
        let elided = chars.peek().is_some_and(|&(_, next)| is_apostrophe(next));
        let class = class_of(w);
        // Folding leaves an ASCII word as it is.
        let lexicon = if w.is_ascii() {
            class
        } else {
            fold.clear();
            fold.extend(w.nfd().filter(|&ch| !is_combining_mark(ch)));
            class_of(&fold)
        };
        if class & CLASS_FR != 0 || (elided && class & CLASS_FR_ELISION != 0) {
            c.fr += 1;
        }
        if class & CLASS_EN != 0 {
            c.en += 1;
        }
        c.fr_lexicon += usize::from(lexicon & CLASS_FR_LEXICON != 0);
        c.en_lexicon += usize::from(lexicon & CLASS_EN_LEXICON != 0);
        for (i, n) in c.others.iter_mut().enumerate() {
            *n += usize::from(class & (CLASS_OTHER << i) != 0);
        }
        if class & CLASS_ARABIZI != 0 || is_arabizi_spelling(w) {
            c.arabizi += 1;
        }
    }
    c
}

/// A word written in Arabizi with digits: ASCII letters and digits, at least two letters one of
/// them a vowel, lone digits only (`covid19`, `g20` are not), one of them 2, 3, 5, 6, 7, 8 or 9
/// (the letters Latin lacks: `3` ع, `7` ح, `9` ق, `2` ء, `5` خ…), and not a number followed by an
/// ordinal or a unit (`3e`, `2nd`, `5km`).
fn is_arabizi_spelling(word: &str) -> bool {
    let b = word.as_bytes();
    if !b.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
    let vowel = b.iter().any(|c| b"aeiouy".contains(c));
    let arabic_digit = b.iter().any(|c| b"2356789".contains(c));
    let lone_digits = b
        .windows(2)
        .all(|w| !(w[0].is_ascii_digit() && w[1].is_ascii_digit()));
    let number_suffix = b[0].is_ascii_digit() && NUMBER_SUFFIXES.contains(&&word[1..]);
    letters >= 2 && vowel && arabic_digit && lone_digits && !number_suffix
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn code(text: &str) -> &'static str {
        guess(text).code()
    }

    const FR_EN: [&str; 2] = ["fr", "en"];

    #[test]
    fn french_and_english_by_their_function_words() {
        assert_eq!(code("Je ne suis pas d'accord avec l'éditorial"), "fr");
        assert_eq!(code("Merci pour cet article très complet"), "fr");
        assert_eq!(code("Ces rats de Syriens nous volent notre travail"), "fr");
        assert_eq!(code("T'es vraiment un gros connard"), "fr");
        assert_eq!(code("You are a pathetic idiot and everyone knows it"), "en");
        assert_eq!(code("Thanks for the reporting, the maps were clear"), "en");
        // English contractions are not French elisions: `it's` is not `s'`.
        assert_eq!(code("It's what I'd say, don't you think"), "en");
        assert!(guess("Je suis d'accord").covered_by(&FR_EN));
        // Without a function word, the words of the lexicons tell.
        assert_eq!(code("@user @user sale juif"), "fr");
        assert_eq!(code("Connard fini, crève sale bâtard pourri"), "fr");
        assert_eq!(code("fukin arseholes dicks cunts bastards"), "en");
    }

    #[test]
    fn mentions_and_links_are_in_no_language() {
        assert_eq!(code("@user_with_a_long_name السوريين حشرات"), "ar");
        assert_eq!(code("RT @someone https://example.com/a/b 👍"), "und");
    }

    #[test]
    fn arabic_script_is_arabic_and_not_covered() {
        for text in [
            "السوريين حشرات",
            "الله يحفظكم يا رب",
            "هذا المقال ممتاز جدا!!",
        ] {
            assert_eq!(guess(text), Guess::Language("ar"), "{text}");
            assert!(!guess(text).covered_by(&FR_EN), "{text}");
        }
    }

    #[test]
    fn french_with_one_arabic_word_stays_french() {
        assert_eq!(
            code("Bravo à tous les journalistes, الحمد لله, merci"),
            "fr"
        );
        assert_eq!(code("Wallah il a raison, c'est la vérité"), "fr");
        assert_eq!(code("wallah that's the truth, they lied"), "en");
    }

    #[test]
    fn arabizi_when_clearly_so() {
        for text in [
            "wallah 3ayb 3alaykon ya chabab",
            "7abibi enta 7mar",
            "Yalla khalas, ma3a salama",
            "inchallah kolchi mezyan",
        ] {
            assert_eq!(code(text), "ar-Latn", "{text}");
            assert!(!guess(text).covered_by(&FR_EN), "{text}");
        }
        // One Arabizi word alone is a short comment; numbers with units are not Arabizi.
        assert_eq!(guess("7abibi"), Guess::ShortLatin);
        assert_eq!(code("Le 3e arrondissement et la covid19"), "fr");
        assert!(!is_arabizi_spelling("2nd") && !is_arabizi_spelling("g20"));
        assert!(is_arabizi_spelling("3ayb") && is_arabizi_spelling("la2"));
    }

    #[test]
    fn no_letters_is_und_and_not_covered() {
        for text in ["😂😂😂", "👍", "12/20", "!!! ???", "🙂 123"] {
            assert_eq!(guess(text), Guess::NoLetters, "{text}");
            assert_eq!(code(text), "und");
            assert!(!guess(text).covered_by(&FR_EN));
        }
    }

    #[test]
    fn short_latin_comments_are_covered() {
        for text in [
            "ok",
            "OK 👍",
            "Bravo Macron",
            "lol",
            "Gracias amigo",
            "Hélène",
        ] {
            assert_eq!(guess(text), Guess::ShortLatin, "{text}");
            assert!(guess(text).covered_by(&FR_EN), "{text}");
            assert!(!guess(text).covered_by(&["ar"]), "{text}");
        }
    }

    #[test]
    fn other_scripts_by_script() {
        assert_eq!(code("Это просто ужасно, позор"), "und-Cyrl");
        assert_eq!(code("זה מאמר מצוין"), "he");
        assert_eq!(code("Αυτό είναι ντροπή"), "el");
        assert_eq!(code("これはひどい記事です"), "ja");
        assert_eq!(code("这篇文章很好"), "zh");
        assert_eq!(code("정말 좋은 기사"), "ko");
        // A French comment quoting a Russian word stays French.
        assert_eq!(code("Le mot позор veut dire la honte"), "fr");
        assert!(!guess("Это просто ужасно").covered_by(&FR_EN));
    }

    #[test]
    fn other_latin_languages() {
        assert_eq!(
            code("Die Journalisten dieser Zeitung leisten hervorragende Arbeit über den Krieg"),
            "de"
        );
        assert_eq!(code("La casa que compré es muy bonita y muy grande"), "es");
        assert_eq!(
            code("Il governo non ha fatto niente per questa gente, che vergogna"),
            "it"
        );
        assert_eq!(code("Você não sabe nada sobre isso"), "pt");
        // One Spanish word among French ones does not make it Spanish.
        assert_eq!(code("Le président a dit más rien"), "fr");
        assert_eq!(code("Vas-y, petit con pitoyable."), "fr");
        // Long, no function word: French accents make it French; none makes it undetermined.
        assert_eq!(code("Dégage Macron, honte absolue, démission"), "fr");
        assert_eq!(
            guess("Bu adamlar ülkemizi mahvetti hepsi gitmeli"),
            Guess::OtherLatin
        );
        assert!(!Guess::OtherLatin.covered_by(&FR_EN));
        assert!(!guess("Die Journalisten dieser Zeitung").covered_by(&FR_EN));
    }

    #[test]
    fn no_word_counts_for_two_languages() {
        let mut lists: Vec<(&str, &[&str])> = vec![
            ("fr", Language::Fr.words().function_words),
            ("en", Language::En.words().function_words),
            ("ar-Latn", ARABIZI_WORDS),
        ];
        lists.extend(OTHERS);
        let mut seen = BTreeSet::new();
        for (code, list) in lists {
            for w in list {
                assert_eq!(w.to_lowercase(), *w, "{w} ({code}) is not in lower case");
                assert!(seen.insert(*w), "{w} ({code}) is in two lists");
            }
        }
    }
}
