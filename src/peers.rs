//! Cache coherence between instances over one PostgreSQL database. Each process keeps responses,
//! related cards, search rankings and document frequencies for a while; a write through one
//! instance empties its own at once (the response cache's middleware), and tells the others with a
//! `NOTIFY` on [`CHANNEL`]. Every instance LISTENs on one connection of its own, in one thread, and
//! empties its caches when another instance wrote, usually within a few milliseconds, always within
//! [`POLL`] plus a round trip. When that connection drops, the thread opens a new one and empties the
//! caches once it listens again, since notifications sent in between are lost; until then the
//! caches' own lifetimes bound what it may serve stale.
//!
//! Not covered by a notification (their lifetimes bound them): a scheduled article falling due, and
//! writes made outside a server (`kiosque import`, `seed`, SQL by hand). SQLite has no peers: one
//! process serves a SQLite file.
//!
//! [`CHANNEL`]: crate::db::peers::CHANNEL

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::thread::Thread;
use std::time::{Duration, Instant};

use crate::db::peers::Link;
use crate::db::replicas::Replicas;

/// How long the thread sleeps between two looks at the connection, unless this process wrote.
pub const POLL: Duration = Duration::from_millis(50);
/// A round trip this often notices a connection the server closed.
const PING: Duration = Duration::from_secs(1);
/// The longest wait between two attempts to connect again.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// This process's end: a write to announce, and the thread that announces it.
pub struct Peers {
    pending: AtomicBool,
    thread: OnceLock<Thread>,
    /// Told of this process's writes too, so that reads stay on the primary for a moment.
    replicas: Option<Arc<Replicas>>,
}

impl Peers {
    pub fn new(replicas: Option<Arc<Replicas>>) -> Peers {
        Peers {
            pending: AtomicBool::new(false),
            thread: OnceLock::new(),
            replicas,
        }
    }

    /// This process wrote: tell the others (at once, from the peers' thread).
    pub fn wrote(&self) {
        if let Some(r) = &self.replicas {
            r.wrote();
        }
        self.pending.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.get() {
            t.unpark();
        }
    }
}

impl Drop for Peers {
    /// Wakes the thread, which finds the server gone and ends before it touches the connection
    /// again (a thread inside libpq while the process exits can crash it).
    fn drop(&mut self) {
        if let Some(t) = self.thread.get() {
            t.unpark();
        }
    }
}

/// Something to empty when another instance wrote. Held weakly: the thread ends once the server
/// that owned the caches is gone.
pub type Flush = Box<dyn Fn() -> bool + Send>;

/// Starts the peers' thread for the database at `url`. `flush` empties this process's caches and
/// says whether they still exist (false: the server is gone, and the thread ends).
pub fn start(url: String, peers: &Arc<Peers>, flush: Flush) -> std::thread::JoinHandle<()> {
    let weak: Weak<Peers> = Arc::downgrade(peers);
    let handle = std::thread::Builder::new()
        .name("kiosque-peers".into())
        .spawn(move || run(&url, &weak, &flush))
        .expect("a thread for the peers");
    let _ = peers.thread.set(handle.thread().clone());
    handle
}

fn run(url: &str, peers: &Weak<Peers>, flush: &Flush) {
    let mut link: Option<Link> = None;
    let mut backoff = Duration::from_millis(100);
    let mut pinged = Instant::now();
    loop {
        // The server holds the only strong references (through its response cache): once it is
        // gone, so is this thread.
        let Some(p) = peers.upgrade() else { return };
        let Some(l) = link.as_mut() else {
            match Link::open(url) {
                Ok(l) => {
                    link = Some(l);
                    backoff = Duration::from_millis(100);
                    // Notifications sent while no connection listened are lost.
                    if !flush() {
                        return;
                    }
                    tracing::debug!("listening for the other instances' writes");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for the other instances' writes; trying again");
                    drop(p);
                    std::thread::park_timeout(backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
            continue;
        };
        let wrote = p.pending.swap(false, Ordering::SeqCst);
        let step = (|| -> diesel::QueryResult<bool> {
            if wrote {
                l.tell()?;
            }
            if pinged.elapsed() >= PING {
                l.ping()?;
                pinged = Instant::now();
            }
            l.heard()
        })();
        match step {
            Ok(true) => {
                if !flush() {
                    return;
                }
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %e, "lost the connection that listens for the other instances' writes");
                if wrote {
                    p.pending.store(true, Ordering::SeqCst);
                }
                link = None;
                continue;
            }
        }
        drop(p);
        std::thread::park_timeout(POLL);
    }
}
