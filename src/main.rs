//! The `moderate` command line.

use std::io::{self, BufReader, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use moderate::features::FeatureConfig;
use moderate::io::dataset::ReadOptions;
use moderate::io::output::AtomicFile;
use moderate::model::{Model, Reasons};
use moderate::score::{self, Format, ScoreOptions};
use moderate::train::{self, TrainOptions};

#[derive(Parser)]
#[command(
    name = "moderate",
    version,
    about = "Moderation classifier for news comment sections (French first, English second)",
    long_about = "Scores reader comments for toxicity, insults, slurs, dehumanizing language, \
                  threats and shouting, with the reasons for each flag.\n\n\
                  Without --model, the default model embedded in this binary is used."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Jsonl,
}

#[derive(Subcommand)]
enum Command {
    /// Score comments from a CSV or JSON Lines file (or stdin) and write them back with scores.
    Score(ScoreArgs),
    /// Print each label's score for one comment and the features that weighed most.
    Explain {
        /// The comment.
        text: String,
        #[arg(long)]
        model: Option<PathBuf>,
        /// How many contributions to show per label.
        #[arg(long, default_value_t = 8)]
        top: usize,
    },
    /// Measure a model on labeled CSV files: AUCs, precision and recall at its thresholds, and a
    /// review-budget table.
    Eval(EvalArgs),
    /// Train a model from labeled CSV files.
    Train(Box<TrainArgs>),
    /// Serve scores over HTTP: Perspective API `comments:analyze`, Coral's external moderation
    /// phase, /healthz and /metrics.
    Serve(moderate::serve::ServeArgs),
}

/// Labeled CSV files, as `train` and `eval` read them.
#[derive(Args)]
struct LabeledData {
    /// Labeled CSV file (repeat for several).
    #[arg(long = "data", required = true)]
    data: Vec<PathBuf>,
    #[arg(long, default_value = "text")]
    text_column: String,
    /// Labels, comma-separated. train: default every column but the text column, the first being
    /// the main label unless --main-label or `toxic` says otherwise; eval: default every model
    /// label the data has a column for.
    #[arg(long, value_delimiter = ',')]
    labels: Option<Vec<String>>,
    /// Read column COLUMN as label LABEL (repeatable), e.g. `label=toxic`.
    #[arg(long, value_name = "COLUMN=LABEL")]
    rename: Vec<String>,
}

impl LabeledData {
    fn read_options(&self, default_labels: Option<Vec<String>>) -> anyhow::Result<ReadOptions> {
        Ok(ReadOptions {
            text_column: self.text_column.clone(),
            labels: self.labels.clone().or(default_labels),
            renames: pairs(&self.rename, "--rename", "COLUMN=LABEL")?,
        })
    }
}

#[derive(Args)]
struct EvalArgs {
    /// Model file (default: the embedded default model).
    #[arg(long)]
    model: Option<PathBuf>,
    #[command(flatten)]
    input: LabeledData,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report (charts, confusion matrices, worst errors).
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
}

