//! Stage 2, the vocabulary: what the n-gram features are, chosen at training time from the
//! training comments.
//!
//! **Vocabulary** (the n-grams that get their own weight), as scikit-learn's
//! `TfidfVectorizer(min_df, max_df)` followed by `SelectKBest(chi2)`:
//! 1. document frequencies of every word and character n-gram over the training comments;
//! 2. n-grams in fewer than `min_df` comments or in more than `max_df` of them are dropped;
//! 3. the rest are ranked per label by the chi-squared statistic of their presence against the
//!    label (over the comments where that label is known), and `max_features` are taken in turns:
//!    the main label's ranking gets as many turns as all the other labels' together (half the
//!    vocabulary), skipping repeats;
//! 4. idf = ln((1 + n) / (1 + df)) + 1, as scikit-learn's smoothed idf.
//!
//! **Evidence table** (naive-Bayes log-count ratios, see [`crate::features::Evidence`]): the
//! `max_evidence` n-grams with `min_df` or more documents that say most about any label, with
//! their positive and negative document counts per label. linfa-logistic is dense only, so the
//! vocabulary must stay small; the evidence table lets the model use many more n-grams through a
//! few dense features.
//!
//! Both lists are ordered word n-grams first, then character n-grams, each by text, so the model
//! file does not depend on hash-map order.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::io::dataset::Dataset;
use crate::text::analyzer::Analyzer;

use crate::features::{
    for_each_ngram, Evidence, EvidenceEntry, FeatureConfig, NgramKind, VocabEntry,
};

/// Per-n-gram counts over the training comments.
struct Stats {
    ids: FxHashMap<u64, u32>,
    kinds: Vec<NgramKind>,
    df: Vec<u32>,
    /// Per label: documents where the label is known and the n-gram present.
    known: Vec<Vec<u32>>,
    /// Per label: documents where the label is positive and the n-gram present.
    pos: Vec<Vec<u32>>,
}

fn count(config: &FeatureConfig, docs: &[String], labels: &[Vec<Option<bool>>]) -> Stats {
    let n_labels = labels.first().map_or(0, Vec::len);
    let mut st = Stats {
        ids: FxHashMap::default(),
        kinds: Vec::new(),
        df: Vec::new(),
        known: vec![Vec::new(); n_labels],
        pos: vec![Vec::new(); n_labels],
    };
    let mut seen: Vec<u32> = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        seen.clear();
        for_each_ngram(config, doc, |kind, h, _, _| {
            let next = st.ids.len() as u32;
            let id = *st.ids.entry(h).or_insert(next);
            if id == next {
                st.kinds.push(kind);
                st.df.push(0);
                for l in 0..n_labels {
                    st.known[l].push(0);
                    st.pos[l].push(0);
                }
            }
            seen.push(id);
        });
        seen.sort_unstable();
        seen.dedup();
        for &id in &seen {
            let id = id as usize;
            st.df[id] += 1;
            for (l, value) in labels[d].iter().enumerate() {
                if let Some(v) = value {
                    st.known[l][id] += 1;
                    if *v {
                        st.pos[l][id] += 1;
                    }
                }
            }
        }
    }
    st
}

/// The vocabulary and the evidence table for a set of training comments. `docs` are normalized
/// comments; `labels[d][l]` the value of label `l` for document `d` (None when unknown); `main`
/// the index of the main label; `names` the label names.
/// [`build`] on the rows `rows` of `ds`, read as `analyzer` reads them for the vocabulary
/// ([`Analyzer::for_vocabulary`]).
pub(crate) fn build_on_rows(
    config: &FeatureConfig,
    analyzer: &Analyzer,
    ds: &Dataset,
    rows: &[usize],
    main: usize,
) -> (Vec<VocabEntry>, Evidence) {
    let docs: Vec<String> = rows
        .par_iter()
        .map(|&i| analyzer.for_vocabulary(&ds.examples[i].text))
        .collect();
    let labels: Vec<Vec<Option<bool>>> = rows
        .iter()
        .map(|&i| ds.examples[i].labels.clone())
        .collect();
    build(config, &docs, &labels, &ds.labels, main)
}

