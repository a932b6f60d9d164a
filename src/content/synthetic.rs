//! Synthetic French articles for benchmarks (`kiosque seed --synthetic N`, `kiosque bench`): a
//! newsroom's shape (briefs to long features, a rubrique tree, 60 authors, about 3,000 tags picked
//! with a long tail, ten years of dates, some drafts and scheduled articles), with text recombined
//! from the demo content and an optional corpus. Every article goes through [`articles::prepare`],
//! the checks and derived fields of the API's own create, then through the bulk writer
//! ([`crate::db::bulk`]): batches of 2,000 in one transaction each, made on a second thread while
//! the first writes.
//!
//! The same database and the same count always give the same articles (a fixed-seed generator).

use std::collections::{HashMap, HashSet};
use std::sync::mpsc;
use std::time::Instant;

use chrono::{Duration as Span, SubsecRound, Utc};
use diesel::prelude::*;
use serde::Deserialize;

use super::articles::{self, ArticleInput, FeaturedImage};
use super::input::Patch;
use crate::db::bulk::{self, NewArticle};
use crate::db::schema::articles as a;
use crate::db::search::Entry;
use crate::db::{authors, rubriques, tags, write_tx, AnyConnection, Db};
use crate::domain::{text, Key, Status};
use crate::error::ApiError;

/// The `source` every synthetic article carries: how a later load tells them from real content.
pub const MARK: &str = "synthétique";

/// The archive's span: its articles are dated over these ten years, in the order of their ids
/// ([`article`]; [`share_of_archive`] is the inverse).
const ARCHIVE_DAYS: i64 = 3650;

/// Articles per batch (one transaction, one set of statistics written).
const BATCH: usize = 2000;

#[derive(Deserialize)]
struct Source {
    articles: Vec<SourceArticle>,
}

#[derive(Deserialize)]
struct SourceArticle {
    title: String,
    #[serde(default)]
    lede: Option<String>,
    body: String,
    #[serde(default)]
    tags: Vec<String>,
}

/// What a load did.
pub struct Filled {
    /// Articles in the database at the end.
    pub total: usize,
    /// Articles this load added.
    pub added: usize,
    pub seconds: f64,
}

