//! Writing articles: creation, derived fields, sanitising, merge patches, If-Match, scheduling, deletion,
//! and the role rules.

use crate::both;
use awc::http::Method;
use serde_json::json;

fn long_french_text() -> String {
    "Les soldats du contingent ont été accueillis à l’aéroport par les autorités militaires, avant de rejoindre leur cantonnement. "
        .repeat(6)
}

both!(
    an_editor_creates_an_article_with_derived_fields,
    |app| async move {
        let admin = app.admin().await;
        let r = app
        .post("/v1/articles", &admin, json!({
            "title": "Coopération militaire : des soldats",
            "body": long_french_text(),
            "rubrique": "securite",
            "authors": ["andre-martin-bado"],
            "tags": ["Coopération militaire", "Nouvelle étiquette"],
            "kicker": "Défense", "source": "AIB", "location": "Ouagadougou",
            "featured_image": {"url": "https://images.example.org/a.jpg", "alt": "Soldats", "caption": "À l’arrivée", "credit": "AIB"}
        }))
        .await
        .expect(201);
        let a = &r.body;
        assert_eq!(a["slug"], "cooperation-militaire-des-soldats");
        assert_eq!(a["status"], "draft");
        assert!(a["published_at"].is_null());
        assert_eq!(a["version"], 1);
        assert_eq!(
            r.header("location"),
            Some(format!("/v1/articles/{}", a["id"]))
        );
        assert_eq!(r.header("etag"), Some(format!("\"a{}-v1\"", a["id"])));
        let excerpt = a["excerpt"].as_str().unwrap();
        assert!(
            excerpt.chars().count() <= 160 && excerpt.ends_with('…'),
            "{excerpt}"
        );
        assert!(!excerpt.trim_end_matches('…').ends_with(' '));
        assert_eq!(a["word_count"], 108);
        assert_eq!(a["reading_time_minutes"], 1);
        assert_eq!(a["authors"][0]["slug"], "andre-martin-bado");
        let tags: Vec<&str> = a["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["slug"].as_str().unwrap())
            .collect();
        assert!(tags.contains(&"cooperation-militaire") && tags.contains(&"nouvelle-etiquette"));
        assert_eq!(a["featured_image"]["credit"], "AIB");
        assert_eq!(
            app.get_as("/v1/tags/nouvelle-etiquette", &admin)
                .await
                .expect(200)
                .body["name"],
            "Nouvelle étiquette"
        );
        // A tag only a draft carries does not exist for the public: it would announce the draft.
        app.get("/v1/tags/nouvelle-etiquette").await.problem(404);
        let public = app.get("/v1/tags?per_page=100").await.expect(200);
        assert!(!public.slugs().contains(&"nouvelle-etiquette".to_owned()));

        // The same title again gets a suffixed slug; a given slug that is taken is a 409.
        let again = app.article(&admin, json!({"title": "Coopération militaire : des soldats", "body": "x", "rubrique": "securite"})).await;
        assert_eq!(again["slug"], "cooperation-militaire-des-soldats-2");
        app.post("/v1/articles", &admin, json!({"title": "Autre", "slug": "cooperation-militaire-des-soldats", "body": "x", "rubrique": "securite"}))
        .await
        .problem(409);
        // A short text is its own excerpt.
        assert_eq!(again["excerpt"], "x");
    }
);

both!(bodies_are_sanitised_in_both_formats, |app| async move {
    let admin = app.admin().await;
    let payloads = [
        ("html", "<p onclick=\"alert(1)\">Bonjour <script>alert(1)</script><a href=\"javascript:alert(1)\">lien</a><img src=x onerror=alert(1)><svg onload=alert(1)></svg><math><mi xlink:href=\"javascript:alert(1)\">x</mi></math><iframe src=\"https://evil.example\"></iframe></p>"),
        ("markdown", "Bonjour [lien](javascript:alert(1)) <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n**gras**"),
    ];
    for (format, body) in payloads {
        let a = app.article(&admin, json!({"title": format!("XSS {format}"), "body": body, "body_format": format, "rubrique": "societe"})).await;
        let html = a["body_html"].as_str().unwrap().to_lowercase();
        for bad in [
            "<script",
            "onclick",
            "onerror",
            "onload",
            "javascript:",
            "<svg",
            "<math",
            "<iframe",
        ] {
            assert!(!html.contains(bad), "{format}: {bad} survived in {html}");
        }
        assert!(html.contains("bonjour"));
    }
    let md = app.article(&admin, json!({"title": "Markdown", "body": "## Titre\n\nUn **mot** et [un lien](https://example.org).", "rubrique": "societe"})).await;
    let html = md["body_html"].as_str().unwrap();
    assert!(
        html.contains("<h2>Titre</h2>") && html.contains("<strong>mot</strong>"),
        "{html}"
    );
    assert!(html.contains("rel=\"noopener noreferrer\""), "{html}");
});

both!(
    invalid_input_is_a_422_with_every_field_and_nothing_is_written,
    |app| async move {
        let admin = app.admin().await;
        let before = app
            .get_as("/v1/articles?status=draft", &admin)
            .await
            .expect(200)
            .body["meta"]["total"]
            .clone();
        let r = app
            .post("/v1/articles", &admin, json!({}))
            .await
            .problem(422);
        let fields: Vec<&str> = r.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        for f in ["title", "body", "rubrique"] {
            assert!(fields.contains(&f), "{fields:?}");
        }
        let r = app
        .post("/v1/articles", &admin, json!({
            "title": "x".repeat(301), "body": "x", "rubrique": "nowhere", "slug": "Pas Un Slug",
            "authors": ["nobody"], "language": "français!", "excerpt": "y".repeat(161),
            "featured_image": {"url": "ftp://x"}, "status": "scheduled"
        }))
        .await
        .problem(422);
        let fields: Vec<&str> = r.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        for f in [
            "title",
            "rubrique",
            "slug",
            "authors[0]",
            "language",
            "excerpt",
            "featured_image.url",
        ] {
            assert!(fields.contains(&f), "missing {f} in {fields:?}");
        }
        app.post(
            "/v1/articles",
            &admin,
            json!({"title": "t", "body": "b", "rubrique": "politique", "status": "viral"}),
        )
        .await
        .problem(422);
        app.post(
            "/v1/articles",
            &admin,
            json!({"title": "t", "body": "b", "rubrique": "politique", "id": 5}),
        )
        .await
        .problem(422);
        app.post(
            "/v1/articles",
            &admin,
            json!({"title": "t", "body": "b", "rubrique": "politique", "version": 9}),
        )
        .await
        .problem(422);
        app.post(
            "/v1/articles",
            &admin,
            json!({"title": null, "body": "b", "rubrique": "politique"}),
        )
        .await
        .problem(422);
        app.post(
            "/v1/articles",
            &admin,
            json!({"title": "t", "body": "b", "rubrique": "politique", "tags": vec!["t"; 51]}),
        )
        .await
        .problem(422);
        let after = app
            .get_as("/v1/articles?status=draft", &admin)
            .await
            .expect(200)
            .body["meta"]["total"]
            .clone();
        assert_eq!(before, after, "a refused write must write nothing");
    }
);

both!(malformed_bodies_get_400_415_413, |app| async move {
    let admin = app.admin().await;
    app.raw(
        Method::POST,
        "/v1/articles",
        Some(&admin),
        Some("{\"title\": ".into()),
        &[],
    )
    .await
    .problem(400);
    app.raw(
        Method::POST,
        "/v1/articles",
        Some(&admin),
        Some("title=x".into()),
        &[("content-type", "application/x-www-form-urlencoded")],
    )
    .await
    .problem(415);
    app.raw(
        Method::POST,
        "/v1/articles",
        Some(&admin),
        Some("{}".into()),
        &[("content-type", "text/plain")],
    )
    .await
    .problem(415);
    let huge = format!(
        "{{\"title\": \"t\", \"rubrique\": \"politique\", \"body\": \"{}\"}}",
        "a".repeat(2 * 1024 * 1024)
    );
    app.raw(Method::POST, "/v1/articles", Some(&admin), Some(huge), &[])
        .await
        .problem(413);
    // A merge-patch content type is accepted on PATCH.
    let a = app
        .article(
            &admin,
            json!({"title": "Patch", "body": "b", "rubrique": "politique"}),
        )
        .await;
    let r = app
        .raw(
            Method::PATCH,
            &format!("/v1/articles/{}", a["id"]),
            Some(&admin),
            Some("{\"kicker\": \"Brève\"}".into()),
            &[("content-type", "application/merge-patch+json")],
        )
        .await;
    assert_eq!(r.expect(200).body["kicker"], "Brève");
});

both!(
    a_merge_patch_changes_only_what_it_names_and_bumps_the_version,
    |app| async move {
        let admin = app.admin().await;
        let a = app.article(&admin, json!({"title": "Titre initial", "kicker": "Analyse", "lede": "Chapô.", "body": "Texte initial.", "rubrique": "politique", "tags": ["Élections"]})).await;
        let path = format!("/v1/articles/{}", a["id"]);
        let r = app
            .patch(
                &path,
                &admin,
                json!({"title": "Titre modifié", "kicker": null}),
            )
            .await
            .expect(200);
        assert_eq!(r.body["title"], "Titre modifié");
        assert_eq!(r.body["slug"], "titre-initial", "a new title keeps the URL");
        assert!(r.body["kicker"].is_null());
        assert_eq!(r.body["lede"], "Chapô.");
        assert_eq!(r.body["tags"][0]["slug"], "elections");
        assert_eq!(r.body["version"], 2);
        assert_eq!(
            r.header("etag").as_deref(),
            Some(format!("\"a{}-v2\"", a["id"]).as_str())
        );
        let r = app.patch(&path, &admin, json!({"body": "Nouveau texte, plus long que le premier.", "tags": [], "slug": "titre-modifie"})).await.expect(200);
        assert_eq!(
            r.body["excerpt"],
            "Nouveau texte, plus long que le premier."
        );
        assert_eq!(r.body["tags"], json!([]));
        assert_eq!(r.body["slug"], "titre-modifie");
        app.patch(&path, &admin, json!({"title": null}))
            .await
            .problem(422);
        app.patch(&path, &admin, json!({"rubrique": "nowhere"}))
            .await
            .problem(422);
        app.patch("/v1/articles/999999", &admin, json!({"title": "x"}))
            .await
            .problem(404);
        let other = app
            .article(
                &admin,
                json!({"title": "Autre", "body": "b", "rubrique": "politique"}),
            )
            .await;
        app.patch(&path, &admin, json!({"slug": other["slug"]}))
            .await
            .problem(409);
    }
);

both!(if_match_guards_against_lost_updates, |app| async move {
    let admin = app.admin().await;
    let a = app
        .article(
            &admin,
            json!({"title": "Concurrence", "body": "b", "rubrique": "politique"}),
        )
        .await;
    let path = format!("/v1/articles/{}", a["id"]);
    let etag = app
        .get_as(&path, &admin)
        .await
        .expect(200)
        .header("etag")
        .unwrap();
    let first = app
        .raw(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"title": "Première"}).to_string()),
            &[("If-Match", &etag)],
        )
        .await;
    first.expect(200);
    let stale = app
        .raw(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"title": "Seconde"}).to_string()),
            &[("If-Match", &etag)],
        )
        .await;
    stale.problem(412);
    assert_eq!(
        app.get_as(&path, &admin).await.body["title"],
        "Première",
        "a 412 changes nothing"
    );
    app.raw(
        Method::DELETE,
        &path,
        Some(&admin),
        None,
        &[("If-Match", &etag)],
    )
    .await
    .problem(412);
    let fresh = app.get_as(&path, &admin).await.header("etag").unwrap();
    app.raw(
        Method::DELETE,
        &path,
        Some(&admin),
        None,
        &[("If-Match", &fresh)],
    )
    .await
    .expect(204);
    app.get_as(&path, &admin).await.problem(404);
});

