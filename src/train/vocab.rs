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
//! few dense features. With `--balance-counts`, the main label's counts weigh each file's
//! positives and negatives the same ([`balanced_weights`]): counted once per row, a file that
//! flags 80% of its rows (short tweets) gives its register words the ratio of an insult.
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
    /// With weights ([`balanced_weights`]): the same counts, each document counting its weight,
    /// for the evidence table.
    weighted: Option<Weighted>,
}

/// `Stats::known` and `Stats::pos`, each document counting its weight.
struct Weighted {
    known: Vec<Vec<f32>>,
    pos: Vec<Vec<f32>>,
}

impl Stats {
    /// The documents where n-gram `i` is present, positive and negative for label `l`: counted
    /// once each (the vocabulary's ranking).
    fn present(&self, l: usize, i: usize) -> (f64, f64) {
        let pos = self.pos[l][i] as f64;
        (pos, self.known[l][i] as f64 - pos)
    }

    /// The same, weighted when the counts were (the evidence table).
    fn evidence_present(&self, l: usize, i: usize) -> (f64, f64) {
        match &self.weighted {
            Some(w) => {
                let p = w.pos[l][i] as f64;
                (p, (w.known[l][i] as f64 - p).max(0.0))
            }
            None => self.present(l, i),
        }
    }
}

/// What one document counts for each label in the evidence table's statistics: a weight that
/// gives each file's positives and negatives the same total for that label, as the fit balances
/// them (`docs_file[d]` is document `d`'s file). A file with one class only of a label, and a
/// label the document does not have, count 1.
pub(crate) fn balanced_weights(labels: &[Vec<Option<bool>>], docs_file: &[usize]) -> Vec<Vec<f32>> {
    let n_labels = labels.first().map_or(0, Vec::len);
    // (positives, negatives) per file and label.
    let mut per: FxHashMap<(usize, usize), (u32, u32)> = FxHashMap::default();
    for (row, &file) in labels.iter().zip(docs_file) {
        for (l, v) in row.iter().enumerate() {
            if let Some(v) = v {
                let e = per.entry((file, l)).or_default();
                if *v {
                    e.0 += 1;
                } else {
                    e.1 += 1;
                }
            }
        }
    }
    labels
        .iter()
        .zip(docs_file)
        .map(|(row, &file)| {
            (0..n_labels)
                .map(|l| match (row[l], per.get(&(file, l))) {
                    (Some(v), Some(&(p, n))) if p > 0 && n > 0 => {
                        let half = (p + n) as f32 / 2.0;
                        half / if v { p } else { n } as f32
                    }
                    _ => 1.0,
                })
                .collect()
        })
        .collect()
}

fn count(
    config: &FeatureConfig,
    docs: &[String],
    labels: &[Vec<Option<bool>>],
    weights: Option<&[Vec<f32>]>,
) -> Stats {
    let n_labels = labels.first().map_or(0, Vec::len);
    let mut st = Stats {
        ids: FxHashMap::default(),
        kinds: Vec::new(),
        df: Vec::new(),
        known: vec![Vec::new(); n_labels],
        pos: vec![Vec::new(); n_labels],
        weighted: weights.map(|_| Weighted {
            known: vec![Vec::new(); n_labels],
            pos: vec![Vec::new(); n_labels],
        }),
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
                if let Some(w) = &mut st.weighted {
                    for l in 0..n_labels {
                        w.known[l].push(0.0);
                        w.pos[l].push(0.0);
                    }
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
                    st.pos[l][id] += *v as u32;
                    if let (Some(sums), Some(w)) = (&mut st.weighted, weights) {
                        sums.known[l][id] += w[d][l];
                        if *v {
                            sums.pos[l][id] += w[d][l];
                        }
                    }
                }
            }
        }
    }
    st
}

/// [`build`] on the rows `rows` of `ds`, read as `analyzer` reads them for the vocabulary
/// ([`Analyzer::for_vocabulary`]); `balance_by_file`: the evidence table's main-label counts
/// balanced per file.
pub(crate) fn build_on_rows(
    config: &FeatureConfig,
    analyzer: &Analyzer,
    ds: &Dataset,
    rows: &[usize],
    main: usize,
    balance_by_file: bool,
) -> (Vec<VocabEntry>, Evidence) {
    let docs: Vec<String> = rows
        .par_iter()
        .map(|&i| analyzer.for_vocabulary(&ds.examples[i].text))
        .collect();
    let labels: Vec<Vec<Option<bool>>> = rows
        .iter()
        .map(|&i| ds.examples[i].labels.clone())
        .collect();
    // Only the main label is balanced: it is the one every file labels, each at a base rate of
    // its own; the other labels come from one or two files, where balancing would only rescale
    // their counts against the smoothing (measured: slur and threat lost, training/README).
    let weights = balance_by_file.then(|| {
        let files: Vec<usize> = rows.iter().map(|&i| ds.examples[i].source).collect();
        let mut w = balanced_weights(&labels, &files);
        for row in &mut w {
            for (l, v) in row.iter_mut().enumerate() {
                if l != main {
                    *v = 1.0;
                }
            }
        }
        w
    });
    build(config, &docs, &labels, &ds.labels, main, weights.as_deref())
}

