//! `GET /v1/articles/{key}/related`: the cards under an article.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{item_values, to_items, ArticleList};
use crate::api::common::{self, key};
use crate::auth::Caller;
use crate::content::articles as write;
use crate::db::articles::{self as q, Filter, Scope, Sort, Start};
use crate::db::links;
use crate::db::models::ArticleRow;
use crate::db::AnyConnection;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Caches};
use chrono::NaiveDateTime;

/// The strategies of the related endpoint (`similar` is the default).
pub const STRATEGIES: &[&str] = &["similar", "rubrique", "latest", "author", "tags"];

/// The most related articles one request asks for.
pub const MAX_LIMIT: i64 = 20;
// A stored similar list holds more cards than any request asks for.
const _: () = assert!(super::similar::STORED > MAX_LIMIT as usize);

/// Query of the related endpoint.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RelatedQuery {
    /// `rubrique` ("Articles de la même rubrique": the article's own rubrique, newest first), `latest`
    /// ("Autres articles": the newest from other rubriques), `author` (sharing a byline), `tags` (most shared
    /// tags first), `similar` (the default: content-based, blending text similarity, shared tags, shared
    /// bylines, the rubrique and closeness in time; items carry `score` and `reason`).
    pub strategy: Option<String>,
    /// 1-20, default 4.
    pub limit: Option<i64>,
    /// Sparse fieldset.
    pub fields: Option<String>,
}

/// Related articles: never the article itself, never a non-published one.
///
/// Editors' pinned articles come first; an article whose related content is switched off answers an
/// empty list.
#[utoipa::path(
    tag = "articles",
    operation_id = "list_related_articles",
    params(("key" = String, Path, description = "Numeric id or slug"), RelatedQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Related articles (one page)", body = ArticleList),
        (status = 304, description = "Not modified"),
        (status = 400, description = "Unknown strategy, limit out of 1-20", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or not visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{key}/related")]
pub async fn list_related_articles(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<RelatedQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = key(&path)?;
    let limit = query.limit.unwrap_or(4);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_param("limit", "must be between 1 and 20"));
    }
    // An empty `strategy=` is the default.
    let strategy = match query
        .strategy
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("similar")
    {
        s if STRATEGIES.contains(&s) => s.to_owned(),
        other => {
            return Err(ApiError::bad_param(
                "strategy",
                format!("`{other}` is not one of similar, rubrique, latest, author, tags"),
            ))
        }
    };
    // The article fields, and the two a related card adds.
    let allowed: Vec<&str> = super::model::FIELDS
        .iter()
        .copied()
        .chain(["score", "reason"])
        .collect();
    let fields = common::parse_fields(query.fields.as_deref(), &allowed)?;
    let bodies = super::bodies_for(&fields, false);
    let staff = caller.staff().cloned();
    let site = state.config.site_url.clone();
    let caches = state.caches.clone();
    // The newest of the rubrique or of the others are walks of the date index, and a stored
    // `similar` list is a key lookup: short reads. Computing a `similar` list takes milliseconds,
    // `tags` ranks every article sharing a tag, and `author` sorts every article of a byline: those
    // run on the blocking pool (a `similar` read that finds no usable stored list goes there too).
    let short = matches!(strategy.as_str(), "rubrique" | "latest" | "similar");
    let lag_ok = staff.is_none();
    let work = move |conn: &mut AnyConnection, compute: bool| {
        let now = crate::db::now();
        let article = write::load_visible(conn, staff.as_ref(), &key, now)?;
        let Some(related) = rows_for(
            conn, &caches, &article, &strategy, limit, now, bodies, compute,
        )?
        else {
            return Ok(None);
        };
        let (rows, extra): (Vec<ArticleRow>, Vec<_>) = related.into_iter().unzip();
        let mut items = to_items(conn, rows, &site, now)?;
        for (item, extra) in items.iter_mut().zip(extra) {
            if let Some((score, reason)) = extra {
                item.score = Some(score);
                item.reason = Some(reason);
            }
        }
        Ok(Some(items))
    };
    let stored = if short {
        let work = work.clone();
        state
            .db
            .run_read_short(lag_ok, move |c| work(c, false))
            .await?
    } else {
        None
    };
    let items = match stored {
        Some(items) => items,
        None => state
            .db
            .run_read(lag_ok, move |c| work(c, true))
            .await?
            .unwrap_or_default(),
    };
    Ok(common::single_page(
        &req,
        caller.is_staff(),
        limit,
        item_values(
            items,
            &fields,
            (&state.config.site_url, &state.config.site_name),
        )?,
    ))
}

