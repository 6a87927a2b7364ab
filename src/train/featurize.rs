//! Stage 3, featurize: the featurizer built from the chosen vocabulary, evidence table and
//! lexicons, and every row's sparse vector. A training row's evidence features are leave-one-out:
//! its own label counts are taken out of the table, so the fit does not see its own answer (the
//! held-out rows, never counted, keep the table as it is). With sentence pooling, the sentences
//! of each row that take part in it are featurized too (leave-one-out alike): out-of-fold
//! scores, thresholds and held-out figures are then the pooled scores, as scoring computes them.

use rayon::prelude::*;

use super::{Stage, TrainProgress, ValidParams};
use crate::error::Result;
use crate::features::vectors::WordVectors;
use crate::features::{Analysis, Evidence, FeatureSpec, Featurizer, SparseVec, VocabEntry};
use crate::io::dataset::Dataset;
use crate::text::lexicon::LexiconSource;

/// The lexicons of the new model: a folder, or the lists built into moderate.
pub(crate) fn lexicons(params: &ValidParams) -> Result<LexiconSource> {
    match &params.lexicons {
        Some(dir) => LexiconSource::load_dir(dir),
        None => Ok(LexiconSource::embedded()),
    }
}

/// Every row's vector (`whole`, indexed like the dataset), and the vectors of its pooled
/// sentences (empty unless the model pools sentences and the row has several).
pub(crate) struct RowVectors {
    pub whole: Vec<SparseVec>,
    pub sentences: Vec<Vec<SparseVec>>,
}

impl std::ops::Index<usize> for RowVectors {
    type Output = SparseVec;
    fn index(&self, row: usize) -> &SparseVec {
        &self.whole[row]
    }
}

impl RowVectors {
    /// A row's raw score `w·x + b`, pooled: the highest of the whole comment's and its pooled
    /// sentences' (the sigmoid is monotonic, so this is the pooled probability's logit).
    pub fn pooled_z(&self, row: usize, weights: &[f32], bias: f32) -> f32 {
        self.sentences[row]
            .iter()
            .fold(self.whole[row].dot(weights) + bias, |z, s| {
                z.max(s.dot(weights) + bias)
            })
    }
}

/// The featurizer of the new model: the parameters' feature configuration and `lexicons` around
/// the chosen vocabulary and evidence table.
pub(crate) fn featurizer(
    params: &ValidParams,
    vocab: Vec<VocabEntry>,
    evidence: Evidence,
    lexicons: LexiconSource,
) -> Result<Featurizer> {
    Featurizer::new(FeatureSpec {
        config: params.features.clone(),
        vocab,
        evidence,
        lexicons,
        vectors: word_vectors(params)?,
    })
}

/// The word-vector table of the new model (`--vectors`), read from the extraction step's file.
pub(crate) fn word_vectors(params: &ValidParams) -> Result<Option<WordVectors>> {
    let Some(path) = &params.vectors else {
        return Ok(None);
    };
    let bytes = std::fs::read(path).map_err(|e| crate::error::Error::io(path, e))?;
    WordVectors::from_frv1(&bytes)
        .map(Some)
        .map_err(|e| crate::error::Error::Input {
            path: path.display().to_string(),
            line: 0,
            column: None,
            message: e.to_string(),
        })
}

/// Every row's vectors, in dataset order; the rows in `train_rows` get leave-one-out evidence.
pub(crate) fn vectors(
    featurizer: &Featurizer,
    ds: &Dataset,
    train_rows: &[usize],
    progress: &dyn TrainProgress,
) -> RowVectors {
    progress.stage_start(Stage::Featurizing, ds.examples.len() as u64);
    let mut is_train = vec![false; ds.examples.len()];
    for &i in train_rows {
        is_train[i] = true;
    }
    let evidence_base = featurizer.evidence_base() as u32;
    let vector = |a: Analysis, labels: &[Option<bool>], train: bool| {
        let mut v = a.vector;
        if train {
            // Leave-one-out evidence: the row's own label counts are taken out (and scaled by
            // the short-text factor, as the stored evidence features are).
            let mut loo = featurizer.evidence_values(&a.evidence, Some(labels));
            for x in &mut loo {
                *x *= a.damp;
            }
            v.set_range(evidence_base, &loo);
        }
        v
    };
    let (whole, sentences): (Vec<SparseVec>, Vec<Vec<SparseVec>>) = ds
        .examples
        .par_iter()
        .enumerate()
        .map(|(i, e)| {
            let whole = featurizer.analyze(&e.text);
            let s = featurizer
                .pooled_sentences(&e.text, &whole, false)
                .into_iter()
                .map(|(_, a)| vector(a, &e.labels, is_train[i]))
                .collect();
            let v = vector(whole, &e.labels, is_train[i]);
            progress.stage_step(Stage::Featurizing);
            (v, s)
        })
        .unzip();
    progress.stage_end(Stage::Featurizing);
    RowVectors { whole, sentences }
}
