//! Obtaining the feed to build: fetched online (stale-on-error falling back
//! to the snapshot) or read from the snapshot, and the posts it shows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::app::refresh::{first_sight_refresh, keep_token_alive};
use crate::app::{FeedCx, FeedOrigin, Shared, Stale, TokenReport};
use crate::config::FeedConfig;
use crate::embed::Wanted;
use crate::error::Error;
use crate::model::{Feed, Original, Post};
use crate::select::Selection;
use crate::source::instagram::{InstagramClient, LeftOut};
use crate::source::snapshot::Snapshot;
use crate::token;

/// The feed a build starts from, and what getting it said.
pub(super) struct Obtained {
    /// Every post read (before the filter and the overrides).
    pub(super) candidates: Feed,
    pub(super) origin: FeedOrigin,
    /// Set when the API failed and the last good feed stands in.
    pub(super) stale: Option<Stale>,
    /// The token and user the API was read with (online builds only).
    pub(super) in_use: Option<(token::Resolved, String)>,
    pub(super) left_out: Vec<LeftOut>,
    pub(super) token_report: Option<TokenReport>,
}

/// Fetches the feed, or reads the snapshot offline; on an API or token
/// failure, falls back to the last good feed when there is one.
pub(super) async fn obtain(
    shared: &Shared<'_>,
    feed: &FeedConfig,
    selection: &Selection,
    snapshot: &Snapshot,
    elsewhere: &[Snapshot],
    cx: &FeedCx,
) -> Result<Obtained, Error> {
    let name = feed.name.as_str();
    let mut token_report = None;
    if let Some(export) = feed.source.export.as_deref() {
        return import_export(shared, feed, export, snapshot, cx);
    }
    if shared.options.offline || feed.source.offline {
        let (recorded, saved_at) = load_snapshot(snapshot, &feed.token.env_var)?;
        tracing::info!("{name}: building offline from the snapshot saved {saved_at}");
        return Ok(Obtained {
            candidates: recorded,
            origin: FeedOrigin::Snapshot,
            stale: None,
            in_use: None,
            left_out: Vec::new(),
            token_report,
        });
    }
    let fetched = fetch_online(shared, feed, selection, elsewhere, cx, &mut token_report).await;
    match fetched {
        Ok((fetched, resolved, user, unusable)) => Ok(Obtained {
            candidates: fetched,
            origin: FeedOrigin::Api,
            stale: None,
            in_use: Some((resolved, user)),
            left_out: unusable,
            token_report,
        }),
        Err(e @ (Error::Token { .. } | Error::Api(_))) => {
            let Ok(Some((fetched, saved_at))) = snapshot.load() else {
                return Err(e);
            };
            cx.warn(format!(
                "the API failed, so the last good feed (fetched {}) is published again. The failure: {e}",
                saved_at.format("%Y-%m-%d %H:%M UTC")
            ));
            let stale = Stale {
                reason: e.to_string(),
                exit_code: e.exit_code(),
                saved_at,
            };
            Ok(Obtained {
                candidates: fetched,
                origin: FeedOrigin::Snapshot,
                stale: Some(stale),
                in_use: None,
                left_out: Vec::new(),
                token_report,
            })
        }
        Err(e) => Err(e),
    }
}

