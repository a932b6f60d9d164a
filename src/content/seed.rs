//! Start-up data: the first admin from the settings, and the French demo content for an empty database.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::articles::{ArticleInput, FeaturedImage};
use super::authors::{AuthorInput, AuthorLink};
use super::input::{KeyRef, Patch};
use super::users::UserInput;
use crate::auth::Staff;
use crate::config::Config;
use crate::db::{maintenance, rubriques, write_tx, AnyConnection, Db};
use crate::domain::{Role, Status};
use crate::error::ApiError;

pub(crate) const DEMO: &str = include_str!("../seed/demo_fr.json");

#[derive(Deserialize)]
struct Demo {
    rubriques: Vec<DemoRubrique>,
    authors: Vec<DemoAuthor>,
    articles: Vec<DemoArticle>,
}

#[derive(Deserialize)]
struct DemoRubrique {
    slug: String,
    name: String,
    description: String,
    parent: Option<String>,
    position: i32,
}

#[derive(Deserialize)]
struct DemoAuthor {
    slug: String,
    name: String,
    bio: String,
    avatar_url: Option<String>,
    links: Vec<AuthorLink>,
}

#[derive(Deserialize)]
struct DemoArticle {
    title: String,
    kicker: Option<String>,
    lede: Option<String>,
    body: String,
    rubrique: String,
    authors: Vec<String>,
    tags: Vec<String>,
    source: Option<String>,
    location: Option<String>,
    published_at: DateTime<Utc>,
    status: Status,
    featured_image: Option<FeaturedImage>,
}

fn value<T>(v: Option<T>) -> Patch<T> {
    v.map(Patch::Value).unwrap_or(Patch::Absent)
}

/// Runs at start-up: creates the configured admin when no account exists, and the demo content when
/// the database holds no article and no rubrique. Several instances starting together do this once.
pub fn on_start(db: &Db, config: &Config) -> anyhow::Result<()> {
    let mut conn = db.get()?;
    let admin = config
        .admin_email
        .clone()
        .zip(config.admin_password.clone());
    let demo = config.demo_content;
    write_tx(&mut conn, |conn| {
        maintenance::start_up_lock(conn)?;
        if let Some((email, password)) = admin {
            if crate::db::users::count(conn)? == 0 {
                let input = UserInput {
                    email: Patch::Value(email.clone()),
                    password: Patch::Value(password),
                    role: Patch::Value(Role::Admin),
                    ..UserInput::default()
                };
                super::users::create(conn, input)?;
                tracing::info!(%email, "created the first admin from KIOSQUE_ADMIN_EMAIL");
            }
        }
        if demo && maintenance::is_empty(conn)? {
            let n = load_demo(conn)?;
            tracing::info!(
                articles = n,
                "seeded the French demo content into an empty database"
            );
        }
        maintenance::reindex_if_incomplete(conn)
    })
    .map_err(|e: ApiError| anyhow::anyhow!("start-up data: {}", e.detail))
}

/// The titles of the demo seed's articles.
pub fn demo_titles() -> Vec<String> {
    serde_json::from_str::<Demo>(DEMO)
        .map(|d| d.articles.into_iter().map(|a| a.title).collect())
        .unwrap_or_default()
}

/// Writes the demo content through the same code as the API; returns the number of articles.
pub fn load_demo(conn: &mut AnyConnection) -> Result<usize, ApiError> {
    let demo: Demo = serde_json::from_str(DEMO)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("demo content: {e}")))?;
    let now = crate::db::now();
    for r in &demo.rubriques {
        let parent_id = match &r.parent {
            Some(p) => rubriques::find(conn, &crate::domain::Key::Slug(p.clone()))?.map(|p| p.id),
            None => None,
        };
        let w = rubriques::RubriqueWrite {
            slug: r.slug.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            parent_id,
            position: r.position,
        };
        rubriques::insert(conn, &w, now)?;
    }
    for a in demo.authors {
        let input = AuthorInput {
            name: Patch::Value(a.name),
            slug: Patch::Value(a.slug),
            bio: Patch::Value(a.bio),
            avatar_url: value(a.avatar_url),
            links: Patch::Value(a.links),
        };
        super::authors::create(conn, input)?;
    }
    let newsroom = Staff {
        user_id: 0,
        role: Role::Admin,
        author_id: None,
    };
    let count = demo.articles.len();
    for a in demo.articles {
        let input = ArticleInput {
            title: Patch::Value(a.title),
            kicker: value(a.kicker),
            lede: value(a.lede),
            body: Patch::Value(a.body),
            status: Patch::Value(a.status),
            published_at: Patch::Value(a.published_at),
            rubrique: Patch::Value(KeyRef::Slug(a.rubrique)),
            authors: Patch::Value(a.authors.into_iter().map(KeyRef::Slug).collect()),
            tags: Patch::Value(a.tags),
            featured_image: value(a.featured_image),
            source: value(a.source),
            location: value(a.location),
            ..ArticleInput::default()
        };
        super::articles::create(conn, &newsroom, input)?;
    }
    Ok(count)
}
