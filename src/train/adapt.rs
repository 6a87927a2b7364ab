//! Site adaptation (`moderate train --from MODEL`): a base model (the default one, or any model
//! file) learns from a site's own labeled rows without losing what the site's file does not
//! cover.
//!
//! The base model's features are kept whole (vocabulary, evidence table, word vectors, lexicons,
//! settings): the site's rows are featurized by the base featurizer, as scoring will. Each label
//! of the site's file is fitted again on the site's training rows (cross-validation, prior
//! correction to the base rate and threshold as in [`super::train`]); every other label of the
//! base model is kept as it is. Two ways to fit, measured in `training/README.md`:
//!
//! - [`Adaptation::Stack`] (default): the site model sees the base model's raw score `z` as one
//!   more feature beside the base features, fitted from zero. L2 pulls the n-gram weights to zero
//!   but not the weight `a` of `z`, so with few site rows the result is the base model rescaled
//!   and shifted (a recalibration), and with more rows it learns corrections on top. Since
//!   `z = w·x + b` is linear, the fit folds back into one model of the base's layout:
//!   `w' = a·w + v`, `b' = a·b + c`.
//! - [`Adaptation::Warm`]: the site model starts from the base weights and is fitted on the
//!   site's rows alone; L2 pulls towards zero, not towards the base, so the base is only a
//!   starting point (the solver's iteration budget bounds how far it moves).
//!
//! The base model never saw the site's rows, so their evidence features are not left out.

use std::collections::HashSet;
use std::time::Instant;

use super::featurize::{self, RowVectors};
use super::{calibrate, card, fit, known_rows, split, HeldOut, TrainProgress, Trained};
use super::{TrainError, ValidParams};
use crate::error::{Error, Result};
use crate::eval::metrics::Metrics;
use crate::features::{FeatureConfig, Featurizer, NgramKind, SparseVec, VocabEntry};
use crate::io::dataset::{self, Dataset};
use crate::model::{LabelModel, Model, ModelData};

/// How a base model's label is fitted again on a site's rows (see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Adaptation {
    #[default]
    Stack,
    Warm,
}

impl Adaptation {
    pub fn name(self) -> &'static str {
        match self {
            Adaptation::Stack => "stack",
            Adaptation::Warm => "warm",
        }
    }
}

/// One refitted label, base against adapted on the site's held-out rows (the same rows, scored
/// by each model whole, as `moderate score` would).
#[derive(Debug, Clone)]
pub struct Comparison {
    pub label: String,
    pub base: Metrics,
    pub adapted: Metrics,
}

impl Comparison {
    /// The adapted and the base model's ROC AUC when the adapted model ranks the held-out rows
    /// worse by more than 0.01 (then the site may rather keep the base model for this label).
    pub fn worse(&self) -> Option<(f64, f64)> {
        match (self.adapted.roc_auc, self.base.roc_auc) {
            (Some(a), Some(b)) if a < b - 0.01 => Some((a, b)),
            _ => None,
        }
    }
}

/// What [`adapt`] says beside the adapted model: the labels refitted and kept, and the
/// base-against-adapted figures per refitted label (none without held-out rows).
#[derive(Debug, Clone)]
pub struct Adapted {
    pub refitted: Vec<String>,
    pub kept: Vec<String>,
    pub comparison: Vec<Comparison>,
}

/// A site's labels that the base model does not have.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "label '{label}' is not one of the base model's labels ({}): a site model can only adapt \
     them; rename the column to one of them, or train without a base model",
    labels.join(", ")
)]
pub struct UnknownLabel {
    pub label: String,
    pub labels: Vec<String>,
}

