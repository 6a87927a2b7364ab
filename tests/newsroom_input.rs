//! Newsroom files through the real binary (issue 14's input side, issue 15's hostile input):
//! Excel's `;`/Windows-1252/CRLF export, TSV, UTF-16, JSON arrays, HTML comments, French column
//! names, re-scored files, rows with extra fields, CRLF line numbers, JSON Lines bytes kept, and a
//! bound on one record (`/dev/zero`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn moderate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moderate"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run moderate")
}

fn score(path: &Path, extra: &[&str]) -> (String, String, Output) {
    let mut args = vec!["score", path.to_str().unwrap_or("")];
    args.extend_from_slice(extra);
    let o = moderate(&args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (String::from_utf8_lossy(&o.stdout).into_owned(), stderr, o)
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write input");
    p
}

/// Rows of a delimited output, the header first.
fn rows(out: &str, delimiter: u8) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(out.as_bytes());
    rdr.records()
        .map(|r| r.expect("output row").iter().map(str::to_string).collect())
        .collect()
}

fn cell<'a>(rows: &'a [Vec<String>], row: usize, column: &str) -> &'a str {
    let i = rows[0]
        .iter()
        .position(|c| c == column)
        .unwrap_or_else(|| panic!("no column {column} in {:?}", rows[0]));
    &rows[row][i]
}

const HATE: &str = "Ces bactéries qui envahissent notre pays. Il faut les éradiquer";

#[test]
fn excel_semicolon_windows_1252_crlf() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!(
        "id;auteur;date;text\r\n1;Zoé;2024-05-01;{HATE}\r\n2;Léa;2024-05-02;Très bon article, merci\r\n3;bad\r\n"
    );
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let input = write(dir.path(), "export.csv", &cp1252);
    let (out, err, o) = score(&input, &[]);
    assert!(o.status.success() || o.status.code() == Some(3), "{err}");
    assert!(err.contains("windows-1252"), "{err}");
    assert!(err.contains("output is UTF-8"), "{err}");
    assert!(err.contains("delimiter ';'"), "{err}");
    assert!(err.contains("export.csv:4:"), "CRLF line numbers: {err}");
    let r = rows(&out, b';');
    assert_eq!(r[0][..4], ["id", "auteur", "date", "text"]);
    assert_eq!(r[1][1], "Zoé", "decoded into UTF-8");
    assert_eq!(r[1][3], HATE);
    assert!(
        cell(&r, 1, "flagged").contains("dehumanizing"),
        "{:?}",
        r[1]
    );
    assert_eq!(cell(&r, 2, "error"), "");
    assert_eq!(r.len(), 4);
    // Forcing another encoding is obeyed, and a bad label is a clear error.
    let (out, err, _) = score(&input, &["--encoding", "utf-8"]);
    assert!(out.contains("invalid UTF-8"), "{out}{err}");
    let (_, err, o) = score(&input, &["--encoding", "klingon"]);
    assert!(!o.status.success());
    assert!(err.contains("unknown encoding 'klingon'"), "{err}");
}

#[test]
fn tsv_and_forced_delimiter() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(
        dir.path(),
        "c.tsv",
        format!("id\ttext\n1\t{HATE}\n2\tmerci, bonne journée\n").as_bytes(),
    );
    let (out, err, o) = score(&input, &[]);
    assert!(o.status.success(), "{err}");
    let r = rows(&out, b'\t');
    assert_eq!(r[2][1], "merci, bonne journée");
    assert!(cell(&r, 1, "flagged").contains("dehumanizing"));
    // A pipe-separated file read with --delimiter.
    let input = write(
        dir.path(),
        "p.txt",
        format!("id|text\n1|{HATE}\n").as_bytes(),
    );
    let (out, err, o) = score(&input, &["--delimiter", "|"]);
    assert!(o.status.success(), "{err}");
    assert!(out.starts_with("id|text|score_"), "{out}");
}

#[test]
fn utf16_with_bom() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!("id,text\r\n1,{HATE}\r\n2,Merci\r\n");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let input = write(dir.path(), "u16.csv", &bytes);
    let (out, err, o) = score(&input, &[]);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("UTF-16LE"), "{err}");
    let r = rows(&out, b',');
    assert_eq!(r[1][1], HATE);
    assert!(cell(&r, 1, "flagged").contains("dehumanizing"));
}

