//! The handlers' shared bodies for rubriques, authors and tags (see `content::named`): one read of
//! one row, and the create, merge-patch and delete answers. Each resource module keeps its own
//! route and OpenAPI declaration and calls these with its [`Shown`] kind.

use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::api::common::{self, check_if_match, single, version_etag, written};
use crate::api::json::Json;
use crate::auth::Caller;
use crate::content::named::{self, Named, NamedRow};
use crate::db::{write_tx, AnyConnection};
use crate::domain::{Key, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// How the API shows one kind of named content.
pub trait Shown: Named + 'static {
    /// What the API answers for one row.
    type Out: Serialize + Send + 'static;
    /// The ETag's kind letter (`"r7-3"`: rubrique 7, version 3).
    const ETAG: char;
    /// The collection's path, for `Location`.
    const PATH: &'static str;
    /// Who may write.
    const WRITER: Role = Role::Editor;

    /// One row as the API shows it, or 404 (also for rows the caller may not see).
    fn load(
        conn: &mut AnyConnection,
        key: &Key,
        staff: bool,
        site: &str,
    ) -> Result<Self::Out, ApiError>;
    /// The id and version of a shown row.
    fn id_version(out: &Self::Out) -> (i64, i64);
}

fn etag<S: Shown>(out: &S::Out) -> String {
    let (id, version) = S::id_version(out);
    version_etag(S::ETAG, id, version)
}

async fn load<S: Shown>(state: &AppState, key: Key, staff: bool) -> Result<S::Out, ApiError> {
    let site = state.config.site_url.clone();
    state
        .db
        .run_read(!staff, move |conn| S::load(conn, &key, staff, &site))
        .await
}

/// `GET …/{key}`: one row, `fields` applied, with its ETag.
pub async fn find<S: Shown>(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    path: &str,
    fields: Option<&str>,
    allowed: &[&str],
) -> Result<HttpResponse, ApiError> {
    let fields = common::parse_fields(fields, allowed)?;
    let out = load::<S>(state, common::key(path)?, caller.is_staff()).await?;
    Ok(single(
        req,
        caller.is_staff(),
        &out,
        &fields,
        etag::<S>(&out),
        None,
    ))
}

/// `POST …`: 201 with `Location` and the ETag.
pub async fn create<S: Shown>(
    state: &AppState,
    caller: &Caller,
    input: Json<S::Input>,
) -> Result<HttpResponse, ApiError> {
    caller.require(S::WRITER)?;
    let id = state
        .db
        .run(move |conn| write_tx(conn, |conn| named::create::<S>(conn, input.into_inner()?)))
        .await?;
    let out = load::<S>(state, Key::Id(id), true).await?;
    Ok(written(
        &out,
        etag::<S>(&out),
        Some(format!("{}/{id}", S::PATH)),
    ))
}

/// `PATCH …/{key}` (merge patch), `If-Match` judged after the values.
pub async fn update<S: Shown>(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    path: &str,
    input: Json<S::Input>,
) -> Result<HttpResponse, ApiError> {
    caller.require(S::WRITER)?;
    let key = common::key(path)?;
    let im = common::if_match(req);
    let id = state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                named::update::<S>(conn, &key, input.into_inner()?, |row| {
                    let current = version_etag(S::ETAG, row.id(), row.version());
                    check_if_match(im.as_deref(), &current)
                })
            })
        })
        .await?;
    let out = load::<S>(state, Key::Id(id), true).await?;
    Ok(written(&out, etag::<S>(&out), None))
}

/// `DELETE …/{key}`: 204, audited.
pub async fn delete<S: Shown>(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
    path: &str,
) -> Result<HttpResponse, ApiError> {
    let me = caller.require(S::WRITER)?.user_id;
    let key = common::key(path)?;
    let im = common::if_match(req);
    state
        .db
        .run(move |conn| {
            write_tx(conn, |conn| {
                named::delete::<S>(conn, me, &key, |row| {
                    let current = version_etag(S::ETAG, row.id(), row.version());
                    check_if_match(im.as_deref(), &current)
                })
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The four routes of a named resource, declared once: `GET/PATCH/DELETE …/{key}` and `POST …`,
/// with their OpenAPI operations (the operation id is the handler's name). The calling module
/// provides `FIELDS`, `Problem` and actix's `get, post, patch, delete` in scope (utoipa
/// reads the route from the bare attribute); `delete_conflict` lists the 409 of a
/// deletion that something may refuse.
macro_rules! named_routes {
    (
        kind = $kind:ident, tag = $tag:tt, out = $out:ident, input = $input:ident, found = $found:tt,
        $find:ident = $item:tt, $find_doc:tt;
        $create:ident = $collection:tt, $create_doc:tt;
        $update:ident, $update_doc:tt;
        $delete:ident, $delete_doc:tt, delete_conflict = [$($conflict:tt)*];
    ) => {
        #[doc = $find_doc]
        #[utoipa::path(
            tag = $tag,
            params(("key" = String, Path, description = "Numeric id or slug"), $crate::api::common::FieldsQuery),
            responses(
                (status = 200, description = $found, body = $out, headers(("ETag" = String))),
                (status = 304, description = "Not modified"),
                (status = 404, description = "Unknown", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($item)]
        pub async fn $find(
            req: actix_web::HttpRequest,
            state: actix_web::web::Data<$crate::state::AppState>,
            caller: $crate::auth::Caller,
            path: actix_web::web::Path<String>,
            query: actix_web::web::Query<$crate::api::common::FieldsQuery>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::api::named::find::<$kind>(&req, &state, &caller, &path, query.fields.as_deref(), FIELDS)
                .await
        }

        #[doc = $create_doc]
        #[utoipa::path(
            tag = $tag, request_body = $input,
            security(("bearer" = [])),
            responses(
                (status = 201, description = "Created", body = $out, headers(("Location" = String), ("ETag" = String))),
                (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($collection)]
        pub async fn $create(
            state: actix_web::web::Data<$crate::state::AppState>,
            caller: $crate::auth::Caller,
            input: $crate::api::json::Json<$input>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::api::named::create::<$kind>(&state, &caller, input).await
        }

        #[doc = $update_doc]
        #[utoipa::path(
            tag = $tag, request_body = $input,
            params(("key" = String, Path, description = "Numeric id or slug"), ("If-Match" = Option<String>, Header, description = "ETag of the version you edit")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Updated", body = $out, headers(("ETag" = String))),
                (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "Unknown", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[patch($item)]
        pub async fn $update(
            req: actix_web::HttpRequest,
            state: actix_web::web::Data<$crate::state::AppState>,
            caller: $crate::auth::Caller,
            path: actix_web::web::Path<String>,
            input: $crate::api::json::Json<$input>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::api::named::update::<$kind>(&req, &state, &caller, &path, input).await
        }

        #[doc = $delete_doc]
        #[utoipa::path(
            tag = $tag,
            params(("key" = String, Path, description = "Numeric id or slug"), ("If-Match" = Option<String>, Header, description = "ETag of the version you delete")),
            security(("bearer" = [])),
            responses(
                (status = 204, description = "Deleted"),
                (status = 401, description = "No or invalid token", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not an editor", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "Unknown", body = Problem, content_type = "application/problem+json"),
                $($conflict)*
                (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[delete($item)]
        pub async fn $delete(
            req: actix_web::HttpRequest,
            state: actix_web::web::Data<$crate::state::AppState>,
            caller: $crate::auth::Caller,
            path: actix_web::web::Path<String>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::api::named::delete::<$kind>(&req, &state, &caller, &path).await
        }
    };
}
pub(crate) use named_routes;
