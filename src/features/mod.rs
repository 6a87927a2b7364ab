//! Features: a comment becomes a sparse vector.
//!
//! Layout of the vector (the order is part of the model file format):
//! - a small block of named signals ([`SIGNAL_NAMES`]): shouting, lexicon counts per category,
//!   co-occurrences of an identity term with a dehumanizing, threat or slur term in one sentence,
//!   an insult in a sentence addressed to "you";
//! - naive-Bayes evidence, two features per label (word n-grams, character n-grams): the mean
//!   log-count ratio `ln P(n-gram | label) − ln P(n-gram | not label)` over the comment's n-grams
//!   found in the evidence table ([`Evidence`]), which holds far more n-grams than the vocabulary
//!   (the "NB" of NB-SVM / NB-LR, Wang & Manning 2012); at training time each comment's own
//!   counts are left out of its evidence (leave-one-out), so the model never learns from a
//!   feature that saw the row's label;
//! - word 1–2-grams over the normalized tokens, then character 2–5-grams inside word boundaries
//!   (each word padded with a space on both sides, as scikit-learn's `char_wb`), from a vocabulary
//!   chosen at training time ([`crate::train::vocab`]); each block weighted `(1 + ln tf) · idf` and
//!   scaled to unit L2 norm.
//!
//! N-grams are looked up by a 64-bit FNV-1a hash of their bytes, so scoring allocates no string per
//! n-gram; the vocabulary stores the n-gram text, and the lookup table is rebuilt from it on load.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::text::lexicon::{Category, LexMatch, Lexicon, LexiconSource};
use crate::text::normalize::normalize;
use crate::text::shouting::{self, Caps};

/// Names of the dense features, in vector order.
pub const SIGNAL_NAMES: [&str; 13] = [
    "shouting",
    "caps_words",
    "bang_runs",
    "lex:slur",
    "lex:dehumanizing",
    "lex:threat",
    "lex:insult",
    "lex:profanity",
    "lex:identity",
    "identity+dehumanizing",
    "identity+threat",
    "identity+slur",
    "you+insult",
];
pub const N_SIGNALS: usize = SIGNAL_NAMES.len();
const LEX_BASE: usize = 3;

/// Featurizer settings, stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// Smallest and largest word n-gram.
    pub word_ngrams: (usize, usize),
    /// Smallest and largest character n-gram (inside word boundaries).
    pub char_ngrams: (usize, usize),
    /// An n-gram must occur in at least this many training comments.
    pub min_df: u32,
    /// An n-gram in more than this share of training comments is dropped.
    pub max_df: f32,
    /// Number of n-grams kept, chosen by chi-squared against the labels.
    pub max_features: usize,
    /// `1 + ln(tf)` instead of raw counts.
    pub sublinear_tf: bool,
    /// Only the first `max_chars` characters of a comment are featurized.
    pub max_chars: usize,
    /// Number of n-grams in the evidence table (0: no evidence features).
    pub max_evidence: usize,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            word_ngrams: (1, 2),
            char_ngrams: (2, 5),
            min_df: 2,
            max_df: 0.5,
            max_features: 12000,
            sublinear_tf: true,
            max_chars: 20_000,
            max_evidence: 200_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NgramKind {
    Word,
    Char,
}

/// One n-gram of the vocabulary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VocabEntry {
    pub kind: NgramKind,
    pub text: String,
    pub idf: f32,
}

/// One n-gram of the evidence table: kind, text, and per label its number of positive and of
/// negative training comments (`[pos_0, neg_0, pos_1, neg_1, …]`). Stored as a JSON array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceEntry(pub NgramKind, pub String, pub Vec<u32>);

/// Naive-Bayes evidence: document counts of many n-grams per label.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Evidence {
    /// Labels, in model order.
    pub labels: Vec<String>,
    /// Per label: training comments where it is positive, and negative.
    pub totals: Vec<(u32, u32)>,
    pub entries: Vec<EvidenceEntry>,
}

/// Smoothed log-count ratio of an n-gram in `pos` of `total_pos` positive and `neg` of
/// `total_neg` negative comments: ln((pos+1)/(P+2)) − ln((neg+1)/(N+2)), clipped to ±5.
pub fn log_count_ratio(pos: u32, neg: u32, total_pos: u32, total_neg: u32) -> f32 {
    let p = (pos as f32 + 1.0) / (total_pos as f32 + 2.0);
    let q = (neg as f32 + 1.0) / (total_neg as f32 + 2.0);
    (p.ln() - q.ln()).clamp(-5.0, 5.0)
}

/// Everything needed to rebuild the featurizer, stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    pub config: FeatureConfig,
    pub vocab: Vec<VocabEntry>,
    pub evidence: Evidence,
    pub lexicons: LexiconSource,
}

/// A sparse vector: indices strictly increasing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec {
    pub idx: Vec<u32>,
    pub val: Vec<f32>,
}

