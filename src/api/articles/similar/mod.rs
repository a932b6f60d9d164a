//! `strategy=similar`: content-based related articles.
//!
//! 1. A more-like-this query over the article's most distinctive terms finds candidates (BM25F, the
//!    search ranking; at scale within an id window around the article), joined by the articles
//!    sharing its tags when the text finds too few.
//! 2. Text similarity is the cosine of tf-idf vectors over the analysed fields (names, which cross
//!    topics, count a quarter), each term weighted by the evidence that it tells a topic: how much
//!    the neighbourhood's articles that share it resemble each other otherwise (`text::coherence`;
//!    "coton" joins stories that share much else, "morts" or "export" stories that share little).
//!    Plus the cosine in the latent space of the candidates' own cosine matrix (local latent
//!    semantic analysis, [`Latent`]): two stories on one topic that share few words share them with
//!    the same third stories. The two closest candidates' own similarities vote with the article's
//!    (pseudo-relevance feedback).
//! 3. The blend adds shared tags (rarer tags count more), a shared byline, the same rubrique and
//!    closeness in time, and the cards are picked with a little diversity so four do not tell one story.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::articles::{self as q, Brief};
use crate::db::models::ArticleRow;
use crate::db::schema::{article_authors, article_tags};
use crate::db::{links, related, search, AnyConnection};
use crate::domain::search::Stats;
use crate::error::ApiError;
use crate::state::{Caches, RelatedCards};

mod text;

use text::{candidates, jaccard, text_similarity, Analysed};

/// Terms of the more-like-this query, and how many of its best matches (by the database's ranking) are
/// rescored.
const MLT_TERMS: usize = 40;
/// At least this many terms, even when they expect more matches than the window-free budget: with
/// 12 (before 2026-12-07 night), the twelfth term often took the query past it, and an id window
/// around the article hid its stories of other years (corpus spread among 10,000 synthetic
/// articles: 0.572 with 12, 0.657 with 6, 0.664 without any window).
const MLT_MIN_TERMS: usize = 6;
/// Matches (by document frequency) past which no further more-like-this term is asked for: the
/// matches the database ranks without an id window.
const MLT_EXPECTED_MATCHES: f64 = search::MAX_RANKED_AROUND;
const MLT_POOL: i64 = TEXT_CANDIDATES as i64;
/// A term found in at most this many articles comes first in the more-like-this query (100): the
/// MLT_MIN_TERMS rarest expect at most the matches the database ranks without an id window
/// ([`search::MAX_RANKED_AROUND`]), so the article's other stories are looked for in the whole
/// archive, not only among its neighbours in time. In an archive of a few hundred articles every
/// term is (the 20 % cap below is lower).
const MLT_RARE_DF: f64 = search::MAX_RANKED_AROUND / MLT_MIN_TERMS as f64;
/// Terms in more than this share of the articles find too much to be worth querying.
const MLT_MAX_DF_SHARE: f64 = 0.2;
/// Candidates kept from the more-like-this query: the neighbourhood whose own cosines, coherence
/// and latent space are computed. A cost bound, not a corpus size: the work grows with its square
/// (about 9 ms at 100,000 articles with 80). Measured on the first two corpora (2026-12-07), 60 loses
/// 0.01-0.03 of precision@4 and 120 gains under 0.01: the neighbourhood must hold several
/// stories of each nearby topic, and 80 does.
const TEXT_CANDIDATES: usize = 80;
/// Candidates from shared tags, when the text finds fewer than half of [`TEXT_CANDIDATES`].
const TAG_CANDIDATES: i64 = 30;
/// Share of the candidates' spectrum (see [`Latent`]) that the latent space keeps.
const LATENT_ENERGY: (f64, f64) = (0.15, 0.35);
/// What one occurrence of a name (a place, a person, an institution) counts for, against 1 for any
/// other word: names cross topics (the capital is in every other story), words tell what happens.
const NAME_WEIGHT: f64 = 0.25;
/// Ordered pairs of documents (here one pair of articles, both ways) at the neighbourhood's mean
/// cosine that a term's own pairs are pooled with when its coherence is measured (see
/// `text::coherence`): a term shared by two documents (two ordered pairs) moves half-way from the
/// mean, one shared by five (twenty) almost all the way. Measured: ½ to 8 move precision by < 0.02.
const COHERENCE_PRIOR_PAIRS: f64 = 2.0;
/// The closest candidates whose own similarities vote with the article's.
const FEEDBACK: usize = 2;
/// How much each signal weighs in the blend.
const W_TEXT: f64 = 1.0;
const W_TAGS: f64 = 0.05;
const W_AUTHOR: f64 = 0.02;
const W_RUBRIQUE: f64 = 0.02;
const W_RECENCY: f64 = 0.02;
/// How strongly a card that repeats an already chosen one's title is held back.
const DIVERSITY: f64 = 0.1;

