//! Text helpers for article bodies and titles: slugs, sanitised HTML rendering, plain-text
//! extraction, excerpts, word counts and reading time.
//!
//! Everything here is pure (no I/O, no database) and safe to call on untrusted input.

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

/// Longest slug accepted or produced, in characters (slugs are ASCII, so also bytes).
pub const SLUG_MAX: usize = 80;

/// Reading speed used by [`reading_time_minutes`].
const WORDS_PER_MINUTE: i32 = 200;

// ---------------------------------------------------------------------------------------------
// Slugs
// ---------------------------------------------------------------------------------------------

/// Folds a French title/name into a URL slug: accents folded (deunicode), lowercase ASCII, every run of
/// non-alphanumeric chars becomes one '-', no leading/trailing '-', apostrophes (' and ’) are separators,
/// "œ" -> "oe", at most 80 chars (cut at a '-' boundary when possible, never ending with '-').
/// "Coopération militaire : des soldats" -> "cooperation-militaire-des-soldats"
/// "L’Assemblée législative de transition" -> "l-assemblee-legislative-de-transition"
/// "Étalons : 2-1 face au Mali !" -> "etalons-2-1-face-au-mali"
/// Returns an empty string when nothing alphanumeric is left (e.g. "!!!" or "—").
///
/// Only alphanumeric characters are transliterated; every other character (punctuation, symbols,
/// emoji, dashes, quotes) is a separator, so "—" or "🎉" never turn into words. Combining accents
/// (decomposed input such as "e\u{301}") are dropped without separating. A digits-only result
/// (e.g. from "2024") is not a valid slug (it would clash with numeric ids), so it yields "" too:
/// the output is always either "" or a string accepted by [`is_valid_slug`].
pub fn slugify(input: &str) -> String {
    let mut slug = String::with_capacity(input.len().min(SLUG_MAX * 2));
    // True when a separator was seen since the last pushed alphanumeric char.
    let mut pending_dash = false;
    let push_ascii = |slug: &mut String, b: char, pending_dash: &mut bool| {
        if b.is_ascii_alphanumeric() {
            if *pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            *pending_dash = false;
            slug.push(b.to_ascii_lowercase());
        } else {
            *pending_dash = true;
        }
    };

    for c in input.chars() {
        if c.is_ascii() {
            push_ascii(&mut slug, c, &mut pending_dash);
        } else if is_combining_mark(c) {
            // Decomposed accent: belongs to the previous letter.
        } else if c.is_alphanumeric() {
            match deunicode::deunicode_char(c) {
                Some(folded) => {
                    for f in folded.chars() {
                        push_ascii(&mut slug, f, &mut pending_dash);
                    }
                }
                None => pending_dash = true,
            }
        } else {
            pending_dash = true;
        }
        // Stop early on huge inputs: anything past this cannot be part of the slug.
        if slug.len() > SLUG_MAX {
            break;
        }
    }

    if slug.len() > SLUG_MAX {
        slug = truncate_slug(&slug);
    }
    if slug.bytes().all(|b| b.is_ascii_digit()) {
        return String::new();
    }
    slug
}

/// Cuts an over-long slug (ASCII, no leading/trailing/double '-') to at most [`SLUG_MAX`] chars,
/// at a '-' boundary when possible.
fn truncate_slug(slug: &str) -> String {
    let bytes = slug.as_bytes();
    if bytes.len() <= SLUG_MAX {
        return slug.to_owned();
    }
    let hard = &slug[..SLUG_MAX];
    // The cut already falls on a word boundary.
    if bytes[SLUG_MAX] == b'-' {
        return hard.trim_end_matches('-').to_owned();
    }
    if let Some(pos) = hard.rfind('-') {
        let soft = &hard[..pos];
        // A boundary cut leaving only digits would be an invalid slug: cut mid-word instead.
        if !soft.is_empty() && !soft.bytes().all(|b| b.is_ascii_digit()) {
            return soft.to_owned();
        }
    }
    hard.trim_end_matches('-').to_owned()
}

/// Combining diacritical marks (general category Mn in the usual Latin blocks).
fn is_combining_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// True when `s` is a valid slug: 1..=80 chars of [a-z0-9-], no leading/trailing/double '-', and NOT all digits.
pub fn is_valid_slug(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= SLUG_MAX
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !s.contains("--")
        && !b.iter().all(u8::is_ascii_digit)
}

