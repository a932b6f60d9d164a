//! What keeps search and related articles fast at scale, checked on a small archive with a tiny
//! ranking budget: broad queries ranked within an id window (and widened when it holds too few),
//! document frequencies cached per generation of the statistics, and a rebuild of the index that
//! gives the statistics the writer keeps.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use kiosque::db::search::{self, Window};
use kiosque::db::{AnyConnection, Db};
use kiosque::domain::search::parse;
use serde_json::json;

use crate::both;
use crate::helpers::TestApp;

fn db(app: &TestApp) -> Db {
    Db::connect(&app.db_url, 1, Duration::from_secs(5)).expect("database")
}

/// Publishes `n` articles about the market; those whose number is in `titled` say so in the title.
async fn market_articles(app: &TestApp, n: usize, titled: &[usize]) -> Vec<i64> {
    market_articles_with(app, n, titled, 0).await
}

/// [`market_articles`], the first `insistent` of them saying "marché" twice.
async fn market_articles_with(
    app: &TestApp,
    n: usize,
    titled: &[usize],
    insistent: usize,
) -> Vec<i64> {
    let admin = app.admin().await;
    let mut ids = Vec::new();
    for i in 0..n {
        let title = if titled.contains(&i) {
            format!("Le marché de Rood Woko, épisode {i}")
        } else {
            format!("Chronique numéro {i} de la capitale")
        };
        let a = app
            .article(
                &admin,
                json!({"title": title, "body": format!("Les prix du marché central montent encore, dit le rapport {i}.{}",
                    if i < insistent { " Au marché, on s’inquiète." } else { "" }),
                       "rubrique": "economie", "status": "published"}),
            )
            .await;
        ids.push(a["id"].as_i64().unwrap());
    }
    ids
}

both!(
    a_broad_search_ranks_the_newest_matches_within_its_budget,
    |app| async move {
        let ids = market_articles(&app, 24, &[3, 21]).await;
        let db = db(&app);
        let mut conn = db.get().unwrap();
        let kept = search::Frequencies::default();
        let q = parse("marché").unwrap();
        let now = kiosque::db::now();
        // Unbounded: every match is a candidate.
        let all = search::scores_within(
            &mut conn,
            &kept,
            &search::Ask {
                q: &q,
                boosts: &[1.0],
                limit: 200,
                public_at: Some(now),
                window: Window::Newest,
                budget: 1e9,
            },
        )
        .unwrap();
        for id in &ids {
            assert!(all.iter().any(|(a, _)| a == id), "{id} missing");
        }
        // A budget of 4 matches: the window holds the newest ones, widened until it yields 6.
        let some = search::scores_within(
            &mut conn,
            &kept,
            &search::Ask {
                q: &q,
                boosts: &[1.0],
                limit: 6,
                public_at: Some(now),
                window: Window::Newest,
                budget: 4.0,
            },
        )
        .unwrap();
        assert!(some.len() >= 6, "{some:?}");
        let oldest_kept = some.iter().map(|(id, _)| *id).min().unwrap();
        assert!(
            oldest_kept > ids[8],
            "window not among the newest: {some:?}"
        );
        // Within the window, the title match ranks first (BM25F over the candidates).
        let best = some
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(id, _)| *id);
        assert_eq!(best, Some(ids[21]), "{some:?}");
        // Around an article: the window holds its neighbours.
        let around = search::scores_within(
            &mut conn,
            &kept,
            &search::Ask {
                q: &q,
                boosts: &[1.0],
                limit: 4,
                public_at: Some(now),
                window: Window::Around(ids[10]),
                budget: 4.0,
            },
        )
        .unwrap();
        assert!(around.len() >= 4, "{around:?}");
        for (id, _) in &around {
            assert!(
                (id - ids[10]).abs() <= 8,
                "{id} far from {}: {around:?}",
                ids[10]
            );
        }
        // Phrases are required, words optional, as without a window.
        let phrase = parse("\"marché central\" rapport").unwrap();
        let p = search::scores_within(
            &mut conn,
            &kept,
            &search::Ask {
                q: &phrase,
                boosts: &[1.0, 1.0],
                limit: 6,
                public_at: Some(now),
                window: Window::Newest,
                budget: 4.0,
            },
        )
        .unwrap();
        assert!(p.len() >= 6, "{p:?}");
        let none = parse("\"central marché\" rapport").unwrap();
        let n = search::scores_within(
            &mut conn,
            &kept,
            &search::Ask {
                q: &none,
                boosts: &[1.0, 1.0],
                limit: 6,
                public_at: Some(now),
                window: Window::Newest,
                budget: 4.0,
            },
        )
        .unwrap();
        assert!(n.is_empty(), "{n:?}");
    }
);