/// A candidate while the cards are picked.
struct Card {
    row: Brief,
    score: f64,
    reason: Vec<String>,
}

/// One related card with its score and why it was chosen.
pub struct Scored {
    pub row: ArticleRow,
    pub score: f64,
    pub reason: Vec<String>,
}

fn idf(docs: f64, df: f64) -> f64 {
    (1.0 + (docs - df + 0.5) / (df + 0.5)).ln().max(0.0)
}

/// The corpus as one request sees it: document count, the statistics' stamp and the frequencies
/// kept for it, the article's text.
struct Context<'a> {
    kept: &'a search::Frequencies,
    docs: f64,
    stats: Stats,
    stamp: search::Stamp,
    own: Option<Analysed>,
}

/// Cards kept in a stored list: the most a request asks for (20), and a few more for the pinned
/// articles (left out of the list at read time) and the cards unpublished since.
pub const STORED: usize = 24;

/// Up to `limit` similar published articles, best first, never `article` itself or one in `exclude`:
/// from the article's stored list when it is fresh (see `db::related`), computed and stored otherwise.
pub fn similar(
    conn: &mut AnyConnection,
    caches: &Caches,
    article: &ArticleRow,
    exclude: &[i64],
    limit: usize,
    now: NaiveDateTime,
    bodies: q::Bodies,
) -> Result<Vec<Scored>, ApiError> {
    if let Some(found) = similar_stored(conn, caches, article, exclude, limit, now, bodies)? {
        return Ok(found);
    }
    let read = Read {
        exclude,
        limit,
        now,
        bodies,
    };
    let cards = fresh_cards(conn, caches, article, now)?;
    Ok(visible_cards(conn, &cards, &read, false)?.unwrap_or_default())
}

/// [`similar`] from the article's stored list alone: `None` when that list would have to be computed
/// (none kept, stale, too old, or a card unpublished since). A read that cannot wait for a
/// computation tries this first.
pub fn similar_stored(
    conn: &mut AnyConnection,
    caches: &Caches,
    article: &ArticleRow,
    exclude: &[i64],
    limit: usize,
    now: NaiveDateTime,
    bodies: q::Bodies,
) -> Result<Option<Vec<Scored>>, ApiError> {
    let read = Read {
        exclude,
        limit,
        now,
        bodies,
    };
    match kept_cards(conn, caches, article, now)? {
        // A stored card unpublished since means the list is out of date.
        Some(cards) => visible_cards(conn, &cards, &read, true),
        None => Ok(None),
    }
}

/// What a request reads of a list: its cards not in `exclude`, `limit` at most, with or without
/// their bodies.
struct Read<'a> {
    exclude: &'a [i64],
    limit: usize,
    now: NaiveDateTime,
    bodies: q::Bodies,
}

/// The article's stored list, if it is still good: same version, not marked stale, young enough.
fn kept_cards(
    conn: &mut AnyConnection,
    caches: &Caches,
    article: &ArticleRow,
    now: NaiveDateTime,
) -> Result<Option<RelatedCards>, ApiError> {
    let max_age = caches.related_max_age;
    if max_age.is_zero() {
        return Ok(None);
    }
    let Some(kept) = related::get(conn, article.id)? else {
        return Ok(None);
    };
    let young = (now - kept.computed_at)
        .to_std()
        .map_or(true, |age| age <= max_age);
    if kept.stale || kept.version != article.version || !young {
        return Ok(None);
    }
    Ok(decode(&kept.cards))
}

/// The reasons a stored card may carry, one letter each in storage.
const REASONS: [(&str, char); 5] = [
    ("similar_text", 'x'),
    ("shared_tags", 't'),
    ("same_author", 'a'),
    ("same_rubrique", 'r'),
    ("recent", 'n'),
];

/// A list as stored: `id score letters` per card, `;` between cards (about 20 bytes a card; JSON
/// took 60, and a 100,000-article archive stores 24 cards for each article).
fn encode(cards: &RelatedCards) -> String {
    let mut out = String::with_capacity(cards.len() * 20);
    for (i, (id, score, reasons)) in cards.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(&format!("{id} {score} "));
        out.extend(reasons.iter().filter_map(|r| {
            REASONS
                .iter()
                .find(|(name, _)| name == r)
                .map(|(_, letter)| *letter)
        }));
    }
    out
}

