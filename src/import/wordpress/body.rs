//! A WordPress post's content as kiosque's HTML body: shortcodes turned into HTML or dropped, then
//! WordPress's automatic paragraphs (`wpautop`), before the API's own sanitiser sees it.

use std::collections::HashMap;

/// An attachment an export holds: what a featured image or a gallery needs of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attachment {
    pub url: String,
    pub caption: Option<String>,
    pub alt: Option<String>,
    /// The post it was uploaded to (a `[gallery]` without `ids` shows these).
    pub parent: i64,
}

/// The text of an HTML entity (`eacute` → `é`), as browsers know them.
pub fn entity(name: &str) -> Option<String> {
    let (a, b) = html5ever::data::NAMED_ENTITIES.get(&format!("{name};"))?;
    let mut s = String::new();
    s.extend(char::from_u32(*a));
    if *b != 0 {
        s.extend(char::from_u32(*b));
    }
    (!s.is_empty()).then_some(s)
}

/// Plain text with its HTML entities decoded once (WordPress stores titles and term names
/// HTML-escaped: `Sport &amp; santé`, `L&rsquo;armée`, `&#8217;`). An unknown entity is kept.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map(|e| e + 1);
        let decoded = match end {
            Some(e) if rest[e..].starts_with(';') && e > 1 => {
                let name = &rest[1..e];
                let c = if let Some(num) = name.strip_prefix('#') {
                    let n = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => num.parse().ok(),
                    };
                    n.and_then(char::from_u32).map(String::from)
                } else {
                    entity(name)
                };
                c.map(|c| (c, e + 1))
            }
            _ => None,
        };
        match decoded {
            Some((text, len)) => {
                out.push_str(&text);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The content of a post as HTML: shortcodes, then paragraphs (block-editor content already has
/// its own, as WordPress knows by the `<!-- wp:` comments). Links and images given as paths on the
/// old site (`/wp-content/uploads/…`) are made absolute on `site`, which the sanitiser requires.
pub fn to_html(
    content: &str,
    attachments: &HashMap<i64, Attachment>,
    site: &str,
    post: i64,
) -> String {
    let content = content.replace("\r\n", "\n").replace('\r', "\n");
    let content = shortcodes(&content, attachments, post);
    let content = absolute(&content, site);
    let content = media_as_links(&content);
    let content = lone_urls_as_links(&content);
    // The article's title is the page's h1 (as Markdown's `#` becomes h2).
    let content = content
        .replace("<h1>", "<h2>")
        .replace("<h1 ", "<h2 ")
        .replace("</h1>", "</h2>");
    if content.contains("<!-- wp:") {
        content
    } else {
        autop(&content)
    }
}

/// `<video>` and `<audio>` (which the sanitiser does not keep) as a link to their file.
fn media_as_links(html: &str) -> String {
    let mut out = html.to_owned();
    for tag in ["video", "audio"] {
        let open = format!("<{tag}");
        let close = format!("</{tag}>");
        let mut done = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(i) = rest.find(&open) {
            done.push_str(&rest[..i]);
            let after = &rest[i..];
            let end = after
                .find(&close)
                .map(|e| e + close.len())
                .or_else(|| after.find('>').map(|e| e + 1))
                .unwrap_or(after.len());
            let element = &after[..end];
            if let Some(src) = attr(element, "src") {
                done.push_str(&format!("<p><a href=\"{0}\">{0}</a></p>", escape(src)));
            }
            rest = &after[end..];
        }
        done.push_str(rest);
        out = done;
    }
    out
}

/// A line that is only a URL (WordPress embeds it: a video, a post) as a link to it.
fn lone_urls_as_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    for (i, line) in html.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let t = line.trim();
        let is_url = (t.starts_with("https://") || t.starts_with("http://"))
            && !t.contains(char::is_whitespace)
            && !t.contains(['<', '>', '"', '\'']);
        if is_url {
            out.push_str(&format!("<a href=\"{0}\">{0}</a>", escape(t)));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// `src="/x"` and `href="/x"` (not `//host/x`) on `site`.
fn absolute(html: &str, site: &str) -> String {
    let mut out = html.to_owned();
    for attr in ["src", "href"] {
        for quote in ['"', '\''] {
            let from = format!("{attr}={quote}/");
            if !out.contains(&from) {
                continue;
            }
            let mut fixed = String::with_capacity(out.len() + 64);
            let mut rest = out.as_str();
            while let Some(i) = rest.find(&from) {
                let after = &rest[i + from.len()..];
                fixed.push_str(&rest[..i]);
                if after.starts_with('/') {
                    fixed.push_str(&from);
                } else {
                    fixed.push_str(&format!("{attr}={quote}{site}/"));
                }
                rest = after;
            }
            fixed.push_str(rest);
            out = fixed;
        }
    }
    out
}

/// A shortcode tag found in the text: `[name attrs]`, `[name attrs /]` or `[/name]`.
#[derive(Debug)]
struct Tag<'a> {
    start: usize,
    end: usize,
    name: &'a str,
    attrs: &'a str,
    closing: bool,
    self_closing: bool,
}

fn scan_tags(s: &str) -> Vec<Tag<'_>> {
    let mut tags = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(off) = s[i..].find('[') {
        let start = i + off;
        i = start + 1;
        let mut j = start + 1;
        let closing = bytes.get(j) == Some(&b'/');
        if closing {
            j += 1;
        }
        let name_start = j;
        while j < bytes.len()
            && (bytes[j].is_ascii_lowercase()
                || bytes[j].is_ascii_digit()
                || bytes[j] == b'_'
                || bytes[j] == b'-')
        {
            j += 1;
        }
        if j == name_start || !bytes[name_start].is_ascii_lowercase() {
            continue;
        }
        let name = &s[name_start..j];
        // The attributes run to the first `]` outside quotes, on one line.
        let mut k = j;
        let mut quote: Option<u8> = None;
        let mut found = None;
        while k < bytes.len() {
            let b = bytes[k];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b == b']' => {
                    found = Some(k);
                    break;
                }
                None if b == b'[' || b == b'\n' => break,
                None => {}
            }
            k += 1;
        }
        let Some(close) = found else { continue };
        let attrs = &s[j..close];
        if !attrs.is_empty() && !attrs.starts_with([' ', '/']) {
            continue;
        }
        let self_closing = attrs.trim_end().ends_with('/');
        tags.push(Tag {
            start,
            end: close + 1,
            name,
            attrs: attrs.trim_end().trim_end_matches('/'),
            closing,
            self_closing,
        });
        i = close + 1;
    }
    tags
}

/// Shortcodes known to lay out a page (page builders, the Newspaper theme) rather than say
/// something: dropped even when they have no closing tag.
fn is_layout(name: &str) -> bool {
    ["vc_", "td_", "tdc_", "et_pb_", "su_", "fusion_", "av_"]
        .iter()
        .any(|p| name.starts_with(p))
}

fn attr<'a>(attrs: &'a str, key: &str) -> Option<&'a str> {
    let mut rest = attrs;
    while let Some(i) = rest.find(key) {
        let before_ok = i == 0 || rest.as_bytes()[i - 1].is_ascii_whitespace();
        let after = &rest[i + key.len()..];
        if before_ok {
            if let Some(v) = after.strip_prefix('=') {
                return Some(match v.chars().next() {
                    Some(q @ ('"' | '\'')) => v[1..].split(q).next().unwrap_or(""),
                    _ => v.split_whitespace().next().unwrap_or(""),
                });
            }
        }
        rest = after;
    }
    None
}