both!(
    a_broad_search_also_finds_older_articles_by_its_rarer_words,
    |app| async move {
        let admin = app.admin().await;
        // The oldest article: the market, and a word no other article holds.
        let old = app
            .article(
                &admin,
                json!({"title": "Chronique d’autrefois",
                       "body": "Au marché, le beurre de karité se vendait bien, dit le rapport.",
                       "rubrique": "economie", "status": "published"}),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        market_articles(&app, 24, &[]).await;
        let db = db(&app);
        let mut conn = db.get().unwrap();
        let kept = search::Frequencies::default();
        let now = kiosque::db::now();
        let mut ranked = |text: &str| {
            let q = parse(text).unwrap();
            let boosts = vec![1.0; q.clauses.len()];
            let mut found = search::scores_within(
                &mut conn,
                &kept,
                &search::Ask {
                    q: &q,
                    boosts: &boosts,
                    limit: 6,
                    public_at: Some(now),
                    window: Window::Newest,
                    budget: 4.0,
                },
            )
            .unwrap();
            found.sort_by(|a, b| b.1.total_cmp(&a.1));
            found.into_iter().map(|(id, _)| id).collect::<Vec<i64>>()
        };
        // One common word: the window of the newest matches, which the old article is not in.
        let common = ranked("marché");
        assert!(common.len() >= 6 && !common.contains(&old), "{common:?}");
        // With a rare word beside it: found where it is in the archive, and first (it holds both).
        let rare = ranked("marché karité");
        assert_eq!(rare.first(), Some(&old), "{rare:?}");
        assert!(rare.len() > 1, "the window's matches stay: {rare:?}");
    }
);

both!(
    scores_follow_the_statistics_after_every_write,
    |app| async move {
        let ids = market_articles(&app, 3, &[0]).await;
        let score = |r: &crate::helpers::Res, id: i64| {
            r.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["id"].as_i64() == Some(id))
                .map(|a| a["search"]["score"].as_f64().unwrap())
                .unwrap()
        };
        let before = app.get("/v1/articles?q=Woko").await.expect(200);
        let s1 = score(&before, ids[0]);
        // Another article with the word: "woko" is less rare, the first one's score drops at once
        // (a process keeping the old document frequency would answer s1 again).
        let admin = app.admin().await;
        app.article(
            &admin,
            json!({"title": "Rood Woko rouvre", "body": "Le marché Rood Woko rouvre ses portes.",
                   "rubrique": "economie", "status": "published"}),
        )
        .await;
        let after = app.get("/v1/articles?q=Woko").await.expect(200);
        let s2 = score(&after, ids[0]);
        assert!(s2 < s1, "{s1} then {s2}");
        // The same question again (answered from the process's rankings), then after a deletion.
        let again = app.get("/v1/articles?q=Woko").await.expect(200);
        assert_eq!(again.ids(), after.ids());
        assert_eq!(after.ids().len(), before.ids().len() + 1);
        app.delete(&format!("/v1/articles/{}", ids[0]), &admin)
            .await
            .expect(204);
        let gone = app.get("/v1/articles?q=Woko").await.expect(200);
        assert!(!gone.ids().contains(&ids[0]), "{:?}", gone.ids());
    }
);

#[derive(QueryableByName, Debug, PartialEq)]
pub struct Totals {
    #[diesel(sql_type = BigInt)]
    docs: i64,
    #[diesel(sql_type = BigInt)]
    title_terms: i64,
    #[diesel(sql_type = BigInt)]
    body_terms: i64,
    #[diesel(sql_type = BigInt)]
    terms: i64,
    #[diesel(sql_type = BigInt)]
    df_sum: i64,
    #[diesel(sql_type = Text)]
    some_terms: String,
}

/// The search statistics, summed up.
pub fn totals(conn: &mut AnyConnection) -> Totals {
    let sql = "SELECT docs, title_terms, body_terms, \
               (SELECT count(*) FROM search_terms) AS terms, \
               (SELECT CAST(COALESCE(sum(df), 0) AS BIGINT) FROM search_terms) AS df_sum, \
               (SELECT COALESCE(max(term || ':' || CAST(df AS TEXT)), '') FROM search_terms WHERE df > 1) AS some_terms \
               FROM search_totals WHERE id = 1";
    match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(sql).get_result(c).unwrap(),
        AnyConnection::Postgresql(c) => diesel::sql_query(sql).get_result(c).unwrap(),
    }
}

