//! The `kiosque` command: serve (default), migrate, user create, openapi.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

/// mimalloc: request handling allocates many short-lived strings and JSON values; glibc's malloc took
/// about 30% of a list request's CPU (perf, 2026-11-25).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;

use clap::{Parser, Subcommand};
use kiosque::config::Config;

#[derive(Parser)]
#[command(
    name = "kiosque",
    version,
    about = "A headless news API on SQLite or PostgreSQL"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default): migrates, seeds an empty database, listens on KIOSQUE_BIND.
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Rebuild the full-text search index from the articles.
    Reindex,
    /// Write a consistent copy of the database to PATH while it serves (SQLite: VACUUM INTO;
    /// PostgreSQL: pg_dump --format=custom). PATH must not exist.
    Backup { path: std::path::PathBuf },
    /// Replace the database's content with a backup (SQLite: stop the server first; PostgreSQL:
    /// pg_restore --clean into the database DATABASE_URL names).
    Restore { path: std::path::PathBuf },
    /// Fill the database DATABASE_URL names with synthetic French articles until it holds N (for
    /// benchmarks). Refuses a database holding real content unless --force.
    Seed {
        /// How many articles the database should hold at the end.
        #[arg(long, value_name = "N")]
        synthetic: usize,
        /// Add synthetic articles to a database that holds real content.
        #[arg(long)]
        force: bool,
        /// More source text for the articles (a corpus in the demo content's JSON shape).
        #[arg(long, default_value = "tests/corpus/dev_corpus_fr.json")]
        text: std::path::PathBuf,
    },
    /// Compute and store the related lists that are missing, stale or older than
    /// KIOSQUE_RELATED_MAX_AGE_SECS (after a bulk load or an import: the server otherwise computes
    /// each list when it is first read).
    Related {
        /// Connections computing at once (default: the machine's cores).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Fill the database DATABASE_URL names with synthetic articles (up to --articles) and time the
    /// front-page list, search and similar related articles from a warm process.
    Bench {
        #[arg(long, default_value_t = 100_000)]
        articles: usize,
        /// Measure over HTTP instead, against a bare actix-web handler (no filling).
        #[arg(long)]
        http: bool,
        /// HTTP: keep-alive connections (one client thread each), and seconds per endpoint.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        #[arg(long, default_value_t = 200)]
        runs: usize,
        /// Extra source text for the synthetic articles.
        #[arg(long, default_value = "tests/corpus/dev_corpus_fr.json")]
        corpus: std::path::PathBuf,
    },
    /// Measure search (nDCG@10) and related articles (precision@4) on a labelled corpus, loaded into the
    /// empty database that DATABASE_URL names (default: a new temporary SQLite file).
    Eval(cli::eval::Args),
    /// Bring content in from another system.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A WordPress export (Tools → Export, WXR 1.1 or 1.2): rubriques from categories, tags,
    /// authors, posts as articles, and their old URLs as redirects. Importing the same file again
    /// creates nothing twice.
    Wordpress {
        file: std::path::PathBuf,
        /// The site's offset from UTC (`+01:00`, `-05:00`) for posts the export gives no UTC time
        /// (drafts). Default: the offset most of the export's posts show.
        #[arg(long, allow_hyphen_values = true)]
        utc_offset: Option<String>,
        /// The first segment of category URLs (Settings → Permalinks).
        #[arg(long, default_value = "category")]
        category_base: String,
        /// The first segment of tag URLs.
        #[arg(long, default_value = "tag")]
        tag_base: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input or a prompt.
    Create {
        #[arg(long)]
        email: String,
        /// contributor, author, editor or admin
        #[arg(long)]
        role: String,
        /// The author (id or slug) this account signs as.
        #[arg(long)]
        author: Option<String>,
    },
}

fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    // The format is read here, before the settings are (a bad value is reported with the others).
    let format = std::env::var("KIOSQUE_LOG_FORMAT").ok();
    kiosque::init_logging(
        kiosque::config::LogFormat::parse(format.as_deref())
            .unwrap_or(kiosque::config::LogFormat::Text),
    );
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            // A closed pipe (`kiosque openapi | head`) is not an error worth a panic.
            let mut out = std::io::stdout().lock();
            match out.write_all(kiosque::startup::openapi_json().as_bytes()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(()),
            }
        }
        other => Config::from_env()
            .map_err(anyhow::Error::msg)
            .and_then(|config| run(other, config)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kiosque: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The configured database, migrated, with its start-up data (admin, demo content), as `serve` has it.
fn prepared_db(config: &Config) -> anyhow::Result<kiosque::db::Db> {
    let db = kiosque::db::Db::for_config(config, 2)?;
    db.migrate()?;
    kiosque::content::seed::on_start(&db, config)?;
    Ok(db)
}

fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config),
        Command::Migrate => {
            let db = kiosque::db::Db::for_config(&config, 1)?;
            db.migrate()?;
            println!("migrations applied");
            Ok(())
        }
        Command::Eval(args) => cli::eval::command(&args, config.db_timeout),
        Command::Bench {
            http: true,
            connections,
            seconds,
            ..
        } => {
            for (name, figures) in cli::bench::http(config, connections, seconds)? {
                println!("{name:<32} {figures}");
            }
            Ok(())
        }
        Command::Bench {
            articles,
            runs,
            corpus,
            ..
        } => {
            let db = prepared_db(&config)?;
            let n = cli::seed::run(&db, articles, &corpus, false)?;
            println!(
                "database {} with {n} articles",
                kiosque::config::redact_url(&config.database_url)
            );
            // Warm up, then measure.
            cli::bench::measure(&db, 20)?;
            for (name, figures) in cli::bench::measure(&db, runs)? {
                println!("{name:<32} {figures}");
            }
            Ok(())
        }
        Command::Seed {
            synthetic,
            force,
            text,
        } => {
            let db = prepared_db(&config)?;
            cli::seed::run(&db, synthetic, &text, force)?;
            Ok(())
        }
        Command::Related { threads } => {
            let threads = threads.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
            });
            let db = kiosque::db::Db::for_config(&config, threads as u32 + 1)?;
            db.migrate()?;
            cli::related::run(&db, &config, threads)
        }
        Command::Backup { path } => {
            let db = kiosque::db::Db::for_config(&config, 1)?;
            kiosque::db::maintenance::backup(&db, &config.database_url, &path)?;
            println!("backed up to {}", path.display());
            Ok(())
        }
        Command::Restore { path } => {
            kiosque::db::maintenance::restore(&config.database_url, &path)?;
            println!(
                "restored from {}; the next start migrates it if it is older",
                path.display()
            );
            Ok(())
        }
        Command::Reindex => {
            let db = kiosque::db::Db::for_config(&config, 1)?;
            db.migrate()?;
            let n = kiosque::db::maintenance::reindex(&db)?;
            println!("reindexed {n} articles");
            Ok(())
        }
        Command::Import {
            command:
                ImportCommand::Wordpress {
                    file,
                    utc_offset,
                    category_base,
                    tag_base,
                },
        } => {
            let utc_offset_minutes = utc_offset
                .as_deref()
                .map(cli::import::parse_offset)
                .transpose()?;
            let options = kiosque::import::wordpress::Options {
                utc_offset_minutes,
                category_base: category_base.trim_matches('/').to_owned(),
                tag_base: tag_base.trim_matches('/').to_owned(),
            };
            let db = kiosque::db::Db::for_config(&config, 1)?;
            db.migrate()?;
            let mut shown = cli::import::Shown::for_stderr();
            let summary = kiosque::import::wordpress::run(&db, &file, &options, &mut shown)?;
            print!("{}", cli::import::report(&summary));
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    role,
                    author,
                },
        } => {
            let password = read_password()?;
            let db = kiosque::db::Db::for_config(&config, 1)?;
            db.migrate()?;
            let id = kiosque::api::users::create_from_cli(
                &db,
                &email,
                &role,
                author.as_deref(),
                &password,
            )?;
            println!("created user {id} ({email}, {role})");
            Ok(())
        }
        Command::Openapi => unreachable!("handled before reading settings"),
    }
}

fn read_password() -> anyhow::Result<String> {
    let pw = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ")?
    } else {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s.trim_end_matches(['\n', '\r']).to_owned()
    };
    Ok(pw)
}

fn serve(config: Config) -> anyhow::Result<()> {
    let site = config.site_url.clone();
    let db_url = kiosque::config::redact_url(&config.database_url);
    let app_shutdown_timeout = config
        .shutdown_timeout
        .max(std::time::Duration::from_secs(1));
    actix_web::rt::System::new().block_on(async move {
        let app = kiosque::startup::Application::build(config)?;
        tracing::info!(
            "kiosque listening on http://{} (database {db_url}, site {site}); docs at /docs",
            app.addr
        );
        let shutdown = app_shutdown_timeout;
        app.server.await?;
        // The server has stopped: the webhook worker finishes the delivery in hand, then stops.
        if let Some((stop, task)) = app.worker {
            stop.stop();
            let _ = actix_web::rt::time::timeout(shutdown, task).await;
        }
        Ok(())
    })
}
