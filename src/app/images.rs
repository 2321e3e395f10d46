//! Running the media stage for the posts shown, and attaching its results
//! (or leaving out the posts whose images failed).

use std::collections::{BTreeMap, HashMap};

use crate::app::{FeedCx, FeedOrigin, Shared};
use crate::config::FeedConfig;
use crate::error::Error;
use crate::manifest::{Journal, Manifest};
use crate::media::{MediaStage, MediaStats};
use crate::model::{Asset, Feed, Original};
use crate::progress::Stage;
use crate::source::instagram::{InstagramClient, LeftOut};
use crate::source::snapshot::Snapshot;

/// Where the media stage may take originals from.
pub(super) struct MediaSources<'a> {
    pub(super) origin: FeedOrigin,
    /// The API client, to refresh expired CDN links (online builds only).
    pub(super) api: Option<&'a InstagramClient<'a>>,
    pub(super) snapshot: &'a Snapshot,
    pub(super) elsewhere: &'a [Snapshot],
}

/// What the media stage made of a feed's assets.
pub(super) struct Made {
    pub(super) stats: MediaStats,
    /// The variants of every asset that was made, for the renderer and the next build.
    pub(super) manifest: Manifest,
    /// The original each made asset came from, by asset id.
    pub(super) originals: HashMap<String, Original>,
    /// Why each failed asset failed, by asset id.
    pub(super) failures: BTreeMap<String, String>,
    /// Which post each asset belongs to, for messages.
    pub(super) post_of: HashMap<String, String>,
    /// Each video post's video file (`images.video = "mp4"`), by post id.
    pub(super) videos: HashMap<String, crate::model::Video>,
    /// Why each failed video failed, by post id.
    pub(super) video_failures: BTreeMap<String, String>,
}

/// Obtains each asset's original, then makes its missing variants. Another
/// feed of the same account may have made a variant already: its entry counts
/// when this feed has none (the variant must still match original, width,
/// format and settings). An interrupted build's finished assets are taken
/// from the journal.
pub(super) async fn make_media(
    shared: &Shared<'_>,
    feed: &FeedConfig,
    siblings: &[&FeedConfig],
    shown: &Feed,
    from: MediaSources<'_>,
) -> Made {
    let progress = shared.options.progress.as_deref();
    let name = feed.name.as_str();
    let journal = Journal::beside(&feed.manifest);
    let post_of: HashMap<String, String> = shown
        .posts
        .iter()
        .flat_map(|p| p.assets.iter().map(move |a| (a.id.clone(), p.id.clone())))
        .collect();
    let avatar = feed
        .output
        .header
        .then(|| shown.account.avatar.clone())
        .flatten();
    let mut assets: Vec<_> = shown
        .posts
        .iter()
        .flat_map(|p| p.assets.iter().cloned())
        .chain(avatar)
        .collect();
    let previous = earlier_work(feed, siblings, &mut assets, from.snapshot, &journal);
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
        videos_by: crate::media::video::videos_by(shared.deadline, shared.config.deadline),
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
        videos: HashMap::new(),
        video_failures: BTreeMap::new(),
    };
    for o in outcomes {
        made.stats += o.stats;
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
    if feed.images.video {
        make_videos(&stage, shown, &mut made).await;
    }
    made
}

/// What earlier builds made that this one may reuse: the manifest, the
/// finished assets of an interrupted build (whose originals are given to
/// `assets`, the stage's copies), and the variants of feeds of the same account.
fn earlier_work(
    feed: &FeedConfig,
    siblings: &[&FeedConfig],
    assets: &mut [Asset],
    snapshot: &Snapshot,
    journal: &Journal,
) -> Manifest {
    let unfinished = journal.load();
    let mut previous = Manifest::load(&feed.manifest);
    // An interrupted build's finished assets: newer than the manifest.
    for (id, (_, entry)) in &unfinished {
        previous.assets.insert(id.clone(), entry.clone());
    }
    for asset in assets {
        if asset.original.is_none()
            && let Some((original, _)) = unfinished.get(&asset.id)
            && snapshot.has_original(&original.file)
        {
            asset.original = Some(original.clone());
        }
    }
    for other in siblings {
        for (id, entry) in Manifest::load(&other.manifest).assets {
            previous.assets.entry(id).or_insert(entry);
        }
    }
    previous
}

/// Downloads (or reuses) the video file of each video post shown.
async fn make_videos(stage: &MediaStage<'_>, shown: &Feed, made: &mut Made) {
    let videos: Vec<_> = shown
        .posts
        .iter()
        .filter_map(|p| Some((p.id.clone(), p.video.clone()?)))
        .collect();
    for o in stage.videos(videos).await {
        made.stats.videos_downloaded += usize::from(o.downloaded);
        made.stats.relinked += usize::from(o.relinked);
        match o.result {
            Ok(video) => {
                if let Some(file) = &video.file {
                    made.manifest.videos.insert(o.post_id.clone(), file.clone());
                }
                made.videos.insert(o.post_id, video);
            }
            Err(reason) => {
                made.video_failures.insert(o.post_id, reason);
            }
        }
    }
}

/// Attaches what the media stage made to the posts shown, warns of every
/// image left out, and returns the posts left out; an error when posts were
/// fetched but none of them kept an image (publishing would blank the feed).
pub(super) fn keep_what_was_made(
    mut shown: Feed,
    made: &Made,
    cx: &FeedCx,
) -> Result<(Feed, Vec<LeftOut>), Error> {
    for (asset_id, reason) in &made.failures {
        if shown
            .account
            .avatar
            .as_ref()
            .is_some_and(|a| a.id == *asset_id)
        {
            cx.warn(format!(
                "the profile picture of @{}: {reason}; the header is shown without it",
                shown.account.username
            ));
            continue;
        }
        let post = made
            .post_of
            .get(asset_id)
            .map(String::as_str)
            .unwrap_or("?");
        cx.warn(format!("post {post}, image {asset_id}: {reason}; left out"));
    }
    for (post, reason) in &made.video_failures {
        cx.warn(format!(
            "post {post}: {reason}; it shows its poster and links to Instagram"
        ));
    }
    let fetched_posts = shown.posts.len();
    let left_out = attach_or_leave_out(&mut shown, made);
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
    Ok((shown, left_out))
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
    attach_videos(shown, made);
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

/// Gives each video post the video file made for it, or none.
pub(super) fn attach_videos(feed: &mut Feed, made: &Made) {
    for post in &mut feed.posts {
        post.video = made.videos.get(&post.id).cloned();
    }
}

/// Gives each asset its original; posts left without any image are dropped,
/// and so is a profile picture without one.
pub(super) fn attach_originals(feed: &mut Feed, originals: &HashMap<String, Original>) {
    if let Some(avatar) = &mut feed.account.avatar {
        match originals.get(&avatar.id) {
            Some(o) => avatar.original = Some(o.clone()),
            None => feed.account.avatar = None,
        }
    }
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
