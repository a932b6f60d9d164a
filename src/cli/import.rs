//! `kiosque import wordpress FILE.xml`: the progress (a bar on a terminal, plain lines otherwise)
//! and the summary an operator reads.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use kiosque::import::wordpress::{Counts, Progress, Summary};

/// A bar over the file's bytes on a terminal; otherwise a line at every tenth of the file.
pub enum Shown {
    Bar(Option<indicatif::ProgressBar>),
    Lines {
        what: String,
        bytes: u64,
        next_tenth: u64,
        started: Instant,
        last_line: Instant,
    },
}

impl Shown {
    pub fn for_stderr() -> Shown {
        if std::io::stderr().is_terminal() {
            Shown::Bar(None)
        } else {
            Shown::Lines {
                what: String::new(),
                bytes: 0,
                next_tenth: 1,
                started: Instant::now(),
                last_line: Instant::now(),
            }
        }
    }
}

impl Progress for Shown {
    fn pass(&mut self, what: &str, bytes: u64) {
        match self {
            Shown::Bar(bar) => {
                let b = indicatif::ProgressBar::new(bytes).with_style(
                    indicatif::ProgressStyle::default_bar()
                        .template("{msg:>40} [{bar:30}] {bytes}/{total_bytes} ({eta})")
                        .expect("a valid template")
                        .progress_chars("=> "),
                );
                b.set_message(what.to_owned());
                b.enable_steady_tick(Duration::from_millis(200));
                *bar = Some(b);
            }
            Shown::Lines {
                what: w,
                bytes: b,
                next_tenth,
                started,
                ..
            } => {
                *w = what.to_owned();
                *b = bytes.max(1);
                *next_tenth = 1;
                *started = Instant::now();
                eprintln!("reading {what}…");
            }
        }
    }
    fn at(&mut self, at: u64) {
        match self {
            Shown::Bar(Some(b)) => b.set_position(at),
            Shown::Bar(None) => {}
            Shown::Lines {
                what,
                bytes,
                next_tenth,
                started,
                last_line,
            } => {
                // A line at each tenth of the file, but not more than one every two seconds.
                if at * 10 >= *next_tenth * *bytes
                    && *next_tenth < 10
                    && last_line.elapsed() >= Duration::from_secs(2)
                {
                    *last_line = Instant::now();
                    eprintln!(
                        "{what}: {}% ({:.1} s)",
                        *next_tenth * 10,
                        started.elapsed().as_secs_f64()
                    );
                    *next_tenth = at * 10 / *bytes + 1;
                }
            }
        }
    }
    fn done(&mut self) {
        match self {
            Shown::Bar(bar) => {
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
            }
            Shown::Lines { what, started, .. } => {
                eprintln!("{what}: done ({:.1} s)", started.elapsed().as_secs_f64());
            }
        }
    }
}

fn counts(c: &Counts) -> String {
    format!(
        "{} created, {} updated, {} unchanged, {} already in kiosque",
        c.created, c.updated, c.unchanged, c.existing
    )
}

/// The summary, as printed.
pub fn report(s: &Summary) -> String {
    let mut out = format!("imported from {}\n", s.site);
    for (kind, c) in [
        ("rubriques", &s.rubriques),
        ("authors", &s.authors),
        ("tags", &s.tags),
        ("articles", &s.articles),
    ] {
        out.push_str(&format!("  {kind:<10} {}\n", counts(c)));
    }
    out.push_str(&format!(
        "  {:<10} {} articles given one\n",
        "images", s.images
    ));
    out.push_str(&format!(
        "  {:<10} {} old URLs recorded\n",
        "redirects", s.redirects
    ));
    if !s.ignored.is_empty() {
        let kinds: Vec<String> = s.ignored.iter().map(|(k, n)| format!("{n} {k}")).collect();
        out.push_str(&format!(
            "  {:<10} {} (only posts become articles)\n",
            "not posts",
            kinds.join(", ")
        ));
    }
    out.push_str(&format!("  {:<10} {}\n", "skipped", s.skipped.len()));
    for k in &s.skipped {
        let at = if k.line > 0 {
            format!("line {}: ", k.line)
        } else {
            String::new()
        };
        out.push_str(&format!("    {at}{}: {}\n", k.item, k.reason));
    }
    for n in &s.notes {
        out.push_str(&format!("  note: {n}\n"));
    }
    out
}

/// `+01:00`, `-05:30`, `0` as minutes east of UTC.
pub fn parse_offset(s: &str) -> anyhow::Result<i64> {
    let bad = || anyhow::anyhow!("--utc-offset: `{s}` is not an offset such as +01:00 or -05:00");
    let s = s.trim();
    if s == "0" || s.eq_ignore_ascii_case("z") {
        return Ok(0);
    }
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let h: i64 = h.parse().map_err(|_| bad())?;
    let m: i64 = m.parse().map_err(|_| bad())?;
    if h > 14 || m >= 60 {
        return Err(bad());
    }
    Ok(sign * (h * 60 + m))
}

#[cfg(test)]
mod tests {
    #[test]
    fn offsets_read_as_operators_write_them() {
        assert_eq!(super::parse_offset("+01:00").unwrap(), 60);
        assert_eq!(super::parse_offset("-05:30").unwrap(), -330);
        assert_eq!(super::parse_offset("0").unwrap(), 0);
        assert!(super::parse_offset("01:00").is_err());
        assert!(super::parse_offset("+25:00").is_err());
    }
}
