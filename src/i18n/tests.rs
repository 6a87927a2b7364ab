//! The language choice from the environment, template filling, and every table against English.

use super::*;

fn env(vars: &[(&str, &str)]) -> Lang {
    Lang::from_locale(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    })
}

#[test]
fn french_from_any_fr_locale() {
    for v in ["fr_FR.UTF-8", "fr_CA", "fr", "fr_BE@euro", "FR_fr"] {
        assert_eq!(env(&[("LANG", v)]), Lang::Fr, "LANG={v}");
        assert_eq!(env(&[("LC_MESSAGES", v)]), Lang::Fr, "LC_MESSAGES={v}");
        assert_eq!(env(&[("LC_ALL", v)]), Lang::Fr, "LC_ALL={v}");
    }
}

#[test]
fn english_otherwise() {
    assert_eq!(env(&[]), Lang::En);
    for v in [
        "C",
        "POSIX",
        "C.UTF-8",
        "en_US.UTF-8",
        "de_DE.UTF-8",
        "",
        "  ",
    ] {
        assert_eq!(env(&[("LANG", v)]), Lang::En, "LANG={v:?}");
    }
}

#[test]
fn lc_all_then_lc_messages_then_lang() {
    // LC_ALL wins over both.
    assert_eq!(env(&[("LC_ALL", "C"), ("LANG", "fr_FR.UTF-8")]), Lang::En);
    assert_eq!(
        env(&[("LC_ALL", "C"), ("LC_MESSAGES", "fr_FR.UTF-8")]),
        Lang::En
    );
    assert_eq!(env(&[("LC_ALL", "fr_FR.UTF-8"), ("LANG", "C")]), Lang::Fr);
    // LC_MESSAGES over LANG.
    assert_eq!(
        env(&[("LC_MESSAGES", "en_GB.UTF-8"), ("LANG", "fr_FR.UTF-8")]),
        Lang::En
    );
    assert_eq!(
        env(&[("LC_MESSAGES", "fr_FR.UTF-8"), ("LANG", "en_US.UTF-8")]),
        Lang::Fr
    );
    // An empty variable is skipped, as gettext does.
    assert_eq!(
        env(&[("LC_ALL", ""), ("LC_MESSAGES", ""), ("LANG", "fr_FR.UTF-8")]),
        Lang::Fr
    );
    assert_eq!(env(&[("LC_ALL", ""), ("LANG", "C")]), Lang::En);
}

#[test]
fn codes() {
    assert_eq!(Lang::from_code("fr"), Some(Lang::Fr));
    assert_eq!(Lang::from_code("en"), Some(Lang::En));
    assert_eq!(Lang::from_code("de"), None);
    assert_eq!(Lang::default(), Lang::En);
    for l in Lang::ALL {
        assert_eq!(Lang::from_code(l.code()), Some(l));
    }
}

#[test]
fn fill_replaces_known_keys_only() {
    assert_eq!(
        fill("{a} and {b}, {c} {a}", &[("a", "1"), ("b", "x{a}")]),
        "1 and x{a}, {c} 1"
    );
    assert_eq!(fill("no key {", &[("a", "1")]), "no key {");
    assert_eq!(fill("", &[]), "");
}

#[test]
fn numbers_in_each_style() {
    assert_eq!(Lang::En.fixed(0.8734, 3), "0.873");
    assert_eq!(Lang::Fr.fixed(0.8734, 3), "0,873");
    assert_eq!(Lang::Fr.number(format!("{:+.2}", -1.25f32)), "-1,25");
    assert_eq!(Lang::En.share(0.125), "12.5%");
    assert_eq!(Lang::Fr.share(0.125), "12,5\u{a0}%");
    assert_eq!(Lang::En.share(0.0004), "<0.1%");
    assert_eq!(Lang::Fr.share(0.0004), "<0,1\u{a0}%");
    assert_eq!(Lang::En.share(0.0), "0.0%");
}

