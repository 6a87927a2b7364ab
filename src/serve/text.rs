//! Text helpers for the server: sentence spans with code-point offsets, language detection (among
//! the languages of [`crate::text::lang`]). HTML to text is [`crate::text::html`], shared with
//! `moderate score --html`. Nothing here sees the network.

use crate::text::lang::{self, Language};

pub use crate::text::spans::{sentence_spans, Span};

/// Languages the model was built for (ISO 639-1): those of [`Language::ALL`].
pub const SUPPORTED_LANGUAGES: [&str; Language::ALL.len()] = lang::CODES;

/// The outcome of language detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detected {
    /// One of [`SUPPORTED_LANGUAGES`].
    Supported(&'static str),
    /// Another language, reliably detected (ISO 639-1 code where known, else ISO 639-3), or
    /// `und` when the text has no letters to detect a language from.
    Unsupported(String),
}

/// whatlang's name for a language the analyzer knows.
fn whatlang_of(language: Language) -> whatlang::Lang {
    match language {
        Language::Fr => whatlang::Lang::Fra,
        Language::En => whatlang::Lang::Eng,
    }
}

/// The supported language whatlang calls `lang`, if any.
fn supported(lang: whatlang::Lang) -> Option<&'static str> {
    Language::ALL
        .into_iter()
        .find(|&l| whatlang_of(l) == lang)
        .map(Language::code)
}

/// Detect the language of a comment. A language other than the supported ones is reported only
/// when whatlang is confident; otherwise (short comments, mixed text) the closest supported one
/// is taken, because the model scores them all and short comments are where detection errs.
pub fn detect_language(text: &str) -> Detected {
    use whatlang::Detector;
    let info = match whatlang::detect(text) {
        Some(info) => info,
        None => return Detected::Unsupported("und".into()),
    };
    if let Some(code) = supported(info.lang()) {
        return Detected::Supported(code);
    }
    if info.is_reliable() {
        return Detected::Unsupported(iso639_1(info.lang()));
    }
    let allowed = Language::ALL.into_iter().map(whatlang_of).collect();
    match Detector::with_allowlist(allowed)
        .detect_lang(text)
        .and_then(supported)
    {
        Some(code) => Detected::Supported(code),
        None => Detected::Unsupported("und".into()),
    }
}

/// ISO 639-1 code of the languages most often met in the comment sections this is for; the
/// ISO 639-3 code for the others.
fn iso639_1(lang: whatlang::Lang) -> String {
    use whatlang::Lang::*;
    let code = match lang {
        Ara => "ar",
        Deu => "de",
        Spa => "es",
        Ita => "it",
        Por => "pt",
        Nld => "nl",
        Rus => "ru",
        Ukr => "uk",
        Tur => "tr",
        Heb => "he",
        Pol => "pl",
        Ron => "ro",
        Cat => "ca",
        Cmn => "zh",
        Jpn => "ja",
        Kor => "ko",
        Hin => "hi",
        Pes => "fa",
        other => other.code(),
    };
    code.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        assert_eq!(
            detect_language(
                "Les journalistes de ce journal font un travail remarquable sur la guerre"
            ),
            Detected::Supported("fr")
        );
        assert_eq!(
            detect_language("The reporters of this paper do remarkable work on the war"),
            Detected::Supported("en")
        );
        assert_eq!(
            detect_language(
                "Die Journalisten dieser Zeitung leisten hervorragende Arbeit über den Krieg"
            ),
            Detected::Unsupported("de".into())
        );
        assert_eq!(
            detect_language("🙂 123"),
            Detected::Unsupported("und".into())
        );
    }
}
