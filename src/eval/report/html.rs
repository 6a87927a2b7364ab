//! The report's page: the header (where the figures come from), the summary table, and per label
//! its figures, confusion matrix, charts ([`super::charts`]), review-budget table and worst errors,
//! then the figures as JSON. Plain HTML and one inline stylesheet; every text is escaped.

use std::fmt::Write as _;

use super::charts::{budget_chart, histogram_chart, pr_chart, roc_chart};
use super::{curve, LabelView, Meta, MAX_TEXT_CHARS, WORST};
use crate::eval::{self, BudgetRow, Report};
use crate::io::dataset::Dataset;
use crate::model::Model;

/// Text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn pct(v: f64) -> String {
    if v > 0.0 && v < 0.001 {
        "<0.1%".into()
    } else {
        format!("{:.1}%", 100.0 * v)
    }
}

pub(super) fn opt3(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{v:.3}"))
}

/// Thousands separated by a thin space: 12 345.
pub(super) fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(ch);
    }
    out
}

/// The model's identity: the SHA-256 of its file's envelope, as this version writes it.
fn model_sha256(model: &Model) -> String {
    crate::model::file::checksum_of(&model.data).unwrap_or_else(|| "unknown".into())
}

/// A score to three decimals, or four when three would not tell it from the threshold.
pub(super) fn score_near(score: f32, threshold: f32) -> String {
    let three = format!("{score:.3}");
    if three == format!("{threshold:.3}") && score != threshold {
        format!("{score:.4}")
    } else {
        three
    }
}

/// Cut a comment to [`MAX_TEXT_CHARS`] characters.
pub(super) fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;
 margin:0 auto;max-width:1160px;padding:24px;color:#1d2327;line-height:1.45}
