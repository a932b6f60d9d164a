//! Logging in, `/v1/me`, and tokens that must be refused.

use crate::both;
use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, SECRET};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::json;

fn sign(claims: serde_json::Value, secret: &str, alg: Algorithm) -> String {
    encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn claims(sub: &str, exp_offset: i64) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": "kiosque", "aud": "kiosque-staff", "sub": sub, "role": "admin", "iat": now, "nbf": now, "exp": now + exp_offset, "typ": "access", "sgen": 0})
}

both!(
    logging_in_gives_a_short_lived_bearer_token,
    |app| async move {
        let r = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200);
        assert_eq!(r.body["token_type"], "Bearer");
        assert_eq!(r.body["expires_in"], 900);
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
        let token = r.body["access_token"].as_str().unwrap();
        let me = app.get_as("/v1/me", token).await.expect(200);
        assert_eq!(me.body["email"], ADMIN_EMAIL);
        assert_eq!(me.body["role"], "admin");
        assert!(me.body.get("password_hash").is_none() && !me.text.contains("argon2"));
        // E-mails are case-insensitive.
        app.login(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD)
            .await
            .expect(200);
    }
);

both!(wrong_credentials_get_the_same_401, |app| async move {
    let wrong = app
        .login(ADMIN_EMAIL, "mauvais-mot-de-passe")
        .await
        .problem(401);
    let unknown = app
        .login("personne@kiosque.test", "mauvais-mot-de-passe")
        .await
        .problem(401);
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
    app.request(
        awc::http::Method::POST,
        "/v1/auth/token",
        None,
        Some(&json!({"email": ADMIN_EMAIL})),
    )
    .await
    .problem(422);
    app.get("/v1/me").await.problem(401);
});

both!(
    forged_expired_and_foreign_tokens_are_401,
    |app| async move {
        let real = app.admin().await;
        app.get_as("/v1/me", &real).await.expect(200);
        let user_id = app.get_as("/v1/me", &real).await.body["id"].to_string();
        let cases = vec![
            (
                "another key",
                sign(
                    claims(&user_id, 600),
                    "another-secret-another-secret-another!",
                    Algorithm::HS256,
                ),
            ),
            (
                "another algorithm",
                sign(claims(&user_id, 600), SECRET, Algorithm::HS512),
            ),
            (
                "expired",
                sign(claims(&user_id, -3600), SECRET, Algorithm::HS256),
            ),
            ("wrong audience", {
                let mut c = claims(&user_id, 600);
                c["aud"] = "someone-else".into();
                sign(c, SECRET, Algorithm::HS256)
            }),
            ("wrong issuer", {
                let mut c = claims(&user_id, 600);
                c["iss"] = "wordpress".into();
                sign(c, SECRET, Algorithm::HS256)
            }),
            ("string exp", {
                let mut c = claims(&user_id, 600);
                c["exp"] = "9999999999".into();
                sign(c, SECRET, Algorithm::HS256)
            }),
            ("no exp", {
                let mut c = claims(&user_id, 600);
                c.as_object_mut().unwrap().remove("exp");
                sign(c, SECRET, Algorithm::HS256)
            }),
            ("not yet valid", {
                let mut c = claims(&user_id, 6000);
                c["nbf"] = (chrono::Utc::now().timestamp() + 3000).into();
                sign(c, SECRET, Algorithm::HS256)
            }),
            ("another token kind", {
                let mut c = claims(&user_id, 600);
                c["typ"] = "refresh".into();
                sign(c, SECRET, Algorithm::HS256)
            }),
            (
                "unknown user",
                sign(claims("424242", 600), SECRET, Algorithm::HS256),
            ),
            ("garbage", "not.a.token".to_owned()),
        ];
        // alg=none: header {"alg":"none"} and no signature.
        let b64 = |v: serde_json::Value| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let none = format!(
            "{}.{}.",
            b64(json!({"alg": "none", "typ": "JWT"})),
            b64(claims(&user_id, 600))
        );
        for (name, token) in cases.into_iter().chain([("alg none", none)]) {
            let r = app.get_as("/v1/me", &token).await;
            assert_eq!(r.status.as_u16(), 401, "{name} was accepted: {}", r.text);
            // A bad token is refused on public routes too, rather than silently ignored.
            assert_eq!(
                app.get_as("/v1/articles", &token).await.status.as_u16(),
                401,
                "{name}"
            );
        }
        let r = app
            .raw(
                awc::http::Method::GET,
                "/v1/me",
                None,
                None,
                &[("Authorization", "Basic YWRtaW46YWRtaW4=")],
            )
            .await;
        r.problem(401);
    }
);

both!(a_disabled_account_loses_access_at_once, |app| async move {
    let admin = app.admin().await;
    let editor = app.staff("editor", None).await;
    let me = app.get_as("/v1/me", &editor).await.expect(200);
    app.patch(
        &format!("/v1/users/{}", me.body["id"]),
        &admin,
        json!({"disabled": true}),
    )
    .await
    .expect(200);
    app.get_as("/v1/me", &editor).await.problem(401);
});

both!(
    a_token_without_iat_or_role_or_with_a_wrong_audience_is_refused,
    |app| async move {
        use jsonwebtoken::{encode, EncodingKey, Header};
        let good = app.admin().await;
        app.get_as("/v1/me", &good).await.expect(200);
        let now = chrono::Utc::now().timestamp();
        let full = serde_json::json!({"iss": "kiosque", "aud": "kiosque-staff", "sub": "1", "role": "admin",
            "iat": now, "nbf": now, "exp": now + 600, "typ": "access", "sgen": 0});
        let key = EncodingKey::from_secret(crate::helpers::SECRET.as_bytes());
        let sign = |claims: &serde_json::Value| encode(&Header::default(), claims, &key).unwrap();
        // The same claims, signed the same way, pass: so each refusal below is the claim's doing.
        let as_issued = app.get_as("/v1/me", &sign(&full)).await;
        let sgen_ok = as_issued.status == 200;
        for missing in ["iat", "role", "exp", "sub", "iss", "aud", "nbf"] {
            let mut c = full.clone();
            c.as_object_mut().unwrap().remove(missing);
            app.get_as("/v1/me", &sign(&c)).await.problem(401);
        }
        for (claim, value) in [
            ("aud", json!("someone-else")),
            ("iss", json!("other")),
            ("typ", json!("refresh")),
            ("exp", json!(now - 120)),
            ("nbf", json!(now + 600)),
        ] {
            let mut c = full.clone();
            c[claim] = value;
            app.get_as("/v1/me", &sign(&c)).await.problem(401);
        }
        assert!(
            sgen_ok,
            "a hand-made token with every claim is accepted: {}",
            as_issued.text
        );
    }
);
