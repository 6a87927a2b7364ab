//! `moderate train`: labeled CSV in, model file out.
//!
//! 1. Every file is split, per file and per value of the main label, into training rows and
//!    held-out rows (`--holdout`, seeded shuffle), so every source is measured.
//! 2. The vocabulary is chosen on the training rows only ([`crate::train::vocab`]).
//! 3. For each label, on the training rows where it is known: k-fold cross-validation over the
//!    `alpha` grid picks the L2 strength (pooled out-of-fold ROC AUC), then a final fit on all of
//!    them. Class imbalance: linfa-logistic has no sample weights, so the rows of the rarer class
//!    are repeated `round(majority / minority)` times (at most `--max-repeat`), which is exactly an
//!    integer class weight for a summed loss.
//! 4. Prior correction: the balanced fit's probabilities assume the balanced prior; the model
//!    stores `offset = logit(base rate) − logit(fitted prior)` so that scores are probabilities on a
//!    section where `--base-rate` of comments are flagged (other labels: the base rate times their
//!    frequency relative to the main label in the training data).
//! 5. The threshold per label maximizes F1 at that base rate on the out-of-fold scores; the stored
//!    metrics come from the held-out rows, never seen by vocabulary selection, alpha choice,
//!    threshold or fit.

pub mod logistic;
pub mod vocab;

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use ndarray::Array1;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::eval::metrics::{self, Metrics};
use crate::features::{FeatureConfig, FeatureSpec, Featurizer, SparseVec};
use crate::io::dataset::{self, Dataset, ReadOptions};
use crate::model::{LabelMetrics, LabelModel, ModelCard, ModelData, SourceCard};
use crate::text::analyzer::Analyzer;
use crate::text::lexicon::LexiconSource;
use logistic::{BinaryFit, Solver};

/// Everything `moderate train` can be told.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub data: Vec<PathBuf>,
    pub read: ReadOptions,
    /// The main label (default: `toxic` if present, else the first label).
    pub main_label: Option<String>,
    pub seed: u64,
    /// Share of each file held out for measurement (0 to keep none).
    pub holdout: f64,
    pub folds: usize,
    pub alphas: Vec<f32>,
    pub base_rate: f64,
    pub features: FeatureConfig,
    /// Lexicon folder; None: the lists compiled into this build.
    pub lexicons: Option<PathBuf>,
    pub max_matrix_mb: u64,
    pub max_iterations: u64,
    pub max_repeat: u32,
    pub shouting_threshold: f32,
    /// Recorded in the model card.
    pub command: String,
    /// Recorded in the model card: `YYYY-MM-DD`.
    pub created: String,
    /// Print progress and a summary to stderr.
    pub verbose: bool,
    /// Write the split (`file,line,part`) here, so other tools can train on the same rows.
    pub split_out: Option<PathBuf>,
    /// `(file, n)`: each training row of `file` counts `n` times (by repetition).
    pub source_weights: Vec<(PathBuf, u32)>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            data: Vec::new(),
            read: ReadOptions {
                text_column: "text".into(),
                labels: None,
                renames: Vec::new(),
            },
            main_label: None,
            seed: 42,
            holdout: 0.2,
            folds: 3,
            alphas: vec![1.0],
            base_rate: 0.10,
            features: FeatureConfig::default(),
            lexicons: None,
            max_matrix_mb: 8192,
            max_iterations: 50,
            max_repeat: 10,
            shouting_threshold: 0.5,
            command: String::new(),
            created: String::new(),
            verbose: false,
            split_out: None,
            source_weights: Vec::new(),
        }
    }
}

fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

