//! Evasion: the comments of the project's corpus that the default model flags, rewritten with the
//! tricks people use to slip past filters, must still be flagged; and the same kind of surface
//! noise added to clean comments must not make them flagged.
//!
//! Variants are seeded (same run, same texts) and scored by the real binary in one run. The words
//! rewritten are the comment's lexicon hits (the words an evader would hide), or its two longest
//! words when it has none.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use moderate::model::Model;
use moderate::text::lexicon::Category;
use moderate::text::normalize::normalize;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const VARIANTS_PER_TECHNIQUE: usize = 2;

type Technique = fn(&str, &mut ChaCha8Rng) -> String;

/// Techniques applied to one word. `glued` works on the whole comment and is handled apart.
const TECHNIQUES: &[(&str, Technique)] = &[
    ("leetspeak", leet),
    ("spaced letters", spaced),
    ("punctuation inside", punctuation),
    ("repeated letters", repeated),
    ("cyrillic look-alikes", cyrillic),
    ("greek look-alikes", greek),
    ("full-width", fullwidth),
    ("math alphanumerics", math),
    ("zero-width / soft hyphen", invisible),
    ("stacked combining accents", combining),
    ("mixed case", mixed_case),
    ("emoji between letters", emoji),
    ("quoted words", quoted),
];

/// Floors: share of variants still flagged, per technique, a few points under what was measured
/// with the default model (the table this test prints; `--nocapture` to see it). Glued words are
/// split by `src/text/segment.rs` when the pieces are words the model knows and one of them is a
/// lexicon term or strong evidence for a label (`deconnardfini` → `de connard fini`); a glued
/// word the model never saw on its own stays glued.
const FLOORS: &[(&str, f64)] = &[
    ("leetspeak", 0.96),
    ("spaced letters", 0.88),
    ("punctuation inside", 0.92),
    ("repeated letters", 0.89),
    ("cyrillic look-alikes", 0.99),
    ("greek look-alikes", 0.99),
    ("full-width", 0.99),
    // 0.99 until the death calls of issue 13's third pass (98.7% then): some of them score near
    // the threshold plain, and a variant that styles only some words tips a few of them over.
    ("math alphanumerics", 0.98),
    ("zero-width / soft hyphen", 0.98),
    ("stacked combining accents", 0.98),
    ("mixed case", 0.90),
    ("emoji between letters", 0.95),
    ("glued words", 0.88),
    // The abusive words put between quotation marks, as if quoted (99.9% with the default model).
    // A model that reads quotations as somebody else's words must keep this floor too: one that
    // did (issue 13, fourth pass, training/README.md) let 11.6% through and was not kept.
    ("quoted words", 0.98),
];

fn letters_at(word: &str) -> Vec<usize> {
    word.chars()
        .enumerate()
        .filter(|(_, c)| c.is_alphabetic())
        .map(|(i, _)| i)
        .collect()
}

/// Replace letters by `map` with probability `p`, at least one when possible.
fn substitute(
    word: &str,
    rng: &mut ChaCha8Rng,
    p: f64,
    map: impl Fn(char) -> Option<String>,
) -> String {
    let chars: Vec<char> = word.chars().collect();
    let eligible: Vec<usize> = (0..chars.len())
        .filter(|&i| map(chars[i]).is_some())
        .collect();
    let forced = eligible.choose(rng).copied();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| match map(c) {
            Some(s) if Some(i) == forced || rng.gen_bool(p) => s,
            _ => c.to_string(),
        })
        .collect()
}

fn leet(word: &str, rng: &mut ChaCha8Rng) -> String {
    let dollar = rng.gen_bool(0.3);
    substitute(word, rng, 0.6, |c| {
        Some(
            match c.to_ascii_lowercase() {
                'a' => "4",
                'e' => "3",
                'i' => "1",
                'o' => "0",
                's' if dollar => "$",
                's' => "5",
                't' => "7",
                _ => return None,
            }
            .to_string(),
        )
    })
}

