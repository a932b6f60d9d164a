//! The body rules written on the serialised document: text fields as `Checks::text` reads them,
//! slugs, URLs, the slug-character class, bounds and examples.

use serde_json::{json, Value};

/// White space as Rust's `str::trim` and `char::is_whitespace` see it (Unicode `White_Space`),
/// spelled out so that a validator's `\s` (which differs between regex engines) plays no part.
const WS: &str = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// The control characters a text field refuses (`char::is_control`, line breaks and tabs aside).
const CTRL: &str = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f";

/// A text field as `Checks::text` reads it: at most `max` characters as sent, no control character
/// but line breaks and tabs once trimmed, and (`required`) something left after trimming.
fn text(max: usize, required: bool) -> Value {
    let edge = format!("[^{WS}{CTRL}]");
    let inner = format!("[^{CTRL}]");
    let core = format!("{edge}(?:{inner}*{edge})?");
    let core = if required {
        core
    } else {
        format!("(?:{core})?")
    };
    json!({"pattern": format!("^[{WS}]*{core}[{WS}]*$"), "maxLength": max})
}

/// A slug: lowercase ASCII letters and digits in hyphen-separated runs, not all digits, at most 80.
fn slug() -> Value {
    json!({
        "pattern": "^(?:[a-z0-9]*[a-z][a-z0-9]*(?:-[a-z0-9]+)*|[0-9]+(?:-[a-z0-9]+)+)$",
        "maxLength": crate::domain::text::SLUG_MAX,
    })
}

pub(super) fn slug_schema() -> Value {
    let mut s = slug();
    s["type"] = json!("string");
    s
}

/// An absolute http(s) URL without white space or control characters, at most 2000 characters.
fn url() -> Value {
    json!({"pattern": format!("^https?://[^{WS}\\x00-\\x1f\\x7f-\\x9f]*$"), "maxLength": 2000})
}

/// A webhook's URL: as [`url`], with no credentials before the host.
fn webhook_url() -> Value {
    let c = format!("{WS}\\x00-\\x1f\\x7f-\\x9f");
    json!({"pattern": format!("^https?://[^@/?#{c}]*([/?#][^{c}]*)?$"), "maxLength": 2000})
}

/// A character class of every character that puts something in a slug (`text::slugify`): a tag's
/// name needs one, or the tag could not be found again by name. Computed from the slugger itself.
pub(super) fn slug_char_class() -> &'static str {
    static CLASS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CLASS.get_or_init(|| {
        let mut ranges: Vec<(char, char)> = Vec::new();
        let mut buf = [0u8; 4];
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            if crate::domain::text::slugify(c.encode_utf8(&mut buf)).is_empty() {
                continue;
            }
            match ranges.last_mut() {
                Some((_, end)) if *end as u32 + 1 == c as u32 => *end = c,
                _ => ranges.push((c, c)),
            }
        }
        let put = |out: &mut String, c: char| {
            if c.is_ascii() {
                out.push_str(&format!("\\x{:02x}", c as u32));
            } else {
                out.push(c);
            }
        };
        let mut class = String::from("[");
        for (a, b) in ranges {
            put(&mut class, a);
            if b != a {
                class.push('-');
                put(&mut class, b);
            }
        }
        class.push(']');
        class
    })
}

/// The component that says "holds a character that makes a slug" (written once: the class is long).
pub(super) const SLUG_CHARACTER: &str = "HasSlugCharacter";

fn has_slug_character() -> Value {
    json!({"$ref": format!("#/components/schemas/{SLUG_CHARACTER}")})
}

/// A tag name: a text of at most 60 characters with a character that makes a slug.
fn tag_name() -> Value {
    let mut t = text(60, true);
    let pattern = t["pattern"].take();
    json!({"maxLength": 60, "allOf": [{"pattern": pattern}, has_slug_character()]})
}

/// The rules of each input schema's properties, as its handler checks them.
pub(super) fn body_rules() -> Vec<(&'static str, &'static str, Value)> {
    let not_blank = json!({"pattern": format!("[^{WS}]"), "maxLength": 200_000});
    let email_char = format!("[^@{WS}\\x00-\\x1f\\x7f-\\x9f");
    let email = json!({
        "pattern": format!("^{email_char}]+@{email_char}.]{email_char}]*\\.{email_char}]*{email_char}.]$"),
        "maxLength": 254,
    });
    vec![
        ("ArticleInput", "title", text(300, true)),
        ("ArticleInput", "slug", slug()),
        ("ArticleInput", "kicker", text(80, false)),
        ("ArticleInput", "lede", text(1000, false)),
        ("ArticleInput", "excerpt", text(160, true)),
        ("ArticleInput", "body", not_blank),
        ("ArticleInput", "source", text(100, false)),
        ("ArticleInput", "location", text(100, false)),
        (
            "ArticleInput",
            "language",
            json!({"pattern": "^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$"}),
        ),
        (
            "ArticleInput",
            "authors",
            json!({"maxItems": 20, "examples": [["andre-martin-bado"]]}),
        ),
        (
            "ArticleInput",
            "rubrique",
            json!({"examples": ["securite"]}),
        ),
        ("RubriqueInput", "parent", json!({"examples": ["culture"]})),
        (
            "UserInput",
            "author",
            json!({"examples": ["aminata-kabore"]}),
        ),
        (
            "ArticleInput",
            "tags",
            json!({"maxItems": 50, "items": {"type": "string", "maxLength": 60,
                "allOf": [{"pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*$"}, has_slug_character()]}}),
        ),
        ("FeaturedImage", "url", url()),
        ("WebhookInput", "url", webhook_url()),
        (
            "WebhookInput",
            "events",
            json!({"minItems": 1, "items": {"type": "string", "enum": crate::db::webhooks::EVENTS}}),
        ),
        ("FeaturedImage", "alt", json!({"maxLength": 500})),
        ("FeaturedImage", "caption", json!({"maxLength": 500})),
        ("FeaturedImage", "credit", json!({"maxLength": 500})),
        ("RubriqueInput", "name", text(120, true)),
        ("RubriqueInput", "slug", slug()),
        ("RubriqueInput", "description", text(2000, false)),
        ("TagInput", "name", tag_name()),
        ("TagInput", "slug", slug()),
        ("AuthorInput", "name", text(120, true)),
        ("AuthorInput", "slug", slug()),
        ("AuthorInput", "bio", text(5000, false)),
        ("AuthorInput", "avatar_url", url()),
        ("AuthorInput", "links", json!({"maxItems": 20})),
        ("RelatedSettings", "pinned", json!({"maxItems": 20})),
        ("AuthorLink", "label", text(80, true)),
        ("AuthorLink", "url", url()),
        ("UserInput", "email", email),
        (
            "UserInput",
            "password",
            json!({"minLength": 12, "maxLength": 1024}),
        ),
        ("ApiKeyInput", "name", text(100, true)),
        (
            "ApiKeyInput",
            "scopes",
            json!({"minItems": 1, "items": {"type": "string", "enum": crate::api::api_keys::SCOPES}}),
        ),
        (
            "ApiKeyInput",
            "rate_limit_per_minute",
            json!({"minimum": 1, "maximum": 100_000}),
        ),
    ]
}
