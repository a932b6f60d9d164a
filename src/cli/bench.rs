//! `kiosque bench`: fills a database with synthetic French articles ([`kiosque::content::synthetic`]) and
//! times, from a warm process, what readers call most: the front-page list,
//! search, and similar related articles. Prints p50/p95/max per operation.

use std::time::{Duration, Instant};

use kiosque::api::articles::{related, search_ranked};
use kiosque::content::synthetic::Rng;
use kiosque::db::articles::{self as q, Filter, Scope, Sort, Start};
use kiosque::db::{AnyConnection, Db};
use kiosque::domain::{search, Key};

fn summary(mut t: Vec<Duration>) -> String {
    t.sort();
    let at = |p: f64| t[((t.len() as f64 * p).ceil() as usize).clamp(1, t.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "p50 {:7.2} ms   p95 {:7.2} ms   max {:7.2} ms   ({} runs)",
        ms(at(0.5)),
        ms(at(0.95)),
        ms(at(1.0)),
        t.len()
    )
}

/// Times the reader's operations, `runs` of each.
pub fn measure(db: &Db, runs: usize) -> anyhow::Result<Vec<(String, String)>> {
    let mut conn = db.get()?;
    let c: &mut AnyConnection = &mut conn;
    // The caches a server keeps, emptied where a line times the computed path; related lists are
    // computed, not read from `related_lists`, except on the line that times the stored path.
    let caches = kiosque::state::Caches::new(Duration::ZERO);
    let storing = kiosque::state::Caches::default();
    let now = kiosque::db::now();
    let total = q::count(c, &Scope::Public, &Filter::default(), now)?;
    let queries = [
        "soldats",
        "coopération militaire",
        "élections transition",
        "prix du riz",
        "fespaco films",
        "déplacés internes",
        "\"assemblée législative\"",
        "ouagad*",
        "douane contrebande",
        "campagne cotonnière",
    ];
    let mut rng = Rng(42);
    let mut out = Vec::new();
    let mut timings = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let rows = q::page(
            c,
            &Scope::Public,
            &Filter::default(),
            Sort::PublishedDesc,
            &Start::Offset(0),
            21,
            now,
            q::Bodies::Without,
        )?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let rids: Vec<i64> = rows.iter().map(|r| r.rubrique_id).collect();
        kiosque::db::links::load(c, &ids, &rids)?;
        q::count(c, &Scope::Public, &Filter::default(), now)?;
        timings.push(t.elapsed());
    }
    out.push((
        "list (front page, 20 + count)".into(),
        summary(std::mem::take(&mut timings)),
    ));
    // The French analyser alone, on 1 MiB of prose (what indexing a long feature costs).
    let mib = kiosque::domain::analyzer::BENCH_PARAGRAPH
        .repeat(1 + (1 << 20) / kiosque::domain::analyzer::BENCH_PARAGRAPH.len());
    for _ in 0..runs.clamp(1, 20) {
        let t = Instant::now();
        std::hint::black_box(kiosque::domain::analyzer::analyze(&mib));
        timings.push(t.elapsed());
    }
    out.push((
        "analyse 1 MiB of French".into(),
        summary(std::mem::take(&mut timings)),
    ));
    for _ in 0..runs {
        let picked: &&str = rng.pick::<&str>(&queries[..]);
        let sq = search::parse(picked).map_err(|_| anyhow::anyhow!("query"))?;
        // The ranking is measured, not the cache of popular questions.
        caches.rankings.clear();
        let t = Instant::now();
        let ranked = search_ranked(c, &caches, &Scope::Public, Filter::default(), &sq, now)
            .map_err(|e| anyhow::anyhow!("search: {}", e.detail))?;
        let page: Vec<i64> = ranked.iter().take(20).map(|(id, _)| *id).collect();
        q::by_ids(c, &page)?;
        timings.push(t.elapsed());
    }
    out.push((
        "search (q, relevance, top 20)".into(),
        summary(std::mem::take(&mut timings)),
    ));
    // One related computation for a random article, timed (None when the id is gone); with
    // `after_write` the statistics caches are emptied first, as a write's new generation does.
    let mut related_once = |rng: &mut Rng, after_write: bool| -> anyhow::Result<Option<Duration>> {
        let id = 1 + (rng.next_u64() % total.max(1) as u64) as i64;
        let Some(article) = q::find(c, &Key::Id(id))? else {
            return Ok(None);
        };
        if after_write {
            caches.frequencies.clear();
        }
        let t = Instant::now();
        related::related_rows(c, &caches, &article, "similar", 4, now, q::Bodies::Without)
            .map_err(|e| anyhow::anyhow!("related: {}", e.detail))?;
        Ok(Some(t.elapsed()))
    };
    // A warm process: the first tenth of the runs, untimed, fill the caches a server fills in its
    // first minutes (the frequencies of the words and tags it meets).
    for _ in 0..runs / 10 {
        related_once(&mut rng, false)?;
    }
    timings.extend(
        (0..runs)
            .filter_map(|_| related_once(&mut rng, false).transpose())
            .collect::<anyhow::Result<Vec<_>>>()?,
    );
    out.push((
        "related (similar, 4)".into(),
        summary(std::mem::take(&mut timings)),
    ));
    // Right after a write: the first related computations read the document frequencies and tag
    // counts again.
    timings.extend(
        (0..runs.div_ceil(5))
            .filter_map(|_| related_once(&mut rng, true).transpose())
            .collect::<anyhow::Result<Vec<_>>>()?,
    );
    out.push((
        "related, first after a write".into(),
        summary(std::mem::take(&mut timings)),
    ));
    // The stored path: a random article's list computed and stored once, then read as a server
    // reads it (the list, the cards' rows).
    for _ in 0..runs {
        let id = 1 + (rng.next_u64() % total.max(1) as u64) as i64;
        let Some(article) = q::find(c, &Key::Id(id))? else {
            continue;
        };
        let mut once = || {
            related::related_rows(c, &storing, &article, "similar", 4, now, q::Bodies::Without)
                .map_err(|e| anyhow::anyhow!("related: {}", e.detail))
        };
        once()?;
        let t = Instant::now();
        once()?;
        timings.push(t.elapsed());
    }
    out.push((
        "related (similar, 4), stored list".into(),
        summary(std::mem::take(&mut timings)),
    ));
    Ok(out)
}

