//! Stage 4's solver: fitting one binary label with `linfa-logistic`, and the workarounds its
//! 0.8.1 release needs.
//!
//! - **Dense only.** The sparse rows are written into a dense `f32` matrix in column-major
//!   (Fortran) order. linfa's gradient computes `Xᵀ·r` with ndarray's matrix-vector product, which
//!   without BLAS walks the rows of `Xᵀ`: column-major `X` makes those rows contiguous, and `X·w`
//!   goes through matrixmultiply's GEMM, which handles either layout. The caller bounds the size.
//! - **Positive class.** linfa labels the *more frequent* class as its positive class (rust-ml/linfa
//!   issue #393), and with equal counts the first one seen. [`fit`] reads which class linfa took and
//!   flips the weights when it took `false`, so the stored model always gives P(label = 1).
//! - **No sample weights.** Class imbalance is handled by the caller by repeating rows of the
//!   minority class (an integer weight, exactly: the loss is a sum over rows).
//! - **L2 only.** Regularization strength `alpha` is the L2 penalty on a *summed* loss
//!   (`0.5·alpha·‖w‖²`), so it plays the role of scikit-learn's `1/C`.

use linfa::traits::Fit as _;
use linfa::DatasetBase;
use linfa_logistic::{FittedLogisticRegression, LogisticRegression};
use ndarray::{Array1, Array2, ArrayView1, ShapeBuilder};

use crate::error::{Error, Result};
use crate::features::SparseVec;

/// Bytes the dense matrix of `rows × dim` takes.
pub fn matrix_bytes(rows: usize, dim: usize) -> u64 {
    rows as u64 * dim as u64 * std::mem::size_of::<f32>() as u64
}

/// A dense column-major matrix of the given sparse rows.
pub fn densify(rows: &[&SparseVec], dim: usize) -> Array2<f32> {
    let mut x = Array2::<f32>::zeros((rows.len(), dim).f());
    for (r, v) in rows.iter().enumerate() {
        for (&i, &val) in v.idx.iter().zip(&v.val) {
            x[[r, i as usize]] = val;
        }
    }
    x
}

/// Solver settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Solver {
    pub alpha: f32,
    pub max_iterations: u64,
    pub gradient_tolerance: f32,
}

/// A fitted binary model, oriented so that `sigmoid(weights·x + bias)` = P(label = 1).
#[derive(Debug, Clone)]
pub struct BinaryFit {
    pub weights: Vec<f32>,
    pub bias: f32,
    /// The model as linfa returned it (its own class orientation).
    pub fitted: FittedLogisticRegression<f32, bool>,
}

impl BinaryFit {
    /// Whether linfa's positive class is `true` (if not, its probabilities are P(label = 0)).
    pub fn linfa_positive_is_true(&self) -> bool {
        self.fitted.labels().pos.class
    }

    /// P(label = 1) for a sparse row.
    pub fn probability(&self, x: &SparseVec) -> f32 {
        sigmoid(crate::model::linear_score(&self.weights, self.bias, x))
    }
}

pub fn sigmoid(z: f32) -> f32 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Where the solver starts: weights and bias in our orientation (P(label = 1)).
#[derive(Debug, Clone, Copy)]
pub struct Start<'a> {
    pub weights: &'a [f32],
    pub bias: f32,
}

impl<'a> From<&'a BinaryFit> for Start<'a> {
    fn from(f: &'a BinaryFit) -> Start<'a> {
        Start {
            weights: &f.weights,
            bias: f.bias,
        }
    }
}

/// Whether linfa will take `true` as its positive class for these labels: the more frequent
/// class, and with equal counts the first one it sees (rust-ml/linfa issue #393).
fn linfa_takes_true(y: ArrayView1<bool>) -> bool {
    let n_pos = y.iter().filter(|&&v| v).count();
    let n_neg = y.len() - n_pos;
    n_pos > n_neg || (n_pos == n_neg && y.first() == Some(&true))
}

