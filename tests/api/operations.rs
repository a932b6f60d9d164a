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

#[cfg(unix)]
#[test]
fn the_server_logs_json_with_request_ids_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiosque"))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", "sqlite://kiosque.db")
        .env("KIOSQUE_BIND", format!("127.0.0.1:{port}"))
        .env("KIOSQUE_LOG_FORMAT", "json")
        .env("KIOSQUE_DEMO_CONTENT", "false")
        .env("KIOSQUE_WORKERS", "1")
        .env("KIOSQUE_SHUTDOWN_TIMEOUT_SECS", "5")
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

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let stopped = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(20),
            "no stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
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
