//! Integration tests: the real `moderate` binary on real files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_moderate"));
    c.env("SOURCE_DATE_EPOCH", "1790000000");
    // English whatever the locale of the machine running the tests (tests/lang_fr.rs: French).
    for var in moderate::i18n::LOCALE_VARS {
        c.env_remove(var);
    }
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run moderate")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `moderate explain` of one comment with the embedded model, in English, 40 contributions per
/// label.
fn explain(text: &str) -> String {
    let o = run(&["explain", "--lang", "en", "--top", "40", text]);
    assert!(o.status.success(), "{}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The first `n` rows of the project's corpus, as a training file.
fn corpus_subset(dir: &Path, n: usize) -> PathBuf {
    let mut rdr = csv::Reader::from_path(repo().join("training/comments.csv")).unwrap();
    let path = dir.join("train.csv");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_byte_record(rdr.byte_headers().unwrap()).unwrap();
    // Take rows spread over the whole file so every part (language, topic) is represented.
    let all: Vec<csv::ByteRecord> = rdr.byte_records().map(|r| r.unwrap()).collect();
    let step = (all.len() / n).max(1);
    for r in all.iter().step_by(step).take(n) {
        w.write_byte_record(r).unwrap();
    }
    w.flush().unwrap();
    path
}

/// Train a small model once per test that needs one.
fn small_model(dir: &Path) -> PathBuf {
    let data = corpus_subset(dir, 900);
    let out = dir.join("model.json");
    let o = train_toxic_insult(&data, &out, &["--alphas", "1,0.3", "--quiet"]);
    assert!(o.status.success(), "train failed: {}", stderr(&o));
    out
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

#[test]
fn train_then_score_round_trip_keeps_rows_columns_and_order() {
    let dir = tempfile::tempdir().unwrap();
    let model = small_model(dir.path());
    let input = write(
        dir.path(),
        "in.csv",
        "id,text,author\n\
         1,\"Merci pour cet article très complet, j'ai appris beaucoup.\",a\n\
         2,\"T'es vraiment un gros connard, ferme-la.\",b\n\
         3,\"Ces rats envahissent nos villes, il faut les exterminer.\",c\n\
         4,\"L'armée a tué des dizaines de combattants selon l'OSDH.\",d\n\
         5,\"JE SUIS D'ACCORD AVEC L'ARTICLE, IL ÉTAIT TEMPS QUE L'ONU RÉAGISSE\",e\n"
            .as_bytes(),
    );
    let out = dir.path().join("out.csv");
    let o = run(&[
        "score",
        input.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut rdr = csv::Reader::from_path(&out).unwrap();
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers,
        [
            "id",
            "text",
            "author",
            "score_toxic",
            "score_insult",
            "shouting",
            "flagged",
            "reasons",
            "error",
            "language"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 5);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0], (i + 1).to_string(), "order preserved");
        let s: f64 = r[3].parse().unwrap();
        assert!((0.0..=1.0).contains(&s));
        assert_eq!(&r[8], "", "no error");
    }
    let toxic = |i: usize| rows[i][3].parse::<f64>().unwrap();
    assert!(toxic(1) > toxic(0), "insult scores above thanks");
    assert!(
        toxic(2) > toxic(3),
        "dehumanizing threat scores above war news"
    );
    assert!(
        rows[1][6].contains("toxic"),
        "insult flagged: {:?}",
        &rows[1]
    );
    assert!(!rows[1][7].is_empty(), "flagged rows have reasons");
    assert!(rows[4][6].contains("shouting"), "caps flagged as shouting");
    assert!(rows[4][5].parse::<f64>().unwrap() > 0.9);
    assert!(
        rows[3][5].parse::<f64>().unwrap() < 0.1,
        "acronyms are not shouting"
    );
}

#[test]
fn default_model_scores_with_no_model_flag() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "c.csv",
        "text\n\"Ces bactéries qui envahissent nos quartiers, faut les éradiquer\"\n\"Bonne analyse, merci.\"\n"
            .as_bytes(),
    );
    let o = run(&["score", input.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut rdr = csv::Reader::from_reader(&o.stdout[..]);
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    let h = rdr.headers().unwrap().clone();
    let col = h.iter().position(|c| c == "score_toxic").unwrap();
    let flagged = h.iter().position(|c| c == "flagged").unwrap();
    let reasons = h.iter().position(|c| c == "reasons").unwrap();
    assert!(rows[0][col].parse::<f64>().unwrap() > 0.5, "{:?}", rows[0]);
    assert!(rows[1][col].parse::<f64>().unwrap() < 0.2, "{:?}", rows[1]);
    assert!(rows[0][flagged].contains("toxic"));
    assert!(
        rows[0][reasons].contains("dehumanizing:"),
        "{:?}",
        &rows[0][reasons]
    );
}

/// The default model reads no insult inside a real word it does not know (`quelconque` is not
/// `quel con que`, `particulier` not `parti cul ier`), and still reads the insult used alone or
/// glued to other words.
#[test]
fn default_model_reads_no_insult_inside_real_words() {
    for innocent in [
        "Un article quelconque, vraiment.",
        "À ma connaissance, le ministre n'a rien confirmé.",
        "Confortablement installé, il contrôle la commission.",
    ] {
        let out = explain(innocent);
        assert!(!out.contains("insult:con"), "{innocent}: {out}");
        assert!(!out.contains("word:con\n"), "{innocent}: {out}");
    }
    let out = explain("En particulier les enseignants des cités universitaires.");
    assert!(!out.contains("word:cul"), "{out}");
    assert!(!out.contains("word:ver\n"), "{out}");
    assert!(explain("T'es vraiment qu'un pauvre con.").contains("insult:con"));
    assert!(explain("Bandedeconnards, allez lire l'article.").contains("insult:connards"));
}

/// The default model reads an animal word as dehumanizing only when it is said of people: no
/// `dehumanizing:rats` reason (and no `dehumanizing` flag) for rats in a park, both for rats said
/// of a group.
#[test]
fn default_model_reads_animal_words_in_their_own_sense() {
    let flagged = |out: &str, label: &str| {
        out.lines()
            .any(|l| l.starts_with(label) && l.ends_with("FLAGGED"))
    };
    for (innocent, term) in [
        (
            "Les tiques sont partout cette année, vérifiez vos chiens après la promenade.",
            "dehumanizing:tiques",
        ),
        (
            "The rats are back in the subway, the city has given up.",
            "dehumanizing:rats",
        ),
    ] {
        let out = explain(innocent);
        assert!(!out.contains(term), "{innocent}: {out}");
        assert!(!flagged(&out, "dehumanizing"), "{innocent}: {out}");
    }
    for abusive in [
        "Ces rats de Syriens nous volent notre travail.",
        "These migrants are rats and should be treated like pests.",
    ] {
        let out = explain(abusive);
        assert!(out.contains("dehumanizing:rats"), "{abusive}: {out}");
        assert!(flagged(&out, "toxic"), "{abusive}: {out}");
    }
}

#[test]
fn jsonl_in_jsonl_out() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "c.jsonl",
        "{\"id\":7,\"text\":\"Tu es un abruti fini\"}\n\n{\"id\":8,\"body\":\"no text field\"}\nnot json\n{\"text\":\"Très bon article\",\"id\":9}\n"
            .as_bytes(),
    );
    let o = run(&["score", input.to_str().unwrap()]);
    // Status 3: some rows could not be scored (the output is still complete).
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "one output line per input line: {out}");
    assert_eq!(lines[1], "", "blank lines pass through");
    let v: Vec<serde_json::Value> = lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(v[0]["id"], 7);
    assert!(v[0]["score_toxic"].as_f64().unwrap() > 0.0);
    assert_eq!(v[0]["error"], serde_json::Value::Null);
    // Keys keep their input order, scores after.
    assert!(
        lines[4].starts_with("{\"text\":\"Très bon article\",\"id\":9,\"score_toxic\""),
        "{}",
        lines[4]
    );
    assert_eq!(v[1]["error"], "no field 'text'");
    assert_eq!(v[1]["score_toxic"], serde_json::Value::Null);
    assert!(v[2]["error"].as_str().unwrap().starts_with("invalid JSON"));
    assert_eq!(v[2]["input"], "not json");
    assert!(
        stderr(&o).contains("c.jsonl:3: no field 'text'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_rows_are_written_with_an_error_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut content = b"id,text\n1,bonjour tout le monde\n2,\"\"\n3,caf\xe9 au lait\n4,trop,de,champs\n5\n6,dernier commentaire\n".to_vec();
    content.extend_from_slice(b"");
    let input = write(dir.path(), "bad.csv", &content);
    // Told it is UTF-8 (detection would read this file as Windows-1252: tests/newsroom_input.rs).
    let o = run(&["score", input.to_str().unwrap(), "--encoding", "utf-8"]);
    // Status 3: some rows could not be scored (the output is still complete).
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("bad.csv:3: column 'text': empty text"),
        "{err}"
    );
    assert!(
        err.contains("bad.csv:4: column 'text': invalid UTF-8"),
        "{err}"
    );
    assert!(
        err.contains("bad.csv:5: this row has 4 fields, the header has 2"),
        "{err}"
    );
    assert!(
        err.contains("bad.csv:6: this row has 1 fields, the header has 2"),
        "{err}"
    );
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(&o.stdout[..]);
    let rows: Vec<csv::ByteRecord> = rdr.byte_records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 6, "every input row comes out");
    let ids: Vec<&[u8]> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(ids, [b"1" as &[u8], b"2", b"3", b"4", b"5", b"6"]);
    // The invalid UTF-8 field is written back byte for byte.
    assert_eq!(&rows[2][1], b"caf\xe9 au lait");
    // `error`, then `language` (empty on an error row), end the row.
    let error = rows[2].len() - 2;
    assert!(rows[2][error].starts_with(b"column 'text': invalid UTF-8"));
    assert_eq!(&rows[2][error + 1], b"", "no language on an error row");
    assert_eq!(&rows[2][2], b"", "no score on an error row");
    assert_eq!(&rows[5][rows[5].len() - 2], b"", "good rows have no error");
}

