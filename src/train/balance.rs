//! Which rows go into one fit, and how many times: linfa-logistic has no sample weights, so a
//! weight is a repetition. A row counts its file's weight (`source_weights`) times its class's:
//! within each file, the rows of the rarer class are repeated `round(majority / minority)` times,
//! at most `max_repeat` — exactly an integer class weight for linfa's summed loss — so that each
//! file's positives and negatives weigh the same (the shared data sets flag 50–85% of their rows,
//! each in a register of its own: balanced per file, a file's base rate is no signal to learn). When the memory budget cannot hold all of a label's rows, a fit takes a
//! seeded [`stratified_sample`] of them.

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// One label's training rows as they go into the dense matrix, each repeated by its file's weight
/// times its class's (see the module comment).
pub(crate) struct Repeated {
    pub rows: Vec<usize>,
    pub y: Vec<bool>,
    pub class_repeat: u32,
    /// The fitted prior: share of positives in the repeated rows.
    pub prior: f64,
}

/// Where each row comes from and what its file weighs (`--weight FILE=N`, 1 by default): what
/// a row counts before class balance.
pub(crate) struct RowSources {
    source: Vec<usize>,
    file_weight: Vec<u32>,
    /// Per file: whether its rows choose the thresholds (empty: every file's do).
    threshold_file: Vec<bool>,
    /// Thresholds maximize the mean of the files' F1 rather than the F1 of their rows pooled.
    threshold_by_file: bool,
}

impl RowSources {
    /// `source[row]` is the row's file, `file_weight[file]` its weight.
    pub fn new(source: Vec<usize>, file_weight: Vec<u32>) -> RowSources {
        RowSources {
            source,
            file_weight,
            threshold_file: Vec::new(),
            threshold_by_file: false,
        }
    }

    /// Thresholds maximize the mean of the files' F1, each file counting the same.
    pub fn with_threshold_by_file(self, by_file: bool) -> RowSources {
        RowSources {
            threshold_by_file: by_file,
            ..self
        }
    }

    /// Whether thresholds maximize the mean of the files' F1.
    pub fn threshold_by_file(&self) -> bool {
        self.threshold_by_file
    }

    /// Only the rows of the files marked true choose the thresholds.
    pub fn with_threshold_files(self, threshold_file: Vec<bool>) -> RowSources {
        RowSources {
            threshold_file,
            ..self
        }
    }

    /// Whether a row is one of those that choose the thresholds.
    pub fn chooses_threshold(&self, row: usize) -> bool {
        self.threshold_file
            .get(self.source[row])
            .copied()
            .unwrap_or(true)
    }

    pub fn source(&self, row: usize) -> usize {
        self.source[row]
    }

    fn weight(&self, row: usize) -> u32 {
        self.file_weight[self.source[row]]
    }
}

pub(crate) fn repeated(
    rows: &[usize],
    y: &[bool],
    sources: &RowSources,
    max_repeat: u32,
) -> Repeated {
    let (weight, source) = (|r| sources.weight(r), |r| sources.source(r));
    // Per source file: its weighted positives and negatives; its rarer class is repeated so that
    // its two classes weigh the same, so a file's own rate of flagged rows (50–85% in the shared
    // data sets) is not something the model can learn.
    let mut totals: Vec<(f64, f64)> = Vec::new();
    for (&row, &v) in rows.iter().zip(y) {
        let s = source(row);
        if totals.len() <= s {
            totals.resize(s + 1, (0.0, 0.0));
        }
        let w = weight(row) as f64;
        if v {
            totals[s].0 += w;
        } else {
            totals[s].1 += w;
        }
    }
    let per_source: Vec<(bool, u32)> = totals
        .iter()
        .map(|&(pos, neg)| {
            let minority_is_pos = pos <= neg;
            let (min, maj) = if minority_is_pos {
                (pos, neg)
            } else {
                (neg, pos)
            };
            let r = if min > 0.0 {
                ((maj / min).round() as u32).clamp(1, max_repeat.max(1))
            } else {
                1
            };
            (minority_is_pos, r)
        })
        .collect();
    let class_repeat = per_source.iter().map(|r| r.1).max().unwrap_or(1);
    let mut out = Repeated {
        rows: Vec::with_capacity(rows.len()),
        y: Vec::with_capacity(rows.len()),
        class_repeat,
        prior: 0.0,
    };
    for (&row, &v) in rows.iter().zip(y) {
        let (minority_is_pos, r) = per_source[source(row)];
        let times = weight(row) * if v == minority_is_pos { r } else { 1 };
        for _ in 0..times {
            out.rows.push(row);
            out.y.push(v);
        }
    }
    let n_pos = out.y.iter().filter(|&&v| v).count();
    out.prior = n_pos as f64 / out.y.len().max(1) as f64;
    out
}

