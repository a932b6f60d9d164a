//! `kiosque eval`: loads a labelled French corpus into an empty database and measures search (nDCG@10)
//! and related articles (precision@4 per strategy) through the same code the API runs.
//!
//! Two checks beside the plain one: [`Options::leave_out`] loads the corpus without one of its
//! topics (run once per topic, the figures must not hang on one topic being there), and
//! [`Options::synthetic`] plants the corpus among that many synthetic articles (`seed --synthetic`),
//! so that what is measured on a hundred articles is measured again where related articles run:
//! a synthetic card counts as a miss.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, DurationRound, Utc};
use serde::Deserialize;

use kiosque::api::articles::model::ArticleInput;
use kiosque::api::articles::{related, search_ranked};
use kiosque::api::authors::AuthorInput;
use kiosque::api::common::{KeyRef, Patch};
use kiosque::auth::Staff;
use kiosque::content::articles as write;
use kiosque::content::synthetic;
use kiosque::db::articles::{self as q, Filter, Scope};
use kiosque::db::{authors, rubriques, write_tx, AnyConnection, Db};
use kiosque::domain::{search, Key, Role, Status};
use kiosque::error::ApiError;

#[derive(Deserialize)]
pub struct Corpus {
    rubriques: Vec<CorpusRubrique>,
    authors: Vec<CorpusAuthor>,
    articles: Vec<CorpusArticle>,
}

#[derive(Deserialize)]
struct CorpusRubrique {
    name: String,
    slug: String,
}

#[derive(Deserialize)]
struct CorpusAuthor {
    name: String,
    slug: String,
    #[serde(default)]
    bio: String,
}

#[derive(Deserialize)]
struct CorpusArticle {
    id: String,
    topic: u32,
    title: String,
    rubrique: String,
    author: String,
    published_at: DateTime<Utc>,
    tags: Vec<String>,
    lede: String,
    body: String,
}

#[derive(Deserialize)]
pub struct QueryCase {
    query: String,
    relevant: HashMap<String, u32>,
}

/// The figures `kiosque eval` prints.
#[derive(Debug)]
pub struct Report {
    pub articles: usize,
    /// precision@4 per related strategy.
    pub precision_at_4: Vec<(String, f64)>,
    /// Mean nDCG@10 over the queries, and each query's own.
    pub ndcg_at_10: f64,
    pub per_query: Vec<(String, f64)>,
    /// `similar` cards that were not the corpus's (synthetic or demo articles), of all its cards.
    pub similar_outside: (usize, usize),
    /// `similar` precision@4 per topic: (topic, precision, articles), by topic.
    pub similar_per_topic: Vec<(u32, f64, usize)>,
}

/// The corpus's rubriques and authors, made when missing (a synthetic newsroom may hold rubriques
/// and authors of the same slugs: those are used).
fn newsroom(conn: &mut AnyConnection, corpus: &Corpus) -> Result<(), ApiError> {
    let now = kiosque::db::now();
    // A synthetic newsroom may hold rubriques and authors of the same slugs: those are used.
    let have: Vec<String> = rubriques::all(conn)?.into_iter().map(|r| r.slug).collect();
    for (i, r) in corpus.rubriques.iter().enumerate() {
        if have.contains(&r.slug) {
            continue;
        }
        let w = rubriques::RubriqueWrite {
            slug: r.slug.clone(),
            name: r.name.clone(),
            description: String::new(),
            parent_id: None,
            position: i as i32,
        };
        rubriques::insert(conn, &w, now)?;
    }
    let have: Vec<String> = authors::all(conn)?.into_iter().map(|a| a.slug).collect();
    for a in corpus.authors.iter().filter(|a| !have.contains(&a.slug)) {
        let input = AuthorInput {
            name: Patch::Value(a.name.clone()),
            slug: Patch::Value(a.slug.clone()),
            bio: Patch::Value(a.bio.clone()),
            ..AuthorInput::default()
        };
        kiosque::content::authors::create(conn, input)?;
    }
    Ok(())
}

/// Writes one article of the corpus as a newsroom would; its id.
fn write_article(conn: &mut AnyConnection, a: &CorpusArticle) -> Result<i64, ApiError> {
    let newsroom = Staff {
        user_id: 0,
        role: Role::Admin,
        author_id: None,
    };
    {
        // As a newsroom sends it: a `[Tribune]` in a title stays in the title.
        let input = ArticleInput {
            title: Patch::Value(a.title.clone()),
            lede: Patch::Value(a.lede.clone()),
            body: Patch::Value(a.body.clone()),
            status: Patch::Value(Status::Published),
            published_at: Patch::Value(a.published_at),
            rubrique: Patch::Value(KeyRef::Slug(a.rubrique.clone())),
            authors: Patch::Value(vec![KeyRef::Slug(a.author.clone())]),
            tags: Patch::Value(a.tags.clone()),
            ..ArticleInput::default()
        };
        write::create(conn, &newsroom, input)
    }
}

