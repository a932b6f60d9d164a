//! Rubriques, authors and tags: reads, writes, conflicts and role rules.

use crate::both;
use awc::http::Method;
use serde_json::json;

both!(
    rubriques_list_by_position_and_nest_as_a_tree,
    |app| async move {
        let r = app.get("/v1/rubriques?per_page=100").await.expect(200);
        assert_eq!(r.body["meta"]["total"], 10);
        let first = &r.body["data"][0];
        assert_eq!(first["slug"], "politique");
        assert!(first["url"]
            .as_str()
            .unwrap()
            .ends_with("/rubriques/politique"));
        let securite = r.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["slug"] == "securite")
            .unwrap()
            .clone();
        assert_eq!(securite["article_count"], 3);
        let tree = app.get("/v1/rubriques?tree=true").await.expect(200);
        assert_eq!(tree.body["meta"]["total"], 7, "top-level rubriques");
        let eco = tree.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["slug"] == "economie")
            .unwrap()
            .clone();
        assert_eq!(eco["children"][0]["slug"], "agriculture");
        assert_eq!(eco["children"][0]["parent"]["slug"], "economie");
        let slim = app
            .get("/v1/rubriques?tree=true&fields=slug,children")
            .await
            .expect(200);
        let eco = slim.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["slug"] == "economie")
            .unwrap()
            .clone();
        assert_eq!(
            eco["children"][0],
            serde_json::json!({"slug": "agriculture", "children": []})
        );
        let one = app.get("/v1/rubriques/agriculture").await.expect(200);
        assert_eq!(one.body["parent"]["slug"], "economie");
        assert_eq!(
            app.get(&format!("/v1/rubriques/{}", one.body["id"]))
                .await
                .expect(200)
                .body,
            one.body
        );
        app.get("/v1/rubriques/nulle-part").await.problem(404);
        app.get("/v1/rubriques?tree=maybe").await.problem(400);
        let paged = app.get("/v1/rubriques?per_page=3").await.expect(200);
        let c = paged.body["meta"]["next_cursor"]
            .as_str()
            .unwrap()
            .to_owned();
        let next = app
            .get(&format!("/v1/rubriques?per_page=3&cursor={c}"))
            .await
            .expect(200);
        assert_eq!(next.slugs(), r.slugs()[3..6].to_vec());
    }
);

both!(
    editors_write_rubriques_and_a_full_one_cannot_be_deleted,
    |app| async move {
        let editor = app.staff("editor", None).await;
        let r = app.post("/v1/rubriques", &editor, json!({"name": "Économie numérique", "parent": "economie", "position": 5, "description": "Télécoms."})).await.expect(201);
        assert_eq!(r.body["slug"], "economie-numerique");
        assert_eq!(r.body["parent"]["slug"], "economie");
        let path = format!("/v1/rubriques/{}", r.body["id"]);
        app.post(
            "/v1/rubriques",
            &editor,
            json!({"name": "Autre", "slug": "economie-numerique"}),
        )
        .await
        .problem(409);
        app.post("/v1/rubriques", &editor, json!({"name": ""}))
            .await
            .problem(422);
        app.post(
            "/v1/rubriques",
            &editor,
            json!({"name": "X", "parent": "nulle-part"}),
        )
        .await
        .problem(422);
        // A rubrique cannot move under its own descendant.
        app.patch(
            "/v1/rubriques/economie",
            &editor,
            json!({"parent": r.body["id"]}),
        )
        .await
        .problem(422);
        let etag = r.header("etag").unwrap();
        let up = app
            .raw(
                Method::PATCH,
                &path,
                Some(&editor),
                Some(json!({"name": "Numérique"}).to_string()),
                &[("If-Match", &etag)],
            )
            .await
            .expect(200);
        assert_eq!(up.body["name"], "Numérique");
        assert_eq!(up.body["slug"], "economie-numerique");
        app.raw(
            Method::PATCH,
            &path,
            Some(&editor),
            Some(json!({"name": "Encore"}).to_string()),
            &[("If-Match", &etag)],
        )
        .await
        .problem(412);
        app.delete("/v1/rubriques/securite", &editor)
            .await
            .problem(409);
        app.delete("/v1/rubriques/economie", &editor)
            .await
            .problem(409);
        app.delete(&path, &editor).await.expect(204);
        app.get(&path).await.problem(404);
        let author = app.staff("author", Some("andre-martin-bado")).await;
        app.post("/v1/rubriques", &author, json!({"name": "Pirate"}))
            .await
            .problem(403);
        app.patch(
            "/v1/rubriques/politique",
            &author,
            json!({"name": "Pirate"}),
        )
        .await
        .problem(403);
        app.delete("/v1/rubriques/politique", &author)
            .await
            .problem(403);
    }
);

