//! Refresh tokens, rotation, reuse detection, logout, and sessions ended by account changes.

use crate::both;
use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD};
use awc::http::Method;
use serde_json::json;

async fn refresh(app: &crate::helpers::TestApp, token: &str) -> crate::helpers::Res {
    app.request(
        Method::POST,
        "/v1/auth/refresh",
        None,
        Some(&json!({"refresh_token": token})),
    )
    .await
}

both!(
    a_refresh_token_rotates_and_its_reuse_revokes_the_session,
    |app| async move {
        let login = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200);
        let first = login.body["refresh_token"].as_str().unwrap().to_owned();
        assert!(first.starts_with("kr_") && first.len() > 40);
        let renewed = refresh(&app, &first).await.expect(200);
        assert_eq!(renewed.header("cache-control").as_deref(), Some("no-store"));
        let second = renewed.body["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(first, second);
        app.get_as("/v1/me", renewed.body["access_token"].as_str().unwrap())
            .await
            .expect(200);
        // The first token is dead; presenting it again revokes the whole family, the second token too.
        refresh(&app, &first).await.problem(401);
        refresh(&app, &second).await.problem(401);
        // Another session of the same account is untouched.
        let other = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.body["refresh_token"]
            .as_str()
            .unwrap()
            .to_owned();
        refresh(&app, &other).await.expect(200);
        refresh(&app, "kr_not-a-token").await.problem(401);
        app.request(Method::POST, "/v1/auth/refresh", None, Some(&json!({})))
            .await
            .problem(422);
        app.request(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(&json!({"refresh_token": "x", "user_id": 1})),
        )
        .await
        .problem(422);
    }
);

both!(logging_out_ends_the_session, |app| async move {
    let login = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200);
    let access = login.body["access_token"].as_str().unwrap().to_owned();
    let token = login.body["refresh_token"].as_str().unwrap().to_owned();
    app.request(
        Method::POST,
        "/v1/auth/logout",
        None,
        Some(&json!({"refresh_token": token})),
    )
    .await
    .problem(401);
    app.request(
        Method::POST,
        "/v1/auth/logout",
        Some(&access),
        Some(&json!({"refresh_token": token})),
    )
    .await
    .expect(204);
    refresh(&app, &token).await.problem(401);
    // Logging out someone else's session does nothing.
    let editor_login = {
        let editor = app.staff("editor", None).await;
        let me = app.get_as("/v1/me", &editor).await.body["email"]
            .as_str()
            .unwrap()
            .to_owned();
        app.login(&me, "mot-de-passe-redaction").await.expect(200)
    };
    let editor_refresh = editor_login.body["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let fresh = app.admin().await;
    app.request(
        Method::POST,
        "/v1/auth/logout",
        Some(&fresh),
        Some(&json!({"refresh_token": editor_refresh})),
    )
    .await
    .expect(204);
    refresh(&app, &editor_refresh).await.expect(200);
});

both!(
    a_password_or_role_change_ends_every_session,
    |app| async move {
        let admin = app.admin().await;
        let editor_token = app.staff("editor", None).await;
        let me = app.get_as("/v1/me", &editor_token).await.expect(200).body;
        let email = me["email"].as_str().unwrap().to_owned();
        let login = app
            .login(&email, "mot-de-passe-redaction")
            .await
            .expect(200);
        let (access, refresh_token) = (
            login.body["access_token"].as_str().unwrap().to_owned(),
            login.body["refresh_token"].as_str().unwrap().to_owned(),
        );
        // Tokens issued in the same second as the change would still pass; wait into the next second.
        app.patch(
            &format!("/v1/users/{}", me["id"]),
            &admin,
            json!({"role": "author"}),
        )
        .await
        .expect(200);
        app.get_as("/v1/me", &access).await.problem(401);
        app.get_as("/v1/me", &editor_token).await.problem(401);
        refresh(&app, &refresh_token).await.problem(401);
        let again = app
            .login(&email, "mot-de-passe-redaction")
            .await
            .expect(200);
        let new_access = again.body["access_token"].as_str().unwrap().to_owned();
        assert_eq!(
            app.get_as("/v1/me", &new_access).await.expect(200).body["role"],
            "author"
        );
        app.patch(
            &format!("/v1/users/{}", me["id"]),
            &admin,
            json!({"password": "un-tout-nouveau-mot"}),
        )
        .await
        .expect(200);
        app.get_as("/v1/me", &new_access).await.problem(401);
        refresh(&app, again.body["refresh_token"].as_str().unwrap())
            .await
            .problem(401);
        app.login(&email, "un-tout-nouveau-mot").await.expect(200);
    }
);
