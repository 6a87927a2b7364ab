//! Hostile and malformed input through the real binary: each file either scores correctly or fails
//! with a message naming the file and line, within a generous hang guard (not a speed test).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Kill the child and fail past this: a hang guard, not a speed assertion.
const HANG_GUARD: Duration = Duration::from_secs(60);

struct Run {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: String,
}

fn wait_guarded(mut child: Child, what: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status,
            Ok(None) if start.elapsed() > HANG_GUARD => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what}: still running after {HANG_GUARD:?}, killed");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("{what}: wait failed: {e}"),
        }
    }
}

/// Run `moderate ARGS` with stdout and stderr sent to files in `dir` (no pipe to fill up).
fn run(dir: &Path, args: &[&str]) -> Run {
    let out = dir.join("stdout");
    let err = dir.join("stderr");
    let child = Command::new(env!("CARGO_BIN_EXE_moderate"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(File::create(&out).expect("stdout file"))
        .stderr(File::create(&err).expect("stderr file"))
        .spawn()
        .expect("spawn moderate");
    let status = wait_guarded(child, &args.join(" "));
    let stderr = String::from_utf8_lossy(&std::fs::read(&err).expect("read stderr")).into_owned();
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    Run {
        status,
        stdout: std::fs::read(&out).expect("read stdout"),
        stderr,
    }
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write input");
    p
}

fn csv_rows(bytes: &[u8]) -> (csv::ByteRecord, Vec<csv::ByteRecord>) {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let h = rdr.byte_headers().expect("output header").clone();
    let rows = rdr.byte_records().map(|r| r.expect("output row")).collect();
    (h, rows)
}

fn col(h: &csv::ByteRecord, name: &str) -> usize {
    h.iter()
        .position(|c| c == name.as_bytes())
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// A long, harmless comment of exactly `chars` characters that the cap counts (white space is not
/// counted), ending on a counted character.
fn filler(chars: usize) -> String {
    let unit = "Le conseil municipal a voté le budget des écoles ce mardi soir. ";
    let counted = |s: &str| s.chars().filter(|c| !c.is_whitespace()).count();
    let mut s = String::with_capacity(chars * 2);
    let mut n = 0;
    while n + counted(unit) <= chars {
        s.push_str(unit);
        n += counted(unit);
    }
    while n < chars {
        s.push('x');
        n += 1;
    }
    s
}

#[test]
fn ten_megabyte_comment_is_capped_and_written_back_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = "La réforme des retraites divise encore le Parlement, et le débat continue. "
        .repeat(10 * 1024 * 1024 / 76);
    let mut content = b"id,text\n1,\"".to_vec();
    content.extend_from_slice(big.as_bytes());
    content.extend_from_slice(b"\"\n2,merci\n");
    let input = write(dir.path(), "big.csv", &content);
    let r = run(
        dir.path(),
        &["score", input.to_str().unwrap_or(""), "--all-reasons", "-q"],
    );
    assert!(r.status.success(), "{}", r.stderr);
    let (h, rows) = csv_rows(&r.stdout);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        &rows[0][1],
        big.as_bytes(),
        "the comment is written back whole"
    );
    assert_eq!(&rows[0][col(&h, "error")], b"");
    let reasons = String::from_utf8_lossy(&rows[0][col(&h, "reasons")]).into_owned();
    assert!(reasons.contains("truncated:20000chars"), "{reasons}");
    let reasons2 = String::from_utf8_lossy(&rows[1][col(&h, "reasons")]).into_owned();
    assert!(!reasons2.contains("truncated"), "{reasons2}");
}

#[test]
fn only_the_first_20000_counted_characters_are_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let head = filler(20_000);
    let tail_bad =
        " Ces cafards doivent être exterminés, sales rats, bande de connards. ".repeat(50);
    let tail_ok =
        " Merci pour cet article très complet et bien documenté, bonne journée. ".repeat(50);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["text"]).expect("header");
    w.write_record([format!("{head}{tail_bad}")]).expect("row");
    w.write_record([format!("{head}{tail_ok}")]).expect("row");
    w.write_record([head.clone()]).expect("row");
    // The same insults inside the first 20,000 characters do count.
    w.write_record([format!("{}{tail_bad}", filler(10_000))])
        .expect("row");
    let input = write(dir.path(), "cap.csv", &w.into_inner().expect("csv bytes"));
    let r = run(dir.path(), &["score", input.to_str().unwrap_or(""), "-q"]);
    assert!(r.status.success(), "{}", r.stderr);
    let (h, rows) = csv_rows(&r.stdout);
    let s = col(&h, "score_toxic");
    let score = |i: usize| -> String { String::from_utf8_lossy(&rows[i][s]).into_owned() };
    assert_eq!(
        score(0),
        score(1),
        "text past 20,000 characters is not read"
    );
    assert_eq!(score(0), score(2));
    let inside: f64 = score(3).parse().expect("score");
    let outside: f64 = score(0).parse().expect("score");
    assert!(inside > outside, "{inside} vs {outside}");
}