both!(
    reindex_rebuilds_the_statistics_the_writer_keeps,
    |app| async move {
        market_articles(&app, 5, &[1]).await;
        let admin = app.admin().await;
        // A draft and a deleted article must weigh nothing.
        app.article(
            &admin,
            json!({"title": "Brouillon du marché", "body": "Texte secret", "rubrique": "economie"}),
        )
        .await;
        let gone = app
            .article(&admin, json!({"title": "Éphémère", "body": "Bientôt supprimé", "rubrique": "economie", "status": "published"}))
            .await;
        app.delete(&format!("/v1/articles/{}", gone["id"]), &admin)
            .await
            .expect(204);
        let db = db(&app);
        let mut conn = db.get().unwrap();
        let kept = totals(&mut conn);
        assert!(kept.docs >= 6 && kept.terms > 0, "{kept:?}");
        // Corrupt every statistic, so that only a real rebuild brings them back.
        app.execute_sql("UPDATE search_totals SET docs = docs + 1000, title_terms = 0, body_terms = 7 WHERE id = 1");
        app.execute_sql("UPDATE search_terms SET df = df + 50");
        app.execute_sql("INSERT INTO search_terms (term, df) VALUES ('fantome', 99)");
        assert_ne!(totals(&mut conn), kept, "the corruption took");
        let n = kiosque::db::write_tx(&mut conn, |c| Ok(search::reindex_all(c)?)).unwrap();
        assert!(n >= 7);
        assert_eq!(totals(&mut conn), kept);
        let r = app.get("/v1/articles?q=secret").await.expect(200);
        assert_eq!(r.body["meta"]["total"], 0);
    }
);

both!(
    a_filtered_broad_search_widens_its_window_until_the_filter_finds_enough,
    |app| async move {
        // The 12 oldest say "marché" twice: the best matches of the archive, outside the newest window.
        let ids = market_articles_with(&app, 24, &[], 12).await;
        let db = db(&app);
        let mut conn = db.get().unwrap();
        let q = parse("marché").unwrap();
        let now = kiosque::db::now();
        // Only the oldest articles pass the filter: the first window (6 candidates among the newest
        // matches) holds none of them, so it must widen.
        let filter = kiosque::db::articles::Filter {
            exclude_ids: ids[12..].to_vec(),
            ..Default::default()
        };
        let ranked = kiosque::api::articles::search_ranked_within(
            &mut conn,
            &kiosque::state::Caches::default(),
            &kiosque::db::articles::Scope::Public,
            filter,
            &q,
            now,
            4.0,
            6,
        )
        .unwrap();
        let found: Vec<i64> = ranked.iter().map(|(id, _)| *id).collect();
        assert!(
            found.iter().any(|id| ids[..12].contains(id)),
            "no old market article in {found:?}"
        );
        for id in &found {
            assert!(
                !ids[12..].contains(id),
                "{id} should be filtered out: {found:?}"
            );
        }
    }
);

