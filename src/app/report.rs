//! What a run tells its caller: per feed, what was fetched, made, written
//! and warned about (`--report json` prints it).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::FeedCx;
use crate::app::images::Made;
use crate::app::obtain::Obtained;
use crate::app::publish::Publication;
use crate::config::FeedConfig;
use crate::error::Error;
use crate::kinds::SourceKind;
use crate::media::MediaStats;
use crate::model::Feed;
use crate::source::instagram::LeftOut;
use crate::token::TokenOrigin;

/// Where the feed of a build came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedOrigin {
    /// Fetched from the API in this build.
    Api,
    /// Read from the recorded snapshot.
    Snapshot,
    /// Read from Instagram's data export (`source.kind = "export"`).
    Export,
}

/// What the build of one feed did; the CLI prints it as one summary line (or JSON with `--report json`).
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// The feed's name (`default` for a config without `[[feed]]`).
    pub feed: String,
    /// Which API the feed reads (`instagram` or `facebook`).
    pub source: SourceKind,
    /// Where the feed came from.
    pub origin: FeedOrigin,
    /// The account's username.
    pub username: String,
    /// Posts published.
    pub posts: usize,
    /// Posts left out: unusable as the API sent them, or none of their
    /// images could be made. Each is in [`BuildReport::left_out_posts`].
    pub skipped_posts: usize,
    /// Every post left out, with why.
    pub left_out_posts: Vec<LeftOut>,
    /// Images left out (each named in the warnings).
    pub left_out_images: usize,
    /// API requests made.
    pub api_requests: usize,
    /// Media work done.
    pub media: MediaStats,
    /// Files new or changed in the output folder; unchanged files are not counted.
    pub files_written: usize,
    /// Files of the previous output no longer published.
    pub pruned: usize,
    /// Whether the published output differs from the last one published
    /// (as recorded in the cache): false when a scheduled run found nothing
    /// new, so CI may skip the deploy.
    pub changed: bool,
    /// Problems that did not stop the build, each naming its item.
    pub warnings: Vec<String>,
    /// The output folder.
    pub out_dir: PathBuf,
    /// The token's lifecycle in this build (`None` offline).
    pub token: Option<TokenReport>,
    /// Set when the API failed and the last good feed was published again.
    pub stale: Option<Stale>,
}

/// The outcome of one feed in a run.
#[derive(Debug)]
pub struct FeedRun {
    /// The feed's name.
    pub name: String,
    /// What its build did, or why it failed (its previous output is then intact).
    pub result: Result<BuildReport, Error>,
}

/// What a run did: one outcome per feed, in config order.
#[derive(Debug)]
pub struct RunReport {
    /// Every feed built, in config order.
    pub feeds: Vec<FeedRun>,
    /// Problems of the run as a whole (pruning the shared store).
    pub warnings: Vec<String>,
}

impl RunReport {
    /// The report of a one-feed run, or its error: for programs with one feed.
    pub fn into_single(mut self) -> Result<BuildReport, Error> {
        match self.feeds.len() {
            1 => self.feeds.remove(0).result,
            n => Err(Error::Internal(format!(
                "into_single on a run of {n} feeds; iterate RunReport::feeds instead"
            ))),
        }
    }
}

/// The feed's report, from the values its stages returned.
pub(super) fn report(
    feed: &FeedConfig,
    obtained: Obtained,
    shown: &Feed,
    made: &Made,
    left_out: Vec<LeftOut>,
    published: &Publication,
    cx: FeedCx,
) -> BuildReport {
    let (api_requests, warnings) = cx.finish();
    BuildReport {
        feed: feed.name.clone(),
        source: feed.source.kind,
        origin: obtained.origin,
        username: shown.account.username.clone(),
        posts: shown.posts.len(),
        skipped_posts: left_out.len(),
        left_out_posts: left_out,
        left_out_images: made.failures.len(),
        api_requests,
        media: made.stats.clone(),
        files_written: published.files.written,
        pruned: published.files.removed,
        changed: published.changed,
        warnings,
        out_dir: feed.output.dir.clone(),
        token: obtained.token_report,
        stale: obtained.stale,
    }
}

fn as_display<S: serde::Serializer>(v: &TokenOrigin, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Why a build published the last good feed instead of a fresh one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stale {
    /// The API failure, as a full message.
    pub reason: String,
    /// The exit code that failure has on its own ([`crate::error::exit`]).
    pub exit_code: u8,
    /// When the republished feed was fetched.
    pub saved_at: DateTime<Utc>,
}

/// What happened to the token during a build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenReport {
    /// Where it came from.
    #[serde(serialize_with = "as_display")]
    pub origin: TokenOrigin,
    /// Whole days until it expires, when known.
    pub days_left: Option<i64>,
    /// Whether a refresh was attempted in this build.
    pub refresh_attempted: bool,
    /// Whether a refresh succeeded in this build.
    pub refreshed: bool,
}
