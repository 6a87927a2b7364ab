//! N-grams of a normalized text: word 1–2-grams over its tokens, character 2–5-grams inside word
//! boundaries (each word padded with a space on both sides, as scikit-learn's `char_wb`), and
//! the 64-bit FNV-1a hash they are looked up by.
//!
//! The hash is computed incrementally as an n-gram grows by one token or one character, and the
//! n-gram's bytes are handed out as a slice of a reused buffer: no string is allocated per
//! n-gram. The vocabulary and the evidence table store the n-gram text; their lookup table is
//! rebuilt from it with [`ngram_hash`], which equals the incremental hash.

use serde::{Deserialize, Serialize};

use super::FeatureConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NgramKind {
    Word,
    Char,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

#[inline]
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

fn seed(kind: NgramKind) -> u64 {
    fnv(FNV_OFFSET, &[kind as u8 + 1])
}

/// The hash of an n-gram's text, as used for lookups.
pub fn ngram_hash(kind: NgramKind, text: &str) -> u64 {
    fnv(seed(kind), text.as_bytes())
}

/// The plain FNV-1a hash of some bytes (no n-gram kind): the token cache's key.
#[inline]
pub(super) fn bytes_hash(bytes: &[u8]) -> u64 {
    fnv(FNV_OFFSET, bytes)
}

/// Call `f(kind, hash, bytes, span)` for every word and character n-gram of a normalized text.
/// `bytes` is the n-gram's text (char n-grams include the padding spaces); `span` the byte range
/// of the token(s) it came from.
pub fn for_each_ngram<F>(config: &FeatureConfig, normalized: &str, mut f: F)
where
    F: FnMut(NgramKind, u64, &[u8], (usize, usize)),
{
    let mut spans = Vec::with_capacity(64);
    crate::text::tokenize::spans_into(normalized, &mut spans);
    for_each_word_ngram(config, normalized, &spans, |h, b, span| {
        f(NgramKind::Word, h, b, span)
    });
    let mut chars = CharNgrams::default();
    let bytes = normalized.as_bytes();
    for &(s, e) in &spans {
        chars.for_each(config, &bytes[s..e], |h, b| {
            f(NgramKind::Char, h, b, (s, e))
        });
    }
}

/// Call `f(hash, bytes, span)` for every word n-gram of a normalized text whose token spans are
/// `spans`.
pub(super) fn for_each_word_ngram<F>(
    config: &FeatureConfig,
    normalized: &str,
    spans: &[(usize, usize)],
    mut f: F,
) where
    F: FnMut(u64, &[u8], (usize, usize)),
{
    let bytes = normalized.as_bytes();
    let (wmin, wmax) = config.word_ngrams;
    let wseed = seed(NgramKind::Word);
    let mut buf: Vec<u8> = Vec::with_capacity(64);
    for i in 0..spans.len() {
        let mut h = wseed;
        buf.clear();
        for n in 1..=wmax {
            if i + n > spans.len() {
                break;
            }
            let (s, e) = spans[i + n - 1];
            if n > 1 {
                h = fnv(h, b" ");
                buf.push(b' ');
            }
            h = fnv(h, &bytes[s..e]);
            buf.extend_from_slice(&bytes[s..e]);
            if n >= wmin {
                f(h, &buf, (spans[i].0, e));
            }
        }
    }
}

/// Working memory for the character n-grams of one token at a time.
#[derive(Default)]
pub(super) struct CharNgrams {
    buf: Vec<u8>,
    offs: Vec<usize>,
}

impl CharNgrams {
    /// Call `f(hash, bytes)` for every character n-gram of a token (padded with a space on both
    /// sides, as scikit-learn's `char_wb`).
    pub(super) fn for_each<F>(&mut self, config: &FeatureConfig, token: &[u8], mut f: F)
    where
        F: FnMut(u64, &[u8]),
    {
        let (cmin, cmax) = config.char_ngrams;
        if cmax == 0 {
            return;
        }
        let cseed = seed(NgramKind::Char);
        let CharNgrams { buf, offs } = self;
        buf.clear();
        buf.push(b' ');
        buf.extend_from_slice(token);
        buf.push(b' ');
        if buf.is_ascii() {
            // One byte per char: the n-grams are plain byte windows.
            for p in 0..buf.len() {
                let mut h = cseed;
                for n in 1..=cmax.min(buf.len() - p) {
                    h = fnv(h, &buf[p + n - 1..p + n]);
                    if n >= cmin {
                        f(h, &buf[p..p + n]);
                    }
                }
            }
            return;
        }
        offs.clear();
        // Char boundaries of the padded word, plus its end.
        let mut i = 0;
        while i < buf.len() {
            offs.push(i);
            i += utf8_len(buf[i]);
        }
        offs.push(buf.len());
        let nchars = offs.len() - 1;
        for p in 0..nchars {
            let mut h = cseed;
            for n in 1..=cmax {
                if p + n > nchars {
                    break;
                }
                h = fnv(h, &buf[offs[p + n - 1]..offs[p + n]]);
                if n >= cmin {
                    f(h, &buf[offs[p]..offs[p + n]]);
                }
            }
        }
    }
}

#[inline]
fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ngrams(text: &str) -> Vec<(NgramKind, String)> {
        let mut out = Vec::new();
        for_each_ngram(&FeatureConfig::default(), text, |k, h, b, _| {
            let s = String::from_utf8(b.to_vec()).unwrap();
            assert_eq!(
                h,
                ngram_hash(k, &s),
                "incremental hash must equal the full hash"
            );
            out.push((k, s));
        });
        out
    }

    #[test]
    fn word_and_char_ngrams() {
        let g = ngrams("sale rat");
        let words: Vec<_> = g
            .iter()
            .filter(|g| g.0 == NgramKind::Word)
            .map(|g| g.1.as_str())
            .collect();
        assert_eq!(words, ["sale", "sale rat", "rat"]);
        let chars: Vec<_> = g
            .iter()
            .filter(|g| g.0 == NgramKind::Char)
            .map(|g| g.1.as_str())
            .collect();
        assert!(chars.contains(&" s"));
        assert!(chars.contains(&"sale "));
        assert!(chars.contains(&" rat "));
        // Inside word boundaries: no n-gram spans two words.
        assert!(!chars.iter().any(|c| c.contains("e r")));
        // " rat " has 5 chars: 4 bigrams, 3 trigrams, 2 4-grams, 1 5-gram.
        let one = ngrams("rat");
        assert_eq!(
            one.iter().filter(|g| g.0 == NgramKind::Char).count(),
            4 + 3 + 2 + 1
        );
    }

    #[test]
    fn multibyte_char_ngrams() {
        let g = ngrams("été");
        assert!(g.iter().any(|g| g.1 == " été"));
    }
}
