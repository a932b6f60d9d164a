//! What a process keeps for a while: a map whose entries expire, emptied whole when it is full (its
//! entries live seconds or minutes, so an eviction order would buy little). Related lists, search
//! rankings and public responses are kept this way.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Kept<K, V> {
    ttl: Duration,
    entries: usize,
    map: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> Kept<K, V> {
    /// Entries live `ttl` (zero: nothing is kept); at most `entries` of them.
    pub fn new(ttl: Duration, entries: usize) -> Self {
        Kept {
            ttl,
            entries,
            map: Mutex::new(HashMap::new()),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, V)>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value kept under `key`, unless it has expired.
    pub fn get(&self, key: &K) -> Option<V> {
        self.map()
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    pub fn insert(&self, key: K, value: V) {
        self.insert_if(key, value, || true);
    }

    /// Keeps `value` if `still()` holds, checked under the lock [`Kept::clear_then`] takes.
    pub fn insert_if(&self, key: K, value: V, still: impl FnOnce() -> bool) {
        if self.ttl.is_zero() {
            return;
        }
        let mut map = self.map();
        if !still() {
            return;
        }
        if map.len() >= self.entries {
            map.clear();
        }
        map.insert(key, (Instant::now(), value));
    }

    pub fn clear(&self) {
        self.clear_then(|| ());
    }

    /// Empties the map and runs `then` under its lock (so that no [`Kept::insert_if`] sees one
    /// without the other).
    pub fn clear_then(&self, then: impl FnOnce()) {
        let mut map = self.map();
        then();
        map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_map_is_bounded() {
        let kept = Kept::new(Duration::from_millis(30), 2);
        kept.insert(1, "a");
        kept.insert(2, "b");
        assert_eq!(kept.get(&1), Some("a"));
        kept.insert(3, "c");
        assert_eq!((kept.get(&1), kept.get(&3)), (None, Some("c")));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(kept.get(&3), None);
        kept.insert_if(4, "d", || false);
        assert_eq!(kept.get(&4), None);
        let off = Kept::new(Duration::ZERO, 2);
        off.insert(1, "a");
        assert_eq!(off.get(&1), None);
    }
}
