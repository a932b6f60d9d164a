//! `GET /v1/changes`: a partner that replays the feed and applies it ends with exactly the
//! published set, also while four writers create, edit, unpublish and delete at once; what the
//! public may not see appears nowhere; a scheduled article appears when its time comes; a cursor
//! past the retention is a 410.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};

use crate::both;
use crate::helpers::TestApp;

/// A partner's copy of the public site, kept from the feed alone.
#[derive(Default)]
struct Mirror {
    articles: HashMap<i64, Value>,
    cursor: Option<String>,
    seen: HashSet<String>,
    kinds: Vec<(String, i64)>,
}

impl Mirror {
    /// Reads one page of the feed and applies it; returns whether more follow at once.
    async fn pull(&mut self, app: &TestApp, limit: u32) -> bool {
        let url = match &self.cursor {
            Some(c) => format!("/v1/changes?limit={limit}&since={c}"),
            None => format!("/v1/changes?limit={limit}"),
        };
        let page = app.get(&url).await.expect(200).body;
        for change in page["data"].as_array().unwrap() {
            let cursor = change["cursor"].as_str().unwrap().to_owned();
            assert!(self.seen.insert(cursor), "a change came twice: {change}");
            let id = change["article_id"].as_i64().unwrap();
            let kind = change["kind"].as_str().unwrap();
            self.kinds.push((kind.to_owned(), id));
            match kind {
                "created" | "updated" | "published" => {
                    // Null: no longer public; a later change says so.
                    if change["article"].is_object() {
                        self.articles.insert(id, change["article"].clone());
                    }
                }
                "unpublished" | "deleted" => {
                    assert!(change["article"].is_null());
                    assert!(change["slug"].is_string() && change["at"].is_string());
                    self.articles.remove(&id);
                }
                other => panic!("unknown kind {other}"),
            }
        }
        self.cursor = Some(page["meta"]["next_cursor"].as_str().unwrap().to_owned());
        page["meta"]["has_more"].as_bool().unwrap()
    }

    async fn drain(&mut self, app: &TestApp) {
        while self.pull(app, 50).await {}
    }
}

/// The published set as the public lists it: id → the fields a mirror compares.
async fn published(app: &TestApp) -> HashMap<i64, Value> {
    let mut out = HashMap::new();
    let mut url = "/v1/articles?per_page=100&fields=id,slug,title,version,updated_at,body_html,tags,authors,rubrique".to_owned();
    loop {
        let page = app.get(&url).await.expect(200).body;
        for a in page["data"].as_array().unwrap() {
            out.insert(a["id"].as_i64().unwrap(), a.clone());
        }
        match page["meta"]["next_cursor"].as_str() {
            Some(c) => url = format!("/v1/articles?per_page=100&fields=id,slug,title,version,updated_at,body_html,tags,authors,rubrique&cursor={c}"),
            None => return out,
        }
    }
}

fn assert_mirrors(mirror: &Mirror, public: &HashMap<i64, Value>) {
    let mut got: Vec<i64> = mirror.articles.keys().copied().collect();
    let mut want: Vec<i64> = public.keys().copied().collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(
        got, want,
        "the mirror holds other articles than the public set"
    );
    for (id, a) in public {
        let m = &mirror.articles[id];
        for field in [
            "slug",
            "title",
            "version",
            "updated_at",
            "body_html",
            "tags",
            "authors",
            "rubrique",
        ] {
            assert_eq!(m[field], a[field], "article {id}: {field}");
        }
    }
}

