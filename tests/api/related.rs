//! `GET /v1/articles/{key}/related`: the cards under an article.

use crate::both;
use crate::helpers::DEMO_SLUG;
use serde_json::json;

fn path(strategy: &str) -> String {
    format!("/v1/articles/{DEMO_SLUG}/related?strategy={strategy}")
}

both!(
    same_rubrique_cards_are_the_newest_of_that_rubrique_without_the_article,
    |app| async move {
        let me = app
            .get(&format!("/v1/articles/{DEMO_SLUG}"))
            .await
            .expect(200)
            .body;
        let r = app
            .get(&format!(
                "{}&fields=id,rubrique,published_at",
                path("rubrique")
            ))
            .await
            .expect(200);
        let data = r.body["data"].as_array().unwrap();
        assert!(!data.is_empty());
        assert!(data
            .iter()
            .all(|a| a["rubrique"]["id"] == me["rubrique"]["id"] && a["id"] != me["id"]));
        let dates: Vec<&str> = data
            .iter()
            .map(|a| a["published_at"].as_str().unwrap())
            .collect();
        assert!(dates.windows(2).all(|w| w[0] >= w[1]));
        assert!(data.iter().all(|a| a.get("score").is_none()));
        // Its own links lead back to it.
        let self_link = r.body["links"]["self"].as_str().unwrap().to_owned();
        assert_eq!(
            app.get(&self_link).await.expect(200).body["data"],
            r.body["data"]
        );
    }
);

both!(other_articles_come_from_other_rubriques, |app| async move {
    let me = app
        .get(&format!("/v1/articles/{DEMO_SLUG}"))
        .await
        .expect(200)
        .body;
    let r = app
        .get(&format!("{}&limit=6", path("latest")))
        .await
        .expect(200);
    assert_eq!(r.ids().len(), 6);
    assert!(r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["rubrique"]["id"] != me["rubrique"]["id"]));
    let newest_elsewhere = app
        .get(&format!("/v1/articles?per_page=100&exclude={}", me["id"]))
        .await;
    let expected: Vec<i64> = newest_elsewhere.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["rubrique"]["id"] != me["rubrique"]["id"])
        .map(|a| a["id"].as_i64().unwrap())
        .take(6)
        .collect();
    assert_eq!(r.ids(), expected);
});

