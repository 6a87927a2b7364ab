//! The dense signals: the first block of the feature vector, one named value each.
//!
//! Shouting (capitals, `!!!`), lexicon hits per category (`ln(1 + count)`), and four rules a bag
//! of n-grams cannot see: an identity term in the same sentence as a dehumanizing, threat or slur
//! term, and an insult in a sentence addressed to "you".
//!
//! Adding a signal: one line in the `signals!` list below (its index is its place in the list,
//! its name what the model file's weights and the explanations call it), and its value in
//! [`compute`]. A new signal moves every later index, so it needs a retrained model.

use crate::text::analyzer::Analyzed;
use crate::text::lang::is_second_person;
use crate::text::lexicon::IDENTITY_PLACEHOLDER;
use crate::text::lexicon::{Category, LexMatch};
use crate::text::tokenize::{sentences, tokens};

/// Declares [`Signal`] (its discriminant is its index in the vector), [`Signal::ALL`],
/// [`SIGNAL_NAMES`] and [`N_SIGNALS`] from one list, so that they cannot disagree.
macro_rules! signals {
    ($($variant:ident = $name:literal,)*) => {
        /// One dense signal; `signal as usize` is its index in the vector.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Signal {
            $($variant,)*
        }

        /// Names of the dense features, in vector order.
        pub const SIGNAL_NAMES: [&str; N_SIGNALS] = [$($name,)*];
        pub const N_SIGNALS: usize = [$($name,)*].len();

        impl Signal {
            /// Every signal, in vector order.
            pub const ALL: [Signal; N_SIGNALS] = [$(Signal::$variant,)*];
        }
    };
}

signals! {
    Shouting = "shouting",
    CapsWords = "caps_words",
    BangRuns = "bang_runs",
    LexSlur = "lex:slur",
    LexDehumanizing = "lex:dehumanizing",
    LexThreat = "lex:threat",
    LexInsult = "lex:insult",
    LexProfanity = "lex:profanity",
    LexIdentity = "lex:identity",
    IdentityDehumanizing = "identity+dehumanizing",
    IdentityThreat = "identity+threat",
    IdentitySlur = "identity+slur",
    YouInsult = "you+insult",
}

impl Signal {
    pub fn name(self) -> &'static str {
        SIGNAL_NAMES[self as usize]
    }

    /// The count of a lexicon category's hits.
    pub fn lexicon(category: Category) -> Signal {
        match category {
            Category::Slur => Signal::LexSlur,
            Category::Dehumanizing => Signal::LexDehumanizing,
            Category::Threat => Signal::LexThreat,
            Category::Insult => Signal::LexInsult,
            Category::Profanity => Signal::LexProfanity,
            Category::Identity => Signal::LexIdentity,
        }
    }

    /// The lexicon category a signal counts, if it is a lexicon signal.
    pub fn category(self) -> Option<Category> {
        Category::ALL
            .into_iter()
            .find(|&c| Signal::lexicon(c) == self)
    }

    /// The reason an explanation gives for this signal (lexicon signals are explained by their
    /// terms instead): the capitals signals are both `shouting`, `!!!` runs are `!!!`.
    pub fn reason(self) -> &'static str {
        match self {
            Signal::Shouting | Signal::CapsWords => "shouting",
            Signal::BangRuns => "!!!",
            other => other.name(),
        }
    }
}

/// The signals of an analyzed comment, indexed by [`Signal`].
/// `shouting_floor`, `quoted_mentions`: see [`crate::features::FeatureConfig`]'s fields.
pub fn compute(
    analyzed: &Analyzed,
    shouting_floor: f32,
    quoted_mentions: bool,
) -> [f32; N_SIGNALS] {
    let Analyzed {
        caps,
        normalized,
        lexicon,
        ..
    } = analyzed;
    let lexicon = lexicon.iter().filter(|m| counts(m, quoted_mentions));
    let mut signals = [0f32; N_SIGNALS];
    let mut set = |s: Signal, v: f32| signals[s as usize] = v;
    let shouting = if shouting_floor > 0.0 {
        ((caps.shouting() - shouting_floor) / (1.0 - shouting_floor)).max(0.0)
    } else {
        caps.shouting()
    };
    set(Signal::Shouting, shouting);
    set(Signal::CapsWords, (caps.caps_words as f32).ln_1p());
    set(Signal::BangRuns, (caps.bang_runs as f32).ln_1p());
    let mut counts = [0u32; Category::ALL.len()];
    for m in lexicon.clone() {
        counts[m.category.index()] += 1;
    }
    // With masked group names, each mention counts once, however many identity entries matched
    // it (`québécois` is also `québec*`): the same count for every group.
    // (A text without the placeholder's letters is not tokenized for it.)
    let masked = if normalized.contains(IDENTITY_PLACEHOLDER) {
        tokens(normalized)
            .filter(|&t| t == IDENTITY_PLACEHOLDER)
            .count() as u32
    } else {
        0
    };
    if masked > 0 {
        counts[Category::Identity.index()] = masked;
    }
    for c in Category::ALL {
        set(Signal::lexicon(c), (counts[c.index()] as f32).ln_1p());
    }
    let in_sentence = |a: Category, b: Category| {
        lexicon.clone().any(|m| {
            m.category == a
                && lexicon
                    .clone()
                    .any(|o| o.category == b && o.sentence == m.sentence)
        })
    };
    let yes = |b: bool| b as u8 as f32;
    set(
        Signal::IdentityDehumanizing,
        yes(in_sentence(Category::Identity, Category::Dehumanizing)),
    );
    set(
        Signal::IdentityThreat,
        yes(in_sentence(Category::Identity, Category::Threat)),
    );
    set(
        Signal::IdentitySlur,
        yes(in_sentence(Category::Identity, Category::Slur)),
    );
    if counts[Category::Insult.index()] > 0 {
        let you = sentences(normalized)
            .enumerate()
            .filter(|(_, s)| tokens(s).any(is_second_person))
            .map(|(i, _)| i as u32)
            .collect::<Vec<_>>();
        set(
            Signal::YouInsult,
            yes(lexicon
                .clone()
                .any(|m| m.category == Category::Insult && you.contains(&m.sentence))),
        );
    }
    signals
}

/// Whether a lexicon hit counts in the signals: with `quoted_mentions`, an abusive term inside
/// quotation marks is a mention and does not (a group name always does); an animal, pest or
/// disease word that nothing says of people ([`LexMatch::literal`]) never does.
pub fn counts(m: &LexMatch, quoted_mentions: bool) -> bool {
    let mention = quoted_mentions && m.quoted && m.category != Category::Identity;
    !(m.literal || mention)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_indices_and_categories_agree() {
        assert_eq!(N_SIGNALS, 13);
        for (i, s) in Signal::ALL.into_iter().enumerate() {
            assert_eq!(s as usize, i);
            assert_eq!(s.name(), SIGNAL_NAMES[i]);
        }
        for c in Category::ALL {
            let s = Signal::lexicon(c);
            assert_eq!(s.name(), format!("lex:{c}"));
            assert_eq!(s.category(), Some(c));
        }
        assert_eq!(Signal::YouInsult.category(), None);
        assert_eq!(Signal::CapsWords.reason(), "shouting");
        assert_eq!(Signal::IdentitySlur.reason(), "identity+slur");
    }
}