#[test]
fn json_array_in_and_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let content = format!(
        "[\n  {{\"id\": 1, \"text\": \"{HATE}\", \"n\": 1.50}},\n  42,\n  {{\"id\": 3, \"text\": \"merci\"}}\n]\n"
    );
    let input = write(dir.path(), "export.json", content.as_bytes());
    let (out, err, _) = score(&input, &[]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("a JSON array out");
    let a = v.as_array().expect("array");
    assert_eq!(a.len(), 3);
    assert_eq!(a[0]["id"], 1);
    assert!(a[0]["flagged"]
        .as_array()
        .is_some_and(|f| f.iter().any(|x| x == "dehumanizing")));
    assert!(out.contains("\"n\": 1.50"), "bytes kept: {out}");
    assert_eq!(a[1]["element"], 1);
    assert!(a[1]["error"]
        .as_str()
        .is_some_and(|e| e.contains("element 1: not a JSON object")));
    assert!(err.contains("export.json:3: element 1"), "{err}");
    assert_eq!(a[2]["error"], serde_json::Value::Null);
}

#[test]
fn html_comments_are_scored_on_their_text_and_written_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let html = "<p>Ces <b>bact&eacute;ries</b> qui envahissent notre pays, il faut les &eacute;radiquer</p>";
    let content = format!("id,text\n1,\"{html}\"\n2,<p>Merci<br>pour l'article</p>\n3,<i>ok</i>\n");
    let input = write(dir.path(), "html.csv", content.as_bytes());
    let (out, err, o) = score(&input, &["--all-reasons"]);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("HTML"), "auto-detection said: {err}");
    let r = rows(&out, b',');
    assert_eq!(r[1][1], html, "the original text is written back");
    assert!(
        cell(&r, 1, "flagged").contains("dehumanizing"),
        "{:?}",
        r[1]
    );
    assert!(
        cell(&r, 1, "reasons").contains("dehumanizing:bactéries"),
        "{:?}",
        r[1]
    );
    let on: f64 = cell(&r, 1, "score_dehumanizing").parse().expect("score");
    // Off: the tags and references are read as words, the lexicon hit is lost.
    let (out, _, _) = score(&input, &["--all-reasons", "--html", "off"]);
    let r = rows(&out, b',');
    assert!(
        !cell(&r, 1, "reasons").contains("dehumanizing:bactéries"),
        "{:?}",
        r[1]
    );
    let off: f64 = cell(&r, 1, "score_dehumanizing").parse().expect("score");
    assert!(on > off + 0.2, "{on} vs {off}");
}

#[test]
fn french_column_names_duplicates_and_case() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(
        dir.path(),
        "fr.csv",
        format!("id,Commentaire,Commentaire\n1,{HATE},merci\n").as_bytes(),
    );
    let (out, err, o) = score(&input, &[]);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("text column: 'Commentaire'"), "{err}");
    assert!(err.contains("appears 2 times"), "{err}");
    assert!(err.contains("the first is read"), "{err}");
    let r = rows(&out, b',');
    assert!(cell(&r, 1, "flagged").contains("dehumanizing"));
    // --text-column whatever its case.
    let (out, err, o) = score(&input, &["--text-column", "commentaire"]);
    assert!(o.status.success(), "{err}");
    assert!(rows(&out, b',')[1]
        .iter()
        .any(|c| c.contains("dehumanizing")));
    // No known column: the message names what was looked for, escaping control characters.
    let input = write(dir.path(), "none.csv", b"id,\x1b[31mrouge\n1,x\n");
    let (_, err, o) = score(&input, &[]);
    assert!(!o.status.success());
    assert!(err.contains("no column named 'text'"), "{err}");
    assert!(err.contains("\\u{1b}[31mrouge"), "{err}");
    assert!(
        !err.contains('\x1b'),
        "no raw escape reaches the terminal: {err:?}"
    );
}

#[test]
fn a_scored_file_rescored_has_one_set_of_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(
        dir.path(),
        "in.csv",
        format!("id,text\n1,{HATE}\n").as_bytes(),
    );
    let (once, _, _) = score(&input, &[]);
    let scored = write(dir.path(), "scored.csv", once.as_bytes());
    let (twice, err, o) = score(&scored, &[]);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("scored before"), "{err}");
    assert_eq!(twice, once, "the same columns, replaced");
    // JSON Lines too.
    let input = write(
        dir.path(),
        "in.jsonl",
        format!("{{\"id\":1,\"text\":\"{HATE}\"}}\n").as_bytes(),
    );
    let (once, _, _) = score(&input, &[]);
    let scored = write(dir.path(), "scored.jsonl", once.as_bytes());
    let (twice, _, _) = score(&scored, &[]);
    assert_eq!(twice.matches("score_toxic").count(), 1, "{twice}");
    assert_eq!(twice.len(), once.len());
}

