//! One run, from config to published files: the only place that wires the stages.
//!
//! A run builds every feed of the config, [`Config::concurrency`] at a time,
//! sharing one HTTP client, one content store and one budget of CPU workers.
//! Each feed fails alone: an API or token failure republishes that feed's last
//! good output (stale-on-error) and the other feeds go on.
//!
//! Order matters for "nothing is lost": new media files are written first
//! (under new names, beside the old ones), then each output folder is swapped
//! in whole, and only when every feed is done are store files that no feed
//! refers to pruned. A build that fails or is killed at any point leaves HTML
//! and JSON whose every file exists.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use tokio::sync::Semaphore;

use crate::config::{Config, FeedConfig};
use crate::error::Error;
use crate::http::{self, MediaHosts};
use crate::manifest::{Journal, Manifest};
use crate::output::{self, ContentStore};
pub use crate::progress::{Progress, Stage};
use crate::select::Selection;
use crate::source::{InstagramClient, Snapshot};
use crate::token;

mod images;
mod obtain;
mod publish;
mod refresh;
mod report;

use images::{MediaSources, keep_what_was_made, make_media};
use obtain::{embedded_posts, obtain, shown_posts, want_embeds};
use publish::{Cards, publish, record_state, render};
use refresh::known_secrets;
use report::report;
pub use report::{BuildReport, FeedOrigin, FeedRun, RunReport, Stale, TokenReport};

/// Per-run choices that are not part of the config file.
#[derive(Clone, Default)]
pub struct BuildOptions {
    /// Build from the recorded snapshots, without network (also `source.offline`).
    pub offline: bool,
    /// The current time (injectable for tests); `None` means now.
    pub now: Option<DateTime<Utc>>,
    /// Told how the build advances (the CLI draws progress bars with it).
    pub progress: Option<Arc<dyn Progress>>,
}

impl std::fmt::Debug for BuildOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildOptions")
            .field("offline", &self.offline)
            .field("now", &self.now)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// Builds every feed with the default options: fetch, make the media, render, publish.
///
/// Starts its own tokio runtime; from async code use [`build_async`].
pub fn build(config: &Config) -> Result<RunReport, Error> {
    build_with(config, &BuildOptions::default())
}

/// [`build`] with per-run options (offline, clock, progress).
pub fn build_with(config: &Config, options: &BuildOptions) -> Result<RunReport, Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(build_async(config, options))
}

/// What the feeds of a run share.
struct Shared<'a> {
    config: &'a Config,
    options: &'a BuildOptions,
    now: DateTime<Utc>,
    client: reqwest::Client,
    hosts: MediaHosts,
    store: ContentStore,
    /// When the run must end (`build.deadline` from its start).
    deadline: tokio::time::Instant,
    /// Decoding and encoding workers, shared so that feeds built at once do
    /// not each take every core.
    cpu: Arc<Semaphore>,
}

impl Shared<'_> {
    /// Tells the progress display that `feed` starts or ends `stage`.
    fn stage(&self, feed: &FeedConfig, stage: Stage, start: bool) {
        if let Some(p) = self.options.progress.as_deref() {
            if start {
                p.start(&feed.name, stage, None);
            } else {
                p.finish(&feed.name, stage);
            }
        }
    }
}

/// A feed's build and the store files its output uses.
struct Built {
    report: BuildReport,
    media_files: HashSet<String>,
}