/// A small deterministic generator (xorshift), so every run builds the same articles and asks the
/// same questions. The seed must not be 0.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// An index in 0..n with a long tail: P(k) about proportional to 1/(k+1), so the first items are
    /// used thousands of times and most only a few.
    pub fn zipf(&mut self, n: usize) -> usize {
        let u = self.unit();
        (((n as f64 + 1.0).powf(u) - 1.0) as usize).min(n.saturating_sub(1))
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

fn sentences(text: &str) -> Vec<String> {
    text.split_inclusive(['.', '!', '?'])
        .map(|s| s.trim().trim_start_matches('#').trim())
        .filter(|s| s.split_whitespace().count() >= 5 && !s.contains('\n'))
        .map(str::to_owned)
        .collect()
}

/// The text the articles are made of.
struct Material {
    sentences: Vec<String>,
    heads: Vec<String>,
    tails: Vec<String>,
    titles: Vec<String>,
    ledes: Vec<String>,
}

impl Material {
    fn new(sources: &[SourceArticle]) -> Material {
        let mut heads = Vec::new();
        let mut tails = Vec::new();
        for s in sources {
            if let Some((h, t)) = s.title.split_once(" : ") {
                heads.push(h.trim().to_owned());
                tails.push(t.trim().to_owned());
            }
        }
        Material {
            sentences: sources.iter().flat_map(|a| sentences(&a.body)).collect(),
            heads,
            tails,
            titles: sources.iter().map(|a| a.title.clone()).collect(),
            ledes: sources.iter().filter_map(|a| a.lede.clone()).collect(),
        }
    }

    fn title(&self, rng: &mut Rng) -> String {
        if !self.heads.is_empty() && rng.chance(60) {
            format!("{} : {}", rng.pick(&self.heads), rng.pick(&self.tails))
        } else {
            rng.pick(&self.titles).clone()
        }
    }

    /// A Markdown body: a brief (a quarter), a standard story (half), a long one, or a feature
    /// with sub-headings (one in twenty).
    fn body(&self, rng: &mut Rng) -> String {
        let n = match rng.below(100) {
            0..=24 => 1 + rng.below(3),
            25..=74 => 5 + rng.below(8),
            75..=94 => 15 + rng.below(16),
            _ => 40 + rng.below(41),
        };
        let mut out = String::new();
        let mut in_paragraph = 0;
        for i in 0..n {
            if i > 0 && i % 18 == 0 {
                out.push_str("\n\n## ");
                out.push_str(rng.pick(&self.titles).as_str());
                in_paragraph = 0;
            }
            if in_paragraph == 0 && !out.is_empty() {
                out.push_str("\n\n");
            } else if in_paragraph > 0 {
                out.push(' ');
            }
            out.push_str(rng.pick(&self.sentences).as_str());
            in_paragraph = (in_paragraph + 1) % (2 + rng.below(3));
        }
        out
    }
}

const KICKERS: &[&str] = &[
    "Reportage",
    "Analyse",
    "Entretien",
    "Brève",
    "Portrait",
    "Éditorial",
    "Tribune",
    "Exclusif",
];
const PLACES: &[&str] = &[
    "Ouagadougou",
    "Bobo-Dioulasso",
    "Koudougou",
    "Ouahigouya",
    "Kaya",
    "Fada N’Gourma",
    "Dori",
    "Banfora",
    "Tenkodogo",
    "Dédougou",
    "Gaoua",
    "Ziniaré",
];
const FIRST: &[&str] = &[
    "Aminata",
    "Boukary",
    "Salif",
    "Fatimata",
    "Issouf",
    "Mariam",
    "Adama",
    "Rasmané",
    "Awa",
    "Ousmane",
    "Hamidou",
    "Safiatou",
    "Jean-Baptiste",
    "Claire",
    "Moussa",
    "Rokia",
    "Idrissa",
    "Pauline",
    "Seydou",
    "Habibou",
];
const LAST: &[&str] = &[
    "Ouédraogo",
    "Sawadogo",
    "Kaboré",
    "Traoré",
    "Zongo",
    "Compaoré",
    "Ouattara",
    "Kinda",
    "Sanou",
    "Diallo",
    "Barry",
    "Somé",
    "Kiemdé",
    "Nikiéma",
    "Yaméogo",
];
/// Sub-rubriques under the demo's top-level ones, and a regions branch.
const SECTIONS: &[(&str, &str)] = &[
    ("politique", "Assemblée"),
    ("politique", "Gouvernement"),
    ("securite", "Défense"),
    ("economie", "Finances publiques"),
    ("economie", "Mines"),
    ("economie", "Numérique"),
    ("societe", "Éducation"),
    ("societe", "Justice"),
    ("culture", "Musique"),
    ("culture", "Livres"),
    ("sport", "Football"),
    ("sport", "Cyclisme"),
    ("international", "Afrique de l’Ouest"),
    ("", "Régions"),
    ("regions", "Centre-Nord"),
    ("regions", "Hauts-Bassins"),
    ("regions", "Sahel"),
    ("regions", "Boucle du Mouhoun"),
];

/// How many tags a load makes (or finds) for its articles to use.
const TAGS: usize = 3000;

/// The newsroom the articles are filed in: rubriques, authors and tags, made when missing.
struct Newsroom {
    rubriques: Vec<i64>,
    authors: Vec<i64>,
    tags: Vec<(i64, String)>,
}

fn newsroom(conn: &mut AnyConnection, words: &[String]) -> Result<Newsroom, ApiError> {
    let now = crate::db::now();
    if rubriques::all(conn)?.is_empty() {
        super::seed::load_demo(conn)?;
    }
    for (i, (parent, name)) in SECTIONS.iter().enumerate() {
        let slug = text::slugify(name);
        if rubriques::find(conn, &Key::Slug(slug.clone()))?.is_some() {
            continue;
        }
        let parent_id = match *parent {
            "" => None,
            p => match rubriques::find(conn, &Key::Slug(p.to_owned()))? {
                Some(p) => Some(p.id),
                None => continue,
            },
        };
        let w = rubriques::RubriqueWrite {
            slug,
            name: (*name).to_owned(),
            description: format!("{name} : l’actualité de la rubrique."),
            parent_id,
            position: 100 + i as i32,
        };
        rubriques::insert(conn, &w, now)?;
    }
    let mut have: HashSet<String> = authors::all(conn)?.into_iter().map(|a| a.slug).collect();
    'people: for last in LAST {
        for first in FIRST {
            if have.len() >= 60 {
                break 'people;
            }
            let name = format!("{first} {last}");
            let slug = text::slugify(&name);
            if have.insert(slug.clone()) {
                let w = authors::AuthorWrite {
                    bio: format!("{name} est journaliste à la rédaction."),
                    slug,
                    name,
                    avatar_url: None,
                    links: "[]".to_owned(),
                };
                authors::insert(conn, &w, now)?;
            }
        }
    }
    let ids = tags::resolve_or_create(conn, words, now)?;
    let names: HashMap<i64, String> = tags::all(conn)?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(Newsroom {
        rubriques: rubriques::all(conn)?.into_iter().map(|r| r.id).collect(),
        authors: authors::all(conn)?.into_iter().map(|a| a.id).collect(),
        tags: ids
            .into_iter()
            .filter_map(|id| names.get(&id).map(|n| (id, n.clone())))
            .collect(),
    })
}

