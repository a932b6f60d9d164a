//! Opaque keyset cursors: the sort they were made for and the last row's sort key, base64url-encoded.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// The position after which the next page starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort this cursor belongs to (`-published_at`, `title`…).
    #[serde(rename = "s")]
    pub sort: String,
    /// The last row's sort value (a timestamp as RFC 3339, a title key, a count…).
    #[serde(rename = "v")]
    pub value: String,
    /// The last row's id, the tie-breaker.
    #[serde(rename = "i")]
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Decodes a cursor made for `sort`; `None` for anything malformed or made for another sort.
    pub fn decode(raw: &str, sort: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(raw.as_bytes()).ok()?;
        let cursor: Cursor = serde_json::from_slice(&bytes).ok()?;
        (cursor.sort == sort).then_some(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_for_its_own_sort_only() {
        let c = Cursor {
            sort: "-published_at".into(),
            value: "2024-02-22T09:30:00Z".into(),
            id: 42,
        };
        let raw = c.encode();
        assert_eq!(Cursor::decode(&raw, "-published_at"), Some(c));
        assert_eq!(Cursor::decode(&raw, "title"), None);
        assert_eq!(Cursor::decode("not a cursor!", "title"), None);
    }
}
