//! One build, from config to published files: the only place that wires the stages.
//!
//! Order matters for "nothing is lost": new media files are written first
//! (under new names, beside the old ones), then the HTML and JSON are swapped in
//! by rename, and only then are unreferenced files pruned. A build that fails or
//! is killed at any point leaves HTML and JSON whose every file exists.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::Config;
use crate::error::Error;
use crate::http::{self, MediaHosts};
use crate::media::{MediaStage, MediaStats};
use crate::model::Original;
use crate::output::{self, ContentStore};
use crate::render;
use crate::source::{InstagramClient, Snapshot};
use crate::store::Manifest;
use crate::token::{self, Decision, Obtained, TokenOrigin};

/// Per-run choices that are not part of the config file.
#[derive(Clone, Default)]
pub struct BuildOptions {
    /// Build from the recorded snapshot, without network (also `source.offline`).
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

/// The stages a [`Progress`] hears about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Reading the account and its media from the API (length unknown).
    Fetch,
    /// Downloading and resizing images (length: the number of images).
    Media,
    /// Rendering and publishing.
    Publish,
}

/// Receives progress from a build; every method has a do-nothing default.
pub trait Progress: Send + Sync {
    /// A stage starts; `total` is its number of steps, if known.
    fn start(&self, _stage: Stage, _total: Option<usize>) {}
    /// One step of the current stage is done.
    fn step(&self, _stage: Stage) {}
    /// A stage is over.
    fn finish(&self, _stage: Stage) {}
}

/// Where the feed of a build came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedOrigin {
    /// Fetched from the API in this build.
    Api,
    /// Read from the recorded snapshot.
    Snapshot,
}

/// What a build did; the CLI prints it as one summary line (or JSON with `--report json`).
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// Where the feed came from.
    pub origin: FeedOrigin,
    /// The account's username.
    pub username: String,
    /// Posts published.
    pub posts: usize,
    /// Posts left out because none of their images could be made.
    pub skipped_posts: usize,
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
    /// Problems that did not stop the build, each naming its item.
    pub warnings: Vec<String>,
    /// The output folder.
    pub out_dir: PathBuf,
    /// The token's lifecycle in this build (`None` offline).
    pub token: Option<TokenReport>,
    /// Set when the API failed and the last good feed was published again.
    pub stale: Option<Stale>,
}

/// Builds with the default options: fetch, make the media, render, publish.
///
/// Starts its own tokio runtime; from async code use [`build_async`].
pub fn build(config: &Config) -> Result<BuildReport, Error> {
    build_with(config, &BuildOptions::default())
}

/// [`build`] with per-run options (offline, clock, progress).
pub fn build_with(config: &Config, options: &BuildOptions) -> Result<BuildReport, Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(build_async(config, options))
}

