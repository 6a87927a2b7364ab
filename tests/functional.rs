//! Functional test suite in the style of HateCheck (Röttger et al. 2021), with cases written for
//! this project: the real `moderate` binary, its embedded default model, and per category the
//! share of cases it gets right, against a floor in `tests/functional/floors.txt` (a ratchet just
//! under the current figures; the targets of issue 13 are comments in the same file).
//!
//! Only the command line is used (`moderate score FILE`), so the suite survives any change inside
//! the crate. A comment counts as flagged toxic when the `flagged` column contains `toxic`.
//! Categories, files and metrics: `tests/functional/README.md`. `--nocapture` prints the table and
//! every miss; `MODERATE_FUNCTIONAL_JSON=path` also writes the table as JSON.

use std::collections::{BTreeMap, HashSet};
use std::process::Command;

#[path = "functional/helpers.rs"]
mod helpers;
use helpers::*;

// ---------------------------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------------------------

/// Score `texts` with the real binary and its embedded default model, in one run: the labels of
/// each row's `flagged` column.
fn score(texts: &[String]) -> Vec<HashSet<String>> {
    score_with_toxic(texts)
        .into_iter()
        .map(|(f, _)| f)
        .collect()
}

/// As [`score`], with each row's `score_toxic` too (0 for a text with no score: no words).
fn score_with_toxic(texts: &[String]) -> Vec<(HashSet<String>, f64)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.csv");
    let output = dir.path().join("out.csv");
    let mut w = csv::Writer::from_path(&input).expect("create input");
    w.write_record(["id", "text"]).expect("write");
    for (i, t) in texts.iter().enumerate() {
        w.write_record([i.to_string().as_str(), t.as_str()])
            .expect("write");
    }
    w.flush().expect("flush");
    drop(w);
    // MODERATE_FUNCTIONAL_MODEL: run the suite on another model file (a candidate recipe).
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_moderate"));
    cmd.arg("score");
    if let Ok(m) = std::env::var("MODERATE_FUNCTIONAL_MODEL") {
        cmd.arg("--model").arg(m);
    }
    let o = cmd
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .arg("--quiet")
        .output()
        .expect("run moderate");
    assert!(
        o.status.success(),
        "moderate score: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut rdr = csv::Reader::from_path(&output).expect("read output");
    let headers = rdr.headers().expect("headers").clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (id, flagged, error) = (col("id"), col("flagged"), col("error"));
    let score_toxic = col("score_toxic");
    let mut out: Vec<Option<(HashSet<String>, f64)>> = vec![None; texts.len()];
    for r in rdr.records() {
        let r = r.expect("output row");
        assert_eq!(&r[error], "", "row {} failed", &r[id]);
        let i: usize = r[id].parse().expect("id");
        let toxic = match &r[score_toxic] {
            "" => 0.0,
            v => v.parse().expect("score_toxic"),
        };
        out[i] = Some((
            r[flagged]
                .split(';')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            toxic,
        ));
    }
    out.into_iter()
        .map(|f| f.expect("every row scored"))
        .collect()
}

fn toxic(f: &HashSet<String>) -> bool {
    f.contains("toxic")
}

fn labels(f: &HashSet<String>) -> String {
    let mut v: Vec<&str> = f.iter().map(String::as_str).collect();
    v.sort_unstable();
    if v.is_empty() {
        "-".to_string()
    } else {
        v.join(";")
    }
}

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

/// One row of the result table.
struct Row {
    category: String,
    n: usize,
    metric: f64,
}

