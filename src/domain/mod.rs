//! Validated types with no actix or diesel in them.

pub mod address;
pub mod analyzer;
pub mod cursor;
pub mod fasthash;
pub mod latent;
pub mod old_url;
pub mod search;
pub mod text;

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A staff role, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Contributor,
    Author,
    Editor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Contributor => "contributor",
            Role::Author => "author",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "contributor" => Some(Role::Contributor),
            "author" => Some(Role::Author),
            "editor" => Some(Role::Editor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// An article's editorial status. `scheduled` is never stored: it is a `published` article whose
/// `published_at` is still in the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Pending,
    Scheduled,
    Published,
    Archived,
}

impl Status {
    /// The value stored in the `status` column (a scheduled article is stored as published, with its
    /// instant in the future). The only place these strings are written.
    pub const fn stored(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Pending => "pending",
            Status::Scheduled | Status::Published => "published",
            Status::Archived => "archived",
        }
    }
    /// The stored status of a `status` column value (published for a scheduled article).
    pub fn from_stored(stored: &str) -> Status {
        match stored {
            "published" => Status::Published,
            "pending" => Status::Pending,
            "archived" => Status::Archived,
            _ => Status::Draft,
        }
    }
    /// The status a reader sees, from the stored value and the publication instant.
    pub fn effective(
        stored: &str,
        published_at: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) -> Status {
        match Status::from_stored(stored) {
            Status::Published if published_at.is_some_and(|p| p > now) => Status::Scheduled,
            status => status,
        }
    }
    /// Whether this status puts an article before the public (now or at its instant).
    pub fn is_public(self) -> bool {
        matches!(self, Status::Published | Status::Scheduled)
    }
}

/// A resource address from a path: a numeric id or a slug (a slug is never all digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Id(i64),
    Slug(String),
}

impl Key {
    pub fn parse(raw: &str) -> Key {
        match raw.parse::<i64>() {
            Ok(id) if !raw.starts_with('+') && !raw.starts_with('-') => Key::Id(id),
            _ => Key::Slug(lookup_text(raw)),
        }
    }
}

/// A value a client sent, made safe to compare with stored text: PostgreSQL refuses a NUL character
/// in a text parameter (an error, not a non-match), and nothing stored holds one, so it becomes U+FFFD,
/// which matches nothing either.
pub fn lookup_text(raw: &str) -> String {
    if raw.contains('\0') {
        raw.replace('\0', "\u{FFFD}")
    } else {
        raw.to_owned()
    }
}

/// Truncates to whole seconds (the precision kiosque stores everywhere).
pub fn to_seconds(t: NaiveDateTime) -> NaiveDateTime {
    t.with_nanosecond(0).unwrap_or(t)
}

/// A stored UTC instant as an RFC 3339 `DateTime<Utc>` for responses.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

/// A folded, lower-case key that sorts names the same way on both databases ("Élections" → "elections").
pub fn sort_key(name: &str) -> String {
    deunicode::deunicode(name.trim()).to_lowercase()
}
