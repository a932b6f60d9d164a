//! The query parser and snippets on arbitrary input: never a panic, only safe terms in the database
//! expressions, and snippets whose only markup is `<mark>`.
#![no_main]

use kiosque::db::search::syntax::{fts5, tsquery};
use kiosque::domain::search::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let (query, text) = input.split_once('\n').unwrap_or((input, input));
    let Ok(q) = parse(query) else { return };
    for expr in [fts5(&q), tsquery(&q)] {
        assert!(expr.chars().all(|c| c.is_ascii_alphanumeric() || " \"*():|&<->".contains(c)), "{expr}");
    }
    if let Some(s) = q.snippet(text, 30) {
        let rest = s.replace("<mark>", "").replace("</mark>", "");
        assert!(!rest.contains('<') && !rest.contains('>'));
    }
});
