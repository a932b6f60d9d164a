//! `kiosque bench`: fills a database with synthetic French articles (sentences of the demo content and of
//! a corpus, recombined) and times, from a warm process, what readers call most: the front-page list,
//! search, and similar related articles. Prints p50/p95/max per operation.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{Duration as Span, TimeZone, Utc};
use serde::Deserialize;

use crate::api::articles::model::ArticleInput;
use crate::api::articles::{related, search_ranked, write};
use crate::api::common::{KeyRef, Patch};
use crate::auth::Staff;
use crate::db::articles::{self as q, Filter, Scope, Sort, Start};
use crate::db::{write_tx, AnyConnection, Db};
use crate::domain::{search, Key, Role, Status};
use crate::error::ApiError;

#[derive(Deserialize)]
struct Source {
    articles: Vec<SourceArticle>,
}

#[derive(Deserialize)]
struct SourceArticle {
    title: String,
    #[serde(default)]
    lede: Option<String>,
    body: String,
    tags: Vec<String>,
}

/// A small deterministic generator (xorshift), so every run builds the same database.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

fn sentences(text: &str) -> Vec<String> {
    text.split_inclusive(['.', '!', '?'])
        .map(str::trim)
        .filter(|s| s.split_whitespace().count() >= 5)
        .map(str::to_owned)
        .collect()
}

/// Adds synthetic published articles until the database holds `target` of them.
pub fn fill(db: &Db, corpus: &Path, target: usize) -> anyhow::Result<usize> {
    let mut sources: Vec<SourceArticle> =
        serde_json::from_str::<Source>(include_str!("seed/demo_fr.json"))?.articles;
    if let Ok(text) = std::fs::read_to_string(corpus) {
        sources.extend(serde_json::from_str::<Source>(&text)?.articles);
    }
    let pool: Vec<String> = sources.iter().flat_map(|a| sentences(&a.body)).collect();
    let ledes: Vec<String> = sources.iter().filter_map(|a| a.lede.clone()).collect();
    let titles: Vec<String> = sources.iter().map(|a| a.title.clone()).collect();
    let tags: Vec<String> = sources.iter().flat_map(|a| a.tags.clone()).collect();
    let mut conn = db.get()?;
    let rubriques: Vec<String> = crate::db::rubriques::all(&mut conn)?
        .into_iter()
        .map(|r| r.slug)
        .collect();
    let authors: Vec<String> = crate::db::authors::all(&mut conn)?
        .into_iter()
        .map(|a| a.slug)
        .collect();
    if rubriques.is_empty() || authors.is_empty() {
        anyhow::bail!("bench needs rubriques and authors: start from the demo content (KIOSQUE_DEMO_CONTENT=true)");
    }
    let have = q::count(
        &mut conn,
        &Scope::Public,
        &Filter::default(),
        crate::db::now(),
    )? as usize;
    let newsroom = Staff {
        user_id: 0,
        role: Role::Admin,
        author_id: None,
    };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ have as u64);
    let start = Utc
        .with_ymd_and_hms(2015, 1, 1, 6, 0, 0)
        .single()
        .unwrap_or_else(Utc::now);
    let mut made = 0;
    let started = Instant::now();
    while have + made < target {
        let batch = (target - have - made).min(500);
        write_tx(&mut conn, |c| {
            for i in 0..batch {
                let n = have + made + i;
                let body: Vec<String> = (0..(4 + rng.next() % 6))
                    .map(|_| rng.pick(&pool).clone())
                    .collect();
                let input = ArticleInput {
                    title: Patch::Value(format!("{} ({n})", rng.pick(&titles))),
                    lede: Patch::Value(rng.pick(&ledes).clone()),
                    body: Patch::Value(body.join(" ")),
                    status: Patch::Value(Status::Published),
                    published_at: Patch::Value(start + Span::minutes(n as i64 * 50)),
                    rubrique: Patch::Value(KeyRef::Slug(rng.pick(&rubriques).clone())),
                    authors: Patch::Value(vec![KeyRef::Slug(rng.pick(&authors).clone())]),
                    tags: Patch::Value(
                        (0..2 + rng.next() % 3)
                            .map(|_| rng.pick(&tags).clone())
                            .collect(),
                    ),
                    ..ArticleInput::default()
                };
                write::create(c, &newsroom, input)?;
            }
            Ok(())
        })
        .map_err(|e: ApiError| anyhow::anyhow!("filling: {}", e.detail))?;
        made += batch;
        eprintln!(
            "  {} articles ({:.0}/s)",
            have + made,
            made as f64 / started.elapsed().as_secs_f64()
        );
    }
    Ok(have + made)
}

/// p50, p95 and max of some timings.
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
    let now = crate::db::now();
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
        )?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let rids: Vec<i64> = rows.iter().map(|r| r.rubrique_id).collect();
        crate::db::links::load(c, &ids, &rids)?;
        q::count(c, &Scope::Public, &Filter::default(), now)?;
        timings.push(t.elapsed());
    }
    out.push((
        "list (front page, 20 + count)".into(),
        summary(std::mem::take(&mut timings)),
    ));
    for _ in 0..runs {
        let picked: &&str = rng.pick::<&str>(&queries[..]);
        let sq = search::parse(picked).map_err(|_| anyhow::anyhow!("query"))?;
        let t = Instant::now();
        let ranked = search_ranked(c, &Scope::Public, Filter::default(), &sq, now)
            .map_err(|e| anyhow::anyhow!("search: {}", e.detail))?;
        let page: Vec<i64> = ranked.iter().take(20).map(|(id, _)| *id).collect();
        q::by_ids(c, &page)?;
        timings.push(t.elapsed());
    }
    out.push((
        "search (q, relevance, top 20)".into(),
        summary(std::mem::take(&mut timings)),
    ));
    for _ in 0..runs {
        let id = 1 + (rng.next() % total.max(1) as u64) as i64;
        let Some(article) = q::find(c, &Key::Id(id))? else {
            continue;
        };
        let t = Instant::now();
        related::related_rows(c, &article, "similar", 4, now)
            .map_err(|e| anyhow::anyhow!("related: {}", e.detail))?;
        timings.push(t.elapsed());
    }
    out.push((
        "related (similar, 4)".into(),
        summary(std::mem::take(&mut timings)),
    ));
    Ok(out)
}
