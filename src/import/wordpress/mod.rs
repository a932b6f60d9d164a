//! `kiosque import wordpress FILE.xml`: a WordPress export (WXR 1.1 or 1.2, the file of Tools →
//! Export) brought into kiosque through the same content commands as the API, in two streaming
//! passes over the file:
//!
//! 1. the authors, categories, tags and attachments (what posts refer to; attachments may come
//!    after the posts that show them), and the site's offset from UTC as its posts show it;
//!    then the rubriques (with their tree), tags and authors are written;
//! 2. the posts, one transaction each: a bad one is reported with its line and skipped.
//!
//! Every item is keyed on its WordPress id in the `imported` table: importing the same file again
//! creates nothing twice, and a post whose `post_modified_gmt` moved is updated. Each imported
//! item's old URLs become redirects (`GET /v1/redirects?path=`).

pub mod body;
mod php;
pub mod wxr;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use chrono::{NaiveDateTime, TimeDelta};

use crate::auth::Staff;
use crate::content::articles::{ArticleInput, BodyFormat, FeaturedImage};
use crate::content::authors::AuthorInput;
use crate::content::input::{KeyRef, Patch};
use crate::content::named;
use crate::content::rubriques::{RubriqueInput, Rubriques};
use crate::content::tags::{TagInput, Tags};
use crate::db::redirects::Target;
use crate::db::{self, imports, redirects, write_tx, AnyConnection, Db};
use crate::domain::{old_url, text, Key, Role, Status};
use crate::error::ApiError;

use body::{decode_entities, Attachment};
use wxr::{El, Node};

/// How to read the export.
#[derive(Debug, Clone)]
pub struct Options {
    /// The site's offset from UTC in minutes, for the posts whose export gives no UTC time (drafts).
    /// `None`: the offset most of the export's posts show (`post_date` − `post_date_gmt`), else 0.
    pub utc_offset_minutes: Option<i64>,
    /// The first segment of category and tag URLs (WordPress's Settings → Permalinks).
    pub category_base: String,
    pub tag_base: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            utc_offset_minutes: None,
            category_base: "category".into(),
            tag_base: "tag".into(),
        }
    }
}

/// Told how far a pass over the file has come.
pub trait Progress {
    /// A pass over `bytes` bytes begins.
    fn pass(&mut self, what: &str, bytes: u64);
    /// The pass has read up to `bytes`.
    fn at(&mut self, bytes: u64);
    fn done(&mut self);
}

/// No progress shown.
pub struct Quiet;

impl Progress for Quiet {
    fn pass(&mut self, _: &str, _: u64) {}
    fn at(&mut self, _: u64) {}
    fn done(&mut self) {}
}

/// What became of one kind of item.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    /// Changed in WordPress since the last import, and updated.
    pub updated: usize,
    /// Imported before and not changed since.
    pub unchanged: usize,
    /// Already in kiosque under the same slug (created by hand, or by another import), and used.
    pub existing: usize,
}

/// An item left out, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// Its line in the file.
    pub line: u64,
    /// `post 123 « Titre »`.
    pub item: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Summary {
    /// The site the export came from.
    pub site: String,
    pub rubriques: Counts,
    pub authors: Counts,
    pub tags: Counts,
    pub articles: Counts,
    /// Articles given a featured image.
    pub images: usize,
    /// Old URLs recorded.
    pub redirects: usize,
    pub skipped: Vec<Skipped>,
    /// Items of the kinds not imported, per WordPress post type (pages, menus, attachments…).
    pub ignored: BTreeMap<String, usize>,
    /// Things an operator should know (a slug that was taken, a missing parent category).
    pub notes: Vec<String>,
}

/// A `wp:author`, or a Co-Authors Plus guest author.
#[derive(Debug, Clone)]
struct WpAuthor {
    login: String,
    name: String,
    bio: String,
}

/// A `wp:category` or `wp:tag`.
#[derive(Debug, Clone)]
struct WpTerm {
    id: String,
    slug: String,
    parent: String,
    name: String,
    description: String,
}

/// What the first pass learns.
#[derive(Debug, Default)]
struct Site {
    /// The blog's address (`wp:base_blog_url`; else `wp:base_site_url`, else the channel's link):
    /// on WordPress.com every blog has the same site URL, and a blog installed in a folder has it
    /// in its path.
    base: String,
    site_url: String,
    link: String,
    language: Option<String>,
    authors: Vec<WpAuthor>,
    categories: Vec<WpTerm>,
    tags: Vec<WpTerm>,
    attachments: HashMap<i64, Attachment>,
    offsets: HashMap<i64, usize>,
}