pub fn build(
    config: &FeatureConfig,
    docs: &[String],
    labels: &[Vec<Option<bool>>],
    names: &[String],
    main: usize,
) -> (Vec<VocabEntry>, Evidence) {
    let st = count(config, docs, labels);
    let n_labels = names.len();
    let n_docs = docs.len() as f64;
    let totals: Vec<(u32, u32)> = (0..n_labels)
        .map(|l| {
            let known = labels.iter().filter(|r| r[l].is_some()).count() as u32;
            let pos = labels.iter().filter(|r| r[l] == Some(true)).count() as u32;
            (pos, known - pos)
        })
        .collect();
    let vocab_ids = select_vocab(config, &st, &totals, n_docs, main);
    let evidence_ids = select_evidence(config, &st, &totals);

    let wanted: FxHashSet<u32> = vocab_ids.iter().chain(&evidence_ids).copied().collect();
    let texts = recover_texts(config, docs, &st, &wanted);
    let text = |id: u32| texts.get(&id).cloned().unwrap_or_default();

    let mut vocab: Vec<VocabEntry> = vocab_ids
        .iter()
        .map(|&id| VocabEntry {
            kind: st.kinds[id as usize],
            idf: ((1.0 + n_docs) / (1.0 + st.df[id as usize] as f64)).ln() as f32 + 1.0,
            text: text(id),
        })
        .collect();
    vocab.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.text.cmp(&b.text)));

    let mut entries: Vec<EvidenceEntry> = evidence_ids
        .iter()
        .map(|&id| {
            let i = id as usize;
            let counts = (0..n_labels)
                .flat_map(|l| [st.pos[l][i], st.known[l][i] - st.pos[l][i]])
                .collect();
            EvidenceEntry(st.kinds[i], text(id), counts)
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let evidence = Evidence {
        labels: names.to_vec(),
        totals,
        entries,
    };
    (vocab, evidence)
}

fn select_vocab(
    config: &FeatureConfig,
    st: &Stats,
    totals: &[(u32, u32)],
    n_docs: f64,
    main: usize,
) -> Vec<u32> {
    let n_labels = totals.len();
    let max_df = (config.max_df as f64 * n_docs).max(1.0);
    let candidates: Vec<u32> = (0..st.df.len() as u32)
        .filter(|&i| {
            let df = st.df[i as usize];
            df >= config.min_df && (df as f64) <= max_df
        })
        .collect();
    // Rank candidates by chi-squared for each label.
    let mut rankings: Vec<Vec<u32>> = Vec::with_capacity(n_labels);
    for (l, &(n_pos, n_neg)) in totals.iter().enumerate() {
        let mut scored: Vec<(f64, u32)> = candidates
            .iter()
            .map(|&i| {
                let a = st.pos[l][i as usize] as f64; // present, positive
                let b = st.known[l][i as usize] as f64 - a; // present, negative
                (chi2(a, b, n_pos as f64, n_neg as f64), i)
            })
            .filter(|(s, _)| *s > 0.0)
            .collect();
        scored.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        rankings.push(scored.into_iter().map(|(_, i)| i).collect());
    }
    // The main label takes as many turns as all the others together.
    let others: Vec<usize> = (0..n_labels).filter(|&l| l != main).collect();
    let order: Vec<usize> = std::iter::repeat_n(main, others.len().max(1))
        .chain(others)
        .collect();
    let mut chosen: Vec<u32> = Vec::new();
    let mut taken: FxHashSet<u32> = FxHashSet::default();
    let mut cursors = vec![0usize; n_labels];
    let target = config.max_features.min(candidates.len());
    'outer: while chosen.len() < target {
        let mut progressed = false;
        for &l in &order {
            let ranking = &rankings[l];
            while cursors[l] < ranking.len() {
                let id = ranking[cursors[l]];
                cursors[l] += 1;
                if taken.insert(id) {
                    chosen.push(id);
                    progressed = true;
                    break;
                }
            }
            if chosen.len() >= target {
                break 'outer;
            }
        }
        if !progressed {
            break;
        }
    }
    chosen
}

/// The evidence n-grams: df >= max(min_df, 2), ranked by how much they say about any label
/// (largest |log-count ratio|, damped for rare n-grams by ln(1 + df)).
fn select_evidence(config: &FeatureConfig, st: &Stats, totals: &[(u32, u32)]) -> Vec<u32> {
    if config.max_evidence == 0 {
        return Vec::new();
    }
    let min_df = config.min_df.max(2);
    let mut scored: Vec<(f64, u32)> = (0..st.df.len())
        .filter(|&i| st.df[i] >= min_df)
        .map(|i| {
            let strength = totals
                .iter()
                .enumerate()
                .map(|(l, &(p, n))| {
                    let pos = st.pos[l][i];
                    let neg = st.known[l][i] - pos;
                    crate::features::log_count_ratio(pos, neg, p, n).abs() as f64
                })
                .fold(0.0, f64::max);
            (strength * (1.0 + st.df[i] as f64).ln(), i as u32)
        })
        .collect();
    scored.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    scored.truncate(config.max_evidence);
    scored.into_iter().map(|(_, i)| i).collect()
}