// ---------------------------------------------------------------------------------------------
// Rendering and sanitising
// ---------------------------------------------------------------------------------------------

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
/// th, td, hr, sup, sub, abbr(title), cite, q. No script/style/iframe/object/svg/math, no on* attributes, no
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

// ---------------------------------------------------------------------------------------------
// Plain text
// ---------------------------------------------------------------------------------------------

/// Plain text from sanitised HTML: tags removed, entities decoded (&amp; &lt; &gt; &quot; &#39; &nbsp; numeric
/// entities), block elements (p, h*, li, blockquote, br, tr, figure…) separated by "\n\n" or "\n", runs of spaces
/// collapsed, trimmed. Must not panic on any input.
///
/// `&nbsp;` becomes U+00A0 (kept as is, as French typography needs it); runs of other whitespace
/// become one space. Contents of script/style (should any reach this function) are dropped, as are
/// comments and image alt texts. Table cells are separated by a space.
pub fn html_to_text(html: &str) -> String {
    let mut out = TextSink::new(html.len());
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut in_pre = 0usize;

    while i < bytes.len() {
        match bytes[i] {
            b'<' => match parse_markup(html, i) {
                Markup::Text => {
                    out.push_char('<');
                    i += 1;
                }
                Markup::Skip(end) => i = end,
                Markup::Tag { name, closing, end } => {
                    i = end;
                    let name = name.to_ascii_lowercase();
                    if !closing && matches!(name.as_str(), "script" | "style") {
                        i = skip_raw_text(html, i, &name);
                        continue;
                    }
                    if name == "pre" {
                        in_pre = if closing {
                            in_pre.saturating_sub(1)
                        } else {
                            in_pre + 1
                        };
                    }
                    match block_break(&name) {
                        Break::Paragraph => out.request_break(2),
                        Break::Line => out.request_break(1),
                        Break::Space => out.request_space(),
                        Break::None => {}
                    }
                }
            },
            b'&' => {
                let (decoded, len) = decode_entity(&html[i..]);
                match decoded {
                    Some(c) => out.push_text_char(c, in_pre > 0),
                    None => out.push_char('&'),
                }
                i += len;
            }
            _ => {
                // Plain text run up to the next markup or entity ('<' and '&' are ASCII, so the
                // slice boundaries are char boundaries).
                let end = bytes[i..]
                    .iter()
                    .position(|&b| b == b'<' || b == b'&')
                    .map_or(bytes.len(), |p| i + p);
                for c in html[i..end].chars() {
                    out.push_text_char(c, in_pre > 0);
                }
                i = end;
            }
        }
    }
    out.finish()
}

/// Accumulates plain text, collapsing whitespace and merging block separators.
struct TextSink {
    out: String,
    /// 0: none, 1: "\n", 2: "\n\n" pending before the next visible char.
    pending_break: u8,
    pending_space: bool,
}

impl TextSink {
    fn new(capacity: usize) -> Self {
        Self {
            out: String::with_capacity(capacity),
            pending_break: 0,
            pending_space: false,
        }
    }

    fn request_break(&mut self, level: u8) {
        self.pending_break = self.pending_break.max(level);
    }

    fn request_space(&mut self) {
        self.pending_space = true;
    }

    /// A character of text content, whitespace collapsing applied.
    fn push_text_char(&mut self, c: char, in_pre: bool) {
        match c {
            '\n' if in_pre => self.request_break(1),
            ' ' | '\t' | '\n' | '\r' | '\u{0C}' => self.request_space(),
            '\u{AD}' => {} // soft hyphen: invisible
            _ => self.push_char(c),
        }
    }

    /// A visible character: flushes the pending separator first.
    fn push_char(&mut self, c: char) {
        if !self.out.is_empty() {
            match self.pending_break {
                0 if self.pending_space => self.out.push(' '),
                0 => {}
                1 => self.out.push('\n'),
                _ => self.out.push_str("\n\n"),
            }
        }
        self.pending_break = 0;
        self.pending_space = false;
        self.out.push(c);
    }

    fn finish(self) -> String {
        let trimmed = self.out.trim();
        if trimmed.len() == self.out.len() {
            self.out
        } else {
            trimmed.to_owned()
        }
    }
}

