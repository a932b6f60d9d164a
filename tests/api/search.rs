//! `GET /v1/articles?q=`: French full-text search, the same on both databases.

use crate::both;
use crate::helpers::DEMO_SLUG;
use serde_json::json;

fn enc(q: &str) -> String {
    serde_urlencoded::to_string([("q", q)]).unwrap()
}

both!(
    search_finds_french_words_in_any_inflection_and_without_accents,
    |app| async move {
        for q in [
            "soldats russes",
            "soldat russe",
            "SOLDATS",
            "coopération militaire",
            "cooperation militaire",
        ] {
            let r = app
                .get(&format!("/v1/articles?{}", enc(q)))
                .await
                .expect(200);
            assert_eq!(
                r.slugs().first().map(String::as_str),
                Some(DEMO_SLUG),
                "query {q}: {:?}",
                r.slugs()
            );
            let hit = &r.body["data"][0]["search"];
            assert!(hit["score"].as_f64().unwrap() > 0.0);
            let snippet = hit["snippet"].as_str().unwrap();
            assert!(snippet.contains("<mark>"), "{q}: {snippet}");
        }
        let scores: Vec<f64> = app
            .get(&format!("/v1/articles?{}", enc("coopération militaire")))
            .await
            .body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["search"]["score"].as_f64().unwrap())
            .collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "relevance order: {scores:?}"
        );
        let none = app
            .get(&format!("/v1/articles?{}", enc("zzzxqw")))
            .await
            .expect(200);
        assert_eq!(none.body["meta"]["total"], 0);
        let stop = app
            .get(&format!("/v1/articles?{}", enc("les de la")))
            .await
            .expect(200);
        assert_eq!(stop.body["meta"]["total"], 0);
    }
);

both!(phrases_and_prefixes_work, |app| async move {
    let phrase = app
        .get(&format!("/v1/articles?{}", enc("\"soldats russes\"")))
        .await
        .expect(200);
    assert!(phrase.slugs().contains(&DEMO_SLUG.to_owned()));
    let reversed = app
        .get(&format!("/v1/articles?{}", enc("\"russes soldats\"")))
        .await
        .expect(200);
    assert!(!reversed.slugs().contains(&DEMO_SLUG.to_owned()));
    let prefix = app
        .get(&format!("/v1/articles?{}", enc("coopér*")))
        .await
        .expect(200);
    assert!(
        prefix.slugs().contains(&DEMO_SLUG.to_owned()),
        "{:?}",
        prefix.slugs()
    );
    let typing = app
        .get(&format!("/v1/articles?{}", enc("ouagad*")))
        .await
        .expect(200);
    assert!(typing.body["meta"]["total"].as_i64().unwrap() >= 2);
});

both!(
    search_combines_with_filters_sorts_and_pages,
    |app| async move {
        let all = app
            .get(&format!("/v1/articles?{}&per_page=100", enc("burkina")))
            .await
            .expect(200);
        let total = all.body["meta"]["total"].as_i64().unwrap();
        assert!(total >= 3, "{total}");
        let filtered = app
            .get(&format!(
                "/v1/articles?{}&rubrique=securite&per_page=100&fields=id,rubrique,search",
                enc("burkina")
            ))
            .await
            .expect(200);
        assert!(filtered.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["rubrique"]["slug"] == "securite"));
        assert!(filtered.body["meta"]["total"].as_i64().unwrap() < total);
        assert!(
            filtered.body["meta"]["total"].as_i64().unwrap() > 0,
            "the filter kept some"
        );
        // Relevance pages by cursor without loss or repetition.
        let mut walked = Vec::new();
        let mut url = format!("/v1/articles?{}&per_page=2", enc("burkina"));
        loop {
            let r = app.get(&url).await.expect(200);
            walked.extend(r.ids());
            match r.body["meta"]["next_cursor"].as_str() {
                Some(c) => url = format!("/v1/articles?{}&per_page=2&cursor={c}", enc("burkina")),
                None => break,
            }
        }
        assert_eq!(walked, all.ids());
        let by_date = app
            .get(&format!(
                "/v1/articles?{}&sort=-published_at&per_page=100",
                enc("burkina")
            ))
            .await
            .expect(200);
        let dates: Vec<&str> = by_date.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["published_at"].as_str().unwrap())
            .collect();
        assert!(dates.windows(2).all(|w| w[0] >= w[1]));
        assert!(by_date.body["data"][0]["search"]["snippet"].is_string());
        app.get(&format!("/v1/articles?{}", enc(&"mot ".repeat(60))))
            .await
            .problem(400);
        // Words past the twelfth are ignored, not refused.
        let long = app
            .get(&format!("/v1/articles?{}", enc("ouagadougou soldats russes armee defense coton football cinema sante ecole transition election commerce numerique")))
            .await
            .expect(200);
        assert!(long.body["meta"]["total"].as_i64().unwrap() > 0);
        // `relevance` without `q` is the default order.
        let rel = app.get("/v1/articles?sort=relevance").await.expect(200);
        let default = app.get("/v1/articles").await.expect(200);
        assert_eq!(rel.body["data"], default.body["data"]);
    }
);