/// Returns the share still flagged per (number of neutral sentences, place), for the JSON.
fn run_dilution(rows: &mut Vec<Row>) -> Vec<(usize, Place, f64)> {
    let abusive = sentences("dilution_abusive.csv");
    let neutral = sentences("dilution_neutral.csv");
    // Fillers flagged toxic on their own would flag the variant by themselves: left out (listed).
    let neutral_flags = score(&neutral.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>());
    for ((_, t), f) in neutral.iter().zip(&neutral_flags) {
        if toxic(f) {
            println!(
                "dilution: neutral sentence flagged alone, not used: {t} [{}]",
                labels(f)
            );
        }
    }
    let alone: Vec<bool> = score(&abusive.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>())
        .iter()
        .map(toxic)
        .collect();
    let mut texts = Vec::new();
    let mut owner = Vec::new();
    for (i, (lang, text)) in abusive.iter().enumerate() {
        let fillers: Vec<&str> = neutral
            .iter()
            .zip(&neutral_flags)
            .filter(|((l, _), f)| l == lang && !toxic(f))
            .map(|((_, t), _)| t.as_str())
            .collect();
        for (k, place, v) in dilution_variants(text, &fillers, i) {
            texts.push(v);
            owner.push((i, k, place));
        }
    }
    let flags = score(&texts);
    let mut variants = vec![Vec::new(); abusive.len()];
    let mut by_k: BTreeMap<(usize, Place), (usize, usize)> = BTreeMap::new();
    for ((&(i, k, place), f), text) in owner.iter().zip(&flags).zip(&texts) {
        variants[i].push(toxic(f));
        if alone[i] {
            let e = by_k.entry((k, place)).or_default();
            e.0 += 1;
            e.1 += usize::from(toxic(f));
            if !toxic(f) && k == 1 {
                println!("dilution miss (1 neutral sentence, {place:?}): {text}");
            }
        }
    }
    for (i, (_, t)) in abusive.iter().enumerate() {
        if !alone[i] {
            println!("dilution: abusive sentence not flagged alone, not counted: {t}");
        }
    }
    println!("dilution: share still flagged, by number of neutral sentences and place");
    for ((k, place), (n, hit)) in &by_k {
        println!(
            "  k={k} {place:<6?} {:5.1}% of {n}",
            100.0 * share(*hit, *n)
        );
    }
    let (n, survived) = dilution(&alone, &variants);
    rows.push(Row {
        category: "dilution".into(),
        n,
        metric: share(survived, n),
    });
    // The same with a single neutral sentence (before or after): a ratchet that moves before the
    // full metric does.
    let one: Vec<Vec<bool>> = (0..abusive.len())
        .map(|i| {
            let mine = owner
                .iter()
                .zip(&flags)
                .filter(|((j, k, _), _)| *j == i && *k == 1);
            mine.map(|(_, f)| toxic(f)).collect()
        })
        .collect();
    let (n, survived) = dilution(&alone, &one);
    rows.push(Row {
        category: "dilution_1".into(),
        n,
        metric: share(survived, n),
    });
    by_k.into_iter()
        .map(|((k, place), (n, hit))| (k, place, share(hit, n)))
        .collect()
}

/// Returns the per-template rates, for the JSON.
fn run_group_swap(rows: &mut Vec<Row>) -> Vec<(String, bool, f64)> {
    let groups = groups();
    let templates = templates();
    let texts: Vec<String> = templates
        .iter()
        .flat_map(|(_, t)| groups.iter().map(move |g| fill(t, g)))
        .collect();
    let flags: Vec<bool> = score(&texts).iter().map(toxic).collect();
    let table: Vec<Vec<bool>> = flags.chunks(groups.len()).map(<[bool]>::to_vec).collect();
    let (metric, rates) = group_swap(&table);
    println!(
        "group swap: flag rate per template over {} groups (expected 1 = hateful)",
        groups.len()
    );
    let mut out = Vec::new();
    for (((expected, t), rate), row) in templates.iter().zip(&rates).zip(&table) {
        let minority = *rate < 0.5;
        let odd: Vec<&str> = groups
            .iter()
            .zip(row)
            .filter(|(_, &f)| f == minority)
            .map(|(g, _)| g.group.as_str())
            .collect();
        let odd = if odd.len() == groups.len() {
            String::new()
        } else {
            odd.join(", ")
        };
        let which = if minority { "flagged" } else { "not flagged" };
        let detail = if odd.is_empty() {
            String::new()
        } else {
            format!("  {which}: {odd}")
        };
        println!(
            "  {:5.1}%  [{}] {t}{detail}",
            100.0 * rate,
            u8::from(*expected)
        );
        out.push((t.clone(), *expected, *rate));
    }
    rows.push(Row {
        category: "group_swap".into(),
        n: templates.len(),
        metric,
    });
    out
}

