//! Stage 1, the split: every file is divided, per value of the main label, into training rows and
//! held-out rows (a seeded order per group), so every source is measured; and the split can be
//! written out (`file,row,part`) for other tools to train on the same rows.

use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::io::dataset::Dataset;

/// The seeded generator of one stream: the folds and the samples each draw from their own stream
/// of the same seed, so that one does not shift another (the split orders rows by [`row_key`]).
pub(crate) fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

/// A row's place in its group's seeded order: the first 8 bytes of SHA-256 of the seed and the
/// row's text. It depends on nothing else, so a row keeps its place when rows are added to its
/// file, and the same comment in two files falls on the same side.
fn row_key(seed: u64, text: &str) -> u64 {
    let mut bytes = seed.to_le_bytes().to_vec();
    bytes.extend_from_slice(text.as_bytes());
    let digest = Sha256::digest(&bytes);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// Split row indices into (train, holdout): per source, per main-label value, the rows in a
/// seeded order ([`row_key`]) and the first `holdout` share of them held out; both lists sorted.
///
/// Ordering by each row's own key rather than shuffling the file means that appending rows to a
/// file (the project's corpus grows by batches) leaves every earlier row where it was, except the
/// few that cross the cut as the group grows: a batch of rows is then measured against the same
/// training and held-out rows as before, not against a fresh draw of the whole file.
pub fn split(ds: &Dataset, main: usize, holdout: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut train = Vec::new();
    let mut held = Vec::new();
    for s in 0..ds.sources.len() {
        for value in [Some(true), Some(false), None] {
            let mut group: Vec<usize> = (0..ds.examples.len())
                .filter(|&i| ds.examples[i].source == s && ds.examples[i].labels[main] == value)
                .collect();
            // Ties (the same text twice in a file) keep the file's order.
            group.sort_by_cached_key(|&i| (row_key(seed, &ds.examples[i].text), i));
            let n_held = (group.len() as f64 * holdout).round() as usize;
            held.extend_from_slice(&group[..n_held]);
            train.extend_from_slice(&group[n_held..]);
        }
    }
    train.sort_unstable();
    held.sort_unstable();
    (train, held)
}

/// A path as recorded in the model card and the split file: relative paths kept as given, with
/// `/` separators.
pub(crate) fn display_path(p: &Path) -> String {
    p.display().to_string().replace('\\', "/")
}

/// Write which rows were held out: `file,row,part`, `row` the 1-based index of the data record in
/// its file (not its line: a quoted comment may span several lines), `part` `train` or `holdout`.
pub(crate) fn write_split(ds: &Dataset, held_rows: &[usize], path: &Path) -> Result<()> {
    let mut held = vec![false; ds.examples.len()];
    for &i in held_rows {
        held[i] = true;
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = |rec: [&str; 3]| {
        w.write_record(rec)
            .map_err(|e| Error::Training(format!("cannot write the split: {e}")))
    };
    write(["file", "row", "part"])?;
    let mut row_in_source = vec![0u64; ds.sources.len()];
    for (i, e) in ds.examples.iter().enumerate() {
        row_in_source[e.source] += 1;
        let file = display_path(&ds.sources[e.source].path);
        let row = row_in_source[e.source].to_string();
        write([&file, &row, if held[i] { "holdout" } else { "train" }])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Training(format!("cannot write the split: {e}")))?;
    crate::io::output::write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_holds_out_every_source_and_is_seeded() {
        let mut ds = Dataset {
            labels: vec!["toxic".into()],
            ..Dataset::default()
        };
        for s in 0..2 {
            ds.sources.push(crate::io::dataset::Source {
                path: format!("f{s}.csv").into(),
                sha256: format!("{s:064x}"),
                rows: 50,
                columns: vec![],
            });
            for i in 0..50 {
                ds.examples.push(crate::io::dataset::Example {
                    text: format!("row {i}"),
                    labels: vec![Some(i % 5 == 0)],
                    source: s,
                    line: i as u64 + 2,
                });
            }
        }
        let (t1, h1) = split(&ds, 0, 0.2, 7);
        let (t2, h2) = split(&ds, 0, 0.2, 7);
        assert_eq!((t1.clone(), h1.clone()), (t2, h2));
        assert_eq!(h1.len(), 20);
        assert_eq!(t1.len() + h1.len(), 100);
        for s in 0..2 {
            let held: Vec<_> = h1.iter().filter(|&&i| ds.examples[i].source == s).collect();
            assert_eq!(held.len(), 10);
            // Stratified: 10 positives in a source, 2 held out.
            assert_eq!(
                held.iter()
                    .filter(|&&&i| ds.examples[i].labels[0] == Some(true))
                    .count(),
                2
            );
        }
        let (_, h3) = split(&ds, 0, 0.2, 8);
        assert_ne!(h1, h3);
    }

    fn one_file(texts: &[String]) -> Dataset {
        let mut ds = Dataset {
            labels: vec!["toxic".into()],
            ..Dataset::default()
        };
        ds.sources.push(crate::io::dataset::Source {
            path: "corpus.csv".into(),
            sha256: "0".repeat(64),
            rows: texts.len() as u64,
            columns: vec![],
        });
        for (i, t) in texts.iter().enumerate() {
            ds.examples.push(crate::io::dataset::Example {
                text: t.clone(),
                labels: vec![Some(i % 4 == 0)],
                source: 0,
                line: i as u64 + 2,
            });
        }
        ds
    }

    /// Appending a batch of rows to a file keeps the earlier rows' parts, but for the few that
    /// cross the cut as the groups grow; a shuffle seeded by the file's content redrew them all.
    #[test]
    fn appending_rows_keeps_the_earlier_rows_parts() {
        let texts: Vec<String> = (0..1000).map(|i| format!("comment number {i}")).collect();
        let (_, before) = split(&one_file(&texts), 0, 0.2, 42);
        let mut grown = texts.clone();
        grown.extend((0..40).map(|i| format!("a new comment {i}")));
        let (_, after) = split(&one_file(&grown), 0, 0.2, 42);
        let moved = (0..1000)
            .filter(|i| before.contains(i) != after.contains(i))
            .count();
        // 40 rows more move each group's cut by 8 rows at most (20% of 40): those, no more.
        assert!(moved <= 8, "{moved} earlier rows changed part");
        assert_eq!(before.len(), 200);
        assert_eq!(after.len(), 208);
        // The same holds for rows inserted at the top: a row's place is its text's, not its line's.
        let mut top: Vec<String> = (0..40).map(|i| format!("a new comment {i}")).collect();
        top.extend(texts.iter().cloned());
        let (_, shifted) = split(&one_file(&top), 0, 0.2, 42);
        let moved = (0..1000)
            .filter(|&i| before.contains(&i) != shifted.contains(&(i + 40)))
            .count();
        assert!(moved <= 8, "{moved} earlier rows changed part");
    }
}
