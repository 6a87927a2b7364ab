//! Vocabulary selection at training time: which n-grams become features.
//!
//! As scikit-learn's `TfidfVectorizer(min_df, max_df)` followed by `SelectKBest(chi2)`:
//! 1. document frequencies of every word and character n-gram over the training comments;
//! 2. n-grams in fewer than `min_df` comments or in more than `max_df` of them are dropped;
//! 3. the rest are ranked per label by the chi-squared statistic of their presence against the
//!    label (over the comments where that label is known), and `max_features` are taken in turns:
//!    two from the main label's ranking for one from each other label's, skipping repeats;
//! 4. idf = ln((1 + n) / (1 + df)) + 1, as scikit-learn's smoothed idf.
//!
//! The kept vocabulary is ordered word n-grams first, then character n-grams, each by text, so
//! the model file does not depend on hash-map order.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::features::{for_each_ngram, FeatureConfig, NgramKind, VocabEntry};

/// Per-n-gram counts: document frequency, and for each label the documents where the label is
/// known and present, and where it is known and positive.
struct Counts {
    df: Vec<u32>,
    known: Vec<Vec<u32>>,
    pos: Vec<Vec<u32>>,
}

/// Choose the vocabulary. `docs` are normalized comments; `labels[d][l]` the value of label `l`
/// for document `d` (None when unknown); `main` the index of the main label.
pub fn select(
    config: &FeatureConfig,
    docs: &[String],
    labels: &[Vec<Option<bool>>],
    main: usize,
) -> Vec<VocabEntry> {
    let n_labels = labels.first().map_or(0, Vec::len);
    let mut ids: FxHashMap<u64, u32> = FxHashMap::default();
    let mut kinds: Vec<NgramKind> = Vec::new();
    let mut counts = Counts {
        df: Vec::new(),
        known: vec![Vec::new(); n_labels],
        pos: vec![Vec::new(); n_labels],
    };
    let mut seen: Vec<u32> = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        seen.clear();
        for_each_ngram(config, doc, |kind, h, _, _| {
            let next = ids.len() as u32;
            let id = *ids.entry(h).or_insert(next);
            if id == next {
                kinds.push(kind);
                counts.df.push(0);
                for l in 0..n_labels {
                    counts.known[l].push(0);
                    counts.pos[l].push(0);
                }
            }
            seen.push(id);
        });
        seen.sort_unstable();
        seen.dedup();
        for &id in &seen {
            let id = id as usize;
            counts.df[id] += 1;
            for (l, value) in labels[d].iter().enumerate() {
                if let Some(v) = value {
                    counts.known[l][id] += 1;
                    if *v {
                        counts.pos[l][id] += 1;
                    }
                }
            }
        }
    }
    let n_docs = docs.len() as f64;
    let max_df = (config.max_df as f64 * n_docs).max(1.0);
    let candidates: Vec<u32> = (0..counts.df.len() as u32)
        .filter(|&i| {
            let df = counts.df[i as usize];
            df >= config.min_df && (df as f64) <= max_df
        })
        .collect();

    // Rank candidates by chi-squared for each label.
    let mut rankings: Vec<Vec<u32>> = Vec::with_capacity(n_labels);
    for l in 0..n_labels {
        let n_known = labels.iter().filter(|r| r[l].is_some()).count() as f64;
        let n_pos = labels.iter().filter(|r| r[l] == Some(true)).count() as f64;
        let mut scored: Vec<(f64, u32)> = candidates
            .iter()
            .map(|&i| {
                let a = counts.pos[l][i as usize] as f64; // present, positive
                let b = counts.known[l][i as usize] as f64 - a; // present, negative
                (chi2(a, b, n_pos, n_known - n_pos), i)
            })
            .filter(|(s, _)| *s > 0.0)
            .collect();
        scored.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        rankings.push(scored.into_iter().map(|(_, i)| i).collect());
    }
    let order: Vec<usize> = std::iter::once(main)
        .chain(std::iter::once(main))
        .chain((0..n_labels).filter(|&l| l != main))
        .collect();
    let mut chosen: FxHashSet<u32> = FxHashSet::default();
    let mut cursors = vec![0usize; n_labels];
    let target = config.max_features.min(candidates.len());
    'outer: while chosen.len() < target {
        let mut progressed = false;
        for &l in &order {
            let ranking = &rankings[l];
            while cursors[l] < ranking.len() {
                let id = ranking[cursors[l]];
                cursors[l] += 1;
                if chosen.insert(id) {
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

    // Recover the text of the chosen n-grams.
    let chosen_hashes: FxHashMap<u64, u32> = ids
        .iter()
        .filter(|(_, id)| chosen.contains(id))
        .map(|(&h, &id)| (h, id))
        .collect();
    let mut texts: FxHashMap<u32, String> = FxHashMap::default();
    for doc in docs {
        if texts.len() == chosen.len() {
            break;
        }
        for_each_ngram(config, doc, |_, h, bytes, _| {
            if let Some(&id) = chosen_hashes.get(&h) {
                texts
                    .entry(id)
                    .or_insert_with(|| String::from_utf8_lossy(bytes).into_owned());
            }
        });
    }
    let mut vocab: Vec<VocabEntry> = texts
        .into_iter()
        .map(|(id, text)| VocabEntry {
            kind: kinds[id as usize],
            idf: ((1.0 + n_docs) / (1.0 + counts.df[id as usize] as f64)).ln() as f32 + 1.0,
            text,
        })
        .collect();
    vocab.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.text.cmp(&b.text)));
    vocab
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
    use crate::normalize::normalize;

    #[test]
    fn chi2_is_zero_for_independent_features() {
        assert_eq!(chi2(5.0, 5.0, 10.0, 10.0), 0.0);
        assert!(chi2(10.0, 0.0, 10.0, 10.0) > 19.0);
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
        let vocab = select(&config, &docs, &labels, 0);
        let words: Vec<_> = vocab.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(words, ["match", "rats"]);
        // idf: df = 3 of 6 documents.
        assert!((vocab[0].idf - ((7.0f32 / 4.0).ln() + 1.0)).abs() < 1e-6);
    }

    #[test]
    fn unknown_labels_are_ignored_and_order_is_deterministic() {
        let docs: Vec<String> = ["a b c", "a b d", "c d e", "e f a"]
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
        let a = select(&config, &docs, &labels, 0);
        let b = select(&config, &docs, &labels, 0);
        assert_eq!(a, b);
        assert!(a
            .windows(2)
            .all(|w| (w[0].kind, &w[0].text) < (w[1].kind, &w[1].text)));
    }
}
