//! The shouting signal, computed on the original text (normalization folds capitals away).
//!
//! Words are the tokenizer's ([`crate::text::tokenize`]: letters and digits, so `G7` is one word).
//! Acronyms are capitals too (ONU, OSDH, USA, OIAC, OTAN): a known acronym (each language's list,
//! in [`crate::text::lang`]), or any all-caps word of two to five letters standing among
//! lower-case words, does not count as shouting on its own. A run of such words next to each other
//! does ("NON MAIS ALLÔ").

use crate::text::{lang, tokenize};

/// Measurements of capitals in one comment.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Caps {
    /// Share of capitals among the letters outside acronyms, 0–1.
    pub ratio: f32,
    /// Letters outside acronyms.
    pub letters: usize,
    /// All-caps words that are not acronyms.
    pub caps_words: usize,
    /// Runs of three or more `!` or `?` (`!!!`, `?!?`).
    pub bang_runs: usize,
}

impl Caps {
    /// Shouting score 0–1: the share of capitals, discounted for very short comments (fewer than
    /// 12 letters outside acronyms), so that "OK" or "NON" alone are not shouting.
    pub fn shouting(&self) -> f32 {
        if self.letters == 0 {
            return 0.0;
        }
        let confidence = (self.letters as f32 / 12.0).min(1.0);
        self.ratio * confidence
    }
}

fn is_acronym(word: &str) -> bool {
    lang::is_acronym(&word.to_uppercase())
}

/// Measure capitals in the original text.
pub fn measure(text: &str) -> Caps {
    struct Word<'a> {
        text: &'a str,
        letters: usize,
        upper: usize,
    }
    let words: Vec<Word> = tokenize::tokens(text).map(make_word).collect();
    let mut bang_runs = 0;
    let mut bang = 0;
    // Bytes, not characters: `!` and `?` are ASCII, and the bytes of any other character reset
    // the run as the character would.
    for c in text.bytes() {
        if c == b'!' || c == b'?' {
            bang += 1;
        } else {
            if bang >= 3 {
                bang_runs += 1;
            }
            bang = 0;
        }
    }
    if bang >= 3 {
        bang_runs += 1;
    }
    fn make_word(text: &str) -> Word<'_> {
        let mut letters = 0;
        let mut upper = 0;
        for c in text.chars() {
            if c.is_alphabetic() {
                letters += 1;
                if c.is_uppercase() {
                    upper += 1;
                }
            }
        }
        Word {
            text,
            letters,
            upper,
        }
    }
    let all_caps = |w: &Word| w.letters >= 2 && w.upper == w.letters;
    let mut caps = Caps {
        bang_runs,
        ..Caps::default()
    };
    let mut upper = 0;
    for (i, w) in words.iter().enumerate() {
        let neighbour_caps = (i > 0 && all_caps(&words[i - 1]) && !is_acronym(words[i - 1].text))
            || (i + 1 < words.len() && all_caps(&words[i + 1]) && !is_acronym(words[i + 1].text));
        let acronym = all_caps(w) && (is_acronym(w.text) || (w.letters <= 5 && !neighbour_caps));
        if acronym {
            continue;
        }
        caps.letters += w.letters;
        upper += w.upper;
        if all_caps(w) {
            caps.caps_words += 1;
        }
    }
    if caps.letters > 0 {
        caps.ratio = upper as f32 / caps.letters as f32;
    }
    caps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_not_shouting() {
        let c = measure("Je ne suis pas d'accord avec cet article.");
        assert!(c.shouting() < 0.05, "{c:?}");
        assert_eq!(c.caps_words, 0);
    }

    #[test]
    fn acronyms_do_not_count() {
        let c = measure("Selon l'OSDH et l'ONU, les USA et l'OIAC savaient depuis longtemps.");
        assert!(c.shouting() < 0.05, "{c:?}");
        assert_eq!(c.caps_words, 0);
        // A short unknown acronym among lower-case words is not shouting either.
        let c = measure("Le rapport de la MINUL est sorti hier soir dans la presse.");
        assert_eq!(c.caps_words, 0, "{c:?}");
    }

    #[test]
    fn all_caps_comment_is_shouting() {
        let c = measure("VOUS ÊTES TOUS DES MENTEURS, ARRÊTEZ DE NOUS PRENDRE POUR DES CONS");
        assert!(c.shouting() > 0.95, "{c:?}");
        assert!(c.caps_words >= 10);
        // Short all-caps words next to each other are shouting, not acronyms.
        let c = measure("NON MAIS ALLÔ QUOI, C'EST PAS VRAI");
        assert!(c.shouting() > 0.9, "{c:?}");
    }

    #[test]
    fn very_short_caps_are_discounted() {
        assert!(measure("NON").shouting() < 0.5);
        assert_eq!(measure("").shouting(), 0.0);
        assert_eq!(measure("1312 !!!").shouting(), 0.0);
    }

    #[test]
    fn bang_runs_counted() {
        assert_eq!(measure("Quoi ??? Non !!! Bon?! ok ?!?!").bang_runs, 3);
        assert_eq!(measure("Oui ! Non ?").bang_runs, 0);
    }
}
