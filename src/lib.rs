//! `moderate`: a moderation classifier for news comment sections.
//!
//! Data flows one way, one folder per stage: [`text`] (the analyzer: cap, shouting, normalize,
//! segment, lexicon) → [`features`] (the sparse vector) → [`model`] (per-label logistic scores and
//! their reasons; trained by [`train`]) → [`score`] (streaming output rows) and [`eval`] (metrics
//! and reports). [`io`] reads labeled files and writes output files atomically; [`serve`] answers
//! HTTP requests with the same model. [`i18n`] holds every text people read in the report and
//! `explain`, per language.

pub mod error;
pub mod eval;
pub mod features;
pub mod i18n;
pub mod io;
pub mod model;
pub mod score;
pub mod serve;
pub mod text;
pub mod train;
