//! `kiosque import wordpress`: a WordPress export written for these tests (a French daily on the
//! Newspaper theme at UTC+01:00: nested categories, Co-Authors Plus bylines and a guest author,
//! `[caption]`, `[gallery]` and page-builder shortcodes, block-editor content, a scheduled, a
//! private, a draft and a pending post, HTML entities XML does not know, a post in the trash, one
//! with no title and one whose XML is broken), imported on both databases and read back over HTTP.

use std::path::{Path, PathBuf};

use kiosque::import::wordpress::{self, Options, Quiet, Summary};
use serde_json::Value;

use crate::both;
use crate::helpers::TestApp;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wordpress_fr.xml")
}

/// Imports `file` into the app's database, off the test's thread.
async fn import(app: &TestApp, file: PathBuf) -> Summary {
    let url = app.db_url.clone();
    actix_rt::task::spawn_blocking(move || {
        let db = kiosque::db::Db::connect(&url, 1, std::time::Duration::from_secs(10))
            .expect("database");
        wordpress::run(&db, &file, &Options::default(), &mut Quiet).expect("the import runs")
    })
    .await
    .expect("the import thread")
}

/// How many drafts, published articles, redirects, tags, authors and rubriques there are.
async fn totals(app: &TestApp, admin: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for (path, staff) in [
        ("/v1/articles?status=draft&per_page=1", true),
        ("/v1/articles?per_page=1", false),
        ("/v1/redirects?per_page=1", false),
        ("/v1/tags?per_page=1", false),
        ("/v1/authors?per_page=1", false),
        ("/v1/rubriques?per_page=1", false),
    ] {
        let r = if staff {
            app.get_as(path, admin).await
        } else {
            app.get(path).await
        };
        out.push(r.expect(200).body["meta"]["total"].as_i64().unwrap());
    }
    out
}

/// The 1-based line of the `n`-th `<item>` of the fixture.
fn line_of_item(n: usize) -> u64 {
    let text = std::fs::read_to_string(fixture()).unwrap();
    let at = text.match_indices("<item>").nth(n - 1).unwrap().0;
    text[..at].matches('\n').count() as u64 + 1
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect()
}

