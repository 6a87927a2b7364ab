//! Sentences of the original text, with byte and code-point offsets: what the model pools over
//! (a comment scores at least as high as its worst sentence) and what the Perspective API's
//! `spanAnnotations` report.

/// A sentence of the original text: byte range (to slice the text) and code-point range (what
/// the Perspective API reports as `begin`/`end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub byte_start: usize,
    pub byte_end: usize,
    pub begin: usize,
    pub end: usize,
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ';' | ':' | '…') || is_line_break(c)
}

/// The line breaks that end a sentence: those [`crate::text::normalize`] turns into `\n` (a lone
/// `\r` of old Mac files, and Unicode's LINE SEPARATOR and PARAGRAPH SEPARATOR), so that the
/// spans here and the sentences of the normalized text agree.
fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// False when [`sentence_spans`] cannot find two sentences in `text`: no terminator before its
/// closing run of terminators and white space. (The first sentence then runs to that run, and
/// what follows it has no letter or digit.) A scan without collecting the characters.
pub fn may_have_sentences(text: &str) -> bool {
    text.trim_end_matches(|c: char| is_terminator(c) || c.is_whitespace())
        .contains(is_terminator)
}

/// Split `text` into sentences, as [`crate::text::tokenize::sentences`] does on normalized text (on
/// `.`, `!`, `?`, `;`, `:`, `…` and line breaks: `\n`, `\r`, U+2028, U+2029), but on the original
/// text and with offsets.
///
/// A sentence keeps its closing punctuation (`"Quoi ?!"` is one span) and drops the white space
/// around it. A run of terminators ends a sentence only when white space or the end of the text
/// follows it, or it holds a line break, so `3.5`, `b.o.u.g` and `http://` stay inside their
/// sentence, and neither do initials and dotted abbreviations (`J.-P. Martin`, `p.s. merci`,
/// `U.S.A. et`: a dot after a one-letter word). Spans without a letter or digit (`"..."`, `"🙂"`) are left out. Offsets are counted
/// in Unicode code points (`begin` inclusive, `end` exclusive).
pub fn sentence_spans(text: &str) -> Vec<Span> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut spans = Vec::new();
    let mut start = 0usize; // index into `chars`
    let mut i = 0usize;
    while i < chars.len() {
        if !is_terminator(chars[i].1) {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut newline = false;
        while j < chars.len() && is_terminator(chars[j].1) {
            newline |= is_line_break(chars[j].1);
            j += 1;
        }
        let boundary = (newline || j == chars.len() || chars[j].1.is_whitespace())
            && !(j == i + 1 && chars[i].1 == '.' && !newline && after_initial(&chars, i));
        if boundary {
            push_span(text, &chars, start, j, &mut spans);
            start = j;
        }
        i = j;
    }
    push_span(text, &chars, start, chars.len(), &mut spans);
    spans
}

/// Whether the dot at `dot` closes a one-letter word (`J.`, `p.s.`, `U.S.A.`, `J.-P.`).
fn after_initial(chars: &[(usize, char)], dot: usize) -> bool {
    let letters = chars[..dot]
        .iter()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric())
        .count();
    letters == 1
        && (dot < 2 || {
            let before = chars[dot - 2].1;
            !before.is_alphanumeric()
        })
}

/// The clauses of `sentence` (a span of `text`): it is cut after each comma and before each
/// word that opens a clause (`is_opener`, given the word in lower case: `que`, `qui`, `mais`,
/// `that`…). Empty when the sentence is one clause. Offsets as [`sentence_spans`] gives them.
pub fn clause_spans(text: &str, sentence: Span, is_opener: impl Fn(&str) -> bool) -> Vec<Span> {
    let body = &text[sentence.byte_start..sentence.byte_end];
    // Cut points, as byte offsets into `body`.
    let mut cuts: Vec<usize> = body.match_indices(',').map(|(i, _)| i + 1).collect();
    cuts.extend(
        crate::text::tokenize::spans(body)
            .filter(|&(s, e)| s > 0 && is_opener(&body[s..e].to_lowercase()))
            .map(|(s, _)| s),
    );
    if cuts.is_empty() {
        return Vec::new();
    }
    cuts.sort_unstable();
    cuts.dedup();
    let chars: Vec<(usize, char)> = body.char_indices().collect();
    let index = |byte: usize| chars.partition_point(|&(b, _)| b < byte);
    let mut pieces = Vec::new();
    let mut from = 0;
    for to in cuts.into_iter().chain([body.len()]) {
        push_span(body, &chars, index(from), index(to), &mut pieces);
        from = to;
    }
    if pieces.len() < 2 {
        return Vec::new();
    }
    for p in &mut pieces {
        p.byte_start += sentence.byte_start;
        p.byte_end += sentence.byte_start;
        p.begin += sentence.begin;
        p.end += sentence.begin;
    }
    pieces
}