/// The categories of cases: per category, the share whose `toxic` flag is right; then, with no
/// threshold, how the `toxic` score ranks the hateful cases above the acceptable ones
/// (`ranking_all`: ROC AUC of every hateful case against every acceptable one;
/// `ranking_<category>`: of that category's hateful cases against every acceptable case). A
/// change of threshold moves the shares, not the ranking: a corpus change that only moves the
/// threshold shows in the first and not in the second.
fn run_cases(rows: &mut Vec<Row>) {
    let cases = cases();
    let scored = score_with_toxic(&cases.iter().map(|c| c.text.clone()).collect::<Vec<_>>());
    let flags: Vec<HashSet<String>> = scored.iter().map(|(f, _)| f.clone()).collect();
    let acceptable: Vec<f64> = cases
        .iter()
        .zip(&scored)
        .filter(|(c, _)| !c.expected)
        .map(|(_, (_, s))| *s)
        .collect();
    let mut hateful: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (c, (_, s)) in cases.iter().zip(&scored) {
        if c.expected {
            hateful.entry("all".into()).or_default().push(*s);
            hateful.entry(c.category.clone()).or_default().push(*s);
        }
    }
    let mut by_cat: BTreeMap<&str, Vec<(bool, bool)>> = BTreeMap::new();
    for (c, f) in cases.iter().zip(&flags) {
        by_cat
            .entry(&c.category)
            .or_default()
            .push((c.expected, toxic(f)));
        if c.expected != toxic(f) {
            let want = if c.expected { "missed" } else { "false alarm" };
            println!("{} {want}: {} [{}]", c.category, c.text, labels(f));
        }
    }
    for (cat, pairs) in by_cat {
        rows.push(Row {
            category: cat.to_string(),
            n: pairs.len(),
            metric: agreement(&pairs),
        });
    }
    for (cat, scores) in hateful {
        rows.push(Row {
            category: format!("ranking_{cat}"),
            n: scores.len(),
            metric: roc_auc(&scores, &acceptable),
        });
    }
}

/// Each Aleppo comment is a check of its own (`aleppo_1`, `aleppo_2`): 1 when it is flagged both
/// `toxic` and `dehumanizing`, else 0.
fn run_aleppo(rows: &mut Vec<Row>) {
    let texts = aleppo();
    let flags = score(&texts);
    for (i, (t, f)) in texts.iter().zip(&flags).enumerate() {
        let ok = toxic(f) && f.contains("dehumanizing");
        println!("aleppo_{} [{}]: {t}", i + 1, labels(f));
        rows.push(Row {
            category: format!("aleppo_{}", i + 1),
            n: 1,
            metric: share(usize::from(ok), 1),
        });
    }
}

