//! Features: a comment becomes a sparse vector.
//!
//! The [`Featurizer`] runs the text analyzer ([`crate::text::analyzer`]) and assembles three
//! blocks, laid out by [`Layout`] (the order is part of the model file format):
//! - [`signals`]: a small block of named signals ([`SIGNAL_NAMES`]): shouting, lexicon counts per
//!   category, co-occurrences in one sentence;
//! - [`evidence`]: naive-Bayes evidence, two features per label (word n-grams, character
//!   n-grams), from an evidence table far larger than the vocabulary;
//! - the vocabulary: word 1–2-grams over the normalized tokens, then character 2–5-grams inside
//!   word boundaries ([`ngrams`]), from a vocabulary chosen at training time
//!   ([`crate::train::vocab`]); each block weighted `(1 + ln tf) · idf` and scaled to unit L2 norm.
//!
//! The hot path: n-grams are looked up by hash in one table that answers for the vocabulary and
//! the evidence table at once ([`ngrams`]: no string per n-gram); counting uses per-thread
//! scratch memory (no allocation or sort per comment); each token's character n-gram answers are
//! cached per thread ([`cache`]).
//!
//! Where things go: a new feature family is a new block (its file here, its offset in
//! [`Layout`], its values pushed in [`Featurizer::analyze`]); a new dense signal is one line in
//! [`signals`].

mod cache;
mod config;
pub mod evidence;
pub mod layout;
pub mod ngrams;
pub mod signals;
pub mod sparse;
#[cfg(test)]
mod tests;
pub mod vectors;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::text::analyzer::{Analyzed, Analyzer, Vocabulary};
use crate::text::lang;
use crate::text::lexicon::{Category, LexMatch, Lexicon, LexiconSource};
use crate::text::shouting::Caps;
use crate::text::spans::{sentence_spans, Span};
use cache::TokenCache;
use evidence::Ratios;
use ngrams::{for_each_word_ngram, CharNgrams};

pub use config::FeatureConfig;
pub use evidence::{log_count_ratio, smoothed_log_count_ratio, Evidence, EvidenceEntry};
pub use layout::{Block, Layout};
pub use ngrams::{for_each_ngram, ngram_hash, NgramKind};
pub use signals::{Signal, N_SIGNALS, SIGNAL_NAMES};
pub use sparse::SparseVec;

/// One n-gram of the vocabulary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VocabEntry {
    pub kind: NgramKind,
    pub text: String,
    pub idf: f32,
}

/// Everything needed to rebuild the featurizer, stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    pub config: FeatureConfig,
    pub vocab: Vec<VocabEntry>,
    pub evidence: Evidence,
    pub lexicons: LexiconSource,
    /// Pretrained word vectors ([`vectors`]), when the model has the block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vectors: Option<vectors::WordVectors>,
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
    /// The factor the n-gram and evidence features were scaled by: 1, or less for a comment
    /// shorter than `short_text_tokens` words.
    pub damp: f32,
    /// Each word's part of the word-vector block, filled only by
    /// [`Featurizer::analyze_traced`]: its byte span in the normalized text, its row in the
    /// table, and its factor (damping included): its share of a score is `factor · (w · row)`.
    pub vector_shares: Vec<(u32, u32, u32, f32)>,
}

/// What an n-gram is in the model: a vocabulary feature, an evidence entry, or both ([`NONE`] for
/// neither).
#[derive(Debug, Clone, Copy)]
struct Slot {
    feature: u32,
    entry: u32,
}

const NONE: u32 = u32::MAX;

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
    /// The tokens the word-vector table knows: byte span, row, weight.
    known: Vec<(u32, u32, u32, f32)>,
    chars: CharNgrams,
    tokens: TokenCache,
    /// One bit per vocabulary feature, all clear between uses: see [`sort_features`].
    bits: Vec<u64>,
    /// One bit per word of `bits`, set when the word may have a bit set: all clear between uses.
    summary: Vec<u64>,
}