async fn redirect(app: &TestApp, old: &str) -> Value {
    let encoded: String = url_encode(old);
    let r = app
        .get(&format!("/v1/redirects?path={encoded}"))
        .await
        .expect(200);
    assert_eq!(r.body["data"].as_array().unwrap().len(), 1, "{old}");
    r.body["data"][0].clone()
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

both!(
    a_wordpress_export_arrives_with_its_bylines_rubriques_tags_images_and_old_urls,
    tweak = |c| c.demo_content = false,
    |app| async move {
        let s = import(&app, fixture()).await;
        assert_eq!(s.site, "https://echo-sahel.example");
        // Tags: the three listed, one only a post names, and a post's other category.
        assert_eq!(
            (s.rubriques.created, s.authors.created, s.tags.created),
            (6, 3, 5)
        );
        assert_eq!(s.articles.created, 8, "{s:?}");
        assert_eq!(s.images, 1);
        assert_eq!(s.ignored.get("page"), Some(&1));
        assert_eq!(s.ignored.get("attachment"), Some(&2));
        // The bad items: each with its line and its reason; the others imported.
        let skipped: Vec<(u64, &str)> = s
            .skipped
            .iter()
            .map(|k| (k.line, k.reason.as_str()))
            .collect();
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert_eq!(skipped[0].0, line_of_item(8));
        assert!(skipped[0].1.contains("trash"));
        assert_eq!(skipped[1].0, line_of_item(10));
        assert!(skipped[1].1.contains("malformed XML"), "{}", skipped[1].1);
        // The post with no title is there, titled from its text, and the summary says so.
        assert!(
            s.notes.iter().any(|n| n.starts_with("post 109: no title")),
            "{:?}",
            s.notes
        );

        // What the public sees: the four published posts, newest first.
        let list = app.get("/v1/articles?per_page=100").await.expect(200);
        assert_eq!(
            list.slugs(),
            [
                "culture-le-fespaco-eblouit-ouaga",
                "etalons-la-liste-pour-la-can-devoilee",
                "un-texte-sans-titre",
                "ouagadougou-lassemblee-adopte-la-loi-de-finances"
            ]
        );
        let untitled = app
            .get("/v1/articles/un-texte-sans-titre")
            .await
            .expect(200)
            .body;
        assert_eq!(untitled["title"], "Un texte sans titre.");
        assert_eq!(untitled["rubrique"]["slug"], "non-classe");
        // The first post, whole: byline, rubrique (the primary category), tags (its other category
        // among them), the Newspaper theme's source and subtitle, the dateline, the featured image
        // from an attachment further down the file, and its times in UTC.
        let a = app
            .get("/v1/articles/ouagadougou-lassemblee-adopte-la-loi-de-finances")
            .await
            .expect(200)
            .body;
        assert_eq!(
            a["title"],
            "Ouagadougou : l’Assemblée adopte la loi de finances"
        );
        assert_eq!(names(&a["authors"]), ["Awa Ouédraogo"]);
        assert_eq!(a["rubrique"]["slug"], "politique");
        // Tags come in name order, accents folded.
        assert_eq!(names(&a["tags"]), ["À la une", "AIB"]);
        assert_eq!(a["source"], "AIB");
        assert_eq!(a["location"], "Ouagadougou");
        assert_eq!(a["lede"], "Le budget de la défense est relevé");
        assert_eq!(a["language"], "fr-FR");
        assert_eq!(a["published_at"], "2024-02-22T09:30:00Z");
        assert_eq!(a["updated_at"], "2024-02-23T07:15:00Z");
        let img = &a["featured_image"];
        assert_eq!(
            img["url"],
            "https://echo-sahel.example/wp-content/uploads/2024/02/assemblee.jpg"
        );
        assert_eq!(img["alt"], "L'hémicycle de l'Assemblée");
        assert_eq!(img["caption"], "Les députés en séance, le 22 février");
        let html = a["body_html"].as_str().unwrap();
        assert!(
            html.starts_with(
                "<p>Les députés ont adopté jeudi la loi de finances rectificative.<br>"
            ),
            "{html}"
        );
        assert!(html.contains("<figure><img src=\"https://echo-sahel.example/wp-content/uploads/2024/02/assemblee.jpg\""), "{html}");
        assert!(
            html.contains("<figcaption>L'hémicycle pendant le vote</figcaption>\n</figure>"),
            "{html}"
        );
        assert!(html.contains("<h2>Un vote à l'unanimité</h2>"));
        assert!(
            !html.contains("[caption") && !html.contains("wp-image"),
            "{html}"
        );
        // Co-authors in byline order, a guest author among them; block-editor paragraphs kept;
        // a percent-encoded WordPress slug folded.
        let b = app
            .get("/v1/articles/etalons-la-liste-pour-la-can-devoilee")
            .await
            .expect(200)
            .body;
        assert_eq!(names(&b["authors"]), ["Ibrahim Sawadogo", "Mariam Traoré"]);
        assert_eq!(b["rubrique"]["slug"], "football");
        assert_eq!(b["excerpt"], "Vingt-six Étalons pour la Coupe d'Afrique.");
        assert_eq!(names(&b["tags"]), ["Étalons"]);
        assert_eq!(b["tags"][0]["slug"], "etalons-stallions");
        let html = b["body_html"].as_str().unwrap();
        assert!(html.contains(
            "<p>Le sélectionneur a dévoilé une liste de <strong>26 joueurs</strong>.</p>"
        ));
        assert!(
            !html.contains("<p><p>") && !html.contains("wp:paragraph"),
            "{html}"
        );
        // Entities XML does not define, a bare ampersand and an unknown entity, in a title; page
        // builder shortcodes gone, a gallery made of the attachments' images, text in brackets kept.
        let c = app
            .get("/v1/articles/culture-le-fespaco-eblouit-ouaga")
            .await
            .expect(200)
            .body;
        assert_eq!(
            c["title"],
            "Culture\u{a0}: le FESPACO éblouit Ouaga & ses cinéphiles &bogus;"
        );
        assert_eq!(c["source"], "Rédaction");
        // A tag the export does not list, longer than a tag's name may be: made, its name cut at a
        // word, with the slug WordPress gave it.
        let long = c["tags"][0]["name"].as_str().unwrap();
        assert!(long.starts_with("Festival panafricain du cinéma"), "{long}");
        assert!(long.chars().count() <= 60, "{long}");
        assert_eq!(
            c["tags"][0]["slug"],
            "festival-panafricain-du-cinema-et-de-la-television-de-ouagadougou-2024"
        );
        let html = c["body_html"].as_str().unwrap();
        assert!(
            !html.contains("[vc_") && !html.contains("[td_") && !html.contains("[gallery"),
            "{html}"
        );
        assert!(html.contains("uploads/2024/03/fespaco.jpg"), "{html}");
        assert!(html.contains("dimanche [Vidéo] au stade"), "{html}");
        assert_eq!(c["rubrique"]["slug"], "actualites");

        // What the staff see: the scheduled post, the private one as a draft, the draft dated in
        // UTC from its local time, the pending one.
        let admin = app.admin().await;
        let all = app
            .get_as("/v1/articles?status=scheduled&per_page=100", &admin)
            .await
            .expect(200);
        assert_eq!(all.slugs(), ["securite-un-nouveau-plan-pour-le-nord"]);
        assert_eq!(all.body["data"][0]["published_at"], "2031-03-01T08:00:00Z");
        let drafts = app
            .get_as("/v1/articles?status=draft&per_page=100", &admin)
            .await
            .expect(200);
        let mut slugs = drafts.slugs();
        slugs.sort();
        assert_eq!(slugs, ["brouillon-la-saison-des-pluies", "note-interne"]);
        let draft = app
            .get_as("/v1/articles/brouillon-la-saison-des-pluies", &admin)
            .await
            .expect(200)
            .body;
        assert_eq!(draft["published_at"], "2024-03-03T11:00:00Z");
        let pending = app
            .get_as("/v1/articles?status=pending&per_page=100", &admin)
            .await
            .expect(200);
        assert_eq!(pending.slugs(), ["le-marche-de-rood-woko"]);
        // Nothing the public may not see is out: no draft, scheduled or private post by slug.
        for slug in [
            "note-interne",
            "securite-un-nouveau-plan-pour-le-nord",
            "brouillon-la-saison-des-pluies",
        ] {
            app.get(&format!("/v1/articles/{slug}")).await.problem(404);
        }

        // The rubrique tree, the authors and the tags.
        let politique = app.get("/v1/rubriques/politique").await.expect(200).body;
        let actualites = app.get("/v1/rubriques/actualites").await.expect(200).body;
        assert_eq!(politique["parent"]["id"], actualites["id"], "{politique}");
        assert_eq!(actualites["description"], "Toute l'actualité nationale");
        let sport = app.get("/v1/rubriques/sport").await.expect(200).body;
        assert_eq!(sport["name"], "Sport & Santé");
        let mariam = app.get("/v1/authors/mariam-traore").await.expect(200).body;
        assert_eq!(mariam["bio"], "Correspondante à Bobo-Dioulasso.");
        app.get("/v1/authors/awa-ouedraogo").await.expect(200);
        app.get("/v1/tags/aib").await.expect(200);

        // The old URLs.
        let r = redirect(&app, "/?p=101").await;
        assert_eq!(r["kind"], "article");
        assert_eq!(r["status"], 301);
        assert_eq!(
            r["slug"],
            "ouagadougou-lassemblee-adopte-la-loi-de-finances"
        );
        assert_eq!(
            r["location"],
            "https://journal.test/articles/ouagadougou-lassemblee-adopte-la-loi-de-finances"
        );
        assert_eq!(
            r["resource"],
            "/v1/articles/ouagadougou-lassemblee-adopte-la-loi-de-finances"
        );
        for old in [
            "https://echo-sahel.example/2024/02/22/ouagadougou-lassemblee-adopte-la-loi-de-finances/",
            "/2024/02/22/ouagadougou-lassemblee-adopte-la-loi-de-finances",
            "/2024/02/22/ouagadougou-lassemblee-adopte-la-loi-de-finances/amp/",
            "http://echo-sahel.example/?p=101&utm_source=facebook",
        ] {
            assert_eq!(redirect(&app, old).await["target_id"], r["target_id"], "{old}");
        }
        let cat = redirect(&app, "/category/actualites/politique/").await;
        assert_eq!(
            (cat["kind"].as_str(), cat["slug"].as_str()),
            (Some("rubrique"), Some("politique"))
        );
        assert_eq!(
            redirect(&app, "/category/politique/").await["target_id"],
            cat["target_id"]
        );
        assert_eq!(
            redirect(&app, "/?cat=6").await["target_id"],
            cat["target_id"]
        );
        assert_eq!(
            redirect(&app, "/category/sport/page/2/").await["slug"],
            "sport"
        );
        assert_eq!(redirect(&app, "/tag/aib/").await["kind"], "tag");
        assert_eq!(
            redirect(&app, "/tag/%C3%A9talons-stallions/").await["location"],
            "https://journal.test/tags/etalons-stallions"
        );
        let author = redirect(&app, "/author/awa-ouedraogo/").await;
        assert_eq!(
            (author["kind"].as_str(), author["slug"].as_str()),
            (Some("author"), Some("awa-ouedraogo"))
        );
        // A draft's and a scheduled post's old URLs answer nothing yet.
        app.get("/v1/redirects?path=%2F%3Fp%3D104")
            .await
            .problem(404);
        app.get("/v1/redirects?path=%2F%3Fp%3D103")
            .await
            .problem(404);
        app.get("/v1/redirects?path=%2Fnulle-part%2F")
            .await
            .problem(404);
        // Nothing to look up is no redirect; a path longer than any URL is a bad parameter.
        app.get("/v1/redirects?path=%2F").await.problem(404);
        app.get("/v1/redirects?path=https%3A%2F%2Fecho-sahel.example")
            .await
            .problem(404);
        app.get(&format!("/v1/redirects?path=%2F{}", "a".repeat(2001)))
            .await
            .problem(400);
    }
);

both!(
    importing_the_same_export_twice_creates_nothing_twice_and_a_changed_post_is_updated,
    tweak = |c| c.demo_content = false,
    |app| async move {
        let first = import(&app, fixture()).await;
        let admin = app.admin().await;
        let before = totals(&app, &admin).await;
        let again = import(&app, fixture()).await;
        assert_eq!(
            again.articles.created + again.articles.updated,
            0,
            "{again:?}"
        );
        assert_eq!(again.articles.unchanged, first.articles.created);
        assert_eq!(again.rubriques.unchanged, 6);
        assert_eq!(again.tags.unchanged, 4);
        assert_eq!(again.redirects, 0, "nothing recorded again: {again:?}");
        assert_eq!(again.authors.unchanged, 3);
        let after = totals(&app, &admin).await;
        assert_eq!(before, after);

        // A later export where one post was corrected in WordPress, and the newsroom renamed an
        // article in kiosque meanwhile (its old URL follows the new slug).
        let fixed = std::fs::read_to_string(fixture())
            .unwrap()
            .replace(
                "Étalons : la liste pour la CAN dévoilée</title>",
                "Étalons : la liste des 26 pour la CAN</title>",
            )
            .replacen(
                "<wp:post_modified_gmt><![CDATA[2024-03-01 17:00:00]]>",
                "<wp:post_modified_gmt><![CDATA[2024-03-05 10:00:00]]>",
                1,
            );
        let dir = tempfile::tempdir().unwrap();
        let later = dir.path().join("export-later.xml");
        std::fs::write(&later, fixed).unwrap();
        app.patch(
            "/v1/articles/culture-le-fespaco-eblouit-ouaga",
            &admin,
            serde_json::json!({"slug": "fespaco-2024"}),
        )
        .await
        .expect(200);
        let third = import(&app, later).await;
        assert_eq!(third.articles.updated, 1, "{third:?}");
        assert_eq!(third.articles.created, 0);
        let b = app
            .get("/v1/articles/etalons-la-liste-pour-la-can-devoilee")
            .await
            .expect(200)
            .body;
        assert_eq!(b["title"], "Étalons : la liste des 26 pour la CAN");
        assert_eq!(b["updated_at"], "2024-03-05T10:00:00Z");
        assert_eq!(
            redirect(&app, "/2024/03/04/culture-le-fespaco-eblouit-ouaga/").await["slug"],
            "fespaco-2024"
        );
        app.get("/v1/articles/fespaco-2024").await.expect(200);

        // A deleted article takes its old URLs with it, and is not made again by a new import.
        app.delete("/v1/articles/fespaco-2024", &admin)
            .await
            .expect(204);
        app.get("/v1/redirects?path=%2F%3Fp%3D107")
            .await
            .problem(404);
        let fourth = import(&app, fixture()).await;
        assert_eq!(fourth.articles.created, 0);
        assert!(fourth
            .skipped
            .iter()
            .any(|k| k.item.starts_with("post 107") && k.reason.contains("deleted in kiosque")));
    }
);

both!(
    an_export_into_a_newsroom_that_already_has_content_uses_what_is_there,
    |app| async move {
        // The demo content has the rubriques `politique` and `sport`: the export's categories of
        // the same slugs are those, not copies.
        let politique = app.get("/v1/rubriques/politique").await.expect(200).body;
        let s = import(&app, fixture()).await;
        assert_eq!(s.rubriques.existing, 2, "{s:?}");
        assert_eq!(s.rubriques.created, 4);
        let a = app
            .get("/v1/articles/ouagadougou-lassemblee-adopte-la-loi-de-finances")
            .await
            .expect(200)
            .body;
        assert_eq!(a["rubrique"]["id"], politique["id"]);
        assert_eq!(
            redirect(&app, "/category/politique/").await["target_id"],
            politique["id"]
        );
        // The demo's tag `Étalons` (slug `etalons`) is the export's `Étalons`
        // (`%c3%a9talons-stallions`): one tag of that name, not two.
        assert_eq!(s.tags.existing, 1, "{s:?}");
        let b = app
            .get("/v1/articles/etalons-la-liste-pour-la-can-devoilee")
            .await
            .expect(200)
            .body;
        assert_eq!(b["tags"][0]["slug"], "etalons");
        assert_eq!(
            redirect(&app, "/tag/%C3%A9talons-stallions/").await["slug"],
            "etalons"
        );
        assert!(
            s.skipped.iter().all(|k| k.item.starts_with("post ")),
            "{s:?}"
        );
    }
);

both!(
    the_redirect_list_pages_by_cursor_and_refuses_bad_parameters,
    tweak = |c| c.demo_content = false,
    |app| async move {
        let s = import(&app, fixture()).await;
        let mut seen = Vec::new();
        let mut url = "/v1/redirects?per_page=7".to_owned();
        loop {
            let page = app.get(&url).await.expect(200);
            for r in page.body["data"].as_array().unwrap() {
                seen.push(r["path"].as_str().unwrap().to_owned());
            }
            match page.body["meta"]["next_cursor"].as_str() {
                Some(c) => url = format!("/v1/redirects?per_page=7&cursor={c}"),
                None => break,
            }
        }
        let total = app.get("/v1/redirects").await.expect(200).body["meta"]["total"]
            .as_i64()
            .unwrap();
        assert_eq!(seen.len() as i64, total);
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "a cursor repeated a redirect");
        // Recorded, less those of the draft, private, pending and scheduled posts (one each).
        assert_eq!(total as usize, s.redirects - 4);
        assert!(!seen.iter().any(|p| p == "/?p=104"));
        app.get("/v1/redirects?per_page=0").await.problem(400);
        app.get("/v1/redirects?cursor=nope").await.problem(400);
        app.get("/v1/redirects?chemin=%2F").await.problem(400);
    }
);

