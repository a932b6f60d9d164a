//! The PostgreSQL side of cache coherence between instances: one connection per process that
//! LISTENs on [`CHANNEL`], and NOTIFYs it after a write of this process. See [`crate::peers`].

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::Integer;

/// The channel every instance over one database listens on.
pub const CHANNEL: &str = "kiosque_writes";

/// The connection's `application_name`, so an operator (or a test) can find it in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "kiosque-peers";

/// A listening connection.
pub struct Link {
    conn: PgConnection,
    /// This connection's server process: its own notifications come back from it.
    pid: i32,
}

#[derive(QueryableByName)]
struct Pid {
    #[diesel(sql_type = Integer)]
    pid: i32,
}

impl Link {
    /// Connects and listens.
    pub fn open(url: &str) -> anyhow::Result<Link> {
        let sep = if url.contains('?') { '&' } else { '?' };
        let mut conn =
            PgConnection::establish(&format!("{url}{sep}application_name={APPLICATION_NAME}"))?;
        diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn)?;
        let Pid { pid } =
            diesel::sql_query("SELECT pg_backend_pid() AS pid").get_result(&mut conn)?;
        Ok(Link { conn, pid })
    }

    /// Tells the other instances that this one wrote.
    pub fn tell(&mut self) -> QueryResult<()> {
        diesel::sql_query(format!("NOTIFY {CHANNEL}")).execute(&mut self.conn)?;
        Ok(())
    }

    /// Whether another instance wrote since the last call (reads what has arrived, without waiting).
    pub fn heard(&mut self) -> QueryResult<bool> {
        let mut heard = false;
        for n in self.conn.notifications_iter() {
            heard |= n?.process_id != self.pid;
        }
        Ok(heard)
    }

    /// A round trip, so that a connection the server closed is noticed.
    pub fn ping(&mut self) -> QueryResult<()> {
        diesel::sql_query("SELECT 1").execute(&mut self.conn)?;
        Ok(())
    }
}
