//! `eval --report` and `train --report`: the real binary writes one self-contained HTML file, and
//! headless Chromium draws its charts.
//!
//! The Chromium checks need `/usr/bin/chromium` (Debian package `chromium`; `.ci/run` installs
//! it; `MODERATE_CHROMIUM` names another). Where it is absent they print
//! `SKIPPED: chromium not found …` to stderr and pass.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use moderate::eval::report::colors;

/// `MODERATE_CHROMIUM` overrides it (a missing path shows the skip).
const CHROMIUM: &str = "/usr/bin/chromium";
/// Comments with markup in them: they must come out as text, never as tags.
const INJECTED_FP: &str = "<script>alert('fp')</script> <b>connard</b>, ferme-la, espèce de rat";
const INJECTED_FN: &str = "Merci <img src=x onerror=alert(1)> pour cet article très clair";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_moderate"));
    c.env("SOURCE_DATE_EPOCH", "1790000000");
    // English whatever the locale of the machine running the tests (tests/lang_fr.rs: French).
    for var in moderate::i18n::LOCALE_VARS {
        c.env_remove(var);
    }
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run moderate")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `n` rows spread over the project's corpus, columns `text,toxic,insult`, then `extra` rows.
fn labeled_subset(dir: &Path, n: usize, extra: &[(&str, u8, u8)]) -> PathBuf {
    let mut rdr = csv::Reader::from_path(repo().join("training/comments.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (text, toxic, insult) = (col("text"), col("toxic"), col("insult"));
    let all: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let path = dir.join("labeled.csv");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(["text", "toxic", "insult"]).unwrap();
    let step = (all.len() / n).max(1);
    for r in all.iter().step_by(step).take(n) {
        w.write_record([&r[text], &r[toxic], &r[insult]]).unwrap();
    }
    for (t, a, b) in extra {
        w.write_record([t.to_string(), a.to_string(), b.to_string()])
            .unwrap();
    }
    w.flush().unwrap();
    path
}

/// The figures the report embeds as JSON.
fn figures(html: &str) -> serde_json::Value {
    let start_tag = "<script type=\"application/json\" id=\"figures\">";
    let start = html.find(start_tag).expect("embedded figures") + start_tag.len();
    let end = start + html[start..].find("</script>").expect("end of figures");
    serde_json::from_str(&html[start..end]).expect("figures are JSON")
}

/// Every tag of the page (its text between `<` and `>`). Escaped comment text has no `<`, so
/// these are the real tags.
fn tags(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    // The JSON block is data, not markup.
    while let Some(i) = rest.find('<') {
        let Some(j) = rest[i..].find('>') else { break };
        let tag = &rest[i + 1..i + j];
        out.push(tag);
        rest = &rest[i + j + 1..];
        if tag.starts_with("script type=\"application/json\"") {
            let end = rest.find("</script>").expect("script closed");
            rest = &rest[end..];
        }
    }
    out
}

/// The structure every report must have: `labels` sections of four SVG charts, nothing to fetch,
/// comment text escaped.
fn check_structure(html: &str, labels: &[&str]) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    let svgs = html.matches("<svg ").count();
    assert_eq!(svgs, 4 * labels.len(), "four charts per label");
    assert_eq!(
        html.matches("<figure class=\"chart\"><svg ").count(),
        svgs,
        "each chart is one SVG in its own figure"
    );
    assert_eq!(html.matches("</svg>").count(), svgs);
    for label in labels {
        assert!(html.contains(&format!("<section id=\"label-{label}\">")));
        for chart in [
            "ROC curve",
            "precision-recall",
            "scores of each class",
            "review budget",
        ] {
            assert!(
                html.contains(&format!("{label}: {chart}")),
                "chart title '{label}: {chart}' (SVG text)"
            );
        }
        assert!(html.contains(&format!("Worst false positives: not '{label}'")));
        assert!(html.contains(&format!("Worst false negatives: '{label}'")));
    }
    // Axis labels are SVG text, drawn by the browser: no font file.
    assert!(html.matches("<text ").count() >= 40 * labels.len());
    // Self-contained: no tag loads anything.
    for tag in tags(html) {
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        assert!(
            !["link", "img", "iframe", "object", "embed", "image", "use", "base"]
                .contains(&name.as_str()),
            "no <{name}> tag: <{tag}>"
        );
        if name == "script" {
            assert_eq!(tag, "script type=\"application/json\" id=\"figures\"");
        }
        let lower = tag.to_ascii_lowercase();
        for bad in ["http:", "https:", "src=", "href=\"//", "url(", "@import"] {
            assert!(!lower.contains(bad), "tag refers to a resource: <{tag}>");
        }
        if let Some(href) = lower.split("href=\"").nth(1) {
            assert!(href.starts_with('#'), "links stay in the page: <{tag}>");
        }
    }
    let style = &html[html.find("<style>").unwrap()..html.find("</style>").unwrap()];
    assert!(!style.contains("url(") && !style.contains("@import"));
    assert!(!html.contains("http://") && !html.contains("https://"));
}

/// Headless Chromium with a fresh profile and nothing that reaches the network; None (and a loud
/// message) when it is not installed.
fn chromium(profile: &Path, args: &[&str]) -> Option<Output> {
    let exe = std::env::var("MODERATE_CHROMIUM").unwrap_or_else(|_| CHROMIUM.to_string());
    if !Path::new(&exe).exists() {
        eprintln!(
            "SKIPPED: chromium not found at {exe}: the report's charts were NOT checked in a \
             browser (apt-get install chromium)"
        );
        return None;
    }
    let mut child = Command::new(&exe)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-quic",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    // Read the pipes while waiting, so a large DOM dump cannot block it.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut b).ok();
        b
    });
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut b).ok();
        b
    });
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for chromium") {
            break s;
        }
        if started.elapsed() > Duration::from_secs(180) {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish in 180 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    Some(Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    })
}