/// The command as an operator runs it, without a terminal: plain progress lines on stderr, the
/// summary on stdout; a file that is not an export is refused with a clear message.
#[test]
fn the_import_command_prints_its_progress_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let run = |file: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kiosque"))
            .args(["import", "wordpress"])
            .arg(file)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", "sqlite://kiosque.db")
            .env("KIOSQUE_DEMO_CONTENT", "false")
            .output()
            .expect("the binary runs")
    };
    let out = run(&fixture());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("imported from https://echo-sahel.example"),
        "{stdout}"
    );
    assert!(stdout.contains("articles   8 created"), "{stdout}");
    assert!(
        stdout.contains(&format!("line {}: post 108", line_of_item(8))),
        "{stdout}"
    );
    assert!(stderr.contains("articles: done"), "{stderr}");
    let again = run(&fixture());
    assert!(String::from_utf8_lossy(&again.stdout)
        .contains("articles   0 created, 0 updated, 8 unchanged"));

    let not_an_export = dir.path().join("page.html");
    std::fs::write(&not_an_export, "<html><body>Bonjour</body></html>").unwrap();
    let out = run(&not_an_export);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a WordPress export"));
    let out = run(&dir.path().join("absent.xml"));
    assert!(!out.status.success());
}

both!(
    a_blog_in_a_folder_keeps_the_folder_in_its_old_urls,
    tweak = |c| c.demo_content = false,
    |app| async move {
        let moved = std::fs::read_to_string(fixture())
            .unwrap()
            .replace(
                "<wp:base_blog_url>https://echo-sahel.example</wp:base_blog_url>",
                "<wp:base_blog_url>https://echo-sahel.example/journal</wp:base_blog_url>",
            )
            .replace(
                "https://echo-sahel.example/20",
                "https://echo-sahel.example/journal/20",
            );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("journal.xml");
        std::fs::write(&file, moved).unwrap();
        let s = import(&app, file).await;
        assert_eq!(s.site, "https://echo-sahel.example/journal");
        for old in [
            "/journal/category/actualites/politique/",
            "/journal/tag/aib/",
            "/journal/author/awa-ouedraogo/",
            "/journal/?p=101",
            "/journal/2024/02/22/ouagadougou-lassemblee-adopte-la-loi-de-finances/",
        ] {
            redirect(&app, old).await;
        }
        app.get("/v1/redirects?path=%2Fcategory%2Fpolitique%2F")
            .await
            .problem(404);
    }
);
