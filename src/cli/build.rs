//! `feedgen build`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use feedgen::error::exit;
use feedgen::{BuildOptions, BuildReport, Error, FeedOrigin};

use super::progress::Bars;
use super::{ConfigArg, Global, ok, warn};

/// How the result is reported on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// One summary line.
    Text,
    /// The whole build report as JSON, for CI.
    Json,
}

/// Flags of `feedgen build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Write the output here instead of `output.dir` (relative to the working directory).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Build from the last recorded snapshot; no network, no token needed.
    #[arg(long)]
    offline: bool,
    /// Exit 6 when the API failed and the last good feed was published again,
    /// and 7 when posts or images were left out (both are warnings otherwise).
    #[arg(long)]
    strict: bool,
    /// How to report the result on stdout.
    #[arg(long, value_enum, default_value = "text", value_name = "FORMAT")]
    report: ReportFormat,
}

pub fn run(args: BuildArgs, global: &Global) -> Result<ExitCode, Error> {
    let mut config = args.config.load(false)?;
    if let Some(out) = args.out {
        config.output.dir = out;
    }
    let options = BuildOptions {
        offline: args.offline,
        now: None,
        progress: Bars::new_if_interactive(global.quiet, global.verbose)
            .map(|b| Arc::new(b) as Arc<dyn feedgen::Progress>),
    };
    let started = std::time::Instant::now();
    let report = feedgen::build_with(&config, &options)?;
    for w in &report.warnings {
        warn(w);
    }
    match args.report {
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("the report serializes")
        ),
        ReportFormat::Text if !global.quiet => print_summary(&report, started.elapsed()),
        ReportFormat::Text => {}
    }
    if let Some(stale) = &report.stale {
        // A dead token needs a person: fail loudly even though the site still has its feed.
        if stale.exit_code == exit::TOKEN {
            eprintln!("error: {}", stale.reason);
            return Ok(ExitCode::from(exit::TOKEN));
        }
        if args.strict {
            eprintln!(
                "error: the API failed and the last good feed was published again (--strict)"
            );
            return Ok(ExitCode::from(exit::STALE));
        }
    }
    if args.strict && (report.skipped_posts > 0 || report.left_out_images > 0) {
        eprintln!(
            "error: {} posts and {} images were left out (--strict)",
            report.skipped_posts, report.left_out_images
        );
        return Ok(ExitCode::from(exit::PARTIAL));
    }
    Ok(ok())
}

fn print_summary(r: &BuildReport, took: std::time::Duration) {
    let from = match r.origin {
        FeedOrigin::Api => format!("@{} via the API ({} requests)", r.username, r.api_requests),
        FeedOrigin::Snapshot if r.stale.is_some() => format!(
            "@{} from the last good snapshot (the API failed; {} requests)",
            r.username, r.api_requests
        ),
        FeedOrigin::Snapshot => format!("@{} from the snapshot (offline)", r.username),
    };
    let token = match &r.token {
        Some(t) => {
            let refreshed = if t.refreshed { "refreshed, " } else { "" };
            match t.days_left {
                Some(d) => format!("; token: {refreshed}{d} days left"),
                None => "; token: expiry not known until its first refresh (24 h after first use)"
                    .to_string(),
            }
        }
        None => String::new(),
    };
    println!(
        "feedgen: {} posts from {from}; images: {} downloaded, {} decoded, {} variants made, {} reused; {} files written, {} pruned → {} in {:.2}s{token}",
        r.posts,
        r.media.downloaded,
        r.media.decoded,
        r.media.encoded,
        r.media.reused_variants,
        r.files_written,
        r.pruned,
        r.out_dir.display(),
        took.as_secs_f64()
    );
    if r.skipped_posts > 0 {
        warn(&format!(
            "{} posts were left out (see the warnings above)",
            r.skipped_posts
        ));
    }
}