/// Writes the corpus (less the topic `leave_out`): its articles' ids, with their corpus id and topic.
/// Among `synthetic` articles, each is written where its date falls in the synthetic archive's ten
/// years, so a topic's stories lie years and thousands of ids apart, as in a real archive (written
/// after them all, the corpus sat together at the top of the ids, inside every id window of the
/// more-like-this query).
fn load(
    db: &Db,
    corpus: &Corpus,
    options: &Options,
) -> anyhow::Result<HashMap<i64, (String, u32)>> {
    let mut articles: Vec<&CorpusArticle> = corpus
        .articles
        .iter()
        .filter(|a| Some(a.topic) != options.leave_out)
        .collect();
    articles.sort_by_key(|a| a.published_at);
    // One clock for the whole load, at the day's start: every run of the same day writes the same
    // archive, on both databases.
    let now = Utc::now().duration_trunc(chrono::Duration::days(1))?;
    let started = std::time::Instant::now();
    // The synthetic archive up to `upto` articles (the corpus's included), analysed at the end only.
    let fill = |upto: usize, last: bool| {
        let part = synthetic::Part {
            upto,
            target: options.synthetic,
            analyze: last,
            now,
        };
        synthetic::fill_part(db, &part, options.text.as_deref(), true, |_, _, _| {})
    };
    let mut ids = HashMap::new();
    for (i, a) in articles.iter().enumerate() {
        if options.synthetic > 0 {
            let share = synthetic::share_of_archive(a.published_at, now);
            fill((share * options.synthetic as f64) as usize + i, false)?;
        }
        let mut conn = db.get()?;
        let id = write_tx(&mut conn, |c| {
            newsroom(c, corpus)?;
            write_article(c, a)
        })
        .map_err(|e| anyhow::anyhow!("loading the corpus: {}", e.detail))?;
        ids.insert(id, (a.id.clone(), a.topic));
    }
    if options.synthetic > 0 {
        let filled = fill(options.synthetic + ids.len(), true)?;
        eprintln!(
            "{} articles (synthetic, and the corpus spread among them by date) written in {:.1} s",
            filled.total,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(ids)
}

fn ndcg_at_10(ranked: &[String], relevant: &HashMap<String, u32>) -> f64 {
    let gain = |g: u32| 2f64.powi(g as i32) - 1.0;
    let dcg: f64 = ranked
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, id)| gain(relevant.get(id).copied().unwrap_or(0)) / (i as f64 + 2.0).log2())
        .sum();
    let mut ideal: Vec<u32> = relevant.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, g)| gain(*g) / (i as f64 + 2.0).log2())
        .sum();
    if idcg == 0.0 {
        0.0
    } else {
        dcg / idcg
    }
}

/// What to measure beside the corpus as it is.
#[derive(Default)]
pub struct Options {
    /// Leave this topic's articles out.
    pub leave_out: Option<u32>,
    /// Fill the database with this many synthetic articles first (text from `text`, if given).
    pub synthetic: usize,
    pub text: Option<String>,
}

/// Reads a corpus and its queries.
pub fn read(corpus: &Path, queries: &Path) -> anyhow::Result<(Corpus, Vec<QueryCase>)> {
    Ok((
        serde_json::from_str(&std::fs::read_to_string(corpus)?)?,
        serde_json::from_str(&std::fs::read_to_string(queries)?)?,
    ))
}

impl Corpus {
    /// The topics, in order.
    pub fn topics(&self) -> Vec<u32> {
        let mut topics: Vec<u32> = self.articles.iter().map(|a| a.topic).collect();
        topics.sort_unstable();
        topics.dedup();
        topics
    }
}

