//! The reader's query language and search snippets, identical on both databases:
//! words (all must match, in any inflection or accent), `"quoted phrases"`, and `prefix*` for type-ahead.

use std::collections::HashMap;

use super::analyzer::{analyze, analyze_word, fold_prefix, term_of_folded};
use super::fasthash::FastMap;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most clauses a query uses: words after the twelfth are ignored (as web search engines do), so
/// a long pasted sentence still finds something instead of failing.
pub const MAX_CLAUSES: usize = 12;

/// One condition of a query; all must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// An analysed term (stem).
    Term(String),
    /// Terms that must follow each other.
    Phrase(Vec<String>),
    /// A folded prefix of a term.
    Prefix(String),
}

/// A parsed query; `clauses` is empty when nothing searchable is left (only stop words, punctuation).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub clauses: Vec<Clause>,
}

/// Why a query was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum QueryError {
    TooLong,
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '«' | '»' | '“' | '”' | '„')
}

/// Parses a reader's query.
pub fn parse(q: &str) -> Result<Query, QueryError> {
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong);
    }
    let mut clauses = Vec::new();
    let mut in_quote = false;
    let mut buf = String::new();
    let flush = |buf: &mut String, quoted: bool, clauses: &mut Vec<Clause>| {
        let text = std::mem::take(buf);
        if quoted {
            let terms: Vec<String> = analyze(&text).into_iter().map(|t| t.term).collect();
            match terms.len() {
                0 => {}
                1 => clauses.push(Clause::Term(terms[0].clone())),
                _ => clauses.push(Clause::Phrase(terms)),
            }
        } else {
            for word in text.split_whitespace() {
                if let Some(stripped) = word.strip_suffix('*') {
                    if let Some(p) = prefix_of(stripped) {
                        clauses.push(Clause::Prefix(p));
                    }
                } else {
                    clauses.extend(analyze(word).into_iter().map(|t| Clause::Term(t.term)));
                }
            }
        }
    };
    for c in q.chars() {
        if is_quote(c) {
            flush(&mut buf, in_quote, &mut clauses);
            in_quote = !in_quote;
        } else {
            buf.push(c);
        }
    }
    flush(&mut buf, in_quote, &mut clauses);
    let mut seen = Vec::new();
    clauses.retain(|c| {
        let new = !seen.contains(c);
        seen.push(c.clone());
        new
    });
    clauses.truncate(MAX_CLAUSES);
    Ok(Query { clauses })
}

/// The prefix to look up for `word*`: its stem when the stem starts the folded word (so "élections*"
/// finds "election"), else the folded word itself (a partial word such as "coopér").
fn prefix_of(word: &str) -> Option<String> {
    let folded = fold_prefix(word)?;
    let p = match analyze_word(word) {
        Some(stem) if folded.starts_with(&stem) => stem,
        _ => folded,
    };
    (p.chars().count() >= 2).then_some(p)
}

impl Query {
    /// The clauses that narrow the match (phrases); the others only need one of them to match.
    pub fn split(&self) -> (Vec<&Clause>, Vec<&Clause>) {
        self.clauses
            .iter()
            .partition(|c| matches!(c, Clause::Phrase(_)))
    }

    /// Whether one word of a text is a hit (for snippets).
    fn hits(&self, word: &str) -> bool {
        let Some(folded) = fold_prefix(word) else {
            return false;
        };
        // A term keeps its word's first letter (`term_of_folded`): a word no clause starts as is
        // not stemmed. Stemming every word of twenty bodies was a quarter of a search's CPU.
        let first = folded.as_bytes().first();
        let starts = |t: &String| t.as_bytes().first() == first;
        if !self.clauses.iter().any(|c| match c {
            Clause::Term(t) | Clause::Prefix(t) => starts(t),
            Clause::Phrase(ts) => ts.iter().any(starts),
        }) {
            return false;
        }
        let stem = term_of_folded(&folded);
        self.clauses.iter().any(|c| match c {
            Clause::Term(t) => stem.as_deref() == Some(t.as_str()),
            Clause::Phrase(ts) => stem.as_ref().is_some_and(|s| ts.contains(s)),
            Clause::Prefix(p) => {
                folded.starts_with(p.as_str())
                    || stem.as_ref().is_some_and(|s| s.starts_with(p.as_str()))
            }
        })
    }

