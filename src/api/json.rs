//! The JSON body extractor: content type checked (415), size capped (413), and every shape error a 422
//! that names the field by its path (`authors[1]`, `featured_image.url`), not just "invalid body".

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// A JSON request body (`application/json` or `application/merge-patch+json`). A wrong content type
/// (415), a size over the limit (413), and a body that does not parse or fit (400, 422) are only
/// reported when the handler asks for it, after its authorisation checks: a caller who may not write
/// learns nothing from the body's faults, and the order of checks is the same everywhere.
pub struct Json<T>(Result<T, ApiError>);

impl<T> Json<T> {
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(m)) => {
            m.type_() == mime::APPLICATION
                && (m.subtype() == mime::JSON || m.subtype() == "merge-patch")
        }
        _ => false,
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Json<T>, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                return Ok(Json(Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "send the body as application/json",
                ))));
            }
            let bytes = body.await.map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload-too-large",
                        format!("the body is larger than {} bytes", crate::state::JSON_LIMIT),
                    )
                } else {
                    ApiError::bad_request("the body could not be read")
                }
            });
            Ok(Json(bytes.and_then(|b| parse(&b))))
        })
    }
}

/// Parses a body into `T`: one JSON object and nothing after it.
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every kiosque input is an object: an array would fill a struct's fields by position.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::invalid(
            "body",
            "not_an_object",
            "the body must be a JSON object",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize(&mut *de);
    // Nothing but white space may follow the object.
    if parsed.is_ok() {
        if let Err(e) = de.end() {
            return Err(ApiError::bad_request(format!("malformed JSON: {e}")));
        }
    }
    parsed.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_data() {
            shape_error(&path, &inner.to_string())
        } else {
            ApiError::bad_request(format!("malformed JSON: {inner}"))
        }
    })
}

/// A 422 for JSON that parses but does not fit, naming the field.
fn shape_error(path: &str, msg: &str) -> ApiError {
    let message = msg.split(" at line ").next().unwrap_or(msg).to_owned();
    let quoted = |marker: &str| {
        msg.split_once(marker)
            .and_then(|(_, rest)| rest.split_once('`'))
            .map(|(f, _)| f.to_owned())
    };
    let prefix = if path == "." {
        String::new()
    } else {
        format!("{path}.")
    };
    // serde_path_to_error already ends the path with an unknown field's name.
    let join = |f: String| {
        if path == f || path.ends_with(&format!(".{f}")) {
            path.to_owned()
        } else {
            format!("{prefix}{f}")
        }
    };
    let (field, code) = if let Some(f) = quoted("unknown field `") {
        (join(f), "unknown_field")
    } else if let Some(f) = quoted("missing field `") {
        (join(f), "required")
    } else if path == "." {
        ("body".to_owned(), "invalid")
    } else {
        (path.to_owned(), "invalid")
    };
    ApiError::validation(vec![FieldError::new(field, code, message)])
}
