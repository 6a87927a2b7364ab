//! Stage 3, featurize: the featurizer built from the chosen vocabulary, evidence table and
//! lexicons, and every row's sparse vector. A training row's evidence features are leave-one-out:
//! its own label counts are taken out of the table, so the fit does not see its own answer (the
//! held-out rows, never counted, keep the table as it is).

use rayon::prelude::*;

use super::{Stage, TrainProgress, ValidParams};
use crate::error::Result;
use crate::features::{Evidence, FeatureSpec, Featurizer, SparseVec, VocabEntry};
use crate::io::dataset::Dataset;
use crate::text::lexicon::LexiconSource;

/// The featurizer of the new model: the parameters' feature configuration and lexicons (a folder,
/// or the lists built into moderate) around the chosen vocabulary and evidence table.
pub(crate) fn featurizer(
    params: &ValidParams,
    vocab: Vec<VocabEntry>,
    evidence: Evidence,
) -> Result<Featurizer> {
    let lexicons = match &params.lexicons {
        Some(dir) => LexiconSource::load_dir(dir)?,
        None => LexiconSource::embedded(),
    };
    Featurizer::new(FeatureSpec {
        config: params.features.clone(),
        vocab,
        evidence,
        lexicons,
    })
}

/// Every row's vector, in dataset order; the rows in `train_rows` get leave-one-out evidence.
pub(crate) fn vectors(
    featurizer: &Featurizer,
    ds: &Dataset,
    train_rows: &[usize],
    progress: &dyn TrainProgress,
) -> Vec<SparseVec> {
    progress.stage_start(Stage::Featurizing, ds.examples.len() as u64);
    let mut is_train = vec![false; ds.examples.len()];
    for &i in train_rows {
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
            progress.stage_step(Stage::Featurizing);
            v
        })
        .collect();
    progress.stage_end(Stage::Featurizing);
    vectors
}