/// Reads Instagram's data export into the snapshot (its originals and its
/// feed.json); the build goes on from it as from any snapshot. With
/// `--offline`, the snapshot of the last import is used as it is.
fn import_export(
    shared: &Shared<'_>,
    feed: &FeedConfig,
    export: &std::path::Path,
    snapshot: &Snapshot,
    cx: &FeedCx,
) -> Result<Obtained, Error> {
    let imported = if shared.options.offline {
        None
    } else {
        Some(tokio::task::block_in_place(|| {
            crate::export::import(export, snapshot)
        })?)
    };
    let age = crate::export::written(export).map(|w| (shared.now - w).num_days());
    if let Some(days) = age.filter(|d| *d > i64::from(feed.source.export_max_age)) {
        cx.warn(format!(
            "the export {} is {days} days old (source.export_max_age = {}): posts since are missing; download a new one",
            export.display(),
            feed.source.export_max_age
        ));
    }
    let (candidates, left_out) = match imported {
        Some(i) => {
            cx.warn_all(i.warnings);
            snapshot.save(&i.feed, shared.now)?;
            // Images of posts a newer export no longer has go with them.
            let used: std::collections::HashSet<String> = i
                .feed
                .posts
                .iter()
                .flat_map(|p| &p.assets)
                .chain(&i.feed.account.avatar)
                .filter_map(|a| a.original.as_ref().map(|o| o.file.clone()))
                .collect();
            snapshot.prune_originals(&used)?;
            let left_out = i
                .left_out
                .into_iter()
                .map(|(id, reason)| LeftOut { id, reason })
                .collect();
            (i.feed, left_out)
        }
        None => match snapshot.load()? {
            Some((feed, _)) => (feed, Vec::new()),
            None => {
                return Err(Error::Snapshot {
                    dir: snapshot.dir().to_path_buf(),
                    reason: "the export was not read yet: run feedgen build without --offline once"
                        .into(),
                });
            }
        },
    };
    Ok(Obtained {
        candidates,
        origin: FeedOrigin::Export,
        stale: None,
        in_use: None,
        left_out,
        token_report: None,
    })
}

/// What is shown: filtered, hidden and pinned, edited (the snapshot keeps the
/// candidates). Pinned posts a snapshot lacks are named in a warning.
pub(super) fn shown_posts(
    feed: &FeedConfig,
    selection: &Selection,
    candidates: &Feed,
    origin: FeedOrigin,
    cx: &FeedCx,
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
            cx.warn(format!(
                "pinned posts {} are not in the snapshot; the next online build fetches them",
                missing.join(", ")
            ));
        }
    }
    shown
}

/// Fills in the posts the site embeds (`[embed]`): those named in the config
/// and those the content scan finds, and the media ids the last snapshot
/// found them under (so the next fetch reads them directly).
pub(super) fn want_embeds(
    feed: &FeedConfig,
    selection: &mut Selection,
    snapshot: &Snapshot,
    cx: &FeedCx,
) -> Result<(), Error> {
    if !feed.embed.is_on() {
        return Ok(());
    }
    let mut warnings = Vec::new();
    selection.embeds = Wanted::of(&feed.embed, &mut warnings)?;
    cx.warn_all(warnings);
    if let Ok(Some((recorded, _))) = snapshot.load() {
        for post in &recorded.posts {
            if let Some(code) = crate::model::code_of(post).filter(|c| selection.embeds.contains(c))
            {
                selection.embed_ids.insert(code, post.id.clone());
            }
        }
    }
    Ok(())
}

/// The embedded posts among `candidates`, by shortcode, with the overrides
/// file's edits. A wanted post that is not there is named in a warning with
/// the places that use it: it is shown as a link to Instagram.
pub(super) fn embedded_posts(
    feed: &FeedConfig,
    selection: &Selection,
    candidates: &Feed,
    cx: &FeedCx,
) -> Vec<(String, Post)> {
    let mut found = Vec::new();
    for code in selection.embeds.codes() {
        let post = candidates
            .posts
            .iter()
            .find(|p| crate::model::code_of(p).as_deref() == Some(code));
        match post {
            Some(p) => {
                let mut post = selection.edited(p);
                if !feed.source.counts {
                    post.like_count = None;
                    post.comments_count = None;
                }
                found.push((code.to_string(), post));
            }
            None => cx.warn(format!(
                "embedded post {code} (named in {}) is not a post of @{} that feedgen could read (deleted, private, another account's, or older than source.scan_limit posts); it is shown as a link to https://www.instagram.com/p/{code}/",
                selection.embeds.places(code).join(", "),
                candidates.account.username
            )),
        }
    }
    found
}

