//! What an import brought in, keyed on the source's own ids: the same export imported twice creates
//! nothing twice.

use diesel::prelude::*;

use super::schema::imported;
use super::AnyConnection;

/// The local id and the stamp an item of `source` got at its last import.
pub fn find(
    conn: &mut AnyConnection,
    source: &str,
    kind: &str,
    external_id: &str,
) -> QueryResult<Option<(i64, String)>> {
    imported::table
        .filter(imported::source.eq(source))
        .filter(imported::kind.eq(kind))
        .filter(imported::external_id.eq(external_id))
        .select((imported::local_id, imported::stamp))
        .first(conn)
        .optional()
}

/// Records (or moves) what an item of `source` became.
pub fn keep(
    conn: &mut AnyConnection,
    source: &str,
    kind: &str,
    external_id: &str,
    local_id: i64,
    stamp: &str,
) -> QueryResult<()> {
    let key = imported::table
        .filter(imported::source.eq(source))
        .filter(imported::kind.eq(kind))
        .filter(imported::external_id.eq(external_id));
    let n = diesel::update(key)
        .set((imported::local_id.eq(local_id), imported::stamp.eq(stamp)))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(imported::table)
            .values((
                imported::source.eq(source),
                imported::kind.eq(kind),
                imported::external_id.eq(external_id),
                imported::local_id.eq(local_id),
                imported::stamp.eq(stamp),
            ))
            .execute(conn)?;
    }
    Ok(())
}