/// Text made safe inside HTML text and attribute values.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn figure(a: &Attachment) -> String {
    let alt = a.alt.as_deref().unwrap_or("");
    let caption = a
        .caption
        .as_deref()
        .map(|c| format!("<figcaption>{}</figcaption>", escape(c)))
        .unwrap_or_default();
    format!(
        "<figure><img src=\"{}\" alt=\"{}\">{caption}</figure>",
        escape(&a.url),
        escape(alt)
    )
}

/// What a shortcode becomes, given its attributes and the content between its tags.
fn render(
    name: &str,
    attrs: &str,
    inner: &str,
    attachments: &HashMap<i64, Attachment>,
    post: i64,
) -> String {
    match name {
        "caption" | "wp_caption" => {
            // `[caption]<a><img></a> Légende[/caption]`: the image, then its caption.
            let (media, text) = match inner.rfind('>') {
                Some(i) if inner.trim_start().starts_with('<') => (&inner[..=i], &inner[i + 1..]),
                _ => ("", inner),
            };
            let text = match text.trim() {
                "" => attr(attrs, "caption").unwrap_or(""),
                t => t,
            };
            let caption = if text.is_empty() {
                String::new()
            } else {
                format!("<figcaption>{}</figcaption>", text.trim())
            };
            format!("<figure>{}{caption}</figure>", media.trim())
        }
        "embed" => {
            let url = inner.trim();
            format!("<p><a href=\"{0}\">{0}</a></p>", escape(url))
        }
        "gallery" => match attr(attrs, "ids") {
            Some(ids) => ids
                .split(',')
                .filter_map(|id| attachments.get(&id.trim().parse().ok()?))
                .map(figure)
                .collect(),
            // No ids: the images uploaded to the post, in upload order.
            None => {
                let mut own: Vec<(&i64, &Attachment)> = attachments
                    .iter()
                    .filter(|(_, a)| a.parent == post && post != 0)
                    .collect();
                own.sort_by_key(|(id, _)| **id);
                own.into_iter().map(|(_, a)| figure(a)).collect()
            }
        },
        "video" | "audio" => {
            let url = ["src", "mp4", "mp3", "m4a", "ogg", "webm", "wav"]
                .iter()
                .find_map(|k| attr(attrs, k))
                // `[audio https://…/x.mp3]`: the file given bare.
                .or_else(|| {
                    attrs
                        .split_whitespace()
                        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
                });
            match url {
                Some(u) => format!("<p><a href=\"{0}\">{0}</a></p>", escape(u)),
                None => inner.to_owned(),
            }
        }
        // Any other shortcode: its content stays, its tags go.
        _ => inner.to_owned(),
    }
}

