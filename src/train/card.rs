//! Stage 6, the model card: what the model file says about how it was made — figures on the
//! held-out rows (per label, and per label and source file, so a weak source shows), the files
//! read with their checksums, the command, the seed and notes on calibration and sampling. The
//! held-out rows were never seen by vocabulary selection, alpha choice, threshold or fit.

use super::featurize::RowVectors;
use super::split::display_path;
use super::{known_rows, ValidParams};
use crate::eval::metrics::Metrics;
use crate::io::dataset::Dataset;
use crate::model::{LabelMetrics, LabelModel, ModelCard, SourceCard};

/// The label's figures on the held-out rows where it is known (none if there are none).
pub(crate) fn held_out_metrics(
    model: &mut LabelModel,
    label: usize,
    ds: &Dataset,
    held_rows: &[usize],
    vectors: &RowVectors,
) {
    let (hrows, hy) = known_rows(ds, held_rows, label);
    if !hrows.is_empty() {
        let scores: Vec<f32> = hrows
            .iter()
            .map(|&i| model.pooled_probability(&vectors[i], &vectors.sentences[i]))
            .collect();
        model.metrics = Some(Metrics::compute(
            &scores,
            &hy,
            model.threshold,
            model.base_rate,
        ));
    }
}

/// Per source file: its rows, its split, and each label's held-out figures on its rows.
pub(crate) fn source_cards(
    ds: &Dataset,
    train_rows: &[usize],
    held_rows: &[usize],
    label_models: &[LabelModel],
    vectors: &RowVectors,
) -> Vec<SourceCard> {
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
            let (rows, y) = known_rows(ds, &held, l);
            if rows.is_empty() {
                continue;
            }
            let scores: Vec<f32> = rows
                .iter()
                .map(|&i| model.pooled_probability(&vectors[i], &vectors.sentences[i]))
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
    sources
}

/// The card: the sources' figures, how the model was made, and the notes (calibration, then the
/// held-out figures, then `sample_notes`, one per label fitted on a sample).
pub(crate) fn card(
    params: &ValidParams,
    main_label: &str,
    sources: Vec<SourceCard>,
    sample_notes: Vec<String>,
) -> ModelCard {
    let mut notes = vec![
        format!(
            "scores are calibrated to a base rate of {} for '{}' (prior correction of a \
             class-balanced fit)",
            params.base_rate, main_label
        ),
        "metrics are on held-out rows; precision, F1 and pr_auc assume the base rate, \
         pr_auc_sample uses the held-out rows' own rate"
            .to_string(),
    ];
    notes.extend(sample_notes);
    ModelCard {
        created: params.created.clone(),
        command: params.command.clone(),
        seed: params.seed,
        moderate_version: env!("CARGO_PKG_VERSION").to_string(),
        sources,
        notes,
    }
}
