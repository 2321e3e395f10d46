//! `feedgen paths`: where each feed's files go, as JSON, read from the config
//! without building. The Eleventy and Astro integrations ask it where to find
//! the output (and what to copy and ignore) before the first build has run.

use std::process::ExitCode;

use feedgen::Error;
use serde::Serialize;

use super::ConfigArg;

/// One feed's files.
#[derive(Serialize)]
struct FeedPaths<'a> {
    name: &'a str,
    /// The output folder, as the config resolves it (relative to the working folder).
    dir: &'a std::path::Path,
    /// File names inside `dir`.
    html: &'a str,
    json: &'a str,
    page: Option<&'a str>,
    /// The URL the output folder is served at.
    base_url: &'a str,
    /// The folder of feedgen's cache (never published; a watcher ignores it).
    cache_dir: &'a std::path::Path,
    /// The token state file (holds the token: never cached where others read it).
    token_state: &'a std::path::Path,
}

pub fn run(args: &ConfigArg) -> Result<ExitCode, Error> {
    let config = args.load(false)?;
    let feeds: Vec<FeedPaths> = config
        .feeds
        .iter()
        .map(|f| FeedPaths {
            name: &f.name,
            dir: &f.output.dir,
            html: &f.output.html,
            json: &f.output.json,
            page: f.output.page.as_deref(),
            base_url: &f.output.base_url,
            cache_dir: &config.cache_dir,
            token_state: &f.token.state_file,
        })
        .collect();
    let doc = serde_json::json!({ "feeds": feeds });
    println!(
        "{}",
        serde_json::to_string_pretty(&doc).expect("paths serialize")
    );
    Ok(super::ok())
}