/// [`encode`]'s list back; `None` for anything else (computed again, and stored anew).
fn decode(stored: &str) -> Option<RelatedCards> {
    if stored.is_empty() {
        return Some(Vec::new());
    }
    stored
        .split(';')
        .map(|card| {
            let mut parts = card.split(' ');
            let id = parts.next()?.parse().ok()?;
            let score = parts.next()?.parse().ok()?;
            let reasons = parts
                .next()?
                .chars()
                .map(|c| {
                    REASONS
                        .iter()
                        .find(|(_, letter)| *letter == c)
                        .map(|(name, _)| (*name).to_owned())
                })
                .collect::<Option<Vec<String>>>()?;
            parts.next().is_none().then_some((id, score, reasons))
        })
        .collect()
}

/// The article's list computed now, and stored for the next readers (unless lists are not kept).
pub fn fresh_cards(
    conn: &mut AnyConnection,
    caches: &Caches,
    article: &ArticleRow,
    now: NaiveDateTime,
) -> Result<RelatedCards, ApiError> {
    let corpus = search::corpus(conn)?;
    let cards = compute(conn, &caches.frequencies, corpus, article, &[], STORED, now)?;
    if !caches.related_max_age.is_zero() {
        // Best effort: on a read-only replica, or when the SQLite writer is busy past the timeout,
        // the next reader computes it again.
        let _ = related::put(conn, article.id, article.version, &encode(&cards), now);
    }
    Ok(cards)
}

/// The rows of the cards `read` asks for, best first; `None` when `strict` and one of them is no
/// longer visible.
fn visible_cards(
    conn: &mut AnyConnection,
    cards: &RelatedCards,
    read: &Read,
    strict: bool,
) -> Result<Option<Vec<Scored>>, ApiError> {
    let wanted: Vec<&(i64, f64, Vec<String>)> = cards
        .iter()
        .filter(|c| !read.exclude.contains(&c.0))
        .take(read.limit)
        .collect();
    let ids: Vec<i64> = wanted.iter().map(|c| c.0).collect();
    let mut rows: HashMap<i64, ArticleRow> =
        q::visible_by_ids_with(conn, &ids, read.now, read.bodies)?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
    if strict && rows.len() < ids.len() {
        return Ok(None);
    }
    Ok(Some(
        wanted
            .into_iter()
            .filter_map(|(id, score, reason)| {
                Some(Scored {
                    row: rows.remove(id)?,
                    score: *score,
                    reason: reason.clone(),
                })
            })
            .collect(),
    ))
}

