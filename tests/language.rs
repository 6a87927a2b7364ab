//! Language per comment, end to end: the real binary on files written here, and `moderate serve`
//! over real HTTP. A comment in a language the model does not cover (Arabic, Arabizi, emoji only)
//! gets no made-up score: `score` leaves its scores empty and flags it `unsupported_language`
//! (`--unsupported skip|flag|score` to choose), `serve` answers Perspective's 400 and Coral's 204.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

mod common;
use common::server::Server;

const BIN: &str = env!("CARGO_BIN_EXE_moderate");

/// « Syrians are insects »: dehumanizing, in Arabic.
const ARABIC: &str = "السوريين حشرات";
const ARABIZI: &str = "wallah 3ayb 3alaykon ya 7mar";
const EMOJI: &str = "😂😂😂";

/// id, text, the language expected, whether the default model covers it.
const ROWS: [(&str, &str, &str, bool); 7] = [
    (
        "1",
        "Je ne suis pas d'accord avec cet article, le débat est utile.",
        "fr",
        true,
    ),
    (
        "2",
        "You are a pathetic idiot and everyone here knows it.",
        "en",
        true,
    ),
    ("3", ARABIC, "ar", false),
    ("4", ARABIZI, "ar-Latn", false),
    ("5", EMOJI, "und", false),
    // A short comment with no function word counts as a covered language.
    ("6", "ok", "und-Latn", true),
    // French with one Arabic word and one « wallah » stays French.
    (
        "7",
        "Wallah il a raison, الحمد لله, c'est la vérité sur ces bactéries.",
        "fr",
        true,
    ),
];

fn input_csv(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("comments.csv");
    let mut w = csv::Writer::from_path(&path).expect("create csv");
    w.write_record(["id", "text"]).expect("header");
    for (id, text, _, _) in ROWS {
        w.write_record([id, text]).expect("row");
    }
    w.flush().expect("flush");
    path
}

fn run(args: &[&str]) -> Output {
    let o = Command::new(BIN).args(args).output().expect("run moderate");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// The output rows as (column → value) lists.
fn csv_rows(out: &[u8]) -> Vec<Vec<(String, String)>> {
    let mut rdr = csv::Reader::from_reader(out);
    let headers: Vec<String> = rdr
        .headers()
        .expect("headers")
        .iter()
        .map(String::from)
        .collect();
    rdr.records()
        .map(|r| {
            let r = r.expect("row");
            headers
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn cell<'a>(row: &'a [(String, String)], column: &str) -> &'a str {
    row.iter()
        .find(|(c, _)| c == column)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no column {column} in {row:?}"))
}

fn scores(row: &[(String, String)]) -> Vec<&str> {
    row.iter()
        .filter(|(c, _)| c.starts_with("score_") || c == "shouting")
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn unsupported_languages_are_flagged_with_empty_scores_by_default() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = input_csv(dir.path());
    let o = run(&["score", input.to_str().expect("path")]);
    let rows = csv_rows(&o.stdout);
    assert_eq!(rows.len(), ROWS.len());
    let names: Vec<&str> = rows[0].iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(names.last(), Some(&"language"));
    for ((id, text, language, covered), row) in ROWS.iter().zip(&rows) {
        assert_eq!(cell(row, "id"), *id);
        assert_eq!(cell(row, "language"), *language, "{text}");
        let flagged = cell(row, "flagged");
        if *covered {
            assert!(
                scores(row).iter().all(|s| s.parse::<f64>().is_ok()),
                "{text}: {row:?}"
            );
            assert!(!flagged.contains("unsupported_language"), "{text}");
        } else {
            assert!(scores(row).iter().all(|s| s.is_empty()), "{text}: {row:?}");
            assert_eq!(flagged, "unsupported_language", "{text}");
            assert_eq!(cell(row, "reasons"), format!("language:{language}"));
            assert_eq!(cell(row, "error"), "", "{text}");
        }
    }
    // The English insult is still scored and flagged.
    assert!(cell(&rows[1], "flagged").contains("toxic"), "{:?}", rows[1]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "3 comments in languages the model does not cover (ar 1, ar-Latn 1, und 1): \
             not scored, flagged unsupported_language"
        ),
        "{err}"
    );
}

#[test]
fn unsupported_score_scores_them_and_skip_leaves_them_unflagged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = input_csv(dir.path());
    let input = input.to_str().expect("path");
    let scored = csv_rows(&run(&["score", input, "--unsupported", "score"]).stdout);
    let skipped = csv_rows(&run(&["score", input, "--unsupported", "skip"]).stdout);
    let default = csv_rows(&run(&["score", input]).stdout);
    for (i, (_, text, language, covered)) in ROWS.iter().enumerate() {
        assert_eq!(cell(&scored[i], "language"), *language);
        assert_eq!(cell(&skipped[i], "language"), *language);
        assert!(
            scores(&scored[i]).iter().all(|s| s.parse::<f64>().is_ok()),
            "{text}: {:?}",
            scored[i]
        );
        assert!(!cell(&scored[i], "flagged").contains("unsupported_language"));
        if *covered {
            // Covered comments are scored the same whatever the option.
            assert_eq!(scored[i], default[i], "{text}");
            assert_eq!(skipped[i], default[i], "{text}");
        } else {
            assert!(scores(&skipped[i]).iter().all(|s| s.is_empty()), "{text}");
            assert_eq!(cell(&skipped[i], "flagged"), "", "{text}");
            assert_eq!(cell(&skipped[i], "reasons"), format!("language:{language}"));
        }
    }
}