#[test]
fn one_megabyte_line_without_newline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = "mot ".repeat(256 * 1024);
    let mut content = b"text\n".to_vec();
    content.extend_from_slice(line.as_bytes());
    let input = write(dir.path(), "line.csv", &content);
    let r = run(dir.path(), &["score", input.to_str().unwrap_or(""), "-q"]);
    assert!(r.status.success(), "{}", r.stderr);
    let (h, rows) = csv_rows(&r.stdout);
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], line.as_bytes());
    assert_eq!(&rows[0][col(&h, "error")], b"");
}

#[test]
fn hundred_thousand_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A header of 100,000 columns, the text in the middle.
    let n = 100_000;
    let header: Vec<String> = (0..n)
        .map(|i| {
            if i == n / 2 {
                "text".into()
            } else {
                format!("c{i}")
            }
        })
        .collect();
    let row: Vec<String> = (0..n)
        .map(|i| {
            if i == n / 2 {
                "bonjour à tous".into()
            } else {
                i.to_string()
            }
        })
        .collect();
    let content = format!("{}\n{}\n", header.join(","), row.join(","));
    let input = write(dir.path(), "wide.csv", content.as_bytes());
    let r = run(dir.path(), &["score", input.to_str().unwrap_or(""), "-q"]);
    assert!(r.status.success(), "{}", r.stderr);
    let (h, rows) = csv_rows(&r.stdout);
    assert_eq!(
        h.len(),
        n + 5 + 5,
        "input columns, 5 scores, shouting, flagged, reasons, error, language"
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][n - 1], (n - 1).to_string().as_bytes());
    assert_eq!(&rows[0][h.len() - 2], b"", "no error");

    // A 100,000-field row under a 2-column header: an error row naming its line.
    let wide_row = vec!["x"; n].join(",");
    let content = format!("id,text\n1,bonjour\n{wide_row}\n3,fin\n");
    let input = write(dir.path(), "wide_row.csv", content.as_bytes());
    let r = run(dir.path(), &["score", input.to_str().unwrap_or("")]);
    // Status 3: a row could not be scored, the output is complete.
    assert_eq!(r.status.code(), Some(3), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("wide_row.csv:3: this row has 100000 fields, the header has 2"),
        "{}",
        r.stderr
    );
    let (_, rows) = csv_rows(&r.stdout);
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[1].len(),
        2 + 10,
        "the row is written at the header's width (issue 15 item 6), then 10 more"
    );
    assert_eq!(&rows[2][0], b"3");
}

#[test]
fn unbalanced_quotes_read_to_the_end_as_one_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    // An opening quote never closed, then 100,000 lines of quotes and commas.
    let mut content = b"id,text\n1,ok\n2,\"jamais ferm\xc3\xa9\n".to_vec();
    for i in 0..100_000 {
        content.extend_from_slice(format!("\"\"\",\"{i},\"\"\n").as_bytes());
    }
    let input = write(dir.path(), "quotes.csv", &content);
    let r = run(dir.path(), &["score", input.to_str().unwrap_or(""), "-q"]);
    // The csv reader takes the rest of the file as the open field: rows 1 and 2 come out, the
    // second with a large text, nothing is lost silently (status 3: a row could not be scored).
    assert_eq!(r.status.code(), Some(3), "{}", r.stderr);
    let (h, rows) = csv_rows(&r.stdout);
    assert!(rows.len() >= 2);
    assert_eq!(&rows[0][0], b"1");
    assert_eq!(&rows[1][0], b"2");
    assert!(rows[1][1].starts_with("jamais fermé".as_bytes()));
    assert_eq!(&rows[0][col(&h, "error")], b"");
}

