//! Any bytes through read → normalize → featurize → score, as a CSV file (sniffed delimiter), a
//! JSON Lines file, a JSON array and (when valid UTF-8) as one comment, with the embedded default
//! model. Any panic is a bug.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use moderate::io::input;
use moderate::model::{Model, Reasons};
use moderate::score::{Format, ScoreOptions};

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::load(None).expect("the embedded model loads"))
}

fuzz_target!(|data: &[u8]| {
    let model = model();
    let sample = String::from_utf8_lossy(&data[..data.len().min(4096)]).into_owned();
    let opts = ScoreOptions {
        reasons: Reasons::All,
        input_name: "fuzz".into(),
        delimiter: input::sniff_delimiter(&sample),
        max_record_bytes: 1 << 16,
        ..ScoreOptions::default()
    };
    for format in [Format::Csv, Format::Jsonl, Format::Json] {
        let _ = format.score(model, data, std::io::sink(), &opts, &mut ());
    }
    // CSV behind a `text` header, so rows get scored.
    let mut with_header = b"id,text\n".to_vec();
    with_header.extend_from_slice(data);
    let _ = Format::Csv.score(model, &with_header[..], std::io::sink(), &opts, &mut ());
    // One comment.
    if let Ok(text) = std::str::from_utf8(data) {
        let s = model.score(text, Reasons::All);
        assert!(s
            .scores
            .iter()
            .all(|x| x.is_finite() && (0.0..=1.0).contains(x)));
    }
});
