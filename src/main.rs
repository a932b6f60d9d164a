//! The `kiosque` command: serve (default), migrate, user create, openapi.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

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
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
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
    kiosque::init_logging();
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

fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config),
        Command::Migrate => {
            let db = kiosque::db::Db::connect(&config.database_url, 1, config.db_timeout)?;
            db.migrate()?;
            println!("migrations applied");
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
            let db = kiosque::db::Db::connect(&config.database_url, 1, config.db_timeout)?;
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
    actix_web::rt::System::new().block_on(async move {
        let app = kiosque::startup::Application::build(config)?;
        tracing::info!(
            "kiosque listening on http://{} (database {db_url}, site {site}); docs at /docs",
            app.addr
        );
        app.server.await?;
        Ok(())
    })
}