/// Pixels of the screenshot within 6 of each channel of `c`.
fn count_color(rgba: &[u8], channels: usize, c: (u8, u8, u8)) -> usize {
    rgba.chunks_exact(channels)
        .filter(|p| p[0].abs_diff(c.0) <= 6 && p[1].abs_diff(c.1) <= 6 && p[2].abs_diff(c.2) <= 6)
        .count()
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.canonicalize().unwrap().display())
}

/// Screenshot the report and check every chart kind's colour is painted.
fn check_screenshot(dir: &Path, report: &Path) -> Option<()> {
    let shot = dir.join("shot.png");
    let profile = tempfile::tempdir().unwrap();
    let out = chromium(
        profile.path(),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2400",
            &file_url(report),
        ],
    )?;
    assert!(
        shot.exists(),
        "chromium wrote no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::fs::File::open(&shot).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "RGB screenshot");
    let pixels = &buf[..info.buffer_size()];
    for (what, c, min) in [
        ("ROC curve", colors::ROC, 300),
        ("precision-recall curve", colors::PR, 300),
        ("review-budget curve", colors::BUDGET, 300),
        ("histogram bars without the label", colors::NEGATIVE, 300),
        ("histogram bars with the label", colors::POSITIVE, 300),
        ("threshold markers", colors::THRESHOLD, 100),
    ] {
        let n = count_color(pixels, channels, c);
        assert!(
            n >= min,
            "the {what} is not drawn: {n} pixels of {c:?} in {}",
            shot.display()
        );
    }
    if let Ok(keep) = std::env::var("MODERATE_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).ok();
    }
    Some(())
}

