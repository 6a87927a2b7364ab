//! Property tests over the whole read → normalize → featurize → score path.
//!
//! - Any bytes, as one comment, as a CSV file or as a JSON Lines file: no panic, scores in 0–1.
//! - No loss: random CSVs (random column counts, quotes, line breaks inside fields, Unicode,
//!   empty fields, rows with too few or too many fields) through the real `moderate score` come
//!   out with exactly one output row per input row, in order, the input fields byte-identical.
//!
//! Case counts are modest so that the file runs in a few seconds in release.

use std::process::Command;
use std::sync::OnceLock;

use moderate::model::{Model, Reasons};
use moderate::score::{Format, ScoreOptions};
use moderate::text::normalize::normalize;
use proptest::prelude::*;

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::load(None).expect("embedded model"))
}

fn opts() -> ScoreOptions {
    ScoreOptions {
        text_column: Some("text".into()),
        reasons: Reasons::All,
        input_name: "prop".into(),
        ..ScoreOptions::default()
    }
}

/// Bytes that look like text often enough to reach the scorer: ASCII, CSV and JSON punctuation,
/// line breaks, accents, look-alikes, invisible characters, emoji, invalid UTF-8.
fn texty_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => "[a-zA-Z0-9 ,;\"'{}:\\[\\]\n\r\t.*_-]{1,12}".prop_map(String::into_bytes),
        2 => "[éàçœÉ€°«»…’]{1,4}".prop_map(String::into_bytes),
        1 => "[\u{200B}\u{200D}\u{00AD}\u{FEFF}\u{0301}\u{0336}]{1,3}".prop_map(String::into_bytes),
        1 => "[аеорсΑοε🤬💩ｃ𝐜]{1,3}".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 1..8),
        1 => Just(b"text\n".to_vec()),
        1 => Just(b"{\"text\":\"".to_vec()),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_as_a_comment(bytes in texty_bytes()) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = normalize(&text);
        let s = model().score(&text, Reasons::All);
        for &x in &s.scores {
            prop_assert!((0.0..=1.0).contains(&x), "{x}");
        }
        prop_assert!((0.0..=1.0).contains(&s.shouting));
    }

    #[test]
    fn any_bytes_as_a_csv_or_jsonl_file(bytes in texty_bytes(), header in any::<bool>()) {
        let mut input = if header { b"id,text\n".to_vec() } else { Vec::new() };
        input.extend_from_slice(&bytes);
        let mut out = Vec::new();
        let csv = Format::Csv.score(model(), &input[..], &mut out, &opts(), &mut ());
        if let Err(e) = csv {
            // A file-level error names the input.
            prop_assert!(e.to_string().starts_with("prop"), "{e}");
        }
        let mut out = Vec::new();
        let jsonl = Format::Jsonl.score(model(), &bytes[..], &mut out, &opts(), &mut ());
        prop_assert!(jsonl.is_ok(), "{:?}", jsonl.err());
        // One output line per input line (a last line without its newline counts).
        let lines_in = bytes.split(|&b| b == b'\n').count()
            - usize::from(bytes.is_empty() || bytes.last() == Some(&b'\n'));
        prop_assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), lines_in);
    }
}

/// A CSV field: empty, plain, or with commas, quotes, line breaks, Unicode.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        3 => "[a-zA-Z ]{1,10}",
        2 => "[a-z ,\"\n]{1,10}",
        1 => "[a-z\r\n]{1,6}",
        1 => "[éà€’«»🤬аο\u{200B} ]{1,6}",
        1 => "[ -~]{0,16}",
    ]
}

/// A random CSV: header (with a `text` column somewhere) and rows, some with the wrong number of
/// fields.
fn random_csv() -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>)> {
    (1usize..6).prop_flat_map(|n| {
        let header = (0..n).prop_map(move |t| {
            (0..n)
                .map(|i| {
                    if i == t {
                        "text".to_string()
                    } else {
                        format!("c{i}")
                    }
                })
                .collect::<Vec<_>>()
        });
        let row = prop_oneof![
            6 => prop::collection::vec(field(), n..=n),
            1 => prop::collection::vec(field(), 1..8),
        ];
        (header, prop::collection::vec(row, 0..12))
    })
}

fn to_csv(header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    w.write_record(header).expect("header");
    for r in rows {
        w.write_record(r).expect("row");
    }
    w.into_inner().expect("csv bytes")
}

proptest! {
    // Each case runs the binary once.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_row_comes_out_in_order_with_its_fields((header, rows) in random_csv()) {
        // A row of one empty field is written as `""`, which reads back as one empty field.
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("in.csv");
        std::fs::write(&input, to_csv(&header, &rows)).expect("write");
        let o = Command::new(env!("CARGO_BIN_EXE_moderate"))
            .args(["score", "-q"])
            .arg(&input)
            .output()
            .expect("run moderate");
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(&o.stdout[..]);
        let h = rdr.byte_headers().expect("output header").clone();
        let n = header.len();
        prop_assert_eq!(h.len(), n + 10);
        for (i, name) in header.iter().enumerate() {
            prop_assert_eq!(&h[i], name.as_bytes());
        }
        let out: Vec<csv::ByteRecord> = rdr
            .byte_records()
            .collect::<Result<_, _>>()
            .expect("output rows");
        prop_assert_eq!(out.len(), rows.len(), "one output row per input row");
        // The exit status says whether every row was scored: 0 all (or no rows), 3 some, 4 none.
        // `error` is the last column but one (`language` is last).
        let errors = out.iter().filter(|o| !o[o.len() - 2].is_empty()).count();
        let expected = match errors {
            0 => 0,
            e if e == out.len() => 4,
            _ => 3,
        };
        prop_assert_eq!(
            o.status.code(),
            Some(expected),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        for (r, o) in rows.iter().zip(&out) {
            for (k, f) in r.iter().take(n).enumerate() {
                prop_assert_eq!(&o[k], f.as_bytes(), "field {} of {:?}", k, r);
            }
            // Rows are written at the header's width (short ones padded, long ones cut: both
            // are error rows), then the 10 added columns (`error` then `language` last).
            prop_assert_eq!(o.len(), n + 10);
            let error = &o[o.len() - 2];
            if r.len() != n {
                prop_assert!(!error.is_empty(), "wrong field count reported");
            }
        }
    }
}