fn progress(verbose: bool, len: u64, msg: &str) -> ProgressBar {
    if !verbose {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(msg.to_string());
    bar
}

fn source_stream(sha256: &str) -> u64 {
    u64::from_str_radix(sha256.get(..16).unwrap_or("0"), 16).unwrap_or(0)
}

/// Split row indices into (train, holdout): per source, per main-label value, seeded.
/// Public so that `train --report` can find the held-out rows of the data it re-reads.
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

/// Below this share of the rarer class, its rows are repeated to balance the classes.
const BALANCE_BELOW: f64 = 0.2;

/// One label's training rows as they go into the dense matrix, each repeated by its file's weight
/// (`--weight FILE=N`) times its class's: when the rarer class is under [`BALANCE_BELOW`] of the
/// (weighted) rows, its rows are repeated `round(majority / minority)` times, at most
/// `max_repeat`. Repeating a row k times is exactly a weight of k in linfa's summed loss.
struct Repeated {
    rows: Vec<usize>,
    y: Vec<bool>,
    class_repeat: u32,
    /// The fitted prior: share of positives in the repeated rows.
    prior: f64,
}

fn repeated(
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

/// Fewest rows per fit that `--max-matrix-mb` may leave: below this, training refuses.
const MIN_FIT_ROWS: usize = 200;

/// Rows one fit may take so that the `parallel` dense matrices that exist at once (`dim` f32
/// columns each) stay within `max_matrix_mb`.
fn fit_row_budget(max_matrix_mb: u64, parallel: usize, dim: usize) -> usize {
    let per_fit = max_matrix_mb.saturating_mul(1 << 20) / parallel.max(1) as u64;
    (per_fit / logistic::matrix_bytes(1, dim.max(1))) as usize
}

/// A seeded sample of `share` of the rows of each class (rounded down, at least one row of a
/// class that has any), in their original order.
fn stratified_sample(
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

/// Train a model. Returns the model data; writes nothing.
pub fn train(opts: &TrainOptions) -> Result<ModelData> {
    let started = Instant::now();
    let ds = dataset::read(&opts.data, &opts.read)?;
    if ds.labels.is_empty() {
        return Err(Error::Training("no label to train".into()));
    }
    let main = match &opts.main_label {
        Some(m) => ds.labels.iter().position(|l| l == m).ok_or_else(|| {
            Error::Training(format!(
                "main label '{m}' is not among the labels ({})",
                ds.labels.join(", ")
            ))
        })?,
        None => ds.labels.iter().position(|l| l == "toxic").unwrap_or(0),
    };
    if !(0.0..0.9).contains(&opts.holdout) {
        return Err(Error::Training(format!(
            "--holdout must be in [0, 0.9), got {}",
            opts.holdout
        )));
    }
    if opts.folds < 2 {
        return Err(Error::Training("--folds must be at least 2".into()));
    }
    if opts.alphas.is_empty() || opts.alphas.iter().any(|a| a.is_nan() || *a <= 0.0) {
        return Err(Error::Training("--alphas must be positive numbers".into()));
    }
    if !(opts.base_rate > 0.0 && opts.base_rate < 1.0) {
        return Err(Error::Training(
            "--base-rate must be between 0 and 1".into(),
        ));
    }
    let (train_rows, held_rows) = split(&ds, main, opts.holdout, opts.seed);
    for (l, name) in ds.labels.iter().enumerate() {
        let known: Vec<bool> = train_rows
            .iter()
            .filter_map(|&i| ds.examples[i].labels[l])
            .collect();
        let pos = known.iter().filter(|&&v| v).count();
        if known.is_empty() || pos == 0 || pos == known.len() {
            let files: Vec<String> = ds
                .sources
                .iter()
                .map(|s| s.path.display().to_string())
                .collect();
            return Err(Error::Training(format!(
                "label '{name}' needs both 0 and 1 rows to train, but its {} training rows are {} \
                 (files: {})",
                known.len(),
                if known.is_empty() {
                    "none".to_string()
                } else if pos == 0 {
                    "all 0".to_string()
                } else {
                    "all 1".to_string()
                },
                files.join(", ")
            )));
        }
    }
    if opts.verbose {
        eprintln!(
            "moderate: {} rows from {} file(s): {} for training, {} held out; labels: {} (main: {})",
            ds.examples.len(),
            ds.sources.len(),
            train_rows.len(),
            held_rows.len(),
            ds.labels.join(", "),
            ds.labels[main]
        );
    }

    // Vocabulary on the training rows only.
    let docs: Vec<String> = train_rows
        .par_iter()
        .map(|&i| Analyzer::for_vocabulary(opts.features.max_chars, &ds.examples[i].text))
        .collect();
    let labels: Vec<Vec<Option<bool>>> = train_rows
        .iter()
        .map(|&i| ds.examples[i].labels.clone())
        .collect();
    let (vocab, evidence) =
        crate::train::vocab::build(&opts.features, &docs, &labels, &ds.labels, main);
    drop(docs);
    if opts.verbose {
        eprintln!(
            "moderate: vocabulary and evidence table after {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let lexicons = match &opts.lexicons {
        Some(dir) => LexiconSource::load_dir(dir)?,
        None => LexiconSource::embedded(),
    };
    let featurizer = Featurizer::new(FeatureSpec {
        config: opts.features.clone(),
        vocab,
        evidence,
        lexicons,
    })?;
    let dim = featurizer.dim();

    let bar = progress(opts.verbose, ds.examples.len() as u64, "featurizing");
    let mut is_train = vec![false; ds.examples.len()];
    for &i in &train_rows {
        is_train[i] = true;
    }
    let evidence_base = featurizer.evidence_base() as u32;
    let vectors: Vec<SparseVec> = ds
        .examples
        .par_iter()
        .enumerate()
        .map(|(i, e)| {
            let a = featurizer.analyze(&e.text);
            let mut v = a.vector;
            if is_train[i] {
                // Leave-one-out evidence: the row's own label counts are taken out.
                let loo = featurizer.evidence_values(&a.evidence, Some(&e.labels));
                v.set_range(evidence_base, &loo);
            }
            bar.inc(1);
            v
        })
        .collect();
    bar.finish_and_clear();
    if opts.verbose {
        eprintln!(
            "moderate: rows featurized after {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    // Per-file weights (`--weight FILE=N`), applied by repeating rows.
    let mut source_weight = vec![1u32; ds.sources.len()];
    for (file, w) in &opts.source_weights {
        let s = ds
            .sources
            .iter()
            .position(|s| &s.path == file)
            .ok_or_else(|| {
                Error::Training(format!(
                    "--weight names {}, which is not one of the --data files",
                    file.display()
                ))
            })?;
        source_weight[s] = (*w).max(1);
    }
    let weight = |row: usize| source_weight[ds.examples[row].source];

    // Memory budget before any dense matrix is built: as many fits run at once as there are
    // threads, each on at most all of a label's (repeated) training rows. A label with more rows
    // than the budget allows is fitted on a stratified sample of them (its vocabulary, evidence
    // and thresholds still come from all of them).
    let parallel = rayon::current_num_threads()
        .max(1)
        .min(ds.labels.len() * (opts.folds + 1));
    let budget = fit_row_budget(opts.max_matrix_mb, parallel, dim);
    if budget < MIN_FIT_ROWS {
        return Err(Error::Training(format!(
            "--max-matrix-mb {} leaves room for {budget} rows per fit ({parallel} fits at once × \
             {dim} features, f32), under {MIN_FIT_ROWS}: raise --max-matrix-mb or lower \
             --max-features",
            opts.max_matrix_mb
        )));
    }
    let mut shares = Vec::with_capacity(ds.labels.len());
    let mut peak_rows = 0usize;
    let mut sample_notes = Vec::new();
    for (l, name) in ds.labels.iter().enumerate() {
        let (rows, y) = known_rows(&ds, &train_rows, l);
        let n = repeated(&rows, &y, &weight, opts.max_repeat).rows.len();
        let share = (budget as f64 / n as f64).min(1.0);
        if n > budget {
            let note = format!(
                "label '{name}': each fit used a stratified sample of {:.1}% of its {} training \
                 rows (the dense matrices of {} rows would be over --max-matrix-mb {}); the \
                 vocabulary, the evidence table and the threshold used all of them",
                share * 100.0,
                rows.len(),
                n,
                opts.max_matrix_mb
            );
            if opts.verbose {
                eprintln!("moderate: {note}");
            }
            sample_notes.push(note);
        }
        peak_rows = peak_rows.max(n.min(budget));
        shares.push(share);
    }
    peak_rows *= parallel;
    if opts.verbose {
        let mb = logistic::matrix_bytes(peak_rows, dim).div_ceil(1 << 20);
        eprintln!(
            "moderate: dense training matrices take up to {mb} MB at once ({peak_rows} rows × {dim} features, f32)"
        );
    }

    // Deployment base rate per label.
    let base_rates: Vec<f64> = (0..ds.labels.len())
        .map(|l| label_base_rate(&ds, &train_rows, l, main, opts.base_rate))
        .collect();

    let fit_started = Instant::now();
    let label_models = fit_labels(
        &ds,
        &vectors,
        &train_rows,
        &held_rows,
        &base_rates,
        &shares,
        dim,
        &weight,
        opts,
    )?;
    if opts.verbose {
        eprintln!(
            "moderate: {} fits in {:.1} s",
            ds.labels.len() * (opts.folds + 1),
            fit_started.elapsed().as_secs_f64()
        );
    }

    // Held-out figures per source and label.
    let mut sources = Vec::new();
    for (s, src) in ds.sources.iter().enumerate() {
        let held: Vec<usize> = held_rows
            .iter()
            .copied()
            .filter(|&i| ds.examples[i].source == s)
            .collect();
        let n_train = train_rows
            .iter()
            .filter(|&&i| ds.examples[i].source == s)
            .count();
        let mut metrics = Vec::new();
        for (l, model) in label_models.iter().enumerate() {
            let (rows, y) = known_rows(&ds, &held, l);
            if rows.is_empty() {
                continue;
            }
            let scores: Vec<f32> = rows
                .iter()
                .map(|&i| model.probability(&vectors[i]))
                .collect();
            metrics.push(LabelMetrics {
                label: model.name.clone(),
                metrics: Metrics::compute(&scores, &y, model.threshold, model.base_rate),
            });
        }
        sources.push(SourceCard {
            path: display_path(&src.path),
            sha256: src.sha256.clone(),
            rows: src.rows,
            train_rows: n_train as u64,
            holdout_rows: held.len() as u64,
            labels: src.columns.clone(),
            metrics,
        });
    }
    if let Some(path) = &opts.split_out {
        write_split(&ds, &held_rows, path)?;
    }
    if opts.verbose {
        eprintln!(
            "moderate: trained in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let mut notes = vec![
        format!(
            "scores are calibrated to a base rate of {} for '{}' (prior correction of a \
             class-balanced fit)",
            opts.base_rate, ds.labels[main]
        ),
        "metrics are on held-out rows; precision, F1 and pr_auc assume the base rate, \
         pr_auc_sample uses the held-out rows' own rate"
            .to_string(),
    ];
    notes.extend(sample_notes);
    Ok(ModelData {
        features: featurizer.spec().clone(),
        main_label: ds.labels[main].clone(),
        labels: label_models,
        shouting_threshold: opts.shouting_threshold,
        card: ModelCard {
            created: opts.created.clone(),
            command: opts.command.clone(),
            seed: opts.seed,
            moderate_version: env!("CARGO_PKG_VERSION").to_string(),
            sources,
            notes,
        },
    })
}

/// A path as recorded in the model card: relative paths kept as given, with `/` separators.
fn display_path(p: &Path) -> String {
    p.display().to_string().replace('\\', "/")
}

fn known_rows(ds: &Dataset, rows: &[usize], label: usize) -> (Vec<usize>, Vec<bool>) {
    rows.iter()
        .filter_map(|&i| ds.examples[i].labels[label].map(|y| (i, y)))
        .unzip()
}

/// The base rate assumed for a label: the main label's is given; another label's is that times
/// its frequency relative to the main label on rows where both are known.
fn label_base_rate(ds: &Dataset, rows: &[usize], label: usize, main: usize, base: f64) -> f64 {
    if label == main {
        return base;
    }
    let (mut both, mut main_pos, mut label_pos) = (0usize, 0usize, 0usize);
    for &i in rows {
        if let (Some(m), Some(v)) = (ds.examples[i].labels[main], ds.examples[i].labels[label]) {
            both += 1;
            main_pos += m as usize;
            label_pos += v as usize;
        }
    }
    if both == 0 || main_pos == 0 {
        let (_, y) = known_rows(ds, rows, label);
        let rate = y.iter().filter(|&&v| v).count() as f64 / y.len().max(1) as f64;
        return rate.min(base).max(1e-4);
    }
    (base * label_pos as f64 / main_pos as f64).clamp(1e-4, base)
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
/// the alpha with the best out-of-fold ROC AUC, that alpha's fit on all rows, the prior
/// correction to the base rate, and the threshold that maximizes out-of-fold F1 at that rate.
#[allow(clippy::too_many_arguments)]
fn fit_labels(
    ds: &Dataset,
    vectors: &[SparseVec],
    train_rows: &[usize],
    held_rows: &[usize],
    base_rates: &[f64],
    shares: &[f64],
    dim: usize,
    weight: &(dyn Fn(usize) -> u32 + Sync),
    opts: &TrainOptions,
) -> Result<Vec<LabelModel>> {
    let mut alphas = opts.alphas.clone();
    alphas.sort_by(|a, b| b.total_cmp(a)); // strongest regularization first, warm starts after
    let solver = |alpha| Solver {
        alpha,
        max_iterations: opts.max_iterations,
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
                idx.shuffle(&mut rng(opts.seed, 1000 + l as u64));
                for (n, k) in idx.into_iter().enumerate() {
                    fold_of[k] = n % opts.folds;
                }
            }
            (rows, y, fold_of)
        })
        .collect();
    let jobs: Vec<(usize, Option<usize>)> = (0..ds.labels.len())
        .flat_map(|l| {
            (0..opts.folds)
                .map(move |f| (l, Some(f)))
                .chain(std::iter::once((l, None)))
        })
        .collect();
    let bar = progress(opts.verbose, jobs.len() as u64, "fitting");
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
                (tr, ty) = stratified_sample(&tr, &ty, shares[l], &mut rng(opts.seed, stream));
            }
            let rep = repeated(&tr, &ty, weight, opts.max_repeat);
            let refs: Vec<&SparseVec> = rep.rows.iter().map(|&i| &vectors[i]).collect();
            let x = logistic::densify(&refs, dim);
            let yv = Array1::from(rep.y);
            let mut fits: Vec<BinaryFit> = Vec::with_capacity(alphas.len());
            for &a in &alphas {
                let fit = logistic::fit(&x, yv.view(), solver(a), fits.last())?;
                fits.push(fit);
            }
            drop(x);
            bar.inc(1);
            Ok(match fold {
                Some(f) => JobOut::Fold(
                    fits.iter()
                        .map(|fit| {
                            (0..rows.len())
                                .filter(|&k| fold_of[k] == f)
                                .map(|k| (k, vectors[rows[k]].dot(&fit.weights) + fit.bias))
                                .collect()
                        })
                        .collect(),
                ),
                None => JobOut::Full(fits, rep.prior),
            })
        })
        .collect();
    bar.finish_and_clear();

    let mut outs = outs.into_iter();
    let mut models = Vec::with_capacity(ds.labels.len());
    for (l, (rows, y, _)) in setups.iter().enumerate() {
        let mut oof = vec![vec![0f32; rows.len()]; alphas.len()];
        let mut full = None;
        for _ in 0..=opts.folds {
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
            .map(|(&a, s)| (a, metrics::roc_auc(s, y).unwrap_or(0.5)))
            .collect();
        // Best alpha; on a tie the stronger regularization (earlier in the list) wins.
        let best = cv
            .iter()
            .enumerate()
            .fold(0, |b, (i, c)| if c.1 > cv[b].1 { i } else { b });
        let Some(fit) = fits.into_iter().nth(best) else {
            return Err(Error::Training("no fit for the chosen alpha".into()));
        };

        // Prior correction from the fitted class balance to the base rate.
        let base_rate = base_rates[l];
        let n_pos = y.iter().filter(|&&v| v).count();
        let offset = (logit(base_rate) - logit(prior)) as f32;
        let rep = repeated(rows, y, weight, opts.max_repeat);

        // Threshold on out-of-fold scores at the base rate.
        let oof_scores: Vec<f32> = oof[best]
            .iter()
            .map(|z| logistic::sigmoid(z + offset))
            .collect();
        let neg_w = metrics::negative_weight(n_pos, y.len() - n_pos, base_rate);
        let threshold = metrics::best_f1_threshold(&oof_scores, y, neg_w);

        let mut model = LabelModel {
            name: ds.labels[l].clone(),
            weights: fit.weights,
            bias: fit.bias,
            offset,
            threshold,
            base_rate,
            alpha: alphas[best],
            train_rows: y.len() as u64,
            train_positives: n_pos as u64,
            minority_repeats: rep.class_repeat,
            cv,
            metrics: None,
        };
        let (hrows, hy) = known_rows(ds, held_rows, l);
        if !hrows.is_empty() {
            let scores: Vec<f32> = hrows
                .iter()
                .map(|&i| model.probability(&vectors[i]))
                .collect();
            model.metrics = Some(Metrics::compute(&scores, &hy, threshold, base_rate));
        }
        models.push(model);
    }
    Ok(models)
}

/// Write which rows were held out: `file,row,part`, `row` the 1-based index of the data record in
/// its file (not its line: a quoted comment may span several lines), `part` `train` or `holdout`.
fn write_split(ds: &Dataset, held_rows: &[usize], path: &Path) -> Result<()> {
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

/// Write a model file atomically: a temporary file in the same folder, renamed at the end.
pub fn write_model(data: &ModelData, out: &Path) -> Result<()> {
    let bytes = data.to_bytes()?;
    crate::io::output::write_atomic(out, &bytes)
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