pub(super) fn load_snapshot(
    snapshot: &Snapshot,
    token_var: &str,
) -> Result<(Feed, DateTime<Utc>), Error> {
    snapshot.load()?.ok_or_else(|| Error::Snapshot {
        dir: snapshot.dir().to_path_buf(),
        reason: format!("there is no recorded snapshot yet (feed.json is missing). Run one online build with {token_var} set first, or point source.snapshot at a snapshot folder"),
    })
}

/// Keeps the token alive, finds the account, fetches the posts `selection`
/// wants, and reattaches the originals already downloaded. Returns the feed,
/// the token in use and the account node it was read from.
pub(super) async fn fetch_online(
    shared: &Shared<'_>,
    feed: &FeedConfig,
    selection: &Selection,
    elsewhere: &[Snapshot],
    cx: &FeedCx,
    token_report: &mut Option<TokenReport>,
) -> Result<(Feed, token::Resolved, String, Vec<LeftOut>), Error> {
    let client = &shared.client;
    let retry = shared.config.http.retry;
    let mut resolved = keep_token_alive(shared, feed, cx, token_report).await?;
    let (api, found) = InstagramClient::for_source(client, &feed.source, &resolved.state.token)
        .with_retry(retry)
        .with_profile(feed.output.header)
        .counting(cx.requests())
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
    first_sight_refresh(shared, feed, &mut resolved, token_report, cx).await?;
    // The token works: remember it (first sight, or the refresh attempt's outcome).
    if resolved.dirty {
        token::save_state(&feed.token.state_file, &resolved.state)?;
        resolved.dirty = false;
    }
    cx.warn_all(fetched.warnings);
    let unusable = fetched.unusable;
    let mut fetched_feed = fetched.feed;
    reuse_originals(&mut fetched_feed, feed, elsewhere, cx);
    Ok((fetched_feed, resolved, user, unusable))
}

/// Reuses the originals already downloaded, by asset id (CDN URLs change
/// every fetch): this feed's snapshot's, else another feed's of the same account.
fn reuse_originals(
    fetched_feed: &mut Feed,
    feed: &FeedConfig,
    elsewhere: &[Snapshot],
    cx: &FeedCx,
) {
    let mut known: HashMap<String, Original> = HashMap::new();
    let mut known_videos: HashMap<String, crate::model::Video> = HashMap::new();
    let own = Snapshot::new(&feed.source.snapshot_dir);
    for (i, snap) in std::iter::once(&own).chain(elsewhere).enumerate() {
        match snap.load() {
            Ok(Some((prev, _))) => {
                for p in &prev.posts {
                    if let Some(v) = p.video.as_ref().filter(|v| v.file.is_some()) {
                        known_videos
                            .entry(p.id.clone())
                            .or_insert_with(|| v.clone());
                    }
                }
                let avatar = prev.account.avatar.into_iter();
                for a in prev.posts.into_iter().flat_map(|p| p.assets).chain(avatar) {
                    if let Some(o) = a.original {
                        known.entry(a.id).or_insert(o);
                    }
                }
            }
            Ok(None) => {}
            Err(e) if i == 0 => cx.warn(format!(
                "the previous snapshot is unusable ({e}); downloading every image again"
            )),
            Err(_) => {}
        }
    }
    for asset in fetched_feed
        .posts
        .iter_mut()
        .flat_map(|p| p.assets.iter_mut())
        .chain(fetched_feed.account.avatar.as_mut())
    {
        asset.original = known.get(&asset.id).cloned();
    }
    for post in &mut fetched_feed.posts {
        if let (Some(v), Some(prev)) = (&mut post.video, known_videos.get(&post.id)) {
            v.file = prev.file.clone();
            v.bytes = prev.bytes;
        }
    }
}
