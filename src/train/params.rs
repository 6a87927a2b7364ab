//! Training parameters, checked once (in the spirit of linfa's `ParamGuard`): [`TrainParams`] is
//! what a caller fills in, unchecked; [`TrainParams::check`] turns it into [`ValidParams`], the
//! only type [`crate::train::train`] accepts, or says what is wrong with a [`ParamError`].
//!
//! What can be checked without the data is checked here; what depends on it (the main label is
//! one of the labels, a weighted file is one of the data files, the dense matrices fit in the
//! memory budget) is checked by `train` and reported as a [`crate::train::TrainError`].

use std::ops::Deref;
use std::path::PathBuf;

use thiserror::Error;

use crate::features::FeatureConfig;
use crate::io::dataset::ReadOptions;

/// Everything training can be told, unchecked.
#[derive(Debug, Clone)]
pub struct TrainParams {
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
    /// The main label covers the others (see `ModelData::main_covers`).
    pub main_covers: bool,
    /// Recorded in the model card.
    pub command: String,
    /// Recorded in the model card: `YYYY-MM-DD`.
    pub created: String,
    /// Write the split (`file,row,part`) here, so other tools can train on the same rows.
    pub split_out: Option<PathBuf>,
    /// `(file, n)`: each training row of `file` counts `n` times (by repetition).
    pub source_weights: Vec<(PathBuf, u32)>,
    /// The files whose rows choose each label's threshold (its best F1 on their out-of-fold
    /// scores); empty, or none with both classes of a label: every row.
    pub threshold_data: Vec<PathBuf>,
    /// Thresholds maximize the mean of the files' F1 (each file counting the same) rather than
    /// the F1 of all their rows pooled.
    pub threshold_by_file: bool,
    /// The main label's threshold flags at most this share of its acceptable rows (out-of-fold;
    /// the mean over files with `threshold_by_file`) rather than maximizing F1.
    pub review_budget: Option<f64>,
    /// `(label, rate)`: that label's threshold flags at most `rate` of its acceptable rows, as
    /// `review_budget` does for the main label, rather than maximizing F1. A label given here
    /// keeps its line when rows are added to the data, where its best F1 can move by a third.
    pub label_budgets: Vec<(String, f64)>,
    /// Another label's review budget counts the rows acceptable for the main label (where the
    /// label is 0 and the main label is not 1) rather than every row where the label is 0: a
    /// `toxic` insult also flagged `dehumanizing` is in the review queue anyway and costs the
    /// moderator nothing more, so it does not spend the `dehumanizing` budget.
    pub budgets_on_main_acceptable: bool,
    /// The evidence table's counts for the main label weigh each file's positives and negatives
    /// the same, as the fit does, rather than counting every row once (where a file that flags
    /// 80% of its rows makes its own register look abusive).
    pub balance_counts: bool,
    /// Pretrained word vectors (`training/tools/fr_vectors.py table`) for the word-vector block,
    /// weighted by `features.vectors_weight`.
    pub vectors: Option<PathBuf>,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            data: Vec::new(),
            read: ReadOptions::default(),
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
            main_covers: false,
            command: String::new(),
            created: String::new(),
            split_out: None,
            source_weights: Vec::new(),
            threshold_data: Vec::new(),
            threshold_by_file: false,
            review_budget: None,
            label_budgets: Vec::new(),
            budgets_on_main_acceptable: false,
            balance_counts: false,
            vectors: None,
        }
    }
}

/// A parameter out of its range. The messages name the parameter, not a command-line flag: the
/// command line says them in its own words.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ParamError {
    #[error("the held-out share must be in [0, 0.9), got {0}")]
    Holdout(f64),
    #[error("cross-validation needs at least 2 folds, got {0}")]
    Folds(usize),
    #[error("the L2 strengths (alphas) must be positive numbers")]
    Alphas,
    #[error("the base rate must be between 0 and 1, got {0}")]
    BaseRate(f64),
    #[error("the review budget must be between 0 and 1, got {0}")]
    ReviewBudget(f64),
    #[error("the word-vector weight must be a positive number, got {0}")]
    VectorsWeight(f32),
    #[error("the evidence smoothing must be a positive number, got {0}")]
    EvidenceSmoothing(f32),
    #[error("the label '{0}' is named twice")]
    DuplicateLabel(String),
    #[error("the label '{0}' is given two review budgets")]
    DuplicateBudget(String),
}

/// Parameters that passed [`TrainParams::check`]; read them through `Deref`.
#[derive(Debug, Clone)]
pub struct ValidParams(TrainParams);

impl Deref for ValidParams {
    type Target = TrainParams;

    fn deref(&self) -> &TrainParams {
        &self.0
    }
}

impl TrainParams {
    /// The review budget of a label, if it has one: `review_budget` for the main label, else its
    /// entry in `label_budgets`.
    pub fn budget_of(&self, label: &str, is_main: bool) -> Option<f64> {
        if is_main {
            return self.review_budget;
        }
        self.label_budgets
            .iter()
            .find(|(l, _)| l == label)
            .map(|&(_, r)| r)
    }

