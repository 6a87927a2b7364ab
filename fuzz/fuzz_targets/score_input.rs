//! Any bytes through read → normalize → featurize → score, as a CSV file, as a JSON Lines file
//! and (when valid UTF-8) as one comment, with the embedded default model. Any panic is a bug.
#![no_main]

use std::sync::OnceLock;

use indicatif::ProgressBar;
use libfuzzer_sys::fuzz_target;
use moderate::score::{score_csv, score_jsonl, ScoreOptions};
use moderate::model::{Model, Reasons};

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::load(None).expect("the embedded model loads"))
}

fuzz_target!(|data: &[u8]| {
    let model = model();
    let opts = ScoreOptions {
        text_column: "text".into(),
        reasons: Reasons::All,
        input_name: "fuzz".into(),
        max_error_messages: 0,
    };
    let bar = ProgressBar::hidden();
    // CSV: the input as the whole file, then behind a `text` header so rows get scored.
    let _ = score_csv(model, data, std::io::sink(), &opts, &bar);
    let mut with_header = b"id,text\n".to_vec();
    with_header.extend_from_slice(data);
    let _ = score_csv(model, &with_header[..], std::io::sink(), &opts, &bar);
    // JSON Lines.
    let _ = score_jsonl(model, data, std::io::sink(), &opts, &bar);
    // One comment.
    if let Ok(text) = std::str::from_utf8(data) {
        let s = model.score(text, Reasons::All);
        assert!(s.scores.iter().all(|x| x.is_finite() && (0.0..=1.0).contains(x)));
    }
});