/// One HTTP target: what it is, and the path asked for.
struct Target {
    name: String,
    addr: std::net::SocketAddr,
    path: &'static str,
}

/// Requests per second and latencies of `path` on `addr` with `connections` keep-alive connections
/// (one client thread each) for `seconds`.
fn load(
    addr: std::net::SocketAddr,
    path: &str,
    connections: usize,
    seconds: f64,
) -> anyhow::Result<(f64, Vec<Duration>)> {
    use std::io::{BufRead, BufReader, Read, Write};
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let threads: Vec<_> = (0..connections)
        .map(|_| {
            let request =
                format!("GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: application/json\r\n\r\n");
            let path = path.to_owned();
            std::thread::spawn(move || -> anyhow::Result<Vec<Duration>> {
                let stream = std::net::TcpStream::connect(addr)?;
                stream.set_nodelay(true)?;
                stream.set_read_timeout(Some(Duration::from_secs(30)))?;
                let mut writer = stream.try_clone()?;
                let mut reader = BufReader::new(stream);
                let mut times = Vec::new();
                let mut line = String::new();
                let mut body = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    writer.write_all(request.as_bytes())?;
                    let mut length = None;
                    let mut first = true;
                    loop {
                        line.clear();
                        if reader.read_line(&mut line)? == 0 {
                            anyhow::bail!("connection closed");
                        }
                        if first {
                            if !line.starts_with("HTTP/1.1 200") {
                                anyhow::bail!("{path}: {}", line.trim());
                            }
                            first = false;
                        }
                        let l = line.trim_end();
                        if l.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = l.split_once(':') {
                            if k.eq_ignore_ascii_case("content-length") {
                                length = v.trim().parse::<usize>().ok();
                            }
                        }
                    }
                    let n = length.ok_or_else(|| anyhow::anyhow!("{path}: no content-length"))?;
                    body.resize(n, 0);
                    reader.read_exact(&mut body)?;
                    times.push(t.elapsed());
                }
                Ok(times)
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in threads {
        all.extend(t.join().map_err(|_| anyhow::anyhow!("client thread"))??);
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    Ok((rate, all))
}

/// `kiosque bench --http`: the real server (rate limits off) against a bare actix-web handler on
/// the same runtime settings, over keep-alive HTTP/1.1 from this process; requests per second, and
/// each endpoint's share of the bare handler's rate. Each endpoint is timed as served (the response
/// cache as configured) and computed (a second server with it off).
pub fn http(
    mut config: kiosque::config::Config,
    connections: usize,
    seconds: f64,
) -> anyhow::Result<Vec<(String, String)>> {
    use actix_web::{web, App, HttpResponse, HttpServer};
    config.bind = "127.0.0.1:0".parse()?;
    config.rate_limit_anonymous = 0;
    let workers = config.workers;
    // The same server with its response cache off: what each request costs when computed.
    let mut computed = config.clone();
    computed.response_cache = Duration::ZERO;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let ran = actix_web::rt::System::new().block_on(async move {
            let app = kiosque::startup::Application::build(config)?;
            let uncached = kiosque::startup::Application::build(computed)?;
            let mut bare = HttpServer::new(|| {
                App::new().route(
                    "/bare",
                    web::get().to(|| async {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(r#"{"ok":true}"#)
                    }),
                )
            });
            if workers > 0 {
                bare = bare.workers(workers);
            }
            let bare = bare.bind("127.0.0.1:0")?;
            let bare_addr = bare.addrs()[0];
            actix_web::rt::spawn(bare.run());
            let _ = tx.send((app.addr, uncached.addr, bare_addr));
            actix_web::rt::spawn(uncached.server);
            app.server.await?;
            anyhow::Ok(())
        });
        if let Err(e) = ran {
            eprintln!("bench server: {e}");
        }
    });
    let (api, uncached, bare) = rx.recv_timeout(Duration::from_secs(120))?;
    let endpoints = [
        ("GET /v1/articles (20)", "/v1/articles?per_page=20"),
        ("GET /v1/articles/1", "/v1/articles/1"),
        ("GET /v1/articles/1/related", "/v1/articles/1/related"),
        (
            "GET /v1/articles?q=…",
            "/v1/articles?q=coop%C3%A9ration%20militaire",
        ),
        ("GET /v1/rubriques", "/v1/rubriques"),
    ];
    let mut targets = vec![Target {
        name: "bare actix-web handler".to_owned(),
        addr: bare,
        path: "/bare",
    }];
    for (name, path) in endpoints {
        targets.push(Target {
            name: name.to_owned(),
            addr: api,
            path,
        });
        targets.push(Target {
            name: format!("{name} computed"),
            addr: uncached,
            path,
        });
    }
    let mut out = Vec::new();
    let mut baseline = None;
    for t in targets {
        load(t.addr, t.path, connections, 1.0)?; // warm-up
        let (rate, times) = load(t.addr, t.path, connections, seconds)?;
        let base = *baseline.get_or_insert(rate);
        out.push((
            t.name,
            format!(
                "{rate:9.0} req/s  ({:5.1} % of bare)  {}",
                100.0 * rate / base,
                summary(times)
            ),
        ));
    }
    Ok(out)
}
