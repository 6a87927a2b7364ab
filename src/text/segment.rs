//! Glued words split into the words a model knows: `espèce deconnardfini` is read as
//! `espece de connard fini`, so the word and character n-grams of `connard` are there to be seen.
//!
//! Runs on the normalized text, before the lexicons and n-grams, at training and at scoring alike.
//! Only a token that could be glued is tried (see [`candidates`]): ASCII letters only (normalized
//! French and English), [`MIN_LEN`] bytes or more, and unknown to the model itself (a known word,
//! `salopette` or `antisemitisme`, is never split; nor is a real word of the dictionary, which
//! the analyzer checks first). It is split only when the whole of it is a
//! sequence of known words, each of three letters or more or one of the short pieces of a
//! language ([`lang::is_short_piece`]), the fewest pieces winning ([`glue::fewest_pieces`]), and
//! when the caller finds the pieces worth it: the featurizer asks for a lexicon term, or a word
//! that is strong evidence for a label (`abruti`), among them, so that only a glued insult, slur
//! or threat is split (`youtres`, a slur, is not `you` + `tres`, and the rare words the model never
//! saw keep their character n-grams). Anything else is left as it is.

use crate::text::glue::{self, MAX_PIECE, MIN_LEN};
use crate::text::{lang, tokenize};

/// The text with every glued token split (see the module documentation) when `worth` says its
/// pieces are worth it; `None` when nothing was split, so the caller keeps its string.
pub fn split_glued(
    text: &str,
    known: impl Fn(&str) -> bool,
    worth: impl Fn(&[&str]) -> bool,
) -> Option<String> {
    split_glued_by(text, |token| split_token(token, &known, &worth))
}

/// One candidate token (see [`candidates`]) as [`split_glued`] splits it: its words joined by
/// single spaces, or `None` when it is left as it is. It depends on the token alone (and on
/// `known` and `worth`), so a caller may remember it per token.
pub fn split_token(
    token: &str,
    known: &impl Fn(&str) -> bool,
    worth: &impl Fn(&[&str]) -> bool,
) -> Option<String> {
    if known(token) {
        return None;
    }
    let cuts = pieces(token, known)?;
    let words: Vec<&str> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .zip(cuts.iter().copied())
        .map(|(from, to)| &token[from..to])
        .collect();
    worth(&words).then(|| words.join(" "))
}

/// [`split_glued`] with each candidate token's split given by `split` (what [`split_token`]
/// returns for it); `None` when nothing was split, so the caller keeps its string.
pub fn split_glued_by(text: &str, mut split: impl FnMut(&str) -> Option<String>) -> Option<String> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    for (start, end) in candidates(text) {
        let Some(words) = split(&text[start..end]) else {
            continue;
        };
        let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 8));
        o.push_str(&text[copied..start]);
        o.push_str(&words);
        copied = end;
    }
    let mut o = out?;
    o.push_str(&text[copied..]);
    Some(o)
}

/// The tokens that could be glued words: [`MIN_LEN`] bytes or more of ASCII lower-case letters.
/// A token touching a non-ASCII character (`«deconnard»`, `deconnard🙂`) is left
/// alone too, as a token with an accent or of another script is: glued words are looked for in
/// plain ASCII text only.
pub fn candidates(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    tokenize::spans(text).filter(move |&(start, end)| {
        end - start >= MIN_LEN
            && bytes[start..end].iter().all(u8::is_ascii_lowercase)
            && (start == 0 || bytes[start - 1].is_ascii())
            && bytes.get(end).is_none_or(u8::is_ascii)
    })
}