/// Fetches (or loads) the feed, makes the media, renders and publishes.
pub async fn build_async(config: &Config, options: &BuildOptions) -> Result<BuildReport, Error> {
    let progress = options.progress.as_deref();
    let now = options.now.unwrap_or_else(Utc::now);
    let snapshot = Snapshot::new(&config.source.snapshot_dir);
    // Held until the build ends: one build at a time per output folder.
    let _lock = output::lock(&config.output.dir, config.output.lock_timeout)?;
    let store = ContentStore::new(config.cache_dir.join("media"));
    let manifest_path = config.cache_dir.join("manifest.json");
    let offline = options.offline || config.source.offline;
    let hosts = MediaHosts::new(&config.source.media_hosts);
    let mut warnings = Vec::new();
    let mut token_report = None;

    // 1. The feed: fetched, or on an API failure the last good one (stale-on-error).
    let client = http::client_with_timeout(&hosts, config.http.timeout);
    let mut stale = None;
    let mut in_use: Option<token::Resolved> = None;
    let mut api_requests = 0;
    if let Some(p) = progress {
        p.start(Stage::Fetch, None);
    }
    let (mut feed, origin) = if offline {
        let (mut feed, saved_at) = load_snapshot(&snapshot)?;
        feed.posts.truncate(config.source.max_posts);
        tracing::info!("building offline from the snapshot saved {saved_at}");
        (feed, FeedOrigin::Snapshot)
    } else {
        let fetched = fetch_online(
            config,
            &client,
            &snapshot,
            now,
            &mut warnings,
            &mut token_report,
            &mut api_requests,
        )
        .await;
        match fetched {
            Ok((feed, resolved)) => {
                in_use = Some(resolved);
                (feed, FeedOrigin::Api)
            }
            Err(e @ (Error::Token { .. } | Error::Api(_))) => {
                let Ok(Some((feed, saved_at))) = snapshot.load() else {
                    return Err(e);
                };
                warnings.push(format!(
                    "the API failed, so the last good feed (fetched {}) is published again. The failure: {e}",
                    saved_at.format("%Y-%m-%d %H:%M UTC")
                ));
                stale = Some(Stale {
                    reason: e.to_string(),
                    exit_code: e.exit_code(),
                    saved_at,
                });
                (feed, FeedOrigin::Snapshot)
            }
            Err(e) => return Err(e),
        }
    };
    if let Some(p) = progress {
        p.finish(Stage::Fetch);
    }
    let api = in_use.as_ref().map(|r| {
        InstagramClient::new(&client, &config.source.api_base, &r.state.token)
            .with_retry(config.http.retry)
    });

    // 2. Media: originals and variants.
    let previous = Manifest::load(&manifest_path);
    let post_of: HashMap<String, String> = feed
        .posts
        .iter()
        .flat_map(|p| p.assets.iter().map(move |a| (a.id.clone(), p.id.clone())))
        .collect();
    let assets: Vec<_> = feed
        .posts
        .iter()
        .flat_map(|p| p.assets.iter().cloned())
        .collect();
    let stage = MediaStage {
        http: (origin == FeedOrigin::Api).then_some(&client),
        api: api.as_ref(),
        retry: config.http.retry,
        hosts: &hosts,
        snapshot: &snapshot,
        store: &store,
        images: &config.images,
        previous: &previous,
        progress,
    };
    if let Some(p) = progress {
        p.start(Stage::Media, Some(assets.len()));
    }
    let outcomes = stage.run(assets).await;
    if let Some(p) = progress {
        p.finish(Stage::Media);
        p.start(Stage::Publish, None);
    }
    let mut media = MediaStats::default();
    let mut manifest = Manifest::default();
    let mut originals: HashMap<String, Original> = HashMap::new();
    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    for o in outcomes {
        media.downloaded += o.stats.downloaded;
        media.reused_originals += o.stats.reused_originals;
        media.decoded += o.stats.decoded;
        media.encoded += o.stats.encoded;
        media.reused_variants += o.stats.reused_variants;
        match o.result {
            Ok((original, entry)) => {
                originals.insert(o.asset_id.clone(), original);
                manifest.assets.insert(o.asset_id, entry);
            }
            Err(reason) => {
                failures.insert(o.asset_id, reason);
            }
        }
    }
    for (asset_id, reason) in &failures {
        let post = post_of.get(asset_id).map(String::as_str).unwrap_or("?");
        warnings.push(format!("post {post}, image {asset_id}: {reason}; left out"));
    }
    let fetched_posts = feed.posts.len();
    for post in &mut feed.posts {
        post.assets.retain_mut(|a| match originals.get(&a.id) {
            Some(o) => {
                a.original = Some(o.clone());
                true
            }
            None => false,
        });
    }
    feed.posts.retain(|p| !p.assets.is_empty());
    let skipped_posts = fetched_posts - feed.posts.len();
    if fetched_posts > 0 && feed.posts.is_empty() {
        let first = failures
            .values()
            .next()
            .cloned()
            .unwrap_or_else(|| "no image".into());
        return Err(Error::NothingToPublish {
            posts: fetched_posts,
            first_problem: first,
        });
    }

    // 3. Render, then publish the whole output folder in one swap.
    let mut media_files: HashSet<String> = manifest
        .assets
        .values()
        .flat_map(|e| e.variants.iter().map(|v| v.file.clone()))
        .collect();
    let css = if config.output.css {
        let text = crate::theme::stylesheet(&config.output)?;
        let (name, _) = store.put(text.as_bytes(), "css")?;
        media_files.insert(name.clone());
        Some((format!("{}/{name}", crate::output::MEDIA_DIR), name, text))
    } else {
        None
    };
    let css_file = css.as_ref().map(|(_, name, _)| name.as_str());
    let views = render::views(
        &feed,
        &manifest.assets,
        &config.output,
        &config.images.formats,
    );
    let fragment = render::fragment(&views, &config.output, css_file)?;
    let mut documents = BTreeMap::new();
    documents.insert(
        config.output.json.clone(),
        render::json(&feed, &views).into_bytes(),
    );
    if let Some(page_name) = &config.output.page {
        let page = render::page(&fragment, &feed.account.username, &config.output)?;
        documents.insert(page_name.clone(), page.into_bytes());
    }
    documents.insert(config.output.html.clone(), fragment.into_bytes());
    if let Some(site) = &config.output.site_url {
        documents.insert(
            config.output.jsonfeed.clone(),
            render::feeds::json_feed(&feed.account, &views, &config.output, site).into_bytes(),
        );
        documents.insert(
            config.output.atom.clone(),
            render::feeds::atom(&feed.account, &views, &config.output, site)?.into_bytes(),
        );
    }
    // Visitors' browsers must never contact Meta: check everything that would load.
    let findings = crate::privacy::check(
        documents
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
            .chain(
                css.iter()
                    .map(|(path, _, text)| (path.as_str(), text.as_bytes())),
            ),
    );
    if !findings.is_empty() {
        match config.output.privacy {
            crate::config::Privacy::Fail => return Err(Error::Privacy { findings }),
            crate::config::Privacy::Warn => warnings.extend(
                findings
                    .iter()
                    .map(|f| format!("privacy: {f} would load from Meta in visitors' browsers")),
            ),
        }
    }
    let published = output::publish(&config.output.dir, &documents, &media_files, &store)?;

    // 4. Record state, then prune what nothing refers to any more.
    manifest.save(&manifest_path)?;
    store.prune(&media_files)?;
    if origin == FeedOrigin::Api {
        snapshot.save(&feed, now)?;
        let used: HashSet<String> = originals.values().map(|o| o.file.clone()).collect();
        snapshot.prune_originals(&used)?;
    }

    if let Some(p) = progress {
        p.finish(Stage::Publish);
    }
    Ok(BuildReport {
        origin,
        username: feed.account.username.clone(),
        posts: feed.posts.len(),
        skipped_posts,
        left_out_images: failures.len(),
        api_requests,
        media,
        files_written: published.written,
        pruned: published.removed,
        warnings,
        out_dir: config.output.dir.clone(),
        token: token_report,
        stale,
    })
}

