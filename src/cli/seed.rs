//! `kiosque seed --synthetic N`: the terminal side of the synthetic load (progress lines, summary).

use std::path::Path;

use kiosque::content::synthetic;
use kiosque::db::Db;

/// Loads until the database holds `target` articles; prints a line per tenth of the way and a
/// summary. Returns the number of articles at the end.
pub fn run(db: &Db, target: usize, text: &Path, force: bool) -> anyhow::Result<usize> {
    let extra = std::fs::read_to_string(text).ok();
    if extra.is_none() {
        eprintln!(
            "note: {} not found; the articles are made of the demo content's text only",
            text.display()
        );
    }
    let mut next_line = 0;
    let filled = synthetic::fill(db, target, extra.as_deref(), force, |now, target, rate| {
        if now >= next_line || now >= target {
            eprintln!("  {now} / {target} articles ({rate:.0} per second)");
            next_line = now + (target / 10).max(1);
        }
    })?;
    if filled.added == 0 {
        eprintln!("the database already holds {} articles", filled.total);
    } else {
        eprintln!(
            "added {} synthetic articles in {:.1} s; the database holds {}",
            filled.added, filled.seconds, filled.total
        );
    }
    Ok(filled.total)
}