/// Loads the corpus into `db` (which must hold no article) and measures.
pub fn run(
    db: &Db,
    corpus: &Corpus,
    cases: &[QueryCase],
    strategies: &[&str],
    options: &Options,
) -> anyhow::Result<Report> {
    let mut conn = db.get()?;
    let existing: i64 = q::count(
        &mut conn,
        &Scope::Public,
        &Filter::default(),
        kiosque::db::now(),
    )?;
    let existing_rubriques = rubriques::all(&mut conn)?.len();
    if existing > 0 || existing_rubriques > 0 {
        anyhow::bail!(
            "eval needs an empty database (run with KIOSQUE_DEMO_CONTENT=false on a new one)"
        );
    }
    drop(conn);
    let ids = load(db, corpus, options)?;
    let mut conn = db.get()?;
    if ids.is_empty() {
        anyhow::bail!("the corpus holds no article to measure");
    }
    let now = kiosque::db::now();
    let caches = kiosque::state::Caches::default();
    let run = |conn: &mut AnyConnection| -> Result<Report, ApiError> {
        let mut precision = Vec::new();
        let mut outside = (0, 0);
        let mut per_topic: std::collections::BTreeMap<u32, (f64, usize)> = Default::default();
        for strategy in strategies {
            let mut sum = 0.0;
            for (id, (_, topic)) in &ids {
                let article =
                    q::find(conn, &Key::Id(*id))?.ok_or_else(|| ApiError::not_found("article"))?;
                let rows = related::related_rows(
                    conn,
                    &caches,
                    &article,
                    strategy,
                    4,
                    now,
                    q::Bodies::Without,
                )?;
                let same = rows
                    .iter()
                    .filter(|r| ids.get(&r.0.id).map(|x| x.1) == Some(*topic))
                    .count();
                sum += same as f64 / 4.0;
                if *strategy == "similar" {
                    outside.0 += rows.iter().filter(|r| !ids.contains_key(&r.0.id)).count();
                    outside.1 += rows.len();
                    let t = per_topic.entry(*topic).or_default();
                    t.0 += same as f64 / 4.0;
                    t.1 += 1;
                }
            }
            precision.push((strategy.to_string(), sum / ids.len() as f64));
        }
        let mut per_query = Vec::new();
        // Without a left-out topic's articles, a query is judged on the answers still there, and
        // left out when none is.
        let left: Vec<&String> = corpus
            .articles
            .iter()
            .filter(|a| Some(a.topic) == options.leave_out)
            .map(|a| &a.id)
            .collect();
        for case in cases {
            let mut relevant = case.relevant.clone();
            relevant.retain(|id, _| !left.contains(&id));
            if relevant.is_empty() {
                continue;
            }
            let sq = search::parse(&case.query).map_err(|_| ApiError::bad_request("query"))?;
            let ranked = search_ranked(conn, &caches, &Scope::Public, Filter::default(), &sq, now)?;
            // An article not in the corpus (synthetic, demo) keeps its rank, as a miss.
            let names: Vec<String> = ranked
                .iter()
                .take(10)
                .map(|(id, _)| ids.get(id).map(|x| x.0.clone()).unwrap_or_default())
                .collect();
            per_query.push((case.query.clone(), ndcg_at_10(&names, &relevant)));
        }
        let ndcg = per_query.iter().map(|x| x.1).sum::<f64>() / per_query.len().max(1) as f64;
        Ok(Report {
            articles: ids.len(),
            precision_at_4: precision,
            ndcg_at_10: ndcg,
            per_query,
            similar_outside: outside,
            similar_per_topic: per_topic
                .into_iter()
                .map(|(t, (sum, n))| (t, sum / n as f64, n))
                .collect(),
        })
    };
    run(&mut conn).map_err(|e| anyhow::anyhow!("measuring: {}", e.detail))
}

/// `kiosque eval`'s arguments.
#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value = "tests/corpus/dev_corpus_fr.json")]
    pub corpus: PathBuf,
    #[arg(long, default_value = "tests/corpus/dev_queries_fr.json")]
    pub queries: PathBuf,
    /// Print each query's nDCG@10 too.
    #[arg(long)]
    pub verbose: bool,
    /// Fail (exit 1) when the `similar` strategy's precision@4 is under this.
    #[arg(long)]
    pub min_similar: Option<f64>,
    /// Fail (exit 1) when search's mean nDCG@10 is under this.
    #[arg(long)]
    pub min_ndcg: Option<f64>,
    /// Measure once per topic, that topic's articles left out, each on a new temporary SQLite
    /// file; the floors apply to every run.
    #[arg(long)]
    pub leave_one_topic_out: bool,
    /// Plant the corpus among this many synthetic articles (as `seed --synthetic` writes them)
    /// and measure there: a synthetic card counts as a miss.
    #[arg(long, default_value_t = 0)]
    pub synthetic: usize,
    /// Extra source text for the synthetic articles (a corpus file); use another corpus than the
    /// one measured.
    #[arg(long, requires = "synthetic")]
    pub text: Option<PathBuf>,
}

