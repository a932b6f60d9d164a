//! What a process keeps for a while: a map whose entries expire, within a budget (entries, or bytes
//! for responses). When the budget is spent, expired entries go first, then all of them (entries live
//! seconds or minutes, so an eviction order would buy little). Related lists, search rankings and
//! public responses are kept this way.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Kept<K, V> {
    ttl: Duration,
    budget: usize,
    map: Mutex<Entries<K, V>>,
}

struct Entries<K, V> {
    used: usize,
    map: HashMap<K, (Instant, usize, V)>,
}

impl<K: Eq + Hash, V: Clone> Kept<K, V> {
    /// Entries live `ttl` (zero: nothing is kept); their weights (1 each with [`Kept::insert`])
    /// add up to `budget` at most.
    pub fn new(ttl: Duration, budget: usize) -> Self {
        Kept {
            ttl,
            budget,
            map: Mutex::new(Entries {
                used: 0,
                map: HashMap::new(),
            }),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries<K, V>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value kept under `key`, unless it has expired.
    pub fn get(&self, key: &K) -> Option<V> {
        self.entries()
            .map
            .get(key)
            .filter(|(at, _, _)| at.elapsed() < self.ttl)
            .map(|(_, _, v)| v.clone())
    }

    pub fn insert(&self, key: K, value: V) {
        self.insert_if(key, value, 1, || true);
    }

    /// Keeps `value`, weighing `weight`, if `still()` holds, checked under the lock
    /// [`Kept::clear_then`] takes. Nothing heavier than the whole budget is kept.
    pub fn insert_if(&self, key: K, value: V, weight: usize, still: impl FnOnce() -> bool) {
        if self.ttl.is_zero() || weight > self.budget {
            return;
        }
        let mut e = self.entries();
        if !still() {
            return;
        }
        if let Some((_, w, _)) = e.map.remove(&key) {
            e.used -= w;
        }
        if e.used + weight > self.budget {
            let ttl = self.ttl;
            e.map.retain(|_, (at, _, _)| at.elapsed() < ttl);
            e.used = e.map.values().map(|(_, w, _)| w).sum();
        }
        if e.used + weight > self.budget {
            e.map.clear();
            e.used = 0;
        }
        e.used += weight;
        e.map.insert(key, (Instant::now(), weight, value));
    }

    pub fn clear(&self) {
        self.clear_then(|| ());
    }

    /// Empties the map and runs `then` under its lock (so that no [`Kept::insert_if`] sees one
    /// without the other).
    pub fn clear_then(&self, then: impl FnOnce()) {
        let mut e = self.entries();
        then();
        e.map.clear();
        e.used = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_budget_holds() {
        let kept = Kept::new(Duration::from_millis(30), 2);
        kept.insert(1, "a");
        kept.insert(2, "b");
        kept.insert(2, "b2");
        assert_eq!((kept.get(&1), kept.get(&2)), (Some("a"), Some("b2")));
        kept.insert(3, "c");
        assert_eq!((kept.get(&1), kept.get(&3)), (None, Some("c")));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(kept.get(&3), None);
        kept.insert_if(4, "d", 1, || false);
        assert_eq!(kept.get(&4), None);
        kept.insert_if(5, "e", 3, || true);
        assert_eq!(kept.get(&5), None);
        let off = Kept::new(Duration::ZERO, 2);
        off.insert(1, "a");
        assert_eq!(off.get(&1), None);
    }

    #[test]
    fn expired_entries_make_room_before_live_ones_go() {
        let kept = Kept::new(Duration::from_millis(40), 3);
        kept.insert(1, "old");
        std::thread::sleep(Duration::from_millis(50));
        kept.insert(2, "b");
        kept.insert(3, "c");
        kept.insert(4, "d");
        assert_eq!(
            (kept.get(&2), kept.get(&3), kept.get(&4)),
            (Some("b"), Some("c"), Some("d"))
        );
    }
}