both!(
    a_future_publication_is_scheduled_and_invisible_until_then,
    |app| async move {
        let admin = app.admin().await;
        let a = app.article(&admin, json!({"title": "Sortie programmée", "body": "b", "rubrique": "culture", "status": "published", "published_at": "2099-01-01T08:00:00Z"})).await;
        assert_eq!(a["status"], "scheduled");
        let path = format!("/v1/articles/{}", a["slug"].as_str().unwrap());
        app.get(&path).await.problem(404);
        assert!(!app
            .get("/v1/articles?per_page=100")
            .await
            .ids()
            .contains(&a["id"].as_i64().unwrap()));
        assert!(app
            .get(&format!(
                "/v1/articles/{DEMO}/related?strategy=latest&limit=20",
                DEMO = crate::helpers::DEMO_SLUG
            ))
            .await
            .ids()
            .iter()
            .all(|id| *id != a["id"].as_i64().unwrap()));
        assert_eq!(
            app.get_as(&path, &admin).await.expect(200).body["status"],
            "scheduled"
        );
        let queue = app
            .get_as("/v1/articles?status=scheduled", &admin)
            .await
            .expect(200);
        assert_eq!(queue.ids(), vec![a["id"].as_i64().unwrap()]);
        let now = app
            .patch(
                &path,
                &admin,
                json!({"published_at": "2020-01-01T00:00:00Z"}),
            )
            .await
            .expect(200);
        assert_eq!(now.body["status"], "published");
        app.get(&path).await.expect(200);
        // `scheduled` is `published` at a date: one that has already come publishes at once.
        let past = app.post("/v1/articles", &admin, json!({"title": "x", "body": "b", "rubrique": "culture", "status": "scheduled", "published_at": "2001-01-01T00:00:00Z"})).await.expect(201);
        assert_eq!(past.body["status"], "published");
        assert_eq!(past.body["published_at"], "2001-01-01T00:00:00Z");
    }
);

