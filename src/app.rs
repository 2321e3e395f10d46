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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::config::{Config, FeedConfig};
use crate::error::Error;
use crate::http::{self, MediaHosts};
use crate::kinds::SourceKind;
use crate::manifest::{Journal, Manifest};
use crate::media::{MediaStage, MediaStats};
use crate::model::{Feed, Original};
use crate::output::{self, ContentStore};
pub use crate::progress::{Progress, Stage};
use crate::render;
use crate::secret::Token;
use crate::select::Selection;
use crate::source::instagram::LeftOut;
use crate::source::{InstagramClient, Snapshot};
use crate::token::{self, Decision, Obtained, TokenOrigin};

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

/// Where the feed of a build came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedOrigin {
    /// Fetched from the API in this build.
    Api,
    /// Read from the recorded snapshot.
    Snapshot,
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
    /// Decoding and encoding workers, shared so that feeds built at once do
    /// not each take every core.
    cpu: Arc<Semaphore>,
}

/// A feed's build and the store files its output uses.
struct Built {
    report: BuildReport,
    media_files: HashSet<String>,
}

/// Builds every feed, `config.concurrency` at a time, then prunes the shared store.
pub async fn build_async(config: &Config, options: &BuildOptions) -> Result<RunReport, Error> {
    let hosts = MediaHosts::new(&config.media_hosts());
    let shared = Shared {
        config,
        options,
        now: options.now.unwrap_or_else(Utc::now),
        client: http::client_with_timeout(&hosts, config.http.timeout),
        hosts,
        store: ContentStore::new(config.cache_dir.join("media")),
        cpu: Arc::new(Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        )),
    };
    // Held until the prune: another config's build sharing this cache stops
    // it, so no file is deleted while that build links it.
    let claim = shared.store.claim()?;
    let deadline = tokio::time::Instant::now() + config.deadline;
    // Feeds of one account run one after the other, so that the second finds
    // the originals and variants of the first; different accounts run at once.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, feed) in config.feeds.iter().enumerate() {
        let key = account_key(feed);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    let mut outcomes: Vec<(usize, Result<Built, Error>)> = futures_util::stream::iter(groups)
        .map(|(_, members)| {
            let shared = &shared;
            async move {
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
            }
        })
        .buffer_unordered(config.concurrency)
        .flat_map(futures_util::stream::iter)
        .collect()
        .await;
    outcomes.sort_by_key(|(i, _)| *i);
    let outcomes: Vec<(&FeedConfig, Result<Built, Error>)> = outcomes
        .into_iter()
        .map(|(i, r)| (&config.feeds[i], r))
        .collect();

    // The store is shared: keep what any output or any feed's records refer to.
    let mut keep: HashSet<String> = HashSet::new();
    for (feed, outcome) in &outcomes {
        match outcome {
            Ok(built) => keep.extend(built.media_files.iter().cloned()),
            Err(_) => keep.extend(
                Manifest::load(&feed.manifest)
                    .assets
                    .into_values()
                    .chain(
                        Journal::beside(&feed.manifest)
                            .load()
                            .into_values()
                            .map(|(_, e)| e),
                    )
                    .flat_map(|e| e.variants.into_iter().map(|v| v.file)),
            ),
        }
    }
    let mut warnings = Vec::new();
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
        "{} {} {token} {:?} {:?}",
        feed.source.kind.name(),
        feed.source.api_base,
        feed.source.ig_user_id,
        feed.source.page_id
    )
}

