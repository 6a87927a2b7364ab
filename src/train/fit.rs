//! Stage 4, fit: for each label, on the training rows where it is known, k-fold cross-validation
//! over the `alpha` grid picks the L2 strength (pooled out-of-fold ROC AUC), then a fit on all of
//! them ([`crate::train::logistic`] fits one binary model).
//!
//! Before any dense matrix is built, the memory budget ([`plan`]) says how many rows one fit may
//! take: as many fits run at once as there are threads, each on at most all of a label's
//! (repeated) training rows; a label with more rows than the budget allows is fitted on a
//! stratified sample of them (its vocabulary, evidence and thresholds still come from all of them).

use ndarray::Array1;
use rand::seq::SliceRandom;
use rayon::prelude::*;

use super::balance::{repeated, stratified_sample, RowSources};
use super::featurize::RowVectors;
use super::logistic::{self, BinaryFit, Solver, Start};
use super::split::rng;
use super::{known_rows, Stage, TrainError, TrainProgress, ValidParams};
use crate::error::{Error, Result};
use crate::eval::metrics;
use crate::features::SparseVec;
use crate::io::dataset::Dataset;

/// Fewest rows per fit that `max_matrix_mb` may leave: below this, training refuses.
pub(crate) const MIN_FIT_ROWS: usize = 200;

/// Rows one fit may take so that the `parallel` dense matrices that exist at once (`dim` f32
/// columns each) stay within `max_matrix_mb`.
pub(crate) fn fit_row_budget(max_matrix_mb: u64, parallel: usize, dim: usize) -> usize {
    let per_fit = max_matrix_mb.saturating_mul(1 << 20) / parallel.max(1) as u64;
    (per_fit / logistic::matrix_bytes(1, dim.max(1))) as usize
}

/// How much of each label's rows a fit takes.
pub(crate) struct Plan {
    /// Per label: the share of its (repeated) training rows in each fit, 1 for all of them.
    pub shares: Vec<f64>,
    /// One note per sampled label, for the model card (also given to the progress as it is made).
    pub notes: Vec<String>,
}

/// The memory plan: the row budget per fit, and the share of each label's rows that fits in it.
/// Notes each sampled label and the peak size of the dense matrices.
pub(crate) fn plan(
    ds: &Dataset,
    train_rows: &[usize],
    sources: &RowSources,
    dim: usize,
    params: &ValidParams,
    progress: &dyn TrainProgress,
) -> Result<Plan> {
    let parallel = rayon::current_num_threads()
        .max(1)
        .min(ds.labels.len() * (params.folds + 1));
    let budget = fit_row_budget(params.max_matrix_mb, parallel, dim);
    if budget < MIN_FIT_ROWS {
        return Err(TrainError::MatrixBudget {
            max_matrix_mb: params.max_matrix_mb,
            rows_per_fit: budget,
            parallel,
            dim,
            min_rows: MIN_FIT_ROWS,
        }
        .into());
    }
    let mut shares = Vec::with_capacity(ds.labels.len());
    let mut peak_rows = 0usize;
    let mut notes = Vec::new();
    for (l, name) in ds.labels.iter().enumerate() {
        let (rows, y) = known_rows(ds, train_rows, l);
        let n = repeated(&rows, &y, sources, params.max_repeat).rows.len();
        let share = (budget as f64 / n as f64).min(1.0);
        if n > budget {
            let note = format!(
                "label '{name}': each fit used a stratified sample of {:.1}% of its {} training \
                 rows (the dense matrices of {} rows would be over --max-matrix-mb {}); the \
                 vocabulary, the evidence table and the threshold used all of them",
                share * 100.0,
                rows.len(),
                n,
                params.max_matrix_mb
            );
            progress.note(&note);
            notes.push(note);
        }
        peak_rows = peak_rows.max(n.min(budget));
        shares.push(share);
    }
    peak_rows *= parallel;
    let mb = logistic::matrix_bytes(peak_rows, dim).div_ceil(1 << 20);
    progress.note(&format!(
        "dense training matrices take up to {mb} MB at once ({peak_rows} rows × {dim} features, f32)"
    ));
    Ok(Plan { shares, notes })
}

/// One label's fit, before calibration.
pub(crate) struct LabelFit {
    /// The label's known training rows and their values.
    pub rows: Vec<usize>,
    pub y: Vec<bool>,
    /// The chosen alpha's fit on all of them.
    pub fit: BinaryFit,
    /// The fitted prior: share of positives in the (repeated) rows of that fit.
    pub prior: f64,
    pub alpha: f32,
    /// Out-of-fold ROC AUC per alpha, strongest regularization first.
    pub cv: Vec<(f32, f64)>,
    /// The chosen alpha's out-of-fold raw scores (`w·x + b`), by position in `rows`.
    pub oof: Vec<f32>,
}

/// What one fitting job returns: for a fold, the out-of-fold raw scores (`w·x + b`, by position
/// in the label's rows) per alpha; for all the rows, the fit per alpha and the fitted prior.
enum JobOut {
    Fold(Vec<Vec<(usize, f32)>>),
    Full(Vec<BinaryFit>, f64),
}

