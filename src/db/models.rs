//! Row structs, one per table, read with `select(Row::as_select())`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rubriques)]
pub struct RubriqueRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub position: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = authors)]
pub struct AuthorRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub name_key: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub links: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tags)]
pub struct TagRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub name_key: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = articles)]
#[diesel(check_for_backend(crate::db::MultiBackend))]
pub struct ArticleRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub title_key: String,
    pub kicker: Option<String>,
    pub lede: Option<String>,
    pub excerpt: String,
    pub excerpt_given: bool,
    pub body: String,
    pub body_format: String,
    pub body_html: String,
    pub body_text: String,
    pub status: String,
    #[diesel(deserialize_as = OptTs)]
    pub published_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = Ts)]
    pub sort_at: NaiveDateTime,
    pub rubrique_id: i64,
    pub featured_image: Option<String>,
    pub source: Option<String>,
    pub location: Option<String>,
    pub language: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub related_enabled: bool,
    pub version: i64,
    #[diesel(deserialize_as = Ts)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Ts)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub author_id: Option<i64>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Access tokens of an older generation are refused.
    pub session_generation: i64,
}

/// `{id, slug, name}`: how one resource names another.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, serde::Serialize, utoipa::ToSchema)]
pub struct Ref {
    #[schema(example = 3)]
    pub id: i64,
    #[schema(example = "securite")]
    pub slug: String,
    #[schema(example = "Sécurité")]
    pub name: String,
}

/// A timestamp column read without chrono's format parser on SQLite, which stores timestamps as
/// text: diesel parses each with `parse_from_str`, interpreting its format string every time (4 %
/// of a list page's CPU, four timestamps per article). PostgreSQL's binary form is read as before.
#[derive(diesel::deserialize::FromSqlRow)]
pub struct Ts(NaiveDateTime);

/// A nullable [`Ts`].
#[derive(diesel::deserialize::FromSqlRow)]
pub struct OptTs(Option<NaiveDateTime>);

impl From<Ts> for NaiveDateTime {
    fn from(t: Ts) -> Self {
        t.0
    }
}

impl From<OptTs> for Option<NaiveDateTime> {
    fn from(t: OptTs) -> Self {
        t.0
    }
}

mod ts {
    use super::{OptTs, Ts};
    use chrono::{NaiveDate, NaiveDateTime};
    use diesel::deserialize::{self, FromSql};
    use diesel::sql_types::{Nullable, Text, Timestamp};

    use crate::db::{MultiBackend, MultiRawValue};

    /// `YYYY-MM-DD HH:MM:SS[.fraction]` (or with a `T`), as diesel writes them; None otherwise.
    pub(super) fn parse(s: &str) -> Option<NaiveDateTime> {
        let b = s.as_bytes();
        if b.len() < 19
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b' ' | b'T')
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let num = |from: usize, to: usize| -> Option<u32> {
            b[from..to].iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
        let mut nanos = 0;
        if b.len() > 19 {
            // A fraction of one to nine digits.
            if b[19] != b'.' || b.len() == 20 || b.len() > 29 {
                return None;
            }
            nanos = num(20, b.len())? * 10u32.pow((29 - b.len()) as u32);
        }
        date.and_hms_nano_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, nanos)
    }

    impl FromSql<Timestamp, diesel::sqlite::Sqlite> for Ts {
        fn from_sql(value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
            let text = <String as FromSql<Text, diesel::sqlite::Sqlite>>::from_sql(value)?;
            match parse(&text) {
                Some(t) => Ok(Ts(t)),
                // Anything else diesel reads (other formats, Julian days) is diesel's to read.
                None => ["%F %T%.f", "%FT%T%.f", "%F %R", "%FT%R"]
                    .iter()
                    .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
                    .map(Ts)
                    .ok_or_else(|| format!("not a timestamp: {text}").into()),
            }
        }
    }

    impl FromSql<Timestamp, diesel::pg::Pg> for Ts {
        fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
            <NaiveDateTime as FromSql<Timestamp, diesel::pg::Pg>>::from_sql(value).map(Ts)
        }
    }

    impl FromSql<Timestamp, MultiBackend> for Ts {
        fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
            value.from_sql::<Ts, Timestamp>()
        }
    }

    /// A nullable timestamp on each backend (rows are read through the multi-backend connection, and
    /// raw statements on each backend's own).
    impl<DB: diesel::backend::Backend> FromSql<Nullable<Timestamp>, DB> for OptTs
    where
        Ts: FromSql<Timestamp, DB>,
    {
        fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
            Ok(OptTs(Some(Ts::from_sql(value)?.0)))
        }

        fn from_nullable_sql(value: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
            match value {
                None => Ok(OptTs(None)),
                Some(v) => Self::from_sql(v),
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::parse;
        use chrono::NaiveDateTime;

        #[test]
        fn reads_what_diesel_writes_and_nothing_else() {
            for s in [
                "2026-12-07 21:45:34",
                "2026-12-07T21:45:34",
                "2026-12-07 21:45:34.5",
                "2026-12-07 21:45:34.123456",
                "2026-12-07 21:45:34.123456789",
                "1999-02-28 00:00:00",
            ] {
                let f = if s.contains('T') {
                    "%FT%T%.f"
                } else {
                    "%F %T%.f"
                };
                assert_eq!(
                    parse(s),
                    Some(NaiveDateTime::parse_from_str(s, f).unwrap()),
                    "{s}"
                );
            }
            for s in [
                "2026-02-30 00:00:00",
                "2026-12-07 24:00:00",
                "2026-12-07 21:45",
                "2026-12-07 21:45:34.",
                "2026-12-07 21:45:34.1234567890",
                "2026-12-07 21:45:3x",
                "2459000.5",
                "",
            ] {
                assert_eq!(parse(s), None, "{s}");
            }
        }
    }
}
