//! Article bodies as sanitised HTML: Markdown rendered with pulldown-cmark, and every body, HTML or
//! Markdown, cleaned by one ammonia allow-list.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// How an article body is written by its author.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    Markdown,
    Html,
}

/// The one allow-list every body goes through, built once and shared by all requests.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(build_sanitizer);

fn build_sanitizer() -> ammonia::Builder<'static> {
    let tags: HashSet<&'static str> = [
        "p",
        "br",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "b",
        "i",
        "u",
        "s",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "img",
        "figure",
        "figcaption",
        "code",
        "pre",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "hr",
        "sup",
        "sub",
        "abbr",
        "cite",
        "q",
        "dl",
        "dt",
        "dd",
        "del",
        "ins",
        "kbd",
        "mark",
        "small",
    ]
    .into_iter()
    .collect();

    let tag_attributes: HashMap<&'static str, HashSet<&'static str>> = [
        ("a", ["href", "title"].as_slice()),
        ("img", ["src", "alt", "title", "width", "height"].as_slice()),
        ("abbr", ["title"].as_slice()),
    ]
    .into_iter()
    .map(|(tag, attrs)| (tag, attrs.iter().copied().collect()))
    .collect();

    // Elements dropped together with everything inside them (not just unwrapped).
    let clean_content_tags: HashSet<&'static str> = [
        "script", "style", "iframe", "object", "embed", "svg", "math", "noscript", "template",
        "textarea", "select", "frameset", "noembed", "noframes",
    ]
    .into_iter()
    .collect();

    let mut builder = ammonia::Builder::empty();
    builder
        .tags(tags)
        .clean_content_tags(clean_content_tags)
        .tag_attributes(tag_attributes)
        .generic_attributes(HashSet::new())
        .tag_attribute_values(HashMap::new())
        .set_tag_attribute_values(HashMap::new())
        .allowed_classes(HashMap::new())
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        // Scheme-less URLs ("/x", "#y", "//host") are dropped: a headless API has no base to
        // resolve them against, and only absolute http(s)/mailto URLs are allowed.
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true)
        .id_prefix(None)
        .attribute_filter(|element, attribute, value| {
            // `url_schemes` is global; images additionally may not point at mailto: URLs.
            if element == "img" && attribute == "src" && !is_http_url(value) {
                None
            } else {
                Some(Cow::Borrowed(value))
            }
        });
    builder
}

/// True for absolute http:// or https:// URLs (case-insensitive scheme).
fn is_http_url(value: &str) -> bool {
    let v = value.trim().as_bytes();
    let starts =
        |prefix: &[u8]| v.len() >= prefix.len() && v[..prefix.len()].eq_ignore_ascii_case(prefix);
    starts(b"http://") || starts(b"https://")
}

/// Renders the body to sanitised HTML. Markdown via pulldown-cmark (tables, strikethrough on; raw HTML inside
/// markdown is also sanitised). Both formats go through one ammonia allow-list: p, br, h2-h6, strong, em, b, i, u,
/// s, blockquote, ul, ol, li, a (href, title; rel="noopener noreferrer" added; only http, https, mailto schemes),
/// img (src, alt, title, width, height; http/https only), figure, figcaption, code, pre, table, thead, tbody, tr,
/// th, td, hr, sup, sub, abbr(title), cite, q, dl, dt, dd, del, ins, kbd, mark, small. No script/style/iframe/object/svg/math, no on* attributes, no
/// style attribute, no javascript:/data:/vbscript: URLs, no class/id. Output is trimmed.
///
/// In Markdown, `# Titre` is rendered as `<h2>` (the article title is the page's h1) and
/// `~~barré~~` as `<s>`, so both survive the allow-list. Relative URLs are removed.
pub fn render_body(body: &str, format: BodyFormat) -> String {
    let html: Cow<'_, str> = match format {
        BodyFormat::Html => Cow::Borrowed(body),
        BodyFormat::Markdown => Cow::Owned(markdown_to_html(body)),
    };
    let cleaned = SANITIZER.clean(&html).to_string();
    let trimmed = cleaned.trim();
    if trimmed.len() == cleaned.len() {
        cleaned
    } else {
        trimmed.to_owned()
    }
}