/// Adapt `base` (named `base_name` in the model card) to the rows of `params.data`. Of
/// `params`, the data, reading, split, folds, alphas, base rate, solver, repetition and weights
/// are used; the feature settings are the base model's.
pub fn adapt(
    base: &Model,
    base_name: &str,
    method: Adaptation,
    params: &ValidParams,
    progress: &dyn TrainProgress,
) -> Result<(Trained, Adapted)> {
    let started = Instant::now();
    let ds = dataset::read(&params.data, &params.read)?;
    if ds.labels.is_empty() {
        return Err(TrainError::NoLabel.into());
    }
    let base_labels: Vec<String> = base.labels().map(str::to_string).collect();
    // Each site label's position in the base model.
    let in_base: Vec<usize> = ds
        .labels
        .iter()
        .map(|l| {
            base_labels.iter().position(|b| b == l).ok_or_else(|| {
                Error::Training(
                    UnknownLabel {
                        label: l.clone(),
                        labels: base_labels.clone(),
                    }
                    .to_string(),
                )
            })
        })
        .collect::<Result<_>>()?;
    let base_main = &base.data.main_label;
    let main = ds.labels.iter().position(|l| l == base_main).unwrap_or(0);
    super::check_budget_labels(params, &ds.labels)?;
    let (train_rows, held_rows) = split(&ds, main, params.holdout, params.seed);
    progress.note(&format!(
        "adapting {base_name} ({}) to {} rows from {} file(s): {} for training, {} held out; \
         labels: {}",
        method.name(),
        ds.examples.len(),
        ds.sources.len(),
        train_rows.len(),
        held_rows.len(),
        ds.labels.join(", ")
    ));

    // The base features, and the site's own n-grams in a block of their own.
    let (featurizer, mut labels) = with_site_vocab(base, &ds, &train_rows, main)?;
    let featurizer = &featurizer;
    progress.note(&format!(
        "{} n-grams of the site's own added to the base model's {}",
        featurizer.config().site_vocab - base.featurizer().config().site_vocab,
        base.featurizer().spec().vocab.len()
    ));
    let dim = featurizer.dim();
    // The base model never saw these rows: no leave-one-out evidence.
    let vectors = featurize::vectors(featurizer, &ds, &[], progress);

    let sources = super::row_sources(&ds, params)?;

    // A label is refitted when its training rows have both classes; else the base keeps it.
    let mut refitted = Vec::new();
    for (l, name) in ds.labels.iter().enumerate() {
        let (_, y) = known_rows(&ds, &train_rows, l);
        let pos = y.iter().filter(|&&v| v).count();
        if pos == 0 || pos == y.len() {
            progress.note(&format!(
                "label '{name}': its {} training rows are {}; kept from the base model",
                y.len(),
                if pos == 0 { "all 0" } else { "all 1" }
            ));
            continue;
        }
        let b = in_base[l];
        let base_label = &labels[b].clone();
        let view = one_label(&ds, l);
        let base_rate = calibrate::label_base_rate(&ds, &train_rows, l, main, params.base_rate);
        let lf = match method {
            Adaptation::Stack => {
                let stacked = with_base_score(&vectors, dim, base_label);
                let plan = fit::plan(&view, &train_rows, &sources, dim + 1, params, progress)?;
                let mut lf = single(fit::fit_labels(
                    &view,
                    &stacked,
                    &train_rows,
                    &plan.shares,
                    dim + 1,
                    &sources,
                    &[],
                    params,
                    progress,
                )?)?;
                // Fold `a·z + v·x + c` back into the base layout.
                let a = lf.fit.weights.get(dim).copied().unwrap_or(0.0);
                lf.fit.weights.truncate(dim);
                for (w, bw) in lf.fit.weights.iter_mut().zip(&base_label.weights) {
                    *w += a * bw;
                }
                lf.fit.bias += a * base_label.bias;
                progress.note(&format!(
                    "label '{name}': base score weighted {a:.3} in the site model"
                ));
                lf
            }
            Adaptation::Warm => {
                let plan = fit::plan(&view, &train_rows, &sources, dim, params, progress)?;
                let start = [Some((base_label.weights.clone(), base_label.bias))];
                single(fit::fit_labels(
                    &view,
                    &vectors,
                    &train_rows,
                    &plan.shares,
                    dim,
                    &sources,
                    &start,
                    params,
                    progress,
                )?)?
            }
        };
        let rule = calibrate::ThresholdRule::of(params, &ds, name, l, main, &lf.rows);
        let mut model = calibrate::calibrate(
            name,
            lf,
            base_rate,
            &sources,
            params.max_repeat,
            rule,
            progress,
        );
        card::held_out_metrics(&mut model, l, &ds, &held_rows, &vectors);
        labels[b] = model;
        refitted.push(name.clone());
    }
    let kept: Vec<String> = base_labels
        .iter()
        .filter(|l| !refitted.contains(l))
        .cloned()
        .collect();

    // The site's files in the card, with the figures of the labels they have.
    let site_models: Vec<LabelModel> = in_base.iter().map(|&b| labels[b].clone()).collect();
    let source_cards = card::source_cards(&ds, &train_rows, &held_rows, &site_models, &vectors);
    let mut notes = vec![format!(
        "adapted from {base_name} ({}, {}): refitted on the site's rows: {}; kept from the base \
         model as they were (figures of its own held-out rows): {}",
        base.data.card.created,
        method.name(),
        list(&refitted),
        list(&kept)
    )];
    for s in &base.data.card.sources {
        notes.push(format!("base model source: {} ({} rows)", s.path, s.rows));
    }
    let data = ModelData {
        features: featurizer.spec().clone(),
        main_label: base.data.main_label.clone(),
        labels,
        shouting_threshold: base.data.shouting_threshold,
        main_covers: base.data.main_covers,
        languages: base.data.languages.clone(),
        card: card::card(params, base_main, source_cards, Vec::new()),
    };
    let held_out = super::held_out(ds, held_rows.clone());
    let comparison = compare(base, &data, &held_out, &refitted)?;
    let mut data = data;
    for c in &comparison {
        notes.push(format!(
            "'{}' on {} held-out site rows: ROC AUC {} (base) → {} (adapted), PR AUC {} → {}",
            c.label,
            c.adapted.rows,
            fmt(c.base.roc_auc),
            fmt(c.adapted.roc_auc),
            fmt(c.base.pr_auc),
            fmt(c.adapted.pr_auc)
        ));
    }
    data.card.notes.extend(notes);
    progress.note(&format!(
        "adapted in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    Ok((
        Trained {
            model: data,
            held_out,
        },
        Adapted {
            refitted,
            kept,
            comparison,
        },
    ))
}

