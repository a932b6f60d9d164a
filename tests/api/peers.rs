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
    c.peers = true;
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

/// `DATABASE_REPLICA_URLS`, with a second database standing in for a replica that never replays
/// anything (its copy of the demo article has another title): anonymous reads go to it, staff
/// reads, the changes feed and every read just after a write go to the primary, and a replica that
/// is gone leaves the primary serving.
#[actix_rt::test]
#[cfg_attr(
    not(kiosque_pg),
    ignore = "the PostgreSQL half: build and run with KIOSQUE_TEST_POSTGRES_URL set"
)]
async fn anonymous_reads_go_to_a_replica_and_read_your_writes_to_the_primary() {
    use crate::helpers::DEMO_SLUG;
    let Some(replica) = TestApp::spawn_with(Backend::Postgres, |_| {}).await else {
        return;
    };
    replica.execute_sql(&format!(
        "UPDATE articles SET title = 'Vu de la réplique' WHERE slug = '{DEMO_SLUG}'"
    ));
    let url = replica.db_url.clone();
    let app = TestApp::spawn_with(Backend::Postgres, move |c| {
        c.peers = true;
        c.replica_urls = vec![url];
        c.replica_fresh = Duration::from_secs(1);
    })
    .await
    .unwrap();
    let path = format!("/v1/articles/{DEMO_SLUG}");
    let title = |r: crate::helpers::Res| r.expect(200).body["title"].as_str().unwrap().to_owned();
    assert_eq!(title(app.get(&path).await), "Vu de la réplique");
    let admin = app.admin().await;
    assert_ne!(title(app.get_as(&path, &admin).await), "Vu de la réplique");
    // Lists, taxonomies and related articles read there too.
    let list = app.get("/v1/articles?per_page=100").await.expect(200);
    assert!(list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["title"] == "Vu de la réplique"));
    app.get("/v1/rubriques").await.expect(200);
    app.get(&format!("{path}/related")).await.expect(200);

    // Read your writes: just after a write, everyone reads the primary; then the replica again.
    let id = app.get_as(&path, &admin).await.body["id"].as_i64().unwrap();
    app.patch(&path, &admin, json!({"title": "Corrigé sur le primaire"}))
        .await
        .expect(200);
    assert_eq!(title(app.get(&path).await), "Corrigé sur le primaire");
    actix_rt::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(title(app.get(&path).await), "Vu de la réplique");
    // The changes feed never reads a replica: its cursors must not pass the primary's head.
    let feed = app.get("/v1/changes?limit=500").await.expect(200);
    assert!(
        feed.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "updated" && c["article_id"] == id),
        "{}",
        feed.body
    );

    // The replica gone: the primary serves, without waiting long.
    replica.drop_database_now();
    let start = Instant::now();
    assert_eq!(title(app.get(&path).await), "Corrigé sur le primaire");
    assert_eq!(title(app.get(&path).await), "Corrigé sur le primaire");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}
