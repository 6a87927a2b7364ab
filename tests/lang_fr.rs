//! The report and `explain` in French (issue 14): `--lang fr`, or a French locale in `LC_ALL`,
//! `LC_MESSAGES` or `LANG` (the first one set wins, as in gettext); English otherwise, and the
//! English text as it was. The real binary, the embedded default model and rows of the project's
//! own corpus (`training/comments.csv`), written by the tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use moderate::i18n::LOCALE_VARS;

/// The binary with no locale variable set, so that the ambient locale chooses nothing.
fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_moderate"));
    c.env("SOURCE_DATE_EPOCH", "1790000000");
    for var in LOCALE_VARS {
        c.env_remove(var);
    }
    c
}

/// Run with `env` set.
fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = bin();
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("run moderate");
    assert!(
        o.status.success(),
        "moderate {args:?} with {env:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `n` rows spread over the project's corpus, columns `text,toxic,insult`.
fn labeled(dir: &Path, n: usize) -> PathBuf {
    let mut rdr = csv::Reader::from_path(repo().join("training/comments.csv")).expect("corpus");
    let headers = rdr.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (text, toxic, insult) = (col("text"), col("toxic"), col("insult"));
    let all: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
    let path = dir.join("labeled.csv");
    let mut w = csv::Writer::from_path(&path).expect("create");
    w.write_record(["text", "toxic", "insult"]).expect("write");
    for r in all.iter().step_by((all.len() / n).max(1)).take(n) {
        w.write_record([&r[text], &r[toxic], &r[insult]])
            .expect("write");
    }
    w.flush().expect("flush");
    path
}

/// `eval --report` on `data` with `extra` arguments and `env`; the page.
fn eval_report(
    dir: &Path,
    data: &Path,
    name: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> String {
    let report = dir.join(name);
    let mut args = vec![
        "eval",
        "--data",
        data.to_str().expect("path"),
        "--report",
        report.to_str().expect("path"),
    ];
    args.extend_from_slice(extra);
    run_env(&args, env);
    std::fs::read_to_string(&report).expect("report")
}

/// The figures the report embeds as JSON.
fn figures(html: &str) -> serde_json::Value {
    let tag = "<script type=\"application/json\" id=\"figures\">";
    let start = html.find(tag).expect("figures") + tag.len();
    let end = start + html[start..].find("</script>").expect("end");
    serde_json::from_str(&html[start..end]).expect("JSON")
}

/// `html` without what lies between each `open` and the next `close`.
fn without(html: &str, open: &str, close: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find(open) {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(close).expect("closed");
        rest = &rest[i + end + close.len()..];
    }
    out.push_str(rest);
    out
}

/// What the page itself says: without its SVG charts, embedded figures, and the comments of the
/// data with their reasons (they are in whatever language their authors wrote).
fn prose(html: &str) -> String {
    let out = without(html, "<svg ", "</svg>");
    let out = without(&out, "<td class=\"text\">", "</td>");
    let out = without(&out, "<td class=\"why\">", "</td>");
    out[..out.find("<script type=").expect("figures")].to_string()
}

/// Every `<text>` of the page's charts.
fn chart_texts(html: &str) -> Vec<String> {
    html.split("<text ")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

/// What only the French page says (headings, captions, the summary's sentence, charts).
const FRENCH: &[&str] = &[
    "<html lang=\"fr\">",
    "<title>moderate — rapport d&#39;évaluation</title>",
    "<tr><th>Modèle</th><td>modèle par défaut intégré</td></tr>",
    "<tr><th>Lignes évaluées</th><td>300</td></tr>",
    "<tr><th>Rapport établi le</th><td>2026-09-21</td></tr>",
    "<h2>Synthèse</h2>",
    "<th>étiquette</th><th>lignes</th><th>avec l'étiquette</th><th>ROC AUC</th><th>PR AUC</th>\
     <th>prévalence</th><th>seuil</th><th>précision</th><th>rappel</th><th>F1</th>",
    "<h2>toxic <span class=\"note\">— propos toxiques</span></h2>",
    "<h2>insult <span class=\"note\">— insulte</span></h2>",
    "<p>Au seuil de <b>0,",
    "des commentaires «\u{a0}toxic\u{a0}» seraient repérés\u{a0};",
    "des commentaires signalés seraient réellement «\u{a0}toxic\u{a0}» (précision).",
    "<caption class=\"note\">Matrice de confusion sur ces lignes (effectifs bruts, sans \
     repondération)</caption>",
    "<th>signalés (score ≥ 0,",
    "<th>non signalés</th>",
    "<th>pas «\u{a0}toxic\u{a0}»</th>",
    "<summary>Tableau du budget de modération</summary>",
    "<th>seuil</th><th>envoyés en modération</th><th>«\u{a0}toxic\u{a0}» repérés</th>\
     <th>précision</th>",
    "<h3>Pires faux positifs\u{a0}: pas «\u{a0}toxic\u{a0}», aux scores les plus hauts (",
    "<h3>Pires faux négatifs\u{a0}: «\u{a0}toxic\u{a0}», aux scores les plus bas (",
    "<th>score</th><th>emplacement</th><th>commentaire</th><th>fait monter / baisser le score</th>",
    "La précision, la PR AUC et la part des commentaires envoyés en modération",
];

/// What only the English page says.
const ENGLISH: &[&str] = &[
    "<html lang=\"en\">",
    "<title>moderate — evaluation report</title>",
    "<tr><th>Model</th><td>embedded default model</td></tr>",
    "<h2>Summary</h2>",
    "<th>label</th><th>rows</th><th>with label</th>",
    "<p>At the model's threshold of <b>0.",
    "Confusion matrix on these rows",
    "<summary>Review-budget table</summary>",
    "<h3>Worst false positives: not 'toxic', scored highest (",
    "<h3>Worst false negatives: 'toxic', scored lowest (",
    "<th>raised by / lowered by</th>",
    "Precision, PR AUC and the share of comments sent to review",
];

fn assert_french(html: &str) {
    for s in FRENCH {
        assert!(html.contains(s), "French page lacks {s:?}");
    }
    let text = prose(html);
    for s in ENGLISH {
        assert!(!text.contains(s), "French page has English {s:?}");
    }
    for s in [
        "Summary",
        "threshold",
        "precision",
        "recall",
        "Worst",
        "caught",
        "flagged",
        "comments",
    ] {
        assert!(!text.contains(s), "French page says {s:?}");
    }
    // French numbers in prose and tables (after the header, which names moderate's version): no
    // decimal point between digits.
    let summary = text.find("<h2>Synthèse</h2>").expect("summary");
    let digits_dot_digits = text.as_bytes()[summary..]
        .windows(3)
        .filter(|w| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit())
        .count();
    assert_eq!(digits_dot_digits, 0, "French page has a decimal point");
    assert!(text.contains("\u{a0}%</td>"), "percentages as « 12,5 % »");
    // The charts too.
    let charts = chart_texts(html);
    for want in [
        "toxic\u{a0}: courbe ROC (AUC 0,",
        "toxic\u{a0}: précision-rappel (AP 0,",
        "toxic\u{a0}: scores de chaque classe",
        "toxic\u{a0}: budget de modération (prévalence ",
        "commentaires sans «\u{a0}toxic\u{a0}» signalés",
        "commentaires «\u{a0}toxic\u{a0}» repérés",
        "part des commentaires envoyés en modération",
        "précision à la prévalence",
        "modèle parfait / hasard",
        "hasard",
        "modèle",
        "100\u{a0}%",
    ] {
        assert!(
            charts.iter().any(|t| t.starts_with(want)),
            "no chart text {want:?}"
        );
    }
    for t in &charts {
        for english in [
            "threshold",
            "comments",
            "curve",
            "review",
            "model",
            "chance",
        ] {
            assert!(!t.contains(english), "chart text in English: {t:?}");
        }
        assert!(!t.ends_with("0%"), "percent sign after a space: {t:?}");
    }
}

fn assert_english(html: &str) {
    for s in ENGLISH {
        assert!(html.contains(s), "English page lacks {s:?}");
    }
    let text = prose(html);
    for s in FRENCH {
        assert!(!text.contains(s), "English page has French {s:?}");
    }
    assert!(!text.contains('«') && !text.contains("seuil"));
    let charts = chart_texts(html);
    assert!(charts
        .iter()
        .any(|t| t.starts_with("toxic: ROC curve (AUC 0.")));
    assert!(charts.iter().any(|t| t == "100%"));
}

#[test]
fn eval_report_in_french_with_the_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = labeled(dir.path(), 300);
    let fr = eval_report(dir.path(), &data, "fr.html", &["--lang", "fr"], &[]);
    assert_french(&fr);
    // The embedded figures are data: the same, English keys, as `eval --json`.
    let o = run_env(
        &["eval", "--data", data.to_str().expect("path"), "--json"],
        &[],
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(figures(&fr), json);
    // The French figures are the English ones, in French style.
    let en = eval_report(dir.path(), &data, "en.html", &["--lang", "en"], &[]);
    assert_english(&en);
    let toxic = &json["labels"][0]["metrics"];
    let auc = format!("{:.3}", toxic["roc_auc"].as_f64().expect("auc"));
    assert!(en.contains(&format!("ROC AUC {auc}, PR AUC")));
    assert!(fr.contains(&format!("ROC AUC {}, PR AUC", auc.replace('.', ","))));
    let c = &toxic["confusion"];
    let fp = c["fp"].as_u64().expect("fp");
    let alarms = if fp <= 1 {
        "fausse alerte"
    } else {
        "fausses alertes"
    };
    assert!(fr.contains(&format!(
        "<td class=\"ok\">{} repérés</td><td class=\"bad\">{} manqués</td>",
        c["tp"], c["fn"]
    )));
    assert!(fr.contains(&format!("<td class=\"bad\">{fp} {alarms}</td>")));
}

#[test]
fn french_from_the_environment_and_its_precedence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = labeled(dir.path(), 300);
    let flag = eval_report(dir.path(), &data, "flag.html", &["--lang", "fr"], &[]);
    // LANG alone: the same page as --lang fr, byte for byte.
    let lang = eval_report(
        dir.path(),
        &data,
        "lang.html",
        &[],
        &[("LANG", "fr_FR.UTF-8")],
    );
    assert_eq!(lang, flag);
    // LC_MESSAGES over LANG, LC_ALL over both; an empty one does not count.
    for (name, env, french) in [
        ("a", &[("LC_ALL", "C"), ("LANG", "fr_FR.UTF-8")][..], false),
        (
            "b",
            &[("LC_MESSAGES", "fr_CA"), ("LANG", "en_US.UTF-8")],
            true,
        ),
        (
            "c",
            &[("LC_MESSAGES", "POSIX"), ("LANG", "fr_FR.UTF-8")],
            false,
        ),
        ("d", &[("LC_ALL", "fr"), ("LC_MESSAGES", "C")], true),
        ("e", &[("LC_ALL", ""), ("LANG", "fr_FR.UTF-8")], true),
        ("f", &[("LANG", "C.UTF-8")], false),
    ] {
        let html = eval_report(dir.path(), &data, &format!("{name}.html"), &[], env);
        if french {
            assert_eq!(html, flag, "{env:?} is French");
        } else {
            assert_english(&html);
        }
    }
    // No variable at all: English; the flag wins over the environment.
    assert_english(&eval_report(dir.path(), &data, "none.html", &[], &[]));
    let en = eval_report(
        dir.path(),
        &data,
        "en.html",
        &["--lang", "en"],
        &[("LC_ALL", "fr_FR.UTF-8")],
    );
    assert_english(&en);
    let fr = eval_report(
        dir.path(),
        &data,
        "fr.html",
        &["--lang", "fr"],
        &[("LC_ALL", "C")],
    );
    assert_eq!(fr, flag);
}

#[test]
fn a_label_absent_from_the_data_says_so_in_french() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("calm.csv");
    let mut w = csv::Writer::from_path(&data).expect("create");
    w.write_record(["text", "toxic"]).expect("write");
    for i in 0..12 {
        w.write_record([format!("Analyse équilibrée, point numéro {i}."), "0".into()])
            .expect("write");
    }
    w.flush().expect("flush");
    let html = eval_report(dir.path(), &data, "calm.html", &["--lang", "fr"], &[]);
    assert!(html.contains(
        "Aucune ligne ici n'est «\u{a0}toxic\u{a0}»\u{a0}: les courbes et les AUC demandent"
    ));
    assert!(html.contains("<p class=\"note\">Aucun.</p>"));
    assert!(
        html.contains("<td class=\"bad\">0 manqué</td>"),
        "0 is singular in French"
    );
    assert!(!html.contains("NaN"));
}

#[test]
fn train_report_in_french() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = labeled(dir.path(), 300);
    let model = dir.path().join("model.json");
    let report = dir.path().join("held-out.html");
    run_env(
        &[
            "train",
            "--data",
            data.to_str().expect("path"),
            "--labels",
            "toxic,insult",
            "--max-features",
            "300",
            "--max-evidence",
            "2000",
            "--folds",
            "2",
            "--alphas",
            "1",
            "--out",
            model.to_str().expect("path"),
            "--report",
            report.to_str().expect("path"),
            "--quiet",
        ],
        &[("LANG", "fr_FR.UTF-8")],
    );
    let html = std::fs::read_to_string(&report).expect("report");
    assert!(html.contains("<html lang=\"fr\">"));
    assert!(html.contains("<h1>moderate — rapport sur les lignes mises de côté</h1>"));
    assert!(html.contains(
        "(les lignes mises de côté parmi les 300 lignes lues (--holdout 0.2, --seed 42), jamais \
         utilisées pour l&#39;entraînement)"
    ));
    assert!(html.contains("<h2>Synthèse</h2>") && !html.contains("<h2>Summary</h2>"));
    assert!(html.contains(&model.display().to_string()));
}