/// Fetches (or loads) one feed, makes its media, renders and publishes it.
/// `siblings` are the other feeds of the same account: their originals and
/// variants are this feed's too.
async fn build_feed(
    shared: &Shared<'_>,
    feed: &FeedConfig,
    siblings: &[&FeedConfig],
) -> Result<Built, Error> {
    let progress = shared.options.progress.as_deref();
    let name = feed.name.as_str();
    let snapshot = Snapshot::new(&feed.source.snapshot_dir);
    let elsewhere: Vec<Snapshot> = siblings
        .iter()
        .map(|f| Snapshot::new(&f.source.snapshot_dir))
        .collect();
    // Held until the build ends: one build at a time per output folder.
    let _lock = output::lock(&feed.output.dir, feed.output.lock_timeout).await?;
    let selection = Selection::of(feed)?;
    // Every request to the API, counted by the clients themselves, so a build
    // that falls back to the last good feed still reports what it sent.
    let api_requests = std::sync::atomic::AtomicUsize::new(0);

    // 1. The feed: fetched, or on an API failure the last good one (stale-on-error).
    if let Some(p) = progress {
        p.start(name, Stage::Fetch, None);
    }
    let StartingFeed {
        candidates,
        origin,
        stale,
        in_use,
        mut left_out,
        mut warnings,
        token_report,
    } = obtain(
        shared,
        feed,
        &selection,
        &snapshot,
        &elsewhere,
        &api_requests,
    )
    .await?;
    if let Some(p) = progress {
        p.finish(name, Stage::Fetch);
    }
    let mut shown = shown_posts(feed, &selection, &candidates, origin, &mut warnings);

    // 2. Media: originals and variants.
    let api = in_use.as_ref().map(|(r, user)| {
        InstagramClient::for_source(&shared.client, &feed.source, &r.state.token)
            .for_user(user)
            .with_retry(shared.config.http.retry)
            .counting(&api_requests)
    });
    let made = make_media(
        shared,
        feed,
        siblings,
        &mut shown,
        MediaSources {
            origin,
            api: api.as_ref(),
            snapshot: &snapshot,
            elsewhere: &elsewhere,
        },
    )
    .await;
    if let Some(p) = progress {
        p.start(name, Stage::Publish, None);
    }
    for (asset_id, reason) in &made.failures {
        let post = made
            .post_of
            .get(asset_id)
            .map(String::as_str)
            .unwrap_or("?");
        warnings.push(format!("post {post}, image {asset_id}: {reason}; left out"));
    }
    let fetched_posts = shown.posts.len();
    left_out.extend(attach_or_leave_out(&mut shown, &made));
    let skipped_posts = left_out.len();
    if fetched_posts > 0 && shown.posts.is_empty() {
        let first = made
            .failures
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
    let store = &shared.store;
    let secrets = known_secrets(feed, in_use.as_ref().map(|(r, _)| &r.state.token));
    let (documents, media_files) =
        render_documents(feed, &shown, &made.manifest, store, &secrets, &mut warnings)?;
    let published = output::publish(&feed.output.dir, &documents, &media_files, store)?;

    // 4. Record state; the store is pruned once every feed is done.
    record_state(
        feed,
        &snapshot,
        origin,
        &candidates,
        &shown,
        &made,
        shared.now,
    )?;

    if let Some(p) = progress {
        p.finish(name, Stage::Publish);
    }
    Ok(Built {
        report: BuildReport {
            feed: feed.name.clone(),
            source: feed.source.kind,
            origin,
            username: shown.account.username.clone(),
            posts: shown.posts.len(),
            skipped_posts,
            left_out_posts: left_out,
            left_out_images: made.failures.len(),
            api_requests: api_requests.load(std::sync::atomic::Ordering::Relaxed),
            media: made.stats,
            files_written: published.written,
            pruned: published.removed,
            warnings,
            out_dir: feed.output.dir.clone(),
            token: token_report,
            stale,
        },
        media_files,
    })
}

/// The feed a build starts from, and what getting it said.
struct StartingFeed {
    /// Every post read (before the filter and the overrides).
    candidates: Feed,
    origin: FeedOrigin,
    /// Set when the API failed and the last good feed stands in.
    stale: Option<Stale>,
    /// The token and user the API was read with (online builds only).
    in_use: Option<(token::Resolved, String)>,
    left_out: Vec<LeftOut>,
    warnings: Vec<String>,
    token_report: Option<TokenReport>,
}

/// Fetches the feed, or reads the snapshot offline; on an API or token
/// failure, falls back to the last good feed when there is one.
async fn obtain(
    shared: &Shared<'_>,
    feed: &FeedConfig,
    selection: &Selection,
    snapshot: &Snapshot,
    elsewhere: &[Snapshot],
    api_requests: &std::sync::atomic::AtomicUsize,
) -> Result<StartingFeed, Error> {
    let name = feed.name.as_str();
    let mut warnings = Vec::new();
    let mut token_report = None;
    if shared.options.offline || feed.source.offline {
        let (recorded, saved_at) = load_snapshot(snapshot, &feed.token.env_var)?;
        tracing::info!("{name}: building offline from the snapshot saved {saved_at}");
        return Ok(StartingFeed {
            candidates: recorded,
            origin: FeedOrigin::Snapshot,
            stale: None,
            in_use: None,
            left_out: Vec::new(),
            warnings,
            token_report,
        });
    }
    let fetched = fetch_online(
        shared,
        feed,
        selection,
        elsewhere,
        &mut warnings,
        &mut token_report,
        api_requests,
    )
    .await;
    match fetched {
        Ok((fetched, resolved, user, unusable)) => Ok(StartingFeed {
            candidates: fetched,
            origin: FeedOrigin::Api,
            stale: None,
            in_use: Some((resolved, user)),
            left_out: unusable,
            warnings,
            token_report,
        }),
        Err(e @ (Error::Token { .. } | Error::Api(_))) => {
            let Ok(Some((fetched, saved_at))) = snapshot.load() else {
                return Err(e);
            };
            warnings.push(format!(
                "the API failed, so the last good feed (fetched {}) is published again. The failure: {e}",
                saved_at.format("%Y-%m-%d %H:%M UTC")
            ));
            let stale = Stale {
                reason: e.to_string(),
                exit_code: e.exit_code(),
                saved_at,
            };
            Ok(StartingFeed {
                candidates: fetched,
                origin: FeedOrigin::Snapshot,
                stale: Some(stale),
                in_use: None,
                left_out: Vec::new(),
                warnings,
                token_report,
            })
        }
        Err(e) => Err(e),
    }
}

/// What is shown: filtered, hidden and pinned, edited (the snapshot keeps the
/// candidates). Pinned posts a snapshot lacks are named in a warning.
fn shown_posts(
    feed: &FeedConfig,
    selection: &Selection,
    candidates: &Feed,
    origin: FeedOrigin,
    warnings: &mut Vec<String>,
) -> Feed {
    let mut shown = Feed {
        account: candidates.account.clone(),
        posts: selection.apply(&candidates.posts),
    };
    if !feed.source.counts {
        // A snapshot fetched with counts keeps them; they show only while asked for.
        for post in &mut shown.posts {
            post.like_count = None;
            post.comments_count = None;
        }
    }
    if origin == FeedOrigin::Snapshot {
        let missing: Vec<&str> = selection
            .pinned_ids()
            .filter(|id| !shown.posts.iter().any(|p| p.id == *id))
            .collect();
        if !missing.is_empty() {
            warnings.push(format!(
                "pinned posts {} are not in the snapshot; the next online build fetches them",
                missing.join(", ")
            ));
        }
    }
    shown
}

/// Where the media stage may take originals from.
struct MediaSources<'a> {
    origin: FeedOrigin,
    /// The API client, to refresh expired CDN links (online builds only).
    api: Option<&'a InstagramClient<'a>>,
    snapshot: &'a Snapshot,
    elsewhere: &'a [Snapshot],
}

