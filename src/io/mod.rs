//! Files in and out: labeled data sets read for training and evaluation, output files written
//! atomically.

pub mod dataset;
pub mod output;
