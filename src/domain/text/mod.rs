//! Text helpers for article bodies and titles, all pure (no I/O, no database) and safe on untrusted
//! input: slugs ([`slug`]), sanitised HTML rendering ([`render`]), and plain text, excerpts, word
//! counts and reading time ([`plain`]).

pub mod plain;
pub mod render;
pub mod slug;

pub use plain::{excerpt, html_to_text, reading_time_minutes, word_count};
pub use render::{render_body, BodyFormat};
pub use slug::{is_valid_slug, slugify, SLUG_MAX};
