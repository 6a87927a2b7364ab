//! `train --vectors`: the word-vector block end to end, on the real binary: a table in the
//! extraction step's format (`training/tools/fr_vectors.py table`) written by the test, a model
//! trained with it, the table stored in the model file and used when scoring, each word's share in
//! `explain`, and a damaged table refused with its file named.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moderate"))
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .args(args)
        .output()
        .expect("run moderate")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A small labeled file: abuse with words the table knows, and polite comments.
fn data(dir: &Path) -> PathBuf {
    let mut rows = String::from("text,toxic\n");
    let bad = ["ordure", "vermine", "cafard", "rat", "parasite", "crevure"];
    let good = [
        "soleil", "musique", "recette", "jardin", "voyage", "lecture",
    ];
    for i in 0..60 {
        let b = bad[i % bad.len()];
        let g = good[(i / 2) % good.len()];
        rows.push_str(&format!("\"espèce de {b} numéro {i}, dégage\",1\n"));
        rows.push_str(&format!(
            "\"merci pour ce {g} numéro {i}, bonne journée\",0\n"
        ));
        rows.push_str(&format!(
            "\"j'aime le {g} et la {}\",0\n",
            good[i % good.len()]
        ));
    }
    let path = dir.join("data.csv");
    std::fs::write(&path, rows).unwrap();
    path
}

/// The FRV1 format: magic, word count, row count, dimensions, scale; i8 rows; u16 row per word;
/// newline-separated words. Abuse words share a row, polite words another.
fn table(dir: &Path) -> PathBuf {
    let words = [
        "de",
        "le",
        "ordure",
        "vermine",
        "cafard",
        "rat",
        "parasite",
        "crevure",
        "soleil",
        "musique",
        "recette",
        "jardin",
        "voyage",
        "lecture",
        "merci",
        "pourriture",
        "promenade",
    ];
    let rows: [[i8; 4]; 3] = [[5, 5, 5, 5], [100, -20, 3, 0], [-10, 90, 0, 7]];
    let row_of = |w: &str| -> u16 {
        match w {
            "de" | "le" => 0,
            "ordure" | "vermine" | "cafard" | "rat" | "parasite" | "crevure" | "pourriture" => 1,
            _ => 2,
        }
    };
    let mut b = b"FRV1".to_vec();
    for n in [words.len() as u32, rows.len() as u32, 4] {
        b.extend(n.to_le_bytes());
    }
    b.extend(0.01f32.to_le_bytes());
    for r in rows {
        b.extend(r.iter().map(|&v| v as u8));
    }
    for w in words {
        b.extend(row_of(w).to_le_bytes());
    }
    b.extend(words.join("\n").as_bytes());
    let path = dir.join("vectors.bin");
    std::fs::write(&path, b).unwrap();
    path
}

#[test]
fn a_model_trained_with_word_vectors_stores_and_uses_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(dir.path());
    let vectors = table(dir.path());
    let model = dir.path().join("model.json");
    let o = run(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--labels",
        "toxic",
        "--vectors",
        vectors.to_str().unwrap(),
        "--vectors-weight",
        "2",
        "--out",
        model.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    let features = &v["model"]["features"];
    assert_eq!(features["config"]["vectors_weight"], 2.0);
    assert_eq!(features["vectors"]["dim"], 4);
    assert!(features["vectors"]["words"]
        .as_str()
        .unwrap()
        .contains("vermine"));
    // The block is the last four weights of the label.
    let weights = v["model"]["labels"][0]["weights"].as_array().unwrap();
    let n_vocab = features["vocab"].as_array().unwrap().len();
    assert_eq!(weights.len(), 13 + 2 + n_vocab + 4);

    // The table is in the model file: scoring needs nothing else. Two words no training row has,
    // one beside the abuse words in the table and one beside the polite words, are told apart
    // through their vectors, far more than by a model trained without the table.
    let plain = dir.path().join("plain.json");
    let o = run(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--labels",
        "toxic",
        "--out",
        plain.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let toxic = |m: &Path, text: &str| -> f64 {
        let o = run(&["explain", "--model", m.to_str().unwrap(), text]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        out.lines()
            .find_map(|l| l.strip_prefix("toxic"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no toxic score in {out}"))
    };
    let gap = |m: &Path| toxic(m, "une vraie pourriture") - toxic(m, "une vraie promenade");
    let (with, without) = (gap(&model), gap(&plain));
    assert!(with > 0.0, "with the table: {with}");
    assert!(
        with > without + 0.1,
        "with the table {with}, without {without}"
    );
    // Its words' shares are in the explanation, under the word.
    let o = run(&[
        "explain",
        "--model",
        model.to_str().unwrap(),
        "une vraie pourriture",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("word:pourriture"), "{out}");
}

#[test]
fn a_damaged_table_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(dir.path());
    let vectors = table(dir.path());
    let bytes = std::fs::read(&vectors).unwrap();
    std::fs::write(&vectors, &bytes[..30]).unwrap();
    let model = dir.path().join("model.json");
    let o = run(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--labels",
        "toxic",
        "--vectors",
        vectors.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let said = stderr(&o);
    assert!(
        said.contains("vectors.bin") && said.contains("word vectors"),
        "{said}"
    );
    assert!(!model.exists());
    // A weight without a table is a usage error.
    let o = run(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--vectors-weight",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
