//! `strategy=similar`: content-based related articles.
//!
//! 1. A more-like-this query over the article's most distinctive terms finds candidates (BM25F, the
//!    search ranking; at scale within an id window around the article), joined by the articles
//!    sharing its tags when the text finds too few.
//! 2. Text similarity is the cosine of tf-idf vectors over the analysed fields (names, which cross
//!    topics, count a quarter), plus the cosine in the latent space of the candidates' own cosine matrix
//!    (local latent semantic analysis, [`Latent`]): two stories on one topic that share few words
//!    share them with the same third stories. Words count with their word family (their first
//!    letters: "éleveur" and "élevage"), tag words twice, and the two closest candidates' own
//!    similarities vote with the article's (pseudo-relevance feedback).
//! 3. The blend adds shared tags (rarer tags count more), a shared byline, the same rubrique and
//!    closeness in time, and the cards are picked with a little diversity so four do not tell one story.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::articles::{self as q, Brief};
use crate::db::models::ArticleRow;
use crate::db::schema::{article_authors, article_tags};
use crate::db::{links, search, AnyConnection};
use crate::domain::analyzer::word_family_into;
use crate::domain::fasthash::{FastMap, FastSet};
use crate::domain::latent::Latent;
use crate::domain::search::{Clause, Query, Stats};
use crate::error::ApiError;
use crate::state::{Caches, RelatedCards, RelatedKey};

/// Terms of the more-like-this query, and how many of its best matches (by the database's ranking) are
/// rescored.
const MLT_TERMS: usize = 40;
const MLT_MIN_TERMS: usize = 12;
/// Matches (by document frequency) after which further more-like-this terms are not asked for.
const MLT_EXPECTED_MATCHES: f64 = 1000.0;
const MLT_POOL: i64 = 80;
/// Terms in more than this share of the articles find too much to be worth querying.
const MLT_MAX_DF_SHARE: f64 = 0.2;
/// Candidates kept from the more-like-this query, and from shared tags.
const TEXT_CANDIDATES: usize = 80;
const TAG_CANDIDATES: i64 = 30;
/// Share of the candidates' spectrum (see [`Latent`]) that the latent space keeps.
const LATENT_ENERGY: (f64, f64) = (0.15, 0.35);
/// What one occurrence of a name (a place, a person, an institution) counts for, against 1 for any
/// other word: names cross topics (the capital is in every other story), words tell what happens.
const NAME_WEIGHT: f64 = 0.25;
/// What one word of a tag counts for: tags are the newsroom's own keywords for a story.
const TAG_WEIGHT: f64 = 2.0;
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

/// A sparse unit vector: (term number, weight), sorted by term number.
type Vector = Vec<(u32, f64)>;

/// An article's analysed fields (title, lede, tags, body) and the terms among them that are names.
struct Analysed {
    fields: [String; 4],
    names: FastSet<String>,
}

/// `known`: fields already read (the candidates'); the others are read now.
fn analysed_many(
    conn: &mut AnyConnection,
    ids: &[i64],
    mut known: HashMap<i64, [String; 4]>,
) -> Result<HashMap<i64, Analysed>, ApiError> {
    let mut names = search::names_many(conn, ids)?;
    known.retain(|id, _| ids.contains(id));
    let missing: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !known.contains_key(id))
        .collect();
    if !missing.is_empty() {
        known.extend(search::fields_many(conn, &missing)?);
    }
    Ok(known
        .into_iter()
        .map(|(id, fields)| {
            let names = names.remove(&id).unwrap_or_default().into_iter().collect();
            (id, Analysed { fields, names })
        })
        .collect())
}

/// The terms one request deals with, numbered (so vectors compare without hashing strings).
#[derive(Default)]
struct Lexicon {
    numbers: FastMap<String, u32>,
    terms: Vec<String>,
}

impl Lexicon {
    fn number(&mut self, term: &str) -> u32 {
        if let Some(n) = self.numbers.get(term) {
            return *n;
        }
        let n = self.terms.len() as u32;
        self.terms.push(term.to_owned());
        self.numbers.insert(term.to_owned(), n);
        n
    }