#[test]
fn json_lines_and_json_arrays_carry_the_language() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lines: Vec<String> = ROWS
        .iter()
        .map(|(id, text, _, _)| json!({"id": id, "text": text}).to_string())
        .collect();
    let jsonl = dir.path().join("c.jsonl");
    std::fs::write(&jsonl, lines.join("\n") + "\n").expect("write jsonl");
    let array = dir.path().join("c.json");
    std::fs::write(&array, format!("[{}]", lines.join(",\n"))).expect("write json");

    let from_lines: Vec<Value> =
        String::from_utf8(run(&["score", jsonl.to_str().expect("p")]).stdout)
            .expect("UTF-8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect();
    let from_array: Vec<Value> =
        serde_json::from_slice(&run(&["score", array.to_str().expect("p")]).stdout)
            .expect("JSON array");
    for objects in [&from_lines, &from_array] {
        assert_eq!(objects.len(), ROWS.len());
        for ((_, text, language, covered), v) in ROWS.iter().zip(objects.iter()) {
            assert_eq!(v["language"], json!(language), "{text}");
            if *covered {
                assert!(v["score_toxic"].is_f64(), "{v}");
            } else {
                assert_eq!(v["score_toxic"], Value::Null, "{v}");
                assert_eq!(v["shouting"], Value::Null, "{v}");
                assert_eq!(v["flagged"], json!(["unsupported_language"]), "{v}");
                assert_eq!(v["reasons"], json!([format!("language:{language}")]), "{v}");
            }
        }
    }
}

/// A model file saying it covers Arabic too: its Arabic rows are scored (the list is the model's).
#[test]
fn the_model_file_says_which_languages_it_covers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = input_csv(dir.path());
    let mut data =
        moderate::model::ModelData::from_bytes(moderate::model::DEFAULT_MODEL, "default")
            .expect("default model");
    assert_eq!(data.languages, ["fr", "en"]);
    data.languages.push("ar".into());
    let model = dir.path().join("with-ar.json");
    std::fs::write(&model, data.to_bytes().expect("model bytes")).expect("write model");
    let rows = csv_rows(
        &run(&[
            "score",
            input.to_str().expect("path"),
            "--model",
            model.to_str().expect("path"),
        ])
        .stdout,
    );
    let arabic = &rows[2];
    assert_eq!(cell(arabic, "language"), "ar");
    assert!(
        cell(arabic, "score_toxic").parse::<f64>().is_ok(),
        "{arabic:?}"
    );
    // Arabizi is not Arabic script: still not covered.
    assert_eq!(cell(&rows[3], "flagged"), "unsupported_language");
}