/// Fit one binary logistic regression. `start` starts the solver from those weights instead of
/// zero: a fit on the same rows with another `alpha`, or a base model being adapted to a site
/// (turned into linfa's orientation here). A start of the wrong width is ignored.
pub fn fit(
    x: &Array2<f32>,
    y: ArrayView1<bool>,
    solver: Solver,
    start: Option<Start>,
) -> Result<BinaryFit> {
    let n_pos = y.iter().filter(|&&v| v).count();
    if n_pos == 0 || n_pos == y.len() {
        return Err(Error::Training(format!(
            "cannot fit a label whose {} training rows are all {}",
            y.len(),
            if n_pos == 0 { 0 } else { 1 }
        )));
    }
    let mut params = LogisticRegression::default()
        .alpha(solver.alpha)
        .max_iterations(solver.max_iterations)
        .gradient_tolerance(solver.gradient_tolerance);
    if let Some(s) = start {
        if s.weights.len() == x.ncols() {
            let sign = if linfa_takes_true(y) { 1.0 } else { -1.0 };
            let p: Vec<f32> = s
                .weights
                .iter()
                .chain(std::iter::once(&s.bias))
                .map(|w| sign * w)
                .collect();
            params = params.initial_params(Array1::from(p));
        }
    }
    let dataset = DatasetBase::new(x.view(), y);
    let fitted = params
        .fit(&dataset)
        .map_err(|e| Error::Training(format!("linfa-logistic failed: {e}")))?;
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    let weights = fitted.params().iter().map(|w| sign * w).collect();
    let bias = sign * fitted.intercept();
    Ok(BinaryFit {
        weights,
        bias,
        fitted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows with two informative features: feature 0 fires on positives, feature 1 on negatives,
    /// with some noise rows so the problem is not separable.
    fn data(n_pos: usize, n_neg: usize) -> (Vec<SparseVec>, Vec<bool>) {
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for i in 0..n_pos {
            let noisy = i % 13 == 0;
            rows.push(SparseVec {
                idx: vec![if noisy { 1 } else { 0 }, 2],
                val: vec![1.0, (i % 3) as f32 / 3.0],
            });
            y.push(true);
        }
        for i in 0..n_neg {
            let noisy = i % 13 == 0;
            rows.push(SparseVec {
                idx: vec![if noisy { 0 } else { 1 }, 2],
                val: vec![1.0, (i % 5) as f32 / 5.0],
            });
            y.push(false);
        }
        (rows, y)
    }

    fn check(n_pos: usize, n_neg: usize) {
        let (rows, y) = data(n_pos, n_neg);
        let refs: Vec<&SparseVec> = rows.iter().collect();
        let x = densify(&refs, 3);
        let y = Array1::from(y);
        let solver = Solver {
            alpha: 0.1,
            max_iterations: 200,
            gradient_tolerance: 1e-5,
        };
        let fit = fit(&x, y.view(), solver, None).unwrap();
        // linfa's positive class is the more frequent one (#393)...
        if n_pos != n_neg {
            assert_eq!(fit.linfa_positive_is_true(), n_pos > n_neg);
        }
        // ...but ours is always label = 1: feature 0 (positives) raises the score.
        assert!(fit.weights[0] > 0.0, "{:?}", fit.weights);
        assert!(fit.weights[1] < 0.0, "{:?}", fit.weights);
        let linfa = fit.fitted.predict_probabilities(&x);
        for (r, row) in rows.iter().enumerate() {
            let p1 = fit.probability(row);
            let expected = if fit.linfa_positive_is_true() {
                linfa[r]
            } else {
                1.0 - linfa[r]
            };
            assert!((p1 - expected).abs() < 1e-5, "row {r}: {p1} vs {expected}");
        }
        // Clean positive rows score above 0.5, clean negative rows below.
        assert!(fit.probability(&rows[1]) > 0.5);
        assert!(fit.probability(&rows[n_pos + 1]) < 0.5);
    }

    #[test]
    fn score_is_probability_of_label_one_when_mostly_zero() {
        check(30, 170);
    }

    #[test]
    fn score_is_probability_of_label_one_when_mostly_one() {
        check(170, 30);
    }

    #[test]
    fn score_is_probability_of_label_one_when_balanced() {
        check(100, 100);
    }

    #[test]
    fn balanced_with_negatives_first() {
        // With equal counts linfa takes the first class it sees as positive.
        let (mut rows, mut y) = data(50, 50);
        rows.reverse();
        y.reverse();
        let refs: Vec<&SparseVec> = rows.iter().collect();
        let x = densify(&refs, 3);
        let solver = Solver {
            alpha: 0.1,
            max_iterations: 200,
            gradient_tolerance: 1e-5,
        };
        let fit = fit(&x, Array1::from(y).view(), solver, None).unwrap();
        assert!(fit.weights[0] > 0.0);
    }

    /// A start is given in our orientation: on mostly-negative rows (where linfa's positive class
    /// is `false`) as on mostly-positive ones, a solver allowed no iteration returns the start
    /// itself, oriented as it was given.
    #[test]
    fn a_start_is_turned_into_linfas_orientation() {
        for (n_pos, n_neg) in [(30, 170), (170, 30)] {
            let (rows, y) = data(n_pos, n_neg);
            let refs: Vec<&SparseVec> = rows.iter().collect();
            let x = densify(&refs, 3);
            let y = Array1::from(y);
            let none = Solver {
                alpha: 0.1,
                max_iterations: 0,
                gradient_tolerance: 1e-5,
            };
            let start = [1.5f32, -2.0, 0.25];
            let s = Start {
                weights: &start,
                bias: 0.5,
            };
            let f = fit(&x, y.view(), none, Some(s)).unwrap();
            assert_eq!(f.weights, start, "{n_pos} positives");
            assert_eq!(f.bias, 0.5);
        }
    }

    #[test]
    fn one_class_is_refused() {
        let (rows, _) = data(10, 0);
        let refs: Vec<&SparseVec> = rows.iter().collect();
        let x = densify(&refs, 3);
        let y = Array1::from(vec![true; 10]);
        let solver = Solver {
            alpha: 1.0,
            max_iterations: 10,
            gradient_tolerance: 1e-4,
        };
        assert!(fit(&x, y.view(), solver, None).is_err());
    }

    #[test]
    fn densify_is_column_major() {
        let (rows, _) = data(3, 3);
        let refs: Vec<&SparseVec> = rows.iter().collect();
        let x = densify(&refs, 3);
        assert_eq!(x.strides(), &[1, 6]);
        assert_eq!(x[[0, 1]], 1.0);
        assert_eq!(x[[1, 0]], 1.0);
    }
}
