//! Relevance to `q`: the ranked ids a `sort=relevance` listing pages through, kept per question.

use std::collections::HashMap;

use super::model::{Article, SearchHit};
use crate::db::articles::{self as q, Filter, Scope};
use crate::db::AnyConnection;
use crate::domain::search;
use crate::error::ApiError;
use crate::state::Caches;

/// Articles matching `sq` within `scope` and `filter`, best first: what `sort=relevance` pages through.
pub fn search_ranked(
    conn: &mut AnyConnection,
    caches: &Caches,
    scope: &Scope,
    filter: Filter,
    sq: &search::Query,
    now: chrono::NaiveDateTime,
) -> Result<Vec<(i64, f64)>, ApiError> {
    use crate::db::search::{MAX_CANDIDATES, MAX_RANKED};
    search_ranked_within(
        conn,
        caches,
        scope,
        filter,
        sq,
        now,
        MAX_RANKED,
        MAX_CANDIDATES,
    )
}

/// [`search_ranked`] with the number of matches the database ranks at first (`budget`) and of the
/// candidates it hands to BM25F before the filters apply (`candidates`).
#[allow(clippy::too_many_arguments)]
pub fn search_ranked_within(
    conn: &mut AnyConnection,
    caches: &Caches,
    scope: &Scope,
    mut filter: Filter,
    sq: &search::Query,
    now: chrono::NaiveDateTime,
    mut budget: f64,
    candidates: i64,
) -> Result<Vec<(i64, f64)>, ApiError> {
    if sq.clauses.is_empty() {
        return Ok(Vec::new());
    }
    // The candidates already match; the filters and the caller's scope decide which may be shown.
    // A broad query is ranked within the newest matches (see db::search::Window); when the filters
    // leave too few of them, the window widens, up to the whole archive.
    use crate::db::search::{scores_within, Ask, Window};
    let public_at = matches!(scope, Scope::Public).then_some(now);
    let (stats, stamp) = crate::db::search::corpus(conn)?;
    let docs = stats.docs;
    // Public rankings are kept for a minute per generation of the statistics: readers ask the same
    // questions, and any indexing write (publishing, unpublishing, editing) moves the generation.
    let key = public_at.map(|_| (stamp, format!("{budget}|{candidates}|{sq:?}|{filter:?}")));
    if let Some(key) = &key {
        if let Some(ranked) = caches.rankings.get(key) {
            return Ok(ranked);
        }
    }
    filter.search = None;
    let ones = vec![1.0; sq.clauses.len()];
    loop {
        let ask = Ask {
            q: sq,
            boosts: &ones,
            limit: candidates,
            public_at,
            window: Window::Newest,
            budget,
        };
        let scores: HashMap<i64, f64> = scores_within(conn, &caches.frequencies, &ask)?
            .into_iter()
            .collect();
        filter.only_ids = Some(scores.keys().copied().collect());
        let ranked = rank(q::ids(conn, scope, &filter, now)?, &scores);
        if ranked.len() >= ENOUGH_FILTERED || budget >= docs {
            if let Some(key) = key {
                caches.rankings.insert(key, ranked.clone());
            }
            return Ok(ranked);
        }
        budget *= 8.0;
    }
}

/// Results of a filtered search below which a windowed ranking widens (a generous first page).
const ENOUGH_FILTERED: usize = 50;

/// Visible ids ordered by relevance (best first, then by id).
fn rank(ids: Vec<i64>, scores: &HashMap<i64, f64>) -> Vec<(i64, f64)> {
    let mut ranked: Vec<(i64, f64)> = ids
        .into_iter()
        .map(|id| (id, scores.get(&id).copied().unwrap_or(0.0)))
        .collect();
    // Ties by ascending id, the order the relevance cursor pages in.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
}

/// A text key that sorts descending scores ascending (for the relevance cursor).
pub(super) fn score_key(score: f64) -> String {
    format!("{:020.6}", 1e12 - score.clamp(0.0, 1e11))
}

/// The search block of one result: its score and a marked extract of the first field with a hit.
pub(super) fn hit(sq: &search::Query, a: &Article, score: f64) -> SearchHit {
    let fields = [
        a.body_text.as_deref(),
        a.lede.as_deref(),
        Some(a.title.as_str()),
    ];
    let snippet = fields
        .into_iter()
        .flatten()
        .find_map(|t| sq.snippet(t, 30))
        .unwrap_or_else(|| search::escape(&a.excerpt));
    SearchHit {
        score: (score * 10_000.0).round() / 10_000.0,
        snippet,
    }
}
