//! Training: labeled rows in, model data out. [`train`] runs the stages in order, one file each:
//!
//! 0. [`params`]: the parameters, checked once ([`TrainParams::check`] → [`ValidParams`]).
//! 1. [`split`]: every file is split, per file and per value of the main label, into training
//!    rows and held-out rows (seeded), so every source is measured.
//! 2. [`vocab`]: the n-gram vocabulary and the naive-Bayes evidence table, chosen on the training
//!    rows only.
//! 3. [`featurize`]: every row's sparse vector (training rows with leave-one-out evidence).
//! 4. [`fit`]: per label, k-fold cross-validation over the `alpha` grid, then a fit on all its
//!    training rows ([`logistic`]); classes balanced by repeating rows ([`balance`]), within a
//!    memory budget.
//! 5. [`calibrate`]: the prior correction to the deployment base rate and the F1-best threshold on
//!    the out-of-fold scores.
//! 6. [`card`]: the held-out figures per label and per source, and the model card.
//!
//! The library prints nothing: it reports through a [`TrainProgress`] (notes in order, and the
//! long stages step by step), which the command line draws as lines and progress bars. Errors
//! that depend on the data are [`TrainError`]s; none names a command-line flag.

pub mod adapt;
pub mod balance;
pub mod calibrate;
pub mod card;
pub mod featurize;
pub mod fit;
pub mod logistic;
pub mod params;
pub mod split;
pub mod vocab;

use std::path::{Path, PathBuf};
use std::time::Instant;

use thiserror::Error;

use crate::error::Result;
use crate::io::dataset::{self, Dataset};
use crate::model::ModelData;
use crate::text::analyzer::Analyzer;
use crate::text::lexicon::Lexicon;
use balance::RowSources;

pub use params::{ParamError, TrainParams, ValidParams};
pub use split::split;

/// Training cannot go on with this data (or these settings for this data).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TrainError {
    #[error("no label to train")]
    NoLabel,
    #[error("main label '{label}' is not among the labels ({})", labels.join(", "))]
    MainLabel { label: String, labels: Vec<String> },
    /// A review budget given for a label that is not trained.
    #[error("label '{label}' is given a review budget but is not among the labels ({})", labels.join(", "))]
    BudgetLabel { label: String, labels: Vec<String> },
    /// A label whose training rows are all of one class, or none.
    #[error(
        "label '{label}' needs both 0 and 1 rows to train, but its {rows} training rows are {} \
         (files: {})",
        one_class(*rows, *positives),
        files.join(", ")
    )]
    OneClass {
        label: String,
        rows: usize,
        positives: usize,
        files: Vec<String>,
    },
    /// A weight given for a file that is not one of the data files.
    #[error("{} is given a weight but is not one of the data files", .0.display())]
    WeightedFile(PathBuf),
    /// A file named to choose the thresholds that is not one of the data files.
    #[error("{} is to choose the thresholds but is not one of the data files", .0.display())]
    ThresholdFile(PathBuf),
    /// The memory budget leaves too few rows per fit.
    #[error(
        "a memory budget of {max_matrix_mb} MB leaves room for {rows_per_fit} rows per fit \
         ({parallel} fits at once × {dim} features, f32), under {min_rows}"
    )]
    MatrixBudget {
        max_matrix_mb: u64,
        rows_per_fit: usize,
        parallel: usize,
        dim: usize,
        min_rows: usize,
    },
}

fn one_class(rows: usize, positives: usize) -> &'static str {
    if rows == 0 {
        "none"
    } else if positives == 0 {
        "all 0"
    } else {
        "all 1"
    }
}

/// The long stages, which a caller may draw as progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// One step per row read.
    Featurizing,
    /// One step per fit (each fold of each label, and each label's fit on all its rows).
    Fitting,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Featurizing => "featurizing",
            Stage::Fitting => "fitting",
        }
    }
}

/// Where training reports what it does. Every method does nothing by default ([`Quiet`]).
pub trait TrainProgress: Sync {
    /// One line about the run (rows read, time spent, memory, sampling), in order.
    fn note(&self, _message: &str) {}
    /// A long stage begins, with this many steps.
    fn stage_start(&self, _stage: Stage, _steps: u64) {}
    /// One step of the stage is done; called from worker threads.
    fn stage_step(&self, _stage: Stage) {}
    fn stage_end(&self, _stage: Stage) {}
}

/// Reports nothing.
pub struct Quiet;

impl TrainProgress for Quiet {}

/// What [`train`] returns: the model, and the rows it held out to measure it.
#[derive(Debug, Clone)]
pub struct Trained {
    pub model: ModelData,
    pub held_out: HeldOut,
}