/// Most n-grams of a site's own added to the base vocabulary (chosen as training chooses its
/// vocabulary, on the site's training rows; those the base has already are not added again).
pub const SITE_VOCAB: usize = 3000;

/// The featurizer of the adapted model: the base model's spec with the site's own n-grams as a
/// last vocabulary block (`FeatureConfig::site_vocab`), and the base model's labels in its layout
/// (zero weight on the site's n-grams, so each scores as it did).
fn with_site_vocab(
    base: &Model,
    ds: &Dataset,
    train_rows: &[usize],
    main: usize,
) -> Result<(Featurizer, Vec<LabelModel>)> {
    let mut spec = base.featurizer().spec().clone();
    let config = FeatureConfig {
        max_features: SITE_VOCAB,
        max_evidence: 0,
        ..spec.config.clone()
    };
    let analyzer = base.featurizer().analyzer();
    // The site's n-grams: its own rows, read as they are (a site's history is one register).
    let (site, _) = super::vocab::build_on_rows(&config, analyzer, ds, train_rows, main, false);
    let known: HashSet<(NgramKind, &str)> = spec
        .vocab
        .iter()
        .map(|e| (e.kind, e.text.as_str()))
        .collect();
    let new: Vec<VocabEntry> = site
        .into_iter()
        .filter(|e| !known.contains(&(e.kind, e.text.as_str())))
        .collect();
    let added = new.len();
    let old_vectors = base.featurizer().layout().vectors_base();
    spec.vocab.extend(new);
    spec.config.site_vocab += added;
    let featurizer = Featurizer::new(spec)?;
    let labels = base
        .data
        .labels
        .iter()
        .map(|l| {
            let mut l = l.clone();
            l.weights
                .splice(old_vectors..old_vectors, std::iter::repeat_n(0.0, added));
            l
        })
        .collect();
    Ok((featurizer, labels))
}