fn in_seconds(s: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(s))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One writer's day: articles created, corrected, unpublished, republished, deleted; drafts edited
/// and some published; one scheduled a few seconds ahead.
async fn writer(app: &TestApp, token: &str, n: usize) {
    for k in 0..5 {
        let a = app
            .article(
                token,
                json!({"title": format!("Dépêche {n}-{k} : la région du Centre-Nord"), "body": "Texte **initial**.",
                       "rubrique": "politique", "status": "published", "tags": [format!("Écrivain {n}")]}),
            )
            .await;
        let id = a["id"].as_i64().unwrap();
        let path = format!("/v1/articles/{id}");
        app.patch(
            &path,
            token,
            json!({"title": format!("Dépêche {n}-{k} (corrigée)")}),
        )
        .await
        .expect(200);
        match k % 4 {
            0 => {
                app.patch(&path, token, json!({"status": "draft"}))
                    .await
                    .expect(200);
            }
            1 => {
                app.delete(&path, token).await.expect(204);
            }
            2 => {
                app.patch(&path, token, json!({"status": "draft"}))
                    .await
                    .expect(200);
                app.patch(
                    &path,
                    token,
                    json!({"status": "published", "body": "Texte republié."}),
                )
                .await
                .expect(200);
            }
            _ => {}
        }
        let d = app
            .article(
                token,
                json!({"title": format!("Brouillon {n}-{k}"), "body": "À relire.", "rubrique": "societe"}),
            )
            .await;
        let dpath = format!("/v1/articles/{}", d["id"]);
        app.patch(&dpath, token, json!({"body": "Relu une fois."}))
            .await
            .expect(200);
        if k % 2 == 0 {
            app.patch(&dpath, token, json!({"status": "published"}))
                .await
                .expect(200);
        }
    }
    app.article(
        token,
        json!({"title": format!("Programmé {n}"), "body": "Sera public bientôt.", "rubrique": "culture",
               "status": "published", "published_at": in_seconds(3)}),
    )
    .await;
}