/// Fit every label: for each label, one job per cross-validation fold and one on all its
/// training rows, each running the alphas from the strongest regularization down with warm
/// starts. All the jobs of all the labels go to the thread pool at once, so both cores stay busy
/// (the dense matrices, not the CPU, are what limits how many run together). Then, per label:
/// the alpha with the best out-of-fold ROC AUC and that alpha's fit on all rows. `starts` (per
/// label, may be shorter) gives the weights a label's first alpha starts from; zero otherwise.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_labels(
    ds: &Dataset,
    vectors: &RowVectors,
    train_rows: &[usize],
    shares: &[f64],
    dim: usize,
    sources: &RowSources,
    starts: &[Option<(Vec<f32>, f32)>],
    params: &ValidParams,
    progress: &dyn TrainProgress,
) -> Result<Vec<LabelFit>> {
    let mut alphas = params.alphas.clone();
    alphas.sort_by(|a, b| b.total_cmp(a)); // strongest regularization first, warm starts after
    let solver = |alpha| Solver {
        alpha,
        max_iterations: params.max_iterations,
        gradient_tolerance: 1e-4,
    };
    // Per label: its known training rows, their values, and stratified folds (positives and
    // negatives shuffled separately and dealt round-robin).
    let setups: Vec<(Vec<usize>, Vec<bool>, Vec<usize>)> = (0..ds.labels.len())
        .map(|l| {
            let (rows, y) = known_rows(ds, train_rows, l);
            let mut fold_of = vec![0usize; rows.len()];
            for value in [true, false] {
                let mut idx: Vec<usize> = (0..rows.len()).filter(|&k| y[k] == value).collect();
                idx.shuffle(&mut rng(params.seed, 1000 + l as u64));
                for (n, k) in idx.into_iter().enumerate() {
                    fold_of[k] = n % params.folds;
                }
            }
            (rows, y, fold_of)
        })
        .collect();
    let jobs: Vec<(usize, Option<usize>)> = (0..ds.labels.len())
        .flat_map(|l| {
            (0..params.folds)
                .map(move |f| (l, Some(f)))
                .chain(std::iter::once((l, None)))
        })
        .collect();
    progress.stage_start(Stage::Fitting, jobs.len() as u64);
    let outs: Vec<Result<JobOut>> = jobs
        .par_iter()
        .map(|&(l, fold)| {
            let (rows, y, fold_of) = &setups[l];
            let (mut tr, mut ty): (Vec<usize>, Vec<bool>) = (0..rows.len())
                .filter(|&k| Some(fold_of[k]) != fold)
                .map(|k| (rows[k], y[k]))
                .unzip();
            if shares[l] < 1.0 {
                // Out-of-fold scores below still cover every row of the fold.
                let stream = 3000 + 64 * l as u64 + fold.map_or(63, |f| f as u64);
                (tr, ty) = stratified_sample(&tr, &ty, shares[l], &mut rng(params.seed, stream));
            }
            let rep = repeated(&tr, &ty, sources, params.max_repeat);
            let refs: Vec<&SparseVec> = rep.rows.iter().map(|&i| &vectors[i]).collect();
            let x = logistic::densify(&refs, dim);
            let yv = Array1::from(rep.y);
            let mut fits: Vec<BinaryFit> = Vec::with_capacity(alphas.len());
            for &a in &alphas {
                let start = fits.last().map(Start::from).or(starts
                    .get(l)
                    .and_then(|s| s.as_ref())
                    .map(|(w, b)| Start {
                        weights: w,
                        bias: *b,
                    }));
                let fit = logistic::fit(&x, yv.view(), solver(a), start)?;
                fits.push(fit);
            }
            drop(x);
            progress.stage_step(Stage::Fitting);
            Ok(match fold {
                Some(f) => JobOut::Fold(
                    fits.iter()
                        .map(|fit| {
                            (0..rows.len())
                                .filter(|&k| fold_of[k] == f)
                                .map(|k| (k, vectors.pooled_z(rows[k], &fit.weights, fit.bias)))
                                .collect()
                        })
                        .collect(),
                ),
                None => JobOut::Full(fits, rep.prior),
            })
        })
        .collect();
    progress.stage_end(Stage::Fitting);

    let mut outs = outs.into_iter();
    let mut fitted = Vec::with_capacity(ds.labels.len());
    for (rows, y, _) in setups {
        let mut oof = vec![vec![0f32; rows.len()]; alphas.len()];
        let mut full = None;
        for _ in 0..=params.folds {
            match outs.next() {
                Some(out) => match out? {
                    JobOut::Fold(per_alpha) => {
                        for (a, scores) in per_alpha.into_iter().enumerate() {
                            for (k, s) in scores {
                                oof[a][k] = s;
                            }
                        }
                    }
                    JobOut::Full(fits, prior) => full = Some((fits, prior)),
                },
                None => return Err(Error::Training("a fitting job is missing".into())),
            }
        }
        let Some((fits, prior)) = full else {
            return Err(Error::Training("the fit on all rows is missing".into()));
        };
        let cv: Vec<(f32, f64)> = alphas
            .iter()
            .zip(&oof)
            .map(|(&a, s)| (a, metrics::roc_auc(s, &y).unwrap_or(0.5)))
            .collect();
        // Best alpha; on a tie the stronger regularization (earlier in the list) wins.
        let best = cv
            .iter()
            .enumerate()
            .fold(0, |b, (i, c)| if c.1 > cv[b].1 { i } else { b });
        let Some(fit) = fits.into_iter().nth(best) else {
            return Err(Error::Training("no fit for the chosen alpha".into()));
        };
        fitted.push(LabelFit {
            rows,
            y,
            fit,
            prior,
            alpha: alphas[best],
            cv,
            oof: oof.swap_remove(best),
        });
    }
    Ok(fitted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_row_budget_divides_the_memory_among_the_fits_at_once() {
        // 8 GB over 2 fits of 12,015 f32 columns.
        assert_eq!(
            fit_row_budget(8192, 2, 12015),
            (4096u64 << 20) as usize / (12015 * 4)
        );
        assert_eq!(fit_row_budget(1, 1, 256), 1024);
        assert_eq!(fit_row_budget(0, 2, 100), 0);
        assert!(fit_row_budget(u64::MAX, 2, 100) > 1 << 40, "no overflow");
    }
}