/// Replaces shortcodes: `[caption]` becomes a figure, `[embed]`, `[video]` and `[audio]` a link,
/// `[gallery]` the figures of its images; any other paired shortcode leaves its content, and a
/// lone one is dropped when it closes itself (`[x /]`) or lays out a page (`[vc_row]`). A lone
/// `[mot]` that is none of these is text, and stays.
pub fn shortcodes(s: &str, attachments: &HashMap<i64, Attachment>, post: i64) -> String {
    let tags = scan_tags(s);
    if tags.is_empty() {
        return s.to_owned();
    }
    // Pair each closing tag with the nearest open tag of its name.
    let mut pair: Vec<Option<usize>> = vec![None; tags.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, t) in tags.iter().enumerate() {
        if t.closing {
            if let Some(pos) = stack.iter().rposition(|&o| tags[o].name == t.name) {
                pair[stack[pos]] = Some(i);
                stack.truncate(pos);
            }
        } else if !t.self_closing {
            stack.push(i);
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    let mut i = 0;
    while i < tags.len() {
        let t = &tags[i];
        if t.start < at {
            i += 1;
            continue;
        }
        out.push_str(&s[at..t.start]);
        match pair[i] {
            Some(c) => {
                let inner = shortcodes(&s[t.end..tags[c].start], attachments, post);
                out.push_str(&render(t.name, t.attrs, &inner, attachments, post));
                at = tags[c].end;
                i = c + 1;
                continue;
            }
            None if t.self_closing && !t.closing => {
                out.push_str(&render(t.name, t.attrs, "", attachments, post));
            }
            None if is_layout(t.name) || matches!(t.name, "gallery" | "video" | "audio") => {
                out.push_str(&render(t.name, t.attrs, "", attachments, post));
            }
            None => out.push_str(&s[t.start..t.end]),
        }
        at = t.end;
        i += 1;
    }
    out.push_str(&s[at..]);
    out
}

const BLOCKS: [&str; 31] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "iframe",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "tr",
    "ul",
    "!--",
];

fn starts_with_block(chunk: &str) -> bool {
    let Some(rest) = chunk.strip_prefix('<') else {
        return false;
    };
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '!' || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase();
    BLOCKS.contains(&name.as_str()) || name.starts_with("!--")
}

/// A blank line before each block element's start tag and after each end tag, as WordPress does
/// first, so that text beside a list or a heading becomes a paragraph of its own.
fn isolate_blocks(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 16);
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let closing = rest[1..].starts_with('/');
        let name_start = if closing { 2 } else { 1 };
        let name: String = rest[name_start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let next = rest[name_start + name.len()..].chars().next();
        let is_block = !name.is_empty()
            && BLOCKS.contains(&name.as_str())
            && matches!(next, Some('>' | '/' | ' ' | '\n' | '\t'));
        if !is_block {
            out.push('<');
            rest = &rest[1..];
            continue;
        }
        let end = rest.find('>').map(|e| e + 1).unwrap_or(rest.len());
        if closing {
            out.push_str(&rest[..end]);
            out.push_str("\n\n");
        } else {
            out.push_str("\n\n");
            out.push_str(&rest[..end]);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// WordPress's automatic paragraphs, in short: text separated by a blank line is a paragraph, a
/// single line break inside one is a `<br>`; what already starts with a block element stays as it
/// is, and `<pre>` is left alone.
pub fn autop(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut rest = s;
    loop {
        let (text, pre, after) = match rest.find("<pre") {
            Some(i) => {
                let end = rest[i..]
                    .find("</pre>")
                    .map(|e| i + e + 6)
                    .unwrap_or(rest.len());
                (&rest[..i], &rest[i..end], &rest[end..])
            }
            None => (rest, "", ""),
        };
        for chunk in isolate_blocks(text).split("\n\n") {
            let chunk = chunk.trim();
            if chunk.is_empty() {
                continue;
            }
            if starts_with_block(chunk) {
                out.push_str(chunk);
            } else {
                out.push_str("<p>");
                let lines: Vec<&str> = chunk.lines().map(str::trim).collect();
                out.push_str(&lines.join("<br>\n"));
                out.push_str("</p>");
            }
            out.push('\n');
        }
        if pre.is_empty() {
            break;
        }
        out.push_str(pre);
        out.push('\n');
        rest = after;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_are_decoded_once() {
        assert_eq!(
            decode_entities("Sport &amp; sant&eacute; &#8211; L&rsquo;arm&#xE9;e"),
            "Sport & santé – L’armée"
        );
        assert_eq!(
            decode_entities("AT&T &bogus; & 5 &#;"),
            "AT&T &bogus; & 5 &#;"
        );
        assert_eq!(decode_entities("&amp;eacute;"), "&eacute;");
    }

    #[test]
    fn paragraphs_come_from_blank_lines() {
        let html = autop("Premier paragraphe\nsur deux lignes.\n\n<h2>Titre</h2>\n\nSecond.\n\n<pre>a\n\nb</pre>\nFin.");
        assert_eq!(
            html,
            "<p>Premier paragraphe<br>\nsur deux lignes.</p>\n<h2>Titre</h2>\n<p>Second.</p>\n<pre>a\n\nb</pre>\n<p>Fin.</p>\n"
        );
    }

    #[test]
    fn text_beside_blocks_becomes_paragraphs_of_its_own() {
        assert_eq!(
            autop("Texte\n<ul>\n<li>un</li>\n<li>deux</li>\n</ul>\nSuite <em>ici</em>"),
            "<p>Texte</p>\n<ul>\n<li>un</li>\n<li>deux</li>\n</ul>\n<p>Suite <em>ici</em></p>\n"
        );
        assert_eq!(
            autop("<blockquote>Citation</blockquote>"),
            "<blockquote>Citation</blockquote>\n"
        );
    }

    #[test]
    fn media_headings_and_embeds_survive_the_sanitiser() {
        let html = to_html(
            "<h1>Titre</h1>\n\n<video controls src=\"https://v.example/a.mp4\"></video>\n\n<figure class=\"wp-block-audio\"><audio src=\"https://v.example/b.mp3\" controls></audio></figure>\n\nhttps://www.youtube.com/watch?v=abc\n\nTexte https://lien.example en ligne.",
            &HashMap::new(),
            "https://echo.example",
            1,
        );
        assert!(html.contains("<h2>Titre</h2>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://v.example/a.mp4">"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<a href="https://v.example/b.mp3">"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<p><a href="https://www.youtube.com/watch?v=abc">"#),
            "{html}"
        );
        assert!(
            html.contains("<p>Texte https://lien.example en ligne.</p>"),
            "{html}"
        );
        assert!(
            !html.contains("<video") && !html.contains("<audio"),
            "{html}"
        );
    }

    #[test]
    fn paths_on_the_old_site_become_urls() {
        let html = to_html(
            r#"<img src="/wp-content/uploads/a.jpg"> <a href='/2024/01/x/'>x</a> <a href="//cdn.example/b">b</a> <a href="https://autre.example/">c</a>"#,
            &HashMap::new(),
            "https://echo.example",
            1,
        );
        assert!(
            html.contains(r#"src="https://echo.example/wp-content/uploads/a.jpg""#),
            "{html}"
        );
        assert!(
            html.contains("href='https://echo.example/2024/01/x/'"),
            "{html}"
        );
        assert!(html.contains(r#"href="//cdn.example/b""#), "{html}");
        assert!(html.contains(r#"href="https://autre.example/""#), "{html}");
    }

    #[test]
    fn shortcodes_become_html_or_go() {
        let mut atts = HashMap::new();
        atts.insert(
            7,
            Attachment {
                url: "https://img.example/a.jpg".into(),
                caption: Some("Le marché".into()),
                alt: Some("Étals".into()),
                parent: 5,
            },
        );
        let s = r#"[caption id="attachment_7" align="aligncenter" width="600"]<img src="https://img.example/a.jpg" alt="Étals" /> Le marché de Rood-Woko[/caption]"#;
        assert_eq!(
            shortcodes(s, &atts, 0),
            r#"<figure><img src="https://img.example/a.jpg" alt="Étals" /><figcaption>Le marché de Rood-Woko</figcaption></figure>"#
        );
        assert_eq!(
            shortcodes(r#"[gallery ids="7,99"]"#, &atts, 0),
            r#"<figure><img src="https://img.example/a.jpg" alt="Étals"><figcaption>Le marché</figcaption></figure>"#
        );
        assert_eq!(
            shortcodes("[vc_row][vc_column]Texte[/vc_column][/vc_row]", &atts, 0),
            "Texte"
        );
        assert_eq!(shortcodes("[td_block_ad /]Suite", &atts, 0), "Suite");
        assert_eq!(shortcodes("[tdc_zone]Suite", &atts, 0), "Suite");
        assert_eq!(
            shortcodes("[embed]https://video.example/v[/embed]", &atts, 0),
            r#"<p><a href="https://video.example/v">https://video.example/v</a></p>"#
        );
        // A gallery without ids: the images uploaded to the post.
        assert!(shortcodes("[gallery]", &atts, 5).contains("a.jpg"));
        assert_eq!(shortcodes("[gallery]", &atts, 6), "");
        assert_eq!(
            shortcodes("[audio https://son.example/a.mp3]", &atts, 0),
            r#"<p><a href="https://son.example/a.mp3">https://son.example/a.mp3</a></p>"#
        );
        // Brackets that are text stay.
        for text in [
            "[Exclusif] Le texte",
            "[1] note",
            "tableau[i] = 2",
            "[Vidéo]",
        ] {
            assert_eq!(shortcodes(text, &atts, 0), text);
        }
    }
}
