//! Glued words, the one mechanism: reading one long token as a sequence of words
//! (`deconnardfini` → `de` `connard` `fini`).
//!
//! Two stages use it, each with its own list of short words (see
//! [`Words::short_pieces`](crate::text::lang::Words::short_pieces) and
//! [`Words::term_glue`](crate::text::lang::Words::term_glue) for why they differ):
//! [`crate::text::segment`] splits a glued token into known words before the n-grams see it, and
//! the lexicon finds a term glued to other words inside one token. Both try tokens of [`MIN_LEN`]
//! bytes or more, cut into pieces of at most [`MAX_PIECE`] bytes, with [`fewest_pieces`].

/// Shortest token, in bytes, read as glued words.
pub const MIN_LEN: usize = 7;
/// Longest piece tried, in bytes.
pub const MAX_PIECE: usize = 24;

/// The fewest pieces `token` splits into, each at most `longest` bytes and accepted by
/// `is_piece`: the end offset of each piece (none for an empty token), or `None` when it does not
/// split. Among splits with as few pieces, the one with the longest last piece wins, then the
/// longest piece before it, and so on: deterministic.
pub fn fewest_pieces(
    token: &str,
    longest: usize,
    is_piece: impl Fn(&str) -> bool,
) -> Option<Vec<usize>> {
    let n = token.len();
    // best[j]: fewest pieces covering token[..j], and where its last piece starts.
    let mut best: Vec<Option<(u32, usize)>> = vec![None; n + 1];
    best[0] = Some((0, 0));
    for j in 1..=n {
        if !token.is_char_boundary(j) {
            continue;
        }
        for i in j.saturating_sub(longest)..j {
            let Some((count, _)) = best[i] else {
                continue;
            };
            if is_piece(&token[i..j]) && best[j].is_none_or(|(c, _)| count + 1 < c) {
                best[j] = Some((count + 1, i));
            }
        }
    }
    let (count, _) = best[n]?;
    let mut cuts = Vec::with_capacity(count as usize);
    let mut j = n;
    while j > 0 {
        cuts.push(j);
        j = best[j]?.1;
    }
    cuts.reverse();
    Some(cuts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(token: &str, known: &[&str]) -> Option<Vec<String>> {
        let cuts = fewest_pieces(token, MAX_PIECE, |p| known.contains(&p))?;
        let starts = std::iter::once(0).chain(cuts.iter().copied());
        Some(
            starts
                .zip(&cuts)
                .map(|(a, &b)| token[a..b].into())
                .collect(),
        )
    }

    #[test]
    fn fewest_pieces_and_only_whole_splits() {
        let known = ["de", "con", "connard", "nard", "fini", "é", "dé"];
        assert_eq!(
            words("deconnardfini", &known).unwrap(),
            ["de", "connard", "fini"]
        );
        assert_eq!(words("deconnardxyz", &known), None);
        assert_eq!(words("", &known), Some(vec![]));
        // Cuts fall on character boundaries only.
        assert_eq!(words("défini", &known).unwrap(), ["dé", "fini"]);
        // `longest` bounds a piece.
        assert_eq!(fewest_pieces("connard", 4, |p| p == "connard"), None);
        assert!(fewest_pieces("connard", 7, |p| p == "connard").is_some());
    }

    #[test]
    fn ties_are_broken_the_same_way_every_time() {
        // `abcd` is `ab`+`cd` or `a`+`bcd`: equal counts, the first found is kept.
        let known = ["ab", "cd", "a", "bcd"];
        assert_eq!(words("abcd", &known).unwrap(), ["a", "bcd"]);
    }
}