/// The public totals (front page, one rubrique, one tag, one author) against the articles a full
/// listing holds, and the article counts of the tag and the authors (each one's page and the
/// authors' list) against their listings.
async fn totals_agree(app: &TestApp, step: &str) {
    for path in [
        "/v1/articles?per_page=100",
        "/v1/articles?per_page=100&rubrique=economie",
        "/v1/articles?per_page=100&tag=conjoncture",
        "/v1/articles?per_page=100&author=aminata-kabore",
        "/v1/articles?per_page=100&author=issouf-sanou",
    ] {
        let r = app.get(path).await.expect(200);
        assert_eq!(
            r.body["meta"]["total"].as_u64().unwrap() as usize,
            r.ids().len(),
            "{step}: {path}"
        );
        assert_eq!(
            r.header("x-total-count"),
            Some(r.ids().len().to_string()),
            "{step}"
        );
    }
    // With exclusions (the article being read, under its "other articles"), some of them outside
    // the list (another rubrique, a draft, an unknown id): only those in it come off the total.
    let front = app.get("/v1/articles?per_page=3").await.expect(200);
    let (first, second) = (
        front.body["data"][0]["id"].clone(),
        front.body["data"][1]["slug"].as_str().unwrap().to_owned(),
    );
    for path in [
        format!("/v1/articles?per_page=100&exclude={first},{second},999999"),
        format!("/v1/articles?per_page=100&rubrique=economie&exclude={first},{second}"),
        format!("/v1/articles?per_page=100&tag=conjoncture&exclude={first}"),
    ] {
        let r = app.get(&path).await.expect(200);
        assert_eq!(
            r.body["meta"]["total"].as_u64().unwrap() as usize,
            r.ids().len(),
            "{step}: {path}"
        );
    }
    let listed = |path: &str| {
        let path = path.to_owned();
        async move { app.get(&path).await.expect(200).ids().len() as i64 }
    };
    let count = |path: &str| {
        let path = path.to_owned();
        async move {
            app.get(&path).await.expect(200).body["article_count"]
                .as_i64()
                .unwrap()
        }
    };
    // The tag exists once a test has written it.
    let tag = app.get("/v1/tags/conjoncture").await;
    let tagged = listed("/v1/articles?per_page=100&tag=conjoncture").await;
    if tag.status.as_u16() == 404 {
        assert_eq!(tagged, 0, "{step}: tag");
    } else {
        assert_eq!(
            tag.body["article_count"].as_i64().unwrap(),
            tagged,
            "{step}: tag"
        );
    }
    let authors = app.get("/v1/authors?per_page=100").await.expect(200);
    for slug in ["aminata-kabore", "issouf-sanou"] {
        let n = listed(&format!("/v1/articles?per_page=100&author={slug}")).await;
        assert_eq!(
            count(&format!("/v1/authors/{slug}")).await,
            n,
            "{step}: {slug}"
        );
        let in_list = authors.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["slug"] == slug)
            .unwrap();
        assert_eq!(
            in_list["article_count"].as_i64().unwrap(),
            n,
            "{step}: {slug} listed"
        );
    }
}

/// The published count `GET /v1/rubriques/{slug}` gives.
async fn rubrique_count(app: &TestApp, slug: &str) -> i64 {
    app.get(&format!("/v1/rubriques/{slug}"))
        .await
        .expect(200)
        .body["article_count"]
        .as_i64()
        .unwrap()
}

both!(
    a_scheduled_article_enters_the_totals_when_it_falls_due_with_no_write_in_between,
    |app| async move {
        let admin = app.admin().await;
        let before = rubrique_count(&app, "economie").await;
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(2))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        app.article(
            &admin,
            json!({"title": "Bientôt", "body": "b", "rubrique": "economie", "tags": ["Conjoncture"],
                   "authors": ["aminata-kabore"],
                   "status": "published", "published_at": soon}),
        )
        .await;
        totals_agree(&app, "not yet due").await;
        assert_eq!(rubrique_count(&app, "economie").await, before);
        // Its time comes: the kept counts do not hold it yet (unless the worker moved their horizon),
        // and every total must still count it.
        actix_rt::time::sleep(std::time::Duration::from_millis(3200)).await;
        totals_agree(&app, "due").await;
        assert_eq!(rubrique_count(&app, "economie").await, before + 1);
        // A write moves the horizon past it: counted once, not twice.
        app.article(
            &admin,
            json!({"title": "Brouillon", "body": "b", "rubrique": "economie"}),
        )
        .await;
        totals_agree(&app, "after a write").await;
        assert_eq!(rubrique_count(&app, "economie").await, before + 1);
    }
);