/// Tag names from the material, most frequent first: its own tags, then its longer words and word
/// pairs (about [`TAGS`] in all).
fn tag_words(sources: &[SourceArticle]) -> Vec<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for s in sources {
        for t in &s.tags {
            *counts.entry(t.to_lowercase()).or_default() += 1000;
        }
        let words: Vec<String> = s
            .body
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .filter(|w| w.chars().count() >= 7)
            .map(str::to_lowercase)
            .collect();
        for w in &words {
            *counts.entry(w.clone()).or_default() += 2;
        }
        for p in words.windows(2) {
            *counts.entry(format!("{} {}", p[0], p[1])).or_default() += 1;
        }
    }
    let mut words: Vec<(String, usize)> = counts.into_iter().collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut seen = HashSet::new();
    words
        .into_iter()
        .filter(|(w, _)| seen.insert(text::slugify(w)))
        .take(TAGS)
        .map(|(w, _)| w)
        .collect()
}

/// One article's input, its rubrique, its byline and its tags (id, name).
type Made = (ArticleInput, i64, Vec<i64>, Vec<(i64, String)>);

/// Makes one article.
fn article(
    m: &Material,
    room: &Newsroom,
    rng: &mut Rng,
    n: usize,
    target: usize,
    now: chrono::DateTime<Utc>,
) -> Made {
    let title = m.title(rng);
    let span = Span::days(ARCHIVE_DAYS);
    let status = match rng.below(100) {
        0..=3 => Status::Draft,
        4 => Status::Scheduled,
        _ => Status::Published,
    };
    let published_at = match status {
        Status::Draft => None,
        Status::Scheduled => Some(now + Span::hours(1 + rng.below(24 * 30) as i64)),
        _ => {
            // Ten years, in the order of the ids, a few hours apart on either side.
            let at = now - span
                + Span::seconds(
                    (span.num_seconds() as f64 * n as f64 / target.max(1) as f64) as i64,
                );
            Some((at + Span::minutes(rng.below(600) as i64 - 300)).min(now - Span::minutes(1)))
        }
    };
    let mut byline = vec![room.authors[rng.zipf(room.authors.len())]];
    for _ in 0..match rng.below(100) {
        0..=84 => 0,
        85..=96 => 1,
        _ => 2,
    } {
        let other = room.authors[rng.below(room.authors.len())];
        if !byline.contains(&other) {
            byline.push(other);
        }
    }
    let wanted = [0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6][rng.below(13)];
    let mut tagged: Vec<(i64, String)> = Vec::new();
    for _ in 0..wanted {
        let t = &room.tags[rng.zipf(room.tags.len())];
        if !tagged.iter().any(|(id, _)| *id == t.0) {
            tagged.push(t.clone());
        }
    }
    let rubrique = room.rubriques[rng.below(room.rubriques.len())];
    let year = published_at.map_or(now, |p| p).format("%Y");
    let input = ArticleInput {
        title: Patch::Value(title),
        kicker: if rng.chance(30) {
            Patch::Value((*rng.pick(KICKERS)).to_owned())
        } else {
            Patch::Absent
        },
        lede: if rng.chance(80) && !m.ledes.is_empty() {
            Patch::Value(rng.pick(&m.ledes).clone())
        } else {
            Patch::Absent
        },
        body: Patch::Value(m.body(rng)),
        status: Patch::Value(status),
        published_at: published_at.map_or(Patch::Absent, Patch::Value),
        featured_image: if rng.chance(70) {
            Patch::Value(FeaturedImage {
                url: format!("https://images.example.org/{year}/synthetique-{n}.jpg"),
                alt: Some("Photo d’illustration".to_owned()),
                caption: rng.chance(50).then(|| "Photo d’illustration".to_owned()),
                credit: rng.chance(50).then(|| "AIB".to_owned()),
            })
        } else {
            Patch::Absent
        },
        source: Patch::Value(MARK.to_owned()),
        location: if rng.chance(50) {
            Patch::Value((*rng.pick(PLACES)).to_owned())
        } else {
            Patch::Absent
        },
        ..ArticleInput::default()
    };
    (input, rubrique, byline, tagged)
}

