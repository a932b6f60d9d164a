//! What rubriques, authors and tags share: a named row with a slug and a version, found by id or
//! slug, and created, patched and deleted by editors with one order of checks. Each kind says only
//! what differs: its values, what refuses a deletion, which articles a change must reindex.

use diesel::QueryResult;

use super::input::new_slug;
use crate::db::AnyConnection;
use crate::domain::Key;
use crate::error::ApiError;

/// The parts of a stored row the shared commands read.
pub trait NamedRow {
    fn id(&self) -> i64;
    fn slug(&self) -> &str;
    fn name(&self) -> &str;
    fn version(&self) -> i64;
}

/// The three stored rows carry the same four columns.
macro_rules! named_rows {
    ($($row:ty),*) => {$(
        impl NamedRow for $row {
            fn id(&self) -> i64 {
                self.id
            }
            fn slug(&self) -> &str {
                &self.slug
            }
            fn name(&self) -> &str {
                &self.name
            }
            fn version(&self) -> i64 {
                self.version
            }
        }
    )*};
}

named_rows!(
    crate::db::models::RubriqueRow,
    crate::db::models::AuthorRow,
    crate::db::models::TagRow
);

/// The trait methods that only call the kind's `db` module: `find`, `slug_taken` and `remove`, and
/// with `writes` also `insert` and `store` (`insert(conn, &w, now)`, `update(conn, id, &w, now)`).
macro_rules! stored_in {
    ($q:ident) => {
        fn find(
            conn: &mut $crate::db::AnyConnection,
            key: &$crate::domain::Key,
        ) -> diesel::QueryResult<Option<Self::Row>> {
            $q::find(conn, key)
        }
        fn slug_taken(
            conn: &mut $crate::db::AnyConnection,
            slug: &str,
            except: Option<i64>,
        ) -> diesel::QueryResult<bool> {
            $q::slug_taken(conn, slug, except)
        }
        fn remove(conn: &mut $crate::db::AnyConnection, id: i64) -> diesel::QueryResult<usize> {
            $q::delete(conn, id)
        }
    };
    ($q:ident, writes) => {
        $crate::content::named::stored_in!($q);
        fn insert(
            conn: &mut $crate::db::AnyConnection,
            w: &Self::Write,
        ) -> diesel::QueryResult<i64> {
            $q::insert(conn, w, $crate::db::now())
        }
        fn store(
            conn: &mut $crate::db::AnyConnection,
            id: i64,
            w: &Self::Write,
        ) -> diesel::QueryResult<usize> {
            $q::update(conn, id, w, $crate::db::now())
        }
        fn name_of(w: &Self::Write) -> &str {
            &w.name
        }
        fn slug_mut(w: &mut Self::Write) -> &mut String {
            &mut w.slug
        }
    };
}
pub(crate) use stored_in;

/// One kind of named content (see the module).
pub trait Named {
    /// "rubrique", "author", "tag": in messages, audit actions and audit targets.
    const NOUN: &'static str;
    type Row: NamedRow;
    /// The create and merge-patch input (its fields all optional: a patch may name any of them).
    type Input: serde::de::DeserializeOwned + Send + 'static;
    /// The validated values to store, the slug among them.
    type Write;

    fn find(conn: &mut AnyConnection, key: &Key) -> QueryResult<Option<Self::Row>>;
    fn slug_taken(conn: &mut AnyConnection, slug: &str, except: Option<i64>) -> QueryResult<bool>;
    /// Validates an input over the current row (none on creation): the values to store (the slug
    /// the current one) and the slug asked for, if any. A 422 lists every invalid field.
    fn prepare(
        conn: &mut AnyConnection,
        input: Self::Input,
        cur: Option<&Self::Row>,
    ) -> Result<(Self::Write, Option<String>), ApiError>;
    fn name_of(w: &Self::Write) -> &str;
    fn slug_mut(w: &mut Self::Write) -> &mut String;
    fn insert(conn: &mut AnyConnection, w: &Self::Write) -> QueryResult<i64>;
    fn store(conn: &mut AnyConnection, id: i64, w: &Self::Write) -> QueryResult<usize>;
    fn remove(conn: &mut AnyConnection, id: i64) -> QueryResult<usize>;

