//! `feedgen build`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use feedgen::config::SourceKind;
use feedgen::error::exit;
use feedgen::{BuildOptions, BuildReport, Error, FeedOrigin};

use super::progress::Bars;
use super::{ConfigArg, Global, error, of_feed, warn};

/// How the result is reported on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// One summary line per feed.
    Text,
    /// The whole build report as JSON, for CI.
    Json,
}

/// Flags of `feedgen build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Write the output here instead of `output.dir` (relative to the working
    /// directory); with several feeds, each into a folder of its name in it.
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
    /// Exit with CODE (8 to 255) when every feed built and no published file
    /// changed, so a scheduled job can skip its deploy (the report's `changed`).
    #[arg(long, value_name = "CODE", value_parser = clap::value_parser!(u8).range(8..=255))]
    unchanged_exit: Option<u8>,
}

/// Runs `feedgen build`. With `--report json`, stdout gets exactly one JSON
/// document whatever happens: the report, or `{error, exit_code}` when the
/// build (or the config) failed; both with `duration_ms`.
pub fn run(args: BuildArgs, global: &Global) -> Result<ExitCode, Error> {
    let started = std::time::Instant::now();
    let result = build_and_report(&args, global, started);
    if args.report == ReportFormat::Json
        && let Err(e) = &result
    {
        print_json(
            &serde_json::json!({
                "error": e.to_string(),
                "exit_code": e.exit_code(),
            }),
            started,
        );
    }
    result
}

/// Prints the JSON object `doc` with the run's `duration_ms` added last
/// (appended to the text, so the report keeps its fields' order).
fn print_json(doc: &impl serde::Serialize, started: std::time::Instant) {
    let mut text = serde_json::to_string_pretty(doc).expect("the report serializes");
    let body = text
        .trim_end()
        .strip_suffix('}')
        .unwrap_or(&text)
        .trim_end();
    let sep = if body.ends_with('{') { "" } else { "," };
    text = format!(
        "{body}{sep}\n  \"duration_ms\": {}\n}}",
        started.elapsed().as_millis()
    );
    println!("{text}");
}

fn build_and_report(
    args: &BuildArgs,
    global: &Global,
    started: std::time::Instant,
) -> Result<ExitCode, Error> {
    let config = args.config.load_to(false, args.out.as_deref())?;
    let options = BuildOptions {
        offline: args.offline,
        now: None,
        progress: Bars::new_if_interactive(global.quiet, global.verbose)
            .map(|b| Arc::new(b) as Arc<dyn feedgen::Progress>),
    };
    let runtime = super::runtime()?;
    let run = runtime.block_on(async {
        tokio::select! {
            run = feedgen::build_async(&config, &options) => Ok(run),
            code = stop_signal() => Err(code),
        }
    });
    let run = match run {
        Ok(run) => run?,
        Err(code) => {
            // The build stopped at an await point: publishing has none, so the
            // output is the previous one, whole; the journal keeps what finished.
            error(
                "interrupted; nothing was published and the previous output is as it was. Images downloaded and made so far are kept, so the next build goes on from there",
            );
            runtime.shutdown_background();
            if args.report == ReportFormat::Json {
                print_json(
                    &serde_json::json!({ "error": "interrupted", "exit_code": code }),
                    started,
                );
            }
            return Ok(ExitCode::from(code));
        }
    };
    for w in &run.warnings {
        warn(w);
    }
    // A config without [[feed]] reports exactly as it always did.
    if !config.named_feeds {
        let report = run.into_single()?;
        let code = finish(args, global, None, &report, started);
        return Ok(ExitCode::from(unchanged(args, code, [&report])));
    }
    if args.report == ReportFormat::Json {
        let feeds: Vec<serde_json::Value> = run
            .feeds
            .iter()
            .map(|f| match &f.result {
                Ok(r) => serde_json::to_value(r).expect("the report serializes"),
                Err(e) => serde_json::json!({
                    "feed": f.name,
                    "error": e.to_string(),
                    "exit_code": e.exit_code(),
                }),
            })
            .collect();
        print_json(&serde_json::json!({ "feeds": feeds }), started);
    }
    // Every feed is reported; the run exits with the code of the first that failed.
    let mut code = exit::OK;
    for f in &run.feeds {
        let this = match &f.result {
            Ok(report) => finish(args, global, Some(&f.name), report, started),
            Err(e) => {
                error(&of_feed(Some(&f.name), &e.to_string()));
                e.exit_code()
            }
        };
        if code == exit::OK {
            code = this;
        }
    }
    let built: Option<Vec<&BuildReport>> =
        run.feeds.iter().map(|f| f.result.as_ref().ok()).collect();
    if let Some(reports) = built {
        code = unchanged(args, code, reports);
    }
    Ok(ExitCode::from(code))
}

