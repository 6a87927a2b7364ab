//! The report's page: the header (where the figures come from), the summary table, and per label
//! its figures, confusion matrix, charts ([`super::charts`]), review-budget table and worst errors,
//! then the figures as JSON. Plain HTML and one inline stylesheet; every text is escaped. The
//! words are [`Meta::lang`]'s table's ([`crate::i18n::Text`]), the numbers in its style.

use std::fmt::Write as _;

use super::charts::{budget_chart, histogram_chart, pr_chart, roc_chart};
use super::{curve, LabelView, Meta, MAX_TEXT_CHARS, WORST};
use crate::eval::{self, BudgetRow, Report};
use crate::i18n::{fill, Lang};
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

/// A share as a percentage in the report's language: `12.5%`, `12,5 %`.
pub(super) fn pct(lang: Lang, v: f64) -> String {
    lang.share(v)
}

/// A figure to three decimals, `–` when there is none.
pub(super) fn opt3(lang: Lang, v: Option<f64>) -> String {
    v.map_or("–".into(), |v| lang.fixed(v, 3))
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
pub(super) fn score_near(lang: Lang, score: f32, threshold: f32) -> String {
    let three = format!("{score:.3}");
    lang.number(
        if three == format!("{threshold:.3}") && score != threshold {
            format!("{score:.4}")
        } else {
            three
        },
    )
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
    let lang = meta.lang;
    let t = lang.text();
    let mut h = String::new();
    let title = format!("moderate — {}", meta.title);
    // `write!` to a String cannot fail; its results are ignored throughout.
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        t.code,
        escape(&title),
        escape(&title)
    );

    // Where the figures come from.
    let card = &model.data.card;
    let sha = model_sha256(model);
    let trained = fill(
        t.model_trained,
        &[
            (
                "date",
                &escape(if card.created.is_empty() {
                    t.unknown_date
                } else {
                    &card.created
                }),
            ),
            ("version", &escape(&card.moderate_version)),
            ("seed", &card.seed.to_string()),
        ],
    );
    let _ = write!(
        h,
        "<table class=\"meta\">\n<tr><th>{}</th><td>{}</td></tr>\n\
         <tr><th>{}</th><td><code>{}</code></td></tr>\n\
         <tr><th>{}</th><td>{trained}</td></tr>\n",
        t.meta_model,
        escape(&meta.model_source),
        t.meta_model_sha,
        escape(&sha),
        t.meta_model_trained,
    );
    let _ = write!(h, "<tr><th>{}</th><td>", t.meta_data);
    for s in &ds.sources {
        let source = fill(
            t.data_source,
            &[
                ("path", &escape(&s.path.display().to_string())),
                ("rows", &count(s.rows)),
                (
                    "sha",
                    &format!(
                        "<code>{}</code>",
                        escape(s.sha256.get(..16).unwrap_or(&s.sha256))
                    ),
                ),
            ],
        );
        let _ = write!(h, "{source}<br>");
    }
    h.push_str("</td></tr>\n");
    let _ = write!(
        h,
        "<tr><th>{}</th><td>{}{}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n</table>\n",
        t.meta_rows_scored,
        count(report.rows),
        meta.rows_note
            .as_deref()
            .map(|n| format!(" ({})", escape(n)))
            .unwrap_or_default(),
        t.meta_report_made,
        escape(&meta.generated)
    );
    let _ = writeln!(h, "<p class=\"note\">{}</p>", t.base_rate_note);

    // Summary of every label.
    let _ = write!(h, "<h2>{}</h2>\n<table>\n<tr>", t.summary_heading);
    for c in t.summary_columns {
        let _ = write!(h, "<th>{c}</th>");
    }
    h.push_str("</tr>\n");
    for l in &report.labels {
        let m = &l.metrics;
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#label-{id}\">{name}</a></td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            count(m.rows),
            count(m.positives),
            opt3(lang, m.roc_auc),
            opt3(lang, m.pr_auc),
            pct(lang, m.base_rate),
            lang.fixed(m.threshold.into(), 3),
            lang.fixed(m.precision, 3),
            lang.fixed(m.recall, 3),
            lang.fixed(m.f1, 3),
            id = escape(&l.label),
            name = escape(&l.label),
        );
    }
    h.push_str("</table>\n");
    if let Some((base, rows)) = &meta.adapted {
        let _ = write!(
            h,
            "<h2>{}</h2>\n<p>{}</p>\n<table>\n<tr>",
            t.adapted_heading,
            fill(t.adapted_note, &[("base", &escape(base))])
        );
        for c in t.adapted_columns {
            let _ = write!(h, "<th>{c}</th>");
        }
        h.push_str("</tr>\n");
        for c in rows {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                escape(&c.label),
                count(c.rows),
                count(c.positives),
                opt3(lang, c.base_roc_auc),
                opt3(lang, c.adapted_roc_auc),
                opt3(lang, c.base_pr_auc),
                opt3(lang, c.adapted_pr_auc),
            );
        }
        h.push_str("</table>\n");
    }
    if !report.not_evaluated.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>",
            fill(
                t.not_evaluated,
                &[("labels", &escape(&report.not_evaluated.join(", ")))]
            )
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
            lang,
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
    let (lang, t) = (v.lang, v.lang.text());
    let m = &v.report.metrics;
    let name = escape(v.name);
    let words = lang
        .label_words(v.name)
        .map(|w| format!(" <span class=\"note\">— {}</span>", escape(w)))
        .unwrap_or_default();
    let _ = writeln!(h, "<section id=\"label-{name}\">\n<h2>{name}{words}</h2>");
    let at = &v.at_threshold;
    let threshold = lang.fixed(m.threshold.into(), 3);
    let _ = writeln!(
        h,
        "<p>{}</p>",
        fill(
            t.label_summary,
            &[
                ("threshold", &threshold),
                ("base_rate", &pct(lang, m.base_rate)),
                ("review", &pct(lang, at.review_share)),
                ("recall", &pct(lang, m.recall)),
                ("precision", &pct(lang, m.precision)),
                ("name", &name),
                ("roc_auc", &opt3(lang, m.roc_auc)),
                ("pr_auc", &opt3(lang, m.pr_auc)),
                ("f1", &lang.fixed(m.f1, 3)),
            ]
        )
    );
    if m.positives == 0 || m.positives == m.rows {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p>",
            fill(
                if m.positives == 0 {
                    t.only_negatives
                } else {
                    t.only_positives
                },
                &[("name", &name)]
            )
        );
    }
    let c = &m.confusion;
    let named = |template: &str| fill(template, &[("name", &name)]);
    let cell = |form, n: u64| lang.plural(form, n, &count(n), &[]);
    let _ = writeln!(
        h,
        "<table class=\"cm\"><caption class=\"note\">{}</caption>\n\
         <tr><th></th><th>{}</th><th>{}</th></tr>\n\
         <tr><th>{}</th><td class=\"ok\">{}</td><td class=\"bad\">{}</td></tr>\n\
         <tr><th>{}</th><td class=\"bad\">{}</td><td class=\"ok\">{}</td></tr>\n\
         </table>",
        t.confusion_caption,
        fill(t.confusion_flagged, &[("threshold", &threshold)]),
        t.confusion_not_flagged,
        named(t.confusion_with),
        cell(&t.confusion_caught, c.tp),
        cell(&t.confusion_missed, c.fn_),
        named(t.confusion_without),
        cell(&t.confusion_false_alarms, c.fp),
        cell(&t.confusion_left_alone, c.tn),
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

    let _ = write!(
        h,
        "<details><summary>{}</summary>\n<table>\n<tr>",
        t.budget_table
    );
    for col in t.budget_columns {
        let _ = write!(h, "<th>{}</th>", named(col));
    }
    h.push_str("</tr>\n");
    for b in &v.report.budget {
        let _ = writeln!(
            h,
            "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            lang.fixed(b.threshold.into(), 2),
            pct(lang, b.review_share),
            pct(lang, b.caught),
            lang.fixed(b.precision, 3)
        );
    }
    h.push_str("</table>\n</details>\n");

    // Worst errors: false positives by how far above the threshold, false negatives by how far
    // below.
    let r = v.rows;
    let mut fps: Vec<usize> = (0..r.y.len())
        .filter(|&k| !r.y[k] && r.scores[k] >= m.threshold)
        .collect();
    fps.sort_by(|&a, &b| r.scores[b].total_cmp(&r.scores[a]).then(a.cmp(&b)));
    let mut fns: Vec<usize> = (0..r.y.len())
        .filter(|&k| r.y[k] && r.scores[k] < m.threshold)
        .collect();
    fns.sort_by(|&a, &b| r.scores[a].total_cmp(&r.scores[b]).then(a.cmp(&b)));
    for (kind, list, total) in [
        (named(t.worst_false_positives), &fps, c.fp),
        (named(t.worst_false_negatives), &fns, c.fn_),
    ] {
        let shown = list.len().min(WORST);
        let of = fill(
            t.shown_of,
            &[("shown", &shown.to_string()), ("total", &count(total))],
        );
        let _ = writeln!(h, "<h3>{kind} ({of})</h3>");
        if shown == 0 {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", t.none);
            continue;
        }
        h.push_str("<table class=\"errors\">\n<tr>");
        for col in t.error_columns {
            let _ = write!(h, "<th>{col}</th>");
        }
        h.push_str("</tr>\n");
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
                    "<span class=\"up\">{} {}</span><br>",
                    lang.number(format!("{:+.2}", ctb.weight)),
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
                    "<span class=\"down\">{} {}</span><br>",
                    lang.number(format!("{:+.2}", ctb.weight)),
                    escape(&ctb.reason)
                );
            }
            let _ = writeln!(
                h,
                "<tr><td class=\"n\">{}</td><td>{}:{}</td><td class=\"text\">{}</td><td class=\"why\">{why}</td></tr>",
                score_near(lang, r.scores[k], m.threshold),
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
