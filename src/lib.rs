//! `moderate`: a moderation classifier for news comment sections.
//!
//! Data flows one way: text → [`normalize`] → [`segment`] (glued words split, with the model's
//! words) → [`features`] (with [`shouting`] and [`lexicon`]
//! signals, vocabulary from [`vocab`]) → per-label logistic model ([`model`], trained by [`train`]
//! through [`logistic`]) → scores and reasons → output rows ([`batch`]).

pub mod batch;
pub mod dataset;
pub mod error;
pub mod eval;
pub mod features;
pub mod lexicon;
pub mod logistic;
pub mod metrics;
pub mod model;
pub mod normalize;
pub mod output;
pub mod report;
pub mod segment;
pub mod serve;
pub mod shouting;
pub mod train;
pub mod vocab;
