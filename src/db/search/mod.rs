//! The full-text index: analysed text per article, FTS5 on SQLite and a weighted tsvector on PostgreSQL.
//! The two statements differ; the analysed terms they index, and so the matches, are the same. Document
//! frequencies (`search_terms`) and corpus totals (`search_totals`) are kept by the writer, in the same
//! transaction, so that ranking never counts anything per request.
//!
//! By job: [`index`] writes the index and the statistics, [`stats`] reads the statistics (through the
//! process's frequency cache), [`rank`] finds and scores candidates, [`syntax`] writes a parsed query
//! in each database's match syntax.

mod index;
mod rank;
mod stats;
pub mod syntax;

pub use index::*;
pub use rank::*;
pub use stats::*;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

/// How many candidates the database's own ranking hands to BM25F: enough for any page a reader turns to.
pub const MAX_CANDIDATES: i64 = 200;

/// An article's analysed fields as the index stores them: title, lede, tags, body.
#[derive(QueryableByName)]
struct Fields {
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    lede: String,
    #[diesel(sql_type = Text)]
    tags: String,
    #[diesel(sql_type = Text)]
    body: String,
}

impl Fields {
    fn into_array(self) -> [String; 4] {
        [self.title, self.lede, self.tags, self.body]
    }
}

#[derive(QueryableByName)]
struct Candidate {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(embed)]
    text: Fields,
}

fn terms_in(field: &str) -> i64 {
    field.split_whitespace().count() as i64
}

/// What an article adds to the document frequencies: the distinct terms of its analysed fields, sorted.
fn counted_terms(fields: &[String; 4]) -> Vec<String> {
    let mut terms: Vec<String> = fields
        .iter()
        .flat_map(|f| f.split_whitespace())
        .map(str::to_owned)
        .collect();
    terms.sort_unstable();
    terms.dedup();
    terms
}