/// Builds every feed, `config.concurrency` at a time, then prunes the shared store.
pub async fn build_async(config: &Config, options: &BuildOptions) -> Result<RunReport, Error> {
    // Before anything is fetched, so an old processor gets a message, not a
    // crash (SIGILL) half-way through encoding.
    if let Some(feature) = crate::media::pipeline::missing_cpu_feature() {
        return Err(Error::Cpu { feature });
    }
    let hosts = MediaHosts::new(&config.media_hosts());
    let shared = Shared {
        config,
        options,
        now: options.now.unwrap_or_else(Utc::now),
        client: http::client_with_timeout(&hosts, config.http.timeout),
        hosts,
        store: ContentStore::new(config.cache_dir.join("media")),
        deadline: tokio::time::Instant::now() + config.deadline,
        cpu: Arc::new(Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        )),
    };
    // Held until the prune: another config's build sharing this cache stops
    // it, so no file is deleted while that build links it.
    let claim = shared.store.claim()?;
    let outcomes = build_feeds(&shared).await;
    let keep = files_in_use(&outcomes);
    let mut warnings = single_feed_leftovers(config);
    // Files still in use by a failed feed's published output are hard links,
    // so pruning never breaks an output; keeping them only saves re-encoding.
    match shared.store.prune_if_alone(claim, &keep) {
        Ok(Some(_)) => {}
        Ok(None) => {
            tracing::info!("another build uses the content store; it is pruned by a later build")
        }
        Err(e) => warnings.push(format!("the content store could not be pruned: {e}")),
    }
    Ok(RunReport {
        feeds: outcomes
            .into_iter()
            .map(|(feed, outcome)| FeedRun {
                name: feed.name.clone(),
                result: outcome.map(|b| b.report),
            })
            .collect(),
        warnings,
    })
}

/// Going from one feed to several: the folder that held the one feed now
/// holds a folder per feed, and what the one feed published there is removed
/// (it would be deployed forever). Returns a note for each folder cleaned,
/// or the error that kept it.
fn single_feed_leftovers(config: &Config) -> Vec<String> {
    if !config.named_feeds {
        return Vec::new();
    }
    let mut bases: std::collections::BTreeMap<&std::path::Path, HashSet<&str>> = Default::default();
    for feed in &config.feeds {
        let dir = &feed.output.dir;
        if let Some(base) = dir.parent()
            && dir.file_name().is_some_and(|n| n == feed.name.as_str())
        {
            bases.entry(base).or_default().insert(&feed.name);
        }
    }
    let mut notes = Vec::new();
    for (base, feeds) in bases {
        match output::remove_single_feed_leftovers(base, &feeds) {
            Ok(removed) if removed.is_empty() => {}
            Ok(removed) => notes.push(format!(
                "{} held the output of a single feed; now that it holds one folder per feed, its old files are removed: {}",
                base.display(),
                removed.join(", ")
            )),
            Err(e) => notes.push(format!(
                "the old single-feed output in {} could not be removed ({e}); delete it by hand, or it is deployed",
                base.display()
            )),
        }
    }
    notes
}

/// Builds every feed: feeds of one account one after the other, so that the
/// second finds the originals and variants of the first; different accounts
/// at once, up to `concurrency`. Outcomes come back in the config's order.
async fn build_feeds<'c>(shared: &Shared<'c>) -> Vec<(&'c FeedConfig, Result<Built, Error>)> {
    let config = shared.config;
    let deadline = shared.deadline;
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, feed) in config.feeds.iter().enumerate() {
        let key = account_key(feed);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    let mut outcomes: Vec<(usize, Result<Built, Error>)> = futures_util::stream::iter(groups)
        .map(|(_, members)| async move {
            let mut done = Vec::new();
            for &i in &members {
                let siblings: Vec<&FeedConfig> = members
                    .iter()
                    .filter(|&&j| j != i)
                    .map(|&j| &config.feeds[j])
                    .collect();
                // Publishing has no await point, so a deadline never cuts it short.
                let built = tokio::time::timeout_at(
                    deadline,
                    build_feed(shared, &config.feeds[i], &siblings),
                )
                .await
                .unwrap_or(Err(Error::Deadline {
                    seconds: config.deadline.as_secs(),
                }));
                done.push((i, built));
            }
            done
        })
        .buffer_unordered(config.concurrency)
        .flat_map(futures_util::stream::iter)
        .collect()
        .await;
    outcomes.sort_by_key(|(i, _)| *i);
    outcomes
        .into_iter()
        .map(|(i, r)| (&config.feeds[i], r))
        .collect()
}

