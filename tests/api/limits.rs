//! Rate limits, log-in throttling, security headers, CORS and the response cache.

use crate::helpers::{Backend, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use awc::http::Method;

/// The app on SQLite, and on PostgreSQL when it is configured.
async fn apps_with(tweak: impl Fn(&mut kiosque::config::Config)) -> Vec<TestApp> {
    let mut apps = vec![TestApp::spawn_with(Backend::Sqlite, &tweak)
        .await
        .expect("app")];
    if let Some(pg) = TestApp::spawn_with(Backend::Postgres, &tweak).await {
        apps.push(pg);
    }
    apps
}

/// The limits count per wall-clock minute: a test that counts to a limit starts its count well
/// inside one, or a minute turning over midway would reset the count under it.
fn start_early_in_a_minute() {
    let second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 60;
    if second >= 45 {
        std::thread::sleep(std::time::Duration::from_secs(61 - second));
    }
}

#[actix_rt::test]
async fn anonymous_callers_are_limited_per_address_with_ratelimit_headers() {
    start_early_in_a_minute();
    for app in apps_with(|c| c.rate_limit_anonymous = 6).await {
        // Logging in is anonymous too: it takes the first request of the bucket.
        let token = app.admin().await;
        for i in 0..5 {
            let r = app.get("/v1/tags").await.expect(200);
            assert_eq!(r.header("ratelimit-limit").as_deref(), Some("6"));
            assert_eq!(r.header("ratelimit-remaining"), Some((4 - i).to_string()));
            assert!(r.header("ratelimit-reset").is_some());
        }
        let r = app.get("/v1/articles").await.problem(429);
        assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
        assert_eq!(r.header("ratelimit-remaining").as_deref(), Some("0"));
        assert_eq!(r.body["type"], "/problems/rate-limited");
        // Health checks are never limited; staff have their own bucket.
        app.get("/health/live").await.expect(200);
        let r = app.get_as("/v1/me", &token).await.expect(200);
        assert_eq!(r.header("ratelimit-limit").as_deref(), Some("1200"));
    }
}

#[actix_rt::test]
async fn a_limit_of_zero_switches_it_off() {
    for app in apps_with(|c| c.rate_limit_anonymous = 0).await {
        for _ in 0..20 {
            let r = app.get("/v1/tags").await.expect(200);
            assert!(r.header("ratelimit-limit").is_none());
        }
    }
}

#[actix_rt::test]
async fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    start_early_in_a_minute();
    for app in apps_with(|c| c.rate_limit_anonymous = 2).await {
        for i in 0..3 {
            let xff = format!("203.0.113.{i}");
            let r = app
                .raw(
                    Method::GET,
                    "/v1/tags",
                    None,
                    None,
                    &[("X-Forwarded-For", &xff)],
                )
                .await;
            assert_eq!(
                r.status.as_u16(),
                if i < 2 { 200 } else { 429 },
                "a client cannot pick its own bucket"
            );
        }
    }
    for app in apps_with(|c| {
        c.rate_limit_anonymous = 2;
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await
    {
        for i in 0..3 {
            let xff = format!("203.0.113.{i}");
            app.raw(
                Method::GET,
                "/v1/tags",
                None,
                None,
                &[("X-Forwarded-For", &xff)],
            )
            .await
            .expect(200);
        }
    }
}

#[actix_rt::test]
async fn log_ins_are_throttled_per_account() {
    start_early_in_a_minute();
    for app in apps_with(|c| c.rate_limit_login = 3).await {
        for _ in 0..3 {
            app.login(ADMIN_EMAIL, "mauvais-mot-de-passe")
                .await
                .problem(401);
        }
        let r = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.problem(429);
        assert!(r.header("retry-after").is_some());
        // The same account in other letter case is the same account.
        app.login(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD)
            .await
            .problem(429);
        app.login("autre@kiosque.test", "x").await.problem(401);
    }
}

#[actix_rt::test]
async fn responses_carry_security_headers() {
    for app in apps_with(|_| {}).await {
        let r = app.get("/v1/articles").await.expect(200);
        assert_eq!(
            r.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(r.header("x-frame-options").as_deref(), Some("DENY"));
        assert_eq!(r.header("referrer-policy").as_deref(), Some("no-referrer"));
        assert!(r
            .header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'"));
        let err = app.get("/v1/nothing").await.problem(404);
        assert!(err.header("content-security-policy").is_some());
        assert!(
            app.get("/docs/")
                .await
                .header("content-security-policy")
                .is_none(),
            "the docs page runs its scripts"
        );
        assert!(
            r.header("access-control-allow-origin").is_none(),
            "no CORS unless configured"
        );
    }
}

async fn preflight(app: &TestApp, origin: &str) -> crate::helpers::Res {
    let headers = [
        ("Origin", origin),
        ("Access-Control-Request-Method", "GET"),
        ("Access-Control-Request-Headers", "authorization"),
    ];
    app.raw(Method::OPTIONS, "/v1/articles", None, None, &headers)
        .await
}

#[actix_rt::test]
async fn cors_answers_the_configured_origins_only() {
    for app in apps_with(|c| c.cors_origins = vec!["https://www.journal.test".into()]).await {
        let ok = preflight(&app, "https://www.journal.test").await;
        assert_eq!(
            ok.header("access-control-allow-origin").as_deref(),
            Some("https://www.journal.test")
        );
        assert!(ok.header("access-control-allow-credentials").is_none());
        let other = preflight(&app, "https://evil.example").await;
        assert!(other.header("access-control-allow-origin").is_none());
        let r = app
            .raw(
                Method::GET,
                "/v1/articles",
                None,
                None,
                &[("Origin", "https://www.journal.test")],
            )
            .await;
        assert_eq!(
            r.header("access-control-allow-origin").as_deref(),
            Some("https://www.journal.test")
        );
        assert!(r
            .header("access-control-expose-headers")
            .unwrap()
            .to_lowercase()
            .contains("etag"));
    }
}

/// Sets every article's title below HTTP (what another instance's write looks like from here).
fn retitle_below_http(app: &TestApp, title: &str) {
    app.execute_sql(&format!("UPDATE articles SET title = '{title}'"));
}

#[actix_rt::test]
async fn anonymous_reads_are_answered_again_until_a_write_or_the_delay() {
    for app in apps_with(|c| c.response_cache = std::time::Duration::from_secs(60)).await {
        let token = app.admin().await;
        let path = "/v1/articles?per_page=3&fields=id,title";
        let first = app.get(path).await.expect(200);
        let etag = first.header("etag").unwrap();
        retitle_below_http(&app, "Changé ailleurs");
        // The same question: the same answer, headers included.
        let again = app.get(path).await.expect(200);
        assert_eq!(again.text, first.text);
        assert_eq!(again.header("etag").as_deref(), Some(etag.as_str()));
        assert_eq!(again.header("x-total-count"), first.header("x-total-count"));
        assert_eq!(
            again.header("cache-control").as_deref(),
            Some("public, max-age=60, stale-while-revalidate=300")
        );
        // Logging in changes nothing anyone reads: the kept answer stays.
        app.admin().await;
        assert_eq!(app.get(path).await.expect(200).text, first.text);
        // Staff, conditional requests and other questions are never answered from it.
        let staff = app.get_as(path, &token).await.expect(200);
        assert_eq!(staff.body["data"][0]["title"], "Changé ailleurs");
        let r = app
            .raw(
                Method::GET,
                path,
                None,
                None,
                &[("if-none-match", "\"other\"")],
            )
            .await
            .expect(200);
        assert_eq!(r.body["data"][0]["title"], "Changé ailleurs");
        let other = app
            .get("/v1/articles?per_page=2&fields=id,title")
            .await
            .expect(200);
        assert_eq!(other.body["data"][0]["title"], "Changé ailleurs");
        // A write through this process empties it: the writer reads what it wrote.
        let id = first.body["data"][0]["id"].as_i64().unwrap();
        app.patch(
            &format!("/v1/articles/{id}"),
            &token,
            serde_json::json!({"title": "Écrit ici"}),
        )
        .await
        .expect(200);
        let fresh = app.get(path).await.expect(200);
        assert_eq!(fresh.body["data"][0]["title"], "Écrit ici");
        assert_eq!(fresh.body["data"][1]["title"], "Changé ailleurs");
        assert_ne!(fresh.header("etag").as_deref(), Some(etag.as_str()));
    }
}

#[actix_rt::test]
async fn kept_responses_expire() {
    for app in apps_with(|c| c.response_cache = std::time::Duration::from_secs(1)).await {
        let path = "/v1/articles?per_page=1&fields=title";
        retitle_below_http(&app, "Plus tard");
        let r = app.get(path).await.expect(200);
        assert_eq!(r.body["data"][0]["title"], "Plus tard");
        // Changed below HTTP (as another instance would): within the second, the kept copy answers.
        retitle_below_http(&app, "Encore plus tard");
        let kept = app.get(path).await.expect(200);
        assert_eq!(kept.text, r.text, "the response was kept");
        // After it expires, the change shows.
        actix_rt::time::sleep(std::time::Duration::from_millis(1100)).await;
        let r = app.get(path).await.expect(200);
        assert_eq!(r.body["data"][0]["title"], "Encore plus tard");
    }
}
