//! A parsed query in each database's match syntax: an SQLite FTS5 MATCH expression and a
//! PostgreSQL tsquery with the same meaning. Terms are `[a-z0-9]` only (the analyser's), so quoting
//! is enough and nothing else reaches the SQL.

use crate::domain::search::{Clause, Query};

/// An SQLite FTS5 MATCH expression: any of the words or prefixes, and every phrase.
/// Terms are `[a-z0-9]` only, so quoting is enough.
pub fn fts5(q: &Query) -> String {
    let (phrases, words) = q.split();
    let mut parts: Vec<String> = phrases.iter().map(|c| fts5_clause(c)).collect();
    if !words.is_empty() {
        parts.push(format!(
            "({})",
            words
                .iter()
                .map(|c| fts5_clause(c))
                .collect::<Vec<_>>()
                .join(" OR ")
        ));
    }
    parts.join(" AND ")
}

/// One clause alone, as FTS5 (for its document frequency).
pub fn fts5_clause(c: &Clause) -> String {
    match c {
        Clause::Term(t) => format!("\"{t}\""),
        Clause::Prefix(p) => format!("\"{p}\"*"),
        Clause::Phrase(ts) => format!("\"{}\"", ts.join(" ")),
    }
}

/// A PostgreSQL `to_tsquery('simple', …)` expression with the same meaning as [`fts5`].
pub fn tsquery(q: &Query) -> String {
    let (phrases, words) = q.split();
    let mut parts: Vec<String> = phrases.iter().map(|c| tsquery_clause(c)).collect();
    if !words.is_empty() {
        parts.push(format!(
            "({})",
            words
                .iter()
                .map(|c| tsquery_clause(c))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
    parts.join(" & ")
}

/// One clause alone, as a tsquery.
pub fn tsquery_clause(c: &Clause) -> String {
    match c {
        Clause::Term(t) => t.clone(),
        Clause::Prefix(p) => format!("{p}:*"),
        Clause::Phrase(ts) => format!("({})", ts.join(" <-> ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::parse;

    #[test]
    fn query_expressions_only_hold_safe_terms() {
        let q = parse("\"); DROP TABLE articles; -- élections* 'x'").unwrap();
        for expr in [fts5(&q), tsquery(&q)] {
            assert!(!expr.contains(';') && !expr.contains('\''), "{expr}");
        }
        assert_eq!(tsquery(&parse("soldat").unwrap()), "(soldat)");
        let q = parse("soldats \"armée de l'air\" coop*").unwrap();
        assert_eq!(fts5(&q), "\"arme air\" AND (\"soldat\" OR \"coop\"*)");
        assert_eq!(tsquery(&q), "(arme <-> air) & (soldat | coop:*)");
    }
}