both!(
    list_totals_follow_every_write_from_the_kept_counts,
    |app| async move {
        let admin = app.admin().await;
        totals_agree(&app, "demo").await;
        let draft = app
            .article(
                &admin,
                json!({"title": "Brouillon", "body": "b", "rubrique": "economie", "tags": ["Conjoncture"],
                       "authors": ["aminata-kabore"]}),
            )
            .await;
        totals_agree(&app, "draft").await;
        let live = app
            .article(&admin, json!({"title": "En ligne", "body": "b", "rubrique": "economie", "tags": ["Conjoncture"],
                         "authors": ["aminata-kabore", "issouf-sanou"], "status": "published"}))
            .await;
        totals_agree(&app, "published").await;
        app.article(
            &admin,
            json!({"title": "Plus tard", "body": "b", "rubrique": "economie", "tags": ["Conjoncture"],
                   "authors": ["aminata-kabore"], "status": "published", "published_at": "2099-01-01T08:00:00Z"}),
        )
        .await;
        totals_agree(&app, "scheduled").await;
        let before = app.get("/v1/articles?rubrique=economie").await.body["meta"]["total"].clone();
        app.patch(
            &format!("/v1/articles/{}", live["id"]),
            &admin,
            json!({"rubrique": "culture"}),
        )
        .await
        .expect(200);
        totals_agree(&app, "moved").await;
        let tagged = app.get("/v1/articles?tag=conjoncture").await.body["meta"]["total"]
            .as_i64()
            .unwrap();
        app.patch(
            &format!("/v1/articles/{}", live["id"]),
            &admin,
            json!({"tags": []}),
        )
        .await
        .expect(200);
        totals_agree(&app, "untagged").await;
        let untagged = app.get("/v1/articles?tag=conjoncture").await.body["meta"]["total"].clone();
        assert_eq!(untagged.as_i64().unwrap(), tagged - 1);
        let signed = |slug: &'static str| {
            let app = &app;
            async move {
                app.get(&format!("/v1/articles?author={slug}")).await.body["meta"]["total"]
                    .as_i64()
                    .unwrap()
            }
        };
        let (aminata, issouf) = (signed("aminata-kabore").await, signed("issouf-sanou").await);
        app.patch(
            &format!("/v1/articles/{}", live["id"]),
            &admin,
            json!({"authors": ["issouf-sanou"]}),
        )
        .await
        .expect(200);
        totals_agree(&app, "byline changed").await;
        assert_eq!(signed("aminata-kabore").await, aminata - 1);
        assert_eq!(signed("issouf-sanou").await, issouf);
        let after = app.get("/v1/articles?rubrique=economie").await.body["meta"]["total"].clone();
        assert_eq!(after.as_i64().unwrap(), before.as_i64().unwrap() - 1);
        app.patch(
            &format!("/v1/articles/{}", draft["id"]),
            &admin,
            json!({"status": "published"}),
        )
        .await
        .expect(200);
        totals_agree(&app, "draft published").await;
        app.delete(&format!("/v1/articles/{}", draft["id"]), &admin)
            .await
            .expect(204);
        totals_agree(&app, "deleted").await;
    }
);

both!(kept_counts_are_mended_by_a_reindex, |app| async move {
    let db = db(&app);
    // Counts an older version (or a hand-written statement) left wrong.
    app.execute_sql("UPDATE article_counts SET published = published + 5");
    app.execute_sql("UPDATE author_counts SET published = published + 3");
    app.execute_sql("UPDATE tag_counts SET published = published + 2");
    let wrong = app.get("/v1/articles?per_page=100").await.expect(200);
    assert_ne!(
        wrong.body["meta"]["total"].as_u64().unwrap() as usize,
        wrong.ids().len()
    );
    kiosque::db::maintenance::reindex(&db).unwrap();
    totals_agree(&app, "after reindex").await;
});

both!(
    the_statistics_count_terms_and_no_word_families,
    |app| async move {
        // Related articles weigh terms by their coherence, not by a family of their first letters:
        // nothing writes "~elev" for "éleveurs" any more, and migration 000015 takes old ones out.
        let admin = app.admin().await;
        app.article(
            &admin,
            json!({"title": "Les éleveurs et l’élevage", "body": "Les éleveurs du Sahel.",
                   "rubrique": "economie", "status": "published", "authors": ["andre-martin-bado"]}),
        )
        .await;
        let db = db(&app);
        let mut conn = db.get().unwrap();
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let mut count = |like: &str| {
            let sql = format!("SELECT count(*) AS n FROM search_terms WHERE term LIKE '{like}'");
            match &mut *conn {
                AnyConnection::Sqlite(c) => diesel::sql_query(&sql).get_result::<N>(c).unwrap().n,
                AnyConnection::Postgresql(c) => {
                    diesel::sql_query(&sql).get_result::<N>(c).unwrap().n
                }
            }
        };
        assert!(count("eleveur") > 0);
        assert_eq!(count("~%"), 0);
        // A database from before keeps families' frequencies until the migration deletes them.
        drop(conn);
        app.execute_sql("INSERT INTO search_terms (term, df) VALUES ('~elev', 3)");
        let backend = if app.db_url.starts_with("postgres") {
            "postgres"
        } else {
            "sqlite"
        };
        let migration = std::fs::read_to_string(format!(
            "migrations/{backend}/2026-12-07-000015_no_word_families/up.sql"
        ))
        .unwrap();
        let statement: String = migration
            .lines()
            .filter(|l| !l.starts_with("--"))
            .collect::<Vec<_>>()
            .join(" ");
        app.execute_sql(&statement);
        assert_eq!(
            app.sql_number("SELECT count(*) AS n FROM search_terms WHERE term LIKE '~%'"),
            0
        );
    }
);