/// What the media stage made of a feed's assets.
struct Made {
    stats: MediaStats,
    /// The variants of every asset that was made, for the renderer and the next build.
    manifest: Manifest,
    /// The original each made asset came from, by asset id.
    originals: HashMap<String, Original>,
    /// Why each failed asset failed, by asset id.
    failures: BTreeMap<String, String>,
    /// Which post each asset belongs to, for messages.
    post_of: HashMap<String, String>,
}

/// Obtains each asset's original, then makes its missing variants. Another
/// feed of the same account may have made a variant already: its entry counts
/// when this feed has none (the variant must still match original, width,
/// format and settings). An interrupted build's finished assets are taken
/// from the journal.
async fn make_media(
    shared: &Shared<'_>,
    feed: &FeedConfig,
    siblings: &[&FeedConfig],
    shown: &mut Feed,
    from: MediaSources<'_>,
) -> Made {
    let progress = shared.options.progress.as_deref();
    let name = feed.name.as_str();
    let journal = Journal::beside(&feed.manifest);
    let unfinished = journal.load();
    let mut previous = Manifest::load(&feed.manifest);
    // An interrupted build's finished assets: newer than the manifest.
    for (id, (_, entry)) in &unfinished {
        previous.assets.insert(id.clone(), entry.clone());
    }
    for post in &mut shown.posts {
        for asset in &mut post.assets {
            if asset.original.is_none()
                && let Some((original, _)) = unfinished.get(&asset.id)
                && from.snapshot.has_original(&original.file)
            {
                asset.original = Some(original.clone());
            }
        }
    }
    for other in siblings {
        for (id, entry) in Manifest::load(&other.manifest).assets {
            previous.assets.entry(id).or_insert(entry);
        }
    }
    let post_of: HashMap<String, String> = shown
        .posts
        .iter()
        .flat_map(|p| p.assets.iter().map(move |a| (a.id.clone(), p.id.clone())))
        .collect();
    let assets: Vec<_> = shown
        .posts
        .iter()
        .flat_map(|p| p.assets.iter().cloned())
        .collect();
    let stage = MediaStage {
        feed: name,
        http: (from.origin == FeedOrigin::Api).then_some(&shared.client),
        api: from.api,
        retry: shared.config.http.retry,
        hosts: &shared.hosts,
        snapshot: from.snapshot,
        elsewhere: from.elsewhere,
        store: &shared.store,
        images: &feed.images,
        previous: &previous,
        journal: Some(&journal),
        progress,
        cpu: shared.cpu.clone(),
    };
    if let Some(p) = progress {
        p.start(name, Stage::Media, Some(assets.len()));
    }
    let outcomes = stage.run(assets).await;
    if let Some(p) = progress {
        p.finish(name, Stage::Media);
    }
    let mut made = Made {
        stats: MediaStats::default(),
        manifest: Manifest::default(),
        originals: HashMap::new(),
        failures: BTreeMap::new(),
        post_of,
    };
    for o in outcomes {
        made.stats.downloaded += o.stats.downloaded;
        made.stats.reused_originals += o.stats.reused_originals;
        made.stats.decoded += o.stats.decoded;
        made.stats.encoded += o.stats.encoded;
        made.stats.reused_variants += o.stats.reused_variants;
        made.stats.relinked += o.stats.relinked;
        match o.result {
            Ok((original, entry)) => {
                made.originals.insert(o.asset_id.clone(), original);
                made.manifest.assets.insert(o.asset_id, entry);
            }
            Err(reason) => {
                made.failures.insert(o.asset_id, reason);
            }
        }
    }
    made
}

