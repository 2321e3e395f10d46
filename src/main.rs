//! The `feedgen` command: parses flags, sets up logging, runs the library, maps errors to exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use feedgen::error::exit;
use feedgen::{BuildOptions, BuildReport, Config, EnvOverrides, FeedOrigin};

/// Turn an Instagram account into fast, private, static feed fragments.
#[derive(Debug, Parser)]
#[command(name = "feedgen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// More log output on stderr (-v info, -vv debug); FEEDGEN_LOG takes a full filter.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fetch the feed, make the images, and write the HTML fragment and JSON data.
    Build {
        /// The config file.
        #[arg(long, short, value_name = "PATH", default_value = "feedgen.toml")]
        config: PathBuf,
        /// Write the output here instead of `output.dir` (relative to the working directory).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Build from the last recorded snapshot; no network, no token needed.
        #[arg(long)]
        offline: bool,
    },
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
        .with_target(false)
        .without_time()
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match cli.command {
        Command::Build {
            config,
            out,
            offline,
        } => {
            let result = Config::load(&config)
                .and_then(|mut c| {
                    c.apply_env(&EnvOverrides::from_process_env())?;
                    if let Some(out) = out {
                        c.output.dir = out;
                    }
                    Ok(c)
                })
                .map_err(feedgen::Error::from)
                .and_then(|c| {
                    let options = BuildOptions { offline, now: None };
                    let started = std::time::Instant::now();
                    feedgen::build_blocking(&c, &options).map(|r| (r, started.elapsed()))
                });
            match result {
                Ok((report, took)) => {
                    print_report(&report, took);
                    ExitCode::from(exit::OK)
                }
                Err(err) => {
                    eprintln!("error: {err}");
                    ExitCode::from(err.exit_code())
                }
            }
        }
    }
}

fn print_report(r: &BuildReport, took: std::time::Duration) {
    for w in &r.warnings {
        eprintln!("warning: {w}");
    }
    let from = match r.origin {
        FeedOrigin::Api => format!("@{} via the API ({} requests)", r.username, r.api_requests),
        FeedOrigin::Snapshot => format!("@{} from the snapshot (offline)", r.username),
    };
    println!(
        "feedgen: {} posts from {from}; images: {} downloaded, {} decoded, {} variants made, {} reused; {} files written, {} pruned → {} in {:.2}s",
        r.posts,
        r.media.downloaded,
        r.media.decoded,
        r.media.encoded,
        r.media.reused_variants,
        r.files_written + r.media.encoded,
        r.pruned,
        r.out_dir.display(),
        took.as_secs_f64()
    );
    if r.skipped_posts > 0 {
        eprintln!(
            "warning: {} posts were left out (see the warnings above)",
            r.skipped_posts
        );
    }
}