#[derive(Args)]
struct ScoreArgs {
    /// Input file; `-` or nothing for stdin.
    input: Option<String>,
    /// Model file (default: the embedded default model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Output file (default: stdout). Written to a temporary file and renamed at the end.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Input and output format (default: from the input's extension, CSV for stdin).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Column (CSV) or field (JSONL) holding the comment.
    #[arg(long, default_value = "text")]
    text_column: String,
    /// Give reasons for every row, not only flagged ones.
    #[arg(long)]
    all_reasons: bool,
    /// No summary on stderr.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct TrainArgs {
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
    /// Write `file,row,part` for every data row (part: train or holdout), so that another
    /// tool can train and measure on exactly the same rows.
    #[arg(long)]
    split_out: Option<PathBuf>,
    /// Write a self-contained HTML report of the new model on the held-out rows.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // Ctrl-C during `score` (see `handle_ctrl_c`): exit as a shell does for SIGINT.
        Err(_) if score::stop_flag().load(std::sync::atomic::Ordering::Relaxed) => {
            eprintln!("moderate: interrupted");
            ExitCode::from(130)
        }
        Err(e) => {
            // A closed pipe (`moderate score big.csv | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
                    || matches!(c.downcast_ref::<moderate::error::Error>(),
                        Some(moderate::error::Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("moderate: error: {e}");
            let mut source = e.source();
            while let Some(s) = source {
                let text = s.to_string();
                if !e.to_string().contains(&text) {
                    eprintln!("  caused by: {text}");
                }
                source = s.source();
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Score(args) => score(args),
        Command::Explain { text, model, top } => explain(&text, model, top),
        Command::Eval(args) => eval_command(args),
        Command::Train(args) => train_command(*args),
        Command::Serve(args) => moderate::serve::run(args),
    }
}

/// Parse `A=B` option values.
fn pairs(values: &[String], option: &str, form: &str) -> anyhow::Result<Vec<(String, String)>> {
    values
        .iter()
        .map(|v| {
            v.rsplit_once('=')
                .filter(|(a, b)| !a.trim().is_empty() && !b.trim().is_empty())
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                .with_context(|| format!("{option} takes {form}, got '{v}'"))
        })
        .collect()
}

fn eval_command(a: EvalArgs) -> anyhow::Result<()> {
    let model = Model::load(a.model.as_deref())?;
    let model_labels = model.labels().map(str::to_string).collect();
    let ds =
        moderate::io::dataset::read(&a.input.data, &a.input.read_options(Some(model_labels))?)?;
    let scores = moderate::eval::score_rows(&model, &ds);
    let report = moderate::eval::evaluate_scores(&model, &ds, &scores);
    if let Some(path) = &a.report {
        let meta = moderate::eval::report::Meta {
            title: "evaluation report".into(),
            model_source: a
                .model
                .as_ref()
                .map_or("embedded default model".into(), |p| p.display().to_string()),
            generated: today(),
            rows_note: None,
        };
        moderate::eval::report::write(path, &model, &ds, &scores, &report, &meta)?;
        eprintln!("moderate: report written to {}", path.display());
    }
    let mut out = io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", moderate::eval::render_text(&report))?;
    }
    Ok(())
}

fn train_command(a: TrainArgs) -> anyhow::Result<()> {
    let source_weights = pairs(&a.weights, "--weight", "FILE=N")?
        .into_iter()
        .map(|(f, n)| {
            let n: u32 = n
                .parse()
                .with_context(|| format!("--weight {f}={n}: N must be a whole number"))?;
            Ok((PathBuf::from(f), n))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    // The main label: as told, else `toxic` if trained, else the first label given.
    let main_label = a.main_label.clone().or_else(|| {
        let labels = a.input.labels.as_ref()?;
        if labels.iter().any(|l| l == "toxic") {
            None
        } else {
            labels.first().cloned()
        }
    });
    let opts = TrainOptions {
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
            min_df: a.min_df,
            ..FeatureConfig::default()
        },
        lexicons: a.lexicons,
        max_matrix_mb: a.max_matrix_mb,
        max_iterations: a.max_iterations,
        max_repeat: a.max_repeat,
        command: command_line(),
        created: today(),
        verbose: !a.quiet,
        split_out: a.split_out,
        source_weights,
        ..TrainOptions::default()
    };
    if a.report.is_some() && a.holdout <= 0.0 {
        bail!("--report shows the held-out rows: it needs --holdout above 0");
    }
    let data = train::train(&opts)?;
    train::write_model(&data, &a.out)?;
    if !a.quiet {
        print_training_summary(&data);
        eprintln!("moderate: model written to {}", a.out.display());
    }
    if let Some(path) = &a.report {
        held_out_report(path, data, &opts, &a.out)?;
        if !a.quiet {
            eprintln!("moderate: held-out report written to {}", path.display());
        }
    }
    Ok(())
}

/// `train --report`: the fresh model on the rows it held out (the same split, from the same
/// files read again).
fn held_out_report(
    path: &std::path::Path,
    data: moderate::model::ModelData,
    opts: &TrainOptions,
    model_path: &std::path::Path,
) -> anyhow::Result<()> {
    let ds = moderate::io::dataset::read(&opts.data, &opts.read)?;
    let main = ds
        .labels
        .iter()
        .position(|l| l == &data.main_label)
        .with_context(|| format!("main label '{}' not found in the data", data.main_label))?;
    let (_, held) = train::split(&ds, main, opts.holdout, opts.seed);
    let total = ds.examples.len();
    let held_ds = moderate::io::dataset::Dataset {
        labels: ds.labels.clone(),
        examples: held.iter().map(|&i| ds.examples[i].clone()).collect(),
        sources: ds.sources,
    };
    let model = Model::new(data)?;
    let scores = moderate::eval::score_rows(&model, &held_ds);
    let report = moderate::eval::evaluate_scores(&model, &held_ds, &scores);
    let meta = moderate::eval::report::Meta {
        title: "held-out report".into(),
        model_source: model_path.display().to_string(),
        generated: today(),
        rows_note: Some(format!(
            "the held-out rows of {total} rows read (--holdout {}, --seed {}), never used to train",
            opts.holdout, opts.seed
        )),
    };
    moderate::eval::report::write(path, &model, &held_ds, &scores, &report, &meta)?;
    Ok(())
}

/// Ctrl-C sets the flag that scoring checks between rows: it stops, its temporary output file is
/// dropped (removed) and `main` exits with 130. A second Ctrl-C ends the process at once.
fn handle_ctrl_c() {
    use signal_hook::consts::SIGINT;
    let stop = score::stop_flag();
    let registered = signal_hook::flag::register_conditional_shutdown(SIGINT, 130, stop.clone())
        .and_then(|_| signal_hook::flag::register(SIGINT, stop));
    if let Err(e) = registered {
        eprintln!("moderate: warning: cannot handle Ctrl-C ({e})");
    }
}

fn score(a: ScoreArgs) -> anyhow::Result<()> {
    handle_ctrl_c();
    let model = Model::load(a.model.as_deref())?;
    let input = a.input.clone().unwrap_or_else(|| "-".into());
    let format = match a.format {
        Some(FormatArg::Csv) => Format::Csv,
        Some(FormatArg::Jsonl) => Format::Jsonl,
        None if input == "-" => Format::Csv,
        None => Format::from_path(&input),
    };
    let opts = ScoreOptions {
        text_column: a.text_column,
        reasons: if a.all_reasons {
            Reasons::All
        } else {
            Reasons::Flagged
        },
        input_name: if input == "-" {
            "<stdin>".into()
        } else {
            input.clone()
        },
    };
    let (reader, size): (Box<dyn io::Read>, Option<u64>) = if input == "-" {
        (Box::new(io::stdin().lock()), None)
    } else {
        let f = std::fs::File::open(&input).with_context(|| format!("cannot open {input}"))?;
        let size = f.metadata().ok().map(|m| m.len());
        (Box::new(f), size)
    };
    let reader = BufReader::with_capacity(1 << 16, reader);
    let bar = match size {
        Some(n) if io::stderr().is_terminal() && !a.quiet => {
            let bar = ProgressBar::new(n);
            if let Ok(style) =
                ProgressStyle::with_template("scoring [{bar:40}] {bytes}/{total_bytes} {elapsed}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        }
        _ => ProgressBar::hidden(),
    };
    let summary = match &a.output {
        Some(path) => {
            let mut out = AtomicFile::create(path)?;
            let s = run_format(
                &model,
                format,
                reader,
                io::BufWriter::new(&mut out),
                &opts,
                &bar,
            )?;
            out.commit()?;
            s
        }
        None => {
            let stdout = io::stdout().lock();
            run_format(
                &model,
                format,
                reader,
                io::BufWriter::with_capacity(1 << 16, stdout),
                &opts,
                &bar,
            )?
        }
    };
    bar.finish_and_clear();
    if !a.quiet {
        let flagged: Vec<String> = summary
            .flagged
            .iter()
            .map(|(l, n)| format!("{l} {n}"))
            .collect();
        eprintln!(
            "moderate: {} rows scored; flagged: {}; {} row errors",
            summary.rows,
            flagged.join(", "),
            summary.errors
        );
    }
    Ok(())
}

/// Row errors printed on stderr by `moderate score`; a count of the others follows.
const MAX_ERROR_MESSAGES: usize = 20;

/// How `moderate score` shows a run: the progress bar, and the first row errors on stderr.
struct ScoreProgress<'a> {
    bar: &'a ProgressBar,
    input_name: &'a str,
    errors: usize,
}

impl score::Progress for ScoreProgress<'_> {
    fn read(&mut self, bytes: u64) {
        self.bar.set_position(bytes);
    }

    fn row_error(&mut self, line: u64, message: &str) {
        if self.errors < MAX_ERROR_MESSAGES {
            eprintln!(
                "moderate: {}:{}: {} (row written with an error)",
                self.input_name, line, message
            );
        }
        self.errors += 1;
    }
}

fn run_format<R: io::BufRead, W: Write>(
    model: &Model,
    format: Format,
    reader: R,
    writer: W,
    opts: &ScoreOptions,
    bar: &ProgressBar,
) -> anyhow::Result<score::Summary> {
    let mut progress = ScoreProgress {
        bar,
        input_name: &opts.input_name,
        errors: 0,
    };
    let summary = format.score(model, reader, writer, opts, &mut progress)?;
    if progress.errors > MAX_ERROR_MESSAGES {
        eprintln!(
            "moderate: {} more row errors not shown",
            progress.errors - MAX_ERROR_MESSAGES
        );
    }
    Ok(summary)
}

fn explain(text: &str, model: Option<PathBuf>, top: usize) -> anyhow::Result<()> {
    if text.trim().is_empty() {
        bail!("the comment to explain is empty");
    }
    let model = Model::load(model.as_deref())?;
    let scored = model.score(text, Reasons::All);
    let mut out = io::stdout().lock();
    for (l, label) in model.data.labels.iter().enumerate() {
        let s = scored.scores[l];
        let mark = if s >= label.threshold { "FLAGGED" } else { "" };
        writeln!(
            out,
            "{:<14} {:.3}  (threshold {:.3}) {mark}",
            label.name, s, label.threshold
        )?;
        let contributions = model.contributions(l, text);
        for c in contributions.iter().filter(|c| c.weight > 0.0).take(top) {
            writeln!(out, "    {:+.3}  {}", c.weight, c.reason)?;
        }
        for c in contributions
            .iter()
            .rev()
            .filter(|c| c.weight < 0.0)
            .take(top.min(3))
        {
            writeln!(out, "    {:+.3}  {}", c.weight, c.reason)?;
        }
    }
    let mark = if scored.shouting >= model.data.shouting_threshold {
        "FLAGGED"
    } else {
        ""
    };
    writeln!(
        out,
        "{:<14} {:.3}  (threshold {:.3}) {mark}",
        "shouting", scored.shouting, model.data.shouting_threshold
    )?;
    Ok(())
}

fn print_training_summary(data: &moderate::model::ModelData) {
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

/// The command line as typed, for the model card.
fn command_line() -> String {
    std::env::args()
        .enumerate()
        .map(|(i, a)| {
            let a = if i == 0 { "moderate".to_string() } else { a };
            if a.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Today's date (UTC) as YYYY-MM-DD, or `SOURCE_DATE_EPOCH`'s for reproducible builds.
fn today() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