    /// Occurrences of each term of `a` (numbers left out), a name counting [`NAME_WEIGHT`]; for
    /// similarity (not for the query, whose terms must be in the index and should be rare), also
    /// each word's family, and a tag's word [`TAG_WEIGHT`].
    fn counts(&mut self, a: &Analysed, similarity: bool) -> Vec<(u32, f64)> {
        let mut tf: Vec<(u32, f64)> = Vec::new();
        let mut family = String::new();
        for (field, f) in a.fields.iter().enumerate() {
            let weight = if field == 2 && similarity {
                TAG_WEIGHT
            } else {
                1.0
            };
            for t in f
                .split_whitespace()
                .filter(|t| !t.bytes().all(|b| b.is_ascii_digit()))
            {
                let w = weight
                    * if a.names.contains(t) {
                        NAME_WEIGHT
                    } else {
                        1.0
                    };
                tf.push((self.number(t), w));
                if similarity && word_family_into(t, &mut family) {
                    tf.push((self.number(&family), w));
                }
            }
        }
        tf.sort_unstable_by_key(|x| x.0);
        tf.dedup_by(|next, kept| {
            let same = next.0 == kept.0;
            if same {
                kept.1 += next.1;
            }
            same
        });
        tf
    }

    /// Document frequencies of every term numbered so far, by number.
    fn df(&self, conn: &mut AnyConnection, cx: &Context) -> Result<Vec<i64>, ApiError> {
        Ok(search::term_df_cached(
            conn,
            cx.kept,
            &cx.stamp,
            &self.terms,
        )?)
    }
}

/// Sublinear tf × idf, unit length; terms found in one article only are left out (they relate nothing).
fn vector(counts: &[(u32, f64)], df: &[i64], docs: f64) -> Vector {
    let mut v: Vector = counts
        .iter()
        .filter_map(|&(t, f)| {
            let d = df[t as usize];
            let tf = if f >= 1.0 { 1.0 + f.ln() } else { f };
            (d > 1).then(|| (t, tf * idf(docs, d as f64)))
        })
        .collect();
    let norm = v.iter().map(|x| x.1 * x.1).sum::<f64>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| x.1 /= norm);
    }
    v
}