#[test]
fn missing_text_column_and_empty_file_fail_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "c.csv", b"note\nbonjour\n");
    let o = run(&["score", input.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("c.csv:1: no column named 'text'"), "{err}");
    assert!(err.contains("(columns: note)"), "{err}");
    assert!(!err.contains("panicked"));
    let o = run(&["score", input.to_str().unwrap(), "--text-column", "note"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let empty = write(dir.path(), "e.csv", b"");
    let o = run(&["score", empty.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("e.csv: empty file"), "{}", stderr(&o));
}

#[test]
fn training_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.json");
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "bad_label.csv",
            b"text,toxic\nbonjour,0\nsalut,oui\n",
            "bad_label.csv:3: column 'toxic': expected 0, 1, true or false, found 'oui'",
        ),
        (
            "one_class.csv",
            b"text,toxic\nbonjour,0\nsalut,0\nhello,0\n",
            "label 'toxic' needs both 0 and 1 rows",
        ),
        ("empty.csv", b"", "empty.csv: empty file"),
        (
            "no_text.csv",
            b"body,toxic\nx,1\n",
            "no_text.csv:1: no column named 'text'",
        ),
        (
            "crlf.csv",
            b"text,toxic\r\nbonjour,0\r\nsalut,oui\r\n",
            "crlf.csv:3: column 'toxic': expected 0, 1, true or false, found 'oui'",
        ),
        (
            "quotes.csv",
            b"text,toxic\n\"bonjour,1\nsalut,0\n",
            "quotes.csv",
        ),
    ];
    for (name, content, expected) in cases {
        let p = write(dir.path(), name, content);
        let o = run(&[
            "train",
            "--data",
            p.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(!o.status.success(), "{name} should fail");
        let err = stderr(&o);
        assert!(err.contains(expected), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(!out.exists(), "no model written on error");
    }
}

/// `train` on `data` for `toxic,insult` with small settings (1,500 features, 2 folds), writing
/// `out`, with `extra` arguments after.
fn train_toxic_insult(data: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "train",
        "--data",
        data.to_str().unwrap(),
        "--labels",
        "toxic,insult",
        "--max-features",
        "1500",
        "--folds",
        "2",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// The `toxic` and `insult` thresholds of a model file written by [`train_toxic_insult`].
fn thresholds_of(out: &Path) -> (f64, f64) {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    let t = |i: usize| v["model"]["labels"][i]["threshold"].as_f64().unwrap();
    (t(0), t(1))
}

/// `--review-budget`: the main label's threshold flags at most that share of its acceptable
/// rows, so a smaller budget gives a higher threshold; the other labels keep their best-F1
/// thresholds; a budget outside (0, 1) is refused.
#[test]
fn a_review_budget_sets_the_main_labels_threshold_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = corpus_subset(dir.path(), 700);
    let thresholds = |budget: Option<&str>| {
        let out = dir
            .path()
            .join(format!("m-{}.json", budget.unwrap_or("f1")));
        let mut extra = vec!["--quiet"];
        if let Some(b) = budget {
            extra.extend(["--review-budget", b]);
        }
        let o = train_toxic_insult(&data, &out, &extra);
        assert!(o.status.success(), "{}", stderr(&o));
        thresholds_of(&out)
    };
    let (f1_toxic, f1_insult) = thresholds(None);
    let (tight, tight_insult) = thresholds(Some("0.01"));
    let (loose, loose_insult) = thresholds(Some("0.4"));
    assert!(
        tight > loose,
        "1% of acceptable rows: {tight}; 40%: {loose}"
    );
    assert!(
        tight != f1_toxic || loose != f1_toxic,
        "the budget moved nothing"
    );
    assert_eq!(tight_insult, f1_insult);
    assert_eq!(loose_insult, f1_insult);
    for bad in ["0", "1.5", "nan"] {
        let o = run(&[
            "train",
            "--data",
            data.to_str().unwrap(),
            "--review-budget",
            bad,
            "--out",
            dir.path().join("bad.json").to_str().unwrap(),
            "--quiet",
        ]);
        assert!(!o.status.success(), "--review-budget {bad} accepted");
        assert!(
            stderr(&o).contains("--review-budget must be between 0 and 1"),
            "{bad}: {}",
            stderr(&o)
        );
    }
}

/// `--review-budget LABEL=RATE`: another label's threshold follows its own budget and the main
/// label's stays where it was; training says what share of the acceptable rows each threshold
/// flags (the budget that would hold it); unknown labels and malformed values are refused.
#[test]
fn a_review_budget_per_label_moves_that_label_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = corpus_subset(dir.path(), 700);
    let train = |budgets: &[&str], name: &str| {
        let out = dir.path().join(format!("{name}.json"));
        let extra: Vec<&str> = budgets
            .iter()
            .flat_map(|b| ["--review-budget", *b])
            .collect();
        (train_toxic_insult(&data, &out, &extra), out)
    };
    let thresholds = |out: &Path| thresholds_of(out);
    let (o, out) = train(&[], "f1");
    assert!(o.status.success(), "{}", stderr(&o));
    let (f1_toxic, f1_insult) = thresholds(&out);
    assert!(
        stderr(&o).contains("label 'insult': threshold") && stderr(&o).contains("(best F1) flags"),
        "{}",
        stderr(&o)
    );
    let (o, out) = train(&["insult=0.01"], "tight");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("(review budget 1.000%) flags"),
        "{}",
        stderr(&o)
    );
    let (tight_toxic, tight) = thresholds(&out);
    let (o, out) = train(&["insult=0.4", "0.05"], "loose");
    assert!(o.status.success(), "{}", stderr(&o));
    let (budget_toxic, loose) = thresholds(&out);
    assert!(
        tight > loose,
        "1% of acceptable rows: {tight}; 40%: {loose}"
    );
    assert!(
        tight != f1_insult || loose != f1_insult,
        "the budget moved nothing"
    );
    assert_eq!(tight_toxic, f1_toxic);
    // The bare rate is still the main label's.
    assert_ne!(budget_toxic, f1_toxic);
    for (bad, expected) in [
        (
            "threat=0.1",
            "label 'threat' is given a review budget but is not among the labels",
        ),
        (
            "insult=lots",
            "--review-budget insult=lots: RATE must be a number",
        ),
        ("insult=2", "--review-budget must be between 0 and 1"),
        ("=0.1", "--review-budget takes RATE or LABEL=RATE"),
    ] {
        let (o, out) = train(&[bad], "bad");
        assert!(!o.status.success(), "--review-budget {bad} accepted");
        assert!(stderr(&o).contains(expected), "{bad}: {}", stderr(&o));
        assert!(!out.exists(), "{bad}: a model was written");
    }
    for twice in [["0.1", "0.2"], ["insult=0.1", "insult=0.2"]] {
        let (o, _) = train(&twice, "twice");
        assert!(!o.status.success(), "{twice:?} accepted");
        assert!(stderr(&o).contains("twice"), "{twice:?}: {}", stderr(&o));
    }
}

/// `--budgets-on-main-acceptable`: another label's budget counts the rows acceptable for the main
/// label only. Toxic rows that are not insults (threats, dehumanizing remarks) score higher for
/// `insult` than clean rows; left out of the count, the same budget allows a lower line. The
/// main label's line does not move, and training notes both shares.
#[test]
fn a_sub_label_budget_can_count_the_main_labels_acceptable_rows_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = corpus_subset(dir.path(), 700);
    let train = |extra: &[&str], name: &str| {
        let out = dir.path().join(format!("{name}.json"));
        let o = train_toxic_insult(&data, &out, extra);
        assert!(o.status.success(), "{}", stderr(&o));
        (thresholds_of(&out), stderr(&o))
    };
    let budget = ["--review-budget", "insult=0.03"];
    let ((every_toxic, every), notes) = train(&budget, "every");
    assert!(
        notes.contains("(review budget 3.000%) flags")
            && notes.contains("of those acceptable for the main label)"),
        "{notes}"
    );
    let on_main: Vec<&str> = budget
        .iter()
        .copied()
        .chain(["--budgets-on-main-acceptable"])
        .collect();
    let ((main_toxic, acceptable), notes) = train(&on_main, "on-main");
    assert!(
        notes.contains("(review budget 3.000% of the rows acceptable for the main label) flags"),
        "{notes}"
    );
    assert!(
        acceptable < every,
        "counted on toxic-acceptable rows: {acceptable}; on every non-insult row: {every}"
    );
    assert_eq!(main_toxic, every_toxic);
}

