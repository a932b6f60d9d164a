//! Webhook endpoints and their deliveries (the outbox). A delivery is written in the transaction of
//! the change it announces; workers claim due deliveries (on PostgreSQL with `FOR UPDATE SKIP
//! LOCKED`, so each goes to one of several instances) under a lease, and record every attempt.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::schema::{webhook_deliveries as d, webhooks as w};
use super::AnyConnection;

/// The events a webhook may ask for.
pub const EVENTS: [&str; 4] = [
    "article.published",
    "article.updated",
    "article.unpublished",
    "article.deleted",
];

/// A delivery is `pending` (to send, or to retry), `delivered`, or `failed` (given up).
pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = w)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub events: String,
    pub secret: String,
    pub active: bool,
    pub failures: i32,
    pub disabled_reason: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl WebhookRow {
    pub fn event_list(&self) -> Vec<String> {
        self.events
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = d)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub change_id: i64,
    pub event: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

pub fn insert(
    conn: &mut AnyConnection,
    url: &str,
    events: &[String],
    secret: &str,
    active: bool,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(w::table)
        .values((
            w::url.eq(url),
            w::events.eq(events.join(",")),
            w::secret.eq(secret),
            w::active.eq(active),
            w::failures.eq(0),
            w::version.eq(1),
            w::created_at.eq(now),
            w::updated_at.eq(now),
        ))
        .returning(w::id)
        .get_result(conn)
}

pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<WebhookRow>> {
    w::table
        .filter(w::id.eq(id))
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()
}

/// Webhooks in id order after `after` (or from `offset`).
pub fn list(
    conn: &mut AnyConnection,
    after: Option<i64>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<WebhookRow>> {
    let mut q = w::table
        .select(WebhookRow::as_select())
        .order(w::id)
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(w::id.gt(a));
    }
    q.offset(offset).limit(limit).load(conn)
}

pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    w::table.count().get_result(conn)
}

/// Changes a webhook; switching it on again forgets its failures.
pub fn update(
    conn: &mut AnyConnection,
    id: i64,
    url: &str,
    events: &[String],
    active: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let n = diesel::update(w::table.filter(w::id.eq(id)))
        .set((
            w::url.eq(url),
            w::events.eq(events.join(",")),
            w::active.eq(active),
            w::version.eq(w::version + 1),
            w::updated_at.eq(now),
        ))
        .execute(conn)?;
    if active {
        diesel::update(w::table.filter(w::id.eq(id)))
            .set((w::failures.eq(0), w::disabled_reason.eq(None::<String>)))
            .execute(conn)?;
    }
    Ok(n)
}

pub fn delete(conn: &mut AnyConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(w::table.filter(w::id.eq(id))).execute(conn)
}