fn push_span(
    text: &str,
    chars: &[(usize, char)],
    mut from: usize,
    mut to: usize,
    out: &mut Vec<Span>,
) {
    while from < to && chars[from].1.is_whitespace() {
        from += 1;
    }
    while to > from && chars[to - 1].1.is_whitespace() {
        to -= 1;
    }
    if from >= to || !chars[from..to].iter().any(|(_, c)| c.is_alphanumeric()) {
        return;
    }
    let byte_end = chars.get(to).map_or(text.len(), |&(b, _)| b);
    out.push(Span {
        byte_start: chars[from].0,
        byte_end,
        begin: from,
        end: to,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        sentence_spans(text)
            .iter()
            .map(|s| &text[s.byte_start..s.byte_end])
            .collect()
    }

    fn clauses(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for sentence in sentence_spans(text) {
            for c in clause_spans(text, sentence, crate::text::lang::is_clause_opener) {
                assert_eq!(
                    c.end - c.begin,
                    text[c.byte_start..c.byte_end].chars().count(),
                    "code points and bytes agree"
                );
                out.push(&text[c.byte_start..c.byte_end]);
            }
        }
        out
    }

    #[test]
    fn a_sentence_is_cut_after_commas_and_before_the_words_that_open_a_clause() {
        assert_eq!(
            clauses("Les USA ont du mal à accepter que leurs alliés se fassent battre à Alep"),
            vec![
                "Les USA ont du mal à accepter",
                "que leurs alliés se fassent battre à Alep"
            ]
        );
        // Commas, an elided `qu'`, capitals, and the offsets of a later sentence.
        let text = "Bonjour. Ces gens-là, Qu'ils partent, mais vite";
        assert_eq!(
            clauses(text),
            vec!["Ces gens-là,", "Qu'ils partent,", "mais vite"]
        );
        let c = clause_spans(
            text,
            sentence_spans(text)[1],
            crate::text::lang::is_clause_opener,
        );
        assert_eq!((c[1].begin, c[1].end), (22, 37));
        // English openers; a word that only contains one (`quelque`, `butter`) is not one.
        assert_eq!(
            clauses("They said that the butter was off"),
            vec!["They said", "that the butter was off"]
        );
        assert!(clauses("Quelque chose cloche ici").is_empty());
        // One clause: nothing to pool apart from the sentence.
        assert!(clauses("Que dire de plus").is_empty());
        assert!(clauses("Ces rats doivent partir").is_empty());
    }

    #[test]
    fn unicode_line_and_paragraph_separators_end_a_sentence() {
        assert_eq!(
            texts("Bonjour\u{2028}sales rats\u{2029}Fin"),
            vec!["Bonjour", "sales rats", "Fin"]
        );
        // A lone `\r` too; CRLF is one break, not two.
        assert_eq!(texts("un\rdeux\r\ntrois."), vec!["un", "deux", "trois."]);
        // Offsets still count code points: U+2028 is one.
        let spans = sentence_spans("Oui\u{2028}non");
        assert_eq!((spans[1].begin, spans[1].end), (4, 7));
        assert_eq!(spans[1].byte_start, 6);
    }

    #[test]
    fn perspective_example_offsets() {
        // The example in Perspective's API reference: [0,31) and [32,56).
        let text = "What kind of idiot name is foo? Sorry, I like your name.";
        let spans = sentence_spans(text);
        assert_eq!(
            spans.iter().map(|s| (s.begin, s.end)).collect::<Vec<_>>(),
            vec![(0, 31), (32, 56)]
        );
    }

    #[test]
    fn offsets_are_code_points() {
        let text = "Ça va ? Élégant 🙂 oui.";
        let spans = sentence_spans(text);
        assert_eq!(texts(text), vec!["Ça va ?", "Élégant 🙂 oui."]);
        assert_eq!((spans[1].begin, spans[1].end), (8, 22));
        let chars: Vec<char> = text.chars().collect();
        let s: String = chars[spans[1].begin..spans[1].end].iter().collect();
        assert_eq!(s, "Élégant 🙂 oui.");
    }

    #[test]
    fn no_split_inside_numbers_urls_and_dotted_words() {
        assert_eq!(
            texts("Il a 3.5 ans, va voir http://x.fr ! Sale b.o.u.g. Fin"),
            vec!["Il a 3.5 ans, va voir http://x.fr !", "Sale b.o.u.g. Fin"]
        );
        assert_eq!(
            texts("Quoi ?!  Non...\nOui"),
            vec!["Quoi ?!", "Non...", "Oui"]
        );
        assert!(texts("... 🙂 !!").is_empty());
        assert_eq!(
            texts("Merci J.-P. Martin, et p.s. les U.S.A. aussi. Fin."),
            vec!["Merci J.-P. Martin, et p.s. les U.S.A. aussi.", "Fin."]
        );
    }
}
