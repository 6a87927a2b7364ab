//! Sparse vectors: the featurized comment, and a training row.

/// A sparse vector: indices strictly increasing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec {
    pub idx: Vec<u32>,
    pub val: Vec<f32>,
}

impl SparseVec {
    /// Replace the values of indices `start..start + values.len()` (zeros are left out).
    pub fn set_range(&mut self, start: u32, values: &[f32]) {
        let end = start + values.len() as u32;
        let lo = self.idx.partition_point(|&i| i < start);
        let hi = self.idx.partition_point(|&i| i < end);
        let (idx, val): (Vec<u32>, Vec<f32>) = values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(k, &v)| (start + k as u32, v))
            .unzip();
        self.idx.splice(lo..hi, idx);
        self.val.splice(lo..hi, val);
    }

    pub fn dot(&self, dense: &[f32]) -> f32 {
        self.idx
            .iter()
            .zip(&self.val)
            .map(|(&i, &v)| dense[i as usize] * v)
            .sum()
    }

    /// The value at `index` (0 when absent).
    pub fn get(&self, index: u32) -> f32 {
        match self.idx.binary_search(&index) {
            Ok(p) => self.val[p],
            Err(_) => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_range_replaces_a_block() {
        let mut v = SparseVec {
            idx: vec![1, 3, 4, 9],
            val: vec![1.0, 3.0, 4.0, 9.0],
        };
        v.set_range(3, &[0.5, 0.0, 0.7]);
        assert_eq!(v.idx, [1, 3, 5, 9]);
        assert_eq!(v.val, [1.0, 0.5, 0.7, 9.0]);
        assert_eq!(v.get(5), 0.7);
        assert_eq!(v.get(4), 0.0);
        assert_eq!(
            v.dot(&[0.0, 2.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]),
            2.0 + 0.5 + 0.7
        );
    }
}