/// Gives each shown post its made originals; a post left with no image is
/// dropped and returned with the reason.
fn attach_or_leave_out(shown: &mut Feed, made: &Made) -> Vec<LeftOut> {
    let before: Vec<(String, Vec<String>)> = shown
        .posts
        .iter()
        .map(|p| {
            (
                p.id.clone(),
                p.assets.iter().map(|a| a.id.clone()).collect(),
            )
        })
        .collect();
    attach_originals(shown, &made.originals);
    let mut left_out = Vec::new();
    for (id, assets) in before {
        if !shown.posts.iter().any(|p| p.id == id) {
            let why = assets
                .iter()
                .find_map(|a| made.failures.get(a))
                .cloned()
                .unwrap_or_else(|| "none of its images could be made".into());
            left_out.push(LeftOut {
                reason: format!("post {id}: {why}; left out"),
                id,
            });
        }
    }
    left_out
}

/// After publishing: the manifest, and for a fetched feed the snapshot of the
/// shown posts as the API sent them (before the overrides, so an override
/// taken out takes its effect out offline too) with their originals. The
/// journal is then cleared: the manifest and the snapshot hold it all.
fn record_state(
    feed: &FeedConfig,
    snapshot: &Snapshot,
    origin: FeedOrigin,
    candidates: &Feed,
    shown: &Feed,
    made: &Made,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    made.manifest.save(&feed.manifest)?;
    if origin == FeedOrigin::Api {
        let ids: HashSet<&str> = shown.posts.iter().map(|p| p.id.as_str()).collect();
        let mut record = Feed {
            account: candidates.account.clone(),
            posts: candidates
                .posts
                .iter()
                .filter(|p| ids.contains(p.id.as_str()))
                .cloned()
                .collect(),
        };
        attach_originals(&mut record, &made.originals);
        snapshot.save(&record, now)?;
        let used: HashSet<String> = made.originals.values().map(|o| o.file.clone()).collect();
        snapshot.prune_originals(&used)?;
    }
    Journal::beside(&feed.manifest).clear();
    Ok(())
}