/// The articles whose related lists a write on `article` may change: those its text finds (a list
/// is mostly symmetric: what `article` finds close finds it close). Marked stale after the write.
pub fn neighbours(
    conn: &mut AnyConnection,
    caches: &Caches,
    article: &ArticleRow,
    now: NaiveDateTime,
) -> Result<Vec<i64>, ApiError> {
    let (stats, stamp) = search::corpus(conn)?;
    let cx = Context {
        kept: &caches.frequencies,
        docs: stats.docs.max(1.0),
        stats,
        stamp,
        own: own_text(conn, article.id)?,
    };
    let (rows, _) = candidates(conn, &cx, article, &[], now)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

fn own_text(conn: &mut AnyConnection, id: i64) -> Result<Option<Analysed>, ApiError> {
    Ok(
        search::fields_and_names(conn, id)?.map(|(fields, names)| Analysed {
            fields,
            names: names.into_iter().collect(),
        }),
    )
}

/// The computation of [`similar`]: the cards' ids, scores and reasons.
fn compute(
    conn: &mut AnyConnection,
    kept: &search::Frequencies,
    (stats, stamp): (Stats, search::Stamp),
    article: &ArticleRow,
    exclude: &[i64],
    limit: usize,
    now: NaiveDateTime,
) -> Result<RelatedCards, ApiError> {
    let cx = Context {
        kept,
        docs: stats.docs.max(1.0),
        stats,
        stamp,
        own: own_text(conn, article.id)?,
    };
    let (rows, fields) = candidates(conn, &cx, article, exclude, now)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let (text, titles) = text_similarity(conn, &cx, &ids, fields)?;

    // Shared tags, each worth its rarity.
    let my_tags = links::tag_ids(conn, article.id)?;
    // Rarity from the published articles' tag counts the writer keeps.
    let tag_counts = search::tag_counts_cached(conn, cx.kept, &cx.stamp, &my_tags)?;
    let docs = cx.docs;
    let tag_idf: HashMap<i64, f64> = my_tags
        .iter()
        .map(|t| {
            (
                *t,
                idf(docs, tag_counts.get(t).copied().unwrap_or(0).max(1) as f64),
            )
        })
        .collect();
    let tag_total: f64 = tag_idf.values().sum::<f64>().max(1e-9);
    let shared: Vec<(i64, i64)> = article_tags::table
        .filter(article_tags::article_id.eq_any(&ids))
        .filter(article_tags::tag_id.eq_any(&my_tags))
        .select((article_tags::article_id, article_tags::tag_id))
        .load(conn)?;
    let mut tag_score: HashMap<i64, f64> = HashMap::new();
    for (a, t) in shared {
        *tag_score.entry(a).or_default() += tag_idf.get(&t).copied().unwrap_or(0.0) / tag_total;
    }
    // The article's own authors in a subquery: one round trip.
    let own = diesel::alias!(article_authors as own_authors);
    let my_authors = own
        .filter(own.field(article_authors::article_id).eq(article.id))
        .select(own.field(article_authors::author_id));
    let co_signed: HashSet<i64> = article_authors::table
        .filter(article_authors::article_id.eq_any(&ids))
        .filter(article_authors::author_id.eq_any(my_authors))
        .select(article_authors::article_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();

    let max_text = text.values().copied().fold(0.0, f64::max).max(1e-9);
    let me_at = article.published_at.unwrap_or(article.sort_at);
    let mut pool: Vec<(Card, HashSet<String>)> = rows
        .into_iter()
        .map(|row| {
            let t = text.get(&row.id).copied().unwrap_or(0.0) / max_text;
            let g = tag_score.get(&row.id).copied().unwrap_or(0.0).min(1.0);
            let a = if co_signed.contains(&row.id) {
                1.0
            } else {
                0.0
            };
            let r = if row.rubrique_id == article.rubrique_id {
                1.0
            } else {
                0.0
            };
            let days = (row.sort_at - me_at).num_days().unsigned_abs() as f64;
            let recency = (-days / 180.0).exp();
            let score =
                W_TEXT * t + W_TAGS * g + W_AUTHOR * a + W_RUBRIQUE * r + W_RECENCY * recency;
            let mut reason: Vec<(f64, &str)> = Vec::new();
            if t >= 0.25 {
                reason.push((W_TEXT * t, "similar_text"));
            }
            if g > 0.0 {
                reason.push((W_TAGS * g, "shared_tags"));
            }
            if a > 0.0 {
                reason.push((W_AUTHOR, "same_author"));
            }
            if r > 0.0 {
                reason.push((W_RUBRIQUE, "same_rubrique"));
            }
            if days <= 7.0 {
                reason.push((W_RECENCY * recency, "recent"));
            }
            reason.sort_by(|x, y| y.0.total_cmp(&x.0));
            let terms = titles.get(&row.id).cloned().unwrap_or_default();
            let reason = reason.into_iter().map(|(_, r)| r.to_owned()).collect();
            (Card { row, score, reason }, terms)
        })
        .collect();

    // Greedy pick with a penalty for repeating a chosen card's title (maximal marginal relevance).
    // `repeat[i]`: the most that candidate i's title repeats of a card picked so far, brought up to
    // date with each pick (one comparison per candidate and pick, not per candidate, pick and card).
    let mut picked: Vec<(Card, HashSet<String>)> = Vec::new();
    let mut repeat = vec![0.0; pool.len()];
    while picked.len() < limit && !pool.is_empty() {
        let adjusted = |i: usize| pool[i].0.score - DIVERSITY * repeat[i];
        let best = (0..pool.len())
            .max_by(|&i, &j| {
                adjusted(i)
                    .total_cmp(&adjusted(j))
                    .then(pool[j].0.row.id.cmp(&pool[i].0.row.id))
            })
            .unwrap_or(0);
        let card = pool.swap_remove(best);
        repeat.swap_remove(best);
        for (c, r) in pool.iter().zip(repeat.iter_mut()) {
            *r = f64::max(*r, jaccard(&c.1, &card.1));
        }
        picked.push(card);
    }
    Ok(picked
        .into_iter()
        .map(|(c, _)| (c.row.id, (c.score * 10_000.0).round() / 10_000.0, c.reason))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_list_reads_back_as_it_was_written() {
        let cards: RelatedCards = vec![
            (
                12,
                0.8123,
                vec!["similar_text".into(), "same_rubrique".into()],
            ),
            (7, 0.05, vec![]),
            (
                1_000_000,
                1.0,
                REASONS.iter().map(|r| r.0.to_owned()).collect(),
            ),
        ];
        assert_eq!(decode(&encode(&cards)), Some(cards));
        assert_eq!(decode(""), Some(Vec::new()));
        for broken in ["12", "12 x", "12 0.5 q", "12 0.5 x extra", "[[12,0.5,[]]]"] {
            assert_eq!(decode(broken), None, "{broken}");
        }
    }
}