both!(authors_are_public_bylines_with_counts, |app| async move {
    let r = app.get("/v1/authors").await.expect(200);
    assert_eq!(r.body["meta"]["total"], 6);
    let names: Vec<&str> = r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names[0], "Aminata Kaboré",
        "ordered by folded name: {names:?}"
    );
    let bado = app.get("/v1/authors/andre-martin-bado").await.expect(200);
    assert_eq!(bado.body["article_count"], 4);
    assert!(bado.body.get("email").is_none());
    assert!(bado.body["links"].is_array());
    app.get("/v1/authors/personne").await.problem(404);
});

both!(
    editors_write_authors_and_a_signing_one_cannot_be_deleted,
    |app| async move {
        let editor = app.staff("editor", None).await;
        let r = app.post("/v1/authors", &editor, json!({"name": "Rasmata Compaoré", "bio": "Correspondante à Dori.", "links": [{"label": "Site", "url": "https://example.org/rc"}]})).await.expect(201);
        assert_eq!(r.body["slug"], "rasmata-compaore");
        assert_eq!(r.body["article_count"], 0);
        let path = format!("/v1/authors/{}", r.body["slug"].as_str().unwrap());
        app.post(
            "/v1/authors",
            &editor,
            json!({"name": "X", "links": [{"label": "", "url": "javascript:alert(1)"}]}),
        )
        .await
        .problem(422);
        app.post(
            "/v1/authors",
            &editor,
            json!({"name": "X", "avatar_url": "not a url"}),
        )
        .await
        .problem(422);
        app.post(
            "/v1/authors",
            &editor,
            json!({"name": "X", "email": "x@y.z"}),
        )
        .await
        .problem(422);
        app.post(
            "/v1/authors",
            &editor,
            json!({"name": "X", "slug": "andre-martin-bado"}),
        )
        .await
        .problem(409);
        let up = app
            .patch(
                &path,
                &editor,
                json!({"bio": null, "avatar_url": "https://images.example.org/rc.jpg"}),
            )
            .await
            .expect(200);
        assert_eq!(up.body["bio"], "");
        assert_eq!(up.body["version"], 2);
        app.delete("/v1/authors/andre-martin-bado", &editor)
            .await
            .problem(409);
        app.delete(&path, &editor).await.expect(204);
        let contributor = app.staff("contributor", Some("issouf-sanou")).await;
        app.post("/v1/authors", &contributor, json!({"name": "Moi"}))
            .await
            .problem(403);
    }
);

