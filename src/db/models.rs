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
    pub published_at: Option<NaiveDateTime>,
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
    pub created_at: NaiveDateTime,
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