/// The end offsets of the pieces of `token` (two or more known words, the fewest), or `None`.
fn pieces(token: &str, known: &impl Fn(&str) -> bool) -> Option<Vec<usize>> {
    let is_piece = |piece: &str| {
        if piece.len() >= 3 {
            known(piece)
        } else {
            lang::is_short_piece(piece)
        }
    };
    glue::fewest_pieces(token, MAX_PIECE, is_piece).filter(|cuts| cuts.len() >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: &[&str] = &[
        "connard",
        "connards",
        "fini",
        "bande",
        "vermine",
        "immonde",
        "tous",
        "des",
        "rats",
        "salopette",
        "pet",
        "ette",
        "you",
        "stupid",
        "bitch",
    ];

    fn split(text: &str) -> String {
        split_glued(text, |w| WORDS.contains(&w), |_| true).unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn glued_words_are_split_into_known_words() {
        assert_eq!(split("espece deconnardfini"), "espece de connard fini");
        assert_eq!(split("bandedeconnards !"), "bande de connards !");
        assert_eq!(split("cette vermineimmonde"), "cette vermine immonde");
        assert_eq!(split("tousdesrats, vraiment"), "tous des rats, vraiment");
        assert_eq!(split("youstupidbitch"), "you stupid bitch");
        assert_eq!(split("desrats"), "des rats");
    }

    #[test]
    fn known_unknown_and_short_tokens_are_left_alone() {
        // Known itself: never split, whatever its pieces.
        assert_eq!(split("une salopette bleue"), "une salopette bleue");
        // Not all of it is known words.
        assert_eq!(split("connardxyz"), "connardxyz");
        // Under MIN_LEN, digits, accents, other scripts.
        assert_eq!(split("derats"), "derats");
        assert_eq!(split("connard2fini"), "connard2fini");
        assert_eq!(split("connardé fini"), "connardé fini");
        assert_eq!(split("f-16 et covid19"), "f-16 et covid19");
        assert!(split_glued("rien à couper ici", |w| WORDS.contains(&w), |_| true).is_none());
    }

    #[test]
    fn split_only_when_the_pieces_are_worth_it() {
        let insult = |pieces: &[&str]| pieces.contains(&"connard");
        let split = |t: &str| split_glued(t, |w| WORDS.contains(&w), insult);
        assert_eq!(split("deconnardfini").as_deref(), Some("de connard fini"));
        assert_eq!(split("bandedesrats"), None);
        assert_eq!(
            split("tousdesrats deconnardfini").as_deref(),
            Some("tousdesrats de connard fini")
        );
    }

    /// The tokens the scan before the one tokenizer tried: maximal runs of ASCII alphanumeric or
    /// non-ASCII bytes, starting with an ASCII alphanumeric one, all ASCII lower-case letters.
    fn old_candidates(text: &str) -> Vec<(usize, usize)> {
        let is_word_byte = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80;
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_alphanumeric() || (i > 0 && is_word_byte(bytes[i - 1])) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && is_word_byte(bytes[i]) {
                i += 1;
            }
            let token = &text[start..i];
            if token.len() >= MIN_LEN && token.bytes().all(|b| b.is_ascii_lowercase()) {
                out.push((start, i));
            }
        }
        out
    }

    #[test]
    fn candidates_are_the_tokens_of_the_old_scan() {
        let mut beside_non_ascii = 0;
        for text in crate::text::tokenize::tests::normalized_samples() {
            let new: Vec<_> = candidates(&text).collect();
            assert_eq!(new, old_candidates(&text), "{text:?}");
            // Tokens the tokenizer gives but neither rule tries: next to a symbol like `«`.
            beside_non_ascii += tokenize::spans(&text)
                .filter(|&(s, e)| {
                    e - s >= MIN_LEN
                        && text[s..e].bytes().all(|b| b.is_ascii_lowercase())
                        && !new.contains(&(s, e))
                })
                .count();
        }
        assert!(beside_non_ascii > 100, "{beside_non_ascii}");
        assert!(candidates("«deconnard» deconnard🙂 deconnard").eq([(28, 37)]));
    }

    #[test]
    fn fewest_pieces_win() {
        // `salopette` could be `salo`+`pet`+`te` with other words known; as one known word it is
        // kept; as part of a glued token it is one piece.
        assert_eq!(split("dessalopette"), "des salopette");
        // `connards` (one piece) beats `connard`+`s` (and `s` is no piece anyway).
        assert_eq!(split("desconnards"), "des connards");
    }
}