fn spaced(word: &str, rng: &mut ChaCha8Rng) -> String {
    let sep = *[" ", " ", ".", "-", " . "].choose(rng).unwrap_or(&" ");
    word.chars().map(String::from).collect::<Vec<_>>().join(sep)
}

/// Insert characters at one or two positions between letters.
fn insert_between(word: &str, rng: &mut ChaCha8Rng, pick: &[&str], max: usize) -> String {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 2 {
        return word.to_string();
    }
    let n = rng.gen_range(1..=max.min(chars.len() - 1));
    let mut at: Vec<usize> = (1..chars.len()).collect();
    at.shuffle(rng);
    at.truncate(n);
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if at.contains(&i) {
            out.push_str(pick.choose(rng).unwrap_or(&"."));
        }
        out.push(*c);
    }
    out
}

fn punctuation(word: &str, rng: &mut ChaCha8Rng) -> String {
    insert_between(word, rng, &[".", "*", "-", "_", "|", "·"], 2)
}

fn invisible(word: &str, rng: &mut ChaCha8Rng) -> String {
    insert_between(
        word,
        rng,
        &["\u{200B}", "\u{200C}", "\u{200D}", "\u{00AD}", "\u{2060}"],
        3,
    )
}

fn emoji(word: &str, rng: &mut ChaCha8Rng) -> String {
    insert_between(word, rng, &["🤬", "💩", "🔥", "❤️", "😂", "🖕"], 2)
}

fn repeated(word: &str, rng: &mut ChaCha8Rng) -> String {
    let letters = letters_at(word);
    let mut pick = letters.clone();
    pick.shuffle(rng);
    pick.truncate(rng.gen_range(1..=2));
    let mut out = String::new();
    for (i, c) in word.chars().enumerate() {
        out.push(c);
        if pick.contains(&i) {
            for _ in 0..rng.gen_range(2..=5) {
                out.push(c);
            }
        }
    }
    out
}

fn cyrillic(word: &str, rng: &mut ChaCha8Rng) -> String {
    substitute(word, rng, 0.7, |c| {
        Some(
            match c {
                'a' => 'а',
                'e' => 'е',
                'o' => 'о',
                'p' => 'р',
                'c' => 'с',
                'x' => 'х',
                'y' => 'у',
                'i' => 'і',
                's' => 'ѕ',
                'A' => 'А',
                'E' => 'Е',
                'O' => 'О',
                'C' => 'С',
                'T' => 'Т',
                'H' => 'Н',
                'M' => 'М',
                'K' => 'К',
                _ => return None,
            }
            .to_string(),
        )
    })
}

fn greek(word: &str, rng: &mut ChaCha8Rng) -> String {
    substitute(word, rng, 0.7, |c| {
        Some(
            match c {
                'a' => 'α',
                'o' => 'ο',
                'e' => 'ε',
                'i' => 'ι',
                'k' => 'κ',
                'v' => 'ν',
                't' => 'τ',
                'p' => 'ρ',
                'u' => 'υ',
                'x' => 'χ',
                'A' => 'Α',
                'B' => 'Β',
                'E' => 'Ε',
                'O' => 'Ο',
                'T' => 'Τ',
                _ => return None,
            }
            .to_string(),
        )
    })
}

fn offset_letter(c: char, upper: u32, lower: u32) -> Option<String> {
    let code = match c {
        'A'..='Z' => upper + (c as u32 - 'A' as u32),
        'a'..='z' => lower + (c as u32 - 'a' as u32),
        _ => return None,
    };
    char::from_u32(code).map(String::from)
}

fn fullwidth(word: &str, _rng: &mut ChaCha8Rng) -> String {
    word.chars()
        .map(|c| offset_letter(c, 0xFF21, 0xFF41).unwrap_or_else(|| c.to_string()))
        .collect()
}