/// A new temporary SQLite database's URL.
fn temporary_url(tag: &str) -> String {
    format!(
        "sqlite://{}/kiosque-eval-{}-{tag}.db",
        std::env::temp_dir().display(),
        std::process::id()
    )
}

/// Runs `kiosque eval`: prints the figures, and fails under a floor.
pub fn command(args: &Args, timeout: Duration) -> anyhow::Result<()> {
    if args.text.as_ref() == Some(&args.corpus) {
        anyhow::bail!("--text must be another corpus than the one measured: its sentences would be in the synthetic articles");
    }
    let (corpus, cases) = read(&args.corpus, &args.queries)?;
    let text = match &args.text {
        Some(path) => Some(std::fs::read_to_string(path)?),
        None => None,
    };
    let given = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty());
    // (topic left out, database URL, whether it is a temporary file of this run's own)
    let runs: Vec<(Option<u32>, String, bool)> = if args.leave_one_topic_out {
        corpus
            .topics()
            .into_iter()
            .map(|t| (Some(t), temporary_url(&format!("without-{t}")), true))
            .collect()
    } else {
        match given {
            Some(url) => vec![(None, url, false)],
            None => vec![(None, temporary_url("all"), true)],
        }
    };
    let strategies = ["similar", "rubrique", "tags", "author", "latest"];
    let mut similar_all = Vec::new();
    for (leave_out, url, temporary) in runs {
        let db = Db::connect(&url, 2, timeout)?;
        db.migrate()?;
        let options = Options {
            leave_out,
            synthetic: args.synthetic,
            text: text.clone(),
        };
        let report = run(&db, &corpus, &cases, &strategies, &options);
        if temporary {
            drop(db);
            remove_sqlite(&url);
        }
        let report = report?;
        match leave_out {
            Some(t) => println!("without topic {t}: {} articles", report.articles),
            None => println!(
                "corpus: {} articles, database {}",
                report.articles,
                kiosque::config::redact_url(&url)
            ),
        }
        for (s, p) in &report.precision_at_4 {
            println!("related {s:<9} precision@4 = {p:.3}");
        }
        if args.verbose {
            for (t, p, n) in &report.similar_per_topic {
                println!("  topic {t:>3}: similar precision@4 {p:.3} over {n} articles");
            }
        }
        if args.synthetic > 0 {
            let (outside, all) = report.similar_outside;
            println!("similar cards not in the corpus (synthetic or demo): {outside} of {all}");
        }
        println!(
            "search mean nDCG@10 = {:.3} over {} queries",
            report.ndcg_at_10,
            report.per_query.len()
        );
        if args.verbose {
            for (q, n) in &report.per_query {
                println!("  {n:.3}  {q}");
            }
        }
        // The guard CI runs: a change that loses quality cannot land unnoticed.
        let similar = report
            .precision_at_4
            .iter()
            .find(|(s, _)| s == "similar")
            .map_or(0.0, |(_, p)| *p);
        if let Some(floor) = args.min_similar.filter(|f| similar < *f) {
            anyhow::bail!("related similar precision@4 {similar:.3} is under the floor {floor:.3}");
        }
        if let Some(floor) = args.min_ndcg.filter(|f| report.ndcg_at_10 < *f) {
            anyhow::bail!(
                "search nDCG@10 {:.3} is under the floor {floor:.3}",
                report.ndcg_at_10
            );
        }
        similar_all.push(similar);
    }
    if similar_all.len() > 1 {
        let min = similar_all.iter().copied().fold(f64::INFINITY, f64::min);
        let max = similar_all.iter().copied().fold(0.0, f64::max);
        let mean = similar_all.iter().sum::<f64>() / similar_all.len() as f64;
        println!(
            "leave one topic out: similar precision@4 min {min:.3}, mean {mean:.3}, max {max:.3}"
        );
    }
    Ok(())
}

/// Removes a temporary SQLite database and its WAL files.
fn remove_sqlite(url: &str) {
    let path = url.trim_start_matches("sqlite://");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndcg_is_one_for_the_ideal_order_and_less_otherwise() {
        let rel: HashMap<String, u32> = [("a".to_string(), 2), ("b".to_string(), 1)].into();
        assert!((ndcg_at_10(&["a".into(), "b".into()], &rel) - 1.0).abs() < 1e-9);
        assert!(ndcg_at_10(&["b".into(), "a".into()], &rel) < 1.0);
        assert_eq!(ndcg_at_10(&["z".into()], &rel), 0.0);
    }
}