/// Gives each asset its original; posts left without any image are dropped.
fn attach_originals(feed: &mut Feed, originals: &HashMap<String, Original>) {
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
}

/// The files of an output folder besides its media: relative path → bytes.
type Documents = BTreeMap<String, Vec<u8>>;

/// The documents of one feed's output folder and the store files they use;
/// checked for anything that would make visitors' browsers contact Meta.
fn render_documents(
    feed: &FeedConfig,
    shown: &Feed,
    manifest: &Manifest,
    store: &ContentStore,
    secrets: &[Token],
    warnings: &mut Vec<String>,
) -> Result<(Documents, HashSet<String>), Error> {
    let out = &feed.output;
    let mut media_files: HashSet<String> = manifest
        .assets
        .values()
        .flat_map(|e| e.variants.iter().map(|v| v.file.clone()))
        .collect();
    let css = if out.css {
        let text = crate::theme::stylesheet(out)?;
        let (name, _) = store.put(text.as_bytes(), "css")?;
        media_files.insert(name.clone());
        Some((format!("{}/{name}", crate::output::MEDIA_DIR), name, text))
    } else {
        None
    };
    let css_file = css.as_ref().map(|(_, name, _)| name.as_str());
    let views = render::views(shown, &manifest.assets, out, &feed.images.formats);
    let fragment = render::fragment(&views, out, css_file)?;
    let mut documents = BTreeMap::new();
    documents.insert(out.json.clone(), render::json(shown, &views).into_bytes());
    if let Some(page_name) = &out.page {
        let page = render::page(&fragment, &shown.account.username, out)?;
        documents.insert(page_name.clone(), page.into_bytes());
    }
    documents.insert(out.html.clone(), fragment.into_bytes());
    if let Some(site) = &out.site_url {
        documents.insert(
            out.jsonfeed.clone(),
            render::feeds::json_feed(&shown.account, &views, out, site).into_bytes(),
        );
        documents.insert(
            out.atom.clone(),
            render::feeds::atom(&shown.account, &views, out, site)?.into_bytes(),
        );
    }
    // The token must never be published, whatever file the config names.
    let holding: Vec<String> = documents
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .chain(
            css.iter()
                .map(|(path, _, text)| (path.as_str(), text.as_bytes())),
        )
        .filter(|(_, bytes)| secrets.iter().any(|t| t.is_in(bytes)))
        .map(|(name, _)| name.to_string())
        .collect();
    if !holding.is_empty() {
        return Err(Error::SecretInOutput { files: holding });
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
        match out.privacy {
            crate::config::Privacy::Fail => return Err(Error::Privacy { findings }),
            crate::config::Privacy::Warn => warnings.extend(
                findings
                    .iter()
                    .map(|f| format!("privacy: {f} would load from Meta in visitors' browsers")),
            ),
        }
    }
    Ok((documents, media_files))
}

/// Every token this feed could know: the one in use, the inputs, and the
/// state file's (an offline build has no token in use, but the output must
/// not hold any of them either).
fn known_secrets(feed: &FeedConfig, in_use: Option<&Token>) -> Vec<Token> {
    let stored = token::load_state(&feed.token.state_file)
        .ok()
        .flatten()
        .map(|s| s.token);
    let from_file = token::input(feed).ok().flatten().map(|(t, _)| t);
    in_use
        .cloned()
        .into_iter()
        .chain(feed.token.env.clone())
        .chain(feed.source.token.clone())
        .chain(from_file)
        .chain(stored)
        .filter(|t| !t.is_empty())
        .collect()
}

fn load_snapshot(snapshot: &Snapshot, token_var: &str) -> Result<(Feed, DateTime<Utc>), Error> {
    snapshot.load()?.ok_or_else(|| Error::Snapshot {
        dir: snapshot.dir().to_path_buf(),
        reason: format!("there is no recorded snapshot yet (feed.json is missing). Run one online build with {token_var} set first, or point source.snapshot at a snapshot folder"),
    })
}