both!(
    padded_key_lists_answer_once_per_key_and_sessions_are_set_up_for_speed,
    |app| async move {
        // Three articles with two tags each: the links of a page of three are read with key lists
        // padded to four (the last key repeated), which must not repeat a tag or a byline.
        let admin = app.admin().await;
        let mut ids = Vec::new();
        for i in 0..3 {
            let a = app
                .article(
                    &admin,
                    json!({"title": format!("Récolte {i}"), "body": "Le coton arrive à l’usine.",
                           "rubrique": "economie", "status": "published", "authors": ["andre-martin-bado"],
                           "tags": ["Coton", format!("Campagne {i}")]}),
                )
                .await;
            ids.push(a["id"].as_i64().unwrap());
        }
        let db = db(&app);
        let mut conn = db.get().unwrap();
        let rubriques: Vec<i64> = vec![0; 0];
        let rel = kiosque::db::links::load(&mut conn, &ids, &rubriques).unwrap();
        for id in &ids {
            assert_eq!(rel.tags[id].len(), 2, "tags of {id}: {:?}", rel.tags[id]);
            assert_eq!(rel.authors[id].len(), 1, "byline of {id}");
        }
        let names = search::names_many(&mut conn, &ids).unwrap();
        assert_eq!(names.len(), 3);

        // PostgreSQL: kiosque's sessions use random_page_cost 1.1, unless the URL sets its own.
        #[derive(QueryableByName)]
        struct Setting {
            #[diesel(sql_type = Text)]
            random_page_cost: String,
        }
        let show = |conn: &mut AnyConnection| -> Option<String> {
            match conn {
                AnyConnection::Postgresql(c) => Some(
                    diesel::sql_query("SHOW random_page_cost")
                        .get_result::<Setting>(c)
                        .unwrap()
                        .random_page_cost,
                ),
                AnyConnection::Sqlite(_) => None,
            }
        };
        if matches!(&*conn, AnyConnection::Sqlite(_)) {
            // SQLite: connections keep their plans whatever is bound (a `LIMIT ?` bound again
            // would otherwise recompile a kept statement each time).
            assert_eq!(
                kiosque::db::SQLITE_QPSG.load(std::sync::atomic::Ordering::Relaxed),
                1
            );
        }
        if let Some(cost) = show(&mut conn) {
            assert_eq!(cost, "1.1");
            let sep = if app.db_url.contains('?') { '&' } else { '?' };
            let own = format!("{}{sep}options=-c%20random_page_cost%3D3", app.db_url);
            let db = Db::connect(&own, 1, Duration::from_secs(5)).expect("database");
            let mut conn = db.get().unwrap();
            assert_eq!(show(&mut conn).as_deref(), Some("3"));
        }
    }
);

/// (tag, published articles), by tag.
pub type Counts = Vec<(i64, i64)>;

/// The writer's tag counts, and a recount of the published articles' tags (zero counts left out).
pub fn tag_counts(conn: &mut AnyConnection) -> (Counts, Counts) {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        tag_id: i64,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let kept = "SELECT tag_id, published AS n FROM tag_counts WHERE published <> 0 ORDER BY tag_id";
    let counted = "SELECT t.tag_id, count(*) AS n FROM article_tags t JOIN articles a ON a.id = t.article_id \
                   WHERE a.status = 'published' GROUP BY t.tag_id ORDER BY t.tag_id";
    let mut run = |sql: &str| -> Counts {
        let rows: Vec<Count> = match conn {
            AnyConnection::Sqlite(c) => diesel::sql_query(sql).load(c),
            AnyConnection::Postgresql(c) => diesel::sql_query(sql).load(c),
        }
        .unwrap();
        rows.into_iter().map(|c| (c.tag_id, c.n)).collect()
    };
    (run(kept), run(counted))
}

