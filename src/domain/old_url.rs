//! Old URLs, as a site moved onto kiosque had them (`/?p=123`, `/2024/02/22/slug/`,
//! `/category/x/`, `/author/y/`), in one normal form, so that the path an importer stores and the
//! path a front end asks about compare equal.

use percent_encoding::percent_decode_str;

/// The query parameters WordPress routes on; any other (`utm_source`, `fbclid`…) is dropped.
const ROUTING_PARAMS: [&str; 6] = ["p", "page_id", "cat", "tag", "author", "author_name"];

/// The longest URL looked up (browsers and CDNs give up near there too).
pub const MAX_LEN: usize = 2000;

/// The normal form of an old URL or path: no scheme or host, percent-decoded, lower case, no
/// repeated slashes, no `index.php`, a trailing slash unless the last segment names a file
/// (`/archives/12.html`), and only the routing parameters of the query, in a fixed order
/// (`/?p=123`). `None` when nothing is left to look up (an empty path, or only `/`).
pub fn normalise(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.len() > MAX_LEN {
        return None;
    }
    let rest = ["https://", "http://", "//"]
        .iter()
        .find_map(|p| {
            raw.get(..p.len())
                .filter(|head| head.eq_ignore_ascii_case(p))
                .map(|_| &raw[p.len()..])
        })
        .map(|after_scheme| {
            // Drop the host: what follows the first `/`, `?` or `#`.
            let cut = after_scheme
                .find(['/', '?', '#'])
                .unwrap_or(after_scheme.len());
            &after_scheme[cut..]
        })
        .unwrap_or(raw);
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let decoded = percent_decode_str(path).decode_utf8_lossy().to_lowercase();
    // No URL holds a control character (and PostgreSQL cannot store NUL in text).
    if decoded.chars().any(char::is_control) {
        return None;
    }
    let mut segments: Vec<&str> = decoded
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if segments.first() == Some(&"index.php") {
        segments.remove(0);
    }
    let mut out = String::from("/");
    out.push_str(&segments.join("/"));
    if let Some(last) = segments.last() {
        if !last.contains('.') {
            out.push('/');
        }
    }
    let mut params: Vec<(usize, String)> = query
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            let k = k.to_ascii_lowercase();
            let rank = ROUTING_PARAMS.iter().position(|r| *r == k)?;
            let v = percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .trim()
                .to_lowercase();
            (!v.is_empty() && !v.chars().any(char::is_control)).then(|| (rank, format!("{k}={v}")))
        })
        .collect();
    params.sort();
    params.dedup_by_key(|(rank, _)| *rank);
    if !params.is_empty() {
        out.push('?');
        let joined: Vec<String> = params.into_iter().map(|(_, kv)| kv).collect();
        out.push_str(&joined.join("&"));
    }
    (out != "/").then_some(out)
}

/// The paths to try after `path` when it is not known itself, nearest first: the page an AMP view,
/// a comment page, a feed or a numbered page belongs to (`/2024/02/22/slug/amp/`,
/// `/category/sport/page/3/`).
pub fn parents(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    if path.contains('?') {
        return out;
    }
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    loop {
        let n = segments.len();
        let strip = match segments.as_slice() {
            [.., "page", num] if num.parse::<u32>().is_ok() => 2,
            [.., last] if *last == "amp" || *last == "feed" || *last == "embed" => 1,
            [.., last] if last.starts_with("comment-page-") => 1,
            _ => 0,
        };
        if strip == 0 || strip >= n {
            return out;
        }
        segments.truncate(n - strip);
        out.push(format!("/{}/", segments.join("/")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths_reach_one_form() {
        for (raw, want) in [
            (
                "https://lefaso.example/2024/02/22/la-une/",
                "/2024/02/22/la-une/",
            ),
            (
                "http://lefaso.example/2024/02/22/la-une",
                "/2024/02/22/la-une/",
            ),
            ("/2024//02/22/La-Une/#commentaires", "/2024/02/22/la-une/"),
            ("//cdn.example/x/y", "/x/y/"),
            ("/?p=123", "/?p=123"),
            ("https://lefaso.example/?utm_source=fb&p=123", "/?p=123"),
            ("/index.php?p=123&cat=4", "/?p=123&cat=4"),
            ("/index.php/2024/02/22/la-une/", "/2024/02/22/la-une/"),
            ("/archives/12.html", "/archives/12.html"),
            (
                "/2024/02/22/coop%C3%A9ration-militaire/",
                "/2024/02/22/coopération-militaire/",
            ),
            ("/category/politique/?utm_medium=x", "/category/politique/"),
        ] {
            assert_eq!(normalise(raw).as_deref(), Some(want), "{raw}");
        }
        let long = format!("/{}/", "a".repeat(MAX_LEN));
        for nothing in [
            "",
            "/",
            "https://lefaso.example",
            "/?utm_source=x",
            "?p=",
            "/a%00b/",
            &long,
        ] {
            assert_eq!(normalise(nothing), None, "{nothing}");
        }
    }

    #[test]
    fn views_of_a_page_lead_back_to_it() {
        assert_eq!(parents("/2024/02/22/la-une/amp/"), ["/2024/02/22/la-une/"]);
        assert_eq!(parents("/category/sport/page/3/"), ["/category/sport/"]);
        assert_eq!(
            parents("/2024/02/22/la-une/comment-page-2/"),
            ["/2024/02/22/la-une/"]
        );
        assert!(parents("/category/sport/").is_empty());
        assert!(parents("/page/2/").is_empty());
        assert!(parents("/?p=1").is_empty());
    }
}