h1{margin:0 0 4px;font-size:26px}h2{margin-top:40px;border-bottom:2px solid #ddd;padding-bottom:4px}
h3{margin:24px 0 8px;font-size:17px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:14px}
th,td{border:1px solid #d6d9dc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.meta th{width:150px}.note{color:#555;font-size:13px}
.charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:12px}
figure{margin:0;border:1px solid #e2e4e6;padding:4px}svg{display:block;max-width:100%;height:auto}
td.text{white-space:pre-wrap;max-width:620px;font-size:13.5px}
td.why{font-size:12.5px;font-family:ui-monospace,Menlo,Consolas,monospace;min-width:190px}
.up{color:#b3261e}.down{color:#1e6b2e}
.cm td{min-width:120px;text-align:center}.cm .ok{background:#e7f4ea}.cm .bad{background:#fbe9e7}
";

/// The whole report. `scores` are [`eval::score_rows`]'s, `report` [`eval::evaluate_scores`]'s.
pub fn render(
    model: &Model,
    ds: &Dataset,
    scores: &[Vec<f32>],
    report: &Report,
    meta: &Meta,
) -> std::result::Result<String, String> {
    let mut h = String::new();
    let title = format!("moderate — {}", meta.title);
    // `write!` to a String cannot fail; its results are ignored throughout.
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );

    // Where the figures come from.
    let card = &model.data.card;
    let sha = model_sha256(model);
    let _ = write!(
        h,
        "<table class=\"meta\">\n<tr><th>Model</th><td>{}</td></tr>\n\
         <tr><th>Model SHA-256</th><td><code>{}</code></td></tr>\n\
         <tr><th>Model trained</th><td>{} (moderate {}, seed {})</td></tr>\n",
        escape(&meta.model_source),
        escape(&sha),
        escape(if card.created.is_empty() {
            "unknown date"
        } else {
            &card.created
        }),
        escape(&card.moderate_version),
        card.seed
    );
    h.push_str("<tr><th>Data</th><td>");
    for s in &ds.sources {
        let _ = write!(
            h,
            "{} — {} rows, SHA-256 <code>{}</code><br>",
            escape(&s.path.display().to_string()),
            count(s.rows),
            escape(s.sha256.get(..16).unwrap_or(&s.sha256))
        );
    }
    h.push_str("</td></tr>\n");
    let _ = write!(
        h,
        "<tr><th>Rows scored</th><td>{}{}</td></tr>\n<tr><th>Report made</th><td>{}</td></tr>\n</table>\n",
        count(report.rows),
        meta.rows_note
            .as_deref()
            .map(|n| format!(" ({})", escape(n)))
            .unwrap_or_default(),
        escape(&meta.generated)
    );
    h.push_str(
        "<p class=\"note\">Precision, PR AUC and the share of comments sent to review are given at \
         the model's base rate (the share of comments a real section flags), not at the data's own \
         rate, which for most labeled data is far higher; recall and ROC AUC do not depend on it.</p>\n",
    );

    // Summary of every label.
    h.push_str(
        "<h2>Summary</h2>\n<table>\n<tr><th>label</th><th>rows</th><th>with label</th>\
         <th>ROC AUC</th><th>PR AUC</th><th>base rate</th><th>threshold</th><th>precision</th>\
         <th>recall</th><th>F1</th></tr>\n",
    );
    for l in &report.labels {
        let m = &l.metrics;
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#label-{id}\">{name}</a></td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.3}</td>\
             <td class=\"n\">{:.3}</td><td class=\"n\">{:.3}</td><td class=\"n\">{:.3}</td></tr>",
            count(m.rows),
            count(m.positives),
            opt3(m.roc_auc),
            opt3(m.pr_auc),
            pct(m.base_rate),
            m.threshold,
            m.precision,
            m.recall,
            m.f1,
            id = escape(&l.label),
            name = escape(&l.label),
        );
    }
    h.push_str("</table>\n");
    if !report.not_evaluated.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">Not evaluated (no such column or no value in the data): {}</p>",
            escape(&report.not_evaluated.join(", "))
        );
    }

    let all_rows = eval::label_rows(model, ds, scores);
    for l in &report.labels {
        let Some(rows) = all_rows
            .iter()
            .flatten()
            .find(|r| model.data.labels[r.label].name == l.label)
        else {
            continue;
        };
        let m = &l.metrics;
        let view = LabelView {
            name: &l.label,
            report: l,
            rows,
            curve: curve(&rows.scores, &rows.y, m.base_rate),
            at_threshold: BudgetRow::from_counts(m.threshold, &m.confusion, m.base_rate),
        };
        label_section(&mut h, model, ds, &view)?;
    }

    // The figures, for other tools.
    let json = serde_json::to_string(report).map_err(|e| e.to_string())?;
    let _ = write!(
        h,
        "<script type=\"application/json\" id=\"figures\">{}</script>\n</body>\n</html>\n",
        json.replace("</", "<\\/")
    );
    Ok(h)
}