    /// Check the parameters, in this order: held-out share, folds, alphas, base rate, review
    /// budgets (each in (0, 1), one per label), word-vector weight, evidence smoothing, labels
    /// named once each.
    pub fn check(self) -> Result<ValidParams, ParamError> {
        if !(0.0..0.9).contains(&self.holdout) {
            return Err(ParamError::Holdout(self.holdout));
        }
        if self.folds < 2 {
            return Err(ParamError::Folds(self.folds));
        }
        if self.alphas.is_empty() || self.alphas.iter().any(|a| a.is_nan() || *a <= 0.0) {
            return Err(ParamError::Alphas);
        }
        if !(self.base_rate > 0.0 && self.base_rate < 1.0) {
            return Err(ParamError::BaseRate(self.base_rate));
        }
        let mut budgets =
            (self.review_budget.iter()).chain(self.label_budgets.iter().map(|b| &b.1));
        if let Some(&r) = budgets.find(|&&r| !(r > 0.0 && r < 1.0)) {
            return Err(ParamError::ReviewBudget(r));
        }
        if let Some((_, (twice, _))) = self
            .label_budgets
            .iter()
            .enumerate()
            .find(|(i, (l, _))| self.label_budgets[..*i].iter().any(|(m, _)| m == l))
        {
            return Err(ParamError::DuplicateBudget(twice.clone()));
        }
        let w = self.features.vectors_weight;
        if self.vectors.is_some() && !(w.is_finite() && w > 0.0) {
            return Err(ParamError::VectorsWeight(w));
        }
        let a = self.features.evidence_smoothing;
        if !(a.is_finite() && a > 0.0) {
            return Err(ParamError::EvidenceSmoothing(a));
        }
        let labels = self.read.labels.as_deref().unwrap_or_default();
        if let Some((_, twice)) = labels
            .iter()
            .enumerate()
            .find(|(i, l)| labels[..*i].contains(l))
        {
            return Err(ParamError::DuplicateLabel(twice.clone()));
        }
        Ok(ValidParams(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        let p = TrainParams::default().check().unwrap();
        assert_eq!(p.folds, 3);
        assert_eq!(p.read.text_column, "text");
    }

    #[test]
    fn each_parameter_out_of_range_is_named() {
        let with = |f: fn(&mut TrainParams)| {
            let mut p = TrainParams::default();
            f(&mut p);
            p.check().err()
        };
        assert_eq!(with(|p| p.holdout = 0.9), Some(ParamError::Holdout(0.9)));
        assert_eq!(with(|p| p.holdout = -0.1), Some(ParamError::Holdout(-0.1)));
        assert_eq!(with(|p| p.holdout = 0.0), None);
        assert_eq!(with(|p| p.folds = 1), Some(ParamError::Folds(1)));
        assert_eq!(with(|p| p.alphas = vec![]), Some(ParamError::Alphas));
        assert_eq!(
            with(|p| p.alphas = vec![1.0, 0.0]),
            Some(ParamError::Alphas)
        );
        assert_eq!(
            with(|p| p.alphas = vec![f32::NAN]),
            Some(ParamError::Alphas)
        );
        assert_eq!(with(|p| p.base_rate = 1.0), Some(ParamError::BaseRate(1.0)));
        assert_eq!(with(|p| p.base_rate = 0.0), Some(ParamError::BaseRate(0.0)));
        assert_eq!(
            with(|p| p.review_budget = Some(0.0)),
            Some(ParamError::ReviewBudget(0.0))
        );
        assert_eq!(
            with(|p| p.review_budget = Some(f64::NAN)).map(|e| e.to_string()),
            Some("the review budget must be between 0 and 1, got NaN".to_string())
        );
        assert_eq!(
            with(|p| p.label_budgets = vec![("insult".into(), 1.0)]),
            Some(ParamError::ReviewBudget(1.0))
        );
        assert_eq!(
            with(|p| p.label_budgets = vec![("insult".into(), 0.05), ("insult".into(), 0.02)]),
            Some(ParamError::DuplicateBudget("insult".into()))
        );
        assert_eq!(
            with(|p| p.label_budgets = vec![("insult".into(), 0.05), ("threat".into(), 0.02)]),
            None
        );
        assert_eq!(
            with(|p| p.vectors = Some("v.bin".into())),
            Some(ParamError::VectorsWeight(0.0))
        );
        assert_eq!(
            with(|p| {
                p.vectors = Some("v.bin".into());
                p.features.vectors_weight = 0.5;
            }),
            None
        );
        assert_eq!(
            with(|p| p.read.labels = Some(vec!["toxic".into(), "insult".into(), "toxic".into()])),
            Some(ParamError::DuplicateLabel("toxic".into()))
        );
        // The first problem in the documented order wins.
        let mut p = TrainParams {
            review_budget: Some(0.075),
            label_budgets: vec![("insult".into(), 0.05)],
            ..TrainParams::default()
        };
        assert_eq!(p.budget_of("toxic", true), Some(0.075));
        assert_eq!(p.budget_of("insult", false), Some(0.05));
        assert_eq!(p.budget_of("threat", false), None);
        p.review_budget = None;
        assert_eq!(p.budget_of("insult", true), None);
        assert_eq!(
            with(|p| {
                p.folds = 0;
                p.base_rate = 2.0;
            }),
            Some(ParamError::Folds(0))
        );
    }
}