enum Break {
    None,
    Space,
    Line,
    Paragraph,
}

/// Separator a start or end tag introduces in the plain text.
fn block_break(name: &str) -> Break {
    match name {
        "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "ul" | "ol"
        | "dl" | "table" | "figure" | "pre" | "hr" | "section" | "article" | "header"
        | "footer" | "aside" | "nav" | "main" | "address" | "details" | "fieldset" | "form" => {
            Break::Paragraph
        }
        "br" | "li" | "tr" | "dt" | "dd" | "figcaption" | "thead" | "tbody" | "tfoot"
        | "caption" | "summary" => Break::Line,
        "td" | "th" => Break::Space,
        _ => Break::None,
    }
}

enum Markup<'a> {
    /// Not markup: the '<' is literal text.
    Text,
    /// Comment, doctype or processing instruction, to be skipped up to this byte offset.
    Skip(usize),
    /// A start or end tag ending just before byte offset `end`.
    Tag {
        name: &'a str,
        closing: bool,
        end: usize,
    },
}

/// Looks at the markup starting with the '<' at byte `start`.
fn parse_markup(html: &str, start: usize) -> Markup<'_> {
    let bytes = html.as_bytes();
    let rest = &bytes[start + 1..];
    match rest.first() {
        Some(b'!') => {
            if rest.starts_with(b"!--") {
                let body = start + 4;
                let end = html[body..]
                    .find("-->")
                    .map_or(html.len(), |p| body + p + 3);
                Markup::Skip(end)
            } else {
                Markup::Skip(find_byte(bytes, start + 1, b'>'))
            }
        }
        Some(b'?') => Markup::Skip(find_byte(bytes, start + 1, b'>')),
        Some(b'/') => match rest.get(1) {
            Some(c) if c.is_ascii_alphabetic() => {
                let name_start = start + 2;
                let name_end = tag_name_end(bytes, name_start);
                Markup::Tag {
                    name: &html[name_start..name_end],
                    closing: true,
                    end: find_byte(bytes, name_end, b'>'),
                }
            }
            // "</>" or "</ 3": browsers treat it as a bogus comment.
            Some(_) => Markup::Skip(find_byte(bytes, start + 1, b'>')),
            None => Markup::Text,
        },
        Some(c) if c.is_ascii_alphabetic() => {
            let name_start = start + 1;
            let name_end = tag_name_end(bytes, name_start);
            Markup::Tag {
                name: &html[name_start..name_end],
                closing: false,
                end: tag_end(bytes, name_end),
            }
        }
        _ => Markup::Text,
    }
}

/// End (exclusive) of a tag name made of ASCII alphanumerics, '-' and ':'.
fn tag_name_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b':'))
        .map_or(bytes.len(), |p| from + p)
}

/// Offset just past the first `needle` at or after `from`, or the end of input.
fn find_byte(bytes: &[u8], from: usize, needle: u8) -> usize {
    bytes[from.min(bytes.len())..]
        .iter()
        .position(|&b| b == needle)
        .map_or(bytes.len(), |p| from + p + 1)
}

/// Offset just past the '>' closing a start tag, skipping quoted attribute values.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote: Option<u8> = None;
    for (offset, &b) in bytes[from..].iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return from + offset + 1,
            None => {}
        }
    }
    bytes.len()
}

/// Skips the raw text of a script/style element up to and including its end tag.
fn skip_raw_text(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut i = from;
    while let Some(p) = bytes[i..].iter().position(|&b| b == b'<') {
        let lt = i + p;
        let after = lt + 2;
        if bytes.get(lt + 1) == Some(&b'/')
            && bytes.len() >= after + name.len()
            && bytes[after..after + name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            return find_byte(bytes, after + name.len(), b'>');
        }
        i = lt + 1;
    }
    bytes.len()
}

