//! The binary as an operator runs it: one JSON object per log line with the request's id, the id
//! echoed in `X-Request-Id`, and a clean stop on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One request over a fresh connection; the raw answer (headers and body).
fn http_get(port: u16, path: &str, request_id: Option<&str>) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let id = request_id
        .map(|id| format!("X-Request-Id: {id}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\n{id}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
}

fn header<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    answer.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Starts the built binary on a free port with JSON logs (stderr piped) and waits until it listens.
fn serve(dir: &std::path::Path, shutdown_secs: u32) -> (std::process::Child, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_kiosque"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", "sqlite://kiosque.db")
        .env("KIOSQUE_BIND", format!("127.0.0.1:{port}"))
        .env("KIOSQUE_LOG_FORMAT", "json")
        .env("KIOSQUE_DEMO_CONTENT", "false")
        .env("KIOSQUE_WORKERS", "1")
        .env("KIOSQUE_SHUTDOWN_TIMEOUT_SECS", shutdown_secs.to_string())
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the kiosque binary starts");
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The port is bound before the server runs: one answered request means it runs, its signal
    // handlers installed (a SIGTERM before that would end the process as the default action does).
    let answer = http_get(port, "/health/live", None);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    (child, port)
}

/// Sends SIGTERM and waits for the exit, at most `limit`.
fn terminate(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let stopped = Instant::now();
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            return exit;
        }
        assert!(stopped.elapsed() < limit, "no stop {limit:?} after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(unix)]
#[test]
fn the_server_logs_json_with_request_ids_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, port) = serve(dir.path(), 5);

    // A caller's id is kept; a missing or unusable one is replaced by a new one.
    let kept = http_get(port, "/health/live", Some("req-42.a_b"));
    assert!(kept.starts_with("HTTP/1.1 200"), "{kept}");
    assert_eq!(header(&kept, "x-request-id"), Some("req-42.a_b"));
    for given in [None, Some("not ok!"), Some(&"x".repeat(65)[..])] {
        let answer = http_get(port, "/health/live", given);
        let id = header(&answer, "x-request-id").expect("an id");
        assert_eq!(id.len(), 16, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    }
    let problem = http_get(port, "/v1/nowhere", Some("req-404"));
    assert!(problem.starts_with("HTTP/1.1 404"), "{problem}");
    assert_eq!(header(&problem, "x-request-id"), Some("req-404"));

    // A request in flight when the signal comes: its headers and half its body are sent before,
    // the rest after. A graceful stop lets it finish.
    let body = r#"{"email": "nobody@journal.test", "password": "not the right one"}"#;
    let mut in_flight = TcpStream::connect(("127.0.0.1", port)).unwrap();
    in_flight
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        in_flight,
        "POST /v1/auth/token HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: in-flight\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..20]
    )
    .unwrap();
    in_flight.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let signal = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(signal.success());
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the server waits for the request in flight"
    );
    in_flight.write_all(&body.as_bytes()[20..]).unwrap();
    let mut answer = String::new();
    in_flight.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert_eq!(header(&answer, "x-request-id"), Some("in-flight"));
    let exit = terminate(&mut child, Duration::from_secs(20));
    assert!(exit.success(), "SIGTERM is a clean stop: {exit:?}");

    let lines: Vec<serde_json::Value> = BufReader::new(child.stderr.take().unwrap())
        .lines()
        .map(|l| {
            let l = l.unwrap();
            serde_json::from_str(&l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}"))
        })
        .collect();
    assert!(lines
        .iter()
        .all(|l| l["level"].is_string() && l["timestamp"].is_string()));
    let logged = |id: &str, path: &str, status: u64| {
        lines.iter().any(|l| {
            l["target"] == "kiosque::http"
                && l["fields"]["path"] == path
                && l["fields"]["status"] == status
                && l["span"]["request_id"] == id
        })
    };
    assert!(logged("req-42.a_b", "/health/live", 200), "{lines:#?}");
    assert!(logged("req-404", "/v1/nowhere", 404), "{lines:#?}");
}

/// What a reader and an editor see of a database, through the API.
async fn visible_state(app: &crate::helpers::TestApp, admin: &str) -> Vec<serde_json::Value> {
    let mut state = Vec::new();
    for path in [
        "/v1/articles?per_page=100",
        "/v1/articles?per_page=100&status=draft",
        "/v1/articles?per_page=100&q=sauvegarde",
        "/v1/rubriques?per_page=100",
        "/v1/authors?per_page=100",
        "/v1/tags?per_page=100",
        "/v1/users?per_page=100",
    ] {
        state.push(app.get_as(path, admin).await.expect(200).body["data"].clone());
    }
    state
}

