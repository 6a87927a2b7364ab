//! Which rows go into one fit, and how many times: linfa-logistic has no sample weights, so a
//! weight is a repetition. A row counts its file's weight (`source_weights`) times its class's:
//! when the rarer class is under [`BALANCE_BELOW`] of the (weighted) rows, its rows are repeated
//! `round(majority / minority)` times, at most `max_repeat` — exactly an integer class weight for
//! linfa's summed loss. When the memory budget cannot hold all of a label's rows, a fit takes a
//! seeded [`stratified_sample`] of them.

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Below this share of the rarer class, its rows are repeated to balance the classes.
pub(crate) const BALANCE_BELOW: f64 = 0.2;

/// One label's training rows as they go into the dense matrix, each repeated by its file's weight
/// times its class's (see the module comment).
pub(crate) struct Repeated {
    pub rows: Vec<usize>,
    pub y: Vec<bool>,
    pub class_repeat: u32,
    /// The fitted prior: share of positives in the repeated rows.
    pub prior: f64,
}

pub(crate) fn repeated(
    rows: &[usize],
    y: &[bool],
    weight: &dyn Fn(usize) -> u32,
    max_repeat: u32,
) -> Repeated {
    let (mut pos, mut neg) = (0f64, 0f64);
    for (&row, &v) in rows.iter().zip(y) {
        if v {
            pos += weight(row) as f64;
        } else {
            neg += weight(row) as f64;
        }
    }
    let minority_is_pos = pos <= neg;
    let (min, maj) = if minority_is_pos {
        (pos, neg)
    } else {
        (neg, pos)
    };
    let class_repeat = if min > 0.0 && min / (min + maj) < BALANCE_BELOW {
        ((maj / min).round() as u32).clamp(1, max_repeat.max(1))
    } else {
        1
    };
    let mut out = Repeated {
        rows: Vec::with_capacity(rows.len()),
        y: Vec::with_capacity(rows.len()),
        class_repeat,
        prior: 0.0,
    };
    for (&row, &v) in rows.iter().zip(y) {
        let times = weight(row)
            * if v == minority_is_pos {
                class_repeat
            } else {
                1
            };
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
    fn repetition_balances_rare_classes_only() {
        let rows: Vec<usize> = (0..10).collect();
        let one = |_: usize| 1u32;
        let y = [
            true, false, false, false, false, false, false, false, false, false,
        ];
        let r = repeated(&rows, &y, &one, 20);
        assert_eq!(r.class_repeat, 9);
        assert_eq!(r.rows.len(), 18);
        assert_eq!(r.y.iter().filter(|&&v| v).count(), 9);
        assert!((r.prior - 0.5).abs() < 1e-12);
        // Capped.
        assert_eq!(repeated(&rows, &y, &one, 4).class_repeat, 4);
        // Mostly positive: negatives are repeated.
        let y2: Vec<bool> = y.iter().map(|v| !v).collect();
        let r2 = repeated(&rows, &y2, &one, 20);
        assert_eq!(r2.y.iter().filter(|&&v| !v).count(), 9);
        // Mild imbalance (30%) is left as it is.
        let y3 = [
            true, true, true, false, false, false, false, false, false, false,
        ];
        let r3 = repeated(&rows, &y3, &one, 20);
        assert_eq!(r3.class_repeat, 1);
        assert!((r3.prior - 0.3).abs() < 1e-12);
    }

    #[test]
    fn file_weights_repeat_rows() {
        let rows: Vec<usize> = (0..4).collect();
        let y = [true, false, true, false];
        let w = |row: usize| if row < 2 { 3 } else { 1 };
        let r = repeated(&rows, &y, &w, 10);
        assert_eq!(r.rows, [0, 0, 0, 1, 1, 1, 2, 3]);
        assert_eq!(r.class_repeat, 1);
    }
}