const SECRET: &str = "ems_language_test_5e1d";

impl Server {
    /// `moderate serve` on a free loopback port; `--threshold 0` makes any score a decision.
    fn start() -> Server {
        Server::spawn(&["--coral-secret", SECRET, "--threshold", "0"], &[])
    }

    /// POST `body` to `path`: the status and the body.
    fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).ok();
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).expect("write head");
        s.write_all(body).expect("write body");
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let text = String::from_utf8(raw).expect("UTF-8 answer");
        let (head, body) = text.split_once("\r\n\r\n").expect("HTTP answer");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("status");
        (status, body.to_string())
    }

    fn analyze(&self, request: &Value) -> (u16, Value) {
        let (status, body) = self.post(
            "/v1alpha1/comments:analyze",
            &[],
            request.to_string().as_bytes(),
        );
        (status, serde_json::from_str(&body).expect("JSON answer"))
    }

    fn coral(&self, comment: &str) -> (u16, String) {
        let body = json!({"action": "NEW", "comment": {"body": comment}}).to_string();
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("hmac key");
        mac.update(body.as_bytes());
        let sig: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let sig = format!("sha256={sig}");
        self.post(
            "/coral/moderate",
            &[("X-Coral-Signature", &sig)],
            body.as_bytes(),
        )
    }
}

#[test]
fn perspective_refuses_unsupported_languages_as_perspective_does() {
    let server = Server::start();
    let ask = |text: &str, languages: Option<&[&str]>| {
        let mut request = json!({
            "comment": {"text": text},
            "requestedAttributes": {"TOXICITY": {}},
        });
        if let Some(l) = languages {
            request["languages"] = json!(l);
        }
        server.analyze(&request)
    };
    for (text, code) in [(ARABIC, "ar"), (ARABIZI, "ar-Latn"), (EMOJI, "und")] {
        let (status, v) = ask(text, None);
        assert_eq!(status, 400, "{text}: {v}");
        assert_eq!(v["error"]["code"], json!(400), "{v}");
        assert_eq!(v["error"]["status"], json!("INVALID_ARGUMENT"), "{v}");
        assert_eq!(
            v["error"]["message"],
            json!(format!(
                "Attribute TOXICITY does not support request languages: {code}"
            )),
            "{v}"
        );
        assert!(v.get("attributeScores").is_none(), "{v}");
    }
    // Supported languages are scored and their language said.
    let (status, v) = ask(ROWS[0].1, None);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["languages"], json!(["fr"]));
    assert_eq!(v["detectedLanguages"], json!(["fr"]));
    assert!(v["attributeScores"]["TOXICITY"]["summaryScore"]["value"].is_f64());
    // A language the client names is trusted: covered, scored; not covered, refused.
    let (status, v) = ask(ARABIC, Some(&["fr"]));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["languages"], json!(["fr"]));
    let (status, v) = ask(ROWS[0].1, Some(&["ar"]));
    assert_eq!(status, 400, "{v}");
    assert_eq!(
        v["error"]["message"],
        json!("Attribute TOXICITY does not support request languages: ar")
    );
}

#[test]
fn coral_gives_no_opinion_on_unsupported_languages() {
    let server = Server::start();
    // With --threshold 0 any score withholds the comment: a 204 means no score was made.
    let (status, body) = server.coral(ROWS[0].1);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("SYSTEM_WITHHELD"), "{body}");
    for text in [ARABIC, ARABIZI, EMOJI] {
        let (status, body) = server.coral(text);
        assert_eq!(status, 204, "{text}: {body}");
        assert_eq!(body, "", "{text}");
    }
}
