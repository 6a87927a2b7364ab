//! French: the report and `explain` for the moderation leads of French-language sites.
//!
//! Typography: « » quotes and a no-break space (U+00A0) before `:` `;` `%` and inside the quotes;
//! decimal comma; thousands already separated by a narrow no-break space in every language.

use super::{Plural, Text};

const fn forms(one: &'static str, other: &'static str) -> Plural {
    Plural { one, other }
}

pub static TEXT: Text = Text {
    code: "fr",
    decimal_mark: ',',
    percent: "{v}\u{a0}%",
    singular: |n| n <= 1,
    label_words: &[
        ("toxic", "propos toxiques"),
        ("insult", "insulte"),
        ("slur", "injure discriminatoire"),
        ("dehumanizing", "déshumanisation"),
        ("threat", "menace"),
        ("shouting", "cris (majuscules)"),
    ],

    eval_title: "rapport d'évaluation",
    held_out_title: "rapport sur les lignes mises de côté",
    held_out_note: "les lignes mises de côté parmi les {rows} lignes lues (--holdout {holdout}, \
                    --seed {seed}), jamais utilisées pour l'entraînement",
    default_model: "modèle par défaut intégré",
    meta_model: "Modèle",
    meta_model_sha: "SHA-256 du modèle",
    meta_model_trained: "Modèle entraîné le",
    model_trained: "{date} (moderate {version}, graine {seed})",
    unknown_date: "date inconnue",
    meta_data: "Données",
    data_source: "{path} — {rows} lignes, SHA-256 {sha}",
    meta_rows_scored: "Lignes évaluées",
    meta_report_made: "Rapport établi le",
    base_rate_note: "La précision, la PR AUC et la part des commentaires envoyés en modération \
                     sont calculées à la prévalence retenue par le modèle (la part des \
                     commentaires que signale un véritable espace de commentaires), et non à celle \
                     des données, presque toujours bien plus élevée dans des données annotées\u{a0}; \
                     le rappel et la ROC AUC n'en dépendent pas.",

    summary_heading: "Synthèse",
    summary_columns: [
        "étiquette",
        "lignes",
        "avec l'étiquette",
        "ROC AUC",
        "PR AUC",
        "prévalence",
        "seuil",
        "précision",
        "rappel",
        "F1",
    ],
    not_evaluated: "Non évaluées (colonne absente ou sans valeur dans les données)\u{a0}: {labels}",

    adapted_heading: "Modèle de base et modèle adapté",
    adapted_note: "Modèle de base\u{a0}: {base}. Chaque étiquette de \
                   votre fichier a été réapprise\u{a0}; les autres sont celles du modèle de base, \
                   inchangées. Les deux modèles ont noté les mêmes lignes mises de côté\u{a0}; \
                   plus les chiffres sont hauts, mieux c'est.",
    adapted_columns: [
        "étiquette",
        "lignes",
        "avec l'étiquette",
        "ROC AUC base",
        "ROC AUC adapté",
        "PR AUC base",
        "PR AUC adapté",
    ],

    label_summary: "Au seuil de <b>{threshold}</b> retenu par le modèle, et pour une prévalence de \
                    {base_rate}, <b>{review}</b> de l'ensemble des commentaires seraient envoyés \
                    en modération et <b>{recall}</b> des commentaires «\u{a0}{name}\u{a0}» \
                    seraient repérés\u{a0}; <b>{precision}</b> des commentaires signalés seraient \
                    réellement «\u{a0}{name}\u{a0}» (précision). ROC AUC {roc_auc}, PR AUC \
                    {pr_auc}, F1 {f1}.",
    only_negatives: "Aucune ligne ici n'est «\u{a0}{name}\u{a0}»\u{a0}: les courbes et les AUC \
                     demandent des commentaires des deux sortes, elles sont donc vides.",
    only_positives: "Toutes les lignes ici sont «\u{a0}{name}\u{a0}»\u{a0}: les courbes et les \
                     AUC demandent des commentaires des deux sortes, elles sont donc vides.",
    confusion_caption: "Matrice de confusion sur ces lignes (effectifs bruts, sans repondération)",
    confusion_flagged: "signalés (score ≥ {threshold})",
    confusion_not_flagged: "non signalés",
    confusion_with: "«\u{a0}{name}\u{a0}»",
    confusion_without: "pas «\u{a0}{name}\u{a0}»",
    confusion_caught: forms("{n} repéré", "{n} repérés"),
    confusion_missed: forms("{n} manqué", "{n} manqués"),
    confusion_false_alarms: forms("{n} fausse alerte", "{n} fausses alertes"),
    confusion_left_alone: forms("{n} laissé en ligne", "{n} laissés en ligne"),
    budget_table: "Tableau du budget de modération",
    budget_columns: [
        "seuil",
        "envoyés en modération",
        "«\u{a0}{name}\u{a0}» repérés",
        "précision",
    ],
    worst_false_positives: "Pires faux positifs\u{a0}: pas «\u{a0}{name}\u{a0}», aux scores les \
                            plus hauts",
    worst_false_negatives: "Pires faux négatifs\u{a0}: «\u{a0}{name}\u{a0}», aux scores les plus \
                            bas",
    shown_of: "{shown} sur {total}",
    none: "Aucun.",
    error_columns: [
        "score",
        "emplacement",
        "commentaire",
        "fait monter / baisser le score",
    ],

    roc_title: "{name}\u{a0}: courbe ROC (AUC {auc})",
    roc_x: "commentaires sans «\u{a0}{name}\u{a0}» signalés",
    caught_axis: "commentaires «\u{a0}{name}\u{a0}» repérés",
    chance: "hasard",
    model: "modèle",
    threshold_marker: "seuil {threshold}",
    pr_title: "{name}\u{a0}: précision-rappel (AP {ap}, prévalence {base_rate})",
    pr_x: "rappel (commentaires «\u{a0}{name}\u{a0}» repérés)",
    pr_y: "précision à la prévalence",
    histogram_title: "{name}\u{a0}: scores de chaque classe",
    histogram_without: forms(
        "sans «\u{a0}{name}\u{a0}»\u{a0}: {n} commentaire",
        "sans «\u{a0}{name}\u{a0}»\u{a0}: {n} commentaires",
    ),
    histogram_with: forms(
        "avec «\u{a0}{name}\u{a0}»\u{a0}: {n} commentaire",
        "avec «\u{a0}{name}\u{a0}»\u{a0}: {n} commentaires",
    ),
    histogram_x: "score",
    histogram_y: "commentaires",
    budget_title: "{name}\u{a0}: budget de modération (prévalence {base_rate})",
    budget_x: "part des commentaires envoyés en modération",
    perfect_or_random: "modèle parfait / hasard",
    budget_marker: "seuil {threshold}\u{a0}: {review} en modération, {caught} repérés",

    explain_threshold: "(seuil {threshold})",
    explain_flagged: "SIGNALÉ",
    explain_intercept: "constante (le point de départ de tout commentaire)",
    explain_calibration: "calibrage (le décalage vers une prévalence de {rate}\u{a0}%)",
};
