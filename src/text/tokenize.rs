//! The tokenizer: the word tokens of a text, and the sentences of a normalized text.
//!
//! A token is a maximal run of letters and digits (Unicode alphanumeric characters); everything
//! else separates tokens. Every stage that reads words reads them here: the lexicons, glued-word
//! segmentation, the n-gram features, the second-person signal, and the shouting signal (on the
//! original text, where `G7` is one word and `ALLÔ` another).
//!
//! What normalized text can hold ([`crate::text::normalize`]): lower-case letters (ASCII, and the
//! letters of other scripts that have no accent to drop), digits, ASCII punctuation, spaces and
//! line breaks, and other non-ASCII symbols left between words (`«`, `€`, `°`, emoji; NFKC has made
//! `…` three dots). There are no combining marks, no invisible characters and no control
//! characters other than `\n`. So a
//! token is ASCII unless it holds a letter of another script or an unfolded letter (`ð`), and a
//! non-ASCII character next to a token is a symbol, never part of it: the stages that only handle
//! ASCII words (segmentation) say what they do with such neighbours.

/// The byte spans of a text's tokens, in order.
pub fn spans(text: &str) -> Spans<'_> {
    Spans { text, at: 0 }
}

/// [`spans`] into `out`, cleared first (a buffer reused from text to text).
pub fn spans_into(text: &str, out: &mut Vec<(usize, usize)>) {
    out.clear();
    out.extend(spans(text));
}

/// A text's tokens, in order.
pub fn tokens(text: &str) -> impl Iterator<Item = &str> {
    spans(text).map(move |(s, e)| &text[s..e])
}

/// Split a normalized text into sentences (on `.`, `!`, `?`, `;`, `:`, `…` and line breaks),
/// leaving out those without a token.
pub fn sentences(normalized: &str) -> impl Iterator<Item = &str> {
    normalized
        .split(['.', '!', '?', ';', ':', '\n', '…'])
        .filter(|s| s.chars().any(char::is_alphanumeric))
}

/// Iterator of [`spans`]. It reads bytes: an ASCII byte is classed by a table, and only the
/// first byte of a non-ASCII character is decoded (most of a comment is ASCII).
#[derive(Debug, Clone)]
pub struct Spans<'a> {
    text: &'a str,
    /// Byte offset of the next character to read (always on a character boundary).
    at: usize,
}

/// Whether each ASCII byte is a letter or a digit (`char::is_alphanumeric` for ASCII).
const ASCII_ALNUM: [bool; 128] = {
    let mut t = [false; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};

impl Spans<'_> {
    /// Whether the character at byte `i` (a boundary) is alphanumeric, and its length in bytes.
    /// The ASCII test always inlined (some token loops called all of this for every byte), the
    /// rest apart.
    #[inline(always)]
    fn class(&self, i: usize) -> (bool, usize) {
        let b = self.text.as_bytes()[i];
        if b < 0x80 {
            return (ASCII_ALNUM[b as usize], 1);
        }
        self.class_non_ascii(i)
    }

    /// [`Spans::class`] of a non-ASCII character.
    #[inline(never)]
    fn class_non_ascii(&self, i: usize) -> (bool, usize) {
        // `i` is a character boundary inside the text: there is a character there.
        self.text[i..]
            .chars()
            .next()
            .map_or((false, 1), |c| (c.is_alphanumeric(), c.len_utf8()))
    }
}

impl Iterator for Spans<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let len = self.text.len();
        let mut i = self.at;
        let start = loop {
            if i >= len {
                self.at = len;
                return None;
            }
            let (alnum, n) = self.class(i);
            if alnum {
                break i;
            }
            i += n;
        };
        i = start;
        while i < len {
            let (alnum, n) = self.class(i);
            if !alnum {
                // The character that ends the token is a separator: skipping it loses nothing.
                self.at = i + n;
                return Some((start, i));
            }
            i += n;
        }
        self.at = len;
        Some((start, len))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::text::normalize::normalize;

    /// Texts normalized from random pieces of what comments hold: ASCII, punctuation, accents,
    /// look-alikes, other scripts, symbols, emoji, invisible characters.
    pub(crate) fn normalized_samples() -> Vec<String> {
        const PIECES: &[&str] = &[
            "a", "b", "e", "o", "z", "de", "connard", "fini", "rats", "You", "X", "0", "1", "7",
            "42", " ", " ", " ", "  ", "\n", ".", ",", "!", "?", "'", "’", "-", "_", "*", "/", "@",
            "$", "&", "#", "(", ")", "\"", "é", "É", "à", "ç", "œ", "ß", "ð", "þ", "ø", "е", "о",
            "α", "ж", "ب", "中", "…", "«", "»", "€", "°", "²", "½", "🙂", "🤬", "\u{200B}",
            "\u{0301}", "\u{00AD}", "\t", "ＡＢ", "𝐜", "ﬁ",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        (0..20_000)
            .map(|_| {
                let len = 1 + next(24);
                let raw: String = (0..len).map(|_| PIECES[next(PIECES.len())]).collect();
                normalize(&raw)
            })
            .collect()
    }

    /// `normalize::tokens` before this module: split on anything not alphanumeric.
    fn old_normalize_tokens(text: &str) -> Vec<&str> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// `features::token_spans` before this module.
    fn old_feature_spans(text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            if c.is_alphanumeric() {
                if start.is_none() {
                    start = Some(i);
                }
            } else if let Some(s) = start.take() {
                out.push((s, i));
            }
        }
        if let Some(s) = start {
            out.push((s, text.len()));
        }
        out
    }

    #[test]
    fn the_tokens_of_the_old_rules() {
        let samples = normalized_samples();
        let mut buf = Vec::new();
        for text in &samples {
            assert_eq!(tokens(text).collect::<Vec<_>>(), old_normalize_tokens(text));
            spans_into(text, &mut buf);
            assert_eq!(buf, old_feature_spans(text), "{text:?}");
        }
        // The samples reach what the rules must agree on.
        let all = samples.concat();
        for c in ['«', '€', '🙂', 'ж', '中', '\n', '2', 'ð'] {
            assert!(
                all.contains(c),
                "{c:?} never reached the normalized samples"
            );
        }
    }

    /// The byte reader gives the spans of the character walk it replaced on any text, not only
    /// normalized ones (capitals and segmentation read the original text): ASCII and other
    /// scripts, combining marks, emoji, invisible and control characters.
    #[test]
    fn spans_of_raw_texts_are_those_of_a_character_walk() {
        let texts = [
            "",
            "a",
            " ",
            "ÉCOUTE-moi, ça va ?",
            "e\u{301}te\u{301} 🤬con🙂nard 2024\u{200B}x",
            "中文 テスト Ж ж ب١٢٣ ①② ½ x²",
            "\u{0}\t\r\nab\u{7f}cd\u{85}ef",
            "ＡＢ 𝐜𝐨𝐧 ﬁn ß ǅ",
        ];
        for text in texts {
            assert_eq!(
                spans(text).collect::<Vec<_>>(),
                old_feature_spans(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn tokens_and_sentences() {
        let n = normalize("Les rats, dehors! Vraiment.\nFin 2024… «ok» G7");
        assert_eq!(
            tokens(&n).collect::<Vec<_>>(),
            ["les", "rats", "dehors", "vraiment", "fin", "2024", "ok", "g7"]
        );
        assert_eq!(sentences(&n).count(), 4);
        assert_eq!(spans("ÇA va").collect::<Vec<_>>(), [(0, 3), (4, 6)]);
        assert_eq!(spans("").count(), 0);
        assert_eq!(spans(" ... ").count(), 0);
    }
}