/// Decodes the entity at the start of `s` (which starts with '&'). Returns the character (None
/// when it is not a known entity, in which case the '&' is literal) and the bytes consumed.
fn decode_entity(s: &str) -> (Option<char>, usize) {
    let bytes = s.as_bytes();
    // Entities are short; look for the ';' within a bounded window of ASCII bytes.
    let window = &bytes[1..bytes.len().min(34)];
    let Some(semi) = window.iter().position(|&b| b == b';') else {
        return (None, 1);
    };
    let name = &window[..semi];
    if name.is_empty() || !name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'#') {
        return (None, 1);
    }
    let consumed = semi + 2;
    // The name is ASCII, so this slice is on char boundaries.
    let name = &s[1..1 + semi];
    if let Some(num) = name.strip_prefix('#') {
        let (digits, radix) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16),
            None => (num, 10),
        };
        // "&#;", "&#x;", "&#xZZ;", "&#12a;": not an entity, the '&' is literal.
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return (None, 1);
        }
        // Overflow, NUL, surrogates and out-of-range values become U+FFFD, as browsers do.
        let c = u32::from_str_radix(digits, radix)
            .ok()
            .filter(|&v| v != 0)
            .and_then(char::from_u32)
            .unwrap_or('\u{FFFD}');
        return (Some(c), consumed);
    }
    match named_entity(name) {
        Some(c) => (Some(c), consumed),
        None => (None, 1),
    }
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        "shy" => '\u{AD}',
        "laquo" => '«',
        "raquo" => '»',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sbquo" => '‚',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "thinsp" => '\u{2009}',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "middot" => '·',
        "bull" => '•',
        "deg" => '°',
        "euro" => '€',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "sect" => '§',
        "para" => '¶',
        "times" => '×',
        "divide" => '÷',
        "iexcl" => '¡',
        "iquest" => '¿',
        "agrave" => 'à',
        "aacute" => 'á',
        "acirc" => 'â',
        "auml" => 'ä',
        "aelig" => 'æ',
        "ccedil" => 'ç',
        "egrave" => 'è',
        "eacute" => 'é',
        "ecirc" => 'ê',
        "euml" => 'ë',
        "icirc" => 'î',
        "iuml" => 'ï',
        "ocirc" => 'ô',
        "ouml" => 'ö',
        "oelig" => 'œ',
        "ugrave" => 'ù',
        "ucirc" => 'û',
        "uuml" => 'ü',
        "yuml" => 'ÿ',
        "Agrave" => 'À',
        "Acirc" => 'Â',
        "AElig" => 'Æ',
        "Ccedil" => 'Ç',
        "Egrave" => 'È',
        "Eacute" => 'É',
        "Ecirc" => 'Ê',
        "Euml" => 'Ë',
        "Icirc" => 'Î',
        "Iuml" => 'Ï',
        "Ocirc" => 'Ô',
        "OElig" => 'Œ',
        "Ugrave" => 'Ù',
        "Ucirc" => 'Û',
        "Uuml" => 'Ü',
        "Yuml" => 'Ÿ',
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Excerpts, word counts, reading time
// ---------------------------------------------------------------------------------------------

/// Excerpt of at most `max_chars` characters (Unicode scalar values) INCLUDING the final '…' when cut.
/// Whitespace (including newlines) is collapsed to single spaces first. A text that fits is returned as is,
/// with no '…'. Otherwise cut at the last word boundary so that text + '…' <= max_chars, strip trailing
/// punctuation/spaces (, ; : - – — and spaces) before appending '…'. A single word longer than the limit is cut
/// mid-word. API: excerpt(text, 160).
///
/// Also stripped before the '…': '.', opening quotes/brackets ('«', '(', '[', '“', '"') and a dangling
/// apostrophe, so no excerpt ends in "mot.…" or "« …". With `max_chars == 0` the result is empty.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max_chars {
        return collapsed;
    }
    if max_chars == 0 {
        return String::new();
    }
    let budget = max_chars - 1; // room for the text before '…'

    // Byte offset of the end of the first `budget` chars, and the char right after them.
    let (cut, next) = match collapsed.char_indices().nth(budget) {
        Some((offset, c)) => (offset, Some(c)),
        None => (collapsed.len(), None),
    };
    let head = &collapsed[..cut];
    let word_cut = if next == Some(' ') {
        head
    } else {
        match head.rfind(' ') {
            Some(space) if space > 0 => &head[..space],
            _ => head, // a single word longer than the limit: cut mid-word
        }
    };

    let stripped = word_cut.trim_end_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | ';' | ':' | '-' | '–' | '—' | '.' | '«' | '(' | '[' | '“' | '"' | '\'' | '’'
            )
    });
    // Text made only of punctuation: keep it rather than returning a bare '…'.
    let body = if stripped.is_empty() {
        word_cut
    } else {
        stripped
    };

    let mut out = String::with_capacity(body.len() + '…'.len_utf8());
    out.push_str(body);
    out.push('…');
    out
}