both!(
    the_index_follows_every_write_and_drafts_stay_hidden,
    |app| async move {
        let admin = app.admin().await;
        let a = app.article(&admin, json!({"title": "Le zorglub des savanes", "body": "Un animal imaginaire.", "rubrique": "societe", "tags": ["Bestiaire"]})).await;
        let path = format!("/v1/articles/{}", a["id"]);
        assert_eq!(
            app.get(&format!("/v1/articles?{}", enc("zorglub")))
                .await
                .body["meta"]["total"],
            0,
            "a draft is not public"
        );
        let staff = app
            .get_as(
                &format!("/v1/articles?{}&status=draft", enc("zorglub")),
                &admin,
            )
            .await
            .expect(200);
        assert_eq!(staff.ids(), vec![a["id"].as_i64().unwrap()]);
        app.patch(&path, &admin, json!({"status": "published"}))
            .await
            .expect(200);
        assert_eq!(
            app.get(&format!("/v1/articles?{}", enc("zorglubs")))
                .await
                .ids(),
            vec![a["id"].as_i64().unwrap()]
        );
        assert_eq!(
            app.get(&format!("/v1/articles?{}", enc("bestiaire")))
                .await
                .ids(),
            vec![a["id"].as_i64().unwrap()],
            "tags are searchable"
        );
        app.patch(
            &path,
            &admin,
            json!({"title": "Le marsupilami des savanes"}),
        )
        .await
        .expect(200);
        assert_eq!(
            app.get(&format!("/v1/articles?{}", enc("zorglub")))
                .await
                .body["meta"]["total"],
            0
        );
        assert_eq!(
            app.get(&format!("/v1/articles?{}", enc("marsupilami")))
                .await
                .body["meta"]["total"],
            1
        );
        app.patch("/v1/tags/bestiaire", &admin, json!({"name": "Ménagerie"}))
            .await
            .expect(200);
        assert_eq!(
            app.get(&format!("/v1/articles?{}", enc("ménagerie")))
                .await
                .body["meta"]["total"],
            1,
            "a renamed tag is reindexed"
        );
        app.delete(&path, &admin).await.expect(204);
        assert_eq!(
            app.get(&format!("/v1/articles?{}", enc("marsupilami")))
                .await
                .body["meta"]["total"],
            0
        );
    }
);

both!(
    a_query_cannot_inject_markup_into_snippets,
    |app| async move {
        let admin = app.admin().await;
        app.article(&admin, json!({"title": "Balises", "body": "Le mot script apparaît ici : <b>script</b> &amp; alert.", "body_format": "markdown", "rubrique": "societe", "status": "published"})).await;
        let r = app
            .get(&format!(
                "/v1/articles?{}",
                enc("<script>alert(1)</script>")
            ))
            .await
            .expect(200);
        for item in r.body["data"].as_array().unwrap() {
            let s = item["search"]["snippet"].as_str().unwrap();
            let without_marks = s.replace("<mark>", "").replace("</mark>", "");
            assert!(!without_marks.contains('<'), "unescaped markup in {s}");
        }
        assert!(r.body["meta"]["total"].as_i64().unwrap() >= 1);
    }
);

both!(
    unpublished_text_never_moves_a_public_score_and_ties_page_cleanly,
    |app| async move {
        let admin = app.admin().await;
        for i in 0..3 {
            app.article(&admin, json!({"title": format!("Quokka numéro {i}"), "body": "Le quokka sourit.", "rubrique": "societe", "status": "published"})).await;
        }
        let before = app
            .get(&format!("/v1/articles?{}", enc("quokka")))
            .await
            .expect(200);
        let scores = |r: &crate::helpers::Res| -> Vec<f64> {
            r.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["search"]["score"].as_f64().unwrap())
                .collect()
        };
        let contributor = app.staff("contributor", Some("issouf-sanou")).await;
        app.article(&contributor, json!({"title": "Quokka quokka quokka", "body": "Brouillon sur le quokka.", "rubrique": "societe"})).await;
        let after = app
            .get(&format!("/v1/articles?{}", enc("quokka")))
            .await
            .expect(200);
        assert_eq!(
            scores(&before),
            scores(&after),
            "a draft changed public scores"
        );
        assert_eq!(before.ids(), after.ids());
        // Equal scores page by cursor exactly as by page.
        let mut walked = Vec::new();
        let mut url = format!("/v1/articles?{}&per_page=1", enc("quokka"));
        loop {
            let r = app.get(&url).await.expect(200);
            walked.extend(r.ids());
            match r.body["meta"]["next_cursor"].as_str() {
                Some(c) => url = format!("/v1/articles?{}&per_page=1&cursor={c}", enc("quokka")),
                None => break,
            }
        }
        assert_eq!(walked, before.ids());
    }
);