#[test]
fn weight_and_threshold_files_must_be_data_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "a.csv", b"text,toxic\nbonjour,0\nsale con,1\n");
    let out = dir.path().join("m.json");
    for (flag, value, expected) in [
        (
            "--weight",
            "b.csv=2",
            "--weight names b.csv, which is not one of the --data files",
        ),
        (
            "--threshold-data",
            "b.csv",
            "--threshold-data names b.csv, which is not one of the --data files",
        ),
    ] {
        let o = run(&[
            "train",
            "--data",
            data.to_str().unwrap(),
            flag,
            value,
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(!o.status.success(), "{flag} {value} should fail");
        assert!(stderr(&o).contains(expected), "{flag}: {}", stderr(&o));
        assert!(!out.exists(), "no model written on error");
    }
}

#[test]
fn corrupt_truncated_and_future_models_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(repo().join("models/default.json")).unwrap();
    let input = write(dir.path(), "c.csv", b"text\nbonjour\n");
    let text = String::from_utf8(good.clone()).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.json",
            good[..good.len() / 3].to_vec(),
            "truncated",
        ),
        (
            "garbage.json",
            b"\x00\x01not a model".to_vec(),
            "not a moderate model file",
        ),
        (
            "edited.json",
            text.replacen("\"main_label\":\"toxic\"", "\"main_label\":\"toxiq\"", 1)
                .into_bytes(),
            "checksum mismatch",
        ),
        (
            "future.json",
            {
                // Whatever version the embedded model is (2 or 3), as version 99.
                let at = text.find("\"version\":").unwrap() + "\"version\":".len();
                let end = at + text[at..].find(',').unwrap();
                format!("{}99{}", &text[..at], &text[end..]).into_bytes()
            },
            "version 99 is newer",
        ),
    ];
    for (name, bytes, expected) in cases {
        let m = write(dir.path(), name, &bytes);
        let o = run(&[
            "score",
            input.to_str().unwrap(),
            "--model",
            m.to_str().unwrap(),
        ]);
        assert!(!o.status.success(), "{name}");
        let err = stderr(&o);
        assert!(
            err.contains(name) && err.contains(expected),
            "{name}: {err}"
        );
    }
    let o = run(&[
        "score",
        input.to_str().unwrap(),
        "--model",
        "/nonexistent/m.json",
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("/nonexistent/m.json"));
}

