//! Sanitising, slugs and excerpts on arbitrary input: never a panic, never a dangerous tag, event
//! handler, style or script URL in a tag, slugs always valid or empty, excerpts within 160 characters.
#![no_main]

use kiosque::domain::text::{excerpt, html_to_text, is_valid_slug, render_body, slugify, BodyFormat};
use libfuzzer_sys::fuzz_target;

/// Checks every tag of sanitised HTML (text between tags may say anything).
fn assert_safe(html: &str) {
    for chunk in html.split('<').skip(1) {
        let tag = chunk.split('>').next().unwrap_or("").to_lowercase();
        let name = tag.trim_start_matches('/').split_whitespace().next().unwrap_or("");
        assert!(
            !["script", "iframe", "svg", "math", "object", "embed", "style", "form", "input"].contains(&name),
            "<{name}> survived"
        );
        for attr in tag.split_whitespace().skip(1) {
            let attr_name = attr.split('=').next().unwrap_or("");
            assert!(!attr_name.starts_with("on") && attr_name != "style", "{attr_name} survived");
            let compact: String = attr.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
            assert!(!compact.contains("javascript:") && !compact.contains("vbscript:") && !compact.contains("data:"));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    for format in [BodyFormat::Html, BodyFormat::Markdown] {
        let html = render_body(input, format);
        assert_safe(&html);
        let text = html_to_text(&html);
        assert!(excerpt(&text, 160).chars().count() <= 160);
    }
    let slug = slugify(input);
    assert!(slug.is_empty() || is_valid_slug(&slug), "bad slug {slug:?}");
    assert!(excerpt(input, 160).chars().count() <= 160);
});
