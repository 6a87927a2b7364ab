//! The text analyzer: what a comment's text becomes before it is featurized.

pub mod analyzer;
pub mod lexicon;
pub mod normalize;
pub mod segment;
pub mod shouting;