/// Sort the distinct vocabulary features of a text (`features`, each once, from `base`) in
/// place. Many of them (a long comment has hundreds, of a vocabulary of some thousands): set
/// their bits in `bits`, and the bit of each word of `bits` so set in `summary`, then read them
/// back in order, clearing them: this visits only the words of `bits` that have a feature
/// (a pass over all of them before, 375 words for 24,000 features), instead of a comparison
/// sort. Few: a comparison sort. The same order either way.
fn sort_features(features: &mut [u32], bits: &mut [u64], summary: &mut [u64], base: u32) {
    if features.len() < 48 {
        features.sort_unstable();
        return;
    }
    for &f in features.iter() {
        let i = (f - base) as usize;
        bits[i >> 6] |= 1 << (i & 63);
        summary[i >> 12] |= 1 << ((i >> 6) & 63);
    }
    let mut k = 0;
    for (s, marks) in summary.iter_mut().enumerate() {
        let mut marks = std::mem::take(marks);
        while marks != 0 {
            let w = s * 64 + marks.trailing_zeros() as usize;
            marks &= marks - 1;
            let mut set = std::mem::take(&mut bits[w]);
            while set != 0 {
                features[k] = base + (w as u32) * 64 + set.trailing_zeros();
                k += 1;
                set &= set - 1;
            }
        }
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The featurizer: configuration, the analyzer (cap, lexicons), and one lookup table for the
/// vocabulary and the evidence table.
#[derive(Debug, Clone)]
pub struct Featurizer {
    spec: FeatureSpec,
    layout: Layout,
    analyzer: Analyzer,
    /// N-gram hash → its vocabulary feature and evidence entry: one lookup per n-gram.
    table: FxHashMap<u64, Slot>,
    ratios: Ratios,
    /// Word n-grams in the vocabulary (stored first, then the character n-grams).
    n_word: usize,
    /// Vocabulary entries before the site's own block (`FeatureConfig::site_vocab`).
    n_base: usize,
    /// Identifies the tables a thread's [`TokenCache`] was filled from (clones share them).
    id: u64,
    /// The word-vector table, when the layout has the block.
    vectors: Option<std::sync::Arc<vectors::VectorTable>>,
}

/// Source of [`Featurizer::id`].
static NEXT_FEATURIZER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The segment stage of the analyzer asks the model's words through this.
impl Vocabulary for Featurizer {
    /// Whether a word is one of the model's word unigrams (vocabulary or evidence table).
    fn knows_word(&self, word: &str) -> bool {
        let site = (self.layout.vocab_base() + self.n_base) as u32;
        self.table
            .get(&ngram_hash(NgramKind::Word, word))
            .is_some_and(|s| s.entry != NONE || (s.feature != NONE && s.feature < site))
    }

    /// Whether a word is strong evidence for one of the labels (in the evidence table with a
    /// high log-count ratio).
    fn marks_a_label(&self, word: &str) -> bool {
        match self.table.get(&ngram_hash(NgramKind::Word, word)) {
            Some(slot) if slot.entry != NONE => self.ratios.marks_a_label(slot.entry),
            _ => false,
        }
    }

    /// The featurizer's id: its tables do not change once built.
    fn memo_id(&self) -> Option<u64> {
        Some(self.id)
    }
}

/// The n-gram counts of one text being featurized (in [`Scratch`]), and where each n-gram
/// occurred when traced.
/// `TRACE`: whether occurrences are recorded, a constant so that counting an untraced n-gram
/// tests nothing for it.
struct Tally<'s, const TRACE: bool> {
    counts: &'s mut [u32],
    entry_counts: &'s mut [u32],
    features: &'s mut Vec<u32>,
    entries: &'s mut Vec<u32>,
    occurrences: &'s mut Vec<Occurrence>,
    evidence_occurrences: &'s mut Vec<Occurrence>,
    vocab_base: usize,
}

impl<const TRACE: bool> Tally<'_, TRACE> {
    /// Count one occurrence of an n-gram the table holds. Always inlined: it runs for every
    /// n-gram occurrence, and as a call it cost some 7,000 instructions more per comment.
    #[inline(always)]
    fn count(&mut self, slot: Slot, kind: NgramKind, span: (usize, usize)) {
        let at = |feature| Occurrence {
            feature,
            kind,
            start: span.0 as u32,
            end: span.1 as u32,
            count: 0,
        };
        if slot.feature != NONE {
            let c = &mut self.counts[slot.feature as usize - self.vocab_base];
            if *c == 0 {
                self.features.push(slot.feature);
            }
            *c += 1;
            if TRACE {
                self.occurrences.push(at(slot.feature));
            }
        }
        if slot.entry != NONE {
            let c = &mut self.entry_counts[slot.entry as usize];
            if *c == 0 {
                self.entries.push(slot.entry);
            }
            *c += 1;
            if TRACE {
                self.evidence_occurrences.push(at(slot.entry));
            }
        }
    }
}