/// The store is shared: what any output or any feed's records refer to
/// (a failed feed's manifest and journal included) is kept by the prune.
fn files_in_use(outcomes: &[(&FeedConfig, Result<Built, Error>)]) -> HashSet<String> {
    let mut keep: HashSet<String> = HashSet::new();
    for (feed, outcome) in outcomes {
        match outcome {
            Ok(built) => keep.extend(built.media_files.iter().cloned()),
            Err(_) => keep.extend({
                let manifest = Manifest::load(&feed.manifest);
                let videos: Vec<String> = manifest.videos.into_values().collect();
                manifest
                    .assets
                    .into_values()
                    .chain(
                        Journal::beside(&feed.manifest)
                            .load()
                            .into_values()
                            .map(|(_, e)| e),
                    )
                    .flat_map(|e| e.variants.into_iter().map(|v| v.file))
                    .chain(videos)
            }),
        }
    }
    keep
}

/// Which account a feed reads, as far as the config tells: its API, its
/// token's source, and the account it names (never the token itself).
fn account_key(feed: &FeedConfig) -> String {
    let token = match (&feed.token.env, &feed.token.file, &feed.source.token) {
        (Some(t), _, _) => format!("token {}", token::fingerprint(t)),
        (None, Some(file), _) => format!("file {}", file.display()),
        (None, None, Some(t)) => format!("token {}", token::fingerprint(t)),
        (None, None, None) => format!("state {}", feed.token.state_file.display()),
    };
    format!(
        "{} {} {token} {:?} {:?} {:?}",
        feed.source.kind.name(),
        feed.source.api_base,
        feed.source.ig_user_id,
        feed.source.page_id,
        // Business Discovery: another account, read with the same token.
        feed.source.username
    )
}

/// One feed's build as its stages share it: the warnings each adds (in the
/// order they happen) and the one counter of its API requests, which the
/// clients bump themselves. Stages take `&FeedCx` instead of threading a
/// `&mut Vec<String>` and a counter through every call.
#[derive(Default)]
pub(super) struct FeedCx {
    warnings: std::sync::Mutex<Vec<String>>,
    requests: std::sync::atomic::AtomicUsize,
}

impl FeedCx {
    /// Adds a warning about this feed.
    pub(super) fn warn(&self, warning: impl Into<String>) {
        self.warnings
            .lock()
            .expect("warnings lock")
            .push(warning.into());
    }

    /// Adds several warnings, in order.
    pub(super) fn warn_all(&self, warnings: impl IntoIterator<Item = String>) {
        self.warnings
            .lock()
            .expect("warnings lock")
            .extend(warnings);
    }

    /// The counter the API clients of this feed bump, once per request sent.
    pub(super) fn requests(&self) -> &std::sync::atomic::AtomicUsize {
        &self.requests
    }

    /// The requests sent and the warnings, once the build is done.
    pub(super) fn finish(self) -> (usize, Vec<String>) {
        (
            self.requests.into_inner(),
            self.warnings.into_inner().expect("warnings lock"),
        )
    }
}

