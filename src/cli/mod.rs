//! Command-line parsing and human output; the library never prints.

mod build;
mod doctor;
mod init;
mod paths;
mod progress;
mod serve;
mod token;
mod watch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use feedgen::error::exit;
use feedgen::{Config, EnvOverrides, Error, Overrides};

/// What `feedgen --help` ends with: examples, the token variable, the docs.
const AFTER_HELP: &str = "\
Examples:
  feedgen init --ssg hugo       write feedgen.toml (and the include snippet for Hugo)
  feedgen doctor                check config, token, account and output, each with the fix
  feedgen build                 fetch, make the images, write the feed
  feedgen build --offline       rebuild from the last snapshot: no network, no token
  feedgen watch --serve         rebuild on every change; preview on http://127.0.0.1:8000/

Environment:
  FEEDGEN_TOKEN   the long-lived access token (https://feedgen.github.io/feedgen/first-feed.html#getting-a-token)

Documentation: https://feedgen.github.io/feedgen/";

/// Turn an Instagram account into fast, private, static feed fragments.
#[derive(Debug, Parser)]
#[command(name = "feedgen", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: Global,
}

/// Flags every subcommand takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// More log output on stderr (-v info, -vv debug); FEEDGEN_LOG takes a full filter.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// No progress bars and no summary line; warnings and errors still show.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fetch the feed, make the images, and write the HTML fragment and JSON data.
    Build(build::BuildArgs),
    /// Write an annotated feedgen.toml (and, with --ssg, the include snippet for your site).
    Init(init::InitArgs),
    /// Check config, token, account, media hosts, output folder and store, each with the fix.
    Doctor(ConfigArg),
    /// Rebuild on every change of the config, theme files or token file (no API calls unless asked).
    Watch(watch::WatchArgs),
    /// Print where each feed's files go, as JSON (for site-generator plugins).
    Paths(ConfigArg),
    /// Inspect, refresh, exchange or export the access token.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `--config` and `--feed`, shared by the subcommands.
#[derive(Debug, clap::Args)]
pub struct ConfigArg {
    /// The config file [default: ./feedgen.toml].
    #[arg(long, short, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Only this feed of a config with `[[feed]]` tables (repeat for several).
    #[arg(long = "feed", value_name = "NAME")]
    feeds: Vec<String>,
}

impl ConfigArg {
    /// The config file's path.
    pub fn path(&self) -> PathBuf {
        self.config
            .clone()
            .unwrap_or_else(|| PathBuf::from("feedgen.toml"))
    }

    /// Loads the config with its layers: `FEEDGEN_*`, `--feed`. `lenient`: a
    /// missing default file means an empty config (token commands work without one).
    pub fn load(&self, lenient: bool) -> Result<Config, Error> {
        self.load_to(lenient, None)
    }

    /// [`ConfigArg::load`], with the output moved to `out` (`build --out`).
    pub fn load_to(&self, lenient: bool, out: Option<&Path>) -> Result<Config, Error> {
        let over = Overrides {
            env: EnvOverrides::from_process_env(),
            feeds: self.feeds.clone(),
            out: out.map(Path::to_path_buf),
        };
        let config = match &self.config {
            Some(path) => Config::load_with(path, &over)?,
            None => {
                let path = Path::new("feedgen.toml");
                if lenient && !path.exists() {
                    Config::parse_with("", Path::new("."), &over)?
                } else {
                    Config::load_with(path, &over)?
                }
            }
        };
        Ok(config)
    }
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "feedgen=info,warn",
        _ => "feedgen=debug,info",
    };
    let filter = EnvFilter::try_from_env("FEEDGEN_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .event_format(Diagnostic)
        .init();
}

/// Whether stderr gets colour: a terminal, and no `NO_COLOR` (no-color.org).
fn colour() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `label:` as rustc and cargo print it, bold and coloured on a terminal.
fn label(name: &str) -> String {
    if !colour() {
        return format!("{name}:");
    }
    let code = match name {
        "error" => "1;31",
        "warning" => "1;33",
        _ => "1;36",
    };
    format!("\x1b[{code}m{name}\x1b[0m\x1b[1m:\x1b[0m")
}

/// Log lines in the one style of feedgen's diagnostics: `error:`,
/// `warning:`, `note:` (info) and `debug:`, then the message and its fields.
struct Diagnostic;

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for Diagnostic
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let name = match *event.metadata().level() {
            tracing::Level::ERROR => "error",
            tracing::Level::WARN => "warning",
            tracing::Level::INFO => "note",
            tracing::Level::DEBUG => "debug",
            tracing::Level::TRACE => "trace",
        };
        write!(writer, "{} ", label(name))?;
        use tracing_subscriber::fmt::FormatFields;
        ctx.format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// `message`, naming the feed when the config has several (`[shop] …`).
pub fn of_feed(name: Option<&str>, message: &str) -> String {
    match name {
        Some(n) => format!("[{n}] {message}"),
        None => message.to_string(),
    }
}

/// Prints a warning; in GitHub Actions also as an annotation on the run.
pub fn warn(message: &str) {
    if std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
        // Annotations are one line: GitHub's documented escapes for %, CR and LF,
        // so no text inside can end it and start a workflow command of its own.
        let one_line = message
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A");
        eprintln!("::warning title=feedgen::{one_line}");
    } else {
        eprintln!("{} {message}", label("warning"));
    }
}

/// Prints an error in the one diagnostic style (`error:`, red on a terminal).
pub fn error(message: &str) {
    eprintln!("{} {message}", label("error"));
}

/// Prints an error and turns it into the documented exit code.
pub fn fail(err: &Error) -> ExitCode {
    error(&err.to_string());
    ExitCode::from(err.exit_code())
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.global.verbose);
    let result = match cli.command {
        Command::Build(args) => build::run(args, &cli.global),
        Command::Init(args) => init::run(&args),
        Command::Doctor(config) => doctor::run(&config),
        Command::Watch(args) => watch::run(&args),
        Command::Paths(config) => paths::run(&config),
        Command::Token(cmd) => token::run(cmd),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "feedgen",
                &mut std::io::stdout(),
            );
            Ok(ok())
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => fail(&err),
    }
}

/// Success.
pub fn ok() -> ExitCode {
    ExitCode::from(exit::OK)
}

/// A multi-threaded runtime for commands that talk to the network.
pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))
}