/// Reads a WordPress export at `path` into the database.
pub fn run(
    db: &Db,
    path: &Path,
    options: &Options,
    progress: &mut dyn Progress,
) -> anyhow::Result<Summary> {
    let size = std::fs::metadata(path)?.len();
    let open = || -> anyhow::Result<BufReader<File>> {
        Ok(BufReader::with_capacity(1 << 16, File::open(path)?))
    };
    let mut site = Site::default();
    progress.pass("authors, categories, tags and images", size);
    wxr::read(
        open()?,
        |node| {
            site.learn(node);
            Ok(())
        },
        |at| progress.at(at),
    )?;
    progress.done();
    for fallback in [site.site_url.clone(), site.link.clone()] {
        if site.base.is_empty() {
            site.base = fallback;
        }
    }
    let mut notes = Vec::new();
    if site.base.is_empty() {
        notes.push(
            "the export names no site (no wp:base_blog_url, wp:base_site_url or link): its items \
             are keyed as those of an unnamed site"
                .to_owned(),
        );
    }
    // The folder a blog was installed in (`https://example.org/journal` → `/journal`), before
    // the paths WordPress made itself (`/?p=`, `/category/`…).
    let prefix = site_path(&site.base);
    let offset = options.utc_offset_minutes.unwrap_or_else(|| {
        site.offsets
            .iter()
            .max_by_key(|(offset, n)| (**n, -offset.abs()))
            .map(|(o, _)| *o)
            .unwrap_or(0)
    });
    let mut conn = db.get()?;
    let mut import = Importer {
        conn: &mut conn,
        source: format!("wordpress:{}", host_of(&site.base)),
        prefix,
        options,
        offset: TimeDelta::minutes(offset),
        language: site
            .language
            .clone()
            .filter(|l| crate::content::articles::language_ok(l))
            .unwrap_or_else(|| "fr".into()),
        summary: Summary {
            site: site.base.clone(),
            notes,
            ..Summary::default()
        },
        rubriques: HashMap::new(),
        tags: HashMap::new(),
        authors: HashMap::new(),
        lines: Lines::open(path)?,
    };
    let tags_before = crate::db::tags::count(import.conn)?;
    import.terms(&site)?;
    progress.pass("articles", size);
    wxr::read(
        open()?,
        |node| import.item(node, &site),
        |at| progress.at(at),
    )?;
    progress.done();
    // Tags made on the way from posts' other categories count as created too.
    let made = crate::db::tags::count(import.conn)? - tags_before;
    let counted = import.summary.tags.created as i64;
    if made > counted {
        import.summary.tags.created = made as usize;
        import.summary.notes.push(format!(
            "{} of the tags created are the posts' other categories (an article has one rubrique)",
            made - counted
        ));
    }
    // The related lists stored before the import did not know its articles.
    if import.summary.articles.created + import.summary.articles.updated > 0 {
        crate::db::related::mark_all_stale(import.conn)?;
    }
    Ok(import.summary)
}