fn markdown_to_html(body: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(body, options).map(|event| match event {
        Event::Start(Tag::Heading {
            level: HeadingLevel::H1,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: HeadingLevel::H2,
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(HeadingLevel::H1)) => {
            Event::End(TagEnd::Heading(HeadingLevel::H2))
        }
        Event::Start(Tag::Strikethrough) => Event::InlineHtml(CowStr::Borrowed("<s>")),
        Event::End(TagEnd::Strikethrough) => Event::InlineHtml(CowStr::Borrowed("</s>")),
        other => other,
    });
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::{excerpt, html_to_text, is_valid_slug, slugify, word_count};

    // --- render_body -----------------------------------------------------------------------

    #[test]
    fn markdown_basics() {
        let md = "## Le contexte\n\nLes **Étalons** ont battu le *Mali*.\n\n\
                  - Premier point\n- Second point\n\n\
                  [Lire la suite](https://example.org/suite \"Suite\")";
        let html = render_body(md, BodyFormat::Markdown);
        assert!(html.contains("<h2>Le contexte</h2>"), "{html}");
        assert!(html.contains("<strong>Étalons</strong>"), "{html}");
        assert!(html.contains("<em>Mali</em>"), "{html}");
        assert!(
            html.contains("<ul>\n<li>Premier point</li>\n<li>Second point</li>\n</ul>"),
            "{html}"
        );
        assert!(
            html.contains(
                r#"<a href="https://example.org/suite" title="Suite" rel="noopener noreferrer">Lire la suite</a>"#
            ),
            "{html}"
        );
        assert_eq!(html, html.trim());
    }

    #[test]
    fn markdown_h1_becomes_h2_and_strikethrough_becomes_s() {
        let html = render_body(
            "# Titre principal\n\nC’est ~~faux~~ vrai.",
            BodyFormat::Markdown,
        );
        assert!(html.contains("<h2>Titre principal</h2>"), "{html}");
        assert!(!html.contains("<h1"), "{html}");
        assert!(html.contains("<s>faux</s>"), "{html}");
    }

    #[test]
    fn markdown_table_and_code() {
        let md = "| Équipe | Buts |\n|:-------|-----:|\n| Burkina | 2 |\n| Mali | 1 |\n\n\
                  ```rust\nlet x = 1 < 2;\n```";
        let html = render_body(md, BodyFormat::Markdown);
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<th>Équipe</th>"), "{html}");
        assert!(html.contains("<td>Burkina</td>"), "{html}");
        assert!(
            html.contains("<pre><code>let x = 1 &lt; 2;\n</code></pre>"),
            "{html}"
        );
        assert!(!html.contains("style="), "{html}");
        assert!(!html.contains("class="), "{html}");
    }

    #[test]
    fn markdown_image_and_mailto() {
        let md = "![Le stade](https://example.org/stade.jpg \"4 août\")\n\n\
                  Écrire à [la rédaction](mailto:redaction@example.org).";
        let html = render_body(md, BodyFormat::Markdown);
        assert!(
            html.contains(
                r#"<img src="https://example.org/stade.jpg" alt="Le stade" title="4 août">"#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"href="mailto:redaction@example.org""#),
            "{html}"
        );
    }

    #[test]
    fn html_allowed_markup_is_kept() {
        let src = r#"<figure><img src="https://example.org/a.jpg" alt="Défilé" width="640" height="480"><figcaption>Le défilé du 11-Décembre</figcaption></figure>
<blockquote><p>« Nous irons jusqu’au bout »</p><cite>Le ministre</cite></blockquote>
<p><abbr title="Union économique et monétaire ouest-africaine">UEMOA</abbr>, 10<sup>e</sup> édition, H<sub>2</sub>O, <q>citation</q>, <u>souligné</u>, <s>barré</s>, <b>gras</b>, <i>italique</i><br>ligne</p><hr><h3>Intertitre</h3><ol><li>un</li></ol>"#;
        let html = render_body(src, BodyFormat::Html);
        for needle in [
            r#"<img src="https://example.org/a.jpg" alt="Défilé" width="640" height="480">"#,
            "<figcaption>Le défilé du 11-Décembre</figcaption>",
            "<blockquote><p>« Nous irons jusqu’au bout »</p><cite>Le ministre</cite></blockquote>",
            r#"<abbr title="Union économique et monétaire ouest-africaine">UEMOA</abbr>"#,
            "<sup>e</sup>",
            "<sub>2</sub>",
            "<q>citation</q>",
            "<u>souligné</u>",
            "<s>barré</s>",
            "<b>gras</b>",
            "<i>italique</i><br>ligne",
            "<hr>",
            "<h3>Intertitre</h3>",
            "<ol><li>un</li></ol>",
        ] {
            assert!(html.contains(needle), "missing {needle} in {html}");
        }
    }

    #[test]
    fn html_disallowed_markup_is_stripped() {
        let src = r#"<div class="x" id="y"><h1>Titre</h1><span style="color:red">texte</span><p class="lead" id="intro" lang="fr" title="t">Para</p><a href="https://example.org" target="_blank" rel="opener" onclick="x()">lien</a></div>"#;
        let html = render_body(src, BodyFormat::Html);
        assert_eq!(
            html,
            r#"Titretexte<p>Para</p><a href="https://example.org" rel="noopener noreferrer">lien</a>"#
        );
    }

    #[test]
    fn relative_urls_are_dropped() {
        let html = render_body(
            r#"<a href="/articles/x">interne</a><a href="//evil.example/x">proto</a><img src="photo.jpg" alt="p">"#,
            BodyFormat::Html,
        );
        assert!(!html.contains("href"), "{html}");
        assert!(!html.contains("src"), "{html}");
        assert!(html.contains("interne"), "{html}");
    }

    const XSS: &[&str] = &[
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        r#"<a href="javascript:alert(1)">x</a>"#,
        r#"<a href="JaVaScRiPt:alert(1)">x</a>"#,
        r#"<a href=" &#106;avascript:alert(1)">x</a>"#,
        "<a href=\"java\tscript:alert(1)\">x</a>",
        "<svg onload=alert(1)>",
        r#"<math><mi xlink:href="javascript:alert(1)">x</mi></math>"#,
        r#"<iframe src="https://evil.example/"></iframe>"#,
        r#"<iframe src="javascript:alert(1)">"#,
        r#"<object data="https://evil.example/x.swf"></object>"#,
        r#"<embed src="https://evil.example/x.swf">"#,
        r#"<p style="background:url(javascript:alert(1))">texte</p>"#,
        r#"<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">"#,
        r#"<a href="data:text/html,<script>alert(1)</script>">x</a>"#,
        r#"<a href="vbscript:msgbox(1)">x</a>"#,
        r#"<img src="mailto:x@example.org">"#,
        "<style>body{background:url(javascript:alert(1))}</style>",
        r#"<body onload=alert(1)>"#,
        r#"<details open ontoggle=alert(1)>"#,
        r#"<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button></form>"#,
        "<scr<script>ipt>alert(1)</script>",
        "<!--<img src=x onerror=alert(1)>-->",
        r#"<meta http-equiv="refresh" content="0;url=javascript:alert(1)">"#,
        r#"<base href="javascript:alert(1)//">"#,
        r#"<link rel="stylesheet" href="https://evil.example/x.css">"#,
    ];

    /// The markup of `html` (everything between '<' and '>'); text content is left out, since
    /// ammonia escapes every '<' that is not a real tag, so "javascript:" shown as link text is harmless.
    fn markup_of(html: &str) -> String {
        let mut markup = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => {
                    in_tag = false;
                    markup.push_str("> ");
                }
                _ => {}
            }
            if in_tag {
                markup.push(c);
            }
        }
        markup
    }

    fn assert_safe(html: &str, source: &str) {
        let lower = markup_of(html).to_ascii_lowercase();
        assert!(
            !html.to_ascii_lowercase().contains("alert(1)</script"),
            "{html:?}"
        );
        for bad in [
            "<script",
            "<style",
            "<iframe",
            "<object",
            "<embed",
            "<svg",
            "<math",
            "<form",
            "<meta",
            "<base",
            "<link",
            "<body",
            "onerror",
            "onload",
            "ontoggle",
            "onclick",
            "style=",
            "javascript:",
            "vbscript:",
            "data:",
            "mailto:",
            "xlink",
            "formaction",
        ] {
            assert!(
                !lower.contains(bad),
                "{bad:?} survived in {html:?} (from {source:?})"
            );
        }
        // No attribute named on*, whatever spacing.
        assert!(
            !lower.contains(" on"),
            "on* attribute in {html:?} (from {source:?})"
        );
    }

    #[test]
    fn xss_is_neutralised_in_html() {
        for src in XSS {
            let html = render_body(src, BodyFormat::Html);
            assert_safe(&html, src);
        }
    }

    #[test]
    fn xss_is_neutralised_in_markdown() {
        for src in XSS {
            // Raw HTML as a block, and inline in a paragraph.
            let html = render_body(src, BodyFormat::Markdown);
            assert_safe(&html, src);
            let inline = format!("Texte {src} suite");
            let html = render_body(&inline, BodyFormat::Markdown);
            assert_safe(&html, &inline);
        }
        for src in [
            "[x](javascript:alert(1))",
            "[x](JAVASCRIPT:alert(1))",
            "[x](<javascript:alert(1)>)",
            "<javascript:alert(1)>",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "![x](data:image/png;base64,AAAA)",
            "![x](javascript:alert(1))",
            "[x](vbscript:msgbox(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
        ] {
            let html = render_body(src, BodyFormat::Markdown);
            assert_safe(&html, src);
        }
    }

    #[test]
    fn script_and_style_content_is_dropped() {
        let html = render_body(
            "<p>Avant</p><script>alert('secret')</script><style>p{color:red}</style><p>Après</p>",
            BodyFormat::Html,
        );
        assert_eq!(html, "<p>Avant</p><p>Après</p>");
        let md = render_body(
            "Avant\n\n<script>alert('secret')</script>\n\nAprès",
            BodyFormat::Markdown,
        );
        assert!(!md.contains("secret"), "{md}");
        assert!(md.contains("Avant") && md.contains("Après"), "{md}");
    }

    #[test]
    fn javascript_link_keeps_text_only() {
        let html = render_body("[Cliquez ici](javascript:alert(1))", BodyFormat::Markdown);
        assert_eq!(
            html,
            r#"<p><a rel="noopener noreferrer">Cliquez ici</a></p>"#
        );
    }

    #[test]
    fn render_is_trimmed_and_handles_empty() {
        assert_eq!(render_body("", BodyFormat::Markdown), "");
        assert_eq!(render_body("   \n\n ", BodyFormat::Html), "");
        assert_eq!(
            render_body("\n\n  <p>Bonjour</p>  \n", BodyFormat::Html),
            "<p>Bonjour</p>"
        );
        assert_eq!(
            render_body("Bonjour\n", BodyFormat::Markdown),
            "<p>Bonjour</p>"
        );
    }

    // --- invariants on generated inputs (every text function) ------------------------------

    /// Deterministic pseudo-random strings built from tricky fragments (no extra dependency).
    fn generated_inputs() -> Vec<String> {
        const PIECES: &[&str] = &[
            "<",
            ">",
            "&",
            ";",
            "#",
            "x",
            "/",
            "!",
            "-",
            "--",
            "'",
            "\"",
            "=",
            " ",
            "\n",
            "\t",
            "é",
            "’",
            "—",
            "œ",
            "🎉",
            "\u{301}",
            "\u{a0}",
            "p",
            "a",
            "script",
            "style",
            "<p>",
            "</p>",
            "<br>",
            "<!--",
            "-->",
            "&amp;",
            "&#",
            "&#x",
            "&nbsp;",
            "javascript:",
            "href=",
            "src=",
            "2024",
            "Ouagadougou",
            "l’armée",
            ":",
            ",",
            "…",
            "<pre>",
            "</pre>",
            "<li>",
            "`",
            "*",
            "[",
            "](",
            ")",
            "~~",
            "|",
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..1500)
            .map(|_| {
                let len = (next() % 60) as usize;
                (0..len)
                    .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                    .collect()
            })
            .collect()
    }

    #[test]
    fn invariants_hold_on_generated_inputs() {
        for input in generated_inputs() {
            let slug = slugify(&input);
            assert!(
                slug.is_empty() || is_valid_slug(&slug),
                "{input:?} -> {slug:?}"
            );
            for max in [0, 1, 5, 20, 160] {
                let e = excerpt(&input, max);
                assert!(e.chars().count() <= max, "{input:?} ({max}) -> {e:?}");
            }
            let _ = word_count(&input);
            let text = html_to_text(&input);
            assert_eq!(text, text.trim(), "{input:?}");
            for format in [BodyFormat::Html, BodyFormat::Markdown] {
                let html = render_body(&input, format);
                let lower = markup_of(&html).to_ascii_lowercase();
                assert!(!lower.contains("javascript:"), "{input:?} -> {html:?}");
                assert!(!lower.contains("<script"), "{input:?} -> {html:?}");
                let _ = html_to_text(&html);
            }
        }
    }
}