/// Words in a plain text (runs separated by whitespace; "l’armée" counts as one word; lone punctuation such as
/// "—" or ":" is not a word).
///
/// A word is a whitespace-separated run containing at least one alphanumeric character, so
/// numbers ("2024", "2-1") count as words.
pub fn word_count(text: &str) -> i32 {
    let n = text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Reading time in whole minutes at 200 words per minute, rounded up, at least 1.
pub fn reading_time_minutes(words: i32) -> i32 {
    if words <= 0 {
        return 1;
    }
    let minutes = words / WORDS_PER_MINUTE + i32::from(words % WORDS_PER_MINUTE != 0);
    minutes.max(1)
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    // --- slugify ---------------------------------------------------------------------------

    #[test]
    fn slugify_french_titles() {
        assert_eq!(
            slugify("Coopération militaire : des soldats"),
            "cooperation-militaire-des-soldats"
        );
        assert_eq!(
            slugify("L’Assemblée législative de transition"),
            "l-assemblee-legislative-de-transition"
        );
        assert_eq!(
            slugify("Étalons : 2-1 face au Mali !"),
            "etalons-2-1-face-au-mali"
        );
        assert_eq!(
            slugify("Fête de la Tabaski 2024"),
            "fete-de-la-tabaski-2024"
        );
        assert_eq!(slugify("Œuvres d’art"), "oeuvres-d-art");
        assert_eq!(slugify("Sœur Emmanuelle"), "soeur-emmanuelle");
        assert_eq!(slugify("L'économie d'abord"), "l-economie-d-abord");
        assert_eq!(slugify("  --Ça   commence__ici--  "), "ca-commence-ici");
        assert_eq!(
            slugify("« Bobo-Dioulasso » — la ville"),
            "bobo-dioulasso-la-ville"
        );
        assert_eq!(slugify("Noël à Ouagadougou 🎉"), "noel-a-ouagadougou");
        assert_eq!(slugify("Mali\u{a0}!"), "mali");
    }

    #[test]
    fn slugify_decomposed_accents() {
        // "Créé" written with combining acute accents (NFD, as typed on some systems).
        assert_eq!(slugify("Cre\u{301}e\u{301} en 1960"), "cree-en-1960");
    }

    #[test]
    fn slugify_nothing_left() {
        assert_eq!(slugify("!!!"), "");
        assert_eq!(slugify("—"), "");
        assert_eq!(slugify(""), "");
        assert_eq!(slugify("   "), "");
        assert_eq!(slugify("« » … ’"), "");
    }

    #[test]
    fn slugify_digits_only_is_empty() {
        // A digits-only slug would clash with numeric ids and is not valid.
        assert_eq!(slugify("2024"), "");
        assert_eq!(slugify("2024 — 2025"), "2024-2025");
        assert!(is_valid_slug(&slugify("2024 — 2025")));
        assert_eq!(slugify("1er janvier"), "1er-janvier");
    }

    #[test]
    fn slugify_truncates_at_word_boundary() {
        let title = "Le gouvernement de transition annonce une nouvelle série de réformes \
                     institutionnelles majeures pour la refondation de l’État";
        let slug = slugify(title);
        assert!(slug.len() <= 80, "{slug} ({})", slug.len());
        assert!(is_valid_slug(&slug), "{slug}");
        assert_eq!(
            slug,
            "le-gouvernement-de-transition-annonce-une-nouvelle-serie-de-reformes"
        );
        // Exactly 80 chars: untouched.
        let exact = "a".repeat(80);
        assert_eq!(slugify(&exact), exact);
        // Cut falling exactly on a boundary.
        let words = format!("{} {}", "a".repeat(80), "b".repeat(10));
        assert_eq!(slugify(&words), "a".repeat(80));
    }

    #[test]
    fn slugify_truncates_long_word_mid_word() {
        let long = "x".repeat(200);
        assert_eq!(slugify(&long), "x".repeat(80));
        // Boundary cut would leave only digits: cut mid-word instead.
        let s = slugify(&format!("2024 {}", "y".repeat(100)));
        assert_eq!(s.len(), 80);
        assert!(is_valid_slug(&s), "{s}");
        assert!(s.starts_with("2024-yyy"));
    }

    #[test]
    fn slugify_output_is_always_valid_or_empty() {
        let samples = [
            "Coopération militaire : des soldats",
            "Fête de la Tabaski 2024",
            "2024",
            "—",
            "a-b--c",
            "北京 2008",
            "½ finale",
            "Ⅻe édition",
            "Ça va ? Oui !",
        ];
        for s in samples {
            let slug = slugify(s);
            assert!(slug.is_empty() || is_valid_slug(&slug), "{s:?} -> {slug:?}");
        }
    }

    // --- is_valid_slug ---------------------------------------------------------------------

    #[test]
    fn valid_slugs() {
        for s in [
            "cooperation-militaire-des-soldats",
            "etalons-2-1-face-au-mali",
            "a",
            "2024-en-images",
            "fete-de-la-tabaski-2024",
            &"a".repeat(80),
        ] {
            assert!(is_valid_slug(s), "{s}");
        }
    }

    #[test]
    fn invalid_slugs() {
        for s in [
            "",
            "2024",
            "0",
            "-debut",
            "fin-",
            "double--tiret",
            "Majuscule",
            "espace ici",
            "accentué",
            "sous_tiret",
            "point.final",
            "-",
            &"a".repeat(81),
        ] {
            assert!(!is_valid_slug(s), "{s}");
        }
    }

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

    // --- html_to_text ----------------------------------------------------------------------

    #[test]
    fn text_from_nested_markup() {
        let html = "<h2>Le <em>contexte</em></h2><p>Les <strong>Étalons</strong> ont <a href=\"https://x.org\">battu</a> le Mali.</p>\
                    <ul><li>Premier</li><li>Second <b>point</b></li></ul>\
                    <blockquote><p>« Nous irons jusqu’au bout »</p></blockquote><p>ligne 1<br>ligne 2</p>";
        assert_eq!(
            html_to_text(html),
            "Le contexte\n\nLes Étalons ont battu le Mali.\n\nPremier\nSecond point\n\n\
             « Nous irons jusqu’au bout »\n\nligne 1\nligne 2"
        );
    }

    #[test]
    fn text_decodes_entities() {
        assert_eq!(
            html_to_text("<p>Tom &amp; Jerry &lt;3 &gt; &quot;cité&quot; l&#39;armée l&#x2019;État &#8212; fin</p>"),
            "Tom & Jerry <3 > \"cité\" l'armée l’État — fin"
        );
        assert_eq!(html_to_text("Mali&nbsp;!"), "Mali\u{a0}!");
        assert_eq!(
            html_to_text("&eacute;t&eacute; &laquo;&nbsp;oui&nbsp;&raquo;"),
            "été «\u{a0}oui\u{a0}»"
        );
        // Unknown or malformed entities stay literal.
        assert_eq!(
            html_to_text("R&D &foo; a&b &#; &#xZZ; &"),
            "R&D &foo; a&b &#; &#xZZ; &"
        );
        // Invalid code points become U+FFFD.
        assert_eq!(
            html_to_text("&#0;&#xD800;&#99999999;"),
            "\u{FFFD}\u{FFFD}\u{FFFD}"
        );
    }

    #[test]
    fn text_collapses_spaces_and_trims() {
        assert_eq!(
            html_to_text("\n  <p>  Bonjour   \n  tout\tle   monde </p>\n\n<p></p><p> Suite </p>  "),
            "Bonjour tout le monde\n\nSuite"
        );
        assert_eq!(html_to_text("a<td>b</td><td>c</td>"), "a b c");
        assert_eq!(
            html_to_text(
                "<table><tr><th>É</th><th>B</th></tr><tr><td>x</td><td>1</td></tr></table>"
            ),
            "É B\nx 1"
        );
        assert_eq!(html_to_text("<figure><img src=\"https://x.org/a.jpg\" alt=\"photo\"><figcaption>Légende</figcaption></figure><p>Texte</p>"), "Légende\n\nTexte");
    }

    #[test]
    fn text_of_rendered_markdown() {
        let html = render_body(
            "## Titre\n\nUn *premier* paragraphe.\n\n- a\n- b",
            BodyFormat::Markdown,
        );
        assert_eq!(
            html_to_text(&html),
            "Titre\n\nUn premier paragraphe.\n\na\nb"
        );
    }

    #[test]
    fn text_pre_keeps_lines() {
        assert_eq!(
            html_to_text("<pre><code>ligne 1\nligne 2\n</code></pre>"),
            "ligne 1\nligne 2"
        );
    }

    #[test]
    fn text_skips_comments_scripts_and_odd_markup() {
        assert_eq!(html_to_text("a<!-- commentaire -->b"), "ab");
        assert_eq!(
            html_to_text("<script>var x = '<p>';</script>ok<STYLE>p{}</STYLE>"),
            "ok"
        );
        assert_eq!(html_to_text("1 < 2 et 3 > 2"), "1 < 2 et 3 > 2");
        assert_eq!(html_to_text("<a title=\"a > b\">lien</a>"), "lien");
        assert_eq!(html_to_text("<!DOCTYPE html><p>x</p>"), "x");
        assert_eq!(html_to_text("fin <"), "fin <");
        assert_eq!(html_to_text("fin <p"), "fin");
        assert_eq!(html_to_text("fin </"), "fin </");
    }

    #[test]
    fn text_never_panics() {
        let nasty = [
            "",
            "<",
            ">",
            "&",
            "&#",
            "&#x",
            "&#x;",
            "<!--",
            "<!",
            "<?",
            "</",
            "</p",
            "<p",
            "<a href='",
            "<script>",
            "<script>never closed",
            "</script",
            "&amp",
            "&#1234567890123;",
            "é<é>é&é;é",
            "<é>",
            "&é;",
            "<p>Ça</p",
            "<<<>>>&&&;;;",
            "<!-- é -- >",
            "<pre>",
            "</pre></pre>x",
            "\u{0}<\u{0}>&\u{0};",
            "🎉<🎉>&🎉;",
            "<a b='é\">é'>é</a>",
        ];
        for s in nasty {
            let _ = html_to_text(s);
        }
        // Every prefix of a tricky input, cut at every char boundary.
        let tricky =
            "<p a=\"é'\">L’été &eacute;&#233;&#xE9; <!-- c --> <script>x</script> — fin</p>";
        for (i, _) in tricky.char_indices() {
            let _ = html_to_text(&tricky[..i]);
            let _ = html_to_text(&tricky[i..]);
        }
    }

    // --- excerpt ---------------------------------------------------------------------------

    const LONG_TEXT: &str = "Le gouvernement de transition a annoncé, ce mardi à Ouagadougou, une série de \
        mesures destinées à soutenir les populations déplacées internes, dont le nombre dépasse désormais \
        deux millions selon les chiffres officiels publiés par le ministère de l’Action humanitaire.";

    #[test]
    fn excerpt_short_text_unchanged() {
        assert_eq!(
            excerpt("Les Étalons qualifiés.", 160),
            "Les Étalons qualifiés."
        );
        assert_eq!(excerpt("", 160), "");
        // Whitespace is still collapsed.
        assert_eq!(
            excerpt("  Les   Étalons\n\nqualifiés. ", 160),
            "Les Étalons qualifiés."
        );
        // Exactly at the limit: no ellipsis.
        let exact = "é".repeat(160);
        assert_eq!(excerpt(&exact, 160), exact);
    }

    #[test]
    fn excerpt_cuts_at_word_with_ellipsis() {
        let e = excerpt(LONG_TEXT, 160);
        assert!(e.chars().count() <= 160, "{} chars: {e}", e.chars().count());
        assert!(e.len() > 160, "byte length exceeds chars with accents");
        assert!(e.ends_with('…'), "{e}");
        let body = e.trim_end_matches('…');
        // Cut at a word boundary: the excerpt body is a prefix ending at a whole word.
        assert!(LONG_TEXT.starts_with(body), "{e}");
        let next = LONG_TEXT[body.len()..].chars().next();
        assert!(
            matches!(next, Some(' ') | Some(',')),
            "cut inside a word: {e}"
        );
        assert_eq!(
            e,
            "Le gouvernement de transition a annoncé, ce mardi à Ouagadougou, une série de mesures \
             destinées à soutenir les populations déplacées internes, dont le nombre…"
        );
    }

    #[test]
    fn excerpt_counts_chars_not_bytes() {
        let text = "été ".repeat(100); // 400 chars, 700 bytes
        let e = excerpt(&text, 160);
        assert!(e.chars().count() <= 160);
        assert_eq!(e, format!("{}…", vec!["été"; 40].join(" ")));
        for max in 1..=40 {
            let e = excerpt(LONG_TEXT, max);
            assert!(e.chars().count() <= max, "{max}: {e}");
            assert!(e.ends_with('…'), "{max}: {e}");
        }
    }

    #[test]
    fn excerpt_strips_trailing_punctuation() {
        // The cut falls right after "Ouagadougou," -> the comma goes.
        let text = "À Ouagadougou, les habitants attendent la saison des pluies";
        assert_eq!(excerpt(text, 16), "À Ouagadougou…");
        assert_eq!(excerpt("Bilan : trois morts et dix blessés", 10), "Bilan…");
        assert_eq!(excerpt("Bilan — trois morts et dix blessés", 10), "Bilan…");
        assert_eq!(excerpt("Bilan; trois morts et dix blessés", 10), "Bilan…");
        assert_eq!(excerpt("Bilan - trois morts et dix blessés", 10), "Bilan…");
        assert_eq!(excerpt("Bilan – trois morts et dix blessés", 10), "Bilan…");
        assert_eq!(excerpt("Il a dit « non » hier soir", 12), "Il a dit…");
    }

    #[test]
    fn excerpt_collapses_newlines() {
        let e = excerpt(
            "Premier paragraphe.\n\nSecond paragraphe très long qui dépasse",
            40,
        );
        assert_eq!(e, "Premier paragraphe. Second paragraphe…");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn excerpt_single_long_word() {
        let word = "a".repeat(300);
        let e = excerpt(&word, 160);
        assert_eq!(e.chars().count(), 160);
        assert_eq!(e, format!("{}…", "a".repeat(159)));
        let accented = "é".repeat(300);
        let e = excerpt(&accented, 160);
        assert_eq!(e, format!("{}…", "é".repeat(159)));
        // A long first word followed by more text is cut mid-word too.
        let e = excerpt(&format!("{} fin", "b".repeat(200)), 160);
        assert_eq!(e, format!("{}…", "b".repeat(159)));
    }

    #[test]
    fn excerpt_edge_limits() {
        assert_eq!(excerpt("Bonjour le monde", 0), "");
        assert_eq!(excerpt("Bonjour le monde", 1), "…");
        assert_eq!(excerpt("Bonjour le monde", 2), "B…");
        assert_eq!(excerpt("— — — — — —", 4), "— —…");
    }

    // --- invariants on generated inputs ---------------------------------------------------

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

    // --- word_count / reading_time ---------------------------------------------------------

    #[test]
    fn word_count_french() {
        assert_eq!(word_count(""), 0);
        assert_eq!(word_count("   \n "), 0);
        assert_eq!(word_count("l’armée"), 1);
        assert_eq!(
            word_count("L’armée a repris le contrôle — selon l’état-major : 2-1."),
            8
        );
        assert_eq!(word_count("Bilan : trois morts"), 3);
        assert_eq!(word_count("« Nous irons jusqu’au bout »"), 4);
        assert_eq!(word_count("Mali\u{a0}! En 2024,\nles Étalons…"), 5);
        assert_eq!(word_count(&"mot ".repeat(450)), 450);
    }

    #[test]
    fn reading_time() {
        assert_eq!(reading_time_minutes(0), 1);
        assert_eq!(reading_time_minutes(-5), 1);
        assert_eq!(reading_time_minutes(1), 1);
        assert_eq!(reading_time_minutes(200), 1);
        assert_eq!(reading_time_minutes(201), 2);
        assert_eq!(reading_time_minutes(400), 2);
        assert_eq!(reading_time_minutes(401), 3);
        assert_eq!(reading_time_minutes(i32::MAX), i32::MAX / 200 + 1);
        assert_eq!(reading_time_minutes(word_count(&"mot ".repeat(450))), 3);
    }
}
