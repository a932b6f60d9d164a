//! What every resource shares: the input helpers (path keys, comma lists, sparse fieldsets), and,
//! re-exported, pagination ([`super::paging`]) and the shaping of answers ([`super::respond`]).

use std::collections::HashSet;

use crate::domain::Key;
use crate::error::ApiError;

pub use super::paging::*;
pub use super::respond::*;

// The input primitives live in the content layer; handlers keep naming them from here.
pub use crate::content::input::{unique_slug, whole_i32, whole_i32_patch, Checks, KeyRef, Patch};

/// The longest value of one item of a comma-separated filter, and of a path's `{key}`, in characters.
pub const MAX_ITEM_CHARS: usize = 200;

/// The most values of a `rubrique`, `author` or `tag` filter.
pub const MAX_FILTER_VALUES: usize = 20;

/// The most values of `exclude`.
pub const MAX_EXCLUDE_VALUES: usize = 100;

/// Parses `fields=a,b,c` against the allowed names: `None` when absent or naming nothing (`fields=`,
/// the default representation), 400 for an unknown name. Items are trimmed of spaces.
pub fn parse_fields(
    raw: Option<&str>,
    allowed: &[&str],
) -> Result<Option<HashSet<String>>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let mut set = HashSet::new();
    for f in raw
        .split(',')
        .map(|f| f.trim_matches(' '))
        .filter(|f| !f.is_empty())
    {
        if !allowed.contains(&f) {
            return Err(ApiError::bad_param(
                "fields",
                format!("unknown field `{f}`"),
            ));
        }
        set.insert(f.to_owned());
    }
    Ok((!set.is_empty()).then_some(set))
}

/// Parses a comma-separated list parameter: at most `max` items (counting empty ones, so that the
/// OpenAPI pattern says exactly the same) of at most 200 characters; items are trimmed of spaces.
pub fn csv(param: &str, raw: Option<&str>, max: usize) -> Result<Option<Vec<String>>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.split(',').count() > max {
        return Err(ApiError::bad_param(param, format!("at most {max} values")));
    }
    if raw.split(',').any(|s| s.chars().count() > MAX_ITEM_CHARS) {
        return Err(ApiError::bad_param(
            param,
            "a value is at most 200 characters",
        ));
    }
    let items: Vec<String> = raw
        .split(',')
        .map(|s| s.trim_matches(' '))
        .filter(|s| !s.is_empty())
        .map(crate::domain::lookup_text)
        .collect();
    // An empty filter (`?tag=`) filters nothing, like an absent one.
    Ok((!items.is_empty()).then_some(items))
}

/// `{id}` or `{slug}` in a path.
pub fn key(raw: &str) -> Result<Key, ApiError> {
    if raw.is_empty() || raw.chars().count() > MAX_ITEM_CHARS {
        return Err(ApiError::bad_param("key", "an id or a slug"));
    }
    Ok(Key::parse(raw))
}