both!(
    a_mirror_replaying_the_feed_while_four_writers_commit_ends_equal_to_the_published_set,
    |app| async move {
        let token = app.admin().await;
        let base = published(&app).await.len();
        let writing = Cell::new(4);
        let write = |n| {
            let (app, token, writing) = (&app, &token, &writing);
            async move {
                writer(app, token, n).await;
                writing.set(writing.get() - 1);
            }
        };
        let read = async {
            // Reads as the writers go, in small pages, so that pages end between their commits.
            let mut mirror = Mirror::default();
            while writing.get() > 0 {
                mirror.pull(&app, 3).await;
                actix_rt::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            mirror
        };
        let (.., mut mirror) =
            futures_util::future::join5(write(0), write(1), write(2), write(3), read).await;
        // The scheduled articles' time comes; nothing runs but the partner's next read.
        actix_rt::time::sleep(std::time::Duration::from_secs(4)).await;
        mirror.drain(&app).await;
        let public = published(&app).await;
        // Each writer leaves public two of its five, three published drafts, one scheduled.
        assert_eq!(public.len(), base + 4 * 6);
        assert_mirrors(&mirror, &public);
        // Every kind was seen, and the scheduled ones as published.
        for kind in ["created", "updated", "published", "unpublished", "deleted"] {
            assert!(
                mirror.kinds.iter().any(|(k, _)| k == kind),
                "no {kind} change"
            );
        }
        // A second partner starting from the beginning now ends the same.
        let mut late = Mirror::default();
        late.drain(&app).await;
        assert_mirrors(&late, &public);
        // The reader that read while the writers committed skipped nothing the feed holds.
        assert_eq!(
            mirror.seen, late.seen,
            "the live reader's changes differ from a replay's"
        );
    }
);

both!(
    only_what_the_public_may_see_enters_the_feed,
    |app| async move {
        let token = app.admin().await;
        let head = app.get("/v1/changes?since=now").await.expect(200).body;
        assert_eq!(head["data"], json!([]));
        let mut m = Mirror {
            cursor: Some(head["meta"]["next_cursor"].as_str().unwrap().to_owned()),
            ..Mirror::default()
        };
        // A draft and its edits: nothing.
        let d = app
            .article(
                &token,
                json!({"title": "Brouillon secret", "body": "x", "rubrique": "politique"}),
            )
            .await;
        let path = format!("/v1/articles/{}", d["id"]);
        app.patch(&path, &token, json!({"title": "Brouillon secret, relu"}))
            .await
            .expect(200);
        app.patch(&path, &token, json!({"status": "pending"}))
            .await
            .expect(200);
        m.drain(&app).await;
        assert!(m.kinds.is_empty(), "{:?}", m.kinds);
        // Published: one change, with the article; edited: updated; unpublished: a tombstone.
        app.patch(&path, &token, json!({"status": "published"}))
            .await
            .expect(200);
        app.patch(&path, &token, json!({"lede": "Un chapô."}))
            .await
            .expect(200);
        m.drain(&app).await;
        let id = d["id"].as_i64().unwrap();
        assert_eq!(
            m.kinds,
            [("published".to_owned(), id), ("updated".to_owned(), id)]
        );
        assert_eq!(m.articles[&id]["lede"], "Un chapô.");
        assert_eq!(m.articles[&id]["title"], "Brouillon secret, relu");
        app.patch(&path, &token, json!({"status": "archived"}))
            .await
            .expect(200);
        app.patch(&path, &token, json!({"title": "Archivé, retouché"}))
            .await
            .expect(200);
        app.delete(&path, &token).await.expect(204);
        m.drain(&app).await;
        assert_eq!(
            m.kinds.len(),
            3,
            "archived, then edits and deletion unseen: {:?}",
            m.kinds
        );
        assert_eq!(m.kinds[2], ("unpublished".to_owned(), id));
        // Deleted while public: a tombstone with its id, slug and time.
        let a = app
            .article(&token, json!({"title": "Publié puis supprimé", "body": "x", "rubrique": "politique", "status": "published"}))
            .await;
        app.delete(&format!("/v1/articles/{}", a["id"]), &token)
            .await
            .expect(204);
        let page = app
            .get(&format!("/v1/changes?since={}", m.cursor.clone().unwrap()))
            .await
            .expect(200)
            .body;
        let kinds: Vec<&str> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["created", "deleted"]);
        let tomb = &page["data"][1];
        assert_eq!(tomb["article_id"], a["id"]);
        assert_eq!(tomb["slug"], a["slug"]);
        assert!(tomb["article"].is_null());
        // The created change of an article deleted since: no longer public, so no article.
        assert!(page["data"][0]["article"].is_null());
        // Scheduled: absent until its time, then there, as published, with no job run.
        let s = app
            .article(&token, json!({"title": "Programmé", "body": "x", "rubrique": "culture", "status": "published", "published_at": in_seconds(2)}))
            .await;
        let before = m.kinds.len();
        m.drain(&app).await;
        m.drain(&app).await;
        assert!(
            m.kinds.len() == before + 2,
            "created and deleted only: {:?}",
            m.kinds
        );
        actix_rt::time::sleep(std::time::Duration::from_secs(3)).await;
        m.drain(&app).await;
        assert_eq!(
            m.kinds.last().unwrap(),
            &("published".to_owned(), s["id"].as_i64().unwrap())
        );
        // Moved to a later date while public: unpublished now, published again when it comes.
        app.patch(
            &format!("/v1/articles/{}", s["id"]),
            &token,
            json!({"published_at": in_seconds(60)}),
        )
        .await
        .expect(200);
        m.drain(&app).await;
        assert_eq!(m.kinds.last().unwrap().0, "unpublished");
        assert!(!m.articles.contains_key(&s["id"].as_i64().unwrap()));
        // A renamed tag changes the public view of its articles: each is updated.
        let t = app
            .article(&token, json!({"title": "Avec étiquette", "body": "x", "rubrique": "politique", "status": "published", "tags": ["Étiquette rare"]}))
            .await;
        m.drain(&app).await;
        app.patch(
            "/v1/tags/etiquette-rare",
            &token,
            json!({"name": "Étiquette renommée"}),
        )
        .await
        .expect(200);
        m.drain(&app).await;
        let tid = t["id"].as_i64().unwrap();
        assert_eq!(m.kinds.last().unwrap(), &("updated".to_owned(), tid));
        assert_eq!(m.articles[&tid]["tags"][0]["name"], "Étiquette renommée");
    }
);