impl SparseVec {
    /// Replace the values of indices `start..start + values.len()` (zeros are left out).
    pub fn set_range(&mut self, start: u32, values: &[f32]) {
        let end = start + values.len() as u32;
        let lo = self.idx.partition_point(|&i| i < start);
        let hi = self.idx.partition_point(|&i| i < end);
        let (idx, val): (Vec<u32>, Vec<f32>) = values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(k, &v)| (start + k as u32, v))
            .unzip();
        self.idx.splice(lo..hi, idx);
        self.val.splice(lo..hi, val);
    }

    pub fn dot(&self, dense: &[f32]) -> f32 {
        self.idx
            .iter()
            .zip(&self.val)
            .map(|(&i, &v)| dense[i as usize] * v)
            .sum()
    }
}

/// Where an n-gram occurrence came from, for explanations: byte range in the normalized text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub feature: u32,
    pub kind: NgramKind,
    pub start: u32,
    pub end: u32,
    /// How many times the comment has this feature (or evidence entry).
    pub count: u32,
}

/// A featurized comment.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub normalized: String,
    pub caps: Caps,
    pub lexicon: Vec<LexMatch>,
    pub vector: SparseVec,
    /// True when the comment was longer than `max_chars` and only its start was featurized.
    pub truncated: bool,
    /// N-gram occurrences, filled only by [`Featurizer::analyze_traced`].
    pub occurrences: Vec<Occurrence>,
    /// Evidence-table entries present in the comment (each once, in order of first occurrence).
    pub evidence: Vec<u32>,
    /// Where each evidence entry occurred, filled only by [`Featurizer::analyze_traced`]
    /// (`feature` holds the entry).
    pub evidence_occurrences: Vec<Occurrence>,
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

/// Byte spans of the word tokens of a normalized text.
fn token_spans(normalized: &str, out: &mut Vec<(usize, usize)>) {
    out.clear();
    let mut start = None;
    for (i, c) in normalized.char_indices() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(s) = start.take() {
            out.push((s, i));
        }
    }
    if let Some(s) = start {
        out.push((s, normalized.len()));
    }
}

