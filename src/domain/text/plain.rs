//! Plain text from sanitised HTML (read with html5ever's tokenizer), excerpts cut at a word, word
//! counts and reading time.

use std::cell::{Cell, RefCell};

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// Reading speed used by [`reading_time_minutes`].
const WORDS_PER_MINUTE: i32 = 200;

/// Plain text from sanitised HTML: tags removed, entities decoded (&amp; &lt; &gt; &quot; &#39; &nbsp; numeric
/// entities), block elements (p, h*, li, blockquote, br, tr, figure…) separated by "\n\n" or "\n", runs of spaces
/// collapsed, trimmed. Must not panic on any input.
///
/// `&nbsp;` becomes U+00A0 (kept as is, as French typography needs it); runs of other whitespace
/// become one space. Contents of script/style (should any reach this function) are dropped, as are
/// comments and image alt texts. Table cells are separated by a space.
pub fn html_to_text(html: &str) -> String {
    let sink = PlainText {
        out: RefCell::new(TextSink::new(html.len())),
        in_pre: Cell::new(0),
        raw: Cell::new(false),
    };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    // The sink never asks to stop for a script, so one feed reads everything.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.out.into_inner().finish()
}

/// What [`html_to_text`] does with each token of the HTML tokenizer (the WHATWG one, from
/// `html5ever`: entities, comments, doctypes and malformed markup are read as browsers read them).
struct PlainText {
    out: RefCell<TextSink>,
    /// Open `<pre>` elements (their line breaks are kept).
    in_pre: Cell<usize>,
    /// Inside a script or style element, whose text is dropped.
    raw: Cell<bool>,
}

impl TokenSink for PlainText {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut out = self.out.borrow_mut();
        match token {
            Token::CharacterTokens(text) if !self.raw.get() => {
                let pre = self.in_pre.get() > 0;
                for c in text.chars() {
                    out.push_text_char(c, pre);
                }
            }
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                let start = tag.kind == TagKind::StartTag;
                if matches!(name, "script" | "style") {
                    self.raw.set(start);
                    return if start {
                        TokenSinkResult::RawData(RawKind::Rawtext)
                    } else {
                        TokenSinkResult::Continue
                    };
                }
                if name == "pre" {
                    let open = self.in_pre.get();
                    self.in_pre.set(if start {
                        open + 1
                    } else {
                        open.saturating_sub(1)
                    });
                }
                match block_break(name) {
                    Break::Paragraph => out.request_break(2),
                    Break::Line => out.request_break(1),
                    Break::Space => out.request_space(),
                    Break::None => {}
                }
            }
            // Text of script and style, comments, doctypes, NUL characters and parse errors: nothing.
            _ => {}
        }
        TokenSinkResult::Continue
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::{render_body, BodyFormat};

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
