//! The token cache: each thread remembers, per distinct token, which of its character n-grams
//! the featurizer's table holds.
//!
//! Words repeat from comment to comment, and the `4 × (length + 2)` lookups of a token's
//! character n-grams in a table of some 200k entries are most of the cost of featurizing. The
//! cache is exact (a hit compares the token's bytes) and bounded (it starts over when full). It
//! keeps the token's word-vector row too, so that the vector table (a large map keyed by words,
//! one cache miss or more per lookup) is read once per distinct token as well.

use rustc_hash::FxHashMap;

use super::ngrams::{bytes_hash, CharNgrams};
use super::{Featurizer, Slot, NONE};

/// No feature and no entry: the table has nothing for an n-gram.
const EMPTY: Slot = Slot {
    feature: NONE,
    entry: NONE,
};

/// Tokens whose character n-grams a thread keeps, and the slots they may hold in all: about
/// 5 MB at most per thread. When either is reached the cache starts over. On 300k benchmark
/// comments, one core, medians of 3 in one run: no cache 8.37 s, 2¹⁴ tokens and 2¹⁸ slots 7.44 s,
/// 2¹⁶ and 2²⁰ 7.26 s (and 10 MB more at peak); these, between, gave 1.20× in another run.
pub(super) const CACHE_TOKENS: usize = 1 << 15;
pub(super) const CACHE_SLOTS: usize = 1 << 19;
/// Longest token kept, in bytes: longer ones (links, runs of junk) seldom repeat, and the bound
/// keeps the stored bytes under 2 MB whatever the input.
const CACHE_TOKEN_BYTES: usize = 48;

/// The table's answers for each character n-gram of a token, looked up once per distinct token
/// and thread. The cache belongs to one featurizer (`owner`), since a thread may score with
/// several models.
#[derive(Default)]
pub(super) struct TokenCache {
    owner: u64,
    /// Hash of the token's bytes → where its bytes and its slots are stored.
    pub(super) index: FxHashMap<u64, CachedToken>,
    pub(super) bytes: Vec<u8>,
    /// For each cached token, the slots of its character n-grams found in the table, in n-gram
    /// order (`..cached`); after them, those of the last token looked up if it was not cached.
    pub(super) slots: Vec<Slot>,
    cached: usize,
    /// The table's answers for recent word n-grams, by hash, direct-mapped (a comment's sentences
    /// are made of the n-grams the comment itself was just looked up by): the full hash is
    /// kept, so an answer is the table's for that hash or nothing.
    words: Vec<(u64, Slot)>,
}

/// Entries of [`TokenCache::words`] (16 bytes each: 16 KB, within a core's first-level cache).
const WORD_MEMO: usize = 1 << 10;

#[derive(Clone, Copy)]
pub(super) struct CachedToken {
    bytes: (u32, u32),
    slots: (u32, u32),
    vector: Option<(u32, f32)>,
}

impl TokenCache {
    /// The range of `self.slots` holding the table's slots for `token`'s character n-grams, valid
    /// until the next lookup, and the token's row and weight in the word-vector table, if the
    /// featurizer has one and it knows the word.
    pub(super) fn lookup(
        &mut self,
        featurizer: &Featurizer,
        token: &str,
        chars: &mut CharNgrams,
    ) -> (std::ops::Range<usize>, Option<(u32, f32)>) {
        let vector = || featurizer.vectors.as_ref().and_then(|t| t.word(token));
        let token = token.as_bytes();
        if self.owner != featurizer.id {
            self.clear();
            self.owner = featurizer.id;
        }
        if self.slots.capacity() == 0 {
            // Once per thread, so that the vectors never double past their bounds.
            self.slots.reserve_exact(CACHE_SLOTS);
            self.index.reserve(CACHE_TOKENS);
        }
        self.slots.truncate(self.cached);
        let key = bytes_hash(token);
        let keep = token.len() <= CACHE_TOKEN_BYTES;
        if keep {
            if let Some(t) = self.index.get(&key) {
                if &self.bytes[t.bytes.0 as usize..t.bytes.1 as usize] == token {
                    return (t.slots.0 as usize..t.slots.1 as usize, t.vector);
                }
            }
            let (cmin, cmax) = featurizer.spec.config.char_ngrams;
            let most = (cmax + 1).saturating_sub(cmin) * (CACHE_TOKEN_BYTES + 2);
            if self.index.len() >= CACHE_TOKENS || self.slots.len() + most > CACHE_SLOTS {
                self.clear();
            }
        }
        let start = self.slots.len();
        chars.for_each(&featurizer.spec.config, token, |h, _| {
            if let Some(&slot) = featurizer.table.get(&h) {
                self.slots.push(slot);
            }
        });
        let vector = vector();
        // A token that collides with a cached one is answered but not kept.
        if keep && !self.index.contains_key(&key) {
            let b = self.bytes.len() as u32;
            self.bytes.extend_from_slice(token);
            self.index.insert(
                key,
                CachedToken {
                    bytes: (b, self.bytes.len() as u32),
                    slots: (start as u32, self.slots.len() as u32),
                    vector,
                },
            );
            self.cached = self.slots.len();
        }
        (start..self.slots.len(), vector)
    }

    /// What the featurizer's table holds for the word n-gram of hash `h` (`None`: nothing).
    #[inline]
    pub(super) fn word(&mut self, featurizer: &Featurizer, h: u64) -> Option<Slot> {
        if self.owner != featurizer.id {
            self.clear();
            self.owner = featurizer.id;
        }
        if self.words.is_empty() {
            self.words = vec![(0, EMPTY); WORD_MEMO];
        }
        let at = ((h ^ (h >> 29)) as usize) & (WORD_MEMO - 1);
        let (key, slot) = self.words[at];
        // Hash 0 marks an empty entry: that one hash is always looked up in the table.
        if key == h && h != 0 {
            return (slot.feature != NONE || slot.entry != NONE).then_some(slot);
        }
        let found = featurizer.table.get(&h).copied();
        self.words[at] = (h, found.unwrap_or(EMPTY));
        found
    }

    fn clear(&mut self) {
        self.index.clear();
        self.bytes.clear();
        self.slots.clear();
        self.cached = 0;
        self.words.clear();
        // After a very long uncached token.
        self.slots.shrink_to(CACHE_SLOTS);
    }
}