    /// A short extract of `text` around its densest hits, HTML-escaped, hits wrapped in `<mark>`.
    /// `None` when the text has no hit.
    pub fn snippet(&self, text: &str, max_words: usize) -> Option<String> {
        let words = word_spans(text);
        let hits: Vec<bool> = words.iter().map(|&(s, e)| self.hits(&text[s..e])).collect();
        if !hits.iter().any(|h| *h) {
            return None;
        }
        // The window of `max_words` words with the most hits, starting a little before its first hit.
        let n = words.len();
        let w = max_words.min(n).max(1);
        let mut best = (0usize, 0usize);
        let mut count = hits[..w].iter().filter(|h| **h).count();
        best.1 = count;
        for start in 1..=(n - w) {
            if hits[start - 1] {
                count -= 1;
            }
            if hits[start + w - 1] {
                count += 1;
            }
            if count > best.1 {
                best = (start, count);
            }
        }
        let first_hit = (best.0..best.0 + w).find(|&i| hits[i]).unwrap_or(best.0);
        let start = first_hit
            .saturating_sub(4)
            .max(best.0.saturating_sub(4))
            .min(n - w);
        let end = (start + w).min(n);
        let from = if start == 0 { 0 } else { words[start].0 };
        let to = if end == n {
            text.len()
        } else {
            words[end - 1].1
        };
        let mut out = String::new();
        if from > 0 {
            out.push('…');
        }
        let mut cursor = from;
        for i in start..end {
            let (s, e) = words[i];
            out.push_str(&escape(&text[cursor..s]));
            if hits[i] {
                out.push_str("<mark>");
                out.push_str(&escape(&text[s..e]));
                out.push_str("</mark>");
            } else {
                out.push_str(&escape(&text[s..e]));
            }
            cursor = e;
        }
        out.push_str(&escape(&text[cursor..to]));
        if to < text.len() {
            out.push('…');
        }
        Some(collapse_spaces(out.trim()))
    }
}

/// Byte spans of the words of a text (runs of letters and digits).
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Corpus-wide figures for BM25F.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// Indexed documents.
    pub docs: f64,
    /// Mean field lengths in terms: title, lede, body.
    pub avg_len: [f64; 4],
}

/// One candidate's analysed fields (title, lede, tags, body: space-separated terms).
pub struct Doc<'a> {
    pub id: i64,
    pub fields: [&'a str; 4],
}

/// Field weights of BM25F (title, lede, tags, body): a hit in the title counts thrice, in the lede or
/// the editors' tags twice.
pub const FIELD_WEIGHTS: [f64; 4] = [3.0, 2.0, 2.0, 1.0];
const K1: f64 = 1.2;
const B: f64 = 0.75;

impl Clause {
    /// Occurrences of this clause in a field's terms.
    fn count(&self, terms: &[&str]) -> f64 {
        match self {
            Clause::Term(t) => terms.iter().filter(|x| **x == t.as_str()).count() as f64,
            Clause::Prefix(p) => terms.iter().filter(|x| x.starts_with(p.as_str())).count() as f64,
            Clause::Phrase(ts) => {
                let n = ts.len();
                if terms.len() < n {
                    return 0.0;
                }
                terms
                    .windows(n)
                    .filter(|w| w.iter().zip(ts).all(|(a, b)| *a == b.as_str()))
                    .count() as f64
            }
        }
    }
}

