//! `moderate eval`: a model measured on labeled CSV files — AUCs, precision and recall at its
//! thresholds, a review-budget table — as text or JSON, and optionally an HTML report.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args as ClapArgs;

use moderate::model::Model;

use super::LabeledData;

#[derive(ClapArgs)]
pub struct Args {
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
    #[arg(long, value_name = "LANG", requires = "report", value_parser = super::lang_parser(),
          help = super::LANG_HELP)]
    lang: Option<moderate::i18n::Lang>,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    super::handle_signals(false);
    if let Some(report) = &a.report {
        let mut inputs: Vec<(&str, &Path)> = a
            .input
            .data
            .iter()
            .map(|d| ("--data", d.as_path()))
            .collect();
        if let Some(m) = &a.model {
            inputs.push(("--model", m));
        }
        super::check_outputs(&[("--report", report)], &inputs)?;
    }
    let model = Model::load(a.model.as_deref())?;
    let model_labels = model.labels().map(str::to_string).collect();
    let (ds, notes) = moderate::io::dataset::read_with_notes(
        &a.input.data,
        &a.input.read_options(Some(model_labels))?,
    )
    .map_err(super::cli_error)?;
    notes.iter().for_each(|n| eprintln!("moderate: {n}"));
    let scores = moderate::eval::score_rows(&model, &ds);
    let report = moderate::eval::evaluate_scores(&model, &ds, &scores);
    if let Some(path) = &a.report {
        let lang = super::lang(a.lang);
        let meta = moderate::eval::report::Meta {
            title: lang.text().eval_title.into(),
            model_source: a
                .model
                .as_ref()
                .map_or(lang.text().default_model.into(), |p| {
                    p.display().to_string()
                }),
            generated: super::today(),
            rows_note: None,
            adapted: None,
            lang,
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
