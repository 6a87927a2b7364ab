//! `moderate explain`: one comment's score for each label against its threshold, and the features
//! that weighed most for and against it.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::bail;
use clap::Args as ClapArgs;

use moderate::model::{Model, Reasons};

#[derive(ClapArgs)]
pub struct Args {
    /// The comment.
    text: String,
    #[arg(long)]
    model: Option<PathBuf>,
    /// How many contributions to show per label.
    #[arg(long, default_value_t = 8)]
    top: usize,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let Args { text, model, top } = a;
    if text.trim().is_empty() {
        bail!("the comment to explain is empty");
    }
    let model = Model::load(model.as_deref())?;
    let scored = model.score(&text, Reasons::All);
    let mut out = io::stdout().lock();
    for (l, label) in model.data.labels.iter().enumerate() {
        let s = scored.scores[l];
        let mark = if s >= label.threshold { "FLAGGED" } else { "" };
        writeln!(
            out,
            "{:<14} {:.3}  (threshold {:.3}) {mark}",
            label.name, s, label.threshold
        )?;
        let contributions = model.contributions(l, &text);
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
