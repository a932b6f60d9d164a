//! A fast hasher for the short-lived maps of one request's text analysis (analysed terms of staff-
//! written articles, per request and bounded in number: a crafted collision would slow one request
//! a little, nothing more): the multiply-rotate step of rustc's FxHasher. The standard
//! SipHash was a tenth of a related-articles computation.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_behave_like_maps() {
        let mut m: FastMap<String, u32> = FastMap::default();
        for (i, w) in ["eleveur", "elevag", "~elev", "a", "", "climatolog"]
            .iter()
            .enumerate()
        {
            m.insert((*w).to_owned(), i as u32);
        }
        assert_eq!(m.len(), 6);
        assert_eq!(m.get("~elev"), Some(&2));
        assert_eq!(m.get(""), Some(&4));
        assert_eq!(m.get("elev"), None);
    }
}