/// Articles that neither the demo seed nor a synthetic load wrote: real content, which a load
/// leaves alone unless told.
pub fn real_articles(conn: &mut AnyConnection) -> Result<i64, ApiError> {
    let demo = super::seed::demo_titles();
    Ok(a::table
        .filter(a::source.is_null().or(a::source.ne(MARK)))
        .filter(a::title.ne_all(demo))
        .count()
        .get_result(conn)?)
}

/// Adds synthetic articles until the database holds `target` articles. `extra` is more source text
/// (a corpus file's JSON, in the demo's shape). Refuses a database holding real content unless
/// `force`. `progress` hears (articles now, target, articles per second) after each batch.
pub fn fill(
    db: &Db,
    target: usize,
    extra: Option<&str>,
    force: bool,
    progress: impl FnMut(usize, usize, f64),
) -> anyhow::Result<Filled> {
    let part = Part {
        upto: target,
        target,
        analyze: true,
        now: Utc::now(),
    };
    fill_part(db, &part, extra, force, progress)
}

/// One part of a load written in several ([`fill_part`]).
pub struct Part {
    /// Articles the database holds at the end of this part.
    pub upto: usize,
    /// Articles of the whole archive, whose dates this part's articles take.
    pub target: usize,
    /// Analyse the statistics at the end (the last part).
    pub analyze: bool,
    /// The archive's end: its newest articles are dated just before (the same for every part, so
    /// a load in parts is the same at every run of the same day's clock).
    pub now: chrono::DateTime<Utc>,
}

/// The article that would be the `n`th of an archive of `target` synthetic articles is dated this
/// far into its ten years (0 the oldest, 1 now): where an article of a given date belongs among them.
pub fn share_of_archive(published_at: chrono::DateTime<Utc>, now: chrono::DateTime<Utc>) -> f64 {
    let span = Span::days(ARCHIVE_DAYS).num_seconds() as f64;
    (1.0 - (now - published_at).num_seconds() as f64 / span).clamp(0.0, 1.0)
}