both!(tags_list_by_name_or_as_a_cloud, |app| async move {
    let admin = app.admin().await;
    let all = app
        .get_as("/v1/tags?per_page=100", &admin)
        .await
        .expect(200);
    assert_eq!(all.body["meta"]["total"], 23);
    let r = app.get("/v1/tags?per_page=100").await.expect(200);
    let public = r.body["data"].as_array().unwrap();
    assert!(!public.is_empty());
    assert!(
        public
            .iter()
            .all(|t| t["article_count"].as_i64().unwrap() > 0),
        "only tags of published articles"
    );
    assert!(public.len() < 23 && !public.is_empty());
    let cloud = app
        .get("/v1/tags?sort=-article_count&per_page=5")
        .await
        .expect(200);
    let counts: Vec<i64> = cloud.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["article_count"].as_i64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    let c = cloud.body["meta"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let next = app
        .get(&format!(
            "/v1/tags?sort=-article_count&per_page=5&cursor={c}"
        ))
        .await
        .expect(200);
    assert!(next.body["data"][0]["article_count"].as_i64().unwrap() <= counts[4]);
    app.get(&format!("/v1/tags?cursor={c}")).await.problem(400);
    app.get("/v1/tags?sort=random").await.problem(400);
    let t = app.get("/v1/tags/fespaco").await.expect(200);
    assert_eq!(t.body["article_count"], 3);
});

both!(
    editors_write_tags_and_deleting_one_unlinks_it,
    |app| async move {
        let editor = app.staff("editor", None).await;
        let r = app
            .post("/v1/tags", &editor, json!({"name": "Sécurité alimentaire"}))
            .await
            .expect(201);
        assert_eq!(r.body["slug"], "securite-alimentaire");
        app.post(
            "/v1/tags",
            &editor,
            json!({"name": "sécurité  alimentaire"}),
        )
        .await
        .problem(409);
        app.post("/v1/tags", &editor, json!({"name": "!!!"}))
            .await
            .problem(422);
        app.post("/v1/tags", &editor, json!({"name": "x".repeat(61)}))
            .await
            .problem(422);
        let up = app
            .patch(
                "/v1/tags/securite-alimentaire",
                &editor,
                json!({"name": "Sécurité alimentaire au Sahel"}),
            )
            .await
            .expect(200);
        assert_eq!(up.body["slug"], "securite-alimentaire");
        app.delete("/v1/tags/fespaco", &editor).await.expect(204);
        assert_eq!(
            app.get("/v1/articles?tag=fespaco").await.body["meta"]["total"],
            0
        );
        let a = app.get("/v1/articles?per_page=100&fields=tags").await;
        assert!(!a.text.contains("\"fespaco\""));
        let author = app.staff("author", Some("andre-martin-bado")).await;
        app.post("/v1/tags", &author, json!({"name": "Pirate"}))
            .await
            .problem(403);
        app.delete("/v1/tags/defense", &author).await.problem(403);
    }
);

both!(
    rubriques_authors_and_tags_answer_201_with_location_and_412_on_a_stale_version,
    |app| async move {
        let admin = app.admin().await;
        for (path, body, letter) in [
            ("/v1/rubriques", json!({"name": "Environnement"}), "r"),
            ("/v1/authors", json!({"name": "Awa Traoré"}), "p"),
            ("/v1/tags", json!({"name": "Climat"}), "t"),
        ] {
            let created = app.post(path, &admin, body).await.expect(201);
            let id = created.body["id"].as_i64().unwrap();
            let location = created.header("location").unwrap();
            assert_eq!(location, format!("{path}/{id}"));
            let etag = created.header("etag").unwrap();
            assert_eq!(etag, format!("\"{letter}{id}-v1\""));
            // The Location answers with the same resource (to staff: an empty tag is not public).
            let read = app.get_as(&location, &admin).await.expect(200);
            assert_eq!(read.body["id"], id);
            // A stale If-Match is a 412 and changes nothing; the current one goes through.
            let stale = [("If-Match", "\"x0-v0\"")];
            let patch = json!({"name": "Renommé"}).to_string();
            app.raw(
                Method::PATCH,
                &location,
                Some(&admin),
                Some(patch.clone()),
                &stale,
            )
            .await
            .problem(412);
            assert_ne!(app.get_as(&location, &admin).await.body["name"], "Renommé");
            app.raw(Method::DELETE, &location, Some(&admin), None, &stale)
                .await
                .problem(412);
            app.get_as(&location, &admin).await.expect(200);
            let current = [("If-Match", etag.as_str())];
            let updated = app
                .raw(
                    Method::PATCH,
                    &location,
                    Some(&admin),
                    Some(patch),
                    &current,
                )
                .await
                .expect(200);
            assert_eq!(updated.body["name"], "Renommé");
            let newer = updated.header("etag").unwrap();
            assert_eq!(newer, format!("\"{letter}{id}-v2\""));
            // The old ETag is now stale for a delete too.
            app.raw(Method::DELETE, &location, Some(&admin), None, &current)
                .await
                .problem(412);
            let now = [("If-Match", newer.as_str())];
            app.raw(Method::DELETE, &location, Some(&admin), None, &now)
                .await
                .expect(204);
            app.get_as(&location, &admin).await.problem(404);
        }
    }
);
