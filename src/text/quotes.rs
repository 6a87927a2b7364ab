//! Quotations: the spans of a normalized comment its author puts between quotation marks.
//!
//! Counter-speech and news comments quote what they condemn (« “Mort aux juifs”, voilà ce qu'on
//! a entendu, c'est une honte »): the quoted words are somebody else's. The lexicon marks the hits
//! inside these spans ([`crate::text::lexicon::LexMatch::quoted`]) so that the co-occurrence
//! signals can be read from the author's own words ([`crate::features::signals`]).
//!
//! What is a quotation: text between `«` and `»`, `“` and `”`, `„` and `“`/`”`, `‹` and `›`, or
//! two straight `"`. Single quotes are not (`l'homme`, `don't`). Nothing is quoted when:
//! - a mark is never closed (`« sale …` does not quote the rest of the comment);
//! - the author has fewer than [`MIN_OWN_TOKENS`] words outside quotation marks: a comment that
//!   is all quotation (`"Sale bougnoule"`) is the author's own words put in marks, and reading it
//!   as a quotation would let anyone hide an insult between two `"`.

use crate::text::tokenize::spans;

/// Words the author must write outside quotation marks for the marks to count as a quotation.
pub const MIN_OWN_TOKENS: usize = 3;

/// The closing mark of an opening quotation mark, or None.
fn closer(open: char) -> Option<&'static [char]> {
    match open {
        '«' => Some(&['»']),
        '“' => Some(&['”']),
        '„' => Some(&['“', '”']),
        '‹' => Some(&['›']),
        '"' => Some(&['"']),
        _ => None,
    }
}

/// The byte spans (from the opening mark to the closing mark, both included) of the quotations of
/// a normalized text, in order; empty when the text has none by the rules above.
pub fn quoted_spans(normalized: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut open: Option<(usize, &[char])> = None;
    for (i, c) in normalized.char_indices() {
        match open {
            Some((start, closing)) if closing.contains(&c) => {
                found.push((start, i + c.len_utf8()));
                open = None;
            }
            Some(_) => {}
            None => {
                if let Some(closing) = closer(c) {
                    open = Some((i, closing));
                }
            }
        }
    }
    if found.is_empty() {
        return found;
    }
    let own = spans(normalized)
        .filter(|&(s, _)| !inside(&found, s))
        .count();
    if own < MIN_OWN_TOKENS {
        found.clear();
    }
    found
}

/// Whether byte offset `at` is inside one of `spans` (sorted, as [`quoted_spans`] returns them).
pub fn inside(spans: &[(usize, usize)], at: usize) -> bool {
    let i = spans.partition_point(|&(_, end)| end <= at);
    spans.get(i).is_some_and(|&(start, _)| start <= at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted_words(text: &str) -> Vec<&str> {
        let q = quoted_spans(text);
        spans(text)
            .filter(|&(s, _)| inside(&q, s))
            .map(|(s, e)| &text[s..e])
            .collect()
    }

    #[test]
    fn french_english_and_straight_marks_quote() {
        assert_eq!(
            quoted_words("ils criaient « mort aux juifs » dans la rue, honteux"),
            ["mort", "aux", "juifs"]
        );
        assert_eq!(
            quoted_words("he wrote \"kill them all\" and was banned, rightly"),
            ["kill", "them", "all"]
        );
        assert_eq!(
            quoted_words("le slogan “sale arabe” est puni par la loi"),
            ["sale", "arabe"]
        );
        assert_eq!(
            quoted_words("„raus“ riefen sie, und die polizei kam"),
            ["raus"]
        );
    }

    #[test]
    fn several_quotations_and_words_between_them() {
        assert_eq!(
            quoted_words("entre « vermine » et « cafards », ce ministre a tout dit"),
            ["vermine", "cafards"]
        );
    }

    #[test]
    fn single_quotes_and_apostrophes_do_not_quote() {
        assert!(quoted_words("l'homme a dit 'dehors' et c'est tout").is_empty());
        assert!(quoted_words("don't say it's fine").is_empty());
    }

    #[test]
    fn an_unclosed_mark_quotes_nothing() {
        assert!(quoted_words("« sale bougnoule, dégage de notre pays").is_empty());
        assert!(quoted_words("il a dit \"dehors les rats et puis rien").is_empty());
    }

    #[test]
    fn a_comment_that_is_all_quotation_is_the_authors_own_words() {
        assert!(quoted_words("\"sale bougnoule\"").is_empty());
        assert!(quoted_words("« mort aux juifs » voilà").is_empty());
        assert_eq!(
            quoted_words("« mort aux juifs » voilà ce qu'ils"),
            ["mort", "aux", "juifs"]
        );
    }

    #[test]
    fn inside_is_exact_at_the_edges() {
        let q = [(2, 5), (9, 12)];
        let at: Vec<bool> = (0..14).map(|i| inside(&q, i)).collect();
        assert_eq!(
            at,
            [
                false, false, true, true, true, false, false, false, false, true, true, true,
                false, false
            ]
        );
    }
}
