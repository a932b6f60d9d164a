//! Webhooks: admins register endpoints; each change is posted to them signed as Stripe signs
//! (`Kiosque-Signature: t=…,v1=HMAC-SHA256("t.body")`), retried with backoff, recorded per attempt,
//! replayed on demand; an endpoint failing again and again is switched off; loopback, private and
//! metadata addresses are refused unless allowed.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::both;
use crate::helpers::TestApp;

/// A request the receiver got: its headers (lower-case names) and body.
#[derive(Clone, Debug)]
struct Got {
    headers: HashMap<String, String>,
    body: String,
}

/// A webhook receiver on loopback: records every request, answers the next queued status (200
/// once the queue is empty).
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Got>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    fn start(answers: &[u16]) -> Receiver {
        Receiver::start_slow(answers, Duration::ZERO)
    }

    /// As [`Receiver::start`], each answer taking `delay`.
    fn start_slow(answers: &[u16], delay: Duration) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://127.0.0.1:{}/hooks",
            listener.local_addr().unwrap().port()
        );
        let r = Receiver {
            url,
            got: Arc::default(),
            answers: Arc::new(Mutex::new(answers.iter().copied().collect())),
        };
        let (got, queue) = (r.got.clone(), r.answers.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut headers = HashMap::new();
                let mut line = String::new();
                reader.read_line(&mut line).unwrap_or(0);
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':') {
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                    }
                }
                let len: usize = headers
                    .get("content-length")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0; len];
                let _ = reader.read_exact(&mut body);
                std::thread::sleep(delay);
                got.lock().unwrap().push(Got {
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                let status = queue.lock().unwrap().pop_front().unwrap_or(200);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                );
            }
        });
        r
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests came (at most 15 s).
    async fn wait_for(&self, n: usize) -> Vec<Got> {
        let start = Instant::now();
        while self.got().len() < n {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "{} requests came, not {n}: {:?}",
                self.got().len(),
                self.got()
            );
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        self.got()
    }
}

/// Checks a delivery's signature as a receiver would (Stripe's scheme) and returns its body.
fn verified(g: &Got, secret: &str) -> Value {
    let sig = &g.headers["kiosque-signature"];
    let (t, v1) = sig
        .split_once(',')
        .map(|(t, v)| (t.trim_start_matches("t="), v.trim_start_matches("v1=")))
        .expect("t=…,v1=…");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", g.body).as_bytes());
    let want: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, want, "a bad signature");
    let age = chrono::Utc::now().timestamp() - t.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "signed {age} s ago");
    serde_json::from_str(&g.body).unwrap()
}

fn fast(c: &mut kiosque::config::Config) {
    c.webhooks.allow_private = true;
    c.webhooks.retry_first = Duration::from_millis(50);
    c.webhooks.disable_after = 4;
}

async fn register(app: &TestApp, token: &str, url: &str, events: &[&str]) -> Value {
    app.post("/v1/webhooks", token, json!({"url": url, "events": events}))
        .await
        .expect(201)
        .body
}

async fn deliveries(app: &TestApp, token: &str, hook: &Value) -> Vec<Value> {
    app.get_as(&format!("/v1/webhooks/{}/deliveries", hook["id"]), token)
        .await
        .expect(200)
        .body["data"]
        .as_array()
        .unwrap()
        .clone()
}