/// The more-like-this query: the article's terms with the highest tf × idf, common ones left out.
fn more_like_this(
    own: &Analysed,
    cx: &Context,
    conn: &mut AnyConnection,
) -> Result<(Query, Vec<f64>), ApiError> {
    let mut lexicon = Lexicon::default();
    let counts = lexicon.counts(own, false);
    let df = lexicon.df(conn, cx)?;
    let max_df = (cx.docs * MLT_MAX_DF_SHARE).max(10.0);
    let mut weighted: Vec<(&str, f64)> = vector(&counts, &df, cx.docs)
        .into_iter()
        .filter(|(t, _)| df[*t as usize] as f64 <= max_df)
        .map(|(t, w)| (lexicon.terms[t as usize].as_str(), w))
        .collect();
    weighted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    // As many terms as it takes to expect enough matches: all MLT_TERMS in a small archive, where
    // every term is rare, the first MLT_MIN_TERMS in a large one (each further term is one more
    // posting list to read).
    let mut expected = 0.0;
    let wanted = weighted
        .iter()
        .take_while(|(t, _)| {
            let more = expected < MLT_EXPECTED_MATCHES;
            expected += df[lexicon.numbers[*t] as usize] as f64;
            more
        })
        .count()
        .max(MLT_MIN_TERMS);
    weighted.truncate(wanted.min(MLT_TERMS));
    let top = weighted.first().map(|w| w.1).unwrap_or(1.0);
    let boosts = weighted.iter().map(|w| w.1 / top).collect();
    Ok((
        Query {
            clauses: weighted
                .into_iter()
                .map(|(t, _)| Clause::Term(t.to_owned()))
                .collect(),
        },
        boosts,
    ))
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let union = a.union(b).count() as f64;
    if union == 0.0 {
        0.0
    } else {
        a.intersection(b).count() as f64 / union
    }
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

/// Text similarity of each candidate to the article (direct cosine plus latent cosine), and each
/// candidate's title terms (for diversity).
#[allow(clippy::type_complexity)]
fn text_similarity(
    conn: &mut AnyConnection,
    cx: &Context,
    candidates: &[i64],
    known: HashMap<i64, [String; 4]>,
) -> Result<(HashMap<i64, f64>, HashMap<i64, HashSet<String>>), ApiError> {
    let Some(own) = &cx.own else {
        return Ok(Default::default());
    };
    let analysed = analysed_many(conn, candidates, known)?;
    let titles = analysed
        .iter()
        .map(|(id, a)| {
            (
                *id,
                a.fields[0].split_whitespace().map(str::to_owned).collect(),
            )
        })
        .collect();
    let mut lexicon = Lexicon::default();
    let own_counts = lexicon.counts(own, true);
    let counts: Vec<(i64, Vec<(u32, f64)>)> = analysed
        .iter()
        .map(|(id, a)| (*id, lexicon.counts(a, true)))
        .collect();
    let df = lexicon.df(conn, cx)?;
    let own = vector(&own_counts, &df, cx.docs);
    let vectors: HashMap<i64, Vector> = counts
        .iter()
        .map(|(id, c)| (*id, vector(c, &df, cx.docs)))
        .collect();
    // The article first, then the candidates by id: the Gram matrix of their cosines.
    let mut order: Vec<i64> = vectors.keys().copied().collect();
    order.sort_unstable();
    let all: Vec<&Vector> = std::iter::once(&own)
        .chain(order.iter().map(|id| &vectors[id]))
        .collect();
    // Pairwise cosines accumulated term by term (each term adds to the pairs of articles holding
    // it), cheaper than merging every pair of vectors.
    let mut postings: FastMap<u32, Vec<(usize, f64)>> = FastMap::default();
    for (i, v) in all.iter().enumerate() {
        for &(t, w) in v.iter() {
            postings.entry(t).or_default().push((i, w));
        }
    }
    let mut gram = vec![vec![0.0; all.len()]; all.len()];
    for list in postings.values() {
        for (x, &(i, wi)) in list.iter().enumerate() {
            for &(j, wj) in &list[x..] {
                gram[i][j] += wi * wj;
                if i != j {
                    gram[j][i] += wi * wj;
                }
            }
        }
    }
    let latent = Latent::new(&gram, LATENT_ENERGY);

    let similar_to = |i: usize| -> Vec<f64> {
        gram[i]
            .iter()
            .zip(latent.similarity(i))
            .map(|(d, l)| d + l)
            .collect()
    };
    // The article's own similarities, then those of its closest candidates (pseudo-relevance
    // feedback): what is close to the article AND to its nearest stories is on its topic, what is
    // close to the article alone often shares only its setting.
    let own = similar_to(0);
    // Only candidates with something in common with the article vote.
    let mut nearest: Vec<usize> = (1..all.len()).filter(|&i| own[i] > 0.0).collect();
    nearest.sort_by(|&a, &b| own[b].total_cmp(&own[a]).then(a.cmp(&b)));
    nearest.truncate(FEEDBACK);
    let feedback: Vec<(usize, Vec<f64>)> = nearest.iter().map(|&i| (i, similar_to(i))).collect();
    let similarity = order
        .iter()
        .enumerate()
        .map(|(i, id)| {
            // A voter does not vote for itself (its similarity to itself says nothing).
            let votes: Vec<f64> = feedback
                .iter()
                .filter(|(voter, _)| *voter != i + 1)
                .map(|(_, f)| f[i + 1])
                .collect();
            let votes = if votes.is_empty() {
                own[i + 1]
            } else {
                votes.iter().sum::<f64>() / votes.len() as f64
            };
            (*id, (own[i + 1] + votes) / 2.0)
        })
        .collect();
    Ok((similarity, titles))
}

/// Candidates: the best more-like-this matches and the articles sharing the most tags; with the
/// analysed fields the more-like-this query read (so they are not read twice).
#[allow(clippy::type_complexity)]
fn candidates(
    conn: &mut AnyConnection,
    cx: &Context,
    article: &ArticleRow,
    exclude: &[i64],
    now: NaiveDateTime,
) -> Result<(Vec<Brief>, HashMap<i64, [String; 4]>), ApiError> {
    let (query, boosts) = match &cx.own {
        Some(own) => more_like_this(own, cx, conn)?,
        None => (Query::default(), Vec::new()),
    };
    let window = search::Window::Around(article.id);
    let ask = search::Ask {
        q: &query,
        boosts: &boosts,
        limit: MLT_POOL,
        public_at: Some(now),
        window,
        budget: window.budget(),
    };
    let mut by_text = search::scores_boosted(conn, cx.kept, &(cx.stats, cx.stamp.clone()), &ask)?;
    by_text.retain(|s| s.id != article.id && !exclude.contains(&s.id));
    by_text.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    // Visible ones only (visible_briefs keeps the order given: best text matches first).
    let ids: Vec<i64> = by_text.iter().map(|s| s.id).collect();
    let fields = by_text.into_iter().map(|s| (s.id, s.fields)).collect();
    let mut out: Vec<Brief> = q::visible_briefs(conn, &ids, now)?;
    out.truncate(TEXT_CANDIDATES);
    // Articles sharing tags join only when the text finds too few (an article with little text): at
    // scale, counting shared tags over popular tags costs more than all the rest.
    if out.len() < TEXT_CANDIDATES / 2 {
        let my_tags = links::tag_ids(conn, article.id)?;
        let tagged: Vec<i64> = q::sharing_tags(conn, &my_tags, exclude, TAG_CANDIDATES, now)?
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| *id != article.id && !out.iter().any(|r| r.id == *id))
            .collect();
        out.extend(q::visible_briefs(conn, &tagged, now)?);
    }
    Ok((out, fields))
}

