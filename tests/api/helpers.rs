//! The test app: a fresh database per test, the real server on port 0, and a small HTTP client.

use std::sync::atomic::{AtomicU32, Ordering};

use awc::http::{header, Method, StatusCode};
use diesel::{Connection, RunQueryDsl};
use kiosque::config::Config;
use serde_json::Value;

pub const ADMIN_EMAIL: &str = "admin@kiosque.test";
pub const ADMIN_PASSWORD: &str = "un-mot-de-passe-admin";
pub const SECRET: &str = "test-secret-test-secret-test-secret!";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares a test that runs once per backend: `both!(name, |app| async move { … });`
#[macro_export]
macro_rules! both {
    ($name:ident, |$app:ident| $body:expr) => {
        $crate::both!($name, tweak = |_| {}, |$app| $body);
    };
    // With the settings changed first: `both!(name, tweak = |c| c.demo_content = false, |app| …)`.
    ($name:ident, tweak = $tweak:expr, |$app:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[actix_rt::test]
            async fn sqlite() {
                let $app =
                    $crate::helpers::TestApp::spawn_with($crate::helpers::Backend::Sqlite, $tweak)
                        .await
                        .expect("backend available");
                $body.await;
            }
            #[actix_rt::test]
            #[cfg_attr(
                not(kiosque_pg),
                ignore = "the PostgreSQL half: build and run with KIOSQUE_TEST_POSTGRES_URL set"
            )]
            async fn postgres() {
                let $app = $crate::helpers::TestApp::spawn_with(
                    $crate::helpers::Backend::Postgres,
                    $tweak,
                )
                .await
                .expect("backend available");
                $body.await;
            }
        }
    };
}

