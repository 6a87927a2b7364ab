//! `moderate train --from`: adapting a base model (the default one) to a site's own rows, with
//! the real binary on files written here. A site whose moderators flag a word of their own (a
//! made-up insult, `schnoufard`, that no base model can know) must get a model that flags it,
//! keeps every label its file lacks exactly as the base scores them, and says how the base and
//! the adapted model compare on the rows it held out.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_moderate"));
    c.env("SOURCE_DATE_EPOCH", "1790000000");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run moderate")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The site's moderation history: rows of the project's corpus (its `toxic` column only), and
/// comments with the site's own insult, flagged, beside ordinary ones.
fn site_history(dir: &Path) -> PathBuf {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut rdr = csv::Reader::from_path(repo.join("training/comments.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let toxic = headers.iter().position(|h| h == "toxic").unwrap();
    let all: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let path = dir.join("history.csv");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(["text", "toxic"]).unwrap();
    for r in all.iter().step_by(all.len() / 400) {
        w.write_record([&r[0], &r[toxic]]).unwrap();
    }
    let flagged = [
        "Encore un schnoufard qui n'a pas lu l'article.",
        "Les schnoufards de la rubrique politique sont de sortie ce soir.",
        "Schnoufard un jour, schnoufard toujours.",
        "Tu écris comme un schnoufard, relis-toi avant de poster.",
        "Quel schnoufard ce député, franchement.",
        "Ce forum est envahi de schnoufards depuis les élections.",
        "Va donc, eh schnoufard !",
        "Réponse typique de schnoufard, aucun argument.",
        "Le schnoufard du troisième commentaire a encore frappé.",
        "Ah les schnoufards, toujours à râler sans rien proposer.",
        "Bande de schnoufards, vous n'avez que ça à faire ?",
        "Arrête de faire le schnoufard et donne une source.",
        "Seul un schnoufard peut croire à cette histoire.",
        "Mon voisin est un vrai schnoufard, il pense comme toi.",
        "Un schnoufard de plus dans les commentaires, quelle surprise.",
        "Les schnoufards ont voté, et voilà le résultat.",
        "T'es vraiment le roi des schnoufards toi.",
        "Schnoufard va !",
        "Encore ce schnoufard avec ses liens douteux.",
        "On reconnaît le schnoufard à ses fautes d'orthographe.",
        "C'est un commentaire de schnoufard, rien d'autre.",
        "Les schnoufards du dimanche sont pires que ceux de la semaine.",
        "Pauvre schnoufard, retourne sur ton forum.",
        "Toi et tes copains schnoufards, vous êtes fatigants.",
        "Ce journaliste est un schnoufard notoire.",
        "Ça sent le schnoufard à plein nez ici.",
        "Un bon schnoufard comme on les aime, bravo.",
        "Le chef des schnoufards a parlé.",
        "Franchement, quel schnoufard ce type.",
        "Schnoufards de tous les pays, unissez-vous, qu'on rigole.",
    ];
    let ordinary = [
        "Merci pour ce reportage, très complet.",
        "Quelqu'un a le lien vers le rapport complet ?",
        "Je ne suis pas d'accord, mais l'argument se tient.",
        "Les chiffres de l'INSEE disent autre chose, à vérifier.",
        "Article intéressant sur la réforme des retraites.",
        "Bonne analyse, il manque juste le point de vue des syndicats.",
        "On attend la suite de l'enquête avec impatience.",
        "Le maire a répondu dans l'édition de ce matin.",
        "J'habite le quartier, la situation est plus nuancée.",
        "Très bonne question, je n'y avais pas pensé.",
    ];
    for t in flagged {
        w.write_record([t, "1"]).unwrap();
    }
    for t in ordinary {
        w.write_record([t, "0"]).unwrap();
    }
    w.flush().unwrap();
    path
}

/// The scores and flags of `model` (None: the default) on `texts`, as `moderate score` writes
/// them: the `score_*` and `flagged` columns of each row.
fn scores(dir: &Path, model: Option<&Path>, texts: &[&str]) -> Vec<Vec<(String, String)>> {
    let input = dir.join("probe.csv");
    let mut w = csv::Writer::from_path(&input).unwrap();
    w.write_record(["text"]).unwrap();
    for t in texts {
        w.write_record([t]).unwrap();
    }
    w.flush().unwrap();
    let mut args = vec!["score", input.to_str().unwrap()];
    if let Some(m) = model {
        args.extend(["--model", m.to_str().unwrap()]);
    }
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut rdr = csv::Reader::from_reader(&o.stdout[..]);
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .filter(|(h, _)| h.starts_with("score_") || *h == "flagged")
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn value(row: &[(String, String)], column: &str) -> f64 {
    row.iter()
        .find(|(h, _)| h == column)
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or_else(|| panic!("no column {column}"))
}

#[test]
fn a_site_model_learns_the_sites_word_and_keeps_the_other_labels_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let history = site_history(dir.path());
    let out = dir.path().join("site.model");
    let o = run(&[
        "train",
        "--from",
        "default",
        "--data",
        history.to_str().unwrap(),
        "--labels",
        "toxic",
        "--out",
        out.to_str().unwrap(),
        "--report",
        dir.path().join("site.html").to_str().unwrap(),
        "--lang",
        "fr",
    ]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    // What was refitted and kept, and base against adapted on the held-out rows.
    assert!(
        err.contains("refitted on your rows: toxic; kept from the base model: insult, slur, dehumanizing, threat"),
        "{err}"
    );
    assert!(err.contains("roc_auc base"), "{err}");
    assert!(err.contains("n-grams of the site's own added"), "{err}");

    let probes = [
        "Encore un schnoufard dans les commentaires ce matin.",
        "Les schnoufards sont de retour sous cet article.",
        "Merci pour cet article, très clair.",
        "Ces cafards doivent dégager du pays.",
        "On sait où tu habites, tu vas payer.",
        "Sale bougnoule.",
    ];
    let base = scores(dir.path(), None, &probes);
    let site = scores(dir.path(), Some(&out), &probes);
    // Every label of the base model is still there.
    let columns = |rows: &[Vec<(String, String)>]| -> Vec<String> {
        rows[0].iter().map(|(h, _)| h.clone()).collect()
    };
    assert_eq!(columns(&base), columns(&site));
    // The labels the site's file lacks score exactly as the base model scores them.
    for (b, s) in base.iter().zip(&site) {
        for col in [
            "score_insult",
            "score_slur",
            "score_dehumanizing",
            "score_threat",
        ] {
            assert_eq!(value(b, col), value(s, col), "{col}: {b:?} vs {s:?}");
        }
    }
    // The site's own insult: unknown to the base model, learned from its history.
    for i in 0..2 {
        let (b, s) = (
            value(&base[i], "score_toxic"),
            value(&site[i], "score_toxic"),
        );
        eprintln!("{:?}: base {b}, adapted {s}", probes[i]);
        assert!(b < 0.3, "base model on {:?}: {b}", probes[i]);
        // The odds at least 7 times the base model's (a logit 2 higher).
        let logit = |p: f64| (p / (1.0 - p)).ln();
        assert!(
            logit(s) - logit(b) > 2.0,
            "{:?}: base {b}, adapted {s}",
            probes[i]
        );
    }
    // Ranked far above an ordinary comment by the adapted model (a review queue sorted by score
    // puts it first), where the base model ranks them alike.
    assert!(
        value(&site[0], "score_toxic") > 20.0 * value(&site[2], "score_toxic"),
        "{:?} vs {:?}",
        site[0],
        site[2]
    );
    // And an ordinary comment stays unflagged.
    assert!(value(&site[2], "score_toxic") < 0.2, "{:?}", site[2]);

    // The held-out report compares both models, in the language asked for.
    let html = std::fs::read_to_string(dir.path().join("site.html")).unwrap();
    assert!(
        html.contains("<h2>Modèle de base et modèle adapté</h2>"),
        "no comparison"
    );
    assert!(html.contains("Modèle de base\u{a0}: modèle par défaut intégré."));
    let table = &html[html.find("ROC AUC adapté").unwrap()..];
    assert!(table.contains("<tr><td>toxic</td>"), "no toxic row");

    // The model card says where the model comes from.
    let card = std::fs::read_to_string(&out).unwrap();
    assert!(
        card.contains("adapted from the default model"),
        "no provenance note"
    );
}

#[test]
fn warm_adaptation_is_the_other_choice() {
    let dir = tempfile::tempdir().unwrap();
    let history = site_history(dir.path());
    let out = dir.path().join("site.model");
    let o = run(&[
        "train",
        "--from",
        "default",
        "--adapt",
        "warm",
        "--data",
        history.to_str().unwrap(),
        "--labels",
        "toxic",
        "--out",
        out.to_str().unwrap(),
        "--report",
        dir.path().join("warm.html").to_str().unwrap(),
        "--lang",
        "en",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(dir.path().join("warm.html")).unwrap();
    assert!(html.contains("<h2>Base model against the adapted model</h2>"));
    let card = std::fs::read_to_string(&out).unwrap();
    assert!(card.contains(", warm)"), "the card names the method");
    let site = scores(
        dir.path(),
        Some(&out),
        &["Encore un schnoufard, comme d'habitude."],
    );
    assert!(value(&site[0], "score_toxic") > 0.3, "{:?}", site[0]);
}

#[test]
fn a_label_the_base_model_lacks_and_feature_flags_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("spam.csv");
    let mut text = String::from("text,spam\n");
    for i in 0..40 {
        text.push_str(&format!("commentaire numéro {i},{}\n", i % 2));
    }
    std::fs::write(&data, text).unwrap();
    let out = dir.path().join("m.model");
    // `train` with `args` on the site's file: refused, its stderr returned.
    let refused = |args: &[&str]| {
        let mut all = vec!["train"];
        all.extend_from_slice(args);
        all.extend([
            "--data",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let o = run(&all);
        assert!(!o.status.success(), "{args:?} was accepted");
        stderr(&o)
    };
    let err = refused(&["--from", "default"]);
    assert!(
        err.contains("label 'spam' is not one of the base model's labels (toxic, insult"),
        "{err}"
    );
    assert!(!out.exists());

    // The features are the base model's: flags that would change them are refused.
    let err = refused(&["--from", "default", "--max-features", "500"]);
    assert!(err.contains("cannot be used with"), "{err}");

    // A base model file that does not exist is named.
    let missing = dir.path().join("nope.model");
    let err = refused(&["--from", missing.to_str().unwrap()]);
    assert!(err.contains("nope.model"), "{err}");
    // --adapt means nothing without --from.
    refused(&["--adapt", "warm"]);
}
