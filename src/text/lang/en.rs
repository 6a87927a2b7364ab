//! English: the word lists of [`Language::En`](super::Language::En) (roles documented on
//! [`Words`]).

use super::{embed_lexicons, Words};
use crate::text::lexicon::Category;

pub const WORDS: Words = Words {
    elisions: &[],
    short_pieces: &[
        "of", "is", "an", "ur", "my", "to", "be", "so", "go", "me", "us",
    ],
    term_glue: &[
        "you", "ur", "your", "youre", "the", "an", "these", "those", "this", "that", "fucking",
        "fuckin", "stupid", "dumb", "such", "what", "bunch", "of", "are", "is", "little", "dirty",
        "filthy", "all", "them", "they", "go",
    ],
    second_person: &["you", "your", "youre", "ur", "u", "yourself"],
    scare_quote_words: &[
        "the", "a", "an", "these", "those", "this", "that", "your", "their", "our", "his", "her",
        "my", "dirty", "filthy", "stupid", "fat", "all", "such", "real",
    ],
    clause_openers: &[
        "that", "who", "which", "whom", "but", "because", "while", "whereas", "although", "when",
    ],
    clause_frames: &[
        "not",
        "never",
        "no",
        "nobody",
        "wrong",
        "false",
        "dont",
        "don",
        "doesn",
        "doesnt",
        "isn",
        "isnt",
        "aren",
        "arent",
        "didn",
        "didnt",
        "say",
        "says",
        "said",
        "saying",
        "claim",
        "claims",
        "claimed",
        "think",
        "thinks",
        "thought",
        "believe",
        "believes",
        "call",
        "calls",
        "called",
        "calling",
        "write",
        "writes",
        "wrote",
        "written",
        "tweeted",
        "read",
        "heard",
        "shout",
        "shouted",
        "shouting",
        "compare",
        "compared",
        "comparing",
        "accuse",
        "accused",
    ],
    // Acronyms of English names, and names used as they are in every language (FIFA, CNN, COVID,
    // currency codes).
    // Not `the`, `our`, `your`: « the rats in the subway », « check your dogs ».
    people_pointers: &[
        "these", "those", "this", "that", "youre", "filthy", "dirty", "bunch", "pack", "such",
        "real",
    ],
    predicates: &[
        "are", "is", "were", "was", "be", "become", "became", "like", "nothing",
    ],
    acronyms: &[
        "UN", "OPCW", "NATO", "USA", "US", "EU", "UK", "IMF", "ECB", "UNHCR", "UNRWA", "UNICEF",
        "WHO", "CIA", "FBI", "NSA", "FC", "FIFA", "UEFA", "NBA", "NHL", "NFL", "GDP", "LGBT",
        "LGBTQ", "LGBTQIA", "NDP", "RCMP", "ISIS", "HTS", "FSA", "YPG", "PKK", "IDF", "SDF", "NGO",
        "CEO", "TV", "CNN", "BBC", "AP", "OK", "AI", "COVID", "AIDS", "HIV", "DNA", "USD", "EUR",
        "CAD", "MAD", "ICC", "ICJ", "GCC", "OPEC", "KSA", "UAE",
    ],
    // Not `a`, `an`, `on`, `so`, `me`, `as`, `die`: words of other languages too (`die`,
    // German, is also an English threat, which must stay English). `don` is `don't` cut at its
    // apostrophe (`dont` is French).
    function_words: &[
        "the", "and", "is", "are", "was", "were", "been", "of", "to", "in", "that", "this",
        "these", "those", "it", "its", "you", "your", "he", "she", "they", "we", "i", "my", "his",
        "her", "their", "our", "with", "for", "not", "but", "have", "has", "had", "do", "does",
        "did", "will", "would", "can", "should", "what", "who", "which", "from", "at", "by", "or",
        "just", "there", "here", "about", "if", "them", "him", "don", "doesn", "isn", "didn",
        "aren", "wasn", "u", "ur", "im", "up", "off", "get", "got", "go", "all", "out", "like",
        "when", "how", "why", "be", "am", "yall", "aint", "gonna", "wanna", "being", "no", "one",
        "more", "some", "any", "than", "then", "too", "very", "only", "never", "ever", "yeah",
        "yes",
    ],
    lexicons: embed_lexicons!("en"),
};
