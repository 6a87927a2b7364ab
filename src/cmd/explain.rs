//! `moderate explain`: one comment's score for each label against its threshold, the features
//! that weighed most for and against it, then the intercept and the calibration shift on lines of
//! their own. `-` reads the comment from stdin.

use std::io::{self, Read, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args as ClapArgs;

use moderate::model::{Model, Reasons};

#[derive(ClapArgs)]
pub struct Args {
    /// The comment; `-` reads it from stdin.
    text: String,
    #[arg(long)]
    model: Option<PathBuf>,
    /// How many contributions to show per label.
    #[arg(long, default_value_t = 8)]
    top: usize,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let Args { text, model, top } = a;
    let text = if text == "-" { read_stdin()? } else { text };
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
        let b = model.baseline(l);
        writeln!(
            out,
            "    {:+.3}  intercept (where every comment starts)",
            b.intercept
        )?;
        writeln!(
            out,
            "    {:+.3}  calibration (the shift to a {}% base rate)",
            b.calibration,
            percent(b.base_rate)
        )?;
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

/// At most this much of stdin is read (a comment is scored on its first 20,000 characters).
const MAX_STDIN_BYTES: u64 = 1 << 20;

/// The comment from stdin, without the line break that ends it.
fn read_stdin() -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .take(MAX_STDIN_BYTES + 1)
        .read_to_end(&mut bytes)
        .context("cannot read the comment from stdin")?;
    if bytes.len() as u64 > MAX_STDIN_BYTES {
        bail!("the comment on stdin is over {MAX_STDIN_BYTES} bytes");
    }
    let text = String::from_utf8(bytes).context("the comment on stdin is not UTF-8")?;
    Ok(text
        .strip_suffix('\n')
        .map_or(text.as_str(), |t| t.strip_suffix('\r').unwrap_or(t))
        .to_string())
}

/// A base rate as a percentage: `10`, `5.4`, `1.29`.
fn percent(rate: f64) -> String {
    let p = rate * 100.0;
    if p >= 10.0 {
        format!("{p:.0}")
    } else if p >= 1.0 {
        format!("{p:.1}")
    } else {
        format!("{p:.2}")
    }
}