impl Site {
    fn learn(&mut self, node: Node) {
        let el = node.el;
        match el.name.as_str() {
            "wp:base_blog_url" => self.base = el.text.trim().trim_end_matches('/').to_owned(),
            "wp:base_site_url" => self.site_url = el.text.trim().trim_end_matches('/').to_owned(),
            "link" => self.link = el.text.trim().trim_end_matches('/').to_owned(),
            "language" => self.language = Some(el.text.trim().to_owned()),
            "wp:author" => {
                let login = el.text_of("wp:author_login").to_owned();
                let name = match decode_entities(el.text_of("wp:author_display_name")).trim() {
                    "" => login.clone(),
                    n => n.to_owned(),
                };
                if !login.is_empty() {
                    self.authors.push(WpAuthor {
                        login,
                        name,
                        bio: String::new(),
                    });
                }
            }
            "wp:category" => self.categories.push(WpTerm {
                id: el.text_of("wp:term_id").to_owned(),
                slug: el.text_of("wp:category_nicename").to_owned(),
                parent: el.text_of("wp:category_parent").to_owned(),
                name: decode_entities(el.text_of("wp:cat_name")),
                description: decode_entities(el.text_of("wp:category_description")),
            }),
            "wp:tag" => self.tags.push(WpTerm {
                id: el.text_of("wp:term_id").to_owned(),
                slug: el.text_of("wp:tag_slug").to_owned(),
                parent: String::new(),
                name: decode_entities(el.text_of("wp:tag_name")),
                description: decode_entities(el.text_of("wp:tag_description")),
            }),
            "item" if node.error.is_none() => match el.text_of("wp:post_type") {
                "attachment" => {
                    let Ok(id) = el.text_of("wp:post_id").parse() else {
                        return;
                    };
                    let url = el.text_of("wp:attachment_url").to_owned();
                    let caption = text::html_to_text(el.text_of("excerpt:encoded"));
                    let alt = meta(&el, "_wp_attachment_image_alt").map(decode_entities);
                    self.attachments.insert(
                        id,
                        Attachment {
                            url,
                            caption: Some(caption.trim().to_owned()).filter(|c| !c.is_empty()),
                            alt: alt.filter(|a| !a.trim().is_empty()),
                            parent: el.text_of("wp:post_parent").parse().unwrap_or(0),
                        },
                    );
                }
                // A Co-Authors Plus guest author: a byline with no account.
                "guest-author" => {
                    let login = meta(&el, "cap-user_login").unwrap_or("").to_owned();
                    let name = meta(&el, "cap-display_name")
                        .map(decode_entities)
                        .unwrap_or_else(|| decode_entities(el.text_of("title")));
                    if !login.is_empty() && !name.trim().is_empty() {
                        self.authors.push(WpAuthor {
                            login,
                            name: name.trim().to_owned(),
                            bio: meta(&el, "cap-description").unwrap_or("").to_owned(),
                        });
                    }
                }
                "post" => {
                    let local = wp_time(el.text_of("wp:post_date"));
                    let utc = wp_time(el.text_of("wp:post_date_gmt"));
                    if let (Some(l), Some(u)) = (local, utc) {
                        *self.offsets.entry((l - u).num_minutes()).or_default() += 1;
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
}

/// The post id in a WordPress URL's query (`https://example.org/?p=19`).
fn post_id_in(url: &str) -> Option<i64> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("p="))
        .and_then(|v| v.parse().ok())
}

/// A fingerprint of an item, its comments left out (they are not imported).
fn fingerprint(item: &El) -> String {
    use sha2::{Digest, Sha256};
    fn feed(h: &mut Sha256, el: &El) {
        if el.name == "wp:comment" {
            return;
        }
        h.update(el.name.as_bytes());
        for (k, v) in &el.attrs {
            h.update(k.as_bytes());
            h.update([0]);
            h.update(v.as_bytes());
        }
        h.update([1]);
        h.update(el.text.as_bytes());
        for c in &el.children {
            feed(h, c);
        }
        h.update([2]);
    }
    let mut h = Sha256::new();
    feed(&mut h, item);
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether HTML shows nothing: no text, and no image, video, audio or embedded frame.
fn html_is_empty(html: &str) -> bool {
    text::html_to_text(html).trim().is_empty()
        && !["<img", "<video", "<audio", "<iframe", "<source"]
            .iter()
            .any(|t| html.contains(t))
}

/// The value of a post meta.
fn meta<'a>(item: &'a El, key: &str) -> Option<&'a str> {
    item.all("wp:postmeta")
        .find(|m| m.text_of("wp:meta_key") == key)
        .map(|m| m.text_of("wp:meta_value"))
}

/// A WordPress local or GMT time (`2024-02-22 10:00:00`); the zero date is none.
fn wp_time(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S")
        .ok()
        .filter(|t| t.and_utc().timestamp() > 0)
}

/// A site's address without its scheme (`example.org/journal`): what keys its items.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.trim_end_matches('/')
}

/// The path of a site's address, without its trailing slash (`""` at a domain's root).
fn site_path(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or("");
    match rest.find('/') {
        Some(i) => rest[i..].trim_end_matches('/').to_owned(),
        None => String::new(),
    }
}

/// The host of a URL, lower case (`""` for a path).
fn host(url: &str) -> String {
    url.split_once("://")
        .map(|(_, r)| r.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// A WordPress slug (stored percent-encoded: `coop%c3%a9ration`) as a kiosque slug: kept when it
/// is one, folded (`cooperation`) otherwise.
fn local_slug(wp: &str, name: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(wp)
        .decode_utf8_lossy()
        .to_lowercase();
    if text::is_valid_slug(&decoded) {
        decoded
    } else {
        match text::slugify(&decoded) {
            s if !s.is_empty() => s,
            _ => text::slugify(name),
        }
    }
}

/// The line of a byte offset, counted forward from the last one asked (offsets come in order).
struct Lines {
    file: BufReader<File>,
    at: u64,
    line: u64,
}

impl Lines {
    fn open(path: &Path) -> std::io::Result<Lines> {
        Ok(Lines {
            file: BufReader::new(File::open(path)?),
            at: 0,
            line: 1,
        })
    }
    fn of(&mut self, offset: u64) -> u64 {
        if offset < self.at {
            return self.line;
        }
        let mut left = offset - self.at;
        let mut buf = [0u8; 1 << 14];
        while left > 0 {
            let want = (left as usize).min(buf.len());
            match self.file.read(&mut buf[..want]) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    self.line += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
                    self.at += n as u64;
                    left -= n as u64;
                }
            }
        }
        self.line
    }
}

enum Outcome {
    Created(i64),
    Updated(i64),
    Unchanged,
    Existing,
}

struct Importer<'a> {
    conn: &'a mut AnyConnection,
    source: String,
    /// The blog's folder, before the paths WordPress makes (`/journal`, or `""`).
    prefix: String,
    options: &'a Options,
    offset: TimeDelta,
    language: String,
    summary: Summary,
    /// WordPress category slug → rubrique id.
    rubriques: HashMap<String, i64>,
    /// WordPress tag slug → tag id.
    tags: HashMap<String, i64>,
    /// WordPress login → author id.
    authors: HashMap<String, i64>,
    lines: Lines,
}

/// The newsroom account the importer acts as (the demo content's too).
const NEWSROOM: Staff = Staff {
    user_id: 0,
    role: Role::Admin,
    author_id: None,
};

fn count(c: &mut Counts, o: &Outcome) {
    match o {
        Outcome::Created(_) => c.created += 1,
        Outcome::Updated(_) => c.updated += 1,
        Outcome::Unchanged => c.unchanged += 1,
        Outcome::Existing => c.existing += 1,
    }
}

