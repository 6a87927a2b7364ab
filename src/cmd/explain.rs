//! `moderate explain`: one comment's score for each label against its threshold, the features
//! that weighed most for and against it, then the intercept and the calibration shift on lines of
//! their own. `-` reads the comment from stdin. The words around the figures, and the figures'
//! decimal mark, follow `--lang` or the environment ([`moderate::i18n`]); reasons (`word:…`) and
//! label names are the model's own in every language.

use std::io::{self, Read, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args as ClapArgs;

use moderate::i18n::{fill, Lang};
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
    #[arg(long, value_name = "LANG", value_parser = super::lang_parser(), help = super::LANG_HELP)]
    lang: Option<Lang>,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let Args {
        text,
        model,
        top,
        lang,
    } = a;
    let lang = super::lang(lang);
    let t = lang.text();
    let text = if text == "-" { read_stdin()? } else { text };
    if text.trim().is_empty() {
        bail!("the comment to explain is empty");
    }
    let model = Model::load(model.as_deref())?;
    let scored = model.score(&text, Reasons::All);
    let mut out = io::stdout().lock();
    // A label's line: name, score, threshold, and the mark when flagged.
    let label_line = |name: &str, score: f32, threshold: f32| {
        let mark = if score >= threshold {
            t.explain_flagged
        } else {
            ""
        };
        format!(
            "{name:<14} {}  {} {mark}",
            lang.fixed(score.into(), 3),
            fill(
                t.explain_threshold,
                &[("threshold", &lang.fixed(threshold.into(), 3))]
            )
        )
    };
    // A contribution's line: its weight in logits, then what it is.
    let weight = |w: f32| lang.number(format!("{w:+.3}"));
    for (l, label) in model.data.labels.iter().enumerate() {
        writeln!(
            out,
            "{}",
            label_line(&label.name, scored.scores[l], label.threshold)
        )?;
        let contributions = model.contributions(l, &text);
        for c in contributions.iter().filter(|c| c.weight > 0.0).take(top) {
            writeln!(out, "    {}  {}", weight(c.weight), c.reason)?;
        }
        for c in contributions
            .iter()
            .rev()
            .filter(|c| c.weight < 0.0)
            .take(top.min(3))
        {
            writeln!(out, "    {}  {}", weight(c.weight), c.reason)?;
        }
        let b = model.baseline(l);
        writeln!(out, "    {}  {}", weight(b.intercept), t.explain_intercept)?;
        writeln!(
            out,
            "    {}  {}",
            weight(b.calibration),
            fill(
                t.explain_calibration,
                &[("rate", &lang.number(percent(b.base_rate)))]
            )
        )?;
    }
    writeln!(
        out,
        "{}",
        label_line("shouting", scored.shouting, model.data.shouting_threshold)
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
