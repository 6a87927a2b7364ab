//! Files in and out: what an input file is (encoding, delimiter), its records read with bounds
//! and line numbers, labeled data sets read for training and evaluation, output files written
//! atomically, SHA-256 digests of what is read and written.

pub mod dataset;
pub mod digest;
pub mod input;
pub mod output;
pub mod records;
