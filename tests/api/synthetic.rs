//! `kiosque seed --synthetic N`: the bulk load stores what the API's own writes would (the search
//! statistics, tag and rubrique counts a full rebuild gives, the changes feed), its articles read,
//! list, search and relate like any other, a second load adds only what is missing without reusing
//! an id, and a database with real content is refused unless told.

use std::path::Path;
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use kiosque::content::synthetic::{self, Filled};
use kiosque::db::{AnyConnection, Db};
use serde_json::json;

use crate::both;
use crate::helpers::TestApp;
use crate::scale::{tag_counts, totals};

fn corpus() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/dev_corpus_fr.json"),
    )
    .unwrap()
}

/// Loads until the database holds `target` articles, off the test's thread.
async fn fill(app: &TestApp, target: usize, force: bool) -> anyhow::Result<Filled> {
    let url = app.db_url.clone();
    actix_rt::task::spawn_blocking(move || {
        let db = Db::connect(&url, 1, Duration::from_secs(10)).expect("database");
        synthetic::fill(&db, target, Some(&corpus()), force, |_, _, _| {})
    })
    .await
    .expect("the load's thread")
}

fn count(conn: &mut AnyConnection, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let n: N = match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(sql).get_result(c),
        AnyConnection::Postgresql(c) => diesel::sql_query(sql).get_result(c),
    }
    .unwrap();
    n.n
}

/// (rubrique, published) as the writer keeps them.
fn rubrique_counts(conn: &mut AnyConnection) -> Vec<(i64, i64)> {
    use kiosque::db::rubriques;
    let all: Vec<i64> = rubriques::all(conn)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    all.into_iter()
        .map(|r| {
            (
                r,
                count(
                    conn,
                    &format!("SELECT CAST(COALESCE(sum(published), 0) AS BIGINT) AS n FROM article_counts WHERE rubrique_id = {r}"),
                ),
            )
        })
        .collect()
}

