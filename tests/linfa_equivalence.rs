//! The scoring path (sparse dot product in `Model`) gives linfa-logistic's probabilities.

use linfa_logistic::FittedLogisticRegression;
use ndarray::Array1;

use moderate::features::{FeatureConfig, FeatureSpec, Featurizer, SparseVec};
use moderate::model::{LabelModel, Model, ModelCard, ModelData};
use moderate::text::lexicon::LexiconSource;
use moderate::text::normalize::normalize;
use moderate::train::logistic::{densify, fit, Solver};

fn corpus() -> Vec<(String, bool, bool)> {
    let mut rdr = csv::Reader::from_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/training/comments.csv"
    ))
    .unwrap();
    rdr.records()
        .map(|r| r.unwrap())
        .step_by(7)
        .take(500)
        .map(|r| (r[0].to_string(), &r[1] == "1", &r[2] == "1"))
        .collect()
}

fn linfa_p1(f: &FittedLogisticRegression<f32, bool>, x: &ndarray::Array2<f32>) -> Vec<f32> {
    let p = f.predict_probabilities(x);
    // linfa gives the probability of its positive class, the more frequent one (#393).
    if f.labels().pos.class {
        p.to_vec()
    } else {
        p.iter().map(|v| 1.0 - v).collect()
    }
}

#[test]
fn model_scores_equal_linfa_predict_probabilities() {
    let rows = corpus();
    let config = FeatureConfig {
        max_features: 800,
        ..FeatureConfig::default()
    };
    let docs: Vec<String> = rows.iter().map(|r| normalize(&r.0)).collect();
    let labels: Vec<Vec<Option<bool>>> = rows.iter().map(|r| vec![Some(r.1), Some(r.2)]).collect();
    let names = vec!["toxic".to_string(), "insult".to_string()];
    let (vocab, evidence) = moderate::train::vocab::build(&config, &docs, &labels, &names, 0, None);
    let spec = FeatureSpec {
        config,
        vocab,
        evidence,
        lexicons: LexiconSource::embedded(),
        vectors: None,
    };
    let featurizer = Featurizer::new(spec.clone()).unwrap();
    let vectors: Vec<SparseVec> = rows
        .iter()
        .map(|r| featurizer.analyze(&r.0).vector)
        .collect();
    let refs: Vec<&SparseVec> = vectors.iter().collect();
    let x = densify(&refs, featurizer.dim());
    let solver = Solver {
        alpha: 0.5,
        max_iterations: 50,
        gradient_tolerance: 1e-4,
    };
    // toxic is mostly 0 here (linfa's positive class is `false`); its negation is mostly 1.
    let mut label_models = Vec::new();
    let mut fits = Vec::new();
    for (name, y) in [
        ("toxic", rows.iter().map(|r| r.1).collect::<Vec<_>>()),
        ("not_toxic", rows.iter().map(|r| !r.1).collect::<Vec<_>>()),
        ("insult", rows.iter().map(|r| r.2).collect::<Vec<_>>()),
    ] {
        let f = fit(&x, Array1::from(y).view(), solver, None).unwrap();
        label_models.push(LabelModel {
            name: name.into(),
            weights: f.weights.clone(),
            bias: f.bias,
            offset: 0.0,
            threshold: 0.5,
            base_rate: 0.1,
            alpha: 0.5,
            train_rows: rows.len() as u64,
            train_positives: 0,
            minority_repeats: 1,
            cv: vec![],
            metrics: None,
        });
        fits.push(f);
    }
    assert!(!fits[0].linfa_positive_is_true());
    assert!(fits[1].linfa_positive_is_true());
    let model = Model::new(ModelData {
        features: spec,
        main_label: "toxic".into(),
        labels: label_models,
        shouting_threshold: 0.5,
        main_covers: false,
        languages: moderate::model::default_languages(),
        card: ModelCard {
            created: String::new(),
            command: String::new(),
            seed: 0,
            moderate_version: String::new(),
            sources: vec![],
            notes: vec![],
        },
    })
    .unwrap();
    for (l, f) in fits.iter().enumerate() {
        let expected = linfa_p1(&f.fitted, &x);
        for (i, r) in rows.iter().enumerate() {
            let ours = model.score(&r.0, moderate::model::Reasons::Flagged).scores[l];
            assert!(
                (ours - expected[i]).abs() < 1e-5,
                "label {l} row {i}: {ours} vs linfa {}",
                expected[i]
            );
        }
    }
    // Toxic and its negation are complementary.
    let s = model
        .score(&rows[3].0, moderate::model::Reasons::Flagged)
        .scores;
    assert!((s[0] + s[1] - 1.0).abs() < 1e-3);
}