/// Lay the page out in Chromium and measure every chart: its curves, bars and texts must take up
/// room (a chart that does not render measures nothing).
fn check_layout(dir: &Path, report: &Path, charts: usize) -> Option<()> {
    // A copy of the report with a measuring script: the report itself has none.
    let html = std::fs::read_to_string(report).unwrap();
    let script = r#"<script>
(function () {
  var out = [];
  document.querySelectorAll('figure.chart svg').forEach(function (svg, i) {
    var marks = 0, w = 0, h = 0, texts = 0;
    svg.querySelectorAll('polyline, rect, circle').forEach(function (e) {
      var c = (e.getAttribute('stroke') || '') + (e.getAttribute('fill') || '');
      if (!/#(1F77B4|9467BD|2CA02C|607D8B|D62728|FF7F0E)/i.test(c)) return;
      var b = e.getBBox();
      if (b.width > 0 || b.height > 0) { marks++; w = Math.max(w, b.width); h = Math.max(h, b.height); }
    });
    svg.querySelectorAll('text').forEach(function (t) {
      if (t.getComputedTextLength() > 0) texts++;
    });
    var r = svg.getBoundingClientRect();
    out.push([i, marks, Math.round(w), Math.round(h), texts, Math.round(r.width), Math.round(r.height)].join(' '));
  });
  var pre = document.createElement('pre');
  pre.id = 'render-check';
  pre.textContent = out.join('\n');
  document.body.appendChild(pre);
})();
</script>"#;
    let copy = dir.join("measured.html");
    std::fs::write(&copy, html.replace("</body>", &format!("{script}</body>"))).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = chromium(
        profile.path(),
        &[
            "--dump-dom",
            "--virtual-time-budget=3000",
            "--window-size=1280,2400",
            &file_url(&copy),
        ],
    )?;
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom
        .find("<pre id=\"render-check\">")
        .unwrap_or_else(|| panic!("no measurements: {}", String::from_utf8_lossy(&out.stderr)))
        + "<pre id=\"render-check\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let lines: Vec<Vec<i64>> = dom[start..end]
        .lines()
        .map(|l| l.split(' ').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(lines.len(), charts, "every chart measured");
    for l in &lines {
        let (marks, w, h, texts, sw, sh) = (l[1], l[2], l[3], l[4], l[5], l[6]);
        assert!(marks >= 2, "chart {} draws its curves or bars: {l:?}", l[0]);
        assert!(
            w >= 60 || h >= 60,
            "chart {}'s marks span the plot: {l:?}",
            l[0]
        );
        assert!(
            texts >= 15,
            "chart {} shows its title, axes and legend: {l:?}",
            l[0]
        );
        assert!(sw >= 300 && sh >= 200, "chart {} is laid out: {l:?}", l[0]);
    }
    Some(())
}

#[test]
fn eval_report_is_self_contained_and_renders() {
    let dir = tempfile::tempdir().unwrap();
    let data = labeled_subset(dir.path(), 400, &[(INJECTED_FP, 0, 0), (INJECTED_FN, 1, 1)]);
    let report = dir.path().join("out.html");
    let o = eval_report(&data, &report);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The text tables still go to stdout.
    assert!(String::from_utf8_lossy(&o.stdout).contains("review budget for toxic"));
    let html = std::fs::read_to_string(&report).unwrap();
    check_structure(&html, &["toxic", "insult"]);

    // Where the figures come from.
    assert!(html.contains("embedded default model"));
    assert!(html.contains(&data.display().to_string()));
    assert!(html.contains("<tr><th>Rows scored</th><td>402</td></tr>"));
    assert!(html.contains("<tr><th>Report made</th><td>2026-09-21</td></tr>"));
    let model: serde_json::Value = serde_json::from_slice(moderate::model::DEFAULT_MODEL).unwrap();
    let sha = model["sha256"].as_str().unwrap();
    assert!(html.contains(sha), "the model's SHA-256 {sha}");
    let created = model["model"]["card"]["created"].as_str().unwrap();
    assert!(html.contains(created));

    // The figures are eval's, and the report repeats them.
    let fig = figures(&html);
    let json = run(&["eval", "--data", data.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(fig, json, "the report embeds the figures of `eval --json`");
    let toxic = &fig["labels"][0];
    assert_eq!(toxic["label"], "toxic");
    let c = &toxic["metrics"]["confusion"];
    for key in ["tp", "fn", "fp", "tn"] {
        assert!(c[key].is_u64());
    }
    assert!(html.contains(&format!(
        "<td class=\"ok\">{} caught</td><td class=\"bad\">{} missed</td>",
        c["tp"], c["fn"]
    )));
    assert!(html.contains(&format!("<td class=\"bad\">{} false alarm", c["fp"])));

    // Comments with markup come out escaped, with their reasons, among the worst errors.
    assert!(!html.contains("<script>alert"), "comment markup is escaped");
    assert!(!html.contains("<img src=x"));
    assert!(html
        .contains("&lt;script&gt;alert(&#39;fp&#39;)&lt;/script&gt; &lt;b&gt;connard&lt;/b&gt;"));
    assert!(html.contains("Merci &lt;img src=x onerror=alert(1)&gt; pour cet article"));
    let fp_section = &html[html.find("Worst false positives: not 'toxic").unwrap()
        ..html.find("Worst false negatives: 'toxic").unwrap()];
    assert!(
        fp_section.contains("&lt;script&gt;alert"),
        "the insult labeled 0 is a worst FP"
    );
    assert!(
        fp_section.contains("class=\"up\">+") && fp_section.contains("connard"),
        "with the features that raised its score"
    );
    let rows_in_fp = fp_section.matches("<tr><td class=\"n\">").count();
    assert!((1..=10).contains(&rows_in_fp), "at most ten: {rows_in_fp}");

    if check_screenshot(dir.path(), &report).is_some() {
        check_layout(dir.path(), &report, 8);
    }
}

#[test]
fn eval_report_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = labeled_subset(dir.path(), 30, &[]);
    let report = dir.path().join("no-such-dir").join("out.html");
    let o = eval_report(&data, &report);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&report.display().to_string()), "{err}");
}

#[test]
fn train_report_shows_the_held_out_rows() {
    let dir = tempfile::tempdir().unwrap();
    let data = labeled_subset(dir.path(), 500, &[]);
    let model = dir.path().join("model.json");
    let report = dir.path().join("held-out.html");
    let o = run(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--labels",
        "toxic,insult",
        "--max-features",
        "400",
        "--max-evidence",
        "3000",
        "--folds",
        "2",
        "--alphas",
        "1",
        "--out",
        model.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&report).unwrap();
    check_structure(&html, &["toxic", "insult"]);
    assert!(html.contains("held-out report"));
    assert!(html.contains(&model.display().to_string()));
    assert!(html.contains("the held-out rows of 500 rows read (--holdout 0.2, --seed 42)"));

    // The report's figures are the model card's held-out figures: same rows, same model.
    let card: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    let fig = figures(&html);
    assert_eq!(fig["rows"], 100, "a fifth of 500 rows held out");
    for (i, label) in ["toxic", "insult"].iter().enumerate() {
        let stored = &card["model"]["labels"][i];
        assert_eq!(stored["name"], *label);
        let ours = &fig["labels"][i]["metrics"];
        let theirs = &stored["metrics"];
        assert_eq!(ours["rows"], theirs["rows"], "{label}");
        assert_eq!(ours["confusion"], theirs["confusion"], "{label}");
        let (a, b) = (
            ours["roc_auc"].as_f64().unwrap(),
            theirs["roc_auc"].as_f64().unwrap(),
        );
        assert!((a - b).abs() < 1e-6, "{label}: report {a}, model card {b}");
    }
    if check_screenshot(dir.path(), &report).is_some() {
        check_layout(dir.path(), &report, 8);
    }

    // Without held-out rows there is nothing to report, and training does not start.
    let o = run(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--holdout",
        "0",
        "--out",
        dir.path().join("m2.json").to_str().unwrap(),
        "--report",
        dir.path().join("r2.html").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--holdout"));
}

#[test]
fn eval_report_with_one_class_only() {
    // A file where no comment has the label: no curve can be drawn, but the report is whole and
    // says why.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("calm.csv");
    let mut w = csv::Writer::from_path(&data).unwrap();
    w.write_record(["text", "toxic"]).unwrap();
    for i in 0..12 {
        w.write_record([format!("Analyse équilibrée, point numéro {i}."), "0".into()])
            .unwrap();
    }
    w.flush().unwrap();
    let report = dir.path().join("calm.html");
    let o = eval_report(&data, &report);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&report).unwrap();
    check_structure(&html, &["toxic"]);
    assert!(html.contains("Every row here is not 'toxic': the curves and AUCs need comments"));
    assert!(!html.contains("NaN"));
}

/// `moderate eval --data DATA --report REPORT` with the embedded model.
fn eval_report(data: &Path, report: &Path) -> Output {
    run(&[
        "eval",
        "--data",
        data.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ])
}
