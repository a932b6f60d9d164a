//! `kiosque eval`: loads a labelled French corpus into an empty database and measures search (nDCG@10)
//! and related articles (precision@4 per strategy) through the same code the API runs.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use kiosque::api::articles::model::ArticleInput;
use kiosque::api::articles::{related, search_ranked};
use kiosque::api::authors::AuthorInput;
use kiosque::api::common::{KeyRef, Patch};
use kiosque::auth::Staff;
use kiosque::content::articles as write;
use kiosque::db::articles::{self as q, Filter, Scope};
use kiosque::db::{rubriques, write_tx, AnyConnection, Db};
use kiosque::domain::{search, Key, Role, Status};
use kiosque::error::ApiError;

#[derive(Deserialize)]
struct Corpus {
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
struct QueryCase {
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
}

fn load(
    conn: &mut AnyConnection,
    corpus: &Corpus,
) -> Result<HashMap<i64, (String, u32)>, ApiError> {
    let now = kiosque::db::now();
    for (i, r) in corpus.rubriques.iter().enumerate() {
        let w = rubriques::RubriqueWrite {
            slug: r.slug.clone(),
            name: r.name.clone(),
            description: String::new(),
            parent_id: None,
            position: i as i32,
        };
        rubriques::insert(conn, &w, now)?;
    }
    for a in &corpus.authors {
        let input = AuthorInput {
            name: Patch::Value(a.name.clone()),
            slug: Patch::Value(a.slug.clone()),
            bio: Patch::Value(a.bio.clone()),
            ..AuthorInput::default()
        };
        kiosque::content::authors::create(conn, input)?;
    }
    let newsroom = Staff {
        user_id: 0,
        role: Role::Admin,
        author_id: None,
    };
    let mut ids = HashMap::new();
    for a in &corpus.articles {
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
        let id = write::create(conn, &newsroom, input)?;
        ids.insert(id, (a.id.clone(), a.topic));
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

/// Loads the corpus into `db` (which must hold no article) and measures.
pub fn run(db: &Db, corpus: &Path, queries: &Path, strategies: &[&str]) -> anyhow::Result<Report> {
    let corpus: Corpus = serde_json::from_str(&std::fs::read_to_string(corpus)?)?;
    let cases: Vec<QueryCase> = serde_json::from_str(&std::fs::read_to_string(queries)?)?;
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
    let ids = write_tx(&mut conn, |c| load(c, &corpus))
        .map_err(|e| anyhow::anyhow!("loading the corpus: {}", e.detail))?;
    let now = kiosque::db::now();
    let caches = kiosque::state::Caches::default();
    let run = |conn: &mut AnyConnection| -> Result<Report, ApiError> {
        let mut precision = Vec::new();
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
            }
            precision.push((strategy.to_string(), sum / ids.len() as f64));
        }
        let mut per_query = Vec::new();
        for case in &cases {
            let sq = search::parse(&case.query).map_err(|_| ApiError::bad_request("query"))?;
            let ranked = search_ranked(conn, &caches, &Scope::Public, Filter::default(), &sq, now)?;
            let names: Vec<String> = ranked
                .iter()
                .take(10)
                .filter_map(|(id, _)| ids.get(id).map(|x| x.0.clone()))
                .collect();
            per_query.push((case.query.clone(), ndcg_at_10(&names, &case.relevant)));
        }
        let ndcg = per_query.iter().map(|x| x.1).sum::<f64>() / per_query.len().max(1) as f64;
        Ok(Report {
            articles: ids.len(),
            precision_at_4: precision,
            ndcg_at_10: ndcg,
            per_query,
        })
    };
    run(&mut conn).map_err(|e| anyhow::anyhow!("measuring: {}", e.detail))
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