both!(publishing_without_a_date_stamps_now, |app| async move {
    let admin = app.admin().await;
    let a = app
        .article(
            &admin,
            json!({"title": "Brouillon", "body": "b", "rubrique": "culture"}),
        )
        .await;
    let r = app
        .patch(
            &format!("/v1/articles/{}", a["id"]),
            &admin,
            json!({"status": "published"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "published");
    assert!(r.body["published_at"].is_string());
    assert_eq!(
        app.get("/v1/articles?per_page=1").await.ids()[0],
        a["id"].as_i64().unwrap(),
        "newest first"
    );
});

both!(anonymous_callers_cannot_write, |app| async move {
    let body = json!({"title": "t", "body": "b", "rubrique": "politique"});
    let r = app
        .request(Method::POST, "/v1/articles", None, Some(&body))
        .await
        .problem(401);
    assert!(r.header("www-authenticate").is_some());
    app.request(Method::PATCH, "/v1/articles/1", None, Some(&body))
        .await
        .problem(401);
    app.request(Method::DELETE, "/v1/articles/1", None, None)
        .await
        .problem(401);
    app.get("/v1/articles?status=draft").await.problem(401);
});

both!(
    a_contributor_writes_drafts_signed_by_itself_and_never_publishes,
    |app| async move {
        let contributor = app.staff("contributor", Some("issouf-sanou")).await;
        let a = app
            .article(
                &contributor,
                json!({"title": "Mon brouillon", "body": "b", "rubrique": "societe"}),
            )
            .await;
        assert_eq!(a["status"], "draft");
        assert_eq!(a["authors"][0]["slug"], "issouf-sanou");
        let path = format!("/v1/articles/{}", a["id"]);
        app.get_as(&path, &contributor).await.expect(200);
        app.get(&path).await.problem(404);
        let pending = app
            .patch(&path, &contributor, json!({"status": "pending"}))
            .await
            .expect(200);
        assert_eq!(pending.body["status"], "pending");
        app.patch(&path, &contributor, json!({"status": "published"}))
            .await
            .problem(403);
        app.post(
            "/v1/articles",
            &contributor,
            json!({"title": "Direct", "body": "b", "rubrique": "societe", "status": "published"}),
        )
        .await
        .problem(403);
        app.post("/v1/articles", &contributor, json!({"title": "Direct", "body": "b", "rubrique": "societe", "status": "scheduled", "published_at": "2099-01-01T00:00:00Z"})).await.problem(403);
        let r = app.post("/v1/articles", &contributor, json!({"title": "Usurpé", "body": "b", "rubrique": "societe", "authors": ["andre-martin-bado"]})).await.problem(422);
        assert_eq!(r.body["errors"][0]["field"], "authors");
        app.post("/v1/articles", &contributor, json!({"title": "Épinglé", "body": "b", "rubrique": "societe", "related": {"pinned": [1]}})).await.problem(403);
        assert_eq!(
            app.get(&path).await.status.as_u16(),
            404,
            "still not public"
        );
        let mine = app
            .get_as("/v1/articles?status=pending", &contributor)
            .await
            .expect(200);
        assert_eq!(mine.ids(), vec![a["id"].as_i64().unwrap()]);
        // Once an editor publishes it, the contributor may no longer change it.
        let editor = app.staff("editor", None).await;
        app.patch(&path, &editor, json!({"status": "published"}))
            .await
            .expect(200);
        app.patch(&path, &contributor, json!({"title": "Retouche"}))
            .await
            .problem(403);
        app.delete(&path, &contributor).await.problem(403);
        // A contributor with no linked author cannot sign anything.
        let unlinked = app.staff("contributor", None).await;
        app.post(
            "/v1/articles",
            &unlinked,
            json!({"title": "t", "body": "b", "rubrique": "societe"}),
        )
        .await
        .problem(403);
    }
);

both!(
    an_author_publishes_its_own_but_never_touches_anothers,
    |app| async move {
        let bado = app.staff("author", Some("andre-martin-bado")).await;
        let sanou = app.staff("author", Some("issouf-sanou")).await;
        let draft = app
            .article(
                &sanou,
                json!({"title": "Brouillon de Sanou", "body": "b", "rubrique": "societe"}),
            )
            .await;
        let path = format!("/v1/articles/{}", draft["id"]);
        // Another author's draft does not exist for this caller.
        app.get_as(&path, &bado).await.problem(404);
        app.patch(&path, &bado, json!({"title": "Piraté"}))
            .await
            .problem(404);
        app.delete(&path, &bado).await.problem(404);
        assert!(app
            .get_as("/v1/articles?status=draft", &bado)
            .await
            .ids()
            .is_empty());
        assert_eq!(
            app.get_as(&path, &sanou).await.expect(200).body["title"],
            "Brouillon de Sanou"
        );
        // Published work of another is visible but not editable.
        let demo = format!("/v1/articles/{}", crate::helpers::DEMO_SLUG);
        app.patch(&demo, &sanou, json!({"title": "Piraté"}))
            .await
            .problem(403);
        app.delete(&demo, &sanou).await.problem(403);
        // Its own: publish, edit after publication, delete.
        let published = app
            .patch(&path, &sanou, json!({"status": "published"}))
            .await
            .expect(200);
        assert_eq!(published.body["status"], "published");
        app.patch(&path, &sanou, json!({"lede": "Mise à jour."}))
            .await
            .expect(200);
        app.delete(&path, &sanou).await.expect(204);
        app.get(&path).await.problem(404);
    }
);

both!(
    an_editor_works_on_anyones_article_and_sees_the_review_queue,
    |app| async move {
        let contributor = app.staff("contributor", Some("aminata-kabore")).await;
        let editor = app.staff("editor", None).await;
        let a = app.article(&contributor, json!({"title": "À relire", "body": "b", "rubrique": "culture", "status": "pending"})).await;
        let queue = app
            .get_as("/v1/articles?status=pending", &editor)
            .await
            .expect(200);
        assert!(queue.ids().contains(&a["id"].as_i64().unwrap()));
        let drafts = app
            .get_as("/v1/articles?status=draft", &editor)
            .await
            .expect(200);
        assert!(
            drafts.body["meta"]["total"].as_i64().unwrap() >= 1,
            "the demo draft"
        );
        let r = app.patch(&format!("/v1/articles/{}", a["id"]), &editor, json!({"status": "published", "authors": ["aminata-kabore", "boukary-zongo"], "related": {"pinned": [1], "enabled": true}})).await.expect(200);
        assert_eq!(r.body["authors"].as_array().unwrap().len(), 2);
        assert_eq!(r.body["related"]["pinned"], json!([1]));
        let editor_article = app
            .article(
                &editor,
                json!({"title": "Sans signature", "body": "b", "rubrique": "culture"}),
            )
            .await;
        assert_eq!(
            editor_article["authors"],
            json!([]),
            "the newsroom's byline"
        );
        app.delete(&format!("/v1/articles/{}", a["id"]), &editor)
            .await
            .expect(204);
    }
);

both!(a_shared_byline_is_the_editors_to_change, |app| async move {
    let editor = app.staff("editor", None).await;
    let sanou = app.staff("author", Some("issouf-sanou")).await;
    let a = app.article(&editor, json!({"title": "Cosigné", "body": "b", "rubrique": "societe", "authors": ["issouf-sanou", "aminata-kabore"]})).await;
    let path = format!("/v1/articles/{}", a["id"]);
    app.patch(&path, &sanou, json!({"lede": "Retouche."}))
        .await
        .expect(200);
    app.patch(&path, &sanou, json!({"authors": ["issouf-sanou"]}))
        .await
        .problem(403);
    assert_eq!(
        app.get_as(&path, &editor).await.body["authors"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Pins: duplicates collapse; a patch without `enabled` keeps related content as it was.
    let r = app
        .patch(
            &path,
            &editor,
            json!({"related": {"pinned": [1, 2, 1], "enabled": false}}),
        )
        .await
        .expect(200);
    assert_eq!(
        r.body["related"],
        json!({"pinned": [1, 2], "enabled": false})
    );
    let r = app
        .patch(&path, &editor, json!({"related": {"pinned": [2]}}))
        .await
        .expect(200);
    assert_eq!(r.body["related"], json!({"pinned": [2], "enabled": false}));
});

both!(a_renamed_tag_answers_to_its_new_name, |app| async move {
    let editor = app.staff("editor", None).await;
    app.patch(
        "/v1/tags/defense",
        &editor,
        json!({"name": "Défense nationale"}),
    )
    .await
    .expect(200);
    let a = app.article(&editor, json!({"title": "Tag renommé", "body": "b", "rubrique": "securite", "tags": ["Défense nationale"]})).await;
    assert_eq!(a["tags"][0]["slug"], "defense", "no duplicate tag");
    // A rename changes the article's representation, and so its validator.
    let path = format!("/v1/articles/{}", a["id"]);
    let etag = app.get_as(&path, &editor).await.header("etag").unwrap();
    app.patch("/v1/tags/defense", &editor, json!({"name": "Défense"}))
        .await
        .expect(200);
    let again = app
        .raw(
            awc::http::Method::GET,
            &path,
            Some(&editor),
            None,
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(again.status.as_u16(), 200);
    app.raw(
        awc::http::Method::PATCH,
        &path,
        Some(&editor),
        Some("{\"lede\": \"x\"}".into()),
        &[("If-Match", &etag)],
    )
    .await
    .expect(200);
});