both!(
    every_change_reaches_the_endpoints_that_asked_for_it_signed,
    tweak = fast,
    |app| async move {
        let admin = app.admin().await;
        let all = Receiver::start(&[]);
        let deletes = Receiver::start(&[]);
        let every = [
            "article.published",
            "article.updated",
            "article.unpublished",
            "article.deleted",
        ];
        let hook = register(&app, &admin, &all.url, &every).await;
        let secret = hook["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("whsec_") && secret.len() > 30);
        let only = register(&app, &admin, &deletes.url, &["article.deleted"]).await;
        // Private networks are allowed here (the receivers are on loopback); cloud metadata never.
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00:ec2::254]/",
            "http://[::ffff:169.254.169.254]/",
        ] {
            let r = app
                .post(
                    "/v1/webhooks",
                    &admin,
                    json!({"url": url, "events": ["article.published"]}),
                )
                .await;
            assert_eq!(
                r.problem(422).body["errors"][0]["code"],
                "not_public",
                "{url}"
            );
        }
        // The secret is shown once.
        let listed = app.get_as("/v1/webhooks", &admin).await.expect(200).body;
        assert!(listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w.get("secret").is_none()));
        let one = app
            .get_as(&format!("/v1/webhooks/{}", hook["id"]), &admin)
            .await
            .expect(200)
            .body;
        assert!(one.get("secret").is_none());
        assert_eq!(one["events"], json!(every));

        let a = app
            .article(&admin, json!({"title": "Webhook : publié", "body": "x", "rubrique": "politique", "status": "published"}))
            .await;
        let path = format!("/v1/articles/{}", a["id"]);
        app.patch(&path, &admin, json!({"title": "Webhook : corrigé"}))
            .await
            .expect(200);
        app.patch(&path, &admin, json!({"status": "draft"}))
            .await
            .expect(200);
        app.patch(&path, &admin, json!({"status": "published"}))
            .await
            .expect(200);
        app.delete(&path, &admin).await.expect(204);
        // A draft's life reaches nobody.
        let d = app
            .article(
                &admin,
                json!({"title": "Brouillon", "body": "x", "rubrique": "politique"}),
            )
            .await;
        app.delete(&format!("/v1/articles/{}", d["id"]), &admin)
            .await
            .expect(204);

        let got = all.wait_for(5).await;
        let bodies: Vec<Value> = got.iter().map(|g| verified(g, &secret)).collect();
        let types: Vec<&str> = bodies.iter().map(|b| b["type"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            [
                "article.published",
                "article.updated",
                "article.unpublished",
                "article.published",
                "article.deleted"
            ]
        );
        let ids: std::collections::HashSet<&str> =
            bodies.iter().map(|b| b["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), 5, "each event has its own id");
        // `sequence` is the commit order, for a receiver that gets deliveries out of order.
        let seq: Vec<i64> = bodies
            .iter()
            .map(|b| b["sequence"].as_i64().unwrap())
            .collect();
        assert!(seq.windows(2).all(|w| w[0] < w[1]), "{seq:?}");
        assert!(got
            .iter()
            .all(|g| g.headers["content-type"] == "application/json"));
        assert_eq!(got[0].headers["kiosque-event"], "article.published");
        assert_eq!(bodies[0]["data"]["article_id"], a["id"]);
        assert_eq!(bodies[4]["data"]["slug"], a["slug"]);
        assert!(bodies[4]["data"]["article"].is_null());
        // The endpoint that asked for deletions only got the one, with the same event id.
        let del = deletes.wait_for(1).await;
        let body = verified(&del[0], only["secret"].as_str().unwrap());
        assert_eq!(body["type"], "article.deleted");
        assert_eq!(body["id"], bodies[4]["id"]);
        actix_rt::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(deletes.got().len(), 1);
        assert_eq!(all.got().len(), 5);
        // Each delivery is recorded.
        let ds = deliveries(&app, &admin, &hook).await;
        assert_eq!(ds.len(), 5);
        assert!(ds
            .iter()
            .all(|d| d["status"] == "delivered" && d["attempts"] == 1 && d["last_status"] == 200));
    }
);

both!(
    a_scheduled_article_is_announced_when_its_time_comes_with_nobody_reading,
    tweak = fast,
    |app| async move {
        let admin = app.admin().await;
        let rx = Receiver::start(&[]);
        let hook = register(&app, &admin, &rx.url, &["article.published"]).await;
        let at = (chrono::Utc::now() + chrono::Duration::seconds(2))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let a = app
            .article(&admin, json!({"title": "À l'heure dite", "body": "x", "rubrique": "politique", "status": "published", "published_at": at}))
            .await;
        actix_rt::time::sleep(Duration::from_millis(800)).await;
        assert!(rx.got().is_empty(), "announced before its time");
        // No feed read, no write: the worker moves it in at its time.
        let got = rx.wait_for(1).await;
        let body = verified(&got[0], hook["secret"].as_str().unwrap());
        assert_eq!(body["data"]["article_id"], a["id"]);
        assert_eq!(body["data"]["article"]["title"], "À l'heure dite");
    }
);

both!(
    a_failing_endpoint_is_retried_then_switched_off_and_a_delivery_can_be_replayed,
    tweak = fast,
    |app| async move {
        let admin = app.admin().await;
        // Two failures, then success: delivered at the third attempt.
        let flaky = Receiver::start(&[500, 503]);
        let hook = register(&app, &admin, &flaky.url, &["article.published"]).await;
        let a = app
            .article(&admin, json!({"title": "Réessayé", "body": "x", "rubrique": "politique", "status": "published"}))
            .await;
        let got = flaky.wait_for(3).await;
        let first: Value = serde_json::from_str(&got[0].body).unwrap();
        let last: Value = serde_json::from_str(&got[2].body).unwrap();
        assert_eq!(first["id"], last["id"], "a retry is the same event");
        let start = Instant::now();
        let d = loop {
            let ds = deliveries(&app, &admin, &hook).await;
            if ds[0]["status"] == "delivered" || start.elapsed() > Duration::from_secs(10) {
                break ds[0].clone();
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(
            (d["status"].as_str(), d["attempts"].as_i64()),
            (Some("delivered"), Some(3)),
            "{d}"
        );
        // Replayed by an admin: sent again, same event id.
        app.post(
            &format!("/v1/webhooks/{}/deliveries/{}/replay", hook["id"], d["id"]),
            &admin,
            json!({}),
        )
        .await
        .expect(202);
        let again = flaky.wait_for(4).await;
        let replayed: Value = serde_json::from_str(&again[3].body).unwrap();
        assert_eq!(replayed["id"], first["id"]);
        assert_eq!(replayed["data"]["article_id"], a["id"]);
        app.post(
            &format!("/v1/webhooks/{}/deliveries/999999/replay", hook["id"]),
            &admin,
            json!({}),
        )
        .await
        .problem(404);

        // An endpoint that always fails: each attempt recorded, then switched off after four.
        let down = Receiver::start(&[500; 50]);
        let bad = register(&app, &admin, &down.url, &["article.updated"]).await;
        app.patch(
            &format!("/v1/articles/{}", a["id"]),
            &admin,
            json!({"title": "Encore"}),
        )
        .await
        .expect(200);
        let start = Instant::now();
        let hook_now = loop {
            let h = app
                .get_as(&format!("/v1/webhooks/{}", bad["id"]), &admin)
                .await
                .expect(200)
                .body;
            if h["active"] == false || start.elapsed() > Duration::from_secs(15) {
                break h;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(hook_now["active"], false, "{hook_now}");
        assert!(
            hook_now["disabled_reason"]
                .as_str()
                .unwrap()
                .contains("answered 500"),
            "{hook_now}"
        );
        let ds = deliveries(&app, &admin, &bad).await;
        assert_eq!(ds[0]["last_status"], 500);
        assert_eq!(ds[0]["attempts"], 4);
        assert_eq!(down.got().len(), 4);
        // Changes while it is switched off wait for it: switched on again (its failures forgotten)
        // it gets them.
        let sent = down.got().len();
        app.patch(
            &format!("/v1/articles/{}", a["id"]),
            &admin,
            json!({"title": "Pendant la panne"}),
        )
        .await
        .expect(200);
        actix_rt::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(down.got().len(), sent, "sent to a switched-off webhook");
        down.answers.lock().unwrap().clear();
        let on = app
            .patch(
                &format!("/v1/webhooks/{}", bad["id"]),
                &admin,
                json!({"active": true}),
            )
            .await
            .expect(200)
            .body;
        assert_eq!(
            (on["active"].as_bool(), on["failures"].as_i64()),
            (Some(true), Some(0))
        );
        let got = down.wait_for(sent + 1).await;
        let titles: Vec<String> = got
            .iter()
            .filter_map(|g| serde_json::from_str::<Value>(&g.body).ok())
            .filter_map(|b| b["data"]["article"]["title"].as_str().map(str::to_owned))
            .collect();
        assert!(titles.iter().any(|t| t == "Pendant la panne"), "{titles:?}");
    }
);

both!(
    loopback_private_and_metadata_addresses_are_refused,
    |app| async move {
        let admin = app.admin().await;
        for url in [
            "http://127.0.0.1:9/x",
            "http://localhost:9/x",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/x",
            "http://[::1]:9/x",
            "http://[fd00:ec2::254]/x",
        ] {
            let r = app
                .post(
                    "/v1/webhooks",
                    &admin,
                    json!({"url": url, "events": ["article.published"]}),
                )
                .await;
            let r = r.problem(422);
            assert_eq!(
                r.body["errors"][0]["code"], "not_public",
                "{url}: {}",
                r.body
            );
        }
        // A name resolving to loopback (here stored below the API, as a DNS answer could change
        // after registration): refused at delivery, after resolution, and nothing is sent.
        let trap = Receiver::start(&[]);
        let port = trap
            .url
            .split(':')
            .nth(2)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        app.execute_sql(&format!(
            "INSERT INTO webhooks (url, events, secret, active, failures, version, created_at, updated_at) \
             VALUES ('http://localhost:{port}/hooks', 'article.published', 'whsec_x', TRUE, 0, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        ));
        app.article(
            &admin,
            json!({"title": "Piège", "body": "x", "rubrique": "politique", "status": "published"}),
        )
        .await;
        let hooks = app.get_as("/v1/webhooks", &admin).await.expect(200).body;
        let hook = hooks["data"][0].clone();
        let start = Instant::now();
        let d = loop {
            let ds = deliveries(&app, &admin, &hook).await;
            if ds.first().is_some_and(|d| d["attempts"].as_i64() > Some(0))
                || start.elapsed() > Duration::from_secs(10)
            {
                break ds[0].clone();
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        };
        let error = d["last_error"].as_str().unwrap_or_default();
        assert!(
            error.contains("refused") && error.contains("loopback"),
            "{d}"
        );
        assert!(trap.got().is_empty(), "a request reached loopback");
    }
);

both!(
    only_admins_manage_webhooks_and_bad_input_writes_nothing,
    |app| async move {
        let admin = app.admin().await;
        let editor = app.staff("editor", None).await;
        let body =
            json!({"url": "https://partenaire.example/hooks", "events": ["article.published"]});
        app.post("/v1/webhooks", &editor, body.clone())
            .await
            .problem(403);
        app.request(awc::http::Method::POST, "/v1/webhooks", None, Some(&body))
            .await
            .problem(401);
        app.get_as("/v1/webhooks", &editor).await.problem(403);
        app.get("/v1/webhooks").await.problem(401);
        for bad in [
            json!({"events": ["article.published"]}),
            json!({"url": "ftp://partenaire.example/x", "events": ["article.published"]}),
            json!({"url": "https://partenaire.example/x", "events": []}),
            json!({"url": "https://partenaire.example/x", "events": ["article.liked"]}),
            json!({"url": "https://moi:secret@partenaire.example/x", "events": ["article.published"]}),
            json!({"url": "https://partenaire.example/x", "events": ["article.published"], "secret": "mine"}),
        ] {
            app.post("/v1/webhooks", &admin, bad.clone())
                .await
                .problem(422);
        }
        assert_eq!(
            app.get_as("/v1/webhooks", &admin).await.expect(200).body["meta"]["total"],
            0
        );
        let hook = app
            .post("/v1/webhooks", &admin, body)
            .await
            .expect(201)
            .body;
        let path = format!("/v1/webhooks/{}", hook["id"]);
        app.patch(&path, &editor, json!({"active": false}))
            .await
            .problem(403);
        app.patch(&path, &admin, json!({"events": ["article.nope"]}))
            .await
            .problem(422);
        let changed = app
            .patch(&path, &admin, json!({"active": false}))
            .await
            .expect(200)
            .body;
        assert_eq!(changed["active"], false);
        assert_eq!(changed["events"], json!(["article.published"]));
        app.get_as("/v1/webhooks/abc", &admin).await.problem(400);
        app.get_as("/v1/webhooks/999999", &admin).await.problem(404);
        app.delete(&path, &editor).await.problem(403);
        app.delete(&path, &admin).await.expect(204);
        app.delete(&path, &admin).await.problem(404);
    }
);

both!(
    two_instances_over_one_database_deliver_each_event_once,
    tweak = fast,
    |app| async move {
        // A second instance over the same database, with its own worker.
        let url = app.db_url.clone();
        let backend = app.backend;
        let other = TestApp::spawn_with(backend, move |c| {
            fast(c);
            c.database_url = url;
        })
        .await
        .expect("a second instance");
        let admin = app.admin().await;
        let rx = Receiver::start(&[]);
        let hook = register(&app, &admin, &rx.url, &["article.published"]).await;
        let token_b = other.admin().await;
        for i in 0..20 {
            let (at, token) = if i % 2 == 0 {
                (&app, &admin)
            } else {
                (&other, &token_b)
            };
            at.article(
                token,
                json!({"title": format!("Deux instances {i}"), "body": "x", "rubrique": "politique", "status": "published"}),
            )
            .await;
        }
        let got = rx.wait_for(20).await;
        actix_rt::time::sleep(Duration::from_millis(500)).await;
        let got = if rx.got().len() > got.len() {
            rx.got()
        } else {
            got
        };
        let mut ids: Vec<String> = got
            .iter()
            .map(|g| {
                verified(g, hook["secret"].as_str().unwrap())["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(
            (n, ids.len()),
            (20, 20),
            "each event once, by one of the two workers"
        );
        let ds = deliveries(&app, &admin, &hook).await;
        assert!(ds
            .iter()
            .all(|d| d["attempts"] == 1 && d["status"] == "delivered"));
    }
);

/// One request over a fresh connection to the binary: (status, body).
fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let json = answer
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (status, json)
}

fn start_binary(dir: &std::path::Path, db_url: &str) -> (std::process::Child, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_kiosque"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db_url)
        .env("KIOSQUE_BIND", format!("127.0.0.1:{port}"))
        .env("KIOSQUE_DEMO_CONTENT", "false")
        .env("KIOSQUE_WORKERS", "1")
        .env("KIOSQUE_JWT_SECRET", crate::helpers::SECRET)
        .env("KIOSQUE_ADMIN_EMAIL", crate::helpers::ADMIN_EMAIL)
        .env("KIOSQUE_ADMIN_PASSWORD", crate::helpers::ADMIN_PASSWORD)
        .env("KIOSQUE_RESPONSE_CACHE_SECS", "0")
        .env("KIOSQUE_WEBHOOK_ALLOW_PRIVATE", "true")
        .env("KIOSQUE_WEBHOOK_TIMEOUT_SECS", "1")
        .env("KIOSQUE_WEBHOOK_RETRY_MS", "100")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the kiosque binary starts");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (child, port)
}

both!(
    a_server_killed_between_commit_and_delivery_delivers_everything_after_a_restart,
    // The test's own instance only made the database: the binary is the server here.
    tweak = |c| {
        c.demo_content = false;
        c.webhooks.worker = false;
    },
    |app| async move { killed_and_restarted(&app.db_url) }
);

/// The server (the binary) is killed with -9 while deliveries are pending or in flight;
/// restarted, it delivers every event, at least once, each with its id.
fn killed_and_restarted(db_url: &str) {
    let dir = tempfile::tempdir().unwrap();
    // A slow receiver: each answer takes 300 ms, so the kill finds deliveries still to make.
    let rx = Receiver::start_slow(&[], Duration::from_millis(300));
    let (rx_url, got) = (rx.url.clone(), rx.got.clone());

    let (mut child, port) = start_binary(dir.path(), db_url);
    let (status, login) = http(
        port,
        "POST",
        "/v1/auth/token",
        None,
        Some(
            &json!({"email": crate::helpers::ADMIN_EMAIL, "password": crate::helpers::ADMIN_PASSWORD}),
        ),
    );
    assert_eq!(status, 200, "{login}");
    let token = login["access_token"].as_str().unwrap().to_owned();
    let (status, hook) = http(
        port,
        "POST",
        "/v1/webhooks",
        Some(&token),
        Some(&json!({"url": rx_url, "events": ["article.published"]})),
    );
    assert_eq!(status, 201, "{hook}");
    let secret = hook["secret"].as_str().unwrap().to_owned();
    let (status, r) = http(
        port,
        "POST",
        "/v1/rubriques",
        Some(&token),
        Some(&json!({"name": "Politique"})),
    );
    assert_eq!(status, 201, "{r}");
    for i in 0..6 {
        let (status, a) = http(
            port,
            "POST",
            "/v1/articles",
            Some(&token),
            Some(
                &json!({"title": format!("Tué {i}"), "body": "x", "rubrique": "politique", "status": "published"}),
            ),
        );
        assert_eq!(status, 201, "{a}");
    }
    // Committed, not all delivered: kill -9.
    std::process::Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    let before = got.lock().unwrap().len();
    assert!(
        before < 6,
        "everything was delivered before the kill ({before}); the test proves nothing"
    );

    let (mut again, _) = start_binary(dir.path(), db_url);
    let start = Instant::now();
    let ids = loop {
        let ids: std::collections::BTreeSet<String> = got
            .lock()
            .unwrap()
            .iter()
            .map(|g| verified(g, &secret)["id"].as_str().unwrap().to_owned())
            .collect();
        if ids.len() == 6 || start.elapsed() > Duration::from_secs(40) {
            break ids;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = again.kill();
    let _ = again.wait();
    assert_eq!(ids.len(), 6, "events delivered after the restart: {ids:?}");
}
