//! `feedgen build`.

use std::path::PathBuf;
use std::process::ExitCode;

use feedgen::{BuildOptions, BuildReport, Error, FeedOrigin};

use super::{ConfigArg, ok, warn};

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
}

pub fn run(args: BuildArgs) -> Result<ExitCode, Error> {
    let mut config = args.config.load(false)?;
    if let Some(out) = args.out {
        config.output.dir = out;
    }
    let options = BuildOptions {
        offline: args.offline,
        now: None,
    };
    let started = std::time::Instant::now();
    let report = feedgen::build_blocking(&config, &options)?;
    print_report(&report, started.elapsed());
    Ok(ok())
}

fn print_report(r: &BuildReport, took: std::time::Duration) {
    for w in &r.warnings {
        warn(w);
    }
    let from = match r.origin {
        FeedOrigin::Api => format!("@{} via the API ({} requests)", r.username, r.api_requests),
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