#[test]
fn functional_suite_holds_its_floors() {
    let floors_path = format!("{DIR}/floors.txt");
    let floors = parse_floors(&std::fs::read_to_string(&floors_path).expect("floors.txt"))
        .unwrap_or_else(|e| panic!("{floors_path}: {e}"));
    let mut rows = Vec::new();
    let by_k = run_dilution(&mut rows);
    let templates = run_group_swap(&mut rows);
    run_cases(&mut rows);
    run_aleppo(&mut rows);

    println!(
        "\n{:<28} {:>5} {:>8} {:>7} {:>7}",
        "category", "n", "metric", "floor", "target"
    );
    let mut failures = Vec::new();
    let mut json_rows = Vec::new();
    for r in &rows {
        let f = floors.iter().find(|f| f.category == r.category);
        let floor = f.map(|f| f.floor);
        let target = f.and_then(|f| f.target);
        let fmt = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.2}"));
        println!(
            "{:<28} {:>5} {:>8.3} {:>7} {:>7}",
            r.category,
            r.n,
            r.metric,
            fmt(floor),
            fmt(target)
        );
        match floor {
            None => failures.push(format!("{}: no floor in floors.txt", r.category)),
            Some(fl) if r.metric < fl => {
                failures.push(format!("{}: {:.3} < floor {fl:.2}", r.category, r.metric))
            }
            Some(_) => {}
        }
        json_rows.push(serde_json::json!({
            "category": r.category, "n": r.n, "metric": r.metric, "floor": floor, "target": target,
        }));
    }
    for f in &floors {
        if !rows.iter().any(|r| r.category == f.category) {
            failures.push(format!("{}: in floors.txt but not measured", f.category));
        }
    }
    if let Ok(path) = std::env::var("MODERATE_FUNCTIONAL_JSON") {
        let templates: Vec<_> = templates
            .iter()
            .map(|(t, e, r)| serde_json::json!({"template": t, "expected": e, "flag_rate": r}))
            .collect();
        let by_k: Vec<_> = by_k
            .iter()
            .map(|(k, p, s)| serde_json::json!({"neutral_sentences": k, "place": format!("{p:?}").to_lowercase(), "still_flagged": s}))
            .collect();
        let doc = serde_json::json!({
            "categories": json_rows, "group_swap_templates": templates, "dilution_by_k": by_k,
        });
        let text = serde_json::to_string_pretty(&doc).expect("json");
        std::fs::write(&path, text + "\n").unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    assert!(failures.is_empty(), "functional suite: {failures:?}");
}

// ---------------------------------------------------------------------------------------------
// The material and the helpers, without the binary
// ---------------------------------------------------------------------------------------------

#[test]
fn material_is_complete_and_well_formed() {
    let cases = cases();
    let mut per_cat: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &cases {
        *per_cat.entry(&c.category).or_default() += 1;
    }
    for (cat, n) in &per_cat {
        assert!(*n >= 25, "{cat}: only {n} cases");
    }
    assert_eq!(per_cat.len(), 11, "categories: {per_cat:?}");
    let groups = groups();
    assert!(groups.len() >= 30, "{} groups", groups.len());
    let templates = templates();
    assert!(templates.len() >= 20);
    for (_, t) in &templates {
        assert!(t.contains('{'), "template without placeholder: {t}");
        for g in &groups {
            let s = fill(t, g);
            assert!(!s.contains('{') && !s.contains('}'), "unfilled: {s}");
        }
    }
    let abusive = sentences("dilution_abusive.csv");
    let neutral = sentences("dilution_neutral.csv");
    assert!(abusive.len() >= 25, "{} abusive sentences", abusive.len());
    for (lang, _) in &abusive {
        let n = neutral.iter().filter(|(l, _)| l == lang).count();
        assert!(n >= MAX_FILLERS + 2, "{n} neutral {lang} sentences");
    }
    assert_eq!(aleppo().len(), 2);
    let floors = parse_floors(&std::fs::read_to_string(format!("{DIR}/floors.txt")).unwrap());
    let floors = floors.expect("floors.txt parses");
    for cat in per_cat.keys().copied().chain([
        "dilution",
        "dilution_1",
        "group_swap",
        "aleppo_1",
        "aleppo_2",
    ]) {
        assert!(
            floors.iter().any(|f| f.category == cat),
            "no floor for {cat}"
        );
    }
}

#[test]
fn french_agreement_in_filled_templates() {
    let g = groups();
    let find = |name: &str| g.iter().find(|x| x.group == name).expect(name);
    let t = "Les {group} sont {tous} des parasites, {ils} partent. Trop {de_group}. I met {en}.";
    assert_eq!(
        fill(t, find("femmes")),
        "Les femmes sont toutes des parasites, elles partent. Trop de femmes. I met women."
    );
    assert_eq!(
        fill(t, find("Algériens")),
        "Les Algériens sont tous des parasites, ils partent. Trop d'Algériens. I met Algerians."
    );
}