/// A seeded sample of `share` of the rows of each class (rounded down, at least one row of a
/// class that has any), in their original order.
pub(crate) fn stratified_sample(
    rows: &[usize],
    y: &[bool],
    share: f64,
    rng: &mut ChaCha8Rng,
) -> (Vec<usize>, Vec<bool>) {
    let mut keep = vec![false; rows.len()];
    for value in [true, false] {
        let mut idx: Vec<usize> = (0..rows.len()).filter(|&k| y[k] == value).collect();
        if idx.is_empty() {
            continue;
        }
        let n = ((idx.len() as f64 * share) as usize).clamp(1, idx.len());
        idx.shuffle(rng);
        for &k in &idx[..n] {
            keep[k] = true;
        }
    }
    (0..rows.len())
        .filter(|&k| keep[k])
        .map(|k| (rows[k], y[k]))
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::split::rng;

    #[test]
    fn a_stratified_sample_keeps_each_class_share_and_is_seeded() {
        let rows: Vec<usize> = (100..200).collect();
        let y: Vec<bool> = (0..100).map(|k| k % 5 == 0).collect(); // 20 positives
        let (s, sy) = stratified_sample(&rows, &y, 0.5, &mut rng(7, 1));
        assert_eq!(sy.iter().filter(|&&v| v).count(), 10);
        assert_eq!(sy.iter().filter(|&&v| !v).count(), 40);
        assert!(s.windows(2).all(|w| w[0] < w[1]), "original order");
        for (r, v) in s.iter().zip(&sy) {
            assert_eq!(*v, (r - 100) % 5 == 0, "each row keeps its label");
        }
        assert_eq!(stratified_sample(&rows, &y, 0.5, &mut rng(7, 1)).0, s);
        assert_ne!(stratified_sample(&rows, &y, 0.5, &mut rng(8, 1)).0, s);
        // A tiny share keeps one row of each class.
        let (_, ty) = stratified_sample(&rows, &y, 0.001, &mut rng(7, 1));
        assert_eq!(ty.len(), 2);
        assert!(ty.contains(&true) && ty.contains(&false));
    }

    #[test]
    fn each_file_is_balanced_on_its_own() {
        let rows: Vec<usize> = (0..10).collect();
        let same = RowSources::new(vec![0; 10], vec![1]);
        let y = [
            true, false, false, false, false, false, false, false, false, false,
        ];
        let r = repeated(&rows, &y, &same, 20);
        assert_eq!(r.class_repeat, 9);
        assert_eq!(r.rows.len(), 18);
        assert_eq!(r.y.iter().filter(|&&v| v).count(), 9);
        assert!((r.prior - 0.5).abs() < 1e-12);
        // Capped.
        assert_eq!(repeated(&rows, &y, &same, 4).class_repeat, 4);
        // Mostly positive: negatives are repeated.
        let y2: Vec<bool> = y.iter().map(|v| !v).collect();
        let r2 = repeated(&rows, &y2, &same, 20);
        assert_eq!(r2.y.iter().filter(|&&v| !v).count(), 9);
        // Two files, one 80% flagged and one 20% flagged: each is balanced by its own rows, so
        // the file cannot be told from the label.
        let y3 = [
            true, true, true, true, false, true, false, false, false, false,
        ];
        let file = |row: usize| (row >= 5) as usize;
        let two = RowSources::new(rows.iter().map(|&r| file(r)).collect(), vec![1, 1]);
        let r3 = repeated(&rows, &y3, &two, 20);
        for f in 0..2 {
            let pos = r3
                .rows
                .iter()
                .zip(&r3.y)
                .filter(|(&i, &v)| file(i) == f && v)
                .count();
            let neg = r3
                .rows
                .iter()
                .zip(&r3.y)
                .filter(|(&i, &v)| file(i) == f && !v)
                .count();
            assert_eq!(pos, neg, "file {f}");
        }
        assert!((r3.prior - 0.5).abs() < 1e-12);
    }

    #[test]
    fn file_weights_repeat_rows() {
        let rows: Vec<usize> = (0..4).collect();
        let y = [true, false, true, false];
        // Rows 0 and 1 from a file weighing 3, rows 2 and 3 from one weighing 1.
        let w = RowSources::new(vec![0, 0, 1, 1], vec![3, 1]);
        let r = repeated(&rows, &y, &w, 10);
        assert_eq!(r.rows, [0, 0, 0, 1, 1, 1, 2, 3]);
        assert_eq!(r.class_repeat, 1);
        // Balanced already: weights are all there is.
    }
}