impl Featurizer {
    pub fn new(spec: FeatureSpec) -> crate::error::Result<Featurizer> {
        let bad = |m: &str| crate::error::Error::Model(m.to_string());
        let Some(n_base) = spec.vocab.len().checked_sub(spec.config.site_vocab) else {
            return Err(bad(
                "the site's vocabulary block is longer than the vocabulary",
            ));
        };
        // The model's word unigrams, so that a lexicon term glued to one of them is found (a
        // site's own words are not: they leave the base features as they were).
        let words = spec.vocab[..n_base]
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
        if spec.evidence.totals.len() != spec.evidence.labels.len() {
            return Err(bad("evidence totals do not match its labels"));
        }
        let layout = Layout::of(&spec);
        let vocab_base = layout.vocab_base();
        let mut table: FxHashMap<u64, Slot> = FxHashMap::default();
        table.reserve(spec.vocab.len() + spec.evidence.entries.len());
        let mut n_word = 0;
        for (i, e) in spec.vocab.iter().enumerate() {
            if e.kind == NgramKind::Word && i < n_base {
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
        // The vocabulary is stored words first, then chars (then the site's own n-grams): the
        // blocks are normalized separately.
        if spec.vocab[..n_word]
            .iter()
            .any(|e| e.kind != NgramKind::Word)
        {
            return Err(bad(
                "vocabulary must list word n-grams before character n-grams",
            ));
        }
        let ratios = Ratios::new(&spec.evidence, spec.config.evidence_smoothing).map_err(bad)?;
        for (i, EvidenceEntry(kind, text, _)) in spec.evidence.entries.iter().enumerate() {
            table
                .entry(ngram_hash(*kind, text))
                .or_insert(Slot {
                    feature: NONE,
                    entry: NONE,
                })
                .entry = i as u32;
        }
        let vectors = match &spec.vectors {
            Some(v) if spec.config.vectors_weight > 0.0 => Some(std::sync::Arc::new(v.load()?)),
            _ => None,
        };
        Ok(Featurizer {
            vectors,
            analyzer: Analyzer::new(spec.config.max_chars, lexicon)
                .with_identity_masked(spec.config.mask_identity),
            spec,
            layout,
            table,
            ratios,
            n_word,
            n_base,
            id: NEXT_FEATURIZER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    pub fn spec(&self) -> &FeatureSpec {
        &self.spec
    }

    pub fn config(&self) -> &FeatureConfig {
        &self.spec.config
    }

    /// The text analyzer this featurizer runs first.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    pub fn lexicon(&self) -> &Lexicon {
        self.analyzer.lexicon()
    }

    /// Where each block of the vector starts, and what each index is.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Whether an evidence entry is a word or a character n-gram.
    pub fn entry_kind(&self, entry: u32) -> NgramKind {
        self.ratios.kind(entry)
    }

    /// The log-count ratio of an evidence entry for a label.
    pub fn ratio(&self, entry: u32, label: usize) -> f32 {
        self.ratios.ratio(entry, label)
    }

    /// The log-count ratios of an evidence entry, one per label.
    pub fn ratios(&self, entry: u32) -> &[f32] {
        self.ratios.row(entry)
    }

    /// Index of the first evidence feature.
    pub fn evidence_base(&self) -> usize {
        self.layout.evidence_base()
    }

    /// Index of the first vocabulary feature.
    pub fn vocab_base(&self) -> usize {
        self.layout.vocab_base()
    }

    /// Number of features.
    pub fn dim(&self) -> usize {
        self.layout.dim()
    }

    /// Human-readable name of a feature.
    pub fn feature_name(&self, index: usize) -> String {
        self.layout.feature_name(&self.spec, index)
    }

    /// The evidence features of a comment from its evidence entries: per label, the mean
    /// log-count ratio of its word n-grams, then of its character n-grams. With `leave_out`
    /// (the comment's own labels, at training time), the comment's own counts are taken out of
    /// the table first.
    pub fn evidence_values(&self, entries: &[u32], leave_out: Option<&[Option<bool>]>) -> Vec<f32> {
        self.ratios.values(&self.spec.evidence, entries, leave_out)
    }

    pub fn analyze(&self, text: &str) -> Analysis {
        self.analyze_impl(text, false)
    }

    /// Like [`Featurizer::analyze`], also recording where each n-gram came from.
    pub fn analyze_traced(&self, text: &str) -> Analysis {
        self.analyze_impl(text, true)
    }

    /// The traced analysis of a text from its untraced one (made by [`Featurizer::analyze`] or
    /// [`Featurizer::pooled_sentences`]): the analyzer's output it holds (normalized text,
    /// capitals, lexicon hits, truncation) is featurized again, traced, without running the
    /// analyzer a second time. Its vector may have been taken out: it is computed again.
    pub fn traced(&self, analysis: Analysis) -> Analysis {
        let Analysis {
            normalized,
            caps,
            lexicon,
            truncated,
            ..
        } = analysis;
        self.featurize(
            Analyzed {
                truncated,
                caps,
                normalized,
                lexicon,
            },
            true,
        )
    }

    fn analyze_impl(&self, text: &str, trace: bool) -> Analysis {
        self.featurize(self.analyzer.analyze(text, self), trace)
    }

    /// The features of a text the analyzer has been through.
    fn featurize(&self, analyzed: Analyzed, trace: bool) -> Analysis {
        if trace {
            self.featurize_as::<true>(analyzed)
        } else {
            self.featurize_as::<false>(analyzed)
        }
    }

    /// [`Featurizer::featurize`], traced when `TRACE`.
    fn featurize_as<const TRACE: bool>(&self, analyzed: Analyzed) -> Analysis {
        let trace = TRACE;
        let config = &self.spec.config;
        let signals = signals::compute(&analyzed, config.shouting_floor, config.quoted_mentions);
        let Analyzed {
            truncated,
            caps,
            normalized,
            lexicon,
        } = analyzed;

        let vocab_base = self.layout.vocab_base();
        let (mut occurrences, mut evidence_occurrences) = if trace {
            (Vec::with_capacity(256), Vec::with_capacity(512))
        } else {
            (Vec::new(), Vec::new())
        };
        // Room for the n-gram blocks of most comments and the whole word-vector block, which
        // comes last: the vector is not moved to grow as the blocks are appended.
        let capacity = 256 + (self.layout.dim() - self.layout.vectors_base());
        let mut vector = SparseVec {
            idx: Vec::with_capacity(capacity),
            val: Vec::with_capacity(capacity),
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
                known,
                chars,
                tokens,
                bits,
                summary,
            } = &mut *scratch;
            counts.resize(counts.len().max(self.spec.vocab.len()), 0);
            bits.resize(bits.len().max(self.spec.vocab.len().div_ceil(64)), 0);
            summary.resize(summary.len().max(bits.len().div_ceil(64)), 0);
            entry_counts.resize(entry_counts.len().max(self.spec.evidence.entries.len()), 0);
            let mut tally = Tally::<TRACE> {
                counts,
                entry_counts,
                features,
                entries,
                occurrences: &mut occurrences,
                evidence_occurrences: &mut evidence_occurrences,
                vocab_base,
            };
            // The same n-grams in the same order as `for_each_ngram`: word n-grams, then each
            // token's character n-grams (through the cache).
            crate::text::tokenize::spans_into(&normalized, spans);
            for_each_word_ngram(&self.spec.config, &normalized, spans, |h, _, span| {
                if let Some(slot) = tokens.word(self, h) {
                    tally.count(slot, NgramKind::Word, span);
                }
            });
            known.clear();
            for &(s, e) in spans.iter() {
                let (found, vector) = tokens.lookup(self, &normalized[s..e], chars);
                for &slot in &tokens.slots[found] {
                    tally.count(slot, NgramKind::Char, (s, e));
                }
                if let Some((row, w)) = vector {
                    known.push((s as u32, e as u32, row, w));
                }
            }
            for o in &mut evidence_occurrences {
                o.count = entry_counts[o.feature as usize];
            }
            for o in &mut occurrences {
                o.count = counts[o.feature as usize - vocab_base];
            }
            let evidence_base = self.layout.evidence_base();
            // The evidence features (`evidence_values`), each entry's count cleared as it is read.
            let values = self
                .ratios
                .stored_values(entries, |e| entry_counts[e as usize] = 0);
            for (k, v) in values.into_iter().enumerate() {
                if v != 0.0 {
                    vector.idx.push((evidence_base + k) as u32);
                    vector.val.push(v);
                }
            }
            sort_features(features, bits, summary, vocab_base as u32);
            let chars = features.partition_point(|&id| id < (vocab_base + self.n_word) as u32);
            let site = features.partition_point(|&id| id < (vocab_base + self.n_base) as u32);
            // Each block takes its features' counts, leaving them zero.
            self.push_block(&features[..chars], counts, &mut vector);
            self.push_block(&features[chars..site], counts, &mut vector);
            self.push_block(&features[site..], counts, &mut vector);
            features.clear();
            // A copy of the exact size, so the scratch keeps its capacity.
            let list = entries.clone();
            entries.clear();
            (
                list,
                self.push_vectors(known, trace, &mut vector),
                spans.len(),
            )
        });
        let (evidence, mut vector_shares, n_tokens) = evidence;
        let damp = self.damp(n_tokens);
        if damp < 1.0 {
            let first = self.layout.evidence_base() as u32;
            for (&i, v) in vector.idx.iter().zip(vector.val.iter_mut()) {
                if i >= first {
                    *v *= damp;
                }
            }
            for share in &mut vector_shares {
                share.3 *= damp;
            }
        }
        Analysis {
            damp,
            normalized,
            caps,
            lexicon,
            vector,
            truncated,
            occurrences,
            evidence,
            evidence_occurrences,
            vector_shares,
        }
    }

    /// The word-vector block of the known tokens (looked up with the character n-grams, through
    /// the token cache) appended to `out` (nothing when the model has no table or no word is
    /// known); each word's share when traced.
    fn push_vectors(
        &self,
        known: &[(u32, u32, u32, f32)],
        trace: bool,
        out: &mut SparseVec,
    ) -> Vec<(u32, u32, u32, f32)> {
        let Some(table) = &self.vectors else {
            return Vec::new();
        };
        let pooled = table.pool_known(known, self.spec.config.vectors_weight, trace);
        let base = self.layout.vectors_base();
        // Every value written, the next one over it when it is zero, then the tail cut: no
        // branch and no capacity check per value.
        let start = out.idx.len();
        let n = pooled.values.len();
        out.idx.resize(start + n, 0);
        out.val.resize(start + n, 0.0);
        let (idx, val) = (&mut out.idx[start..], &mut out.val[start..]);
        let mut m = 0;
        for (k, &v) in pooled.values.iter().enumerate() {
            idx[m] = (base + k) as u32;
            val[m] = v;
            m += usize::from(v != 0.0);
        }
        out.idx.truncate(start + m);
        out.val.truncate(start + m);
        pooled.shares
    }

    /// Rows of the word-vector table (0 without a table).
    pub fn vector_rows(&self) -> usize {
        self.vectors.as_ref().map_or(0, |t| t.rows())
    }

    /// Row `row` of the word-vector table (empty without a table).
    pub fn vector_row(&self, row: u32) -> &[f32] {
        self.vectors.as_ref().map_or(&[], |t| t.row(row))
    }

    /// The short-text factor of a normalized comment of `n` tokens (see
    /// `FeatureConfig::short_text_tokens`).
    fn damp(&self, n: usize) -> f32 {
        let short = self.spec.config.short_text_tokens;
        if short == 0 {
            return 1.0;
        }
        let n = n as u32;
        if n >= short {
            1.0
        } else {
            (n as f32 / short as f32).sqrt()
        }
    }

    /// The sentences of a comment that take part in sentence pooling (see
    /// `FeatureConfig::sentence_pool`), each with its analysis (traced with `trace`): none when
    /// pooling is off or the comment is one sentence. With `FeatureConfig::clause_pool`, the
    /// clauses of each sentence that hold an abusive term too, the comment's one sentence
    /// included. `whole` is the comment's own analysis ([`Featurizer::analyze`]): a comment of
    /// one sentence is not analyzed again to find out whether it holds one.
    pub fn pooled_sentences(
        &self,
        text: &str,
        whole: &Analysis,
        trace: bool,
    ) -> Vec<(Span, Analysis)> {
        let pool = self.spec.config.sentence_pool as usize;
        if pool == 0 {
            return Vec::new();
        }
        let clauses = self.spec.config.clause_pool;
        let quoted = self.spec.config.quoted_mentions;
        // An abusive lexicon hit (an animal word in its own sense is none); `counted`: one that
        // counts in the signals (not a quoted mention either), which clause pooling asks for.
        let abusive = |lexicon: &[LexMatch], counted: bool| {
            lexicon.iter().any(|m| {
                matches!(
                    m.category,
                    Category::Slur | Category::Dehumanizing | Category::Threat | Category::Insult
                ) && !m.literal
                    && (!counted || signals::counts(m, quoted))
            })
        };
        // Within the cap, as the comment itself: text past it is not read.
        let (text, _) = crate::text::analyzer::cap(text, self.spec.config.max_chars);
        if !clauses && !crate::text::spans::may_have_sentences(text) {
            return Vec::new();
        }
        let spans = sentence_spans(text);
        if spans.len() < 2 {
            // One sentence: only its clauses may be pooled, if it holds an abusive term that
            // counts (the comment's own analysis says; several sentences are each analyzed, as a
            // quotation mark may open in one and close in another).
            if !clauses || !abusive(&whole.lexicon, true) {
                return Vec::new();
            }
            return spans
                .into_iter()
                .flat_map(|span| self.pooled_clauses(text, span, pool, &abusive, trace))
                .collect();
        }
        let mut out = Vec::new();
        for span in spans {
            // Whether a sentence is pooled depends on the analyzer's output only: a sentence
            // that is not is never featurized.
            let analyzed = self
                .analyzer
                .analyze(&text[span.byte_start..span.byte_end], self);
            if clauses && abusive(&analyzed.lexicon, true) {
                out.extend(self.pooled_clauses(text, span, pool, &abusive, trace));
            }
            let long = || {
                crate::text::tokenize::tokens(&analyzed.normalized)
                    .nth(pool - 1)
                    .is_some()
            };
            if abusive(&analyzed.lexicon, false) || long() {
                out.push((span, self.featurize(analyzed, trace)));
            }
        }
        out
    }

    /// The clauses of `sentence` that clause pooling keeps: those of at least `min_words` words
    /// holding an abusive term that counts (`abusive`), unless a negation or a verb of saying
    /// comes before their end in the sentence ([`lang::is_clause_frame`]): reported, denied or
    /// named, the sentence's own score stands.
    fn pooled_clauses(
        &self,
        text: &str,
        sentence: Span,
        min_words: usize,
        abusive: &impl Fn(&[LexMatch], bool) -> bool,
        trace: bool,
    ) -> Vec<(Span, Analysis)> {
        let mut out = Vec::new();
        for clause in crate::text::spans::clause_spans(text, sentence, lang::is_clause_opener) {
            let own = &text[clause.byte_start..clause.byte_end];
            // A frame word in this clause or an earlier one (the loop stops at the first): each
            // clause is read once, so a sentence of many commas costs no more than its length.
            // Read on the normalized words as written: the analyzer's glued-word splits could
            // cut one (`appelaient`).
            let words = crate::text::normalize::normalize(own);
            if crate::text::tokenize::tokens(&words).any(lang::is_clause_frame) {
                break;
            }
            let analyzed = self.analyzer.analyze(own, self);
            // As long as a pooled sentence must be: a clause of a few words alone (« Les
            // sangsues, », « Tu vas voir, ») has lost the context that says what it is about.
            let long = crate::text::tokenize::tokens(&analyzed.normalized)
                .nth(min_words.saturating_sub(1))
                .is_some();
            if long && abusive(&analyzed.lexicon, true) {
                out.push((clause, self.featurize(analyzed, trace)));
            }
        }
        out
    }

    /// Weighted, L2-normalized counts of one n-gram block (sorted distinct features, their counts
    /// in `counts` indexed from the vocabulary base) appended to `out`. The counts are taken:
    /// left zero for the next text (a pass of its own before).
    fn push_block(&self, features: &[u32], counts: &mut [u32], out: &mut SparseVec) {
        let start = out.val.len();
        let base = self.layout.vocab_base();
        let sublinear = self.spec.config.sublinear_tf;
        // Extended from slices (their length known), not pushed one at a time: no capacity
        // check per feature.
        out.idx.extend_from_slice(features);
        out.val.extend(features.iter().map(|&id| {
            let i = id as usize - base;
            let tf = std::mem::take(&mut counts[i]) as f32;
            let tf = if sublinear {
                // ln(1) is exactly 0: most n-grams occur once in a comment.
                if tf == 1.0 {
                    1.0
                } else {
                    1.0 + tf.ln()
                }
            } else {
                tf
            };
            tf * self.spec.vocab[i].idf
        }));
        let norm = out.val[start..].iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for v in &mut out.val[start..] {
                *v /= norm;
            }
        }
    }
}
