//! EdDSA key files, `kid`, and key rotation without logging anyone out.

use crate::helpers::{Backend, TestApp};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};

fn keys_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keys")
}

async fn app_signing_with(
    backend: Backend,
    current: &str,
    kid: &str,
    previous: &[(&str, &str)],
) -> Option<TestApp> {
    let dir = keys_dir();
    let (current, kid) = (current.to_owned(), kid.to_owned());
    let previous: Vec<(String, std::path::PathBuf)> = previous
        .iter()
        .map(|(k, f)| (k.to_string(), dir.join(f)))
        .collect();
    TestApp::spawn_with(backend, move |c| {
        c.jwt_key_files = Some((
            dir.join(format!("{current}.pem")),
            dir.join(format!("{current}.pub.pem")),
        ));
        c.jwt_kid = kid;
        c.jwt_previous_keys = previous;
    })
    .await
}

fn header_of(token: &str) -> serde_json::Value {
    use base64::Engine;
    let part = token.split('.').next().unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

#[actix_rt::test]
async fn key_files_sign_eddsa_tokens_with_a_kid() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = app_signing_with(backend, "ed1", "k1", &[]).await else {
            continue;
        };
        let token = app.admin().await;
        let header = header_of(&token);
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["kid"], "k1");
        app.get_as("/v1/me", &token).await.expect(200);
        // Algorithm confusion: an HS256 token keyed with the public key is refused.
        let public = std::fs::read(keys_dir().join("ed1.pub.pem")).unwrap();
        let now = chrono::Utc::now().timestamp();
        let claims = serde_json::json!({"iss": "kiosque", "aud": "kiosque-staff", "sub": "1", "role": "admin", "iat": now, "nbf": now, "exp": now + 600, "typ": "access", "sgen": 0});
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some("k1".into());
        let forged = encode(&h, &claims, &EncodingKey::from_secret(&public)).unwrap();
        app.get_as("/v1/me", &forged).await.problem(401);
        // A token signed with a key the server does not know is refused, whatever kid it names.
        let stranger =
            EncodingKey::from_ed_pem(&std::fs::read(keys_dir().join("ed2.pem")).unwrap()).unwrap();
        for kid in [Some("k1"), Some("k9"), None] {
            let mut h = Header::new(Algorithm::EdDSA);
            h.kid = kid.map(str::to_owned);
            let t = encode(&h, &claims, &stranger).unwrap();
            app.get_as("/v1/me", &t).await.problem(401);
        }
    }
}

#[actix_rt::test]
async fn a_new_key_keeps_accepting_tokens_of_the_previous_one() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(old) = app_signing_with(backend, "ed1", "k1", &[]).await else {
            continue;
        };
        let old_token = old.admin().await;
        let Some(new) = app_signing_with(backend, "ed2", "k2", &[("k1", "ed1.pub.pem")]).await
        else {
            continue;
        };
        let new_token = new.admin().await;
        assert_eq!(header_of(&new_token)["kid"], "k2");
        new.get_as("/v1/me", &new_token).await.expect(200);
        new.get_as("/v1/me", &old_token).await.expect(200);
        // Once the old key is dropped, its tokens stop.
        let Some(newer) = app_signing_with(backend, "ed2", "k2", &[]).await else {
            continue;
        };
        newer.get_as("/v1/me", &old_token).await.problem(401);
    }
}

#[actix_rt::test]
async fn key_files_sign_rs256_tokens_too() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = app_signing_with(backend, "rsa1", "r1", &[]).await else {
            continue;
        };
        let token = app.admin().await;
        let header = header_of(&token);
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["kid"], "r1");
        app.get_as("/v1/me", &token).await.expect(200);
        // Algorithm confusion: an HS256 token keyed with the RSA public key is refused.
        let public = std::fs::read(keys_dir().join("rsa1.pub.pem")).unwrap();
        let now = chrono::Utc::now().timestamp();
        let claims = serde_json::json!({"iss": "kiosque", "aud": "kiosque-staff", "sub": "1", "role": "admin", "iat": now, "nbf": now, "exp": now + 600, "typ": "access", "sgen": 0});
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some("r1".into());
        let forged = encode(&h, &claims, &EncodingKey::from_secret(&public)).unwrap();
        app.get_as("/v1/me", &forged).await.problem(401);
        // An EdDSA token under the RSA key's kid is refused: the algorithm is pinned per key.
        let ed =
            EncodingKey::from_ed_pem(&std::fs::read(keys_dir().join("ed1.pem")).unwrap()).unwrap();
        let mut h = Header::new(Algorithm::EdDSA);
        h.kid = Some("r1".into());
        app.get_as("/v1/me", &encode(&h, &claims, &ed).unwrap())
            .await
            .problem(401);
    }
}
