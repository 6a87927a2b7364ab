//! `moderate train`: labeled CSV files in, a model file out. The flags fill
//! [`TrainParams`], checked once; training reports through [`TrainProgress`], drawn here as
//! `moderate: …` lines and progress bars; then the summary table, and with `--report` the new
//! model's HTML report on the rows training held out (as [`train::train`] returned them).

use std::path::{Path, PathBuf};
use std::sync::RwLock;

use anyhow::{anyhow, bail, Context};
use clap::Args as ClapArgs;
use indicatif::ProgressBar;

use moderate::error::Error;
use moderate::eval::report::BaseComparison;
use moderate::features::FeatureConfig;
use moderate::model::{Model, ModelData};
use moderate::train::adapt::{self, Adaptation, Adapted};
use moderate::train::{
    self, ParamError, Stage, TrainError, TrainParams, TrainProgress, Trained, ValidParams,
};

use super::LabeledData;

#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: LabeledData,
    /// Where to write the model file.
    #[arg(long)]
    out: PathBuf,
    /// The main label (default: `toxic` if present, else the first label).
    #[arg(long)]
    main_label: Option<String>,
    /// Seed for the held-out split and the folds: same data and seed, same model file.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Share of each file held out for the stored metrics (0 for none).
    #[arg(long, default_value_t = 0.2)]
    holdout: f64,
    /// Cross-validation folds for choosing the L2 strength.
    #[arg(long, default_value_t = 3)]
    folds: usize,
    /// L2 strengths to try (linfa's alpha, about 1/C in scikit-learn terms); with several, the
    /// best out-of-fold ROC AUC wins. One by default: 1 won 17 of the 20 label runs we measured
    /// (training/README.md), and each extra alpha adds a fit per fold.
    #[arg(long, value_delimiter = ',', default_value = "1")]
    alphas: Vec<f32>,
    /// Share of comments expected to be flagged for the main label on your site; scores and
    /// precision figures are calibrated to it.
    #[arg(long, default_value_t = 0.10)]
    base_rate: f64,
    /// Number of n-gram features kept.
    #[arg(long, default_value_t = 12000)]
    max_features: usize,
    /// Number of n-grams in the naive-Bayes evidence table (0 for none).
    #[arg(long, default_value_t = 200000)]
    max_evidence: usize,
    /// Replace identity terms (group names: Syriens, juifs, femmes…) by one placeholder word
    /// before the n-grams and evidence see the text, so no group carries a weight of its own.
    #[arg(long)]
    mask_identity: bool,
    /// Abusive lexicon terms inside quotation marks count in no lexicon signal (a mention, as in
    /// counter-speech, not a use); their n-grams still count.
    #[arg(long)]
    quoted_mentions: bool,
    /// Scale the features of comments shorter than this many words by sqrt(words / N), so one
    /// word alone does not carry a whole vector (0: off).
    #[arg(long, default_value_t = 0)]
    short_text_tokens: u32,
    /// Score the sentences of a comment too and keep the highest score, counting sentences of
    /// at least N words or with an abusive lexicon hit (0: off).
    #[arg(long, default_value_t = 0)]
    sentence_pool: u32,
    /// With --sentence-pool: the clauses of each sentence (cut at commas and at `que`, `qui`,
    /// `mais`, `that`, `but`…) that hold an abusive lexicon hit are pooled too, so a neutral main
    /// clause does not wash out an abusive one.
    #[arg(long, requires = "sentence_pool")]
    clause_pool: bool,
    /// The main label covers the others: a comment flagged for any label is flagged for the main
    /// one too, its score raised to match (as the labeling rules have it for `toxic`).
    #[arg(long)]
    main_covers_labels: bool,
    /// Shouting counts capitals over this share only (0: the share as it is).
    #[arg(long, default_value_t = 0.0)]
    shouting_floor: f32,
    /// Pretrained word vectors (the file `training/tools/fr_vectors.py table` writes): a block of
    /// the comment's mean word vector, stored in the model file.
    #[arg(long, value_name = "FILE")]
    vectors: Option<PathBuf>,
    /// Weight of the word-vector block against the n-gram blocks (each of norm 1).
    #[arg(long, default_value_t = 1.0, requires = "vectors")]
    vectors_weight: f32,
    /// Pseudo-comments added to each side of an evidence n-gram's counts (1: Laplace); more
    /// weaken the n-grams of few comments.
    #[arg(long, default_value_t = 1.0)]
    evidence_smoothing: f32,
    /// Minimum number of training comments an n-gram must appear in.
    #[arg(long, default_value_t = 2)]
    min_df: u32,
    /// Lexicon folder (`<lang>/<category>.txt`); default: the lists built into moderate.
    #[arg(long)]
    lexicons: Option<PathBuf>,
    /// Memory for the dense training matrices (MB). A label with more rows than fit is fitted
    /// on a stratified sample of them (said on stderr and in the model card).
    #[arg(long, default_value_t = 8192)]
    max_matrix_mb: u64,
    /// Solver (L-BFGS) iterations per fit.
    #[arg(long, default_value_t = 50)]
    max_iterations: u64,
    /// At most this many copies of each rarer-class row when balancing classes.
    #[arg(long, default_value_t = 10)]
    max_repeat: u32,
    /// Count each training row of FILE N times (repeatable), e.g. to weigh your own
    /// moderation history above imported data. FILE as given to --data.
    #[arg(long = "weight", value_name = "FILE=N")]
    weights: Vec<String>,
    /// Only the rows of FILE choose each label's threshold (repeatable; FILE as given to --data),
    /// e.g. the file labeled by your own moderation rules when others follow rules of their own.
    /// Default: every row.
    #[arg(long = "threshold-data", value_name = "FILE")]
    threshold_data: Vec<PathBuf>,
    /// Each label's threshold maximizes the mean of the files' F1, each file counting the same,
    /// rather than the F1 of their rows pooled (where the largest file decides).
    #[arg(long)]
    threshold_by_file: bool,
    /// The main label's threshold flags at most RATE of its acceptable rows (out-of-fold; the
    /// mean over files with --threshold-by-file) instead of maximizing F1: a review budget, read
    /// on the acceptable rows only, so that the line holds when rows are added. LABEL=RATE gives
    /// another label one (repeatable); labels without one keep their best-F1 thresholds. Training
    /// prints the share each label's threshold flags.
    #[arg(long, value_name = "RATE|LABEL=RATE")]
    review_budget: Vec<String>,
    /// Another label's review budget (LABEL=RATE) counts the rows acceptable for the main label
    /// only, not every row where that label is 0: a toxic insult also flagged dehumanizing is in
    /// the review queue anyway, so it does not spend the dehumanizing budget.
    #[arg(long)]
    budgets_on_main_acceptable: bool,
    /// Count the evidence table's main label with each file's positives and negatives weighing
    /// the same, as in the fit, so that a file's base rate does not make its register (tweets,
    /// forum slang) look abusive or harmless.
    #[arg(long)]
    balance_counts: bool,
    /// Write `file,row,part` for every data row (part: train or holdout), so that another
    /// tool can train and measure on exactly the same rows.
    #[arg(long)]
    split_out: Option<PathBuf>,
    /// Write a self-contained HTML report of the new model on the held-out rows.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// Adapt a base model to your rows instead of training from nothing: `default` (the model
    /// built into moderate) or a model file. Each label of your file is fitted again on your
    /// rows; the base model's other labels are kept as they are, and its features (vocabulary,
    /// word vectors, lexicons, settings) are kept whole, so the feature flags do not apply.
    #[arg(
        long,
        value_name = "MODEL",
        conflicts_with_all = [
            "max_features", "max_evidence", "mask_identity", "quoted_mentions", "short_text_tokens",
            "sentence_pool", "clause_pool", "shouting_floor", "vectors", "min_df", "lexicons",
            "evidence_smoothing",
            "main_covers_labels",
        ]
    )]
    from: Option<String>,
    /// How `--from` fits a label again: `stack` (the base model's score is one more feature
    /// beside its features; adapts best in training/README.md) or `warm` (the base weights are
    /// where the solver starts).
    #[arg(long, value_enum, default_value = "stack", requires = "from")]
    adapt: AdaptArg,
    #[arg(long, value_name = "LANG", requires = "report", value_parser = super::lang_parser(),
          help = super::LANG_HELP)]
    lang: Option<moderate::i18n::Lang>,
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum AdaptArg {
    Stack,
    Warm,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    super::handle_signals(false);
    // Every output checked before any work: none is an input or another output, each folder
    // exists and takes a new file.
    let mut outputs = vec![("--out", a.out.as_path())];
    if let Some(p) = &a.report {
        outputs.push(("--report", p));
    }
    if let Some(p) = &a.split_out {
        outputs.push(("--split-out", p));
    }
    let mut inputs: Vec<(&str, &Path)> = a
        .input
        .data
        .iter()
        .map(|d| ("--data", d.as_path()))
        .collect();
    let base_path = a.from.as_deref().filter(|f| *f != "default").map(Path::new);
    if let Some(p) = base_path {
        inputs.push(("--from", p));
    }
    super::check_outputs(&outputs, &inputs)?;
    let source_weights = super::pairs(&a.weights, "--weight", "FILE=N")?
        .into_iter()
        .map(|(f, n)| {
            let n: u32 = n
                .parse()
                .with_context(|| format!("--weight {f}={n}: N must be a whole number"))?;
            Ok((PathBuf::from(f), n))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (review_budget, label_budgets) = review_budgets(&a.review_budget)?;
    // The main label: as told, else `toxic` if trained, else the first label given.
    let main_label = a.main_label.clone().or_else(|| {
        let labels = a.input.labels.as_ref()?;
        if labels.iter().any(|l| l == "toxic") {
            None
        } else {
            labels.first().cloned()
        }
    });
    let params = TrainParams {
        read: a.input.read_options(None)?,
        data: a.input.data,
        main_label,
        seed: a.seed,
        holdout: a.holdout,
        folds: a.folds,
        alphas: a.alphas,
        base_rate: a.base_rate,
        features: FeatureConfig {
            max_features: a.max_features,
            max_evidence: a.max_evidence,
            mask_identity: a.mask_identity,
            quoted_mentions: a.quoted_mentions,
            short_text_tokens: a.short_text_tokens,
            sentence_pool: a.sentence_pool,
            clause_pool: a.clause_pool,
            shouting_floor: a.shouting_floor,
            vectors_weight: if a.vectors.is_some() {
                a.vectors_weight
            } else {
                0.0
            },
            min_df: a.min_df,
            evidence_smoothing: a.evidence_smoothing,
            ..FeatureConfig::default()
        },
        lexicons: a.lexicons,
        max_matrix_mb: a.max_matrix_mb,
        max_iterations: a.max_iterations,
        max_repeat: a.max_repeat,
        command: super::command_line(),
        created: super::today(),
        split_out: a.split_out,
        source_weights,
        threshold_data: a.threshold_data,
        threshold_by_file: a.threshold_by_file,
        review_budget,
        label_budgets,
        budgets_on_main_acceptable: a.budgets_on_main_acceptable,
        balance_counts: a.balance_counts,
        main_covers: a.main_covers_labels,
        vectors: a.vectors,
        ..TrainParams::default()
    };
    if a.report.is_some() && a.holdout <= 0.0 {
        bail!("--report shows the held-out rows: it needs --holdout above 0");
    }
    let params = params.check().map_err(param_error)?;
    let progress = Progress::new(!a.quiet);
    let (trained, adapted) = match &a.from {
        None => (train::train(&params, &progress).map_err(train_error)?, None),
        Some(_) => {
            let base = Model::load(base_path).map_err(super::cli_error)?;
            let name =
                base_path.map_or("the default model".to_string(), |p| p.display().to_string());
            let method = match a.adapt {
                AdaptArg::Stack => Adaptation::Stack,
                AdaptArg::Warm => Adaptation::Warm,
            };
            let (trained, adapted) =
                adapt::adapt(&base, &name, method, &params, &progress).map_err(train_error)?;
            (trained, Some(adapted))
        }
    };
    train::write_model(&trained.model, &a.out)?;
    if !a.quiet {
        print_training_summary(&trained.model);
        if let Some(ad) = &adapted {
            print_adaptation(ad);
        }
        eprintln!("moderate: model written to {}", a.out.display());
    }
    if let Some(path) = &a.report {
        let lang = super::lang(a.lang);
        let adapted = adapted.map(|ad| {
            let base = base_path.map_or(lang.text().default_model.to_string(), |p| {
                p.display().to_string()
            });
            (base, comparison_rows(&ad))
        });
        held_out_report(path, trained, &params, &a.out, lang, adapted)?;
        if !a.quiet {
            eprintln!("moderate: held-out report written to {}", path.display());
        }
    }
    Ok(())
}

/// The main label's review budget, and the other labels' by name.
type Budgets = (Option<f64>, Vec<(String, f64)>);

/// `--review-budget` values: at most one bare RATE (the main label's), any LABEL=RATE.
fn review_budgets(values: &[String]) -> anyhow::Result<Budgets> {
    let rate = |v: &str, r: &str| -> anyhow::Result<f64> {
        r.trim()
            .parse()
            .with_context(|| format!("--review-budget {v}: RATE must be a number between 0 and 1"))
    };
    let (mut main, mut labels) = (None, Vec::new());
    for v in values {
        if v.contains('=') {
            let (label, r) = super::pairs(
                std::slice::from_ref(v),
                "--review-budget",
                "RATE or LABEL=RATE",
            )?
            .remove(0);
            labels.push((label, rate(v, &r)?));
        } else if main.replace(rate(v, v)?).is_some() {
            bail!(
                "--review-budget gives the main label's RATE twice (another label's is LABEL=RATE)"
            );
        }
    }
    Ok((main, labels))
}

/// A parameter out of range, in the flags' words.
fn param_error(e: ParamError) -> anyhow::Error {
    match e {
        ParamError::Holdout(h) => anyhow!("--holdout must be in [0, 0.9), got {h}"),
        ParamError::Folds(_) => anyhow!("--folds must be at least 2"),
        ParamError::Alphas => anyhow!("--alphas must be positive numbers"),
        ParamError::BaseRate(_) => anyhow!("--base-rate must be between 0 and 1"),
        ParamError::ReviewBudget(_) => anyhow!("--review-budget must be between 0 and 1"),
        ParamError::VectorsWeight(w) => {
            anyhow!("--vectors-weight must be a positive number, got {w}")
        }
        ParamError::EvidenceSmoothing(a) => {
            anyhow!("--evidence-smoothing must be a positive number, got {a}")
        }
        ParamError::DuplicateLabel(l) => anyhow!("--labels names '{l}' twice"),
        ParamError::DuplicateBudget(l) => anyhow!("--review-budget gives '{l}' twice"),
    }
}

/// A training error, in the flags' words where a flag can fix it.
fn train_error(e: Error) -> anyhow::Error {
    match e {
        Error::Train(TrainError::WeightedFile(file)) => anyhow!(
            "--weight names {}, which is not one of the --data files",
            file.display()
        ),
        Error::Train(TrainError::ThresholdFile(file)) => anyhow!(
            "--threshold-data names {}, which is not one of the --data files",
            file.display()
        ),
        Error::Train(TrainError::MatrixBudget {
            max_matrix_mb,
            rows_per_fit,
            parallel,
            dim,
            min_rows,
        }) => anyhow!(
            "--max-matrix-mb {max_matrix_mb} leaves room for {rows_per_fit} rows per fit \
             ({parallel} fits at once × {dim} features, f32), under {min_rows}: raise \
             --max-matrix-mb or lower --max-features"
        ),
        other => super::cli_error(other),
    }
}

/// Training's notes as `moderate: …` lines on stderr and its long stages as progress bars (drawn
/// only when stderr is a terminal); nothing with `--quiet`.
struct Progress {
    verbose: bool,
    bar: RwLock<ProgressBar>,
}

impl Progress {
    fn new(verbose: bool) -> Progress {
        Progress {
            verbose,
            bar: RwLock::new(ProgressBar::hidden()),
        }
    }
}

impl TrainProgress for Progress {
    fn note(&self, message: &str) {
        if self.verbose {
            eprintln!("moderate: {message}");
        }
    }

    fn stage_start(&self, stage: Stage, steps: u64) {
        if !self.verbose {
            return;
        }
        let bar = super::progress_bar(steps, "{msg:>12} [{bar:40}] {pos}/{len} {elapsed}");
        bar.set_message(stage.name());
        if let Ok(mut current) = self.bar.write() {
            *current = bar;
        }
    }

    fn stage_step(&self, _stage: Stage) {
        if let Ok(bar) = self.bar.read() {
            bar.inc(1);
        }
    }

    fn stage_end(&self, _stage: Stage) {
        if let Ok(bar) = self.bar.read() {
            bar.finish_and_clear();
        }
    }
}

fn print_training_summary(data: &ModelData) {
    eprintln!(
        "{:<14} {:>8} {:>7} {:>8} {:>8} {:>9} {:>7} {:>7}",
        "label", "alpha", "roc_auc", "pr_auc", "thresh", "precision", "recall", "f1"
    );
    for l in &data.labels {
        match &l.metrics {
            Some(m) => eprintln!(
                "{:<14} {:>8} {:>7.3} {:>8.3} {:>8.3} {:>9.3} {:>7.3} {:>7.3}",
                l.name,
                l.alpha,
                m.roc_auc.unwrap_or(f64::NAN),
                m.pr_auc.unwrap_or(f64::NAN),
                l.threshold,
                m.precision,
                m.recall,
                m.f1
            ),
            None => eprintln!("{:<14} {:>8} (no held-out rows)", l.name, l.alpha),
        }
    }
    eprintln!("held-out figures per source:");
    for s in &data.card.sources {
        for lm in &s.metrics {
            let m = &lm.metrics;
            eprintln!(
                "  {:<46} {:<13} rows {:>6}  roc_auc {:.3}  pr_auc {:.3}",
                s.path,
                lm.label,
                m.rows,
                m.roc_auc.unwrap_or(f64::NAN),
                m.pr_auc.unwrap_or(f64::NAN)
            );
        }
    }
}

/// `train --from`: what was refitted and kept, and base against adapted on the held-out rows.
fn print_adaptation(ad: &Adapted) {
    eprintln!(
        "refitted on your rows: {}; kept from the base model: {}",
        if ad.refitted.is_empty() {
            "none".to_string()
        } else {
            ad.refitted.join(", ")
        },
        if ad.kept.is_empty() {
            "none".to_string()
        } else {
            ad.kept.join(", ")
        }
    );
    if ad.comparison.is_empty() {
        return;
    }
    eprintln!("base model against the adapted model on your held-out rows:");
    eprintln!(
        "  {:<14} {:>6} {:>9} {:>13} {:>13} {:>13} {:>13}",
        "label", "rows", "positives", "roc_auc base", "roc_auc new", "pr_auc base", "pr_auc new"
    );
    let f = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.3}"));
    for c in &ad.comparison {
        eprintln!(
            "  {:<14} {:>6} {:>9} {:>13} {:>13} {:>13} {:>13}",
            c.label,
            c.adapted.rows,
            c.adapted.positives,
            f(c.base.roc_auc),
            f(c.adapted.roc_auc),
            f(c.base.pr_auc),
            f(c.adapted.pr_auc)
        );
    }
    for c in &ad.comparison {
        if let Some((n, b)) = c.worse() {
            eprintln!(
                "moderate: warning: for '{}' the adapted model ranks your held-out rows worse \
                 than the base model (ROC AUC {n:.3} against {b:.3}): more rows, or keep the base \
                 model for this label",
                c.label
            );
        }
    }
}

/// The report's base-against-adapted rows.
fn comparison_rows(ad: &Adapted) -> Vec<BaseComparison> {
    ad.comparison
        .iter()
        .map(|c| BaseComparison {
            label: c.label.clone(),
            rows: c.adapted.rows,
            positives: c.adapted.positives,
            base_roc_auc: c.base.roc_auc,
            adapted_roc_auc: c.adapted.roc_auc,
            base_pr_auc: c.base.pr_auc,
            adapted_pr_auc: c.adapted.pr_auc,
        })
        .collect()
}

/// `train --report`: the fresh model on the rows training held out.
fn held_out_report(
    path: &Path,
    trained: Trained,
    params: &ValidParams,
    model_path: &Path,
    lang: moderate::i18n::Lang,
    adapted: Option<(String, Vec<BaseComparison>)>,
) -> anyhow::Result<()> {
    let held = trained.held_out;
    let model = Model::new(trained.model)?;
    let scores = moderate::eval::score_rows(&model, &held.data);
    let report = moderate::eval::evaluate_scores(&model, &held.data, &scores);
    let meta = moderate::eval::report::Meta {
        title: lang.text().held_out_title.into(),
        model_source: model_path.display().to_string(),
        generated: super::today(),
        rows_note: Some(moderate::i18n::fill(
            lang.text().held_out_note,
            &[
                ("rows", &held.rows_read.to_string()),
                ("holdout", &params.holdout.to_string()),
                ("seed", &params.seed.to_string()),
            ],
        )),
        lang,
        adapted,
    };
    moderate::eval::report::write(path, &model, &held.data, &scores, &report, &meta)?;
    Ok(())
}