/// `--unchanged-exit`: its code when the run succeeded and no feed's
/// published output changed; `code` otherwise.
fn unchanged<'a>(
    args: &BuildArgs,
    code: u8,
    reports: impl IntoIterator<Item = &'a BuildReport>,
) -> u8 {
    match args.unchanged_exit {
        Some(unchanged) if code == exit::OK && reports.into_iter().all(|r| !r.changed) => unchanged,
        _ => code,
    }
}

/// The exit code one feed's report calls for.
fn feed_code(args: &BuildArgs, report: &BuildReport) -> u8 {
    if let Some(stale) = &report.stale {
        if stale.exit_code == exit::TOKEN {
            return exit::TOKEN;
        }
        if args.strict {
            return exit::STALE;
        }
    }
    if args.strict && (report.skipped_posts > 0 || report.left_out_images > 0) {
        return exit::PARTIAL;
    }
    exit::OK
}

/// Prints one feed's warnings, summary and verdict; returns its exit code.
fn finish(
    args: &BuildArgs,
    global: &Global,
    name: Option<&str>,
    report: &BuildReport,
    started: std::time::Instant,
) -> u8 {
    for w in &report.warnings {
        warn(&of_feed(name, w));
    }
    match args.report {
        ReportFormat::Json if name.is_none() => print_json(report, started),
        ReportFormat::Text if !global.quiet => print_summary(name, report, started.elapsed()),
        _ => {}
    }
    let code = feed_code(args, report);
    match code {
        // A dead token needs a person: fail loudly even though the site still has its feed.
        exit::TOKEN => error(&of_feed(
            name,
            &report.stale.as_ref().expect("stale").reason,
        )),
        exit::STALE => error(&of_feed(
            name,
            "the API failed and the last good feed was published again (--strict)",
        )),
        exit::PARTIAL => error(&of_feed(
            name,
            &format!(
                "{} posts and {} images were left out (--strict)",
                report.skipped_posts, report.left_out_images
            ),
        )),
        _ => {}
    }
    code
}

fn print_summary(name: Option<&str>, r: &BuildReport, took: std::time::Duration) {
    let from = match r.origin {
        FeedOrigin::Api => format!("@{} via the API ({} requests)", r.username, r.api_requests),
        FeedOrigin::Snapshot if r.stale.is_some() => format!(
            "@{} from the last good snapshot (the API failed; {} requests)",
            r.username, r.api_requests
        ),
        FeedOrigin::Snapshot => format!("@{} from the snapshot (offline)", r.username),
        // An export without its profile file names no user.
        FeedOrigin::Export if r.username.is_empty() => "the data export".to_string(),
        FeedOrigin::Export => format!("@{} from the data export", r.username),
    };
    let token = match &r.token {
        Some(t) => {
            let refreshed = if t.refreshed { "refreshed, " } else { "" };
            match (t.days_left, r.source) {
                (Some(d), _) => format!("; token: {refreshed}{d} days left"),
                (None, SourceKind::Instagram) => {
                    "; token: expiry not known yet (the API refused a refresh; it is tried again in 24 h)"
                        .to_string()
                }
                (None, SourceKind::Facebook) => "; token: no expiry known (Facebook)".to_string(),
            }
        }
        None => String::new(),
    };
    let who = name.map(|n| format!(" [{n}]")).unwrap_or_default();
    println!(
        "feedgen{who}: {} posts from {from}; images: {} downloaded, {} decoded, {} variants made, {} reused; {} files written, {} pruned → {} in {:.2}s{token}",
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
        warn(&of_feed(
            name,
            &format!(
                "{} posts were left out (see the warnings above)",
                r.skipped_posts
            ),
        ));
    }
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM (a CI job's time limit) and returns
/// the conventional exit code: 128 plus the signal's number.
async fn stop_signal() -> u8 {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => 130,
            _ = term.recv() => 143,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        130
    }
}