fn fmt(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| format!("{v:.3}"))
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// The one fit of a one-label fit.
fn single(mut fits: Vec<fit::LabelFit>) -> Result<fit::LabelFit> {
    fits.pop()
        .ok_or_else(|| Error::Training("the label's fit is missing".into()))
}

/// The dataset with label `l` only (texts are not needed by the fit: left empty).
fn one_label(ds: &Dataset, l: usize) -> Dataset {
    Dataset {
        labels: vec![ds.labels[l].clone()],
        examples: ds
            .examples
            .iter()
            .map(|e| dataset::Example {
                text: String::new(),
                labels: vec![e.labels[l]],
                source: e.source,
                line: e.line,
            })
            .collect(),
        sources: ds.sources.clone(),
    }
}

/// Every vector with the base label's raw score `w·x + b` appended as feature `dim`.
fn with_base_score(vectors: &RowVectors, dim: usize, base: &LabelModel) -> RowVectors {
    let add = |v: &SparseVec| {
        let mut v = v.clone();
        v.idx.push(dim as u32);
        v.val.push(v.dot(&base.weights) + base.bias);
        v
    };
    RowVectors {
        whole: vectors.whole.iter().map(add).collect(),
        sentences: vectors
            .sentences
            .iter()
            .map(|s| s.iter().map(add).collect())
            .collect(),
    }
}

/// Base against adapted on the held-out rows, for each refitted label, each model scoring whole
/// comments as `moderate score` does.
fn compare(
    base: &Model,
    adapted: &ModelData,
    held: &HeldOut,
    refitted: &[String],
) -> Result<Vec<Comparison>> {
    if held.data.examples.is_empty() {
        return Ok(Vec::new());
    }
    let adapted = Model::new(adapted.clone())?;
    let base_scores = crate::eval::score_rows(base, &held.data);
    let adapted_scores = crate::eval::score_rows(&adapted, &held.data);
    let mut out = Vec::new();
    for (l, name) in held.data.labels.iter().enumerate() {
        if !refitted.contains(name) {
            continue;
        }
        let (Some(b), Some(a)) = (
            base.labels().position(|x| x == name),
            adapted.labels().position(|x| x == name),
        ) else {
            continue;
        };
        let rows: Vec<usize> = (0..held.data.examples.len())
            .filter(|&i| held.data.examples[i].labels[l].is_some())
            .collect();
        let y: Vec<bool> = rows
            .iter()
            .map(|&i| held.data.examples[i].labels[l] == Some(true))
            .collect();
        let metrics = |scores: &[Vec<f32>], m: &LabelModel, k: usize| {
            let s: Vec<f32> = rows.iter().map(|&i| scores[i][k]).collect();
            Metrics::compute(&s, &y, m.threshold, m.base_rate)
        };
        out.push(Comparison {
            label: name.clone(),
            base: metrics(&base_scores, &base.data.labels[b], b),
            adapted: metrics(&adapted_scores, &adapted.data.labels[a], a),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(scores: &[f32], labels: &[bool]) -> Metrics {
        Metrics::compute(scores, labels, 0.5, 0.1)
    }

    #[test]
    fn an_adapted_model_that_ranks_worse_is_said_so() {
        let y = [false, false, true, true];
        let good = metrics(&[0.1, 0.2, 0.8, 0.9], &y); // ROC AUC 1
        let fair = metrics(&[0.1, 0.8, 0.2, 0.9], &y); // ROC AUC 0.75
        let worse = Comparison {
            label: "toxic".into(),
            base: good.clone(),
            adapted: fair.clone(),
        };
        assert_eq!(worse.worse(), Some((0.75, 1.0)));
        let better = Comparison {
            label: "toxic".into(),
            base: fair,
            adapted: good,
        };
        assert_eq!(better.worse(), None);
    }
}