/// Keeps the token alive, finds the account, fetches the posts `selection`
/// wants, and reattaches the originals already downloaded. Returns the feed,
/// the token in use and the account node it was read from.
async fn fetch_online(
    shared: &Shared<'_>,
    feed: &FeedConfig,
    selection: &Selection,
    elsewhere: &[Snapshot],
    warnings: &mut Vec<String>,
    token_report: &mut Option<TokenReport>,
    api_requests: &std::sync::atomic::AtomicUsize,
) -> Result<(Feed, token::Resolved, String, Vec<LeftOut>), Error> {
    let client = &shared.client;
    let retry = shared.config.http.retry;
    let mut resolved = keep_token_alive(shared, feed, warnings, token_report, api_requests).await?;
    let (api, found) = InstagramClient::for_source(client, &feed.source, &resolved.state.token)
        .with_retry(retry)
        .counting(api_requests)
        .into_account(&feed.source)
        .await?;
    if let Some(found) = &found {
        tracing::info!(
            "{}: Instagram account {} of the Facebook Page {}",
            feed.name,
            found.ig_user_id,
            found.page.1
        );
    }
    let user = api.user().to_string();
    let fetched = api.fetch(selection, feed.source.counts).await?;
    first_sight_refresh(
        shared,
        feed,
        &mut resolved,
        token_report,
        warnings,
        api_requests,
    )
    .await?;
    // The token works: remember it (first sight, or the refresh attempt's outcome).
    if resolved.dirty {
        token::save_state(&feed.token.state_file, &resolved.state)?;
        resolved.dirty = false;
    }
    warnings.extend(fetched.warnings);
    let unusable = fetched.unusable;
    let mut fetched_feed = fetched.feed;
    // Reuse originals already downloaded, by asset id (CDN URLs change every
    // fetch): this feed's, else another feed's of the same account.
    let mut known: HashMap<String, Original> = HashMap::new();
    let own = Snapshot::new(&feed.source.snapshot_dir);
    for (i, snap) in std::iter::once(&own).chain(elsewhere).enumerate() {
        match snap.load() {
            Ok(Some((prev, _))) => {
                for a in prev.posts.into_iter().flat_map(|p| p.assets) {
                    if let Some(o) = a.original {
                        known.entry(a.id).or_insert(o);
                    }
                }
            }
            Ok(None) => {}
            Err(e) if i == 0 => warnings.push(format!(
                "the previous snapshot is unusable ({e}); downloading every image again"
            )),
            Err(_) => {}
        }
    }
    for asset in fetched_feed
        .posts
        .iter_mut()
        .flat_map(|p| p.assets.iter_mut())
    {
        asset.original = known.get(&asset.id).cloned();
    }
    Ok((fetched_feed, resolved, user, unusable))
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
    shared: &Shared<'_>,
    feed: &FeedConfig,
    warnings: &mut Vec<String>,
    report: &mut Option<TokenReport>,
    api_requests: &std::sync::atomic::AtomicUsize,
) -> Result<token::Resolved, Error> {
    let mut resolved = token::current(feed, shared.now)?;
    let mut r = TokenReport {
        origin: resolved.origin.clone(),
        days_left: None,
        refresh_attempted: false,
        refreshed: false,
    };
    // A token seen for the first time is refreshed once the fetch has shown
    // that it works (see `first_sight_refresh`).
    if resolved.state.obtained != Obtained::FirstSeen {
        try_refresh(shared, feed, &mut resolved, &mut r, warnings, api_requests).await?;
    }
    note_expiry(feed, &resolved, &mut r, warnings, shared.now);
    *report = Some(r);
    Ok(resolved)
}