both!(
    a_synthetic_load_stores_what_the_writer_and_a_rebuild_would,
    |app| async move {
        let filled = fill(&app, 600, false).await.expect("the load runs");
        assert_eq!((filled.total, filled.added), (600, 600 - 18));
        let db = Db::connect(&app.db_url, 1, Duration::from_secs(5)).unwrap();
        let mut conn = db.get().unwrap();

        // The shape asked of it: drafts, scheduled articles, many authors and tags, rubriques nested.
        let drafts = count(
            &mut conn,
            "SELECT count(*) AS n FROM articles WHERE status = 'draft'",
        );
        let now = kiosque::db::now().format("%Y-%m-%d %H:%M:%S").to_string();
        let scheduled = count(
            &mut conn,
            &format!("SELECT count(*) AS n FROM articles WHERE status = 'published' AND sort_at > '{now}'"),
        );
        assert!(
            drafts > 5 && scheduled > 0,
            "{drafts} drafts, {scheduled} scheduled"
        );
        assert!(count(&mut conn, "SELECT count(*) AS n FROM authors") >= 50);
        assert!(count(&mut conn, "SELECT count(*) AS n FROM tags") > 1000);
        assert!(
            count(
                &mut conn,
                "SELECT count(*) AS n FROM rubriques WHERE parent_id IS NOT NULL"
            ) > 10
        );
        assert_eq!(
            count(&mut conn, "SELECT count(*) AS n FROM scheduled_changes"),
            scheduled
        );

        // The statistics, tag and rubrique counts kept are those a full rebuild makes.
        let kept = totals(&mut conn);
        let tags = tag_counts(&mut conn);
        assert_eq!(tags.0, tags.1, "kept tag counts against a recount");
        let rubriques = rubrique_counts(&mut conn);
        kiosque::db::write_tx(&mut conn, |c| {
            kiosque::db::search::reindex_all(c)?;
            Ok(kiosque::db::articles::rebuild_counts(c)?)
        })
        .unwrap();
        assert_eq!(totals(&mut conn), kept);
        assert_eq!(tag_counts(&mut conn).0, tags.0);
        assert_eq!(rubrique_counts(&mut conn), rubriques);

        // Over HTTP: the public total is the published and due articles, and each public one
        // entered the changes feed once.
        let public = count(
            &mut conn,
            &format!("SELECT count(*) AS n FROM articles WHERE status = 'published' AND sort_at <= '{now}'"),
        );
        let r = app.get("/v1/articles?per_page=5").await.expect(200);
        assert_eq!(r.body["meta"]["total"].as_i64(), Some(public));
        assert_eq!(
            count(&mut conn, "SELECT count(*) AS n FROM changes"),
            public,
            "one change per public article (the demo's and the load's)"
        );
        let newest = &r.body["data"][0];
        assert_eq!(newest["source"], synthetic::MARK);
        assert!(!newest["authors"].as_array().unwrap().is_empty());
        let slug = newest["slug"].as_str().unwrap();
        let one = app.get(&format!("/v1/articles/{slug}")).await.expect(200);
        assert!(one.body["body_html"].as_str().unwrap().contains("<p>"));
        let related = app
            .get(&format!("/v1/articles/{slug}/related?limit=4"))
            .await
            .expect(200);
        assert_eq!(related.ids().len(), 4);
        let word = newest["title"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .max_by_key(|w| w.len())
            .unwrap();
        let found = app
            .get(&format!(
                "/v1/articles?q={}&per_page=100",
                urlencoding(word)
            ))
            .await
            .expect(200);
        assert!(found.body["meta"]["total"].as_i64().unwrap() > 0, "{word}");
        let economie = app
            .get("/v1/articles?rubrique=economie&per_page=1")
            .await
            .expect(200);
        assert!(economie.body["meta"]["total"].as_i64().unwrap() > 0);

        // Again: nothing to add. Further: only what is missing, with new ids.
        let again = fill(&app, 600, false).await.unwrap();
        assert_eq!((again.total, again.added), (600, 0));
        let max_before = count(&mut conn, "SELECT max(id) AS n FROM articles");
        let admin = app.admin().await;
        app.delete(&format!("/v1/articles/{max_before}"), &admin)
            .await
            .expect(204);
        let more = fill(&app, 650, false).await.unwrap();
        assert_eq!((more.total, more.added), (650, 51));
        assert_eq!(
            count(
                &mut conn,
                &format!("SELECT min(id) AS n FROM articles WHERE id >= {max_before}")
            ),
            max_before + 1,
            "the deleted article's id is not given again"
        );
    }
);

both!(
    a_database_with_real_content_is_refused_unless_forced,
    |app| async move {
        let admin = app.admin().await;
        app.article(
            &admin,
            json!({"title": "Un vrai article de la rédaction", "body": "Du texte.", "rubrique": "economie", "status": "published"}),
        )
        .await;
        let err = fill(&app, 100, false).await.err().expect("refused");
        assert!(err.to_string().contains("real content"), "{err}");
        let db = Db::connect(&app.db_url, 1, Duration::from_secs(5)).unwrap();
        let mut conn = db.get().unwrap();
        assert_eq!(
            count(&mut conn, "SELECT count(*) AS n FROM articles"),
            19,
            "nothing written"
        );
        let forced = fill(&app, 100, true).await.expect("forced");
        assert_eq!((forced.total, forced.added), (100, 81));
    }
);

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The command as an operator runs it: progress on stderr, a second run that has nothing to add.
#[test]
fn the_seed_command_reports_what_it_added() {
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_kiosque"))
            .args(["seed", "--synthetic", "120", "--text"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/dev_corpus_fr.json"))
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", "sqlite://kiosque.db")
            .env("RUST_LOG", "warn")
            .output()
            .expect("the binary runs")
    };
    let out = run();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("120 / 120 articles"), "{stderr}");
    assert!(stderr.contains("added 102 synthetic articles"), "{stderr}");
    let again = run();
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds 120 articles"));
}
