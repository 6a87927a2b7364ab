//! Text helpers for the server: sentence spans with code-point offsets, HTML to text, language
//! detection (among the languages of [`crate::text::lang`]). Nothing here sees the network.

use crate::text::lang::{self, Language};

pub use crate::text::spans::{sentence_spans, Span};

/// Plain text from a Coral comment body (HTML from Coral's editor: `<p>`, `<br>`, `<b>`, `<a>`,
/// `<blockquote>`…): tags removed, block tags and `<br>` turned into line breaks (so that they end
/// a sentence), character references decoded. Not a general HTML parser: enough for the
/// sanitized HTML Coral stores.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(pos) = rest.find(['<', '&']) {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if rest.starts_with('<') {
            match rest.find('>') {
                Some(close) => {
                    let tag = rest[1..close].trim_start_matches('/').trim_start();
                    let name: String = tag
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    if matches!(
                        name.as_str(),
                        "br" | "p"
                            | "div"
                            | "blockquote"
                            | "li"
                            | "ul"
                            | "ol"
                            | "h1"
                            | "h2"
                            | "h3"
                            | "h4"
                            | "h5"
                            | "h6"
                            | "pre"
                            | "tr"
                    ) {
                        out.push('\n');
                    }
                    rest = &rest[close + 1..];
                }
                None => {
                    // A lone `<` is text.
                    out.push('<');
                    rest = &rest[1..];
                }
            }
        } else {
            let (decoded, used) = decode_entity(rest);
            out.push_str(&decoded);
            rest = &rest[used..];
        }
    }
    out.push_str(rest);
    out
}

/// Decode the character reference at the start of `s` (which starts with `&`). Returns the text
/// and the number of bytes read; an unknown reference is kept as it is.
fn decode_entity(s: &str) -> (String, usize) {
    let end = match s[1..].find(';') {
        Some(e) if e <= 10 => e + 1,
        _ => return ("&".into(), 1),
    };
    let name = &s[1..end];
    let decoded = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let num = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse::<u32>().ok()
            } else {
                None
            };
            num.and_then(char::from_u32)
        }
    };
    match decoded {
        Some(c) => (c.to_string(), end + 1),
        None => ("&".into(), 1),
    }
}

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
    fn html_is_stripped_and_decoded() {
        assert_eq!(
            html_to_text("<p>Ces <b>cafards</b> &amp; co</p><p>Deux&nbsp;&#233;&#x41;</p>a < b"),
            "\nCes cafards & co\n\nDeux éA\na < b"
        );
        assert_eq!(html_to_text("x &unknown; y &"), "x &unknown; y &");
        assert_eq!(html_to_text("<br/>"), "\n");
    }

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
