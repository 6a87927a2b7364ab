//! Stage 1, the split: every file is divided, per value of the main label, into training rows and
//! held-out rows (a seeded shuffle per group), so every source is measured; and the split can be
//! written out (`file,row,part`) for other tools to train on the same rows.

use std::path::Path;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::io::dataset::Dataset;

/// The seeded generator of one stream: the split, the folds and the samples each draw from their
/// own stream of the same seed, so that one does not shift another.
pub(crate) fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

fn source_stream(sha256: &str) -> u64 {
    u64::from_str_radix(sha256.get(..16).unwrap_or("0"), 16).unwrap_or(0)
}

/// Split row indices into (train, holdout): per source, per main-label value, seeded; both lists
/// sorted.
pub fn split(ds: &Dataset, main: usize, holdout: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut train = Vec::new();
    let mut held = Vec::new();
    for s in 0..ds.sources.len() {
        for value in [Some(true), Some(false), None] {
            let mut group: Vec<usize> = (0..ds.examples.len())
                .filter(|&i| ds.examples[i].source == s && ds.examples[i].labels[main] == value)
                .collect();
            // The stream comes from the file's content, so a file's split does not depend on
            // which other files are trained with it.
            group.shuffle(&mut rng(seed, source_stream(&ds.sources[s].sha256)));
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
}