fn reason(e: &ApiError) -> String {
    if e.errors.is_empty() {
        e.detail.clone()
    } else {
        e.errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl Importer<'_> {
    /// Writes the rubriques (parents first), the tags and the authors.
    fn terms(&mut self, site: &Site) -> anyhow::Result<()> {
        let mut pending: Vec<&WpTerm> = site.categories.iter().collect();
        let mut position = 0;
        while !pending.is_empty() {
            let before = pending.len();
            let mut rest = Vec::new();
            for cat in pending {
                let parent = match cat.parent.as_str() {
                    "" => None,
                    p => match self.rubriques.get(p) {
                        Some(id) => Some(*id),
                        None if site.categories.iter().any(|c| c.slug == p) => {
                            rest.push(cat);
                            continue;
                        }
                        None => {
                            self.summary.notes.push(format!(
                                "category `{}`: its parent `{p}` is not in the export; it is a top-level rubrique",
                                cat.slug
                            ));
                            None
                        }
                    },
                };
                position += 1;
                self.rubrique(site, cat, parent, position)?;
            }
            if rest.len() == before {
                // A cycle of parents: the rest become top-level rubriques.
                for cat in &rest {
                    position += 1;
                    self.rubrique(site, cat, None, position)?;
                }
                break;
            }
            pending = rest;
        }
        for tag in &site.tags {
            self.tag(tag)?;
        }
        for author in &site.authors {
            self.author(author)?;
        }
        Ok(())
    }

    /// One transaction over the connection; a failure is reported as `item`, not raised.
    fn write<T>(
        &mut self,
        f: impl FnOnce(&mut AnyConnection, &str) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let source = self.source.clone();
        write_tx(self.conn, |c| f(c, &source))
    }

    fn rubrique(
        &mut self,
        site: &Site,
        cat: &WpTerm,
        parent: Option<i64>,
        position: i32,
    ) -> anyhow::Result<()> {
        let name: String = match cat.name.trim() {
            "" => cat.slug.clone(),
            n => n.chars().take(120).collect(),
        };
        let slug = local_slug(&cat.slug, &name);
        let key = if cat.id.is_empty() {
            &cat.slug
        } else {
            &cat.id
        };
        // Its old URLs: /category/parent/child/ and /category/child/, and /?cat=ID.
        let mut chain = vec![cat.slug.clone()];
        let mut up = cat.parent.clone();
        while let Some(p) = site.categories.iter().find(|c| c.slug == up) {
            if chain.len() > 20 || chain.contains(&p.slug) {
                break;
            }
            chain.insert(0, p.slug.clone());
            up = p.parent.clone();
        }
        let base = self.options.category_base.clone();
        let pre = &self.prefix;
        let mut paths = vec![format!("{pre}/{base}/{}/", chain.join("/"))];
        paths.push(format!("{pre}/{base}/{}/", cat.slug));
        if !cat.id.is_empty() {
            paths.push(format!("{pre}/?cat={}", cat.id));
        }
        let description = cat.description.clone();
        let outcome = self.write(|c, source| {
            let outcome = match known(c, source, "category", key, |c, id| {
                Ok(crate::db::rubriques::find(c, &Key::Id(id))?.is_some())
            })? {
                Some(id) => (id, Outcome::Unchanged),
                None => match crate::db::rubriques::find(c, &Key::Slug(slug.clone()))? {
                    Some(r) => (r.id, Outcome::Existing),
                    None => {
                        let input = RubriqueInput {
                            name: Patch::Value(name.clone()),
                            slug: Patch::Value(slug.clone()),
                            description: Patch::Value(description),
                            parent: parent.map(KeyRef::Id).map_or(Patch::Absent, Patch::Value),
                            position: Patch::Value(position),
                        };
                        let id = named::create::<Rubriques>(c, input)?;
                        (id, Outcome::Created(id))
                    }
                },
            };
            imports::keep(c, source, "category", key, outcome.0, "")?;
            let n = keep_redirects(c, &strong(&paths), Target::Rubrique(outcome.0))?;
            Ok((outcome, n))
        });
        match outcome {
            Ok(((id, o), n)) => {
                count(&mut self.summary.rubriques, &o);
                self.summary.redirects += n;
                self.rubriques.insert(cat.slug.clone(), id);
            }
            Err(e) => self.summary.skipped.push(Skipped {
                line: 0,
                item: format!("category `{}`", cat.slug),
                reason: reason(&e),
            }),
        }
        Ok(())
    }

    fn tag(&mut self, tag: &WpTerm) -> anyhow::Result<()> {
        let name: String = match tag.name.trim() {
            "" => tag.slug.clone(),
            // A tag name is at most 60 characters: cut at a word.
            n if n.chars().count() > 60 => text::excerpt(n, 60),
            n => n.to_owned(),
        };
        let slug = local_slug(&tag.slug, &name);
        let key = if tag.id.is_empty() {
            &tag.slug
        } else {
            &tag.id
        };
        let pre = &self.prefix;
        let mut paths = vec![format!("{pre}/{}/{}/", self.options.tag_base, tag.slug)];
        paths.push(format!("{pre}/?tag={}", tag.slug));
        let outcome = self.write(|c, source| {
            let (id, o) = match known(c, source, "tag", key, |c, id| {
                Ok(crate::db::tags::find(c, &Key::Id(id))?.is_some())
            })? {
                Some(id) => (id, Outcome::Unchanged),
                // A tag kiosque has under this slug, or under this name, is that tag.
                None => match crate::db::tags::find(c, &Key::Slug(slug.clone()))?
                    .map_or_else(|| crate::db::tags::find_by_name(c, &name), |t| Ok(Some(t)))?
                {
                    Some(t) => (t.id, Outcome::Existing),
                    None => {
                        let input = TagInput {
                            name: Patch::Value(name.clone()),
                            slug: Patch::Value(slug.clone()),
                        };
                        let id = named::create::<Tags>(c, input)?;
                        (id, Outcome::Created(id))
                    }
                },
            };
            imports::keep(c, source, "tag", key, id, "")?;
            let n = keep_redirects(c, &strong(&paths), Target::Tag(id))?;
            Ok((o, n, id))
        });
        match outcome {
            Ok((o, n, id)) => {
                count(&mut self.summary.tags, &o);
                self.summary.redirects += n;
                self.tags.insert(tag.slug.clone(), id);
            }
            Err(e) => self.summary.skipped.push(Skipped {
                line: 0,
                item: format!("tag `{}`", tag.slug),
                reason: reason(&e),
            }),
        }
        Ok(())
    }

    fn author(&mut self, a: &WpAuthor) -> anyhow::Result<Option<i64>> {
        let login = a.login.to_lowercase();
        if let Some(id) = self.authors.get(&login) {
            return Ok(Some(*id));
        }
        let name: String = a.name.chars().take(120).collect();
        let slug = local_slug(&login, &name);
        // WordPress's author URL uses the login made URL-safe, as WordPress makes it.
        let nicename = login.replace([' ', '.', '@'], "-");
        let pre = &self.prefix;
        let mut paths = vec![format!("{pre}/author/{nicename}/")];
        if slug != nicename {
            paths.push(format!("{pre}/author/{slug}/"));
        }
        paths.push(format!("{pre}/?author_name={nicename}"));
        let bio = a.bio.clone();
        let outcome = self.write(|c, source| {
            let (id, o) = match known(c, source, "author", &login, |c, id| {
                Ok(crate::db::authors::find(c, &Key::Id(id))?.is_some())
            })? {
                Some(id) => (id, Outcome::Unchanged),
                None => match crate::db::authors::find(c, &Key::Slug(slug.clone()))? {
                    Some(r) => (r.id, Outcome::Existing),
                    None => {
                        let input = AuthorInput {
                            name: Patch::Value(name.clone()),
                            slug: Patch::Value(slug.clone()),
                            bio: Patch::Value(bio),
                            ..AuthorInput::default()
                        };
                        let id = crate::content::authors::create(c, input)?;
                        (id, Outcome::Created(id))
                    }
                },
            };
            imports::keep(c, source, "author", &login, id, "")?;
            let n = keep_redirects(c, &strong(&paths), Target::Author(id))?;
            Ok((id, o, n))
        });
        match outcome {
            Ok((id, o, n)) => {
                count(&mut self.summary.authors, &o);
                self.summary.redirects += n;
                self.authors.insert(login, id);
                Ok(Some(id))
            }
            Err(e) => {
                self.summary.skipped.push(Skipped {
                    line: 0,
                    item: format!("author `{}`", a.login),
                    reason: reason(&e),
                });
                Ok(None)
            }
        }
    }

    /// A post's byline: its Co-Authors Plus authors in order, else its `dc:creator`. A login the
    /// export does not describe becomes an author named after it.
    fn byline(&mut self, item: &El) -> anyhow::Result<Vec<i64>> {
        let mut logins: Vec<(String, String)> = item
            .all("category")
            .filter(|c| c.attr("domain") == Some("author"))
            .map(|c| {
                let nice = c.attr("nicename").unwrap_or("");
                let login = nice.strip_prefix("cap-").unwrap_or(nice).to_owned();
                (login, decode_entities(c.text.trim()))
            })
            .filter(|(l, _)| !l.is_empty())
            .collect();
        if logins.is_empty() {
            // A login is letters, digits and ` _.@-`; anything else round it is debris.
            let creator: String = item
                .text_of("dc:creator")
                .chars()
                .filter(|c| c.is_alphanumeric() || " _.@-".contains(*c))
                .collect();
            let creator = creator.trim();
            if !creator.is_empty() {
                logins.push((creator.to_owned(), creator.to_owned()));
            }
        }
        let mut ids = Vec::new();
        for (login, name) in logins {
            let author = WpAuthor {
                login: login.clone(),
                name: if name.is_empty() { login } else { name },
                bio: String::new(),
            };
            if let Some(id) = self.author(&author)? {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        Ok(ids)
    }

    /// The rubrique of a post (its primary category as Yoast or Rank Math mark it, else the
    /// deepest of its categories, the first listed among equals), and the names of its other
    /// categories, which become tags so that nothing is lost.
    fn rubrique_of(&mut self, item: &El, site: &Site) -> anyhow::Result<(i64, Vec<String>)> {
        let cats: Vec<(&str, String)> = item
            .all("category")
            .filter(|c| c.attr("domain") == Some("category"))
            .filter_map(|c| Some((c.attr("nicename")?, decode_entities(c.text.trim()))))
            .collect();
        let depth = |slug: &str| {
            let mut d = 0;
            let mut up = slug.to_owned();
            while let Some(p) = site.categories.iter().find(|c| c.slug == up) {
                if d > 20 || p.parent.is_empty() {
                    break;
                }
                d += 1;
                up = p.parent.clone();
            }
            d
        };
        let primary = [
            "_yoast_wpseo_primary_category",
            "rank_math_primary_category",
        ]
        .iter()
        .filter_map(|k| meta(item, k))
        .find_map(|id| site.categories.iter().find(|c| c.id == id.trim()))
        .map(|c| c.slug.as_str())
        .filter(|s| cats.iter().any(|(c, _)| c == s));
        let chosen = primary.or_else(|| {
            cats.iter()
                .enumerate()
                .max_by_key(|(i, (slug, _))| (depth(slug), -(*i as i64)))
                .map(|(_, (slug, _))| *slug)
        });
        let others = cats
            .iter()
            .filter(|(slug, _)| Some(*slug) != chosen)
            .map(|(_, name)| name.clone())
            .filter(|n| !n.is_empty())
            .collect();
        // No category: WordPress's default one, as the export names it.
        let default = ["uncategorized", "non-classe"]
            .into_iter()
            .find(|d| site.categories.iter().any(|c| c.slug == *d))
            .unwrap_or("non-classe");
        let slug = chosen.unwrap_or(default).to_owned();
        if let Some(id) = self.rubriques.get(&slug) {
            return Ok((*id, others));
        }
        // A category the export does not describe (or none at all): made on the way.
        let name = cats
            .iter()
            .find(|(s, _)| *s == slug)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "Non classé".into());
        let term = WpTerm {
            id: String::new(),
            slug: slug.clone(),
            parent: String::new(),
            name,
            description: String::new(),
        };
        self.rubrique(site, &term, None, 1000)?;
        self.rubriques
            .get(&slug)
            .copied()
            .map(|id| (id, others))
            .ok_or_else(|| anyhow::anyhow!("the rubrique `{slug}` could not be made"))
    }

    /// One item of the second pass: a post is imported, anything else counted.
    fn item(&mut self, node: Node, site: &Site) -> anyhow::Result<()> {
        if node.el.name != "item" {
            return Ok(());
        }
        let el = &node.el;
        let post_type = el.text_of("wp:post_type");
        // A post's id; an export that leaves it out still has it in the guid or link (`?p=19`).
        let wp_id = match el.text_of("wp:post_id") {
            id if id.parse::<i64>().is_ok() => id.to_owned(),
            _ => [el.text_of("guid"), el.text_of("link")]
                .iter()
                .find_map(|u| post_id_in(u))
                .map(|id| id.to_string())
                .unwrap_or_default(),
        };
        // Titles are HTML in WordPress (`Title <em>with</em> markup`, `L&rsquo;armée`): their text.
        let title = text::html_to_text(el.text_of("title")).trim().to_owned();
        let label = format!(
            "post {wp_id} « {} »",
            title.chars().take(60).collect::<String>()
        );
        let skip = |me: &mut Self, reason: String| {
            let line = me.lines.of(node.offset);
            me.summary.skipped.push(Skipped {
                line,
                item: label.clone(),
                reason,
            });
        };
        if let Some(e) = &node.error {
            skip(self, e.clone());
            return Ok(());
        }
        if post_type != "post" {
            let kind = if post_type.is_empty() {
                "unknown"
            } else {
                post_type
            };
            *self.summary.ignored.entry(kind.to_owned()).or_default() += 1;
            return Ok(());
        }
        if wp_id.parse::<i64>().is_err() {
            skip(self, "no wp:post_id, and no ?p= in its guid or link".into());
            return Ok(());
        }
        let wp_status = el.text_of("wp:status");
        let password = !el.text_of("wp:post_password").is_empty();
        let status = match wp_status {
            "publish" if password => Status::Draft,
            "publish" => Status::Published,
            "future" => Status::Scheduled,
            "pending" => Status::Pending,
            "draft" | "private" => Status::Draft,
            other => {
                skip(self, format!("its status is `{other}` (trash, auto-draft and revisions are not imported)"));
                return Ok(());
            }
        };
        if password {
            self.summary.notes.push(format!(
                "{label}: password-protected in WordPress, imported as a draft"
            ));
        } else if wp_status == "private" {
            self.summary.notes.push(format!(
                "{label}: private in WordPress, imported as a draft"
            ));
        }
        let published = wp_time(el.text_of("wp:post_date_gmt"))
            .or_else(|| wp_time(el.text_of("wp:post_date")).map(|local| local - self.offset));
        let modified = wp_time(el.text_of("wp:post_modified_gmt"))
            .or_else(|| wp_time(el.text_of("wp:post_modified")).map(|l| l - self.offset))
            .or(published);
        // What the post was at this import: its whole item but its comments. Many exports give no
        // post_modified, and an edit need not move it; a changed item is updated at the next import.
        let stamp = fingerprint(el);

        // What the post says, as an article.
        let settings = meta(el, "td_post_theme_settings")
            .map(php::string_pairs)
            .unwrap_or_default();
        let setting = |keys: &[&str]| -> Option<String> {
            keys.iter()
                .find_map(|k| {
                    settings
                        .iter()
                        .find(|(sk, _)| sk == k)
                        .map(|(_, v)| v.as_str())
                        .or_else(|| meta(el, k))
                })
                .map(|v| decode_entities(v).trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let source = setting(&["td_source", "source", "kiosque_source", "_source"])
            .map(|s| s.chars().take(100).collect());
        let location = setting(&["dateline", "location", "lieu", "kiosque_location"])
            .map(|s| s.chars().take(100).collect());
        let lede =
            setting(&["td_subtitle", "subtitle", "chapo"]).map(|s| s.chars().take(1000).collect());
        let image = meta(el, "_thumbnail_id")
            .and_then(|id| site.attachments.get(&id.trim().parse().ok()?))
            .filter(|a| a.url.starts_with("http"))
            .map(|a| FeaturedImage {
                url: a.url.clone(),
                alt: a.alt.clone(),
                caption: a.caption.clone(),
                credit: None,
            });
        let mut html = body::to_html(
            el.text_of("content:encoded"),
            &site.attachments,
            &site.base,
            wp_id.parse().unwrap_or(0),
        );
        let full_excerpt = text::html_to_text(el.text_of("excerpt:encoded"));
        let excerpt = match full_excerpt.trim() {
            "" => None,
            e if e.chars().count() <= 160 => Some(e.to_owned()),
            e => Some(text::excerpt(e, 160)),
        };
        // A hand-written excerpt longer than an excerpt may be is the standfirst, whole (unless
        // the theme has one), so none of it is lost.
        let lede = lede.or_else(|| {
            let e = full_excerpt.trim();
            (e.chars().count() > 160).then(|| e.chars().take(1000).collect())
        });
        // A post with no title (WordPress allows it) takes the first words of its text.
        let title = match title.as_str() {
            "" => {
                let words = text::html_to_text(&html);
                let from = match words.trim() {
                    "" => excerpt.clone().unwrap_or_default(),
                    w => w.to_owned(),
                };
                let made = match from.trim() {
                    "" => "Sans titre".to_owned(),
                    f => text::excerpt(f, 80),
                };
                self.summary.notes.push(format!(
                    "post {wp_id}: no title in WordPress; titled « {made} » from its text"
                ));
                made
            }
            t if t.chars().count() > 300 => text::excerpt(t, 300),
            t => t.to_owned(),
        };
        if html.trim().is_empty() || html_is_empty(&html) {
            // A photo or a brief with no text: its excerpt, its image, or its title is its body.
            html = match (&excerpt, &image) {
                (Some(e), _) => format!("<p>{}</p>", body::escape(e)),
                (None, Some(img)) => {
                    format!("<p><img src=\"{}\" alt=\"\"></p>", body::escape(&img.url))
                }
                (None, None) => {
                    self.summary.notes.push(format!(
                        "post {wp_id}: no content in WordPress; its title is its text"
                    ));
                    format!("<p>{}</p>", body::escape(&title))
                }
            };
        }
        let authors = self.byline(el)?;
        let (rubrique, other_categories) = match self.rubrique_of(el, site) {
            Ok(r) => r,
            Err(e) => {
                skip(self, e.to_string());
                return Ok(());
            }
        };
        // Its tags by id (those the export describes), or by name (those it does not, and the
        // other categories): linked after the article is written, so that a tag name longer
        // than the API's 60 characters does not make the post fail.
        let mut tag_ids: Vec<i64> = Vec::new();
        let mut tag_names: Vec<String> = Vec::new();
        for c in el
            .all("category")
            .filter(|c| c.attr("domain") == Some("post_tag"))
        {
            let name = decode_entities(c.text.trim());
            let nice = c.attr("nicename").unwrap_or("").to_owned();
            if !nice.is_empty() && !self.tags.contains_key(&nice) {
                // A tag the export's list leaves out: made as the listed ones are, its slug kept.
                self.tag(&WpTerm {
                    id: String::new(),
                    slug: nice.clone(),
                    parent: String::new(),
                    name: name.clone(),
                    description: String::new(),
                })?;
            }
            match self.tags.get(&nice) {
                Some(id) => tag_ids.push(*id),
                None => tag_names.push(name),
            }
        }
        tag_names.extend(other_categories);
        tag_names.retain(|t| !text::slugify(t).is_empty());
        let tag_names: Vec<String> = tag_names
            .into_iter()
            .map(|t| {
                if t.chars().count() > 60 {
                    text::excerpt(&t, 60)
                } else {
                    t
                }
            })
            .collect();
        let wp_slug = el.text_of("wp:post_name").to_owned();
        let has_image = image.is_some();
        let language = self.language.clone();
        let input = || ArticleInput {
            title: Patch::Value(title.clone()),
            excerpt: excerpt.clone().map_or(Patch::Null, Patch::Value),
            body: Patch::Value(html.clone()),
            body_format: Patch::Value(BodyFormat::Html),
            status: Patch::Value(status),
            published_at: published.map_or(Patch::Null, |p| Patch::Value(p.and_utc())),
            rubrique: Patch::Value(KeyRef::Id(rubrique)),
            authors: Patch::Value(authors.iter().map(|a| KeyRef::Id(*a)).collect()),
            featured_image: image.clone().map_or(Patch::Null, Patch::Value),
            source: source.clone().map_or(Patch::Null, Patch::Value),
            location: location.clone().map_or(Patch::Null, Patch::Value),
            lede: lede.clone().map_or(Patch::Null, Patch::Value),
            language: Patch::Value(language.clone()),
            ..ArticleInput::default()
        };
        // Its old URLs: the permalink, and /?p=ID (which the guid usually is).
        // Its old URLs: /?p=ID, its permalink, and its guid, weakly (a guid is the URL a post had
        // when it was first saved, which a copied post keeps: it must not take another's path).
        // Links to another host are not this site's URLs.
        let site_host = host(&site.base);
        let ours = |u: &str| {
            let h = host(u);
            h.is_empty() || h == site_host
        };
        let mut paths = vec![(format!("{}/?p={wp_id}", self.prefix), true)];
        let link = el.text_of("link");
        if !link.is_empty() && ours(link) {
            paths.push((link.to_owned(), true));
        }
        let guid = el.text_of("guid");
        if !guid.is_empty()
            && ours(guid)
            && post_id_in(guid).is_none_or(|id| id.to_string() == wp_id)
        {
            paths.push((guid.to_owned(), false));
        }
        // Created when first dated, but never after its last change or in the future (a
        // scheduled post's date is its publication's).
        let created = [published, modified, Some(db::now())]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or_else(db::now);
        let outcome = self.write(|c, source| {
            let outcome = match imports::find(c, source, "post", &wp_id)? {
                Some((id, old)) if crate::db::articles::find(c, &Key::Id(id))?.is_some() => {
                    if old == stamp {
                        return Ok((Outcome::Unchanged, 0));
                    }
                    crate::content::articles::update(c, &NEWSROOM, &Key::Id(id), input(), |_| {
                        Ok(())
                    })?;
                    Outcome::Updated(id)
                }
                Some(_) => {
                    return Err(ApiError::conflict(
                        "deleted in kiosque since an earlier import; not made again",
                    ))
                }
                None => {
                    let mut first = input();
                    let wanted = local_slug(&wp_slug, &title);
                    if !wp_slug.is_empty() && !wanted.is_empty() {
                        let slug = crate::content::input::unique_slug(&wanted, "article", |s| {
                            crate::db::articles::slug_taken(c, s, None)
                        })?;
                        first.slug = Patch::Value(slug);
                    }
                    Outcome::Created(crate::content::articles::create(c, &NEWSROOM, first)?)
                }
            };
            let id = match outcome {
                Outcome::Created(id) | Outcome::Updated(id) => id,
                _ => unreachable!("only written outcomes reach here"),
            };
            let mut ids = tag_ids.clone();
            ids.extend(crate::db::tags::resolve_or_create(
                c,
                &tag_names,
                db::now(),
            )?);
            let mut seen = std::collections::HashSet::new();
            ids.retain(|t| seen.insert(*t));
            ids.truncate(50);
            crate::db::links::set_tags(c, id, &ids)?;
            crate::db::search::reindex_ids(c, &[id])?;
            crate::db::articles::set_times(c, id, created, modified.unwrap_or(created))?;
            imports::keep(c, source, "post", &wp_id, id, &stamp)?;
            let n = keep_redirects(c, &paths, Target::Article(id))?;
            Ok((outcome, n))
        });
        match outcome {
            Ok((o, n)) => {
                count(&mut self.summary.articles, &o);
                self.summary.redirects += n;
                if has_image && !matches!(o, Outcome::Unchanged) {
                    self.summary.images += 1;
                }
            }
            Err(e) => skip(self, reason(&e)),
        }
        Ok(())
    }
}

/// The local id an item of `source` was imported as, if it is still there.
fn known(
    c: &mut AnyConnection,
    source: &str,
    kind: &str,
    key: &str,
    exists: impl FnOnce(&mut AnyConnection, i64) -> diesel::QueryResult<bool>,
) -> Result<Option<i64>, ApiError> {
    match imports::find(c, source, kind, key)? {
        Some((id, _)) if exists(c, id)? => Ok(Some(id)),
        _ => Ok(None),
    }
}

fn strong(paths: &[String]) -> Vec<(String, bool)> {
    paths.iter().map(|p| (p.clone(), true)).collect()
}

/// Records the old URLs of `target` (a weak one does not take a path another item has); returns
/// how many were added or moved.
fn keep_redirects(
    c: &mut AnyConnection,
    urls: &[(String, bool)],
    target: Target,
) -> Result<usize, ApiError> {
    let now = db::now();
    let mut paths: Vec<(String, bool)> = urls
        .iter()
        .filter_map(|(u, strong)| Some((old_url::normalise(u)?, *strong)))
        .collect();
    // Strong first, so that a weak duplicate of a strong path is dropped.
    paths.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    paths.dedup_by(|a, b| a.0 == b.0);
    let mut n = 0;
    for (p, strong) in &paths {
        if redirects::keep(c, p, target, *strong, now)? {
            n += 1;
        }
    }
    Ok(n)
}