/// Fetches (or loads) one feed, makes its media, renders and publishes it.
/// `siblings` are the other feeds of the same account: their originals and
/// variants are this feed's too.
async fn build_feed(
    shared: &Shared<'_>,
    feed: &FeedConfig,
    siblings: &[&FeedConfig],
) -> Result<Built, Error> {
    let snapshot = Snapshot::new(&feed.source.snapshot_dir);
    let elsewhere: Vec<Snapshot> = siblings
        .iter()
        .map(|f| Snapshot::new(&f.source.snapshot_dir))
        .collect();
    // Held until the build ends: one build at a time per output folder.
    let _lock = output::lock(
        &feed.output.dir,
        &shared.config.cache_dir,
        feed.output.lock_timeout,
    )
    .await?;
    let mut selection = Selection::of(feed)?;
    // The feed's warnings and its API requests, counted by the clients
    // themselves, so a build that falls back to the last good feed still
    // reports what it sent.
    let cx = FeedCx::default();
    want_embeds(feed, &mut selection, &snapshot, &cx)?;

    // 1. The feed: fetched, or on an API failure the last good one (stale-on-error).
    shared.stage(feed, Stage::Fetch, true);
    let mut obtained = obtain(shared, feed, &selection, &snapshot, &elsewhere, &cx).await?;
    shared.stage(feed, Stage::Fetch, false);
    let shown = shown_posts(feed, &selection, &obtained.candidates, obtained.origin, &cx);
    let embedded = embedded_posts(feed, &selection, &obtained.candidates, &cx);
    let (with_embedded, shown_ids) = with_embedded(shown, &embedded);

    // 2. Media: originals and variants.
    let in_use = obtained.in_use.as_ref();
    let api = in_use.map(|(r, user)| {
        InstagramClient::for_source(&shared.client, &feed.source, &r.state.token)
            .for_user(user)
            .with_retry(shared.config.http.retry)
            .counting(cx.requests())
    });
    let sources = MediaSources {
        origin: obtained.origin,
        api: api.as_ref(),
        snapshot: &snapshot,
        elsewhere: &elsewhere,
    };
    let made = make_media(shared, feed, siblings, &with_embedded, sources).await;
    shared.stage(feed, Stage::Publish, true);
    let mut left_out = std::mem::take(&mut obtained.left_out);
    let (kept, more_left_out) = keep_what_was_made(with_embedded, &made, &cx)?;
    left_out.extend(more_left_out);
    let (shown, embedded) = split_embedded(kept, &shown_ids, &embedded);

    // 3. Render, then publish the whole output folder in one swap.
    let cards = Cards {
        wanted: &selection.embeds,
        found: &embedded,
    };
    let rendered = render(feed, &shown, cards, &made.manifest, shared.now, &cx)?;
    let secrets = known_secrets(feed, in_use.map(|(r, _)| &r.state.token));
    let published = publish(feed, rendered, &shared.store, &secrets, &cx)?;

    // 4. Record state; the store is pruned once every feed is done.
    let origin = obtained.origin;
    record_state(
        feed,
        &snapshot,
        origin,
        &obtained.candidates,
        &shown
            .posts
            .iter()
            .chain(embedded.iter().map(|(_, p)| p))
            .collect::<Vec<_>>(),
        &made,
        shared.now,
    )?;
    shared.stage(feed, Stage::Publish, false);
    Ok(Built {
        report: report(feed, obtained, &shown, &made, left_out, &published, cx),
        media_files: published.media_files,
    })
}

/// The shown feed with the embedded posts it lacks after its own (their
/// media are made with the feed's), and the ids of the posts it shows.
fn with_embedded(
    shown: crate::model::Feed,
    embedded: &[(String, crate::model::Post)],
) -> (crate::model::Feed, HashSet<String>) {
    let ids: HashSet<String> = shown.posts.iter().map(|p| p.id.clone()).collect();
    let mut all = shown;
    for (_, post) in embedded {
        if !all.posts.iter().any(|p| p.id == post.id) {
            all.posts.push(post.clone());
        }
    }
    (all, ids)
}

/// Splits the posts whose media were made back into the feed shown and the
/// embedded posts (by shortcode); an embedded post whose images all failed
/// is left out, so its card becomes a link.
fn split_embedded(
    kept: crate::model::Feed,
    shown_ids: &HashSet<String>,
    embedded: &[(String, crate::model::Post)],
) -> (crate::model::Feed, Vec<(String, crate::model::Post)>) {
    let found = embedded
        .iter()
        .filter_map(|(code, post)| {
            let made = kept.posts.iter().find(|p| p.id == post.id)?;
            // The overrides' edits of the embedded copy, the media of the made one.
            let mut post = post.clone();
            post.assets = made.assets.clone();
            post.video = made.video.clone();
            Some((code.clone(), post))
        })
        .collect();
    let shown = crate::model::Feed {
        account: kept.account,
        posts: kept
            .posts
            .into_iter()
            .filter(|p| shown_ids.contains(&p.id))
            .collect(),
    };
    (shown, found)
}