impl Query {
    /// BM25F scores of candidate documents, computed the same way whatever database found them.
    /// `df[i]` is the number of documents matching clause `i`.
    pub fn bm25f(&self, docs: &[Doc<'_>], df: &[f64], stats: Stats) -> Vec<(i64, f64)> {
        self.bm25f_boosted(docs, df, stats, &vec![1.0; self.clauses.len()])
    }

    /// BM25F with a weight per clause (a more-like-this query weighs each term by its importance).
    pub fn bm25f_boosted(
        &self,
        docs: &[Doc<'_>],
        df: &[f64],
        stats: Stats,
        boosts: &[f64],
    ) -> Vec<(i64, f64)> {
        let idf: Vec<f64> = df
            .iter()
            .map(|d| (1.0 + (stats.docs - d + 0.5) / (d + 0.5)).ln().max(0.0))
            .collect();
        let needs_positions = self.clauses.iter().any(|c| !matches!(c, Clause::Term(_)));
        if !needs_positions {
            return self.bm25f_terms(docs, &idf, stats, boosts);
        }
        self.bm25f_any(docs, &idf, stats, boosts)
    }

    /// [`Query::bm25f_boosted`] for any query: every word of each document counted in a map, and
    /// the words in order for phrases.
    fn bm25f_any(
        &self,
        docs: &[Doc<'_>],
        idf: &[f64],
        stats: Stats,
        boosts: &[f64],
    ) -> Vec<(i64, f64)> {
        let needs_positions = self.clauses.iter().any(|c| !matches!(c, Clause::Term(_)));
        docs.iter()
            .map(|doc| {
                // Term counts per field, built once per document.
                let mut counts: HashMap<&str, [f64; 4]> = HashMap::new();
                let mut lens = [0f64; 4];
                for (i, f) in doc.fields.iter().enumerate() {
                    for t in f.split_whitespace() {
                        counts.entry(t).or_insert([0.0; 4])[i] += 1.0;
                        lens[i] += 1.0;
                    }
                }
                let fields: Vec<Vec<&str>> = if needs_positions {
                    doc.fields
                        .iter()
                        .map(|f| f.split_whitespace().collect())
                        .collect()
                } else {
                    Vec::new()
                };
                let norm = field_norms(&lens, &stats);
                let score = self
                    .clauses
                    .iter()
                    .zip(idf)
                    .zip(boosts)
                    .map(|((clause, idf), boost)| {
                        let per_field: [f64; 4] = match clause {
                            Clause::Term(t) => counts.get(t.as_str()).copied().unwrap_or([0.0; 4]),
                            Clause::Prefix(p) => counts
                                .iter()
                                .filter(|(t, _)| t.starts_with(p.as_str()))
                                .fold([0.0; 4], |mut acc, (_, c)| {
                                    (0..4).for_each(|i| acc[i] += c[i]);
                                    acc
                                }),
                            Clause::Phrase(_) => {
                                let mut acc = [0.0; 4];
                                (0..4).for_each(|i| acc[i] = clause.count(&fields[i]));
                                acc
                            }
                        };
                        clause_score(&per_field, &norm, *idf, *boost)
                    })
                    .sum();
                (doc.id, score)
            })
            .collect()
    }

    /// [`Query::bm25f_boosted`] for a query of plain terms only (every more-like-this query, most
    /// searches): each word of a document is looked up among the query's few terms, instead of
    /// counting every word of the document in a map (a sixth of a related-articles computation). The
    /// same sums in the same order, so the same scores.
    fn bm25f_terms(
        &self,
        docs: &[Doc<'_>],
        idf: &[f64],
        stats: Stats,
        boosts: &[f64],
    ) -> Vec<(i64, f64)> {
        // Each distinct term once (a query may repeat one), and each clause's slot.
        let mut slots: FastMap<&str, usize> = FastMap::default();
        let clause_slot: Vec<usize> = self
            .clauses
            .iter()
            .map(|c| {
                let Clause::Term(t) = c else {
                    unreachable!("terms only")
                };
                let next = slots.len();
                *slots.entry(t.as_str()).or_insert(next)
            })
            .collect();
        let mut counts = vec![[0f64; 4]; slots.len()];
        docs.iter()
            .map(|doc| {
                counts.iter_mut().for_each(|c| *c = [0.0; 4]);
                let mut lens = [0f64; 4];
                for (i, f) in doc.fields.iter().enumerate() {
                    for t in f.split_whitespace() {
                        lens[i] += 1.0;
                        if let Some(&slot) = slots.get(t) {
                            counts[slot][i] += 1.0;
                        }
                    }
                }
                let norm = field_norms(&lens, &stats);
                let score = clause_slot
                    .iter()
                    .zip(idf)
                    .zip(boosts)
                    .map(|((&slot, idf), boost)| clause_score(&counts[slot], &norm, *idf, *boost))
                    .sum();
                (doc.id, score)
            })
            .collect()
    }
}

/// Each field's length normalisation (BM25's `1 - b + b·len/avg`).
fn field_norms(lens: &[f64; 4], stats: &Stats) -> [f64; 4] {
    std::array::from_fn(|i| 1.0 - B + B * lens[i] / stats.avg_len[i].max(1.0))
}

/// One clause's BM25F: its weighted, normalised frequency over the fields, saturated, times its idf
/// and boost.
fn clause_score(per_field: &[f64; 4], norm: &[f64; 4], idf: f64, boost: f64) -> f64 {
    let tf: f64 = (0..4)
        .map(|i| FIELD_WEIGHTS[i] * per_field[i] / norm[i])
        .sum();
    boost * idf * tf / (K1 + tf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_and_prefixes_are_parsed() {
        let q = parse("soldats « coopération militaire » armé*").unwrap();
        assert_eq!(q.clauses.len(), 3);
        assert!(matches!(&q.clauses[1], Clause::Phrase(ts) if ts.len() == 2));
        assert!(
            matches!(&q.clauses[2], Clause::Prefix(p) if p == "arme"),
            "{:?}",
            q.clauses[2]
        );
        assert_eq!(parse("Soldats").unwrap(), parse("soldat").unwrap());
        assert_eq!(parse("l’armée").unwrap(), parse("armee").unwrap());
        assert!(parse("le la les").unwrap().clauses.is_empty());
        assert_eq!(parse(&"a".repeat(201)), Err(QueryError::TooLong));
    }

    #[test]
    fn snippets_mark_hits_in_any_inflection_and_escape_the_rest() {
        let q = parse("soldat").unwrap();
        let s = q
            .snippet("Les <b>soldats</b> & le soldat sont arrivés.", 30)
            .unwrap();
        assert_eq!(s, "Les &lt;b&gt;<mark>soldats</mark>&lt;/b&gt; &amp; le <mark>soldat</mark> sont arrivés.");
        assert!(q.snippet("Rien à voir.", 30).is_none());
        let long = format!(
            "{} les soldats arrivent {}",
            "mot ".repeat(50),
            "fin ".repeat(50)
        );
        let s = q.snippet(&long, 10).unwrap();
        assert!(
            s.starts_with('…') && s.ends_with('…') && s.contains("<mark>soldats</mark>"),
            "{s}"
        );
    }

    #[test]
    fn bm25f_of_plain_terms_scores_as_the_general_count_does() {
        let q = parse("transhumance bétail éleveurs bétail").unwrap();
        let docs = [
            Doc {
                id: 1,
                fields: [
                    "transhum betail",
                    "eleveur",
                    "",
                    "eleveur betail betail sud",
                ],
            },
            Doc {
                id: 2,
                fields: ["marche", "", "betail", "prix du betail eleveur"],
            },
            Doc {
                id: 3,
                fields: ["", "", "", ""],
            },
        ];
        let stats = Stats {
            docs: 100.0,
            avg_len: [3.0, 5.0, 2.0, 40.0],
        };
        let df = [3.0, 20.0, 10.0, 20.0];
        let boosts = [1.0, 0.5, 0.7, 0.5];
        let idf: Vec<f64> = df
            .iter()
            .map(|d| (1.0 + (stats.docs - d + 0.5) / (d + 0.5)).ln().max(0.0))
            .collect();
        let fast = q.bm25f_terms(&docs, &idf, stats, &boosts);
        assert_eq!(fast, q.bm25f_any(&docs, &idf, stats, &boosts));
        assert_eq!(fast, q.bm25f_boosted(&docs, &df, stats, &boosts));
        assert!(
            fast[0].1 > fast[1].1 && fast[1].1 > 0.0 && fast[2].1 == 0.0,
            "{fast:?}"
        );
    }

    #[test]
    fn bm25f_prefers_rarer_terms_and_title_hits() {
        let q = parse("transhumance bétail").unwrap();
        let docs = [
            Doc {
                id: 1,
                fields: ["transhum betail", "", "", "eleveur"],
            },
            Doc {
                id: 2,
                fields: ["marche", "", "", "betail betail transhum"],
            },
            Doc {
                id: 3,
                fields: ["marche", "", "", "betail"],
            },
        ];
        let stats = Stats {
            docs: 100.0,
            avg_len: [2.0, 1.0, 1.0, 3.0],
        };
        let scores = q.bm25f(&docs, &[3.0, 40.0], stats);
        assert!(
            scores[0].1 > scores[1].1 && scores[1].1 > scores[2].1,
            "{scores:?}"
        );
    }

    #[test]
    fn a_hostile_query_cannot_inject_markup() {
        let q = parse("<script>alert(1)</script> soldat").unwrap();
        let s = q
            .snippet("Un soldat <script>alert(1)</script>", 30)
            .unwrap();
        assert!(!s.contains("<script>"), "{s}");
    }
}
