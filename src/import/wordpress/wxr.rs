//! A streaming reader of WordPress eXtended RSS (the file of Tools → Export): the channel's
//! children (`wp:author`, `wp:category`, `wp:tag`, `wp:term`, `item`…) one at a time, each as a small
//! tree, so that a 2 GB export is never held in memory, only its largest item.
//!
//! It forgives what real exports hold: HTML entities that XML does not define (`&nbsp;`,
//! `&eacute;`), a bare `&`, an end tag that does not match; an item whose XML is broken is handed
//! over with the error, so that the importer reports it and goes on with the next.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// An element: its name as written (`wp:post_id`), attributes, text (CDATA, text and entities
/// joined) and children.
#[derive(Debug, Default, Clone)]
pub struct El {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<El>,
}

impl El {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&El> {
        self.children.iter().find(|c| c.name == name)
    }
    /// The text of the first child named `name`, trimmed ("" when absent).
    pub fn text_of(&self, name: &str) -> &str {
        self.child(name).map(|c| c.text.trim()).unwrap_or("")
    }
    /// The children named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One child of `<channel>`, where it starts in the file, and what was wrong with its XML.
#[derive(Debug)]
pub struct Node {
    pub el: El,
    pub offset: u64,
    pub error: Option<String>,
}

/// Reads the export, calling `each` with every child of `<channel>` in file order, and `at` with
/// the byte offset reached. Stops at the first error `each` returns.
pub fn read<R: BufRead>(
    input: R,
    mut each: impl FnMut(Node) -> anyhow::Result<()>,
    mut at: impl FnMut(u64),
) -> anyhow::Result<()> {
    let mut reader = Reader::from_reader(input);
    let config = reader.config_mut();
    config.allow_dangling_amp = true;
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    let mut buf = Vec::new();
    // Where we are: 0 outside <rss>, 1 in <rss>, 2 in <channel>, then the open elements.
    let mut outer: Vec<String> = Vec::new();
    let mut open: Vec<(El, u64)> = Vec::new();
    let mut error: Option<String> = None;
    let mut errors_in_a_row = 0;
    let mut seen_root = false;
    loop {
        let offset = reader.buffer_position();
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => {
                errors_in_a_row = 0;
                e
            }
            Err(e) => {
                errors_in_a_row += 1;
                if errors_in_a_row > 100 {
                    anyhow::bail!("the XML cannot be read past byte {offset}: {e}");
                }
                let message = format!("malformed XML: {e}");
                if open.is_empty() {
                    if !seen_root {
                        anyhow::bail!("not a WordPress export: {e}");
                    }
                } else {
                    error.get_or_insert(message);
                }
                buf.clear();
                continue;
            }
        };
        match event {
            Event::Start(e) => {
                let el = start(&e);
                if outer.len() < 2 && open.is_empty() {
                    let want = if outer.is_empty() { "rss" } else { "channel" };
                    if el.name != want {
                        anyhow::bail!(
                            "not a WordPress export: <{}> where <{want}> was expected",
                            el.name
                        );
                    }
                    seen_root = true;
                    outer.push(el.name);
                } else {
                    open.push((el, offset));
                }
            }
            Event::Empty(e) => {
                let el = start(&e);
                if let Some(node) = close(&mut open, el, offset, &mut error) {
                    each(node)?;
                }
            }
            Event::End(e) => {
                let name = e.name().as_ref().to_owned();
                if open.is_empty() {
                    if outer.last() == Some(&name) {
                        outer.pop();
                    }
                    continue;
                }
                // An end tag that closes no open element is ignored; one that closes an element
                // further up closes the ones in between (and marks the XML as broken).
                let Some(depth) = open.iter().rposition(|(el, _)| el.name == name) else {
                    error.get_or_insert_with(|| format!("malformed XML: a stray </{name}>"));
                    continue;
                };
                while open.len() > depth + 1 {
                    let (el, _) = open.pop().expect("deeper element");
                    error.get_or_insert_with(|| {
                        format!("malformed XML: <{}> is not closed", el.name)
                    });
                    attach(&mut open, el);
                }
                let (el, start_offset) = open.pop().expect("the element closed");
                if let Some(node) = close(&mut open, el, start_offset, &mut error) {
                    each(node)?;
                }
            }
            Event::Text(t) => {
                if let Some((el, _)) = open.last_mut() {
                    el.text
                        .push_str(&t.xml_content(quick_xml::XmlVersion::Implicit1_0));
                }
            }
            Event::CData(t) => {
                if let Some((el, _)) = open.last_mut() {
                    el.text.push_str(&t.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                if let Some((el, _)) = open.last_mut() {
                    let name: String = r.as_ref().to_owned();
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => el.text.push(c),
                        _ => match super::body::entity(&name) {
                            Some(s) => el.text.push_str(&s),
                            None => {
                                el.text.push('&');
                                el.text.push_str(&name);
                                el.text.push(';');
                            }
                        },
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        at(reader.buffer_position());
        buf.clear();
    }
    if !seen_root {
        anyhow::bail!("not a WordPress export: the file holds no <rss> element");
    }
    // An item cut short by the end of the file is reported, not lost silently.
    if let Some((mut el, offset)) = open.drain(..).next() {
        el.children.clear();
        each(Node {
            el,
            offset,
            error: Some("malformed XML: the file ends inside this element".into()),
        })?;
    }
    Ok(())
}

fn start(e: &BytesStart) -> El {
    El {
        name: e.name().as_ref().to_owned(),
        attrs: e
            .attributes()
            .flatten()
            .map(|a| {
                let k = a.key.as_ref().to_owned();
                let v = a
                    .normalized_value_with(quick_xml::XmlVersion::Implicit1_0, 1, |name| {
                        quick_xml::escape::resolve_xml_entity(name)
                    })
                    .map(|v| v.into_owned())
                    .unwrap_or_else(|_| super::body::decode_entities(&a.value));
                (k, v)
            })
            .collect(),
        ..El::default()
    }
}

fn attach(open: &mut [(El, u64)], el: El) {
    if let Some((parent, _)) = open.last_mut() {
        parent.children.push(el);
    }
}

/// A finished element: a child of the open one, or, at the channel's level, a node to hand over.
fn close(open: &mut [(El, u64)], el: El, offset: u64, error: &mut Option<String>) -> Option<Node> {
    if open.is_empty() {
        return Some(Node {
            el,
            offset,
            error: error.take(),
        });
    }
    attach(open, el);
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(xml: &str) -> Vec<Node> {
        let mut out = Vec::new();
        read(
            xml.as_bytes(),
            |n| {
                out.push(n);
                Ok(())
            },
            |_| {},
        )
        .unwrap();
        out
    }

    #[test]
    fn channel_children_come_one_by_one_with_their_text() {
        let xml = r#"<?xml version="1.0"?><rss><channel><title>Le Quotidien</title>
            <wp:author><wp:author_login><![CDATA[awa]]></wp:author_login></wp:author>
            <item><title>L&#8217;été &nbsp;&amp; AT&T &eacute;t&eacute; &bogus;</title>
            <category domain="post_tag" nicename="aib"><![CDATA[AIB]]></category><wp:postmeta/></item>
            </channel></rss>"#;
        let n = nodes(xml);
        assert_eq!(n.len(), 3);
        assert_eq!(n[1].el.text_of("wp:author_login"), "awa");
        let item = &n[2].el;
        assert_eq!(item.text_of("title"), "L’été \u{a0}& AT&T été &bogus;");
        let cat = item.child("category").unwrap();
        assert_eq!(cat.attr("nicename"), Some("aib"));
        assert_eq!(cat.text, "AIB");
        assert!(n.iter().all(|n| n.error.is_none()));
        assert!(xml[n[2].offset as usize..].starts_with("<item>"));
    }

    #[test]
    fn a_broken_item_is_handed_over_with_its_error_and_the_next_one_is_read() {
        let xml = "<rss><channel><item><title>Un</title><description>oops</item>\
                   <item><title>Deux</title></item></channel></rss>";
        let n = nodes(xml);
        assert_eq!(n.len(), 2);
        assert!(n[0].error.as_deref().unwrap().contains("not closed"));
        assert_eq!(n[1].el.text_of("title"), "Deux");
        assert!(n[1].error.is_none());
    }

    #[test]
    fn other_files_are_refused() {
        let err = read("<html><body/></html>".as_bytes(), |_| Ok(()), |_| {}).unwrap_err();
        assert!(err.to_string().contains("not a WordPress export"));
        assert!(read("".as_bytes(), |_| Ok(()), |_| {}).is_err());
    }
}