/// The held-out rows: never seen by vocabulary selection, alpha choice, threshold or fit.
#[derive(Debug, Clone)]
pub struct HeldOut {
    /// The held-out rows in the order read, with the labels and files of the data read.
    pub data: Dataset,
    /// Their indices among all the rows read.
    pub rows: Vec<usize>,
    /// How many rows were read in all, held out or not.
    pub rows_read: usize,
}

/// Every label given a review budget is one of the labels.
fn check_budget_labels(params: &ValidParams, labels: &[String]) -> Result<()> {
    match params
        .label_budgets
        .iter()
        .find(|(l, _)| !labels.contains(l))
    {
        Some((label, _)) => Err(TrainError::BudgetLabel {
            label: label.clone(),
            labels: labels.to_vec(),
        }
        .into()),
        None => Ok(()),
    }
}

/// Train a model: read the data files, run the stages (see the module comment). Writes nothing
/// but the split file, if asked for one.
pub fn train(params: &ValidParams, progress: &dyn TrainProgress) -> Result<Trained> {
    let started = Instant::now();
    let ds = dataset::read(&params.data, &params.read)?;
    if ds.labels.is_empty() {
        return Err(TrainError::NoLabel.into());
    }
    let main = match &params.main_label {
        Some(m) => ds
            .labels
            .iter()
            .position(|l| l == m)
            .ok_or_else(|| TrainError::MainLabel {
                label: m.clone(),
                labels: ds.labels.clone(),
            })?,
        None => ds.labels.iter().position(|l| l == "toxic").unwrap_or(0),
    };
    check_budget_labels(params, &ds.labels)?;
    let (train_rows, held_rows) = split(&ds, main, params.holdout, params.seed);
    for (l, name) in ds.labels.iter().enumerate() {
        let known: Vec<bool> = train_rows
            .iter()
            .filter_map(|&i| ds.examples[i].labels[l])
            .collect();
        let pos = known.iter().filter(|&&v| v).count();
        if known.is_empty() || pos == 0 || pos == known.len() {
            return Err(TrainError::OneClass {
                label: name.clone(),
                rows: known.len(),
                positives: pos,
                files: ds
                    .sources
                    .iter()
                    .map(|s| s.path.display().to_string())
                    .collect(),
            }
            .into());
        }
    }
    progress.note(&format!(
        "{} rows from {} file(s): {} for training, {} held out; labels: {} (main: {})",
        ds.examples.len(),
        ds.sources.len(),
        train_rows.len(),
        held_rows.len(),
        ds.labels.join(", "),
        ds.labels[main]
    ));

    // Vocabulary on the training rows only.
    let lexicons = featurize::lexicons(params)?;
    let analyzer = Analyzer::new(params.features.max_chars, Lexicon::new(&lexicons)?)
        .with_identity_masked(params.features.mask_identity);
    let (vocab, evidence) = vocab::build_on_rows(
        &params.features,
        &analyzer,
        &ds,
        &train_rows,
        main,
        params.balance_counts,
    );
    progress.note(&format!(
        "vocabulary and evidence table after {:.1} s",
        started.elapsed().as_secs_f64()
    ));

    let featurizer = featurize::featurizer(params, vocab, evidence, lexicons)?;
    let dim = featurizer.dim();
    let vectors = featurize::vectors(&featurizer, &ds, &train_rows, progress);
    progress.note(&format!(
        "rows featurized after {:.1} s",
        started.elapsed().as_secs_f64()
    ));

    let sources = row_sources(&ds, params)?;

    let plan = fit::plan(&ds, &train_rows, &sources, dim, params, progress)?;

    // Deployment base rate per label.
    let base_rates: Vec<f64> = (0..ds.labels.len())
        .map(|l| calibrate::label_base_rate(&ds, &train_rows, l, main, params.base_rate))
        .collect();

    let fit_started = Instant::now();
    let fits = fit::fit_labels(
        &ds,
        &vectors,
        &train_rows,
        &plan.shares,
        dim,
        &sources,
        &[],
        params,
        progress,
    )?;
    let mut label_models = Vec::with_capacity(fits.len());
    for (l, lf) in fits.into_iter().enumerate() {
        let rule = calibrate::ThresholdRule::of(params, &ds, &ds.labels[l], l, main, &lf.rows);
        let mut model = calibrate::calibrate(
            &ds.labels[l],
            lf,
            base_rates[l],
            &sources,
            params.max_repeat,
            rule,
            progress,
        );
        card::held_out_metrics(&mut model, l, &ds, &held_rows, &vectors);
        label_models.push(model);
    }
    progress.note(&format!(
        "{} fits in {:.1} s",
        ds.labels.len() * (params.folds + 1),
        fit_started.elapsed().as_secs_f64()
    ));

    let sources = card::source_cards(&ds, &train_rows, &held_rows, &label_models, &vectors);
    if let Some(path) = &params.split_out {
        split::write_split(&ds, &held_rows, path)?;
    }
    progress.note(&format!(
        "trained in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    let model = ModelData {
        features: featurizer.spec().clone(),
        main_label: ds.labels[main].clone(),
        labels: label_models,
        shouting_threshold: params.shouting_threshold,
        main_covers: params.main_covers,
        languages: crate::model::default_languages(),
        card: card::card(params, &ds.labels[main], sources, plan.notes),
    };
    Ok(Trained {
        model,
        held_out: held_out(ds, held_rows),
    })
}

/// Each row's file, the files' weights (`--weight FILE=N`, applied by repeating rows) and the
/// files that choose the thresholds (`--threshold-data`).
fn row_sources(ds: &Dataset, params: &ValidParams) -> Result<RowSources> {
    let index = |file: &PathBuf| ds.sources.iter().position(|s| &s.path == file);
    let mut source_weight = vec![1u32; ds.sources.len()];
    for (file, w) in &params.source_weights {
        let s = index(file).ok_or_else(|| TrainError::WeightedFile(file.clone()))?;
        source_weight[s] = (*w).max(1);
    }
    let mut chooses = vec![params.threshold_data.is_empty(); ds.sources.len()];
    for file in &params.threshold_data {
        let s = index(file).ok_or_else(|| TrainError::ThresholdFile(file.clone()))?;
        chooses[s] = true;
    }
    Ok(RowSources::new(
        ds.examples.iter().map(|e| e.source).collect(),
        source_weight,
    )
    .with_threshold_files(chooses)
    .with_threshold_by_file(params.threshold_by_file))
}

/// The held-out rows, moved out of the data read.
fn held_out(ds: Dataset, rows: Vec<usize>) -> HeldOut {
    let rows_read = ds.examples.len();
    let mut held = vec![false; rows_read];
    for &i in &rows {
        held[i] = true;
    }
    let examples = ds
        .examples
        .into_iter()
        .zip(held)
        .filter_map(|(e, h)| h.then_some(e))
        .collect();
    HeldOut {
        data: Dataset {
            labels: ds.labels,
            examples,
            sources: ds.sources,
        },
        rows,
        rows_read,
    }
}

/// The rows among `rows` where `label` is known, and its values there.
fn known_rows(ds: &Dataset, rows: &[usize], label: usize) -> (Vec<usize>, Vec<bool>) {
    rows.iter()
        .filter_map(|&i| ds.examples[i].labels[label].map(|y| (i, y)))
        .unzip()
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
    fn data_errors_name_no_command_line_flag() {
        let errors = [
            TrainError::NoLabel,
            TrainError::MainLabel {
                label: "x".into(),
                labels: vec!["a".into(), "b".into()],
            },
            TrainError::OneClass {
                label: "threat".into(),
                rows: 3,
                positives: 0,
                files: vec!["a.csv".into()],
            },
            TrainError::WeightedFile("w.csv".into()),
            TrainError::MatrixBudget {
                max_matrix_mb: 0,
                rows_per_fit: 0,
                parallel: 2,
                dim: 100,
                min_rows: 200,
            },
        ];
        for e in &errors {
            assert!(!e.to_string().contains("--"), "{e}");
        }
        assert_eq!(
            errors[1].to_string(),
            "main label 'x' is not among the labels (a, b)"
        );
        assert_eq!(
            errors[2].to_string(),
            "label 'threat' needs both 0 and 1 rows to train, but its 3 training rows are all 0 \
             (files: a.csv)"
        );
    }

    #[test]
    fn the_held_out_rows_are_moved_out_in_order() {
        let mut ds = Dataset {
            labels: vec!["toxic".into()],
            ..Dataset::default()
        };
        for i in 0..5 {
            ds.examples.push(crate::io::dataset::Example {
                text: format!("row {i}"),
                labels: vec![Some(i % 2 == 0)],
                source: 0,
                line: i as u64 + 2,
            });
        }
        let h = held_out(ds, vec![1, 3, 4]);
        assert_eq!(h.rows_read, 5);
        let texts: Vec<&str> = h.data.examples.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["row 1", "row 3", "row 4"]);
        assert_eq!(h.data.labels, ["toxic"]);
    }
}