/// The refresh of a token first seen in this build, after it read the feed:
/// its age is unknown, so one attempt tells. A refusal (most likely a token
/// under 24 hours old) is expected and logged at info level; a success
/// records the real expiry at once.
async fn first_sight_refresh(
    shared: &Shared<'_>,
    feed: &FeedConfig,
    resolved: &mut token::Resolved,
    report: &mut Option<TokenReport>,
    warnings: &mut Vec<String>,
    api_requests: &std::sync::atomic::AtomicUsize,
) -> Result<(), Error> {
    if resolved.state.obtained != Obtained::FirstSeen {
        return Ok(());
    }
    let Some(r) = report.as_mut() else {
        return Ok(());
    };
    try_refresh(shared, feed, resolved, r, warnings, api_requests).await?;
    note_expiry(feed, resolved, r, warnings, shared.now);
    Ok(())
}

/// Refreshes the token when [`token::decide`] says so; the new token is saved at once.
async fn try_refresh(
    shared: &Shared<'_>,
    feed: &FeedConfig,
    resolved: &mut token::Resolved,
    r: &mut TokenReport,
    warnings: &mut Vec<String>,
    api_requests: &std::sync::atomic::AtomicUsize,
) -> Result<(), Error> {
    let now = shared.now;
    let policy = &feed.token.policy;
    let decision = match feed.source.kind {
        SourceKind::Instagram => token::decide(&resolved.state, now, policy),
        // Facebook tokens have no refresh endpoint; `token exchange` makes a
        // Page token that does not expire.
        SourceKind::Facebook => Decision::Keep(token::FACEBOOK_NO_REFRESH.into()),
    };
    match decision {
        Decision::Refresh if policy.auto => {
            r.refresh_attempted = true;
            resolved.state.last_refresh_attempt = Some(now);
            resolved.dirty = true;
            let api =
                InstagramClient::new(&shared.client, &feed.source.api_base, &resolved.state.token)
                    .counting(api_requests);
            match api.refresh().await {
                Ok(issued) => {
                    let (expires_at, doubt) = token::expiry_after(now, issued.expires_in);
                    warnings.extend(doubt);
                    resolved.state.token = issued.token;
                    resolved.state.obtained_at = now;
                    resolved.state.obtained = Obtained::Refreshed;
                    resolved.state.expires_at = expires_at;
                    resolved.state.last_refresh_error = None;
                    // Saved at once: the new token must survive whatever fails next.
                    token::save_state(&feed.token.state_file, &resolved.state)?;
                    resolved.dirty = false;
                    r.refreshed = true;
                    tracing::info!("{}: token refreshed", feed.name);
                }
                Err(e) => {
                    let why = e.to_string();
                    if resolved.state.obtained == Obtained::FirstSeen && matches!(e, Error::Api(_))
                    {
                        // Most likely under 24 hours old, which the API refuses
                        // to refresh: expected, so not a warning.
                        tracing::info!(
                            "{}: the new token could not be refreshed yet ({why}); retried in 24 h",
                            feed.name
                        );
                    } else {
                        warnings.push(format!(
                            "the token could not be refreshed ({why}); the current token is used as long as it is valid, and the refresh is retried in 24 h"
                        ));
                    }
                    resolved.state.last_refresh_error = Some(why);
                }
            }
        }
        Decision::Refresh => tracing::debug!("a refresh is due, but token.auto_refresh is off"),
        Decision::Keep(reason) => tracing::debug!("token not refreshed: {reason}"),
    }
    Ok(())
}

/// Days left, and the warning once they are few.
fn note_expiry(
    feed: &FeedConfig,
    resolved: &token::Resolved,
    r: &mut TokenReport,
    warnings: &mut Vec<String>,
    now: DateTime<Utc>,
) {
    let Some(exp) = resolved.state.expires_at else {
        return;
    };
    let days = token::days_left(exp, now);
    r.days_left = Some(days);
    if days < feed.token.policy.warn_days_left {
        warnings.push(match feed.source.kind {
            SourceKind::Instagram => format!(
                "the token expires in {days} days (on {}). feedgen refreshes it automatically on builds once it is 24 h old; if refreshes keep failing, generate a new token before then (see README, Getting a token)",
                exp.format("%Y-%m-%d")
            ),
            SourceKind::Facebook => format!(
                "the Facebook token expires in {days} days (on {}). Run `feedgen token exchange` (README, Facebook Login) for a Page token that does not expire",
                exp.format("%Y-%m-%d")
            ),
        });
    }
}
