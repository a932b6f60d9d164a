//! Article revisions and the audit log.

use crate::both;
use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD};
use serde_json::json;

both!(
    every_article_change_keeps_the_previous_version,
    |app| async move {
        let admin = app.admin().await;
        let a = app
            .article(
                &admin,
                json!({"title": "Version un", "body": "Premier texte.", "rubrique": "politique"}),
            )
            .await;
        let path = format!("/v1/articles/{}", a["id"]);
        app.patch(&path, &admin, json!({"title": "Version deux"}))
            .await
            .expect(200);
        app.patch(&path, &admin, json!({"body": "Texte révisé."}))
            .await
            .expect(200);
        let r = app
            .get_as(&format!("{path}/revisions"), &admin)
            .await
            .expect(200);
        let versions: Vec<i64> = r.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_i64().unwrap())
            .collect();
        assert_eq!(versions, vec![2, 1]);
        assert_eq!(r.body["data"][1]["article"]["title"], "Version un");
        assert_eq!(r.body["data"][0]["article"]["body"], "Premier texte.");
        assert!(r.body["data"][0]["replaced_by"].is_i64());
        app.get(&format!("{path}/revisions")).await.problem(401);
        let other = app.staff("author", Some("issouf-sanou")).await;
        app.get_as(&format!("{path}/revisions"), &other)
            .await
            .problem(404);
    }
);

both!(
    sensitive_actions_are_audited_without_secrets,
    |app| async move {
        app.login(ADMIN_EMAIL, "pas-le-bon-mot-de-passe")
            .await
            .problem(401);
        let admin = app.admin().await;
        let a = app.article(&admin, json!({"title": "Audité", "body": "b", "rubrique": "politique", "status": "published"})).await;
        app.delete(&format!("/v1/articles/{}", a["id"]), &admin)
            .await
            .expect(204);
        let user = app.post("/v1/users", &admin, json!({"email": "audit@kiosque.test", "password": "mot-de-passe-long", "role": "author"})).await.expect(201);
        app.patch(
            &format!("/v1/users/{}", user.body["id"]),
            &admin,
            json!({"role": "editor", "password": "un-autre-mot-de-passe"}),
        )
        .await
        .expect(200);
        let key = app
            .post("/v1/api-keys", &admin, json!({"name": "Partenaire"}))
            .await
            .expect(201);
        let secret = key.body["secret"].as_str().unwrap().to_owned();
        let log = app
            .get_as("/v1/audit?per_page=100", &admin)
            .await
            .expect(200);
        let actions: Vec<&str> = log.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for expected in [
            "auth.login_failed",
            "auth.login",
            "article.publish",
            "article.delete",
            "user.create",
            "user.role_change",
            "user.password_change",
            "api_key.create",
        ] {
            assert!(
                actions.contains(&expected),
                "{expected} missing from {actions:?}"
            );
        }
        for secret_text in [
            secret.as_str(),
            "mot-de-passe-long",
            "un-autre-mot-de-passe",
            "$argon2",
            ADMIN_PASSWORD,
        ] {
            assert!(
                !log.text.contains(secret_text),
                "the audit log leaks {secret_text}"
            );
        }
        let only = app
            .get_as("/v1/audit?action=auth.login_failed", &admin)
            .await
            .expect(200);
        assert!(only.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"] == "auth.login_failed"));
        assert_eq!(
            only.body["data"][0]["target"],
            format!("email:{ADMIN_EMAIL}")
        );
        let editor = app.staff("editor", None).await;
        app.get_as("/v1/audit", &editor).await.problem(403);
        app.get("/v1/audit").await.problem(401);
    }
);
