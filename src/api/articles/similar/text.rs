//! Steps 1 and 2 of `similar`: the candidates (more-like-this, shared tags) and their text
//! similarity to the article (tf-idf cosine, latent cosine, feedback).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;

use crate::db::articles::{self as q, Brief};
use crate::db::models::ArticleRow;
use crate::db::{links, search, AnyConnection};
use crate::domain::fasthash::{FastMap, FastSet};
use crate::domain::latent::Latent;
use crate::domain::search::{Clause, Query};
use crate::error::ApiError;

use super::*;

/// A sparse unit vector: (term number, weight), sorted by term number.
type Vector = Vec<(u32, f64)>;

/// An article's analysed fields (title, lede, tags, body) and the terms among them that are names.
pub(super) struct Analysed {
    pub(super) fields: [String; 4],
    pub(super) names: FastSet<String>,
}

/// `known`: fields already read (the candidates'); the others are read now.
pub(super) fn analysed_many(
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
    /// Occurrences of each term in the article being counted (zero between articles).
    scratch: Vec<f64>,
}

impl Lexicon {
    fn number(&mut self, term: &str) -> u32 {
        if let Some(n) = self.numbers.get(term) {
            return *n;
        }
        let n = self.terms.len() as u32;
        self.terms.push(term.to_owned());
        self.numbers.insert(term.to_owned(), n);
        self.scratch.push(0.0);
        n
    }