/// Call `f(kind, hash, bytes, span)` for every word and character n-gram of a normalized text.
/// `bytes` is the n-gram's text (char n-grams include the padding spaces); `span` the byte range
/// of the token(s) it came from.
pub fn for_each_ngram<F>(config: &FeatureConfig, normalized: &str, mut f: F)
where
    F: FnMut(NgramKind, u64, &[u8], (usize, usize)),
{
    let mut spans = Vec::with_capacity(64);
    token_spans(normalized, &mut spans);
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
fn for_each_word_ngram<F>(
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
struct CharNgrams {
    buf: Vec<u8>,
    offs: Vec<usize>,
}

impl CharNgrams {
    /// Call `f(hash, bytes)` for every character n-gram of a token (padded with a space on both
    /// sides, as scikit-learn's `char_wb`).
    fn for_each<F>(&mut self, config: &FeatureConfig, token: &[u8], mut f: F)
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

/// Cut a text to at most `max_chars` characters (on a char boundary).
fn cap(text: &str, max_chars: usize) -> (&str, bool) {
    match text.char_indices().nth(max_chars) {
        Some((i, _)) => (&text[..i], true),
        None => (text, false),
    }
}

/// What an n-gram is in the model: a vocabulary feature, an evidence entry, or both ([`NONE`] for
/// neither).
#[derive(Debug, Clone, Copy)]
struct Slot {
    feature: u32,
    entry: u32,
}

const NONE: u32 = u32::MAX;

/// Log-count ratio from which a word marks a label strongly enough for a glued token to be split
/// around it (e^1.5 ≈ 4.5 times more frequent, smoothed, in that label's comments).
const STRONG_EVIDENCE: f32 = 1.5;

/// Per-thread working memory of [`Featurizer::analyze`]: n-gram counts indexed by feature and by
/// evidence entry, so that counting needs no sort and no allocation per comment, and the cache of
/// each token's character n-grams. Every use leaves the counts zeroed.
#[derive(Default)]
struct Scratch {
    counts: Vec<u32>,
    entry_counts: Vec<u32>,
    features: Vec<u32>,
    entries: Vec<u32>,
    spans: Vec<(usize, usize)>,
    chars: CharNgrams,
    tokens: TokenCache,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Tokens whose character n-grams a thread keeps, and the slots they may hold in all: about
/// 5 MB at most per thread. When either is reached the cache starts over. On 300k benchmark
/// comments, one core, medians of 3 in one run: no cache 8.37 s, 2¹⁴ tokens and 2¹⁸ slots 7.44 s,
/// 2¹⁶ and 2²⁰ 7.26 s (and 10 MB more at peak); these, between, gave 1.20× in another run.
const CACHE_TOKENS: usize = 1 << 15;
const CACHE_SLOTS: usize = 1 << 19;
/// Longest token kept, in bytes: longer ones (links, runs of junk) seldom repeat, and the bound
/// keeps the stored bytes under 2 MB whatever the input.
const CACHE_TOKEN_BYTES: usize = 48;

/// The table's answers for each character n-gram of a token, looked up once per distinct token
/// and thread. Words repeat from comment to comment, and the `4 × (length + 2)` lookups of a
/// token's n-grams in a table of some 200k entries are most of the cost of featurizing. Exact: a
/// hit compares the token's bytes, and the cache belongs to one featurizer (`owner`), since a
/// thread may score with several models.
#[derive(Default)]
struct TokenCache {
    owner: u64,
    /// Hash of the token's bytes → where its bytes and its slots are stored.
    index: FxHashMap<u64, CachedToken>,
    bytes: Vec<u8>,
    /// For each cached token, the slots of its character n-grams found in the table, in n-gram
    /// order (`..cached`); after them, those of the last token looked up if it was not cached.
    slots: Vec<Slot>,
    cached: usize,
}

#[derive(Clone, Copy)]
struct CachedToken {
    bytes: (u32, u32),
    slots: (u32, u32),
}

impl TokenCache {
    /// The range of `self.slots` holding the table's slots for `token`'s character n-grams, valid
    /// until the next lookup.
    fn lookup(
        &mut self,
        featurizer: &Featurizer,
        token: &[u8],
        chars: &mut CharNgrams,
    ) -> std::ops::Range<usize> {
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
        let key = fnv(FNV_OFFSET, token);
        let keep = token.len() <= CACHE_TOKEN_BYTES;
        if keep {
            if let Some(t) = self.index.get(&key) {
                if &self.bytes[t.bytes.0 as usize..t.bytes.1 as usize] == token {
                    return t.slots.0 as usize..t.slots.1 as usize;
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
        // A token that collides with a cached one is answered but not kept.
        if keep && !self.index.contains_key(&key) {
            let b = self.bytes.len() as u32;
            self.bytes.extend_from_slice(token);
            self.index.insert(
                key,
                CachedToken {
                    bytes: (b, self.bytes.len() as u32),
                    slots: (start as u32, self.slots.len() as u32),
                },
            );
            self.cached = self.slots.len();
        }
        start..self.slots.len()
    }

    fn clear(&mut self) {
        self.index.clear();
        self.bytes.clear();
        self.slots.clear();
        self.cached = 0;
        // After a very long uncached token.
        self.slots.shrink_to(CACHE_SLOTS);
    }
}

/// Words that address the reader or another commenter.
const SECOND_PERSON: &[&str] = &[
    "tu", "t", "toi", "te", "ta", "tes", "ton", "vous", "vos", "votre", "you", "your", "youre",
    "ur", "u", "yourself",
];

/// The featurizer: configuration, vocabulary and evidence lookup tables, compiled lexicons.
#[derive(Debug, Clone)]
pub struct Featurizer {
    spec: FeatureSpec,
    /// N-gram hash → its vocabulary feature and evidence entry: one lookup per n-gram.
    table: FxHashMap<u64, Slot>,
    /// Log-count ratio per evidence entry and label (`entry * labels + label`).
    ratios: Vec<f32>,
    /// Kind of each evidence entry, apart from the entries themselves (which hold their text and
    /// counts): scoring reads it for every entry a comment has.
    entry_kinds: Vec<NgramKind>,
    lexicon: Lexicon,
    n_word: usize,
    /// Identifies the tables a thread's [`TokenCache`] was filled from (clones share them).
    id: u64,
}

/// Source of [`Featurizer::id`].
static NEXT_FEATURIZER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Featurizer {
    pub fn new(spec: FeatureSpec) -> crate::error::Result<Featurizer> {
        let bad = |m: &str| crate::error::Error::Model(m.to_string());
        // The model's word unigrams, so that a lexicon term glued to one of them is found.
        let words = spec
            .vocab
            .iter()
            .filter(|e| e.kind == NgramKind::Word)
            .map(|e| e.text.as_str())
            .chain(
                spec.evidence
                    .entries
                    .iter()
                    .filter(|e| e.0 == NgramKind::Word)
                    .map(|e| e.1.as_str()),
            )
            .filter(|w| !w.contains(' '));
        let lexicon = Lexicon::new(&spec.lexicons)?.with_known_words(words);
        let n_labels = spec.evidence.labels.len();
        if spec.evidence.totals.len() != n_labels {
            return Err(bad("evidence totals do not match its labels"));
        }
        let vocab_base = N_SIGNALS + 2 * n_labels;
        let mut table: FxHashMap<u64, Slot> = FxHashMap::default();
        table.reserve(spec.vocab.len() + spec.evidence.entries.len());
        let mut n_word = 0;
        for (i, e) in spec.vocab.iter().enumerate() {
            if e.kind == NgramKind::Word {
                n_word += 1;
            }
            table.insert(
                ngram_hash(e.kind, &e.text),
                Slot {
                    feature: (vocab_base + i) as u32,
                    entry: NONE,
                },
            );
        }
        // The vocabulary is stored words first, then chars: the blocks are normalized separately.
        if spec.vocab[..n_word]
            .iter()
            .any(|e| e.kind != NgramKind::Word)
        {
            return Err(bad(
                "vocabulary must list word n-grams before character n-grams",
            ));
        }
        let mut ratios = Vec::with_capacity(spec.evidence.entries.len() * n_labels);
        let entry_kinds = spec.evidence.entries.iter().map(|e| e.0).collect();
        for (i, EvidenceEntry(kind, text, counts)) in spec.evidence.entries.iter().enumerate() {
            if counts.len() != 2 * n_labels {
                return Err(bad("an evidence entry does not have two counts per label"));
            }
            table
                .entry(ngram_hash(*kind, text))
                .or_insert(Slot {
                    feature: NONE,
                    entry: NONE,
                })
                .entry = i as u32;
            for (l, &(p, n)) in spec.evidence.totals.iter().enumerate() {
                ratios.push(log_count_ratio(counts[2 * l], counts[2 * l + 1], p, n));
            }
        }
        Ok(Featurizer {
            spec,
            table,
            ratios,
            entry_kinds,
            lexicon,
            n_word,
            id: NEXT_FEATURIZER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// Whether a word is one of the model's word unigrams (vocabulary or evidence table).
    fn knows_word(&self, word: &str) -> bool {
        self.table.contains_key(&ngram_hash(NgramKind::Word, word))
    }

    /// Whether a word is strong evidence for one of the labels: in the evidence table with a
    /// log-count ratio of at least [`STRONG_EVIDENCE`] (e.g. `abruti`, `idiots`).
    fn marks_a_label(&self, word: &str) -> bool {
        let n = self.n_evidence_labels();
        match self.table.get(&ngram_hash(NgramKind::Word, word)) {
            Some(slot) if slot.entry != NONE => {
                let e = slot.entry as usize;
                self.ratios[e * n..(e + 1) * n]
                    .iter()
                    .any(|&r| r >= STRONG_EVIDENCE)
            }
            _ => false,
        }
    }

    pub fn spec(&self) -> &FeatureSpec {
        &self.spec
    }

    pub fn config(&self) -> &FeatureConfig {
        &self.spec.config
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    fn n_evidence_labels(&self) -> usize {
        self.spec.evidence.labels.len()
    }

    /// Whether an evidence entry is a word or a character n-gram.
    pub fn entry_kind(&self, entry: u32) -> NgramKind {
        self.entry_kinds[entry as usize]
    }

    /// The log-count ratio of an evidence entry for a label.
    pub fn ratio(&self, entry: u32, label: usize) -> f32 {
        self.ratios[entry as usize * self.n_evidence_labels() + label]
    }

    /// Index of the first evidence feature.
    pub fn evidence_base(&self) -> usize {
        N_SIGNALS
    }

    /// Index of the first vocabulary feature.
    pub fn vocab_base(&self) -> usize {
        N_SIGNALS + 2 * self.n_evidence_labels()
    }

    /// Number of features.
    pub fn dim(&self) -> usize {
        self.vocab_base() + self.spec.vocab.len()
    }

    /// Human-readable name of a feature.
    pub fn feature_name(&self, index: usize) -> String {
        if index < N_SIGNALS {
            return SIGNAL_NAMES[index].to_string();
        }
        if index < self.vocab_base() {
            let k = index - N_SIGNALS;
            let kind = if k.is_multiple_of(2) { "word" } else { "char" };
            return format!("evidence:{}:{kind}", self.spec.evidence.labels[k / 2]);
        }
        let e = &self.spec.vocab[index - self.vocab_base()];
        match e.kind {
            NgramKind::Word => format!("word:{}", e.text),
            NgramKind::Char => format!("char:\"{}\"", e.text),
        }
    }

    /// The evidence features of a comment from its evidence entries: per label, the mean
    /// log-count ratio of its word n-grams, then of its character n-grams. With `leave_out`
    /// (the comment's own labels, at training time), the comment's own counts are taken out of
    /// the table first.
    pub fn evidence_values(&self, entries: &[u32], leave_out: Option<&[Option<bool>]>) -> Vec<f32> {
        let n_labels = self.n_evidence_labels();
        let mut sums = vec![0f32; 2 * n_labels];
        let mut counts = [0u32; 2];
        for &e in entries {
            let k = (self.entry_kind(e) == NgramKind::Char) as usize;
            counts[k] += 1;
            let ratios = &self.ratios[e as usize * n_labels..(e as usize + 1) * n_labels];
            let Some(own) = leave_out else {
                // Scoring: the stored ratios.
                for (l, &r) in ratios.iter().enumerate() {
                    sums[2 * l + k] += r;
                }
                continue;
            };
            let entry = &self.spec.evidence.entries[e as usize];
            for (l, &stored) in ratios.iter().enumerate() {
                let r = match own.get(l).copied().flatten() {
                    None => stored,
                    Some(y) => {
                        let (tp, tn) = self.spec.evidence.totals[l];
                        let (p, n) = (entry.2[2 * l], entry.2[2 * l + 1]);
                        if y {
                            log_count_ratio(p.saturating_sub(1), n, tp.saturating_sub(1), tn)
                        } else {
                            log_count_ratio(p, n.saturating_sub(1), tp, tn.saturating_sub(1))
                        }
                    }
                };
                sums[2 * l + k] += r;
            }
        }
        for (i, v) in sums.iter_mut().enumerate() {
            let c = counts[i % 2];
            if c > 0 {
                *v /= c as f32;
            }
        }
        sums
    }

    pub fn analyze(&self, text: &str) -> Analysis {
        self.analyze_impl(text, false)
    }

    /// Like [`Featurizer::analyze`], also recording where each n-gram came from.
    pub fn analyze_traced(&self, text: &str) -> Analysis {
        self.analyze_impl(text, true)
    }

    fn analyze_impl(&self, text: &str, trace: bool) -> Analysis {
        let (text, truncated) = cap(text, self.spec.config.max_chars);
        let caps = shouting::measure(text);
        let normalized = normalize(text);
        let normalized = crate::text::segment::split_glued(
            &normalized,
            |w| self.knows_word(w),
            |pieces| {
                pieces
                    .iter()
                    .any(|p| self.lexicon.is_term(p) || self.marks_a_label(p))
            },
        )
        .unwrap_or(normalized);
        let mut lexicon = Vec::new();
        self.lexicon.find(&normalized, &mut lexicon);

        let mut signals = [0f32; N_SIGNALS];
        signals[0] = caps.shouting();
        signals[1] = (caps.caps_words as f32).ln_1p();
        signals[2] = (caps.bang_runs as f32).ln_1p();
        let mut counts = [0u32; 6];
        for m in &lexicon {
            counts[m.category.index()] += 1;
        }
        for c in Category::ALL {
            signals[LEX_BASE + c.index()] = (counts[c.index()] as f32).ln_1p();
        }
        let in_sentence = |a: Category, b: Category| {
            lexicon.iter().any(|m| {
                m.category == a
                    && lexicon
                        .iter()
                        .any(|o| o.category == b && o.sentence == m.sentence)
            })
        };
        signals[9] = in_sentence(Category::Identity, Category::Dehumanizing) as u8 as f32;
        signals[10] = in_sentence(Category::Identity, Category::Threat) as u8 as f32;
        signals[11] = in_sentence(Category::Identity, Category::Slur) as u8 as f32;
        if counts[Category::Insult.index()] > 0 {
            let you = crate::text::normalize::sentences(&normalized)
                .enumerate()
                .filter(|(_, s)| {
                    crate::text::normalize::tokens(s).any(|t| SECOND_PERSON.contains(&t))
                })
                .map(|(i, _)| i as u32)
                .collect::<Vec<_>>();
            signals[12] = lexicon
                .iter()
                .any(|m| m.category == Category::Insult && you.contains(&m.sentence))
                as u8 as f32;
        }

        let vocab_base = self.vocab_base();
        let (mut occurrences, mut evidence_occurrences) = if trace {
            (Vec::with_capacity(256), Vec::with_capacity(512))
        } else {
            (Vec::new(), Vec::new())
        };
        let mut vector = SparseVec {
            idx: Vec::with_capacity(128),
            val: Vec::with_capacity(128),
        };
        for (i, &v) in signals.iter().enumerate() {
            if v != 0.0 {
                vector.idx.push(i as u32);
                vector.val.push(v);
            }
        }
        let evidence = SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let Scratch {
                counts,
                entry_counts,
                features,
                entries,
                spans,
                chars,
                tokens,
            } = &mut *scratch;
            counts.resize(counts.len().max(self.spec.vocab.len()), 0);
            entry_counts.resize(entry_counts.len().max(self.spec.evidence.entries.len()), 0);
            let mut count = |slot: Slot, kind: NgramKind, span: (usize, usize)| {
                let at = |feature| Occurrence {
                    feature,
                    kind,
                    start: span.0 as u32,
                    end: span.1 as u32,
                    count: 0,
                };
                if slot.feature != NONE {
                    let c = &mut counts[slot.feature as usize - vocab_base];
                    if *c == 0 {
                        features.push(slot.feature);
                    }
                    *c += 1;
                    if trace {
                        occurrences.push(at(slot.feature));
                    }
                }
                if slot.entry != NONE {
                    let c = &mut entry_counts[slot.entry as usize];
                    if *c == 0 {
                        entries.push(slot.entry);
                    }
                    *c += 1;
                    if trace {
                        evidence_occurrences.push(at(slot.entry));
                    }
                }
            };
            // The same n-grams in the same order as `for_each_ngram`: word n-grams, then each
            // token's character n-grams (through the cache).
            token_spans(&normalized, spans);
            for_each_word_ngram(&self.spec.config, &normalized, spans, |h, _, span| {
                if let Some(&slot) = self.table.get(&h) {
                    count(slot, NgramKind::Word, span);
                }
            });
            let bytes = normalized.as_bytes();
            for &(s, e) in spans.iter() {
                let found = tokens.lookup(self, &bytes[s..e], chars);
                for &slot in &tokens.slots[found] {
                    count(slot, NgramKind::Char, (s, e));
                }
            }
            for o in &mut evidence_occurrences {
                o.count = entry_counts[o.feature as usize];
            }
            for o in &mut occurrences {
                o.count = counts[o.feature as usize - vocab_base];
            }
            for &e in entries.iter() {
                entry_counts[e as usize] = 0;
            }
            for (k, v) in self.evidence_values(entries, None).into_iter().enumerate() {
                if v != 0.0 {
                    vector.idx.push((N_SIGNALS + k) as u32);
                    vector.val.push(v);
                }
            }
            features.sort_unstable();
            let split = (vocab_base + self.n_word) as u32;
            let boundary = features.partition_point(|&id| id < split);
            self.push_block(&features[..boundary], counts, &mut vector);
            self.push_block(&features[boundary..], counts, &mut vector);
            for &f in features.iter() {
                counts[f as usize - vocab_base] = 0;
            }
            features.clear();
            // A copy of the exact size, so the scratch keeps its capacity.
            let list = entries.clone();
            entries.clear();
            list
        });
        Analysis {
            normalized,
            caps,
            lexicon,
            vector,
            truncated,
            occurrences,
            evidence,
            evidence_occurrences,
        }
    }

    /// Weighted, L2-normalized counts of one n-gram block (sorted distinct features, their counts
    /// in `counts` indexed from the vocabulary base) appended to `out`.
    fn push_block(&self, features: &[u32], counts: &[u32], out: &mut SparseVec) {
        let start = out.idx.len();
        let base = self.vocab_base();
        for &id in features {
            let tf = counts[id as usize - base] as f32;
            let tf = if self.spec.config.sublinear_tf {
                1.0 + tf.ln()
            } else {
                tf
            };
            out.idx.push(id);
            out.val.push(tf * self.spec.vocab[id as usize - base].idf);
        }
        let norm = out.val[start..].iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for v in &mut out.val[start..] {
                *v /= norm;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::lexicon::TermList;

    fn featurizer(vocab: &[(NgramKind, &str)]) -> Featurizer {
        Featurizer::new(FeatureSpec {
            config: FeatureConfig::default(),
            vocab: vocab
                .iter()
                .map(|(k, t)| VocabEntry {
                    kind: *k,
                    text: t.to_string(),
                    idf: 1.0,
                })
                .collect(),
            evidence: Evidence::default(),
            lexicons: LexiconSource {
                lists: vec![
                    TermList {
                        lang: "fr".into(),
                        category: Category::Dehumanizing,
                        terms: vec!["rats".into(), "bactéries".into()],
                    },
                    TermList {
                        lang: "fr".into(),
                        category: Category::Identity,
                        terms: vec!["syriens".into()],
                    },
                    TermList {
                        lang: "fr".into(),
                        category: Category::Insult,
                        terms: vec!["abruti".into()],
                    },
                ], ..Default::default() },
        })
        .unwrap()
    }

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

    #[test]
    fn vector_is_sorted_and_blocks_normalized() {
        let f = featurizer(&[
            (NgramKind::Word, "les"),
            (NgramKind::Word, "rats"),
            (NgramKind::Char, " ra"),
            (NgramKind::Char, "ts "),
        ]);
        let a = f.analyze("Les rats, les rats");
        let v = &a.vector;
        assert!(v.idx.windows(2).all(|w| w[0] < w[1]));
        let word: f32 = v
            .idx
            .iter()
            .zip(&v.val)
            .filter(|(&i, _)| (i as usize) >= N_SIGNALS && (i as usize) < N_SIGNALS + 2)
            .map(|(_, v)| v * v)
            .sum();
        assert!((word - 1.0).abs() < 1e-5);
        let chars: f32 = v
            .idx
            .iter()
            .zip(&v.val)
            .filter(|(&i, _)| (i as usize) >= N_SIGNALS + 2)
            .map(|(_, v)| v * v)
            .sum();
        assert!((chars - 1.0).abs() < 1e-5);
    }

    #[test]
    fn dense_signals() {
        let f = featurizer(&[]);
        let a = f.analyze("Les Syriens sont des rats.");
        let get = |a: &Analysis, name: &str| {
            let i = SIGNAL_NAMES.iter().position(|n| *n == name).unwrap() as u32;
            a.vector
                .idx
                .iter()
                .position(|&j| j == i)
                .map(|p| a.vector.val[p])
                .unwrap_or(0.0)
        };
        assert_eq!(get(&a, "identity+dehumanizing"), 1.0);
        assert!(get(&a, "lex:dehumanizing") > 0.0);
        // In different sentences: no co-occurrence.
        let b = f.analyze("Les Syriens sont arrivés. Les rats aussi.");
        assert_eq!(get(&b, "identity+dehumanizing"), 0.0);
        let c = f.analyze("T'es vraiment un abruti");
        assert_eq!(get(&c, "you+insult"), 1.0);
        let d = f.analyze("LES SYRIENS SONT DES RATS, TOUS DEHORS !!!");
        assert!(get(&d, "shouting") > 0.9);
        assert!(get(&d, "bang_runs") > 0.0);
    }

    #[test]
    fn long_comments_are_capped() {
        let cfg = FeatureConfig {
            max_chars: 10,
            ..FeatureConfig::default()
        };
        let f = Featurizer::new(FeatureSpec {
            config: cfg,
            vocab: vec![],
            evidence: Evidence::default(),
            lexicons: LexiconSource::default(),
        })
        .unwrap();
        let a = f.analyze("0123456789 rats");
        assert!(a.truncated);
        assert!(!f.analyze("court").truncated);
    }

    #[test]
    fn traced_occurrences_point_at_tokens() {
        let f = featurizer(&[(NgramKind::Word, "rats"), (NgramKind::Char, "ats ")]);
        let a = f.analyze_traced("des rats");
        assert_eq!(a.occurrences.len(), 2);
        for o in &a.occurrences {
            assert_eq!(&a.normalized[o.start as usize..o.end as usize], "rats");
        }
    }

    fn evidence_featurizer() -> Featurizer {
        // Two labels; "rats" seen in 9 of 10 positive and 1 of 30 negative comments for label 0.
        Featurizer::new(FeatureSpec {
            config: FeatureConfig::default(),
            vocab: vec![],
            evidence: Evidence {
                labels: vec!["toxic".into(), "threat".into()],
                totals: vec![(10, 30), (2, 38)],
                entries: vec![
                    EvidenceEntry(NgramKind::Word, "les".into(), vec![8, 25, 2, 31]),
                    EvidenceEntry(NgramKind::Word, "rats".into(), vec![9, 1, 1, 9]),
                    EvidenceEntry(NgramKind::Char, "ats ".into(), vec![9, 2, 1, 10]),
                ],
            },
            lexicons: LexiconSource::default(),
        })
        .unwrap()
    }

    #[test]
    fn glued_tokens_are_split_around_strong_evidence_only() {
        let f = evidence_featurizer();
        // `rats`: ln(10/12) − ln(2/32) ≈ 2.6 for `toxic`, a strong mark; `les` ≈ −0.1.
        assert_eq!(f.analyze("Ah, lesrats !").normalized, "ah, les rats !");
        assert!(!f.analyze("lesrats").evidence.is_empty());
        // Pieces that mark nothing: left glued.
        assert_eq!(f.analyze("leslesles").normalized, "leslesles");
        // Known words are never split.
        assert_eq!(f.analyze("les rats").normalized, "les rats");
    }

    #[test]
    fn evidence_features_are_mean_log_count_ratios() {
        let f = evidence_featurizer();
        assert_eq!(f.vocab_base(), N_SIGNALS + 4);
        let a = f.analyze("les rats");
        let mut present = a.evidence.clone();
        present.sort_unstable();
        assert_eq!(present, [0, 1, 2]);
        let v = f.evidence_values(&a.evidence, None);
        let r = |p, n, tp, tn| log_count_ratio(p, n, tp, tn);
        assert!((v[0] - (r(8, 25, 10, 30) + r(9, 1, 10, 30)) / 2.0).abs() < 1e-6);
        assert!((v[1] - r(9, 2, 10, 30)).abs() < 1e-6);
        assert!((v[2] - (r(2, 31, 2, 38) + r(1, 9, 2, 38)) / 2.0).abs() < 1e-6);
        assert!(v[0] > 0.5, "rats is evidence of toxic");
        // The analysis carries the same values in the evidence slots.
        let at = |i: usize| {
            a.vector
                .idx
                .iter()
                .position(|&j| j as usize == i)
                .map(|p| a.vector.val[p])
                .unwrap_or(0.0)
        };
        assert!((at(N_SIGNALS) - v[0]).abs() < 1e-6);
        assert!((at(N_SIGNALS + 3) - v[3]).abs() < 1e-6);
        assert_eq!(f.feature_name(N_SIGNALS + 1), "evidence:toxic:char");
        assert_eq!(f.feature_name(N_SIGNALS + 2), "evidence:threat:word");
    }

    /// A featurizer's analysis on a thread that has never featurized anything (empty cache).
    fn fresh(f: &Featurizer, text: &str) -> (SparseVec, Vec<Occurrence>) {
        std::thread::scope(|s| {
            s.spawn(|| {
                let a = f.analyze_traced(text);
                (a.vector, a.occurrences)
            })
            .join()
            .unwrap()
        })
    }

    #[test]
    fn the_token_cache_gives_each_featurizer_its_own_answers() {
        use NgramKind::{Char, Word};
        let text = "des rats partout, rats et ratons";
        // The same n-grams at other indices, so that one's cached slots are wrong for the other.
        let a = featurizer(&[(Word, "rats"), (Char, " ra"), (Char, "ats"), (Char, "ton")]);
        let b = featurizer(&[(Word, "partout"), (Char, "ats"), (Char, " ra")]);
        let (va, oa) = fresh(&a, text);
        let (vb, ob) = fresh(&b, text);
        assert_ne!(va, vb);
        for _ in 0..2 {
            for (f, v, o) in [(&a, &va, &oa), (&b, &vb, &ob)] {
                let got = f.analyze_traced(text);
                assert_eq!(&got.vector, v);
                assert_eq!(&got.occurrences, o);
                assert_eq!(&f.analyze(text).vector, v);
            }
        }
    }

    #[test]
    fn the_token_cache_starts_over_when_full_and_stays_exact() {
        use NgramKind::Char;
        let f = featurizer(&[(Char, " ra"), (Char, "ats"), (Char, "x1"), (Char, "7 ")]);
        let text = "des rats x17 partout";
        let (expected, _) = fresh(&f, text);
        // Over CACHE_TOKENS distinct tokens, 2,000 per comment.
        let mut n = 0;
        while n <= CACHE_TOKENS + 4000 {
            let comment: Vec<String> = (n..n + 2000).map(|i| format!("x{i}")).collect();
            let comment = comment.join(" ");
            let (v, _) = fresh(&f, &comment);
            assert_eq!(f.analyze(&comment).vector, v, "tokens from x{n}");
            assert_eq!(f.analyze(text).vector, expected, "tokens from x{n}");
            let (tokens, slots) = SCRATCH.with(|s| {
                let s = s.borrow();
                (s.tokens.index.len(), s.tokens.slots.len())
            });
            assert!(tokens <= CACHE_TOKENS, "{tokens} tokens cached");
            assert!(slots <= CACHE_SLOTS, "{slots} slots cached");
            n += 2000;
        }
    }

    #[test]
    fn long_tokens_are_answered_but_not_kept() {
        use NgramKind::Char;
        let f = featurizer(&[(Char, " ra"), (Char, "ats"), (Char, "ab")]);
        let long = "ab".repeat(3000);
        let text = format!("rats {long} rats");
        let (expected, occurrences) = fresh(&f, &text);
        for _ in 0..2 {
            let a = f.analyze_traced(&text);
            assert_eq!(a.vector, expected);
            assert_eq!(a.occurrences, occurrences);
        }
        let (tokens, bytes) = SCRATCH.with(|s| {
            let s = s.borrow();
            (s.tokens.index.len(), s.tokens.bytes.len())
        });
        assert_eq!((tokens, bytes), (1, 4), "only `rats` is kept");
    }

    #[test]
    fn leave_one_out_takes_the_comments_own_counts_out() {
        let f = evidence_featurizer();
        let own = [Some(true), None];
        let v = f.evidence_values(&[1], Some(&own));
        // Positive for toxic: one positive document less; threat unknown: unchanged.
        assert!((v[0] - log_count_ratio(8, 1, 9, 30)).abs() < 1e-6);
        assert!((v[2] - log_count_ratio(1, 9, 2, 38)).abs() < 1e-6);
        let neg = [Some(false), Some(false)];
        let w = f.evidence_values(&[1], Some(&neg));
        assert!((w[0] - log_count_ratio(9, 0, 10, 29)).abs() < 1e-6);
        assert!(
            w[0] > v[0],
            "leaving a negative out makes the n-gram look more toxic"
        );
    }

    #[test]
    fn set_range_replaces_a_block() {
        let mut v = SparseVec {
            idx: vec![1, 3, 4, 9],
            val: vec![1.0, 3.0, 4.0, 9.0],
        };
        v.set_range(3, &[0.5, 0.0, 0.7]);
        assert_eq!(v.idx, [1, 3, 5, 9]);
        assert_eq!(v.val, [1.0, 0.5, 0.7, 9.0]);
    }
}