/// The vocabulary and the evidence table for a set of training comments. `docs` are normalized
/// comments; `labels[d][l]` the value of label `l` for document `d` (None when unknown); `main`
/// the index of the main label; `names` the label names; `weights[d][l]`, when given, what
/// document `d` counts for label `l` in the evidence table (the vocabulary counts each once).
pub fn build(
    config: &FeatureConfig,
    docs: &[String],
    labels: &[Vec<Option<bool>>],
    names: &[String],
    main: usize,
    weights: Option<&[Vec<f32>]>,
) -> (Vec<VocabEntry>, Evidence) {
    let n_labels = names.len();
    let n_docs = docs.len() as f64;
    // The vocabulary is ranked on plain counts (every row once); the evidence table is counted
    // with `weights` when given.
    let st = count(config, docs, labels, weights);
    let totals = |weights: Option<&[Vec<f32>]>| -> Vec<(u32, u32)> {
        // Summed in f64 and rounded: with unit weights, exact.
        (0..n_labels)
            .map(|l| {
                let (mut pos, mut neg) = (0f64, 0f64);
                for (d, r) in labels.iter().enumerate() {
                    let w = weights.map_or(1.0, |w| w[d][l] as f64);
                    match r[l] {
                        Some(true) => pos += w,
                        Some(false) => neg += w,
                        None => {}
                    }
                }
                (pos.round() as u32, neg.round() as u32)
            })
            .collect()
    };
    let vocab_ids = select_vocab(config, &st, &totals(None), n_docs, main);
    let ev_totals = totals(weights);
    let evidence_ids = select_evidence(config, &st, &ev_totals);

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
                .flat_map(|l| {
                    let (pos, neg) = st.evidence_present(l, i);
                    [pos.round() as u32, neg.round() as u32]
                })
                .collect();
            EvidenceEntry(st.kinds[i], text(id), counts)
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let evidence = Evidence {
        labels: names.to_vec(),
        totals: ev_totals,
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
                let (a, b) = st.present(l, i as usize); // present: positive, negative
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
                    let (pos, neg) = st.evidence_present(l, i);
                    crate::features::log_count_ratio(pos.round() as u32, neg.round() as u32, p, n)
                        .abs() as f64
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
        let (vocab, evidence) = build(&config, &docs, &labels, &names(1), 0, None);
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
    fn balanced_weights_give_each_files_classes_the_same_total() {
        // File 0: three positives, one negative; file 1: negatives only; one label unknown.
        let labels = vec![
            vec![Some(true), Some(false)],
            vec![Some(true), None],
            vec![Some(true), Some(true)],
            vec![Some(false), Some(false)],
            vec![Some(false), Some(false)],
            vec![Some(false), Some(false)],
        ];
        let files = [0, 0, 0, 0, 1, 1];
        let w = balanced_weights(&labels, &files);
        // Label 0, file 0: each class weighs 2 in all (4 rows / 2).
        assert!((w[0][0] - 2.0 / 3.0).abs() < 1e-6);
        assert!((w[3][0] - 2.0).abs() < 1e-6);
        // File 1 has one class of label 0, and file 0 rows 0, 2 and 3 hold both of label 1.
        assert_eq!(w[4][0], 1.0);
        assert!((w[2][1] - 1.5).abs() < 1e-6 && (w[0][1] - 0.75).abs() < 1e-6);
        // An unknown label counts nothing anyway; its weight is neutral.
        assert_eq!(w[1][1], 1.0);
    }

    #[test]
    fn balanced_counts_do_not_read_a_files_base_rate_as_evidence() {
        // Two registers: file 0 ("tweet" words, 80% flagged), file 1 ("forum" words, 20%). In each
        // file the abusive rows hold "rats", and the register word is in every row of its file.
        let mut texts = Vec::new();
        let mut files = Vec::new();
        for (file, register, positives) in [(0, "tweet", 8), (1, "forum", 2)] {
            for i in 0..10 {
                let abusive = i < positives;
                let t = if abusive {
                    "rats dehors"
                } else {
                    "bonne journee"
                };
                texts.push((format!("{register} {t} {i}"), abusive));
                files.push(file);
            }
        }
        let docs: Vec<String> = texts.iter().map(|t| normalize(&t.0)).collect();
        let labels: Vec<Vec<Option<bool>>> = texts.iter().map(|t| vec![Some(t.1)]).collect();
        let config = FeatureConfig {
            min_df: 2,
            max_df: 1.0,
            char_ngrams: (0, 0),
            ..FeatureConfig::default()
        };
        let ratio = |weights: Option<&[Vec<f32>]>, word: &str| {
            let (_, ev) = build(&config, &docs, &labels, &names(1), 0, weights);
            let e = ev.entries.iter().find(|e| e.1 == word).unwrap();
            let (p, n) = ev.totals[0];
            crate::features::log_count_ratio(e.2[0], e.2[1], p, n)
        };
        // Counted once each, the register of the mostly flagged file looks abusive.
        assert!(ratio(None, "tweet") > 1.0);
        assert!(ratio(None, "forum") < -1.0);
        let w = balanced_weights(&labels, &files);
        assert!(ratio(Some(&w), "tweet").abs() < 0.1);
        assert!(ratio(Some(&w), "forum").abs() < 0.1);
        // The abusive word still is.
        assert!(ratio(Some(&w), "rats") > 2.0);
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
        let a = build(&config, &docs, &labels, &names(2), 0, None);
        let b = build(&config, &docs, &labels, &names(2), 0, None);
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
