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
    lexicons: embed_lexicons!("fr"),
};
