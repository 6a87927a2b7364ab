//! HTML comments to text: tags stripped, character references decoded ([`html_to_text`]), and
//! whether a text looks like HTML at all ([`has_tags`]). One implementation for the Coral endpoint
//! (whose bodies are HTML) and `moderate score --html` (CMS exports).

/// Plain text from an HTML comment (a Coral body, a CMS export: `<p>`, `<br>`, `<b>`, `<a>`,
/// `<blockquote>`…): tags removed, block tags and `<br>` turned into line breaks (so that they end
/// a sentence), character references decoded. Not a general HTML parser: enough for the
/// sanitized HTML comment systems store.
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
    let decoded = match named(name) {
        Some(c) => Some(c),
        None => {
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

/// Whether `text` has something that looks like a tag: `<` then a letter (or `/` and a letter,
/// or `!--`), closed by a `>` later on. `a < b` and `<3` are not tags.
pub fn has_tags(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| c == b'<') {
        let at = i + p + 1;
        let rest = &b[at..];
        let opens = match rest {
            [b'/', c, ..] | [c, ..] if c.is_ascii_alphabetic() => true,
            [b'!', b'-', b'-', ..] => true,
            _ => false,
        };
        if opens && rest.contains(&b'>') {
            return true;
        }
        i = at;
    }
    false
}

/// The character a named reference stands for: the XML five, `nbsp`, the Latin-1 letters and
/// signs of French and other Western European text, and common typography.
fn named(name: &str) -> Option<char> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "laquo" => '«',
        "raquo" => '»',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sbquo" => '‚',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "euro" => '€',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "deg" => '°',
        "middot" => '·',
        "bull" => '•',
        "iexcl" => '¡',
        "iquest" => '¿',
        "sect" => '§',
        "para" => '¶',
        "pound" => '£',
        "yen" => '¥',
        "cent" => '¢',
        "times" => '×',
        "divide" => '÷',
        "shy" => '\u{AD}',
        "zwnj" => '\u{200C}',
        "zwj" => '\u{200D}',
        "thinsp" => '\u{2009}',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "szlig" => 'ß',
        "OElig" => 'Œ',
        "oelig" => 'œ',
        "AElig" => 'Æ',
        "aelig" => 'æ',
        "Yuml" => 'Ÿ',
        _ => return accented(name),
    };
    Some(c)
}

/// `&eacute;`, `&Agrave;`, `&ccedil;`…: a letter and an accent name.
fn accented(name: &str) -> Option<char> {
    let mut chars = name.chars();
    let base = chars.next()?;
    let accent = chars.as_str();
    const TABLE: [(&str, &str, &str); 6] = [
        ("acute", "aeiouyAEIOUY", "áéíóúýÁÉÍÓÚÝ"),
        ("grave", "aeiouAEIOU", "àèìòùÀÈÌÒÙ"),
        ("circ", "aeiouAEIOU", "âêîôûÂÊÎÔÛ"),
        ("uml", "aeiouyAEIOU", "äëïöüÿÄËÏÖÜ"),
        ("tilde", "anoANO", "ãñõÃÑÕ"),
        ("cedil", "cC", "çÇ"),
    ];
    let (_, from, to) = TABLE.iter().find(|(a, _, _)| *a == accent)?;
    let i = from.chars().position(|c| c == base)?;
    to.chars().nth(i)
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
        assert_eq!(
            html_to_text("<b>bact&eacute;ries</b> &Agrave; &ccedil;a &oelig;uvre &laquo;x&raquo;"),
            "bactéries À ça œuvre «x»"
        );
        assert_eq!(html_to_text("&aacutex;"), "&aacutex;");
    }

    #[test]
    fn tags_are_told_from_comparisons() {
        assert!(has_tags("<b>gras</b>"));
        assert!(has_tags("fin</p>"));
        assert!(has_tags("x <!-- y -->"));
        assert!(!has_tags("a < b et c > d"));
        assert!(!has_tags("je t'aime <3 >"));
        assert!(!has_tags("<b sans fin"));
    }
}