#[test]
fn ranking_is_the_share_of_pairs_won() {
    assert_eq!(roc_auc(&[0.9, 0.8], &[0.1, 0.2]), 1.0);
    assert_eq!(roc_auc(&[0.1], &[0.9]), 0.0);
    // One win, one tie, one loss of three pairs... and a fourth win.
    assert_eq!(roc_auc(&[0.5, 0.7], &[0.5, 0.6]), 0.625);
    assert_eq!(roc_auc(&[], &[0.5]), 0.0);
}

#[test]
fn group_swap_counts_only_unanimous_templates() {
    let (t, f) = (true, false);
    let table = vec![vec![t, t, t], vec![f, f, f], vec![t, f, t], vec![f, f, t]];
    let (metric, rates) = group_swap(&table);
    assert_eq!(metric, 0.5);
    let want = [1.0, 0.0, 2.0 / 3.0, 1.0 / 3.0];
    for (r, w) in rates.iter().zip(want) {
        assert!((r - w).abs() < 1e-12, "{rates:?}");
    }
    assert_eq!(group_swap(&[vec![t, f]]).0, 0.0);
    assert_eq!(group_swap(&[]).0, 0.0, "nothing measured is no pass");
}

#[test]
fn dilution_counts_alone_flagged_sentences_flagged_in_every_variant() {
    let alone = [true, true, false, true];
    let variants = vec![
        vec![true, true],
        vec![true, false],
        vec![true, true],
        vec![],
    ];
    // Sentence 2 is not flagged alone (not counted); 3 has no variants (not a survivor).
    assert_eq!(dilution(&alone, &variants), (3, 1));
    assert_eq!(
        agreement(&[(true, true), (false, true), (false, false), (true, false)]),
        0.5
    );
}

#[test]
fn dilution_variants_put_k_neutral_sentences_before_after_and_around() {
    let fillers = ["N0.", "N1.", "N2.", "N3.", "N4.", "N5.", "N6."];
    let v = dilution_variants("ABUSE.", &fillers, 3);
    assert_eq!(
        v.len(),
        3 * MAX_FILLERS - 1,
        "no `both` with a single sentence"
    );
    for (k, place, text) in &v {
        let parts: Vec<&str> = text.split(' ').collect();
        assert_eq!(parts.len(), k + 1, "{text}");
        assert_eq!(
            parts.iter().filter(|p| **p == "ABUSE.").count(),
            1,
            "{text}"
        );
        let at = parts.iter().position(|p| *p == "ABUSE.").unwrap();
        match place {
            Place::Before => assert_eq!(at, *k),
            Place::After => assert_eq!(at, 0),
            Place::Both => assert!(at > 0 && at < *k && at == k / 2, "{text}"),
        }
        let distinct: HashSet<&&str> = parts.iter().collect();
        assert_eq!(distinct.len(), parts.len(), "a filler repeated: {text}");
    }
    let ks: HashSet<usize> = v.iter().map(|(k, _, _)| *k).collect();
    assert_eq!(ks, (1..=MAX_FILLERS).collect());
}

#[test]
fn floors_file_format() {
    let text = "# header\n\ndilution 0.50  # target 0.90 (issue 13)\nnegation 0.3\n";
    assert_eq!(
        parse_floors(text).unwrap(),
        vec![
            Floor {
                category: "dilution".into(),
                floor: 0.5,
                target: Some(0.9)
            },
            Floor {
                category: "negation".into(),
                floor: 0.3,
                target: None
            },
        ]
    );
    assert!(parse_floors("a 0.1\na 0.2\n").is_err(), "duplicate");
    assert!(parse_floors("a\n").is_err(), "no floor");
    assert!(parse_floors("a x\n").is_err(), "not a number");
    assert!(parse_floors("a 1.5\n").is_err(), "out of range");
}