#[test]
fn lang_needs_a_report_and_a_known_language() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = labeled(dir.path(), 20);
    let data = data.to_str().expect("path");
    let report = dir.path().join("r.html");
    let report = report.to_str().expect("path");
    for args in [
        &["eval", "--data", data, "--report", report, "--lang", "de"][..],
        &["explain", "--lang", "français", "bonjour"],
    ] {
        let o = bin().args(args).output().expect("run");
        assert_eq!(o.status.code(), Some(2), "{args:?}: a bad command line");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("invalid value") && err.contains("[possible values: en, fr]"),
            "{err}"
        );
    }
    // eval's --lang is the report's language: without a report it is a mistake.
    let o = bin()
        .args(["eval", "--data", data, "--lang", "fr"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--report"));
    assert!(!Path::new(report).exists());
}

const COMMENT: &str = "Ces bactéries qui envahissent notre pays, il faut les éradiquer";

/// `explain COMMENT --top 3` with `extra` arguments and `env`.
fn explain(extra: &[&str], env: &[(&str, &str)]) -> String {
    let mut args = vec!["explain", COMMENT, "--top", "3"];
    args.extend_from_slice(extra);
    String::from_utf8(run_env(&args, env).stdout).expect("UTF-8")
}

#[test]
fn explain_in_french() {
    let en = explain(&[], &[]);
    let fr = explain(&["--lang", "fr"], &[]);
    assert_eq!(explain(&[], &[("LANG", "fr_FR.UTF-8")]), fr);
    assert_eq!(
        explain(&[], &[("LC_ALL", "C"), ("LANG", "fr_FR.UTF-8")]),
        en
    );
    assert_eq!(explain(&["--lang", "en"], &[("LANG", "fr_FR.UTF-8")]), en);

    let first = fr.lines().next().expect("a line");
    assert!(first.starts_with("toxic          0,"), "{first}");
    assert!(
        first.contains("  (seuil 0,") && first.ends_with(") SIGNALÉ"),
        "{first}"
    );
    assert!(fr
        .lines()
        .any(|l| l.starts_with("shouting       0,") && l.contains("(seuil 0,500)")));
    let intercepts = fr
        .lines()
        .filter(|l| l.ends_with("  constante (le point de départ de tout commentaire)"))
        .count();
    let calibrations: Vec<&str> = fr
        .lines()
        .filter(|l| l.contains("  calibrage (le décalage vers une prévalence de "))
        .collect();
    let labels = en.lines().filter(|l| !l.starts_with(' ')).count() - 1;
    assert_eq!(intercepts, labels, "{fr}");
    assert_eq!(calibrations.len(), labels, "{fr}");
    assert!(
        calibrations[0].ends_with("prévalence de 10\u{a0}%)"),
        "{}",
        calibrations[0]
    );
    for english in [
        "threshold",
        "FLAGGED",
        "intercept",
        "calibration",
        "base rate",
    ] {
        assert!(!fr.contains(english), "{english} in French:\n{fr}");
    }

    // Line for line the same figures and reasons: only the words and the decimal mark differ.
    assert_eq!(fr.lines().count(), en.lines().count());
    for (f, e) in fr.lines().zip(en.lines()) {
        // A label line: name and score; a contribution: its weight.
        let take = if e.starts_with(' ') { 1 } else { 2 };
        let fields = |l: &str| -> Vec<String> {
            l.split_whitespace()
                .take(take)
                .map(|s| s.replace(',', "."))
                .collect()
        };
        assert_eq!(fields(f), fields(e), "{f} / {e}");
        if let Some(reason) = e.strip_prefix("    ").and_then(|r| r.split_once("  ")) {
            if !reason.1.starts_with("intercept") && !reason.1.starts_with("calibration") {
                assert!(
                    f.ends_with(reason.1),
                    "the reason stays the model's: {f} / {e}"
                );
            }
        }
    }
}

#[test]
fn explain_in_english_is_unchanged() {
    let en = explain(&[], &[]);
    let lines: Vec<&str> = en.lines().collect();
    let first = lines[0];
    // `toxic          0.946  (threshold 0.269) FLAGGED`, as the README shows it.
    assert_eq!(&first[..15], "toxic          ", "{first}");
    let (score, rest) = first[15..].split_once("  (threshold ").expect(first);
    assert_eq!(score.len(), 5, "{first}");
    assert!(
        score.starts_with("0.") && rest.len() == ") FLAGGED".len() + 5,
        "{first}"
    );
    assert!(rest.ends_with(") FLAGGED"), "{first}");
    assert!(lines
        .iter()
        .any(|l| l.ends_with("  intercept (where every comment starts)")));
    assert!(lines
        .iter()
        .any(|l| l.ends_with("  calibration (the shift to a 10% base rate)")));
    let last = lines.last().expect("shouting");
    assert!(
        last.starts_with("shouting       0.") && last.ends_with("  (threshold 0.500) "),
        "{last:?}"
    );
    assert!(!en.contains("seuil") && !en.contains("SIGNALÉ"), "{en}");
    let digit_comma_digit = en
        .as_bytes()
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b',' && w[2].is_ascii_digit());
    assert!(!digit_comma_digit, "{en}");
}