fn math(word: &str, rng: &mut ChaCha8Rng) -> String {
    // Bold, bold italic, sans-serif bold, monospace: blocks with no holes.
    let (upper, lower) = *[
        (0x1D400, 0x1D41A),
        (0x1D468, 0x1D482),
        (0x1D5D4, 0x1D5EE),
        (0x1D670, 0x1D68A),
    ]
    .choose(rng)
    .unwrap_or(&(0x1D400, 0x1D41A));
    word.chars()
        .map(|c| offset_letter(c, upper, lower).unwrap_or_else(|| c.to_string()))
        .collect()
}

fn combining(word: &str, rng: &mut ChaCha8Rng) -> String {
    let mut out = String::new();
    for c in word.chars() {
        out.push(c);
        if c.is_alphabetic() && rng.gen_bool(0.6) {
            for _ in 0..rng.gen_range(1..=3) {
                out.push(char::from_u32(rng.gen_range(0x300..0x370)).unwrap_or('\u{301}'));
            }
        }
    }
    out
}

/// The word between quotation marks, as if the author quoted somebody else (models trained with
/// `--quotes` read quotations: their abuse must not hide in them).
fn quoted(word: &str, rng: &mut ChaCha8Rng) -> String {
    let (open, close) = [("«\u{a0}", "\u{a0}»"), ("\"", "\""), ("“", "”")][rng.gen_range(0..3)];
    format!("{open}{word}{close}")
}

fn mixed_case(word: &str, rng: &mut ChaCha8Rng) -> String {
    word.chars()
        .map(|c| {
            if rng.gen_bool(0.5) {
                c.to_uppercase().collect::<String>()
            } else {
                c.to_lowercase().collect()
            }
        })
        .collect()
}

/// The comment's words, as (start, end) byte spans of whitespace-separated pieces trimmed of
/// surrounding punctuation.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                let piece: &str = &text[s..i];
                let lead = piece.len()
                    - piece
                        .trim_start_matches(|c: char| !c.is_alphanumeric())
                        .len();
                let trimmed = piece.trim_matches(|c: char| !c.is_alphanumeric());
                if !trimmed.is_empty() {
                    spans.push((s + lead, s + lead + trimmed.len()));
                }
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    spans
}

/// The spans of the words to rewrite: lexicon hits other than identity terms, else the two
/// longest words.
fn target_spans(model: &Model, text: &str) -> Vec<(usize, usize)> {
    let lex = model.featurizer().lexicon();
    let spans = word_spans(text);
    let mut hits: Vec<(usize, usize)> = spans
        .iter()
        .copied()
        .filter(|&(s, e)| {
            let mut out = Vec::new();
            lex.find(&normalize(&text[s..e]), &mut out);
            out.iter().any(|m| m.category != Category::Identity)
        })
        .collect();
    if hits.is_empty() {
        let mut by_len = spans.clone();
        by_len.sort_by_key(|&(s, e)| std::cmp::Reverse(text[s..e].chars().count()));
        by_len.truncate(2);
        by_len.sort();
        hits = by_len;
    }
    hits
}