/// Writes a delivery of change `change_id` (event `event`) for each active webhook that asked for
/// it, in the change's transaction.
pub fn enqueue(
    conn: &mut AnyConnection,
    change_id: i64,
    event: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    // Switched off or not: a switched-off webhook's deliveries wait until it is switched on again.
    let hooks: Vec<(i64, String)> = w::table.select((w::id, w::events)).load(conn)?;
    let mut n = 0;
    for (id, events) in hooks {
        if events.split(',').any(|e| e == event) {
            diesel::insert_into(d::table)
                .values((
                    d::webhook_id.eq(id),
                    d::change_id.eq(change_id),
                    d::event.eq(event),
                    d::status.eq(PENDING),
                    d::attempts.eq(0),
                    d::next_attempt_at.eq(now),
                    d::created_at.eq(now),
                ))
                .execute(conn)?;
            n += 1;
        }
    }
    Ok(n)
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Claims up to `limit` due deliveries until `lease_until` (a worker that dies lets them go when
/// the lease ends). On PostgreSQL the due rows are locked with `SKIP LOCKED`, so several instances
/// claim different ones; SQLite's one writer makes the claim whole anyway.
pub fn claim(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<DeliveryRow>, crate::error::ApiError> {
    let ids: Vec<i64> = match conn {
        AnyConnection::Postgresql(pg) => pg.transaction(|pg| {
            let ids: Vec<i64> = diesel::sql_query(
                "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
                 AND (lease_until IS NULL OR lease_until < $1) \
                 AND webhook_id IN (SELECT id FROM webhooks WHERE active) ORDER BY id LIMIT $2 \
                 FOR UPDATE SKIP LOCKED",
            )
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load::<Id>(pg)?
            .into_iter()
            .map(|r| r.id)
            .collect();
            diesel::update(d::table.filter(d::id.eq_any(&ids)))
                .set(d::lease_until.eq(lease_until))
                .execute(pg)?;
            Ok::<_, diesel::result::Error>(ids)
        })?,
        AnyConnection::Sqlite(_) => super::write_tx(conn, |c| {
            let ids: Vec<i64> = d::table
                .filter(d::status.eq(PENDING))
                .filter(d::next_attempt_at.le(now))
                .filter(d::lease_until.is_null().or(d::lease_until.lt(now)))
                .filter(
                    d::webhook_id.eq_any(w::table.filter(w::active.eq(true)).select(w::id)),
                )
                .order(d::id)
                .limit(limit)
                .select(d::id)
                .load(c)?;
            diesel::update(d::table.filter(d::id.eq_any(&ids)))
                .set(d::lease_until.eq(lease_until))
                .execute(c)?;
            Ok(ids)
        })?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(d::table
        .filter(d::id.eq_any(&ids))
        .order(d::id)
        .select(DeliveryRow::as_select())
        .load(conn)?)
}

/// Lets claimed deliveries go before their lease ends (a worker that could not send them in time).
pub fn release(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<usize> {
    diesel::update(
        d::table
            .filter(d::id.eq_any(ids))
            .filter(d::status.eq(PENDING)),
    )
    .set(d::lease_until.eq(None::<NaiveDateTime>))
    .execute(conn)
}

/// What one attempt gave.
pub struct Attempt<'a> {
    pub delivered: bool,
    pub status: Option<i32>,
    pub error: Option<&'a str>,
    /// When to try again (`None`: give up).
    pub retry_at: Option<NaiveDateTime>,
}

/// Records an attempt of a delivery, and on the webhook its run of failures: after
/// `disable_after` failed attempts in a row the webhook is switched off.
pub fn record_attempt(
    conn: &mut AnyConnection,
    delivery: &DeliveryRow,
    a: &Attempt,
    disable_after: i32,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let status = match (a.delivered, a.retry_at) {
        (true, _) => DELIVERED,
        (false, Some(_)) => PENDING,
        (false, None) => FAILED,
    };
    diesel::update(d::table.filter(d::id.eq(delivery.id)))
        .set((
            d::status.eq(status),
            d::attempts.eq(d::attempts + 1),
            d::next_attempt_at.eq(a.retry_at.unwrap_or(now)),
            d::lease_until.eq(None::<NaiveDateTime>),
            d::last_status.eq(a.status),
            d::last_error.eq(a.error),
            d::delivered_at.eq(a.delivered.then_some(now)),
        ))
        .execute(conn)?;
    let hook = w::table.filter(w::id.eq(delivery.webhook_id));
    if a.delivered {
        diesel::update(hook).set(w::failures.eq(0)).execute(conn)?;
    } else {
        diesel::update(hook)
            .set(w::failures.eq(w::failures + 1))
            .execute(conn)?;
        diesel::update(
            w::table
                .filter(w::id.eq(delivery.webhook_id))
                .filter(w::active.eq(true))
                .filter(w::failures.ge(disable_after)),
        )
        .set((
            w::active.eq(false),
            w::disabled_reason.eq(format!(
                "switched off after {disable_after} failed attempts in a row; the last: {}",
                a.error.unwrap_or("an error")
            )),
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// A webhook's deliveries, newest first, before the id `before` (or from `offset`).
pub fn deliveries(
    conn: &mut AnyConnection,
    webhook_id: i64,
    before: Option<i64>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let mut q = d::table
        .filter(d::webhook_id.eq(webhook_id))
        .select(DeliveryRow::as_select())
        .order(d::id.desc())
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(d::id.lt(b));
    }
    q.offset(offset).limit(limit).load(conn)
}

pub fn count_deliveries(conn: &mut AnyConnection, webhook_id: i64) -> QueryResult<i64> {
    d::table
        .filter(d::webhook_id.eq(webhook_id))
        .count()
        .get_result(conn)
}

/// Sends a delivery again, now (whatever became of it). Returns whether it exists.
pub fn replay(
    conn: &mut AnyConnection,
    webhook_id: i64,
    delivery_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        d::table
            .filter(d::id.eq(delivery_id))
            .filter(d::webhook_id.eq(webhook_id)),
    )
    .set((
        d::status.eq(PENDING),
        d::next_attempt_at.eq(now),
        d::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A delivery's change and its webhook's address and secret, to send it.
pub fn target(
    conn: &mut AnyConnection,
    delivery: &DeliveryRow,
) -> QueryResult<Option<(String, String, bool)>> {
    w::table
        .filter(w::id.eq(delivery.webhook_id))
        .select((w::url, w::secret, w::active))
        .first(conn)
        .optional()
}
