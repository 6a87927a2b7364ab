//! French: the word lists of [`Language::Fr`](super::Language::Fr) (roles documented on
//! [`Words`]).

use super::{embed_lexicons, Words};
use crate::text::lexicon::Category;

pub const WORDS: Words = Words {
    elisions: &["l", "d", "qu", "j", "t", "s", "n", "m", "c"],
    short_pieces: &[
        "de", "du", "le", "la", "un", "ce", "tu", "es", "ta", "sa", "ma", "se", "ne", "en", "au",
        "et",
    ],
    term_glue: &[
        "de", "des", "du", "le", "la", "les", "un", "une", "ce", "ces", "cet", "cette", "sale",
        "sales", "gros", "grosse", "grosses", "espece", "bande", "tu", "es", "tes", "toi", "ta",
        "ton", "vous", "quel", "quelle", "quels", "quelles", "sont", "est", "mon", "ma", "pauvre",
        "petit", "petite", "vieux", "vieille", "sa", "son", "ses", "ils", "elles", "tous",
    ],
    second_person: &[
        "tu", "t", "toi", "te", "ta", "tes", "ton", "vous", "vos", "votre",
    ],
    // Not `de`, `du`, `d`: « traiter de "rats" », « parler de "vermine" » mention the word.
    scare_quote_words: &[
        "le", "la", "l", "les", "un", "une", "des", "ce", "cet", "cette", "ces", "mon", "ma",
        "mes", "ton", "ta", "tes", "son", "sa", "ses", "notre", "nos", "votre", "vos", "leur",
        "leurs", "sale", "sales", "gros", "grosse", "pauvre", "vrai", "vraie", "vrais", "vraies",
        "quel", "quelle", "quels", "quelles", "tous", "toutes",
    ],
    // Acronyms of French names (institutions, parties, unions, media of France, Québec and the
    // Maghreb); names used as they are in every language are in `en.rs`.
    acronyms: &[
        "ONU", "OSDH", "OIAC", "OTAN", "UE", "FMI", "BCE", "HCR", "OMS", "DGSE", "DGSI", "GIGN",
        "RAID", "CRS", "BAC", "SNCF", "RATP", "EDF", "PSG", "OM", "OL", "CAN", "LNH", "PIB", "TVA",
        "SMIC", "RSA", "CAF", "HLM", "PMA", "GPA", "IVG", "PS", "LR", "RN", "FN", "LFI", "EELV",
        "PCF", "NUPES", "MODEM", "CAQ", "PQ", "PLQ", "NPD", "GRC", "SPVM", "SQ", "PJD", "RNI",
        "PAM", "USFP", "FLN", "RCD", "EI", "DAESH", "FDS", "ASL", "CGT", "CFDT", "ONG", "PDG",
        "JT", "BFM", "BFMTV", "AFP", "RFI", "IA", "SIDA", "VIH", "ADN", "DH", "ONF", "OQTF",
        "CEDH", "CPI", "CIJ", "MRE", "CCG", "OPEP", "EAU",
    ],
    // Not `on`, `a`, `as`, `me`, `son`, `y`, `dont` (`don't` unspelt): English or Spanish
    // words too. `de`, `un`, `en`, `se`, `si`, `non` are Spanish or Italian too, but too frequent in
    // French to leave out (Spanish and Italian have other words of their own). With a few
    // frequent adverbs and the chat words `mdr`, `ptdr`, `jsuis`, `chui`.
    function_words: &[
        "le", "la", "les", "des", "du", "une", "et", "est", "sont", "je", "tu", "il", "ils",
        "elle", "elles", "nous", "vous", "que", "qui", "quoi", "pas", "ne", "ce", "cette", "ces",
        "cet", "dans", "pour", "sur", "avec", "mais", "ou", "où", "au", "aux", "sa", "ses", "mon",
        "mes", "ton", "ta", "tes", "leur", "leurs", "nos", "votre", "vos", "lui", "à", "été",
        "être", "très", "était", "comme", "tout", "tous", "toute", "aussi", "même", "donc",
        "alors", "parce", "quand", "sans", "chez", "rien", "moi", "toi", "ça", "cela", "ont",
        "fait", "faut", "peut", "avoir", "de", "un", "en", "te", "se", "si", "va", "vas", "oui",
        "non", "quel", "quelle", "quels", "suis", "ai", "bah", "mdr", "ptdr", "jsuis", "chui",
        "plus", "trop", "bon", "merci", "jamais", "toujours", "encore", "déjà", "ici", "là",
        "voilà", "vraiment",
    ],
    lexicons: embed_lexicons!("fr"),
};