both!(
    tag_counts_follow_every_write_and_reindex_rebuilds_them,
    |app| async move {
        let admin = app.admin().await;
        let db = db(&app);
        let check = |step: &str| {
            let mut conn = db.get().unwrap();
            let (kept, counted) = tag_counts(&mut conn);
            assert_eq!(kept, counted, "after {step}");
        };
        check("the demo content");
        let base = json!({"body": "Le coton arrive à l’usine.", "rubrique": "economie"});
        let with = |title: &str, status: &str, tags: serde_json::Value| {
            let mut b = base.clone();
            b["title"] = json!(title);
            b["status"] = json!(status);
            b["tags"] = tags;
            b
        };
        let a = app
            .article(
                &admin,
                with("Récolte A", "published", json!(["Coton", "Usine"])),
            )
            .await;
        let b = app
            .article(&admin, with("Récolte B", "draft", json!(["Coton"])))
            .await;
        let c = app
            .article(
                &admin,
                with("Récolte C", "published", json!(["Usine", "Prix"])),
            )
            .await;
        check("three articles, one a draft");
        let (a, b, c) = (
            a["id"].as_i64().unwrap(),
            b["id"].as_i64().unwrap(),
            c["id"].as_i64().unwrap(),
        );
        for (id, change, step) in [
            (
                a,
                json!({"tags": ["Prix", "Export"]}),
                "a published article's tags replaced",
            ),
            (b, json!({"status": "published"}), "the draft published"),
            (c, json!({"status": "draft"}), "an article unpublished"),
        ] {
            app.patch(&format!("/v1/articles/{id}"), &admin, change)
                .await
                .expect(200);
            check(step);
        }
        app.delete(&format!("/v1/articles/{a}"), &admin)
            .await
            .expect(204);
        check("an article deleted");
        app.delete("/v1/tags/coton", &admin).await.expect(204);
        check("a tag deleted");
        let mut conn = db.get().unwrap();
        let (kept, counted) = tag_counts(&mut conn);
        assert_eq!(kept, counted);
        assert!(!kept.is_empty());
        // Corrupt the kept counts, so that only a real rebuild mends them.
        app.execute_sql("UPDATE tag_counts SET published = published + 5");
        assert_ne!(tag_counts(&mut conn).0, counted, "the corruption took");
        kiosque::db::write_tx(&mut conn, |c| Ok(search::reindex_all(c)?)).unwrap();
        assert_eq!(tag_counts(&mut conn).0, counted, "reindex");
    }
);

both!(
    the_bodies_last_rebuild_keeps_every_row_and_every_link,
    |app| async move {
        // Migration 000016 rebuilds SQLite's articles table with foreign keys off. Run again on a
        // database with articles, bylines, tags, revisions and a pinned related article, it must
        // keep them all (with foreign keys on, dropping the table would have cascaded to them).
        let admin = app.admin().await;
        let first = app
            .article(
                &admin,
                json!({"title": "Coton : la campagne démarre", "body": "Les égreneuses tournent.",
                       "rubrique": "economie", "status": "published", "authors": ["andre-martin-bado"],
                       "tags": ["Coton"]}),
            )
            .await;
        let second = app
            .article(
                &admin,
                json!({"title": "Coton : les prix au producteur", "body": "Le kilo est fixé.",
                       "rubrique": "economie", "status": "published", "tags": ["Coton", "Prix"],
                       "related": {"pinned": [first["slug"]]}}),
            )
            .await;
        let (a, b) = (
            first["id"].as_i64().unwrap(),
            second["id"].as_i64().unwrap(),
        );
        let links = "SELECT (SELECT count(*) FROM article_authors) + (SELECT count(*) FROM article_tags) \
                     + (SELECT count(*) FROM article_pins) + (SELECT count(*) FROM article_revisions) AS n";
        let before = app.sql_number(links);
        let articles = app.sql_number("SELECT count(*) AS n FROM articles");
        let backend = if app.db_url.starts_with("postgres") {
            "postgres"
        } else {
            "sqlite"
        };
        let migration = std::fs::read_to_string(format!(
            "migrations/{backend}/2026-12-07-000016_bodies_last/up.sql"
        ))
        .unwrap();
        app.execute_batch(&migration);
        assert_eq!(app.sql_number(links), before);
        assert_eq!(
            app.sql_number("SELECT count(*) AS n FROM articles"),
            articles
        );
        if backend == "sqlite" {
            // The bodies last, the source text at the very end; indexes and the trigger back.
            let last = app.sql_number(
                "SELECT cid AS n FROM pragma_table_info('articles') WHERE name = 'body'",
            );
            let columns = app.sql_number("SELECT count(*) AS n FROM pragma_table_info('articles')");
            assert_eq!(last, columns - 1);
            assert_eq!(
                app.sql_number(
                    "SELECT count(*) AS n FROM sqlite_master WHERE tbl_name = 'articles' \
                     AND type IN ('index', 'trigger') AND sql IS NOT NULL"
                ),
                5
            );
            assert_eq!(
                app.sql_number("SELECT count(*) AS n FROM pragma_foreign_key_check"),
                0
            );
        }
        // Served as before, links and all.
        let r = app.get(&format!("/v1/articles/{b}")).await.expect(200);
        assert_eq!(r.body["tags"].as_array().unwrap().len(), 2);
        let r = app.get(&format!("/v1/articles/{a}")).await.expect(200);
        assert_eq!(r.body["authors"][0]["slug"], "andre-martin-bado");
        assert!(r.body["body_html"].as_str().unwrap().contains("égreneuses"));
        // A delete still takes its article's search row and links with it.
        app.delete(&format!("/v1/articles/{a}"), &admin)
            .await
            .expect(204);
        assert_eq!(
            app.sql_number(&format!(
                "SELECT count(*) AS n FROM article_authors WHERE article_id = {a}"
            )),
            0
        );
    }
);