pub struct TestApp {
    pub base: String,
    pub client: awc::Client,
    #[allow(dead_code)]
    pub backend: Backend,
    /// The test's own database (for tests that look below HTTP).
    #[allow(dead_code)]
    pub db_url: String,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

/// A response: status, headers and the body parsed as JSON (Null when empty or not JSON).
pub struct Res {
    pub status: StatusCode,
    pub headers: awc::http::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Res {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Res {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }
    /// Asserts a problem+json error with this status.
    #[track_caller]
    pub fn problem(self, status: u16) -> Res {
        let r = self.expect(status);
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/problem+json"),
            "not problem+json: {}",
            r.text
        );
        assert_eq!(r.body["status"], status, "problem status: {}", r.text);
        assert!(
            r.body["type"].is_string()
                && r.body["title"].is_string()
                && r.body["detail"].is_string()
        );
        r
    }
    pub fn ids(&self) -> Vec<i64> {
        self.body["data"]
            .as_array()
            .map(|a| a.iter().map(|x| x["id"].as_i64().unwrap_or(-1)).collect())
            .unwrap_or_default()
    }
    pub fn slugs(&self) -> Vec<String> {
        self.body["data"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x["slug"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("kiosque_t_{}_{}_{}", std::process::id(), n, nanos)
}

fn pg_server_url() -> Option<String> {
    std::env::var("KIOSQUE_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Replaces the database name of a PostgreSQL URL.
fn with_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..path_start], db);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {})
            .await
            .expect("backend available")
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let (url, dir, pg_drop) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("kiosque.db").display());
                (url, Some(dir), None)
            }
            Backend::Postgres => {
                let Some(server) = pg_server_url() else {
                    // Built with a server configured, a run without one is a failure, not a skip.
                    if cfg!(kiosque_pg) {
                        panic!("these tests were built with KIOSQUE_TEST_POSTGRES_URL set; set it to run them");
                    }
                    eprintln!("KIOSQUE_TEST_POSTGRES_URL is not set: PostgreSQL half skipped");
                    return None;
                };
                let name = unique_name();
                let mut admin = diesel::PgConnection::establish(&server).unwrap_or_else(|e| {
                    panic!("KIOSQUE_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {e}")
                });
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                (with_db(&server, &name), None, Some((server, name)))
            }
        };
        let mut config = Config::from_lookup(|k| match k {
            "DATABASE_URL" => Some(url.clone()),
            "KIOSQUE_BIND" => Some("127.0.0.1:0".into()),
            "KIOSQUE_SITE_URL" => Some("https://journal.test".into()),
            "KIOSQUE_JWT_SECRET" => Some(SECRET.into()),
            "KIOSQUE_ADMIN_EMAIL" => Some(ADMIN_EMAIL.into()),
            "KIOSQUE_ADMIN_PASSWORD" => Some(ADMIN_PASSWORD.into()),
            "KIOSQUE_WORKERS" => Some("1".into()),
            "KIOSQUE_DB_POOL_SIZE" => Some("4".into()),
            // Tests log in far more often than a person; the throttle has its own test.
            "KIOSQUE_RATE_LIMIT_LOGIN" => Some("1000".into()),
            // Tests read right after writing below HTTP too; the response cache has its own test.
            "KIOSQUE_RESPONSE_CACHE_SECS" => Some("0".into()),
            // One listening thread per app is for the tests of the peers (tests/api/peers.rs).
            "KIOSQUE_PEERS" => Some("false".into()),
            _ => None,
        })
        .expect("test config");
        tweak(&mut config);
        let url = config.database_url.clone();
        let app = kiosque::startup::Application::build(config).expect("app starts");
        let base = format!("http://{}", app.addr);
        actix_rt::spawn(app.server);
        Some(TestApp {
            base,
            client: awc::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .finish(),
            backend,
            db_url: url.clone(),
            _dir: dir,
            pg_drop,
        })
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Res {
        self.raw(method, path, token, body.map(|b| b.to_string()), &[])
            .await
    }

    /// A request with a raw body and extra headers (JSON content type when a body is given, unless overridden).
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.insert_header((header::AUTHORIZATION, format!("Bearer {t}")));
        }
        let has_ct = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let mut res = match body {
            Some(b) => {
                if !has_ct {
                    req = req.insert_header((header::CONTENT_TYPE, "application/json"));
                }
                req.send_body(b).await
            }
            None => req.send().await,
        }
        .expect("request sent");
        let bytes = res.body().limit(16 * 1024 * 1024).await.expect("body read");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Res {
            status: res.status(),
            headers: res.headers().clone(),
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Res {
        self.request(Method::GET, path, None, None).await
    }
    pub async fn get_as(&self, path: &str, token: &str) -> Res {
        self.request(Method::GET, path, Some(token), None).await
    }
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Res {
        self.request(Method::POST, path, Some(token), Some(&body))
            .await
    }
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Res {
        self.request(Method::PATCH, path, Some(token), Some(&body))
            .await
    }
    pub async fn delete(&self, path: &str, token: &str) -> Res {
        self.request(Method::DELETE, path, Some(token), None).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Res {
        let body = serde_json::json!({"email": email, "password": password});
        self.request(Method::POST, "/v1/auth/token", None, Some(&body))
            .await
    }

    /// Runs one statement on the test's database below HTTP: what another instance, an older
    /// version or a hand-written statement does.
    pub fn execute_sql(&self, statement: &str) {
        use kiosque::db::AnyConnection;
        let db = kiosque::db::Db::connect(&self.db_url, 1, std::time::Duration::from_secs(5))
            .expect("database");
        let mut conn = db.get().expect("connection");
        match &mut *conn {
            AnyConnection::Sqlite(c) => diesel::sql_query(statement).execute(c),
            AnyConnection::Postgresql(c) => diesel::sql_query(statement).execute(c),
        }
        .expect("statement");
    }

    /// Runs a script of statements (a migration's text) on the test's database below HTTP.
    pub fn execute_batch(&self, script: &str) {
        use diesel::connection::SimpleConnection;
        let db = kiosque::db::Db::connect(&self.db_url, 1, std::time::Duration::from_secs(5))
            .expect("database");
        let mut conn = db.get().expect("connection");
        conn.batch_execute(script).expect("script");
    }

    /// The one number a statement selects (as `n`), read below the API.
    pub fn sql_number(&self, statement: &str) -> i64 {
        use diesel::sql_types::BigInt;
        use kiosque::db::AnyConnection;
        #[derive(diesel::QueryableByName)]
        struct Number {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let db = kiosque::db::Db::connect(&self.db_url, 1, std::time::Duration::from_secs(5))
            .expect("database");
        let mut conn = db.get().expect("connection");
        match &mut *conn {
            AnyConnection::Sqlite(c) => diesel::sql_query(statement).get_result::<Number>(c),
            AnyConnection::Postgresql(c) => diesel::sql_query(statement).get_result::<Number>(c),
        }
        .expect("statement")
        .n
    }

    /// The start-up admin's token.
    pub async fn admin(&self) -> String {
        let r = self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200);
        r.body["access_token"].as_str().expect("token").to_owned()
    }

    /// Creates an account with this role (linked to `author`, a slug, if given) and returns its token.
    pub async fn staff(&self, role: &str, author: Option<&str>) -> String {
        let admin = self.admin().await;
        let email = format!(
            "{}-{}@kiosque.test",
            role,
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let password = "mot-de-passe-redaction";
        let mut body = serde_json::json!({"email": email, "password": password, "role": role});
        if let Some(a) = author {
            body["author"] = a.into();
        }
        self.post("/v1/users", &admin, body).await.expect(201);
        let r = self.login(&email, password).await.expect(200);
        r.body["access_token"].as_str().expect("token").to_owned()
    }

    /// Creates an article as `token` and returns its JSON.
    pub async fn article(&self, token: &str, body: Value) -> Value {
        self.post("/v1/articles", token, body)
            .await
            .expect(201)
            .body
    }
}

impl TestApp {
    /// PostgreSQL only: drops this test's database under the running server (the database "down").
    pub fn drop_database_now(&self) {
        let (server, name) = self.pg_drop.as_ref().expect("a PostgreSQL test app");
        let mut admin = diesel::PgConnection::establish(server).expect("PostgreSQL reachable");
        diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&mut admin)
            .expect("drop the test database");
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((server, name)) = self.pg_drop.take() {
            if let Ok(mut admin) = diesel::PgConnection::establish(&server) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

/// Today's seeded demo article everyone can reference.
pub const DEMO_SLUG: &str = "cooperation-militaire-des-soldats-russes-atterrissent-a-ouagadougou";