/// Up to `limit` similar published articles, best first, never `article` itself or one in `exclude`.
pub fn similar(
    conn: &mut AnyConnection,
    caches: &Caches,
    article: &ArticleRow,
    exclude: &[i64],
    limit: usize,
    now: NaiveDateTime,
) -> Result<Vec<Scored>, ApiError> {
    let (stats, stamp) = search::corpus(conn)?;
    let key = RelatedKey {
        stamp: stamp.clone(),
        article: article.id,
        version: article.version,
        exclude: exclude.to_vec(),
        limit,
    };
    let cards = match caches.related.get(&key) {
        Some(cards) => cards,
        None => {
            let corpus = (stats, stamp);
            let cards = compute(
                conn,
                &caches.frequencies,
                corpus,
                article,
                exclude,
                limit,
                now,
            )?;
            caches.related.insert(key, cards.clone());
            cards
        }
    };
    // The cards' rows, read now (a kept card unpublished since is left out).
    let ids: Vec<i64> = cards.iter().map(|c| c.0).collect();
    let mut rows: HashMap<i64, ArticleRow> = q::visible_by_ids(conn, &ids, now)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok(cards
        .into_iter()
        .filter_map(|(id, score, reason)| {
            Some(Scored {
                row: rows.remove(&id)?,
                score,
                reason,
            })
        })
        .collect())
}

/// [`similar`] without the cache: the cards' ids, scores and reasons.
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
        own: search::fields_and_names(conn, article.id)?.map(|(fields, names)| Analysed {
            fields,
            names: names.into_iter().collect(),
        }),
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
    let mut picked: Vec<(Card, HashSet<String>)> = Vec::new();
    while picked.len() < limit && !pool.is_empty() {
        let adjusted = |c: &(Card, HashSet<String>)| {
            let repeat = picked
                .iter()
                .map(|p| jaccard(&c.1, &p.1))
                .fold(0.0, f64::max);
            c.0.score - DIVERSITY * repeat
        };
        let best = (0..pool.len())
            .max_by(|&i, &j| {
                adjusted(&pool[i])
                    .total_cmp(&adjusted(&pool[j]))
                    .then(pool[j].0.row.id.cmp(&pool[i].0.row.id))
            })
            .unwrap_or(0);
        picked.push(pool.swap_remove(best));
    }
    Ok(picked
        .into_iter()
        .map(|(c, _)| (c.row.id, (c.score * 10_000.0).round() / 10_000.0, c.reason))
        .collect())
}
