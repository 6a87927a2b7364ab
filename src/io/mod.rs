//! Files in and out: labeled data sets read for training and evaluation, output files written
//! atomically, SHA-256 digests of what is read and written.

pub mod dataset;
pub mod digest;
pub mod output;