/// A related card: the article, and for `similar` its score and reasons.
pub type Related = (ArticleRow, Option<(f64, Vec<String>)>);

/// The related articles of `article` by `strategy` (`similar`, `rubrique`, `latest`, `author`, `tags`):
/// editors' pinned articles first, then the strategy's own, `limit` at most, never the article itself or
/// a non-public one; none at all when related content is switched off for it.
pub fn related_rows(
    conn: &mut AnyConnection,
    caches: &Caches,
    article: &ArticleRow,
    strategy: &str,
    limit: i64,
    now: NaiveDateTime,
    bodies: q::Bodies,
) -> Result<Vec<Related>, ApiError> {
    let found = rows_for(conn, caches, article, strategy, limit, now, bodies, true)?;
    Ok(found.unwrap_or_default())
}

/// [`related_rows`]; with `compute` false, `None` where a `similar` list would have to be computed.
#[allow(clippy::too_many_arguments)]
fn rows_for(
    conn: &mut AnyConnection,
    caches: &Caches,
    article: &ArticleRow,
    strategy: &str,
    limit: i64,
    now: NaiveDateTime,
    bodies: q::Bodies,
    compute: bool,
) -> Result<Option<Vec<Related>>, ApiError> {
    if !article.related_enabled {
        return Ok(Some(Vec::new()));
    }
    let pins = links::pins(conn, article.id)?;
    let pinned_extra = || (strategy == "similar").then(|| (1.0, vec!["pinned".to_owned()]));
    let mut rows: Vec<Related> = q::visible_by_ids_with(conn, &pins, now, bodies)?
        .into_iter()
        .map(|r| (r, pinned_extra()))
        .collect();
    rows.truncate(limit as usize);
    let mut exclude: Vec<i64> = rows.iter().map(|r| r.0.id).collect();
    exclude.push(article.id);
    let wanted = limit - rows.len() as i64;
    if wanted <= 0 {
        return Ok(Some(rows));
    }
    if strategy == "similar" {
        let (wanted, exclude) = (wanted as usize, &exclude);
        let found = if compute {
            super::similar::similar(conn, caches, article, exclude, wanted, now, bodies)?
        } else {
            match super::similar::similar_stored(
                conn, caches, article, exclude, wanted, now, bodies,
            )? {
                Some(found) => found,
                None => return Ok(None),
            }
        };
        rows.extend(
            found
                .into_iter()
                .map(|s| (s.row, Some((s.score, s.reason)))),
        );
        return Ok(Some(rows));
    }
    let mut filter = Filter {
        exclude_ids: exclude.clone(),
        ..Filter::default()
    };
    let more = match strategy {
        "tags" => {
            let tag_ids = links::tag_ids(conn, article.id)?;
            let ranked = q::sharing_tags(conn, &tag_ids, &exclude, wanted, now)?;
            let ids: Vec<i64> = ranked.iter().map(|(id, _)| *id).collect();
            q::visible_by_ids_with(conn, &ids, now, bodies)?
        }
        s => {
            match s {
                "rubrique" => filter.rubrique_ids = Some(vec![article.rubrique_id]),
                "latest" => {
                    let others: Vec<i64> = crate::db::rubriques::all(conn)?
                        .into_iter()
                        .map(|r| r.id)
                        .filter(|id| *id != article.rubrique_id)
                        .collect();
                    filter.rubrique_ids = Some(others);
                }
                _ => filter.author_ids = Some(links::author_ids(conn, article.id)?),
            }
            q::page(
                conn,
                &Scope::Public,
                &filter,
                Sort::PublishedDesc,
                &Start::Offset(0),
                wanted,
                now,
                bodies,
            )?
        }
    };
    rows.extend(more.into_iter().map(|r| (r, None)));
    Ok(Some(rows))
}