/// The text of the wanted n-grams, from a second pass over the documents.
fn recover_texts(
    config: &FeatureConfig,
    docs: &[String],
    st: &Stats,
    wanted: &FxHashSet<u32>,
) -> FxHashMap<u32, String> {
    let hashes: FxHashMap<u64, u32> = st
        .ids
        .iter()
        .filter(|(_, id)| wanted.contains(id))
        .map(|(&h, &id)| (h, id))
        .collect();
    let mut texts: FxHashMap<u32, String> = FxHashMap::default();
    for doc in docs {
        if texts.len() == wanted.len() {
            break;
        }
        for_each_ngram(config, doc, |_, h, bytes, _| {
            if let Some(&id) = hashes.get(&h) {
                texts
                    .entry(id)
                    .or_insert_with(|| String::from_utf8_lossy(bytes).into_owned());
            }
        });
    }
    texts
}

/// Chi-squared statistic of a 2×2 table: feature present in `a` positive and `b` negative
/// documents, out of `n_pos` positive and `n_neg` negative documents.
fn chi2(a: f64, b: f64, n_pos: f64, n_neg: f64) -> f64 {
    let n = n_pos + n_neg;
    let c = n_pos - a; // absent, positive
    let d = n_neg - b; // absent, negative
    let denom = (a + b) * (c + d) * (a + c) * (b + d);
    if denom <= 0.0 {
        return 0.0;
    }
    n * (a * d - b * c).powi(2) / denom
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize::normalize;

    #[test]
    fn chi2_is_zero_for_independent_features() {
        assert_eq!(chi2(5.0, 5.0, 10.0, 10.0), 0.0);
        assert!(chi2(10.0, 0.0, 10.0, 10.0) > 19.0);
    }

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("l{i}")).collect()
    }

    #[test]
    fn selects_discriminative_ngrams_first() {
        let texts = [
            ("ces rats dehors", true),
            ("des rats partout ici", true),
            ("les rats encore", true),
            ("le match de foot ici", false),
            ("le match encore", false),
            ("un match nul partout", false),
        ];
        let docs: Vec<String> = texts.iter().map(|t| normalize(t.0)).collect();
        let labels: Vec<Vec<Option<bool>>> = texts.iter().map(|t| vec![Some(t.1)]).collect();
        let config = FeatureConfig {
            min_df: 2,
            max_df: 1.0,
            max_features: 2,
            char_ngrams: (0, 0),
            ..FeatureConfig::default()
        };
        let (vocab, evidence) = build(&config, &docs, &labels, &names(1), 0);
        let words: Vec<_> = vocab.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(words, ["match", "rats"]);
        // idf: df = 3 of 6 documents.
        assert!((vocab[0].idf - ((7.0f32 / 4.0).ln() + 1.0)).abs() < 1e-6);
        // Evidence: "rats" is in 3 positive and 0 negative comments.
        let rats = evidence.entries.iter().find(|e| e.1 == "rats").unwrap();
        assert_eq!(rats.2, [3, 0]);
        assert_eq!(evidence.totals, [(3, 3)]);
    }

    #[test]
    fn unknown_labels_are_ignored_and_order_is_deterministic() {
        let docs: Vec<String> = [
            "rouge vert bleu",
            "rouge vert noir",
            "bleu noir blanc",
            "blanc jaune rouge",
        ]
        .iter()
        .map(|t| normalize(t))
        .collect();
        let labels = vec![
            vec![Some(true), None],
            vec![Some(true), Some(false)],
            vec![Some(false), Some(true)],
            vec![Some(false), None],
        ];
        let config = FeatureConfig {
            min_df: 1,
            max_df: 1.0,
            max_features: 50,
            ..FeatureConfig::default()
        };
        let a = build(&config, &docs, &labels, &names(2), 0);
        let b = build(&config, &docs, &labels, &names(2), 0);
        assert_eq!(a, b);
        assert!(a
            .0
            .windows(2)
            .all(|w| (w[0].kind, &w[0].text) < (w[1].kind, &w[1].text)));
        assert_eq!(a.1.totals, [(2, 2), (1, 1)]);
        // "rouge" is in docs 0, 1, 3: label 1 known only in doc 1 (negative).
        let e =
            a.1.entries
                .iter()
                .find(|e| e.0 == NgramKind::Word && e.1 == "rouge")
                .unwrap();
        assert_eq!(e.2, [2, 1, 0, 1]);
    }
}
