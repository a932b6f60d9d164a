//! What every write command reads its input with: merge-patch fields, references by id or slug, the
//! field checks that collect every problem into one 422, and unique slugs.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::Key;
use crate::error::ApiError;

/// A JSON-merge-patch field: absent, explicitly null, or a value.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            Some(v) => Patch::Value(v),
            None => Patch::Null,
        })
    }
}

/// A 32-bit whole number that may come as `7` or `7.0` (JSON Schema counts both integers).
pub fn whole_i32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 3.0e9)
                    .map(|f| f as i64)
            })
            .and_then(|v| i32::try_from(v).ok())
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("a whole number of 32 bits")),
        Some(_) => Err(serde::de::Error::custom("a whole number")),
    }
}

/// [`whole_i32`] for a merge-patch field.
pub fn whole_i32_patch<'de, D: Deserializer<'de>>(d: D) -> Result<Patch<i32>, D::Error> {
    Ok(match whole_i32(d)? {
        Some(v) => Patch::Value(v),
        None => Patch::Null,
    })
}

impl<T> Patch<T> {
    /// The new value of a nullable field: unchanged when absent.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Absent => current,
            Patch::Null => None,
            Patch::Value(v) => Some(v),
        }
    }
    /// The given value of a non-nullable field; null is a 422 on `field`.
    pub fn required(self, field: &str, errs: &mut Vec<crate::error::FieldError>) -> Option<T> {
        match self {
            Patch::Absent => None,
            Patch::Null => {
                errs.push(crate::error::FieldError::new(
                    field,
                    "null",
                    format!("{field} cannot be null"),
                ));
                None
            }
            Patch::Value(v) => Some(v),
        }
    }
    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }
}

/// A reference to another resource in input: its numeric id or its slug.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum KeyRef {
    Id(i64),
    Slug(String),
}

/// An id may come as `7` or `7.0` (JSON has one number type; JSON Schema counts `7.0` an integer).
impl<'de> Deserialize<'de> for KeyRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(KeyRef::Slug(s)),
            Value::Number(n) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                        .map(|f| f as i64)
                })
                .map(KeyRef::Id)
                .ok_or_else(|| serde::de::Error::custom("an id is a whole number")),
            _ => Err(serde::de::Error::custom(
                "an id (a number) or a slug (a string)",
            )),
        }
    }
}

impl KeyRef {
    pub fn key(&self) -> Key {
        match self {
            KeyRef::Id(id) => Key::Id(*id),
            // A string is a slug, never an id (a slug is never all digits): `"12"` names nothing.
            KeyRef::Slug(s) => Key::Slug(crate::domain::lookup_text(s)),
        }
    }
}

/// Field checks that collect every problem before answering one 422.
#[derive(Default)]
pub struct Checks(pub Vec<crate::error::FieldError>);

impl Checks {
    pub fn fail(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.0
            .push(crate::error::FieldError::new(field, code, message));
    }
    /// A trimmed text of `min..=max` characters, without control characters (line breaks aside).
    /// The length counts the value as sent (white space included), as the OpenAPI `maxLength` does.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> String {
        let v = value.trim();
        let n = v.chars().count();
        let sent = value.chars().count();
        if v.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            self.fail(
                field,
                "control_characters",
                format!("{field} must not contain control characters"),
            );
        } else if n < min {
            self.fail(field, "required", format!("{field} must not be empty"));
        } else if sent > max {
            self.fail(
                field,
                "too_long",
                format!("{field} is at most {max} characters"),
            );
        }
        v.to_owned()
    }
    /// An optional text: empty becomes null.
    pub fn opt_text(&mut self, field: &str, value: Option<String>, max: usize) -> Option<String> {
        let v = value?;
        let v = self.text(field, &v, 0, max);
        (!v.is_empty()).then_some(v)
    }
    pub fn slug(&mut self, field: &str, value: &str) {
        if !crate::domain::text::is_valid_slug(value) {
            self.fail(
                field,
                "invalid_slug",
                "a slug is 1-80 characters of a-z, 0-9 and single hyphens, and not all digits",
            );
        }
    }
    pub fn url(&mut self, field: &str, value: &str) {
        let ok = (value.starts_with("https://") || value.starts_with("http://"))
            && value.chars().count() <= 2000
            && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            self.fail(
                field,
                "invalid_url",
                "an absolute http(s) URL of at most 2000 characters",
            );
        }
    }
    /// A resource's `name` (1 to `max` characters) and optional `slug` from a merge patch: the current
    /// name when absent on an update, required on a creation.
    pub fn name_and_slug(
        &mut self,
        name: Patch<String>,
        slug: Patch<String>,
        current: Option<&str>,
        max: usize,
    ) -> (String, Option<String>) {
        let name = match (name.required("name", &mut self.0), current) {
            (Some(n), _) => self.text("name", &n, 1, max),
            (None, Some(cur)) => cur.to_owned(),
            (None, None) => {
                self.fail("name", "required", "name is required");
                String::new()
            }
        };
        let slug = slug.required("slug", &mut self.0);
        if let Some(s) = &slug {
            self.slug("slug", s);
        }
        (name, slug)
    }
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0))
        }
    }
}

/// Makes a unique slug from `base` with `-2` … `-9` suffixes, then a short random one, asking `taken`.
pub fn unique_slug(
    base: &str,
    fallback: &str,
    mut taken: impl FnMut(&str) -> diesel::QueryResult<bool>,
) -> Result<String, ApiError> {
    let base = if base.is_empty() {
        fallback.to_owned()
    } else {
        base.to_owned()
    };
    let base: String = base
        .chars()
        .take(72)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned();
    if !taken(&base)? {
        return Ok(base);
    }
    for n in 2..10 {
        let candidate = format!("{base}-{n}");
        if !taken(&candidate)? {
            return Ok(candidate);
        }
    }
    // A crowded title: a short random suffix instead of counting on.
    for _ in 0..5 {
        let mut bytes = [0u8; 3];
        getrandom::fill(&mut bytes)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("no randomness: {e}")))?;
        let candidate = format!(
            "{base}-{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        if !taken(&candidate)? {
            return Ok(candidate);
        }
    }
    Err(ApiError::conflict("no free slug could be made; give one"))
}

/// The slug of a new resource: the one given (a 409 when `taken`), else one made unique from `name`
/// (`fallback` when the name makes no slug).
pub fn new_slug(
    given: Option<String>,
    name: &str,
    fallback: &str,
    mut taken: impl FnMut(&str) -> diesel::QueryResult<bool>,
) -> Result<String, ApiError> {
    match given {
        Some(s) if taken(&s)? => Err(ApiError::conflict(format!("the slug `{s}` is taken"))),
        Some(s) => Ok(s),
        None => unique_slug(&crate::domain::text::slugify(name), fallback, taken),
    }
}
