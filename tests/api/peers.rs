//! Caches coherent across instances over one PostgreSQL database: with each process keeping public
//! responses for a minute, a write through one instance reaches the other's readers within a
//! second (LISTEN/NOTIFY), and still does after the listening connections were killed (the thread
//! connects again and empties its caches). SQLite has no peers: one process serves a file.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{Backend, TestApp};

/// Kept for a minute: only a notification can explain a reader seeing a write sooner.
fn long_cache(c: &mut kiosque::config::Config) {
    c.response_cache = Duration::from_secs(60);
}

/// Two instances over one PostgreSQL database (None when PostgreSQL is not configured).
async fn two_instances() -> Option<(TestApp, TestApp)> {
    let a = TestApp::spawn_with(Backend::Postgres, long_cache).await?;
    let url = a.db_url.clone();
    let b = TestApp::spawn_with(Backend::Postgres, move |c| {
        long_cache(c);
        c.database_url = url;
    })
    .await
    .expect("a second instance");
    Some((a, b))
}

/// The front page's first id as `app` serves it to anonymous readers.
async fn first_id(app: &TestApp) -> i64 {
    app.get("/v1/articles?per_page=3").await.expect(200).ids()[0]
}

/// Waits until `app` serves `id` first; returns how long that took.
async fn seen(app: &TestApp, id: i64, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        if first_id(app).await == id {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "article {id} not served after {within:?}"
        );
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn publish(app: &TestApp, token: &str, title: &str) -> i64 {
    app.article(
        token,
        json!({"title": title, "body": "Texte.", "rubrique": "politique", "status": "published"}),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

/// The listening connections of this database, as PostgreSQL sees them.
fn listeners(app: &TestApp, terminate: bool) -> usize {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = diesel::PgConnection::establish(&app.db_url).unwrap();
    let what = if terminate {
        "CAST(count(pg_terminate_backend(pid)) AS BIGINT)"
    } else {
        "count(*)"
    };
    let n: N = diesel::sql_query(format!(
        "SELECT {what} AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = '{}'",
        kiosque::db::peers::APPLICATION_NAME
    ))
    .get_result(&mut conn)
    .unwrap();
    n.n as usize
}

#[actix_rt::test]
#[cfg_attr(
    not(kiosque_pg),
    ignore = "the PostgreSQL half: build and run with KIOSQUE_TEST_POSTGRES_URL set"
)]
async fn a_write_on_one_instance_reaches_the_other_s_readers_within_a_second() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let token_a = a.admin().await;
    let token_b = b.admin().await;
    // B keeps its front page, and answers it again from what it kept.
    let before = first_id(&b).await;
    assert_eq!(first_id(&b).await, before);

    let id = publish(&a, &token_a, "Publié sur A").await;
    let took = seen(&b, id, Duration::from_secs(1)).await;
    eprintln!("A's write served by B after {took:?}");
    // And the other way.
    let id = publish(&b, &token_b, "Publié sur B").await;
    seen(&a, id, Duration::from_secs(1)).await;

    // Kill both listening connections: each instance connects again and empties its caches, and
    // A's next write is announced on its new connection.
    assert_eq!(listeners(&a, false), 2);
    assert_eq!(listeners(&a, true), 2);
    first_id(&b).await;
    let id = publish(&a, &token_a, "Publié sur A après la coupure").await;
    seen(&b, id, Duration::from_secs(3)).await;
    let start = Instant::now();
    while listeners(&a, false) < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the listeners did not come back"
        );
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    // Back to normal: within a second again.
    first_id(&b).await;
    let id = publish(&a, &token_a, "Publié sur A, de nouveau").await;
    seen(&b, id, Duration::from_secs(1)).await;
}