    /// The slug of a new row: the one asked for (409 when taken), or one made from the name.
    fn new_slug(
        conn: &mut AnyConnection,
        given: Option<String>,
        name: &str,
    ) -> Result<String, ApiError> {
        new_slug(given, name, Self::NOUN, |s| Self::slug_taken(conn, s, None))
    }

    /// Why a deletion is refused with a 409, if it is.
    fn held(_conn: &mut AnyConnection, _row: &Self::Row) -> QueryResult<Option<&'static str>> {
        Ok(None)
    }

    /// The articles whose search entry a change to this row alters.
    fn indexed(_conn: &mut AnyConnection, _row: &Self::Row) -> QueryResult<Vec<i64>> {
        Ok(Vec::new())
    }

    /// The articles whose public view names this row (`{id, slug, name}`): renaming it, or
    /// deleting it, is a change to each of those that is public (the changes feed says so).
    fn shown_in(conn: &mut AnyConnection, row: &Self::Row) -> QueryResult<Vec<i64>>;
}

/// Creates a row; a taken slug is a 409. Returns its id.
pub fn create<N: Named>(conn: &mut AnyConnection, input: N::Input) -> Result<i64, ApiError> {
    let (mut w, slug) = N::prepare(conn, input, None)?;
    let slug = N::new_slug(conn, slug, N::name_of(&w))?;
    *N::slug_mut(&mut w) = slug;
    Ok(N::insert(conn, &w)?)
}

/// Applies a merge patch and reindexes what the change alters. Checks in order: known (404), the
/// values (422), `if_match` (412), a taken slug (409). Returns the id.
pub fn update<N: Named>(
    conn: &mut AnyConnection,
    key: &Key,
    input: N::Input,
    if_match: impl FnOnce(&N::Row) -> Result<(), ApiError>,
) -> Result<i64, ApiError> {
    let cur = N::find(conn, key)?.ok_or_else(|| ApiError::not_found(N::NOUN))?;
    let (mut w, slug) = N::prepare(conn, input, Some(&cur))?;
    if_match(&cur)?;
    if let Some(s) = slug {
        if N::slug_taken(conn, &s, Some(cur.id()))? {
            return Err(ApiError::conflict(format!("the slug `{s}` is taken")));
        }
        *N::slug_mut(&mut w) = s;
    }
    let renamed = N::name_of(&w) != cur.name() || N::slug_mut(&mut w).as_str() != cur.slug();
    N::store(conn, cur.id(), &w)?;
    if renamed {
        let shown = N::shown_in(conn, &cur)?;
        crate::db::changes::move_due(conn, crate::db::now())?;
        crate::db::changes::record_updated(conn, &shown, crate::db::now())?;
    }
    let indexed = N::indexed(conn, &cur)?;
    crate::db::search::reindex_ids(conn, &indexed)?;
    Ok(cur.id())
}

/// Deletes a row nothing holds (409 otherwise), audited as the acting user `by`, and reindexes the
/// articles that named it. Checks in order: known (404), `if_match` (412), held (409).
pub fn delete<N: Named>(
    conn: &mut AnyConnection,
    by: i64,
    key: &Key,
    if_match: impl FnOnce(&N::Row) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let cur = N::find(conn, key)?.ok_or_else(|| ApiError::not_found(N::NOUN))?;
    if_match(&cur)?;
    if let Some(why) = N::held(conn, &cur)? {
        return Err(ApiError::conflict(why));
    }
    let indexed = N::indexed(conn, &cur)?;
    let shown = N::shown_in(conn, &cur)?;
    crate::db::audit::record(
        conn,
        Some(by),
        &format!("{}.delete", N::NOUN),
        &format!("{}:{}", N::NOUN, cur.id()),
        serde_json::json!({"slug": cur.slug(), "name": cur.name()}),
    )?;
    N::remove(conn, cur.id())?;
    crate::db::changes::move_due(conn, crate::db::now())?;
    crate::db::changes::record_updated(conn, &shown, crate::db::now())?;
    crate::db::search::reindex_ids(conn, &indexed)?;
    Ok(())
}