fn load_snapshot(snapshot: &Snapshot) -> Result<(crate::model::Feed, DateTime<Utc>), Error> {
    snapshot.load()?.ok_or_else(|| Error::Snapshot {
        dir: snapshot.dir().to_path_buf(),
        reason: "there is no recorded snapshot yet (feed.json is missing). Run one online build with FEEDGEN_TOKEN set first, or point source.snapshot at a snapshot folder".into(),
    })
}

/// Keeps the token alive, fetches the feed, and reattaches the originals already downloaded.
async fn fetch_online(
    config: &Config,
    client: &reqwest::Client,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
    warnings: &mut Vec<String>,
    token_report: &mut Option<TokenReport>,
    api_requests: &mut usize,
) -> Result<(crate::model::Feed, token::Resolved), Error> {
    let mut resolved = keep_token_alive(config, client, now, warnings, token_report).await?;
    *api_requests += token_report
        .as_ref()
        .map_or(0, |t| usize::from(t.refresh_attempted));
    let fetched = InstagramClient::new(client, &config.source.api_base, &resolved.state.token)
        .with_retry(config.http.retry)
        .fetch(config.source.max_posts)
        .await?;
    *api_requests += fetched.requests;
    // The token works: remember it (first sight, or the refresh attempt's outcome).
    if resolved.dirty {
        token::save_state(&config.token.state_file, &resolved.state)?;
        resolved.dirty = false;
    }
    warnings.extend(fetched.warnings);
    let mut feed = fetched.feed;
    // Reuse originals already downloaded, by asset id (CDN URLs change every fetch).
    let known: HashMap<String, Original> = match snapshot.load() {
        Ok(Some((prev, _))) => prev
            .posts
            .into_iter()
            .flat_map(|p| p.assets)
            .filter_map(|a| Some((a.id, a.original?)))
            .collect(),
        Ok(None) => HashMap::new(),
        Err(e) => {
            warnings.push(format!(
                "the previous snapshot is unusable ({e}); downloading every image again"
            ));
            HashMap::new()
        }
    };
    for asset in feed.posts.iter_mut().flat_map(|p| p.assets.iter_mut()) {
        asset.original = known.get(&asset.id).cloned();
    }
    Ok((feed, resolved))
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

/// Picks the token, refreshes it when the policy says so, and warns as expiry nears.
async fn keep_token_alive(
    config: &Config,
    client: &reqwest::Client,
    now: DateTime<Utc>,
    warnings: &mut Vec<String>,
    report: &mut Option<TokenReport>,
) -> Result<token::Resolved, Error> {
    let mut resolved = token::current(config, now)?;
    let policy = &config.token.policy;
    let mut r = TokenReport {
        origin: resolved.origin.clone(),
        days_left: None,
        refresh_attempted: false,
        refreshed: false,
    };
    match token::decide(&resolved.state, now, policy) {
        Decision::Refresh if policy.auto => {
            r.refresh_attempted = true;
            resolved.state.last_refresh_attempt = Some(now);
            resolved.dirty = true;
            let api = InstagramClient::new(client, &config.source.api_base, &resolved.state.token);
            match api.refresh().await {
                Ok(issued) => {
                    resolved.state.token = issued.token;
                    resolved.state.obtained_at = now;
                    resolved.state.obtained = Obtained::Refreshed;
                    resolved.state.expires_at = issued
                        .expires_in
                        .map(|s| now + chrono::Duration::seconds(s));
                    resolved.state.last_refresh_error = None;
                    // Saved at once: the new token must survive whatever fails next.
                    token::save_state(&config.token.state_file, &resolved.state)?;
                    resolved.dirty = false;
                    r.refreshed = true;
                    tracing::info!("token refreshed");
                }
                Err(e) => {
                    let why = e.to_string();
                    warnings.push(format!(
                        "the token could not be refreshed ({why}); the current token is used as long as it is valid, and the refresh is retried in 24 h"
                    ));
                    resolved.state.last_refresh_error = Some(why);
                }
            }
        }
        Decision::Refresh => tracing::debug!("a refresh is due, but token.auto_refresh is off"),
        Decision::Keep(reason) => tracing::debug!("token not refreshed: {reason}"),
    }
    if let Some(exp) = resolved.state.expires_at {
        let days = token::days_left(exp, now);
        r.days_left = Some(days);
        if days < policy.warn_days_left {
            warnings.push(format!(
                "the token expires in {days} days (on {}). feedgen refreshes it automatically on builds once it is 24 h old; if refreshes keep failing, generate a new token before then (see README, Getting a token)",
                exp.format("%Y-%m-%d")
            ));
        }
    }
    *report = Some(r);
    Ok(resolved)
}