/// After a write on article `id`: when it is public, the stored lists of the articles its text finds
/// are marked stale, since they may now rank it (or rank it differently); its own list is stale by its
/// new version. Run on the blocking pool after the response is sent, so the writer does not wait for
/// the candidate query (on PostgreSQL under load it tripled a create's p99): the neighbours' cards
/// follow within moments. A failure leaves those lists to their maximum age.
pub fn after_write(db: &crate::db::Db, caches: std::sync::Arc<Caches>, id: i64) {
    if caches.related_max_age.is_zero() {
        return;
    }
    let db = db.clone();
    actix_web::rt::spawn(async move {
        let marked = db.run(move |conn| mark_neighbours(conn, &caches, id)).await;
        if let Err(e) = marked {
            tracing::warn!(error = %e.detail, article = id, "related lists not marked stale");
        }
    });
}

/// [`after_write`]'s work: how many lists it marked stale.
pub fn mark_neighbours(
    conn: &mut AnyConnection,
    caches: &Caches,
    id: i64,
) -> Result<usize, ApiError> {
    let now = crate::db::now();
    let Some(row) = q::find(conn, &crate::domain::Key::Id(id))? else {
        return Ok(0);
    };
    if !q::is_public(&row.status, row.sort_at, now) {
        return Ok(0);
    }
    let ids = super::similar::neighbours(conn, caches, &row, now)?;
    Ok(crate::db::related::mark_stale(conn, &ids)?)
}

/// What [`store_all`] did.
pub struct Stored {
    pub computed: usize,
    pub seconds: f64,
}

/// Computes and stores the `similar` list of every published article whose list is missing, stale,
/// of an older version or older than the caches' maximum age, newest first, on `threads` connections
/// at once; `progress(done, total, per_second)` after each batch. What `kiosque related` runs after a
/// bulk load, so that readers find the lists ready instead of computing them one by one.
pub fn store_all(
    db: &crate::db::Db,
    caches: &Caches,
    threads: usize,
    mut progress: impl FnMut(usize, usize, f64),
) -> anyhow::Result<Stored> {
    let started = std::time::Instant::now();
    let now = crate::db::now();
    let max_age = chrono::TimeDelta::from_std(caches.related_max_age)?;
    let older_than = now - max_age;
    let threads = threads.max(1);
    let mut conn = db.get()?;
    let total = crate::db::related::needing(&mut conn, i64::MAX, now, older_than, i64::MAX)?.len();
    let mut below = i64::MAX;
    let mut done = 0;
    loop {
        let ids =
            crate::db::related::needing(&mut conn, below, now, older_than, 256 * threads as i64)?;
        let Some(last) = ids.last() else { break };
        below = *last;
        let chunk = ids.len().div_ceil(threads);
        done += std::thread::scope(|s| -> anyhow::Result<usize> {
            let workers: Vec<_> = ids
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || -> anyhow::Result<usize> {
                        let mut conn = db.get()?;
                        let rows = q::visible_by_ids(&mut conn, part, now)?;
                        for row in &rows {
                            super::similar::fresh_cards(&mut conn, caches, row, now)
                                .map_err(|e| anyhow::anyhow!("article {}: {}", row.id, e.detail))?;
                        }
                        Ok(rows.len())
                    })
                })
                .collect();
            let mut computed = 0;
            for w in workers {
                computed += w
                    .join()
                    .map_err(|_| anyhow::anyhow!("a related worker panicked"))??;
            }
            Ok(computed)
        })?;
        progress(
            done,
            total.max(done),
            done as f64 / started.elapsed().as_secs_f64().max(1e-9),
        );
    }
    Ok(Stored {
        computed: done,
        seconds: started.elapsed().as_secs_f64(),
    })
}