#[test]
fn plurals() {
    let fa = &Lang::Fr.text().confusion_false_alarms;
    assert_eq!(Lang::Fr.plural(fa, 0, "0", &[]), "0 fausse alerte");
    assert_eq!(Lang::Fr.plural(fa, 1, "1", &[]), "1 fausse alerte");
    assert_eq!(Lang::Fr.plural(fa, 2, "2", &[]), "2 fausses alertes");
    let fa = &Lang::En.text().confusion_false_alarms;
    assert_eq!(Lang::En.plural(fa, 0, "0", &[]), "0 false alarms");
    assert_eq!(Lang::En.plural(fa, 1, "1", &[]), "1 false alarm");
}

/// The `{keys}` of a template, sorted.
fn keys(template: &str) -> Vec<&str> {
    let mut out: Vec<&str> = template
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(k, _)| k))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Every template of a table, by field name.
fn templates(t: &Text) -> Vec<(String, &'static str)> {
    macro_rules! fields {
        ($($f:ident),* $(,)?) => { vec![$((stringify!($f).to_string(), t.$f)),*] };
    }
    let mut v = fields!(
        percent,
        eval_title,
        held_out_title,
        held_out_note,
        adapted_note,
        default_model,
        meta_model,
        meta_model_sha,
        meta_model_trained,
        model_trained,
        unknown_date,
        meta_data,
        data_source,
        meta_rows_scored,
        meta_report_made,
        base_rate_note,
        summary_heading,
        not_evaluated,
        label_summary,
        only_negatives,
        only_positives,
        confusion_caption,
        confusion_flagged,
        confusion_not_flagged,
        confusion_with,
        confusion_without,
        budget_table,
        worst_false_positives,
        worst_false_negatives,
        shown_of,
        none,
        roc_title,
        roc_x,
        caught_axis,
        chance,
        model,
        threshold_marker,
        pr_title,
        pr_x,
        pr_y,
        histogram_title,
        histogram_x,
        histogram_y,
        budget_title,
        budget_x,
        perfect_or_random,
        budget_marker,
        explain_threshold,
        explain_flagged,
        explain_intercept,
        explain_calibration,
    );
    for (name, p) in [
        ("confusion_caught", &t.confusion_caught),
        ("confusion_missed", &t.confusion_missed),
        ("confusion_false_alarms", &t.confusion_false_alarms),
        ("confusion_left_alone", &t.confusion_left_alone),
        ("histogram_without", &t.histogram_without),
        ("histogram_with", &t.histogram_with),
    ] {
        v.push((format!("{name}.one"), p.one));
        v.push((format!("{name}.other"), p.other));
    }
    for (i, c) in t.summary_columns.iter().enumerate() {
        v.push((format!("summary_columns[{i}]"), c));
    }
    for (i, c) in t.budget_columns.iter().enumerate() {
        v.push((format!("budget_columns[{i}]"), c));
    }
    for (i, c) in t.error_columns.iter().enumerate() {
        v.push((format!("error_columns[{i}]"), c));
    }
    v
}

#[test]
fn every_table_fills_the_same_values_as_english() {
    let en = templates(Lang::En.text());
    for lang in Lang::ALL {
        let t = lang.text();
        for ((name, ours), (_, theirs)) in templates(t).iter().zip(&en) {
            assert_eq!(keys(ours), keys(theirs), "{}: {name}", t.code);
            assert!(!ours.trim().is_empty(), "{}: {name} is empty", t.code);
            assert_eq!(ours.trim(), *ours, "{}: {name} has outer spaces", t.code);
        }
    }
}

#[test]
fn french_is_french() {
    let fr = templates(Lang::Fr.text());
    let en = templates(Lang::En.text());
    // Only names, acronyms and symbols may read the same in both.
    let same: Vec<&String> = fr
        .iter()
        .zip(&en)
        .filter(|((_, a), (_, b))| a == b)
        .map(|((name, _), _)| name)
        .collect();
    let allowed = [
        "histogram_x",
        "error_columns[0]",
        "summary_columns[3]",
        "summary_columns[4]",
        "summary_columns[9]",
    ];
    for name in same {
        assert!(allowed.contains(&name.as_str()), "{name} is not translated");
    }
    // French quotes and no English quote around a name.
    for (name, t) in &fr {
        assert!(!t.contains("'{name}'"), "{name}: « » quotes in French");
        assert!(
            !t.contains(" :") && !t.contains(" ;"),
            "{name}: no-break space before : and ;"
        );
    }
}