#[test]
fn bom_crlf_and_nul_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let content = b"\xef\xbb\xbfid,text\r\n1,\"bon\x00jour\"\r\n2,\"T'es un abruti\"\r\n";
    let input = write(dir.path(), "bom.csv", content);
    let r = run(dir.path(), &["score", input.to_str().unwrap_or(""), "-q"]);
    assert!(r.status.success(), "{}", r.stderr);
    let (h, rows) = csv_rows(&r.stdout);
    assert_eq!(
        &h[0], b"id",
        "the BOM is not part of the first column's name"
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(
        &rows[0][1], b"bon\x00jour",
        "NUL kept in the field written back"
    );
    assert_eq!(&rows[0][col(&h, "error")], b"");
    assert!(
        String::from_utf8_lossy(&rows[1][col(&h, "flagged")]).contains("toxic"),
        "{:?}",
        rows[1]
    );

    // The same in JSON Lines.
    let content = "\u{feff}{\"text\":\"bon\\u0000jour\"}\r\n{\"text\":\"T'es un abruti\"}\r\n";
    let input = write(dir.path(), "bom.jsonl", content.as_bytes());
    let r = run(dir.path(), &["score", input.to_str().unwrap_or(""), "-q"]);
    assert!(r.status.success(), "{}", r.stderr);
    let v = json_lines(r.stdout);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["text"], "bon\u{0}jour");
    assert_eq!(v[0]["error"], serde_json::Value::Null);
    assert_eq!(v[1]["flagged"][0], "toxic");
}

#[test]
fn files_that_are_not_csv() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A PNG header: the first line is not a header with a `text` column.
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00".to_vec();
    png.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let input = write(dir.path(), "image.csv", &png);
    let r = run(dir.path(), &["score", input.to_str().unwrap_or("")]);
    assert!(!r.status.success());
    assert!(
        r.stderr.contains("image.csv:1: no column named 'text'"),
        "{}",
        r.stderr
    );

    // Random bytes behind a valid header: every row comes out, scored or with an error.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut content = b"text\n".to_vec();
    for _ in 0..200_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        content.push((x >> 32) as u8);
    }
    let input = write(dir.path(), "noise.csv", &content);
    let r = run(dir.path(), &["score", input.to_str().unwrap_or(""), "-q"]);
    // 0, 3 or 4: the run went through (some or all rows may be error rows).
    if matches!(r.status.code(), Some(0 | 3 | 4)) {
        let (_, rows) = csv_rows(&r.stdout);
        assert!(!rows.is_empty());
    } else {
        assert!(r.stderr.contains("noise.csv:"), "{}", r.stderr);
    }

    // Random bytes as JSON Lines: one output line per input line, each an error object.
    let input = write(dir.path(), "noise.jsonl", &content[5..]);
    let r = run(dir.path(), &["score", input.to_str().unwrap_or(""), "-q"]);
    // Status 3 or 4: some or all lines could not be scored.
    assert!(matches!(r.status.code(), Some(3 | 4)), "{}", r.stderr);
    let lines_in =
        content[5..].split(|&b| b == b'\n').count() - usize::from(content.last() == Some(&b'\n'));
    let out = String::from_utf8(r.stdout).expect("UTF-8 output");
    assert_eq!(out.lines().count(), lines_in);
    for l in out.lines().filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
        assert!(v["line"].is_u64() || v["error"].is_string(), "{l}");
    }
}

#[test]
fn jsonl_ten_megabyte_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = "Quel scandale, encore une hausse des impôts locaux cette année. "
        .repeat(10 * 1024 * 1024 / 66);
    let line = serde_json::json!({"id": 1, "text": big}).to_string();
    let content = format!("{line}\n{{\"id\":2,\"text\":\"merci\"}}\n");
    let input = write(dir.path(), "big.jsonl", content.as_bytes());
    let r = run(
        dir.path(),
        &["score", input.to_str().unwrap_or(""), "--all-reasons", "-q"],
    );
    assert!(r.status.success(), "{}", r.stderr);
    let v = json_lines(r.stdout);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["text"].as_str().map(str::len), Some(big.len()));
    assert!(v[0]["reasons"]
        .as_array()
        .is_some_and(|r| r.iter().any(|x| x == "truncated:20000chars")));
    assert_eq!(v[1]["id"], 2);

    // An unterminated 10 MB JSON string: an error naming the line, the rest still scored.
    let content = format!(
        "{{\"text\":\"{}\n{{\"text\":\"merci\"}}\n",
        "a".repeat(10 << 20)
    );
    let input = write(dir.path(), "open.jsonl", content.as_bytes());
    let r = run(dir.path(), &["score", input.to_str().unwrap_or("")]);
    // Status 3: a line could not be scored, the output is complete.
    assert_eq!(r.status.code(), Some(3), "{}", r.stderr);
    assert!(
        r.stderr.contains("open.jsonl:1: invalid JSON"),
        "{}",
        r.stderr
    );
    assert_eq!(String::from_utf8_lossy(&r.stdout).lines().count(), 2);
}