both!(
    the_feed_answers_conditional_requests_and_refuses_bad_parameters,
    |app| async move {
        let first = app.get("/v1/changes?limit=5").await.expect(200);
        let etag = first.header("etag").expect("an ETag");
        let again = app
            .raw(
                awc::http::Method::GET,
                "/v1/changes?limit=5",
                None,
                None,
                &[("If-None-Match", &etag)],
            )
            .await;
        assert_eq!(again.status.as_u16(), 304);
        assert_eq!(first.body["data"].as_array().unwrap().len(), 5);
        assert_eq!(first.body["meta"]["has_more"], true);
        let cursor = first.body["meta"]["next_cursor"].as_str().unwrap();
        assert_eq!(cursor, first.body["data"][4]["cursor"].as_str().unwrap());
        // The default item carries the article with its body; `fields` narrows it.
        assert!(first.body["data"][0]["article"]["body_html"].is_string());
        let narrow = app
            .get("/v1/changes?limit=1&fields=id,title")
            .await
            .expect(200)
            .body;
        let keys: Vec<&String> = narrow["data"][0]["article"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(keys, ["id", "title"]);
        for bad in [
            "limit=0",
            "limit=501",
            "limit=deux",
            "since=pas-un-curseur",
            "fields=nope",
            "depuis=1",
        ] {
            app.get(&format!("/v1/changes?{bad}")).await.problem(400);
        }
        // A bad token is a 401 here too; a staff caller's page is private.
        app.get_as("/v1/changes", "pas-un-jeton").await.problem(401);
        let admin = app.admin().await;
        let staff = app.get_as("/v1/changes?limit=1", &admin).await.expect(200);
        assert!(staff.header("cache-control").unwrap().contains("private"));
        // A cursor past the feed's head (another database's) is refused, not followed.
        let head = app.get("/v1/changes?since=now").await.expect(200).body;
        let h = head["meta"]["next_cursor"].as_str().unwrap();
        let at: i64 = {
            use base64::Engine;
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(h)
                .unwrap();
            serde_json::from_slice::<Value>(&raw).unwrap()["i"]
                .as_i64()
                .unwrap()
        };
        let ahead = {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(format!(r#"{{"s":"changes","v":"","i":{}}}"#, at + 3))
        };
        app.get(&format!("/v1/changes?since={ahead}"))
            .await
            .problem(400);
        // A cursor of another listing is not one of this feed.
        let articles = app.get("/v1/articles?per_page=1").await.expect(200).body;
        let other = articles["meta"]["next_cursor"].as_str().unwrap();
        app.get(&format!("/v1/changes?since={other}"))
            .await
            .problem(400);
    }
);

both!(
    a_cursor_older_than_the_retention_is_gone,
    |app| async move {
        let first = app.get("/v1/changes?limit=500").await.expect(200).body;
        let total = first["data"].as_array().unwrap().len();
        let fifth = first["data"][4]["cursor"].as_str().unwrap().to_owned();
        let third = first["data"][2]["cursor"].as_str().unwrap().to_owned();
        // The first five changes are a year old: past the 90 days kept.
        app.execute_sql(
            "UPDATE changes SET at = '2025-01-01 00:00:00' \
             WHERE id IN (SELECT id FROM changes ORDER BY id LIMIT 5)",
        );
        let gone = app.get("/v1/changes").await.problem(410);
        assert!(
            gone.body["detail"].as_str().unwrap().contains("since=now"),
            "{}",
            gone.body
        );
        app.get(&format!("/v1/changes?since={third}"))
            .await
            .problem(410);
        // From the newest change pruned on, nothing was missed.
        let rest = app
            .get(&format!("/v1/changes?since={fifth}&limit=500"))
            .await
            .expect(200)
            .body;
        assert_eq!(rest["data"].as_array().unwrap().len(), total - 5);
        // The resync path: the head, then the articles, then the feed from the head.
        let head = app.get("/v1/changes?since=now").await.expect(200).body;
        let h = head["meta"]["next_cursor"].as_str().unwrap();
        let after = app
            .get(&format!("/v1/changes?since={h}"))
            .await
            .expect(200)
            .body;
        assert_eq!(after["data"], json!([]));
        assert_eq!(after["meta"]["next_cursor"], h);
    }
);

both!(
    a_deleted_article_s_id_is_never_given_again,
    |app| async move {
        // Partners key their copies on the id, and the feed keeps a deleted article's; revisions
        // and the audit log keep a deleted draft's, which the feed never saw.
        let token = app.admin().await;
        let mut last = 0;
        for (i, status) in ["published", "draft", "draft", "published"]
            .iter()
            .enumerate()
        {
            let a = app
                .article(&token, json!({"title": format!("Éphémère {i}"), "body": "x", "rubrique": "politique", "status": status}))
                .await;
            let id = a["id"].as_i64().unwrap();
            assert!(id > last, "id {id} after {last}");
            last = id;
            app.delete(&format!("/v1/articles/{id}"), &token)
                .await
                .expect(204);
        }
    }
);
