//! `kiosque related`: the terminal side of storing every related list (progress lines, summary).

use kiosque::api::articles::related;
use kiosque::config::Config;
use kiosque::db::Db;

pub fn run(db: &Db, config: &Config, threads: usize) -> anyhow::Result<()> {
    if config.related_max_age.is_zero() {
        anyhow::bail!("KIOSQUE_RELATED_MAX_AGE_SECS is 0: related lists are not stored");
    }
    let caches = kiosque::state::Caches::new(config.related_max_age);
    let mut next_line = 0;
    let stored = related::store_all(db, &caches, threads, |done, total, rate| {
        if done >= next_line || done >= total {
            eprintln!("  {done} / {total} related lists ({rate:.0} per second)");
            next_line = done + (total / 10).max(1);
        }
    })?;
    eprintln!(
        "computed {} related lists in {:.1} s",
        stored.computed, stored.seconds
    );
    Ok(())
}
