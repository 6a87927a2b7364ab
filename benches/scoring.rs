//! Criterion micro-benchmarks of the scoring path, per comment: normalize, featurize, score.
//!
//!     cargo bench --bench scoring
//!
//! The comments are the project's own corpus (`training/comments.csv`, 4,720 comments of news
//! comment sections, French and English); every iteration goes over all of them, so the figures
//! are per corpus pass and criterion's throughput line gives comments per second.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use moderate::model::{Model, Reasons};
use moderate::text::normalize::normalize;

fn corpus() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/training/comments.csv");
    let mut reader = csv::Reader::from_path(path).expect("training/comments.csv is readable");
    let text = reader
        .headers()
        .expect("a header row")
        .iter()
        .position(|h| h == "text")
        .expect("a text column");
    reader
        .records()
        .map(|r| r.expect("a valid row")[text].to_string())
        .collect()
}

fn scoring(c: &mut Criterion) {
    let comments = corpus();
    let model = Model::default_model().expect("the embedded model loads");
    let featurizer = model.featurizer();
    let mut group = c.benchmark_group("per comment");
    group.throughput(Throughput::Elements(comments.len() as u64));
    group.sample_size(20);
    group.bench_function("normalize", |b| {
        b.iter(|| {
            for t in &comments {
                black_box(normalize(black_box(t)));
            }
        })
    });
    group.bench_function("featurize", |b| {
        b.iter(|| {
            for t in &comments {
                black_box(featurizer.analyze(black_box(t)));
            }
        })
    });
    group.bench_function("score (reasons for flagged)", |b| {
        b.iter(|| {
            for t in &comments {
                black_box(model.score(black_box(t), Reasons::Flagged));
            }
        })
    });
    group.bench_function("score (reasons for all)", |b| {
        b.iter(|| {
            for t in &comments {
                black_box(model.score(black_box(t), Reasons::All));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, scoring);
criterion_main!(benches);