fn label_section(
    h: &mut String,
    model: &Model,
    ds: &Dataset,
    v: &LabelView,
) -> std::result::Result<(), String> {
    let m = &v.report.metrics;
    let name = escape(v.name);
    let _ = writeln!(h, "<section id=\"label-{name}\">\n<h2>{name}</h2>");
    let at = &v.at_threshold;
    let _ = writeln!(
        h,
        "<p>At the model's threshold of <b>{:.3}</b> and a base rate of {}, <b>{}</b> of all \
         comments would be flagged for review and <b>{}</b> of the '{name}' comments caught; \
         <b>{}</b> of the flagged comments would really be '{name}' (precision). \
         ROC AUC {}, PR AUC {}, F1 {:.3}.</p>",
        m.threshold,
        pct(m.base_rate),
        pct(at.review_share),
        pct(m.recall),
        pct(m.precision),
        opt3(m.roc_auc),
        opt3(m.pr_auc),
        m.f1
    );
    if m.positives == 0 || m.positives == m.rows {
        let _ = writeln!(
            h,
            "<p class=\"note\">Every row here is {}'{name}': the curves and AUCs need comments \
             of both kinds, so they are empty.</p>",
            if m.positives == 0 { "not " } else { "" }
        );
    }
    let c = &m.confusion;
    let _ = writeln!(
        h,
        "<table class=\"cm\"><caption class=\"note\">Confusion matrix on these rows (counts, \
         not reweighted)</caption>\n\
         <tr><th></th><th>flagged (score ≥ {:.3})</th><th>not flagged</th></tr>\n\
         <tr><th>'{name}'</th><td class=\"ok\">{} caught</td><td class=\"bad\">{} missed</td></tr>\n\
         <tr><th>not '{name}'</th><td class=\"bad\">{} false alarm{}</td><td class=\"ok\">{} left alone</td></tr>\n\
         </table>",
        m.threshold,
        count(c.tp),
        count(c.fn_),
        count(c.fp),
        if c.fp == 1 { "" } else { "s" },
        count(c.tn)
    );

    h.push_str("<div class=\"charts\">\n");
    for svg in [
        roc_chart(v)?,
        pr_chart(v)?,
        histogram_chart(v)?,
        budget_chart(v)?,
    ] {
        let _ = writeln!(h, "<figure class=\"chart\">{svg}</figure>");
    }
    h.push_str("</div>\n");

    let _ = writeln!(
        h,
        "<details><summary>Review-budget table</summary>\n<table>\n<tr><th>threshold</th>\
         <th>sent to review</th><th>'{name}' caught</th><th>precision</th></tr>"
    );
    for b in &v.report.budget {
        let _ = writeln!(
            h,
            "<tr><td class=\"n\">{:.2}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.3}</td></tr>",
            b.threshold,
            pct(b.review_share),
            pct(b.caught),
            b.precision
        );
    }
    h.push_str("</table>\n</details>\n");

    // Worst errors: false positives by how far above the threshold, false negatives by how far
    // below.
    let r = v.rows;
    let t = m.threshold;
    let mut fps: Vec<usize> = (0..r.y.len())
        .filter(|&k| !r.y[k] && r.scores[k] >= t)
        .collect();
    fps.sort_by(|&a, &b| r.scores[b].total_cmp(&r.scores[a]).then(a.cmp(&b)));
    let mut fns: Vec<usize> = (0..r.y.len())
        .filter(|&k| r.y[k] && r.scores[k] < t)
        .collect();
    fns.sort_by(|&a, &b| r.scores[a].total_cmp(&r.scores[b]).then(a.cmp(&b)));
    for (kind, list, total) in [
        (
            format!("Worst false positives: not '{name}', scored highest"),
            &fps,
            c.fp,
        ),
        (
            format!("Worst false negatives: '{name}', scored lowest"),
            &fns,
            c.fn_,
        ),
    ] {
        let shown = list.len().min(WORST);
        let _ = writeln!(h, "<h3>{kind} ({shown} of {})</h3>", count(total));
        if shown == 0 {
            h.push_str("<p class=\"note\">None.</p>\n");
            continue;
        }
        h.push_str(
            "<table class=\"errors\">\n<tr><th>score</th><th>where</th><th>comment</th>\
             <th>raised by / lowered by</th></tr>\n",
        );
        for &k in &list[..shown] {
            let e = &ds.examples[r.rows[k]];
            let source = ds
                .sources
                .get(e.source)
                .map(|s| s.path.display().to_string())
                .unwrap_or_default();
            let contributions = model.contributions(r.label, &e.text);
            let mut why = String::new();
            for ctb in contributions.iter().filter(|c| c.weight > 0.0).take(4) {
                let _ = write!(
                    why,
                    "<span class=\"up\">{:+.2} {}</span><br>",
                    ctb.weight,
                    escape(&ctb.reason)
                );
            }
            for ctb in contributions
                .iter()
                .rev()
                .filter(|c| c.weight < 0.0)
                .take(3)
            {
                let _ = write!(
                    why,
                    "<span class=\"down\">{:+.2} {}</span><br>",
                    ctb.weight,
                    escape(&ctb.reason)
                );
            }
            let _ = writeln!(
                h,
                "<tr><td class=\"n\">{}</td><td>{}:{}</td><td class=\"text\">{}</td><td class=\"why\">{why}</td></tr>",
                score_near(r.scores[k], t),
                escape(&source),
                e.line,
                escape(&cut(&e.text))
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("</section>\n");
    Ok(())
}