#[test]
fn ctrl_c_stops_and_leaves_no_file_behind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut content = String::from("id,text\n");
    for i in 0..400_000 {
        content.push_str(&format!(
            "{i},commentaire numéro {i} sur la réforme, rien à signaler\n"
        ));
    }
    let input = write(dir.path(), "big.csv", content.as_bytes());
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).expect("out dir");
    let out = out_dir.join("scored.csv");
    let mut child = Command::new(env!("CARGO_BIN_EXE_moderate"))
        .args([
            "score",
            input.to_str().unwrap_or(""),
            "-o",
            out.to_str().unwrap_or(""),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn moderate");
    // Wait until the temporary output exists: scoring has started.
    let start = Instant::now();
    let partial = || {
        std::fs::read_dir(&out_dir)
            .map(|d| d.filter_map(|e| e.ok()).count())
            .unwrap_or(0)
    };
    while partial() == 0 {
        assert!(start.elapsed() < HANG_GUARD, "no temporary output appeared");
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let mut stderr = child.stderr.take();
    let status = wait_guarded(child, "score interrupted");
    assert_eq!(status.code(), Some(130), "exit status {status:?}");
    let mut message = String::new();
    if let Some(p) = stderr.as_mut() {
        std::io::Read::read_to_string(p, &mut message).expect("read stderr");
    }
    assert!(message.contains("moderate: interrupted"), "{message}");
    assert!(!out.exists(), "no output file");
    let left: Vec<_> = std::fs::read_dir(&out_dir)
        .expect("out dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// The JSON objects of a JSON Lines output, one per line.
fn json_lines(stdout: Vec<u8>) -> Vec<serde_json::Value> {
    String::from_utf8(stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// The comment of issue 15's padding case.
const PADDED_COMMENT: &str = "Ces bougnoules sont des cafards, il faut les exterminer.";

#[test]
fn padding_before_a_comment_does_not_hide_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pads: [(&str, String); 5] = [
        ("spaces", " ".repeat(20_000)),
        ("newlines", "\n".repeat(20_000)),
        ("zwsp", "\u{200B}".repeat(20_000)),
        (
            "mixed",
            " \n\u{200B}\u{2060}\t\u{FEFF}\u{00AD}".repeat(4_000),
        ),
        // Accents stacked on nothing in particular: combining marks are not counted either.
        ("marks", "\u{0301}".repeat(20_000)),
    ];
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["id", "text"]).expect("header");
    w.write_record(["bare", PADDED_COMMENT]).expect("row");
    for (id, pad) in &pads {
        w.write_record([*id, &format!("{pad}{PADDED_COMMENT}")])
            .expect("row");
    }
    // Padding past the byte bound (8 bytes per counted character: 160,000 bytes): cut, and the
    // row says so even unflagged and without --all-reasons.
    w.write_record([
        "beyond",
        &format!("{}{PADDED_COMMENT}", " ".repeat(200_000)),
    ])
    .expect("row");
    let input = write(
        dir.path(),
        "padded.csv",
        &w.into_inner().expect("csv bytes"),
    );
    let r = run(dir.path(), &["score", input.to_str().unwrap_or(""), "-q"]);
    assert!(r.status.success(), "{}", r.stderr);
    let (h, rows) = csv_rows(&r.stdout);
    assert_eq!(rows.len(), 2 + pads.len());
    let (toxic, flagged, reasons) = (
        col(&h, "score_toxic"),
        col(&h, "flagged"),
        col(&h, "reasons"),
    );
    let field = |row: usize, c: usize| String::from_utf8_lossy(&rows[row][c]).into_owned();
    assert!(field(0, flagged).contains("toxic"), "{}", field(0, flagged));
    for (i, (id, _)) in pads.iter().enumerate() {
        let row = i + 1;
        assert!(
            field(row, flagged).split(';').any(|l| l == "toxic"),
            "{id}: flagged {:?}, score {}",
            field(row, flagged),
            field(row, toxic)
        );
        assert_eq!(field(row, toxic), field(0, toxic), "{id}");
        assert!(!field(row, reasons).contains("truncated"), "{id}");
    }
    let beyond = pads.len() + 1;
    assert!(
        field(beyond, reasons)
            .split(';')
            .any(|r| r == "truncated:20000chars"),
        "{:?}",
        field(beyond, reasons)
    );
}

/// A model path that is huge (a sparse 300 MB file) or endless (`/dev/zero`) is refused without
/// being read whole: the model file is bounded (issue 15, item 4).
#[test]
fn a_huge_or_endless_model_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(300 << 20)
        .unwrap();
    for model in [big.to_str().unwrap(), "/dev/zero"] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_moderate"))
            .args(["explain", "--model", model, "bonjour"])
            .output()
            .unwrap();
        assert!(!o.status.success(), "{model}");
        let said = String::from_utf8_lossy(&o.stderr);
        assert!(
            said.contains("not a moderate model file"),
            "{model}: {said}"
        );
    }
}