    /// Occurrences of each term of `a` (numbers left out), a name counting [`NAME_WEIGHT`].
    fn counts(&mut self, a: &Analysed) -> Vec<(u32, f64)> {
        // One lookup per occurrence, counted in `scratch` by term number (a map of the article's
        // own terms first, then numbering each, was two lookups).
        let mut seen: Vec<u32> = Vec::new();
        for t in a
            .fields
            .iter()
            .flat_map(|f| f.split_whitespace())
            .filter(|t| !t.bytes().all(|b| b.is_ascii_digit()))
        {
            let n = self.number(t);
            let count = &mut self.scratch[n as usize];
            if *count == 0.0 {
                seen.push(n);
            }
            *count += 1.0;
        }
        seen.sort_unstable();
        seen.into_iter()
            .map(|n| {
                let w = std::mem::take(&mut self.scratch[n as usize]);
                let name = if a.names.contains(self.terms[n as usize].as_str()) {
                    NAME_WEIGHT
                } else {
                    1.0
                };
                (n, w * name)
            })
            .collect()
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
    let counts = lexicon.counts(own);
    let df = lexicon.df(conn, cx)?;
    let max_df = (cx.docs * MLT_MAX_DF_SHARE).max(10.0);
    let mut weighted: Vec<(&str, f64)> = vector(&counts, &df, cx.docs)
        .into_iter()
        .filter(|(t, _)| df[*t as usize] as f64 <= max_df)
        .map(|(t, w)| (lexicon.terms[t as usize].as_str(), w))
        .collect();
    // Rare terms first, each group by weight: a term found in few articles names the story (its
    // people, places, events) and finds its other articles wherever they are in the archive; common
    // ones would fill the query's expected matches with a window of ids around the article.
    let rare = |t: &str| df[lexicon.numbers[t] as usize] as f64 <= MLT_RARE_DF;
    weighted.sort_by(|a, b| {
        rare(b.0)
            .cmp(&rare(a.0))
            .then(b.1.total_cmp(&a.1))
            .then(a.0.cmp(b.0))
    });
    // As many terms as the matches they expect allow: all MLT_TERMS in a small archive, where
    // every term is rare, at least MLT_MIN_TERMS in a large one (each further term is one more
    // posting list to read), and no term that would take the expected matches past what the
    // database ranks without an id window.
    let mut expected = 0.0;
    let mut wanted = 0;
    for (t, _) in &weighted {
        let d = df[lexicon.numbers[*t] as usize] as f64;
        if wanted >= MLT_MIN_TERMS && expected + d > MLT_EXPECTED_MATCHES {
            break;
        }
        expected += d;
        wanted += 1;
    }
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

pub(super) fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let union = a.union(b).count() as f64;
    if union == 0.0 {
        0.0
    } else {
        a.intersection(b).count() as f64 / union
    }
}

/// Text similarity of each candidate to the article (direct cosine plus latent cosine), and each
/// candidate's title terms (for diversity).
#[allow(clippy::type_complexity)]
pub(super) fn text_similarity(
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
    let own_counts = lexicon.counts(own);
    // The article first, then the candidates by id (numbered in that order, so that every sum
    // below adds in the same order at each run).
    let mut order: Vec<i64> = analysed.keys().copied().collect();
    order.sort_unstable();
    let counts: Vec<(i64, Vec<(u32, f64)>)> = order
        .iter()
        .map(|id| (*id, lexicon.counts(&analysed[id])))
        .collect();
    let df = lexicon.df(conn, cx)?;
    let all: Vec<Vector> = std::iter::once(&own_counts)
        .chain(counts.iter().map(|(_, c)| c))
        .map(|c| vector(c, &df, cx.docs))
        .collect();
    let n = all.len();
    // Each term weighted by the evidence that it tells a topic (see `coherence`), each document
    // brought back to unit length, then the Gram matrix of their cosines.
    let mut terms = postings(&all);
    let weight = coherence(&terms, &gram(&terms, n));
    let mut norms = vec![0.0; n];
    for (t, list) in &terms {
        for &(i, w) in list {
            norms[i] += (w * weight[t]).powi(2);
        }
    }
    for (t, list) in terms.iter_mut() {
        for (i, w) in list.iter_mut() {
            *w *= weight[t] / norms[*i].sqrt().max(1e-12);
        }
    }
    let gram = gram(&terms, n);
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
    let mut nearest: Vec<usize> = (1..n).filter(|&i| own[i] > 0.0).collect();
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

/// Each term's occurrences in `docs`: (document, weight), by term.
fn postings(docs: &[Vector]) -> FastMap<u32, Vec<(usize, f64)>> {
    let mut postings: FastMap<u32, Vec<(usize, f64)>> = FastMap::default();
    for (i, v) in docs.iter().enumerate() {
        for &(t, w) in v {
            postings.entry(t).or_default().push((i, w));
        }
    }
    postings
}

/// Pairwise cosines of `n` unit vectors, accumulated term by term (each term adds to the pairs of
/// documents holding it), cheaper than merging every pair of vectors.
fn gram(postings: &FastMap<u32, Vec<(usize, f64)>>, n: usize) -> Vec<Vec<f64>> {
    let mut gram = vec![vec![0.0; n]; n];
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
    gram
}

/// How much a term tells a topic, measured on the neighbourhood itself: the mean cosine between
/// the documents that share it, the term's own part taken out ("coton" joins stories that share
/// much else; "morts", "export" or a capital city join stories that share little else). Shrunk
/// towards the neighbourhood's mean cosine by [`COHERENCE_PRIOR_PAIRS`] pairs, so a term seen in two
/// documents moves only part of the way. Returned as the factor on the term's weight: the square
/// root (the factor applies to both sides of every cosine).
fn coherence(postings: &FastMap<u32, Vec<(usize, f64)>>, gram: &[Vec<f64>]) -> FastMap<u32, f64> {
    let n = gram.len();
    let pairs_all = (n * n.saturating_sub(1)) as f64;
    let off_diagonal: f64 = gram
        .iter()
        .enumerate()
        .map(|(i, row)| row.iter().sum::<f64>() - row[i])
        .sum();
    let prior = if pairs_all > 0.0 {
        off_diagonal / pairs_all
    } else {
        0.0
    };
    postings
        .iter()
        .map(|(&t, list)| {
            let (mut shared, mut sum, mut squares) = (0.0, 0.0, 0.0);
            for (x, &(i, wi)) in list.iter().enumerate() {
                sum += wi;
                squares += wi * wi;
                for &(j, _) in &list[x + 1..] {
                    shared += 2.0 * gram[i][j];
                }
            }
            let pairs = (list.len() * list.len().saturating_sub(1)) as f64;
            let own = sum * sum - squares;
            let mean =
                (shared - own + prior * COHERENCE_PRIOR_PAIRS) / (pairs + COHERENCE_PRIOR_PAIRS);
            (t, mean.max(1e-6).sqrt())
        })
        .collect()
}

/// Candidates: the best more-like-this matches and the articles sharing the most tags; with the
/// analysed fields the more-like-this query read (so they are not read twice).
#[allow(clippy::type_complexity)]
pub(super) fn candidates(
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Unit vectors from (term, weight) lists.
    fn unit(terms: &[(u32, f64)]) -> Vector {
        let norm = terms.iter().map(|t| t.1 * t.1).sum::<f64>().sqrt();
        terms.iter().map(|&(t, w)| (t, w / norm)).collect()
    }

    #[test]
    fn a_term_shared_by_like_stories_weighs_more_than_one_shared_by_unlike_ones() {
        // Term 0 ("coton") joins two stories that share terms 1 and 2 besides; term 9 ("morts")
        // joins the first with a third that shares nothing else.
        let docs = [
            unit(&[(0, 1.0), (1, 1.0), (2, 1.0), (9, 1.0)]),
            unit(&[(0, 1.0), (1, 1.0), (2, 1.0)]),
            unit(&[(9, 1.0), (5, 1.0), (6, 1.0)]),
        ];
        let terms = postings(&docs);
        let g = gram(&terms, docs.len());
        assert!((g[0][0] - 1.0).abs() < 1e-9 && (g[0][1] - g[1][0]).abs() < 1e-12);
        let weight = coherence(&terms, &g);
        assert!(weight[&0] > weight[&9], "{weight:?}");
        // Shared by nobody else: the neighbourhood's mean, whatever the term.
        assert!((weight[&5] - weight[&6]).abs() < 1e-12);
        // The term's own part is taken out: two stories that share only it are unlike.
        let pair = [unit(&[(0, 1.0), (1, 1.0)]), unit(&[(0, 1.0), (2, 1.0)])];
        let terms = postings(&pair);
        let weight = coherence(&terms, &gram(&terms, 2));
        assert!(weight[&0] < 0.6, "{weight:?}");
    }
}
