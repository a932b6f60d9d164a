//! Rate limits: a fixed one-minute window per key (client address, staff user, login target). The state
//! lives in this process; `Limiter` is the seam where a shared store (Redis, PostgreSQL) can replace it
//! for several instances.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset: u64,
}

/// Counts requests per key and minute.
pub trait Limiter: Send + Sync {
    /// Counts one request of `key` against `limit` per minute.
    fn hit(&self, key: &str, limit: u32) -> Decision;
}

/// The in-process limiter: 16 shards of `key → (window, count)`.
pub struct MemoryLimiter {
    shards: Vec<Mutex<HashMap<String, (u64, u32)>>>,
}

impl Default for MemoryLimiter {
    fn default() -> Self {
        MemoryLimiter {
            shards: (0..16).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl MemoryLimiter {
    fn shard(&self, key: &str) -> &Mutex<HashMap<String, (u64, u32)>> {
        let h = key
            .bytes()
            .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
        &self.shards[h % self.shards.len()]
    }

    /// Counts at an explicit instant (for tests).
    pub fn hit_at(&self, key: &str, limit: u32, now: u64) -> Decision {
        let window = now / 60;
        let reset = 60 - now % 60;
        let mut map = self.shard(key).lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 50_000 {
            map.retain(|_, (w, _)| *w == window);
        }
        let entry = map.entry(key.to_owned()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        let allowed = entry.1 < limit;
        if allowed {
            entry.1 += 1;
        }
        Decision {
            allowed,
            limit,
            remaining: limit.saturating_sub(entry.1),
            reset,
        }
    }
}

impl Limiter for MemoryLimiter {
    fn hit(&self, key: &str, limit: u32) -> Decision {
        self.hit_at(key, limit, now_secs())
    }
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the right-most address of
/// `X-Forwarded-For` that is not itself a trusted proxy. Never a value the client alone controls.
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let Some(chain) = forwarded_for else {
        return Some(peer);
    };
    let mut last = peer;
    for hop in chain.split(',').rev().map(str::trim) {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => last = ip,
            Ok(ip) => return Some(ip),
            Err(_) => return Some(last),
        }
    }
    Some(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_allows_the_limit_then_refuses_until_it_resets() {
        let l = MemoryLimiter::default();
        let t = 1_000_020;
        for i in 0..3 {
            let d = l.hit_at("ip:1", 3, t);
            assert!(d.allowed);
            assert_eq!(d.remaining, 2 - i);
        }
        let d = l.hit_at("ip:1", 3, t + 1);
        assert!(!d.allowed);
        assert_eq!(d.reset, 60 - (t + 1) % 60);
        assert!(l.hit_at("ip:2", 3, t).allowed, "keys are independent");
        assert!(l.hit_at("ip:1", 3, t + 60).allowed, "a new minute");
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let peer: IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(
            client_ip(Some(peer), Some("1.2.3.4"), &[proxy]),
            Some(peer),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(
            client_ip(Some(proxy), Some("1.2.3.4, 203.0.113.7"), &[proxy]),
            Some(client),
            "right-most untrusted hop"
        );
        assert_eq!(client_ip(Some(proxy), None, &[proxy]), Some(proxy));
    }
}