fn rewrite(text: &str, spans: &[(usize, usize)], mut f: impl FnMut(&str) -> String) -> String {
    let mut out = String::new();
    let mut at = 0;
    for &(s, e) in spans {
        out.push_str(&text[at..s]);
        out.push_str(&f(&text[s..e]));
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

/// Glue each target word to its neighbours: `espèce de connard fini` → `espèce deconnardfini`.
fn glued(text: &str, targets: &[(usize, usize)], rng: &mut ChaCha8Rng) -> String {
    let spans = word_spans(text);
    let mut cut: Vec<(usize, usize)> = Vec::new();
    for t in targets {
        let Some(k) = spans.iter().position(|s| s == t) else {
            continue;
        };
        // Remove the gap before the word and, one time out of two, the gap after it.
        if k > 0 && text[spans[k - 1].1..spans[k].0].trim().is_empty() {
            cut.push((spans[k - 1].1, spans[k].0));
        }
        if k + 1 < spans.len()
            && (rng.gen_bool(0.5) || k == 0)
            && text[spans[k].1..spans[k + 1].0].trim().is_empty()
        {
            cut.push((spans[k].1, spans[k + 1].0));
        }
    }
    cut.sort();
    cut.dedup();
    rewrite(text, &cut, |_| String::new())
}

struct Scored {
    toxic: Vec<bool>,
}

/// Score texts with the real binary (one run), returning whether each was flagged `toxic`.
fn score(dir: &Path, texts: &[String]) -> Scored {
    let input = dir.join("variants.csv");
    let mut w = csv::Writer::from_path(&input).expect("write variants");
    w.write_record(["id", "text"]).expect("header");
    for (i, t) in texts.iter().enumerate() {
        w.write_record([i.to_string().as_str(), t.as_str()])
            .expect("row");
    }
    w.flush().expect("flush");
    drop(w);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_moderate"));
    cmd.args(["score", "-q"]).arg(&input);
    if let Some(m) = candidate_model() {
        cmd.arg("--model").arg(m);
    }
    let o = cmd.output().expect("run moderate");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut rdr = csv::Reader::from_reader(&o.stdout[..]);
    let h = rdr.headers().expect("headers").clone();
    let flagged = h
        .iter()
        .position(|c| c == "flagged")
        .expect("flagged column");
    let toxic: Vec<bool> = rdr
        .records()
        .map(|r| {
            let r = r.expect("output row");
            r[flagged].split(';').any(|f| f == "toxic")
        })
        .collect();
    assert_eq!(toxic.len(), texts.len(), "one output row per input row");
    Scored { toxic }
}

/// `MODERATE_EVASION_MODEL=FILE`: run the evasion test on another model file (a candidate
/// recipe) instead of the embedded default model.
fn candidate_model() -> Option<std::path::PathBuf> {
    std::env::var_os("MODERATE_EVASION_MODEL").map(Into::into)
}

fn corpus() -> Vec<(String, bool)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/training/comments.csv");
    let mut rdr = csv::Reader::from_path(path).expect("training/comments.csv");
    rdr.records()
        .map(|r| {
            let r = r.expect("corpus row");
            (r[0].to_string(), &r[1] == "1")
        })
        .collect()
}

#[test]
fn obfuscated_toxic_comments_stay_flagged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = Model::load(candidate_model().as_deref()).expect("model");
    // The corpus's toxic comments that the model flags as written: disguising a false positive
    // (a benign reply flagged) would measure nothing about evasion.
    let texts: Vec<String> = corpus()
        .into_iter()
        .filter(|(_, y)| *y)
        .map(|(t, _)| t)
        .collect();
    let plain = score(dir.path(), &texts);
    let flagged: Vec<&String> = texts
        .iter()
        .zip(&plain.toxic)
        .filter(|(_, &f)| f)
        .map(|(t, _)| t)
        .collect();
    assert!(
        flagged.len() > 300,
        "the default model flags {} comments",
        flagged.len()
    );

    let mut rng = ChaCha8Rng::seed_from_u64(20261121);
    let mut variants: Vec<String> = Vec::new();
    let mut technique_of: Vec<&str> = Vec::new();
    for text in &flagged {
        let targets = target_spans(&model, text);
        for &(name, f) in TECHNIQUES {
            for _ in 0..VARIANTS_PER_TECHNIQUE {
                variants.push(rewrite(text, &targets, |w| f(w, &mut rng)));
                technique_of.push(name);
            }
        }
        for _ in 0..VARIANTS_PER_TECHNIQUE {
            variants.push(glued(text, &targets, &mut rng));
            technique_of.push("glued words");
        }
    }
    let scored = score(dir.path(), &variants);
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for (name, f) in technique_of.iter().zip(&scored.toxic) {
        let e = counts.entry(name).or_default();
        e.0 += 1;
        e.1 += *f as usize;
    }
    println!(
        "\n{:<28} {:>13} {:>9} {:>9} {:>7}",
        "technique", "plain flagged", "variants", "flagged", "share"
    );
    let mut failures = Vec::new();
    for &(name, _) in TECHNIQUES {
        assert!(
            FLOORS.iter().any(|&(n, _)| n == name),
            "technique {name} has no floor"
        );
    }
    for &(name, floor) in FLOORS {
        let (n, f) = counts.get(name).copied().unwrap_or((0, 0));
        let share = f as f64 / n.max(1) as f64;
        println!(
            "{:<28} {:>13} {:>9} {:>9} {:>6.1}%",
            name,
            flagged.len(),
            n,
            f,
            100.0 * share
        );
        if share < floor {
            failures.push(format!(
                "{name}: {:.1}% < floor {:.1}%",
                100.0 * share,
                100.0 * floor
            ));
        }
    }
    // Show a few misses per technique to see what escaped.
    if std::env::var_os("EVASION_MISSES").is_some() {
        for (i, (name, f)) in technique_of.iter().zip(&scored.toxic).enumerate() {
            if !f && i % 7 == 0 {
                println!("MISS {name}: {}", variants[i]);
            }
        }
    }
    assert!(failures.is_empty(), "below floor: {failures:?}");
}

