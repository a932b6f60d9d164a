//! Read-only copies of the database (PostgreSQL streaming replicas, `DATABASE_REPLICA_URLS`) for
//! the reads that tolerate lag: anonymous GETs of published content. Staff reads, every write, the
//! changes feed (whose cursors must never pass the primary's head) and anything within
//! `KIOSQUE_REPLICA_FRESH_SECS` of a write this process knows of (its own, or another instance's
//! through [`crate::peers`]) go to the primary, so a writer reads what it wrote and a cache
//! emptied by a write is not filled again from a replica that has not replayed it yet.
//!
//! A replica that fails to give a connection is left aside for [`DOWN_FOR`]; while every replica
//! is aside, the primary serves. A replica is never asked to write: the pools open read-only
//! sessions.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{Backend, Manager, Pool};

/// How long a replica that failed is left aside before it is tried again.
pub const DOWN_FOR: Duration = Duration::from_secs(5);
/// How long a read waits for a replica's connection before the primary serves it instead.
const WAIT: Duration = Duration::from_millis(500);

struct Replica {
    pool: Pool,
    name: String,
    /// Milliseconds since `Replicas::started` until which it is left aside (0: never failed).
    down_until: AtomicU64,
}

/// The replicas of one primary.
pub struct Replicas {
    replicas: Vec<Replica>,
    next: AtomicUsize,
    fresh_for: Duration,
    started: Instant,
    /// Milliseconds since `started` of the last write this process knows of, plus one (0: none).
    last_write: AtomicU64,
}

impl Replicas {
    /// Pools for these PostgreSQL URLs. No connection is opened here: a replica that is down at
    /// start does not keep the server from starting.
    pub fn open(urls: &[String], size: u32, fresh_for: Duration) -> anyhow::Result<Replicas> {
        let mut replicas = Vec::new();
        for url in urls {
            if Backend::from_url(url).ok() != Some(Backend::Postgres) {
                anyhow::bail!("a replica must be a PostgreSQL URL");
            }
            let sep = if url.contains('?') { '&' } else { '?' };
            let manager = Manager {
                // Read-only sessions: a replica refuses writes anyway; this says so at once.
                url: format!("{url}{sep}options=-c%20default_transaction_read_only%3Don"),
                backend: Backend::Postgres,
                sqlite_mmap: 0,
            };
            let pool = r2d2::Pool::builder()
                .max_size(size)
                .min_idle(Some(0))
                .connection_timeout(WAIT)
                .build_unchecked(manager);
            replicas.push(Replica {
                pool,
                name: crate::config::redact_url(url),
                down_until: AtomicU64::new(0),
            });
        }
        Ok(Replicas {
            replicas,
            next: AtomicUsize::new(0),
            fresh_for,
            started: Instant::now(),
            last_write: AtomicU64::new(0),
        })
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// This process wrote, or heard that another instance did.
    pub fn wrote(&self) {
        self.last_write.store(self.now_ms() + 1, Ordering::SeqCst);
    }

    /// A replica's connection for a read that tolerates lag; None when the primary should serve.
    pub(super) fn get(&self) -> Option<r2d2::PooledConnection<Manager>> {
        let now = self.now_ms();
        let last = self.last_write.load(Ordering::SeqCst);
        if last > 0 && now + 1 - last < self.fresh_for.as_millis() as u64 {
            return None;
        }
        let n = self.replicas.len();
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            let r = &self.replicas[(first + i) % n];
            if r.down_until.load(Ordering::Relaxed) > now {
                continue;
            }
            match r.pool.get() {
                Ok(conn) => return Some(conn),
                Err(e) => {
                    tracing::warn!(replica = %r.name, error = %e, "replica unavailable; the primary serves its reads for a while");
                    r.down_until.store(
                        self.now_ms() + DOWN_FOR.as_millis() as u64,
                        Ordering::Relaxed,
                    );
                }
            }
        }
        None
    }
}
