//! The text analyzer: what a comment's text becomes before it is featurized.
//!
//! One file per step: [`shouting`] (capitals, on the original text), [`normalize`] (the text the
//! lexicons and n-grams see), [`segment`] (glued words split), [`lexicon`] (term lists matched).
//! [`html`] turns an HTML comment into its text (`score --html`, the Coral endpoint).
//! They share [`tokenize`] (the one tokenizer), [`glue`] (the one glued-word mechanism) and
//! [`lang`] (every word list of a language, French and English, in one place).

pub mod analyzer;
pub mod glue;
pub mod html;
pub mod lang;
pub mod lexicon;
pub mod normalize;
pub mod segment;
pub mod shouting;
pub mod spans;
pub mod tokenize;