/// [`fill`] up to `part.upto` articles of an archive that will hold `part.target` (the dates are
/// those of the whole archive, so the ids stay in date order when other articles are written
/// between two parts).
pub fn fill_part(
    db: &Db,
    part: &Part,
    extra: Option<&str>,
    force: bool,
    mut progress: impl FnMut(usize, usize, f64),
) -> anyhow::Result<Filled> {
    let &Part {
        upto,
        target,
        analyze,
        now,
    } = part;
    let mut sources: Vec<SourceArticle> =
        serde_json::from_str::<Source>(super::seed::DEMO)?.articles;
    if let Some(text) = extra {
        sources.extend(serde_json::from_str::<Source>(text)?.articles);
    }
    let material = Material::new(&sources);
    let mut conn = db.get()?;
    let held: i64 = a::table.count().get_result(&mut conn)?;
    if held as usize >= upto {
        // Nothing to add: no scan for real content (a full read of the table at 1M articles).
        return Ok(Filled {
            total: held as usize,
            added: 0,
            seconds: 0.0,
        });
    }
    let real = real_articles(&mut conn).map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    if real > 0 && !force {
        anyhow::bail!(
            "this database holds {real} articles that neither the demo seed nor a synthetic load wrote: \
             it looks like real content. Pass --force to add synthetic articles to it anyway"
        );
    }
    let words = tag_words(&sources);
    let room = write_tx(&mut conn, |c| newsroom(c, &words))
        .map_err(|e: ApiError| anyhow::anyhow!("preparing the newsroom: {}", e.detail))?;
    // Counted again: the newsroom may have brought the demo articles into an empty database.
    let have: i64 = a::table.count().get_result(&mut conn)?;
    let have = have as usize;
    let started = Instant::now();
    if have >= upto {
        return Ok(Filled {
            total: have,
            added: 0,
            seconds: 0.0,
        });
    }
    let (tx, rx) = mpsc::sync_channel::<anyhow::Result<Vec<NewArticle>>>(2);
    let made = std::thread::scope(|scope| -> anyhow::Result<usize> {
        let room = &room;
        let material = &material;
        scope.spawn(move || {
            let mut rng =
                Rng(0x9E37_79B9_7F4A_7C15 ^ (have as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
            // Whole seconds, as an editor gives them (and as the cursors carry them).
            let now = now.trunc_subsecs(0);
            let mut n = have;
            while n < upto {
                let size = (upto - n).min(BATCH);
                let batch: anyhow::Result<Vec<NewArticle>> = (n..n + size)
                    .map(|i| {
                        let (input, rubrique, byline, tagged) =
                            article(material, room, &mut rng, i, target, now);
                        let mut write = articles::prepare(input, crate::db::now())
                            .map_err(|e| anyhow::anyhow!("article {i}: {}", e.detail))?;
                        write.rubrique_id = rubrique;
                        let counted = write.status.stored() == crate::db::PUBLISHED;
                        let entry = Entry::new(
                            &write.title,
                            write.lede.as_deref().unwrap_or(""),
                            &write.body_text,
                            &tagged,
                            &byline,
                            counted,
                        );
                        Ok(NewArticle {
                            write,
                            author_ids: byline,
                            tag_ids: tagged.iter().map(|(id, _)| *id).collect(),
                            entry,
                        })
                    })
                    .collect();
                let failed = batch.is_err();
                if tx.send(batch).is_err() || failed {
                    return;
                }
                n += size;
            }
        });
        let mut made = 0;
        for batch in rx {
            let mut batch = batch?;
            let now = crate::db::now();
            write_tx(&mut conn, |c| {
                let ids = crate::db::articles::take_ids(c, batch.len())?;
                for (a, id) in batch.iter_mut().zip(&ids) {
                    let mut base = text::slugify(&a.write.title);
                    base.truncate(base.char_indices().nth(80).map_or(base.len(), |(i, _)| i));
                    a.write.slug = format!("{}-{id}", base.trim_end_matches('-'));
                }
                bulk::insert(c, &ids, &batch, now).map_err(ApiError::from)
            })
            .map_err(|e: ApiError| anyhow::anyhow!("writing a batch: {}", e.detail))?;
            made += batch.len();
            progress(
                have + made,
                upto,
                made as f64 / started.elapsed().as_secs_f64(),
            );
        }
        Ok(made)
    })?;
    if analyze {
        bulk::analyze(&mut conn)?;
    }
    Ok(Filled {
        total: have + made,
        added: made,
        seconds: started.elapsed().as_secs_f64(),
    })
}