/// Spawns an app on the backend of `like`, its database replaced by the backup at `file`.
async fn restored(
    like: &crate::helpers::TestApp,
    file: &std::path::Path,
    dir: &std::path::Path,
) -> crate::helpers::TestApp {
    use crate::helpers::{Backend, TestApp};
    match like.backend {
        Backend::Sqlite => {
            let stem = file.file_stem().unwrap().to_string_lossy();
            let url = format!("sqlite://{}", dir.join(format!("{stem}.db")).display());
            kiosque::db::maintenance::restore(&url, file).unwrap();
            TestApp::spawn_with(Backend::Sqlite, |c| c.database_url = url)
                .await
                .unwrap()
        }
        Backend::Postgres => {
            // A fresh database (with its demo content), whose content the backup replaces.
            let app = TestApp::spawn(Backend::Postgres).await;
            kiosque::db::maintenance::restore(&app.db_url, file).unwrap();
            app
        }
    }
}

crate::both!(
    a_backup_taken_while_writers_commit_restores_to_an_equal_database,
    |app| async move {
        use serde_json::json;
        let admin = app.admin().await;
        let dir = tempfile::tempdir().unwrap();
        let before = app.get("/v1/articles?per_page=1").await.expect(200).body["meta"]["total"]
            .as_i64()
            .unwrap();

        // A backup while twelve articles are being published.
        let under_writes = dir.path().join("under-writes.backup");
        let backup = {
            let (url, path) = (app.db_url.clone(), under_writes.clone());
            std::thread::spawn(move || {
                let db = kiosque::db::Db::connect(&url, 1, Duration::from_secs(5)).unwrap();
                std::thread::sleep(Duration::from_millis(30));
                kiosque::db::maintenance::backup(&db, &url, &path)
            })
        };
        for i in 0..12 {
            app.article(
                &admin,
                json!({"title": format!("Publié pendant la sauvegarde {i}"), "body": "Texte de la sauvegarde.",
                       "rubrique": "politique", "status": "published"}),
            )
            .await;
        }
        backup.join().unwrap().unwrap();
        // The copy is consistent: whole articles only, each as the source has it.
        let copy = restored(&app, &under_writes, dir.path()).await;
        let copied = copy.get("/v1/articles?per_page=100").await.expect(200).body;
        let n = copied["meta"]["total"].as_i64().unwrap();
        assert!(
            (before..=before + 12).contains(&n),
            "{before} <= {n} <= {}",
            before + 12
        );
        for a in copied["data"].as_array().unwrap() {
            let source = app
                .get(&format!("/v1/articles/{}", a["id"]))
                .await
                .expect(200)
                .body;
            assert_eq!(
                (&a["title"], &a["version"]),
                (&source["title"], &source["version"])
            );
        }

        // Once the writes are over, a backup restores to an equal database, search index included.
        let quiet = dir.path().join("quiet.backup");
        let db = kiosque::db::Db::connect(&app.db_url, 1, Duration::from_secs(5)).unwrap();
        kiosque::db::maintenance::backup(&db, &app.db_url, &quiet).unwrap();
        let again = kiosque::db::maintenance::backup(&db, &app.db_url, &quiet);
        assert!(
            again.unwrap_err().to_string().contains("exists"),
            "a backup never overwrites"
        );
        let twin = restored(&app, &quiet, dir.path()).await;
        let (source, copy) = (
            visible_state(&app, &admin).await,
            visible_state(&twin, &admin).await,
        );
        assert_eq!(
            source[2].as_array().unwrap().len(),
            12,
            "the search finds the twelve"
        );
        assert_eq!(source, copy);
    }
);

/// A request that never completes does not hold the stop beyond the shutdown timeout.
#[cfg(unix)]
#[test]
fn a_stuck_request_holds_the_stop_no_longer_than_the_shutdown_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, port) = serve(dir.path(), 1);
    let mut stuck = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stuck,
        "POST /v1/auth/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: 1000\r\n\r\n{{"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let exit = terminate(&mut child, Duration::from_secs(15));
    assert!(exit.success(), "{exit:?}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "stopped after {:?}",
        started.elapsed()
    );
}