#[test]
fn a_row_with_extra_fields_is_an_error_at_the_header_width() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "x.csv", b"id,text\n1,bonjour,0.0001\n2,merci\n");
    let (out, err, _) = score(&input, &[]);
    assert!(
        err.contains("x.csv:2: this row has 3 fields, the header has 2"),
        "{err}"
    );
    let r = rows(&out, b',');
    assert_eq!(r[1].len(), r[0].len(), "written at the header's width");
    assert_eq!(
        cell(&r, 1, "score_toxic"),
        "",
        "no field under a score column"
    );
    assert!(!cell(&r, 1, "error").is_empty());
    assert_ne!(cell(&r, 2, "score_toxic"), "");
}

#[test]
fn crlf_line_numbers_in_score_and_train() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "c.csv", b"id,text\r\n1,ok\r\nbad\r\n");
    let (_, err, _) = score(&input, &[]);
    assert!(err.contains("c.csv:3:"), "{err}");
    assert!(!err.contains("c.csv:2:"), "{err}");
    let data = write(
        dir.path(),
        "t.csv",
        b"text,toxic\r\n\"deux\r\nlignes\",0\r\nbonjour,1\r\nsalut,oui\r\n",
    );
    let model = dir.path().join("m.json");
    let o = moderate(&[
        "train",
        "--data",
        data.to_str().unwrap_or(""),
        "--out",
        model.to_str().unwrap_or(""),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("t.csv:5: column 'toxic'"), "{err}");
}

#[test]
fn a_lone_carriage_return_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "mac.csv", b"id,text\r1,ok\r2,merci\r");
    let (out, err, o) = score(&input, &[]);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("carriage return alone"), "{err}");
    assert_eq!(rows(&out, b',').len(), 3);
}

#[test]
fn json_lines_bytes_are_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line =
        r#"{"id":123456789012345678901,"a":1.50,"b":1e2,"e":"\u00e9","text":"x","text":"connard"}"#;
    let input = write(dir.path(), "k.jsonl", format!("{line}\r\n").as_bytes());
    let (out, err, o) = score(&input, &[]);
    assert!(o.status.success(), "{err}");
    let out_line = out.lines().next().unwrap_or("");
    assert!(
        out_line.starts_with(&line[..line.len() - 1]),
        "the object's bytes, then the new fields: {out_line}"
    );
    assert!(
        out_line[line.len() - 1..].starts_with(",\"score_toxic\":"),
        "{out_line}"
    );
    // The last `text` is scored.
    assert!(out_line.contains("\"flagged\":[\"toxic\""), "{out_line}");
}

#[test]
fn dev_zero_fails_cleanly_and_long_records_are_bounded() {
    let o = Command::new("timeout")
        .args([
            "20",
            env!("CARGO_BIN_EXE_moderate"),
            "score",
            "/dev/zero",
            "--format",
            "jsonl",
        ])
        .output()
        .expect("run moderate under timeout");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("binary data"), "{err}");
    // A line over the bound: an error row naming it, then the next line is read.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut content = b"{\"text\":\"".to_vec();
    content.extend(std::iter::repeat_n(b'a', 3 << 20));
    content.extend_from_slice(b"\"}\n{\"text\":\"connard\"}\n");
    let input = write(dir.path(), "long.jsonl", &content);
    let (out, err, _) = score(&input, &["--max-record-bytes", "1048576"]);
    assert!(err.contains("long.jsonl:1:"), "{err}");
    assert!(err.contains("limit"), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].len() < 2000, "the long line is not kept");
    assert!(lines[1].contains("\"flagged\":[\"toxic\""), "{}", lines[1]);
    // The same in CSV, inside an unclosed quote.
    let mut content = b"id,text\n1,\"".to_vec();
    content.extend(std::iter::repeat_n(b'a', 3 << 20));
    content.extend_from_slice(b"\n2,connard\n");
    let input = write(dir.path(), "long.csv", &content);
    let (out, err, _) = score(&input, &["--max-record-bytes", "1048576"]);
    assert!(err.contains("long.csv:2:"), "{err}");
    let r = rows(&out, b',');
    assert_eq!(r.len(), 3);
    assert_eq!(r[2][0], "2");
    assert!(cell(&r, 2, "flagged").contains("toxic"));
}