/// PostgreSQL only: the pool does not test a connection when it hands it out, so a connection the
/// database dropped must be noticed when it fails, answered as a 503 (never a 500), and replaced.
#[actix_rt::test]
#[cfg_attr(
    not(kiosque_pg),
    ignore = "the PostgreSQL half: build and run with KIOSQUE_TEST_POSTGRES_URL set"
)]
async fn connections_the_database_dropped_are_replaced_after_one_503_each() {
    let app = TestApp::spawn(crate::helpers::Backend::Postgres).await;
    // Open every connection of the pool (4 in tests) with reads at once.
    let read = || app.get("/v1/articles?per_page=5");
    let (a, b, c, d) = futures_util::future::join4(read(), read(), read(), read()).await;
    for r in [a, b, c, d] {
        r.expect(200);
    }
    let name = app.db_url.rsplit('/').next().unwrap().to_owned();
    app.execute_sql(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    ));
    let mut unavailable = 0;
    for _ in 0..12 {
        let r = app.get("/v1/articles?per_page=5").await;
        match r.status.as_u16() {
            200 => {}
            503 => {
                assert!(r.header("retry-after").is_some());
                unavailable += 1;
            }
            other => panic!("a dropped connection answered {other}: {}", r.body),
        }
    }
    // The first read after the drop was handed a dead connection; no more than the pool's four fail.
    assert!(
        (1..=4).contains(&unavailable),
        "{unavailable} requests failed"
    );
    app.get("/v1/articles?per_page=5").await.expect(200);
    app.get("/health/ready").await.expect(200);
}

both!(
    a_list_in_another_order_than_the_date_walks_that_orders_index,
    |app| async move {
        // SQLite keeps no statistics: given the date bound of the public scope as an index range, it
        // took the date index and sorted every published article for one page of `sort=-updated_at`
        // or `sort=title` (419 ms at 100,000 articles). The list writes that bound so that no index
        // seeks by it, and the order's index holds `sort_at` to check it without reading the row.
        let db = db(&app);
        let mut conn = db.get().unwrap();
        #[derive(QueryableByName)]
        struct Step {
            #[diesel(sql_type = diesel::sql_types::Text)]
            detail: String,
        }
        let AnyConnection::Sqlite(c) = &mut *conn else {
            return; // PostgreSQL plans by its statistics.
        };
        for order in ["updated_at DESC, id DESC", "title_key ASC, id ASC"] {
            let plan: Vec<Step> = diesel::sql_query(format!(
                "EXPLAIN QUERY PLAN SELECT id, slug, title FROM articles WHERE status = 'published' \
                 AND COALESCE(articles.sort_at, articles.sort_at) <= '2030-01-01 00:00:00' \
                 ORDER BY {order} LIMIT 21 OFFSET 1000"
            ))
            .load(c)
            .unwrap();
            let plan: Vec<&str> = plan.iter().map(|s| s.detail.as_str()).collect();
            assert_eq!(plan.len(), 1, "{order}: {plan:?}");
            assert!(
                plan[0].starts_with("SEARCH articles USING INDEX articles_status_"),
                "{order}: {plan:?}"
            );
        }
        // And the pages themselves: the same articles as before, in their order.
        let updated = app
            .get("/v1/articles?sort=-updated_at&per_page=100")
            .await
            .expect(200);
        let all = app.get("/v1/articles?per_page=100").await.expect(200);
        assert_eq!(updated.ids().len(), all.ids().len());
        let titled = app
            .get("/v1/articles?sort=title&per_page=100")
            .await
            .expect(200);
        let keys: Vec<String> = titled.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| kiosque::domain::sort_key(a["title"].as_str().unwrap()))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
    }
);