#[test]
fn training_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let data = corpus_subset(dir.path(), 300);
    let train = |out: &str| {
        let o = bin()
            .current_dir(dir.path())
            .args([
                "train",
                "--data",
                "train.csv",
                "--labels",
                "toxic",
                "--max-features",
                "500",
                "--folds",
                "2",
                "--alphas",
                "1",
                "--seed",
                "5",
                "--out",
                out,
                "--quiet",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(dir.path().join(out)).unwrap()
    };
    let _ = data;
    let a = train("a.json");
    let b = train("a.json");
    assert_eq!(a, b, "same data and seed give the same bytes");
    let card: serde_json::Value = serde_json::from_slice(&a).unwrap();
    let src = &card["model"]["card"]["sources"][0];
    assert_eq!(src["path"], "train.csv");
    assert_eq!(src["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(card["model"]["card"]["created"], "2026-09-21");
}

#[test]
fn explain_prints_scores_and_contributions() {
    let o = run(&["explain", "Ces cafards doivent être exterminés, tous"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    for label in [
        "toxic",
        "insult",
        "slur",
        "dehumanizing",
        "threat",
        "shouting",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(label)),
            "{label} missing:\n{out}"
        );
    }
    assert!(out.contains("dehumanizing:"), "{out}");
    assert!(out.lines().next().unwrap().contains("FLAGGED"), "{out}");
}

#[test]
fn stdin_to_stdout() {
    let mut child = bin()
        .args(["score", "-", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"text\nbonjour\nmerci\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    assert_eq!(String::from_utf8(o.stdout).unwrap().lines().count(), 3);
    assert!(o.stderr.is_empty(), "--quiet prints nothing");
}

#[test]
fn eval_reports_figures_as_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "labeled.csv",
        "text,label,insult\n\
         \"Merci pour ce reportage, très instructif.\",0,0\n\
         \"Le ministre a encore menti sur le budget.\",0,0\n\
         \"Selon l'OSDH, 30 combattants ont été tués hier.\",0,0\n\
         \"Espèce d'abruti, tu comprends rien à rien.\",1,1\n\
         \"Ces cafards envahissent nos rues, faut les écraser.\",1,0\n"
            .as_bytes(),
    );
    let o = run(&[
        "eval",
        "--data",
        data.to_str().unwrap(),
        "--rename",
        "label=toxic",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["rows"], 5);
    let labels: Vec<&str> = v["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["toxic", "insult"]);
    let toxic = &v["labels"][0];
    assert_eq!(toxic["metrics"]["positives"], 2);
    assert!(toxic["metrics"]["roc_auc"].as_f64().unwrap() > 0.9);
    for key in [
        "pr_auc",
        "precision",
        "recall",
        "f1",
        "threshold",
        "base_rate",
    ] {
        assert!(toxic["metrics"][key].is_number(), "{key}");
    }
    let c = &toxic["metrics"]["confusion"];
    assert_eq!(c["tp"].as_u64().unwrap() + c["fn"].as_u64().unwrap(), 2);
    assert_eq!(toxic["budget"].as_array().unwrap().len(), 19);
    assert!(toxic["budget"][0]["review_share"].is_number());
    assert_eq!(
        v["not_evaluated"],
        serde_json::json!(["slur", "dehumanizing", "threat"])
    );

    let o = run(&[
        "eval",
        "--data",
        data.to_str().unwrap(),
        "--rename",
        "label=toxic",
    ]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("review budget for toxic"), "{text}");

    let o = run(&["eval", "--data", "/nonexistent/x.csv"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("/nonexistent/x.csv"));
}

#[test]
fn bom_and_crlf_input_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "bom.csv",
        b"\xef\xbb\xbftext,id\r\n\"Bonjour, merci\",1\r\n\"T'es un abruti\",2\r\n",
    );
    let o = run(&["score", input.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut rdr = csv::Reader::from_reader(&o.stdout[..]);
    assert_eq!(&rdr.headers().unwrap()[0], "text");
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], "Bonjour, merci");
    assert_eq!(&rows[1][1], "2");
}

#[test]
fn closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut content = String::from("text\n");
    for i in 0..50_000 {
        content.push_str(&format!("commentaire numéro {i} sans rien à signaler\n"));
    }
    let input = write(dir.path(), "big.csv", content.as_bytes());
    let mut child = bin()
        .args(["score", input.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe, as `| head -1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    std::io::Read::read(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "exit {:?}: {}", o.status, stderr(&o));
    assert!(!stderr(&o).contains("error"), "{}", stderr(&o));
}

#[test]
fn a_label_over_the_memory_budget_is_fitted_on_a_sample_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = corpus_subset(dir.path(), 600);
    // 13 signals + 2 evidence + 300 n-grams = 315 f32 columns; 1 MB over 2 fits at once leaves
    // room for 416 rows per fit, and toxic has 480 training rows.
    let train = |mb: &str, out: &str| {
        bin()
            .env("RAYON_NUM_THREADS", "2")
            .args([
                "train",
                "--data",
                data.to_str().unwrap(),
                "--labels",
                "toxic",
                "--max-features",
                "300",
                "--max-matrix-mb",
                mb,
                "--out",
                dir.path().join(out).to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    let notes = |out: &str| -> Vec<String> {
        let bytes = std::fs::read(dir.path().join(out)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        v["model"]["card"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect()
    };
    let o = train("1", "sampled.json");
    assert!(o.status.success(), "{}", stderr(&o));
    let said = stderr(&o);
    // The share is the 416 rows that fit over the balanced rows the label would have used (their
    // count depends on the corpus rows the subset takes).
    let (share, balanced) = said
        .split_once("label 'toxic': each fit used a stratified sample of ")
        .and_then(|(_, rest)| {
            let (share, rest) =
                rest.split_once("% of its 480 training rows (the dense matrices of ")?;
            let (rows, _) = rest.split_once(" rows would be over --max-matrix-mb 1)")?;
            Some((share.parse::<f64>().ok()?, rows.parse::<f64>().ok()?))
        })
        .unwrap_or_else(|| panic!("no sampling note: {said}"));
    assert!(balanced > 480.0, "{said}");
    assert!(
        (share / 100.0 * balanced - 416.0).abs() <= 1.0,
        "{share}% of {balanced} rows is not the 416 rows that fit: {said}"
    );
    let sampled = notes("sampled.json");
    assert!(
        sampled.iter().any(|n| n.contains("stratified sample")),
        "{sampled:?}"
    );
    // The sampled model still ranks its held-out rows.
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("sampled.json")).unwrap()).unwrap();
    let auc = v["model"]["labels"][0]["metrics"]["roc_auc"]
        .as_f64()
        .unwrap();
    assert!(auc > 0.6, "held-out ROC AUC {auc}");

    let o = train("8192", "full.json");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("stratified sample"));
    assert!(!notes("full.json").iter().any(|n| n.contains("stratified")));

    // No room for even a few hundred rows: refused, saying what to change.
    let o = train("0", "none.json");
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("--max-matrix-mb 0 leaves room for 0 rows per fit"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("none.json").exists());
}