/// Innocent tokens that look like obfuscation: numbers in words, codes, acronyms, emoticons.
const INNOCENT: &[&str] = &[
    "F-16", "1312", "G7", "COVID-19", "A320", "B-52", "4x4", "S-400", "M23", "H1N1", "3G", "5G",
    "COP28", "Mi-8", "Su-35", ":-)", ";)", ":(", "^^", "<3", "xD", "x)", "O_o", "p.s.", "U.S.A.",
    "J.-P.", "e-mail", "c.-à-d.", "OTAN", "ONU", "l'UE", "H&M", "AT&T", "3.5%", "2e", "XXIe",
    "n°1", "iPhone", "mp3", "Tu-22M3", "T-72", "R&D", "24/7", "1er", "***", "@Dan_K",
];

#[test]
fn innocent_obfuscation_like_tokens_do_not_raise_flags() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let negatives: Vec<String> = corpus()
        .into_iter()
        .filter(|(_, toxic)| !toxic)
        .map(|(t, _)| t)
        .collect();
    let mut texts = negatives.clone();
    for t in &negatives {
        // Two innocent tokens at random word boundaries.
        let mut words: Vec<String> = t.split(' ').map(String::from).collect();
        for _ in 0..2 {
            let at = rng.gen_range(0..=words.len());
            let tok = INNOCENT.choose(&mut rng).unwrap_or(&"G7");
            words.insert(at, tok.to_string());
        }
        texts.push(words.join(" "));
    }
    let scored = score(dir.path(), &texts);
    let (raw, noisy) = scored.toxic.split_at(negatives.len());
    let raw_n = raw.iter().filter(|&&f| f).count();
    let noisy_n = noisy.iter().filter(|&&f| f).count();
    let newly: Vec<&String> = noisy
        .iter()
        .zip(raw)
        .zip(&texts[negatives.len()..])
        .filter(|((&n, &r), _)| n && !r)
        .map(|(_, t)| t)
        .collect();
    println!(
        "\nnegatives {}: flagged raw {raw_n}, with innocent tokens {noisy_n}, newly flagged {}",
        negatives.len(),
        newly.len()
    );
    for t in newly.iter().take(10) {
        println!("  newly flagged: {t}");
    }
    // Noise may move a borderline comment either way; it must not add flags overall, and at most
    // 0.6% of clean comments may cross the threshold because of it (0.3% before sentence
    // pooling: a comment now scores its worst sentence too, and a token that moves a sentence
    // boundary moves that score; measured 22 of 4,154 on 2026-11-30, with no flag added overall).
    assert!(
        noisy_n <= raw_n + negatives.len() * 3 / 1000,
        "{raw_n} → {noisy_n}"
    );
    assert!(
        newly.len() <= negatives.len() * 6 / 1000,
        "{} newly flagged",
        newly.len()
    );
}