both!(
    author_and_tag_strategies_share_a_byline_or_tags,
    |app| async move {
        let by_author = app
            .get(&format!("{}&fields=authors", path("author")))
            .await
            .expect(200);
        assert!(!by_author.ids().is_empty());
        for a in by_author.body["data"].as_array().unwrap() {
            assert!(a["authors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["slug"] == "andre-martin-bado"));
        }
        let by_tags = app
            .get(&format!("{}&fields=tags", path("tags")))
            .await
            .expect(200);
        let first_tags: Vec<&str> = by_tags.body["data"][0]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["slug"].as_str().unwrap())
            .collect();
        assert!(
            first_tags.contains(&"cooperation-militaire") && first_tags.contains(&"defense"),
            "{first_tags:?}"
        );
    }
);

both!(
    related_never_lists_drafts_and_respects_the_limit,
    |app| async move {
        let admin = app.admin().await;
        let draft = app.article(&admin, json!({"title": "Brouillon sécurité", "body": "b", "rubrique": "securite", "tags": ["Défense", "Coopération militaire"]})).await;
        for s in ["similar", "rubrique", "latest", "author", "tags"] {
            let r = app.get(&format!("{}&limit=20", path(s))).await.expect(200);
            assert!(!r.ids().contains(&draft["id"].as_i64().unwrap()), "{s}");
        }
        assert_eq!(
            app.get(&format!("{}&limit=1", path("latest")))
                .await
                .ids()
                .len(),
            1
        );
        app.get(&format!("{}&limit=0", path("latest")))
            .await
            .problem(400);
        app.get(&format!("{}&limit=21", path("latest")))
            .await
            .problem(400);
        app.get(&path("astrology")).await.problem(400);
        let similar = app
            .get(&format!("/v1/articles/{DEMO_SLUG}/related?limit=20"))
            .await
            .expect(200);
        assert!(!similar.ids().contains(&draft["id"].as_i64().unwrap()));
        app.get(&format!(
            "/v1/articles/{}/related?strategy=rubrique",
            draft["id"]
        ))
        .await
        .problem(404);
        app.get("/v1/articles/nulle-part/related?strategy=rubrique")
            .await
            .problem(404);
    }
);

both!(
    editors_pin_related_articles_or_switch_them_off,
    |app| async move {
        let editor = app.staff("editor", None).await;
        let fespaco = app.get("/v1/articles?tag=fespaco&per_page=1").await.ids()[0];
        let a = format!("/v1/articles/{DEMO_SLUG}");
        app.patch(
            &a,
            &editor,
            json!({"related": {"pinned": [fespaco], "enabled": true}}),
        )
        .await
        .expect(200);
        let r = app
            .get(&format!("{a}/related?strategy=rubrique"))
            .await
            .expect(200);
        assert_eq!(r.ids()[0], fespaco, "pinned first");
        assert_eq!(r.ids().iter().filter(|id| **id == fespaco).count(), 1);
        let me = app.get(&a).await.body["id"].clone();
        app.patch(&a, &editor, json!({"related": {"pinned": [me]}}))
            .await
            .problem(422);
        app.patch(&a, &editor, json!({"related": {"pinned": ["nulle-part"]}}))
            .await
            .problem(422);
        app.patch(
            &a,
            &editor,
            json!({"related": {"pinned": [], "enabled": false}}),
        )
        .await
        .expect(200);
        for s in ["similar", "rubrique", "latest", "author", "tags"] {
            let r = app
                .get(&format!("{a}/related?strategy={s}"))
                .await
                .expect(200);
            assert_eq!(r.body["data"], json!([]), "{s}");
        }
        let author = app.staff("author", Some("andre-martin-bado")).await;
        app.patch(&a, &author, json!({"related": {"enabled": true}}))
            .await
            .problem(403);
    }
);

both!(
    similar_is_the_default_and_explains_itself,
    |app| async move {
        let r = app
            .get(&format!("/v1/articles/{DEMO_SLUG}/related"))
            .await
            .expect(200);
        let data = r.body["data"].as_array().unwrap();
        assert_eq!(data.len(), 4);
        let me = app.get(&format!("/v1/articles/{DEMO_SLUG}")).await.body["id"]
            .as_i64()
            .unwrap();
        assert!(!r.ids().contains(&me));
        let scores: Vec<f64> = data.iter().map(|a| a["score"].as_f64().unwrap()).collect();
        assert!(scores.iter().all(|s| *s > 0.0));
        for a in data {
            let reasons = a["reason"].as_array().unwrap();
            assert!(reasons.iter().all(|x| [
                "similar_text",
                "shared_tags",
                "same_author",
                "same_rubrique",
                "recent",
                "pinned"
            ]
            .contains(&x.as_str().unwrap())));
        }
        // The two other stories on military cooperation come first.
        let titles: Vec<&str> = data
            .iter()
            .take(2)
            .map(|a| a["title"].as_str().unwrap())
            .collect();
        assert!(
            titles
                .iter()
                .all(|t| t.starts_with("AES") || t.starts_with("Défense")),
            "{titles:?}"
        );
        assert!(data[0]["reason"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "similar_text" || x == "shared_tags"));
        // Pinned articles lead, marked as such.
        let editor = app.staff("editor", None).await;
        let fespaco = app.get("/v1/articles?tag=fespaco&per_page=1").await.ids()[0];
        app.patch(
            &format!("/v1/articles/{DEMO_SLUG}"),
            &editor,
            json!({"related": {"pinned": [fespaco]}}),
        )
        .await
        .expect(200);
        let r = app
            .get(&format!("/v1/articles/{DEMO_SLUG}/related"))
            .await
            .expect(200);
        assert_eq!(r.ids()[0], fespaco);
        assert_eq!(r.body["data"][0]["reason"], json!(["pinned"]));
        assert_eq!(r.ids().len(), 4);
    }
);

both!(
    similar_cards_can_be_asked_for_just_their_score_and_reason,
    |app| async move {
        let r = app
            .get(&format!("{}&fields=title,score,reason", path("similar")))
            .await
            .expect(200);
        let data = r.body["data"].as_array().unwrap();
        assert_eq!(data.len(), 4);
        for card in data {
            let keys: Vec<&String> = card.as_object().unwrap().keys().collect();
            assert_eq!(keys.len(), 3, "{card}");
            assert!(card["score"].as_f64().unwrap() > 0.0);
            assert!(!card["reason"].as_array().unwrap().is_empty());
        }
        app.get(&format!("{}&fields=title,relevance", path("similar")))
            .await
            .problem(400);
    }
);

both!(
    similar_cards_follow_every_write_though_stored,
    |app| async move {
        let first = app.get(&path("similar")).await.expect(200).ids();
        assert_eq!(app.get(&path("similar")).await.expect(200).ids(), first);
        // A story telling the same: it must show at once, although the cards are stored.
        let admin = app.admin().await;
        let twin = demo_twin(&app, &admin, "Suite", "published").await;
        let twin_id = twin["id"].as_i64().unwrap();
        // The lists it may change are marked stale just after the write's response.
        let now = similar_once(&app, |ids| ids.first() == Some(&twin_id)).await;
        assert_eq!(now.first(), Some(&twin_id), "{now:?}");
        // Unpublished again: gone at once.
        app.patch(
            &format!("/v1/articles/{twin_id}"),
            &admin,
            json!({"status": "draft"}),
        )
        .await
        .expect(200);
        assert!(!app
            .get(&path("similar"))
            .await
            .expect(200)
            .ids()
            .contains(&twin_id));
    }
);

both!(a_shared_byline_is_a_reason, |app| async move {
    let admin = app.admin().await;
    let text =
        "Les maraîchers de la vallée du Sourou récoltent des oignons en abondance cette saison \
                grâce aux nouveaux périmètres irrigués aménagés par la coopérative.";
    let mut ids = Vec::new();
    for (title, author) in [
        (
            "Sourou : les maraîchers récoltent des oignons",
            "andre-martin-bado",
        ),
        (
            "Sourou : la coopérative des maraîchers s'agrandit",
            "andre-martin-bado",
        ),
        (
            "Sourou : des oignons en abondance sur les périmètres",
            "nobody-else",
        ),
    ] {
        let mut input = json!({"title": title, "body": text, "rubrique": "economie",
                               "status": "published", "authors": [author]});
        if author == "nobody-else" {
            input.as_object_mut().unwrap().remove("authors");
        }
        ids.push(app.article(&admin, input).await["id"].as_i64().unwrap());
    }
    let r = app
        .get(&format!("/v1/articles/{}/related?fields=id,reason", ids[0]))
        .await
        .expect(200);
    let reasons = |id: i64| -> Vec<String> {
        r.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .map(|a| {
                a["reason"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_else(|| panic!("{id} not among {}", r.text))
    };
    assert!(reasons(ids[1]).contains(&"same_author".to_owned()));
    assert!(!reasons(ids[2]).contains(&"same_author".to_owned()));
});

/// The demo article's id, and a published article that is neither it nor one of its similar cards.
async fn demo_and_stranger(app: &crate::helpers::TestApp) -> (i64, i64) {
    let me = app
        .get(&format!("/v1/articles/{DEMO_SLUG}"))
        .await
        .expect(200)
        .body["id"]
        .as_i64()
        .unwrap();
    let cards = app.get(&path("similar")).await.expect(200).ids();
    let stranger = app
        .get("/v1/articles?per_page=100")
        .await
        .expect(200)
        .ids()
        .into_iter()
        .find(|id| *id != me && !cards.contains(id))
        .unwrap();
    (me, stranger)
}

/// Replaces the demo article's stored list with one card, `card`.
fn store_one_card(app: &crate::helpers::TestApp, me: i64, card: i64) {
    app.execute_sql(&format!(
        "UPDATE related_lists SET cards = '{card} 0.5 x' WHERE article_id = {me}"
    ));
}

both!(
    a_similar_list_is_stored_and_served_until_a_write_marks_it_stale,
    |app| async move {
        let (me, stranger) = demo_and_stranger(&app).await;
        let stored = format!("SELECT count(*) AS n FROM related_lists WHERE article_id = {me}");
        assert_eq!(app.sql_number(&stored), 1);
        // What is served is the stored list.
        store_one_card(&app, me, stranger);
        assert_eq!(
            app.get(&path("similar")).await.expect(200).ids(),
            [stranger]
        );
        // A new story its text finds marks it stale: computed again, with the new story first.
        let admin = app.admin().await;
        let twin = demo_twin(&app, &admin, "Suite", "published").await["id"].as_i64();
        let now = similar_once(&app, |ids| ids.first() == twin.as_ref()).await;
        assert_eq!(now.len(), 4, "{now:?}");
        assert_eq!(now.first(), twin.as_ref(), "{now:?}");
        // A draft marks nothing: the list stays as stored.
        store_one_card(&app, me, stranger);
        demo_twin(&app, &admin, "Brouillon", "draft").await;
        assert_eq!(
            app.get(&path("similar")).await.expect(200).ids(),
            [stranger]
        );
    }
);

both!(
    an_edit_computes_the_articles_own_list_again,
    |app| async move {
        let (me, stranger) = demo_and_stranger(&app).await;
        store_one_card(&app, me, stranger);
        let admin = app.admin().await;
        app.patch(
            &format!("/v1/articles/{me}"),
            &admin,
            json!({"lede": "Un nouveau chapeau pour cet article."}),
        )
        .await
        .expect(200);
        let now = app.get(&path("similar")).await.expect(200).ids();
        assert_eq!(now.len(), 4, "{now:?}");
        assert_ne!(now, [stranger]);
    }
);

both!(
    a_stored_card_unpublished_since_is_replaced,
    |app| async move {
        let before = app.get(&path("similar")).await.expect(200).ids();
        let gone = before[0];
        // Unpublished below the API, as a scheduled change or another tool might: nothing marks the
        // list stale, the read notices.
        app.execute_sql(&format!(
            "UPDATE articles SET status = 'draft' WHERE id = {gone}"
        ));
        let after = app.get(&path("similar")).await.expect(200).ids();
        assert_eq!(after.len(), 4, "{after:?}");
        assert!(!after.contains(&gone));
        // Computed again without it, and stored: the next reader is served the new list (the other
        // cards may move: the neighbourhood lost an article, and with it its votes and its words).
        assert_eq!(app.get(&path("similar")).await.expect(200).ids(), after);
        let stored_with_gone = format!(
            "SELECT count(*) AS n FROM related_lists WHERE cards LIKE '{gone} %' OR cards LIKE '%;{gone} %'"
        );
        assert_eq!(app.sql_number(&stored_with_gone), 0);
        let stored_fresh = format!(
            "SELECT count(*) AS n FROM related_lists WHERE stale = FALSE AND article_id = \
             (SELECT id FROM articles WHERE slug = '{DEMO_SLUG}')"
        );
        assert_eq!(app.sql_number(&stored_fresh), 1);
    }
);

both!(
    with_no_maximum_age_lists_are_computed_and_never_stored,
    tweak = |c| c.related_max_age = std::time::Duration::ZERO,
    |app| async move {
        let cards = app.get(&path("similar")).await.expect(200).ids();
        assert_eq!(cards.len(), 4);
        assert_eq!(app.sql_number("SELECT count(*) AS n FROM related_lists"), 0);
    }
);

both!(
    storing_every_list_ahead_computes_each_public_one_once,
    |app| async move {
        let db = kiosque::db::Db::connect(&app.db_url, 3, std::time::Duration::from_secs(5))
            .expect("database");
        let caches = kiosque::state::Caches::new(std::time::Duration::from_secs(3600));
        let mut seen = Vec::new();
        let first =
            kiosque::api::articles::related::store_all(&db, &caches, 2, |done, total, _| {
                seen.push((done, total))
            })
            .expect("stored");
        let public = app.get("/v1/articles?per_page=1").await.expect(200).body["meta"]["total"]
            .as_i64()
            .unwrap();
        assert_eq!(first.computed as i64, public);
        assert_eq!(seen.last(), Some(&(first.computed, first.computed)));
        assert_eq!(
            app.sql_number("SELECT count(*) AS n FROM related_lists WHERE stale = FALSE"),
            public
        );
        // Served as stored.
        let (me, stranger) = demo_and_stranger(&app).await;
        store_one_card(&app, me, stranger);
        assert_eq!(
            app.get(&path("similar")).await.expect(200).ids(),
            [stranger]
        );
        // Nothing left to compute; a reindex marks every list stale, and they are computed again.
        let again = kiosque::api::articles::related::store_all(&db, &caches, 2, |_, _, _| {})
            .expect("stored");
        assert_eq!(again.computed, 0);
        kiosque::db::maintenance::reindex(&db).expect("reindexed");
        assert_eq!(
            app.sql_number("SELECT count(*) AS n FROM related_lists WHERE stale = FALSE"),
            0
        );
        assert_eq!(app.get(&path("similar")).await.expect(200).ids().len(), 4);
        let third = kiosque::api::articles::related::store_all(&db, &caches, 1, |_, _, _| {})
            .expect("stored");
        assert_eq!(third.computed as i64, public - 1);
    }
);

/// The demo article's similar cards once `done` holds for them, or after three seconds: a write's
/// neighbours are marked stale just after its response.
async fn similar_once(app: &crate::helpers::TestApp, done: impl Fn(&[i64]) -> bool) -> Vec<i64> {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(3);
    loop {
        let ids = app.get(&path("similar")).await.expect(200).ids();
        if done(&ids) || std::time::Instant::now() > until {
            return ids;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A new article telling the demo article's story again, titled `{kicker} : {its title}`.
async fn demo_twin(
    app: &crate::helpers::TestApp,
    token: &str,
    kicker: &str,
    status: &str,
) -> serde_json::Value {
    let me = app
        .get(&format!("/v1/articles/{DEMO_SLUG}?formats=plaintext"))
        .await
        .expect(200)
        .body;
    app.article(
        token,
        json!({"title": format!("{kicker} : {}", me["title"].as_str().unwrap()),
               "body": me["body_text"], "rubrique": "economie", "status": status}),
    )
    .await
}
