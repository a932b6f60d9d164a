//! The route table: every operation the API serves, its method and path, in one place. The paths
//! themselves live on the handlers' attributes (utoipa reads them there for the OpenAPI document);
//! the comments repeat them so that this file reads as the table, and a test keeps the two equal.
//! actix tries the patterns in this order, one regex each: the most read path, one article by key,
//! comes before the longer paths that begin like it.

use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    api_keys, articles, audit, auth, authors, changes, feeds, health, redirects, rubriques, tags,
    users, webhooks,
};

/// Everything under `/v1`.
#[rustfmt::skip]
pub fn v1(cfg: &mut ServiceConfig) {
    cfg.service(articles::list::list_articles)                    // GET    /v1/articles
        .service(articles::create_article)                  // POST   /v1/articles
        .service(articles::find_article)                    // GET    /v1/articles/{key}
        .service(articles::related::list_related_articles)  // GET    /v1/articles/{key}/related
        .service(audit::list_article_revisions)             // GET    /v1/articles/{key}/revisions
        .service(articles::update_article)                  // PATCH  /v1/articles/{key}
        .service(articles::delete_article)                  // DELETE /v1/articles/{key}
        .service(rubriques::list_rubriques)                 // GET    /v1/rubriques
        .service(rubriques::create_rubrique)                // POST   /v1/rubriques
        .service(rubriques::find_rubrique)                  // GET    /v1/rubriques/{key}
        .service(rubriques::update_rubrique)                // PATCH  /v1/rubriques/{key}
        .service(rubriques::delete_rubrique)                // DELETE /v1/rubriques/{key}
        .service(authors::list_authors)                     // GET    /v1/authors
        .service(authors::create_author)                    // POST   /v1/authors
        .service(authors::find_author)                      // GET    /v1/authors/{key}
        .service(authors::update_author)                    // PATCH  /v1/authors/{key}
        .service(authors::delete_author)                    // DELETE /v1/authors/{key}
        .service(tags::list_tags)                           // GET    /v1/tags
        .service(tags::create_tag)                          // POST   /v1/tags
        .service(tags::find_tag)                            // GET    /v1/tags/{key}
        .service(tags::update_tag)                          // PATCH  /v1/tags/{key}
        .service(tags::delete_tag)                          // DELETE /v1/tags/{key}
        .service(changes::list_changes)                     // GET    /v1/changes
        .service(redirects::list_redirects)                 // GET    /v1/redirects
        .service(auth::create_token)                        // POST   /v1/auth/token
        .service(auth::refresh_token)                       // POST   /v1/auth/refresh
        .service(auth::logout)                              // POST   /v1/auth/logout
        .service(auth::find_me)                             // GET    /v1/me
        .service(users::list_users)                         // GET    /v1/users
        .service(users::create_user)                        // POST   /v1/users
        .service(users::update_user)                        // PATCH  /v1/users/{id}
        .service(users::delete_user)                        // DELETE /v1/users/{id}
        .service(api_keys::list_api_keys)                   // GET    /v1/api-keys
        .service(api_keys::create_api_key)                  // POST   /v1/api-keys
        .service(api_keys::delete_api_key)                  // DELETE /v1/api-keys/{id}
        .service(audit::list_audit)                         // GET    /v1/audit
        .service(webhooks::list_webhooks)                   // GET    /v1/webhooks
        .service(webhooks::create_webhook)                  // POST   /v1/webhooks
        .service(webhooks::list_webhook_deliveries)         // GET    /v1/webhooks/{id}/deliveries
        .service(webhooks::replay_webhook_delivery)         // POST   /v1/webhooks/{id}/deliveries/{delivery_id}/replay
        .service(webhooks::find_webhook)                    // GET    /v1/webhooks/{id}
        .service(webhooks::update_webhook)                  // PATCH  /v1/webhooks/{id}
        .service(webhooks::delete_webhook);                 // DELETE /v1/webhooks/{id}
}

/// Routes outside `/v1`.
#[rustfmt::skip]
pub fn root(cfg: &mut ServiceConfig) {
    cfg.service(health::live)                               // GET    /health/live
        .service(health::ready)                             // GET    /health/ready
        .service(health::metrics)                           // GET    /metrics
        .service(feeds::rss_feed)                           // GET    /feeds/rss.xml
        .service(feeds::atom_feed)                          // GET    /feeds/atom.xml
        .service(feeds::json_feed)                          // GET    /feeds/feed.json
        .service(feeds::sitemap)                            // GET    /sitemap.xml
        .service(feeds::news_sitemap);                      // GET    /sitemap-news.xml
}
